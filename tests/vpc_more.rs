//! The rest of the VPC: secondary CIDRs, the main route table, the default
//! network ACL and security group, peering connections and VPC endpoints.
//! Section numbers refer to ../shared/reference/aws-facts.md.

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::edit::{EditError, VpcPart};
use hoplab::sim::net::*;
use hoplab::sim::scenario::Scenario;
use hoplab::sim::{Edit, Request, World};

fn edit(json: &str) -> Edit {
    serde_json::from_str(json).expect("an edit")
}

fn apply(w: &mut World, json: &str) -> Result<(), EditError> {
    w.apply_edit(&edit(json))
}

fn vpc<'a>(w: &'a World, id: &str) -> &'a Vpc {
    &w.scenario()
        .regions
        .iter()
        .find(|r| r.vpc.id == id)
        .unwrap()
        .vpc
}

fn locals(v: &Vpc, table: &str) -> Vec<String> {
    v.route_table(table)
        .unwrap()
        .routes
        .iter()
        .filter(|r| r.target == RouteTarget::Local)
        .map(|r| r.destination.to_string())
        .collect()
}

/// A refused edit leaves the world as it was.
fn refused(w: &mut World, json: &str) -> EditError {
    let before = w.clone();
    let e = apply(w, json).expect_err(json);
    assert_eq!(*w, before, "{json}");
    e
}

#[test]
fn a_secondary_cidr_adds_a_local_route_to_every_table_and_removing_it_takes_them_away() {
    // Fact sheet §10: each secondary CIDR adds its own local route.
    let mut w = World::default_world();
    apply(
        &mut w,
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"10.10.0.0/16"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    assert_eq!(v.secondary_cidrs, vec!["10.10.0.0/16".parse().unwrap()]);
    for t in &v.route_tables {
        assert_eq!(locals(v, &t.id), vec!["10.0.0.0/16", "10.10.0.0/16"]);
    }
    // A new table gets a local route for every block too.
    apply(
        &mut w,
        r#"{"kind":"create_route_table","id":"rtb-new-a","vpc":"vpc-a"}"#,
    )
    .unwrap();
    assert_eq!(locals(vpc(&w, "vpc-a"), "rtb-new-a").len(), 2);
    // The local route of a secondary block cannot be deleted.
    let e = refused(
        &mut w,
        r#"{"kind":"remove_route","route_table":"rtb-data-a","destination":"10.10.0.0/16"}"#,
    );
    assert!(matches!(e, EditError::LocalRoute { .. }), "{e}");
    apply(
        &mut w,
        r#"{"kind":"remove_vpc_cidr","vpc":"vpc-a","cidr":"10.10.0.0/16"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    assert!(v.secondary_cidrs.is_empty());
    assert!(v
        .route_tables
        .iter()
        .all(|t| locals(v, &t.id) == vec!["10.0.0.0/16"]));
}

#[test]
fn a_secondary_cidr_is_refused_by_each_rule_aws_applies() {
    // Fact sheet §10: /16-/28, no overlap, RFC 1918 mixing, 198.19.0.0/16.
    let mut w = World::default_world();
    let add = |cidr: &str| format!(r#"{{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"{cidr}"}}"#);
    for bad in [
        "10.20.0.0/15",   // larger than /16
        "10.0.128.0/17",  // overlaps the primary
        "172.16.0.0/16",  // 10/8 primary: no 172.16/12
        "192.168.0.0/16", // nor 192.168/16
        "198.19.0.0/16",  // restricted
        "169.254.0.0/16", // link-local
    ] {
        let e = refused(&mut w, &add(bad));
        assert!(matches!(e, EditError::Invalid(_)), "{bad}: {e}");
    }
    // 100.64.0.0/10 and public ranges are allowed.
    apply(&mut w, &add("100.64.0.0/16")).unwrap();
    apply(&mut w, &add("203.0.113.0/24")).unwrap();
}

#[test]
fn a_secondary_cidr_may_not_cover_an_existing_route_destination() {
    // Fact sheet §10: not equal to or larger than an existing route's destination.
    let mut w = World::default_world();
    apply(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-public-a","destination":"100.64.5.0/24","target":"igw-a"}"#,
    )
    .unwrap();
    let e = refused(
        &mut w,
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"100.64.0.0/16"}"#,
    );
    assert!(e.to_string().contains("equal to or larger"), "{e}");
}

#[test]
fn at_most_five_secondary_cidrs_fit_in_a_vpc() {
    // Fact sheet §10: 5 secondary CIDRs per VPC by default.
    let mut w = World::default_world();
    for i in 0..hoplab::sim::limits::MAX_SECONDARY_CIDRS {
        let j = format!(
            r#"{{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"10.{}.0.0/16"}}"#,
            20 + i
        );
        apply(&mut w, &j).unwrap();
    }
    refused(
        &mut w,
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"10.99.0.0/16"}"#,
    );
}

#[test]
fn the_primary_cidr_stays_and_a_used_secondary_cidr_stays() {
    // Fact sheet §10: the primary cannot be removed; subnets may lie in any block.
    let mut w = World::default_world();
    refused(
        &mut w,
        r#"{"kind":"remove_vpc_cidr","vpc":"vpc-a","cidr":"10.0.0.0/16"}"#,
    );
    apply(
        &mut w,
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"100.64.0.0/16"}"#,
    )
    .unwrap();
    apply(
        &mut w,
        r#"{"kind":"set_subnet_cidr","subnet":"subnet-data-a2","cidr":"100.64.1.0/24"}"#,
    )
    .unwrap();
    let e = refused(
        &mut w,
        r#"{"kind":"remove_vpc_cidr","vpc":"vpc-a","cidr":"100.64.0.0/16"}"#,
    );
    assert!(e.to_string().contains("subnet-data-a2"), "{e}");
}

