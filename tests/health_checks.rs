//! Health checks in full: Route 53's check types, string matching,
//! request intervals and thresholds, checker Regions, inverted, disabled
//! and calculated checks, endpoints anywhere in the world (fact sheet §4),
//! and ALB target-group health checks (fact sheet §8). Section numbers
//! refer to ../shared/reference/aws-facts.md.

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::edit::{Edit, EditError};
use hoplab::sim::request::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::route53::probe::CheckTarget;
use hoplab::sim::scenario::*;
use hoplab::sim::world::TargetState;
use hoplab::sim::{Fault, Request, World};

// ----------------------------------------------------------------- helpers

fn world(s: Scenario) -> World {
    World::new(s, 7).expect("valid scenario")
}

/// Every pod of a region answers 500 (health endpoint included).
fn break_region_app(w: &mut World, region: &str) {
    let pods: Vec<String> = w
        .scenario()
        .region(region)
        .expect("region")
        .cluster
        .pods
        .iter()
        .map(|p| p.id.clone())
        .collect();
    for pod in pods {
        w.set_fault(Fault::TargetUnhealthy { pod }, true);
    }
}

/// The default scenario with hc-cluster-a changed by `f`.
fn with_check_a(f: impl FnOnce(&mut HealthCheck)) -> Scenario {
    let mut s = default_scenario();
    f(&mut s.dns.health_checks[0]);
    s
}

/// Seconds from now until hc-cluster-a turns unhealthy (advancing 1 s at a time).
fn seconds_until_unhealthy(w: &mut World, limit_s: u64) -> Option<u64> {
    (1..=limit_s).find(|_| {
        w.advance(1_000);
        !w.health_check_healthy("hc-cluster-a")
    })
}

fn set_hc(id: &str) -> Edit {
    Edit::SetHealthCheck {
        id: id.into(),
        check_type: String::new(),
        search_string: String::new(),
        endpoint: String::new(),
        port: String::new(),
        checker_regions: String::new(),
        inverted: String::new(),
        disabled: String::new(),
        children: String::new(),
        rule: String::new(),
    }
}

// ------------------------------------------------- Route 53 (fact sheet §4)

/// §4: an inverted check is healthy when its endpoint fails.
#[test]
fn an_inverted_check_on_a_failed_endpoint_reports_healthy() {
    let mut w = world(with_check_a(|h| h.inverted = true));
    break_region_app(&mut w, "us-east-1");
    w.advance(200_000);
    assert!(w.health_check_healthy("hc-cluster-a"));
    // And the same check on a working endpoint is unhealthy.
    let mut ok = world(with_check_a(|h| h.inverted = true));
    ok.advance(200_000);
    assert!(!ok.health_check_healthy("hc-cluster-a"));
}

/// §4: a disabled check is always healthy, whatever the endpoint does.
#[test]
fn a_disabled_check_is_healthy_while_its_endpoint_fails() {
    let mut w = world(with_check_a(|h| h.disabled = true));
    break_region_app(&mut w, "us-east-1");
    w.advance(300_000);
    assert!(w.health_check_healthy("hc-cluster-a"));
    let mut plain = world(default_scenario());
    break_region_app(&mut plain, "us-east-1");
    plain.advance(300_000);
    assert!(!plain.health_check_healthy("hc-cluster-a"));
}

/// §4: HTTPS_STR_MATCH passes only when the search string is in the body.
#[test]
fn a_string_match_check_fails_when_the_page_lacks_the_string() {
    let mut lacks = world(with_check_a(|h| {
        h.check_type = CheckType::HttpsStrMatch;
        h.search_string = "Appointments".into();
    }));
    lacks.advance(200_000);
    assert!(!lacks.health_check_healthy("hc-cluster-a"));
    let mut has = world(with_check_a(|h| {
        h.check_type = CheckType::HttpsStrMatch;
        h.search_string = "\"status\":\"ok\"".into();
    }));
    has.advance(200_000);
    assert!(has.health_check_healthy("hc-cluster-a"));
}

