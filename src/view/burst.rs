//! The burst panel's words and numbers: the count the learner typed, the
//! status chart's bars, who answered, the latency tiles and the report in
//! one or two sentences. The report itself comes from the engine
//! ([`World::burst_get`](crate::sim::World::burst_get)).

use crate::sim::burst::{BurstReport, MAX_BURST};
use crate::sim::scenario::{Scenario, WafAction, WafStatement};
use crate::sim::shield::Flood;

use super::format::{capitalized, millis, percent, percent_width, plural, share, thousands};
use super::status::{status_text, StatusClass};

/// Counts one click away.
pub const PRESETS: [usize; 3] = [100, 1000, MAX_BURST];

/// One burst the learner sent, with what it was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub struct BurstRun {
    /// Counts bursts since the app started, from 1.
    pub number: u32,
    pub count: usize,
    /// Client ids, in the scenario's order.
    pub clients: Vec<String>,
    pub url: String,
    pub at_ms: u64,
    pub report: BurstReport,
}

impl BurstRun {
    /// The heading over the report: `1,000 × GET https://… from client-na,
    /// client-eu at 00:10 · burst 2`.
    pub fn heading(&self) -> String {
        let what = match self.report.shield.as_ref().and_then(|s| s.flood) {
            Some(f) if f.is_network() => format!("{} at", f.label()),
            Some(f) => format!("GET ({})", f.label()),
            None => "GET".to_string(),
        };
        format!(
            "{} × {what} {} from {} at {} · burst {}",
            thousands(self.count),
            self.url,
            self.clients.join(", "),
            crate::sim::time::fmt_clock(self.at_ms),
            self.number
        )
    }
}

/// Read the burst form's count: a whole number from 1 to [`MAX_BURST`].
/// The message says what to type instead.
pub fn parse_burst_count(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let range = format!("1 to {}", thousands(MAX_BURST));
    if t.is_empty() {
        return Err(format!("Type how many requests to send: {range}."));
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a usize is too many requests, too.
        let n = t.parse::<usize>().unwrap_or(usize::MAX);
        return match n {
            0 => Err(format!("A burst sends at least 1 request: type {range}.")),
            n if n > MAX_BURST => Err(if n == usize::MAX {
                format!("A burst sends at most {} requests.", thousands(MAX_BURST))
            } else {
                format!(
                    "A burst sends at most {} requests, not {}.",
                    thousands(MAX_BURST),
                    thousands(n)
                )
            }),
            n => Ok(n),
        };
    }
    // A negative number ("-5", "- 2.5"): no float parsing, it only says "at least 1".
    let negative = t.strip_prefix('-').map(str::trim).is_some_and(|rest| {
        let (whole, frac) = rest.split_once('.').unwrap_or((rest, "0"));
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    });
    if negative {
        return Err(format!(
            "A burst sends at least 1 request, not {t}: type {range}."
        ));
    }
    Err(format!("“{t}” is not a whole number: type {range}."))
}

/// One bar of the status chart.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusBar {
    pub testid: String,
    pub label: String,
    pub count: usize,
    /// The bar's colour.
    pub class: StatusClass,
    pub title: String,
    /// `count` as a share of all requests: ` · 66 %` beside the count.
    pub percent: String,
    /// The filled part of the bar, in CSS percent.
    pub width: String,
}

impl StatusBar {
    fn new(
        r: &BurstReport,
        class: StatusClass,
        (testid, label): (String, String),
        count: usize,
    ) -> StatusBar {
        let part = share(count, r.requests);
        StatusBar {
            testid,
            label,
            count,
            class,
            title: String::new(),
            percent: percent(part),
            width: percent_width(part),
        }
    }
}

