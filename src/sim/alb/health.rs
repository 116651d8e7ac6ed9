//! ALB target health checks: on the clock, from a load balancer node to
//! each registered target through security groups and NACLs, with AWS's
//! reason codes; the bookkeeping is [`super::AlbState::record_check`].
//! Fact sheet §8.

use super::Target;
use crate::sim::net::*;
use crate::sim::scenario::*;
use crate::sim::trace::*;
use crate::sim::world::*;

/// Why a target failed an ALB health check, as AWS reports its reason
/// code. Fact sheet §8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthFailure {
    /// `Target.NotRegistered`.
    NotRegistered,
    /// `Elb.InternalError`: no load balancer node is up to check from.
    NoNodeUp,
    /// `Target.Timeout`: a filter on the way dropped the check.
    Dropped(Code),
    /// `Target.Timeout`: nothing answers (target, AZ or region down).
    NoAnswer,
    /// `Target.FailedHealthChecks`: the connection is refused.
    Refused,
    /// `Target.Timeout`: accepted, but no response within the check's timeout.
    Hung { timeout_s: u32 },
    /// `Target.ResponseCodeMismatch`: HTTP 500 where 200 is expected.
    Status500,
    /// `Target.FailedHealthChecks`: no ready endpoint behind the NodePort.
    NoReadyEndpoint,
    /// `Target.FailedHealthChecks`: `externalTrafficPolicy: Local` and no
    /// ready endpoint on this node (its healthCheckNodePort fails).
    NoLocalEndpoint,
    /// `Target.ResponseCodeMismatch`: a status the matcher does not accept.
    CodeMismatch { status: u16 },
    /// `Target.FailedHealthChecks`: an HTTPS check on a target that
    /// speaks plain HTTP.
    TlsFailed,
}

impl std::fmt::Display for HealthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthFailure::NotRegistered => f.write_str("Target.NotRegistered"),
            HealthFailure::NoNodeUp => f.write_str("Elb.InternalError (no load balancer node up)"),
            HealthFailure::Dropped(c) => write!(f, "Target.Timeout ({c})"),
            HealthFailure::NoAnswer => f.write_str("Target.Timeout (no answer)"),
            HealthFailure::Refused => f.write_str("Target.FailedHealthChecks (connection refused)"),
            HealthFailure::Hung { timeout_s } => {
                write!(f, "Target.Timeout (no response within {timeout_s} s)")
            }
            HealthFailure::Status500 => {
                f.write_str("Target.ResponseCodeMismatch (HTTP 500, expected 200)")
            }
            HealthFailure::NoLocalEndpoint => f.write_str(
                "Target.FailedHealthChecks (externalTrafficPolicy Local: no ready endpoint on this node, its healthCheckNodePort fails)",
            ),
            HealthFailure::NoReadyEndpoint => {
                f.write_str("Target.FailedHealthChecks (no ready endpoint behind the NodePort)")
            }
            HealthFailure::CodeMismatch { status } => write!(
                f,
                "Target.ResponseCodeMismatch (HTTP {status}, not one of the matcher's success codes)"
            ),
            HealthFailure::TlsFailed => f.write_str(
                "Target.FailedHealthChecks (TLS handshake failed: the target speaks plain HTTP)"
            ),
        }
    }
}

/// The target group whose health-check settings (interval, thresholds)
/// apply to a target: for a pod, the group whose Service selects the pod's
/// app (target type ip); for a worker node, the first group of target type
/// instance. A pod no group's Service selects falls back to the first group
/// of type ip. Health records are kept per target id, so a target in two
/// groups is checked with the settings of the first. Fact sheet §8.
pub(crate) fn home_group<'a>(r: &'a Region, id: &str) -> Option<&'a TargetGroup> {
    // A group no Service is bound to (created at the load balancer) has
    // no targets of its own.
    let tgs = || r.alb.target_groups.iter().filter(|t| t.bound());
    if let Some(pod) = r.cluster.pods.iter().find(|p| p.id == id) {
        let serves = |tg: &&TargetGroup| {
            tg.target_type == TargetType::Ip
                && r.cluster
                    .services
                    .iter()
                    .any(|s| s.id == tg.service && s.app == pod.app)
        };
        return tgs()
            .find(serves)
            .or_else(|| tgs().find(|tg| tg.target_type == TargetType::Ip));
    }
    if r.cluster.nodes.iter().any(|n| n.id == id) {
        return tgs().find(|tg| tg.target_type == TargetType::Instance);
    }
    None
}

impl World {
    /// Make sure every registered target of every target group has a
    /// health record (pods for ip, nodes for instance).
    pub(crate) fn init_lb_runtime(&mut self) {
        let now = self.clock_ms;
        let mut ids = Vec::new();
        for r in &self.scenario.regions {
            // A group no Service is bound to has no targets to check.
            for tg in r.alb.target_groups.iter().filter(|t| t.bound()) {
                let all: Vec<&str> = match tg.target_type {
                    TargetType::Ip => r.cluster.pods.iter().map(|p| p.id.as_str()).collect(),
                    TargetType::Instance => r.cluster.nodes.iter().map(|n| n.id.as_str()).collect(),
                };
                for id in all {
                    // Each target is checked on its own group's interval.
                    let home = home_group(r, id).unwrap_or(tg);
                    ids.push((id.to_string(), home.health_interval_s));
                }
            }
        }
        self.alb.register(ids, now);
    }

    /// The region and target group a target id belongs to.
    fn target_home(&self, id: &str) -> Option<(usize, TargetGroup)> {
        self.scenario
            .regions
            .iter()
            .enumerate()
            .find_map(|(i, r)| home_group(r, id).map(|tg| (i, tg.clone())))
    }

