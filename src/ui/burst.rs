//! The burst panel: send many GETs of the request bar's URL at once from
//! the ticked clients, on the live world, and read the aggregate the engine
//! returns: status codes, who served, cache hit ratio, WAF blocks, latency
//! percentiles, and one plain-English summary of them.

use leptos::prelude::*;

use super::state::{thousands, use_app, BurstRun};
use crate::playback::status_text;
use crate::sim::burst::{BurstReport, MAX_BURST};
use crate::sim::scenario::{Scenario, WafAction, WafStatement};

stylance::import_crate_style!(style, "src/ui/burst.module.css");

/// Counts one click away.
const PRESETS: [usize; 3] = [100, 1000, MAX_BURST];

/// `0.66` as `66 %`, `0.048` as `4.8 %` (integer arithmetic: no float
/// formatting code in the download for this).
fn percent(ratio: f64) -> String {
    let tenths = (ratio * 1000.0).round() as u64;
    if tenths.is_multiple_of(10) {
        format!("{} %", tenths / 10)
    } else {
        format!("{}.{} %", tenths / 10, tenths % 10)
    }
}

fn fmt_latency(ms: f64) -> String {
    let tenths = (ms * 10.0).round() as usize;
    format!("{}.{} ms", thousands(tenths / 10), tenths % 10)
}

