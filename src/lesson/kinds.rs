//! The names a goal may use for an event's `component` and `kind`, and a
//! check's `rule.type`: the serialized names of the engine's own types.
//!
//! They are written out here rather than read from the types at run time,
//! so that the page's WebAssembly holds no deserializer for events (which
//! it never reads: a lesson's goals match serialized events). The tests
//! below read every list from the types themselves: serde refuses an
//! unknown tag with "unknown variant `x`, expected one of `a`, `b`, ...",
//! listing every variant by its serialized name. A variant added to
//! `src/sim/event/*.rs` fails them until it is listed here.

/// Event families a goal may name (not the retiring `text`).
const FAMILIES: &[&str] = &["browser", "dns", "cdn", "waf", "net", "alb", "app", "nlb"];

/// Each family's event kinds, in the order the engine declares them.
const KINDS: &[(&str, &[&str])] = &[
    (
        "browser",
        &[
            "cache_hit",
            "refused",
            "redirect",
            "too_many_redirects",
            "gave_up",
            "family",
            "ipv6_failed",
        ],
    ),
    (
        "dns",
        &[
            "cache_hit",
            "cache_miss",
            "link_cached",
            "ns_cached",
            "query",
            "query_timeout",
            "referral",
            "tree_nxdomain",
            "answer",
            "response",
            "cname_restart",
            "servfail",
        ],
    ),
    (
        "cdn",
        &[
            "viewer_connect",
            "plain_request",
            "viewer_redirect",
            "https_only",
            "viewer_tls",
            "viewer_certificate_mismatch",
            "viewer_request",
            "waf_blocked",
            "method_not_allowed",
            "method_refused",
            "cache_lookup",
            "cache_hit",
            "refresh_hit",
            "stale_hit",
            "origin_response",
            "origin_group_failover",
            "origin_group_no_failover",
            "s3_request",
            "s3_response",
            "origin_fault",
            "origin_dns_cached",
            "origin_dns_miss",
            "origin_unresolvable",
            "request_too_large",
            "shield_blocked",
            "viewer_reuse",
        ],
    ),
    ("waf", &["decision", "interstitial", "shield"]),
    (
        "net",
        &[
            "handshake",
            "egress_dropped",
            "egress_handshake",
            "nat_rewrite",
            "internet_gateway",
            "api_answer",
            "reuse",
        ],
    ),
    (
        "alb",
        &[
            "unreachable",
            "connect",
            "tls",
            "request",
            "generated",
            "default_action",
            "rule_match",
            "no_targets",
            "target_pick",
            "draining_closed",
            "client_keepalive_ended",
            "target_down",
            "response",
            "tls_version_refused",
        ],
    ),
    (
        "app",
        &[
            "ingress_match",
            "endpoint_pick",
            "local_drop",
            "reset",
            "pod_request",
            "pod_response",
            "app_dns_cache",
            "db_resolve",
            "db_no_endpoint",
            "db_read_only",
            "db_refused",
            "query",
            "query_result",
            "db_pool_reset",
        ],
    ),
    (
        "nlb",
        &[
            "connect",
            "idle_reset",
            "kept_target",
            "unreachable",
            "tls_terminated",
            "tls_pass_through",
            "target_pick",
            "no_targets_in_az",
            "target_connect",
            "target_reset",
            "response",
        ],
    ),
];

/// The `type`s of a check's rule.
const RULE_TYPES: &[&str] = &[
    "number",
    "star",
    "sg_rule",
    "no_sg_rule",
    "route",
    "no_route",
    "tracked",
    "waf_rule",
    "waf_default",
    "listener_rule",
    "listener_default",
];

/// Event families a goal may name: `browser`, `dns`, `cdn`, `waf`, `net`,
/// `alb`, `app`, `nlb`.
pub fn families() -> &'static [&'static str] {
    FAMILIES
}

/// The event kinds of one family (`dns` -> `query`, `referral`, ...).
pub fn kinds(family: &str) -> Option<&'static [&'static str]> {
    KINDS.iter().find(|(f, _)| *f == family).map(|(_, k)| *k)
}

/// The `type`s of a check's rule (`number`, `star`, `sg_rule`, ...).
pub fn rule_types() -> &'static [&'static str] {
    RULE_TYPES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::check::RuleRef;
    use crate::sim::event::{
        AlbEvent, AppEvent, BrowserEvent, CdnEvent, DnsEvent, Event, NetEvent, NlbEvent, WafEvent,
    };
    use serde::de::DeserializeOwned;
    use serde_json::json;

    /// A tag no enum has.
    const PROBE: &str = "\u{1}not-a-variant";

    /// The serialized variant names of an enum tagged by `tag`, as serde
    /// lists them when it refuses a tag.
    fn variants<T: DeserializeOwned>(tag: &str) -> Vec<String> {
        let err = match serde_json::from_value::<T>(json!({ tag: PROBE })) {
            Ok(_) => return Vec::new(),
            Err(e) => e.to_string(),
        };
        let Some(at) = err.find("expected") else {
            return Vec::new();
        };
        err[at..]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_families_are_the_events_components_but_text() {
        let read: Vec<String> = variants::<Event>("component")
            .into_iter()
            .filter(|f| f != "text")
            .collect();
        assert_eq!(families(), read);
    }

    #[test]
    fn every_familys_kinds_are_its_events_serialized_names() {
        let read = [
            ("browser", variants::<BrowserEvent>("kind")),
            ("dns", variants::<DnsEvent>("kind")),
            ("cdn", variants::<CdnEvent>("kind")),
            ("waf", variants::<WafEvent>("kind")),
            ("net", variants::<NetEvent>("kind")),
            ("alb", variants::<AlbEvent>("kind")),
            ("app", variants::<AppEvent>("kind")),
            ("nlb", variants::<NlbEvent>("kind")),
        ];
        assert_eq!(read.len(), families().len());
        for (fam, want) in read {
            assert!(!want.is_empty(), "{fam} has no kinds");
            assert_eq!(
                kinds(fam).expect("a listed family"),
                want,
                "the kinds of {fam}"
            );
        }
        assert!(kinds("dnss").is_none());
    }

    #[test]
    fn rule_types_are_the_serialized_rule_refs() {
        assert_eq!(rule_types(), variants::<RuleRef>("type"));
        for t in [
            "number",
            "star",
            "sg_rule",
            "no_sg_rule",
            "waf_rule",
            "listener_rule",
        ] {
            assert!(rule_types().contains(&t), "{t} missing");
        }
    }
}
