//! WAF match statements as configuration: the request component a rule
//! inspects, the text transformations applied first, positional
//! constraints, size comparisons, label matching, oversize handling,
//! managed rule groups, and the capacity (WCUs) each costs.
//! Fact sheet §6, §27.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{WafAction, WafRule, WafStatement, WebAcl};

/// The part of a request a statement inspects (AWS's FieldToMatch).
/// Fact sheet §27 "Request components".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldToMatch {
    /// The HTTP method (`GET`, `POST`, ...).
    Method,
    /// The URI path, leading `/` included, not normalized.
    UriPath,
    /// The query string, without the `?`.
    QueryString,
    /// One query parameter by name (case-insensitive); repeated values
    /// are OR-ed.
    SingleQueryArgument { name: String },
    /// One header by name (case-insensitive).
    SingleHeader { name: String },
    /// Every header: each name and each value is inspected.
    AllHeaders,
    /// The body, up to the web ACL's body inspection limit.
    Body,
    /// Every cookie of the `Cookie` header: each key and each value.
    Cookies,
}

impl FieldToMatch {
    /// Whether this component has an inspection limit that oversize
    /// handling applies to. Fact sheet §27 "Oversize handling".
    pub fn can_be_oversize(&self) -> bool {
        matches!(
            self,
            FieldToMatch::Body | FieldToMatch::AllHeaders | FieldToMatch::Cookies
        )
    }
}

impl fmt::Display for FieldToMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldToMatch::Method => f.write_str("method"),
            FieldToMatch::UriPath => f.write_str("URI path"),
            FieldToMatch::QueryString => f.write_str("query string"),
            FieldToMatch::SingleQueryArgument { name } => write!(f, "query argument {name}"),
            FieldToMatch::SingleHeader { name } => write!(f, "header {name}"),
            FieldToMatch::AllHeaders => f.write_str("all headers"),
            FieldToMatch::Body => f.write_str("body"),
            FieldToMatch::Cookies => f.write_str("cookies"),
        }
    }
}

/// Where the search string must sit in the component. Fact sheet §27.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Positional {
    Exactly,
    StartsWith,
    EndsWith,
    Contains,
    ContainsWord,
}

impl Positional {
    /// Base WCUs of a string match with this constraint. Fact sheet §27.
    pub fn wcu(self) -> u32 {
        match self {
            Positional::Exactly | Positional::StartsWith | Positional::EndsWith => 2,
            Positional::Contains | Positional::ContainsWord => 10,
        }
    }
}

impl fmt::Display for Positional {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Positional::Exactly => "EXACTLY",
            Positional::StartsWith => "STARTS_WITH",
            Positional::EndsWith => "ENDS_WITH",
            Positional::Contains => "CONTAINS",
            Positional::ContainsWord => "CONTAINS_WORD",
        })
    }
}

/// A text transformation, applied in the listed order before inspection.
/// Fact sheet §27 "Text transformations".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Transform {
    None,
    Lowercase,
    UrlDecode,
    HtmlEntityDecode,
    CompressWhiteSpace,
    CmdLine,
    Base64Decode,
    RemoveNulls,
}

impl Transform {
    /// Every transformation Hoplab models, in the order the README lists.
    pub const ALL: [Transform; 8] = [
        Transform::None,
        Transform::Lowercase,
        Transform::UrlDecode,
        Transform::HtmlEntityDecode,
        Transform::CompressWhiteSpace,
        Transform::CmdLine,
        Transform::Base64Decode,
        Transform::RemoveNulls,
    ];

    /// The AWS name, e.g. `URL_DECODE`.
    pub fn name(self) -> &'static str {
        match self {
            Transform::None => "NONE",
            Transform::Lowercase => "LOWERCASE",
            Transform::UrlDecode => "URL_DECODE",
            Transform::HtmlEntityDecode => "HTML_ENTITY_DECODE",
            Transform::CompressWhiteSpace => "COMPRESS_WHITE_SPACE",
            Transform::CmdLine => "CMD_LINE",
            Transform::Base64Decode => "BASE64_DECODE",
            Transform::RemoveNulls => "REMOVE_NULLS",
        }
    }

    /// WCUs: 10 each, NONE costs nothing. Fact sheet §27.
    pub fn wcu(self) -> u32 {
        if self == Transform::None {
            0
        } else {
            10
        }
    }
}

