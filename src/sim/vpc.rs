//! Connections inside a VPC: every boundary checked both ways.
//! Fact sheet §10-§12, §17.

use super::event::net::{EgressDrop, HandshakeEnd, NetEvent, ReuseEnd};
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

/// One end of a connection inside a VPC: the component, the subnet and
/// host index of its interface, and the security groups on it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint<'a> {
    pub(crate) id: &'a str,
    pub(crate) subnet: &'a str,
    pub(crate) host: u32,
    pub(crate) sgs: &'a [String],
}

/// The checks on a packet of a connection already open between two
/// subnets: both network ACLs both ways and the route (stateless, every
/// packet); no security group, whose connection tracking keeps a tracked
/// flow alive even after the rule that allowed it is gone. Inside one
/// subnet nothing is checked. Fact sheet §11, §12, §24.
pub(crate) fn tracked_checks(
    r: &Region,
    (src, dst): (&str, &str),
    flow: &Flow,
    record: bool,
) -> PathChecks {
    match (r.vpc.subnet(src), r.vpc.subnet(dst)) {
        (Some(ss), Some(ds)) => flow_checks(&r.vpc, (ss, ds), flow, None, record),
        _ => PathChecks::new(record),
    }
}

/// A request sent on a connection already open, as a hop: carried, dropped
/// by a network ACL (`path`'s deciding check), or — with `closed_by_peer`
/// (the receiver's keep-alive and the sender's idle timeout, seconds) —
/// sent on a connection the receiver had closed. Returns the denial, if
/// a table dropped it. Fact sheet §24, §26.
pub(crate) fn reuse_hop(
    tb: &mut Recorder,
    (ends, port): ((&str, &str), u16),
    (flow, idle_ms, served): (Flow, u64, u32),
    path: PathChecks,
    closed_by_peer: Option<(u64, u64)>,
) -> Option<crate::sim::check::Denial> {
    let denied = path.denied;
    tb.hop(|| {
        let (verdict, code, end) = match (closed_by_peer, &denied, path.deciding()) {
            (Some((keep_alive_s, idle_timeout_s)), ..) => (
                Verdict::Error,
                Code::TargetClosedConnection,
                ReuseEnd::ClosedByPeer {
                    keep_alive_s,
                    idle_timeout_s,
                },
            ),
            (None, Some(d), Some(c)) => (
                Verdict::Dropped,
                d.code(),
                ReuseEnd::Dropped { by: c.clone() },
            ),
            _ => (Verdict::Pass, Code::Delivered, ReuseEnd::Carried),
        };
        Step::new(
            ends,
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Net(NetEvent::Reuse {
                flow,
                idle_ms,
                served,
                end,
            }),
            verdict,
            code,
        )
        .checks(path.into_list())
    });
    denied
}

/// Every filter on a flow between two subnets, in the order a packet meets
/// them: the source's security groups out (`sgs`, for a new connection
/// only), its NACL out and route table, the destination's NACL in and
/// security groups in; then the reply through both NACLs (stateless) but
/// not the security groups (stateful). Within one subnet only the security
/// groups apply. Fact sheet §11, §12, §17.
fn flow_checks(
    vpc: &Vpc,
    (ss, ds): (&Subnet, &Subnet),
    flow: &Flow,
    sgs: Option<(&[String], &[String])>,
    record: bool,
) -> PathChecks {
    use Direction::{Inbound, Outbound};
    use Side::{Destination, Source};
    let mut path = PathChecks::new(record);
    if let Some((src_sgs, dst_sgs)) = sgs {
        path.sgs(vpc, src_sgs, Outbound, flow, (dst_sgs, true), Source);
    }
    let crosses = ss.id != ds.id;
    if crosses {
        if let Some(n) = vpc.nacl(&ss.nacl) {
            path.nacl(n, Outbound, flow, Source, Leg::Forward);
        }
        if let Some(rt) = vpc.route_table_of(ss) {
            path.route(
                rt,
                flow.dst,
                &|t| *t == RouteTarget::Local,
                flow,
                (Source, Leg::Forward),
            );
        }
        if let Some(n) = vpc.nacl(&ds.nacl) {
            path.nacl(n, Inbound, flow, Destination, Leg::Forward);
        }
    }
    if let Some((src_sgs, dst_sgs)) = sgs {
        path.sgs(vpc, dst_sgs, Inbound, flow, (src_sgs, true), Destination);
    }
    if crosses {
        let back = flow.reversed();
        if let Some(n) = vpc.nacl(&ds.nacl) {
            path.nacl(n, Outbound, &back, Destination, Leg::Return);
        }
        if let Some(n) = vpc.nacl(&ss.nacl) {
            path.nacl(n, Inbound, &back, Source, Leg::Return);
        }
    }
    path
}

