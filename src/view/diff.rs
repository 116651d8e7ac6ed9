//! The "What changed" panel: a [`TraceDiff`] of the same request sent
//! before and after a change, as rows the page binds. The English comes
//! from the engine's one rendering ([`TraceDiff::summary`],
//! [`HopDiff::verdict_text`], [`CheckChange::render_text`],
//! [`TraceDiff::outcome_texts`]); this module only arranges it and carries
//! the typed facts (statuses, check subjects, allowed before and after)
//! the page exposes as data attributes.

use crate::sim::diff::{diff, CheckChange, HopDiff, TraceDiff};
use crate::sim::trace::Trace;

/// Everything the panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffView {
    /// Nothing on the request's path differs.
    pub empty: bool,
    /// [`TraceDiff::UNCHANGED`] when empty, else `3 hops changed, 12
    /// removed, 2 added`.
    pub summary: String,
    pub divergence: Option<DivergenceRow>,
    pub outcome: OutcomeRow,
    /// One row per changed verdict, changed check, gone or new hop, in
    /// path order.
    pub rows: Vec<DiffRow>,
    /// Where something changed besides the divergence, for a subtler mark
    /// in the diagram.
    pub components: Vec<String>,
}

/// Where the two paths part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DivergenceRow {
    /// The hop's number as the trace shows it (1-based).
    pub hop: usize,
    /// The component the diagram marks.
    pub component: String,
    /// `first difference at hop 14 (alb-a)`.
    pub text: String,
}

/// The outcome before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRow {
    pub changed: bool,
    pub status_before: Option<u16>,
    pub status_after: Option<u16>,
    /// `200 OK (pod-a-1)`.
    pub before: String,
    /// `504 Gateway Timeout (cloudfront)`.
    pub after: String,
    /// Both as one line: `200 OK (pod-a-1) → 504 Gateway Timeout
    /// (cloudfront)`, `unchanged, 200 OK (pod-a-1)`.
    pub text: String,
}

/// What kind of change a row shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A hop in both traces whose verdict or code changed.
    Verdict,
    /// A check of a hop in both traces that decided differently, or is
    /// evaluated on one side only.
    Check,
    /// A hop only the after trace has.
    Added,
    /// A hop only the before trace has.
    Removed,
}

impl RowKind {
    /// The row's `data-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Verdict => "verdict",
            RowKind::Check => "check",
            RowKind::Added => "added",
            RowKind::Removed => "removed",
        }
    }

    /// The word in front of the row.
    pub fn mark(self) -> &'static str {
        match self {
            RowKind::Verdict | RowKind::Check => "changed",
            RowKind::Added => "new",
            RowKind::Removed => "gone",
        }
    }
}

/// One line of the panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub kind: RowKind,
    /// `hop 14`, `hop 3 (hop 9 before)`.
    pub hop: String,
    /// The hop's two ends, in the trace that has it.
    pub from: String,
    pub to: String,
    pub text: String,
    /// For a check row, what it looked at and how it decided.
    pub check: Option<CheckFacts>,
}

/// The typed facts of a changed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFacts {
    /// `NACL`, `SG`, `route`, ...
    pub kind: &'static str,
    pub subject: String,
    /// `inbound`, `outbound`, or empty.
    pub direction: &'static str,
    /// Whether it allowed before and after (`None` where not evaluated).
    pub allowed_before: Option<bool>,
    pub allowed_after: Option<bool>,
}

impl CheckFacts {
    fn of(c: &CheckChange) -> Self {
        CheckFacts {
            kind: c.kind.label(),
            subject: c.subject.clone(),
            direction: c.direction.map_or("", |d| d.as_str()),
            allowed_before: c.before.as_ref().map(|d| d.allowed),
            allowed_after: c.after.as_ref().map(|d| d.allowed),
        }
    }
}

/// `Some(true)` as `"true"`, `None` as `"none"`: a data attribute's value.
pub fn tri(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "none",
    }
}

/// The panel for `after`, the same request sent again after `before`.
pub fn replay_view(before: &Trace, after: &Trace) -> DiffView {
    diff_view(&diff(before, after), before, after)
}

/// The panel for a diff of `before` and `after`.
pub fn diff_view(d: &TraceDiff, before: &Trace, after: &Trace) -> DiffView {
    let mut rows = Vec::new();
    for e in &d.entries {
        let hop = match e.positions() {
            (_, Some(a)) => after.hops.get(a),
            (Some(b), None) => before.hops.get(b),
            (None, None) => None,
        };
        let (from, to) = hop.map_or((String::new(), String::new()), |h| {
            (h.from.clone(), h.to.clone())
        });
        let row = |kind, text, check| DiffRow {
            kind,
            hop: e.hop_label(),
            from: from.clone(),
            to: to.clone(),
            text,
            check,
        };
        match e {
            HopDiff::Same { .. } => {}
            HopDiff::Changed { checks, .. } => {
                if let Some(v) = e.verdict_text() {
                    rows.push(row(RowKind::Verdict, v, None));
                }
                for c in checks {
                    rows.push(row(
                        RowKind::Check,
                        c.render_text(),
                        Some(CheckFacts::of(c)),
                    ));
                }
            }
            HopDiff::Added { what, .. } => rows.push(row(RowKind::Added, what.clone(), None)),
            HopDiff::Removed { what, .. } => rows.push(row(RowKind::Removed, what.clone(), None)),
        }
    }
    let empty = d.is_empty();
    let (before_text, after_text) = d.outcome_texts();
    DiffView {
        empty,
        summary: if empty {
            TraceDiff::UNCHANGED.to_string()
        } else {
            d.summary()
        },
        divergence: d.first_divergence.as_ref().map(|v| DivergenceRow {
            hop: v.hop(),
            component: v.component.clone(),
            text: v.render_text(),
        }),
        outcome: OutcomeRow {
            changed: d.outcome_changed,
            status_before: d.outcome_before.status,
            status_after: d.outcome_after.status,
            before: before_text,
            after: after_text,
            text: d.outcome_line(),
        },
        rows,
        components: d.components.clone(),
    }
}

