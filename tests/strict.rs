//! Strict input: unknown fields refused with their path and a "did you
//! mean", configurations AWS refuses refused with the rule they break
//! (each test cites the fact-sheet section), and every quoted value
//! clipped. A refused scenario never becomes a world; a refused edit
//! changes nothing.

use hoplab::lesson::Lesson;
use hoplab::sim::edit::EditError;
use hoplab::sim::limits::*;
use hoplab::sim::scenario::*;
use hoplab::sim::script::Script;
use hoplab::sim::trace::Direction;
use hoplab::sim::{Edit, World};
use serde_json::{json, Value};

fn default_json() -> Value {
    serde_json::to_value(hoplab::sim::defaults::default_scenario()).unwrap()
}

/// The scenario file after `f` changed its JSON, read as the CLI reads it.
fn load(f: impl FnOnce(&mut Value)) -> Result<Scenario, String> {
    let mut v = default_json();
    f(&mut v);
    Scenario::from_json(&v.to_string())
}

fn refused(f: impl FnOnce(&mut Value)) -> String {
    match load(f) {
        Ok(_) => panic!("the scenario should be refused"),
        Err(e) => e,
    }
}

fn tg(v: &mut Value) -> &mut Value {
    &mut v["regions"][0]["alb"]["target_groups"][0]
}

// ---------------------------------------------------------- unknown fields

#[test]
fn a_misspelt_scenario_field_is_refused_with_its_path_and_the_name_meant() {
    let e = refused(|v| tg(v)["stickyness_s"] = json!(60));
    assert!(
        e.contains("scenario field regions[0].alb.target_groups[0]"),
        "{e}"
    );
    assert!(e.contains("unknown field `stickyness_s`"), "{e}");
    assert!(e.contains("(did you mean `stickiness_s`?)"), "{e}");
    let e = refused(|v| {
        let rec = &mut v["dns"]["zone"]["records"][1];
        rec["evaluate_target_healt"] = json!(true);
    });
    assert!(
        e.contains("scenario field dns.zone.records[1]")
            && e.contains("did you mean `evaluate_target_health`?"),
        "{e}"
    );
}

/// Every object in the default scenario, by its JSON path.
fn object_paths(v: &Value, path: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            out.push(path.clone());
            for (k, x) in m {
                let mut p = path.clone();
                p.push(json!(k));
                object_paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = path.clone();
                p.push(json!(i));
                object_paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::String(s) => &mut v[s.as_str()],
        k => &mut v[k.as_u64().unwrap() as usize],
    })
}

#[test]
fn every_part_of_a_scenario_refuses_a_field_it_does_not_know() {
    let mut paths = Vec::new();
    object_paths(&default_json(), vec![], &mut paths);
    assert!(paths.len() > 100, "{} objects", paths.len());
    for p in &paths {
        let e = match load(|v| {
            at(v, p)
                .as_object_mut()
                .unwrap()
                .insert("bogus_field".into(), json!(1));
        }) {
            Ok(_) => panic!("{p:?} accepts an unknown field"),
            Err(e) => e,
        };
        // An externally tagged enum ({"variant": {...}}) refuses a second
        // key before it could name it; every struct names the field.
        let holder = p.last().and_then(Value::as_str).unwrap_or("");
        let tagged_enum = [
            "value",
            "routing",
            "statement",
            "target",
            "peer",
            "public_ip",
        ]
        .contains(&holder)
            && at(&mut default_json(), p).as_object().unwrap().len() == 1;
        assert!(
            tagged_enum || (e.contains("bogus_field") && e.contains("unknown")),
            "{p:?}: {e}"
        );
    }
}

