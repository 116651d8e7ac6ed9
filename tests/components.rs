//! Component behaviour beyond the default journey: ALB rules and targets,
//! Kubernetes, CloudFront caching and origins, WAF, RDS, bursts, scripts
//! and scenario files. Section numbers refer to
//! ../shared/reference/aws-facts.md.

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::event::alb::{
    AlbError, Caller, ConnectResult, CookieNote, ListenerAction, ListenerDefault, NoTargets,
    PickHow,
};
use hoplab::sim::event::{AlbEvent, AppEvent, Event};
use hoplab::sim::net::PortRange;
use hoplab::sim::scenario::*;
use hoplab::sim::script::Script;
use hoplab::sim::trace::{Code, Direction, Verdict};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Fault, Request, Trace, World};

fn world(f: impl FnOnce(&mut Scenario)) -> World {
    let mut s = default_scenario();
    f(&mut s);
    World::new(s, 1).expect("test scenario is valid")
}

/// A GET with the browser's HTTP cache off (DevTools' "Disable cache"):
/// these tests look at the AWS components, which every request reaches.
fn get(w: &mut World, url: &str) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, url).no_store())
}

fn hop_with<'a>(t: &'a Trace, needle: &str) -> Option<&'a hoplab::sim::Hop> {
    t.hops
        .iter()
        .find(|h| h.what.contains(needle) || h.why.contains(needle))
}

fn region_a(s: &mut Scenario) -> &mut Region {
    &mut s.regions[0]
}

/// The first hop whose ALB event satisfies `f`.
fn alb_hop(t: &Trace, f: impl Fn(&AlbEvent) -> bool) -> Option<&hoplab::sim::Hop> {
    t.hops
        .iter()
        .find(|h| matches!(&h.event, Event::Alb(e) if f(e)))
}

/// The first hop whose Kubernetes / application / RDS event satisfies `f`.
fn app_hop(t: &Trace, f: impl Fn(&AppEvent) -> bool) -> Option<&hoplab::sim::Hop> {
    t.hops
        .iter()
        .find(|h| matches!(&h.event, Event::App(e) if f(e)))
}

/// Serve /api/* and / from CloudFront straight through (no caching), so
/// ALB-level behaviour is visible on every request.
fn api(path: &str) -> String {
    format!("https://healthcareapp.com{path}")
}

// ------------------------------------------------------------------ ALB

#[test]
fn the_json_trace_carries_the_matching_listener_rule_and_the_target_pick_as_data() {
    // §8: rules are tried by priority; the first whose conditions all hold
    // forwards, and the target group picks round robin by default.
    let t = get(&mut World::default_world(), DEFAULT_URL);
    let json = serde_json::to_value(&t).unwrap();
    let hops = json["hops"].as_array().unwrap();
    let event = |kind: &str| {
        hops.iter()
            .map(|h| &h["event"])
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
            .clone()
    };
    let rule = event("rule_match");
    assert_eq!(rule["component"], "alb");
    assert_eq!(rule["action"]["action"], "forward");
    assert_eq!(rule["action"]["target_group"], "tg-appointments-a");
    assert_eq!(rule["origin"]["by"], "ingress");
    let matched = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Alb(AlbEvent::RuleMatch {
                priority,
                conditions,
                ..
            }) => Some((*priority, conditions.clone())),
            _ => None,
        })
        .unwrap();
    assert!(matches!(&matched.1[..], [Condition::PathPattern { values }]
        if values.iter().any(|v| v == "/api/*")));
    let checks = &t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::Alb(AlbEvent::RuleMatch { .. })))
        .unwrap()
        .checks;
    assert_eq!(
        checks.last().and_then(|c| c.rule.clone()),
        Some(hoplab::sim::trace::RuleRef::ListenerRule {
            priority: matched.0
        }),
        "the last rule tried is the one that matched"
    );
    let pick = event("target_pick");
    assert_eq!(pick["how"]["how"], "algorithm");
    assert_eq!(pick["how"]["algorithm"], "round_robin");
    assert!(pick["candidates"].as_array().unwrap().len() >= 2);
}

#[test]
fn a_path_no_listener_rule_matches_gets_the_default_fixed_response() {
    // §8: the default rule is evaluated last.
    let mut w = world(|s| s.cdn.behaviors[0].path_pattern = "/*".into());
    let t = get(&mut w, &api("/nothing-here"));
    assert_eq!(t.outcome.status, Some(404));
    assert_eq!(t.outcome.decided_by, "alb-a");
    assert_eq!(t.outcome.code, Code::ListenerDefaultAction);
    assert!(!t.hops.iter().any(|h| h.to.starts_with("pod-")));
}

#[test]
fn listener_rules_run_by_priority_and_a_header_condition_can_win_first() {
    // §8: lowest priority number first; all conditions must hold.
    let mut w = world(|s| {
        region_a(s).alb.listener.rules.push(ListenerRule {
            priority: 1000,
            conditions: vec![Condition::PathPattern {
                values: vec!["/api/*".into()],
            }],
            action: AlbAction::FixedResponse {
                status: 503,
                body: "maintenance".into(),
            },
            from_ingress_path: String::new(),
            from_ingress: String::new(),
        });
        for r in region_a(s).alb.listener.rules.iter_mut() {
            if r.priority == 1000 {
                r.priority = 1;
                r.conditions.push(Condition::HttpHeader {
                    name: "X-Maintenance".into(),
                    values: vec!["on".into()],
                });
            } else {
                r.priority += 10;
            }
        }
    });
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(
        t.outcome.status,
        Some(200),
        "without the header, rule 1 does not hold"
    );
    let t = w.send(&Request {
        headers: vec![("x-maintenance".into(), "ON".into())],
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(503));
    assert_eq!(t.outcome.decided_by, "alb-a");
}

#[test]
fn a_source_ip_condition_sees_cloudfront_not_the_viewer() {
    // §8: source-ip matches the TCP peer, never X-Forwarded-For.
    let viewer: ipnet::Ipv4Net = "203.0.113.0/24".parse().unwrap();
    let mut w = world(|s| {
        let rules = &mut region_a(s).alb.listener.rules;
        for r in rules.iter_mut() {
            r.priority += 10;
        }
        rules.push(ListenerRule {
            priority: 1,
            conditions: vec![Condition::SourceIp {
                values: vec![viewer],
            }],
            action: AlbAction::FixedResponse {
                status: 403,
                body: String::new(),
            },
            from_ingress_path: String::new(),
            from_ingress: String::new(),
        });
    });
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(
        t.outcome.status,
        Some(200),
        "the ALB's peer is the edge, so the viewer rule never holds"
    );
    let tried = t
        .hops
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.rule == Some(hoplab::sim::trace::RuleRef::ListenerRule { priority: 1 }))
        .expect("the source-ip rule was tried first");
    assert!(
        tried
            .decided_by
            .contains("source IP 203.0.113.0/24 does not hold"),
        "{}",
        tried.decided_by
    );
}

/// Whether a first listener rule with this one condition catches the request.
fn first_rule_catches(condition: Condition, req: Request) -> bool {
    let mut w = world(|s| {
        let rules = &mut region_a(s).alb.listener.rules;
        for r in rules.iter_mut() {
            r.priority += 10;
        }
        rules.push(ListenerRule {
            priority: 1,
            conditions: vec![condition],
            action: AlbAction::FixedResponse {
                status: 418,
                body: "caught".into(),
            },
            from_ingress_path: String::new(),
            from_ingress: String::new(),
        });
    });
    let t = w.send(&req);
    t.outcome.status == Some(418) && t.outcome.decided_by == "alb-a"
}

#[test]
fn host_method_and_query_conditions_match_as_the_alb_documents() {
    // §8 "Condition matching details": host case-insensitive with wildcards
    // (and behind CloudFront the Host is the origin's name); method exact and
    // case-sensitive; query key/value case-insensitive with wildcards.
    let host = |v: &str| Condition::HostHeader {
        values: vec![v.into()],
    };
    let get = || Request::get(DEFAULT_CLIENT, DEFAULT_URL);
    assert!(first_rule_catches(host("*.HealthcareApp.com"), get()));
    assert!(first_rule_catches(
        host("api-origin.healthcareapp.com"),
        get()
    ));
    assert!(
        !first_rule_catches(host("healthcareapp.com"), get()),
        "CloudFront sends the origin's name as Host, not the viewer's"
    );
    let method = |v: &str| Condition::HttpRequestMethod {
        values: vec![v.into()],
    };
    let post = || Request {
        method: "POST".into(),
        body: "patient=ann&slot=10:30".into(),
        ..get()
    };
    assert!(first_rule_catches(method("POST"), post()));
    assert!(!first_rule_catches(method("post"), post()));
    assert!(!first_rule_catches(method("POST"), get()));
    let query = |key: Option<&str>, value: &str| Condition::QueryString {
        values: vec![QueryMatch {
            key: key.map(Into::into),
            value: value.into(),
        }],
    };
    let with_query = || Request::get(DEFAULT_CLIENT, &format!("{DEFAULT_URL}?Debug=TRUE&day=mon"));
    assert!(first_rule_catches(query(Some("debug"), "t*"), with_query()));
    assert!(first_rule_catches(query(None, "mon"), with_query()));
    assert!(!first_rule_catches(
        query(Some("debug"), "false"),
        with_query()
    ));
    assert!(!first_rule_catches(query(Some("debug"), "t*"), get()));
}

#[test]
fn a_redirect_action_answers_from_the_load_balancer_and_the_browser_follows_it() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §8: redirect 301/302 answered by the ALB; #{host} is the Host it received,
    // which behind CloudFront is the origin's name, so the browser leaves CloudFront.
    let mut w = world(|s| {
        s.cdn.behaviors[0].path_pattern = "/*".into();
        region_a(s).alb.listener.rules.push(ListenerRule {
            priority: 5,
            conditions: vec![Condition::PathPattern {
                values: vec!["/old-appointments".into()],
            }],
            action: AlbAction::Redirect {
                status: 301,
                protocol: None,
                host: None,
                port: None,
                path: Some("/api/appointments".into()),
            },
            from_ingress_path: String::new(),
            from_ingress: String::new(),
        });
    });
    let t = get(&mut w, &api("/old-appointments"));
    let redirect = alb_hop(&t, |e| {
        matches!(e, AlbEvent::RuleMatch {
            priority: 5,
            action: ListenerAction::Redirect { status: 301, location, kept_host: Some(host) },
            ..
        } if location == "https://api-origin.healthcareapp.com:443/api/appointments"
            && host == "api-origin.healthcareapp.com")
    })
    .unwrap();
    assert_eq!(redirect.from, "alb-a");
    assert!(redirect.why.contains("origin's name"), "{}", redirect.why);
    let follow = t
        .hops
        .iter()
        .position(|h| match &h.event {
            Event::Browser(BrowserEvent::Redirect {
                status: 301,
                method,
                location,
                ..
            }) => method == "GET" && location.starts_with("https://api-origin"),
            _ => false,
        })
        .expect("the browser follows the Location");
    assert!(
        !t.hops[follow..].iter().any(|h| h.to == "cloudfront"),
        "the second request goes straight to the ALB"
    );
    assert_eq!(t.outcome.status, Some(200));
    assert!(t.outcome.pod.is_some());
    assert!(
        t.outcome.summary.contains("after 1 redirect,"),
        "{}",
        t.outcome.summary
    );
}

