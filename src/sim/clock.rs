//! The world clock moving: every scheduled health check, probe and
//! failover runs in time order.
//!
//! `advance` skips the rounds it can prove change nothing but a due time
//! or a counter: a readiness probe whose pod keeps answering the same way
//! (its inputs are faults and the scenario, which nothing on the clock
//! changes for it) and whose state is saturated is taken off the schedule
//! for the advance; and once every round still due is settled (health
//! checks of both kinds included, see `sim::settle`) the rest of the
//! advance is arithmetic. Other rounds run step by step, as
//! `advance_stepwise` runs them all; both leave the same world (tested on
//! random worlds below). The cost follows what changes, not how long.

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
    /// An NLB target group's health check of one target, from every live
    /// node (fact sheet §9, §8).
    NlbTargetCheck,
    /// RDS Multi-AZ promotes the standby of a failed primary (fact sheet §15).
    RdsFailover,
    /// The kubelet's readiness (and liveness) probe of one pod.
    ReadinessProbe,
}

impl Scheduled {
    /// What the work is, in a few words.
    pub fn label(self) -> &'static str {
        match self {
            Scheduled::Route53Check => "Route 53 health check",
            Scheduled::TargetCheck => "target health check",
            Scheduled::NlbTargetCheck => "NLB target health check",
            Scheduled::RdsFailover => "RDS failover",
            Scheduled::ReadinessProbe => "readiness probe",
        }
    }
}

/// A number of rounds as a counter adds it: counters stop at their
/// largest value rather than wrap (a check can be counted for decades).
pub(crate) fn rounds_u32(rounds: u64) -> u32 {
    u32::try_from(rounds).unwrap_or(u32::MAX)
}

/// A readiness probe whose every round until the end of an advance is
/// known in advance: its pod answers (`ok`) or fails without hanging, and
/// its state already says so.
pub(crate) struct SteadyProbe {
    pub(crate) pod: String,
    pub(crate) ok: bool,
    pub(crate) due_ms: u64,
    /// The readiness and liveness periods (ms) of a pod with its own
    /// timings.
    pub(crate) periods: Option<(u64, u64)>,
}

impl World {
    /// Move the clock forward, running every scheduled health check and
    /// failover in time order (ties: Route 53 checks, then target checks,
    /// then NLB target checks, then database failovers, then readiness
    /// probes, each by id).
    /// Rounds that provably change nothing but their due time and a
    /// counter are computed at the end instead of run one by one.
    pub fn advance(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        // The autoscalers' rounds split the advance (fact sheet §28).
        // A segment of at most one sync period has a few rounds: run them
        // one by one (the same world, `advance_stepwise`) rather than look
        // for a settled plan each time.
        // Once every autoscaler is quiet, its rounds are computed at the end.
        let mut quiet = false;
        while let Some(t) = self.hpa_due(end) {
            if self.hpa_quiet(end) {
                quiet = true;
                break;
            }
            self.run_until(t);
            self.clock_ms = t;
            self.run_hpa();
        }
        self.advance_core(end - self.clock_ms);
        if quiet {
            self.hpa_fast_forward(end);
        }
    }

    fn advance_core(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        if end == u64::MAX {
            self.run_until(end);
            self.clock_ms = end;
            return;
        }
        let steady = self.steady_probes(end);
        // Out of the schedule for this advance: no other work reads a
        // probe's due time or counters, and their readiness stays as is.
        for s in &steady {
            if let Some(p) = self.k8s.probes.get_mut(&s.pod) {
                p.next_due_ms = u64::MAX;
            }
        }
        self.run_settling(end);
        let period = PROBE_PERIOD_S * 1000;
        for s in steady {
            let Some(p) = self.k8s.probes.get_mut(&s.pod) else {
                continue;
            };
            // A pod with its own timings: readiness and liveness rounds on
            // their own periods (liveness passes: only its due time moves).
            if let (Some(d), Some((rp, lp))) = (&mut p.split, s.periods) {
                let count = |due: u64, period: u64| {
                    if due <= end {
                        (end - due) / period + 1
                    } else {
                        0
                    }
                };
                let r = count(d.readiness_ms, rp);
                d.readiness_ms += r * rp;
                d.liveness_ms += count(d.liveness_ms, lp) * lp;
                p.next_due_ms = d.readiness_ms.min(d.liveness_ms);
                if !s.ok {
                    p.consecutive_failures = p.consecutive_failures.saturating_add(rounds_u32(r));
                }
                continue;
            }
            let rounds = if s.due_ms <= end {
                (end - s.due_ms) / period + 1
            } else {
                0
            };
            p.next_due_ms = s.due_ms + rounds * period;
            if !s.ok {
                p.consecutive_failures = p.consecutive_failures.saturating_add(rounds_u32(rounds));
            }
        }
        self.clock_ms = end;
    }

