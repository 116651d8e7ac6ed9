//! "Can A reach B?" over IPv6. Reachability Analyzer looks at IPv4 only
//! (fact sheet §25); Hoplab also answers for IPv6, where the VPC behaves
//! differently (§23): addresses are public by nature and never
//! translated, each version has its own routes and rules (`::/0` is not
//! `0.0.0.0/0`), there is no NAT gateway, and the egress-only internet
//! gateway carries what the VPC starts and the replies, nothing the
//! internet starts. An instance has an IPv6 address when its subnet has a
//! /64 and it asked for one; a browser, when its IPv6 is on; other
//! components are IPv4 only in the model. ICMP over IPv6 is ICMPv6: an
//! echo request is type 128, its reply 129.

use std::net::{IpAddr, Ipv6Addr};

use super::ends::{self, Eni};
use super::*;
use crate::sim::eyeballs::{client_ipv6, ClientIpv6};

/// ICMPv6 echo request and reply (RFC 4443).
pub const ICMPV6_ECHO_REQUEST: u16 = 128;
pub const ICMPV6_ECHO_REPLY: u16 = 129;

/// The instance metadata service and the Route 53 Resolver on Nitro
/// instances over IPv6. Fact sheet §23.
pub const IMDS6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
pub const RESOLVER6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253);

/// Whether the question is about IPv6: asked so, or an end typed as an
/// IPv6 address.
pub(super) fn asked(spec: &ReachSpec) -> bool {
    let typed6 = |t: &str| t.trim().parse::<Ipv6Addr>().is_ok();
    spec.ip_version == Family::Ipv6 || typed6(&spec.from) || typed6(&spec.to)
}

/// One end of an IPv6 path.
enum End6 {
    /// A host on the internet: a browser, or a typed global address.
    Outside { id: String, ip: Ipv6Addr },
    /// An instance's interface and its IPv6 address.
    Eni { eni: Eni, ip: Ipv6Addr },
    /// IMDS or the resolver at their `fd00:ec2::` addresses.
    LinkLocal {
        id: String,
        service: LinkService,
        ip: Ipv6Addr,
    },
}

impl End6 {
    fn id(&self) -> &str {
        match self {
            End6::Outside { id, .. } | End6::LinkLocal { id, .. } => id,
            End6::Eni { eni, .. } => &eni.id,
        }
    }
}

fn no_ipv6(name: &str) -> Blocked {
    block(
        name,
        Code::NoSourceOrDestination,
        Reason::NoIpv6Address {
            component: name.to_string(),
        },
    )
}

/// A global unicast address outside every VPC: a host on the internet.
fn global(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    // 2000::/3 is global unicast; fc00::/7 unique local, fe80::/10 link
    // local, ff00::/8 multicast are not on the internet.
    (0x2000..=0x3fff).contains(&first)
}

fn resolve6(w: &World, name: &str) -> Result<End6, Blocked> {
    let s = w.scenario();
    let name = name.trim();
    if let Some(c) = s.client(name) {
        return match c.ipv6 {
            ClientIpv6::On => Ok(End6::Outside {
                id: name.to_string(),
                ip: client_ipv6(c),
            }),
            _ => Err(no_ipv6(name)),
        };
    }
    for (ri, r) in s.regions.iter().enumerate() {
        if let Some(i) = r.vpc.instance(name) {
            let eni = ends::component(s, ri, name).ok_or_else(|| no_ipv6(name))?;
            let ip = r.vpc.instance_ipv6(i).ok_or_else(|| no_ipv6(name))?;
            return Ok(End6::Eni { eni, ip });
        }
    }
    if let Ok(ip) = name.parse::<Ipv6Addr>() {
        return by_address6(s, name, ip);
    }
    // Any other component the IPv4 analysis knows has no IPv6 address here;
    // an unknown name or an unsupported kind is refused as for IPv4.
    ends::resolve(w, name, true).map(|_| ())?;
    Err(no_ipv6(name))
}

