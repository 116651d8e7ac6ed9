//! Connections inside a VPC: every boundary checked both ways.
//! Fact sheet §10-§12, §17.

use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

impl World {
    // ----------------------------------------------------------------- VPC

    /// Open a TCP connection between two interfaces in one VPC, checking
    /// the source SGs outbound, the source NACL outbound, the route, the
    /// destination NACL inbound and SGs inbound; then the SYN-ACK back
    /// through both NACLs (stateless) but not the SGs (stateful). Fact sheet §17.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn vpc_connect(
        &mut self,
        r: &Region,
        src_subnet: &str,
        src_host: u32,
        src_sgs: &[String],
        src_range: EphemeralRange,
        dst_subnet: &str,
        dst_host: u32,
        dst_sgs: &[String],
        port: u16,
        from: &str,
        to: &str,
        tb: &mut Recorder,
    ) -> (Connect, Flow) {
        let (path, flow) = self.vpc_checks(
            r,
            (src_subnet, src_host, src_sgs, src_range),
            (dst_subnet, dst_host, dst_sgs),
            port,
            tb.records(),
        );
        let silent = !self.placement_up(r, dst_subnet) || self.rds.failed.contains(to);
        let (verdict, code) = match &path.denied {
            Some(d) => (Verdict::Dropped, d.code()),
            None if silent => (Verdict::Timeout, Code::ComponentDown),
            None => (Verdict::Pass, Code::Delivered),
        };
        let denied = path.denied;
        tb.hop(|| {
            let why = match path.deciding() {
                Some(c) => {
                    let leg = match c.leg {
                        Leg::Forward => "SYN",
                        Leg::Return => "SYN-ACK (return path, ephemeral port)",
                    };
                    format!("the {leg} is dropped silently by {} {}: {}", c.kind.noun(), c.subject, c.decided_by)
                }
                None if silent => format!("every filter allows it, but nothing answers: {to} is down with its AZ or region"),
                None => "allowed out, routed, allowed in; the SYN-ACK returns through both network ACLs on the ephemeral port (security groups track the connection)".into(),
            };
            Step::new((from, to), Layer::Tcp, format!("TCP/{port}"), Event::Text { what: format!("TCP handshake {flow}"), why }, verdict, code)
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
        (src_subnet, src_host, src_sgs, src_range): (&str, u32, &[String], EphemeralRange),
        (dst_subnet, dst_host, dst_sgs): (&str, u32, &[String]),
        port: u16,
        record: bool,
    ) -> (PathChecks, Flow) {
        let vpc = &r.vpc;
        let ss = vpc.subnet(src_subnet).expect("validated");
        let ds = vpc.subnet(dst_subnet).expect("validated");
        let (lo, hi) = src_range.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: ss.host(src_host).expect("validated"),
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: ds.host(dst_host).expect("validated"),
            dst_port: port,
        };
        let mut path = PathChecks::new(record);
        use Direction::{Inbound, Outbound};
        use Side::{Destination, Source};
        path.sgs(vpc, src_sgs, Outbound, &flow, (dst_sgs, true), Source);
        let crosses = ss.id != ds.id;
        if crosses {
            if let Some(n) = vpc.nacl(&ss.nacl) {
                path.nacl(n, Outbound, &flow, Source, Leg::Forward);
            }
            if let Some(rt) = vpc.route_table(&ss.route_table) {
                path.route(
                    rt,
                    flow.dst,
                    &|t| *t == RouteTarget::Local,
                    &flow,
                    (Source, Leg::Forward),
                );
            }
            if let Some(n) = vpc.nacl(&ds.nacl) {
                path.nacl(n, Inbound, &flow, Destination, Leg::Forward);
            }
        }
        path.sgs(vpc, dst_sgs, Inbound, &flow, (src_sgs, true), Destination);
        let back = flow.reversed();
        if crosses {
            if let Some(n) = vpc.nacl(&ds.nacl) {
                path.nacl(n, Outbound, &back, Destination, Leg::Return);
            }
            if let Some(n) = vpc.nacl(&ss.nacl) {
                path.nacl(n, Inbound, &back, Source, Leg::Return);
            }
        }
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
    ) -> Result<(), (Code, String)> {
        let Some(api) = self.scenario.external_api.clone() else {
            return Ok(());
        };
        let vpc = &r.vpc;
        let ps = vpc.subnet(&pod.subnet).expect("validated");
        let pod_ip = ps.host(pod.host).expect("validated");
        let (lo, hi) = EphemeralRange::Linux.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: pod_ip,
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: api.ip,
            dst_port: api.port,
        };
        let port = format!("TCP/{}", api.port);
        use Direction::{Inbound, Outbound};
        use Side::{Destination, Source};
        let mut path = tb.path();
        path.sgs(
            vpc,
            &pod.security_groups,
            Outbound,
            &flow,
            (&[], false),
            Source,
        );
        if let Some(n) = vpc.nacl(&ps.nacl) {
            path.nacl(n, Outbound, &flow, Source, Leg::Forward);
        }
        let route = vpc
            .route_table(&ps.route_table)
            .and_then(|rt| rt.lookup(api.ip))
            .cloned();
        let rt_id = ps.route_table.clone();
        let fail = |tb: &mut Recorder,
                    path: PathChecks,
                    code: Code,
                    why: &dyn Fn(&PathChecks) -> String,
                    to: &str| {
            let why = why(&path);
            hop!(
                tb,
                &pod.id,
                to,
                Layer::Tcp,
                &port,
                format!("TCP SYN {flow} to {} ({})", api.name, api.host),
                why.clone(),
                path.into_list(),
                Verdict::Dropped,
                code
            );
            tb.wait(super::world::APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
            Err((code, why))
        };
        let deciding = |p: &PathChecks| {
            p.deciding()
                .map(|c| format!("{}: {}", c.subject, c.decided_by))
                .unwrap_or_default()
        };
        if let Some(d) = path.denied {
            return fail(
                tb,
                path,
                d.code(),
                &|p| format!("dropped on the way out by {}", deciding(p)),
                &pod.id,
            );
        }
        let nat = match route.as_ref().map(|r| &r.target) {
            Some(RouteTarget::Nat(id)) => vpc.nat_gateways.iter().find(|n| &n.id == id).cloned(),
            _ => None,
        };
        // The route table's say on the way out, as a check.
        let route_check = |decided_by: String, allowed: bool, rule: RuleRef| {
            Check::on_flow(CheckKind::RouteTable, &rt_id, None, &flow)
                .side(Source)
                .rule(rule, decided_by, allowed)
        };
        let Some(nat) = nat else {
            let why = match &route {
                Some(rt) => format!("route table {rt_id} sends {} to {}: a pod has no public address, so without a NAT gateway nothing leaves the VPC", api.ip, rt.target),
                None => format!("route table {rt_id} has no route to {}", api.ip),
            };
            let rule = match &route {
                Some(rt) => RuleRef::Route {
                    destination: rt.destination.to_string(),
                    target: rt.target.to_string(),
                },
                None => RuleRef::NoRoute,
            };
            path.add(
                CheckKind::RouteTable,
                Some(Source),
                Leg::Forward,
                Decision::deny(None),
                |_| route_check(why.clone(), false, rule),
            );
            return fail(
                tb,
                path,
                Code::NoRouteToDestination,
                &|_| why.clone(),
                &pod.id,
            );
        };
        path.add(
            CheckKind::RouteTable,
            Some(Source),
            Leg::Forward,
            Decision::allow(None),
            |_| {
                route_check(
                    format!("route 0.0.0.0/0 -> {} (longest prefix)", nat.id),
                    true,
                    RuleRef::Route {
                        destination: "0.0.0.0/0".into(),
                        target: nat.id.clone(),
                    },
                )
            },
        );
        let ns = vpc.subnet(&nat.subnet).expect("validated");
        if !self.placement_up(r, &nat.subnet) {
            let why = format!("{} lives in {} and that AZ is down: a NAT gateway is zonal, so this subnet has lost the internet (best practice: one per AZ)", nat.id, ns.az);
            return fail(tb, path, Code::ComponentDown, &|_| why.clone(), &nat.id);
        }
        if ns.id != ps.id {
            if let Some(n) = vpc.nacl(&ns.nacl) {
                path.nacl(n, Inbound, &flow, Destination, Leg::Forward);
            }
        }
        // The NAT gateway rewrites the source to its own address, from 1024-65535.
        let nat_ip = ns.host(nat.host).expect("validated");
        let out = Flow {
            src: nat_ip,
            src_port: self.rng.range(1024, 65535) as u16,
            ..flow
        };
        if let Some(n) = vpc.nacl(&ns.nacl) {
            path.nacl(n, Outbound, &out, Destination, Leg::Forward);
        }
        if let Some(rt) = vpc.route_table(&ns.route_table) {
            path.route(
                rt,
                api.ip,
                &|t| matches!(t, RouteTarget::Igw(_)),
                &out,
                (Destination, Leg::Forward),
            );
        }
        // Replies: into the NAT's subnet, back to the pod's ephemeral port.
        if let Some(n) = vpc.nacl(&ns.nacl) {
            path.nacl(n, Inbound, &out.reversed(), Destination, Leg::Return);
            if ns.id != ps.id {
                path.nacl(n, Outbound, &flow.reversed(), Destination, Leg::Return);
            }
        }
        if ns.id != ps.id {
            if let Some(n) = vpc.nacl(&ps.nacl) {
                path.nacl(n, Inbound, &flow.reversed(), Source, Leg::Return);
            }
        }
        if let Some(d) = path.denied {
            return fail(
                tb,
                path,
                d.code(),
                &|p| format!("dropped by {}", deciding(p)),
                &nat.id,
            );
        }
        let checks = path.into_list();
        hop!(tb, &pod.id, &nat.id, Layer::Tcp, &port, format!("TCP handshake {flow} to {} via {}", api.host, nat.id),
            format!("the private route table's default route leads to {} in {}; the pod's security group and both network ACLs allow it out, and the replies back on ephemeral ports", nat.id, ns.az),
            checks, Verdict::Pass, Code::Delivered);
        hop!(tb, &nat.id, &vpc.igw, Layer::Tcp, &port, format!("source rewritten to {nat_ip}:{} (then to the NAT's Elastic IP)", out.src_port),
            "a NAT gateway only lets connections out; nothing on the internet can open one to the pods (fact sheet §10)".into(), vec![], Verdict::Pass, Code::Delivered);
        hop!(
            tb,
            &vpc.igw,
            &api.id,
            Layer::Http,
            &port,
            format!("HTTPS POST /v1/messages to {}", api.host),
            "the internet gateway carries the NAT's Elastic IP to the internet".into(),
            vec![],
            Verdict::Pass,
            Code::Delivered
        );
        tb.wait(api.rtt_ms as u64 * 1000 * 2);
        hop!(
            tb,
            &api.id,
            &pod.id,
            Layer::Http,
            &port,
            "HTTP 202 Accepted".into(),
            format!(
                "the reply returns through the internet gateway and {} to the pod",
                nat.id
            ),
            vec![],
            Verdict::Pass,
            Code::Delivered
        );
        Ok(())
    }
}
