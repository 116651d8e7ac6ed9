//! Route 53's view of a record's health, as data: its health check's status
//! (counted, calculated, disabled) and, for an alias with Evaluate Target
//! Health, the target's. Rendered here. Fact sheet §2, §4.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a calculated health check combines its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    And,
    Or,
    AtLeast(u32),
}

/// A health check's status as Route 53 counts it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CheckStatus {
    /// No such check, or no result yet: healthy (unhealthy if inverted).
    Fresh { id: String, healthy: bool },
    /// A disabled check counts as healthy.
    Disabled { id: String },
    /// Counted from its checkers: consecutive failures against the threshold.
    Counted {
        id: String,
        healthy: bool,
        failures: u32,
        threshold: u32,
        inverted: bool,
    },
    /// Combined from child checks.
    Calculated {
        id: String,
        healthy: bool,
        combine: Combine,
        /// Each child with whether it is healthy.
        children: Vec<(String, bool)>,
        need: usize,
        inverted: bool,
    },
}

impl CheckStatus {
    pub fn healthy(&self) -> bool {
        match self {
            CheckStatus::Disabled { .. } => true,
            CheckStatus::Fresh { healthy, .. }
            | CheckStatus::Counted { healthy, .. }
            | CheckStatus::Calculated { healthy, .. } => *healthy,
        }
    }
}

fn word(healthy: bool) -> &'static str {
    if healthy {
        "healthy"
    } else {
        "UNHEALTHY"
    }
}

impl fmt::Display for CheckStatus {
    /// `hc-a UNHEALTHY (3 of 3 consecutive failures)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckStatus::Fresh { id, .. } => write!(f, "{id} healthy"),
            CheckStatus::Disabled { id } => write!(f, "{id} disabled: counts as healthy"),
            CheckStatus::Counted {
                id,
                healthy,
                failures,
                threshold,
                inverted,
            } => write!(
                f,
                "{id} {} ({} of {threshold} consecutive failures{})",
                word(*healthy),
                failures.min(threshold),
                if *inverted { ", inverted" } else { "" }
            ),
            CheckStatus::Calculated {
                id,
                healthy,
                combine,
                children,
                need,
                inverted,
            } => {
                let rule = match combine {
                    Combine::And => "AND".to_string(),
                    Combine::Or => "OR".to_string(),
                    Combine::AtLeast(k) => format!("at least {k}"),
                };
                let n = children.iter().filter(|c| c.1).count();
                let list = children
                    .iter()
                    .map(|(c, ok)| format!("{c} {}", word(*ok)))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "{id} {} (calculated {rule}: {n} of {} children healthy, {need} needed{}: {list})",
                    word(*healthy),
                    children.len(),
                    if *inverted { ", inverted" } else { "" }
                )
            }
        }
    }
}

/// Evaluate Target Health on an alias to a load balancer. Fact sheet §2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AlbHealth {
    RegionMissing {
        region: String,
    },
    NoNodeUp {
        alb: String,
    },
    NoTargetGroups {
        alb: String,
    },
    /// A target group with no registered targets counts as unhealthy.
    NoTargets {
        group: String,
        alb: String,
    },
    /// No healthy target in a group (the ALB itself would fail open).
    NoHealthyTargets {
        group: String,
        targets: usize,
        alb: String,
    },
    /// Every target group has a healthy target.
    Healthy {
        alb: String,
    },
}

impl fmt::Display for AlbHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlbHealth::RegionMissing { region } => write!(f, "region {region} is missing"),
            AlbHealth::NoNodeUp { alb } => write!(f, "ETH: no node of {alb} is up"),
            AlbHealth::NoTargetGroups { alb } => write!(f, "ETH: {alb} has no target groups"),
            AlbHealth::NoTargets { group, alb } => write!(
                f,
                "ETH: target group {group} has no registered targets, so Route 53 counts {alb} unhealthy"
            ),
            AlbHealth::NoHealthyTargets {
                group,
                targets,
                alb,
            } => write!(
                f,
                "ETH: target group {group} has 0 of {targets} healthy targets, so Route 53 counts {alb} unhealthy (even though the ALB itself would fail open)"
            ),
            AlbHealth::Healthy { alb } => {
                write!(f, "ETH: every target group of {alb} has a healthy target")
            }
        }
    }
}

/// One thing that decides a record's health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum HealthPart {
    /// The record's health check.
    Check(CheckStatus),
    /// Evaluate Target Health on an alias to a load balancer.
    Alb(AlbHealth),
    /// Evaluate Target Health on an alias to records in the zone: healthy
    /// while at least one of them is.
    AliasGroup {
        target: String,
        healthy: usize,
        records: usize,
    },
    /// An alias chain longer than Route 53 follows.
    AliasTooLong { target: String },
}

impl fmt::Display for HealthPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthPart::Check(c) => c.fmt(f),
            HealthPart::Alb(a) => a.fmt(f),
            HealthPart::AliasGroup {
                target,
                healthy,
                records,
            } => write!(
                f,
                "evaluate target health on {target}: {healthy} of {records} records healthy (healthy while at least one is)"
            ),
            HealthPart::AliasTooLong { target } => {
                write!(f, "alias chain to {target} is too long")
            }
        }
    }
}

/// A record's health as Route 53 sees it: every part must be healthy; a
/// record with none is always healthy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordHealth(pub Vec<HealthPart>);

impl fmt::Display for RecordHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no health check: always healthy");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            p.fmt(f)?;
        }
        Ok(())
    }
}
