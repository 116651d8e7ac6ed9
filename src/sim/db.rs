//! RDS: its primary, Multi-AZ failover on the clock, instances that
//! failed. The application's query is [`crate::sim::app`]. Fact sheet §15.

use super::scenario::*;
use super::world::*;

/// RDS runtime state, per region: the primary, a Multi-AZ failover under
/// way, and the instances that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RdsState {
    /// Region -> the instance that is primary now.
    pub primary: std::collections::BTreeMap<String, String>,
    /// Region -> when the standby will have been promoted (ms).
    pub failover_due: std::collections::BTreeMap<String, u64>,
    /// Instances that failed through `Fault::RdsPrimaryDown`.
    pub failed: std::collections::BTreeSet<String>,
}

impl RdsState {
    /// The instance that is primary in a region now ("" before any).
    pub fn primary_of(&self, region: &str) -> &str {
        self.primary
            .get(region)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

impl World {
    pub(crate) fn schedule_rds_failovers(&mut self) {
        let mut due = Vec::new();
        for r in &self.scenario.regions {
            let primary = self.rds.primary.get(&r.id).cloned().unwrap_or_default();
            let Some(inst) = r.rds.instances.iter().find(|i| i.id == primary) else {
                continue;
            };
            let primary_down = !self.db_up(r, inst);
            let standby_up = r
                .rds
                .instances
                .iter()
                .any(|i| i.id != primary && self.db_up(r, i));
            if primary_down && standby_up && !self.rds.failover_due.contains_key(&r.id) {
                due.push(r.id.clone());
            }
        }
        for id in due {
            // Multi-AZ failover typically takes 60-120 s. Fact sheet §15.
            let delay = self.rng.range(60, 120) * 1000;
            self.rds
                .failover_due
                .insert(id.clone(), self.clock_ms + delay);
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({id})"),
                text: format!(
                    "primary lost: Multi-AZ failover will complete in {} s",
                    delay / 1000
                ),
            });
        }
    }

    pub(crate) fn run_rds_failover(&mut self, region: &str) {
        self.rds.failover_due.remove(region);
        let Some(r) = self.scenario.region(region).cloned() else {
            return;
        };
        let primary = self.rds.primary.get(region).cloned().unwrap_or_default();
        if let Some(standby) = r
            .rds
            .instances
            .iter()
            .find(|i| i.id != primary && self.db_up(&r, i))
        {
            self.rds.primary.insert(region.into(), standby.id.clone());
            self.events.push(WorldEvent {
                at_ms: self.clock_ms,
                source: format!("rds ({region})"),
                text: format!(
                    "Multi-AZ failover complete: {} promoted; {} now resolves to it",
                    standby.id, r.rds.endpoint
                ),
            });
        }
    }

    /// Whether a database instance answers (its AZ and region are up and it
    /// has not failed).
    pub(crate) fn db_up(&self, r: &Region, i: &DbInstance) -> bool {
        self.placement_up(r, &i.subnet) && !self.rds.failed.contains(&i.id)
    }
}
