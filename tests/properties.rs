//! Property tests: random typed edits, faults, clock moves and requests
//! never panic; a refused edit leaves the world exactly as it was; every
//! trace ends in an outcome. Randomness comes from the engine's own seeded
//! generator, so a failure replays with the printed seed.

use hoplab::sim::net::{Peer, PortRange, Protocol, SecurityGroup, SgRule};
use hoplab::sim::rng::Rng;
use hoplab::sim::scenario::{
    AlbAction, Algorithm, Region, Scenario, TargetGroup, WafAction, WafRule, WafStatement, WebAcl,
    WeightedGroup,
};
use hoplab::sim::trace::Direction;
use hoplab::sim::{Code, Edit, Fault, HttpCacheMode, Request, World};
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

const CIDRS: &[&str] = &[
    "10.0.10.0/24",
    "10.0.12.0/26",
    "10.0.0.0/16",
    "0.0.0.0/0",
    "10.0.10.0/28",
    "10.0.300.0/24",
    "banana",
    "",
    "10.0.10.7/24",
    "192.168.0.0/16",
    "10.0.11.0/24",
    "169.254.0.0/24",
    "10.0.40.0/22",
    "1.2.3.4/33",
    "10.1.10.0/24",
    "/24",
];
const PORTS: &[&str] = &[
    "443",
    "8080",
    "5432",
    "1024-65535",
    "all",
    "70000",
    "-1",
    "9-3",
    "x",
    "",
    "0",
    "65535",
];
const NUMBERS: &[&str] = &[
    "1", "90", "100", "110", "120", "0", "32766", "32767", "abc", "-5", "",
];
const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "all", "TCP", "sctp", ""];
const ACTIONS: &[&str] = &["allow", "deny", "DENY", "maybe", ""];
const NACLS: &[&str] = &[
    "acl-public-a",
    "acl-app-a",
    "acl-data-a",
    "acl-public-b",
    "acl-nope",
];
const SGS: &[&str] = &["sg-alb-a", "sg-app-a", "sg-db-a", "sg-app-b", "sg-nope"];
const SUBNETS: &[&str] = &[
    "subnet-public-a1",
    "subnet-app-a1",
    "subnet-app-a2",
    "subnet-data-a2",
    "subnet-app-b1",
    "subnet-nope",
];
const PEERS: &[&str] = &[
    "sg-app-a",
    "sg-alb-a",
    "sg-app-b",
    "sg-nope",
    "0.0.0.0/0",
    "10.0.0.0/16",
    "junk",
];
const URLS: &[&str] = &[
    "https://healthcareapp.com/api/appointments",
    "https://healthcareapp.com/",
    "https://healthcareapp.com/static/app.js",
    "https://healthcareapp.com/api/x?q=<script>",
    "http://healthcareapp.com/api/appointments",
    "https://api-origin.healthcareapp.com/api/appointments",
    "https://nope.healthcareapp.com/",
    "https://example.org/",
    "nonsense",
];

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.index(xs.len())]
}

fn dir(rng: &mut Rng) -> Direction {
    if rng.index(2) == 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    }
}

fn random_edit(rng: &mut Rng) -> Edit {
    match rng.index(5) {
        0 => Edit::AddNaclRule {
            nacl: pick(rng, NACLS).into(),
            direction: dir(rng),
            number: pick(rng, NUMBERS).into(),
            protocol: pick(rng, PROTOCOLS).into(),
            ports: pick(rng, PORTS).into(),
            cidr: pick(rng, CIDRS).into(),
            action: pick(rng, ACTIONS).into(),
        },
        1 => Edit::RemoveNaclRule {
            nacl: pick(rng, NACLS).into(),
            direction: dir(rng),
            number: [100, 110, 120, 7][rng.index(4)],
        },
        2 => Edit::AddSgRule {
            sg: pick(rng, SGS).into(),
            direction: dir(rng),
            protocol: pick(rng, PROTOCOLS).into(),
            ports: pick(rng, PORTS).into(),
            peer: pick(rng, PEERS).into(),
        },
        3 => Edit::RemoveSgRule {
            sg: pick(rng, SGS).into(),
            direction: dir(rng),
            index: rng.index(3),
        },
        _ => Edit::SetSubnetCidr {
            subnet: pick(rng, SUBNETS).into(),
            cidr: pick(rng, CIDRS).into(),
        },
    }
}

