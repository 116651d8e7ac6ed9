//! The world's live state as data: what the `inspect` script step prints
//! and the app's inspector shows. Health checks with each checker Region's
//! view and the recent results, target health per target group, Service
//! endpoints and readiness, cache entries with the time they have left,
//! WAF's rate counters, and the clock's recent and next events.

use serde::{Deserialize, Serialize};

use crate::sim::clock::Scheduled;
use crate::sim::dns::CacheOwner;
use crate::sim::event::alb::TargetStatus;
use crate::sim::world::{World, WorldEvent};

/// How many recent events and upcoming rounds the live state lists.
pub const LIVE_EVENTS: usize = 10;

/// Everything that changes on its own or with traffic, at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    pub clock_ms: u64,
    pub health_checks: Vec<HealthCheckLive>,
    pub target_groups: Vec<TargetGroupLive>,
    pub services: Vec<ServiceLive>,
    pub pods: Vec<PodLive>,
    pub caches: Vec<CacheEntryLive>,
    pub waf: Vec<WafCounterLive>,
    /// The newest events on the clock, oldest first.
    pub recent_events: Vec<WorldEvent>,
    /// The next rounds on the clock, soonest first.
    pub scheduled: Vec<ScheduledLive>,
    /// Connections open now, each hop's own (fact sheet §26).
    #[serde(default)]
    pub connections: Vec<ConnectionLive>,
    /// Each HorizontalPodAutoscaler: current and desired replicas and the
    /// CPU it measured. Fact sheet §28.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub autoscalers: Vec<HpaLive>,
    /// Each region's database: its deployment, its writer now, and every
    /// endpoint with what it reaches. Fact sheet §15, §29.
    #[serde(default)]
    pub databases: Vec<DatabaseLive>,
}

/// One HorizontalPodAutoscaler's state. Fact sheet §28.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HpaLive {
    pub region: String,
    pub app: String,
    pub current: u32,
    pub desired: u32,
    pub min: u32,
    pub max: u32,
    pub target_cpu_percent: u32,
    /// None: no CPU measured (no request, off, or no round yet).
    pub cpu_percent: Option<u32>,
    pub idle: crate::sim::hpa::HpaIdle,
    pub next_round_ms: u64,
}

fn autoscalers(w: &World) -> Vec<HpaLive> {
    let mut out = Vec::new();
    for r in &w.scenario().regions {
        for a in &r.cluster.autoscalers {
            let Some(st) = w.k8s.hpa.get(&format!("{}/{}", r.id, a.app)) else {
                continue;
            };
            out.push(HpaLive {
                region: r.id.clone(),
                app: a.app.clone(),
                current: r.cluster.pods.iter().filter(|p| p.app == a.app).count() as u32,
                desired: st.desired,
                min: a.min_replicas,
                max: a.max_replicas,
                target_cpu_percent: a.target_cpu_percent,
                cpu_percent: st.cpu_percent,
                idle: st.idle,
                next_round_ms: st.next_due_ms,
            });
        }
    }
    out
}

/// One region's database as it is now. Fact sheet §15, §29.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseLive {
    pub region: String,
    pub id: String,
    pub deployment: crate::sim::scenario::DbDeployment,
    /// The instance that is the primary (writer) now.
    pub primary: String,
    pub endpoints: Vec<crate::sim::db::DbEndpoint>,
    pub publicly_accessible: bool,
}

fn databases(w: &World) -> Vec<DatabaseLive> {
    w.scenario()
        .regions
        .iter()
        .map(|r| DatabaseLive {
            region: r.id.clone(),
            id: r.rds.id.clone(),
            deployment: r.rds.deployment,
            primary: w.rds_primary(&r.id).unwrap_or_default().to_string(),
            endpoints: w.db_endpoints(&r.id),
            publicly_accessible: r.rds.publicly_accessible,
        })
        .collect()
}

