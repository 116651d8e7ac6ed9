//! Events of Kubernetes (Ingress, Service, kube-proxy), the application, RDS and the SMS API.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::sim::scenario::{PathType, TargetType, TrafficPolicy};
use crate::sim::trace::Code;

/// What the appointments application accepts.
pub const APP_METHODS: &str = "GET, HEAD, POST, OPTIONS";

/// Why a connection was reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ResetReason {
    /// The pod's process crashed: its address answers, nothing listens.
    Crashed { pod: String },
    /// kube-proxy on the node has no ready endpoint for the Service.
    NoReadyEndpoint,
}

/// How the application's database work ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DbOutcome {
    /// The query ran; the rows came back.
    Answered,
    /// The region has no database instance to reach.
    NoInstance,
    /// A cached address led to the Multi-AZ standby, which refuses.
    Standby { instance: String },
    /// No connection within the application's connect timeout.
    GaveUp { timeout_s: u64, code: Code },
    /// A write landed on a read-only instance (a reader, a replica, a
    /// demoted writer), which refused it with its engine's error.
    ReadOnly {
        instance: String,
        error: DbReadOnlyError,
    },
    /// The endpoint the application is configured with does not exist (a
    /// reader endpoint of a Multi-AZ DB instance): NXDOMAIN.
    NoEndpoint { endpoint: String },
}

/// The error a read-only database instance answers a write with.
/// Fact sheet §29 ("Writes to a reader fail").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum DbReadOnlyError {
    /// PostgreSQL: SQLSTATE 25006 `read_only_sql_transaction`.
    Postgres { sqlstate: String, statement: String },
    /// MySQL (Aurora MySQL with `innodb_read_only`, a MySQL replica):
    /// ERROR 1290 (HY000).
    Mysql { code: u16, sqlstate: String },
}

impl DbReadOnlyError {
    /// The engine's error for a write of `statement` (`INSERT`).
    pub fn for_engine(mysql: bool, statement: &str) -> DbReadOnlyError {
        if mysql {
            DbReadOnlyError::Mysql {
                code: 1290,
                sqlstate: "HY000".into(),
            }
        } else {
            DbReadOnlyError::Postgres {
                sqlstate: "25006".into(),
                statement: statement.into(),
            }
        }
    }

    /// The error as the client library prints it.
    pub fn message(&self) -> String {
        match self {
            DbReadOnlyError::Postgres { sqlstate, statement } => format!(
                "ERROR:  cannot execute {statement} in a read-only transaction (SQLSTATE {sqlstate} read_only_sql_transaction)"
            ),
            DbReadOnlyError::Mysql { code, sqlstate } => format!(
                "ERROR {code} ({sqlstate}): The MySQL server is running with the --read-only option so it cannot execute this statement"
            ),
        }
    }
}

/// What the application answered, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum AppAnswer {
    /// A fault makes the application answer 500.
    Broken,
    /// The health endpoint: 200 without the database.
    Health,
    /// OPTIONS: 204 with Allow.
    Options,
    /// A method the API does not accept: 405.
    MethodNotAllowed { method: String },
    /// A read (or a failed write) through the database.
    Db { outcome: DbOutcome },
    /// A write stored and its confirmation SMS accepted: 201.
    Booked,
    /// A write stored, but the SMS API could not be reached: 500.
    SmsFailed {
        code: Code,
        /// Why the connection did not get out (recorded walks only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<crate::sim::event::net::EgressDrop>,
    },
    /// A path the scenario's `app_answers` gives a fixed status (nothing
    /// there: 404; moved: 302).
    Fixed { path: String, status: u16 },
}

impl AppAnswer {
    pub fn status(&self) -> u16 {
        match self {
            AppAnswer::Broken | AppAnswer::SmsFailed { .. } => 500,
            AppAnswer::Health => 200,
            AppAnswer::Options => 204,
            AppAnswer::MethodNotAllowed { .. } => 405,
            AppAnswer::Db {
                outcome: DbOutcome::Answered,
            } => 200,
            AppAnswer::Db { .. } => 500,
            AppAnswer::Booked => 201,
            AppAnswer::Fixed { status, .. } => *status,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            AppAnswer::Broken => Code::TargetError,
            AppAnswer::Health | AppAnswer::Options | AppAnswer::Booked => Code::Delivered,
            AppAnswer::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            AppAnswer::SmsFailed { code, .. } => *code,
            AppAnswer::Fixed { status, .. } if *status < 400 => Code::Delivered,
            AppAnswer::Fixed { .. } => Code::TargetError,
            AppAnswer::Db { outcome } => match outcome {
                DbOutcome::Answered => Code::Delivered,
                DbOutcome::NoInstance => Code::ComponentDown,
                DbOutcome::Standby { .. } => Code::ConnectionRefused,
                DbOutcome::GaveUp { code, .. } => *code,
                DbOutcome::ReadOnly { .. } => Code::DbReadOnly,
                DbOutcome::NoEndpoint { .. } => Code::DnsNxdomain,
            },
        }
    }
}

