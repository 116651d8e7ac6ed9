//! The English of a reachability answer: one place, read by the CLI, the
//! script output and the app.

use super::*;

impl Protocol {
    /// `TCP 22`, `UDP 53`, `ICMP echo request` (type 8).
    pub fn with_port(self, port: u16) -> String {
        match (self, port) {
            (Protocol::Icmp, ICMP_ECHO_REQUEST) => "ICMP echo request (type 8)".into(),
            (Protocol::Icmp, ICMP_ECHO_REPLY) => "ICMP echo reply (type 0)".into(),
            (Protocol::Icmp, v6::ICMPV6_ECHO_REQUEST) => {
                "ICMP echo request (ICMPv6 type 128)".into()
            }
            (Protocol::Icmp, t) => format!("ICMP type {t}"),
            (p, port) => format!("{p} {port}"),
        }
    }
}

impl LinkService {
    pub fn name(self) -> &'static str {
        match self {
            LinkService::InstanceMetadata => "the instance metadata service",
            LinkService::DnsResolver => "the VPC's DNS resolver",
        }
    }
}

impl ReachSpec {
    /// `Can client-na reach i-bastion-b on TCP 22?`, with `over IPv6`
    /// when asked so.
    pub fn question(&self) -> String {
        let over = if v6::asked(self) { " over IPv6" } else { "" };
        format!(
            "Can {} reach {} on {}{over}?",
            self.from,
            self.to,
            self.protocol.with_port(self.port)
        )
    }
}

impl Role {
    /// What the component did, in a few words.
    pub fn what(&self, component: &str) -> String {
        match self {
            Role::Source { address } => format!("{component} sends from {address}"),
            Role::LeavesSubnet { subnet } => format!("leaves {subnet}"),
            Role::EntersSubnet { subnet } => format!("enters {subnet}"),
            Role::SameSubnet { subnet } => format!(
                "stays inside {subnet}: no route table and no network ACL between two interfaces of one subnet"
            ),
            Role::InternetGateway {
                outbound: true,
                private,
                public,
            } if private == public => format!("{component} carries it to the internet"),
            Role::InternetGateway {
                outbound: true,
                private,
                public,
            } => format!("{component} translates the source {private} to {public} (1:1 NAT)"),
            Role::InternetGateway {
                outbound: false,
                private,
                public,
            } => format!("{component} translates the destination {public} to {private} (1:1 NAT)"),
            Role::NatGateway { address } => {
                format!("{component} rewrites the source to its own address {address}")
            }
            Role::Forwards { address } => format!(
                "{component} forwards it from its own address {address} (source/destination check off)"
            ),
            Role::Internet => "crosses the internet".into(),
            Role::Ipv6Gateway {
                egress_only: true,
                ..
            } => format!(
                "{component} carries the IPv6 packet out, untranslated, and will let the replies back (egress only: nothing started outside comes in)"
            ),
            Role::Ipv6Gateway {
                egress_only: false,
                outbound: true,
            } => format!("{component} carries the IPv6 packet to the internet, untranslated (no NAT for IPv6)"),
            Role::Ipv6Gateway {
                egress_only: false,
                outbound: false,
            } => format!("{component} carries the IPv6 packet in, untranslated: an IPv6 address is public by nature"),
            Role::Destination { address } => format!("arrives at {component} ({address})"),
            Role::LinkLocal { service } => format!(
                "{} answers on the instance's own link: no security group or network ACL applies",
                service.name()
            ),
            Role::Peering { from_vpc, to_vpc } => {
                format!("{component} carries it from {from_vpc} into {to_vpc}")
            }
            Role::GatewayEndpoint { prefix_list } => format!(
                "{component} carries it to S3 ({prefix_list}), with no NAT gateway and no internet on the way"
            ),
        }
    }
}

