//! Events of the ALB: TLS, listener rules, targets, the errors it generates.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::sim::check::Leg;
use crate::sim::conn::{TlsPolicy, TlsVersion};
use crate::sim::net::Flow;
use crate::sim::scenario::{Algorithm, Condition, WeightedGroup};

/// Who opens the connection to the ALB: it decides, among other things,
/// who checks the certificate's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Caller {
    /// A browser (a scenario client) straight to the ALB.
    Browser,
    /// CloudFront fetching from its origin.
    CloudFront,
    /// A Route 53 health checker on the internet.
    HealthChecker,
    /// The ALB's own target health check (from a load balancer node).
    TargetHealthCheck,
}

impl Caller {
    /// Whether it refuses a certificate that does not name the host:
    /// CloudFront (§5) and browsers do, Route 53 health checkers do not (§4).
    pub fn checks_certificate(self) -> bool {
        matches!(self, Caller::Browser | Caller::CloudFront)
    }
}

/// Why no load balancer node answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum AlbDown {
    /// The whole region is down.
    Region { region: String },
    /// Every AZ the ALB has a node in is down.
    AllZones,
}

/// How a TCP handshake into the ALB ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ConnectResult {
    /// The IGW, the public NACL and the ALB's security group let it in.
    Accepted,
    /// Let in, but it carries plain HTTP to the HTTPS listener (the ALB's
    /// 400 comes next).
    PlainHttp,
    /// A filter dropped the SYN or the SYN-ACK; the sender retries.
    Dropped {
        leg: Leg,
        /// The filter that decided (NACL, security group, route table).
        by: String,
        /// The deciding check's verdict as the check states it.
        decided_by: String,
        attempts: u64,
        timeout_s: u64,
    },
    /// The port is let in but the ALB has no listener on it.
    NoListener { alb: String, listener_port: u16 },
}

/// An error the ALB answers itself, with what made it. Fact sheet §8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AlbError {
    /// 400: plain HTTP reached the HTTPS listener.
    PlainHttp { port: u16 },
    /// 405: the ALB refuses TRACE before any rule.
    Trace,
    /// 463: too many X-Forwarded-For addresses.
    TooManyForwarded {
        /// How many addresses the header would list with the TCP peer appended.
        addresses: usize,
        /// The most a received header may list ([`crate::sim::alb::ALB_MAX_XFF`]).
        max: usize,
        /// How many addresses the header listed as received (0 in traces
        /// written before this field).
        #[serde(default)]
        received: usize,
    },
    /// 503: cross-zone load balancing off and no target in this AZ.
    NoTargetInZone,
    /// 503: the target group has no registered targets.
    NoRegisteredTargets,
    /// 504: no TCP connection to the target in time.
    ConnectTimeout { target: String, timeout_s: u64 },
    /// 502: the target reset the connection.
    TargetReset,
    /// 504: the target accepted but sent nothing within the idle timeout.
    IdleTimeout { target: String, timeout_s: u64 },
    /// 460: the client gave up before the idle timeout.
    ClientClosed {
        target: String,
        waited_s: u64,
        idle_timeout_s: u64,
    },
    /// 414 (request line) or 400 (a header, all headers): the request is
    /// past one of the ALB's header limits. Fact sheet §8.
    RequestTooLarge {
        limit: crate::sim::reqlimit::LimitKind,
        /// The measured size, bytes.
        size: u64,
        /// The limit, bytes.
        max: u64,
        /// The header that is too long, for the single-header limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
    },
    /// 502: the target closed the idle connection the ALB sent on (its
    /// keep-alive shorter than the ALB's idle timeout). Fact sheet §8, §26.
    TargetClosed {
        target: String,
        keep_alive_s: u64,
        idle_timeout_s: u64,
    },
}

impl AlbError {
    /// The status the ALB answers (or logs, for 460).
    pub fn status(&self) -> u16 {
        match self {
            AlbError::PlainHttp { .. } => 400,
            AlbError::Trace => 405,
            AlbError::TooManyForwarded { .. } => 463,
            AlbError::NoTargetInZone | AlbError::NoRegisteredTargets => 503,
            AlbError::ConnectTimeout { .. } | AlbError::IdleTimeout { .. } => 504,
            AlbError::TargetReset | AlbError::TargetClosed { .. } => 502,
            AlbError::ClientClosed { .. } => 460,
            AlbError::RequestTooLarge { limit, .. } => match limit {
                crate::sim::reqlimit::LimitKind::RequestLine => 414,
                _ => 400,
            },
        }
    }
}

