//! The Kubernetes cluster a region runs: worker nodes, the Ingress,
//! Services and pods. Fact sheet §13, §14.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    pub ingress: Ingress,
    pub services: Vec<Service>,
    pub pods: Vec<Pod>,
    /// Worker nodes (EC2 instances); each pod runs on one.
    #[serde(default)]
    pub nodes: Vec<K8sNode>,
    /// Seconds the application keeps the database endpoint's address once
    /// resolved (the JVM's `networkaddress.cache.ttl`, for example); 0 asks
    /// the VPC resolver on every query. AWS recommends at most 60 s, or a
    /// Multi-AZ failover stays invisible longer. Fact sheet §1, §15.
    #[serde(default)]
    pub app_dns_cache_s: u32,
    /// Paths the application answers with a fixed status instead of its
    /// usual page (`/` → 404: nothing there; `/old` → 302), health checks
    /// included. Fact sheet §8.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_answers: Vec<AppPathAnswer>,
    /// How long the application keeps an idle connection from the ALB open
    /// (Node.js `server.keepAliveTimeout`, for example). Shorter than the
    /// ALB's idle timeout, the target may close a connection the ALB is
    /// about to reuse: a 502. Default 75 s, above the ALB's 60 s as AWS
    /// advises. Fact sheet §8, §26.
    #[serde(default = "default_app_keep_alive")]
    pub app_keep_alive_s: u32,
    /// How long the application behind a Service works on a request
    /// before it answers, beyond its usual few milliseconds (a slow query
    /// plan, a cold cache, a busy runtime); none listed: no extra time.
    /// The health endpoint answers at once. A delay the ALB's idle timeout
    /// or CloudFront's response timeout runs out on ends as that timeout.
    /// Fact sheet §16 ("+ server time"), §8, §26.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_delays: Vec<AppDelay>,
    /// Connections each pod's application keeps open to the database (its
    /// connection pool): a query on a pooled one skips the handshakes; 0
    /// keeps none. Default 10. Fact sheet §15, §26.
    #[serde(
        default = "default_db_pool",
        skip_serializing_if = "is_default_db_pool"
    )]
    pub db_pool_size: u32,
    /// Which database endpoint the application behind a Service sends its
    /// reads and writes to; none listed: both to the writer endpoint.
    /// Fact sheet §29.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub db_routes: Vec<DbRoute>,
}

/// The database endpoints the application behind one Service uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbRoute {
    /// The Service's id (`svc-a`).
    pub service: String,
    pub route: DbRouting,
}

/// Where the application sends its reads and its writes. Fact sheet §29.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbRouting {
    /// Reads and writes to the writer endpoint (a Multi-AZ DB instance's
    /// read replicas, each with its own endpoint, still take the reads).
    #[default]
    Writer,
    /// Writes to the writer endpoint, reads to the reader endpoint.
    ReadsToReader,
    /// Everything to the reader endpoint: writes are refused unless the
    /// reader endpoint reaches the primary (Aurora without replicas).
    AllToReader,
}

impl DbRouting {
    pub const ALL: [DbRouting; 3] = [
        DbRouting::Writer,
        DbRouting::ReadsToReader,
        DbRouting::AllToReader,
    ];

    /// The name in scenario files and edits.
    pub fn name(self) -> &'static str {
        match self {
            DbRouting::Writer => "writer",
            DbRouting::ReadsToReader => "reads_to_reader",
            DbRouting::AllToReader => "all_to_reader",
        }
    }

    pub fn parse(s: &str) -> Option<DbRouting> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        DbRouting::ALL.into_iter().find(|d| d.name() == s)
    }

    /// Whether an operation (a write or a read) goes to the reader endpoint.
    pub fn to_reader(self, write: bool) -> bool {
        match self {
            DbRouting::Writer => false,
            DbRouting::ReadsToReader => !write,
            DbRouting::AllToReader => true,
        }
    }
}

fn default_db_pool() -> u32 {
    crate::sim::limits::DB_POOL_DEFAULT
}
fn is_default_db_pool(n: &u32) -> bool {
    *n == crate::sim::limits::DB_POOL_DEFAULT
}

/// The extra processing time of the application behind one Service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppDelay {
    /// The Service's id (`svc-a`).
    pub service: String,
    /// Milliseconds, within `limits::APP_DELAY_MS`.
    pub ms: u32,
}

/// A fixed answer of the application at one path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPathAnswer {
    /// The exact path (no query), starting with `/`.
    pub path: String,
    /// 200-599.
    pub status: u16,
}

impl Cluster {
    /// The fixed status the application answers at `path`, if any.
    pub fn app_answer(&self, path: &str) -> Option<u16> {
        self.app_answers
            .iter()
            .find(|a| a.path == path)
            .map(|a| a.status)
    }

    /// The extra processing time, ms, of the application `app` (the
    /// first Service selecting it that has a delay); 0 when none.
    pub fn app_delay_ms(&self, app: &str) -> u32 {
        self.services
            .iter()
            .filter(|s| s.app == app)
            .find_map(|s| self.app_delays.iter().find(|d| d.service == s.id))
            .map_or(0, |d| d.ms)
    }

    /// The database routing of the application `app` (the first Service
    /// selecting it that has one); the writer for everything when none.
    pub fn db_routing(&self, app: &str) -> DbRouting {
        self.services
            .iter()
            .filter(|s| s.app == app)
            .find_map(|s| self.db_routes.iter().find(|d| d.service == s.id))
            .map_or(DbRouting::Writer, |d| d.route)
    }
}

fn default_app_keep_alive() -> u32 {
    75
}

/// The longest application DNS cache a scenario may set (one day).
pub const MAX_APP_DNS_CACHE_S: u32 = 86_400;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sNode {
    pub id: String,
    pub subnet: String,
    pub host: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    pub id: String,
    pub name: String,
    pub rules: Vec<IngressPath>,
    /// Service for requests no rule matches (controller-specific otherwise).
    #[serde(default)]
    pub default_backend: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PathType {
    Exact,
    Prefix,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressPath {
    #[serde(default)]
    pub host: Option<String>,
    pub path: String,
    pub path_type: PathType,
    pub service: String,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub port: u16,
    pub target_port: u16,
    pub app: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pod {
    pub id: String,
    /// The worker node the pod runs on.
    #[serde(default)]
    pub node: Option<String>,
    pub app: String,
    pub subnet: String,
    pub host: u32,
    pub security_groups: Vec<String>,
}
