//! Whole-journey tests of the engine against the default scenario.
//! Section numbers refer to ../shared/reference/aws-facts.md.
//!
//! Golden files: `UPDATE_GOLDEN=1 cargo test --test journey` rewrites them.

use hoplab::sim::event::browser::{BrowserEvent, Refusal, UrlError};
use hoplab::sim::event::cdn::CdnEvent;
use hoplab::sim::event::dns::health::{CheckStatus, HealthPart};
use hoplab::sim::event::dns::routing::{FailoverPick, Selection};
use hoplab::sim::event::dns::{AnswerReason, DnsCacheLayer, DnsEvent};
use hoplab::sim::event::net::{HandshakeEnd, NetEvent};
use hoplab::sim::net::SecurityGroup;
use hoplab::sim::trace::{Check, CheckKind, Direction, Event, Hop, Leg, RuleRef, Side};
use hoplab::sim::trace::{Code, Verdict};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Fault, Request, Trace, World};
use hoplab::view::packet::{rest_at, Rest};

fn get(w: &mut World) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL))
}

fn golden(name: &str, actual: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("missing {path}: run UPDATE_GOLDEN=1 cargo test --test journey")
    });
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(UPDATE_GOLDEN=1 to accept)",
            line + 1,
            want.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

fn visits(t: &Trace, node: &str) -> bool {
    t.hops.iter().any(|h| h.from == node || h.to == node)
}

/// The first hop a filter dropped.
fn dropped(t: &Trace) -> &Hop {
    t.hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .expect("a dropped hop")
}

/// A check as (kind, subject, direction, side, leg): where it sat and what it saw.
fn at(c: &Check) -> (CheckKind, &str, Option<Direction>, Option<Side>, Leg) {
    (c.kind, c.subject.as_str(), c.direction, c.side, c.leg)
}

#[test]
fn the_default_request_matches_the_golden_trace() {
    let mut w = World::default_world();
    let t = get(&mut w);
    golden("default_request.txt", &t.render_text());
}

#[test]
fn the_default_request_visits_every_layer_and_is_served_with_200() {
    let mut w = World::default_world();
    let t = get(&mut w);
    for node in [
        "client-na",
        "resolver-na",
        "root",
        "tld-com",
        "route53",
        "cloudfront",
        "waf",
        "alb-a",
        "ingress-a",
        "svc-a",
        "rds-a-1",
    ] {
        assert!(visits(&t, node), "the trace should visit {node}");
    }
    assert!(t.hops.iter().any(|h| h.to.starts_with("pod-a-")));
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(t.outcome.region.as_deref(), Some("us-east-1"));
    assert!(t.hops.iter().all(|h| h.verdict == Verdict::Pass));
}

