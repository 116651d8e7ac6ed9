//! IPv6 in a VPC (fact sheet §23): an Amazon-provided /56 and subnets'
//! /64s, IPv6 routes beside the IPv4 ones, instances with IPv6 addresses,
//! and the egress-only internet gateway — asked with "Can A reach B?"
//! over IPv6 (§25 analyses IPv4 only; Hoplab answers for both). Section
//! numbers refer to the fact sheet.

use hoplab::sim::check::{CheckKind, Leg};
use hoplab::sim::net::{Family, Protocol, RouteTarget};
use hoplab::sim::reach::{Reach, ReachSpec, Reason, Role};
use hoplab::sim::topology::NodeKind;
use hoplab::sim::trace::Code;
use hoplab::sim::{Edit, World};

/// A host on the internet, outside every VPC.
const REMOTE: &str = "2606:4700::1111";

fn ask(w: &World, from: &str, to: &str, protocol: Protocol, port: u16) -> Reach {
    w.reach(&ReachSpec {
        from: from.into(),
        to: to.into(),
        protocol,
        port,
        ip_version: Family::Ipv6,
    })
}

fn edit(w: &mut World, json: &str) {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{json} refused: {err}"));
}

fn refused(w: &mut World, json: &str) -> String {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    let before = w.scenario().clone();
    let err = w.apply_edit(&e).expect_err(json).to_string();
    assert_eq!(*w.scenario(), before, "{json} changed the world");
    err
}

fn blocked(r: &Reach) -> (&str, Code, &Reason) {
    let b = r.blocked.as_ref().expect("blocked");
    (b.component.as_str(), b.code, &b.reason)
}

/// Region B with IPv6: the VPC's /56, a /64 on the first app subnet (a
/// private one: its IPv4 default route leads to a NAT gateway), an
/// instance there with an IPv6 address and a security group as AWS
/// creates one (all out, IPv4 and IPv6), and the app subnets' network ACL
/// opened for IPv6 both ways. No IPv6 route yet.
fn ipv6_world() -> World {
    let mut w = World::default_world();
    for e in [
        r#"{"kind":"assign_vpc_ipv6","vpc":"vpc-b"}"#,
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-app-b1"}"#,
        r#"{"kind":"create_security_group","vpc":"vpc-b","id":"sg-worker"}"#,
        r#"{"kind":"add_instance","id":"i-worker","subnet":"subnet-app-b1","security_groups":"sg-worker"}"#,
        r#"{"kind":"set_instance","instance":"i-worker","ipv6":"on"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-app-b","direction":"outbound","number":"200","protocol":"all","ports":"all","cidr":"::/0","action":"allow"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-app-b","direction":"inbound","number":"200","protocol":"all","ports":"all","cidr":"::/0","action":"allow"}"#,
    ] {
        edit(&mut w, e);
    }
    w
}

fn with_eigw(mut w: World) -> World {
    edit(
        &mut w,
        r#"{"kind":"create_egress_only_igw","vpc":"vpc-b","id":"eigw-b"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"::/0","target":"eigw-b"}"#,
    );
    w
}

/// §23 Addressing: an Amazon-provided /56 for the VPC, whose `local` route
/// every route table gets; a /64 of it per subnet; an instance's IPv6
/// address from its subnet's /64.
#[test]
fn a_vpcs_ipv6_block_is_a_56_with_a_local_route_in_every_table_and_subnets_take_64s() {
    let w = ipv6_world();
    let v = &w.scenario().regions[1].vpc;
    let block = v.ipv6_cidr.expect("a /56");
    assert_eq!(block.prefix_len(), 56);
    for t in &v.route_tables {
        assert!(
            t.routes.iter().any(|r| r.target == RouteTarget::Local
                && r.destination == ipnet::IpNet::V6(block)),
            "{} has no IPv6 local route",
            t.id
        );
    }
    let sn = v.subnet("subnet-app-b1").unwrap();
    let net = sn.ipv6_cidr.expect("a /64");
    assert_eq!(net.prefix_len(), 64);
    assert!(block.contains(&net));
    let i = v.instance("i-worker").unwrap();
    let ip = v.instance_ipv6(i).expect("an IPv6 address");
    assert!(net.contains(&ip));
    // The group AWS creates in a VPC with IPv6 lets both versions out (§11).
    let g = v.sg("sg-worker").unwrap();
    assert_eq!(g.outbound.len(), 2);
}

