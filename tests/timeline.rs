//! Where the milliseconds went: a trace's timeline of phases on links, for
//! a cold and a warm request, and the application's delay. Fact sheet §1-§3
//! (DNS), §16 (TCP, TLS and the latency budget), §26 (connections over
//! time).

use hoplab::sim::edit::{EditError, VpcPart};
use hoplab::sim::event::alb::{AlbError, AlbEvent};
use hoplab::sim::event::app::AppEvent;
use hoplab::sim::scenario::Scenario;
use hoplab::sim::timeline::{timeline, Link, PhaseKind, Timeline};
use hoplab::sim::trace::Event;
use hoplab::sim::world::DEFAULT_CLIENT;
use hoplab::sim::{Edit, Request, Trace, World};
use serde_json::Value;

const API: &str = "https://healthcareapp.com/api/appointments";

fn send(w: &mut World, url: &str) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, url))
}

fn edit(w: &mut World, json: &str) {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    w.apply_edit(&e).expect("the edit is accepted");
}

fn delay(w: &mut World, service: &str, ms: &str) -> Result<(), EditError> {
    w.apply_edit(&Edit::SetAppDelay {
        service: service.into(),
        ms: ms.into(),
    })
}

/// Phases start at 0, follow each other without gaps, never last 0 µs,
/// cover hops in order and end at the trace's total.
fn assert_contiguous(tl: &Timeline, t: &Trace) {
    let mut at = 0;
    let mut hop = 0;
    for p in &tl.phases {
        assert_eq!(p.start_us, at, "a gap or an overlap before {p:?}");
        assert!(p.us > 0, "an empty phase {p:?}");
        assert!(p.first_hop >= hop && p.first_hop <= p.last_hop, "{p:?}");
        hop = p.last_hop;
        at += p.us;
    }
    assert_eq!(at, tl.total_us);
    assert_eq!(tl.total_us, t.outcome.total_us);
    assert!(hop <= t.hops.len());
}

fn links(tl: &Timeline, kind: PhaseKind) -> Vec<Link> {
    tl.phases
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.link)
        .collect()
}

fn app_us(tl: &Timeline) -> u64 {
    tl.us_of(PhaseKind::App)
}

// §16: a cold request's every lookup, handshake and hop takes its time,
// and the phases account for all of it.
#[test]
fn a_cold_requests_phases_run_from_zero_without_gaps_and_sum_to_its_total() {
    let mut w = World::default_world();
    let t = send(&mut w, API);
    let tl = timeline(&t);
    assert!(tl.total_us > 0);
    assert_contiguous(&tl, &t);
    assert_eq!(tl.phases.first().map(|p| p.first_hop), Some(1));
}

// §1, §16: cold, the browser resolves, then opens TCP and TLS to the
// edge; CloudFront resolves its origin and opens TCP and TLS to the ALB;
// the ALB connects to a pod, the pod to its database.
#[test]
fn a_cold_request_pays_dns_tcp_and_tls_on_the_viewer_and_origin_links() {
    let mut w = World::default_world();
    let tl = timeline(&send(&mut w, API));
    assert_eq!(links(&tl, PhaseKind::Dns), vec![Link::Viewer, Link::Origin]);
    assert_eq!(
        links(&tl, PhaseKind::TcpConnect),
        vec![Link::Viewer, Link::Origin, Link::Target, Link::Database]
    );
    assert_eq!(
        links(&tl, PhaseKind::TlsHandshake),
        vec![Link::Viewer, Link::Origin]
    );
    let kinds: Vec<PhaseKind> = tl.phases.iter().map(|p| p.kind).collect();
    let first = |k| kinds.iter().position(|x| *x == k).unwrap();
    assert!(first(PhaseKind::Dns) < first(PhaseKind::TcpConnect));
    assert!(first(PhaseKind::TlsHandshake) < first(PhaseKind::Edge));
    assert!(first(PhaseKind::Edge) < first(PhaseKind::Origin));
    assert!(first(PhaseKind::Origin) < first(PhaseKind::App));
    assert!(first(PhaseKind::App) < first(PhaseKind::Database));
    assert_eq!(
        tl.phases.last().map(|p| (p.kind, p.link)),
        Some((PhaseKind::Response, Link::Viewer))
    );
}

