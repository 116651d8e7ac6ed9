//! Events of DNS: caches, the recursive resolver, root, TLD and Route 53.
//!
//! Each variant is one kind of step in a lookup (a cache consulted, a
//! query sent, a referral, an answer, a negative answer, SERVFAIL, a CNAME
//! restart). This file is the one place their English is written.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use crate::sim::dns::qtype::QType;

pub mod health;
pub mod routing;

pub use routing::Selection;

/// The client-side caches a name passes through before a query leaves
/// the machine, and the recursive resolver's own cache. Fact sheet §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsCacheLayer {
    /// Chromium's host cache (keeps answers about 60 s whatever the TTL).
    Browser,
    /// The operating system's stub resolver cache.
    Os,
    /// The recursive resolver's cache.
    Resolver,
    /// CloudFront's resolver at an edge location, resolving an origin's
    /// name (its entries hide health changes until they expire).
    Edge,
}

/// What a DNS answer or cache entry holds: addresses, or a CNAME target,
/// or nothing (negative), with what it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Records {
    pub addresses: Vec<Ipv4Addr>,
    /// What the addresses belong to (`alb-a (Cluster A, us-east-1)`), or
    /// the negative answer's kind (`NXDOMAIN`).
    pub target: String,
    /// A CNAME link: the name this one points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The type asked for (A unless written). Fact sheet §1.
    #[serde(default, skip_serializing_if = "QType::is_a")]
    pub qtype: QType,
    /// Records of a type other than A, as `dig` prints their values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
}

impl Records {
    /// `192.0.2.10, 192.0.2.11 [alb-a (...)]`, `CNAME x.example`, or the
    /// negative answer's kind; for another type, `AAAA 2001:db8::1 [...]`.
    pub fn describe(&self) -> String {
        if !self.data.is_empty() {
            return format!("{} {} [{}]", self.qtype, self.data.join(", "), self.target);
        }
        describe_records(&self.addresses, &self.target, self.cname.as_deref())
    }
}

/// Records as a learner reads them: `CNAME x.example`, the negative
/// answer's kind, or `192.0.2.10, 192.0.2.11 [alb-a (...)]`.
pub fn describe_records(addresses: &[Ipv4Addr], target: &str, cname: Option<&str>) -> String {
    if let Some(t) = cname {
        return format!("CNAME {t}");
    }
    if addresses.is_empty() {
        return target.to_string();
    }
    let a = addresses
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    format!("{a} [{target}]")
}

/// The server a query is sent to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "server", rename_all = "snake_case")]
pub enum Nameserver {
    /// The client's recursive resolver (the stub forwards to it).
    Recursive { ip: Ipv4Addr },
    /// A root server (anycast).
    Root { name: String, ip: Ipv4Addr },
    /// A server of the top-level domain (`a.gtld-servers.net`).
    Tld { name: String, ip: Ipv4Addr },
    /// One of the hosted zone's Route 53 name servers.
    Route53 { name: String },
    /// AWS's own authoritative DNS for its names (CloudFront, ELB).
    Aws,
}

/// Which level of the DNS tree gave a referral or a negative answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreeLevel {
    /// The root zone.
    Root,
    /// A top-level domain's zone (`.com`).
    Tld,
}

/// Why an authoritative server answered the way it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AnswerReason {
    /// CloudFront's DNS answers with the edge location nearest the resolver.
    CloudFrontEdge { city: String },
    /// Elastic Load Balancing's DNS answers with the load balancer's nodes.
    ElbNodes,
    /// Route 53: no record of that name in the zone (NXDOMAIN with the SOA).
    Nxdomain {
        soa_ttl_s: u32,
        soa_minimum_s: u32,
        negative_ttl_s: u32,
    },
    /// Route 53: no record of that name, but names below it exist (an
    /// empty non-terminal): NODATA.
    EmptyNonTerminal {
        soa_ttl_s: u32,
        soa_minimum_s: u32,
        negative_ttl_s: u32,
    },
    /// Route 53: the name exists with other types only: NODATA.
    NoARecord {
        types: Vec<String>,
        negative_ttl_s: u32,
    },
    /// Route 53 chose records by the routing policy (`selection` says how:
    /// where the query comes from, the candidates and their health), then
    /// turned them into the answer (`value`).
    Routed {
        policy: RoutingPolicy,
        selection: Box<Selection>,
        value: ValueNote,
    },
    /// An alias chain longer than Route 53 follows.
    AliasTooLong { target: String },
    /// Route 53's own NS or SOA record at the zone apex. Fact sheet §1.
    ZoneApex { qtype: QType },
    /// Route 53: the name exists, but has no record of the type asked
    /// (only `types`): NODATA. Fact sheet §1.
    NoRecordOfType {
        qtype: QType,
        types: Vec<String>,
        negative_ttl_s: u32,
    },
}

