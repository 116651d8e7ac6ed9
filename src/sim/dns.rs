//! DNS caches and answers. Every cache (browser, OS, recursive resolver,
//! CloudFront's resolver) stores entries with an absolute expiry on the sim
//! clock; the remaining TTL counts down as the clock advances. Fact sheet §1.
//!
//! The recursive resolver walks root -> TLD -> Route 53 (caching NS), caches
//! NXDOMAIN / NODATA for min(SOA TTL, SOA minimum) (RFC 2308), follows CNAME
//! chains link by link (each link cached with its own TTL, at most
//! [`MAX_CNAME_RESTARTS`] restarts), and answers SERVFAIL itself when the
//! authority cannot be reached or a chain is too long. SERVFAIL is never
//! cached. Who decided (authority or resolver) travels with each entry.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::event::dns::AnswerReason;
use super::trace::Code;

/// Every DNS cache in the world, by owner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsState {
    /// Keyed `browser:<client>`, `os:<client>`, `resolver:<resolver>`, `edge:<pop>`.
    pub caches: BTreeMap<String, DnsCache>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsEntry {
    pub name: String,
    /// Empty for a negative (NXDOMAIN / NODATA) entry.
    pub addresses: Vec<Ipv4Addr>,
    /// What the addresses belong to, for people (`alb-a (Cluster A, us-east-1)`).
    pub target: String,
    pub stored_at_ms: u64,
    pub expires_at_ms: u64,
    pub ttl_s: u32,
    pub code: Code,
    /// A CNAME link: the name this one points at (no addresses then).
    #[serde(default)]
    pub cname: Option<String>,
    /// Who produced the answer: the authority (`route53`, `root`, `tld-com`)
    /// for NXDOMAIN / NODATA, the resolver itself for SERVFAIL.
    #[serde(default)]
    pub decided_by: String,
}

impl DnsEntry {
    pub fn new(
        name: &str,
        addresses: Vec<Ipv4Addr>,
        now: u64,
        ttl_s: u32,
        target: &str,
        code: Code,
    ) -> Self {
        DnsEntry {
            name: name.into(),
            addresses,
            target: target.into(),
            stored_at_ms: now,
            expires_at_ms: now + ttl_s as u64 * 1000,
            ttl_s,
            code,
            cname: None,
            decided_by: String::new(),
        }
    }

    /// The same entry, marked as produced by `who`.
    pub fn by(mut self, who: &str) -> Self {
        self.decided_by = who.to_string();
        self
    }

    pub fn negative(name: &str, now: u64, ttl_s: u32, code: Code, target: &str) -> Self {
        DnsEntry::new(name, vec![], now, ttl_s, target, code)
    }

    /// Whole seconds left, rounded up (a fresh 60 s entry shows 60).
    pub fn remaining_s(&self, now: u64) -> u32 {
        (self.expires_at_ms.saturating_sub(now)).div_ceil(1000) as u32
    }

    /// The same answer stored again by a downstream cache for `ttl_s`.
    pub fn rekeyed(&self, now: u64, ttl_s: u32) -> Self {
        DnsEntry {
            stored_at_ms: now,
            expires_at_ms: now + ttl_s as u64 * 1000,
            ttl_s,
            ..self.clone()
        }
    }

    /// What the entry holds, for an event.
    pub fn records(&self) -> Records {
        Records {
            addresses: self.addresses.clone(),
            target: self.target.clone(),
            cname: self.cname.clone(),
        }
    }

    /// A cache hit on this entry in `cache`, at `now`.
    pub fn cache_hit(&self, cache: DnsCacheLayer, name: &str, now: u64) -> (DnsEvent, Code) {
        let ev = DnsEvent::CacheHit {
            cache,
            name: name.to_string(),
            records: self.records(),
            ttl_left_s: self.remaining_s(now),
            ttl_s: self.ttl_s,
            negative: is_negative(self.code),
        };
        (ev, Code::DnsCacheHit)
    }

