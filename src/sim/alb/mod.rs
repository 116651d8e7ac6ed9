//! The Application Load Balancer: the connection into it and TLS
//! ([`front`]), listener rules ([`listener`]), target groups and the pick
//! ([`targets`]), and target health checks ([`health`]). Fact sheet §8.
//!
//! The application behind it is [`crate::sim::app`]; kube-proxy and the
//! Service are [`crate::sim::k8s`].

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

use super::event::alb::{Caller, CookieNote, PickHow, SlowStart, TargetStatus};
use super::net::EphemeralRange;
use super::rng::Rng;
use super::scenario::*;
use super::trace::{Code, Step, Verdict};
use super::world::{TargetHealth, TargetState};

pub mod front;
pub mod health;
pub mod listener;
pub mod targets;

pub use health::HealthFailure;

/// ALB path-pattern matching: case-sensitive, `*` any run, `?` one char. Fact sheet §8.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return wildcard(pattern.as_bytes(), text.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    wildcard(&p, &t, '*', '?')
}

/// Greedy `*` / `?` matching with backtracking to the last star.
fn wildcard<T: PartialEq + Copy>(p: &[T], t: &[T], star_sym: T, one: T) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_sym && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_sym {
        pi += 1;
    }
    pi == p.len()
}

pub(crate) fn host_matches_cert(host: &str, domain: &str) -> bool {
    if let Some(rest) = domain.strip_prefix("*.") {
        match host.split_once('.') {
            Some((label, tail)) => !label.is_empty() && tail == rest,
            None => false,
        }
    } else {
        host == domain
    }
}
/// Seconds the ALB waits for a target that accepted the request, by
/// default (`Alb::idle_timeout_s` sets it). Fact sheet §8.
pub const ALB_IDLE_TIMEOUT_S: u64 = 60;
/// A request whose X-Forwarded-For header, as received, lists more addresses
/// than this gets 463 from the ALB; exactly this many is accepted (and the
/// ALB then appends its TCP peer). Fact sheet §8: "463 X-Forwarded-For with
/// > 30 IPs".
pub const ALB_MAX_XFF: usize = 30;

/// An HTTP request as it travels from one proxy to the next.
#[derive(Clone, Debug, Default)]
pub(crate) struct HttpCtx {
    // What every proxy passes on unchanged is shared, so handing the
    // request to the next hop copies nothing.
    pub method: Rc<str>,
    pub host: String,
    pub path: Rc<str>,
    pub query: Rc<str>,
    /// Header names in lower case.
    pub headers: Rc<[(String, String)]>,
    pub body: Rc<str>,
    /// X-Forwarded-For as received (left-most = original client).
    pub xff: Vec<Ipv4Addr>,
    /// The browser behind it, for stickiness cookies.
    pub client: Option<Rc<str>>,
    /// How long the sender waits for a response before it gives up.
    pub client_timeout_s: Option<u64>,
    /// CloudFront holds an expired copy and asks whether it changed
    /// (If-None-Match with the copy's ETag). Fact sheet §5.
    pub revalidate: bool,
    /// Plain HTTP rather than HTTPS.
    pub plain_http: bool,
    /// A port the URL names explicitly, when it is not the scheme's own.
    pub port: Option<u16>,
    /// One request of an HTTP flood: Shield decides on it at CloudFront
    /// and the ALB. Fact sheet §7.
    pub http_flood: bool,
    /// A Route 53 health check: it runs on the clock, so it neither uses
    /// nor keeps the ALB's open connections to targets (an advance stays
    /// the same whether its rounds are settled or stepped).
    pub unpooled: bool,
    /// One request of a burst, sent at once with the others: toward an
    /// origin and its targets (HTTP/1.1, one request per connection at a
    /// time) it needs a connection of its own, so it neither uses nor
    /// keeps an open one there. The browser's connection to the edge
    /// multiplexes (HTTP/2, fact sheet §26) and is shared.
    pub concurrent: bool,
}