/// The database instance's role for a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbRole {
    /// A read replica (reads only).
    Replica,
    /// The primary, for a read.
    Primary,
    /// The primary, for a write.
    PrimaryWrite,
    /// A reader of a cluster (or a demoted writer), for a read.
    Reader,
    /// A read-only instance, for a write: it refuses.
    ReaderWrite,
}

/// The Ingress path that matches by the Kubernetes spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecMatch {
    pub path: String,
    pub path_type: PathType,
}

/// A Kubernetes, application or database event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppEvent {
    /// The Ingress rule (as the controller wrote it) that leads to a Service.
    IngressMatch {
        ingress: String,
        /// The Ingress path the listener rule came from (None: not from the Ingress).
        rule_path: Option<String>,
        service: String,
        port: u16,
        request_path: String,
        /// The path the Kubernetes spec would choose.
        spec: Option<SpecMatch>,
        target_type: TargetType,
        node_port: u16,
    },
    /// kube-proxy (iptables mode) on a node picks a ready endpoint.
    EndpointPick {
        node: String,
        service: String,
        ready: Vec<String>,
        picked: Option<String>,
        /// The node the picked pod runs on, when it is another one.
        crosses_to: Option<String>,
        /// The Service's `externalTrafficPolicy` (left out when
        /// `Cluster`): `Local` considers only endpoints on this node and
        /// keeps the client's address. Fact sheet §28.
        #[serde(default, skip_serializing_if = "TrafficPolicy::is_cluster")]
        policy: TrafficPolicy,
        /// The address the pod sees as its peer: the node's own (SNAT,
        /// `Cluster`) or the sender's (`Local`). Fact sheet §28.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_seen: Option<Ipv4Addr>,
    },
    /// `externalTrafficPolicy: Local` and no ready endpoint on the node the
    /// traffic arrived at: kube-proxy drops it (no reset, the sender times
    /// out). Fact sheet §28.
    LocalDrop {
        node: String,
        service: String,
        /// Ready endpoints elsewhere in the cluster, which `Local` never uses.
        elsewhere: Vec<String>,
    },
    /// The connection is reset (TCP RST).
    Reset { reason: ResetReason },
    /// The HTTP request reaches the pod.
    PodRequest {
        pod: String,
        method: String,
        path: String,
        ip: Ipv4Addr,
        port: u16,
        peer: Ipv4Addr,
        /// The application's extra processing time on this request, ms
        /// (the scenario's `cluster.app_delays`). Fact sheet §16.
        #[serde(default, skip_serializing_if = "is_zero_u32")]
        delay_ms: u32,
        /// A Network Load Balancer delivered it: no X-Forwarded-For.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        by_nlb: bool,
    },
    /// The application's answer.
    PodResponse {
        pod: String,
        status: u16,
        answer: AppAnswer,
    },
    /// The application's own DNS cache holds the RDS endpoint's address.
    AppDnsCache {
        endpoint: String,
        instance: String,
        left_s: u64,
        ttl_s: u64,
        /// The instance RDS has as primary now.
        primary: String,
        /// The name is the reader endpoint (its answer stays on one reader).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reader: bool,
    },
    /// The VPC resolver answers the database endpoint.
    DbResolve {
        endpoint: String,
        instance: String,
        replica: bool,
        /// Which endpoint the name is (set for a cluster's names).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<crate::sim::db::DbEndpointKind>,
        /// The record's TTL, seconds (set for a cluster's names).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ttl_s: Option<u32>,
        /// The instances the reader endpoint picked among.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        among: Vec<String>,
        /// Seconds left of the VPC resolver's cached answer, when it
        /// answered from its cache (a cluster's names, by their TTL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cached_left_s: Option<u64>,
    },
    /// The endpoint name the application is configured with does not
    /// exist: a Multi-AZ DB instance has no reader endpoint (its standby
    /// serves no reads). Fact sheet §29.
    DbNoEndpoint { endpoint: String },
    /// A read-only instance refuses a write with its engine's error.
    /// Fact sheet §29.
    DbReadOnly {
        instance: String,
        error: DbReadOnlyError,
    },
    /// The database instance refuses the connection (it is the standby).
    DbRefused { instance: String },
    /// The SQL query on an instance.
    Query {
        instance: String,
        engine: String,
        az: String,
        role: DbRole,
    },
    /// The query's result back to the pod.
    QueryResult { instance: String, write: bool },
    /// The pooled connections to the database are broken: the instance
    /// they went to failed over or is down. The application connects
    /// again. Fact sheet §15, §26.
    DbPoolReset {
        /// The instance the pooled connection went to.
        instance: String,
        reason: DbPoolBreak,
        /// Queries the broken connection had served.
        served: u32,
    },
}

