//! The packet marker and the trail: where the current hop's marker starts
//! and rests, and which components and links the request has used so far.
//! Positions come from the [`layout`](super::layout); what happened on each
//! hop comes from the trace.

use std::collections::BTreeSet;

use crate::sim::inspect::Attachments;
use crate::sim::trace::{CheckKind, Hop, Verdict};

use super::layout::{Diagram, ICON};

/// What the packet marker does on the current hop, in diagram coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Restarts the animation when the hop (or trace) changes.
    pub key: (u32, usize),
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// The centre of the `to` component (the hop line ends there).
    pub tx: f64,
    pub ty: f64,
    /// The hop stays inside one component (a lookup or a decision).
    pub inside: bool,
    pub verdict: Verdict,
    /// Where a stopped packet rests (to highlight that component).
    pub rest_node: String,
    pub travel_ms: u32,
}

/// A link the request has used so far, drawn as a highlighted trail.
#[derive(Clone, Debug, PartialEq)]
pub struct TrailLink {
    pub a: String,
    pub b: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// Components touched so far, and the links used.
pub type Trail = (BTreeSet<String>, Vec<TrailLink>);

/// A point `dist` before `(x2, y2)` on the way from `(x1, y1)`, but never
/// past the middle of the line.
pub fn short_of(x1: f64, y1: f64, x2: f64, y2: f64, dist: f64) -> (f64, f64) {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1.0 {
        return (x2, y2);
    }
    let d = dist.min(len / 2.0);
    (x2 - dx / len * d, y2 - dy / len * d)
}

/// The marker for hop `h`: it travels from `from` to `to`; a hop inside
/// one component is a badge on its corner; a stopped hop rests where
/// `rest` says (asked only for a dropped or timed-out hop between two
/// components). `None` when either end is not drawn.
pub fn marker(
    d: &Diagram,
    h: &Hop,
    key: (u32, usize),
    travel_ms: u32,
    rest: impl FnOnce(&Hop) -> Rest,
) -> Option<Marker> {
    let (from, to) = (d.spot(&h.from)?, d.spot(&h.to)?);
    let (x1, y1) = (from.x, from.y);
    let inside = h.from == h.to;
    let mut rest_node = h.to.clone();
    let (x2, y2) = if inside {
        (to.x + ICON / 2.0, to.y - ICON / 2.0)
    } else if matches!(h.verdict, Verdict::Dropped | Verdict::Timeout) {
        match rest(h) {
            Rest::From => {
                rest_node = h.from.clone();
                short_of(to.x, to.y, x1, y1, ICON)
            }
            Rest::To => short_of(x1, y1, to.x, to.y, ICON),
        }
    } else {
        // Arrived: rest on the link at the component's edge, so both stay visible.
        short_of(x1, y1, to.x, to.y, ICON * 0.55)
    };
    let (x1, y1) = if inside { (x2, y2) } else { (x1, y1) };
    Some(Marker {
        key,
        x1,
        y1,
        x2,
        y2,
        tx: to.x,
        ty: to.y,
        inside,
        verdict: h.verdict,
        rest_node,
        travel_ms,
    })
}

/// Components the request touched up to hop `upto` (inclusive), and the
/// links it used, each once.
pub fn trail(d: &Diagram, hops: &[Hop], upto: usize) -> Trail {
    let mut nodes = BTreeSet::new();
    let mut links: Vec<TrailLink> = Vec::new();
    for h in hops.iter().take(upto + 1) {
        nodes.insert(h.from.clone());
        nodes.insert(h.to.clone());
        if h.from == h.to {
            continue;
        }
        let (a, b) = if h.from < h.to {
            (&h.from, &h.to)
        } else {
            (&h.to, &h.from)
        };
        if links.iter().any(|l| &l.a == a && &l.b == b) {
            continue;
        }
        if let (Some(p), Some(q)) = (d.spot(a), d.spot(b)) {
            links.push(TrailLink {
                a: a.clone(),
                b: b.clone(),
                x1: p.x,
                y1: p.y,
                x2: q.x,
                y2: q.y,
            });
        }
    }
    (nodes, links)
}

/// Which end of a hop the packet marker rests at when the hop did not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rest {
    From,
    To,
}

