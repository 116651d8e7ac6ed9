//! The world clock moving: every scheduled health check, probe and
//! failover runs in time order.

use super::world::World;

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

impl World {
    /// Move the clock forward, running every scheduled health check and
    /// failover in time order (ties: Route 53 checks, then target checks,
    /// then database failovers, then readiness probes, each by id).
    pub fn advance(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        while let Some((t, work, id)) = self.next_due(end) {
            self.clock_ms = t;
            match work {
                Scheduled::Route53Check => self.run_r53_check(&id),
                Scheduled::TargetCheck => self.run_target_check(&id),
                Scheduled::RdsFailover => self.run_rds_failover(&id),
                Scheduled::ReadinessProbe => self.run_readiness_probe(&id),
            }
        }
        self.clock_ms = end;
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
