//! Record selection by routing policy: failover, weighted, latency,
//! geolocation, geoproximity, multivalue and IP-based. Each skips unhealthy
//! records and, when nothing is healthy, treats everything as healthy
//! (Route 53 must answer something). Fact sheet §3.

use super::geo::*;
use super::*;
use crate::sim::trace::*;

impl World {
    pub(super) fn pick_failover(&self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let role = |c: &Cand, want: FailoverRole| matches!(&c.rec.routing, Routing::Failover { role, .. } if *role == want);
        let p = cands.iter().position(|c| role(c, FailoverRole::Primary));
        let s = cands.iter().position(|c| role(c, FailoverRole::Secondary));
        let timing = |i: usize| {
            let hc = cands[i]
                .rec
                .health_check_id()
                .and_then(|h| self.scenario.dns.health_checks.iter().find(|c| c.id == h));
            match hc {
                Some(h) if h.calculated.is_none() => format!(
                    "; detection took about interval {} s × threshold {} = {} s, and resolvers still holding the primary's answer keep it until its TTL ({} s) runs out (fact sheet §4)",
                    h.interval_s,
                    h.failure_threshold,
                    h.interval_s * h.failure_threshold,
                    cands[i].rec.ttl_s
                ),
                _ => String::new(),
            }
        };
        match (p, s) {
            (Some(p), Some(s)) => {
                let (pc, sc) = (&cands[p], &cands[s]);
                if pc.healthy {
                    (vec![p], format!("failover record: PRIMARY is healthy ({}), so only the primary is returned", pc.health), Code::DnsAnswer)
                } else if sc.healthy {
                    (vec![s], format!("failover record: PRIMARY is unhealthy ({}), SECONDARY is healthy ({}), so Route 53 answers with the secondary (fact sheet §3){}", pc.health, sc.health, timing(p)), Code::HealthCheckFailover)
                } else {
                    (vec![p], format!("failover record: both PRIMARY ({}) and SECONDARY ({}) are unhealthy, so Route 53 returns the primary (fact sheet §3)", pc.health, sc.health), Code::DnsAnswer)
                }
            }
            (Some(p), None) => (
                vec![p],
                format!("failover record with only a PRIMARY ({})", cands[p].health),
                Code::DnsAnswer,
            ),
            (None, Some(s)) => (
                vec![s],
                format!(
                    "failover record with only a SECONDARY ({})",
                    cands[s].health
                ),
                Code::DnsAnswer,
            ),
            (None, None) => (vec![0], "failover record".into(), Code::DnsAnswer),
        }
    }

