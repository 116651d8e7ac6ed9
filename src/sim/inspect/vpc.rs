//! VPC parts: the internet gateway with its VPC (blocks, main route
//! table, default network ACL and security group, endpoints, peerings),
//! peering connections and VPC endpoints. (Subnets, network ACLs and
//! security groups are edited through [`super::Attachments`].)

use super::Row;
use crate::sim::net::{
    s3_prefix_list, Instance, InstanceOs, Peering, PeeringStatus, RouteTarget, Vpc,
};
use crate::sim::scenario::{overlapping_blocks, Region, Scenario};

/// The internet gateway: the VPC it serves, and that VPC's blocks, main
/// route table, defaults, endpoints and peerings. Fact sheet §10-§12,
/// §21, §22.
pub(super) fn internet_gateway(s: &Scenario, r: &Region) -> Vec<Row> {
    let v = &r.vpc;
    let mut rows = vec![("VPC".into(), format!("{} {}", v.id, v.cidr))];
    for c in &v.secondary_cidrs {
        rows.push(("secondary CIDR".into(), c.to_string()));
    }
    rows.push((
        "IPv6 block".into(),
        match &v.ipv6_cidr {
            Some(b) => {
                let subnets: Vec<String> = v
                    .subnets
                    .iter()
                    .filter_map(|x| x.ipv6_cidr.map(|n| format!("{} {n}", x.id)))
                    .collect();
                format!(
                    "{b} (Amazon-provided; subnets: {}); IPv6 addresses are public: only routes, security groups and network ACLs keep the internet out",
                    if subnets.is_empty() {
                        "none yet".to_string()
                    } else {
                        subnets.join(", ")
                    }
                )
            }
            None => "none: IPv4 only (assign_vpc_ipv6 adds a /56)".into(),
        },
    ));
    if let Some(m) = v.main_table_id() {
        let implicit: Vec<&str> = v
            .subnets
            .iter()
            .filter(|x| x.route_table.is_none())
            .map(|x| x.id.as_str())
            .collect();
        let used = if implicit.is_empty() {
            "no subnet without an explicit association".to_string()
        } else {
            format!("used by {}", implicit.join(", "))
        };
        rows.push(("main route table".into(), format!("{m} ({used})")));
    }
    rows.push((
        "default network ACL".into(),
        match &v.default_nacl {
            Some(n) => format!("{n} (default: rule 100 allows all, then *)"),
            None => "default: allow all (created when a subnet is taken off its NACL)".into(),
        },
    ));
    rows.push((
        "default security group".into(),
        match &v.default_sg {
            Some(g) => format!("{g} (default: all from its members, all out)"),
            None => "default: all from its members, all out (created when first used)".into(),
        },
    ));
    for e in &v.gateway_endpoints {
        rows.push(("gateway endpoint".into(), gateway_text(r, &e.id)));
    }
    for e in &v.interface_endpoints {
        rows.push((
            "interface endpoint".into(),
            format!("{} {}", e.id, e.service),
        ));
    }
    for p in s.peerings.iter().filter(|p| p.joins(&v.id)) {
        rows.push(("peering".into(), format!("{} {}", p.id, p.status.as_str())));
    }
    rows
}

/// The egress-only internet gateway: what it lets through, and the
/// routes that lead to it. Fact sheet §23.
pub(super) fn egress_only_igw(r: &Region, id: &str) -> Vec<Row> {
    let target = RouteTarget::Eigw(id.to_string());
    let routes: Vec<String> = r
        .vpc
        .route_tables
        .iter()
        .flat_map(|t| {
            t.routes
                .iter()
                .filter(|x| x.target == target)
                .map(move |x| format!("{}: {}", t.id, x.destination))
        })
        .collect();
    vec![
        (
            "egress-only internet gateway".into(),
            format!("{id} in {}", r.vpc.id),
        ),
        (
            "what it carries".into(),
            "IPv6 only: connections started inside the VPC go out and their replies come back (it is stateful); nothing started on the internet comes in. No security group of its own; network ACLs still apply. For outbound-only IPv4, a NAT gateway".into(),
        ),
        (
            "routes to it".into(),
            if routes.is_empty() {
                "none: add ::/0 -> this gateway in a private subnet's route table".into()
            } else {
                routes.join(", ")
            },
        ),
    ]
}

fn gateway_text(r: &Region, id: &str) -> String {
    let Some(e) = r.vpc.gateway_endpoint(id) else {
        return id.into();
    };
    let pl = s3_prefix_list(&r.id).map_or("", |p| p.id);
    format!(
        "{} S3 ({pl}) in {}",
        e.id,
        if e.route_tables.is_empty() {
            "no route table".to_string()
        } else {
            e.route_tables.join(", ")
        }
    )
}

