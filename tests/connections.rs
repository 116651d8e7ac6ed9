//! Connections over time: kept and reused per hop, each side's timers,
//! TLS versions and resumption, the keep-alive 502, and connection
//! tracking. Fact sheet §8, §16, §24, §26.

use hoplab::sim::conn::{Closer, TlsStart, TlsVersion};
use hoplab::sim::edit::EditError;
use hoplab::sim::event::alb::{AlbError, AlbEvent};
use hoplab::sim::event::cdn::CdnEvent;
use hoplab::sim::event::net::{NetEvent, ReuseEnd};
use hoplab::sim::trace::{Code, Direction, Event};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Request, Trace, World};

const API: &str = "https://healthcareapp.com/api/appointments";

fn send(w: &mut World, url: &str) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, url))
}

fn cdn_events(t: &Trace) -> Vec<&CdnEvent> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Cdn(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn viewer_tls(t: &Trace) -> Option<(TlsVersion, TlsStart, bool)> {
    cdn_events(t).into_iter().find_map(|e| match e {
        CdnEvent::ViewerTls {
            version,
            start,
            early_data_refused,
            ..
        } => Some((*version, *start, *early_data_refused)),
        _ => None,
    })
}

/// Microseconds from the browser's first hop to the edge to its request.
fn to_request(t: &Trace) -> u64 {
    let at = |f: &dyn Fn(&CdnEvent) -> bool| {
        t.hops
            .iter()
            .find(|h| matches!(&h.event, Event::Cdn(e) if f(e)))
            .map(|h| h.t_us)
            .expect("hop")
    };
    let start = at(&|e| {
        matches!(
            e,
            CdnEvent::ViewerConnect { .. } | CdnEvent::ViewerReuse { .. }
        )
    });
    at(&|e| matches!(e, CdnEvent::ViewerRequest { .. })) - start
}

/// Reuse hops toward the load balancer and the targets (not the
/// application's pooled database connections).
fn reuses(t: &Trace) -> Vec<&ReuseEnd> {
    t.hops
        .iter()
        .filter(|h| !h.from.starts_with("pod-"))
        .filter_map(|h| match &h.event {
            Event::Net(NetEvent::Reuse { end, .. }) => Some(end),
            _ => None,
        })
        .collect()
}

fn edit(w: &mut World, e: Edit) {
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{e:?}: {err}"));
}

#[test]
fn a_second_request_within_300_s_reuses_the_browsers_connection_and_skips_both_handshakes() {
    // §26: Chromium keeps a used socket 300 s; §16: a reused connection
    // costs only the request's round trip.
    let mut w = World::default_world();
    let cold = send(&mut w, DEFAULT_URL);
    assert!(matches!(
        cdn_events(&cold)[0],
        CdnEvent::ViewerConnect { closed: None, .. }
    ));
    assert_eq!(
        viewer_tls(&cold),
        Some((TlsVersion::V13, TlsStart::Full, false))
    );
    w.advance(299_000);
    let warm = send(&mut w, DEFAULT_URL);
    let events = cdn_events(&warm);
    let (src_port, idle_ms, served) = match events[0] {
        CdnEvent::ViewerReuse {
            src_port,
            idle_ms,
            served,
            ..
        } => (*src_port, *idle_ms, *served),
        other => panic!("expected a reused connection, got {other:?}"),
    };
    assert_eq!((idle_ms, served), (299_000, 1));
    let cold_port = match cdn_events(&cold)[0] {
        CdnEvent::ViewerConnect { src_port, .. } => *src_port,
        _ => unreachable!(),
    };
    assert_eq!(src_port, cold_port, "the same connection, the same port");
    assert!(!events.iter().any(|e| matches!(
        e,
        CdnEvent::ViewerConnect { .. } | CdnEvent::ViewerTls { .. }
    )));
    // Where the milliseconds went: from reaching the edge to the request
    // on the wire, TCP and TLS 1.3 cost one round trip each, then none.
    let rtt_us = w.scenario().clients[0].rtt_pop_ms as u64 * 1000;
    assert_eq!(to_request(&cold), 2 * rtt_us);
    assert_eq!(to_request(&warm), 0);
}

#[test]
fn after_300_s_idle_the_browser_opens_a_new_connection_and_resumes_its_tls_session() {
    // §26 (300 s used-idle timer), §16 (resumption: one round trip) and
    // CloudFront-Viewer-TLS's sessionResumed.
    let mut w = World::default_world();
    send(&mut w, DEFAULT_URL);
    w.advance(300_000);
    let t = send(&mut w, DEFAULT_URL);
    match cdn_events(&t)[0] {
        CdnEvent::ViewerConnect {
            closed: Some(c), ..
        } => {
            assert_eq!(
                (c.by, c.timeout_s, c.idle_ms),
                (Closer::Client, 300, 300_000)
            );
        }
        other => panic!("expected a new connection, got {other:?}"),
    }
    assert_eq!(
        viewer_tls(&t),
        Some((TlsVersion::V13, TlsStart::Resumed, false))
    );
    assert_eq!(TlsStart::Resumed.header_word(), "sessionResumed");
}

#[test]
fn a_tls_1_2_browser_pays_two_round_trips_for_its_full_handshake_and_one_to_resume() {
    // §16: TLS 1.2 full handshake 2 RTT, resumption 1 RTT; 1.3 full 1 RTT.
    let mut w = World::default_world();
    let v13 = send(&mut w, DEFAULT_URL).outcome.total_us;
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetClientTls {
            client: DEFAULT_CLIENT.into(),
            max_version: "1.2".into(),
            early_data: false,
        },
    );
    let t = send(&mut w, DEFAULT_URL);
    assert_eq!(
        viewer_tls(&t),
        Some((TlsVersion::V12, TlsStart::Full, false))
    );
    let rtt_us = w.scenario().clients[0].rtt_pop_ms as u64 * 1000;
    assert_eq!(t.outcome.total_us - v13, rtt_us);
    w.advance(301_000);
    let resumed = send(&mut w, DEFAULT_URL);
    assert_eq!(
        viewer_tls(&resumed),
        Some((TlsVersion::V12, TlsStart::Resumed, false))
    );
}

