//! A trace: the ordered hops one request took, each with the checks that were
//! evaluated on the way and the one that decided.
//!
//! Every human-readable sentence is rendered here from structured data, so
//! the UI, the command-line tool and the golden files read the same.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Explanation codes in the style of AWS Reachability Analyzer. They say,
/// in one stable word, why a hop ended the way it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    DnsCacheHit,
    DnsCacheMiss,
    DnsReferral,
    DnsAnswer,
    DnsServfail,
    DnsNxdomain,
    HealthCheckFailover,
    SubnetAclRestriction,
    EniSgRulesMismatch,
    NoRouteToDestination,
    ConnectionTimeout,
    ConnectionRefused,
    WafRuleBlock,
    WafDefaultAllow,
    CacheHit,
    CacheMiss,
    ListenerRuleMatch,
    ListenerDefaultAction,
    TargetUnhealthy,
    NoHealthyTargets,
    IngressRuleMatch,
    ServiceEndpointPick,
    ComponentDown,
    /// An error the ALB generates itself (400, 463, ...), not its target's.
    AlbGenerated,
    /// The client closed the connection before the ALB answered (460).
    ClientClosed,
    /// The target itself answered with an error, passed through unchanged.
    TargetError,
    Delivered,
    /// NOERROR with an empty answer: the name exists, not with this type.
    DnsNodata,
    /// A CNAME link: the resolver restarts the query at the target.
    DnsCname,
    /// The server's certificate does not name the host that was asked for.
    CertificateMismatch,
    /// The browser stopped following a chain of redirects.
    TooManyRedirects,
    /// The method is not accepted here (CloudFront 403, ALB or app 405).
    MethodNotAllowed,
    /// A fresh copy in the browser's own HTTP cache: no request is sent.
    BrowserCacheHit,
    /// CloudFront answered a plain HTTP request itself because of the
    /// behaviour's viewer protocol policy: 403 under "HTTPS only". (Its 301
    /// under "Redirect HTTP to HTTPS" stays `DELIVERED`: the redirect is an
    /// answer the browser follows.) Fact sheet §5.
    ViewerProtocolPolicy,
    /// A WAF CAPTCHA (405) or Challenge (202) rule matched a request
    /// without a valid token: WAF answered with its interstitial.
    /// Fact sheet §6, §27.
    WafInterstitial,
    /// CloudFront (413) or the ALB (414, 400) refused a request past one
    /// of its size limits: URL, request line, a header, all headers.
    /// Fact sheet §5, §8.
    RequestTooLarge,
    /// Shield absorbed layer 3/4 flood traffic before it reached anything
    /// behind it, or Shield Advanced's automatic application-layer
    /// mitigation blocked a request of an HTTP flood. Fact sheet §7.
    ShieldMitigation,
    /// The target closed an idle connection (its keep-alive ran out before
    /// the ALB's idle timeout) just as the ALB sent a request on it: the
    /// ALB's 502. Fact sheet §8, §26.
    TargetClosedConnection,
    /// No TLS version both sides accept: the handshake fails. Fact sheet §8.
    TlsHandshakeFailure,
    /// A dual-stack browser picked the IP version to connect with from its
    /// AAAA and A answers (Happy Eyeballs, RFC 8305). Fact sheet §23.
    HappyEyeballs,
    /// A dual-stack browser's IPv6 attempt failed or went unanswered: it
    /// connects over IPv4 instead, 250 ms after the IPv6 attempt began.
    /// Fact sheet §23.
    Ipv6Fallback,
    /// A deregistered target's deregistration delay ended: the ALB closed
    /// the connection it still held to it. Fact sheet §8, §26.
    DeregistrationDelayEnded,
    /// The ALB's client keep-alive duration ran out on a connection into
    /// it: one more request, then it closes. Fact sheet §26.
    ClientKeepaliveEnded,
    /// The application's pooled database connections were broken (a
    /// failover or a failed instance): it connects again. Fact sheet §15, §26.
    DbPoolReset,
    IgwPublicIpAssociationForEgress,
    IgwPrivateIpAssociationForIngress,
    NatGatewayOutboundOnly,
    /// An egress-only internet gateway carries IPv6 that the VPC starts
    /// (and its replies), nothing the internet starts. Fact sheet §23.
    EigwOutboundOnly,
    Elbv2ListenerPortRestriction,
    ProtocolRestriction,
    NoSourceOrDestination,
    UnsupportedComponent,
    EniSourceDestCheckRestriction,
    /// A peering connection carries only traffic for addresses in the peer
    /// VPC's CIDRs: no transit, no use of the peer's gateways. §21, §25.
    PcxRequiresAddressInVpcCidr,
    /// The route's target is not usable: a peering connection that is not
    /// active (its route is a blackhole). Fact sheet §21, §25.
    BadStateRoute,
    /// A gateway endpoint carries TCP (and ICMP echo) only. §22, §25.
    VpceGatewayProtocolRestriction,
    /// `externalTrafficPolicy: Local` and no ready endpoint on the node the
    /// traffic reached: kube-proxy drops it. Fact sheet §28.
    NoLocalEndpoint,
    /// A read-only database instance (a reader, a replica, a demoted
    /// writer) refused a write. Fact sheet §29.
    DbReadOnly,
    /// No listener of the load balancer takes this protocol and port: an
    /// NLB node resets the connection. Reachability Analyzer's name.
    /// Fact sheet §9, §25.
    Elbv2ListenersMismatch,
    /// Cross-zone load balancing is off and the node's AZ has no target
    /// in service. Reachability Analyzer's name. Fact sheet §9, §25.
    Elbv2NoTargetsInAz,
    /// Cross-zone load balancing is off: a node sends only to targets in
    /// its own AZ. Reachability Analyzer's name. Fact sheet §9, §25.
    ElbNotCrosszone,
    /// Client IP preservation is on: the target sees the client's own
    /// address. Reachability Analyzer's name. Fact sheet §9, §25.
    Elbv2SourceAddressPreservation,
    /// A Network Load Balancer's idle timeout ran out on a connection the
    /// client still held open: the NLB answered its next data with a TCP
    /// RST, and the client connected again. Fact sheet §9, §26.
    NlbIdleTimeoutReset,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::DnsCacheHit => "DNS_CACHE_HIT",
            Code::DnsCacheMiss => "DNS_CACHE_MISS",
            Code::DnsReferral => "DNS_REFERRAL",
            Code::DnsAnswer => "DNS_ANSWER",
            Code::DnsServfail => "DNS_SERVFAIL",
            Code::DnsNxdomain => "DNS_NXDOMAIN",
            Code::HealthCheckFailover => "HEALTH_CHECK_FAILOVER",
            Code::DnsNodata => "DNS_NODATA",
            Code::DnsCname => "DNS_CNAME",
            Code::CertificateMismatch => "CERTIFICATE_MISMATCH",
            Code::TooManyRedirects => "TOO_MANY_REDIRECTS",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::BrowserCacheHit => "BROWSER_CACHE_HIT",
            Code::ViewerProtocolPolicy => "VIEWER_PROTOCOL_POLICY",
            Code::RequestTooLarge => "REQUEST_TOO_LARGE",
            Code::ShieldMitigation => "SHIELD_MITIGATION",
            Code::TargetClosedConnection => "TARGET_CLOSED_CONNECTION",
            Code::TlsHandshakeFailure => "TLS_HANDSHAKE_FAILURE",
            Code::HappyEyeballs => "HAPPY_EYEBALLS",
            Code::Ipv6Fallback => "IPV6_FALLBACK",
            Code::DeregistrationDelayEnded => "DEREGISTRATION_DELAY_ENDED",
            Code::ClientKeepaliveEnded => "CLIENT_KEEPALIVE_ENDED",
            Code::DbPoolReset => "DB_POOL_RESET",
            Code::IgwPublicIpAssociationForEgress => "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
            Code::IgwPrivateIpAssociationForIngress => "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
            Code::NatGatewayOutboundOnly => "NAT_GATEWAY_OUTBOUND_ONLY",
            Code::EigwOutboundOnly => "EIGW_OUTBOUND_ONLY",
            Code::Elbv2ListenerPortRestriction => "ELBV2_LISTENER_PORT_RESTRICTION",
            Code::ProtocolRestriction => "PROTOCOL_RESTRICTION",
            Code::NoSourceOrDestination => "NO_SOURCE_OR_DESTINATION",
            Code::UnsupportedComponent => "UNSUPPORTED_COMPONENT",
            Code::EniSourceDestCheckRestriction => "ENI_SOURCE_DEST_CHECK_RESTRICTION",
            Code::PcxRequiresAddressInVpcCidr => "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
            Code::BadStateRoute => "BAD_STATE_ROUTE",
            Code::VpceGatewayProtocolRestriction => "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
            Code::NoLocalEndpoint => "NO_LOCAL_ENDPOINT",
            Code::DbReadOnly => "DB_READ_ONLY",
            Code::Elbv2ListenersMismatch => "ELBV2_LISTENERS_MISMATCH",
            Code::NlbIdleTimeoutReset => "NLB_IDLE_TIMEOUT_RESET",
            Code::Elbv2NoTargetsInAz => "ELBV2_NO_TARGETS_IN_AZ",
            Code::ElbNotCrosszone => "ELB_NOT_CROSSZONE",
            Code::Elbv2SourceAddressPreservation => "ELBV2_SOURCE_ADDRESS_PRESERVATION",
            Code::SubnetAclRestriction => "SUBNET_ACL_RESTRICTION",
            Code::EniSgRulesMismatch => "ENI_SG_RULES_MISMATCH",
            Code::NoRouteToDestination => "NO_ROUTE_TO_DESTINATION",
            Code::ConnectionTimeout => "CONNECTION_TIMEOUT",
            Code::ConnectionRefused => "CONNECTION_REFUSED",
            Code::WafRuleBlock => "WAF_RULE_BLOCK",
            Code::WafDefaultAllow => "WAF_DEFAULT_ALLOW",
            Code::CacheHit => "CACHE_HIT",
            Code::CacheMiss => "CACHE_MISS",
            Code::ListenerRuleMatch => "LISTENER_RULE_MATCH",
            Code::ListenerDefaultAction => "LISTENER_DEFAULT_ACTION",
            Code::TargetUnhealthy => "TARGET_UNHEALTHY",
            Code::NoHealthyTargets => "NO_HEALTHY_TARGETS",
            Code::IngressRuleMatch => "INGRESS_RULE_MATCH",
            Code::ServiceEndpointPick => "SERVICE_ENDPOINT_PICK",
            Code::ComponentDown => "COMPONENT_DOWN",
            Code::AlbGenerated => "ALB_GENERATED",
            Code::ClientClosed => "CLIENT_CLOSED",
            Code::TargetError => "TARGET_ERROR",
            Code::Delivered => "DELIVERED",
            Code::WafInterstitial => "WAF_INTERSTITIAL",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol layer a hop belongs to (used for colour and filtering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Dns,
    Tcp,
    Tls,
    Http,
    Sql,
    Cache,
    Decision,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Dns => "dns",
            Layer::Tcp => "tcp",
            Layer::Tls => "tls",
            Layer::Http => "http",
            Layer::Sql => "sql",
            Layer::Cache => "cache",
            Layer::Decision => "decision",
        }
    }
}

