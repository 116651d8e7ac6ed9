//! The words around one hop: the kind of each check, what it decided, the
//! route in a trace row, and where the outcome was served.

use crate::sim::trace::{Check, CheckKind, Hop, Outcome, Verdict};

/// The name of a kind of check, as the hop card lists it.
pub fn check_kind(k: CheckKind) -> &'static str {
    match k {
        CheckKind::SecurityGroup => "Security group",
        CheckKind::SecurityGroupTracked => "Security group (tracked)",
        CheckKind::Nacl => "Network ACL",
        CheckKind::RouteTable => "Route table",
        CheckKind::WafRule => "WAF rule",
        CheckKind::WafDefault => "WAF default",
        CheckKind::Health => "Health",
        CheckKind::ListenerRule => "Listener rule",
    }
}

/// Filters allow or deny; listener rules match or are skipped (the check
/// says which in `matched`).
pub fn verdict_word(c: &Check) -> &'static str {
    match (c.kind, c.allowed) {
        (CheckKind::ListenerRule, _) if c.matched == Some(false) => "skip",
        (CheckKind::ListenerRule, _) => "match",
        (_, true) => "allow",
        (_, false) => "deny",
    }
}

/// The checks "Checks on the way" lists. On a hop that stopped, only the
/// ones up to and including the deciding one: the packet never reached the
/// rest, so they were not evaluated for it (the trace's data keeps them all).
pub fn checks_on_the_way(h: &Hop) -> &[Check] {
    if h.verdict != Verdict::Pass {
        if let Some(i) = h.checks.iter().position(|c| !c.allowed) {
            return &h.checks[..=i];
        }
    }
    &h.checks
}

/// Under a stopped hop's list: how many checks the packet never reached
/// (`2 later checks not reached: the packet stopped here`).
pub fn not_reached_note(h: &Hop) -> Option<String> {
    let n = h.checks.len() - checks_on_the_way(h).len();
    match n {
        0 => None,
        1 => Some("1 later check not reached: the packet stopped here".into()),
        n => Some(format!(
            "{n} later checks not reached: the packet stopped here"
        )),
    }
}

/// The deciding check in one line of the trace table:
/// `acl-public-a inbound: rule * deny all`.
pub fn deciding_line(h: &Hop) -> Option<String> {
    h.deciding_check().map(|c| {
        format!(
            "{} {}: {}",
            c.subject,
            c.direction.map(|d| d.as_str()).unwrap_or(""),
            c.decided_by
        )
    })
}

/// `client-na → resolver-na`, or `cloudfront (inside)` for a lookup or a
/// decision inside one component.
pub fn route(h: &Hop) -> String {
    if h.from == h.to {
        format!("{} (inside)", h.from)
    } else {
        format!("{} → {}", h.from, h.to)
    }
}

/// Where the answer came from: `served from us-east-1 by pod-a-1`.
pub fn served(o: &Outcome) -> Option<String> {
    match (&o.region, &o.pod) {
        (Some(r), Some(p)) => Some(format!("served from {r} by {p}")),
        (Some(r), None) => Some(format!("region {r}")),
        _ => None,
    }
}

/// What the hop card's live region says when playback reaches a hop: its
/// one-line summary, and on the last hop the status the browser got
/// (`Hop 3 of 41: …`, `… Outcome: 200 OK`).
pub fn announcement(h: &Hop, total: usize, outcome: &Outcome) -> String {
    let mut line = format!("Hop {} of {}: {}", h.index, total, h.what);
    if h.index >= total {
        line.push_str(&format!(
            ". Outcome: {}",
            crate::view::status::status_text(outcome.status)
        ));
    }
    line
}

/// The browser got an answer that is not an error.
pub fn succeeded(o: &Outcome) -> bool {
    o.status.is_some_and(|s| s < 400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::{Request, World};

    fn default_trace() -> crate::sim::Trace {
        World::default_world().send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL))
    }

    #[test]
    fn listener_rules_read_match_or_skip_and_filters_allow_or_deny() {
        let t = default_trace();
        let words: Vec<&str> = t
            .hops
            .iter()
            .flat_map(|h| &h.checks)
            .filter(|c| c.kind == CheckKind::ListenerRule)
            .map(verdict_word)
            .collect();
        assert_eq!(
            words.last(),
            Some(&"match"),
            "the ALB forwards the default request: its last listener rule tried matched"
        );
        assert!(words[..words.len() - 1].iter().all(|w| *w == "skip"));
        let filters = t
            .hops
            .iter()
            .flat_map(|h| &h.checks)
            .filter(|c| c.kind != CheckKind::ListenerRule);
        for c in filters {
            assert_eq!(verdict_word(c), if c.allowed { "allow" } else { "deny" });
        }
    }

    #[test]
    fn the_default_request_is_served_by_a_pod_in_the_first_region() {
        let t = default_trace();
        assert!(succeeded(&t.outcome));
        let served = served(&t.outcome).unwrap();
        assert!(
            served.starts_with("served from us-east-1 by pod-"),
            "{served}"
        );
        assert!(t.hops.iter().all(|h| deciding_line(h).is_none()));
    }

    #[test]
    fn the_live_region_reads_each_hops_summary_and_the_outcome_on_the_last_hop() {
        let t = default_trace();
        let n = t.hops.len();
        let first = announcement(&t.hops[0], n, &t.outcome);
        assert_eq!(first, format!("Hop 1 of {n}: {}", t.hops[0].what));
        let last = announcement(&t.hops[n - 1], n, &t.outcome);
        assert!(last.starts_with(&format!("Hop {n} of {n}: ")), "{last}");
        assert!(last.ends_with(". Outcome: 200 OK"), "{last}");
    }

    #[test]
    fn a_hop_that_stopped_lists_its_checks_up_to_the_deciding_deny_and_no_further() {
        let mut w = World::default_world();
        w.apply_edit(&crate::sim::edit::Edit::RemoveNaclRule {
            nacl: "acl-public-a".into(),
            direction: crate::sim::check::Direction::Inbound,
            number: 100,
        })
        .unwrap();
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let h = t
            .hops
            .iter()
            .find(|h| h.verdict == Verdict::Dropped)
            .unwrap();
        assert!(h.checks.len() > 1, "the trace's data keeps every check");
        let listed = checks_on_the_way(h);
        let last = listed.last().unwrap();
        assert!(!last.allowed, "the deciding deny ends the list");
        assert_eq!(Some(last), h.deciding_check());
        assert!(listed[..listed.len() - 1].iter().all(|c| c.allowed));
        assert!(listed.len() < h.checks.len(), "later checks are not listed");
        let n = h.checks.len() - listed.len();
        assert_eq!(
            not_reached_note(h),
            Some(format!(
                "{n} later check{} not reached: the packet stopped here",
                if n == 1 { "" } else { "s" }
            ))
        );
        // A hop that passed lists every check it made.
        let passed = t
            .hops
            .iter()
            .find(|h| h.checks.len() > 1 && h.verdict == Verdict::Pass)
            .unwrap();
        assert_eq!(checks_on_the_way(passed).len(), passed.checks.len());
        assert_eq!(not_reached_note(passed), None);
    }

    #[test]
    fn a_route_names_both_ends_or_says_inside() {
        let t = default_trace();
        let between = t.hops.iter().find(|h| h.from != h.to).unwrap();
        assert_eq!(route(between), format!("{} → {}", between.from, between.to));
        let inside = t.hops.iter().find(|h| h.from == h.to).unwrap();
        assert_eq!(route(inside), format!("{} (inside)", inside.from));
        assert_eq!(check_kind(CheckKind::Nacl), "Network ACL");
    }
}