/// One open connection: who holds it open to whom, since when, and how
/// long it has been idle. Fact sheet §26.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionLive {
    /// `browser_edge` (a browser to a CloudFront edge),
    /// `to_load_balancer` (CloudFront or a browser to an ALB node),
    /// `to_nlb` (a browser to a Network Load Balancer's node) or
    /// `alb_target` (an ALB node to a target) or `pod_database` (the
    /// application's pooled connection to the database: `writer` or a
    /// replica, with the instance's address).
    pub hop: String,
    pub from: String,
    pub to: String,
    pub src_port: u16,
    pub served: u32,
    pub opened_ms: u64,
    pub idle_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::sim::conn::TlsVersion>,
}

fn connections(w: &World) -> Vec<ConnectionLive> {
    let now = w.now_ms();
    w.conn
        .pools
        .iter()
        .filter_map(|(k, p)| {
            let parts: Vec<&str> = k.split('|').collect();
            let (hop, from, to) = match parts.as_slice() {
                ["v", client, host, port, pop] => (
                    "browser_edge",
                    client.to_string(),
                    format!("{host}:{port} at {pop}"),
                ),
                ["o", sender, ip, alb] => (
                    "to_load_balancer",
                    format!("{sender} ({ip})"),
                    alb.to_string(),
                ),
                ["n", client, ip, nlb, scheme, host, port] => (
                    "to_nlb",
                    format!("{client} ({ip})"),
                    format!("{nlb} ({scheme}://{host}:{port})"),
                ),
                ["t", alb, subnet, target] => (
                    "alb_target",
                    format!("{alb} ({subnet})"),
                    target.to_string(),
                ),
                ["d", _region, pod, to] => (
                    "pod_database",
                    pod.to_string(),
                    match p.peer {
                        Some(ip) => format!("{to} ({ip})"),
                        None => to.to_string(),
                    },
                ),
                _ => return None,
            };
            Some(ConnectionLive {
                hop: hop.into(),
                from,
                to,
                src_port: p.src_port,
                served: p.served,
                opened_ms: p.opened_ms,
                idle_ms: now.saturating_sub(p.last_used_ms),
                tls: p.tls,
            })
        })
        .collect()
}

/// A Route 53 health check: Route 53's verdict, each checker Region's own
/// view, and the recent rounds. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheckLive {
    pub id: String,
    pub healthy: bool,
    /// Why, in words (`hc-a UNHEALTHY (3 of 3 consecutive failures)`).
    pub status: String,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub next_due_ms: Option<u64>,
    pub checkers: Vec<CheckerLive>,
    pub history: Vec<RoundLive>,
    /// What the checkers send and where, in words. Fact sheet §4.
    #[serde(default)]
    pub probe: String,
    /// The check's type; none for a calculated check.
    #[serde(default)]
    pub check_type: Option<crate::sim::scenario::CheckType>,
    #[serde(default)]
    pub inverted: bool,
    /// A disabled check counts as healthy. Fact sheet §4.
    #[serde(default)]
    pub disabled: bool,
    /// The check probes something other than HTTPS on port 443 of its
    /// region's ALB (the text view then names its probe).
    #[serde(default)]
    pub own_probe: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckerLive {
    pub region: String,
    pub healthy: bool,
    pub last_ok: bool,
    /// This checker's recent results, oldest first (true = passed).
    pub recent: Vec<bool>,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundLive {
    pub at_ms: u64,
    pub ok: bool,
    pub text: String,
}

/// One target group's targets as the ALB sees them. Fact sheet §8.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupLive {
    pub region: String,
    pub id: String,
    pub targets: Vec<TargetLive>,
    /// The group's health-check settings. Fact sheet §8.
    #[serde(default)]
    pub health_check: Option<TgHealthCheckLive>,
}

/// A target group's health check as the ALB runs it. Fact sheet §8.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgHealthCheckLive {
    pub protocol: crate::sim::scenario::HealthProtocol,
    /// None: `traffic-port`.
    pub port: Option<u16>,
    pub path: String,
    pub matcher: String,
    pub timeout_s: u32,
    pub interval_s: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetLive {
    pub id: String,
    pub status: TargetStatus,
    pub reason: String,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub next_due_ms: u64,
    /// The Host header the ALB's health check sends this target: its
    /// private IP and the check's port. Fact sheet §8.
    #[serde(default)]
    pub check_host: String,
}

