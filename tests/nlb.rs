//! The Network Load Balancer: listeners by protocol and port, TLS passed
//! through or terminated, nodes per AZ and cross-zone load balancing, the
//! source address a target sees (client IP preservation) and the security
//! group and NACL checks that use it, and what validation refuses. Section
//! numbers refer to ../shared/reference/aws-facts.md.

use hoplab::sim::check::{CheckKind, Leg};
use hoplab::sim::conn::{Closed, Closer};
use hoplab::sim::defaults::default_scenario;
use hoplab::sim::event::net::{NetEvent, ReuseEnd};
use hoplab::sim::event::nlb::{NlbConnect, NlbEvent, TargetEnd};
use hoplab::sim::event::{AppEvent, Event};
use hoplab::sim::net::Flow;
use hoplab::sim::scenario::*;
use hoplab::sim::trace::{Code, Direction, Verdict};
use hoplab::sim::world::{TargetState, DEFAULT_CLIENT};
use hoplab::sim::{Edit, Request, Trace, World};

/// The default world with region A's default NLB (`nlb-a`: a TCP
/// listener on 443 to the pods on 8080, ip targets, cross-zone off), and
/// `f` applied to it.
fn world(f: impl FnOnce(&mut Nlb, &mut Region)) -> World {
    let mut s = default_scenario();
    let r = &mut s.regions[0];
    let mut nlb = Nlb::default_for(r);
    f(&mut nlb, r);
    r.nlb = Some(nlb);
    World::new(s, 1).expect("test scenario is valid")
}

/// The pods' security group also allows 8080 from the VPC (the NLB nodes'
/// private addresses): a rule naming the ALB's group does not match them.
fn allow_vpc(w: &mut World) {
    edit(
        w,
        Edit::AddSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "8080".into(),
            peer: "10.0.0.0/16".into(),
            action: None,
        },
    );
}

fn edit(w: &mut World, e: Edit) {
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{e:?}: {err}"));
}

fn node_ip(w: &World, az: usize) -> String {
    let nlb = w.scenario().regions[0].nlb.as_ref().unwrap();
    nlb.nodes[az].public_ip.unwrap().to_string()
}

/// A browser's HTTPS GET straight to an NLB node's address, on a new
/// connection (the browser first closes the one it kept: each request here
/// meets the NLB's pick of a target for a new connection).
fn get(w: &mut World, url: &str) -> Trace {
    w.close_idle_connections(DEFAULT_CLIENT);
    w.send(&Request::get(DEFAULT_CLIENT, url).no_store())
}

fn get_node(w: &mut World, az: usize, path: &str) -> Trace {
    let url = format!("https://{}{path}", node_ip(w, az));
    get(w, &url)
}

fn nlb_events(t: &Trace) -> Vec<&NlbEvent> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Nlb(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn nlb_hop(t: &Trace, f: impl Fn(&NlbEvent) -> bool) -> &hoplab::sim::Hop {
    t.hops
        .iter()
        .find(|h| matches!(&h.event, Event::Nlb(e) if f(e)))
        .unwrap_or_else(|| panic!("no such NLB hop in\n{}", t.render_text()))
}

/// Open the app tier's network ACL and security group to the internet on
/// 8080 and its replies to any address: what client IP preservation needs.
fn open_app_tier_nacl(w: &mut World) {
    for (direction, ports) in [
        (Direction::Inbound, "8080"),
        (Direction::Outbound, "1024-65535"),
    ] {
        edit(
            w,
            Edit::AddNaclRule {
                nacl: "acl-app-a".into(),
                direction,
                number: "90".into(),
                protocol: "tcp".into(),
                ports: ports.into(),
                cidr: "0.0.0.0/0".into(),
                action: "allow".into(),
            },
        );
    }
}

fn allow_clients_in_sg(w: &mut World) {
    edit(
        w,
        Edit::AddSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "8080".into(),
            peer: "203.0.113.0/24".into(),
            action: None,
        },
    );
}

fn target_connect(t: &Trace) -> (&hoplab::sim::Hop, bool, &TargetEnd, String) {
    let h = nlb_hop(t, |e| matches!(e, NlbEvent::TargetConnect { .. }));
    match &h.event {
        Event::Nlb(NlbEvent::TargetConnect {
            preserved,
            end,
            flow,
            ..
        }) => (h, *preserved, end, flow.src.to_string()),
        _ => unreachable!(),
    }
}

fn pod_peer(t: &Trace) -> Option<std::net::Ipv4Addr> {
    t.hops.iter().find_map(|h| match &h.event {
        Event::App(AppEvent::PodRequest { peer, .. }) => Some(*peer),
        _ => None,
    })
}

fn pick_azs(t: &Trace) -> Option<(String, String, Code)> {
    t.hops.iter().find_map(|h| match &h.event {
        Event::Nlb(NlbEvent::TargetPick {
            target_az, node_az, ..
        }) => Some((target_az.clone(), node_az.clone(), h.code)),
        _ => None,
    })
}

#[test]
fn a_tcp_listener_on_443_passes_tls_through_and_the_nlb_reads_no_http() {
    // Fact sheet §9: a TCP listener on 443 passes TLS through untouched;
    // no X-Forwarded-For, no path rules, no web ACL at an NLB.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    assert!(nlb_events(&t)
        .iter()
        .any(|e| matches!(e, NlbEvent::TlsPassThrough { port: 443 })));
    assert!(!nlb_events(&t)
        .iter()
        .any(|e| matches!(e, NlbEvent::TlsTerminated { .. })));
    // Neither the ALB nor any web ACL is on the path.
    assert!(!t
        .hops
        .iter()
        .any(|h| matches!(h.event, Event::Alb(_) | Event::Waf(_) | Event::Cdn(_))));
    // The pod's request is marked as the NLB's, whose English names no
    // X-Forwarded-For (the ALB's does).
    let pod = t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::App(AppEvent::PodRequest { .. })))
        .expect("the pod's hop");
    assert!(matches!(
        pod.event,
        Event::App(AppEvent::PodRequest { by_nlb: true, .. })
    ));
    assert!(pod.why.contains("adds no X-Forwarded-For"), "{}", pod.why);
}

#[test]
fn the_nlb_has_no_path_rules_so_every_path_reaches_the_same_target_group() {
    // Fact sheet §9: no path/host rules at layer 4.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    for path in ["/", "/api/appointments", "/no/such/rule"] {
        let t = get_node(&mut w, 0, path);
        let h = nlb_hop(&t, |e| matches!(e, NlbEvent::TargetPick { .. }));
        assert!(
            matches!(&h.event, Event::Nlb(NlbEvent::TargetPick { target_group, .. }) if target_group == "tg-nlb-a"),
            "{path}"
        );
    }
}

#[test]
fn a_port_without_a_listener_is_refused_with_listeners_mismatch() {
    // Fact sheet §9, §25: ELBV2_LISTENERS_MISMATCH.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    let url = format!("https://{}:8443/", node_ip(&w, 0));
    let t = get(&mut w, &url);
    let h = nlb_hop(&t, |e| {
        matches!(
            e,
            NlbEvent::Connect {
                result: NlbConnect::NoListener { port: 8443, .. },
                ..
            }
        )
    });
    assert_eq!(
        (h.verdict, h.code),
        (Verdict::Error, Code::Elbv2ListenersMismatch)
    );
    assert_eq!(t.outcome.code, Code::Elbv2ListenersMismatch);
    assert_eq!(t.outcome.status, None);
}

#[test]
fn a_udp_listener_does_not_take_a_browsers_tcp_connection() {
    // Fact sheet §9: listeners match by protocol as well as port.
    let mut w = world(|nlb, _| {
        nlb.listeners[0].protocol = NlbProtocol::Udp;
        nlb.target_groups[0].protocol = NlbProtocol::Udp;
    });
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    assert_eq!(t.outcome.code, Code::Elbv2ListenersMismatch);
    // TCP_UDP takes it.
    let mut w = world(|nlb, _| {
        nlb.listeners[0].protocol = NlbProtocol::TcpUdp;
        nlb.target_groups[0].protocol = NlbProtocol::TcpUdp;
    });
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    assert!(nlb_events(&t).iter().any(|e| matches!(
        e,
        NlbEvent::Connect {
            result: NlbConnect::Accepted {
                listener: NlbProtocol::TcpUdp
            },
            ..
        }
    )));
}

