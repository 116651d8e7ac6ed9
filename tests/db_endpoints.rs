//! The database's deployment kinds and endpoints: a Multi-AZ DB instance's
//! one endpoint (its standby unreachable), a cluster's writer and reader
//! endpoints, writes refused by read-only instances, endpoint DNS through
//! the application's cache across a failover, and public access.
//! Fact sheet §15, §29 (and §10, §11 for public access).

use std::collections::{BTreeMap, BTreeSet};

use hoplab::sim::db::{db_endpoint_address, public_access_gaps, DbEndpointKind, PublicAccessGap};
use hoplab::sim::defaults::default_scenario;
use hoplab::sim::event::app::{AppAnswer, DbOutcome, DbReadOnlyError, DbRole};
use hoplab::sim::event::{AppEvent, Event};
use hoplab::sim::limits::{FAILOVER_AURORA_S, FAILOVER_MULTI_AZ_INSTANCE_S};
use hoplab::sim::scenario::*;
use hoplab::sim::trace::Code;
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Fault, Request, Trace, World};

const REGION: &str = "us-east-1";

fn edit(w: &mut World, json: &str) -> Result<(), String> {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    w.apply_edit(&e).map_err(|e| e.to_string())
}

/// The default world with edits applied (each must be accepted).
fn world_with(edits: &[&str]) -> World {
    let mut w = World::default_world();
    for e in edits {
        edit(&mut w, e).unwrap_or_else(|m| panic!("{e}: {m}"));
    }
    w
}

fn get(w: &mut World) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store())
}

fn post(w: &mut World) -> Trace {
    w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    })
}

fn app_events(t: &Trace) -> impl Iterator<Item = &AppEvent> {
    t.hops.iter().filter_map(|h| match &h.event {
        Event::App(e) => Some(e),
        _ => None,
    })
}

/// The instance and role of the trace's SQL query.
fn query(t: &Trace) -> Option<(String, DbRole)> {
    app_events(t).find_map(|e| match e {
        AppEvent::Query { instance, role, .. } => Some((instance.clone(), *role)),
        _ => None,
    })
}

const AURORA: &str = r#"{"kind":"set_db_deployment","region":"us-east-1","deployment":"aurora"}"#;
const READER_A2: &str =
    r#"{"kind":"add_db_reader","region":"us-east-1","subnet":"subnet-data-a2"}"#;
const READS_TO_READER: &str =
    r#"{"kind":"set_db_routing","service":"svc-a","route":"reads_to_reader"}"#;
const ALL_TO_READER: &str =
    r#"{"kind":"set_db_routing","service":"svc-a","route":"all_to_reader"}"#;
const NO_POOL: &str = r#"{"kind":"set_db_pool","region":"us-east-1","size":"0"}"#;

#[test]
fn the_default_database_is_a_multi_az_instance_whose_standby_no_endpoint_reaches() {
    // Fact sheet §15: the Multi-AZ standby cannot serve reads; §29: one endpoint.
    let w = World::default_world();
    let r = &w.scenario().regions[0];
    assert_eq!(r.rds.deployment, DbDeployment::MultiAzInstance);
    assert_eq!(r.rds.reader_endpoint(), None);
    let eps = w.db_endpoints(REGION);
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].kind, DbEndpointKind::Writer);
    assert_eq!(eps[0].reaches, vec!["rds-a-1".to_string()]);
    assert!(eps[0].writable);
    assert!(
        !eps.iter()
            .any(|e| e.reaches.contains(&"rds-a-2".to_string())),
        "the standby is reached by no name"
    );
    // The inspector says so on the standby.
    let rows = hoplab::sim::inspect::inspect(&w, "rds-a-2");
    let reached = rows.iter().find(|(k, _)| k == "reached by").unwrap();
    assert!(
        reached.1.starts_with("no endpoint resolves to it"),
        "{rows:?}"
    );
}

