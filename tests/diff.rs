//! The replay diff: the same request sent before and after a change to the
//! world, compared hop by hop on typed events and checks. Section numbers
//! refer to ../shared/reference/aws-facts.md.

use hoplab::sim::diff::{diff, CheckChange, CheckDecision, Divergence, HopDiff, TraceDiff};
use hoplab::sim::event::cdn::CdnEvent;
use hoplab::sim::event::dns::DnsEvent;
use hoplab::sim::event::Event;
use hoplab::sim::script::{Script, StepError, StepResult};
use hoplab::sim::trace::{CheckKind, Code, Direction, Layer, Leg, RuleRef, Side, Verdict};
use hoplab::sim::world::DEFAULT_CLIENT;
use hoplab::sim::{Edit, Fault, Request, Trace, World};
use serde_json::Value;

mod common;

const API: &str = "https://healthcareapp.com/api/appointments";
/// A SQL injection the web ACL blocks at the edge, before any origin.
const BLOCKED: &str = "https://healthcareapp.com/api/appointments?id=1%27%20OR%201=1--";
/// A static file CloudFront keeps in its cache.
const STATIC: &str = "https://healthcareapp.com/static/app.js";

/// A GET with the browser's HTTP cache off, so every send leaves the browser.
fn send(w: &mut World, url: &str) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, url).no_store())
}

fn remove_https_rule(w: &mut World) {
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: 100,
    })
    .expect("the public NACL has inbound rule 100");
}

/// The positions of the hops only the before trace has.
fn removed(d: &TraceDiff) -> Vec<usize> {
    let only_before = |e: &HopDiff| e.after().is_none().then(|| e.before()).flatten();
    d.entries.iter().filter_map(only_before).collect()
}

/// The positions of the hops only the after trace has.
fn added(d: &TraceDiff) -> Vec<usize> {
    let only_after = |e: &HopDiff| e.before().is_none().then(|| e.after()).flatten();
    d.entries.iter().filter_map(only_after).collect()
}

/// The NACL change of the one hop the edit changed, with its position.
fn nacl_change(d: &TraceDiff) -> (usize, usize, &CheckChange) {
    d.entries
        .iter()
        .find_map(|e| match e {
            HopDiff::Changed {
                before,
                after,
                checks,
                ..
            } => checks
                .iter()
                .find(|c| c.kind == CheckKind::Nacl)
                .map(|c| (*before, *after, c)),
            _ => None,
        })
        .expect("a changed hop with a NACL check")
}

/// The before trace of the NACL test, the diff and the after trace.
fn nacl_replay() -> (Trace, Trace, TraceDiff) {
    let mut w = World::default_world();
    send(&mut w, API); // DNS caches filled: both sends below use them
    let before = send(&mut w, API);
    remove_https_rule(&mut w);
    let after = send(&mut w, API);
    let d = diff(&before, &after);
    (before, after, d)
}

#[test]
fn a_request_sent_again_on_an_unchanged_world_gives_an_empty_diff() {
    // The second and third sends of a static file both find every DNS
    // cache and CloudFront's cache filled (§1, §5): the same hops, the
    // same checks, the same outcome; only ports and timings may differ.
    let mut w = World::default_world();
    send(&mut w, STATIC);
    let second = send(&mut w, STATIC);
    let third = send(&mut w, STATIC);
    let d = diff(&second, &third);
    assert!(d.is_empty(), "{}", d.render_text());
    assert!(!d.outcome_changed);
    assert_eq!(d.first_divergence, None);
    assert!(d.components.is_empty());
    assert_eq!(d.entries.len(), third.hops.len());
    assert!(d.entries.iter().enumerate().all(|(k, e)| *e
        == HopDiff::Same {
            before: k,
            after: k
        }));
    assert!(d.render_text().starts_with("replay diff: nothing changed"));
    assert_eq!(diff(&third, &third), d);
}

