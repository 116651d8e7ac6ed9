//! The burst panel: send many GETs of the request bar's URL at once from
//! the ticked clients, on the live world, and read the aggregate the engine
//! returns. Every number and sentence comes from `crate::view::burst`; the
//! components only bind signals to it.

use leptos::prelude::*;

use super::state::{use_app, use_handle, BurstPanel, Live, RequestBar};
use crate::sim::burst::BurstReport;
use crate::view::burst::{
    answered_by, cache_detail, latency_tiles, parse_traffic, rate_tip, region_label,
    shield_sentence, status_bars, summary, traffic_value, waf_detail, BurstRun, PRESETS, TRAFFIC,
};
use crate::view::format::{percent, thousands};

stylance::import_crate_style!(style, "src/ui/burst.module.css");

#[component]
pub fn Burst() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let bar = use_handle::<RequestBar>();
    let burst = use_handle::<BurstPanel>();
    let tip = live.world.with_untracked(|w| rate_tip(w.scenario()));
    let error = move || burst.error.get();
    // Screen readers hear each new report's summary.
    let announce = move || {
        burst.last.with(|b| {
            b.as_ref().map(|run| {
                live.world
                    .with_untracked(|w| summary(&run.report, w.scenario()))
            })
        })
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
                <CountField/>
                <ClientChecks/>
                <TrafficKind/>
                <p class=style::target title="a burst sends GETs of the URL in the request bar">
                    <span class=style::method>"GET"</span>
                    <code class=style::url data-testid="burst-url">{move || bar.url.get()}</code>
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
            // Focusable so a keyboard can scroll a long report.
            <div class=style::result tabindex="0" role="region" aria-label="Last burst">
                {move || match burst.last.get() {
                    Some(run) => view! { <Report run=run/> }.into_any(),
                    None => view! { <Placeholder/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The count as typed, and the presets one click away.
#[component]
fn CountField() -> impl IntoView {
    let burst = use_handle::<BurstPanel>();
    let error = move || burst.error.get();
    let set_count = move |text: String| burst.set_count(text);
    view! {
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
                    prop:value=move || burst.count.get()
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
                                aria-pressed=move || (burst.count.get().trim() == n.to_string()).to_string()
                                on:click=move |_| set_count(n.to_string())
                            >
                                {thousands(n)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// One checkbox per client the burst can send from.
#[component]
fn ClientChecks() -> impl IntoView {
    let burst = use_handle::<BurstPanel>();
    let clients: Vec<(String, String)> = use_handle::<Live>().world.with_untracked(|w| {
        w.scenario()
            .clients
            .iter()
            .map(|c| (c.id.clone(), c.city.clone()))
            .collect()
    });
    view! {
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
                                prop:checked=move || burst.clients.with(|c| c.contains(&id2))
                                on:change=move |ev| burst.tick_client(&id3, event_target_checked(&ev))
                            />
                            <span>{city}</span>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// Ordinary GETs, or a flood of a kind Shield handles (fact sheet §7).
#[component]
fn TrafficKind() -> impl IntoView {
    let burst = use_handle::<BurstPanel>();
    view! {
        <label class=style::field>
            <span class=style::label>"Traffic"</span>
            <select
                class=style::kind
                data-testid="burst-flood"
                prop:value=move || traffic_value(burst.flood.get())
                on:change=move |ev| {
                    burst.flood.set(parse_traffic(&event_target_value(&ev)));
                    burst.error.set(None);
                }
            >
                {TRAFFIC
                    .into_iter()
                    .map(|(f, label)| {
                        view! {
                            <option value=traffic_value(f) selected=move || burst.flood.get_untracked() == f>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
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
    let r = run.report;
    let summary = use_handle::<Live>()
        .world
        .with_untracked(|w| summary(&r, w.scenario()));
    view! {
        <section class=style::report data-testid="burst-report" aria-label="Burst report">
            <p class=style::sentence data-testid="burst-summary">{summary}</p>
            <div class=style::columns>
                <div class=style::column>
                    <h3 class=style::subhead>"Status codes"</h3>
                    <StatusChart r=r.clone()/>
                </div>
                <div class=style::column>
                    <h3 class=style::subhead>"Who answered"</h3>
                    <WhoAnswered r=r.clone()/>
                </div>
                <div class=style::column>
                    <h3 class=style::subhead>"Latency"</h3>
                    <div class=style::latency><LatencyTiles r=r/></div>
                </div>
            </div>
        </section>
    }
}

#[component]
fn StatusChart(r: BurstReport) -> impl IntoView {
    let bars = status_bars(&r)
        .into_iter()
        .map(|b| {
            view! {
                <li class=style::bar data-testid=b.testid data-count=b.count data-kind=b.class.as_str() title=b.title>
                    <span class=style::barLabel>{b.label}</span>
                    <span class=style::barCount>
                        {thousands(b.count)}
                        <span class=style::barShare>{format!(" · {}", b.percent)}</span>
                    </span>
                    <span class=style::track aria-hidden="true">
                        <span class=style::fill style=format!("width: {}%", b.width)></span>
                    </span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class=style::bars>{bars}</ul> }
}

/// A list of `label  count` chips, or a muted note when it is empty.
fn chips(rows: Vec<(String, usize)>, code: bool, empty: &'static str) -> AnyView {
    if rows.is_empty() {
        return view! { <span class=style::muted>{empty}</span> }.into_any();
    }
    let items = rows
        .into_iter()
        .map(|(label, n)| {
            let who = label.clone();
            let label = if code {
                view! { <code>{label}</code> }.into_any()
            } else {
                view! { <span>{label}</span> }.into_any()
            };
            view! {
                <li class=style::chip data-who=who>
                    {label}
                    <span class=style::chipN>{thousands(n)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class=style::chips>{items}</ul> }.into_any()
}

#[component]
fn WhoAnswered(r: BurstReport) -> impl IntoView {
    let regions: Vec<(String, usize)> = use_handle::<Live>().world.with_untracked(|w| {
        r.regions
            .iter()
            .map(|(id, n)| (region_label(w.scenario(), id), *n))
            .collect()
    });
    let pods: Vec<(String, usize)> = r.pods.iter().map(|(p, n)| (p.clone(), *n)).collect();
    let waf_class = if r.waf_blocks > 0 { style::blocked } else { "" };
    let shield = shield_sentence(&r).map(|s| {
        let at: Vec<(String, usize)> = r
            .shield
            .iter()
            .flat_map(|s| s.absorbed_at.iter().map(|(k, n)| (k.clone(), *n)))
            .collect();
        view! {
            <dt title=s>"Shield"</dt>
            <dd data-testid="burst-shield" data-absorbed=r.shield.as_ref().map_or(0, |s| s.absorbed)>
                {chips(at, true, "nothing absorbed: on to WAF")}
            </dd>
        }
    });
    view! {
        <dl class=style::facts>
            {shield}
            <dt title="the component that produced the answer the browser got">"Answered by"</dt>
            <dd data-testid="burst-decided-by">{chips(answered_by(&r), true, "none")}</dd>
            <dt>"Regions"</dt>
            <dd data-testid="burst-regions">
                {chips(regions, false, "none — no request reached a VPC")}
            </dd>
            <dt>"Pods"</dt>
            <dd data-testid="burst-pods">{chips(pods, true, "none")}</dd>
            <dt title="answered from a CloudFront edge cache, without asking the origin">"Cache hits"</dt>
            <dd data-testid="burst-cache">
                <strong>{percent(r.cache_hit_ratio)}</strong>
                <span class=style::muted>{cache_detail(&r)}</span>
            </dd>
            <dt>"WAF blocks"</dt>
            <dd data-testid="burst-waf" data-count=r.waf_blocks>
                <strong class=waf_class>{thousands(r.waf_blocks)}</strong>
                <span class=style::muted>{waf_detail(&r)}</span>
            </dd>
        </dl>
    }
}

#[component]
fn LatencyTiles(r: BurstReport) -> impl IntoView {
    latency_tiles(&r)
        .into_iter()
        .map(|t| {
            view! {
                <div class=style::tile title=t.title data-testid=format!("burst-latency-{}", t.key)>
                    <span class=style::tileKey>{t.key}</span>
                    <span class=style::tileValue>{t.value}</span>
                </div>
            }
        })
        .collect_view()
}
