//! Record selection by routing policy: failover, weighted, latency,
//! geolocation, geoproximity, multivalue and IP-based. Each skips unhealthy
//! records and, when nothing is healthy, treats everything as healthy
//! (Route 53 must answer something). Fact sheet §3.

use super::geo::*;
use super::*;
use crate::sim::event::dns::routing::{
    Candidate, Detection, DistanceRow, FailoverPick, GeoPlace, IpFallback, Km, LatencyRow,
    Selection, WeightedPool,
};
use crate::sim::trace::*;

/// The records chosen, how, and the answer's code.
pub(super) type Picked = (Vec<usize>, Selection, Code);

fn weight(c: &Cand) -> u64 {
    match c.rec.routing {
        Routing::Weighted { weight } => weight as u64,
        _ => 0,
    }
}

/// The weighted pool: healthy non-zero records first, then healthy
/// weight-0 ones, then (nothing healthy) the non-zero ones, then all.
/// Returns the pool, whether weights apply, and why.
fn weighted_pool(cands: &[Cand]) -> (Vec<usize>, bool, WeightedPool) {
    let idx = |f: &dyn Fn(&Cand) -> bool| -> Vec<usize> {
        (0..cands.len()).filter(|i| f(&cands[*i])).collect()
    };
    let nz_healthy = idx(&|c| c.healthy && weight(c) > 0);
    let z_healthy = idx(&|c| c.healthy && weight(c) == 0);
    if !nz_healthy.is_empty() {
        let why = if z_healthy.is_empty() {
            WeightedPool::Healthy
        } else {
            WeightedPool::ZeroIdle(z_healthy.len())
        };
        return (nz_healthy, true, why);
    }
    if !z_healthy.is_empty() {
        let why = if cands.iter().all(|c| weight(c) == 0) {
            WeightedPool::AllZero
        } else {
            WeightedPool::ZeroBecauseUnhealthy
        };
        return (z_healthy, false, why);
    }
    let nz = idx(&|c| weight(c) > 0);
    if nz.is_empty() {
        (
            (0..cands.len()).collect(),
            false,
            WeightedPool::AllUnhealthyZero,
        )
    } else {
        (nz, true, WeightedPool::AllUnhealthy)
    }
}

fn geo_place(g: &Geo) -> GeoPlace {
    GeoPlace {
        country: g.country.clone(),
        subdivision: g.subdivision.clone(),
        continent: g.continent.clone(),
    }
}

/// A geoproximity record's location, distance and biased distance.
fn distance_row(c: &Cand, g: &Geo) -> DistanceRow {
    let row = |location: String, d: f64, b: f64, bias: i32| DistanceRow {
        location,
        km: Km(d),
        bias,
        biased_km: Km(b),
        healthy: c.healthy,
    };
    let Routing::Geoproximity {
        region,
        lat,
        lon,
        bias,
    } = &c.rec.routing
    else {
        return row(String::new(), f64::MAX, f64::MAX, 0);
    };
    let (at, name) = match (region, lat, lon) {
        (Some(r), _, _) => match aws_region_location(r) {
            Some((city, la, lo)) => ((la, lo), format!("{r} ({city})")),
            None => return row(r.clone(), f64::MAX, f64::MAX, 0),
        },
        (None, Some(la), Some(lo)) => ((*la, *lo), format!("{la:.1},{lo:.1}")),
        _ => return row(String::new(), f64::MAX, f64::MAX, 0),
    };
    let d = great_circle_km((g.lat, g.lon), at);
    row(name, d, biased_distance(d, *bias), *bias)
}