impl World {
    /// Open a TCP connection between two interfaces in one VPC, checking
    /// the source SGs outbound, the source NACL outbound, the route, the
    /// destination NACL inbound and SGs inbound; then the SYN-ACK back
    /// through both NACLs (stateless) but not the SGs (stateful). The
    /// source picks its port from `src_range`. Fact sheet §17.
    pub(crate) fn vpc_connect(
        &mut self,
        r: &Region,
        (src, src_range): (Endpoint, EphemeralRange),
        (dst, port): (Endpoint, u16),
        tb: &mut Recorder,
    ) -> (Connect, Flow) {
        let (path, flow) = self.vpc_checks(r, (src, src_range), (dst, port), tb.records());
        let silent = !self.placement_up(r, dst.subnet) || self.rds.failed.contains(dst.id);
        let (verdict, code) = match &path.denied {
            Some(d) => (Verdict::Dropped, d.code()),
            None if silent => (Verdict::Timeout, Code::ComponentDown),
            None => (Verdict::Pass, Code::Delivered),
        };
        let denied = path.denied;
        tb.hop(|| {
            let end = match path.deciding() {
                Some(c) => HandshakeEnd::Dropped { by: c.clone() },
                None if silent => HandshakeEnd::Unanswered {
                    host: dst.id.into(),
                },
                None => HandshakeEnd::Established,
            };
            Step::new(
                (src.id, dst.id),
                Layer::Tcp,
                format!("TCP/{port}"),
                Event::Net(NetEvent::Handshake { flow, end }),
                verdict,
                code,
            )
            .checks(path.into_list())
        });
        let c = match (denied, silent) {
            (Some(_), _) => Connect::Dropped(code),
            (None, true) => Connect::Silent,
            (None, false) => Connect::Ok,
        };
        (c, flow)
    }

    /// Every filter on a connection inside one VPC, both ways.
    pub(crate) fn vpc_checks(
        &mut self,
        r: &Region,
        (src, src_range): (Endpoint, EphemeralRange),
        (dst, port): (Endpoint, u16),
        record: bool,
    ) -> (PathChecks, Flow) {
        let vpc = &r.vpc;
        let ss = vpc.subnet(src.subnet).expect("validated");
        let ds = vpc.subnet(dst.subnet).expect("validated");
        let (lo, hi) = src_range.range();
        let flow = Flow::v4(
            Protocol::Tcp,
            (
                ss.host(src.host).expect("validated"),
                self.rng.range(lo as u64, hi as u64) as u16,
            ),
            (ds.host(dst.host).expect("validated"), port),
        );
        let path = flow_checks(vpc, (ss, ds), &flow, Some((src.sgs, dst.sgs)), record);
        (path, flow)
    }