#[test]
fn a_misspelt_script_field_or_kind_gets_the_name_meant() {
    let e = Script::from_json(
        r#"{"steps": [{"edit": {"kind": "add_nacl_rule", "nacl": "acl-public-a", "direction": "inbound",
            "number": "90", "protocol": "tcp", "ports": "443", "cidr": "0.0.0.0/0", "acton": "deny"}}]}"#,
    )
    .unwrap_err();
    assert!(e.starts_with("script field steps[0].edit"), "{e}");
    assert!(e.contains("did you mean `action`?"), "{e}");
    let e = Script::from_json(r#"{"steps": [{"fault": {"kind": "pod_dwn", "pod": "pod-a-1"}}]}"#)
        .unwrap_err();
    assert!(e.contains("did you mean `pod_down`?"), "{e}");
    let e = Script::from_json(r#"{"steps": [{"advnce": "1s"}]}"#).unwrap_err();
    assert!(e.contains("did you mean `advance`?"), "{e}");
}

#[test]
fn a_misspelt_lesson_field_gets_the_name_meant_in_quotes() {
    let text = hoplab::lesson::catalog()
        .into_iter()
        .find(|(id, _)| *id == "dns")
        .unwrap()
        .1
        .replacen("hints = [", "hint = [", 1);
    let e = Lesson::from_toml(&text).unwrap_err();
    assert!(e.path.starts_with("steps[0]"), "{e}");
    assert!(
        e.message
            .contains("unknown field 'hint' (did you mean 'hints'?)"),
        "{e}"
    );
}

#[test]
fn a_huge_bad_value_is_quoted_in_at_most_eighty_characters() {
    let long = "x".repeat(1_000_000);
    let e = refused(|v| tg(v)[long.as_str()] = json!(1));
    assert!(e.len() < 1_000 && e.contains('…'), "{} bytes", e.len());
    let e = refused(|v| v["regions"][0]["vpc"]["subnets"][0]["tier"] = json!(long));
    assert!(e.len() < 1_000, "{} bytes", e.len());
    let e = refused(|v| {
        v["clients"][0]["id"] = json!(long);
        v["clients"][1]["id"] = json!(long);
    });
    assert!(e.len() < 1_000, "{} bytes", e.len());
    let e = Script::from_json(&format!(r#"{{"steps": [{{"{long}": 1}}]}}"#)).unwrap_err();
    assert!(e.len() < 1_000, "{} bytes", e.len());
}

// ------------------------------------------------- configurations AWS refuses

#[test]
fn a_security_group_deny_rule_is_refused_in_a_file_and_as_an_edit() {
    // §11: security groups have allow rules only.
    let e = refused(|v| {
        v["regions"][0]["vpc"]["security_groups"][0]["inbound"][0]["action"] = json!("deny");
    });
    assert!(e.contains("security_groups[0].inbound[0]"), "{e}");
    assert!(e.contains(SG_ALLOW_ONLY), "{e}");
    assert!(load(|v| {
        v["regions"][0]["vpc"]["security_groups"][0]["inbound"][0]["action"] = json!("allow");
    })
    .is_ok());
    let mut w = World::default_world();
    let before = w.clone();
    let err = w
        .apply_edit(&Edit::AddSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "443".into(),
            peer: "203.0.113.0/24".into(),
            action: Some("deny".into()),
        })
        .unwrap_err();
    assert_eq!(
        err,
        EditError::SgAllowOnly {
            sg: "sg-alb-a".into()
        }
    );
    assert_eq!(w, before);
    let s = Script::from_json(
        r#"{"steps": [{"edit": {"kind": "add_sg_rule", "sg": "sg-alb-a", "direction": "inbound",
            "protocol": "tcp", "ports": "443", "peer": "203.0.113.0/24", "action": "deny"}}]}"#,
    )
    .unwrap();
    let (_, failed) = s.run(&mut w);
    assert!(failed.unwrap().to_string().contains("allow rules only"));
    assert_eq!(w, before);
}

fn rule_with(conditions: Value) -> impl FnOnce(&mut Value) {
    move |v| {
        v["regions"][0]["alb"]["listener"]["rules"][0]["conditions"] = conditions;
    }
}

#[test]
fn listener_rule_conditions_past_the_alb_limits_are_refused() {
    // §8: at most 3 values per condition, 5 condition values and 5
    // wildcards per rule, one path-pattern per rule, a host with a dot.
    let path = |vals: &[&str]| json!({"type": "path-pattern", "values": vals});
    let e = refused(rule_with(json!([path(&["/a", "/b", "/c", "/d"])])));
    assert!(
        e.contains("4 values, over the ALB's limit of 3 per condition"),
        "{e}"
    );
    assert!(load(rule_with(json!([path(&["/a", "/b", "/c"])]))).is_ok());
    let host = json!({"type": "host-header", "values": ["a.example.com", "b.example.com", "c.example.com"]});
    let e = refused(rule_with(json!([path(&["/a", "/b", "/c"]), host])));
    assert!(e.contains("6 condition values is over"), "{e}");
    let e = refused(rule_with(json!([path(&["/a"]), path(&["/b"])])));
    assert!(e.contains("at most one path-pattern condition"), "{e}");
    let e = refused(rule_with(json!([path(&["/*/*/*", "/*/*/*"])])));
    assert!(e.contains("6 wildcards is over"), "{e}");
    let e = refused(rule_with(
        json!([{"type": "host-header", "values": ["localhost"]}]),
    ));
    assert!(e.contains("needs at least one '.'"), "{e}");
    let e = refused(rule_with(json!([path(&[&"/a".repeat(70)])])));
    assert!(e.contains("longer than 128 characters"), "{e}");
    let e = refused(rule_with(json!([path(&[])])));
    assert!(e.contains("has no values"), "{e}");
}

