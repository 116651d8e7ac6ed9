//! Bursts: many requests at one moment of the clock, summed up as the
//! figures a learner charts (status codes, who served, cache hit ratio,
//! WAF blocks, latency percentiles).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::trace::Recorder;
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

/// How many requests ended in each final status, and how many got no
/// answer at all. Serialized as it always was: one map from the status as
/// text (`"200"`) to its count, with `"none"` for no answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    answered: BTreeMap<u16, usize>,
    no_response: usize,
}

impl StatusCounts {
    /// Count one request's final status (`None`: nothing answered).
    pub fn add(&mut self, status: Option<u16>, n: usize) {
        match status {
            Some(s) => *self.answered.entry(s).or_default() += n,
            None => self.no_response += n,
        }
    }

    /// How many requests ended in `status`, if any did.
    pub fn get(&self, status: u16) -> Option<&usize> {
        self.answered.get(&status)
    }

    /// How many requests got no answer (DNS failure, drop, timeout).
    pub fn no_response(&self) -> usize {
        self.no_response
    }

    /// Every final status with its count, in ascending order, then `None`
    /// (no answer) if any request got none.
    pub fn iter(&self) -> impl Iterator<Item = (Option<u16>, usize)> + '_ {
        let none = (self.no_response > 0).then_some((None, self.no_response));
        self.answered
            .iter()
            .map(|(s, n)| (Some(*s), *n))
            .chain(none)
    }

    /// Requests that ended in a status below `limit` (e.g. 400: answered
    /// without an error).
    pub fn below(&self, limit: u16) -> usize {
        self.answered.range(..limit).map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.answered.is_empty() && self.no_response == 0
    }

    /// The key the JSON and the text report use: `"504"`, or `"none"`.
    pub fn key(status: Option<u16>) -> String {
        status.map_or_else(|| "none".into(), |s| s.to_string())
    }
}