#[test]
fn with_cross_zone_off_a_node_sends_only_to_targets_in_its_own_az() {
    // Fact sheet §9: cross-zone load balancing is off by default on an NLB.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    for az in [0, 1] {
        for _ in 0..12 {
            let t = get_node(&mut w, az, "/");
            let (target_az, node_az, code) = pick_azs(&t).expect("a target was picked");
            assert_eq!(target_az, node_az);
            assert_eq!(code, Code::ElbNotCrosszone);
        }
    }
}

#[test]
fn with_cross_zone_on_a_node_also_sends_to_the_other_azs_targets() {
    // Fact sheet §9.
    let mut w = world(|nlb, _| nlb.cross_zone = true);
    allow_vpc(&mut w);
    let crossed = (0..30)
        .filter_map(|_| pick_azs(&get_node(&mut w, 0, "/")))
        .filter(|(target_az, node_az, _)| target_az != node_az)
        .count();
    assert!(
        crossed > 0,
        "30 connections into one node all stayed in its AZ"
    );
}

#[test]
fn a_node_whose_az_has_no_target_has_nowhere_to_send_with_cross_zone_off() {
    // Fact sheet §9, §25: ELBV2_NO_TARGETS_IN_AZ; cross-zone on fixes it.
    let no_pods_in_a1 = |r: &mut Region| r.cluster.pods.retain(|p| p.subnet != "subnet-app-a1");
    let mut w = world(|_, r| no_pods_in_a1(r));
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    let h = nlb_hop(&t, |e| matches!(e, NlbEvent::NoTargetsInAz { .. }));
    assert!(matches!(
        &h.event,
        Event::Nlb(NlbEvent::NoTargetsInAz { elsewhere, .. }) if *elsewhere > 0
    ));
    assert_eq!(t.outcome.code, Code::Elbv2NoTargetsInAz);
    // The other AZ's node still serves.
    assert_eq!(get_node(&mut w, 1, "/").outcome.status, Some(200));
    let mut w = world(|nlb, r| {
        no_pods_in_a1(r);
        nlb.cross_zone = true;
    });
    allow_vpc(&mut w);
    assert_eq!(get_node(&mut w, 0, "/").outcome.status, Some(200));
}

#[test]
fn ip_targets_with_tcp_see_the_nodes_private_address() {
    // Fact sheet §9: client IP preservation is off by default for ip
    // targets with TCP/TLS: the target sees the NLB node.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (_, preserved, end, src) = target_connect(&t);
    assert!(!preserved);
    assert_eq!(*end, TargetEnd::Established);
    assert_eq!(src, "10.0.0.30");
    assert_eq!(pod_peer(&t), Some("10.0.0.30".parse().unwrap()));
}

#[test]
fn client_ip_preservation_defaults_follow_target_type_and_protocol() {
    // Fact sheet §9: on for instance targets and for UDP/TCP_UDP, off for
    // ip targets with TCP/TLS; an explicit setting wins.
    let r = &default_scenario().regions[0];
    let mut tg = Nlb::default_for(r).target_groups.remove(0);
    assert!(!tg.preserves_client_ip());
    tg.protocol = NlbProtocol::Tls;
    assert!(!tg.preserves_client_ip());
    tg.protocol = NlbProtocol::Udp;
    assert!(tg.preserves_client_ip());
    tg.protocol = NlbProtocol::TcpUdp;
    assert!(tg.preserves_client_ip());
    tg.protocol = NlbProtocol::Tcp;
    tg.target_type = TargetType::Instance;
    assert!(tg.preserves_client_ip());
    tg.preserve_client_ip = Some(false);
    assert!(!tg.preserves_client_ip());
}

#[test]
fn the_pods_rule_naming_the_albs_security_group_does_not_admit_the_nlb() {
    // Fact sheet §9, §11: an NLB without security groups is no member of
    // sg-alb-a; the pods' group drops its SYN and the client times out.
    let mut w = world(|_, _| {});
    let t = get_node(&mut w, 0, "/");
    let (h, _, end, _) = target_connect(&t);
    assert_eq!(
        (h.verdict, h.code),
        (Verdict::Dropped, Code::EniSgRulesMismatch)
    );
    assert!(
        matches!(end, TargetEnd::Dropped { by } if by.kind == CheckKind::SecurityGroup && by.subject == "sg-app-a")
    );
    assert_eq!(t.outcome.status, None);
}

