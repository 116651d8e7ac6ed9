//! DNS record types, NODATA against NXDOMAIN, alias AAAA and dual stack,
//! and the `dig` step. Section numbers refer to
//! ../shared/reference/aws-facts.md.

use hoplab::sim::dns::dig::{DigResult, DigSpec, Rcode};
use hoplab::sim::dns::QType;
use hoplab::sim::edit::{Edit, EditError};
use hoplab::sim::event::dns::{AnswerReason, DnsCacheLayer, DnsEvent, ValueNote};
use hoplab::sim::script::{Script, StepResult};
use hoplab::sim::trace::Event;
use hoplab::sim::World;

const ZONE: &str = "healthcareapp.com";

fn create(w: &mut World, name: &str, value: &str) {
    w.apply_edit(&Edit::CreateRecord {
        name: name.into(),
        value: value.into(),
        ttl_s: "300".into(),
        routing: "simple".into(),
        health_check: String::new(),
        evaluate_target_health: false,
    })
    .unwrap_or_else(|e| panic!("{name} {value}: {e}"));
}

fn create_alias(w: &mut World, name: &str, value: &str) {
    w.apply_edit(&Edit::CreateRecord {
        name: name.into(),
        value: value.into(),
        ttl_s: String::new(),
        routing: "simple".into(),
        health_check: String::new(),
        evaluate_target_health: false,
    })
    .unwrap_or_else(|e| panic!("{name} {value}: {e}"));
}

fn dig(w: &mut World, name: &str, qtype: &str, from: &str) -> DigResult {
    w.dig(&DigSpec {
        name: name.into(),
        qtype: qtype.into(),
        from: from.into(),
    })
    .unwrap_or_else(|e| panic!("dig {name} {qtype}: {e}"))
}

fn values(d: &DigResult) -> Vec<String> {
    d.answer
        .iter()
        .filter(|r| r.rtype == d.qtype)
        .map(|r| r.value.clone())
        .collect()
}

