//! Where the milliseconds went: a trace's time cut into phases (DNS, TCP,
//! TLS, the edge, the origin, the application, the database, the response),
//! each on the link it crossed (the viewer's, CloudFront's to the origin,
//! the ALB's to a target, the pod's to its database, the internet).
//!
//! Derived only from the trace's typed hops: hop `i` lasts from its `t_us`
//! to the next hop's (the last one to the outcome's `total_us`), and its
//! event says what that time was; the part of it the application worked
//! (`Hop::work_us`) is application time. The costs themselves are the
//! engine's (fact sheet §16: the round trips of §1-§3's DNS, TCP, TLS and
//! HTTP, "+ server time"); a connection a hop reused (§26) costs no
//! handshake, so a warm request has no `tcp_connect` or `tls_handshake`
//! phase on that link. Phases are contiguous, in order, and sum to the
//! total; time spent on nothing (a decision) makes no phase.

use serde::{Deserialize, Serialize};

use super::event::alb::Caller;
use super::event::dns::DnsCacheLayer;
use super::event::waf::WafSite;
use super::event::{
    AlbEvent, AppEvent, BrowserEvent, CdnEvent, DnsEvent, Event, NetEvent, WafEvent,
};
use super::trace::{fmt_ms, Hop, Trace};

/// What the time of a phase was spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    /// Name resolution: caches, the resolver, root, TLD, Route 53 (§1-§3).
    Dns,
    /// A TCP three-way handshake: one round trip (§16).
    TcpConnect,
    /// A TLS handshake: one or two round trips (§16, §26).
    TlsHandshake,
    /// The request reaching CloudFront and CloudFront's own work: its web
    /// ACL, its cache lookup (§5, §6).
    Edge,
    /// The request reaching the ALB and the ALB's own work: its web ACL,
    /// listener rules, target pick (§8).
    Origin,
    /// The request reaching the pod and the application working on it,
    /// its calls to the internet included (§14, §16).
    App,
    /// Queries to the database and their results (§15).
    Database,
    /// The answer travelling back to the browser.
    Response,
}

impl PhaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Dns => "dns",
            PhaseKind::TcpConnect => "tcp_connect",
            PhaseKind::TlsHandshake => "tls_handshake",
            PhaseKind::Edge => "edge",
            PhaseKind::Origin => "origin",
            PhaseKind::App => "app",
            PhaseKind::Database => "database",
            PhaseKind::Response => "response",
        }
    }
}

/// Which connection (or stretch of network) a phase's time was spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// The browser's: to its resolver and to CloudFront (or straight to
    /// an ALB when it has no CloudFront in front).
    Viewer,
    /// CloudFront's to its origin: the origin's name and the ALB.
    Origin,
    /// The ALB's to a target (a pod, or a node with instance targets).
    Target,
    /// The pod's to its database.
    Database,
    /// The pod's to a service on the internet, through its NAT gateway.
    Internet,
}

impl Link {
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Viewer => "viewer",
            Link::Origin => "origin",
            Link::Target => "target",
            Link::Database => "database",
            Link::Internet => "internet",
        }
    }
}

/// One stretch of a request's time: from `start_us` for `us`
/// microseconds, hops `first_hop` to `last_hop` (1-based, as `Hop::index`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub kind: PhaseKind,
    pub link: Link,
    /// Microseconds since the request was sent.
    pub start_us: u64,
    /// How long it lasted, microseconds (never 0).
    pub us: u64,
    pub first_hop: usize,
    pub last_hop: usize,
}

/// A trace's phases in order; they start at 0, follow each other without
/// gaps and sum to `total_us`, the trace's total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub phases: Vec<Phase>,
    pub total_us: u64,
}

impl Timeline {
    /// The time spent on phases of `kind`, microseconds.
    pub fn us_of(&self, kind: PhaseKind) -> u64 {
        self.phases
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.us)
            .sum()
    }

    /// Whether some phase is of `kind` on `link`.
    pub fn has(&self, kind: PhaseKind, link: Link) -> bool {
        self.phases.iter().any(|p| p.kind == kind && p.link == link)
    }

    /// One line per phase: its kind, link, milliseconds and a bar whose
    /// length is its share of the total (`width` characters for all of it).
    pub fn render_text(&self, width: usize) -> String {
        let mut out = format!("timeline: {} ms\n", fmt_ms(self.total_us));
        for p in &self.phases {
            let bar = if self.total_us == 0 {
                0
            } else {
                // At least one character: every phase is visible.
                ((p.us as u128 * width as u128 / self.total_us as u128) as usize).max(1)
            };
            out.push_str(&format!(
                "  {:<13} {:<8} {:>9} ms  {}\n",
                p.kind.as_str(),
                p.link.as_str(),
                fmt_ms(p.us),
                "#".repeat(bar)
            ));
        }
        out
    }
}