/// What a rule does with a component past its inspection limit.
/// Fact sheet §27 "Oversize handling".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Oversize {
    /// Inspect what fits (the API's default).
    #[default]
    Continue,
    /// Treat the request as matching, without inspecting.
    Match,
    /// Treat the request as not matching, without inspecting.
    NoMatch,
}

impl Oversize {
    pub fn is_default(&self) -> bool {
        *self == Oversize::Continue
    }
    pub fn name(self) -> &'static str {
        match self {
            Oversize::Continue => "CONTINUE",
            Oversize::Match => "MATCH",
            Oversize::NoMatch => "NO_MATCH",
        }
    }
}

/// A size constraint's comparison operator. Fact sheet §27.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SizeComparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl SizeComparison {
    pub fn holds(self, size: u64, limit: u64) -> bool {
        match self {
            SizeComparison::Eq => size == limit,
            SizeComparison::Ne => size != limit,
            SizeComparison::Lt => size < limit,
            SizeComparison::Le => size <= limit,
            SizeComparison::Gt => size > limit,
            SizeComparison::Ge => size >= limit,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            SizeComparison::Eq => "=",
            SizeComparison::Ne => "!=",
            SizeComparison::Lt => "<",
            SizeComparison::Le => "<=",
            SizeComparison::Gt => ">",
            SizeComparison::Ge => ">=",
        }
    }
}

/// Whether a label match names one label or a namespace. Fact sheet §27.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelScope {
    Label,
    Namespace,
}

/// The AWS managed rule groups Hoplab models, at the level of their
/// documented behaviour. Fact sheet §6, §27 "Managed rule groups".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ManagedGroup {
    #[serde(rename = "AWSManagedRulesCommonRuleSet")]
    CommonRuleSet,
    #[serde(rename = "AWSManagedRulesKnownBadInputsRuleSet")]
    KnownBadInputs,
    #[serde(rename = "AWSManagedRulesAmazonIpReputationList")]
    AmazonIpReputationList,
    #[serde(rename = "AWSManagedRulesSQLiRuleSet")]
    SqliRuleSet,
}

impl ManagedGroup {
    pub const ALL: [ManagedGroup; 4] = [
        ManagedGroup::CommonRuleSet,
        ManagedGroup::KnownBadInputs,
        ManagedGroup::AmazonIpReputationList,
        ManagedGroup::SqliRuleSet,
    ];

    /// The group's AWS name.
    pub fn name(self) -> &'static str {
        match self {
            ManagedGroup::CommonRuleSet => "AWSManagedRulesCommonRuleSet",
            ManagedGroup::KnownBadInputs => "AWSManagedRulesKnownBadInputsRuleSet",
            ManagedGroup::AmazonIpReputationList => "AWSManagedRulesAmazonIpReputationList",
            ManagedGroup::SqliRuleSet => "AWSManagedRulesSQLiRuleSet",
        }
    }

    /// The namespace of the labels its rules add.
    pub fn label_namespace(self) -> &'static str {
        match self {
            ManagedGroup::CommonRuleSet => "awswaf:managed:aws:core-rule-set",
            ManagedGroup::KnownBadInputs => "awswaf:managed:aws:known-bad-inputs",
            ManagedGroup::AmazonIpReputationList => "awswaf:managed:aws:amazon-ip-list",
            ManagedGroup::SqliRuleSet => "awswaf:managed:aws:sql-database",
        }
    }

    /// Capacity units. Fact sheet §6 "Capacity and managed rules", §27.
    pub fn wcu(self) -> u32 {
        match self {
            ManagedGroup::CommonRuleSet => 700,
            ManagedGroup::KnownBadInputs => 200,
            ManagedGroup::AmazonIpReputationList => 25,
            ManagedGroup::SqliRuleSet => 200,
        }
    }

    /// Read a group from its AWS name or a short one (`common`,
    /// `known_bad_inputs`, `ip_reputation`, `sqli`).
    pub fn parse(text: &str) -> Option<ManagedGroup> {
        let t = text.trim();
        ManagedGroup::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(t))
            .or(match t.to_ascii_lowercase().replace('-', "_").as_str() {
                "common" | "core" | "common_rule_set" | "core_rule_set" => {
                    Some(ManagedGroup::CommonRuleSet)
                }
                "known_bad_inputs" => Some(ManagedGroup::KnownBadInputs),
                "ip_reputation" | "amazon_ip_reputation_list" => {
                    Some(ManagedGroup::AmazonIpReputationList)
                }
                "sqli" | "sqli_rule_set" => Some(ManagedGroup::SqliRuleSet),
                _ => None,
            })
    }
}

