//! Lessons: every lesson file passes the checker; bad files are refused
//! with the field path, never a panic; each goal kind holds exactly when
//! the engine says so.

use hoplab::lesson::{catalog, catalog_ids, check, Lesson, LessonError, Session};

fn ids() -> Vec<String> {
    catalog_ids()
}

/// A one-step lesson around the given step body (TOML after `[[steps]]`).
fn tiny(setup: &str, step: &str) -> String {
    format!(
        r#"id = "tiny"
title = "Tiny"
summary = "A lesson for tests."
level = "beginner"
minutes = 1
{setup}
[[steps]]
text = "Do it."
hints = ["a hint"]
explanation = "Because (fact sheet §12)."
{step}
"#
    )
}

const REQ: &str =
    r#"{ request = { client = "client-na", url = "https://healthcareapp.com/api/appointments" } }"#;

#[test]
fn every_lesson_in_the_catalog_passes_the_checker() {
    let all = ids();
    assert!(!all.is_empty());
    for (id, text) in catalog() {
        let report = check(text, &all).unwrap_or_else(|e| panic!("{id}.toml: {e}"));
        assert_eq!(report.id, id, "the id equals the file name");
        assert!(
            (3..=7).contains(&report.steps),
            "{id}: {} steps",
            report.steps
        );
        assert!(!report.predict_answers.is_empty(), "{id}");
    }
}

#[test]
fn the_catalog_holds_every_lesson_file_in_the_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    on_disk.sort();
    let mut in_catalog = ids();
    in_catalog.sort();
    assert_eq!(in_catalog, on_disk);
    for (id, text) in catalog() {
        let on_disk = std::fs::read_to_string(format!("{dir}/{id}.toml")).unwrap();
        assert_eq!(text, on_disk, "{id}: the embedded text is the file's");
    }
}

#[test]
fn a_misspelt_goal_field_is_refused_with_its_path_and_the_expected_names() {
    let text = tiny(
        "",
        &format!("solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ statuss = 200 }}\n"),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert_eq!(e.path, "steps[0].goals[0].outcome.statuss");
    assert!(
        e.message.starts_with(
            "unknown field 'statuss' (did you mean 'status'?), expected one of status, code, decided_by, region, pod, no_response"
        ),
        "{e}"
    );
}

#[test]
fn an_unknown_event_component_is_refused_with_the_known_families() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[[steps.goals]]\nevent = {{ component = \"dnss\", kind = \"query\" }}\n"
        ),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "steps[0].goals[0].event.component: unknown component 'dnss' (expected one of browser, dns, cdn, waf, net, alb, app, nlb)"
    );
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[[steps.goals]]\nno_event = {{ component = \"dns\", kind = \"teleport\" }}\n"
        ),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert_eq!(e.path, "steps[0].goals[0].no_event.kind");
    assert!(e.message.contains("referral"), "{e}");
}

#[test]
fn unknown_ids_of_the_world_are_refused_with_their_path() {
    let cases = [
        ("stopped_at = \"alb-z\"", "steps[0].goals[0].stopped_at"),
        (
            "nacl_rule = { nacl = \"acl-nope\", direction = \"inbound\", number = 100 }",
            "steps[0].goals[0].nacl_rule.nacl",
        ),
        (
            "health_check = { id = \"hc-nope\", healthy = true }",
            "steps[0].goals[0].health_check.id",
        ),
        (
            "target = { pod = \"pod-z-9\", healthy = true }",
            "steps[0].goals[0].target.pod",
        ),
        (
            "subnet_usable = { subnet = \"subnet-nope\", at_least = 1 }",
            "steps[0].goals[0].subnet_usable.subnet",
        ),
        (
            "sg_rule = { sg = \"sg-nope\", direction = \"inbound\" }",
            "steps[0].goals[0].sg_rule.sg",
        ),
        (
            "not = { outcome = { pod = \"pod-q\" } }",
            "steps[0].goals[0].not.outcome.pod",
        ),
        (
            "all = [{ stopped_at = \"alb-a\" }, { outcome = { region = \"mars-1\" } }]",
            "steps[0].goals[0].all[1].outcome.region",
        ),
    ];
    for (goal, path) in cases {
        let text = tiny(
            "",
            &format!("solution = [{REQ}]\n[[steps.goals]]\n{goal}\n"),
        );
        let e = Lesson::from_toml(&text).unwrap_err();
        assert_eq!(e.path, path, "{goal}: {e}");
        assert!(e.message.starts_with("unknown "), "{goal}: {e}");
    }
    let text = tiny(
        "[setup]\nsteps = [{ request = { client = \"client-mars\", url = \"https://healthcareapp.com/\" } }]\n",
        &format!("solution = [{REQ}]\n[[steps.goals]]\nstopped_at = \"alb-a\"\n"),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert_eq!(e.path, "setup.steps[0].request.client");
}

#[test]
fn a_lesson_whose_goal_is_already_met_at_the_start_is_refused() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"q\"\nask = \"status\"\nchoices = [200, 504]\n[[steps.goals]]\nnacl_rule = {{ nacl = \"acl-public-a\", direction = \"inbound\", number = 100 }}\n"
        ),
    );
    let e = check(&text, &ids()).unwrap_err();
    assert_eq!(e.path, "steps[0].goals[0]");
    assert!(e.message.contains("already met"), "{e}");
}