    /// A target's scheduled health check: probe, record, and log a change
    /// of state.
    pub(crate) fn run_target_check(&mut self, target: &str) {
        let Some((ri, tg)) = self.target_home(target) else {
            self.alb.targets.remove(target);
            return;
        };
        let result = self.probe_target(ri, &tg, target);
        let now = self.clock_ms;
        if let Some(text) = self.alb.record_check(target, &tg, result, now) {
            let region_id = &self.scenario.regions[ri].id;
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("{} target {target} ({region_id})", tg.id),
                text,
            });
        }
    }

    /// One ALB health check: GET the health path on the target, from a load
    /// balancer node, through SGs and NACLs both ways. Reason codes as AWS
    /// reports them. Fact sheet §8.
    pub(crate) fn probe_target(
        &mut self,
        ri: usize,
        tg: &TargetGroup,
        target: &str,
    ) -> Result<(), HealthFailure> {
        let s = std::sync::Arc::clone(&self.scenario);
        let r = &s.regions[ri];
        let Some(t) = self.all_targets(r, tg).into_iter().find(|t| t.id == target) else {
            return Err(HealthFailure::NotRegistered);
        };
        let Some(node) = r
            .alb
            .nodes
            .iter()
            .find(|n| self.placement_up(r, &n.subnet))
            .cloned()
        else {
            return Err(HealthFailure::NoNodeUp);
        };
        let mut scratch = Recorder::off();
        let (conn, _) = self.vpc_connect(
            r,
            (
                Endpoint {
                    id: "alb",
                    subnet: &node.subnet,
                    host: node.host,
                    sgs: &r.alb.security_groups,
                },
                EphemeralRange::Elb,
            ),
            (
                Endpoint {
                    id: target,
                    subnet: t.subnet,
                    host: t.host,
                    sgs: t.sgs,
                },
                tg.check_port(t.port),
            ),
            &mut scratch,
        );
        match conn {
            Connect::Dropped(c) => Err(HealthFailure::Dropped(c)),
            Connect::Silent => Err(HealthFailure::NoAnswer),
            // Nothing listens on another port than the traffic port.
            Connect::Ok if tg.check_port(t.port) != t.port => Err(HealthFailure::Refused),
            Connect::Ok => match &t.pod {
                Some(p) => self.health_endpoint(r, tg, p),
                None => self.node_health(r, tg, &t),
            },
        }
    }

    /// What a pod's health endpoint answers.
    fn health_endpoint(&self, r: &Region, tg: &TargetGroup, p: &Pod) -> Result<(), HealthFailure> {
        if !self.pod_host_up(r, p) {
            Err(HealthFailure::NoAnswer)
        } else if self.has_fault(|| Fault::PodDown { pod: p.id.clone() }) {
            Err(HealthFailure::Refused)
        } else if self.has_fault(|| Fault::PodHung { pod: p.id.clone() }) {
            Err(HealthFailure::Hung {
                timeout_s: tg.health_timeout_s,
            })
        } else if tg.health_protocol == HealthProtocol::Https {
            Err(HealthFailure::TlsFailed)
        } else if self
            .faults
            .contains(&Fault::TargetUnhealthy { pod: p.id.clone() })
        {
            if tg.matcher == crate::sim::limits::ALB_HC_DEFAULT_MATCHER {
                Err(HealthFailure::Status500)
            } else {
                Err(HealthFailure::CodeMismatch { status: 500 })
            }
        } else {
            // The application's answer at the check's path; the matcher
            // decides. Fact sheet §8.
            let status = r.cluster.app_answer(&tg.health_path).unwrap_or(200);
            if tg.matcher_accepts(status) {
                Ok(())
            } else {
                Err(HealthFailure::CodeMismatch { status })
            }
        }
    }

    /// A node target (type instance): up, and its NodePort leads through
    /// kube-proxy to a ready pod that answers.
    fn node_health(
        &mut self,
        r: &Region,
        tg: &TargetGroup,
        t: &Target,
    ) -> Result<(), HealthFailure> {
        if self.has_fault(|| Fault::NodeDown {
            node: t.id.to_string(),
        }) || !self.placement_up(r, t.subnet)
        {
            return Err(HealthFailure::NoAnswer);
        }
        let svc = r.cluster.services.iter().find(|s| s.id == tg.service);
        let svc_app = svc.map(|s| s.app.as_str()).unwrap_or_default();
        let mut ready = self.k8s.ready_endpoints(r, svc_app);
        if ready.is_empty() {
            return Err(HealthFailure::NoReadyEndpoint);
        }
        // `externalTrafficPolicy: Local`: the node's healthCheckNodePort
        // answers healthy only with a ready endpoint on the node itself.
        // Fact sheet §28.
        if svc.is_some_and(|s| s.external_traffic_policy == TrafficPolicy::Local) {
            ready.retain(|p| p.node.as_deref() == Some(t.id));
            if ready.is_empty() {
                return Err(HealthFailure::NoLocalEndpoint);
            }
        }
        let i = self.rng.index(ready.len());
        self.health_endpoint(r, tg, ready[i])
    }

    /// Every target a group could have, registered or not.
    fn all_targets<'a>(&self, r: &'a Region, tg: &TargetGroup) -> Vec<Target<'a>> {
        match tg.target_type {
            TargetType::Ip => r
                .cluster
                .pods
                .iter()
                .map(|p| Target::of_pod(p, tg.port))
                .collect(),
            TargetType::Instance => self.targets(r, tg),
        }
    }
}
