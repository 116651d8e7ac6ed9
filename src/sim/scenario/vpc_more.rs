//! The rest of the VPC, validated: secondary CIDRs and their `local`
//! routes (fact sheet §10), the main route table, the default network ACL
//! and security group (§11, §12), peering connections (§21) and VPC
//! endpoints (§22).

use ipnet::{IpNet, Ipv4Net};
use std::collections::BTreeSet;

use super::*;
use crate::sim::limits::*;
use crate::sim::text::clip;

/// Every rule of this module over a whole scenario; the first problem is
/// named.
pub(super) fn validate(s: &Scenario) -> Result<(), String> {
    for r in &s.regions {
        let v = &r.vpc;
        blocks(v).map_err(|e| format!("region {}: {e}", r.id))?;
        defaults(v).map_err(|e| format!("region {}: {e}", r.id))?;
        ipv6(v).map_err(|e| format!("region {}: {e}", r.id))?;
        gateway_endpoints(r).map_err(|e| format!("region {}: {e}", r.id))?;
        interface_endpoints(v).map_err(|e| format!("region {}: {e}", r.id))?;
        peering_routes(s, v).map_err(|e| format!("region {}: {e}", r.id))?;
    }
    peerings(s)
}

/// Whether two blocks share an address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The RFC 1918 range a block lies in, if any.
fn rfc1918(n: &Ipv4Net) -> Option<&'static str> {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .into_iter()
        .find(|r| r.parse::<Ipv4Net>().is_ok_and(|r| overlaps(&r, n)))
}

/// Why a secondary block cannot join a VPC whose blocks are `existing`
/// (the primary first): its size, an overlap, the RFC 1918 mixing
/// restriction, the restricted 198.19.0.0/16. Fact sheet §10.
pub fn secondary_refusal(primary: &Ipv4Net, others: &[Ipv4Net], n: &Ipv4Net) -> Option<String> {
    if let Err(e) = validate_block(n, "secondary CIDR") {
        return Some(e);
    }
    for b in std::iter::once(primary).chain(others) {
        if overlaps(b, n) {
            return Some(format!(
                "secondary CIDR {n} overlaps the VPC's block {b}: a VPC's blocks must not overlap (fact sheet §10)"
            ));
        }
    }
    let restricted: Ipv4Net = RESTRICTED_BLOCK.parse().expect("constant");
    if overlaps(&restricted, n) {
        return Some(format!(
            "secondary CIDR {n} is in {RESTRICTED_BLOCK}, which AWS restricts (fact sheet §10)"
        ));
    }
    if let (Some(p), Some(x)) = (rfc1918(primary), rfc1918(n)) {
        if p != x {
            return Some(format!(
                "secondary CIDR {n} is in {x} but the primary {primary} is in {p}: AWS does not mix these RFC 1918 ranges in one VPC (100.64.0.0/10 and public ranges are allowed; fact sheet §10)"
            ));
        }
    }
    None
}

/// Secondary CIDRs: the quota, each block valid and allowed beside the
/// primary, and every route table holding one `local` route per block
/// and no other. Fact sheet §10.
fn blocks(v: &Vpc) -> Result<(), String> {
    if v.secondary_cidrs.len() > MAX_SECONDARY_CIDRS {
        return Err(format!(
            "{}: {} secondary CIDRs is over the quota of {MAX_SECONDARY_CIDRS} per VPC (AWS raises it to 50; fact sheet §10)",
            v.id,
            v.secondary_cidrs.len()
        ));
    }
    for (i, n) in v.secondary_cidrs.iter().enumerate() {
        if let Some(why) = secondary_refusal(&v.cidr, &v.secondary_cidrs[..i], n) {
            return Err(format!("{}: {why}", v.id));
        }
    }
    for t in &v.route_tables {
        let locals: Vec<&IpNet> = t
            .routes
            .iter()
            .filter(|r| r.target == RouteTarget::Local)
            .map(|r| &r.destination)
            .collect();
        let block = |l: &IpNet| match l {
            IpNet::V4(l) => v.blocks().any(|b| b == l),
            IpNet::V6(l) => v.ipv6_cidr.as_ref() == Some(l),
        };
        if let Some(l) = locals.iter().find(|l| !block(l)) {
            return Err(format!(
                "route table {}: local route {l} is not a block of {}: a local route exists for each VPC CIDR only (fact sheet §10)",
                t.id, v.id
            ));
        }
        if let Some(b) = v.blocks().find(|b| !locals.contains(&&IpNet::V4(**b))) {
            return Err(format!(
                "route table {}: no local route for {b}: every route table has a local route for each VPC CIDR (fact sheet §10)",
                t.id
            ));
        }
    }
    Ok(())
}