/// What the chosen record's value made of the answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "value", rename_all = "snake_case")]
pub enum ValueNote {
    /// Addresses of A records as they are, or no answer at all.
    #[default]
    Plain,
    /// A CNAME: the resolver restarts at its target.
    Cname { target: String },
    /// The chosen record has no address.
    NoAddress,
    /// An alias A record to the CloudFront distribution (at the apex,
    /// where a CNAME is not allowed), answered with the edge nearest.
    AliasCloudFront { apex: bool, city: String },
    /// An alias to a load balancer.
    AliasAlb { dns_name: String },
    /// An alias to records in the same zone, answered by their own answer.
    AliasRecord {
        target: String,
        inner: Box<AnswerReason>,
    },
    /// An alias to records in the same zone that answer with a CNAME.
    AliasToCname {
        target: String,
        inner: Box<AnswerReason>,
    },
    /// An alias AAAA record to a target without IPv6 (CloudFront with IPv6
    /// off, an IPv4-only load balancer): NODATA. Fact sheet §2, §23.
    AliasWithoutIpv6 { target: String, negative_ttl_s: u32 },
}

/// A Route 53 routing policy (fact sheet §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingPolicy {
    Simple,
    Failover,
    Weighted,
    Latency,
    Geolocation,
    Geoproximity,
    Multivalue,
    IpBased,
}

/// How the client side caches the resolver's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "caching", rename_all = "snake_case")]
pub enum ClientCaching {
    /// A positive answer: the OS keeps it for the TTL, the browser for its
    /// own fixed time.
    Positive { ttl_left_s: u32, browser_s: u32 },
    /// NXDOMAIN / NODATA: both cache it, the OS at most `os_cap_s`.
    Negative {
        os_ttl_s: u32,
        os_cap_s: u32,
        browser_ttl_s: u32,
    },
    /// SERVFAIL: the resolver's own verdict, not cached.
    NotCached { resolver: String },
}

/// Why a resolver answered SERVFAIL itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ServfailReason {
    /// Following the CNAME chain would take more than `max_restarts`
    /// restarts (Unbound's MAX_RESTART_COUNT).
    CnameChain {
        chain: Vec<String>,
        target: String,
        looped: bool,
        max_restarts: usize,
    },
    /// Every authoritative server of the zone timed out.
    AuthorityUnreachable { zone: String, servers: usize },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DnsEvent {
    /// A cache (browser, OS, recursive resolver) holds a fresh entry.
    CacheHit {
        cache: DnsCacheLayer,
        name: String,
        records: Records,
        ttl_left_s: u32,
        ttl_s: u32,
        /// A negative (NXDOMAIN / NODATA) entry (RFC 2308).
        negative: bool,
    },
    /// The browser's, the OS's or CloudFront's cache has no entry; the
    /// next is asked.
    CacheMiss {
        cache: DnsCacheLayer,
        name: String,
        /// The recursive resolver the stub forwards to (CloudFront's own
        /// resolver address for an edge).
        resolver: Ipv4Addr,
    },
    /// During iteration, one link of a (possible) CNAME chain is found in
    /// the resolver's cache.
    LinkCached {
        name: String,
        records: Records,
        ttl_left_s: u32,
        ttl_s: u32,
    },
    /// The resolver already knows a zone's name servers (NS cached).
    NsCached {
        /// `com` for the TLD, the hosted zone's name otherwise.
        zone: String,
        level: NsLevel,
        ttl_left_s: u32,
    },
    /// A query for `name`, type `qtype`, sent to a server.
    Query {
        name: String,
        qtype: String,
        to: Nameserver,
    },
    /// A query that got no answer within the resolver's timeout.
    QueryTimeout {
        name: String,
        qtype: String,
        server: String,
        attempt: usize,
        attempts: usize,
        timeout_ms: u32,
    },
    /// A referral: the zone's name servers, not the answer.
    Referral {
        by: TreeLevel,
        zone: String,
        name_servers: Vec<String>,
        /// Name servers not listed.
        more: usize,
        ttl_s: u32,
    },
    /// NXDOMAIN from the root or a TLD server.
    TreeNxdomain {
        by: TreeLevel,
        name: String,
        tld: String,
        negative_ttl_s: u32,
    },
    /// An authoritative answer (AA) with its TTL and what decided it.
    Answer {
        name: String,
        records: Records,
        ttl_s: u32,
        reason: AnswerReason,
    },
    /// The recursive resolver's answer to the client.
    Response {
        name: String,
        records: Records,
        caching: ClientCaching,
    },
    /// The resolver follows a CNAME: the query restarts at its target.
    CnameRestart {
        from: String,
        to: String,
        restart: usize,
        max_restarts: usize,
    },
    /// The resolver gives up and answers SERVFAIL itself.
    Servfail {
        name: String,
        reason: ServfailReason,
    },
}