#[test]
fn every_vpc_crossing_shows_its_security_group_and_nacl_checks_both_ways() {
    // §12, §17: SG out, NACL out, route, NACL in, SG in; return through the NACLs only.
    let mut w = World::default_world();
    let t = get(&mut w);
    let alb_to_pod = t
        .hops
        .iter()
        .find(|h| {
            h.from == "alb-a"
                && h.to.starts_with("pod-")
                && matches!(h.event, Event::Net(NetEvent::Handshake { .. }))
        })
        .unwrap();
    let Event::Net(NetEvent::Handshake { flow, end }) = &alb_to_pod.event else {
        unreachable!()
    };
    assert_eq!(*end, HandshakeEnd::Established);
    assert_eq!(flow.dst_port, 8080);
    use CheckKind::{Nacl, RouteTable, SecurityGroup as Sg};
    use Direction::{Inbound, Outbound};
    use Leg::{Forward, Return};
    use Side::{Destination, Source};
    let seen: Vec<_> = alb_to_pod.checks.iter().map(at).collect();
    assert_eq!(
        seen,
        vec![
            (Sg, "sg-alb-a", Some(Outbound), Some(Source), Forward),
            (Nacl, "acl-public-a", Some(Outbound), Some(Source), Forward),
            (RouteTable, "rtb-public-a", None, Some(Source), Forward),
            (Nacl, "acl-app-a", Some(Inbound), Some(Destination), Forward),
            (Sg, "sg-app-a", Some(Inbound), Some(Destination), Forward),
            (Nacl, "acl-app-a", Some(Outbound), Some(Destination), Return),
            (Nacl, "acl-public-a", Some(Inbound), Some(Source), Return),
        ]
    );
    // The SYN-ACK goes back to the ALB's ephemeral port: the five-tuple reversed.
    let back = alb_to_pod.checks[5].five_tuple.unwrap();
    assert_eq!((back.src_port, back.dst_port), (8080, flow.src_port));
    // The rendered line still names the ephemeral range the rule allows.
    assert!(
        alb_to_pod.checks[5].line().contains("1024-65535"),
        "{}",
        alb_to_pod.checks[5].line()
    );
    let response = t
        .hops
        .iter()
        .find(|h| h.from.starts_with("pod-") && h.to == "alb-a")
        .unwrap();
    assert!(response
        .checks
        .iter()
        .any(|c| c.kind == CheckKind::SecurityGroupTracked && c.rule == Some(RuleRef::Tracked)));
    assert!(response
        .checks
        .iter()
        .any(|c| (c.kind, c.subject.as_str(), c.direction) == (Nacl, "acl-app-a", Some(Outbound))));
}

#[test]
fn a_second_request_from_the_same_browser_skips_root_and_tld_and_shows_the_remaining_ttl() {
    // §1: caches count down on the clock; Chromium keeps answers 60 s.
    let mut w = World::default_world();
    get(&mut w);
    w.advance(15_000);
    let t = get(&mut w);
    assert_eq!(t.hops[0].code, Code::DnsCacheHit);
    assert!(
        matches!(
            &t.hops[0].event,
            Event::Dns(DnsEvent::CacheHit {
                cache: DnsCacheLayer::Browser,
                ttl_left_s: 45,
                ttl_s: 60,
                ..
            })
        ),
        "{:?}",
        t.hops[0].event
    );
    assert!(!visits(&t, "root") && !visits(&t, "tld-com") && !visits(&t, "resolver-na"));
    assert_eq!(t.outcome.status, Some(200));
}

#[test]
fn after_the_answer_expires_the_resolver_asks_route_53_directly_using_its_cached_ns() {
    // §1: NS records are cached for two days, so root and TLD are skipped.
    let mut w = World::default_world();
    get(&mut w);
    w.advance(61_000);
    let t = get(&mut w);
    assert!(visits(&t, "resolver-na") && visits(&t, "route53"));
    assert!(!visits(&t, "root") && !visits(&t, "tld-com"));
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Dns(DnsEvent::NsCached { zone, .. }) if zone == "healthcareapp.com"
    )));
}

#[test]
fn region_a_down_fails_over_only_after_detection_and_the_cached_answer_expiring() {
    // §4: detection ≈ interval 30 s × threshold 3 = 90 s; then the client-side
    // cache (here CloudFront's resolver, alias TTL 60 s, §2) must expire.
    let mut w = World::default_world();
    assert_eq!(get(&mut w).outcome.status, Some(200)); // caches api-origin -> A at t=0
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );

    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(504));
    assert_eq!(t.outcome.decided_by, "cloudfront");
    assert!(t
        .hops
        .iter()
        .any(|h| h.to == "alb-a" && h.verdict == Verdict::Timeout));

    w.advance(61_000); // two failed checks (30 s, 60 s); cached answer expired at 60 s
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(504));
    let answer = t
        .hops
        .iter()
        .find(|h| h.from == "route53" && h.to == "cloudfront")
        .unwrap();
    // The primary is still healthy: two failures of the threshold's three.
    assert!(
        matches!(
            failover_pick(answer),
            Some(FailoverPick::Primary { primary })
                if primary.0.iter().any(|p| matches!(
                    p,
                    HealthPart::Check(CheckStatus::Counted { healthy: true, failures: 2, threshold: 3, .. })
                ))
        ),
        "{:?}",
        answer.event
    );

    w.advance(39_000); // t = 100 s: unhealthy since 90 s, but the edge cached A at 61 s
    assert!(!w.health("hc-cluster-a").unwrap().healthy);
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(504));
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Cdn(CdnEvent::OriginDnsCached { domain, .. }) if domain.starts_with("api-origin")
    )));

    w.advance(22_000); // t = 122 s: the cached answer from 61 s has expired
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(t.outcome.region.as_deref(), Some("us-west-2"));
    assert!(t.hops.iter().any(|h| h.code == Code::HealthCheckFailover
        && matches!(failover_pick(h), Some(FailoverPick::Secondary { .. }))));
}

