//! The rest of the VPC as edits: secondary CIDRs (§10), the main route
//! table and implicit associations (§10), network ACLs and the default
//! one (§12), peering connections (§21), gateway and interface endpoints
//! (§22).

use super::{routes::new_id, unknown, Edit, EditError, VpcPart};
use crate::sim::net::*;
use crate::sim::scenario::{overlapping_blocks, secondary_refusal, Scenario};
use crate::sim::text::clip;
use ipnet::IpNet;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddVpcCidr { vpc, cidr } => format!("{vpc}: add CIDR {}", clip(cidr.trim())),
        Edit::RemoveVpcCidr { vpc, cidr } => format!("{vpc}: remove CIDR {}", clip(cidr.trim())),
        Edit::SetMainRouteTable { route_table } => {
            format!("{}: make it the main route table", clip(route_table.trim()))
        }
        Edit::DisassociateRouteTable { subnet } => {
            format!("{}: use the main route table", clip(subnet.trim()))
        }
        Edit::CreateNacl { id, vpc } => format!("{vpc}: create network ACL {}", clip(id.trim())),
        Edit::DeleteNacl { id } => format!("delete network ACL {}", clip(id.trim())),
        Edit::AssociateNacl { subnet, nacl } => {
            format!(
                "{}: use network ACL {}",
                clip(subnet.trim()),
                clip(nacl.trim())
            )
        }
        Edit::DisassociateNacl { subnet } => {
            format!("{}: use the default network ACL", clip(subnet.trim()))
        }
        Edit::CreatePeering {
            id,
            requester_vpc,
            accepter_vpc,
        } => format!(
            "request peering {} from {} to {}",
            clip(id.trim()),
            clip(requester_vpc.trim()),
            clip(accepter_vpc.trim())
        ),
        Edit::AcceptPeering { id } => format!("accept peering {}", clip(id.trim())),
        Edit::DeletePeering { id } => format!("delete peering {}", clip(id.trim())),
        Edit::SetPeeringDns {
            id,
            requester,
            accepter,
        } => {
            let side = |t: &str| {
                if t.trim().is_empty() {
                    "unchanged".to_string()
                } else {
                    clip(t.trim()).to_string()
                }
            };
            format!(
                "peering {}: DNS resolution requester {}, accepter {}",
                clip(id.trim()),
                side(requester),
                side(accepter)
            )
        }
        Edit::CreateGatewayEndpoint {
            id,
            vpc,
            route_tables,
        } => format!(
            "{vpc}: create S3 gateway endpoint {} for {}",
            clip(id.trim()),
            clip(route_tables.trim())
        ),
        Edit::CreateInterfaceEndpoint {
            id, vpc, service, ..
        } => format!(
            "{vpc}: create interface endpoint {} for {}",
            clip(id.trim()),
            clip(service.trim())
        ),
        Edit::DeleteEndpoint { id } => format!("delete endpoint {}", clip(id.trim())),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddVpcCidr { vpc, cidr } => add_cidr(s, vpc, cidr),
        Edit::RemoveVpcCidr { vpc, cidr } => remove_cidr(s, vpc, cidr),
        Edit::SetMainRouteTable { route_table } => set_main(s, route_table),
        Edit::DisassociateRouteTable { subnet } => {
            let (v, i) = subnet_mut(s, subnet)?;
            v.subnets[i].route_table = None;
            Ok(())
        }
        Edit::CreateNacl { id, vpc } => create_nacl(s, id, vpc),
        Edit::DeleteNacl { id } => delete_nacl(s, id),
        Edit::AssociateNacl { subnet, nacl } => associate_nacl(s, subnet, nacl),
        Edit::DisassociateNacl { subnet } => {
            let (v, i) = subnet_mut(s, subnet)?;
            let acl = ensure_default_nacl(v);
            v.subnets[i].nacl = acl;
            Ok(())
        }
        Edit::CreatePeering {
            id,
            requester_vpc,
            accepter_vpc,
        } => create_peering(s, id, requester_vpc, accepter_vpc),
        Edit::AcceptPeering { id } => accept_peering(s, id),
        Edit::DeletePeering { id } => {
            let p = peering_mut(s, id)?;
            if p.status == PeeringStatus::Deleted {
                return Err(EditError::Invalid(format!(
                    "peering connection {} is already deleted",
                    p.id
                )));
            }
            // Routes that name it stay, as blackholes (§21).
            p.status = PeeringStatus::Deleted;
            p.requester_dns = false;
            p.accepter_dns = false;
            Ok(())
        }
        Edit::SetPeeringDns {
            id,
            requester,
            accepter,
        } => {
            let on = |t: &str, now: bool| match t.trim().to_ascii_lowercase().as_str() {
                "" => Ok(now),
                "on" | "true" => Ok(true),
                "off" | "false" => Ok(false),
                other => Err(EditError::Parse(format!(
                    "'{}' is not a DNS resolution setting: use on or off",
                    clip(other)
                ))),
            };
            let p = peering_mut(s, id)?;
            let (r, a) = (
                on(requester, p.requester_dns)?,
                on(accepter, p.accepter_dns)?,
            );
            if !p.is_active() {
                return Err(EditError::Invalid(format!(
                    "peering connection {} is {}: DNS resolution can be enabled only on an active connection (fact sheet §21)",
                    p.id,
                    p.status.as_str()
                )));
            }
            p.requester_dns = r;
            p.accepter_dns = a;
            Ok(())
        }
        Edit::CreateGatewayEndpoint {
            id,
            vpc,
            route_tables,
        } => create_gateway_endpoint(s, id, vpc, route_tables),
        Edit::CreateInterfaceEndpoint {
            id,
            vpc,
            service,
            subnets,
            security_groups,
            private_dns,
        } => create_interface_endpoint(
            s,
            (id, vpc, service),
            (subnets, security_groups, private_dns),
        ),
        Edit::DeleteEndpoint { id } => delete_endpoint(s, id),
        _ => Ok(()),
    }
}

