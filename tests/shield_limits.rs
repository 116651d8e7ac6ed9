//! Shield and the size limits CloudFront and the ALB enforce on a request,
//! with the status each answers with. Section numbers refer to
//! ../shared/reference/aws-facts.md.

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::event::alb::AlbError;
use hoplab::sim::event::{AlbEvent, AppEvent, CdnEvent, Event, WafEvent};
use hoplab::sim::reqlimit::LimitKind;
use hoplab::sim::scenario::*;
use hoplab::sim::trace::{Code, Verdict};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, Trace, World};

fn world(f: impl FnOnce(&mut Scenario)) -> World {
    let mut s = default_scenario();
    f(&mut s);
    World::new(s, 1).expect("test scenario is valid")
}

fn get(w: &mut World, url: &str, headers: &[(&str, String)]) -> Trace {
    let mut r = Request::get(DEFAULT_CLIENT, url).no_store();
    r.headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    w.send(&r)
}

fn reached_origin(t: &Trace) -> bool {
    t.hops.iter().any(|h| {
        matches!(
            h.event,
            Event::Alb(AlbEvent::Request { .. }) | Event::App(AppEvent::PodRequest { .. })
        )
    })
}

fn waf_asked(t: &Trace) -> bool {
    t.hops
        .iter()
        .any(|h| matches!(h.event, Event::Waf(WafEvent::Decision { .. })))
}

fn alb_refusal(t: &Trace) -> Option<(u16, AlbError)> {
    t.hops.iter().find_map(|h| match &h.event {
        Event::Alb(AlbEvent::Generated { status, reason }) => Some((*status, reason.clone())),
        _ => None,
    })
}

/// The ALB's own name (the origin's): a browser that asks for it skips
/// CloudFront.
fn alb_url(_: &World) -> String {
    "https://api-origin.healthcareapp.com/api/appointments".into()
}

/// §5: a URL past 8,192 bytes is CloudFront's own 413, before its web ACL
/// and any origin fetch.
#[test]
fn a_9_kb_url_is_refused_by_cloudfront_with_413_before_any_origin_fetch() {
    let mut w = world(|_| {});
    let url = format!("{DEFAULT_URL}?q={}", "a".repeat(9 * 1024));
    let t = get(&mut w, &url, &[]);
    assert_eq!(t.outcome.status, Some(413));
    assert_eq!(t.outcome.code, Code::RequestTooLarge);
    assert_eq!(t.outcome.decided_by, "cloudfront");
    let hop = t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::Cdn(CdnEvent::RequestTooLarge { .. })))
        .expect("a typed refusal");
    let Event::Cdn(CdnEvent::RequestTooLarge {
        limit,
        size,
        max,
        status,
    }) = hop.event.clone()
    else {
        unreachable!()
    };
    assert_eq!((limit, max, status), (LimitKind::Url, 8_192, 413));
    assert_eq!(size as usize, url.len());
    assert_eq!(hop.verdict, Verdict::Error);
    assert!(!waf_asked(&t), "the web ACL never sees it");
    assert!(!reached_origin(&t), "no origin fetch");
}

/// §5: request line and headers past 20,480 bytes are CloudFront's 413.
#[test]
fn headers_past_20480_bytes_are_refused_by_cloudfront_with_413() {
    let mut w = world(|_| {});
    let big = "b".repeat(7_000);
    let h = [
        ("x-one", big.clone()),
        ("x-two", big.clone()),
        ("x-three", big),
    ];
    let t = get(&mut w, DEFAULT_URL, &h);
    assert_eq!(t.outcome.status, Some(413));
    assert!(t.hops.iter().any(|h| matches!(
        h.event,
        Event::Cdn(CdnEvent::RequestTooLarge {
            limit: LimitKind::Request,
            max: 20_480,
            ..
        })
    )));
    assert!(!reached_origin(&t));
}

/// §5, §8: a 17 KB header fits CloudFront's 20,480-byte request but not the
/// ALB's 16 K single-header limit: CloudFront forwards it and the ALB
/// answers 400, named by the header; CloudFront relays it.
#[test]
fn a_17_kb_header_passes_cloudfront_and_is_refused_by_the_alb_with_400() {
    let mut w = world(|_| {});
    let t = get(&mut w, DEFAULT_URL, &[("x-big", "c".repeat(17 * 1024))]);
    assert_eq!(t.outcome.status, Some(400));
    let (status, reason) = alb_refusal(&t).expect("the ALB's own answer");
    assert_eq!(status, 400);
    let AlbError::RequestTooLarge {
        limit,
        size,
        max,
        header,
    } = reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(
        (limit, max, header.as_deref()),
        (LimitKind::Header, 16_384, Some("x-big"))
    );
    assert_eq!(size as usize, "x-big: ".len() + 17 * 1024);
    assert!(!t
        .hops
        .iter()
        .any(|h| matches!(h.event, Event::App(AppEvent::PodRequest { .. }))));
}

