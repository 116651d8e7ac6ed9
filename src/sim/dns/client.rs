//! The client side of a lookup: the browser's cache, then the operating
//! system's, then the recursive resolver; and what each keeps of the
//! answer (Chromium about 60 s whatever the TTL, the OS for the TTL with
//! caps). Fact sheet §1.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::cache::{CacheOwner, DnsEntry, DnsState};
use super::{
    dns_step, is_negative, local, query_typed, QType, OS_MAX_NEGATIVE_TTL_S, OS_MAX_TTL_S,
};
use crate::sim::event::dns::{ClientCaching, DnsCacheLayer, DnsEvent, Nameserver};
use crate::sim::scenario::Client;
use crate::sim::trace::{Code, Recorder, Verdict};
use crate::sim::world::{us, Resp, World};

/// How long the stub and the browser take to look in their caches.
const CLIENT_CACHE_LOOKUP_US: u64 = 200;

fn cache_miss(cache: DnsCacheLayer, name: &str, c: &Client) -> (DnsEvent, Code) {
    let ev = DnsEvent::CacheMiss {
        cache,
        name: name.to_string(),
        resolver: c.resolver.ip,
    };
    (ev, Code::DnsCacheMiss)
}

/// How the OS and the browser cache the resolver's answer (SERVFAIL is
/// not cached).
fn client_caching(entry: &DnsEntry, c: &Client, left: u32) -> ClientCaching {
    match entry.code {
        Code::DnsServfail => ClientCaching::NotCached {
            resolver: c.resolver.id.clone(),
        },
        code if is_negative(code) => ClientCaching::Negative {
            os_ttl_s: left.min(OS_MAX_NEGATIVE_TTL_S),
            os_cap_s: OS_MAX_NEGATIVE_TTL_S,
            browser_ttl_s: c.browser_cache_s.min(left),
        },
        _ => ClientCaching::Positive {
            ttl_left_s: left,
            browser_s: c.browser_cache_s,
        },
    }
}

impl DnsState {
    /// The OS and the browser keep the resolver's answer: positive answers
    /// for the TTL (OS, capped at a day) and the browser's own time;
    /// negative ones for at most 900 s (OS) and the TTL; SERVFAIL not at all.
    pub fn client_keeps(&mut self, c: &Client, entry: &DnsEntry, now: u64) {
        if entry.code == Code::DnsServfail {
            return;
        }
        let left = entry.remaining_s(now);
        let (os_ttl, b_ttl) = if !entry.has_answer() {
            (left.min(OS_MAX_NEGATIVE_TTL_S), c.browser_cache_s.min(left))
        } else {
            (left.min(OS_MAX_TTL_S), c.browser_cache_s)
        };
        self.put(CacheOwner::Os(&c.id), entry.rekeyed(now, os_ttl));
        self.put(CacheOwner::Browser(&c.id), entry.rekeyed(now, b_ttl));
    }
}