/// Why the application's pooled database connections broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbPoolBreak {
    /// A Multi-AZ failover: the instance is no longer the primary (it
    /// rebooted as the standby, closing every connection).
    Failover,
    /// The instance is down (failed, or its AZ or Region is).
    InstanceDown,
}

impl AppEvent {
    pub fn what(&self) -> String {
        match self {
            AppEvent::IngressMatch {
                ingress,
                rule_path,
                service,
                port,
                ..
            } => format!(
                "Ingress '{ingress}' {} -> Service {service}:{port}",
                match rule_path {
                    None => "(rule not from the Ingress)".to_string(),
                    Some(p) => format!("path {p}"),
                }
            ),
            AppEvent::EndpointPick {
                node,
                service,
                ready,
                picked,
                policy,
                ..
            } => match picked {
                None => format!("kube-proxy on {node}: no ready endpoint for {service}"),
                Some(p) if *policy == TrafficPolicy::Local => format!(
                    "kube-proxy on {node} (externalTrafficPolicy Local) picks {p} among {} ready endpoints on this node",
                    ready.len()
                ),
                Some(p) => format!(
                    "kube-proxy on {node} picks {p} at random among {} ready endpoints",
                    ready.len()
                ),
            },
            AppEvent::LocalDrop { node, service, .. } => format!(
                "kube-proxy on {node} drops the packet: no ready endpoint of {service} on this node (externalTrafficPolicy Local)"
            ),
            AppEvent::Reset { .. } => "TCP RST".into(),
            AppEvent::PodRequest {
                method,
                path,
                ip,
                port,
                ..
            } => format!("HTTP {method} {path} to {ip}:{port}"),
            AppEvent::PodResponse { status, .. } => format!(
                "HTTP {status} {}",
                match status {
                    200 => "OK, application/json",
                    201 => "Created, application/json",
                    204 => "No Content",
                    405 => "Method Not Allowed",
                    _ => "error",
                }
            ),
            AppEvent::AppDnsCache {
                endpoint,
                instance,
                left_s,
                ..
            } => format!("application DNS cache: {endpoint} -> {instance} ({left_s} s left)"),
            AppEvent::DbResolve {
                endpoint,
                instance,
                replica,
                ttl_s,
                cached_left_s,
                ..
            } => {
                if *replica {
                    format!("resolve {instance} (replica endpoint) -> {instance} (VPC resolver)")
                } else if let (Some(ttl), Some(left)) = (ttl_s, cached_left_s) {
                    format!("resolve {endpoint} -> {instance} (VPC resolver's cache, {left} s left of {ttl} s)")
                } else if let Some(ttl) = ttl_s {
                    format!("resolve {endpoint} -> {instance} (VPC resolver, TTL {ttl} s)")
                } else {
                    format!("resolve {endpoint} -> {instance} (VPC resolver)")
                }
            }
            AppEvent::DbNoEndpoint { endpoint } => format!("resolve {endpoint}: NXDOMAIN"),
            AppEvent::DbReadOnly { error, .. } => error.message(),
            AppEvent::DbRefused { .. } => "connection refused".into(),
            AppEvent::DbPoolReset { instance, .. } => {
                format!("pooled connection to {instance} broken: reconnect")
            }
            AppEvent::Query { role, .. } => match role {
                DbRole::PrimaryWrite | DbRole::ReaderWrite => {
                    "SQL INSERT INTO appointments VALUES ($1, $2, $3)"
                }
                _ => "SQL SELECT * FROM appointments WHERE patient_id = $1",
            }
            .into(),
            AppEvent::QueryResult { write, .. } => if *write {
                "SQL result: INSERT 0 1"
            } else {
                "SQL result: 3 rows"
            }
            .into(),
        }
    }