/// The listener's default action, when no rule matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ListenerDefault {
    /// The Ingress default backend, turned into a forward by the controller.
    IngressBackend {
        target_group: String,
        ingress: String,
    },
    /// The listener's own fixed response.
    Fixed { listener_port: u16, status: u16 },
}

/// Who wrote a listener rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RuleOrigin {
    /// Added on the load balancer itself.
    LoadBalancer,
    /// The AWS Load Balancer Controller, from an Ingress path; the
    /// Ingress's IngressGroup and `group.order` when it names a group
    /// (fact sheet §28).
    Ingress {
        ingress: String,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<i32>,
    },
}

/// What a matching listener rule did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ListenerAction {
    Fixed {
        status: u16,
        body: String,
    },
    Redirect {
        status: u16,
        location: String,
        /// The Host header the ALB received, when the action keeps `#{host}`.
        kept_host: Option<String>,
    },
    Forward {
        target_group: String,
    },
    WeightedForward {
        picked: String,
        groups: Vec<WeightedGroup>,
    },
}

/// Why a target group has nothing to send to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoTargets {
    /// Cross-zone off and every target is in another AZ.
    CrossZone { az: String, elsewhere: usize },
    /// Nothing registered: the Service's endpoints, none of them ready.
    NoneRegistered { endpoints: Vec<(String, bool)> },
    /// Every registered target is draining.
    AllDraining,
    /// No Service is bound to the group (it was created at the load
    /// balancer, not by the controller), so nothing is registered.
    Unbound,
}

/// A target's state as its target group sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    Healthy,
    Unhealthy,
    Draining,
    /// Registered, not yet through its first health check. Fact sheet §8.
    Initial,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Healthy => "healthy",
            TargetStatus::Unhealthy => "unhealthy",
            TargetStatus::Draining => "draining",
            TargetStatus::Initial => "initial",
        }
    }
}

/// What the stickiness cookie did when the algorithm picked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cookie", rename_all = "snake_case")]
pub enum CookieNote {
    /// No stickiness on this target group.
    None,
    /// A new AWSALB cookie is set.
    Set,
    /// The cookie's target is no longer usable; the cookie is rewritten.
    Replaced { old: String },
}

/// A target in its slow start window: it gets `share_pct` percent of the
/// requests a target in full service gets. Fact sheet §8, §26.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowStart {
    pub target: String,
    /// Seconds since it turned healthy.
    pub elapsed_s: u64,
    /// The target group's slow start duration, seconds.
    pub window_s: u64,
    /// Its weight now, in percent of a full share (grows linearly).
    pub share_pct: u32,
}

/// How the target was chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum PickHow {
    /// The AWSALB stickiness cookie names it.
    Sticky,
    /// The target group's algorithm.
    Algorithm {
        algorithm: Algorithm,
        cookie: CookieNote,
    },
}

