//! Names AWS answers for itself: a CloudFront distribution's domain and
//! the load balancers' DNS names, reached when a CNAME points at them.
//! Fact sheet §2.

use super::cache::DnsEntry;
use super::dualstack::edge_ipv6;
use super::{dns_step, query, query_typed, QType, AWS_NAME_TTL_S};
use crate::sim::event::dns::{AnswerReason, DnsEvent, Nameserver};
use crate::sim::route53::QuerySource;
use crate::sim::trace::{Code, Recorder, Verdict};
use crate::sim::world::{us, World};

impl World {
    /// Names AWS answers for itself (the distribution's and the ALBs' DNS
    /// names), reached when a CNAME points at them. Their servers are drawn
    /// as the Route 53 node; referrals via the root are not drawn.
    pub(super) fn aws_name(
        &mut self,
        node: &str,
        (name, qtype): (&str, QType),
        src: &QuerySource,
        tb: &mut Recorder,
    ) -> Option<DnsEntry> {
        if !qtype.is_a() {
            return self.aws_name_typed(node, (name, qtype), src, tb);
        }
        let s = &self.scenario;
        let (addrs, target, reason) = if name == s.cdn.domain {
            let pop = src
                .client
                .as_ref()
                .and_then(|c| s.pop(&c.pop))
                .or(s.cdn.pops.first())?;
            (
                vec![pop.ip],
                format!("CloudFront {} ({})", s.cdn.domain, pop.city),
                AnswerReason::CloudFrontEdge {
                    city: pop.city.clone(),
                },
            )
        } else {
            let r = s.regions.iter().find(|r| r.alb.dns_name == name)?;
            let addrs = self.alb_addresses(r);
            (
                addrs,
                format!("{} ({}, {})", r.alb.id, r.label, r.id),
                AnswerReason::ElbNodes,
            )
        };
        let zone_id = s.dns.zone.id.clone();
        let rtt = s.dns.zone.rtt_ms;
        tb.hop(|| query((node, &zone_id), name, Nameserver::Aws, Code::DnsCacheMiss));
        tb.wait(us(rtt) / 2);
        let e = DnsEntry::new(
            name,
            addrs,
            self.clock_ms,
            AWS_NAME_TTL_S,
            &target,
            Code::DnsAnswer,
        );
        tb.hop(|| {
            let ev = DnsEvent::Answer {
                name: name.to_string(),
                records: e.records(),
                ttl_s: AWS_NAME_TTL_S,
                reason,
            };
            dns_step(
                (&zone_id, node),
                "UDP/53",
                ev,
                Verdict::Pass,
                Code::DnsAnswer,
            )
        });
        tb.wait(us(rtt) / 2);
        Some(e)
    }

    /// An AWS-owned name asked for another type than A: AAAA answers with
    /// IPv6 addresses when the distribution has IPv6 on or the load
    /// balancer is dual-stack; anything else is NODATA. Fact sheet §23.
    fn aws_name_typed(
        &mut self,
        node: &str,
        (name, qtype): (&str, QType),
        src: &QuerySource,
        tb: &mut Recorder,
    ) -> Option<DnsEntry> {
        let s = &self.scenario;
        let (v6, target, reason) = if name == s.cdn.domain {
            let pop = src
                .client
                .as_ref()
                .and_then(|c| s.pop(&c.pop))
                .or(s.cdn.pops.first())?;
            let v6 = if s.cdn.ipv6_enabled {
                vec![edge_ipv6(pop).to_string()]
            } else {
                vec![]
            };
            let reason = AnswerReason::CloudFrontEdge {
                city: pop.city.clone(),
            };
            (
                v6,
                format!("CloudFront {} ({})", s.cdn.domain, pop.city),
                reason,
            )
        } else {
            let r = s.regions.iter().find(|r| r.alb.dns_name == name)?;
            let v6 = self.alb_ipv6_addresses(r);
            let v6 = v6.iter().map(|a| a.to_string()).collect();
            (
                v6,
                format!("{} ({}, {})", r.alb.id, r.label, r.id),
                AnswerReason::ElbNodes,
            )
        };
        let v6 = if qtype == QType::AAAA { v6 } else { vec![] };
        let zone_id = s.dns.zone.id.clone();
        let rtt = s.dns.zone.rtt_ms;
        tb.hop(|| {
            query_typed(
                (node, &zone_id),
                (name, qtype),
                Nameserver::Aws,
                Code::DnsCacheMiss,
            )
        });
        tb.wait(us(rtt) / 2);
        let (target, reason, code) = if v6.is_empty() {
            let reason = AnswerReason::NoRecordOfType {
                qtype,
                types: vec!["A".into()],
                negative_ttl_s: AWS_NAME_TTL_S,
            };
            (
                "NODATA (NOERROR, empty answer)".to_string(),
                reason,
                Code::DnsNodata,
            )
        } else {
            (target, reason, Code::DnsAnswer)
        };
        let e = DnsEntry::new(name, vec![], self.clock_ms, AWS_NAME_TTL_S, &target, code)
            .typed(qtype, v6);
        tb.hop(|| {
            let ev = DnsEvent::Answer {
                name: name.to_string(),
                records: e.records(),
                ttl_s: AWS_NAME_TTL_S,
                reason,
            };
            let verdict = if e.has_answer() {
                Verdict::Pass
            } else {
                Verdict::Error
            };
            dns_step((&zone_id, node), "UDP/53", ev, verdict, code)
        });
        tb.wait(us(rtt) / 2);
        Some(e)
    }
}