#[test]
fn a_predict_question_whose_choices_miss_the_answer_is_refused() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"What comes back?\"\nask = \"status\"\nchoices = [403, 504]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"
        ),
    );
    let e = check(&text, &ids()).unwrap_err();
    assert_eq!(e.path, "steps[0].predict.choices");
    assert!(e.message.contains("'200'"), "{e}");
    // With the answer among the choices the same lesson passes.
    let good = text.replace("[403, 504]", "[403, 200, 504]");
    let r = check(&good, &ids()).unwrap();
    assert_eq!(r.predict_answers, vec!["200".to_string()]);
}

#[test]
fn a_solution_that_does_not_reach_its_goal_is_refused() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"q\"\nask = \"status\"\nchoices = [200, 504]\n[[steps.goals]]\nstopped_at = \"alb-a\"\n"
        ),
    );
    let e = check(&text, &ids()).unwrap_err();
    assert_eq!(e.path, "steps[0].goals[0]");
    assert!(e.message.contains("not met"), "{e}");
}

#[test]
fn requires_must_name_a_lesson_of_the_set() {
    let text = tiny(
        "requires = [\"astrology\"]",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"q\"\nask = \"status\"\nchoices = [200, 504]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"
        ),
    );
    let e = check(&text, &ids()).unwrap_err();
    assert_eq!(e.path, "requires[0]");
}

fn session_of(setup: &str, goals: &str) -> Session {
    let text = tiny(setup, &format!("solution = []\n{goals}"));
    let lesson = Lesson::from_toml(&text).unwrap_or_else(|e| panic!("{e}"));
    Session::start(&lesson).unwrap()
}

fn send(s: &mut Session) {
    let t = s.world_mut().send(&hoplab::sim::Request::get(
        "client-na",
        "https://healthcareapp.com/api/appointments",
    ));
    s.record_trace(t);
}

fn goal_met(s: &Session) -> bool {
    s.goals().iter().all(|g| g.met)
}

#[test]
fn stopped_at_holds_after_the_nacl_rule_that_let_https_in_is_removed() {
    let mut s = session_of("", "[[steps.goals]]\nstopped_at = \"alb-a\"\n");
    assert!(!goal_met(&s), "no trace yet");
    send(&mut s);
    assert!(!goal_met(&s), "the request goes through");
    s.world_mut()
        .apply_edit(&hoplab::sim::Edit::RemoveNaclRule {
            nacl: "acl-public-a".into(),
            direction: hoplab::sim::trace::Direction::Inbound,
            number: 100,
        })
        .unwrap();
    send(&mut s);
    assert!(goal_met(&s));
    assert!(s.step_done());
    assert!(s.next_step());
    assert!(s.finished());
}

