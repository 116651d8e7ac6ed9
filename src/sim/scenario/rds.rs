//! The RDS database a region runs: its instances (primary and standby)
//! and read replicas. Fact sheet §15.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rds {
    pub id: String,
    pub engine: String,
    pub endpoint: String,
    pub port: u16,
    pub instances: Vec<DbInstance>,
    pub security_groups: Vec<String>,
    /// Read replicas: asynchronous, read-only, their own endpoint; the app
    /// sends reads there when there are any. Fact sheet §15.
    #[serde(default)]
    pub replicas: Vec<DbInstance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    pub id: String,
    pub subnet: String,
    pub host: u32,
}