#[test]
fn with_client_ip_preserved_the_targets_group_must_allow_the_client_not_the_nlb() {
    // Fact sheet §9, §11: the classic trap. The VPC-wide rule that admits
    // the NLB's nodes does not match the client's own address.
    let mut w = world(|nlb, _| nlb.target_groups[0].preserve_client_ip = Some(true));
    allow_vpc(&mut w);
    open_app_tier_nacl(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (h, preserved, end, src) = target_connect(&t);
    assert!(preserved);
    assert_eq!(src, "203.0.113.10");
    assert_eq!(
        (h.verdict, h.code),
        (Verdict::Dropped, Code::EniSgRulesMismatch)
    );
    assert!(matches!(end, TargetEnd::Dropped { by } if by.kind == CheckKind::SecurityGroup));
    // Allow the clients' block: the pod sees the browser's own address.
    allow_clients_in_sg(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (h, ..) = target_connect(&t);
    assert_eq!(h.code, Code::Elbv2SourceAddressPreservation);
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(pod_peer(&t), Some("203.0.113.10".parse().unwrap()));
}

#[test]
fn with_client_ip_preserved_the_target_subnets_nacl_sees_the_client_too() {
    // Fact sheet §9, §12: the app tier's NACL lets replies out to the VPC
    // only, so the SYN-ACK to a preserved client address is denied there
    // (stateless: the return leg has its own rule).
    let mut w = world(|nlb, _| nlb.target_groups[0].preserve_client_ip = Some(true));
    allow_clients_in_sg(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (h, _, end, _) = target_connect(&t);
    assert_eq!(
        (h.verdict, h.code),
        (Verdict::Dropped, Code::SubnetAclRestriction)
    );
    assert!(matches!(end, TargetEnd::Dropped { by }
        if by.kind == CheckKind::Nacl && by.subject == "acl-app-a" && by.leg == Leg::Return
            && by.direction == Some(Direction::Outbound)));
}

#[test]
fn an_nlb_without_security_groups_is_not_checked_by_one_and_with_one_it_is() {
    // Fact sheet §9, §11: NLBs can have security groups; none, no check.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    let h = nlb_hop(&t, |e| matches!(e, NlbEvent::Connect { .. }));
    assert!(h.checks.iter().all(|c| c.kind != CheckKind::SecurityGroup));
    assert!(h.checks.iter().any(|c| c.kind == CheckKind::Nacl));
    // sg-db-a admits only PostgreSQL from the app tier.
    let mut w = world(|nlb, _| nlb.security_groups = vec!["sg-db-a".into()]);
    let t = get_node(&mut w, 0, "/");
    let h = nlb_hop(&t, |e| matches!(e, NlbEvent::Connect { .. }));
    assert_eq!(
        (h.verdict, h.code),
        (Verdict::Dropped, Code::EniSgRulesMismatch)
    );
    assert!(matches!(
        &h.event,
        Event::Nlb(NlbEvent::Connect { result: NlbConnect::Dropped { by, .. }, .. }) if by == "sg-db-a"
    ));
}

#[test]
fn a_route53_record_to_a_tls_listener_terminates_tls_at_the_nlb() {
    // Fact sheet §9: a TLS listener terminates TLS with its certificate.
    let mut w = world(|nlb, _| {
        nlb.listeners[0].protocol = NlbProtocol::Tls;
        nlb.listeners[0].certificate_domains = vec!["*.healthcareapp.com".into()];
    });
    allow_vpc(&mut w);
    let value = format!("A {}", node_ip(&w, 0));
    edit(
        &mut w,
        Edit::CreateRecord {
            name: "nlb.healthcareapp.com".into(),
            value,
            ttl_s: "60".into(),
            routing: "simple".into(),
            health_check: String::new(),
            evaluate_target_health: false,
        },
    );
    let t = get(&mut w, "https://nlb.healthcareapp.com/");
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    assert!(nlb_events(&t).iter().any(|e| matches!(
        e,
        NlbEvent::TlsTerminated { by_sni: true, certificate, .. } if certificate == "*.healthcareapp.com"
    )));
    assert!(!nlb_events(&t)
        .iter()
        .any(|e| matches!(e, NlbEvent::TlsPassThrough { .. })));
    // An address the certificate does not cover: the browser refuses it.
    let t = get_node(&mut w, 0, "/");
    assert_eq!(t.outcome.code, Code::CertificateMismatch);
}

#[test]
fn the_nlb_reports_its_idle_timeout_per_listener_protocol() {
    // Fact sheet §9, §26: TCP 350 s by default (60-6,000), TLS fixed 350 s,
    // UDP 120 s.
    let r = &default_scenario().regions[0];
    let mut l = Nlb::default_for(r).listeners.remove(0);
    assert_eq!(l.idle_timeout(), 350);
    l.idle_timeout_s = Some(900);
    assert_eq!(l.idle_timeout(), 900);
    l.protocol = NlbProtocol::Tls;
    assert_eq!(l.idle_timeout(), 350);
    l.protocol = NlbProtocol::Udp;
    assert_eq!(l.idle_timeout(), 120);
    let mut w = world(|nlb, _| nlb.listeners[0].idle_timeout_s = Some(900));
    allow_vpc(&mut w);
    let t = get_node(&mut w, 0, "/");
    assert!(nlb_events(&t).iter().any(|e| matches!(
        e,
        NlbEvent::TargetConnect {
            idle_timeout_s: 900,
            ..
        }
    )));
}

/// The problem validation finds in region A's NLB after `f`.
fn refused(f: impl FnOnce(&mut Nlb)) -> NlbProblem {
    let mut s = default_scenario();
    let mut nlb = Nlb::default_for(&s.regions[0]);
    f(&mut nlb);
    s.regions[0].nlb = Some(nlb);
    match s.validate() {
        Err(ScenarioError::Nlb { nlb, problem }) => {
            assert_eq!(nlb, "nlb-a");
            problem
        }
        other => panic!("expected an NLB refusal, got {other:?}"),
    }
}

#[test]
fn validation_refuses_what_aws_refuses_on_an_nlb() {
    // Fact sheet §9: ports 1-65535; one listener per port; only a TLS
    // listener has certificates (UDP carries no TLS); the idle timeout is a
    // TCP listener's, 60-6,000 s; listener and group protocols must fit.
    assert_eq!(
        refused(|n| n.listeners[0].port = 0),
        NlbProblem::PortOutOfRange { port: 0 }
    );
    assert_eq!(
        refused(|n| {
            let mut l = n.listeners[0].clone();
            l.protocol = NlbProtocol::TcpUdp;
            n.listeners.push(l);
        }),
        NlbProblem::DuplicateListener { port: 443 }
    );
    assert_eq!(
        refused(|n| {
            n.listeners[0].protocol = NlbProtocol::Udp;
            n.target_groups[0].protocol = NlbProtocol::Udp;
            n.listeners[0].certificate_domains = vec!["healthcareapp.com".into()];
        }),
        NlbProblem::CertificateNotTls {
            protocol: NlbProtocol::Udp,
            port: 443
        }
    );
    assert_eq!(
        refused(|n| n.listeners[0].protocol = NlbProtocol::Tls),
        NlbProblem::TlsWithoutCertificate { port: 443 }
    );
    assert_eq!(
        refused(|n| n.listeners[0].idle_timeout_s = Some(59)),
        NlbProblem::IdleTimeout {
            protocol: NlbProtocol::Tcp,
            seconds: 59
        }
    );
    assert_eq!(
        refused(|n| {
            n.listeners[0].protocol = NlbProtocol::Tls;
            n.listeners[0].certificate_domains = vec!["healthcareapp.com".into()];
            n.listeners[0].idle_timeout_s = Some(600);
        }),
        NlbProblem::IdleTimeout {
            protocol: NlbProtocol::Tls,
            seconds: 600
        }
    );
    assert_eq!(
        refused(|n| n.target_groups[0].protocol = NlbProtocol::Udp),
        NlbProblem::ProtocolMismatch {
            listener: NlbProtocol::Tcp,
            target_group: NlbProtocol::Udp
        }
    );
}

#[test]
fn a_web_acl_cannot_be_associated_with_an_nlb() {
    // Fact sheet §6, §9: AWS WAF protects HTTP at CloudFront and the ALB;
    // an NLB reads no HTTP.
    assert_eq!(
        refused(|n| n.web_acl = Some("waf".into())),
        NlbProblem::WafNotSupported {
            web_acl: "waf".into()
        }
    );
}

#[test]
fn the_default_world_has_no_nlb_and_its_file_does_not_mention_one() {
    // The scenario file is a boundary: an absent NLB is not written, and a
    // world with one reads back the same. Fact sheet §9.
    let s = default_scenario();
    assert!(s.regions.iter().all(|r| r.nlb.is_none()));
    assert!(!serde_json::to_string(&s).unwrap().contains("nlb"));
    let mut with = s.clone();
    with.regions[0].nlb = Some(Nlb::default_for(&with.regions[0]));
    let json = serde_json::to_string(&with).unwrap();
    assert_eq!(Scenario::from_json(&json).unwrap(), with);
}

#[test]
fn a_learner_adds_an_nlb_with_a_script_edit_and_the_inspector_describes_it() {
    // Fact sheet §9: the script's `add_nlb` puts an NLB beside the ALB;
    // the inspector names its scheme, nodes, cross-zone and listeners.
    let mut w = World::default_world();
    let e: Edit = serde_json::from_str(r#"{"kind":"add_nlb","region":"us-east-1"}"#).unwrap();
    edit(&mut w, e);
    let rows = hoplab::sim::inspect::inspect(&w, "nlb-a");
    let row = |label: &str| {
        rows.iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no row {label} in {rows:?}"))
    };
    assert_eq!(row("scheme"), "internet-facing");
    assert!(row("cross-zone").starts_with("off"));
    assert!(row("listener TCP 443").contains("idle timeout 350 s"));
    assert!(row("target group tg-nlb-a").contains("client IP preservation off (default)"));
    // Targets registered now start in initial (fact sheet §8, §9).
    assert!(row("targets tg-nlb-a").contains("pod-a-1 (initial)"));
    assert!(row("health tg-nlb-a pod-a-1").starts_with("initial: Elb.InitialHealthChecking"));
    // The pods' group admits only the ALB's: the NLB's checks fail, and
    // after the unhealthy threshold's 2 × 30 s the targets are unhealthy.
    w.advance(60_000);
    let rows = hoplab::sim::inspect::inspect(&w, "nlb-a");
    let row = |label: &str| {
        rows.iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no row {label} in {rows:?}"))
    };
    assert!(row("targets tg-nlb-a").contains("pod-a-1 (unhealthy)"));
    assert!(
        row("health tg-nlb-a pod-a-1").starts_with("unhealthy: Target.Timeout"),
        "{}",
        row("health tg-nlb-a pod-a-1")
    );
    let a = w.attachments("nlb-a");
    assert_eq!(a.subnets, vec!["subnet-public-a1", "subnet-public-a2"]);
    assert!(a.security_groups.is_empty());
    edit(
        &mut w,
        serde_json::from_str(r#"{"kind":"set_nlb_target_group","target_group":"tg-nlb-a","preserve_client_ip":"on"}"#)
            .unwrap(),
    );
    let tg = &w.scenario().regions[0].nlb.as_ref().unwrap().target_groups[0];
    assert_eq!(tg.preserve_client_ip, Some(true));
}

#[test]
fn a_node_whose_az_is_down_does_not_answer() {
    // Fact sheet §9: one node (one static address) per AZ; an AZ failure
    // silences that address while the other AZ's node still serves.
    let mut w = world(|_, _| {});
    allow_vpc(&mut w);
    let az = w.scenario().regions[0].azs[0].clone();
    w.set_fault(hoplab::sim::Fault::AzDown { az }, true);
    let t = get_node(&mut w, 0, "/");
    let h = nlb_hop(&t, |e| matches!(e, NlbEvent::Unreachable { .. }));
    assert_eq!((h.verdict, h.code), (Verdict::Timeout, Code::ComponentDown));
    assert_eq!(t.outcome.status, None);
    // The other node still takes connections to its AZ's pods (what the
    // application then answers depends on its database's AZ).
    let t = get_node(&mut w, 1, "/");
    let (_, _, end, _) = target_connect(&t);
    assert_eq!(*end, TargetEnd::Established);
}

#[test]
fn a_refused_nlb_edit_names_the_problem_and_changes_nothing() {
    // Fact sheet §9: a TLS listener's idle timeout is fixed at 350 s.
    let mut w = world(|nlb, _| {
        nlb.listeners[0].protocol = NlbProtocol::Tls;
        nlb.listeners[0].certificate_domains = vec!["healthcareapp.com".into()];
    });
    let before = w.clone();
    let err = w
        .apply_edit(&Edit::SetNlbIdleTimeout {
            nlb: "nlb-a".into(),
            port: "443".into(),
            seconds: "600".into(),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        hoplab::sim::edit::EditError::Nlb {
            problem: NlbProblem::IdleTimeout {
                protocol: NlbProtocol::Tls,
                seconds: 600
            },
            ..
        }
    ));
    assert!(err.to_string().contains("TLS is fixed at 350 s"), "{err}");
    assert_eq!(w, before);
}

#[test]
fn cloudfront_can_fetch_from_an_origin_name_that_leads_to_the_nlb() {
    // Fact sheet §5, §9: a scenario can put an NLB where the ALB is. The
    // origin's name answers with the NLB's node; CloudFront connects
    // through it, and the pod sees the node (preservation off).
    let mut s = default_scenario();
    let r = &mut s.regions[0];
    let nlb = Nlb::default_for(r);
    let ip = nlb.nodes[0].public_ip.unwrap();
    r.nlb = Some(nlb);
    let zone = &mut s.dns.zone;
    zone.records
        .retain(|rec| rec.name != "api-origin.healthcareapp.com");
    zone.records.push(hoplab::sim::dnsconf::Record {
        name: "api-origin.healthcareapp.com".into(),
        value: hoplab::sim::dnsconf::RecordValue::A {
            addresses: vec![ip],
        },
        ttl_s: Some(60),
        routing: hoplab::sim::dnsconf::Routing::Simple,
        health_check: None,
        evaluate_target_health: false,
    });
    let mut w = World::new(s, 1).unwrap();
    allow_vpc(&mut w);
    let t = get(&mut w, "https://healthcareapp.com/api/appointments");
    let h = nlb_hop(&t, |e| matches!(e, NlbEvent::Connect { .. }));
    assert_eq!(h.from, "cloudfront");
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    assert_eq!(pod_peer(&t), Some("10.0.0.30".parse().unwrap()));
    assert!(!t.hops.iter().any(|h| matches!(h.event, Event::Alb(_))));
    // Without the VPC rule the pods' group drops the node's SYN: CloudFront
    // waits out its connection attempts and answers 504.
    let mut w2 = World::new(w.scenario().clone(), 1).unwrap();
    edit(
        &mut w2,
        Edit::RemoveSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            index: 1,
        },
    );
    let t = get(&mut w2, "https://healthcareapp.com/api/appointments");
    assert_eq!(t.outcome.status, Some(504), "{}", t.render_text());
}

#[test]
fn instance_targets_are_the_worker_nodes_on_the_nodeport_and_kube_proxy_picks_the_pod() {
    // Fact sheet §9, §14: instance targets are nodes on the Service's
    // NodePort; client IP preservation is on by default for them.
    let mut w = world(|nlb, _| {
        let tg = &mut nlb.target_groups[0];
        tg.target_type = TargetType::Instance;
        tg.port = 30080;
    });
    edit(
        &mut w,
        Edit::AddSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "30080".into(),
            peer: "203.0.113.0/24".into(),
            action: None,
        },
    );
    open_app_tier_nacl(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (h, preserved, end, src) = target_connect(&t);
    assert!(preserved);
    assert_eq!(src, "203.0.113.10");
    assert_eq!(*end, TargetEnd::Established);
    assert!(h.to.starts_with("node-a-"));
    assert!(t
        .hops
        .iter()
        .any(|h| matches!(&h.event, Event::App(AppEvent::EndpointPick { .. }))));
    assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
}

fn pick_health(t: &Trace) -> (String, u32, bool) {
    t.hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Nlb(NlbEvent::TargetPick {
                target,
                unhealthy,
                fail_open,
                ..
            }) => Some((target.clone(), *unhealthy, *fail_open)),
            _ => None,
        })
        .expect("a target was picked")
}

#[test]
fn health_checks_come_from_the_nlb_so_a_group_that_admits_only_clients_fails_them_all() {
    // Fact sheet §9, §11: with client IP preservation on, traffic comes
    // from the client but health checks still come from the NLB's private
    // addresses; when every target fails, the NLB fails open.
    let mut w = world(|nlb, _| nlb.target_groups[0].preserve_client_ip = Some(true));
    open_app_tier_nacl(&mut w);
    allow_clients_in_sg(&mut w);
    let t = get_node(&mut w, 0, "/");
    let (_, unhealthy, fail_open) = pick_health(&t);
    assert!(fail_open && unhealthy > 0);
    assert_eq!(t.outcome.status, Some(200));
    allow_vpc(&mut w);
    // The checks pass from now on, but a target turns healthy again only
    // after the healthy threshold's checks: 5 × 30 s (fact sheet §8).
    w.advance(149_999);
    let (_, unhealthy, fail_open) = pick_health(&get_node(&mut w, 0, "/"));
    assert!(fail_open && unhealthy > 0);
    w.advance(1);
    let (_, unhealthy, fail_open) = pick_health(&get_node(&mut w, 0, "/"));
    assert_eq!((unhealthy, fail_open), (0, false));
}

#[test]
fn a_scenario_file_with_a_bad_nlb_is_refused_naming_the_nlb_and_the_field() {
    // Fact sheet §9: the file is a boundary; port 0 is refused with the
    // NLB's id, and a misspelt field with a suggestion.
    let mut s = default_scenario();
    s.regions[0].nlb = Some(Nlb::default_for(&s.regions[0]));
    let json = serde_json::to_string(&s).unwrap();
    let bad = json.replace(
        r#""protocol":"TCP","port":443"#,
        r#""protocol":"TCP","port":0"#,
    );
    assert_ne!(bad, json);
    let err = Scenario::from_json(&bad).unwrap_err();
    assert!(err.contains("nlb-a: port 0 is outside 1-65535"), "{err}");
    let bad = json.replace(r#""listeners":"#, r#""cross_zones":true,"listeners":"#);
    let err = Scenario::from_json(&bad).unwrap_err();
    assert!(
        err.contains("cross_zones") && err.contains("cross_zone"),
        "{err}"
    );
}

// ------------------------------------------------ target health on the clock

/// `w`'s scenario as a new world: targets there at the start begin
/// healthy if they pass their checks now (fact sheet §8, §9).
fn restart(w: &World) -> World {
    World::new(w.scenario().clone(), 1).expect("test scenario is valid")
}

fn nlb_health(w: &World, tg: &str, target: &str) -> hoplab::sim::world::TargetHealth {
    w.nlb_state()
        .health("us-east-1", tg, target)
        .unwrap_or_else(|| panic!("no health record for {target} in {tg}"))
        .clone()
}

/// The targets `n` new connections through node `az` are sent to.
fn picks(w: &mut World, az: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| pick_health(&get_node(w, az, "/")).0)
        .collect()
}

/// Region A's NLB with worker nodes as targets on NodePort 30080 and
/// cross-zone on (one node per AZ: the node in AZ 1 sends to both), the
/// Service's `externalTrafficPolicy: Local` (a node's check reaches only
/// its own pods, not a dead node's through kube-proxy), the pods' group
/// admitting clients (client IP preservation is on for instance targets)
/// and the NLB's nodes (their checks), started afresh so both nodes begin
/// healthy.
fn instance_world(f: impl FnOnce(&mut NlbTargetGroup)) -> World {
    instance_world_with(TrafficPolicy::Local, f)
}

fn instance_world_with(policy: TrafficPolicy, f: impl FnOnce(&mut NlbTargetGroup)) -> World {
    let mut w = world(|nlb, r| {
        r.cluster.services[0].external_traffic_policy = policy;
        nlb.cross_zone = true;
        let tg = &mut nlb.target_groups[0];
        tg.target_type = TargetType::Instance;
        tg.port = 30080;
        f(tg);
    });
    for peer in ["203.0.113.0/24", "10.0.0.0/16"] {
        edit(
            &mut w,
            Edit::AddSgRule {
                sg: "sg-app-a".into(),
                direction: Direction::Inbound,
                protocol: "tcp".into(),
                ports: "30080".into(),
                peer: peer.into(),
                action: None,
            },
        );
    }
    open_app_tier_nacl(&mut w);
    let w = restart(&w);
    for node in ["node-a-1", "node-a-2"] {
        assert_eq!(
            nlb_health(&w, "tg-nlb-a", node).state,
            TargetState::Healthy,
            "{node}"
        );
    }
    w
}

fn node_down(w: &mut World, on: bool) {
    w.set_fault(
        hoplab::sim::Fault::NodeDown {
            node: "node-a-2".into(),
        },
        on,
    );
}

#[test]
fn a_crashed_pod_keeps_getting_new_nlb_connections_until_its_unhealthy_threshold_of_checks_failed()
{
    // Fact sheet §9, §8: the NLB sends new connections only to targets its
    // checks have found healthy; a pod that crashes still gets them (and
    // resets them) until `unhealthy_threshold` checks in a row failed:
    // here 2 × 10 s, before the kubelet's readiness probe (3 × 10 s) takes
    // it out of the Service.
    let mut w = world(|nlb, _| nlb.target_groups[0].health_interval_s = 10);
    allow_vpc(&mut w);
    let mut w = restart(&w);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "pod-a-1").state,
        TargetState::Healthy
    );
    w.set_fault(
        hoplab::sim::Fault::PodDown {
            pod: "pod-a-1".into(),
        },
        true,
    );
    w.advance(19_999);
    let h = nlb_health(&w, "tg-nlb-a", "pod-a-1");
    assert_eq!((h.state, h.consecutive_failures), (TargetState::Healthy, 1));
    let mut reset = 0;
    for _ in 0..16 {
        let t = get_node(&mut w, 0, "/");
        let (target, unhealthy, fail_open) = pick_health(&t);
        assert_eq!((unhealthy, fail_open), (0, false));
        if target == "pod-a-1" {
            reset += 1;
            assert!(nlb_events(&t)
                .iter()
                .any(|e| matches!(e, NlbEvent::TargetReset { target } if target == "pod-a-1")));
            assert_eq!(t.outcome.code, Code::ConnectionRefused);
        }
    }
    assert!(reset > 0, "the crashed pod still got new connections");
    w.advance(1);
    let h = nlb_health(&w, "tg-nlb-a", "pod-a-1");
    assert_eq!(h.state, TargetState::Unhealthy);
    assert!(
        h.reason.starts_with("Target.FailedHealthChecks"),
        "{}",
        h.reason
    );
    for _ in 0..16 {
        let (target, unhealthy, fail_open) = pick_health(&get_node(&mut w, 0, "/"));
        assert_ne!(target, "pod-a-1");
        assert_eq!((unhealthy, fail_open), (1, false));
    }
    // The change is on the clock's log.
    let e = w.events().last().expect("an event");
    assert_eq!(e.at_ms, 20_000);
    assert_eq!(e.source, "tg-nlb-a target pod-a-1 (us-east-1)");
    assert!(
        e.text.starts_with("unhealthy after 2 failed checks"),
        "{}",
        e.text
    );
}

