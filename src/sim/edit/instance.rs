//! EC2 instances and security groups as edits: launch an instance in a
//! subnet (its first free address, its security groups, a public address
//! auto-assigned or an Elastic IP), change or terminate it, and create a
//! security group with AWS's defaults. Fact sheet §10, §11, §24.

use std::net::Ipv4Addr;

use super::scale::free_host;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::net::*;
use crate::sim::scenario::{is_public_v4, Scenario};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddInstance {
            id,
            subnet,
            security_groups,
            public_ip,
            ..
        } => {
            let public = if public_ip.trim().is_empty() {
                "none"
            } else {
                public_ip.trim()
            };
            format!(
                "launch instance {} in {} with {} (public address: {})",
                clip(id),
                clip(subnet),
                clip(security_groups),
                clip(public)
            )
        }
        Edit::RemoveInstance { instance } => format!("terminate instance {}", clip(instance)),
        Edit::SetInstance {
            instance,
            public_ip,
            security_groups,
            source_dest_check,
            ipv6,
        } => {
            let mut parts = Vec::new();
            if !ipv6.trim().is_empty() {
                parts.push(format!("IPv6 address {}", clip(ipv6.trim())));
            }
            if !public_ip.trim().is_empty() {
                parts.push(format!("public address {}", clip(public_ip.trim())));
            }
            if !security_groups.trim().is_empty() {
                parts.push(format!("security groups {}", clip(security_groups.trim())));
            }
            if !source_dest_check.trim().is_empty() {
                parts.push(format!(
                    "source/destination check {}",
                    clip(source_dest_check.trim())
                ));
            }
            format!("{}: {}", clip(instance), parts.join(", "))
        }
        Edit::CreateSecurityGroup { vpc, id, .. } => {
            format!("create security group {} in {}", clip(id), clip(vpc))
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddInstance {
            id,
            subnet,
            security_groups,
            name,
            public_ip,
            os,
        } => add(s, (id, name), subnet, security_groups, (public_ip, os)),
        Edit::RemoveInstance { instance } => {
            let vpc = vpc_of_instance(s, instance)?;
            vpc.instances.retain(|i| i.id != *instance);
            Ok(())
        }
        Edit::SetInstance {
            instance,
            public_ip,
            security_groups,
            source_dest_check,
            ipv6,
        } => set(
            s,
            instance,
            (public_ip, security_groups),
            (source_dest_check, ipv6),
        ),
        Edit::CreateSecurityGroup { vpc, id, name } => create_sg(s, vpc, id, name),
        _ => Ok(()),
    }
}

fn vpc_of_instance<'s>(s: &'s mut Scenario, id: &str) -> Result<&'s mut Vpc, EditError> {
    s.regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.instance(id).is_some())
        .ok_or_else(|| unknown(VpcPart::Instance, id))
}

/// Security group ids typed with commas or spaces between; at least one.
fn parse_groups(typed: &str) -> Result<Vec<String>, EditError> {
    let groups: Vec<String> = typed
        .split([',', ' '])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect();
    if groups.is_empty() {
        return Err(EditError::Parse(
            "an instance needs at least one security group (fact sheet §11)".into(),
        ));
    }
    Ok(groups)
}

/// `none`, `auto` (a fresh address from Amazon's pool) or an Elastic IP.
fn parse_public(s: &Scenario, typed: &str, id: &str) -> Result<PublicIp, EditError> {
    match typed.trim().to_ascii_lowercase().as_str() {
        "" | "none" => Ok(PublicIp::None),
        "auto" => Ok(PublicIp::Auto(auto_address(s, id))),
        other => {
            let ip: Ipv4Addr = other.parse().map_err(|_| {
                EditError::Parse(format!(
                    "public address '{}': type none, auto, or an Elastic IP such as 54.12.0.7",
                    clip(typed.trim())
                ))
            })?;
            if !is_public_v4(ip) {
                return Err(EditError::Parse(format!(
                    "{ip} is a private or reserved address: an Elastic IP is a public IPv4 address (fact sheet §24)"
                )));
            }
            Ok(PublicIp::Elastic(ip))
        }
    }
}

/// An address from Amazon's pool (here 54.240.0.0/16), the first no
/// interface of the scenario holds.
fn auto_address(s: &Scenario, id: &str) -> Ipv4Addr {
    let taken: Vec<Ipv4Addr> = s
        .regions
        .iter()
        .flat_map(|r| {
            r.vpc
                .instances
                .iter()
                .filter(|i| i.id != id)
                .filter_map(|i| i.public_ip.ip())
                .chain(r.alb.nodes.iter().map(|n| n.public_ip))
        })
        .collect();
    (10u32..65_000)
        .map(|n| Ipv4Addr::new(54, 240, (n / 250) as u8, (n % 250 + 1) as u8))
        .find(|a| !taken.contains(a))
        .unwrap_or(Ipv4Addr::new(54, 240, 255, 254))
}

