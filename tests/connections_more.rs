//! Connections over time, the rest: a draining target's connections and
//! its deregistration delay, slow start, the ALB's client keep-alive
//! duration, the application's database pool. Fact sheet §8, §15, §16, §26.

use hoplab::sim::edit::EditError;
use hoplab::sim::event::alb::{AlbEvent, Caller, TargetStatus};
use hoplab::sim::event::app::{AppEvent, DbPoolBreak};
use hoplab::sim::event::net::{NetEvent, ReuseEnd};
use hoplab::sim::inspect::inspect;
use hoplab::sim::trace::{Code, Event, Hop};
use hoplab::sim::world::DEFAULT_CLIENT;
use hoplab::sim::{Edit, Fault, Request, Trace, World};

const API: &str = "https://healthcareapp.com/api/appointments";
const TG: &str = "tg-appointments-a";

fn send(w: &mut World) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, API))
}

fn sends(w: &mut World, n: usize) -> Vec<Trace> {
    (0..n).map(|_| send(w)).collect()
}

fn edit(w: &mut World, e: Edit) {
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{e:?}: {err}"));
}

fn alb_events(t: &Trace) -> impl Iterator<Item = (&Hop, &AlbEvent)> {
    t.hops.iter().filter_map(|h| match &h.event {
        Event::Alb(e) => Some((h, e)),
        _ => None,
    })
}

fn picked(t: &Trace) -> Option<&str> {
    alb_events(t).find_map(|(_, e)| match e {
        AlbEvent::TargetPick { picked, .. } => Some(picked.as_str()),
        _ => None,
    })
}

fn drained(t: &Trace) -> Vec<(&Hop, &AlbEvent)> {
    alb_events(t)
        .filter(|(_, e)| matches!(e, AlbEvent::DrainingClosed { .. }))
        .collect()
}

fn value(rows: &[(String, String)], key: &str) -> String {
    rows.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no row {key}: {rows:?}"))
}

/// Connections that outlive the gaps of a test: CloudFront's to the ALB
/// (60 s, so every request comes through one ALB node) and the ALB's to
/// the targets (300 s idle, the application's 400 s keep-alive).
fn long_lived() -> World {
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetOriginKeepAlive {
            seconds: "60".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetAlbIdleTimeout {
            alb: "alb-a".into(),
            seconds: "300".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetAppKeepAlive {
            region: "us-east-1".into(),
            seconds: "400".into(),
        },
    );
    w
}

/// Warm the ALB's connections to all four pods, then make pod-a-1 fail
/// its readiness probe: it is deregistered and drains.
fn drain_pod_a_1(w: &mut World, delay_s: &str) {
    edit(
        w,
        Edit::SetDeregistrationDelay {
            target_group: TG.into(),
            seconds: delay_s.into(),
        },
    );
    let warm = sends(w, 8);
    assert!(warm.iter().any(|t| picked(t) == Some("pod-a-1")));
    w.set_fault(
        Fault::TargetUnhealthy {
            pod: "pod-a-1".into(),
        },
        true,
    );
    w.advance(31_000);
    assert!(!w.pod_ready("pod-a-1"), "readiness failed three times");
}

// ------------------------------------------------ deregistration delay (§8)

#[test]
fn a_draining_target_gets_no_new_requests_while_its_open_connection_stays_until_the_delay_ends() {
    // §8: deregistered → draining, no new requests; §26: the connection
    // the ALB holds stays open for the delay.
    let mut w = long_lived();
    drain_pod_a_1(&mut w, "60");
    let during = sends(&mut w, 12);
    for t in &during {
        assert_eq!(t.outcome.status, Some(200));
        assert_ne!(picked(t), Some("pod-a-1"));
        assert!(drained(t).is_empty(), "closed before the delay ended");
        assert!(alb_events(t).any(|(_, e)| matches!(
            e,
            AlbEvent::TargetPick { candidates, .. }
                if candidates.iter().any(|(id, s)| id == "pod-a-1" && *s == TargetStatus::Draining)
        )));
    }
    assert!(w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "alb_target" && c.to == "pod-a-1"));
    assert!(value(&inspect(&w, "alb-a"), "connections to targets").contains("draining: closes in"));
}

