//! RDS: its primary, failover on the clock (Multi-AZ DB instance,
//! Multi-AZ DB cluster, Aurora), instances that failed, its endpoints and
//! what each reaches now, and what public access still lacks. The
//! application's query is [`crate::sim::app`]. Fact sheet §15, §29.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::limits::*;
use super::net::sg_decide;
use super::net::{Flow, Protocol, RouteTarget};
use super::scenario::*;
use super::world::*;

/// RDS runtime state, per region: the primary, a Multi-AZ failover under
/// way, and the instances that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RdsState {
    /// Region -> the instance that is primary now.
    pub primary: std::collections::BTreeMap<String, String>,
    /// Region -> when the standby will have been promoted (ms).
    pub failover_due: std::collections::BTreeMap<String, u64>,
    /// Instances that failed through `Fault::RdsPrimaryDown`.
    pub failed: std::collections::BTreeSet<String>,
    /// The VPC resolver's cache of a cluster's endpoint names: name ->
    /// (the instance it answered, when the answer expires, ms). Fact
    /// sheet §29 (5 s, the reader's 1 s).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub resolver: std::collections::BTreeMap<String, (String, u64)>,
}

impl RdsState {
    /// The instance that is primary in a region now ("" before any).
    pub fn primary_of(&self, region: &str) -> &str {
        self.primary
            .get(region)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

impl World {
    pub(crate) fn schedule_rds_failovers(&mut self) {
        let mut due = Vec::new();
        for r in &self.scenario.regions {
            let primary = self.rds.primary.get(&r.id).cloned().unwrap_or_default();
            let Some(inst) = r.rds.instances.iter().find(|i| i.id == primary) else {
                continue;
            };
            let primary_down = !self.db_up(r, inst);
            let standby_up = r
                .rds
                .instances
                .iter()
                .any(|i| i.id != primary && self.db_up(r, i));
            if primary_down && standby_up && !self.rds.failover_due.contains_key(&r.id) {
                due.push(r.id.clone());
            }
        }
        for id in due {
            // Multi-AZ failover typically takes 60-120 s (§15); a Multi-AZ
            // DB cluster's under 35 s, Aurora's under 60 s (§29).
            let kind = self
                .scenario
                .region(&id)
                .map(|r| r.rds.deployment)
                .unwrap_or_default();
            let (lo, hi) = match kind {
                DbDeployment::MultiAzInstance => FAILOVER_MULTI_AZ_INSTANCE_S,
                DbDeployment::MultiAzCluster => FAILOVER_MULTI_AZ_CLUSTER_S,
                DbDeployment::Aurora => FAILOVER_AURORA_S,
            };
            let delay = self.rng.range(lo, hi) * 1000;
            self.rds
                .failover_due
                .insert(id.clone(), self.clock_ms + delay);
            let text = match kind {
                DbDeployment::MultiAzInstance => format!(
                    "primary lost: Multi-AZ failover will complete in {} s",
                    delay / 1000
                ),
                _ => format!(
                    "writer lost: {} failover will promote a reader in {} s",
                    kind.label(),
                    delay / 1000
                ),
            };
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({id})"),
                text,
            });
        }
    }

    pub(crate) fn run_rds_failover(&mut self, region: &str) {
        self.rds.failover_due.remove(region);
        let Some(r) = self.scenario.region(region).cloned() else {
            return;
        };
        let primary = self.rds.primary.get(region).cloned().unwrap_or_default();
        if let Some(standby) = r
            .rds
            .instances
            .iter()
            .find(|i| i.id != primary && self.db_up(&r, i))
        {
            self.rds.primary.insert(region.into(), standby.id.clone());
            let text = match r.rds.deployment {
                DbDeployment::MultiAzInstance => format!(
                    "Multi-AZ failover complete: {} promoted; {} now resolves to it",
                    standby.id, r.rds.endpoint
                ),
                kind => format!(
                    "{} failover complete: {} promoted to writer; {} now resolves to it, and the old writer rejoins as a reader once it is back",
                    kind.label(),
                    standby.id,
                    r.rds.endpoint
                ),
            };
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({region})"),
                text,
            });
        }
    }

    /// Whether a database instance answers (its AZ and region are up and it
    /// has not failed).
    pub(crate) fn db_up(&self, r: &Region, i: &DbInstance) -> bool {
        self.placement_up(r, &i.subnet) && !self.rds.failed.contains(&i.id)
    }
}

