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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_entry_counts_down_and_then_disappears() {
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