#[test]
fn a_redirect_loop_ends_after_twenty_redirects_with_too_many_redirects() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §8 redirect action; the browser's limit is a named constant.
    let mut w = world(|s| {
        s.cdn.behaviors[0].path_pattern = "/*".into();
        // A rule changed by hand: the load balancer controller no longer
        // owns this ALB (fact sheet §14).
        region_a(s).alb.ingress_managed = false;
        region_a(s).alb.listener.rules[1].action = AlbAction::Redirect {
            status: 302,
            protocol: None,
            host: Some("healthcareapp.com".into()),
            port: None,
            path: Some("/api/elsewhere".into()),
        };
    });
    let t = get(&mut w, DEFAULT_URL);
    let follows = t
        .hops
        .iter()
        .filter(|h| {
            matches!(
                h.event,
                Event::Browser(BrowserEvent::Redirect { status: 302, .. })
            )
        })
        .count();
    assert_eq!(follows, hoplab::sim::world::MAX_REDIRECTS);
    let last = &t.hops.last().unwrap().event;
    assert!(
        matches!(
            last,
            Event::Browser(BrowserEvent::TooManyRedirects { status: 302, limit, .. })
                if *limit as usize == hoplab::sim::world::MAX_REDIRECTS
        ),
        "{last:?}"
    );
    assert_eq!(t.outcome.status, None);
    assert_eq!(t.outcome.code, Code::TooManyRedirects);
    assert_eq!(t.outcome.decided_by, DEFAULT_CLIENT);
    assert!(t.outcome.summary.contains("ERR_TOO_MANY_REDIRECTS"));
}

#[test]
fn weighted_forward_splits_traffic_by_weight() {
    // §8: share = weight / sum; weight 0 gets nothing.
    let mut bad = default_scenario();
    bad.regions[0].alb.listener.rules[1].action = AlbAction::WeightedForward {
        groups: vec![WeightedGroup {
            target_group: "tg-never".into(),
            weight: 1000,
        }],
    };
    let e = World::new(bad, 1).unwrap_err();
    assert!(e.contains("unknown target group tg-never"), "{e}");
    let mut w = world(|s| {
        let r = region_a(s);
        let mut tg2 = r.alb.target_groups[0].clone();
        tg2.id = "tg-canary".into();
        r.alb.target_groups.push(tg2);
        r.alb.ingress_managed = false;
        r.alb.listener.rules[1].action = AlbAction::WeightedForward {
            groups: vec![
                WeightedGroup {
                    target_group: "tg-appointments-a".into(),
                    weight: 3,
                },
                WeightedGroup {
                    target_group: "tg-canary".into(),
                    weight: 1,
                },
            ],
        };
    });
    let mut canary = 0;
    for _ in 0..400 {
        let t = get(&mut w, DEFAULT_URL);
        let drew_canary = |e: &AlbEvent| {
            matches!(e, AlbEvent::RuleMatch {
                action: ListenerAction::WeightedForward { picked, .. }, ..
            } if picked == "tg-canary")
        };
        if alb_hop(&t, drew_canary).is_some() {
            canary += 1;
        }
    }
    assert!(
        (70..=130).contains(&canary),
        "about a quarter should go to the canary, got {canary}/400"
    );
}

#[test]
fn when_every_target_is_unhealthy_the_alb_fails_open() {
    // §8: all targets unhealthy -> traffic goes to all of them anyway;
    // §19.13: Route 53 would call this ALB unhealthy, the ALB still sends.
    let mut w = World::default_world();
    // The ALB may no longer reach the pods: health checks fail, pods stay ready.
    w.apply_edit(&hoplab::sim::Edit::RemoveSgRule {
        sg: "sg-alb-a".into(),
        direction: hoplab::sim::trace::Direction::Outbound,
        index: 0,
    })
    .unwrap();
    w.advance(30_000);
    assert!(w
        .target_health("pod-a-1")
        .unwrap()
        .reason
        .contains("Target.Timeout"));
    assert!(w.pod_ready("pod-a-1"));
    let t = get(&mut w, DEFAULT_URL);
    let Some(Event::Alb(AlbEvent::TargetPick {
        fail_open,
        in_service,
        candidates,
        ..
    })) = alb_hop(&t, |e| matches!(e, AlbEvent::TargetPick { .. })).map(|h| &h.event)
    else {
        panic!("no target pick: {}", t.render_text())
    };
    assert!(*fail_open, "{}", t.render_text());
    assert_eq!(*in_service, candidates.len(), "every target takes traffic");
    assert!(candidates
        .iter()
        .all(|(_, s)| *s == hoplab::sim::event::alb::TargetStatus::Unhealthy));
    assert_eq!(t.outcome.status, Some(504));
}

#[test]
fn a_target_that_answers_500_is_passed_through_and_leaves_by_readiness() {
    // §8: target errors pass through unchanged; §14: failing readiness removes it.
    let mut w = World::default_world();
    w.set_fault(
        Fault::TargetUnhealthy {
            pod: "pod-a-1".into(),
        },
        true,
    );
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(500));
    assert_eq!(t.outcome.code, Code::TargetError);
    assert_eq!(t.outcome.decided_by, "pod-a-1");
    w.advance(31_000);
    assert!(!w.pod_ready("pod-a-1"));
    for _ in 0..6 {
        assert_eq!(get(&mut w, DEFAULT_URL).outcome.status, Some(200));
    }
}

#[test]
fn a_readiness_failure_deregisters_the_pod_and_an_empty_target_group_answers_503() {
    // §14: readiness fails -> not ready -> no traffic; §8: no registered targets -> 503.
    let mut w = world(|s| region_a(s).alb.target_groups[0].deregistration_delay_s = 0);
    for p in ["pod-a-1", "pod-a-2", "pod-a-3", "pod-a-4"] {
        w.set_fault(Fault::PodHung { pod: p.into() }, true);
    }
    w.advance(31_000); // 3 failed probes, 10 s apart; no deregistration delay
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(503));
    assert_eq!(t.outcome.decided_by, "alb-a");
    assert!(alb_hop(&t, |e| matches!(
        e,
        AlbEvent::NoTargets { reason: NoTargets::NoneRegistered { endpoints }, .. }
            if endpoints.iter().all(|(_, ready)| !ready)
    ))
    .is_some());
    assert!(alb_hop(&t, |e| matches!(
        e,
        AlbEvent::Generated {
            status: 503,
            reason: AlbError::NoRegisteredTargets
        }
    ))
    .is_some());
}

#[test]
fn a_hung_pod_behind_cloudfront_makes_the_alb_log_460_and_the_viewer_get_504() {
    // §8: 460 = client closed before the ALB answered; §5: CloudFront's
    // origin response timeout is 30 s, shorter than the ALB idle timeout 60 s.
    let mut w = World::default_world();
    w.set_fault(
        Fault::PodHung {
            pod: "pod-a-1".into(),
        },
        true,
    );
    let t = get(&mut w, DEFAULT_URL); // round robin starts at pod-a-1
    assert!(alb_hop(&t, |e| matches!(
        e,
        AlbEvent::Generated {
            status: 460,
            reason: AlbError::ClientClosed { .. }
        }
    ))
    .is_some());
    assert_eq!(t.outcome.status, Some(504));
    assert_eq!(t.outcome.decided_by, "cloudfront");
}

#[test]
fn more_than_thirty_forwarded_addresses_get_463() {
    // §8: X-Forwarded-For with more than 30 IPs -> 463 from the ALB itself.
    let alb_url = "https://api-origin.healthcareapp.com/api/appointments";
    let mut w = World::default_world();
    let ok = get(&mut w, alb_url);
    assert_eq!(
        ok.outcome.status,
        Some(200),
        "straight to the ALB, no CloudFront"
    );
    assert!(
        !ok.hops.iter().any(|h| h.to == "waf"),
        "bypassing CloudFront bypasses its WAF"
    );
    // The limit is on the header as the ALB receives it: 30 is accepted
    // (the ALB then appends its peer), 31 is refused.
    let many: Vec<String> = (0..31).map(|i| format!("10.9.0.{i}")).collect();
    let t = w.send(&Request {
        headers: vec![("X-Forwarded-For".into(), many.join(", "))],
        ..Request::get(DEFAULT_CLIENT, alb_url)
    });
    assert_eq!(t.outcome.status, Some(463));
    assert_eq!(t.outcome.decided_by, "alb-a");
    assert!(t.hops.iter().any(|h| h.event
        == hoplab::sim::trace::Event::Alb(hoplab::sim::event::alb::AlbEvent::generated(
            hoplab::sim::event::alb::AlbError::TooManyForwarded {
                addresses: 32,
                max: 30,
                received: 31
            }
        ))));
    let few: Vec<String> = (0..30).map(|i| format!("10.9.0.{i}")).collect();
    let t = w.send(&Request {
        headers: vec![("X-Forwarded-For".into(), few.join(", "))],
        ..Request::get(DEFAULT_CLIENT, alb_url)
    });
    assert_eq!(
        t.outcome.status,
        Some(200),
        "a header of exactly 30 addresses is accepted"
    );
    // ... and the ALB appends its TCP peer to it: 31 reach the target.
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        hoplab::sim::trace::Event::Alb(hoplab::sim::event::alb::AlbEvent::Request { xff, .. })
            if xff.len() == 31
    )));
}

#[test]
fn stickiness_keeps_a_browser_on_one_target_until_it_turns_unhealthy() {
    // §8: duration-based stickiness; an unhealthy cookie target is replaced.
    let mut w = world(|s| region_a(s).alb.target_groups[0].stickiness_s = Some(86_400));
    let first = get(&mut w, DEFAULT_URL).outcome.pod.unwrap();
    for _ in 0..5 {
        assert_eq!(
            get(&mut w, DEFAULT_URL).outcome.pod.as_deref(),
            Some(first.as_str())
        );
    }
    w.set_fault(Fault::TargetUnhealthy { pod: first.clone() }, true);
    w.advance(30_000);
    let t = get(&mut w, DEFAULT_URL);
    assert_ne!(t.outcome.pod.as_deref(), Some(first.as_str()));
    assert!(alb_hop(&t, |e| matches!(e, AlbEvent::TargetPick {
        how: PickHow::Algorithm { cookie: CookieNote::Replaced { old }, .. }, ..
    } if *old == first))
    .is_some());
}