/// Where the request is while the walk reads its hops in order: which link
/// a DNS query, a handshake or a reused connection belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The browser resolving and reaching the edge (or an ALB).
    Viewer,
    /// CloudFront resolving and reaching its origin.
    Origin,
    /// The ALB forwarding to a target.
    Target,
    /// The application at work in the pod.
    App,
}

struct Walk {
    stage: Stage,
    /// The request went through CloudFront: the ALB's front connection is
    /// CloudFront's (the origin link), not the browser's.
    via_cdn: bool,
}

impl Walk {
    fn front(&self) -> Link {
        if self.via_cdn {
            Link::Origin
        } else {
            Link::Viewer
        }
    }

    fn dns_link(&self) -> Link {
        match self.stage {
            Stage::Viewer => Link::Viewer,
            Stage::Origin => Link::Origin,
            Stage::Target | Stage::App => Link::Database,
        }
    }

    /// What the time after this hop was spent on, and on which link; then
    /// move the request on.
    fn classify(&mut self, e: &Event) -> (PhaseKind, Link) {
        use PhaseKind as K;
        match e {
            Event::Browser(b) => {
                if matches!(b, BrowserEvent::Redirect { .. }) {
                    // A new request from the start: the browser's again.
                    self.stage = Stage::Viewer;
                    self.via_cdn = false;
                }
                (K::Response, Link::Viewer)
            }
            Event::Dns(d) => {
                let edge = matches!(
                    d,
                    DnsEvent::CacheHit {
                        cache: DnsCacheLayer::Edge,
                        ..
                    } | DnsEvent::CacheMiss {
                        cache: DnsCacheLayer::Edge,
                        ..
                    }
                );
                if edge {
                    self.stage = Stage::Origin;
                }
                (K::Dns, self.dns_link())
            }
            Event::Cdn(c) => {
                self.via_cdn = true;
                match c {
                    CdnEvent::ViewerConnect { .. } => (K::TcpConnect, Link::Viewer),
                    CdnEvent::ViewerTls { .. } | CdnEvent::ViewerCertificateMismatch { .. } => {
                        (K::TlsHandshake, Link::Viewer)
                    }
                    CdnEvent::PlainRequest { .. }
                    | CdnEvent::ViewerRequest { .. }
                    | CdnEvent::ViewerReuse { .. }
                    | CdnEvent::MethodNotAllowed { .. }
                    | CdnEvent::CacheLookup { .. }
                    | CdnEvent::OriginGroupFailover { .. }
                    | CdnEvent::OriginGroupNoFailover { .. } => (K::Edge, Link::Viewer),
                    CdnEvent::OriginDnsCached { .. }
                    | CdnEvent::OriginDnsMiss { .. }
                    | CdnEvent::OriginUnresolvable { .. } => {
                        self.stage = Stage::Origin;
                        (K::Dns, Link::Origin)
                    }
                    CdnEvent::S3Request { .. } | CdnEvent::OriginFault { .. } => {
                        self.stage = Stage::Origin;
                        (K::Origin, Link::Origin)
                    }
                    CdnEvent::S3Response { .. } => (K::Response, Link::Origin),
                    CdnEvent::ViewerRedirect { .. }
                    | CdnEvent::HttpsOnly
                    | CdnEvent::WafBlocked { .. }
                    | CdnEvent::MethodRefused
                    | CdnEvent::CacheHit { .. }
                    | CdnEvent::RefreshHit { .. }
                    | CdnEvent::StaleHit { .. }
                    | CdnEvent::OriginResponse { .. }
                    | CdnEvent::RequestTooLarge { .. }
                    | CdnEvent::ShieldBlocked => (K::Response, Link::Viewer),
                }
            }
            Event::Waf(w) => match w {
                WafEvent::Decision {
                    at: WafSite::Cloudfront,
                    ..
                } => (K::Edge, Link::Viewer),
                WafEvent::Decision { .. } => (K::Origin, self.front()),
                WafEvent::Interstitial { .. } if self.stage == Stage::Viewer => {
                    (K::Response, Link::Viewer)
                }
                WafEvent::Interstitial { .. } => (K::Response, self.front()),
                WafEvent::Shield { .. } if self.stage == Stage::Viewer => (K::Edge, Link::Viewer),
                WafEvent::Shield { .. } => (K::Origin, self.front()),
            },
            Event::Net(n) => match n {
                NetEvent::Handshake { .. } => match self.stage {
                    Stage::App => (K::TcpConnect, Link::Database),
                    Stage::Target => (K::TcpConnect, Link::Target),
                    Stage::Viewer | Stage::Origin => (K::TcpConnect, self.front()),
                },
                NetEvent::Reuse { .. } => match self.stage {
                    // The request on a kept connection: no handshake.
                    Stage::App => (K::Database, Link::Database),
                    Stage::Target => (K::App, Link::Target),
                    Stage::Viewer | Stage::Origin => (K::Origin, self.front()),
                },
                NetEvent::EgressDropped { .. }
                | NetEvent::EgressHandshake { .. }
                | NetEvent::NatRewrite { .. } => (K::TcpConnect, Link::Internet),
                NetEvent::InternetGateway { .. } | NetEvent::ApiAnswer { .. } => {
                    (K::App, Link::Internet)
                }
            },
            Event::Alb(a) => match a {
                AlbEvent::Unreachable { .. } | AlbEvent::Connect { .. } => {
                    (K::TcpConnect, self.front())
                }
                AlbEvent::Tls { caller, .. } | AlbEvent::TlsVersionRefused { caller, .. } => {
                    let link = match caller {
                        Caller::Browser => Link::Viewer,
                        Caller::CloudFront => Link::Origin,
                        Caller::HealthChecker | Caller::TargetHealthCheck => self.front(),
                    };
                    (K::TlsHandshake, link)
                }
                AlbEvent::Request { .. }
                | AlbEvent::Generated { .. }
                | AlbEvent::DefaultAction { .. }
                | AlbEvent::RuleMatch { .. }
                | AlbEvent::NoTargets { .. }
                | AlbEvent::DrainingClosed { .. }
                | AlbEvent::ClientKeepaliveEnded { .. } => (K::Origin, self.front()),
                AlbEvent::TargetPick { .. } => {
                    self.stage = Stage::Target;
                    (K::Origin, self.front())
                }
                AlbEvent::TargetDown { .. } => (K::TcpConnect, Link::Target),
                AlbEvent::Response { .. } => (K::Response, self.front()),
            },
            Event::App(a) => match a {
                AppEvent::IngressMatch { .. } => (K::Origin, self.front()),
                AppEvent::EndpointPick { .. } | AppEvent::LocalDrop { .. } => {
                    self.stage = Stage::Target;
                    (K::Origin, Link::Target)
                }
                AppEvent::PodRequest { .. } => {
                    self.stage = Stage::App;
                    (K::App, Link::Target)
                }
                AppEvent::Reset { .. } | AppEvent::PodResponse { .. } => {
                    (K::Response, Link::Target)
                }
                AppEvent::AppDnsCache { .. }
                | AppEvent::DbResolve { .. }
                | AppEvent::DbNoEndpoint { .. } => (K::Dns, Link::Database),
                AppEvent::DbRefused { .. }
                | AppEvent::DbReadOnly { .. }
                | AppEvent::DbPoolReset { .. }
                | AppEvent::Query { .. }
                | AppEvent::QueryResult { .. } => (K::Database, Link::Database),
            },
            Event::Nlb(e) => {
                use crate::sim::event::NlbEvent as N;
                match e {
                    N::Connect { .. } | N::Unreachable { .. } | N::IdleReset { .. } => {
                        (K::TcpConnect, self.front())
                    }
                    N::TlsTerminated { .. } | N::TlsPassThrough { .. } => {
                        (K::TlsHandshake, self.front())
                    }
                    N::TargetPick { .. } | N::NoTargetsInAz { .. } | N::KeptTarget { .. } => {
                        self.stage = Stage::Target;
                        (K::Origin, self.front())
                    }
                    N::TargetConnect { .. } | N::TargetReset { .. } => {
                        (K::TcpConnect, Link::Target)
                    }
                    N::Response { .. } => (K::Response, self.front()),
                }
            }
        }
    }
}