/// How Route 53's failover routing chose, from an answer hop's typed event.
fn failover_pick(h: &Hop) -> Option<&FailoverPick> {
    match &h.event {
        Event::Dns(DnsEvent::Answer {
            reason: AnswerReason::Routed { selection, .. },
            ..
        }) => match selection.as_ref() {
            Selection::Failover(p) => Some(p),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn deleting_the_nacl_rule_that_allows_443_drops_the_request_at_the_public_subnet() {
    // §12: nothing matches, so the final `*` rule denies; CloudFront then times out (§5).
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: 100,
    })
    .unwrap();
    let t = get(&mut w);
    let drop = t
        .hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .expect("a dropped hop");
    assert_eq!(drop.to, "alb-a");
    assert_eq!(drop.code, Code::SubnetAclRestriction);
    let c = drop.deciding_check().unwrap();
    assert_eq!(
        at(c),
        (
            CheckKind::Nacl,
            "acl-public-a",
            Some(Direction::Inbound),
            Some(Side::Destination),
            Leg::Forward
        )
    );
    assert_eq!(c.rule, Some(RuleRef::Star));
    assert_eq!(c.five_tuple.unwrap().dst_port, 443);
    assert_eq!(t.outcome.status, Some(504));
    assert_eq!(t.outcome.decided_by, "cloudfront");
    assert!(t.outcome.total_us >= 30_000_000, "3 attempts x 10 s");
}

#[test]
fn a_lower_numbered_deny_rule_wins_over_the_allow_rule() {
    // §12: lowest number first, first match decides.
    let mut w = World::default_world();
    w.apply_edit(&Edit::AddNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: "90".into(),
        protocol: "tcp".into(),
        ports: "443".into(),
        cidr: "0.0.0.0/0".into(),
        action: "deny".into(),
    })
    .unwrap();
    let t = get(&mut w);
    let c = dropped(&t).deciding_check().unwrap();
    assert_eq!(c.rule, Some(RuleRef::Number { number: 90 }));
    assert!(!c.allowed);
    // The rendered rule, as a learner reads it.
    assert!(c.decided_by.starts_with("rule 90 deny"), "{}", c.decided_by);
}

#[test]
fn a_missing_return_rule_for_ephemeral_ports_makes_the_alb_answer_504() {
    // §12 ephemeral ports, §8: "NACL blocks return traffic on ephemeral ports" -> 504.
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-app-a".into(),
        direction: Direction::Outbound,
        number: 110,
    })
    .unwrap();
    let t = get(&mut w);
    let drop = dropped(&t);
    let Event::Net(NetEvent::Handshake {
        end: HandshakeEnd::Dropped { by },
        ..
    }) = &drop.event
    else {
        panic!("a dropped handshake: {:?}", drop.event)
    };
    assert_eq!(Some(by), drop.deciding_check());
    assert_eq!(
        at(by),
        (
            CheckKind::Nacl,
            "acl-app-a",
            Some(Direction::Outbound),
            Some(Side::Destination),
            Leg::Return
        )
    );
    assert!(drop.why.contains("SYN-ACK"), "{}", drop.why);
    assert_eq!(t.outcome.status, Some(504));
    assert_eq!(t.outcome.decided_by, "alb-a");
}