/// A Kubernetes Service: its ready endpoints and the pods it selects that
/// are not ready.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceLive {
    pub region: String,
    pub id: String,
    pub endpoints: Vec<String>,
    pub not_ready: Vec<String>,
}

/// A pod's readiness and liveness as the kubelet counts them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PodLive {
    pub region: String,
    pub id: String,
    pub ready: bool,
    pub consecutive_failures: u32,
    pub liveness_failures: u32,
    pub restarts: u32,
    pub next_probe_ms: u64,
}

/// Which cache an entry sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheKind {
    /// A browser's DNS cache.
    BrowserDns,
    /// An operating system's DNS cache.
    OsDns,
    /// A recursive resolver's cache.
    Resolver,
    /// CloudFront's resolver at an edge location.
    EdgeDns,
    /// A browser's HTTP cache.
    BrowserHttp,
    /// CloudFront's cache.
    Cloudfront,
}

impl CacheKind {
    /// The cache's name in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            CacheKind::BrowserDns => "browser DNS",
            CacheKind::OsDns => "OS DNS",
            CacheKind::Resolver => "resolver",
            CacheKind::EdgeDns => "CloudFront resolver",
            CacheKind::BrowserHttp => "browser HTTP",
            CacheKind::Cloudfront => "CloudFront",
        }
    }
}

/// One live cache entry and the time it has left.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheEntryLive {
    pub cache: CacheKind,
    /// The client, resolver or edge location holding it ("" for CloudFront).
    pub owner: String,
    /// The name or URL it answers for.
    pub key: String,
    /// What it holds (addresses, a negative answer, an HTTP status).
    pub value: String,
    pub ttl_left_s: u64,
    pub ttl_s: u64,
}

/// Requests a rate-based rule counts for one address in its window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WafCounterLive {
    pub web_acl: String,
    pub rule: String,
    pub address: String,
    pub count: u64,
}

/// A round due on the clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledLive {
    pub at_ms: u64,
    pub work: String,
    pub id: String,
}

fn left_s(expires_at_ms: u64, now: u64) -> u64 {
    expires_at_ms.saturating_sub(now).div_ceil(1000)
}

fn health_checks(w: &World) -> Vec<HealthCheckLive> {
    w.scenario()
        .dns
        .health_checks
        .iter()
        .map(|hc| {
            let status = w.check_state(&hc.id);
            let st = w.health(&hc.id);
            HealthCheckLive {
                id: hc.id.clone(),
                healthy: status.healthy(),
                status: status.to_string(),
                consecutive_failures: st.map_or(0, |s| s.consecutive_failures),
                consecutive_successes: st.map_or(0, |s| s.consecutive_successes),
                next_due_ms: st.map(|s| s.next_due_ms),
                checkers: w
                    .health_checkers(&hc.id)
                    .iter()
                    .map(|c| CheckerLive {
                        region: c.region.clone(),
                        healthy: c.healthy,
                        last_ok: c.last_ok,
                        recent: c.recent_results(),
                        consecutive_failures: c.consecutive_failures,
                        consecutive_successes: c.consecutive_successes,
                    })
                    .collect(),
                history: st
                    .map(|s| &s.history[..])
                    .unwrap_or(&[])
                    .iter()
                    .map(|(at_ms, ok, text)| RoundLive {
                        at_ms: *at_ms,
                        ok: *ok,
                        text: text.clone(),
                    })
                    .collect(),
                probe: w.probe_text(hc),
                check_type: hc.calculated.is_none().then_some(hc.check_type),
                inverted: hc.inverted,
                disabled: hc.disabled,
                own_probe: hc.calculated.is_none()
                    && !(hc.probes_region_alb_https() && hc.port == 443),
            }
        })
        .collect()
}

/// `Host: <target private IP>:<port>`, as the ALB's health check sends it
/// (a server that serves only named virtual hosts may answer it 404).
/// Fact sheet §8.
pub fn check_host(
    r: &crate::sim::scenario::Region,
    tg: &crate::sim::scenario::TargetGroup,
    id: &str,
) -> String {
    let (subnet, host, traffic) = match r.cluster.pods.iter().find(|p| p.id == id) {
        Some(p) => (&p.subnet, p.host, tg.port),
        None => match r.cluster.nodes.iter().find(|n| n.id == id) {
            Some(n) => (&n.subnet, n.host, tg.node_port),
            None => return String::new(),
        },
    };
    r.vpc
        .subnet(subnet)
        .and_then(|s| s.host(host))
        .map(|ip| format!("{ip}:{}", tg.check_port(traffic)))
        .unwrap_or_default()
}