impl HttpCtx {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The ALB's runtime state: target health, round robin, stickiness
/// cookies and draining targets.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlbState {
    /// Each target's health as its target group sees it.
    pub targets: BTreeMap<String, TargetHealth>,
    /// Round-robin position per target group.
    pub rr: BTreeMap<String, u64>,
    /// Stickiness cookies: `client|target group` -> (target, expiry ms).
    pub cookies: BTreeMap<String, (String, u64)>,
    /// Targets being deregistered: target -> end of the deregistration delay (ms).
    pub draining: BTreeMap<String, u64>,
    /// The world's first targets are registered: later ones start in
    /// `initial`. Fact sheet §8.
    #[serde(default)]
    pub started: bool,
    /// When each target last turned healthy (a new target passing its
    /// first check, an unhealthy one passing again, a deregistered one
    /// registered again): where its slow start begins. Fact sheet §8, §26.
    #[serde(default)]
    pub healthy_since: BTreeMap<String, u64>,
}

/// The fraction of 2^64 that multiplies the round-robin position into a
/// well-spread point in [0, 1): the golden ratio's (Weyl sequence).
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// The reason a target's record starts with.
pub(crate) fn first_reason(state: TargetState) -> &'static str {
    if state == TargetState::Initial {
        "Elb.InitialHealthChecking"
    } else {
        "passing health checks"
    }
}

impl AlbState {
    /// Whether a target passes its health checks (one never checked does).
    pub fn healthy(&self, id: &str) -> bool {
        self.targets
            .get(id)
            .map(|h| h.state == TargetState::Healthy)
            .unwrap_or(true)
    }

    /// Whether a target is within its deregistration delay at `now_ms`.
    pub fn draining(&self, id: &str, now_ms: u64) -> bool {
        self.draining.get(id).is_some_and(|d| *d > now_ms)
    }

    /// A target leaves its target group: it drains until `until_ms` (the
    /// deregistration delay) and gets no new requests. Fact sheet §8.
    pub fn deregister(&mut self, target: &str, until_ms: u64) {
        self.draining.insert(target.to_string(), until_ms);
    }

    /// A target is registered again (its pod turned ready): a slow start
    /// begins anew. Fact sheet §8, §26.
    pub fn reregister(&mut self, target: &str, now_ms: u64) {
        self.draining.remove(target);
        self.healthy_since.insert(target.to_string(), now_ms);
    }

    /// Whether the deregistration delay of a target ended at or before
    /// `now_ms` (it drained and is unused now).
    pub fn drained(&self, id: &str, now_ms: u64) -> Option<u64> {
        self.draining.get(id).copied().filter(|d| *d <= now_ms)
    }

    /// A target's slow start at `now_ms`, if its group has one and the
    /// target turned healthy less than the window ago: the share of a full
    /// target's requests, in thousandths (at least 1). Fact sheet §8, §26.
    pub fn slow_start(&self, tg: &TargetGroup, id: &str, now_ms: u64) -> Option<(u64, u32)> {
        if tg.slow_start_s == 0 {
            return None;
        }
        let since = *self.healthy_since.get(id)?;
        let elapsed = now_ms.saturating_sub(since);
        let window = tg.slow_start_s as u64 * 1000;
        (elapsed < window).then(|| (elapsed, ((elapsed * 1000 / window) as u32).max(1)))
    }

    /// The targets of a pool ramping up now, with their weights: none when
    /// every target is (a new target enters slow start only beside one in
    /// full service). Fact sheet §26.
    fn ramping(&self, tg: &TargetGroup, pool: &[Target], now_ms: u64) -> Vec<(usize, u64, u32)> {
        let list: Vec<(usize, u64, u32)> = pool
            .iter()
            .enumerate()
            .filter_map(|(i, t)| self.slow_start(tg, t.id, now_ms).map(|(e, w)| (i, e, w)))
            .collect();
        if list.len() == pool.len() {
            Vec::new()
        } else {
            list
        }
    }

