//! What the inspector shows for a component: its configuration and live
//! state as label/value rows, the rule tables a learner may edit, and the
//! faults that can be injected there.

use serde::{Deserialize, Serialize};

use super::scenario::{Algorithm, Region, TargetType};
use super::world::{Fault, TargetState, World};

/// The editable things attached to a component.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments {
    pub subnets: Vec<String>,
    pub nacls: Vec<String>,
    pub security_groups: Vec<String>,
}

fn region_of<'a>(w: &'a World, node: &str) -> Option<&'a Region> {
    w.scenario().regions.iter().find(|r| {
        r.alb.id == node
            || r.vpc.igw == node
            || r.cluster.ingress.id == node
            || r.cluster.services.iter().any(|s| s.id == node)
            || r.cluster.pods.iter().any(|p| p.id == node)
            || r.rds.instances.iter().any(|i| i.id == node)
            || r.vpc.nat_gateways.iter().any(|n| n.id == node)
    })
}

impl World {
    /// Subnets, NACLs and security groups attached to a component.
    pub fn attachments(&self, node: &str) -> Attachments {
        let mut a = Attachments::default();
        let Some(r) = region_of(self, node) else {
            return a;
        };
        let push_subnet = |a: &mut Attachments, sid: &str| {
            if let Some(s) = r.vpc.subnet(sid) {
                if !a.subnets.contains(&s.id) {
                    a.subnets.push(s.id.clone());
                }
                if !a.nacls.contains(&s.nacl) {
                    a.nacls.push(s.nacl.clone());
                }
            }
        };
        if r.alb.id == node {
            for n in &r.alb.nodes {
                push_subnet(&mut a, &n.subnet);
            }
            a.security_groups = r.alb.security_groups.clone();
        } else if let Some(p) = r.cluster.pods.iter().find(|p| p.id == node) {
            push_subnet(&mut a, &p.subnet);
            a.security_groups = p.security_groups.clone();
        } else if let Some(i) = r.rds.instances.iter().find(|i| i.id == node) {
            push_subnet(&mut a, &i.subnet);
            a.security_groups = r.rds.security_groups.clone();
        } else if let Some(n) = r.vpc.nat_gateways.iter().find(|n| n.id == node) {
            push_subnet(&mut a, &n.subnet);
        }
        a
    }