#[test]
fn target_type_instance_goes_through_the_node_port_and_kube_proxy() {
    // §14: instance targets are nodes on the NodePort; kube-proxy picks a pod.
    let mut w = world(|s| {
        let r = region_a(s);
        r.alb.target_groups[0].target_type = TargetType::Instance;
        // The node's group must let the NodePort in from the ALB.
        let sg = r
            .vpc
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app-a")
            .unwrap();
        sg.inbound.push(hoplab::sim::net::SgRule {
            protocol: hoplab::sim::net::Protocol::Tcp,
            ports: hoplab::sim::net::PortRange {
                from: 30000,
                to: 32767,
            },
            peer: hoplab::sim::net::Peer::Sg("sg-alb-a".into()),
            description: "NodePort range from the ALB".into(),
        });
        let alb_sg = r
            .vpc
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-alb-a")
            .unwrap();
        alb_sg.outbound.push(hoplab::sim::net::SgRule {
            protocol: hoplab::sim::net::Protocol::Tcp,
            ports: hoplab::sim::net::PortRange {
                from: 30000,
                to: 32767,
            },
            peer: hoplab::sim::net::Peer::Sg("sg-app-a".into()),
            description: "NodePort range to the nodes".into(),
        });
        let acl = r
            .vpc
            .nacls
            .iter_mut()
            .find(|n| n.id == "acl-public-a")
            .unwrap();
        acl.outbound.push(hoplab::sim::net::NaclRule {
            number: 105,
            protocol: hoplab::sim::net::Protocol::Tcp,
            ports: hoplab::sim::net::PortRange {
                from: 30000,
                to: 32767,
            },
            cidr: "10.0.0.0/16".parse().unwrap(),
            action: hoplab::sim::net::RuleAction::Allow,
        });
        let acl = r
            .vpc
            .nacls
            .iter_mut()
            .find(|n| n.id == "acl-app-a")
            .unwrap();
        acl.inbound.push(hoplab::sim::net::NaclRule {
            number: 105,
            protocol: hoplab::sim::net::Protocol::Tcp,
            ports: hoplab::sim::net::PortRange {
                from: 30000,
                to: 32767,
            },
            cidr: "10.0.0.0/16".parse().unwrap(),
            action: hoplab::sim::net::RuleAction::Allow,
        });
    });
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    assert!(t
        .hops
        .iter()
        .any(|h| h.to.starts_with("node-a-") && h.what.contains(":30080")));
    assert!(app_hop(&t, |e| matches!(
        e,
        AppEvent::EndpointPick { node, picked: Some(_), .. } if node.starts_with("node-a-")
    ))
    .is_some());
}

#[test]
fn target_type_instance_without_a_node_port_rule_times_out_at_the_security_group() {
    // §11 allow-only, §8 504 when no connection within 10 s.
    let mut w = world(|s| region_a(s).alb.target_groups[0].target_type = TargetType::Instance);
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(504));
    let drop = t
        .hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .unwrap();
    assert!(matches!(
        drop.code,
        Code::SubnetAclRestriction | Code::EniSgRulesMismatch
    ));
}

#[test]
fn a_node_outage_times_out_its_pods_until_health_checks_remove_them() {
    // §8 504 on no connection; targets on the node turn unhealthy after 2 x 15 s.
    let mut w = World::default_world();
    w.set_fault(
        Fault::NodeDown {
            node: "node-a-1".into(),
        },
        true,
    );
    let t = get(&mut w, DEFAULT_URL); // pod-a-1 runs on node-a-1
    assert_eq!(t.outcome.status, Some(504));
    w.advance(31_000);
    for _ in 0..6 {
        let t = get(&mut w, DEFAULT_URL);
        assert_eq!(t.outcome.status, Some(200));
        assert!(matches!(
            t.outcome.pod.as_deref(),
            Some("pod-a-3") | Some("pod-a-4")
        ));
    }
}

#[test]
fn sni_picks_the_listener_certificate_that_names_the_host() {
    // §8: the certificate matching the client's host name; a wildcard covers one label.
    let mut w = world(|s| {
        region_a(s).alb.listener.certificate_domains =
            vec!["healthcareapp.com".into(), "*.healthcareapp.com".into()];
    });
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(200));
    let tls = alb_hop(&t, |e| matches!(e, AlbEvent::Tls { .. })).unwrap();
    assert_eq!(tls.from, "cloudfront");
    assert_eq!(
        tls.event,
        Event::Alb(AlbEvent::Tls {
            sni: "api-origin.healthcareapp.com".into(),
            certificate: "*.healthcareapp.com".into(),
            by_sni: true,
            caller: Caller::CloudFront,
            version: hoplab::sim::conn::TlsVersion::V13,
        })
    );
    assert!(
        tls.why
            .contains("certificate for *.healthcareapp.com (chosen by SNI)"),
        "{}",
        tls.why
    );
}

#[test]
fn cloudfront_answers_502_when_the_origin_certificate_does_not_name_the_origin() {
    // §5: origin certificate name mismatch -> 502 from CloudFront, X-Cache
    // "Error from cloudfront"; §8: the listener presents its default certificate.
    let mut w = world(|s| {
        for r in s.regions.iter_mut() {
            r.alb.listener.certificate_domains = vec!["healthcareapp.com".into()];
        }
    });
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(502));
    assert_eq!(t.outcome.decided_by, "cloudfront");
    assert_eq!(t.outcome.code, Code::CertificateMismatch);
    let tls = alb_hop(&t, |e| {
        matches!(e, AlbEvent::Tls { by_sni: false, caller: Caller::CloudFront, certificate, .. }
            if certificate == "healthcareapp.com")
    })
    .unwrap();
    assert_eq!(tls.verdict, Verdict::Error);
    assert!(tls.why.contains("default certificate (healthcareapp.com)"));
    assert!(hop_with(&t, "Error from cloudfront").is_some());
    assert!(
        !t.hops.iter().any(|h| h.to.starts_with("pod-")),
        "no request reaches a pod"
    );
}

#[test]
fn a_browser_refuses_an_alb_certificate_for_another_name_but_health_checks_do_not_mind() {
    // §8 SNI falls back to the default certificate; §4: Route 53 HTTPS health
    // checks do not validate certificates, so the region stays healthy.
    let mut w = world(|s| {
        for r in s.regions.iter_mut() {
            r.alb.listener.certificate_domains = vec!["healthcareapp.com".into()];
        }
    });
    let t = get(
        &mut w,
        "https://api-origin.healthcareapp.com/api/appointments",
    );
    assert_eq!(t.outcome.status, None, "the browser sends no request");
    assert_eq!(t.outcome.decided_by, DEFAULT_CLIENT);
    assert_eq!(t.outcome.code, Code::CertificateMismatch);
    let tls = alb_hop(&t, |e| {
        matches!(
            e,
            AlbEvent::Tls {
                by_sni: false,
                caller: Caller::Browser,
                ..
            }
        )
    })
    .unwrap();
    assert!(tls.why.contains("ERR_CERT_COMMON_NAME_INVALID"));
    w.advance(5 * 60_000);
    assert!(w.health_check_healthy("hc-cluster-a"));
    assert!(w.health_check_healthy("hc-cluster-b"));
}

#[test]
fn a_listener_without_a_certificate_is_refused() {
    // §8: an HTTPS listener has exactly one default certificate.
    let mut s = default_scenario();
    region_a(&mut s).alb.listener.certificate_domains.clear();
    let err = World::new(s, 1).unwrap_err();
    assert!(err.contains("certificate_domains is empty"), "{err}");
}

fn pod_counts(algorithm: Algorithm, seed: u64) -> Vec<(String, usize)> {
    let mut s = default_scenario();
    region_a(&mut s).alb.target_groups[0].algorithm = algorithm;
    let mut w = World::new(s, seed).unwrap();
    let r = w
        .burst_get(400, &[DEFAULT_CLIENT.to_string()], DEFAULT_URL)
        .unwrap();
    assert_eq!(r.status.get(200), Some(&400));
    r.pods.into_iter().collect()
}

#[test]
fn weighted_random_spreads_targets_unevenly_but_fairly_and_the_seed_fixes_the_picks() {
    // §8 and §19.14: weighted_random exists beside round robin and LOR; §18 seeded.
    let rr = pod_counts(Algorithm::RoundRobin, 7);
    assert!(rr.iter().all(|(_, n)| *n == 100), "{rr:?}");
    let wr = pod_counts(Algorithm::WeightedRandom, 7);
    assert_eq!(wr.len(), 4, "{wr:?}");
    assert!(wr.iter().all(|(_, n)| (60..=140).contains(n)), "{wr:?}");
    assert!(
        wr.iter().any(|(_, n)| *n != 100),
        "random, not a rotation: {wr:?}"
    );
    assert_eq!(wr, pod_counts(Algorithm::WeightedRandom, 7));
    assert_ne!(wr, pod_counts(Algorithm::WeightedRandom, 8));
    let mut w = world(|s| region_a(s).alb.target_groups[0].algorithm = Algorithm::WeightedRandom);
    let t = get(&mut w, DEFAULT_URL);
    assert!(alb_hop(&t, |e| matches!(
        e,
        AlbEvent::TargetPick {
            how: PickHow::Algorithm {
                algorithm: Algorithm::WeightedRandom,
                ..
            },
            ..
        }
    ))
    .is_some());
}

#[test]
fn least_outstanding_requests_with_nothing_in_flight_ties_and_rotates() {
    // §8: LOR sends to the target with the fewest requests in flight; one
    // request at a time leaves every target at 0, so the tie rotates.
    let lor = pod_counts(Algorithm::LeastOutstandingRequests, 7);
    assert!(lor.iter().all(|(_, n)| *n == 100), "{lor:?}");
    let mut w =
        world(|s| region_a(s).alb.target_groups[0].algorithm = Algorithm::LeastOutstandingRequests);
    let t = get(&mut w, DEFAULT_URL);
    assert!(alb_hop(&t, |e| matches!(
        e,
        AlbEvent::TargetPick {
            how: PickHow::Algorithm {
                algorithm: Algorithm::LeastOutstandingRequests,
                ..
            },
            ..
        }
    ))
    .is_some());
}

// ------------------------------------------------------ TCP, TLS, Shield

#[test]
fn a_cold_https_request_spends_one_round_trip_on_tcp_and_one_on_tls_1_3_before_http() {
    // §16: TCP 1 RTT, TLS 1.3 full handshake 1 RTT, then the request.
    let mut w = World::default_world();
    let rtt_us = w.scenario().client(DEFAULT_CLIENT).unwrap().rtt_pop_ms as u64 * 1000;
    let t = get(&mut w, DEFAULT_URL);
    let at = |layer: Layer| {
        t.hops
            .iter()
            .find(|h| h.from == DEFAULT_CLIENT && h.to == "cloudfront" && h.layer == layer)
            .unwrap_or_else(|| panic!("no {layer:?} hop to cloudfront"))
            .t_us
    };
    use hoplab::sim::trace::Layer;
    let (tcp, tls, http) = (at(Layer::Tcp), at(Layer::Tls), at(Layer::Http));
    assert_eq!(tls - tcp, rtt_us, "the TCP handshake takes one round trip");
    assert_eq!(http - tls, rtt_us, "TLS 1.3 takes one more");
    assert!(
        t.outcome.total_us >= http + rtt_us,
        "the answer needs at least a third round trip"
    );
}

#[test]
fn shield_standard_lets_an_http_flood_through_and_only_a_rate_based_rule_stops_it() {
    // §7: Shield Standard screens layers 3/4 only; §6: an HTTP flood needs a
    // rate-based WAF rule.
    let flood = |keep_rule: bool| {
        let mut w = world(|s| {
            if !keep_rule {
                s.waf
                    .rules
                    .retain(|r| !matches!(r.statement, WafStatement::RateBased { .. }));
            }
        });
        w.burst_get(2_500, &[DEFAULT_CLIENT.to_string()], DEFAULT_URL)
            .unwrap()
    };
    let open = flood(false);
    assert_eq!(open.waf_blocks, 0);
    assert_eq!(open.status.get(200), Some(&2_500), "{:?}", open.status);
    let guarded = flood(true);
    assert_eq!(
        guarded.waf_blocks, 500,
        "2,000 per 5 minutes pass: {guarded:?}"
    );
    assert_eq!(guarded.status.get(403), Some(&500));
    let t = get(&mut World::default_world(), DEFAULT_URL);
    let tcp = hop_with(&t, "TCP handshake SYN / SYN-ACK / ACK").unwrap();
    assert!(tcp.why.contains("Shield Standard") && tcp.why.contains("not HTTP"));
}

