//! A dual-stack browser (Happy Eyeballs, RFC 8305) and IPv6 through the
//! VPC's filters: IPv4 and IPv6 rules are separate rule sets, counted
//! separately against the quotas. Section numbers refer to
//! ../shared/reference/aws-facts.md.

use std::net::{IpAddr, Ipv6Addr};

use hoplab::sim::check::{CheckKind, Direction, RuleRef};
use hoplab::sim::edit::{Edit, EditError};
use hoplab::sim::event::alb::ConnectResult;
use hoplab::sim::event::browser::{BrowserEvent, FamilyReason, Ipv6Failure};
use hoplab::sim::event::dns::DnsEvent;
use hoplab::sim::event::net::NetEvent;
use hoplab::sim::event::AlbEvent;
use hoplab::sim::eyeballs::{client_ipv6, ClientIpv6, CONNECTION_ATTEMPT_DELAY_MS};
use hoplab::sim::net::{Family, Flow, Nacl, Protocol};
use hoplab::sim::scenario::Scenario;
use hoplab::sim::trace::{Code, Event, Hop, Trace};
use hoplab::sim::{Request, World};

const APEX: &str = "https://healthcareapp.com/";
const API: &str = "https://api.healthcareapp.com/";

fn edit(w: &mut World, e: Edit) {
    let what = format!("{e:?}");
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{what}: {err}"));
}

fn ipv6(w: &mut World, client: &str, mode: &str) {
    edit(
        w,
        Edit::SetClientIpv6 {
            client: client.into(),
            mode: mode.into(),
        },
    );
}

fn dualstack(w: &mut World, component: &str) {
    edit(
        w,
        Edit::SetIpAddressType {
            component: component.into(),
            ip_address_type: "dualstack".into(),
        },
    );
}

fn record(w: &mut World, name: &str, value: &str, ttl: &str) {
    edit(
        w,
        Edit::CreateRecord {
            name: name.into(),
            value: value.into(),
            ttl_s: ttl.into(),
            routing: "simple".into(),
            health_check: String::new(),
            evaluate_target_health: false,
        },
    );
}

/// CloudFront with IPv6 on and an AAAA alias at the apex (§23).
fn cloudfront_dual_stack() -> World {
    let mut w = World::default_world();
    dualstack(&mut w, "cloudfront");
    record(&mut w, "healthcareapp.com", "alias aaaa cloudfront", "");
    w
}

/// `api.healthcareapp.com` straight at a dual-stack ALB in us-east-1: an
/// A and an AAAA alias (§2, §23).
fn alb_dual_stack() -> World {
    let mut w = World::default_world();
    dualstack(&mut w, "alb-a");
    record(&mut w, "api.healthcareapp.com", "alias alb us-east-1", "");
    record(
        &mut w,
        "api.healthcareapp.com",
        "alias aaaa alb us-east-1",
        "",
    );
    w
}

fn nacl_rule(w: &mut World, dir: Direction, number: &str, ports: &str, cidr: &str) {
    edit(
        w,
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: dir,
            number: number.into(),
            protocol: "tcp".into(),
            ports: ports.into(),
            cidr: cidr.into(),
            action: "allow".into(),
        },
    );
}

/// The IPv6 twins of the public subnet's rules 100 and 110 (§12, §23).
fn public_nacl_ipv6(w: &mut World) {
    nacl_rule(w, Direction::Inbound, "101", "443", "::/0");
    nacl_rule(w, Direction::Inbound, "111", "1024-65535", "::/0");
    nacl_rule(w, Direction::Outbound, "111", "1024-65535", "::/0");
}

fn sg_rule(sg: &str, peer: &str) -> Edit {
    Edit::AddSgRule {
        sg: sg.into(),
        direction: Direction::Inbound,
        protocol: "tcp".into(),
        ports: "443".into(),
        peer: peer.into(),
        action: None,
    }
}

fn browser_events(t: &Trace) -> Vec<&BrowserEvent> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Browser(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn queried_types(t: &Trace) -> Vec<String> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Dns(DnsEvent::Query { qtype, .. }) => Some(qtype.clone()),
            _ => None,
        })
        .collect()
}