/// How a hop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The packet or message went on.
    Pass,
    /// A stateless or stateful filter dropped it silently.
    Dropped,
    /// Something answered with an error (403, 502, SERVFAIL...).
    Error,
    /// Nothing answered before a timeout.
    Timeout,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Dropped => "dropped",
            Verdict::Error => "error",
            Verdict::Timeout => "timeout",
        }
    }
}

pub use super::check::{
    Check, CheckKind, Decision, Denial, Direction, Leg, PathChecks, RuleRef, Side,
};
pub use super::event::Event;

/// One step of the journey: from one component to another (or a decision
/// inside one component, where `from == to`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub index: usize,
    /// Microseconds since the request was sent.
    pub t_us: u64,
    pub from: String,
    pub to: String,
    pub layer: Layer,
    /// Protocol and port as on the wire, e.g. `UDP/53`, `TCP/443`.
    pub proto: String,
    /// What happened, in a few words (`DNS query A healthcareapp.com`).
    pub what: String,
    /// Why it happened this way: the plain-language explanation.
    pub why: String,
    /// What happened, as data; `what` and `why` are rendered from it.
    pub event: Event,
    pub checks: Vec<Check>,
    pub verdict: Verdict,
    pub code: Code,
    /// Of the time until the next hop (or the outcome), how long the
    /// receiving component worked on the request (the application's
    /// processing) rather than the request travelling; `sim::timeline`
    /// counts it as application time. Fact sheet §16 ("+ server time").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub work_us: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Hop {
    /// The decisive check: the first that denied, otherwise none.
    pub fn deciding_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.allowed)
    }
}