fn random_fault(rng: &mut Rng) -> Fault {
    match rng.index(3) {
        0 => Fault::PodDown {
            pod: ["pod-a-1", "pod-a-3", "pod-b-1"][rng.index(3)].into(),
        },
        1 => Fault::AzDown {
            az: ["us-east-1a", "us-east-1b", "us-west-2a"][rng.index(3)].into(),
        },
        _ => Fault::RegionDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
    }
}

#[test]
fn random_edits_faults_and_requests_never_panic_and_refused_edits_change_nothing() {
    let mut accepted = 0;
    let mut refused = 0;
    for seed in 0..40u64 {
        let mut rng = Rng::new(seed);
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        for step in 0..60 {
            match rng.index(4) {
                0 | 1 => {
                    let e = random_edit(&mut rng);
                    let before = w.clone();
                    match w.apply_edit(&e) {
                        Ok(()) => accepted += 1,
                        Err(msg) => {
                            refused += 1;
                            assert!(
                                !msg.to_string().is_empty(),
                                "seed {seed} step {step}: empty message for {e:?}"
                            );
                            assert_eq!(
                                w, before,
                                "seed {seed} step {step}: refused {e:?} changed the world"
                            );
                        }
                    }
                }
                2 => {
                    let f = random_fault(&mut rng);
                    let on = rng.index(3) != 0;
                    w.set_fault(f, on);
                    w.advance(rng.range(0, 90_000));
                }
                _ => {
                    let client = ["client-na", "client-eu", "client-ap"][rng.index(3)];
                    let t = w.send(&Request::get(client, pick(&mut rng, URLS)));
                    assert!(
                        !t.outcome.summary.is_empty(),
                        "seed {seed} step {step}: empty outcome"
                    );
                    assert!(
                        t.hops.windows(2).all(|p| p[0].t_us <= p[1].t_us),
                        "seed {seed}: time went backwards"
                    );
                }
            }
        }
    }
    assert!(
        accepted > 50 && refused > 50,
        "the generator should exercise both paths ({accepted} accepted, {refused} refused)"
    );
}

#[test]
fn a_world_serializes_and_comes_back_identical() {
    let mut w = World::default_world();
    w.send(&Request::get(
        "client-na",
        "https://healthcareapp.com/api/appointments",
    ));
    w.advance(45_000);
    let json = serde_json::to_string(&w).unwrap();
    let back: World = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w);
}

