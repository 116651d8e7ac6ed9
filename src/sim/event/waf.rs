//! Events of AWS WAF: the web ACL's rules and default action.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

use crate::sim::scenario::WafAction;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WafEvent {
    /// The protected service (a CloudFront distribution or an ALB) asked
    /// its web ACL about one request and got a verdict: the first
    /// terminating rule by priority, or the default action. Fact sheet §6.
    Decision {
        acl_id: String,
        acl_name: String,
        /// Which service asked: CloudFront, or a regional ACL on an ALB.
        at: WafSite,
        /// The client address WAF evaluated (the TCP peer, or the first
        /// address of the forwarded-IP header when the ACL reads one).
        client: Ipv4Addr,
        /// Whether the request goes on (Allow, Count) or gets 403 (Block).
        allowed: bool,
        /// The rule that terminated evaluation, or the default action.
        decider: WafDecider,
        /// The web ACL's default action, whether or not it applied.
        default_action: WafAction,
    },
    /// AWS Shield's decision on flood traffic at a protected resource
    /// (CloudFront, an ALB): layer 3/4 floods absorbed; an HTTP flood
    /// passed to WAF, or blocked by Shield Advanced's automatic
    /// application-layer mitigation. Fact sheet §7.
    Shield {
        /// The protected resource's id.
        resource: String,
        tier: crate::sim::scenario::ShieldTier,
        flood: crate::sim::shield::Flood,
        decision: crate::sim::shield::ShieldDecision,
    },
}

/// Which service a web ACL protects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "snake_case")]
pub enum WafSite {
    /// A global web ACL on a CloudFront distribution (runs at the edge).
    Cloudfront,
    /// A regional web ACL on an Application Load Balancer.
    Alb {
        alb_id: String,
        /// WAF saw the CloudFront edge's address rather than the viewer's
        /// (the ALB sits behind CloudFront and the ACL reads no header).
        sees_edge: bool,
    },
}

/// What decided a web ACL's verdict. Fact sheet §6 "Web ACL evaluation".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum WafDecider {
    /// A rule with a terminating action (Allow or Block) matched.
    Rule {
        priority: u32,
        name: String,
        statement: WafStatementKind,
        action: WafAction,
        /// What the rule found in the request.
        inspected: WafInspected,
    },
    /// No terminating rule matched: the default action applies.
    Default { action: WafAction },
}

impl WafDecider {
    /// The action that applies to the request.
    pub fn action(&self) -> WafAction {
        match self {
            WafDecider::Rule { action, .. } | WafDecider::Default { action } => *action,
        }
    }
}

/// The decider as a learner reads it: the rule's name, or
/// `the default action (Block)`.
impl fmt::Display for WafDecider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WafDecider::Rule { name, .. } => f.write_str(name),
            WafDecider::Default { action } => write!(f, "the default action ({action:?})"),
        }
    }
}

/// The kind of a rule's statement. Fact sheet §6 "Rule statements".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafStatementKind {
    IpSet,
    SqlInjection,
    Xss,
    GeoMatch,
    RateBased,
}

/// What a rule statement inspected and found, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum WafInspected {
    /// The client address, and the listed CIDR that holds it (if any).
    Address { ip: Ipv4Addr, cidr: Option<String> },
    /// A request field (URI path, query string, body, a header) and the
    /// pattern found in it, after lower-casing and URL decoding.
    Pattern { field: String, matched: String },
    /// No pattern of the statement in path, query, body or headers.
    NoPattern,
    /// The client address and its country (None when not known).
    Country {
        ip: Ipv4Addr,
        country: Option<String>,
        listed: Vec<String>,
    },
    /// Requests counted from the address in the rate-based window.
    Rate {
        ip: Ipv4Addr,
        count: u32,
        limit: u32,
        window_s: u32,
    },
}

