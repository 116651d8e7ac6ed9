//! Ids and references across a scenario: every id used once, every route
//! target, security group and Service a part names exists where that part
//! can use it, and the per-VPC and per-interface quotas. Fact sheet §3,
//! §10, §11, §13.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::sim::limits::*;
use crate::sim::text::clip;

/// Check ids, references and counts; the first problem is named.
pub fn validate_references(s: &Scenario) -> Result<(), String> {
    unique_ids(s)?;
    round_trips(s)?;
    super::vpc_more::validate(s)?;
    for c in &s.clients {
        let g = &c.geo;
        if !g.lat.is_finite() || !LATITUDE.contains(&g.lat) {
            return Err(format!(
                "client {}: latitude {} is outside -90..90 degrees",
                clip(&c.id),
                g.lat
            ));
        }
        if !g.lon.is_finite() || !LONGITUDE.contains(&g.lon) {
            return Err(format!(
                "client {}: longitude {} is outside -180..180 degrees",
                clip(&c.id),
                g.lon
            ));
        }
    }
    for p in &s.cdn.pops {
        if let Some(k) = p.rtt_region_ms.keys().find(|k| s.region(k).is_none()) {
            return Err(format!(
                "CloudFront POP {}: rtt_region_ms names unknown region '{}'",
                clip(&p.id),
                clip(k)
            ));
        }
    }
    for r in &s.regions {
        vpc_counts(&r.vpc).map_err(|e| format!("region {}: {e}", r.id))?;
        routes(s, r).map_err(|e| format!("region {}: {e}", r.id))?;
        interfaces(s, r).map_err(|e| format!("region {}: {e}", r.id))?;
        ingress(r).map_err(|e| format!("region {}: {e}", r.id))?;
        target_groups(s, r).map_err(|e| format!("region {}: {e}", r.id))?;
    }
    Ok(())
}

/// Every id of one kind is used once in the whole scenario: faults, edits
/// and lessons name parts by id alone.
fn unique_ids(s: &Scenario) -> Result<(), String> {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut ids: Vec<(&'static str, &str)> = Vec::new();
    for p in &s.cdn.pops {
        ids.push(("CloudFront POP", &p.id));
    }
    for o in &s.cdn.origins {
        ids.push(("origin or origin group", &o.id));
    }
    for g in &s.cdn.origin_groups {
        ids.push(("origin or origin group", &g.id));
    }
    for c in &s.dns.cidr_collections {
        ids.push(("CIDR collection", &c.id));
    }
    for r in &s.regions {
        ids.push(("region", &r.id));
        let v = &r.vpc;
        ids.push(("VPC", &v.id));
        ids.push(("internet gateway", &v.igw));
        ids.extend(v.subnets.iter().map(|x| ("subnet", x.id.as_str())));
        ids.extend(
            v.route_tables
                .iter()
                .map(|x| ("route table", x.id.as_str())),
        );
        ids.extend(v.nacls.iter().map(|x| ("network ACL", x.id.as_str())));
        ids.extend(
            v.security_groups
                .iter()
                .map(|x| ("security group", x.id.as_str())),
        );
        ids.extend(
            v.nat_gateways
                .iter()
                .map(|x| ("NAT gateway", x.id.as_str())),
        );
        ids.extend(
            v.gateway_endpoints
                .iter()
                .map(|x| ("VPC endpoint", x.id.as_str())),
        );
        ids.extend(
            v.interface_endpoints
                .iter()
                .map(|x| ("VPC endpoint", x.id.as_str())),
        );
        ids.extend(v.instances.iter().map(|x| ("instance", x.id.as_str())));
        ids.push(("load balancer", &r.alb.id));
        ids.extend(
            r.alb
                .target_groups
                .iter()
                .map(|x| ("target group", x.id.as_str())),
        );
        let k = &r.cluster;
        ids.extend(k.ingresses().map(|x| ("Ingress", x.id.as_str())));
        ids.extend(k.services.iter().map(|x| ("Service", x.id.as_str())));
        ids.extend(k.pods.iter().map(|x| ("pod", x.id.as_str())));
        ids.extend(k.nodes.iter().map(|x| ("node", x.id.as_str())));
        ids.push(("database", &r.rds.id));
        let db = r.rds.instances.iter().chain(&r.rds.replicas);
        ids.extend(db.map(|x| ("database instance", x.id.as_str())));
    }
    ids.extend(
        s.peerings
            .iter()
            .map(|p| ("peering connection", p.id.as_str())),
    );
    ids.extend(s.clients.iter().map(|c| ("client", c.id.as_str())));
    ids.extend(
        s.dns
            .health_checks
            .iter()
            .map(|h| ("health check", h.id.as_str())),
    );
    for (kind, id) in ids {
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(format!(
                "{kind} id '{}' is not an id: ids are 1 to {MAX_ID_CHARS} characters",
                clip(id)
            ));
        }
        if kind == "client" || kind == "health check" {
            continue; // used twice: named with the clients and health checks
        }
        if !seen.insert((kind, id)) {
            return Err(format!(
                "{kind} id '{}' is used twice: every {kind} needs its own id",
                clip(id)
            ));
        }
    }
    Ok(())
}

