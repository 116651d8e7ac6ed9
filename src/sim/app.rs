//! The appointments application in its pod: accepting or refusing the
//! connection (crashed, hung), its own answers (health, OPTIONS, 405), its
//! database work through its DNS cache and the RDS endpoint, and the
//! confirmation SMS. RDS itself is [`crate::sim::db`]. Fact sheet §14, §15.

use std::net::Ipv4Addr;

use super::alb::{HttpCtx, Target};
use super::conn::Pooled;
use super::event::alb::AlbError;
use super::event::app::{AppAnswer, DbOutcome, DbPoolBreak, DbReadOnlyError, DbRole, ResetReason};
use super::event::{AlbEvent, AppEvent};
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::vpc::{reuse_hop, tracked_checks};
use super::world::*;

/// How a request reaches a pod from the ALB: the ALB's id, the peer the pod
/// sees, the connection's five-tuple, the ALB node's subnet, and the one-way
/// time of a hop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Delivery<'a> {
    pub alb: &'a str,
    pub peer: Ipv4Addr,
    pub flow: Flow,
    pub alb_subnet: &'a str,
    pub hop_us: u64,
    /// A Network Load Balancer delivered it (no HTTP read on the way, so
    /// no X-Forwarded-For; fact sheet §9).
    pub by_nlb: bool,
}

/// The application's health endpoint: answered without the database.
pub const HEALTH_PATH: &str = "/healthz";

/// What the health endpoint's body says. Fact sheet §4 (string matching).
pub const HEALTH_BODY: &str = "{\"status\":\"ok\"}";
/// The body of the application's other pages (a read through the database).
pub const PAGE_BODY: &str =
    "<!doctype html><title>HealthcareApp</title><h1>Appointments</h1><p>Book a visit.</p>";

/// The body the application sends with a successful answer at `path`.
pub fn page_body(path: &str) -> &'static str {
    if path == HEALTH_PATH {
        HEALTH_BODY
    } else {
        PAGE_BODY
    }
}

/// The address a pod sees as its peer behind kube-proxy: the node's (SNAT).
pub(crate) fn pod_peer(r: &Region, node: &Target) -> Ipv4Addr {
    r.vpc
        .subnet(node.subnet)
        .and_then(|s| s.host(node.host))
        .unwrap_or(Ipv4Addr::UNSPECIFIED)
}

/// Which endpoint a query goes through. Fact sheet §15, §29.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// The writer (cluster) endpoint: the primary.
    Writer,
    /// A cluster's reader endpoint: one reader per new connection.
    Reader,
    /// A read replica's own endpoint.
    Replica,
}

/// The database instance a query goes to, and how the application found it.
struct DbTarget<'a> {
    inst: &'a DbInstance,
    via: Via,
    /// When the application's DNS cache entry expires, if it answered.
    cached_until: Option<u64>,
    /// The instances the reader endpoint picked among (a fresh lookup).
    among: Vec<String>,
    /// Seconds the VPC resolver's cached answer had left, if it answered
    /// from its cache.
    resolver_left_s: Option<u64>,
}

impl World {
    /// Whether the machine a pod runs on is up (its AZ, region and node).
    pub(crate) fn pod_host_up(&self, r: &Region, pod: &Pod) -> bool {
        self.placement_up(r, &pod.subnet)
            && !pod
                .node
                .as_ref()
                .is_some_and(|n| self.has_fault(|| Fault::NodeDown { node: n.clone() }))
    }

