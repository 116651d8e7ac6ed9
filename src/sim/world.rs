//! The world: a scenario plus its runtime state (DNS caches, health-check
//! histories, target health, the CDN cache, the clock and the seeded RNG).
//!
//! The world's parts live beside it: the request a browser sends
//! (`request.rs`), the browser's walk with its HTTP cache and redirects
//! (`browser.rs`), the clock and its scheduled work (`clock.rs`).
//! `apply_edit` and `set_fault` change the world between requests.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::dns::DnsCache;
use super::rng::Rng;
use super::scenario::*;

pub use super::browser::{BrowserState, HttpCacheEntry, BROWSER_CONNECT_TIMEOUT_S, MAX_REDIRECTS};
pub use super::event::browser::UrlError;
pub use super::request::{HttpCacheMode, Request, DEFAULT_CLIENT, DEFAULT_URL};
pub(crate) use super::request::{Prepared, Resp};
pub(crate) use super::time::us;
pub(crate) use super::vpc::{code_or, Connect, Endpoint};

/// Something a learner can break. AZ names are unique across regions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
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
    /// Registered after the world started, and not yet through its first
    /// passed health check: it gets no traffic. Fact sheet §8.
    Initial,
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
    /// For a cached error: the explanation code of what went wrong when it
    /// was stored, so a hit on it can still say why.
    #[serde(default)]
    pub cause: Option<crate::sim::trace::Code>,
}

/// Something that happened on the clock (a health check flipped, a failover).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldEvent {
    pub at_ms: u64,
    pub source: String,
    pub text: String,
}

/// How many events the world's log keeps (the newest): a check that flaps
/// for years must not grow it without end.
pub const MAX_EVENTS: usize = 500;

/// How many recent results a health-check history keeps.
pub const HISTORY_LEN: usize = 12;
/// How long the app waits for a database connection before answering 500.
pub const APP_DB_CONNECT_TIMEOUT_S: u64 = 5;
/// The ALB's connection timeout to a target (504 after it). Fact sheet §8.
pub const ALB_TARGET_CONNECT_TIMEOUT_S: u64 = 10;

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
    /// Open connections on every hop and TLS session tickets (§26).
    #[serde(default)]
    pub(crate) conn: super::conn::ConnState,
    /// NLBs: each target's health as its target group records it (§9).
    #[serde(default)]
    pub(crate) nlb: super::nlb::NlbState,
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

impl World {
    pub fn new(mut scenario: Scenario, seed: u64) -> Result<World, String> {
        // CIDRs as AWS stores them (fact sheet §10); from_json says so.
        scenario.normalise();
        scenario.validate()?;
        // The load balancer controller follows the Ingress (fact sheet §14).
        if !scenario.reconcile_ingresses().is_empty() {
            scenario.validate()?;
        }
        Ok(World::built(scenario, seed))
    }

    /// The default world: `new` of the built-in scenario, without running
    /// the checks a built-in scenario always passes (the tests run them:
    /// `the_default_world_is_the_checked_default_scenario`), so the page's
    /// first download needs no scenario checks.
    pub fn default_world() -> World {
        World::default_seeded(1)
    }

    /// [`World::default_world`] with another seed (a lesson's).
    pub fn default_seeded(seed: u64) -> World {
        let mut scenario = super::defaults::default_scenario();
        scenario.normalise();
        scenario.reconcile_ingresses();
        World::built(scenario, seed)
    }

    /// A world of a checked, normalised scenario at time 0.
    fn built(scenario: Scenario, seed: u64) -> World {
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
            conn: Default::default(),
            nlb: Default::default(),
        };
        w.init_runtime();
        w
    }

    pub(crate) fn init_runtime(&mut self) {
        self.init_r53_checks();
        // A target registered once the world runs starts in `initial`;
        // the world's first targets start healthy. Fact sheet §8.
        let new_state = if self.alb.started {
            TargetState::Initial
        } else {
            TargetState::Healthy
        };
        for r in &self.scenario.regions {
            for p in &r.cluster.pods {
                // The pod's own target group's interval (fact sheet §8).
                let interval = crate::sim::alb::health::home_group(r, &p.id)
                    .map(|t| t.health_interval_s)
                    .unwrap_or(15);
                self.alb
                    .targets
                    .entry(p.id.clone())
                    .or_insert(TargetHealth {
                        state: new_state,
                        consecutive_failures: 0,
                        consecutive_successes: 0,
                        reason: crate::sim::alb::first_reason(new_state).into(),
                        next_due_ms: self.clock_ms + interval as u64 * 1000,
                    });
            }
            // A primary an edit removed (an Aurora Replica promoted, then
            // deleted) gives way to the first instance.
            let primary = self.rds.primary.get(&r.id);
            if !primary.is_some_and(|p| r.rds.instances.iter().any(|i| i.id == *p)) {
                self.rds
                    .primary
                    .insert(r.id.clone(), r.rds.instances[0].id.clone());
            }
        }
        self.init_k8s_runtime();
        self.init_nlb_runtime();
        self.alb.started = true;
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
    /// A browser closes every idle connection it holds (Chrome's "Close
    /// idle sockets" in chrome://net-internals): its next request to each
    /// host opens a new one. Its TLS session tickets stay. Fact sheet §26.
    pub fn close_idle_connections(&mut self, client: &str) {
        for hop in ["v|", "o|", "n|"] {
            self.conn.close_where(&format!("{hop}{client}|"));
        }
    }
    pub fn faults(&self) -> &BTreeSet<Fault> {
        &self.faults
    }
    pub fn events(&self) -> &[WorldEvent] {
        &self.events
    }
    /// Drop the oldest events beyond [`MAX_EVENTS`].
    pub(crate) fn trim_events(&mut self) {
        if self.events.len() > MAX_EVENTS {
            let extra = self.events.len() - MAX_EVENTS;
            self.events.drain(..extra);
        }
    }
    /// One owner's DNS cache (a browser's, an OS's, a resolver's, an edge's).
    pub fn dns_cache(&self, owner: crate::sim::dns::CacheOwner) -> Option<&DnsCache> {
        self.dns.get(owner)
    }
    /// Every DNS cache, by kind of owner (`DnsState::all` lists them).
    pub fn dns_caches(&self) -> &crate::sim::dns::DnsState {
        &self.dns
    }
    pub fn health(&self, id: &str) -> Option<&HealthState> {
        self.route53.health.get(id)
    }
    /// The ALBs' runtime state: target health, draining, slow start.
    pub fn alb_state(&self) -> &super::lb::AlbState {
        &self.alb
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
        self.trim_events();
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

    /// What a learner sees about a component: fields of its configuration
    /// and its live state, rendered as label/value pairs.
    pub fn inspect(&self, node: &str) -> Vec<(String, String)> {
        super::inspect::inspect(self, node)
    }
}