fn vpc_mut<'a>(s: &'a mut Scenario, vpc: &str) -> Result<&'a mut Vpc, EditError> {
    s.regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.id == vpc.trim())
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc.trim()))
}

fn subnet_mut<'a>(s: &'a mut Scenario, subnet: &str) -> Result<(&'a mut Vpc, usize), EditError> {
    let id = subnet.trim();
    s.regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find_map(|v| {
            let i = v.subnets.iter().position(|x| x.id == id)?;
            Some((v, i))
        })
        .ok_or_else(|| unknown(VpcPart::Subnet, id))
}

/// Add a secondary block: every rule of §10 (size, overlap, RFC 1918
/// mixing, the restricted block, the quota — checked with the scenario),
/// and not equal to or larger than a route destination already in the
/// VPC's tables; then its `local` route in every table.
fn add_cidr(s: &mut Scenario, vpc: &str, cidr: &str) -> Result<(), EditError> {
    let n = parse_cidr(cidr).map_err(EditError::Parse)?;
    let v = vpc_mut(s, vpc)?;
    if let Some(why) = secondary_refusal(&v.cidr, &v.secondary_cidrs, &n) {
        return Err(EditError::Invalid(format!("{}: {why}", v.id)));
    }
    for t in &v.route_tables {
        if let Some(r) = t
            .routes
            .iter()
            .find(|r| IpNet::V4(n).contains(&r.destination))
        {
            return Err(EditError::Invalid(format!(
                "{}: CIDR {n} is equal to or larger than the destination {} of a route in {}: a new VPC block cannot cover an existing route (fact sheet §10)",
                v.id, r.destination, t.id
            )));
        }
    }
    if v.secondary_cidrs.len() >= crate::sim::limits::MAX_SECONDARY_CIDRS {
        return Err(EditError::Invalid(format!(
            "{}: it already has {} secondary CIDRs, the quota per VPC (AWS raises it to 50; fact sheet §10)",
            v.id,
            v.secondary_cidrs.len()
        )));
    }
    v.secondary_cidrs.push(n);
    for t in &mut v.route_tables {
        t.routes.push(Route {
            destination: n.into(),
            target: RouteTarget::Local,
        });
    }
    Ok(())
}