    /// The pod's answer once a connection reached it.
    pub(crate) fn serve(
        &mut self,
        r: &Region,
        pod: &Pod,
        d: &Delivery,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let (alb, port) = (d.alb, d.flow.dst_port);
        // A burst's requests are load an autoscaler measures (fact sheet §28).
        if ctx.concurrent && r.cluster.autoscalers.iter().any(|a| a.app == pod.app) {
            self.k8s.note_load(&pod.id, self.clock_ms);
        }
        let with_pod = |mut resp: Resp| {
            resp.pod = Some(pod.id.as_str().into());
            resp
        };
        if self.has_fault(|| Fault::PodDown {
            pod: pod.id.clone(),
        }) {
            tb.hop(|| {
                Step::new(
                    (&pod.id, alb),
                    Layer::Tcp,
                    format!("TCP/{port}"),
                    Event::App(AppEvent::Reset {
                        reason: ResetReason::Crashed {
                            pod: pod.id.clone(),
                        },
                    }),
                    Verdict::Error,
                    Code::ConnectionRefused,
                )
            });
            return with_pod(self.alb_502(alb, &pod.id, tb));
        }
        let pip = r
            .vpc
            .subnet(&pod.subnet)
            .and_then(|s| s.host(pod.host))
            .expect("validated");
        let delay_us = app_delay_us(r, pod, ctx);
        tb.hop(|| {
            Step::new(
                (alb, &pod.id),
                Layer::Http,
                format!("TCP/{port}"),
                Event::App(AppEvent::PodRequest {
                    pod: pod.id.clone(),
                    method: ctx.method.to_string(),
                    path: ctx.path.to_string(),
                    ip: pip,
                    port,
                    peer: d.peer,
                    delay_ms: (delay_us / 1_000) as u32,
                    by_nlb: d.by_nlb,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(d.hop_us);
        let idle_s = r.alb.idle_timeout_s as u64;
        if self.has_fault(|| Fault::PodHung {
            pod: pod.id.clone(),
        }) {
            return with_pod(hung(tb, (alb, idle_s), (pod, false), ctx));
        }
        // The application's extra processing time (§16 "+ server time"):
        // one the ALB's idle timeout or the sender's response timeout runs
        // out on ends as that timeout, as a hung pod's does (§8, §26).
        if delay_us > 0 {
            let limit_s = ctx.client_timeout_s.unwrap_or(u64::MAX).min(idle_s);
            if delay_us >= limit_s.saturating_mul(1_000_000) {
                return with_pod(hung(tb, (alb, idle_s), (pod, true), ctx));
            }
            tb.work(delay_us);
        }
        with_pod(self.respond(r, pod, d, ctx, tb))
    }

    /// The application's answer and its way back to the ALB.
    fn respond(
        &mut self,
        r: &Region,
        pod: &Pod,
        d: &Delivery,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let answer = self.app_answer(r, pod, ctx, tb);
        let status = answer.status();
        let code = answer.code();
        let sms_failed = matches!(answer, AppAnswer::SmsFailed { .. });
        tb.work(APP_WORK_US);
        tb.hop(|| {
            Step::new(
                (&pod.id, d.alb),
                Layer::Http,
                format!("TCP/{}", d.flow.dst_port),
                Event::App(AppEvent::PodResponse {
                    pod: pod.id.clone(),
                    status,
                    answer,
                }),
                if status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                code,
            )
            .checks(World::vpc_return_checks(
                r,
                &pod.subnet,
                d.alb_subnet,
                &d.flow.reversed(),
            ))
        });
        tb.wait(d.hop_us);
        let summary = match code {
            _ if status < 400 => {
                return Resp::ok(
                    status,
                    &pod.id,
                    format!("served by {} in {}", pod.id, r.label),
                )
            }
            Code::TargetError if status != 500 => format!("{} answered {status}", pod.id),
            Code::TargetError => format!("{} answered 500", pod.id),
            Code::MethodNotAllowed => format!("{} does not accept {}", pod.id, ctx.method),
            Code::DbReadOnly => format!(
                "{} answered 500: a read-only database instance refused the write",
                pod.id
            ),
            Code::DnsNxdomain => format!(
                "{} answered 500: its database endpoint name does not exist",
                pod.id
            ),
            _ if sms_failed => sms_failed_summary(code),
            _ => "the application could not reach its database".into(),
        };
        Resp::err(Some(status), &pod.id, code, summary)
    }

    /// What the application does with a request that reached it: its
    /// health endpoint, OPTIONS, 405, or database work (and an SMS for a
    /// booking).
    fn app_answer(&mut self, r: &Region, pod: &Pod, ctx: &HttpCtx, tb: &mut Recorder) -> AppAnswer {
        if self.has_fault(|| Fault::TargetUnhealthy {
            pod: pod.id.clone(),
        }) {
            return AppAnswer::Broken;
        }
        if let Some(status) = r.cluster.app_answer(&ctx.path) {
            return AppAnswer::Fixed {
                path: ctx.path.to_string(),
                status,
            };
        }
        if &*ctx.path == HEALTH_PATH {
            return AppAnswer::Health;
        }
        if &*ctx.method == "OPTIONS" {
            return AppAnswer::Options;
        }
        if !matches!(&*ctx.method, "GET" | "HEAD" | "POST") {
            return AppAnswer::MethodNotAllowed {
                method: ctx.method.to_string(),
            };
        }
        let read = &*ctx.method == "GET" || &*ctx.method == "HEAD";
        let pooled = !ctx.unpooled && !ctx.concurrent;
        let outcome = self.pod_query_db(r, pod, (read, pooled), tb);
        // A write sends a confirmation SMS through the NAT gateway.
        match (outcome, read) {
            (DbOutcome::Answered, false) => match self.pod_egress(r, pod, tb) {
                Ok(()) => AppAnswer::Booked,
                Err((code, reason)) => AppAnswer::SmsFailed { code, reason },
            },
            (outcome, _) => AppAnswer::Db { outcome },
        }
    }

    /// The pod's query: through the endpoint its Service's database
    /// routing names (the writer for everything by default; reads to a
    /// Multi-AZ DB instance's read replicas when it has any; the reader
    /// endpoint when the routing says so). With `pooled`, a connection
    /// from the application's pool when one is open (no lookup, no
    /// handshake), kept for the next query. Fact sheet §15, §26, §29.
    pub(crate) fn pod_query_db(
        &mut self,
        r: &Region,
        pod: &Pod,
        (read_only, pooled): (bool, bool),
        tb: &mut Recorder,
    ) -> DbOutcome {
        let routing = r.cluster.db_routing(&pod.app);
        let via = if routing.to_reader(!read_only) {
            if r.rds.deployment.has_reader_endpoint() {
                Via::Reader
            } else if !r.rds.replicas.is_empty() {
                Via::Replica
            } else {
                return no_reader_endpoint(r, pod, tb);
            }
        } else if read_only && !r.rds.replicas.is_empty() {
            Via::Replica
        } else {
            Via::Writer
        };
        let pool_to = |target: Option<&DbTarget>| match (via, target) {
            (Via::Replica, Some(t)) => t.inst.id.clone(),
            (Via::Reader, _) => "reader".to_string(),
            _ => "writer".to_string(),
        };
        let pooling = pooled && r.cluster.db_pool_size > 0;
        // The reader endpoint's pooled connection stays where it landed.
        let reader_pool = (pooling && via == Via::Reader)
            .then(|| KeyBuf::new(&["d|", &r.id, "|", &pod.id, "|reader"]));
        let target = match self.db_target(r, pod, via, reader_pool.as_ref().map(|k| k.as_str())) {
            Some(t) => t,
            None => return DbOutcome::NoInstance,
        };
        let primary = self.rds.primary_of(&r.id);
        let writable = via != Via::Replica && target.inst.id == primary;
        let role = match (read_only, via, writable) {
            (true, Via::Replica, _) => DbRole::Replica,
            (true, Via::Writer, true) => DbRole::Primary,
            (true, _, _) => DbRole::Reader,
            (false, _, true) => DbRole::PrimaryWrite,
            (false, _, false) => DbRole::ReaderWrite,
        };
        let pool = pooling.then(|| {
            let to = pool_to(Some(&target));
            KeyBuf::new(&["d|", &r.id, "|", &pod.id, "|", &to])
        });
        if let Some(key) = &pool {
            if let Some(open) = self.pooled_db(r, pod, (key, &target), tb) {
                return self.db_query(r, pod, (target.inst, role), Some((key, Some(open))), tb);
            }
        }
        if let Err(refused) = self.db_lookup(r, pod, &target, tb) {
            return refused;
        }
        let key = pool.as_ref().map(|k| k.as_str());
        self.db_query(r, pod, (target.inst, role), key.map(|k| (k, None)), tb)
    }

    /// The pool's open connection for this query, if it still works: one
    /// to an instance that failed over or went down is dropped, a hop
    /// saying so. Fact sheet §15, §26.
    fn pooled_db(
        &mut self,
        r: &Region,
        pod: &Pod,
        (key, target): (&str, &DbTarget),
        tb: &mut Recorder,
    ) -> Option<Pooled> {
        let open = self.conn.pools.get(key).copied()?;
        let addr = |i: &DbInstance| r.vpc.subnet(&i.subnet).and_then(|s| s.host(i.host));
        let was = r
            .rds
            .instances
            .iter()
            .chain(&r.rds.replicas)
            .find(|i| open.peer.is_some() && addr(i) == open.peer);
        let primary = self.rds.primary_of(&r.id);
        let reason = match was {
            Some(i) if !self.db_up(r, i) => Some(DbPoolBreak::InstanceDown),
            Some(i) if i.id == target.inst.id && (target.via != Via::Writer || i.id == primary) => {
                None
            }
            _ => Some(DbPoolBreak::Failover),
        };
        let Some(reason) = reason else {
            return Some(open);
        };
        self.conn.drop_conn(key);
        let instance = was.map_or_else(|| target.inst.id.clone(), |i| i.id.clone());
        tb.hop(|| {
            Step::new(
                (&pod.id, &instance),
                Layer::Tcp,
                format!("TCP/{}", r.rds.port),
                Event::App(AppEvent::DbPoolReset {
                    instance: instance.clone(),
                    reason,
                    served: open.served,
                }),
                Verdict::Pass,
                Code::DbPoolReset,
            )
        });
        None
    }

    /// Which instance the application reaches: a replica for a read when
    /// there is one; through the writer endpoint the primary; through the
    /// reader endpoint the reader its pooled connection landed on, or one
    /// picked at random among the readers that are up; or what its own
    /// DNS cache still says for that name (and it caches a fresh answer).
    /// Fact sheet §15, §29.
    fn db_target<'a>(
        &mut self,
        r: &'a Region,
        pod: &Pod,
        via: Via,
        reader_pool: Option<&str>,
    ) -> Option<DbTarget<'a>> {
        if via == Via::Replica {
            let rep = &r.rds.replicas[self.rng.index(r.rds.replicas.len())];
            return Some(DbTarget {
                inst: rep,
                via,
                cached_until: None,
                among: vec![],
                resolver_left_s: None,
            });
        }
        // The application may keep the endpoint's address in its own DNS
        // cache; then it does not see a failover flip until that expires.
        let now = self.clock_ms;
        let ttl = r.cluster.app_dns_cache_s as u64;
        let cache_key = match via {
            Via::Reader => format!("{}|ro", pod.id),
            _ => pod.id.clone(),
        };
        let cached = (ttl > 0)
            .then(|| self.k8s.app_dns.get(&cache_key))
            .flatten()
            .filter(|(_, exp)| *exp > now)
            .cloned();
        let primary = self.rds.primary_of(&r.id).to_string();
        let mut among = vec![];
        let find = |id: &str| r.rds.instances.iter().find(|i| i.id == id);
        // A cluster's names are cached by the VPC resolver for their TTL
        // (5 s, the reader's 1 s): an answer from before a failover, or
        // the reader it picked, holds until then. Fact sheet §29.
        let cluster = r.rds.deployment.has_reader_endpoint();
        let name = cluster.then(|| match via {
            Via::Reader => r.rds.reader_endpoint_name(),
            _ => r.rds.endpoint.clone(),
        });
        let resolved = name
            .as_ref()
            .filter(|_| cached.is_none())
            .and_then(|n| self.rds.resolver.get(n))
            .filter(|(_, exp)| *exp > now)
            .and_then(|(id, exp)| Some((find(id)?, *exp)));
        let mut resolver_until = None;
        let inst = if let Some((id, _)) = &cached {
            find(id)?
        } else if let Some(i) = self.landed_reader(r, via, &primary, reader_pool) {
            i
        } else if let Some((i, exp)) = resolved {
            resolver_until = Some(exp);
            i
        } else {
            let fresh = if via == Via::Reader {
                let readers = crate::sim::db::reader_instances(&r.rds, &primary);
                let up: Vec<&DbInstance> = readers
                    .iter()
                    .copied()
                    .filter(|i| self.db_up(r, i))
                    .collect();
                let pool = if up.is_empty() { readers } else { up };
                among = pool.iter().map(|i| i.id.clone()).collect();
                *pool.get(self.rng.index(pool.len()))?
            } else {
                find(&primary)?
            };
            if let Some(name) = name {
                let ttl_s = match via {
                    Via::Reader => DB_READER_ENDPOINT_TTL_S,
                    _ => DB_ENDPOINT_TTL_S,
                };
                self.rds
                    .resolver
                    .insert(name, (fresh.id.clone(), now + ttl_s as u64 * 1000));
            }
            fresh
        };
        let cached_until = cached.as_ref().map(|(_, exp)| *exp);
        if ttl > 0 && cached_until.is_none() {
            self.k8s
                .app_dns
                .insert(cache_key, (inst.id.clone(), now + ttl * 1000));
        }
        Some(DbTarget {
            inst,
            via,
            cached_until,
            among,
            resolver_left_s: resolver_until.map(|exp| (exp - now).div_ceil(1000)),
        })
    }

    /// The reader a pooled reader-endpoint connection landed on, when it
    /// is still up: the connection stays there. Fact sheet §29.
    fn landed_reader<'a>(
        &self,
        r: &'a Region,
        via: Via,
        primary: &str,
        reader_pool: Option<&str>,
    ) -> Option<&'a DbInstance> {
        if via != Via::Reader {
            return None;
        }
        let readers = crate::sim::db::reader_instances(&r.rds, primary);
        let addr = |i: &DbInstance| r.vpc.subnet(&i.subnet).and_then(|s| s.host(i.host));
        let peer = self.conn.pools.get(reader_pool?)?.peer?;
        readers
            .into_iter()
            .find(|i| addr(i) == Some(peer))
            .filter(|i| self.db_up(r, i))
    }

    /// How the application found the instance's address: its own DNS cache
    /// (which may still name a demoted primary: a Multi-AZ standby that
    /// refuses, or a cluster's reader that refuses writes), or the VPC
    /// resolver. Fact sheet §1, §15, §29.
    fn db_lookup(
        &self,
        r: &Region,
        pod: &Pod,
        t: &DbTarget,
        tb: &mut Recorder,
    ) -> Result<(), DbOutcome> {
        let inst = t.inst;
        let primary = self.rds.primary_of(&r.id);
        let cluster = r.rds.deployment.has_reader_endpoint();
        let endpoint = || match t.via {
            Via::Reader => r.rds.reader_endpoint_name(),
            _ => r.rds.endpoint.clone(),
        };
        let Some(exp) = t.cached_until else {
            let (via, ttl_s) = match t.via {
                Via::Reader => (
                    Some(crate::sim::db::DbEndpointKind::Reader),
                    Some(DB_READER_ENDPOINT_TTL_S),
                ),
                Via::Writer if cluster => (
                    Some(crate::sim::db::DbEndpointKind::Writer),
                    Some(DB_ENDPOINT_TTL_S),
                ),
                _ => (None, None),
            };
            tb.hop(|| {
                Step::new(
                    (&pod.id, &pod.id),
                    Layer::Dns,
                    "UDP/53",
                    Event::App(AppEvent::DbResolve {
                        endpoint: endpoint(),
                        instance: inst.id.clone(),
                        replica: t.via == Via::Replica,
                        via,
                        ttl_s,
                        among: t.among.clone(),
                        cached_left_s: t.resolver_left_s,
                    }),
                    Verdict::Pass,
                    Code::DnsAnswer,
                )
            });
            return Ok(());
        };
        let left = (exp - self.clock_ms).div_ceil(1000);
        tb.hop(|| {
            Step::new(
                (&pod.id, &pod.id),
                Layer::Dns,
                "-",
                Event::App(AppEvent::AppDnsCache {
                    endpoint: endpoint(),
                    instance: inst.id.clone(),
                    left_s: left,
                    ttl_s: r.cluster.app_dns_cache_s as u64,
                    primary: primary.to_string(),
                    reader: t.via == Via::Reader,
                }),
                Verdict::Pass,
                Code::DnsCacheHit,
            )
        });
        // A Multi-AZ DB instance's standby accepts no connections; a
        // cluster's demoted writer is a reader now. Fact sheet §15, §29.
        if !cluster && inst.id != primary && self.db_up(r, inst) {
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
            return Err(DbOutcome::Standby {
                instance: inst.id.clone(),
            });
        }
        Ok(())
    }

    /// Connect to the instance through both subnets' filters and run the
    /// query.
    fn db_query(
        &mut self,
        r: &Region,
        pod: &Pod,
        (inst, role): (&DbInstance, DbRole),
        pool: Option<(&str, Option<Pooled>)>,
        tb: &mut Recorder,
    ) -> DbOutcome {
        let now = self.clock_ms;
        let (conn, db_flow) = match pool {
            Some((key, Some(open))) => {
                // A pooled connection: the NACLs check every packet, the
                // security groups track the flow. Fact sheet §24, §26.
                let addr = |s: &str, h: u32| r.vpc.subnet(s).and_then(|s| s.host(h));
                let flow = Flow::v4(
                    Protocol::Tcp,
                    (
                        addr(&pod.subnet, pod.host).unwrap_or(Ipv4Addr::UNSPECIFIED),
                        open.src_port,
                    ),
                    (
                        addr(&inst.subnet, inst.host).unwrap_or(Ipv4Addr::UNSPECIFIED),
                        r.rds.port,
                    ),
                );
                let path = tracked_checks(r, (&pod.subnet, &inst.subnet), &flow, tb.records());
                let idle = now.saturating_sub(open.last_used_ms);
                let ends = ((pod.id.as_str(), inst.id.as_str()), r.rds.port);
                match reuse_hop(tb, ends, (flow, idle, open.served), path, None) {
                    Some(d) => {
                        self.conn.drop_conn(key);
                        tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
                        return DbOutcome::GaveUp {
                            timeout_s: APP_DB_CONNECT_TIMEOUT_S,
                            code: d.code(),
                        };
                    }
                    None => (Connect::Ok, flow),
                }
            }
            _ => self.vpc_connect(
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
            ),
        };
        let same_az = self.subnet_az(r, &pod.subnet) == self.subnet_az(r, &inst.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        if let Some((key, _)) = pool {
            if matches!(conn, Connect::Ok) {
                let peer = match db_flow.dst {
                    std::net::IpAddr::V4(a) => a,
                    std::net::IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
                };
                self.conn.keep_to(key, now, (db_flow.src_port, peer), None);
            } else {
                self.conn.drop_conn(key);
            }
        }
        if !matches!(conn, Connect::Ok) {
            let code = code_or(&conn);
            tb.wait(APP_DB_CONNECT_TIMEOUT_S * 1_000_000);
            return DbOutcome::GaveUp {
                timeout_s: APP_DB_CONNECT_TIMEOUT_S,
                code,
            };
        }
        tb.wait(hop_us * 2);
        let sql = |ends, event, checks| {
            Step::new(
                ends,
                Layer::Sql,
                format!("TCP/{}", r.rds.port),
                Event::App(event),
                Verdict::Pass,
                Code::Delivered,
            )
            .checks(checks)
        };
        tb.hop(|| {
            let event = AppEvent::Query {
                instance: inst.id.clone(),
                engine: r.rds.engine.to_string(),
                az: self.subnet_az(r, &inst.subnet).to_string(),
                role,
            };
            sql((&pod.id, &inst.id), event, vec![])
        });
        tb.wait(hop_us + 2_000);
        if role == DbRole::ReaderWrite {
            // A read-only instance refuses the write with its engine's
            // error. Fact sheet §29.
            let error = DbReadOnlyError::for_engine(r.rds.is_mysql(), "INSERT");
            tb.hop(|| {
                let back =
                    World::vpc_return_checks(r, &inst.subnet, &pod.subnet, &db_flow.reversed());
                Step::new(
                    (&inst.id, &pod.id),
                    Layer::Sql,
                    format!("TCP/{}", r.rds.port),
                    Event::App(AppEvent::DbReadOnly {
                        instance: inst.id.clone(),
                        error: error.clone(),
                    }),
                    Verdict::Error,
                    Code::DbReadOnly,
                )
                .checks(back)
            });
            tb.wait(hop_us);
            return DbOutcome::ReadOnly {
                instance: inst.id.clone(),
                error,
            };
        }
        tb.hop(|| {
            let event = AppEvent::QueryResult {
                instance: inst.id.clone(),
                write: role == DbRole::PrimaryWrite,
            };
            let back = World::vpc_return_checks(r, &inst.subnet, &pod.subnet, &db_flow.reversed());
            sql((&inst.id, &pod.id), event, back)
        });
        tb.wait(hop_us);
        DbOutcome::Answered
    }
}

/// The application's own time on a request before it answers (§16: "+
/// server time"), shown as application time in the timeline.
pub const APP_WORK_US: u64 = 3_000;

/// The extra processing time of the pod's application on this request,
/// microseconds: the scenario's `cluster.app_delays`; none for the health
/// endpoint, which answers at once.
fn app_delay_us(r: &Region, pod: &Pod, ctx: &HttpCtx) -> u64 {
    if &*ctx.path == HEALTH_PATH {
        return 0;
    }
    r.cluster.app_delay_ms(&pod.app) as u64 * 1_000
}

/// A pod that accepted the request and never answers (hung), or not in
/// time (`slow`: its app delay is longer): the sender gives up first (the
/// ALB logs 460) or the ALB's idle timeout ends it (504). Fact sheet §8.
fn hung(
    tb: &mut Recorder,
    (alb, idle_s): (&str, u64),
    (pod, slow): (&Pod, bool),
    ctx: &HttpCtx,
) -> Resp {
    let limit = ctx.client_timeout_s.unwrap_or(u64::MAX);
    let closed = limit < idle_s;
    let (code, status, summary) = if closed {
        tb.wait(limit * 1_000_000);
        let summary = if slow {
            format!(
                "{} was still working (its app delay); the client closed the connection first",
                pod.id
            )
        } else {
            format!("{} hung; the client closed the connection first", pod.id)
        };
        (Code::ClientClosed, 460, summary)
    } else {
        tb.wait(idle_s * 1_000_000);
        let summary = format!("{} did not answer within {idle_s} s", pod.id);
        (Code::ConnectionTimeout, 504, summary)
    };
    tb.hop(|| {
        let target = pod.id.clone();
        let reason = if closed {
            AlbError::ClientClosed {
                target,
                waited_s: limit,
                idle_timeout_s: idle_s,
            }
        } else {
            AlbError::IdleTimeout {
                target,
                timeout_s: idle_s,
            }
        };
        Step::new(
            (alb, alb),
            Layer::Http,
            "-",
            Event::Alb(AlbEvent::generated(reason)),
            Verdict::Timeout,
            code,
        )
    });
    Resp::err(Some(status), alb, code, summary)
}

/// The outcome of a booking whose confirmation SMS did not get out: the
/// appointment is stored, the SMS API was not reached, and why in a few
/// words. Only the code is used, so a recorded walk and a burst's request
/// end with the same summary.
fn sms_failed_summary(code: Code) -> String {
    let why = match code {
        Code::SubnetAclRestriction => "a network ACL dropped the connection",
        Code::EniSgRulesMismatch => "a security group dropped the connection",
        Code::NoRouteToDestination => "no route leads to the internet through a NAT gateway",
        Code::ComponentDown => "the NAT gateway's Availability Zone is down",
        _ => "the connection was dropped",
    };
    format!("the appointment was stored, but the SMS API could not be reached: {why}")
}

/// The application is configured with a reader endpoint the database does
/// not have (a Multi-AZ DB instance: its standby serves no reads, and no
/// name reaches it): the lookup answers NXDOMAIN. Fact sheet §15, §29.
fn no_reader_endpoint(r: &Region, pod: &Pod, tb: &mut Recorder) -> DbOutcome {
    let endpoint = r.rds.reader_endpoint_name();
    tb.hop(|| {
        Step::new(
            (&pod.id, &pod.id),
            Layer::Dns,
            "UDP/53",
            Event::App(AppEvent::DbNoEndpoint {
                endpoint: endpoint.clone(),
            }),
            Verdict::Error,
            Code::DnsNxdomain,
        )
    });
    DbOutcome::NoEndpoint { endpoint }
}
