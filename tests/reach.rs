//! "Can A reach B?" (fact sheet §25) and EC2 instances (§24): the path
//! from any component to any other, every check on the way, or the first
//! component that blocks it with its explanation code. Section numbers
//! refer to the fact sheet.

use hoplab::sim::check::{CheckKind, Leg, RuleRef};
use hoplab::sim::net::{Protocol, PublicIp};
use hoplab::sim::reach::{Reach, ReachSpec, Reason, Role};
use hoplab::sim::script::{run_step, Step, StepResult};
use hoplab::sim::trace::{Code, Direction};
use hoplab::sim::{Edit, World};

fn ask(w: &World, from: &str, to: &str, protocol: Protocol, port: u16) -> Reach {
    w.reach(&ReachSpec {
        from: from.into(),
        to: to.into(),
        protocol,
        port,
        ip_version: Default::default(),
    })
}

fn edit(w: &mut World, json: &str) {
    let e: Edit = serde_json::from_str(json).expect("an edit");
    w.apply_edit(&e).expect("accepted");
}

fn blocked(r: &Reach) -> (&str, Code, &Reason) {
    let b = r.blocked.as_ref().expect("blocked");
    (b.component.as_str(), b.code, &b.reason)
}

/// §24 "Bastion host": the admin's laptop reaches the bastion on SSH
/// through the internet gateway's 1:1 NAT, its subnet's ACL rule and its
/// security group rule, and the reply has a route back to the gateway.
#[test]
fn the_admins_laptop_reaches_the_bastion_on_ssh_through_the_internet_gateway() {
    let w = World::default_world();
    let r = ask(&w, "client-na", "i-bastion-b", Protocol::Tcp, 22);
    assert!(r.reachable, "{}", r.render_text());
    let igw = r.path.iter().find(|h| h.component == "igw-b").unwrap();
    let Role::InternetGateway {
        outbound,
        private,
        public,
    } = igw.role
    else {
        panic!("{:?}", igw.role)
    };
    assert!(!outbound);
    assert_eq!(public.to_string(), "52.12.1.30");
    assert_eq!(private.to_string(), "10.1.0.30");
    // Packets inside the VPC never carry the public address (§24).
    let arrives = r.arrives.unwrap();
    assert_eq!(arrives.dst.to_string(), "10.1.0.30");
    assert_eq!(r.sent.unwrap().dst.to_string(), "52.12.1.30");
    let checks: Vec<_> = r.path.iter().flat_map(|h| &h.checks).collect();
    let nacl_in = checks
        .iter()
        .find(|c| c.kind == CheckKind::Nacl && c.leg == Leg::Forward)
        .unwrap();
    assert_eq!(nacl_in.rule, Some(RuleRef::Number { number: 130 }));
    let sg = checks
        .iter()
        .find(|c| c.kind == CheckKind::SecurityGroup)
        .unwrap();
    assert_eq!(sg.subject, "sg-bastion-b");
    assert!(checks
        .iter()
        .any(|c| c.kind == CheckKind::RouteTable && c.leg == Leg::Return && c.allowed));
}

/// §12, §25: any other address meets the public ACL's `*` rule first.
#[test]
fn ssh_from_any_other_address_is_blocked_by_the_subnets_network_acl() {
    let w = World::default_world();
    let r = ask(&w, "client-eu", "i-bastion-b", Protocol::Tcp, 22);
    let (at, code, reason) = blocked(&r);
    assert_eq!(
        (at, code, reason),
        (
            "subnet-public-b1",
            Code::SubnetAclRestriction,
            &Reason::Table
        )
    );
    let check = r.blocked.as_ref().unwrap().check.as_ref().unwrap();
    assert_eq!(check.rule, Some(RuleRef::Star));
    assert_eq!(check.direction, Some(Direction::Inbound));
}

/// §12, §25: a deny rule numbered below the allow decides first, and the
/// analysis names it.
#[test]
fn a_lower_numbered_nacl_deny_breaks_ssh_and_the_analysis_names_that_rule() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"add_nacl_rule","nacl":"acl-public-b","direction":"inbound","number":"120","protocol":"tcp","ports":"22","cidr":"0.0.0.0/0","action":"deny"}"#,
    );
    let r = ask(&w, "client-na", "i-bastion-b", Protocol::Tcp, 22);
    let b = r.blocked.as_ref().unwrap();
    assert_eq!(b.code, Code::SubnetAclRestriction);
    assert_eq!(b.component, "subnet-public-b1");
    let c = b.check.as_ref().unwrap();
    assert_eq!(c.subject, "acl-public-b");
    assert_eq!(c.rule, Some(RuleRef::Number { number: 120 }));
}