    pub fn why(&self) -> String {
        match self {
            AppEvent::IngressMatch {
                request_path,
                spec,
                target_type,
                node_port,
                ..
            } => {
                let spec = match spec {
                    Some(m) => format!(
                        "by the Ingress spec, path {} ({:?}) is the longest match for {request_path}",
                        m.path, m.path_type
                    ),
                    None => "no Ingress path matches by the spec".into(),
                };
                let via = match target_type {
                    TargetType::Ip => "target type ip: the ALB sends straight to pod IPs registered from the Service's ready endpoints; kube-proxy is not on this path (fact sheet §14)".to_string(),
                    TargetType::Instance => format!("target type instance: the ALB sends to the worker nodes on NodePort {node_port}, and kube-proxy on the node forwards to a ready pod (fact sheet §14)"),
                };
                format!("{spec}; {via}")
            }
            AppEvent::EndpointPick {
                picked,
                crosses_to,
                policy: TrafficPolicy::Local,
                source_seen,
                ..
            } if picked.is_some() && crosses_to.is_none() => format!(
                "externalTrafficPolicy Local: only endpoints on this node, no masquerade, so the pod sees {} as its peer; the load balancer weights nodes equally, so pods that share a node share its share (fact sheet §28)",
                source_seen.map_or("the sender".to_string(), |a| a.to_string())
            ),
            AppEvent::LocalDrop { elsewhere, .. } => format!(
                "externalTrafficPolicy Local delivers only to endpoints on the node the traffic arrived at; {} ready elsewhere never get it; the node's healthCheckNodePort fails so the load balancer stops sending here (fact sheet §28)",
                if elsewhere.is_empty() { "none".to_string() } else { elsewhere.join(", ") }
            ),
            AppEvent::EndpointPick {
                picked,
                crosses_to,
                source_seen,
                ..
            } => match (picked, crosses_to) {
                (None, _) => "kube-proxy programs only ready endpoints (fact sheet §14)".into(),
                (Some(_), Some(node)) => format!("externalTrafficPolicy Cluster: iptables mode picks any ready pod in the cluster, without retrying another if it fails; this one runs on {node}, so the packet is SNATed{} and takes a second hop to that node (fact sheet §28)", source_seen.map_or(String::new(), |a| format!(" to {a}"))),
                (Some(_), None) => format!("externalTrafficPolicy Cluster: iptables mode picks at random, without retrying another pod if it fails; this pod runs on the same node, and the node still SNATs{} (fact sheet §28)", source_seen.map_or(String::new(), |a| format!(" to {a}"))),
            },
            AppEvent::Reset { reason } => match reason {
                ResetReason::Crashed { pod } => format!("{pod} has crashed: its address answers but nothing listens; until health checks or readiness take it out, traffic keeps arriving"),
                ResetReason::NoReadyEndpoint => "kube-proxy has no ready endpoint for the Service, so the connection is refused".into(),
            },
            AppEvent::PodRequest {
                peer,
                delay_ms,
                by_nlb,
                ..
            } => {
                let mut why = if *by_nlb {
                    format!("the pod sees {peer} as its TCP peer: the client's own address when the NLB preserves it, else the NLB node's; a Network Load Balancer reads no HTTP, so it adds no X-Forwarded-For (fact sheet §9)")
                } else {
                    format!(
                        "the pod sees {peer} as its TCP peer; X-Forwarded-For carries the viewer and the edge"
                    )
                };
                if *delay_ms > 0 {
                    why.push_str(&format!(
                        "; the application works {delay_ms} ms on it before it goes on (its app delay)"
                    ));
                }
                why
            }
            AppEvent::PodResponse { pod, answer, .. } => match answer {
                AppAnswer::Broken => format!("{pod}'s application is broken and answers 500; the ALB passes a target's own error through unchanged (HTTPCode_Target_5XX)"),
                AppAnswer::Health => "health endpoint: answers without touching the database".into(),
                AppAnswer::Options => format!("the application lists what it accepts (Allow: {APP_METHODS}) without touching the database"),
                AppAnswer::MethodNotAllowed { method } => format!("the appointments API reads with GET and books with POST; it answers {method} with 405 itself (Allow: {APP_METHODS}), and the ALB passes a target's own answer through"),
                AppAnswer::Booked => "the appointment is stored and the confirmation SMS accepted".into(),
                AppAnswer::Fixed { path, status } => format!("the application answers {path} with {status} (the scenario's app_answers); the ALB passes a target's own answer through"),
                AppAnswer::SmsFailed { reason, .. } => format!(
                    "the appointment is stored, but the SMS API could not be reached ({}); the application answers 500",
                    reason.as_ref().map(|r| r.why()).unwrap_or_default()
                ),
                AppAnswer::Db { outcome } => match outcome {
                    DbOutcome::Answered => "the application answers with the appointments as JSON".into(),
                    DbOutcome::NoInstance => "no database instance".into(),
                    DbOutcome::Standby { instance } => format!("the application reached {instance}, which is no longer the primary, and answers 500"),
                    DbOutcome::GaveUp { timeout_s, code } => format!("the application gave up on the database after {timeout_s} s and answers 500 ({code})"),
                    DbOutcome::ReadOnly { instance, .. } => format!("{instance} is read-only and refused the write; the application answers 500 (fact sheet §29)"),
                    DbOutcome::NoEndpoint { endpoint } => format!("the application is configured with {endpoint}, which does not exist; it answers 500 (fact sheet §29)"),
                },
            },
            AppEvent::AppDnsCache {
                instance,
                ttl_s,
                primary,
                reader,
                ..
            } => {
                if *reader {
                    format!("the application keeps resolved addresses for {ttl_s} s, so every new connection goes to {instance} rather than to a reader the endpoint would pick now: the reader endpoint spreads connections, not queries (fact sheet §29)")
                } else if instance == primary {
                    format!("the application keeps resolved addresses for {ttl_s} s (app_dns_cache_s), so it does not ask the VPC resolver (fact sheet §1)")
                } else {
                    format!("the application keeps resolved addresses for {ttl_s} s, so it still uses {instance} although RDS has flipped the endpoint to {primary}: a long DNS cache prolongs a failover (fact sheet §1, §15)")
                }
            }
            AppEvent::DbResolve { replica, via, among, cached_left_s, instance, .. } => match via {
                _ if *replica => "reads go to a read replica's own endpoint; a replica is never promoted automatically (fact sheet §15)".into(),
                Some(_) if cached_left_s.is_some() => format!(
                    "the VPC resolver keeps the endpoint's answer for its TTL, so until it expires every new connection goes to {instance}, even if RDS has flipped the name since (fact sheet §1, §29)"
                ),
                Some(crate::sim::db::DbEndpointKind::Reader) if among.len() > 1 => format!(
                    "the reader endpoint gives each new connection one of {} at random; the connection stays there (fact sheet §29)",
                    among.join(", ")
                ),
                Some(crate::sim::db::DbEndpointKind::Reader) => "the reader endpoint leads to the one instance it has; with no replicas, that is the writer, and writes succeed there (fact sheet §29)".into(),
                Some(_) => "the cluster (writer) endpoint always points at the current writer, the only instance that takes writes; after a failover RDS flips it (fact sheet §29)".into(),
                None => "the RDS endpoint name always points at the current primary; after a Multi-AZ failover RDS flips it (fact sheet §15)".into(),
            },
            AppEvent::DbNoEndpoint { .. } => "a Multi-AZ DB instance has one endpoint; its standby serves no reads and no name reaches it (fact sheet §15, §29)".into(),
            AppEvent::DbReadOnly { instance, .. } => format!(
                "{instance} is read-only: only the writer takes INSERT, UPDATE and DDL; send writes to the cluster (writer) endpoint (fact sheet §29)"
            ),
            AppEvent::DbRefused { instance } => format!(
                "{instance} is now the Multi-AZ standby, which accepts no connections (fact sheet §15)"
            ),
            AppEvent::DbPoolReset { instance, reason, served } => format!(
                "the application's pool held a connection to {instance} ({served} quer{} served); {}, so the connection is gone and the pool opens a new one: a DNS lookup of the endpoint and a TCP handshake again (fact sheet §15: clients must reconnect; §26)",
                if *served == 1 { "y" } else { "ies" },
                match reason {
                    DbPoolBreak::Failover => format!("a Multi-AZ failover made {instance} the standby, which closed every connection"),
                    DbPoolBreak::InstanceDown => format!("{instance} is down"),
                }
            ),
            AppEvent::Query {
                instance,
                engine,
                az,
                role,
            } => format!(
                "{engine} ({instance}) {} in {az}",
                match role {
                    DbRole::Replica => "read replica (asynchronous, read-only; it may lag the primary by its ReplicaLag)",
                    DbRole::Primary => "primary",
                    DbRole::PrimaryWrite => "primary (writes always go to the primary)",
                    DbRole::Reader => "reader (read-only statements only)",
                    DbRole::ReaderWrite => "read-only instance: a write here is refused",
                }
            ),
            AppEvent::QueryResult { .. } => {
                "the rows come back to the pod's ephemeral port through both network ACLs".into()
            }
        }
    }
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}