#[test]
fn removing_the_database_security_group_rule_makes_the_app_answer_500() {
    // §11: allow-only, nothing matching denies; §15: DB reachable only from the app SG.
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveSgRule {
        sg: "sg-db-a".into(),
        direction: Direction::Inbound,
        index: 0,
    })
    .unwrap();
    let t = get(&mut w);
    let drop = dropped(&t);
    assert_eq!(drop.code, Code::EniSgRulesMismatch);
    assert!(drop.to.starts_with("rds-a-"));
    let c = drop.deciding_check().unwrap();
    assert_eq!(c.kind, CheckKind::SecurityGroup);
    assert_eq!(c.side, Some(Side::Destination));
    assert_eq!(c.rule, Some(RuleRef::NoSgRule));
    assert_eq!(t.outcome.status, Some(500));
}

#[test]
fn a_crashed_pod_gets_502s_until_the_target_health_check_removes_it() {
    // §8: RST from a target -> 502; LBC health check 15 s × 2 (§19.5).
    let mut w = World::default_world();
    w.set_fault(
        Fault::PodDown {
            pod: "pod-a-1".into(),
        },
        true,
    );
    let statuses: Vec<Option<u16>> = (0..4).map(|_| get(&mut w).outcome.status).collect();
    assert!(statuses.contains(&Some(502)), "{statuses:?}");
    w.advance(30_000);
    for _ in 0..8 {
        let t = get(&mut w);
        assert_eq!(t.outcome.status, Some(200));
        assert_ne!(t.outcome.pod.as_deref(), Some("pod-a-1"));
    }
}

#[test]
fn an_az_outage_fails_the_database_over_to_the_standby_on_the_clock() {
    // §15: Multi-AZ failover 60-120 s, the endpoint flips to the standby.
    let mut w = World::default_world();
    w.set_fault(
        Fault::AzDown {
            az: "us-east-1a".into(),
        },
        true,
    );
    assert_eq!(w.rds_primary("us-east-1"), Some("rds-a-1"));
    w.advance(121_000);
    assert_eq!(w.rds_primary("us-east-1"), Some("rds-a-2"));
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(200));
    assert!(visits(&t, "rds-a-2"));
}

#[test]
fn sql_injection_in_the_query_string_is_blocked_by_waf_with_403() {
    // §6: a block is a 403 from WAF, not from the app.
    let mut w = World::default_world();
    let t = w.send(&Request::get(
        DEFAULT_CLIENT,
        "https://healthcareapp.com/api/appointments?id=1%27%20OR%201=1--",
    ));
    assert_eq!(t.outcome.status, Some(403));
    assert_eq!(t.outcome.decided_by, "waf");
    assert!(!visits(&t, "alb-a"));
}

#[test]
fn static_assets_are_kept_by_the_browser_and_cached_at_the_edge() {
    // §5: GET is cached at the edge; the browser keeps the answer for its
    // max-age (3600 s from S3), so its second request never leaves it, and
    // with its cache disabled it gets the edge's copy.
    let url = "https://healthcareapp.com/static/app.js";
    let mut w = World::default_world();
    let first = w.send(&Request::get(DEFAULT_CLIENT, url));
    assert!(visits(&first, "s3"));
    let second = w.send(&Request::get(DEFAULT_CLIENT, url));
    assert_eq!(second.outcome.code, Code::BrowserCacheHit);
    assert!(!visits(&second, "cloudfront"));
    let third = w.send(&Request::get(DEFAULT_CLIENT, url).no_store());
    assert!(!visits(&third, "s3"));
    assert!(third
        .hops
        .iter()
        .any(|h| h.what.contains("X-Cache: Hit from cloudfront")));
}