/// §10, §24: an instance in a public subnet without a public address
/// cannot be reached from the internet, nor reach it.
#[test]
fn without_a_public_address_nothing_on_the_internet_reaches_the_instance_and_it_reaches_nothing_there(
) {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"set_instance","instance":"i-bastion-b","public_ip":"none"}"#,
    );
    assert_eq!(
        w.scenario().regions[1].vpc.instances[0].public_ip,
        PublicIp::None
    );
    let r = ask(&w, "client-na", "i-bastion-b", Protocol::Tcp, 22);
    let (at, code, _) = blocked(&r);
    assert_eq!(
        (at, code),
        ("igw-b", Code::IgwPrivateIpAssociationForIngress)
    );
    let out = ask(&w, "i-bastion-b", "sms-api", Protocol::Tcp, 443);
    let (at, code, reason) = blocked(&out);
    assert_eq!((at, code), ("igw-b", Code::IgwPublicIpAssociationForEgress));
    assert_eq!(
        reason,
        &Reason::NoPublicAddress {
            component: "i-bastion-b".into()
        }
    );
}

/// §10 "NAT gateway": nothing on the internet can start a connection to
/// a NAT gateway.
#[test]
fn a_nat_gateway_refuses_connections_started_from_the_internet() {
    let w = World::default_world();
    let r = ask(&w, "client-na", "nat-a1", Protocol::Tcp, 443);
    assert_eq!(blocked(&r).1, Code::NatGatewayOutboundOnly);
}

/// §10: a pod's connection out leaves through its NAT gateway, which
/// rewrites the source; the destination sees the NAT's address.
#[test]
fn a_pod_reaches_the_internet_through_the_nat_gateway_which_rewrites_its_source() {
    let w = World::default_world();
    let r = ask(&w, "pod-a-1", "sms-api", Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    let nat = r.path.iter().find(|h| h.component == "nat-a1").unwrap();
    let Role::NatGateway { address } = nat.role else {
        panic!()
    };
    assert_eq!(r.arrives.unwrap().src, std::net::IpAddr::V4(address));
    assert_ne!(r.sent.unwrap().src, r.arrives.unwrap().src);
}

/// §24: two instances of one subnet: no route table, no network ACL,
/// both security groups. ICMP echo needs an inbound ICMP rule.
#[test]
fn inside_one_subnet_only_the_security_groups_decide_and_ping_needs_an_icmp_rule() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"create_security_group","vpc":"vpc-b","id":"sg-web-b"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_instance","id":"i-web-b","subnet":"subnet-public-b1","security_groups":"sg-web-b"}"#,
    );
    let r = ask(&w, "i-bastion-b", "i-web-b", Protocol::Icmp, 8);
    let b = r.blocked.as_ref().unwrap();
    assert_eq!(b.code, Code::EniSgRulesMismatch);
    let kinds: Vec<_> = r
        .path
        .iter()
        .flat_map(|h| &h.checks)
        .map(|c| c.kind)
        .collect();
    assert!(!kinds.contains(&CheckKind::Nacl), "{kinds:?}");
    assert!(!kinds.contains(&CheckKind::RouteTable), "{kinds:?}");
    assert!(matches!(r.path[1].role, Role::SameSubnet { .. }));
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-web-b","direction":"inbound","protocol":"icmp","ports":"8","peer":"sg-bastion-b"}"#,
    );
    let r = ask(&w, "i-bastion-b", "i-web-b", Protocol::Icmp, 8);
    assert!(r.reachable, "{}", r.render_text());
}