#[test]
fn a_default_world_serializes_without_any_of_the_new_database_fields() {
    // Fact sheet §29: the new settings are absent from a file that does not use them.
    let s = default_scenario();
    for r in &s.regions {
        let rds = serde_json::to_string(&r.rds).unwrap();
        for key in ["deployment", "publicly_accessible", "public_ip"] {
            assert!(!rds.contains(key), "{key} serialized: {rds}");
        }
        let cluster = serde_json::to_string(&r.cluster).unwrap();
        assert!(!cluster.contains("db_routes"), "{cluster}");
    }
}

#[test]
fn reads_sent_to_an_aurora_reader_endpoint_are_served_by_a_replica_named_in_the_trace() {
    // Fact sheet §29: the reader endpoint `cluster-ro` (TTL 1 s) leads to an Aurora Replica.
    let mut w = world_with(&[AURORA, READER_A2, READS_TO_READER]);
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    let (instance, role) = query(&t).expect("a query");
    assert_eq!(role, DbRole::Reader);
    assert_eq!(instance, "rds-a-3", "the new replica serves the read");
    let resolve = app_events(&t)
        .find_map(|e| match e {
            AppEvent::DbResolve {
                endpoint,
                via,
                ttl_s,
                ..
            } => Some((endpoint.clone(), *via, *ttl_s)),
            _ => None,
        })
        .expect("the reader endpoint is resolved");
    assert!(resolve.0.contains(".cluster-ro-"), "{}", resolve.0);
    assert_eq!(resolve.1, Some(DbEndpointKind::Reader));
    assert_eq!(resolve.2, Some(DB_READER_ENDPOINT_TTL_S));
    assert_eq!(DB_READER_ENDPOINT_TTL_S, 1);
    // A write still goes to the writer, through the writer endpoint (TTL 5 s).
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
    assert_eq!(query(&t).unwrap(), ("rds-a-1".into(), DbRole::PrimaryWrite));
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::DbResolve {
            via: Some(DbEndpointKind::Writer),
            ttl_s: Some(5),
            ..
        }
    )));
}

#[test]
fn the_reader_endpoint_gives_each_new_connection_a_reader_at_random() {
    // Fact sheet §29: DNS-based random assignment per new connection.
    let mut w = world_with(&[
        AURORA,
        READER_A2,
        r#"{"kind":"add_db_reader","region":"us-east-1","subnet":"subnet-data-a1"}"#,
        READS_TO_READER,
        NO_POOL,
    ]);
    // One second apart: the reader name's TTL, so the VPC resolver asks again.
    let served: BTreeSet<String> = (0..24)
        .filter_map(|_| {
            w.advance(u64::from(DB_READER_ENDPOINT_TTL_S) * 1000);
            query(&get(&mut w))
        })
        .map(|q| q.0)
        .collect();
    // rds-a-2, the Multi-AZ standby before, is an Aurora Replica now.
    let want: BTreeSet<String> = ["rds-a-2", "rds-a-3", "rds-a-4"].map(String::from).into();
    assert_eq!(served, want, "every replica, never the writer");
}

#[test]
fn a_pooled_reader_connection_stays_on_the_replica_it_landed_on() {
    // Fact sheet §29 [AURORA-HB]: pooled connections stay where they landed.
    let mut w = world_with(&[
        AURORA,
        READER_A2,
        r#"{"kind":"add_db_reader","region":"us-east-1","subnet":"subnet-data-a1"}"#,
        READS_TO_READER,
    ]);
    let mut by_pod: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for _ in 0..24 {
        let t = get(&mut w);
        if let (Some(pod), Some((inst, _))) = (t.outcome.pod.clone(), query(&t)) {
            by_pod.entry(pod).or_default().insert(inst);
        }
    }
    assert!(by_pod.len() >= 2, "{by_pod:?}");
    for (pod, insts) in &by_pod {
        assert_eq!(insts.len(), 1, "{pod} moved between readers: {insts:?}");
    }
}