#[test]
fn a_worker_node_that_goes_down_gets_new_connections_for_two_rounds_of_30_s_then_none() {
    // Fact sheet §9, §8: default interval 30 s, unhealthy threshold 2; an
    // instance target stays registered, so only its health checks take it
    // out; until then a new connection to it goes unanswered.
    let mut w = instance_world(|_| {});
    node_down(&mut w, true);
    w.advance(59_999);
    let h = nlb_health(&w, "tg-nlb-a", "node-a-2");
    assert_eq!((h.state, h.consecutive_failures), (TargetState::Healthy, 1));
    let mut unanswered = 0;
    for _ in 0..16 {
        let t = get_node(&mut w, 0, "/");
        if pick_health(&t).0 == "node-a-2" {
            let (h, _, end, _) = target_connect(&t);
            assert_eq!(*end, TargetEnd::Unanswered);
            assert_eq!(h.verdict, Verdict::Timeout);
            unanswered += 1;
        }
    }
    assert!(unanswered > 0, "the dead node still got new connections");
    w.advance(1);
    let h = nlb_health(&w, "tg-nlb-a", "node-a-2");
    assert_eq!(h.state, TargetState::Unhealthy);
    assert!(h.reason.starts_with("Target.Timeout"), "{}", h.reason);
    assert!(picks(&mut w, 0, 16).iter().all(|t| t == "node-a-1"));
}