#[test]
fn a_nacl_return_rule_sized_for_linux_ports_drops_windows_browsers_and_cloudfront_some_of_the_time()
{
    // §12 and §19.2: Linux picks 32768-60999, Windows 49152-65535, ELB and
    // CloudFront 1024-65535; a stateless NACL must let every reply port out.
    let mut w = world(|s| {
        // Ask the origin every time instead of replaying a cached 504 (§5).
        s.cdn.error_caching_min_ttl_s = 0;
        for r in s.regions.iter_mut() {
            let acl = r.vpc.nacls.iter_mut().find(|n| n.name == "public").unwrap();
            let rule = acl.outbound.iter_mut().find(|r| r.number == 110).unwrap();
            rule.ports = PortRange {
                from: 32768,
                to: 60999,
            };
        }
    });
    let direct = "https://api-origin.healthcareapp.com/api/appointments";
    // The reply port of every dropped SYN-ACK, and how many got through.
    let mut run = |client: &str, url: &str| {
        let mut dropped_ports = Vec::new();
        let mut ok = 0;
        for _ in 0..40 {
            // Each request on a new connection, from a new port: past the
            // browser's 300 s and CloudFront's 5 s keep-alive (§26).
            w.advance(300_000);
            let t = w.send(&Request::get(client, url));
            match t.hops.iter().find(|h| h.verdict == Verdict::Dropped) {
                Some(h) => {
                    let c = h.deciding_check().unwrap();
                    assert!(c.subject.starts_with("acl-public-"), "{c:?}");
                    assert_eq!(c.direction, Some(Direction::Outbound));
                    assert_eq!(c.leg, hoplab::sim::trace::Leg::Return);
                    dropped_ports.push(c.five_tuple.unwrap().dst_port);
                }
                None => {
                    assert_eq!(
                        t.outcome.status,
                        Some(200),
                        "{client} {url}: {:#?}",
                        t.hops
                            .iter()
                            .filter(|h| h.verdict != Verdict::Pass)
                            .collect::<Vec<_>>()
                    );
                    ok += 1;
                }
            }
        }
        (ok, dropped_ports)
    };
    let (ok, dropped) = run("client-eu", direct);
    assert_eq!((ok, dropped.len()), (40, 0), "Linux ports always fit");
    let (ok, dropped) = run("client-na", direct);
    assert!(
        ok > 0 && !dropped.is_empty(),
        "{ok} ok, dropped {dropped:?}"
    );
    assert!(
        dropped.iter().all(|p| *p > 60999),
        "Windows ports above the rule: {dropped:?}"
    );
    let (ok, dropped) = run("client-eu", DEFAULT_URL);
    assert!(
        ok > 0 && !dropped.is_empty(),
        "{ok} ok, dropped {dropped:?}"
    );
    assert!(
        dropped.iter().all(|p| *p < 32768 || *p > 60999),
        "CloudFront's ports outside the rule: {dropped:?}"
    );
}

#[test]
fn security_groups_are_stateful_so_replies_need_no_rule_but_new_connections_do() {
    // §11: stateful, allow-only; the return traffic of an allowed connection
    // is let through whatever the rules in the other direction say.
    let clear_outbound = |sg: &'static str| {
        world(move |s| {
            for r in s.regions.iter_mut() {
                for g in r.vpc.security_groups.iter_mut() {
                    if g.id.starts_with(sg) {
                        g.outbound.clear();
                    }
                }
            }
        })
    };
    // The database answers queries without any outbound rule.
    let t = get(&mut clear_outbound("sg-db-"), DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(200));
    // The pod still answers the ALB, but cannot open its connection to the database.
    let t = get(&mut clear_outbound("sg-app-"), DEFAULT_URL);
    let drop = t
        .hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .expect("the query to the database is dropped");
    assert!(drop.to.starts_with("rds-a-"), "{drop:?}");
    let c = drop.deciding_check().unwrap();
    assert_eq!(
        (c.subject.as_str(), c.direction, c.side),
        (
            "sg-app-a",
            Some(Direction::Outbound),
            Some(hoplab::sim::trace::Side::Source)
        )
    );
    assert_eq!(drop.code, Code::EniSgRulesMismatch);
    assert_eq!(t.outcome.status, Some(500));
    assert_eq!(
        t.outcome.pod.as_deref(),
        Some("pod-a-1"),
        "the pod answered the ALB"
    );
}

#[test]
fn plain_http_straight_to_the_alb_meets_the_nacl_then_finds_no_listener_on_port_80() {
    // §12: port 80 matches no numbered rule, so `*` denies it; §8: the ALB
    // has an HTTPS listener only, so once the filters allow 80 nothing
    // accepts the connection.
    let url = "http://api-origin.healthcareapp.com/api/appointments";
    let mut w = World::default_world();
    let t = get(&mut w, url);
    let drop = t
        .hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .unwrap();
    assert_eq!(drop.proto, "TCP/80");
    assert_eq!(drop.code, Code::SubnetAclRestriction);
    assert_eq!(t.outcome.status, None);
    w.apply_edit(&Edit::AddNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: "105".into(),
        protocol: "tcp".into(),
        ports: "80".into(),
        cidr: "0.0.0.0/0".into(),
        action: "allow".into(),
    })
    .unwrap();
    w.apply_edit(&Edit::AddSgRule {
        sg: "sg-alb-a".into(),
        direction: Direction::Inbound,
        protocol: "tcp".into(),
        ports: "80".into(),
        peer: "0.0.0.0/0".into(),
        action: None,
    })
    .unwrap();
    let t = get(&mut w, url);
    let refused = alb_hop(&t, |e| {
        matches!(e, AlbEvent::Connect {
            flow,
            result: ConnectResult::NoListener { listener_port: 443, .. },
            ..
        } if flow.dst_port == 80)
    })
    .unwrap();
    assert_eq!(refused.code, Code::ConnectionRefused);
    assert!(refused.why.contains("only an HTTPS listener on 443"));
    assert_eq!(
        (t.outcome.status, t.outcome.code),
        (None, Code::ConnectionRefused)
    );
    assert!(!t
        .hops
        .iter()
        .any(|h| h.layer == hoplab::sim::trace::Layer::Tls));
}

#[test]
fn a_port_in_the_url_is_the_port_the_browser_connects_to() {
    // §8: the ALB listens on its listener port only; §12: 8443 passes the
    // NACL's ephemeral rule but no security group rule; CloudFront takes
    // viewers on 80 and 443 only.
    let mut w = World::default_world();
    let o = get(
        &mut w,
        "https://api-origin.healthcareapp.com:8443/api/appointments",
    )
    .outcome;
    assert_eq!((o.status, o.code), (None, Code::EniSgRulesMismatch));
    let o = get(
        &mut w,
        "http://api-origin.healthcareapp.com:443/api/appointments",
    )
    .outcome;
    assert_eq!(
        (o.status, o.decided_by.as_str()),
        (Some(400), "alb-a"),
        "{}",
        o.summary
    );
    let o = get(&mut w, "https://healthcareapp.com:8443/api/appointments").outcome;
    assert_eq!((o.status, o.code), (None, Code::ConnectionTimeout));
    let o = get(&mut w, "https://healthcareapp.com:443/api/appointments").outcome;
    assert_eq!(o.status, Some(200), "443 is https's own port");
    let t = get(&mut w, "https://healthcareapp.com:99999/");
    assert!(
        t.outcome.summary.contains("valid port"),
        "{}",
        t.outcome.summary
    );
}

/// The public subnet of the ALB node a trace went through, and its pod.
fn node_and_pod(t: &Trace) -> (String, Option<String>) {
    let node = t
        .hops
        .iter()
        .find_map(|h| h.what.split(" into ").nth(1).map(|s| s.to_string()))
        .expect("the trace enters the VPC");
    (node, t.outcome.pod.clone())
}

#[test]
fn with_cross_zone_load_balancing_off_a_node_keeps_to_its_az_and_an_empty_az_answers_503() {
    // §8: cross-zone is on for an ALB; off per target group, a node sends
    // only to targets in its own AZ, and an AZ with no targets answers 503.
    let az_of_pod = |p: &str| {
        if matches!(p, "pod-a-1" | "pod-a-2") {
            "a1"
        } else {
            "a2"
        }
    };
    let pairs = |cross_zone: bool| {
        let mut w = world(|s| region_a(s).alb.target_groups[0].cross_zone = cross_zone);
        // Past CloudFront's 5 s origin keep-alive, each request connects
        // to a node anew (§26).
        (0..40)
            .map(|_| {
                w.advance(6_000);
                node_and_pod(&get(&mut w, DEFAULT_URL))
            })
            .collect::<Vec<_>>()
    };
    let on = pairs(true);
    assert!(
        on.iter()
            .any(|(n, p)| !n.ends_with(az_of_pod(p.as_deref().unwrap()))),
        "on: a node sends across AZs: {on:?}"
    );
    let off = pairs(false);
    assert!(
        off.iter()
            .all(|(n, p)| n.ends_with(az_of_pod(p.as_deref().unwrap()))),
        "off: every node keeps to its AZ: {off:?}"
    );
    // Every pod in us-east-1a: the node in us-east-1b has nothing to send to.
    let mut w = world(|s| {
        s.cdn.error_caching_min_ttl_s = 0; // every request reaches the ALB (§5)
        let r = region_a(s);
        r.alb.target_groups[0].cross_zone = false;
        for (i, p) in r.cluster.pods.iter_mut().enumerate() {
            p.subnet = "subnet-app-a1".into();
            p.node = Some("node-a-1".into());
            p.host = 20 + i as u32;
        }
    });
    let traces: Vec<Trace> = (0..20)
        .map(|_| {
            w.advance(6_000);
            get(&mut w, DEFAULT_URL)
        })
        .collect();
    let empty = traces
        .iter()
        .find(|t| t.outcome.status == Some(503))
        .expect("some requests reach the node in us-east-1b");
    assert_eq!(empty.outcome.decided_by, "alb-a");
    assert!(alb_hop(empty, |e| matches!(
        e,
        AlbEvent::NoTargets { reason: NoTargets::CrossZone { az, .. }, .. } if az == "us-east-1b"
    ))
    .is_some());
    assert!(traces.iter().any(|t| t.outcome.status == Some(200)));
    let mut s = default_scenario();
    region_a(&mut s).alb.target_groups[0].cross_zone = false;
    region_a(&mut s).alb.target_groups[0].stickiness_s = Some(60);
    assert!(World::new(s, 1).unwrap_err().contains("cross-zone"));
}

// ---------------------------------------------------------- CloudFront

use hoplab::sim::check::RuleRef;
use hoplab::sim::event::cdn::CacheResult;
use hoplab::sim::event::waf::{WafDecider, WafInspected, WafStatementKind};
use hoplab::sim::event::{CdnEvent, WafEvent};