#[test]
fn more_security_groups_on_one_interface_than_the_quota_are_refused() {
    // §11: 5 security groups per network interface.
    let e = refused(|v| {
        let sgs: Vec<Value> = (0..6).map(|i| json!(format!("sg-x{i}"))).collect();
        v["regions"][0]["cluster"]["pods"][0]["security_groups"] = json!(sgs);
    });
    assert!(
        e.contains("6 security groups on one interface, over the quota of 5"),
        "{e}"
    );
    let e = refused(|v| v["regions"][0]["alb"]["security_groups"] = json!(["sg-alb-b"]));
    assert!(
        e.contains("security group sg-alb-b of vpc-b (us-west-2)"),
        "{e}"
    );
}

#[test]
fn an_alias_record_to_an_aws_resource_takes_no_ttl_and_answers_with_sixty_seconds() {
    // §2: an alias cannot set a TTL; Route 53 uses the resource's.
    let e = refused(|v| v["dns"]["zone"]["records"][0]["ttl_s"] = json!(3600));
    assert!(
        e.contains("an alias record takes no TTL (ttl_s 3600)"),
        "{e}"
    );
    let s = load(|_| {}).unwrap();
    let apex = &s.dns.zone.records[0];
    assert!(apex.is_alias() && apex.ttl_s.is_none());
    assert_eq!(apex.ttl_s(), ALIAS_RESOURCE_TTL_S);
    let e = refused(|v| {
        let rec = json!({"name": "www.healthcareapp.com", "value": {"a": {"addresses": ["192.0.2.1"]}},
            "routing": "simple"});
        v["dns"]["zone"]["records"]
            .as_array_mut()
            .unwrap()
            .push(rec);
    });
    assert!(e.contains("needs ttl_s"), "{e}");
}

#[test]
fn a_route_to_a_gateway_that_is_missing_or_of_another_vpc_is_refused() {
    // §10: a route table routes to its own VPC's gateways.
    let route = |v: &mut Value, target: Value| {
        let rt = &mut v["regions"][0]["vpc"]["route_tables"][0]["routes"];
        let last = rt.as_array().unwrap().len() - 1;
        rt[last]["target"] = target;
    };
    let e = refused(|v| route(v, json!({"igw": "igw-b"})));
    assert!(
        e.contains("igw-b is the internet gateway of vpc-b in us-west-2"),
        "{e}"
    );
    assert!(e.contains("vpc-a has internet gateway igw-a"), "{e}");
    let e = refused(|v| route(v, json!({"igw": "igw-nope"})));
    assert!(e.contains("there is no internet gateway igw-nope"), "{e}");
    let e = refused(|v| route(v, json!({"nat": "nat-b1"})));
    assert!(e.contains("nat-b1 is the NAT gateway of vpc-b"), "{e}");
}

#[test]
fn a_listener_status_the_alb_cannot_answer_with_is_refused() {
    // §8: a fixed response (and the default action's) is 2XX, 4XX or 5XX.
    for bad in [0, 99, 302, 600, 65535] {
        let e = refused(|v| v["regions"][0]["alb"]["listener"]["default_status"] = json!(bad));
        assert!(
            e.contains(&format!("default_status {bad} is not a status")),
            "{e}"
        );
    }
    assert!(load(|v| v["regions"][0]["alb"]["listener"]["default_status"] = json!(503)).is_ok());
    let e = refused(|v| {
        v["regions"][0]["alb"]["listener"]["rules"][0]["action"] =
            json!({"type": "fixed-response", "status": 302});
    });
    assert!(
        e.contains("fixed response status 302 is not allowed"),
        "{e}"
    );
}