/// An ALB event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlbEvent {
    /// No load balancer node answers the SYN (ELB down with its AZs or region).
    Unreachable {
        alb: String,
        dns_name: String,
        attempts: u64,
        timeout_s: u64,
        down: AlbDown,
    },
    /// A TCP handshake from the internet through the internet gateway into
    /// an ALB node's public subnet, with its five-tuple.
    Connect {
        flow: Flow,
        igw: String,
        subnet: String,
        public_ip: Ipv4Addr,
        result: ConnectResult,
    },
    /// The TLS handshake on the HTTPS listener: SNI and the ACM certificate
    /// chosen (by SNI, or the default one).
    Tls {
        sni: String,
        certificate: String,
        by_sni: bool,
        caller: Caller,
        /// The version agreed (1.3 in traces written before it was shown).
        #[serde(default, skip_serializing_if = "TlsVersion::is_default")]
        version: TlsVersion,
    },
    /// The HTTP request as the ALB receives it after TLS, with the
    /// X-Forwarded-For it passes on.
    Request {
        method: String,
        path: String,
        host: String,
        /// IPv6 when the sender came over IPv6 (fact sheet §23).
        xff: Vec<std::net::IpAddr>,
        listener_port: u16,
    },
    /// An error the ALB generates itself (ELB 4xx/5xx, 460 in its log).
    Generated { status: u16, reason: AlbError },
    /// No listener rule matched: the default action.
    DefaultAction {
        method: String,
        path: String,
        action: ListenerDefault,
    },
    /// The first listener rule (by priority) whose conditions all hold.
    RuleMatch {
        priority: u32,
        conditions: Vec<Condition>,
        action: ListenerAction,
        origin: RuleOrigin,
    },
    /// A target group with nothing to send to.
    NoTargets {
        target_group: String,
        reason: NoTargets,
    },
    /// The target group picks a target among its candidates.
    TargetPick {
        target_group: String,
        picked: String,
        candidates: Vec<(String, TargetStatus)>,
        how: PickHow,
        /// Cross-zone off: the only AZ considered.
        zone_only: Option<String>,
        fail_open: bool,
        in_service: usize,
        /// Targets in their slow start window and the share of a full
        /// target's requests each gets now. Fact sheet §8, §26.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        slow_start: Vec<SlowStart>,
    },
    /// A deregistered target's deregistration delay ended: the ALB closed
    /// the connection this node still held open to it. The request goes
    /// on to a target in service. Fact sheet §8, §26.
    DrainingClosed {
        target: String,
        target_group: String,
        /// The target group's deregistration delay, seconds.
        delay_s: u64,
        /// Requests the connection served before the target was deregistered.
        served: u32,
    },
    /// The connection into the ALB has been open for its HTTP client
    /// keep-alive duration: the ALB serves this request, then closes it
    /// (`Connection: close`, or GOAWAY on HTTP/2). Fact sheet §26.
    ClientKeepaliveEnded {
        caller: Caller,
        /// How long the connection has been open, ms.
        open_ms: u64,
        /// The duration it was opened with, seconds.
        keepalive_s: u64,
        served: u32,
    },
    /// The picked target does not answer the SYN.
    TargetDown { target: String },
    /// The response going back to the sender.
    Response {
        status: u16,
        /// The sender's address: IPv6 when it came over IPv6.
        to: std::net::IpAddr,
        port: u16,
        /// Who produced it, when it is relayed (None: the ALB itself).
        relayed_from: Option<String>,
    },
    /// The listener's security policy accepts no TLS version the sender
    /// speaks: the handshake fails. Fact sheet §8, §16.
    TlsVersionRefused {
        offered: TlsVersion,
        policy: TlsPolicy,
        caller: Caller,
    },
}

impl AlbEvent {
    /// An error the ALB generates, with its status.
    pub fn generated(reason: AlbError) -> Self {
        AlbEvent::Generated {
            status: reason.status(),
            reason,
        }
    }