#[test]
fn a_burst_goal_reads_the_share_of_a_region() {
    let mut s = session_of(
        "",
        "[[steps.goals]]\nburst = { region = \"us-east-1\", at_least = 0.9 }\n",
    );
    let r = s
        .world_mut()
        .burst_get(
            50,
            &["client-na".to_string()],
            "https://healthcareapp.com/api/appointments",
        )
        .unwrap();
    s.record_burst(r);
    assert!(goal_met(&s));
    let mut s = session_of(
        "[setup]\nsteps = [{ fault = { kind = \"region_down\", region = \"us-east-1\" } }, { advance = \"5m\" }]",
        "[[steps.goals]]\nburst = { region = \"us-east-1\", at_least = 0.9 }\n",
    );
    let r = s
        .world_mut()
        .burst_get(
            50,
            &["client-na".to_string()],
            "https://healthcareapp.com/api/appointments",
        )
        .unwrap();
    s.record_burst(r);
    assert!(
        !goal_met(&s),
        "region A is down: the burst is answered by B"
    );
}

#[test]
fn outcome_event_and_check_goals_read_the_last_trace() {
    let mut s = session_of(
        "",
        r#"[[steps.goals]]
outcome = { status = 200, region = "us-east-1", code = "DELIVERED" }
[[steps.goals]]
event = { component = "dns", kind = "referral", fields = { by = "root", zone = "com" } }
[[steps.goals]]
check = { kind = "nacl", subject = "acl-public-a", allowed = true, rule = { type = "number", number = 100 } }
[[steps.goals]]
not = { event = { component = "dns", kind = "referral", fields = { zone = "org" } } }
[[steps.goals]]
no_event = { component = "waf", kind = "decision", fields = { allowed = false } }
"#,
    );
    // With no trace yet only the `not` holds (a `no_event` would not).
    let met: Vec<bool> = s.goals().iter().map(|g| g.met).collect();
    assert_eq!(met, vec![false, false, false, true, false]);
    send(&mut s);
    let g = s.goals();
    assert!(g.iter().all(|g| g.met), "{g:?}");
    // The second request finds the answer in the browser's DNS cache:
    // no referral any more.
    send(&mut s);
    assert!(!s.goals()[1].met);
}

#[test]
fn world_goals_read_the_world_as_it_is_now() {
    let mut s = session_of(
        "",
        r#"[[steps.goals]]
health_check = { id = "hc-cluster-a", healthy = false }
[[steps.goals]]
fault = { fault = { kind = "region_down", region = "us-east-1" }, on = true }
[[steps.goals]]
clock_at_least = "2m"
[[steps.goals]]
target = { pod = "pod-a-1", healthy = true }
[[steps.goals]]
subnet_usable = { subnet = "subnet-app-a1", at_least = 200 }
[[steps.goals]]
sg_rule = { sg = "sg-alb-a", direction = "inbound", protocol = "tcp", ports = "443", peer = "0.0.0.0/0" }
"#,
    );
    let met = |s: &Session| s.goals().iter().map(|g| g.met).collect::<Vec<_>>();
    assert_eq!(met(&s), vec![false, false, false, true, true, true]);
    s.world_mut().set_fault(
        hoplab::sim::Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    s.world_mut().advance(120_000);
    // Region A down: its pods fail the ALB's health checks too.
    assert_eq!(met(&s), vec![true, true, true, false, true, true]);
}

#[test]
fn the_predict_answer_is_computed_on_the_world_as_the_step_started() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"q\"\nask = \"decided_by\"\nchoices = [\"pod-a-1\", \"cloudfront\"]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"
        ),
    );
    let lesson = Lesson::from_toml(&text).unwrap();
    let mut s = Session::start(&lesson).unwrap();
    assert_eq!(s.predict_answer().as_deref(), Some("pod-a-1"));
    // The learner breaks something: the question still has its answer.
    s.world_mut()
        .set_fault(hoplab::sim::Fault::DnsAuthorityDown, true);
    assert_eq!(s.predict_answer().as_deref(), Some("pod-a-1"));
    // The solution runs on the live (broken) world: SERVFAIL, no status.
    s.run_solution_step().unwrap();
    assert_eq!(s.last_trace().unwrap().outcome.status, None);
    assert!(!s.step_done());
}

