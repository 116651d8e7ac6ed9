//! Route 53 as the authority: record selection by routing policy and
//! health, and the health checks that run on the clock. Fact sheet §2-§4.
//!
//! Selection follows [R53-CHOOSE]: pick by policy, skip unhealthy records,
//! and when nothing is healthy treat everything as healthy (Route 53 must
//! answer something). Health checks run on their own schedule; nothing is
//! probed at query time.
//!
//! - [`source`]: where Route 53 places a query (ECS, resolver, edge);
//! - [`answer`]: NXDOMAIN / NODATA, or the chosen records as addresses,
//!   aliases or a CNAME;
//! - [`routing`]: selection by routing policy;
//! - [`geo`]: distances, the latency model, geolocation matching;
//! - [`health`]: a record's health (its check, Evaluate Target Health);
//! - [`checks`]: health checks on the clock, per checker Region;
//! - [`probe`]: what a checker sends (type, endpoint) and how it reads the answer.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// Route 53's runtime state: each health check's aggregate status and
/// each checker Region's own view of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route53State {
    pub health: std::collections::BTreeMap<String, HealthState>,
    pub checkers: std::collections::BTreeMap<String, Vec<CheckerState>>,
}

use super::event::dns::health::RecordHealth;
pub(crate) use super::event::dns::routing::pct;
use super::event::dns::RoutingPolicy;
use super::scenario::*;
use super::world::*;
use geo::geo_label;

pub mod answer;
pub mod checks;
pub mod geo;
pub mod health;
pub mod probe;
pub mod routing;
pub mod source;

pub use geo::{biased_distance, great_circle_km, latency_ms};
pub use source::QuerySource;

/// Route 53 returns at most this many records for a multivalue answer
/// query. Fact sheet §3.
pub const MULTIVALUE_MAX_ANSWERS: usize = 8;

/// The prefix length of an EDNS Client Subnet option as public resolvers
/// send it (the client's /24).
pub const ECS_PREFIX: u8 = 24;

/// Latency model for latency routing: a fixed cost plus 1 ms of round trip
/// per 100 km of great-circle distance (light in fibre, plus detours).
pub const LATENCY_BASE_MS: u32 = 5;
pub const LATENCY_KM_PER_MS: f64 = 100.0;

/// How a calculated check is re-evaluated when nothing else triggers it.
pub const CALCULATED_REFRESH_S: u64 = 10;

/// One health checker's own view of an endpoint: each checker applies the
/// failure threshold by itself; Route 53 then counts checkers. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerState {
    pub region: String,
    pub healthy: bool,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    /// The last probe's result from this checker.
    pub last_ok: bool,
    /// This checker's recent results, newest in bit 0 (1 = passed).
    #[serde(default)]
    pub recent: u16,
    /// How many of `recent`'s bits hold a result (at most 16).
    #[serde(default)]
    pub rounds_seen: u8,
}

impl CheckerState {
    /// How many recent results a checker keeps.
    pub const RECENT: u8 = 16;

    /// Note `rounds` more results, all `ok` or all failed.
    pub fn remember(&mut self, ok: bool, rounds: u64) {
        let k = rounds.min(Self::RECENT as u64) as u32;
        let fill = if ok { ((1u32 << k) - 1) as u16 } else { 0 };
        self.recent = ((self.recent as u32) << k) as u16 | fill;
        self.rounds_seen = (self.rounds_seen as u64 + rounds).min(Self::RECENT as u64) as u8;
    }

    /// The recent results, oldest first.
    pub fn recent_results(&self) -> Vec<bool> {
        (0..self.rounds_seen)
            .rev()
            .map(|i| self.recent & (1 << i) != 0)
            .collect()
    }
}

/// Route 53's aggregation: healthy only if MORE than 18 % of the checkers
/// report healthy; exactly 18 % is unhealthy. Fact sheet §4, §19.6.
pub fn checkers_say_healthy(healthy: u64, total: u64) -> bool {
    total > 0 && healthy * 100 > HEALTHY_CHECKER_PERCENT as u64 * total
}

/// A candidate record with its health as Route 53 sees it.
pub(super) struct Cand {
    pub(super) rec: Record,
    pub(super) healthy: bool,
    pub(super) health: RecordHealth,
}

/// Alias-to-record links Route 53 follows for one answer (validation
/// refuses loops; this bounds a hand-edited world anyway).
pub(super) const MAX_ALIAS_DEPTH: usize = 8;

pub(super) fn label(r: &Record) -> String {
    let v = match &r.value {
        RecordValue::A { addresses } => addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        RecordValue::AliasAlb { region } => format!("alias ALB {region}"),
        RecordValue::AliasCloudFront => "alias CloudFront".into(),
        RecordValue::AliasRecord { target } => format!("alias {target}"),
        RecordValue::Cname { target } => format!("CNAME {target}"),
        RecordValue::Aaaa { addresses } => addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        RecordValue::Txt { values } => values.join(" "),
        RecordValue::Mx { values } => values
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        RecordValue::AliasAaaaCloudFront => "alias AAAA CloudFront".into(),
        RecordValue::AliasAaaaAlb { region } => format!("alias AAAA ALB {region}"),
    };
    match &r.routing {
        Routing::Weighted { weight } => format!("{v} (weight {weight})"),
        Routing::Latency { region } => format!("{v} ({region})"),
        Routing::Geolocation { .. } => format!("{v} ({})", geo_label(&r.routing)),
        Routing::IpBased { location, .. } => format!("{v} (location {location})"),
        _ => v,
    }
}

pub(super) fn policy_kind(r: &Routing) -> RoutingPolicy {
    match r {
        Routing::Simple => RoutingPolicy::Simple,
        Routing::Failover { .. } => RoutingPolicy::Failover,
        Routing::Weighted { .. } => RoutingPolicy::Weighted,
        Routing::Latency { .. } => RoutingPolicy::Latency,
        Routing::Geolocation { .. } => RoutingPolicy::Geolocation,
        Routing::Geoproximity { .. } => RoutingPolicy::Geoproximity,
        Routing::Multivalue => RoutingPolicy::Multivalue,
        Routing::IpBased { .. } => RoutingPolicy::IpBased,
    }
}

/// What an A record's answer is, for people: `A record, weight 3`.
pub(super) fn a_tag(r: &Routing) -> String {
    match r {
        Routing::Simple => "A record".into(),
        Routing::Failover { role, .. } => match role {
            FailoverRole::Primary => "A record, failover PRIMARY".into(),
            FailoverRole::Secondary => "A record, failover SECONDARY".into(),
        },
        Routing::Weighted { weight } => format!("A record, weight {weight}"),
        Routing::Latency { region } => format!("A record, latency {region}"),
        Routing::Geolocation { .. } => format!("A record, geolocation {}", geo_label(r)),
        Routing::Geoproximity { .. } => "A record, geoproximity".into(),
        Routing::Multivalue => "multivalue A record".into(),
        Routing::IpBased { location, .. } => format!("A record, IP-based location {location}"),
    }
}
