//! The ids a lesson may name, read from its world: components, pods,
//! clients, subnets, NACLs, security groups, health checks, regions.

use std::collections::BTreeSet;

use crate::sim::World;

/// Every id of one world, by kind.
#[derive(Clone, Debug, Default)]
pub struct WorldIds {
    /// Components of the diagram (`client-na`, `root`, `alb-a`, `pod-b-1`),
    /// plus `browser` and `dns`, which decide some outcomes.
    pub components: BTreeSet<String>,
    pub pods: BTreeSet<String>,
    pub clients: BTreeSet<String>,
    pub subnets: BTreeSet<String>,
    pub nacls: BTreeSet<String>,
    pub sgs: BTreeSet<String>,
    pub route_tables: BTreeSet<String>,
    pub health_checks: BTreeSet<String>,
    pub regions: BTreeSet<String>,
}

impl WorldIds {
    pub fn of(world: &World) -> WorldIds {
        let s = world.scenario();
        let mut ids = WorldIds::default();
        for n in world.topology().nodes() {
            ids.components.insert(n.id.clone());
        }
        ids.components.insert("browser".into());
        ids.components.insert("dns".into());
        for c in &s.clients {
            ids.clients.insert(c.id.clone());
        }
        for h in &s.dns.health_checks {
            ids.health_checks.insert(h.id.clone());
        }
        for r in &s.regions {
            ids.regions.insert(r.id.clone());
            for p in &r.cluster.pods {
                ids.pods.insert(p.id.clone());
            }
            for x in &r.vpc.subnets {
                ids.subnets.insert(x.id.clone());
            }
            for x in &r.vpc.nacls {
                ids.nacls.insert(x.id.clone());
            }
            for x in &r.vpc.security_groups {
                ids.sgs.insert(x.id.clone());
            }
            for x in &r.vpc.route_tables {
                ids.route_tables.insert(x.id.clone());
            }
        }
        ids
    }
}

/// `unknown pod 'pod-z' (expected one of pod-a-1, pod-a-2)`.
pub fn unknown(what: &str, id: &str, known: &BTreeSet<String>) -> String {
    let list: Vec<&str> = known.iter().map(String::as_str).collect();
    format!(
        "unknown {what} '{id}' (expected one of {})",
        list.join(", ")
    )
}

/// Refuse `id` unless it is in `known`.
pub fn require(what: &str, id: &str, known: &BTreeSet<String>) -> Result<(), String> {
    if known.contains(id) {
        Ok(())
    } else {
        Err(unknown(what, id, known))
    }
}