/// The CloudFront events of a trace, in order.
fn cdn_events(t: &Trace) -> Vec<&CdnEvent> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Cdn(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The result of the edge's cache lookup.
fn cache_result(t: &Trace) -> &CacheResult {
    cdn_events(t)
        .into_iter()
        .find_map(|e| match e {
            CdnEvent::CacheLookup { result, .. } => Some(result),
            _ => None,
        })
        .expect("a cache lookup")
}

/// The age of the copy the edge served from its cache, if it did.
fn served_age(t: &Trace) -> Option<u64> {
    cdn_events(t).into_iter().find_map(|e| match e {
        CdnEvent::CacheHit { age_s, .. } => Some(*age_s),
        _ => None,
    })
}

#[test]
fn query_strings_are_not_in_the_cache_key_by_default() {
    // §5: /a.js?v=1 and /a.js?v=2 share one cache entry by default.
    let mut w = World::default_world();
    get(&mut w, &api("/static/a.js?v=1"));
    let t = get(&mut w, &api("/static/a.js?v=2"));
    assert!(matches!(cache_result(&t), CacheResult::Hit { .. }));
    let key = |t: &Trace| {
        cdn_events(t)
            .into_iter()
            .find_map(|e| match e {
                CdnEvent::CacheLookup { cache_key, .. } => Some(cache_key.clone()),
                _ => None,
            })
            .unwrap()
    };
    assert!(key(&t).ends_with("|/static/a.js"), "{}", key(&t));
    let mut w = world(|s| s.cdn.behaviors[1].cache_query_strings = true);
    get(&mut w, &api("/static/a.js?v=1"));
    let t = get(&mut w, &api("/static/a.js?v=2"));
    assert_eq!(
        cache_result(&t),
        &CacheResult::Miss,
        "with query strings in the key, v=2 is a miss"
    );
    assert!(key(&t).ends_with("|/static/a.js?v=2"), "{}", key(&t));
    assert!(t.hops.iter().any(|h| h.to == "s3"));
}

#[test]
fn the_origin_max_age_decides_how_long_an_object_stays_cached() {
    // §5: Min TTL > 0 clamps max-age into [min, max]; S3 sends max-age=3600 here.
    let mut w = World::default_world();
    get(&mut w, &api("/static/app.js"));
    w.advance(3_599_000);
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(
        cache_result(&t),
        &CacheResult::Hit {
            age_s: 3599,
            ttl_left_s: 1
        }
    );
    w.advance(2_000);
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(cache_result(&t), &CacheResult::Expired { revalidate: true });
    assert!(t.hops.iter().any(|h| h.to == "s3"), "expired after 3600 s");
}

#[test]
fn each_method_is_answered_by_the_layer_that_refuses_it() {
    // §5: a method outside the behaviour's allowed set is CloudFront's 403;
    // §8: TRACE is the ALB's own 405; the application answers its own 405 to
    // methods it does not serve, and OPTIONS with 204.
    let send = |w: &mut World, method: &str, url: &str| {
        w.send(&Request {
            method: method.into(),
            ..Request::get(DEFAULT_CLIENT, url)
        })
        .outcome
    };
    let mut w = World::default_world();
    let o = send(&mut w, "POST", &api("/static/app.js"));
    assert_eq!((o.status, o.decided_by.as_str()), (Some(403), "cloudfront"));
    assert_eq!(o.code, Code::MethodNotAllowed);
    let o = send(&mut w, "TRACE", DEFAULT_URL);
    assert_eq!(
        (o.status, o.decided_by.as_str()),
        (Some(403), "cloudfront"),
        "not in any allowed set"
    );
    let direct = "https://api-origin.healthcareapp.com/api/appointments";
    let o = send(&mut w, "TRACE", direct);
    assert_eq!((o.status, o.decided_by.as_str()), (Some(405), "alb-a"));
    assert_eq!(o.code, Code::AlbGenerated);
    let o = send(&mut w, "DELETE", DEFAULT_URL);
    assert_eq!(o.status, Some(405));
    assert!(o.decided_by.starts_with("pod-a-"), "{}", o.decided_by);
    let o = send(&mut w, "OPTIONS", DEFAULT_URL);
    assert_eq!(o.status, Some(204));
    let o = send(&mut w, "HEAD", DEFAULT_URL);
    assert_eq!(o.status, Some(200));
    let t = w.send(&Request {
        method: "G E T".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, None);
    assert!(t.outcome.summary.contains("is not an HTTP method"));
    assert_eq!(t.hops.len(), 1, "nothing leaves the browser");
}

#[test]
fn an_expired_copy_is_revalidated_with_a_304_and_served_as_a_refresh_hit() {
    // §5: an expired object is revalidated; a 304 keeps the copy
    // ("RefreshHit from cloudfront") and its TTL starts again.
    let mut w = World::default_world();
    get(&mut w, &api("/static/app.js"));
    w.advance(3_601_000);
    let t = get(&mut w, &api("/static/app.js"));
    let events = cdn_events(&t);
    assert!(events.iter().any(|e| matches!(
        e,
        CdnEvent::S3Request {
            conditional: true,
            ..
        }
    )));
    let s3 = t
        .hops
        .iter()
        .find(|h| {
            matches!(
                &h.event,
                Event::Cdn(CdnEvent::S3Response { status: 304, .. })
            )
        })
        .unwrap();
    assert_eq!(s3.from, "s3");
    assert!(events
        .iter()
        .any(|e| matches!(e, CdnEvent::RefreshHit { ttl } if ttl.ttl_s == 3600)));
    // The rendered English of the refresh hit, pinned once.
    assert!(hop_with(&t, "X-Cache: RefreshHit from cloudfront").is_some());
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(t.outcome.code, Code::CacheHit);
    w.advance(60_000);
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(
        served_age(&t),
        Some(60),
        "the refreshed copy is a minute old"
    );
    // An invalidated object is gone: the next request is a plain miss.
    w.invalidate("/static/app.js").unwrap();
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(cache_result(&t), &CacheResult::Miss);
    let events = cdn_events(&t);
    assert!(!events.iter().any(|e| matches!(
        e,
        CdnEvent::S3Request {
            conditional: true,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        CdnEvent::OriginResponse {
            status: 200,
            by_cloudfront: false,
            ..
        }
    )));
}

#[test]
fn a_fresh_copy_in_the_browsers_http_cache_answers_without_any_request() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §5: the browser keeps what it gets for max-age (S3 sends max-age=3600);
    // CloudFront ignores a viewer's Cache-Control, so "Disable cache" in the
    // browser still gets CloudFront's copy.
    let mut w = World::default_world();
    let url = api("/static/app.js");
    let first = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert!(first.hops.iter().any(|h| h.to == "s3"));
    w.advance(600_000);
    let second = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert_eq!(second.hops.len(), 1, "nothing leaves the browser");
    assert_eq!(second.outcome.code, Code::BrowserCacheHit);
    assert_eq!(
        (second.outcome.status, second.outcome.decided_by.as_str()),
        (Some(200), DEFAULT_CLIENT)
    );
    assert_eq!(
        second.hops[0].event,
        Event::Browser(BrowserEvent::CacheHit {
            url: "https://healthcareapp.com/static/app.js".into(),
            age_s: 600,
            fresh_s: 3000
        })
    );
    assert!(
        second.hops[0].why.contains("fresh for 3000 s more"),
        "{}",
        second.hops[0].why
    );
    assert!(
        w.inspect(DEFAULT_CLIENT)
            .iter()
            .any(|(k, v)| k == "HTTP cache"
                && v == "https://healthcareapp.com/static/app.js: 3000 s left"),
        "the inspector lists the browser's cached copy"
    );
    let bypass = w.send(&Request::get(DEFAULT_CLIENT, &url).no_store());
    assert_eq!(served_age(&bypass), Some(600));
    w.advance(3_000_000);
    let later = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert_ne!(later.outcome.code, Code::BrowserCacheHit, "max-age is over");
    // The API says no-store: the browser never keeps it.
    w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    let again = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    assert!(again.hops.iter().any(|h| h.to.starts_with("pod-")));
}

#[test]
fn a_copy_from_the_edge_stays_fresh_in_the_browser_for_max_age_less_its_age() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §5 Age: seconds the object has sat in a cache; the browser counts from it.
    let mut w = World::default_world();
    let url = api("/static/app.js");
    get(&mut w, &url); // fills the New York edge only
    w.advance(1_000_000);
    let t = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert_eq!(served_age(&t), Some(1000));
    w.advance(2_599_000);
    let fresh = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert_eq!(fresh.outcome.code, Code::BrowserCacheHit);
    assert!(
        matches!(
            fresh.hops[0].event,
            Event::Browser(BrowserEvent::CacheHit { fresh_s: 1, .. })
        ),
        "{:?}",
        fresh.hops[0].event
    );
    w.advance(1_000);
    let stale = w.send(&Request::get(DEFAULT_CLIENT, &url));
    assert_ne!(stale.outcome.code, Code::BrowserCacheHit);
}

#[test]
fn only_get_and_head_are_cached() {
    // §5: PUT, POST, PATCH, DELETE are never cached, even where they are allowed.
    let mut w = world(|s| s.cdn.behaviors[1].allowed_methods = AllowedMethods::All);
    w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, &api("/static/app.js"))
    });
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, &api("/static/app.js"))
    });
    assert!(t.hops.iter().any(|h| h.to == "s3"));
    assert_eq!(cache_result(&t), &CacheResult::Bypassed);
}

#[test]
fn an_origin_error_is_cached_for_the_error_caching_ttl() {
    // §5: 404 is always cached for the error caching minimum TTL (10 s).
    let mut w = World::default_world();
    let first = get(&mut w, &api("/missing.png"));
    assert_eq!(first.outcome.status, Some(404));
    let second = get(&mut w, &api("/missing.png"));
    assert!(!second.hops.iter().any(|h| h.to == "s3"));
    assert!(cdn_events(&second)
        .iter()
        .any(|e| matches!(e, CdnEvent::CacheHit { status: 404, .. })));
    assert!(cdn_events(&first).iter().any(|e| matches!(
        e,
        CdnEvent::OriginResponse {
            status: 404,
            stored: Some(hoplab::sim::event::cdn::Stored::Error { ttl_s: 10, .. }),
            ..
        }
    )));
    w.advance(11_000);
    assert!(get(&mut w, &api("/missing.png"))
        .hops
        .iter()
        .any(|h| h.to == "s3"));
}

#[test]
fn an_expired_copy_is_served_while_the_origin_fails() {
    // §5: expired copy + origin 5xx -> stale copy served.
    let mut w = World::default_world();
    get(&mut w, &api("/static/app.js"));
    w.advance(3_601_000);
    w.set_fault(
        Fault::Origin5xx {
            origin: "s3-static".into(),
        },
        true,
    );
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(t.outcome.status, Some(200));
    assert!(cdn_events(&t).iter().any(|e| matches!(
        e,
        CdnEvent::StaleHit {
            status: 200,
            origin_status: Some(503),
            ..
        }
    )));
}

