//! `dig`: ask for a name and a record type, from a client (browser -> OS
//! -> resolver, with their caches) or straight at a recursive resolver
//! (its cache and its iteration), and get the answer as `dig` prints it:
//! status, answer records with their remaining TTL, the authority section,
//! who answered, and the whole resolution as hops. Fact sheet §1, §2.

use serde::{Deserialize, Serialize};

use super::cache::{CacheOwner, DnsEntry};
use super::{local, QType};
use crate::sim::event::dns::DnsCacheLayer;
use crate::sim::scenario::Client;
use crate::sim::trace::{fmt_ms, Code, Hop, Recorder};
use crate::sim::world::World;

/// A `dig` question, as a script step writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigSpec {
    pub name: String,
    /// The record type asked for: A (the default), AAAA, CNAME, TXT, MX, NS, SOA.
    #[serde(default, rename = "type")]
    pub qtype: String,
    /// A client id (its browser, OS and resolver caches are used), a
    /// resolver id, or `resolver` (the first client's resolver), asked
    /// straight.
    pub from: String,
}

/// The response code (RCODE) of the answer. Fact sheet §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Rcode {
    Noerror,
    Nxdomain,
    Servfail,
}

impl Rcode {
    pub fn as_str(self) -> &'static str {
        match self {
            Rcode::Noerror => "NOERROR",
            Rcode::Nxdomain => "NXDOMAIN",
            Rcode::Servfail => "SERVFAIL",
        }
    }
}

/// One resource record as `dig` prints it: name, remaining TTL, type, value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rr {
    pub name: String,
    pub ttl_s: u32,
    #[serde(rename = "type")]
    pub rtype: QType,
    pub value: String,
}

/// What `dig` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigResult {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: QType,
    /// The client or resolver asked.
    pub from: String,
    pub status: Rcode,
    /// Answer section: the CNAME links followed (if any), then the records
    /// of the type asked, each with the TTL left in the cache that answered.
    pub answer: Vec<Rr>,
    /// Authority section: the zone's SOA with NXDOMAIN or NODATA (its TTL
    /// the negative-cache time), the zone's NS with a Route 53 answer.
    pub authority: Vec<Rr>,
    /// Who produced the answer: a cache (`browser`, `os`, `resolver`), or
    /// the server that decided (`route53`, `root`, `tld-com`, the resolver
    /// itself for SERVFAIL).
    pub answered_by: String,
    /// The cache that answered without asking anyone, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<DnsCacheLayer>,
    /// Microseconds the whole resolution took.
    pub total_us: u64,
    /// The resolution hop by hop (typed DNS events).
    pub hops: Vec<Hop>,
}

