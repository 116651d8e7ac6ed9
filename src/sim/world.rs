//! The world: a scenario plus its runtime state (DNS caches, health-check
//! histories, target health, the CDN cache, the clock and the seeded RNG).
//!
//! `send` walks one request through the stack and returns its trace;
//! `advance` moves the clock and runs the scheduled work in order;
//! `apply_edit` and `set_fault` change the world between requests.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::dns::DnsCache;
pub use super::event::browser::UrlError;
use super::event::browser::{BrowserEvent, GiveUp, Refusal};
use super::rng::Rng;
use super::scenario::*;
use super::trace::*;

/// Something a learner can break. AZ names are unique across regions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The pod's container crashed: its address answers with RST.
    PodDown {
        pod: String,
    },
    /// The pod runs but its application is broken: it answers 500,
    /// including to health checks, so its target turns unhealthy.
    TargetUnhealthy {
        pod: String,
    },
    /// The pod accepts connections but never answers (a hung process).
    PodHung {
        pod: String,
    },
    /// A Kubernetes worker node (EC2 instance) is gone with all its pods.
    NodeDown {
        node: String,
    },
    AzDown {
        az: String,
    },
    RegionDown {
        region: String,
    },
    /// The region's RDS primary instance fails (Multi-AZ promotes the standby).
    RdsPrimaryDown {
        region: String,
    },
    /// Route 53's name servers cannot be reached: resolvers answer SERVFAIL.
    DnsAuthorityDown,
    /// A CloudFront origin answers every request with 503.
    Origin5xx {
        origin: String,
    },
}

impl Fault {
    pub fn label(&self) -> String {
        match self {
            Fault::PodDown { pod } => format!("{pod} crashed"),
            Fault::TargetUnhealthy { pod } => format!("{pod} answers 500"),
            Fault::NodeDown { node } => format!("node {node} down"),
            Fault::PodHung { pod } => format!("{pod} hangs"),
            Fault::RdsPrimaryDown { region } => format!("RDS primary in {region} down"),
            Fault::DnsAuthorityDown => "Route 53 name servers unreachable".to_string(),
            Fault::Origin5xx { origin } => format!("origin {origin} answers 503"),
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
    /// Extra request headers (name, value).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// Whether the browser's own HTTP cache is used.
    #[serde(default, skip_serializing_if = "HttpCacheMode::is_default")]
    pub cache: HttpCacheMode,
}

/// How a request treats the sender's HTTP cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpCacheMode {
    /// A browser: a fresh stored copy answers without any request, and a
    /// cacheable answer is stored (Cache-Control max-age).
    #[default]
    Default,
    /// No HTTP cache, as with DevTools' "Disable cache" or a load generator.
    NoStore,
}

impl HttpCacheMode {
    pub fn is_default(&self) -> bool {
        *self == HttpCacheMode::Default
    }
}

impl Request {
    pub fn get(client: &str, url: &str) -> Self {
        Request {
            client: client.into(),
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: String::new(),
            cache: HttpCacheMode::Default,
        }
    }

    /// The same request without the browser's HTTP cache.
    pub fn no_store(self) -> Self {
        Request {
            cache: HttpCacheMode::NoStore,
            ..self
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
    /// The max-age the origin gave browsers, passed on with every hit.
    #[serde(default)]
    pub browser_max_age_s: Option<u64>,
}

/// The browsers' runtime state: each one's HTTP cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserState {
    /// Keyed `client|URL`.
    pub http_cache: BTreeMap<String, HttpCacheEntry>,
}

/// A 200 answer a browser keeps in its HTTP cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCacheEntry {
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
/// Redirects a browser follows for one navigation before it gives up with
/// ERR_TOO_MANY_REDIRECTS (the Fetch standard's limit, which Chromium keeps).
pub const MAX_REDIRECTS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// Shared so a request can read the configuration while it updates
    /// runtime state, without copying it.
    pub(crate) scenario: std::sync::Arc<Scenario>,
    pub(crate) seed: u64,
    pub(crate) clock_ms: u64,
    pub(crate) rng: Rng,
    pub(crate) faults: BTreeSet<Fault>,
    /// Log of what happened on the clock (health checks flipping, failovers).
    pub(crate) events: Vec<WorldEvent>,
    // One runtime state per component, each owned by its own module.
    /// DNS caches: browsers', operating systems', resolvers', CloudFront's.
    pub(crate) dns: super::dns::DnsState,
    /// Route 53 health checks: the aggregate and each checker's view.
    pub(crate) route53: super::route53::Route53State,
    /// CloudFront's cache.
    pub(crate) cdn: super::edge::CdnState,
    /// WAF's rate-based rule counters.
    pub(crate) waf: super::edge::WafState,
    /// ALBs: target health, round robin, stickiness cookies, draining.
    pub(crate) alb: super::lb::AlbState,
    /// Kubernetes runtime: readiness probes and the application's DNS cache.
    pub(crate) k8s: super::k8s::K8sRuntime,
    /// RDS: which instance is primary, failovers under way, failed instances.
    pub(crate) rds: super::db::RdsState,
    /// Each browser's HTTP cache.
    pub(crate) browser: BrowserState,
}

/// Rules in priority order (lowest number first), borrowed in place when
/// the scenario already lists them that way, as it almost always does.
pub(crate) enum ByPriority<'a, T> {
    InPlace(std::slice::Iter<'a, T>),
    Sorted(std::vec::IntoIter<&'a T>),
}

impl<'a, T> Iterator for ByPriority<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        match self {
            ByPriority::InPlace(i) => i.next(),
            ByPriority::Sorted(i) => i.next(),
        }
    }
}

