//! The recursive resolver's iteration (a client's resolver, or CloudFront's):
//! root referral, TLD referral, then the authority. NS records are cached,
//! so a later lookup in the zone skips root and TLD; NXDOMAIN / NODATA are
//! cached for the negative TTL (RFC 2308); CNAME chains are followed link
//! by link; SERVFAIL is the resolver's own verdict. Fact sheet §1.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::cache::{chain_entry, CacheOwner, DnsEntry};
use super::{
    dns_step, query_typed, servfail, QType, MAX_CNAME_RESTARTS, RESOLVER_TRY_TIMEOUT_MS,
    ROOT_NEGATIVE_TTL_S, TLD_NEGATIVE_TTL_S, TLD_NS_TTL_S,
};
use crate::sim::event::dns::{DnsEvent, Nameserver, NsLevel, ServfailReason, TreeLevel};
use crate::sim::route53::QuerySource;
use crate::sim::scenario::Client;
use crate::sim::trace::{Code, Recorder, Step, Verdict};
use crate::sim::world::{us, Fault, World};

/// Who asks, through which cache, for which name: one resolver's lookup.
#[derive(Clone, Copy)]
struct Lookup<'a> {
    /// The resolver's node in the trace.
    node: &'a str,
    cache: CacheOwner<'a>,
    name: &'a str,
    qtype: QType,
}

fn ns_cached(node: &str, zone: &str, level: NsLevel, ttl_left_s: u32) -> Step {
    let ev = DnsEvent::NsCached {
        zone: zone.to_string(),
        level,
        ttl_left_s,
    };
    dns_step((node, node), "-", ev, Verdict::Pass, Code::DnsCacheHit)
}

fn tree_nxdomain(by: TreeLevel, (from, to): (&str, &str), name: &str, tld: &str) -> Step {
    let negative_ttl_s = match by {
        TreeLevel::Root => ROOT_NEGATIVE_TTL_S,
        TreeLevel::Tld => TLD_NEGATIVE_TTL_S,
    };
    let ev = DnsEvent::TreeNxdomain {
        by,
        name: name.to_string(),
        tld: tld.to_string(),
        negative_ttl_s,
    };
    dns_step((from, to), "UDP/53", ev, Verdict::Error, Code::DnsNxdomain)
}

/// A referral to `zone`'s name servers, cached for `ttl_s`. A root
/// server's referral lists one of the TLD's 13 servers "and 12 more".
fn referral(
    by: TreeLevel,
    from_to: (&str, &str),
    (zone, ttl_s): (&str, u32),
    ns: Vec<String>,
) -> Step {
    let more = match by {
        TreeLevel::Root => 12,
        TreeLevel::Tld => 0,
    };
    let ev = DnsEvent::Referral {
        by,
        zone: zone.to_string(),
        name_servers: ns,
        more,
        ttl_s,
    };
    dns_step(from_to, "UDP/53", ev, Verdict::Pass, Code::DnsReferral)
}

impl World {
    /// Iterative resolution for `name` through the cache of `owner`, as
    /// the node `node`. A CNAME answer restarts the query at its target (at
    /// most [`MAX_CNAME_RESTARTS`] times); every link is cached with its
    /// own TTL.
    pub(crate) fn iterate(
        &mut self,
        node: &str,
        owner: CacheOwner,
        name: &str,
        client: Option<&Client>,
        tb: &mut Recorder,
    ) -> DnsEntry {
        self.iterate_typed(node, owner, (name, QType::A), client, tb)
    }