impl fmt::Display for ManagedGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Web ACL capacity ceiling. Fact sheet §6, §27 (1,500 is a price tier).
pub use crate::sim::limits::WAF_MAX_WEB_ACL_WCU;

/// A statement's capacity units. Fact sheet §27 "Match statements and
/// their WCUs", §6 (SQLi 20, XSS 40). IP set, geo match and rate-based
/// are AWS's documented 1, 1 and 2.
pub fn statement_wcu(s: &WafStatement) -> u32 {
    let t = |ts: &[Transform]| ts.iter().map(|t| t.wcu()).sum::<u32>();
    match s {
        WafStatement::IpSet { .. } | WafStatement::GeoMatch { .. } => 1,
        WafStatement::RateBased { .. } => 2,
        WafStatement::SqlInjection => 20,
        WafStatement::Xss => 40,
        WafStatement::ByteMatch {
            positional,
            transforms,
            ..
        } => positional.wcu() + t(transforms),
        WafStatement::RegexMatch { transforms, .. } => 40 + t(transforms),
        WafStatement::SizeConstraint { transforms, .. } => 1 + t(transforms),
        WafStatement::LabelMatch { .. } => 1,
        WafStatement::ManagedRuleGroup { group } => group.wcu(),
    }
}

/// A web ACL's capacity: the sum of its rules' WCUs. Fact sheet §6, §27.
pub fn web_acl_wcu(acl: &WebAcl) -> u32 {
    acl.rules.iter().map(|r| statement_wcu(&r.statement)).sum()
}

/// The full name of a label a rule adds: `awswaf:<account>:webacl:<acl>:<label>`.
/// Fact sheet §27 "Labels".
pub fn full_label(acl: &WebAcl, label: &str) -> String {
    format!("awswaf:{}:webacl:{}:{label}", WAF_ACCOUNT, acl.name)
}

/// The account id labels carry (AWS's documentation example account).
pub const WAF_ACCOUNT: &str = "111122223333";

/// The immunity time of a CAPTCHA or Challenge rule: its own, else the
/// web ACL's, else 300 s. Fact sheet §27 "CAPTCHA and Challenge".
pub fn immunity_s(acl: &WebAcl, rule: &WafRule) -> u32 {
    rule.immunity_s.unwrap_or(match rule.action {
        WafAction::Captcha => acl.captcha_immunity_s.unwrap_or(300),
        _ => acl.challenge_immunity_s.unwrap_or(300),
    })
}

/// A label a rule adds, checked as AWS checks it: parts of letters,
/// digits, `_` and `-` separated by `:`, at most 5 namespaces, at most 128
/// characters, no reserved word as a namespace. Fact sheet §27.
pub fn check_label(label: &str) -> Result<(), String> {
    const RESERVED: [&str; 8] = [
        "awswaf",
        "aws",
        "waf",
        "rulegroup",
        "webacl",
        "regexpatternset",
        "ipset",
        "managed",
    ];
    if label.is_empty() || label.len() > 128 {
        return Err(format!(
            "label '{}' must have 1-128 characters (fact sheet §27)",
            crate::sim::text::clip(label)
        ));
    }
    let parts: Vec<&str> = label.split(':').collect();
    if parts.len() > 6 {
        return Err(format!(
            "label '{}' has {} namespaces: at most 5 (fact sheet §27)",
            crate::sim::text::clip(label),
            parts.len() - 1
        ));
    }
    for p in &parts {
        if p.is_empty()
            || !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "label '{}': each part is letters, digits, _ or -, separated by ':' (fact sheet §27)",
                crate::sim::text::clip(label)
            ));
        }
    }
    if let Some(p) = parts[..parts.len() - 1]
        .iter()
        .find(|p| RESERVED.contains(&p.to_ascii_lowercase().as_str()))
    {
        return Err(format!(
            "label '{}': '{p}' is a reserved word (fact sheet §27)",
            crate::sim::text::clip(label)
        ));
    }
    Ok(())
}

