//! The Kubernetes cluster a region runs: worker nodes, the Ingress,
//! Services and pods. Fact sheet §13, §14.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    /// The cluster's first Ingress: its IngressGroup is the ALB's.
    pub ingress: Ingress,
    /// More Ingresses. Those naming the first Ingress's
    /// `group.name` share its ALB (one IngressGroup, ordered by
    /// `group.order`); the others would each get an ALB of their own, which
    /// Hoplab does not draw. Fact sheet §28.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_ingresses: Vec<Ingress>,
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
    /// Readiness and liveness probe timings per application (every pod of
    /// the app); an app not listed uses the kubelet's defaults (period
    /// 10 s, timeout 1 s, failure threshold 3, success threshold 1, no
    /// initial delay). Fact sheet §14.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<AppProbes>,
    /// HorizontalPodAutoscalers, one per application (deployment).
    /// Fact sheet §28.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub autoscalers: Vec<Autoscaler>,
    /// Which database endpoint the application behind a Service sends its
    /// reads and writes to; none listed: both to the writer endpoint.
    /// Fact sheet §29.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub db_routes: Vec<DbRoute>,
}

/// One probe's timings, as a container spec writes them. Fact sheet §14.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeTiming {
    #[serde(default)]
    pub initial_delay_s: u32,
    #[serde(default = "default_period")]
    pub period_s: u32,
    #[serde(default = "default_probe_timeout")]
    pub timeout_s: u32,
    #[serde(default = "default_one")]
    pub success_threshold: u32,
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: u32,
}

fn default_period() -> u32 {
    10
}
fn default_probe_timeout() -> u32 {
    1
}
fn default_one() -> u32 {
    1
}
fn default_failure_threshold() -> u32 {
    3
}

impl Default for ProbeTiming {
    fn default() -> Self {
        ProbeTiming {
            initial_delay_s: 0,
            period_s: default_period(),
            timeout_s: default_probe_timeout(),
            success_threshold: 1,
            failure_threshold: default_failure_threshold(),
        }
    }
}

impl ProbeTiming {
    pub fn is_default(&self) -> bool {
        *self == ProbeTiming::default()
    }
}

/// The readiness and liveness probes of every pod of one application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppProbes {
    /// The application (the pods' `app` label).
    pub app: String,
    #[serde(default, skip_serializing_if = "ProbeTiming::is_default")]
    pub readiness: ProbeTiming,
    #[serde(default, skip_serializing_if = "ProbeTiming::is_default")]
    pub liveness: ProbeTiming,
}

/// A HorizontalPodAutoscaler on one application's deployment, scaling on
/// CPU utilization (usage ÷ request). Fact sheet §28.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autoscaler {
    /// The application (deployment) it scales.
    pub app: String,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Target average CPU utilization, percent of the request.
    pub target_cpu_percent: u32,
    /// Each pod's CPU request in millicores; none: the HPA has no CPU
    /// utilization to act on and does nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_request_m: Option<u32>,
    /// Off: the autoscaler is kept but does not act.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}
fn is_yes(b: &bool) -> bool {
    *b
}

impl Cluster {
    /// Every Ingress of the cluster, the first one first.
    pub fn ingresses(&self) -> impl Iterator<Item = &Ingress> {
        std::iter::once(&self.ingress).chain(&self.more_ingresses)
    }

    /// The Ingress with this id.
    pub fn ingress_by_id(&self, id: &str) -> Option<&Ingress> {
        self.ingresses().find(|i| i.id == id)
    }

    /// The Ingress with this id, to change.
    pub fn ingress_by_id_mut(&mut self, id: &str) -> Option<&mut Ingress> {
        std::iter::once(&mut self.ingress)
            .chain(self.more_ingresses.iter_mut())
            .find(|i| i.id == id)
    }

    /// The probe timings of an application's pods: (readiness, liveness).
    pub fn probe_timings(&self, app: &str) -> (ProbeTiming, ProbeTiming) {
        self.probes
            .iter()
            .find(|p| p.app == app)
            .map(|p| (p.readiness, p.liveness))
            .unwrap_or_default()
    }
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
    /// The AWS Load Balancer Controller's annotations, typed. Fact sheet
    /// §14, §28.
    #[serde(default, skip_serializing_if = "IngressAnnotations::is_empty")]
    pub annotations: IngressAnnotations,
}