#[test]
fn an_unknown_name_ends_in_nxdomain_from_route_53() {
    // §1: NXDOMAIN comes from the authority, with the SOA for negative caching.
    let mut w = World::default_world();
    let t = w.send(&Request::get(
        DEFAULT_CLIENT,
        "https://nope.healthcareapp.com/",
    ));
    assert_eq!(t.outcome.status, None);
    assert_eq!(t.outcome.code, Code::DnsNxdomain);
    assert!(t
        .hops
        .iter()
        .any(|h| h.from == "route53" && h.code == Code::DnsNxdomain));
}

#[test]
fn bad_input_gives_a_readable_outcome_instead_of_a_panic() {
    let mut w = World::default_world();
    for (url, error) in [
        ("", UrlError::NotHttp),
        ("ftp://x", UrlError::NotHttp),
        ("https://", UrlError::NoHost),
        ("https:// /a", UrlError::NoHost),
        ("not a url", UrlError::NotHttp),
    ] {
        let t = w.send(&Request::get(DEFAULT_CLIENT, url));
        assert_eq!(t.outcome.status, None, "{url}");
        assert_eq!(
            t.hops[0].event,
            Event::Browser(BrowserEvent::Refused {
                input: Refusal::Url {
                    url: url.into(),
                    error
                }
            })
        );
    }
    let t = w.send(&Request {
        method: "GET /".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(
        t.hops[0].event,
        Event::Browser(BrowserEvent::Refused {
            input: Refusal::Method {
                method: "GET /".into()
            }
        })
    );
    assert!(t.outcome.summary.contains("is not an HTTP method"));
    let t = w.send(&Request::get("client-mars", DEFAULT_URL));
    assert!(t.outcome.summary.contains("client-mars"));
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace() {
    let run = || {
        let mut w = World::default_world();
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-2".into(),
            },
            true,
        );
        let mut out = String::new();
        for _ in 0..5 {
            out.push_str(&serde_json::to_string(&get(&mut w)).unwrap());
            w.advance(7_000);
        }
        out
    };
    assert_eq!(run(), run());
}

/// Every script in tests/journeys runs against the default scenario and its
/// whole text output (traces, burst reports, clock moves, edits) matches
/// tests/golden/<script>.txt. The scripts double as examples for lesson
/// authors: region failover (§4), WAF rate limiting (§6), a booking that
/// writes to RDS and leaves through the NAT gateway (§11, §15), a crashed
/// pod (§8) and a NACL without its HTTPS rule (§10).
#[test]
fn every_journey_script_matches_its_golden_output() {
    let dir = format!("{}/tests/journeys", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/journeys exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "journey scripts: {names:?}");
    for name in names {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let script =
            hoplab::sim::script::Script::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut w = World::new(
            hoplab::sim::defaults::default_scenario(),
            script.seed.unwrap_or(1),
        )
        .unwrap();
        let (results, err) = script.run(&mut w);
        assert_eq!(err, None, "{name} stopped");
        let out: String = results.iter().map(|r| r.render_text()).collect();
        golden(&name.replace(".json", ".txt"), &out);
    }
}

#[test]
fn the_journey_scripts_end_the_way_their_lessons_say() {
    let run = |name: &str| {
        let path = format!("{}/tests/journeys/{name}", env!("CARGO_MANIFEST_DIR"));
        let script =
            hoplab::sim::script::Script::from_json(&std::fs::read_to_string(path).unwrap())
                .unwrap();
        let mut w = World::new(
            hoplab::sim::defaults::default_scenario(),
            script.seed.unwrap_or(1),
        )
        .unwrap();
        script.run(&mut w).0
    };
    use hoplab::sim::script::StepResult;
    let outcome = |r: &StepResult| match r {
        StepResult::Trace { trace, .. } => trace.outcome.clone(),
        other => panic!("expected a trace, got {other:?}"),
    };
    // §4: detection + TTL first (504 from CloudFront), then Cluster B.
    let r = run("region_failover.json");
    assert_eq!(outcome(&r[3]).status, Some(504));
    assert_eq!(outcome(&r[5]).region.as_deref(), Some("us-west-2"));
    // §6: the rate rule blocks the busy client only; WAF, not the app, answers.
    let r = run("waf_rate_limit.json");
    assert_eq!(outcome(&r[1]).status, Some(403));
    assert_eq!(outcome(&r[1]).code, Code::WafRuleBlock);
    assert_eq!(outcome(&r[2]).status, Some(200));
    // §11: the booking's SMS leaves through the NAT gateway.
    let r = run("book_appointment.json");
    let StepResult::Trace { trace, .. } = &r[0] else {
        panic!("a trace")
    };
    assert_eq!(trace.outcome.status, Some(201));
    assert!(trace.hops.iter().any(|h| h.to == "sms-api"));
    // §8: 502s while the crashed pod is registered, then none.
    let r = run("pod_crash.json");
    let StepResult::Burst { report: before, .. } = &r[1] else {
        panic!("a burst")
    };
    let StepResult::Burst { report: after, .. } = &r[3] else {
        panic!("a burst")
    };
    assert!(before.status.get(502).copied().unwrap_or(0) > 0);
    assert_eq!(after.status.get(502), None);
    // §10: no numbered rule matches, so the final * rule denies.
    let r = run("nacl_missing_https_rule.json");
    assert_eq!(outcome(&r[1]).code, Code::SubnetAclRestriction);
}

/// Every (path, value) of `old` is in `new`: objects may gain fields, never
/// lose one or change what one holds. Arrays must keep their length.
fn holds_every_field(
    old: &serde_json::Value,
    new: &serde_json::Value,
    path: &str,
) -> Result<(), String> {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in o {
                let p = format!("{path}/{k}");
                let nv = n.get(k).ok_or_else(|| format!("{p}: field removed"))?;
                holds_every_field(v, nv, &p)?;
            }
            Ok(())
        }
        (Value::Array(o), Value::Array(n)) => {
            if o.len() != n.len() {
                return Err(format!("{path}: {} elements, now {}", o.len(), n.len()));
            }
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                holds_every_field(a, b, &format!("{path}/{i}"))?;
            }
            Ok(())
        }
        (a, b) if a == b => Ok(()),
        // A ratio printed and read back may differ in its last digit.
        (Value::Number(a), Value::Number(b))
            if a.is_f64()
                && (a.as_f64().unwrap() - b.as_f64().unwrap_or(f64::NAN)).abs() < 1e-12 =>
        {
            Ok(())
        }
        (a, b) => Err(format!("{path}: was {a}, now {b}")),
    }
}