fn target_groups(w: &World) -> Vec<TargetGroupLive> {
    let now = w.now_ms();
    let mut out = Vec::new();
    for r in &w.scenario().regions {
        for tg in &r.alb.target_groups {
            let ids: Vec<&str> = match tg.target_type {
                // Created at the load balancer: nothing registered.
                _ if !tg.bound() => Vec::new(),
                crate::sim::scenario::TargetType::Ip => {
                    let app = r.cluster.services.iter().find(|s| s.id == tg.service);
                    r.cluster
                        .pods
                        .iter()
                        .filter(|p| app.is_none_or(|s| s.app == p.app))
                        .map(|p| p.id.as_str())
                        .collect()
                }
                crate::sim::scenario::TargetType::Instance => {
                    r.cluster.nodes.iter().map(|n| n.id.as_str()).collect()
                }
            };
            let targets = ids
                .into_iter()
                .filter_map(|id| {
                    let h = w.target_health(id)?;
                    Some(TargetLive {
                        id: id.to_string(),
                        status: w.alb.status(id, now),
                        reason: h.reason.clone(),
                        consecutive_failures: h.consecutive_failures,
                        consecutive_successes: h.consecutive_successes,
                        next_due_ms: h.next_due_ms,
                        check_host: check_host(r, tg, id),
                    })
                })
                .collect();
            out.push(TargetGroupLive {
                region: r.id.clone(),
                id: tg.id.clone(),
                targets,
                health_check: Some(TgHealthCheckLive {
                    protocol: tg.health_protocol,
                    port: tg.health_port,
                    path: tg.health_path.clone(),
                    matcher: tg.matcher.clone(),
                    timeout_s: tg.health_timeout_s,
                    interval_s: tg.health_interval_s,
                    healthy_threshold: tg.healthy_threshold,
                    unhealthy_threshold: tg.unhealthy_threshold,
                }),
            });
        }
    }
    out
}

fn services_and_pods(w: &World) -> (Vec<ServiceLive>, Vec<PodLive>) {
    let (mut services, mut pods) = (Vec::new(), Vec::new());
    for r in &w.scenario().regions {
        for svc in &r.cluster.services {
            let selected = r.cluster.pods.iter().filter(|p| p.app == svc.app);
            let (ready, not): (Vec<_>, Vec<_>) = selected.partition(|p| w.k8s.ready(&p.id));
            services.push(ServiceLive {
                region: r.id.clone(),
                id: svc.id.clone(),
                endpoints: ready.iter().map(|p| p.id.clone()).collect(),
                not_ready: not.iter().map(|p| p.id.clone()).collect(),
            });
        }
        for p in &r.cluster.pods {
            if let Some(st) = w.k8s.probes.get(&p.id) {
                pods.push(PodLive {
                    region: r.id.clone(),
                    id: p.id.clone(),
                    ready: st.ready,
                    consecutive_failures: st.consecutive_failures,
                    liveness_failures: st.liveness_failures,
                    restarts: st.restarts,
                    next_probe_ms: st.next_due_ms,
                });
            }
        }
    }
    (services, pods)
}