#[test]
fn an_expired_cached_error_is_never_served_as_a_stale_copy() {
    // §5: a 5xx is cached for the error caching TTL (10 s); "stale" serving
    // is for an expired copy of an object, not of an error.
    let mut w = World::default_world();
    w.set_fault(
        Fault::Origin5xx {
            origin: "s3-static".into(),
        },
        true,
    );
    let first = get(&mut w, &api("/static/app.js"));
    assert_eq!(first.outcome.status, Some(503));
    // Within the error caching TTL: CloudFront's error cache answers, as an error.
    w.advance(4_000);
    let cached = get(&mut w, &api("/static/app.js"));
    assert_eq!(cached.outcome.status, Some(503));
    assert!(cdn_events(&cached)
        .iter()
        .any(|e| matches!(e, CdnEvent::CacheHit { status: 503, .. })));
    assert!(
        cached.hops.iter().all(|h| h.to != "s3"),
        "the origin is not asked"
    );
    assert!(
        cached.outcome.summary.contains("error cache"),
        "{}",
        cached.outcome.summary
    );
    assert!(cached.hops.iter().any(|h| h.verdict == Verdict::Error));
    // Expired: the origin is asked again and its new error goes back; no stale hit.
    w.advance(10_000);
    let again = get(&mut w, &api("/static/app.js"));
    assert_eq!(again.outcome.status, Some(503));
    assert!(again.hops.iter().any(|h| h.to == "s3"));
    assert!(!cdn_events(&again)
        .iter()
        .any(|e| matches!(e, CdnEvent::StaleHit { .. })));
}

#[test]
fn a_cached_error_still_names_its_root_cause_and_how_long_the_error_cache_keeps_it() {
    // §5: the 504 is cached for the error caching TTL (10 s); the learner who
    // fixes the NACL meanwhile must read why the answer is still 504.
    let mut w = World::default_world();
    w.apply_edit(&Edit::RemoveNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: 100,
    })
    .unwrap();
    let first = get(&mut w, DEFAULT_URL);
    assert_eq!(first.outcome.status, Some(504));
    w.advance(3_000);
    let cached = get(&mut w, DEFAULT_URL);
    assert_eq!(cached.outcome.status, Some(504));
    assert_eq!(cached.outcome.code, Code::CacheHit);
    let s = &cached.outcome.summary;
    assert!(s.contains("error cache answers for 7 s more"), "{s}");
    assert!(
        s.contains("SUBNET_ACL_RESTRICTION"),
        "the root cause is named: {s}"
    );
}

#[test]
fn an_origin_group_fails_over_to_the_secondary_for_get_but_not_for_post() {
    // §5: origin groups fail over on listed codes, GET/HEAD/OPTIONS only.
    let mut w = world(|s| {
        let mut backup = s.cdn.origins[1].clone();
        backup.id = "s3-backup".into();
        s.cdn.origins.push(backup);
        s.cdn.origin_groups.push(OriginGroup {
            id: "static-group".into(),
            primary: "s3-static".into(),
            secondary: "s3-backup".into(),
            failover_codes: vec![500, 502, 503, 504],
        });
        s.cdn.behaviors[1].origin = "static-group".into();
        s.cdn.behaviors[1].allowed_methods = AllowedMethods::All;
    });
    w.set_fault(
        Fault::Origin5xx {
            origin: "s3-static".into(),
        },
        true,
    );
    let t = get(&mut w, &api("/static/app.js"));
    assert_eq!(t.outcome.status, Some(200));
    assert!(cdn_events(&t).iter().any(|e| matches!(
        e,
        CdnEvent::OriginGroupFailover { secondary, primary_status: Some(503), .. }
            if secondary == "s3-backup"
    )));
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, &api("/static/app.js"))
    });
    assert_eq!(t.outcome.status, Some(503));
    assert!(cdn_events(&t).iter().any(|e| matches!(
        e,
        CdnEvent::OriginGroupNoFailover { method, .. } if method == "POST"
    )));
}

#[test]
fn an_invalidation_empties_matching_paths_at_every_edge() {
    // §5: invalidation; `*` only as the last character.
    let mut w = World::default_world();
    get(&mut w, &api("/static/app.js"));
    w.send(&Request::get("client-eu", &api("/static/app.js")));
    assert_eq!(w.invalidate("/static/*").unwrap(), 2);
    assert!(w.invalidate("/st*tic/app.js").is_err());
    assert!(get(&mut w, &api("/static/app.js"))
        .hops
        .iter()
        .any(|h| h.to == "s3"));
}

#[test]
fn plain_http_is_redirected_to_https_and_followed_or_refused_by_the_viewer_protocol_policy() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §5: redirect-to-https -> 301 with the HTTPS URL; https-only -> 403.
    let mut w = World::default_world();
    let t = get(&mut w, "http://healthcareapp.com/api/appointments?day=mon");
    let r = hop_with(&t, "HTTP 301 X-Cache: Redirect from cloudfront, Location:").unwrap();
    assert_eq!(r.from, "cloudfront");
    assert_eq!(
        r.event,
        Event::Cdn(CdnEvent::ViewerRedirect {
            location: "https://healthcareapp.com/api/appointments?day=mon".into()
        })
    );
    assert!(
        cdn_events(&t)
            .iter()
            .any(|e| matches!(e, CdnEvent::ViewerTls { sni, .. } if sni == "healthcareapp.com")),
        "the second request is HTTPS"
    );
    assert_eq!(t.outcome.status, Some(200));
    assert!(t.outcome.summary.contains("after 1 redirect"));
    // The 301 is an answer the browser follows: DELIVERED.
    assert_eq!(r.code, Code::Delivered);
    let mut w = world(|s| s.cdn.behaviors[0].viewer_protocol = ViewerProtocol::HttpsOnly);
    let t = get(&mut w, "http://healthcareapp.com/api/appointments");
    assert_eq!(t.outcome.status, Some(403));
    assert!(cdn_events(&t).contains(&&CdnEvent::HttpsOnly));
    // The 403 is CloudFront's own refusal, named by its code, not DELIVERED.
    assert_eq!(t.outcome.code, Code::ViewerProtocolPolicy);
    assert_eq!(t.outcome.decided_by, "cloudfront");
    let refusal = t
        .hops
        .iter()
        .find(|h| h.event == Event::Cdn(CdnEvent::HttpsOnly))
        .unwrap();
    assert_eq!(refusal.code, Code::ViewerProtocolPolicy);
    assert_eq!(refusal.verdict, Verdict::Error);
    assert!(!t
        .hops
        .iter()
        .any(|h| matches!(h.event, Event::Browser(BrowserEvent::Redirect { .. }))));
}

#[test]
fn a_post_redirected_with_301_is_repeated_as_a_get_without_its_body() {
    use hoplab::sim::event::browser::BrowserEvent;
    use hoplab::sim::trace::Event;
    // §5 the 301; the browser turns a POST after 301/302 into a GET (Fetch standard).
    let mut w = World::default_world();
    let t = w.send(&Request {
        method: "POST".into(),
        body: "patient=ann&slot=10:30".into(),
        ..Request::get(DEFAULT_CLIENT, "http://healthcareapp.com/api/appointments")
    });
    let follow = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Browser(e @ BrowserEvent::Redirect { .. }) => Some((h, e)),
            _ => None,
        })
        .expect("the browser follows the redirect");
    assert!(matches!(
        follow.1,
        BrowserEvent::Redirect { status: 301, method, location, to_get: true, followed: 1, .. }
            if method == "GET" && location == "https://healthcareapp.com/api/appointments"
    ));
    assert!(follow.0.why.contains("GET and no body"));
    assert_eq!(
        t.outcome.status,
        Some(200),
        "a GET, not the 201 of a booking"
    );
    assert!(
        !t.hops.iter().any(|h| h.to == "sms-api"),
        "nothing was booked"
    );
}

// ----------------------------------------------------------------- WAF

#[test]
fn a_count_rule_records_a_match_and_evaluation_goes_on() {
    // §6: Count is non-terminating.
    let mut w = world(|s| s.waf.rules[1].action = WafAction::Count);
    let t = get(&mut w, &api("/api/appointments?id=1%27%20OR%201=1--"));
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(
        waf_decider(&t),
        &WafDecider::Default {
            action: WafAction::Allow
        },
        "evaluation went past the counting rule to the default action"
    );
    let waf = t.hops.iter().find(|h| h.to == "waf").unwrap();
    let counted = waf
        .checks
        .iter()
        .find(|c| matches!(&c.rule, Some(RuleRef::WafRule { name, .. }) if name == "SQLInjection"))
        .expect("the counting rule's check");
    assert!(counted.allowed);
    // The rendered English of a Count match, pinned once.
    assert!(
        counted.decided_by.contains("counted"),
        "{}",
        counted.decided_by
    );
    assert_eq!(
        waf.checks.last().and_then(|c| c.rule.clone()),
        Some(RuleRef::WafDefault)
    );
}

#[test]
fn cloudfront_and_waf_events_read_back_from_the_json_trace() {
    // The JSON trace is a public format: every CloudFront and WAF event a
    // trace carries must read back as the same value.
    let mut w = World::default_world();
    let traces = [
        get(&mut w, "http://healthcareapp.com/api/appointments?day=mon"),
        get(&mut w, &api("/api/appointments?id=1%27%20OR%201=1--")),
        get(&mut w, &api("/static/app.js")),
        get(&mut w, &api("/static/app.js")),
        get(&mut w, &api("/missing.png")),
    ];
    for t in traces {
        let json = serde_json::to_string(&t).unwrap();
        let back: Trace = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert!(t.hops.iter().any(|h| matches!(h.event, Event::Cdn(_))));
    }
}

/// What decided at CloudFront's web ACL.
fn waf_decider(t: &Trace) -> &WafDecider {
    t.hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Waf(WafEvent::Decision { decider, .. }) => Some(decider),
            _ => None,
        })
        .expect("a web ACL decision")
}