/// The CLI's JSON trace is a public format that scripts and graders read.
/// `tests/golden/json/` holds the JSON the CLI printed for the default
/// request and for each journey script (one result a line) before hops
/// carried typed events; every field it had must still be there with the
/// same value.
#[test]
fn the_json_trace_keeps_every_field_it_ever_had() {
    let golden = format!("{}/tests/golden/json", env!("CARGO_MANIFEST_DIR"));
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{golden}/default_request.json")).unwrap(),
    )
    .unwrap();
    let new = serde_json::to_value(get(&mut World::default_world())).unwrap();
    holds_every_field(&old, &new, "default_request").unwrap();
    assert!(
        new["hops"][0]["event"]["component"].is_string(),
        "hops carry a typed event"
    );
    let dir = format!("{}/tests/journeys", env!("CARGO_MANIFEST_DIR"));
    let mut compared = 0;
    for e in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().replace(".json", "");
        let Ok(old) = std::fs::read_to_string(format!("{golden}/{name}.jsonl")) else {
            continue;
        };
        let script =
            hoplab::sim::script::Script::from_json(&std::fs::read_to_string(e.path()).unwrap())
                .unwrap();
        let mut w = World::new(
            hoplab::sim::defaults::default_scenario(),
            script.seed.unwrap_or(1),
        )
        .unwrap();
        let (results, _) = script.run(&mut w);
        let old: Vec<&str> = old.lines().collect();
        assert_eq!(old.len(), results.len(), "{name}: results");
        for (i, (o, r)) in old.iter().zip(&results).enumerate() {
            let o: serde_json::Value = serde_json::from_str(o).unwrap();
            let n = serde_json::to_value(r).unwrap();
            holds_every_field(&o, &n, &format!("{name}[{i}]")).unwrap();
            compared += 1;
        }
    }
    assert!(compared >= 16, "only {compared} results compared");
}