/// §8: a request line past 16 K sent straight to the ALB is its 414.
#[test]
fn a_request_line_past_16_k_sent_to_the_alb_is_answered_414() {
    let mut w = world(|_| {});
    let url = format!("{}?q={}", alb_url(&w), "d".repeat(17 * 1024));
    let t = get(&mut w, &url, &[]);
    assert_eq!(t.outcome.status, Some(414));
    assert_eq!(t.outcome.code, Code::RequestTooLarge);
    let (status, reason) = alb_refusal(&t).unwrap();
    assert_eq!(status, 414);
    assert!(matches!(
        reason,
        AlbError::RequestTooLarge {
            limit: LimitKind::RequestLine,
            max: 16_384,
            ..
        }
    ));
    assert_eq!(t.outcome.decided_by, "alb-a");
}

/// §8: many headers, each under 16 K but together past 64 K, are the
/// ALB's 400 (too many headers for its whole-header limit).
#[test]
fn a_request_with_too_many_headers_is_refused_by_the_alb_with_400() {
    let mut w = world(|_| {});
    let url = alb_url(&w);
    let h: Vec<(String, String)> = (0..40)
        .map(|i| (format!("x-h{i}"), "e".repeat(2_000)))
        .collect();
    let refs: Vec<(&str, String)> = h.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let t = get(&mut w, &url, &refs);
    assert_eq!(t.outcome.status, Some(400));
    let (_, reason) = alb_refusal(&t).unwrap();
    let AlbError::RequestTooLarge {
        limit, size, max, ..
    } = reason
    else {
        panic!()
    };
    assert_eq!((limit, max), (LimitKind::HeaderSection, 65_536));
    assert!(size > 80_000);
    assert!(!waf_asked(&t));
}

/// §5, §8: a request within every limit is unchanged: 200 from a pod.
#[test]
fn a_request_just_within_cloudfronts_url_limit_is_served() {
    let mut w = world(|_| {});
    let base = format!("{DEFAULT_URL}?q=");
    let url = format!("{base}{}", "f".repeat(8_192 - base.len()));
    assert_eq!(url.len(), 8_192);
    let t = get(&mut w, &url, &[]);
    assert_eq!(t.outcome.status, Some(200));
    assert!(!t.hops.iter().any(|h| h.code == Code::RequestTooLarge));
}

// ------------------------------------------------------------------ Shield

use hoplab::sim::scenario::ShieldTier;
use hoplab::sim::script::{BurstSpec, Step};
use hoplab::sim::shield::{Flood, ShieldDecision};
use hoplab::sim::Edit;

fn clients() -> Vec<String> {
    vec!["client-na".into(), "client-eu".into(), "client-ap".into()]
}

fn shield_events(t: &Trace) -> Vec<(String, ShieldTier, Flood, ShieldDecision)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Waf(WafEvent::Shield {
                resource,
                tier,
                flood,
                decision,
            }) => Some((resource.clone(), *tier, *flood, *decision)),
            _ => None,
        })
        .collect()
}

/// A rate-based rule that blocks one address past 100 requests a minute.
fn with_rate_rule(s: &mut Scenario) {
    s.waf
        .rules
        .retain(|r| !matches!(r.statement, WafStatement::RateBased { .. }));
    s.waf.rules.push(WafRule {
        priority: 90,
        name: "FloodLimit".into(),
        statement: WafStatement::RateBased {
            limit: 100,
            window_s: 60,
        },
        action: WafAction::Block,
        labels: Vec::new(),
        immunity_s: None,
    });
}

/// §7: Shield Standard absorbs a SYN flood at CloudFront's edge: 10,000
/// packets, none reaches the ALB or a pod, and a legitimate request right
/// after is served as before.
#[test]
fn a_syn_flood_burst_of_10000_is_absorbed_at_the_edge_and_the_targets_see_none() {
    let mut w = world(|_| {});
    let mut calm = w.clone();
    let r = w
        .burst_flood(10_000, &clients(), DEFAULT_URL, Some(Flood::SynFlood))
        .unwrap();
    assert_eq!(r.requests, 10_000);
    let sh = r.shield.as_ref().expect("a flood burst reports Shield");
    assert_eq!(sh.flood, Some(Flood::SynFlood));
    assert_eq!(sh.absorbed, 10_000);
    assert_eq!(sh.absorbed_at.get("cloudfront"), Some(&10_000));
    assert_eq!(sh.passed, 0);
    assert!(r.pods.is_empty(), "the targets see none: {:?}", r.pods);
    assert!(r.regions.is_empty());
    assert_eq!(r.status.no_response(), 10_000);
    assert_eq!(r.waf_blocks, 0);
    let after = get(&mut w, DEFAULT_URL, &[]);
    let calm_t = get(&mut calm, DEFAULT_URL, &[]);
    assert_eq!(after.outcome.status, Some(200));
    assert_eq!(
        after.outcome.pod, calm_t.outcome.pod,
        "the ALB's round robin did not move"
    );
}

