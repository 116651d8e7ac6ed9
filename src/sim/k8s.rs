//! Kubernetes: Ingress path matching, Services and their endpoints,
//! readiness probes on the clock, and kube-proxy's pick. Fact sheet §13, §14.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::alb::{HttpCtx, Target};
use super::event::app::SpecMatch;
use super::event::AppEvent;
use super::scenario::*;
use super::trace::*;
use super::world::*;

/// A readiness probe's state for one pod. Defaults: period 10 s, failure
/// threshold 3, success threshold 1. Fact sheet §14.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeState {
    pub ready: bool,
    pub consecutive_failures: u32,
    pub next_due_ms: u64,
    /// Consecutive liveness failures (same defaults as readiness).
    #[serde(default)]
    pub liveness_failures: u32,
    /// Container restarts by the kubelet after failed liveness probes.
    #[serde(default)]
    pub restarts: u32,
    /// Consecutive readiness successes while not ready (a pod turns ready
    /// after its success threshold).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub consecutive_successes: u32,
    /// The pod's own probe timings (its app has a `cluster.probes` entry):
    /// when readiness and liveness are next due, each on its own period.
    /// None: both on the default 10 s round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitDue>,
}

/// Readiness and liveness due times of a pod whose probes have their own
/// timings. Fact sheet §14.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitDue {
    pub readiness_ms: u64,
    pub liveness_ms: u64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

pub const PROBE_PERIOD_S: u64 = 10;
pub const PROBE_FAILURE_THRESHOLD: u32 = 3;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct K8sRuntime {
    /// Readiness probe per pod id.
    pub probes: BTreeMap<String, ProbeState>,
    /// The database instance each pod's application resolved the endpoint
    /// to, and when that answer expires in its own DNS cache.
    #[serde(default)]
    pub app_dns: BTreeMap<String, (String, u64)>,
    /// Requests each pod served in the last burst, and when (the load a
    /// HorizontalPodAutoscaler measures). Only pods an autoscaler watches.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub load: BTreeMap<String, (u64, u32)>,
    /// Each autoscaler's state, by `region/app`. Fact sheet §28.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hpa: BTreeMap<String, crate::sim::hpa::HpaState>,
}

/// What one readiness/liveness probe round changed for a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProbeChange {
    pub was_ready: bool,
    pub ready: bool,
    /// The kubelet restarted the container (liveness failed enough times).
    pub restarted: bool,
    pub restarts: u32,
}

impl K8sRuntime {
    /// One more request served by `pod` at `now` (a burst takes no time).
    pub(crate) fn note_load(&mut self, pod: &str, now: u64) {
        let e = self.load.entry(pod.to_string()).or_insert((now, 0));
        if e.0 != now {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
    }

    /// Whether the kubelet's readiness probe currently passes for a pod
    /// (one never probed is ready).
    pub fn ready(&self, pod: &str) -> bool {
        self.probes.get(pod).map(|p| p.ready).unwrap_or(true)
    }

    /// The ready endpoints of a Service's app: what kube-proxy programs.
    /// Fact sheet §14.
    pub fn ready_endpoints<'a>(&self, r: &'a Region, app: &str) -> Vec<&'a Pod> {
        r.cluster
            .pods
            .iter()
            .filter(|p| p.app == app && self.ready(&p.id))
            .collect()
    }

    /// Record one probe round: readiness (`ok`: the pod answers locally)
    /// and liveness (`hung`: the process does not answer at all), each
    /// when due, with the pod's timings. Fact sheet §14.
    pub(crate) fn record_probe(
        &mut self,
        pod_id: &str,
        (ok, hung): (bool, bool),
        (readiness, liveness): (ProbeTiming, ProbeTiming),
        now_ms: u64,
    ) -> Option<ProbeChange> {
        let st = self.probes.get_mut(pod_id)?;
        let (run_ready, run_live) = match &mut st.split {
            None => {
                st.next_due_ms = now_ms + PROBE_PERIOD_S * 1000;
                (true, true)
            }
            Some(d) => {
                let due = (d.readiness_ms <= now_ms, d.liveness_ms <= now_ms);
                if due.0 {
                    d.readiness_ms = now_ms + readiness.period_s.max(1) as u64 * 1000;
                }
                if due.1 {
                    d.liveness_ms = now_ms + liveness.period_s.max(1) as u64 * 1000;
                }
                st.next_due_ms = d.readiness_ms.min(d.liveness_ms);
                due
            }
        };
        let was_ready = st.ready;
        if run_ready {
            if ok {
                st.consecutive_failures = 0;
                if !st.ready {
                    st.consecutive_successes = st.consecutive_successes.saturating_add(1);
                    if st.consecutive_successes >= readiness.success_threshold.max(1) {
                        st.ready = true;
                        st.consecutive_successes = 0;
                    }
                }
            } else {
                st.consecutive_successes = 0;
                st.consecutive_failures = st.consecutive_failures.saturating_add(1);
                if st.consecutive_failures >= readiness.failure_threshold.max(1) {
                    st.ready = false;
                }
            }
        }
        // Liveness checks only that the process answers at all: a hung
        // process fails it and gets restarted; an app that answers 500 to its
        // readiness endpoint stays alive but unready. The restarted
        // container is not ready until readiness passes again (after its
        // initial delay). Fact sheet §14.
        let mut restarted = false;
        if run_live {
            if hung {
                st.liveness_failures = st.liveness_failures.saturating_add(1);
                if st.liveness_failures >= liveness.failure_threshold.max(1) {
                    st.liveness_failures = 0;
                    st.restarts = st.restarts.saturating_add(1);
                    st.ready = false;
                    st.consecutive_failures = 0;
                    st.consecutive_successes = 0;
                    restarted = true;
                    if let Some(d) = &mut st.split {
                        d.readiness_ms = now_ms + readiness.initial_delay_s as u64 * 1000;
                        d.liveness_ms = now_ms + liveness.initial_delay_s as u64 * 1000;
                        if d.readiness_ms == now_ms {
                            d.readiness_ms += readiness.period_s.max(1) as u64 * 1000;
                        }
                        if d.liveness_ms == now_ms {
                            d.liveness_ms += liveness.period_s.max(1) as u64 * 1000;
                        }
                        st.next_due_ms = d.readiness_ms.min(d.liveness_ms);
                    }
                }
            } else {
                st.liveness_failures = 0;
            }
        }
        Some(ProbeChange {
            was_ready,
            ready: st.ready,
            restarted,
            restarts: st.restarts,
        })
    }
}

