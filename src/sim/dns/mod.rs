//! DNS: caches and lookups. Every cache (browser, OS, recursive resolver,
//! CloudFront's resolver) stores entries with an absolute expiry on the sim
//! clock; the remaining TTL counts down as the clock advances. Fact sheet §1.
//!
//! The recursive resolver walks root -> TLD -> Route 53 (caching NS), caches
//! NXDOMAIN / NODATA for min(SOA TTL, SOA minimum) (RFC 2308), follows CNAME
//! chains link by link (each link cached with its own TTL, at most
//! [`MAX_CNAME_RESTARTS`] restarts), and answers SERVFAIL itself when the
//! authority cannot be reached or a chain is too long. SERVFAIL is never
//! cached. Who decided (authority or resolver) travels with each entry.
//!
//! - [`cache`]: the caches, their owners and entries;
//! - [`client`]: browser -> OS -> recursive resolver;
//! - [`resolver`]: the resolver's iteration (referrals, negative caching,
//!   CNAME chains, SERVFAIL);
//! - [`aws`]: names AWS answers for itself (CloudFront, ELB);

use std::net::Ipv4Addr;

use crate::sim::event::dns::{AnswerReason, DnsEvent, Nameserver, Records, ServfailReason};
use crate::sim::trace::{Code, Event, Layer, Step, Verdict};
use crate::sim::world::World;

pub mod aws;
pub mod cache;
pub mod client;
pub mod dig;
pub mod dualstack;
pub mod qtype;
pub mod resolver;
pub mod validate;

pub use cache::{CacheOwner, DnsCache, DnsEntry, DnsState};
pub use qtype::QType;

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
    /// The type asked for, and the answer's records of a type other than A.
    pub qtype: QType,
    pub data: Vec<String>,
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
            qtype: QType::A,
            data: Vec::new(),
        }
    }
    /// The same answer, to a query of type `qtype`.
    pub fn typed(mut self, qtype: QType) -> Self {
        self.qtype = qtype;
        self
    }
    /// What the answer holds, for an event.
    pub fn records(&self) -> Records {
        Records {
            addresses: self.addresses.clone(),
            target: self.target.clone(),
            cname: self.cname.clone(),
            qtype: self.qtype,
            data: self.data.clone(),
        }
    }

    pub fn describe(&self) -> String {
        crate::sim::event::dns::describe_records(&self.addresses, &self.target, None)
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
        e.typed(self.qtype, self.data)
    }
}

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

/// A query of type A over UDP/53.
fn query(from_to: (&str, &str), name: &str, to: Nameserver, code: Code) -> Step {
    query_typed(from_to, (name, QType::A), to, code)
}

/// A query of type `qtype` over UDP/53.
fn query_typed(
    from_to: (&str, &str),
    (name, qtype): (&str, QType),
    to: Nameserver,
    code: Code,
) -> Step {
    let ev = DnsEvent::Query {
        name: name.to_string(),
        qtype: qtype.as_str().into(),
        to,
    };
    dns_step(from_to, "UDP/53", ev, Verdict::Pass, code)
}

/// The resolver's own SERVFAIL.
fn servfail(node: &str, name: &str, reason: ServfailReason) -> Step {
    let ev = DnsEvent::Servfail {
        name: name.to_string(),
        reason,
    };
    dns_step((node, node), "-", ev, Verdict::Error, Code::DnsServfail)
}

impl World {
    /// A fresh cached answer of `owner` that is not a CNAME link, without
    /// copying it.
    pub(crate) fn cache_peek(&self, owner: CacheOwner, name: &str) -> Option<&DnsEntry> {
        self.dns.peek(owner, name, self.clock_ms)
    }

    /// What `owner`'s cache can answer for `name` without asking anyone.
    pub(crate) fn cache_get(&self, owner: CacheOwner, name: &str) -> Option<DnsEntry> {
        self.dns.answer(owner, name, self.clock_ms)
    }
}
