//! VPC parts: the internet gateway. (Subnets, network ACLs and security
//! groups are edited through [`super::Attachments`].)

use super::Row;
use crate::sim::net::{Instance, InstanceOs};
use crate::sim::scenario::Region;

/// The internet gateway: the VPC it serves.
pub(super) fn internet_gateway(r: &Region) -> Vec<Row> {
    vec![("VPC".into(), format!("{} {}", r.vpc.id, r.vpc.cidr))]
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
