//! A WAF web ACL: rules by priority, their statements and actions, the
//! default action. Fact sheet §6.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

pub use super::waf_match::*;

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
    /// CAPTCHA immunity time of the web ACL, seconds (60..=259200;
    /// absent = 300). Fact sheet §27 "CAPTCHA and Challenge".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captcha_immunity_s: Option<u32>,
    /// Challenge immunity time, seconds (300..=259200; absent = 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_immunity_s: Option<u32>,
    /// Body bytes inspected, in KB: CloudFront 16 (default), 32, 48 or 64;
    /// a regional web ACL on an ALB inspects 8 and takes no other value.
    /// Fact sheet §6, §27 "Oversize handling".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_inspection_kb: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    pub priority: u32,
    pub name: String,
    pub statement: WafStatement,
    pub action: WafAction,
    /// Labels the rule adds when it matches (its short names; the full
    /// name is `awswaf:<account>:webacl:<acl>:<label>`). Fact sheet §27.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// A CAPTCHA or Challenge rule's own immunity time, seconds.
    /// Fact sheet §27.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immunity_s: Option<u32>,
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
    /// String (byte) match: `search` at `positional` in `field` after the
    /// transformations. Fact sheet §27.
    ByteMatch {
        field: FieldToMatch,
        positional: Positional,
        search: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<Transform>,
        #[serde(default, skip_serializing_if = "Oversize::is_default")]
        oversize: Oversize,
    },
    /// Regex pattern set: matches when any pattern matches (Hoplab's
    /// bounded subset, see README). Fact sheet §27.
    RegexMatch {
        field: FieldToMatch,
        patterns: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<Transform>,
        #[serde(default, skip_serializing_if = "Oversize::is_default")]
        oversize: Oversize,
    },
    /// Size constraint: the component's length in bytes after the
    /// transformations compared with `size`. Fact sheet §27.
    SizeConstraint {
        field: FieldToMatch,
        comparison: SizeComparison,
        size: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<Transform>,
        #[serde(default, skip_serializing_if = "Oversize::is_default")]
        oversize: Oversize,
    },
    /// Label match: a label added by an earlier rule. Fact sheet §27.
    LabelMatch {
        scope: LabelScope,
        key: String,
    },
    /// An AWS managed rule group, evaluated at the rule's position. The
    /// rule's action is Block (the group's own actions) or Count (every
    /// group rule overridden to Count). Fact sheet §6, §27.
    ManagedRuleGroup {
        group: ManagedGroup,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum WafAction {
    Allow,
    Block,
    Count,
    /// Terminating (405 and a puzzle) unless the request carries a valid,
    /// unexpired token. Fact sheet §6, §27.
    Captcha,
    /// Terminating (202 and a silent interstitial) unless the request
    /// carries a valid, unexpired token. Fact sheet §6, §27.
    Challenge,
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
            WafStatement::ByteMatch {
                field,
                positional,
                search,
                transforms,
                oversize,
            } => {
                write!(
                    f,
                    "{field} {positional} '{}'",
                    crate::sim::text::clip(search)
                )?;
                transforms_text(f, transforms)?;
                oversize_text(f, field, *oversize)
            }
            WafStatement::RegexMatch {
                field,
                patterns,
                transforms,
                oversize,
            } => {
                write!(f, "{field} matches any of /{}/", patterns.join("/, /"))?;
                transforms_text(f, transforms)?;
                oversize_text(f, field, *oversize)
            }
            WafStatement::SizeConstraint {
                field,
                comparison,
                size,
                transforms,
                oversize,
            } => {
                write!(f, "size of {field} {} {size} bytes", comparison.symbol())?;
                transforms_text(f, transforms)?;
                oversize_text(f, field, *oversize)
            }
            WafStatement::LabelMatch { scope, key } => match scope {
                LabelScope::Label => write!(f, "has label {key}"),
                LabelScope::Namespace => write!(f, "has a label in namespace {key}"),
            },
            WafStatement::ManagedRuleGroup { group } => {
                write!(f, "managed rule group {group} ({} WCU)", group.wcu())
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
            WafAction::Captcha => "CAPTCHA",
            WafAction::Challenge => "Challenge",
        })
    }
}

fn transforms_text(f: &mut std::fmt::Formatter<'_>, ts: &[Transform]) -> std::fmt::Result {
    if ts.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = ts.iter().map(|t| t.name()).collect();
    write!(f, " after {}", names.join(", "))
}

fn oversize_text(
    f: &mut std::fmt::Formatter<'_>,
    field: &FieldToMatch,
    o: Oversize,
) -> std::fmt::Result {
    if field.can_be_oversize() {
        write!(f, "; oversize {}", o.name())
    } else {
        Ok(())
    }
}