fn by_address6(s: &Scenario, name: &str, ip: Ipv6Addr) -> Result<End6, Blocked> {
    let link = |service| {
        Ok(End6::LinkLocal {
            id: name.to_string(),
            service,
            ip,
        })
    };
    if ip == IMDS6 {
        return link(LinkService::InstanceMetadata);
    }
    if ip == RESOLVER6 {
        return link(LinkService::DnsResolver);
    }
    for (ri, r) in s.regions.iter().enumerate() {
        for i in &r.vpc.instances {
            if r.vpc.instance_ipv6(i) == Some(ip) {
                let eni = ends::component(s, ri, &i.id).ok_or_else(|| no_ipv6(name))?;
                return Ok(End6::Eni { eni, ip });
            }
        }
        if r.vpc.holds6(ip) {
            // Inside a VPC's block, but no interface holds it.
            return Err(block(
                name,
                Code::NoSourceOrDestination,
                Reason::UnknownEnd {
                    name: name.to_string(),
                },
            ));
        }
    }
    if global(ip) {
        return Ok(End6::Outside {
            id: name.to_string(),
            ip,
        });
    }
    Err(block(
        name,
        Code::NoSourceOrDestination,
        Reason::UnknownEnd {
            name: name.to_string(),
        },
    ))
}

fn to_internet(t: &RouteTarget) -> bool {
    matches!(t, RouteTarget::Igw(_) | RouteTarget::Eigw(_))
}

impl<'w> Walk<'w> {
    /// The IPv6 question: its two ends, then the path. Fact sheet §23.
    pub(super) fn run6(&mut self) -> Step {
        let spec = self.spec.clone();
        let src = resolve6(self.world, &spec.from)?;
        self.ends.0 = Some(src.id().to_string());
        let dst = resolve6(self.world, &spec.to)?;
        self.ends.1 = Some(dst.id().to_string());
        if src.id() == dst.id() {
            return Err(block(
                dst.id(),
                Code::NoSourceOrDestination,
                Reason::SameEnds,
            ));
        }
        match (src, dst) {
            (End6::Outside { .. }, End6::Outside { id, .. }) => {
                Err(block(&id, Code::NoSourceOrDestination, Reason::BothOutside))
            }
            (End6::LinkLocal { id, service, .. }, _) => Err(block(
                &id,
                Code::UnsupportedComponent,
                Reason::LinkLocalOnly { service },
            )),
            (End6::Outside { id, ip }, End6::Eni { eni, ip: to }) => {
                let flow = self.flow6(ip, EphemeralRange::Linux, to);
                self.sent = Some(flow);
                self.hop(&id, Role::Source { address: ip.into() }, Vec::new());
                self.hop("internet", Role::Internet, Vec::new());
                self.enter6(&eni, flow)
            }
            (End6::Outside { id, .. }, End6::LinkLocal { service, .. }) => Err(block(
                &id,
                Code::NoRouteToDestination,
                Reason::LinkLocalOnly { service },
            )),
            (End6::Eni { eni, ip }, dst) => {
                self.down(&eni)?;
                let to = match &dst {
                    End6::Outside { ip, .. }
                    | End6::Eni { ip, .. }
                    | End6::LinkLocal { ip, .. } => *ip,
                };
                let flow = self.flow6(ip, eni.os, to);
                self.sent = Some(flow);
                self.hop(&eni.id, Role::Source { address: ip.into() }, Vec::new());
                self.from_eni6(&eni, flow, dst)
            }
        }
    }

    fn flow6(&self, src: Ipv6Addr, os: EphemeralRange, dst: Ipv6Addr) -> Flow {
        let protocol = self.spec.protocol;
        Flow {
            protocol,
            src: src.into(),
            src_port: match protocol {
                Protocol::Icmp => 0,
                _ => os.range().0,
            },
            dst: dst.into(),
            dst_port: self.spec.port,
        }
    }