    /// A target's state as its target group lists it.
    pub fn status(&self, id: &str, now_ms: u64) -> TargetStatus {
        if self.draining(id, now_ms) {
            TargetStatus::Draining
        } else if self.healthy(id) {
            TargetStatus::Healthy
        } else if self
            .targets
            .get(id)
            .is_some_and(|h| h.state == TargetState::Initial)
        {
            TargetStatus::Initial
        } else {
            TargetStatus::Unhealthy
        }
    }

    /// Pick a target from the pool of targets in service: the stickiness
    /// cookie's target when it is still in the pool, otherwise the target
    /// group's algorithm (and a new cookie when stickiness is on).
    /// Fact sheet §8.
    pub(crate) fn pick<'a>(
        &mut self,
        tg: &TargetGroup,
        pool: &[Target<'a>],
        (client, now_ms): (Option<&str>, u64),
        rng: &mut Rng,
    ) -> (Target<'a>, PickHow, Vec<SlowStart>) {
        let cookie_key = if tg.stickiness_s.is_some() {
            format!("{}|{}", client.unwrap_or_default(), tg.id)
        } else {
            String::new()
        };
        let sticky = tg
            .stickiness_s
            .and_then(|_| self.cookies.get(&cookie_key))
            .filter(|(_, exp)| *exp > now_ms)
            .map(|(t, _)| t.clone());
        let sticky_target = sticky
            .as_ref()
            .and_then(|s| pool.iter().find(|t| t.id == s))
            .copied();
        let ramping = self.ramping(tg, pool, now_ms);
        let (pick, how) = match sticky_target {
            Some(t) => (t, PickHow::Sticky),
            None => {
                let t = match tg.algorithm {
                    // Slow start: requests by weight, a ramping target's
                    // growing linearly. Fact sheet §8, §26.
                    _ if !ramping.is_empty() => {
                        let weights: Vec<u64> = (0..pool.len())
                            .map(|i| {
                                ramping
                                    .iter()
                                    .find(|(j, ..)| *j == i)
                                    .map_or(1000, |(_, _, w)| *w as u64)
                            })
                            .collect();
                        let total: u64 = weights.iter().sum();
                        let point = if tg.algorithm == Algorithm::WeightedRandom {
                            rng.index(total as usize) as u64
                        } else {
                            let n = self.rr.entry(tg.id.clone()).or_insert(0);
                            let spread = n.wrapping_mul(SPREAD);
                            *n += 1;
                            ((spread as u128 * total as u128) >> 64) as u64
                        };
                        let mut acc = 0;
                        let i = weights
                            .iter()
                            .position(|w| {
                                acc += w;
                                point < acc
                            })
                            .unwrap_or(0);
                        pool[i]
                    }
                    Algorithm::RoundRobin | Algorithm::LeastOutstandingRequests => {
                        if !self.rr.contains_key(&tg.id) {
                            self.rr.insert(tg.id.clone(), 0);
                        }
                        let n = self.rr.get_mut(&tg.id).expect("inserted above");
                        let t = pool[(*n as usize) % pool.len()];
                        *n += 1;
                        t
                    }
                    Algorithm::WeightedRandom => pool[rng.index(pool.len())],
                };
                let cookie = match (sticky, tg.stickiness_s) {
                    (Some(old), Some(_)) => CookieNote::Replaced { old },
                    (None, Some(_)) => CookieNote::Set,
                    _ => CookieNote::None,
                };
                (
                    t,
                    PickHow::Algorithm {
                        algorithm: tg.algorithm,
                        cookie,
                    },
                )
            }
        };
        if let Some(d) = tg.stickiness_s {
            self.cookies
                .insert(cookie_key, (pick.id.to_string(), now_ms + d as u64 * 1000));
        }
        let slow_start = ramping
            .iter()
            .map(|(i, elapsed, w)| SlowStart {
                target: pool[*i].id.to_string(),
                elapsed_s: elapsed / 1000,
                window_s: tg.slow_start_s as u64,
                share_pct: w.div_ceil(10),
            })
            .collect();
        (pick, how, slow_start)
    }