/// The VPC's IPv6 parts: an Amazon-provided /56, each subnet's /64
/// inside it (one subnet per /64), its `local` route in every table, an
/// egress-only internet gateway named `eigw-…`, and instances with an IPv6
/// address only in subnets that have a block. Fact sheet §23.
fn ipv6(v: &Vpc) -> Result<(), String> {
    if let Some(b) = &v.ipv6_cidr {
        if b.prefix_len() != 56 {
            return Err(format!(
                "{}: IPv6 block {b} is a /{}: an Amazon-provided IPv6 block is a /56 (fact sheet §23)",
                v.id,
                b.prefix_len()
            ));
        }
        for t in &v.route_tables {
            let local = t
                .routes
                .iter()
                .any(|r| r.target == RouteTarget::Local && r.destination == IpNet::V6(*b));
            if !local {
                return Err(format!(
                    "route table {}: no local route for {b}: every route table has a local route for each VPC CIDR (fact sheet §10, §23)",
                    t.id
                ));
            }
        }
    }
    for t in &v.route_tables {
        for r in &t.routes {
            match (&r.destination, &r.target) {
                (IpNet::V4(_), RouteTarget::Eigw(g)) => {
                    return Err(format!(
                        "route table {}: route {} -> {g}: an egress-only internet gateway carries IPv6 only (fact sheet §23)",
                        t.id, r.destination
                    ))
                }
                (IpNet::V6(_), RouteTarget::Nat(g)) => {
                    return Err(format!(
                        "route table {}: route {} -> {g}: a NAT gateway translates IPv4 only; there is no NAT for IPv6 (fact sheet §23)",
                        t.id, r.destination
                    ))
                }
                _ => {}
            }
        }
    }
    let mut seen = BTreeSet::new();
    for sn in &v.subnets {
        let Some(n) = &sn.ipv6_cidr else { continue };
        let Some(b) = &v.ipv6_cidr else {
            return Err(format!(
                "subnet {}: IPv6 block {n} but {} has no IPv6 block: associate one with the VPC first (fact sheet §23)",
                sn.id, v.id
            ));
        };
        if n.prefix_len() != 64 || !b.contains(n) {
            return Err(format!(
                "subnet {}: IPv6 block {n} must be a /64 of {}'s {b} (fact sheet §23)",
                sn.id, v.id
            ));
        }
        if !seen.insert(*n) {
            return Err(format!(
                "subnet {}: IPv6 block {n} is another subnet's: each subnet has its own /64 (fact sheet §23)",
                sn.id
            ));
        }
    }
    if let Some(e) = &v.egress_only_igw {
        if !e.starts_with("eigw-") {
            return Err(format!(
                "{}: egress-only internet gateway '{}' must have an id starting eigw-",
                v.id,
                clip(e)
            ));
        }
    }
    for i in v.instances.iter().filter(|i| i.ipv6) {
        if v.subnet(&i.subnet).is_some_and(|s| s.ipv6_cidr.is_none()) {
            return Err(format!(
                "instance {}: an IPv6 address needs an IPv6 block on subnet {} (fact sheet §23)",
                i.id, i.subnet
            ));
        }
    }
    Ok(())
}

/// The main route table, the default network ACL and the default
/// security group name parts of this VPC. Fact sheet §10, §11, §12.
fn defaults(v: &Vpc) -> Result<(), String> {
    if let Some(m) = &v.main_route_table {
        if v.route_table(m).is_none() {
            return Err(format!(
                "{}: main route table {} is not a route table of the VPC",
                v.id,
                clip(m)
            ));
        }
    }
    if let Some(n) = &v.default_nacl {
        if v.nacl(n).is_none() {
            return Err(format!(
                "{}: default network ACL {} is not a network ACL of the VPC",
                v.id,
                clip(n)
            ));
        }
    }
    if let Some(g) = &v.default_sg {
        if v.sg(g).is_none() {
            return Err(format!(
                "{}: default security group {} is not a security group of the VPC",
                v.id,
                clip(g)
            ));
        }
    }
    Ok(())
}

