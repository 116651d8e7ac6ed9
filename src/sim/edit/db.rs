//! The database's deployment and endpoints as edits: `set_db_deployment`
//! (Multi-AZ DB instance, Multi-AZ DB cluster, Aurora), `add_db_reader` /
//! `remove_db_reader` (an Aurora Replica or a Multi-AZ DB instance's read
//! replica), `set_db_routing` (which endpoint a Service's application
//! sends its reads and writes to) and `set_db_public` ("publicly
//! accessible", with the public IPs it gives). Fact sheet §15, §29.

use super::scale::{free_host, subnet_full};
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::db::derived_public_ip;
use crate::sim::limits::*;
use crate::sim::net::Tier;
use crate::sim::scenario::{DbDeployment, DbInstance, DbRoute, DbRouting, Region, Scenario};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetDbDeployment { region, deployment } => {
            format!(
                "{}: database deployment {}",
                clip(region),
                clip(deployment.trim())
            )
        }
        Edit::AddDbReader { region, subnet } => {
            format!("{}: database reader in {}", clip(region), clip(subnet))
        }
        Edit::RemoveDbReader { region, instance } => {
            format!(
                "{}: remove database reader {}",
                clip(region),
                clip(instance)
            )
        }
        Edit::SetDbRouting { service, route } => {
            format!("{}: database routing {}", clip(service), clip(route.trim()))
        }
        Edit::SetDbPublic {
            region,
            publicly_accessible,
        } => format!(
            "{}: database publicly accessible {}",
            clip(region),
            if *publicly_accessible { "on" } else { "off" }
        ),
        _ => String::new(),
    }
}

fn region_mut<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Region, EditError> {
    s.regions
        .iter_mut()
        .find(|r| r.id == id.trim())
        .ok_or_else(|| unknown(VpcPart::Region, id))
}

/// A new instance id of the database: `rds-a-3`, the first number free.
fn new_id(r: &Region) -> String {
    let taken = |id: &str| r.rds.all_instances().any(|i| i.id == id);
    (1..)
        .map(|n| format!("{}-{n}", r.rds.id))
        .find(|id| !taken(id))
        .expect("a free number")
}