#[test]
fn random_scripts_never_panic_and_a_failing_step_is_named() {
    use hoplab::sim::script::{BurstSpec, Duration, Script, ScriptRequest, Step};
    let methods = [
        "GET", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "get", "", "G E T",
    ];
    let faults = |rng: &mut Rng| match rng.index(9) {
        0 => Fault::PodDown {
            pod: ["pod-a-1", "pod-b-2", "pod-x"][rng.index(3)].into(),
        },
        1 => Fault::PodHung {
            pod: ["pod-a-2", "pod-a-4"][rng.index(2)].into(),
        },
        2 => Fault::TargetUnhealthy {
            pod: ["pod-a-3", "pod-b-1"][rng.index(2)].into(),
        },
        3 => Fault::NodeDown {
            node: ["node-a-1", "node-b-2", "node-z"][rng.index(3)].into(),
        },
        4 => Fault::AzDown {
            az: ["us-east-1a", "us-west-2b", "mars-1a"][rng.index(3)].into(),
        },
        5 => Fault::RegionDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
        6 => Fault::RdsPrimaryDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
        7 => Fault::DnsAuthorityDown,
        _ => Fault::Origin5xx {
            origin: ["s3-static", "alb-origin", "nope"][rng.index(3)].into(),
        },
    };
    let mut failures = 0;
    for seed in 0..25u64 {
        let mut rng = Rng::new(1000 + seed);
        let mut steps = Vec::new();
        for _ in 0..40 {
            steps.push(match rng.index(7) {
                0 | 1 => Step::Request(ScriptRequest {
                    client: ["client-na", "client-eu", "client-ap", "client-x"][rng.index(4)]
                        .into(),
                    url: pick(&mut rng, URLS).into(),
                    method: methods[rng.index(methods.len())].into(),
                    headers: if rng.index(3) == 0 {
                        vec![("X-Forwarded-For".into(), "1.2.3.4, junk, 5.6.7.8".into())]
                    } else {
                        vec![]
                    },
                    body: if rng.index(4) == 0 {
                        "<script>alert(1)</script>".into()
                    } else {
                        String::new()
                    },
                    cache: if rng.index(2) == 0 {
                        HttpCacheMode::Default
                    } else {
                        HttpCacheMode::NoStore
                    },
                }),
                2 => Step::Burst(BurstSpec {
                    count: rng.index(20),
                    clients: vec!["client-na".into(), "client-ap".into()],
                    url: pick(&mut rng, URLS).into(),
                }),
                3 => Step::Advance(if rng.index(2) == 0 {
                    Duration::Ms(rng.range(0, 200_000))
                } else {
                    Duration::Text(["15s", "2m", "1h", "soon", "5 parsecs"][rng.index(5)].into())
                }),
                4 => Step::Fault(faults(&mut rng)),
                5 => Step::Repair(faults(&mut rng)),
                _ => Step::Edit(random_edit(&mut rng)),
            });
        }
        let script = Script {
            seed: Some(seed),
            steps,
        };
        let mut w = World::new(hoplab::sim::defaults::default_scenario(), seed).unwrap();
        let (out, err) = script.run(&mut w);
        if let Some(e) = err {
            failures += 1;
            assert_eq!(e.step, out.len() + 1, "seed {seed}: {e}");
            assert!(
                e.to_string().starts_with(&format!("step {}: ", e.step))
                    && !e.error.to_string().is_empty(),
                "seed {seed}: {e}"
            );
        }
        // Round-trip: a script serializes and parses back identically.
        let json = serde_json::to_string(&script).unwrap();
        assert_eq!(Script::from_json(&json).unwrap(), script);
    }
    assert!(
        failures > 0,
        "the generator should also produce failing steps"
    );
}

fn random_request(rng: &mut Rng) -> Request {
    let client = ["client-na", "client-eu", "client-ap"][rng.index(3)];
    let mut req = Request::get(client, pick(rng, URLS));
    match rng.index(5) {
        0 => {
            req.method = "POST".into();
            req.body =
                ["name=ann", "x' or 1=1 --", "<script>alert(1)</script>"][rng.index(3)].into();
        }
        1 => req.headers = vec![("User-Agent".into(), "<iframe src=x>".into())],
        2 => req.headers = vec![("X-Forwarded-For".into(), "203.0.113.9".into())],
        _ => {}
    }
    req
}

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
                },
                WafRule {
                    priority: 1,
                    name: "Burst".into(),
                    statement: WafStatement::RateBased {
                        limit: 10,
                        window_s: 60,
                    },
                    action: [WafAction::Block, WafAction::Count][rng.index(2)],
                },
                WafRule {
                    priority: 2,
                    name: "NotFromJapan".into(),
                    statement: WafStatement::GeoMatch {
                        countries: vec!["JP".into()],
                    },
                    action: random_waf_action(rng),
                },
            ],
            default_action: waf_default(rng, waf),
            forwarded_ip_header: None,
        });
    }
    // A second security group: on the ALB, on some pods, or both.
    let extra = format!("sg-extra-{letter}");
    let sg_alb = format!("sg-alb-{letter}");
    let any: Ipv4Net = "0.0.0.0/0".parse().unwrap();
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
        let outcomes: Vec<_> = (0..900)
            .map(|i| one_by_one.send_unrecorded(&Request::get(&clients[i % 3], url).no_store()))
            .collect();
        assert_eq!(
            report,
            hoplab::sim::burst::BurstReport::from_outcomes(&outcomes),
            "{url}"
        );
        assert!(w == one_by_one, "{url}: the worlds differ after the burst");
    }
}