#[test]
fn the_second_send_drops_exactly_the_dns_lookups_the_caches_answered_and_the_handshakes_it_reuses()
{
    // §1: the first lookup walks root, .com and Route 53; the answer is
    // cached for its TTL, so the second send asks the browser's cache
    // only. §26: the browser keeps its connection to the edge, so the
    // second send has no TCP or TLS handshake. A request the web ACL
    // blocks reaches no origin, so that is all that differs.
    let mut w = World::default_world();
    let first = send(&mut w, BLOCKED);
    let second = send(&mut w, BLOCKED);
    assert_eq!(second.outcome.code, Code::WafRuleBlock);
    let d = diff(&first, &second);
    assert!(!d.is_empty());
    assert!(!d.outcome_changed, "{}", d.render_text());
    let gone = removed(&d);
    assert!(gone.len() >= 7, "{gone:?}");
    let handshake = |e: &Event| {
        matches!(
            e,
            Event::Cdn(CdnEvent::ViewerConnect { .. } | CdnEvent::ViewerTls { .. })
        )
    };
    for &k in &gone {
        let h = &first.hops[k];
        assert!(
            (matches!(h.event, Event::Dns(_)) && h.layer == Layer::Dns) || handshake(&h.event),
            "a removed hop that is neither DNS nor a handshake: {}",
            h.what
        );
    }
    assert_eq!(
        gone.iter()
            .filter(|&&k| handshake(&first.hops[k].event))
            .count(),
        2
    );
    // What the first send did besides DNS and the handshakes, the second
    // did the same way.
    let rest = |t: &Trace| {
        t.hops
            .iter()
            .filter(|h| h.layer != Layer::Dns && !handshake(&h.event))
            .filter(|h| !matches!(h.event, Event::Cdn(CdnEvent::ViewerReuse { .. })))
            .count()
    };
    assert_eq!(rest(&first), rest(&second));
    let new = added(&d);
    assert_eq!(new.len(), 2, "{}", d.render_text());
    assert!(matches!(
        second.hops[new[0]].event,
        Event::Dns(DnsEvent::CacheHit { .. })
    ));
    assert!(matches!(
        second.hops[new[1]].event,
        Event::Cdn(CdnEvent::ViewerReuse { .. })
    ));
    assert_eq!(d.first_divergence.as_ref().map(|v| v.before), Some(Some(0)));
    assert!(d
        .entries
        .iter()
        .all(|e| !matches!(e, HopDiff::Changed { .. })));
}

