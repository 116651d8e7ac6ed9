//! IPv6 in a VPC as edits: an Amazon-provided /56 for the VPC (its
//! `local` route in every table), a /64 for a subnet, and the egress-only
//! internet gateway that lets IPv6 out and nothing in. Fact sheet §23.

use ipnet::{IpNet, Ipv6Net};
use std::net::Ipv6Addr;

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::net::*;
use crate::sim::scenario::Scenario;
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AssignVpcIpv6 { vpc } => {
            format!("{}: associate an Amazon-provided IPv6 /56", clip(vpc))
        }
        Edit::AssignSubnetIpv6 { subnet, block } => match block.trim() {
            "" => format!("{}: the next free IPv6 /64", clip(subnet)),
            "none" | "-" => format!("{}: remove its IPv6 block", clip(subnet)),
            b => format!("{}: IPv6 /64 number {}", clip(subnet), clip(b)),
        },
        Edit::CreateEgressOnlyIgw { vpc, id } => format!(
            "create egress-only internet gateway {} in {}",
            clip(id),
            clip(vpc)
        ),
        Edit::DeleteEgressOnlyIgw { id } => {
            format!("delete egress-only internet gateway {}", clip(id))
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AssignVpcIpv6 { vpc } => assign_vpc(s, vpc),
        Edit::AssignSubnetIpv6 { subnet, block } => assign_subnet(s, subnet, block),
        Edit::CreateEgressOnlyIgw { vpc, id } => create_eigw(s, vpc, id),
        Edit::DeleteEgressOnlyIgw { id } => delete_eigw(s, id),
        _ => Ok(()),
    }
}

/// The /56 AWS would hand this VPC, drawn from a Region's range
/// (2600:1f18::/32 in the model): the same VPC always gets the same block.
pub fn amazon_block(region_index: usize, v: &Vpc) -> Ipv6Net {
    let second = v.cidr.network().octets()[1] as u16;
    let a = Ipv6Addr::new(
        0x2600,
        0x1f18,
        0x4a00 + region_index as u16,
        second << 8,
        0,
        0,
        0,
        0,
    );
    Ipv6Net::new(a, 56).expect("a /56")
}

fn vpc_index(s: &Scenario, vpc: &str) -> Result<usize, EditError> {
    s.regions
        .iter()
        .position(|r| r.vpc.id == vpc.trim())
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc.trim()))
}

/// The VPC gets its /56 and every route table its IPv6 `local` route;
/// the default security group, when there is one, its `::/0` outbound
/// rule, as AWS adds it. Fact sheet §10, §11, §23.
fn assign_vpc(s: &mut Scenario, vpc: &str) -> Result<(), EditError> {
    let ri = vpc_index(s, vpc)?;
    let block = amazon_block(ri, &s.regions[ri].vpc);
    let v = &mut s.regions[ri].vpc;
    if let Some(b) = v.ipv6_cidr {
        return Err(EditError::Invalid(format!(
            "{} already has the IPv6 block {b}: Hoplab models one Amazon-provided /56 per VPC (fact sheet §23)",
            v.id
        )));
    }
    v.ipv6_cidr = Some(block);
    for t in &mut v.route_tables {
        t.routes.push(Route {
            destination: IpNet::V6(block),
            target: RouteTarget::Local,
        });
    }
    if let Some(id) = v.default_sg.clone() {
        if let Some(g) = v.security_groups.iter_mut().find(|g| g.id == id) {
            g.outbound.push(all_ipv6_out());
        }
    }
    Ok(())
}

/// An outbound rule allowing all IPv6 traffic, as AWS writes into a
/// security group it creates in a VPC with IPv6. Fact sheet §11, §23.
pub fn all_ipv6_out() -> SgRule {
    SgRule {
        protocol: Protocol::All,
        ports: PortRange::ALL,
        peer: Peer::Cidr(IpNet::V6(Ipv6Net::default())),
        description: "all IPv6 traffic out".into(),
    }
}