    /// Return-path checks for a response inside the VPC: NACLs again
    /// (stateless), SGs by connection tracking.
    pub(crate) fn vpc_return_checks(
        r: &Region,
        from_subnet: &str,
        to_subnet: &str,
        flow: &Flow,
    ) -> Vec<Check> {
        let vpc = &r.vpc;
        let mut checks = vec![Check::on_flow(
            CheckKind::SecurityGroupTracked,
            "connection tracking",
            Some(Direction::Outbound),
            flow,
        )
        .side(Side::Source)
        .rule(
            RuleRef::Tracked,
            "return traffic of a tracked connection: security groups are stateful".into(),
            true,
        )];
        if from_subnet != to_subnet {
            if let Some(s) = vpc.subnet(from_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Outbound, flow).side(Side::Source));
            }
            if let Some(s) = vpc.subnet(to_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Inbound, flow).side(Side::Destination));
            }
        }
        checks
    }
}

/// A pod's connection to a service on the internet, leg by leg: the
/// checks on the way out, the route to a NAT gateway, and the NAT's leg.
struct Egress<'a> {
    vpc: &'a Vpc,
    pod: &'a Pod,
    /// The pod's subnet.
    ps: &'a Subnet,
    /// The packet as the pod sends it.
    flow: Flow,
}

impl<'a> Egress<'a> {
    /// The pod's security groups and its subnet's NACL, outbound.
    fn outbound(&self, path: &mut PathChecks) {
        let (vpc, flow) = (self.vpc, &self.flow);
        path.sgs(
            vpc,
            &self.pod.security_groups,
            Direction::Outbound,
            flow,
            (&[], false),
            Side::Source,
        );
        if let Some(n) = vpc.nacl(&self.ps.nacl) {
            path.nacl(n, Direction::Outbound, flow, Side::Source, Leg::Forward);
        }
    }

    /// The pod's route table: its route for the destination must lead to a
    /// NAT gateway, as a pod has no public address.
    fn route(&self, path: &mut PathChecks) -> Result<&'a NatGateway, EgressDrop> {
        let vpc = self.vpc;
        let rt_id = vpc.route_table_id_of(self.ps).unwrap_or_default();
        // A pod's egress is IPv4 (external APIs have IPv4 addresses).
        let dst = self
            .flow
            .dst_v4()
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
        let route = vpc.route_table(rt_id).and_then(|rt| rt.lookup(dst.into()));
        let nat = match route.map(|r| &r.target) {
            Some(RouteTarget::Nat(id)) => vpc.nat_gateways.iter().find(|n| &n.id == id),
            _ => None,
        };
        let check = |rule: RuleRef, decided_by: String, allowed: bool| {
            Check::on_flow(CheckKind::RouteTable, rt_id, None, &self.flow)
                .side(Side::Source)
                .rule(rule, decided_by, allowed)
        };
        let Some(nat) = nat else {
            let drop = match route {
                Some(r) => EgressDrop::NotToNat {
                    route_table: rt_id.to_string(),
                    dst,
                    target: r.target.clone(),
                },
                None => EgressDrop::NoRoute {
                    route_table: rt_id.to_string(),
                    dst,
                },
            };
            path.add(
                CheckKind::RouteTable,
                Some(Side::Source),
                Leg::Forward,
                Decision::deny(None),
                |_| {
                    let rule = match route {
                        Some(r) => RuleRef::Route {
                            destination: r.destination.to_string(),
                            target: r.target.to_string(),
                        },
                        None => RuleRef::NoRoute,
                    };
                    check(rule, drop.why(), false)
                },
            );
            return Err(drop);
        };
        path.add(
            CheckKind::RouteTable,
            Some(Side::Source),
            Leg::Forward,
            Decision::allow(None),
            |_| {
                check(
                    RuleRef::Route {
                        destination: "0.0.0.0/0".into(),
                        target: nat.id.clone(),
                    },
                    format!("route 0.0.0.0/0 -> {} (longest prefix)", nat.id),
                    true,
                )
            },
        );
        Ok(nat)
    }

    /// The NAT gateway's leg: its subnet's NACL in and out (the source
    /// rewritten to `out`), its route to the internet gateway, and the
    /// replies back through every NACL on ephemeral ports.
    fn through_nat(&self, ns: &Subnet, out: &Flow, path: &mut PathChecks) {
        use Direction::{Inbound, Outbound};
        use Side::{Destination, Source};
        let (vpc, flow, ps) = (self.vpc, &self.flow, self.ps);
        let nat_acl = vpc.nacl(&ns.nacl);
        let crosses = ns.id != ps.id;
        if let (true, Some(n)) = (crosses, nat_acl) {
            path.nacl(n, Inbound, flow, Destination, Leg::Forward);
        }
        if let Some(n) = nat_acl {
            path.nacl(n, Outbound, out, Destination, Leg::Forward);
        }
        if let Some(rt) = vpc.route_table_of(ns) {
            path.route(
                rt,
                flow.dst,
                &|t| matches!(t, RouteTarget::Igw(_)),
                out,
                (Destination, Leg::Forward),
            );
        }
        // Replies: into the NAT's subnet, back to the pod's ephemeral port.
        if let Some(n) = nat_acl {
            path.nacl(n, Inbound, &out.reversed(), Destination, Leg::Return);
            if crosses {
                path.nacl(n, Outbound, &flow.reversed(), Destination, Leg::Return);
            }
        }
        if let (true, Some(n)) = (crosses, vpc.nacl(&ps.nacl)) {
            path.nacl(n, Inbound, &flow.reversed(), Source, Leg::Return);
        }
    }

    /// The check that denied: kept by a recording walk, worked out again
    /// (on this failure only) by one that records nothing.
    fn deciding(&self, path: &PathChecks, nat: Option<(&Subnet, &Flow)>) -> Check {
        if let Some(c) = path.deciding() {
            return c.clone();
        }
        let mut again = PathChecks::new(true);
        self.outbound(&mut again);
        if let Some((ns, out)) = nat {
            let _ = self.route(&mut again);
            self.through_nat(ns, out, &mut again);
        }
        again.deciding().cloned().expect("a path that denied")
    }
}