/// §4: the search string is case-sensitive.
#[test]
fn a_string_match_is_case_sensitive() {
    let mut w = world(with_check_a(|h| {
        h.check_type = CheckType::HttpsStrMatch;
        h.search_string = "OK".into();
    }));
    w.advance(200_000);
    assert!(!w.health_check_healthy("hc-cluster-a"));
}

/// §4: time to fail ≈ request interval × failure threshold: 10 s × 3 ≈ 30 s,
/// 30 s × 3 ≈ 90 s.
#[test]
fn with_interval_10_s_and_threshold_3_failover_takes_about_30_s_and_with_30_s_about_90_s() {
    let mut fast = world(with_check_a(|h| h.interval_s = 10));
    break_region_app(&mut fast, "us-east-1");
    let t_fast = seconds_until_unhealthy(&mut fast, 200).expect("turns unhealthy");
    assert!((20..=40).contains(&t_fast), "10 s x 3 took {t_fast} s");

    let mut slow = world(default_scenario());
    break_region_app(&mut slow, "us-east-1");
    let t_slow = seconds_until_unhealthy(&mut slow, 300).expect("turns unhealthy");
    assert!((60..=100).contains(&t_slow), "30 s x 3 took {t_slow} s");
    assert!(t_slow > 2 * t_fast);
}

/// §4: a TCP check passes on a connection; the application's 500 does not matter.
#[test]
fn a_tcp_check_passes_on_a_connection_even_when_the_application_answers_500() {
    let mut tcp = world(with_check_a(|h| h.check_type = CheckType::Tcp));
    break_region_app(&mut tcp, "us-east-1");
    tcp.advance(200_000);
    assert!(tcp.health_check_healthy("hc-cluster-a"));
    // The live state names the probe of a check other than HTTPS to its ALB.
    let live = tcp.live_state();
    let hc = &live.health_checks[0];
    assert!(hc.own_probe && hc.check_type == Some(CheckType::Tcp));
    assert!(!live.health_checks[1].own_probe);
    assert!(live
        .render_text()
        .contains("probe: TCP port 443 to the ALB in us-east-1"));
}

/// §4: a TCP check on a port nothing listens on fails.
#[test]
fn a_tcp_check_on_a_port_without_a_listener_fails() {
    let mut w = world(with_check_a(|h| {
        h.check_type = CheckType::Tcp;
        h.port = 8443;
    }));
    w.advance(200_000);
    assert!(!w.health_check_healthy("hc-cluster-a"));
}

/// §4, §8: an HTTP check on the ALB's HTTPS listener gets the ALB's own 400
/// (4xx fails the check).
#[test]
fn an_http_check_against_the_https_listener_fails_with_the_albs_400() {
    let mut w = world(with_check_a(|h| {
        h.check_type = CheckType::Http;
        h.port = 443;
    }));
    w.advance(200_000);
    assert!(!w.health_check_healthy("hc-cluster-a"));
    let hist = &w.health("hc-cluster-a").unwrap().history;
    assert!(hist.last().unwrap().2.starts_with("HTTP 400"));
}

/// §4: a check may name any endpoint: the CloudFront distribution's domain.
#[test]
fn a_check_on_the_cloudfront_domain_probes_the_distribution_and_passes() {
    let cf = default_scenario().cdn.domain.clone();
    let s = with_check_a(|h| {
        h.domain = Some(cf);
        h.region = String::new();
        // The home page (the distribution sends /healthz to no origin that has it).
        h.path = "/".into();
    });
    let mut w = world(s);
    let hc = w.scenario().dns.health_checks[0].clone();
    assert_eq!(w.check_target(&hc), CheckTarget::CloudFront { pop: 0 });
    w.advance(200_000);
    let last = &w.health("hc-cluster-a").unwrap().history;
    assert!(w.health_check_healthy("hc-cluster-a"), "{last:?}");
}

/// §4: a check on one ALB node's public address reaches that ALB.
#[test]
fn a_check_on_an_alb_nodes_public_ip_probes_that_alb() {
    let s = default_scenario();
    let ip = s.regions[1].alb.nodes[0].public_ip;
    let mut w = world(with_check_a(|h| h.ip = Some(ip)));
    let hc = w.scenario().dns.health_checks[0].clone();
    assert_eq!(
        w.check_target(&hc),
        CheckTarget::Alb {
            region: 1,
            node: Some(ip)
        }
    );
    // us-east-1's app is broken, but the check looks at the other region.
    break_region_app(&mut w, "us-east-1");
    w.advance(200_000);
    assert!(w.health_check_healthy("hc-cluster-a"));
}