/// The `alb.ingress.kubernetes.io/*` annotations the AWS Load Balancer
/// Controller reads from an Ingress, under their Kubernetes names. An
/// annotation left out keeps what the target group says. Fact sheet §14,
/// §28.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressAnnotations {
    /// `instance`: the nodes' NodePort; `ip`: the pod IPs.
    #[serde(
        rename = "alb.ingress.kubernetes.io/target-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_type: Option<crate::sim::scenario::TargetType>,
    /// The IngressGroup sharing one ALB.
    #[serde(
        rename = "alb.ingress.kubernetes.io/group.name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub group_name: Option<String>,
    /// -1,000..1,000, default 0, lower first.
    #[serde(
        rename = "alb.ingress.kubernetes.io/group.order",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub group_order: Option<i32>,
    #[serde(
        rename = "alb.ingress.kubernetes.io/healthcheck-path",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck_path: Option<String>,
    /// A port number; `None` is `traffic-port`.
    #[serde(
        rename = "alb.ingress.kubernetes.io/healthcheck-port",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck_port: Option<u16>,
    #[serde(
        rename = "alb.ingress.kubernetes.io/healthcheck-interval-seconds",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck_interval_s: Option<u32>,
    #[serde(
        rename = "alb.ingress.kubernetes.io/healthcheck-timeout-seconds",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck_timeout_s: Option<u32>,
    #[serde(
        rename = "alb.ingress.kubernetes.io/healthy-threshold-count",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub healthy_threshold: Option<u32>,
    #[serde(
        rename = "alb.ingress.kubernetes.io/unhealthy-threshold-count",
        default,
        deserialize_with = "number_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub unhealthy_threshold: Option<u32>,
    /// `200`, `200,302` or `200-299`.
    #[serde(
        rename = "alb.ingress.kubernetes.io/success-codes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub success_codes: Option<String>,
}

/// A number annotation as Kubernetes writes it (every annotation value is
/// a string in a manifest: `"30"`) or as a JSON number.
fn number_or_text<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr + serde::Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Number(T),
        Text(String),
    }
    match Option::<Either<T>>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Number(n)) => Ok(Some(n)),
        // healthcheck-port's default, written out.
        Some(Either::Text(t)) if t.trim() == "traffic-port" => Ok(None),
        Some(Either::Text(t)) => t.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!(
                "'{}' is not a number this annotation takes",
                crate::sim::text::clip(&t)
            ))
        }),
    }
}

impl IngressAnnotations {
    pub fn is_empty(&self) -> bool {
        *self == IngressAnnotations::default()
    }
}

/// A Service's `externalTrafficPolicy`. Fact sheet §28.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficPolicy {
    /// Any node forwards to any ready endpoint, SNATing the client.
    #[default]
    Cluster,
    /// Only node-local endpoints, the client address kept.
    Local,
}

impl TrafficPolicy {
    pub fn is_cluster(&self) -> bool {
        *self == TrafficPolicy::Cluster
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficPolicy::Cluster => "Cluster",
            TrafficPolicy::Local => "Local",
        }
    }
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
    /// `Cluster` (default) or `Local`: what a node does with traffic that
    /// arrives on the Service's NodePort. Fact sheet §28.
    #[serde(default, skip_serializing_if = "TrafficPolicy::is_cluster")]
    pub external_traffic_policy: TrafficPolicy,
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

impl Cluster {
    /// The annotations, probe timings and autoscalers Kubernetes would
    /// refuse. Fact sheet §14, §28.
    pub(super) fn validate_extras(&self) -> Result<(), String> {
        let clip = crate::sim::text::clip;
        for (i, ing) in self.more_ingresses.iter().enumerate() {
            let earlier = || std::iter::once(&self.ingress).chain(&self.more_ingresses[..i]);
            if earlier().any(|x| x.id == ing.id) {
                return Err(format!(
                    "cluster {}: Ingress id '{}' is used twice: each of a cluster's Ingresses needs its own id",
                    self.name,
                    clip(&ing.id)
                ));
            }
            if earlier().any(|x| x.name == ing.name) {
                return Err(format!(
                    "cluster {}: Ingress name '{}' is used twice: Kubernetes names each Ingress of a namespace once (fact sheet §28)",
                    self.name,
                    clip(&ing.name)
                ));
            }
        }
        for ing in self.ingresses() {
            ing.validate_annotations()?;
        }
        self.validate_probes_and_autoscalers()
    }
}