/// Remove a secondary block no subnet uses, with its `local` routes; the
/// primary stays. Fact sheet §10.
fn remove_cidr(s: &mut Scenario, vpc: &str, cidr: &str) -> Result<(), EditError> {
    let n = parse_cidr(cidr).map_err(EditError::Parse)?;
    let v = vpc_mut(s, vpc)?;
    if n == v.cidr {
        return Err(EditError::Invalid(format!(
            "{}: {n} is the primary CIDR, which cannot be removed (fact sheet §10)",
            v.id
        )));
    }
    if !v.secondary_cidrs.contains(&n) {
        return Err(EditError::Invalid(format!(
            "{} has no secondary CIDR {n}",
            v.id
        )));
    }
    let users: Vec<&str> = v
        .subnets
        .iter()
        .filter(|x| n.contains(&x.cidr))
        .map(|x| x.id.as_str())
        .collect();
    if !users.is_empty() {
        return Err(EditError::Invalid(format!(
            "{}: CIDR {n} still holds {}: delete or move those subnets first (fact sheet §10)",
            v.id,
            users.join(", ")
        )));
    }
    v.secondary_cidrs.retain(|x| *x != n);
    for t in &mut v.route_tables {
        t.routes
            .retain(|r| !(r.destination == IpNet::V4(n) && r.target == RouteTarget::Local));
    }
    Ok(())
}

fn set_main(s: &mut Scenario, table: &str) -> Result<(), EditError> {
    let id = table.trim();
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.route_table(id).is_some())
        .ok_or_else(|| unknown(VpcPart::RouteTable, id))?;
    v.main_route_table = Some(id.to_string());
    Ok(())
}

/// The VPC's default network ACL (rule 100 allow all in and out, then
/// `*`), created the first time it is needed. Fact sheet §12.
pub(crate) fn ensure_default_nacl(v: &mut Vpc) -> String {
    if let Some(id) = &v.default_nacl {
        return id.clone();
    }
    let id = format!("acl-default-{}", v.suffix());
    let all = || NaclRule {
        number: 100,
        protocol: Protocol::All,
        ports: PortRange::ALL,
        cidr: "0.0.0.0/0"
            .parse::<ipnet::Ipv4Net>()
            .expect("constant")
            .into(),
        action: RuleAction::Allow,
    };
    v.nacls.push(Nacl {
        id: id.clone(),
        name: "default".into(),
        inbound: vec![all()],
        outbound: vec![all()],
    });
    v.default_nacl = Some(id.clone());
    id
}

/// The VPC's default security group (all traffic from its own members,
/// all traffic out), created the first time it is needed. Fact sheet §11.
pub(crate) fn ensure_default_sg(v: &mut Vpc) -> String {
    if let Some(id) = &v.default_sg {
        return id.clone();
    }
    let id = format!("sg-default-{}", v.suffix());
    v.security_groups.push(SecurityGroup {
        id: id.clone(),
        name: "default".into(),
        inbound: vec![SgRule {
            protocol: Protocol::All,
            ports: PortRange::ALL,
            peer: Peer::Sg(id.clone()),
            description: "all from members of the default group".into(),
        }],
        outbound: vec![SgRule {
            protocol: Protocol::All,
            ports: PortRange::ALL,
            peer: Peer::Cidr(
                "0.0.0.0/0"
                    .parse::<ipnet::Ipv4Net>()
                    .expect("constant")
                    .into(),
            ),
            description: "all".into(),
        }],
    });
    v.default_sg = Some(id.clone());
    id
}

/// A custom network ACL: only the `*` deny rules, associated with no
/// subnet. Fact sheet §12.
fn create_nacl(s: &mut Scenario, id: &str, vpc: &str) -> Result<(), EditError> {
    let id = new_id(id, "network ACL")?;
    if s.regions.iter().any(|r| r.vpc.nacl(&id).is_some()) {
        return Err(EditError::Exists {
            part: VpcPart::NetworkAcl,
            id,
        });
    }
    let v = vpc_mut(s, vpc)?;
    v.nacls.push(Nacl {
        id,
        name: String::new(),
        inbound: Vec::new(),
        outbound: Vec::new(),
    });
    Ok(())
}

/// Delete a network ACL no subnet uses; the default one stays. §12.
fn delete_nacl(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let id = id.trim();
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.nacl(id).is_some())
        .ok_or_else(|| unknown(VpcPart::NetworkAcl, id))?;
    if v.is_default_nacl(id) {
        return Err(EditError::DefaultKept {
            part: VpcPart::NetworkAcl,
            why: "of a VPC cannot be deleted (fact sheet §12)",
        });
    }
    let users: Vec<&str> = v
        .subnets
        .iter()
        .filter(|x| x.nacl == id)
        .map(|x| x.id.as_str())
        .collect();
    if !users.is_empty() {
        return Err(EditError::Invalid(format!(
            "network ACL {id} is still associated with {}: every subnet has exactly one network ACL, so associate another first (fact sheet §12)",
            users.join(", ")
        )));
    }
    v.nacls.retain(|n| n.id != id);
    Ok(())
}

