//! The Network Load Balancer's inspector rows: scheme, nodes per AZ with
//! their addresses, security groups, cross-zone, listeners with their idle
//! timeouts and TLS handling, and each target group with its targets in
//! service now and whether they see the client's address. Fact sheet §9, §26.

use super::Row;
use crate::sim::scenario::{Nlb, NlbProtocol, Region, TargetType};
use crate::sim::world::World;

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
        // Health as the node in the target's AZ (or the first) checks it.
        let checker = |t: &crate::sim::alb::Target| {
            let az = r.vpc.subnet(t.subnet).map(|s| s.az.as_str());
            n.nodes
                .iter()
                .find(|x| r.vpc.subnet(&x.subnet).map(|s| s.az.as_str()) == az)
                .or(n.nodes.first())
        };
        let ids: Vec<String> = targets
            .iter()
            .map(|t| match checker(t) {
                Some(x) if !w.nlb_target_healthy(r, n, (tg, x), t) => {
                    format!("{} (unhealthy)", t.id)
                }
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
    }
    rows
}
