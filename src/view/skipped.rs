//! The work a cache made unnecessary. A second request has fewer hops than
//! the first because a DNS cache answered; the trace list shows, right after
//! the hop where a cache answered, one collapsed row naming the servers that
//! were not asked and how long the cached answer has left:
//! `root, .com and Route 53 not asked: in the resolver's cache, 45 s left`.
//! Computed from the typed events (`DnsEvent::CacheHit`, `NsCached`), never
//! from the words of a hop.

use crate::sim::event::dns::{DnsCacheLayer, DnsEvent, NsLevel};
use crate::sim::event::Event;
use crate::sim::trace::{Hop, Trace};

/// One row of skipped work, after the hop at `after` (0-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub after: usize,
    /// Who was not asked, in the order a lookup would have asked them.
    pub not_asked: Vec<String>,
    /// Where the answer came from instead (`in the browser's DNS cache`).
    pub cached: String,
    pub ttl_left_s: u32,
}

impl Skipped {
    /// `root, .com and Route 53 not asked: in the resolver's cache, 45 s left`.
    pub fn line(&self) -> String {
        format!(
            "{} not asked: {}, {} s left",
            join_and(&self.not_asked),
            self.cached,
            self.ttl_left_s
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The servers of a full lookup of `name`, from the recursive resolver down:
/// the root, the name's top-level domain, its authority (Route 53 for names
/// in the hosted zone `zone`).
fn tree(name: &str, zone: &str) -> [String; 3] {
    let name = name.trim_end_matches('.');
    let tld = name.rsplit('.').next().unwrap_or(name);
    let in_zone = name == zone || name.ends_with(&format!(".{zone}"));
    let authority = if in_zone {
        "Route 53"
    } else {
        "its authoritative servers"
    };
    ["root".into(), format!(".{tld}"), authority.into()]
}

/// What one hop's cache answer saved, if it saved anything.
fn skipped_at(i: usize, h: &Hop, zone: &str) -> Option<Skipped> {
    let Event::Dns(ev) = &h.event else {
        return None;
    };
    let (not_asked, cached, ttl_left_s) = match ev {
        DnsEvent::CacheHit {
            cache,
            name,
            ttl_left_s,
            ..
        } => {
            let [root, tld, auth] = tree(name, zone);
            let (mut who, cached) = match cache {
                DnsCacheLayer::Browser => (
                    vec!["the OS cache".into(), "the resolver".into()],
                    "in the browser's DNS cache",
                ),
                DnsCacheLayer::Os => (vec!["the resolver".into()], "in the OS's DNS cache"),
                DnsCacheLayer::Resolver => (vec![], "in the resolver's cache"),
                DnsCacheLayer::Edge => (vec![], "in CloudFront's resolver cache"),
            };
            who.extend([root, tld, auth]);
            (who, cached.to_string(), *ttl_left_s)
        }
        DnsEvent::NsCached {
            zone: ns_zone,
            level,
            ttl_left_s,
        } => match level {
            NsLevel::Tld => (
                vec!["root".into()],
                format!("the name servers of .{ns_zone} cached"),
                *ttl_left_s,
            ),
            NsLevel::Zone => {
                let [root, tld, _] = tree(ns_zone, zone);
                (
                    vec![root, tld],
                    format!("the name servers of {ns_zone} cached"),
                    *ttl_left_s,
                )
            }
        },
        _ => return None,
    };
    Some(Skipped {
        after: i,
        not_asked,
        cached,
        ttl_left_s,
    })
}

/// Every skipped-work row of a trace, in hop order. `zone` is the hosted
/// zone's name (its names are Route 53's to answer).
pub fn skipped_work(t: &Trace, zone: &str) -> Vec<Skipped> {
    t.hops
        .iter()
        .enumerate()
        .filter_map(|(i, h)| skipped_at(i, h, zone))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::{Request, World};

    fn zone(w: &World) -> String {
        w.scenario().dns.zone.name.clone()
    }

    #[test]
    fn a_first_request_on_a_cold_world_skips_nothing() {
        let mut w = World::default_world();
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let rows = skipped_work(&t, &zone(&w));
        assert_eq!(rows, [], "every cache is cold: everything was asked");
    }

    #[test]
    fn a_second_request_answered_by_the_browser_cache_says_who_was_not_asked_and_the_ttl_left() {
        // §1: Chromium's host cache keeps an answer about 60 s.
        let mut w = World::default_world();
        let first = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        w.advance(15_000);
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        assert!(t.hops.len() < first.hops.len());
        let rows = skipped_work(&t, &zone(&w));
        let r = &rows[0];
        assert_eq!(r.after, 0, "right after the browser's cache hit");
        let Event::Dns(DnsEvent::CacheHit {
            cache, ttl_left_s, ..
        }) = &t.hops[0].event
        else {
            panic!("the first hop is a DNS cache hit: {:?}", t.hops[0].event);
        };
        assert_eq!(*cache, DnsCacheLayer::Browser);
        assert_eq!(r.ttl_left_s, *ttl_left_s);
        assert_eq!(
            r.not_asked,
            ["the OS cache", "the resolver", "root", ".com", "Route 53"]
        );
        assert_eq!(
            r.line(),
            format!(
                "the OS cache, the resolver, root, .com and Route 53 not asked: in the browser's DNS cache, {ttl_left_s} s left"
            )
        );
    }

    #[test]
    fn a_resolver_cache_hit_reads_root_com_and_route_53_not_asked() {
        let r = skipped_at(3, &resolver_hit_hop(45), "healthcareapp.com").unwrap();
        assert_eq!(
            r.line(),
            "root, .com and Route 53 not asked: in the resolver's cache, 45 s left"
        );
        assert_eq!(r.after, 3);
    }

    fn resolver_hit_hop(ttl_left_s: u32) -> Hop {
        let mut w = World::default_world();
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let mut h = t.hops[0].clone();
        h.event = Event::Dns(DnsEvent::CacheHit {
            cache: DnsCacheLayer::Resolver,
            name: "healthcareapp.com".into(),
            records: crate::sim::event::dns::Records {
                addresses: vec![],
                target: "x".into(),
                cname: None,
                qtype: Default::default(),
                data: vec![],
            },
            ttl_left_s,
            ttl_s: 60,
            negative: false,
        });
        h
    }

    #[test]
    fn two_minutes_later_the_cached_name_servers_of_the_zone_spare_root_and_com() {
        // §1: the A record (60 s) expired everywhere, the zone's NS (two days) did not.
        let mut w = World::default_world();
        w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        w.advance(120_000);
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let rows = skipped_work(&t, &zone(&w));
        let r = rows.first().expect("the NS cache spared something");
        assert!(matches!(
            t.hops[r.after].event,
            Event::Dns(DnsEvent::NsCached {
                level: NsLevel::Zone,
                ..
            })
        ));
        assert_eq!(r.not_asked, ["root", ".com"]);
        assert_eq!(
            r.line(),
            format!(
                "root and .com not asked: the name servers of healthcareapp.com cached, {} s left",
                172_800 - 120
            )
        );
    }

    #[test]
    fn cached_name_servers_skip_the_levels_above_them() {
        let mut w = World::default_world();
        let h = resolver_hit_hop(1);
        let mut zone_ns = h.clone();
        zone_ns.event = Event::Dns(DnsEvent::NsCached {
            zone: "healthcareapp.com".into(),
            level: NsLevel::Zone,
            ttl_left_s: 172_000,
        });
        let r = skipped_at(5, &zone_ns, &zone(&w)).unwrap();
        assert_eq!(
            r.line(),
            "root and .com not asked: the name servers of healthcareapp.com cached, 172000 s left"
        );
        let mut tld_ns = h;
        tld_ns.event = Event::Dns(DnsEvent::NsCached {
            zone: "com".into(),
            level: NsLevel::Tld,
            ttl_left_s: 9,
        });
        let r = skipped_at(5, &tld_ns, &zone(&w)).unwrap();
        assert_eq!(r.not_asked, ["root"]);
        // A hop that is not a cache answer skips nothing.
        let t = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        let last = t.hops.last().unwrap();
        assert_eq!(skipped_at(0, last, &zone(&w)), None);
    }
}