/// §23 Gateways: a private subnet routes `::/0` to an egress-only internet
/// gateway; the instance reaches the internet over IPv6 through it, with
/// its own address (no NAT for IPv6), and the reply's way in is checked.
#[test]
fn a_private_instance_reaches_the_internet_over_ipv6_through_the_egress_only_gateway_untranslated()
{
    let w = with_eigw(ipv6_world());
    let r = ask(&w, "i-worker", REMOTE, Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    let gw = r.path.iter().find(|h| h.component == "eigw-b").unwrap();
    assert_eq!(
        gw.role,
        Role::Ipv6Gateway {
            egress_only: true,
            outbound: true
        }
    );
    let (sent, arrives) = (r.sent.unwrap(), r.arrives.unwrap());
    assert_eq!(sent.src, arrives.src, "IPv6 is never translated");
    assert_eq!(arrives.dst.to_string(), REMOTE);
    let checks: Vec<_> = r.path.iter().flat_map(|h| &h.checks).collect();
    assert!(checks
        .iter()
        .any(|c| c.kind == CheckKind::RouteTable && c.allowed && c.leg == Leg::Forward));
    assert!(checks
        .iter()
        .any(|c| c.kind == CheckKind::Nacl && c.leg == Leg::Return));
    // Over IPv4 the same instance still leaves through its NAT gateway:
    // the IPv6 route decides IPv6 packets only (§23: separate routes).
    let r4 = w.reach(&ReachSpec {
        from: "i-worker".into(),
        to: "93.184.216.34".into(),
        protocol: Protocol::Tcp,
        port: 443,
        ip_version: Family::Ipv4,
    });
    assert!(r4.reachable, "{}", r4.render_text());
    assert!(r4
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. })));
}

/// §23: without an IPv6 route, an IPv4 default route does not carry IPv6:
/// the analysis stops at the subnet with NO_ROUTE_TO_DESTINATION.
#[test]
fn without_an_ipv6_route_the_ipv4_default_route_does_not_carry_ipv6() {
    let w = ipv6_world();
    let r = ask(&w, "i-worker", REMOTE, Protocol::Tcp, 443);
    let (at, code, reason) = blocked(&r);
    assert_eq!((at, code), ("subnet-app-b1", Code::NoRouteToDestination));
    assert_eq!(*reason, Reason::Table);
}

/// §23 Gateways: "outbound-initiated only". A connection started on the
/// internet toward the instance gets in through the internet gateway, but
/// its reply would leave through the egress-only gateway, which drops it.
#[test]
fn the_internet_cannot_start_a_connection_through_the_egress_only_gateway() {
    let mut w = with_eigw(ipv6_world());
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-worker","direction":"inbound","protocol":"tcp","ports":"22","peer":"::/0"}"#,
    );
    let r = ask(&w, REMOTE, "i-worker", Protocol::Tcp, 22);
    let (at, code, reason) = blocked(&r);
    assert_eq!((at, code), ("eigw-b", Code::EigwOutboundOnly));
    assert_eq!(
        *reason,
        Reason::EgressOnly {
            gateway: "eigw-b".into()
        }
    );
    assert!(r.summary().contains("EIGW_OUTBOUND_ONLY"));
}

/// §23: IPv6 addresses are public by nature: with `::/0` to the internet
/// gateway, the internet reaches the instance at the very address it
/// holds (no 1:1 NAT as for IPv4), once its security group allows it.
#[test]
fn an_ipv6_address_is_public_by_nature_once_routes_and_rules_allow_it() {
    let mut w = ipv6_world();
    edit(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"::/0","target":"igw-b"}"#,
    );
    let r = ask(&w, REMOTE, "i-worker", Protocol::Tcp, 22);
    let (_, code, _) = blocked(&r);
    assert_eq!(code, Code::EniSgRulesMismatch, "{}", r.render_text());
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-worker","direction":"inbound","protocol":"tcp","ports":"22","peer":"::/0"}"#,
    );
    let r = ask(&w, REMOTE, "i-worker", Protocol::Tcp, 22);
    assert!(r.reachable, "{}", r.render_text());
    assert_eq!(r.sent.unwrap().dst, r.arrives.unwrap().dst);
    let igw = r.path.iter().find(|h| h.component == "igw-b").unwrap();
    assert_eq!(
        igw.role,
        Role::Ipv6Gateway {
            egress_only: false,
            outbound: false
        }
    );
}

