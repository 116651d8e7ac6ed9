//! The edge: the CloudFront distribution (behaviours, timeouts, the edge
//! DNS caches and cached objects), its WAF web ACL, the S3 origin.

use super::{dns_cache_rows, Row};
use crate::sim::scenario::WebAcl;
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

/// A web ACL: its rules by priority and the default action.
pub(super) fn web_acl(acl: &WebAcl) -> Vec<Row> {
    let mut rows: Vec<Row> = vec![("web ACL".into(), acl.name.clone())];
    let mut rules: Vec<_> = acl.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    for r in rules {
        rows.push((
            format!("priority {}", r.priority),
            format!("{}: {} -> {}", r.name, r.statement, r.action),
        ));
    }
    rows.push(("default action".into(), acl.default_action.to_string()));
    rows
}

/// The S3 bucket behind the default behaviour.
pub(super) fn s3() -> Vec<Row> {
    vec![
        ("bucket".into(), "healthcareapp-static".into()),
        ("serves".into(), "/ and /static/*".into()),
    ]
}