fn add(
    s: &mut Scenario,
    (id, name): (&str, &str),
    subnet: &str,
    groups: &str,
    (public_ip, os): (&str, &str),
) -> Result<(), EditError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(EditError::Parse(
            "an instance needs an id, such as i-web-1".into(),
        ));
    }
    let os = match os.trim().to_ascii_lowercase().as_str() {
        "" | "linux" => InstanceOs::Linux,
        "windows" => InstanceOs::Windows,
        other => {
            return Err(EditError::Parse(format!(
                "operating system '{}': linux or windows",
                clip(other)
            )))
        }
    };
    // No group chosen: the VPC's default security group (fact sheet §11).
    let chosen = if groups.trim().is_empty() {
        None
    } else {
        Some(parse_groups(groups)?)
    };
    let public_ip = parse_public(s, public_ip, id)?;
    let region = s
        .regions
        .iter_mut()
        .find(|r| r.vpc.subnet(subnet).is_some())
        .ok_or_else(|| unknown(VpcPart::Subnet, subnet))?;
    let security_groups = match chosen {
        Some(g) => g,
        None => vec![super::vpc_more::ensure_default_sg(&mut region.vpc)],
    };
    let host = free_host(region, subnet).ok_or_else(|| {
        EditError::Invalid(format!(
            "subnet {} has no free address for another interface",
            clip(subnet)
        ))
    })?;
    region.vpc.instances.push(Instance {
        id: id.to_string(),
        name: if name.trim().is_empty() {
            id.to_string()
        } else {
            name.trim().to_string()
        },
        subnet: subnet.to_string(),
        host,
        public_ip,
        security_groups,
        source_dest_check: true,
        os,
        ipv6: false,
    });
    Ok(())
}

fn on_off(typed: &str, what: &str) -> Result<Option<bool>, EditError> {
    match typed.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "on" | "true" | "enabled" => Ok(Some(true)),
        "off" | "false" | "disabled" => Ok(Some(false)),
        other => Err(EditError::Parse(format!(
            "{what} '{}': on or off",
            clip(other)
        ))),
    }
}

fn set(
    s: &mut Scenario,
    instance: &str,
    (public_ip, groups): (&str, &str),
    (check, ipv6): (&str, &str),
) -> Result<(), EditError> {
    let public = if public_ip.trim().is_empty() {
        None
    } else {
        Some(parse_public(s, public_ip, instance)?)
    };
    let groups = if groups.trim().is_empty() {
        None
    } else {
        Some(parse_groups(groups)?)
    };
    let check = on_off(check, "source/destination check")?;
    let ipv6 = on_off(ipv6, "IPv6 address")?;
    let vpc = vpc_of_instance(s, instance)?;
    let i = vpc
        .instances
        .iter_mut()
        .find(|i| i.id == instance)
        .expect("found above");
    if let Some(p) = public {
        i.public_ip = p;
    }
    if let Some(g) = groups {
        i.security_groups = g;
    }
    if let Some(c) = check {
        i.source_dest_check = c;
    }
    if let Some(on) = ipv6 {
        let subnet = i.subnet.clone();
        i.ipv6 = on;
        if on && vpc.subnet(&subnet).is_some_and(|x| x.ipv6_cidr.is_none()) {
            return Err(EditError::Invalid(format!(
                "{instance}: subnet {subnet} has no IPv6 block, so there is no IPv6 address to give (assign_subnet_ipv6 first; fact sheet §23)"
            )));
        }
    }
    Ok(())
}

fn create_sg(s: &mut Scenario, vpc: &str, id: &str, name: &str) -> Result<(), EditError> {
    let id = id.trim();
    if !id.starts_with("sg-") || id.len() < 4 {
        return Err(EditError::Parse(format!(
            "security group id '{}': ids start with sg-, such as sg-web",
            clip(id)
        )));
    }
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.id == vpc)
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc))?;
    // A VPC with IPv6: AWS adds the same rule for ::/0 (fact sheet §11, §23).
    let ipv6_out = v.ipv6_cidr.map(|_| super::ipv6::all_ipv6_out());
    v.security_groups.push(SecurityGroup {
        id: id.to_string(),
        name: if name.trim().is_empty() {
            id.to_string()
        } else {
            name.trim().to_string()
        },
        inbound: Vec::new(),
        outbound: std::iter::once(SgRule {
            protocol: Protocol::All,
            ports: PortRange::ALL,
            peer: Peer::Cidr("0.0.0.0/0".parse().expect("a CIDR")),
            description: "all outbound (a new group's default)".into(),
        })
        .chain(ipv6_out)
        .collect(),
    });
    Ok(())
}
