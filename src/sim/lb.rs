//! The Application Load Balancer: listener, rules, target groups, target
//! health, and the pod behind it. Fact sheet §8, §13, §14.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

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
/// What the appointments application accepts.
const APP_METHODS: &str = "GET, HEAD, POST, OPTIONS";
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
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn alb_request(
        &mut self,
        ri: usize,
        src: &str,
        src_ip: Ipv4Addr,
        src_range: EphemeralRange,
        rtt_ms: u32,
        connect: (u64, u64),
        host: &str,
        path: &str,
        tb: &mut Recorder,
    ) -> Resp {
        let ctx = HttpCtx {
            method: "GET".into(),
            host: host.into(),
            path: path.into(),
            ..Default::default()
        };
        self.alb_request_ctx(ri, src, src_ip, src_range, rtt_ms, connect, &ctx, tb)
    }

    /// A request arriving at a region's ALB from the internet (CloudFront,
    /// a browser, or a Route 53 health checker), down to a pod and the
    /// database, and back. `connect` is (attempts, timeout s per attempt).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn alb_request_ctx(
        &mut self,
        ri: usize,
        src: &str,
        src_ip: Ipv4Addr,
        src_range: EphemeralRange,
        rtt_ms: u32,
        connect: (u64, u64),
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
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
            hop!(
                tb,
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
            let leg = match d.leg {
                Leg::Forward => "SYN",
                Leg::Return => "SYN-ACK (return path)",
            };
            hop!(tb, src, &alb.id, Layer::Tcp, &format!("TCP/{port}"), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
                format!("the {leg} is dropped silently by {}: {}; the sender retries {} times, {} s each", deciding.0, deciding.1, connect.0, connect.1),
                path.into_list(), Verdict::Dropped, code);
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
            hop!(
                tb,
                src,
                &alb.id,
                Layer::Tcp,
                &format!("TCP/{port}"),
                format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
                "the filters let the connection in".into(),
                checks,
                Verdict::Pass,
                Code::Delivered
            );
            tb.wait(rtt);
            hop!(tb, &alb.id, src, Layer::Http, &format!("TCP/{port}"), "HTTP 400 Bad Request (from the ALB)".into(),
                format!("plain HTTP reached the HTTPS listener on {port}, which expects a TLS handshake: the ALB answers 400 itself (fact sheet §8)"),
                vec![], Verdict::Error, Code::AlbGenerated);
            tb.wait(rtt);
            return here(Resp::err(
                Some(400),
                &alb.id,
                Code::AlbGenerated,
                "plain HTTP sent to the HTTPS listener".into(),
            ));
        }
        if port != alb.listener.port {
            hop!(tb, src, &alb.id, Layer::Tcp, &format!("TCP/{port}"), format!("TCP SYN {flow} via {} into {}: no listener", r.vpc.igw, subnet.id),
                format!("the filters let port {port} in, but {} has only an HTTPS listener on {}: nothing accepts the connection (a common setup adds an HTTP:80 listener whose action redirects to HTTPS; fact sheet §8)", alb.id, alb.listener.port),
                checks, Verdict::Error, Code::ConnectionRefused);
            tb.wait(rtt);
            return here(Resp::err(
                None,
                src,
                Code::ConnectionRefused,
                format!("{} has no listener on port {port}", alb.id),
            ));
        }
        hop!(tb, src, &alb.id, Layer::Tcp, &format!("TCP/{port}"), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
            format!("the internet gateway maps {} to {node_ip}; the public subnet's network ACL and the ALB's security group let port {port} in, and the SYN-ACK out to the ephemeral port {}", node.public_ip, flow.src_port),
            checks, Verdict::Pass, Code::Delivered);
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
            let refusal = if src == s.cdn.id {
                Some((Some(502), "CloudFront checks that the origin's certificate names the origin domain, drops the connection and answers 502 (fact sheet §5, §8)"))
            } else if s.clients.iter().any(|c| c.id == src) {
                Some((None, "the browser refuses a certificate for another name (NET::ERR_CERT_COMMON_NAME_INVALID) and sends nothing (fact sheet §8)"))
            } else {
                None
            };
            if let Some((status, who)) = refusal {
                hop!(tb, src, &alb.id, Layer::Tls, &format!("TCP/{}", alb.listener.port), format!("TLS handshake, SNI {host}: certificate name mismatch"),
                    format!("no certificate on the listener matches {host}, so it presents its default certificate ({default_cert}); {who}"),
                    vec![], Verdict::Error, Code::CertificateMismatch);
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
        hop!(tb, src, &alb.id, Layer::Tls, &format!("TCP/{}", alb.listener.port), format!("TLS handshake, SNI {host}"),
            match cert {
                Some(d) => format!("the HTTPS listener terminates TLS with the ACM certificate for {d} (chosen by SNI)"),
                None => format!("no certificate matches {host}, so the listener presents its default certificate ({default_cert}); Route 53 health checks do not validate certificates, so the check goes on (fact sheet §4, §8)"),
            },
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        hop!(
            tb,
            src,
            &alb.id,
            Layer::Http,
            &format!("TCP/{}", alb.listener.port),
            format!("HTTP {} {} Host: {host}", ctx.method, ctx.path),
            {
                let mut xff: Vec<String> = ctx.xff.iter().map(|a| a.to_string()).collect();
                xff.push(src_ip.to_string());
                format!(
                    "TLS ends here; the ALB appends the TCP peer to X-Forwarded-For ({}), sets X-Forwarded-Proto https and X-Forwarded-Port {} (fact sheet §8)",
                    xff.join(", "),
                    alb.listener.port
                )
            },
            vec![],
            Verdict::Pass,
            Code::Delivered,
        );
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
                hop!(
                    tb,
                    &alb.id,
                    &alb.id,
                    Layer::Http,
                    "-",
                    format!(
                        "regional web ACL {}: {}",
                        acl.name,
                        if allowed {
                            "allow".to_string()
                        } else {
                            format!("BLOCK by rule {rule}")
                        }
                    ),
                    format!(
                        "WAF on the ALB sees {seen} as the client{}",
                        if seen == src_ip && ctx.client.is_some() && !ctx.xff.is_empty() {
                            " (the CloudFront edge, not the viewer: configure a forwarded-IP header to read X-Forwarded-For)"
                        } else {
                            ""
                        }
                    ),
                    checks,
                    if allowed {
                        Verdict::Pass
                    } else {
                        Verdict::Error
                    },
                    if allowed {
                        Code::WafDefaultAllow
                    } else {
                        Code::WafRuleBlock
                    }
                );
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
        hop!(
            tb,
            &alb.id,
            src,
            Layer::Http,
            &format!("TCP/{}", alb.listener.port),
            format!("HTTP {status} back to {src_ip}:{}", flow.src_port),
            if resp.decided_by == alb.id {
                "the ALB itself generated this response".into()
            } else {
                format!("the response from {} is relayed; the public network ACL is checked again for the ephemeral port", resp.decided_by)
            },
            ret(),
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            resp.code
        );
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
        let generated = |tb: &mut Recorder, status: u16, what: &str, why: String, summary: &str| {
            hop!(
                tb,
                &alb.id,
                &alb.id,
                Layer::Http,
                "-",
                format!("HTTP {status}{what} (from the ALB)"),
                why,
                vec![],
                Verdict::Error,
                Code::AlbGenerated
            );
            Resp::err(Some(status), &alb.id, Code::AlbGenerated, summary.into())
        };
        if &*ctx.method == "TRACE" {
            return generated(
                tb,
                405,
                " Method Not Allowed",
                "the ALB refuses TRACE itself, before any listener rule (fact sheet §8)".into(),
                "the ALB does not accept TRACE",
            );
        }
        if ctx.xff.len() + 1 > ALB_MAX_XFF {
            return generated(
                tb,
                463,
                "",
                format!("X-Forwarded-For would list {} addresses; the ALB refuses more than {ALB_MAX_XFF} (fact sheet §8)", ctx.xff.len() + 1),
                "too many X-Forwarded-For addresses",
            );
        }
        let mut checks = Vec::new();
        let mut matched = None;
        for rule in by_priority(&alb.listener.rules, |x| x.priority) {
            let failed = rule.conditions.iter().find(|c| !c.matches(ctx, peer));
            if tb.records() {
                checks.push(Check {
                    kind: CheckKind::ListenerRule,
                    subject: format!("priority {}", rule.priority),
                    direction: None,
                    flow: rule
                        .conditions
                        .iter()
                        .map(|c| c.describe())
                        .collect::<Vec<_>>()
                        .join(" and "),
                    decided_by: match failed {
                        Some(c) => format!("no match ({} does not hold)", c.describe()),
                        None => format!("match -> {}", rule.action.describe()),
                    },
                    allowed: true,
                    side: None,
                    leg: Default::default(),
                    five_tuple: None,
                    rule: None,
                });
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
            checks.push(Check {
                kind: CheckKind::ListenerRule,
                subject: "default".into(),
                direction: None,
                flow: "no conditions".into(),
                decided_by: format!("forward to {tg} (the Ingress default backend)"),
                allowed: true,
                side: None,
                leg: Default::default(),
                five_tuple: None,
                rule: None,
            });
            hop!(tb, &alb.id, &ingress.id, Layer::Decision, "-", format!("no listener rule matches {} {}: default action -> forward to {tg}", ctx.method, ctx.path),
                format!("Ingress '{}' has a default backend, which the controller turns into the listener's default action", ingress.name),
                checks, Verdict::Pass, Code::ListenerDefaultAction);
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
            checks.push(Check {
                kind: CheckKind::ListenerRule,
                subject: "default".into(),
                direction: None,
                flow: "no conditions".into(),
                decided_by: format!("fixed response {}", alb.listener.default_status),
                allowed: true,
                side: None,
                leg: Default::default(),
                five_tuple: None,
                rule: None,
            });
            hop!(tb, &alb.id, &alb.id, Layer::Decision, "-", format!("listener HTTPS:{}: no rule matches {} {}", alb.listener.port, ctx.method, ctx.path),
                format!("the default rule (evaluated last) answers a fixed {}; no Ingress path covers this request, so nothing reaches the cluster", alb.listener.default_status),
                checks, Verdict::Error, Code::ListenerDefaultAction);
            return Resp::err(
                Some(alb.listener.default_status),
                &alb.id,
                Code::ListenerDefaultAction,
                "the ALB's default rule answered".into(),
            );
        };
        let from_ingress = || {
            if rule.from_ingress_path.is_empty() {
                "added on the load balancer itself".to_string()
            } else {
                format!(
                    "written by the AWS Load Balancer Controller from Ingress '{}' path {}",
                    ingress.name, rule.from_ingress_path
                )
            }
        };
        let conds = || {
            rule.conditions
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        match &rule.action {
            AlbAction::FixedResponse { status, body } => {
                hop!(tb, &alb.id, &alb.id, Layer::Decision, "-", format!("listener rule {} -> fixed response {status}", rule.priority),
                    format!("rules are tried from the lowest priority number; this one answers without any target{}", if body.is_empty() { String::new() } else { format!(": \"{body}\"") }),
                    checks, if *status < 400 { Verdict::Pass } else { Verdict::Error }, Code::ListenerRuleMatch);
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
                hop!(
                    tb,
                    &alb.id,
                    &alb.id,
                    Layer::Decision,
                    "-",
                    format!(
                        "listener rule {} -> HTTP {status} Location: {loc}",
                        rule.priority
                    ),
                    if host.is_none() {
                        format!("a redirect action answers from the load balancer and the browser follows it with a new request; #{{host}} is the Host header the ALB received ({}), which behind CloudFront is the origin's name (fact sheet §8)", ctx.host)
                    } else {
                        "a redirect action answers from the load balancer; the browser follows it with a new request (fact sheet §8)".into()
                    },
                    checks,
                    Verdict::Pass,
                    Code::ListenerRuleMatch
                );
                Resp::redirect(*status, &alb.id, Code::ListenerRuleMatch, loc)
            }
            AlbAction::Forward { target_group } => {
                let tg = target_group;
                hop!(tb, &alb.id, &ingress.id, Layer::Decision, "-", format!("listener rule {} ({}) -> forward to {tg}", rule.priority, conds()),
                    format!("rules are tried from the lowest priority number and the first whose conditions all hold wins; this one was {}", from_ingress()),
                    checks, Verdict::Pass, Code::ListenerRuleMatch);
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
                let shares = groups
                    .iter()
                    .map(|g| format!("{} {}/{total}", g.target_group, g.weight))
                    .collect::<Vec<_>>()
                    .join(", ");
                hop!(tb, &alb.id, &ingress.id, Layer::Decision, "-", format!("listener rule {} ({}) -> weighted forward picks {tg}", rule.priority, conds()),
                    format!("target groups share traffic by weight ({shares}); this request drew {tg}; this rule was {}", from_ingress()),
                    checks, Verdict::Pass, Code::ListenerRuleMatch);
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
        let spec = || {
            super::k8s::ingress_route(ingress, &ctx.host, &ctx.path)
                .map(|p| {
                    format!(
                        "by the Ingress spec, path {} ({:?}) is the longest match for {}",
                        p.path, p.path_type, ctx.path
                    )
                })
                .unwrap_or_else(|| "no Ingress path matches by the spec".into())
        };
        let via = || {
            match tg.target_type {
            TargetType::Ip => "target type ip: the ALB sends straight to pod IPs registered from the Service's ready endpoints; kube-proxy is not on this path (fact sheet §14)".to_string(),
            TargetType::Instance => format!("target type instance: the ALB sends to the worker nodes on NodePort {}, and kube-proxy on the node forwards to a ready pod (fact sheet §14)", tg.node_port),
        }
        };
        hop!(
            tb,
            &ingress.id,
            &svc.id,
            Layer::Decision,
            "-",
            format!(
                "Ingress '{}' {} -> Service {}:{}",
                ingress.name,
                if rule.from_ingress_path.is_empty() {
                    "(rule not from the Ingress)".to_string()
                } else {
                    format!("path {}", rule.from_ingress_path)
                },
                svc.name,
                svc.port
            ),
            format!("{}; {}", spec(), via()),
            vec![],
            Verdict::Pass,
            Code::IngressRuleMatch,
        );
        let mut targets = self.targets(r, tg);
        // Cross-zone off: this ALB node only sends to targets in its AZ. Fact sheet §8.
        let node_az = self.subnet_az(r, &node.subnet);
        // The ALB's own 503 when there is nothing to send to. Fact sheet §8.
        let no_targets =
            |tb: &mut Recorder, what: String, why: String, why_503: &str, summary: String| {
                hop!(
                    tb,
                    &svc.id,
                    &alb.id,
                    Layer::Decision,
                    "-",
                    what,
                    why,
                    vec![],
                    Verdict::Error,
                    Code::NoHealthyTargets
                );
                hop!(
                    tb,
                    &alb.id,
                    &alb.id,
                    Layer::Http,
                    "-",
                    "HTTP 503 Service Unavailable (from the ALB)".into(),
                    why_503.into(),
                    vec![],
                    Verdict::Error,
                    Code::NoHealthyTargets
                );
                Resp::err(Some(503), &alb.id, Code::NoHealthyTargets, summary)
            };
        if !tg.cross_zone {
            let all = targets.len();
            targets.retain(|t| self.subnet_az(r, t.subnet) == node_az);
            if targets.is_empty() && all > 0 {
                return no_targets(
                    tb,
                    format!("target group {}: no target in {node_az}", tg.id),
                    format!("cross-zone load balancing is off, so the ALB node in {node_az} sends only to targets in {node_az}, and the {all} targets are all in other AZs (fact sheet §8)"),
                    "with cross-zone load balancing off, an AZ with no targets answers 503 (fact sheet §8)",
                    format!("cross-zone off and no target of {} in {node_az}", tg.id),
                );
            }
        }
        let endpoints = || {
            r.cluster
                .pods
                .iter()
                .filter(|p| p.app == svc.app)
                .map(|p| format!("{} ready={}", p.id, self.pod_ready(&p.id)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if targets.is_empty() {
            return no_targets(
                tb,
                format!("target group {} has no registered targets", tg.id),
                format!("EndpointSlice: {}; only ready pods are registered, so there is nothing to send to (fact sheet §8, §14)", endpoints()),
                "the ALB generates 503 when a target group has no registered targets (fact sheet §8)",
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
            hop!(tb, &svc.id, &alb.id, Layer::Decision, "-", format!("every target of {} is draining", tg.id),
                "deregistered targets get no new requests during the deregistration delay (fact sheet §8)".into(), vec![], Verdict::Error, Code::NoHealthyTargets);
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
            Some(t) => (
                t,
                Cow::Borrowed(
                    "the AWSALB stickiness cookie names this target and it is still healthy",
                ),
            ),
            None => {
                let (t, how) = match tg.algorithm {
                    Algorithm::RoundRobin | Algorithm::LeastOutstandingRequests => {
                        if !self.alb.rr.contains_key(&tg.id) {
                            self.alb.rr.insert(tg.id.clone(), 0);
                        }
                        let n = self.alb.rr.get_mut(&tg.id).expect("inserted above");
                        let t = pool[(*n as usize) % pool.len()];
                        *n += 1;
                        let how = if tg.algorithm == Algorithm::RoundRobin {
                            "round robin"
                        } else {
                            "least outstanding requests (every target has 0 in flight here, so the tie goes round robin)"
                        };
                        (t, how)
                    }
                    Algorithm::WeightedRandom => {
                        let i = self.rng.index(pool.len());
                        (pool[i], "weighted random")
                    }
                };
                let how = match (&sticky, tg.stickiness_s) {
                    (Some(old), Some(_)) => Cow::Owned(format!("{how}; the cookie's target {old} is no longer usable, so a new target is picked and the AWSALB cookie rewritten")),
                    (None, Some(_)) => Cow::Owned(format!("{how}; the ALB sets an AWSALB stickiness cookie for the next requests")),
                    _ => Cow::Borrowed(how),
                };
                (t, how)
            }
        };
        if let Some(d) = tg.stickiness_s {
            self.alb
                .cookies
                .insert(cookie_key, (pick.id.to_string(), now + d as u64 * 1000));
        }
        let listing = || {
            targets
                .iter()
                .map(|t| {
                    let state = if self.draining(t.id) {
                        "draining"
                    } else if self.target_healthy(t.id) {
                        "healthy"
                    } else {
                        "unhealthy"
                    };
                    format!("{} {state}", t.id)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        hop!(
            tb,
            &svc.id,
            &pick.id,
            Layer::Decision,
            "-",
            format!("{} picks {} ({})", tg.id, pick.id, listing()),
            format!(
                "{}{how}; {}",
                if tg.cross_zone {
                    String::new()
                } else {
                    format!("cross-zone load balancing is off, so the ALB node in {node_az} considers only targets in {node_az}; ")
                },
                if fail_open {
                    "every target is unhealthy, so the ALB fails open and spreads requests over all of them (fact sheet §8)".to_string()
                } else {
                    format!(
                        "only healthy targets are used ({} of {})",
                        pool.len(),
                        targets.len()
                    )
                }
            ),
            vec![],
            Verdict::Pass,
            Code::ServiceEndpointPick
        );
        let (conn, alb_flow) = self.vpc_connect(
            r,
            &node.subnet,
            node.host,
            &alb.security_groups,
            EphemeralRange::Elb,
            pick.subnet,
            pick.host,
            pick.sgs,
            pick.port,
            &alb.id,
            pick.id,
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
                let why = format!("{} is down: the SYN gets no answer", pick.id);
                hop!(
                    tb,
                    &alb.id,
                    &pick.id,
                    Layer::Tcp,
                    &format!("TCP/{}", pick.port),
                    "TCP SYN, no answer".into(),
                    why,
                    vec![],
                    Verdict::Timeout,
                    Code::ComponentDown,
                );
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
                            hop!(tb, &pick.id, &alb.id, Layer::Tcp, &format!("TCP/{}", pick.port), "TCP RST".into(),
                                "kube-proxy has no ready endpoint for the Service, so the connection is refused".into(), vec![], Verdict::Error, Code::ConnectionRefused);
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
        hop!(tb, alb, alb, Layer::Http, "-", "HTTP 504 Gateway Timeout (from the ALB)".into(),
            format!("no TCP connection to {target} within {ALB_TARGET_CONNECT_TIMEOUT_S} s: the ALB generates 504 (fact sheet §8)"), vec![], Verdict::Timeout, code);
        Resp::err(
            Some(504),
            alb,
            code,
            format!("no connection to {target} within {ALB_TARGET_CONNECT_TIMEOUT_S} s"),
        )
    }

    fn alb_502(&mut self, alb: &str, target: &str, tb: &mut Recorder) -> Resp {
        hop!(
            tb,
            alb,
            alb,
            Layer::Http,
            "-",
            "HTTP 502 Bad Gateway (from the ALB)".into(),
            "the target reset the connection: the ALB generates 502 (fact sheet §8)".into(),
            vec![],
            Verdict::Error,
            Code::ConnectionRefused,
        );
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
            hop!(tb, &pod.id, alb, Layer::Tcp, &format!("TCP/{port}"), "TCP RST".into(),
                format!("{} has crashed: its address answers but nothing listens; until health checks or readiness take it out, traffic keeps arriving", pod.id),
                vec![], Verdict::Error, Code::ConnectionRefused);
            return with_pod(self.alb_502(alb, &pod.id, tb));
        }
        let pip = r
            .vpc
            .subnet(&pod.subnet)
            .and_then(|s| s.host(pod.host))
            .expect("validated");
        hop!(tb, alb, &pod.id, Layer::Http, &format!("TCP/{port}"), format!("HTTP {} {} to {pip}:{port}", ctx.method, ctx.path),
            format!("the pod sees {peer} as its TCP peer; X-Forwarded-For carries the viewer and the edge"), vec![], Verdict::Pass, Code::Delivered);
        tb.wait(hop_us);
        if self.has_fault(|| Fault::PodHung {
            pod: pod.id.clone(),
        }) {
            let limit = ctx.client_timeout_s.unwrap_or(u64::MAX);
            if limit < ALB_IDLE_TIMEOUT_S {
                tb.wait(limit * 1_000_000);
                hop!(tb, alb, alb, Layer::Http, "-", "client closed the connection: HTTP 460 in the ALB's log".into(),
                    format!("{} accepted the request but never answers; the sender gave up after {limit} s, before the ALB's {ALB_IDLE_TIMEOUT_S} s idle timeout, so the ALB logs 460 (fact sheet §8)", pod.id),
                    vec![], Verdict::Timeout, Code::ClientClosed);
                return with_pod(Resp::err(
                    Some(460),
                    alb,
                    Code::ClientClosed,
                    format!("{} hung; the client closed the connection first", pod.id),
                ));
            }
            tb.wait(ALB_IDLE_TIMEOUT_S * 1_000_000);
            hop!(tb, alb, alb, Layer::Http, "-", "HTTP 504 Gateway Timeout (from the ALB)".into(),
                format!("{} accepted the request but sent nothing within the ALB's {ALB_IDLE_TIMEOUT_S} s idle timeout (fact sheet §8)", pod.id), vec![], Verdict::Timeout, Code::ConnectionTimeout);
            return with_pod(Resp::err(
                Some(504),
                alb,
                Code::ConnectionTimeout,
                format!("{} did not answer within {ALB_IDLE_TIMEOUT_S} s", pod.id),
            ));
        }
        let (status, note, code) = if self.has_fault(|| Fault::TargetUnhealthy {
            pod: pod.id.clone(),
        }) {
            (500, format!("{}'s application is broken and answers 500; the ALB passes a target's own error through unchanged (HTTPCode_Target_5XX)", pod.id), Code::TargetError)
        } else if &*ctx.path == "/healthz" {
            (
                200,
                "health endpoint: answers without touching the database".to_string(),
                Code::Delivered,
            )
        } else if &*ctx.method == "OPTIONS" {
            (
                204,
                format!("the application lists what it accepts (Allow: {APP_METHODS}) without touching the database"),
                Code::Delivered,
            )
        } else if !matches!(&*ctx.method, "GET" | "HEAD" | "POST") {
            (
                405,
                format!("the appointments API reads with GET and books with POST; it answers {} with 405 itself (Allow: {APP_METHODS}), and the ALB passes a target's own answer through", ctx.method),
                Code::MethodNotAllowed,
            )
        } else {
            let read = &*ctx.method == "GET" || &*ctx.method == "HEAD";
            let (st, note, code) = self.pod_query_db(r, pod, read, tb);
            // A write sends a confirmation SMS through the NAT gateway.
            match (st, read) {
                (200, false) => match self.pod_egress(r, pod, tb) {
                    Ok(()) => (201, "the appointment is stored and the confirmation SMS accepted".to_string(), Code::Delivered),
                    Err((c, why)) => (500, format!("the appointment is stored, but the SMS API could not be reached ({why}); the application answers 500"), c),
                },
                _ => (st, note, code),
            }
        };
        tb.wait(3_000);
        hop!(
            tb,
            &pod.id,
            alb,
            Layer::Http,
            &format!("TCP/{port}"),
            format!(
                "HTTP {status} {}",
                match status {
                    200 => "OK, application/json",
                    201 => "Created, application/json",
                    204 => "No Content",
                    405 => "Method Not Allowed",
                    _ => "error",
                }
            ),
            note,
            World::vpc_return_checks(r, &pod.subnet, alb_subnet, &alb_flow.reversed()),
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            code,
        );
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
        if pool.is_empty() {
            hop!(
                tb,
                &node.id,
                &node.id,
                Layer::Decision,
                "-",
                format!(
                    "kube-proxy on {}: no ready endpoint for {}",
                    node.id, svc.name
                ),
                "kube-proxy programs only ready endpoints (fact sheet §14)".into(),
                vec![],
                Verdict::Error,
                Code::NoHealthyTargets,
            );
            return None;
        }
        let pick = pool[self.rng.index(pool.len())].clone();
        let other = pick.node.as_deref() != Some(node.id);
        hop!(
            tb,
            &node.id,
            &pick.id,
            Layer::Decision,
            "-",
            format!(
                "kube-proxy on {} picks {} at random among {} ready endpoints",
                node.id,
                pick.id,
                pool.len()
            ),
            if other {
                format!("iptables mode picks any ready pod in the cluster, without retrying another if it fails; this one runs on {}, so the packet is SNATed and crosses to that node", pick.node.clone().unwrap_or_default())
            } else {
                "iptables mode picks at random, without retrying another pod if it fails; this pod runs on the same node".into()
            },
            vec![],
            Verdict::Pass,
            Code::ServiceEndpointPick
        );
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
        let (ok, reason) = self.probe_target(ri, &tg, target);
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
    ) -> (bool, String) {
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let Some(t) = self.all_targets(r, tg).into_iter().find(|t| t.id == target) else {
            return (false, "Target.NotRegistered".into());
        };
        let Some(node) = r
            .alb
            .nodes
            .iter()
            .find(|n| self.placement_up(r, &n.subnet))
            .cloned()
        else {
            return (false, "Elb.InternalError (no load balancer node up)".into());
        };
        let mut scratch = Recorder::off();
        let (conn, _) = self.vpc_connect(
            r,
            &node.subnet,
            node.host,
            &r.alb.security_groups,
            EphemeralRange::Elb,
            t.subnet,
            t.host,
            t.sgs,
            t.port,
            "alb",
            target,
            &mut scratch,
        );
        match conn {
            Connect::Dropped(c) => return (false, format!("Target.Timeout ({c})")),
            Connect::Silent => return (false, "Target.Timeout (no answer)".into()),
            Connect::Ok => {}
        }
        let app_ok = |w: &World, p: &Pod| -> Result<(), String> {
            if !w.pod_host_up(r, p) {
                Err("Target.Timeout (no answer)".into())
            } else if w.has_fault(|| Fault::PodDown { pod: p.id.clone() }) {
                Err("Target.FailedHealthChecks (connection refused)".into())
            } else if w.has_fault(|| Fault::PodHung { pod: p.id.clone() }) {
                Err(format!(
                    "Target.Timeout (no response within {} s)",
                    tg.health_timeout_s
                ))
            } else if w
                .faults
                .contains(&Fault::TargetUnhealthy { pod: p.id.clone() })
            {
                Err("Target.ResponseCodeMismatch (HTTP 500, expected 200)".into())
            } else {
                Ok(())
            }
        };
        let verdict = match &t.pod {
            Some(p) => app_ok(self, p),
            None => {
                if self.has_fault(|| Fault::NodeDown {
                    node: t.id.to_string(),
                }) || !self.placement_up(r, t.subnet)
                {
                    Err("Target.Timeout (no answer)".into())
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
                        Err(
                            "Target.FailedHealthChecks (no ready endpoint behind the NodePort)"
                                .into(),
                        )
                    } else {
                        let i = self.rng.index(ready.len());
                        let p = ready[i].clone();
                        app_ok(self, &p)
                    }
                }
            }
        };
        match verdict {
            Ok(()) => (true, "HTTP 200".into()),
            Err(e) => (false, e),
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