/// Quotas per VPC and per Availability Zone. Fact sheet §10, §12.
fn vpc_counts(v: &Vpc) -> Result<(), String> {
    let over = |what: &str, n: usize, max: usize| -> Result<(), String> {
        if n > max {
            return Err(format!(
                "{}: {n} {what} is over the quota of {max} per VPC (fact sheet §10, §12)",
                v.id
            ));
        }
        Ok(())
    };
    over("subnets", v.subnets.len(), MAX_SUBNETS_PER_VPC)?;
    over(
        "route tables",
        v.route_tables.len(),
        MAX_ROUTE_TABLES_PER_VPC,
    )?;
    over("network ACLs", v.nacls.len(), MAX_NACLS_PER_VPC)?;
    for t in &v.route_tables {
        if t.routes.len() > MAX_ROUTES_PER_TABLE {
            return Err(format!(
                "route table {}: {} routes is over the quota of {MAX_ROUTES_PER_TABLE} per table (fact sheet §10)",
                t.id,
                t.routes.len()
            ));
        }
    }
    let mut per_az: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &v.nat_gateways {
        if let Some(sub) = v.subnet(&n.subnet) {
            let c = per_az.entry(sub.az.as_str()).or_default();
            *c += 1;
            if *c > MAX_NAT_PER_AZ {
                return Err(format!(
                    "{}: more than {MAX_NAT_PER_AZ} NAT gateways in {} is over the quota per Availability Zone (fact sheet §10)",
                    v.id, sub.az
                ));
            }
        }
    }
    Ok(())
}

/// The VPC that owns an internet gateway or NAT gateway id, if any.
fn owner<'s>(s: &'s Scenario, target: &RouteTarget) -> Option<&'s Region> {
    s.regions.iter().find(|r| match target {
        RouteTarget::Igw(id) => r.vpc.igw == *id,
        RouteTarget::Nat(id) => r.vpc.nat_gateways.iter().any(|n| n.id == *id),
        RouteTarget::Instance(id) => r.vpc.instance(id).is_some(),
        RouteTarget::Eigw(id) => r.vpc.egress_only_igw.as_deref() == Some(id.as_str()),
        RouteTarget::Local | RouteTarget::Peering(_) | RouteTarget::Endpoint(_) => false,
    })
}

/// Every route leads to a gateway of its own VPC. Fact sheet §10.
fn routes(s: &Scenario, r: &Region) -> Result<(), String> {
    let v = &r.vpc;
    for t in &v.route_tables {
        for route in &t.routes {
            let mine = match &route.target {
                RouteTarget::Local => true,
                RouteTarget::Igw(id) => v.igw == *id,
                RouteTarget::Nat(id) => v.nat_gateways.iter().any(|n| n.id == *id),
                // Checked with the peerings and endpoints (`vpc_more`).
                RouteTarget::Peering(_) | RouteTarget::Endpoint(_) => true,
                RouteTarget::Instance(id) => v.instance(id).is_some(),
                RouteTarget::Eigw(id) => v.egress_only_igw.as_deref() == Some(id.as_str()),
            };
            if mine {
                continue;
            }
            let (kind, id) = match &route.target {
                RouteTarget::Igw(id) => ("internet gateway", id),
                RouteTarget::Nat(id) => ("NAT gateway", id),
                RouteTarget::Instance(id) => ("instance", id),
                RouteTarget::Eigw(id) => ("egress-only internet gateway", id),
                _ => continue,
            };
            let why = match owner(s, &route.target) {
                Some(o) => format!(
                    "{} is the {kind} of {} in {}, and a route can only use a gateway of its own VPC",
                    clip(id),
                    o.vpc.id,
                    o.id
                ),
                None => format!("there is no {kind} {}", clip(id)),
            };
            return Err(format!(
                "route table {}: route {} -> {}: {why} ({} has {}; fact sheet §10)",
                t.id,
                route.destination,
                clip(id),
                v.id,
                gateways(v, kind)
            ));
        }
    }
    Ok(())
}