#[test]
fn a_default_action_of_count_gives_the_same_outcome_recorded_or_not() {
    // §6: the default action applies only when no terminating rule matched;
    // a default of Count lets the request on. The decision is the same
    // whether the walk records hops (send) or not (send_unrecorded, as a
    // burst does), and so is the decider named in the outcome.
    for default_action in [WafAction::Count, WafAction::Block, WafAction::Allow] {
        let scenario = |s: &mut Scenario| s.waf.default_action = default_action;
        let recorded = world(scenario).send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let unrecorded =
            world(scenario).send_unrecorded(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        assert_eq!(recorded.outcome, unrecorded, "default {default_action:?}");
        assert_eq!(
            waf_decider(&recorded),
            &WafDecider::Default {
                action: default_action
            }
        );
        let blocked = default_action == WafAction::Block;
        assert_eq!(recorded.outcome.status == Some(403), blocked);
        if blocked {
            assert_eq!(recorded.outcome.decided_by, "waf");
            assert!(unrecorded.summary.ends_with("the default action (Block)"));
        }
    }
}

#[test]
fn sql_injection_in_the_body_is_blocked_too() {
    // §6: matches on query, body and headers.
    let mut w = World::default_world();
    let t = w.send(&Request {
        method: "POST".into(),
        body: "name=x' OR 1=1 --".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(403));
    assert!(
        matches!(
            waf_decider(&t),
            WafDecider::Rule {
                statement: WafStatementKind::SqlInjection,
                action: WafAction::Block,
                inspected: WafInspected::Pattern { field, .. },
                ..
            } if field == "body"
        ),
        "{:?}",
        waf_decider(&t)
    );
    let blocked = t.hops.iter().flat_map(|h| &h.checks).find(|c| !c.allowed);
    assert!(matches!(
        blocked.and_then(|c| c.rule.as_ref()),
        Some(RuleRef::WafRule { priority: 1, .. })
    ));
}

#[test]
fn geo_match_blocks_by_the_viewer_country() {
    // §6: geo match by the source address's country.
    let mut w = world(|s| {
        s.waf.rules.push(WafRule {
            priority: 4,
            name: "NoFrance".into(),
            statement: WafStatement::GeoMatch {
                countries: vec!["FR".into()],
            },
            action: WafAction::Block,
            labels: Vec::new(),
            immunity_s: None,
        });
    });
    assert_eq!(get(&mut w, DEFAULT_URL).outcome.status, Some(200));
    let t = w.send(&Request::get("client-eu", DEFAULT_URL));
    assert_eq!(t.outcome.status, Some(403));
    assert_eq!(t.outcome.decided_by, "waf");
    assert!(matches!(
        waf_decider(&t),
        WafDecider::Rule {
            priority: 4,
            statement: WafStatementKind::GeoMatch,
            inspected: WafInspected::Country { country: Some(cc), .. },
            ..
        } if cc == "FR"
    ));
}

#[test]
fn the_rate_based_rule_blocks_an_address_over_its_limit_in_the_window() {
    // §6: current windows 60-600 s, minimum limit 10.
    let mut w = world(|s| {
        s.waf.rules[3].statement = WafStatement::RateBased {
            limit: 10,
            window_s: 60,
        };
    });
    let statuses: Vec<_> = (0..12)
        .map(|_| get(&mut w, DEFAULT_URL).outcome.status)
        .collect();
    assert_eq!(
        statuses[..10].iter().filter(|s| **s == Some(200)).count(),
        10
    );
    assert_eq!(statuses[10], Some(403));
    w.advance(61_000);
    assert_eq!(get(&mut w, DEFAULT_URL).outcome.status, Some(200));
}

#[test]
fn waf_rules_outside_the_current_limits_are_refused() {
    // §6 and §19.3: a 5-minute window with minimum 100 is the old rule; now minimum 10.
    let mut s = default_scenario();
    s.waf.rules[3].statement = WafStatement::RateBased {
        limit: 5,
        window_s: 300,
    };
    assert!(World::new(s, 1).unwrap_err().contains("minimum of 10"));
    let mut s = default_scenario();
    s.waf.rules[3].statement = WafStatement::RateBased {
        limit: 100,
        window_s: 30,
    };
    assert!(World::new(s, 1).unwrap_err().contains("60, 120, 300, 600"));
}

#[test]
fn a_web_acl_on_the_alb_sees_cloudfront_unless_it_reads_the_forwarded_header() {
    // §6, §17: behind CloudFront the ALB's peer is the edge; XFF carries the viewer.
    let block_viewer = |fwd: Option<&str>| {
        world(|s| {
            let mut acl = s.waf.clone();
            acl.id = "waf-alb-a".into();
            acl.rules = vec![WafRule {
                priority: 0,
                name: "BlockViewer".into(),
                statement: WafStatement::IpSet {
                    cidrs: vec!["203.0.113.10/32".parse().unwrap()],
                },
                action: WafAction::Block,
                labels: Vec::new(),
                immunity_s: None,
            }];
            acl.forwarded_ip_header = fwd.map(|s| s.to_string());
            region_a(s).alb.web_acl = Some(acl);
        })
    };
    let mut w = block_viewer(None);
    assert_eq!(
        get(&mut w, DEFAULT_URL).outcome.status,
        Some(200),
        "sees 18.160.10.5, not the viewer"
    );
    let mut w = block_viewer(Some("X-Forwarded-For"));
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(403));
    assert_eq!(t.outcome.decided_by, "alb-a");
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Waf(hoplab::sim::event::WafEvent::Decision {
            allowed: false,
            at: hoplab::sim::event::waf::WafSite::Alb { .. },
            decider: hoplab::sim::event::waf::WafDecider::Rule { name, .. },
            ..
        }) if name == "BlockViewer"
    )));
}

// ----------------------------------------------------------------- RDS

#[test]
fn an_rds_primary_failure_is_a_500_until_multi_az_promotes_the_standby() {
    // §15: failover 60-120 s, the endpoint flips to the standby.
    let mut w = World::default_world();
    w.set_fault(
        Fault::RdsPrimaryDown {
            region: "us-east-1".into(),
        },
        true,
    );
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(500));
    assert!(t
        .hops
        .iter()
        .any(|h| h.to == "rds-a-1" && h.verdict == Verdict::Timeout));
    w.advance(121_000);
    assert_eq!(w.rds_primary("us-east-1"), Some("rds-a-2"));
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(200));
    assert!(t.hops.iter().any(|h| h.to == "rds-a-2"));
}

// ------------------------------------------------------- bursts, scripts

#[test]
fn a_burst_reports_status_codes_regions_pods_and_latency() {
    let mut w = World::default_world();
    let clients = vec![
        "client-na".to_string(),
        "client-eu".to_string(),
        "client-ap".to_string(),
    ];
    let r = w.burst_get(300, &clients, DEFAULT_URL).unwrap();
    assert_eq!(r.requests, 300);
    assert_eq!(r.status.get(200), Some(&300));
    assert_eq!(r.regions.get("us-east-1"), Some(&300));
    assert_eq!(r.pods.len(), 4, "round robin spreads over the four pods");
    assert!(r.latency.p50_ms > 0.0 && r.latency.p50_ms <= r.latency.p99_ms);
    let r = w.burst_get(30, &clients, &api("/static/app.js")).unwrap();
    assert!(
        r.cache_hit_ratio > 0.8,
        "after one miss per edge, the rest hit: {}",
        r.cache_hit_ratio
    );
    assert!(w
        .burst_get(10_001, &clients, DEFAULT_URL)
        .unwrap_err()
        .contains("at most 10000"));
}

#[test]
fn a_script_replays_a_region_failover_end_to_end() {
    let script = Script::from_json(
        r#"{"seed": 3, "steps": [
            {"request": {"client": "client-na", "url": "https://healthcareapp.com/api/appointments"}},
            {"fault": {"kind": "region_down", "region": "us-east-1"}},
            {"advance": "2m"},
            {"burst": {"count": 20, "clients": ["client-na", "client-eu"], "url": "https://healthcareapp.com/api/appointments"}}
        ]}"#,
    )
    .unwrap();
    let mut w = World::new(default_scenario(), 3).unwrap();
    let (out, err) = script.run(&mut w);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(out.len(), 4);
    match &out[3] {
        hoplab::sim::script::StepResult::Burst { report, .. } => {
            assert_eq!(report.regions.get("us-west-2"), Some(&20), "{report:?}");
        }
        other => panic!("expected a burst, got {other:?}"),
    }
}

#[test]
fn a_bad_scenario_file_names_the_field_and_the_problem() {
    let mut v = serde_json::to_value(default_scenario()).unwrap();
    v["regions"][0]["vpc"]["cidr"] = serde_json::json!("10.0.0.0/40");
    let e = Scenario::from_json(&v.to_string()).unwrap_err();
    assert!(e.contains("regions[0].vpc.cidr"), "{e}");
    let mut v = serde_json::to_value(default_scenario()).unwrap();
    v["regions"][0]["vpc"]["subnets"][2]["cidr"] = serde_json::json!("10.0.11.0/24");
    let e = Scenario::from_json(&v.to_string()).unwrap_err();
    assert!(e.contains("overlaps"), "{e}");
    let back = Scenario::from_json(&serde_json::to_string(&default_scenario()).unwrap()).unwrap();
    assert_eq!(back, default_scenario());
}

// ------------------------------------- probes, default backend, replicas, NAT

#[test]
fn a_hung_pod_is_restarted_by_its_liveness_probe_but_a_failing_app_only_turns_unready() {
    // §14: liveness fails 3 x 10 s -> restart; readiness fails -> no traffic, no restart.
    let mut w = World::default_world();
    w.set_fault(
        Fault::PodHung {
            pod: "pod-a-1".into(),
        },
        true,
    );
    w.set_fault(
        Fault::TargetUnhealthy {
            pod: "pod-a-2".into(),
        },
        true,
    );
    w.advance(30_000);
    assert!(
        !w.faults().contains(&Fault::PodHung {
            pod: "pod-a-1".into()
        }),
        "the restart cleared the hang"
    );
    assert!(w
        .events()
        .iter()
        .any(|e| e.source == "kubelet pod-a-1" && e.text.contains("restarted")));
    assert!(w.faults().contains(&Fault::TargetUnhealthy {
        pod: "pod-a-2".into()
    }));
    assert!(!w.pod_ready("pod-a-2"));
    w.advance(10_000);
    assert!(w.pod_ready("pod-a-1"), "ready again at the next probe");
}

#[test]
fn an_ingress_default_backend_becomes_the_listeners_default_action() {
    // §13: no host/path match -> default backend.
    let mut w = world(|s| {
        s.cdn.behaviors[0].path_pattern = "/*".into();
        region_a(s).cluster.ingress.default_backend = Some("svc-a".into());
    });
    let t = get(&mut w, &api("/anything"));
    assert_eq!(t.outcome.status, Some(200));
    let default = alb_hop(&t, |e| {
        matches!(e, AlbEvent::DefaultAction {
            action: ListenerDefault::IngressBackend { target_group, .. }, ..
        } if target_group == "tg-appointments-a")
    })
    .unwrap();
    assert_eq!(
        default.checks.last().and_then(|c| c.rule.clone()),
        Some(hoplab::sim::trace::RuleRef::ListenerDefault)
    );
}

