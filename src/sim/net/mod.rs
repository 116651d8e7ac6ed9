//! VPC networking: subnets, route tables, Security Groups and network ACLs,
//! and the checks a packet meets when it crosses a subnet boundary.
//!
//! Fact sheet §10 (addressing, routes), §11 (Security Groups: stateful,
//! allow-only, union of rules), §12 (NACLs: stateless, numbered, lowest
//! first, first match wins, final `*` deny; ephemeral ports).

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::check::{Check, CheckKind, Decision, Direction, Leg, PathChecks, RuleRef, Side};

mod endpoint;
pub mod family;
mod instance;
mod nacl;
mod peering;
mod sg;
pub use endpoint::*;
pub use family::{net_has, parse_rule_cidr, Family};
pub use instance::*;
pub use nacl::*;
pub use peering::*;
pub use sg::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

impl Protocol {
    pub fn matches(self, p: Protocol) -> bool {
        self == Protocol::All || self == p
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
            Protocol::All => "all",
        })
    }
}

/// An inclusive port range. `0-65535` means all ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    pub fn single(p: u16) -> Self {
        PortRange { from: p, to: p }
    }
    pub fn contains(&self, p: u16) -> bool {
        self.from <= p && p <= self.to
    }
}

/// What a rule lets through, as a learner reads it: `TCP 443`,
/// `UDP 1024-65535`, or `all traffic` for protocol "all" (its ports do not
/// apply), never "all all ports".
pub fn traffic(protocol: Protocol, ports: PortRange) -> String {
    if protocol == Protocol::All {
        "all traffic".into()
    } else {
        format!("{protocol} {ports}")
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ALL {
            f.write_str("all ports")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// The packet filters of a VPC, added to a path's checks: each decides on
/// every walk, and is rendered only when the walk records.
impl PathChecks {
    /// A subnet's network ACL.
    pub fn nacl(&mut self, n: &Nacl, dir: Direction, flow: &Flow, side: Side, leg: Leg) {
        let d = n.decide(dir, flow);
        self.add(CheckKind::Nacl, Some(side), leg, d, |d| {
            n.check(dir, flow, d)
        });
    }

    /// The union of the security groups on one interface.
    pub fn sgs(
        &mut self,
        vpc: &Vpc,
        ids: &[String],
        dir: Direction,
        flow: &Flow,
        (peer_groups, peer_is_private): (&[String], bool),
        side: Side,
    ) {
        let groups = || ids.iter().filter_map(|i| vpc.sg(i));
        let d = sg_decide(groups(), dir, flow, peer_groups, peer_is_private);
        self.add(CheckKind::SecurityGroup, Some(side), Leg::Forward, d, |d| {
            sg_check(groups(), dir, flow, d)
        });
    }

    /// A route table's longest-prefix route for `dst`, which must lead
    /// where `want` says. An IPv6 packet meets a table without any IPv6
    /// route only on the request's own path (a browser reaching a
    /// dual-stack load balancer in a VPC drawn without IPv6 blocks): it is
    /// taken to have its `::/0` route, and no check is added. A table with
    /// IPv6 routes decides IPv6 like IPv4. Fact sheet §10, §23.
    pub fn route(
        &mut self,
        rt: &RouteTable,
        dst: IpAddr,
        want: &dyn Fn(&RouteTarget) -> bool,
        flow: &Flow,
        (side, leg): (Side, Leg),
    ) {
        if dst.is_ipv6() && !rt.has_ipv6() {
            return;
        }
        let d = rt.decide(dst, want);
        self.add(CheckKind::RouteTable, Some(side), leg, d, |d| {
            rt.check_of(dst, flow, d)
        });
    }
}

/// A packet's five-tuple as the filters see it: IPv4, or IPv6 when a
/// browser reaches a dual-stack load balancer over IPv6 (fact sheet §23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub protocol: Protocol,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    pub dst_port: u16,
}

impl Flow {
    /// An IPv4 five-tuple.
    pub fn v4(
        protocol: Protocol,
        (src, src_port): (Ipv4Addr, u16),
        (dst, dst_port): (Ipv4Addr, u16),
    ) -> Flow {
        Flow {
            protocol,
            src: src.into(),
            src_port,
            dst: dst.into(),
            dst_port,
        }
    }

    /// The packet's IP version.
    pub fn family(&self) -> Family {
        Family::of(self.src)
    }

    /// The source, when the packet is IPv4.
    pub fn src_v4(&self) -> Option<Ipv4Addr> {
        match self.src {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    /// The destination, when the packet is IPv4.
    pub fn dst_v4(&self) -> Option<Ipv4Addr> {
        match self.dst {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    pub fn reversed(&self) -> Flow {
        Flow {
            protocol: self.protocol,
            src: self.dst,
            src_port: self.dst_port,
            dst: self.src,
            dst_port: self.src_port,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // IPv6 addresses take brackets before a port (RFC 3986).
        let end = |ip: IpAddr, port: u16| match ip {
            IpAddr::V4(a) => format!("{a}:{port}"),
            IpAddr::V6(a) => format!("[{a}]:{port}"),
        };
        write!(
            f,
            "{} {} -> {}",
            self.protocol,
            end(self.src, self.src_port),
            end(self.dst, self.dst_port)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum RouteTarget {
    Local,
    Igw(String),
    Nat(String),
    /// A VPC peering connection `pcx-…`: a route to it carries traffic
    /// only while the peering is `active`, otherwise it is a blackhole.
    /// Fact sheet §21.
    Peering(String),
    /// A gateway endpoint `vpce-…`: AWS's own route for the service's
    /// prefix list, added with the endpoint. Fact sheet §22.
    Endpoint(String),
    /// An instance's interface (a NAT instance, a firewall): it forwards
    /// only with its source/destination check off. Fact sheet §24.
    Instance(String),
    /// An egress-only internet gateway `eigw-…`: IPv6 out, and the replies
    /// back in, nothing started from the internet. Fact sheet §23.
    Eigw(String),
}

impl fmt::Display for RouteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTarget::Local => f.write_str("local"),
            RouteTarget::Igw(id)
            | RouteTarget::Nat(id)
            | RouteTarget::Instance(id)
            | RouteTarget::Eigw(id)
            | RouteTarget::Peering(id)
            | RouteTarget::Endpoint(id) => f.write_str(id),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// An IPv4 or an IPv6 block (`0.0.0.0/0`, `::/0`): each version's
    /// routes decide only its own packets. Fact sheet §10, §23.
    pub destination: IpNet,
    pub target: RouteTarget,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub id: String,
    pub name: String,
    pub routes: Vec<Route>,
}

impl RouteTable {
    /// Longest-prefix match among the routes of the packet's version.
    /// Fact sheet §10, §23.
    pub fn lookup(&self, dst: IpAddr) -> Option<&Route> {
        self.best(dst).map(|(_, r)| r)
    }

    fn best(&self, dst: IpAddr) -> Option<(usize, &Route)> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| net_has(&r.destination, dst))
            .max_by_key(|(_, r)| r.destination.prefix_len())
    }

    /// Whether the table holds any IPv6 route (fact sheet §23).
    pub fn has_ipv6(&self) -> bool {
        self.routes
            .iter()
            .any(|r| matches!(r.destination, IpNet::V6(_)))
    }

    /// Whether the longest-prefix route for `dst` leads where `want` says;
    /// `at` is the route's 1-based position.
    pub fn decide(&self, dst: IpAddr, want: &dyn Fn(&RouteTarget) -> bool) -> Decision {
        match self.best(dst) {
            Some((i, r)) if want(&r.target) => Decision::allow(Some((i as u16 + 1, 0))),
            Some((i, _)) => Decision::deny(Some((i as u16 + 1, 0))),
            None => Decision::deny(None),
        }
    }

    /// A route decision as a check a learner reads.
    pub fn check_of(&self, dst: IpAddr, flow: &Flow, d: Decision) -> Check {
        let route = d.at.and_then(|(i, _)| self.routes.get(i as usize - 1));
        let (rule, text) = match route {
            Some(r) => (
                RuleRef::Route {
                    destination: r.destination.to_string(),
                    target: r.target.to_string(),
                },
                if d.allowed {
                    format!("route {} -> {} (longest prefix)", r.destination, r.target)
                } else {
                    format!(
                        "route {} -> {} does not lead to {}",
                        r.destination, r.target, dst
                    )
                },
            ),
            None => (RuleRef::NoRoute, format!("no route matches {dst}")),
        };
        Check::on_flow(CheckKind::RouteTable, &self.id, None, flow).rule(rule, text, d.allowed)
    }

    /// [`RouteTable::decide`] and [`RouteTable::check_of`] in one.
    pub fn check(&self, dst: IpAddr, want: &dyn Fn(&RouteTarget) -> bool, flow: &Flow) -> Check {
        self.check_of(dst, flow, self.decide(dst, want))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum Tier {
    Public,
    App,
    Data,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub az: String,
    pub cidr: Ipv4Net,
    pub tier: Tier,
    /// The explicit route-table association; none = the VPC's main route
    /// table (fact sheet §10). Read it through [`Vpc::route_table_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<String>,
    pub nacl: String,
    /// The subnet's IPv6 block, a /64 of the VPC's /56, when it has one.
    /// Fact sheet §23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<Ipv6Net>,
}

/// Number of addresses AWS reserves in every subnet. Fact sheet §10.
pub const RESERVED_PER_SUBNET: u32 = 5;

impl Subnet {
    /// Usable addresses: 2^(32-prefix) - 5.
    pub fn usable(&self) -> u32 {
        (1u32 << (32 - self.cidr.prefix_len() as u32)) - RESERVED_PER_SUBNET
    }

    /// The address of host `index` (0 = network address). Hosts live from
    /// index 4 (after network, router, DNS, reserved) to the last-but-one.
    pub fn host(&self, index: u32) -> Option<Ipv4Addr> {
        let size = 1u32 << (32 - self.cidr.prefix_len() as u32);
        if index < 4 || index >= size - 1 {
            return None;
        }
        Some(Ipv4Addr::from(u32::from(self.cidr.network()) + index))
    }

    /// The IPv6 address of host `index` in the subnet's /64, when it has
    /// one: the same host part as its IPv4 address, so the two read
    /// together (AWS picks one at random). Like IPv4, the first four
    /// addresses are reserved. Fact sheet §23.
    pub fn host6(&self, index: u32) -> Option<Ipv6Addr> {
        let net = self.ipv6_cidr?;
        if index < 4 {
            return None;
        }
        Some(Ipv6Addr::from(
            u128::from(net.network()) + u128::from(index),
        ))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub cidr: Ipv4Net,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub nacls: Vec<Nacl>,
    pub security_groups: Vec<SecurityGroup>,
    pub igw: String,
    pub nat_gateways: Vec<NatGateway>,
    /// Secondary IPv4 blocks, each with its own `local` route in every
    /// route table. Fact sheet §10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondary_cidrs: Vec<Ipv4Net>,
    /// The main route table, used by every subnet without an explicit
    /// association; none named = [`Vpc::main_table_id`]'s choice. §10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_route_table: Option<String>,
    /// The default network ACL (allow all, then `*`), the fallback of a
    /// subnet taken off its own NACL. Created when first needed. §12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_nacl: Option<String>,
    /// The default security group (all from its own members, all out),
    /// used where no group is chosen. Created when first needed. §11.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sg: Option<String>,
    /// Gateway endpoints (S3). Fact sheet §22.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateway_endpoints: Vec<GatewayEndpoint>,
    /// Interface endpoints (PrivateLink). Fact sheet §22.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interface_endpoints: Vec<InterfaceEndpoint>,
    /// EC2 instances (a bastion host, a learner's own). Fact sheet §24.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Instance>,
    /// The VPC's Amazon-provided IPv6 block, a /56, when it has one; its
    /// `local` route is in every route table. Fact sheet §23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<Ipv6Net>,
    /// The egress-only internet gateway attached to the VPC, when there is
    /// one: IPv6 out only. Fact sheet §23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_igw: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub subnet: String,
    pub host: u32,
}

impl Vpc {
    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|s| same_id(&s.id, id))
    }
    pub fn nacl(&self, id: &str) -> Option<&Nacl> {
        self.nacls.iter().find(|n| same_id(&n.id, id))
    }
    pub fn sg(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| same_id(&g.id, id))
    }
    pub fn route_table(&self, id: &str) -> Option<&RouteTable> {
        self.route_tables.iter().find(|r| same_id(&r.id, id))
    }
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| same_id(&i.id, id))
    }
    /// The subnet whose CIDR holds an address.
    pub fn subnet_of(&self, ip: Ipv4Addr) -> Option<&Subnet> {
        self.subnets.iter().find(|s| cidr_has(&s.cidr, ip))
    }
    /// Every IPv4 block of the VPC: the primary first, then the
    /// secondary ones. Fact sheet §10.
    pub fn blocks(&self) -> impl Iterator<Item = &Ipv4Net> {
        std::iter::once(&self.cidr).chain(&self.secondary_cidrs)
    }
    /// The VPC block that holds a whole CIDR, if any.
    pub fn block_of(&self, net: &Ipv4Net) -> Option<&Ipv4Net> {
        self.blocks().find(|b| b.contains(net))
    }
    /// Whether an address lies in one of the VPC's blocks.
    pub fn holds(&self, ip: Ipv4Addr) -> bool {
        self.blocks().any(|b| cidr_has(b, ip))
    }
    /// Whether an IPv6 address lies in the VPC's IPv6 block.
    pub fn holds6(&self, ip: Ipv6Addr) -> bool {
        self.ipv6_cidr.is_some_and(|b| b.contains(&ip))
    }
    /// An instance's IPv6 address, when it has one (its subnet's /64 and
    /// its host number). Fact sheet §23, §24.
    pub fn instance_ipv6(&self, i: &Instance) -> Option<Ipv6Addr> {
        if !i.ipv6 {
            return None;
        }
        self.subnet(&i.subnet)?.host6(i.host)
    }
    /// The main route table's id: the one named, else the first table
    /// with only `local` routes (how AWS creates it with the VPC), else
    /// the first table. Fact sheet §10.
    pub fn main_table_id(&self) -> Option<&str> {
        if let Some(m) = &self.main_route_table {
            return Some(m);
        }
        self.route_tables
            .iter()
            .find(|t| t.routes.iter().all(|r| r.target == RouteTarget::Local))
            .or(self.route_tables.first())
            .map(|t| t.id.as_str())
    }
    /// The id of the route table a subnet uses: its explicit association,
    /// else the main route table. Fact sheet §10.
    pub fn route_table_id_of<'a>(&'a self, s: &'a Subnet) -> Option<&'a str> {
        s.route_table.as_deref().or_else(|| self.main_table_id())
    }
    /// The route table a subnet uses (explicit, else the main table).
    pub fn route_table_of(&self, s: &Subnet) -> Option<&RouteTable> {
        self.route_table_id_of(s)
            .and_then(|id| self.route_table(id))
    }
    /// Whether a subnet uses the main table without an explicit association.
    pub fn uses_main_implicitly(&self, s: &Subnet) -> bool {
        s.route_table.is_none()
    }
    pub fn gateway_endpoint(&self, id: &str) -> Option<&GatewayEndpoint> {
        self.gateway_endpoints.iter().find(|e| same_id(&e.id, id))
    }
    pub fn interface_endpoint(&self, id: &str) -> Option<&InterfaceEndpoint> {
        self.interface_endpoints.iter().find(|e| same_id(&e.id, id))
    }
    /// Whether a network ACL is this VPC's default one.
    pub fn is_default_nacl(&self, id: &str) -> bool {
        self.default_nacl.as_deref() == Some(id)
    }
    /// Whether a security group is this VPC's default one.
    pub fn is_default_sg(&self, id: &str) -> bool {
        self.default_sg.as_deref() == Some(id)
    }
    /// The suffix of the VPC's id (`a` of `vpc-a`), for the ids AWS gives
    /// the parts it creates.
    pub fn suffix(&self) -> &str {
        self.id.strip_prefix("vpc-").unwrap_or(&self.id)
    }
}

/// Ephemeral source ports a client type picks from. Fact sheet §12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum EphemeralRange {
    /// Linux kernel default `ip_local_port_range` 32768-60999.
    Linux,
    /// Windows Vista / Server 2008 and later: 49152-65535.
    Windows,
    /// Elastic Load Balancing, NAT gateway, Lambda, and CloudFront: 1024-65535.
    Elb,
}

impl EphemeralRange {
    pub fn range(self) -> (u16, u16) {
        match self {
            EphemeralRange::Linux => (32768, 60999),
            EphemeralRange::Windows => (49152, 65535),
            EphemeralRange::Elb => (1024, 65535),
        }
    }
}

// ---------------------------------------------------------------- parsing

/// Parse a learner-typed IPv4 CIDR. Non-canonical input is normalised
/// (`10.0.1.7/24` becomes `10.0.1.0/24`), as AWS does. Fact sheet §10.
pub fn parse_cidr(s: &str) -> Result<Ipv4Net, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("CIDR is empty: write it like 10.0.1.0/24".into());
    }
    if !t.contains('/') {
        return Err(format!(
            "'{}' has no prefix length: write it like 10.0.1.0/24 (a single address is /32)",
            crate::sim::text::clip(t)
        ));
    }
    let net: Ipv4Net = t.parse().map_err(|_| {
        format!(
            "'{}' is not an IPv4 CIDR: write it like 10.0.1.0/24",
            crate::sim::text::clip(t)
        )
    })?;
    Ok(net.trunc())
}

/// The forms a port may take, for error messages.
pub const PORT_FORMS: &str =
    "ports go from 0 to 65535: write one like 443, a range like 1024-65535, or all";

/// Parse a port or range: `443`, `1024-65535`, `all`.
pub fn parse_ports(s: &str) -> Result<PortRange, String> {
    use crate::sim::text::clip;
    let t = s.trim();
    if t.eq_ignore_ascii_case("all") || t == "*" {
        return Ok(PortRange::ALL);
    }
    if t.is_empty() {
        return Err(format!("the port is empty: {PORT_FORMS}"));
    }
    if t.starts_with('-') {
        return Err(format!(
            "'{}' is not a port number: a port cannot be negative; {PORT_FORMS}",
            clip(t)
        ));
    }
    let one = |p: &str| -> Result<u16, String> {
        let p = p.trim();
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'{}' is not a port number: {PORT_FORMS}", clip(t)));
        }
        match p.parse::<u16>() {
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "port {} is out of range: {PORT_FORMS}",
                clip(p.trim_start_matches('0'))
            )),
        }
    };
    if let Some((a, b)) = t.split_once('-') {
        let (a, b) = (one(a)?, one(b)?);
        if a > b {
            return Err(format!(
                "port range {a}-{b} is backwards: the first port must not exceed the second"
            ));
        }
        Ok(PortRange { from: a, to: b })
    } else {
        Ok(PortRange::single(one(t)?))
    }
}