/// §4: a public address nothing answers at is unhealthy.
#[test]
fn a_check_on_an_address_nothing_answers_at_turns_unhealthy() {
    let mut w = world(with_check_a(|h| h.ip = Some([198, 51, 100, 77].into())));
    w.advance(200_000);
    assert!(!w.health_check_healthy("hc-cluster-a"));
}

/// §4: Route 53 cannot check private addresses, such as a worker node's.
#[test]
fn a_check_on_a_worker_nodes_private_address_is_refused() {
    let s = default_scenario();
    let node = &s.regions[0].cluster.nodes[0];
    let ip = s.regions[0]
        .vpc
        .subnet(&node.subnet)
        .and_then(|n| n.host(node.host))
        .expect("node address");
    let err = World::new(with_check_a(|h| h.ip = Some(ip)), 1).unwrap_err();
    assert!(err.contains("private or non-routable"), "{err}");
}

/// §4: a custom checker set needs at least 3 Regions; each checker Region's
/// own view is kept.
#[test]
fn a_custom_checker_set_needs_three_regions_and_each_keeps_its_own_view() {
    let two = with_check_a(|h| h.checker_regions = vec!["us-east-1".into(), "eu-west-1".into()]);
    assert!(World::new(two, 1).is_err());
    let three = with_check_a(|h| {
        h.checker_regions = vec!["us-west-1".into(), "eu-west-1".into(), "sa-east-1".into()];
        h.checkers = 3;
    });
    let mut w = world(three);
    w.advance(40_000);
    let regions: Vec<&str> = w
        .health_checkers("hc-cluster-a")
        .iter()
        .map(|c| c.region.as_str())
        .collect();
    assert_eq!(regions, ["us-west-1", "eu-west-1", "sa-east-1"]);
    let live = w.live_state();
    let hc = &live.health_checks[0];
    assert_eq!(hc.checkers.len(), 3);
    assert!(hc.checkers.iter().all(|c| c.recent == vec![true]));
}

/// §4: string matching needs a search string of 1-255 characters.
#[test]
fn a_string_match_check_without_a_search_string_is_refused() {
    let err = World::new(with_check_a(|h| h.check_type = CheckType::HttpStrMatch), 1).unwrap_err();
    assert!(err.contains("search_string"), "{err}");
    let long = with_check_a(|h| {
        h.check_type = CheckType::HttpStrMatch;
        h.search_string = "x".repeat(256);
    });
    assert!(World::new(long, 1).is_err());
}

/// §4: the edit sets type, string, endpoint and flags; the inspector shows them.
#[test]
fn set_health_check_changes_the_probe_and_the_inspector_shows_it() {
    let mut w = World::default_world();
    let Edit::SetHealthCheck {
        id,
        check_type,
        search_string,
        ..
    } = set_hc("hc-cluster-a")
    else {
        unreachable!()
    };
    w.apply_edit(&Edit::SetHealthCheck {
        id,
        check_type: "https_str_match".into(),
        search_string: search_string + "ok",
        endpoint: String::new(),
        port: String::new(),
        checker_regions: "us-east-1, eu-west-1, ap-northeast-1".into(),
        inverted: "true".into(),
        disabled: String::new(),
        children: String::new(),
        rule: String::new(),
    })
    .expect("edit applies");
    let hc = &w.scenario().dns.health_checks[0];
    assert_eq!(hc.check_type, CheckType::HttpsStrMatch);
    assert_eq!(hc.search_string, "ok");
    assert!(hc.inverted);
    assert_eq!(hc.checker_regions.len(), 3);
    let _ = check_type;
    let rows = w.inspect("route53");
    let probe = rows
        .iter()
        .find(|(k, _)| k == "hc-cluster-a probe")
        .expect("a probe row");
    assert!(
        probe.1.starts_with("HTTPS_STR_MATCH port 443 /healthz"),
        "{}",
        probe.1
    );
    assert!(probe.1.contains("INVERTED"));
    assert!(rows.iter().any(|(k, _)| k == "hc-cluster-a checkers"));

    // An endpoint of its own, then back to the region's ALB.
    let mut e = set_hc("hc-cluster-b");
    if let Edit::SetHealthCheck { endpoint, .. } = &mut e {
        *endpoint = "healthcareapp.com".into();
    }
    w.apply_edit(&e).expect("domain endpoint");
    assert_eq!(
        w.scenario().dns.health_checks[1].domain.as_deref(),
        Some("healthcareapp.com")
    );
    if let Edit::SetHealthCheck { endpoint, .. } = &mut e {
        *endpoint = "alb".into();
    }
    w.apply_edit(&e).expect("back to the ALB");
    assert_eq!(w.scenario().dns.health_checks[1].domain, None);
}