fn connects(t: &Trace) -> Vec<(&Hop, &Flow, &ConnectResult)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Alb(AlbEvent::Connect { flow, result, .. }) => Some((h, flow, result)),
            _ => None,
        })
        .collect()
}

fn family_hop(t: &Trace) -> (Family, FamilyReason, IpAddr) {
    browser_events(t)
        .into_iter()
        .find_map(|e| match e {
            BrowserEvent::Family {
                chosen, reason, to, ..
            } => Some((*chosen, *reason, *to)),
            _ => None,
        })
        .expect("a Family event")
}

fn failed(t: &Trace) -> Option<(usize, Ipv6Failure, bool, u32)> {
    t.hops.iter().enumerate().find_map(|(i, h)| match &h.event {
        Event::Browser(BrowserEvent::Ipv6Failed {
            cause,
            fallback,
            delay_ms,
            ..
        }) => Some((i, cause.clone(), fallback.is_some(), *delay_ms)),
        _ => None,
    })
}

/// §1, §23: an IPv4-only browser (`off`, the default) asks for A alone and
/// shows no Happy Eyeballs step.
#[test]
fn an_ipv4_only_browser_asks_for_a_only_and_picks_no_family() {
    let mut w = cloudfront_dual_stack();
    let t = w.send(&Request::get("client-na", APEX));
    assert_eq!(t.outcome.status, Some(200));
    let types = queried_types(&t);
    assert!(!types.is_empty());
    assert!(types.iter().all(|q| q == "A"), "{types:?}");
    assert!(browser_events(&t)
        .iter()
        .all(|e| !matches!(e, BrowserEvent::Family { .. })));
}

/// §23: a dual-stack browser asks for AAAA and A and, with an AAAA answer,
/// connects over IPv6 to CloudFront's edge IPv6 address.
#[test]
fn a_dual_stack_browser_asks_aaaa_and_a_and_connects_to_cloudfront_over_ipv6() {
    let mut w = cloudfront_dual_stack();
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", APEX));
    assert_eq!(t.outcome.status, Some(200));
    let types = queried_types(&t);
    assert!(types.iter().any(|q| q == "AAAA"), "{types:?}");
    assert!(types.iter().any(|q| q == "A"), "{types:?}");
    assert_eq!(types[0], "AAAA", "AAAA is asked first (RFC 8305)");
    let (chosen, reason, to) = family_hop(&t);
    assert_eq!((chosen, reason), (Family::Ipv6, FamilyReason::PreferIpv6));
    assert!(to.to_string().starts_with("2600:9000:"), "{to}");
    assert!(failed(&t).is_none());
    let code = t
        .hops
        .iter()
        .find(|h| matches!(h.event, Event::Browser(BrowserEvent::Family { .. })))
        .map(|h| h.code);
    assert_eq!(code, Some(Code::HappyEyeballs));
}

/// §1, §23: both lookups leave back to back: the A lookup's first hop is
/// at the same moment as the AAAA lookup's.
#[test]
fn the_aaaa_and_a_lookups_start_together() {
    let mut w = cloudfront_dual_stack();
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", APEX));
    let first = |qtype: &str| {
        t.hops
            .iter()
            .find(
                |h| matches!(&h.event, Event::Dns(DnsEvent::Query { qtype: q, .. }) if q == qtype),
            )
            .map(|h| h.t_us)
            .expect("a query")
    };
    assert_eq!(first("AAAA"), first("A"));
}

/// §23: with no AAAA record (NODATA) a dual-stack browser uses IPv4.
#[test]
fn a_dual_stack_browser_without_an_aaaa_answer_connects_over_ipv4() {
    let mut w = World::default_world();
    ipv6(&mut w, "client-eu", "on");
    let t = w.send(&Request::get("client-eu", APEX));
    assert_eq!(t.outcome.status, Some(200));
    assert!(queried_types(&t).iter().any(|q| q == "AAAA"));
    let (chosen, reason, to) = family_hop(&t);
    assert_eq!((chosen, reason), (Family::Ipv4, FamilyReason::NoAaaa));
    assert!(to.is_ipv4());
}