    /// The reference: every scheduled round, one by one.
    #[doc(hidden)]
    pub fn advance_stepwise(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        while let Some(t) = self.hpa_due(end) {
            self.run_until(t);
            self.clock_ms = t;
            self.run_hpa();
        }
        self.run_until(end);
        self.clock_ms = end;
    }

    fn run_until(&mut self, end: u64) {
        while let Some((t, work, id)) = self.next_due(end) {
            self.run_one(t, work, &id);
        }
    }

    /// One scheduled round at `t`; the event log keeps its newest
    /// [`MAX_EVENTS`](super::world::MAX_EVENTS) entries.
    fn run_one(&mut self, t: u64, work: Scheduled, id: &str) {
        self.clock_ms = t;
        match work {
            Scheduled::Route53Check => self.run_r53_check(id),
            Scheduled::TargetCheck => self.run_target_check(id),
            Scheduled::NlbTargetCheck => self.run_nlb_check(id),
            Scheduled::RdsFailover => self.run_rds_failover(id),
            Scheduled::ReadinessProbe => self.run_readiness_probe(id),
        }
        self.trim_events();
    }

    /// Like `run_until`, but as soon as every round still due is settled
    /// (see `sim::settle`) the rest is done at once. Until then rounds run
    /// one by one, and the world is looked at again after a batch of them
    /// (a few rounds per scheduled item), so the looking costs little.
    fn run_settling(&mut self, end: u64) {
        let mut budget = 0usize;
        loop {
            if budget == 0 {
                if let Some(plan) = self.settled_plan(end) {
                    self.apply_plan(plan, end);
                    return;
                }
                budget = 64 + 16 * self.scheduled_len();
            }
            let Some((t, work, id)) = self.next_due(end) else {
                return;
            };
            self.run_one(t, work, &id);
            budget -= 1;
        }
    }

    /// How many things are on the schedule.
    fn scheduled_len(&self) -> usize {
        self.route53.health.len()
            + self.alb.targets.len()
            + self.nlb.targets.len()
            + self.rds.failover_due.len()
            + self.k8s.probes.len()
    }