/// Whose delegation a cached NS set is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NsLevel {
    /// A top-level domain's servers: the root is skipped.
    Tld,
    /// The hosted zone's servers: root and TLD are skipped.
    Zone,
}

impl DnsEvent {
    pub fn what(&self) -> String {
        match self {
            DnsEvent::CacheHit {
                cache,
                name,
                records,
                ..
            } => format!("{} {name} -> {}", cache_title(*cache), records.describe()),
            DnsEvent::CacheMiss { cache, name, .. } => {
                format!("{} no entry for {name}", cache_title(*cache))
            }
            DnsEvent::LinkCached { name, records, .. } => {
                format!("resolver cache: {name} -> {}", records.describe())
            }
            DnsEvent::NsCached {
                zone,
                level,
                ttl_left_s,
            } => match level {
                NsLevel::Tld => format!("NS for .{zone} cached ({ttl_left_s} s left)"),
                NsLevel::Zone => format!("NS for {zone} cached ({ttl_left_s} s left)"),
            },
            DnsEvent::Query { name, qtype, to } => match to {
                Nameserver::Recursive { .. } => format!("DNS query {qtype} {name}"),
                Nameserver::Root { name: s, ip } | Nameserver::Tld { name: s, ip } => {
                    format!("DNS query {qtype} {name} to {s} ({ip})")
                }
                Nameserver::Route53 { name: s } => format!("DNS query {qtype} {name} to {s}"),
                Nameserver::Aws => format!("DNS query {qtype} {name} to AWS's name servers"),
            },
            DnsEvent::QueryTimeout {
                name,
                qtype,
                server,
                attempt,
                attempts,
                ..
            } => format!("DNS query {qtype} {name} to {server} (try {attempt} of {attempts})"),
            DnsEvent::Referral {
                by,
                zone,
                name_servers,
                more,
                ttl_s,
            } => {
                let zone = match by {
                    TreeLevel::Root => format!(".{zone}"),
                    TreeLevel::Tld => zone.clone(),
                };
                let more = if *more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!(
                    "referral to {zone}: {}{more}, TTL {ttl_s} s",
                    name_servers.join(", ")
                )
            }
            DnsEvent::TreeNxdomain { name, .. } => format!("NXDOMAIN for {name}"),
            DnsEvent::Answer {
                name,
                records,
                ttl_s,
                ..
            } => format!(
                "answer {name} -> {} (TTL {ttl_s} s, AA)",
                records.describe()
            ),
            DnsEvent::Response { name, records, .. } => {
                format!("DNS answer {name} -> {}", records.describe())
            }
            DnsEvent::CnameRestart { from, to, .. } => format!("follow CNAME {from} -> {to}"),
            DnsEvent::Servfail { name, .. } => format!("SERVFAIL for {name}"),
        }
    }

