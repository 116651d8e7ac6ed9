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
