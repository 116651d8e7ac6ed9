//! The Kubernetes side beyond paths: the AWS Load Balancer Controller in
//! every scenario (rules and target groups derived from the Ingress and its
//! annotations), externalTrafficPolicy, probe timings and restarts, and
//! the HorizontalPodAutoscaler. Fact sheet §13, §14, §28.

use std::net::Ipv4Addr;

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::event::{AppEvent, Event};
use hoplab::sim::hpa::{decide, HpaIdle};
use hoplab::sim::scenario::*;
use hoplab::sim::trace::Code;
use hoplab::sim::world::{TargetState, DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Fault, Request, Trace, World};

fn edit(w: &mut World, json: &str) {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    w.apply_edit(&e).unwrap_or_else(|e| panic!("{json}: {e}"));
}

fn refused(w: &mut World, json: &str) -> String {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    let before = w.clone();
    let err = w.apply_edit(&e).expect_err(json).to_string();
    assert!(*w == before, "{json} changed the world");
    err
}

fn get(w: &mut World) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store())
}

fn picks(t: &Trace) -> Vec<&AppEvent> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::App(e @ AppEvent::EndpointPick { .. }) => Some(e),
            _ => None,
        })
        .collect()
}

fn pod_peer(t: &Trace) -> Option<Ipv4Addr> {
    t.hops.iter().find_map(|h| match &h.event {
        Event::App(AppEvent::PodRequest { peer, .. }) => Some(*peer),
        _ => None,
    })
}

fn node_ip(w: &World, node: &str) -> Ipv4Addr {
    let r = &w.scenario().regions[0];
    let n = r.cluster.nodes.iter().find(|n| n.id == node).unwrap();
    r.vpc.subnet(&n.subnet).unwrap().host(n.host).unwrap()
}

fn node_of(w: &World, pod: &str) -> String {
    let r = &w.scenario().regions[0];
    let p = r.cluster.pods.iter().find(|p| p.id == pod).unwrap();
    p.node.clone().unwrap()
}

fn controller_rules(s: &Scenario) -> Vec<(u32, String)> {
    s.regions[0]
        .alb
        .listener
        .rules
        .iter()
        .map(|r| (r.priority, r.from_ingress_path.clone()))
        .collect()
}

/// The default scenario as JSON, changed by `f`.
fn json_with(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = serde_json::to_value(default_scenario()).unwrap();
    f(&mut v);
    v.to_string()
}

/// Target type instance needs the NodePort range open from the ALB to
/// the nodes (fact sheet §11, §14).
fn open_node_ports(w: &mut World) {
    edit(
        w,
        r#"{"kind":"add_sg_rule","sg":"sg-app-a","direction":"inbound","protocol":"tcp","ports":"30000-32767","peer":"sg-alb-a"}"#,
    );
    edit(
        w,
        r#"{"kind":"add_sg_rule","sg":"sg-alb-a","direction":"outbound","protocol":"tcp","ports":"30000-32767","peer":"sg-app-a"}"#,
    );
}

