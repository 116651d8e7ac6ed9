//! An RDS database instance: its role, the endpoints of its database and
//! what each reaches, and public access. Fact sheet §15, §29.

use super::Row;
use crate::sim::db::{db_endpoint_address, db_endpoints, public_access_gaps, DbEndpointKind};
use crate::sim::scenario::{DbDeployment, DbInstance, Region};
use crate::sim::world::World;

/// A database instance: engine, deployment, endpoint, role, the names
/// that reach it (none for a Multi-AZ standby), every endpoint of its
/// database (what it reaches, readable, writable, TTL), public access and
/// what it still lacks.
pub(super) fn instance(w: &World, r: &Region, i: &DbInstance) -> Vec<Row> {
    let primary = w.rds_primary(&r.id).unwrap_or_default();
    let replica = r.rds.replicas.iter().any(|x| x.id == i.id);
    let role = if replica {
        "read replica (asynchronous, read-only, its own endpoint)"
    } else if i.id == primary {
        match r.rds.deployment {
            DbDeployment::MultiAzInstance => "primary",
            _ => "writer (primary)",
        }
    } else {
        match r.rds.deployment {
            DbDeployment::MultiAzInstance => "standby (synchronous, not readable)",
            DbDeployment::MultiAzCluster => "reader (readable standby, semisynchronous)",
            DbDeployment::Aurora => "Aurora Replica (reader)",
        }
    };
    let endpoints = db_endpoints(r, primary);
    let reached_by: Vec<&str> = endpoints
        .iter()
        .filter(|e| e.reaches.contains(&i.id))
        .map(|e| e.kind.label())
        .collect();
    let mut rows = vec![
        ("engine".into(), r.rds.engine.clone()),
        ("deployment".into(), r.rds.deployment.label().into()),
        (
            "endpoint".into(),
            format!("{}:{}", r.rds.endpoint, r.rds.port),
        ),
        ("role".into(), role.into()),
        (
            "reached by".into(),
            if reached_by.is_empty() {
                "no endpoint resolves to it: it cannot be connected to (fact sheet §15)".into()
            } else {
                reached_by.join(", ")
            },
        ),
    ];
    for e in &endpoints {
        let access = match (e.readable, e.writable) {
            (_, true) => "reads and writes",
            (true, false) => "reads only",
            _ => "nothing",
        };
        rows.push((
            format!(
                "{}{}",
                e.kind.label(),
                if e.kind == DbEndpointKind::Reader && e.reaches.len() > 1 {
                    " (one per new connection)"
                } else {
                    ""
                }
            ),
            format!(
                "{} -> {} ({access}, TTL {} s)",
                e.name,
                e.reaches.join(", "),
                e.ttl_s
            ),
        ));
    }
    let private = db_endpoint_address(r, i, true)
        .map(|a| a.to_string())
        .unwrap_or_default();
    rows.push((
        "publicly accessible".into(),
        match db_endpoint_address(r, i, false) {
            Some(public) => {
                format!("on: public IP {public} from outside the VPC, private {private} inside")
            }
            None => format!("off: private {private} only"),
        },
    ));
    let gaps = public_access_gaps(w.scenario(), &r.id);
    if gaps.is_empty() {
        rows.push((
            "public access".into(),
            "nothing missing: reachable from the internet (fact sheet §29)".into(),
        ));
    }
    for g in gaps {
        rows.push(("public access needs".into(), g.explain()));
    }
    rows
}