// §1, §26: two seconds later the browser's DNS answer and its connection
// to the edge, CloudFront's origin answer and its kept connection to the
// ALB (5 s keep-alive) all serve again: no DNS, TCP or TLS on those links,
// and the whole request is quicker.
#[test]
fn a_warm_request_has_no_dns_tcp_or_tls_on_kept_links_and_a_smaller_total() {
    let mut w = World::default_world();
    let cold = timeline(&send(&mut w, API));
    w.advance(2_000);
    let t = send(&mut w, API);
    let warm = timeline(&t);
    assert_contiguous(&warm, &t);
    for link in [Link::Viewer, Link::Origin] {
        assert!(!warm.has(PhaseKind::Dns, link), "{link:?}: {warm:?}");
        assert!(!warm.has(PhaseKind::TcpConnect, link), "{link:?}: {warm:?}");
        assert!(
            !warm.has(PhaseKind::TlsHandshake, link),
            "{link:?}: {warm:?}"
        );
    }
    assert!(
        warm.total_us < cold.total_us,
        "{} !< {}",
        warm.total_us,
        cold.total_us
    );
    assert!(warm.us_of(PhaseKind::Dns) < cold.us_of(PhaseKind::Dns));
    assert!(warm.has(PhaseKind::Edge, Link::Viewer));
}

// §26: with one pod the ALB's kept connection to it carries the next
// request too (the application's keep-alive, 75 s, outlasts two seconds).
#[test]
fn with_one_pod_the_kept_target_connection_leaves_no_handshake_on_the_target_link() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"scale_pods","region":"us-east-1","app":"appointments-api","replicas":"1"}"#,
    );
    let cold = timeline(&send(&mut w, API));
    assert!(cold.has(PhaseKind::TcpConnect, Link::Target));
    w.advance(2_000);
    let warm = timeline(&send(&mut w, API));
    assert!(!warm.has(PhaseKind::TcpConnect, Link::Target), "{warm:?}");
    assert!(warm.has(PhaseKind::App, Link::Target));
}

// §1: the browser's own cache answers at once (0 ms), so the warm
// request's trace has a DNS hop but its timeline no DNS phase.
#[test]
fn the_dns_phase_disappears_when_the_browsers_cache_answers() {
    let mut w = World::default_world();
    let cold = timeline(&send(&mut w, API));
    assert!(cold.has(PhaseKind::Dns, Link::Viewer));
    w.advance(1_000);
    let t = send(&mut w, API);
    assert!(matches!(t.hops[0].event, Event::Dns(_)));
    assert!(!timeline(&t).has(PhaseKind::Dns, Link::Viewer));
}

// §1: once the browser's and the resolver's entries expired (TTL 60 s),
// the resolver asks Route 53 again but knows the zone's name servers
// (two days): a DNS phase again, shorter than the cold one.
#[test]
fn after_the_ttl_the_dns_phase_returns_shorter_than_cold() {
    let mut w = World::default_world();
    let cold = timeline(&send(&mut w, API));
    w.advance(120_000);
    let later = timeline(&send(&mut w, API));
    let dns = |tl: &Timeline| {
        tl.phases
            .iter()
            .filter(|p| p.kind == PhaseKind::Dns && p.link == Link::Viewer)
            .map(|p| p.us)
            .sum::<u64>()
    };
    assert!(dns(&later) > 0);
    assert!(
        dns(&later) < dns(&cold),
        "{} !< {}",
        dns(&later),
        dns(&cold)
    );
}

