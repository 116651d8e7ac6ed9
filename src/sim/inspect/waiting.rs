//! What the world is waiting for: the time-based state that shapes the
//! answer a client gets now and that the clock will change — cached
//! answers with the seconds they have left, health checks part-way to
//! flipping, targets and pods not in service — read from the live state
//! (`LiveState`), so the page and the CLI agree.

use serde::{Deserialize, Serialize};

use super::live::{CacheKind, LiveState};
use crate::sim::event::alb::TargetStatus;
use crate::sim::world::World;

/// One thing the world is waiting for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Waiting {
    /// A cached answer the client's next request may use, until it expires.
    Cached {
        cache: CacheKind,
        owner: String,
        key: String,
        left_s: u64,
    },
    /// A Route 53 health check with results in a row that have not yet
    /// flipped it: `more` more of the same flip it.
    HealthCheck {
        id: String,
        healthy: bool,
        streak: u32,
        more: u32,
        next_in_s: Option<u64>,
    },
    /// An ALB target out of service (unhealthy or draining).
    Target {
        group: String,
        target: String,
        status: TargetStatus,
        reason: String,
        next_in_s: u64,
    },
    /// A pod its Service does not send to (readiness failing).
    PodNotReady { pod: String, next_in_s: u64 },
    /// RDS Multi-AZ is promoting the standby of a failed primary.
    RdsPromotion { region: String, done_in_s: u64 },
}

impl Waiting {
    /// The line a learner reads.
    pub fn text(&self) -> String {
        let next = |s: Option<u64>| match s {
            Some(s) => format!(", next check in {s} s"),
            None => String::new(),
        };
        match self {
            Waiting::Cached {
                cache,
                owner,
                key,
                left_s,
            } => {
                let whose = if owner.is_empty() {
                    String::new()
                } else {
                    format!(" ({owner})")
                };
                format!("{key} cached in the {} cache{whose}: {left_s} s left", cache.label())
            }
            Waiting::HealthCheck {
                id,
                healthy,
                streak,
                more,
                next_in_s,
            } => {
                let (now, results, to) = if *healthy {
                    ("healthy", "failed", "unhealthy")
                } else {
                    ("unhealthy", "passed", "healthy")
                };
                format!(
                    "{id} is {now} with {streak} {results} in a row: {more} more turn{} it {to}{}",
                    if *more == 1 { "s" } else { "" },
                    next(*next_in_s)
                )
            }
            Waiting::Target {
                group,
                target,
                status,
                reason,
                next_in_s,
            } => format!(
                "{target} in {group} is {} ({reason}){}",
                status.as_str(),
                next(Some(*next_in_s))
            ),
            Waiting::PodNotReady { pod, next_in_s } => format!(
                "{pod} is not ready: its Service sends it nothing, next readiness probe in {next_in_s} s"
            ),
            Waiting::RdsPromotion { region, done_in_s } => format!(
                "RDS Multi-AZ in {region} is promoting the standby: writes fail for {done_in_s} s more"
            ),
        }
    }
}

impl World {
    /// What shapes `client`'s next answer and will change with the clock:
    /// its browser's, OS's and resolver's cached DNS answers and cached
    /// pages, CloudFront's cached DNS answers and objects, health checks
    /// part-way to flipping, targets out of service and pods not ready.
    pub fn waiting_for(&self, client: &str) -> Vec<Waiting> {
        let live = self.live_state();
        let resolver = self
            .scenario()
            .clients
            .iter()
            .find(|c| c.id == client)
            .map(|c| c.resolver.id.clone());
        let mut out = cached(&live, client, resolver.as_deref());
        out.extend(health_checks(self, &live));
        let now = live.clock_ms;
        let secs = |at: u64| at.saturating_sub(now).div_ceil(1000);
        for g in &live.target_groups {
            for t in g
                .targets
                .iter()
                .filter(|t| t.status != TargetStatus::Healthy)
            {
                out.push(Waiting::Target {
                    group: g.id.clone(),
                    target: t.id.clone(),
                    status: t.status,
                    reason: t.reason.clone(),
                    next_in_s: secs(t.next_due_ms),
                });
            }
        }
        for (region, due) in &self.rds.failover_due {
            out.push(Waiting::RdsPromotion {
                region: region.clone(),
                done_in_s: secs(*due),
            });
        }
        for p in live.pods.iter().filter(|p| !p.ready) {
            out.push(Waiting::PodNotReady {
                pod: p.id.clone(),
                next_in_s: secs(p.next_probe_ms),
            });
        }
        out
    }
}