fn caches(w: &World) -> Vec<CacheEntryLive> {
    let now = w.now_ms();
    let mut out = Vec::new();
    for (owner, cache) in w.dns_caches().all() {
        let kind = match owner {
            CacheOwner::Browser(_) => CacheKind::BrowserDns,
            CacheOwner::Os(_) => CacheKind::OsDns,
            CacheOwner::Resolver(_) => CacheKind::Resolver,
            CacheOwner::Edge(_) => CacheKind::EdgeDns,
        };
        for e in cache.live(now) {
            out.push(CacheEntryLive {
                cache: kind,
                owner: owner.id().to_string(),
                key: e.key(),
                value: e.describe(),
                ttl_left_s: left_s(e.expires_at_ms, now),
                ttl_s: e.ttl_s as u64,
            });
        }
    }
    for (key, e) in w.http_cache() {
        if e.expires_at_ms > now {
            let (client, url) = key.split_once('|').unwrap_or(("", key));
            out.push(CacheEntryLive {
                cache: CacheKind::BrowserHttp,
                owner: client.to_string(),
                key: url.to_string(),
                value: "HTTP 200".into(),
                ttl_left_s: left_s(e.expires_at_ms, now),
                ttl_s: (e.expires_at_ms - e.stored_at_ms) / 1000,
            });
        }
    }
    for (key, e) in w.cdn_cache() {
        if e.expires_at_ms > now {
            out.push(CacheEntryLive {
                cache: CacheKind::Cloudfront,
                owner: String::new(),
                key: key.clone(),
                value: format!("HTTP {}", e.status),
                ttl_left_s: left_s(e.expires_at_ms, now),
                ttl_s: (e.expires_at_ms - e.stored_at_ms) / 1000,
            });
        }
    }
    out
}

fn waf_counters(w: &World) -> Vec<WafCounterLive> {
    let mut out = Vec::new();
    for (acl, rules) in &w.waf.hits {
        for (rule, window) in rules {
            for (ip, hits) in window {
                if !hits.is_empty() {
                    out.push(WafCounterLive {
                        web_acl: acl.clone(),
                        rule: rule.clone(),
                        address: ip.to_string(),
                        count: hits.len() as u64,
                    });
                }
            }
        }
    }
    out
}

fn scheduled(w: &World) -> Vec<ScheduledLive> {
    let mut all: Vec<(u64, Scheduled, &str)> = Vec::new();
    all.extend(
        w.route53
            .health
            .iter()
            .map(|(id, h)| (h.next_due_ms, Scheduled::Route53Check, id.as_str())),
    );
    all.extend(
        w.alb
            .targets
            .iter()
            .map(|(id, h)| (h.next_due_ms, Scheduled::TargetCheck, id.as_str())),
    );
    all.extend(
        w.nlb
            .targets
            .iter()
            .map(|(id, h)| (h.next_due_ms, Scheduled::NlbTargetCheck, id.as_str())),
    );
    all.extend(
        w.rds
            .failover_due
            .iter()
            .map(|(id, t)| (*t, Scheduled::RdsFailover, id.as_str())),
    );
    all.extend(
        w.k8s
            .probes
            .iter()
            .map(|(id, p)| (p.next_due_ms, Scheduled::ReadinessProbe, id.as_str())),
    );
    all.sort();
    all.into_iter()
        .take(LIVE_EVENTS)
        .map(|(at_ms, work, id)| ScheduledLive {
            at_ms,
            work: work.label().to_string(),
            id: id.to_string(),
        })
        .collect()
}

impl World {
    /// The world's live state now (see [`LiveState`]).
    pub fn live_state(&self) -> LiveState {
        let (services, pods) = services_and_pods(self);
        let ev = self.events();
        LiveState {
            clock_ms: self.now_ms(),
            health_checks: health_checks(self),
            target_groups: target_groups(self),
            services,
            pods,
            caches: caches(self),
            waf: waf_counters(self),
            recent_events: ev[ev.len().saturating_sub(LIVE_EVENTS)..].to_vec(),
            scheduled: scheduled(self),
            connections: connections(self),
            autoscalers: autoscalers(self),
            databases: databases(self),
        }
    }
}