fn answer_reasons(d: &DigResult) -> Vec<AnswerReason> {
    d.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Dns(DnsEvent::Answer { reason, .. }) => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

/// §1: a name that exists without the asked type is NODATA: NOERROR, an
/// empty answer and the zone's SOA, negatively cached for min(SOA TTL,
/// minimum) = 900 s; after that the resolver asks Route 53 again.
#[test]
fn aaaa_for_a_name_with_only_an_a_record_is_nodata_with_the_soa_and_negatively_cached() {
    let mut w = World::default_world();
    create(&mut w, "www.healthcareapp.com", "A 192.0.2.10");
    let d = dig(&mut w, "www.healthcareapp.com", "AAAA", "resolver-na");
    assert_eq!(d.status, Rcode::Noerror);
    assert!(d.answer.is_empty());
    assert_eq!(d.authority.len(), 1);
    assert_eq!(d.authority[0].rtype, QType::SOA);
    assert_eq!(d.authority[0].ttl_s, 900);
    assert!(matches!(
        answer_reasons(&d)[..],
        [AnswerReason::NoRecordOfType {
            qtype: QType::AAAA,
            negative_ttl_s: 900,
            ..
        }]
    ));
    assert_eq!(d.answered_by, "route53");

    w.advance(899_000);
    let again = dig(&mut w, "www.healthcareapp.com", "AAAA", "resolver-na");
    assert_eq!(again.cache, Some(DnsCacheLayer::Resolver));
    assert!(matches!(
        again.hops[0].event,
        Event::Dns(DnsEvent::CacheHit { negative: true, .. })
    ));
    assert!(answer_reasons(&again).is_empty());

    w.advance(2_000);
    let later = dig(&mut w, "www.healthcareapp.com", "AAAA", "resolver-na");
    assert_eq!(later.cache, None);
    assert_eq!(answer_reasons(&later).len(), 1);
}

/// §1: NXDOMAIN is for a name that does not exist at all, with the SOA.
#[test]
fn a_name_that_does_not_exist_is_nxdomain_while_an_existing_name_without_the_type_is_nodata() {
    let mut w = World::default_world();
    let nx = dig(&mut w, "nope.healthcareapp.com", "TXT", "resolver-na");
    assert_eq!(nx.status, Rcode::Nxdomain);
    assert_eq!(nx.authority[0].rtype, QType::SOA);
    let nodata = dig(&mut w, ZONE, "TXT", "resolver-na");
    assert_eq!(nodata.status, Rcode::Noerror);
    assert!(nodata.answer.is_empty());
}

/// §2, §23: an alias answers only with the target's addresses of the asked
/// type; an IPv4-only ALB has none for AAAA, so the answer is NODATA.
#[test]
fn an_alias_aaaa_to_an_alb_that_is_not_dual_stack_is_nodata() {
    let mut w = World::default_world();
    create_alias(&mut w, "v6.healthcareapp.com", "alias aaaa alb us-east-1");
    let d = dig(&mut w, "v6.healthcareapp.com", "AAAA", "resolver-na");
    assert_eq!(d.status, Rcode::Noerror);
    assert!(d.answer.is_empty());
    assert_eq!(d.authority[0].rtype, QType::SOA);
    let [AnswerReason::Routed { value, .. }] = &answer_reasons(&d)[..] else {
        panic!("one routed answer");
    };
    assert!(matches!(
        value,
        ValueNote::AliasWithoutIpv6 {
            negative_ttl_s: 900,
            ..
        }
    ));
}

/// §23: a dual-stack ALB's alias AAAA answers with its nodes' IPv6
/// addresses; CloudFront with IPv6 on answers its edge's.
#[test]
fn an_alias_aaaa_to_a_dual_stack_alb_or_to_cloudfront_with_ipv6_answers_ipv6_addresses() {
    let mut w = World::default_world();
    create_alias(&mut w, "v6.healthcareapp.com", "alias aaaa alb us-east-1");
    create_alias(&mut w, ZONE, "alias aaaa cloudfront");
    for (component, t) in [("alb-a", "dualstack"), ("cloudfront", "dualstack")] {
        w.apply_edit(&Edit::SetIpAddressType {
            component: component.into(),
            ip_address_type: t.into(),
        })
        .unwrap();
    }
    let alb = dig(&mut w, "v6.healthcareapp.com", "AAAA", "resolver-na");
    let v6 = values(&alb);
    assert_eq!(v6.len(), 2, "{v6:?}");
    assert!(v6.iter().all(|a| a.parse::<std::net::Ipv6Addr>().is_ok()));
    assert_eq!(alb.answer[0].ttl_s, 60);
    let apex = dig(&mut w, ZONE, "AAAA", "resolver-na");
    assert_eq!(values(&apex).len(), 1);
    assert!(values(&apex)[0].starts_with("2600:9000:"));
    // The A answer at the apex is still the IPv4 edge.
    let a = dig(&mut w, ZONE, "A", "resolver-na");
    assert!(values(&a)[0].parse::<std::net::Ipv4Addr>().is_ok());
}

/// §1: MX and TXT answer with their values (MX by preference).
#[test]
fn mx_and_txt_records_answer_their_values() {
    let mut w = World::default_world();
    create(
        &mut w,
        ZONE,
        "MX 20 mx2.healthcareapp.com, 10 mx1.healthcareapp.com",
    );
    create(&mut w, ZONE, "TXT v=spf1 -all");
    let mx = dig(&mut w, ZONE, "mx", "client-na");
    assert_eq!(
        values(&mx),
        ["10 mx1.healthcareapp.com", "20 mx2.healthcareapp.com"]
    );
    assert_eq!(mx.answer[0].ttl_s, 300);
    assert_eq!(mx.authority.len(), 4, "NS with a NOERROR answer");
    let txt = dig(&mut w, ZONE, "TXT", "client-na");
    assert_eq!(values(&txt), ["\"v=spf1 -all\""]);
}

/// §1: Route 53 creates the zone's NS (four name servers) and SOA records.
#[test]
fn ns_and_soa_at_the_apex_answer_the_zones_own_records() {
    let mut w = World::default_world();
    let ns = dig(&mut w, ZONE, "NS", "resolver-na");
    assert_eq!(values(&ns).len(), 4);
    assert_eq!(ns.answer[0].ttl_s, 172_800);
    let soa = dig(&mut w, ZONE, "SOA", "resolver-na");
    assert_eq!(soa.answer[0].ttl_s, 900);
    assert!(
        soa.answer[0].value.ends_with(" 86400"),
        "{}",
        soa.answer[0].value
    );
}

/// §1, §2: a CNAME at the zone apex is refused, and the refused edit
/// changes nothing.
#[test]
fn a_cname_at_the_apex_is_refused_with_the_scenario_unchanged() {
    let mut w = World::default_world();
    let before = w.clone();
    let e = w
        .apply_edit(&Edit::CreateRecord {
            name: ZONE.into(),
            value: "CNAME d1h2k3l4m5n6.cloudfront.net".into(),
            ttl_s: "300".into(),
            routing: "simple".into(),
            health_check: String::new(),
            evaluate_target_health: false,
        })
        .unwrap_err();
    assert!(matches!(e, EditError::Invalid(_)), "{e:?}");
    assert_eq!(w, before);
}

/// §1: a CNAME redirects every type: the resolver follows the chain with
/// the type asked, and `dig` shows each link then the records.
#[test]
fn a_cname_chain_is_followed_with_the_type_asked() {
    let mut w = World::default_world();
    create(
        &mut w,
        "www.healthcareapp.com",
        "CNAME web.healthcareapp.com",
    );
    create(&mut w, "web.healthcareapp.com", "AAAA 2001:db8::10");
    let d = dig(&mut w, "www.healthcareapp.com", "AAAA", "resolver-na");
    assert_eq!(d.status, Rcode::Noerror);
    assert_eq!(d.answer[0].rtype, QType::CNAME);
    assert_eq!(d.answer[0].value, "web.healthcareapp.com");
    assert_eq!(values(&d), ["2001:db8::10"]);
    assert!(d
        .hops
        .iter()
        .any(|h| matches!(h.event, Event::Dns(DnsEvent::CnameRestart { .. }))));
    // Asked for the CNAME itself, the answer is the CNAME, not followed.
    let c = dig(&mut w, "www.healthcareapp.com", "CNAME", "resolver-eu");
    assert_eq!(values(&c), ["web.healthcareapp.com"]);
}

/// §1: a client asks its browser's cache, then the OS's, then the resolver;
/// the second identical `dig` is answered by the browser's cache.
#[test]
fn dig_from_a_client_shows_a_cache_hit_the_second_time() {
    let mut w = World::default_world();
    create(&mut w, "www.healthcareapp.com", "TXT hello");
    let first = dig(&mut w, "www.healthcareapp.com", "TXT", "client-na");
    assert_eq!(first.cache, None);
    assert!(first
        .hops
        .iter()
        .any(|h| matches!(&h.event, Event::Dns(DnsEvent::Query { qtype, .. }) if qtype == "TXT")));
    let second = dig(&mut w, "www.healthcareapp.com", "TXT", "client-na");
    assert_eq!(second.cache, Some(DnsCacheLayer::Browser));
    assert_eq!(second.answered_by, "browser cache");
    assert_eq!(second.hops.len(), 1);
    assert_eq!(values(&second), ["\"hello\""]);
}

/// A `dig` for an A record does not disturb what a request later finds in
/// the caches: both are the same A answer.
#[test]
fn dig_for_a_warms_the_same_cache_a_request_uses() {
    let mut w = World::default_world();
    let d = dig(&mut w, ZONE, "", "client-na");
    assert_eq!(d.qtype, QType::A);
    let t = w.send(&hoplab::sim::Request::get(
        "client-na",
        "https://healthcareapp.com/",
    ));
    assert!(matches!(
        t.hops[0].event,
        Event::Dns(DnsEvent::CacheHit {
            cache: DnsCacheLayer::Browser,
            ..
        })
    ));
}

/// A `dig` step in a script prints like the other steps, in text and
/// JSON; a bad type or an unknown `from` stops the script with a message.
#[test]
fn a_dig_step_reads_from_a_script_and_bad_ones_are_refused_by_name() {
    let s = Script::from_json(
        r#"{ "steps": [ { "dig": { "name": "healthcareapp.com", "type": "NS", "from": "resolver" } } ] }"#,
    )
    .unwrap();
    let mut w = World::default_world();
    let (out, failed) = s.run(&mut w);
    assert!(failed.is_none());
    let StepResult::Dig { dig, .. } = &out[0] else {
        panic!("a dig result");
    };
    assert_eq!(dig.status, Rcode::Noerror);
    let json = serde_json::to_value(&out[0]).unwrap();
    assert_eq!(json["kind"], "dig");
    assert_eq!(json["dig"]["status"], "NOERROR");
    assert_eq!(json["dig"]["type"], "NS");
    assert_eq!(json["dig"]["answer"][0]["type"], "NS");
    assert!(out[0].render_text().contains(";; ANSWER SECTION:"));

    for (bad, want) in [
        (
            r#"{ "name": "x.com", "type": "SPF", "from": "client-na" }"#,
            "'SPF'",
        ),
        (r#"{ "name": "x.com", "from": "client-zz" }"#, "'client-zz'"),
    ] {
        let s = Script::from_json(&format!(r#"{{ "steps": [ {{ "dig": {bad} }} ] }}"#)).unwrap();
        let mut w = World::default_world();
        let before = w.clone();
        let (_, failed) = s.run(&mut w);
        let msg = failed.expect("refused").to_string();
        assert!(msg.contains(want), "{msg}");
        assert_eq!(w, before);
    }
}

/// §1: when the authority cannot be reached the resolver answers SERVFAIL
/// itself, with no authority section, and it is not cached.
#[test]
fn a_dig_while_route53_is_unreachable_is_servfail_from_the_resolver() {
    let mut w = World::default_world();
    w.set_fault(hoplab::sim::Fault::DnsAuthorityDown, true);
    let d = dig(&mut w, ZONE, "MX", "resolver-na");
    assert_eq!(d.status, Rcode::Servfail);
    assert!(d.authority.is_empty());
    assert_eq!(d.answered_by, "resolver-na");
    let again = dig(&mut w, ZONE, "MX", "resolver-na");
    assert_eq!(again.cache, None);
}

/// §23: CloudFront with IPv6 off answers AAAA for its own domain with
/// NODATA; with IPv6 on, with the edge's IPv6 address.
#[test]
fn cloudfronts_own_name_answers_aaaa_only_with_ipv6_on() {
    let mut w = World::default_world();
    let domain = w.scenario().cdn.domain.clone();
    let off = dig(&mut w, &domain, "AAAA", "resolver-na");
    assert_eq!(off.status, Rcode::Noerror);
    assert!(off.answer.is_empty());
    let mut w = World::default_world();
    w.apply_edit(&Edit::SetIpAddressType {
        component: "cloudfront".into(),
        ip_address_type: "dualstack".into(),
    })
    .unwrap();
    let on = dig(&mut w, &domain, "AAAA", "resolver-na");
    assert_eq!(values(&on).len(), 1);
}

/// A bad MX host or an alias AAAA to a region without a load balancer is
/// refused whole, naming the record.
#[test]
fn bad_mx_and_alias_aaaa_records_are_refused_with_the_scenario_unchanged() {
    let mut w = World::default_world();
    let before = w.clone();
    for value in ["MX 10 ", "alias aaaa alb eu-west-9"] {
        let e = w
            .apply_edit(&Edit::CreateRecord {
                name: "mail.healthcareapp.com".into(),
                value: value.into(),
                ttl_s: String::new(),
                routing: "simple".into(),
                health_check: String::new(),
                evaluate_target_health: false,
            })
            .unwrap_err();
        assert!(
            matches!(e, EditError::Parse(_) | EditError::Invalid(_)),
            "{value}: {e:?}"
        );
    }
    assert_eq!(w, before);
}

/// §1: the type asked travels in the trace: every query hop of a dig for
/// AAAA says AAAA, and the Route 53 answer carries the AAAA values as data.
#[test]
fn the_type_asked_is_in_every_query_and_answer_event_of_the_resolution() {
    let mut w = World::default_world();
    create(
        &mut w,
        "www.healthcareapp.com",
        "AAAA 2001:db8::1, 2001:db8::2",
    );
    let d = dig(&mut w, "www.healthcareapp.com", "AAAA", "client-eu");
    let mut queries = 0;
    for h in &d.hops {
        match &h.event {
            Event::Dns(DnsEvent::Query { qtype, .. }) => {
                queries += 1;
                assert_eq!(qtype, "AAAA");
            }
            Event::Dns(DnsEvent::Answer { records, .. }) => {
                assert_eq!(records.qtype, QType::AAAA);
                assert_eq!(records.data, ["2001:db8::1", "2001:db8::2"]);
            }
            _ => {}
        }
    }
    assert_eq!(queries, 4, "stub -> resolver, root, TLD, Route 53");
}

/// The command-line tool prints a dig step in text (as `dig` does, then
/// the hops) and in JSON Lines (`"kind": "dig"` with typed fields).
#[test]
fn the_cli_prints_a_dig_step_in_text_and_json() {
    let dir = std::env::temp_dir().join(format!("hoplab-dig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("dig.json");
    std::fs::write(
        &script,
        r#"{ "steps": [ { "dig": { "name": "nope.healthcareapp.com", "type": "AAAA", "from": "resolver-na" } } ] }"#,
    )
    .unwrap();
    let run = |json: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hoplab-cli"));
        c.arg("run").arg(&script);
        if json {
            c.arg("--json");
        }
        let out = c.output().expect("hoplab-cli runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    assert!(text.contains("status NXDOMAIN"), "{text}");
    assert!(text.contains(";; AUTHORITY SECTION:"), "{text}");
    let line: serde_json::Value = serde_json::from_str(run(true).lines().next().unwrap()).unwrap();
    assert_eq!(line["kind"], "dig");
    assert_eq!(line["dig"]["status"], "NXDOMAIN");
    assert_eq!(line["dig"]["authority"][0]["type"], "SOA");
    assert_eq!(line["dig"]["hops"][0]["event"]["component"], "dns");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The inspector shows the zone's own NS and SOA records, CloudFront's
/// IPv6 switch and each load balancer's IP address type (fact sheet §1, §23).
#[test]
fn the_inspector_shows_ns_soa_ipv6_and_the_ip_address_type() {
    use hoplab::sim::inspect::inspect;
    let mut w = World::default_world();
    let row = |w: &World, node: &str, key: &str| {
        inspect(w, node)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("{node} has no row {key}"))
    };
    assert!(row(&w, "route53", "SOA record").contains("cached 900 s"));
    assert!(row(&w, "route53", "NS record").contains("TTL 172800 s"));
    assert!(row(&w, "cloudfront", "IPv6").starts_with("off"));
    assert!(row(&w, "alb-a", "IP address type").starts_with("ipv4"));
    w.apply_edit(&Edit::SetIpAddressType {
        component: "alb-a".into(),
        ip_address_type: "dualstack".into(),
    })
    .unwrap();
    assert!(row(&w, "alb-a", "IP address type").contains("IPv6 2600:1f18:"));
}

/// Lessons reuse script steps: a `dig` in a lesson's steps is checked when
/// the file is read, and a bad one is refused with its field path.
#[test]
fn a_lesson_may_dig_and_a_bad_dig_is_refused_with_its_path() {
    let lesson = |dig: &str| {
        format!(
            r#"id = "tiny"
title = "Tiny"
summary = "A lesson for tests."
level = "beginner"
minutes = 1
[setup]
steps = [{{ dig = {dig} }}]
[[steps]]
text = "Do it."
hints = ["a hint"]
explanation = "Because (fact sheet §1)."
solution = [{{ request = {{ client = "client-na", url = "https://healthcareapp.com/api/appointments" }} }}]
[[steps.goals]]
stopped_at = "alb-a"
"#
        )
    };
    let bad = hoplab::lesson::Lesson::from_toml(&lesson(
        r#"{ name = "healthcareapp.com", type = "AXFR", from = "client-na" }"#,
    ))
    .unwrap_err();
    assert_eq!(bad.path, "setup.steps[0].dig", "{bad}");
    assert!(bad.message.contains("'AXFR'"), "{bad}");
    let good = hoplab::lesson::Lesson::from_toml(&lesson(
        r#"{ name = "healthcareapp.com", type = "AAAA", from = "client-na" }"#,
    ));
    assert!(
        good.as_ref()
            .err()
            .is_none_or(|e| e.path != "setup.steps[0].dig"),
        "{:?}",
        good.err()
    );
}
