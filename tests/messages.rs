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

/// Every kind of refused edit names the part being edited first (after the
/// region, for checks of the whole scenario), so the learner sees at once which form it is about.
#[test]
fn every_kind_of_refused_edit_names_the_edited_part_first() {
    let nacl = |number: &str| Edit::AddNaclRule {
        nacl: "acl-public-a".into(),
        direction: Direction::Inbound,
        number: number.into(),
        protocol: "tcp".into(),
        ports: "443".into(),
        cidr: "0.0.0.0/0".into(),
        action: "allow".into(),
    };
    let sg = |action: Option<&str>| Edit::AddSgRule {
        sg: "sg-alb-a".into(),
        direction: Direction::Inbound,
        protocol: "tcp".into(),
        ports: "443".into(),
        peer: "0.0.0.0/0".into(),
        action: action.map(Into::into),
    };
    let cases: Vec<(Edit, &str)> = vec![
        (nacl("100"), "acl-public-a already has inbound rule 100"),
        (
            Edit::RemoveNaclRule {
                nacl: "acl-public-a".into(),
                direction: Direction::Inbound,
                number: 7,
            },
            "acl-public-a has no inbound rule 7",
        ),
        (sg(Some("deny")), "sg-alb-a: "),
        (sg(None), "sg-alb-a already has this inbound rule"),
        (
            Edit::RemoveSgRule {
                sg: "sg-alb-a".into(),
                direction: Direction::Inbound,
                index: 9,
            },
            "sg-alb-a has no inbound rule 10",
        ),
        (
            cidr_edit("subnet-app-a1", "10.9.0.0/24"),
            "subnet subnet-app-a1 (10.9.0.0/24) is not inside the VPC",
        ),
        (
            cidr_edit("subnet-app-a1", "10.0.11.0/24"),
            "subnet subnet-app-a1 (10.0.11.0/24) overlaps",
        ),
        (
            cidr_edit("subnet-app-a1", "10.0.10.0/28"),
            "subnet-app-a1 (10.0.10.0/28) has addresses",
        ),
    ];
    for (edit, start) in cases {
        let e = refusal(&edit);
        // Whole-scenario checks may say the region first.
        let e = e
            .strip_prefix("region us-east-1: ")
            .map_or(e.clone(), str::to_string);
        assert!(
            e.starts_with(start),
            "{edit:?}:\n  {e}\n  should start {start:?}"
        );
    }
}