// ------------------------------------------------------------ mutations

/// Variants of a real lesson file: fields renamed, values of the wrong
/// type, ids that do not exist, the text cut short.
fn mutations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let renames = [
        ("status", "statuss"),
        ("hints", "hint"),
        ("solution", "solutions"),
        ("explanation", "explain"),
        ("choices", "choice"),
        ("ask", "asks"),
        ("nacl_rule", "nacl_rules"),
        ("outcome", "outcom"),
        ("stopped_at", "stoped_at"),
        ("component", "componant"),
        ("request", "reqest"),
        ("level", "lvl"),
        ("direction", "dir"),
    ];
    for (a, b) in renames {
        for (i, _) in text.match_indices(a) {
            let mut t = text.to_string();
            t.replace_range(i..i + a.len(), b);
            out.push(t);
        }
    }
    let values = [
        ("= 200", "= \"two hundred\""),
        ("= 100", "= -1"),
        ("\"beginner\"", "\"expert\""),
        ("\"decided_by\"", "\"who\""),
        ("\"stopped_at\"", "\"where\""),
        ("\"alb-a\"", "\"alb-z\""),
        ("\"acl-public-a\"", "\"acl-public-z\""),
        ("\"client-na\"", "\"client-mars\""),
        ("\"inbound\"", "\"sideways\""),
        ("\"dns\"", "\"dnss\""),
        ("\"app\"", "\"apps\""),
        ("\"query\"", "\"querry\""),
        ("= true", "= 1"),
        ("= false", "= \"no\""),
        ("\"10s\"", "\"10 parsecs\""),
        ("[[steps]]", "[[step]]"),
        ("[steps.predict]", "[steps.predicts]"),
        ("\"us-east-1\"", "\"us-mars-1\""),
    ];
    for (a, b) in values {
        for (i, _) in text.match_indices(a) {
            let mut t = text.to_string();
            t.replace_range(i..i + a.len(), b);
            out.push(t);
        }
    }
    // Each line left out in turn.
    let lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len() {
        if !lines[i].trim().is_empty() {
            let mut l = lines.clone();
            l.remove(i);
            out.push(l.join("\n"));
        }
    }
    // Truncations at many points (on character boundaries).
    let n = text.len();
    let mut cut = 1;
    while cut < n {
        if text.is_char_boundary(cut) {
            out.push(text[..cut].to_string());
        }
        cut += 1 + n / 60;
    }
    out
}

