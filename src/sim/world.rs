//! The world: a scenario plus its runtime state (DNS caches, health-check
//! histories, target health, the CDN cache, the clock and the seeded RNG).
//!
//! `send` walks one request through the stack and returns its trace;
//! `advance` moves the clock and runs the scheduled work in order;
//! `apply_edit` and `set_fault` change the world between requests.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::dns::{DnsCache, DnsEntry};
use super::net::*;
use super::rng::Rng;
use super::scenario::*;
use super::trace::*;

/// Something a learner can break. AZ names are unique across regions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    PodDown { pod: String },
    AzDown { az: String },
    RegionDown { region: String },
}

impl Fault {
    pub fn label(&self) -> String {
        match self {
            Fault::PodDown { pod } => format!("{pod} crashed"),
            Fault::AzDown { az } => format!("AZ {az} down"),
            Fault::RegionDown { region } => format!("region {region} down"),
        }
    }
}

/// A request a browser sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub client: String,
    pub method: String,
    pub url: String,
}

impl Request {
    pub fn get(client: &str, url: &str) -> Self {
        Request {
            client: client.into(),
            method: "GET".into(),
            url: url.into(),
        }
    }
}

pub const DEFAULT_URL: &str = "https://healthcareapp.com/api/appointments";
pub const DEFAULT_CLIENT: &str = "client-na";

/// Route 53's view of one health check. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthState {
    pub healthy: bool,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    /// Recent results, newest last: (clock ms, passed, reason).
    pub history: Vec<(u64, bool, String)>,
    pub next_due_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetState {
    Healthy,
    Unhealthy,
}

/// An ALB target's health as the target group sees it. Fact sheet §8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealth {
    pub state: TargetState,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub reason: String,
    pub next_due_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdnEntry {
    pub status: u16,
    pub stored_at_ms: u64,
    pub expires_at_ms: u64,
}

/// Something that happened on the clock (a health check flipped, a failover).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldEvent {
    pub at_ms: u64,
    pub source: String,
    pub text: String,
}

/// How many recent results a health-check history keeps.
pub const HISTORY_LEN: usize = 12;
/// How long the app waits for a database connection before answering 500.
pub const APP_DB_CONNECT_TIMEOUT_S: u64 = 5;
/// The ALB's connection timeout to a target (504 after it). Fact sheet §8.
pub const ALB_TARGET_CONNECT_TIMEOUT_S: u64 = 10;
/// How long a browser's own TCP stack keeps retrying a SYN before giving up.
pub const BROWSER_CONNECT_TIMEOUT_S: u64 = 21;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    scenario: Scenario,
    seed: u64,
    clock_ms: u64,
    rng: Rng,
    faults: BTreeSet<Fault>,
    /// Keyed `browser:<client>`, `os:<client>`, `resolver:<resolver>`, `edge:<pop>`.
    dns: BTreeMap<String, DnsCache>,
    r53_health: BTreeMap<String, HealthState>,
    target_health: BTreeMap<String, TargetHealth>,
    rds_primary: BTreeMap<String, String>,
    rds_failover_due: BTreeMap<String, u64>,
    cdn_cache: BTreeMap<String, CdnEntry>,
    waf_hits: BTreeMap<String, Vec<u64>>,
    rr_counter: BTreeMap<String, u64>,
    events: Vec<WorldEvent>,
}

/// What came back from a component that answers HTTP.
#[derive(Clone, Debug)]
struct Resp {
    status: Option<u16>,
    decided_by: String,
    code: Code,
    summary: String,
    region: Option<String>,
    pod: Option<String>,
}

impl Resp {
    fn ok(status: u16, by: &str, summary: String) -> Self {
        Resp {
            status: Some(status),
            decided_by: by.into(),
            code: Code::Delivered,
            summary,
            region: None,
            pod: None,
        }
    }
    fn err(status: Option<u16>, by: &str, code: Code, summary: String) -> Self {
        Resp {
            status,
            decided_by: by.into(),
            code,
            summary,
            region: None,
            pod: None,
        }
    }
}

struct Url {
    https: bool,
    host: String,
    path: String,
    query: String,
}

fn parse_url(s: &str) -> Result<Url, String> {
    let t = s.trim();
    let (https, rest) = if let Some(r) = t.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("'{t}' is not an http:// or https:// URL"));
    };
    let (hostport, pathq) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = hostport
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if host.is_empty() || host.contains(' ') {
        return Err(format!("'{t}' has no host name"));
    }
    let (path, query) = match pathq.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (pathq.to_string(), String::new()),
    };
    Ok(Url {
        https,
        host: host.trim_end_matches('.').to_string(),
        path,
        query,
    })
}

/// ALB path-pattern matching: case-sensitive, `*` any run, `?` one char. Fact sheet §8.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// CloudFront path-pattern match: leading `/` optional. Fact sheet §5.
fn cf_pattern_match(pattern: &str, path: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p = if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("/{pattern}")
    };
    wildcard_match(&p, path)
}

fn host_matches_cert(host: &str, domain: &str) -> bool {
    if let Some(rest) = domain.strip_prefix("*.") {
        match host.split_once('.') {
            Some((label, tail)) => !label.is_empty() && tail == rest,
            None => false,
        }
    } else {
        host == domain
    }
}

fn us(ms: u32) -> u64 {
    ms as u64 * 1000
}

/// How a connection to an address ended.
enum Connect {
    Ok,
    /// Dropped silently somewhere: the caller waits for its timeout.
    Dropped(Code),
    /// Nothing answers at all (host, AZ or region down).
    Silent,
}

impl World {
    pub fn new(scenario: Scenario, seed: u64) -> Result<World, String> {
        scenario.validate()?;
        let mut w = World {
            scenario,
            seed,
            clock_ms: 0,
            rng: Rng::new(seed),
            faults: BTreeSet::new(),
            dns: BTreeMap::new(),
            r53_health: BTreeMap::new(),
            target_health: BTreeMap::new(),
            rds_primary: BTreeMap::new(),
            rds_failover_due: BTreeMap::new(),
            cdn_cache: BTreeMap::new(),
            waf_hits: BTreeMap::new(),
            rr_counter: BTreeMap::new(),
            events: Vec::new(),
        };
        w.init_runtime();
        Ok(w)
    }

    pub fn default_world() -> World {
        World::new(super::defaults::default_scenario(), 1).expect("the default scenario is valid")
    }

    fn init_runtime(&mut self) {
        for hc in &self.scenario.dns.health_checks {
            self.r53_health.entry(hc.id.clone()).or_insert(HealthState {
                healthy: true,
                consecutive_failures: 0,
                consecutive_successes: 0,
                history: Vec::new(),
                next_due_ms: self.clock_ms + hc.interval_s as u64 * 1000,
            });
        }
        for r in &self.scenario.regions {
            let interval = r
                .alb
                .target_groups
                .first()
                .map(|t| t.health_interval_s)
                .unwrap_or(15);
            for p in &r.cluster.pods {
                self.target_health
                    .entry(p.id.clone())
                    .or_insert(TargetHealth {
                        state: TargetState::Healthy,
                        consecutive_failures: 0,
                        consecutive_successes: 0,
                        reason: "passing health checks".into(),
                        next_due_ms: self.clock_ms + interval as u64 * 1000,
                    });
            }
            self.rds_primary
                .entry(r.id.clone())
                .or_insert_with(|| r.rds.instances[0].id.clone());
        }
    }

    // ------------------------------------------------------------ accessors

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn now_ms(&self) -> u64 {
        self.clock_ms
    }
    pub fn faults(&self) -> &BTreeSet<Fault> {
        &self.faults
    }
    pub fn events(&self) -> &[WorldEvent] {
        &self.events
    }
    pub fn dns_cache(&self, key: &str) -> Option<&DnsCache> {
        self.dns.get(key)
    }
    pub fn dns_caches(&self) -> &BTreeMap<String, DnsCache> {
        &self.dns
    }
    pub fn health(&self, id: &str) -> Option<&HealthState> {
        self.r53_health.get(id)
    }
    pub fn target_health(&self, pod: &str) -> Option<&TargetHealth> {
        self.target_health.get(pod)
    }
    pub fn rds_primary(&self, region: &str) -> Option<&str> {
        self.rds_primary.get(region).map(|s| s.as_str())
    }
    pub fn cdn_cache(&self) -> &BTreeMap<String, CdnEntry> {
        &self.cdn_cache
    }

    /// Replace the configuration after a validated edit. Runtime state that
    /// still makes sense (caches, health) is kept.
    pub(crate) fn replace_scenario(&mut self, s: Scenario) {
        self.scenario = s;
        self.init_runtime();
    }

    // --------------------------------------------------------------- faults

    pub fn set_fault(&mut self, fault: Fault, on: bool) {
        let changed = if on {
            self.faults.insert(fault.clone())
        } else {
            self.faults.remove(&fault)
        };
        if !changed {
            return;
        }
        self.events.push(WorldEvent {
            at_ms: self.clock_ms,
            source: "learner".into(),
            text: format!(
                "{} {}",
                fault.label(),
                if on { "(injected)" } else { "(repaired)" }
            ),
        });
        self.schedule_rds_failovers();
    }

