//! The Application Load Balancer: listener, rules, target groups and the
//! health of each target.

use super::{target_health_text, Row};
use crate::sim::scenario::{Algorithm, Region, TargetGroup, TargetType};
use crate::sim::world::World;

/// The ALB: DNS name, listener and certificates, rules, target groups and
/// the health of every pod it targets.
pub(super) fn alb(w: &World, r: &Region) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    row("DNS name", r.alb.dns_name.clone());
    let v6 = w.alb_ipv6_addresses(r);
    row(
        "IP address type",
        if v6.is_empty() {
            format!("{}: no AAAA answer", r.alb.ip_address_type.as_str())
        } else {
            let v6: Vec<String> = v6.iter().map(|a| a.to_string()).collect();
            format!("{}: IPv6 {}", r.alb.ip_address_type.as_str(), v6.join(", "))
        },
    );
    if r.alb.ip_address_type == crate::sim::scenario::IpAddressType::Dualstack {
        row("IPv6 rules", crate::sim::net::family::ipv6_rules(r));
    }
    row(
        "listener",
        format!(
            "HTTPS:{} certificates {} (the first is the default; SNI picks the rest)",
            r.alb.listener.port,
            r.alb.listener.certificate_domains.join(", ")
        ),
    );
    let (k, v) = super::limits::alb();
    row(&k, v);
    let (k, v) = super::limits::shield(&r.alb.shield);
    row(&k, v);
    for rule in &r.alb.listener.rules {
        // Who wrote it, once the ALB serves an IngressGroup of several
        // Ingresses or a grouped one (fact sheet §28).
        let grouped = !r.cluster.more_ingresses.is_empty()
            || r.cluster.ingress.annotations.group_name.is_some();
        let by = crate::sim::lbc::rule_author(&r.cluster, rule).filter(|_| grouped);
        match by {
            Some(by) => row(
                &format!("rule {}", rule.priority),
                format!("{}, {by}", rule.describe_body()),
            ),
            None => row(&format!("rule {}", rule.priority), rule.describe_body()),
        }
    }
    row(
        "default rule",
        format!("fixed response {}", r.alb.listener.default_status),
    );
    for tg in &r.alb.target_groups {
        row(&format!("target group {}", tg.id), target_group(tg));
        row(&format!("{} health check", tg.id), health_check(tg));
    }
    for p in &r.cluster.pods {
        if let Some(h) = w.target_health(&p.id) {
            let host = crate::sim::alb::health::home_group(r, &p.id)
                .map(|tg| super::live::check_host(r, tg, &p.id))
                .unwrap_or_default();
            row(
                &format!("target {}", p.id),
                if host.is_empty() {
                    target_health_text(h.state, &h.reason)
                } else {
                    format!(
                        "{}; checked with Host: {host}",
                        target_health_text(h.state, &h.reason)
                    )
                },
            );
        }
    }
    if let Some(acl) = &r.alb.web_acl {
        // The regional web ACL's rows, each named "WAF …". Fact sheet §6, §27.
        for (k, v) in super::edge::web_acl_at(acl, false) {
            rows.push((format!("WAF {k}"), v));
        }
    }
    rows
}

/// A target group's health check: protocol, port, path, matcher, timeout,
/// interval and thresholds, as the console lists them. Fact sheet §8.
fn health_check(tg: &TargetGroup) -> String {
    format!(
        "{} GET {} on {}, success codes {}, timeout {} s, every {} s, healthy after {} / unhealthy after {}; User-Agent ELB-HealthChecker/2.0, Host: the target's IP and port; a new target starts in initial until it passes one check",
        tg.health_protocol.name(),
        tg.health_path,
        tg.health_port
            .map_or("traffic-port".to_string(), |p| format!("port {p}")),
        tg.matcher,
        tg.health_timeout_s,
        tg.health_interval_s,
        tg.healthy_threshold,
        tg.unhealthy_threshold
    )
}

/// A target group in one line: port, target type, algorithm, stickiness,
/// cross-zone, and its health check.
fn target_group(tg: &TargetGroup) -> String {
    format!(
        "port {}, {} targets, {}{}; health {} every {} s, healthy {} / unhealthy {}",
        tg.port,
        match tg.target_type {
            TargetType::Ip => "ip",
            TargetType::Instance => "instance",
        },
        match tg.algorithm {
            Algorithm::RoundRobin => "round robin",
            Algorithm::LeastOutstandingRequests => "least outstanding requests",
            Algorithm::WeightedRandom => "weighted random",
        },
        tg.stickiness_s
            .map(|d| format!(", sticky {d} s"))
            .unwrap_or_default()
            + if tg.cross_zone {
                ""
            } else {
                ", cross-zone off"
            },
        tg.health_path,
        tg.health_interval_s,
        tg.healthy_threshold,
        tg.unhealthy_threshold
    )
}