#[test]
fn mutated_lesson_files_are_refused_with_a_message_and_never_panic() {
    let all = ids();
    let mut refused = 0;
    let mut total = 0;
    // At most this many variants per lesson (evenly spread), so the test
    // stays quick as lessons are added; HOPLAB_LESSON_MUTATIONS raises it.
    let cap: usize = std::env::var("HOPLAB_LESSON_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(80);
    for (id, text) in catalog() {
        let all_variants = mutations(text);
        let stride = all_variants.len().div_ceil(cap.max(1)).max(1);
        for m in all_variants.into_iter().step_by(stride) {
            total += 1;
            let res = std::panic::catch_unwind(|| check(&m, &all));
            let res = res.unwrap_or_else(|_| panic!("{id}: the checker panicked on:\n{m}"));
            if let Err(LessonError { message, .. }) = &res {
                assert!(!message.trim().is_empty(), "{id}: an empty message");
                refused += 1;
            }
        }
    }
    eprintln!("{refused} of {total} mutations refused");
    assert!(total >= 100, "only {total} mutations");
    // Most mutations break the lesson (some land in Markdown text, or
    // leave out a hint or an optional line).
    assert!(
        refused * 10 >= total * 5,
        "only {refused} of {total} mutations were refused"
    );
}

#[test]
fn the_worked_example_of_the_authoring_guide_passes_the_checker() {
    let guide = include_str!("../lessons/README.md");
    let start = guide
        .find("## Worked example")
        .expect("the guide has a worked example");
    let rest = &guide[start..];
    let open = rest.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let body = &rest[open..];
    let text = &body[..body.find("```").expect("the block ends")];
    let mut all = ids();
    all.push("nacl-return".into());
    let r = check(text, &all).unwrap_or_else(|e| panic!("the guide's example: {e}"));
    assert_eq!(r.id, "nacl-return");
    assert_eq!(
        r.predict_answers,
        vec!["200".to_string(), "alb-a".to_string()]
    );
}

#[test]
fn rule_and_subnet_goals_follow_the_learners_edits() {
    use hoplab::sim::trace::Direction;
    use hoplab::sim::Edit;
    let mut s = session_of(
        "",
        r#"[[steps.goals]]
nacl_rule = { nacl = "acl-app-a", direction = "outbound", number = 100, present = false }
[[steps.goals]]
sg_rule = { sg = "sg-db-a", direction = "inbound", peer = "sg-app-a", present = false }
[[steps.goals]]
subnet_usable = { subnet = "subnet-app-a1", at_most = 27 }
[[steps.goals]]
nacl_rule = { nacl = "acl-public-a", direction = "inbound", number = 90, action = "deny" }
"#,
    );
    let met = |s: &Session| s.goals().iter().map(|g| g.met).collect::<Vec<_>>();
    assert_eq!(met(&s), vec![false, false, false, false]);
    let w = s.world_mut();
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-app-a".into(),
        direction: Direction::Outbound,
        number: 100,
    })
    .unwrap();
    w.apply_edit(&Edit::RemoveSgRule {
        sg: "sg-db-a".into(),
        direction: Direction::Inbound,
        index: 0,
    })
    .unwrap();
    w.apply_edit(&Edit::SetSubnetCidr {
        subnet: "subnet-app-a1".into(),
        cidr: "10.0.10.0/27".into(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    w.apply_edit(&Edit::AddNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: "90".into(),
        protocol: "tcp".into(),
        ports: "443".into(),
        cidr: "203.0.113.0/24".into(),
        action: "allow".into(),
    })
    .unwrap();
    // Rule 90 exists but allows: the goal asks for a deny.
    assert_eq!(met(&s), vec![true, true, true, false]);
}

#[test]
fn all_any_and_not_combine_goals() {
    let mut s = session_of(
        "",
        r#"[[steps.goals]]
all = [{ outcome = { status = 200 } }, { outcome = { region = "us-east-1" } }]
[[steps.goals]]
any = [{ outcome = { region = "us-west-2" } }, { stopped_at = "alb-a" }, { outcome = { decided_by = "pod-a-1" } }]
[[steps.goals]]
not = { outcome = { decided_by = "waf" } }
[[steps.goals]]
not = { all = [{ outcome = { status = 200 } }, { outcome = { region = "us-west-2" } }] }
[[steps.goals]]
clock_at_least = 0
"#,
    );
    send(&mut s);
    let g = s.goals();
    assert!(g.iter().all(|g| g.met), "{g:?}");
    assert_eq!(g[2].label, "not: the answer comes from waf");
    let s2 = session_of(
        "",
        "[[steps.goals]]\nany = [{ outcome = { region = \"us-west-2\" } }, { stopped_at = \"alb-a\" }]\n",
    );
    assert!(!s2.goals()[0].met);
}

#[test]
fn a_goal_table_with_two_kinds_or_none_is_refused() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ status = 200 }}\nstopped_at = \"alb-a\"\n"
        ),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert!(e.path.starts_with("steps[0].goals[0]"), "{e}");
    let text = tiny(
        "",
        &format!("solution = [{REQ}]\n[[steps.goals]]\nstatus = 200\n"),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert!(e.message.contains("outcome"), "{e}");
}

