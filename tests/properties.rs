//! Property tests: random typed edits, faults, clock moves and requests
//! never panic; a refused edit leaves the world exactly as it was; every
//! trace ends in an outcome; imported scenario files are refused with a
//! message or run. Randomness comes from the engine's own seeded
//! generator, so a failure replays with the printed seed.

mod common;

use common::*;
use hoplab::sim::rng::Rng;
use hoplab::sim::{Fault, HttpCacheMode, Request, World};

#[test]
fn random_edits_faults_and_requests_never_panic_and_refused_edits_change_nothing() {
    let mut accepted = 0;
    let mut refused = 0;
    for seed in 0..40u64 {
        let mut rng = Rng::new(seed);
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        for step in 0..60 {
            match rng.index(4) {
                0 | 1 => {
                    let e = random_edit(&mut rng);
                    let before = w.clone();
                    match w.apply_edit(&e) {
                        Ok(()) => accepted += 1,
                        Err(msg) => {
                            refused += 1;
                            assert!(
                                !msg.to_string().is_empty(),
                                "seed {seed} step {step}: empty message for {e:?}"
                            );
                            assert_eq!(
                                w, before,
                                "seed {seed} step {step}: refused {e:?} changed the world"
                            );
                        }
                    }
                }
                2 => {
                    let f = random_fault(&mut rng);
                    let on = rng.index(3) != 0;
                    w.set_fault(f, on);
                    w.advance(rng.range(0, 90_000));
                }
                _ => {
                    let client = ["client-na", "client-eu", "client-ap"][rng.index(3)];
                    let t = w.send(&Request::get(client, pick(&mut rng, URLS)));
                    assert!(
                        !t.outcome.summary.is_empty(),
                        "seed {seed} step {step}: empty outcome"
                    );
                    assert!(
                        t.hops.windows(2).all(|p| p[0].t_us <= p[1].t_us),
                        "seed {seed}: time went backwards"
                    );
                }
            }
        }
    }
    assert!(
        accepted > 50 && refused > 50,
        "the generator should exercise both paths ({accepted} accepted, {refused} refused)"
    );
}

/// Every edit kind the engine has (its script `kind`): a new kind is
/// added here and to `random_edit`.
const EDIT_KINDS: &[&str] = &[
    "add_waf_rule",
    "remove_waf_rule",
    "set_waf_rule_priority",
    "set_waf_rate_limit",
    "add_waf_ip_set_entry",
    "remove_waf_ip_set_entry",
    "add_listener_rule",
    "change_listener_rule",
    "remove_listener_rule",
    "set_target_group",
    "add_ingress_path",
    "remove_ingress_path",
    "add_ingress",
    "remove_ingress",
    "add_cache_behavior",
    "change_cache_behavior",
    "remove_cache_behavior",
    "add_nacl_rule",
    "remove_nacl_rule",
    "add_sg_rule",
    "remove_sg_rule",
    "set_subnet_cidr",
    "add_route",
    "remove_route",
    "associate_route_table",
    "create_record",
    "change_record",
    "delete_record",
    "create_health_check",
    "change_health_check",
    "delete_health_check",
    "scale_pods",
    "scale_nodes",
    "create_route_table",
    "delete_route_table",
    "create_target_group",
    "delete_target_group",
    "set_shield",
    "set_health_check",
    "set_target_group_health",
    "set_ip_address_type",
    "set_app_delay",
    "set_client_ipv6",
    "set_deregistration_delay",
    "set_slow_start",
    "set_client_keepalive",
    "set_db_pool",
    "add_vpc_cidr",
    "remove_vpc_cidr",
    "set_main_route_table",
    "disassociate_route_table",
    "create_nacl",
    "delete_nacl",
    "associate_nacl",
    "disassociate_nacl",
    "create_peering",
    "accept_peering",
    "delete_peering",
    "set_peering_dns",
    "create_gateway_endpoint",
    "create_interface_endpoint",
    "delete_endpoint",
    "add_instance",
    "remove_instance",
    "set_instance",
    "create_security_group",
    "set_ingress_annotation",
    "set_traffic_policy",
    "set_probe",
    "set_hpa",
    "set_db_deployment",
    "add_db_reader",
    "remove_db_reader",
    "set_db_routing",
    "set_db_public",
    "add_nlb",
    "remove_nlb",
    "add_nlb_listener",
    "remove_nlb_listener",
    "set_nlb",
    "set_nlb_idle_timeout",
    "set_nlb_target_group",
    "assign_vpc_ipv6",
    "assign_subnet_ipv6",
    "create_egress_only_igw",
    "delete_egress_only_igw",
];