impl World {
    pub(super) fn pick_failover(&self, cands: &[Cand]) -> Picked {
        let role = |c: &Cand, want: FailoverRole| matches!(&c.rec.routing, Routing::Failover { role, .. } if *role == want);
        let p = cands.iter().position(|c| role(c, FailoverRole::Primary));
        let s = cands.iter().position(|c| role(c, FailoverRole::Secondary));
        let detection = |i: usize| {
            let hc = cands[i]
                .rec
                .health_check_id()
                .and_then(|h| self.scenario.dns.health_checks.iter().find(|c| c.id == h));
            match hc {
                Some(h) if h.calculated.is_none() => Some(Detection {
                    interval_s: h.interval_s,
                    threshold: h.failure_threshold,
                    ttl_s: cands[i].rec.ttl_s(),
                }),
                _ => None,
            }
        };
        let (idx, pick, code) = match (p, s) {
            (Some(p), Some(s)) => {
                let (pc, sc) = (&cands[p], &cands[s]);
                let (primary, secondary) = (pc.health.clone(), sc.health.clone());
                if pc.healthy {
                    (p, FailoverPick::Primary { primary }, Code::DnsAnswer)
                } else if sc.healthy {
                    let detection = detection(p);
                    let pick = FailoverPick::Secondary {
                        primary,
                        secondary,
                        detection,
                    };
                    (s, pick, Code::HealthCheckFailover)
                } else {
                    let pick = FailoverPick::BothUnhealthy { primary, secondary };
                    (p, pick, Code::DnsAnswer)
                }
            }
            (Some(p), None) => {
                let health = cands[p].health.clone();
                (p, FailoverPick::OnlyPrimary { health }, Code::DnsAnswer)
            }
            (None, Some(s)) => {
                let health = cands[s].health.clone();
                (s, FailoverPick::OnlySecondary { health }, Code::DnsAnswer)
            }
            (None, None) => (0, FailoverPick::NoRole, Code::DnsAnswer),
        };
        (vec![idx], Selection::Failover(pick), code)
    }

    pub(super) fn pick_weighted(&mut self, cands: &[Cand]) -> Picked {
        let (pool, weighted, why) = weighted_pool(cands);
        let total: u64 = if weighted {
            pool.iter().map(|i| weight(&cands[*i])).sum()
        } else {
            pool.len() as u64
        };
        let pick = if pool.len() == 1 {
            pool[0]
        } else {
            let mut r = self.rng.range(0, total - 1);
            let mut chosen = pool[pool.len() - 1];
            for i in &pool {
                let share = if weighted { weight(&cands[*i]) } else { 1 };
                if r < share {
                    chosen = *i;
                    break;
                }
                r -= share;
            }
            chosen
        };
        let share = if weighted { weight(&cands[pick]) } else { 1 };
        let records = cands
            .iter()
            .map(|c| Candidate {
                record: label(&c.rec),
                healthy: c.healthy,
            })
            .collect();
        let sel = Selection::Weighted {
            picked: label(&cands[pick].rec),
            share,
            total,
            health: cands[pick].health.clone(),
            pool: why,
            records,
        };
        (vec![pick], sel, Code::DnsAnswer)
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

    pub(super) fn pick_latency(&self, cands: &[Cand], src: &QuerySource) -> Picked {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            let sel = Selection::NoLocation {
                latency: true,
                source: src.how.clone(),
            };
            return (vec![pool[0]], sel, Code::DnsAnswer);
        };
        let lat = |c: &Cand| match &c.rec.routing {
            Routing::Latency { region } => latency_ms((g.lat, g.lon), region).unwrap_or(u32::MAX),
            _ => u32::MAX,
        };
        let best = *pool
            .iter()
            .min_by_key(|i| (lat(&cands[**i]), **i))
            .unwrap_or(&0);
        let rows = cands
            .iter()
            .map(|c| LatencyRow {
                record: label(&c.rec),
                latency_ms: lat(c),
                healthy: c.healthy,
            })
            .collect();
        let sel = Selection::Latency {
            source: src.how.clone(),
            rows,
            none_healthy,
            health: cands[best].health.clone(),
        };
        (vec![best], sel, Code::DnsAnswer)
    }