/// §12, §24: across subnets a ping also needs the echo reply (type 0)
/// allowed by the network ACLs, which are stateless.
#[test]
fn a_ping_across_subnets_needs_the_echo_reply_allowed_by_the_stateless_acls() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"add_instance","id":"i-app-b","subnet":"subnet-app-b1","security_groups":"sg-app-b"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-app-b","direction":"inbound","protocol":"icmp","ports":"8","peer":"sg-bastion-b"}"#,
    );
    for (nacl, dir, number, ports) in [
        ("acl-public-b", "outbound", "140", "8"),
        ("acl-app-b", "inbound", "140", "8"),
    ] {
        edit(
            &mut w,
            &format!(
                r#"{{"kind":"add_nacl_rule","nacl":"{nacl}","direction":"{dir}","number":"{number}","protocol":"icmp","ports":"{ports}","cidr":"10.1.0.0/16","action":"allow"}}"#
            ),
        );
    }
    let r = ask(&w, "i-bastion-b", "i-app-b", Protocol::Icmp, 8);
    let c = r.blocked.as_ref().unwrap().check.as_ref().unwrap();
    assert_eq!(c.kind, CheckKind::Nacl);
    assert_eq!(c.leg, Leg::Return, "{}", r.render_text());
    assert_eq!(c.five_tuple.unwrap().dst_port, 0, "the echo reply");
    for (nacl, dir) in [("acl-app-b", "outbound"), ("acl-public-b", "inbound")] {
        edit(
            &mut w,
            &format!(
                r#"{{"kind":"add_nacl_rule","nacl":"{nacl}","direction":"{dir}","number":"140","protocol":"icmp","ports":"0","cidr":"10.1.0.0/16","action":"allow"}}"#
            ),
        );
    }
    assert!(ask(&w, "i-bastion-b", "i-app-b", Protocol::Icmp, 8).reachable);
}

/// §24: the instance metadata service and the VPC resolver answer the
/// instance without security groups or network ACLs; a client cannot
/// reach either.
#[test]
fn the_metadata_service_and_the_vpc_resolver_answer_the_instance_unfiltered() {
    let w = World::default_world();
    let r = ask(&w, "i-bastion-b", "169.254.169.254", Protocol::Tcp, 80);
    assert!(r.reachable);
    assert!(r.path.iter().all(|h| h.checks.is_empty()));
    let dns = ask(&w, "i-bastion-b", "10.1.0.2", Protocol::Udp, 53);
    assert!(dns.reachable, "{}", dns.render_text());
    assert_eq!(
        blocked(&ask(&w, "i-bastion-b", "10.1.0.2", Protocol::Tcp, 80)).1,
        Code::ProtocolRestriction
    );
    assert!(!ask(&w, "client-na", "169.254.169.254", Protocol::Tcp, 80).reachable);
}

/// §21: another VPC's private address needs a route into that VPC (a
/// peering connection); without one the source's route table stops it.
#[test]
fn another_vpcs_private_address_is_not_reachable_without_a_route_into_that_vpc() {
    let w = World::default_world();
    let r = ask(&w, "i-bastion-b", "rds-a", Protocol::Tcp, 5432);
    let (at, code, reason) = blocked(&r);
    assert_eq!((at, code), ("subnet-public-b1", Code::NoRouteToDestination));
    assert_eq!(
        reason,
        &Reason::OtherVpc {
            vpc: "vpc-a".into()
        }
    );
}

/// §29 "Public access", §24: the database has no public address, so the
/// laptop cannot reach it; the application tier can.
#[test]
fn the_database_is_reachable_from_its_application_tier_but_not_from_a_laptop() {
    let w = World::default_world();
    assert!(ask(&w, "pod-a-1", "rds-a", Protocol::Tcp, 5432).reachable);
    assert_eq!(
        blocked(&ask(&w, "client-na", "rds-a", Protocol::Tcp, 5432)).1,
        Code::IgwPrivateIpAssociationForIngress
    );
}

/// §25: a load balancer accepts connections on its listeners' ports only.
#[test]
fn a_load_balancer_without_a_listener_on_the_port_is_not_reachable_there() {
    let mut w = World::default_world();
    assert!(ask(&w, "client-na", "alb-a", Protocol::Tcp, 443).reachable);
    // The security group decides first; opened, the missing listener shows.
    assert_eq!(
        blocked(&ask(&w, "client-na", "alb-a", Protocol::Tcp, 8443)).1,
        Code::EniSgRulesMismatch
    );
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-alb-a","direction":"inbound","protocol":"tcp","ports":"8443","peer":"0.0.0.0/0"}"#,
    );
    assert_eq!(
        blocked(&ask(&w, "client-na", "alb-a", Protocol::Tcp, 8443)).1,
        Code::Elbv2ListenerPortRestriction
    );
}