/// A bar's width in CSS percent, to a hundredth.
fn percent_width(part: f64) -> String {
    let h = (part * 10_000.0).round() as u64;
    format!("{}.{:02}", h / 100, h % 100)
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

/// A status answered the request (anything below 400).
fn succeeded(key: &str) -> bool {
    key.parse::<u16>().is_ok_and(|s| s < 400)
}

/// One bar of the status chart.
#[derive(Clone, Debug, PartialEq)]
struct StatusBar {
    testid: String,
    label: String,
    count: usize,
    /// ok | redirect | client | waf | server | none: the bar's colour.
    kind: &'static str,
    title: String,
}

/// The status chart: one bar per final status, with WAF's 403s apart from
/// any other 403, so the bars add up to the number of requests.
fn status_bars(r: &BurstReport) -> Vec<StatusBar> {
    let mut bars = Vec::new();
    for (key, &n) in &r.status {
        let code = key.parse::<u16>().ok();
        let kind = match code {
            None => "none",
            Some(s) if s < 300 => "ok",
            Some(s) if s < 400 => "redirect",
            Some(s) if s < 500 => "client",
            Some(_) => "server",
        };
        let mut rest = n;
        if code == Some(403) && r.waf_blocks > 0 {
            let waf = r.waf_blocks.min(n);
            rest -= waf;
            bars.push(StatusBar {
                testid: "burst-status-403-waf".into(),
                label: "403 blocked by WAF".into(),
                count: waf,
                kind: "waf",
                title: "CloudFront answered 403 Forbidden because a WAF rule blocked the request: it never reached the origin".into(),
            });
        }
        if rest > 0 {
            bars.push(StatusBar {
                testid: format!("burst-status-{key}"),
                label: status_text(code),
                count: rest,
                kind,
                title: match code {
                    None => "nothing answered: the browser gave up (DNS failure, a dropped packet or a timeout)".into(),
                    Some(_) => format!("the browser received {}", status_text(code)),
                },
            });
        }
    }
    bars
}

fn region_label(scenario: &Scenario, id: &str) -> String {
    match scenario.regions.iter().find(|r| r.id == id) {
        Some(r) => format!("{id} ({})", r.label),
        None => id.to_string(),
    }
}

/// The report in one or two short sentences.
fn summary(run: &BurstRun, scenario: &Scenario) -> String {
    let r = &run.report;
    let n = r.requests;
    let ok: usize = r
        .status
        .iter()
        .filter(|(k, _)| succeeded(k))
        .map(|(_, v)| *v)
        .sum();
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
        let rule = if waf == n - ok && ok == 0 {
            format!("WAF blocked all {} (403)", thousands(waf))
        } else {
            format!("WAF blocked {} (403)", thousands(waf))
        };
        trouble.push(rule);
    }
    if failed > 0 {
        let codes: Vec<String> = status_bars(r)
            .into_iter()
            .filter(|b| b.kind != "ok" && b.kind != "redirect" && b.kind != "waf")
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

    let mut second = Vec::new();
    if !r.pods.is_empty() {
        let regions: Vec<String> = r
            .regions
            .keys()
            .map(|id| region_label(scenario, id))
            .collect();
        second.push(format!(
            "{} pod{} in {} answered",
            r.pods.len(),
            if r.pods.len() == 1 { "" } else { "s" },
            regions.join(" and ")
        ));
    }
    if r.cache_hits > 0 {
        second.push(format!(
            "{} came from CloudFront's cache",
            percent(r.cache_hit_ratio)
        ));
    }
    second.push(format!(
        "half took {} or less",
        fmt_latency(r.latency.p50_ms)
    ));
    let mut second = second.join(", ");
    if let Some(c) = second.get(0..1) {
        let upper = c.to_ascii_uppercase();
        second.replace_range(0..1, &upper);
    }
    format!("{first}. {second}.")
}

/// The scenario's WAF rate rule, as a tip for making WAF block.
fn rate_tip(scenario: &Scenario) -> Option<String> {
    scenario
        .waf
        .rules
        .iter()
        .find_map(|rule| match rule.statement {
            WafStatement::RateBased { limit, window_s } if rule.action == WafAction::Block => {
                let window = if window_s.is_multiple_of(60) {
                    let m = window_s / 60;
                    format!("{m} minute{}", if m == 1 { "" } else { "s" })
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

#[component]
pub fn Burst() -> impl IntoView {
    let app = use_app();
    let (clients, tip) = app.world.with_untracked(|w| {
        let s = w.scenario();
        let clients: Vec<(String, String)> = s
            .clients
            .iter()
            .map(|c| (c.id.clone(), c.city.clone()))
            .collect();
        (clients, rate_tip(s))
    });
    let error = move || app.burst_error.get();
    // Screen readers hear each new report's summary.
    let announce = move || {
        app.burst.with(|b| {
            b.as_ref()
                .map(|run| app.world.with_untracked(|w| summary(run, w.scenario())))
        })
    };
    let set_count = move |text: String| {
        app.burst_count.set(text);
        app.burst_error.set(None);
    };

    view! {
        <div class=style::burst data-testid="burst">
            <form
                class=style::form
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    app.send_burst();
                }
            >
                <div class=style::countRow>
                    <label class=style::field>
                        <span class=style::label>"Requests"</span>
                        <input
                            class=style::count
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            spellcheck="false"
                            data-testid="burst-count"
                            aria-invalid=move || error().is_some().to_string()
                            prop:value=move || app.burst_count.get()
                            on:input=move |ev| set_count(event_target_value(&ev))
                        />
                    </label>
                    <div class=style::presets role="group" aria-label="common counts">
                        {PRESETS
                            .into_iter()
                            .map(|n| {
                                view! {
                                    <button
                                        type="button"
                                        data-testid=format!("burst-preset-{n}")
                                        aria-pressed=move || (app.burst_count.get().trim() == n.to_string()).to_string()
                                        on:click=move |_| set_count(n.to_string())
                                    >
                                        {thousands(n)}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                </div>
                <fieldset class=style::clients>
                    <legend class=style::label>"From"</legend>
                    {clients
                        .into_iter()
                        .map(|(id, city)| {
                            let id2 = id.clone();
                            let id3 = id.clone();
                            view! {
                                <label class=style::client title=id.clone()>
                                    <input
                                        type="checkbox"
                                        data-testid=format!("burst-client-{id}")
                                        prop:checked=move || app.burst_clients.with(|c| c.contains(&id2))
                                        on:change=move |ev| app.tick_burst_client(&id3, event_target_checked(&ev))
                                    />
                                    <span>{city}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <p class=style::target title="a burst sends GETs of the URL in the request bar">
                    <span class=style::method>"GET"</span>
                    <code class=style::url data-testid="burst-url">{move || app.url.get()}</code>
                </p>
                <div class=style::actions>
                    <button class="primary" type="submit" data-testid="burst-send">
                        "Send burst"
                    </button>
                    <span class=style::note>"on the live world, at the current clock"</span>
                </div>
                {move || {
                    error()
                        .map(|e| {
                            view! {
                                <p class="input-error" role="alert" data-testid="burst-error">
                                    {e}
                                </p>
                            }
                        })
                }}
                {tip.map(|t| view! { <p class=style::tip>{t}</p> })}
            </form>
            <p class="visually-hidden" aria-live="polite">{announce}</p>
            <div class=style::result>
                {move || match app.burst.get() {
                    Some(run) => view! { <Report run=run/> }.into_any(),
                    None => view! { <Placeholder/> }.into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn Placeholder() -> impl IntoView {
    view! {
        <div class=style::placeholder>
            <p class=style::placeholderTitle>"No burst sent yet"</p>
            <p>
                "A burst sends many GETs at the same moment of the simulated clock, spread in turn over the ticked clients. Its report adds them up: status codes, which regions and pods answered, how many came from CloudFront's cache, what WAF blocked, and how long they took."
            </p>
            <p>
                "Bursts change the world as real traffic would: WAF counts requests per client IP, caches fill, load balancers move on to the next pod."
            </p>
        </div>
    }
}

#[component]
fn Report(run: BurstRun) -> impl IntoView {
    let app = use_app();
    let r = &run.report;
    let (summary, regions) = app.world.with_untracked(|w| {
        let s = w.scenario();
        let regions: Vec<(String, usize)> = r
            .regions
            .iter()
            .map(|(id, n)| (region_label(s, id), *n))
            .collect();
        (summary(&run, s), regions)
    });
    let total = r.requests;
    let bars = status_bars(r)
        .into_iter()
        .map(|b| {
            let part = share(b.count, total);
            view! {
                <li class=style::bar data-testid=b.testid data-count=b.count data-kind=b.kind title=b.title>
                    <span class=style::barLabel>{b.label}</span>
                    <span class=style::barCount>
                        {thousands(b.count)}
                        <span class=style::barShare>{format!(" · {}", percent(part))}</span>
                    </span>
                    <span class=style::track aria-hidden="true">
                        <span class=style::fill style=format!("width: {}%", percent_width(part))></span>
                    </span>
                </li>
            }
        })
        .collect_view();
    let pods = r
        .pods
        .iter()
        .map(|(p, n)| {
            view! {
                <li class=style::chip>
                    <code>{p.clone()}</code>
                    <span class=style::chipN>{thousands(*n)}</span>
                </li>
            }
        })
        .collect_view();
    // Pods are listed below: here they count as one group beside WAF,
    // CloudFront, S3 or the ALB.
    let pod_answers: usize = r
        .decided_by
        .iter()
        .filter(|(who, _)| r.pods.contains_key(*who))
        .map(|(_, n)| n)
        .sum();
    let mut deciders: Vec<(String, usize)> = r
        .decided_by
        .iter()
        .filter(|(who, _)| !r.pods.contains_key(*who))
        .map(|(who, n)| (who.clone(), *n))
        .collect();
    if pod_answers > 0 {
        let pods = r.pods.len();
        let label = format!("{pods} pod{}", if pods == 1 { "" } else { "s" });
        deciders.insert(0, (label, pod_answers));
    }
    let decided = deciders
        .into_iter()
        .map(|(who, n)| {
            let key = who.clone();
            view! {
                <li class=style::chip data-who=key>
                    <code>{who}</code>
                    <span class=style::chipN>{thousands(n)}</span>
                </li>
            }
        })
        .collect_view();
    let regions = regions
        .into_iter()
        .map(|(label, n)| {
            view! {
                <li class=style::chip>
                    <span>{label}</span>
                    <span class=style::chipN>{thousands(n)}</span>
                </li>
            }
        })
        .collect_view();
    let nothing = |what: &'static str| view! { <span class=style::muted>{what}</span> };
    let waf_class = if r.waf_blocks > 0 { style::blocked } else { "" };
    let lat = &r.latency;
    let tiles = [
        (
            "p50",
            lat.p50_ms,
            "half of the requests took this long or less",
        ),
        ("p90", lat.p90_ms, "nine in ten took this long or less"),
        ("p99", lat.p99_ms, "99 in 100 took this long or less"),
        ("max", lat.max_ms, "the slowest request"),
    ]
    .into_iter()
    .map(|(k, v, t)| {
        view! {
            <div class=style::tile title=t data-testid=format!("burst-latency-{k}")>
                <span class=style::tileKey>{k}</span>
                <span class=style::tileValue>{fmt_latency(v)}</span>
            </div>
        }
    })
    .collect_view();

    view! {
        <section class=style::report data-testid="burst-report" aria-label="Burst report">
            <p class=style::sentence data-testid="burst-summary">{summary}</p>
            <div class=style::columns>
            <div class=style::column>
            <h3 class=style::subhead>"Status codes"</h3>
            <ul class=style::bars>{bars}</ul>
            </div>
            <div class=style::column>
            <h3 class=style::subhead>"Who answered"</h3>
            <dl class=style::facts>
                <dt title="the component that produced the answer the browser got">"Answered by"</dt>
                <dd data-testid="burst-decided-by">
                    <ul class=style::chips>{decided}</ul>
                </dd>
                <dt>"Regions"</dt>
                <dd data-testid="burst-regions">
                    {if r.regions.is_empty() {
                        nothing("none — no request reached a VPC").into_any()
                    } else {
                        view! { <ul class=style::chips>{regions}</ul> }.into_any()
                    }}
                </dd>
                <dt>"Pods"</dt>
                <dd data-testid="burst-pods">
                    {if r.pods.is_empty() {
                        nothing("none").into_any()
                    } else {
                        view! { <ul class=style::chips>{pods}</ul> }.into_any()
                    }}
                </dd>
                <dt title="answered from a CloudFront edge cache, without asking the origin">"Cache hits"</dt>
                <dd data-testid="burst-cache">
                    <strong>{percent(r.cache_hit_ratio)}</strong>
                    <span class=style::muted>
                        {format!(" ({} of {})", thousands(r.cache_hits), thousands(total))}
                    </span>
                </dd>
                <dt>"WAF blocks"</dt>
                <dd data-testid="burst-waf" data-count=r.waf_blocks>
                    <strong class=waf_class>
                        {thousands(r.waf_blocks)}
                    </strong>
                    <span class=style::muted>{format!(" ({})", percent(share(r.waf_blocks, total)))}</span>
                </dd>
            </dl>
            </div>
            <div class=style::column>
            <h3 class=style::subhead>"Latency"</h3>
            <div class=style::latency>{tiles}</div>
            </div>
            </div>
        </section>
    }
}
