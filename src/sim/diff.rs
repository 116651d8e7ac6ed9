//! The replay diff: what changed between two traces of the same request,
//! sent before and after the learner changed the world (an edit, a fault,
//! the clock).
//!
//! Hops are aligned by what they are, as data: the two components, the
//! layer and the kind of event ([`Event::kind`](super::event::Event::kind)),
//! with a longest common subsequence, so the rendered `what` and `why`,
//! the timings and the ephemeral ports a send picks never make two hops
//! differ. Two aligned hops differ when their verdict, their code or a
//! check's decision (allowed, the deciding rule as [`RuleRef`]) differs.
//!
//! [`diff`] computes a [`TraceDiff`]; [`TraceDiff::render_text`] is the one
//! place its English is written.

use serde::{Deserialize, Serialize};

use super::check::{Check, CheckKind, Direction, Leg, RuleRef, Side};
use super::event::EventKind;
use super::status;
use super::trace::{Code, Hop, Layer, Outcome, Trace, Verdict};

/// What changed from one trace (`before`) to another (`after`).
///
/// Hop positions (`before`, `after`) are indices into the two traces'
/// `hops` (0-based); a hop's number as the trace shows it is one more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceDiff {
    /// Every hop of both traces once, in path order: aligned pairs
    /// (`same` or `changed`) and the hops only one trace has.
    pub entries: Vec<HopDiff>,
    /// The first entry that is not `same`, when there is one.
    pub first_divergence: Option<Divergence>,
    pub outcome_before: OutcomeFacts,
    pub outcome_after: OutcomeFacts,
    pub outcome_changed: bool,
    /// The components where something changed, in path order, each once:
    /// where a changed hop's decision sits, and both ends of every hop
    /// only one trace has.
    pub components: Vec<String>,
}

/// One hop of the alignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum HopDiff {
    /// The same hop, decided the same way, in both traces.
    Same { before: usize, after: usize },
    /// The same hop in both traces, decided differently.
    Changed {
        before: usize,
        after: usize,
        /// The after hop's `what`, for display.
        what: String,
        /// The checks whose decision changed, or that only one hop has.
        checks: Vec<CheckChange>,
        verdict_before: Verdict,
        verdict_after: Verdict,
        code_before: Code,
        code_after: Code,
    },
    /// A hop only the after trace has.
    Added { after: usize, what: String },
    /// A hop only the before trace has.
    Removed { before: usize, what: String },
}

impl HopDiff {
    /// The hop's positions in the before and the after trace, where it is.
    pub fn positions(&self) -> (Option<usize>, Option<usize>) {
        match *self {
            HopDiff::Same { before, after } | HopDiff::Changed { before, after, .. } => {
                (Some(before), Some(after))
            }
            HopDiff::Added { after, .. } => (None, Some(after)),
            HopDiff::Removed { before, .. } => (Some(before), None),
        }
    }

    /// The hop's position in the before trace, if it is there.
    pub fn before(&self) -> Option<usize> {
        self.positions().0
    }

    /// The hop's position in the after trace, if it is there.
    pub fn after(&self) -> Option<usize> {
        self.positions().1
    }

    pub fn is_same(&self) -> bool {
        matches!(self, HopDiff::Same { .. })
    }
}

/// A check matched across two aligned hops by what it looked at (kind,
/// subject, direction, side and leg), with its decision on each side;
/// `None` where that hop did not evaluate it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckChange {
    pub kind: CheckKind,
    pub subject: String,
    pub direction: Option<Direction>,
    pub side: Option<Side>,
    pub leg: Leg,
    pub before: Option<CheckDecision>,
    pub after: Option<CheckDecision>,
}

/// How one check decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDecision {
    pub allowed: bool,
    /// The deciding rule as data, when the check names one.
    pub rule: Option<RuleRef>,
    /// For listener and WAF rules: whether the rule's conditions held.
    pub matched: Option<bool>,
    /// The deciding rule as the trace renders it, for display.
    pub decided_by: String,
}

impl CheckDecision {
    fn of(c: &Check) -> Self {
        CheckDecision {
            allowed: c.allowed,
            rule: c.rule.clone(),
            matched: c.matched,
            decided_by: c.decided_by.clone(),
        }
    }

    /// The same decision: allowed, rule and match alike; the text counts
    /// only when neither names its rule as data.
    fn same_as(&self, o: &CheckDecision) -> bool {
        self.allowed == o.allowed
            && self.rule == o.rule
            && self.matched == o.matched
            && (self.rule.is_some() || self.decided_by == o.decided_by)
    }
}