/// §23: a browser whose IPv6 is broken tries IPv6 first, then starts IPv4
/// after the 250 ms connection attempt delay, and IPv4 connects.
#[test]
fn a_broken_ipv6_browser_falls_back_to_ipv4_after_250_ms() {
    let mut w = cloudfront_dual_stack();
    ipv6(&mut w, "client-na", "broken");
    let t = w.send(&Request::get("client-na", APEX));
    assert_eq!(t.outcome.status, Some(200));
    let (chosen, ..) = family_hop(&t);
    assert_eq!(chosen, Family::Ipv6);
    let (i, cause, fell_back, delay) = failed(&t).expect("an Ipv6Failed event");
    assert_eq!(cause, Ipv6Failure::Broken);
    assert!(fell_back);
    assert_eq!(delay, 250);
    assert_eq!(CONNECTION_ATTEMPT_DELAY_MS, 250);
    assert_eq!(t.hops[i].code, Code::Ipv6Fallback);
    assert_eq!(t.hops[i + 1].t_us - t.hops[i].t_us, 250_000);

    // The same request from a working dual-stack browser is 250 ms faster.
    let mut ok = cloudfront_dual_stack();
    ipv6(&mut ok, "client-na", "on");
    let fast = ok.send(&Request::get("client-na", APEX));
    assert!(t.outcome.total_us >= fast.outcome.total_us + 200_000);
}

/// §23: a browser with broken IPv6 that gets no AAAA answer never tries
/// IPv6, so it loses no time.
#[test]
fn a_broken_ipv6_browser_without_an_aaaa_answer_connects_over_ipv4_at_once() {
    let mut w = World::default_world();
    ipv6(&mut w, "client-na", "broken");
    let t = w.send(&Request::get("client-na", APEX));
    assert_eq!(t.outcome.status, Some(200));
    assert_eq!(family_hop(&t).0, Family::Ipv4);
    assert!(failed(&t).is_none());
}

/// §23: an AAAA address nothing answers at costs the connection attempt
/// delay, then IPv4 connects.
#[test]
fn an_unanswered_ipv6_address_falls_back_to_ipv4() {
    let mut w = World::default_world();
    let node = w.scenario().regions[0].alb.nodes[0].public_ip;
    record(&mut w, "odd.healthcareapp.com", &format!("A {node}"), "300");
    record(&mut w, "odd.healthcareapp.com", "AAAA 2001:db8::10", "300");
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", "https://odd.healthcareapp.com/"));
    let (_, cause, fell_back, delay) = failed(&t).expect("an Ipv6Failed event");
    assert_eq!(cause, Ipv6Failure::Unanswered);
    assert!(fell_back);
    assert_eq!(delay, 250);
    let c = connects(&t);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].1.family(), Family::Ipv4);
}

/// §23: with broken IPv6 and no A record there is nothing to fall back to:
/// the browser waits out its connect timeout.
#[test]
fn a_broken_ipv6_browser_with_only_an_aaaa_record_times_out() {
    let mut w = World::default_world();
    record(&mut w, "v6.healthcareapp.com", "AAAA 2001:db8::10", "300");
    ipv6(&mut w, "client-na", "broken");
    let t = w.send(&Request::get("client-na", "https://v6.healthcareapp.com/"));
    assert_eq!(t.outcome.code, Code::ConnectionTimeout);
    let (_, cause, fell_back, _) = failed(&t).expect("an Ipv6Failed event");
    assert_eq!(cause, Ipv6Failure::Broken);
    assert!(!fell_back);
}