/// A pod's SYN to the internet that never gets out: the hop, then the
/// application's wait for its connect timeout.
fn egress_fails(
    tb: &mut Recorder,
    (from, to): (&str, &str),
    make: impl FnOnce(&PathChecks) -> NetEvent,
    path: PathChecks,
    (code, port): (Code, u16),
) -> Result<(), (Code, Option<EgressDrop>)> {
    let mut reason = None;
    tb.hop(|| {
        let ev = make(&path);
        if let NetEvent::EgressDropped { reason: r, .. } = &ev {
            reason = Some(r.clone());
        }
        Step::new(
            (from, to),
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Net(ev),
            Verdict::Dropped,
            code,
        )
        .checks(path.into_list())
    });
    tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
    Err((code, reason))
}

impl World {
    /// A pod calls a service on the internet: pod SG and subnet NACL out,
    /// the private route table's default route to a NAT gateway, the NAT's
    /// public subnet in and out, its route to the internet gateway, and the
    /// reply back through every NACL on ephemeral ports. The NAT gateway is
    /// zonal and has no security group. Fact sheet §10 "NAT gateway", §12.
    pub(crate) fn pod_egress(
        &mut self,
        r: &Region,
        pod: &Pod,
        tb: &mut Recorder,
    ) -> Result<(), (Code, Option<EgressDrop>)> {
        let sc = std::sync::Arc::clone(&self.scenario);
        let Some(api) = &sc.external_api else {
            return Ok(());
        };
        let vpc = &r.vpc;
        let ps = vpc.subnet(&pod.subnet).expect("validated");
        let (lo, hi) = EphemeralRange::Linux.range();
        let flow = Flow::v4(
            Protocol::Tcp,
            (
                ps.host(pod.host).expect("validated"),
                self.rng.range(lo as u64, hi as u64) as u16,
            ),
            (api.ip, api.port),
        );
        let leg = Egress { vpc, pod, ps, flow };
        let dropped = |reason: EgressDrop| NetEvent::EgressDropped {
            flow,
            service: api.name.clone(),
            host: api.host.clone(),
            reason,
        };
        let mut path = tb.path();
        leg.outbound(&mut path);
        let port = api.port;
        if let Some(d) = path.denied {
            let ev = |p: &PathChecks| {
                let by = Box::new(leg.deciding(p, None));
                dropped(EgressDrop::Outbound { by })
            };
            return egress_fails(tb, (&pod.id, &pod.id), ev, path, (d.code(), port));
        }
        let nat = match leg.route(&mut path) {
            Ok(nat) => nat,
            Err(reason) => {
                let code = Code::NoRouteToDestination;
                let ev = |_: &PathChecks| dropped(reason);
                return egress_fails(tb, (&pod.id, &pod.id), ev, path, (code, port));
            }
        };
        let ns = vpc.subnet(&nat.subnet).expect("validated");
        if !self.placement_up(r, &nat.subnet) {
            let ev = |_: &PathChecks| {
                dropped(EgressDrop::NatZoneDown {
                    nat: nat.id.clone(),
                    az: ns.az.clone(),
                })
            };
            let code = Code::ComponentDown;
            return egress_fails(tb, (&pod.id, &nat.id), ev, path, (code, port));
        }
        // The NAT gateway rewrites the source to its own address, from 1024-65535.
        let out = Flow {
            src: ns.host(nat.host).expect("validated").into(),
            src_port: self.rng.range(1024, 65535) as u16,
            ..flow
        };
        leg.through_nat(ns, &out, &mut path);
        if let Some(d) = path.denied {
            let ev = |p: &PathChecks| {
                let by = Box::new(leg.deciding(p, Some((ns, &out))));
                dropped(EgressDrop::AtNat { by })
            };
            return egress_fails(tb, (&pod.id, &nat.id), ev, path, (d.code(), port));
        }
        egress_hops(tb, (pod, nat, ns, &vpc.igw), api, (flow, out), path);
        Ok(())
    }
}