#[test]
fn an_id_used_twice_is_refused_whatever_it_names() {
    type Change = fn(&mut Value);
    let cases: [(&str, Change); 6] = [
        ("pod", |v| {
            v["regions"][0]["cluster"]["pods"][1]["id"] = json!("pod-a-1");
        }),
        ("NAT gateway", |v| {
            v["regions"][1]["vpc"]["nat_gateways"][0]["id"] = json!("nat-a1");
        }),
        ("database", |v| {
            v["regions"][1]["rds"]["id"] = json!("rds-a")
        }),
        ("Service", |v| {
            v["regions"][1]["cluster"]["services"][0]["id"] = json!("svc-a");
        }),
        ("subnet", |v| {
            v["regions"][0]["vpc"]["subnets"][1]["id"] = json!("subnet-public-a1");
        }),
        ("target group", |v| {
            v["regions"][1]["alb"]["target_groups"][0]["id"] = json!("tg-appointments-a");
        }),
    ];
    for (kind, f) in cases {
        let e = refused(f);
        assert!(e.contains(&format!("{kind} id '")), "{kind}: {e}");
        assert!(e.contains("is used twice"), "{kind}: {e}");
    }
}

#[test]
fn client_coordinates_outside_the_globe_are_refused() {
    // §3: places are latitude -90..90 and longitude -180..180.
    let e = refused(|v| v["clients"][0]["geo"]["lat"] = json!(91.0));
    assert!(e.contains("latitude 91 is outside -90..90"), "{e}");
    let e = refused(|v| v["clients"][1]["geo"]["lon"] = json!(-180.5));
    assert!(e.contains("longitude -180.5 is outside -180..180"), "{e}");
}

#[test]
fn a_cidr_with_host_bits_is_normalised_as_aws_does_and_the_reader_is_told() {
    // §10: non-canonical input is normalised (100.68.0.18/18 -> 100.68.0.0/18).
    let mut v = default_json();
    v["regions"][0]["vpc"]["cidr"] = json!("10.0.0.7/16");
    v["regions"][0]["vpc"]["subnets"][0]["cidr"] = json!("10.0.0.9/24");
    let (s, notes) = Scenario::from_json_with_notes(&v.to_string()).unwrap();
    assert_eq!(s.regions[0].vpc.cidr.to_string(), "10.0.0.0/16");
    assert_eq!(s.regions[0].vpc.subnets[0].cidr.to_string(), "10.0.0.0/24");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("regions[0].vpc.cidr: 10.0.0.7/16 read as 10.0.0.0/16")
            && notes[0].contains(NORMALISED),
        "{notes:?}"
    );
    let mut typed = hoplab::sim::defaults::default_scenario();
    typed.regions[1].vpc.cidr = "10.1.200.1/16".parse().unwrap();
    let w = World::new(typed, 1).unwrap();
    assert_eq!(w.scenario().regions[1].vpc.cidr.to_string(), "10.1.0.0/16");
    let edit = Edit::SetSubnetCidr {
        subnet: "subnet-app-a1".into(),
        cidr: "10.0.12.7/26".into(),
    };
    let mut w = World::default_world();
    w.apply_edit(&edit).unwrap();
    assert_eq!(
        w.scenario().regions[0]
            .vpc
            .subnet("subnet-app-a1")
            .unwrap()
            .cidr
            .to_string(),
        "10.0.12.0/26"
    );
    assert!(edit
        .describe()
        .contains("CIDR 10.0.12.0/26 (typed 10.0.12.7/26"));
}

#[test]
fn an_ingress_backend_must_be_a_service_of_its_cluster_on_its_port() {
    // §13: the Ingress sends to a Service by name and port.
    let e =
        refused(|v| v["regions"][0]["cluster"]["ingress"]["rules"][0]["service"] = json!("svc-b"));
    assert!(e.contains("names unknown Service svc-b"), "{e}");
    let e = refused(|v| v["regions"][0]["cluster"]["ingress"]["rules"][0]["port"] = json!(8081));
    assert!(e.contains("the Service listens on 80"), "{e}");
}

#[test]
fn target_group_health_timeouts_outside_the_alb_range_are_refused() {
    // §8: health-check timeout 2-120 s.
    let e = refused(|v| tg(v)["health_timeout_s"] = json!(1));
    assert!(
        e.contains("health check timeout 1 s is outside 2-120"),
        "{e}"
    );
}

#[test]
fn the_default_scenario_round_trips_through_its_own_strict_reader() {
    let text = serde_json::to_string_pretty(&hoplab::sim::defaults::default_scenario()).unwrap();
    assert!(
        (text.len() as u64) < MAX_SCENARIO_BYTES / 16,
        "{} bytes",
        text.len()
    );
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(s, hoplab::sim::defaults::default_scenario());
}