/// The status chart: one bar per final status, with WAF's 403s apart from
/// any other 403, so the bars add up to the number of requests.
pub fn status_bars(r: &BurstReport) -> Vec<StatusBar> {
    let mut bars = Vec::new();
    for (status, n) in r.status.iter() {
        let mut rest = n;
        if status == Some(403) && r.waf_blocks > 0 {
            let waf = r.waf_blocks.min(n);
            rest -= waf;
            bars.push(StatusBar {
                title: "CloudFront answered 403 Forbidden because a WAF rule blocked the request: it never reached the origin".into(),
                ..StatusBar::new(
                    r,
                    StatusClass::Waf,
                    ("burst-status-403-waf".into(), "403 blocked by WAF".into()),
                    waf,
                )
            });
        }
        if rest > 0 {
            let key = status.map_or_else(|| "none".into(), |s| s.to_string());
            let label = status_text(status);
            bars.push(StatusBar {
                title: match status {
                    None => "nothing answered: the browser gave up (DNS failure, a dropped packet or a timeout)".into(),
                    Some(_) => format!("the browser received {label}"),
                },
                ..StatusBar::new(
                    r,
                    StatusClass::of(status),
                    (format!("burst-status-{key}"), label),
                    rest,
                )
            });
        }
    }
    bars
}

/// `us-east-1 (N. Virginia)`, or the bare id for a region the scenario lacks.
pub fn region_label(scenario: &Scenario, id: &str) -> String {
    match scenario.regions.iter().find(|r| r.id == id) {
        Some(r) => format!("{id} ({})", r.label),
        None => id.to_string(),
    }
}

/// The first sentence: how many succeeded, what WAF blocked, what failed.
fn outcome_sentence(r: &BurstReport) -> String {
    let n = r.requests;
    let ok = r.status.below(400);
    let waf = r.waf_blocks.min(n - ok);
    let failed = n - ok - waf;
    let mut first = if ok == n {
        format!("All {} requests succeeded", thousands(n))
    } else if ok == 0 {
        format!("None of the {} requests succeeded", thousands(n))
    } else {
        format!("{} of {} requests succeeded", thousands(ok), thousands(n))
    };
    let mut trouble = Vec::new();
    if waf > 0 {
        trouble.push(if waf == n - ok && ok == 0 {
            format!("WAF blocked all {} (403)", thousands(waf))
        } else {
            format!("WAF blocked {} (403)", thousands(waf))
        });
    }
    if failed > 0 {
        let codes: Vec<String> = status_bars(r)
            .into_iter()
            .filter(|b| b.class.failed() && b.class != StatusClass::Waf)
            .map(|b| b.label)
            .collect();
        trouble.push(format!(
            "{} failed ({})",
            thousands(failed),
            codes.join(", ")
        ));
    }
    if !trouble.is_empty() {
        first.push_str(": ");
        first.push_str(&trouble.join(" and "));
    }
    first
}

/// The report in one or two short sentences.
pub fn summary(r: &BurstReport, scenario: &Scenario) -> String {
    let shield = shield_sentence(r);
    if let (Some(s), Some(true)) = (&shield, flood_of(r).map(Flood::is_network)) {
        // Packets, not requests: no status codes, pods or latency to tell.
        return s.clone();
    }
    let mut second = Vec::new();
    if !r.pods.is_empty() {
        let regions: Vec<String> = r
            .regions
            .keys()
            .map(|id| region_label(scenario, id))
            .collect();
        second.push(format!(
            "{} in {} answered",
            plural(r.pods.len(), "pod"),
            regions.join(" and ")
        ));
    }
    if r.cache_hits > 0 {
        second.push(format!(
            "{} came from CloudFront's cache",
            percent(r.cache_hit_ratio)
        ));
    }
    second.push(format!("half took {} or less", millis(r.latency.p50_ms)));
    let told = format!(
        "{}. {}.",
        outcome_sentence(r),
        capitalized(&second.join(", "))
    );
    match shield {
        Some(s) => format!("{s} {told}"),
        None => told,
    }
}

fn flood_of(r: &BurstReport) -> Option<Flood> {
    r.shield.as_ref().and_then(|s| s.flood)
}

