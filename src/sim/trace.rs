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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// What kind of filter or table a check consulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    SecurityGroup,
    /// Return traffic of a tracked connection: security groups are stateful.
    SecurityGroupTracked,
    Nacl,
    RouteTable,
    WafRule,
    WafDefault,
    Health,
    ListenerRule,
}

/// One rule table looked at on the way, and what decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub kind: CheckKind,
    /// The id of the group, ACL, route table or web ACL consulted.
    pub subject: String,
    pub direction: Option<Direction>,
    /// The traffic as the filter saw it, e.g. `TCP 10.0.1.10:41000 -> 10.0.10.20:8080`.
    pub flow: String,
    /// The rule that decided, rendered from the rule itself
    /// (`rule 100 allow TCP 443 from 0.0.0.0/0`), or why none did.
    pub decided_by: String,
    pub allowed: bool,
}

impl Check {
    /// The Reachability-Analyzer-style code for a filter or table that
    /// denied: NACL, route table, or security group.
    pub fn denial_code(&self) -> Code {
        match self.kind {
            CheckKind::Nacl => Code::SubnetAclRestriction,
            CheckKind::RouteTable => Code::NoRouteToDestination,
            _ => Code::EniSgRulesMismatch,
        }
    }

    pub fn line(&self) -> String {
        let what = match self.kind {
            CheckKind::SecurityGroup => "SG",
            CheckKind::SecurityGroupTracked => "SG",
            CheckKind::Nacl => "NACL",
            CheckKind::RouteTable => "route",
            CheckKind::WafRule => "WAF rule",
            CheckKind::WafDefault => "WAF default",
            CheckKind::Health => "health",
            CheckKind::ListenerRule => "listener",
        };
        let dir = self
            .direction
            .map(|d| format!(" {}", d.as_str()))
            .unwrap_or_default();
        if self.kind == CheckKind::ListenerRule {
            return format!(
                "{} {}: {} [{}]",
                what, self.subject, self.decided_by, self.flow
            );
        }
        format!(
            "{} {}{}: {} ({}) -> {}",
            what,
            self.subject,
            dir,
            self.decided_by,
            self.flow,
            if self.allowed { "allow" } else { "deny" }
        )
    }
}

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
    pub checks: Vec<Check>,
    pub verdict: Verdict,
    pub code: Code,
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

/// Builds a trace hop by hop while the engine walks the request.
#[derive(Debug, Default)]
pub struct TraceBuilder {
    pub hops: Vec<Hop>,
    pub t_us: u64,
    /// Keep only the timeline, no hops: for bursts, where only the outcome
    /// counts. The `hop!` macro then skips formatting the hop's text.
    pub quiet: bool,
}

/// Add a check to a path's list. A quiet trace (a burst) keeps only the
/// denials, which are all that decide its outcome.
pub(crate) fn keep(checks: &mut Vec<Check>, quiet: bool, c: Check) {
    if !quiet || !c.allowed {
        checks.push(c);
    }
}

/// Record a hop, formatting its text only when the builder records hops.
macro_rules! hop {
    ($tb:expr, $from:expr, $to:expr, $layer:expr, $proto:expr, $what:expr, $why:expr, $checks:expr, $verdict:expr, $code:expr $(,)?) => {
        if !$tb.quiet {
            $tb.hop(
                $from, $to, $layer, $proto, $what, $why, $checks, $verdict, $code,
            )
        }
    };
}
pub(crate) use hop;

impl TraceBuilder {
    /// A builder that keeps no hop text (see `quiet`).
    pub fn quiet() -> Self {
        TraceBuilder {
            quiet: true,
            ..TraceBuilder::default()
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn hop(
        &mut self,
        from: &str,
        to: &str,
        layer: Layer,
        proto: &str,
        what: String,
        why: String,
        checks: Vec<Check>,
        verdict: Verdict,
        code: Code,
    ) {
        let index = self.hops.len() + 1;
        self.hops.push(Hop {
            index,
            t_us: self.t_us,
            from: from.to_string(),
            to: to.to_string(),
            layer,
            proto: proto.to_string(),
            what,
            why,
            checks,
            verdict,
            code,
        });
    }

    /// Let simulated time pass within the request.
    pub fn wait(&mut self, us: u64) {
        self.t_us += us;
    }
}