/// What kind of endpoint a database name is. Fact sheet §29.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbEndpointKind {
    /// The writer (cluster) endpoint, or a Multi-AZ DB instance's one
    /// endpoint: always the current primary.
    Writer,
    /// The reader (`cluster-ro`) endpoint of a cluster.
    Reader,
    /// One DB instance of a cluster, by its own name.
    Instance,
    /// A read replica's own endpoint.
    Replica,
}

impl DbEndpointKind {
    pub fn label(self) -> &'static str {
        match self {
            DbEndpointKind::Writer => "writer endpoint",
            DbEndpointKind::Reader => "reader endpoint",
            DbEndpointKind::Instance => "instance endpoint",
            DbEndpointKind::Replica => "read replica endpoint",
        }
    }
}

/// One endpoint of a database and what it reaches now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbEndpoint {
    pub name: String,
    pub kind: DbEndpointKind,
    /// The instances a new connection can land on (the reader endpoint
    /// picks one at random per connection).
    pub reaches: Vec<String>,
    pub readable: bool,
    /// Whether writes succeed through it (only on the primary).
    pub writable: bool,
    /// Its DNS records' TTL, seconds.
    pub ttl_s: u32,
}

/// A name of the database's DNS zone for one instance
/// (`rds-a-1.c9x2k1.us-east-1.rds.amazonaws.com`).
pub fn instance_endpoint(rds: &Rds, inst: &DbInstance) -> String {
    let rest = rds.endpoint.split_once('.').map_or("", |(_, r)| r);
    let rest = rest.strip_prefix("cluster-").unwrap_or(rest);
    format!("{}.{rest}", inst.id)
}

/// The instances the reader endpoint spreads new connections over when
/// `primary` is the writer: every other instance of a cluster, or the
/// writer itself when there is none (Aurora without replicas). Empty for
/// a Multi-AZ DB instance, which has no reader endpoint. Fact sheet §29.
pub fn reader_instances<'a>(rds: &'a Rds, primary: &str) -> Vec<&'a DbInstance> {
    if !rds.deployment.has_reader_endpoint() {
        return vec![];
    }
    let readers: Vec<_> = rds.instances.iter().filter(|i| i.id != primary).collect();
    if readers.is_empty() {
        rds.instances.iter().filter(|i| i.id == primary).collect()
    } else {
        readers
    }
}

/// Every endpoint of the region's database and what it reaches with
/// `primary` as the writer. A Multi-AZ DB instance's standby is reached by
/// none. Fact sheet §15, §29.
pub fn db_endpoints(r: &Region, primary: &str) -> Vec<DbEndpoint> {
    let rds = &r.rds;
    let mut out = vec![DbEndpoint {
        name: rds.endpoint.clone(),
        kind: DbEndpointKind::Writer,
        reaches: vec![primary.to_string()],
        readable: true,
        writable: true,
        ttl_s: DB_ENDPOINT_TTL_S,
    }];
    if let Some(name) = rds.reader_endpoint() {
        let readers = reader_instances(rds, primary);
        out.push(DbEndpoint {
            name,
            kind: DbEndpointKind::Reader,
            writable: readers.iter().all(|i| i.id == primary),
            reaches: readers.iter().map(|i| i.id.clone()).collect(),
            readable: true,
            ttl_s: DB_READER_ENDPOINT_TTL_S,
        });
        for i in &rds.instances {
            out.push(DbEndpoint {
                name: instance_endpoint(rds, i),
                kind: DbEndpointKind::Instance,
                reaches: vec![i.id.clone()],
                readable: true,
                writable: i.id == primary,
                ttl_s: DB_ENDPOINT_TTL_S,
            });
        }
    }
    for i in &rds.replicas {
        out.push(DbEndpoint {
            name: instance_endpoint(rds, i),
            kind: DbEndpointKind::Replica,
            reaches: vec![i.id.clone()],
            readable: true,
            writable: false,
            ttl_s: DB_ENDPOINT_TTL_S,
        });
    }
    out
}

/// The public IP `set_db_public` gives the `n`th instance (instances, then
/// replicas) of a region's database: the first two octets of the region's
/// first ALB node's public IP, then [`PUBLIC_DB_THIRD_OCTET`], then
/// `10 + n`. Fact sheet §29.
pub fn derived_public_ip(r: &Region, n: usize) -> Ipv4Addr {
    let base = r
        .alb
        .nodes
        .first()
        .map_or([198, 51, 100, 0], |a| a.public_ip.octets());
    Ipv4Addr::new(
        base[0],
        base[1],
        PUBLIC_DB_THIRD_OCTET,
        10u8.saturating_add(n as u8),
    )
}