    pub fn what(&self) -> String {
        match self {
            AlbEvent::Unreachable {
                dns_name, attempts, ..
            } => format!("TCP SYN to {dns_name} x{attempts} attempts"),
            AlbEvent::Connect {
                flow,
                igw,
                subnet,
                result,
                ..
            } => match result {
                ConnectResult::NoListener { .. } => {
                    format!("TCP SYN {flow} via {igw} into {subnet}: no listener")
                }
                _ => format!("TCP handshake {flow} via {igw} into {subnet}"),
            },
            AlbEvent::TlsVersionRefused { offered, policy, .. } => format!(
                "TLS handshake refused: {} not accepted by {}",
                offered.label(),
                policy.name()
            ),
            AlbEvent::Tls {
                sni,
                by_sni,
                caller,
                ..
            } => {
                if !by_sni && caller.checks_certificate() {
                    format!("TLS handshake, SNI {sni}: certificate name mismatch")
                } else {
                    format!("TLS handshake, SNI {sni}")
                }
            }
            AlbEvent::Request {
                method, path, host, ..
            } => format!("HTTP {method} {path} Host: {host}"),
            AlbEvent::Generated { status, .. } => generated_what(*status),
            AlbEvent::DefaultAction {
                method,
                path,
                action,
            } => match action {
                ListenerDefault::IngressBackend { target_group, .. } => format!(
                    "no listener rule matches {method} {path}: default action -> forward to {target_group}"
                ),
                ListenerDefault::Fixed { listener_port, .. } => {
                    format!("listener HTTPS:{listener_port}: no rule matches {method} {path}")
                }
            },
            AlbEvent::RuleMatch {
                priority,
                conditions,
                action,
                ..
            } => action.what(*priority, conditions),
            AlbEvent::NoTargets {
                target_group,
                reason,
            } => match reason {
                NoTargets::CrossZone { az, .. } => {
                    format!("target group {target_group}: no target in {az}")
                }
                NoTargets::NoneRegistered { .. } => {
                    format!("target group {target_group} has no registered targets")
                }
                NoTargets::AllDraining => format!("every target of {target_group} is draining"),
                NoTargets::Unbound => {
                    format!("target group {target_group} has no registered targets")
                }
            },
            AlbEvent::TargetPick {
                target_group,
                picked,
                candidates,
                ..
            } => format!(
                "{target_group} picks {picked} ({})",
                candidates
                    .iter()
                    .map(|(t, s)| format!("{t} {}", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AlbEvent::TargetDown { .. } => "TCP SYN, no answer".into(),
            AlbEvent::DrainingClosed { target, .. } => {
                format!("connection to {target} closed: its deregistration delay ended")
            }
            AlbEvent::ClientKeepaliveEnded { open_ms, .. } => format!(
                "connection open {}: last request, then Connection: close",
                crate::sim::event::cdn::idle_text(*open_ms)
            ),
            AlbEvent::Response {
                status,
                to: std::net::IpAddr::V6(to),
                port,
                ..
            } => format!("HTTP {status} back to [{to}]:{port}"),
            AlbEvent::Response {
                status, to, port, ..
            } => format!("HTTP {status} back to {to}:{port}"),
        }
    }

    pub fn why(&self) -> String {
        match self {
            AlbEvent::Unreachable {
                alb,
                timeout_s,
                down,
                ..
            } => format!(
                "no answer: {alb} is down ({}); each attempt waits {timeout_s} s",
                match down {
                    AlbDown::Region { region } => format!("region {region} is down"),
                    AlbDown::AllZones => "every AZ it lives in is down".into(),
                }
            ),
            AlbEvent::Connect {
                flow,
                public_ip,
                result,
                ..
            } => result.why(flow, *public_ip),
            AlbEvent::Tls {
                sni,
                certificate,
                by_sni,
                caller,
                version,
            } => {
                let why = tls_why(sni, certificate, *by_sni, *caller);
                match version {
                    TlsVersion::V13 => why,
                    TlsVersion::V12 => format!("{why}; TLS 1.2's full handshake takes two round trips (fact sheet §16)"),
                }
            }
            AlbEvent::TlsVersionRefused { offered, policy, caller } => format!(
                "the sender speaks TLS up to {} but the listener's security policy {} accepts no version it offers, so the handshake fails before any HTTP{} (fact sheet §8, §16)",
                offered.label(),
                policy.name(),
                if *caller == Caller::CloudFront { "; CloudFront answers 502" } else { "" }
            ),
            AlbEvent::Request {
                xff, listener_port, ..
            } => format!(
                "TLS ends here; the ALB appends the TCP peer to X-Forwarded-For ({}), sets X-Forwarded-Proto https and X-Forwarded-Port {listener_port} (fact sheet §8)",
                xff.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AlbEvent::Generated { reason, .. } => reason.why(),
            AlbEvent::DefaultAction { action, .. } => action.why(),
            AlbEvent::RuleMatch { action, origin, .. } => action.why(origin),
            AlbEvent::NoTargets { reason, .. } => reason.why(),
            AlbEvent::TargetPick {
                candidates,
                how,
                zone_only,
                fail_open,
                in_service,
                slow_start,
                ..
            } => format!(
                "{}{}; {}{}",
                match zone_only {
                    None => String::new(),
                    Some(az) => format!("cross-zone load balancing is off, so the ALB node in {az} considers only targets in {az}; "),
                },
                how.describe(),
                if *fail_open {
                    "every target is unhealthy, so the ALB fails open and spreads requests over all of them (fact sheet §8)".to_string()
                } else {
                    format!(
                        "only healthy targets are used ({in_service} of {})",
                        candidates.len()
                    )
                },
                slow_start_why(slow_start)
            ),
            AlbEvent::DrainingClosed { target, target_group, delay_s, served } => format!(
                "{target} was deregistered from {target_group} and drained for its {delay_s} s deregistration delay: no new requests, while the connection the ALB held to it ({served} request{} served) stayed open; when the delay ended the ALB closed it (draining → unused), so this request goes to a target in service, on a connection of its own (fact sheet §8, §26)",
                if *served == 1 { "" } else { "s" }
            ),
            AlbEvent::ClientKeepaliveEnded { caller, open_ms, keepalive_s, served } => format!(
                "the ALB's HTTP client keep-alive duration is {keepalive_s} s, counted from when the connection opened and not reset by traffic; this connection from {} has been open {} and served {served} request{}, so the ALB answers this one and closes it (Connection: close on HTTP/1.1, GOAWAY on HTTP/2); the next request opens a new connection (fact sheet §26)",
                match caller {
                    Caller::CloudFront => "CloudFront",
                    Caller::Browser => "the browser",
                    _ => "the sender",
                },
                crate::sim::event::cdn::idle_text(*open_ms),
                if *served == 1 { "" } else { "s" }
            ),
            AlbEvent::TargetDown { target } => {
                format!("{target} is down: the SYN gets no answer")
            }
            AlbEvent::Response { relayed_from, .. } => match relayed_from {
                None => "the ALB itself generated this response".into(),
                Some(d) => format!("the response from {d} is relayed; the public network ACL is checked again for the ephemeral port"),
            },
        }
    }
}

/// The slow start part of a pick's explanation: each target still ramping
/// up and its share now.
fn slow_start_why(list: &[SlowStart]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let each: Vec<String> = list
        .iter()
        .map(|s| {
            format!(
                "{} gets {}% of a full share ({} s of {} s)",
                s.target, s.share_pct, s.elapsed_s, s.window_s
            )
        })
        .collect();
    format!(
        "; slow start: {}; a target's share grows linearly from when it turns healthy to the end of the window (fact sheet §8, §26)",
        each.join(", ")
    )
}

/// An error the ALB generates, as its status line reads.
fn generated_what(status: u16) -> String {
    let text = match status {
        460 => return "client closed the connection: HTTP 460 in the ALB's log".into(),
        400 => " Bad Request",
        414 => " URI Too Long",
        405 => " Method Not Allowed",
        502 => " Bad Gateway",
        503 => " Service Unavailable",
        504 => " Gateway Timeout",
        _ => "",
    };
    format!("HTTP {status}{text} (from the ALB)")
}

/// Why a TLS handshake went as it did: the certificate SNI chose, or the
/// default one and whether the caller refuses it.
fn tls_why(sni: &str, certificate: &str, by_sni: bool, caller: Caller) -> String {
    if by_sni {
        format!("the HTTPS listener terminates TLS with the ACM certificate for {certificate} (chosen by SNI)")
    } else if caller.checks_certificate() {
        let who = if caller == Caller::CloudFront {
            "CloudFront checks that the origin's certificate names the origin domain, drops the connection and answers 502 (fact sheet §5, §8)"
        } else {
            "the browser refuses a certificate for another name (NET::ERR_CERT_COMMON_NAME_INVALID) and sends nothing (fact sheet §8)"
        };
        format!("no certificate on the listener matches {sni}, so it presents its default certificate ({certificate}); {who}")
    } else {
        format!("no certificate matches {sni}, so the listener presents its default certificate ({certificate}); Route 53 health checks do not validate certificates, so the check goes on (fact sheet §4, §8)")
    }
}

impl ConnectResult {
    fn why(&self, flow: &Flow, public_ip: Ipv4Addr) -> String {
        match self {
            ConnectResult::Accepted if flow.dst.is_ipv6() => format!(
                "over IPv6 the internet gateway translates nothing ({} is the node's own address); the public subnet's network ACL and the ALB's security group let port {} in by their IPv6 rules, and the SYN-ACK out to the ephemeral port {} (fact sheet §23)",
                flow.dst, flow.dst_port, flow.src_port
            ),
            ConnectResult::Accepted => format!(
                "the internet gateway maps {public_ip} to {}; the public subnet's network ACL and the ALB's security group let port {} in, and the SYN-ACK out to the ephemeral port {}",
                flow.dst, flow.dst_port, flow.src_port
            ),
            ConnectResult::PlainHttp => "the filters let the connection in".into(),
            ConnectResult::Dropped {
                leg,
                by,
                decided_by,
                attempts,
                timeout_s,
            } => format!(
                "the {} is dropped silently by {by}: {decided_by}; the sender retries {attempts} times, {timeout_s} s each",
                match leg {
                    Leg::Forward => "SYN",
                    Leg::Return => "SYN-ACK (return path)",
                }
            ),
            ConnectResult::NoListener { alb, listener_port } => format!(
                "the filters let port {} in, but {alb} has only an HTTPS listener on {listener_port}: nothing accepts the connection (a common setup adds an HTTP:80 listener whose action redirects to HTTPS; fact sheet §8)",
                flow.dst_port
            ),
        }
    }
}

impl AlbError {
    fn why(&self) -> String {
        match self {
            AlbError::PlainHttp { port } => format!("plain HTTP reached the HTTPS listener on {port}, which expects a TLS handshake: the ALB answers 400 itself (fact sheet §8)"),
            AlbError::Trace => "the ALB refuses TRACE itself, before any listener rule (fact sheet §8)".into(),
            AlbError::TooManyForwarded { received, max, .. } => format!("the request's X-Forwarded-For lists {received} addresses; the ALB accepts at most {max} and answers 463 itself (fact sheet §8)"),
            AlbError::NoTargetInZone => "with cross-zone load balancing off, an AZ with no targets answers 503 (fact sheet §8)".into(),
            AlbError::NoRegisteredTargets => "the ALB generates 503 when a target group has no registered targets (fact sheet §8)".into(),
            AlbError::ConnectTimeout { target, timeout_s } => format!("no TCP connection to {target} within {timeout_s} s: the ALB generates 504 (fact sheet §8)"),
            AlbError::TargetReset => "the target reset the connection: the ALB generates 502 (fact sheet §8)".into(),
            AlbError::IdleTimeout { target, timeout_s } => format!("{target} accepted the request but sent nothing within the ALB's {timeout_s} s idle timeout (fact sheet §8)"),
            AlbError::ClientClosed { target, waited_s, idle_timeout_s } => format!("{target} accepted the request but never answers; the sender gave up after {waited_s} s, before the ALB's {idle_timeout_s} s idle timeout, so the ALB logs 460 (fact sheet §8)"),
            AlbError::RequestTooLarge { limit, size, max, header } => {
                let which = header.as_ref().map_or(String::new(), |h| format!(" ({h})"));
                let status = if *limit == crate::sim::reqlimit::LimitKind::RequestLine { "414 URI Too Long" } else { "400 Bad Request" };
                format!("the {}{which} is {size} bytes, past the ALB's limit of {max}: the ALB answers {status} itself, before its web ACL or any listener rule, and nothing reaches a target (fact sheet §8)", limit.label())
            }
            AlbError::TargetClosed { target, keep_alive_s, idle_timeout_s } => format!("{target} closed the connection with the request outstanding: its {keep_alive_s} s keep-alive is shorter than the ALB's {idle_timeout_s} s idle timeout, so the ALB generates 502; the next request opens a new connection and succeeds — an intermittent 502 (fact sheet §8, §26)"),
        }
    }
}

impl ListenerDefault {
    fn why(&self) -> String {
        match self {
            ListenerDefault::IngressBackend { ingress, .. } => format!("Ingress '{ingress}' has a default backend, which the controller turns into the listener's default action"),
            ListenerDefault::Fixed { status, .. } => format!("the default rule (evaluated last) answers a fixed {status}; no Ingress path covers this request, so nothing reaches the cluster"),
        }
    }
}

impl RuleOrigin {
    fn describe(&self) -> String {
        match self {
            RuleOrigin::LoadBalancer => "added on the load balancer itself".to_string(),
            RuleOrigin::Ingress {
                ingress,
                path,
                group,
                order,
            } => match group {
                Some(g) => format!(
                    "written by the AWS Load Balancer Controller from Ingress '{ingress}' (group {g}, order {}) path {path}; the group's members are evaluated by group.order, lowest first",
                    order.unwrap_or(0)
                ),
                None => format!(
                    "written by the AWS Load Balancer Controller from Ingress '{ingress}' path {path}"
                ),
            },
        }
    }
}

impl ListenerAction {
    /// The matching rule and what it did, in a few words.
    fn what(&self, priority: u32, conditions: &[Condition]) -> String {
        let conds = || {
            conditions
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        match self {
            ListenerAction::Fixed { status, .. } => {
                format!("listener rule {priority} -> fixed response {status}")
            }
            ListenerAction::Redirect {
                status, location, ..
            } => format!("listener rule {priority} -> HTTP {status} Location: {location}"),
            ListenerAction::Forward { target_group } => {
                format!(
                    "listener rule {priority} ({}) -> forward to {target_group}",
                    conds()
                )
            }
            ListenerAction::WeightedForward { picked, .. } => format!(
                "listener rule {priority} ({}) -> weighted forward picks {picked}",
                conds()
            ),
        }
    }

    fn why(&self, origin: &RuleOrigin) -> String {
        match self {
            ListenerAction::Fixed { body, .. } => format!(
                "rules are tried from the lowest priority number; this one answers without any target{}",
                if body.is_empty() { String::new() } else { format!(": \"{body}\"") }
            ),
            ListenerAction::Redirect { kept_host: Some(host), .. } => format!("a redirect action answers from the load balancer and the browser follows it with a new request; #{{host}} is the Host header the ALB received ({host}), which behind CloudFront is the origin's name (fact sheet §8)"),
            ListenerAction::Redirect { kept_host: None, .. } => "a redirect action answers from the load balancer; the browser follows it with a new request (fact sheet §8)".into(),
            ListenerAction::Forward { .. } => format!(
                "rules are tried from the lowest priority number and the first whose conditions all hold wins; this one was {}",
                origin.describe()
            ),
            ListenerAction::WeightedForward { picked, groups } => {
                let total: u32 = groups.iter().map(|g| g.weight).sum();
                let shares = groups
                    .iter()
                    .map(|g| format!("{} {}/{total}", g.target_group, g.weight))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "target groups share traffic by weight ({shares}); this request drew {picked}; this rule was {}",
                    origin.describe()
                )
            }
        }
    }
}

impl NoTargets {
    fn why(&self) -> String {
        match self {
            NoTargets::CrossZone { az, elsewhere } => format!("cross-zone load balancing is off, so the ALB node in {az} sends only to targets in {az}, and the {elsewhere} targets are all in other AZs (fact sheet §8)"),
            NoTargets::NoneRegistered { endpoints } => format!(
                "EndpointSlice: {}; only ready pods are registered, so there is nothing to send to (fact sheet §8, §14)",
                endpoints
                    .iter()
                    .map(|(p, ready)| format!("{p} ready={ready}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            NoTargets::AllDraining => "deregistered targets get no new requests during the deregistration delay (fact sheet §8)".into(),
            NoTargets::Unbound => "the group was created at the load balancer and no Service is bound to it: the load balancer controller registers pods only in the groups it builds from the Ingress, so nothing is registered and the ALB answers 503 (fact sheet §8)".into(),
        }
    }
}

impl PickHow {
    /// How the target was chosen, in words.
    pub fn describe(&self) -> String {
        match self {
            PickHow::Sticky => {
                "the AWSALB stickiness cookie names this target and it is still healthy".to_string()
            }
            PickHow::Algorithm { algorithm, cookie } => {
                let base = match algorithm {
                    Algorithm::RoundRobin => "round robin",
                    Algorithm::LeastOutstandingRequests => "least outstanding requests (every target has 0 in flight here, so the tie goes round robin)",
                    Algorithm::WeightedRandom => "weighted random",
                };
                match cookie {
                    CookieNote::None => base.to_string(),
                    CookieNote::Set => format!("{base}; the ALB sets an AWSALB stickiness cookie for the next requests"),
                    CookieNote::Replaced { old } => format!("{base}; the cookie's target {old} is no longer usable, so a new target is picked and the AWSALB cookie rewritten"),
                }
            }
        }
    }
}
