//! A WAF web ACL: rules by priority, their statements and actions, the
//! default action. Fact sheet §6.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// A WAF web ACL attached to the distribution. Fact sheet §6.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebAcl {
    pub id: String,
    pub name: String,
    pub rules: Vec<WafRule>,
    pub default_action: WafAction,
    /// Read the client address from this header (e.g. X-Forwarded-For,
    /// first position) instead of the TCP peer. Fact sheet §6.
    #[serde(default)]
    pub forwarded_ip_header: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    pub priority: u32,
    pub name: String,
    pub statement: WafStatement,
    pub action: WafAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum WafStatement {
    IpSet {
        cidrs: Vec<Ipv4Net>,
    },
    /// SQL injection in the URI path, query string, body or headers.
    SqlInjection,
    /// Cross-site scripting in the URI path, query string, body or headers.
    Xss,
    /// Evaluation window 60, 120, 300 or 600 s; limit at least 10.
    RateBased {
        limit: u32,
        window_s: u32,
    },
    /// ISO 3166 country codes of the client address.
    GeoMatch {
        countries: Vec<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum WafAction {
    Allow,
    Block,
    Count,
}

/// The rule's statement as a sentence fragment, e.g. "rate over 2000 per 300 s".
impl std::fmt::Display for WafStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WafStatement::IpSet { cidrs } => write!(
                f,
                "source in IP set {}",
                cidrs
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            WafStatement::SqlInjection => {
                f.write_str("SQL injection in path, query, body or headers")
            }
            WafStatement::Xss => {
                f.write_str("cross-site scripting in path, query, body or headers")
            }
            WafStatement::RateBased { limit, window_s } => {
                write!(
                    f,
                    "more than {limit} requests per source IP in {window_s} s"
                )
            }
            WafStatement::GeoMatch { countries } => {
                write!(f, "source country in {}", countries.join(", "))
            }
        }
    }
}

impl std::fmt::Display for WafAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WafAction::Allow => "Allow",
            WafAction::Block => "Block",
            WafAction::Count => "Count",
        })
    }
}
