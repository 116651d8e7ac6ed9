//! "Where the time went": a trace's timeline (`sim::timeline`) as bar
//! segments and words, and the comparison with the request before it —
//! why a second request is faster (kept connections skip their TCP and TLS
//! handshakes, cached answers skip DNS; fact sheet §16, §26).

use crate::sim::timeline::{Link, PhaseKind, Timeline};

use super::format::{millis, percent_width};

/// Every kind of phase, in the order the legend lists them.
pub const KINDS: [PhaseKind; 8] = [
    PhaseKind::Dns,
    PhaseKind::TcpConnect,
    PhaseKind::TlsHandshake,
    PhaseKind::Edge,
    PhaseKind::Origin,
    PhaseKind::App,
    PhaseKind::Database,
    PhaseKind::Response,
];

/// What a learner calls a phase.
pub fn kind_label(k: PhaseKind) -> &'static str {
    match k {
        PhaseKind::Dns => "DNS",
        PhaseKind::TcpConnect => "TCP handshake",
        PhaseKind::TlsHandshake => "TLS handshake",
        PhaseKind::Edge => "CloudFront",
        PhaseKind::Origin => "ALB",
        PhaseKind::App => "application",
        PhaseKind::Database => "database",
        PhaseKind::Response => "response",
    }
}

/// Which connection, in words.
pub fn link_label(l: Link) -> &'static str {
    match l {
        Link::Viewer => "browser's connection",
        Link::Origin => "CloudFront to the origin",
        Link::Target => "ALB to the pod",
        Link::Database => "pod to the database",
        Link::Internet => "pod to the internet",
    }
}

fn ms(us: u64) -> String {
    millis(us as f64 / 1000.0)
}

/// One segment of a bar: where it starts and how wide it is, in CSS
/// percent of `scale_us` (so two bars drawn on one scale compare).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub kind: PhaseKind,
    pub left: String,
    pub width: String,
    /// `TLS handshake · ALB to the pod · 12.0 ms (hops 14–15)`
    pub title: String,
}

/// A timeline's segments on a scale of `scale_us` microseconds.
pub fn segments(t: &Timeline, scale_us: u64) -> Vec<Segment> {
    let scale = scale_us.max(1) as f64;
    t.phases
        .iter()
        .map(|p| Segment {
            kind: p.kind,
            left: percent_width(p.start_us as f64 / scale),
            width: percent_width(p.us as f64 / scale),
            title: format!(
                "{} · {} · {} (hop{} {})",
                kind_label(p.kind),
                link_label(p.link),
                ms(p.us),
                if p.first_hop == p.last_hop { "" } else { "s" },
                if p.first_hop == p.last_hop {
                    p.first_hop.to_string()
                } else {
                    format!("{}–{}", p.first_hop, p.last_hop)
                }
            ),
        })
        .collect()
}

/// One entry of the legend: a kind, this request's time on it (`0.0 ms`
/// for a phase the request before had and this one skipped) and the first
/// hop (0-based) of its first phase, where the entry moves playback.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub kind: PhaseKind,
    pub ms: String,
    pub first_hop: Option<usize>,
}

/// The legend: every kind either bar shows.
pub fn legend(t: &Timeline, before: Option<&Timeline>) -> Vec<Key> {
    KINDS
        .into_iter()
        .filter(|k| t.us_of(*k) > 0 || before.is_some_and(|b| b.us_of(*k) > 0))
        .map(|kind| Key {
            kind,
            ms: ms(t.us_of(kind)),
            first_hop: t
                .phases
                .iter()
                .find(|p| p.kind == kind)
                .map(|p| p.first_hop.saturating_sub(1)),
        })
        .collect()
}

/// The handshakes of a timeline, microseconds.
fn handshakes_us(t: &Timeline) -> u64 {
    t.us_of(PhaseKind::TcpConnect) + t.us_of(PhaseKind::TlsHandshake)
}

/// How this request's time compares with the one before, in one sentence:
/// `85.2 ms, 120.4 ms less than the request before: 96.0 ms fewer in TCP and
/// TLS handshakes (kept connections), 30.1 ms fewer in DNS (cached answers).`
pub fn comparison(before: &Timeline, now: &Timeline) -> String {
    let (b, n) = (before.total_us, now.total_us);
    let head = match n.cmp(&b) {
        std::cmp::Ordering::Less => {
            format!("{}, {} less than the request before", ms(n), ms(b - n))
        }
        std::cmp::Ordering::Greater => {
            format!("{}, {} more than the request before", ms(n), ms(n - b))
        }
        std::cmp::Ordering::Equal => format!("{}, as long as the request before", ms(n)),
    };
    let mut why = Vec::new();
    let (hb, hn) = (handshakes_us(before), handshakes_us(now));
    if hb > hn {
        why.push(format!(
            "{} fewer in TCP and TLS handshakes (connections kept open and reused)",
            ms(hb - hn)
        ));
    } else if hn > hb {
        why.push(format!(
            "{} more in TCP and TLS handshakes (new connections opened)",
            ms(hn - hb)
        ));
    }
    let (db, dn) = (before.us_of(PhaseKind::Dns), now.us_of(PhaseKind::Dns));
    if db > dn {
        why.push(format!("{} fewer in DNS (cached answers)", ms(db - dn)));
    } else if dn > db {
        why.push(format!(
            "{} more in DNS (answers looked up again)",
            ms(dn - db)
        ));
    }
    if why.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}: {}.", why.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::timeline::timeline;
    use crate::sim::world::{Request, World, DEFAULT_CLIENT, DEFAULT_URL};

    /// Fact sheet §16, §26: a cold request pays for DNS and handshakes; the
    /// same request right after reuses the connections and the cached
    /// answers, and the comparison names both.
    #[test]
    fn the_second_request_is_faster_and_the_comparison_says_why() {
        let mut w = World::default_world();
        let req = Request::get(DEFAULT_CLIENT, DEFAULT_URL).no_store();
        let cold = timeline(&w.send(&req));
        let warm = timeline(&w.send(&req));
        assert!(warm.total_us < cold.total_us);
        let s = comparison(&cold, &warm);
        assert!(s.contains("less than the request before"), "{s}");
        assert!(s.contains("fewer in TCP and TLS handshakes"), "{s}");
        let segs = segments(&cold, cold.total_us);
        assert_eq!(segs.len(), cold.phases.len());
        assert_eq!(segs[0].left, "0.00");
        let tls = legend(&cold, None)
            .into_iter()
            .find(|k| k.kind == PhaseKind::TlsHandshake)
            .expect("a cold request has a TLS handshake");
        let first = cold
            .phases
            .iter()
            .find(|p| p.kind == PhaseKind::TlsHandshake)
            .unwrap();
        assert_eq!(tls.first_hop, Some(first.first_hop - 1));
        // The warm request skipped the handshakes: the legend still names
        // them, with no time and nowhere to go, since the bar before shows them.
        let both = legend(&warm, Some(&cold));
        let tls = both.iter().find(|k| k.kind == PhaseKind::TlsHandshake);
        assert_eq!(
            tls.map(|k| (k.ms.as_str(), k.first_hop)),
            Some(("0.0 ms", None)),
            "{both:?}"
        );
        assert!(!legend(&warm, None)
            .iter()
            .any(|k| k.kind == PhaseKind::TlsHandshake));
    }
}
