//! "Can A reach B?": a path analysis in the manner of AWS Reachability
//! Analyzer (fact sheet §25). It reads the network's configuration and the
//! world's faults, sends nothing and changes nothing, and answers for any
//! source and destination the world has — a client or the SMS API on the
//! internet, an instance, a pod, a database, a load balancer, a NAT
//! gateway, or an address — with a protocol (TCP, UDP or ICMP) and a port
//! (for ICMP, the message type: 8 is an echo request).
//!
//! The answer is the path component by component with every check on the
//! way (security groups, network ACLs, route tables, address translation
//! at the internet gateway and the NAT gateway), or the first component
//! that blocks it with its explanation code (`Code`, named after Reachability
//! Analyzer's where one exists) and the rule. Where the analyzer looks one
//! way only, Hoplab also checks the reply through the network ACLs and
//! routes (stateless, fact sheet §12), as a connection needs it; security
//! groups let the reply back by connection tracking (§11, §24).
//!
//! Route targets are read in one place, [`Walk::route_from`]: a route to
//! `local` (one per VPC block, primary or secondary), an internet gateway,
//! a NAT gateway, an instance's interface (a NAT instance;
//! [`Walk::through_instance`]), a peering connection (into the peer VPC
//! only, while active, with a route back on the other side:
//! [`Walk::via_peering`]) or a gateway endpoint (S3's prefix list, TCP
//! only). A subnet's table is its explicit association or the VPC's main
//! table (`Vpc::route_table_of`). An interface endpoint is a destination
//! (its security groups, TCP only). Fact sheet §10, §21, §22, §24.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

use super::check::{Check, Direction, Leg, PathChecks, Side};
use super::net::*;
use super::scenario::{Region, Scenario};
use super::trace::Code;
use super::world::World;

mod ends;
mod text;
mod v6;

pub use ends::{End, EndKind};

/// What a learner asks: from which component (or address) to which, over
/// which protocol and port. Script step `reach`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachSpec {
    pub from: String,
    pub to: String,
    /// `tcp`, `udp` or `icmp`.
    pub protocol: Protocol,
    /// The destination port; for ICMP the message type (8 = echo request;
    /// over IPv6, ICMPv6's 128).
    #[serde(default)]
    pub port: u16,
    /// `ipv4` (the default) or `ipv6`: which addresses of the two ends the
    /// path uses. An IPv6 address typed as either end asks for IPv6 too.
    /// Fact sheet §23.
    #[serde(default, skip_serializing_if = "is_ipv4")]
    pub ip_version: Family,
}

fn is_ipv4(f: &Family) -> bool {
    *f == Family::Ipv4
}

/// The answer: reachable or not, the path, and what blocked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub spec: ReachSpec,
    pub reachable: bool,
    /// The components the path crossed, in order, each with its checks.
    pub path: Vec<PathHop>,
    /// The first component that blocked the path, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    /// The components the two ends were read as (a database's id is its
    /// primary instance now), when they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// How a service's name typed as the destination resolved for the
    /// source: an interface endpoint's private DNS, or the public address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<NameAnswer>,
    /// The packet as it leaves the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Flow>,
    /// The packet as it arrives at the destination (address translation
    /// at the internet gateway or a NAT gateway changes it on the way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrives: Option<Flow>,
}

/// A service's public name (`sqs.us-east-1.amazonaws.com`) as the source
/// resolves it. Fact sheet §22: an interface endpoint with private DNS on
/// makes the name resolve to its interfaces inside its VPC; elsewhere, or
/// with private DNS off, the name keeps its public addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameAnswer {
    pub name: String,
    pub address: Ipv4Addr,
    /// The interface endpoint whose private DNS answered, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// One component on the path and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathHop {
    /// The component's id (an instance, a subnet, a gateway, a client).
    pub component: String,
    pub role: Role,
    /// Every check this component's tables made, in the order a packet
    /// meets them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

/// What a component does on the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// Where the packet starts: `address:port` is the sender's.
    Source { address: IpAddr },
    /// The sender's interface and its subnet: its security groups out, its
    /// subnet's network ACL and route table.
    LeavesSubnet { subnet: String },
    /// The receiver's subnet and interface: network ACL in, security
    /// groups in.
    EntersSubnet { subnet: String },
    /// Both ends share a subnet: no route table, no network ACL, only the
    /// security groups of both interfaces (fact sheet §24).
    SameSubnet { subnet: String },
    /// The internet gateway's 1:1 NAT between a private and a public
    /// address (fact sheet §10, §24); `outbound` when leaving the VPC.
    InternetGateway {
        outbound: bool,
        private: Ipv4Addr,
        public: Ipv4Addr,
    },
    /// A NAT gateway rewrites the source to its own address (fact sheet §10).
    NatGateway { address: Ipv4Addr },
    /// The internet between the gateway and a host outside AWS.
    Internet,
    /// An instance with its source/destination check off forwards the
    /// packet from its own address (a NAT instance). Fact sheet §24.
    Forwards { address: Ipv4Addr },
    /// Where the packet arrives.
    Destination { address: IpAddr },
    /// An internet gateway or an egress-only internet gateway carrying
    /// IPv6, which it never translates (fact sheet §23); `outbound` when
    /// leaving the VPC.
    Ipv6Gateway { egress_only: bool, outbound: bool },
    /// An address that never leaves the instance: the instance metadata
    /// service or the VPC's DNS resolver (fact sheet §24).
    LinkLocal { service: LinkService },
    /// A peering connection carries the packet into the peer VPC
    /// (fact sheet §21).
    Peering { from_vpc: String, to_vpc: String },
    /// A gateway endpoint carries the packet to its service's prefix
    /// list, without a NAT or the internet (fact sheet §22).
    GatewayEndpoint { prefix_list: String },
}

