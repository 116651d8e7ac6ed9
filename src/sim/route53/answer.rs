//! Route 53 answers a query: NXDOMAIN / NODATA, or the records a routing
//! policy chose turned into addresses (following aliases) or a CNAME.
//! Fact sheet §1-§3.

use super::*;
use crate::sim::dns::Answer;
use crate::sim::event::dns::{AnswerReason, RoutingPolicy, Selection, ValueNote};
use crate::sim::trace::*;

/// The addresses of the chosen records, what they belong to, and what
/// their values made of the answer.
#[derive(Default)]
struct Gathered {
    addresses: Vec<Ipv4Addr>,
    targets: Vec<String>,
    extra: ValueNote,
    alias_ttl: Option<u32>,
}

impl World {
    /// Route 53 answers a query for `name` type A. Fact sheet §1-§3.
    pub(crate) fn r53_answer(&mut self, name: &str, src: &QuerySource) -> Answer {
        self.r53_answer_at(name, src, 0)
    }

    /// `depth` counts alias-to-record links followed so far.
    pub(super) fn r53_answer_at(&mut self, name: &str, src: &QuerySource, depth: usize) -> Answer {
        let zone = self.scenario.dns.zone.clone();
        let neg = zone.negative_ttl_s();
        let all: Vec<&Record> = zone.records.iter().filter(|r| r.name == name).collect();
        if all.is_empty() {
            let below = zone
                .records
                .iter()
                .any(|r| r.name.ends_with(&format!(".{name}")));
            if below {
                return Answer::negative(
                    neg,
                    "NODATA (NOERROR, empty answer)",
                    AnswerReason::EmptyNonTerminal {
                        soa_ttl_s: zone.soa_ttl_s,
                        soa_minimum_s: zone.soa_minimum_s,
                        negative_ttl_s: neg,
                    },
                    Code::DnsNodata,
                );
            }
            return Answer::negative(
                neg,
                "NXDOMAIN",
                AnswerReason::Nxdomain {
                    soa_ttl_s: zone.soa_ttl_s,
                    soa_minimum_s: zone.soa_minimum_s,
                    negative_ttl_s: neg,
                },
                Code::DnsNxdomain,
            );
        }
        let cname = all
            .iter()
            .any(|r| matches!(r.value, RecordValue::Cname { .. }));
        let recs: Vec<Record> = all
            .iter()
            .filter(|r| cname || r.rtype() == "A")
            .map(|r| (*r).clone())
            .collect();
        if recs.is_empty() {
            let types: Vec<String> = all.iter().map(|r| r.rtype().to_string()).collect();
            return Answer::negative(
                neg,
                "NODATA (NOERROR, empty answer)",
                AnswerReason::NoARecord {
                    types,
                    negative_ttl_s: neg,
                },
                Code::DnsNodata,
            );
        }
        let cands: Vec<Cand> = recs
            .into_iter()
            .map(|rec| {
                let (healthy, health) = self.record_health(&rec);
                Cand {
                    rec,
                    healthy,
                    health,
                }
            })
            .collect();
        let policy = cands[0].rec.routing.clone();
        let kind = policy_kind(&policy);
        let picked = match policy {
            Routing::Simple => {
                let values = match &cands[0].rec.value {
                    RecordValue::A { addresses } => addresses.len(),
                    _ => 1,
                };
                Ok((vec![0], Selection::Simple { values }, Code::DnsAnswer))
            }
            Routing::Failover { .. } => Ok(self.pick_failover(&cands)),
            Routing::Weighted { .. } => Ok(self.pick_weighted(&cands)),
            Routing::Latency { .. } => Ok(self.pick_latency(&cands, src)),
            Routing::Geolocation { .. } => self.pick_geolocation(&cands, src),
            Routing::Geoproximity { .. } => Ok(self.pick_geoproximity(&cands, src)),
            Routing::Multivalue => Ok(self.pick_multivalue(&cands)),
            Routing::IpBased { .. } => self.pick_ip(&cands, src),
        };
        let (idx, why, code) = match picked {
            Ok(p) => p,
            Err(selection) => {
                return Answer::negative(
                    neg,
                    "no answer (NOERROR, empty)",
                    AnswerReason::Routed {
                        policy: kind,
                        selection,
                        value: ValueNote::Plain,
                    },
                    Code::DnsNodata,
                )
            }
        };
        self.values(&cands, &idx, (kind, why), code, src, depth)
    }