#[test]
fn a_recovered_node_waits_for_the_healthy_threshold_of_passed_checks_before_new_connections() {
    // Fact sheet §9, §8: healthy threshold 5 by default: 5 × 30 s of
    // passed checks after the node is back before it gets traffic again.
    let mut w = instance_world(|_| {});
    node_down(&mut w, true);
    w.advance(60_000);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "node-a-2").state,
        TargetState::Unhealthy
    );
    node_down(&mut w, false);
    w.advance(149_999);
    let h = nlb_health(&w, "tg-nlb-a", "node-a-2");
    assert_eq!(
        (h.state, h.consecutive_successes),
        (TargetState::Unhealthy, 4)
    );
    assert!(picks(&mut w, 0, 16).iter().all(|t| t == "node-a-1"));
    w.advance(1);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "node-a-2").state,
        TargetState::Healthy
    );
    assert!(picks(&mut w, 0, 16).iter().any(|t| t == "node-a-2"));
    let e = w.events().last().expect("an event");
    assert_eq!(e.at_ms, 210_000);
    assert_eq!(e.text, "healthy again after 5 passed checks");
}

#[test]
fn edited_interval_and_thresholds_change_how_long_a_dead_node_keeps_traffic_and_a_recovered_one_waits(
) {
    // Fact sheet §9, §8: every 20 s, unhealthy after 3, healthy after 2:
    // out after 60 s, back 40 s after it recovers (its pods are ready
    // again 10 s after it is back, before the first check).
    let mut w = instance_world(|_| {});
    edit(
        &mut w,
        serde_json::from_str(
            r#"{"kind":"set_nlb_target_group","target_group":"tg-nlb-a",
                "health_interval_s":"20","healthy_threshold":"2","unhealthy_threshold":"3"}"#,
        )
        .unwrap(),
    );
    let tg = &w.scenario().regions[0].nlb.as_ref().unwrap().target_groups[0];
    assert_eq!(
        (
            tg.health_interval_s,
            tg.healthy_threshold,
            tg.unhealthy_threshold
        ),
        (20, 2, 3)
    );
    node_down(&mut w, true);
    w.advance(59_999);
    let h = nlb_health(&w, "tg-nlb-a", "node-a-2");
    assert_eq!((h.state, h.consecutive_failures), (TargetState::Healthy, 2));
    assert!(picks(&mut w, 0, 16).iter().any(|t| t == "node-a-2"));
    w.advance(1);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "node-a-2").state,
        TargetState::Unhealthy
    );
    assert!(picks(&mut w, 0, 16).iter().all(|t| t == "node-a-1"));
    node_down(&mut w, false);
    w.advance(39_999);
    let h = nlb_health(&w, "tg-nlb-a", "node-a-2");
    assert_eq!(
        (h.state, h.consecutive_successes),
        (TargetState::Unhealthy, 1)
    );
    assert!(picks(&mut w, 0, 16).iter().all(|t| t == "node-a-1"));
    w.advance(1);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "node-a-2").state,
        TargetState::Healthy
    );
    assert!(picks(&mut w, 0, 16).iter().any(|t| t == "node-a-2"));
}

