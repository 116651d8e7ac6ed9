//! The names a goal may use for an event's `component` and `kind`, and a
//! check's `rule.type`, read from the engine's own types rather than
//! written out here: a variant added to `src/sim/event/*.rs` is known to
//! lessons at once.
//!
//! serde refuses an unknown tag with "unknown variant `x`, expected one of
//! `a`, `b`, ..." listing every variant by its serialized name; this module
//! asks each enum for a tag it cannot have and reads that list.

use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::sim::check::RuleRef;
use crate::sim::event::{
    AlbEvent, AppEvent, BrowserEvent, CdnEvent, DnsEvent, Event, NetEvent, NlbEvent, WafEvent,
};

/// A tag no enum has.
const PROBE: &str = "\u{1}not-a-variant";

/// The serialized variant names of an enum tagged by `tag`.
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

/// Event families a goal may name: `browser`, `dns`, `cdn`, `waf`, `net`,
/// `alb`, `app`, `nlb` (not the retiring `text`).
pub fn families() -> &'static [String] {
    static F: OnceLock<Vec<String>> = OnceLock::new();
    F.get_or_init(|| {
        variants::<Event>("component")
            .into_iter()
            .filter(|f| f != "text")
            .collect()
    })
}

/// The event kinds of one family (`dns` -> `query`, `referral`, ...).
pub fn kinds(family: &str) -> Option<&'static [String]> {
    static K: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    let all = K.get_or_init(|| {
        let mut m = BTreeMap::new();
        m.insert("browser".into(), variants::<BrowserEvent>("kind"));
        m.insert("dns".into(), variants::<DnsEvent>("kind"));
        m.insert("cdn".into(), variants::<CdnEvent>("kind"));
        m.insert("waf".into(), variants::<WafEvent>("kind"));
        m.insert("net".into(), variants::<NetEvent>("kind"));
        m.insert("alb".into(), variants::<AlbEvent>("kind"));
        m.insert("app".into(), variants::<AppEvent>("kind"));
        m.insert("nlb".into(), variants::<NlbEvent>("kind"));
        m
    });
    all.get(family).map(Vec::as_slice)
}

/// The `type`s of a check's rule (`number`, `star`, `sg_rule`, ...).
pub fn rule_types() -> &'static [String] {
    static R: OnceLock<Vec<String>> = OnceLock::new();
    R.get_or_init(|| variants::<RuleRef>("type"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_family_has_its_kinds_read_from_the_engine() {
        let f = families();
        assert_eq!(
            f,
            &["browser", "dns", "cdn", "waf", "net", "alb", "app", "nlb"]
        );
        for fam in f {
            let k = kinds(fam).expect("a family has kinds");
            assert!(!k.is_empty(), "{fam} has no kinds");
        }
        let dns = kinds("dns").unwrap();
        for k in ["query", "referral", "answer", "cache_miss", "response"] {
            assert!(dns.iter().any(|d| d == k), "dns lacks {k}: {dns:?}");
        }
        assert!(kinds("net").unwrap().iter().any(|k| k == "handshake"));
        assert!(kinds("nlb").unwrap().iter().any(|k| k == "target_connect"));
        assert!(kinds("dnss").is_none());
    }

    #[test]
    fn rule_types_are_the_serialized_rule_refs() {
        let r = rule_types();
        for t in [
            "number",
            "star",
            "sg_rule",
            "no_sg_rule",
            "waf_rule",
            "listener_rule",
        ] {
            assert!(r.iter().any(|x| x == t), "{t} missing from {r:?}");
        }
    }
}