pub fn parse_protocol(s: &str) -> Result<Protocol, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "tcp" | "6" => Ok(Protocol::Tcp),
        "udp" | "17" => Ok(Protocol::Udp),
        "icmp" | "1" => Ok(Protocol::Icmp),
        "all" | "-1" | "*" => Ok(Protocol::All),
        other => Err(format!(
            "'{}' is not a protocol: use tcp, udp, icmp or all",
            crate::sim::text::clip(other)
        )),
    }
}

pub fn parse_action(s: &str) -> Result<RuleAction, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "allow" => Ok(RuleAction::Allow),
        "deny" => Ok(RuleAction::Deny),
        other => Err(format!(
            "'{}' is not a NACL action: use allow or deny",
            crate::sim::text::clip(other)
        )),
    }
}

/// NACL rule numbers go from 1 to 32766. Fact sheet §12.
pub fn parse_rule_number(s: &str) -> Result<u16, String> {
    let t = s.trim();
    let n: u64 = t.parse().map_err(|_| {
        format!(
            "'{}' is not a rule number: use a whole number from 1 to 32766",
            crate::sim::text::clip(t)
        )
    })?;
    if !(1..=32766).contains(&n) {
        return Err(format!(
            "rule number {n} is out of range: NACL rules are numbered 1 to 32766"
        ));
    }
    Ok(n as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_membership_agrees_with_ipnet_for_every_prefix_length() {
        let mut rng = crate::sim::rng::Rng::new(7);
        for _ in 0..20_000 {
            let a = Ipv4Addr::from(rng.range(0, u32::MAX as u64) as u32);
            let len = rng.range(0, 32) as u8;
            // Host bits are left set on purpose: "10.0.10.7/24" is a CIDR too.
            let net = Ipv4Net::new(Ipv4Addr::from(rng.range(0, u32::MAX as u64) as u32), len)
                .expect("a prefix length of 0-32");
            let near = Ipv4Addr::from(
                u32::from(net.network()) | (u32::from(a) & !u32::from(net.netmask())),
            );
            for addr in [a, near, net.network(), net.broadcast()] {
                assert_eq!(cidr_has(&net, addr), net.contains(&addr), "{net} {addr}");
            }
        }
    }

    fn flow(dst_port: u16) -> Flow {
        Flow {
            protocol: Protocol::Tcp,
            src: "130.176.1.1".parse().unwrap(),
            src_port: 40000,
            dst: "10.0.1.10".parse().unwrap(),
            dst_port,
        }
    }

    fn nacl(rules: Vec<NaclRule>) -> Nacl {
        Nacl {
            id: "acl-test".into(),
            name: "t".into(),
            inbound: rules,
            outbound: vec![],
        }
    }

    fn rule(n: u16, port: u16, action: RuleAction) -> NaclRule {
        NaclRule {
            number: n,
            protocol: Protocol::Tcp,
            ports: PortRange::single(port),
            cidr: "0.0.0.0/0".parse().unwrap(),
            action,
        }
    }

    #[test]
    fn nacl_lowest_numbered_matching_rule_wins_even_if_listed_later() {
        // §12: evaluated lowest number first, first match decides.
        let n = nacl(vec![
            rule(100, 443, RuleAction::Allow),
            rule(90, 443, RuleAction::Deny),
        ]);
        let c = n.evaluate(Direction::Inbound, &flow(443));
        assert!(!c.allowed);
        assert!(c.decided_by.starts_with("rule 90 deny"));
    }

    #[test]
    fn nacl_without_a_matching_rule_denies_with_the_star_rule() {
        // §12: a final `*` rule denies everything unmatched.
        let n = nacl(vec![rule(100, 443, RuleAction::Allow)]);
        let c = n.evaluate(Direction::Inbound, &flow(8080));
        assert!(!c.allowed);
        assert!(c.decided_by.contains("rule *"));
    }

    #[test]
    fn security_group_reference_matches_only_private_peers_in_that_group() {
        // §11: a reference matches private IPs of ENIs that carry the group.
        let g = SecurityGroup {
            id: "sg-db".into(),
            name: "db".into(),
            inbound: vec![SgRule {
                protocol: Protocol::Tcp,
                ports: PortRange::single(5432),
                peer: Peer::Sg("sg-app".into()),
                description: String::new(),
            }],
            outbound: vec![],
        };
        let f = Flow {
            dst_port: 5432,
            ..flow(5432)
        };
        assert!(evaluate_sgs(&[&g], Direction::Inbound, &f, &["sg-app".into()], true).allowed);
        assert!(!evaluate_sgs(&[&g], Direction::Inbound, &f, &["sg-app".into()], false).allowed);
        assert!(!evaluate_sgs(&[&g], Direction::Inbound, &f, &["sg-web".into()], true).allowed);
    }

    #[test]
    fn route_lookup_takes_the_longest_prefix() {
        let rt = RouteTable {
            id: "rtb".into(),
            name: "rtb".into(),
            routes: vec![
                Route {
                    destination: "0.0.0.0/0".parse().unwrap(),
                    target: RouteTarget::Igw("igw".into()),
                },
                Route {
                    destination: "10.0.0.0/16".parse().unwrap(),
                    target: RouteTarget::Local,
                },
            ],
        };
        assert_eq!(
            rt.lookup("10.0.5.5".parse().unwrap()).unwrap().target,
            RouteTarget::Local
        );
        assert_eq!(
            rt.lookup("8.8.8.8".parse().unwrap()).unwrap().target,
            RouteTarget::Igw("igw".into())
        );
    }

    #[test]
    fn a_subnet_keeps_five_addresses_for_aws() {
        // §10: usable = 2^(32-prefix) - 5; first usable host is base+4.
        let s = Subnet {
            id: "s".into(),
            name: "s".into(),
            az: "a".into(),
            cidr: "10.0.1.0/24".parse().unwrap(),
            tier: Tier::App,
            route_table: Some("r".into()),
            nacl: "n".into(),
            ipv6_cidr: None,
        };
        assert_eq!(s.usable(), 251);
        assert_eq!(s.host(4), Some("10.0.1.4".parse().unwrap()));
        assert_eq!(s.host(3), None);
        assert_eq!(s.host(254), Some("10.0.1.254".parse().unwrap()));
        assert_eq!(s.host(255), None);
    }

    #[test]
    fn typed_cidrs_and_ports_are_parsed_or_refused_with_a_reason() {
        assert_eq!(
            parse_cidr(" 10.0.1.7/24 ").unwrap().to_string(),
            "10.0.1.0/24"
        );
        assert!(parse_cidr("10.0.1.0").unwrap_err().contains("prefix"));
        assert!(parse_cidr("10.0.300.0/24")
            .unwrap_err()
            .contains("not an IPv4 CIDR"));
        assert_eq!(
            parse_ports("1024-65535").unwrap(),
            PortRange {
                from: 1024,
                to: 65535
            }
        );
        assert!(parse_ports("70000").unwrap_err().contains("out of range"));
        assert!(parse_ports("500-100").unwrap_err().contains("backwards"));
        assert!(parse_rule_number("-1").is_err());
        assert!(parse_rule_number("0").is_err());
        assert!(parse_rule_number("32767").is_err());
        assert_eq!(parse_rule_number("100").unwrap(), 100);
    }

    #[test]
    fn a_negative_port_is_refused_quoting_what_was_typed_and_the_range() {
        let e = parse_ports("-1").unwrap_err();
        assert_eq!(
            e,
            "'-1' is not a port number: a port cannot be negative; \
             ports go from 0 to 65535: write one like 443, a range like 1024-65535, or all"
        );
        for bad in ["443-", "-", "80-x", "http", "4 43", "1-2-3"] {
            let e = parse_ports(bad).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{bad}: {e}");
            assert!(e.contains("0 to 65535"), "{bad}: {e}");
        }
        let e = parse_ports("65536").unwrap_err();
        assert!(e.contains("port 65536 is out of range"), "{e}");
        assert!(e.contains("0 to 65535"), "{e}");
        assert_eq!(parse_ports("0").unwrap(), PortRange::single(0));
        assert_eq!(parse_ports("65535").unwrap(), PortRange::single(65535));
    }

    #[test]
    fn a_long_bad_value_is_quoted_in_at_most_eighty_characters() {
        let long = "9".repeat(5_000);
        for e in [
            parse_ports(&long).unwrap_err(),
            parse_ports(&format!("1-{long}")).unwrap_err(),
            parse_cidr(&long).unwrap_err(),
            parse_protocol(&long).unwrap_err(),
            parse_action(&long).unwrap_err(),
            parse_rule_number(&long).unwrap_err(),
        ] {
            assert!(e.contains('…'), "{e}");
            assert!(e.chars().count() < 250, "{e}");
        }
    }
}