/// Region A's NLB with client IP preservation on, the pods' group and the
/// app tier's NACL admitting clients and the NLB's nodes, started afresh:
/// every pod healthy.
fn preserved_world() -> World {
    let mut w = world(|nlb, _| nlb.target_groups[0].preserve_client_ip = Some(true));
    open_app_tier_nacl(&mut w);
    allow_clients_in_sg(&mut w);
    allow_vpc(&mut w);
    let w = restart(&w);
    assert!(w
        .nlb_state()
        .targets
        .values()
        .all(|h| h.state == TargetState::Healthy));
    w
}

/// Remove the pods' group's rule admitting the VPC (the NLB's checks).
fn block_checks(w: &mut World) {
    let index = w.scenario().regions[0]
        .vpc
        .sg("sg-app-a")
        .unwrap()
        .inbound
        .len()
        - 1;
    edit(
        w,
        Edit::RemoveSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            index,
        },
    );
}

#[test]
fn a_security_group_change_that_blocks_the_nodes_checks_makes_the_targets_unhealthy_after_the_rounds(
) {
    // Fact sheet §9, §11: with client IP preservation on, traffic comes
    // from the client but checks from the NLB's private addresses; a group
    // that stops admitting them fails every check (Target.Timeout), and
    // after 2 × 30 s every target is unhealthy.
    let mut w = preserved_world();
    block_checks(&mut w);
    w.advance(59_999);
    assert!(w
        .nlb_state()
        .targets
        .values()
        .all(|h| h.state == TargetState::Healthy && h.consecutive_failures == 1));
    let (_, unhealthy, fail_open) = pick_health(&get_node(&mut w, 0, "/"));
    assert_eq!((unhealthy, fail_open), (0, false));
    w.advance(1);
    for h in w.nlb_state().targets.values() {
        assert_eq!(h.state, TargetState::Unhealthy);
        assert!(h.reason.starts_with("Target.Timeout"), "{}", h.reason);
    }
    let rows = hoplab::sim::inspect::inspect(&w, "nlb-a");
    let row = rows
        .iter()
        .find(|(l, _)| l == "health tg-nlb-a pod-a-1")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    assert!(row.starts_with("unhealthy: Target.Timeout"), "{row}");
}

#[test]
fn when_every_target_is_unhealthy_the_nlb_fails_open_to_all_of_them() {
    // Fact sheet §9, §8: fail open: with no healthy target, new
    // connections go to all of them (here they still work: the clients
    // are admitted, only the checks are not).
    let mut w = preserved_world();
    block_checks(&mut w);
    w.advance(60_000);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..16 {
        let t = get_node(&mut w, 0, "/");
        let h = nlb_hop(&t, |e| matches!(e, NlbEvent::TargetPick { .. }));
        let Event::Nlb(NlbEvent::TargetPick {
            target,
            candidates,
            unhealthy,
            fail_open,
            ..
        }) = &h.event
        else {
            unreachable!()
        };
        assert!(*fail_open);
        assert_eq!(*unhealthy, *candidates);
        assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
        seen.insert(target.clone());
    }
    assert!(
        seen.len() > 1,
        "fail open spreads over every target: {seen:?}"
    );
}

#[test]
fn the_target_group_edit_refuses_bad_health_check_settings_and_changes_nothing() {
    // Fact sheet §9, §8: interval 5-300 s (the scenario validator's range),
    // thresholds 2-10; a refusal names the setting and its range.
    let mut w = world(|_, _| {});
    let before = w.clone();
    let set = |interval: &str, healthy: &str, unhealthy: &str| Edit::SetNlbTargetGroup {
        target_group: "tg-nlb-a".into(),
        target_type: String::new(),
        preserve_client_ip: String::new(),
        port: String::new(),
        protocol: String::new(),
        health_protocol: String::new(),
        health_path: String::new(),
        health_interval_s: interval.into(),
        healthy_threshold: healthy.into(),
        unhealthy_threshold: unhealthy.into(),
    };
    use hoplab::sim::edit::EditError;
    let range = |e: EditError| match e {
        EditError::OutOfRange {
            what,
            value,
            min,
            max,
            section,
        } => (what, value, min, max, section),
        other => panic!("{other:?} is not a range refusal"),
    };
    assert_eq!(
        range(w.apply_edit(&set("301", "", "")).unwrap_err()),
        ("health check interval (s)", 301, 5, 300, 9)
    );
    assert_eq!(
        range(w.apply_edit(&set("4", "", "")).unwrap_err()),
        ("health check interval (s)", 4, 5, 300, 9)
    );
    assert_eq!(
        range(w.apply_edit(&set("", "1", "")).unwrap_err()),
        ("healthy threshold", 1, 2, 10, 9)
    );
    let err = w.apply_edit(&set("10", "3", "11")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unhealthy threshold 11 is outside 2-10 (fact sheet §9)"
    );
    let err = w.apply_edit(&set("ten", "", "")).unwrap_err();
    assert!(matches!(err, EditError::Parse(_)));
    assert!(
        err.to_string().contains("'ten' must be a whole number"),
        "{err}"
    );
    assert_eq!(w, before);
    // Empty fields keep their values.
    w.apply_edit(&set("", "", "4")).unwrap();
    let tg = &w.scenario().regions[0].nlb.as_ref().unwrap().target_groups[0];
    assert_eq!(
        (
            tg.health_interval_s,
            tg.healthy_threshold,
            tg.unhealthy_threshold
        ),
        (30, 5, 4)
    );
}

#[test]
fn an_nlb_worlds_skipping_advance_equals_running_every_check() {
    // Fact sheet §9, §8: the NLB's checks on the clock settle like the
    // ALB's once nothing changes; either way the world is the same.
    // Behind a worker node with `Cluster`, kube-proxy's random pick of a
    // pod (a dead node's too) decides a node's check: rounds then run one
    // by one until every pick finds the same.
    let mut w = instance_world(|_| {});
    let mut c = instance_world_with(TrafficPolicy::Cluster, |_| {});
    let mut p = preserved_world();
    for (step, span) in [1_000u64, 45_000, 600_000, 3_600_000]
        .into_iter()
        .enumerate()
    {
        match step {
            1 => {
                node_down(&mut w, true);
                node_down(&mut c, true);
            }
            2 => {
                node_down(&mut w, false);
                node_down(&mut c, false);
                block_checks(&mut p);
            }
            _ => {}
        }
        for x in [&mut w, &mut c, &mut p] {
            let mut stepped = x.clone();
            stepped.advance_stepwise(span);
            x.advance(span);
            assert!(*x == stepped, "step {step}: advance({span}) differs");
        }
    }
    assert_eq!(
        nlb_health(&p, "tg-nlb-a", "pod-a-1").state,
        TargetState::Unhealthy
    );
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", "node-a-2").state,
        TargetState::Healthy
    );
}