    pub fn why(&self) -> String {
        match self {
            DnsEvent::CacheHit {
                cache,
                ttl_left_s,
                ttl_s,
                negative,
                ..
            } => cache_hit_why(*cache, (*ttl_left_s, *ttl_s), *negative),
            DnsEvent::CacheMiss {
                cache, resolver, ..
            } => match cache {
                DnsCacheLayer::Browser => {
                    "the browser asks the operating system's resolver next".into()
                }
                DnsCacheLayer::Edge => "CloudFront must resolve the origin's name".into(),
                DnsCacheLayer::Os | DnsCacheLayer::Resolver => format!(
                    "the stub resolver forwards the question to the recursive resolver {resolver}"
                ),
            },
            DnsEvent::LinkCached {
                ttl_left_s, ttl_s, ..
            } => format!(
                "each link of a CNAME chain is cached with its own TTL: this one has {ttl_left_s} s of its {ttl_s} s left"
            ),
            DnsEvent::NsCached { level, .. } => match level {
                NsLevel::Tld => "the root server is skipped".into(),
                NsLevel::Zone => {
                    "the delegation is already known, so root and .com are skipped".into()
                }
            },
            DnsEvent::Query { to, .. } => match to {
                Nameserver::Recursive { ip } => format!(
                    "the recursive resolver {ip} does the lookup on the browser's behalf"
                ),
                Nameserver::Root { .. } => {
                    "nothing cached for this zone: start at a root server (anycast)".into()
                }
                Nameserver::Tld { .. } => {
                    "ask the .com servers who is authoritative for the domain".into()
                }
                Nameserver::Route53 { .. } => {
                    "ask the authoritative server (Route 53) for the record".into()
                }
                Nameserver::Aws => {
                    "an AWS-owned name: AWS's own authoritative DNS answers it".into()
                }
            },
            DnsEvent::QueryTimeout {
                attempt,
                attempts,
                timeout_ms,
                ..
            } => format!(
                "no answer within {timeout_ms} ms: the zone's name servers are unreachable{}",
                if attempt < attempts {
                    "; the resolver retries with the next name server"
                } else {
                    ""
                }
            ),
            DnsEvent::Referral { by, .. } => match by {
                TreeLevel::Root => "root servers never answer the final address; they refer to the TLD's name servers (fact sheet §1)".into(),
                TreeLevel::Tld => "the TLD refers to the zone's four Route 53 name servers; the resolver caches this for two days".into(),
            },
            DnsEvent::TreeNxdomain {
                by,
                tld,
                negative_ttl_s,
                ..
            } => match by {
                TreeLevel::Root => format!(
                    "the root zone has no top-level domain .{tld}; the resolver caches this for the root SOA's {negative_ttl_s} s"
                ),
                TreeLevel::Tld => format!(
                    "no such domain is delegated under .{tld} in this scenario; the resolver caches this for min(.{tld} SOA TTL, minimum) = {negative_ttl_s} s"
                ),
            },
            DnsEvent::Answer { name, reason, .. } => answer_why(name, reason),
            DnsEvent::Response { caching, .. } => response_why(caching),
            DnsEvent::CnameRestart {
                to,
                restart,
                max_restarts,
                ..
            } => format!(
                "a CNAME redirects every query type: the resolver restarts the query at {to} (restart {restart} of at most {max_restarts})"
            ),
            DnsEvent::Servfail { reason, .. } => servfail_why(reason),
        }
    }
}

/// Why a cache hit ends the lookup there.
fn cache_hit_why(cache: DnsCacheLayer, (ttl_left_s, ttl_s): (u32, u32), negative: bool) -> String {
    match cache {
        DnsCacheLayer::Browser => {
            format!("cache hit, {ttl_left_s} s of its {ttl_s} s left: no query leaves the machine")
        }
        DnsCacheLayer::Os => {
            format!("cache hit, {ttl_left_s} s left of the record's TTL")
        }
        DnsCacheLayer::Resolver => format!(
            "{}, {ttl_left_s} s left: no authoritative server is asked",
            if negative {
                "negative cache hit (RFC 2308)"
            } else {
                "cache hit"
            }
        ),
        DnsCacheLayer::Edge => format!(
            "CloudFront's resolver cached this answer; {ttl_left_s} s of {ttl_s} s left, so Route 53 is not asked (health changes are invisible until it expires)"
        ),
    }
}