/// The diagram rests a stopped packet at the end of the hop whose filter
/// stopped it, read from the deciding check's side.
fn rests_at(w: &World, hop: &Hop) -> Rest {
    rest_at(hop, &w.attachments(&hop.from), &w.attachments(&hop.to))
}

#[test]
fn a_packet_dropped_by_the_destinations_security_group_stops_at_the_destination() {
    // §11: a security group is on the receiving interface; nothing matching
    // its inbound rules denies the SYN there.
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveSgRule {
        sg: "sg-db-a".into(),
        direction: Direction::Inbound,
        index: 0,
    })
    .unwrap();
    let t = get(&mut w);
    let drop = dropped(&t);
    let c = drop.deciding_check().unwrap();
    assert_eq!(
        at(c),
        (
            CheckKind::SecurityGroup,
            "sg-db-a",
            Some(Direction::Inbound),
            Some(Side::Destination),
            Leg::Forward
        )
    );
    assert_eq!(c.five_tuple.unwrap().dst_port, 5432);
    assert_eq!(rests_at(&w, drop), Rest::To);
    assert!(drop.to.starts_with("rds-a-"));
}

#[test]
fn a_packet_dropped_by_the_source_subnets_nacl_stops_at_the_source() {
    // §12: a network ACL is checked when traffic leaves a subnet; a lower
    // numbered deny on the app subnet's way out stops the SYN at the pod.
    let mut w = World::default_world();
    w.apply_edit(&Edit::AddNaclRule {
        nacl: "acl-app-a".into(),
        direction: Direction::Outbound,
        number: "50".into(),
        protocol: "tcp".into(),
        ports: "5432".into(),
        cidr: "0.0.0.0/0".into(),
        action: "deny".into(),
    })
    .unwrap();
    let t = get(&mut w);
    let drop = dropped(&t);
    assert!(drop.from.starts_with("pod-a-") && drop.to.starts_with("rds-a-"));
    assert_eq!(drop.code, Code::SubnetAclRestriction);
    let c = drop.deciding_check().unwrap();
    assert_eq!(
        at(c),
        (
            CheckKind::Nacl,
            "acl-app-a",
            Some(Direction::Outbound),
            Some(Side::Source),
            Leg::Forward
        )
    );
    assert_eq!(c.rule, Some(RuleRef::Number { number: 50 }));
    assert_eq!(rests_at(&w, drop), Rest::From);
}

#[test]
fn a_pod_with_two_security_groups_is_stopped_at_its_own_end_when_neither_allows_out() {
    // §11: every group on an interface is evaluated together (the union);
    // with no outbound rule in either, the SYN to the database stops at the
    // pod, though the check names both groups at once.
    let mut s = hoplab::sim::defaults::default_scenario();
    let vpc = &mut s.regions[0].vpc;
    vpc.security_groups.push(SecurityGroup {
        id: "sg-audit-a".into(),
        name: "audit".into(),
        inbound: vec![],
        outbound: vec![],
    });
    for g in vpc.security_groups.iter_mut() {
        if g.id == "sg-app-a" {
            g.outbound.clear();
        }
    }
    for p in s.regions[0].cluster.pods.iter_mut() {
        p.security_groups.push("sg-audit-a".into());
    }
    let mut w = World::new(s, 1).unwrap();
    let t = get(&mut w);
    let drop = dropped(&t);
    assert!(drop.from.starts_with("pod-a-") && drop.to.starts_with("rds-a-"));
    let c = drop.deciding_check().unwrap();
    assert_eq!(c.kind, CheckKind::SecurityGroup);
    assert_eq!(c.subject, "sg-app-a+sg-audit-a");
    assert_eq!(c.side, Some(Side::Source));
    assert_eq!(c.rule, Some(RuleRef::NoSgRule));
    assert_eq!(
        w.attachments(&drop.from).security_groups,
        ["sg-app-a", "sg-audit-a"]
    );
    assert_eq!(rests_at(&w, drop), Rest::From);
    assert_eq!(t.outcome.status, Some(500));
}