#[test]
fn a_hung_pod_passes_a_tcp_check_but_fails_an_http_one_with_target_timeout() {
    // Fact sheet §9, §8: a TCP check needs only the port to accept; an
    // HTTP check needs a 200 within the timeout, which a hung process
    // never sends (Target.Timeout), and a 500 is Target.ResponseCodeMismatch.
    let run = |protocol: NlbHealthProtocol| {
        let mut w = world(|nlb, _| {
            let tg = &mut nlb.target_groups[0];
            tg.health_interval_s = 10;
            tg.health_protocol = protocol;
        });
        allow_vpc(&mut w);
        let mut w = restart(&w);
        for (pod, fault) in [
            (
                "pod-a-1",
                hoplab::sim::Fault::PodHung {
                    pod: "pod-a-1".into(),
                },
            ),
            (
                "pod-a-2",
                hoplab::sim::Fault::TargetUnhealthy {
                    pod: "pod-a-2".into(),
                },
            ),
        ] {
            assert_eq!(nlb_health(&w, "tg-nlb-a", pod).state, TargetState::Healthy);
            w.set_fault(fault, true);
        }
        w.advance(20_000);
        (
            nlb_health(&w, "tg-nlb-a", "pod-a-1"),
            nlb_health(&w, "tg-nlb-a", "pod-a-2"),
        )
    };
    let (hung, failing) = run(NlbHealthProtocol::Tcp);
    assert_eq!(
        (hung.state, failing.state),
        (TargetState::Healthy, TargetState::Healthy)
    );
    let (hung, failing) = run(NlbHealthProtocol::Http);
    assert_eq!(hung.state, TargetState::Unhealthy);
    assert_eq!(hung.reason, "Target.Timeout (no response within 10 s)");
    assert_eq!(failing.state, TargetState::Unhealthy);
    assert!(
        failing.reason.starts_with("Target.ResponseCodeMismatch"),
        "{}",
        failing.reason
    );
}

// ------------------------------------------------ connections over time

/// Region A's NLB with its targets healthy from the start (the pods'
/// group admits the nodes' health checks), as a browser keeps its
/// connection to it.
fn kept_world(f: impl FnOnce(&mut Nlb, &mut Region)) -> World {
    let mut w = world(f);
    allow_vpc(&mut w);
    restart(&w)
}

/// The browser's request on whatever connection it holds (no closing
/// first, unlike `get`).
fn send_kept(w: &mut World, url: &str) -> Trace {
    w.send(&Request::get(DEFAULT_CLIENT, url).no_store())
}

/// The requests on open connections into the NLB and from it to a target
/// (not the application's pooled database connection).
fn reuse_ends(t: &Trace) -> Vec<&ReuseEnd> {
    t.hops
        .iter()
        .filter(|h| h.from == "nlb-a" || h.to == "nlb-a")
        .filter_map(|h| match &h.event {
            Event::Net(NetEvent::Reuse { end, .. }) => Some(end),
            _ => None,
        })
        .collect()
}

fn connects(t: &Trace) -> Vec<(&Flow, Option<&Closed>)> {
    nlb_events(t)
        .into_iter()
        .filter_map(|e| match e {
            NlbEvent::Connect { flow, closed, .. } => Some((flow, closed.as_ref())),
            _ => None,
        })
        .collect()
}

fn tls_hops(t: &Trace) -> usize {
    nlb_events(t)
        .iter()
        .filter(|e| {
            matches!(
                e,
                NlbEvent::TlsPassThrough { .. } | NlbEvent::TlsTerminated { .. }
            )
        })
        .count()
}

fn idle_resets(t: &Trace) -> Vec<&hoplab::sim::Hop> {
    t.hops
        .iter()
        .filter(|h| matches!(&h.event, Event::Nlb(NlbEvent::IdleReset { .. })))
        .collect()
}

#[test]
fn two_requests_ten_seconds_apart_ride_one_connection_with_no_second_handshake_and_take_less_time()
{
    // Fact sheet §26, §9, §16: the browser keeps a used connection up to
    // 300 s idle, the NLB's TCP idle timeout is 350 s: the second request
    // skips the TCP handshake and the TLS passed through, and goes to the
    // target the connection's flow already has.
    let mut w = kept_world(|_, _| {});
    let url = format!("https://{}/", node_ip(&w, 0));
    let first = send_kept(&mut w, &url);
    assert_eq!(first.outcome.status, Some(200), "{}", first.render_text());
    assert_eq!(connects(&first).len(), 1);
    assert_eq!(tls_hops(&first), 1);
    let target = pick_health(&first).0;
    let first_port = connects(&first)[0].0.src_port;
    w.advance(10_000);
    let second = send_kept(&mut w, &url);
    assert_eq!(second.outcome.status, Some(200), "{}", second.render_text());
    assert!(connects(&second).is_empty(), "{}", second.render_text());
    assert_eq!(tls_hops(&second), 0);
    assert!(!nlb_events(&second)
        .iter()
        .any(|e| matches!(e, NlbEvent::TargetPick { .. })));
    // Into the node and on to the same target, both on the open flow.
    assert_eq!(
        reuse_ends(&second),
        vec![&ReuseEnd::Carried, &ReuseEnd::Carried]
    );
    let (flow, idle_ms, served) = second
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Net(NetEvent::Reuse {
                flow,
                idle_ms,
                served,
                ..
            }) => Some((*flow, *idle_ms, *served)),
            _ => None,
        })
        .unwrap();
    assert_eq!((flow.src_port, idle_ms, served), (first_port, 10_000, 1));
    assert!(nlb_events(&second)
        .iter()
        .any(|e| matches!(e, NlbEvent::KeptTarget { target: t, .. } if *t == target)));
    assert!(
        second.outcome.total_us < first.outcome.total_us,
        "{} !< {}",
        second.outcome.total_us,
        first.outcome.total_us
    );
    // The inspector lists the browser's open connection to the NLB.
    let live = w.live_state();
    let c = live
        .connections
        .iter()
        .find(|c| c.hop == "to_nlb")
        .expect("the browser's connection to the NLB is open");
    assert_eq!((c.served, c.src_port), (2, first_port));
}

#[test]
fn a_tls_listener_terminates_tls_once_and_the_next_request_on_the_connection_has_no_handshake() {
    // Fact sheet §9, §26, §16: a TLS listener's idle timeout is a fixed
    // 350 s; the kept connection carries its negotiated TLS session.
    let mut w = kept_world(|nlb, _| {
        nlb.listeners[0].protocol = NlbProtocol::Tls;
        nlb.listeners[0].certificate_domains = vec!["*.healthcareapp.com".into()];
    });
    let value = format!("A {}", node_ip(&w, 0));
    edit(
        &mut w,
        Edit::CreateRecord {
            name: "nlb.healthcareapp.com".into(),
            value,
            ttl_s: "60".into(),
            routing: "simple".into(),
            health_check: String::new(),
            evaluate_target_health: false,
        },
    );
    let url = "https://nlb.healthcareapp.com/";
    let first = send_kept(&mut w, url);
    assert_eq!(first.outcome.status, Some(200), "{}", first.render_text());
    assert_eq!(tls_hops(&first), 1);
    w.advance(30_000);
    let second = send_kept(&mut w, url);
    assert_eq!(second.outcome.status, Some(200), "{}", second.render_text());
    assert_eq!((connects(&second).len(), tls_hops(&second)), (0, 0));
    assert_eq!(reuse_ends(&second).len(), 2);
    assert!(second.outcome.total_us < first.outcome.total_us);
}