#[test]
fn a_write_through_the_reader_endpoint_is_refused_with_sqlstate_25006_and_the_app_answers_500() {
    // Fact sheet §29: PostgreSQL reader: SQLSTATE 25006 read_only_sql_transaction.
    let mut w = world_with(&[AURORA, READER_A2, ALL_TO_READER]);
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
    assert_eq!(t.outcome.code, Code::DbReadOnly);
    assert_eq!(query(&t).unwrap(), ("rds-a-3".into(), DbRole::ReaderWrite));
    let err = app_events(&t)
        .find_map(|e| match e {
            AppEvent::DbReadOnly { instance, error } => Some((instance.clone(), error.clone())),
            _ => None,
        })
        .expect("the database's refusal");
    assert_eq!(err.0, "rds-a-3");
    assert_eq!(
        err.1,
        DbReadOnlyError::Postgres {
            sqlstate: "25006".into(),
            statement: "INSERT".into()
        }
    );
    let hop = t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::App(AppEvent::DbReadOnly { .. })))
        .unwrap();
    assert!(
        hop.what
            .contains("cannot execute INSERT in a read-only transaction"),
        "{}",
        hop.what
    );
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::PodResponse {
            status: 500,
            answer: AppAnswer::Db {
                outcome: DbOutcome::ReadOnly { .. }
            },
            ..
        }
    )));
    // A read on the same endpoint works.
    assert_eq!(get(&mut w).outcome.status, Some(200));
}

#[test]
fn a_mysql_reader_refuses_a_write_with_error_1290() {
    // Fact sheet §29: Aurora MySQL reader: ERROR 1290 (HY000), --read-only.
    let mut s = default_scenario();
    s.regions[0].rds.engine = "Aurora MySQL 3".into();
    // The port stays 5432, which the default network ACLs and security
    // groups let through: the engine alone decides the error.
    let mut w = World::new(s, 1).unwrap();
    for e in [AURORA, READER_A2, ALL_TO_READER] {
        edit(&mut w, e).unwrap();
    }
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(500));
    let err = app_events(&t)
        .find_map(|e| match e {
            AppEvent::DbReadOnly { error, .. } => Some(error.clone()),
            _ => None,
        })
        .expect("refused");
    assert!(
        matches!(err, DbReadOnlyError::Mysql { code: 1290, .. }),
        "{err:?}"
    );
    assert!(err.message().starts_with("ERROR 1290 (HY000)"));
}

#[test]
fn an_aurora_reader_endpoint_without_replicas_reaches_the_writer_and_writes_succeed() {
    // Fact sheet §29: with no replicas the reader endpoint connects to the primary.
    let mut w = world_with(&[
        AURORA,
        r#"{"kind":"remove_db_reader","region":"us-east-1","instance":"rds-a-2"}"#,
        ALL_TO_READER,
    ]);
    let reader = w
        .db_endpoints(REGION)
        .into_iter()
        .find(|e| e.kind == DbEndpointKind::Reader)
        .unwrap();
    assert_eq!(reader.reaches, vec!["rds-a-1".to_string()]);
    assert!(reader.writable);
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
    assert_eq!(query(&t).unwrap(), ("rds-a-1".into(), DbRole::PrimaryWrite));
}

#[test]
fn reads_sent_to_a_reader_endpoint_of_a_multi_az_instance_find_no_such_name() {
    // Fact sheet §15: the standby serves no reads; §29: a Multi-AZ DB instance has one endpoint.
    let mut w = world_with(&[READS_TO_READER]);
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::DbNoEndpoint { endpoint } if endpoint.contains(".cluster-ro-")
    )));
    assert!(
        query(&t).is_none(),
        "no query ran, on the standby or anywhere"
    );
    // Writes still go to the writer.
    assert_eq!(post(&mut w).outcome.status, Some(201));
}

const CLUSTER: &str =
    r#"{"kind":"set_db_deployment","region":"us-east-1","deployment":"multi_az_cluster"}"#;