/// §25: a question that cannot be analysed is refused with the reason;
/// asking changes nothing.
#[test]
fn unknown_ends_bad_ports_and_unsupported_components_are_refused_by_name() {
    let w = World::default_world();
    let before = serde_json::to_string(w.scenario()).unwrap();
    for (from, to, protocol, port, says) in [
        ("client-na", "i-nowhere", Protocol::Tcp, 22, "i-nowhere"),
        ("client-na", "i-bastion-b", Protocol::Tcp, 0, "port from 1"),
        ("client-na", "i-bastion-b", Protocol::Icmp, 300, "0 to 255"),
        (
            "client-na",
            "cloudfront",
            Protocol::Tcp,
            443,
            "cannot start or end",
        ),
        ("client-na", "client-eu", Protocol::Tcp, 443, "internet"),
        ("pod-a-1", "pod-a-1", Protocol::Tcp, 8080, "same"),
    ] {
        let err = w
            .reach_asked(&ReachSpec {
                from: from.into(),
                to: to.into(),
                protocol,
                port,
                ip_version: Default::default(),
            })
            .unwrap_err();
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(serde_json::to_string(w.scenario()).unwrap(), before);
}

/// §25: a down Availability Zone stops the path at the component in it.
#[test]
fn a_destination_in_a_failed_availability_zone_is_not_reachable() {
    let mut w = World::default_world();
    let f: hoplab::sim::Fault =
        serde_json::from_str(r#"{"kind":"az_down","az":"us-west-2a"}"#).expect("a fault");
    w.set_fault(f, true);
    let r = ask(&w, "client-na", "i-bastion-b", Protocol::Tcp, 22);
    assert_eq!(blocked(&r).1, Code::ComponentDown);
}

/// §11, §24: launching takes the subnet's first free address; a new
/// security group has no inbound rule and allows all outbound; bad input
/// is refused and changes nothing.
#[test]
fn instances_launch_on_the_first_free_address_and_bad_input_is_refused_whole() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"create_security_group","vpc":"vpc-a","id":"sg-tools-a"}"#,
    );
    let sg = w.scenario().regions[0]
        .vpc
        .sg("sg-tools-a")
        .unwrap()
        .clone();
    assert!(sg.inbound.is_empty());
    assert_eq!(sg.outbound.len(), 1);
    edit(
        &mut w,
        r#"{"kind":"add_instance","id":"i-tools","subnet":"subnet-app-a1","security_groups":"sg-tools-a","public_ip":"auto","os":"windows"}"#,
    );
    let i = w.scenario().regions[0]
        .vpc
        .instance("i-tools")
        .unwrap()
        .clone();
    assert!(matches!(i.public_ip, PublicIp::Auto(_)));
    let taken: Vec<u32> = w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .filter(|p| p.subnet == "subnet-app-a1")
        .map(|p| p.host)
        .collect();
    assert!(i.host >= 4 && !taken.contains(&i.host));
    let before = serde_json::to_string(w.scenario()).unwrap();
    for bad in [
        r#"{"kind":"add_instance","id":"i-x","subnet":"subnet-nowhere","security_groups":"sg-tools-a"}"#,
        // (No group at all is the VPC's default group: tests/vpc_more.rs.)
        r#"{"kind":"add_instance","id":"i-x","subnet":"subnet-app-a1","security_groups":"sg-bastion-b"}"#,
        r#"{"kind":"add_instance","id":"i-x","subnet":"subnet-app-a1","security_groups":"sg-tools-a","public_ip":"10.0.0.9"}"#,
        r#"{"kind":"add_instance","id":"i-tools","subnet":"subnet-app-a1","security_groups":"sg-tools-a"}"#,
        r#"{"kind":"set_instance","instance":"i-tools","source_dest_check":"maybe"}"#,
        r#"{"kind":"create_security_group","vpc":"vpc-a","id":"web"}"#,
        r#"{"kind":"create_security_group","vpc":"vpc-a","id":"sg-tools-a"}"#,
    ] {
        let e: Edit = serde_json::from_str(bad).unwrap();
        assert!(w.apply_edit(&e).is_err(), "{bad}");
        assert_eq!(
            serde_json::to_string(w.scenario()).unwrap(),
            before,
            "{bad}"
        );
    }
}

