//! The command-line tool's JSON output, read the way a lesson author's
//! script reads it: the public format described in the README (The JSON trace format).

mod common;

use serde_json::Value;
use std::process::Command;

fn cli(args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_hoplab-cli"))
        .args(args)
        .output()
        .expect("hoplab-cli runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        out.status.code().unwrap_or(-1),
    )
}

/// Every hop has its event envelope, and the checks carry their typed
/// fields next to the rendered text.
fn assert_typed_trace(trace: &Value, what: &str) {
    let hops = trace["hops"].as_array().expect("hops");
    assert!(!hops.is_empty(), "{what}: no hops");
    for h in hops {
        assert!(
            h["event"]["component"].is_string(),
            "{what}: hop {} has no event component: {}",
            h["index"],
            h["event"]
        );
        for c in h["checks"].as_array().expect("checks") {
            assert!(c["leg"].is_string(), "{what}: a check without leg: {c}");
        }
    }
    assert!(trace["outcome"]["code"].is_string(), "{what}: outcome");
}

fn checks(trace: &Value) -> Vec<Value> {
    trace["hops"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["checks"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn the_json_trace_of_one_request_has_typed_events_and_checks() {
    let (out, code) = cli(&["--json"]);
    assert_eq!(code, 0);
    let trace: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_typed_trace(&trace, "default request");
    let checks = checks(&trace);
    let flow = checks
        .iter()
        .find_map(|c| c.get("five_tuple"))
        .expect("a check on a packet has its five-tuple");
    assert!(
        flow["src"].is_string() && flow["dst_port"].is_u64(),
        "{flow}"
    );
    assert!(
        checks
            .iter()
            .any(|c| matches!(c["side"].as_str(), Some("source" | "destination"))),
        "some check says which end of the hop it belongs to"
    );
    assert!(
        checks.iter().any(|c| c["rule"]["type"].is_string()),
        "some check names its deciding rule as data"
    );
}

#[test]
fn a_script_run_prints_one_typed_result_per_step() {
    let script = r#"{ "seed": 3, "steps": [
        { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } },
        { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments" } },
        { "fault": { "kind": "pod_down", "pod": "pod-b-1" } },
        { "advance": "30s" },
        { "burst": { "count": 20, "clients": ["client-eu", "client-ap"], "url": "https://healthcareapp.com/" } },
        { "repair": { "kind": "pod_down", "pod": "pod-b-1" } },
        { "invalidate": "/static/*" }
    ] }"#;
    let path = std::env::temp_dir().join(format!("hoplab-cli-test-{}.json", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let (out, code) = cli(&["run", path.to_str().unwrap(), "--json"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "edit",
            "trace",
            "fault",
            "clock",
            "burst",
            "fault",
            "invalidated"
        ]
    );
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["step"], i + 1);
    }
    // The request hits the edited NACL: fact sheet §12, a stateless rule
    // table with numbered rules and a final `*`.
    let trace = &lines[1]["trace"];
    assert_typed_trace(trace, "script request");
    assert!(
        checks(trace)
            .iter()
            .any(|c| c["kind"] == "nacl" && c["allowed"] == false && c["rule"]["type"] == "star"),
        "the request is denied by the NACL's * rule"
    );
    let report = &lines[4]["report"];
    assert_eq!(report["requests"], 20);
    assert!(report["status"].is_object() && report["latency"]["p99_ms"].is_number());
    assert_eq!(lines[2]["on"], true);
    assert_eq!(lines[5]["on"], false);
}

use common::hoplab_cli as cli_err;

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("hoplab-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_endless_scenario_file_is_refused_at_the_size_limit_without_reading_on() {
    let script = temp_file("one-step.json", r#"{"steps": [{"advance": "1s"}]}"#);
    let started = std::time::Instant::now();
    let (out, err, code) = cli_err(&["run", script.to_str().unwrap(), "--scenario", "/dev/zero"]);
    let _ = std::fs::remove_file(&script);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err.trim(),
        format!(
            "hoplab-cli: /dev/zero: file is larger than {} bytes, the most hoplab-cli reads",
            hoplab::sim::limits::MAX_SCENARIO_BYTES
        )
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let (_, err, code) = cli_err(&["run", "/dev/zero"]);
    assert_eq!(code, 1);
    assert!(err.contains("file is larger than"), "{err}");
    let (out, _, code) = cli_err(&["lesson", "check", "/dev/zero"]);
    assert_eq!(code, 1);
    assert!(out.contains("file is larger than"), "{out}");
}

#[test]
fn a_scenario_error_quotes_a_huge_value_in_eighty_characters_and_notes_a_normalised_cidr() {
    let script = temp_file("advance.json", r#"{"steps": [{"advance": "1s"}]}"#);
    let mut v = serde_json::to_value(hoplab::sim::defaults::default_scenario()).unwrap();
    v["regions"][0]["vpc"]["subnets"][0]["tier"] = Value::String("z".repeat(1_000_000));
    let bad = temp_file("huge.json", &v.to_string());
    let (_, err, code) = cli_err(&[
        "run",
        script.to_str().unwrap(),
        "--scenario",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.len() < 1_000, "{} bytes of error", err.len());
    assert!(
        err.contains("scenario field regions[0].vpc.subnets[0].tier"),
        "{err}"
    );
    v["regions"][0]["vpc"]["subnets"][0]["tier"] = "public".into();
    v["regions"][0]["vpc"]["cidr"] = "10.0.0.7/16".into();
    std::fs::write(&bad, v.to_string()).unwrap();
    let (out, err, code) = cli_err(&[
        "run",
        script.to_str().unwrap(),
        "--scenario",
        bad.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&script);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("clock now"), "{out}");
    assert!(
        err.contains("note: regions[0].vpc.cidr: 10.0.0.7/16 read as 10.0.0.0/16"),
        "{err}"
    );
}

#[test]
fn an_inspect_step_prints_the_live_state_as_one_json_line_and_as_text() {
    let dir = std::env::temp_dir().join(format!("hoplab-cli-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let script = dir.join("inspect.json");
    std::fs::write(
        &script,
        r#"{ "steps": [ { "fault": { "kind": "pod_down", "pod": "pod-a-1" } }, { "advance": "1m" }, "inspect" ] }"#,
    )
    .expect("the script is written");
    let path = script.to_str().expect("a UTF-8 path");
    let (out, code) = cli(&["run", path, "--json"]);
    assert_eq!(code, 0);
    let last: Value = serde_json::from_str(out.lines().last().expect("three lines")).expect("JSON");
    assert_eq!(last["kind"], "inspect");
    let state = &last["state"];
    assert_eq!(state["clock_ms"], 60_000);
    let targets = state["target_groups"][0]["targets"]
        .as_array()
        .expect("targets");
    let crashed = targets
        .iter()
        .find(|t| t["id"] == "pod-a-1")
        .expect("pod-a-1");
    assert_eq!(crashed["status"], "draining");
    assert!(state["health_checks"][0]["checkers"]
        .as_array()
        .is_some_and(|c| c.len() == 8));
    assert!(state["scheduled"].as_array().is_some_and(|s| !s.is_empty()));
    let (text, code) = cli(&["run", path]);
    assert_eq!(code, 0);
    assert!(text.contains("== step 3: inspect"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