impl Serialize for StatusCounts {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Three-digit codes sort as text the way they sort as numbers, and
        // "none" after them: the order of the old string-keyed map.
        let mut m = ser.serialize_map(None)?;
        for (s, n) in self.iter() {
            m.serialize_entry(&Self::key(s), &n)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for StatusCounts {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, usize>::deserialize(de)?;
        let mut counts = StatusCounts::default();
        for (k, n) in raw {
            let status = match k.as_str() {
                "none" => None,
                code => Some(code.parse::<u16>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "a burst status is a number or \"none\", not \"{code}\""
                    ))
                })?),
            };
            counts.add(status, n);
        }
        Ok(counts)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BurstReport {
    pub requests: usize,
    /// Final status seen by the browser (`none` when nothing answered).
    pub status: StatusCounts,
    /// Which component produced the final answer.
    pub decided_by: BTreeMap<String, usize>,
    pub regions: BTreeMap<String, usize>,
    pub pods: BTreeMap<String, usize>,
    /// Requests answered from a CloudFront cache.
    pub cache_hits: usize,
    pub cache_hit_ratio: f64,
    pub waf_blocks: usize,
    pub latency: Latency,
    /// What Shield did, when the burst was a flood. Fact sheet §7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shield: Option<super::shield::ShieldReport>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// Counts outcomes one at a time, so a burst keeps no outcome once it
/// has been counted: only the latencies, for the percentiles.
#[derive(Default)]
pub struct Tally {
    report: BurstReport,
    latencies_us: Vec<u64>,
    shield: Option<super::shield::ShieldReport>,
}

fn count(map: &mut BTreeMap<String, usize>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

impl Tally {
    pub fn with_capacity(n: usize) -> Self {
        Tally {
            latencies_us: Vec::with_capacity(n),
            ..Tally::default()
        }
    }

    /// Count what Shield did with each request of a flood, too.
    pub fn with_shield(self, flood: super::shield::Flood) -> Self {
        Tally {
            shield: Some(super::shield::ShieldReport {
                flood: Some(flood),
                ..Default::default()
            }),
            ..self
        }
    }

    pub fn add(&mut self, o: &Outcome) {
        let r = &mut self.report;
        r.requests += 1;
        r.status.add(o.status, 1);
        count(&mut r.decided_by, &o.decided_by);
        if let Some(reg) = &o.region {
            count(&mut r.regions, reg);
        }
        if let Some(p) = &o.pod {
            count(&mut r.pods, p);
        }
        if o.code == Code::CacheHit {
            r.cache_hits += 1;
        }
        if o.code == Code::WafRuleBlock {
            r.waf_blocks += 1;
        }
        if let Some(sh) = &mut self.shield {
            sh.count(o);
        }
        self.latencies_us.push(o.total_us);
    }

    pub fn finish(self) -> BurstReport {
        let Tally {
            mut report,
            mut latencies_us,
            shield,
        } = self;
        report.shield = shield;
        let lat = &mut latencies_us;
        lat.sort_unstable();
        report.cache_hit_ratio = if report.requests == 0 {
            0.0
        } else {
            report.cache_hits as f64 / report.requests as f64
        };
        report.latency = Latency {
            p50_ms: percentile(lat, 50.0),
            p90_ms: percentile(lat, 90.0),
            p99_ms: percentile(lat, 99.0),
            max_ms: lat.last().map(|v| *v as f64 / 1000.0).unwrap_or(0.0),
        };
        report
    }
}

impl BurstReport {
    pub fn from_traces(traces: &[Trace]) -> Self {
        let mut t = Tally::with_capacity(traces.len());
        for tr in traces {
            t.add(&tr.outcome);
        }
        t.finish()
    }

    pub fn from_outcomes(outcomes: &[Outcome]) -> Self {
        let mut t = Tally::with_capacity(outcomes.len());
        for o in outcomes {
            t.add(o);
        }
        t.finish()
    }

    pub fn render_text(&self) -> String {
        let join = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{k} x{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let status = self
            .status
            .iter()
            .map(|(s, n)| format!("{} x{n}", StatusCounts::key(s)))
            .collect::<Vec<_>>()
            .join(", ");
        let shield = self
            .shield
            .as_ref()
            .map(|s| s.render_text())
            .unwrap_or_default();
        format!(
            "burst of {} requests\n  status:     {}\n  decided by: {}\n  regions:    {}\n  pods:       {}\n  cache hits: {} ({:.1} %)\n  WAF blocks: {}\n  latency:    p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n{}",
            self.requests,
            status,
            join(&self.decided_by),
            join(&self.regions),
            join(&self.pods),
            self.cache_hits,
            self.cache_hit_ratio * 100.0,
            self.waf_blocks,
            self.latency.p50_ms,
            self.latency.p90_ms,
            self.latency.p99_ms,
            self.latency.max_ms,
            shield
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
        let mut tally = Tally::with_capacity(requests.len());
        for r in requests {
            tally.add(&self.send_unrecorded_in_burst(r));
        }
        Ok(tally.finish())
    }

    /// Run a small burst on a throwaway copy of this world, from every
    /// client, and return how many requests it sent. Nothing in `self`
    /// changes. A browser first runs WebAssembly through a quick baseline
    /// compiler and only later through its optimizing one; the app calls
    /// this once while idle after start-up, so a learner's first burst
    /// already runs at full speed.
    pub fn warm_up(&self) -> usize {
        let mut scratch = self.clone();
        let clients: Vec<String> = self
            .scenario()
            .clients
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let n = 600;
        match scratch.burst_get(n, &clients, super::world::DEFAULT_URL) {
            Ok(r) => r.requests,
            Err(_) => 0,
        }
    }

    /// `count` GETs of `url`, spread round-robin over `clients`.
    pub fn burst_get(
        &mut self,
        count: usize,
        clients: &[String],
        url: &str,
    ) -> Result<BurstReport, String> {
        self.burst_get_flagged(count, clients, url, false)
    }

    /// [`World::burst_get`], each request marked as part of an HTTP flood
    /// when `http_flood` (Shield's decisions are then counted).
    pub(crate) fn burst_get_flagged(
        &mut self,
        count: usize,
        clients: &[String],
        url: &str,
        http_flood: bool,
    ) -> Result<BurstReport, String> {
        check_burst(self, count, clients)?;
        // Each client's request is parsed once and sent `count / clients` times.
        // A burst is a load generator at the client's place: it resolves
        // names through that client's caches but keeps no HTTP cache.
        let per_client: Vec<Request> = clients
            .iter()
            .map(|c| Request::get(c, url).no_store())
            .collect();
        let prepared: Vec<Result<Prepared, ()>> = per_client
            .iter()
            .map(|r| {
                self.prepare(r, &mut Recorder::off())
                    .map(|mut p| {
                        p.ctx.http_flood = http_flood;
                        p.ctx.concurrent = true;
                        p
                    })
                    .map_err(|_| ())
            })
            .collect();
        let mut tally = Tally::with_capacity(count);
        if http_flood {
            tally = tally.with_shield(super::shield::Flood::HttpFlood);
        }
        for i in 0..count {
            let k = i % per_client.len();
            let o = match &prepared[k] {
                Ok(p) => self.send_prepared_unrecorded(p),
                Err(()) => self.send_unrecorded(&per_client[k]),
            };
            tally.add(&o);
        }
        Ok(tally.finish())
    }
}

/// A burst's clients and count, checked before anything is sent.
pub(crate) fn check_burst(w: &World, count: usize, clients: &[String]) -> Result<(), String> {
    if clients.is_empty() {
        return Err("a burst needs at least one client".into());
    }
    if let Some(c) = clients.iter().find(|c| w.scenario().client(c).is_none()) {
        return Err(format!(
            "a burst names unknown client '{}'",
            crate::sim::text::clip(c)
        ));
    }
    if count > MAX_BURST {
        return Err(format!(
            "a burst may send at most {MAX_BURST} requests, not {count}"
        ));
    }
    Ok(())
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

    fn counts() -> StatusCounts {
        let mut c = StatusCounts::default();
        c.add(Some(504), 2);
        c.add(None, 1);
        c.add(Some(200), 5);
        c.add(Some(403), 3);
        c
    }

    #[test]
    fn status_counts_are_numbers_in_order_with_no_answer_last() {
        let c = counts();
        let all: Vec<_> = c.iter().collect();
        assert_eq!(
            all,
            vec![(Some(200), 5), (Some(403), 3), (Some(504), 2), (None, 1)]
        );
        assert_eq!(c.get(403), Some(&3));
        assert_eq!(c.get(404), None);
        assert_eq!(c.below(400), 5);
        assert_eq!(c.no_response(), 1);
    }

    #[test]
    fn status_counts_serialize_as_the_string_keyed_map_scripts_always_read() {
        let json = serde_json::to_string(&counts()).unwrap();
        assert_eq!(json, r#"{"200":5,"403":3,"504":2,"none":1}"#);
        let back: StatusCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, counts());
        assert!(serde_json::from_str::<StatusCounts>(r#"{"ok":1}"#).is_err());
    }
}
