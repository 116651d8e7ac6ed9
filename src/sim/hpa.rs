//! The HorizontalPodAutoscaler: every 15 s on the clock it reads each
//! watched deployment's CPU utilization (usage ÷ request, from Hoplab's CPU
//! model of the last burst) and sets the replicas through the same scaling
//! the `scale_pods` edit does. desired = ceil(current × current / target),
//! nothing within the 0.1 tolerance, scale-up at most 100 % or 4 pods per
//! period (the larger), scale-down only to the highest recommendation of
//! the last 300 s, no action without a CPU request. Fact sheet §28.

use serde::{Deserialize, Serialize};

use super::edit::Edit;
use super::limits::*;
use super::world::{World, WorldEvent};

/// The diagram's and inspector's id of an autoscaler: `hpa-REGION-APP`.
pub fn node_id(region: &str, app: &str) -> String {
    format!("hpa-{region}-{app}")
}

/// Why an autoscaler did not act on CPU. Fact sheet §28.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HpaIdle {
    /// It computed a count (maybe the same one).
    Active,
    /// Switched off.
    Disabled,
    /// The pods have no CPU request: no utilization to act on.
    NoCpuRequest,
    /// The deployment has no pods (`ScalingActive` false).
    NoPods,
}

/// One autoscaler's state on the clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HpaState {
    pub next_due_ms: u64,
    /// Pods of the deployment after the last round.
    pub current: u32,
    /// The count the last round asked for (before the policies).
    pub desired: u32,
    /// Average CPU utilization of the ready pods, percent of the request.
    pub cpu_percent: Option<u32>,
    pub idle: HpaIdle,
    /// Recommendations of the last scale-down window: (at, replicas).
    pub recommendations: Vec<(u64, u32)>,
}

/// What one round decided, before scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaDecision {
    /// Average utilization, percent, over the ready pods.
    pub cpu_percent: u32,
    /// ceil(current × ratio), within min and max (the current count inside
    /// the tolerance).
    pub desired: u32,
    /// What the policies and the stabilization window allow.
    pub next: u32,
}

/// The autoscaler's arithmetic. `total_percent` is the utilization summed
/// over the ready pods; not-ready pods count 0 % on the way up and 100 % of
/// the target on the way down; `window_max` is the highest recommendation
/// kept from the last 300 s. Fact sheet §28.
pub fn decide(
    (current, ready): (u32, u32),
    total_percent: u64,
    (target, min, max): (u32, u32, u32),
    window_max: u32,
) -> HpaDecision {
    let target = target.max(1) as u64;
    let avg = if ready == 0 {
        0
    } else {
        total_percent / ready as u64
    };
    let cur = current as u64;
    let not_ready = cur.saturating_sub(ready as u64);
    // ratio = avg / target; within 0.1 of 1: no action.
    let up = total_percent * 1000 > target * 1000 * cur;
    let total = if up {
        total_percent
    } else {
        total_percent + not_ready * target
    };
    // |total / (cur * target) - 1| <= 0.1
    let within =
        (total * 1000).abs_diff(cur * target * 1000) <= HPA_TOLERANCE_PERMILLE * cur * target;
    let raw = if within || cur == 0 {
        cur
    } else {
        total.div_ceil(target)
    };
    let desired = (raw as u32).clamp(min, max.max(min));
    let next = if desired > current {
        let limit = (current.saturating_mul(2)).max(current + HPA_SCALE_UP_PODS);
        desired.min(limit)
    } else if desired < current {
        window_max.max(desired).min(current)
    } else {
        current
    };
    HpaDecision {
        cpu_percent: avg as u32,
        desired,
        next,
    }
}

impl World {
    /// Keep one state per autoscaler (new ones first act 15 s from now).
    pub(crate) fn init_hpa_runtime(&mut self) {
        let now = self.clock_ms;
        let mut keys = Vec::new();
        for r in &self.scenario.regions {
            for a in &r.cluster.autoscalers {
                let key = format!("{}/{}", r.id, a.app);
                let pods = r.cluster.pods.iter().filter(|p| p.app == a.app).count() as u32;
                self.k8s.hpa.entry(key.clone()).or_insert(HpaState {
                    next_due_ms: now + HPA_SYNC_S * 1000,
                    current: pods,
                    desired: pods,
                    cpu_percent: None,
                    idle: HpaIdle::Active,
                    recommendations: Vec::new(),
                });
                keys.push(key);
            }
        }
        self.k8s.hpa.retain(|k, _| keys.contains(k));
        let watched: Vec<String> = self
            .scenario
            .regions
            .iter()
            .flat_map(|r| {
                r.cluster
                    .pods
                    .iter()
                    .filter(|p| r.cluster.autoscalers.iter().any(|a| a.app == p.app))
                    .map(|p| p.id.clone())
            })
            .collect();
        self.k8s.load.retain(|k, _| watched.contains(k));
    }

