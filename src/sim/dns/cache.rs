//! DNS caches: every cache (browser, OS, recursive resolver, CloudFront's
//! resolver) stores entries with an absolute expiry on the sim clock; the
//! remaining TTL counts down as the clock advances. Fact sheet §1.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::is_negative;
use super::qtype::QType;
use super::MAX_CNAME_RESTARTS;
use crate::sim::event::dns::{DnsCacheLayer, DnsEvent, Records};
use crate::sim::trace::Code;

/// Whose DNS cache: a client's browser or operating system, a recursive
/// resolver, or CloudFront's resolver at an edge location (by id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CacheOwner<'a> {
    /// A client's browser (Chromium's host cache).
    Browser(&'a str),
    /// A client's operating system (the stub resolver's cache).
    Os(&'a str),
    /// A recursive resolver.
    Resolver(&'a str),
    /// CloudFront's resolver at an edge location (a pop id).
    Edge(&'a str),
}

impl CacheOwner<'_> {
    /// The id of the client, resolver or edge location.
    pub fn id(&self) -> &str {
        match *self {
            CacheOwner::Browser(id)
            | CacheOwner::Os(id)
            | CacheOwner::Resolver(id)
            | CacheOwner::Edge(id) => id,
        }
    }
}

/// Every DNS cache in the world, one map per kind of owner, keyed by the
/// owner's id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsState {
    /// Browsers' caches, by client id.
    pub browsers: BTreeMap<String, DnsCache>,
    /// Operating systems' caches, by client id.
    pub os: BTreeMap<String, DnsCache>,
    /// Recursive resolvers' caches, by resolver id.
    pub resolvers: BTreeMap<String, DnsCache>,
    /// CloudFront's resolver caches, by edge location (pop) id.
    pub edges: BTreeMap<String, DnsCache>,
}

impl DnsState {
    fn map(&self, owner: CacheOwner) -> &BTreeMap<String, DnsCache> {
        match owner {
            CacheOwner::Browser(_) => &self.browsers,
            CacheOwner::Os(_) => &self.os,
            CacheOwner::Resolver(_) => &self.resolvers,
            CacheOwner::Edge(_) => &self.edges,
        }
    }

    fn map_mut(&mut self, owner: CacheOwner) -> &mut BTreeMap<String, DnsCache> {
        match owner {
            CacheOwner::Browser(_) => &mut self.browsers,
            CacheOwner::Os(_) => &mut self.os,
            CacheOwner::Resolver(_) => &mut self.resolvers,
            CacheOwner::Edge(_) => &mut self.edges,
        }
    }

    /// The owner's cache, if it has one (no allocation).
    pub fn get(&self, owner: CacheOwner) -> Option<&DnsCache> {
        self.map(owner).get(owner.id())
    }

    /// The owner's cache, created empty the first time (allocates only then).
    pub fn get_mut_or_default(&mut self, owner: CacheOwner) -> &mut DnsCache {
        let map = self.map_mut(owner);
        if !map.contains_key(owner.id()) {
            map.insert(owner.id().to_string(), DnsCache::default());
        }
        map.get_mut(owner.id()).expect("just inserted")
    }

    /// Every cache with its owner: browsers, OS, resolvers, edges.
    pub fn all(&self) -> impl Iterator<Item = (CacheOwner<'_>, &DnsCache)> {
        let b = self
            .browsers
            .iter()
            .map(|(k, c)| (CacheOwner::Browser(k), c));
        let o = self.os.iter().map(|(k, c)| (CacheOwner::Os(k), c));
        let r = self
            .resolvers
            .iter()
            .map(|(k, c)| (CacheOwner::Resolver(k), c));
        let e = self.edges.iter().map(|(k, c)| (CacheOwner::Edge(k), c));
        b.chain(o).chain(r).chain(e)
    }

    /// A fresh entry as stored (a CNAME link stays a link).
    pub fn raw(&self, owner: CacheOwner, name: &str, now: u64) -> Option<&DnsEntry> {
        self.get(owner).and_then(|c| c.get(name, now))
    }

    /// A fresh entry of type `qtype` as stored (a CNAME link stays a link).
    pub fn raw_typed(
        &self,
        owner: CacheOwner,
        name: &str,
        qtype: QType,
        now: u64,
    ) -> Option<&DnsEntry> {
        self.get(owner)
            .and_then(|c| c.get(&qtype.cache_key(name), now))
    }

    /// What a cache can answer for `name` type `qtype` without asking anyone.
    pub fn answer_typed(
        &self,
        owner: CacheOwner,
        name: &str,
        qtype: QType,
        now: u64,
    ) -> Option<DnsEntry> {
        self.get(owner)?.answer_typed(name, qtype, now)
    }

    /// A fresh cached answer that is not a CNAME link, without copying it.
    pub fn peek(&self, owner: CacheOwner, name: &str, now: u64) -> Option<&DnsEntry> {
        self.raw(owner, name, now).filter(|e| e.cname.is_none())
    }

    /// What a cache can answer for `name` without asking anyone (see
    /// [`DnsCache::answer`]).
    pub fn answer(&self, owner: CacheOwner, name: &str, now: u64) -> Option<DnsEntry> {
        self.get(owner)?.answer(name, now)
    }

    /// Store an entry in the owner's cache.
    pub fn put(&mut self, owner: CacheOwner, entry: DnsEntry) {
        self.get_mut_or_default(owner).put(entry);
    }
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
    /// The type asked for (A unless written). Fact sheet §1.
    #[serde(default, skip_serializing_if = "QType::is_a")]
    pub qtype: QType,
    /// The answer's records of a type other than A, as `dig` prints their
    /// values (`2001:db8::1`, `10 mail.example.com`, `"v=spf1 -all"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
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
            qtype: QType::A,
            data: Vec::new(),
        }
    }

    /// The same entry as an answer of type `qtype` holding `data`.
    pub fn typed(mut self, qtype: QType, data: Vec<String>) -> Self {
        self.qtype = qtype;
        self.data = data;
        self
    }

    /// Whether the entry answers with records (addresses or other data),
    /// as opposed to NXDOMAIN, NODATA, SERVFAIL or a bare CNAME link.
    pub fn has_answer(&self) -> bool {
        !self.addresses.is_empty() || !self.data.is_empty()
    }

    /// The key this entry is cached under (see [`QType::cache_key`]).
    pub fn key(&self) -> String {
        self.qtype.cache_key(&self.name).into_owned()
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
            qtype: self.qtype,
            data: self.data.clone(),
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
        if !self.data.is_empty() {
            return self.records().describe();
        }
        crate::sim::event::dns::describe_records(
            &self.addresses,
            &self.target,
            self.cname.as_deref(),
        )
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
        let key = if e.qtype.is_a() {
            e.name.clone()
        } else {
            e.key()
        };
        self.entries.insert(key, e);
    }

    /// What this cache can answer for `name` type `qtype` (A: as
    /// [`DnsCache::answer`]); a CNAME chain is followed in the same type.
    pub fn answer_typed(&self, name: &str, qtype: QType, now: u64) -> Option<DnsEntry> {
        if qtype.is_a() {
            return self.answer(name, now);
        }
        let first = self.get(&qtype.cache_key(name), now)?;
        if first.cname.is_none() {
            return Some(first.clone());
        }
        let mut links = vec![first.clone()];
        loop {
            let last = links.last()?;
            let Some(t) = last.cname.as_deref() else {
                break;
            };
            if links.len() > MAX_CNAME_RESTARTS {
                return None;
            }
            let next = self.get(&qtype.cache_key(t), now)?.clone();
            links.push(next);
        }
        let end = links.pop()?;
        Some(chain_entry(name, &links, end))
    }
    /// What this cache can answer for `name` without asking anyone: the
    /// entry itself, or, for a CNAME, the whole chain when every link is
    /// still cached (the answer expires with the first link that does).
    pub fn answer(&self, name: &str, now: u64) -> Option<DnsEntry> {
        let first = self.get(name, now)?;
        if first.cname.is_none() {
            return Some(first.clone());
        }
        let mut links = vec![first.clone()];
        loop {
            let last = links.last()?;
            let Some(t) = last.cname.as_deref() else {
                break;
            };
            if links.len() > MAX_CNAME_RESTARTS {
                return None;
            }
            let next = self.get(t, now)?.clone();
            links.push(next);
        }
        let end = links.pop()?;
        Some(chain_entry(name, &links, end))
    }

    /// Entries still alive at `now`, in name order.
    pub fn live(&self, now: u64) -> Vec<&DnsEntry> {
        self.entries
            .values()
            .filter(|e| e.expires_at_ms > now)
            .collect()
    }
}

/// The answer for `name` at the end of a CNAME chain: the final entry's
/// addresses (or negative code), expiring with the shortest-lived link.
pub(crate) fn chain_entry(name: &str, links: &[DnsEntry], end: DnsEntry) -> DnsEntry {
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
        qtype: end.qtype,
        data: end.data.clone(),
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
