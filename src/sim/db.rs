//! RDS: the pod's query, Multi-AZ failover on the clock. Fact sheet §15.

use super::event::app::{DbOutcome, DbRole};
use super::event::AppEvent;
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
    ) -> DbOutcome {
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
                None => return DbOutcome::NoInstance,
            },
        };
        let cached_until = cached.map(|(_, exp)| *exp);
        if app_caches && cached_until.is_none() {
            self.k8s
                .app_dns
                .insert(pod.id.clone(), (inst.id.clone(), now + ttl * 1000));
        }
        let role = match (&replica, read_only) {
            (Some(_), _) => DbRole::Replica,
            (None, true) => DbRole::Primary,
            (None, false) => DbRole::PrimaryWrite,
        };
        if let Some(exp) = cached_until {
            let left = (exp - now).div_ceil(1000);
            tb.hop(|| {
                Step::new(
                    (&pod.id, &pod.id),
                    Layer::Dns,
                    "-",
                    Event::App(AppEvent::AppDnsCache {
                        endpoint: r.rds.endpoint.clone(),
                        instance: inst.id.clone(),
                        left_s: left,
                        ttl_s: ttl,
                        primary: primary.to_string(),
                    }),
                    Verdict::Pass,
                    Code::DnsCacheHit,
                )
            });
            if inst.id != primary && self.db_up(r, inst) {
                tb.hop(|| {
                    Step::new(
                        (&pod.id, &inst.id),
                        Layer::Tcp,
                        format!("TCP/{}", r.rds.port),
                        Event::App(AppEvent::DbRefused {
                            instance: inst.id.clone(),
                        }),
                        Verdict::Error,
                        Code::ConnectionRefused,
                    )
                });
                tb.wait(1_000);
                return DbOutcome::Standby {
                    instance: inst.id.clone(),
                };
            }
        } else {
            tb.hop(|| {
                Step::new(
                    (&pod.id, &pod.id),
                    Layer::Dns,
                    "UDP/53",
                    Event::App(AppEvent::DbResolve {
                        endpoint: r.rds.endpoint.clone(),
                        instance: inst.id.clone(),
                        replica: replica.is_some(),
                    }),
                    Verdict::Pass,
                    Code::DnsAnswer,
                )
            });
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
                tb.hop(|| {
                    Step::new(
                        (&pod.id, &inst.id),
                        Layer::Sql,
                        format!("TCP/{}", r.rds.port),
                        Event::App(AppEvent::Query {
                            instance: inst.id.clone(),
                            engine: r.rds.engine.to_string(),
                            az: self.subnet_az(r, &inst.subnet).to_string(),
                            role,
                        }),
                        Verdict::Pass,
                        Code::Delivered,
                    )
                });
                tb.wait(hop_us + 2_000);
                tb.hop(|| {
                    Step::new(
                        (&inst.id, &pod.id),
                        Layer::Sql,
                        format!("TCP/{}", r.rds.port),
                        Event::App(AppEvent::QueryResult {
                            instance: inst.id.clone(),
                            write: !read_only,
                        }),
                        Verdict::Pass,
                        Code::Delivered,
                    )
                    .checks(World::vpc_return_checks(
                        r,
                        &inst.subnet,
                        &pod.subnet,
                        &db_flow.reversed(),
                    ))
                });
                tb.wait(hop_us);
                DbOutcome::Answered
            }
            Connect::Dropped(_) | Connect::Silent => {
                let code = code_or(&conn);
                tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
                DbOutcome::GaveUp {
                    timeout_s: APP_DB_CONNECT_TIMEOUT_S,
                    code,
                }
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
