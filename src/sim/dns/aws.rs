//! Names AWS answers for itself: a CloudFront distribution's domain and
//! the load balancers' DNS names, reached when a CNAME points at them.
//! Fact sheet §2.

use super::cache::DnsEntry;
use super::{dns_step, query, AWS_NAME_TTL_S};
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
        name: &str,
        src: &QuerySource,
        tb: &mut Recorder,
    ) -> Option<DnsEntry> {
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
}
