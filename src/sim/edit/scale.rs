//! Scale edits: the number of pods of an application (a Deployment's
//! replicas) and the number of worker nodes in a region's cluster.
//!
//! New pods go onto the node with the fewest pods of the application (the
//! scheduler's spreading), in that node's subnet, at the first free host
//! address; they copy the security groups of the application's pods.
//! Scaling down removes pods from the node with the most of them, newest
//! first, as a ReplicaSet does (fact sheet §14). The runtime (target
//! health, readiness probes) follows the pods: new ones start healthy and
//! ready, removed ones are deregistered.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::net::Tier;
use crate::sim::scenario::{K8sNode, Pod, Region, Scenario};
use crate::sim::text::clip;

use crate::sim::limits::{MAX_NODES_PER_CLUSTER, MAX_REPLICAS};

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::ScalePods {
            region,
            app,
            replicas,
        } => format!(
            "{}: scale {} to {} pods",
            clip(region),
            clip(app),
            clip(replicas.trim())
        ),
        Edit::ScaleNodes { region, count } => {
            format!("{}: scale to {} nodes", clip(region), clip(count.trim()))
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::ScalePods {
            region,
            app,
            replicas,
        } => {
            let n = parse_count(replicas, "replicas", MAX_REPLICAS)?;
            scale_pods(s, region, app, n)
        }
        Edit::ScaleNodes { region, count } => {
            let n = parse_count(count, "nodes", MAX_NODES_PER_CLUSTER)?;
            scale_nodes(s, region, n)
        }
        _ => Ok(()),
    }
}

fn parse_count(t: &str, what: &str, max: usize) -> Result<usize, EditError> {
    let t = t.trim();
    match t.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => Err(EditError::Parse(format!(
            "{n} {what} is more than Hoplab runs ({max} at most)"
        ))),
        Err(_) => Err(EditError::Parse(format!(
            "'{}' is not a number of {what}: write a whole number from 0 to {max}",
            clip(t)
        ))),
    }
}

fn region_mut<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Region, EditError> {
    s.regions
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| unknown(VpcPart::Region, id))
}

/// Every id the scenario's regions use for hosts, so a new one is unique.
fn taken_ids(s: &Scenario) -> Vec<String> {
    s.regions
        .iter()
        .flat_map(|r| {
            let k = &r.cluster;
            k.pods
                .iter()
                .map(|p| p.id.clone())
                .chain(k.nodes.iter().map(|n| n.id.clone()))
                .chain(r.rds.instances.iter().map(|i| i.id.clone()))
        })
        .collect()
}

/// The first `prefix{n}` not taken, from 1.
fn fresh_id(prefix: &str, taken: &[String]) -> String {
    (1..)
        .map(|n| format!("{prefix}{n}"))
        .find(|id| !taken.contains(id))
        .unwrap_or_default()
}

/// An id without its trailing number: `pod-a-3` → `pod-a-`.
fn prefix_of(id: &str) -> Option<&str> {
    let p = id.trim_end_matches(|c: char| c.is_ascii_digit());
    (p.len() < id.len()).then_some(p)
}

/// The first free host number (from 4, after the addresses AWS reserves)
/// of a subnet of this region.
pub(super) fn free_host(r: &Region, subnet: &str) -> Option<u32> {
    let sub = r.vpc.subnet(subnet)?;
    let used = used_hosts(r, subnet);
    (4..)
        .take_while(|h| sub.host(*h).is_some())
        .find(|h| !used.contains(h))
}

/// The host numbers taken in a subnet of this region (load balancer
/// nodes, NAT gateways, nodes, pods, database instances, endpoint ENIs).
pub(super) fn used_hosts(r: &Region, subnet: &str) -> Vec<u32> {
    r.alb
        .nodes
        .iter()
        .map(|n| (n.subnet.as_str(), n.host))
        .chain(
            r.vpc
                .nat_gateways
                .iter()
                .map(|n| (n.subnet.as_str(), n.host)),
        )
        .chain(r.cluster.nodes.iter().map(|n| (n.subnet.as_str(), n.host)))
        .chain(r.cluster.pods.iter().map(|p| (p.subnet.as_str(), p.host)))
        .chain(
            r.vpc
                .interface_endpoints
                .iter()
                .flat_map(|e| e.subnets.iter().map(|s| (s.as_str(), e.host))),
        )
        .chain(
            r.rds
                .instances
                .iter()
                .chain(&r.rds.replicas)
                .map(|i| (i.subnet.as_str(), i.host)),
        )
        .chain(r.vpc.instances.iter().map(|i| (i.subnet.as_str(), i.host)))
        .filter(|(s, _)| *s == subnet)
        .map(|(_, h)| h)
        .collect()
}

