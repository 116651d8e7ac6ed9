//! NLB target health checks on the clock: every `health_interval_s`, each
//! live node of the NLB checks each target of each target group from its
//! private address (whatever client IP preservation says), through the
//! NLB's security groups, both subnets' NACLs and the target's security
//! groups; a TCP check needs the port to accept, an HTTP / HTTPS one a 200
//! at the group's path (behind a worker node, at the ready pod kube-proxy
//! picks at random). One record per target group and target
//! ([`NlbState`]), kept as the ALB's are ([`crate::sim::alb::record_health`]):
//! `initial` → `healthy` / `unhealthy` by the group's thresholds, with
//! AWS's reason codes ([`HealthFailure`]). Fact sheet §9, §8.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{target_checks, HEALTH_CHECK_SRC_PORT};
use crate::sim::alb::{first_reason, record_health, HealthFailure, HealthRules, Target};
use crate::sim::check::PathChecks;
use crate::sim::net::*;
use crate::sim::scenario::*;
use crate::sim::world::*;

/// The NLBs' runtime state: each target's health as its target group
/// records it. Fact sheet §9, §8.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NlbState {
    /// One record per target, keyed `region|target group|target`
    /// ([`nlb_key`]).
    pub targets: BTreeMap<String, TargetHealth>,
}

/// The key of a target's health record in [`NlbState::targets`].
pub fn nlb_key(region: &str, target_group: &str, target: &str) -> String {
    format!("{region}|{target_group}|{target}")
}

impl NlbState {
    /// A target's health record in a region's NLB target group.
    pub fn health(&self, region: &str, target_group: &str, target: &str) -> Option<&TargetHealth> {
        self.targets.get(&nlb_key(region, target_group, target))
    }

    /// Whether a target's recorded state is healthy (one with no record
    /// yet is taken as healthy, as the ALB does).
    pub fn healthy(&self, region: &str, target_group: &str, target: &str) -> bool {
        self.health(region, target_group, target)
            .is_none_or(|h| h.state == TargetState::Healthy)
    }
}

/// The timing of an NLB target group's checks.
fn rules(tg: &NlbTargetGroup) -> HealthRules {
    HealthRules {
        interval_s: tg.health_interval_s,
        healthy_threshold: tg.healthy_threshold,
        unhealthy_threshold: tg.unhealthy_threshold,
    }
}

impl World {
    /// Keep one health record for exactly the targets each NLB target group
    /// checks (its Service's pods, or the worker nodes). A target there
    /// when the world starts begins healthy if it passes its check now and
    /// unhealthy (past the threshold) if it fails, as if the thresholds'
    /// rounds were long past; one registered later starts in `initial`
    /// and is first checked an interval later. A record kept through an
    /// edit keeps its counters; its next check comes no later than one
    /// (new) interval from now. Fact sheet §9, §8.
    pub(crate) fn init_nlb_runtime(&mut self) {
        let started = self.alb.started;
        let now = self.clock_ms;
        let s = std::sync::Arc::clone(&self.scenario);
        let mut keep = BTreeSet::new();
        for r in &s.regions {
            let Some(nlb) = &r.nlb else {
                continue;
            };
            for tg in &nlb.target_groups {
                for t in Self::nlb_members(r, tg) {
                    let key = nlb_key(&r.id, &tg.id, t.id);
                    keep.insert(key.clone());
                    let next_due_ms = now + tg.health_interval_s as u64 * 1000;
                    // A shorter interval set by an edit: the next check
                    // comes at most one new interval from now.
                    if let Some(h) = self.nlb.targets.get_mut(&key) {
                        h.next_due_ms = h.next_due_ms.min(next_due_ms);
                        continue;
                    }
                    let record = if started {
                        TargetHealth {
                            state: TargetState::Initial,
                            consecutive_failures: 0,
                            consecutive_successes: 0,
                            reason: first_reason(TargetState::Initial).into(),
                            next_due_ms,
                        }
                    } else {
                        match self.probe_nlb_target(r, nlb, tg, &t) {
                            Ok(()) => TargetHealth {
                                state: TargetState::Healthy,
                                consecutive_failures: 0,
                                consecutive_successes: 0,
                                reason: first_reason(TargetState::Healthy).into(),
                                next_due_ms,
                            },
                            Err(e) => TargetHealth {
                                state: TargetState::Unhealthy,
                                consecutive_failures: tg.unhealthy_threshold,
                                consecutive_successes: 0,
                                reason: e.to_string(),
                                next_due_ms,
                            },
                        }
                    };
                    self.nlb.targets.insert(key, record);
                }
            }
        }
        self.nlb.targets.retain(|k, _| keep.contains(k));
    }

