//! Settled work on the clock: when every Route 53 health check, target
//! health check (an ALB's or an NLB's) and readiness probe due before the
//! end of an advance would get the same result it already counts, nothing
//! can change state any more, and the rest of the advance is arithmetic: due times move by whole
//! intervals, counters grow, histories get entries with the same result,
//! the round-robin positions and the RNG move by what one round uses.
//!
//! A round is settled when:
//! - its state is saturated (healthy and passing with no failures counted,
//!   or unhealthy and failing past the threshold with the same reason);
//! - its result does not depend on anything that moves with the rounds:
//!   the ephemeral source port (every network ACL a check crosses, in the
//!   load balancer's and the targets' subnets, decides the same over the
//!   whole range for every address a check meets), the
//!   load balancer node picked (each live node tried), the round-robin
//!   position (each position tried), and nothing random picks a target
//!   group or a target (no weighted forward, no weighted random, no
//!   stickiness, ip targets only), and nothing that expires is read (a
//!   Route 53 check of the application's health endpoint, which answers
//!   without the database; no target draining);
//! - running it changes nothing but its own record, the RNG and the
//!   round-robin positions (checked on a copy of the world).
//!
//! Each condition is checked before any round is skipped; otherwise the
//! clock runs round by round, as `advance_stepwise` does, and looks again
//! later. Tested against the stepwise run in `clock.rs`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::alb::health::{home_group, HealthFailure};
use super::clock::{rounds_u32, Scheduled};
use super::k8s::PROBE_PERIOD_S;
use super::net::{net_has, Nacl, NaclRule};
use super::net::{Protocol, RuleAction};
use super::route53::checks::SettledRound;
use super::scenario::*;
use super::world::*;

/// What one settled round does besides moving its due time.
#[derive(Clone, Debug)]
enum Effect {
    /// A target health check with the same result as before.
    Target { ok: bool },
    /// An NLB target health check with the same result as before.
    NlbTarget { ok: bool },
    /// A Route 53 round: the aggregate's result and history entry, and
    /// each checker's result.
    Route53(SettledRound),
    /// A calculated or disabled check: only its due time moves.
    Unprobed,
    /// A readiness probe with the same result as before.
    Probe { ok: bool },
}

/// One scheduled item whose every remaining round is known.
#[derive(Clone, Debug)]
struct Item {
    work: Scheduled,
    id: String,
    due_ms: u64,
    interval_ms: u64,
    /// How far one round moves the RNG's state (a multiple of its step).
    rng_step: u64,
    /// How far one round moves each target group's round-robin position.
    rr_step: Vec<(String, u64)>,
    effect: Effect,
}

/// Every item due by the end of an advance, all settled.
pub(crate) struct Plan {
    items: Vec<Item>,
}

/// What running a probe once did to a copy of the world.
#[derive(Clone, Debug, PartialEq)]
struct Measured<T> {
    result: T,
    rng_step: u64,
    rr_step: Vec<(String, u64)>,
}

/// Whether a network ACL decides the same for every TCP port in
/// `lo..=hi` towards or from `peer`, in one direction.
fn nacl_port_blind(rules: &[NaclRule], peer: Ipv4Addr, lo: u16, hi: u16) -> bool {
    let mut open: Vec<(u16, u16)> = vec![(lo, hi)];
    let mut action: Option<RuleAction> = None;
    for rule in rules {
        if !matches!(rule.protocol, Protocol::All | Protocol::Tcp)
            || !net_has(&rule.cidr, peer.into())
        {
            continue;
        }
        let mut rest = Vec::new();
        for (a, b) in open {
            let (from, to) = (rule.ports.from.max(a), rule.ports.to.min(b));
            if from > to {
                rest.push((a, b));
                continue;
            }
            if action.is_some_and(|x| x != rule.action) {
                return false;
            }
            action = Some(rule.action);
            if a < from {
                rest.push((a, from - 1));
            }
            if to < b {
                rest.push((to + 1, b));
            }
        }
        open = rest;
    }
    // Ports no rule matched meet the final `*` rule: deny.
    open.is_empty() || action.is_none_or(|x| x == RuleAction::Deny)
}

