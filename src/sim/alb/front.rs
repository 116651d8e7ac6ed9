//! The ALB's front: a connection from the internet through the internet
//! gateway into a load balancer node, TLS, the errors it generates before
//! any listener rule, the regional web ACL, and the response back.
//! Fact sheet §8.

use crate::sim::event::waf::WafSite;
use std::net::Ipv4Addr;

use super::{host_matches_cert, AlbClient, HttpCtx, StepEnds};
use crate::sim::conn::{Pool, Timers, TlsStart};
use crate::sim::event::alb::*;
use crate::sim::event::AlbEvent;
use crate::sim::net::*;
use crate::sim::scenario::*;
use crate::sim::trace::*;
use crate::sim::vpc::reuse_hop;
use crate::sim::world::*;

/// A connection the ALB accepted: the node, its subnet, the five-tuple.
#[derive(Clone, Copy)]
struct Connected<'a> {
    node: &'a AlbNode,
    subnet: &'a Subnet,
    flow: Flow,
}

/// The TCP handshake into an ALB node from the internet.
fn connect_step(ends: (&str, &str), r: &Region, conn: Connected, result: ConnectResult) -> Step {
    Step::new(
        ends,
        Layer::Tcp,
        format!("TCP/{}", conn.flow.dst_port),
        Event::Alb(AlbEvent::Connect {
            flow: conn.flow,
            igw: r.vpc.igw.to_string(),
            subnet: conn.subnet.id.to_string(),
            public_ip: conn.node.public_ip,
            result,
        }),
        Verdict::Pass,
        Code::Delivered,
    )
}

/// Internet -> IGW (1:1 NAT public -> private) -> a load balancer node's
/// public subnet NACL -> its security groups (`groups`: none for an NLB
/// without any, which then filters nothing itself), and the SYN-ACK back
/// out through the NACL and the route table. On a connection already open
/// (`tracked`) the security groups are not asked again: they track it; the
/// NACL checks every packet. Over IPv6 a route table without any IPv6
/// route takes the `::/0` route a dual-stack subnet needs as present
/// ([`PathChecks::route`]). Fact sheet §9, §11, §12, §23, §24.
pub(crate) fn inbound_checks(
    tb: &Recorder,
    r: &Region,
    (subnet, flow): (&Subnet, &Flow),
    (groups, tracked): (Option<&[String]>, bool),
) -> PathChecks {
    use Side::Destination;
    let mut path = tb.path();
    if let Some(n) = r.vpc.nacl(&subnet.nacl) {
        path.nacl(n, Direction::Inbound, flow, Destination, Leg::Forward);
    }
    if let Some(groups) = groups.filter(|_| !tracked) {
        path.sgs(
            &r.vpc,
            groups,
            Direction::Inbound,
            flow,
            (&[], false),
            Destination,
        );
    }
    let back = flow.reversed();
    if let Some(n) = r.vpc.nacl(&subnet.nacl) {
        path.nacl(n, Direction::Outbound, &back, Destination, Leg::Return);
    }
    if let Some(rt) = r.vpc.route_table_of(subnet) {
        path.route(
            rt,
            flow.src,
            &|t| matches!(t, RouteTarget::Igw(_)),
            &back,
            (Destination, Leg::Return),
        );
    }
    path
}

/// The address a sender's packets reach a node at: over IPv4 the node's
/// private address (the internet gateway maps its public one to it), over
/// IPv6 its own IPv6 address, which needs no translation. Fact sheet §23.
fn node_address(client: &AlbClient, subnet: &Subnet, node: &AlbNode) -> Option<std::net::IpAddr> {
    match client.v6 {
        Some(_) => Some(crate::sim::dns::dualstack::alb_node_ipv6(node.public_ip).into()),
        None => subnet.host(node.host).map(Into::into),
    }
}

/// An answer from this region, before any listener rule ran.
fn here(r: &Region, mut resp: Resp) -> Resp {
    resp.region = Some(r.id.as_str().into());
    resp
}

/// The sender retries and gives up: `connect` attempts of its timeout each.
fn give_up(tb: &mut Recorder, r: &Region, client: &AlbClient, why: String, code: Code) -> Resp {
    tb.wait(client.connect.0 * client.connect.1 * 1_000_000);
    here(r, Resp::err(None, client.id, code, why))
}

