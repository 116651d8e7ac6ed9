//! The world clock moving: every scheduled health check, probe and
//! failover runs in time order.
//!
//! `advance` skips the rounds it can prove change nothing but a due time
//! or a counter: a readiness probe whose pod keeps answering the same way
//! (its inputs are faults and the scenario, which nothing on the clock
//! changes for it) and whose state is saturated. Every other round runs
//! step by step, as `advance_stepwise` runs them all; both leave the same
//! world (tested on random worlds below).

use super::k8s::{PROBE_FAILURE_THRESHOLD, PROBE_PERIOD_S};
use super::world::{Fault, World};

/// Work the world does on the clock. The order of the variants breaks ties
/// between work due at the same moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scheduled {
    /// A Route 53 health check's checkers probe its endpoint (fact sheet §4).
    Route53Check,
    /// A target group's health check of one target (fact sheet §8).
    TargetCheck,
    /// RDS Multi-AZ promotes the standby of a failed primary (fact sheet §15).
    RdsFailover,
    /// The kubelet's readiness (and liveness) probe of one pod.
    ReadinessProbe,
}

/// A readiness probe whose every round until the end of an advance is
/// known in advance: its pod answers (`ok`) or fails without hanging, and
/// its state already says so.
struct SteadyProbe {
    pod: String,
    ok: bool,
    due_ms: u64,
}

impl World {
    /// Move the clock forward, running every scheduled health check and
    /// failover in time order (ties: Route 53 checks, then target checks,
    /// then database failovers, then readiness probes, each by id).
    /// Rounds that provably change nothing but their due time and a
    /// counter are computed at the end instead of run one by one.
    pub fn advance(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        if end == u64::MAX {
            return self.advance_stepwise(ms);
        }
        let steady = self.steady_probes(end);
        // Out of the schedule for this advance: no other work reads a
        // probe's due time or counters, and their readiness stays as is.
        for s in &steady {
            if let Some(p) = self.k8s.probes.get_mut(&s.pod) {
                p.next_due_ms = u64::MAX;
            }
        }
        self.run_until(end);
        let period = PROBE_PERIOD_S * 1000;
        for s in steady {
            let Some(p) = self.k8s.probes.get_mut(&s.pod) else {
                continue;
            };
            let rounds = if s.due_ms <= end {
                (end - s.due_ms) / period + 1
            } else {
                0
            };
            p.next_due_ms = s.due_ms + rounds * period;
            if !s.ok {
                p.consecutive_failures += rounds as u32;
            }
        }
        self.clock_ms = end;
    }

    /// The reference: every scheduled round, one by one.
    #[doc(hidden)]
    pub fn advance_stepwise(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        self.run_until(end);
        self.clock_ms = end;
    }

    fn run_until(&mut self, end: u64) {
        while let Some((t, work, id)) = self.next_due(end) {
            self.clock_ms = t;
            match work {
                Scheduled::Route53Check => self.run_r53_check(&id),
                Scheduled::TargetCheck => self.run_target_check(&id),
                Scheduled::RdsFailover => self.run_rds_failover(&id),
                Scheduled::ReadinessProbe => self.run_readiness_probe(&id),
            }
        }
    }

    /// Readiness probes due by `end` whose every round is known: the pod
    /// does not hang (a hang restarts the container, which changes the
    /// faults), its answer depends only on faults that nothing on the
    /// clock changes, and its state is saturated: answering, ready, with
    /// no failures counted; or failing, unready, past the threshold, with
    /// no liveness failures. Such a round only moves the due time (and
    /// counts one more failure).
    fn steady_probes(&self, end: u64) -> Vec<SteadyProbe> {
        let mut out = Vec::new();
        for r in &self.scenario.regions {
            for pod in &r.cluster.pods {
                let Some(p) = self.k8s.probes.get(&pod.id) else {
                    continue;
                };
                if p.next_due_ms > end {
                    continue;
                }
                if self.has_fault(|| Fault::PodHung {
                    pod: pod.id.clone(),
                }) {
                    continue;
                }
                // The first region holding the pod is the one its probe reads.
                let first = self.scenario.regions.iter().find_map(|r2| {
                    r2.cluster
                        .pods
                        .iter()
                        .find(|q| q.id == pod.id)
                        .map(|_| r2.id.as_str())
                });
                if first != Some(r.id.as_str()) {
                    continue;
                }
                let ok =
                    self.pod_up(r, pod) && self.pod_host_up(r, pod) && self.pod_answers(&pod.id);
                let saturated = if ok {
                    p.ready && p.consecutive_failures == 0 && p.liveness_failures == 0
                } else {
                    !p.ready
                        && p.consecutive_failures >= PROBE_FAILURE_THRESHOLD
                        && p.liveness_failures == 0
                };
                if saturated && !out.iter().any(|s: &SteadyProbe| s.pod == pod.id) {
                    out.push(SteadyProbe {
                        pod: pod.id.clone(),
                        ok,
                        due_ms: p.next_due_ms,
                    });
                }
            }
        }
        out
    }