/// Where to draw the packet at the end of a hop. A passing hop arrives at
/// `to`. A hop that was stopped rests where the deciding filter sits: the
/// engine says on which side of the hop each check belongs (the sender's
/// interface and subnet, or the receiver's). Checks without a side fall back
/// to the attachments: a security group or network ACL attached to the
/// sender (or a route table) keeps it at `from`; otherwise (an error answer,
/// a timeout) it rests at `to`. This is presentation only: the verdict and
/// the deciding check come from the engine.
pub fn rest_at(hop: &Hop, from: &Attachments, to: &Attachments) -> Rest {
    if hop.verdict == Verdict::Pass || hop.from == hop.to {
        return Rest::To;
    }
    let Some(c) = hop.deciding_check() else {
        return Rest::To;
    };
    match c.side {
        Some(crate::sim::trace::Side::Source) => return Rest::From,
        Some(crate::sim::trace::Side::Destination) => return Rest::To,
        None => {}
    }
    let attached =
        |a: &Attachments| a.nacls.contains(&c.subject) || a.security_groups.contains(&c.subject);
    match c.kind {
        CheckKind::RouteTable => Rest::From,
        _ if attached(from) && !attached(to) => Rest::From,
        _ => Rest::To,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::trace::Check;
    use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::{Request, World};
    use crate::view::layout::diagram;

    fn sent() -> (Diagram, Vec<Hop>) {
        let mut w = World::default_world();
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        (diagram(&w.topology(), DEFAULT_CLIENT), t.hops)
    }

    #[test]
    fn a_point_short_of_the_end_never_passes_the_middle() {
        assert_eq!(short_of(0.0, 0.0, 100.0, 0.0, 10.0), (90.0, 0.0));
        assert_eq!(short_of(0.0, 0.0, 10.0, 0.0, 50.0), (5.0, 0.0));
        assert_eq!(short_of(3.0, 3.0, 3.0, 3.0, 50.0), (3.0, 3.0));
    }

    #[test]
    fn a_passing_hop_between_two_components_ends_at_the_receivers_edge() {
        let (d, hops) = sent();
        let h = hops.iter().find(|h| h.from != h.to).unwrap();
        let m = marker(&d, h, (1, h.index), 480, |_| panic!("not stopped")).unwrap();
        let (from, to) = (d.spot(&h.from).unwrap(), d.spot(&h.to).unwrap());
        assert!(!m.inside);
        assert_eq!((m.x1, m.y1), (from.x, from.y));
        assert_eq!((m.tx, m.ty), (to.x, to.y));
        let gap = ((m.x2 - to.x).powi(2) + (m.y2 - to.y).powi(2)).sqrt();
        assert!(gap > 0.0 && gap <= ICON * 0.55 + 1e-9, "{gap}");
        assert_eq!(m.rest_node, h.to);
    }

    #[test]
    fn a_hop_inside_one_component_is_a_badge_on_its_corner() {
        let (d, hops) = sent();
        let h = hops.iter().find(|h| h.from == h.to).unwrap();
        let m = marker(&d, h, (1, h.index), 480, |_| Rest::To).unwrap();
        let s = d.spot(&h.to).unwrap();
        assert!(m.inside);
        assert_eq!((m.x1, m.y1), (s.x + ICON / 2.0, s.y - ICON / 2.0));
        assert_eq!((m.x1, m.y1), (m.x2, m.y2));
    }

    #[test]
    fn a_dropped_hop_resting_at_the_sender_highlights_the_sender() {
        let (d, hops) = sent();
        let mut h = hops.iter().find(|h| h.from != h.to).unwrap().clone();
        h.verdict = Verdict::Dropped;
        let m = marker(&d, &h, (1, 0), 480, |_| Rest::From).unwrap();
        assert_eq!(m.rest_node, h.from);
        let from = d.spot(&h.from).unwrap();
        let gap = ((m.x2 - from.x).powi(2) + (m.y2 - from.y).powi(2)).sqrt();
        assert!(gap <= ICON + 1e-9, "{gap}");
    }

    #[test]
    fn the_trail_grows_with_the_hops_and_lists_each_link_once() {
        let (d, hops) = sent();
        let (first_nodes, first_links) = trail(&d, &hops, 0);
        let (all_nodes, all_links) = trail(&d, &hops, hops.len() - 1);
        assert!(first_nodes.len() <= 2 && first_links.len() <= 1);
        assert!(all_nodes.is_superset(&first_nodes));
        assert!(all_nodes.contains(DEFAULT_CLIENT));
        let mut pairs: Vec<_> = all_links.iter().map(|l| (&l.a, &l.b)).collect();
        let n = pairs.len();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), n, "each link once");
        assert!(all_links.iter().all(|l| l.a < l.b));
    }

    /// A hop from the ALB to a pod, taken from a real trace, with the
    /// given verdict and checks.
    fn hop(verdict: Verdict, checks: Vec<Check>) -> Hop {
        let (_, hops) = sent();
        let mut h = hops.into_iter().find(|h| h.from != h.to).unwrap();
        h.from = "alb-a".into();
        h.to = "pod-a-1".into();
        h.verdict = verdict;
        h.checks = checks;
        h
    }

    fn check(kind: CheckKind, subject: &str, allowed: bool) -> Check {
        Check::other(kind, subject, String::new(), String::new(), allowed)
    }

    #[test]
    fn a_stopped_packet_rests_at_the_end_whose_filter_stopped_it() {
        let w = World::default_world();
        let (from, to) = (w.attachments("alb-a"), w.attachments("pod-a-1"));
        let pass = hop(
            Verdict::Pass,
            vec![check(CheckKind::Nacl, "acl-public-a", true)],
        );
        assert_eq!(rest_at(&pass, &from, &to), Rest::To);
        let sender = hop(
            Verdict::Dropped,
            vec![check(CheckKind::SecurityGroup, "sg-alb-a", false)],
        );
        assert_eq!(rest_at(&sender, &from, &to), Rest::From);
        let receiver = hop(
            Verdict::Dropped,
            vec![check(CheckKind::Nacl, "acl-app-a", false)],
        );
        assert_eq!(rest_at(&receiver, &from, &to), Rest::To);
        let route = hop(
            Verdict::Dropped,
            vec![check(CheckKind::RouteTable, "rtb-public-a", false)],
        );
        assert_eq!(rest_at(&route, &from, &to), Rest::From);
        assert_eq!(
            rest_at(&hop(Verdict::Timeout, vec![]), &from, &to),
            Rest::To
        );
    }
}