/// The kinds of traffic a burst can be, with the words the form shows:
/// ordinary GETs, or a flood of a kind Shield handles (fact sheet §7).
pub const TRAFFIC: [(Option<Flood>, &str); 4] = [
    (None, "Ordinary GETs"),
    (Some(Flood::HttpFlood), "HTTP flood (layer 7)"),
    (Some(Flood::SynFlood), "SYN flood (layer 4)"),
    (Some(Flood::UdpReflection), "UDP reflection (layer 3/4)"),
];

/// The form's value for a kind of traffic, and back.
pub fn traffic_value(f: Option<Flood>) -> &'static str {
    match f {
        None => "get",
        Some(Flood::HttpFlood) => "http_flood",
        Some(Flood::SynFlood) => "syn_flood",
        Some(Flood::UdpReflection) => "udp_reflection",
    }
}

pub fn parse_traffic(v: &str) -> Option<Flood> {
    TRAFFIC
        .iter()
        .map(|(f, _)| *f)
        .find(|f| traffic_value(*f) == v)
        .flatten()
}

/// What Shield did in a flood, in one sentence: where a layer 3/4 flood
/// was absorbed, or that an HTTP flood went on to WAF (Shield Standard
/// does not analyse HTTP) or was mitigated (Advanced). Fact sheet §7.
pub fn shield_sentence(r: &BurstReport) -> Option<String> {
    let s = r.shield.as_ref()?;
    let flood = s.flood?;
    let at = s
        .absorbed_at
        .iter()
        .map(|(id, n)| format!("{} at {id}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ");
    let unit = if flood.is_network() {
        "packet"
    } else {
        "request"
    };
    Some(if flood.is_network() {
        if s.passed == 0 {
            format!(
                "{}: Shield absorbed all {} ({at}); nothing behind it saw them.",
                flood.label(),
                plural(s.absorbed, unit)
            )
        } else {
            format!(
                "{}: Shield absorbed {} ({}); {} were not absorbed.",
                flood.label(),
                plural(s.absorbed, unit),
                if at.is_empty() { "nowhere".into() } else { at },
                thousands(s.passed)
            )
        }
    } else if s.absorbed == 0 {
        format!(
            "{}: Shield does not analyse HTTP, so all {} went on to WAF.",
            flood.label(),
            plural(s.passed, unit)
        )
    } else {
        format!(
            "{}: Shield Advanced's automatic mitigation blocked {} ({at}); {} went on to WAF.",
            flood.label(),
            plural(s.absorbed, unit),
            thousands(s.passed)
        )
    })
}

/// The scenario's WAF rate rule, as a tip for making WAF block.
pub fn rate_tip(scenario: &Scenario) -> Option<String> {
    scenario
        .waf
        .rules
        .iter()
        .find_map(|rule| match rule.statement {
            WafStatement::RateBased { limit, window_s } if rule.action == WafAction::Block => {
                let window = if window_s.is_multiple_of(60) {
                    plural((window_s / 60) as usize, "minute")
                } else {
                    format!("{window_s} s")
                };
                Some(format!(
                    "WAF rule {} blocks a client IP after {} requests in {window}.",
                    rule.name,
                    thousands(limit as usize)
                ))
            }
            _ => None,
        })
}

/// Who produced the answers, as (label, count): the pods as one group
/// first (they are listed on their own), then WAF, CloudFront, S3, the ALB.
pub fn answered_by(r: &BurstReport) -> Vec<(String, usize)> {
    let pod_answers: usize = r
        .decided_by
        .iter()
        .filter(|(who, _)| r.pods.contains_key(*who))
        .map(|(_, n)| n)
        .sum();
    let mut groups: Vec<(String, usize)> = r
        .decided_by
        .iter()
        .filter(|(who, _)| !r.pods.contains_key(*who))
        .map(|(who, n)| (who.clone(), *n))
        .collect();
    if pod_answers > 0 {
        groups.insert(0, (plural(r.pods.len(), "pod"), pod_answers));
    }
    groups
}

/// One latency tile: `p50`, its value and what it means.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyTile {
    pub key: &'static str,
    pub value: String,
    pub title: &'static str,
}