#[test]
fn an_application_dns_cache_keeps_pods_on_the_failed_primary_after_the_endpoint_flips() {
    // §15: failover flips the endpoint's DNS record; long DNS caching in the
    // client prolongs the outage. §1: AWS recommends at most 60 s.
    let statuses = |cache_s: u32| {
        let mut w = world(|s| {
            region_a(s).cluster.app_dns_cache_s = cache_s;
            s.cdn.error_caching_min_ttl_s = 0; // every request reaches a pod (§5)
        });
        for _ in 0..4 {
            assert_eq!(get(&mut w, DEFAULT_URL).outcome.status, Some(200));
        }
        w.set_fault(
            Fault::RdsPrimaryDown {
                region: "us-east-1".into(),
            },
            true,
        );
        w.advance(150_000);
        assert_eq!(w.rds_primary("us-east-1"), Some("rds-a-2"), "failed over");
        let after: Vec<_> = (0..4).map(|_| get(&mut w, DEFAULT_URL)).collect();
        w.advance(300_000);
        let later: Vec<_> = (0..4)
            .map(|_| get(&mut w, DEFAULT_URL).outcome.status)
            .collect();
        (after, later)
    };
    let (after, later) = statuses(0);
    assert!(
        after.iter().all(|t| t.outcome.status == Some(200)),
        "no cache: the flip is seen at once"
    );
    assert!(later.iter().all(|s| *s == Some(200)));
    let (after, later) = statuses(400);
    for t in &after {
        assert_eq!(t.outcome.status, Some(500), "still on the old primary");
        let hop = app_hop(t, |e| {
            matches!(e, AppEvent::AppDnsCache { instance, primary, .. }
                if instance == "rds-a-1" && primary == "rds-a-2")
        })
        .expect("the pod used its cached address");
        assert!(hop.why.contains("prolongs a failover"), "{}", hop.why);
    }
    assert!(
        later.iter().all(|s| *s == Some(200)),
        "the cache expired: {later:?}"
    );
    // Once the old primary is back it is the standby, which refuses connections.
    let mut w = world(|s| {
        region_a(s).cluster.app_dns_cache_s = 400;
        s.cdn.error_caching_min_ttl_s = 0;
    });
    get(&mut w, DEFAULT_URL);
    let down = Fault::RdsPrimaryDown {
        region: "us-east-1".into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(150_000);
    w.set_fault(down, false);
    // pod-a-1 resolved the endpoint before the failover.
    let t = (0..4)
        .map(|_| get(&mut w, DEFAULT_URL))
        .find(|t| t.outcome.pod.as_deref() == Some("pod-a-1"))
        .expect("round robin reaches pod-a-1");
    assert_eq!(t.outcome.status, Some(500));
    assert!(app_hop(&t, |e| matches!(
        e,
        AppEvent::DbRefused { instance } if instance == "rds-a-1"
    ))
    .is_some());
    let mut s = default_scenario();
    region_a(&mut s).cluster.app_dns_cache_s = 100_000;
    assert!(World::new(s, 1).unwrap_err().contains("app_dns_cache_s"));
}

#[test]
fn reads_go_to_a_read_replica_and_survive_a_primary_failure_while_writes_do_not() {
    // §15: replicas are asynchronous, read-only, with their own endpoint; no automatic promotion.
    let mut w = world(|s| {
        let r = region_a(s);
        r.rds.replicas.push(DbInstance {
            id: "rds-a-r1".into(),
            subnet: "subnet-data-a2".into(),
            host: 30,
            public_ip: None,
        });
        r.rds.instances.truncate(1); // single-AZ primary: no standby to fail over to
    });
    let t = get(&mut w, DEFAULT_URL);
    assert!(app_hop(&t, |e| matches!(
        e,
        AppEvent::Query { instance, role: hoplab::sim::event::app::DbRole::Replica, .. }
            if instance == "rds-a-r1"
    ))
    .is_some());
    w.set_fault(
        Fault::RdsPrimaryDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(200_000);
    assert_eq!(
        w.rds_primary("us-east-1"),
        Some("rds-a-1"),
        "nothing to promote"
    );
    assert_eq!(
        get(&mut w, DEFAULT_URL).outcome.status,
        Some(200),
        "reads still work"
    );
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(500), "writes need the primary");
}

#[test]
fn a_write_calls_the_sms_api_through_the_nat_gateway() {
    use hoplab::sim::event::net::NetEvent;
    use hoplab::sim::trace::Event;
    // §10: private subnets reach the internet only through a NAT gateway.
    let mut w = World::default_world();
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
    let nat = t
        .hops
        .iter()
        .find(|h| h.to.starts_with("nat-a"))
        .expect("a hop into the NAT gateway");
    let Event::Net(NetEvent::EgressHandshake { flow, nat: id, .. }) = &nat.event else {
        panic!("{:?}", nat.event)
    };
    assert_eq!(id, &nat.to);
    assert_eq!(flow.dst_port, 443);
    assert!(nat.checks.iter().any(|c| c.rule
        == Some(hoplab::sim::trace::RuleRef::Route {
            destination: "0.0.0.0/0".into(),
            target: id.clone()
        })));
    // The NAT gateway rewrites the source to its own address.
    let rewrite = t.hops.iter().find(|h| h.from == nat.to).unwrap();
    let Event::Net(NetEvent::NatRewrite { src, .. }) = rewrite.event else {
        panic!("{:?}", rewrite.event)
    };
    assert_ne!(src, flow.src);
    assert!(t.hops.iter().any(|h| h.to == "sms-api"));
}

#[test]
fn without_the_443_egress_rule_the_write_fails_at_the_app_subnet_acl() {
    use hoplab::sim::event::net::{EgressDrop, NetEvent};
    use hoplab::sim::trace::Event;
    // §12: stateless NACLs need the outbound rule too.
    let mut w = World::default_world();
    w.apply_edit(&hoplab::sim::Edit::RemoveNaclRule {
        nacl: "acl-app-a".into(),
        direction: hoplab::sim::trace::Direction::Outbound,
        number: 120,
    })
    .unwrap();
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(500));
    let drop = t
        .hops
        .iter()
        .find(|h| h.verdict == Verdict::Dropped)
        .unwrap();
    assert_eq!(drop.code, Code::SubnetAclRestriction);
    let c = drop.deciding_check().unwrap();
    assert_eq!(c.subject, "acl-app-a");
    assert_eq!(c.side, Some(hoplab::sim::trace::Side::Source));
    let Event::Net(NetEvent::EgressDropped {
        reason: EgressDrop::Outbound { by },
        ..
    }) = &drop.event
    else {
        panic!("{:?}", drop.event)
    };
    assert_eq!(**by, *c);
}

#[test]
fn a_nat_gateway_is_zonal_so_sharing_one_across_azs_loses_egress_with_its_az() {
    use hoplab::sim::event::net::{EgressDrop, NetEvent};
    use hoplab::sim::trace::Event;
    // §10: if its AZ fails, other AZs using it lose internet.
    let mut w = world(|s| {
        let rt = region_a(s)
            .vpc
            .route_tables
            .iter_mut()
            .find(|r| r.id == "rtb-app-a2")
            .unwrap();
        rt.routes[1].target = hoplab::sim::net::RouteTarget::Nat("nat-a1".into());
    });
    w.set_fault(
        Fault::AzDown {
            az: "us-east-1a".into(),
        },
        true,
    );
    w.advance(130_000); // targets in 1a unhealthy, database failed over to 1b
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
    });
    assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Net(NetEvent::EgressDropped {
            reason: EgressDrop::NatZoneDown { nat, az },
            ..
        }) if nat == "nat-a1" && az == "us-east-1a"
    )));
    assert!(hop_with(&t, "NAT gateway is zonal").is_some());
}

#[test]
fn a_default_nacl_lets_everything_through_and_a_new_custom_nacl_blocks_everything() {
    // §12: default NACL = rule 100 allow all both ways; a new custom NACL has only `*` deny.
    let swap = |acl: hoplab::sim::net::Nacl| {
        world(move |s| {
            let r = region_a(s);
            let i = r
                .vpc
                .nacls
                .iter()
                .position(|n| n.id == "acl-public-a")
                .unwrap();
            r.vpc.nacls[i] = acl;
        })
    };
    let mut w = swap(hoplab::sim::net::Nacl::default_acl("acl-public-a"));
    assert_eq!(get(&mut w, DEFAULT_URL).outcome.status, Some(200));
    let mut w = swap(hoplab::sim::net::Nacl::custom_acl("acl-public-a"));
    let t = get(&mut w, DEFAULT_URL);
    assert_eq!(t.outcome.status, Some(504));
    assert!(t
        .hops
        .iter()
        .any(|h| h.checks.iter().any(|c| c.subject == "acl-public-a"
            && c.rule == Some(hoplab::sim::trace::RuleRef::Star)
            && !c.allowed)));
}

/// The inspector speaks the console's language, not Rust's: records read as
/// "A alias -> ...", "failover (primary, check ...)", WAF rules as sentences.
#[test]
fn the_inspector_shows_records_and_waf_rules_as_a_console_would() {
    let w = World::default_world();
    let zone = w.inspect("route53");
    let records: Vec<&String> = zone
        .iter()
        .filter(|(k, _)| k.starts_with("record "))
        .map(|(_, v)| v)
        .collect();
    assert!(!records.is_empty());
    assert!(
        records
            .iter()
            .any(|v| v.contains("A alias -> the CloudFront distribution")),
        "{records:?}"
    );
    assert!(
        records.iter().any(|v| v.contains("failover (primary")),
        "{records:?}"
    );
    let waf_id = w.scenario().waf.id.clone();
    let waf = w.inspect(&waf_id);
    let all: String = zone
        .iter()
        .chain(waf.iter())
        .map(|(k, v)| format!("{k} {v}\n"))
        .collect();
    assert!(!all.contains('{') && !all.contains("Some("), "{all}");
    assert!(
        waf.iter()
            .any(|(_, v)| v.contains("requests per source IP in")),
        "{waf:?}"
    );
    let alb = w.inspect("alb-a");
    let row = |key: &str| {
        alb.iter()
            .find(|(k, _)| k.starts_with(key))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {key} row: {alb:?}"))
    };
    assert!(row("listener").contains("*.healthcareapp.com"));
    assert!(
        row("target group").contains("ip targets, round robin; health /healthz every 15 s"),
        "{alb:?}"
    );
    let cf = w.inspect("cloudfront");
    assert!(
        cf.iter()
            .any(|(k, v)| k == "behaviour 2" && v.ends_with("; GET, HEAD)")),
        "the static behaviour lists its methods: {cf:?}"
    );
}

#[test]
fn each_target_is_health_checked_with_its_own_target_groups_interval_and_thresholds() {
    use hoplab::sim::world::TargetState;
    // §8: interval and thresholds are settings of a target group. Region a
    // gets a second group (60 s, unhealthy after 3) whose Service selects
    // pod-a-4; the first keeps 15 s, unhealthy after 2.
    let mut w = world(|s| {
        let r = region_a(s);
        r.cluster
            .pods
            .iter_mut()
            .find(|p| p.id == "pod-a-4")
            .unwrap()
            .app = "reports".into();
        r.cluster.services.push(Service {
            id: "svc-a-reports".into(),
            name: "reports".into(),
            port: 80,
            target_port: 8080,
            app: "reports".into(),
            external_traffic_policy: Default::default(),
        });
        let mut tg = r.alb.target_groups[0].clone();
        tg.id = "tg-reports-a".into();
        tg.service = "svc-a-reports".into();
        tg.health_interval_s = 60;
        tg.unhealthy_threshold = 3;
        r.alb.target_groups.push(tg);
    });
    assert_eq!(w.target_health("pod-a-1").unwrap().next_due_ms, 15_000);
    assert_eq!(w.target_health("pod-a-4").unwrap().next_due_ms, 60_000);
    for pod in ["pod-a-1", "pod-a-4"] {
        w.set_fault(Fault::TargetUnhealthy { pod: pod.into() }, true);
    }
    w.advance(30_000);
    let (a1, a4) = (
        w.target_health("pod-a-1").unwrap(),
        w.target_health("pod-a-4").unwrap(),
    );
    assert_eq!(
        a1.state,
        TargetState::Unhealthy,
        "2 failed checks 15 s apart"
    );
    assert_eq!(a4.state, TargetState::Healthy, "not checked yet");
    assert_eq!(a4.consecutive_failures, 0);
    w.advance(90_000); // t = 120 s: checks at 60 s and 120 s
    let a4 = w.target_health("pod-a-4").unwrap();
    assert_eq!(a4.consecutive_failures, 2);
    assert_eq!(
        a4.state,
        TargetState::Healthy,
        "its own group needs 3 failures"
    );
    assert_eq!(a4.next_due_ms, 180_000);
    w.advance(60_000); // t = 180 s: the third failure
    assert_eq!(
        w.target_health("pod-a-4").unwrap().state,
        TargetState::Unhealthy
    );
}