/// The services an instance reaches without the network's filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkService {
    /// 169.254.169.254.
    InstanceMetadata,
    /// The VPC's primary CIDR base + 2, or 169.254.169.253.
    DnsResolver,
}

/// Why the path stops, at which component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    pub component: String,
    pub code: Code,
    pub reason: Reason,
    /// The rule that decided, when a table did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Box<Check>>,
}

/// The reason a path stops, as data; `text.rs` renders it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A security group, network ACL or route table denied (see `check`).
    Table,
    /// No component or address of the world is called this.
    UnknownEnd { name: String },
    /// This kind of component cannot start or end a path here.
    Unsupported { name: String },
    /// The protocol and port cannot be analysed (ICMP type over 255, port 0).
    BadPort { protocol: Protocol, port: u16 },
    /// Source and destination are the same component.
    SameEnds,
    /// Both ends are on the internet: no part of a VPC lies between.
    BothOutside,
    /// The interface has no public address, so the internet gateway has
    /// nothing to translate it to (fact sheet §10, §24).
    NoPublicAddress { component: String },
    /// A NAT gateway only forwards connections its subnets start; nothing
    /// can connect to it (fact sheet §10).
    NatOutboundOnly { nat: String },
    /// The destination's Availability Zone or Region is down.
    Down { component: String },
    /// The address is another VPC's private address, and no route of the
    /// source's table leads into that VPC.
    OtherVpc { vpc: String },
    /// A route leads through an instance whose source/destination check is
    /// on (fact sheet §24).
    SourceDestCheck { instance: String },
    /// The routes send the packet back to an instance it already crossed.
    RouteLoop { instance: String },
    /// Link-local services answer the instance itself only.
    LinkLocalOnly { service: LinkService },
    /// The VPC's resolver answers DNS (port 53) only.
    DnsOnly { port: u16 },
    /// The load balancer has no listener on this protocol and port.
    NoListener { protocol: Protocol, port: u16 },
    /// The route leads to a peering connection that is not active.
    PeeringNotActive {
        peering: String,
        status: Option<PeeringStatus>,
    },
    /// The peering joins another VPC than the one holding the address, or
    /// the address lies outside the peer VPC (no transit, no edge to edge).
    NotInPeerVpc {
        peering: String,
        peer_vpc: String,
        address: Ipv4Addr,
    },
    /// A gateway endpoint carries TCP (and ICMP echo) only.
    GatewayEndpointProtocol { protocol: Protocol },
    /// An interface endpoint accepts TCP only, and only connections
    /// started toward it.
    InterfaceEndpointTcpOnly { protocol: Protocol },
    /// The component has no IPv6 address: an instance without one (or in
    /// a subnet without a /64), a browser with IPv6 off, or a kind the
    /// model gives IPv4 only. Fact sheet §23.
    NoIpv6Address { component: String },
    /// The reply to a connection started on the internet would leave
    /// through an egress-only internet gateway, which drops it. §23.
    EgressOnly { gateway: String },
}

/// ICMP message types: echo request and echo reply. Fact sheet §24.
pub const ICMP_ECHO_REQUEST: u16 = 8;
pub const ICMP_ECHO_REPLY: u16 = 0;

/// The instance metadata service and the VPC resolver's link-local
/// address. Fact sheet §24.
pub const IMDS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
pub const RESOLVER_LINK_LOCAL: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 253);

impl World {
    /// "Can A reach B?" on the world as it is now: changes nothing.
    /// Fact sheet §25.
    pub fn reach(&self, spec: &ReachSpec) -> Reach {
        let mut walk = Walk {
            world: self,
            s: self.scenario(),
            spec: spec.clone(),
            path: Vec::new(),
            ends: (None, None),
            resolved: None,
            sent: None,
            arrives: None,
        };
        let blocked = walk.run().err();
        Reach {
            spec: spec.clone(),
            reachable: blocked.is_none(),
            path: walk.path,
            blocked,
            source: walk.ends.0,
            destination: walk.ends.1,
            resolved: walk.resolved,
            sent: walk.sent,
            arrives: walk.arrives,
        }
    }
}

impl World {
    /// [`World::reach`] for a question typed by a learner or a script:
    /// a question that cannot be analysed (an unknown or unsupported end,
    /// a bad port, the same end twice, both ends outside) is refused with
    /// the reason instead of answered.
    pub fn reach_asked(&self, spec: &ReachSpec) -> Result<Reach, String> {
        let r = self.reach(spec);
        match &r.blocked {
            Some(b)
                if matches!(
                    b.reason,
                    Reason::UnknownEnd { .. }
                        | Reason::Unsupported { .. }
                        | Reason::BadPort { .. }
                        | Reason::SameEnds
                        | Reason::BothOutside
                ) =>
            {
                Err(format!("reach: {}", b.reason.why(&b.component, None)))
            }
            _ => Ok(r),
        }
    }
}