/// Where the two paths first part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// The hop's position in the before trace (none for an added hop).
    pub before: Option<usize>,
    /// The hop's position in the after trace (none for a removed hop).
    pub after: Option<usize>,
    /// The component where it happens.
    pub component: String,
}

/// The facts of an outcome the diff compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeFacts {
    pub status: Option<u16>,
    pub code: Code,
    pub decided_by: String,
    pub region: Option<String>,
    pub pod: Option<String>,
}

impl OutcomeFacts {
    fn of(o: &Outcome) -> Self {
        OutcomeFacts {
            status: o.status,
            code: o.code,
            decided_by: o.decided_by.clone(),
            region: o.region.clone(),
            pod: o.pod.clone(),
        }
    }
}

/// A hop's identity for the alignment: typed, with nothing that changes
/// from one send to the next (no text, timing or port).
#[derive(PartialEq, Eq)]
struct HopKey<'a> {
    from: &'a str,
    to: &'a str,
    layer: Layer,
    event: EventKind,
}

impl<'a> HopKey<'a> {
    fn of(h: &'a Hop) -> Self {
        HopKey {
            from: &h.from,
            to: &h.to,
            layer: h.layer,
            event: h.event.kind(),
        }
    }
}

/// What changed from `before` to `after`.
pub fn diff(before: &Trace, after: &Trace) -> TraceDiff {
    let (a, b) = (&before.hops, &after.hops);
    let mut entries = Vec::with_capacity(a.len().max(b.len()));
    let mut components = Vec::new();
    let mut first_divergence = None;
    for (i, j) in align(a, b) {
        let entry = match (i, j) {
            (Some(i), Some(j)) => compare(i, &a[i], j, &b[j]),
            (Some(i), None) => HopDiff::Removed {
                before: i,
                what: a[i].what.clone(),
            },
            (None, Some(j)) => HopDiff::Added {
                after: j,
                what: b[j].what.clone(),
            },
            (None, None) => continue,
        };
        let places: Vec<&str> = match &entry {
            HopDiff::Same { .. } => Vec::new(),
            HopDiff::Changed { checks, after, .. } => vec![place(&b[*after], checks)],
            HopDiff::Added { after, .. } => vec![&b[*after].from, &b[*after].to],
            HopDiff::Removed { before, .. } => vec![&a[*before].from, &a[*before].to],
        };
        if first_divergence.is_none() {
            if let Some(p) = places.last() {
                first_divergence = Some(Divergence {
                    before: entry.before(),
                    after: entry.after(),
                    component: p.to_string(),
                });
            }
        }
        for p in places {
            if !components.iter().any(|c: &String| c == p) {
                components.push(p.to_string());
            }
        }
        entries.push(entry);
    }
    let outcome_before = OutcomeFacts::of(&before.outcome);
    let outcome_after = OutcomeFacts::of(&after.outcome);
    TraceDiff {
        entries,
        first_divergence,
        outcome_changed: outcome_before != outcome_after,
        outcome_before,
        outcome_after,
        components,
    }
}

/// The hop pairs of a longest common subsequence over [`HopKey`], with the
/// unpaired hops in between (removed ones before added ones), in order.
fn align(a: &[Hop], b: &[Hop]) -> Vec<(Option<usize>, Option<usize>)> {
    let ka: Vec<HopKey> = a.iter().map(HopKey::of).collect();
    let kb: Vec<HopKey> = b.iter().map(HopKey::of).collect();
    // The common start and end need no table.
    let head = ka.iter().zip(&kb).take_while(|(x, y)| x == y).count();
    let tail = ka[head..]
        .iter()
        .rev()
        .zip(kb[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (n, m) = (ka.len() - head - tail, kb.len() - head - tail);
    let (x, y) = (&ka[head..head + n], &kb[head..head + m]);
    // lcs[i * (m + 1) + j]: the longest common subsequence of x[i..], y[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if x[i] == y[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut out: Vec<_> = (0..head).map(|k| (Some(k), Some(k))).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            out.push((Some(head + i), Some(head + j)));
            (i, j) = (i + 1, j + 1);
        } else if j == m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            out.push((Some(head + i), None));
            i += 1;
        } else {
            out.push((None, Some(head + j)));
            j += 1;
        }
    }
    out.extend((0..tail).map(|k| (Some(head + n + k), Some(head + m + k))));
    out
}

/// Two aligned hops: the same, or what changed between them.
fn compare(i: usize, a: &Hop, j: usize, b: &Hop) -> HopDiff {
    let checks = check_changes(&a.checks, &b.checks);
    if checks.is_empty() && a.verdict == b.verdict && a.code == b.code {
        return HopDiff::Same {
            before: i,
            after: j,
        };
    }
    HopDiff::Changed {
        before: i,
        after: j,
        what: b.what.clone(),
        checks,
        verdict_before: a.verdict,
        verdict_after: b.verdict,
        code_before: a.code,
        code_after: b.code,
    }
}

