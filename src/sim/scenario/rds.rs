//! The RDS database a region runs: its deployment (Multi-AZ DB instance,
//! Multi-AZ DB cluster or Aurora), its instances (the primary and its
//! standby or readers), read replicas and public access. Fact sheet §15,
//! §29.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rds {
    pub id: String,
    pub engine: String,
    /// The writer endpoint (a Multi-AZ DB instance's one endpoint, a
    /// cluster's `cluster` endpoint): always the current primary.
    pub endpoint: String,
    pub port: u16,
    /// The primary first, then its standby (Multi-AZ DB instance) or its
    /// readers (Multi-AZ DB cluster: two readable standbys; Aurora: its
    /// replicas, in promotion-tier order). Fact sheet §15, §29.
    pub instances: Vec<DbInstance>,
    pub security_groups: Vec<String>,
    /// Read replicas: asynchronous, read-only, their own endpoint; the app
    /// sends reads there when there are any. Fact sheet §15.
    #[serde(default)]
    pub replicas: Vec<DbInstance>,
    /// How the instances are deployed; a Multi-AZ DB instance (one
    /// standby, not readable, one endpoint) when absent. Fact sheet §29.
    #[serde(default, skip_serializing_if = "DbDeployment::is_default")]
    pub deployment: DbDeployment,
    /// "Publicly accessible": every instance then has a public IP
    /// (`DbInstance::public_ip`) besides its private one; the endpoint
    /// resolves to the private address inside the VPC and the public one
    /// outside. Fact sheet §29 (public access).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publicly_accessible: bool,
}

/// How an RDS database is deployed. Fact sheet §15, §29.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbDeployment {
    /// One synchronous standby in another AZ that serves no reads; one
    /// endpoint, flipped to the standby by a failover (60-120 s).
    #[default]
    MultiAzInstance,
    /// A writer and two readable standbys: a cluster (writer) endpoint and
    /// a reader `-ro` endpoint; failover under 35 s.
    MultiAzCluster,
    /// Aurora: a writer and up to 15 replicas; the reader endpoint
    /// balances each new connection among the replicas (the writer when
    /// there are none); failover under 60 s.
    Aurora,
}

impl DbDeployment {
    pub fn is_default(&self) -> bool {
        *self == DbDeployment::MultiAzInstance
    }

    /// The name in scenario files and edits.
    pub fn name(self) -> &'static str {
        match self {
            DbDeployment::MultiAzInstance => "multi_az_instance",
            DbDeployment::MultiAzCluster => "multi_az_cluster",
            DbDeployment::Aurora => "aurora",
        }
    }

    /// What a learner reads.
    pub fn label(self) -> &'static str {
        match self {
            DbDeployment::MultiAzInstance => "Multi-AZ DB instance",
            DbDeployment::MultiAzCluster => "Multi-AZ DB cluster",
            DbDeployment::Aurora => "Aurora DB cluster",
        }
    }

    pub const ALL: [DbDeployment; 3] = [
        DbDeployment::MultiAzInstance,
        DbDeployment::MultiAzCluster,
        DbDeployment::Aurora,
    ];

    pub fn parse(s: &str) -> Option<DbDeployment> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        DbDeployment::ALL.into_iter().find(|d| d.name() == s)
    }

    /// Whether the non-primary instances are readers behind a reader
    /// endpoint (a cluster) rather than a standby no endpoint reaches.
    pub fn has_reader_endpoint(self) -> bool {
        self != DbDeployment::MultiAzInstance
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    pub id: String,
    pub subnet: String,
    pub host: u32,
    /// Its public IPv4 address, set exactly when the database is publicly
    /// accessible (`set_db_public` gives `PUBLIC_DB_PREFIX.(10 + n)`, n the
    /// instance's position among instances then replicas). Fact sheet §29.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}

/// The TTL of an RDS endpoint's DNS records, seconds. Fact sheet §29.
pub const DB_ENDPOINT_TTL_S: u32 = 5;
/// The TTL of the reader (`cluster-ro`) endpoint's record, seconds.
/// Fact sheet §29.
pub const DB_READER_ENDPOINT_TTL_S: u32 = 1;

impl Rds {
    /// The reader endpoint's name (`appdb.cluster-ro-c9x2k1.…`): none for
    /// a Multi-AZ DB instance, whose standby no endpoint reaches.
    /// Fact sheet §29.
    pub fn reader_endpoint(&self) -> Option<String> {
        self.deployment
            .has_reader_endpoint()
            .then(|| self.reader_endpoint_name())
    }

    /// The `cluster-ro` name a reader endpoint has (or would have: an
    /// application configured with it on a Multi-AZ DB instance asks for a
    /// name that does not exist).
    pub fn reader_endpoint_name(&self) -> String {
        let (first, rest) = self
            .endpoint
            .split_once('.')
            .unwrap_or((self.endpoint.as_str(), ""));
        let rest = rest.strip_prefix("cluster-").unwrap_or(rest);
        format!("{first}.cluster-ro-{rest}")
    }

    /// Whether the engine is MySQL-compatible (MySQL, MariaDB, Aurora
    /// MySQL), which decides the error a read-only instance gives.
    pub fn is_mysql(&self) -> bool {
        let e = self.engine.to_ascii_lowercase();
        e.contains("mysql") || e.contains("mariadb")
    }

    /// Every instance and read replica.
    pub fn all_instances(&self) -> impl Iterator<Item = &DbInstance> {
        self.instances.iter().chain(&self.replicas)
    }
}