/// A peering connection: its VPCs and Regions, its state (with AWS's
/// reason when it failed), DNS resolution, the routes that use it.
/// Fact sheet §21.
pub(super) fn peering(s: &Scenario, p: &Peering) -> Vec<Row> {
    let vpc = |id: &str| s.regions.iter().find(|r| r.vpc.id == id);
    let side = |id: &str| match vpc(id) {
        Some(r) => format!("{id} {} ({})", r.vpc.cidr, r.id),
        None => id.to_string(),
    };
    let mut rows = vec![
        ("requester".into(), side(&p.requester_vpc)),
        ("accepter".into(), side(&p.accepter_vpc)),
    ];
    let status = match p.status {
        PeeringStatus::Failed => {
            let why = match (vpc(&p.requester_vpc), vpc(&p.accepter_vpc)) {
                (Some(a), Some(b)) => overlapping_blocks(&a.vpc, &b.vpc)
                    .first()
                    .map(|(x, y)| format!(": {x} overlaps {y}"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            format!("failed (overlapping IPv4 CIDRs{why})")
        }
        PeeringStatus::PendingAcceptance => {
            "pending-acceptance (routes to it are blackholes until accepted)".into()
        }
        PeeringStatus::Deleted => "deleted (routes to it are blackholes)".into(),
        PeeringStatus::Active => "active".into(),
    };
    rows.push(("status".into(), status));
    let inter = vpc(&p.requester_vpc).map(|r| &r.id) != vpc(&p.accepter_vpc).map(|r| &r.id);
    rows.push((
        "kind".into(),
        if inter {
            "inter-Region: security groups cannot reference the peer's groups (use CIDRs)".into()
        } else {
            "same Region".into()
        },
    ));
    let on = |b: bool| if b { "on" } else { "off" };
    rows.push((
        "DNS resolution".into(),
        format!(
            "requester {}, accepter {}",
            on(p.requester_dns),
            on(p.accepter_dns)
        ),
    ));
    for r in &s.regions {
        for t in &r.vpc.route_tables {
            for x in &t.routes {
                if x.target == RouteTarget::Peering(p.id.clone()) {
                    let state = if s.route_is_blackhole(x) {
                        "blackhole"
                    } else {
                        "active"
                    };
                    rows.push((
                        "route".into(),
                        format!("{}: {} ({state})", t.id, x.destination),
                    ));
                }
            }
        }
    }
    rows
}

/// A VPC endpoint: a gateway endpoint's prefix list and route tables, or
/// an interface endpoint's service, ENIs, security groups and private
/// DNS. Fact sheet §22.
pub(super) fn endpoint(r: &Region, id: &str) -> Vec<Row> {
    let v: &Vpc = &r.vpc;
    if let Some(e) = v.gateway_endpoint(id) {
        let mut rows = vec![("type".into(), "gateway (S3)".to_string())];
        if let Some(pl) = s3_prefix_list(&r.id) {
            rows.push((
                "prefix list".into(),
                format!("{} {}", pl.id, pl.cidrs.join(", ")),
            ));
        }
        rows.push((
            "route tables".into(),
            if e.route_tables.is_empty() {
                "none".into()
            } else {
                e.route_tables.join(", ")
            },
        ));
        rows.push((
            "reach".into(),
            "same-Region S3 only; not usable from a peered VPC".into(),
        ));
        return rows;
    }
    let Some(e) = v.interface_endpoint(id) else {
        return vec![];
    };
    let mut rows = vec![
        (
            "type".into(),
            "interface (PrivateLink), TCP only".to_string(),
        ),
        ("service".into(), e.service.clone()),
    ];
    for sid in &e.subnets {
        let ip = v
            .subnet(sid)
            .and_then(|x| x.host(e.host))
            .map(|a| a.to_string())
            .unwrap_or_default();
        rows.push(("ENI".into(), format!("{sid} {ip}")));
    }
    let groups: Vec<String> = e
        .security_groups
        .iter()
        .map(|g| {
            if v.is_default_sg(g) {
                format!("{g} (default)")
            } else {
                g.clone()
            }
        })
        .collect();
    rows.push(("security groups".into(), groups.join(", ")));
    rows.push((
        "private DNS".into(),
        if e.private_dns {
            format!(
                "on: {} resolves to the ENIs inside the VPC",
                e.public_name()
            )
        } else {
            format!("off: {} resolves to public addresses", e.public_name())
        },
    ));
    rows
}

/// An EC2 instance: its interface's addresses, groups and checks.
/// Fact sheet §24.
pub(super) fn instance(r: &Region, i: &Instance) -> Vec<Row> {
    let private = r
        .vpc
        .subnet(&i.subnet)
        .and_then(|s| s.host(i.host))
        .map(|a| a.to_string())
        .unwrap_or_default();
    vec![
        ("instance".into(), format!("{} ({})", i.id, i.name)),
        ("subnet".into(), i.subnet.clone()),
        ("private address".into(), private),
        (
            "public address".into(),
            match i.public_ip.ip() {
                None => "none: not reachable from the internet, cannot reach it through the internet gateway".into(),
                Some(_) => format!("{} — the instance itself only knows its private address; the internet gateway translates (1:1 NAT)", i.public_ip),
            },
        ),
        (
            "IPv6 address".into(),
            match r.vpc.instance_ipv6(i) {
                Some(a) => format!("{a} — public by nature: no NAT; routes, security groups and network ACLs decide who reaches it"),
                None => "none".into(),
            },
        ),
        ("security groups".into(), i.security_groups.join(", ")),
        (
            "source/destination check".into(),
            if i.source_dest_check {
                "on: drops traffic not addressed to or from itself".into()
            } else {
                "off: may forward traffic (a NAT instance, a router)".into()
            },
        ),
        (
            "operating system".into(),
            match i.os {
                InstanceOs::Linux => "Linux (SSH on TCP 22; ephemeral ports 32768-60999)".into(),
                InstanceOs::Windows => "Windows (RDP on TCP 3389; ephemeral ports 49152-65535)".into(),
            },
        ),
        (
            "metadata and DNS".into(),
            format!(
                "169.254.169.254 (instance metadata) and {} (the VPC's resolver) answer it without security groups or network ACLs",
                std::net::Ipv4Addr::from(u32::from(r.vpc.cidr.network()) + 2)
            ),
        ),
    ]
}
