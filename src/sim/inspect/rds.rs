//! An RDS database instance and its role.

use super::Row;
use crate::sim::scenario::{DbInstance, Region};
use crate::sim::world::World;

/// A database instance: engine, endpoint, primary or standby.
pub(super) fn instance(w: &World, r: &Region, i: &DbInstance) -> Vec<Row> {
    vec![
        ("engine".into(), r.rds.engine.clone()),
        (
            "endpoint".into(),
            format!("{}:{}", r.rds.endpoint, r.rds.port),
        ),
        (
            "role".into(),
            if w.rds_primary(&r.id) == Some(i.id.as_str()) {
                "primary".into()
            } else {
                "standby (synchronous, not readable)".into()
            },
        ),
    ]
}