#[test]
fn cloudfront_takes_no_0_rtt_early_data_so_an_offer_still_waits_one_round_trip() {
    // §26: no TLS 0-RTT at CloudFront; §16: 0-RTT only on resumption.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetClientTls {
            client: DEFAULT_CLIENT.into(),
            max_version: "1.3".into(),
            early_data: true,
        },
    );
    let first = send(&mut w, DEFAULT_URL);
    assert_eq!(
        viewer_tls(&first),
        Some((TlsVersion::V13, TlsStart::Full, false)),
        "no ticket yet: nothing to send early data with"
    );
    w.advance(400_000);
    let again = send(&mut w, DEFAULT_URL);
    assert_eq!(
        viewer_tls(&again),
        Some((TlsVersion::V13, TlsStart::Resumed, true))
    );
}

/// Twenty requests: every ALB node has a connection to every pod.
fn warm_up(w: &mut World) -> Vec<Trace> {
    (0..20).map(|_| send(w, API)).collect()
}

#[test]
fn a_target_keep_alive_shorter_than_the_alb_idle_timeout_gives_one_502_per_stale_connection() {
    // §8, §26: the target closes first; the ALB sends on the dead
    // connection and answers 502; the next request opens a new connection.
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::SetAppKeepAlive {
            region: "us-east-1".into(),
            seconds: "5".into(),
        },
    );
    // CloudFront keeps its connection, so both rounds come through the
    // same ALB node.
    edit(
        &mut w,
        Edit::SetOriginKeepAlive {
            seconds: "60".into(),
        },
    );
    warm_up(&mut w);
    w.advance(10_000);
    let after = warm_up(&mut w);
    let stale = |t: &&Trace| {
        reuses(t).iter().any(|e| {
            matches!(
                e,
                ReuseEnd::ClosedByPeer {
                    keep_alive_s: 5,
                    idle_timeout_s: 60
                }
            )
        })
    };
    let failed: Vec<&Trace> = after.iter().filter(stale).collect();
    assert!(!failed.is_empty(), "stale connections give 502s");
    for t in &failed {
        assert_eq!(t.outcome.status, Some(502));
        assert_eq!(t.outcome.code, Code::TargetClosedConnection);
        assert!(t.hops.iter().any(|h| matches!(
            &h.event,
            Event::Alb(AlbEvent::Generated {
                status: 502,
                reason: AlbError::TargetClosed { .. }
            })
        )));
    }
    // Intermittent: each stale connection fails once (two ALB nodes to
    // four pods at most), then the new ones carry the requests.
    assert!(failed.len() <= 8, "{} stale connections", failed.len());
    assert!(failed.len() < after.len());
    assert!(warm_up(&mut w).iter().filter(stale).count() == 0);
}

#[test]
fn a_keep_alive_longer_than_the_idle_timeout_never_gives_that_502() {
    // §26: AWS's advice (the default world's 75 s against 60 s).
    let mut w = World::default_world();
    warm_up(&mut w);
    for gap in [10_000, 30_000, 59_000, 61_000] {
        w.advance(gap);
        for t in warm_up(&mut w) {
            assert_eq!(t.outcome.status, Some(200), "after {gap} ms");
        }
    }
}

