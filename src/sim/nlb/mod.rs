//! The Network Load Balancer's walk: a connection into a node (its
//! subnet's NACL and, when it has any, the NLB's security groups), the
//! listener by protocol and port, TLS terminated at a TLS listener or
//! passed through a TCP one, a target in the node's own AZ unless
//! cross-zone is on (a flow hash among those recorded healthy by the
//! checks on the clock, [`health`]; no HTTP read), the connection to the
//! target with the source it sees (the client's own address when client IP
//! preservation is on), and the target's answer relayed as it is.
//! Fact sheet §9, §11, §12, §26.

use std::net::{IpAddr, Ipv4Addr};

pub mod health;
pub use health::{nlb_key, NlbState};

use crate::sim::alb::{AlbClient, HttpCtx, StepEnds, Target};
use crate::sim::app::Delivery;
use crate::sim::conn::{Closed, Pool, Pooled, Relay, Timers, TlsStart, TlsVersion};
use crate::sim::event::nlb::{NlbConnect, NlbEvent, TargetEnd};
use crate::sim::net::*;
use crate::sim::scenario::*;
use crate::sim::trace::*;
use crate::sim::vpc::reuse_hop;
use crate::sim::world::*;

/// What a browser keeps of a new connection into an NLB: its source port,
/// the node it dialled, where the NLB sends it, the TLS version.
#[derive(Clone, Copy)]
struct Opened {
    src_port: u16,
    node: Ipv4Addr,
    relay: Relay,
    tls: Option<TlsVersion>,
}

/// What the browser's kept connection did for a request: answered it, or
/// is gone (and how, when an idle timer closed it).
enum Kept {
    Answered(Resp),
    Gone(Option<Closed>),
}