fn cached(live: &LiveState, client: &str, resolver: Option<&str>) -> Vec<Waiting> {
    live.caches
        .iter()
        .filter(|c| match c.cache {
            CacheKind::BrowserDns | CacheKind::OsDns | CacheKind::BrowserHttp => c.owner == client,
            CacheKind::Resolver => Some(c.owner.as_str()) == resolver,
            CacheKind::EdgeDns | CacheKind::Cloudfront => true,
        })
        .map(|c| Waiting::Cached {
            cache: c.cache,
            owner: c.owner.clone(),
            key: c.key.clone(),
            left_s: c.ttl_left_s,
        })
        .collect()
}

fn health_checks(w: &World, live: &LiveState) -> Vec<Waiting> {
    let now = live.clock_ms;
    live.health_checks
        .iter()
        .filter_map(|h| {
            let threshold = w
                .scenario()
                .dns
                .health_checks
                .iter()
                .find(|c| c.id == h.id)?
                .failure_threshold;
            let streak = if h.healthy {
                h.consecutive_failures
            } else {
                h.consecutive_successes
            };
            (streak > 0 && streak < threshold).then(|| Waiting::HealthCheck {
                id: h.id.clone(),
                healthy: h.healthy,
                streak,
                more: threshold - streak,
                next_in_s: h
                    .next_due_ms
                    .map(|at| at.saturating_sub(now).div_ceil(1000)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::{Fault, World, DEFAULT_CLIENT};
    use crate::sim::Request;

    #[test]
    fn a_fresh_world_waits_for_nothing_and_a_send_leaves_cached_answers_that_run_down() {
        let mut w = World::default_world();
        assert!(w.waiting_for(DEFAULT_CLIENT).is_empty());
        w.send(&Request::get(
            DEFAULT_CLIENT,
            crate::sim::world::DEFAULT_URL,
        ));
        let before = w.waiting_for(DEFAULT_CLIENT);
        let browser = |l: &[Waiting]| {
            l.iter().find_map(|x| match x {
                Waiting::Cached {
                    cache: CacheKind::BrowserDns,
                    left_s,
                    ..
                } => Some(*left_s),
                _ => None,
            })
        };
        let left = browser(&before).expect("the browser cached the answer (fact sheet §1)");
        w.advance(10_000);
        assert_eq!(browser(&w.waiting_for(DEFAULT_CLIENT)), Some(left - 10));
        // Another client's browser cache is not this client's business.
        assert!(browser(&w.waiting_for("client-eu")).is_none());
    }

    #[test]
    fn a_health_check_part_way_to_failing_says_how_many_more_failures_flip_it() {
        // Fact sheet §4: a check turns unhealthy after `failure_threshold`
        // failed checks in a row.
        let mut w = World::default_world();
        w.set_fault(
            Fault::RegionDown {
                region: "us-east-1".into(),
            },
            true,
        );
        let mut seen = None;
        for _ in 0..12 {
            w.advance(10_000);
            if let Some(h) = w
                .waiting_for(DEFAULT_CLIENT)
                .into_iter()
                .find_map(|x| match x {
                    Waiting::HealthCheck {
                        healthy: true,
                        streak,
                        more,
                        ..
                    } => Some((streak, more)),
                    _ => None,
                })
            {
                seen = Some(h);
                break;
            }
        }
        let (streak, more) = seen.expect("the check counts failures before it flips");
        let threshold = w.scenario().dns.health_checks[0].failure_threshold;
        assert_eq!(streak + more, threshold);
        assert!(more >= 1);
    }

    #[test]
    fn a_multi_az_promotion_in_progress_says_how_long_it_has_left() {
        // Fact sheet §15: Multi-AZ failover takes 60-120 s.
        let mut w = World::default_world();
        w.set_fault(
            Fault::RdsPrimaryDown {
                region: "us-east-1".into(),
            },
            true,
        );
        let left = |w: &World| {
            w.waiting_for(DEFAULT_CLIENT)
                .into_iter()
                .find_map(|x| match x {
                    Waiting::RdsPromotion { done_in_s, .. } => Some(done_in_s),
                    _ => None,
                })
        };
        let first = left(&w).expect("the promotion is under way");
        assert!((60..=120).contains(&first), "{first}");
        w.advance(10_000);
        assert_eq!(left(&w), Some(first - 10));
        w.advance(200_000);
        assert_eq!(left(&w), None, "done");
    }

    #[test]
    fn a_crashed_pod_shows_as_a_target_out_of_service() {
        let mut w = World::default_world();
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
            true,
        );
        w.advance(120_000);
        let lines = w.waiting_for(DEFAULT_CLIENT);
        assert!(lines.iter().any(|x| matches!(
            x,
            Waiting::Target { target, status, .. } if target == "pod-a-1" && *status != TargetStatus::Healthy
        )));
        assert!(lines.iter().all(|l| !l.text().is_empty()));
    }
}