/// How the whole request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// HTTP status the browser finally saw, if any response arrived.
    pub status: Option<u16>,
    /// Which component produced the final answer (`pod-a-1`, `cloudfront`, `waf`...).
    pub decided_by: String,
    pub code: Code,
    pub summary: String,
    /// Total time until the browser had its answer (or gave up), in microseconds.
    pub total_us: u64,
    /// The region that served the request, when one did.
    pub region: Option<String>,
    /// The pod that served the request, when one did.
    pub pod: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub client: String,
    pub method: String,
    pub url: String,
    /// World clock when the request was sent, in milliseconds.
    pub sent_at_ms: u64,
    pub hops: Vec<Hop>,
    pub outcome: Outcome,
}

pub fn fmt_ms(us: u64) -> String {
    format!("{}.{}", us / 1000, (us % 1000) / 100)
}

impl Trace {
    /// The trace as plain text: the format of the golden files and the CLI.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{} {} from {} at clock {}\n",
            self.method,
            self.url,
            self.client,
            crate::sim::time::fmt_clock(self.sent_at_ms)
        ));
        for h in &self.hops {
            out.push_str(&format!(
                "#{:<3} {:>9} ms  {} -> {}  [{} {}]  {}  => {} {}\n",
                h.index,
                fmt_ms(h.t_us),
                h.from,
                h.to,
                h.layer.as_str(),
                h.proto,
                h.what,
                h.verdict.as_str(),
                h.code
            ));
            out.push_str(&format!("       why: {}\n", h.why));
            for c in &h.checks {
                out.push_str(&format!("       check: {}\n", c.line()));
            }
        }
        let status = self
            .outcome
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "no response".into());
        out.push_str(&format!(
            "outcome: {} ({}) by {} after {} ms: {}\n",
            status,
            self.outcome.code,
            self.outcome.decided_by,
            fmt_ms(self.outcome.total_us),
            self.outcome.summary
        ));
        out
    }

    /// Every component the request visited, in order, without repeats.
    pub fn visited(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for h in &self.hops {
            for n in [&h.from, &h.to] {
                if !seen.contains(n) {
                    seen.push(n.clone());
                }
            }
        }
        seen
    }
}

