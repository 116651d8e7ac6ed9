//! RDS: the pod's query, Multi-AZ failover on the clock. Fact sheet §15.

use super::net::*;
use super::scenario::*;
use super::trace::*;
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
}

impl World {
    /// The pod's query: reads go to a read replica when the database has
    /// any, everything else to the primary behind the endpoint name.
    pub(crate) fn pod_query_db(
        &mut self,
        r: &Region,
        pod: &Pod,
        read_only: bool,
        tb: &mut Recorder,
    ) -> (u16, String, Code) {
        let replica = (read_only && !r.rds.replicas.is_empty())
            .then(|| &r.rds.replicas[self.rng.index(r.rds.replicas.len())]);
        let primary = self
            .rds
            .primary
            .get(&r.id)
            .map(String::as_str)
            .unwrap_or_default();
        // The application may keep the endpoint's address in its own DNS
        // cache; then it does not see a failover flip until that expires.
        let now = self.clock_ms;
        let ttl = r.cluster.app_dns_cache_s as u64;
        let app_caches = ttl > 0 && replica.is_none();
        let cached = app_caches
            .then(|| self.k8s.app_dns.get(&pod.id))
            .flatten()
            .filter(|(_, exp)| *exp > now);
        let target = cached.map_or(primary, |(id, _)| id.as_str());
        let inst = match replica {
            Some(rep) => rep,
            None => match r.rds.instances.iter().find(|i| i.id == target) {
                Some(i) => i,
                None => return (500, "no database instance".into(), Code::ComponentDown),
            },
        };
        let cached_until = cached.map(|(_, exp)| *exp);
        if app_caches && cached_until.is_none() {
            self.k8s
                .app_dns
                .insert(pod.id.clone(), (inst.id.clone(), now + ttl * 1000));
        }
        let (sql, role) = match (&replica, read_only) {
            (Some(_), _) => (
                "SQL SELECT * FROM appointments WHERE patient_id = $1",
                "read replica (asynchronous, read-only; it may lag the primary by its ReplicaLag)",
            ),
            (None, true) => (
                "SQL SELECT * FROM appointments WHERE patient_id = $1",
                "primary",
            ),
            (None, false) => (
                "SQL INSERT INTO appointments VALUES ($1, $2, $3)",
                "primary (writes always go to the primary)",
            ),
        };
        if let Some(exp) = cached_until {
            let left = (exp - now).div_ceil(1000);
            hop!(
                tb,
                &pod.id,
                &pod.id,
                Layer::Dns,
                "-",
                format!(
                    "application DNS cache: {} -> {} ({left} s left)",
                    r.rds.endpoint, inst.id
                ),
                if inst.id == primary {
                    format!("the application keeps resolved addresses for {ttl} s (app_dns_cache_s), so it does not ask the VPC resolver (fact sheet §1)")
                } else {
                    format!("the application keeps resolved addresses for {ttl} s, so it still uses {} although RDS has flipped the endpoint to {primary}: a long DNS cache prolongs a failover (fact sheet §1, §15)", inst.id)
                },
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit
            );
            if inst.id != primary && self.db_up(r, inst) {
                hop!(tb, &pod.id, &inst.id, Layer::Tcp, &format!("TCP/{}", r.rds.port), "connection refused".into(),
                    format!("{} is now the Multi-AZ standby, which accepts no connections (fact sheet §15)", inst.id),
                    vec![], Verdict::Error, Code::ConnectionRefused);
                tb.wait(1_000);
                return (500, format!("the application reached {}, which is no longer the primary, and answers 500", inst.id), Code::ConnectionRefused);
            }
        } else {
            hop!(
                tb,
                &pod.id,
                &pod.id,
                Layer::Dns,
                "UDP/53",
                format!(
                    "resolve {} -> {} (VPC resolver)",
                    if replica.is_some() {
                        format!("{} (replica endpoint)", inst.id)
                    } else {
                        r.rds.endpoint.clone()
                    },
                    inst.id
                ),
                if replica.is_some() {
                    "reads go to a read replica's own endpoint; a replica is never promoted automatically (fact sheet §15)".to_string()
                } else {
                    "the RDS endpoint name always points at the current primary; after a Multi-AZ failover RDS flips it (fact sheet §15)".to_string()
                },
                vec![],
                Verdict::Pass,
                Code::DnsAnswer
            );
        }
        let (conn, db_flow) = self.vpc_connect(
            r,
            (
                Endpoint {
                    id: &pod.id,
                    subnet: &pod.subnet,
                    host: pod.host,
                    sgs: &pod.security_groups,
                },
                EphemeralRange::Linux,
            ),
            (
                Endpoint {
                    id: &inst.id,
                    subnet: &inst.subnet,
                    host: inst.host,
                    sgs: &r.rds.security_groups,
                },
                r.rds.port,
            ),
            tb,
        );
        let same_az = self.subnet_az(r, &pod.subnet) == self.subnet_az(r, &inst.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        match conn {
            Connect::Ok => {
                tb.wait(hop_us * 2);
                hop!(
                    tb,
                    &pod.id,
                    &inst.id,
                    Layer::Sql,
                    &format!("TCP/{}", r.rds.port),
                    sql.into(),
                    format!(
                        "{} ({}) {role} in {}",
                        r.rds.engine,
                        inst.id,
                        self.subnet_az(r, &inst.subnet)
                    ),
                    vec![],
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(hop_us + 2_000);
                hop!(
                    tb,
                    &inst.id,
                    &pod.id,
                    Layer::Sql,
                    &format!("TCP/{}", r.rds.port),
                    if read_only {
                        "SQL result: 3 rows"
                    } else {
                        "SQL result: INSERT 0 1"
                    }
                    .into(),
                    "the rows come back to the pod's ephemeral port through both network ACLs"
                        .into(),
                    World::vpc_return_checks(r, &inst.subnet, &pod.subnet, &db_flow.reversed()),
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(hop_us);
                (
                    200,
                    "the application answers with the appointments as JSON".into(),
                    Code::Delivered,
                )
            }
            Connect::Dropped(_) | Connect::Silent => {
                let code = code_or(&conn);
                tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
                (500, format!("the application gave up on the database after {APP_DB_CONNECT_TIMEOUT_S} s and answers 500 ({code})"), code)
            }
        }
    }

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
            // Multi-AZ failover typically takes 60-120 s. Fact sheet §15.
            let delay = self.rng.range(60, 120) * 1000;
            self.rds
                .failover_due
                .insert(id.clone(), self.clock_ms + delay);
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({id})"),
                text: format!(
                    "primary lost: Multi-AZ failover will complete in {} s",
                    delay / 1000
                ),
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
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({region})"),
                text: format!(
                    "Multi-AZ failover complete: {} promoted; {} now resolves to it",
                    standby.id, r.rds.endpoint
                ),
            });
        }
    }

    /// Whether a database instance answers (its AZ and region are up and it
    /// has not failed).
    pub(crate) fn db_up(&self, r: &Region, i: &DbInstance) -> bool {
        self.placement_up(r, &i.subnet) && !self.rds.failed.contains(&i.id)
    }
}