/// Gateway endpoints: S3 only, the Region's prefix list known, route
/// tables of this VPC, one S3 endpoint per table, and each associated
/// table holding exactly the prefix list's routes to the endpoint (AWS's
/// own routes: nothing else leads to an endpoint). Fact sheet §22.
fn gateway_endpoints(r: &Region) -> Result<(), String> {
    let v = &r.vpc;
    if v.gateway_endpoints.len() > MAX_GATEWAY_ENDPOINTS {
        return Err(format!(
            "{}: {} gateway endpoints is over the quota of {MAX_GATEWAY_ENDPOINTS} per Region (fact sheet §22)",
            v.id,
            v.gateway_endpoints.len()
        ));
    }
    let mut used_tables: BTreeSet<&str> = BTreeSet::new();
    for e in &v.gateway_endpoints {
        if !crate::sim::net::GATEWAY_SERVICES.contains(&e.service.as_str()) {
            return Err(format!(
                "gateway endpoint {}: service {} has no gateway endpoint here: gateway endpoints are for S3 (and DynamoDB) only (fact sheet §22)",
                e.id,
                clip(&e.service)
            ));
        }
        let Some(pl) = s3_prefix_list(&r.id) else {
            return Err(format!(
                "gateway endpoint {}: the model knows no S3 prefix list in {}",
                e.id, r.id
            ));
        };
        for t in &e.route_tables {
            let Some(rt) = v.route_table(t) else {
                return Err(format!(
                    "gateway endpoint {}: {} is not a route table of {}",
                    e.id,
                    clip(t),
                    v.id
                ));
            };
            if !used_tables.insert(t) {
                return Err(format!(
                    "route table {t}: two S3 gateway endpoints cannot share a route table (fact sheet §22)"
                ));
            }
            for n in pl.nets() {
                let ok = rt.routes.iter().any(|x| {
                    x.destination == IpNet::V4(n) && x.target == RouteTarget::Endpoint(e.id.clone())
                });
                if !ok {
                    return Err(format!(
                        "route table {t}: gateway endpoint {} needs its route {} ({n}) -> {}: AWS adds it with the association (fact sheet §22)",
                        e.id, pl.id, e.id
                    ));
                }
            }
        }
    }
    for t in &v.route_tables {
        for x in &t.routes {
            let RouteTarget::Endpoint(id) = &x.target else {
                continue;
            };
            let owner = v.gateway_endpoint(id);
            let listed = owner.is_some_and(|e| e.route_tables.contains(&t.id));
            let in_list = s3_prefix_list(&r.id).is_some_and(|pl| match x.destination {
                IpNet::V4(d) => pl.nets().contains(&d),
                IpNet::V6(_) => false,
            });
            if !listed || !in_list {
                return Err(format!(
                    "route table {}: route {} -> {}: only a gateway endpoint associated with the table has routes to it, one per range of its prefix list (fact sheet §22)",
                    t.id,
                    x.destination,
                    clip(id)
                ));
            }
        }
    }
    Ok(())
}

/// Interface endpoints: the quota, a service name, subnets of this VPC at
/// most one per Availability Zone, an address in each, security groups of
/// this VPC. Fact sheet §22.
fn interface_endpoints(v: &Vpc) -> Result<(), String> {
    if v.interface_endpoints.len() > MAX_INTERFACE_ENDPOINTS_PER_VPC {
        return Err(format!(
            "{}: {} interface endpoints is over the quota of {MAX_INTERFACE_ENDPOINTS_PER_VPC} per VPC (fact sheet §22)",
            v.id,
            v.interface_endpoints.len()
        ));
    }
    for e in &v.interface_endpoints {
        if e.service.trim().is_empty() {
            return Err(format!(
                "interface endpoint {}: the service name is empty",
                e.id
            ));
        }
        if e.subnets.is_empty() {
            return Err(format!(
                "interface endpoint {}: choose at least one subnet (fact sheet §22)",
                e.id
            ));
        }
        let mut azs: BTreeSet<&str> = BTreeSet::new();
        for sid in &e.subnets {
            let Some(sub) = v.subnet(sid) else {
                return Err(format!(
                    "interface endpoint {}: {} is not a subnet of {}",
                    e.id,
                    clip(sid),
                    v.id
                ));
            };
            if !azs.insert(&sub.az) {
                return Err(format!(
                    "interface endpoint {}: two subnets in {}: at most one subnet per Availability Zone (fact sheet §22)",
                    e.id, sub.az
                ));
            }
            if sub.host(e.host).is_none() {
                return Err(format!(
                    "interface endpoint {}: host {} is not a usable address of {} ({})",
                    e.id, e.host, sub.id, sub.cidr
                ));
            }
        }
        if e.security_groups.len() > MAX_SGS_PER_ENI {
            return Err(format!(
                "interface endpoint {}: {} security groups is over the quota of {MAX_SGS_PER_ENI} per interface (fact sheet §11)",
                e.id,
                e.security_groups.len()
            ));
        }
        if let Some(g) = e.security_groups.iter().find(|g| v.sg(g).is_none()) {
            return Err(format!(
                "interface endpoint {}: {} is not a security group of {}",
                e.id,
                clip(g),
                v.id
            ));
        }
    }
    Ok(())
}

