//! A listener rule's conditions against the ALB's limits: how many values
//! a condition and a rule may hold, how many wildcards, which condition
//! types may appear once only, and the values each type accepts.
//! Fact sheet §8 "Listener rules", "Condition matching details".

use std::collections::BTreeSet;

use super::{Condition, ListenerRule};
use crate::sim::limits::*;
use crate::sim::text::clip;

/// The condition's type as AWS spells it, and its values as text.
fn parts(c: &Condition) -> (&'static str, Vec<&str>) {
    match c {
        Condition::HostHeader { values } => ("host-header", strs(values)),
        Condition::PathPattern { values } => ("path-pattern", strs(values)),
        Condition::HttpHeader { values, .. } => ("http-header", strs(values)),
        Condition::HttpRequestMethod { values } => ("http-request-method", strs(values)),
        Condition::QueryString { values } => (
            "query-string",
            values
                .iter()
                .flat_map(|q| q.key.as_deref().into_iter().chain([q.value.as_str()]))
                .collect(),
        ),
        Condition::SourceIp { values } => ("source-ip", vec![""; values.len()]),
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// How many values a condition holds (a query-string key/value pair is one).
fn value_count(c: &Condition) -> usize {
    match c {
        Condition::HostHeader { values }
        | Condition::PathPattern { values }
        | Condition::HttpHeader { values, .. }
        | Condition::HttpRequestMethod { values } => values.len(),
        Condition::QueryString { values } => values.len(),
        Condition::SourceIp { values } => values.len(),
    }
}

/// Check one rule's conditions; the message names the condition and the
/// limit it breaks.
pub fn validate_conditions(rule: &ListenerRule) -> Result<(), String> {
    let mut once = BTreeSet::new();
    let mut total = 0;
    let mut wildcards = 0;
    for c in &rule.conditions {
        let (kind, texts) = parts(c);
        let n = value_count(c);
        if n == 0 {
            return Err(format!("the {kind} condition has no values"));
        }
        if n > MAX_VALUES_PER_CONDITION {
            return Err(format!(
                "the {kind} condition has {n} values, over the ALB's limit of {MAX_VALUES_PER_CONDITION} per condition (fact sheet §8)"
            ));
        }
        if kind != "http-header" && kind != "query-string" && !once.insert(kind) {
            return Err(format!(
                "a rule has at most one {kind} condition (fact sheet §8)"
            ));
        }
        total += n;
        wildcards += texts
            .iter()
            .map(|t| t.matches(['*', '?']).count())
            .sum::<usize>();
        validate_values(c)?;
    }
    if total > MAX_CONDITION_VALUES_PER_RULE {
        return Err(format!(
            "{total} condition values is over the ALB's quota of {MAX_CONDITION_VALUES_PER_RULE} per rule (fact sheet §8)"
        ));
    }
    if wildcards > MAX_WILDCARDS_PER_RULE {
        return Err(format!(
            "{wildcards} wildcards is over the ALB's quota of {MAX_WILDCARDS_PER_RULE} per rule (fact sheet §8)"
        ));
    }
    Ok(())
}

/// The values a condition type accepts: a host with a dot, a path pattern
/// of at most 128 characters, no 255.255.255.255/32 source.
fn validate_values(c: &Condition) -> Result<(), String> {
    match c {
        Condition::HostHeader { values } => {
            if let Some(v) = values.iter().find(|v| !v.contains('.')) {
                return Err(format!(
                    "host-header value '{}' needs at least one '.' (fact sheet §8)",
                    clip(v)
                ));
            }
        }
        Condition::PathPattern { values } => {
            if let Some(v) = values.iter().find(|v| v.chars().count() > MAX_PATH_PATTERN) {
                return Err(format!(
                    "path-pattern value '{}' is longer than {MAX_PATH_PATTERN} characters (fact sheet §8)",
                    clip(v)
                ));
            }
        }
        Condition::SourceIp { values }
            if values.iter().any(|v| v.to_string() == "255.255.255.255/32") =>
        {
            return Err("source-ip 255.255.255.255/32 is not allowed (fact sheet §8)".into());
        }
        _ => {}
    }
    Ok(())
}