// §16 "+ server time": the application's delay lengthens the app phase by
// exactly its milliseconds, and the total with it.
#[test]
fn an_app_delay_lengthens_the_app_phase_by_its_milliseconds() {
    let mut plain = World::default_world();
    let mut slow = World::default_world();
    delay(&mut slow, "svc-a", "250").unwrap();
    let (a, b) = (send(&mut plain, API), send(&mut slow, API));
    let (ta, tb) = (timeline(&a), timeline(&b));
    assert_contiguous(&tb, &b);
    assert_eq!(app_us(&tb), app_us(&ta) + 250_000);
    assert_eq!(tb.total_us, ta.total_us + 250_000);
    assert_eq!(tb.us_of(PhaseKind::Database), ta.us_of(PhaseKind::Database));
    assert_eq!(b.outcome.status, Some(200));
}

// The delay is data on the trace: the pod's request event names it and
// the hop marks the time as the application's work.
#[test]
fn the_app_delay_is_typed_on_the_pod_request_and_its_hops_work() {
    let mut w = World::default_world();
    delay(&mut w, "svc-a", "40").unwrap();
    let t = send(&mut w, API);
    let h = t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::App(AppEvent::PodRequest { .. })))
        .expect("the pod got the request");
    assert!(matches!(
        h.event,
        Event::App(AppEvent::PodRequest { delay_ms: 40, .. })
    ));
    assert_eq!(h.work_us, 40_000);
    let json = serde_json::to_value(h).unwrap();
    assert_eq!(json["event"]["delay_ms"], 40);
    assert_eq!(json["work_us"], 40_000);
}

// §16: the application's own few milliseconds after its query are its
// time, not the database's.
#[test]
fn the_applications_work_after_its_query_counts_as_app_time_not_database() {
    let mut w = World::default_world();
    let t = send(&mut w, API);
    let tl = timeline(&t);
    let db = tl
        .phases
        .iter()
        .position(|p| p.kind == PhaseKind::Database)
        .unwrap();
    let after = &tl.phases[db + 1];
    assert_eq!((after.kind, after.link), (PhaseKind::App, Link::Target));
    let worked: u64 = t.hops.iter().map(|h| h.work_us).sum();
    assert_eq!(after.us, worked);
}

// The health endpoint answers at once, so health checks (§4, §8) see no
// delay; only the application's pages do.
#[test]
fn the_health_endpoint_answers_without_the_app_delay() {
    let mut plain = World::default_world();
    let mut slow = World::default_world();
    delay(&mut slow, "svc-a", "500").unwrap();
    // Straight to the ALB (no CloudFront behaviour leads to /healthz).
    let url = "https://api-origin.healthcareapp.com/healthz";
    let (a, b) = (send(&mut plain, url), send(&mut slow, url));
    assert_eq!((a.outcome.status, b.outcome.status), (Some(200), Some(200)));
    assert_eq!(a.outcome.total_us, b.outcome.total_us);
    assert!(!timeline(&b).has(PhaseKind::Edge, Link::Viewer));
    let page = "https://api-origin.healthcareapp.com/api/appointments";
    let (a, b) = (send(&mut plain, page), send(&mut slow, page));
    assert_eq!(b.outcome.total_us, a.outcome.total_us + 500_000);
}

// §8: a delay the ALB's idle timeout runs out on ends as the ALB's 504,
// after the idle timeout, not after the delay.
#[test]
fn an_app_delay_past_the_albs_idle_timeout_ends_in_its_504() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"set_alb_idle_timeout","alb":"alb-a","seconds":"5"}"#,
    );
    delay(&mut w, "svc-a", "8000").unwrap();
    let t = send(&mut w, API);
    assert_eq!(t.outcome.status, Some(504));
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Alb(AlbEvent::Generated {
            reason: AlbError::IdleTimeout { timeout_s: 5, .. },
            ..
        })
    )));
    let tl = timeline(&t);
    assert_contiguous(&tl, &t);
    assert!(
        app_us(&tl) >= 5_000_000 && app_us(&tl) < 8_000_000,
        "{tl:?}"
    );
}