/// The default world with a third AZ and data subnet in us-east-1, its
/// database a Multi-AZ DB cluster.
fn three_az_cluster() -> World {
    let mut s = default_scenario();
    let r = &mut s.regions[0];
    r.azs.push("us-east-1c".into());
    let mut sub = r.vpc.subnet("subnet-data-a2").unwrap().clone();
    sub.id = "subnet-data-a3".into();
    sub.az = "us-east-1c".into();
    sub.cidr = "10.0.22.0/24".parse().unwrap();
    r.vpc.subnets.push(sub);
    let mut w = World::new(s, 1).unwrap();
    edit(&mut w, CLUSTER).unwrap();
    w
}

#[test]
fn a_multi_az_db_cluster_needs_three_azs_and_then_has_two_readable_standbys() {
    // Fact sheet §29: writer plus two readable standbys in three AZs.
    let cluster =
        r#"{"kind":"set_db_deployment","region":"us-east-1","deployment":"multi_az_cluster"}"#;
    let mut w = World::default_world();
    let before = w.clone();
    let m = edit(&mut w, cluster).unwrap_err();
    assert!(m.contains("three Availability Zones"), "{m}");
    assert_eq!(w, before, "a refused edit changes nothing");
    let mut w = three_az_cluster();
    let r = &w.scenario().regions[0];
    assert_eq!(r.rds.instances.len(), 3);
    assert_eq!(r.rds.instances[2].subnet, "subnet-data-a3");
    let reader = w
        .db_endpoints(REGION)
        .into_iter()
        .find(|e| e.kind == DbEndpointKind::Reader)
        .unwrap();
    assert_eq!(
        reader.reaches,
        vec!["rds-a-2".to_string(), "rds-a-3".to_string()]
    );
    assert!(reader.readable && !reader.writable);
    // Exactly two readable standbys: no third reader.
    let m = edit(&mut w, READER_A2).unwrap_err();
    assert!(m.contains("exactly two readable standbys"), "{m}");
}

#[test]
fn after_a_failover_a_client_caching_the_writer_name_too_long_writes_to_the_old_writer_and_gets_25006(
) {
    // Fact sheet §29: clients caching DNS longer keep writing to the old primary, now read-only.
    let mut s = default_scenario();
    s.regions[0].cluster.app_dns_cache_s = 600;
    let mut w = World::new(s, 1).unwrap();
    for e in [AURORA, NO_POOL] {
        edit(&mut w, e).unwrap();
    }
    // Every pod resolves the writer name once, to rds-a-1.
    for _ in 0..8 {
        assert_eq!(post(&mut w).outcome.status, Some(201));
    }
    let down = Fault::RdsPrimaryDown {
        region: REGION.into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(FAILOVER_AURORA_S.1 * 1000 + 1_000);
    assert_eq!(w.rds_primary(REGION), Some("rds-a-2"));
    w.set_fault(down, false);
    let writer = &w.db_endpoints(REGION)[0];
    assert_eq!(
        writer.reaches,
        vec!["rds-a-2".to_string()],
        "the name follows the failover"
    );
    // rds-a-1 is back as a reader; the pods' caches still name it.
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::AppDnsCache { instance, primary, .. } if instance == "rds-a-1" && primary == "rds-a-2"
    )));
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::DbReadOnly { instance, error: DbReadOnlyError::Postgres { .. } } if instance == "rds-a-1"
    )));
    // Once the cache expires, the name is looked up again and writes work.
    w.advance(600_000);
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
    assert_eq!(query(&t).unwrap().0, "rds-a-2");
}

#[test]
fn an_aurora_failover_completes_faster_than_a_multi_az_instance_failover() {
    // Fact sheet §15: Multi-AZ DB instance 60-120 s; §29: Aurora under 60 s.
    let down = Fault::RdsPrimaryDown {
        region: REGION.into(),
    };
    let mut aurora = world_with(&[AURORA]);
    aurora.set_fault(down.clone(), true);
    aurora.advance(FAILOVER_AURORA_S.1 * 1000);
    assert_eq!(aurora.rds_primary(REGION), Some("rds-a-2"));
    let mut maz = World::default_world();
    maz.set_fault(down, true);
    maz.advance(FAILOVER_MULTI_AZ_INSTANCE_S.0 * 1000 - 1_000);
    assert_eq!(
        maz.rds_primary(REGION),
        Some("rds-a-1"),
        "still failing over"
    );
    maz.advance(FAILOVER_MULTI_AZ_INSTANCE_S.1 * 1000);
    assert_eq!(maz.rds_primary(REGION), Some("rds-a-2"));
}

