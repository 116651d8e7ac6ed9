//! WAF edits for match statements, labels, managed rule groups, actions
//! (CAPTCHA and Challenge with their immunity times), the default action
//! and the body inspection limit. Fact sheet §6, §27.

use super::waf::{
    find_acl, free_priority, list, number, parse_action, priority_of, rule_at, rule_name,
};
use super::{Edit, EditError, VpcPart};
use crate::sim::scenario::{
    FieldToMatch, LabelScope, ManagedGroup, Oversize, Positional, Scenario, SizeComparison,
    Transform, WafAction, WafRule, WafStatement,
};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddWafMatchRule {
            web_acl,
            priority,
            name,
            statement,
            field,
            action,
            ..
        } => format!("{web_acl}: add rule {priority} {name} ({statement} on {field}, {action})"),
        Edit::AddWafLabelRule {
            web_acl,
            priority,
            name,
            key,
            action,
            ..
        } => format!("{web_acl}: add rule {priority} {name} (label {key}, {action})"),
        Edit::AddWafManagedGroup {
            web_acl,
            priority,
            name,
            group,
            action,
        } => format!("{web_acl}: add rule {priority} {name} (managed {group}, {action})"),
        Edit::SetWafRuleAction {
            web_acl,
            name,
            action,
            immunity_s,
        } => {
            if immunity_s.trim().is_empty() {
                format!("{web_acl}: rule {name} action {action}")
            } else {
                format!("{web_acl}: rule {name} action {action} (immunity {immunity_s} s)")
            }
        }
        Edit::SetWafRuleLabels {
            web_acl,
            name,
            labels,
        } => format!("{web_acl}: rule {name} labels {labels}"),
        Edit::SetWafDefaultAction { web_acl, action } => {
            format!("{web_acl}: default action {action}")
        }
        Edit::SetWafTokenImmunity {
            web_acl,
            captcha_s,
            challenge_s,
        } => format!("{web_acl}: immunity CAPTCHA {captcha_s} s, Challenge {challenge_s} s"),
        Edit::SetWafBodyLimit { web_acl, kb } => format!("{web_acl}: body inspection {kb} KB"),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddWafMatchRule {
            web_acl,
            priority,
            name,
            statement,
            field,
            search,
            positional,
            patterns,
            comparison,
            size,
            transforms,
            oversize,
            labels,
            action,
            immunity_s,
        } => {
            let field = parse_field(field)?;
            let transforms = parse_transforms(transforms)?;
            let oversize = parse_oversize(oversize)?;
            let statement = match norm(statement).as_str() {
                "byte_match" | "string_match" => WafStatement::ByteMatch {
                    field,
                    positional: parse_positional(positional)?,
                    search: search.clone(),
                    transforms,
                    oversize,
                },
                "regex_match" | "regex" | "regex_pattern_set" => WafStatement::RegexMatch {
                    field,
                    patterns: patterns
                        .lines()
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect(),
                    transforms,
                    oversize,
                },
                "size_constraint" | "size" => WafStatement::SizeConstraint {
                    field,
                    comparison: parse_comparison(comparison)?,
                    size: number(size, "size in bytes")?,
                    transforms,
                    oversize,
                },
                _ => {
                    return Err(EditError::Parse(format!(
                        "'{}' is not a match statement: byte_match, regex_match or size_constraint",
                        clip(statement.trim())
                    )))
                }
            };
            add_rule(
                s, web_acl, priority, name, statement, action, labels, immunity_s,
            )
        }
        Edit::AddWafLabelRule {
            web_acl,
            priority,
            name,
            scope,
            key,
            action,
            labels,
            immunity_s,
        } => {
            let scope = match norm(scope).as_str() {
                "label" | "" => LabelScope::Label,
                "namespace" => LabelScope::Namespace,
                _ => {
                    return Err(EditError::Parse(format!(
                        "'{}' is not a label match scope: label or namespace",
                        clip(scope.trim())
                    )))
                }
            };
            let statement = WafStatement::LabelMatch {
                scope,
                key: key.trim().to_string(),
            };
            add_rule(
                s, web_acl, priority, name, statement, action, labels, immunity_s,
            )
        }
        Edit::AddWafManagedGroup {
            web_acl,
            priority,
            name,
            group,
            action,
        } => {
            let Some(group) = ManagedGroup::parse(group) else {
                return Err(EditError::Parse(format!(
                    "'{}' is not a managed rule group Hoplab models: common, known_bad_inputs, ip_reputation or sqli",
                    clip(group.trim())
                )));
            };
            let statement = WafStatement::ManagedRuleGroup { group };
            add_rule(s, web_acl, priority, name, statement, action, "", "")
        }
        Edit::SetWafRuleAction {
            web_acl,
            name,
            action,
            immunity_s,
        } => {
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            acl.rules[at].action = parse_action(action)?;
            acl.rules[at].immunity_s = optional(immunity_s, "immunity time")?;
            Ok(())
        }
        Edit::SetWafRuleLabels {
            web_acl,
            name,
            labels,
        } => {
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            acl.rules[at].labels = parse_labels(labels);
            Ok(())
        }
        Edit::SetWafDefaultAction { web_acl, action } => {
            let acl = find_acl(s, web_acl)?;
            acl.default_action = match norm(action).as_str() {
                "allow" => WafAction::Allow,
                "block" => WafAction::Block,
                _ => {
                    return Err(EditError::Parse(format!(
                        "'{}' is not a default action: allow or block (fact sheet §6)",
                        clip(action.trim())
                    )))
                }
            };
            Ok(())
        }
        Edit::SetWafTokenImmunity {
            web_acl,
            captcha_s,
            challenge_s,
        } => {
            let acl = find_acl(s, web_acl)?;
            acl.captcha_immunity_s = optional(captcha_s, "CAPTCHA immunity time")?;
            acl.challenge_immunity_s = optional(challenge_s, "Challenge immunity time")?;
            Ok(())
        }
        Edit::SetWafBodyLimit { web_acl, kb } => {
            let acl = find_acl(s, web_acl)?;
            // Empty: back to the default (16 KB CloudFront, 8 KB regional);
            // validation refuses a size the ACL's service does not offer.
            acl.body_inspection_kb = optional(kb, "body inspection limit in KB")?;
            Ok(())
        }
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn add_rule(
    s: &mut Scenario,
    web_acl: &str,
    priority: &str,
    name: &str,
    statement: WafStatement,
    action: &str,
    labels: &str,
    immunity_s: &str,
) -> Result<(), EditError> {
    let acl = find_acl(s, web_acl)?;
    let name = rule_name(name)?;
    if acl.rules.iter().any(|r| r.name == name) {
        return Err(EditError::Exists {
            part: VpcPart::WafRule,
            id: name,
        });
    }
    let priority = priority_of(priority)?;
    free_priority(acl, priority, None)?;
    let action = parse_action(action)?;
    acl.rules.push(WafRule {
        priority,
        name,
        statement,
        action,
        labels: parse_labels(labels),
        immunity_s: optional(immunity_s, "immunity time")?,
    });
    acl.rules.sort_by_key(|r| r.priority);
    Ok(())
}