/// §23, §11: an IPv4 rule never matches an IPv6 packet: a security group
/// allowing SSH from 0.0.0.0/0 does not admit it over IPv6.
#[test]
fn an_ipv4_security_group_rule_does_not_admit_an_ipv6_connection() {
    let mut w = ipv6_world();
    edit(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"::/0","target":"igw-b"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-worker","direction":"inbound","protocol":"tcp","ports":"22","peer":"0.0.0.0/0"}"#,
    );
    let r = ask(&w, REMOTE, "i-worker", Protocol::Tcp, 22);
    let b = r.blocked.as_ref().expect("blocked");
    assert_eq!(b.code, Code::EniSgRulesMismatch);
    assert_eq!(b.check.as_ref().unwrap().kind, CheckKind::SecurityGroup);
}

/// §23, §12: the default network ACLs of the world hold IPv4 rules only,
/// so IPv6 meets their `*` deny until IPv6 rules are added.
#[test]
fn a_network_acl_with_ipv4_rules_only_denies_ipv6() {
    let mut w = World::default_world();
    for e in [
        r#"{"kind":"assign_vpc_ipv6","vpc":"vpc-b"}"#,
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-app-b1"}"#,
        r#"{"kind":"create_security_group","vpc":"vpc-b","id":"sg-worker"}"#,
        r#"{"kind":"add_instance","id":"i-worker","subnet":"subnet-app-b1","security_groups":"sg-worker"}"#,
        r#"{"kind":"set_instance","instance":"i-worker","ipv6":"on"}"#,
    ] {
        edit(&mut w, e);
    }
    let w = with_eigw(w);
    let r = ask(&w, "i-worker", REMOTE, Protocol::Tcp, 443);
    let (at, code, _) = blocked(&r);
    assert_eq!((at, code), ("subnet-app-b1", Code::SubnetAclRestriction));
}

/// §23 Addressing, §24: two instances of one VPC on different subnets talk
/// over IPv6 by the IPv6 `local` route, through both network ACLs and
/// security groups; the same pair over IPv4 uses the IPv4 addresses.
#[test]
fn two_instances_of_one_vpc_talk_over_ipv6_by_the_ipv6_local_route() {
    let mut w = ipv6_world();
    for e in [
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-public-b1"}"#,
        r#"{"kind":"set_instance","instance":"i-bastion-b","ipv6":"on"}"#,
        r#"{"kind":"add_sg_rule","sg":"sg-worker","direction":"inbound","protocol":"tcp","ports":"22","peer":"sg-bastion-b"}"#,
        // An existing group gets no IPv6 rule when the VPC gets a block.
        r#"{"kind":"add_sg_rule","sg":"sg-bastion-b","direction":"outbound","protocol":"tcp","ports":"22","peer":"::/0"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-public-b","direction":"outbound","number":"200","protocol":"all","ports":"all","cidr":"::/0","action":"allow"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-public-b","direction":"inbound","number":"200","protocol":"all","ports":"all","cidr":"::/0","action":"allow"}"#,
    ] {
        edit(&mut w, e);
    }
    let r = ask(&w, "i-bastion-b", "i-worker", Protocol::Tcp, 22);
    assert!(r.reachable, "{}", r.render_text());
    let local = r
        .path
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.kind == CheckKind::RouteTable && c.leg == Leg::Forward)
        .expect("a route check");
    assert!(
        matches!(&local.rule, Some(hoplab::sim::check::RuleRef::Route { target, .. }) if target == "local"),
        "{:?}",
        local.rule
    );
    assert!(r.arrives.unwrap().dst.is_ipv6());
}