/// The address a database instance's endpoint resolves to: its private IP
/// from inside the VPC, its public IP (when publicly accessible) from
/// outside; none from outside when it is not. Fact sheet §29.
pub fn db_endpoint_address(r: &Region, inst: &DbInstance, inside_vpc: bool) -> Option<Ipv4Addr> {
    if inside_vpc {
        r.vpc.subnet(&inst.subnet).and_then(|s| s.host(inst.host))
    } else if r.rds.publicly_accessible {
        inst.public_ip
    } else {
        None
    }
}

/// What a database still lacks to be reachable from the internet.
/// Fact sheet §29 (public access), §10, §11.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gap", rename_all = "snake_case")]
pub enum PublicAccessGap {
    /// The "publicly accessible" flag is off: no public IP, and the
    /// endpoint resolves to the private address only.
    NotPubliclyAccessible,
    /// A subnet of the DB subnet group (the subnets its instances are in)
    /// has no route to the internet gateway.
    SubnetNotPublic { subnet: String, route_table: String },
    /// No inbound rule of the database's security groups lets this
    /// client's address in on the database port.
    NoSgRuleFor {
        client: String,
        cidr: ipnet::Ipv4Net,
        port: u16,
    },
}

impl PublicAccessGap {
    /// What a learner reads.
    pub fn explain(&self) -> String {
        match self {
            PublicAccessGap::NotPubliclyAccessible => "\"publicly accessible\" is off: the database has no public IP and its endpoint resolves to a private address only (fact sheet §29)".into(),
            PublicAccessGap::SubnetNotPublic { subnet, route_table } => format!(
                "{subnet} (route table {route_table}) has no route to the internet gateway: every subnet of the DB subnet group must be public (fact sheet §10, §29)"
            ),
            PublicAccessGap::NoSgRuleFor { client, cidr, port } => format!(
                "no inbound rule of the database's security groups allows TCP {port} from {client} ({cidr}); a rule naming a security group matches private addresses only (fact sheet §11, §29)"
            ),
        }
    }
}

/// Everything the region's database still lacks for the scenario's
/// clients to reach it from the internet, in the order AWS's console
/// checks: the flag, the DB subnet group's subnets, the security groups.
/// Empty: reachable (Hoplab's VPCs have DNS hostnames and DNS resolution
/// on, the third requirement of §29). An unknown region has no gaps.
pub fn public_access_gaps(s: &Scenario, region: &str) -> Vec<PublicAccessGap> {
    let Some(r) = s.region(region) else {
        return vec![];
    };
    let mut gaps = vec![];
    if !r.rds.publicly_accessible {
        gaps.push(PublicAccessGap::NotPubliclyAccessible);
    }
    let mut subnets: Vec<&str> = r.rds.all_instances().map(|i| i.subnet.as_str()).collect();
    subnets.sort_unstable();
    subnets.dedup();
    for id in subnets {
        let Some(sub) = r.vpc.subnet(id) else {
            continue;
        };
        let public = r.vpc.route_table_of(sub).is_some_and(|t| {
            t.routes
                .iter()
                .any(|rt| matches!(rt.target, RouteTarget::Igw(_)))
        });
        if !public {
            gaps.push(PublicAccessGap::SubnetNotPublic {
                subnet: id.to_string(),
                route_table: r.vpc.route_table_id_of(sub).unwrap_or_default().to_string(),
            });
        }
    }
    let db_ip = r
        .rds
        .instances
        .first()
        .and_then(|i| i.public_ip)
        .unwrap_or(Ipv4Addr::new(198, 51, 100, 1));
    for c in &s.clients {
        let flow = Flow::v4(Protocol::Tcp, (c.ip, 50_000), (db_ip, r.rds.port));
        let groups = r.rds.security_groups.iter().filter_map(|g| r.vpc.sg(g));
        let d = sg_decide(
            groups,
            crate::sim::trace::Direction::Inbound,
            &flow,
            &[],
            false,
        );
        if !d.allowed {
            gaps.push(PublicAccessGap::NoSgRuleFor {
                client: c.id.clone(),
                cidr: ipnet::Ipv4Net::new(c.ip, 32).expect("a /32"),
                port: r.rds.port,
            });
        }
    }
    gaps
}

impl World {
    /// The region's database endpoints and what each reaches now.
    pub fn db_endpoints(&self, region: &str) -> Vec<DbEndpoint> {
        self.scenario
            .region(region)
            .map(|r| db_endpoints(r, self.rds.primary_of(region)))
            .unwrap_or_default()
    }
}
