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
        tb: &mut TraceBuilder,
    ) -> (Connect, Flow) {
        let (checks, flow) = self.vpc_checks(
            r, src_subnet, src_host, src_sgs, src_range, dst_subnet, dst_host, dst_sgs, port,
            tb.quiet,
        );
        let denied = checks.iter().find(|c| !c.allowed).cloned();
        let silent = !self.placement_up(r, dst_subnet) || self.rds_failed.contains(to);
        let (verdict, code, why) = match &denied {
            Some(c) => {
                let code = c.denial_code();
                let leg = if c.flow == flow.to_string() { "SYN" } else { "SYN-ACK (return path, ephemeral port)" };
                (Verdict::Dropped, code, format!("the {leg} is dropped silently by {} {}: {}", match c.kind { CheckKind::Nacl => "network ACL", CheckKind::RouteTable => "route table", _ => "security group" }, c.subject, c.decided_by))
            }
            None if silent => (Verdict::Timeout, Code::ComponentDown, format!("every filter allows it, but nothing answers: {to} is down with its AZ or region")),
            None if tb.quiet => (Verdict::Pass, Code::Delivered, String::new()),
            None => (Verdict::Pass, Code::Delivered, "allowed out, routed, allowed in; the SYN-ACK returns through both network ACLs on the ephemeral port (security groups track the connection)".into()),
        };
        hop!(
            tb,
            from,
            to,
            Layer::Tcp,
            &format!("TCP/{port}"),
            format!("TCP handshake {flow}"),
            why,
            checks,
            verdict,
            code,
        );
        let c = match (denied, silent) {
            (Some(_), _) => Connect::Dropped(code),
            (None, true) => Connect::Silent,
            (None, false) => Connect::Ok,
        };
        (c, flow)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn vpc_checks(
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
        quiet: bool,
    ) -> (Vec<Check>, Flow) {
        let vpc = &r.vpc;
        let ss = vpc.subnet(src_subnet).expect("validated");
        let ds = vpc.subnet(dst_subnet).expect("validated");
        let (lo, hi) = src_range.range();
        let flow = Flow {
            quiet,
            protocol: Protocol::Tcp,
            src: ss.host(src_host).expect("validated"),
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: ds.host(dst_host).expect("validated"),
            dst_port: port,
        };
        let mut checks = Vec::new();
        keep(
            &mut checks,
            quiet,
            evaluate_sg_ids(vpc, src_sgs, Direction::Outbound, &flow, dst_sgs, true),
        );
        let crosses = ss.id != ds.id;
        if crosses {
            if let Some(n) = vpc.nacl(&ss.nacl) {
                keep(&mut checks, quiet, n.evaluate(Direction::Outbound, &flow));
            }
            if let Some(rt) = vpc.route_table(&ss.route_table) {
                keep(
                    &mut checks,
                    quiet,
                    rt.check(flow.dst, &|t| *t == RouteTarget::Local, &flow),
                );
            }
            if let Some(n) = vpc.nacl(&ds.nacl) {
                keep(&mut checks, quiet, n.evaluate(Direction::Inbound, &flow));
            }
        }
        keep(
            &mut checks,
            quiet,
            evaluate_sg_ids(vpc, dst_sgs, Direction::Inbound, &flow, src_sgs, true),
        );
        let back = flow.reversed();
        if crosses {
            if let Some(n) = vpc.nacl(&ds.nacl) {
                keep(&mut checks, quiet, n.evaluate(Direction::Outbound, &back));
            }
            if let Some(n) = vpc.nacl(&ss.nacl) {
                keep(&mut checks, quiet, n.evaluate(Direction::Inbound, &back));
            }
        }
        (checks, flow)
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
        let mut checks = vec![Check {
            kind: CheckKind::SecurityGroupTracked,
            subject: "connection tracking".into(),
            direction: Some(Direction::Outbound),
            flow: flow.to_string(),
            decided_by: "return traffic of a tracked connection: security groups are stateful"
                .into(),
            allowed: true,
        }];
        if from_subnet != to_subnet {
            if let Some(s) = vpc.subnet(from_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Outbound, flow));
            }
            if let Some(s) = vpc.subnet(to_subnet).and_then(|s| vpc.nacl(&s.nacl)) {
                checks.push(s.evaluate(Direction::Inbound, flow));
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
        tb: &mut TraceBuilder,
    ) -> Result<(), (Code, String)> {
        let Some(api) = self.scenario.external_api.clone() else {
            return Ok(());
        };
        let vpc = &r.vpc;
        let ps = vpc.subnet(&pod.subnet).expect("validated");
        let pod_ip = ps.host(pod.host).expect("validated");
        let (lo, hi) = EphemeralRange::Linux.range();
        let flow = Flow {
            quiet: tb.quiet,
            protocol: Protocol::Tcp,
            src: pod_ip,
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: api.ip,
            dst_port: api.port,
        };
        let port = format!("TCP/{}", api.port);
        let mut checks = Vec::new();
        keep(
            &mut checks,
            tb.quiet,
            evaluate_sg_ids(
                vpc,
                &pod.security_groups,
                Direction::Outbound,
                &flow,
                &[],
                false,
            ),
        );
        if let Some(n) = vpc.nacl(&ps.nacl) {
            keep(
                &mut checks,
                tb.quiet,
                n.evaluate(Direction::Outbound, &flow),
            );
        }
        let route = vpc
            .route_table(&ps.route_table)
            .and_then(|rt| rt.lookup(api.ip))
            .cloned();
        let rt_id = ps.route_table.clone();
        let fail =
            |tb: &mut TraceBuilder, checks: Vec<Check>, code: Code, why: String, to: &str| {
                hop!(
                    tb,
                    &pod.id,
                    to,
                    Layer::Tcp,
                    &port,
                    format!("TCP SYN {flow} to {} ({})", api.name, api.host),
                    why.clone(),
                    checks,
                    Verdict::Dropped,
                    code
                );
                tb.wait(super::world::APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
                Err((code, why))
            };
        if let Some(c) = checks.iter().find(|c| !c.allowed).cloned() {
            let code = c.denial_code();
            return fail(
                tb,
                checks,
                code,
                format!("dropped on the way out by {}: {}", c.subject, c.decided_by),
                &pod.id,
            );
        }
        let nat = match route.as_ref().map(|r| &r.target) {
            Some(RouteTarget::Nat(id)) => vpc.nat_gateways.iter().find(|n| &n.id == id).cloned(),
            _ => None,
        };
        // The route table's say on the way out, as a check.
        let route_check = |decided_by: String, allowed: bool| Check {
            kind: CheckKind::RouteTable,
            subject: rt_id.clone(),
            direction: None,
            flow: flow.to_string(),
            decided_by,
            allowed,
        };
        let Some(nat) = nat else {
            let why = match &route {
                Some(rt) => format!("route table {rt_id} sends {} to {}: a pod has no public address, so without a NAT gateway nothing leaves the VPC", api.ip, rt.target),
                None => format!("route table {rt_id} has no route to {}", api.ip),
            };
            keep(&mut checks, tb.quiet, route_check(why.clone(), false));
            return fail(tb, checks, Code::NoRouteToDestination, why, &pod.id);
        };
        keep(
            &mut checks,
            tb.quiet,
            route_check(
                format!("route 0.0.0.0/0 -> {} (longest prefix)", nat.id),
                true,
            ),
        );
        let ns = vpc.subnet(&nat.subnet).expect("validated");
        if !self.placement_up(r, &nat.subnet) {
            return fail(tb, checks, Code::ComponentDown, format!("{} lives in {} and that AZ is down: a NAT gateway is zonal, so this subnet has lost the internet (best practice: one per AZ)", nat.id, ns.az), &nat.id);
        }
        if ns.id != ps.id {
            if let Some(n) = vpc.nacl(&ns.nacl) {
                keep(&mut checks, tb.quiet, n.evaluate(Direction::Inbound, &flow));
            }
        }
        // The NAT gateway rewrites the source to its own address, from 1024-65535.
        let nat_ip = ns.host(nat.host).expect("validated");
        let out = Flow {
            quiet: tb.quiet,
            src: nat_ip,
            src_port: self.rng.range(1024, 65535) as u16,
            ..flow
        };
        if let Some(n) = vpc.nacl(&ns.nacl) {
            keep(&mut checks, tb.quiet, n.evaluate(Direction::Outbound, &out));
        }
        let igw_route = vpc
            .route_table(&ns.route_table)
            .map(|rt| rt.check(api.ip, &|t| matches!(t, RouteTarget::Igw(_)), &out));
        if let Some(c) = igw_route {
            keep(&mut checks, tb.quiet, c);
        }
        // Replies: into the NAT's subnet, back to the pod's ephemeral port.
        if let Some(n) = vpc.nacl(&ns.nacl) {
            keep(
                &mut checks,
                tb.quiet,
                n.evaluate(Direction::Inbound, &out.reversed()),
            );
            if ns.id != ps.id {
                keep(
                    &mut checks,
                    tb.quiet,
                    n.evaluate(Direction::Outbound, &flow.reversed()),
                );
            }
        }
        if ns.id != ps.id {
            if let Some(n) = vpc.nacl(&ps.nacl) {
                keep(
                    &mut checks,
                    tb.quiet,
                    n.evaluate(Direction::Inbound, &flow.reversed()),
                );
            }
        }
        if let Some(c) = checks.iter().find(|c| !c.allowed).cloned() {
            let code = c.denial_code();
            return fail(
                tb,
                checks,
                code,
                format!("dropped by {}: {}", c.subject, c.decided_by),
                &nat.id,
            );
        }
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