/// §23: only interfaces with an IPv6 address can be asked about over
/// IPv6: an instance that did not take one, a browser with IPv6 off, and
/// (in the model) a pod are answered "no IPv6 address".
#[test]
fn an_end_without_an_ipv6_address_is_answered_as_such() {
    let w = with_eigw(ipv6_world());
    for (from, to) in [
        ("i-bastion-b", REMOTE),
        ("client-na", "i-worker"),
        ("pod-b-1", REMOTE),
    ] {
        let r = ask(&w, from, to, Protocol::Tcp, 443);
        let (_, code, reason) = blocked(&r);
        assert_eq!(code, Code::NoSourceOrDestination, "{from} -> {to}");
        assert!(
            matches!(reason, Reason::NoIpv6Address { .. }),
            "{from} -> {to}: {reason:?}"
        );
    }
    // An unknown name is refused as for IPv4.
    let spec = ReachSpec {
        from: "i-nope".into(),
        to: REMOTE.into(),
        protocol: Protocol::Tcp,
        port: 443,
        ip_version: Family::Ipv6,
    };
    assert!(w.reach_asked(&spec).is_err());
}

/// §23: a browser with IPv6 on reaches an instance's IPv6 address; typing
/// an IPv6 address asks over IPv6 without saying so.
#[test]
fn a_typed_ipv6_address_asks_over_ipv6() {
    let mut w = ipv6_world();
    edit(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"::/0","target":"igw-b"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-worker","direction":"inbound","protocol":"tcp","ports":"443","peer":"::/0"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"set_client_ipv6","client":"client-na","mode":"on"}"#,
    );
    let v = &w.scenario().regions[1].vpc;
    let ip = v.instance_ipv6(v.instance("i-worker").unwrap()).unwrap();
    let r = w.reach(&ReachSpec {
        from: "client-na".into(),
        to: ip.to_string(),
        protocol: Protocol::Tcp,
        port: 443,
        ip_version: Family::Ipv4,
    });
    assert!(r.reachable, "{}", r.render_text());
    assert!(r.sent.unwrap().src.is_ipv6());
    assert_eq!(r.destination.as_deref(), Some("i-worker"));
}

/// §23: the instance metadata service answers at fd00:ec2::254 on the
/// instance itself, with no filter; ICMPv6 echo (type 128) is checked
/// against the ICMP rules.
#[test]
fn imds_answers_on_its_ipv6_address_and_icmpv6_echo_meets_the_icmp_rules() {
    let w = with_eigw(ipv6_world());
    let r = ask(&w, "i-worker", "fd00:ec2::254", Protocol::Tcp, 80);
    assert!(r.reachable, "{}", r.render_text());
    assert!(r.path.iter().all(|h| h.checks.is_empty()));
    let r = ask(&w, "i-worker", REMOTE, Protocol::Icmp, 128);
    assert!(r.reachable, "{}", r.render_text());
    let reply = r
        .path
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.leg == Leg::Return)
        .expect("the reply's check");
    assert_eq!(reply.five_tuple.unwrap().dst_port, 129, "ICMPv6 echo reply");
}