/// §12, §23: over IPv6 the public subnet's NACL has no IPv6 rule, so its
/// `*` rule drops the SYN (the IPv4 rule 100 `0.0.0.0/0` does not match);
/// Happy Eyeballs then connects over IPv4, which the same NACL lets in.
#[test]
fn ipv6_is_dropped_by_a_nacl_without_ipv6_rules_while_ipv4_passes() {
    let mut w = alb_dual_stack();
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", API));
    let c = connects(&t);
    assert_eq!(c.len(), 2, "an IPv6 attempt, then IPv4");
    let (hop6, flow6, result6) = c[0];
    assert_eq!(flow6.family(), Family::Ipv6);
    assert!(matches!(result6, ConnectResult::Dropped { by, .. } if by == "acl-public-a"));
    let deciding = hop6.deciding_check().expect("a deciding check");
    assert_eq!(deciding.kind, CheckKind::Nacl);
    assert_eq!(deciding.rule, Some(RuleRef::Star));
    assert_eq!(hop6.code, Code::SubnetAclRestriction);

    let (_, cause, fell_back, _) = failed(&t).expect("an Ipv6Failed event");
    assert_eq!(
        cause,
        Ipv6Failure::Dropped {
            by: "acl-public-a".into()
        }
    );
    assert!(fell_back);

    let (hop4, flow4, result4) = c[1];
    assert_eq!(flow4.family(), Family::Ipv4);
    assert_eq!(*result4, ConnectResult::Accepted);
    let nacl_in = hop4
        .checks
        .iter()
        .find(|k| k.kind == CheckKind::Nacl && k.direction == Some(Direction::Inbound))
        .expect("the NACL's inbound check");
    assert!(nacl_in.allowed);
    assert_eq!(nacl_in.rule, Some(RuleRef::Number { number: 100 }));
    assert!(t.outcome.status.is_some(), "{:?}", t.outcome);
}

/// §11, §23: with IPv6 NACL rules in place, the ALB's security group,
/// whose only inbound rule is IPv4 `0.0.0.0/0`, drops the IPv6 SYN.
#[test]
fn a_security_group_without_an_ipv6_rule_drops_ipv6() {
    let mut w = alb_dual_stack();
    public_nacl_ipv6(&mut w);
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", API));
    let c = connects(&t);
    let (hop6, flow6, _) = c[0];
    assert_eq!(flow6.family(), Family::Ipv6);
    let deciding = hop6.deciding_check().expect("a deciding check");
    assert_eq!(deciding.kind, CheckKind::SecurityGroup);
    assert_eq!(deciding.rule, Some(RuleRef::NoSgRule));
    let nacl = hop6
        .checks
        .iter()
        .find(|k| k.kind == CheckKind::Nacl)
        .expect("the NACL's check");
    assert_eq!(nacl.rule, Some(RuleRef::Number { number: 101 }));
    let (_, cause, ..) = failed(&t).expect("an Ipv6Failed event");
    assert_eq!(
        cause,
        Ipv6Failure::Dropped {
            by: "sg-alb-a".into()
        }
    );
}

/// §11, §12, §23: with a `::/0` rule in the NACL and the security group the
/// request arrives over IPv6, from the browser's IPv6 address to the
/// node's, and nothing falls back.
#[test]
fn with_ipv6_rules_in_the_nacl_and_the_security_group_the_request_arrives_over_ipv6() {
    let mut w = alb_dual_stack();
    public_nacl_ipv6(&mut w);
    edit(&mut w, sg_rule("sg-alb-a", "::/0"));
    ipv6(&mut w, "client-na", "on");
    let t = w.send(&Request::get("client-na", API));
    assert!(failed(&t).is_none(), "{:#?}", browser_events(&t));
    let c = connects(&t);
    assert_eq!(c.len(), 1);
    let (hop, flow, result) = c[0];
    assert_eq!(*result, ConnectResult::Accepted);
    let client = w.scenario().clients[0].clone();
    assert_eq!(flow.src, IpAddr::V6(client_ipv6(&client)));
    assert!(flow.dst.to_string().starts_with("2600:1f18:"));
    let sg = hop
        .checks
        .iter()
        .find(|k| k.kind == CheckKind::SecurityGroup)
        .expect("the security group's check");
    assert!(sg.allowed);
    assert_eq!(
        sg.rule,
        Some(RuleRef::SgRule {
            group: "sg-alb-a".into(),
            index: 2
        })
    );
    assert!(sg.flow.contains('['), "{}", sg.flow);
    // The JSON trace carries the IPv6 five-tuple as plain addresses.
    let json = serde_json::to_value(&t).unwrap();
    let five = json["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|h| {
            h["checks"][0]["five_tuple"]["src"]
                .as_str()
                .map(String::from)
        })
        .unwrap();
    assert!(five.parse::<Ipv6Addr>().is_ok(), "{five}");
}

