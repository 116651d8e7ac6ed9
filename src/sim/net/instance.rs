//! EC2 instances: an interface (the primary ENI) in one subnet with its
//! private address, an optional public address (auto-assigned or an
//! Elastic IP), its security groups and the source/destination check.
//! Fact sheet §24.

use super::*;

/// The public IPv4 address of an instance's primary interface.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicIp {
    /// Private only: nothing on the internet can address it, and it cannot
    /// reach the internet through an internet gateway (fact sheet §10).
    #[default]
    None,
    /// Auto-assigned from Amazon's pool: released at stop (fact sheet §24).
    Auto(Ipv4Addr),
    /// An Elastic IP: the account's own, static (fact sheet §24).
    Elastic(Ipv4Addr),
}

impl PublicIp {
    pub fn ip(&self) -> Option<Ipv4Addr> {
        match self {
            PublicIp::None => None,
            PublicIp::Auto(a) | PublicIp::Elastic(a) => Some(*a),
        }
    }
    pub fn is_none(&self) -> bool {
        *self == PublicIp::None
    }
}

impl fmt::Display for PublicIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicIp::None => f.write_str("none"),
            PublicIp::Auto(a) => write!(f, "{a} (auto-assigned)"),
            PublicIp::Elastic(a) => write!(f, "{a} (Elastic IP)"),
        }
    }
}

/// The operating system, which sets the ephemeral ports its connections
/// use (fact sheet §12) and the usual remote-access port (§24).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceOs {
    #[default]
    Linux,
    Windows,
}

impl InstanceOs {
    pub fn ephemeral(self) -> EphemeralRange {
        match self {
            InstanceOs::Linux => EphemeralRange::Linux,
            InstanceOs::Windows => EphemeralRange::Windows,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceOs::Linux => "linux",
            InstanceOs::Windows => "windows",
        }
    }
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_linux(o: &InstanceOs) -> bool {
    *o == InstanceOs::Linux
}

/// An EC2 instance and its primary interface. Fact sheet §24.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub subnet: String,
    /// Host index in the subnet: its private address (index 4 is the
    /// first usable, fact sheet §10).
    pub host: u32,
    #[serde(default, skip_serializing_if = "PublicIp::is_none")]
    pub public_ip: PublicIp,
    pub security_groups: Vec<String>,
    /// On by default: the interface drops traffic whose source or
    /// destination is not one of its own addresses (fact sheet §24).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub source_dest_check: bool,
    #[serde(default, skip_serializing_if = "is_linux")]
    pub os: InstanceOs,
    /// An IPv6 address from its subnet's /64 (the subnet needs one).
    /// Fact sheet §23.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ipv6: bool,
}
