//! Messages read as a learner reads them: each test pins the English of one
//! kind of message that used to contradict itself or read badly, and that
//! it names the thing being edited first.

use hoplab::sim::check::CheckKind;
use hoplab::sim::net::Nacl;
use hoplab::sim::trace::Direction;
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Edit, Request, World};

fn cidr_edit(subnet: &str, cidr: &str) -> Edit {
    Edit::SetSubnetCidr {
        subnet: subnet.into(),
        cidr: cidr.into(),
    }
}

fn refusal(edit: &Edit) -> String {
    let mut w = World::default_world();
    let before = serde_json::to_string(&w).unwrap();
    let e = w.apply_edit(edit).unwrap_err().to_string();
    assert_eq!(
        serde_json::to_string(&w).unwrap(),
        before,
        "nothing changed"
    );
    e
}

#[test]
fn a_public_subnet_too_small_for_its_nat_gateway_says_where_the_gateway_would_land() {
    // §10: a /28 has 16 addresses, 5 reserved. The NAT gateway keeps host
    // number 20 counted from the subnet's start: 10.0.0.36 in 10.0.0.16/28.
    let e = refusal(&cidr_edit("subnet-public-a1", "10.0.0.16/28"));
    assert_eq!(
        e,
        "subnet-public-a1 (10.0.0.16/28) has addresses 10.0.0.16 to 10.0.0.31 (11 usable): NAT gateway nat-a1 is host number 20 of its subnet (counted from the subnet's first address), which here would be 10.0.0.36, outside the block"
    );
    assert!(
        e.starts_with("subnet-public-a1 "),
        "the edited subnet first"
    );
}

#[test]
fn an_overlapping_subnet_cidr_names_the_subnet_being_edited_first() {
    // §10: the subnets of one VPC cannot overlap.
    let e = refusal(&cidr_edit("subnet-app-a1", "10.0.11.0/24"));
    assert_eq!(
        e,
        "subnet subnet-app-a1 (10.0.11.0/24) overlaps subnet subnet-app-a2 (10.0.11.0/24): subnets of one VPC cannot share addresses"
    );
    let e = refusal(&cidr_edit("subnet-app-a2", "10.0.10.0/24"));
    assert!(
        e.starts_with("subnet subnet-app-a2 (10.0.10.0/24) overlaps subnet subnet-app-a1"),
        "{e}"
    );
}

#[test]
fn a_cidr_with_host_bits_is_stored_as_its_network_address_and_says_so() {
    // §10: AWS stores 10.0.10.5/24 as 10.0.10.0/24.
    let edit = cidr_edit("subnet-app-a1", "10.0.10.5/24");
    assert_eq!(
        edit.normalised_note().as_deref(),
        Some("stored as 10.0.10.0/24 (typed 10.0.10.5/24: AWS normalises a CIDR with host bits set to its network address; fact sheet §10)")
    );
    let mut w = World::default_world();
    w.apply_edit(&edit).unwrap();
    let stored = w.scenario().regions[0]
        .vpc
        .subnet("subnet-app-a1")
        .unwrap()
        .cidr;
    assert_eq!(stored.to_string(), "10.0.10.0/24");
    assert_eq!(
        cidr_edit("subnet-app-a1", "10.0.10.0/24").normalised_note(),
        None
    );
    assert_eq!(cidr_edit("subnet-app-a1", "banana").normalised_note(), None);
}

#[test]
fn the_waf_rate_rule_counts_one_request_in_the_singular() {
    let mut w = World::default_world();
    let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    let rate = t
        .hops
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.kind == CheckKind::WafRule && c.subject.contains("RateLimit"))
        .expect("the rate rule is checked");
    let line = rate.line();
    assert!(
        line.contains("(1 request from 203.0.113.10 in the last 300 s (limit 2000))"),
        "{line}"
    );
    let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    let rate = t
        .hops
        .iter()
        .flat_map(|h| &h.checks)
        .find(|c| c.kind == CheckKind::WafRule && c.subject.contains("RateLimit"))
        .unwrap();
    assert!(rate.line().contains("(2 requests from"), "{}", rate.line());
}

#[test]
fn a_rule_for_every_protocol_reads_all_traffic_not_all_all_ports() {
    // §12: the default network ACL's rule 100 allows all traffic.
    let acl = Nacl::default_acl("acl-x");
    assert_eq!(
        acl.inbound[0].describe(Direction::Inbound),
        "rule 100 allow all traffic from 0.0.0.0/0"
    );
    let w = World::default_world();
    let sg = w.scenario().regions[0].vpc.sg("sg-app-a").unwrap();
    assert_eq!(
        sg.outbound[0].describe(Direction::Outbound),
        "allow all traffic to 0.0.0.0/0"
    );
    let nacl = w.scenario().regions[0].vpc.nacl("acl-public-a").unwrap();
    assert_eq!(
        nacl.inbound[0].describe(Direction::Inbound),
        "rule 100 allow TCP 443 from 0.0.0.0/0"
    );
}

#[test]
fn the_alb_inspector_says_a_listener_rules_number_once() {
    let w = World::default_world();
    let rows = hoplab::sim::inspect::inspect(&w, "alb-a");
    let (_, rule) = rows
        .iter()
        .find(|(k, _)| k == "rule 1")
        .expect("rule 1 is listed");
    assert!(rule.starts_with("path /healthz"), "{rule}");
    assert!(!rule.contains("rule 1"), "{rule}");
}
