//! Route 53 health checks on the clock: each checker Region probes and
//! applies the failure threshold by itself; Route 53 counts checkers (more
//! than 18 % healthy); calculated checks combine their children. Fact sheet §4.

use std::sync::Arc;

use super::*;
use crate::sim::clock::rounds_u32;
use crate::sim::net::*;
use crate::sim::trace::*;

/// One round of a health check: what the probe saw, and which checker
/// Regions are down (they report failure whatever the endpoint does).
pub struct Probe<'a> {
    pub ok: bool,
    pub reason: String,
    pub region_down: &'a dyn Fn(&str) -> bool,
}

/// A checker's failure threshold applied to one result.
fn checker_round(c: &mut CheckerState, ok: bool, thr: u32) {
    c.last_ok = ok;
    c.remember(ok, 1);
    if ok {
        c.consecutive_successes = c.consecutive_successes.saturating_add(1);
        c.consecutive_failures = 0;
    } else {
        c.consecutive_failures = c.consecutive_failures.saturating_add(1);
        c.consecutive_successes = 0;
    }
    if c.healthy && c.consecutive_failures >= thr {
        c.healthy = false;
    } else if !c.healthy && c.consecutive_successes >= thr {
        c.healthy = true;
    }
}

fn fresh_checker(region: &str) -> CheckerState {
    CheckerState {
        region: region.to_string(),
        healthy: true,
        consecutive_failures: 0,
        consecutive_successes: 0,
        last_ok: true,
        recent: 0,
        rounds_seen: 0,
    }
}

fn push_history(st: &mut HealthState, entry: (u64, bool, String)) {
    st.history.push(entry);
    if st.history.len() > HISTORY_LEN {
        st.history.remove(0);
    }
}

/// What the world's event log says when a check flips.
fn flip_text(
    hc: &HealthCheck,
    effective: bool,
    (healthy, total): (u64, u64),
    reason: &str,
) -> String {
    let thr = hc.failure_threshold;
    if effective {
        format!(
            "HEALTHY{}: {healthy} of {total} checkers report healthy ({}, more than {HEALTHY_CHECKER_PERCENT} %){}",
            if hc.inverted { " (inverted: the endpoint is failing)" } else { " again" },
            pct(healthy, total),
            if hc.inverted { String::new() } else { format!(" after {thr} consecutive successes") }
        )
    } else {
        format!(
            "UNHEALTHY{}: {healthy} of {total} checkers report healthy ({}, not more than {HEALTHY_CHECKER_PERCENT} %){} ({reason})",
            if hc.inverted { " (inverted: the endpoint answers)" } else { "" },
            pct(healthy, total),
            if hc.inverted { String::new() } else { format!(" after {thr} consecutive failures") }
        )
    }
}

impl Route53State {
    /// Create the runtime state of every health check that has none yet.
    /// A new check counts as healthy until enough data exists (unhealthy
    /// if inverted). Fact sheet §4.
    pub fn init(&mut self, checks: &[HealthCheck], now: u64, events: &mut Vec<WorldEvent>) {
        for hc in checks {
            let interval = if hc.calculated.is_some() {
                CALCULATED_REFRESH_S
            } else {
                hc.interval_s as u64
            };
            self.health.entry(hc.id.clone()).or_insert(HealthState {
                healthy: hc.disabled || !hc.inverted,
                consecutive_failures: 0,
                consecutive_successes: 0,
                history: Vec::new(),
                next_due_ms: now + interval * 1000,
            });
            if hc.calculated.is_none() {
                let n = hc.checkers as usize;
                let list = self.checkers.entry(hc.id.clone()).or_default();
                if list.len() != n
                    || list
                        .iter()
                        .enumerate()
                        .any(|(i, c)| c.region != hc.checker_region(i))
                {
                    *list = (0..n)
                        .map(|i| fresh_checker(hc.checker_region(i)))
                        .collect();
                }
            }
        }
        self.checkers
            .retain(|k, _| checks.iter().any(|h| &h.id == k));
        self.refresh_calculated(checks, now, events);
    }

    /// Re-evaluate calculated checks; each flip is logged.
    pub fn refresh_calculated(
        &mut self,
        checks: &[HealthCheck],
        now: u64,
        events: &mut Vec<WorldEvent>,
    ) {
        for hc in checks.iter().filter(|h| h.calculated.is_some()) {
            let status = self.check_state(checks, &hc.id);
            let ok = status.healthy();
            let Some(st) = self.health.get_mut(&hc.id) else {
                continue;
            };
            if st.healthy != ok {
                st.healthy = ok;
                let text = status.to_string();
                push_history(st, (now, ok, text.clone()));
                events.push(WorldEvent {
                    at_ms: now,
                    source: format!("route53 {}", hc.id),
                    text: format!("{} now", text),
                });
            }
        }
    }

    /// A calculated or disabled check's turn: nothing is probed.
    fn unprobed_round(&mut self, hc: &HealthCheck, now: u64) {
        let Some(st) = self.health.get_mut(&hc.id) else {
            return;
        };
        if hc.calculated.is_some() {
            st.next_due_ms = now + CALCULATED_REFRESH_S * 1000;
        } else {
            st.next_due_ms = now + hc.interval_s as u64 * 1000;
            st.healthy = true;
        }
    }

