//! The Network Load Balancer's inspector rows: scheme, nodes per AZ with
//! their addresses, security groups, cross-zone, listeners with their idle
//! timeouts and TLS handling, and each target group with its targets in
//! service now, whether they see the client's address, and each target's
//! recorded health state and reason. Fact sheet §9, §8, §26.

use super::Row;
use crate::sim::scenario::{Nlb, NlbProtocol, NlbTargetGroup, Region, TargetType};
use crate::sim::world::{TargetHealth, TargetState, World};

/// A target's health record in words: its state, the reason, the run of
/// results that counts toward the thresholds and when the next check is.
fn health_text(w: &World, tg: &NlbTargetGroup, h: &TargetHealth) -> String {
    let state = match h.state {
        TargetState::Healthy => "healthy",
        TargetState::Unhealthy => "unhealthy",
        TargetState::Initial => "initial",
    };
    let run = if h.consecutive_failures > 0 {
        let at = if h.state == TargetState::Unhealthy {
            String::new()
        } else {
            format!(" (unhealthy at {})", tg.unhealthy_threshold)
        };
        format!("{} failed in a row{at}", h.consecutive_failures)
    } else {
        let at = if h.state == TargetState::Unhealthy {
            format!(" (healthy again at {})", tg.healthy_threshold)
        } else {
            String::new()
        };
        format!("{} passed in a row{at}", h.consecutive_successes)
    };
    let next = h.next_due_ms.saturating_sub(w.now_ms()).div_ceil(1000);
    format!(
        "{state}: {}; {run}; next check in {next} s (every {} s)",
        h.reason, tg.health_interval_s
    )
}

pub(super) fn nlb(w: &World, r: &Region, n: &Nlb) -> Vec<Row> {
    let mut rows: Vec<Row> = vec![
        (
            "load balancer".into(),
            format!("{} (network, layer 4)", n.id),
        ),
        ("DNS name".into(), n.dns_name.clone()),
        ("scheme".into(), n.scheme.as_str().into()),
    ];
    for node in &n.nodes {
        let sub = r.vpc.subnet(&node.subnet);
        let private = sub
            .and_then(|s| s.host(node.host))
            .map(|a| a.to_string())
            .unwrap_or_default();
        let az = sub.map(|s| s.az.as_str()).unwrap_or_default();
        let public = node
            .public_ip
            .map(|ip| format!("{ip} -> "))
            .unwrap_or_default();
        rows.push((
            format!("node {az}"),
            format!("{public}{private} in {}", node.subnet),
        ));
    }
    rows.push((
        "security groups".into(),
        if n.security_groups.is_empty() {
            "none: no security group check at the NLB".into()
        } else {
            n.security_groups.join(", ")
        },
    ));
    rows.push((
        "cross-zone".into(),
        if n.cross_zone {
            "on: each node sends to targets in every AZ".into()
        } else {
            "off (default): each node sends only to its own AZ's targets".into()
        },
    ));
    for l in &n.listeners {
        let tls = match l.protocol {
            NlbProtocol::Tls => format!("terminates TLS ({})", l.certificate_domains.join(", ")),
            NlbProtocol::Tcp if l.port == 443 => "passes TLS through to the targets".into(),
            _ => String::new(),
        };
        rows.push((
            format!("listener {} {}", l.protocol.as_str(), l.port),
            format!(
                "-> {}; idle timeout {} s{}",
                l.target_group,
                l.idle_timeout(),
                if tls.is_empty() {
                    String::new()
                } else {
                    format!("; {tls}")
                }
            ),
        ));
    }
    for tg in &n.target_groups {
        let targets = w.nlb_targets(r, tg);
        // Each target's recorded health: what the NLB's checks have found
        // so far (fact sheet §9, §8).
        let health = |id: &str| w.nlb_state().health(&r.id, &tg.id, id);
        let ids: Vec<String> = targets
            .iter()
            .map(|t| match health(t.id).map(|h| h.state) {
                Some(TargetState::Unhealthy) => format!("{} (unhealthy)", t.id),
                Some(TargetState::Initial) => format!("{} (initial)", t.id),
                _ => t.id.to_string(),
            })
            .collect();
        rows.push((
            format!("target group {}", tg.id),
            format!(
                "{} {} targets on {} {}; client IP preservation {}{}; health check {}{}",
                ids.len(),
                match tg.target_type {
                    TargetType::Ip => "ip",
                    TargetType::Instance => "instance",
                },
                tg.protocol.as_str(),
                tg.port,
                if tg.preserves_client_ip() {
                    "on"
                } else {
                    "off"
                },
                if tg.preserve_client_ip.is_none() {
                    " (default)"
                } else {
                    ""
                },
                tg.health_protocol.as_str(),
                if tg.health_protocol.is_tcp() {
                    String::new()
                } else {
                    format!(" {}", tg.health_path)
                },
            ),
        ));
        if !ids.is_empty() {
            rows.push((format!("targets {}", tg.id), ids.join(", ")));
        }
        // Every target the group checks (a pod that is not ready is not
        // registered, but still has its record), its state and reason.
        for t in World::nlb_members(r, tg) {
            if let Some(h) = health(t.id) {
                rows.push((format!("health {} {}", tg.id, t.id), health_text(w, tg, h)));
            }
        }
    }
    rows
}