/// What a check looked at: two checks with equal keys are the same check.
fn check_key(c: &Check) -> (CheckKind, &str, Option<Direction>, Option<Side>, Leg) {
    (c.kind, &c.subject, c.direction, c.side, c.leg)
}

/// The checks of two aligned hops, matched by key (the n-th check with a
/// key before to the n-th with that key after), that decided differently
/// or were evaluated on one side only: in the after hop's order, then the
/// ones only the before hop has.
fn check_changes(a: &[Check], b: &[Check]) -> Vec<CheckChange> {
    let mut used = vec![false; a.len()];
    let mut out = Vec::new();
    let change =
        |c: &Check, before: Option<CheckDecision>, after: Option<CheckDecision>| CheckChange {
            kind: c.kind,
            subject: c.subject.clone(),
            direction: c.direction,
            side: c.side,
            leg: c.leg,
            before,
            after,
        };
    for cb in b {
        let found = (0..a.len()).find(|&k| !used[k] && check_key(&a[k]) == check_key(cb));
        let after = CheckDecision::of(cb);
        match found {
            Some(k) => {
                used[k] = true;
                let before = CheckDecision::of(&a[k]);
                if !before.same_as(&after) {
                    out.push(change(cb, Some(before), Some(after)));
                }
            }
            None => out.push(change(cb, None, Some(after))),
        }
    }
    for (k, ca) in a.iter().enumerate() {
        if !used[k] {
            out.push(change(ca, Some(CheckDecision::of(ca)), None));
        }
    }
    out
}

/// Where a changed hop's change sits: the sender's end when the first
/// changed check belongs to it, otherwise the receiver.
fn place<'a>(h: &'a Hop, checks: &[CheckChange]) -> &'a str {
    match checks.first().and_then(|c| c.side) {
        Some(Side::Source) => &h.from,
        _ => &h.to,
    }
}

impl TraceDiff {
    /// What a diff with nothing in it says.
    pub const UNCHANGED: &'static str = "nothing changed on the request's path: the same hops decided the same way (timings and ephemeral ports aside)";

    /// Nothing differs: the same hops, decided the same way, and the same
    /// outcome (timings and ephemeral ports aside).
    pub fn is_empty(&self) -> bool {
        !self.outcome_changed && self.entries.iter().all(HopDiff::is_same)
    }

    /// How many hops changed, are gone (only before) and are new (only after).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&HopDiff) -> bool| self.entries.iter().filter(|e| f(e)).count();
        (
            count(|e| matches!(e, HopDiff::Changed { .. })),
            count(|e| matches!(e, HopDiff::Removed { .. })),
            count(|e| matches!(e, HopDiff::Added { .. })),
        )
    }

    /// `3 hops changed, 12 removed, 2 added`; `the same hops decided the
    /// same way` when only the outcome differs.
    pub fn summary(&self) -> String {
        let (changed, removed, added) = self.counts();
        let counts: Vec<String> = [(changed, "changed"), (removed, "removed"), (added, "added")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .enumerate()
            .map(|(k, (n, how))| match (k, n) {
                (0, 1) => format!("1 hop {how}"),
                (0, _) => format!("{n} hops {how}"),
                _ => format!("{n} {how}"),
            })
            .collect();
        if counts.is_empty() {
            "the same hops decided the same way".into()
        } else {
            counts.join(", ")
        }
    }

    /// The outcome before and after, as a learner reads each: with the
    /// Region when it moved, with the code when nothing else tells them apart.
    pub fn outcome_texts(&self) -> (String, String) {
        let (b, a) = (&self.outcome_before, &self.outcome_after);
        let region = b.region != a.region;
        let (tb, ta) = (b.render_text(region, false), a.render_text(region, false));
        if tb == ta && self.outcome_changed {
            (b.render_text(true, true), a.render_text(true, true))
        } else {
            (tb, ta)
        }
    }

    /// `200 OK (pod-a-1) → 504 Gateway Timeout (cloudfront)`, or
    /// `unchanged, 200 OK (pod-a-1)`.
    pub fn outcome_line(&self) -> String {
        let (tb, ta) = self.outcome_texts();
        if self.outcome_changed {
            format!("{tb} → {ta}")
        } else {
            format!("unchanged, {ta}")
        }
    }

    /// The diff as a learner reads it: one line per change, then the outcome.
    pub fn render_text(&self) -> String {
        let mut out = String::from("replay diff: ");
        if self.is_empty() {
            out.push_str(Self::UNCHANGED);
        } else {
            out.push_str(&self.summary());
            if let Some(d) = &self.first_divergence {
                out.push_str(&format!("; {}", d.render_text()));
            }
        }
        out.push('\n');
        for e in &self.entries {
            let hop = e.hop_label();
            match e {
                HopDiff::Same { .. } => {}
                HopDiff::Changed { checks, .. } => {
                    if let Some(v) = e.verdict_text() {
                        out.push_str(&format!("{hop} changed: {v}\n"));
                    }
                    for c in checks {
                        out.push_str(&format!("{hop} changed: {}\n", c.render_text()));
                    }
                }
                HopDiff::Added { what, .. } => out.push_str(&format!("+ {hop}: {what}\n")),
                HopDiff::Removed { what, .. } => out.push_str(&format!("- {hop}: {what}\n")),
            }
        }
        out.push_str(&format!("outcome: {}\n", self.outcome_line()));
        out
    }
}