/// A flow hash over the five-tuple: the same connection always reaches the
/// same target (FNV-1a; no draw from the world's RNG).
fn flow_hash(flow: &Flow) -> u64 {
    let text = format!(
        "{}|{}|{}|{}",
        flow.src, flow.src_port, flow.dst, flow.dst_port
    );
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn here(r: &Region, mut resp: Resp) -> Resp {
    resp.region = Some(r.id.as_str().into());
    resp
}

/// Every filter between an NLB node and a target, both ways: the NLB's
/// security groups out (when it has any), the node subnet's NACL out and
/// route, the target subnet's NACL in, the target's security groups in
/// (a preserved client address matches no rule naming the NLB's group),
/// and the reply through both NACLs. On an open connection (`tracked`)
/// the security groups track it and are not asked again; the NACLs check
/// every packet. Fact sheet §9, §11, §12, §24.
fn target_checks(
    r: &Region,
    nlb: &Nlb,
    (subnet, ts, target_sgs): (&Subnet, &Subnet, &[String]),
    (tflow, preserved): (&Flow, bool),
    (mut path, tracked): (PathChecks, bool),
) -> PathChecks {
    use Direction::{Inbound, Outbound};
    use Side::{Destination, Source};
    let vpc = &r.vpc;
    if !nlb.security_groups.is_empty() && !tracked {
        path.sgs(
            vpc,
            &nlb.security_groups,
            Outbound,
            tflow,
            (target_sgs, true),
            Source,
        );
    }
    if let Some(n) = vpc.nacl(&subnet.nacl) {
        path.nacl(n, Outbound, tflow, Source, Leg::Forward);
    }
    if let Some(rt) = vpc.route_table_of(subnet) {
        path.route(
            rt,
            tflow.dst,
            &|t| *t == RouteTarget::Local,
            tflow,
            (Source, Leg::Forward),
        );
    }
    if let Some(n) = vpc.nacl(&ts.nacl) {
        path.nacl(n, Inbound, tflow, Destination, Leg::Forward);
    }
    let peer: (&[String], bool) = if preserved {
        (&[], false)
    } else {
        (&nlb.security_groups, true)
    };
    if !tracked {
        path.sgs(vpc, target_sgs, Inbound, tflow, peer, Destination);
    }
    let back = tflow.reversed();
    if let Some(n) = vpc.nacl(&ts.nacl) {
        path.nacl(n, Outbound, &back, Destination, Leg::Return);
    }
    if let Some(n) = vpc.nacl(&subnet.nacl) {
        path.nacl(n, Inbound, &back, Source, Leg::Return);
    }
    path
}

/// Into the node: the internet gateway maps the public address to the
/// node's private one; the checks are the ALB's node's, with the NLB's
/// security groups when it has any. Fact sheet §9, §11, §12, §24.
fn node_checks(
    tb: &Recorder,
    (r, nlb, subnet): (&Region, &Nlb, &Subnet),
    flow: &Flow,
    tracked: bool,
) -> PathChecks {
    let groups = (!nlb.security_groups.is_empty()).then_some(nlb.security_groups.as_slice());
    crate::sim::alb::front::inbound_checks(tb, r, (subnet, flow), (groups, tracked))
}

/// The source port a health check is shown with: any port of the load
/// balancer's ephemeral range reads the same in this model's rules.
const HEALTH_CHECK_SRC_PORT: u16 = 40_000;

impl World {
    /// Whether a target's machine is up (its AZ, region, node).
    fn nlb_target_up(&self, r: &Region, t: &Target) -> bool {
        match &t.pod {
            Some(p) => self.pod_host_up(r, p),
            None => {
                self.placement_up(r, t.subnet)
                    && !self.has_fault(|| Fault::NodeDown {
                        node: t.id.to_string(),
                    })
            }
        }
    }
}

impl World {
    /// The region whose NLB has a node at this public address.
    pub(crate) fn nlb_region_at(&self, ip: Ipv4Addr) -> Option<usize> {
        self.scenario.regions.iter().position(|r| {
            r.nlb
                .as_ref()
                .is_some_and(|n| n.nodes.iter().any(|n| n.public_ip == Some(ip)))
        })
    }

    /// The targets an NLB target group has registered and in service now:
    /// the ready pods of its Service (ip) or the worker nodes (instance).
    /// Fact sheet §9, §14.
    pub(crate) fn nlb_targets<'a>(&self, r: &'a Region, tg: &NlbTargetGroup) -> Vec<Target<'a>> {
        let mut all = Self::nlb_members(r, tg);
        all.retain(|t| t.pod.is_none_or(|p| self.pod_ready(&p.id)));
        all
    }

    /// Every target an NLB target group checks: its Service's pods, ready
    /// or not (ip), or the worker nodes (instance). Fact sheet §9, §14.
    pub(crate) fn nlb_members<'a>(r: &'a Region, tg: &NlbTargetGroup) -> Vec<Target<'a>> {
        let Some(svc) = r.cluster.services.iter().find(|s| s.id == tg.service) else {
            return vec![];
        };
        match tg.target_type {
            TargetType::Ip => r
                .cluster
                .pods
                .iter()
                .filter(|p| p.app == svc.app)
                .map(|p| Target::of_pod(p, tg.port))
                .collect(),
            TargetType::Instance => r
                .cluster
                .nodes
                .iter()
                .map(|n| Target::of_node(r, n, tg.port))
                .collect(),
        }
    }

    /// A TCP connection from the internet (a browser) into region `ri`'s
    /// NLB, carrying one HTTP request (inside TLS or not), down to a pod
    /// and back. Fact sheet §9.
    pub(crate) fn nlb_request(
        &mut self,
        ri: usize,
        client: AlbClient,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let Some(nlb) = r.nlb.as_ref() else {
            return Resp::err(None, client.id, Code::ComponentDown, "no NLB".into());
        };
        let port = ctx.port.unwrap_or(if ctx.plain_http { 80 } else { 443 });
        // The connection a browser keeps to this host and port between
        // requests (not a burst's, not a health checker's). Fact sheet §26.
        let pool = client
            .keep_alive_s
            .filter(|_| !ctx.unpooled && !ctx.concurrent)
            .map(|ka| {
                let ip = client.src_ip().to_string();
                let scheme = if ctx.plain_http { "http" } else { "https" };
                let port = port.to_string();
                let parts = ["n|", client.id, "|", &ip, "|", &nlb.id, "|", scheme];
                let key = KeyBuf::new(&[&parts[..], &["|", &ctx.host, "|", &port]].concat());
                (key, ka)
            });
        let mut closed = None;
        if let Some((key, ka)) = &pool {
            match self.nlb_kept(r, nlb, (&client, ctx), (key.as_str(), *ka, port), tb) {
                Kept::Answered(resp) => return resp,
                Kept::Gone(c) => closed = c,
            }
        }
        let now = self.clock_ms;
        let mut opened = None;
        let resp =
            self.nlb_new_connection((r, nlb), (&client, ctx), (port, closed), &mut opened, tb);
        if let (Some((key, _)), Some(o)) = (&pool, opened) {
            if resp.status.is_some() {
                let key = key.as_str();
                self.conn.keep_to(key, now, (o.src_port, o.node), o.tls);
                self.conn.set_relay(key, o.relay);
            }
        }
        resp
    }

    /// A new connection into a node, carrying one request down to a target
    /// and back; `opened` says what a browser may keep of it.
    fn nlb_new_connection(
        &mut self,
        (r, nlb): (&Region, &Nlb),
        (client, ctx): (&AlbClient, &HttpCtx),
        (port, closed): (u16, Option<Closed>),
        opened: &mut Option<Opened>,
        tb: &mut Recorder,
    ) -> Resp {
        let connect = client.connect;
        let give_up = |tb: &mut Recorder, why: String, code: Code| {
            tb.wait(connect.0 * connect.1 * 1_000_000);
            here(r, Resp::err(None, client.id, code, why))
        };
        let rtt = us(client.rtt_ms);
        // 1. A live node: the one whose address the sender connects to.
        let node = match self.nlb_node((r, nlb), client, tb) {
            Ok(node) => node,
            Err(resp) => return resp,
        };
        let subnet = r.vpc.subnet(&node.subnet).expect("validated");
        let node_ip = subnet.host(node.host).expect("validated");
        let az = subnet.az.as_str();
        let (lo, hi) = client.ports.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: client.src_ip(),
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: node_ip.into(),
            dst_port: port,
        };
        // 2. Into the node: the internet gateway maps the public address to
        // the node's private one; the subnet's NACL both ways, the NLB's
        // security groups when it has any, the route back. Fact sheet §9, §11, §12.
        let path = node_checks(tb, (r, nlb, subnet), &flow, false);
        let connect_step = |result: NlbConnect| {
            Step::new(
                (client.id, nlb.id.as_str()),
                Layer::Tcp,
                format!("TCP/{port}"),
                Event::Nlb(NlbEvent::Connect {
                    nlb: nlb.id.clone(),
                    flow,
                    subnet: node.subnet.clone(),
                    az: az.to_string(),
                    public_ip: node.public_ip,
                    result,
                    closed,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        };
        if let Some(d) = path.denied {
            let code = d.code();
            let deciding = path
                .deciding()
                .map(|c| (c.subject.clone(), c.decided_by.clone()))
                .unwrap_or_default();
            let why = format!(
                "connection to {} dropped by {} ({})",
                nlb.id, deciding.0, deciding.1
            );
            tb.hop(|| {
                connect_step(NlbConnect::Dropped {
                    leg: d.leg,
                    by: deciding.0.clone(),
                    decided_by: deciding.1.clone(),
                    attempts: connect.0 as u32,
                    timeout_s: connect.1 as u32,
                })
                .checks(path.into_list())
                .verdict(Verdict::Dropped, code)
            });
            return give_up(tb, why, code);
        }
        let checks = path.into_list();
        // 3. The listener: TCP traffic meets a TCP, TLS or TCP_UDP listener
        // on its port; none, and the node resets it. Fact sheet §9, §25.
        let Some(listener) = nlb
            .listeners
            .iter()
            .find(|l| l.port == port && l.protocol.carries_tcp())
        else {
            tb.hop(|| {
                connect_step(NlbConnect::NoListener {
                    protocol: NlbProtocol::Tcp,
                    port,
                    listeners: nlb.listeners.iter().map(|l| (l.protocol, l.port)).collect(),
                })
                .checks(checks)
                .verdict(Verdict::Error, Code::Elbv2ListenersMismatch)
            });
            tb.wait(rtt);
            let why = format!("{} has no TCP listener on port {port}", nlb.id);
            return here(
                r,
                Resp::err(None, &nlb.id, Code::Elbv2ListenersMismatch, why),
            );
        };
        tb.hop(|| {
            connect_step(NlbConnect::Accepted {
                listener: listener.protocol,
            })
            .checks(checks)
        });
        tb.wait(rtt);
        // 4. TLS: terminated at a TLS listener, passed through a TCP one.
        if !ctx.plain_http {
            if let Some(refused) = nlb_tls(tb, (r, nlb, listener), (client, ctx), (port, rtt)) {
                return refused;
            }
        }
        // 5. The target. Fact sheet §9.
        let tg = nlb.target_group(&listener.target_group).expect("validated");
        let pick = match self.nlb_pick((r, nlb, tg), az, &flow, rtt, tb) {
            Ok(pick) => pick,
            Err(resp) => return resp,
        };
        // 6. The connection to the target. Fact sheet §9, §11, §12.
        let (tflow, refused) =
            self.nlb_target_connect((r, nlb, subnet, node_ip), (tg, listener, pick), &flow, tb);
        if let Some(code) = refused {
            // The NLB passes the SYN on; the client's handshake never
            // completes and it gives up. Fact sheet §9.
            let why = format!("{}'s connection to {} got no answer", nlb.id, pick.id);
            let mut resp = give_up(tb, why, code);
            resp.pod = pick.pod.map(|p| p.id.as_str().into());
            return resp;
        }
        // 7. The target answers; a browser may keep the connection.
        if let (Some(node_pub), IpAddr::V4(target)) = (node.public_ip, tflow.dst) {
            *opened = Some(Opened {
                src_port: flow.src_port,
                node: node_pub,
                relay: Relay {
                    target,
                    src_port: tflow.src_port,
                },
                tls: (!ctx.plain_http).then_some(client.tls_max),
            });
        }
        self.nlb_deliver(
            (r, nlb, node),
            (tg, pick),
            tflow,
            (client, ctx),
            (&flow, port),
            tb,
        )
    }

    /// The NLB's connection to the target it picked, from the client's own
    /// address (preserved) or the node's private one, with its checks: the
    /// flow, and the code when the target never answers (dropped on the way
    /// or down). Fact sheet §9, §11, §12.
    fn nlb_target_connect(
        &mut self,
        (r, nlb, subnet, node_ip): (&Region, &Nlb, &Subnet, Ipv4Addr),
        (tg, listener, pick): (&NlbTargetGroup, &NlbListener, Target),
        flow: &Flow,
        tb: &mut Recorder,
    ) -> (Flow, Option<Code>) {
        let preserved = tg.preserves_client_ip() && matches!(flow.src, IpAddr::V4(_));
        let ts = r.vpc.subnet(pick.subnet).expect("validated");
        let target_ip = ts.host(pick.host).expect("validated");
        let (src_ip, src_port) = if preserved {
            (flow.src, flow.src_port)
        } else {
            let (lo, hi) = EphemeralRange::Elb.range();
            (
                IpAddr::V4(node_ip),
                self.rng.range(lo as u64, hi as u64) as u16,
            )
        };
        let tflow = Flow {
            protocol: Protocol::Tcp,
            src: src_ip,
            src_port,
            dst: target_ip.into(),
            dst_port: pick.port,
        };
        let target_path = target_checks(
            r,
            nlb,
            (subnet, ts, pick.sgs),
            (&tflow, preserved),
            (tb.path(), false),
        );
        let target_up = self.nlb_target_up(r, &pick);
        let denied = target_path.denied;
        let (verdict, code) = match &denied {
            Some(d) => (Verdict::Dropped, d.code()),
            None if !target_up => (Verdict::Timeout, Code::ComponentDown),
            None if preserved => (Verdict::Pass, Code::Elbv2SourceAddressPreservation),
            None => (Verdict::Pass, Code::Delivered),
        };
        let idle_timeout_s = listener.idle_timeout();
        tb.hop(|| {
            let end = match target_path.deciding() {
                Some(c) if denied.is_some() => TargetEnd::Dropped { by: c.clone() },
                _ if !target_up => TargetEnd::Unanswered,
                _ => TargetEnd::Established,
            };
            Step::new(
                (nlb.id.as_str(), pick.id),
                Layer::Tcp,
                format!("TCP/{}", pick.port),
                Event::Nlb(NlbEvent::TargetConnect {
                    flow: tflow,
                    target: pick.id.to_string(),
                    preserved,
                    idle_timeout_s,
                    end,
                }),
                verdict,
                code,
            )
            .checks(target_path.into_list())
        });
        let refused = (denied.is_some() || !target_up).then_some(code);
        (tflow, refused)
    }

    /// The node a new connection reaches: the live one at the address the
    /// sender connects to, or any live one; none, and the sender's
    /// connection attempts time out. Fact sheet §9.
    fn nlb_node<'a>(
        &mut self,
        (r, nlb): (&Region, &'a Nlb),
        client: &AlbClient,
        tb: &mut Recorder,
    ) -> Result<&'a NlbNode, Resp> {
        let connect = client.connect;
        let live: Vec<&NlbNode> = nlb
            .nodes
            .iter()
            .filter(|n| self.placement_up(r, &n.subnet))
            .collect();
        match live
            .iter()
            .find(|n| client.to.is_some() && n.public_ip == client.to)
        {
            Some(n) => Ok(*n),
            None if live.is_empty() || client.to.is_some() => {
                tb.hop(|| {
                    Step::new(
                        (client.id, &nlb.id),
                        Layer::Tcp,
                        "TCP/443",
                        Event::Nlb(NlbEvent::Unreachable {
                            nlb: nlb.id.clone(),
                            attempts: connect.0 as u32,
                            timeout_s: connect.1 as u32,
                        }),
                        Verdict::Timeout,
                        Code::ComponentDown,
                    )
                });
                let why = format!("{} did not answer", nlb.id);
                tb.wait(connect.0 * connect.1 * 1_000_000);
                Err(here(
                    r,
                    Resp::err(None, client.id, Code::ComponentDown, why),
                ))
            }
            None => Ok(live[self.rng.index(live.len())]),
        }
    }

    /// The target a new connection goes to: in the node's AZ unless
    /// cross-zone is on, recorded healthy (or all of them when none is),
    /// a flow hash picking among them; none in the node's AZ, and the
    /// connection fails. Fact sheet §9, §8.
    fn nlb_pick<'a>(
        &mut self,
        (r, nlb, tg): (&'a Region, &Nlb, &NlbTargetGroup),
        az: &str,
        flow: &Flow,
        rtt: u64,
        tb: &mut Recorder,
    ) -> Result<Target<'a>, Resp> {
        let all = self.nlb_targets(r, tg);
        let (here_az, elsewhere): (Vec<Target>, Vec<Target>) =
            all.iter().partition(|t| self.subnet_az(r, t.subnet) == az);
        let pool: Vec<Target> = if nlb.cross_zone { all.clone() } else { here_az };
        if pool.is_empty() {
            let code = if nlb.cross_zone {
                Code::NoHealthyTargets
            } else {
                Code::Elbv2NoTargetsInAz
            };
            tb.hop(|| {
                Step::new(
                    (nlb.id.as_str(), nlb.id.as_str()),
                    Layer::Decision,
                    "-",
                    Event::Nlb(NlbEvent::NoTargetsInAz {
                        target_group: tg.id.clone(),
                        az: az.to_string(),
                        elsewhere: if nlb.cross_zone {
                            0
                        } else {
                            elsewhere.len() as u32
                        },
                    }),
                    Verdict::Error,
                    code,
                )
            });
            tb.wait(rtt);
            let why = format!("{} has no target for the node in {az}", tg.id);
            return Err(here(r, Resp::err(None, &nlb.id, code, why)));
        }
        // Only targets whose recorded state is healthy get a new
        // connection (a target that just died still does until its checks
        // have failed the unhealthy threshold's rounds; one in `initial`
        // does not), unless none is: then the NLB fails open to all.
        // Fact sheet §9, §8.
        let healthy: Vec<Target> = pool
            .iter()
            .copied()
            .filter(|t| self.nlb.healthy(&r.id, &tg.id, t.id))
            .collect();
        let unhealthy = (pool.len() - healthy.len()) as u32;
        let fail_open = healthy.is_empty();
        let pool = if fail_open { pool } else { healthy };
        let pick = pool[(flow_hash(flow) % pool.len() as u64) as usize];
        let target_az = self.subnet_az(r, pick.subnet);
        tb.hop(|| {
            Step::new(
                (nlb.id.as_str(), pick.id),
                Layer::Decision,
                "-",
                Event::Nlb(NlbEvent::TargetPick {
                    target_group: tg.id.clone(),
                    target: pick.id.to_string(),
                    target_az: target_az.to_string(),
                    node_az: az.to_string(),
                    cross_zone: nlb.cross_zone,
                    candidates: pool.len() as u32,
                    unhealthy,
                    fail_open,
                }),
                Verdict::Pass,
                if nlb.cross_zone {
                    Code::Delivered
                } else {
                    Code::ElbNotCrosszone
                },
            )
        });
        Ok(pick)
    }

    /// The target answers on the NLB's flow (a pod, or a node whose
    /// kube-proxy picks one), and the NLB relays the answer back.
    fn nlb_deliver(
        &mut self,
        (r, nlb, node): (&Region, &Nlb, &NlbNode),
        (tg, pick): (&NlbTargetGroup, Target),
        tflow: Flow,
        (client, ctx): (&AlbClient, &HttpCtx),
        (flow, port): (&Flow, u16),
        tb: &mut Recorder,
    ) -> Resp {
        let same_az = self.subnet_az(r, pick.subnet) == self.subnet_az(r, &node.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        tb.wait(hop_us * 2);
        let svc = r.cluster.services.iter().find(|s| s.id == tg.service);
        let (pod, peer, pflow) = match (pick.pod, svc) {
            (Some(p), _) => (Some(p), tflow.src_v4(), tflow),
            (None, Some(svc)) => {
                let sender = tflow.src_v4().unwrap_or(Ipv4Addr::UNSPECIFIED);
                let mut f = tflow;
                f.dst_port = svc.target_port;
                match self.kube_proxy(r, &pick, svc, sender, tb) {
                    crate::sim::k8s::ProxyPick::Pod(p, peer) => (Some(p), Some(peer), f),
                    // No endpoint kube-proxy may use: the node resets it.
                    _ => (None, None, f),
                }
            }
            (None, None) => (None, None, tflow),
        };
        let crashed = pod.is_some_and(|p| self.has_fault(|| Fault::PodDown { pod: p.id.clone() }));
        let mut resp = match pod {
            Some(p) if !crashed => {
                let d = Delivery {
                    alb: &nlb.id,
                    peer: peer.unwrap_or(Ipv4Addr::UNSPECIFIED),
                    flow: pflow,
                    alb_subnet: &node.subnet,
                    hop_us,
                    by_nlb: true,
                };
                self.serve(r, p, &d, ctx, tb)
            }
            _ => target_reset(
                tb,
                nlb,
                pod.map_or(pick.id, |p| p.id.as_str()),
                pflow.dst_port,
            ),
        };
        if resp.pod.is_none() {
            resp.pod = pod.map(|p| p.id.as_str().into());
        }
        answer(tb, (nlb, client.id), &resp, (flow, port));
        tb.wait(us(client.rtt_ms) / 2);
        here(r, resp)
    }
}

