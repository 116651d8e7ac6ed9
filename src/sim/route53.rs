//! Route 53 as the authority: record selection by routing policy and
//! health, and the health checks that run on the clock. Fact sheet §2-§4.

use std::net::Ipv4Addr;

use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

impl World {
    /// Route 53 picks the record by routing policy and health. Fact sheet §2-§4.
    pub(crate) fn r53_answer(&self, name: &str, client: Option<&Client>) -> super::dns::Answer {
        use super::dns::Answer;
        let zone = &self.scenario.dns.zone;
        let recs: Vec<&Record> = zone.records.iter().filter(|r| r.name == name).collect();
        if recs.is_empty() {
            let neg = zone.soa_ttl_s.min(zone.soa_minimum_s);
            return Answer {
                addresses: vec![],
                ttl_s: neg,
                target: "NXDOMAIN".into(),
                why: format!("no record named {name} in the zone: NXDOMAIN with the SOA; resolvers cache it for min(SOA TTL {}, minimum {}) = {neg} s (RFC 2308, fact sheet §1)", zone.soa_ttl_s, zone.soa_minimum_s),
                code: Code::DnsNxdomain,
            };
        }
        let healthy = |r: &Record| match &r.routing {
            Routing::Failover {
                health_check: Some(h),
                ..
            } => self.r53_health.get(h).map(|s| s.healthy).unwrap_or(true),
            _ => true,
        };
        let hc_text = |r: &Record| match &r.routing {
            Routing::Failover {
                health_check: Some(h),
                ..
            } => match self.r53_health.get(h) {
                Some(s) => {
                    let thr = self
                        .scenario
                        .dns
                        .health_checks
                        .iter()
                        .find(|c| &c.id == h)
                        .map(|c| c.failure_threshold)
                        .unwrap_or(3);
                    format!(
                        "{h} {} ({} of {thr} consecutive failures)",
                        if s.healthy { "healthy" } else { "UNHEALTHY" },
                        s.consecutive_failures.min(thr)
                    )
                }
                None => format!("{h} healthy"),
            },
            _ => "no health check: always healthy".into(),
        };
        let primary = recs.iter().find(|r| {
            matches!(
                r.routing,
                Routing::Failover {
                    role: FailoverRole::Primary,
                    ..
                }
            )
        });
        let secondary = recs.iter().find(|r| {
            matches!(
                r.routing,
                Routing::Failover {
                    role: FailoverRole::Secondary,
                    ..
                }
            )
        });
        let (rec, why, code) = match (primary, secondary) {
            (Some(p), Some(s)) => {
                if healthy(p) {
                    (*p, format!("failover record: PRIMARY is healthy ({}), so only the primary is returned", hc_text(p)), Code::DnsAnswer)
                } else if healthy(s) {
                    (*s, format!("failover record: PRIMARY is unhealthy ({}), SECONDARY is healthy ({}), so Route 53 answers with the secondary (fact sheet §3)", hc_text(p), hc_text(s)), Code::HealthCheckFailover)
                } else {
                    (*p, format!("failover record: both PRIMARY ({}) and SECONDARY ({}) are unhealthy, so Route 53 returns the primary (fact sheet §3)", hc_text(p), hc_text(s)), Code::DnsAnswer)
                }
            }
            (Some(p), None) => (
                *p,
                format!("failover record with only a PRIMARY ({})", hc_text(p)),
                Code::DnsAnswer,
            ),
            _ => (
                recs[0],
                "simple record: the one record is returned".into(),
                Code::DnsAnswer,
            ),
        };
        let (addresses, target, extra) = match &rec.value {
            RecordValue::A { addresses } => (
                addresses.clone(),
                addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                String::new(),
            ),
            RecordValue::AliasCloudFront => {
                let pop = client
                    .and_then(|c| self.scenario.pop(&c.pop))
                    .unwrap_or(&self.scenario.cdn.pops[0]);
                (vec![pop.ip], format!("CloudFront {} ({})", self.scenario.cdn.domain, pop.city),
                    format!("; alias A record at the apex (a CNAME is not allowed there) to the distribution, which answers with its edge nearest the client: {}", pop.city))
            }
            RecordValue::AliasAlb { region } => {
                let r = self.scenario.region(region).expect("validated");
                let live: Vec<Ipv4Addr> = r
                    .alb
                    .nodes
                    .iter()
                    .filter(|n| self.placement_up(r, &n.subnet))
                    .map(|n| n.public_ip)
                    .collect();
                let addrs = if live.is_empty() {
                    r.alb.nodes.iter().map(|n| n.public_ip).collect()
                } else {
                    live
                };
                (
                    addrs,
                    format!("{} ({}, {})", r.alb.id, r.label, r.id),
                    format!("; alias to the ALB {}", r.alb.dns_name),
                )
            }
        };
        Answer {
            addresses,
            ttl_s: rec.ttl_s,
            target,
            why: format!("{why}{extra}"),
            code,
        }
    }

    pub(crate) fn run_r53_check(&mut self, id: &str) {
        let Some(hc) = self
            .scenario
            .dns
            .health_checks
            .iter()
            .find(|h| h.id == id)
            .cloned()
        else {
            self.r53_health.remove(id);
            return;
        };
        let (ok, reason) = self.probe_health_check(&hc);
        let now = self.clock_ms;
        let st = self.r53_health.get_mut(id).expect("scheduled check exists");
        st.next_due_ms = now + hc.interval_s as u64 * 1000;
        st.history.push((now, ok, reason.clone()));
        if st.history.len() > HISTORY_LEN {
            st.history.remove(0);
        }
        if ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
        }
        let flip = if st.healthy && st.consecutive_failures >= hc.failure_threshold {
            st.healthy = false;
            Some(format!(
                "UNHEALTHY after {} consecutive failures ({}; {} of {} checkers report healthy, not more than 18 %)",
                hc.failure_threshold, reason, 0, hc.checkers
            ))
        } else if !st.healthy && st.consecutive_successes >= hc.failure_threshold {
            st.healthy = true;
            Some(format!(
                "HEALTHY again after {} consecutive successes",
                hc.failure_threshold
            ))
        } else {
            None
        };
        if let Some(text) = flip {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("route53 {id}"),
                text,
            });
        }
    }

    /// A Route 53 health check: HTTPS GET of the path on the region's ALB
    /// from a checker on the internet; 2xx or 3xx passes. Fact sheet §4.
    pub(crate) fn probe_health_check(&mut self, hc: &HealthCheck) -> (bool, String) {
        let Some(ri) = self.scenario.regions.iter().position(|r| r.id == hc.region) else {
            return (false, "region missing".into());
        };
        let mut scratch = TraceBuilder::default();
        let host = format!("{}", self.scenario.regions[ri].alb.dns_name);
        let resp = self.alb_request(
            ri,
            "route53-checker",
            hc.checker_ip,
            EphemeralRange::Elb,
            20,
            (1, 4),
            &host,
            &hc.path,
            &mut scratch,
        );
        match resp.status {
            Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
            Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
            None => (false, format!("no response: {}", resp.code)),
        }
    }
}