    /// Keep a health record for exactly these targets (id, check interval s);
    /// new ones start healthy.
    pub(crate) fn register(&mut self, ids: Vec<(String, u32)>, now_ms: u64) {
        self.targets.retain(|k, _| ids.iter().any(|(i, _)| i == k));
        let state = if self.started {
            TargetState::Initial
        } else {
            TargetState::Healthy
        };
        for (id, interval) in ids {
            self.targets.entry(id).or_insert(TargetHealth {
                state,
                consecutive_failures: 0,
                consecutive_successes: 0,
                reason: first_reason(state).into(),
                next_due_ms: now_ms + interval as u64 * 1000,
            });
        }
    }

    /// Record one health check's result for a target; returns the change
    /// of state it caused, as the event log words it.
    pub(crate) fn record_check(
        &mut self,
        target: &str,
        tg: &TargetGroup,
        result: Result<(), HealthFailure>,
        now_ms: u64,
    ) -> Option<String> {
        let before = self.targets.get(target)?.state;
        let text = self.record_result(target, tg, result, now_ms);
        let after = self.targets.get(target).map(|t| t.state);
        // Slow start begins when a target turns healthy and ends if it
        // turns unhealthy. Fact sheet §26.
        match after {
            Some(TargetState::Healthy) if before != TargetState::Healthy => {
                self.healthy_since.insert(target.to_string(), now_ms);
            }
            Some(TargetState::Unhealthy) => {
                self.healthy_since.remove(target);
            }
            _ => {}
        }
        text
    }

    fn record_result(
        &mut self,
        target: &str,
        tg: &TargetGroup,
        result: Result<(), HealthFailure>,
        now_ms: u64,
    ) -> Option<String> {
        let st = self.targets.get_mut(target)?;
        let rules = HealthRules {
            interval_s: tg.health_interval_s,
            healthy_threshold: tg.healthy_threshold,
            unhealthy_threshold: tg.unhealthy_threshold,
        };
        record_health(st, rules, result, now_ms)
    }
}

/// A target group's health-check timing: the interval and both
/// thresholds. Fact sheet §8, §9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HealthRules {
    pub interval_s: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

/// Record one health check's result in a target's record (an ALB's or an
/// NLB's): the counters, the reason of a failure, the next check's due
/// time, and the change of state the thresholds make (a new target
/// leaves `initial` on its first passed check). Returns the change as the
/// event log words it. Fact sheet §8, §9.
pub(crate) fn record_health(
    st: &mut TargetHealth,
    rules: HealthRules,
    result: Result<(), HealthFailure>,
    now_ms: u64,
) -> Option<String> {
    st.next_due_ms = now_ms + rules.interval_s as u64 * 1000;
    match result {
        Ok(()) => {
            st.consecutive_successes = st.consecutive_successes.saturating_add(1);
            st.consecutive_failures = 0;
        }
        Err(e) => {
            st.consecutive_failures = st.consecutive_failures.saturating_add(1);
            st.consecutive_successes = 0;
            st.reason = e.to_string();
        }
    }
    match st.state {
        TargetState::Healthy if st.consecutive_failures >= rules.unhealthy_threshold => {
            st.state = TargetState::Unhealthy;
            Some(format!(
                "unhealthy after {} failed checks: {}",
                rules.unhealthy_threshold, st.reason
            ))
        }
        // A new target needs one passed check. Fact sheet §8.
        TargetState::Initial if st.consecutive_successes >= 1 => {
            st.state = TargetState::Healthy;
            st.reason = "passing health checks".into();
            Some("healthy: passed its first health check (a new target starts in initial)".into())
        }
        TargetState::Initial if st.consecutive_failures >= rules.unhealthy_threshold => {
            st.state = TargetState::Unhealthy;
            Some(format!(
                "unhealthy after {} failed checks in initial: {}",
                rules.unhealthy_threshold, st.reason
            ))
        }
        TargetState::Unhealthy if st.consecutive_successes >= rules.healthy_threshold => {
            st.state = TargetState::Healthy;
            st.reason = "passing health checks".into();
            Some(format!(
                "healthy again after {} passed checks",
                rules.healthy_threshold
            ))
        }
        _ => None,
    }
}