impl LiveState {
    /// The live state as text, one section per kind, one line per item.
    pub fn render_text(&self) -> String {
        use crate::sim::time::fmt_clock;
        let mut o = format!("live state at {}\n", fmt_clock(self.clock_ms));
        let due = |ms: u64| format!("next at {}", fmt_clock(ms));
        o.push_str("  Route 53 health checks:\n");
        for h in &self.health_checks {
            o.push_str(&format!("    {}\n", h.status));
            // The probe of a check other than HTTPS to its region's ALB.
            if h.own_probe {
                o.push_str(&format!("      probe: {}\n", h.probe));
            }
            let up = h.checkers.iter().filter(|c| c.healthy).count();
            if !h.checkers.is_empty() {
                let down: Vec<&str> = h
                    .checkers
                    .iter()
                    .filter(|c| !c.healthy)
                    .map(|c| c.region.as_str())
                    .collect();
                o.push_str(&format!(
                    "      checkers: {up} of {} report healthy{}\n",
                    h.checkers.len(),
                    if down.is_empty() {
                        String::new()
                    } else {
                        format!(" (unhealthy in {})", down.join(", "))
                    }
                ));
            }
            for c in h.checkers.iter().filter(|c| c.recent.contains(&false)) {
                let marks: String = c
                    .recent
                    .iter()
                    .map(|ok| if *ok { '+' } else { '-' })
                    .collect();
                o.push_str(&format!(
                    "      {} recent (oldest first): {marks}\n",
                    c.region
                ));
            }
            for r in h.history.iter().rev().take(3) {
                let mark = if r.ok { "pass" } else { "fail" };
                o.push_str(&format!(
                    "      {} {mark}: {}\n",
                    fmt_clock(r.at_ms),
                    r.text
                ));
            }
        }
        o.push_str("  target health:\n");
        for tg in &self.target_groups {
            for t in &tg.targets {
                o.push_str(&format!(
                    "    {} ({}) {}: {} ({}), {}\n",
                    tg.id,
                    tg.region,
                    t.id,
                    t.status.as_str(),
                    t.reason,
                    due(t.next_due_ms)
                ));
            }
        }
        o.push_str("  Service endpoints:\n");
        for s in &self.services {
            o.push_str(&format!(
                "    {} ({}): ready [{}], not ready [{}]\n",
                s.id,
                s.region,
                s.endpoints.join(", "),
                s.not_ready.join(", ")
            ));
        }
        for p in self.pods.iter().filter(|p| !p.ready || p.restarts > 0) {
            o.push_str(&format!(
                "    pod {}: {}, {} failed probes, {} restarts\n",
                p.id,
                if p.ready { "ready" } else { "not ready" },
                p.consecutive_failures,
                p.restarts
            ));
        }
        for h in &self.autoscalers {
            o.push_str(&format!(
                "  HPA {} ({}): {} pods, desired {} ({}-{}), CPU {} of target {} %{}\n",
                h.app,
                h.region,
                h.current,
                h.desired,
                h.min,
                h.max,
                h.cpu_percent
                    .map_or("not measured".to_string(), |c| format!("{c} %")),
                h.target_cpu_percent,
                match h.idle {
                    crate::sim::hpa::HpaIdle::Active => "",
                    crate::sim::hpa::HpaIdle::Disabled => ", off",
                    crate::sim::hpa::HpaIdle::NoCpuRequest => ", no CPU request: no action",
                    crate::sim::hpa::HpaIdle::NoPods => ", no pods: not acting",
                }
            ));
        }
        o.push_str(&format!("  cache entries: {}\n", self.caches.len()));
        for c in &self.caches {
            let owner = if c.owner.is_empty() {
                String::new()
            } else {
                format!(" {}", c.owner)
            };
            o.push_str(&format!(
                "    {}{owner} {}: {} ({} s left of {})\n",
                c.cache.label(),
                c.key,
                c.value,
                c.ttl_left_s,
                c.ttl_s
            ));
        }
        o.push_str("  WAF rate counters:\n");
        for c in &self.waf {
            o.push_str(&format!(
                "    {} {} {}: {} in the window\n",
                c.web_acl, c.rule, c.address, c.count
            ));
        }
        o.push_str("  recent events:\n");
        for e in &self.recent_events {
            o.push_str(&format!(
                "    {} {}: {}\n",
                fmt_clock(e.at_ms),
                e.source,
                e.text
            ));
        }
        o.push_str("  next on the clock:\n");
        for s in &self.scheduled {
            o.push_str(&format!("    {} {} {}\n", fmt_clock(s.at_ms), s.work, s.id));
        }
        o.push_str("  open connections:\n");
        for c in &self.connections {
            o.push_str(&format!(
                "    {} -> {} from port {}: {} request(s), idle {}\n",
                c.from,
                c.to,
                c.src_port,
                c.served,
                crate::sim::event::cdn::idle_text(c.idle_ms)
            ));
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::{Fault, Request, DEFAULT_CLIENT, DEFAULT_URL};

    fn crashed_world() -> World {
        let mut w = World::default_world();
        w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
            true,
        );
        w.advance(60_000);
        w
    }

    #[test]
    fn a_crashed_pod_shows_as_an_unready_endpoint_and_a_target_out_of_service() {
        let live = crashed_world().live_state();
        let svc = live
            .services
            .iter()
            .find(|s| s.id == "svc-a")
            .expect("svc-a");
        assert_eq!(svc.not_ready, vec!["pod-a-1".to_string()]);
        assert!(!svc.endpoints.contains(&"pod-a-1".to_string()));
        let t = live
            .target_groups
            .iter()
            .flat_map(|g| &g.targets)
            .find(|t| t.id == "pod-a-1")
            .expect("pod-a-1 is a target");
        // Unready pods are deregistered and drain (fact sheet §8, §14).
        assert_eq!(t.status, TargetStatus::Draining);
        assert!(t.consecutive_failures >= 2);
        let pod = live.pods.iter().find(|p| p.id == "pod-a-1").expect("pod");
        assert!(!pod.ready);
        assert!(live
            .recent_events
            .iter()
            .any(|e| e.source.contains("pod-a-1")));
    }

    #[test]
    fn health_checks_list_every_checker_region_and_their_recent_rounds() {
        let live = crashed_world().live_state();
        let hc = live
            .health_checks
            .iter()
            .find(|h| h.id == "hc-cluster-a")
            .expect("hc-cluster-a");
        // Eight checker Regions by default, a round every 30 s (fact sheet §4).
        assert_eq!(hc.checkers.len(), 8);
        assert_eq!(hc.history.len(), 2);
        assert!(hc.healthy && hc.history.iter().all(|r| r.ok));
        assert!(hc.checkers.iter().all(|c| c.recent == vec![true, true]));
        assert_eq!(hc.next_due_ms, Some(90_000));
    }

    #[test]
    fn each_checker_region_keeps_its_own_recent_results() {
        let mut w = World::default_world();
        w.set_fault(
            Fault::RegionDown {
                region: "us-east-1".into(),
            },
            true,
        );
        w.advance(24 * 3_600_000);
        let live = w.live_state();
        let hc = live
            .health_checks
            .iter()
            .find(|h| h.id == "hc-cluster-b")
            .expect("hc-cluster-b");
        // The checker in a Region that is down reports failure (fact sheet §4).
        for c in &hc.checkers {
            let want = c.region != "us-east-1";
            assert_eq!(c.recent.len(), 16, "{c:?}");
            assert!(c.recent.iter().all(|ok| *ok == want), "{c:?}");
        }
        assert!(live
            .render_text()
            .contains("us-east-1 recent (oldest first): ----"));
    }

    #[test]
    fn cache_entries_carry_the_ttl_they_have_left() {
        let mut w = World::default_world();
        w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        w.advance(10_000);
        let live = w.live_state();
        assert!(live.caches.iter().any(|c| c.cache == CacheKind::BrowserDns));
        assert!(live.caches.iter().any(|c| c.cache == CacheKind::Resolver));
        for c in &live.caches {
            assert!(c.ttl_left_s <= c.ttl_s, "{c:?}");
            assert!(c.ttl_left_s > 0, "{c:?}");
        }
        assert!(!live.waf.is_empty(), "the default web ACL counts requests");
    }

    #[test]
    fn the_next_rounds_on_the_clock_come_soonest_first() {
        let live = World::default_world().live_state();
        assert_eq!(live.scheduled.len(), LIVE_EVENTS);
        assert!(live.scheduled.windows(2).all(|p| p[0].at_ms <= p[1].at_ms));
    }

    #[test]
    fn looking_at_the_live_state_changes_nothing() {
        let w = crashed_world();
        let before = w.clone();
        let text = w.live_state().render_text();
        assert!(text.contains("pod-a-1"));
        assert!(w == before);
    }
}