/// §8, §23: over IPv6 the ALB appends the browser's IPv6 address to
/// X-Forwarded-For and answers to it.
#[test]
fn the_alb_sees_and_answers_the_browsers_ipv6_address() {
    let mut w = alb_dual_stack();
    public_nacl_ipv6(&mut w);
    edit(&mut w, sg_rule("sg-alb-a", "::/0"));
    ipv6(&mut w, "client-na", "on");
    let v6 = IpAddr::V6(client_ipv6(&w.scenario().clients[0].clone()));
    let t = w.send(&Request::get("client-na", API));
    let xff = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Alb(AlbEvent::Request { xff, .. }) => Some(xff.clone()),
            _ => None,
        })
        .expect("the ALB's request");
    assert_eq!(xff, vec![v6]);
    let to = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Alb(AlbEvent::Response { to, .. }) => Some(*to),
            _ => None,
        })
        .expect("the ALB's response");
    assert_eq!(to, v6);
}

/// §23, §26: the browser keeps its IPv6 connection: the next request goes
/// on it (the NACL's IPv6 rules still check every packet), and an
/// IPv4-only browser elsewhere has its own.
#[test]
fn a_kept_ipv6_connection_carries_the_next_request_over_ipv6() {
    let mut w = alb_dual_stack();
    public_nacl_ipv6(&mut w);
    edit(&mut w, sg_rule("sg-alb-a", "::/0"));
    ipv6(&mut w, "client-na", "on");
    w.send(&Request::get("client-na", API));
    let t = w.send(&Request::get("client-na", API));
    let (hop, flow) = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Net(NetEvent::Reuse { flow, .. }) => Some((h, *flow)),
            _ => None,
        })
        .expect("a reuse hop");
    assert_eq!(flow.family(), Family::Ipv6);
    assert!(connects(&t).is_empty(), "no new handshake");
    let nacl = hop
        .checks
        .iter()
        .find(|k| k.kind == CheckKind::Nacl)
        .expect("the NACL checks the packet");
    assert_eq!(nacl.rule, Some(RuleRef::Number { number: 101 }));
}

/// §11, §12, §23: the inspector of a dual-stack ALB counts the IPv6 rules
/// of its subnets' network ACLs and its security groups.
#[test]
fn the_inspector_counts_a_dual_stack_albs_ipv6_rules() {
    let mut w = alb_dual_stack();
    let row = |w: &World| {
        hoplab::sim::inspect::inspect(w, "alb-a")
            .into_iter()
            .find(|(k, _)| k == "IPv6 rules")
            .map(|(_, v)| v)
            .expect("an IPv6 rules row")
    };
    let none = row(&w);
    assert!(
        none.contains("acl-public-a: 0 inbound, 0 outbound of 20"),
        "{none}"
    );
    assert!(none.contains("sg-alb-a: 0 inbound of 60"), "{none}");
    public_nacl_ipv6(&mut w);
    edit(&mut w, sg_rule("sg-alb-a", "::/0"));
    let some = row(&w);
    assert!(
        some.contains("acl-public-a: 2 inbound, 1 outbound of 20"),
        "{some}"
    );
    assert!(some.contains("sg-alb-a: 1 inbound of 60"), "{some}");
    let v4_only = World::default_world();
    assert!(hoplab::sim::inspect::inspect(&v4_only, "alb-a")
        .iter()
        .all(|(k, _)| k != "IPv6 rules"));
}