    /// The next autoscaler round due by `end`.
    pub(crate) fn hpa_due(&self, end: u64) -> Option<u64> {
        self.k8s
            .hpa
            .values()
            .map(|h| h.next_due_ms)
            .filter(|t| *t <= end)
            .min()
    }

    /// Whether every autoscaler round due by `end` would change nothing
    /// but its own record, the same way each time: each autoscaler is off
    /// (or has no request or no pods), or its load is over by its next
    /// round, all its pods are ready and stay so (their probes steady until
    /// `end`) and `decide` keeps the count. Then the rounds can be computed
    /// at the end of the advance ([`World::hpa_fast_forward`]).
    pub(crate) fn hpa_quiet(&self, end: u64) -> bool {
        let steady = self.steady_probes(end);
        self.k8s.hpa.iter().all(|(key, st)| {
            let Some((region, app)) = key.split_once('/') else {
                return false;
            };
            let Some(r) = self.scenario.regions.iter().find(|r| r.id == region) else {
                return false;
            };
            let Some(a) = r.cluster.autoscalers.iter().find(|a| a.app == app) else {
                return false;
            };
            let pods: Vec<&str> = r
                .cluster
                .pods
                .iter()
                .filter(|p| p.app == app)
                .map(|p| p.id.as_str())
                .collect();
            let Some(request) = a.cpu_request_m.filter(|_| a.enabled && !pods.is_empty()) else {
                return true;
            };
            let loaded = pods.iter().any(|p| {
                self.k8s
                    .load
                    .get(*p)
                    .is_some_and(|(at, _)| st.next_due_ms < at + HPA_LOAD_WINDOW_S * 1000)
            });
            let ready_throughout = pods.iter().all(|p| {
                self.k8s.probes.get(*p).is_some_and(|s| {
                    s.ready && (s.next_due_ms > end || steady.iter().any(|x| x.pod == *p && x.ok))
                })
            });
            if loaded || !ready_throughout {
                return false;
            }
            let n = pods.len() as u32;
            let total = HPA_IDLE_CPU_M * n as u64 * 100 / request.max(1) as u64;
            let d = decide(
                (n, n),
                total,
                (a.target_cpu_percent, a.min_replicas, a.max_replicas),
                0,
            );
            d.desired == n && d.next == n
        })
    }

    /// The quiet rounds due by `end` (see [`World::hpa_quiet`]), at once:
    /// what running them one by one leaves.
    pub(crate) fn hpa_fast_forward(&mut self, end: u64) {
        let period = HPA_SYNC_S * 1000;
        let window = HPA_SCALE_DOWN_WINDOW_S * 1000;
        let s = std::sync::Arc::clone(&self.scenario);
        for (key, st) in self.k8s.hpa.iter_mut() {
            if st.next_due_ms > end {
                continue;
            }
            let rounds = (end - st.next_due_ms) / period + 1;
            let last = st.next_due_ms + (rounds - 1) * period;
            let first = st.next_due_ms;
            st.next_due_ms = last + period;
            let Some((region, app)) = key.split_once('/') else {
                continue;
            };
            let Some(r) = s.regions.iter().find(|r| r.id == region) else {
                continue;
            };
            let Some(a) = r.cluster.autoscalers.iter().find(|a| a.app == app) else {
                continue;
            };
            let n = r.cluster.pods.iter().filter(|p| p.app == app).count() as u32;
            st.current = n;
            st.desired = n;
            match a.cpu_request_m.filter(|_| a.enabled && n > 0) {
                None => {
                    st.idle = if !a.enabled {
                        HpaIdle::Disabled
                    } else if a.cpu_request_m.is_none() {
                        HpaIdle::NoCpuRequest
                    } else {
                        HpaIdle::NoPods
                    };
                    st.cpu_percent = None;
                }
                Some(request) => {
                    st.idle = HpaIdle::Active;
                    let total = HPA_IDLE_CPU_M * n as u64 * 100 / request.max(1) as u64;
                    st.cpu_percent = Some((total / n as u64) as u32);
                    // Each round keeps the recommendations of its window.
                    st.recommendations.retain(|(at, _)| at + window > last);
                    let from = first.max((last + period).saturating_sub(window));
                    let skip = (from - first).div_ceil(period);
                    let mut t = first + skip * period;
                    while t <= last {
                        if t + window > last {
                            st.recommendations.push((t, n));
                        }
                        t += period;
                    }
                }
            }
        }
    }