    pub fn describe(&self) -> String {
        if let Some(t) = &self.cname {
            return format!("CNAME {t}");
        }
        if self.addresses.is_empty() {
            return self.target.clone();
        }
        let a = self
            .addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        format!("{a} [{}]", self.target)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsCache {
    pub entries: BTreeMap<String, DnsEntry>,
}

impl DnsCache {
    pub fn get(&self, name: &str, now: u64) -> Option<&DnsEntry> {
        self.entries.get(name).filter(|e| e.expires_at_ms > now)
    }
    pub fn put(&mut self, e: DnsEntry) {
        self.entries.insert(e.name.clone(), e);
    }
    /// Entries still alive at `now`, in name order.
    pub fn live(&self, now: u64) -> Vec<&DnsEntry> {
        self.entries
            .values()
            .filter(|e| e.expires_at_ms > now)
            .collect()
    }
}

/// An authoritative answer before it is cached.
#[derive(Clone, Debug)]
pub struct Answer {
    pub addresses: Vec<Ipv4Addr>,
    pub ttl_s: u32,
    pub target: String,
    /// Why the authority answered this way.
    pub reason: AnswerReason,
    pub code: Code,
    /// Set when the answer is a CNAME: where the resolver must go next.
    pub cname: Option<String>,
}

impl Answer {
    /// NXDOMAIN, NODATA or "no answer": nothing but the SOA.
    pub fn negative(ttl_s: u32, target: &str, reason: AnswerReason, code: Code) -> Self {
        Answer {
            addresses: vec![],
            ttl_s,
            target: target.into(),
            reason,
            code,
            cname: None,
        }
    }
    /// What the answer holds, for an event.
    pub fn records(&self) -> Records {
        Records {
            addresses: self.addresses.clone(),
            target: self.target.clone(),
            cname: self.cname.clone(),
        }
    }

    pub fn describe(&self) -> String {
        if self.addresses.is_empty() {
            return self.target.clone();
        }
        let a = self
            .addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        format!("{a} [{}]", self.target)
    }
    pub fn into_entry(self, name: &str, now: u64) -> DnsEntry {
        let mut e = DnsEntry::new(
            name,
            self.addresses,
            now,
            self.ttl_s,
            &self.target,
            self.code,
        );
        e.cname = self.cname;
        e
    }
}

use std::collections::BTreeSet;

use super::event::dns::{
    ClientCaching, DnsCacheLayer, DnsEvent, Nameserver, NsLevel, Records, ServfailReason, TreeLevel,
};
use super::route53::QuerySource;
use super::scenario::Client;
use super::trace::{Event, Layer, Recorder, Step, Verdict};
use super::world::{us, Fault, KeyBuf, Resp, World};

/// How many times a resolver restarts a query to follow CNAMEs before it
/// gives up with SERVFAIL, as Unbound's `MAX_RESTART_COUNT`. Fact sheet §1.
pub const MAX_CNAME_RESTARTS: usize = 8;

/// How long a recursive resolver waits for one authoritative server before
/// trying the next. Real resolvers adapt this; 800 ms is a typical start.
pub const RESOLVER_TRY_TIMEOUT_MS: u32 = 800;

/// The OS stub cache caps positive entries at one day and negative ones at
/// 900 s (Windows `MaxCacheTtl`, `MaxNegativeCacheTtl`). Fact sheet §1.
pub const OS_MAX_TTL_S: u32 = 86_400;
pub const OS_MAX_NEGATIVE_TTL_S: u32 = 900;

/// Negative-cache time for a name the root zone does not have: the root
/// SOA's TTL and minimum are both one day. For `.com`: min(900, 86400).
pub const ROOT_NEGATIVE_TTL_S: u32 = 86_400;
pub const TLD_NEGATIVE_TTL_S: u32 = 900;

/// TTL of the root's referral to a TLD's name servers (two days).
pub const TLD_NS_TTL_S: u32 = 172_800;

/// TTL AWS gives answers for its own names (CloudFront, ELB). Fact sheet §2.
pub const AWS_NAME_TTL_S: u32 = 60;

fn is_negative(code: Code) -> bool {
    matches!(code, Code::DnsNxdomain | Code::DnsNodata)
}

/// A DNS hop.
fn dns_step(
    from_to: (&str, &str),
    proto: &str,
    ev: DnsEvent,
    verdict: Verdict,
    code: Code,
) -> Step {
    Step::new(from_to, Layer::Dns, proto, Event::Dns(ev), verdict, code)
}

/// A step inside one node (a cache lookup): no wire, no protocol.
fn local(node: &str, (ev, code): (DnsEvent, Code)) -> Step {
    dns_step((node, node), "-", ev, Verdict::Pass, code)
}

fn cache_miss(cache: DnsCacheLayer, name: &str, c: &Client) -> (DnsEvent, Code) {
    let ev = DnsEvent::CacheMiss {
        cache,
        name: name.to_string(),
        resolver: c.resolver.ip,
    };
    (ev, Code::DnsCacheMiss)
}

/// A query of type A over UDP/53.
fn query(from_to: (&str, &str), name: &str, to: Nameserver, code: Code) -> Step {
    let ev = DnsEvent::Query {
        name: name.to_string(),
        qtype: "A".into(),
        to,
    };
    dns_step(from_to, "UDP/53", ev, Verdict::Pass, code)
}

fn ns_cached(node: &str, zone: &str, level: NsLevel, ttl_left_s: u32) -> Step {
    let ev = DnsEvent::NsCached {
        zone: zone.to_string(),
        level,
        ttl_left_s,
    };
    dns_step((node, node), "-", ev, Verdict::Pass, Code::DnsCacheHit)
}

fn servfail(node: &str, name: &str, reason: ServfailReason) -> Step {
    let ev = DnsEvent::Servfail {
        name: name.to_string(),
        reason,
    };
    dns_step((node, node), "-", ev, Verdict::Error, Code::DnsServfail)
}

impl World {
    // ---------------------------------------------------------------- DNS

    /// A cache entry as it is stored (a CNAME link stays a link).
    /// A fresh cached answer that is not a CNAME link, without copying it.
    pub(crate) fn cache_peek(&self, key: &str, name: &str) -> Option<&DnsEntry> {
        self.dns
            .caches
            .get(key)
            .and_then(|c| c.get(name, self.clock_ms))
            .filter(|e| e.cname.is_none())
    }

    pub(crate) fn cache_raw(&self, key: &str, name: &str) -> Option<DnsEntry> {
        self.dns
            .caches
            .get(key)
            .and_then(|c| c.get(name, self.clock_ms))
            .cloned()
    }

    /// What a cache can answer for `name` without asking anyone: the entry
    /// itself, or, for a CNAME, the whole chain when every link is still
    /// cached (the answer expires with the first link that does).
    pub(crate) fn cache_get(&self, key: &str, name: &str) -> Option<DnsEntry> {
        let first = self.cache_raw(key, name)?;
        if first.cname.is_none() {
            return Some(first);
        }
        let mut links = vec![first];
        loop {
            let last = links.last()?;
            let Some(t) = last.cname.clone() else { break };
            if links.len() > MAX_CNAME_RESTARTS {
                return None;
            }
            links.push(self.cache_raw(key, &t)?);
        }
        let end = links.pop()?;
        Some(chain_entry(name, &links, end))
    }

    pub(crate) fn cache_put(&mut self, key: &str, entry: DnsEntry) {
        self.dns
            .caches
            .entry(key.to_string())
            .or_default()
            .put(entry);
    }

    pub(crate) fn resolve_for_client(
        &mut self,
        c: &Client,
        name: &str,
        tb: &mut Recorder,
    ) -> Result<Vec<Ipv4Addr>, Resp> {
        let now = self.clock_ms;
        let bkey = KeyBuf::new(&["browser:", &c.id]);
        let hit = match self.cache_peek(&bkey, name) {
            Some(e) => Some(std::borrow::Cow::Borrowed(e)),
            None => self.cache_get(&bkey, name).map(std::borrow::Cow::Owned),
        };
        if let Some(e) = hit {
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Browser, name, now)));
            return self.dns_result(&e, name, c);
        }
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Browser, name, c)));
        let okey = KeyBuf::new(&["os:", &c.id]);
        if let Some(e) = self.cache_get(&okey, name) {
            tb.wait(200);
            tb.hop(|| local(&c.id, e.cache_hit(DnsCacheLayer::Os, name, now)));
            let b = e.rekeyed(now, c.browser_cache_s.min(e.remaining_s(now).max(1)));
            self.cache_put(&bkey, b);
            return self.dns_result(&e, name, c);
        }
        tb.wait(200);
        tb.hop(|| local(&c.id, cache_miss(DnsCacheLayer::Os, name, c)));
        let r = c.resolver.clone();
        tb.hop(|| {
            query(
                (&c.id, &r.id),
                name,
                Nameserver::Recursive { ip: r.ip },
                Code::DnsCacheMiss,
            )
        });
        tb.wait(us(r.rtt_ms) / 2);
        let rkey = KeyBuf::new(&["resolver:", &r.id]);
        let entry = if let Some(e) = self.cache_get(&rkey, name) {
            tb.hop(|| local(&r.id, e.cache_hit(DnsCacheLayer::Resolver, name, now)));
            e
        } else {
            self.iterate(&r.id, &rkey, name, Some(c), tb)
        };
        let left = entry.remaining_s(self.clock_ms);
        tb.hop(|| {
            let caching = match entry.code {
                Code::DnsServfail => ClientCaching::NotCached {
                    resolver: r.id.clone(),
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
            };
            let verdict = if entry.addresses.is_empty() {
                Verdict::Error
            } else {
                Verdict::Pass
            };
            let ev = DnsEvent::Response {
                name: name.to_string(),
                records: entry.records(),
                caching,
            };
            dns_step((&r.id, &c.id), "UDP/53", ev, verdict, entry.code)
        });
        tb.wait(us(r.rtt_ms) / 2);
        let now = self.clock_ms;
        if entry.code != Code::DnsServfail {
            let left = entry.remaining_s(now);
            let (os_ttl, b_ttl) = if entry.addresses.is_empty() {
                (left.min(OS_MAX_NEGATIVE_TTL_S), c.browser_cache_s.min(left))
            } else {
                (left.min(OS_MAX_TTL_S), c.browser_cache_s)
            };
            self.cache_put(&okey, entry.rekeyed(now, os_ttl));
            self.cache_put(&bkey, entry.rekeyed(now, b_ttl));
        }
        self.dns_result(&entry, name, c)
    }

    /// Iterative resolution from a recursive resolver (or CloudFront's):
    /// root referral, TLD referral, then the authoritative answer. NS
    /// records are cached, so a later lookup in the zone skips root and TLD.
    /// A CNAME answer restarts the query at its target (at most
    /// [`MAX_CNAME_RESTARTS`] times); every link is cached with its own TTL.
    pub(crate) fn iterate(
        &mut self,
        node: &str,
        key: &str,
        name: &str,
        client: Option<&Client>,
        tb: &mut Recorder,
    ) -> DnsEntry {
        let src = self.query_source(key, client);
        let mut links: Vec<DnsEntry> = Vec::new();
        let mut current = name.to_string();
        loop {
            let now = self.clock_ms;
            let e = match self.cache_raw(key, &current) {
                Some(e) => {
                    tb.hop(|| {
                        let ev = DnsEvent::LinkCached {
                            name: current.clone(),
                            records: e.records(),
                            ttl_left_s: e.remaining_s(now),
                            ttl_s: e.ttl_s,
                        };
                        dns_step((node, node), "-", ev, Verdict::Pass, Code::DnsCacheHit)
                    });
                    e
                }
                None => self.iterate_one(node, key, &current, &src, tb),
            };
            let Some(target) = e.cname.clone() else {
                if links.is_empty() {
                    return e;
                }
                return chain_entry(name, &links, e);
            };
            links.push(e);
            if links.len() > MAX_CNAME_RESTARTS {
                let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
                let looped = {
                    let mut seen = BTreeSet::new();
                    !names.iter().all(|n| seen.insert(*n))
                };
                tb.hop(|| {
                    let reason = ServfailReason::CnameChain {
                        chain: names.iter().map(|n| n.to_string()).collect(),
                        target: target.clone(),
                        looped,
                        max_restarts: MAX_CNAME_RESTARTS,
                    };
                    servfail(node, name, reason)
                });
                return DnsEntry::negative(
                    name,
                    self.clock_ms,
                    0,
                    Code::DnsServfail,
                    &format!(
                        "SERVFAIL from the resolver {node}: CNAME chain {}",
                        if looped { "loops" } else { "longer than 8" }
                    ),
                )
                .by(node);
            }
            tb.hop(|| {
                let ev = DnsEvent::CnameRestart {
                    from: current.clone(),
                    to: target.clone(),
                    restart: links.len(),
                    max_restarts: MAX_CNAME_RESTARTS,
                };
                dns_step((node, node), "-", ev, Verdict::Pass, Code::DnsCname)
            });
            current = target;
        }
    }

    /// One name, one lookup: referrals as needed, then the authority.
    fn iterate_one(
        &mut self,
        node: &str,
        key: &str,
        name: &str,
        src: &QuerySource,
        tb: &mut Recorder,
    ) -> DnsEntry {
        let zone = self.scenario.dns.zone.clone();
        let now = self.clock_ms;
        if let Some(e) = self.aws_name(node, name, src, tb) {
            self.cache_put(key, e.clone());
            return e;
        }
        let in_zone = zone.contains(name);
        let zone_key = format!("NS {}", zone.name);
        let tld_label = name.rsplit('.').next().unwrap_or("").to_string();
        if let Some(ns) = self.cache_get(key, &zone_key).filter(|_| in_zone) {
            tb.hop(|| ns_cached(node, &zone.name, NsLevel::Zone, ns.remaining_s(now)));
        } else {
            let tld_key = format!("NS {tld_label}");
            if let Some(e) = self.cache_get(key, &tld_key) {
                tb.hop(|| ns_cached(node, &tld_label, NsLevel::Tld, e.remaining_s(now)));
            } else {
                let root = self.scenario.dns.root.clone();
                tb.hop(|| {
                    let to = Nameserver::Root {
                        name: root.name.clone(),
                        ip: root.ip,
                    };
                    query((node, &root.id), name, to, Code::DnsCacheMiss)
                });
                tb.wait(us(root.rtt_ms) / 2);
                if tld_label != "com" {
                    tb.hop(|| {
                        let ev = DnsEvent::TreeNxdomain {
                            by: TreeLevel::Root,
                            name: name.to_string(),
                            tld: tld_label.clone(),
                            negative_ttl_s: ROOT_NEGATIVE_TTL_S,
                        };
                        dns_step(
                            (&root.id, node),
                            "UDP/53",
                            ev,
                            Verdict::Error,
                            Code::DnsNxdomain,
                        )
                    });
                    tb.wait(us(root.rtt_ms) / 2);
                    let e = DnsEntry::negative(
                        name,
                        self.clock_ms,
                        ROOT_NEGATIVE_TTL_S,
                        Code::DnsNxdomain,
                        "NXDOMAIN from the root",
                    )
                    .by(&root.id);
                    self.cache_put(key, e.clone());
                    return e;
                }
                tb.hop(|| {
                    let ev = DnsEvent::Referral {
                        by: TreeLevel::Root,
                        zone: tld_label.clone(),
                        name_servers: vec![self.scenario.dns.tld.name.clone()],
                        more: 12,
                        ttl_s: TLD_NS_TTL_S,
                    };
                    dns_step(
                        (&root.id, node),
                        "UDP/53",
                        ev,
                        Verdict::Pass,
                        Code::DnsReferral,
                    )
                });
                tb.wait(us(root.rtt_ms) / 2);
                let tld_ip = self.scenario.dns.tld.ip;
                self.cache_put(
                    key,
                    DnsEntry::new(
                        &tld_key,
                        vec![tld_ip],
                        now,
                        TLD_NS_TTL_S,
                        "a.gtld-servers.net",
                        Code::DnsReferral,
                    ),
                );
            }
            let tld = self.scenario.dns.tld.clone();
            tb.hop(|| {
                let to = Nameserver::Tld {
                    name: tld.name.clone(),
                    ip: tld.ip,
                };
                query((node, &tld.id), name, to, Code::DnsCacheMiss)
            });
            tb.wait(us(tld.rtt_ms) / 2);
            if !in_zone {
                tb.hop(|| {
                    let ev = DnsEvent::TreeNxdomain {
                        by: TreeLevel::Tld,
                        name: name.to_string(),
                        tld: tld_label.clone(),
                        negative_ttl_s: TLD_NEGATIVE_TTL_S,
                    };
                    dns_step(
                        (&tld.id, node),
                        "UDP/53",
                        ev,
                        Verdict::Error,
                        Code::DnsNxdomain,
                    )
                });
                tb.wait(us(tld.rtt_ms) / 2);
                let e = DnsEntry::negative(
                    name,
                    self.clock_ms,
                    TLD_NEGATIVE_TTL_S,
                    Code::DnsNxdomain,
                    "NXDOMAIN from .com",
                )
                .by(&tld.id);
                self.cache_put(key, e.clone());
                return e;
            }
            tb.hop(|| {
                let ev = DnsEvent::Referral {
                    by: TreeLevel::Tld,
                    zone: zone.name.clone(),
                    name_servers: zone.name_servers.clone(),
                    more: 0,
                    ttl_s: zone.ns_ttl_s,
                };
                dns_step(
                    (&tld.id, node),
                    "UDP/53",
                    ev,
                    Verdict::Pass,
                    Code::DnsReferral,
                )
            });
            tb.wait(us(tld.rtt_ms) / 2);
            self.cache_put(
                key,
                DnsEntry::new(
                    &zone_key,
                    vec![zone.ns_ip],
                    now,
                    zone.ns_ttl_s,
                    zone.name_servers.first().map(|s| s.as_str()).unwrap_or(""),
                    Code::DnsReferral,
                ),
            );
        }
        if self.has_fault(|| Fault::DnsAuthorityDown) {
            return self.authority_unreachable(node, name, tb);
        }
        tb.hop(|| {
            let to = Nameserver::Route53 {
                name: zone.name_servers.first().cloned().unwrap_or_default(),
            };
            query((node, &zone.id), name, to, Code::DnsCacheMiss)
        });
        tb.wait(us(zone.rtt_ms) / 2);
        let ans = self.r53_answer(name, src);
        tb.hop(|| {
            let verdict = if ans.addresses.is_empty() && ans.cname.is_none() {
                Verdict::Error
            } else {
                Verdict::Pass
            };
            let ev = DnsEvent::Answer {
                name: name.to_string(),
                records: ans.records(),
                ttl_s: ans.ttl_s,
                reason: ans.reason.clone(),
            };
            dns_step((&zone.id, node), "UDP/53", ev, verdict, ans.code)
        });
        tb.wait(us(zone.rtt_ms) / 2);
        let now = self.clock_ms;
        let entry = ans.into_entry(name, now).by(&zone.id);
        self.cache_put(key, entry.clone());
        entry
    }

    /// `DnsAuthorityDown`: every Route 53 name server times out; the
    /// resolver tries each once, then answers SERVFAIL itself. Fact sheet §1.
    fn authority_unreachable(&mut self, node: &str, name: &str, tb: &mut Recorder) -> DnsEntry {
        let zone = self.scenario.dns.zone.clone();
        let n = zone.name_servers.len();
        for (i, ns) in zone.name_servers.iter().enumerate() {
            tb.hop(|| {
                let ev = DnsEvent::QueryTimeout {
                    name: name.to_string(),
                    qtype: "A".into(),
                    server: ns.clone(),
                    attempt: i + 1,
                    attempts: n,
                    timeout_ms: RESOLVER_TRY_TIMEOUT_MS,
                };
                let code = Code::ConnectionTimeout;
                dns_step((node, &zone.id), "UDP/53", ev, Verdict::Timeout, code)
            });
            tb.wait(us(RESOLVER_TRY_TIMEOUT_MS));
        }
        tb.hop(|| {
            let reason = ServfailReason::AuthorityUnreachable {
                zone: zone.name.clone(),
                servers: n,
            };
            servfail(node, name, reason)
        });
        DnsEntry::negative(
            name,
            self.clock_ms,
            0,
            Code::DnsServfail,
            &format!(
                "SERVFAIL from the resolver {node}: the name servers of {} do not answer",
                zone.name
            ),
        )
        .by(node)
    }

    /// Names AWS answers for itself (the distribution's and the ALBs' DNS
    /// names), reached when a CNAME points at them. Their servers are drawn
    /// as the Route 53 node; referrals via the root are not drawn.
    fn aws_name(
        &mut self,
        node: &str,
        name: &str,
        src: &QuerySource,
        tb: &mut Recorder,
    ) -> Option<DnsEntry> {
        let s = &self.scenario;
        let (addrs, target, reason) = if name == s.cdn.domain {
            let pop = src
                .client
                .as_ref()
                .and_then(|c| s.pop(&c.pop))
                .or(s.cdn.pops.first())?;
            (
                vec![pop.ip],
                format!("CloudFront {} ({})", s.cdn.domain, pop.city),
                AnswerReason::CloudFrontEdge {
                    city: pop.city.clone(),
                },
            )
        } else {
            let r = s.regions.iter().find(|r| r.alb.dns_name == name)?;
            let addrs = self.alb_addresses(r);
            (
                addrs,
                format!("{} ({}, {})", r.alb.id, r.label, r.id),
                AnswerReason::ElbNodes,
            )
        };
        let zone_id = s.dns.zone.id.clone();
        let rtt = s.dns.zone.rtt_ms;
        tb.hop(|| query((node, &zone_id), name, Nameserver::Aws, Code::DnsCacheMiss));
        tb.wait(us(rtt) / 2);
        let e = DnsEntry::new(
            name,
            addrs,
            self.clock_ms,
            AWS_NAME_TTL_S,
            &target,
            Code::DnsAnswer,
        );
        tb.hop(|| {
            let ev = DnsEvent::Answer {
                name: name.to_string(),
                records: e.records(),
                ttl_s: AWS_NAME_TTL_S,
                reason,
            };
            dns_step(
                (&zone_id, node),
                "UDP/53",
                ev,
                Verdict::Pass,
                Code::DnsAnswer,
            )
        });
        tb.wait(us(rtt) / 2);
        Some(e)
    }
}