/// §23: an IPv6 rule never matches IPv4: a NACL deny of `::/0` placed
/// before every other rule leaves an IPv4-only browser's request alone.
#[test]
fn an_ipv6_deny_rule_does_not_touch_ipv4_traffic() {
    let mut w = World::default_world();
    edit(
        &mut w,
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: "1".into(),
            protocol: "all".into(),
            ports: "all".into(),
            cidr: "::/0".into(),
            action: "deny".into(),
        },
    );
    let t = w.send(&Request::get("client-na", APEX));
    assert_eq!(t.outcome.status, Some(200));
    assert!(t
        .hops
        .iter()
        .flat_map(|h| &h.checks)
        .all(|k| k.rule != Some(RuleRef::Number { number: 1 })));
}

/// §23: a NACL decides an IPv6 packet by its IPv6 rules only: the default
/// "allow all" rule of `0.0.0.0/0` lets IPv4 in and IPv6 not.
#[test]
fn the_default_nacls_ipv4_allow_all_rule_does_not_match_ipv6() {
    let acl = Nacl::default_acl("acl-x");
    let v4 = Flow::v4(
        Protocol::Tcp,
        ("203.0.113.5".parse().unwrap(), 40000),
        ("10.0.1.10".parse().unwrap(), 443),
    );
    let v6 = Flow {
        src: "2001:db8::5".parse().unwrap(),
        dst: "2600:1f18::a00:10a".parse().unwrap(),
        ..v4
    };
    assert!(acl.decide(Direction::Inbound, &v4).allowed);
    assert!(!acl.decide(Direction::Inbound, &v6).allowed);
    assert_eq!(
        acl.evaluate(Direction::Inbound, &v6).rule,
        Some(RuleRef::Star)
    );
}

