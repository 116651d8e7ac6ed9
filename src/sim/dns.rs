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
    pub why: String,
    pub code: Code,
    /// Set when the answer is a CNAME: where the resolver must go next.
    pub cname: Option<String>,
}

impl Answer {
    /// NXDOMAIN, NODATA or "no answer": nothing but the SOA.
    pub fn negative(ttl_s: u32, target: &str, why: String, code: Code) -> Self {
        Answer {
            addresses: vec![],
            ttl_s,
            target: target.into(),
            why,
            code,
            cname: None,
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

use super::route53::QuerySource;
use super::scenario::Client;
use super::trace::hop;
use super::trace::{Layer, Recorder, Verdict};
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

/// TTL AWS gives answers for its own names (CloudFront, ELB). Fact sheet §2.
pub const AWS_NAME_TTL_S: u32 = 60;

fn is_negative(code: Code) -> bool {
    matches!(code, Code::DnsNxdomain | Code::DnsNodata)
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
            hop!(
                tb,
                &c.id,
                &c.id,
                Layer::Dns,
                "-",
                format!("browser DNS cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s of its {} s left: no query leaves the machine",
                    e.remaining_s(now),
                    e.ttl_s
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            return self.dns_result(&e, name, c);
        }
        hop!(
            tb,
            &c.id,
            &c.id,
            Layer::Dns,
            "-",
            format!("browser DNS cache: no entry for {name}"),
            "the browser asks the operating system's resolver next".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        let okey = KeyBuf::new(&["os:", &c.id]);
        if let Some(e) = self.cache_get(&okey, name) {
            tb.wait(200);
            hop!(
                tb,
                &c.id,
                &c.id,
                Layer::Dns,
                "-",
                format!("OS DNS cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s left of the record's TTL",
                    e.remaining_s(now)
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            let b = e.rekeyed(now, c.browser_cache_s.min(e.remaining_s(now).max(1)));
            self.cache_put(&bkey, b);
            return self.dns_result(&e, name, c);
        }
        tb.wait(200);
        hop!(
            tb,
            &c.id,
            &c.id,
            Layer::Dns,
            "-",
            format!("OS DNS cache: no entry for {name}"),
            format!(
                "the stub resolver forwards the question to the recursive resolver {}",
                c.resolver.ip
            ),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        let r = c.resolver.clone();
        hop!(
            tb,
            &c.id,
            &r.id,
            Layer::Dns,
            "UDP/53",
            format!("DNS query A {name}"),
            format!(
                "the recursive resolver {} does the lookup on the browser's behalf",
                r.ip
            ),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(r.rtt_ms) / 2);
        let rkey = KeyBuf::new(&["resolver:", &r.id]);
        let entry = if let Some(e) = self.cache_get(&rkey, name) {
            hop!(
                tb,
                &r.id,
                &r.id,
                Layer::Dns,
                "-",
                format!("resolver cache: {name} -> {}", e.describe()),
                format!(
                    "{}, {} s left: no authoritative server is asked",
                    if is_negative(e.code) {
                        "negative cache hit (RFC 2308)"
                    } else {
                        "cache hit"
                    },
                    e.remaining_s(now)
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
            e
        } else {
            self.iterate(&r.id, &rkey, name, Some(c), tb)
        };
        let left = entry.remaining_s(self.clock_ms);
        let why = match entry.code {
            Code::DnsServfail => format!(
                "SERVFAIL is the resolver's own verdict ({}), not a statement that the name is absent; it is not cached like NXDOMAIN, so the next request asks again (fact sheet §1)",
                r.id
            ),
            code if is_negative(code) => format!(
                "a negative answer from the authority; the OS caches it for {} s (negative entries are capped at {OS_MAX_NEGATIVE_TTL_S} s), the browser for {} s (fact sheet §1)",
                left.min(OS_MAX_NEGATIVE_TTL_S),
                c.browser_cache_s.min(left)
            ),
            _ => format!(
                "the OS caches it for the TTL ({left} s left); Chromium keeps it {} s whatever the TTL (fact sheet §1)",
                c.browser_cache_s
            ),
        };
        hop!(
            tb,
            &r.id,
            &c.id,
            Layer::Dns,
            "UDP/53",
            format!("DNS answer {name} -> {}", entry.describe()),
            why,
            vec![],
            if entry.addresses.is_empty() {
                Verdict::Error
            } else {
                Verdict::Pass
            },
            entry.code,
        );
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
                    let what = match &e.cname {
                        Some(t) => format!("CNAME {t}"),
                        None => e.describe(),
                    };
                    hop!(tb,
                        node,
                        node,
                        Layer::Dns,
                        "-",
                        format!("resolver cache: {current} -> {what}"),
                        format!(
                            "each link of a CNAME chain is cached with its own TTL: this one has {} s of its {} s left",
                            e.remaining_s(now),
                            e.ttl_s
                        ),
                        vec![],
                        Verdict::Pass,
                        Code::DnsCacheHit,
                    );
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
                hop!(tb,
                    node,
                    node,
                    Layer::Dns,
                    "-",
                    format!("SERVFAIL for {name}"),
                    format!(
                        "following this CNAME chain would take more than {MAX_CNAME_RESTARTS} restarts ({} -> {target}){}; like Unbound (MAX_RESTART_COUNT 8) the resolver gives up and answers SERVFAIL itself (fact sheet §1)",
                        names.join(" -> "),
                        if looped { ": the chain loops" } else { ": the chain is too long" }
                    ),
                    vec![],
                    Verdict::Error,
                    Code::DnsServfail,
                );
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
            hop!(tb,
                node,
                node,
                Layer::Dns,
                "-",
                format!("follow CNAME {current} -> {target}"),
                format!(
                    "a CNAME redirects every query type: the resolver restarts the query at {target} (restart {} of at most {MAX_CNAME_RESTARTS})",
                    links.len()
                ),
                vec![],
                Verdict::Pass,
                Code::DnsCname,
            );
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
            hop!(
                tb,
                node,
                node,
                Layer::Dns,
                "-",
                format!(
                    "NS for {} cached ({} s left)",
                    zone.name,
                    ns.remaining_s(now)
                ),
                "the delegation is already known, so root and .com are skipped".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheHit,
            );
        } else {
            let tld_key = format!("NS {tld_label}");
            if let Some(e) = self.cache_get(key, &tld_key) {
                hop!(
                    tb,
                    node,
                    node,
                    Layer::Dns,
                    "-",
                    format!("NS for .{tld_label} cached ({} s left)", e.remaining_s(now)),
                    "the root server is skipped".into(),
                    vec![],
                    Verdict::Pass,
                    Code::DnsCacheHit,
                );
            } else {
                let root = self.scenario.dns.root.clone();
                hop!(
                    tb,
                    node,
                    &root.id,
                    Layer::Dns,
                    "UDP/53",
                    format!("DNS query A {name} to {} ({})", root.name, root.ip),
                    "nothing cached for this zone: start at a root server (anycast)".into(),
                    vec![],
                    Verdict::Pass,
                    Code::DnsCacheMiss,
                );
                tb.wait(us(root.rtt_ms) / 2);
                if tld_label != "com" {
                    hop!(tb,
                        &root.id,
                        node,
                        Layer::Dns,
                        "UDP/53",
                        format!("NXDOMAIN for {name}"),
                        format!("the root zone has no top-level domain .{tld_label}; the resolver caches this for the root SOA's {ROOT_NEGATIVE_TTL_S} s"),
                        vec![],
                        Verdict::Error,
                        Code::DnsNxdomain,
                    );
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
                hop!(tb, &root.id, node, Layer::Dns, "UDP/53", format!("referral to .com: {} and 12 more, TTL 172800 s", self.scenario.dns.tld.name),
                    "root servers never answer the final address; they refer to the TLD's name servers (fact sheet §1)".into(), vec![], Verdict::Pass, Code::DnsReferral);
                tb.wait(us(root.rtt_ms) / 2);
                let tld_ip = self.scenario.dns.tld.ip;
                self.cache_put(
                    key,
                    DnsEntry::new(
                        &tld_key,
                        vec![tld_ip],
                        now,
                        172_800,
                        "a.gtld-servers.net",
                        Code::DnsReferral,
                    ),
                );
            }
            let tld = self.scenario.dns.tld.clone();
            hop!(
                tb,
                node,
                &tld.id,
                Layer::Dns,
                "UDP/53",
                format!("DNS query A {name} to {} ({})", tld.name, tld.ip),
                "ask the .com servers who is authoritative for the domain".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheMiss,
            );
            tb.wait(us(tld.rtt_ms) / 2);
            if !in_zone {
                hop!(tb,
                    &tld.id,
                    node,
                    Layer::Dns,
                    "UDP/53",
                    format!("NXDOMAIN for {name}"),
                    format!("no such domain is delegated under .com in this scenario; the resolver caches this for min(.com SOA TTL, minimum) = {TLD_NEGATIVE_TTL_S} s"),
                    vec![],
                    Verdict::Error,
                    Code::DnsNxdomain,
                );
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
            hop!(tb, &tld.id, node, Layer::Dns, "UDP/53", format!("referral to {}: {}, TTL {} s", zone.name, zone.name_servers.join(", "), zone.ns_ttl_s),
                "the TLD refers to the zone's four Route 53 name servers; the resolver caches this for two days".into(), vec![], Verdict::Pass, Code::DnsReferral);
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
        hop!(
            tb,
            node,
            &zone.id,
            Layer::Dns,
            "UDP/53",
            format!(
                "DNS query A {name} to {}",
                zone.name_servers.first().map(|s| s.as_str()).unwrap_or("")
            ),
            "ask the authoritative server (Route 53) for the record".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(zone.rtt_ms) / 2);
        let ans = self.r53_answer(name, src);
        hop!(
            tb,
            &zone.id,
            node,
            Layer::Dns,
            "UDP/53",
            format!(
                "answer {name} -> {} (TTL {} s, AA)",
                ans.describe(),
                ans.ttl_s
            ),
            ans.why.clone(),
            vec![],
            if ans.addresses.is_empty() && ans.cname.is_none() {
                Verdict::Error
            } else {
                Verdict::Pass
            },
            ans.code,
        );
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
            hop!(tb,
                node,
                &zone.id,
                Layer::Dns,
                "UDP/53",
                format!("DNS query A {name} to {ns} (try {} of {n})", i + 1),
                format!(
                    "no answer within {RESOLVER_TRY_TIMEOUT_MS} ms: the zone's name servers are unreachable{}",
                    if i + 1 < n { "; the resolver retries with the next name server" } else { "" }
                ),
                vec![],
                Verdict::Timeout,
                Code::ConnectionTimeout,
            );
            tb.wait(us(RESOLVER_TRY_TIMEOUT_MS));
        }
        hop!(tb,
            node,
            node,
            Layer::Dns,
            "-",
            format!("SERVFAIL for {name}"),
            format!(
                "all {n} authoritative servers for {} timed out: the resolver itself produces SERVFAIL (the authority never said the name is absent); SERVFAIL is not cached like NXDOMAIN (fact sheet §1)",
                zone.name
            ),
            vec![],
            Verdict::Error,
            Code::DnsServfail,
        );
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
        let (addrs, target, why) = if name == s.cdn.domain {
            let pop = src
                .client
                .as_ref()
                .and_then(|c| s.pop(&c.pop))
                .or(s.cdn.pops.first())?;
            (
                vec![pop.ip],
                format!("CloudFront {} ({})", s.cdn.domain, pop.city),
                format!(
                    "CloudFront's DNS answers with the edge nearest the resolver: {}",
                    pop.city
                ),
            )
        } else {
            let r = s.regions.iter().find(|r| r.alb.dns_name == name)?;
            let addrs = self.alb_addresses(r);
            (
                addrs,
                format!("{} ({}, {})", r.alb.id, r.label, r.id),
                "Elastic Load Balancing's DNS answers with the addresses of the load balancer's nodes".into(),
            )
        };
        let zone_id = s.dns.zone.id.clone();
        let rtt = s.dns.zone.rtt_ms;
        hop!(
            tb,
            node,
            &zone_id,
            Layer::Dns,
            "UDP/53",
            format!("DNS query A {name} to AWS's name servers"),
            "an AWS-owned name: AWS's own authoritative DNS answers it".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(rtt) / 2);
        let e = DnsEntry::new(
            name,
            addrs,
            self.clock_ms,
            AWS_NAME_TTL_S,
            &target,
            Code::DnsAnswer,
        );
        hop!(
            tb,
            &zone_id,
            node,
            Layer::Dns,
            "UDP/53",
            format!(
                "answer {name} -> {} (TTL {AWS_NAME_TTL_S} s, AA)",
                e.describe()
            ),
            why,
            vec![],
            Verdict::Pass,
            Code::DnsAnswer,
        );
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