    pub(super) fn pick_geolocation(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<Picked, Box<Selection>> {
        let mut matches: Vec<(u8, usize)> = (0..cands.len())
            .filter_map(|i| geo_rank(&cands[i].rec.routing, src.geo.as_ref()).map(|r| (r, i)))
            .collect();
        matches.sort();
        let place = src.geo.as_ref().map(geo_place);
        if matches.is_empty() {
            return Err(Box::new(Selection::GeolocationNoMatch {
                source: src.how.clone(),
                place,
            }));
        }
        let walked: Vec<(String, RecordHealth)> = matches
            .iter()
            .take_while(|(_, i)| !cands[*i].healthy)
            .map(|(_, i)| {
                let c = &cands[*i];
                (geo_label(&c.rec.routing), c.health.clone())
            })
            .collect();
        let chosen = matches.iter().find(|(_, i)| cands[*i].healthy).map(|x| x.1);
        let pick = chosen.unwrap_or(matches[0].1);
        let sel = Selection::Geolocation {
            source: src.how.clone(),
            place,
            walked,
            all_unhealthy: chosen.is_none(),
            location: geo_label(&cands[pick].rec.routing),
            health: cands[pick].health.clone(),
        };
        Ok((vec![pick], sel, Code::DnsAnswer))
    }

    pub(super) fn pick_geoproximity(&self, cands: &[Cand], src: &QuerySource) -> Picked {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            let sel = Selection::NoLocation {
                latency: false,
                source: src.how.clone(),
            };
            return (vec![pool[0]], sel, Code::DnsAnswer);
        };
        let rows: Vec<DistanceRow> = cands.iter().map(|c| distance_row(c, g)).collect();
        let best = *pool
            .iter()
            .min_by(|a, b| {
                rows[**a]
                    .biased_km
                    .0
                    .partial_cmp(&rows[**b].biased_km.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(b))
            })
            .unwrap_or(&0);
        let sel = Selection::Geoproximity {
            source: src.how.clone(),
            rows,
            none_healthy,
            health: cands[best].health.clone(),
        };
        (vec![best], sel, Code::DnsAnswer)
    }

    pub(super) fn pick_multivalue(&mut self, cands: &[Cand]) -> Picked {
        let (mut pool, none_healthy) = Self::eligible(cands);
        let n = pool.len();
        self.shuffle(&mut pool);
        pool.truncate(MULTIVALUE_MAX_ANSWERS);
        let sel = Selection::Multivalue {
            returned: pool.len(),
            records: cands.len(),
            eligible: n,
            unhealthy: cands.iter().filter(|c| !c.healthy).count(),
            none_healthy,
            max_answers: MULTIVALUE_MAX_ANSWERS,
        };
        (pool, sel, Code::DnsAnswer)
    }

    /// The longest block of the collection that contains the whole query
    /// prefix, with its location's name.
    fn longest_block(&self, collection: &str, net: &Ipv4Net) -> Option<(Ipv4Net, String)> {
        let coll = self
            .scenario
            .dns
            .cidr_collections
            .iter()
            .find(|c| c.id == collection);
        let mut best: Option<(Ipv4Net, &str)> = None;
        for l in coll.map(|c| c.locations.as_slice()).unwrap_or(&[]) {
            for b in &l.blocks {
                if b.prefix_len() <= net.prefix_len()
                    && b.contains(&net.network())
                    && best.is_none_or(|x| b.prefix_len() > x.0.prefix_len())
                {
                    best = Some((*b, l.name.as_str()));
                }
            }
        }
        best.map(|(b, l)| (b, l.to_string()))
    }

    pub(super) fn pick_ip(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<Picked, Box<Selection>> {
        let Routing::IpBased { collection, .. } = &cands[0].rec.routing else {
            return Err(Box::new(Selection::IpBasedNoCollection));
        };
        let block = self.longest_block(collection, &src.net);
        let loc_of = |c: &Cand| match &c.rec.routing {
            Routing::IpBased { location, .. } => location.clone(),
            _ => String::new(),
        };
        let matched = block
            .as_ref()
            .and_then(|(_, l)| cands.iter().position(|c| &loc_of(c) == l));
        let default = cands.iter().position(|c| loc_of(c) == "*");
        let (pick, fallback) = match (matched, default) {
            (Some(m), _) if cands[m].healthy => (m, IpFallback::Matched),
            (Some(m), Some(d)) if cands[d].healthy => {
                let health = cands[m].health.clone();
                (d, IpFallback::MatchedUnhealthy { health })
            }
            (Some(m), _) => (m, IpFallback::Matched),
            (None, Some(d)) => (d, IpFallback::Default),
            (None, None) => {
                return Err(Box::new(Selection::IpBasedNoMatch {
                    source: src.how.clone(),
                    subnet: src.net,
                    collection: collection.clone(),
                    block,
                }))
            }
        };
        let sel = Selection::IpBased {
            source: src.how.clone(),
            subnet: src.net,
            collection: collection.clone(),
            block,
            fallback,
            record: label(&cands[pick].rec),
            health: cands[pick].health.clone(),
        };
        Ok((vec![pick], sel, Code::DnsAnswer))
    }
}