    /// [`World::iterate`] for a query of type `qtype`: the chain is
    /// followed in that type, and each answer cached under its type.
    pub(crate) fn iterate_typed(
        &mut self,
        node: &str,
        owner: CacheOwner,
        (name, qtype): (&str, QType),
        client: Option<&Client>,
        tb: &mut Recorder,
    ) -> DnsEntry {
        let src = self.query_source(owner, client);
        let mut links: Vec<DnsEntry> = Vec::new();
        let mut current = name.to_string();
        loop {
            let now = self.clock_ms;
            let e = match self.dns.raw_typed(owner, &current, qtype, now).cloned() {
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
                None => {
                    let l = Lookup {
                        node,
                        cache: owner,
                        name: &current,
                        qtype,
                    };
                    self.iterate_one(l, &src, tb)
                }
            };
            let Some(target) = e.cname.clone() else {
                if links.is_empty() {
                    return e;
                }
                return chain_entry(name, &links, e);
            };
            links.push(e);
            if links.len() > MAX_CNAME_RESTARTS {
                return self
                    .chain_too_long(node, name, &links, &target, tb)
                    .typed(qtype, vec![]);
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

    /// Following the chain any further would take more than
    /// [`MAX_CNAME_RESTARTS`] restarts: SERVFAIL, as Unbound does.
    fn chain_too_long(
        &self,
        node: &str,
        name: &str,
        links: &[DnsEntry],
        target: &str,
        tb: &mut Recorder,
    ) -> DnsEntry {
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        let looped = {
            let mut seen = BTreeSet::new();
            !names.iter().all(|n| seen.insert(*n))
        };
        tb.hop(|| {
            let reason = ServfailReason::CnameChain {
                chain: names.iter().map(|n| n.to_string()).collect(),
                target: target.to_string(),
                looped,
                max_restarts: MAX_CNAME_RESTARTS,
            };
            servfail(node, name, reason)
        });
        DnsEntry::negative(
            name,
            self.clock_ms,
            0,
            Code::DnsServfail,
            &format!(
                "SERVFAIL from the resolver {node}: CNAME chain {}",
                if looped { "loops" } else { "longer than 8" }
            ),
        )
        .by(node)
    }

    /// One name, one lookup: referrals as needed, then the authority.
    fn iterate_one(&mut self, l: Lookup, src: &QuerySource, tb: &mut Recorder) -> DnsEntry {
        if let Some(e) = self.aws_name(l.node, (l.name, l.qtype), src, tb) {
            self.dns.put(l.cache, e.clone());
            return e;
        }
        if let Some(negative) = self.find_zone(l, tb) {
            return negative;
        }
        if self.has_fault(|| Fault::DnsAuthorityDown) {
            return self
                .authority_unreachable(l.node, (l.name, l.qtype), tb)
                .typed(l.qtype, vec![]);
        }
        self.ask_route53(l, src, tb)
    }

    /// Find the zone's name servers: from the cache, or by asking the root
    /// and the TLD. `Some` is a negative answer from the root or the TLD.
    fn find_zone(&mut self, l: Lookup, tb: &mut Recorder) -> Option<DnsEntry> {
        let sc = Arc::clone(&self.scenario);
        let zone = &sc.dns.zone;
        let now = self.clock_ms;
        let in_zone = zone.contains(l.name);
        let zone_key = format!("NS {}", zone.name);
        let tld_label = l.name.rsplit('.').next().unwrap_or("");
        if let Some(ns) = self.dns.answer(l.cache, &zone_key, now).filter(|_| in_zone) {
            tb.hop(|| ns_cached(l.node, &zone.name, NsLevel::Zone, ns.remaining_s(now)));
            return None;
        }
        let tld_key = format!("NS {tld_label}");
        if let Some(e) = self.dns.answer(l.cache, &tld_key, now) {
            tb.hop(|| ns_cached(l.node, tld_label, NsLevel::Tld, e.remaining_s(now)));
        } else {
            if let Some(negative) = self.ask_root(l, tld_label, tb) {
                return Some(negative);
            }
            let tld_ip = sc.dns.tld.ip;
            let ns = DnsEntry::new(
                &tld_key,
                vec![tld_ip],
                now,
                TLD_NS_TTL_S,
                "a.gtld-servers.net",
                Code::DnsReferral,
            );
            self.dns.put(l.cache, ns);
        }
        if let Some(negative) = self.ask_tld(l, in_zone, tld_label, tb) {
            return Some(negative);
        }
        let ns = DnsEntry::new(
            &zone_key,
            vec![zone.ns_ip],
            now,
            zone.ns_ttl_s,
            zone.name_servers.first().map(|s| s.as_str()).unwrap_or(""),
            Code::DnsReferral,
        );
        self.dns.put(l.cache, ns);
        None
    }

    /// NXDOMAIN from the root or the TLD: the hop back, and the negative
    /// answer kept for that server's SOA negative TTL (RFC 2308).
    fn nxdomain_from(
        &mut self,
        l: Lookup,
        (level, server, rtt_ms): (TreeLevel, &str, u32),
        tld_label: &str,
        tb: &mut Recorder,
    ) -> DnsEntry {
        tb.hop(|| tree_nxdomain(level, (server, l.node), l.name, tld_label));
        tb.wait(us(rtt_ms) / 2);
        let (ttl, label) = match level {
            TreeLevel::Root => (ROOT_NEGATIVE_TTL_S, "NXDOMAIN from the root"),
            TreeLevel::Tld => (TLD_NEGATIVE_TTL_S, "NXDOMAIN from .com"),
        };
        let e = DnsEntry::negative(l.name, self.clock_ms, ttl, Code::DnsNxdomain, label)
            .by(server)
            .typed(l.qtype, vec![]);
        self.dns.put(l.cache, e.clone());
        e
    }

    /// Ask a root server: a referral to the TLD, or NXDOMAIN (cached for
    /// the root SOA's negative TTL) when the TLD does not exist.
    fn ask_root(&mut self, l: Lookup, tld_label: &str, tb: &mut Recorder) -> Option<DnsEntry> {
        let sc = Arc::clone(&self.scenario);
        let root = &sc.dns.root;
        tb.hop(|| {
            let to = Nameserver::Root {
                name: root.name.clone(),
                ip: root.ip,
            };
            query_typed(
                (l.node, &root.id),
                (l.name, l.qtype),
                to,
                Code::DnsCacheMiss,
            )
        });
        tb.wait(us(root.rtt_ms) / 2);
        if tld_label != "com" {
            let server = (TreeLevel::Root, root.id.as_str(), root.rtt_ms);
            return Some(self.nxdomain_from(l, server, tld_label, tb));
        }
        tb.hop(|| {
            let ns = vec![sc.dns.tld.name.clone()];
            referral(
                TreeLevel::Root,
                (&root.id, l.node),
                (tld_label, TLD_NS_TTL_S),
                ns,
            )
        });
        tb.wait(us(root.rtt_ms) / 2);
        None
    }

    /// Ask the TLD's server: a referral to the zone's Route 53 name
    /// servers, or NXDOMAIN when no such domain is delegated.
    fn ask_tld(
        &mut self,
        l: Lookup,
        in_zone: bool,
        tld_label: &str,
        tb: &mut Recorder,
    ) -> Option<DnsEntry> {
        let sc = Arc::clone(&self.scenario);
        let (tld, zone) = (&sc.dns.tld, &sc.dns.zone);
        tb.hop(|| {
            let to = Nameserver::Tld {
                name: tld.name.clone(),
                ip: tld.ip,
            };
            query_typed((l.node, &tld.id), (l.name, l.qtype), to, Code::DnsCacheMiss)
        });
        tb.wait(us(tld.rtt_ms) / 2);
        if !in_zone {
            let server = (TreeLevel::Tld, tld.id.as_str(), tld.rtt_ms);
            return Some(self.nxdomain_from(l, server, tld_label, tb));
        }
        tb.hop(|| {
            let ns = zone.name_servers.clone();
            let zone = (zone.name.as_str(), zone.ns_ttl_s);
            referral(TreeLevel::Tld, (&tld.id, l.node), zone, ns)
        });
        tb.wait(us(tld.rtt_ms) / 2);
        None
    }

    /// Ask one of the zone's Route 53 name servers; cache what it says.
    fn ask_route53(&mut self, l: Lookup, src: &QuerySource, tb: &mut Recorder) -> DnsEntry {
        let sc = Arc::clone(&self.scenario);
        let zone = &sc.dns.zone;
        tb.hop(|| {
            let to = Nameserver::Route53 {
                name: zone.name_servers.first().cloned().unwrap_or_default(),
            };
            query_typed(
                (l.node, &zone.id),
                (l.name, l.qtype),
                to,
                Code::DnsCacheMiss,
            )
        });
        tb.wait(us(zone.rtt_ms) / 2);
        let ans = self.r53_answer_typed(l.name, l.qtype, src);
        tb.hop(|| {
            let verdict = if ans.addresses.is_empty() && ans.data.is_empty() && ans.cname.is_none()
            {
                Verdict::Error
            } else {
                Verdict::Pass
            };
            let ev = DnsEvent::Answer {
                name: l.name.to_string(),
                records: ans.records(),
                ttl_s: ans.ttl_s,
                reason: ans.reason.clone(),
            };
            dns_step((&zone.id, l.node), "UDP/53", ev, verdict, ans.code)
        });
        tb.wait(us(zone.rtt_ms) / 2);
        let now = self.clock_ms;
        let entry = ans.into_entry(l.name, now).by(&zone.id);
        self.dns.put(l.cache, entry.clone());
        entry
    }

    /// `DnsAuthorityDown`: every Route 53 name server times out; the
    /// resolver tries each once, then answers SERVFAIL itself. Fact sheet §1.
    fn authority_unreachable(
        &mut self,
        node: &str,
        (name, qtype): (&str, QType),
        tb: &mut Recorder,
    ) -> DnsEntry {
        let sc = Arc::clone(&self.scenario);
        let zone = &sc.dns.zone;
        let n = zone.name_servers.len();
        for (i, ns) in zone.name_servers.iter().enumerate() {
            tb.hop(|| {
                let ev = DnsEvent::QueryTimeout {
                    name: name.to_string(),
                    qtype: qtype.as_str().into(),
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
}