    pub(super) fn pick_weighted(&mut self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let w = |c: &Cand| match c.rec.routing {
            Routing::Weighted { weight } => weight as u64,
            _ => 0,
        };
        let idx = |f: &dyn Fn(&Cand) -> bool| -> Vec<usize> {
            (0..cands.len()).filter(|i| f(&cands[*i])).collect()
        };
        let nz_healthy = idx(&|c| c.healthy && w(c) > 0);
        let z_healthy = idx(&|c| c.healthy && w(c) == 0);
        let (pool, weighted, note) = if !nz_healthy.is_empty() {
            let zero = if z_healthy.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} weight-0 record(s) never answer while a non-zero record is eligible",
                    z_healthy.len()
                )
            };
            (nz_healthy, true, zero)
        } else if !z_healthy.is_empty() {
            let all_zero = cands.iter().all(|c| w(c) == 0);
            (
                z_healthy,
                false,
                if all_zero {
                    "; every record has weight 0, so Route 53 spreads answers with equal probability".into()
                } else {
                    "; every non-zero record is unhealthy, so the weight-0 records are used, with equal probability".into()
                },
            )
        } else {
            let nz = idx(&|c| w(c) > 0);
            if nz.is_empty() {
                (
                    (0..cands.len()).collect(),
                    false,
                    "; every record is unhealthy and has weight 0: all are treated as healthy, equal probability".into(),
                )
            } else {
                (
                    nz,
                    true,
                    "; every record is unhealthy, so Route 53 answers among the non-zero records as if healthy (zero-weight ones not)".into(),
                )
            }
        };
        let total: u64 = if weighted {
            pool.iter().map(|i| w(&cands[*i])).sum()
        } else {
            pool.len() as u64
        };
        let pick = if pool.len() == 1 {
            pool[0]
        } else {
            let mut r = self.rng.range(0, total - 1);
            let mut chosen = pool[pool.len() - 1];
            for i in &pool {
                let share = if weighted { w(&cands[*i]) } else { 1 };
                if r < share {
                    chosen = *i;
                    break;
                }
                r -= share;
            }
            chosen
        };
        let share = if weighted { w(&cands[pick]) } else { 1 };
        let list = cands
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    label(&c.rec),
                    if c.healthy { "healthy" } else { "UNHEALTHY" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        (
            vec![pick],
            format!(
                "weighted: Route 53 picked {} at random with probability {share}/{total} = {} ({}){note}; records: {list} (fact sheet §3)",
                label(&cands[pick].rec),
                pct(share, total),
                cands[pick].health
            ),
            Code::DnsAnswer,
        )
    }

    /// Healthy candidates, or all of them when none is healthy.
    pub(super) fn eligible(cands: &[Cand]) -> (Vec<usize>, bool) {
        let h: Vec<usize> = (0..cands.len()).filter(|i| cands[*i].healthy).collect();
        if h.is_empty() {
            ((0..cands.len()).collect(), true)
        } else {
            (h, false)
        }
    }

    pub(super) fn pick_latency(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> (Vec<usize>, String, Code) {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            return (
                vec![pool[0]],
                format!(
                    "latency: {}; with no location, the first eligible record is returned",
                    src.how
                ),
                Code::DnsAnswer,
            );
        };
        let lat = |c: &Cand| match &c.rec.routing {
            Routing::Latency { region } => latency_ms((g.lat, g.lon), region).unwrap_or(u32::MAX),
            _ => u32::MAX,
        };
        let best = *pool
            .iter()
            .min_by_key(|i| (lat(&cands[**i]), **i))
            .unwrap_or(&0);
        let table = cands
            .iter()
            .map(|c| {
                format!(
                    "{} {} ms{}",
                    label(&c.rec),
                    lat(c),
                    if c.healthy { "" } else { " UNHEALTHY" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        (
            vec![best],
            format!(
                "latency: {}; measured latency to each Region with a record: {table}; lowest eligible wins{} ({}) (fact sheet §3)",
                src.how,
                if none_healthy { " (none healthy, so all count as healthy)" } else { "" },
                cands[best].health
            ),
            Code::DnsAnswer,
        )
    }

    pub(super) fn pick_geolocation(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<(Vec<usize>, String, Code), String> {
        let mut matches: Vec<(u8, usize)> = (0..cands.len())
            .filter_map(|i| geo_rank(&cands[i].rec.routing, src.geo.as_ref()).map(|r| (r, i)))
            .collect();
        matches.sort();
        let place = src
            .geo
            .as_ref()
            .map(|g| {
                format!(
                    "{}{} in {}",
                    g.country,
                    g.subdivision
                        .as_ref()
                        .map(|s| format!("-{s}"))
                        .unwrap_or_default(),
                    g.continent
                )
            })
            .unwrap_or_else(|| "an unknown location".into());
        if matches.is_empty() {
            return Err(format!(
                "geolocation: {}; the query comes from {place}, no record covers it and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
                src.how
            ));
        }
        let walked: Vec<String> = matches
            .iter()
            .take_while(|(_, i)| !cands[*i].healthy)
            .map(|(_, i)| {
                format!(
                    "{} UNHEALTHY ({})",
                    geo_label(&cands[*i].rec.routing),
                    cands[*i].health
                )
            })
            .collect();
        let chosen = matches.iter().find(|(_, i)| cands[*i].healthy).map(|x| x.1);
        let (pick, note) = match chosen {
            Some(i) if walked.is_empty() => (i, String::new()),
            Some(i) => (
                i,
                format!("; walked up past {}", walked.join(", ")),
            ),
            None => (
                matches[0].1,
                "; every matching record is unhealthy, so Route 53 answers with the smallest-region match".into(),
            ),
        };
        Ok((
            vec![pick],
            format!(
                "geolocation: {}; the query comes from {place}; the most specific match wins (subdivision > country > continent > default){note}: {} ({}) (fact sheet §3)",
                src.how,
                geo_label(&cands[pick].rec.routing),
                cands[pick].health
            ),
            Code::DnsAnswer,
        ))
    }

    pub(super) fn pick_geoproximity(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> (Vec<usize>, String, Code) {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            return (
                vec![pool[0]],
                format!(
                    "geoproximity: {}; with no location, the first eligible record is returned",
                    src.how
                ),
                Code::DnsAnswer,
            );
        };
        let dist = |c: &Cand| -> (f64, f64, i32, String) {
            let Routing::Geoproximity {
                region,
                lat,
                lon,
                bias,
            } = &c.rec.routing
            else {
                return (f64::MAX, f64::MAX, 0, String::new());
            };
            let (at, name) = match (region, lat, lon) {
                (Some(r), _, _) => match aws_region_location(r) {
                    Some((city, la, lo)) => ((la, lo), format!("{r} ({city})")),
                    None => return (f64::MAX, f64::MAX, 0, r.clone()),
                },
                (None, Some(la), Some(lo)) => ((*la, *lo), format!("{la:.1},{lo:.1}")),
                _ => return (f64::MAX, f64::MAX, 0, String::new()),
            };
            let d = great_circle_km((g.lat, g.lon), at);
            (d, biased_distance(d, *bias), *bias, name)
        };
        let best = *pool
            .iter()
            .min_by(|a, b| {
                dist(&cands[**a])
                    .1
                    .partial_cmp(&dist(&cands[**b]).1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(b))
            })
            .unwrap_or(&0);
        let table = cands
            .iter()
            .map(|c| {
                let (d, b, bias, name) = dist(c);
                if bias == 0 {
                    format!(
                        "{name} {d:.0} km{}",
                        if c.healthy { "" } else { " UNHEALTHY" }
                    )
                } else {
                    format!(
                        "{name} {d:.0} km, bias {bias:+} -> {b:.0} km{}",
                        if c.healthy { "" } else { " UNHEALTHY" }
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        (
            vec![best],
            format!(
                "geoproximity: {}; biased great-circle distances: {table}; the shortest eligible wins{} ({}) (fact sheet §3)",
                src.how,
                if none_healthy { " (none healthy, so all count as healthy)" } else { "" },
                cands[best].health
            ),
            Code::DnsAnswer,
        )
    }

    pub(super) fn pick_multivalue(&mut self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let (mut pool, none_healthy) = Self::eligible(cands);
        let n = pool.len();
        self.shuffle(&mut pool);
        pool.truncate(MULTIVALUE_MAX_ANSWERS);
        let unhealthy = cands.iter().filter(|c| !c.healthy).count();
        (
            pool.clone(),
            format!(
                "multivalue answer: {} of {} records {}; up to {MULTIVALUE_MAX_ANSWERS} are returned in random order{} (fact sheet §3)",
                pool.len(),
                cands.len(),
                if none_healthy {
                    "returned although every record is unhealthy".to_string()
                } else {
                    format!("returned from {n} healthy ({unhealthy} unhealthy left out)")
                },
                if n > MULTIVALUE_MAX_ANSWERS { ", a different subset for each query" } else { "" },
            ),
            Code::DnsAnswer,
        )
    }

    pub(super) fn pick_ip(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<(Vec<usize>, String, Code), String> {
        let Routing::IpBased { collection, .. } = &cands[0].rec.routing else {
            return Err("IP-based: no collection".into());
        };
        let coll = self
            .scenario
            .dns
            .cidr_collections
            .iter()
            .find(|c| &c.id == collection);
        // Longest configured block that contains the whole query prefix.
        let mut best: Option<(u8, String, Ipv4Net)> = None;
        for l in coll.map(|c| c.locations.as_slice()).unwrap_or(&[]) {
            for b in &l.blocks {
                if b.prefix_len() <= src.net.prefix_len()
                    && b.contains(&src.net.network())
                    && best.as_ref().is_none_or(|x| b.prefix_len() > x.0)
                {
                    best = Some((b.prefix_len(), l.name.clone(), *b));
                }
            }
        }
        let loc_of = |c: &Cand| match &c.rec.routing {
            Routing::IpBased { location, .. } => location.clone(),
            _ => String::new(),
        };
        let matched = best
            .as_ref()
            .and_then(|(_, l, _)| cands.iter().position(|c| &loc_of(c) == l));
        let default = cands.iter().position(|c| loc_of(c) == "*");
        let what = match &best {
            Some((_, l, b)) => format!(
                "{} matches block {b} of location {l} (longest match)",
                src.net
            ),
            None => format!("{} matches no block of collection {collection}", src.net),
        };
        let (pick, note) = match (matched, default) {
            (Some(m), _) if cands[m].healthy => (m, String::new()),
            (Some(m), Some(d)) if cands[d].healthy => (
                d,
                format!("; the record for that location is unhealthy ({}), so the default * answers", cands[m].health),
            ),
            (Some(m), _) => (m, String::new()),
            (None, Some(d)) => (d, "; the default location * covers everything else".into()),
            (None, None) => {
                return Err(format!(
                    "IP-based: {}; {what}, and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
                    src.how
                ))
            }
        };
        Ok((
            vec![pick],
            format!(
                "IP-based: {}; {what}{note}: {} ({}) (fact sheet §3)",
                src.how,
                label(&cands[pick].rec),
                cands[pick].health
            ),
            Code::DnsAnswer,
        ))
    }
}
