//! The inspector's compact "Live state": the engine's [`LiveState`] as a
//! few label/value rows, the ones that matter first (what is unhealthy,
//! what is cached and for how long, what the clock does next).

use crate::sim::event::alb::TargetStatus;
use crate::sim::inspect::LiveState;
use crate::sim::time::fmt_clock;

/// How many cache entries and events the compact view lists.
pub const COMPACT_ITEMS: usize = 4;

/// The live state as (label, value) rows.
pub fn live_rows(s: &LiveState) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for h in &s.health_checks {
        let up = h.checkers.iter().filter(|c| c.healthy).count();
        let checkers = if h.checkers.is_empty() {
            String::new()
        } else {
            format!(", {up} of {} checkers healthy", h.checkers.len())
        };
        let verdict = if h.healthy { "healthy" } else { "UNHEALTHY" };
        rows.push((format!("check {}", h.id), format!("{verdict}{checkers}")));
    }
    for tg in &s.target_groups {
        let count = |st: TargetStatus| tg.targets.iter().filter(|t| t.status == st).count();
        let mut v = format!(
            "{} of {} healthy",
            count(TargetStatus::Healthy),
            tg.targets.len()
        );
        for t in tg
            .targets
            .iter()
            .filter(|t| t.status != TargetStatus::Healthy)
        {
            v.push_str(&format!("; {} {}", t.id, t.status.as_str()));
        }
        rows.push((format!("targets {}", tg.id), v));
    }
    for svc in &s.services {
        let v = format!(
            "{} ready{}",
            svc.endpoints.len(),
            if svc.not_ready.is_empty() {
                String::new()
            } else {
                format!(", not ready: {}", svc.not_ready.join(", "))
            }
        );
        rows.push((format!("endpoints {}", svc.id), v));
    }
    rows.push(("cache entries".into(), s.caches.len().to_string()));
    let mut caches: Vec<_> = s.caches.iter().collect();
    caches.sort_by_key(|c| c.ttl_left_s);
    for c in caches.into_iter().take(COMPACT_ITEMS) {
        let owner = if c.owner.is_empty() {
            String::new()
        } else {
            format!(" {}", c.owner)
        };
        rows.push((
            format!("{}{owner}", c.cache.label()),
            format!("{} {} ({} s left)", c.key, c.value, c.ttl_left_s),
        ));
    }
    for w in &s.waf {
        rows.push((
            format!("WAF {}", w.rule),
            format!("{}: {} in the window", w.address, w.count),
        ));
    }
    let recent = s.recent_events.iter().rev().take(COMPACT_ITEMS);
    for e in recent {
        rows.push((
            format!("at {}", fmt_clock(e.at_ms)),
            format!("{}: {}", e.source, e.text),
        ));
    }
    if let Some(n) = s.scheduled.first() {
        rows.push((
            "next".into(),
            format!("{} at {}: {}", n.work, fmt_clock(n.at_ms), n.id),
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Fault, World};

    #[test]
    fn a_crashed_pod_shows_in_its_target_group_and_its_service() {
        let mut w = World::default_world();
        w.set_fault(
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
            true,
        );
        w.advance(60_000);
        let rows = live_rows(&w.live_state());
        let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1.clone());
        assert_eq!(
            get("targets tg-appointments-a").as_deref(),
            Some("3 of 4 healthy; pod-a-1 draining")
        );
        assert_eq!(
            get("endpoints svc-a").as_deref(),
            Some("3 ready, not ready: pod-a-1")
        );
        assert!(get("check hc-cluster-a").is_some_and(|v| v.starts_with("healthy")));
        assert!(rows.iter().any(|r| r.0 == "next"));
    }
}