#[test]
fn a_private_database_lists_every_public_access_gap() {
    // Fact sheet §29: public access needs the flag, public subnets and an SG rule for the client.
    let s = default_scenario();
    let gaps = public_access_gaps(&s, REGION);
    assert_eq!(gaps[0], PublicAccessGap::NotPubliclyAccessible);
    for sub in ["subnet-data-a1", "subnet-data-a2"] {
        assert!(
            gaps.iter().any(|g| matches!(
                g,
                PublicAccessGap::SubnetNotPublic { subnet, route_table } if subnet == sub && route_table == "rtb-data-a"
            )),
            "{gaps:?}"
        );
    }
    for c in &s.clients {
        assert!(gaps.iter().any(|g| matches!(
            g,
            PublicAccessGap::NoSgRuleFor { client, cidr, port: 5432 }
                if *client == c.id && cidr.addr() == c.ip && cidr.prefix_len() == 32
        )));
    }
    assert!(public_access_gaps(&s, "mars-1").is_empty());
}

#[test]
fn a_publicly_accessible_database_resolves_to_its_public_ip_outside_and_private_inside() {
    // Fact sheet §29: a public IP in addition to the private one; §10 public subnet; §11 SG rule.
    let mut w = world_with(&[
        r#"{"kind":"set_db_public","region":"us-east-1","publicly_accessible":true}"#,
        r#"{"kind":"add_route","route_table":"rtb-data-a","destination":"0.0.0.0/0","target":"igw-a"}"#,
        r#"{"kind":"add_sg_rule","sg":"sg-db-a","direction":"inbound","protocol":"tcp","ports":"5432","peer":"0.0.0.0/0"}"#,
    ]);
    let r = w.scenario().regions[0].clone();
    let inst = &r.rds.instances[0];
    let public = inst.public_ip.expect("a public IP");
    assert!(!public.is_private());
    assert_eq!(db_endpoint_address(&r, inst, false), Some(public));
    assert_eq!(
        db_endpoint_address(&r, inst, true),
        Some("10.0.20.10".parse().unwrap())
    );
    assert!(public_access_gaps(w.scenario(), REGION).is_empty());
    // Off again: the public IPs go, the gap comes back, and the scenario is as before.
    edit(
        &mut w,
        r#"{"kind":"set_db_public","region":"us-east-1","publicly_accessible":false}"#,
    )
    .unwrap();
    let r = &w.scenario().regions[0];
    assert!(r.rds.instances.iter().all(|i| i.public_ip.is_none()));
    assert_eq!(db_endpoint_address(r, &r.rds.instances[0], false), None);
    assert_eq!(
        public_access_gaps(w.scenario(), REGION),
        vec![PublicAccessGap::NotPubliclyAccessible]
    );
}

#[test]
fn a_scenario_refuses_public_access_without_public_ips_and_private_public_ips() {
    // Fact sheet §29: publicly accessible means a public IP; §10: RFC 1918 is private.
    let mut s = default_scenario();
    s.regions[0].rds.publicly_accessible = true;
    let m = World::new(s.clone(), 1).unwrap_err();
    assert!(m.contains("has no public_ip"), "{m}");
    for (n, i) in s.regions[0].rds.instances.iter_mut().enumerate() {
        i.public_ip = Some(std::net::Ipv4Addr::new(10, 9, 9, n as u8 + 1));
    }
    let m = World::new(s, 1).unwrap_err();
    assert!(m.contains("not a public address"), "{m}");
}