impl World {
    /// The browser's kept connection into the NLB for this request: warm
    /// (the request rides on it), closed by the NLB's idle timeout while
    /// the browser still held it (a TCP RST, then a new connection), or
    /// closed by an idle timer (a new connection). Fact sheet §9, §26.
    fn nlb_kept(
        &mut self,
        r: &Region,
        nlb: &Nlb,
        (client, ctx): (&AlbClient, &HttpCtx),
        (key, keep_alive_s, port): (&str, u64, u16),
        tb: &mut Recorder,
    ) -> Kept {
        let Some(listener) = nlb
            .listeners
            .iter()
            .find(|l| l.port == port && l.protocol.carries_tcp())
        else {
            self.conn.drop_conn(key);
            return Kept::Gone(None);
        };
        let timers = Timers {
            client_idle_s: keep_alive_s,
            server_idle_s: listener.idle_timeout() as u64,
            // The browser sends on a connection the NLB already forgot
            // when the NLB's timer is the shorter one.
            race: true,
        };
        match self.conn.look(key, self.clock_ms, timers) {
            Pool::Warm { pooled, idle_ms } => {
                let kept = (key, pooled, idle_ms, port);
                match self.nlb_reused((r, nlb, listener), (client, ctx), kept, tb) {
                    Some(resp) => Kept::Answered(resp),
                    None => {
                        self.conn.drop_conn(key);
                        Kept::Gone(None)
                    }
                }
            }
            Pool::Dead {
                pooled,
                idle_ms,
                keep_alive_s: idle_timeout_s,
            } => {
                let node_ip = nlb
                    .nodes
                    .iter()
                    .find(|n| n.public_ip.is_some() && n.public_ip == pooled.peer)
                    .and_then(|n| r.vpc.subnet(&n.subnet)?.host(n.host));
                if let Some(node_ip) = node_ip {
                    let flow = Flow {
                        protocol: Protocol::Tcp,
                        src: client.src_ip(),
                        src_port: pooled.src_port,
                        dst: node_ip.into(),
                        dst_port: port,
                    };
                    tb.hop(|| {
                        Step::new(
                            (client.id, nlb.id.as_str()),
                            Layer::Tcp,
                            format!("TCP/{port}"),
                            Event::Nlb(NlbEvent::IdleReset {
                                flow,
                                idle_ms,
                                idle_timeout_s,
                                browser_idle_s: keep_alive_s,
                                served: pooled.served,
                                method: ctx.method.to_string(),
                            }),
                            Verdict::Error,
                            Code::NlbIdleTimeoutReset,
                        )
                    });
                    // The request out and the RST back.
                    tb.wait(us(client.rtt_ms));
                }
                Kept::Gone(None)
            }
            Pool::Closed(c) => Kept::Gone(Some(c)),
            Pool::None => Kept::Gone(None),
        }
    }