impl Reason {
    pub fn why(&self, component: &str, check: Option<&Check>) -> String {
        match self {
            Reason::Table => match check {
                Some(c) => match c.direction {
                    Some(d) => format!(
                        "{} {} {}: {}",
                        c.kind.noun(),
                        c.subject,
                        d.as_str(),
                        c.decided_by
                    ),
                    None => format!("{} {}: {}", c.kind.noun(), c.subject, c.decided_by),
                },
                None => format!("a table of {component} denied it"),
            },
            Reason::UnknownEnd { name } => format!(
                "no component or address of this world is called '{}'",
                crate::sim::text::clip(name)
            ),
            Reason::Unsupported { name } => format!(
                "{} cannot start or end a path: pick an instance, a pod, a database, a load balancer, a NAT gateway, a client or an address",
                crate::sim::text::clip(name)
            ),
            Reason::BadPort { protocol, port } => match protocol {
                Protocol::Icmp => format!("ICMP types go from 0 to 255, not {port}"),
                Protocol::All => "pick TCP, UDP or ICMP".into(),
                _ => format!("{protocol} needs a port from 1 to 65535"),
            },
            Reason::SameEnds => "the source and the destination are the same".into(),
            Reason::BothOutside => {
                "both ends are on the internet: no part of a VPC lies between them".into()
            }
            Reason::NoPublicAddress { component: c } => format!(
                "{c} has no public IPv4 address (auto-assigned or Elastic IP), so the internet gateway cannot translate for it"
            ),
            Reason::NatOutboundOnly { nat } => format!(
                "{nat} only carries connections its private subnets start: nothing can connect to it"
            ),
            Reason::Down { component: c } => format!("{c} is down (its Availability Zone or Region failed)"),
            Reason::OtherVpc { vpc } => format!(
                "the address belongs to {vpc}, and no route of the source's table leads into that VPC (a peering connection needs a route on both sides)"
            ),
            Reason::SourceDestCheck { instance } => format!(
                "the route leads through {instance}, whose source/destination check is on: it drops traffic that is neither from nor to its own addresses"
            ),
            Reason::RouteLoop { instance } => format!(
                "the routes send the packet back to {instance}, which it already crossed: a loop"
            ),
            Reason::LinkLocalOnly { service } => format!(
                "{} answers only the instance itself: its address is link-local",
                service.name()
            ),
            Reason::DnsOnly { port } => {
                format!("the VPC's DNS resolver answers on port 53 only, not {port}")
            }
            Reason::NoListener { protocol, port } => {
                format!("the load balancer has no listener on {protocol} {port}")
            }
            Reason::PeeringNotActive { peering, status } => match status {
                Some(st) => format!(
                    "the route leads to {peering}, which is {}: a route to a peering that is not active is a blackhole",
                    st.as_str()
                ),
                None => format!("the route leads to {peering}, which does not exist: a blackhole"),
            },
            Reason::NotInPeerVpc {
                peering,
                peer_vpc,
                address,
            } => format!(
                "{peering} carries only traffic for addresses in {peer_vpc}'s CIDRs, and {address} is not one: peering is not transitive, and the peer's internet gateway, NAT gateway and gateway endpoints are not usable through it"
            ),
            Reason::GatewayEndpointProtocol { protocol } => format!(
                "a gateway endpoint carries TCP and ICMP echo only, not {protocol}"
            ),
            Reason::InterfaceEndpointTcpOnly { protocol } => format!(
                "an interface endpoint accepts TCP connections started toward it only ({protocol} asked)"
            ),
            Reason::NoIpv6Address { component: c } => format!(
                "{c} has no IPv6 address: an instance needs a subnet with an IPv6 /64 and its IPv6 address on, a browser its IPv6 on; other components are IPv4 only here"
            ),
            Reason::EgressOnly { gateway } => format!(
                "the reply leaves by the subnet's route to {gateway}, an egress-only internet gateway: it carries only connections the VPC starts, so a connection started on the internet never gets its answer"
            ),
        }
    }
}

impl NameAnswer {
    /// `sqs.us-east-1.amazonaws.com -> 10.0.10.40 (private DNS of vpce-sqs-a)`.
    pub fn line(&self) -> String {
        match &self.endpoint {
            Some(e) => format!(
                "{} -> {} (private DNS of interface endpoint {e}: the name stays inside the VPC)",
                self.name, self.address
            ),
            None => format!(
                "{} -> {} (the service's public address: no interface endpoint with private DNS answers for it here)",
                self.name, self.address
            ),
        }
    }
}

impl Reach {
    /// One line: the answer.
    pub fn summary(&self) -> String {
        match &self.blocked {
            None => format!("Reachable: {}", self.spec.question()),
            Some(b) => format!(
                "Not reachable: blocked at {} ({}): {}",
                b.component,
                b.code,
                b.reason.why(&b.component, b.check.as_deref())
            ),
        }
    }

    /// The whole answer as text: the question, the path hop by hop with
    /// every check, and the verdict.
    pub fn render_text(&self) -> String {
        let mut out = format!("{}\n", self.spec.question());
        if let Some(a) = &self.resolved {
            out.push_str(&format!("  resolves {}\n", a.line()));
        }
        if let Some(f) = &self.sent {
            out.push_str(&format!("  sent     {f}\n"));
        }
        for (i, h) in self.path.iter().enumerate() {
            out.push_str(&format!("  {:>2}. {}\n", i + 1, h.role.what(&h.component)));
            for c in &h.checks {
                let leg = match c.leg {
                    Leg::Forward => "",
                    Leg::Return => " (reply)",
                };
                let mark = if c.allowed { "ok " } else { "NO " };
                out.push_str(&format!("        {mark} {}{leg}\n", c.line()));
            }
        }
        if let (Some(f), None) = (&self.arrives, &self.blocked) {
            out.push_str(&format!("  arrives  {f}\n"));
        }
        out.push_str(&format!("  => {}\n", self.summary()));
        out
    }
}