/// The match statements, labels, tokens and capacity of a web ACL, as
/// AWS checks them. Fact sheet §6, §27.
pub fn validate_waf_statements(acl: &WebAcl) -> Result<(), String> {
    use crate::sim::limits::*;
    use crate::sim::text::clip;
    if matches!(
        acl.default_action,
        WafAction::Captcha | WafAction::Challenge
    ) {
        return Err(format!(
            "web ACL {}: the default action is Allow or Block (fact sheet §6)",
            clip(&acl.name)
        ));
    }
    for (what, v, range) in [
        ("CAPTCHA", acl.captcha_immunity_s, WAF_CAPTCHA_IMMUNITY_S),
        (
            "Challenge",
            acl.challenge_immunity_s,
            WAF_CHALLENGE_IMMUNITY_S,
        ),
    ] {
        if let Some(v) = v.filter(|v| !range.contains(v)) {
            return Err(format!(
                "web ACL {}: {what} immunity time {v} s is outside {}..={} s (fact sheet §27)",
                clip(&acl.name),
                range.start(),
                range.end()
            ));
        }
    }
    for r in &acl.rules {
        let name = clip(&r.name);
        let transforms = match &r.statement {
            WafStatement::ByteMatch { transforms, .. }
            | WafStatement::RegexMatch { transforms, .. }
            | WafStatement::SizeConstraint { transforms, .. } => transforms.as_slice(),
            _ => &[],
        };
        if transforms.len() > WAF_MAX_TRANSFORMS {
            return Err(format!(
                "WAF rule {name}: {} text transformations is over the {WAF_MAX_TRANSFORMS} a statement takes (fact sheet §27)",
                transforms.len()
            ));
        }
        match &r.statement {
            WafStatement::ByteMatch {
                field,
                positional,
                search,
                ..
            } => {
                check_field(&name, field)?;
                if search.is_empty() || search.chars().count() > WAF_MAX_SEARCH_LEN {
                    return Err(format!(
                        "WAF rule {name}: the search string needs 1-{WAF_MAX_SEARCH_LEN} characters (fact sheet §27)"
                    ));
                }
                if *positional == Positional::ContainsWord
                    && !search
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(format!(
                        "WAF rule {name}: a CONTAINS_WORD search string may hold only A-Z, a-z, 0-9 and _ (fact sheet §27)"
                    ));
                }
            }
            WafStatement::RegexMatch {
                field, patterns, ..
            } => {
                check_field(&name, field)?;
                if patterns.is_empty() || patterns.len() > WAF_MAX_REGEX_PATTERNS {
                    return Err(format!(
                        "WAF rule {name}: a regex pattern set holds 1-{WAF_MAX_REGEX_PATTERNS} patterns (fact sheet §27)"
                    ));
                }
                for p in patterns {
                    if p.is_empty() || p.chars().count() > WAF_MAX_REGEX_LEN {
                        return Err(format!(
                            "WAF rule {name}: each regex pattern has 1-{WAF_MAX_REGEX_LEN} characters (fact sheet §27)"
                        ));
                    }
                    crate::sim::waf_regex::Regex::new(p)
                        .map_err(|e| format!("WAF rule {name}: pattern /{}/: {e}", clip(p)))?;
                }
            }
            WafStatement::SizeConstraint { field, .. } => check_field(&name, field)?,
            WafStatement::LabelMatch { key, .. } => {
                let k = key.trim();
                if k.is_empty()
                    || k.len() > 1024
                    || !k
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':'))
                {
                    return Err(format!(
                        "WAF rule {name}: label match key '{}' must be a label or namespace (letters, digits, _, -, ':') (fact sheet §27)",
                        clip(k)
                    ));
                }
            }
            WafStatement::ManagedRuleGroup { .. } => {
                if !matches!(r.action, WafAction::Block | WafAction::Count) {
                    return Err(format!(
                        "WAF rule {name}: a managed rule group uses its own rules' actions (block) or overrides them to count; {} is not an override (fact sheet §6)",
                        r.action
                    ));
                }
                if !r.labels.is_empty() {
                    return Err(format!(
                        "WAF rule {name}: a rule group reference cannot add labels; its own rules do (fact sheet §27)"
                    ));
                }
            }
            _ => {}
        }
        for l in &r.labels {
            check_label(l).map_err(|e| format!("WAF rule {name}: {e}"))?;
        }
        if let Some(i) = r.immunity_s {
            let range = match r.action {
                WafAction::Captcha => WAF_CAPTCHA_IMMUNITY_S,
                WafAction::Challenge => WAF_CHALLENGE_IMMUNITY_S,
                _ => {
                    return Err(format!(
                        "WAF rule {name}: only a CAPTCHA or Challenge rule has an immunity time (fact sheet §27)"
                    ))
                }
            };
            if !range.contains(&i) {
                return Err(format!(
                    "WAF rule {name}: immunity time {i} s is outside {}..={} s for {} (fact sheet §27)",
                    range.start(),
                    range.end(),
                    r.action
                ));
            }
        }
    }
    let wcu = web_acl_wcu(acl);
    if wcu > WAF_MAX_WEB_ACL_WCU {
        return Err(format!(
            "web ACL {}: its rules need {wcu} WCUs, over the web ACL capacity of {WAF_MAX_WEB_ACL_WCU} (1,500 is only where the price rises; fact sheet §6, §27)",
            clip(&acl.name)
        ));
    }
    Ok(())
}

