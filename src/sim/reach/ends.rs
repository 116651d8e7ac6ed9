//! The two ends of a path: a component of the world (or an address) read
//! as an interface in a VPC, a host on the internet, or a link-local
//! service. Fact sheet §24, §25.

use std::net::Ipv4Addr;

use super::{block, Blocked, LinkService, NameAnswer, Reason, IMDS, RESOLVER_LINK_LOCAL};
use crate::sim::net::*;
use crate::sim::scenario::Scenario;
use crate::sim::trace::Code;
use crate::sim::world::World;

/// One end of a path.
#[derive(Clone, Debug)]
pub struct End {
    /// The component's id, or the address as typed.
    pub id: String,
    pub kind: EndKind,
}

#[derive(Clone, Debug)]
pub enum EndKind {
    /// A host outside AWS: a client, the SMS API, a public address.
    Outside { ip: Ipv4Addr, os: EphemeralRange },
    /// An interface in a VPC.
    Eni(Eni),
    /// The instance metadata service or the VPC's resolver.
    LinkLocal(LinkService),
}

/// An interface in a VPC, as the path sees it.
#[derive(Clone, Debug)]
pub struct Eni {
    pub id: String,
    /// Index into the scenario's regions.
    pub region: usize,
    pub subnet: String,
    pub private: Ipv4Addr,
    pub public: Option<Ipv4Addr>,
    pub sgs: Vec<String>,
    /// Whether security groups filter it (a NAT gateway has none).
    pub filtered: bool,
    pub os: EphemeralRange,
    pub is_nat: bool,
    /// A load balancer's listener ports.
    pub listeners: Option<Vec<(Protocol, u16)>>,
    /// An interface endpoint's ENI: TCP only, answers only (§22).
    pub endpoint: bool,
}

impl Eni {
    pub fn subnet<'s>(&self, s: &'s Scenario) -> &'s Subnet {
        s.regions[self.region]
            .vpc
            .subnet(&self.subnet)
            .expect("validated")
    }

    /// Whether `ip` is a private address of this interface's VPC (any of
    /// its blocks, primary or secondary; fact sheet §10).
    pub fn vpc_private(&self, s: &Scenario, ip: Ipv4Addr) -> bool {
        s.regions[self.region].vpc.holds(ip)
    }
}

fn eni(
    s: &Scenario,
    (id, region): (&str, usize),
    (subnet, host): (&str, u32),
    public: Option<Ipv4Addr>,
    sgs: &[String],
) -> Option<Eni> {
    let private = s.regions[region].vpc.subnet(subnet)?.host(host)?;
    Some(Eni {
        id: id.to_string(),
        region,
        subnet: subnet.to_string(),
        private,
        public,
        sgs: sgs.to_vec(),
        filtered: true,
        os: EphemeralRange::Linux,
        is_nat: false,
        listeners: None,
        endpoint: false,
    })
}

/// A component by id, or an IPv4 address: the interface that holds it,
/// a link-local service, or a host on the internet. `source` says which
/// end is asked for (an address on the internet can be a destination only).
pub fn resolve(w: &World, name: &str, source: bool) -> Result<End, Blocked> {
    let s = w.scenario();
    let name = name.trim();
    let end = |kind| {
        Ok(End {
            id: name.to_string(),
            kind,
        })
    };
    if let Some(c) = s.client(name) {
        return end(EndKind::Outside { ip: c.ip, os: c.os });
    }
    if let Some(api) = s.external_api.as_ref().filter(|a| a.id == name) {
        return end(EndKind::Outside {
            ip: api.ip,
            os: EphemeralRange::Linux,
        });
    }
    for (ri, r) in s.regions.iter().enumerate() {
        // A database by its id is its primary now (failovers move it).
        let id = match w.rds_primary(&r.id) {
            Some(p) if r.rds.id == name => p,
            _ => name,
        };
        if let Some(e) = component(s, ri, id) {
            return Ok(End {
                id: id.to_string(),
                kind: EndKind::Eni(e),
            });
        }
    }
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return by_address(s, name, ip, source);
    }
    let unsupported = s.regions.iter().any(|r| {
        r.vpc.igw == name
            || r.vpc.subnet(name).is_some()
            || r.cluster.ingress.id == name
            || r.cluster.services.iter().any(|x| x.id == name)
            || r.cluster.nodes.iter().any(|x| x.id == name)
            || r.vpc.gateway_endpoint(name).is_some()
    }) || s.peering(name).is_some()
        || s.cdn.pops.iter().any(|p| p.id == name)
        || ["cloudfront", "waf", "route53", "s3", "root", "tld"].contains(&name)
        || s.clients.iter().any(|c| c.resolver.id == name);
    let reason = if unsupported {
        Reason::Unsupported {
            name: name.to_string(),
        }
    } else {
        Reason::UnknownEnd {
            name: name.to_string(),
        }
    };
    let code = if unsupported {
        Code::UnsupportedComponent
    } else {
        Code::NoSourceOrDestination
    };
    Err(block(name, code, reason))
}