/// One hop as the engine describes it, before the recorder numbers and
/// times it.
pub struct Step {
    pub from: String,
    pub to: String,
    pub layer: Layer,
    /// Protocol and port as on the wire, e.g. `UDP/53`, `TCP/443`.
    pub proto: String,
    pub event: Event,
    pub checks: Vec<Check>,
    pub verdict: Verdict,
    pub code: Code,
}

impl Step {
    /// A hop from `from` to `to` (a decision inside one component when
    /// they are the same) with no checks.
    pub fn new(
        (from, to): (&str, &str),
        layer: Layer,
        proto: impl Into<String>,
        event: Event,
        verdict: Verdict,
        code: Code,
    ) -> Self {
        Step {
            from: from.to_string(),
            to: to.to_string(),
            layer,
            proto: proto.into(),
            event,
            checks: Vec::new(),
            verdict,
            code,
        }
    }

    pub fn checks(mut self, checks: Vec<Check>) -> Self {
        self.checks = checks;
        self
    }
}

/// Walks a request's timeline and, when it records, keeps its hops.
///
/// There is one walk: a single request runs with a recorder that keeps
/// every hop; a burst runs the same code with one that keeps nothing, so
/// the closures that build a hop's event and checks never run.
#[derive(Debug, Default)]
pub struct Recorder {
    pub hops: Vec<Hop>,
    pub t_us: u64,
    record: bool,
}

