//! Whether Route 53 counts a record healthy: its health check (plain,
//! inverted, disabled or calculated) and, for an alias with Evaluate Target
//! Health, the target's health. Fact sheet §2, §4.

use super::*;
use crate::sim::event::dns::health::{AlbHealth, CheckStatus, Combine, HealthPart, RecordHealth};

impl World {
    /// Whether Route 53 counts this health check as healthy now, and why
    /// (`hc-a UNHEALTHY (3 of 3 consecutive failures)`).
    pub(crate) fn check_state(&self, id: &str) -> CheckStatus {
        self.route53
            .check_state(&self.scenario.dns.health_checks, id)
    }

    /// Evaluate Target Health for an alias to a region's ALB: healthy only
    /// if every target group has at least one healthy target; a target
    /// group with no registered targets counts as unhealthy. Fact sheet §2.
    pub(crate) fn alb_target_health(&self, region: &str) -> AlbHealth {
        let Some(r) = self.scenario.region(region) else {
            return AlbHealth::RegionMissing {
                region: region.to_string(),
            };
        };
        let alb = || r.alb.id.clone();
        if !r.alb.nodes.iter().any(|n| self.placement_up(r, &n.subnet)) {
            return AlbHealth::NoNodeUp { alb: alb() };
        }
        if r.alb.target_groups.is_empty() {
            return AlbHealth::NoTargetGroups { alb: alb() };
        }
        // A group created at the load balancer with no Service behind it
        // belongs to the load balancer only once a listener rule forwards
        // to it (then, with no targets, it counts as unhealthy).
        let forwarded = |id: &str| {
            r.alb.listener.rules.iter().any(|rule| match &rule.action {
                crate::sim::scenario::AlbAction::Forward { target_group } => target_group == id,
                crate::sim::scenario::AlbAction::WeightedForward { groups } => {
                    groups.iter().any(|g| g.target_group == id)
                }
                _ => false,
            })
        };
        for tg in r
            .alb
            .target_groups
            .iter()
            .filter(|t| t.bound() || forwarded(&t.id))
        {
            let app = r
                .cluster
                .services
                .iter()
                .find(|s| s.id == tg.service)
                .map(|s| &s.app);
            let targets: Vec<&Pod> = r
                .cluster
                .pods
                .iter()
                .filter(|p| Some(&p.app) == app)
                .collect();
            if targets.is_empty() {
                let group = tg.id.clone();
                return AlbHealth::NoTargets { group, alb: alb() };
            }
            let healthy = targets
                .iter()
                .filter(|p| {
                    self.target_health(&p.id)
                        .map(|h| h.state == TargetState::Healthy)
                        .unwrap_or(true)
                })
                .count();
            if healthy == 0 {
                return AlbHealth::NoHealthyTargets {
                    group: tg.id.clone(),
                    targets: targets.len(),
                    alb: alb(),
                };
            }
        }
        AlbHealth::Healthy { alb: alb() }
    }

    /// A record's health: its health check and, for an alias with Evaluate
    /// Target Health, the target's health; both must be healthy. A record
    /// with neither is always healthy. Fact sheet §2, §3.
    pub(super) fn record_health(&self, r: &Record) -> (bool, RecordHealth) {
        let mut ok = true;
        let mut parts = Vec::new();
        if let Some(h) = r.health_check_id() {
            let status = self.check_state(h);
            ok &= status.healthy();
            parts.push(HealthPart::Check(status));
        }
        if r.evaluate_target_health {
            match &r.value {
                RecordValue::AliasAlb { region } | RecordValue::AliasAaaaAlb { region } => {
                    let eth = self.alb_target_health(region);
                    ok &= matches!(eth, AlbHealth::Healthy { .. });
                    parts.push(HealthPart::Alb(eth));
                }
                RecordValue::AliasRecord { target } => {
                    let (e_ok, part) = self.alias_group_health(target, 0);
                    ok &= e_ok;
                    parts.push(part);
                }
                _ => {}
            }
        }
        (ok, RecordHealth(parts))
    }

    /// An alias to records in the zone, with Evaluate Target Health: the
    /// group is healthy while at least one of its records is. Fact sheet §2.
    pub(super) fn alias_group_health(&self, target: &str, depth: usize) -> (bool, HealthPart) {
        let recs: Vec<&Record> = self
            .scenario
            .dns
            .zone
            .records
            .iter()
            .filter(|r| r.name == target && r.rtype() == "A")
            .collect();
        if depth > MAX_ALIAS_DEPTH {
            let target = target.to_string();
            return (false, HealthPart::AliasTooLong { target });
        }
        let healthy = recs
            .iter()
            .filter(|r| match &r.value {
                RecordValue::AliasRecord { target: t } if r.evaluate_target_health => {
                    self.record_health_shallow(r) && self.alias_group_health(t, depth + 1).0
                }
                _ => self.record_health(r).0,
            })
            .count();
        let part = HealthPart::AliasGroup {
            target: target.to_string(),
            healthy,
            records: recs.len(),
        };
        (healthy > 0, part)
    }

    /// A record's own health check only (no target health).
    pub(super) fn record_health_shallow(&self, r: &Record) -> bool {
        r.health_check_id()
            .map(|h| self.check_state(h).healthy())
            .unwrap_or(true)
    }
}

impl Route53State {
    /// Whether Route 53 counts this health check as healthy now, and why.
    pub fn check_state(&self, checks: &[HealthCheck], id: &str) -> CheckStatus {
        let Some(hc) = checks.iter().find(|c| c.id == id) else {
            return CheckStatus::Fresh {
                id: id.to_string(),
                healthy: true,
            };
        };
        if hc.disabled {
            return CheckStatus::Disabled { id: id.to_string() };
        }
        if let Some(calc) = &hc.calculated {
            return self.calculated_state(checks, hc, calc);
        }
        match self.health.get(id) {
            Some(s) => CheckStatus::Counted {
                id: id.to_string(),
                healthy: s.healthy,
                failures: s.consecutive_failures,
                threshold: hc.failure_threshold,
                inverted: hc.inverted,
            },
            None => CheckStatus::Fresh {
                id: id.to_string(),
                healthy: !hc.inverted,
            },
        }
    }

    fn calculated_state(
        &self,
        checks: &[HealthCheck],
        hc: &HealthCheck,
        calc: &Calculated,
    ) -> CheckStatus {
        let children: Vec<(String, bool)> = calc
            .children
            .iter()
            .map(|c| (c.clone(), self.check_state(checks, c).healthy()))
            .collect();
        let n = children.iter().filter(|s| s.1).count();
        let total = children.len();
        let (need, combine) = match calc.rule {
            CalcRule::All => (total, Combine::And),
            CalcRule::Any => (1, Combine::Or),
            CalcRule::AtLeast(k) => (k as usize, Combine::AtLeast(k)),
        };
        CheckStatus::Calculated {
            id: hc.id.clone(),
            healthy: (n >= need) != hc.inverted,
            combine,
            children,
            need,
            inverted: hc.inverted,
        }
    }
}
