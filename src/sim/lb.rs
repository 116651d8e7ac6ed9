//! The Application Load Balancer: listener, rules, target groups, target
//! health, and the pod behind it. Fact sheet §8, §13, §14.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

use super::event::alb::*;
use super::event::app::*;
use super::event::{AlbEvent, AppEvent};
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

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

/// Seconds the ALB waits for a target that accepted the request. Fact sheet §8.
pub const ALB_IDLE_TIMEOUT_S: u64 = 60;
/// More X-Forwarded-For entries than this and the ALB answers 463. Fact sheet §8.
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
}

impl HttpCtx {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// ALB runtime state other than health.
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
}

/// Why a target failed an ALB health check, as AWS reports its reason
/// code. Fact sheet §8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthFailure {
    /// `Target.NotRegistered`.
    NotRegistered,
    /// `Elb.InternalError`: no load balancer node is up to check from.
    NoNodeUp,
    /// `Target.Timeout`: a filter on the way dropped the check.
    Dropped(Code),
    /// `Target.Timeout`: nothing answers (target, AZ or region down).
    NoAnswer,
    /// `Target.FailedHealthChecks`: the connection is refused.
    Refused,
    /// `Target.Timeout`: accepted, but no response within the check's timeout.
    Hung { timeout_s: u32 },
    /// `Target.ResponseCodeMismatch`: HTTP 500 where 200 is expected.
    Status500,
    /// `Target.FailedHealthChecks`: no ready endpoint behind the NodePort.
    NoReadyEndpoint,
}

impl std::fmt::Display for HealthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthFailure::NotRegistered => f.write_str("Target.NotRegistered"),
            HealthFailure::NoNodeUp => f.write_str("Elb.InternalError (no load balancer node up)"),
            HealthFailure::Dropped(c) => write!(f, "Target.Timeout ({c})"),
            HealthFailure::NoAnswer => f.write_str("Target.Timeout (no answer)"),
            HealthFailure::Refused => f.write_str("Target.FailedHealthChecks (connection refused)"),
            HealthFailure::Hung { timeout_s } => {
                write!(f, "Target.Timeout (no response within {timeout_s} s)")
            }
            HealthFailure::Status500 => {
                f.write_str("Target.ResponseCodeMismatch (HTTP 500, expected 200)")
            }
            HealthFailure::NoReadyEndpoint => {
                f.write_str("Target.FailedHealthChecks (no ready endpoint behind the NodePort)")
            }
        }
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

/// A listener rule (or the default action) the request was tried against;
/// listener rules never deny, they only match or not.
fn listener_check(subject: &str, conditions: String, rule: RuleRef, decided_by: String) -> Check {
    Check::other(
        CheckKind::ListenerRule,
        subject,
        conditions,
        String::new(),
        true,
    )
    .rule(rule, decided_by, true)
}

/// The TCP handshake into an ALB node from the internet.
fn connect_step(
    ends: (&str, &str),
    r: &Region,
    subnet: &Subnet,
    node: &AlbNode,
    flow: Flow,
    result: ConnectResult,
) -> Step {
    Step::new(
        ends,
        Layer::Tcp,
        format!("TCP/{}", flow.dst_port),
        Event::Alb(AlbEvent::Connect {
            flow,
            igw: r.vpc.igw.to_string(),
            subnet: subnet.id.to_string(),
            public_ip: node.public_ip,
            result,
        }),
        Verdict::Pass,
        Code::Delivered,
    )
}

/// A step's verdict and code, when they are not the default pass.
trait Ends {
    fn verdict(self, verdict: Verdict, code: Code) -> Self;
}

impl Ends for Step {
    fn verdict(mut self, verdict: Verdict, code: Code) -> Self {
        self.verdict = verdict;
        self.code = code;
        self
    }
}

/// The address a pod sees as its peer behind kube-proxy: the node's (SNAT).
fn pod_peer(r: &Region, node: &Target, _pod: &Pod) -> Ipv4Addr {
    r.vpc
        .subnet(node.subnet)
        .and_then(|s| s.host(node.host))
        .unwrap_or(Ipv4Addr::UNSPECIFIED)
}