struct Walk<'w> {
    world: &'w World,
    s: &'w Scenario,
    spec: ReachSpec,
    path: Vec<PathHop>,
    ends: (Option<String>, Option<String>),
    resolved: Option<NameAnswer>,
    sent: Option<Flow>,
    arrives: Option<Flow>,
}

type Step = Result<(), Blocked>;

fn block(component: &str, code: Code, reason: Reason) -> Blocked {
    Blocked {
        component: component.to_string(),
        code,
        reason,
        check: None,
    }
}

/// The reply's destination port: the ICMP echo reply's type (ICMPv6's
/// over IPv6), or the sender's port.
fn reply_of(flow: &Flow) -> Flow {
    let mut back = flow.reversed();
    if flow.protocol == Protocol::Icmp {
        back.src_port = 0;
        back.dst_port = match flow.family() {
            Family::Ipv4 => ICMP_ECHO_REPLY,
            Family::Ipv6 => v6::ICMPV6_ECHO_REPLY,
        };
    }
    back
}

impl<'w> Walk<'w> {
    fn run(&mut self) -> Step {
        let spec = self.spec.clone();
        let bad_port = match spec.protocol {
            Protocol::Icmp => spec.port > 255,
            Protocol::Tcp | Protocol::Udp => spec.port == 0,
            Protocol::All => true,
        };
        if bad_port {
            return Err(block(
                &spec.to,
                Code::ProtocolRestriction,
                Reason::BadPort {
                    protocol: spec.protocol,
                    port: spec.port,
                },
            ));
        }
        if v6::asked(&spec) {
            return self.run6();
        }
        let src = ends::resolve(self.world, &spec.from, true)?;
        self.ends.0 = Some(src.id.clone());
        let dst = match ends::service_name(self.s, &spec.to, &src) {
            Some((end, answer)) => {
                self.resolved = Some(answer);
                end
            }
            None => ends::resolve(self.world, &spec.to, false)?,
        };
        self.ends.1 = Some(dst.id.clone());
        if src.id == dst.id {
            return Err(block(
                &dst.id,
                Code::NoSourceOrDestination,
                Reason::SameEnds,
            ));
        }
        match (&src.kind, &dst.kind) {
            (EndKind::Outside { .. }, EndKind::Outside { .. }) => Err(block(
                &dst.id,
                Code::NoSourceOrDestination,
                Reason::BothOutside,
            )),
            (EndKind::Outside { ip, os }, _) => self.start_outside(&src, (*ip, *os), &dst),
            (EndKind::Eni(_), _) => self.start_at_eni(&src, &dst),
            (EndKind::LinkLocal(service), _) => Err(block(
                &src.id,
                Code::UnsupportedComponent,
                Reason::LinkLocalOnly { service: *service },
            )),
        }
    }

    fn hop(&mut self, component: &str, role: Role, checks: Vec<Check>) {
        self.path.push(PathHop {
            component: component.to_string(),
            role,
            checks,
        });
    }

    /// Add a hop with the checks in `path`; when one denied, the path
    /// stops at `component` with that check.
    fn checked(&mut self, component: &str, role: Role, path: PathChecks) -> Step {
        let deciding = path.deciding().cloned();
        let denied = path.denied;
        self.hop(component, role, path.into_list());
        match (denied, deciding) {
            (Some(d), check) => Err(Blocked {
                component: component.to_string(),
                code: d.code(),
                reason: Reason::Table,
                check: check.map(Box::new),
            }),
            _ => Ok(()),
        }
    }

