//! One walk, recording on or off (issue 8, item 3): a request sent with a
//! recorder that keeps nothing (as a burst sends it) must reach exactly
//! the outcome its full trace reaches and leave exactly the same world, on
//! the default scenario and on randomly mutated ones.

mod common;

use common::*;
use hoplab::sim::net::{Peer, PortRange, Protocol, SecurityGroup, SgRule};
use hoplab::sim::rng::Rng;
use hoplab::sim::scenario::{
    AlbAction, Algorithm, Region, Scenario, TargetGroup, WafAction, WafRule, WafStatement, WebAcl,
    WeightedGroup,
};
use hoplab::sim::{Code, Fault, Request, World};
use std::collections::BTreeMap;

/// Random edits, faults, clock moves and requests on `w`; every request is
/// sent twice, once recorded and once unrecorded on a copy, and the two
/// must agree on the outcome and leave the same world. Returns how many
/// requests were compared.
fn compare_recorded_and_unrecorded(
    w: &mut World,
    rng: &mut Rng,
    seed: u64,
    steps: usize,
    seen: &mut BTreeMap<(Option<u16>, Code), usize>,
) -> usize {
    let mut compared = 0;
    for step in 0..steps {
        match rng.index(7) {
            0 => {
                let _ = w.apply_edit(&random_edit(rng));
            }
            1 => {
                let on = rng.index(3) != 0;
                w.set_fault(random_fault(rng), on);
                w.advance(rng.range(0, 90_000));
            }
            2 => {
                // Health checks, readiness probes and rate windows move on.
                let on = rng.index(2) == 0;
                w.set_fault(random_target_fault(rng), on);
                w.advance(rng.range(0, 40_000));
            }
            _ => {
                let req = random_request(rng);
                let mut quiet = w.clone();
                let o = quiet.send_unrecorded(&req);
                let t = w.send(&req).outcome;
                let what = format!("seed {seed} step {step}: {req:?}");
                assert_eq!(o.status, t.status, "{what}");
                assert_eq!(o.decided_by, t.decided_by, "{what}");
                assert_eq!(o.code, t.code, "{what}");
                assert_eq!(o.region, t.region, "{what}");
                assert_eq!(o.pod, t.pod, "{what}");
                assert_eq!(o.total_us, t.total_us, "{what}");
                assert!(
                    quiet == *w,
                    "{what}: the unrecorded send left a different world"
                );
                *seen.entry((t.status, t.code)).or_default() += 1;
                compared += 1;
            }
        }
    }
    compared
}

/// A fault that makes the ALB's health checks matter.
fn random_target_fault(rng: &mut Rng) -> Fault {
    let pod = ["pod-a-1", "pod-a-2", "pod-a-4", "pod-b-1", "pod-b-2"][rng.index(5)].into();
    match rng.index(3) {
        0 => Fault::TargetUnhealthy { pod },
        1 => Fault::PodHung { pod },
        _ => Fault::PodDown { pod },
    }
}

/// The default action a mutated world's web ACLs get.
#[derive(Clone, Copy, Debug, PartialEq)]
enum WafDefault {
    /// Allow mostly, Block sometimes.
    AllowOrBlock,
    /// Count: the request goes on as if allowed. Fact sheet §6.
    Count,
}

fn random_waf_action(rng: &mut Rng) -> WafAction {
    [WafAction::Allow, WafAction::Block, WafAction::Count][rng.index(3)]
}

/// A web ACL default action drawn for `kind`: Block is rare, or nearly
/// every request would end at the WAF.
fn waf_default(rng: &mut Rng, kind: WafDefault) -> WafAction {
    match kind {
        WafDefault::Count => WafAction::Count,
        WafDefault::AllowOrBlock if rng.index(5) == 0 => WafAction::Block,
        WafDefault::AllowOrBlock => WafAction::Allow,
    }
}

/// The default scenario changed through its public fields: web ACLs (on
/// CloudFront and on the ALBs) with Count rules, a low rate limit and the
/// given default action; a second security group on the ALB and on some
/// pods that opens other ports (or takes over the first group's rule);
/// target groups with their own health-check interval, thresholds and
/// timeout, sometimes two behind a weighted rule. Fact sheet §6, §8, §11.
fn mutated_scenario(rng: &mut Rng, waf: WafDefault) -> Scenario {
    let mut s = hoplab::sim::defaults::default_scenario();
    s.waf.default_action = waf_default(rng, waf);
    for r in &mut s.waf.rules {
        if rng.index(3) == 0 {
            r.action = if matches!(r.statement, WafStatement::RateBased { .. }) {
                [WafAction::Block, WafAction::Count][rng.index(2)]
            } else {
                random_waf_action(rng)
            };
        }
        if let WafStatement::RateBased { limit, window_s } = &mut r.statement {
            *limit = [10, 12, 2000][rng.index(3)];
            *window_s = [60, 300][rng.index(2)];
        }
    }
    if rng.index(2) == 0 {
        s.waf.forwarded_ip_header = Some("X-Forwarded-For".into());
    }
    for region in &mut s.regions {
        mutate_region(rng, region, waf);
    }
    s
}