/// §4: bad values are refused whole and change nothing.
#[test]
fn bad_set_health_check_edits_are_refused_and_change_nothing() {
    let mut w = World::default_world();
    let before = w.clone();
    let bad = |f: &dyn Fn(&mut Edit)| {
        let mut e = set_hc("hc-cluster-a");
        f(&mut e);
        e
    };
    let cases = [
        bad(&|e| {
            if let Edit::SetHealthCheck { check_type, .. } = e {
                *check_type = "ICMP".into();
            }
        }),
        bad(&|e| {
            if let Edit::SetHealthCheck { check_type, .. } = e {
                *check_type = "HTTP_STR_MATCH".into();
            }
        }),
        bad(&|e| {
            if let Edit::SetHealthCheck { endpoint, .. } = e {
                *endpoint = "10.0.1.10".into();
            }
        }),
        bad(&|e| {
            if let Edit::SetHealthCheck {
                checker_regions, ..
            } = e
            {
                *checker_regions = "us-east-1 eu-west-1".into();
            }
        }),
        bad(&|e| {
            if let Edit::SetHealthCheck { port, .. } = e {
                *port = "0".into();
            }
        }),
        bad(&|e| {
            if let Edit::SetHealthCheck { inverted, .. } = e {
                *inverted = "maybe".into();
            }
        }),
    ];
    for e in &cases {
        let err = w.apply_edit(e).expect_err("refused");
        assert!(
            matches!(err, EditError::Parse(_) | EditError::Invalid(_)),
            "{err:?}"
        );
        assert_eq!(w, before);
    }
    let err = w.apply_edit(&set_hc("hc-nope")).unwrap_err();
    assert!(matches!(err, EditError::Unknown { .. }));
    assert_eq!(w, before);
}