pub(super) fn subnet_full(r: &Region, subnet: &str) -> EditError {
    let cidr = r
        .vpc
        .subnet(subnet)
        .map(|s| s.cidr.to_string())
        .unwrap_or_default();
    EditError::Invalid(format!(
        "subnet {subnet} ({cidr}) has no free address left for another host (fact sheet §10: 5 addresses of every subnet are AWS's)"
    ))
}

/// Where new pods may go: the cluster's nodes, or without nodes the
/// subnets the application's pods use (else the app-tier subnets).
fn placements(r: &Region, app: &str) -> Vec<(Option<String>, String)> {
    if !r.cluster.nodes.is_empty() {
        return r
            .cluster
            .nodes
            .iter()
            .map(|n| (Some(n.id.clone()), n.subnet.clone()))
            .collect();
    }
    let mut subnets: Vec<String> = Vec::new();
    for p in r.cluster.pods.iter().filter(|p| p.app == app) {
        if !subnets.contains(&p.subnet) {
            subnets.push(p.subnet.clone());
        }
    }
    if subnets.is_empty() {
        subnets = r
            .vpc
            .subnets
            .iter()
            .filter(|s| s.tier == Tier::App)
            .map(|s| s.id.clone())
            .collect();
    }
    subnets.into_iter().map(|s| (None, s)).collect()
}

/// The security groups new pods of `app` get: its pods', else any pod's
/// in the region, else the groups the ALB's groups may send to.
fn template_groups(r: &Region, app: &str) -> Vec<String> {
    let k = &r.cluster;
    if let Some(p) = k.pods.iter().find(|p| p.app == app).or(k.pods.first()) {
        return p.security_groups.clone();
    }
    let mut out = Vec::new();
    for g in r.alb.security_groups.iter().filter_map(|g| r.vpc.sg(g)) {
        for rule in &g.outbound {
            if let crate::sim::net::Peer::Sg(id) = &rule.peer {
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
    }
    out
}

fn scale_pods(s: &mut Scenario, region: &str, app: &str, n: usize) -> Result<(), EditError> {
    let taken = taken_ids(s);
    let r = region_mut(s, region)?;
    let app = app.trim();
    let known = r.cluster.services.iter().any(|x| x.app == app)
        || r.cluster.pods.iter().any(|p| p.app == app);
    if !known {
        return Err(unknown(VpcPart::App, app));
    }
    let have = r.cluster.pods.iter().filter(|p| p.app == app).count();
    let place = placements(r, app);
    let on = |r: &Region, spot: &(Option<String>, String)| {
        r.cluster
            .pods
            .iter()
            .filter(|p| p.app == app && p.node == spot.0 && p.subnet == spot.1)
            .count()
    };
    if n < have {
        for _ in n..have {
            // The spot with the most of the app's pods loses its newest.
            let Some(spot) = place.iter().max_by_key(|sp| on(r, sp)).cloned() else {
                break;
            };
            let i = r
                .cluster
                .pods
                .iter()
                .rposition(|p| p.app == app && p.node == spot.0 && p.subnet == spot.1)
                .or_else(|| r.cluster.pods.iter().rposition(|p| p.app == app));
            if let Some(i) = i {
                r.cluster.pods.remove(i);
            }
        }
        return Ok(());
    }
    if place.is_empty() {
        return Err(EditError::Invalid(format!(
            "{region} has no node or app subnet to run new pods of {app} on"
        )));
    }
    let groups = template_groups(r, app);
    let prefix = r
        .cluster
        .pods
        .iter()
        .find_map(|p| prefix_of(&p.id))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let c = r.cluster.name.trim_start_matches("cluster-");
            format!("pod-{c}-")
        });
    let mut taken = taken;
    for _ in have..n {
        // The first spot with the fewest of the app's pods gets the next.
        let spot = place
            .iter()
            .min_by_key(|sp| on(r, sp))
            .cloned()
            .unwrap_or_default();
        let host = free_host(r, &spot.1).ok_or_else(|| subnet_full(r, &spot.1))?;
        let id = fresh_id(&prefix, &taken);
        taken.push(id.clone());
        r.cluster.pods.push(Pod {
            id,
            node: spot.0,
            app: app.to_string(),
            subnet: spot.1,
            host,
            security_groups: groups.clone(),
        });
    }
    Ok(())
}