    /// Every checker Region applies the probe's result (failure if its own
    /// Region is down) to its threshold. Returns how many passed, how many
    /// report healthy, and the reason in words.
    fn checkers_round(&mut self, hc: &HealthCheck, probe: &Probe) -> (u64, u64, String) {
        let n = hc.checkers as usize;
        let mut states = self.checkers.remove(&hc.id).unwrap_or_default();
        states.resize_with(n, || fresh_checker(""));
        let mut down_checkers = Vec::new();
        for (i, c) in states.iter_mut().enumerate() {
            c.region = hc.checker_region(i).to_string();
            let c_ok = probe.ok && !(probe.region_down)(&c.region);
            if probe.ok && !c_ok {
                down_checkers.push(c.region.clone());
            }
            checker_round(c, c_ok, hc.failure_threshold);
        }
        let passing = states.iter().filter(|c| c.last_ok).count() as u64;
        let healthy = states.iter().filter(|c| c.healthy).count() as u64;
        self.checkers.insert(hc.id.clone(), states);
        let mut reason = probe.reason.clone();
        if !down_checkers.is_empty() {
            down_checkers.dedup();
            reason = format!(
                "{reason}, but checkers in {} are down",
                down_checkers.join(", ")
            );
        }
        (passing, healthy, reason)
    }

    /// Record one round of a health check: each checker's threshold, then
    /// Route 53's count of checkers (more than 18 % healthy), inverted if
    /// asked. A flip is logged in `events`. False when the check has no
    /// runtime state (only its checkers were updated).
    pub fn record_round(
        &mut self,
        hc: &HealthCheck,
        probe: &Probe,
        now: u64,
        events: &mut Vec<WorldEvent>,
    ) -> bool {
        let (passing, healthy_checkers, reason) = self.checkers_round(hc, probe);
        let total = hc.checkers as u64;
        let round_ok = checkers_say_healthy(passing, total);
        let effective = checkers_say_healthy(healthy_checkers, total) != hc.inverted;
        let summary = format!(
            "{reason}; {passing} of {total} checkers passed ({}), {healthy_checkers} of {total} report healthy ({})",
            pct(passing, total),
            pct(healthy_checkers, total)
        );
        let Some(st) = self.health.get_mut(&hc.id) else {
            return false;
        };
        st.next_due_ms = now + hc.interval_s as u64 * 1000;
        push_history(st, (now, round_ok, summary));
        if round_ok {
            st.consecutive_successes = st.consecutive_successes.saturating_add(1);
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures = st.consecutive_failures.saturating_add(1);
            st.consecutive_successes = 0;
        }
        if st.healthy != effective {
            st.healthy = effective;
            events.push(WorldEvent {
                at_ms: now,
                source: format!("route53 {}", hc.id),
                text: flip_text(hc, effective, (healthy_checkers, total), &reason),
            });
        }
        true
    }
}

/// One round of a settled health check: what it records, the same every
/// round (see `sim::settle`).
#[derive(Clone, Debug, PartialEq)]
pub struct SettledRound {
    pub round_ok: bool,
    pub summary: String,
    /// Each checker's result, in order.
    pub checker_ok: Vec<bool>,
}

impl Route53State {
    /// The round a check would record if it changes nothing but counters,
    /// its due time and its history: every checker already reports what
    /// its result says (saturated), and so does the aggregate. Built with
    /// the same words as [`Route53State::record_round`].
    pub fn settled_round(
        &self,
        hc: &HealthCheck,
        ok: bool,
        reason: &str,
        region_down: &dyn Fn(&str) -> bool,
    ) -> Option<SettledRound> {
        let n = hc.checkers as usize;
        let states = self.checkers.get(&hc.id)?;
        let st = self.health.get(&hc.id)?;
        if states.len() != n || hc.failure_threshold == 0 {
            return None;
        }
        let mut down_checkers = Vec::new();
        let mut checker_ok = Vec::with_capacity(n);
        for (i, c) in states.iter().enumerate() {
            if c.region != hc.checker_region(i) {
                return None;
            }
            let c_ok = ok && !region_down(&c.region);
            if ok && !c_ok {
                down_checkers.push(c.region.clone());
            }
            let saturated = c.last_ok == c_ok
                && if c_ok {
                    c.healthy && c.consecutive_failures == 0
                } else {
                    !c.healthy
                        && c.consecutive_successes == 0
                        && c.consecutive_failures >= hc.failure_threshold
                };
            if !saturated {
                return None;
            }
            checker_ok.push(c_ok);
        }
        let passing = checker_ok.iter().filter(|x| **x).count() as u64;
        let healthy_checkers = passing;
        let total = hc.checkers as u64;
        let round_ok = checkers_say_healthy(passing, total);
        let effective = checkers_say_healthy(healthy_checkers, total) != hc.inverted;
        let counted = if round_ok {
            st.consecutive_failures == 0
        } else {
            st.consecutive_successes == 0
        };
        if st.healthy != effective || !counted {
            return None;
        }
        let mut reason = reason.to_string();
        if !down_checkers.is_empty() {
            down_checkers.dedup();
            reason = format!(
                "{reason}, but checkers in {} are down",
                down_checkers.join(", ")
            );
        }
        let summary = format!(
            "{reason}; {passing} of {total} checkers passed ({}), {healthy_checkers} of {total} report healthy ({})",
            pct(passing, total),
            pct(healthy_checkers, total)
        );
        Some(SettledRound {
            round_ok,
            summary,
            checker_ok,
        })
    }