#[test]
fn a_subnet_without_an_explicit_association_uses_the_main_route_table() {
    // Fact sheet §10: a subnet is associated explicitly or implicitly with the main table.
    let mut w = World::default_world();
    let v = vpc(&w, "vpc-a");
    assert_eq!(v.main_table_id(), Some("rtb-data-a"));
    apply(
        &mut w,
        r#"{"kind":"disassociate_route_table","subnet":"subnet-app-a1"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    let s = v.subnet("subnet-app-a1").unwrap();
    assert_eq!(s.route_table, None);
    assert_eq!(v.route_table_of(s).unwrap().id, "rtb-data-a");
    apply(
        &mut w,
        r#"{"kind":"set_main_route_table","route_table":"rtb-app-a1"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    let s = v.subnet("subnet-app-a1").unwrap();
    assert_eq!(v.route_table_of(s).unwrap().id, "rtb-app-a1");
    // The main table cannot be deleted.
    let e = refused(&mut w, r#"{"kind":"delete_route_table","id":"rtb-app-a1"}"#);
    assert!(
        matches!(
            e,
            EditError::DefaultKept {
                part: VpcPart::RouteTable,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_pod_subnet_moved_to_a_main_table_without_a_nat_route_cannot_reach_the_internet() {
    // Fact sheet §10: the implicit association decides the route the engine uses.
    let mut w = World::default_world();
    for s in ["subnet-app-a1", "subnet-app-a2"] {
        apply(
            &mut w,
            &format!(r#"{{"kind":"disassociate_route_table","subnet":"{s}"}}"#),
        )
        .unwrap();
    }
    let t = w.send(&Request {
        method: "POST".into(),
        ..Request::get(
            hoplab::sim::world::DEFAULT_CLIENT,
            hoplab::sim::world::DEFAULT_URL,
        )
    });
    let checks = t.hops.iter().flat_map(|h| &h.checks);
    let denied_route = checks
        .filter(|c| c.kind == hoplab::sim::check::CheckKind::RouteTable && !c.allowed)
        .any(|c| c.subject == "rtb-data-a");
    assert!(denied_route, "{}", t.render_text());
}

#[test]
fn a_new_custom_nacl_denies_everything_and_the_default_nacl_allows_everything() {
    // Fact sheet §12: custom = only `*` deny; default = rule 100 allow all, undeletable.
    let mut w = World::default_world();
    apply(
        &mut w,
        r#"{"kind":"create_nacl","id":"acl-new-a","vpc":"vpc-a"}"#,
    )
    .unwrap();
    let n = vpc(&w, "vpc-a").nacl("acl-new-a").unwrap().clone();
    assert!(n.inbound.is_empty() && n.outbound.is_empty());
    apply(
        &mut w,
        r#"{"kind":"disassociate_nacl","subnet":"subnet-data-a1"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    let id = v.default_nacl.clone().unwrap();
    assert_eq!(v.subnet("subnet-data-a1").unwrap().nacl, id);
    let d = v.nacl(&id).unwrap();
    for rules in [&d.inbound, &d.outbound] {
        assert_eq!(rules.len(), 1);
        assert_eq!((rules[0].number, rules[0].action), (100, RuleAction::Allow));
        assert_eq!(rules[0].protocol, Protocol::All);
    }
    let e = refused(&mut w, &format!(r#"{{"kind":"delete_nacl","id":"{id}"}}"#));
    assert!(
        matches!(
            e,
            EditError::DefaultKept {
                part: VpcPart::NetworkAcl,
                ..
            }
        ),
        "{e}"
    );
    // A NACL a subnet uses stays; an unused custom one goes.
    refused(&mut w, r#"{"kind":"delete_nacl","id":"acl-app-a"}"#);
    apply(&mut w, r#"{"kind":"delete_nacl","id":"acl-new-a"}"#).unwrap();
}

#[test]
fn a_default_world_serializes_without_any_of_the_new_fields() {
    // Fact sheet §10: a scenario without them reads as before.
    let json = serde_json::to_string(&default_scenario()).unwrap();
    for f in [
        "secondary_cidrs",
        "main_route_table",
        "default_nacl",
        "default_sg",
        "gateway_endpoints",
        "interface_endpoints",
        "peerings",
    ] {
        assert!(!json.contains(f), "{f}");
    }
    assert!(Scenario::from_json(&json).is_ok());
}

fn peer(w: &mut World, id: &str) -> Result<(), EditError> {
    apply(
        w,
        &format!(
            r#"{{"kind":"create_peering","id":"{id}","requester_vpc":"vpc-a","accepter_vpc":"vpc-b"}}"#
        ),
    )
}

fn status(w: &World, id: &str) -> PeeringStatus {
    w.scenario().peering(id).unwrap().status
}

#[test]
fn a_peering_request_waits_for_acceptance_and_its_routes_are_blackholes_until_then() {
    // Fact sheet §21: pending-acceptance, then active; a route to a pending peering is a blackhole.
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    assert_eq!(status(&w, "pcx-ab"), PeeringStatus::PendingAcceptance);
    apply(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-a1","destination":"10.1.0.0/16","target":"pcx-ab"}"#,
    )
    .unwrap();
    let route = |w: &World| {
        vpc(w, "vpc-a")
            .route_table("rtb-app-a1")
            .unwrap()
            .routes
            .iter()
            .find(|r| r.target == RouteTarget::Peering("pcx-ab".into()))
            .unwrap()
            .clone()
    };
    assert!(w.scenario().route_is_blackhole(&route(&w)));
    apply(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#).unwrap();
    assert_eq!(status(&w, "pcx-ab"), PeeringStatus::Active);
    assert!(!w.scenario().route_is_blackhole(&route(&w)));
    // Deleted: the route stays, a blackhole again.
    apply(&mut w, r#"{"kind":"delete_peering","id":"pcx-ab"}"#).unwrap();
    assert_eq!(status(&w, "pcx-ab"), PeeringStatus::Deleted);
    assert!(w.scenario().route_is_blackhole(&route(&w)));
}

#[test]
fn a_peering_between_overlapping_vpcs_fails_as_aws_shows_it() {
    // Fact sheet §21: overlapping IPv4 CIDRs → the request goes straight to failed.
    let mut w = World::default_world();
    // vpc-b takes a secondary block equal to vpc-a's primary: allowed in
    // vpc-b (§10), but the two VPCs now overlap.
    apply(
        &mut w,
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-b","cidr":"10.0.0.0/16"}"#,
    )
    .unwrap();
    peer(&mut w, "pcx-ab").unwrap();
    assert_eq!(status(&w, "pcx-ab"), PeeringStatus::Failed);
    let e = refused(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#);
    assert!(e.to_string().contains("failed"), "{e}");
    // A failed one does not block a new request once the blocks are apart.
    apply(
        &mut w,
        r#"{"kind":"remove_vpc_cidr","vpc":"vpc-b","cidr":"10.0.0.0/16"}"#,
    )
    .unwrap();
    peer(&mut w, "pcx-ab2").unwrap();
    assert_eq!(status(&w, "pcx-ab2"), PeeringStatus::PendingAcceptance);
}

#[test]
fn two_vpcs_have_at_most_one_peering_connection() {
    // Fact sheet §21: at most one peering connection between the same two VPCs.
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    let e = refused(
        &mut w,
        r#"{"kind":"create_peering","id":"pcx-ba","requester_vpc":"vpc-b","accepter_vpc":"vpc-a"}"#,
    );
    assert!(e.to_string().contains("at most one"), "{e}");
    refused(
        &mut w,
        r#"{"kind":"create_peering","id":"pcx-aa","requester_vpc":"vpc-a","accepter_vpc":"vpc-a"}"#,
    );
}

#[test]
fn a_security_group_cannot_reference_a_group_across_an_inter_region_peering() {
    // Fact sheet §21: inter-Region, security-group references are not allowed; use CIDRs.
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    apply(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#).unwrap();
    let e = refused(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-db-a","direction":"inbound","protocol":"tcp","ports":"5432","peer":"sg-app-b"}"#,
    );
    assert!(e.to_string().contains("10.1.0.0/16"), "{e}");
    apply(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-db-a","direction":"inbound","protocol":"tcp","ports":"5432","peer":"10.1.0.0/16"}"#,
    )
    .unwrap();
}

#[test]
fn a_route_to_a_peering_of_other_vpcs_is_refused() {
    // Fact sheet §21: a route's peering must join the table's VPC.
    let mut s = default_scenario();
    s.peerings.push(Peering {
        id: "pcx-x".into(),
        requester_vpc: "vpc-a".into(),
        accepter_vpc: "vpc-b".into(),
        status: PeeringStatus::Active,
        requester_dns: false,
        accepter_dns: false,
    });
    s.regions[0].vpc.route_tables[0].routes.push(Route {
        destination: "10.1.0.0/16".parse().unwrap(),
        target: RouteTarget::Peering("pcx-zz".into()),
    });
    let e = World::new(s, 1).unwrap_err();
    assert!(
        e.to_string().contains("no peering connection pcx-zz"),
        "{e}"
    );
}

#[test]
fn a_gateway_endpoint_adds_the_prefix_list_routes_that_beat_the_default_route() {
    // Fact sheet §22: destination = prefix list, target = vpce; longest prefix beats 0.0.0.0/0 → nat.
    let mut w = World::default_world();
    apply(
        &mut w,
        r#"{"kind":"create_gateway_endpoint","id":"vpce-s3-a","vpc":"vpc-a","route_tables":"rtb-app-a1"}"#,
    )
    .unwrap();
    let pl = s3_prefix_list("us-east-1").unwrap();
    let rt = vpc(&w, "vpc-a").route_table("rtb-app-a1").unwrap().clone();
    let s3: std::net::Ipv4Addr = "52.216.10.1".parse().unwrap();
    assert!(pl.holds(s3));
    assert_eq!(
        rt.lookup(s3.into()).unwrap().target,
        RouteTarget::Endpoint("vpce-s3-a".into())
    );
    assert_eq!(
        rt.lookup("192.0.2.200".parse().unwrap()).unwrap().target,
        RouteTarget::Nat("nat-a1".into())
    );
    // The other AZ's table is not associated: S3 still goes through its NAT.
    let other = vpc(&w, "vpc-a").route_table("rtb-app-a2").unwrap();
    assert_eq!(
        other.lookup(s3.into()).unwrap().target,
        RouteTarget::Nat("nat-a2".into())
    );
    // The endpoint's routes are AWS's: not removable, not addable by hand.
    let e = refused(
        &mut w,
        r#"{"kind":"remove_route","route_table":"rtb-app-a1","destination":"52.216.0.0/15"}"#,
    );
    assert!(e.to_string().contains("prefix-list"), "{e}");
    refused(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-a2","destination":"52.216.0.0/15","target":"vpce-s3-a"}"#,
    );
    // One S3 endpoint per table.
    refused(
        &mut w,
        r#"{"kind":"create_gateway_endpoint","id":"vpce-s3-a2","vpc":"vpc-a","route_tables":"rtb-app-a1"}"#,
    );
    // Deleting the endpoint takes its routes.
    apply(&mut w, r#"{"kind":"delete_endpoint","id":"vpce-s3-a"}"#).unwrap();
    let rt = vpc(&w, "vpc-a").route_table("rtb-app-a1").unwrap();
    assert!(rt
        .routes
        .iter()
        .all(|r| !matches!(r.target, RouteTarget::Endpoint(_))));
}

#[test]
fn an_interface_endpoint_without_groups_gets_the_default_security_group() {
    // Fact sheet §22 (none chosen → the VPC's default SG), §11 (default SG: all from its members).
    let mut w = World::default_world();
    apply(
        &mut w,
        r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-app-a2"}"#,
    )
    .unwrap();
    let v = vpc(&w, "vpc-a");
    let e = v.interface_endpoint("vpce-sqs-a").unwrap();
    let sg = v.default_sg.clone().unwrap();
    assert_eq!(e.security_groups, vec![sg.clone()]);
    assert!(e.private_dns);
    assert_eq!(e.public_name(), "sqs.us-east-1.amazonaws.com");
    let g = v.sg(&sg).unwrap();
    assert_eq!(g.inbound[0].peer, Peer::Sg(sg.clone()));
    assert_eq!(g.outbound[0].protocol, Protocol::All);
    // Its ENI takes a free address: not a node's (host 10) nor a pod's.
    let used: Vec<u32> = w.scenario().regions[0]
        .cluster
        .pods
        .iter()
        .filter(|p| p.subnet == "subnet-app-a1")
        .map(|p| p.host)
        .chain([10])
        .collect();
    assert!(!used.contains(&e.host), "{}", e.host);
    // Two subnets in one AZ are refused.
    let e = refused(
        &mut w,
        r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a2","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-data-a1"}"#,
    );
    assert!(
        e.to_string().contains("one subnet per Availability Zone"),
        "{e}"
    );
}

// ---------------------------------------------------------------- Can A reach B?

use hoplab::sim::check::{CheckKind, Leg};
use hoplab::sim::reach::{Reach, ReachSpec, Reason, Role};
use hoplab::sim::trace::Code;

fn ask(w: &World, from: &str, to: &str, protocol: Protocol, port: u16) -> Reach {
    w.reach(&ReachSpec {
        from: from.into(),
        to: to.into(),
        protocol,
        port,
        ip_version: Default::default(),
    })
}

fn code(r: &Reach) -> Option<Code> {
    r.blocked.as_ref().map(|b| b.code)
}

fn ok(w: &mut World, json: &str) {
    apply(w, json).unwrap_or_else(|e| panic!("{json}: {e}"));
}

/// Region A's pods and region B's load balancer, peered and accepted.
fn peered() -> World {
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    ok(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#);
    w
}

#[test]
fn a_peering_carries_traffic_only_when_active_routed_on_both_sides() {
    // Fact sheet §21: a route on each side; a route to a pending peering is a blackhole.
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    ok(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-a1","destination":"10.1.0.0/16","target":"pcx-ab"}"#,
    );
    let r = ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443);
    assert_eq!(code(&r), Some(Code::BadStateRoute), "{}", r.render_text());
    ok(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#);
    // Active, but region B's public table has no route back.
    let r = ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443);
    let b = r.blocked.as_ref().expect("no route back");
    let c = b.check.as_ref().unwrap();
    assert_eq!(
        (c.kind, c.leg),
        (CheckKind::RouteTable, Leg::Return),
        "{}",
        r.render_text()
    );
    assert_eq!(c.subject, "rtb-public-b");
    ok(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-public-b","destination":"10.0.0.0/16","target":"pcx-ab"}"#,
    );
    let r = ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    assert!(r.path.iter().any(|h| h.component == "pcx-ab"
        && matches!(&h.role, Role::Peering { from_vpc, to_vpc } if from_vpc == "vpc-a" && to_vpc == "vpc-b")));
    // No address translation on a peering: the packet arrives from the pod's private address.
    assert_eq!(r.arrives.unwrap().src, r.sent.unwrap().src);
    // Deleting the peering turns the routes into blackholes again.
    ok(&mut w, r#"{"kind":"delete_peering","id":"pcx-ab"}"#);
    assert_eq!(
        code(&ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443)),
        Some(Code::BadStateRoute)
    );
}

#[test]
fn a_peered_vpc_cannot_use_the_other_vpcs_nat_gateway() {
    // Fact sheet §21, §25: no edge-to-edge routing, PCX_REQUIRES_ADDRESS_IN_VPC_CIDR.
    let mut w = peered();
    ok(
        &mut w,
        r#"{"kind":"remove_route","route_table":"rtb-app-b1","destination":"0.0.0.0/0"}"#,
    );
    ok(
        &mut w,
        r#"{"kind":"add_route","route_table":"rtb-app-b1","destination":"0.0.0.0/0","target":"pcx-ab"}"#,
    );
    let r = ask(&w, "pod-b-1", "sms-api", Protocol::Tcp, 443);
    let b = r.blocked.as_ref().expect("blocked");
    assert_eq!(
        (b.component.as_str(), b.code),
        ("pcx-ab", Code::PcxRequiresAddressInVpcCidr)
    );
    assert!(matches!(&b.reason, Reason::NotInPeerVpc { peer_vpc, .. } if peer_vpc == "vpc-a"));
}

#[test]
fn a_security_group_reference_does_not_match_across_an_inter_region_peering() {
    // Fact sheet §21: inter-Region, groups cannot be referenced; the peer's CIDR can.
    let mut w = peered();
    for json in [
        r#"{"kind":"add_route","route_table":"rtb-app-a1","destination":"10.1.0.0/16","target":"pcx-ab"}"#,
        r#"{"kind":"add_route","route_table":"rtb-public-b","destination":"10.0.0.0/16","target":"pcx-ab"}"#,
        // The load balancer's group now admits only its own VPC by CIDR.
        r#"{"kind":"remove_sg_rule","sg":"sg-alb-b","direction":"inbound","index":0}"#,
        r#"{"kind":"add_sg_rule","sg":"sg-alb-b","direction":"inbound","protocol":"tcp","ports":"443","peer":"10.1.0.0/16"}"#,
    ] {
        ok(&mut w, json);
    }
    let r = ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443);
    let c = r
        .blocked
        .as_ref()
        .and_then(|b| b.check.clone())
        .expect("blocked by a group");
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (CheckKind::SecurityGroup, "sg-alb-b")
    );
    ok(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-alb-b","direction":"inbound","protocol":"tcp","ports":"443","peer":"10.0.0.0/16"}"#,
    );
    assert!(ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443).reachable);
}

#[test]
fn s3_traffic_takes_the_gateway_endpoint_instead_of_the_nat_gateway() {
    // Fact sheet §22: the prefix-list route beats 0.0.0.0/0 -> nat; TCP only (§25).
    let mut w = World::default_world();
    let s3 = "52.216.10.1";
    let before = ask(&w, "pod-a-1", s3, Protocol::Tcp, 443);
    assert!(before
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. })));
    ok(
        &mut w,
        r#"{"kind":"create_gateway_endpoint","id":"vpce-s3-a","vpc":"vpc-a","route_tables":"rtb-app-a1"}"#,
    );
    let r = ask(&w, "pod-a-1", s3, Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    assert!(r.path.iter().any(|h| h.component == "vpce-s3-a"
        && matches!(&h.role, Role::GatewayEndpoint { prefix_list } if prefix_list == "pl-63a5400a")));
    assert!(!r
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. } | Role::Internet)));
    // The source address is kept: no NAT on the way.
    assert_eq!(r.arrives.unwrap().src, r.sent.unwrap().src);
    // The subnet's ACL lets UDP out, so the endpoint is what refuses it.
    ok(
        &mut w,
        r#"{"kind":"add_nacl_rule","nacl":"acl-app-a","direction":"outbound","number":"90","protocol":"udp","ports":"53","cidr":"0.0.0.0/0","action":"allow"}"#,
    );
    let udp = ask(&w, "pod-a-1", s3, Protocol::Udp, 53);
    assert_eq!(code(&udp), Some(Code::VpceGatewayProtocolRestriction));
    // A pod in the other AZ's subnet (table not associated) still goes through its NAT.
    let other = ask(&w, "pod-a-3", s3, Protocol::Tcp, 443);
    assert!(other
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. })));
}

#[test]
fn an_interface_endpoint_admits_what_its_security_groups_admit_over_tcp_only() {
    // Fact sheet §22: the endpoint's SGs (none = default SG: members only), TCP only.
    let mut w = World::default_world();
    ok(
        &mut w,
        r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-app-a2"}"#,
    );
    let r = ask(&w, "pod-a-1", "vpce-sqs-a", Protocol::Tcp, 443);
    let c = r
        .blocked
        .as_ref()
        .and_then(|b| b.check.clone())
        .expect("default SG");
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (CheckKind::SecurityGroup, "sg-default-a")
    );
    ok(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-default-a","direction":"inbound","protocol":"tcp","ports":"443","peer":"10.0.0.0/16"}"#,
    );
    assert!(ask(&w, "pod-a-1", "vpce-sqs-a", Protocol::Tcp, 443).reachable);
    ok(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-default-a","direction":"inbound","protocol":"udp","ports":"443","peer":"10.0.0.0/16"}"#,
    );
    let udp = ask(&w, "pod-a-1", "vpce-sqs-a", Protocol::Udp, 443);
    assert_eq!(code(&udp), Some(Code::ProtocolRestriction));
    // It answers; it starts nothing.
    assert!(!ask(&w, "vpce-sqs-a", "pod-a-1", Protocol::Tcp, 8080).reachable);
}

#[test]
fn a_subnet_in_a_secondary_cidr_is_reached_by_its_local_route() {
    // Fact sheet §10: each secondary CIDR has its own local route.
    let mut w = World::default_world();
    for json in [
        r#"{"kind":"add_vpc_cidr","vpc":"vpc-a","cidr":"100.64.0.0/16"}"#,
        r#"{"kind":"set_subnet_cidr","subnet":"subnet-data-a2","cidr":"100.64.1.0/24"}"#,
        r#"{"kind":"add_nacl_rule","nacl":"acl-app-a","direction":"outbound","number":"105","protocol":"tcp","ports":"5432","cidr":"100.64.1.0/24","action":"allow"}"#,
    ] {
        ok(&mut w, json);
    }
    let r = ask(&w, "pod-a-1", "rds-a-2", Protocol::Tcp, 5432);
    assert!(r.reachable, "{}", r.render_text());
    let route = r
        .path
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.kind == CheckKind::RouteTable && c.leg == Leg::Forward)
        .unwrap();
    assert!(
        route.decided_by.contains("100.64.0.0/16 -> local"),
        "{}",
        route.decided_by
    );
}

#[test]
fn the_analysis_reads_the_main_route_table_for_a_subnet_without_an_association() {
    // Fact sheet §10: implicit association with the main table.
    let mut w = World::default_world();
    assert!(ask(&w, "pod-a-1", "sms-api", Protocol::Tcp, 443).reachable);
    ok(
        &mut w,
        r#"{"kind":"disassociate_route_table","subnet":"subnet-app-a1"}"#,
    );
    let r = ask(&w, "pod-a-1", "sms-api", Protocol::Tcp, 443);
    let c = r
        .blocked
        .as_ref()
        .and_then(|b| b.check.clone())
        .expect("no route");
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (CheckKind::RouteTable, "rtb-data-a")
    );
    ok(
        &mut w,
        r#"{"kind":"set_main_route_table","route_table":"rtb-app-a1"}"#,
    );
    assert!(ask(&w, "pod-a-1", "sms-api", Protocol::Tcp, 443).reachable);
}

#[test]
fn a_blocked_peering_reads_as_reachability_analyzer_says_it() {
    // Fact sheet §25: the code's name and the reason a learner reads.
    let w = {
        let mut w = World::default_world();
        peer(&mut w, "pcx-ab").unwrap();
        ok(
            &mut w,
            r#"{"kind":"add_route","route_table":"rtb-app-a1","destination":"10.1.0.0/16","target":"pcx-ab"}"#,
        );
        w
    };
    let r = ask(&w, "pod-a-1", "alb-b", Protocol::Tcp, 443);
    assert_eq!(
        r.summary(),
        "Not reachable: blocked at pcx-ab (BAD_STATE_ROUTE): the route leads to pcx-ab, which is pending-acceptance: a route to a peering that is not active is a blackhole"
    );
}

#[test]
fn an_instance_launched_without_a_group_gets_the_default_group_and_its_members_reach_each_other() {
    // Fact sheet §11: the default SG is used when none is chosen; inbound all from its own members.
    let mut w = World::default_world();
    for id in ["i-one", "i-two"] {
        ok(
            &mut w,
            &format!(
                r#"{{"kind":"add_instance","id":"{id}","subnet":"subnet-app-a1","security_groups":""}}"#
            ),
        );
    }
    let v = vpc(&w, "vpc-a");
    assert_eq!(v.default_sg.as_deref(), Some("sg-default-a"));
    assert_eq!(
        v.instance("i-one").unwrap().security_groups,
        vec!["sg-default-a".to_string()]
    );
    assert!(ask(&w, "i-one", "i-two", Protocol::Tcp, 22).reachable);
    // Not a member: a pod of the same subnet is refused by the default group.
    let r = ask(&w, "pod-a-1", "i-two", Protocol::Tcp, 22);
    let c = r
        .blocked
        .as_ref()
        .and_then(|b| b.check.clone())
        .expect("blocked");
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (CheckKind::SecurityGroup, "sg-default-a")
    );
}

#[test]
fn dns_resolution_is_set_per_side_on_an_active_peering_only() {
    // Fact sheet §21: DNS resolution can be enabled only on an active connection, per side.
    let mut w = World::default_world();
    peer(&mut w, "pcx-ab").unwrap();
    let dns = r#"{"kind":"set_peering_dns","id":"pcx-ab","requester":"on"}"#;
    let e = refused(&mut w, dns);
    assert!(
        e.to_string().contains("only on an active connection"),
        "{e}"
    );
    ok(&mut w, r#"{"kind":"accept_peering","id":"pcx-ab"}"#);
    ok(&mut w, dns);
    let p = w.scenario().peering("pcx-ab").unwrap();
    assert!(p.requester_dns && !p.accepter_dns);
}

/// Fact sheet §22: with private DNS on, an interface endpoint takes over
/// the service's public name inside its VPC: the name resolves to the
/// endpoint's interface (in the source's AZ) and the path stays in the
/// VPC; with private DNS off, or from outside the VPC, the same name keeps
/// its public address and the path leaves through the NAT gateway.
#[test]
fn private_dns_makes_a_services_public_name_resolve_to_the_interface_endpoint_inside_its_vpc() {
    const SQS: &str = "sqs.us-east-1.amazonaws.com";
    let mut w = World::default_world();
    let before = ask(&w, "pod-a-1", SQS, Protocol::Tcp, 443);
    let answer = before.resolved.clone().expect("resolved");
    assert_eq!(answer.endpoint, None);
    assert!(before.reachable, "{}", before.render_text());
    assert!(before
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. })));
    ok(
        &mut w,
        r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-app-a2"}"#,
    );
    ok(
        &mut w,
        r#"{"kind":"add_sg_rule","sg":"sg-default-a","direction":"inbound","protocol":"tcp","ports":"443","peer":"10.0.0.0/16"}"#,
    );
    let r = ask(&w, "pod-a-1", SQS, Protocol::Tcp, 443);
    assert!(r.reachable, "{}", r.render_text());
    let answer = r.resolved.clone().expect("resolved");
    assert_eq!(answer.endpoint.as_deref(), Some("vpce-sqs-a"));
    assert_eq!(r.destination.as_deref(), Some("vpce-sqs-a"));
    assert!(answer.address.to_string().starts_with("10.0."));
    assert!(!r
        .path
        .iter()
        .any(|h| matches!(h.role, Role::NatGateway { .. } | Role::Internet)));
    // The ENI in the pod's own AZ answers: pod-a-1 runs in subnet-app-a1.
    let e = w.scenario().regions[0]
        .vpc
        .interface_endpoint("vpce-sqs-a")
        .unwrap();
    let a1 = w.scenario().regions[0]
        .vpc
        .subnet("subnet-app-a1")
        .unwrap()
        .host(e.host)
        .unwrap();
    assert_eq!(answer.address, a1);
    // Private DNS off: the public name is public again.
    let mut off = World::default_world();
    ok(
        &mut off,
        r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-app-a2","private_dns":"off"}"#,
    );
    let r = ask(&off, "pod-a-1", SQS, Protocol::Tcp, 443);
    assert_eq!(r.resolved.unwrap().endpoint, None);
    // Another VPC's pods resolve the public address whatever vpc-a has.
    let r = ask(&w, "pod-b-1", SQS, Protocol::Tcp, 443);
    assert_eq!(r.resolved.unwrap().endpoint, None);
}