/// A service's public name typed as the destination, resolved as the
/// source's resolver answers it: inside a VPC with an interface endpoint
/// for that name and private DNS on, the endpoint's interface (in the
/// source's Availability Zone when it has one there); anywhere else, the
/// service's public address. `None` when the name is no service's.
/// Fact sheet §22.
pub fn service_name(s: &Scenario, typed: &str, src: &End) -> Option<(End, NameAnswer)> {
    let name = typed.trim().trim_end_matches('.').to_ascii_lowercase();
    if !is_service_name(&name) {
        return None;
    }
    if let EndKind::Eni(se) = &src.kind {
        let r = &s.regions[se.region];
        let az = r.vpc.subnet(&se.subnet).map(|x| x.az.clone());
        let by_endpoint = r
            .vpc
            .interface_endpoints
            .iter()
            .find(|e| e.private_dns && e.public_name() == name);
        if let Some(e) = by_endpoint {
            let subnet = e
                .subnets
                .iter()
                .find(|sid| r.vpc.subnet(sid).map(|x| &x.az) == az.as_ref())
                .or(e.subnets.first())?;
            let mut eni = eni(
                s,
                (&e.id, se.region),
                (subnet, e.host),
                None,
                &e.security_groups,
            )?;
            eni.endpoint = true;
            let answer = NameAnswer {
                name,
                address: eni.private,
                endpoint: Some(e.id.clone()),
            };
            return Some((
                End {
                    id: e.id.clone(),
                    kind: EndKind::Eni(eni),
                },
                answer,
            ));
        }
    }
    let ip = service_public_address(&name);
    Some((
        End {
            id: name.clone(),
            kind: EndKind::Outside {
                ip,
                os: EphemeralRange::Linux,
            },
        },
        NameAnswer {
            name,
            address: ip,
            endpoint: None,
        },
    ))
}

/// An instance, pod, database, load balancer or NAT gateway of a region.
pub(super) fn component(s: &Scenario, ri: usize, name: &str) -> Option<Eni> {
    let r = &s.regions[ri];
    if let Some(i) = r.vpc.instance(name) {
        let mut e = eni(
            s,
            (name, ri),
            (&i.subnet, i.host),
            i.public_ip.ip(),
            &i.security_groups,
        )?;
        e.os = i.os.ephemeral();
        return Some(e);
    }
    if let Some(p) = r.cluster.pods.iter().find(|p| p.id == name) {
        return eni(s, (name, ri), (&p.subnet, p.host), None, &p.security_groups);
    }
    let db = &r.rds;
    let db_instance = if db.id == name {
        db.instances.first()
    } else {
        db.instances
            .iter()
            .chain(&db.replicas)
            .find(|i| i.id == name)
    };
    if let Some(i) = db_instance {
        // A publicly accessible database answers on its public IP too
        // (fact sheet §29).
        let public = crate::sim::db::db_endpoint_address(r, i, false);
        return eni(
            s,
            (name, ri),
            (&i.subnet, i.host),
            public,
            &db.security_groups,
        );
    }
    if r.alb.id == name {
        let node = r.alb.nodes.first()?;
        let mut e = eni(
            s,
            (name, ri),
            (&node.subnet, node.host),
            Some(node.public_ip),
            &r.alb.security_groups,
        )?;
        e.os = EphemeralRange::Elb;
        e.listeners = Some(vec![(Protocol::Tcp, r.alb.listener.port)]);
        return Some(e);
    }
    if let Some(nlb) = r.nlb.as_ref().filter(|n| n.id == name) {
        use crate::sim::scenario::NlbProtocol;
        let node = nlb.nodes.first()?;
        let mut e = eni(
            s,
            (name, ri),
            (&node.subnet, node.host),
            node.public_ip,
            &nlb.security_groups,
        )?;
        // An NLB without security groups filters nothing itself (§9).
        e.filtered = !nlb.security_groups.is_empty();
        e.os = EphemeralRange::Elb;
        e.listeners = Some(
            nlb.listeners
                .iter()
                .flat_map(|l| {
                    let ps: &[Protocol] = match l.protocol {
                        NlbProtocol::Tcp | NlbProtocol::Tls => &[Protocol::Tcp],
                        NlbProtocol::Udp => &[Protocol::Udp],
                        NlbProtocol::TcpUdp => &[Protocol::Tcp, Protocol::Udp],
                    };
                    ps.iter().map(move |p| (*p, l.port))
                })
                .collect(),
        );
        return Some(e);
    }
    if let Some(x) = r.vpc.interface_endpoint(name) {
        // Its ENI in the first chosen subnet; no security group chosen is
        // the VPC's default one, which the edit already wrote in (§22).
        let first = x.subnets.first()?;
        let mut e = eni(s, (name, ri), (first, x.host), None, &x.security_groups)?;
        e.endpoint = true;
        return Some(e);
    }
    if let Some(n) = r.vpc.nat_gateways.iter().find(|n| n.id == name) {
        let mut e = eni(s, (name, ri), (&n.subnet, n.host), None, &[])?;
        e.filtered = false;
        e.is_nat = true;
        e.os = EphemeralRange::Elb;
        return Some(e);
    }
    None
}