    /// Turn the chosen records into addresses (or a CNAME).
    pub(super) fn values(
        &mut self,
        cands: &[Cand],
        idx: &[usize],
        (policy, selection): (RoutingPolicy, Selection),
        code: Code,
        src: &QuerySource,
        depth: usize,
    ) -> Answer {
        let routed = |value: ValueNote| AnswerReason::Routed {
            policy,
            selection: Box::new(selection.clone()),
            value,
        };
        let first = &cands[idx[0]].rec;
        let ttl_s = idx
            .iter()
            .map(|i| cands[*i].rec.ttl_s())
            .min()
            .unwrap_or(first.ttl_s());
        if let RecordValue::Cname { target } = &first.value {
            let t = target.trim_end_matches('.').to_ascii_lowercase();
            return Answer {
                addresses: vec![],
                ttl_s,
                target: format!("CNAME {t}"),
                reason: routed(ValueNote::Cname { target: t.clone() }),
                code: Code::DnsCname,
                cname: Some(t),
            };
        }
        let mut g = Gathered::default();
        for i in idx {
            let rec = &cands[*i].rec;
            if let Err(to_cname) = self.gather(rec, src, (depth, ttl_s), &mut g) {
                let (inner, value) = *to_cname;
                return Answer {
                    reason: routed(value),
                    ..inner
                };
            }
        }
        if g.addresses.is_empty() {
            return Answer::negative(
                ttl_s,
                "no answer (NOERROR, empty)",
                routed(ValueNote::NoAddress),
                Code::DnsNodata,
            );
        }
        let targets = &g.targets;
        Answer {
            addresses: g.addresses,
            ttl_s: g.alias_ttl.unwrap_or(ttl_s),
            target: if targets.len() > 1 && targets.iter().all(|t| *t == targets[0]) {
                format!("{} × {}", targets.len(), targets[0])
            } else {
                targets.join("; ")
            },
            reason: routed(g.extra),
            code,
            cname: None,
        }
    }

    /// One chosen record's addresses, added to `g`. An alias whose target
    /// answers with a CNAME ends the answer: `Err` carries that answer and
    /// the [`ValueNote::AliasToCname`] to report.
    fn gather(
        &mut self,
        rec: &Record,
        src: &QuerySource,
        (depth, ttl_s): (usize, u32),
        g: &mut Gathered,
    ) -> Result<(), Box<(Answer, ValueNote)>> {
        match &rec.value {
            RecordValue::A { addresses: a } => {
                let mut a = a.clone();
                self.shuffle(&mut a);
                g.addresses.extend(a.iter().copied());
                g.targets.push(a_tag(&rec.routing));
            }
            RecordValue::AliasCloudFront => {
                let Some(pop) = src
                    .client
                    .as_ref()
                    .and_then(|c| self.scenario.pop(&c.pop))
                    .or(self.scenario.cdn.pops.first())
                else {
                    return Ok(());
                };
                g.addresses.push(pop.ip);
                g.targets.push(format!(
                    "CloudFront {} ({})",
                    self.scenario.cdn.domain, pop.city
                ));
                g.extra = ValueNote::AliasCloudFront {
                    apex: rec.name == self.scenario.dns.zone.name,
                    city: pop.city.clone(),
                };
            }
            RecordValue::AliasAlb { region } => {
                let Some(r) = self.scenario.region(region) else {
                    return Ok(());
                };
                let addrs = self.alb_addresses(r);
                g.addresses.extend(addrs);
                g.targets
                    .push(format!("{} ({}, {})", r.alb.id, r.label, r.id));
                g.extra = ValueNote::AliasAlb {
                    dns_name: r.alb.dns_name.clone(),
                };
            }
            RecordValue::AliasRecord { target } => {
                // Route 53 answers with the target's own answer, chosen by
                // its routing policy and health, with its TTL. Fact sheet §2.
                let inner = if depth >= MAX_ALIAS_DEPTH {
                    let reason = AnswerReason::AliasTooLong {
                        target: target.clone(),
                    };
                    Answer::negative(ttl_s, "SERVFAIL", reason, Code::DnsServfail)
                } else {
                    self.r53_answer_at(target, src, depth + 1)
                };
                if inner.cname.is_some() {
                    let value = ValueNote::AliasToCname {
                        target: target.clone(),
                        inner: Box::new(inner.reason.clone()),
                    };
                    return Err(Box::new((inner, value)));
                }
                g.alias_ttl = Some(g.alias_ttl.map_or(inner.ttl_s, |t| t.min(inner.ttl_s)));
                g.addresses.extend(inner.addresses.iter().copied());
                g.targets.push(inner.target.clone());
                g.extra = ValueNote::AliasRecord {
                    target: target.clone(),
                    inner: Box::new(inner.reason),
                };
            }
            // Not A: filtered out before selection.
            RecordValue::Aaaa { .. } | RecordValue::Txt { .. } | RecordValue::Cname { .. } => {}
        }
        Ok(())
    }

    pub(super) fn shuffle<T>(&mut self, v: &mut [T]) {
        if v.len() < 2 {
            return;
        }
        for i in (1..v.len()).rev() {
            let j = self.rng.index(i + 1);
            v.swap(i, j);
        }
    }
}