fn norm(t: &str) -> String {
    t.trim().to_ascii_lowercase().replace('-', "_")
}

fn optional(text: &str, what: &str) -> Result<Option<u32>, EditError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let n = number(text, what)?;
    u32::try_from(n)
        .map(Some)
        .map_err(|_| EditError::Parse(format!("{n} is too large for a {what}")))
}

fn parse_labels(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in list(text) {
        if !out.iter().any(|x| x == l) {
            out.push(l.to_string());
        }
    }
    out
}

/// `uri_path`, `header:User-Agent`, `query_argument:id`, … Fact sheet §27.
fn parse_field(text: &str) -> Result<FieldToMatch, EditError> {
    let t = text.trim();
    let (kind, arg) = match t.split_once(':') {
        Some((k, a)) => (norm(k), Some(a.trim().to_string())),
        None => (norm(t), None),
    };
    Ok(match (kind.as_str(), arg) {
        ("method", None) => FieldToMatch::Method,
        ("uri_path" | "path" | "uri", None) => FieldToMatch::UriPath,
        ("query_string" | "query", None) => FieldToMatch::QueryString,
        ("all_headers" | "headers", None) => FieldToMatch::AllHeaders,
        ("body", None) => FieldToMatch::Body,
        ("cookies", None) => FieldToMatch::Cookies,
        ("header" | "single_header", Some(name)) => FieldToMatch::SingleHeader { name },
        ("query_argument" | "single_query_argument", Some(name)) => {
            FieldToMatch::SingleQueryArgument { name }
        }
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not a request component: method, uri_path, query_string, query_argument:NAME, header:NAME, all_headers, body or cookies (fact sheet §27)",
                clip(t)
            )))
        }
    })
}

fn parse_transforms(text: &str) -> Result<Vec<Transform>, EditError> {
    list(text)
        .into_iter()
        .map(|t| {
            Transform::ALL
                .into_iter()
                .find(|x| x.name().eq_ignore_ascii_case(&t.replace('-', "_")))
                .ok_or_else(|| {
                    EditError::Parse(format!(
                        "'{}' is not a text transformation Hoplab models: {}",
                        clip(t),
                        Transform::ALL
                            .iter()
                            .map(|x| x.name().to_ascii_lowercase())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        })
        .collect()
}

fn parse_positional(text: &str) -> Result<Positional, EditError> {
    Ok(match norm(text).as_str() {
        "exactly" => Positional::Exactly,
        "starts_with" => Positional::StartsWith,
        "ends_with" => Positional::EndsWith,
        "contains" | "" => Positional::Contains,
        "contains_word" => Positional::ContainsWord,
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not a positional constraint: exactly, starts_with, ends_with, contains or contains_word",
                clip(text.trim())
            )))
        }
    })
}

fn parse_oversize(text: &str) -> Result<Oversize, EditError> {
    Ok(match norm(text).as_str() {
        "continue" | "" => Oversize::Continue,
        "match" => Oversize::Match,
        "no_match" | "nomatch" => Oversize::NoMatch,
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not oversize handling: continue, match or no_match",
                clip(text.trim())
            )))
        }
    })
}

fn parse_comparison(text: &str) -> Result<SizeComparison, EditError> {
    Ok(match norm(text).as_str() {
        "eq" | "=" | "==" => SizeComparison::Eq,
        "ne" | "!=" => SizeComparison::Ne,
        "lt" | "<" => SizeComparison::Lt,
        "le" | "<=" => SizeComparison::Le,
        "gt" | ">" => SizeComparison::Gt,
        "ge" | ">=" => SizeComparison::Ge,
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not a size comparison: eq, ne, lt, le, gt or ge",
                clip(text.trim())
            )))
        }
    })
}