    /// Record `rounds` settled rounds at once, the first due at `due_ms`
    /// and then every `interval_ms`: what `record_round` would leave.
    pub fn apply_settled(
        &mut self,
        id: &str,
        round: &SettledRound,
        (due_ms, interval_ms, rounds): (u64, u64, u64),
    ) {
        if let Some(states) = self.checkers.get_mut(id) {
            for (c, ok) in states.iter_mut().zip(&round.checker_ok) {
                c.remember(*ok, rounds);
                if *ok {
                    c.consecutive_successes =
                        c.consecutive_successes.saturating_add(rounds_u32(rounds));
                } else {
                    c.consecutive_failures =
                        c.consecutive_failures.saturating_add(rounds_u32(rounds));
                }
            }
        }
        let Some(st) = self.health.get_mut(id) else {
            return;
        };
        st.next_due_ms = due_ms + rounds * interval_ms;
        if round.round_ok {
            st.consecutive_successes = st.consecutive_successes.saturating_add(rounds_u32(rounds));
        } else {
            st.consecutive_failures = st.consecutive_failures.saturating_add(rounds_u32(rounds));
        }
        let keep = rounds.min(HISTORY_LEN as u64);
        for i in rounds - keep..rounds {
            let entry = (
                due_ms + i * interval_ms,
                round.round_ok,
                round.summary.clone(),
            );
            push_history(st, entry);
        }
    }
}

impl World {
    /// Create the runtime state of every Route 53 health check that has
    /// none yet.
    pub(crate) fn init_r53_checks(&mut self) {
        let sc = Arc::clone(&self.scenario);
        let now = self.clock_ms;
        self.route53
            .init(&sc.dns.health_checks, now, &mut self.events);
    }

    /// The per-checker view of a health check (for the inspector and tests).
    pub fn health_checkers(&self, id: &str) -> &[CheckerState] {
        self.route53
            .checkers
            .get(id)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Whether Route 53 counts a health check healthy now (disabled,
    /// inverted and calculated checks included).
    pub fn health_check_healthy(&self, id: &str) -> bool {
        self.check_state(id).healthy()
    }

    /// A health check's turn on the clock: probe (unless calculated or
    /// disabled), record the round, then re-evaluate calculated checks.
    pub(crate) fn run_r53_check(&mut self, id: &str) {
        let sc = Arc::clone(&self.scenario);
        let checks = &sc.dns.health_checks;
        let Some(hc) = checks.iter().find(|h| h.id == id) else {
            self.route53.health.remove(id);
            self.route53.checkers.remove(id);
            return;
        };
        let now = self.clock_ms;
        if hc.calculated.is_some() || hc.disabled {
            self.route53.unprobed_round(hc, now);
        } else {
            let (ok, reason) = self.probe_health_check(hc);
            // Route 53's state and the log are moved out while the checkers
            // ask the world (read only) whether their Regions are down.
            let mut events = std::mem::take(&mut self.events);
            let mut state = std::mem::take(&mut self.route53);
            let region_down = |r: &str| self.region_down(r);
            let probe = Probe {
                ok,
                reason,
                region_down: &region_down,
            };
            let known = state.record_round(hc, &probe, now, &mut events);
            self.route53 = state;
            self.events = events;
            if !known {
                return;
            }
        }
        self.route53
            .refresh_calculated(checks, now, &mut self.events);
    }

    /// A Route 53 health check: HTTPS GET of the path on the region's ALB
    /// from a checker on the internet; 2xx or 3xx passes. Fact sheet §4.
    pub(crate) fn probe_health_check(&mut self, hc: &HealthCheck) -> (bool, String) {
        let Some(ri) = self.scenario.regions.iter().position(|r| r.id == hc.region) else {
            return (false, "region missing".into());
        };
        let mut scratch = Recorder::off();
        let host = self.scenario.regions[ri].alb.dns_name.to_string();
        let checker = crate::sim::lb::AlbClient {
            caller: crate::sim::event::alb::Caller::HealthChecker,
            id: "route53-checker",
            ip: hc.checker_ip,
            ports: EphemeralRange::Elb,
            rtt_ms: 20,
            connect: (1, 4),
            to: None,
            tls_max: Default::default(),
        };
        let resp = self.alb_request(ri, checker, (&host, &hc.path), &mut scratch);
        match resp.status {
            Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
            Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
            None => (false, format!("no response: {}", resp.code)),
        }
    }
}