/// An address: an interface's private or public address, a link-local
/// service, a VPC's resolver (primary CIDR base + 2), or a host on the
/// internet.
fn by_address(s: &Scenario, name: &str, ip: Ipv4Addr, source: bool) -> Result<End, Blocked> {
    let end = |kind| {
        Ok(End {
            id: name.to_string(),
            kind,
        })
    };
    if ip == IMDS {
        return end(EndKind::LinkLocal(LinkService::InstanceMetadata));
    }
    if ip == RESOLVER_LINK_LOCAL {
        return end(EndKind::LinkLocal(LinkService::DnsResolver));
    }
    for (ri, r) in s.regions.iter().enumerate() {
        let base2 = Ipv4Addr::from(u32::from(r.vpc.cidr.network()) + 2);
        if ip == base2 {
            return end(EndKind::LinkLocal(LinkService::DnsResolver));
        }
        for id in ids_of(r) {
            if let Some(e) = component(s, ri, &id) {
                if e.private == ip || e.public == Some(ip) {
                    let mut e = e;
                    // Asked by address: the path aims at that address.
                    if e.public == Some(ip) {
                        e.id = id;
                    }
                    return end(EndKind::Eni(e));
                }
            }
        }
    }
    if crate::sim::scenario::is_public_v4(ip) && !source {
        return end(EndKind::Outside {
            ip,
            os: EphemeralRange::Linux,
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

fn ids_of(r: &crate::sim::scenario::Region) -> Vec<String> {
    let mut ids: Vec<String> = r.vpc.instances.iter().map(|i| i.id.clone()).collect();
    ids.extend(r.cluster.pods.iter().map(|p| p.id.clone()));
    ids.extend(
        r.rds
            .instances
            .iter()
            .chain(&r.rds.replicas)
            .map(|i| i.id.clone()),
    );
    ids.push(r.alb.id.clone());
    ids.extend(r.nlb.iter().map(|n| n.id.clone()));
    ids.extend(r.vpc.nat_gateways.iter().map(|n| n.id.clone()));
    ids.extend(r.vpc.interface_endpoints.iter().map(|e| e.id.clone()));
    ids
}

/// The address a link-local service answers on for this interface.
pub fn link_address(s: &Scenario, se: &Eni, service: LinkService, typed: &str) -> Ipv4Addr {
    if let Ok(ip) = typed.parse::<Ipv4Addr>() {
        return ip;
    }
    match service {
        LinkService::InstanceMetadata => IMDS,
        LinkService::DnsResolver => {
            Ipv4Addr::from(u32::from(s.regions[se.region].vpc.cidr.network()) + 2)
        }
    }
}