/// §7: UDP reflection aimed straight at the ALB is absorbed there by
/// Shield Standard.
#[test]
fn udp_reflection_at_the_alb_is_absorbed_by_shield_standard_on_the_alb() {
    let mut w = world(|_| {});
    let r = w
        .burst_flood(
            500,
            &["client-na".into()],
            "https://api-origin.healthcareapp.com/",
            Some(Flood::UdpReflection),
        )
        .unwrap();
    let sh = r.shield.unwrap();
    assert_eq!(sh.absorbed_at.get("alb-a"), Some(&500));
    assert!(r.pods.is_empty());
    let t = w.send_flood(
        &Request::get(DEFAULT_CLIENT, "https://api-origin.healthcareapp.com/"),
        Flood::UdpReflection,
    );
    assert_eq!(
        shield_events(&t),
        vec![(
            "alb-a".into(),
            ShieldTier::Standard,
            Flood::UdpReflection,
            ShieldDecision::Absorbed
        )]
    );
    assert_eq!(t.outcome.code, Code::ShieldMitigation);
    assert_eq!(t.outcome.status, None);
    assert_eq!(t.hops.last().unwrap().verdict, Verdict::Dropped);
}

/// §6, §7: an HTTP flood passes Shield Standard, reaches WAF, and a
/// rate-based rule blocks it past its limit.
#[test]
fn an_http_flood_passes_shield_standard_and_the_waf_rate_rule_blocks_it() {
    let mut w = world(with_rate_rule);
    let r = w
        .burst_flood(
            2_000,
            &["client-na".into()],
            DEFAULT_URL,
            Some(Flood::HttpFlood),
        )
        .unwrap();
    let sh = r.shield.as_ref().unwrap();
    assert_eq!((sh.absorbed, sh.passed), (0, 2_000));
    assert!(r.waf_blocks >= 1_800, "{r:?}");
    assert_eq!(r.status.get(403), Some(&r.waf_blocks));
    let t = w.send_flood(
        &Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store(),
        Flood::HttpFlood,
    );
    assert_eq!(
        shield_events(&t)[0],
        (
            "cloudfront".into(),
            ShieldTier::Standard,
            Flood::HttpFlood,
            ShieldDecision::PassedToWaf
        )
    );
    assert!(waf_asked(&t));
    assert_eq!(t.outcome.code, Code::WafRuleBlock);
}

/// §7: Shield Advanced with automatic application-layer mitigation blocks
/// an HTTP flood at CloudFront before its WAF rules; set by an edit.
#[test]
fn shield_advanced_automatic_mitigation_blocks_an_http_flood_at_cloudfront() {
    let mut w = world(|_| {});
    w.apply_edit(&Edit::SetShield {
        resource: "cloudfront".into(),
        tier: "advanced".into(),
        automatic_l7_mitigation: "on".into(),
    })
    .unwrap();
    let r = w
        .burst_flood(300, &clients(), DEFAULT_URL, Some(Flood::HttpFlood))
        .unwrap();
    let sh = r.shield.as_ref().unwrap();
    assert_eq!(sh.absorbed_at.get("cloudfront"), Some(&300));
    assert_eq!(r.status.get(403), Some(&300));
    assert!(r.pods.is_empty());
    let t = w.send_flood(
        &Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store(),
        Flood::HttpFlood,
    );
    assert_eq!(shield_events(&t)[0].3, ShieldDecision::Mitigated);
    assert_eq!(t.outcome.code, Code::ShieldMitigation);
    assert!(!waf_asked(&t));
    // An ordinary request is not a flood: served as before.
    assert_eq!(get(&mut w, DEFAULT_URL, &[]).outcome.status, Some(200));
}