impl Divergence {
    /// The hop's number (1-based) in the after trace, or in the before
    /// trace for a hop that no longer happens.
    pub fn hop(&self) -> usize {
        self.after.or(self.before).map_or(0, |p| p + 1)
    }

    /// `first difference at hop 14 (alb-a)`.
    pub fn render_text(&self) -> String {
        format!(
            "first difference at hop {} ({})",
            self.hop(),
            self.component
        )
    }
}

impl HopDiff {
    /// `hop 14`, `hop 3 (hop 9 before)` for a pair at different places;
    /// the before trace's number for a hop that no longer happens.
    pub fn hop_label(&self) -> String {
        match self.positions() {
            (Some(b), Some(a)) if a != b => format!("hop {} (hop {} before)", a + 1, b + 1),
            (_, Some(a)) => format!("hop {}", a + 1),
            (Some(b), None) => format!("hop {}", b + 1),
            (None, None) => "hop".into(),
        }
    }

    /// A changed hop whose verdict or code changed: `TCP SYN …: pass
    /// (DELIVERED) → dropped (SUBNET_ACL_RESTRICTION)`.
    pub fn verdict_text(&self) -> Option<String> {
        let HopDiff::Changed {
            what,
            verdict_before,
            verdict_after,
            code_before,
            code_after,
            ..
        } = self
        else {
            return None;
        };
        ((verdict_before, code_before) != (verdict_after, code_after)).then(|| {
            format!(
                "{what}: {} ({code_before}) → {} ({code_after})",
                verdict_before.as_str(),
                verdict_after.as_str()
            )
        })
    }
}

impl OutcomeFacts {
    /// `200 OK (pod-a-1)`, `no response (browser, DNS_NXDOMAIN)`; with
    /// `region`, `200 OK (pod-b-1 in us-west-2)`; with `code`, the code
    /// after a status too.
    fn render_text(&self, region: bool, code: bool) -> String {
        let mut who = self.pod.clone().unwrap_or_else(|| self.decided_by.clone());
        if let (true, Some(r)) = (region, &self.region) {
            who.push_str(&format!(" in {r}"));
        }
        match self.status {
            Some(s) if code => format!("{} ({who}, {})", status::line(s), self.code),
            Some(s) => format!("{} ({who})", status::line(s)),
            None => format!("no response ({who}, {})", self.code),
        }
    }
}

impl CheckChange {
    /// `NACL acl-public-a inbound: allowed by rule 100 → denied by the * rule`.
    pub fn render_text(&self) -> String {
        let mut name = format!("{} {}", self.kind.label(), self.subject);
        if let Some(d) = self.direction {
            name.push(' ');
            name.push_str(d.as_str());
        }
        if self.leg == Leg::Return {
            name.push_str(", return traffic");
        }
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!("{name}: {} → {}", b.render_text(), a.render_text()),
            (None, Some(a)) => format!("{name}: now evaluated, {}", a.render_text()),
            (Some(b), None) => format!("{name}: no longer evaluated (was {})", b.render_text()),
            (None, None) => name,
        }
    }
}