/// The trace's time as phases. Fact sheet §16, §26.
pub fn timeline(trace: &Trace) -> Timeline {
    let total_us = trace.outcome.total_us;
    let mut walk = Walk {
        stage: Stage::Viewer,
        via_cdn: false,
    };
    let mut phases: Vec<Phase> = Vec::new();
    let hops = &trace.hops;
    for (i, h) in hops.iter().enumerate() {
        let (kind, link) = walk.classify(&h.event);
        // The first hop also takes any time before it.
        let start = if i == 0 { 0 } else { h.t_us };
        let end = hops.get(i + 1).map_or(total_us, |n| n.t_us).max(start);
        let work = h.work_us.min(end - start);
        push(&mut phases, h, (kind, link), start, end - work);
        push(
            &mut phases,
            h,
            (PhaseKind::App, Link::Target),
            end - work,
            end,
        );
    }
    Timeline { phases, total_us }
}

/// Add `[start, end)` of hop `h` as `kind` on `link`: the last phase grows
/// when it is the same; nothing is added for no time.
fn push(phases: &mut Vec<Phase>, h: &Hop, (kind, link): (PhaseKind, Link), start: u64, end: u64) {
    if end <= start {
        return;
    }
    if let Some(p) = phases.last_mut() {
        if p.kind == kind && p.link == link {
            p.us = end - p.start_us;
            p.last_hop = h.index;
            return;
        }
    }
    phases.push(Phase {
        kind,
        link,
        start_us: start,
        us: end - start,
        first_hop: h.index,
        last_hop: h.index,
    });
}