#[test]
fn the_standby_is_no_reader_and_a_refused_database_edit_changes_nothing() {
    // Fact sheet §15: the standby is not a read replica; §29: deployment kinds.
    let mut w = World::default_world();
    let before = w.clone();
    for bad in [
        r#"{"kind":"remove_db_reader","region":"us-east-1","instance":"rds-a-2"}"#,
        r#"{"kind":"remove_db_reader","region":"us-east-1","instance":"rds-a-1"}"#,
        r#"{"kind":"set_db_deployment","region":"us-east-1","deployment":"serverless"}"#,
        r#"{"kind":"set_db_routing","service":"svc-a","route":"sideways"}"#,
        r#"{"kind":"set_db_public","region":"mars-1","publicly_accessible":true}"#,
    ] {
        assert!(edit(&mut w, bad).is_err(), "{bad}");
        assert_eq!(w, before, "{bad}");
    }
    let m = edit(
        &mut w,
        r#"{"kind":"remove_db_reader","region":"us-east-1","instance":"rds-a-2"}"#,
    )
    .unwrap_err();
    assert!(m.contains("Multi-AZ standby, not a reader"), "{m}");
    // The default routing is no entry in the file.
    edit(&mut w, READS_TO_READER).unwrap();
    edit(
        &mut w,
        r#"{"kind":"set_db_routing","service":"svc-a","route":"writer"}"#,
    )
    .unwrap();
    assert!(w.scenario().regions[0].cluster.db_routes.is_empty());
}

#[test]
fn the_diagram_shows_the_writer_its_readers_and_read_replicas() {
    // Fact sheet §29 (Aurora writer and replicas), §15 (read replicas).
    let w = world_with(&[AURORA, READER_A2]);
    let topo = w.topology();
    let label = |id: &str| topo.nodes().find(|n| n.id == id).map(|n| n.label.clone());
    assert_eq!(label("rds-a-1").as_deref(), Some("RDS writer"));
    assert_eq!(label("rds-a-2").as_deref(), Some("RDS reader"));
    assert_eq!(label("rds-a-3").as_deref(), Some("RDS reader"));
    let w = world_with(&[READER_A2]);
    let topo = w.topology();
    let replica = topo
        .nodes()
        .find(|n| n.id == "rds-a-3")
        .expect("a replica node");
    assert_eq!(replica.label, "RDS read replica");
    assert_eq!(
        topo.nodes().find(|n| n.id == "rds-a-2").unwrap().label,
        "RDS standby"
    );
}