fn acl_port_blind(n: &Nacl, peers: &[Ipv4Addr]) -> bool {
    peers.iter().all(|p| {
        nacl_port_blind(&n.inbound, *p, 1024, 65535)
            && nacl_port_blind(&n.outbound, *p, 1024, 65535)
    })
}

/// Whether nothing random can change a health check's result in a
/// region: ephemeral ports, weighted picks, stickiness, instance targets.
fn region_settles(s: &Scenario, r: &Region) -> bool {
    let tgs_plain = r.alb.target_groups.iter().all(|tg| {
        tg.target_type == TargetType::Ip
            && tg.algorithm != Algorithm::WeightedRandom
            && tg.stickiness_s.is_none()
    });
    let no_weights = r.alb.listener.rules.iter().all(|rule| match &rule.action {
        AlbAction::WeightedForward { groups } => groups.len() <= 1,
        _ => true,
    });
    if !tgs_plain || !no_weights {
        return false;
    }
    let host = |subnet: &str, h: u32| r.vpc.subnet(subnet).and_then(|s| s.host(h));
    let mut peers: Vec<Ipv4Addr> = s.dns.health_checks.iter().map(|h| h.checker_ip).collect();
    peers.extend(
        r.cluster
            .pods
            .iter()
            .filter_map(|p| host(&p.subnet, p.host)),
    );
    peers.extend(r.alb.nodes.iter().filter_map(|n| host(&n.subnet, n.host)));
    // The network ACLs a check crosses: the load balancer nodes' subnets
    // and the targets'.
    let subnets =
        (r.alb.nodes.iter().map(|n| &n.subnet)).chain(r.cluster.pods.iter().map(|p| &p.subnet));
    let mut acls: Vec<&str> = subnets
        .filter_map(|id| r.vpc.subnet(id).map(|s| s.nacl.as_str()))
        .collect();
    acls.sort_unstable();
    acls.dedup();
    acls.iter()
        .all(|id| r.vpc.nacl(id).is_none_or(|n| acl_port_blind(n, &peers)))
}

/// How far the RNG moved between two copies of it.
fn rng_moved(before: &super::rng::Rng, after: &super::rng::Rng) -> u64 {
    after.state().wrapping_sub(before.state())
}