/// The `reach` script step prints the path and, in JSON, its typed fields.
#[test]
fn a_reach_step_prints_the_path_and_its_json_has_the_code() {
    let mut w = World::default_world();
    let step: Step = serde_json::from_str(
        r#"{"reach":{"from":"client-eu","to":"i-bastion-b","protocol":"tcp","port":22}}"#,
    )
    .unwrap();
    let out = run_step(&mut w, &step, 1).unwrap();
    let StepResult::Reach { reach, .. } = &out else {
        panic!()
    };
    assert!(!reach.reachable);
    let text = out.render_text();
    assert!(
        text.contains("Can client-eu reach i-bastion-b on TCP 22?"),
        "{text}"
    );
    assert!(text.contains("SUBNET_ACL_RESTRICTION"), "{text}");
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["kind"], "reach");
    assert_eq!(json["reach"]["blocked"]["code"], "SUBNET_ACL_RESTRICTION");
    let bad: Step = serde_json::from_str(
        r#"{"reach":{"from":"client-eu","to":"nowhere","protocol":"tcp","port":22}}"#,
    )
    .unwrap();
    assert!(run_step(&mut w, &bad, 2).is_err());
}

/// §24 "Source/destination check": a route through an instance (a NAT
/// instance) works only once its check is off; then it forwards from its
/// own address and its public address takes the packet to the internet.
#[test]
fn a_nat_instance_forwards_only_with_its_source_destination_check_off() {
    let mut w = World::default_world();
    edit(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-bastion-b","direction":"inbound","protocol":"tcp","ports":"443","peer":"10.1.0.0/16"}"#,
    );
    edit(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"192.0.2.0/24","target":"i-bastion-b"}"#,
    );
    let r = ask(&w, "pod-b-1", "sms-api", Protocol::Tcp, 443);
    let (at, code, reason) = blocked(&r);
    assert_eq!(
        (at, code),
        ("i-bastion-b", Code::EniSourceDestCheckRestriction)
    );
    assert_eq!(
        reason,
        &Reason::SourceDestCheck {
            instance: "i-bastion-b".into()
        }
    );
    edit(
        &mut w,
        r#"{"kind":"set_instance","instance":"i-bastion-b","source_dest_check":"off"}"#,
    );
    let r = ask(&w, "pod-b-1", "sms-api", Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    assert!(r
        .path
        .iter()
        .any(|h| matches!(h.role, Role::Forwards { .. }) && h.component == "i-bastion-b"));
    assert_eq!(r.arrives.unwrap().src.to_string(), "52.12.1.30");
}

/// §15: a database asked for by its id is its primary now; after a
/// Multi-AZ failover the path leads to the new primary.
#[test]
fn a_database_by_its_id_is_its_primary_now_and_follows_a_failover() {
    let mut w = World::default_world();
    let before = ask(&w, "pod-a-1", "rds-a", Protocol::Tcp, 5432);
    assert!(before.reachable);
    let first = before.destination.clone().unwrap();
    assert_eq!(Some(first.as_str()), w.rds_primary("us-east-1"));
    for step in [
        r#"{"fault":{"kind":"rds_primary_down","region":"us-east-1"}}"#,
        r#"{"advance":"5m"}"#,
    ] {
        let s: Step = serde_json::from_str(step).expect("a step");
        run_step(&mut w, &s, 1).expect("runs");
    }
    let after = ask(&w, "pod-a-1", "rds-a", Protocol::Tcp, 5432);
    let now = after.destination.clone().unwrap();
    assert_ne!(now, first, "{}", after.render_text());
    assert_eq!(Some(now.as_str()), w.rds_primary("us-east-1"));
}

/// §9, §25: a Network Load Balancer is reachable on its listeners' ports
/// only; without security groups of its own, nothing else filters there.
#[test]
fn a_network_load_balancer_is_reachable_on_its_listeners_only() {
    let mut w = World::default_world();
    edit(&mut w, r#"{"kind":"add_nlb","region":"us-east-1"}"#);
    let nlb = w.scenario().regions[0].nlb.as_ref().unwrap().id.clone();
    let r = ask(&w, "client-na", &nlb, Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    assert!(!r
        .path
        .iter()
        .flat_map(|h| &h.checks)
        .any(|c| c.kind == CheckKind::SecurityGroup));
    assert_eq!(
        blocked(&ask(&w, "client-na", &nlb, Protocol::Tcp, 8443)).1,
        Code::Elbv2ListenerPortRestriction
    );
}
