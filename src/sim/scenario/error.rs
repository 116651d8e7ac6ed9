//! Why a scenario is refused: a rule quota exceeded (as data, so an edit
//! can say so), or any other problem as a sentence.

use crate::sim::trace::Direction;

/// A rule table longer than AWS's quota for it. Fact sheet §11, §12.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaExceeded {
    /// The network ACL or security group.
    pub table: String,
    pub direction: Direction,
    pub count: usize,
    pub max: usize,
    /// Where the quota comes from and whether AWS raises it.
    pub note: &'static str,
    /// The IP version whose rules are over it: AWS counts IPv4 and IPv6
    /// rules separately. Fact sheet §11, §12.
    pub family: crate::sim::net::Family,
}

impl std::fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} {} rules is over the quota of {} per direction and IP version ({})",
            self.table,
            self.direction.as_str(),
            self.count,
            self.family,
            self.max,
            self.note
        )
    }
}

/// Why a scenario cannot be run: the first problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// A rule table over its quota, in the named region.
    Quota {
        region: Option<String>,
        quota: QuotaExceeded,
    },
    /// Anything else the engine could not run, as a sentence.
    Invalid(String),
    /// A Network Load Balancer configured as AWS refuses. Fact sheet §9.
    Nlb {
        nlb: String,
        problem: super::NlbProblem,
    },
}

impl ScenarioError {
    /// The same problem, said to be in region `id`.
    pub(super) fn in_region(self, id: &str) -> ScenarioError {
        match self {
            ScenarioError::Quota { quota, .. } => ScenarioError::Quota {
                region: Some(id.to_string()),
                quota,
            },
            ScenarioError::Invalid(m) => ScenarioError::Invalid(format!("region {id}: {m}")),
            e @ ScenarioError::Nlb { .. } => e,
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioError::Quota {
                region: Some(r),
                quota,
            } => write!(f, "region {r}: {quota}"),
            ScenarioError::Quota {
                region: None,
                quota,
            } => write!(f, "{quota}"),
            ScenarioError::Invalid(m) => f.write_str(m),
            ScenarioError::Nlb { nlb, problem } => write!(f, "{nlb}: {problem}"),
        }
    }
}

impl From<String> for ScenarioError {
    fn from(m: String) -> Self {
        ScenarioError::Invalid(m)
    }
}

impl From<QuotaExceeded> for ScenarioError {
    fn from(quota: QuotaExceeded) -> Self {
        ScenarioError::Quota {
            region: None,
            quota,
        }
    }
}

/// Callers that only show the message keep a `String`.
impl From<ScenarioError> for String {
    fn from(e: ScenarioError) -> Self {
        e.to_string()
    }
}