    pub fn az_down(&self, az: &str) -> bool {
        self.faults.contains(&Fault::AzDown { az: az.into() })
    }
    pub fn region_down(&self, region: &str) -> bool {
        self.faults.contains(&Fault::RegionDown {
            region: region.into(),
        })
    }
    fn subnet_az<'a>(&self, r: &'a Region, subnet: &str) -> &'a str {
        r.vpc.subnet(subnet).map(|s| s.az.as_str()).unwrap_or("")
    }
    /// Whether anything at all answers in this subnet of this region.
    fn placement_up(&self, r: &Region, subnet: &str) -> bool {
        !self.region_down(&r.id) && !self.az_down(self.subnet_az(r, subnet))
    }
    pub fn pod_up(&self, r: &Region, pod: &Pod) -> bool {
        self.placement_up(r, &pod.subnet)
            && !self.faults.contains(&Fault::PodDown {
                pod: pod.id.clone(),
            })
    }

    fn schedule_rds_failovers(&mut self) {
        let mut due = Vec::new();
        for r in &self.scenario.regions {
            let primary = self.rds_primary.get(&r.id).cloned().unwrap_or_default();
            let Some(inst) = r.rds.instances.iter().find(|i| i.id == primary) else {
                continue;
            };
            let primary_down = !self.placement_up(r, &inst.subnet);
            let standby_up = r
                .rds
                .instances
                .iter()
                .any(|i| i.id != primary && self.placement_up(r, &i.subnet));
            if primary_down && standby_up && !self.rds_failover_due.contains_key(&r.id) {
                due.push(r.id.clone());
            }
        }
        for id in due {
            // Multi-AZ failover typically takes 60-120 s. Fact sheet §15.
            let delay = self.rng.range(60, 120) * 1000;
            self.rds_failover_due
                .insert(id.clone(), self.clock_ms + delay);
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({id})"),
                text: format!(
                    "primary lost: Multi-AZ failover will complete in {} s",
                    delay / 1000
                ),
            });
        }
    }

    // ---------------------------------------------------------------- clock

    /// Move the clock forward, running every scheduled health check and
    /// failover in time order (ties: Route 53 checks, then target checks,
    /// then database failovers, each by id).
    pub fn advance(&mut self, ms: u64) {
        let end = self.clock_ms.saturating_add(ms);
        loop {
            let mut next: Option<(u64, u8, String)> = None;
            let mut consider = |t: u64, k: u8, id: &str| {
                if t <= end
                    && next
                        .as_ref()
                        .is_none_or(|(nt, nk, nid)| (t, k, id) < (*nt, *nk, nid.as_str()))
                {
                    next = Some((t, k, id.to_string()));
                }
            };
            for (id, h) in &self.r53_health {
                consider(h.next_due_ms, 0, id);
            }
            for (id, h) in &self.target_health {
                consider(h.next_due_ms, 1, id);
            }
            for (id, t) in &self.rds_failover_due {
                consider(*t, 2, id);
            }
            let Some((t, kind, id)) = next else { break };
            self.clock_ms = t;
            match kind {
                0 => self.run_r53_check(&id),
                1 => self.run_target_check(&id),
                _ => self.run_rds_failover(&id),
            }
        }
        self.clock_ms = end;
    }

    fn run_r53_check(&mut self, id: &str) {
        let Some(hc) = self
            .scenario
            .dns
            .health_checks
            .iter()
            .find(|h| h.id == id)
            .cloned()
        else {
            self.r53_health.remove(id);
            return;
        };
        let (ok, reason) = self.probe_health_check(&hc);
        let now = self.clock_ms;
        let st = self.r53_health.get_mut(id).expect("scheduled check exists");
        st.next_due_ms = now + hc.interval_s as u64 * 1000;
        st.history.push((now, ok, reason.clone()));
        if st.history.len() > HISTORY_LEN {
            st.history.remove(0);
        }
        if ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
        }
        let flip = if st.healthy && st.consecutive_failures >= hc.failure_threshold {
            st.healthy = false;
            Some(format!(
                "UNHEALTHY after {} consecutive failures ({}; {} of {} checkers report healthy, not more than 18 %)",
                hc.failure_threshold, reason, 0, hc.checkers
            ))
        } else if !st.healthy && st.consecutive_successes >= hc.failure_threshold {
            st.healthy = true;
            Some(format!(
                "HEALTHY again after {} consecutive successes",
                hc.failure_threshold
            ))
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
    }

    /// A Route 53 health check: HTTPS GET of the path on the region's ALB
    /// from a checker on the internet; 2xx or 3xx passes. Fact sheet §4.
    fn probe_health_check(&mut self, hc: &HealthCheck) -> (bool, String) {
        let Some(ri) = self.scenario.regions.iter().position(|r| r.id == hc.region) else {
            return (false, "region missing".into());
        };
        let mut scratch = TraceBuilder::default();
        let host = format!("{}", self.scenario.regions[ri].alb.dns_name);
        let resp = self.alb_request(
            ri,
            "route53-checker",
            hc.checker_ip,
            EphemeralRange::Elb,
            20,
            (1, 4),
            &host,
            &hc.path,
            &mut scratch,
        );
        match resp.status {
            Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
            Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
            None => (false, format!("no response: {}", resp.code)),
        }
    }

    fn run_target_check(&mut self, pod_id: &str) {
        let Some((ri, tg)) = self.scenario.regions.iter().enumerate().find_map(|(i, r)| {
            r.cluster
                .pods
                .iter()
                .any(|p| p.id == pod_id)
                .then(|| (i, r.alb.target_groups.first().cloned()))
        }) else {
            self.target_health.remove(pod_id);
            return;
        };
        let Some(tg) = tg else { return };
        let (ok, reason) = self.probe_target(ri, pod_id);
        let now = self.clock_ms;
        let region_id = self.scenario.regions[ri].id.clone();
        let st = self
            .target_health
            .get_mut(pod_id)
            .expect("scheduled target exists");
        st.next_due_ms = now + tg.health_interval_s as u64 * 1000;
        if ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
            st.reason = reason.clone();
        }
        let flip = match st.state {
            TargetState::Healthy if st.consecutive_failures >= tg.unhealthy_threshold => {
                st.state = TargetState::Unhealthy;
                Some(format!(
                    "unhealthy after {} failed checks: {reason}",
                    tg.unhealthy_threshold
                ))
            }
            TargetState::Unhealthy if st.consecutive_successes >= tg.healthy_threshold => {
                st.state = TargetState::Healthy;
                st.reason = "passing health checks".into();
                Some(format!(
                    "healthy again after {} passed checks",
                    tg.healthy_threshold
                ))
            }
            _ => None,
        };
        if let Some(text) = flip {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("{} target {pod_id} ({region_id})", tg.id),
                text,
            });
        }
    }

    /// ALB health check of one pod target: the ALB node's path to the pod
    /// must pass SGs and NACLs both ways, and the pod must answer.
    fn probe_target(&mut self, ri: usize, pod_id: &str) -> (bool, String) {
        let r = self.scenario.regions[ri].clone();
        let Some(pod) = r.cluster.pods.iter().find(|p| p.id == pod_id) else {
            return (false, "Target.NotRegistered".into());
        };
        let Some(node) = r
            .alb
            .nodes
            .iter()
            .find(|n| self.placement_up(&r, &n.subnet))
        else {
            return (false, "Elb.InternalError (no load balancer node up)".into());
        };
        let mut scratch = TraceBuilder::default();
        let port = r.alb.target_groups.first().map(|t| t.port).unwrap_or(8080);
        match self
            .vpc_connect(
                &r,
                &node.subnet,
                node.host,
                &r.alb.security_groups,
                EphemeralRange::Elb,
                &pod.subnet,
                pod.host,
                &pod.security_groups,
                port,
                "alb",
                pod_id,
                &mut scratch,
            )
            .0
        {
            Connect::Ok if self.pod_up(&r, pod) => (true, "HTTP 200".into()),
            Connect::Ok => (
                false,
                "Target.FailedHealthChecks (connection refused)".into(),
            ),
            Connect::Dropped(c) => (false, format!("Target.Timeout ({c})")),
            Connect::Silent => (false, "Target.Timeout (no answer)".into()),
        }
    }

    fn run_rds_failover(&mut self, region: &str) {
        self.rds_failover_due.remove(region);
        let Some(r) = self.scenario.region(region).cloned() else {
            return;
        };
        let primary = self.rds_primary.get(region).cloned().unwrap_or_default();
        if let Some(standby) = r
            .rds
            .instances
            .iter()
            .find(|i| i.id != primary && self.placement_up(&r, &i.subnet))
        {
            self.rds_primary.insert(region.into(), standby.id.clone());
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({region})"),
                text: format!(
                    "Multi-AZ failover complete: {} promoted; {} now resolves to it",
                    standby.id, r.rds.endpoint
                ),
            });
        }
    }

    // ------------------------------------------------------------ requests

    /// Send one request and return its trace. Requests take no world-clock
    /// time: the trace's own timeline says how long the journey took.
    pub fn send(&mut self, req: &Request) -> Trace {
        let mut tb = TraceBuilder::default();
        let resp = self.walk(req, &mut tb);
        let total = tb.t_us;
        Trace {
            client: req.client.clone(),
            method: req.method.clone(),
            url: req.url.clone(),
            sent_at_ms: self.clock_ms,
            hops: tb.hops,
            outcome: Outcome {
                status: resp.status,
                decided_by: resp.decided_by,
                code: resp.code,
                summary: resp.summary,
                total_us: total,
                region: resp.region,
                pod: resp.pod,
            },
        }
    }

    fn walk(&mut self, req: &Request, tb: &mut TraceBuilder) -> Resp {
        let Some(client) = self.scenario.client(&req.client).cloned() else {
            return Resp::err(
                None,
                "browser",
                Code::ComponentDown,
                format!("no client named '{}' in this scenario", req.client),
            );
        };
        let url = match parse_url(&req.url) {
            Ok(u) => u,
            Err(e) => {
                tb.hop(
                    &client.id,
                    &client.id,
                    Layer::Http,
                    "-",
                    format!("refuse URL {}", req.url),
                    e.clone(),
                    vec![],
                    Verdict::Error,
                    Code::ComponentDown,
                );
                return Resp::err(None, &client.id, Code::ComponentDown, e);
            }
        };
        let method = req.method.trim().to_ascii_uppercase();
        let ips = match self.resolve_for_client(&client, &url.host, tb) {
            Ok(ips) => ips,
            Err(r) => return r,
        };
        let ip = ips[self.rng.index(ips.len())];
        // Who owns this address?
        if let Some(pop) = self.scenario.cdn.pops.iter().find(|p| p.ip == ip).cloned() {
            return self.cloudfront_request(&client, &pop, &url, &method, tb);
        }
        if let Some(ri) = self
            .scenario
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        {
            // Straight to the ALB: no CloudFront, no WAF.
            let c = client.clone();
            let rtt = self
                .scenario
                .cdn
                .pops
                .iter()
                .find(|p| p.id == c.pop)
                .and_then(|p| p.rtt_region_ms.get(&self.scenario.regions[ri].id).copied())
                .unwrap_or(40)
                + c.rtt_pop_ms;
            let resp = self.alb_request(
                ri,
                &c.id,
                c.ip,
                c.os,
                rtt,
                (1, BROWSER_CONNECT_TIMEOUT_S),
                &url.host,
                &url.path,
                tb,
            );
            return resp;
        }
        tb.hop(&client.id, &client.id, Layer::Tcp, "TCP/443", format!("connect to {ip}"), format!("nothing in this scenario answers at {ip}; the browser gives up after {BROWSER_CONNECT_TIMEOUT_S} s"), vec![], Verdict::Timeout, Code::ConnectionTimeout);
        tb.wait(BROWSER_CONNECT_TIMEOUT_S * 1_000_000);
        Resp::err(
            None,
            &client.id,
            Code::ConnectionTimeout,
            format!("no server at {ip}"),
        )
    }

    // ---------------------------------------------------------------- DNS

    fn cache_get(&self, key: &str, name: &str) -> Option<DnsEntry> {
        self.dns
            .get(key)
            .and_then(|c| c.get(name, self.clock_ms))
            .cloned()
    }
    fn cache_put(&mut self, key: &str, entry: DnsEntry) {
        self.dns.entry(key.to_string()).or_default().put(entry);
    }

    fn resolve_for_client(
        &mut self,
        c: &Client,
        name: &str,
        tb: &mut TraceBuilder,
    ) -> Result<Vec<Ipv4Addr>, Resp> {
        let now = self.clock_ms;
        let bkey = format!("browser:{}", c.id);
        if let Some(e) = self.cache_get(&bkey, name) {
            tb.hop(
                &c.id,
                &c.id,
                Layer::Dns,
                "-",
                format!("browser DNS cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s of its {} s left: no query leaves the machine",
                    e.remaining_s(now),
                    e.ttl_s
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            return e.result(name);
        }
        tb.hop(
            &c.id,
            &c.id,
            Layer::Dns,
            "-",
            format!("browser DNS cache: no entry for {name}"),
            "the browser asks the operating system's resolver next".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        let okey = format!("os:{}", c.id);
        if let Some(e) = self.cache_get(&okey, name) {
            tb.wait(200);
            tb.hop(
                &c.id,
                &c.id,
                Layer::Dns,
                "-",
                format!("OS DNS cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s left of the record's TTL",
                    e.remaining_s(now)
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            let b = e.rekeyed(now, c.browser_cache_s);
            self.cache_put(&bkey, b);
            return e.result(name);
        }
        tb.wait(200);
        tb.hop(
            &c.id,
            &c.id,
            Layer::Dns,
            "-",
            format!("OS DNS cache: no entry for {name}"),
            format!(
                "the stub resolver forwards the question to the recursive resolver {}",
                c.resolver.ip
            ),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        let r = c.resolver.clone();
        tb.hop(
            &c.id,
            &r.id,
            Layer::Dns,
            "UDP/53",
            format!("DNS query A {name}"),
            format!(
                "the recursive resolver {} does the lookup on the browser's behalf",
                r.ip
            ),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(r.rtt_ms) / 2);
        let rkey = format!("resolver:{}", r.id);
        let entry = if let Some(e) = self.cache_get(&rkey, name) {
            tb.hop(
                &r.id,
                &r.id,
                Layer::Dns,
                "-",
                format!("resolver cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s left: no authoritative server is asked",
                    e.remaining_s(now)
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            e
        } else {
            self.iterate(&r.id, &rkey, name, Some(c), tb)
        };
        tb.hop(&r.id, &c.id, Layer::Dns, "UDP/53", format!("DNS answer {name} -> {}", entry.describe()),
            format!("the OS caches it for the TTL ({} s left); Chromium keeps it {} s whatever the TTL (fact sheet §1)", entry.remaining_s(self.clock_ms), c.browser_cache_s),
            vec![], if entry.addresses.is_empty() { Verdict::Error } else { Verdict::Pass }, entry.code);
        tb.wait(us(r.rtt_ms) / 2);
        let now = self.clock_ms;
        self.cache_put(&okey, entry.rekeyed(now, entry.remaining_s(now)));
        self.cache_put(&bkey, entry.rekeyed(now, c.browser_cache_s));
        entry.result(name)
    }

    /// Iterative resolution from a recursive resolver (or CloudFront's):
    /// root referral, TLD referral, then the authoritative answer. NS
    /// records are cached, so a later lookup in the zone skips root and TLD.
    fn iterate(
        &mut self,
        node: &str,
        key: &str,
        name: &str,
        client: Option<&Client>,
        tb: &mut TraceBuilder,
    ) -> DnsEntry {
        let zone = self.scenario.dns.zone.clone();
        let now = self.clock_ms;
        let in_zone = name == zone.name || name.ends_with(&format!(".{}", zone.name));
        let zone_key = format!("NS {}", zone.name);
        let tld_label = name.rsplit('.').next().unwrap_or("").to_string();
        if let Some(ns) = self.cache_get(key, &zone_key).filter(|_| in_zone) {
            tb.hop(
                node,
                node,
                Layer::Dns,
                "-",
                format!(
                    "NS for {} cached ({} s left)",
                    zone.name,
                    ns.remaining_s(now)
                ),
                "the delegation is already known, so root and .com are skipped".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
        } else {
            let tld_key = format!("NS {tld_label}");
            if let Some(e) = self.cache_get(key, &tld_key) {
                tb.hop(
                    node,
                    node,
                    Layer::Dns,
                    "-",
                    format!("NS for .{tld_label} cached ({} s left)", e.remaining_s(now)),
                    "the root server is skipped".into(),
                    vec![],
                    Verdict::Pass,
                    Code::DnsCacheHit,
                );
            } else {
                let root = self.scenario.dns.root.clone();
                tb.hop(
                    node,
                    &root.id,
                    Layer::Dns,
                    "UDP/53",
                    format!("DNS query A {name} to {} ({})", root.name, root.ip),
                    "nothing cached for this zone: start at a root server (anycast)".into(),
                    vec![],
                    Verdict::Pass,
                    Code::DnsCacheMiss,
                );
                tb.wait(us(root.rtt_ms) / 2);
                if tld_label != "com" {
                    tb.hop(
                        &root.id,
                        node,
                        Layer::Dns,
                        "UDP/53",
                        format!("NXDOMAIN for {name}"),
                        format!("the root zone has no top-level domain .{tld_label}"),
                        vec![],
                        Verdict::Error,
                        Code::DnsNxdomain,
                    );
                    tb.wait(us(root.rtt_ms) / 2);
                    return DnsEntry::negative(
                        name,
                        now,
                        86_400,
                        Code::DnsNxdomain,
                        "NXDOMAIN from the root",
                    );
                }
                tb.hop(&root.id, node, Layer::Dns, "UDP/53", format!("referral to .com: {} and 12 more, TTL 172800 s", self.scenario.dns.tld.name),
                    "root servers never answer the final address; they refer to the TLD's name servers (fact sheet §1)".into(), vec![], Verdict::Pass, Code::DnsReferral);
                tb.wait(us(root.rtt_ms) / 2);
                let tld_ip = self.scenario.dns.tld.ip;
                self.cache_put(
                    key,
                    DnsEntry::new(
                        &tld_key,
                        vec![tld_ip],
                        now,
                        172_800,
                        "a.gtld-servers.net",
                        Code::DnsReferral,
                    ),
                );
            }
            let tld = self.scenario.dns.tld.clone();
            tb.hop(
                node,
                &tld.id,
                Layer::Dns,
                "UDP/53",
                format!("DNS query A {name} to {} ({})", tld.name, tld.ip),
                "ask the .com servers who is authoritative for the domain".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheMiss,
            );
            tb.wait(us(tld.rtt_ms) / 2);
            if !in_zone {
                tb.hop(
                    &tld.id,
                    node,
                    Layer::Dns,
                    "UDP/53",
                    format!("NXDOMAIN for {name}"),
                    "no such domain is delegated under .com in this scenario".into(),
                    vec![],
                    Verdict::Error,
                    Code::DnsNxdomain,
                );
                tb.wait(us(tld.rtt_ms) / 2);
                return DnsEntry::negative(name, now, 900, Code::DnsNxdomain, "NXDOMAIN from .com");
            }
            tb.hop(&tld.id, node, Layer::Dns, "UDP/53", format!("referral to {}: {}, TTL {} s", zone.name, zone.name_servers.join(", "), zone.ns_ttl_s),
                "the TLD refers to the zone's four Route 53 name servers; the resolver caches this for two days".into(), vec![], Verdict::Pass, Code::DnsReferral);
            tb.wait(us(tld.rtt_ms) / 2);
            self.cache_put(
                key,
                DnsEntry::new(
                    &zone_key,
                    vec![zone.ns_ip],
                    now,
                    zone.ns_ttl_s,
                    &zone.name_servers[0],
                    Code::DnsReferral,
                ),
            );
        }
        tb.hop(
            node,
            &zone.id,
            Layer::Dns,
            "UDP/53",
            format!("DNS query A {name} to {}", zone.name_servers[0]),
            "ask the authoritative server (Route 53) for the record".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(zone.rtt_ms) / 2);
        let ans = self.r53_answer(name, client);
        tb.hop(
            &zone.id,
            node,
            Layer::Dns,
            "UDP/53",
            format!(
                "answer {name} -> {} (TTL {} s, AA)",
                ans.describe(),
                ans.ttl_s
            ),
            ans.why.clone(),
            vec![],
            if ans.addresses.is_empty() {
                Verdict::Error
            } else {
                Verdict::Pass
            },
            ans.code,
        );
        tb.wait(us(zone.rtt_ms) / 2);
        let now = self.clock_ms;
        let entry = ans.into_entry(name, now);
        self.cache_put(key, entry.clone());
        entry
    }

    /// Route 53 picks the record by routing policy and health. Fact sheet §2-§4.
    fn r53_answer(&self, name: &str, client: Option<&Client>) -> super::dns::Answer {
        use super::dns::Answer;
        let zone = &self.scenario.dns.zone;
        let recs: Vec<&Record> = zone.records.iter().filter(|r| r.name == name).collect();
        if recs.is_empty() {
            let neg = zone.soa_ttl_s.min(zone.soa_minimum_s);
            return Answer {
                addresses: vec![],
                ttl_s: neg,
                target: "NXDOMAIN".into(),
                why: format!("no record named {name} in the zone: NXDOMAIN with the SOA; resolvers cache it for min(SOA TTL {}, minimum {}) = {neg} s (RFC 2308, fact sheet §1)", zone.soa_ttl_s, zone.soa_minimum_s),
                code: Code::DnsNxdomain,
            };
        }
        let healthy = |r: &Record| match &r.routing {
            Routing::Failover {
                health_check: Some(h),
                ..
            } => self.r53_health.get(h).map(|s| s.healthy).unwrap_or(true),
            _ => true,
        };
        let hc_text = |r: &Record| match &r.routing {
            Routing::Failover {
                health_check: Some(h),
                ..
            } => match self.r53_health.get(h) {
                Some(s) => {
                    let thr = self
                        .scenario
                        .dns
                        .health_checks
                        .iter()
                        .find(|c| &c.id == h)
                        .map(|c| c.failure_threshold)
                        .unwrap_or(3);
                    format!(
                        "{h} {} ({} of {thr} consecutive failures)",
                        if s.healthy { "healthy" } else { "UNHEALTHY" },
                        s.consecutive_failures.min(thr)
                    )
                }
                None => format!("{h} healthy"),
            },
            _ => "no health check: always healthy".into(),
        };
        let primary = recs.iter().find(|r| {
            matches!(
                r.routing,
                Routing::Failover {
                    role: FailoverRole::Primary,
                    ..
                }
            )
        });
        let secondary = recs.iter().find(|r| {
            matches!(
                r.routing,
                Routing::Failover {
                    role: FailoverRole::Secondary,
                    ..
                }
            )
        });
        let (rec, why, code) = match (primary, secondary) {
            (Some(p), Some(s)) => {
                if healthy(p) {
                    (*p, format!("failover record: PRIMARY is healthy ({}), so only the primary is returned", hc_text(p)), Code::DnsAnswer)
                } else if healthy(s) {
                    (*s, format!("failover record: PRIMARY is unhealthy ({}), SECONDARY is healthy ({}), so Route 53 answers with the secondary (fact sheet §3)", hc_text(p), hc_text(s)), Code::HealthCheckFailover)
                } else {
                    (*p, format!("failover record: both PRIMARY ({}) and SECONDARY ({}) are unhealthy, so Route 53 returns the primary (fact sheet §3)", hc_text(p), hc_text(s)), Code::DnsAnswer)
                }
            }
            (Some(p), None) => (
                *p,
                format!("failover record with only a PRIMARY ({})", hc_text(p)),
                Code::DnsAnswer,
            ),
            _ => (
                recs[0],
                "simple record: the one record is returned".into(),
                Code::DnsAnswer,
            ),
        };
        let (addresses, target, extra) = match &rec.value {
            RecordValue::A { addresses } => (
                addresses.clone(),
                addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                String::new(),
            ),
            RecordValue::AliasCloudFront => {
                let pop = client
                    .and_then(|c| self.scenario.pop(&c.pop))
                    .unwrap_or(&self.scenario.cdn.pops[0]);
                (vec![pop.ip], format!("CloudFront {} ({})", self.scenario.cdn.domain, pop.city),
                    format!("; alias A record at the apex (a CNAME is not allowed there) to the distribution, which answers with its edge nearest the client: {}", pop.city))
            }
            RecordValue::AliasAlb { region } => {
                let r = self.scenario.region(region).expect("validated");
                let live: Vec<Ipv4Addr> = r
                    .alb
                    .nodes
                    .iter()
                    .filter(|n| self.placement_up(r, &n.subnet))
                    .map(|n| n.public_ip)
                    .collect();
                let addrs = if live.is_empty() {
                    r.alb.nodes.iter().map(|n| n.public_ip).collect()
                } else {
                    live
                };
                (
                    addrs,
                    format!("{} ({}, {})", r.alb.id, r.label, r.id),
                    format!("; alias to the ALB {}", r.alb.dns_name),
                )
            }
        };
        Answer {
            addresses,
            ttl_s: rec.ttl_s,
            target,
            why: format!("{why}{extra}"),
            code,
        }
    }

    // ---------------------------------------------------------- CloudFront

    fn cloudfront_request(
        &mut self,
        c: &Client,
        pop: &Pop,
        url: &Url,
        method: &str,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let cf = self.scenario.cdn.clone();
        let rtt = us(c.rtt_pop_ms);
        let eph = self.rng.range(c.os.range().0 as u64, c.os.range().1 as u64) as u16;
        let proto = if url.https { "TCP/443" } else { "TCP/80" };
        tb.hop(&c.id, &cf.id, Layer::Tcp, proto, format!("TCP handshake SYN / SYN-ACK / ACK with {} ({}) from port {eph}", pop.city, pop.ip),
            format!("one round trip ({} ms) before the browser can send; Shield Standard screens SYN floods at the edge (fact sheet §7, §16)", c.rtt_pop_ms),
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        if !url.https {
            tb.hop(
                &c.id,
                &cf.id,
                Layer::Http,
                "TCP/80",
                format!("HTTP {method} {}{}", url.host, url.path),
                "plain HTTP reaches the edge".into(),
                vec![],
                Verdict::Pass,
                Code::Delivered,
            );
            tb.wait(rtt / 2);
            tb.hop(&cf.id, &c.id, Layer::Http, "TCP/80", format!("HTTP 301 Location: https://{}{}", url.host, url.path),
                "viewer protocol policy 'Redirect HTTP to HTTPS' answers GET/HEAD over HTTP with 301 (fact sheet §5)".into(), vec![], Verdict::Pass, Code::Delivered);
            tb.wait(rtt / 2);
            return Resp::ok(301, &cf.id, "CloudFront redirected to HTTPS".into());
        }
        tb.hop(&c.id, &cf.id, Layer::Tls, "TCP/443", format!("TLS 1.3 handshake, SNI {}", url.host),
            format!("one more round trip; the edge presents the certificate for {} and the browser checks it", url.host), vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        let full = if url.query.is_empty() {
            url.path.clone()
        } else {
            format!("{}?{}", url.path, url.query)
        };
        tb.hop(
            &c.id,
            &cf.id,
            Layer::Http,
            "TCP/443",
            format!("HTTP {method} {full} Host: {}", url.host),
            "the encrypted request reaches the edge".into(),
            vec![],
            Verdict::Pass,
            Code::Delivered,
        );
        tb.wait(rtt / 2);

        // WAF first: CloudFront asks the web ACL before anything else. Fact sheet §6.
        let (allowed, checks, rule) = self.waf_evaluate(c.ip, &full);
        let waf = self.scenario.waf.clone();
        tb.hop(&cf.id, &waf.id, Layer::Http, "-", format!("web ACL {}: {}", waf.name, if allowed { "allow".to_string() } else { format!("BLOCK by rule {rule}") }),
            if allowed { "no terminating rule matched; the default action (Allow) applies".into() } else { format!("rule {rule} matched and its action is Block: WAF, not the application, answers 403") },
            checks, if allowed { Verdict::Pass } else { Verdict::Error }, if allowed { Code::WafDefaultAllow } else { Code::WafRuleBlock });
        tb.wait(100);
        if !allowed {
            tb.hop(
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                "HTTP 403 Forbidden (from AWS WAF)".into(),
                format!("blocked at the edge by rule {rule}; the request never reached an origin"),
                vec![],
                Verdict::Error,
                Code::WafRuleBlock,
            );
            tb.wait(rtt / 2);
            return Resp::err(
                Some(403),
                &waf.id,
                Code::WafRuleBlock,
                format!("blocked by WAF rule {rule}"),
            );
        }

        // Cache behaviour: first match in list order. Fact sheet §5.
        let Some(bi) = cf
            .behaviors
            .iter()
            .position(|b| cf_pattern_match(&b.path_pattern, &url.path))
        else {
            return Resp::err(
                Some(404),
                &cf.id,
                Code::CacheMiss,
                "no cache behaviour".into(),
            );
        };
        let b = cf.behaviors[bi].clone();
        let origin = cf.origins.iter().find(|o| o.id == b.origin).cloned();
        let Some(origin) = origin else {
            return Resp::err(
                Some(502),
                &cf.id,
                Code::ComponentDown,
                format!("behaviour names unknown origin {}", b.origin),
            );
        };
        let cacheable = b.max_ttl_s > 0 && (method == "GET" || method == "HEAD");
        let key = format!("{}|{}", pop.id, url.path);
        let now = self.clock_ms;
        let hit = if cacheable {
            self.cdn_cache
                .get(&key)
                .filter(|e| e.expires_at_ms > now)
                .cloned()
        } else {
            None
        };
        tb.hop(&waf.id, &cf.id, Layer::Cache, "-",
            format!("behaviour {} '{}' -> origin {}; cache {}", bi + 1, b.path_pattern, origin.id,
                if !cacheable { "bypassed".to_string() } else if hit.is_some() { "HIT".to_string() } else { "MISS".to_string() }),
            if !cacheable {
                format!("first matching behaviour in list order; its TTLs are {}/{}/{} s (caching disabled) so every request goes to the origin", b.min_ttl_s, b.default_ttl_s, b.max_ttl_s)
            } else if let Some(h) = &hit {
                format!("cached {} s ago, {} s left; the key is the path only, query strings excluded (fact sheet §5)", (now - h.stored_at_ms) / 1000, (h.expires_at_ms - now) / 1000)
            } else {
                "not in this edge's cache: fetch from the origin".into()
            },
            vec![], Verdict::Pass, if hit.is_some() { Code::CacheHit } else { Code::CacheMiss });
        if let Some(h) = hit {
            let age = (now - h.stored_at_ms) / 1000;
            tb.hop(
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                format!("HTTP {} X-Cache: Hit from cloudfront, Age: {age}", h.status),
                format!(
                    "served from the {} edge without touching the origin",
                    pop.city
                ),
                vec![],
                Verdict::Pass,
                Code::CacheHit,
            );
            tb.wait(rtt / 2);
            return Resp::ok(h.status, &cf.id, format!("cache hit at {}", pop.city));
        }
        let mut resp = match origin.kind {
            OriginKind::S3 => {
                let s3 = "s3".to_string();
                tb.hop(
                    &cf.id,
                    &s3,
                    Layer::Http,
                    "TCP/443",
                    format!("HTTP GET {} from {}", url.path, origin.domain),
                    "CloudFront fetches the object from the S3 bucket".into(),
                    vec![],
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(10_000);
                let status = if url.path == "/"
                    || url.path.starts_with("/static/")
                    || url.path == "/index.html"
                {
                    200
                } else {
                    404
                };
                tb.hop(
                    &s3,
                    &cf.id,
                    Layer::Http,
                    "TCP/443",
                    format!("HTTP {status} from S3"),
                    if status == 200 {
                        "the object exists".into()
                    } else {
                        "no such object in the bucket".into()
                    },
                    vec![],
                    if status == 200 {
                        Verdict::Pass
                    } else {
                        Verdict::Error
                    },
                    Code::Delivered,
                );
                tb.wait(10_000);
                let ttl = if status == 200 {
                    b.default_ttl_s.clamp(b.min_ttl_s, b.max_ttl_s)
                } else {
                    10
                };
                if cacheable {
                    self.cdn_cache.insert(
                        key,
                        CdnEntry {
                            status,
                            stored_at_ms: now,
                            expires_at_ms: now + ttl as u64 * 1000,
                        },
                    );
                }
                Resp::ok(
                    status,
                    &s3,
                    format!("static object from S3, cached {ttl} s at {}", pop.city),
                )
            }
            OriginKind::Custom => self.custom_origin(pop, &origin, url, tb),
        };
        let status_text = resp
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "none".into());
        let (status, xcache) = match resp.status {
            Some(s) if resp.decided_by != cf.id => (
                s,
                if s >= 500 {
                    "Error from cloudfront"
                } else {
                    "Miss from cloudfront"
                },
            ),
            Some(s) => (s, "Error from cloudfront"),
            None => (504, "Error from cloudfront"),
        };
        if resp.status.is_none() {
            resp.status = Some(504);
            resp.decided_by = cf.id.clone();
        }
        tb.hop(&cf.id, &c.id, Layer::Http, "TCP/443", format!("HTTP {status} X-Cache: {xcache}"),
            if status_text == "none" { "CloudFront answers 504 Gateway Timeout itself: it could not reach the origin".into() } else { format!("the origin's answer ({status_text}) goes back to the browser over the same TLS connection") },
            vec![], if status < 400 { Verdict::Pass } else { Verdict::Error }, resp.code);
        tb.wait(rtt / 2);
        resp
    }

    fn custom_origin(
        &mut self,
        pop: &Pop,
        origin: &Origin,
        url: &Url,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let cf = self.scenario.cdn.clone();
        let key = format!("edge:{}", pop.id);
        let now = self.clock_ms;
        let entry = if let Some(e) = self.cache_get(&key, &origin.domain) {
            tb.hop(&cf.id, &cf.id, Layer::Dns, "-", format!("origin DNS cache: {} -> {}", origin.domain, e.describe()),
                format!("CloudFront's resolver cached this answer; {} s of {} s left, so Route 53 is not asked (health changes are invisible until it expires)", e.remaining_s(now), e.ttl_s),
                vec![], Verdict::Pass, Code::DnsCacheHit);
            e
        } else {
            tb.hop(
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("origin DNS cache: no entry for {}", origin.domain),
                "CloudFront must resolve the origin's name".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheMiss,
            );
            self.iterate(&cf.id, &key, &origin.domain, None, tb)
        };
        if entry.addresses.is_empty() {
            tb.hop(
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("cannot resolve {}", origin.domain),
                "CloudFront answers 502 when it cannot resolve the origin".into(),
                vec![],
                Verdict::Error,
                entry.code,
            );
            return Resp::err(
                Some(502),
                &cf.id,
                entry.code,
                format!("origin {} does not resolve", origin.domain),
            );
        }
        let ip = entry.addresses[self.rng.index(entry.addresses.len())];
        let Some(ri) = self
            .scenario
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        else {
            return Resp::err(
                Some(504),
                &cf.id,
                Code::ConnectionTimeout,
                format!("nothing answers at {ip}"),
            );
        };
        let region_id = self.scenario.regions[ri].id.clone();
        let rtt = pop.rtt_region_ms.get(&region_id).copied().unwrap_or(60);
        let attempts = (
            cf.connection_attempts.max(1) as u64,
            cf.connection_timeout_s as u64,
        );
        self.alb_request(
            ri,
            &cf.id,
            pop.ip,
            EphemeralRange::Elb,
            rtt,
            attempts,
            &origin.domain,
            &url.path,
            tb,
        )
    }

    /// WAF rules by priority; Allow/Block terminate, Count goes on. Fact sheet §6.
    fn waf_evaluate(&mut self, ip: Ipv4Addr, path_query: &str) -> (bool, Vec<Check>, String) {
        let acl = self.scenario.waf.clone();
        let mut rules = acl.rules.clone();
        rules.sort_by_key(|r| r.priority);
        let mut checks = Vec::new();
        let decoded = path_query
            .replace("%27", "'")
            .replace("%20", " ")
            .replace('+', " ")
            .replace("%3C", "<")
            .replace("%3c", "<")
            .replace("%3E", ">")
            .to_ascii_lowercase();
        let now = self.clock_ms;
        for r in &rules {
            let (matched, detail) = match &r.statement {
                WafStatement::IpSet { cidrs } => {
                    let m = cidrs.iter().find(|c| c.contains(&ip));
                    (
                        m.is_some(),
                        match m {
                            Some(c) => format!("source {ip} is in {c}"),
                            None => format!("source {ip} is in no listed CIDR"),
                        },
                    )
                }
                WafStatement::SqlInjection => {
                    let pats = ["' or ", "'or'", "union select", "--", "; drop", "1=1"];
                    let m = pats.iter().find(|p| decoded.contains(*p));
                    (
                        m.is_some(),
                        match m {
                            Some(p) => format!("SQL injection pattern '{p}' in the URI"),
                            None => "no SQL injection pattern in the URI".into(),
                        },
                    )
                }
                WafStatement::Xss => {
                    let pats = ["<script", "javascript:", "onerror=", "onload="];
                    let m = pats.iter().find(|p| decoded.contains(*p));
                    (
                        m.is_some(),
                        match m {
                            Some(p) => format!("XSS pattern '{p}' in the URI"),
                            None => "no XSS pattern in the URI".into(),
                        },
                    )
                }
                WafStatement::RateBased { limit, window_s } => {
                    let k = format!("{}|{ip}", r.name);
                    let hits = self.waf_hits.entry(k).or_default();
                    let from = now.saturating_sub(*window_s as u64 * 1000);
                    hits.retain(|t| *t >= from);
                    hits.push(now);
                    let n = hits.len() as u32;
                    (
                        n > *limit,
                        format!("{n} requests from {ip} in the last {window_s} s (limit {limit})"),
                    )
                }
            };
            let terminating = matched && r.action != WafAction::Count;
            checks.push(Check {
                kind: CheckKind::WafRule,
                subject: format!("{} (priority {})", r.name, r.priority),
                direction: None,
                flow: detail,
                decided_by: if matched {
                    format!("match -> {:?}", r.action)
                } else {
                    "no match".into()
                },
                allowed: !(terminating && r.action == WafAction::Block),
            });
            if terminating {
                return (r.action == WafAction::Allow, checks, r.name.clone());
            }
        }
        let allow = acl.default_action != WafAction::Block;
        checks.push(Check {
            kind: CheckKind::WafDefault,
            subject: acl.name.clone(),
            direction: None,
            flow: "no terminating rule matched".into(),
            decided_by: format!("default action {:?}", acl.default_action),
            allowed: allow,
        });
        (allow, checks, "default action".into())
    }

    // ----------------------------------------------------------------- VPC

    /// Open a TCP connection between two interfaces in one VPC, checking
    /// the source SGs outbound, the source NACL outbound, the route, the
    /// destination NACL inbound and SGs inbound; then the SYN-ACK back
    /// through both NACLs (stateless) but not the SGs (stateful). Fact sheet §17.
    #[allow(clippy::too_many_arguments)]
    fn vpc_connect(
        &mut self,
        r: &Region,
        src_subnet: &str,
        src_host: u32,
        src_sgs: &[String],
        src_range: EphemeralRange,
        dst_subnet: &str,
        dst_host: u32,
        dst_sgs: &[String],
        port: u16,
        from: &str,
        to: &str,
        tb: &mut TraceBuilder,
    ) -> (Connect, Flow) {
        let (checks, flow) = self.vpc_checks(
            r, src_subnet, src_host, src_sgs, src_range, dst_subnet, dst_host, dst_sgs, port,
        );
        let denied = checks.iter().find(|c| !c.allowed).cloned();
        let silent = !self.placement_up(r, dst_subnet);
        let (verdict, code, why) = match &denied {
            Some(c) => {
                let code = match c.kind {
                    CheckKind::Nacl => Code::SubnetAclRestriction,
                    CheckKind::RouteTable => Code::NoRouteToDestination,
                    _ => Code::EniSgRulesMismatch,
                };
                let leg = if c.flow == flow.to_string() { "SYN" } else { "SYN-ACK (return path, ephemeral port)" };
                (Verdict::Dropped, code, format!("the {leg} is dropped silently by {} {}: {}", match c.kind { CheckKind::Nacl => "network ACL", CheckKind::RouteTable => "route table", _ => "security group" }, c.subject, c.decided_by))
            }
            None if silent => (Verdict::Timeout, Code::ComponentDown, format!("every filter allows it, but nothing answers: {to} is down with its AZ or region")),
            None => (Verdict::Pass, Code::Delivered, "allowed out, routed, allowed in; the SYN-ACK returns through both network ACLs on the ephemeral port (security groups track the connection)".into()),
        };
        tb.hop(
            from,
            to,
            Layer::Tcp,
            &format!("TCP/{port}"),
            format!("TCP handshake {flow}"),
            why,
            checks,
            verdict,
            code,
        );
        let c = match (denied, silent) {
            (Some(_), _) => Connect::Dropped(code),
            (None, true) => Connect::Silent,
            (None, false) => Connect::Ok,
        };
        (c, flow)
    }

    #[allow(clippy::too_many_arguments)]
    fn vpc_checks(
        &mut self,
        r: &Region,
        src_subnet: &str,
        src_host: u32,
        src_sgs: &[String],
        src_range: EphemeralRange,
        dst_subnet: &str,
        dst_host: u32,
        dst_sgs: &[String],
        port: u16,
    ) -> (Vec<Check>, Flow) {
        let vpc = &r.vpc;
        let ss = vpc.subnet(src_subnet).expect("validated");
        let ds = vpc.subnet(dst_subnet).expect("validated");
        let (lo, hi) = src_range.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: ss.host(src_host).expect("validated"),
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: ds.host(dst_host).expect("validated"),
            dst_port: port,
        };
        let mut checks = Vec::new();
        let sg = |ids: &[String]| ids.iter().filter_map(|i| vpc.sg(i)).collect::<Vec<_>>();
        checks.push(evaluate_sgs(
            &sg(src_sgs),
            Direction::Outbound,
            &flow,
            dst_sgs,
            true,
        ));
        let crosses = ss.id != ds.id;
        if crosses {
            if let Some(n) = vpc.nacl(&ss.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &flow));
            }
            if let Some(rt) = vpc.route_table(&ss.route_table) {
                checks.push(rt.check(flow.dst, &|t| *t == RouteTarget::Local, &flow));
            }
            if let Some(n) = vpc.nacl(&ds.nacl) {
                checks.push(n.evaluate(Direction::Inbound, &flow));
            }
        }
        checks.push(evaluate_sgs(
            &sg(dst_sgs),
            Direction::Inbound,
            &flow,
            src_sgs,
            true,
        ));
        let back = flow.reversed();
        if crosses {
            if let Some(n) = vpc.nacl(&ds.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &back));
            }
            if let Some(n) = vpc.nacl(&ss.nacl) {
                checks.push(n.evaluate(Direction::Inbound, &back));
            }
        }
        (checks, flow)
    }

    /// Return-path checks for a response inside the VPC: NACLs again
    /// (stateless), SGs by connection tracking.
    fn vpc_return_checks(
        r: &Region,
        from_subnet: &str,
        to_subnet: &str,
        flow: &Flow,
    ) -> Vec<Check> {
        let vpc = &r.vpc;
        let mut checks = vec![Check {
            kind: CheckKind::SecurityGroupTracked,
            subject: "connection tracking".into(),
            direction: Some(Direction::Outbound),
            flow: flow.to_string(),
            decided_by: "return traffic of a tracked connection: security groups are stateful"
                .into(),
            allowed: true,
        }];
        if from_subnet != to_subnet {
            if let Some(s) = vpc.subnet(from_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Outbound, flow));
            }
            if let Some(s) = vpc.subnet(to_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Inbound, flow));
            }
        }
        checks
    }

    // ----------------------------------------------------------------- ALB

    /// A request arriving at a region's ALB from the internet (CloudFront,
    /// a browser, or a Route 53 health checker), down to a pod and the
    /// database, and back. `connect` is (attempts, timeout s per attempt).
    #[allow(clippy::too_many_arguments)]
    fn alb_request(
        &mut self,
        ri: usize,
        src: &str,
        src_ip: Ipv4Addr,
        src_range: EphemeralRange,
        rtt_ms: u32,
        connect: (u64, u64),
        host: &str,
        path: &str,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let r = self.scenario.regions[ri].clone();
        let alb = r.alb.clone();
        let rtt = us(rtt_ms);
        let give_up = |tb: &mut TraceBuilder, why: String, code: Code| {
            tb.wait(connect.0 * connect.1 * 1_000_000);
            let mut resp = Resp::err(None, src, code, why);
            resp.region = Some(r.id.clone());
            resp
        };
        let live: Vec<&AlbNode> = alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(&r, &n.subnet))
            .collect();
        if live.is_empty() {
            tb.hop(
                src,
                &alb.id,
                Layer::Tcp,
                &format!("TCP/{}", alb.listener.port),
                format!("TCP SYN to {} x{} attempts", alb.dns_name, connect.0),
                format!(
                    "no answer: {} is down ({}); each attempt waits {} s",
                    alb.id,
                    if self.region_down(&r.id) {
                        format!("region {} is down", r.id)
                    } else {
                        "every AZ it lives in is down".into()
                    },
                    connect.1
                ),
                vec![],
                Verdict::Timeout,
                Code::ComponentDown,
            );
            return give_up(
                tb,
                format!(
                    "{} did not answer ({} x {} s)",
                    alb.id, connect.0, connect.1
                ),
                Code::ComponentDown,
            );
        }
        let node = live[self.rng.index(live.len())].clone();
        let subnet = r.vpc.subnet(&node.subnet).expect("validated").clone();
        let node_ip = subnet.host(node.host).expect("validated");
        // Internet -> IGW (1:1 NAT public -> private) -> public subnet NACL -> ALB SG.
        let (lo, hi) = src_range.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: src_ip,
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: node_ip,
            dst_port: alb.listener.port,
        };
        let mut checks = Vec::new();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            checks.push(n.evaluate(Direction::Inbound, &flow));
        }
        let sgs: Vec<&SecurityGroup> = alb
            .security_groups
            .iter()
            .filter_map(|g| r.vpc.sg(g))
            .collect();
        checks.push(evaluate_sgs(&sgs, Direction::Inbound, &flow, &[], false));
        let back = flow.reversed();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            checks.push(n.evaluate(Direction::Outbound, &back));
        }
        if let Some(rt) = r.vpc.route_table(&subnet.route_table) {
            checks.push(rt.check(src_ip, &|t| matches!(t, RouteTarget::Igw(_)), &back));
        }
        if let Some(c) = checks.iter().find(|c| !c.allowed).cloned() {
            let code = match c.kind {
                CheckKind::Nacl => Code::SubnetAclRestriction,
                CheckKind::RouteTable => Code::NoRouteToDestination,
                _ => Code::EniSgRulesMismatch,
            };
            let leg = if c.flow == flow.to_string() {
                "SYN"
            } else {
                "SYN-ACK (return path)"
            };
            tb.hop(src, &alb.id, Layer::Tcp, &format!("TCP/{}", alb.listener.port), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
                format!("the {leg} is dropped silently by {}: {}; the sender retries {} times, {} s each", c.subject, c.decided_by, connect.0, connect.1),
                checks, Verdict::Dropped, code);
            return give_up(
                tb,
                format!(
                    "connection to {} dropped by {} ({})",
                    alb.id, c.subject, c.decided_by
                ),
                code,
            );
        }
        tb.hop(src, &alb.id, Layer::Tcp, &format!("TCP/{}", alb.listener.port), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
            format!("the internet gateway maps {} to {node_ip}; the public subnet's network ACL and the ALB's security group let port {} in, and the SYN-ACK out to the ephemeral port {}", node.public_ip, alb.listener.port, flow.src_port),
            checks, Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        // TLS terminates at the ALB; SNI picks the certificate. Fact sheet §8.
        let cert = alb
            .listener
            .certificate_domains
            .iter()
            .find(|d| host_matches_cert(host, d))
            .cloned();
        tb.hop(src, &alb.id, Layer::Tls, &format!("TCP/{}", alb.listener.port), format!("TLS handshake, SNI {host}"),
            match &cert { Some(d) => format!("the HTTPS listener terminates TLS with the ACM certificate for {d} (chosen by SNI)"), None => format!("no certificate matches {host}; the listener's default certificate ({}) is presented", alb.listener.certificate_domains.first().cloned().unwrap_or_default()) },
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        tb.hop(
            src,
            &alb.id,
            Layer::Http,
            &format!("TCP/{}", alb.listener.port),
            format!("HTTP GET {path} Host: {host}"),
            "the request arrives decrypted at the ALB, which adds X-Forwarded-For / -Proto / -Port"
                .into(),
            vec![],
            Verdict::Pass,
            Code::Delivered,
        );
        tb.wait(rtt / 2);
        let mut resp = self.alb_route(&r, &node, path, tb);
        resp.region = Some(r.id.clone());
        let status = resp.status.unwrap_or(502);
        let ret = {
            let mut checks = Vec::new();
            if let Some(n) = r.vpc.nacl(&subnet.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &back));
            }
            checks
        };
        tb.hop(&alb.id, src, Layer::Http, &format!("TCP/{}", alb.listener.port), format!("HTTP {status} back to {src_ip}:{}", flow.src_port),
            if resp.decided_by == alb.id { "the ALB itself generated this response".into() } else { format!("the response from {} is relayed; the public network ACL is checked again for the ephemeral port", resp.decided_by) },
            ret, if status < 400 { Verdict::Pass } else { Verdict::Error }, resp.code);
        tb.wait(rtt / 2);
        resp
    }

    /// Listener rules, ingress, service endpoints, target pick and the pod.
    fn alb_route(&mut self, r: &Region, node: &AlbNode, path: &str, tb: &mut TraceBuilder) -> Resp {
        let alb = &r.alb;
        let mut rules = alb.listener.rules.clone();
        rules.sort_by_key(|x| x.priority);
        let matched = rules
            .iter()
            .find(|rule| rule.path_patterns.iter().any(|p| wildcard_match(p, path)))
            .cloned();
        let Some(rule) = matched else {
            tb.hop(
                &alb.id,
                &alb.id,
                Layer::Decision,
                "-",
                format!(
                    "listener HTTPS:{}: no rule matches {path}",
                    alb.listener.port
                ),
                format!(
                    "the default rule (priority 0, evaluated last) answers a fixed {}",
                    alb.listener.default_status
                ),
                vec![],
                Verdict::Error,
                Code::ListenerDefaultAction,
            );
            return Resp::err(
                Some(alb.listener.default_status),
                &alb.id,
                Code::ListenerDefaultAction,
                "the ALB's default rule answered".into(),
            );
        };
        let Some(tg) = alb
            .target_groups
            .iter()
            .find(|t| t.id == rule.target_group)
            .cloned()
        else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "rule forwards to a missing target group".into(),
            );
        };
        let ingress = &r.cluster.ingress;
        tb.hop(&alb.id, &ingress.id, Layer::Decision, "-", format!("listener rule {} (path {}) -> forward to {}", rule.priority, rule.path_patterns.join(" or "), tg.id),
            format!("rules are tried from the lowest priority number; this one was written by the AWS Load Balancer Controller from Ingress '{}' path {}", ingress.name, rule.from_ingress_path),
            vec![], Verdict::Pass, Code::ListenerRuleMatch);
        let Some(svc) = r
            .cluster
            .services
            .iter()
            .find(|s| s.id == tg.service)
            .cloned()
        else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "no service behind the target group".into(),
            );
        };
        tb.hop(&ingress.id, &svc.id, Layer::Decision, "-", format!("Ingress '{}' path {} -> Service {}:{}", ingress.name, rule.from_ingress_path, svc.name, svc.port),
            "target type ip: the ALB sends straight to pod IPs registered from the Service's endpoints; kube-proxy is not on this path (fact sheet §14)".into(), vec![], Verdict::Pass, Code::IngressRuleMatch);
        let pods: Vec<Pod> = r
            .cluster
            .pods
            .iter()
            .filter(|p| p.app == svc.app)
            .cloned()
            .collect();
        if pods.is_empty() {
            tb.hop(
                &svc.id,
                &alb.id,
                Layer::Decision,
                "-",
                format!("target group {} has no registered targets", tg.id),
                "the ALB answers 503 itself (fact sheet §8)".into(),
                vec![],
                Verdict::Error,
                Code::NoHealthyTargets,
            );
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "no registered targets".into(),
            );
        }
        let healthy: Vec<&Pod> = pods
            .iter()
            .filter(|p| {
                self.target_health
                    .get(&p.id)
                    .map(|h| h.state == TargetState::Healthy)
                    .unwrap_or(true)
            })
            .collect();
        let (pool, fail_open) = if healthy.is_empty() {
            (pods.iter().collect::<Vec<_>>(), true)
        } else {
            (healthy, false)
        };
        let n = self.rr_counter.entry(tg.id.clone()).or_insert(0);
        let pick = pool[(*n as usize) % pool.len()].clone();
        *n += 1;
        let listing = pods
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.id,
                    match self.target_health.get(&p.id).map(|h| h.state) {
                        Some(TargetState::Unhealthy) => "unhealthy",
                        _ => "healthy",
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        tb.hop(&svc.id, &pick.id, Layer::Decision, "-", format!("round robin picks {} ({})", pick.id, listing),
            if fail_open { "every target is unhealthy, so the ALB fails open and spreads requests over all of them (fact sheet §8)".into() } else { format!("only healthy targets are used ({} of {})", pool.len(), pods.len()) },
            vec![], Verdict::Pass, Code::ServiceEndpointPick);
        let port = tg.port;
        let (conn, alb_flow) = self.vpc_connect(
            r,
            &node.subnet,
            node.host,
            &alb.security_groups,
            EphemeralRange::Elb,
            &pick.subnet,
            pick.host,
            &pick.security_groups,
            port,
            &alb.id,
            &pick.id,
            tb,
        );
        let same_az = self.subnet_az(r, &node.subnet) == self.subnet_az(r, &pick.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        match conn {
            Connect::Ok if self.pod_up(r, &pick) => {}
            Connect::Ok => {
                tb.wait(hop_us * 2);
                tb.hop(&pick.id, &alb.id, Layer::Tcp, &format!("TCP/{port}"), "TCP RST".into(),
                    format!("{} has crashed: its address answers but nothing listens on {port}; until the health check marks it unhealthy the ALB keeps sending it traffic", pick.id),
                    vec![], Verdict::Error, Code::ConnectionRefused);
                tb.hop(
                    &alb.id,
                    &alb.id,
                    Layer::Http,
                    "-",
                    "HTTP 502 Bad Gateway (from the ALB)".into(),
                    "the target reset the connection: the ALB generates 502 (fact sheet §8)".into(),
                    vec![],
                    Verdict::Error,
                    Code::ConnectionRefused,
                );
                let mut resp = Resp::err(
                    Some(502),
                    &alb.id,
                    Code::ConnectionRefused,
                    format!("{} refused the connection", pick.id),
                );
                resp.pod = Some(pick.id.clone());
                return resp;
            }
            Connect::Dropped(_) | Connect::Silent => {
                let code = code_or(&conn);
                tb.wait(ALB_TARGET_CONNECT_TIMEOUT_S * 1_000_000);
                tb.hop(&alb.id, &alb.id, Layer::Http, "-", "HTTP 504 Gateway Timeout (from the ALB)".into(),
                    format!("no TCP connection to {} within {ALB_TARGET_CONNECT_TIMEOUT_S} s: the ALB generates 504 (fact sheet §8)", pick.id), vec![], Verdict::Timeout, code);
                let mut resp = Resp::err(
                    Some(504),
                    &alb.id,
                    code,
                    format!(
                        "no connection to {} within {ALB_TARGET_CONNECT_TIMEOUT_S} s",
                        pick.id
                    ),
                );
                resp.pod = Some(pick.id.clone());
                return resp;
            }
        }
        tb.wait(hop_us * 2);
        let pip = r
            .vpc
            .subnet(&pick.subnet)
            .and_then(|s| s.host(pick.host))
            .expect("validated");
        tb.hop(&alb.id, &pick.id, Layer::Http, &format!("TCP/{port}"), format!("HTTP GET {path} to {pip}:{port}"),
            format!("X-Forwarded-For carries the viewer and edge addresses; the pod sees the ALB node {} as its TCP peer", alb_flow.src), vec![], Verdict::Pass, Code::Delivered);
        tb.wait(hop_us);
        let (status, body_note, db_code) = if path == "/healthz" {
            (
                200,
                "health endpoint: answers without touching the database".to_string(),
                Code::Delivered,
            )
        } else {
            self.pod_query_db(r, &pick, tb)
        };
        tb.wait(3_000);
        let checks = World::vpc_return_checks(r, &pick.subnet, &node.subnet, &alb_flow.reversed());
        tb.hop(
            &pick.id,
            &alb.id,
            Layer::Http,
            &format!("TCP/{port}"),
            format!(
                "HTTP {status} {}",
                if status == 200 {
                    "application/json"
                } else {
                    "error"
                }
            ),
            body_note,
            checks,
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            db_code,
        );
        tb.wait(hop_us);
        let mut resp = if status < 400 {
            Resp::ok(
                status,
                &pick.id,
                format!("served by {} in {}", pick.id, r.label),
            )
        } else {
            Resp::err(
                Some(status),
                &pick.id,
                db_code,
                "the application could not reach its database".into(),
            )
        };
        resp.pod = Some(pick.id.clone());
        resp
    }

    /// The pod reads appointments from the database primary on 5432.
    fn pod_query_db(
        &mut self,
        r: &Region,
        pod: &Pod,
        tb: &mut TraceBuilder,
    ) -> (u16, String, Code) {
        let primary = self.rds_primary.get(&r.id).cloned().unwrap_or_default();
        let Some(inst) = r.rds.instances.iter().find(|i| i.id == primary).cloned() else {
            return (500, "no database instance".into(), Code::ComponentDown);
        };
        tb.hop(&pod.id, &pod.id, Layer::Dns, "UDP/53", format!("resolve {} -> {} (VPC resolver)", r.rds.endpoint, inst.id),
            "the RDS endpoint name always points at the current primary; after a Multi-AZ failover RDS flips it (fact sheet §15)".into(), vec![], Verdict::Pass, Code::DnsAnswer);
        let (conn, db_flow) = self.vpc_connect(
            r,
            &pod.subnet,
            pod.host,
            &pod.security_groups,
            EphemeralRange::Linux,
            &inst.subnet,
            inst.host,
            &r.rds.security_groups,
            r.rds.port,
            &pod.id,
            &inst.id,
            tb,
        );
        let same_az = self.subnet_az(r, &pod.subnet) == self.subnet_az(r, &inst.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        match conn {
            Connect::Ok => {
                tb.wait(hop_us * 2);
                tb.hop(
                    &pod.id,
                    &inst.id,
                    Layer::Sql,
                    &format!("TCP/{}", r.rds.port),
                    "SQL SELECT * FROM appointments WHERE patient_id = $1".into(),
                    format!(
                        "{} ({}) primary in {}",
                        r.rds.engine,
                        inst.id,
                        self.subnet_az(r, &inst.subnet)
                    ),
                    vec![],
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(hop_us + 2_000);
                let checks =
                    World::vpc_return_checks(r, &inst.subnet, &pod.subnet, &db_flow.reversed());
                tb.hop(
                    &inst.id,
                    &pod.id,
                    Layer::Sql,
                    &format!("TCP/{}", r.rds.port),
                    "SQL result: 3 rows".into(),
                    "the rows come back to the pod's ephemeral port through both network ACLs"
                        .into(),
                    checks,
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(hop_us);
                (
                    200,
                    "the application answers with the appointments as JSON".into(),
                    Code::Delivered,
                )
            }
            Connect::Dropped(_) | Connect::Silent => {
                let code = code_or(&conn);
                tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
                (500, format!("the application gave up on the database after {APP_DB_CONNECT_TIMEOUT_S} s and answers 500 ({code})"), code)
            }
        }
    }

    // ------------------------------------------------------------ inspection

    /// What a learner sees about a component: fields of its configuration
    /// and its live state, rendered as label/value pairs.
    pub fn inspect(&self, node: &str) -> Vec<(String, String)> {
        super::inspect::inspect(self, node)
    }
}

fn code_or(c: &Connect) -> Code {
    match c {
        Connect::Dropped(code) => *code,
        Connect::Silent => Code::ComponentDown,
        Connect::Ok => Code::Delivered,
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

    #[test]
    fn urls_without_a_scheme_are_refused() {
        assert!(parse_url("healthcareapp.com/api").is_err());
        let u = parse_url("https://HealthcareApp.com/api/x?q=1").unwrap();
        assert_eq!(u.host, "healthcareapp.com");
        assert_eq!(u.path, "/api/x");
        assert_eq!(u.query, "q=1");
    }
}

impl From<(String, Code)> for Resp {
    fn from((summary, code): (String, Code)) -> Self {
        Resp::err(
            None,
            "dns",
            code,
            format!("the browser shows a DNS error: {summary}"),
        )
    }
}