/// How far each round-robin position moved; `None` if one went back or
/// disappeared.
fn rr_moved(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> Option<Vec<(String, u64)>> {
    if before.keys().any(|k| !after.contains_key(k)) {
        return None;
    }
    let mut out = Vec::new();
    for (k, v) in after {
        let was = before.get(k).copied().unwrap_or(0);
        if *v < was {
            return None;
        }
        if *v > was || !before.contains_key(k) {
            out.push((k.clone(), v - was));
        }
    }
    Some(out)
}

impl World {
    /// Everything but the RNG and the round-robin positions is as in `w`
    /// (the configuration is shared, so it is not compared).
    fn same_but_rng_rr(&self, w: &World) -> bool {
        let mut alb = self.alb.clone();
        alb.rr = w.alb.rr.clone();
        self.clock_ms == w.clock_ms
            && self.faults == w.faults
            && self.events == w.events
            && self.dns == w.dns
            && self.route53 == w.route53
            && self.cdn == w.cdn
            && self.waf == w.waf
            && alb == w.alb
            && self.nlb == w.nlb
            && self.k8s == w.k8s
            && self.rds == w.rds
            && self.browser == w.browser
    }

    /// Run `probe` on a copy of the world: its result and how far it moved
    /// the RNG and the round-robin positions, if it changed nothing else.
    fn measure<T>(&self, probe: impl FnOnce(&mut World) -> T) -> Option<Measured<T>> {
        let mut lab = self.clone();
        let result = probe(&mut lab);
        let rng_step = rng_moved(&self.rng, &lab.rng);
        let rr_step = rr_moved(&self.alb.rr, &lab.alb.rr)?;
        lab.same_but_rng_rr(self).then_some(Measured {
            result,
            rng_step,
            rr_step,
        })
    }

    /// The plan for the rest of an advance to `end`, if every item due by
    /// then is settled.
    pub(crate) fn settled_plan(&self, end: u64) -> Option<Plan> {
        if self.rds.failover_due.values().any(|t| *t <= end) {
            return None;
        }
        // A target that is draining changes the pool when its delay ends.
        if self.alb.draining.values().any(|t| *t > self.clock_ms) {
            return None;
        }
        // A target in slow start changes the picks as its share grows.
        let window = self
            .scenario
            .regions
            .iter()
            .flat_map(|r| &r.alb.target_groups)
            .map(|t| t.slow_start_s as u64 * 1000)
            .max()
            .unwrap_or(0);
        if window > 0
            && self
                .alb
                .healthy_since
                .values()
                .any(|t| t + window > self.clock_ms)
        {
            return None;
        }
        let s = std::sync::Arc::clone(&self.scenario);
        let settles: Vec<bool> = s.regions.iter().map(|r| region_settles(&s, r)).collect();
        // The cheap refusals first: a check that can never settle here.
        let unsettled = |hc: &HealthCheck| {
            hc.calculated.is_none()
                && !hc.disabled
                && (hc.path != super::app::HEALTH_PATH
                    || !s
                        .regions
                        .iter()
                        .zip(&settles)
                        .any(|(r, ok)| r.id == hc.region && *ok))
        };
        if s.dns.health_checks.iter().any(unsettled) {
            return None;
        }
        let mut items = Vec::new();
        // Readiness probes steady at the start of the advance were taken
        // off the schedule; those that have settled since are added here.
        let steady = self.steady_probes(end);
        for (id, p) in &self.k8s.probes {
            if p.next_due_ms > end {
                continue;
            }
            // A probe with its own timings settles only from the start of
            // an advance (`World::advance`), on its two periods.
            if p.split.is_some() {
                return None;
            }
            let s = steady.iter().find(|s| &s.pod == id)?;
            items.push(Item {
                work: Scheduled::ReadinessProbe,
                id: id.clone(),
                due_ms: p.next_due_ms,
                interval_ms: PROBE_PERIOD_S * 1000,
                rng_step: 0,
                rr_step: Vec::new(),
                effect: Effect::Probe { ok: s.ok },
            });
        }
        for (id, h) in &self.alb.targets {
            if h.next_due_ms > end {
                continue;
            }
            items.push(self.settled_target(&s, &settles, id, h)?);
        }
        for (key, h) in &self.nlb.targets {
            if h.next_due_ms > end {
                continue;
            }
            items.push(self.settled_nlb_target(&s, key, h)?);
        }
        let mut memo: BTreeMap<(String, String, Ipv4Addr), Measured<(bool, String)>> =
            BTreeMap::new();
        for hc in &s.dns.health_checks {
            let Some(st) = self.route53.health.get(&hc.id) else {
                return None;
            };
            if st.next_due_ms > end {
                continue;
            }
            items.push(self.settled_r53(&s, &settles, hc, st, &mut memo)?);
        }
        if self.route53.health.len() != s.dns.health_checks.len() {
            return None;
        }
        Some(Plan { items })
    }

    fn settled_target(
        &self,
        s: &Scenario,
        settles: &[bool],
        id: &str,
        h: &TargetHealth,
    ) -> Option<Item> {
        let (ri, r) = s
            .regions
            .iter()
            .enumerate()
            .find(|(_, r)| home_group(r, id).is_some())?;
        let tg = home_group(r, id)?;
        if !settles[ri] || !r.cluster.pods.iter().any(|p| p.id == id) {
            return None;
        }
        let m = self.measure(|w| w.probe_target(ri, tg, id))?;
        let thresholds = tg.unhealthy_threshold > 0 && tg.healthy_threshold > 0;
        let saturated = thresholds
            && match &m.result {
                Ok(()) => h.state == TargetState::Healthy && h.consecutive_failures == 0,
                Err(e) => {
                    h.state == TargetState::Unhealthy
                        && h.consecutive_successes == 0
                        && h.consecutive_failures >= tg.unhealthy_threshold
                        && h.reason == HealthFailure::to_string(e)
                }
            };
        saturated.then(|| Item {
            work: Scheduled::TargetCheck,
            id: id.to_string(),
            due_ms: h.next_due_ms,
            interval_ms: tg.health_interval_s as u64 * 1000,
            rng_step: m.rng_step,
            rr_step: m.rr_step,
            effect: Effect::Target {
                ok: m.result.is_ok(),
            },
        })
    }

    /// An NLB target's check settles when its state already says what
    /// every round will find: its probe reads nothing that moves with the
    /// rounds (faults, the configuration and readiness, which the plan
    /// holds still; kube-proxy's random pick only when every pick finds
    /// the same), so one probe now is every round's, and each round moves
    /// the RNG by as much.
    fn settled_nlb_target(&self, s: &Scenario, key: &str, h: &TargetHealth) -> Option<Item> {
        let mut parts = key.splitn(3, '|');
        let (region, group, target) = (parts.next()?, parts.next()?, parts.next()?);
        let r = s.regions.iter().find(|r| r.id == region)?;
        let nlb = r.nlb.as_ref()?;
        let tg = nlb.target_groups.iter().find(|t| t.id == group)?;
        let t = World::nlb_members(r, tg)
            .into_iter()
            .find(|t| t.id == target)?;
        // Behind a worker node kube-proxy picks a pod at random: the round
        // is known only if every pick finds the same.
        if t.pod.is_none() && !self.nlb_pick_blind(r, nlb, tg, &t) {
            return None;
        }
        let mut rng = self.rng.clone();
        let result = self.probe_nlb_with(r, nlb, tg, &t, &mut |n| rng.index(n));
        let rng_step = rng_moved(&self.rng, &rng);
        let saturated = tg.unhealthy_threshold > 0
            && tg.healthy_threshold > 0
            && match &result {
                Ok(()) => h.state == TargetState::Healthy && h.consecutive_failures == 0,
                Err(e) => {
                    h.state == TargetState::Unhealthy
                        && h.consecutive_successes == 0
                        && h.consecutive_failures >= tg.unhealthy_threshold
                        && h.reason == HealthFailure::to_string(e)
                }
            };
        saturated.then(|| Item {
            work: Scheduled::NlbTargetCheck,
            id: key.to_string(),
            due_ms: h.next_due_ms,
            interval_ms: tg.health_interval_s as u64 * 1000,
            rng_step,
            rr_step: Vec::new(),
            effect: Effect::NlbTarget { ok: result.is_ok() },
        })
    }

    fn settled_r53(
        &self,
        s: &Scenario,
        settles: &[bool],
        hc: &HealthCheck,
        st: &HealthState,
        memo: &mut BTreeMap<(String, String, Ipv4Addr), Measured<(bool, String)>>,
    ) -> Option<Item> {
        let unprobed = |interval_s: u64| Item {
            work: Scheduled::Route53Check,
            id: hc.id.clone(),
            due_ms: st.next_due_ms,
            interval_ms: interval_s * 1000,
            rng_step: 0,
            rr_step: Vec::new(),
            effect: Effect::Unprobed,
        };
        if hc.calculated.is_some() {
            let now = self
                .route53
                .check_state(&s.dns.health_checks, &hc.id)
                .healthy();
            let interval = super::route53::CALCULATED_REFRESH_S;
            return (now == st.healthy).then(|| unprobed(interval));
        }
        if hc.disabled {
            return st.healthy.then(|| unprobed(hc.interval_s as u64));
        }
        let ri = s.regions.iter().position(|r| r.id == hc.region)?;
        // Any other path may reach the database, whose name the application
        // caches for a TTL: a round would then depend on the time.
        if !settles[ri] || hc.path != super::app::HEALTH_PATH {
            return None;
        }
        // Other types and endpoints (TCP, string matching, an address or a
        // domain of their own, another port) run round by round.
        if !hc.probes_region_alb_https() || hc.port != s.regions[ri].alb.listener.port {
            return None;
        }
        let key = (hc.region.clone(), hc.path.clone(), hc.checker_ip);
        let m = match memo.get(&key) {
            Some(m) => m.clone(),
            None => {
                let m = self.r53_probe_invariant(ri, hc)?;
                memo.insert(key, m.clone());
                m
            }
        };
        let (ok, reason) = &m.result;
        let round = self
            .route53
            .settled_round(hc, *ok, reason, &|r| self.region_down(r))?;
        Some(Item {
            work: Scheduled::Route53Check,
            id: hc.id.clone(),
            due_ms: st.next_due_ms,
            interval_ms: hc.interval_s as u64 * 1000,
            rng_step: m.rng_step,
            rr_step: m.rr_step,
            effect: Effect::Route53(round),
        })
    }

    /// A Route 53 probe's result from every live load balancer node and
    /// every round-robin position: the same each time, or `None`.
    fn r53_probe_invariant(&self, ri: usize, hc: &HealthCheck) -> Option<Measured<(bool, String)>> {
        let r = &self.scenario.regions[ri];
        let live = r
            .alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(r, &n.subnet))
            .count();
        // RNG offsets whose first draw (the node pick) lands on each node.
        let mut offsets: Vec<u64> = Vec::new();
        for want in 0..live.max(1) {
            let found = (0..64u64).find(|a| {
                let mut g = self.rng.clone();
                g.skip(*a);
                live <= 1 || g.index(live) == want
            })?;
            offsets.push(found);
        }
        let positions = (r.cluster.pods.len() + r.cluster.nodes.len()).max(1) as u64;
        let base = self.measure(|w| w.probe_health_check(hc))?;
        for a in &offsets {
            for b in 0..positions {
                let mut start = self.clone();
                start.rng.skip(*a);
                for (g, _) in &base.rr_step {
                    let at = self.alb.rr.get(g).copied().unwrap_or(0) + b;
                    start.alb.rr.insert(g.clone(), at);
                }
                let m = start.measure(|w| w.probe_health_check(hc))?;
                if m != base {
                    return None;
                }
            }
        }
        Some(base)
    }

    /// Run the plan: every item's remaining rounds at once.
    pub(crate) fn apply_plan(&mut self, plan: Plan, end: u64) {
        for it in plan.items {
            let rounds = if it.due_ms <= end {
                (end - it.due_ms) / it.interval_ms + 1
            } else {
                0
            };
            if rounds == 0 {
                continue;
            }
            self.rng.skip_state(it.rng_step.wrapping_mul(rounds));
            for (g, d) in &it.rr_step {
                *self.alb.rr.entry(g.clone()).or_insert(0) += d * rounds;
            }
            let next_due = it.due_ms + rounds * it.interval_ms;
            match (&it.work, it.effect) {
                (Scheduled::TargetCheck, Effect::Target { ok }) => {
                    if let Some(h) = self.alb.targets.get_mut(&it.id) {
                        h.next_due_ms = next_due;
                        if ok {
                            h.consecutive_successes =
                                h.consecutive_successes.saturating_add(rounds_u32(rounds));
                        } else {
                            h.consecutive_failures =
                                h.consecutive_failures.saturating_add(rounds_u32(rounds));
                        }
                    }
                }
                (_, Effect::NlbTarget { ok }) => {
                    if let Some(h) = self.nlb.targets.get_mut(&it.id) {
                        h.next_due_ms = next_due;
                        if ok {
                            h.consecutive_successes =
                                h.consecutive_successes.saturating_add(rounds_u32(rounds));
                        } else {
                            h.consecutive_failures =
                                h.consecutive_failures.saturating_add(rounds_u32(rounds));
                        }
                    }
                }
                (_, Effect::Probe { ok }) => {
                    if let Some(p) = self.k8s.probes.get_mut(&it.id) {
                        p.next_due_ms = next_due;
                        if !ok {
                            p.consecutive_failures =
                                p.consecutive_failures.saturating_add(rounds_u32(rounds));
                        }
                    }
                }
                (_, Effect::Route53(round)) => {
                    let times = (it.due_ms, it.interval_ms, rounds);
                    self.route53.apply_settled(&it.id, &round, times);
                }
                _ => {
                    if let Some(h) = self.route53.health.get_mut(&it.id) {
                        h.next_due_ms = next_due;
                    }
                }
            }
        }
    }
}
