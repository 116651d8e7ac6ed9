//! Events of AWS WAF: the web ACL's rules and default action.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

use crate::sim::scenario::{LabelScope, ManagedGroup, Oversize, Transform, WafAction};

// Events are built only when a walk records; the decision is the common one.
#[allow(clippy::large_enum_variant)]
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
        /// Labels on the request when evaluation ended (full names).
        /// Fact sheet §27 "Labels".
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        labels: Vec<String>,
        /// Rules that matched without terminating: Count, or CAPTCHA and
        /// Challenge with a valid token. Fact sheet §6.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        counted: Vec<String>,
        /// The token check of each CAPTCHA or Challenge rule that matched.
        /// Fact sheet §27 "CAPTCHA and Challenge".
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tokens: Vec<WafTokenCheck>,
        /// The answer WAF gives when it stops the request: 403 (Block),
        /// 405 (CAPTCHA) or 202 (Challenge). Fact sheet §6, §27.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The body was past the web ACL's inspection limit: WAF read
        /// only its first `limit` bytes. Fact sheet §6, §27.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_past_limit: Option<WafBodyLimit>,
    },
    /// WAF answered a CAPTCHA (405) or Challenge (202) rule's request with
    /// its interstitial instead of forwarding it. Fact sheet §6, §27.
    Interstitial {
        acl_id: String,
        rule: String,
        action: WafAction,
        status: u16,
        /// The HTML page is included only when the request accepts
        /// `text/html` (a browser GET without an Accept header does).
        html: bool,
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

/// A CAPTCHA or Challenge rule's look at the request's token
/// (cookie `aws-waf-token`). Fact sheet §27 "CAPTCHA and Challenge".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafTokenCheck {
    pub rule: String,
    pub action: WafAction,
    pub state: WafTokenState,
    /// World time (s) of the last solve of this kind, when the token has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_at_s: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_s: Option<u64>,
    pub immunity_s: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafTokenState {
    /// No `aws-waf-token` cookie.
    Missing,
    /// A token WAF cannot read, or without a solve of this kind.
    Invalid,
    /// Solved longer ago than the immunity time.
    Expired,
    /// Solved within the immunity time: the rule acts like Count.
    Valid,
}

/// A body larger than the bytes WAF inspects. Fact sheet §6, §27.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafBodyLimit {
    pub size: u64,
    pub limit: u64,
}