#[test]
fn every_edit_kind_is_generated_and_none_panics_or_changes_the_world_when_refused() {
    use std::collections::BTreeMap;
    // kind -> (accepted, refused)
    let mut seen: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for seed in 0..30u64 {
        let mut rng = Rng::new(1_000 + seed);
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        for step in 0..150 {
            let e = random_edit(&mut rng);
            let kind = serde_json::to_value(&e).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(EDIT_KINDS.contains(&kind.as_str()), "unlisted kind {kind}");
            let before = w.clone();
            let slot = seen.entry(kind).or_default();
            match w.apply_edit(&e) {
                Ok(()) => slot.0 += 1,
                Err(err) => {
                    slot.1 += 1;
                    assert!(
                        !err.to_string().is_empty(),
                        "seed {seed} step {step}: {e:?}"
                    );
                    assert_eq!(
                        w, before,
                        "seed {seed} step {step}: refused {e:?} changed the world"
                    );
                }
            }
            if step % 10 == 0 {
                let t = w.send(&Request::get(
                    "client-na",
                    "https://healthcareapp.com/api/x",
                ));
                assert!(!t.outcome.summary.is_empty());
            }
        }
    }
    println!("edit kinds (accepted, refused): {seen:?}");
    for kind in EDIT_KINDS {
        let (ok, no) = seen.get(*kind).copied().unwrap_or_default();
        assert!(no > 0, "{kind}: never refused ({ok} accepted)");
    }
    let accepted_kinds = seen.values().filter(|(ok, _)| *ok > 0).count();
    assert!(
        accepted_kinds * 4 >= EDIT_KINDS.len() * 3,
        "most kinds are accepted sometimes: {seen:?}"
    );
}

#[test]
fn a_world_serializes_and_comes_back_identical() {
    let mut w = World::default_world();
    w.send(&Request::get(
        "client-na",
        "https://healthcareapp.com/api/appointments",
    ));
    w.advance(45_000);
    let json = serde_json::to_string(&w).unwrap();
    let back: World = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w);
}

#[test]
fn random_scripts_never_panic_and_a_failing_step_is_named() {
    use hoplab::sim::script::{BurstSpec, Duration, Script, ScriptRequest, Step};
    let methods = [
        "GET", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "get", "", "G E T",
    ];
    let faults = |rng: &mut Rng| match rng.index(9) {
        0 => Fault::PodDown {
            pod: ["pod-a-1", "pod-b-2", "pod-x"][rng.index(3)].into(),
        },
        1 => Fault::PodHung {
            pod: ["pod-a-2", "pod-a-4"][rng.index(2)].into(),
        },
        2 => Fault::TargetUnhealthy {
            pod: ["pod-a-3", "pod-b-1"][rng.index(2)].into(),
        },
        3 => Fault::NodeDown {
            node: ["node-a-1", "node-b-2", "node-z"][rng.index(3)].into(),
        },
        4 => Fault::AzDown {
            az: ["us-east-1a", "us-west-2b", "mars-1a"][rng.index(3)].into(),
        },
        5 => Fault::RegionDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
        6 => Fault::RdsPrimaryDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
        7 => Fault::DnsAuthorityDown,
        _ => Fault::Origin5xx {
            origin: ["s3-static", "alb-origin", "nope"][rng.index(3)].into(),
        },
    };
    let mut failures = 0;
    for seed in 0..25u64 {
        let mut rng = Rng::new(1000 + seed);
        let mut steps = Vec::new();
        for _ in 0..40 {
            steps.push(match rng.index(7) {
                0 | 1 => Step::Request(ScriptRequest {
                    client: ["client-na", "client-eu", "client-ap", "client-x"][rng.index(4)]
                        .into(),
                    url: pick(&mut rng, URLS).into(),
                    method: methods[rng.index(methods.len())].into(),
                    headers: if rng.index(3) == 0 {
                        vec![("X-Forwarded-For".into(), "1.2.3.4, junk, 5.6.7.8".into())]
                    } else {
                        vec![]
                    },
                    body: if rng.index(4) == 0 {
                        "<script>alert(1)</script>".into()
                    } else {
                        String::new()
                    },
                    cache: if rng.index(2) == 0 {
                        HttpCacheMode::Default
                    } else {
                        HttpCacheMode::NoStore
                    },
                    flood: None,
                }),
                2 => Step::Burst(BurstSpec {
                    count: rng.index(20),
                    clients: vec!["client-na".into(), "client-ap".into()],
                    url: pick(&mut rng, URLS).into(),
                    flood: [
                        None,
                        Some(hoplab::sim::shield::Flood::SynFlood),
                        Some(hoplab::sim::shield::Flood::UdpReflection),
                        Some(hoplab::sim::shield::Flood::HttpFlood),
                    ][rng.index(4)],
                }),
                3 => Step::Advance(if rng.index(2) == 0 {
                    Duration::Ms(rng.range(0, 200_000))
                } else {
                    Duration::Text(["15s", "2m", "1h", "soon", "5 parsecs"][rng.index(5)].into())
                }),
                4 => Step::Fault(faults(&mut rng)),
                5 => Step::Repair(faults(&mut rng)),
                _ => Step::Edit(random_edit(&mut rng)),
            });
        }
        // The last two traces, whatever they were, compared.
        steps.push(Step::Diff);
        let script = Script {
            seed: Some(seed),
            steps,
        };
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        let (out, err) = script.run(&mut w);
        if let Some(e) = err {
            failures += 1;
            assert_eq!(e.step, out.len() + 1, "seed {seed}: {e}");
            assert!(
                e.to_string().starts_with(&format!("step {}: ", e.step))
                    && !e.error.to_string().is_empty(),
                "seed {seed}: {e}"
            );
        }
        // Round-trip: a script serializes and parses back identically.
        let json = serde_json::to_string(&script).unwrap();
        assert_eq!(Script::from_json(&json).unwrap(), script);
    }
    assert!(
        failures > 0,
        "the generator should also produce failing steps"
    );
}