/// Who connects to an ALB and how: what kind of sender, its id and
/// address, its ephemeral port range, the round trip, and `connect` as
/// (attempts, timeout s per attempt).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AlbClient<'a> {
    pub caller: Caller,
    pub id: &'a str,
    pub ip: Ipv4Addr,
    pub ports: EphemeralRange,
    pub rtt_ms: u32,
    pub connect: (u64, u64),
    /// The node address the sender connects to when it chose one itself
    /// (a browser given an IPv4 literal); otherwise one live node is
    /// picked as a DNS answer would.
    pub to: Option<Ipv4Addr>,
    /// The newest TLS version the sender speaks. Fact sheet §16.
    pub tls_max: crate::sim::conn::TlsVersion,
    /// How long the sender keeps an idle connection for its next request
    /// (CloudFront's origin keep-alive, a browser's 300 s); none for a
    /// health checker, which connects anew each time. Fact sheet §26.
    pub keep_alive_s: Option<u64>,
    /// Over IPv6: the sender's IPv6 address, when a dual-stack browser
    /// reaches a dual-stack load balancer by an AAAA answer, and whether
    /// Happy Eyeballs races an IPv4 attempt behind it (a dropped IPv6 SYN is
    /// then not waited out: the IPv4 attempt starts 250 ms later). None:
    /// IPv4. Fact sheet §23.
    pub v6: Option<(std::net::Ipv6Addr, bool)>,
}

impl AlbClient<'_> {
    /// The sender's address in the IP version it connects with.
    pub fn src_ip(&self) -> std::net::IpAddr {
        match self.v6 {
            Some((ip, _)) => ip.into(),
            None => self.ip.into(),
        }
    }
}

/// One registered target: a pod (target type ip) or a node (instance),
/// borrowed from the scenario.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub id: &'a str,
    pub subnet: &'a str,
    pub host: u32,
    pub sgs: &'a [String],
    pub port: u16,
    pub pod: Option<&'a Pod>,
}

impl<'a> Target<'a> {
    /// A pod as a target of type ip, on `port`.
    pub fn of_pod(p: &'a Pod, port: u16) -> Target<'a> {
        Target {
            id: &p.id,
            subnet: &p.subnet,
            host: p.host,
            sgs: &p.security_groups,
            port,
            pod: Some(p),
        }
    }

    /// A worker node as a target of type instance, on `port` (its
    /// NodePort): the security groups of a pod it runs (the node's
    /// interface in the model), else of the cluster's first pod.
    pub fn of_node(r: &'a Region, n: &'a K8sNode, port: u16) -> Target<'a> {
        let sgs = r
            .cluster
            .pods
            .iter()
            .find(|p| p.node.as_deref() == Some(n.id.as_str()))
            .or(r.cluster.pods.first())
            .map(|p| p.security_groups.as_slice())
            .unwrap_or(&[]);
        Target {
            id: &n.id,
            subnet: &n.subnet,
            host: n.host,
            sgs,
            port,
            pod: None,
        }
    }
}

/// A step's verdict and code, when they are not the default pass.
pub(crate) trait StepEnds {
    fn verdict(self, verdict: Verdict, code: Code) -> Self;
}

impl StepEnds for Step {
    fn verdict(mut self, verdict: Verdict, code: Code) -> Self {
        self.verdict = verdict;
        self.code = code;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_path_patterns_use_star_and_question_mark() {
        assert!(wildcard_match("/api/*", "/api/appointments"));
        assert!(!wildcard_match("/api/*", "/api"));
        assert!(wildcard_match("/img/?.png", "/img/a.png"));
        assert!(!wildcard_match("/API/*", "/api/x"));
    }

    #[test]
    fn a_wildcard_certificate_covers_exactly_one_label() {
        assert!(host_matches_cert(
            "api-origin.healthcareapp.com",
            "*.healthcareapp.com"
        ));
        assert!(!host_matches_cert(
            "healthcareapp.com",
            "*.healthcareapp.com"
        ));
        assert!(!host_matches_cert(
            "a.b.healthcareapp.com",
            "*.healthcareapp.com"
        ));
    }
}