    fn from_eni6(&mut self, se: &Eni, flow: Flow, dst: End6) -> Step {
        match dst {
            End6::LinkLocal { id, service, ip } => {
                if service == LinkService::DnsResolver && self.spec.port != 53 {
                    return Err(block(
                        &id,
                        Code::ProtocolRestriction,
                        Reason::DnsOnly {
                            port: self.spec.port,
                        },
                    ));
                }
                let _ = ip;
                self.arrives = Some(flow);
                self.hop(&id, Role::LinkLocal { service }, Vec::new());
                Ok(())
            }
            End6::Outside { id, ip } => {
                self.out6(se, flow)?;
                self.hop("internet", Role::Internet, Vec::new());
                self.arrives = Some(flow);
                self.hop(&id, Role::Destination { address: ip.into() }, Vec::new());
                Ok(())
            }
            End6::Eni { eni: de, .. } => {
                let same_vpc = se.region == de.region
                    && flow.dst.is_ipv6()
                    && match flow.dst {
                        IpAddr::V6(d) => self.s.regions[se.region].vpc.holds6(d),
                        IpAddr::V4(_) => false,
                    };
                if same_vpc {
                    {
                        self.down(&de)?;
                        self.within_vpc(se, &de, flow)
                    }
                } else {
                    // IPv6 addresses are public: another VPC's instance is
                    // on the internet, through both VPCs' gateways (§23).
                    self.out6(se, flow)?;
                    self.hop("internet", Role::Internet, Vec::new());
                    self.enter6(&de, flow)
                }
            }
        }
    }

    /// Out of the source's subnet to the internet: its security groups,
    /// network ACL and IPv6 route (to the internet gateway or the
    /// egress-only one), and the reply's way back in through the ACL. No
    /// address translation on the way. Fact sheet §11, §12, §23.
    fn out6(&mut self, se: &Eni, flow: Flow) -> Step {
        let vpc = &self.region_of(se).vpc;
        let ss = se.subnet(self.s);
        let rt = vpc.route_table_of(ss);
        let target = rt
            .and_then(|t| t.lookup(flow.dst))
            .map(|r| r.target.clone());
        // Every table of a VPC with IPv6 holds its IPv6 local route, so the
        // route is decided for real (no `::/0` is assumed).
        let back = reply_of(&flow);
        let p = self.leave_checks((vpc, se, ss), (&flow, &back), (&[], false), &to_internet);
        self.checked(&ss.id, leaves(ss), p)?;
        let (gateway, egress_only) = match target {
            Some(RouteTarget::Igw(g)) => (g, false),
            Some(RouteTarget::Eigw(g)) => (g, true),
            _ => unreachable!("the route check allowed only a gateway to the internet"),
        };
        if !self.world.placement_up(self.region_of(se), &ss.id) {
            return Err(block(
                &gateway,
                Code::ComponentDown,
                Reason::Down {
                    component: gateway.clone(),
                },
            ));
        }
        self.hop(
            &gateway,
            Role::Ipv6Gateway {
                egress_only,
                outbound: true,
            },
            Vec::new(),
        );
        Ok(())
    }

    /// Into the destination's VPC from the internet: always through its
    /// internet gateway (an egress-only one lets nothing in), then the
    /// subnet's network ACL and the interface's security groups; the reply
    /// leaves by the subnet's IPv6 route, which must lead to the internet
    /// gateway: through an egress-only one, the reply to a connection the
    /// internet started is dropped. Fact sheet §11, §12, §23.
    fn enter6(&mut self, de: &Eni, flow: Flow) -> Step {
        self.down(de)?;
        let r = self.region_of(de);
        let vpc = &r.vpc;
        let igw = vpc.igw.clone();
        self.hop(
            &igw,
            Role::Ipv6Gateway {
                egress_only: false,
                outbound: false,
            },
            Vec::new(),
        );
        let back = reply_of(&flow);
        let ds = de.subnet(self.s);
        let rt = vpc.route_table_of(ds);
        let reply_target = rt
            .and_then(|t| t.lookup(back.dst))
            .map(|r| r.target.clone());
        let p = self.enter_checks((vpc, de, ds), (&flow, &back), (&[], false), &to_internet);
        self.checked(
            &ds.id,
            Role::EntersSubnet {
                subnet: ds.id.clone(),
            },
            p,
        )?;
        if let Some(RouteTarget::Eigw(g)) = reply_target {
            return Err(block(
                &g,
                Code::EigwOutboundOnly,
                Reason::EgressOnly { gateway: g.clone() },
            ));
        }
        self.arrive6(de, flow)
    }

    fn arrive6(&mut self, de: &Eni, flow: Flow) -> Step {
        self.arrives = Some(flow);
        self.hop(&de.id, Role::Destination { address: flow.dst }, Vec::new());
        Ok(())
    }
}