/// TLS terminates at the ALB; SNI picks the certificate, the default
/// (first) one when nothing matches. Who checks the name depends on the
/// caller: CloudFront checks its origin's certificate (§5: a mismatch is
/// its 502), a browser refuses the page, and a Route 53 health checker does
/// not validate certificates (§4). Fact sheet §8.
fn tls(tb: &mut Recorder, r: &Region, client: &AlbClient, host: &str) -> Result<(), Resp> {
    let alb = &r.alb;
    let caller = client.caller;
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
    let policy = alb.listener.tls_policy;
    let version = policy.negotiate(client.tls_max);
    let Some(version) = version else {
        // No version both sides accept: the handshake fails (§8, §16).
        tb.hop(|| {
            Step::new(
                (client.id, &alb.id),
                Layer::Tls,
                format!("TCP/{}", alb.listener.port),
                Event::Alb(AlbEvent::TlsVersionRefused {
                    offered: client.tls_max,
                    policy,
                    caller,
                }),
                Verdict::Error,
                Code::TlsHandshakeFailure,
            )
        });
        tb.wait(us(client.rtt_ms));
        return Err(Resp::err(
            (caller == Caller::CloudFront).then_some(502),
            client.id,
            Code::TlsHandshakeFailure,
            format!(
                "{} accepts no TLS version up to {} ({})",
                alb.id,
                client.tls_max.label(),
                policy.name()
            ),
        ));
    };
    let refused = cert.is_none() && caller.checks_certificate();
    tb.hop(|| {
        let step = Step::new(
            (client.id, &alb.id),
            Layer::Tls,
            format!("TCP/{}", alb.listener.port),
            Event::Alb(AlbEvent::Tls {
                sni: host.to_string(),
                certificate: cert.map_or(default_cert, String::as_str).to_string(),
                by_sni: cert.is_some(),
                caller,
                version,
            }),
            Verdict::Pass,
            Code::Delivered,
        );
        if refused {
            step.verdict(Verdict::Error, Code::CertificateMismatch)
        } else {
            step
        }
    });
    tb.wait(us(client.rtt_ms) * TlsStart::Full.round_trips(version));
    if refused {
        return Err(Resp::err(
            (caller == Caller::CloudFront).then_some(502),
            client.id,
            Code::CertificateMismatch,
            format!(
                "{}'s certificate ({default_cert}) does not cover {host}",
                alb.id
            ),
        ));
    }
    Ok(())
}