// §26: CloudFront's response timeout (30 s) runs out before the ALB's idle
// timeout (60 s): CloudFront stops waiting and the ALB logs 460.
#[test]
fn an_app_delay_past_cloudfronts_response_timeout_is_not_waited_out() {
    let mut w = World::default_world();
    delay(&mut w, "svc-a", "45000").unwrap();
    let t = send(&mut w, API);
    assert_ne!(t.outcome.status, Some(200));
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Alb(AlbEvent::Generated {
            reason: AlbError::ClientClosed { waited_s: 30, .. },
            ..
        })
    )));
}

// Bad input is refused with a clear error and leaves the world unchanged;
// 0 removes the delay, so the scenario is the default one again.
#[test]
fn set_app_delay_refuses_unknown_services_and_out_of_range_values_and_zero_removes_it() {
    let mut w = World::default_world();
    let before = w.clone();
    let unknown = delay(&mut w, "svc-zz", "10").unwrap_err();
    assert!(matches!(
        unknown,
        EditError::Unknown {
            part: VpcPart::Service,
            ..
        }
    ));
    for bad in ["120001", "-1", "ten", ""] {
        let e = delay(&mut w, "svc-a", bad).unwrap_err();
        assert!(!e.to_string().is_empty(), "{bad}");
    }
    assert!(matches!(
        delay(&mut w, "svc-a", "120001").unwrap_err(),
        EditError::OutOfRange { max: 120_000, .. }
    ));
    assert_eq!(w, before);
    delay(&mut w, "svc-b", "300").unwrap();
    delay(&mut w, "svc-b", "200").unwrap();
    let cluster = &w
        .scenario()
        .regions
        .iter()
        .find(|r| r.cluster.services.iter().any(|s| s.id == "svc-b"))
        .unwrap()
        .cluster;
    assert_eq!(cluster.app_delays.len(), 1);
    assert_eq!(cluster.app_delay_ms("appointments-api"), 200);
    delay(&mut w, "svc-b", "0").unwrap();
    assert_eq!(w.scenario(), before.scenario());
}

// Scenario files written before `app_delays` existed still load; one that
// names a Service the cluster lacks is refused.
#[test]
fn a_scenario_without_app_delays_loads_and_one_naming_an_unknown_service_is_refused() {
    let s = hoplab::sim::defaults::default_scenario();
    let text = serde_json::to_string(&s).unwrap();
    assert!(!text.contains("app_delays"));
    let (back, _) = Scenario::read_file(&text).expect("loads");
    assert_eq!(back, s);
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["regions"][0]["cluster"]["app_delays"] = serde_json::json!([{"service": "svc-zz", "ms": 5}]);
    let err = Scenario::read_file(&v.to_string()).unwrap_err();
    assert!(err.contains("svc-zz"), "{err}");
}

// The inspector shows the delay on the Service and its pods.
#[test]
fn the_inspector_shows_the_app_delay_on_the_service_and_its_pods() {
    let mut w = World::default_world();
    let row = |w: &World, node: &str| {
        hoplab::sim::inspect::inspect(w, node)
            .into_iter()
            .find(|(k, _)| k == "application delay")
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("{node}: no application delay row"))
    };
    assert_eq!(row(&w, "svc-a"), "none");
    delay(&mut w, "svc-a", "120").unwrap();
    assert!(row(&w, "svc-a").starts_with("120 ms"));
    assert!(row(&w, "pod-a-1").starts_with("120 ms"));
    assert_eq!(row(&w, "svc-b"), "none");
}

// A request WAF blocks at the edge (§6) never reaches an origin: its
// timeline ends at the edge with the 403 going back.
#[test]
fn a_request_waf_blocks_at_the_edge_has_no_origin_or_app_phase() {
    let mut w = World::default_world();
    let t = send(
        &mut w,
        "https://healthcareapp.com/api/appointments?q=1%27%20OR%201=1--",
    );
    assert_eq!(t.outcome.status, Some(403), "{}", t.outcome.summary);
    let tl = timeline(&t);
    assert_contiguous(&tl, &t);
    assert!(tl.has(PhaseKind::Edge, Link::Viewer));
    assert_eq!(tl.us_of(PhaseKind::Origin) + app_us(&tl), 0, "{tl:?}");
    assert_eq!(tl.phases.last().map(|p| p.kind), Some(PhaseKind::Response));
}

