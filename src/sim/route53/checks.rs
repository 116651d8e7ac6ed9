//! Route 53 health checks on the clock: each checker Region probes and
//! applies the failure threshold by itself; Route 53 counts checkers (more
//! than 18 % healthy); calculated checks combine their children. Fact sheet §4.

use super::*;
use crate::sim::net::*;
use crate::sim::trace::*;

impl World {
    /// Create the runtime state of every Route 53 health check that has
    /// none yet. A new check counts as healthy until enough data exists
    /// (unhealthy if inverted). Fact sheet §4.
    pub(crate) fn init_r53_checks(&mut self) {
        let checks = self.scenario.dns.health_checks.clone();
        for hc in &checks {
            let interval = if hc.calculated.is_some() {
                CALCULATED_REFRESH_S
            } else {
                hc.interval_s as u64
            };
            self.route53
                .health
                .entry(hc.id.clone())
                .or_insert(HealthState {
                    healthy: hc.disabled || !hc.inverted,
                    consecutive_failures: 0,
                    consecutive_successes: 0,
                    history: Vec::new(),
                    next_due_ms: self.clock_ms + interval * 1000,
                });
            if hc.calculated.is_none() {
                let n = hc.checkers as usize;
                let fresh = |i: usize| CheckerState {
                    region: hc.checker_region(i).to_string(),
                    healthy: true,
                    consecutive_failures: 0,
                    consecutive_successes: 0,
                    last_ok: true,
                };
                let list = self.route53.checkers.entry(hc.id.clone()).or_default();
                if list.len() != n
                    || list
                        .iter()
                        .enumerate()
                        .any(|(i, c)| c.region != hc.checker_region(i))
                {
                    *list = (0..n).map(fresh).collect();
                }
            }
        }
        let ids: Vec<String> = checks.iter().map(|h| h.id.clone()).collect();
        self.route53.checkers.retain(|k, _| ids.contains(k));
        self.refresh_calculated();
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
        self.check_state(id).0
    }

    pub(super) fn refresh_calculated(&mut self) {
        let checks = self.scenario.dns.health_checks.clone();
        for hc in checks.iter().filter(|h| h.calculated.is_some()) {
            let (ok, text) = self.check_state(&hc.id);
            let now = self.clock_ms;
            if let Some(st) = self.route53.health.get_mut(&hc.id) {
                if st.healthy != ok {
                    st.healthy = ok;
                    st.history.push((now, ok, text.clone()));
                    if st.history.len() > HISTORY_LEN {
                        st.history.remove(0);
                    }
                    self.events.push(WorldEvent {
                        at_ms: now,
                        source: format!("route53 {}", hc.id),
                        text: format!("{} now", text),
                    });
                }
            }
        }
    }

    pub(crate) fn run_r53_check(&mut self, id: &str) {
        let Some(hc) = self
            .scenario
            .dns
            .health_checks
            .iter()
            .find(|h| h.id == id)
            .cloned()
        else {
            self.route53.health.remove(id);
            self.route53.checkers.remove(id);
            return;
        };
        let now = self.clock_ms;
        if hc.calculated.is_some() {
            if let Some(st) = self.route53.health.get_mut(id) {
                st.next_due_ms = now + CALCULATED_REFRESH_S * 1000;
            }
            self.refresh_calculated();
            return;
        }
        if hc.disabled {
            if let Some(st) = self.route53.health.get_mut(id) {
                st.next_due_ms = now + hc.interval_s as u64 * 1000;
                st.healthy = true;
            }
            self.refresh_calculated();
            return;
        }
        let (ok, reason) = self.probe_health_check(&hc);
        // Each checker probes for itself; a checker whose own Region is
        // down reports failure. Each applies the failure threshold.
        let thr = hc.failure_threshold;
        let mut down_checkers = Vec::new();
        let n = hc.checkers as usize;
        let mut states = self.route53.checkers.remove(id).unwrap_or_default();
        states.resize_with(n, || CheckerState {
            region: String::new(),
            healthy: true,
            consecutive_failures: 0,
            consecutive_successes: 0,
            last_ok: true,
        });
        for (i, c) in states.iter_mut().enumerate() {
            c.region = hc.checker_region(i).to_string();
            let c_ok = ok && !self.region_down(&c.region);
            if ok && !c_ok {
                down_checkers.push(c.region.clone());
            }
            c.last_ok = c_ok;
            if c_ok {
                c.consecutive_successes += 1;
                c.consecutive_failures = 0;
            } else {
                c.consecutive_failures += 1;
                c.consecutive_successes = 0;
            }
            if c.healthy && c.consecutive_failures >= thr {
                c.healthy = false;
            } else if !c.healthy && c.consecutive_successes >= thr {
                c.healthy = true;
            }
        }
        let passing = states.iter().filter(|c| c.last_ok).count() as u64;
        let healthy_checkers = states.iter().filter(|c| c.healthy).count() as u64;
        let total = n as u64;
        let more_than = |k: u64| checkers_say_healthy(k, total);
        let round_ok = more_than(passing);
        let measured = more_than(healthy_checkers);
        let effective = measured != hc.inverted;
        self.route53.checkers.insert(id.to_string(), states);
        let mut reason = reason;
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
        let Some(st) = self.route53.health.get_mut(id) else {
            return;
        };
        st.next_due_ms = now + hc.interval_s as u64 * 1000;
        st.history.push((now, round_ok, summary.clone()));
        if st.history.len() > HISTORY_LEN {
            st.history.remove(0);
        }
        if round_ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
        }
        let flip = if st.healthy != effective {
            st.healthy = effective;
            Some(if effective {
                format!(
                    "HEALTHY{}: {healthy_checkers} of {total} checkers report healthy ({}, more than {HEALTHY_CHECKER_PERCENT} %){}",
                    if hc.inverted { " (inverted: the endpoint is failing)" } else { " again" },
                    pct(healthy_checkers, total),
                    if hc.inverted { String::new() } else { format!(" after {thr} consecutive successes") }
                )
            } else {
                format!(
                    "UNHEALTHY{}: {healthy_checkers} of {total} checkers report healthy ({}, not more than {HEALTHY_CHECKER_PERCENT} %){} ({reason})",
                    if hc.inverted { " (inverted: the endpoint answers)" } else { "" },
                    pct(healthy_checkers, total),
                    if hc.inverted { String::new() } else { format!(" after {thr} consecutive failures") }
                )
            })
        } else {
            None
        };
        if let Some(text) = flip {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("route53 {id}"),
                text,
            });
        }
        self.refresh_calculated();
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
        };
        let resp = self.alb_request(ri, checker, (&host, &hc.path), &mut scratch);
        match resp.status {
            Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
            Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
            None => (false, format!("no response: {}", resp.code)),
        }
    }
}