/// Oversize handling applied to a component past its inspection limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafOversizeSeen {
    pub size: u64,
    pub limit: u64,
    pub handling: Oversize,
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
    ByteMatch,
    RegexMatch,
    SizeConstraint,
    LabelMatch,
    ManagedRuleGroup,
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
    /// A request component after the transformations (string, regex and
    /// size statements). Fact sheet §27.
    Component {
        field: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<Transform>,
        /// The transformed value that matched, else the first inspected
        /// (clipped); None when nothing was inspected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Bytes of the whole component.
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        oversize: Option<WafOversizeSeen>,
        /// The request lacks the component: no match. Fact sheet §27.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        absent: bool,
    },
    /// The labels earlier rules added, and the one that matched.
    Labels {
        key: String,
        scope: LabelScope,
        labels: Vec<String>,
        matched: Option<String>,
    },
    /// A managed rule group and the rule in it that matched.
    Managed {
        group: ManagedGroup,
        rule: Option<String>,
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
            WafInspected::Component {
                field,
                transforms,
                value,
                size,
                oversize,
                absent,
            } => {
                if *absent {
                    return format!("the request has no {field}: no match (fact sheet §27)");
                }
                let mut out = format!("{field} ({size} bytes)");
                if !transforms.is_empty() {
                    let names: Vec<&str> = transforms.iter().map(|t| t.name()).collect();
                    out.push_str(&format!(" after {}", names.join(", ")));
                }
                if let Some(v) = value {
                    out.push_str(&format!(" reads '{v}'"));
                }
                if let Some(o) = oversize {
                    out.push_str(&format!(
                        "; past the {}-byte inspection limit, oversize handling {}",
                        o.limit,
                        o.handling.name()
                    ));
                    if o.handling != Oversize::Continue {
                        out.push_str(" decided without inspecting");
                    }
                }
                out.push_str(if matched { ": match" } else { ": no match" });
                out
            }
            WafInspected::Labels {
                key,
                labels,
                matched: m,
                ..
            } => match m {
                Some(l) => format!("label {l} (added by an earlier rule) matches {key}"),
                None if labels.is_empty() => {
                    format!("no earlier rule added a label, so nothing matches {key}")
                }
                None => format!("labels {} do not match {key}", labels.join(", ")),
            },
            WafInspected::Managed { group, rule } => match rule {
                Some(r) => format!("{group}: rule {r} matched"),
                None => format!("{group}: no rule in the group matched"),
            },
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
                match decider.action() {
                    _ if *allowed => format!("{scope} {acl_name}: allow"),
                    WafAction::Captcha => {
                        format!("{scope} {acl_name}: CAPTCHA by rule {decider} (405)")
                    }
                    WafAction::Challenge => {
                        format!("{scope} {acl_name}: CHALLENGE by rule {decider} (202)")
                    }
                    _ => format!("{scope} {acl_name}: BLOCK by rule {decider}"),
                }
            }
            WafEvent::Interstitial { action, status, .. } => match action {
                WafAction::Captcha => format!("HTTP {status} with a CAPTCHA puzzle (from AWS WAF)"),
                _ => format!("HTTP {status} with a silent challenge (from AWS WAF)"),
            },
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
            WafEvent::Interstitial { rule, action, html, .. } => format!(
                "rule {rule} ({action}) found no valid aws-waf-token cookie, so WAF answers instead of the application{}; once solved, the browser retries with the token and passes until the immunity time runs out (fact sheet §27)",
                if *html {
                    ", with the HTML interstitial (the request accepts text/html)"
                } else {
                    " without the HTML page (the request does not accept text/html: a POST or API call cannot complete it)"
                }
            ),
            WafEvent::Decision {
                at,
                client,
                allowed,
                decider,
                labels,
                counted,
                tokens,
                body_past_limit,
                ..
            } => {
                let base = self.why_base(at, *client, *allowed, decider);
                let mut extra = String::new();
                if let Some(b) = body_past_limit {
                    extra.push_str(&format!(
                        "; the body is {} bytes and WAF inspected only the first {} (the web ACL's limit, fact sheet §6, §27): rules saw no further, and an allowed request goes on whole",
                        b.size, b.limit
                    ));
                }
                if !counted.is_empty() {
                    extra.push_str(&format!(
                        "; matched without terminating (evaluation went on): {}",
                        counted.join(", ")
                    ));
                }
                if !labels.is_empty() {
                    extra.push_str(&format!("; labels on the request: {}", labels.join(", ")));
                }
                for t in tokens {
                    extra.push_str(&format!("; {}", t.render()));
                }
                format!("{base}{extra}")
            }
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

    fn why_base(
        &self,
        at: &WafSite,
        client: Ipv4Addr,
        allowed: bool,
        decider: &WafDecider,
    ) -> String {
        match at {
            WafSite::Cloudfront => {
                if allowed {
                    format!("WAF sees the viewer address {client}; no terminating rule matched, so {decider} applies")
                } else if matches!(decider.action(), WafAction::Captcha | WafAction::Challenge) {
                    format!("WAF sees the viewer address {client}; rule {decider} matched and the request carries no valid token, so WAF answers with its interstitial")
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
        }
    }
}

impl WafTokenCheck {
    /// The check as a sentence: `rule Puzzle (CAPTCHA): token solved at 0 s
    /// is 400 s old, over its immunity of 300 s`.
    pub fn render(&self) -> String {
        let head = format!("rule {} ({})", self.rule, self.action);
        match (self.state, self.solved_at_s, self.age_s) {
            (WafTokenState::Missing, ..) => format!("{head}: no aws-waf-token cookie"),
            (WafTokenState::Invalid, ..) => {
                format!("{head}: the aws-waf-token holds no readable solve of this kind")
            }
            (WafTokenState::Expired, Some(at), Some(age)) => format!(
                "{head}: token solved at {at} s is {age} s old, over its immunity time of {} s",
                self.immunity_s
            ),
            (WafTokenState::Valid, Some(at), Some(age)) => format!(
                "{head}: token solved at {at} s is {age} s old, within its immunity time of {} s: the rule acts like Count",
                self.immunity_s
            ),
            (state, ..) => format!("{head}: token {state:?}"),
        }
    }
}