// Every default journey's traces have contiguous timelines.
#[test]
fn every_journeys_traces_have_contiguous_timelines() {
    let dir = format!("{}/tests/journeys", env!("CARGO_MANIFEST_DIR"));
    let mut traces = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let script = hoplab::sim::script::Script::from_json(
            &std::fs::read_to_string(e.unwrap().path()).unwrap(),
        )
        .unwrap();
        let mut w = World::new(
            hoplab::sim::defaults::default_scenario(),
            script.seed.unwrap_or(1),
        )
        .unwrap();
        let (results, _) = script.run(&mut w);
        for r in results {
            if let hoplab::sim::script::StepResult::Trace { trace, .. } = r {
                assert_contiguous(&timeline(&trace), &trace);
                traces += 1;
            }
        }
    }
    assert!(traces > 5);
}

fn cli(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoplab-cli"))
        .args(args)
        .output()
        .expect("hoplab-cli runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

// The JSON trace gains `timeline` (additive: every field it had is still
// there), with the engine's phases.
#[test]
fn the_cli_json_trace_has_a_timeline_equal_to_the_engines() {
    let v: Value = serde_json::from_str(&cli(&["--json"])).unwrap();
    assert!(v["hops"].is_array() && v["outcome"]["total_us"].is_u64());
    let tl: Timeline = serde_json::from_value(v["timeline"].clone()).unwrap();
    let t: Trace = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(tl, timeline(&t));
    assert_eq!(v["timeline"]["phases"][0]["kind"], "dns");
    assert_eq!(v["timeline"]["phases"][0]["link"], "viewer");
    assert_eq!(v["timeline"]["total_us"], v["outcome"]["total_us"]);
}

// The text output prints the timeline after the trace, one line per phase.
#[test]
fn the_cli_text_prints_one_timeline_line_per_phase_after_the_outcome() {
    let out = cli(&[]);
    let v: Value = serde_json::from_str(&cli(&["--json"])).unwrap();
    let phases = v["timeline"]["phases"].as_array().unwrap().len();
    let tail = out.split("\noutcome: ").nth(1).expect("an outcome line");
    let lines: Vec<&str> = tail.lines().skip(1).collect();
    assert!(lines[0].starts_with("timeline: "), "{}", lines[0]);
    assert_eq!(lines.len(), phases + 1);
    assert!(lines[1].trim_start().starts_with("dns"));
    assert!(lines[1..].iter().all(|l| l.contains(" ms  #")));
}

// A script's request lines carry the timeline inside their trace.
#[test]
fn a_script_request_line_carries_the_timeline_in_its_trace() {
    let dir = std::env::temp_dir().join(format!("hoplab-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("script.json");
    std::fs::write(
        &path,
        r#"{"steps":[{"request":{"client":"client-na","url":"https://healthcareapp.com/api/appointments"}},{"advance":"2s"},{"request":{"client":"client-na","url":"https://healthcareapp.com/api/appointments"}}]}"#,
    )
    .unwrap();
    let out = cli(&["run", path.to_str().unwrap(), "--json"]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let totals: Vec<u64> = lines
        .iter()
        .filter(|l| l["kind"] == "trace")
        .map(|l| {
            l["trace"]["timeline"]["total_us"]
                .as_u64()
                .expect("a timeline")
        })
        .collect();
    assert_eq!(totals.len(), 2);
    assert!(totals[1] < totals[0]);
    assert!(lines[1].get("timeline").is_none() && lines[1]["trace"].is_null());
    let _ = std::fs::remove_dir_all(dir);
}