/// The hop where the Ingress (as the controller turned it into a listener
/// rule from path `from`) leads to a target group's Service. `node` is the
/// diagram's Ingress (the cluster's first, standing for the ALB's
/// IngressGroup); `ingress` the member whose rule it was. Fact sheet §13,
/// §14, §28.
pub(crate) fn ingress_match_step(
    (node, ingress): (&str, &Ingress),
    from: &str,
    (tg, svc): (&TargetGroup, &Service),
    ctx: &HttpCtx,
) -> Step {
    Step::new(
        (node, &svc.id),
        Layer::Decision,
        "-",
        Event::App(AppEvent::IngressMatch {
            ingress: ingress.name.clone(),
            rule_path: (!from.is_empty()).then(|| from.to_string()),
            service: svc.name.clone(),
            port: svc.port,
            request_path: ctx.path.to_string(),
            spec: ingress_route(ingress, &ctx.host, &ctx.path).map(|p| SpecMatch {
                path: p.path.clone(),
                path_type: p.path_type,
            }),
            target_type: tg.target_type,
            node_port: tg.node_port,
        }),
        Verdict::Pass,
        Code::IngressRuleMatch,
    )
}

/// What kube-proxy did with traffic arriving on a NodePort.
pub(crate) enum ProxyPick<'a> {
    /// Forwarded to this pod, which sees this peer address.
    Pod(&'a Pod, std::net::Ipv4Addr),
    /// No ready endpoint at all: the connection is refused.
    NoEndpoint,
    /// `Local` with no endpoint on this node: dropped.
    Dropped,
}

