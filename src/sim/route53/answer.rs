//! Route 53 answers a query: NXDOMAIN / NODATA, or the records a routing
//! policy chose turned into addresses (following aliases) or a CNAME.
//! Fact sheet §1-§3.

use super::*;
use crate::sim::dns::dualstack::edge_ipv6;
use crate::sim::dns::{Answer, QType};
use crate::sim::event::dns::{AnswerReason, RoutingPolicy, Selection, ValueNote};
use crate::sim::trace::*;

/// The addresses of the chosen records, what they belong to, and what
/// their values made of the answer.
#[derive(Default)]
struct Gathered {
    addresses: Vec<Ipv4Addr>,
    /// Records of a type other than A, as `dig` prints their values.
    data: Vec<String>,
    /// An alias AAAA to a target without IPv6 (its name). Fact sheet §23.
    no_ipv6: Option<String>,
    targets: Vec<String>,
    extra: ValueNote,
    alias_ttl: Option<u32>,
}

impl World {
    /// Route 53 answers a query for `name` of type `qtype`. Fact sheet §1-§3.
    pub(crate) fn r53_answer_typed(
        &mut self,
        name: &str,
        qtype: QType,
        src: &QuerySource,
    ) -> Answer {
        self.r53_answer_at(name, qtype, src, 0)
    }

    /// `depth` counts alias-to-record links followed so far.
    pub(super) fn r53_answer_at(
        &mut self,
        name: &str,
        qtype: QType,
        src: &QuerySource,
        depth: usize,
    ) -> Answer {
        let zone = self.scenario.dns.zone.clone();
        let neg = zone.negative_ttl_s();
        if name == zone.name && matches!(qtype, QType::NS | QType::SOA) {
            return apex_answer(&zone, qtype);
        }
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
        // A CNAME redirects every type but CNAME itself. Fact sheet §1.
        let cname = qtype != QType::CNAME
            && all
                .iter()
                .any(|r| matches!(r.value, RecordValue::Cname { .. }));
        let recs: Vec<Record> = all
            .iter()
            .filter(|r| cname || r.rtype() == qtype.as_str())
            .map(|r| (*r).clone())
            .collect();
        if recs.is_empty() {
            let types: Vec<String> = all.iter().map(|r| r.rtype().to_string()).collect();
            if !qtype.is_a() {
                let mut types = types;
                types.sort();
                types.dedup();
                return Answer::negative(
                    neg,
                    "NODATA (NOERROR, empty answer)",
                    AnswerReason::NoRecordOfType {
                        qtype,
                        types,
                        negative_ttl_s: neg,
                    },
                    Code::DnsNodata,
                )
                .typed(qtype);
            }
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
        self.values(&cands, &idx, (kind, why), code, src, (qtype, depth))
            .typed(qtype)
    }

    /// Turn the chosen records into addresses (or a CNAME).
    pub(super) fn values(
        &mut self,
        cands: &[Cand],
        idx: &[usize],
        (policy, selection): (RoutingPolicy, Selection),
        code: Code,
        src: &QuerySource,
        (qtype, depth): (QType, usize),
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
        if let (RecordValue::Cname { target }, false) = (&first.value, qtype == QType::CNAME) {
            let t = target.trim_end_matches('.').to_ascii_lowercase();
            return Answer {
                addresses: vec![],
                ttl_s,
                target: format!("CNAME {t}"),
                reason: routed(ValueNote::Cname { target: t.clone() }),
                code: Code::DnsCname,
                cname: Some(t),
                qtype,
                data: vec![],
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
        if let (true, Some(target)) = (g.addresses.is_empty() && g.data.is_empty(), g.no_ipv6) {
            // An alias AAAA to a target without IPv6: NODATA with the SOA.
            let neg = self.scenario.dns.zone.negative_ttl_s();
            let value = ValueNote::AliasWithoutIpv6 {
                target,
                negative_ttl_s: neg,
            };
            return Answer::negative(
                neg,
                "NODATA (NOERROR, empty answer)",
                routed(value),
                Code::DnsNodata,
            );
        }
        if g.addresses.is_empty() && g.data.is_empty() {
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
            qtype,
            data: g.data,
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
                    self.r53_answer_at(target, QType::A, src, depth + 1)
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
            RecordValue::Aaaa { addresses } => {
                g.data.extend(addresses.iter().map(|a| a.to_string()));
                g.targets.push("AAAA record".into());
            }
            RecordValue::Txt { values } => {
                g.data.extend(values.iter().map(|v| format!("\"{v}\"")));
                g.targets.push("TXT record".into());
            }
            RecordValue::Mx { values } => {
                let mut v = values.clone();
                v.sort_by_key(|m| m.preference);
                g.data.extend(v.iter().map(|m| m.to_string()));
                g.targets.push("MX record".into());
            }
            // Asked for the CNAME itself: its value is the answer.
            RecordValue::Cname { target } => {
                g.data.push(target.clone());
                g.targets.push("CNAME record".into());
            }
            RecordValue::AliasAaaaCloudFront => {
                let cdn = &self.scenario.cdn;
                let pop = src
                    .client
                    .as_ref()
                    .and_then(|c| self.scenario.pop(&c.pop))
                    .or(cdn.pops.first());
                match pop {
                    Some(pop) if cdn.ipv6_enabled => {
                        g.data.push(edge_ipv6(pop).to_string());
                        g.targets
                            .push(format!("CloudFront {} ({}), IPv6", cdn.domain, pop.city));
                        g.extra = ValueNote::AliasCloudFront {
                            apex: rec.name == self.scenario.dns.zone.name,
                            city: pop.city.clone(),
                        };
                    }
                    _ => g.no_ipv6 = Some(cdn.domain.clone()),
                }
            }
            RecordValue::AliasAaaaAlb { region } => {
                let Some(r) = self.scenario.region(region) else {
                    return Ok(());
                };
                let v6 = self.alb_ipv6_addresses(r);
                if v6.is_empty() {
                    g.no_ipv6 = Some(r.alb.dns_name.clone());
                    return Ok(());
                }
                g.data.extend(v6.iter().map(|a| a.to_string()));
                g.targets
                    .push(format!("{} ({}, {}), IPv6", r.alb.id, r.label, r.id));
                g.extra = ValueNote::AliasAlb {
                    dns_name: r.alb.dns_name.clone(),
                };
            }
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

/// The zone's own NS and SOA records at the apex, which Route 53 creates
/// for every public hosted zone. Fact sheet §1.
fn apex_answer(zone: &HostedZone, qtype: QType) -> Answer {
    let (data, ttl_s) = match qtype {
        QType::NS => (zone.name_servers.clone(), zone.ns_ttl_s),
        _ => (vec![zone.soa_value()], zone.soa_ttl_s),
    };
    Answer {
        addresses: vec![],
        ttl_s,
        target: format!("{qtype} record of the zone"),
        reason: AnswerReason::ZoneApex { qtype },
        code: Code::DnsAnswer,
        cname: None,
        qtype,
        data,
    }
}