fn mutate_region(rng: &mut Rng, region: &mut Region, waf: WafDefault) {
    let letter = region.alb.id.trim_start_matches("alb-").to_string();
    // A regional web ACL on the ALB.
    if rng.index(2) == 0 {
        region.alb.web_acl = Some(WebAcl {
            id: format!("waf-regional-{letter}"),
            name: format!("regional-{letter}"),
            rules: vec![
                WafRule {
                    priority: 0,
                    name: "NewYorkOffice".into(),
                    statement: WafStatement::IpSet {
                        cidrs: vec!["203.0.113.0/24".parse().unwrap()],
                    },
                    action: random_waf_action(rng),
                    labels: Vec::new(),
                    immunity_s: None,
                },
                WafRule {
                    priority: 1,
                    name: "Burst".into(),
                    statement: WafStatement::RateBased {
                        limit: 10,
                        window_s: 60,
                    },
                    action: [WafAction::Block, WafAction::Count][rng.index(2)],
                    labels: Vec::new(),
                    immunity_s: None,
                },
                WafRule {
                    priority: 2,
                    name: "NotFromJapan".into(),
                    statement: WafStatement::GeoMatch {
                        countries: vec!["JP".into()],
                    },
                    action: random_waf_action(rng),
                    labels: Vec::new(),
                    immunity_s: None,
                },
            ],
            default_action: waf_default(rng, waf),
            forwarded_ip_header: None,
            captcha_immunity_s: None,
            challenge_immunity_s: None,
            body_inspection_kb: None,
        });
    }
    // A second security group: on the ALB, on some pods, or both.
    let extra = format!("sg-extra-{letter}");
    let sg_alb = format!("sg-alb-{letter}");
    let any: ipnet::IpNet = "0.0.0.0/0".parse().unwrap();
    let rule = |ports: PortRange, peer: Peer| SgRule {
        protocol: Protocol::Tcp,
        ports,
        peer,
        description: "second group".into(),
    };
    let inbound = match rng.index(4) {
        0 => vec![rule(PortRange::single(443), Peer::Cidr(any))],
        1 => vec![rule(PortRange::single(8080), Peer::Sg(sg_alb.clone()))],
        2 => vec![rule(PortRange::single(9090), Peer::Cidr(any))],
        _ => vec![],
    };
    let outbound = match rng.index(3) {
        0 => vec![rule(PortRange::single(8080), Peer::Cidr(any))],
        1 => vec![rule(PortRange::single(5432), Peer::Cidr(any))],
        _ => vec![],
    };
    region.vpc.security_groups.push(SecurityGroup {
        id: extra.clone(),
        name: "extra".into(),
        inbound,
        outbound,
    });
    if rng.index(2) == 0 {
        region.alb.security_groups.push(extra.clone());
        if rng.index(3) == 0 {
            // The second group carries the traffic alone.
            let g = region
                .vpc
                .security_groups
                .iter_mut()
                .find(|g| g.id == sg_alb);
            g.unwrap().outbound.clear();
        }
    }
    for pod in &mut region.cluster.pods {
        if rng.index(2) == 0 {
            pod.security_groups.push(extra.clone());
        }
    }
    if rng.index(3) == 0 {
        let app = format!("sg-app-{letter}");
        let g = region.vpc.security_groups.iter_mut().find(|g| g.id == app);
        g.unwrap().inbound.clear();
    }
    mutate_target_groups(rng, region);
}