#[test]
fn removing_the_public_nacls_https_rule_changes_its_check_from_rule_100_to_the_star_rule() {
    // §12: rules are evaluated lowest number first and the final `*` rule
    // denies whatever no numbered rule allowed; with rule 100 gone the SYN
    // into the public subnet is dropped and CloudFront answers 504 (§5).
    let (before, after, d) = nacl_replay();
    let (b, a, change) = nacl_change(&d);
    assert_eq!(
        (
            change.subject.as_str(),
            change.direction,
            change.side,
            change.leg
        ),
        (
            "acl-public-a",
            Some(Direction::Inbound),
            Some(Side::Destination),
            Leg::Forward
        )
    );
    let was = change.before.as_ref().expect("evaluated before");
    let now = change.after.as_ref().expect("evaluated after");
    assert_eq!(
        (was.allowed, &was.rule),
        (true, &Some(RuleRef::Number { number: 100 }))
    );
    assert_eq!((now.allowed, &now.rule), (false, &Some(RuleRef::Star)));
    assert_eq!(now.decided_by, after.hops[a].checks[0].decided_by);
    // The hop itself: the handshake into the ALB, now dropped.
    let HopDiff::Changed {
        verdict_before,
        verdict_after,
        code_before,
        code_after,
        ..
    } = d.entries.iter().find(|e| e.after() == Some(a)).unwrap()
    else {
        panic!("the hop is changed");
    };
    assert_eq!(
        (*verdict_before, *verdict_after),
        (Verdict::Pass, Verdict::Dropped)
    );
    assert_eq!(
        (*code_before, *code_after),
        (Code::Delivered, Code::SubnetAclRestriction)
    );
    assert_eq!(after.hops[a].to, "alb-a");
    // Only the NACL's decision changed on that hop: the security group
    // and the return leg decided as before.
    let checks: Vec<_> = d
        .entries
        .iter()
        .filter_map(|e| match e {
            HopDiff::Changed { after, checks, .. } if *after == a => Some(checks),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
    // Everything the request did past the NACL is gone.
    let gone = removed(&d);
    assert!(!gone.is_empty());
    assert!(gone.iter().all(|&k| k > b));
    assert!(gone.iter().any(|&k| before.hops[k].to == "rds-a-1"));
    assert!(added(&d).is_empty(), "{}", d.render_text());
    assert!(d.outcome_changed);
    assert_eq!(
        (d.outcome_before.status, d.outcome_after.status),
        (Some(200), Some(504))
    );
    assert_eq!(d.outcome_after.decided_by, "cloudfront");
    assert_eq!(
        d.first_divergence,
        Some(Divergence {
            before: Some(b),
            after: Some(a),
            component: "alb-a".into()
        })
    );
    assert_eq!(d.components.first().map(String::as_str), Some("alb-a"));
}

#[test]
fn the_diff_reads_as_one_line_per_change_and_the_outcome() {
    let (before, after, d) = nacl_replay();
    let (b, a, _) = nacl_change(&d);
    assert_eq!(b, a, "the paths are the same up to the NACL");
    let text = d.render_text();
    assert!(
        text.contains(&format!(
            "hop {} changed: NACL acl-public-a inbound: allowed by rule 100 → denied by the * rule\n",
            a + 1
        )),
        "{text}"
    );
    let pod = before.outcome.pod.clone().expect("a pod served it");
    assert!(
        text.ends_with(&format!(
            "outcome: 200 OK ({pod}) → 504 Gateway Timeout (cloudfront)\n"
        )),
        "{text}"
    );
    let first_removed = removed(&d)[0];
    assert!(
        text.contains(&format!(
            "- hop {}: {}\n",
            first_removed + 1,
            before.hops[first_removed].what
        )),
        "{text}"
    );
    assert!(text.starts_with("replay diff: "), "{text}");
    assert!(
        !text.contains(&after.hops[a].why),
        "no explanation, only what changed"
    );
}

#[test]
fn a_region_down_moves_the_serving_pod_and_region_in_the_outcome() {
    // §4: once the checkers agree the primary is unhealthy, failover
    // routing answers with the secondary, here the ALB in us-west-2.
    let mut w = World::default_world();
    let before = send(&mut w, API);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(180_000);
    let after = send(&mut w, API);
    let d = diff(&before, &after);
    assert!(d.outcome_changed);
    assert_eq!(d.outcome_before.region.as_deref(), Some("us-east-1"));
    assert_eq!(d.outcome_after.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        (d.outcome_before.status, d.outcome_after.status),
        (Some(200), Some(200))
    );
    let (pb, pa) = (
        d.outcome_before.pod.clone().unwrap(),
        d.outcome_after.pod.clone().unwrap(),
    );
    assert!(
        pb.starts_with("pod-a-") && pa.starts_with("pod-b-"),
        "{pb} {pa}"
    );
    assert!(d.components.iter().any(|c| c == "alb-a"));
    assert!(d.components.iter().any(|c| c == "alb-b"));
    // The Route 53 answer is the same hop, now a failover.
    assert!(d.entries.iter().any(|e| matches!(
        e,
        HopDiff::Changed {
            code_after: Code::HealthCheckFailover,
            ..
        }
    )));
    assert!(
        d.render_text().ends_with(&format!(
            "outcome: 200 OK ({pb} in us-east-1) → 200 OK ({pa} in us-west-2)\n"
        )),
        "{}",
        d.render_text()
    );
}

#[test]
fn a_check_evaluated_on_one_side_only_appears_or_disappears() {
    let (before, after, _) = nacl_replay();
    let a = nacl_change(&diff(&before, &after)).1;
    // The same hop with its NACL check left out of the after trace.
    let mut cut = after.clone();
    let gone = cut.hops[a].checks.remove(0);
    let d = diff(&after, &cut);
    let (_, _, c) = nacl_change(&d);
    assert_eq!(c.subject, gone.subject);
    assert_eq!(
        (c.before.as_ref().map(|x| x.allowed), c.after.as_ref()),
        (Some(false), None)
    );
    assert!(
        d.render_text()
            .contains("NACL acl-public-a inbound: no longer evaluated (was denied by the * rule)"),
        "{}",
        d.render_text()
    );
    let back = diff(&cut, &after);
    let (_, _, c) = nacl_change(&back);
    assert_eq!(
        (
            c.before.as_ref(),
            c.after.as_ref().map(|x: &CheckDecision| x.allowed)
        ),
        (None, Some(false))
    );
}

#[test]
fn a_diff_survives_json_both_ways() {
    let (_, _, d) = nacl_replay();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["entries"][0]["change"], "same");
    assert!(json["first_divergence"]["component"].is_string());
    let back: TraceDiff = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

// ------------------------------------------------------------- scripts

#[test]
fn a_diff_step_compares_the_last_two_requests_of_a_script() {
    let script = Script::from_json(&format!(
        r#"{{ "steps": [
            {{ "request": {{ "client": "client-na", "url": "{API}", "cache": "no_store" }} }},
            {{ "request": {{ "client": "client-na", "url": "{API}", "cache": "no_store" }} }},
            {{ "edit": {{ "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 }} }},
            {{ "request": {{ "client": "client-na", "url": "{API}", "cache": "no_store" }} }},
            "diff"
        ] }}"#
    ))
    .expect("diff is a step");
    let mut w = World::default_world();
    let (out, failed) = script.run(&mut w);
    assert!(failed.is_none(), "{failed:?}");
    let StepResult::Trace { trace: second, .. } = &out[1] else {
        panic!("a trace")
    };
    let StepResult::Trace { trace: third, .. } = &out[3] else {
        panic!("a trace")
    };
    let StepResult::Diff { step, diff: d } = &out[4] else {
        panic!("the last result is a diff: {:?}", out[4])
    };
    assert_eq!(*step, 5);
    assert_eq!(**d, diff(second, third));
    assert_eq!(
        nacl_change(d).2.after.as_ref().unwrap().rule,
        Some(RuleRef::Star)
    );
    let text = out[4].render_text();
    assert!(
        text.starts_with("== step 5: diff of the last two requests\n"),
        "{text}"
    );
    assert!(text.contains("denied by the * rule"), "{text}");
    let json = serde_json::to_value(&out[4]).unwrap();
    assert_eq!(json["kind"], "diff");
    assert_eq!(json["diff"]["outcome_after"]["status"], 504);
}

#[test]
fn a_diff_step_before_two_requests_stops_the_script_and_says_why() {
    for (steps, sent) in [
        (r#""diff""#.to_string(), "none"),
        (
            format!(r#"{{ "request": {{ "client": "client-na", "url": "{API}" }} }}, "diff""#),
            "only one",
        ),
    ] {
        let script = Script::from_json(&format!(r#"{{ "steps": [ {steps} ] }}"#)).unwrap();
        let (out, failed) = script.run(&mut World::default_world());
        let failed = failed.expect("the diff step fails");
        assert_eq!(failed.step, out.len() + 1);
        assert!(matches!(failed.error, StepError::Diff { .. }));
        assert_eq!(
            failed.to_string(),
            format!(
                "step {}: diff compares the last two requests' traces, and the script has sent {sent} so far: send the request once before the change and once after",
                failed.step
            )
        );
    }
}

// ----------------------------------------------------------------- CLI

use common::hoplab_cli as cli;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hoplab-diff-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[test]
fn hoplab_cli_diff_reads_two_json_traces_and_prints_the_changed_check() {
    let dir = temp_dir("cli");
    // Before: one request as `hoplab-cli --json` prints it.
    let (before, _, code) = cli(&["--json", API]);
    assert_eq!(code, 0);
    // After: the same request from a script, after the edit.
    let script = dir.join("script.json");
    std::fs::write(
        &script,
        format!(
            r#"{{ "steps": [
                {{ "edit": {{ "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 }} }},
                {{ "request": {{ "client": "client-na", "url": "{API}" }} }}
            ] }}"#
        ),
    )
    .unwrap();
    let (lines, _, code) = cli(&["run", script.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let last: Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    let (b, a) = (dir.join("before.json"), dir.join("after.json"));
    std::fs::write(&b, &before).unwrap();
    std::fs::write(&a, last["trace"].to_string()).unwrap();
    let (b, a) = (b.to_str().unwrap(), a.to_str().unwrap());

    let (text, err, code) = cli(&["diff", b, a]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains(
            "changed: NACL acl-public-a inbound: allowed by rule 100 → denied by the * rule"
        ),
        "{text}"
    );
    assert!(
        text.contains("outcome: 200 OK (pod-a-1) → 504 Gateway Timeout (cloudfront)"),
        "{text}"
    );

    let (json, err, code) = cli(&["diff", b, a, "--json"]);
    assert_eq!(code, 0, "{err}");
    let d: TraceDiff = serde_json::from_str(&json).expect("a diff as JSON");
    let (_, _, c) = nacl_change(&d);
    assert_eq!(c.after.as_ref().unwrap().rule, Some(RuleRef::Star));
    assert_eq!(d.first_divergence.unwrap().component, "alb-a");

    let (same, _, code) = cli(&["diff", b, b]);
    assert_eq!(code, 0);
    assert!(same.starts_with("replay diff: nothing changed"), "{same}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hoplab_cli_diff_refuses_a_file_that_is_no_trace_with_a_message() {
    let dir = temp_dir("bad");
    let good = dir.join("good.json");
    let (trace, _, _) = cli(&["--json"]);
    std::fs::write(&good, &trace).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{ \"hops\": [ 1, 2").unwrap();
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, r#"{"client": "client-na", "hops": []}"#).unwrap();
    let (good, bad, wrong) = (
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        wrong.to_str().unwrap(),
    );
    for (args, says) in [
        (
            vec!["diff", good, bad],
            "not a JSON trace as hoplab-cli --json prints it",
        ),
        (vec!["diff", wrong, good], "missing field"),
        (
            vec!["diff", good, "/nonexistent/after.json"],
            "cannot read /nonexistent/after.json",
        ),
        (
            vec!["diff", good, "/dev/zero"],
            "file is larger than 4194304 bytes",
        ),
    ] {
        let (out, err, code) = cli(&args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.starts_with("hoplab-cli: "), "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (_, err, code) = cli(&["diff", good]);
    assert_eq!(code, 2, "one file is a usage error");
    assert!(
        err.contains("hoplab-cli diff BEFORE.json AFTER.json"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