#[test]
fn a_booking_whose_sms_is_dropped_says_which_filter_dropped_it_recorded_or_not() {
    // §12: without the app subnet's 443 egress rule the SMS never leaves the
    // VPC; the application's answer names the network ACL, and a burst's
    // request (recording nothing) ends exactly like the traced one.
    let edit = Edit::RemoveNaclRule {
        nacl: "acl-app-a".into(),
        direction: Direction::Outbound,
        number: 120,
    };
    let post = Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    };
    let mut traced = World::default_world();
    traced.apply_edit(&edit).unwrap();
    let mut burst = World::default_world();
    burst.apply_edit(&edit).unwrap();
    let t = traced.send(&post);
    assert_eq!(burst.send_unrecorded(&post), t.outcome);
    // The outcome says what happened: stored, SMS not sent, and why; its
    // code is the dropping table's (the NACL), not the database's.
    assert_eq!(
        t.outcome.summary,
        "the appointment was stored, but the SMS API could not be reached: \
         a network ACL dropped the connection"
    );
    assert_eq!(t.outcome.code, Code::SubnetAclRestriction);
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::App(hoplab::sim::event::app::AppEvent::QueryResult { write: true, .. })
    )));
    let answer = t
        .hops
        .iter()
        .find(|h| {
            h.from.starts_with("pod-a-")
                && h.to == "alb-a"
                && h.layer == hoplab::sim::trace::Layer::Http
        })
        .unwrap();
    assert!(
        answer
            .why
            .contains("SMS API could not be reached (dropped on the way out by acl-app-a: rule"),
        "{}",
        answer.why
    );
}

#[test]
fn vpc_and_browser_events_read_back_from_the_json_trace() {
    // The JSON trace is a public format: a typed event written out reads
    // back as the same value (a dropped handshake carries its deciding check).
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-app-a".into(),
        direction: Direction::Outbound,
        number: 110,
    })
    .unwrap();
    let mut traces = vec![get(&mut w)];
    let mut w = World::default_world();
    traces.push(w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, "http://healthcareapp.com/api/appointments")
    }));
    traces.push(w.send(&Request::get(DEFAULT_CLIENT, "ftp://x")));
    traces.push(w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    }));
    let mut kinds = std::collections::BTreeSet::new();
    for t in &traces {
        let json = serde_json::to_string(t).unwrap();
        let back: Trace = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, t);
        for h in &t.hops {
            let v = serde_json::to_value(&h.event).unwrap();
            if matches!(v["component"].as_str(), Some("net" | "browser")) {
                kinds.insert(v["kind"].as_str().unwrap().to_string());
            }
        }
    }
    for k in [
        "handshake",
        "redirect",
        "refused",
        "egress_handshake",
        "nat_rewrite",
        "internet_gateway",
        "api_answer",
    ] {
        assert!(kinds.contains(k), "{kinds:?}");
    }
}

#[test]
fn the_default_world_is_the_checked_default_scenario() {
    // default_world() skips the scenario checks (the page's first download
    // holds none); the built-in scenario passes them and builds the same world.
    let checked = World::new(hoplab::sim::defaults::default_scenario(), 1)
        .expect("the built-in scenario passes every check");
    assert!(World::default_world() == checked);
    let mut a = World::default_world();
    let mut b = checked;
    assert_eq!(get(&mut a), get(&mut b));
}