#[test]
fn when_the_deregistration_delay_ends_the_next_request_sees_the_alb_close_the_connection_and_goes_elsewhere(
) {
    // §8, §26: draining → unused; the kept connection is closed.
    let mut w = long_lived();
    drain_pod_a_1(&mut w, "20");
    // Within CloudFront's 60 s for the origin's address and its
    // connection: the request comes through the same ALB node.
    w.advance(21_000);
    let first = send(&mut w);
    let closed = drained(&first);
    assert_eq!(closed.len(), 1, "{}", first.render_text());
    let (hop, e) = closed[0];
    assert_eq!(hop.code, Code::DeregistrationDelayEnded);
    assert_eq!((hop.from.as_str(), hop.to.as_str()), ("alb-a", "pod-a-1"));
    match e {
        AlbEvent::DrainingClosed {
            target,
            target_group,
            delay_s,
            served,
        } => {
            assert_eq!((target.as_str(), target_group.as_str()), ("pod-a-1", TG));
            assert_eq!(*delay_s, 20);
            assert!(*served >= 1);
        }
        _ => unreachable!(),
    }
    assert_eq!(first.outcome.status, Some(200));
    assert_ne!(picked(&first), Some("pod-a-1"));
    // Once closed, it is gone: no second close, and pod-a-1 is no longer
    // a candidate.
    for t in sends(&mut w, 8) {
        assert!(drained(&t).is_empty());
        assert_ne!(picked(&t), Some("pod-a-1"));
    }
    assert!(!w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "alb_target" && c.to == "pod-a-1"));
}

#[test]
fn a_connection_the_target_closed_first_leaves_quietly_when_the_delay_ends() {
    // §26: the application's keep-alive (20 s here) ran out before the
    // delay did: the target had closed the connection before it finished
    // draining. (The other pods' connections it closed too give their
    // one 502 each, the documented race.)
    let mut w = long_lived();
    edit(
        &mut w,
        Edit::SetAppKeepAlive {
            region: "us-east-1".into(),
            seconds: "20".into(),
        },
    );
    drain_pod_a_1(&mut w, "25");
    w.advance(26_000);
    assert!(!w.alb_state().draining("pod-a-1", w.now_ms()), "drained");
    for t in sends(&mut w, 8) {
        assert!(drained(&t).is_empty(), "{}", t.render_text());
    }
    assert!(!w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "alb_target" && c.to == "pod-a-1"));
}

#[test]
fn with_no_deregistration_delay_the_connection_closes_on_the_first_request_after_deregistration() {
    // §8: a delay of 0 s ends draining at once.
    let mut w = long_lived();
    drain_pod_a_1(&mut w, "0");
    let t = send(&mut w);
    let closed = drained(&t);
    assert_eq!(closed.len(), 1, "{}", t.render_text());
    assert!(matches!(
        closed[0].1,
        AlbEvent::DrainingClosed { delay_s: 0, .. }
    ));
}

// ------------------------------------------------------- slow start (§8)

/// Scale region a to five pods and wait until the new one passes its
/// first health check; returns its id.
fn new_healthy_pod(w: &mut World) -> String {
    let before: Vec<String> = w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .map(|p| p.id.clone())
        .collect();
    edit(
        w,
        Edit::ScalePods {
            region: "us-east-1".into(),
            app: "appointments-api".into(),
            replicas: "5".into(),
        },
    );
    let new = w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .find(|p| !before.contains(&p.id))
        .expect("a new pod")
        .id
        .clone();
    for _ in 0..60 {
        if w.alb_state().healthy_since.contains_key(&new) {
            return new;
        }
        w.advance(1_000);
    }
    panic!("{new} never turned healthy");
}

fn share_of(w: &mut World, pod: &str, n: usize) -> usize {
    sends(w, n)
        .iter()
        .filter(|t| picked(t) == Some(pod))
        .count()
}