impl WafInspected {
    /// The finding as the check's traffic text. `matched` is whether the
    /// statement matched (for the geo and SQL/XSS sentences).
    pub fn render(&self, statement: WafStatementKind, matched: bool) -> String {
        match self {
            WafInspected::Address { ip, cidr: Some(c) } => format!("source {ip} is in {c}"),
            WafInspected::Address { ip, cidr: None } => {
                format!("source {ip} is in no listed CIDR")
            }
            WafInspected::Pattern { field, matched } => {
                let kind = match statement {
                    WafStatementKind::Xss => "XSS",
                    _ => "SQL injection",
                };
                format!("{kind} pattern '{matched}' in the {field}")
            }
            WafInspected::NoPattern => match statement {
                WafStatementKind::Xss => "no XSS pattern in path, query, body or headers".into(),
                _ => "no SQL injection pattern in path, query, body or headers".into(),
            },
            WafInspected::Country {
                ip,
                country: Some(cc),
                listed,
            } => {
                if matched {
                    format!("{ip} is located in {cc}")
                } else {
                    format!("{ip} is located in {cc}, not in {}", listed.join(", "))
                }
            }
            WafInspected::Country {
                ip, country: None, ..
            } => format!("no country known for {ip}"),
            WafInspected::Rate {
                ip,
                count,
                limit,
                window_s,
            } => format!(
                "{count} request{} from {ip} in the last {window_s} s (limit {limit})",
                if *count == 1 { "" } else { "s" }
            ),
        }
    }
}

impl WafEvent {
    pub fn what(&self) -> String {
        match self {
            WafEvent::Decision {
                acl_name,
                at,
                allowed,
                decider,
                ..
            } => {
                let scope = match at {
                    WafSite::Cloudfront => "web ACL",
                    WafSite::Alb { .. } => "regional web ACL",
                };
                if *allowed {
                    format!("{scope} {acl_name}: allow")
                } else {
                    format!("{scope} {acl_name}: BLOCK by rule {decider}")
                }
            }
            WafEvent::Shield {
                resource,
                tier,
                flood,
                decision,
            } => {
                use crate::sim::shield::ShieldDecision as D;
                let t = tier.as_str();
                match decision {
                    D::Absorbed => format!("Shield {t} at {resource}: {} absorbed", flood.label()),
                    D::PassedToWaf => format!("Shield {t} at {resource}: {} passed to WAF", flood.label()),
                    D::Mitigated => format!("Shield {t} at {resource}: {} BLOCKED (automatic application-layer mitigation)", flood.label()),
                }
            }
        }
    }

    pub fn why(&self) -> String {
        match self {
            WafEvent::Decision {
                at,
                client,
                allowed,
                decider,
                ..
            } => match at {
                WafSite::Cloudfront => {
                    if *allowed {
                        format!("WAF sees the viewer address {client}; no terminating rule matched, so {decider} applies")
                    } else {
                        format!("WAF sees the viewer address {client}; rule {decider} matched and its action is Block: WAF, not the application, answers 403")
                    }
                }
                WafSite::Alb { sees_edge, .. } => format!(
                    "WAF on the ALB sees {client} as the client{}",
                    if *sees_edge {
                        " (the CloudFront edge, not the viewer: configure a forwarded-IP header to read X-Forwarded-For)"
                    } else {
                        ""
                    }
                ),
            },
            WafEvent::Shield {
                tier,
                flood,
                decision,
                ..
            } => {
                use crate::sim::shield::ShieldDecision as D;
                let extra = if *tier == crate::sim::scenario::ShieldTier::Advanced {
                    "; with Advanced, the Shield Response Team can help and cost protection covers scaling charges from the attack"
                } else {
                    ""
                };
                match decision {
                    D::Absorbed => format!("Shield absorbs layer 3/4 floods such as a {} at the AWS edge and on the load balancer: the packets reach nothing behind it, and legitimate requests are still served{extra} (fact sheet §7)", flood.label()),
                    D::PassedToWaf => format!("Shield Standard does not analyse HTTP: each request of an HTTP flood is well formed and goes on to WAF, where a rate-based rule can stop it{} (fact sheet §6, §7)", if *tier == crate::sim::scenario::ShieldTier::Advanced { " (automatic application-layer mitigation is off)" } else { "" }),
                    D::Mitigated => format!("Shield Advanced's automatic application-layer mitigation added a rule group to the web ACL that blocks this flood's requests: 403{extra} (fact sheet §7)"),
                }
            }
        }
    }
}