impl World {
    pub(crate) fn init_k8s_runtime(&mut self) {
        let now = self.clock_ms;
        let ids: Vec<(String, Option<(ProbeTiming, ProbeTiming)>)> = self
            .scenario
            .regions
            .iter()
            .flat_map(|r| {
                r.cluster.pods.iter().map(|p| {
                    let custom = r.cluster.probes.iter().any(|x| x.app == p.app);
                    (
                        p.id.clone(),
                        custom.then(|| r.cluster.probe_timings(&p.app)),
                    )
                })
            })
            .collect();
        self.k8s
            .probes
            .retain(|k, _| ids.iter().any(|(i, _)| i == k));
        let started = self.alb.started;
        for (id, timing) in ids {
            // A pod whose app has its own probe timings follows them: one
            // created once the world runs starts not ready and is first
            // probed after its initial delay. Fact sheet §14.
            // A pod already running whose timings an edit set keeps
            // running: its next probes come a period from now.
            let fresh = started && !self.k8s.probes.contains_key(&id);
            let split = timing.map(|(rd, lv)| {
                let first = |t: ProbeTiming| {
                    now + if fresh {
                        (t.initial_delay_s as u64 * 1000).max(1000)
                    } else {
                        t.period_s.max(1) as u64 * 1000
                    }
                };
                SplitDue {
                    readiness_ms: first(rd),
                    liveness_ms: first(lv),
                }
            });
            let st = self.k8s.probes.entry(id).or_insert(ProbeState {
                ready: !(fresh && split.is_some()),
                consecutive_failures: 0,
                next_due_ms: now + PROBE_PERIOD_S * 1000,
                liveness_failures: 0,
                restarts: 0,
                consecutive_successes: 0,
                split: None,
            });
            // Timings set, changed or removed by an edit.
            match (split, st.split) {
                (Some(d), None) => {
                    st.split = Some(d);
                    st.next_due_ms = d.readiness_ms.min(d.liveness_ms);
                }
                (None, Some(_)) => {
                    st.split = None;
                    st.next_due_ms = now + PROBE_PERIOD_S * 1000;
                }
                _ => {}
            }
        }
        self.init_hpa_runtime();
        self.init_lb_runtime();
    }

    /// Whether the kubelet's readiness probe currently passes for a pod.
    pub fn pod_ready(&self, pod: &str) -> bool {
        self.k8s.ready(pod)
    }

    /// kube-proxy (iptables mode) on a node picks a ready endpoint at
    /// random: with `externalTrafficPolicy: Cluster` any in the cluster
    /// (the node SNATs, so the pod sees the node's address), with `Local`
    /// only one on this node (the sender's address kept) or, with none
    /// there, the packet is dropped. `sender` is the address the traffic
    /// came from. Fact sheet §14, §28.
    pub(crate) fn kube_proxy<'a>(
        &mut self,
        r: &'a Region,
        node: &Target,
        svc: &Service,
        sender: std::net::Ipv4Addr,
        tb: &mut Recorder,
    ) -> ProxyPick<'a> {
        let policy = svc.external_traffic_policy;
        let all = self.k8s.ready_endpoints(r, &svc.app);
        let pool: Vec<&Pod> = match policy {
            TrafficPolicy::Cluster => all.clone(),
            TrafficPolicy::Local => all
                .iter()
                .copied()
                .filter(|p| p.node.as_deref() == Some(node.id))
                .collect(),
        };
        let seen = match policy {
            TrafficPolicy::Cluster => crate::sim::app::pod_peer(r, node),
            TrafficPolicy::Local => sender,
        };
        let step = |picked: Option<&Pod>| {
            Step::new(
                (node.id, picked.map_or(node.id, |p| p.id.as_str())),
                Layer::Decision,
                "-",
                Event::App(AppEvent::EndpointPick {
                    node: node.id.to_string(),
                    service: svc.name.clone(),
                    ready: pool.iter().map(|p| p.id.clone()).collect(),
                    picked: picked.map(|p| p.id.clone()),
                    crosses_to: picked
                        .filter(|p| p.node.as_deref() != Some(node.id))
                        .map(|p| p.node.clone().unwrap_or_default()),
                    policy,
                    source_seen: picked.map(|_| seen),
                }),
                Verdict::Pass,
                Code::ServiceEndpointPick,
            )
        };
        if pool.is_empty() && policy == TrafficPolicy::Local && !all.is_empty() {
            tb.hop(|| {
                Step::new(
                    (node.id, node.id),
                    Layer::Decision,
                    "-",
                    Event::App(AppEvent::LocalDrop {
                        node: node.id.to_string(),
                        service: svc.name.clone(),
                        elsewhere: all.iter().map(|p| p.id.clone()).collect(),
                    }),
                    Verdict::Dropped,
                    Code::NoLocalEndpoint,
                )
            });
            return ProxyPick::Dropped;
        }
        if pool.is_empty() {
            tb.hop(|| {
                let mut s = step(None);
                s.verdict = Verdict::Error;
                s.code = Code::NoHealthyTargets;
                s
            });
            return ProxyPick::NoEndpoint;
        }
        let pick = pool[self.rng.index(pool.len())];
        tb.hop(|| step(Some(pick)));
        ProxyPick::Pod(pick, seen)
    }

    pub(crate) fn run_readiness_probe(&mut self, pod_id: &str) {
        let now = self.clock_ms;
        let Some((r, pod)) = self.scenario.regions.iter().find_map(|r| {
            r.cluster
                .pods
                .iter()
                .find(|p| p.id == pod_id)
                .map(|p| (r.clone(), p.clone()))
        }) else {
            self.k8s.probes.remove(pod_id);
            return;
        };
        // The kubelet probes locally on the node: only the pod itself matters.
        let ok = self.pod_up(&r, &pod) && self.pod_host_up(&r, &pod) && self.pod_answers(&pod.id);
        let hung = self.has_fault(|| Fault::PodHung {
            pod: pod_id.to_string(),
        });
        let Some(ProbeChange {
            was_ready: was,
            ready,
            restarted,
            restarts,
        }) = self
            .k8s
            .record_probe(pod_id, (ok, hung), r.cluster.probe_timings(&pod.app), now)
        else {
            return;
        };
        let (ready_t, live) = r.cluster.probe_timings(&pod.app);
        if restarted {
            self.faults.remove(&Fault::PodHung {
                pod: pod_id.to_string(),
            });
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("kubelet {pod_id}"),
                text: format!(
                    "liveness probe failed {} times in a row (no answer within {} s): the container was restarted (restarts: {restarts}), which clears the hang; it is not ready until its readiness probe passes again",
                    live.failure_threshold, live.timeout_s
                ),
            });
        }
        if was != ready {
            // The AWS Load Balancer Controller follows the endpoints: a pod
            // that turns unready is deregistered and drains. Fact sheet §8, §14.
            let delay = crate::sim::alb::health::home_group(&r, pod_id)
                .filter(|t| t.target_type == TargetType::Ip)
                .or_else(|| {
                    r.alb
                        .target_groups
                        .iter()
                        .find(|t| t.target_type == TargetType::Ip)
                })
                .map(|t| t.deregistration_delay_s as u64 * 1000);
            match (ready, delay) {
                (false, Some(d)) => self.alb.deregister(pod_id, now + d),
                (true, _) => self.alb.reregister(pod_id, now),
                _ => {}
            }
            let text = if ready {
                "readiness probe passes again: the endpoint is ready and receives traffic"
                    .to_string()
            } else {
                format!(
                    "readiness probe failed {} times in a row: EndpointSlice marks it ready=false; the pod keeps running but gets no Service traffic, and its ALB target is deregistered (draining)",
                    ready_t.failure_threshold
                )
            };
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("kubelet {pod_id}"),
                text,
            });
        }
    }

    /// Whether the pod's application answers 2xx (false when a fault makes
    /// it answer 500 or hang).
    pub(crate) fn pod_answers(&self, pod: &str) -> bool {
        !self
            .faults
            .contains(&Fault::TargetUnhealthy { pod: pod.into() })
            && !self.has_fault(|| Fault::PodHung { pod: pod.into() })
    }
}