impl Recorder {
    /// A recorder that keeps every hop: a single request's trace.
    pub fn full() -> Self {
        Recorder {
            record: true,
            ..Recorder::default()
        }
    }

    /// A recorder that keeps no hop, only the timeline: a burst's requests.
    pub fn off() -> Self {
        Recorder::default()
    }

    /// Whether hops are kept (the closures given to [`Recorder::hop`] run).
    #[inline]
    pub fn records(&self) -> bool {
        self.record
    }

    /// Checks for one path, built only when this walk records.
    pub fn path(&self) -> PathChecks {
        PathChecks::new(self.record)
    }

    /// Record a hop; `make` runs only when the recorder keeps hops.
    #[inline]
    pub fn hop(&mut self, make: impl FnOnce() -> Step) {
        if self.record {
            self.push(make());
        }
    }

    fn push(&mut self, s: Step) {
        let index = self.hops.len() + 1;
        self.hops.push(Hop {
            index,
            t_us: self.t_us,
            what: s.event.what(),
            why: s.event.why(),
            from: s.from,
            to: s.to,
            layer: s.layer,
            proto: s.proto,
            event: s.event,
            checks: s.checks,
            verdict: s.verdict,
            code: s.code,
            work_us: 0,
        });
    }

    /// Let simulated time pass within the request.
    pub fn wait(&mut self, us: u64) {
        self.t_us += us;
    }

    /// Let simulated time pass while the component the last hop reached
    /// works on the request (the application's processing): time like
    /// [`Recorder::wait`], marked on that hop as `work_us`.
    pub fn work(&mut self, us: u64) {
        self.t_us += us;
        if let Some(h) = self.hops.last_mut() {
            h.work_us += us;
        }
    }

    /// A recorder for work that runs beside this one's from now on (a
    /// dual-stack browser's A lookup beside its AAAA lookup): it records
    /// when this one does and starts at this one's time. Bring it back
    /// with [`Recorder::join`].
    pub fn beside(&self) -> Recorder {
        Recorder {
            t_us: self.t_us,
            record: self.record,
            ..Recorder::default()
        }
    }

    /// Take back the hops of work that ran beside this one (see
    /// [`Recorder::beside`]), merged in time order (this one's first at the
    /// same moment), and go on from whichever finished last.
    pub fn join(&mut self, other: Recorder) {
        self.t_us = self.t_us.max(other.t_us);
        if other.hops.is_empty() {
            return;
        }
        let mine = std::mem::take(&mut self.hops);
        let mut a = mine.into_iter().peekable();
        let mut b = other.hops.into_iter().peekable();
        while let Some(next) = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.t_us < x.t_us => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        } {
            let index = self.hops.len() + 1;
            self.hops.push(Hop { index, ..next });
        }
    }
}