    /// Every autoscaler round due now.
    pub(crate) fn run_hpa(&mut self) {
        let now = self.clock_ms;
        let due: Vec<String> = self
            .k8s
            .hpa
            .iter()
            .filter(|(_, h)| h.next_due_ms <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            self.run_one_hpa(&key, now);
            self.trim_events();
        }
    }

    fn run_one_hpa(&mut self, key: &str, now: u64) {
        let Some((region, app)) = key.split_once('/') else {
            return;
        };
        let s = std::sync::Arc::clone(&self.scenario);
        let Some(r) = s.regions.iter().find(|r| r.id == region) else {
            return;
        };
        let Some(a) = r.cluster.autoscalers.iter().find(|a| a.app == app) else {
            return;
        };
        let pods: Vec<&str> = r
            .cluster
            .pods
            .iter()
            .filter(|p| p.app == app)
            .map(|p| p.id.as_str())
            .collect();
        let current = pods.len() as u32;
        let ready = pods.iter().filter(|p| self.k8s.ready(p)).count() as u32;
        let window = HPA_SCALE_DOWN_WINDOW_S * 1000;
        let Some(st) = self.k8s.hpa.get_mut(key) else {
            return;
        };
        st.next_due_ms = now + HPA_SYNC_S * 1000;
        st.current = current;
        let idle = if !a.enabled {
            HpaIdle::Disabled
        } else if a.cpu_request_m.is_none() {
            HpaIdle::NoCpuRequest
        } else if current == 0 {
            HpaIdle::NoPods
        } else {
            HpaIdle::Active
        };
        st.idle = idle;
        let Some(request) = a.cpu_request_m.filter(|_| idle == HpaIdle::Active) else {
            st.desired = current;
            st.cpu_percent = None;
            return;
        };
        // Hoplab's CPU model: the last burst's requests spread over the
        // load window, shared by the ready pods, plus each pod's idle use.
        let served: u64 = pods
            .iter()
            .filter_map(|p| self.k8s.load.get(*p))
            .filter(|(at, _)| now < at + HPA_LOAD_WINDOW_S * 1000)
            .map(|(_, n)| *n as u64)
            .sum();
        let busy_m = served * HPA_CPU_MS_PER_REQUEST / HPA_LOAD_WINDOW_S;
        let total_m = busy_m + HPA_IDLE_CPU_M * ready as u64;
        let total_percent = total_m * 100 / request.max(1) as u64;
        let st = self.k8s.hpa.get_mut(key).expect("present above");
        st.recommendations.retain(|(at, _)| at + window > now);
        let window_max = st
            .recommendations
            .iter()
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        let d = decide(
            (current, ready),
            total_percent,
            (a.target_cpu_percent, a.min_replicas, a.max_replicas),
            window_max,
        );
        st.recommendations.push((now, d.desired));
        st.desired = d.desired;
        st.cpu_percent = Some(d.cpu_percent);
        if d.next == current {
            return;
        }
        let text = format!(
            "CPU {} % of the {request}m request (target {} %) over {ready} ready pods: desired {}; {} {current} → {} pods",
            d.cpu_percent,
            a.target_cpu_percent,
            d.desired,
            if d.next > current {
                "scale-up policy (100 % or 4 pods per 15 s):"
            } else {
                "highest recommendation of the last 300 s:"
            },
            d.next
        );
        let edit = Edit::ScalePods {
            region: region.to_string(),
            app: app.to_string(),
            replicas: d.next.to_string(),
        };
        // Through the installed edits: a world holds an autoscaler only
        // after an edit or a read world, which bring them in the hosted page.
        let text = match crate::sim::script::edit(self, &edit) {
            Ok(_) => text,
            Err(e) => format!("{text} refused: {e}"),
        };
        if let Some(st) = self.k8s.hpa.get_mut(key) {
            st.current = self
                .scenario
                .regions
                .iter()
                .find(|r| r.id == region)
                .map_or(0, |r| {
                    r.cluster.pods.iter().filter(|p| p.app == app).count() as u32
                });
        }
        self.events.push(WorldEvent {
            at_ms: now,
            source: format!("HPA {app} ({region})"),
            text,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_pods_at_150_percent_of_a_100_percent_target_become_five() {
        // Fact sheet §28: ceil(3 × 150 / 100) = ceil(4.5) = 5.
        let d = decide((3, 3), 450, (100, 1, 10), 0);
        assert_eq!((d.cpu_percent, d.desired, d.next), (150, 5, 5));
    }

    #[test]
    fn within_the_tolerance_nothing_changes() {
        // Fact sheet §28: |ratio - 1| <= 0.1 → no action.
        let d = decide((4, 4), 4 * 108, (100, 1, 10), 0);
        assert_eq!(d.desired, 4);
        let d = decide((4, 4), 4 * 115, (100, 1, 10), 0);
        assert_eq!(d.desired, 5);
    }
}