impl World {
    /// The addresses, or the DNS error the browser shows, naming who
    /// decided it: the authority for NXDOMAIN / NODATA, the resolver for
    /// SERVFAIL (fact sheet §18).
    fn dns_result(&self, e: &DnsEntry, name: &str, c: &Client) -> Result<Vec<Ipv4Addr>, Resp> {
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
}

/// The answer for `name` at the end of a CNAME chain: the final entry's
/// addresses (or negative code), expiring with the shortest-lived link.
fn chain_entry(name: &str, links: &[DnsEntry], end: DnsEntry) -> DnsEntry {
    let mut path: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    path.push(end.name.as_str());
    let expires = links
        .iter()
        .map(|l| l.expires_at_ms)
        .chain([end.expires_at_ms])
        .min()
        .unwrap_or(end.expires_at_ms);
    let stored = links
        .iter()
        .map(|l| l.stored_at_ms)
        .chain([end.stored_at_ms])
        .max()
        .unwrap_or(end.stored_at_ms);
    let ttl_s = (expires.saturating_sub(stored)).div_ceil(1000) as u32;
    DnsEntry {
        name: name.to_string(),
        addresses: end.addresses.clone(),
        target: format!("via CNAME {}: {}", path.join(" -> "), end.target),
        stored_at_ms: stored,
        expires_at_ms: expires,
        ttl_s,
        code: end.code,
        cname: None,
        decided_by: end.decided_by.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn a_cached_entry_counts_down_and_then_disappears() {
        let mut c = DnsCache::default();
        c.put(DnsEntry::new(
            "a.com",
            vec![[1, 2, 3, 4].into()],
            0,
            60,
            "x",
            Code::DnsAnswer,
        ));
        assert_eq!(c.get("a.com", 15_000).unwrap().remaining_s(15_000), 45);
        assert!(c.get("a.com", 60_000).is_none());
    }
}