    fn region_of(&self, e: &ends::Eni) -> &'w Region {
        &self.s.regions[e.region]
    }

    fn down(&self, e: &ends::Eni) -> Step {
        let r = self.region_of(e);
        if self.world.placement_up(r, &e.subnet) {
            Ok(())
        } else {
            Err(block(
                &e.id,
                Code::ComponentDown,
                Reason::Down {
                    component: e.id.clone(),
                },
            ))
        }
    }

    fn first_flow(&self, src: Ipv4Addr, os: EphemeralRange, dst: Ipv4Addr) -> Flow {
        let protocol = self.spec.protocol;
        let src_port = match protocol {
            Protocol::Icmp => 0,
            _ => os.range().0,
        };
        Flow::v4(protocol, (src, src_port), (dst, self.spec.port))
    }

    /// From an interface in a VPC.
    fn start_at_eni(&mut self, src: &End, dst: &End) -> Step {
        let EndKind::Eni(se) = &src.kind else {
            unreachable!("from_eni is called with an interface")
        };
        self.down(se)?;
        if se.endpoint {
            // An interface endpoint answers; it starts nothing (§22).
            return Err(block(
                &se.id,
                Code::UnsupportedComponent,
                Reason::InterfaceEndpointTcpOnly {
                    protocol: self.spec.protocol,
                },
            ));
        }
        match &dst.kind {
            EndKind::LinkLocal(service) => self.link_local(se, dst, *service),
            EndKind::Outside { ip, .. } => {
                let flow = self.first_flow(se.private, se.os, *ip);
                self.sent = Some(flow);
                self.hop(
                    &se.id,
                    Role::Source {
                        address: se.private.into(),
                    },
                    Vec::new(),
                );
                self.out_to_internet(se, flow)?;
                let by_endpoint = matches!(
                    self.path.last().map(|h| &h.role),
                    Some(Role::GatewayEndpoint { .. })
                );
                if !by_endpoint {
                    self.hop("internet", Role::Internet, Vec::new());
                }
                self.hop(
                    &dst.id,
                    Role::Destination {
                        address: (*ip).into(),
                    },
                    Vec::new(),
                );
                Ok(())
            }
            EndKind::Eni(de) => {
                if se.region == de.region && se.vpc_private(self.s, de.private) {
                    self.inside_vpc(se, de)
                } else {
                    self.across_vpcs(se, de)
                }
            }
        }
    }

    /// The instance metadata service and the VPC's resolver: answered on
    /// the host or at the VPC's reserved address, never filtered by
    /// security groups or network ACLs. Fact sheet §24.
    fn link_local(&mut self, se: &ends::Eni, dst: &End, service: LinkService) -> Step {
        let EndKind::LinkLocal(_) = dst.kind else {
            unreachable!()
        };
        let address = ends::link_address(self.s, se, service, &dst.id);
        if service == LinkService::DnsResolver && self.spec.port != 53 {
            return Err(block(
                &dst.id,
                Code::ProtocolRestriction,
                Reason::DnsOnly {
                    port: self.spec.port,
                },
            ));
        }
        let flow = self.first_flow(se.private, se.os, address);
        self.sent = Some(flow);
        self.arrives = Some(flow);
        self.hop(
            &se.id,
            Role::Source {
                address: se.private.into(),
            },
            Vec::new(),
        );
        self.hop(&dst.id, Role::LinkLocal { service }, Vec::new());
        Ok(())
    }

    /// Two interfaces of one VPC: their security groups; across subnets
    /// also both network ACLs and the source's route (the `local` route).
    /// Fact sheet §10-§12, §24.
    fn inside_vpc(&mut self, se: &ends::Eni, de: &ends::Eni) -> Step {
        self.to_nat_itself(de)?;
        self.down(de)?;
        let flow = self.first_flow(se.private, se.os, de.private);
        self.sent = Some(flow);
        self.hop(
            &se.id,
            Role::Source {
                address: se.private.into(),
            },
            Vec::new(),
        );
        self.within_vpc(se, de, flow)
    }

    /// From the source's interface to another of its VPC's, for either IP
    /// version: the security groups of both within one subnet; across
    /// subnets also both network ACLs and the `local` route, the reply's
    /// too. Fact sheet §10-§12, §23, §24.
    fn within_vpc(&mut self, se: &ends::Eni, de: &ends::Eni, flow: Flow) -> Step {
        use Direction::{Inbound, Outbound};
        let vpc = &self.region_of(se).vpc;
        let back = reply_of(&flow);
        let (ss, ds) = (se.subnet(self.s), de.subnet(self.s));
        if ss.id == ds.id {
            let mut p = PathChecks::new(true);
            if se.filtered {
                p.sgs(vpc, &se.sgs, Outbound, &flow, (&de.sgs, true), Side::Source);
            }
            if de.filtered {
                p.sgs(
                    vpc,
                    &de.sgs,
                    Inbound,
                    &flow,
                    (&se.sgs, true),
                    Side::Destination,
                );
            }
            self.checked(
                &ss.id,
                Role::SameSubnet {
                    subnet: ss.id.clone(),
                },
                p,
            )?;
        } else {
            let p = self.leave_checks((vpc, se, ss), (&flow, &back), (&de.sgs, true), &|t| {
                *t == RouteTarget::Local
            });
            self.checked(&ss.id, leaves(ss), p)?;
            let p = self.enter_checks((vpc, de, ds), (&flow, &back), (&se.sgs, true), &|t| {
                *t == RouteTarget::Local
            });
            self.checked(
                &ds.id,
                Role::EntersSubnet {
                    subnet: ds.id.clone(),
                },
                p,
            )?;
        }
        self.arrive(de, flow)
    }

    /// The checks where a packet leaves the source's subnet for another
    /// subnet: the source's security groups out (against `peer`, the
    /// destination's groups a reference may match), its network ACL out,
    /// its route (which must lead where `want` says), and the reply's way
    /// back in through the ACL.
    fn leave_checks(
        &self,
        (vpc, se, ss): (&Vpc, &ends::Eni, &Subnet),
        (flow, back): (&Flow, &Flow),
        peer: (&[String], bool),
        want: &dyn Fn(&RouteTarget) -> bool,
    ) -> PathChecks {
        use Direction::{Inbound, Outbound};
        let mut p = PathChecks::new(true);
        if se.filtered {
            p.sgs(vpc, &se.sgs, Outbound, flow, peer, Side::Source);
        }
        if let Some(n) = vpc.nacl(&ss.nacl) {
            p.nacl(n, Outbound, flow, Side::Source, Leg::Forward);
        }
        self.route_check(&mut p, vpc, ss, flow, Side::Source, Leg::Forward, want);
        if let Some(n) = vpc.nacl(&ss.nacl) {
            p.nacl(n, Inbound, back, Side::Source, Leg::Return);
        }
        p
    }

    /// The checks where a packet enters the destination's subnet: its
    /// network ACL in, the destination's security groups in (against
    /// `peer`, the source's groups a reference may match), and the reply's
    /// way out: the ACL and the route, which must lead where `want` says.
    fn enter_checks(
        &self,
        (vpc, de, ds): (&Vpc, &ends::Eni, &Subnet),
        (flow, back): (&Flow, &Flow),
        peer: (&[String], bool),
        want: &dyn Fn(&RouteTarget) -> bool,
    ) -> PathChecks {
        use Direction::{Inbound, Outbound};
        let mut p = PathChecks::new(true);
        if let Some(n) = vpc.nacl(&ds.nacl) {
            p.nacl(n, Inbound, flow, Side::Destination, Leg::Forward);
        }
        if de.filtered {
            p.sgs(vpc, &de.sgs, Inbound, flow, peer, Side::Destination);
        }
        if let Some(n) = vpc.nacl(&ds.nacl) {
            p.nacl(n, Outbound, back, Side::Destination, Leg::Return);
        }
        self.route_check(&mut p, vpc, ds, back, Side::Destination, Leg::Return, want);
        p
    }

    /// The last hop: a load balancer needs a listener on the port.
    fn arrive(&mut self, de: &ends::Eni, flow: Flow) -> Step {
        if de.endpoint && flow.protocol != Protocol::Tcp {
            return Err(block(
                &de.id,
                Code::ProtocolRestriction,
                Reason::InterfaceEndpointTcpOnly {
                    protocol: flow.protocol,
                },
            ));
        }
        if let Some(ports) = &de.listeners {
            let matches = ports.contains(&(flow.protocol, flow.dst_port));
            if !matches {
                return Err(block(
                    &de.id,
                    Code::Elbv2ListenerPortRestriction,
                    Reason::NoListener {
                        protocol: flow.protocol,
                        port: flow.dst_port,
                    },
                ));
            }
        }
        self.arrives = Some(flow);
        self.hop(&de.id, Role::Destination { address: flow.dst }, Vec::new());
        Ok(())
    }

    /// A NAT gateway accepts no connection addressed to itself.
    fn to_nat_itself(&self, de: &ends::Eni) -> Step {
        if de.is_nat {
            return Err(block(
                &de.id,
                Code::NatGatewayOutboundOnly,
                Reason::NatOutboundOnly { nat: de.id.clone() },
            ));
        }
        Ok(())
    }

    /// A route check that records the longest-prefix route for `flow`'s
    /// destination, allowed when `want` holds for its target.
    #[allow(clippy::too_many_arguments)]
    fn route_check(
        &self,
        p: &mut PathChecks,
        vpc: &Vpc,
        subnet: &Subnet,
        flow: &Flow,
        side: Side,
        leg: Leg,
        want: &dyn Fn(&RouteTarget) -> bool,
    ) {
        if let Some(rt) = vpc.route_table_of(subnet) {
            p.route(rt, flow.dst, want, flow, (side, leg));
        }
    }

    /// The route the source's table picks for `dst`.
    fn route_from(&self, vpc: &'w Vpc, subnet: &Subnet, dst: Ipv4Addr) -> Option<&'w RouteTarget> {
        vpc.route_table_of(subnet)
            .and_then(|rt| rt.lookup(dst.into()))
            .map(|r| &r.target)
    }

    /// Out of the VPC toward an address on the internet: the source's
    /// security groups, network ACL and route; an internet gateway (the
    /// source needs a public address) or a NAT gateway (then its subnet's
    /// ACL and route to the internet gateway). Returns the packet as it
    /// leaves AWS. Fact sheet §10-§12, §24.
    fn out_to_internet(&mut self, se: &ends::Eni, flow: Flow) -> Result<Flow, Blocked> {
        use Direction::{Inbound, Outbound};
        let r = self.region_of(se);
        let vpc = &r.vpc;
        let ss = se.subnet(self.s);
        let dst = flow.dst_v4().unwrap_or(Ipv4Addr::UNSPECIFIED);
        let target = self.route_from(vpc, ss, dst).cloned();
        let mut p = PathChecks::new(true);
        if se.filtered {
            p.sgs(vpc, &se.sgs, Outbound, &flow, (&[], false), Side::Source);
        }
        if let Some(n) = vpc.nacl(&ss.nacl) {
            p.nacl(n, Outbound, &flow, Side::Source, Leg::Forward);
        }
        self.route_check(&mut p, vpc, ss, &flow, Side::Source, Leg::Forward, &|t| {
            matches!(
                t,
                RouteTarget::Igw(_)
                    | RouteTarget::Nat(_)
                    | RouteTarget::Instance(_)
                    | RouteTarget::Endpoint(_)
                    | RouteTarget::Peering(_)
            )
        });
        match target {
            Some(RouteTarget::Instance(id)) => {
                self.checked(&ss.id, leaves(ss), p)?;
                self.through_instance(se, flow, &id)
            }
            Some(RouteTarget::Peering(pcx)) => {
                // A peering carries only addresses of the peer VPC: the
                // peer's internet gateway, NAT and endpoints are not ours.
                self.checked(&ss.id, leaves(ss), p)?;
                let peer_vpc = self
                    .s
                    .peering(&pcx)
                    .and_then(|x| x.peer_of(&vpc.id))
                    .unwrap_or_default()
                    .to_string();
                Err(block(
                    &pcx,
                    Code::PcxRequiresAddressInVpcCidr,
                    Reason::NotInPeerVpc {
                        peering: pcx.clone(),
                        peer_vpc,
                        address: dst,
                    },
                ))
            }
            Some(RouteTarget::Endpoint(vpce)) => {
                let echo = flow.protocol == Protocol::Icmp && flow.dst_port == ICMP_ECHO_REQUEST;
                if flow.protocol != Protocol::Tcp && !echo {
                    self.checked(&ss.id, leaves(ss), p)?;
                    return Err(block(
                        &vpce,
                        Code::VpceGatewayProtocolRestriction,
                        Reason::GatewayEndpointProtocol {
                            protocol: flow.protocol,
                        },
                    ));
                }
                if let Some(n) = vpc.nacl(&ss.nacl) {
                    p.nacl(n, Inbound, &reply_of(&flow), Side::Source, Leg::Return);
                }
                self.checked(&ss.id, leaves(ss), p)?;
                let prefix_list = s3_prefix_list(&r.id).map_or("", |pl| pl.id).to_string();
                self.hop(&vpce, Role::GatewayEndpoint { prefix_list }, Vec::new());
                self.arrives = Some(flow);
                Ok(flow)
            }
            Some(RouteTarget::Igw(igw)) => {
                let Some(public) = se.public else {
                    self.checked(&ss.id, leaves(ss), p)?;
                    return Err(block(
                        &igw,
                        Code::IgwPublicIpAssociationForEgress,
                        Reason::NoPublicAddress {
                            component: se.id.clone(),
                        },
                    ));
                };
                let out = Flow {
                    src: public.into(),
                    ..flow
                };
                let back = reply_of(&flow);
                if let Some(n) = vpc.nacl(&ss.nacl) {
                    p.nacl(n, Inbound, &back, Side::Source, Leg::Return);
                }
                self.checked(&ss.id, leaves(ss), p)?;
                self.hop(
                    &igw,
                    Role::InternetGateway {
                        outbound: true,
                        private: se.private,
                        public,
                    },
                    Vec::new(),
                );
                self.arrives = Some(out);
                Ok(out)
            }
            Some(RouteTarget::Nat(nat_id)) => {
                let Some(nat) = vpc.nat_gateways.iter().find(|n| n.id == nat_id) else {
                    return self.checked(&ss.id, leaves(ss), p).map(|_| flow);
                };
                let ns = vpc.subnet(&nat.subnet).expect("validated");
                let nat_ip = ns.host(nat.host).expect("validated");
                let crosses = ns.id != ss.id;
                let back = reply_of(&flow);
                if crosses {
                    if let Some(n) = vpc.nacl(&ss.nacl) {
                        p.nacl(n, Inbound, &back, Side::Source, Leg::Return);
                    }
                }
                self.checked(&ss.id, leaves(ss), p)?;
                if !self.world.placement_up(r, &ns.id) {
                    return Err(block(
                        &nat.id,
                        Code::ComponentDown,
                        Reason::Down {
                            component: nat.id.clone(),
                        },
                    ));
                }
                // The NAT gateway's own leg: its subnet's ACL in and out,
                // its route to the internet gateway. Ports from 1024-65535.
                let out = Flow {
                    src: nat_ip.into(),
                    src_port: match flow.protocol {
                        Protocol::Icmp => 0,
                        _ => 1024,
                    },
                    ..flow
                };
                let mut p = PathChecks::new(true);
                if let (true, Some(n)) = (crosses, vpc.nacl(&ns.nacl)) {
                    p.nacl(n, Inbound, &flow, Side::Destination, Leg::Forward);
                }
                if let Some(n) = vpc.nacl(&ns.nacl) {
                    p.nacl(n, Outbound, &out, Side::Source, Leg::Forward);
                }
                let to_igw = self.route_from(vpc, ns, dst).cloned();
                self.route_check(&mut p, vpc, ns, &out, Side::Source, Leg::Forward, &|t| {
                    matches!(t, RouteTarget::Igw(_))
                });
                if let Some(n) = vpc.nacl(&ns.nacl) {
                    p.nacl(n, Inbound, &reply_of(&out), Side::Source, Leg::Return);
                    if crosses {
                        p.nacl(n, Outbound, &back, Side::Destination, Leg::Return);
                    }
                }
                self.checked(&nat.id, Role::NatGateway { address: nat_ip }, p)?;
                let igw = match to_igw {
                    Some(RouteTarget::Igw(id)) => id,
                    _ => vpc.igw.clone(),
                };
                self.hop(
                    &igw,
                    Role::InternetGateway {
                        outbound: true,
                        private: nat_ip,
                        public: nat_ip,
                    },
                    Vec::new(),
                );
                self.arrives = Some(out);
                Ok(out)
            }
            _ => {
                self.checked(&ss.id, leaves(ss), p)?;
                Ok(flow)
            }
        }
    }

    /// A route to an instance's interface (a NAT instance): it forwards only
    /// with its source/destination check off, admits the packet with its
    /// security groups, and sends it on from its own address as a NAT
    /// instance does. Fact sheet §24.
    fn through_instance(&mut self, se: &ends::Eni, flow: Flow, id: &str) -> Result<Flow, Blocked> {
        use Direction::Inbound;
        let r = self.region_of(se);
        let vpc = &r.vpc;
        let inst = vpc.instance(id).expect("validated");
        if inst.id == se.id || self.path.iter().filter(|h| h.component == inst.id).count() > 0 {
            // A route back to an instance already on the path: a loop.
            return Err(block(
                id,
                Code::NoRouteToDestination,
                Reason::RouteLoop {
                    instance: id.to_string(),
                },
            ));
        }
        if inst.source_dest_check {
            return Err(block(
                id,
                Code::EniSourceDestCheckRestriction,
                Reason::SourceDestCheck {
                    instance: id.to_string(),
                },
            ));
        }
        let fwd = ends::resolve(self.world, id, true)?;
        let EndKind::Eni(fe) = fwd.kind else {
            unreachable!("an instance is an interface")
        };
        self.down(&fe)?;
        let fs = fe.subnet(self.s);
        let mut p = PathChecks::new(true);
        if fs.id != se.subnet {
            if let Some(n) = vpc.nacl(&fs.nacl) {
                p.nacl(n, Inbound, &flow, Side::Destination, Leg::Forward);
            }
        }
        p.sgs(
            vpc,
            &fe.sgs,
            Inbound,
            &flow,
            (&se.sgs, true),
            Side::Destination,
        );
        self.checked(
            &fe.id,
            Role::Forwards {
                address: fe.private,
            },
            p,
        )?;
        let on = Flow {
            src: fe.private.into(),
            ..flow
        };
        self.out_to_internet(&fe, on)
    }

    /// From a host on the internet to an interface: through the VPC's
    /// internet gateway, which translates the public address to the
    /// private one (1:1 NAT); the destination subnet's ACL, the
    /// interface's security groups, and a route back to the internet
    /// gateway for the reply. Fact sheet §10-§12, §24.
    fn start_outside(
        &mut self,
        src: &End,
        (ip, os): (Ipv4Addr, EphemeralRange),
        dst: &End,
    ) -> Step {
        let de = match &dst.kind {
            EndKind::Eni(de) => de,
            EndKind::LinkLocal(service) => {
                return Err(block(
                    &dst.id,
                    Code::NoRouteToDestination,
                    Reason::LinkLocalOnly { service: *service },
                ))
            }
            EndKind::Outside { .. } => unreachable!("both outside is refused first"),
        };
        self.hop(&src.id, Role::Source { address: ip.into() }, Vec::new());
        self.enter_from_internet(de, (ip, os), None)
    }

    /// Into a VPC through its internet gateway, from `ip` (the client, or a
    /// NAT or public address another VPC's traffic left with).
    fn enter_from_internet(
        &mut self,
        de: &ends::Eni,
        (ip, os): (Ipv4Addr, EphemeralRange),
        sent: Option<Flow>,
    ) -> Step {
        let r = self.region_of(de);
        let vpc = &r.vpc;
        let igw = vpc.igw.clone();
        self.to_nat_itself(de)?;
        let Some(public) = de.public else {
            return Err(block(
                &igw,
                Code::IgwPrivateIpAssociationForIngress,
                Reason::NoPublicAddress {
                    component: de.id.clone(),
                },
            ));
        };
        let at_igw = match sent {
            Some(f) => Flow {
                dst: public.into(),
                ..f
            },
            None => self.first_flow(ip, os, public),
        };
        if self.sent.is_none() {
            self.sent = Some(at_igw);
        }
        self.down(de)?;
        self.hop(
            &igw,
            Role::InternetGateway {
                outbound: false,
                private: de.private,
                public,
            },
            Vec::new(),
        );
        let flow = Flow {
            dst: de.private.into(),
            ..at_igw
        };
        let back = reply_of(&flow);
        let ds = de.subnet(self.s);
        // The reply leaves by the subnet's own route: it must lead to the
        // internet gateway (a public subnet), or the answer never gets out.
        let p = self.enter_checks((vpc, de, ds), (&flow, &back), (&[], false), &|t| {
            matches!(t, RouteTarget::Igw(_))
        });
        self.checked(
            &ds.id,
            Role::EntersSubnet {
                subnet: ds.id.clone(),
            },
            p,
        )?;
        self.arrive(de, flow)
    }

    /// Two interfaces in different VPCs (or a VPC's own public address):
    /// out through the source's gateways, in through the destination's
    /// internet gateway to its public address. Another VPC's private
    /// address needs a route that leads into that VPC. Fact sheet §10, §21.
    fn across_vpcs(&mut self, se: &ends::Eni, de: &ends::Eni) -> Step {
        let r = self.region_of(se);
        let vpc = &r.vpc;
        let ss = se.subnet(self.s);
        let to_private = self.route_from(vpc, ss, de.private).cloned();
        if let Some(RouteTarget::Peering(pcx)) = &to_private {
            return self.via_peering(se, de, pcx);
        }
        let via_gateway = matches!(
            to_private,
            Some(RouteTarget::Igw(_)) | Some(RouteTarget::Nat(_))
        );
        if de.public.is_none() || !via_gateway {
            // Aim at the private address: only a route into the other VPC
            // would carry it, and none does.
            let flow = self.first_flow(se.private, se.os, de.private);
            self.sent = Some(flow);
            self.hop(
                &se.id,
                Role::Source {
                    address: se.private.into(),
                },
                Vec::new(),
            );
            let mut p = PathChecks::new(true);
            if se.filtered {
                p.sgs(
                    vpc,
                    &se.sgs,
                    Direction::Outbound,
                    &flow,
                    (&[], false),
                    Side::Source,
                );
            }
            if let Some(n) = vpc.nacl(&ss.nacl) {
                p.nacl(n, Direction::Outbound, &flow, Side::Source, Leg::Forward);
            }
            let denied_before = p.denied.is_some();
            self.route_check(&mut p, vpc, ss, &flow, Side::Source, Leg::Forward, &|_| {
                false
            });
            let check = p.deciding().cloned();
            self.hop(&ss.id, leaves(ss), p.into_list());
            if denied_before {
                let d = check.expect("a denied check");
                return Err(Blocked {
                    component: ss.id.clone(),
                    code: d.kind.denial_code(),
                    reason: Reason::Table,
                    check: Some(Box::new(d)),
                });
            }
            let other = &self.s.regions[de.region].vpc.id;
            return Err(Blocked {
                component: ss.id.clone(),
                code: Code::NoRouteToDestination,
                reason: Reason::OtherVpc { vpc: other.clone() },
                check: check.map(Box::new),
            });
        }
        let public = de.public.expect("checked above");
        let flow = self.first_flow(se.private, se.os, public);
        self.sent = Some(flow);
        self.hop(
            &se.id,
            Role::Source {
                address: se.private.into(),
            },
            Vec::new(),
        );
        let out = self.out_to_internet(se, flow)?;
        let (ip, port) = (out.src_v4().unwrap_or(se.private), out.src_port);
        self.enter_from_internet(
            de,
            (ip, se.os),
            Some(Flow {
                src_port: port,
                ..out
            }),
        )
    }

    /// Into a peered VPC: the source's groups, ACL and route to `pcx`; the
    /// peering active and joining the destination's VPC, whose block holds
    /// the address (not transitive); the destination's ACL and groups (a
    /// reference to the source's groups matches over a same-Region
    /// peering only); and a route back to the same peering for the reply.
    /// Fact sheet §21.
    fn via_peering(&mut self, se: &ends::Eni, de: &ends::Eni, pcx: &str) -> Step {
        let (sr, dr) = (self.region_of(se), self.region_of(de));
        let (vpc, dvpc) = (&sr.vpc, &dr.vpc);
        let same_region = se.region == de.region;
        let ss = se.subnet(self.s);
        let flow = self.first_flow(se.private, se.os, de.private);
        let back = reply_of(&flow);
        self.sent = Some(flow);
        self.hop(
            &se.id,
            Role::Source {
                address: se.private.into(),
            },
            Vec::new(),
        );
        let want = RouteTarget::Peering(pcx.to_string());
        let p = self.leave_checks(
            (vpc, se, ss),
            (&flow, &back),
            refs_owned(&de.sgs, same_region),
            &|t| *t == want,
        );
        self.checked(&ss.id, leaves(ss), p)?;
        let peering = self.s.peering(pcx);
        if !peering.is_some_and(|x| x.is_active()) {
            return Err(block(
                pcx,
                Code::BadStateRoute,
                Reason::PeeringNotActive {
                    peering: pcx.to_string(),
                    status: peering.map(|x| x.status),
                },
            ));
        }
        let peer_vpc = peering.and_then(|x| x.peer_of(&vpc.id)).unwrap_or_default();
        if peer_vpc != dvpc.id || !dvpc.holds(de.private) {
            return Err(block(
                pcx,
                Code::PcxRequiresAddressInVpcCidr,
                Reason::NotInPeerVpc {
                    peering: pcx.to_string(),
                    peer_vpc: peer_vpc.to_string(),
                    address: de.private,
                },
            ));
        }
        self.to_nat_itself(de)?;
        self.down(de)?;
        self.hop(
            pcx,
            Role::Peering {
                from_vpc: vpc.id.clone(),
                to_vpc: dvpc.id.clone(),
            },
            Vec::new(),
        );
        let ds = de.subnet(self.s);
        // The reply needs its own route back over the same peering.
        let p = self.enter_checks(
            (dvpc, de, ds),
            (&flow, &back),
            refs_owned(&se.sgs, same_region),
            &|t| *t == want,
        );
        self.checked(
            &ds.id,
            Role::EntersSubnet {
                subnet: ds.id.clone(),
            },
            p,
        )?;
        self.arrive(de, flow)
    }
}

/// The peer's groups as a security group reference may match them: over a
/// same-Region peering only (inter-Region references are not allowed).
/// The role of the hop that leaves the source's subnet.
fn leaves(ss: &Subnet) -> Role {
    Role::LeavesSubnet {
        subnet: ss.id.clone(),
    }
}

fn refs_owned(groups: &[String], same_region: bool) -> (&[String], bool) {
    if same_region {
        (groups, true)
    } else {
        (&[], false)
    }
}