/// The gateways of one kind a VPC has, for a message.
fn gateways(v: &Vpc, kind: &str) -> String {
    if kind == "internet gateway" {
        return format!("internet gateway {}", v.igw);
    }
    if kind == "egress-only internet gateway" {
        return match &v.egress_only_igw {
            Some(e) => format!("egress-only internet gateway {e}"),
            None => "no egress-only internet gateway".into(),
        };
    }
    match v.nat_gateways.len() {
        0 => "no NAT gateway".into(),
        _ => format!(
            "NAT gateways {}",
            v.nat_gateways
                .iter()
                .map(|n| n.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The security groups on each interface (ALB, pods, database): at most
/// five, each of this region's VPC. Fact sheet §11.
fn interfaces(s: &Scenario, r: &Region) -> Result<(), String> {
    let mut enis: Vec<(String, &[String])> = vec![(r.alb.id.clone(), &r.alb.security_groups)];
    for p in &r.cluster.pods {
        enis.push((format!("pod {}", p.id), &p.security_groups));
    }
    enis.push((format!("database {}", r.rds.id), &r.rds.security_groups));
    for i in &r.vpc.instances {
        enis.push((format!("instance {}", i.id), &i.security_groups));
    }
    instances(s, r)?;
    for (what, groups) in enis {
        if groups.len() > MAX_SGS_PER_ENI {
            return Err(format!(
                "{what} has {} security groups on one interface, over the quota of {MAX_SGS_PER_ENI} (AWS raises it to 16; fact sheet §11)",
                groups.len()
            ));
        }
        for (i, g) in groups.iter().enumerate() {
            if groups[..i].contains(g) {
                return Err(format!("{what} lists security group {} twice", clip(g)));
            }
            if r.vpc.sg(g).is_some() {
                continue;
            }
            return Err(match s.region_of_vpc_item(g) {
                Some(o) => format!(
                    "{what} names security group {} of {} ({}): an interface can only use groups of its own VPC, {} (fact sheet §11)",
                    clip(g),
                    o.vpc.id,
                    o.id,
                    r.vpc.id
                ),
                None => format!("{what} names unknown security group {}", clip(g)),
            });
        }
    }
    Ok(())
}

/// Each instance sits in a subnet of its VPC on a usable address, and a
/// public address is a public one, held by one instance only.
/// Fact sheet §10, §24.
fn instances(s: &Scenario, r: &Region) -> Result<(), String> {
    for i in &r.vpc.instances {
        let Some(sub) = r.vpc.subnet(&i.subnet) else {
            return Err(format!(
                "instance {} names subnet {}, which is not in {}",
                clip(&i.id),
                clip(&i.subnet),
                r.vpc.id
            ));
        };
        if sub.host(i.host).is_none() {
            return Err(format!(
                "instance {}: host {} is not a usable address of {} ({}): the first four and the last are reserved (fact sheet §10)",
                clip(&i.id),
                i.host,
                sub.id,
                sub.cidr
            ));
        }
        if let Some(ip) = i.public_ip.ip() {
            if !is_public_v4(ip) {
                return Err(format!(
                    "instance {}: public address {ip} is not a public IPv4 address",
                    clip(&i.id)
                ));
            }
            let others = s
                .regions
                .iter()
                .flat_map(|x| &x.vpc.instances)
                .filter(|o| o.id != i.id && o.public_ip.ip() == Some(ip));
            if let Some(o) = others.into_iter().next() {
                return Err(format!(
                    "instances {} and {} both have public address {ip}",
                    clip(&i.id),
                    clip(&o.id)
                ));
            }
        }
    }
    Ok(())
}

/// Whether an IPv4 address is routable on the internet: not RFC 1918, not
/// shared (100.64/10), loopback, link-local or unspecified. Fact sheet §10.
pub fn is_public_v4(ip: std::net::Ipv4Addr) -> bool {
    let shared = ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64;
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || shared)
}

/// The Ingress's backends are Services of this cluster, on a port the
/// Service listens on. Fact sheet §13.
fn ingress(r: &Region) -> Result<(), String> {
    for ing in r.cluster.ingresses() {
        ingress_backends(r, ing).map_err(|e| {
            if ing.id == r.cluster.ingress.id {
                e
            } else {
                format!("{e} (Ingress {})", ing.id)
            }
        })?;
    }
    Ok(())
}

fn ingress_backends(r: &Region, ing: &crate::sim::scenario::Ingress) -> Result<(), String> {
    let k = &r.cluster;
    let service = |id: &str| k.services.iter().find(|x| x.id == id);
    for p in &ing.rules {
        let Some(svc) = service(&p.service) else {
            return Err(format!(
                "Ingress path '{}' names unknown Service {}",
                clip(&p.path),
                clip(&p.service)
            ));
        };
        if svc.port != p.port {
            return Err(format!(
                "Ingress path '{}' sends to Service {} on port {}, but the Service listens on {}",
                clip(&p.path),
                svc.id,
                p.port,
                svc.port
            ));
        }
    }
    if let Some(b) = &ing.default_backend {
        if service(b).is_none() {
            return Err(format!(
                "Ingress default_backend names unknown Service {}",
                clip(b)
            ));
        }
    }
    Ok(())
}

/// No two interfaces share a private address: ALB nodes, NAT gateways,
/// worker nodes, pods and database instances each have their own. Run
/// once the subnets are known to be valid blocks that do not overlap.
pub(super) fn addresses(r: &Region) -> Result<(), String> {
    let k = &r.cluster;
    let mut at: Vec<(String, &str, u32)> = Vec::new();
    at.extend(
        r.alb
            .nodes
            .iter()
            .map(|n| (format!("{} node", r.alb.id), n.subnet.as_str(), n.host)),
    );
    if let Some(nlb) = &r.nlb {
        at.extend(
            nlb.nodes
                .iter()
                .map(|n| (format!("{} node", nlb.id), n.subnet.as_str(), n.host)),
        );
    }
    at.extend(
        r.vpc
            .nat_gateways
            .iter()
            .map(|n| (format!("NAT gateway {}", n.id), n.subnet.as_str(), n.host)),
    );
    at.extend(
        k.nodes
            .iter()
            .map(|n| (format!("node {}", n.id), n.subnet.as_str(), n.host)),
    );
    at.extend(
        k.pods
            .iter()
            .map(|p| (format!("pod {}", p.id), p.subnet.as_str(), p.host)),
    );
    at.extend(
        r.vpc
            .instances
            .iter()
            .map(|i| (format!("instance {}", i.id), i.subnet.as_str(), i.host)),
    );
    let db = r.rds.instances.iter().chain(&r.rds.replicas);
    at.extend(db.map(|i| {
        (
            format!("database instance {}", i.id),
            i.subnet.as_str(),
            i.host,
        )
    }));
    let mut seen: BTreeMap<std::net::Ipv4Addr, &str> = BTreeMap::new();
    for (what, subnet, host) in &at {
        let Some(ip) = r.vpc.subnet(subnet).and_then(|s| s.host(*host)) else {
            continue; // a missing subnet or host is named elsewhere
        };
        if let Some(other) = seen.insert(ip, what) {
            return Err(format!(
                "{what} and {other} both have address {ip}: every interface needs its own"
            ));
        }
    }
    Ok(())
}

/// Every round trip at most [`MAX_RTT_MS`]. Fact sheet §16.
fn round_trips(s: &Scenario) -> Result<(), String> {
    let mut rtts: Vec<(String, u32)> = Vec::new();
    for c in &s.clients {
        let id = clip(&c.id);
        rtts.push((format!("client {id} rtt_pop_ms"), c.rtt_pop_ms));
        rtts.push((format!("client {id} resolver.rtt_ms"), c.resolver.rtt_ms));
    }
    rtts.push(("dns.root.rtt_ms".into(), s.dns.root.rtt_ms));
    rtts.push(("dns.tld.rtt_ms".into(), s.dns.tld.rtt_ms));
    rtts.push(("dns.zone.rtt_ms".into(), s.dns.zone.rtt_ms));
    for p in &s.cdn.pops {
        for (r, ms) in &p.rtt_region_ms {
            let what = format!("CloudFront POP {} rtt_region_ms {}", clip(&p.id), clip(r));
            rtts.push((what, *ms));
        }
    }
    if let Some(api) = &s.external_api {
        rtts.push(("external_api.rtt_ms".into(), api.rtt_ms));
    }
    match rtts.into_iter().find(|(_, ms)| *ms > MAX_RTT_MS) {
        Some((what, ms)) => Err(format!(
            "{what} {ms} is over Hoplab's longest round trip, {MAX_RTT_MS} ms (fact sheet §16)"
        )),
        None => Ok(()),
    }
}

/// A listener forwards only to its own load balancer's target groups.
/// Fact sheet §8 "A target group belongs to one load balancer".
fn target_groups(s: &Scenario, r: &Region) -> Result<(), String> {
    for rule in &r.alb.listener.rules {
        let ids: Vec<&str> = match &rule.action {
            AlbAction::Forward { target_group } => vec![target_group],
            AlbAction::WeightedForward { groups } => {
                groups.iter().map(|g| g.target_group.as_str()).collect()
            }
            _ => continue,
        };
        for id in ids {
            if r.alb.target_groups.iter().any(|t| t.id == id) {
                continue;
            }
            let owner = s
                .regions
                .iter()
                .find(|o| o.alb.target_groups.iter().any(|t| t.id == id));
            if let Some(o) = owner {
                return Err(format!(
                    "{}: rule {} forwards to target group {id} of {}: a target group belongs to one load balancer (fact sheet §8)",
                    r.alb.id, rule.priority, o.alb.id
                ));
            }
        }
    }
    Ok(())
}