impl Condition {
    pub fn describe(&self) -> String {
        match self {
            Condition::HostHeader { values } => format!("host {}", values.join(" or ")),
            Condition::PathPattern { values } => format!("path {}", values.join(" or ")),
            Condition::HttpHeader { name, values } => {
                format!("header {name}: {}", values.join(" or "))
            }
            Condition::HttpRequestMethod { values } => format!("method {}", values.join(" or ")),
            Condition::QueryString { values } => format!(
                "query {}",
                values
                    .iter()
                    .map(|q| match &q.key {
                        Some(k) => format!("{k}={}", q.value),
                        None => q.value.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Condition::SourceIp { values } => format!(
                "source IP {}",
                values
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }

    /// Whether a request meets this condition; `peer` is the TCP peer.
    /// Fact sheet §8 "Condition matching details".
    pub(crate) fn matches(&self, ctx: &HttpCtx, peer: Ipv4Addr) -> bool {
        let ci =
            |p: &str, t: &str| wildcard_match(&p.to_ascii_lowercase(), &t.to_ascii_lowercase());
        match self {
            Condition::HostHeader { values } => values.iter().any(|v| ci(v, &ctx.host)),
            Condition::PathPattern { values } => {
                values.iter().any(|v| wildcard_match(v, &ctx.path))
            }
            Condition::HttpHeader { name, values } => ctx
                .header(name)
                .is_some_and(|h| values.iter().any(|v| ci(v, h))),
            Condition::HttpRequestMethod { values } => values.iter().any(|v| **v == *ctx.method),
            Condition::QueryString { values } => {
                let pairs: Vec<(String, String)> = ctx
                    .query
                    .split('&')
                    .filter(|s| !s.is_empty())
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (String::new(), kv.to_string()),
                    })
                    .collect();
                values.iter().any(|q| {
                    pairs
                        .iter()
                        .any(|(k, v)| q.key.as_ref().is_none_or(|qk| ci(qk, k)) && ci(&q.value, v))
                })
            }
            Condition::SourceIp { values } => values.iter().any(|c| cidr_has(c, peer)),
        }
    }
}

impl AlbAction {
    pub fn describe(&self) -> String {
        match self {
            AlbAction::Forward { target_group } => format!("forward to {target_group}"),
            AlbAction::WeightedForward { groups } => format!(
                "forward to {}",
                groups
                    .iter()
                    .map(|g| format!("{} (weight {})", g.target_group, g.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AlbAction::Redirect {
                status,
                protocol,
                host,
                port,
                path,
            } => format!(
                "redirect {status} to {}://{}:{}{}",
                protocol.as_deref().unwrap_or("#{protocol}"),
                host.as_deref().unwrap_or("#{host}"),
                port.map(|p| p.to_string())
                    .unwrap_or_else(|| "#{port}".into()),
                path.as_deref().unwrap_or("/#{path}")
            ),
            AlbAction::FixedResponse { status, .. } => format!("fixed response {status}"),
        }
    }
}

impl ListenerRule {
    pub fn describe(&self) -> String {
        let conds = if self.conditions.is_empty() {
            "any request".to_string()
        } else {
            self.conditions
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        format!(
            "rule {}: {conds} -> {}",
            self.priority,
            self.action.describe()
        )
    }
}

impl World {
    /// The addresses DNS gives for a region's ALB: the nodes whose AZ is up
    /// (a failed node leaves the answer), or all of them if none is.
    pub(crate) fn alb_addresses(&self, r: &Region) -> Vec<Ipv4Addr> {
        let live: Vec<Ipv4Addr> = r
            .alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(r, &n.subnet))
            .map(|n| n.public_ip)
            .collect();
        if live.is_empty() {
            r.alb.nodes.iter().map(|n| n.public_ip).collect()
        } else {
            live
        }
    }

    /// A request arriving at a region's ALB from the internet, built from a
    /// host and path (health checkers and other simple callers).
    pub(crate) fn alb_request(
        &mut self,
        ri: usize,
        client: AlbClient,
        (host, path): (&str, &str),
        tb: &mut Recorder,
    ) -> Resp {
        let ctx = HttpCtx {
            method: "GET".into(),
            host: host.into(),
            path: path.into(),
            ..Default::default()
        };
        self.alb_request_ctx(ri, client, &ctx, tb)
    }

    /// A request arriving at a region's ALB from the internet (CloudFront,
    /// a browser, or a Route 53 health checker), down to a pod and the
    /// database, and back. `connect` is (attempts, timeout s per attempt).
    pub(crate) fn alb_request_ctx(
        &mut self,
        ri: usize,
        client: AlbClient,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let AlbClient {
            caller,
            id: src,
            ip: src_ip,
            ports: src_range,
            rtt_ms,
            connect,
        } = client;
        let host = ctx.host.as_str();
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let alb = &r.alb;
        let rtt = us(rtt_ms);
        // The port the sender connects to: the URL's, or the scheme's own.
        let port = ctx.port.unwrap_or(if ctx.plain_http {
            80
        } else {
            alb.listener.port
        });
        // An answer from this region, before any listener rule ran.
        let here = |mut resp: Resp| {
            resp.region = Some(r.id.as_str().into());
            resp
        };
        let give_up = |tb: &mut Recorder, why: String, code: Code| {
            tb.wait(connect.0 * connect.1 * 1_000_000);
            here(Resp::err(None, src, code, why))
        };
        let live: Vec<&AlbNode> = alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(r, &n.subnet))
            .collect();
        if live.is_empty() {
            let region_down = self.region_down(&r.id);
            tb.hop(|| {
                Step::new(
                    (src, &alb.id),
                    Layer::Tcp,
                    format!("TCP/{}", alb.listener.port),
                    Event::Alb(AlbEvent::Unreachable {
                        alb: alb.id.clone(),
                        dns_name: alb.dns_name.to_string(),
                        attempts: connect.0,
                        timeout_s: connect.1,
                        down: if region_down {
                            AlbDown::Region {
                                region: r.id.to_string(),
                            }
                        } else {
                            AlbDown::AllZones
                        },
                    }),
                    Verdict::Timeout,
                    Code::ComponentDown,
                )
            });
            return give_up(
                tb,
                format!(
                    "{} did not answer ({} x {} s)",
                    alb.id, connect.0, connect.1
                ),
                Code::ComponentDown,
            );
        }
        let node = live[self.rng.index(live.len())];
        let subnet = r.vpc.subnet(&node.subnet).expect("validated");
        let node_ip = subnet.host(node.host).expect("validated");
        // Internet -> IGW (1:1 NAT public -> private) -> public subnet NACL -> ALB SG.
        let (lo, hi) = src_range.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: src_ip,
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: node_ip,
            dst_port: port,
        };
        use Side::Destination;
        let mut path = tb.path();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            path.nacl(n, Direction::Inbound, &flow, Destination, Leg::Forward);
        }
        path.sgs(
            &r.vpc,
            &alb.security_groups,
            Direction::Inbound,
            &flow,
            (&[], false),
            Destination,
        );
        let back = flow.reversed();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            path.nacl(n, Direction::Outbound, &back, Destination, Leg::Return);
        }
        if let Some(rt) = r.vpc.route_table(&subnet.route_table) {
            path.route(
                rt,
                src_ip,
                &|t| matches!(t, RouteTarget::Igw(_)),
                &back,
                (Destination, Leg::Return),
            );
        }
        if let Some(d) = path.denied {
            let code = d.code();
            let deciding = path
                .deciding()
                .map(|c| (c.subject.clone(), c.decided_by.clone()))
                .unwrap_or_default();
            tb.hop(|| {
                connect_step(
                    (src, &alb.id),
                    r,
                    subnet,
                    node,
                    flow,
                    ConnectResult::Dropped {
                        leg: d.leg,
                        by: deciding.0.clone(),
                        decided_by: deciding.1.clone(),
                        attempts: connect.0,
                        timeout_s: connect.1,
                    },
                )
                .checks(path.into_list())
                .verdict(Verdict::Dropped, code)
            });
            return give_up(
                tb,
                format!(
                    "connection to {} dropped by {} ({})",
                    alb.id, deciding.0, deciding.1
                ),
                code,
            );
        }
        let checks = path.into_list();
        if port == alb.listener.port && ctx.plain_http {
            tb.hop(|| {
                connect_step(
                    (src, &alb.id),
                    r,
                    subnet,
                    node,
                    flow,
                    ConnectResult::PlainHttp,
                )
                .checks(checks)
            });
            tb.wait(rtt);
            tb.hop(|| {
                Step::new(
                    (&alb.id, src),
                    Layer::Http,
                    format!("TCP/{port}"),
                    Event::Alb(AlbEvent::generated(AlbError::PlainHttp { port })),
                    Verdict::Error,
                    Code::AlbGenerated,
                )
            });
            tb.wait(rtt);
            return here(Resp::err(
                Some(400),
                &alb.id,
                Code::AlbGenerated,
                "plain HTTP sent to the HTTPS listener".into(),
            ));
        }
        if port != alb.listener.port {
            tb.hop(|| {
                connect_step(
                    (src, &alb.id),
                    r,
                    subnet,
                    node,
                    flow,
                    ConnectResult::NoListener {
                        alb: alb.id.clone(),
                        listener_port: alb.listener.port,
                    },
                )
                .checks(checks)
                .verdict(Verdict::Error, Code::ConnectionRefused)
            });
            tb.wait(rtt);
            return here(Resp::err(
                None,
                src,
                Code::ConnectionRefused,
                format!("{} has no listener on port {port}", alb.id),
            ));
        }
        tb.hop(|| {
            connect_step(
                (src, &alb.id),
                r,
                subnet,
                node,
                flow,
                ConnectResult::Accepted,
            )
            .checks(checks)
        });
        tb.wait(rtt);
        // TLS terminates at the ALB; SNI picks the certificate, the default
        // (first) one when nothing matches. Fact sheet §8.
        let cert = alb
            .listener
            .certificate_domains
            .iter()
            .find(|d| host_matches_cert(host, d));
        let default_cert = alb
            .listener
            .certificate_domains
            .first()
            .map(String::as_str)
            .unwrap_or("none");
        if cert.is_none() {
            // Who checks the name: CloudFront checks its origin's certificate
            // (§5: a mismatch is its 502), a browser refuses the page, and a
            // Route 53 health checker does not validate certificates (§4).
            if caller.checks_certificate() {
                let status = (caller == Caller::CloudFront).then_some(502);
                tb.hop(|| {
                    Step::new(
                        (src, &alb.id),
                        Layer::Tls,
                        format!("TCP/{}", alb.listener.port),
                        Event::Alb(AlbEvent::Tls {
                            sni: host.to_string(),
                            certificate: default_cert.to_string(),
                            by_sni: false,
                            caller,
                        }),
                        Verdict::Error,
                        Code::CertificateMismatch,
                    )
                });
                tb.wait(rtt);
                return Resp::err(
                    status,
                    src,
                    Code::CertificateMismatch,
                    format!(
                        "{}'s certificate ({default_cert}) does not cover {host}",
                        alb.id
                    ),
                );
            }
        }
        tb.hop(|| {
            Step::new(
                (src, &alb.id),
                Layer::Tls,
                format!("TCP/{}", alb.listener.port),
                Event::Alb(AlbEvent::Tls {
                    sni: host.to_string(),
                    certificate: cert.map_or(default_cert, String::as_str).to_string(),
                    by_sni: cert.is_some(),
                    caller,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(rtt);
        tb.hop(|| {
            let mut xff = ctx.xff.clone();
            xff.push(src_ip);
            Step::new(
                (src, &alb.id),
                Layer::Http,
                format!("TCP/{}", alb.listener.port),
                Event::Alb(AlbEvent::Request {
                    method: ctx.method.to_string(),
                    path: ctx.path.to_string(),
                    host: host.to_string(),
                    xff,
                    listener_port: alb.listener.port,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(rtt / 2);
        // A regional web ACL on the ALB runs before the listener rules; it
        // sees the TCP peer (CloudFront's address) unless told to read a
        // forwarded-IP header. Fact sheet §6.
        let blocked = match &alb.web_acl {
            Some(acl) => {
                let mut wctx = ctx.clone();
                wctx.xff.push(src_ip);
                let (allowed, checks, rule, seen) =
                    self.waf_evaluate(acl, src_ip, &wctx, 8 * 1024, tb);
                tb.hop(|| {
                    Step::new(
                        (&alb.id, &alb.id),
                        Layer::Http,
                        "-",
                        Event::Alb(AlbEvent::WebAcl {
                            acl: acl.name.to_string(),
                            allowed,
                            rule: rule.to_string(),
                            seen,
                            sees_edge: seen == src_ip
                                && ctx.client.is_some()
                                && !ctx.xff.is_empty(),
                        }),
                        if allowed {
                            Verdict::Pass
                        } else {
                            Verdict::Error
                        },
                        if allowed {
                            Code::WafDefaultAllow
                        } else {
                            Code::WafRuleBlock
                        },
                    )
                    .checks(checks)
                });
                (!allowed).then(|| rule.into_owned())
            }
            None => None,
        };
        let mut resp = match blocked {
            Some(rule) => Resp::err(
                Some(403),
                &alb.id,
                Code::WafRuleBlock,
                format!("blocked by the ALB's web ACL rule {rule}"),
            ),
            None => self.alb_route(r, node, src_ip, ctx, tb),
        };
        resp.region = Some(r.id.as_str().into());
        let status = resp.status.unwrap_or(502);
        let ret = || {
            let mut checks = Vec::new();
            if let Some(n) = r.vpc.nacl(&subnet.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &back).side(Side::Source));
            }
            checks
        };
        tb.hop(|| {
            Step::new(
                (&alb.id, src),
                Layer::Http,
                format!("TCP/{}", alb.listener.port),
                Event::Alb(AlbEvent::Response {
                    status,
                    to: src_ip,
                    port: flow.src_port,
                    relayed_from: (resp.decided_by != alb.id).then(|| resp.decided_by.clone()),
                }),
                if status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                resp.code,
            )
            .checks(ret())
        });
        tb.wait(rtt / 2);
        resp
    }

    /// Listener rules by priority, then the matching rule's action.
    fn alb_route(
        &mut self,
        r: &Region,
        node: &AlbNode,
        peer: Ipv4Addr,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let alb = &r.alb;
        // An error the ALB answers itself, before any listener rule. Fact sheet §8.
        let generated = |tb: &mut Recorder, reason: AlbError, summary: &str| {
            let status = reason.status();
            tb.hop(|| {
                Step::new(
                    (&alb.id, &alb.id),
                    Layer::Http,
                    "-",
                    Event::Alb(AlbEvent::generated(reason)),
                    Verdict::Error,
                    Code::AlbGenerated,
                )
            });
            Resp::err(Some(status), &alb.id, Code::AlbGenerated, summary.into())
        };
        if &*ctx.method == "TRACE" {
            return generated(tb, AlbError::Trace, "the ALB does not accept TRACE");
        }
        if ctx.xff.len() + 1 > ALB_MAX_XFF {
            return generated(
                tb,
                AlbError::TooManyForwarded {
                    addresses: ctx.xff.len() + 1,
                    max: ALB_MAX_XFF,
                },
                "too many X-Forwarded-For addresses",
            );
        }
        let mut checks = Vec::new();
        let mut matched = None;
        for rule in by_priority(&alb.listener.rules, |x| x.priority) {
            let failed = rule.conditions.iter().find(|c| !c.matches(ctx, peer));
            if tb.records() {
                checks.push(listener_check(
                    &format!("priority {}", rule.priority),
                    rule.conditions
                        .iter()
                        .map(|c| c.describe())
                        .collect::<Vec<_>>()
                        .join(" and "),
                    RuleRef::ListenerRule {
                        priority: rule.priority,
                    },
                    match failed {
                        Some(c) => format!("no match ({} does not hold)", c.describe()),
                        None => format!("match -> {}", rule.action.describe()),
                    },
                ));
            }
            if failed.is_none() {
                matched = Some(rule);
                break;
            }
        }
        let ingress = &r.cluster.ingress;
        // An Ingress default backend becomes the listener's default action.
        // Fact sheet §13.
        let default_tg = match (&matched, &ingress.default_backend) {
            (None, Some(svc)) => alb
                .target_groups
                .iter()
                .find(|t| &t.service == svc)
                .map(|t| t.id.clone()),
            _ => None,
        };
        if let (None, Some(tg)) = (&matched, default_tg) {
            if tb.records() {
                checks.push(listener_check(
                    "default",
                    "no conditions".into(),
                    RuleRef::ListenerDefault,
                    format!("forward to {tg} (the Ingress default backend)"),
                ));
            }
            tb.hop(|| {
                Step::new(
                    (&alb.id, &ingress.id),
                    Layer::Decision,
                    "-",
                    Event::Alb(AlbEvent::DefaultAction {
                        method: ctx.method.to_string(),
                        path: ctx.path.to_string(),
                        action: ListenerDefault::IngressBackend {
                            target_group: tg.clone(),
                            ingress: ingress.name.clone(),
                        },
                    }),
                    Verdict::Pass,
                    Code::ListenerDefaultAction,
                )
                .checks(checks)
            });
            let rule = ListenerRule {
                priority: 0,
                conditions: vec![],
                action: AlbAction::Forward {
                    target_group: tg.clone(),
                },
                from_ingress_path: "default backend".into(),
            };
            return self.forward(r, node, &tg, &rule, ctx, tb);
        }
        let Some(rule) = matched else {
            if tb.records() {
                checks.push(listener_check(
                    "default",
                    "no conditions".into(),
                    RuleRef::ListenerDefault,
                    format!("fixed response {}", alb.listener.default_status),
                ));
            }
            tb.hop(|| {
                Step::new(
                    (&alb.id, &alb.id),
                    Layer::Decision,
                    "-",
                    Event::Alb(AlbEvent::DefaultAction {
                        method: ctx.method.to_string(),
                        path: ctx.path.to_string(),
                        action: ListenerDefault::Fixed {
                            listener_port: alb.listener.port,
                            status: alb.listener.default_status,
                        },
                    }),
                    Verdict::Error,
                    Code::ListenerDefaultAction,
                )
                .checks(checks)
            });
            return Resp::err(
                Some(alb.listener.default_status),
                &alb.id,
                Code::ListenerDefaultAction,
                "the ALB's default rule answered".into(),
            );
        };
        // The hop of the matching rule, with what it did.
        let matched_step = |action: ListenerAction, verdict: Verdict| {
            Step::new(
                (
                    &alb.id,
                    if matches!(
                        action,
                        ListenerAction::Forward { .. } | ListenerAction::WeightedForward { .. }
                    ) {
                        &ingress.id
                    } else {
                        &alb.id
                    },
                ),
                Layer::Decision,
                "-",
                Event::Alb(AlbEvent::RuleMatch {
                    priority: rule.priority,
                    conditions: rule.conditions.clone(),
                    action,
                    origin: if rule.from_ingress_path.is_empty() {
                        RuleOrigin::LoadBalancer
                    } else {
                        RuleOrigin::Ingress {
                            ingress: ingress.name.clone(),
                            path: rule.from_ingress_path.clone(),
                        }
                    },
                }),
                verdict,
                Code::ListenerRuleMatch,
            )
        };
        match &rule.action {
            AlbAction::FixedResponse { status, body } => {
                tb.hop(|| {
                    matched_step(
                        ListenerAction::Fixed {
                            status: *status,
                            body: body.clone(),
                        },
                        if *status < 400 {
                            Verdict::Pass
                        } else {
                            Verdict::Error
                        },
                    )
                    .checks(checks)
                });
                Resp::err(
                    Some(*status),
                    &alb.id,
                    Code::ListenerRuleMatch,
                    format!("fixed response from listener rule {}", rule.priority),
                )
            }
            AlbAction::Redirect {
                status,
                protocol,
                host,
                port,
                path,
            } => {
                let loc = format!(
                    "{}://{}:{}{}{}",
                    protocol
                        .clone()
                        .unwrap_or_else(|| "https".into())
                        .to_ascii_lowercase(),
                    host.clone().unwrap_or_else(|| ctx.host.clone()),
                    port.unwrap_or(alb.listener.port),
                    path.clone().unwrap_or_else(|| ctx.path.to_string()),
                    if ctx.query.is_empty() {
                        String::new()
                    } else {
                        format!("?{}", ctx.query)
                    }
                );
                tb.hop(|| {
                    matched_step(
                        ListenerAction::Redirect {
                            status: *status,
                            location: loc.clone(),
                            kept_host: host.is_none().then(|| ctx.host.clone()),
                        },
                        Verdict::Pass,
                    )
                    .checks(checks)
                });
                Resp::redirect(*status, &alb.id, Code::ListenerRuleMatch, loc)
            }
            AlbAction::Forward { target_group } => {
                let tg = target_group;
                tb.hop(|| {
                    matched_step(
                        ListenerAction::Forward {
                            target_group: tg.clone(),
                        },
                        Verdict::Pass,
                    )
                    .checks(checks)
                });
                self.forward(r, node, tg, rule, ctx, tb)
            }
            AlbAction::WeightedForward { groups } => {
                let total: u32 = groups.iter().map(|g| g.weight).sum();
                let pick = if total == 0 {
                    groups.first().map(|g| g.target_group.clone())
                } else {
                    let mut x = self.rng.range(0, total as u64 - 1) as u32;
                    groups
                        .iter()
                        .find(|g| {
                            if x < g.weight {
                                true
                            } else {
                                x -= g.weight;
                                false
                            }
                        })
                        .map(|g| g.target_group.clone())
                };
                let Some(tg) = pick else {
                    return Resp::err(
                        Some(503),
                        &alb.id,
                        Code::NoHealthyTargets,
                        "weighted forward with no target groups".into(),
                    );
                };
                tb.hop(|| {
                    matched_step(
                        ListenerAction::WeightedForward {
                            picked: tg.clone(),
                            groups: groups.clone(),
                        },
                        Verdict::Pass,
                    )
                    .checks(checks)
                });
                self.forward(r, node, &tg, rule, ctx, tb)
            }
        }
    }

    /// The targets a target group has registered right now: ready pods
    /// (target type ip, including draining ones) or the worker nodes
    /// (target type instance). Fact sheet §8, §14.
    pub(crate) fn targets<'a>(&self, r: &'a Region, tg: &TargetGroup) -> Vec<Target<'a>> {
        let now = self.clock_ms;
        let Some(svc) = r.cluster.services.iter().find(|s| s.id == tg.service) else {
            return vec![];
        };
        match tg.target_type {
            TargetType::Ip => r
                .cluster
                .pods
                .iter()
                .filter(|p| p.app == svc.app)
                .filter(|p| {
                    self.pod_ready(&p.id) || self.alb.draining.get(&p.id).is_some_and(|t| *t > now)
                })
                .map(|p| Target {
                    id: &p.id,
                    subnet: &p.subnet,
                    host: p.host,
                    sgs: &p.security_groups,
                    port: tg.port,
                    pod: Some(p),
                })
                .collect(),
            TargetType::Instance => r
                .cluster
                .nodes
                .iter()
                .map(|n| {
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
                        port: tg.node_port,
                        pod: None,
                    }
                })
                .collect(),
        }
    }

    fn target_healthy(&self, id: &str) -> bool {
        self.alb
            .targets
            .get(id)
            .map(|h| h.state == TargetState::Healthy)
            .unwrap_or(true)
    }

    fn draining(&self, id: &str) -> bool {
        self.alb
            .draining
            .get(id)
            .is_some_and(|d| *d > self.clock_ms)
    }

    /// Forward to a target group: pick a target (registration, health,
    /// stickiness, algorithm), connect through the VPC, let it answer.
    fn forward(
        &mut self,
        r: &Region,
        node: &AlbNode,
        tg_id: &str,
        rule: &ListenerRule,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let alb = &r.alb;
        let Some(tg) = alb.target_groups.iter().find(|t| t.id == tg_id) else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                format!("rule forwards to missing target group {tg_id}"),
            );
        };
        let ingress = &r.cluster.ingress;
        let Some(svc) = r.cluster.services.iter().find(|s| s.id == tg.service) else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "no Service behind the target group".into(),
            );
        };
        tb.hop(|| {
            Step::new(
                (&ingress.id, &svc.id),
                Layer::Decision,
                "-",
                Event::App(AppEvent::IngressMatch {
                    ingress: ingress.name.clone(),
                    rule_path: (!rule.from_ingress_path.is_empty())
                        .then(|| rule.from_ingress_path.clone()),
                    service: svc.name.clone(),
                    port: svc.port,
                    request_path: ctx.path.to_string(),
                    spec: super::k8s::ingress_route(ingress, &ctx.host, &ctx.path).map(|p| {
                        SpecMatch {
                            path: p.path.clone(),
                            path_type: p.path_type,
                        }
                    }),
                    target_type: tg.target_type,
                    node_port: tg.node_port,
                }),
                Verdict::Pass,
                Code::IngressRuleMatch,
            )
        });
        let mut targets = self.targets(r, tg);
        // Cross-zone off: this ALB node only sends to targets in its AZ. Fact sheet §8.
        let node_az = self.subnet_az(r, &node.subnet);
        // The ALB's own 503 when there is nothing to send to. Fact sheet §8.
        let no_targets_step = |reason: NoTargets| {
            Step::new(
                (&svc.id, &alb.id),
                Layer::Decision,
                "-",
                Event::Alb(AlbEvent::NoTargets {
                    target_group: tg.id.clone(),
                    reason,
                }),
                Verdict::Error,
                Code::NoHealthyTargets,
            )
        };
        let no_targets = |tb: &mut Recorder,
                          reason: &dyn Fn() -> NoTargets,
                          why_503: AlbError,
                          summary: String| {
            tb.hop(|| no_targets_step(reason()));
            tb.hop(|| {
                Step::new(
                    (&alb.id, &alb.id),
                    Layer::Http,
                    "-",
                    Event::Alb(AlbEvent::generated(why_503)),
                    Verdict::Error,
                    Code::NoHealthyTargets,
                )
            });
            Resp::err(Some(503), &alb.id, Code::NoHealthyTargets, summary)
        };
        if !tg.cross_zone {
            let all = targets.len();
            targets.retain(|t| self.subnet_az(r, t.subnet) == node_az);
            if targets.is_empty() && all > 0 {
                return no_targets(
                    tb,
                    &|| NoTargets::CrossZone {
                        az: node_az.to_string(),
                        elsewhere: all,
                    },
                    AlbError::NoTargetInZone,
                    format!("cross-zone off and no target of {} in {node_az}", tg.id),
                );
            }
        }
        let endpoints = || NoTargets::NoneRegistered {
            endpoints: r
                .cluster
                .pods
                .iter()
                .filter(|p| p.app == svc.app)
                .map(|p| (p.id.clone(), self.pod_ready(&p.id)))
                .collect(),
        };
        if targets.is_empty() {
            return no_targets(
                tb,
                &endpoints,
                AlbError::NoRegisteredTargets,
                format!("{} has no registered targets", tg.id),
            );
        }
        // Targets in service (not draining); only the healthy ones, unless
        // none is, when the ALB fails open.
        let fail_open = !targets
            .iter()
            .any(|t| !self.draining(t.id) && self.target_healthy(t.id));
        let pool: Vec<Target> = targets
            .iter()
            .filter(|t| !self.draining(t.id) && (fail_open || self.target_healthy(t.id)))
            .copied()
            .collect();
        if pool.is_empty() {
            tb.hop(|| no_targets_step(NoTargets::AllDraining));
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "every target is draining".into(),
            );
        }
        // Stickiness first, then the algorithm. Fact sheet §8.
        let now = self.clock_ms;
        let cookie_key = if tg.stickiness_s.is_some() {
            format!("{}|{}", ctx.client.as_deref().unwrap_or_default(), tg.id)
        } else {
            String::new()
        };
        let sticky = tg
            .stickiness_s
            .and_then(|_| self.alb.cookies.get(&cookie_key))
            .filter(|(_, exp)| *exp > now)
            .map(|(t, _)| t.clone());
        let sticky_target = sticky
            .as_ref()
            .and_then(|s| pool.iter().find(|t| t.id == s))
            .cloned();
        let (pick, how) = match sticky_target {
            Some(t) => (t, PickHow::Sticky),
            None => {
                let t = match tg.algorithm {
                    Algorithm::RoundRobin | Algorithm::LeastOutstandingRequests => {
                        if !self.alb.rr.contains_key(&tg.id) {
                            self.alb.rr.insert(tg.id.clone(), 0);
                        }
                        let n = self.alb.rr.get_mut(&tg.id).expect("inserted above");
                        let t = pool[(*n as usize) % pool.len()];
                        *n += 1;
                        t
                    }
                    Algorithm::WeightedRandom => {
                        let i = self.rng.index(pool.len());
                        pool[i]
                    }
                };
                (
                    t,
                    PickHow::Algorithm {
                        algorithm: tg.algorithm,
                        cookie: CookieNote::None,
                    },
                )
            }
        };
        if let Some(d) = tg.stickiness_s {
            self.alb
                .cookies
                .insert(cookie_key, (pick.id.to_string(), now + d as u64 * 1000));
        }
        tb.hop(|| {
            let how = match how {
                PickHow::Algorithm { algorithm, .. } => PickHow::Algorithm {
                    algorithm,
                    cookie: match (&sticky, tg.stickiness_s) {
                        (Some(old), Some(_)) => CookieNote::Replaced { old: old.clone() },
                        (None, Some(_)) => CookieNote::Set,
                        _ => CookieNote::None,
                    },
                },
                sticky => sticky,
            };
            Step::new(
                (&svc.id, pick.id),
                Layer::Decision,
                "-",
                Event::Alb(AlbEvent::TargetPick {
                    target_group: tg.id.clone(),
                    picked: pick.id.to_string(),
                    candidates: targets
                        .iter()
                        .map(|t| {
                            let state = if self.draining(t.id) {
                                TargetStatus::Draining
                            } else if self.target_healthy(t.id) {
                                TargetStatus::Healthy
                            } else {
                                TargetStatus::Unhealthy
                            };
                            (t.id.to_string(), state)
                        })
                        .collect(),
                    how,
                    zone_only: (!tg.cross_zone).then(|| node_az.to_string()),
                    fail_open,
                    in_service: pool.len(),
                }),
                Verdict::Pass,
                Code::ServiceEndpointPick,
            )
        });
        let (conn, alb_flow) = self.vpc_connect(
            r,
            (
                Endpoint {
                    id: &alb.id,
                    subnet: &node.subnet,
                    host: node.host,
                    sgs: &alb.security_groups,
                },
                EphemeralRange::Elb,
            ),
            (
                Endpoint {
                    id: pick.id,
                    subnet: pick.subnet,
                    host: pick.host,
                    sgs: pick.sgs,
                },
                pick.port,
            ),
            tb,
        );
        let same_az = self.subnet_az(r, &node.subnet) == self.subnet_az(r, pick.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        let target_up = match &pick.pod {
            Some(p) => self.pod_host_up(r, p),
            None => {
                self.placement_up(r, pick.subnet)
                    && !self.has_fault(|| Fault::NodeDown {
                        node: pick.id.to_string(),
                    })
            }
        };
        let mut resp = match conn {
            Connect::Ok if !target_up => {
                tb.hop(|| {
                    Step::new(
                        (&alb.id, pick.id),
                        Layer::Tcp,
                        format!("TCP/{}", pick.port),
                        Event::Alb(AlbEvent::TargetDown {
                            target: pick.id.to_string(),
                        }),
                        Verdict::Timeout,
                        Code::ComponentDown,
                    )
                });
                self.target_timeout(&alb.id, pick.id, Code::ComponentDown, tb)
            }
            Connect::Ok => {
                tb.wait(hop_us * 2);
                match &pick.pod {
                    Some(p) => self.serve(
                        r,
                        &alb.id,
                        p,
                        alb_flow.src,
                        &alb_flow,
                        &node.subnet,
                        hop_us,
                        ctx,
                        tb,
                    ),
                    None => match self.kube_proxy(r, &pick, svc, tb) {
                        Some(p) => {
                            let mut back = alb_flow;
                            back.dst_port = svc.target_port;
                            self.serve(
                                r,
                                &alb.id,
                                &p,
                                pod_peer(r, &pick, &p),
                                &back,
                                &node.subnet,
                                hop_us,
                                ctx,
                                tb,
                            )
                        }
                        None => {
                            tb.hop(|| {
                                Step::new(
                                    (pick.id, &alb.id),
                                    Layer::Tcp,
                                    format!("TCP/{}", pick.port),
                                    Event::App(AppEvent::Reset {
                                        reason: ResetReason::NoReadyEndpoint,
                                    }),
                                    Verdict::Error,
                                    Code::ConnectionRefused,
                                )
                            });
                            self.alb_502(&alb.id, pick.id, tb)
                        }
                    },
                }
            }
            Connect::Dropped(_) | Connect::Silent => {
                self.target_timeout(&alb.id, pick.id, code_or(&conn), tb)
            }
        };
        if resp.pod.is_none() {
            resp.pod = pick.pod.as_ref().map(|p| p.id.as_str().into());
        }
        resp
    }

    fn target_timeout(&mut self, alb: &str, target: &str, code: Code, tb: &mut Recorder) -> Resp {
        tb.wait(ALB_TARGET_CONNECT_TIMEOUT_S * 1_000_000);
        tb.hop(|| {
            Step::new(
                (alb, alb),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::ConnectTimeout {
                    target: target.to_string(),
                    timeout_s: ALB_TARGET_CONNECT_TIMEOUT_S,
                })),
                Verdict::Timeout,
                code,
            )
        });
        Resp::err(
            Some(504),
            alb,
            code,
            format!("no connection to {target} within {ALB_TARGET_CONNECT_TIMEOUT_S} s"),
        )
    }

    fn alb_502(&mut self, alb: &str, target: &str, tb: &mut Recorder) -> Resp {
        tb.hop(|| {
            Step::new(
                (alb, alb),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::TargetReset)),
                Verdict::Error,
                Code::ConnectionRefused,
            )
        });
        Resp::err(
            Some(502),
            alb,
            Code::ConnectionRefused,
            format!("{target} refused the connection"),
        )
    }

    /// Whether the machine a pod runs on is up (its AZ, region and node).
    pub(crate) fn pod_host_up(&self, r: &Region, pod: &Pod) -> bool {
        self.placement_up(r, &pod.subnet)
            && !pod
                .node
                .as_ref()
                .is_some_and(|n| self.has_fault(|| Fault::NodeDown { node: n.clone() }))
    }

    /// The pod's answer once a connection reached it.
    #[allow(clippy::too_many_arguments)]
    fn serve(
        &mut self,
        r: &Region,
        alb: &str,
        pod: &Pod,
        peer: Ipv4Addr,
        alb_flow: &Flow,
        alb_subnet: &str,
        hop_us: u64,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let port = alb_flow.dst_port;
        let label = &r.label;
        let with_pod = |mut resp: Resp| {
            resp.pod = Some(pod.id.as_str().into());
            resp
        };
        if self.has_fault(|| Fault::PodDown {
            pod: pod.id.clone(),
        }) {
            tb.hop(|| {
                Step::new(
                    (&pod.id, alb),
                    Layer::Tcp,
                    format!("TCP/{port}"),
                    Event::App(AppEvent::Reset {
                        reason: ResetReason::Crashed {
                            pod: pod.id.clone(),
                        },
                    }),
                    Verdict::Error,
                    Code::ConnectionRefused,
                )
            });
            return with_pod(self.alb_502(alb, &pod.id, tb));
        }
        let pip = r
            .vpc
            .subnet(&pod.subnet)
            .and_then(|s| s.host(pod.host))
            .expect("validated");
        tb.hop(|| {
            Step::new(
                (alb, &pod.id),
                Layer::Http,
                format!("TCP/{port}"),
                Event::App(AppEvent::PodRequest {
                    pod: pod.id.clone(),
                    method: ctx.method.to_string(),
                    path: ctx.path.to_string(),
                    ip: pip,
                    port,
                    peer,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(hop_us);
        if self.has_fault(|| Fault::PodHung {
            pod: pod.id.clone(),
        }) {
            let limit = ctx.client_timeout_s.unwrap_or(u64::MAX);
            if limit < ALB_IDLE_TIMEOUT_S {
                tb.wait(limit * 1_000_000);
                tb.hop(|| {
                    Step::new(
                        (alb, alb),
                        Layer::Http,
                        "-",
                        Event::Alb(AlbEvent::generated(AlbError::ClientClosed {
                            target: pod.id.clone(),
                            waited_s: limit,
                            idle_timeout_s: ALB_IDLE_TIMEOUT_S,
                        })),
                        Verdict::Timeout,
                        Code::ClientClosed,
                    )
                });
                return with_pod(Resp::err(
                    Some(460),
                    alb,
                    Code::ClientClosed,
                    format!("{} hung; the client closed the connection first", pod.id),
                ));
            }
            tb.wait(ALB_IDLE_TIMEOUT_S * 1_000_000);
            tb.hop(|| {
                Step::new(
                    (alb, alb),
                    Layer::Http,
                    "-",
                    Event::Alb(AlbEvent::generated(AlbError::IdleTimeout {
                        target: pod.id.clone(),
                        timeout_s: ALB_IDLE_TIMEOUT_S,
                    })),
                    Verdict::Timeout,
                    Code::ConnectionTimeout,
                )
            });
            return with_pod(Resp::err(
                Some(504),
                alb,
                Code::ConnectionTimeout,
                format!("{} did not answer within {ALB_IDLE_TIMEOUT_S} s", pod.id),
            ));
        }
        let answer = self.app_answer(r, pod, ctx, tb);
        let status = answer.status();
        let code = answer.code();
        tb.wait(3_000);
        tb.hop(|| {
            Step::new(
                (&pod.id, alb),
                Layer::Http,
                format!("TCP/{port}"),
                Event::App(AppEvent::PodResponse {
                    pod: pod.id.clone(),
                    status,
                    answer,
                }),
                if status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                code,
            )
            .checks(World::vpc_return_checks(
                r,
                &pod.subnet,
                alb_subnet,
                &alb_flow.reversed(),
            ))
        });
        tb.wait(hop_us);
        with_pod(if status < 400 {
            Resp::ok(status, &pod.id, format!("served by {} in {label}", pod.id))
        } else if code == Code::TargetError {
            Resp::err(
                Some(status),
                &pod.id,
                code,
                format!("{} answered 500", pod.id),
            )
        } else if code == Code::MethodNotAllowed {
            Resp::err(
                Some(status),
                &pod.id,
                code,
                format!("{} does not accept {}", pod.id, ctx.method),
            )
        } else {
            Resp::err(
                Some(status),
                &pod.id,
                code,
                "the application could not reach its database".into(),
            )
        })
    }

    /// What the application does with a request that reached it: its
    /// health endpoint, OPTIONS, 405, or database work (and an SMS for a
    /// booking).
    fn app_answer(&mut self, r: &Region, pod: &Pod, ctx: &HttpCtx, tb: &mut Recorder) -> AppAnswer {
        if self.has_fault(|| Fault::TargetUnhealthy {
            pod: pod.id.clone(),
        }) {
            return AppAnswer::Broken;
        }
        if &*ctx.path == "/healthz" {
            return AppAnswer::Health;
        }
        if &*ctx.method == "OPTIONS" {
            return AppAnswer::Options;
        }
        if !matches!(&*ctx.method, "GET" | "HEAD" | "POST") {
            return AppAnswer::MethodNotAllowed {
                method: ctx.method.to_string(),
            };
        }
        let read = &*ctx.method == "GET" || &*ctx.method == "HEAD";
        let outcome = self.pod_query_db(r, pod, read, tb);
        // A write sends a confirmation SMS through the NAT gateway.
        match (outcome, read) {
            (DbOutcome::Answered, false) => match self.pod_egress(r, pod, tb) {
                Ok(()) => AppAnswer::Booked,
                Err((code, reason)) => AppAnswer::SmsFailed { code, reason },
            },
            (outcome, _) => AppAnswer::Db { outcome },
        }
    }

    /// kube-proxy (iptables mode) on a node picks a ready endpoint at random,
    /// possibly on another node. Fact sheet §14.
    fn kube_proxy(
        &mut self,
        r: &Region,
        node: &Target,
        svc: &Service,
        tb: &mut Recorder,
    ) -> Option<Pod> {
        let pool: Vec<Pod> = r
            .cluster
            .pods
            .iter()
            .filter(|p| p.app == svc.app && self.pod_ready(&p.id))
            .cloned()
            .collect();
        let step = |picked: Option<&Pod>| {
            Step::new(
                (node.id, picked.map_or(node.id, |p| p.id.as_str())),
                Layer::Decision,
                "-",
                Event::App(AppEvent::EndpointPick {
                    node: node.id.to_string(),
                    service: svc.name.clone(),
                    ready: pool.iter().map(|p| p.id.clone()).collect(),
                    picked: picked.map(|p| p.id.clone()),
                    crosses_to: picked
                        .filter(|p| p.node.as_deref() != Some(node.id))
                        .map(|p| p.node.clone().unwrap_or_default()),
                }),
                Verdict::Pass,
                Code::ServiceEndpointPick,
            )
        };
        if pool.is_empty() {
            tb.hop(|| step(None).verdict(Verdict::Error, Code::NoHealthyTargets));
            return None;
        }
        let pick = pool[self.rng.index(pool.len())].clone();
        tb.hop(|| step(Some(&pick)));
        Some(pick)
    }

    /// Make sure every registered target of every target group has a
    /// health record (pods for ip, nodes for instance).
    pub(crate) fn init_lb_runtime(&mut self) {
        let now = self.clock_ms;
        let mut ids = Vec::new();
        for r in &self.scenario.regions {
            for tg in &r.alb.target_groups {
                let all: Vec<String> = match tg.target_type {
                    TargetType::Ip => r.cluster.pods.iter().map(|p| p.id.clone()).collect(),
                    TargetType::Instance => r.cluster.nodes.iter().map(|n| n.id.clone()).collect(),
                };
                for id in all {
                    ids.push((id, tg.health_interval_s));
                }
            }
        }
        self.alb
            .targets
            .retain(|k, _| ids.iter().any(|(i, _)| i == k));
        for (id, interval) in ids {
            self.alb.targets.entry(id).or_insert(TargetHealth {
                state: TargetState::Healthy,
                consecutive_failures: 0,
                consecutive_successes: 0,
                reason: "passing health checks".into(),
                next_due_ms: now + interval as u64 * 1000,
            });
        }
    }

    /// The region and target group a target id belongs to.
    fn target_home(&self, id: &str) -> Option<(usize, TargetGroup)> {
        self.scenario.regions.iter().enumerate().find_map(|(i, r)| {
            r.alb
                .target_groups
                .iter()
                .find(|tg| match tg.target_type {
                    TargetType::Ip => r.cluster.pods.iter().any(|p| p.id == id),
                    TargetType::Instance => r.cluster.nodes.iter().any(|n| n.id == id),
                })
                .map(|tg| (i, tg.clone()))
        })
    }

    pub(crate) fn run_target_check(&mut self, target: &str) {
        let Some((ri, tg)) = self.target_home(target) else {
            self.alb.targets.remove(target);
            return;
        };
        let verdict = self.probe_target(ri, &tg, target);
        let ok = verdict.is_ok();
        let reason = verdict.err().map(|e| e.to_string()).unwrap_or_default();
        let now = self.clock_ms;
        let region_id = self.scenario.regions[ri].id.clone();
        let st = self
            .alb
            .targets
            .get_mut(target)
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
                source: format!("{} target {target} ({region_id})", tg.id),
                text,
            });
        }
    }

    /// One ALB health check: GET the health path on the target, from a load
    /// balancer node, through SGs and NACLs both ways. Reason codes as AWS
    /// reports them. Fact sheet §8.
    pub(crate) fn probe_target(
        &mut self,
        ri: usize,
        tg: &TargetGroup,
        target: &str,
    ) -> Result<(), HealthFailure> {
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let Some(t) = self.all_targets(r, tg).into_iter().find(|t| t.id == target) else {
            return Err(HealthFailure::NotRegistered);
        };
        let Some(node) = r
            .alb
            .nodes
            .iter()
            .find(|n| self.placement_up(r, &n.subnet))
            .cloned()
        else {
            return Err(HealthFailure::NoNodeUp);
        };
        let mut scratch = Recorder::off();
        let (conn, _) = self.vpc_connect(
            r,
            (
                Endpoint {
                    id: "alb",
                    subnet: &node.subnet,
                    host: node.host,
                    sgs: &r.alb.security_groups,
                },
                EphemeralRange::Elb,
            ),
            (
                Endpoint {
                    id: target,
                    subnet: t.subnet,
                    host: t.host,
                    sgs: t.sgs,
                },
                t.port,
            ),
            &mut scratch,
        );
        match conn {
            Connect::Dropped(c) => return Err(HealthFailure::Dropped(c)),
            Connect::Silent => return Err(HealthFailure::NoAnswer),
            Connect::Ok => {}
        }
        let app_ok = |w: &World, p: &Pod| -> Result<(), HealthFailure> {
            if !w.pod_host_up(r, p) {
                Err(HealthFailure::NoAnswer)
            } else if w.has_fault(|| Fault::PodDown { pod: p.id.clone() }) {
                Err(HealthFailure::Refused)
            } else if w.has_fault(|| Fault::PodHung { pod: p.id.clone() }) {
                Err(HealthFailure::Hung {
                    timeout_s: tg.health_timeout_s,
                })
            } else if w
                .faults
                .contains(&Fault::TargetUnhealthy { pod: p.id.clone() })
            {
                Err(HealthFailure::Status500)
            } else {
                Ok(())
            }
        };
        match &t.pod {
            Some(p) => app_ok(self, p),
            None => {
                if self.has_fault(|| Fault::NodeDown {
                    node: t.id.to_string(),
                }) || !self.placement_up(r, t.subnet)
                {
                    Err(HealthFailure::NoAnswer)
                } else {
                    let svc_app = r
                        .cluster
                        .services
                        .iter()
                        .find(|s| s.id == tg.service)
                        .map(|s| s.app.clone())
                        .unwrap_or_default();
                    let ready: Vec<&Pod> = r
                        .cluster
                        .pods
                        .iter()
                        .filter(|p| p.app == svc_app && self.pod_ready(&p.id))
                        .collect();
                    if ready.is_empty() {
                        Err(HealthFailure::NoReadyEndpoint)
                    } else {
                        let i = self.rng.index(ready.len());
                        let p = ready[i].clone();
                        app_ok(self, &p)
                    }
                }
            }
        }
    }

    /// Every target a group could have, registered or not.
    fn all_targets<'a>(&self, r: &'a Region, tg: &TargetGroup) -> Vec<Target<'a>> {
        match tg.target_type {
            TargetType::Ip => r
                .cluster
                .pods
                .iter()
                .map(|p| Target {
                    id: &p.id,
                    subnet: &p.subnet,
                    host: p.host,
                    sgs: &p.security_groups,
                    port: tg.port,
                    pod: Some(p),
                })
                .collect(),
            TargetType::Instance => self.targets(r, tg),
        }
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