#[test]
fn the_alb_reuses_its_connection_to_a_target_and_the_trace_says_so() {
    // §26: two independent connections per request; the ALB's to the
    // target is kept within its idle timeout.
    let mut w = World::default_world();
    let first = warm_up(&mut w);
    assert!(reuses(&first[0]).is_empty(), "the first one opens it");
    let later = warm_up(&mut w);
    assert!(later
        .iter()
        .all(|t| reuses(t).iter().all(|e| matches!(e, ReuseEnd::Carried))));
    assert!(later.iter().any(|t| !reuses(t).is_empty()));
    // Past the ALB's 60 s idle timeout, new handshakes again.
    w.advance(61_000);
    let t = send(&mut w, API);
    assert!(reuses(&t).is_empty());
}

#[test]
fn removing_the_security_group_rule_leaves_open_connections_alive_but_a_nacl_rule_cuts_them() {
    // §24: security groups track connections; NACLs are stateless and
    // check every packet.
    let mut w = World::default_world();
    warm_up(&mut w);
    edit(
        &mut w,
        Edit::RemoveSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            index: 0,
        },
    );
    let tracked = warm_up(&mut w);
    let reused: Vec<&Trace> = tracked.iter().filter(|t| !reuses(t).is_empty()).collect();
    assert!(!reused.is_empty());
    for t in &reused {
        assert_eq!(t.outcome.status, Some(200), "tracked flows live on");
    }
    // Once the connections idle out, a new one meets the missing rule.
    w.advance(61_000);
    let fresh = send(&mut w, API);
    assert_eq!(fresh.outcome.status, Some(504));
    assert_eq!(fresh.outcome.code, Code::EniSgRulesMismatch);

    let mut w = World::default_world();
    warm_up(&mut w);
    edit(
        &mut w,
        Edit::AddNaclRule {
            nacl: "acl-app-a".into(),
            direction: Direction::Inbound,
            number: "90".into(),
            protocol: "tcp".into(),
            ports: "8080".into(),
            cidr: "0.0.0.0/0".into(),
            action: "deny".into(),
        },
    );
    let cut = warm_up(&mut w);
    let dropped: Vec<&Trace> = cut
        .iter()
        .filter(|t| {
            reuses(t)
                .iter()
                .any(|e| matches!(e, ReuseEnd::Dropped { .. }))
        })
        .collect();
    assert!(
        !dropped.is_empty(),
        "the NACL drops packets of open connections"
    );
    for t in dropped {
        // The ALB hears nothing back and its idle timeout ends it (§8).
        assert_eq!(t.outcome.status, Some(504));
        assert_eq!(t.outcome.code, Code::SubnetAclRestriction);
        assert!(t.hops.iter().any(|h| matches!(
            &h.event,
            Event::Alb(AlbEvent::Generated {
                reason: AlbError::IdleTimeout { timeout_s: 60, .. },
                ..
            })
        )));
    }
}

#[test]
fn a_tls_1_3_only_listener_refuses_a_tls_1_2_browser() {
    // §8: the listener's security policy decides the versions; §16.
    let mut w = World::default_world();
    let alb = w.scenario().regions[0].alb.clone();
    let url = format!("https://{}/api/appointments", alb.dns_name);
    edit(
        &mut w,
        Edit::SetClientTls {
            client: DEFAULT_CLIENT.into(),
            max_version: "1.2".into(),
            early_data: false,
        },
    );
    let ok = send(&mut w, &url);
    assert!(ok.hops.iter().any(|h| matches!(
        &h.event,
        Event::Alb(AlbEvent::Tls {
            version: TlsVersion::V12,
            ..
        })
    )));
    edit(
        &mut w,
        Edit::SetListenerTlsPolicy {
            alb: alb.id.clone(),
            policy: "ELBSecurityPolicy-TLS13-1-3-2021-06".into(),
        },
    );
    let refused = send(&mut w, &url);
    assert_eq!(refused.outcome.code, Code::TlsHandshakeFailure);
    assert!(refused.hops.iter().any(|h| matches!(
        &h.event,
        Event::Alb(AlbEvent::TlsVersionRefused {
            offered: TlsVersion::V12,
            ..
        })
    )));
}