/// §7: a burst without a flood is today's burst: no Shield report, and
/// an ordinary request's trace has no Shield hop.
#[test]
fn a_burst_without_a_flood_has_no_shield_report_and_reads_as_before() {
    let mut a = world(|_| {});
    let mut b = world(|_| {});
    let plain = a.burst_get(200, &clients(), DEFAULT_URL).unwrap();
    let none = b.burst_flood(200, &clients(), DEFAULT_URL, None).unwrap();
    assert_eq!(plain, none);
    assert!(plain.shield.is_none());
    let json = serde_json::to_string(&plain).unwrap();
    assert!(!json.contains("shield"));
    let t = get(&mut a, DEFAULT_URL, &[]);
    assert!(shield_events(&t).is_empty());
}

/// §7: the burst step's `flood` field, from a script, and the inspector
/// row showing the tier.
#[test]
fn a_script_burst_step_reads_its_flood_and_the_inspector_shows_shield() {
    let step: Step = serde_json::from_str(
        r#"{"burst":{"count":20,"clients":["client-na"],"url":"https://healthcareapp.com/","flood":"syn_flood"}}"#,
    )
    .unwrap();
    let Step::Burst(BurstSpec { flood, .. }) = &step else {
        panic!()
    };
    assert_eq!(*flood, Some(Flood::SynFlood));
    assert!(serde_json::from_str::<Step>(
        r#"{"burst":{"count":20,"clients":["client-na"],"url":"https://healthcareapp.com/","flood":"ping_flood"}}"#
    )
    .is_err());
    let w = world(|s| s.regions[0].alb.shield.tier = ShieldTier::Advanced);
    let rows = hoplab::sim::inspect::inspect(&w, "alb-a");
    let shield = rows.iter().find(|(k, _)| k == "Shield").unwrap();
    assert!(shield.1.starts_with("Advanced"), "{}", shield.1);
    let rows = hoplab::sim::inspect::inspect(&w, "cloudfront");
    assert!(rows
        .iter()
        .any(|(k, v)| k == "Shield" && v.starts_with("Standard")));
    assert!(rows
        .iter()
        .any(|(k, v)| k == "request limits" && v.contains("8192")));
}

/// §7: Shield Advanced with automatic mitigation on an ALB that has a web
/// ACL blocks an HTTP flood sent straight to it; behind CloudFront with
/// Shield Standard, the same flood meets Shield twice and passes both.
#[test]
fn shield_advanced_on_an_alb_with_a_web_acl_blocks_an_http_flood_sent_straight_to_it() {
    let mut w = world(|s| {
        let mut acl = s.waf.clone();
        acl.id = "waf-regional-a".into();
        acl.rules.clear();
        s.regions[0].alb.web_acl = Some(acl);
    });
    let url = "https://api-origin.healthcareapp.com/api/appointments";
    let through_cf = w.send_flood(
        &Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store(),
        Flood::HttpFlood,
    );
    let decisions: Vec<(String, ShieldDecision)> = shield_events(&through_cf)
        .into_iter()
        .map(|(r, _, _, d)| (r, d))
        .collect();
    assert_eq!(
        decisions,
        vec![
            ("cloudfront".into(), ShieldDecision::PassedToWaf),
            ("alb-a".into(), ShieldDecision::PassedToWaf)
        ]
    );
    w.apply_edit(&Edit::SetShield {
        resource: "alb-a".into(),
        tier: "advanced".into(),
        automatic_l7_mitigation: "on".into(),
    })
    .unwrap();
    let r = w
        .burst_flood(100, &["client-na".into()], url, Some(Flood::HttpFlood))
        .unwrap();
    assert_eq!(r.shield.unwrap().absorbed_at.get("alb-a"), Some(&100));
    assert_eq!(r.status.get(403), Some(&100));
    assert!(r.pods.is_empty());
}

/// §7: a scenario file sets Shield per resource; automatic mitigation
/// without Advanced, and an unknown field, are refused with a message.
#[test]
fn a_scenario_file_sets_shield_and_refuses_mitigation_without_advanced() {
    let base = serde_json::to_value(default_scenario()).unwrap();
    assert!(
        base["cdn"].get("shield").is_none(),
        "Standard is written as nothing"
    );
    let with = |shield: serde_json::Value| {
        let mut v = base.clone();
        v["cdn"]["shield"] = shield;
        Scenario::from_json(&v.to_string())
            .and_then(|s| World::new(s, 1).map(|_| ()).map_err(|e| e.to_string()))
    };
    assert_eq!(
        with(serde_json::json!({"tier": "advanced", "automatic_l7_mitigation": true})),
        Ok(())
    );
    let err =
        with(serde_json::json!({"tier": "standard", "automatic_l7_mitigation": true})).unwrap_err();
    assert!(err.contains("Shield Advanced feature"), "{err}");
    let err = with(serde_json::json!({"teir": "advanced"})).unwrap_err();
    assert!(err.contains("teir"), "{err}");
}