/// Ingress path matching as the Kubernetes spec defines it. Fact sheet §13.
///
/// Exact: the whole path, case-sensitive. Prefix: element-wise on `/`,
/// trailing slashes ignored. Several matches: the longest path wins; on a
/// tie Exact beats Prefix.
pub fn ingress_path_matches(rule: &IngressPath, path: &str) -> bool {
    match rule.path_type {
        PathType::Exact => rule.path == path,
        PathType::Prefix => {
            let want: Vec<&str> = rule.path.split('/').filter(|s| !s.is_empty()).collect();
            let have: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            want.len() <= have.len() && want.iter().zip(&have).all(|(a, b)| a == b)
        }
    }
}

/// Ingress host matching: exact, or `*.foo.com` for exactly one extra label;
/// a rule without a host matches any host. Fact sheet §13.
pub fn ingress_host_matches(rule_host: Option<&str>, host: &str) -> bool {
    match rule_host {
        None => true,
        Some(h) => match h.strip_prefix("*.") {
            Some(rest) => host
                .split_once('.')
                .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
            None => h.eq_ignore_ascii_case(host),
        },
    }
}

/// The ingress rule that serves a request, by the spec's precedence.
pub fn ingress_route<'a>(ing: &'a Ingress, host: &str, path: &str) -> Option<&'a IngressPath> {
    ing.rules
        .iter()
        .filter(|r| ingress_host_matches(r.host.as_deref(), host) && ingress_path_matches(r, path))
        .max_by_key(|r| {
            (
                r.path.trim_end_matches('/').len(),
                r.path_type == PathType::Exact,
            )
        })
}