pub fn latency_tiles(r: &BurstReport) -> [LatencyTile; 4] {
    let l = &r.latency;
    let tile = |key, ms, title| LatencyTile {
        key,
        value: millis(ms),
        title,
    };
    [
        tile(
            "p50",
            l.p50_ms,
            "half of the requests took this long or less",
        ),
        tile("p90", l.p90_ms, "nine in ten took this long or less"),
        tile("p99", l.p99_ms, "99 in 100 took this long or less"),
        tile("max", l.max_ms, "the slowest request"),
    ]
}

/// ` (660 of 1,000)` beside the cache hit ratio.
pub fn cache_detail(r: &BurstReport) -> String {
    format!(
        " ({} of {})",
        thousands(r.cache_hits),
        thousands(r.requests)
    )
}

/// ` (4.8 %)` beside the number of WAF blocks.
pub fn waf_detail(r: &BurstReport) -> String {
    format!(" ({})", percent(share(r.waf_blocks, r.requests)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::burst::Latency;
    use crate::sim::World;

    /// 1,000 requests: 600 answered 200 by two pods (100 of them from
    /// CloudFront's cache), 300 blocked by WAF, 50 other 403s, 50 no answer.
    fn report() -> BurstReport {
        let mut r = BurstReport {
            requests: 1000,
            cache_hits: 100,
            cache_hit_ratio: 0.1,
            waf_blocks: 300,
            latency: Latency {
                p50_ms: 42.04,
                p90_ms: 80.0,
                p99_ms: 1234.56,
                max_ms: 2000.0,
            },
            ..BurstReport::default()
        };
        r.status.add(Some(200), 600);
        r.status.add(Some(403), 350);
        r.status.add(None, 50);
        for (who, n) in [
            ("pod-a", 300),
            ("pod-b", 200),
            ("cloudfront", 100),
            ("waf", 300),
        ] {
            r.decided_by.insert(who.into(), n);
        }
        r.pods.insert("pod-a".into(), 300);
        r.pods.insert("pod-b".into(), 200);
        r.regions.insert("us-east-1".into(), 500);
        r
    }

    #[test]
    fn the_status_bars_split_wafs_403s_from_other_403s_and_add_up_to_the_requests() {
        let bars = status_bars(&report());
        let rows: Vec<(&str, usize, StatusClass)> = bars
            .iter()
            .map(|b| (b.testid.as_str(), b.count, b.class))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("burst-status-200", 600, StatusClass::Ok),
                ("burst-status-403-waf", 300, StatusClass::Waf),
                ("burst-status-403", 50, StatusClass::Client),
                ("burst-status-none", 50, StatusClass::None),
            ]
        );
        assert_eq!(bars.iter().map(|b| b.count).sum::<usize>(), 1000);
        assert_eq!(bars[0].label, "200 OK");
        assert_eq!(bars[0].percent, "60 %");
        assert_eq!(bars[0].width, "60.00");
        assert_eq!(bars[3].label, "no response");
    }

    #[test]
    fn the_summary_counts_successes_waf_blocks_and_failures_by_status() {
        let w = World::default_world();
        let text = summary(&report(), w.scenario());
        assert!(
            text.starts_with(
                "600 of 1,000 requests succeeded: WAF blocked 300 (403) and 100 failed (403 Forbidden, no response). 2 pods in us-east-1 ("
            ),
            "{text}"
        );
        assert!(
            text.ends_with(
                "answered, 10 % came from CloudFront's cache, half took 42.0 ms or less."
            ),
            "{text}"
        );
    }

    #[test]
    fn a_burst_where_everything_succeeded_says_so_in_one_line_each() {
        let mut w = World::default_world();
        let clients = vec![crate::sim::world::DEFAULT_CLIENT.to_string()];
        let r = w
            .burst_get(20, &clients, crate::sim::world::DEFAULT_URL)
            .unwrap();
        let text = summary(&r, w.scenario());
        assert!(text.starts_with("All 20 requests succeeded. "), "{text}");
        assert!(text.contains(" pods in us-east-1 ("), "{text}");
    }

    #[test]
    fn pods_answer_as_one_group_before_the_other_components() {
        assert_eq!(
            answered_by(&report()),
            vec![
                ("2 pods".to_string(), 500),
                ("cloudfront".to_string(), 100),
                ("waf".to_string(), 300)
            ]
        );
    }

    #[test]
    fn a_burst_heading_says_how_many_what_from_whom_and_when() {
        let run = BurstRun {
            number: 2,
            count: 1000,
            clients: vec!["client-na".into(), "client-eu".into()],
            url: "https://healthcareapp.com/".into(),
            at_ms: 70_000,
            report: report(),
        };
        assert_eq!(
            run.heading(),
            "1,000 × GET https://healthcareapp.com/ from client-na, client-eu at 01:10 · burst 2"
        );
    }

    #[test]
    fn latency_tiles_and_details_are_written_out() {
        let r = report();
        let tiles = latency_tiles(&r);
        assert_eq!(tiles[0].key, "p50");
        assert_eq!(tiles[0].value, "42.0 ms");
        assert_eq!(tiles[2].value, "1,234.6 ms");
        assert_eq!(cache_detail(&r), " (100 of 1,000)");
        assert_eq!(waf_detail(&r), " (30 %)");
    }

    #[test]
    fn the_default_scenarios_rate_rule_becomes_a_tip() {
        let w = World::default_world();
        let tip = rate_tip(w.scenario()).expect("the default WAF has a rate rule");
        assert!(tip.starts_with("WAF rule "), "{tip}");
        assert!(tip.contains(" blocks a client IP after "), "{tip}");
    }

    #[test]
    fn burst_counts_outside_one_to_ten_thousand_are_refused_with_what_to_type() {
        assert_eq!(parse_burst_count(" 300 "), Ok(300));
        assert_eq!(parse_burst_count("10000"), Ok(MAX_BURST));
        let err = |t| parse_burst_count(t).unwrap_err();
        assert_eq!(err(""), "Type how many requests to send: 1 to 10,000.");
        assert_eq!(
            err("0"),
            "A burst sends at least 1 request: type 1 to 10,000."
        );
        assert_eq!(
            err("20000"),
            "A burst sends at most 10,000 requests, not 20,000."
        );
        assert_eq!(
            err("99999999999999999999999"),
            "A burst sends at most 10,000 requests."
        );
        assert_eq!(
            err("-2.5"),
            "A burst sends at least 1 request, not -2.5: type 1 to 10,000."
        );
        assert_eq!(err("ten"), "“ten” is not a whole number: type 1 to 10,000.");
    }

    /// Fact sheet §7: the report of a flood says what Shield did, in the
    /// learner's words: where a SYN flood was absorbed, that an HTTP flood
    /// went on to WAF.
    #[test]
    fn a_flood_bursts_summary_tells_what_shield_did() {
        let mut w = World::default_world();
        let scenario = w.scenario().clone();
        let clients = vec!["client-na".to_string()];
        let url = crate::sim::world::DEFAULT_URL;
        let syn = w
            .burst_flood(300, &clients, url, Some(Flood::SynFlood))
            .unwrap();
        assert_eq!(
            summary(&syn, &scenario),
            "SYN flood: Shield absorbed all 300 packets (300 at cloudfront); nothing behind it saw them."
        );
        let http = w
            .burst_flood(20, &clients, url, Some(Flood::HttpFlood))
            .unwrap();
        let s = summary(&http, &scenario);
        assert!(
            s.starts_with(
                "HTTP flood: Shield does not analyse HTTP, so all 20 requests went on to WAF. "
            ),
            "{s}"
        );
        assert_eq!(
            parse_traffic(traffic_value(Some(Flood::UdpReflection))),
            Some(Flood::UdpReflection)
        );
        assert_eq!(parse_traffic("get"), None);
        let plain = w.burst_get(5, &clients, url).unwrap();
        assert_eq!(shield_sentence(&plain), None);
    }
}