    /// Readiness probes due by `end` whose every round is known: the pod
    /// does not hang (a hang restarts the container, which changes the
    /// faults), its answer depends only on faults that nothing on the
    /// clock changes, and its state is saturated: answering, ready, with
    /// no failures counted; or failing, unready, past the threshold, with
    /// no liveness failures. Such a round only moves the due time (and
    /// counts one more failure).
    pub(crate) fn steady_probes(&self, end: u64) -> Vec<SteadyProbe> {
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
                let (rt, lt) = r.cluster.probe_timings(&pod.app);
                let threshold = if p.split.is_some() {
                    rt.failure_threshold.max(1)
                } else {
                    PROBE_FAILURE_THRESHOLD
                };
                let saturated = if ok {
                    p.ready
                        && p.consecutive_failures == 0
                        && p.liveness_failures == 0
                        && p.consecutive_successes == 0
                } else {
                    !p.ready
                        && p.consecutive_failures >= threshold
                        && p.liveness_failures == 0
                        && p.consecutive_successes == 0
                };
                if saturated && !out.iter().any(|s: &SteadyProbe| s.pod == pod.id) {
                    out.push(SteadyProbe {
                        pod: pod.id.clone(),
                        ok,
                        due_ms: p.next_due_ms,
                        periods: p.split.map(|_| {
                            (
                                rt.period_s.max(1) as u64 * 1000,
                                lt.period_s.max(1) as u64 * 1000,
                            )
                        }),
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
        let nlb_targets = self.nlb.targets.iter();
        let failovers = self.rds.failover_due.iter();
        let probes = self.k8s.probes.iter();
        let next = (r53.map(|(id, h)| (h.next_due_ms, Route53Check, id.as_str())))
            .chain(targets.map(|(id, h)| (h.next_due_ms, TargetCheck, id.as_str())))
            .chain(nlb_targets.map(|(id, h)| (h.next_due_ms, NlbTargetCheck, id.as_str())))
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

    /// The default world with more health checks: other intervals and
    /// thresholds, inverted, disabled, calculated, checker subsets, a path
    /// that reaches the database, a faster target group (fact sheet §4, §8).
    fn varied_world(rng: &mut Rng, seed: u64) -> World {
        use crate::sim::dnsconf::{CalcRule, Calculated};
        let mut sc = crate::sim::defaults::default_scenario();
        let first = sc.dns.health_checks[0].clone();
        let regions: Vec<String> = sc.regions.iter().map(|r| r.id.clone()).collect();
        for i in 0..4 {
            let mut hc = first.clone();
            hc.id = format!("hc-extra-{i}");
            hc.region = regions[rng.index(regions.len())].clone();
            hc.interval_s = [10, 30][rng.index(2)];
            hc.failure_threshold = rng.range(1, 5) as u32;
            hc.inverted = rng.index(4) == 0;
            hc.disabled = rng.index(6) == 0;
            if rng.index(3) == 0 {
                hc.checkers = 3;
                hc.checker_regions =
                    vec!["us-east-1".into(), "us-west-2".into(), "eu-west-1".into()];
            }
            if rng.index(4) == 0 {
                hc.path = "/".into();
            }
            sc.dns.health_checks.push(hc);
        }
        let mut calc = first.clone();
        calc.id = "hc-extra-calc".into();
        calc.calculated = Some(Calculated {
            children: vec!["hc-cluster-a".into(), "hc-extra-0".into()],
            rule: [CalcRule::All, CalcRule::Any, CalcRule::AtLeast(1)][rng.index(3)],
        });
        sc.dns.health_checks.push(calc);
        if let Some(tg) = sc.regions[0].alb.target_groups.first_mut() {
            tg.health_interval_s = [5, 10, 30][rng.index(3)];
            tg.unhealthy_threshold = rng.range(2, 4) as u32;
            tg.healthy_threshold = rng.range(2, 4) as u32;
        }
        World::new(sc, seed).expect("a valid variation of the default world")
    }

    #[test]
    fn skipping_stays_exact_with_varied_health_checks_and_faults_between_spans() {
        let mut rng = Rng::new(29);
        for case in 0..8 {
            let mut w = varied_world(&mut rng, case + 3);
            for step in 0..8 {
                // Faults come and go between spans; the clock recovers from
                // some by itself (a hang restarts, a standby is promoted).
                for _ in 0..rng.index(3) {
                    let f = random_fault(&w, &mut rng);
                    let on = !w.faults().contains(&f);
                    w.set_fault(f, on);
                }
                let span = match rng.index(3) {
                    0 => rng.range(1_000, 90_000),
                    1 => rng.range(90_000, 900_000),
                    _ => rng.range(900_000, 4 * 3_600_000),
                };
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
    fn a_settled_default_world_skips_health_checks_of_both_kinds_and_keeps_their_counts() {
        let mut w = World::default_world();
        w.advance(3_600_000);
        let before = w.clone();
        let mut stepped = w.clone();
        w.advance(24 * 3_600_000);
        stepped.advance_stepwise(24 * 3_600_000);
        assert!(w == stepped);
        let h = w
            .health("hc-cluster-a")
            .expect("the default world has hc-cluster-a");
        let was = before.health("hc-cluster-a").expect("and had it before");
        // A 30 s check runs 2,880 times a day (fact sheet §4).
        assert_eq!(h.consecutive_successes - was.consecutive_successes, 2_880);
        assert_eq!(h.history.len(), crate::sim::world::HISTORY_LEN);
        assert!(h.history.iter().all(|(_, ok, _)| *ok));
    }

    #[test]
    fn counters_stop_at_their_largest_value_the_same_either_way() {
        let mut w = World::default_world();
        w.advance(60_000);
        for h in w.alb.targets.values_mut() {
            h.consecutive_successes = u32::MAX - 3;
        }
        for h in w.route53.health.values_mut() {
            h.consecutive_successes = u32::MAX - 1;
        }
        let mut stepped = w.clone();
        w.advance(600_000);
        stepped.advance_stepwise(600_000);
        assert!(w == stepped);
        assert!(w
            .alb
            .targets
            .values()
            .all(|h| h.consecutive_successes == u32::MAX));
    }

    #[test]
    fn a_crashed_pod_settles_once_its_target_has_drained_and_then_skips() {
        let mut w = World::default_world();
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
            true,
        );
        w.advance(60_000);
        // Deregistered and draining for 300 s (fact sheet §8): not settled.
        assert!(w.settled_plan(w.now_ms() + 3_600_000).is_none());
        w.advance(600_000);
        assert!(w.settled_plan(w.now_ms() + 3_600_000).is_some());
        let mut stepped = w.clone();
        w.advance(6 * 3_600_000);
        stepped.advance_stepwise(6 * 3_600_000);
        assert!(w == stepped);
        let p = &w.k8s.probes["pod-a-1"];
        assert!(!p.ready && p.consecutive_failures > 2_000);
    }

    #[test]
    fn the_event_log_keeps_only_its_newest_entries() {
        let mut w = World::default_world();
        let pod = w.scenario().regions[0].cluster.pods[0].id.clone();
        for _ in 0..(crate::sim::world::MAX_EVENTS + 20) {
            w.set_fault(Fault::PodDown { pod: pod.clone() }, true);
            w.set_fault(Fault::PodDown { pod: pod.clone() }, false);
        }
        assert_eq!(w.events().len(), crate::sim::world::MAX_EVENTS);
        assert!(w
            .events()
            .last()
            .is_some_and(|e| e.text.contains("repaired")));
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
