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
        );
        let denied = checks.iter().find(|c| !c.allowed).cloned();
        let silent = !self.placement_up(r, dst_subnet) || self.rds_failed.contains(to);
        let (verdict, code, why) = match &denied {
            Some(c) => {
                let code = match c.kind {
                    CheckKind::Nacl => Code::SubnetAclRestriction,
                    CheckKind::RouteTable => Code::NoRouteToDestination,
                    _ => Code::EniSgRulesMismatch,
                };
                let leg = if c.flow == flow.to_string() { "SYN" } else { "SYN-ACK (return path, ephemeral port)" };
                (Verdict::Dropped, code, format!("the {leg} is dropped silently by {} {}: {}", match c.kind { CheckKind::Nacl => "network ACL", CheckKind::RouteTable => "route table", _ => "security group" }, c.subject, c.decided_by))
            }
            None if silent => (Verdict::Timeout, Code::ComponentDown, format!("every filter allows it, but nothing answers: {to} is down with its AZ or region")),
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
    ) -> (Vec<Check>, Flow) {
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
        let mut checks = Vec::new();
        let sg = |ids: &[String]| ids.iter().filter_map(|i| vpc.sg(i)).collect::<Vec<_>>();
        checks.push(evaluate_sgs(
            &sg(src_sgs),
            Direction::Outbound,
            &flow,
            dst_sgs,
            true,
        ));
        let crosses = ss.id != ds.id;
        if crosses {
            if let Some(n) = vpc.nacl(&ss.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &flow));
            }
            if let Some(rt) = vpc.route_table(&ss.route_table) {
                checks.push(rt.check(flow.dst, &|t| *t == RouteTarget::Local, &flow));
            }
            if let Some(n) = vpc.nacl(&ds.nacl) {
                checks.push(n.evaluate(Direction::Inbound, &flow));
            }
        }
        checks.push(evaluate_sgs(
            &sg(dst_sgs),
            Direction::Inbound,
            &flow,
            src_sgs,
            true,
        ));
        let back = flow.reversed();
        if crosses {
            if let Some(n) = vpc.nacl(&ds.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &back));
            }
            if let Some(n) = vpc.nacl(&ss.nacl) {
                checks.push(n.evaluate(Direction::Inbound, &back));
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