#[test]
fn counts_are_refused_with_their_path() {
    let goal = format!("solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n");
    let no_hints = tiny("", &goal).replace("hints = [\"a hint\"]", "hints = []");
    assert_eq!(
        Lesson::from_toml(&no_hints).unwrap_err().path,
        "steps[0].hints"
    );
    let mut eight = tiny("", &goal);
    for _ in 0..7 {
        eight.push_str(&format!(
            "[[steps]]\ntext = \"t\"\nhints = [\"h\"]\nexplanation = \"e\"\n{goal}"
        ));
    }
    let e = Lesson::from_toml(&eight).unwrap_err();
    assert_eq!(e.path, "steps");
    assert!(e.message.contains("1 to 7"), "{e}");
    let bad_level = tiny("", &goal).replace("\"beginner\"", "\"expert\"");
    let e = Lesson::from_toml(&bad_level).unwrap_err();
    assert_eq!(e.path, "level");
    let bad_ask = tiny(
        "",
        &format!(
            "{goal}[steps.predict]\nquestion = \"q\"\nask = \"colour\"\nchoices = [\"a\", \"b\"]\n"
        ),
    );
    let e = Lesson::from_toml(&bad_ask).unwrap_err();
    assert_eq!(e.path, "steps[0].predict.ask");
    let bad_id = tiny("", &goal).replace("id = \"tiny\"", "id = \"Tiny Lesson\"");
    assert_eq!(Lesson::from_toml(&bad_id).unwrap_err().path, "id");
}

#[test]
fn an_advance_longer_than_a_day_is_refused_before_it_runs() {
    let text = tiny(
        "[setup]\nsteps = [{ advance = \"1000h\" }]",
        &format!("solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"),
    );
    let e = Lesson::from_toml(&text).unwrap_err();
    assert_eq!(e.path, "setup.steps[0].advance");
}