#[test]
fn a_new_target_in_slow_start_gets_a_share_of_requests_that_grows_linearly() {
    // §8, §26: slow start ramps a target's requests linearly over the
    // window, from when it turns healthy.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetSlowStart {
            target_group: TG.into(),
            seconds: "60".into(),
        },
    );
    let pod = new_healthy_pod(&mut w);
    w.advance(15_000);
    let early = share_of(&mut w, &pod, 400);
    w.advance(30_000);
    let mid = share_of(&mut w, &pod, 400);
    w.advance(30_000);
    let full = share_of(&mut w, &pod, 400);
    // Four targets at full weight: about 1/4 weight → 6 %, 3/4 → 16 %,
    // then 1/5 of the requests once the window is over.
    assert!(early < mid && mid < full, "{early} < {mid} < {full}");
    assert!((10..=40).contains(&early), "early {early}");
    assert!((45..=85).contains(&mid), "mid {mid}");
    assert_eq!(full, 80, "round robin over five");
}

#[test]
fn the_target_pick_shows_each_ramping_target_and_its_share() {
    // §26: the share is reported on the pick, growing with time.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetSlowStart {
            target_group: TG.into(),
            seconds: "100".into(),
        },
    );
    let pod = new_healthy_pod(&mut w);
    w.advance(25_000);
    let shares = |t: &Trace| {
        alb_events(t)
            .find_map(|(_, e)| match e {
                AlbEvent::TargetPick { slow_start, .. } => Some(slow_start.clone()),
                _ => None,
            })
            .expect("a pick")
    };
    let s = shares(&send(&mut w));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].target, pod);
    assert_eq!(s[0].window_s, 100);
    assert!((25..=26).contains(&s[0].elapsed_s), "{s:?}");
    assert!((25..=27).contains(&s[0].share_pct), "{s:?}");
    w.advance(50_000);
    let later = shares(&send(&mut w));
    assert!(later[0].share_pct > s[0].share_pct + 40, "{later:?}");
    w.advance(30_000);
    assert!(shares(&send(&mut w)).is_empty(), "the window is over");
}

#[test]
fn the_first_targets_never_ramp_and_without_slow_start_nothing_does() {
    // §26: a target enters slow start when it turns healthy; the world's
    // first targets start healthy, beside no target in full service.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetSlowStart {
            target_group: TG.into(),
            seconds: "900".into(),
        },
    );
    for t in sends(&mut w, 8) {
        assert!(alb_events(&t).all(|(_, e)| !matches!(
            e,
            AlbEvent::TargetPick { slow_start, .. } if !slow_start.is_empty()
        )));
    }
    // Off: a new target takes its full share at once.
    let mut w = World::default_world();
    let pod = new_healthy_pod(&mut w);
    w.advance(1_000);
    assert_eq!(share_of(&mut w, &pod, 100), 20);
}

// ------------------------------------------------ client keep-alive (§26)

fn front_ends(t: &Trace) -> Vec<&AlbEvent> {
    alb_events(t)
        .map(|(_, e)| e)
        .filter(|e| matches!(e, AlbEvent::ClientKeepaliveEnded { .. }))
        .collect()
}

fn connects(t: &Trace) -> usize {
    alb_events(t)
        .filter(|(_, e)| matches!(e, AlbEvent::Connect { .. }))
        .count()
}

#[test]
fn the_alb_closes_a_client_connection_after_its_keep_alive_duration_even_when_busy() {
    // §26: counted from the opening, not reset by traffic; one more
    // request, then Connection: close; the next request connects anew.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetOriginKeepAlive {
            seconds: "60".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetClientKeepalive {
            alb: "alb-a".into(),
            seconds: "60".into(),
        },
    );
    assert_eq!(connects(&send(&mut w)), 1);
    w.advance(30_000);
    let busy = send(&mut w);
    assert_eq!((connects(&busy), front_ends(&busy).len()), (0, 0));
    w.advance(30_000);
    let last = send(&mut w);
    assert_eq!(connects(&last), 0, "served on the old connection");
    assert_eq!(last.outcome.status, Some(200));
    let ended = front_ends(&last);
    assert_eq!(ended.len(), 1, "{}", last.render_text());
    assert!(matches!(
        ended[0],
        AlbEvent::ClientKeepaliveEnded {
            caller: Caller::CloudFront,
            open_ms: 60_000,
            keepalive_s: 60,
            served: 2,
        }
    ));
    assert!(last
        .hops
        .iter()
        .any(|h| h.code == Code::ClientKeepaliveEnded));
    w.advance(1_000);
    let next = send(&mut w);
    assert_eq!(connects(&next), 1, "a new connection");
    assert!(front_ends(&next).is_empty());
}