/// A new instance at the first free address of `subnet`.
fn new_instance(r: &Region, subnet: &str) -> Result<DbInstance, EditError> {
    if r.vpc.subnet(subnet).is_none() {
        return Err(unknown(VpcPart::Subnet, subnet));
    }
    let host = free_host(r, subnet).ok_or_else(|| subnet_full(r, subnet))?;
    let n = r.rds.all_instances().count();
    Ok(DbInstance {
        id: new_id(r),
        subnet: subnet.to_string(),
        host,
        public_ip: r.rds.publicly_accessible.then(|| derived_public_ip(r, n)),
    })
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::SetDbDeployment { region, deployment } => {
            let kind = DbDeployment::parse(deployment).ok_or_else(|| {
                EditError::Parse(format!(
                    "'{}' is not a database deployment: write multi_az_instance, multi_az_cluster or aurora",
                    clip(deployment.trim())
                ))
            })?;
            let r = region_mut(s, region)?;
            set_deployment(r, kind)
        }
        Edit::AddDbReader { region, subnet } => {
            let r = region_mut(s, region)?;
            let inst = new_instance(r, subnet.trim())?;
            match r.rds.deployment {
                DbDeployment::MultiAzCluster => Err(EditError::Invalid(format!(
                    "{} is a Multi-AZ DB cluster: a writer and exactly two readable standbys; use Aurora for more readers (fact sheet §29)",
                    r.rds.id
                ))),
                DbDeployment::Aurora => {
                    r.rds.instances.push(inst);
                    Ok(())
                }
                DbDeployment::MultiAzInstance => {
                    r.rds.replicas.push(inst);
                    Ok(())
                }
            }
        }
        Edit::RemoveDbReader { region, instance } => {
            let r = region_mut(s, region)?;
            let id = instance.trim();
            if let Some(pos) = r.rds.replicas.iter().position(|i| i.id == id) {
                r.rds.replicas.remove(pos);
                return Ok(());
            }
            let Some(pos) = r.rds.instances.iter().position(|i| i.id == id) else {
                return Err(EditError::Unknown {
                    part: VpcPart::Region,
                    id: format!("database instance {}", clip(id)),
                });
            };
            match r.rds.deployment {
                _ if pos == 0 => Err(EditError::Invalid(format!(
                    "{id} is the database's first instance, where it starts as the writer; remove a reader instead"
                ))),
                DbDeployment::Aurora => {
                    r.rds.instances.remove(pos);
                    Ok(())
                }
                DbDeployment::MultiAzCluster => Err(EditError::Invalid(format!(
                    "{} is a Multi-AZ DB cluster: its two readable standbys stay (fact sheet §29)",
                    r.rds.id
                ))),
                DbDeployment::MultiAzInstance => Err(EditError::Invalid(format!(
                    "{id} is the Multi-AZ standby, not a reader: it serves no reads (fact sheet §15)"
                ))),
            }
        }
        Edit::SetDbRouting { service, route } => {
            let routing = DbRouting::parse(route).ok_or_else(|| {
                EditError::Parse(format!(
                    "'{}' is not a database routing: write writer, reads_to_reader or all_to_reader",
                    clip(route.trim())
                ))
            })?;
            let cluster = s
                .regions
                .iter_mut()
                .map(|r| &mut r.cluster)
                .find(|c| c.services.iter().any(|v| v.id == *service))
                .ok_or_else(|| unknown(VpcPart::Service, service))?;
            cluster.db_routes.retain(|d| d.service != *service);
            // The default is no entry: the scenario file stays as it was.
            if routing != DbRouting::Writer {
                cluster.db_routes.push(DbRoute {
                    service: service.clone(),
                    route: routing,
                });
            }
            Ok(())
        }
        Edit::SetDbPublic {
            region,
            publicly_accessible,
        } => {
            let r = region_mut(s, region)?;
            r.rds.publicly_accessible = *publicly_accessible;
            let ips: Vec<_> = (0..r.rds.all_instances().count())
                .map(|n| publicly_accessible.then(|| derived_public_ip(r, n)))
                .collect();
            for (i, ip) in r
                .rds
                .instances
                .iter_mut()
                .chain(r.rds.replicas.iter_mut())
                .zip(ips)
            {
                i.public_ip = ip;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Change the deployment: a Multi-AZ DB cluster gets its writer and two
/// readable standbys in three AZs (new instances in data subnets of AZs
/// it does not use yet); a Multi-AZ DB instance keeps at most one standby.
/// Fact sheet §15, §29.
fn set_deployment(r: &mut Region, kind: DbDeployment) -> Result<(), EditError> {
    let n = r.rds.instances.len();
    match kind {
        DbDeployment::MultiAzInstance if n > MULTI_AZ_INSTANCE_MAX => {
            return Err(EditError::Invalid(format!(
                "{} has {n} instances; a Multi-AZ DB instance has a primary and one standby: remove readers first (fact sheet §15)",
                r.rds.id
            )))
        }
        DbDeployment::MultiAzCluster if n > MULTI_AZ_CLUSTER_INSTANCES => {
            return Err(EditError::Invalid(format!(
                "{} has {n} instances; a Multi-AZ DB cluster has a writer and two readable standbys: remove readers first (fact sheet §29)",
                r.rds.id
            )))
        }
        DbDeployment::MultiAzCluster => {
            while r.rds.instances.len() < MULTI_AZ_CLUSTER_INSTANCES {
                let used: Vec<String> = r
                    .rds
                    .instances
                    .iter()
                    .filter_map(|i| r.vpc.subnet(&i.subnet).map(|s| s.az.clone()))
                    .collect();
                let Some(sub) = r
                    .vpc
                    .subnets
                    .iter()
                    .find(|s| s.tier == Tier::Data && !used.contains(&s.az))
                    .map(|s| s.id.clone())
                else {
                    return Err(EditError::Invalid(format!(
                        "a Multi-AZ DB cluster needs its writer and two readers in three Availability Zones, and {}'s data subnets cover {} (fact sheet §29)",
                        r.id,
                        used.len()
                    )));
                };
                let inst = new_instance(r, &sub)?;
                r.rds.instances.push(inst);
            }
        }
        _ => {}
    }
    r.rds.deployment = kind;
    Ok(())
}