impl Ingress {
    /// The annotations the controller would refuse. Fact sheet §8, §28.
    fn validate_annotations(&self) -> Result<(), String> {
        use crate::sim::limits::*;
        let a = &self.annotations;
        if let Some(o) = a.group_order {
            if !(-1000..=1000).contains(&o) {
                return Err(format!(
                    "Ingress {}: alb.ingress.kubernetes.io/group.order {o} is outside -1000..1000 (fact sheet §28)",
                    self.id
                ));
            }
        }
        if let Some(n) = &a.group_name {
            if n.is_empty() || n.len() > 63 {
                return Err(format!(
                    "Ingress {}: alb.ingress.kubernetes.io/group.name must be 1-63 characters (fact sheet §28)",
                    self.id
                ));
            }
        }
        if let Some(p) = &a.healthcheck_path {
            if !p.starts_with('/') || p.len() > MAX_HC_PATH {
                return Err(format!(
                    "Ingress {}: alb.ingress.kubernetes.io/healthcheck-path must start with / and hold at most {MAX_HC_PATH} characters (fact sheet §8)",
                    self.id
                ));
            }
        }
        if let Some(c) = &a.success_codes {
            crate::sim::scenario::parse_matcher(c)
                .map_err(|e| format!("Ingress {}: success-codes: {e}", self.id))?;
        }
        Ok(())
    }
}

impl Cluster {
    fn validate_probes_and_autoscalers(&self) -> Result<(), String> {
        use crate::sim::limits::*;
        for p in &self.probes {
            if !self.pods.iter().any(|x| x.app == p.app) {
                return Err(format!(
                    "cluster.probes names app '{}', which no pod runs",
                    crate::sim::text::clip(&p.app)
                ));
            }
            for (which, t) in [("readiness", p.readiness), ("liveness", p.liveness)] {
                let bad = !PROBE_SECONDS.contains(&t.period_s)
                    || !PROBE_SECONDS.contains(&t.timeout_s)
                    || !PROBE_INITIAL_DELAY_S.contains(&t.initial_delay_s)
                    || !PROBE_THRESHOLD.contains(&t.success_threshold)
                    || !PROBE_THRESHOLD.contains(&t.failure_threshold);
                if bad {
                    return Err(format!(
                        "cluster.probes {} {which}: periodSeconds and timeoutSeconds 1-3600, initialDelaySeconds 0-3600, thresholds 1-100 (fact sheet §14)",
                        p.app
                    ));
                }
            }
            if p.liveness.success_threshold != 1 {
                return Err(format!(
                    "cluster.probes {} liveness: successThreshold must be 1 for a liveness probe (fact sheet §14)",
                    p.app
                ));
            }
        }
        for (i, h) in self.autoscalers.iter().enumerate() {
            if self.autoscalers[..i].iter().any(|x| x.app == h.app) {
                return Err(format!(
                    "cluster.autoscalers lists app {} twice: one HorizontalPodAutoscaler per deployment",
                    h.app
                ));
            }
            if !self.pods.iter().any(|x| x.app == h.app)
                && !self.services.iter().any(|s| s.app == h.app)
            {
                return Err(format!(
                    "cluster.autoscalers names app '{}', which no pod or Service has",
                    crate::sim::text::clip(&h.app)
                ));
            }
            if !HPA_REPLICAS.contains(&h.min_replicas)
                || !HPA_REPLICAS.contains(&h.max_replicas)
                || h.min_replicas > h.max_replicas
            {
                return Err(format!(
                    "autoscaler {}: minReplicas {} and maxReplicas {} must be {}-{} with min <= max (fact sheet §28)",
                    h.app,
                    h.min_replicas,
                    h.max_replicas,
                    HPA_REPLICAS.start(),
                    HPA_REPLICAS.end()
                ));
            }
            if !HPA_TARGET_CPU_PERCENT.contains(&h.target_cpu_percent) {
                return Err(format!(
                    "autoscaler {}: target CPU utilization {} % is outside {}-{} %",
                    h.app,
                    h.target_cpu_percent,
                    HPA_TARGET_CPU_PERCENT.start(),
                    HPA_TARGET_CPU_PERCENT.end()
                ));
            }
            if let Some(m) = h.cpu_request_m {
                if !HPA_CPU_REQUEST_M.contains(&m) {
                    return Err(format!(
                        "autoscaler {}: CPU request {m}m is outside {}-{}m",
                        h.app,
                        HPA_CPU_REQUEST_M.start(),
                        HPA_CPU_REQUEST_M.end()
                    ));
                }
            }
        }
        Ok(())
    }
}
