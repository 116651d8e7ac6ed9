//! The edge: the CloudFront distribution (behaviours, timeouts, the edge
//! DNS caches and cached objects), its WAF web ACL, the S3 origin.

use super::{dns_cache_rows, Row};
use crate::sim::scenario::{statement_wcu, web_acl_wcu, WebAcl};
use crate::sim::world::World;

/// The distribution: behaviours, origin timeouts, each edge's DNS cache
/// and the objects cached at the edge.
pub(super) fn cloudfront(w: &World) -> Vec<Row> {
    let s = w.scenario();
    let now = w.now_ms();
    let mut rows: Vec<Row> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    let cache_rows = dns_cache_rows(w);
    row("distribution", s.cdn.domain.clone());
    row(
        "IPv6",
        if s.cdn.ipv6_enabled {
            "on: AAAA answers with the edge's IPv6 address (dual stack)".into()
        } else {
            "off: AAAA gets NODATA, clients use IPv4".into()
        },
    );
    for (i, b) in s.cdn.behaviors.iter().enumerate() {
        row(
            &format!("behaviour {}", i + 1),
            format!(
                "{} -> {} (TTL min/default/max {}/{}/{} s; {})",
                b.path_pattern,
                b.origin,
                b.min_ttl_s,
                b.default_ttl_s,
                b.max_ttl_s,
                b.allowed_methods.methods().join(", ")
            ),
        );
    }
    row(
        "origin timeouts",
        format!(
            "{} attempts x {} s",
            s.cdn.connection_attempts, s.cdn.connection_timeout_s
        ),
    );
    rows.push(super::limits::cloudfront());
    rows.push(super::limits::shield(&s.cdn.shield));
    for p in &s.cdn.pops {
        cache_rows(crate::sim::dns::CacheOwner::Edge(&p.id), &mut rows);
    }
    for (k, e) in w.cdn_cache() {
        if e.expires_at_ms > now {
            rows.push((
                format!("object {k}"),
                format!(
                    "HTTP {} ({} s left)",
                    e.status,
                    (e.expires_at_ms - now) / 1000
                ),
            ));
        }
    }
    rows
}

/// A web ACL: its rules by priority (with the labels they add and their
/// immunity times), the default action, its capacity, body inspection
/// limit and token immunity times. Fact sheet §6, §27.
pub(super) fn web_acl(acl: &WebAcl) -> Vec<Row> {
    web_acl_at(acl, true)
}

/// A web ACL's rows; `cloudfront` picks the body limit it shows.
pub(super) fn web_acl_at(acl: &WebAcl, cloudfront: bool) -> Vec<Row> {
    let mut rows: Vec<Row> = vec![("web ACL".into(), acl.name.clone())];
    let mut rules: Vec<_> = acl.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    for r in rules {
        let mut text = format!("{}: {} -> {}", r.name, r.statement, r.action);
        if let Some(i) = r.immunity_s {
            text.push_str(&format!(" (immunity {i} s)"));
        }
        if !r.labels.is_empty() {
            text.push_str(&format!("; adds label {}", r.labels.join(", ")));
        }
        text.push_str(&format!(" [{} WCU]", statement_wcu(&r.statement)));
        rows.push((format!("priority {}", r.priority), text));
    }
    rows.push(("default action".into(), acl.default_action.to_string()));
    rows.push((
        "capacity".into(),
        format!(
            "{} of {} WCUs",
            web_acl_wcu(acl),
            crate::sim::limits::WAF_MAX_WEB_ACL_WCU
        ),
    ));
    rows.push((
        "body inspection".into(),
        if cloudfront {
            format!("first {} KB", acl.body_inspection_kb.unwrap_or(16))
        } else {
            "first 8 KB (regional)".into()
        },
    ));
    rows.push((
        "token immunity".into(),
        format!(
            "CAPTCHA {} s, Challenge {} s",
            acl.captcha_immunity_s.unwrap_or(300),
            acl.challenge_immunity_s.unwrap_or(300)
        ),
    ));
    rows
}

/// The S3 bucket behind the default behaviour.
pub(super) fn s3() -> Vec<Row> {
    vec![
        ("bucket".into(), "healthcareapp-static".into()),
        ("serves".into(), "/ and /static/*".into()),
    ]
}