#[test]
fn connection_settings_refuse_bad_input_and_change_nothing() {
    let mut w = World::default_world();
    let before = w.clone();
    let bad = [
        Edit::SetAlbIdleTimeout {
            alb: "alb-a".into(),
            seconds: "0".into(),
        },
        Edit::SetAlbIdleTimeout {
            alb: "alb-a".into(),
            seconds: "4001".into(),
        },
        Edit::SetAlbIdleTimeout {
            alb: "alb-z".into(),
            seconds: "60".into(),
        },
        Edit::SetOriginKeepAlive {
            seconds: "61".into(),
        },
        Edit::SetAppKeepAlive {
            region: "us-east-1".into(),
            seconds: "five".into(),
        },
        Edit::SetClientTls {
            client: DEFAULT_CLIENT.into(),
            max_version: "1.1".into(),
            early_data: false,
        },
        Edit::SetClientTls {
            client: DEFAULT_CLIENT.into(),
            max_version: "1.2".into(),
            early_data: true,
        },
        Edit::SetListenerTlsPolicy {
            alb: "alb-a".into(),
            policy: "TLS1.0".into(),
        },
    ];
    for e in bad {
        let err = w.apply_edit(&e).expect_err(&format!("{e:?}"));
        assert!(!err.to_string().is_empty());
        assert_eq!(w, before, "{e:?} changed the world");
    }
    assert!(matches!(
        w.apply_edit(&Edit::SetAlbIdleTimeout {
            alb: "alb-a".into(),
            seconds: "4001".into(),
        }),
        Err(EditError::OutOfRange {
            min: 1,
            max: 4000,
            ..
        })
    ));
    edit(
        &mut w,
        Edit::SetAlbIdleTimeout {
            alb: "alb-a".into(),
            seconds: "4000".into(),
        },
    );
    assert_eq!(w.scenario().regions[0].alb.idle_timeout_s, 4000);
}

#[test]
fn a_reused_connection_does_not_make_a_burst_slower_to_simulate() {
    // The burst walks the same path; with connections kept it has fewer
    // hops to walk. This prints the figure; the bench measures it.
    let mut w = World::default_world();
    let start = std::time::Instant::now();
    let report = w
        .burst_get(10_000, &[DEFAULT_CLIENT.to_string()], API)
        .unwrap();
    let took = start.elapsed();
    println!("burst of 10,000 with kept connections: {took:?}");
    assert_eq!(report.requests, 10_000);
}

#[test]
fn the_live_state_lists_each_open_connection_with_its_idle_time() {
    // §26: each hop's connection is its own; the inspect step shows them.
    let mut w = World::default_world();
    assert!(w.live_state().connections.is_empty());
    send(&mut w, API);
    w.advance(7_000);
    let live = w.live_state();
    let edge = live
        .connections
        .iter()
        .find(|c| c.hop == "browser_edge")
        .expect("the browser's connection to the edge");
    assert_eq!(
        (edge.from.as_str(), edge.idle_ms, edge.served),
        (DEFAULT_CLIENT, 7_000, 1)
    );
    assert_eq!(edge.tls, Some(TlsVersion::V13));
    let target = live
        .connections
        .iter()
        .find(|c| c.hop == "alb_target")
        .expect("the ALB's connection to a pod");
    assert!(target.to.starts_with("pod-a-"));
    assert!(live.render_text().contains("open connections:"));
    // Past the browser's 300 s, the edge connection is still listed until
    // a request finds it closed: the list is what each side holds.
    w.advance(400_000);
    send(&mut w, API);
    let again = w.live_state();
    assert_eq!(
        again
            .connections
            .iter()
            .filter(|c| c.hop == "browser_edge")
            .count(),
        1
    );
}

#[test]
fn cloudfront_keeps_its_origin_connection_for_its_5_s_keep_alive() {
    // §26: CloudFront's keep-alive to a custom origin, default 5 s; a warm
    // pooled connection skips TCP and TLS setup.
    let from_edge = |t: &Trace| {
        t.hops
            .iter()
            .filter(|h| h.from == "cloudfront")
            .filter_map(|h| match &h.event {
                Event::Net(NetEvent::Reuse { end, .. }) => Some(end.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let connects = |t: &Trace| {
        t.hops
            .iter()
            .filter(|h| matches!(h.event, Event::Alb(AlbEvent::Connect { .. })))
            .count()
    };
    let mut w = World::default_world();
    let first = send(&mut w, API);
    assert_eq!((connects(&first), from_edge(&first).len()), (1, 0));
    w.advance(4_000);
    let warm = send(&mut w, API);
    assert_eq!(connects(&warm), 0);
    assert_eq!(from_edge(&warm), vec![ReuseEnd::Carried]);
    assert!(w
        .live_state()
        .connections
        .iter()
        .any(|c| c.hop == "to_load_balancer" && c.from.starts_with("cloudfront")));
    w.advance(5_000);
    let cold = send(&mut w, API);
    assert_eq!((connects(&cold), from_edge(&cold).len()), (1, 0));
    // A longer keep-alive keeps it.
    w.apply_edit(&Edit::SetOriginKeepAlive {
        seconds: "30".into(),
    })
    .unwrap();
    w.advance(20_000);
    assert_eq!(connects(&send(&mut w, API)), 0);
}