#[test]
fn removing_the_promoted_writer_leaves_the_first_instance_as_writer() {
    // Fact sheet §29: the cluster endpoint always reaches the current writer.
    let mut w = world_with(&[AURORA, READER_A2]);
    let down = Fault::RdsPrimaryDown {
        region: REGION.into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(FAILOVER_AURORA_S.1 * 1000);
    w.set_fault(down, false);
    assert_eq!(w.rds_primary(REGION), Some("rds-a-2"));
    edit(
        &mut w,
        r#"{"kind":"remove_db_reader","region":"us-east-1","instance":"rds-a-2"}"#,
    )
    .unwrap();
    assert_eq!(
        w.db_endpoints(REGION)[0].reaches,
        vec!["rds-a-1".to_string()]
    );
    assert_eq!(post(&mut w).outcome.status, Some(201));
}

#[test]
fn the_inspector_lists_each_endpoint_with_what_it_reaches_and_whether_it_takes_writes() {
    // Fact sheet §29: cluster (writer) endpoint reads and writes; reader endpoint reads only.
    let w = world_with(&[AURORA, READER_A2]);
    let rows = hoplab::sim::inspect::inspect(&w, "rds-a-3");
    let row = |label: &str| {
        rows.iter()
            .find(|(k, _)| k.starts_with(label))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {label} row: {rows:?}"))
    };
    assert_eq!(row("role"), "Aurora Replica (reader)");
    assert!(row("writer endpoint").ends_with("-> rds-a-1 (reads and writes, TTL 5 s)"));
    assert!(row("reader endpoint").contains(".cluster-ro-"));
    assert!(row("reader endpoint").ends_with("-> rds-a-2, rds-a-3 (reads only, TTL 1 s)"));
    assert_eq!(row("reached by"), "reader endpoint, instance endpoint");
    assert!(row("publicly accessible").starts_with("off"));
}

#[test]
fn a_multi_az_db_cluster_fails_over_in_under_35_s_and_its_old_writer_returns_as_a_reader() {
    // Fact sheet §29: Multi-AZ DB cluster failover typically under 35 s; readable standbys.
    use hoplab::sim::limits::FAILOVER_MULTI_AZ_CLUSTER_S;
    assert!(FAILOVER_MULTI_AZ_CLUSTER_S.1 <= 35);
    let mut w = three_az_cluster();
    let down = Fault::RdsPrimaryDown {
        region: REGION.into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(FAILOVER_MULTI_AZ_CLUSTER_S.1 * 1000);
    assert_eq!(w.rds_primary(REGION), Some("rds-a-2"));
    w.set_fault(down, false);
    let reader = w
        .db_endpoints(REGION)
        .into_iter()
        .find(|e| e.kind == DbEndpointKind::Reader)
        .unwrap();
    assert_eq!(
        reader.reaches,
        vec!["rds-a-1".to_string(), "rds-a-3".to_string()]
    );
    assert_eq!(post(&mut w).outcome.status, Some(201));
}

#[test]
fn a_write_sent_to_a_read_replica_of_a_multi_az_instance_is_refused() {
    // Fact sheet §15: read replicas are read-only; §29: 25006 on PostgreSQL.
    let mut w = world_with(&[READER_A2, ALL_TO_READER]);
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
    assert_eq!(query(&t).unwrap(), ("rds-a-3".into(), DbRole::ReaderWrite));
    assert_eq!(t.outcome.code, Code::DbReadOnly);
}

#[test]
fn within_the_reader_names_ttl_the_vpc_resolver_sends_every_new_connection_to_the_same_reader() {
    // Fact sheet §29: the cluster-ro record's TTL is 1 s; DNS-based assignment.
    let mut w = world_with(&[
        AURORA,
        READER_A2,
        r#"{"kind":"add_db_reader","region":"us-east-1","subnet":"subnet-data-a1"}"#,
        READS_TO_READER,
        NO_POOL,
    ]);
    let first = query(&get(&mut w)).unwrap().0;
    let t = get(&mut w);
    assert_eq!(query(&t).unwrap().0, first);
    assert!(app_events(&t).any(|e| matches!(
        e,
        AppEvent::DbResolve {
            cached_left_s: Some(1),
            ttl_s: Some(1),
            ..
        }
    )));
}

#[test]
fn for_five_seconds_after_a_failover_the_vpc_resolver_still_answers_the_old_writer() {
    // Fact sheet §29: endpoint records have a 5 s TTL; the name flips at failover.
    let mut w = world_with(&[AURORA, NO_POOL]);
    let down = Fault::RdsPrimaryDown {
        region: REGION.into(),
    };
    w.set_fault(down.clone(), true);
    // Advance to just before the failover completes, then resolve the writer.
    let mut due = 0;
    while w.rds_primary(REGION) == Some("rds-a-1") {
        w.advance(1_000);
        due += 1_000;
        if w.rds_primary(REGION) == Some("rds-a-1") {
            post(&mut w); // keeps the resolver's answer fresh: rds-a-1
        }
        assert!(due <= FAILOVER_AURORA_S.1 * 1000, "no failover");
    }
    // The failover just completed; the resolver's answer is at most 1 s old.
    let t = post(&mut w);
    assert!(
        app_events(&t).any(|e| matches!(
            e,
            AppEvent::DbResolve { instance, cached_left_s: Some(_), .. } if instance == "rds-a-1"
        )),
        "{}",
        t.render_text()
    );
    assert_eq!(t.outcome.status, Some(500), "the old writer is down");
    w.advance(u64::from(DB_ENDPOINT_TTL_S) * 1000);
    let t = post(&mut w);
    assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
    assert_eq!(query(&t).unwrap().0, "rds-a-2");
}

#[test]
fn a_cluster_with_more_readers_than_subnets_still_gets_a_spot_per_instance_in_its_subnet() {
    // Fact sheet §29: up to 15 Aurora Replicas, several per AZ.
    use hoplab::view::layout::{diagram, ICON};
    let w = world_with(&[
        AURORA,
        READER_A2,
        r#"{"kind":"add_db_reader","region":"us-east-1","subnet":"subnet-data-a1"}"#,
    ]);
    let topo = w.topology();
    let d = diagram(&topo, DEFAULT_CLIENT);
    let ids = ["rds-a-1", "rds-a-2", "rds-a-3", "rds-a-4"];
    for id in ids {
        let n = topo
            .nodes()
            .find(|n| n.id == id)
            .expect("a node per instance");
        let sub = n.placement.subnet.as_deref().unwrap();
        let s = d.spot(id).unwrap();
        assert!(d.rect(sub).unwrap().contains(s.x, s.y), "{id} in {sub}");
    }
    for (i, a) in d.spots.iter().enumerate() {
        for b in &d.spots[i + 1..] {
            let far = (a.x - b.x).abs() >= ICON + 4.0 || (a.y - b.y).abs() >= ICON + 4.0;
            assert!(far, "{} and {} overlap", a.id, b.id);
        }
    }
}

#[test]
fn the_live_state_shows_each_databases_writer_and_endpoints_after_a_failover() {
    // Fact sheet §29: the writer endpoint follows the failover; the reader endpoint the readers.
    let mut w = world_with(&[AURORA, READER_A2]);
    w.set_fault(
        Fault::RdsPrimaryDown {
            region: REGION.into(),
        },
        true,
    );
    w.advance(FAILOVER_AURORA_S.1 * 1000);
    let live = w.live_state();
    let db = live.databases.iter().find(|d| d.region == REGION).unwrap();
    assert_eq!(db.deployment, DbDeployment::Aurora);
    assert_eq!(db.primary, "rds-a-2");
    assert_eq!(db.endpoints[0].reaches, vec!["rds-a-2".to_string()]);
    let reader = db
        .endpoints
        .iter()
        .find(|e| e.kind == DbEndpointKind::Reader)
        .unwrap();
    assert_eq!(
        reader.reaches,
        vec!["rds-a-1".to_string(), "rds-a-3".to_string()]
    );
}

#[test]
fn the_reachability_analyzer_reaches_a_publicly_accessible_database_on_its_public_ip() {
    // Fact sheet §29: public access; §10 public subnet; §11 SG rule; §12 the ACL both ways.
    use hoplab::sim::net::Protocol;
    use hoplab::sim::reach::ReachSpec;
    let spec = ReachSpec {
        from: "client-na".into(),
        to: "rds-a-1".into(),
        protocol: Protocol::Tcp,
        port: 5432,
        ip_version: Default::default(),
    };
    assert!(!World::default_world().reach(&spec).reachable);
    let w = world_with(&[
        r#"{"kind":"set_db_public","region":"us-east-1","publicly_accessible":true}"#,
        r#"{"kind":"add_route","route_table":"rtb-data-a","destination":"0.0.0.0/0","target":"igw-a"}"#,
        r#"{"kind":"add_sg_rule","sg":"sg-db-a","direction":"inbound","protocol":"tcp","ports":"5432","peer":"0.0.0.0/0"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-data-a","direction":"inbound","number":"90","protocol":"tcp","ports":"5432","cidr":"0.0.0.0/0","action":"allow"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-data-a","direction":"outbound","number":"90","protocol":"tcp","ports":"1024-65535","cidr":"0.0.0.0/0","action":"allow"}"#,
    ]);
    let r = w.reach(&spec);
    assert!(r.reachable, "{}", r.render_text());
    let public = w.scenario().regions[0].rds.instances[0].public_ip.unwrap();
    assert_eq!(r.sent.unwrap().dst, std::net::IpAddr::V4(public));
    assert_eq!(r.arrives.unwrap().dst.to_string(), "10.0.20.10");
}