fn associate_nacl(s: &mut Scenario, subnet: &str, nacl: &str) -> Result<(), EditError> {
    let (v, i) = subnet_mut(s, subnet)?;
    let acl = nacl.trim();
    if v.nacl(acl).is_none() {
        return Err(EditError::NotInVpc {
            part: VpcPart::NetworkAcl,
            id: acl.to_string(),
            vpc: v.id.clone(),
        });
    }
    v.subnets[i].nacl = acl.to_string();
    Ok(())
}

fn peering_mut<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Peering, EditError> {
    let id = id.trim();
    s.peerings
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| unknown(VpcPart::Peering, id))
}

/// Request a peering: `pending-acceptance`, or `failed` straight away
/// when the two VPCs' blocks overlap (what AWS shows). At most one
/// between the same two VPCs; the quota is checked with the scenario.
/// Fact sheet §21.
fn create_peering(
    s: &mut Scenario,
    id: &str,
    requester: &str,
    accepter: &str,
) -> Result<(), EditError> {
    let id = id.trim();
    if !id.starts_with("pcx-") || id.len() < 5 || id.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not a peering connection id: write one like pcx-ab",
            clip(id)
        )));
    }
    if s.peering(id).is_some() {
        return Err(EditError::Exists {
            part: VpcPart::Peering,
            id: id.to_string(),
        });
    }
    let find = |v: &str| {
        s.regions
            .iter()
            .map(|r| &r.vpc)
            .find(|x| x.id == v.trim())
            .ok_or_else(|| unknown(VpcPart::Vpc, v.trim()))
    };
    let (a, b) = (find(requester)?, find(accepter)?);
    if a.id == b.id {
        return Err(EditError::Invalid(format!(
            "{}: a VPC cannot peer with itself (fact sheet §21)",
            a.id
        )));
    }
    if let Some(p) = s
        .peerings
        .iter()
        .find(|p| p.status.counts() && p.joins(&a.id) && p.joins(&b.id))
    {
        return Err(EditError::Invalid(format!(
            "{} and {} already have peering connection {} ({}): at most one between the same two VPCs (fact sheet §21)",
            a.id,
            b.id,
            p.id,
            p.status.as_str()
        )));
    }
    let status = if overlapping_blocks(a, b).is_empty() {
        PeeringStatus::PendingAcceptance
    } else {
        PeeringStatus::Failed
    };
    let (a, b) = (a.id.clone(), b.id.clone());
    s.peerings.push(Peering {
        id: id.to_string(),
        requester_vpc: a,
        accepter_vpc: b,
        status,
        requester_dns: false,
        accepter_dns: false,
    });
    Ok(())
}

fn accept_peering(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let p = peering_mut(s, id)?;
    if p.status != PeeringStatus::PendingAcceptance {
        return Err(EditError::Invalid(format!(
            "peering connection {} is {}: only a pending-acceptance request can be accepted (fact sheet §21)",
            p.id,
            p.status.as_str()
        )));
    }
    p.status = PeeringStatus::Active;
    Ok(())
}

/// A new endpoint id: `vpce-…`, used nowhere yet.
fn endpoint_id(s: &Scenario, id: &str) -> Result<String, EditError> {
    let id = id.trim();
    if !id.starts_with("vpce-") || id.len() < 6 || id.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not an endpoint id: write one like vpce-s3-a",
            clip(id)
        )));
    }
    let taken = s
        .regions
        .iter()
        .any(|r| r.vpc.gateway_endpoint(id).is_some() || r.vpc.interface_endpoint(id).is_some());
    if taken {
        return Err(EditError::Exists {
            part: VpcPart::Endpoint,
            id: id.to_string(),
        });
    }
    Ok(id.to_string())
}

