//! Bursts: many requests at one moment of the clock, summed up as the
//! figures a learner charts (status codes, who served, cache hit ratio,
//! WAF blocks, latency percentiles).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::trace::TraceBuilder;
use super::trace::{Code, Outcome, Trace};
use super::world::{Prepared, Request, World};

/// The most requests one burst may send, so a learner's typo ends visibly.
pub const MAX_BURST: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BurstReport {
    pub requests: usize,
    /// Final status seen by the browser (`none` when nothing answered).
    pub status: BTreeMap<String, usize>,
    /// Which component produced the final answer.
    pub decided_by: BTreeMap<String, usize>,
    pub regions: BTreeMap<String, usize>,
    pub pods: BTreeMap<String, usize>,
    /// Requests answered from a CloudFront cache.
    pub cache_hits: usize,
    pub cache_hit_ratio: f64,
    pub waf_blocks: usize,
    pub latency: Latency,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

impl BurstReport {
    pub fn from_traces(traces: &[Trace]) -> Self {
        let outcomes: Vec<Outcome> = traces.iter().map(|t| t.outcome.clone()).collect();
        Self::from_outcomes(&outcomes)
    }

    pub fn from_outcomes(outcomes: &[Outcome]) -> Self {
        let mut r = BurstReport {
            requests: outcomes.len(),
            ..Default::default()
        };
        let mut lat: Vec<u64> = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            let s = o
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none".into());
            *r.status.entry(s).or_default() += 1;
            *r.decided_by.entry(o.decided_by.clone()).or_default() += 1;
            if let Some(reg) = &o.region {
                *r.regions.entry(reg.clone()).or_default() += 1;
            }
            if let Some(p) = &o.pod {
                *r.pods.entry(p.clone()).or_default() += 1;
            }
            if o.code == Code::CacheHit {
                r.cache_hits += 1;
            }
            if o.code == Code::WafRuleBlock {
                r.waf_blocks += 1;
            }
            lat.push(o.total_us);
        }
        lat.sort_unstable();
        r.cache_hit_ratio = if outcomes.is_empty() {
            0.0
        } else {
            r.cache_hits as f64 / outcomes.len() as f64
        };
        r.latency = Latency {
            p50_ms: percentile(&lat, 50.0),
            p90_ms: percentile(&lat, 90.0),
            p99_ms: percentile(&lat, 99.0),
            max_ms: lat.last().map(|v| *v as f64 / 1000.0).unwrap_or(0.0),
        };
        r
    }

    pub fn render_text(&self) -> String {
        let join = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{k} x{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "burst of {} requests\n  status:     {}\n  decided by: {}\n  regions:    {}\n  pods:       {}\n  cache hits: {} ({:.1} %)\n  WAF blocks: {}\n  latency:    p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n",
            self.requests,
            join(&self.status),
            join(&self.decided_by),
            join(&self.regions),
            join(&self.pods),
            self.cache_hits,
            self.cache_hit_ratio * 100.0,
            self.waf_blocks,
            self.latency.p50_ms,
            self.latency.p90_ms,
            self.latency.p99_ms,
            self.latency.max_ms
        )
    }
}

impl World {
    /// Send every request at the current clock, in order, and sum them up.
    /// More than [`MAX_BURST`] requests is refused.
    pub fn burst(&mut self, requests: &[Request]) -> Result<BurstReport, String> {
        if requests.len() > MAX_BURST {
            return Err(format!(
                "a burst may send at most {MAX_BURST} requests, not {}",
                requests.len()
            ));
        }
        let outcomes: Vec<Outcome> = requests.iter().map(|r| self.send_quiet(r)).collect();
        Ok(BurstReport::from_outcomes(&outcomes))
    }

    /// `count` GETs of `url`, spread round-robin over `clients`.
    pub fn burst_get(
        &mut self,
        count: usize,
        clients: &[String],
        url: &str,
    ) -> Result<BurstReport, String> {
        if clients.is_empty() {
            return Err("a burst needs at least one client".into());
        }
        if let Some(c) = clients.iter().find(|c| self.scenario().client(c).is_none()) {
            return Err(format!("a burst names unknown client '{c}'"));
        }
        if count > MAX_BURST {
            return Err(format!(
                "a burst may send at most {MAX_BURST} requests, not {count}"
            ));
        }
        // Each client's request is parsed once and sent `count / clients` times.
        let per_client: Vec<Request> = clients.iter().map(|c| Request::get(c, url)).collect();
        let prepared: Vec<Result<Prepared, ()>> = per_client
            .iter()
            .map(|r| self.prepare(r, &mut TraceBuilder::quiet()).map_err(|_| ()))
            .collect();
        let outcomes: Vec<Outcome> = (0..count)
            .map(|i| {
                let k = i % per_client.len();
                match &prepared[k] {
                    Ok(p) => self.send_prepared_quiet(p),
                    Err(()) => self.send_quiet(&per_client[k]),
                }
            })
            .collect();
        Ok(BurstReport::from_outcomes(&outcomes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