    /// The first work due by `end`: its time, what it is, and for whom.
    pub(crate) fn next_due(&self, end: u64) -> Option<(u64, Scheduled, String)> {
        use Scheduled::*;
        let r53 = self.route53.health.iter();
        let targets = self.alb.targets.iter();
        let failovers = self.rds.failover_due.iter();
        let probes = self.k8s.probes.iter();
        let next = (r53.map(|(id, h)| (h.next_due_ms, Route53Check, id.as_str())))
            .chain(targets.map(|(id, h)| (h.next_due_ms, TargetCheck, id.as_str())))
            .chain(failovers.map(|(id, t)| (*t, RdsFailover, id.as_str())))
            .chain(probes.map(|(id, p)| (p.next_due_ms, ReadinessProbe, id.as_str())))
            .filter(|(t, _, _)| *t <= end)
            .min();
        next.map(|(t, work, id)| (t, work, id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Rng;

    /// A fault somewhere in the default world, picked at random.
    fn random_fault(w: &World, rng: &mut Rng) -> Fault {
        let sc = w.scenario();
        let r = &sc.regions[rng.index(sc.regions.len())];
        let pod = r.cluster.pods[rng.index(r.cluster.pods.len())].id.clone();
        match rng.index(7) {
            0 => Fault::PodDown { pod },
            1 => Fault::TargetUnhealthy { pod },
            2 => Fault::PodHung { pod },
            3 => match r.cluster.nodes.first() {
                Some(n) => Fault::NodeDown { node: n.id.clone() },
                None => Fault::PodDown { pod },
            },
            4 => Fault::RdsPrimaryDown {
                region: r.id.clone(),
            },
            5 => match r.vpc.subnets.first() {
                Some(s) => Fault::AzDown { az: s.az.clone() },
                None => Fault::PodDown { pod },
            },
            _ => Fault::RegionDown {
                region: r.id.clone(),
            },
        }
    }

    /// A span from a millisecond to a day, most of them short.
    fn random_span(rng: &mut Rng) -> u64 {
        match rng.index(4) {
            0 => rng.range(1, 999),
            1 => rng.range(1_000, 120_000),
            2 => rng.range(120_000, 3_600_000),
            _ => rng.range(3_600_000, 24 * 3_600_000),
        }
    }

    #[test]
    fn a_skipping_advance_leaves_the_same_world_as_running_every_round() {
        let mut rng = Rng::new(11);
        for case in 0..12 {
            let mut w = World::new(crate::sim::defaults::default_scenario(), case + 1)
                .expect("the default scenario is valid");
            if rng.index(3) == 0 {
                w.apply_edit(&crate::sim::Edit::benchmark_sample())
                    .expect("a valid edit");
            }
            for step in 0..6 {
                if rng.index(2) == 0 {
                    let f = random_fault(&w, &mut rng);
                    let on = !w.faults().contains(&f);
                    w.set_fault(f, on);
                }
                let span = random_span(&mut rng);
                let mut stepped = w.clone();
                stepped.advance_stepwise(span);
                w.advance(span);
                assert!(
                    w == stepped,
                    "case {case}, step {step}: advance({span}) differs from the stepwise run (faults {:?})",
                    w.faults()
                );
            }
        }
    }

    #[test]
    fn a_quiet_default_world_skips_its_probes_and_keeps_them_on_their_period() {
        let mut w = World::default_world();
        let mut stepped = w.clone();
        w.advance(3_600_000);
        stepped.advance_stepwise(3_600_000);
        assert!(w == stepped);
        let p = w
            .k8s
            .probes
            .values()
            .next()
            .expect("the default world has pods");
        assert!(p.ready && p.next_due_ms > 3_600_000);
        assert!(p.next_due_ms <= 3_600_000 + PROBE_PERIOD_S * 1000);
    }
}