    /// A target's scheduled check: probe from every live node, record,
    /// and log a change of state. A record whose target is gone is dropped.
    pub(crate) fn run_nlb_check(&mut self, key: &str) {
        let s = std::sync::Arc::clone(&self.scenario);
        let mut parts = key.splitn(3, '|');
        let (region, group, target) = (parts.next(), parts.next(), parts.next());
        let found = s
            .regions
            .iter()
            .find(|r| Some(r.id.as_str()) == region)
            .and_then(|r| {
                let nlb = r.nlb.as_ref()?;
                let tg = nlb
                    .target_groups
                    .iter()
                    .find(|t| Some(t.id.as_str()) == group)?;
                let t = Self::nlb_members(r, tg)
                    .into_iter()
                    .find(|t| Some(t.id) == target)?;
                Some((r, nlb, tg, t))
            });
        let Some((r, nlb, tg, t)) = found else {
            self.nlb.targets.remove(key);
            return;
        };
        let result = self.probe_nlb_target(r, nlb, tg, &t);
        let now = self.clock_ms;
        let Some(st) = self.nlb.targets.get_mut(key) else {
            return;
        };
        if let Some(text) = record_health(st, rules(tg), result, now) {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("{} target {} ({})", tg.id, t.id, r.id),
                text,
            });
        }
    }

    /// One round of an NLB target's health check: every live node checks
    /// it; the round fails with the first failing node's reason. No node
    /// up: `Elb.InternalError`. Behind a worker node (instance target)
    /// kube-proxy picks a ready pod at random, as for the ALB's checks.
    /// Fact sheet §9, §8.
    pub(crate) fn probe_nlb_target(
        &mut self,
        r: &Region,
        nlb: &Nlb,
        tg: &NlbTargetGroup,
        t: &Target,
    ) -> Result<(), HealthFailure> {
        let mut rng = self.rng.clone();
        let result = self.probe_nlb_with(r, nlb, tg, t, &mut |n| rng.index(n));
        self.rng = rng;
        result
    }

    /// [`World::probe_nlb_target`] with kube-proxy's pick given: `pick(n)`
    /// is the index of the ready pod a node's check reaches among `n`.
    pub(crate) fn probe_nlb_with(
        &self,
        r: &Region,
        nlb: &Nlb,
        tg: &NlbTargetGroup,
        t: &Target,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Result<(), HealthFailure> {
        let mut live = self.nlb_live_nodes(r, nlb).peekable();
        if live.peek().is_none() {
            return Err(HealthFailure::NoNodeUp);
        }
        for node in live {
            self.probe_from_node(r, nlb, (tg, node), t, pick)?;
        }
        Ok(())
    }

    fn nlb_live_nodes<'a>(
        &'a self,
        r: &'a Region,
        nlb: &'a Nlb,
    ) -> impl Iterator<Item = &'a NlbNode> {
        nlb.nodes
            .iter()
            .filter(move |n| self.placement_up(r, &n.subnet))
    }

    /// Whether every node's check of a target finds the same whichever
    /// ready pod kube-proxy picks: then a round's result is known without
    /// its draws (`sim::settle`).
    pub(crate) fn nlb_pick_blind(
        &self,
        r: &Region,
        nlb: &Nlb,
        tg: &NlbTargetGroup,
        t: &Target,
    ) -> bool {
        let most = r.cluster.pods.len().max(1);
        self.nlb_live_nodes(r, nlb).all(|node| {
            let first = self.probe_from_node(r, nlb, (tg, node), t, &mut |_| 0);
            (1..most).all(|k| {
                self.probe_from_node(r, nlb, (tg, node), t, &mut |n| k % n.max(1)) == first
            })
        })
    }

    /// One node's check of one target: from the node's private address
    /// through every filter both ways; then the target must accept (TCP)
    /// or answer 200 (HTTP / HTTPS). A worker node (instance target) passes
    /// it through kube-proxy to a ready pod (`pick`). Fact sheet §9, §8,
    /// §11, §12, §14.
    fn probe_from_node(
        &self,
        r: &Region,
        nlb: &Nlb,
        (tg, node): (&NlbTargetGroup, &NlbNode),
        t: &Target,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Result<(), HealthFailure> {
        let (Some(subnet), Some(ts)) = (r.vpc.subnet(&node.subnet), r.vpc.subnet(t.subnet)) else {
            return Err(HealthFailure::NotRegistered);
        };
        let (Some(src), Some(dst)) = (subnet.host(node.host), ts.host(t.host)) else {
            return Err(HealthFailure::NotRegistered);
        };
        let flow = Flow::v4(Protocol::Tcp, (src, HEALTH_CHECK_SRC_PORT), (dst, t.port));
        let path = target_checks(
            r,
            nlb,
            (subnet, ts, t.sgs),
            (&flow, false),
            (PathChecks::new(false), false),
        );
        if let Some(d) = path.denied {
            return Err(HealthFailure::Dropped(d.code()));
        }
        if !self.nlb_target_up(r, t) {
            return Err(HealthFailure::NoAnswer);
        }
        if let Some(p) = t.pod {
            return self.nlb_pod_check(tg, r, p);
        }
        let svc = r.cluster.services.iter().find(|s| s.id == tg.service);
        let app = svc.map(|s| s.app.as_str()).unwrap_or_default();
        let mut ready = self.k8s.ready_endpoints(r, app);
        if ready.is_empty() {
            return Err(HealthFailure::NoReadyEndpoint);
        }
        // `externalTrafficPolicy: Local`: only a ready endpoint on the node
        // itself answers. Fact sheet §28.
        if svc.is_some_and(|s| s.external_traffic_policy == TrafficPolicy::Local) {
            ready.retain(|p| p.node.as_deref() == Some(t.id));
            if ready.is_empty() {
                return Err(HealthFailure::NoLocalEndpoint);
            }
        }
        let p = ready[pick(ready.len()).min(ready.len() - 1)];
        if !self.pod_host_up(r, p) {
            return Err(HealthFailure::NoAnswer);
        }
        self.nlb_pod_check(tg, r, p)
    }

    /// What a pod answers an NLB's check: a crashed one resets it (any
    /// protocol); an HTTP / HTTPS check also needs an answer within the
    /// timeout and a 200 at the group's path.
    fn nlb_pod_check(&self, tg: &NlbTargetGroup, r: &Region, p: &Pod) -> Result<(), HealthFailure> {
        let fault = |f: fn(String) -> Fault| self.has_fault(|| f(p.id.clone()));
        if fault(|pod| Fault::PodDown { pod }) {
            return Err(HealthFailure::Refused);
        }
        if tg.health_protocol.is_tcp() {
            return Ok(());
        }
        if fault(|pod| Fault::PodHung { pod }) {
            return Err(HealthFailure::Hung {
                timeout_s: tg.health_timeout_s,
            });
        }
        if fault(|pod| Fault::TargetUnhealthy { pod }) {
            return Err(HealthFailure::Status500);
        }
        match r.cluster.app_answer(&tg.health_path).unwrap_or(200) {
            200 => Ok(()),
            status => Err(HealthFailure::CodeMismatch { status }),
        }
    }

    /// Each NLB target's health records, for the inspector and tests.
    pub fn nlb_state(&self) -> &NlbState {
        &self.nlb
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::edit::Edit;
    use crate::sim::trace::Direction;
    use crate::sim::world::{TargetState, World};

    /// Fact sheet §9, §8: once an NLB's targets are steady (healthy and
    /// passing, or unhealthy and failing), their checks settle like the
    /// ALB's: a long advance is arithmetic, not round after round.
    #[test]
    fn steady_nlb_checks_settle_and_keep_counting() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::AddNlb {
            region: "us-east-1".into(),
        })
        .unwrap();
        w.apply_edit(&Edit::AddSgRule {
            sg: "sg-app-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: "8080".into(),
            peer: "10.0.0.0/16".into(),
            action: None,
        })
        .unwrap();
        w.advance(120_000);
        assert!(w
            .nlb
            .targets
            .values()
            .all(|h| h.state == TargetState::Healthy));
        assert!(w.settled_plan(w.now_ms() + 24 * 3_600_000).is_some());
        let before = w.nlb.targets["us-east-1|tg-nlb-a|pod-a-1"].consecutive_successes;
        let mut stepped = w.clone();
        w.advance(24 * 3_600_000);
        stepped.advance_stepwise(24 * 3_600_000);
        assert!(w == stepped);
        // Every 30 s for a day: 2,880 more passed checks.
        let after = w.nlb.targets["us-east-1|tg-nlb-a|pod-a-1"].consecutive_successes;
        assert_eq!(after - before, 2_880);
    }
}