impl World {
    /// Resolve `name` for a browser: its cache, the OS's, then the
    /// recursive resolver. The addresses, or the DNS error the browser shows.
    pub(crate) fn resolve_for_client(
        &mut self,
        c: &Client,
        name: &str,
        tb: &mut Recorder,
    ) -> Result<Vec<Ipv4Addr>, Resp> {
        let now = self.clock_ms;
        let browser = CacheOwner::Browser(&c.id);
        let hit = match self.dns.peek(browser, name, now) {
            Some(e) => Some(Cow::Borrowed(e)),
            None => self.dns.answer(browser, name, now).map(Cow::Owned),
        };
        if let Some(e) = hit {
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Browser, name, now)));
            return dns_result(&e, name, c);
        }
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Browser, name, c)));
        tb.wait(CLIENT_CACHE_LOOKUP_US);
        if let Some(e) = self.dns.answer(CacheOwner::Os(&c.id), name, now) {
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Os, name, now)));
            let b = e.rekeyed(now, c.browser_cache_s.min(e.remaining_s(now).max(1)));
            self.dns.put(browser, b);
            return dns_result(&e, name, c);
        }
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Os, name, c)));
        let entry = self.ask_resolver(c, (name, QType::A), tb);
        self.dns.client_keeps(c, &entry, self.clock_ms);
        dns_result(&entry, name, c)
    }

    /// Resolve `name` type `qtype` for a client as [`World::resolve_for_client`]
    /// does for A: its browser's cache, the OS's, then the resolver. The
    /// entry that answered, and which cache held it (none: the resolver
    /// was asked). Fact sheet §1.
    pub(crate) fn resolve_typed_for_client(
        &mut self,
        c: &Client,
        (name, qtype): (&str, QType),
        tb: &mut Recorder,
    ) -> (DnsEntry, Option<DnsCacheLayer>) {
        let now = self.clock_ms;
        let browser = CacheOwner::Browser(&c.id);
        if let Some(e) = self.dns.answer_typed(browser, name, qtype, now) {
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Browser, name, now)));
            return (e, Some(DnsCacheLayer::Browser));
        }
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Browser, name, c)));
        tb.wait(CLIENT_CACHE_LOOKUP_US);
        if let Some(e) = self
            .dns
            .answer_typed(CacheOwner::Os(&c.id), name, qtype, now)
        {
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Os, name, now)));
            let b = e.rekeyed(now, c.browser_cache_s.min(e.remaining_s(now).max(1)));
            self.dns.put(browser, b);
            return (e, Some(DnsCacheLayer::Os));
        }
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Os, name, c)));
        let entry = self.ask_resolver(c, (name, qtype), tb);
        self.dns.client_keeps(c, &entry, self.clock_ms);
        (entry, None)
    }

    /// The stub asks the client's recursive resolver, which answers from
    /// its cache or iterates; its answer travels back to the client.
    fn ask_resolver(
        &mut self,
        c: &Client,
        (name, qtype): (&str, QType),
        tb: &mut Recorder,
    ) -> DnsEntry {
        let now = self.clock_ms;
        let r = &c.resolver;
        tb.hop(|| {
            let to = Nameserver::Recursive { ip: r.ip };
            query_typed((&c.id, &r.id), (name, qtype), to, Code::DnsCacheMiss)
        });
        tb.wait(us(r.rtt_ms) / 2);
        let owner = CacheOwner::Resolver(&r.id);
        let entry = if let Some(e) = self.dns.answer_typed(owner, name, qtype, now) {
            tb.hop(|| local(&r.id, e.cache_hit(DnsCacheLayer::Resolver, name, now)));
            e
        } else {
            self.iterate_typed(&r.id, owner, (name, qtype), Some(c), tb)
        };
        let left = entry.remaining_s(self.clock_ms);
        tb.hop(|| {
            let verdict = if !entry.has_answer() {
                Verdict::Error
            } else {
                Verdict::Pass
            };
            let ev = DnsEvent::Response {
                name: name.to_string(),
                records: entry.records(),
                caching: client_caching(&entry, c, left),
            };
            dns_step((&r.id, &c.id), "UDP/53", ev, verdict, entry.code)
        });
        tb.wait(us(r.rtt_ms) / 2);
        entry
    }
}

/// The addresses, or the DNS error the browser shows, naming who decided
/// it: the authority for NXDOMAIN / NODATA, the resolver for SERVFAIL
/// (fact sheet §18).
fn dns_result(e: &DnsEntry, name: &str, c: &Client) -> Result<Vec<Ipv4Addr>, Resp> {
    if !e.addresses.is_empty() {
        return Ok(e.addresses.clone());
    }
    let who = if e.decided_by.is_empty() {
        c.resolver.id.as_str()
    } else {
        e.decided_by.as_str()
    };
    Err(Resp::err(
        None,
        who,
        e.code,
        format!("the browser shows a DNS error: {name}: {}", e.target),
    ))
}
