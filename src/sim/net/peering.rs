//! VPC peering connections: one-to-one links between two VPCs, same or
//! different Region, with AWS's states. Fact sheet §21.

use serde::{Deserialize, Serialize};

/// A peering connection's state as AWS shows it. Fact sheet §21.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeeringStatus {
    /// Requested, waiting for the accepter; routes to it are blackholes.
    PendingAcceptance,
    Active,
    /// Refused by AWS: the two VPCs' IPv4 blocks overlap.
    Failed,
    /// Deleted: routes that still name it are blackholes.
    Deleted,
}

impl PeeringStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PeeringStatus::PendingAcceptance => "pending-acceptance",
            PeeringStatus::Active => "active",
            PeeringStatus::Failed => "failed",
            PeeringStatus::Deleted => "deleted",
        }
    }
    /// Whether the connection still counts (against the quota, and as the
    /// one connection between two VPCs).
    pub fn counts(self) -> bool {
        matches!(
            self,
            PeeringStatus::PendingAcceptance | PeeringStatus::Active
        )
    }
}

/// A peering connection `pcx-…` between a requester and an accepter VPC,
/// with each side's DNS resolution option. Fact sheet §21.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    pub id: String,
    pub requester_vpc: String,
    pub accepter_vpc: String,
    pub status: PeeringStatus,
    /// The requester's side resolves the accepter's public DNS hostnames
    /// to private addresses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requester_dns: bool,
    /// The accepter's side likewise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepter_dns: bool,
}

impl Peering {
    /// Whether it joins this VPC.
    pub fn joins(&self, vpc: &str) -> bool {
        self.requester_vpc == vpc || self.accepter_vpc == vpc
    }
    /// The VPC at the other end from `vpc`.
    pub fn peer_of(&self, vpc: &str) -> Option<&str> {
        if self.requester_vpc == vpc {
            Some(&self.accepter_vpc)
        } else if self.accepter_vpc == vpc {
            Some(&self.requester_vpc)
        } else {
            None
        }
    }
    pub fn is_active(&self) -> bool {
        self.status == PeeringStatus::Active
    }
}
