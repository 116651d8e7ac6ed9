//! DNS caches and answers. Every cache (browser, OS, recursive resolver,
//! CloudFront's resolver) stores entries with an absolute expiry on the sim
//! clock; the remaining TTL counts down as the clock advances. Fact sheet §1.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::trace::Code;

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
        }
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

    pub(crate) fn result<T>(&self, name: &str) -> Result<Vec<Ipv4Addr>, T>
    where
        T: From<(String, Code)>,
    {
        if self.addresses.is_empty() {
            Err(T::from((format!("{name}: {}", self.target), self.code)))
        } else {
            Ok(self.addresses.clone())
        }
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
}

impl Answer {
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
        DnsEntry::new(
            name,
            self.addresses,
            now,
            self.ttl_s,
            &self.target,
            self.code,
        )
    }
}

use super::scenario::Client;
use super::trace::{Layer, TraceBuilder, Verdict};
use super::world::{us, Resp, World};

impl World {
    // ---------------------------------------------------------------- DNS

    pub(crate) fn cache_get(&self, key: &str, name: &str) -> Option<DnsEntry> {
        self.dns
            .get(key)
            .and_then(|c| c.get(name, self.clock_ms))
            .cloned()
    }
    pub(crate) fn cache_put(&mut self, key: &str, entry: DnsEntry) {
        self.dns.entry(key.to_string()).or_default().put(entry);
    }

    pub(crate) fn resolve_for_client(
        &mut self,
        c: &Client,
        name: &str,
        tb: &mut TraceBuilder,
    ) -> Result<Vec<Ipv4Addr>, Resp> {
        let now = self.clock_ms;
        let bkey = format!("browser:{}", c.id);
        if let Some(e) = self.cache_get(&bkey, name) {
            tb.hop(
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
            return e.result(name);
        }
        tb.hop(
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
        let okey = format!("os:{}", c.id);
        if let Some(e) = self.cache_get(&okey, name) {
            tb.wait(200);
            tb.hop(
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
            let b = e.rekeyed(now, c.browser_cache_s);
            self.cache_put(&bkey, b);
            return e.result(name);
        }
        tb.wait(200);
        tb.hop(
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
        tb.hop(
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
        let rkey = format!("resolver:{}", r.id);
        let entry = if let Some(e) = self.cache_get(&rkey, name) {
            tb.hop(
                &r.id,
                &r.id,
                Layer::Dns,
                "-",
                format!("resolver cache: {name} -> {}", e.describe()),
                format!(
                    "cache hit, {} s left: no authoritative server is asked",
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
        tb.hop(&r.id, &c.id, Layer::Dns, "UDP/53", format!("DNS answer {name} -> {}", entry.describe()),
            format!("the OS caches it for the TTL ({} s left); Chromium keeps it {} s whatever the TTL (fact sheet §1)", entry.remaining_s(self.clock_ms), c.browser_cache_s),
            vec![], if entry.addresses.is_empty() { Verdict::Error } else { Verdict::Pass }, entry.code);
        tb.wait(us(r.rtt_ms) / 2);
        let now = self.clock_ms;
        self.cache_put(&okey, entry.rekeyed(now, entry.remaining_s(now)));
        self.cache_put(&bkey, entry.rekeyed(now, c.browser_cache_s));
        entry.result(name)
    }

    /// Iterative resolution from a recursive resolver (or CloudFront's):
    /// root referral, TLD referral, then the authoritative answer. NS
    /// records are cached, so a later lookup in the zone skips root and TLD.
    pub(crate) fn iterate(
        &mut self,
        node: &str,
        key: &str,
        name: &str,
        client: Option<&Client>,
        tb: &mut TraceBuilder,
    ) -> DnsEntry {
        let zone = self.scenario.dns.zone.clone();
        let now = self.clock_ms;
        let in_zone = name == zone.name || name.ends_with(&format!(".{}", zone.name));
        let zone_key = format!("NS {}", zone.name);
        let tld_label = name.rsplit('.').next().unwrap_or("").to_string();
        if let Some(ns) = self.cache_get(key, &zone_key).filter(|_| in_zone) {
            tb.hop(
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
                tb.hop(
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
                tb.hop(
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
                    tb.hop(
                        &root.id,
                        node,
                        Layer::Dns,
                        "UDP/53",
                        format!("NXDOMAIN for {name}"),
                        format!("the root zone has no top-level domain .{tld_label}"),
                        vec![],
                        Verdict::Error,
                        Code::DnsNxdomain,
                    );
                    tb.wait(us(root.rtt_ms) / 2);
                    return DnsEntry::negative(
                        name,
                        now,
                        86_400,
                        Code::DnsNxdomain,
                        "NXDOMAIN from the root",
                    );
                }
                tb.hop(&root.id, node, Layer::Dns, "UDP/53", format!("referral to .com: {} and 12 more, TTL 172800 s", self.scenario.dns.tld.name),
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
            tb.hop(
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
                tb.hop(
                    &tld.id,
                    node,
                    Layer::Dns,
                    "UDP/53",
                    format!("NXDOMAIN for {name}"),
                    "no such domain is delegated under .com in this scenario".into(),
                    vec![],
                    Verdict::Error,
                    Code::DnsNxdomain,
                );
                tb.wait(us(tld.rtt_ms) / 2);
                return DnsEntry::negative(name, now, 900, Code::DnsNxdomain, "NXDOMAIN from .com");
            }
            tb.hop(&tld.id, node, Layer::Dns, "UDP/53", format!("referral to {}: {}, TTL {} s", zone.name, zone.name_servers.join(", "), zone.ns_ttl_s),
                "the TLD refers to the zone's four Route 53 name servers; the resolver caches this for two days".into(), vec![], Verdict::Pass, Code::DnsReferral);
            tb.wait(us(tld.rtt_ms) / 2);
            self.cache_put(
                key,
                DnsEntry::new(
                    &zone_key,
                    vec![zone.ns_ip],
                    now,
                    zone.ns_ttl_s,
                    &zone.name_servers[0],
                    Code::DnsReferral,
                ),
            );
        }
        tb.hop(
            node,
            &zone.id,
            Layer::Dns,
            "UDP/53",
            format!("DNS query A {name} to {}", zone.name_servers[0]),
            "ask the authoritative server (Route 53) for the record".into(),
            vec![],
            Verdict::Pass,
            Code::DnsCacheMiss,
        );
        tb.wait(us(zone.rtt_ms) / 2);
        let ans = self.r53_answer(name, client);
        tb.hop(
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
            if ans.addresses.is_empty() {
                Verdict::Error
            } else {
                Verdict::Pass
            },
            ans.code,
        );
        tb.wait(us(zone.rtt_ms) / 2);
        let now = self.clock_ms;
        let entry = ans.into_entry(name, now);
        self.cache_put(key, entry.clone());
        entry
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