/// Where a `dig` asks.
enum From<'a> {
    Client(&'a Client),
    Resolver(&'a Client),
}

impl World {
    /// Ask like `dig`. Refused (with a message) when the type or `from`
    /// is unknown; changes nothing then.
    pub fn dig(&mut self, spec: &DigSpec) -> Result<DigResult, String> {
        let qtype = if spec.qtype.trim().is_empty() {
            QType::A
        } else {
            QType::parse(&spec.qtype)?
        };
        let name = spec.name.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!(
                "dig: '{}' is not a name",
                crate::sim::text::clip(&spec.name)
            ));
        }
        let sc = std::sync::Arc::clone(&self.scenario);
        let from = if let Some(c) = sc.client(&spec.from) {
            From::Client(c)
        } else if spec.from == "resolver" {
            From::Resolver(
                sc.clients
                    .first()
                    .ok_or("dig: the scenario has no client")?,
            )
        } else if let Some(c) = sc.clients.iter().find(|c| c.resolver.id == spec.from) {
            From::Resolver(c)
        } else {
            let mut known: Vec<&str> = sc.clients.iter().map(|c| c.id.as_str()).collect();
            known.extend(sc.clients.iter().map(|c| c.resolver.id.as_str()));
            known.dedup();
            return Err(format!(
                "dig: from '{}' is neither a client nor a resolver: write one of {}, or resolver",
                crate::sim::text::clip(&spec.from),
                known.join(", ")
            ));
        };
        let mut tb = Recorder::full();
        let (entry, cache, asked) = match from {
            From::Client(c) => {
                let (e, layer) = self.resolve_typed_for_client(c, (&name, qtype), &mut tb);
                (e, layer, c.id.clone())
            }
            From::Resolver(c) => {
                let r = &c.resolver;
                let owner = CacheOwner::Resolver(&r.id);
                let now = self.clock_ms;
                match self.dns.answer_typed(owner, &name, qtype, now) {
                    Some(e) => {
                        tb.hop(|| local(&r.id, e.cache_hit(DnsCacheLayer::Resolver, &name, now)));
                        (e, Some(DnsCacheLayer::Resolver), r.id.clone())
                    }
                    None => {
                        let e = self.iterate_typed(&r.id, owner, (&name, qtype), Some(c), &mut tb);
                        (e, None, r.id.clone())
                    }
                }
            }
        };
        Ok(self.dig_result((&name, qtype), asked, &entry, cache, tb))
    }

    fn dig_result(
        &self,
        (name, qtype): (&str, QType),
        from: String,
        e: &DnsEntry,
        cache: Option<DnsCacheLayer>,
        tb: Recorder,
    ) -> DigResult {
        let now = self.clock_ms;
        let zone = &self.scenario.dns.zone;
        let left = e.remaining_s(now);
        let status = match e.code {
            Code::DnsNxdomain => Rcode::Nxdomain,
            Code::DnsServfail => Rcode::Servfail,
            _ => Rcode::Noerror,
        };
        let mut answer = Vec::new();
        // A chain's links, as `via CNAME a -> b -> c: ...` recorded them.
        if let Some(path) = e
            .target
            .strip_prefix("via CNAME ")
            .and_then(|t| t.split(": ").next())
        {
            let names: Vec<&str> = path.split(" -> ").collect();
            for w in names.windows(2) {
                answer.push(Rr {
                    name: w[0].to_string(),
                    ttl_s: left,
                    rtype: QType::CNAME,
                    value: w[1].to_string(),
                });
            }
        }
        let owner = answer
            .last()
            .map(|r| r.value.clone())
            .unwrap_or(name.to_string());
        answer.extend(e.addresses.iter().map(|a| Rr {
            name: owner.clone(),
            ttl_s: left,
            rtype: QType::A,
            value: a.to_string(),
        }));
        answer.extend(e.data.iter().map(|d| Rr {
            name: owner.clone(),
            ttl_s: left,
            rtype: qtype,
            value: d.clone(),
        }));
        let in_zone = zone.contains(&owner);
        let authority = match status {
            Rcode::Servfail => vec![],
            _ if !e.has_answer() && in_zone => vec![Rr {
                name: zone.name.clone(),
                ttl_s: zone.negative_ttl_s().min(left.max(1)),
                rtype: QType::SOA,
                value: zone.soa_value(),
            }],
            _ if in_zone && e.has_answer() => zone
                .name_servers
                .iter()
                .map(|ns| Rr {
                    name: zone.name.clone(),
                    ttl_s: zone.ns_ttl_s,
                    rtype: QType::NS,
                    value: ns.clone(),
                })
                .collect(),
            _ => vec![],
        };
        let answered_by = match cache {
            Some(DnsCacheLayer::Browser) => "browser cache".to_string(),
            Some(DnsCacheLayer::Os) => "OS cache".to_string(),
            Some(DnsCacheLayer::Resolver) | Some(DnsCacheLayer::Edge) => {
                "resolver cache".to_string()
            }
            None if e.decided_by.is_empty() => zone.id.clone(),
            None => e.decided_by.clone(),
        };
        DigResult {
            name: name.to_string(),
            qtype,
            from,
            status,
            answer,
            authority,
            answered_by,
            cache,
            total_us: tb.t_us,
            hops: tb.hops,
        }
    }
}

impl DigResult {
    /// As `dig` prints it, then the resolution hop by hop.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "dig {} {} from {}: status {}, answered by {}, {} ms\n",
            self.name,
            self.qtype,
            self.from,
            self.status.as_str(),
            self.answered_by,
            fmt_ms(self.total_us)
        );
        let section = |out: &mut String, title: &str, rrs: &[Rr]| {
            out.push_str(&format!(";; {title} SECTION:\n"));
            for r in rrs {
                out.push_str(&format!(
                    "{}.\t{}\tIN\t{}\t{}\n",
                    r.name, r.ttl_s, r.rtype, r.value
                ));
            }
        };
        section(&mut out, "ANSWER", &self.answer);
        section(&mut out, "AUTHORITY", &self.authority);
        for h in &self.hops {
            out.push_str(&format!(
                "#{:<3} {:>9} ms  {} -> {}  [{} {}]  {}  => {} {}\n       why: {}\n",
                h.index,
                fmt_ms(h.t_us),
                h.from,
                h.to,
                h.layer.as_str(),
                h.proto,
                h.what,
                h.verdict.as_str(),
                h.code,
                h.why
            ));
        }
        out
    }
}