impl CheckDecision {
    /// `allowed by rule 100`, `denied by the * rule`, `rule 10 matched`.
    pub fn render_text(&self) -> String {
        let rule = match &self.rule {
            Some(RuleRef::Number { number }) => format!("rule {number}"),
            Some(RuleRef::Star) => "the * rule".into(),
            Some(RuleRef::SgRule { group, index }) => format!("rule {index} of {group}"),
            Some(RuleRef::NoSgRule) => "default (no rule matches)".into(),
            Some(RuleRef::Route {
                destination,
                target,
            }) => format!("the route {destination} to {target}"),
            Some(RuleRef::NoRoute) => "default (no route matches)".into(),
            Some(RuleRef::Tracked) => "connection tracking".into(),
            Some(RuleRef::WafRule { priority, name }) => {
                format!("rule {name} (priority {priority})")
            }
            Some(RuleRef::WafDefault) => "the web ACL's default action".into(),
            Some(RuleRef::ListenerRule { priority }) => format!("rule {priority}"),
            Some(RuleRef::ListenerDefault) => "the default action".into(),
            None => self.decided_by.clone(),
        };
        match (self.matched, self.allowed) {
            (Some(m), allowed) => format!(
                "{rule} {}{}",
                if m { "matched" } else { "did not match" },
                if allowed { "" } else { ", denied" }
            ),
            (None, allowed) => {
                let verb = if allowed { "allowed" } else { "denied" };
                if rule.is_empty() {
                    verb.to_string()
                } else {
                    format!("{verb} by {rule}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::{AlbEvent, Event};

    /// A hop from `from` to `to` whose event names `target` (data the
    /// alignment must ignore).
    fn hop(from: &str, to: &str, target: &str) -> Hop {
        Hop {
            index: 0,
            t_us: 0,
            from: from.into(),
            to: to.into(),
            layer: Layer::Decision,
            proto: "-".into(),
            what: format!("{from} {to} {target}"),
            why: String::new(),
            event: Event::Alb(AlbEvent::TargetDown {
                target: target.into(),
            }),
            checks: Vec::new(),
            verdict: Verdict::Pass,
            code: Code::Delivered,
            work_us: 0,
        }
    }

    fn hops(path: &str, target: &str) -> Vec<Hop> {
        path.split(' ')
            .filter(|s| !s.is_empty())
            .map(|p| hop("x", p, target))
            .collect()
    }

    fn ops(a: &str, b: &str) -> String {
        let (a, b) = (hops(a, "t1"), hops(b, "t2"));
        align(&a, &b)
            .into_iter()
            .map(|p| match p {
                (Some(_), Some(_)) => '=',
                (Some(_), None) => '-',
                (None, Some(_)) => '+',
                (None, None) => '?',
            })
            .collect()
    }

    #[test]
    fn hops_align_by_their_typed_key_not_their_data() {
        assert_eq!(ops("a b c", "a b c"), "===");
        assert_eq!(ops("a b c d", "a d"), "=--=");
        assert_eq!(ops("a d", "a b c d"), "=++=");
        assert_eq!(ops("a b c", "a x c"), "=-+=");
        assert_eq!(ops("", "a b"), "++");
        assert_eq!(ops("a b", ""), "--");
        assert_eq!(ops("", ""), "");
        assert_eq!(ops("a b a b", "b a b a"), "-===+");
    }

    #[test]
    fn the_pairs_cover_both_traces_in_order() {
        let (a, b) = (hops("r s a b c a t", "t1"), hops("a c b a x y t", "t2"));
        let pairs = align(&a, &b);
        let lefts: Vec<usize> = pairs.iter().filter_map(|p| p.0).collect();
        let rights: Vec<usize> = pairs.iter().filter_map(|p| p.1).collect();
        assert_eq!(lefts, (0..a.len()).collect::<Vec<_>>());
        assert_eq!(rights, (0..b.len()).collect::<Vec<_>>());
        let same = pairs.iter().filter(|p| p.0.is_some() && p.1.is_some());
        assert_eq!(same.count(), 4, "a, b, a and t (or a, c, a, t)");
    }

    #[test]
    fn an_added_hop_first_names_its_receiver_as_the_divergence() {
        let t = |h: Vec<Hop>| Trace {
            client: "c".into(),
            method: "GET".into(),
            url: "u".into(),
            sent_at_ms: 0,
            hops: h,
            outcome: Outcome {
                status: Some(200),
                decided_by: "p".into(),
                code: Code::Delivered,
                summary: String::new(),
                total_us: 0,
                region: None,
                pod: None,
            },
        };
        let d = diff(&t(hops("a b", "t1")), &t(hops("a n b", "t2")));
        assert_eq!(
            d.first_divergence,
            Some(Divergence {
                before: None,
                after: Some(1),
                component: "n".into()
            })
        );
        assert_eq!(d.components, ["x", "n"]);
        assert!(!d.outcome_changed && !d.is_empty());
        assert_eq!(
            d.render_text(),
            "replay diff: 1 hop added; first difference at hop 2 (n)\n\
             + hop 2: x n t2\n\
             outcome: unchanged, 200 OK (p)\n"
        );
    }
}