    /// A request on the browser's open connection: the NACLs checked
    /// again (the security groups track it), no TCP or TLS handshake, the
    /// same target as when it opened. None when that connection cannot
    /// carry it any more (its node or target gone, down or unhealthy):
    /// the browser opens a new one. Fact sheet §9, §24, §26.
    fn nlb_reused(
        &mut self,
        (r, nlb, listener): (&Region, &Nlb, &NlbListener),
        (client, ctx): (&AlbClient, &HttpCtx),
        (key, pooled, idle_ms, port): (&str, Pooled, u64, u16),
        tb: &mut Recorder,
    ) -> Option<Resp> {
        let relay = pooled.relay?;
        let node = nlb.nodes.iter().find(|n| {
            n.public_ip.is_some() && n.public_ip == pooled.peer && self.placement_up(r, &n.subnet)
        })?;
        let subnet = r.vpc.subnet(&node.subnet)?;
        let node_ip = subnet.host(node.host)?;
        let tg = nlb.target_group(&listener.target_group)?;
        let pick = Self::nlb_members(r, tg)
            .into_iter()
            .find(|t| r.vpc.subnet(t.subnet).and_then(|s| s.host(t.host)) == Some(relay.target))?;
        let crashed = pick
            .pod
            .is_some_and(|p| self.has_fault(|| Fault::PodDown { pod: p.id.clone() }));
        if crashed || !self.nlb_target_up(r, &pick) || !self.nlb.healthy(&r.id, &tg.id, pick.id) {
            return None;
        }
        let ts = r.vpc.subnet(pick.subnet)?;
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: client.src_ip(),
            src_port: pooled.src_port,
            dst: node_ip.into(),
            dst_port: port,
        };
        let rtt = us(client.rtt_ms);
        let path = node_checks(tb, (r, nlb, subnet), &flow, true);
        let reused = (flow, idle_ms, pooled.served);
        let ends = ((client.id, nlb.id.as_str()), port);
        if let Some(d) = reuse_hop(tb, ends, reused, path, None) {
            self.conn.drop_conn(key);
            return Some(vanished(tb, (r, nlb), (client, ctx), d.code()));
        }
        tb.wait(rtt / 2);
        let target_az = self.subnet_az(r, pick.subnet);
        tb.hop(|| {
            Step::new(
                (nlb.id.as_str(), pick.id),
                Layer::Decision,
                "-",
                Event::Nlb(NlbEvent::KeptTarget {
                    target_group: tg.id.clone(),
                    target: pick.id.to_string(),
                    target_az: target_az.to_string(),
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        let preserved = tg.preserves_client_ip() && matches!(flow.src, IpAddr::V4(_));
        let tflow = Flow {
            protocol: Protocol::Tcp,
            src: if preserved { flow.src } else { node_ip.into() },
            src_port: relay.src_port,
            dst: relay.target.into(),
            dst_port: pick.port,
        };
        let path = target_checks(
            r,
            nlb,
            (subnet, ts, pick.sgs),
            (&tflow, preserved),
            (tb.path(), true),
        );
        let ends = ((nlb.id.as_str(), pick.id), pick.port);
        if let Some(d) = reuse_hop(tb, ends, (tflow, idle_ms, pooled.served), path, None) {
            self.conn.drop_conn(key);
            return Some(vanished(tb, (r, nlb), (client, ctx), d.code()));
        }
        let now = self.clock_ms;
        let resp = self.nlb_deliver(
            (r, nlb, node),
            (tg, pick),
            tflow,
            (client, ctx),
            (&flow, port),
            tb,
        );
        if resp.status.is_some() {
            self.conn.keep(key, now, pooled.src_port, pooled.tls);
        } else {
            self.conn.drop_conn(key);
        }
        Some(resp)
    }
}

/// The request's packets vanish on an open connection (a network ACL
/// changed since it opened): the browser waits out its response timeout.
fn vanished(
    tb: &mut Recorder,
    (r, nlb): (&Region, &Nlb),
    (client, ctx): (&AlbClient, &HttpCtx),
    code: Code,
) -> Resp {
    let waited = ctx.client_timeout_s.unwrap_or(30);
    tb.wait(waited * 1_000_000);
    let why = format!(
        "no answer from {} within {waited} s on the open connection",
        nlb.id
    );
    here(r, Resp::err(None, client.id, code, why))
}

/// A target with nothing listening (a crashed pod, no endpoint kube-proxy
/// may use) resets the NLB's connection.
fn target_reset(tb: &mut Recorder, nlb: &Nlb, target: &str, port: u16) -> Resp {
    tb.hop(|| {
        Step::new(
            (target, nlb.id.as_str()),
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Nlb(NlbEvent::TargetReset {
                target: target.to_string(),
            }),
            Verdict::Error,
            Code::ConnectionRefused,
        )
    });
    let why = format!("{target} reset the connection");
    Resp::err(None, target, Code::ConnectionRefused, why)
}

/// The NLB passes the target's answer back to the sender on its flow.
fn answer(tb: &mut Recorder, (nlb, client): (&Nlb, &str), resp: &Resp, (flow, port): (&Flow, u16)) {
    tb.hop(|| {
        Step::new(
            (nlb.id.as_str(), client),
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Nlb(NlbEvent::Response {
                status: resp.status,
                to: flow.src,
                port: flow.src_port,
            }),
            if resp.status.is_some_and(|s| s < 400) {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            resp.code,
        )
    });
}

/// The TLS handshake of a request through an NLB: terminated at a TLS
/// listener (its certificate chosen by SNI; the answer when it does not
/// cover the host), passed through to the target at a TCP one.
/// Fact sheet §9.
fn nlb_tls(
    tb: &mut Recorder,
    (r, nlb, listener): (&Region, &Nlb, &NlbListener),
    (client, ctx): (&AlbClient, &HttpCtx),
    (port, rtt): (u16, u64),
) -> Option<Resp> {
    let handshake = rtt * TlsStart::Full.round_trips(client.tls_max);
    if listener.protocol == NlbProtocol::Tls {
        let cert = listener
            .certificate_domains
            .iter()
            .find(|d| crate::sim::alb::host_matches_cert(&ctx.host, d));
        let shown = cert
            .or(listener.certificate_domains.first())
            .cloned()
            .unwrap_or_default();
        let refused = cert.is_none() && client.caller.checks_certificate();
        tb.hop(|| {
            let step = Step::new(
                (client.id, nlb.id.as_str()),
                Layer::Tls,
                format!("TCP/{port}"),
                Event::Nlb(NlbEvent::TlsTerminated {
                    port,
                    sni: ctx.host.clone(),
                    certificate: shown.clone(),
                    by_sni: cert.is_some(),
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
        tb.wait(handshake);
        if refused {
            let why = format!(
                "{}'s certificate ({shown}) does not cover {}",
                nlb.id, ctx.host
            );
            return Some(here(
                r,
                Resp::err(None, client.id, Code::CertificateMismatch, why),
            ));
        }
    } else {
        tb.hop(|| {
            Step::new(
                (client.id, nlb.id.as_str()),
                Layer::Tls,
                format!("TCP/{port}"),
                Event::Nlb(NlbEvent::TlsPassThrough { port }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(handshake);
    }
    None
}