/// How the client side caches the resolver's answer.
fn response_why(caching: &ClientCaching) -> String {
    match caching {
                ClientCaching::NotCached { resolver } => format!(
                    "SERVFAIL is the resolver's own verdict ({resolver}), not a statement that the name is absent; it is not cached like NXDOMAIN, so the next request asks again (fact sheet §1)"
                ),
                ClientCaching::Negative {
                    os_ttl_s,
                    os_cap_s,
                    browser_ttl_s,
                } => format!(
                    "a negative answer from the authority; the OS caches it for {os_ttl_s} s (negative entries are capped at {os_cap_s} s), the browser for {browser_ttl_s} s (fact sheet §1)"
                ),
                ClientCaching::Positive {
                    ttl_left_s,
                    browser_s,
                } => format!(
                    "the OS caches it for the TTL ({ttl_left_s} s left); Chromium keeps it {browser_s} s whatever the TTL (fact sheet §1)"
                ),
            }
}

/// Why the resolver answered SERVFAIL itself.
fn servfail_why(reason: &ServfailReason) -> String {
    match reason {
                ServfailReason::CnameChain {
                    chain,
                    target,
                    looped,
                    max_restarts,
                } => format!(
                    "following this CNAME chain would take more than {max_restarts} restarts ({} -> {target}){}; like Unbound (MAX_RESTART_COUNT 8) the resolver gives up and answers SERVFAIL itself (fact sheet §1)",
                    chain.join(" -> "),
                    if *looped { ": the chain loops" } else { ": the chain is too long" }
                ),
                ServfailReason::AuthorityUnreachable { zone, servers } => format!(
                    "all {servers} authoritative servers for {zone} timed out: the resolver itself produces SERVFAIL (the authority never said the name is absent); SERVFAIL is not cached like NXDOMAIN (fact sheet §1)"
                ),
            }
}

fn cache_title(c: DnsCacheLayer) -> &'static str {
    match c {
        DnsCacheLayer::Browser => "browser DNS cache:",
        DnsCacheLayer::Os => "OS DNS cache:",
        DnsCacheLayer::Resolver => "resolver cache:",
        DnsCacheLayer::Edge => "origin DNS cache:",
    }
}