/// §4: old scenario files and the older edit kinds still read; the new
/// kind reads with only the fields it sets.
#[test]
fn older_health_check_files_and_edit_kinds_still_read() {
    let old: HealthCheck =
        serde_json::from_str(r#"{"id":"hc-x","region":"us-east-1","path":"/healthz"}"#).unwrap();
    assert_eq!(old.check_type, CheckType::Https);
    assert_eq!(old.ip, None);
    let e: Edit = serde_json::from_str(
        r#"{"kind":"change_health_check","id":"hc-cluster-a","path":"/healthz","failure_threshold":"2"}"#,
    )
    .unwrap();
    assert!(matches!(e, Edit::ChangeHealthCheck { .. }));
    let e: Edit =
        serde_json::from_str(r#"{"kind":"set_health_check","id":"hc-cluster-a","type":"TCP"}"#)
            .unwrap();
    let mut w = World::default_world();
    w.apply_edit(&e).unwrap();
    assert_eq!(w.scenario().dns.health_checks[0].check_type, CheckType::Tcp);
    // The default scenario serializes without any of the new fields.
    let json = serde_json::to_string(&default_scenario().dns.health_checks[0]).unwrap();
    assert!(!json.contains("search_string") && !json.contains("\"type\""));
}

/// §4: a calculated check's children: at least N of M; a disabled child
/// counts as healthy.
#[test]
fn a_calculated_check_counts_a_disabled_child_as_healthy() {
    let mut s = default_scenario();
    s.dns.health_checks[0].disabled = true;
    let mut parent = s.dns.health_checks[0].clone();
    parent.id = "hc-both".into();
    parent.disabled = false;
    parent.calculated = Some(Calculated {
        children: vec!["hc-cluster-a".into(), "hc-cluster-b".into()],
        rule: CalcRule::All,
    });
    s.dns.health_checks.push(parent);
    let mut w = world(s);
    break_region_app(&mut w, "us-east-1");
    w.advance(200_000);
    assert!(w.health_check_healthy("hc-both"));
    break_region_app(&mut w, "us-west-2");
    w.advance(200_000);
    assert!(!w.health_check_healthy("hc-both"));
}

// ------------------------------------------ ALB target groups (fact sheet §8)

fn set_tg_health(tg: &str) -> Edit {
    Edit::SetTargetGroupHealth {
        target_group: tg.into(),
        health_protocol: String::new(),
        health_port: String::new(),
        matcher: String::new(),
        health_timeout_s: String::new(),
        health_path: String::new(),
        health_interval_s: String::new(),
        healthy_threshold: String::new(),
        unhealthy_threshold: String::new(),
    }
}

/// The default scenario where us-east-1's application answers `path` with
/// `status`, and its target group checks `path` with `matcher`.
fn tg_checking(path: &str, status: u16, matcher: &str) -> Scenario {
    let mut s = default_scenario();
    let r = &mut s.regions[0];
    r.cluster.app_answers.push(AppPathAnswer {
        path: path.into(),
        status,
    });
    r.alb.target_groups[0].health_path = path.into();
    r.alb.target_groups[0].matcher = matcher.into();
    s
}

fn pods_of(w: &World, region: &str) -> Vec<String> {
    w.scenario()
        .region(region)
        .unwrap()
        .cluster
        .pods
        .iter()
        .map(|p| p.id.clone())
        .collect()
}

fn all_unhealthy(w: &World, region: &str) -> bool {
    pods_of(w, region)
        .iter()
        .all(|p| w.target_health(p).unwrap().state == TargetState::Unhealthy)
}

/// §8: a matcher of 200-299 does not accept the application's 302.
#[test]
fn a_matcher_200_299_against_a_302_answer_turns_the_targets_unhealthy() {
    let mut w = world(tg_checking("/login", 302, "200-299"));
    w.advance(60_000);
    assert!(all_unhealthy(&w, "us-east-1"));
    let pod = &pods_of(&w, "us-east-1")[0];
    assert!(w
        .target_health(pod)
        .unwrap()
        .reason
        .starts_with("Target.ResponseCodeMismatch (HTTP 302"));
    // 200,302 accepts it.
    let mut ok = world(tg_checking("/login", 302, "200,302"));
    ok.advance(60_000);
    assert!(pods_of(&ok, "us-east-1")
        .iter()
        .all(|p| ok.target_health(p).unwrap().state == TargetState::Healthy));
}

/// §8: a health-check path the application answers with 404 fails the
/// default matcher (200).
#[test]
fn a_health_path_the_app_answers_with_404_makes_targets_unhealthy_under_the_default_matcher() {
    let mut w = world(tg_checking("/", 404, "200"));
    w.advance(60_000);
    assert!(all_unhealthy(&w, "us-east-1"));
    // The other region's group checks /healthz and stays healthy.
    assert!(pods_of(&w, "us-west-2")
        .iter()
        .all(|p| w.target_health(p).unwrap().state == TargetState::Healthy));
}

/// §8: a newly registered target is `initial` until it passes one health
/// check, and gets no traffic until then.
#[test]
fn a_new_target_receives_no_traffic_until_it_passes_its_first_check() {
    let mut w = World::default_world();
    let before = pods_of(&w, "us-east-1");
    w.apply_edit(&Edit::ScalePods {
        region: "us-east-1".into(),
        app: "appointments-api".into(),
        replicas: (before.len() + 1).to_string(),
    })
    .expect("scale up");
    let new = pods_of(&w, "us-east-1")
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("a new pod");
    let h = w.target_health(&new).unwrap();
    assert_eq!(h.state, TargetState::Initial);
    assert_eq!(h.reason, "Elb.InitialHealthChecking");
    let live = w.live_state();
    let t = live
        .target_groups
        .iter()
        .flat_map(|g| &g.targets)
        .find(|t| t.id == new)
        .unwrap();
    assert_eq!(t.status, hoplab::sim::event::alb::TargetStatus::Initial);
    let served = |w: &mut World| -> Vec<Option<String>> {
        (0..12)
            .map(|_| {
                w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store())
                    .outcome
                    .pod
            })
            .collect()
    };
    let early = served(&mut w);
    assert!(early.iter().all(|p| p.is_some()));
    assert!(!early.contains(&Some(new.clone())), "{early:?}");
    // One passed check (the group checks every 15 s) and it is healthy.
    w.advance(16_000);
    assert_eq!(w.target_health(&new).unwrap().state, TargetState::Healthy);
    let later = served(&mut w);
    assert!(later.contains(&Some(new.clone())), "{later:?}");
}

/// §8: the ALB's health check sends `Host: <target private IP>:<port>`.
#[test]
fn the_alb_health_check_sends_the_targets_private_ip_and_port_as_host() {
    let w = World::default_world();
    let live = w.live_state();
    let g = &live.target_groups[0];
    let s = w.scenario();
    let pod = &s.regions[0].cluster.pods[0];
    let ip = s.regions[0]
        .vpc
        .subnet(&pod.subnet)
        .and_then(|n| n.host(pod.host))
        .unwrap();
    let t = g.targets.iter().find(|t| t.id == pod.id).unwrap();
    assert_eq!(t.check_host, format!("{ip}:8080"));
    let hc = g.health_check.as_ref().unwrap();
    assert_eq!((hc.port, hc.matcher.as_str()), (None, "200"));
}

/// §8: a health-check port other than the traffic port: nothing listens there.
#[test]
fn a_health_check_on_a_port_the_application_does_not_listen_on_fails() {
    let mut s = default_scenario();
    s.regions[0].alb.target_groups[0].health_port = Some(9090);
    let mut w = world(s);
    let live = w.live_state();
    assert!(live.target_groups[0].targets[0]
        .check_host
        .ends_with(":9090"));
    w.advance(60_000);
    assert!(all_unhealthy(&w, "us-east-1"));
}

/// §8: an HTTPS health check on a target that speaks plain HTTP fails.
#[test]
fn an_https_health_check_on_a_plain_http_target_fails() {
    let mut s = default_scenario();
    s.regions[0].alb.target_groups[0].health_protocol = HealthProtocol::Https;
    let mut w = world(s);
    w.advance(60_000);
    assert!(all_unhealthy(&w, "us-east-1"));
}

/// §8: the edit sets protocol, port, matcher and timeout; the inspector
/// lists them; bad values are refused and change nothing.
#[test]
fn set_target_group_health_edits_the_check_and_refuses_bad_values() {
    let mut w = World::default_world();
    let tg = w.scenario().regions[0].alb.target_groups[0].id.clone();
    let mut e = set_tg_health(&tg);
    if let Edit::SetTargetGroupHealth {
        matcher,
        health_timeout_s,
        health_port,
        ..
    } = &mut e
    {
        *matcher = "200-299, 302".into();
        *health_timeout_s = "10".into();
        *health_port = "8080".into();
    }
    w.apply_edit(&e).expect("applies");
    let g = &w.scenario().regions[0].alb.target_groups[0];
    assert_eq!(
        (g.matcher.as_str(), g.health_timeout_s, g.health_port),
        ("200-299,302", 10, Some(8080))
    );
    let rows = w.inspect(&w.scenario().regions[0].alb.id.clone());
    let row = rows
        .iter()
        .find(|(k, _)| k == &format!("{tg} health check"))
        .expect("a health check row");
    assert!(row.1.contains("success codes 200-299,302"), "{}", row.1);

    let before = w.clone();
    for (field, value) in [
        ("matcher", "500"),
        ("matcher", "299-200"),
        ("health_timeout_s", "1"),
        ("health_protocol", "TCP"),
        ("health_port", "0"),
        ("unhealthy_threshold", "11"),
    ] {
        let mut e = set_tg_health(&tg);
        if let Edit::SetTargetGroupHealth {
            matcher,
            health_timeout_s,
            health_protocol,
            health_port,
            unhealthy_threshold,
            ..
        } = &mut e
        {
            let slot = match field {
                "matcher" => matcher,
                "health_timeout_s" => health_timeout_s,
                "health_protocol" => health_protocol,
                "health_port" => health_port,
                _ => unhealthy_threshold,
            };
            *slot = value.into();
        }
        let err = w.apply_edit(&e).expect_err(field);
        assert!(
            matches!(err, EditError::Parse(_) | EditError::OutOfRange { .. }),
            "{field}: {err:?}"
        );
        assert_eq!(w, before);
    }
}

/// §8: a scenario's matcher must be codes 200-499.
#[test]
fn a_matcher_outside_200_499_is_refused_in_a_scenario() {
    let mut s = default_scenario();
    s.regions[0].alb.target_groups[0].matcher = "200-599".into();
    let err = World::new(s, 1).unwrap_err();
    assert!(err.contains("200-499"), "{err}");
}

/// §4: set_health_check turns a check into a calculated one (at least N of
/// M children) and back; a bad rule or an unknown child is refused.
#[test]
fn set_health_check_makes_a_calculated_check_of_children_and_refuses_bad_rules() {
    let mut w = World::default_world();
    w.apply_edit(&Edit::CreateHealthCheck {
        id: "hc-parent".into(),
        region: "us-east-1".into(),
        path: "/healthz".into(),
        interval_s: "30".into(),
        failure_threshold: "3".into(),
    })
    .unwrap();
    let mut e = set_hc("hc-parent");
    if let Edit::SetHealthCheck { children, rule, .. } = &mut e {
        *children = "hc-cluster-a, hc-cluster-b".into();
        *rule = "at_least 2".into();
    }
    w.apply_edit(&e).expect("calculated");
    let calc = w.scenario().dns.health_checks[2]
        .calculated
        .clone()
        .unwrap();
    assert_eq!(calc.rule, CalcRule::AtLeast(2));
    assert!(w.health_checkers("hc-parent").is_empty());
    break_region_app(&mut w, "us-west-2");
    w.advance(200_000);
    assert!(
        !w.health_check_healthy("hc-parent"),
        "1 of 2 is not at least 2"
    );

    let before = w.clone();
    for (kids, r) in [
        ("hc-cluster-a", "at_least 3"),
        ("hc-nope", "all"),
        ("", "most"),
    ] {
        let mut e = set_hc("hc-parent");
        if let Edit::SetHealthCheck { children, rule, .. } = &mut e {
            *children = kids.into();
            *rule = r.into();
        }
        assert!(w.apply_edit(&e).is_err(), "{kids} {r}");
        assert_eq!(w, before);
    }
    // Back to probing.
    let mut e = set_hc("hc-parent");
    if let Edit::SetHealthCheck { children, .. } = &mut e {
        *children = "-".into();
    }
    w.apply_edit(&e).expect("probing again");
    assert!(w.scenario().dns.health_checks[2].calculated.is_none());
    assert_eq!(w.health_checkers("hc-parent").len(), 8);
}

/// §4, §8: advancing at once and round by round leave the same world with
/// the new settings (a TCP check, a string match, a 404 health path, a
/// matcher, a new target in initial).
#[test]
fn advancing_at_once_equals_advancing_round_by_round_with_the_new_settings() {
    let mut s = tg_checking("/", 404, "200-299");
    s.dns.health_checks[0].check_type = CheckType::Tcp;
    s.dns.health_checks[1].check_type = CheckType::HttpsStrMatch;
    s.dns.health_checks[1].search_string = "ok".into();
    let mut a = world(s);
    a.apply_edit(&Edit::ScalePods {
        region: "us-west-2".into(),
        app: "appointments-api".into(),
        replicas: "5".into(),
    })
    .unwrap();
    let mut b = a.clone();
    for span in [7_000, 95_000, 3_600_000] {
        a.advance(span);
        b.advance_stepwise(span);
        assert_eq!(a, b);
    }
}