/// Every leaf and every array of a JSON value, as JSON Pointers (RFC 6901,
/// what `serde_json::Value::pointer_mut` reads).
fn leaves(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                leaves(x, &format!("{path}/{key}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            // An array is also a place to drop or repeat an element.
            out.push(path.to_string());
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{path}/{i}"), out);
            }
        }
        _ => out.push(path.to_string()),
    }
}

/// A value a careless or hostile file might hold instead.
fn odd_value(rng: &mut Rng, old: &serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let same_kind: Vec<serde_json::Value> = match old {
        serde_json::Value::Number(_) => vec![
            json!(0),
            json!(1),
            json!(-1),
            json!(65535),
            json!(65536),
            json!(4294967295u64),
            json!(1e300),
            json!(0.5),
        ],
        serde_json::Value::String(_) => vec![
            json!(""),
            json!("junk"),
            json!("*"),
            json!("0.0.0.0/0"),
            json!("10.0.0.0/8"),
            json!("10.0.1.0/28"),
            json!("pod-a-1"),
            json!("us-west-2"),
            json!("subnet-app-a1"),
            json!("/"),
        ],
        serde_json::Value::Bool(b) => vec![json!(!b)],
        _ => vec![json!(null)],
    };
    match rng.index(6) {
        0 => json!(null),
        1 => json!([]),
        _ => same_kind[rng.index(same_kind.len())].clone(),
    }
}

#[test]
fn mutated_scenario_files_are_refused_with_a_message_or_run_without_panicking() {
    // Invariant 5: an imported file is validated; bad input is an error,
    // never a panic. Whatever passes must survive requests, the clock,
    // faults and a burst.
    let base = serde_json::to_value(hoplab::sim::defaults::default_scenario()).unwrap();
    let mut paths = Vec::new();
    leaves(&base, "", &mut paths);
    let (mut refused, mut ran) = (0, 0);
    let runs: u64 = std::env::var("HOPLAB_FUZZ_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    for seed in 0..runs {
        let mut rng = Rng::new(7_000 + seed);
        let mut v = base.clone();
        for _ in 0..1 + rng.index(3) {
            let path = &paths[rng.index(paths.len())];
            // An earlier change may have removed what this path pointed at.
            let Some(slot) = v.pointer_mut(path) else {
                continue;
            };
            match slot {
                serde_json::Value::Array(a) if !a.is_empty() && rng.index(2) == 0 => {
                    let i = rng.index(a.len());
                    if rng.index(2) == 0 {
                        a.remove(i);
                    } else {
                        let copy = a[i].clone();
                        a.push(copy);
                    }
                }
                _ => *slot = odd_value(&mut rng, slot),
            }
        }
        let text = v.to_string();
        let scenario = match hoplab::sim::scenario::Scenario::from_json(&text) {
            Ok(s) => s,
            Err(e) => {
                assert!(e.starts_with("scenario"), "seed {seed}: {e}");
                refused += 1;
                continue;
            }
        };
        let mut w = match World::new(scenario, seed) {
            Ok(w) => w,
            Err(e) => {
                assert!(!e.is_empty(), "seed {seed}");
                refused += 1;
                continue;
            }
        };
        ran += 1;
        let clients: Vec<String> = w.scenario().clients.iter().map(|c| c.id.clone()).collect();
        for url in URLS {
            for c in &clients {
                let t = w.send(&Request::get(c, url));
                assert!(!t.outcome.summary.is_empty(), "seed {seed}: {url}");
            }
        }
        w.set_fault(random_fault(&mut rng), true);
        w.advance(150_000);
        if !clients.is_empty() {
            let _ = w.burst_get(60, &clients, URLS[rng.index(URLS.len())]);
        }
        for i in 0..w.scenario().regions.len() {
            let id = w.scenario().regions[i].alb.id.clone();
            let _ = w.inspect(&id);
        }
    }
    println!("mutated scenarios: {refused} refused, {ran} ran");
    assert!(
        refused > runs / 8 && ran > runs / 20,
        "both paths are exercised ({refused} refused, {ran} ran)"
    );
}
