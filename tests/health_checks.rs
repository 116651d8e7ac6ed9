//! Health checks in full: Route 53's check types, string matching,
//! request intervals and thresholds, checker Regions, inverted, disabled
//! and calculated checks, endpoints anywhere in the world (fact sheet §4),
//! and ALB target-group health checks (fact sheet §8). Section numbers
//! refer to ../shared/reference/aws-facts.md.

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::edit::{Edit, EditError};
use hoplab::sim::route53::probe::CheckTarget;
use hoplab::sim::scenario::*;
use hoplab::sim::{Fault, World};

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