fn instance_world(policy: &str) -> World {
    let mut w = World::default_world();
    open_node_ports(&mut w);
    edit(
        &mut w,
        r#"{"kind":"set_ingress_annotation","ingress":"ingress-a","annotation":"target-type","value":"instance"}"#,
    );
    edit(
        &mut w,
        &format!(r#"{{"kind":"set_traffic_policy","service":"svc-a","policy":"{policy}"}}"#),
    );
    w
}

// ---------------------------------------------------------------- the controller

#[test]
fn the_default_scenario_reads_back_unchanged_and_without_a_note() {
    // Fact sheet §14: the controller's rules already match the Ingress;
    // the new settings stay out of a default file.
    let text = serde_json::to_string(&default_scenario()).unwrap();
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(s, default_scenario());
    for key in [
        "annotations",
        "ingress_managed",
        "external_traffic_policy",
        "probes",
        "autoscalers",
    ] {
        assert!(!text.contains(key), "{key} in a default file");
    }
}

#[test]
fn controller_rules_in_the_wrong_order_are_rewritten_exact_first_with_a_note() {
    // Fact sheet §14 (v2.4.3+): Exact paths first, then Prefix by length.
    // A file that lists the Prefix /api rule before the Exact /healthz one
    // is read as the controller would write it, and says so.
    let text = json_with(|v| {
        let rules = &mut v["regions"][0]["alb"]["listener"]["rules"];
        rules[0]["priority"] = 2.into();
        rules[1]["priority"] = 1.into();
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert_eq!(
        controller_rules(&s),
        vec![(1, "/healthz (Exact)".into()), (2, "/api (Prefix)".into())]
    );
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("regions[0].alb.listener.rules:"),
        "{notes:?}"
    );
    // The text a learner reads names both orders and why.
    assert!(
        notes[0].contains("1 /api (Prefix), 2 /healthz (Exact)")
            && notes[0].contains("AWS Load Balancer Controller"),
        "{}",
        notes[0]
    );
}

#[test]
fn a_controller_rule_that_forwards_elsewhere_is_rewritten_to_the_services_group() {
    // Fact sheet §14: the trace never contradicts the Ingress: rule 2
    // written to answer 503 comes back as a forward to the Service's group.
    let text = json_with(|v| {
        v["regions"][0]["alb"]["listener"]["rules"][1]["action"] =
            serde_json::json!({"type": "fixed-response", "status": 503});
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        s.regions[0].alb.listener.rules,
        default_scenario().regions[0].alb.listener.rules
    );
}

#[test]
fn hand_made_rules_keep_their_priorities_and_the_controller_takes_the_rest() {
    // Fact sheet §8, §14: a rule without `from_ingress_path` is the ALB's
    // own; the controller's rules take the lowest priorities it leaves.
    let text = json_with(|v| {
        let rules = v["regions"][0]["alb"]["listener"]["rules"]
            .as_array_mut()
            .unwrap();
        // The controller's rules written at 5 and 9: valid, but not where
        // the controller puts them.
        rules[0]["priority"] = 5.into();
        rules[1]["priority"] = 9.into();
        rules.push(serde_json::json!({
            "priority": 1,
            "conditions": [{"type": "path-pattern", "values": ["/maintenance"]}],
            "action": {"type": "fixed-response", "status": 503}
        }));
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert_eq!(
        controller_rules(&s),
        vec![
            (1, String::new()),
            (2, "/healthz (Exact)".into()),
            (3, "/api (Prefix)".into())
        ]
    );
    assert_eq!(notes.len(), 1);
}

#[test]
fn an_alb_marked_hand_made_keeps_contradicting_rules_as_written() {
    // Fact sheet §14: before v2.4.3 rules followed manifest order; a
    // teacher shows that with `ingress_managed: false`.
    let text = json_with(|v| {
        v["regions"][0]["alb"]["ingress_managed"] = false.into();
        let rules = &mut v["regions"][0]["alb"]["listener"]["rules"];
        rules[0]["priority"] = 2.into();
        rules[1]["priority"] = 1.into();
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(s.regions[0].alb.listener.rules[0].priority, 2);
    assert!(!s.regions[0].alb.ingress_managed);
}

#[test]
fn a_target_type_annotation_in_a_file_sets_the_bound_target_group() {
    // Fact sheet §28: alb.ingress.kubernetes.io/target-type: instance →
    // the ALB's targets are the nodes' NodePort.
    let text = json_with(|v| {
        v["regions"][0]["cluster"]["ingress"]["annotations"] = serde_json::json!({
            "alb.ingress.kubernetes.io/target-type": "instance",
            "alb.ingress.kubernetes.io/healthcheck-interval-seconds": "30"
        });
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    // Annotation values are strings in a manifest; a number must read as one.
    let bad = json_with(|v| {
        v["regions"][0]["cluster"]["ingress"]["annotations"] = serde_json::json!({
            "alb.ingress.kubernetes.io/healthcheck-port": "traffic-port",
            "alb.ingress.kubernetes.io/group.order": "first"
        });
    });
    let err = Scenario::from_json(&bad).unwrap_err();
    assert!(
        err.contains("group.order") && err.contains("'first'"),
        "{err}"
    );
    let tg = &s.regions[0].alb.target_groups[0];
    assert_eq!(tg.target_type, TargetType::Instance);
    assert_eq!(tg.health_interval_s, 30);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].contains("target_type: ip read as instance"),
        "{notes:?}"
    );
    let mut w = World::new(s, 1).unwrap();
    open_node_ports(&mut w);
    let t = get(&mut w);
    assert_eq!(t.outcome.status, Some(200));
    let ing = t.hops.iter().find_map(|h| match &h.event {
        Event::App(AppEvent::IngressMatch { target_type, .. }) => Some(*target_type),
        _ => None,
    });
    assert_eq!(ing, Some(TargetType::Instance));
    assert_eq!(
        picks(&t).len(),
        1,
        "kube-proxy picks the pod behind the node"
    );
}

#[test]
fn an_ingress_path_to_a_service_no_target_group_registers_gets_no_rule_and_a_note() {
    // Fact sheet §14: the controller needs a target group (binding) per Service.
    let text = json_with(|v| {
        let c = &mut v["regions"][0]["cluster"];
        c["services"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": "svc-reports", "name": "reports", "port": 80,
                "target_port": 8080, "app": "reports"
            }));
        c["ingress"]["rules"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "path": "/reports", "path_type": "Prefix", "service": "svc-reports", "port": 80
            }));
    });
    let (s, notes) = Scenario::from_json_with_notes(&text).unwrap();
    assert_eq!(controller_rules(&s).len(), 2);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("svc-reports") && n.contains("TargetGroupBinding")),
        "{notes:?}"
    );
}

#[test]
fn health_check_annotations_become_the_target_groups_health_check() {
    // Fact sheet §14: the controller's health-check annotations.
    let mut w = World::default_world();
    for (a, v) in [
        ("healthcheck-path", "/ready"),
        (
            "alb.ingress.kubernetes.io/healthcheck-interval-seconds",
            "10",
        ),
        ("unhealthy-threshold-count", "3"),
        ("success-codes", "200-299"),
        ("healthcheck-port", "9090"),
    ] {
        edit(
            &mut w,
            &format!(
                r#"{{"kind":"set_ingress_annotation","ingress":"ingress-a","annotation":"{a}","value":"{v}"}}"#
            ),
        );
    }
    let tg = &w.scenario().regions[0].alb.target_groups[0];
    assert_eq!(
        (
            tg.health_path.as_str(),
            tg.health_interval_s,
            tg.unhealthy_threshold,
            tg.matcher.as_str(),
            tg.health_port
        ),
        ("/ready", 10, 3, "200-299", Some(9090))
    );
    // Region B's Ingress has no annotations: its group is untouched.
    assert_eq!(
        w.scenario().regions[1].alb.target_groups[0].health_path,
        "/healthz"
    );
}

#[test]
fn annotation_and_policy_edits_kubernetes_would_refuse_change_nothing() {
    // Fact sheet §28: group.order -1000..1000; target types ip or instance.
    let mut w = World::default_world();
    let base = r#"{"kind":"set_ingress_annotation","ingress":"ingress-a","#;
    for (a, v) in [
        ("target-type", "lambda"),
        ("group.order", "1001"),
        ("healthcheck-path", "ready"),
        ("scheme", "internet-facing"),
        ("success-codes", "600"),
    ] {
        refused(
            &mut w,
            &format!(r#"{base}"annotation":"{a}","value":"{v}"}}"#),
        );
    }
    let err = refused(
        &mut w,
        r#"{"kind":"set_traffic_policy","service":"svc-a","policy":"Nearest"}"#,
    );
    assert!(err.contains("Cluster or Local"), "{err}");
}

// ---------------------------------------------------------------- externalTrafficPolicy

#[test]
fn with_cluster_policy_the_pod_sees_the_nodes_address_and_some_requests_cross_nodes() {
    // Fact sheet §28: Cluster SNATs to the node; any node to any ready pod.
    let mut w = instance_world("Cluster");
    let mut crossed = 0;
    for _ in 0..12 {
        let t = get(&mut w);
        assert_eq!(t.outcome.status, Some(200));
        let Some(AppEvent::EndpointPick {
            node,
            picked,
            crosses_to,
            policy,
            source_seen,
            ..
        }) = picks(&t).first().copied()
        else {
            panic!("no kube-proxy hop")
        };
        assert_eq!(*policy, TrafficPolicy::Cluster);
        let ip = node_ip(&w, node);
        assert_eq!(*source_seen, Some(ip));
        assert_eq!(pod_peer(&t), Some(ip));
        if let Some(to) = crosses_to {
            assert_eq!(*to, node_of(&w, picked.as_deref().unwrap()));
            crossed += 1;
        }
    }
    assert!(crossed > 0, "a second hop to another node happens");
}

#[test]
fn with_local_policy_the_pod_is_on_the_node_reached_and_sees_the_load_balancer() {
    // Fact sheet §28: Local keeps the sender's address (the ALB node's:
    // a proxying ALB never passes the client's at L3) and stays on the node.
    let mut w = instance_world("Local");
    let alb_ips: Vec<Ipv4Addr> = {
        let r = &w.scenario().regions[0];
        r.alb
            .nodes
            .iter()
            .map(|n| r.vpc.subnet(&n.subnet).unwrap().host(n.host).unwrap())
            .collect()
    };
    for _ in 0..8 {
        let t = get(&mut w);
        assert_eq!(t.outcome.status, Some(200));
        let Some(AppEvent::EndpointPick {
            node,
            picked,
            crosses_to,
            policy,
            ..
        }) = picks(&t).first().copied()
        else {
            panic!("no kube-proxy hop")
        };
        assert_eq!(*policy, TrafficPolicy::Local);
        assert_eq!(*crosses_to, None);
        assert_eq!(node_of(&w, picked.as_deref().unwrap()), *node);
        let peer = pod_peer(&t).unwrap();
        assert!(alb_ips.contains(&peer), "{peer} is not an ALB node");
    }
}

#[test]
fn with_local_policy_a_node_without_a_ready_pod_drops_then_fails_its_health_check() {
    // Fact sheet §28: traffic reaching a node with no local endpoint is
    // dropped; its healthCheckNodePort fails, so the LB stops sending there.
    let mut w = instance_world("Local");
    let on_node2: Vec<String> = w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .filter(|p| p.node.as_deref() == Some("node-a-2"))
        .map(|p| p.id.clone())
        .collect();
    assert!(!on_node2.is_empty());
    // A readiness probe every second that gives up at the first failure:
    // the pods turn unready long before the ALB's next check (15 s).
    probe(&mut w, "readiness", (0, 1, 1, 1, 1));
    for p in &on_node2 {
        w.set_fault(Fault::TargetUnhealthy { pod: p.clone() }, true);
    }
    w.advance(2_000);
    assert!(on_node2.iter().all(|p| !w.pod_ready(p)));
    let mut dropped = None;
    for _ in 0..4 {
        let t = get(&mut w);
        if let Some(h) = t
            .hops
            .iter()
            .find(|h| matches!(h.event, Event::App(AppEvent::LocalDrop { .. })))
        {
            dropped = Some((h.code, t.outcome.status));
            break;
        }
    }
    assert_eq!(dropped, Some((Code::NoLocalEndpoint, Some(504))));
    // Two failed checks 15 s apart: node-a-2 is unhealthy; traffic is 200 again.
    w.advance(60_000);
    let h = w.target_health("node-a-2").unwrap();
    assert_eq!(h.state, TargetState::Unhealthy);
    assert!(h.reason.contains("healthCheckNodePort"), "{}", h.reason);
    assert_eq!(
        w.target_health("node-a-1").map(|h| h.state),
        Some(TargetState::Healthy)
    );
    for _ in 0..4 {
        assert_eq!(get(&mut w).outcome.status, Some(200));
    }
}

#[test]
fn local_policy_spreads_unevenly_over_pods_that_share_a_node_and_cluster_evenly() {
    // Fact sheet §28: the LB weights nodes equally, so under Local a pod
    // alone on its node gets twice the share of pods that share one.
    let counts = |policy: &str| {
        let mut w = instance_world(policy);
        edit(
            &mut w,
            r#"{"kind":"scale_pods","region":"us-east-1","app":"appointments-api","replicas":"3"}"#,
        );
        let r = &w.scenario().regions[0];
        let alone = r
            .cluster
            .nodes
            .iter()
            .find_map(|n| {
                let on: Vec<&Pod> = r
                    .cluster
                    .pods
                    .iter()
                    .filter(|p| p.node.as_deref() == Some(n.id.as_str()))
                    .collect();
                (on.len() == 1).then(|| on[0].id.clone())
            })
            .expect("one node has a single pod");
        let report = w
            .burst_get(600, &[DEFAULT_CLIENT.to_string()], DEFAULT_URL)
            .unwrap();
        let alone_n = report.pods.get(&alone).copied().unwrap_or(0);
        let others: Vec<usize> = report
            .pods
            .iter()
            .filter(|(k, _)| **k != alone)
            .map(|(_, v)| *v)
            .collect();
        (alone_n, others)
    };
    let (alone, others) = counts("Local");
    assert_eq!(others.len(), 2);
    assert!(
        others.iter().all(|o| alone > o * 3 / 2),
        "{alone} vs {others:?}"
    );
    let (alone, others) = counts("Cluster");
    assert!(
        others.iter().all(|o| alone < o * 3 / 2),
        "{alone} vs {others:?}"
    );
}

// ---------------------------------------------------------------- probes

fn probe(w: &mut World, which: &str, t: (u32, u32, u32, u32, u32)) {
    let (initial, period, timeout, success, failure) = t;
    edit(
        w,
        &format!(
            r#"{{"kind":"set_probe","region":"us-east-1","app":"appointments-api","probe":"{which}","initial_delay_s":"{initial}","period_s":"{period}","timeout_s":"{timeout}","success_threshold":"{success}","failure_threshold":"{failure}"}}"#
        ),
    );
}

fn pod_live(w: &World, pod: &str) -> (bool, u32) {
    let live = w.live_state();
    let p = live.pods.iter().find(|p| p.id == pod).unwrap();
    (p.ready, p.restarts)
}

#[test]
fn a_short_liveness_period_restarts_a_hung_container_sooner() {
    // Fact sheet §14: liveness fails failureThreshold times → restart; the
    // default (10 s × 3) would need 30 s.
    let mut w = World::default_world();
    probe(&mut w, "liveness", (0, 2, 1, 1, 2));
    w.set_fault(
        Fault::PodHung {
            pod: "pod-a-1".into(),
        },
        true,
    );
    w.advance(4_000);
    let (ready, restarts) = pod_live(&w, "pod-a-1");
    assert_eq!(restarts, 1);
    assert!(!ready, "not ready while restarting");
    // The inspector's pod rows show the count.
    let rows = hoplab::sim::inspect::inspect(&w, "pod-a-1");
    assert!(
        rows.iter().any(|(k, v)| k == "restarts" && v == "1"),
        "{rows:?}"
    );
    // Region B's pods keep the defaults: untouched.
    assert!(w.scenario().regions[1].cluster.probes.is_empty());
}

#[test]
fn a_restarted_container_is_ready_only_after_its_readiness_success_threshold() {
    // Fact sheet §14: readiness waits initialDelaySeconds after the
    // (re)start, then needs successThreshold passes in a row.
    let mut w = World::default_world();
    probe(&mut w, "liveness", (0, 2, 1, 1, 1));
    probe(&mut w, "readiness", (6, 2, 1, 2, 3));
    w.set_fault(
        Fault::PodHung {
            pod: "pod-a-1".into(),
        },
        true,
    );
    w.advance(2_000);
    assert_eq!(pod_live(&w, "pod-a-1"), (false, 1));
    // 6 s initial delay, then two passes 2 s apart: ready at +8 s.
    w.advance(7_000);
    assert!(!w.pod_ready("pod-a-1"));
    w.advance(1_000);
    assert!(w.pod_ready("pod-a-1"));
}

#[test]
fn a_readiness_failure_takes_the_pod_out_of_the_endpoints_after_its_own_threshold() {
    // Fact sheet §14: readiness fails → EndpointSlice ready=false, no restart.
    let mut w = World::default_world();
    probe(&mut w, "readiness", (0, 1, 1, 1, 2));
    w.set_fault(
        Fault::TargetUnhealthy {
            pod: "pod-a-2".into(),
        },
        true,
    );
    w.advance(1_000);
    assert!(w.pod_ready("pod-a-2"));
    w.advance(1_000);
    let live = w.live_state();
    let svc = live.services.iter().find(|s| s.id == "svc-a").unwrap();
    assert_eq!(svc.not_ready, vec!["pod-a-2".to_string()]);
    assert_eq!(pod_live(&w, "pod-a-2"), (false, 0));
}

#[test]
fn a_liveness_success_threshold_other_than_one_is_refused() {
    // Fact sheet §14: successThreshold must be 1 for liveness.
    let mut w = World::default_world();
    let err = refused(
        &mut w,
        r#"{"kind":"set_probe","app":"appointments-api","probe":"liveness","initial_delay_s":"0","period_s":"10","timeout_s":"1","success_threshold":"2","failure_threshold":"3"}"#,
    );
    assert!(err.contains("successThreshold must be 1"), "{err}");
    let text = json_with(|v| {
        v["regions"][0]["cluster"]["probes"] = serde_json::json!([
            {"app": "appointments-api", "liveness": {"success_threshold": 2}}
        ]);
    });
    assert!(Scenario::from_json(&text).is_err());
}

// ---------------------------------------------------------------- the autoscaler

fn hpa(w: &mut World, request: &str) {
    edit(
        w,
        &format!(
            r#"{{"kind":"set_hpa","region":"us-east-1","app":"appointments-api","mode":"on","min":"2","max":"10","target_cpu":"50","cpu_request":"{request}"}}"#
        ),
    );
}

fn pods(w: &World) -> usize {
    w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .filter(|p| p.app == "appointments-api")
        .count()
}

fn burst(w: &mut World, n: usize) {
    w.burst_get(n, &[DEFAULT_CLIENT.to_string()], DEFAULT_URL)
        .unwrap();
}

#[test]
fn the_autoscaler_computes_ceil_of_current_times_the_ratio_outside_the_tolerance() {
    // Fact sheet §28: 3 pods at 150 % of a 100 % target → ceil(4.5) = 5;
    // within 0.1 of the target nothing moves; up by 100 % or 4 pods at most.
    let d = decide((3, 3), 3 * 150, (100, 1, 20), 0);
    assert_eq!((d.cpu_percent, d.desired, d.next), (150, 5, 5));
    assert_eq!(decide((4, 4), 4 * 109, (100, 1, 20), 0).desired, 4);
    let d = decide((2, 2), 2 * 1000, (100, 1, 50), 0);
    assert_eq!((d.desired, d.next), (20, 6), "2 + 4 beats 2 × 2");
    let d = decide((8, 8), 8 * 1000, (100, 1, 50), 0);
    assert_eq!(d.next, 16, "8 × 2 beats 8 + 4");
    // Down: only to the highest recommendation of the window.
    let d = decide((8, 8), 8 * 10, (100, 1, 50), 6);
    assert_eq!((d.desired, d.next), (1, 6));
}

#[test]
fn a_burst_makes_the_autoscaler_scale_up_every_15_seconds_within_its_policies() {
    // Fact sheet §28: control loop every 15 s; 100 % or 4 pods per period.
    let mut w = World::default_world();
    hpa(&mut w, "100m");
    burst(&mut w, 2_000);
    w.advance(14_999);
    assert_eq!(pods(&w), 4, "no round before 15 s");
    w.advance(1);
    assert_eq!(pods(&w), 8);
    let live = w.live_state();
    let h = &live.autoscalers[0];
    assert_eq!((h.current, h.idle), (8, HpaIdle::Active));
    assert!(h.desired > 8 && h.cpu_percent.unwrap() > 50, "{h:?}");
    assert!(w
        .events()
        .iter()
        .any(|e| e.source.starts_with("HPA appointments-api") && e.text.contains("4 → 8")));
    w.advance(15_000);
    assert_eq!(pods(&w), 10, "maxReplicas caps it");
}

#[test]
fn after_five_quiet_minutes_the_autoscaler_scales_back_down_to_its_minimum() {
    // Fact sheet §28: scale-down stabilization 300 s.
    let mut w = World::default_world();
    hpa(&mut w, "100m");
    burst(&mut w, 2_000);
    w.advance(30_000);
    assert_eq!(pods(&w), 10);
    // The load lasts a minute; the high recommendations for 5 more.
    w.advance(4 * 60_000);
    assert_eq!(pods(&w), 10, "still inside the stabilization window");
    w.advance(2 * 60_000);
    assert_eq!(pods(&w), 2);
}

#[test]
fn without_a_cpu_request_the_autoscaler_takes_no_action() {
    // Fact sheet §28: no CPU request, no utilization, no action.
    let mut w = World::default_world();
    hpa(&mut w, "");
    burst(&mut w, 2_000);
    w.advance(60_000);
    assert_eq!(pods(&w), 4);
    let live = w.live_state();
    assert_eq!(live.autoscalers[0].idle, HpaIdle::NoCpuRequest);
    assert_eq!(live.autoscalers[0].cpu_percent, None);
}

#[test]
fn pods_the_autoscaler_adds_become_endpoints_only_once_ready() {
    // Fact sheet §14, §28: a new pod waits for its readiness probe.
    let mut w = World::default_world();
    probe(&mut w, "readiness", (5, 5, 1, 1, 3));
    hpa(&mut w, "100m");
    burst(&mut w, 2_000);
    w.advance(15_000);
    assert_eq!(pods(&w), 8);
    let live = w.live_state();
    let svc = live.services.iter().find(|s| s.id == "svc-a").unwrap();
    assert_eq!((svc.endpoints.len(), svc.not_ready.len()), (4, 4));
    w.advance(5_000);
    let live = w.live_state();
    let svc = live.services.iter().find(|s| s.id == "svc-a").unwrap();
    assert_eq!(svc.endpoints.len(), 8);
}

#[test]
fn advancing_at_once_or_round_by_round_leaves_the_same_world_with_an_autoscaler() {
    // The clock's invariant (ARCHITECTURE): advance == advance_stepwise.
    let mut a = World::default_world();
    hpa(&mut a, "100m");
    probe(&mut a, "liveness", (0, 3, 1, 1, 2));
    a.set_fault(
        Fault::PodHung {
            pod: "pod-a-3".into(),
        },
        true,
    );
    burst(&mut a, 1_500);
    let mut b = a.clone();
    a.advance(420_000);
    b.advance_stepwise(420_000);
    assert!(a == b, "the worlds differ");
    assert_eq!(pods(&a), 2);
}

#[test]
fn a_quiet_autoscaler_skips_its_rounds_as_round_by_round_would_and_years_pass_quickly() {
    // Fact sheet §28: every 15 s a round; once the load is gone and the
    // count holds, the rounds are arithmetic (the clock's invariant:
    // advance == advance_stepwise).
    let mut a = World::default_world();
    hpa(&mut a, "100m");
    edit(
        &mut a,
        r#"{"kind":"set_hpa","region":"us-west-2","app":"appointments-api","mode":"on","min":"2","max":"6","target_cpu":"50","cpu_request":""}"#,
    );
    burst(&mut a, 1_000);
    let mut b = a.clone();
    a.advance(2 * 3_600_000);
    b.advance_stepwise(2 * 3_600_000);
    assert!(a == b, "the worlds differ");
    assert_eq!(pods(&a), 2);
    let started = std::time::Instant::now();
    a.advance(10 * 365 * 24 * 3_600_000);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let live = a.live_state();
    assert_eq!(live.autoscalers.len(), 2);
    assert!(live
        .autoscalers
        .iter()
        .all(|h| h.next_round_ms > a.now_ms()));
}

#[test]
fn probes_with_their_own_timings_settle_like_the_defaults_over_a_long_advance() {
    // Fact sheet §14: a probe round that changes nothing but its due time
    // and a counter is arithmetic, on each probe's own period; the result
    // equals running every round.
    let mut a = World::default_world();
    probe(&mut a, "readiness", (0, 1, 1, 2, 2));
    probe(&mut a, "liveness", (0, 7, 1, 1, 4));
    a.set_fault(
        Fault::TargetUnhealthy {
            pod: "pod-a-2".into(),
        },
        true,
    );
    a.advance(3_000);
    let mut b = a.clone();
    a.advance(3_600_000);
    b.advance_stepwise(3_600_000);
    assert!(a == b, "the worlds differ");
    assert!(!a.pod_ready("pod-a-2") && a.pod_ready("pod-a-1"));
    let started = std::time::Instant::now();
    a.advance(10 * 365 * 24 * 3_600_000);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