/// §23: the edits refuse what AWS refuses, with a reason, and change
/// nothing: an egress-only gateway for IPv4, IPv6 to a NAT gateway, a
/// subnet block before the VPC has one, an IPv6 address in a subnet
/// without a block, a second VPC block, deleting a gateway routes use,
/// a gateway id without eigw-.
#[test]
fn ipv6_edits_refuse_what_aws_refuses_and_change_nothing() {
    let mut w = World::default_world();
    assert!(refused(
        &mut w,
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-app-b1"}"#
    )
    .contains("no IPv6 block"));
    assert!(refused(
        &mut w,
        r#"{"kind":"set_instance","instance":"i-bastion-b","ipv6":"on"}"#
    )
    .contains("no IPv6 block"));
    assert!(refused(
        &mut w,
        r#"{"kind":"create_egress_only_igw","vpc":"vpc-b","id":"igw-x"}"#
    )
    .contains("eigw-"));
    let mut w = with_eigw(ipv6_world());
    assert!(refused(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b2","destination":"0.0.0.0/0","target":"eigw-b"}"#
    )
    .contains("IPv6 only"));
    assert!(refused(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b2","destination":"::/0","target":"nat-b2"}"#
    )
    .contains("no NAT for IPv6"));
    assert!(refused(&mut w, r#"{"kind":"assign_vpc_ipv6","vpc":"vpc-b"}"#).contains("already has"));
    assert!(
        refused(&mut w, r#"{"kind":"delete_egress_only_igw","id":"eigw-b"}"#)
            .contains("rtb-app-b1")
    );
    assert!(refused(
        &mut w,
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-app-b2","block":"256"}"#
    )
    .contains("0 to 255"));
    assert!(refused(
        &mut w,
        r#"{"kind":"assign_subnet_ipv6","subnet":"subnet-app-b1","block":"none"}"#
    )
    .contains("i-worker"));
    // Taken back in order, everything goes.
    edit(
        &mut w,
        r#"{"kind":"remove_route","route_table":"rtb-app-b1","destination":"::/0"}"#,
    );
    edit(&mut w, r#"{"kind":"delete_egress_only_igw","id":"eigw-b"}"#);
    assert_eq!(w.scenario().regions[1].vpc.egress_only_igw, None);
}

/// §23, §10: a scenario file's IPv6 parts are checked like the rest: a
/// subnet's block must be a /64 of the VPC's /56, every table needs the
/// IPv6 local route; a valid file round-trips unchanged.
#[test]
fn a_scenario_files_ipv6_parts_are_checked_and_round_trip() {
    use hoplab::sim::scenario::Scenario;
    let w = with_eigw(ipv6_world());
    let json = serde_json::to_string(w.scenario()).unwrap();
    let back = Scenario::from_json(&json).expect("valid");
    assert_eq!(back, *w.scenario());
    let mut bad: serde_json::Value = serde_json::from_str(&json).unwrap();
    bad["regions"][1]["vpc"]["subnets"][3]["ipv6_cidr"] = "2001:db8::/64".into();
    let err = Scenario::from_json(&bad.to_string()).unwrap_err();
    assert!(err.to_string().contains("/64 of"), "{err}");
    let mut bad: serde_json::Value = serde_json::from_str(&json).unwrap();
    let routes = bad["regions"][1]["vpc"]["route_tables"][0]["routes"]
        .as_array_mut()
        .unwrap();
    routes.retain(|r| !r["destination"].as_str().unwrap().contains(':'));
    let err = Scenario::from_json(&bad.to_string()).unwrap_err();
    assert!(err.to_string().contains("no local route"), "{err}");
    // A file cannot route IPv4 to the egress-only gateway either.
    let mut bad: serde_json::Value = serde_json::from_str(&json).unwrap();
    let routes = bad["regions"][1]["vpc"]["route_tables"][1]["routes"]
        .as_array_mut()
        .unwrap();
    routes
        .push(serde_json::json!({"destination": "198.51.100.0/24", "target": {"eigw": "eigw-b"}}));
    let err = Scenario::from_json(&bad.to_string()).unwrap_err();
    assert!(err.to_string().contains("IPv6 only"), "{err}");
    // The default world has no IPv6 parts, so its file says nothing of them.
    let default = serde_json::to_string(World::default_world().scenario()).unwrap();
    assert!(!default.contains("ipv6_cidr") && !default.contains("egress_only_igw"));
}

/// §23: the diagram draws the egress-only gateway with its own icon,
/// linked from the instances whose subnet routes IPv6 to it, and the
/// inspector says what it carries and which routes use it.
#[test]
fn the_egress_only_gateway_is_drawn_and_inspected() {
    let w = with_eigw(ipv6_world());
    let t = w.topology();
    let n = t.node("eigw-b").expect("a node");
    assert_eq!(n.kind, NodeKind::Eigw);
    assert_eq!(NodeKind::Eigw.icon(), "eigw");
    assert!(std::path::Path::new("assets/eigw.svg").exists());
    let rows = w.inspect("eigw-b");
    let routes = rows
        .iter()
        .find(|(k, _)| k == "routes to it")
        .expect("a routes row");
    assert!(routes.1.contains("rtb-app-b1: ::/0"), "{}", routes.1);
    let rows = w.inspect("i-worker");
    assert!(rows
        .iter()
        .any(|(k, v)| k == "IPv6 address" && v.starts_with("2600:1f18:")));
}

/// The English a learner reads when a route table stops the path: the
/// table and the reason, with no stray space where a route table has no
/// direction (fact sheet §10, §23).
#[test]
fn a_missing_ipv6_route_reads_as_the_table_and_the_address_it_does_not_match() {
    let w = ipv6_world();
    let r = ask(&w, "i-worker", REMOTE, Protocol::Tcp, 443);
    assert_eq!(
        r.summary(),
        "Not reachable: blocked at subnet-app-b1 (NO_ROUTE_TO_DESTINATION): route table rtb-app-b1: no route matches 2606:4700::1111"
    );
}