/// The hops of a connection that got out: to the NAT gateway, through the
/// internet gateway, to the API and its answer back.
fn egress_hops(
    tb: &mut Recorder,
    (pod, nat, ns, igw): (&Pod, &NatGateway, &Subnet, &str),
    api: &ExternalApi,
    (flow, out): (Flow, Flow),
    path: PathChecks,
) {
    let step = |(from, to): (&str, &str), layer: Layer, ev: NetEvent| {
        Step::new(
            (from, to),
            layer,
            format!("TCP/{}", api.port),
            Event::Net(ev),
            Verdict::Pass,
            Code::Delivered,
        )
    };
    tb.hop(|| {
        step(
            (&pod.id, &nat.id),
            Layer::Tcp,
            NetEvent::EgressHandshake {
                flow,
                host: api.host.clone(),
                nat: nat.id.clone(),
                az: ns.az.clone(),
            },
        )
        .checks(path.into_list())
    });
    tb.hop(|| {
        step(
            (&nat.id, igw),
            Layer::Tcp,
            NetEvent::NatRewrite {
                src: out.src,
                src_port: out.src_port,
            },
        )
    });
    tb.hop(|| {
        step(
            (igw, &api.id),
            Layer::Http,
            NetEvent::InternetGateway {
                method: "POST".into(),
                path: "/v1/messages".into(),
                host: api.host.clone(),
            },
        )
    });
    tb.wait(api.rtt_ms as u64 * 1000 * 2);
    tb.hop(|| {
        step(
            (&api.id, &pod.id),
            Layer::Http,
            NetEvent::ApiAnswer {
                status: 202,
                nat: nat.id.clone(),
            },
        )
    });
}

/// How a connection to an address ended.
pub(crate) enum Connect {
    Ok,
    /// Dropped silently somewhere: the caller waits for its timeout.
    Dropped(Code),
    /// Nothing answers at all (host, AZ or region down).
    Silent,
}

pub(crate) fn code_or(c: &Connect) -> Code {
    match c {
        Connect::Dropped(code) => *code,
        Connect::Silent => Code::ComponentDown,
        Connect::Ok => Code::Delivered,
    }
}