/// A route to a peering names a connection that joins the table's VPC.
/// Fact sheet §21.
fn peering_routes(s: &Scenario, v: &Vpc) -> Result<(), String> {
    for t in &v.route_tables {
        for x in &t.routes {
            let RouteTarget::Peering(id) = &x.target else {
                continue;
            };
            match s.peering(id) {
                Some(p) if p.joins(&v.id) => {}
                Some(p) => {
                    return Err(format!(
                        "route table {}: route {} -> {id}: {id} joins {} and {}, not {} (fact sheet §21)",
                        t.id, x.destination, p.requester_vpc, p.accepter_vpc, v.id
                    ))
                }
                None => {
                    return Err(format!(
                        "route table {}: route {} -> {}: there is no peering connection {}",
                        t.id,
                        x.destination,
                        clip(id),
                        clip(id)
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The blocks two VPCs share, as `a overlaps b` texts.
pub fn overlapping_blocks(a: &Vpc, b: &Vpc) -> Vec<(Ipv4Net, Ipv4Net)> {
    let mut out = Vec::new();
    for x in a.blocks() {
        for y in b.blocks() {
            if overlaps(x, y) {
                out.push((*x, *y));
            }
        }
    }
    out
}

/// Peering connections: two different VPCs of the scenario; `active` or
/// `pending-acceptance` only without overlapping blocks (AWS fails the
/// request); at most one between the same two VPCs; the quota per VPC.
/// Fact sheet §21.
fn peerings(s: &Scenario) -> Result<(), String> {
    let vpc = |id: &str| s.regions.iter().map(|r| &r.vpc).find(|v| v.id == id);
    let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for p in &s.peerings {
        let (Some(a), Some(b)) = (vpc(&p.requester_vpc), vpc(&p.accepter_vpc)) else {
            return Err(format!(
                "peering connection {}: {} or {} is not a VPC of the scenario",
                p.id,
                clip(&p.requester_vpc),
                clip(&p.accepter_vpc)
            ));
        };
        if a.id == b.id {
            return Err(format!(
                "peering connection {}: a VPC cannot peer with itself (fact sheet §21)",
                p.id
            ));
        }
        if !p.status.counts() {
            continue;
        }
        if let Some((x, y)) = overlapping_blocks(a, b).first() {
            return Err(format!(
                "peering connection {}: {} ({x}) and {} ({y}) overlap, so AWS fails the request: its status is failed (fact sheet §21)",
                p.id, a.id, b.id
            ));
        }
        let key = if a.id < b.id {
            (a.id.as_str(), b.id.as_str())
        } else {
            (b.id.as_str(), a.id.as_str())
        };
        if !pairs.insert(key) {
            return Err(format!(
                "peering connection {}: {} and {} already have a peering connection: at most one between the same two VPCs (fact sheet §21)",
                p.id, a.id, b.id
            ));
        }
        if p.status == PeeringStatus::Active && (p.requester_dns || p.accepter_dns) {
            // fine: DNS resolution is set on an active connection
        } else if p.requester_dns || p.accepter_dns {
            return Err(format!(
                "peering connection {}: DNS resolution can be enabled only on an active connection (fact sheet §21)",
                p.id
            ));
        }
    }
    for r in &s.regions {
        let n = s
            .peerings
            .iter()
            .filter(|p| p.status.counts() && p.joins(&r.vpc.id))
            .count();
        if n > MAX_PEERINGS_PER_VPC {
            return Err(format!(
                "{}: {n} peering connections is over the quota of {MAX_PEERINGS_PER_VPC} per VPC (fact sheet §21)",
                r.vpc.id
            ));
        }
    }
    Ok(())
}