#[test]
fn a_client_keep_alive_change_applies_to_new_connections_only() {
    // §26: "A change applies to new connections only."
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetOriginKeepAlive {
            seconds: "60".into(),
        },
    );
    send(&mut w);
    edit(
        &mut w,
        Edit::SetClientKeepalive {
            alb: String::new(),
            seconds: "60".into(),
        },
    );
    for _ in 0..4 {
        w.advance(30_000);
        let t = send(&mut w);
        assert!(front_ends(&t).is_empty(), "{}", t.render_text());
        assert_eq!(connects(&t), 0);
    }
}

#[test]
fn by_default_an_hour_of_steady_requests_ends_in_one_close() {
    // §26: default 3,600 s.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetOriginKeepAlive {
            seconds: "60".into(),
        },
    );
    let mut ends = 0;
    for _ in 0..=80 {
        let t = send(&mut w);
        ends += front_ends(&t).len();
        w.advance(50_000);
    }
    assert_eq!(ends, 1, "one close in 4,050 s of requests 50 s apart");
}

// ----------------------------------------------------- edits, inspector

#[test]
fn the_new_settings_refuse_bad_input_and_change_nothing() {
    // §8: delay 0-3,600, slow start 30-900 (or off), not with LOR; §26:
    // client keep-alive 60-604,800.
    let mut w = World::default_world();
    let before = w.clone();
    let tg = |s: &str| Edit::SetSlowStart {
        target_group: TG.into(),
        seconds: s.into(),
    };
    let bad = [
        Edit::SetDeregistrationDelay {
            target_group: TG.into(),
            seconds: "3601".into(),
        },
        Edit::SetDeregistrationDelay {
            target_group: "tg-zz".into(),
            seconds: "30".into(),
        },
        Edit::SetDeregistrationDelay {
            target_group: TG.into(),
            seconds: "-1".into(),
        },
        tg("29"),
        tg("901"),
        tg("soon"),
        Edit::SetClientKeepalive {
            alb: "alb-a".into(),
            seconds: "59".into(),
        },
        Edit::SetClientKeepalive {
            alb: String::new(),
            seconds: "604801".into(),
        },
        Edit::SetClientKeepalive {
            alb: "alb-z".into(),
            seconds: "600".into(),
        },
        Edit::SetDbPool {
            region: String::new(),
            size: "101".into(),
        },
        Edit::SetDbPool {
            region: "mars-1".into(),
            size: "5".into(),
        },
    ];
    for e in bad {
        let err = w.apply_edit(&e).expect_err(&format!("{e:?}"));
        assert!(!err.to_string().is_empty());
        assert_eq!(w, before, "{e:?} changed the world");
    }
    assert!(matches!(
        w.apply_edit(&tg("901")),
        Err(EditError::OutOfRange {
            min: 30,
            max: 900,
            ..
        })
    ));
    // Slow start and least outstanding requests do not combine.
    edit(
        &mut w,
        Edit::SetTargetGroup {
            target_group: TG.into(),
            algorithm: "least_outstanding_requests".into(),
            stickiness_s: "off".into(),
            health_path: "/healthz".into(),
            health_interval_s: "15".into(),
            healthy_threshold: "2".into(),
            unhealthy_threshold: "2".into(),
        },
    );
    let lor = w.clone();
    let err = w.apply_edit(&tg("60")).expect_err("LOR");
    assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
    assert_eq!(w, lor);
    // `off` and 0 turn it off.
    edit(&mut w, tg("off"));
    assert_eq!(w.scenario().regions[0].alb.target_groups[0].slow_start_s, 0);
}