#[test]
fn an_alb_takes_one_subnet_per_zone_each_at_least_a_slash_27() {
    // §8: at least two AZ subnets, one per AZ, each at least a /27.
    let e = refused(|v| {
        v["regions"][0]["vpc"]["subnets"][0]["cidr"] = json!("10.0.0.0/28");
        v["regions"][0]["vpc"]["nat_gateways"][0]["host"] = json!(12);
    });
    assert!(
        e.contains("subnet subnet-public-a1 (10.0.0.0/28) is smaller than the /27"),
        "{e}"
    );
    let e = refused(|v| {
        let node = &mut v["regions"][0]["alb"]["nodes"][1];
        node["subnet"] = json!("subnet-public-a1");
        node["host"] = json!(11);
    });
    assert!(e.contains("two of its subnets are in us-east-1a"), "{e}");
}

#[test]
fn a_multi_az_standby_in_its_primarys_zone_is_refused() {
    // §15: the synchronous standby is in another AZ.
    let e = refused(|v| {
        let i = &mut v["regions"][0]["rds"]["instances"][1];
        i["subnet"] = json!("subnet-data-a1");
        i["host"] = json!(11);
    });
    assert!(
        e.contains("database rds-a has two instances in us-east-1a"),
        "{e}"
    );
}

#[test]
fn two_interfaces_on_one_address_are_refused() {
    let e = refused(|v| v["regions"][0]["cluster"]["pods"][1]["host"] = json!(20));
    assert!(
        e.contains("pod pod-a-2 and pod pod-a-1 both have address 10.0.10.20"),
        "{e}"
    );
}

#[test]
fn an_explicit_allow_on_a_security_group_edit_is_accepted() {
    // §11: "allow" is the only action a security group rule has.
    let mut w = World::default_world();
    w.apply_edit(&Edit::AddSgRule {
        sg: "sg-alb-a".into(),
        direction: Direction::Inbound,
        protocol: "tcp".into(),
        ports: "8443".into(),
        peer: "203.0.113.0/24".into(),
        action: Some("allow".into()),
    })
    .unwrap();
    let e = w
        .apply_edit(&Edit::AddSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "8443".into(),
            peer: "203.0.113.0/24".into(),
            action: Some("maybe".into()),
        })
        .unwrap_err();
    assert!(matches!(e, EditError::Parse(_)), "{e:?}");
}

#[test]
fn a_round_trip_longer_than_hoplabs_bound_is_refused_before_any_time_sum_overflows() {
    // §16 gives round trips up to about 250 ms; Hoplab allows 10 s.
    let e = refused(|v| v["cdn"]["pops"][0]["rtt_region_ms"]["us-east-1"] = json!(u32::MAX));
    assert!(
        e.contains(
            "rtt_region_ms us-east-1 4294967295 is over Hoplab's longest round trip, 10000 ms"
        ),
        "{e}"
    );
    assert!(load(|v| v["clients"][0]["rtt_pop_ms"] = json!(MAX_RTT_MS)).is_ok());
    let e = refused(|v| v["clients"][0]["rtt_pop_ms"] = json!(MAX_RTT_MS + 1));
    assert!(e.contains("client client-na rtt_pop_ms 10001"), "{e}");
}

#[test]
fn an_id_too_long_to_quote_whole_is_refused() {
    let e = refused(|v| v["regions"][0]["cluster"]["pods"][0]["id"] = json!("p".repeat(81)));
    assert!(
        e.contains("pod id 'ppp") && e.contains("ids are 1 to 80 characters"),
        "{e}"
    );
    assert!(e.len() < 250, "{e}");
    let e = refused(|v| v["clients"][0]["id"] = json!(""));
    assert!(e.contains("client id '' is not an id"), "{e}");
}

#[test]
fn a_listener_rule_forwarding_to_another_load_balancers_target_group_is_refused() {
    // §8: a target group belongs to one load balancer.
    let e = refused(|v| {
        v["regions"][0]["alb"]["listener"]["rules"][0]["action"] =
            json!({"type": "forward", "target_group": "tg-appointments-b"});
    });
    assert!(
        e.contains("forwards to target group tg-appointments-b of alb-b: a target group belongs to one load balancer"),
        "{e}"
    );
}
