//! What happened at a hop, as data: one variant per kind of event, with
//! ids, addresses, ports and numbers rather than sentences.
//!
//! Each component family has its own enum in its own file, with the one
//! place that turns a variant into the `what` and `why` a learner reads
//! (`what()` / `why()`). Lessons, tests, the replay diff and the diagram
//! ask the event; only these renderers speak English.
//!
//! In the JSON trace an event reads `{"component": "dns", "kind": "query", ...}`.

use serde::{Deserialize, Serialize};

pub mod alb;
pub mod app;
pub mod browser;
pub mod cdn;
pub mod dns;
pub mod net;
pub mod nlb;
pub mod waf;

pub use alb::AlbEvent;
pub use app::AppEvent;
pub use browser::BrowserEvent;
pub use cdn::CdnEvent;
pub use dns::DnsEvent;
pub use net::NetEvent;
pub use nlb::NlbEvent;
pub use waf::WafEvent;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "component", rename_all = "snake_case")]
pub enum Event {
    /// The browser itself: its HTTP cache, refusing its own input, redirects.
    Browser(BrowserEvent),
    /// DNS: caches, the recursive resolver, root / TLD / Route 53.
    Dns(DnsEvent),
    /// CloudFront: viewer protocol, cache lookups, origin fetches.
    Cdn(CdnEvent),
    /// AWS WAF's web ACL.
    Waf(WafEvent),
    /// Packets in and out of a VPC: TCP handshakes, NAT, the internet gateway.
    Net(NetEvent),
    /// The ALB: TLS, listener rules, targets.
    Alb(AlbEvent),
    /// Kubernetes, the application, its database and the SMS API.
    App(AppEvent),
    /// The Network Load Balancer: listeners, nodes, targets. Fact sheet §9.
    Nlb(NlbEvent),
}

/// Which kind of event a hop holds, without its data: the family and the
/// variant (a `Dns` `Query`, a `Net` `Handshake`), as
/// [`std::mem::discriminant`] tells them apart. Two sends of one request
/// that take the same path have hops of the same kinds even when their
/// ports, addresses or timings differ; the replay diff aligns hops by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Browser(std::mem::Discriminant<BrowserEvent>),
    Dns(std::mem::Discriminant<DnsEvent>),
    Cdn(std::mem::Discriminant<CdnEvent>),
    Waf(std::mem::Discriminant<WafEvent>),
    Net(std::mem::Discriminant<NetEvent>),
    Alb(std::mem::Discriminant<AlbEvent>),
    App(std::mem::Discriminant<AppEvent>),
    Nlb(std::mem::Discriminant<NlbEvent>),
}

impl Event {
    /// The family and variant of this event, without its data.
    pub fn kind(&self) -> EventKind {
        use std::mem::discriminant as d;
        match self {
            Event::Browser(e) => EventKind::Browser(d(e)),
            Event::Dns(e) => EventKind::Dns(d(e)),
            Event::Cdn(e) => EventKind::Cdn(d(e)),
            Event::Waf(e) => EventKind::Waf(d(e)),
            Event::Net(e) => EventKind::Net(d(e)),
            Event::Alb(e) => EventKind::Alb(d(e)),
            Event::App(e) => EventKind::App(d(e)),
            Event::Nlb(e) => EventKind::Nlb(d(e)),
        }
    }

    /// What happened, in a few words (`DNS query A healthcareapp.com`).
    pub fn what(&self) -> String {
        match self {
            Event::Browser(e) => e.what(),
            Event::Dns(e) => e.what(),
            Event::Cdn(e) => e.what(),
            Event::Waf(e) => e.what(),
            Event::Net(e) => e.what(),
            Event::Alb(e) => e.what(),
            Event::App(e) => e.what(),
            Event::Nlb(e) => e.what(),
        }
    }

    /// Why it happened this way: the plain-language explanation.
    pub fn why(&self) -> String {
        match self {
            Event::Browser(e) => e.why(),
            Event::Dns(e) => e.why(),
            Event::Cdn(e) => e.why(),
            Event::Waf(e) => e.why(),
            Event::Net(e) => e.why(),
            Event::Alb(e) => e.why(),
            Event::App(e) => e.why(),
            Event::Nlb(e) => e.why(),
        }
    }
}