/// Every leaf and every array of a JSON value, as JSON Pointers (RFC 6901,
/// what `serde_json::Value::pointer_mut` reads).
fn leaves(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                leaves(x, &format!("{path}/{key}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            // An array is also a place to drop or repeat an element.
            out.push(path.to_string());
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{path}/{i}"), out);
            }
        }
        _ => out.push(path.to_string()),
    }
}

/// A value a careless or hostile file might hold instead.
fn odd_value(rng: &mut Rng, old: &serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let same_kind: Vec<serde_json::Value> = match old {
        serde_json::Value::Number(_) => vec![
            json!(0),
            json!(1),
            json!(-1),
            json!(65535),
            json!(65536),
            json!(4294967295u64),
            json!(1e300),
            json!(0.5),
        ],
        serde_json::Value::String(_) => vec![
            json!(""),
            json!("junk"),
            json!("*"),
            json!("0.0.0.0/0"),
            json!("10.0.0.0/8"),
            json!("10.0.1.0/28"),
            json!("pod-a-1"),
            json!("us-west-2"),
            json!("subnet-app-a1"),
            json!("/"),
        ],
        serde_json::Value::Bool(b) => vec![json!(!b)],
        _ => vec![json!(null)],
    };
    match rng.index(6) {
        0 => json!(null),
        1 => json!([]),
        _ => same_kind[rng.index(same_kind.len())].clone(),
    }
}

#[test]
fn mutated_scenario_files_are_refused_with_a_message_or_run_without_panicking() {
    // Invariant 5: an imported file is validated; bad input is an error,
    // never a panic. Whatever passes must survive requests, the clock,
    // faults and a burst.
    let base = serde_json::to_value(hoplab::sim::defaults::default_scenario()).unwrap();
    let mut paths = Vec::new();
    leaves(&base, "", &mut paths);
    let (mut refused, mut ran) = (0, 0);
    let runs: u64 = std::env::var("HOPLAB_FUZZ_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    for seed in 0..runs {
        let mut rng = Rng::new(7_000 + seed);
        let mut v = base.clone();
        for _ in 0..1 + rng.index(3) {
            let path = &paths[rng.index(paths.len())];
            // An earlier change may have removed what this path pointed at.
            let Some(slot) = v.pointer_mut(path) else {
                continue;
            };
            match slot {
                serde_json::Value::Array(a) if !a.is_empty() && rng.index(2) == 0 => {
                    let i = rng.index(a.len());
                    if rng.index(2) == 0 {
                        a.remove(i);
                    } else {
                        let copy = a[i].clone();
                        a.push(copy);
                    }
                }
                _ => *slot = odd_value(&mut rng, slot),
            }
        }
        let text = v.to_string();
        let scenario = match hoplab::sim::scenario::Scenario::from_json(&text) {
            Ok(s) => s,
            Err(e) => {
                assert!(e.starts_with("scenario"), "seed {seed}: {e}");
                refused += 1;
                continue;
            }
        };
        let mut w = match World::new(scenario, seed) {
            Ok(w) => w,
            Err(e) => {
                assert!(!e.is_empty(), "seed {seed}");
                refused += 1;
                continue;
            }
        };
        ran += 1;
        let clients: Vec<String> = w.scenario().clients.iter().map(|c| c.id.clone()).collect();
        for url in URLS {
            for c in &clients {
                let t = w.send(&Request::get(c, url));
                assert!(!t.outcome.summary.is_empty(), "seed {seed}: {url}");
            }
        }
        w.set_fault(random_fault(&mut rng), true);
        w.advance(150_000);
        if !clients.is_empty() {
            let _ = w.burst_get(60, &clients, URLS[rng.index(URLS.len())]);
        }
        for i in 0..w.scenario().regions.len() {
            let id = w.scenario().regions[i].alb.id.clone();
            let _ = w.inspect(&id);
        }
    }
    println!("mutated scenarios: {refused} refused, {ran} ran");
    assert!(
        refused > runs / 8 && ran > runs / 20,
        "both paths are exercised ({refused} refused, {ran} ran)"
    );
}