/// §11, §19 (11): a security group holds 60 inbound IPv4 rules and 60
/// IPv6 rules besides; the 61st of one version is refused, naming it.
#[test]
fn security_group_rules_are_counted_per_ip_version() {
    let mut w = World::default_world();
    let have = w.scenario().regions[0]
        .vpc
        .sg("sg-alb-a")
        .unwrap()
        .inbound
        .len();
    for i in have..60 {
        edit(&mut w, sg_rule("sg-alb-a", &format!("198.51.{i}.0/24")));
    }
    for i in 0..60 {
        edit(&mut w, sg_rule("sg-alb-a", &format!("2001:db8:{i:x}::/48")));
    }
    let before = w.clone();
    for (peer, family) in [
        ("198.51.200.0/24", Family::Ipv4),
        ("2001:db8:ff::/48", Family::Ipv6),
    ] {
        let e = w.apply_edit(&sg_rule("sg-alb-a", peer)).unwrap_err();
        let EditError::Quota { quota, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!((quota.family, quota.count, quota.max), (family, 61, 60));
        assert!(e.to_string().contains(family.as_str()), "{e}");
    }
    assert_eq!(w, before);
}

/// §12: a network ACL holds 20 inbound IPv4 and 20 inbound IPv6 rules.
#[test]
fn network_acl_rules_are_counted_per_ip_version() {
    let mut w = World::default_world();
    let have = w.scenario().regions[0]
        .vpc
        .nacl("acl-public-a")
        .unwrap()
        .inbound
        .len();
    for i in have..20 {
        nacl_rule(
            &mut w,
            Direction::Inbound,
            &format!("{}", 200 + i),
            "80",
            "0.0.0.0/0",
        );
    }
    for i in 0..20 {
        nacl_rule(
            &mut w,
            Direction::Inbound,
            &format!("{}", 300 + i),
            "80",
            "::/0",
        );
    }
    let before = w.clone();
    let e = w
        .apply_edit(&Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: "400".into(),
            protocol: "tcp".into(),
            ports: "80".into(),
            cidr: "2001:db8::/32".into(),
            action: "allow".into(),
        })
        .unwrap_err();
    let EditError::Quota { quota, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!((quota.family, quota.count), (Family::Ipv6, 21));
    assert_eq!(w, before);
}

/// §10, §23: a bad IPv6 CIDR in a rule edit is refused with a clear
/// message, and the world is unchanged; one with host bits set is stored
/// as its network.
#[test]
fn a_bad_ipv6_cidr_in_a_rule_edit_is_refused_and_changes_nothing() {
    let mut w = World::default_world();
    let before = w.clone();
    for bad in ["2001:db8::/129", "2001:db8::1", "2001:zz::/32", ":::/0"] {
        let e = w
            .apply_edit(&Edit::AddNaclRule {
                nacl: "acl-public-a".into(),
                direction: Direction::Inbound,
                number: "101".into(),
                protocol: "tcp".into(),
                ports: "443".into(),
                cidr: bad.into(),
                action: "allow".into(),
            })
            .unwrap_err();
        let EditError::Parse(msg) = &e else {
            panic!("{bad}: {e:?}");
        };
        assert!(msg.contains("IPv6"), "{msg}");
        assert!(matches!(
            w.apply_edit(&sg_rule("sg-alb-a", bad)),
            Err(EditError::Parse(_))
        ));
    }
    assert_eq!(w, before);
    edit(&mut w, sg_rule("sg-alb-a", "2001:db8::7/32"));
    let sg = w.scenario().regions[0].vpc.sg("sg-alb-a").unwrap().clone();
    assert_eq!(sg.inbound.last().unwrap().peer.to_string(), "2001:db8::/32");
}

/// §23: `set_client_ipv6` takes off, on and broken; a bad mode or an
/// unknown client is refused with the world unchanged; the inspector
/// shows the setting.
#[test]
fn set_client_ipv6_changes_the_browser_and_refuses_bad_input() {
    let mut w = World::default_world();
    let before = w.clone();
    for (client, mode) in [
        ("client-na", "ipv6"),
        ("client-zz", "on"),
        ("client-na", ""),
    ] {
        let e = w
            .apply_edit(&Edit::SetClientIpv6 {
                client: client.into(),
                mode: mode.into(),
            })
            .unwrap_err();
        assert!(
            matches!(e, EditError::Parse(_) | EditError::Unknown { .. }),
            "{e:?}"
        );
    }
    assert_eq!(w, before);
    ipv6(&mut w, "client-na", "Broken");
    assert_eq!(w.scenario().clients[0].ipv6, ClientIpv6::Broken);
    let rows = hoplab::sim::inspect::inspect(&w, "client-na");
    let row = rows.iter().find(|(k, _)| k == "IPv6").expect("an IPv6 row");
    assert!(row.1.starts_with("broken"), "{}", row.1);
}

/// §23: scenario files without `ipv6` still load (IPv4-only browsers), and
/// files with IPv6 rule CIDRs and a dual-stack browser load too.
#[test]
fn scenario_files_with_and_without_ipv6_settings_load() {
    let text = serde_json::to_string(World::default_world().scenario()).unwrap();
    assert!(!text.contains("\"ipv6\""));
    let old = Scenario::from_json(&text).unwrap();
    assert!(old.clients.iter().all(|c| c.ipv6 == ClientIpv6::Off));

    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["clients"][0]["ipv6"] = "on".into();
    let rules = v["regions"][0]["vpc"]["nacls"][0]["inbound"]
        .as_array_mut()
        .unwrap();
    rules.push(serde_json::json!({
        "number": 101, "protocol": "tcp",
        "ports": rules[0]["ports"].clone(),
        "cidr": "2001:db8::5/32", "action": "allow"
    }));
    let (s, notes) = Scenario::read_file(&v.to_string()).unwrap();
    assert_eq!(s.clients[0].ipv6, ClientIpv6::On);
    let last = s.regions[0].vpc.nacls[0].inbound.last().unwrap();
    assert_eq!(last.cidr.to_string(), "2001:db8::/32");
    assert!(
        notes.iter().any(|n| n.contains("2001:db8::/32")),
        "{notes:?}"
    );
}

/// One walk: a dual-stack browser's request decides the same recorded and
/// unrecorded, falling back included.
#[test]
fn a_recorded_and_an_unrecorded_dual_stack_request_agree() {
    let mut a = alb_dual_stack();
    ipv6(&mut a, "client-na", "on");
    let mut b = a.clone();
    for url in [API, APEX, API] {
        let t = a.send(&Request::get("client-na", url));
        let o = b.send_unrecorded(&Request::get("client-na", url));
        assert_eq!(t.outcome, o);
    }
    assert_eq!(a, b);
}