    /// Faults a learner can toggle from this component, most local first.
    pub fn fault_options(&self, node: &str) -> Vec<Fault> {
        let Some(r) = region_of(self, node) else {
            return vec![];
        };
        let mut out = Vec::new();
        if r.cluster.pods.iter().any(|p| p.id == node) {
            out.push(Fault::PodDown { pod: node.into() });
        }
        let att = self.attachments(node);
        for s in &att.subnets {
            if let Some(sub) = r.vpc.subnet(s) {
                let f = Fault::AzDown { az: sub.az.clone() };
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out.push(Fault::RegionDown {
            region: r.id.clone(),
        });
        out
    }
}

pub fn inspect(w: &World, node: &str) -> Vec<(String, String)> {
    let s = w.scenario();
    let now = w.now_ms();
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    let cache_rows = |key: crate::sim::dns::CacheOwner, rows: &mut Vec<(String, String)>| match w
        .dns_cache(key)
        .map(|c| c.live(now))
        .filter(|l| !l.is_empty())
    {
        Some(live) => {
            for e in live {
                rows.push((
                    format!("cache {}", e.name),
                    format!(
                        "{} ({} s left of {})",
                        e.describe(),
                        e.remaining_s(now),
                        e.ttl_s
                    ),
                ));
            }
        }
        None => rows.push(("cache".into(), "empty".into())),
    };
    if let Some(c) = s.clients.iter().find(|c| c.id == node) {
        row("client", format!("{} ({})", c.label, c.city));
        row("address", c.ip.to_string());
        row("ephemeral ports", {
            let (a, b) = c.os.range();
            format!("{a}-{b} ({:?})", c.os)
        });
        row(
            "browser DNS cache",
            format!("keeps answers {} s", c.browser_cache_s),
        );
        cache_rows(crate::sim::dns::CacheOwner::Browser(&c.id), &mut rows);
        let prefix = format!("{}|", c.id);
        let now = w.now_ms();
        for (k, e) in w.http_cache().range(prefix.clone()..) {
            let Some(url) = k.strip_prefix(&prefix) else {
                break;
            };
            if e.expires_at_ms > now {
                rows.push((
                    "HTTP cache".into(),
                    format!("{url}: {} s left", (e.expires_at_ms - now).div_ceil(1000)),
                ));
            }
        }
        return rows;
    }
    if let Some(c) = s.clients.iter().find(|c| c.resolver.id == node) {
        row(
            "recursive resolver",
            format!("{} (anycast, near {})", c.resolver.ip, c.city),
        );
        cache_rows(
            crate::sim::dns::CacheOwner::Resolver(&c.resolver.id),
            &mut rows,
        );
        return rows;
    }
    if node == s.dns.root.id || node == s.dns.tld.id {
        let ns = if node == s.dns.root.id {
            &s.dns.root
        } else {
            &s.dns.tld
        };
        row("server", format!("{} ({})", ns.name, ns.ip));
        row(
            "answers with",
            "referrals only, never the final address".into(),
        );
        return rows;
    }
    if node == s.dns.zone.id {
        row("hosted zone", s.dns.zone.name.clone());
        row("name servers", s.dns.zone.name_servers.join(", "));
        for r in &s.dns.zone.records {
            row(
                &format!("record {}", r.name),
                format!("{}, {}, TTL {} s", r.value, r.routing, r.ttl_s),
            );
        }
        for hc in &s.dns.health_checks {
            let st = w.health(&hc.id);
            let status = st
                .map(|h| if h.healthy { "healthy" } else { "UNHEALTHY" })
                .unwrap_or("?");
            let hist: String = st
                .map(|h| {
                    h.history
                        .iter()
                        .map(|(_, ok, _)| if *ok { '✓' } else { '✗' })
                        .collect()
                })
                .unwrap_or_default();
            row(
                &format!("health check {}", hc.id),
                format!(
                    "{status}; HTTPS {} every {} s, threshold {}; recent {}",
                    hc.path,
                    hc.interval_s,
                    hc.failure_threshold,
                    if hist.is_empty() {
                        "none yet".into()
                    } else {
                        hist
                    }
                ),
            );
            if let Some(h) = st {
                row(
                    &format!("{} next check", hc.id),
                    format!("in {} s", h.next_due_ms.saturating_sub(now) / 1000),
                );
            }
        }
        return rows;
    }
    if node == s.cdn.id {
        row("distribution", s.cdn.domain.clone());
        for (i, b) in s.cdn.behaviors.iter().enumerate() {
            row(
                &format!("behaviour {}", i + 1),
                format!(
                    "{} -> {} (TTL min/default/max {}/{}/{} s; {})",
                    b.path_pattern,
                    b.origin,
                    b.min_ttl_s,
                    b.default_ttl_s,
                    b.max_ttl_s,
                    b.allowed_methods.methods().join(", ")
                ),
            );
        }
        row(
            "origin timeouts",
            format!(
                "{} attempts x {} s",
                s.cdn.connection_attempts, s.cdn.connection_timeout_s
            ),
        );
        for p in &s.cdn.pops {
            cache_rows(crate::sim::dns::CacheOwner::Edge(&p.id), &mut rows);
        }
        for (k, e) in w.cdn_cache() {
            if e.expires_at_ms > now {
                rows.push((
                    format!("object {k}"),
                    format!(
                        "HTTP {} ({} s left)",
                        e.status,
                        (e.expires_at_ms - now) / 1000
                    ),
                ));
            }
        }
        return rows;
    }
    if node == s.waf.id {
        row("web ACL", s.waf.name.clone());
        let mut rules = s.waf.rules.clone();
        rules.sort_by_key(|r| r.priority);
        for r in rules {
            row(
                &format!("priority {}", r.priority),
                format!("{}: {} -> {}", r.name, r.statement, r.action),
            );
        }
        row("default action", s.waf.default_action.to_string());
        return rows;
    }
    if node == "s3" {
        row("bucket", "healthcareapp-static".into());
        row("serves", "/ and /static/*".into());
        return rows;
    }
    let Some(r) = region_of(w, node) else {
        row("component", "unknown".into());
        return rows;
    };
    row("region", format!("{} ({})", r.id, r.label));
    if r.alb.id == node {
        row("DNS name", r.alb.dns_name.clone());
        row(
            "listener",
            format!(
                "HTTPS:{} certificates {} (the first is the default; SNI picks the rest)",
                r.alb.listener.port,
                r.alb.listener.certificate_domains.join(", ")
            ),
        );
        for rule in &r.alb.listener.rules {
            row(&format!("rule {}", rule.priority), rule.describe());
        }
        row(
            "default rule",
            format!("fixed response {}", r.alb.listener.default_status),
        );
        for tg in &r.alb.target_groups {
            row(
                &format!("target group {}", tg.id),
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
                ),
            );
        }
        for p in &r.cluster.pods {
            if let Some(h) = w.target_health(&p.id) {
                row(
                    &format!("target {}", p.id),
                    format!(
                        "{} ({})",
                        if h.state == TargetState::Healthy {
                            "healthy"
                        } else {
                            "unhealthy"
                        },
                        h.reason
                    ),
                );
            }
        }
    } else if let Some(p) = r.cluster.pods.iter().find(|p| p.id == node) {
        let ip = r
            .vpc
            .subnet(&p.subnet)
            .and_then(|x| x.host(p.host))
            .map(|a| a.to_string())
            .unwrap_or_default();
        row("pod IP", ip);
        row("subnet", p.subnet.clone());
        row(
            "running",
            if w.pod_up(r, p) {
                "yes".into()
            } else {
                "no".into()
            },
        );
        if let Some(h) = w.target_health(&p.id) {
            row(
                "ALB target health",
                format!(
                    "{} ({})",
                    if h.state == TargetState::Healthy {
                        "healthy"
                    } else {
                        "unhealthy"
                    },
                    h.reason
                ),
            );
        }
    } else if let Some(i) = r.rds.instances.iter().find(|i| i.id == node) {
        row("engine", r.rds.engine.clone());
        row("endpoint", format!("{}:{}", r.rds.endpoint, r.rds.port));
        row(
            "role",
            if w.rds_primary(&r.id) == Some(i.id.as_str()) {
                "primary".into()
            } else {
                "standby (synchronous, not readable)".into()
            },
        );
    } else if r.cluster.ingress.id == node {
        for p in &r.cluster.ingress.rules {
            row(
                &format!("path {}", p.path),
                format!("{:?} -> {}:{}", p.path_type, p.service, p.port),
            );
        }
    } else if let Some(svc) = r.cluster.services.iter().find(|x| x.id == node) {
        row(
            "service",
            format!(
                "{} port {} -> targetPort {}",
                svc.name, svc.port, svc.target_port
            ),
        );
        let eps: Vec<String> = r
            .cluster
            .pods
            .iter()
            .filter(|p| p.app == svc.app)
            .map(|p| format!("{} ready={}", p.id, w.pod_up(r, p)))
            .collect();
        row("endpoints", eps.join(", "));
    } else if r.vpc.igw == node {
        row("VPC", format!("{} {}", r.vpc.id, r.vpc.cidr));
    }
    let faults: Vec<String> = w
        .fault_options(node)
        .iter()
        .filter(|f| w.faults().contains(f))
        .map(|f| f.label())
        .collect();
    if !faults.is_empty() {
        row("faults", faults.join(", "));
    }
    rows
}

impl World {
    /// Whether a fault names things that exist in this scenario.
    pub fn check_fault(&self, f: &Fault) -> Result<(), String> {
        let s = self.scenario();
        let ok = match f {
            Fault::PodDown { pod } | Fault::TargetUnhealthy { pod } | Fault::PodHung { pod } => s
                .regions
                .iter()
                .any(|r| r.cluster.pods.iter().any(|p| &p.id == pod)),
            Fault::NodeDown { node } => s
                .regions
                .iter()
                .any(|r| r.cluster.nodes.iter().any(|n| &n.id == node)),
            Fault::AzDown { az } => s.regions.iter().any(|r| r.azs.contains(az)),
            Fault::RegionDown { region } | Fault::RdsPrimaryDown { region } => {
                s.region(region).is_some()
            }
            Fault::DnsAuthorityDown => true,
            Fault::Origin5xx { origin } => s.cdn.origins.iter().any(|o| &o.id == origin),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "fault '{}' names something that is not in this scenario",
                f.label()
            ))
        }
    }
}