/// `items` by ascending `key`; ties keep their list order.
pub(crate) fn by_priority<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> ByPriority<'_, T> {
    if items.is_sorted_by_key(&key) {
        ByPriority::InPlace(items.iter())
    } else {
        let mut v: Vec<&T> = items.iter().collect();
        v.sort_by_key(|x| key(x));
        ByPriority::Sorted(v.into_iter())
    }
}

/// A short string assembled on the stack: the cache and counter keys a
/// request looks up on every hop, without a heap allocation per lookup.
pub(crate) struct KeyBuf {
    buf: [u8; 120],
    len: usize,
    spill: Option<String>,
}

impl KeyBuf {
    pub(crate) fn new(parts: &[&str]) -> Self {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let mut k = KeyBuf {
            buf: [0; 120],
            len: 0,
            spill: None,
        };
        if total > k.buf.len() {
            k.spill = Some(parts.concat());
            return k;
        }
        for p in parts {
            k.buf[k.len..k.len + p.len()].copy_from_slice(p.as_bytes());
            k.len += p.len();
        }
        k
    }

    pub(crate) fn as_str(&self) -> &str {
        match &self.spill {
            Some(s) => s,
            // Whole `&str`s were copied in, so this is always valid UTF-8.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }
}

impl std::ops::Deref for KeyBuf {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// What came back from a component that answers HTTP.
#[derive(Clone, Debug)]
pub(crate) struct Resp {
    pub(crate) status: Option<u16>,
    pub(crate) decided_by: String,
    pub(crate) code: Code,
    pub(crate) summary: String,
    pub(crate) region: Option<Box<str>>,
    pub(crate) pod: Option<Box<str>>,
    /// The Location of a redirect (301, 302, 303, 307, 308); boxed, as
    /// few answers have one.
    pub(crate) location: Option<Box<str>>,
    /// How long the browser may keep this answer (Cache-Control max-age
    /// less Age), when it may.
    pub(crate) browser_fresh_s: Option<u32>,
}

/// A request checked and parsed once (see [`World::prepare`]).
pub(crate) struct Prepared {
    /// Index of the sending client in the scenario.
    client: usize,
    ctx: super::lb::HttpCtx,
    cache: HttpCacheMode,
}

impl Resp {
    pub(crate) fn outcome(self, total_us: u64) -> Outcome {
        Outcome {
            status: self.status,
            decided_by: self.decided_by,
            code: self.code,
            summary: self.summary,
            total_us,
            region: self.region.map(String::from),
            pod: self.pod.map(String::from),
        }
    }
    pub(crate) fn ok(status: u16, by: &str, summary: String) -> Self {
        Resp {
            status: Some(status),
            decided_by: by.into(),
            code: Code::Delivered,
            summary,
            region: None,
            pod: None,
            location: None,
            browser_fresh_s: None,
        }
    }
    pub(crate) fn err(status: Option<u16>, by: &str, code: Code, summary: String) -> Self {
        Resp {
            status,
            decided_by: by.into(),
            code,
            summary,
            region: None,
            pod: None,
            location: None,
            browser_fresh_s: None,
        }
    }
    /// A redirect to `location`, answered by `by`.
    pub(crate) fn redirect(status: u16, by: &str, code: Code, location: String) -> Self {
        Resp {
            location: Some(location.as_str().into()),
            ..Resp::err(Some(status), by, code, format!("redirect to {location}"))
        }
    }
}

pub(crate) struct Url {
    pub(crate) https: bool,
    pub(crate) host: String,
    /// A port the URL names explicitly, when it is not the scheme's own.
    pub(crate) port: Option<u16>,
    pub(crate) path: String,
    pub(crate) query: String,
}

pub(crate) fn parse_url(s: &str) -> Result<Url, UrlError> {
    let t = s.trim();
    let (https, rest) = if let Some(r) = t.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(UrlError::NotHttp);
    };
    let (hostport, pathq) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.split_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) if n > 0 => (h, Some(n)),
            _ => return Err(UrlError::BadPort),
        },
        None => (hostport, None),
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.contains(' ') {
        return Err(UrlError::NoHost);
    }
    let default_port = if https { 443 } else { 80 };
    let port = port.filter(|p| *p != default_port);
    let (path, query) = match pathq.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (pathq.to_string(), String::new()),
    };
    Ok(Url {
        https,
        port,
        host: host.trim_end_matches('.').to_string(),
        path,
        query,
    })
}