/// The ALB's own answer to a request past one of its header limits.
fn too_large(
    tb: &mut Recorder,
    alb: &Alb,
    o: crate::sim::reqlimit::Oversize,
    ctx: &HttpCtx,
) -> Resp {
    let status = o.status();
    tb.hop(|| {
        let hit = o.hit(ctx);
        Step::new(
            (&alb.id, &alb.id),
            Layer::Http,
            "-",
            Event::Alb(AlbEvent::generated(AlbError::RequestTooLarge {
                limit: hit.limit,
                size: hit.size,
                max: hit.max,
                header: hit.header,
            })),
            Verdict::Error,
            Code::RequestTooLarge,
        )
    });
    Resp::err(
        Some(status),
        &alb.id,
        Code::RequestTooLarge,
        format!(
            "{} of {} bytes is past the ALB's {}",
            o.limit.label(),
            o.size,
            o.max
        ),
    )
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
            unpooled: true,
            ..Default::default()
        };
        self.alb_request_ctx(ri, client, &ctx, tb)
    }

    /// A request arriving at a region's ALB from the internet (CloudFront,
    /// a browser, or a Route 53 health checker), down to a pod and the
    /// database, and back.
    pub(crate) fn alb_request_ctx(
        &mut self,
        ri: usize,
        client: AlbClient,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let alb = &r.alb;
        let (src, src_ip) = (client.id, client.ip);
        let rtt = us(client.rtt_ms);
        let conn = match self.front_connection(r, &client, ctx, tb) {
            Ok(c) => c,
            Err(resp) => return resp,
        };
        tb.hop(|| {
            let mut xff: Vec<std::net::IpAddr> = ctx.xff.iter().map(|&a| a.into()).collect();
            xff.push(client.src_ip());
            Step::new(
                (src, &alb.id),
                Layer::Http,
                format!("TCP/{}", alb.listener.port),
                Event::Alb(AlbEvent::Request {
                    method: ctx.method.to_string(),
                    path: ctx.path.to_string(),
                    host: ctx.host.clone(),
                    xff,
                    listener_port: alb.listener.port,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(rtt / 2);
        let oversize = crate::sim::reqlimit::alb(ctx);
        let mut resp = match oversize {
            // Past a header limit: the ALB's own 414 or 400, before its
            // web ACL and its rules. Fact sheet §8.
            Some(o) => too_large(tb, alb, o, ctx),
            // An HTTP flood's request meets Shield first. Fact sheet §7.
            None => match ctx
                .http_flood
                .then(|| crate::sim::shield::on_http(tb, (src, &alb.id), alb.shield))
                .flatten()
            {
                Some(blocked) => blocked,
                None => match self.alb_web_acl(r, src_ip, ctx, tb) {
                    Some((rule, 403, code)) => Resp::err(
                        Some(403),
                        &alb.id,
                        code,
                        format!("blocked by the ALB's web ACL rule {rule}"),
                    ),
                    // CAPTCHA (405) or Challenge (202). Fact sheet §27.
                    Some((rule, status, code)) => Resp::err(
                        Some(status),
                        &alb.id,
                        code,
                        format!("{status} from the ALB's web ACL rule {rule}"),
                    ),
                    None => self.alb_route(r, conn.node, src_ip, ctx, tb),
                },
            },
        };
        resp.region = Some(r.id.as_str().into());
        let status = resp.status.unwrap_or(502);
        let ret = || {
            let mut checks = Vec::new();
            if let Some(n) = r.vpc.nacl(&conn.subnet.nacl) {
                checks.push(
                    n.evaluate(Direction::Outbound, &conn.flow.reversed())
                        .side(Side::Source),
                );
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
                    to: client.src_ip(),
                    port: conn.flow.src_port,
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

    /// The TCP connection into a live ALB node, through the internet
    /// gateway, the public subnet's NACL and the ALB's security group; or
    /// the answer when it fails (nothing up, dropped, plain HTTP to the
    /// HTTPS listener, no listener on the port).
    fn alb_connect<'a>(
        &mut self,
        r: &'a Region,
        client: &AlbClient,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Result<Connected<'a>, Resp> {
        let alb = &r.alb;
        let (src, connect) = (client.id, client.connect);
        // The port the sender connects to: the URL's, or the scheme's own.
        let port = ctx.port.unwrap_or(if ctx.plain_http {
            80
        } else {
            alb.listener.port
        });
        let live: Vec<&AlbNode> = alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(r, &n.subnet))
            .collect();
        if live.is_empty() {
            return Err(self.alb_unreachable(r, client, tb));
        }
        let node = match client
            .to
            .and_then(|ip| live.iter().find(|n| n.public_ip == ip))
        {
            Some(n) => n,
            None => live[self.rng.index(live.len())],
        };
        let subnet = r.vpc.subnet(&node.subnet).expect("validated");
        let (lo, hi) = client.ports.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: client.src_ip(),
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: node_address(client, subnet, node).expect("validated"),
            dst_port: port,
        };
        let conn = Connected { node, subnet, flow };
        let step = |result| connect_step((src, &alb.id), r, conn, result);
        let path = inbound_checks(
            tb,
            r,
            (subnet, &flow),
            (Some(&r.alb.security_groups), false),
        );
        if let Some(d) = path.denied {
            let code = d.code();
            let deciding = path
                .deciding()
                .map(|c| (c.subject.clone(), c.decided_by.clone()))
                .unwrap_or_default();
            tb.hop(|| {
                step(ConnectResult::Dropped {
                    leg: d.leg,
                    by: deciding.0.clone(),
                    decided_by: deciding.1.clone(),
                    attempts: connect.0,
                    timeout_s: connect.1,
                })
                .checks(path.into_list())
                .verdict(Verdict::Dropped, code)
            });
            let why = format!(
                "connection to {} dropped by {} ({})",
                alb.id, deciding.0, deciding.1
            );
            if let Some((_, true)) = client.v6 {
                // Happy Eyeballs: the IPv4 attempt is not waiting for this
                // one to time out. Fact sheet §23.
                let by = &deciding.0;
                return Err(here(r, Resp::err(None, by, Code::Ipv6Fallback, why)));
            }
            return Err(give_up(tb, r, client, why, code));
        }
        let checks = path.into_list();
        let rtt = us(client.rtt_ms);
        if port == alb.listener.port && ctx.plain_http {
            tb.hop(|| step(ConnectResult::PlainHttp).checks(checks));
            tb.wait(rtt);
            // The ALB's own 400 before any rule. Fact sheet §8.
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
            let resp = Resp::err(
                Some(400),
                &alb.id,
                Code::AlbGenerated,
                "plain HTTP sent to the HTTPS listener".into(),
            );
            return Err(here(r, resp));
        }
        if port != alb.listener.port {
            tb.hop(|| {
                step(ConnectResult::NoListener {
                    alb: alb.id.clone(),
                    listener_port: alb.listener.port,
                })
                .checks(checks)
                .verdict(Verdict::Error, Code::ConnectionRefused)
            });
            tb.wait(rtt);
            let why = format!("{} has no listener on port {port}", alb.id);
            return Err(here(r, Resp::err(None, src, Code::ConnectionRefused, why)));
        }
        tb.hop(|| step(ConnectResult::Accepted).checks(checks));
        tb.wait(rtt);
        Ok(conn)
    }

    /// A TCP-only probe (a Route 53 TCP health check): the connection into
    /// a node on `port`, nothing sent over it. Fact sheet §4.
    pub(crate) fn alb_tcp_probe(
        &mut self,
        ri: usize,
        client: AlbClient,
        port: u16,
    ) -> Result<(), Resp> {
        let s = std::sync::Arc::clone(&self.scenario);
        let ctx = HttpCtx {
            port: Some(port),
            ..Default::default()
        };
        let mut tb = Recorder::off();
        self.alb_connect(&s.regions[ri], &client, &ctx, &mut tb)
            .map(|_| ())
    }

    /// The sender's connection into a load balancer node: the one it holds
    /// open (a reuse hop, the NACL checked again, no handshake), or a new
    /// one (TCP, then TLS); kept for its next request when the sender keeps
    /// connections. The answer when neither works. Fact sheet §8, §24, §26.
    fn front_connection<'a>(
        &mut self,
        r: &'a Region,
        client: &AlbClient,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Result<Connected<'a>, Resp> {
        let alb = &r.alb;
        let pool = client
            .keep_alive_s
            .filter(|_| !ctx.unpooled && !ctx.concurrent && !ctx.plain_http && ctx.port.is_none())
            .map(|ka| {
                // One pool per IP version: an IPv6 connection is another one.
                let ip = client.src_ip().to_string();
                (KeyBuf::new(&["o|", client.id, "|", &ip, "|", &alb.id]), ka)
            });
        let now = self.clock_ms;
        let warm = pool.as_ref().and_then(|(key, ka)| {
            let timers = Timers {
                client_idle_s: *ka,
                server_idle_s: alb.idle_timeout_s as u64,
                race: false,
            };
            match self.conn.look(key, now, timers) {
                Pool::Warm { pooled, idle_ms } => self
                    .reused_front(r, client, pooled)
                    .map(|c| (c, pooled, idle_ms)),
                _ => None,
            }
        });
        let conn = match warm {
            Some((conn, pooled, idle_ms)) => {
                let path = inbound_checks(
                    tb,
                    r,
                    (conn.subnet, &conn.flow),
                    (Some(&r.alb.security_groups), true),
                );
                let reused = (conn.flow, idle_ms, pooled.served);
                let ends = ((client.id, alb.id.as_str()), alb.listener.port);
                if let Some(d) = reuse_hop(tb, ends, reused, path, None) {
                    // The request's packets vanish on an open connection:
                    // the sender waits out its response timeout.
                    if let Some((key, _)) = &pool {
                        self.conn.drop_conn(key);
                    }
                    let waited = ctx.client_timeout_s.unwrap_or(30);
                    tb.wait(waited * 1_000_000);
                    let why = format!(
                        "no answer from {} within {waited} s on the open connection",
                        alb.id
                    );
                    return Err(here(r, Resp::err(None, client.id, d.code(), why)));
                }
                if pooled.lifetime_over(now) {
                    // Open past the client keep-alive duration: one more
                    // request, then the ALB closes it. Fact sheet §26.
                    tb.hop(|| {
                        Step::new(
                            (alb.id.as_str(), client.id),
                            Layer::Tcp,
                            format!("TCP/{}", alb.listener.port),
                            Event::Alb(AlbEvent::ClientKeepaliveEnded {
                                caller: client.caller,
                                open_ms: now.saturating_sub(pooled.opened_ms),
                                keepalive_s: pooled.lifetime_s.unwrap_or_default(),
                                served: pooled.served,
                            }),
                            Verdict::Pass,
                            Code::ClientKeepaliveEnded,
                        )
                    });
                    if let Some((key, _)) = &pool {
                        self.conn.drop_conn(key);
                    }
                    return Ok(conn);
                }
                conn
            }
            None => {
                let conn = self.alb_connect(r, client, ctx, tb)?;
                tls(tb, r, client, &ctx.host)?;
                conn
            }
        };
        if let Some((key, _)) = &pool {
            let version = alb.listener.tls_policy.negotiate(client.tls_max);
            self.conn
                .keep_to(key, now, (conn.flow.src_port, conn.node.public_ip), version);
            self.conn.set_lifetime(key, alb.client_keepalive_s as u64);
        }
        Ok(conn)
    }

    /// The connection a sender holds open to a load balancer node, if that
    /// node is still up: the same five-tuple as when it opened.
    fn reused_front<'a>(
        &self,
        r: &'a Region,
        client: &AlbClient,
        pooled: crate::sim::conn::Pooled,
    ) -> Option<Connected<'a>> {
        let node = r
            .alb
            .nodes
            .iter()
            .find(|n| Some(n.public_ip) == pooled.peer && self.placement_up(r, &n.subnet))?;
        let subnet = r.vpc.subnet(&node.subnet)?;
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: client.src_ip(),
            src_port: pooled.src_port,
            dst: node_address(client, subnet, node)?,
            dst_port: r.alb.listener.port,
        };
        Some(Connected { node, subnet, flow })
    }

    /// No load balancer node is up: the SYNs go unanswered.
    fn alb_unreachable(&self, r: &Region, client: &AlbClient, tb: &mut Recorder) -> Resp {
        let alb = &r.alb;
        let connect = client.connect;
        let region_down = self.region_down(&r.id);
        tb.hop(|| {
            Step::new(
                (client.id, &alb.id),
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
        let why = format!(
            "{} did not answer ({} x {} s)",
            alb.id, connect.0, connect.1
        );
        give_up(tb, r, client, why, Code::ComponentDown)
    }

    /// A regional web ACL on the ALB runs before the listener rules; it
    /// sees the TCP peer (CloudFront's address) unless told to read a
    /// forwarded-IP header. The blocking rule, if one blocks. Fact sheet §6.
    fn alb_web_acl(
        &mut self,
        r: &Region,
        src_ip: Ipv4Addr,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Option<(String, u16, Code)> {
        let alb = &r.alb;
        let acl = alb.web_acl.as_ref()?;
        let mut wctx = ctx.clone();
        wctx.xff.push(src_ip);
        let v = self.waf_check(acl, src_ip, &wctx, 8 * 1024, tb);
        let blocked_by = (!v.allowed).then(|| (v.decider.to_string(), v.status, v.code()));
        tb.hop(|| {
            let site = WafSite::Alb {
                alb_id: alb.id.clone(),
                sees_edge: v.seen == src_ip && ctx.client.is_some() && !ctx.xff.is_empty(),
            };
            v.step(acl, site, (&alb.id, &alb.id))
        });
        if !v.allowed && v.status != 403 {
            tb.hop(|| {
                Step::new(
                    (&alb.id, &alb.id),
                    Layer::Http,
                    "-",
                    v.interstitial(acl, ctx)
                        .expect("a CAPTCHA or Challenge rule stopped the request"),
                    Verdict::Error,
                    v.code(),
                )
            });
        }
        blocked_by
    }
}