fn mutate_target_groups(rng: &mut Rng, region: &mut Region) {
    let health = |rng: &mut Rng, tg: &mut TargetGroup| {
        tg.health_interval_s = [5, 10, 15, 30, 300][rng.index(5)];
        tg.healthy_threshold = 2 + rng.index(9) as u32;
        tg.unhealthy_threshold = 2 + rng.index(9) as u32;
        tg.health_timeout_s = 2 + rng.index(4) as u32;
        tg.algorithm = [
            Algorithm::RoundRobin,
            Algorithm::LeastOutstandingRequests,
            Algorithm::WeightedRandom,
        ][rng.index(3)];
    };
    let mut first = region.alb.target_groups[0].clone();
    health(rng, &mut region.alb.target_groups[0]);
    if rng.index(2) == 0 {
        first.id = format!("{}-canary", first.id);
        health(rng, &mut first);
        let groups = vec![
            WeightedGroup {
                target_group: region.alb.target_groups[0].id.clone(),
                weight: rng.index(4) as u32,
            },
            WeightedGroup {
                target_group: first.id.clone(),
                weight: 1 + rng.index(3) as u32,
            },
        ];
        for rule in &mut region.alb.listener.rules {
            if matches!(rule.action, AlbAction::Forward { .. }) && rng.index(2) == 0 {
                rule.action = AlbAction::WeightedForward {
                    groups: groups.clone(),
                };
            }
        }
        region.alb.target_groups.push(first);
    }
}

/// A burst sends requests unrecorded: no hop is kept. What it counts must
/// be exactly what the full trace would have said, and the world must move
/// on identically (WAF counters, round robin, caches, cookies, health).
#[test]
fn a_recorded_and_an_unrecorded_send_reach_the_same_outcome_and_world() {
    let mut compared = 0;
    let mut seen = BTreeMap::new();
    for seed in 0..24u64 {
        let mut rng = Rng::new(seed + 1000);
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        compared += compare_recorded_and_unrecorded(&mut w, &mut rng, seed, 80, &mut seen);
    }
    assert!(seen.len() > 5, "few kinds of outcome: {seen:?}");
    assert!(compared > 1000, "only {compared} requests compared");
}

/// The same on worlds whose web ACLs allow or block by default, with Count
/// rules, two security groups on one interface, and target groups with
/// their own health-check settings.
#[test]
fn a_recorded_and_an_unrecorded_send_agree_on_mutated_worlds() {
    let compared = mutated_worlds(WafDefault::AllowOrBlock, 2000..2030);
    assert!(compared > 1000, "only {compared} requests compared");
}

/// The same with every web ACL's default action Count (fact sheet §6: Count
/// is not terminating, the request goes on).
#[test]
fn a_recorded_and_an_unrecorded_send_agree_when_web_acls_count_by_default() {
    let compared = mutated_worlds(WafDefault::Count, 3000..3020);
    assert!(compared > 600, "only {compared} requests compared");
}

fn mutated_worlds(waf: WafDefault, seeds: std::ops::Range<u64>) -> usize {
    let mut compared = 0;
    let mut distinct = 0;
    let mut seen = BTreeMap::new();
    for seed in seeds {
        let mut rng = Rng::new(seed);
        let scenario = mutated_scenario(&mut rng, waf);
        let mut w = World::new(scenario, seed)
            .unwrap_or_else(|e| panic!("seed {seed}: a mutated scenario is valid: {e}"));
        distinct += (w.scenario() != &hoplab::sim::defaults::default_scenario()) as usize;
        compared += compare_recorded_and_unrecorded(&mut w, &mut rng, seed, 60, &mut seen);
    }
    assert!(distinct > 0, "the generator should change the scenario");
    // The generator reaches the paths it is about: served requests, WAF
    // blocks, security groups that deny, targets no longer healthy.
    let reached = |code: Code| seen.iter().any(|((_, c), _)| *c == code);
    for code in [
        Code::Delivered,
        Code::WafRuleBlock,
        Code::EniSgRulesMismatch,
        Code::NoHealthyTargets,
    ] {
        assert!(
            reached(code),
            "{waf:?}: no request ended in {code}: {seen:?}"
        );
    }
    compared
}

#[test]
fn a_burst_counts_exactly_what_the_same_requests_sent_one_by_one_count() {
    let clients: Vec<String> = ["client-na", "client-eu", "client-ap"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for url in URLS {
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), 3).unwrap();
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
            true,
        );
        let mut one_by_one = w.clone();
        let report = w.burst_get(900, &clients, url).expect("a valid burst");
        // Sent one by one, each as a member of a burst (at once with the
        // others, so with no kept connection toward the origin, §26).
        let outcomes: Vec<_> = (0..900)
            .map(|i| {
                one_by_one.send_unrecorded_in_burst(&Request::get(&clients[i % 3], url).no_store())
            })
            .collect();
        assert_eq!(
            report,
            hoplab::sim::burst::BurstReport::from_outcomes(&outcomes),
            "{url}"
        );
        assert!(w == one_by_one, "{url}: the worlds differ after the burst");
    }
}
