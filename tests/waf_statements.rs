//! WAF statements: string and regex matches with transformations, size
//! constraints and oversize handling, labels, Count, the default action,
//! CAPTCHA and Challenge tokens, managed rule groups and capacity.
//! Fact sheet §6, §27.

mod common;

use hoplab::sim::edit::EditError;
use hoplab::sim::event::waf::{WafDecider, WafInspected, WafTokenState};
use hoplab::sim::event::{Event, WafEvent};
use hoplab::sim::scenario::*;
use hoplab::sim::trace::Code;
use hoplab::sim::world::DEFAULT_URL;
use hoplab::sim::{Edit, Request, Trace, World};

const ACL: &str = "waf";

fn req(url: &str, headers: &[(&str, &str)], body: &str) -> Request {
    Request {
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
        method: if body.is_empty() { "GET" } else { "POST" }.into(),
        ..Request::get("client-na", url).no_store()
    }
}

/// The web ACL's decision event of a trace (CloudFront's).
fn decision(t: &Trace) -> &WafEvent {
    t.hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Waf(e @ WafEvent::Decision { .. }) => Some(e),
            _ => None,
        })
        .expect("the request reaches WAF")
}

fn decider(t: &Trace) -> Option<String> {
    match decision(t) {
        WafEvent::Decision {
            decider: WafDecider::Rule { name, .. },
            ..
        } => Some(name.clone()),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn match_rule(
    priority: &str,
    name: &str,
    statement: &str,
    field: &str,
    search: &str,
    positional: &str,
    transforms: &str,
    oversize: &str,
    action: &str,
) -> Edit {
    Edit::AddWafMatchRule {
        web_acl: ACL.into(),
        priority: priority.into(),
        name: name.into(),
        statement: statement.into(),
        field: field.into(),
        search: search.into(),
        positional: positional.into(),
        patterns: String::new(),
        comparison: String::new(),
        size: String::new(),
        transforms: transforms.into(),
        oversize: oversize.into(),
        labels: String::new(),
        action: action.into(),
        immunity_s: String::new(),
    }
}

fn refused(w: &mut World, e: Edit) -> EditError {
    let before = w.clone();
    let err = w.apply_edit(&e).expect_err("the edit is refused");
    assert_eq!(*w, before, "a refused edit changed the world");
    err
}

#[test]
fn a_lowercase_and_url_decode_transform_catches_an_encoded_mixed_case_attack() {
    // §27 "Text transformations": applied in order before inspection.
    let url = "https://healthcareapp.com/api/%2FEtC%2FPaSsWd";
    let mut plain = World::default_world();
    plain
        .apply_edit(&match_rule(
            "10",
            "NoPasswd",
            "byte_match",
            "uri_path",
            "/etc/passwd",
            "contains",
            "",
            "",
            "block",
        ))
        .unwrap();
    let t = plain.send(&req(url, &[], ""));
    assert_eq!(
        decider(&t),
        None,
        "without transformations the encoded path slips by"
    );

    let mut w = World::default_world();
    w.apply_edit(&match_rule(
        "10",
        "NoPasswd",
        "byte_match",
        "uri_path",
        "/etc/passwd",
        "contains",
        "url_decode, lowercase",
        "",
        "block",
    ))
    .unwrap();
    let t = w.send(&req(url, &[], ""));
    assert_eq!(decider(&t).as_deref(), Some("NoPasswd"));
    assert_eq!(t.outcome.status, Some(403));
    assert_eq!(t.outcome.code, Code::WafRuleBlock);
    let WafEvent::Decision {
        decider: WafDecider::Rule { inspected, .. },
        ..
    } = decision(&t)
    else {
        panic!("a rule decided")
    };
    let WafInspected::Component {
        value, transforms, ..
    } = inspected
    else {
        panic!("a component was inspected: {inspected:?}")
    };
    assert_eq!(transforms, &[Transform::UrlDecode, Transform::Lowercase]);
    assert_eq!(value.as_deref(), Some("/api//etc/passwd"));
}

#[test]
fn an_oversize_body_with_no_match_lets_the_request_through_and_with_match_blocks_it() {
    // §6, §27 "Oversize handling": CloudFront inspects the first 16 KB;
    // NO_MATCH and MATCH decide without inspecting; CONTINUE inspects what fits.
    let body = format!("attack{}", "a".repeat(20 * 1024));
    let run = |oversize: &str, body: &str| {
        let mut w = World::default_world();
        w.apply_edit(&match_rule(
            "10",
            "BodyAttack",
            "byte_match",
            "body",
            "attack",
            "contains",
            "",
            oversize,
            "block",
        ))
        .unwrap();
        let t = w.send(&req(DEFAULT_URL, &[], body));
        decider(&t)
    };
    assert_eq!(run("no_match", &body), None);
    assert_eq!(
        run("match", &"a".repeat(20 * 1024)).as_deref(),
        Some("BodyAttack")
    );
    assert_eq!(run("continue", &body).as_deref(), Some("BodyAttack"));
    let late = format!("{}attack", "a".repeat(17 * 1024));
    assert_eq!(run("continue", &late), None, "past 16 KB is not inspected");
    assert_eq!(
        run("match", "harmless"),
        None,
        "a small body is inspected normally"
    );
}

#[test]
fn a_32_kb_body_limit_on_cloudfront_inspects_what_16_kb_missed_and_20_kb_is_refused() {
    // §6, §27: CloudFront 16 KB by default, configurable to 32/48/64 KB only.
    let late = format!("{}attack", "a".repeat(17 * 1024));
    let mut w = World::default_world();
    w.apply_edit(&match_rule(
        "10",
        "BodyAttack",
        "byte_match",
        "body",
        "attack",
        "contains",
        "",
        "",
        "block",
    ))
    .unwrap();
    assert_eq!(decider(&w.send(&req(DEFAULT_URL, &[], &late))), None);
    w.apply_edit(&Edit::SetWafBodyLimit {
        web_acl: ACL.into(),
        kb: "32".into(),
    })
    .unwrap();
    assert_eq!(w.scenario().waf.body_inspection_kb, Some(32));
    assert_eq!(
        decider(&w.send(&req(DEFAULT_URL, &[], &late))).as_deref(),
        Some("BodyAttack")
    );
    assert!(matches!(
        refused(
            &mut w,
            Edit::SetWafBodyLimit {
                web_acl: ACL.into(),
                kb: "20".into()
            }
        ),
        EditError::Invalid(_)
    ));
}

#[test]
fn a_label_from_a_count_rule_makes_a_later_label_match_rule_block() {
    // §27 "Labels": rules on Count add labels; a later rule matches them.
    // §6: Count is non-terminating.
    let mut w = World::default_world();
    let mut tag = match_rule(
        "10",
        "TagBots",
        "byte_match",
        "header:x-client",
        "bot",
        "contains",
        "lowercase",
        "",
        "count",
    );
    if let Edit::AddWafMatchRule { labels, .. } = &mut tag {
        *labels = "bots:suspect".into();
    }
    w.apply_edit(&tag).unwrap();
    w.apply_edit(&Edit::AddWafLabelRule {
        web_acl: ACL.into(),
        priority: "20".into(),
        name: "BlockTagged".into(),
        scope: "label".into(),
        key: "bots:suspect".into(),
        action: "block".into(),
        labels: String::new(),
        immunity_s: String::new(),
    })
    .unwrap();
    let t = w.send(&req(DEFAULT_URL, &[("x-client", "EvilBot/2")], ""));
    assert_eq!(decider(&t).as_deref(), Some("BlockTagged"));
    assert_eq!(t.outcome.status, Some(403));
    let WafEvent::Decision {
        counted, labels, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert_eq!(counted, &["TagBots".to_string()]);
    assert_eq!(
        labels,
        &["awswaf:111122223333:webacl:healthcareapp-edge:bots:suspect".to_string()]
    );
    // An untagged request is allowed by the default action.
    assert_eq!(decider(&w.send(&req(DEFAULT_URL, &[], ""))), None);
    // A label added by a later rule is invisible to an earlier one (§27).
    w.apply_edit(&Edit::SetWafRulePriority {
        web_acl: ACL.into(),
        name: "BlockTagged".into(),
        priority: "5".into(),
    })
    .unwrap();
    let t = w.send(&req(DEFAULT_URL, &[("x-client", "EvilBot/2")], ""));
    assert_eq!(decider(&t), None);
}

#[test]
fn captcha_without_a_token_is_405_with_a_fresh_token_passes_and_after_immunity_is_405_again() {
    // §6, §27 "CAPTCHA and Challenge": no token → 405 and a puzzle; a
    // valid unexpired token → like Count; immunity 300 s by default.
    let mut w = World::default_world();
    w.apply_edit(&match_rule(
        "10",
        "Puzzle",
        "byte_match",
        "uri_path",
        "/api/",
        "starts_with",
        "",
        "",
        "captcha",
    ))
    .unwrap();
    let t = w.send(&req(DEFAULT_URL, &[], ""));
    assert_eq!(t.outcome.status, Some(405));
    assert_eq!(t.outcome.code, Code::WafInterstitial);
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Waf(WafEvent::Interstitial {
            status: 405,
            html: true,
            ..
        })
    )));

    w.advance(10_000);
    let solved = format!("aws-waf-token={}", w.now_ms() / 1000);
    let with_token = req(DEFAULT_URL, &[("cookie", &solved)], "");
    let t = w.send(&with_token);
    assert_eq!(t.outcome.status, Some(200));
    let WafEvent::Decision {
        tokens, counted, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert_eq!(tokens[0].state, WafTokenState::Valid);
    assert_eq!(tokens[0].immunity_s, 300);
    assert_eq!(counted, &["Puzzle".to_string()]);

    w.advance(301_000);
    let t = w.send(&with_token);
    assert_eq!(t.outcome.status, Some(405));
    let WafEvent::Decision { tokens, .. } = decision(&t) else {
        unreachable!()
    };
    assert_eq!(tokens[0].state, WafTokenState::Expired);
    assert_eq!(tokens[0].age_s, Some(301));
}

#[test]
fn challenge_answers_202_and_a_rule_immunity_overrides_the_web_acls() {
    // §6: Challenge sends a silent challenge, HTTP 202; §27: rules can
    // override the immunity time; the Challenge minimum is 300 s.
    let mut w = World::default_world();
    let mut rule = match_rule(
        "10",
        "Silent",
        "byte_match",
        "method",
        "GET",
        "exactly",
        "",
        "",
        "challenge",
    );
    if let Edit::AddWafMatchRule { immunity_s, .. } = &mut rule {
        *immunity_s = "600".into();
    }
    w.apply_edit(&rule).unwrap();
    assert_eq!(w.send(&req(DEFAULT_URL, &[], "")).outcome.status, Some(202));
    w.advance(1_000_000);
    let token = format!("aws-waf-token=challenge-{}", w.now_ms() / 1000 - 500);
    let t = w.send(&req(DEFAULT_URL, &[("cookie", &token)], ""));
    assert_eq!(
        t.outcome.status,
        Some(200),
        "500 s is within the rule's 600 s"
    );
    assert!(matches!(
        refused(
            &mut w,
            Edit::SetWafRuleAction {
                web_acl: ACL.into(),
                name: "Silent".into(),
                action: "challenge".into(),
                immunity_s: "120".into(),
            }
        ),
        EditError::Invalid(_)
    ));
}

#[test]
fn a_web_acl_over_5000_wcu_is_refused_with_the_world_unchanged_and_1500_is_only_a_price_tier() {
    // §6, §27: capacity up to 5,000 WCUs; above 1,500 costs extra.
    let mut w = World::default_world();
    let group = |i: u32| Edit::AddWafManagedGroup {
        web_acl: ACL.into(),
        priority: (10 + i).to_string(),
        name: format!("Common{i}"),
        group: "common".into(),
        action: "count".into(),
    };
    for i in 0..7 {
        w.apply_edit(&group(i)).unwrap();
    }
    assert_eq!(web_acl_wcu(&w.scenario().waf), 63 + 7 * 700);
    let err = refused(&mut w, group(7));
    let EditError::Invalid(m) = err else {
        panic!("{err:?}")
    };
    assert!(m.contains("5663") && m.contains("5000"), "{m}");
}

#[test]
fn count_is_non_terminating_and_a_block_default_action_decides() {
    // §6: Count records and continues; the default action applies only
    // when no terminating rule matched.
    let mut w = World::default_world();
    w.apply_edit(&match_rule(
        "10",
        "SeeAll",
        "byte_match",
        "method",
        "GET",
        "exactly",
        "",
        "",
        "count",
    ))
    .unwrap();
    assert_eq!(w.send(&req(DEFAULT_URL, &[], "")).outcome.status, Some(200));
    w.apply_edit(&Edit::SetWafDefaultAction {
        web_acl: ACL.into(),
        action: "block".into(),
    })
    .unwrap();
    let t = w.send(&req(DEFAULT_URL, &[], ""));
    assert_eq!(t.outcome.status, Some(403));
    let WafEvent::Decision {
        decider, counted, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert_eq!(
        decider,
        &WafDecider::Default {
            action: WafAction::Block
        }
    );
    assert_eq!(counted, &["SeeAll".to_string()]);
    assert!(matches!(
        refused(
            &mut w,
            Edit::SetWafDefaultAction {
                web_acl: ACL.into(),
                action: "captcha".into()
            }
        ),
        EditError::Parse(_)
    ));
}

#[test]
fn contains_word_matches_a_bounded_word_but_not_inside_a_longer_one() {
    // §27: CONTAINS_WORD wants non-word characters around the string.
    let mut w = World::default_world();
    w.apply_edit(&match_rule(
        "10",
        "NoBadBot",
        "byte_match",
        "header:user-agent",
        "BadBot",
        "contains_word",
        "",
        "",
        "block",
    ))
    .unwrap();
    let ua = |v: &str| req(DEFAULT_URL, &[("user-agent", v)], "");
    assert_eq!(w.send(&ua("BadBots/1.0")).outcome.status, Some(200));
    assert_eq!(w.send(&ua("x;BadBot/1.0")).outcome.status, Some(403));
}

#[test]
fn a_regex_pattern_set_matches_when_any_pattern_does_and_a_backreference_is_refused() {
    // §27 "Regex pattern set": any pattern; no backreferences.
    let mut w = World::default_world();
    let mut rule = match_rule(
        "10",
        "Scanners",
        "regex_match",
        "query_string",
        "",
        "",
        "",
        "",
        "block",
    );
    if let Edit::AddWafMatchRule { patterns, .. } = &mut rule {
        *patterns = "(?i)^debug=\nwp-(admin|login)".into();
    }
    w.apply_edit(&rule).unwrap();
    let q = |q: &str| {
        w.clone()
            .send(&req(&format!("{DEFAULT_URL}?{q}"), &[], ""))
            .outcome
            .status
    };
    assert_eq!(q("DEBUG=1"), Some(403));
    assert_eq!(q("page=wp-login"), Some(403));
    assert_eq!(q("page=1"), Some(200));
    let mut bad = match_rule(
        "11",
        "Backref",
        "regex_match",
        "query_string",
        "",
        "",
        "",
        "",
        "block",
    );
    if let Edit::AddWafMatchRule { patterns, .. } = &mut bad {
        *patterns = "(a)\\1".into();
    }
    assert!(matches!(refused(&mut w, bad), EditError::Invalid(_)));
}

#[test]
fn a_size_constraint_on_the_uri_path_counts_the_leading_slash() {
    // §27: for the URI the leading `/` counts (`/logo.jpg` = 9).
    let mut w = World::default_world();
    let mut rule = match_rule(
        "10",
        "Exactly9",
        "size_constraint",
        "uri_path",
        "",
        "",
        "",
        "",
        "block",
    );
    if let Edit::AddWafMatchRule {
        comparison, size, ..
    } = &mut rule
    {
        *comparison = "eq".into();
        *size = "9".into();
    }
    w.apply_edit(&rule).unwrap();
    let t = w.send(&req("https://healthcareapp.com/logo.jpg", &[], ""));
    assert_eq!(decider(&t).as_deref(), Some("Exactly9"));
    let t = w.send(&req("https://healthcareapp.com/logo.jpeg", &[], ""));
    assert_eq!(decider(&t), None);
}

#[test]
fn the_core_rule_set_blocks_a_request_without_user_agent_and_under_count_only_labels_it() {
    // §6 "CommonRuleSet examples": NoUserAgent_HEADER; §27 labels
    // `awswaf:managed:aws:core-rule-set:…`.
    let mut w = World::default_world();
    w.apply_edit(&Edit::AddWafManagedGroup {
        web_acl: ACL.into(),
        priority: "10".into(),
        name: "CRS".into(),
        group: "AWSManagedRulesCommonRuleSet".into(),
        action: "block".into(),
    })
    .unwrap();
    assert_eq!(w.send(&req(DEFAULT_URL, &[], "")).outcome.status, Some(200));
    let no_ua = req(DEFAULT_URL, &[("user-agent", "")], "");
    let t = w.send(&no_ua);
    assert_eq!(t.outcome.status, Some(403));
    let WafEvent::Decision {
        decider: WafDecider::Rule { inspected, .. },
        ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert_eq!(
        inspected,
        &WafInspected::Managed {
            group: ManagedGroup::CommonRuleSet,
            rule: Some("NoUserAgent_HEADER".into())
        }
    );
    w.apply_edit(&Edit::SetWafRuleAction {
        web_acl: ACL.into(),
        name: "CRS".into(),
        action: "count".into(),
        immunity_s: String::new(),
    })
    .unwrap();
    let t = w.send(&no_ua);
    assert_eq!(t.outcome.status, Some(200));
    let WafEvent::Decision { labels, .. } = decision(&t) else {
        unreachable!()
    };
    assert_eq!(
        labels,
        &["awswaf:managed:aws:core-rule-set:NoUserAgent_HEADER".to_string()]
    );
    // A managed group cannot CAPTCHA (§6: Block or a Count override).
    assert!(matches!(
        refused(
            &mut w,
            Edit::SetWafRuleAction {
                web_acl: ACL.into(),
                name: "CRS".into(),
                action: "captcha".into(),
                immunity_s: String::new(),
            }
        ),
        EditError::Invalid(_)
    ));
}

#[test]
fn the_ip_reputation_list_blocks_a_client_in_its_list() {
    // §27 "Managed rule groups": AmazonIpReputationList, 25 WCUs.
    let mut s = hoplab::sim::defaults::default_scenario();
    s.clients[1].ip = "198.51.100.200".parse().unwrap();
    s.waf.rules.push(WafRule {
        priority: 10,
        name: "Reputation".into(),
        statement: WafStatement::ManagedRuleGroup {
            group: ManagedGroup::AmazonIpReputationList,
        },
        action: WafAction::Block,
        labels: Vec::new(),
        immunity_s: None,
    });
    let mut w = World::new(s, 1).expect("valid");
    let eu = Request::get("client-eu", DEFAULT_URL).no_store();
    assert_eq!(w.send(&eu).outcome.status, Some(403));
    assert_eq!(w.send(&req(DEFAULT_URL, &[], "")).outcome.status, Some(200));
    assert_eq!(web_acl_wcu(&w.scenario().waf), 63 + 25);
}

#[test]
fn bad_waf_statement_edits_are_refused_whole() {
    // §27: components, transformations, CONTAINS_WORD characters, labels.
    let mut w = World::default_world();
    let e = |field: &str, search: &str, pos: &str, transforms: &str| {
        match_rule(
            "10",
            "R",
            "byte_match",
            field,
            search,
            pos,
            transforms,
            "",
            "block",
        )
    };
    assert!(matches!(
        refused(&mut w, e("elbow", "x", "", "")),
        EditError::Parse(_)
    ));
    assert!(matches!(
        refused(&mut w, e("body", "x", "", "rot13")),
        EditError::Parse(_)
    ));
    assert!(matches!(
        refused(&mut w, e("body", "bad bot", "contains_word", "")),
        EditError::Invalid(_)
    ));
    assert!(matches!(
        refused(&mut w, e("body", "", "", "")),
        EditError::Invalid(_)
    ));
    let mut reserved = e("body", "x", "", "");
    if let Edit::AddWafMatchRule { labels, .. } = &mut reserved {
        *labels = "aws:mine".into();
    }
    assert!(matches!(refused(&mut w, reserved), EditError::Invalid(_)));
    assert!(matches!(
        refused(
            &mut w,
            Edit::SetWafTokenImmunity {
                web_acl: ACL.into(),
                captcha_s: "30".into(),
                challenge_s: String::new(),
            }
        ),
        EditError::Invalid(_)
    ));
}

#[test]
fn old_waf_edits_and_scenarios_read_unchanged() {
    // The JSON of an existing edit kind still reads, and a web ACL without
    // the new fields serializes as before.
    let e: Edit = serde_json::from_str(
        r#"{"kind":"add_waf_rule","web_acl":"waf","priority":"9","name":"X","statement":"xss","action":"block"}"#,
    )
    .unwrap();
    assert!(matches!(e, Edit::AddWafRule { .. }));
    let json = serde_json::to_string(&World::default_world().scenario().waf).unwrap();
    for new in ["labels", "immunity", "body_inspection_kb"] {
        assert!(!json.contains(new), "{new} in {json}");
    }
}

#[test]
fn the_inspector_shows_capacity_body_limit_labels_and_immunity() {
    // §6, §27: the web ACL's rows.
    let mut w = World::default_world();
    let mut rule = match_rule(
        "10",
        "Puzzle",
        "byte_match",
        "uri_path",
        "/api/",
        "starts_with",
        "",
        "",
        "captcha",
    );
    if let Edit::AddWafMatchRule {
        labels, immunity_s, ..
    } = &mut rule
    {
        *labels = "gate:puzzle".into();
        *immunity_s = "120".into();
    }
    w.apply_edit(&rule).unwrap();
    let rows = w.inspect("waf");
    let row = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no row {k}: {rows:?}"))
    };
    assert_eq!(
        row("priority 10"),
        "Puzzle: URI path STARTS_WITH '/api/' -> CAPTCHA (immunity 120 s); adds label gate:puzzle [2 WCU]"
    );
    assert_eq!(row("capacity"), "65 of 5000 WCUs");
    assert_eq!(row("body inspection"), "first 16 KB");
    assert_eq!(row("token immunity"), "CAPTCHA 300 s, Challenge 300 s");
}

#[test]
fn random_waf_statement_edits_never_panic_and_a_refused_one_changes_nothing() {
    // Typed text a learner might enter for the §27 edit kinds, good and
    // bad, with requests between: no panic, no hang, refusals change nothing.
    use hoplab::sim::rng::Rng;
    for seed in 0..40u64 {
        let mut rng = Rng::new(seed);
        let mut w = World::default_world();
        for _ in 0..25 {
            let e = common::random_waf_statement_edit(&mut rng);
            let before = w.clone();
            if w.apply_edit(&e).is_err() {
                assert_eq!(w, before, "seed {seed}: {e:?}");
            }
            let r = common::random_request(&mut rng);
            let recorded = w.clone().send(&r);
            assert!(recorded.outcome.status.is_some() || !recorded.hops.is_empty());
        }
    }
}

#[test]
fn a_body_past_the_limit_is_named_in_the_decision_even_when_no_rule_reads_the_body() {
    // §6, §27: CloudFront's web ACL inspects 16 KB; an allowed request is
    // forwarded whole.
    let mut w = World::default_world();
    let t = w.send(&req(DEFAULT_URL, &[], &"a".repeat(20 * 1024)));
    let WafEvent::Decision {
        body_past_limit, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    let b = body_past_limit.as_ref().expect("the body is past 16 KB");
    assert_eq!((b.size, b.limit), (20 * 1024, 16 * 1024));
    let t = w.send(&req(DEFAULT_URL, &[], "small"));
    let WafEvent::Decision {
        body_past_limit, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert_eq!(body_past_limit, &None);
}

#[test]
fn a_cli_script_adds_a_captcha_rule_and_the_json_trace_shows_405_then_a_token_passes() {
    // §27 "CAPTCHA and Challenge", through the public JSON trace format.
    let script = r#"{ "seed": 1, "steps": [
        { "edit": { "kind": "add_waf_match_rule", "web_acl": "waf", "priority": "10", "name": "Puzzle",
                    "statement": "byte_match", "field": "uri_path", "search": "/api/", "positional": "starts_with",
                    "action": "captcha" } },
        { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments", "cache": "no_store" } },
        { "advance": "60s" },
        { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments", "cache": "no_store",
                       "headers": [["cookie", "aws-waf-token=30"]] } }
    ] }"#;
    let path = std::env::temp_dir().join(format!("hoplab-waf-{}.json", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let (out, err, code) = common::hoplab_cli(&["run", path.to_str().unwrap(), "--json"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let first = &lines[1]["trace"];
    assert_eq!(first["outcome"]["status"], 405);
    assert_eq!(first["outcome"]["code"], "WAF_INTERSTITIAL");
    let hops = first["hops"].as_array().unwrap();
    assert!(
        hops.iter()
            .any(|h| h["event"]["kind"] == "interstitial" && h["event"]["status"] == 405),
        "{first}"
    );
    let second = &lines[3]["trace"];
    assert_eq!(second["outcome"]["status"], 200);
    let decision = second["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"]["kind"] == "decision")
        .expect("a WAF decision");
    assert_eq!(decision["event"]["tokens"][0]["state"], "valid");
    assert_eq!(decision["event"]["tokens"][0]["age_s"], 30);
}

fn body_rule(name: &str) -> WafRule {
    WafRule {
        priority: 0,
        name: name.into(),
        statement: WafStatement::ByteMatch {
            field: FieldToMatch::Body,
            positional: Positional::Contains,
            search: "attack".into(),
            transforms: Vec::new(),
            oversize: Oversize::Continue,
        },
        action: WafAction::Block,
        labels: Vec::new(),
        immunity_s: None,
    }
}

#[test]
fn a_regional_web_acl_on_the_alb_inspects_only_the_first_8_kb_of_the_body() {
    // §27 "What a learner gets wrong": a body past 8 KB is not fully
    // inspected behind an ALB; CloudFront's 16 KB would have seen it.
    let mut s = hoplab::sim::defaults::default_scenario();
    let mut acl = s.waf.clone();
    acl.id = "waf-alb-a".into();
    acl.name = "regional-a".into();
    acl.rules = vec![body_rule("AlbBody")];
    for r in &mut s.regions {
        let mut a = acl.clone();
        a.id = format!("waf-{}", r.alb.id);
        r.alb.web_acl = Some(a);
    }
    let w = World::new(s.clone(), 1).expect("valid");
    let at_10_kb = format!("{}attack", "a".repeat(10 * 1024));
    let t = w.clone().send(&req(DEFAULT_URL, &[], &at_10_kb));
    assert_eq!(
        t.outcome.status.map(|s| s != 403),
        Some(true),
        "the ALB's ACL missed it"
    );
    let t = w.clone().send(&req(DEFAULT_URL, &[], "attack"));
    assert_eq!(t.outcome.status, Some(403));
    let alb = &w.scenario().regions[0].alb.id;
    let rows = w.inspect(alb);
    assert!(
        rows.iter()
            .any(|(k, v)| k == "WAF body inspection" && v == "first 8 KB (regional)"),
        "{rows:?}"
    );
    // A regional ACL takes no other body limit (§6, §27).
    s.regions[0]
        .alb
        .web_acl
        .as_mut()
        .unwrap()
        .body_inspection_kb = Some(16);
    assert!(World::new(s, 1).is_err());
}

#[test]
fn cookies_past_200_items_follow_the_rules_oversize_handling() {
    // §27 "Oversize handling": headers and cookies, first 8 KB and 200 items.
    let many: String = (0..201).map(|i| format!("c{i}=v; ")).collect();
    let run = |oversize: Oversize| {
        let mut s = hoplab::sim::defaults::default_scenario();
        let mut r = body_rule("CookieRule");
        r.priority = 10;
        r.statement = WafStatement::ByteMatch {
            field: FieldToMatch::Cookies,
            positional: Positional::Exactly,
            search: "never-there".into(),
            transforms: Vec::new(),
            oversize,
        };
        s.waf.rules.push(r);
        let mut w = World::new(s, 1).expect("valid");
        w.send(&req(DEFAULT_URL, &[("cookie", &many)], ""))
            .outcome
            .status
    };
    assert_eq!(run(Oversize::Match), Some(403));
    assert_eq!(run(Oversize::Continue), Some(200));
    assert_eq!(run(Oversize::NoMatch), Some(200));
}

#[test]
fn a_geo_match_labels_every_request_it_inspects_and_a_namespace_match_reads_it() {
    // §27 "Labels": geo match labels every request it inspects (country
    // and region); a label match by namespace sees them.
    let mut w = World::default_world();
    w.apply_edit(&Edit::AddWafRule {
        web_acl: ACL.into(),
        priority: "10".into(),
        name: "OnlyLabels".into(),
        statement: "geo_match".into(),
        values: "DE".into(),
        limit: String::new(),
        window_s: String::new(),
        action: "count".into(),
    })
    .unwrap();
    // Any request with a region label (Paris has none in the scenario).
    w.apply_edit(&Edit::AddWafLabelRule {
        web_acl: ACL.into(),
        priority: "20".into(),
        name: "RegionPuzzle".into(),
        scope: "namespace".into(),
        key: "awswaf:clientip:geo:region:".into(),
        action: "captcha".into(),
        labels: String::new(),
        immunity_s: String::new(),
    })
    .unwrap();
    let t = w.send(&req(DEFAULT_URL, &[], ""));
    assert_eq!(t.outcome.status, Some(405));
    let WafEvent::Decision {
        labels, counted, ..
    } = decision(&t)
    else {
        unreachable!()
    };
    assert!(
        counted.is_empty(),
        "the geo rule did not match (US is not DE)"
    );
    assert_eq!(
        labels,
        &[
            "awswaf:clientip:geo:country:US".to_string(),
            "awswaf:clientip:geo:region:US-NY".to_string()
        ]
    );
    let paris = Request::get("client-eu", DEFAULT_URL).no_store();
    assert_eq!(w.send(&paris).outcome.status, Some(200));
}