#[test]
fn a_lesson_advance_reads_durations_as_people_write_them_and_refuses_the_rest() {
    for ok in ["\"1.5s\"", "\"2m30s\"", "\"1h30m\"", "\"500ms\"", "1500"] {
        let text = tiny(
            &format!("[setup]\nsteps = [{{ advance = {ok} }}]"),
            &format!("solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"),
        );
        Lesson::from_toml(&text).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["-5", "\"-5s\"", "\"1.5x\"", "1.5", "\"30s2m\""] {
        let text = tiny(
            &format!("[setup]\nsteps = [{{ advance = {bad} }}]"),
            &format!("solution = [{REQ}]\n[[steps.goals]]\noutcome = {{ status = 200 }}\n"),
        );
        let e = Lesson::from_toml(&text).unwrap_err();
        assert_eq!(e.path, "setup.steps[0].advance", "{bad}: {e}");
        assert!(
            e.message.contains("1.5s, 2m30s, 90s, 500ms, 1h, 1h30m"),
            "{bad}: {e}"
        );
        assert!(!e.message.contains("untagged"), "{bad}: {e}");
    }
}

#[test]
fn goal_labels_read_as_short_english() {
    let s = session_of(
        "",
        r#"[[steps.goals]]
no_event = { component = "dns", kind = "query", fields = { to = { server = "root" } } }
[[steps.goals]]
outcome = { status = 200, decided_by = "pod-b-1" }
[[steps.goals]]
stopped_at = "alb-a"
[[steps.goals]]
nacl_rule = { nacl = "acl-public-a", direction = "inbound", number = 100, present = false }
[[steps.goals]]
burst = { region = "us-west-2", at_least = 0.9 }
"#,
    );
    let labels: Vec<String> = s.goals().into_iter().map(|g| g.label).collect();
    assert_eq!(
        labels,
        vec![
            "the trace has no DNS query (to server root)",
            "status 200 comes back, the answer comes from pod-b-1",
            "the request stops at alb-a",
            "acl-public-a has no inbound rule 100",
            "at least 90% of a burst is served by us-west-2",
        ]
    );
}

#[test]
fn the_curriculum_puts_every_lesson_after_the_ones_it_requires() {
    let c = hoplab::lesson::curriculum();
    assert_eq!(c.len(), catalog().len(), "every catalog lesson reads");
    assert_eq!(c[0].id, "journey");
    for (i, l) in c.iter().enumerate() {
        for r in &l.requires {
            let at = c
                .iter()
                .position(|x| &x.id == r)
                .expect("required lesson exists");
            assert!(at < i, "{} comes before {r}", l.id);
        }
    }
}

#[test]
fn a_no_event_goal_with_a_misspelt_field_is_refused_rather_than_always_holding() {
    let text = tiny(
        "",
        &format!(
            "solution = [{REQ}]\n[steps.predict]\nquestion = \"q\"\nask = \"status\"\nchoices = [200, 504]\n[[steps.goals]]\nno_event = {{ component = \"dns\", kind = \"referral\", fields = {{ zon = \"org\" }} }}\n"
        ),
    );
    let e = check(&text, &ids()).unwrap_err();
    assert_eq!(e.path, "steps[0].goals[0].no_event.fields.zon");
    assert!(e.message.contains("zone"), "{e}");
    let good = text.replace("zon =", "zone =");
    check(&good, &ids()).unwrap();
}

#[test]
fn the_cli_prints_one_line_per_lesson_and_fails_on_a_bad_one() {
    let cli = env!("CARGO_BIN_EXE_hoplab-cli");
    let out = std::process::Command::new(cli)
        .args(["lesson", "check"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.lines().count(), catalog().len());
    assert!(text.lines().all(|l| l.starts_with("ok  ")), "{text}");
    assert!(text.contains("ok  journey  4 steps"), "{text}");

    let dir = std::env::temp_dir().join(format!("hoplab-lessons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("dns.toml");
    let dns = catalog()
        .into_iter()
        .find(|(id, _)| *id == "dns")
        .unwrap()
        .1;
    std::fs::write(
        &bad,
        dns.replacen(
            "outcome = { status = 200 }",
            "outcome = { statuss = 200 }",
            1,
        ),
    )
    .unwrap();
    let out = std::process::Command::new(cli)
        .args(["lesson", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.starts_with("dns.toml: steps[3].goals[1].outcome.statuss: unknown field 'statuss'"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_returning_learner_resumes_at_the_first_step_not_done_with_the_world_as_they_left_it() {
    let (_, text) = catalog()
        .into_iter()
        .find(|(id, _)| *id == "security-groups")
        .expect("the security-groups lesson exists");
    let lesson = Lesson::from_toml(text).expect("parses");
    assert!(lesson.steps.len() >= 3);
    let resumed = Session::resume(&lesson, 2).expect("resumes");
    assert_eq!(resumed.step(), 2, "two steps done: the third opens");
    assert!(
        resumed.last_trace().is_none(),
        "the step starts with no evidence"
    );
    // The world is the one the first two solutions leave behind.
    let mut by_hand = Session::start(&lesson).expect("starts");
    for _ in 0..2 {
        by_hand.run_solution_step().expect("solution runs");
        assert!(by_hand.next_step());
    }
    assert!(resumed.world() == by_hand.world());
    assert!(resumed.world() != Session::start(&lesson).unwrap().world());
    // A finished lesson opens at its first step again.
    let again = Session::resume(&lesson, lesson.steps.len()).expect("starts");
    assert_eq!(again.step(), 0);
}

// ---- The bundle the app downloads ----------------------------------------

#[test]
fn every_lesson_reads_back_from_its_bundle_file_as_the_same_lesson() {
    use hoplab::lesson::LessonFile;
    for l in hoplab::lesson::curriculum() {
        let file = LessonFile::of(l.clone());
        let back =
            LessonFile::from_json(&file.to_json()).unwrap_or_else(|e| panic!("{}: {e}", l.id));
        assert!(back.lesson == l, "{} survives the round trip", l.id);
        // Every Markdown text arrives as the blocks the parser makes of it.
        for s in &l.steps {
            assert_eq!(
                back.blocks(&s.text),
                hoplab::view::lesson::markdown(&s.text)
            );
            assert_eq!(
                back.blocks(&s.explanation),
                hoplab::view::lesson::markdown(&s.explanation)
            );
        }
    }
}

#[test]
fn the_lesson_list_holds_every_lesson_in_teaching_order_with_its_step_count() {
    let index = hoplab::lesson::BundleIndex::of_catalog();
    let order: Vec<String> = hoplab::lesson::curriculum()
        .into_iter()
        .map(|l| l.id)
        .collect();
    let listed: Vec<String> = index.lessons.iter().map(|c| c.id.clone()).collect();
    assert_eq!(listed, order);
    assert_eq!(listed.len(), ids().len());
    assert!(index.broken.is_empty());
    let journey = index.lessons.iter().find(|c| c.id == "journey").unwrap();
    assert_eq!(journey.steps, 4);
    let text = serde_json::to_string(&index).unwrap();
    assert_eq!(
        hoplab::lesson::BundleIndex::from_json(&text).unwrap(),
        index
    );
}

#[test]
fn a_damaged_or_foreign_bundle_file_is_refused_with_a_message() {
    use hoplab::lesson::BundleIndex;
    let index = BundleIndex::of_catalog();
    let mut old = serde_json::to_value(&index).unwrap();
    old["format"] = serde_json::json!(0);
    let e = BundleIndex::from_json(&old.to_string()).unwrap_err();
    assert!(e.contains("format 0"), "{e}");
    assert!(BundleIndex::from_json("<html>404</html>").is_err());
    let huge = format!(
        "\"{}\"",
        "x".repeat(hoplab::lesson::bundle::MAX_BUNDLE_FILE_BYTES)
    );
    assert!(BundleIndex::from_json(&huge)
        .unwrap_err()
        .contains("larger"));

    use hoplab::lesson::LessonFile;
    let journey = LessonFile::of(hoplab::lesson::curriculum().remove(0));
    let mut v: serde_json::Value = serde_json::from_str(&journey.to_json()).unwrap();
    v["lesson"]["steps"][0]["goals"][0] = serde_json::json!({ "outcome": { "statuss": 200 } });
    let e = LessonFile::from_json(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("statuss"), "{e}");
    v = serde_json::from_str(&journey.to_json()).unwrap();
    v["lesson"]["setup"]["steps"] =
        serde_json::json!([{ "fault": { "kind": "pod_down", "pod": "pod-z-9" } }]);
    assert!(
        LessonFile::from_json(&v.to_string()).is_err(),
        "an unknown pod is refused"
    );
    assert!(
        LessonFile::from_json(&journey.to_json()[..40]).is_err(),
        "a truncated file"
    );
    // Text with no blocks made for it reads as plain paragraphs, never as markup.
    let blocks = journey.blocks("**not** in the file\n\n<b>x</b>");
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        blocks[0],
        hoplab::view::lesson::Block::Paragraph(vec![hoplab::view::lesson::Inline::Text(
            "**not** in the file".into()
        )])
    );
}

#[test]
fn the_bundle_command_writes_the_list_and_one_file_per_lesson() {
    let dir = std::env::temp_dir().join(format!("hoplab-bundle-{}", std::process::id()));
    let n = hoplab::lesson::bundle::write_bundle(&dir).unwrap();
    assert_eq!(n, ids().len());
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, n + 1, "index.json and one file per lesson");
    let index = std::fs::read_to_string(dir.join("index.json")).unwrap();
    assert_eq!(
        hoplab::lesson::BundleIndex::from_json(&index)
            .unwrap()
            .lessons
            .len(),
        n
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