fn scale_nodes(s: &mut Scenario, region: &str, n: usize) -> Result<(), EditError> {
    let taken = taken_ids(s);
    let r = region_mut(s, region)?;
    let have = r.cluster.nodes.len();
    if n < have {
        for node in &r.cluster.nodes[n..] {
            let pods: Vec<String> = r
                .cluster
                .pods
                .iter()
                .filter(|p| p.node.as_deref() == Some(node.id.as_str()))
                .map(|p| p.id.clone())
                .collect();
            if !pods.is_empty() {
                return Err(EditError::NodeHasPods {
                    node: node.id.clone(),
                    pods,
                });
            }
        }
        r.cluster.nodes.truncate(n);
        return Ok(());
    }
    // New nodes take turns over the app-tier subnets, one AZ after another.
    let subnets: Vec<String> = r
        .vpc
        .subnets
        .iter()
        .filter(|s| s.tier == Tier::App)
        .map(|s| s.id.clone())
        .collect();
    if subnets.is_empty() && n > have {
        return Err(EditError::Invalid(format!(
            "{region} has no app subnet to run new nodes in"
        )));
    }
    let prefix = r
        .cluster
        .nodes
        .iter()
        .find_map(|x| prefix_of(&x.id))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let c = r.cluster.name.trim_start_matches("cluster-");
            format!("node-{c}-")
        });
    let mut taken = taken;
    for _ in have..n {
        let subnet = subnets
            .iter()
            .min_by_key(|s| r.cluster.nodes.iter().filter(|x| &&x.subnet == s).count())
            .cloned()
            .unwrap_or_default();
        let host = free_host(r, &subnet).ok_or_else(|| subnet_full(r, &subnet))?;
        let id = fresh_id(&prefix, &taken);
        taken.push(id.clone());
        r.cluster.nodes.push(K8sNode { id, subnet, host });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::alb::{AlbError, AlbEvent, NoTargets};
    use crate::sim::request::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::trace::{Event, Verdict};
    use crate::sim::{Request, World};

    fn pods(n: &str) -> Edit {
        Edit::ScalePods {
            region: "us-east-1".into(),
            app: "appointments-api".into(),
            replicas: n.into(),
        }
    }

    fn pod_ids(w: &World) -> Vec<(String, Option<String>, String, u32)> {
        w.scenario().regions[0]
            .cluster
            .pods
            .iter()
            .map(|p| (p.id.clone(), p.node.clone(), p.subnet.clone(), p.host))
            .collect()
    }

    fn get(w: &mut World) -> crate::sim::Trace {
        w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store())
    }

    #[test]
    fn new_pods_spread_over_the_nodes_with_free_addresses_and_fresh_ids() {
        let mut w = World::default_world();
        w.apply_edit(&pods("6")).unwrap();
        let p = pod_ids(&w);
        assert_eq!(p.len(), 6);
        // Default: pod-a-1, 2 on node-a-1 (hosts 20, 21), pod-a-3, 4 on node-a-2.
        assert_eq!(
            p[4..],
            [
                (
                    "pod-a-5".to_string(),
                    Some("node-a-1".to_string()),
                    "subnet-app-a1".to_string(),
                    4
                ),
                (
                    "pod-a-6".to_string(),
                    Some("node-a-2".to_string()),
                    "subnet-app-a2".to_string(),
                    4
                ),
            ]
        );
        let r = &w.scenario().regions[0];
        assert_eq!(r.cluster.pods[5].security_groups, vec!["sg-app-a"]);
        // The new pods are registered with the ALB and take requests once
        // they pass their first health check (initial until then, §8).
        w.advance(16_000);
        let served: std::collections::BTreeSet<String> = (0..12)
            .filter_map(|_| get(&mut w).outcome.pod.clone())
            .collect();
        assert!(
            served.contains("pod-a-5") && served.contains("pod-a-6"),
            "{served:?}"
        );
    }

    #[test]
    fn scaling_down_takes_the_newest_pod_from_the_fullest_node() {
        let mut w = World::default_world();
        w.apply_edit(&pods("3")).unwrap();
        let ids: Vec<String> = pod_ids(&w).into_iter().map(|p| p.0).collect();
        assert_eq!(ids, ["pod-a-1", "pod-a-2", "pod-a-3"]);
        w.apply_edit(&pods("2")).unwrap();
        let ids: Vec<String> = pod_ids(&w).into_iter().map(|p| p.0).collect();
        assert_eq!(ids, ["pod-a-1", "pod-a-3"], "one per node is left");
    }

    #[test]
    fn with_no_pods_the_target_group_has_no_targets_and_the_alb_answers_503() {
        // §8: an ALB with no registered targets answers 503.
        let mut w = World::default_world();
        assert_eq!(get(&mut w).outcome.status, Some(200));
        w.apply_edit(&pods("0")).unwrap();
        assert!(w.scenario().regions[0].cluster.pods.is_empty());
        let t = get(&mut w);
        assert_eq!(t.outcome.status, Some(503), "{}", t.render_text());
        let hop = t
            .hops
            .iter()
            .find(|h| h.from == "alb-a" && h.verdict != Verdict::Pass)
            .unwrap_or_else(|| panic!("{}", t.render_text()));
        assert_eq!(
            hop.event,
            Event::Alb(AlbEvent::Generated {
                status: 503,
                reason: AlbError::NoRegisteredTargets
            })
        );
        // The target group names why: the Service has no endpoints at all.
        assert!(
            t.hops.iter().any(|h| h.event
                == Event::Alb(AlbEvent::NoTargets {
                    target_group: "tg-appointments-a".into(),
                    reason: NoTargets::NoneRegistered { endpoints: vec![] },
                })),
            "{}",
            t.render_text()
        );
        // Scaling back up brings pods with the same security groups.
        w.apply_edit(&pods("2")).unwrap();
        let r = &w.scenario().regions[0];
        assert_eq!(r.cluster.pods.len(), 2);
        assert!(r
            .cluster
            .pods
            .iter()
            .all(|p| p.security_groups == ["sg-app-a"]));
        // CloudFront keeps the 503 for its error caching minimum of 10 s (§5).
        assert_eq!(get(&mut w).outcome.status, Some(503));
        w.advance(11_000);
        let t = get(&mut w);
        assert_eq!(t.outcome.status, Some(200), "{}", t.render_text());
    }

    #[test]
    fn nodes_are_added_over_the_app_subnets_and_removed_only_when_empty() {
        let mut w = World::default_world();
        let scale = |n: &str| Edit::ScaleNodes {
            region: "us-east-1".into(),
            count: n.into(),
        };
        w.apply_edit(&scale("4")).unwrap();
        let nodes: Vec<(String, String, u32)> = w.scenario().regions[0]
            .cluster
            .nodes
            .iter()
            .map(|n| (n.id.clone(), n.subnet.clone(), n.host))
            .collect();
        assert_eq!(
            nodes[2..],
            [
                ("node-a-3".to_string(), "subnet-app-a1".to_string(), 4),
                ("node-a-4".to_string(), "subnet-app-a2".to_string(), 4)
            ]
        );
        // New pods go to the empty nodes first.
        w.apply_edit(&pods("5")).unwrap();
        assert_eq!(pod_ids(&w)[4].1.as_deref(), Some("node-a-3"));
        let before = w.clone();
        assert_eq!(
            w.apply_edit(&scale("2")),
            Err(EditError::NodeHasPods {
                node: "node-a-3".into(),
                pods: vec!["pod-a-5".into()]
            })
        );
        assert_eq!(w, before);
        // The fullest nodes lose pods first, so two pods end one per node.
        w.apply_edit(&pods("2")).unwrap();
        let ids: Vec<String> = pod_ids(&w).into_iter().map(|p| p.0).collect();
        assert_eq!(ids, ["pod-a-1", "pod-a-3"]);
        w.apply_edit(&scale("2")).unwrap();
        assert_eq!(w.scenario().regions[0].cluster.nodes.len(), 2);
    }

    #[test]
    fn bad_scale_edits_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        for (edit, want) in [
            (
                Edit::ScalePods {
                    region: "mars-1".into(),
                    app: "appointments-api".into(),
                    replicas: "2".into(),
                },
                Some(EditError::Unknown {
                    part: VpcPart::Region,
                    id: "mars-1".into(),
                }),
            ),
            (
                Edit::ScalePods {
                    region: "us-east-1".into(),
                    app: "billing".into(),
                    replicas: "2".into(),
                },
                Some(EditError::Unknown {
                    part: VpcPart::App,
                    id: "billing".into(),
                }),
            ),
            (pods("-1"), None),
            (pods("two"), None),
            (pods("101"), None),
            (
                Edit::ScaleNodes {
                    region: "us-east-1".into(),
                    count: "21".into(),
                },
                None,
            ),
        ] {
            let err = w.apply_edit(&edit).unwrap_err();
            match want {
                Some(want) => assert_eq!(err, want),
                None => assert!(matches!(err, EditError::Parse(_)), "{err:?}"),
            }
            assert_eq!(w, before);
        }
    }

    #[test]
    fn a_subnet_with_no_address_left_refuses_more_pods() {
        // §10: a /28 holds 11 hosts (5 addresses are AWS's).
        let mut s = crate::sim::defaults::default_scenario();
        let r = &mut s.regions[0];
        for (i, sub) in r.vpc.subnets.iter_mut().enumerate() {
            if sub.tier == Tier::App {
                sub.cidr = format!("10.0.1{}.0/28", i - 2).parse().unwrap();
            }
        }
        for (i, p) in r.cluster.pods.iter_mut().enumerate() {
            p.host = 5 + i as u32 % 2;
        }
        for n in r.cluster.nodes.iter_mut() {
            n.host = 4;
        }
        let mut w = World::new(s, 1).expect("valid");
        w.apply_edit(&pods("20")).unwrap();
        let before = w.clone();
        let err = w.apply_edit(&pods("21")).unwrap_err();
        assert!(
            matches!(&err, EditError::Invalid(m) if m.starts_with("subnet subnet-app-a1 (10.0.10.0/28) has no free address left")),
            "{err:?}"
        );
        assert_eq!(w, before);
    }

    /// One of the edits of this family and the two beside it, with values
    /// good and bad.
    fn random_net_edit(rng: &mut crate::sim::rng::Rng) -> Edit {
        let pick =
            |rng: &mut crate::sim::rng::Rng, xs: &[&str]| xs[rng.index(xs.len())].to_string();
        let tables = [
            "rtb-public-a",
            "rtb-app-a1",
            "rtb-data-a",
            "rtb-app-b2",
            "rtb-x",
        ];
        let cidrs = [
            "0.0.0.0/0",
            "10.0.0.0/16",
            "10.0.10.0/24",
            "198.51.100.0/24",
            "1.2.3.4/33",
            "",
        ];
        let targets = ["igw-a", "nat-a1", "nat-b1", "local", "igw-zz", ""];
        let values = [
            "A 192.0.2.10",
            "alias cloudfront",
            "alias alb us-west-2",
            "CNAME api.healthcareapp.com",
            "A 1.2.3",
            "TXT hi",
        ];
        let routings = [
            "simple",
            "weighted 10",
            "failover primary",
            "failover secondary",
            "latency us-east-1",
            "geolocation default",
            "weighted 999",
            "nope",
        ];
        let names = [
            "www.healthcareapp.com",
            "api-origin.healthcareapp.com",
            "healthcareapp.com",
            "x.example.org",
        ];
        let numbers = [
            "0",
            "1",
            "2",
            "3",
            "10",
            "30",
            "-1",
            "x",
            "101",
            "18446744073709551616",
        ];
        match rng.index(11) {
            0 => Edit::AddRoute {
                route_table: pick(rng, &tables),
                destination: pick(rng, &cidrs),
                target: pick(rng, &targets),
            },
            1 => Edit::RemoveRoute {
                route_table: pick(rng, &tables),
                destination: pick(rng, &cidrs),
            },
            2 => Edit::AssociateRouteTable {
                subnet: pick(rng, &["subnet-app-a1", "subnet-public-b1", "subnet-x"]),
                route_table: pick(rng, &tables),
            },
            3 | 4 => {
                let (name, value, ttl_s, routing) = (
                    pick(rng, &names),
                    pick(rng, &values),
                    pick(rng, &["", "60", "x"]),
                    pick(rng, &routings),
                );
                let health_check = pick(rng, &["", "hc-cluster-a", "hc-nope"]);
                if rng.index(2) == 0 {
                    Edit::CreateRecord {
                        name,
                        value,
                        ttl_s,
                        routing,
                        health_check,
                        evaluate_target_health: rng.index(2) == 0,
                    }
                } else {
                    Edit::ChangeRecord {
                        index: rng.index(5),
                        name,
                        value,
                        ttl_s,
                        routing,
                        health_check,
                        evaluate_target_health: false,
                    }
                }
            }
            5 => Edit::DeleteRecord {
                index: rng.index(5),
                name: pick(rng, &names),
            },
            6 => Edit::CreateHealthCheck {
                id: pick(rng, &["hc-new", "hc-cluster-a", ""]),
                region: pick(rng, &["us-west-2", "mars"]),
                path: pick(rng, &["/", "/healthz", "x"]),
                interval_s: pick(rng, &numbers),
                failure_threshold: pick(rng, &numbers),
            },
            7 => Edit::ChangeHealthCheck {
                id: pick(rng, &["hc-new", "hc-cluster-a", "hc-x"]),
                path: pick(rng, &["/", "bad path"]),
                interval_s: pick(rng, &["", "10", "30"]),
                failure_threshold: pick(rng, &numbers),
            },
            8 => Edit::DeleteHealthCheck {
                id: pick(rng, &["hc-new", "hc-cluster-b", "hc-x"]),
            },
            9 => Edit::ScalePods {
                region: pick(rng, &["us-east-1", "us-west-2", "x"]),
                app: pick(rng, &["appointments-api", "x"]),
                replicas: pick(rng, &numbers),
            },
            _ => Edit::ScaleNodes {
                region: pick(rng, &["us-east-1", "us-west-2"]),
                count: pick(rng, &numbers),
            },
        }
    }

    #[test]
    fn random_route_dns_and_scale_edits_never_panic_and_refusals_change_nothing() {
        let (mut accepted, mut refused) = (0, 0);
        for seed in 0..12u64 {
            let mut rng = crate::sim::rng::Rng::new(seed);
            let mut w = World::new(crate::sim::defaults::default_scenario(), seed).unwrap();
            for step in 0..40 {
                let e = random_net_edit(&mut rng);
                let before = w.clone();
                match w.apply_edit(&e) {
                    Ok(()) => accepted += 1,
                    Err(err) => {
                        refused += 1;
                        assert!(!err.to_string().is_empty(), "{e:?}");
                        assert_eq!(w, before, "seed {seed} step {step}: {e:?}");
                    }
                }
                assert!(!e.describe().is_empty());
                if step % 4 == 0 {
                    let client = ["client-na", "client-eu", "client-ap"][rng.index(3)];
                    let method = ["GET", "POST"][rng.index(2)];
                    let t = w.send(&Request {
                        method: method.into(),
                        ..Request::get(client, DEFAULT_URL)
                    });
                    assert!(!t.outcome.summary.is_empty());
                    w.advance(rng.range(0, 120_000));
                }
            }
        }
        assert!(
            accepted > 30 && refused > 30,
            "{accepted} accepted, {refused} refused"
        );
    }
}