/// A subnet's /64: number `block` (0-255) of the VPC's /56, the next free
/// one when empty, or none (`none`, refused while an instance there has an
/// IPv6 address).
fn assign_subnet(s: &mut Scenario, subnet: &str, block: &str) -> Result<(), EditError> {
    let id = subnet.trim();
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.subnet(id).is_some())
        .ok_or_else(|| unknown(VpcPart::Subnet, id))?;
    let typed = block.trim().to_ascii_lowercase();
    if typed == "none" || typed == "-" {
        let users: Vec<&str> = v
            .instances
            .iter()
            .filter(|i| i.ipv6 && i.subnet == id)
            .map(|i| i.id.as_str())
            .collect();
        if !users.is_empty() {
            return Err(EditError::Invalid(format!(
                "subnet {id}: instances {} still have IPv6 addresses there: turn them off first (set_instance ipv6 off; fact sheet §23)",
                users.join(", ")
            )));
        }
        let sn = v.subnets.iter_mut().find(|x| x.id == id).expect("found");
        sn.ipv6_cidr = None;
        return Ok(());
    }
    let Some(vpc_block) = v.ipv6_cidr else {
        return Err(EditError::Invalid(format!(
            "subnet {id}: {} has no IPv6 block: associate one with the VPC first (assign_vpc_ipv6; fact sheet §23)",
            v.id
        )));
    };
    let taken: Vec<Ipv6Net> = v
        .subnets
        .iter()
        .filter(|x| x.id != id)
        .filter_map(|x| x.ipv6_cidr)
        .collect();
    let nth = |n: u16| {
        let base = u128::from(vpc_block.network()) + (u128::from(n) << 64);
        Ipv6Net::new(Ipv6Addr::from(base), 64).expect("a /64")
    };
    let net = if typed.is_empty() {
        (0..256)
            .map(nth)
            .find(|n| !taken.contains(n))
            .ok_or_else(|| {
                EditError::Invalid(format!(
                    "{}: all 256 /64 blocks of {vpc_block} are taken",
                    v.id
                ))
            })?
    } else {
        let n: u16 = typed.parse().ok().filter(|n| *n < 256).ok_or_else(|| {
            EditError::Parse(format!(
                "IPv6 block '{}': a number from 0 to 255 (which /64 of the VPC's /56), empty for the next free one, or none",
                clip(block.trim())
            ))
        })?;
        let net = nth(n);
        if taken.contains(&net) {
            return Err(EditError::Invalid(format!(
                "subnet {id}: {net} is another subnet's IPv6 block: each subnet has its own /64 (fact sheet §23)"
            )));
        }
        net
    };
    let sn = v.subnets.iter_mut().find(|x| x.id == id).expect("found");
    sn.ipv6_cidr = Some(net);
    Ok(())
}

fn create_eigw(s: &mut Scenario, vpc: &str, id: &str) -> Result<(), EditError> {
    let id = id.trim();
    if !id.starts_with("eigw-") || id.len() < 6 || id.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "egress-only internet gateway id '{}': ids start with eigw-, such as eigw-a",
            clip(id)
        )));
    }
    let ri = vpc_index(s, vpc)?;
    let taken = s.regions.iter().any(|r| {
        r.vpc.egress_only_igw.as_deref() == Some(id)
            || r.vpc.igw == id
            || r.vpc.nat_gateways.iter().any(|n| n.id == id)
    });
    if taken {
        return Err(EditError::Invalid(format!(
            "{id} is already a gateway's id"
        )));
    }
    let v = &mut s.regions[ri].vpc;
    if let Some(e) = &v.egress_only_igw {
        return Err(EditError::Invalid(format!(
            "{} already has egress-only internet gateway {e}: Hoplab models one per VPC (fact sheet §23)",
            v.id
        )));
    }
    v.egress_only_igw = Some(id.to_string());
    Ok(())
}

/// Refused while a route leads to it, naming the routes.
fn delete_eigw(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let id = id.trim();
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.egress_only_igw.as_deref() == Some(id))
        .ok_or_else(|| unknown(VpcPart::Gateway, id))?;
    let users: Vec<String> = v
        .route_tables
        .iter()
        .flat_map(|t| {
            t.routes
                .iter()
                .filter(|r| r.target == RouteTarget::Eigw(id.to_string()))
                .map(move |r| format!("{} in {}", r.destination, t.id))
        })
        .collect();
    if !users.is_empty() {
        return Err(EditError::Invalid(format!(
            "{id} is the target of routes {}: delete them first (remove_route)",
            users.join(", ")
        )));
    }
    v.egress_only_igw = None;
    Ok(())
}