#[test]
fn with_a_60_s_idle_timeout_a_request_100_s_later_meets_the_nlbs_rst_and_is_retried_on_a_new_connection(
) {
    // Fact sheet §26, §9: data after the NLB's idle timeout gets a TCP RST;
    // the browser's own 300 s timer had not run out, so it sent on the
    // connection. The GET reached no target; it is sent again on a new
    // connection, with a new handshake, and succeeds.
    let mut w = kept_world(|_, _| {});
    edit(
        &mut w,
        Edit::SetNlbIdleTimeout {
            nlb: "nlb-a".into(),
            port: "443".into(),
            seconds: "60".into(),
        },
    );
    let url = format!("https://{}/", node_ip(&w, 0));
    let first = send_kept(&mut w, &url);
    assert_eq!(first.outcome.status, Some(200), "{}", first.render_text());
    let first_port = connects(&first)[0].0.src_port;
    w.advance(100_000);
    let second = send_kept(&mut w, &url);
    let resets = idle_resets(&second);
    assert_eq!(resets.len(), 1, "{}", second.render_text());
    let rst = resets[0];
    assert_eq!(
        (rst.verdict, rst.code),
        (Verdict::Error, Code::NlbIdleTimeoutReset)
    );
    match &rst.event {
        Event::Nlb(NlbEvent::IdleReset {
            flow,
            idle_ms,
            idle_timeout_s,
            browser_idle_s,
            served,
            method,
        }) => {
            assert_eq!(flow.src_port, first_port);
            assert_eq!(
                (*idle_ms, *idle_timeout_s, *browser_idle_s, *served),
                (100_000, 60, 300, 1)
            );
            assert_eq!(method, "GET");
        }
        _ => unreachable!(),
    }
    // Then a new connection, its handshake after the RST, and the answer.
    let rst_at = second
        .hops
        .iter()
        .position(|h| std::ptr::eq(h, rst))
        .unwrap();
    let connect_at = second
        .hops
        .iter()
        .position(|h| matches!(&h.event, Event::Nlb(NlbEvent::Connect { .. })))
        .expect("a new connection");
    assert!(rst_at < connect_at);
    assert_eq!(connects(&second).len(), 1);
    assert_eq!(connects(&second)[0].1, None);
    assert_eq!(tls_hops(&second), 1);
    assert!(reuse_ends(&second).is_empty());
    assert_eq!(second.outcome.status, Some(200), "{}", second.render_text());
    assert_eq!(second.outcome.code, Code::Delivered);
    // The lost round trip: slower than the first request.
    assert!(second.outcome.total_us > first.outcome.total_us);
    // A request soon after rides on the new connection.
    w.advance(5_000);
    let third = send_kept(&mut w, &url);
    assert!(idle_resets(&third).is_empty());
    assert!(connects(&third).is_empty());
    assert_eq!(third.outcome.status, Some(200));
}

#[test]
fn with_the_default_350_s_a_request_320_s_later_finds_the_browser_closed_it_first_and_no_rst() {
    // Fact sheet §26, §9: the browser's 300 s idle socket timeout runs out
    // before the NLB's 350 s: the browser closed the connection itself and
    // simply opens a new one; nothing is reset.
    let mut w = kept_world(|_, _| {});
    let url = format!("https://{}/", node_ip(&w, 0));
    let first = send_kept(&mut w, &url);
    assert_eq!(first.outcome.status, Some(200));
    w.advance(320_000);
    let second = send_kept(&mut w, &url);
    assert!(idle_resets(&second).is_empty(), "{}", second.render_text());
    assert!(reuse_ends(&second).is_empty());
    let c = connects(&second);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].1,
        Some(&Closed {
            idle_ms: 320_000,
            by: Closer::Client,
            timeout_s: 300
        })
    );
    assert_eq!(tls_hops(&second), 1);
    assert_eq!(second.outcome.status, Some(200));
}

#[test]
fn a_burst_to_the_nlb_never_reuses_a_connection_nor_leaves_one_open() {
    // Fact sheet §26: a burst's requests are sent at once, each on its own
    // connection; none is kept for a later request.
    let mut w = kept_world(|_, _| {});
    let url = format!("https://{}/", node_ip(&w, 0));
    let report = w
        .burst_get(20, &[DEFAULT_CLIENT.to_string()], &url)
        .expect("a burst");
    assert_eq!(report.requests, 20);
    assert!(!w.live_state().connections.iter().any(|c| c.hop == "to_nlb"));
    let next = send_kept(&mut w, &url);
    assert_eq!(connects(&next).len(), 1);
    assert!(reuse_ends(&next).is_empty());
    // A kept connection is not used by a burst either, and stays as it was.
    w.advance(1_000);
    w.burst_get(20, &[DEFAULT_CLIENT.to_string()], &url)
        .expect("a burst");
    let c = w
        .live_state()
        .connections
        .into_iter()
        .find(|c| c.hop == "to_nlb")
        .expect("the single request's connection");
    assert_eq!(c.served, 1);
}

#[test]
fn a_deregistered_pod_keeps_the_browsers_open_connection_but_gets_no_new_one() {
    // Fact sheet §26 (NLB deregistration: no new connections; existing
    // ones may continue), §9, §14: the pod's application breaks, its
    // readiness probe fails and the Service takes it out, so it leaves the
    // target group; the NLB's TCP checks still pass. The browser's open
    // connection stays on it; new connections go elsewhere.
    let mut w = kept_world(|_, _| {});
    let url = format!("https://{}/", node_ip(&w, 0));
    let first = send_kept(&mut w, &url);
    assert_eq!(first.outcome.status, Some(200));
    let target = pick_health(&first).0;
    w.set_fault(
        hoplab::sim::Fault::TargetUnhealthy {
            pod: target.clone(),
        },
        true,
    );
    w.advance(40_000);
    assert!(!w.pod_ready(&target), "the readiness probe took it out");
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", &target).state,
        TargetState::Healthy
    );
    let kept = send_kept(&mut w, &url);
    assert!(nlb_events(&kept)
        .iter()
        .any(|e| matches!(e, NlbEvent::KeptTarget { target: t, .. } if *t == target)));
    assert_eq!(kept.outcome.pod.as_deref(), Some(target.as_str()));
    assert_eq!(kept.outcome.status, Some(500));
    for _ in 0..8 {
        let t = get_node(&mut w, 0, "/");
        assert_ne!(pick_health(&t).0, target);
    }
}

#[test]
fn a_target_the_nlbs_checks_mark_unhealthy_does_not_keep_the_connection_and_a_new_one_goes_elsewhere(
) {
    // Fact sheet §9, §8: only targets recorded healthy get connections;
    // the browser's connection to a target whose checks failed is not
    // carried on, and its next request opens a new connection to a
    // healthy target.
    let mut w = kept_world(|nlb, _| {
        let tg = &mut nlb.target_groups[0];
        tg.health_interval_s = 10;
        tg.health_protocol = NlbHealthProtocol::Http;
    });
    let url = format!("https://{}/", node_ip(&w, 0));
    let first = send_kept(&mut w, &url);
    assert_eq!(first.outcome.status, Some(200));
    let target = pick_health(&first).0;
    w.set_fault(
        hoplab::sim::Fault::TargetUnhealthy {
            pod: target.clone(),
        },
        true,
    );
    w.advance(20_000);
    assert_eq!(
        nlb_health(&w, "tg-nlb-a", &target).state,
        TargetState::Unhealthy
    );
    let next = send_kept(&mut w, &url);
    assert!(reuse_ends(&next).is_empty(), "{}", next.render_text());
    assert_eq!(connects(&next).len(), 1);
    assert_ne!(pick_health(&next).0, target);
    assert_eq!(next.outcome.status, Some(200));
}

#[test]
fn a_removed_nlb_takes_the_browsers_open_connection_with_it() {
    // Fact sheet §26, §9: a connection is to one load balancer; an NLB
    // removed and added again is reached on a new connection.
    let mut w = kept_world(|_, _| {});
    let url = format!("https://{}/", node_ip(&w, 0));
    assert_eq!(send_kept(&mut w, &url).outcome.status, Some(200));
    edit(
        &mut w,
        Edit::RemoveNlb {
            nlb: "nlb-a".into(),
        },
    );
    assert!(!w.live_state().connections.iter().any(|c| c.hop == "to_nlb"));
    edit(
        &mut w,
        Edit::AddNlb {
            region: "us-east-1".into(),
        },
    );
    let url = format!("https://{}/", node_ip(&w, 0));
    let t = send_kept(&mut w, &url);
    assert_eq!(connects(&t).len(), 1, "{}", t.render_text());
    assert!(reuse_ends(&t).is_empty());
}
