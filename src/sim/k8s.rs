//! Kubernetes: Ingress path matching, Services and their endpoints,
//! readiness probes on the clock, and kube-proxy's pick. Fact sheet §13, §14.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::scenario::*;
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
}

impl World {
    pub(crate) fn init_k8s_runtime(&mut self) {
        let now = self.clock_ms;
        let ids: Vec<String> = self
            .scenario
            .regions
            .iter()
            .flat_map(|r| r.cluster.pods.iter().map(|p| p.id.clone()))
            .collect();
        self.k8s.probes.retain(|k, _| ids.contains(k));
        for id in ids {
            self.k8s.probes.entry(id).or_insert(ProbeState {
                ready: true,
                consecutive_failures: 0,
                next_due_ms: now + PROBE_PERIOD_S * 1000,
                liveness_failures: 0,
                restarts: 0,
            });
        }
        self.init_lb_runtime();
    }

    /// Whether the kubelet's readiness probe currently passes for a pod.
    pub fn pod_ready(&self, pod: &str) -> bool {
        self.k8s.probes.get(pod).map(|p| p.ready).unwrap_or(true)
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
        let st = self
            .k8s
            .probes
            .get_mut(pod_id)
            .expect("scheduled probe exists");
        st.next_due_ms = now + PROBE_PERIOD_S * 1000;
        let was = st.ready;
        if ok {
            st.consecutive_failures = 0;
            st.ready = true;
        } else {
            st.consecutive_failures += 1;
            if st.consecutive_failures >= PROBE_FAILURE_THRESHOLD {
                st.ready = false;
            }
        }
        // Liveness checks only that the process answers at all: a hung
        // process fails it and gets restarted; an app that answers 500 to its
        // readiness endpoint stays alive but unready. Fact sheet §14.
        let hung = self.has_fault(|| Fault::PodHung {
            pod: pod_id.to_string(),
        });
        let st = self
            .k8s
            .probes
            .get_mut(pod_id)
            .expect("scheduled probe exists");
        let mut restarted = false;
        if hung {
            st.liveness_failures += 1;
            if st.liveness_failures >= PROBE_FAILURE_THRESHOLD {
                st.liveness_failures = 0;
                st.restarts += 1;
                restarted = true;
            }
        } else {
            st.liveness_failures = 0;
        }
        let restarts = st.restarts;
        let ready = st.ready;
        if restarted {
            self.faults.remove(&Fault::PodHung {
                pod: pod_id.to_string(),
            });
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("kubelet {pod_id}"),
                text: format!(
                    "liveness probe failed {PROBE_FAILURE_THRESHOLD} times in a row: the container was restarted (restarts: {restarts}), which clears the hang; readiness passes again at the next probe"
                ),
            });
        }
        if was != ready {
            // The AWS Load Balancer Controller follows the endpoints: a pod
            // that turns unready is deregistered and drains. Fact sheet §8, §14.
            let delay = r
                .alb
                .target_groups
                .iter()
                .find(|t| t.target_type == TargetType::Ip)
                .map(|t| t.deregistration_delay_s as u64 * 1000);
            match (ready, delay) {
                (false, Some(d)) => {
                    self.alb.draining.insert(pod_id.to_string(), now + d);
                }
                (true, _) => {
                    self.alb.draining.remove(pod_id);
                }
                _ => {}
            }
            let text = if ready {
                "readiness probe passes again: the endpoint is ready and receives traffic"
                    .to_string()
            } else {
                format!(
                    "readiness probe failed {PROBE_FAILURE_THRESHOLD} times in a row: EndpointSlice marks it ready=false; the pod keeps running but gets no Service traffic, and its ALB target is deregistered (draining)"
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