impl DiffView {
    /// The component where the paths part, if they do.
    pub fn diverged_at(&self) -> Option<&str> {
        self.divergence.as_ref().map(|d| d.component.as_str())
    }

    /// Something changed at `id` (the divergence included).
    pub fn touches(&self, id: &str) -> bool {
        self.components.iter().any(|c| c == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::trace::Direction;
    use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::{Edit, Request, World};
    use crate::view::request::Method;

    const STATIC: &str = "https://healthcareapp.com/static/app.js";

    fn send(w: &mut World, url: &str) -> Trace {
        w.send(&Request::get(DEFAULT_CLIENT, url).no_store())
    }

    /// The NACL replay as the page's browser test does it: the request
    /// bar's default request sent twice (the DNS caches filled), the public
    /// NACL's HTTPS rule removed, the same request sent again.
    fn nacl() -> (Trace, Trace, DiffView) {
        let mut w = World::default_world();
        let req = Method::Get.request(DEFAULT_CLIENT, DEFAULT_URL);
        w.send(&req);
        let before = w.send(&req);
        w.apply_edit(&Edit::RemoveNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: 100,
        })
        .unwrap();
        let after = w.send(&req);
        let v = replay_view(&before, &after);
        (before, after, v)
    }

    #[test]
    fn the_nacl_replay_shows_the_changed_check_with_its_decisions_as_data() {
        let (_, after, v) = nacl();
        assert!(!v.empty);
        let checks: Vec<&DiffRow> = v.rows.iter().filter(|r| r.kind == RowKind::Check).collect();
        assert_eq!(checks.len(), 1, "{checks:?}");
        let c = checks[0];
        assert_eq!(
            c.check,
            Some(CheckFacts {
                kind: "NACL",
                subject: "acl-public-a".into(),
                direction: "inbound",
                allowed_before: Some(true),
                allowed_after: Some(false),
            })
        );
        assert_eq!(
            c.text,
            "NACL acl-public-a inbound: allowed by rule 100 → denied by the * rule"
        );
        assert_eq!(c.to, "alb-a");
        let d = v.divergence.as_ref().expect("the paths part");
        assert_eq!(d.component, "alb-a");
        assert_eq!(after.hops[d.hop - 1].to, "alb-a");
        assert_eq!(c.hop, format!("hop {}", d.hop));
        assert_eq!(v.diverged_at(), Some("alb-a"));
        assert!(v.touches("alb-a"));
        // The hop itself went from pass to dropped, one row before its check.
        let verdict = v
            .rows
            .iter()
            .position(|r| r.kind == RowKind::Verdict)
            .unwrap();
        let check = v
            .rows
            .iter()
            .position(|r| r.kind == RowKind::Check)
            .unwrap();
        assert_eq!(verdict + 1, check);
        assert!(
            v.rows[verdict]
                .text
                .ends_with("→ dropped (SUBNET_ACL_RESTRICTION)"),
            "{}",
            v.rows[verdict].text
        );
    }

    #[test]
    fn the_outcome_and_the_counts_read_from_the_engines_english() {
        let (before, _, v) = nacl();
        assert!(v.outcome.changed);
        assert_eq!(
            (v.outcome.status_before, v.outcome.status_after),
            (Some(200), Some(504))
        );
        let pod = before.outcome.pod.unwrap();
        assert_eq!(v.outcome.before, format!("200 OK ({pod})"));
        assert_eq!(v.outcome.after, "504 Gateway Timeout (cloudfront)");
        assert_eq!(
            v.outcome.text,
            format!("200 OK ({pod}) → 504 Gateway Timeout (cloudfront)")
        );
        let removed = v.rows.iter().filter(|r| r.kind == RowKind::Removed).count();
        assert!(removed > 0);
        assert!(v.rows.iter().all(|r| r.kind != RowKind::Added));
        let mut changed: Vec<&str> = v
            .rows
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Verdict | RowKind::Check))
            .map(|r| r.hop.as_str())
            .collect();
        changed.dedup();
        assert_eq!(
            v.summary,
            format!("{} hops changed, {removed} removed", changed.len())
        );
        let gone = v.rows.iter().find(|r| r.kind == RowKind::Removed).unwrap();
        assert!(before
            .hops
            .iter()
            .any(|h| h.what == gone.text && h.to == gone.to));
        assert_eq!(RowKind::Removed.mark(), "gone");
    }

    #[test]
    fn an_unchanged_path_gives_no_rows_and_says_so() {
        let mut w = World::default_world();
        send(&mut w, STATIC);
        let second = send(&mut w, STATIC);
        w.invalidate("/api/*").unwrap();
        let third = send(&mut w, STATIC);
        let v = replay_view(&second, &third);
        assert!(v.empty);
        assert!(v.rows.is_empty());
        assert_eq!(v.divergence, None);
        assert_eq!(v.diverged_at(), None);
        assert_eq!(v.summary, TraceDiff::UNCHANGED);
        assert!(!v.outcome.changed);
        assert_eq!(v.outcome.before, v.outcome.after);
        assert_eq!(v.outcome.text, format!("unchanged, {}", v.outcome.after));
        assert_eq!(
            (tri(Some(true)), tri(Some(false)), tri(None)),
            ("true", "false", "none")
        );
    }
}