fn check_field(rule: &str, f: &FieldToMatch) -> Result<(), String> {
    match f {
        FieldToMatch::SingleQueryArgument { name } if name.trim().is_empty() || name.len() > 30 => {
            Err(format!(
                "WAF rule {rule}: a query argument name has 1-30 characters (fact sheet §27)"
            ))
        }
        FieldToMatch::SingleHeader { name }
            if name.trim().is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Err(format!(
                "WAF rule {rule}: header name '{}' is not a header name",
                crate::sim::text::clip(name)
            ))
        }
        _ => Ok(()),
    }
}

/// The body inspection limit a web ACL may have: CloudFront 16, 32, 48 or
/// 64 KB; a regional ACL on an ALB 8 KB only. Fact sheet §6, §27.
pub fn validate_body_limit(acl: &WebAcl, cloudfront: bool) -> Result<(), String> {
    use crate::sim::limits::{WAF_CLOUDFRONT_BODY_KB, WAF_REGIONAL_BODY_KB};
    match acl.body_inspection_kb {
        None => Ok(()),
        Some(kb) if cloudfront && WAF_CLOUDFRONT_BODY_KB.contains(&kb) => Ok(()),
        Some(kb) if !cloudfront && kb == WAF_REGIONAL_BODY_KB => Ok(()),
        Some(kb) if cloudfront => Err(format!(
            "web ACL {}: a CloudFront web ACL inspects 16, 32, 48 or 64 KB of the body, not {kb} (fact sheet §6, §27)",
            crate::sim::text::clip(&acl.name)
        )),
        Some(kb) => Err(format!(
            "web ACL {}: a regional web ACL on an ALB inspects the first 8 KB of the body; {kb} KB is not offered (fact sheet §6, §27)",
            crate::sim::text::clip(&acl.name)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_follows_the_documented_units() {
        // §27: CONTAINS 10, +10 per transformation; regex 40; size 1; label 1.
        let s = WafStatement::ByteMatch {
            field: FieldToMatch::UriPath,
            positional: Positional::Contains,
            search: "x".into(),
            transforms: vec![Transform::Lowercase, Transform::UrlDecode],
            oversize: Oversize::Continue,
        };
        assert_eq!(statement_wcu(&s), 30);
        assert_eq!(
            statement_wcu(&WafStatement::ManagedRuleGroup {
                group: ManagedGroup::CommonRuleSet
            }),
            700
        );
    }

    #[test]
    fn labels_refuse_reserved_namespaces_and_too_many_parts() {
        // §27 "Labels": ≤ 5 namespaces; reserved words.
        assert!(check_label("bots:suspicious").is_ok());
        assert!(check_label("aws:x").is_err());
        assert!(check_label("a:b:c:d:e:f:g").is_err());
        assert!(check_label("bad label").is_err());
    }

    #[test]
    fn managed_groups_read_short_and_aws_names() {
        assert_eq!(
            ManagedGroup::parse("ip_reputation"),
            Some(ManagedGroup::AmazonIpReputationList)
        );
        assert_eq!(
            ManagedGroup::parse("AWSManagedRulesCommonRuleSet"),
            Some(ManagedGroup::CommonRuleSet)
        );
        assert_eq!(ManagedGroup::parse("nope"), None);
    }
}