/// How the AWS Load Balancer Controller (v2.4.3+) orders an Ingress's paths
/// into ALB listener rules: Exact first, then Prefix by length, longest
/// first; Prefix `/foo` becomes `/foo` and `/foo/*`, Prefix `/` becomes `/*`.
/// Fact sheet §14, §19.12.
pub fn lbc_listener_rules(
    ing: &Ingress,
    target_group_of: &dyn Fn(&str) -> String,
) -> Vec<ListenerRule> {
    let mut paths: Vec<&IngressPath> = ing.rules.iter().collect();
    paths.sort_by_key(|p| {
        (
            p.path_type != PathType::Exact,
            std::cmp::Reverse(p.path.len()),
        )
    });
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let patterns = match p.path_type {
                PathType::Exact => vec![p.path.clone()],
                PathType::Prefix if p.path == "/" => vec!["/*".to_string()],
                PathType::Prefix => {
                    let base = p.path.trim_end_matches('/');
                    vec![base.to_string(), format!("{base}/*")]
                }
            };
            let mut conditions = vec![Condition::PathPattern { values: patterns }];
            if let Some(h) = &p.host {
                conditions.insert(
                    0,
                    Condition::HostHeader {
                        values: vec![h.clone()],
                    },
                );
            }
            ListenerRule {
                priority: i as u32 + 1,
                conditions,
                action: AlbAction::Forward {
                    target_group: target_group_of(&p.service),
                },
                from_ingress_path: format!("{} ({:?})", p.path, p.path_type),
                from_ingress: String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, t: PathType) -> IngressPath {
        IngressPath {
            host: None,
            path: path.into(),
            path_type: t,
            service: "svc".into(),
            port: 80,
        }
    }

    #[test]
    fn prefix_matching_is_element_wise_on_slashes() {
        // §13: /foo/bar matches /foo/bar/baz but not /foo/barbaz; / matches everything.
        let r = rule("/foo/bar", PathType::Prefix);
        assert!(ingress_path_matches(&r, "/foo/bar"));
        assert!(ingress_path_matches(&r, "/foo/bar/"));
        assert!(ingress_path_matches(&r, "/foo/bar/baz"));
        assert!(!ingress_path_matches(&r, "/foo/barbaz"));
        assert!(!ingress_path_matches(
            &rule("/aaa/bb", PathType::Prefix),
            "/aaa/bbb"
        ));
        assert!(ingress_path_matches(
            &rule("/", PathType::Prefix),
            "/anything/at/all"
        ));
    }

    #[test]
    fn exact_matching_is_case_sensitive_and_minds_the_trailing_slash() {
        // §13: /foo != /foo/.
        let r = rule("/foo", PathType::Exact);
        assert!(ingress_path_matches(&r, "/foo"));
        assert!(!ingress_path_matches(&r, "/foo/"));
        assert!(!ingress_path_matches(&r, "/FOO"));
    }

    #[test]
    fn the_longest_matching_path_wins_and_exact_beats_prefix_on_a_tie() {
        // §13 precedence; manifest order does not matter.
        let ing = Ingress {
            id: "i".into(),
            name: "i".into(),
            rules: vec![
                rule("/", PathType::Prefix),
                rule("/api", PathType::Prefix),
                rule("/api", PathType::Exact),
            ],
            default_backend: None,
            annotations: Default::default(),
        };
        assert_eq!(ingress_route(&ing, "h", "/api/x").unwrap().path, "/api");
        assert_eq!(
            ingress_route(&ing, "h", "/api").unwrap().path_type,
            PathType::Exact
        );
        assert_eq!(ingress_route(&ing, "h", "/other").unwrap().path, "/");
    }

    #[test]
    fn a_wildcard_host_covers_exactly_one_extra_label() {
        // §13: *.foo.com matches bar.foo.com, not baz.bar.foo.com nor foo.com.
        assert!(ingress_host_matches(Some("*.foo.com"), "bar.foo.com"));
        assert!(!ingress_host_matches(Some("*.foo.com"), "baz.bar.foo.com"));
        assert!(!ingress_host_matches(Some("*.foo.com"), "foo.com"));
        assert!(ingress_host_matches(None, "anything"));
    }

    #[test]
    fn the_controller_puts_exact_paths_first_then_longer_prefixes() {
        // §14, §19.12: v2.4.3+ ordering; Prefix /foo -> /foo and /foo/*.
        let ing = Ingress {
            id: "i".into(),
            name: "i".into(),
            rules: vec![
                rule("/", PathType::Prefix),
                rule("/api", PathType::Prefix),
                rule("/healthz", PathType::Exact),
            ],
            default_backend: None,
            annotations: Default::default(),
        };
        let rules = lbc_listener_rules(&ing, &|s| format!("tg-{s}"));
        let pats: Vec<String> = rules
            .iter()
            .map(|r| match &r.conditions[0] {
                Condition::PathPattern { values } => values.join(" "),
                _ => String::new(),
            })
            .collect();
        assert_eq!(pats, vec!["/healthz", "/api /api/*", "/*"]);
    }
}