#[test]
fn the_inspector_shows_every_new_setting_and_follows_its_edit() {
    let mut w = World::default_world();
    let alb = inspect(&w, "alb-a");
    assert!(value(&alb, "client keep-alive").starts_with("3600 s"));
    assert!(value(&alb, &format!("{TG} deregistration delay")).starts_with("300 s"));
    assert_eq!(value(&alb, &format!("{TG} slow start")), "off");
    assert!(value(&inspect(&w, "pod-a-1"), "database pool").starts_with("up to 10"));
    edit(
        &mut w,
        Edit::SetDeregistrationDelay {
            target_group: TG.into(),
            seconds: "45".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetSlowStart {
            target_group: TG.into(),
            seconds: "120".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetClientKeepalive {
            alb: "alb-a".into(),
            seconds: "600".into(),
        },
    );
    edit(
        &mut w,
        Edit::SetDbPool {
            region: "us-east-1".into(),
            size: "0".into(),
        },
    );
    let alb = inspect(&w, "alb-a");
    assert!(value(&alb, "client keep-alive").starts_with("600 s"));
    assert!(value(&alb, &format!("{TG} deregistration delay")).starts_with("45 s"));
    assert!(value(&alb, &format!("{TG} slow start")).starts_with("120 s"));
    assert!(value(&inspect(&w, "svc-a"), "database pool").starts_with("none"));
    // The other region keeps its own.
    assert!(value(&inspect(&w, "alb-b"), "client keep-alive").starts_with("3600 s"));
}

#[test]
fn scenario_files_without_the_new_fields_still_load_with_the_defaults() {
    // Older files: no client_keepalive_s, slow_start_s, db_pool_size.
    let w = World::default_world();
    let json = serde_json::to_string(w.scenario()).unwrap();
    assert!(!json.contains("client_keepalive_s"));
    assert!(!json.contains("slow_start_s"));
    assert!(!json.contains("db_pool_size"));
    let s: hoplab::sim::scenario::Scenario = serde_json::from_str(&json).unwrap();
    assert_eq!(s.regions[0].alb.client_keepalive_s, 3600);
    assert_eq!(s.regions[0].alb.target_groups[0].slow_start_s, 0);
    assert_eq!(s.regions[0].cluster.db_pool_size, 10);
}

// ------------------------------------------- the database pool (§15, §26)

fn app_events(t: &Trace) -> Vec<(&Hop, &AppEvent)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::App(e) => Some((h, e)),
            _ => None,
        })
        .collect()
}

fn resolves(t: &Trace) -> bool {
    app_events(t)
        .iter()
        .any(|(_, e)| matches!(e, AppEvent::DbResolve { .. }))
}

/// The pod's request on a pooled database connection: a reuse hop to the
/// instance, carried.
fn db_reuse<'a>(t: &'a Trace, db: &str) -> Option<&'a Hop> {
    t.hops.iter().find(|h| {
        h.to == db
            && h.from.starts_with("pod-")
            && matches!(
                &h.event,
                Event::Net(NetEvent::Reuse {
                    end: ReuseEnd::Carried,
                    ..
                })
            )
    })
}

fn resets(t: &Trace) -> Vec<(&Hop, &AppEvent)> {
    app_events(t)
        .into_iter()
        .filter(|(_, e)| matches!(e, AppEvent::DbPoolReset { .. }))
        .collect()
}

#[test]
fn a_second_query_from_a_pod_reuses_its_pooled_database_connection_and_skips_lookup_and_handshake()
{
    // §26: a warm pooled connection skips TCP setup; §15: the endpoint is
    // looked up when a connection opens.
    let mut w = World::default_world();
    let first = sends(&mut w, 4);
    for t in &first {
        assert!(resolves(t), "a new connection looks the endpoint up");
        assert!(db_reuse(t, "rds-a-1").is_none());
    }
    let second = sends(&mut w, 4);
    for t in &second {
        assert_eq!(t.outcome.status, Some(200));
        assert!(!resolves(t), "{}", t.render_text());
        assert!(db_reuse(t, "rds-a-1").is_some(), "{}", t.render_text());
        assert!(t.hops.len() < first[0].hops.len());
    }
    let live = w.live_state();
    let pooled: Vec<_> = live
        .connections
        .iter()
        .filter(|c| c.hop == "pod_database")
        .collect();
    assert_eq!(pooled.len(), 4, "one per pod");
    assert!(pooled
        .iter()
        .all(|c| c.served == 2 && c.to.starts_with("writer")));
    assert!(value(&inspect(&w, "pod-a-1"), "database connections").contains("2 requests"));
}