/// Words separated by commas or spaces.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// An S3 gateway endpoint and, in each chosen route table, AWS's route
/// for each range of S3's prefix list in the Region. Fact sheet §22.
fn create_gateway_endpoint(
    s: &mut Scenario,
    id: &str,
    vpc: &str,
    route_tables: &str,
) -> Result<(), EditError> {
    let id = endpoint_id(s, id)?;
    let r = s
        .regions
        .iter_mut()
        .find(|r| r.vpc.id == vpc.trim())
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc.trim()))?;
    let pl = s3_prefix_list(&r.id).ok_or_else(|| {
        EditError::Invalid(format!("the model knows no S3 prefix list in {}", r.id))
    })?;
    let tables = words(route_tables);
    let v = &mut r.vpc;
    for t in &tables {
        if v.route_table(t).is_none() {
            return Err(EditError::NotInVpc {
                part: VpcPart::RouteTable,
                id: t.clone(),
                vpc: v.id.clone(),
            });
        }
        if let Some(e) = v
            .gateway_endpoints
            .iter()
            .find(|e| e.route_tables.contains(t))
        {
            return Err(EditError::Invalid(format!(
                "route table {t} already has S3 gateway endpoint {}: one endpoint route per service per table (fact sheet §22)",
                e.id
            )));
        }
    }
    for t in v.route_tables.iter_mut().filter(|t| tables.contains(&t.id)) {
        for n in pl.nets() {
            if let Some(r) = t.routes.iter().find(|r| r.destination == IpNet::V4(n)) {
                return Err(EditError::Invalid(format!(
                    "route table {}: route {} -> {} has the destination of a range of {}: delete it first",
                    t.id, r.destination, r.target, pl.id
                )));
            }
            t.routes.push(Route {
                destination: n.into(),
                target: RouteTarget::Endpoint(id.clone()),
            });
        }
    }
    v.gateway_endpoints.push(GatewayEndpoint {
        id,
        service: "s3".into(),
        route_tables: tables,
    });
    Ok(())
}

/// An interface endpoint: an ENI at the first free address of each chosen
/// subnet (one per AZ), the chosen security groups or the VPC's default
/// one, private DNS on or off. Fact sheet §22.
fn create_interface_endpoint(
    s: &mut Scenario,
    (id, vpc, service): (&str, &str, &str),
    (subnets, groups, private_dns): (&str, &str, &str),
) -> Result<(), EditError> {
    let id = endpoint_id(s, id)?;
    let service = service.trim();
    if service.is_empty() || service.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not a service name: write one like com.amazonaws.us-east-1.sqs",
            clip(service)
        )));
    }
    let private_dns = match private_dns.trim().to_ascii_lowercase().as_str() {
        "" | "on" | "true" | "yes" => true,
        "off" | "false" | "no" => false,
        other => {
            return Err(EditError::Parse(format!(
                "'{}' is not a private DNS setting: use on or off",
                clip(other)
            )))
        }
    };
    let subnets = words(subnets);
    let mut groups = words(groups);
    let r = s
        .regions
        .iter_mut()
        .find(|r| r.vpc.id == vpc.trim())
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc.trim()))?;
    for x in &subnets {
        if r.vpc.subnet(x).is_none() {
            return Err(EditError::NotInVpc {
                part: VpcPart::Subnet,
                id: x.clone(),
                vpc: r.vpc.id.clone(),
            });
        }
    }
    // One host number for the ENI in every chosen subnet: the first one
    // free in all of them.
    let host = (4..256u32).find(|h| {
        subnets.iter().all(|x| {
            r.vpc.subnet(x).is_some_and(|sub| sub.host(*h).is_some())
                && !super::scale::used_hosts(r, x).contains(h)
        })
    });
    let Some(host) = host.or(if subnets.is_empty() { Some(4) } else { None }) else {
        return Err(EditError::Invalid(format!(
            "interface endpoint {id}: no address is free in all of {}",
            subnets.join(", ")
        )));
    };
    if groups.is_empty() {
        groups.push(ensure_default_sg(&mut r.vpc));
    }
    r.vpc.interface_endpoints.push(InterfaceEndpoint {
        id,
        service: service.to_string(),
        subnets,
        host,
        security_groups: groups,
        private_dns,
    });
    Ok(())
}

/// Delete a gateway endpoint (its routes go with it) or an interface
/// endpoint. Fact sheet §22.
fn delete_endpoint(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let id = id.trim();
    for r in &mut s.regions {
        let v = &mut r.vpc;
        if v.gateway_endpoint(id).is_some() {
            v.gateway_endpoints.retain(|e| e.id != id);
            for t in &mut v.route_tables {
                t.routes
                    .retain(|x| x.target != RouteTarget::Endpoint(id.to_string()));
            }
            return Ok(());
        }
        if v.interface_endpoint(id).is_some() {
            v.interface_endpoints.retain(|e| e.id != id);
            return Ok(());
        }
    }
    Err(unknown(VpcPart::Endpoint, id))
}