/// Why an authoritative server gave this answer.
pub fn answer_why(name: &str, reason: &AnswerReason) -> String {
    match reason {
        AnswerReason::CloudFrontEdge { city } => {
            format!("CloudFront's DNS answers with the edge nearest the resolver: {city}")
        }
        AnswerReason::ElbNodes => "Elastic Load Balancing's DNS answers with the addresses of the load balancer's nodes".into(),
        AnswerReason::Nxdomain {
            soa_ttl_s,
            soa_minimum_s,
            negative_ttl_s,
        } => format!(
            "no record named {name} in the zone: NXDOMAIN with the SOA; resolvers cache it for min(SOA TTL {soa_ttl_s}, minimum {soa_minimum_s}) = {negative_ttl_s} s (RFC 2308, fact sheet §1)"
        ),
        AnswerReason::EmptyNonTerminal {
            soa_ttl_s,
            soa_minimum_s,
            negative_ttl_s,
        } => format!(
            "{name} has no records but names below it exist (an empty non-terminal): the name exists, so NOERROR with an empty answer and the SOA; resolvers cache it for min(SOA TTL {soa_ttl_s}, minimum {soa_minimum_s}) = {negative_ttl_s} s (RFC 2308, fact sheet §1)"
        ),
        AnswerReason::NoARecord {
            types,
            negative_ttl_s,
        } => format!(
            "{name} exists but has no A record (only {}): NODATA is NOERROR with an empty answer, not NXDOMAIN; resolvers cache it for min(SOA TTL, minimum) = {negative_ttl_s} s (fact sheet §1)",
            types.join(", ")
        ),
        AnswerReason::Routed {
            selection, value, ..
        } => {
            let why = selection.describe();
            match value {
                ValueNote::Plain => why,
                ValueNote::Cname { target } => {
                    format!("{why}; a CNAME: the resolver must restart the query at {target}")
                }
                ValueNote::NoAddress => format!("{why}; the chosen record has no address"),
                ValueNote::AliasCloudFront { apex, city } => format!(
                    "{why}; alias A record{} to the distribution, which answers with its edge nearest the client: {city}",
                    if *apex { " at the apex (a CNAME is not allowed there)" } else { "" }
                ),
                ValueNote::AliasAlb { dns_name } => format!("{why}; alias to the ALB {dns_name}"),
                ValueNote::AliasRecord { target, inner } => format!(
                    "{why}; alias to {target} in the same zone, answered by its own records ({}), with their TTL",
                    answer_why(target, inner)
                ),
                ValueNote::AliasToCname { target, inner } => format!(
                    "{why}; alias to {target}, a CNAME: {}",
                    answer_why(target, inner)
                ),
                ValueNote::AliasWithoutIpv6 { target, negative_ttl_s } => format!(
                    "{why}; alias AAAA to {target}, which has no IPv6 address (IPv6 off or not dual-stack): NODATA, NOERROR with an empty answer and the SOA; resolvers cache it for {negative_ttl_s} s and clients fall back to A (fact sheet §2, §23)"
                ),
            }
        }
        AnswerReason::AliasTooLong { target } => format!("alias chain at {target} is too long"),
        AnswerReason::ZoneApex { qtype } => format!(
            "Route 53 creates an NS record (the zone's four name servers) and an SOA record for every public hosted zone; this is the zone's {qtype} record (fact sheet §1)"
        ),
        AnswerReason::NoRecordOfType {
            qtype,
            types,
            negative_ttl_s,
        } => format!(
            "{name} exists but has no {qtype} record (only {}): NODATA is NOERROR with an empty answer and the SOA, not NXDOMAIN; resolvers cache it for min(SOA TTL, minimum) = {negative_ttl_s} s (fact sheet §1)",
            if types.is_empty() { "none".to_string() } else { types.join(", ") }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Records {
        Records {
            addresses: vec![Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)],
            target: "alb-a (Cluster A, us-east-1)".into(),
            cname: None,
            qtype: QType::A,
            data: vec![],
        }
    }

    #[test]
    fn an_edge_cache_hit_reads_as_cloudfronts_resolver_holding_the_origin() {
        let e = DnsEvent::CacheHit {
            cache: DnsCacheLayer::Edge,
            name: "api-origin.healthcareapp.com".into(),
            records: records(),
            ttl_left_s: 42,
            ttl_s: 60,
            negative: false,
        };
        assert_eq!(
            e.what(),
            "origin DNS cache: api-origin.healthcareapp.com -> 192.0.2.10, 192.0.2.11 [alb-a (Cluster A, us-east-1)]"
        );
        assert_eq!(
            e.why(),
            "CloudFront's resolver cached this answer; 42 s of 60 s left, so Route 53 is not asked (health changes are invisible until it expires)"
        );
    }

    #[test]
    fn an_edge_cache_miss_reads_as_cloudfront_resolving_the_origin() {
        let e = DnsEvent::CacheMiss {
            cache: DnsCacheLayer::Edge,
            name: "api-origin.healthcareapp.com".into(),
            resolver: Ipv4Addr::new(18, 160, 10, 5),
        };
        assert_eq!(
            e.what(),
            "origin DNS cache: no entry for api-origin.healthcareapp.com"
        );
        assert_eq!(e.why(), "CloudFront must resolve the origin's name");
    }

    #[test]
    fn a_cname_answer_shows_its_target_and_a_negative_one_its_kind() {
        let mut r = records();
        r.addresses.clear();
        r.cname = Some("app.healthcareapp.com".into());
        assert_eq!(r.describe(), "CNAME app.healthcareapp.com");
        r.cname = None;
        r.target = "NXDOMAIN".into();
        assert_eq!(r.describe(), "NXDOMAIN");
    }
}
