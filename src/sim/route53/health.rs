//! Whether Route 53 counts a record healthy: its health check (plain,
//! inverted, disabled or calculated) and, for an alias with Evaluate Target
//! Health, the target's health. Fact sheet §2, §4.

use super::*;

impl World {
    /// Whether Route 53 counts this health check as healthy now, with a
    /// short explanation (`hc-a UNHEALTHY (3 of 3 consecutive failures)`).
    pub(crate) fn check_state(&self, id: &str) -> (bool, String) {
        self.route53
            .check_state(&self.scenario.dns.health_checks, id)
    }

    /// Evaluate Target Health for an alias to a region's ALB: healthy only
    /// if every target group has at least one healthy target; a target
    /// group with no registered targets counts as unhealthy. Fact sheet §2.
    pub(crate) fn alb_target_health(&self, region: &str) -> (bool, String) {
        let Some(r) = self.scenario.region(region) else {
            return (false, format!("region {region} is missing"));
        };
        if !r.alb.nodes.iter().any(|n| self.placement_up(r, &n.subnet)) {
            return (false, format!("ETH: no node of {} is up", r.alb.id));
        }
        if r.alb.target_groups.is_empty() {
            return (false, format!("ETH: {} has no target groups", r.alb.id));
        }
        for tg in &r.alb.target_groups {
            let app = r
                .cluster
                .services
                .iter()
                .find(|s| s.id == tg.service)
                .map(|s| s.app.clone());
            let targets: Vec<&Pod> = r
                .cluster
                .pods
                .iter()
                .filter(|p| Some(&p.app) == app.as_ref())
                .collect();
            if targets.is_empty() {
                return (
                    false,
                    format!(
                        "ETH: target group {} has no registered targets, so Route 53 counts {} unhealthy",
                        tg.id, r.alb.id
                    ),
                );
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
                return (
                    false,
                    format!(
                        "ETH: target group {} has 0 of {} healthy targets, so Route 53 counts {} unhealthy (even though the ALB itself would fail open)",
                        tg.id,
                        targets.len(),
                        r.alb.id
                    ),
                );
            }
        }
        (
            true,
            format!(
                "ETH: every target group of {} has a healthy target",
                r.alb.id
            ),
        )
    }

    /// A record's health: its health check and, for an alias with Evaluate
    /// Target Health, the target's health; both must be healthy. A record
    /// with neither is always healthy. Fact sheet §2, §3.
    pub(super) fn record_health(&self, r: &Record) -> (bool, String) {
        let mut ok = true;
        let mut parts = Vec::new();
        if let Some(h) = r.health_check_id() {
            let (h_ok, t) = self.check_state(h);
            ok &= h_ok;
            parts.push(t);
        }
        if r.evaluate_target_health {
            match &r.value {
                RecordValue::AliasAlb { region } => {
                    let (e_ok, t) = self.alb_target_health(region);
                    ok &= e_ok;
                    parts.push(t);
                }
                RecordValue::AliasRecord { target } => {
                    let (e_ok, t) = self.alias_group_health(target, 0);
                    ok &= e_ok;
                    parts.push(t);
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            return (true, "no health check: always healthy".into());
        }
        (ok, parts.join("; "))
    }

    /// An alias to records in the zone, with Evaluate Target Health: the
    /// group is healthy while at least one of its records is. Fact sheet §2.
    pub(super) fn alias_group_health(&self, target: &str, depth: usize) -> (bool, String) {
        let recs: Vec<&Record> = self
            .scenario
            .dns
            .zone
            .records
            .iter()
            .filter(|r| r.name == target && r.rtype() == "A")
            .collect();
        if depth > MAX_ALIAS_DEPTH {
            return (false, format!("alias chain to {target} is too long"));
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
        (
            healthy > 0,
            format!(
                "evaluate target health on {target}: {healthy} of {} records healthy (healthy while at least one is)",
                recs.len()
            ),
        )
    }

    /// A record's own health check only (no target health).
    pub(super) fn record_health_shallow(&self, r: &Record) -> bool {
        r.health_check_id()
            .map(|h| self.check_state(h).0)
            .unwrap_or(true)
    }
}

impl Route53State {
    /// Whether Route 53 counts this health check as healthy now, with a
    /// short explanation (`hc-a UNHEALTHY (3 of 3 consecutive failures)`).
    pub fn check_state(&self, checks: &[HealthCheck], id: &str) -> (bool, String) {
        let Some(hc) = checks.iter().find(|c| c.id == id) else {
            return (true, format!("{id} healthy"));
        };
        if hc.disabled {
            return (true, format!("{id} disabled: counts as healthy"));
        }
        if let Some(calc) = &hc.calculated {
            let (ok, text) = self.calculated_state(checks, hc, calc);
            return (
                ok,
                format!("{id} {} ({text})", if ok { "healthy" } else { "UNHEALTHY" }),
            );
        }
        match self.health.get(id) {
            Some(s) => {
                let thr = hc.failure_threshold;
                let inv = if hc.inverted { ", inverted" } else { "" };
                (
                    s.healthy,
                    format!(
                        "{id} {} ({} of {thr} consecutive failures{inv})",
                        if s.healthy { "healthy" } else { "UNHEALTHY" },
                        s.consecutive_failures.min(thr)
                    ),
                )
            }
            None => (!hc.inverted, format!("{id} healthy")),
        }
    }

    fn calculated_state(
        &self,
        checks: &[HealthCheck],
        hc: &HealthCheck,
        calc: &Calculated,
    ) -> (bool, String) {
        let states: Vec<(String, bool)> = calc
            .children
            .iter()
            .map(|c| {
                let ok = self.check_state(checks, c).0;
                (c.clone(), ok)
            })
            .collect();
        let n = states.iter().filter(|s| s.1).count();
        let total = states.len();
        let (need, rule) = match calc.rule {
            CalcRule::All => (total, "AND".to_string()),
            CalcRule::Any => (1, "OR".to_string()),
            CalcRule::AtLeast(k) => (k as usize, format!("at least {k}")),
        };
        let raw = n >= need;
        let ok = raw != hc.inverted;
        let list = states
            .iter()
            .map(|(c, ok)| format!("{c} {}", if *ok { "healthy" } else { "UNHEALTHY" }))
            .collect::<Vec<_>>()
            .join(", ");
        (
            ok,
            format!(
                "calculated {rule}: {n} of {total} children healthy, {need} needed{}: {list}",
                if hc.inverted { ", inverted" } else { "" }
            ),
        )
    }
}