#[test]
fn a_pool_of_zero_opens_a_connection_for_every_query() {
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetDbPool {
            region: "us-east-1".into(),
            size: "0".into(),
        },
    );
    for t in sends(&mut w, 8) {
        assert!(resolves(&t));
        assert!(db_reuse(&t, "rds-a-1").is_none());
    }
    assert!(!w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "pod_database"));
}

#[test]
fn a_failed_primary_breaks_the_pool_and_the_next_query_tries_a_new_connection() {
    // §15: clients must reconnect; the primary is down until failover.
    let mut w = World::default_world();
    sends(&mut w, 4);
    w.set_fault(
        Fault::RdsPrimaryDown {
            region: "us-east-1".into(),
        },
        true,
    );
    let t = send(&mut w);
    let r = resets(&t);
    assert_eq!(r.len(), 1, "{}", t.render_text());
    assert_eq!(r[0].0.code, Code::DbPoolReset);
    assert!(matches!(
        r[0].1,
        AppEvent::DbPoolReset {
            instance,
            reason: DbPoolBreak::InstanceDown,
            served: 1,
        } if instance == "rds-a-1"
    ));
    assert!(resolves(&t), "it connects again");
    assert_eq!(t.outcome.status, Some(500), "to a primary that is down");
}

#[test]
fn after_a_multi_az_failover_the_pool_reconnects_to_the_new_primary_once() {
    // §15: the failover flips the endpoint; the old primary, back as the
    // standby, closed every connection.
    let mut w = World::default_world();
    sends(&mut w, 4);
    let down = Fault::RdsPrimaryDown {
        region: "us-east-1".into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(121_000);
    w.set_fault(down, false);
    assert_eq!(w.rds_primary("us-east-1"), Some("rds-a-2"));
    let after = sends(&mut w, 4);
    for t in &after {
        let r = resets(t);
        assert_eq!(r.len(), 1, "{}", t.render_text());
        assert!(matches!(
            r[0].1,
            AppEvent::DbPoolReset {
                reason: DbPoolBreak::Failover,
                ..
            }
        ));
        assert_eq!(t.outcome.status, Some(200));
        assert!(resolves(t));
    }
    for t in sends(&mut w, 4) {
        assert!(resets(&t).is_empty());
        assert!(db_reuse(&t, "rds-a-2").is_some(), "{}", t.render_text());
    }
}

#[test]
fn a_burst_neither_uses_nor_keeps_pooled_database_connections() {
    // Requests sent at once each need a connection of their own.
    let mut w = World::default_world();
    w.burst_get(50, &[DEFAULT_CLIENT.to_string()], API).unwrap();
    assert!(!w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "pod_database"));
}

#[test]
fn advancing_at_once_equals_advancing_round_by_round_with_draining_and_slow_start() {
    // The clock's settled arithmetic must leave the same world as its
    // rounds: health checks on the clock neither use nor close the ALB's
    // connections, and a ramping target holds the arithmetic back.
    for slow_start in [false, true] {
        let mut a = long_lived();
        drain_pod_a_1(&mut a, "30");
        if slow_start {
            edit(
                &mut a,
                Edit::SetSlowStart {
                    target_group: TG.into(),
                    seconds: "120".into(),
                },
            );
            edit(
                &mut a,
                Edit::ScalePods {
                    region: "us-east-1".into(),
                    app: "appointments-api".into(),
                    replicas: "5".into(),
                },
            );
        }
        let mut b = a.clone();
        for span in [7_000, 95_000, 600_000] {
            a.advance(span);
            b.advance_stepwise(span);
            assert_eq!(a, b, "after {span} ms, slow start {slow_start}");
        }
        assert_eq!(send(&mut a), send(&mut b));
    }
}