pub(crate) fn us(ms: u32) -> u64 {
    ms as u64 * 1000
}

/// A SYN nothing answers: the browser retries until its connect timeout.
fn browser_gives_up(
    tb: &mut Recorder,
    (client, to): (&str, &str),
    (ip, port): (std::net::Ipv4Addr, u16),
    reason: GiveUp,
    summary: impl FnOnce(&BrowserEvent) -> String,
) -> Resp {
    let ev = BrowserEvent::GaveUp {
        ip,
        port,
        timeout_s: BROWSER_CONNECT_TIMEOUT_S,
        reason,
    };
    let summary = summary(&ev);
    tb.hop(|| {
        Step::new(
            (client, to),
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Browser(ev),
            Verdict::Timeout,
            Code::ConnectionTimeout,
        )
    });
    tb.wait(BROWSER_CONNECT_TIMEOUT_S * 1_000_000);
    Resp::err(None, client, Code::ConnectionTimeout, summary)
}

/// How a connection to an address ended.
pub(crate) enum Connect {
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
            scenario: std::sync::Arc::new(scenario),
            seed,
            clock_ms: 0,
            rng: Rng::new(seed),
            faults: BTreeSet::new(),
            events: Vec::new(),
            dns: Default::default(),
            route53: Default::default(),
            cdn: Default::default(),
            waf: Default::default(),
            alb: Default::default(),
            k8s: Default::default(),
            rds: Default::default(),
            browser: Default::default(),
        };
        w.init_runtime();
        Ok(w)
    }

    pub fn default_world() -> World {
        World::new(super::defaults::default_scenario(), 1).expect("the default scenario is valid")
    }

    pub(crate) fn init_runtime(&mut self) {
        self.init_r53_checks();
        for r in &self.scenario.regions {
            let interval = r
                .alb
                .target_groups
                .first()
                .map(|t| t.health_interval_s)
                .unwrap_or(15);
            for p in &r.cluster.pods {
                self.alb
                    .targets
                    .entry(p.id.clone())
                    .or_insert(TargetHealth {
                        state: TargetState::Healthy,
                        consecutive_failures: 0,
                        consecutive_successes: 0,
                        reason: "passing health checks".into(),
                        next_due_ms: self.clock_ms + interval as u64 * 1000,
                    });
            }
            self.rds
                .primary
                .entry(r.id.clone())
                .or_insert_with(|| r.rds.instances[0].id.clone());
        }
        self.init_k8s_runtime();
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
        self.dns.caches.get(key)
    }
    pub fn dns_caches(&self) -> &BTreeMap<String, DnsCache> {
        &self.dns.caches
    }
    pub fn health(&self, id: &str) -> Option<&HealthState> {
        self.route53.health.get(id)
    }
    pub fn target_health(&self, pod: &str) -> Option<&TargetHealth> {
        self.alb.targets.get(pod)
    }
    pub fn rds_primary(&self, region: &str) -> Option<&str> {
        self.rds.primary.get(region).map(|s| s.as_str())
    }
    /// Each browser's HTTP cache, keyed `client|URL`.
    pub fn http_cache(&self) -> &BTreeMap<String, HttpCacheEntry> {
        &self.browser.http_cache
    }
    pub fn cdn_cache(&self) -> &BTreeMap<String, CdnEntry> {
        &self.cdn.cache
    }

    /// Replace the configuration after a validated edit. Runtime state that
    /// still makes sense (caches, health) is kept.
    pub(crate) fn replace_scenario(&mut self, s: Scenario) {
        self.scenario = std::sync::Arc::new(s);
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
        if let Fault::RdsPrimaryDown { region } = &fault {
            let ids: Vec<String> = self
                .scenario
                .region(region)
                .map(|r| r.rds.instances.iter().map(|i| i.id.clone()).collect())
                .unwrap_or_default();
            if on {
                if let Some(p) = self.rds.primary.get(region) {
                    self.rds.failed.insert(p.clone());
                }
            } else {
                self.rds.failed.retain(|i| !ids.contains(i));
            }
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

    /// Whether a fault is injected; builds the fault only when some are.
    pub(crate) fn has_fault(&self, f: impl FnOnce() -> Fault) -> bool {
        !self.faults.is_empty() && self.faults.contains(&f())
    }
    pub fn az_down(&self, az: &str) -> bool {
        self.has_fault(|| Fault::AzDown { az: az.into() })
    }
    pub fn region_down(&self, region: &str) -> bool {
        self.has_fault(|| Fault::RegionDown {
            region: region.into(),
        })
    }
    pub(crate) fn subnet_az<'a>(&self, r: &'a Region, subnet: &str) -> &'a str {
        r.vpc.subnet(subnet).map(|s| s.az.as_str()).unwrap_or("")
    }
    /// Whether anything at all answers in this subnet of this region.
    pub(crate) fn placement_up(&self, r: &Region, subnet: &str) -> bool {
        if self.faults.is_empty() {
            return true;
        }
        !self.region_down(&r.id) && !self.az_down(self.subnet_az(r, subnet))
    }
    pub fn pod_up(&self, r: &Region, pod: &Pod) -> bool {
        self.placement_up(r, &pod.subnet)
            && !self.has_fault(|| Fault::PodDown {
                pod: pod.id.clone(),
            })
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
            for (id, h) in &self.route53.health {
                consider(h.next_due_ms, 0, id);
            }
            for (id, h) in &self.alb.targets {
                consider(h.next_due_ms, 1, id);
            }
            for (id, t) in &self.rds.failover_due {
                consider(*t, 2, id);
            }
            for (id, p) in &self.k8s.probes {
                consider(p.next_due_ms, 3, id);
            }
            let Some((t, kind, id)) = next else { break };
            self.clock_ms = t;
            match kind {
                0 => self.run_r53_check(&id),
                1 => self.run_target_check(&id),
                2 => self.run_rds_failover(&id),
                _ => self.run_readiness_probe(&id),
            }
        }
        self.clock_ms = end;
    }

    // ------------------------------------------------------------ requests

    /// Send one request and return its trace. Requests take no world-clock
    /// time: the trace's own timeline says how long the journey took.
    pub fn send(&mut self, req: &Request) -> Trace {
        let mut rec = Recorder::full();
        let resp = self.walk(req, &mut rec);
        let total = rec.t_us;
        Trace {
            client: req.client.clone(),
            method: req.method.clone(),
            url: req.url.clone(),
            sent_at_ms: self.clock_ms,
            hops: rec.hops,
            outcome: Resp::outcome(resp, total),
        }
    }

    /// Send one request with a recorder that keeps nothing (no hop is
    /// built): the same walk as [`World::send`], only the outcome kept.
    pub fn send_unrecorded(&mut self, req: &Request) -> Outcome {
        let mut tb = Recorder::off();
        let resp = self.walk(req, &mut tb);
        Resp::outcome(resp, tb.t_us)
    }

    /// Send a request parsed once by [`World::prepare`], keeping only its
    /// outcome: a burst repeats the same few requests thousands of times.
    pub(crate) fn send_prepared_unrecorded(&mut self, p: &Prepared) -> Outcome {
        let mut tb = Recorder::off();
        let resp = self.walk_prepared(p, &mut tb);
        Resp::outcome(resp, tb.t_us)
    }

    pub(crate) fn walk(&mut self, req: &Request, tb: &mut Recorder) -> Resp {
        match self.prepare(req, tb) {
            Ok(p) => self.walk_prepared(&p, tb),
            Err(r) => r,
        }
    }

    /// Check and parse a request: its client, its URL, its headers.
    pub(crate) fn prepare(&self, req: &Request, tb: &mut Recorder) -> Result<Prepared, Resp> {
        let sc = &self.scenario;
        let Some(ci) = sc.clients.iter().position(|c| c.id == req.client) else {
            return Err(Resp::err(
                None,
                "browser",
                Code::ComponentDown,
                format!("no client named '{}' in this scenario", req.client),
            ));
        };
        let client = &sc.clients[ci];
        // Input the browser itself refuses: nothing leaves the machine.
        let refuse = |tb: &mut Recorder, input: Refusal| {
            let ev = BrowserEvent::Refused { input };
            let e = ev.why();
            tb.hop(|| {
                Step::new(
                    (&client.id, &client.id),
                    Layer::Http,
                    "-",
                    Event::Browser(ev),
                    Verdict::Error,
                    Code::ComponentDown,
                )
            });
            Resp::err(None, &client.id, Code::ComponentDown, e)
        };
        let url = match parse_url(&req.url) {
            Ok(u) => u,
            Err(error) => {
                let url = req.url.clone();
                return Err(refuse(tb, Refusal::Url { url, error }));
            }
        };
        let method = req.method.trim().to_ascii_uppercase();
        if method.is_empty() || method.len() > 20 || !method.bytes().all(|b| b.is_ascii_uppercase())
        {
            let method = req.method.trim().to_string();
            return Err(refuse(tb, Refusal::Method { method }));
        }
        let ctx = super::lb::HttpCtx {
            method: method.as_str().into(),
            host: url.host,
            path: url.path.as_str().into(),
            query: url.query.as_str().into(),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone()))
                .collect(),
            body: req.body.as_str().into(),
            // A browser (or a proxy in front of it) may already send X-Forwarded-For.
            xff: req
                .headers
                .iter()
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("x-forwarded-for"))
                .flat_map(|(_, v)| {
                    v.split(',')
                        .filter_map(|a| a.trim().parse().ok())
                        .collect::<Vec<_>>()
                })
                .collect(),
            client: Some(client.id.as_str().into()),
            client_timeout_s: None,
            revalidate: false,
            plain_http: !url.https,
            port: url.port,
        };
        Ok(Prepared {
            client: ci,
            ctx,
            cache: req.cache,
        })
    }

    /// One request and the redirects the browser follows after it.
    pub(crate) fn walk_prepared(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let mut resp = self.walk_leg(p, tb);
        if resp.location.is_none() {
            return resp;
        }
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client].id;
        let headers: Vec<(String, String)> = p.ctx.headers.to_vec();
        let mut method = p.ctx.method.to_string();
        let mut body = p.ctx.body.to_string();
        let mut followed = 0;
        let mut last = String::new();
        while let (Some(loc), Some(status @ (301 | 302 | 303 | 307 | 308))) =
            (resp.location.take().map(String::from), resp.status)
        {
            if followed == MAX_REDIRECTS {
                let ev = BrowserEvent::TooManyRedirects {
                    status,
                    location: loc,
                    limit: MAX_REDIRECTS as u32,
                };
                let why = ev.why();
                tb.hop(|| {
                    Step::new(
                        (client, client),
                        Layer::Http,
                        "-",
                        Event::Browser(ev),
                        Verdict::Error,
                        Code::TooManyRedirects,
                    )
                });
                return Resp::err(None, client, Code::TooManyRedirects, why);
            }
            followed += 1;
            // Fetch standard: 303 (not HEAD), and 301/302 after a POST, become
            // a GET without a body; 307 and 308 repeat the request as it was.
            let to_get = (status == 303 && method != "HEAD")
                || (matches!(status, 301 | 302) && method == "POST");
            if to_get {
                method = "GET".into();
                body.clear();
            }
            tb.hop(|| {
                Step::new(
                    (client, client),
                    Layer::Http,
                    "-",
                    Event::Browser(BrowserEvent::Redirect {
                        status,
                        method: method.clone(),
                        location: loc.clone(),
                        to_get,
                        followed: followed as u32,
                        limit: MAX_REDIRECTS as u32,
                    }),
                    Verdict::Pass,
                    Code::Delivered,
                )
            });
            let req = Request {
                client: client.clone(),
                method: method.clone(),
                url: loc.clone(),
                headers: headers.clone(),
                body: body.clone(),
                cache: p.cache,
            };
            resp = match self.prepare(&req, tb) {
                Ok(next) => self.walk_leg(&next, tb),
                Err(r) => r,
            };
            last = loc;
        }
        if followed > 0 {
            let s = if followed == 1 { "" } else { "s" };
            resp.summary = format!("{} (after {followed} redirect{s}, to {last})", resp.summary);
        }
        resp
    }

    /// One request, without following a redirect: the browser's HTTP
    /// cache first, then the network.
    fn walk_leg(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let cacheable =
            p.cache == HttpCacheMode::Default && matches!(&*p.ctx.method, "GET" | "HEAD");
        if !cacheable {
            return self.walk_network(p, tb);
        }
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client].id;
        let ctx = &p.ctx;
        let q = if ctx.query.is_empty() { "" } else { "?" };
        let scheme = if ctx.plain_http { "http" } else { "https" };
        let port = ctx.port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}://{}{port}{}{q}{}", ctx.host, ctx.path, ctx.query);
        let key = format!("{client}|{url}");
        let now = self.clock_ms;
        if let Some(e) = self
            .browser
            .http_cache
            .get(&key)
            .filter(|e| e.expires_at_ms > now)
        {
            let left = (e.expires_at_ms - now).div_ceil(1000);
            let age = (now - e.stored_at_ms) / 1000;
            tb.hop(|| {
                Step::new(
                    (client, client),
                    Layer::Cache,
                    "-",
                    Event::Browser(BrowserEvent::CacheHit {
                        url,
                        age_s: age,
                        fresh_s: left,
                    }),
                    Verdict::Pass,
                    Code::BrowserCacheHit,
                )
            });
            return Resp {
                code: Code::BrowserCacheHit,
                ..Resp::ok(200, client, "from the browser's HTTP cache".into())
            };
        }
        let resp = self.walk_network(p, tb);
        match (resp.status, resp.browser_fresh_s) {
            (Some(200), Some(fresh)) if fresh > 0 && &*p.ctx.method == "GET" => {
                self.browser.http_cache.insert(
                    key,
                    HttpCacheEntry {
                        stored_at_ms: now,
                        expires_at_ms: now + fresh as u64 * 1000,
                    },
                );
            }
            _ => {}
        }
        resp
    }

    /// One request over the network.
    fn walk_network(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client];
        let ctx = &p.ctx;
        let ips = match self.resolve_for_client(client, &ctx.host, tb) {
            Ok(ips) => ips,
            Err(r) => return r,
        };
        let ip = ips[self.rng.index(ips.len())];
        // Who owns this address?
        if let Some(pop) = sc.cdn.pops.iter().find(|p| p.ip == ip) {
            if let Some(port) = ctx.port.filter(|p| !matches!(p, 80 | 443)) {
                return browser_gives_up(
                    tb,
                    (&client.id, &sc.cdn.id),
                    (pop.ip, port),
                    GiveUp::CloudFrontPort {
                        city: pop.city.clone(),
                    },
                    BrowserEvent::why,
                );
            }
            return self.cloudfront_request(client, pop, !ctx.plain_http, ctx, tb);
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
            return self.alb_request_ctx(
                ri,
                &c.id,
                c.ip,
                c.os,
                rtt,
                (1, BROWSER_CONNECT_TIMEOUT_S),
                ctx,
                tb,
            );
        }
        browser_gives_up(
            tb,
            (&client.id, &client.id),
            (ip, 443),
            GiveUp::NoServer,
            |_| format!("no server at {ip}"),
        )
    }

    // ------------------------------------------------------------ inspection

    /// What a learner sees about a component: fields of its configuration
    /// and its live state, rendered as label/value pairs.
    pub fn inspect(&self, node: &str) -> Vec<(String, String)> {
        super::inspect::inspect(self, node)
    }
}

pub(crate) fn code_or(c: &Connect) -> Code {
    match c {
        Connect::Dropped(code) => *code,
        Connect::Silent => Code::ComponentDown,
        Connect::Ok => Code::Delivered,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_without_a_scheme_are_refused() {
        assert!(parse_url("healthcareapp.com/api").is_err());
        let u = parse_url("https://HealthcareApp.com/api/x?q=1").unwrap();
        assert_eq!(u.host, "healthcareapp.com");
        assert_eq!(u.path, "/api/x");
        assert_eq!(u.query, "q=1");
        assert_eq!(u.port, None);
        assert_eq!(parse_url("https://a.com:443/").unwrap().port, None);
        assert_eq!(parse_url("https://a.com:8443/").unwrap().port, Some(8443));
        assert_eq!(parse_url("http://a.com:443/").unwrap().port, Some(443));
        for bad in [
            "https://a.com:/",
            "https://a.com:0/",
            "https://a.com:70000/",
            "https://a.com:x/",
        ] {
            assert!(parse_url(bad).err() == Some(UrlError::BadPort), "{bad}");
        }
    }
}
