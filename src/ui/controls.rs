//! The request bar (method, URL, Send), the playback controls
//! (|< ◀ play/pause ▶ >|, speed) and the simulated clock (+10 s, +1 min,
//! running at ×1, ×10 or ×60, and what happened on it).

use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, Method, Player, RequestBar};
use crate::sim::time::{fmt_clock, MINUTE_MS, SECOND_MS};
use crate::view::clock::{self, ClockRate, TICK_MS};
use crate::view::playback::{event_line, Speed};

stylance::import_crate_style!(style, "src/ui/controls.module.css");

#[component]
pub fn Controls() -> impl IntoView {
    view! {
        <div class=style::bar>
            <RequestForm/>
            <Clock/>
            <PlaybackControls/>
        </div>
    }
}

/// Method, URL, Send and "Disable cache".
#[component]
fn RequestForm() -> impl IntoView {
    let app = use_app();
    let bar = use_handle::<RequestBar>();
    let live = use_handle::<Live>();
    let send_class = move || {
        if live.dirty.get().is_some() {
            format!("primary {} {}", style::send, style::sendDirty)
        } else {
            format!("primary {}", style::send)
        }
    };
    view! {
        <form
            id="request"
            class=style::request
            on:submit=move |ev| {
                ev.prevent_default();
                app.send();
            }
        >
            <select
                class=style::method
                data-testid="method"
                data-method=move || bar.method.get().as_str()
                aria-label="HTTP method"
                title=move || bar.method.get().hint()
                on:change=move |ev| {
                    if let Some(m) = Method::from_key(&event_target_value(&ev)) {
                        bar.method.set(m);
                    }
                }
            >
                {Method::ALL
                    .into_iter()
                    .map(|m| {
                        view! {
                            <option value=m.as_str() selected=move || bar.method.get() == m>
                                {m.as_str()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <input
                class=style::url
                aria-label="request URL"
                type="text"
                data-testid="url-input"
                spellcheck="false"
                autocomplete="off"
                prop:value=move || bar.url.get()
                on:input=move |ev| bar.url.set(event_target_value(&ev))
            />
            <button class=send_class type="submit" data-testid="send">
                "Send"
            </button>
            <label
                class=style::nocache
                title="Like DevTools' Disable cache: the browser skips its own HTTP cache (CloudFront still answers from its cache)"
            >
                <input
                    type="checkbox"
                    data-testid="disable-cache"
                    prop:checked=move || bar.disable_cache.get()
                    on:change=move |ev| bar.disable_cache.set(event_target_checked(&ev))
                />
                "Disable cache"
            </label>
        </form>
    }
}

/// |< ◀ play/pause ▶ >|, the speed and the position.
#[component]
fn PlaybackControls() -> impl IntoView {
    let pb = use_handle::<Player>().playback;
    let empty = move || pb.with(|p| p.is_empty());
    let playing = move || pb.with(|p| p.playing());
    view! {
        <div class=style::player role="group" aria-label="Playback">
            <button
                data-testid="step-first"
                aria-label="first hop"
                title="first hop"
                disabled=move || empty() || pb.with(|p| p.at_start())
                on:click=move |_| pb.update(|p| p.first())
            >
                "|◀"
            </button>
            <button
                data-testid="step-back"
                aria-label="previous hop"
                title="previous hop (←)"
                disabled=move || empty() || pb.with(|p| p.at_start())
                on:click=move |_| pb.update(|p| p.step_back())
            >
                "◀"
            </button>
            <button
                class=style::play
                data-testid="play"
                aria-label=move || if playing() { "pause" } else { "play" }
                aria-pressed=move || playing().to_string()
                disabled=empty
                on:click=move |_| pb.update(|p| p.toggle())
            >
                {move || if playing() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button
                data-testid="step-forward"
                aria-label="next hop"
                title="next hop (→)"
                disabled=move || empty() || pb.with(|p| p.at_end())
                on:click=move |_| pb.update(|p| p.step_forward())
            >
                "▶"
            </button>
            <button
                data-testid="step-last"
                aria-label="last hop"
                title="last hop"
                disabled=move || empty() || pb.with(|p| p.at_end())
                on:click=move |_| pb.update(|p| p.last())
            >
                "▶|"
            </button>
            <SpeedPicker/>
            <span class=style::position aria-live="polite">{move || pb.with(|p| p.position_text())}</span>
        </div>
    }
}

#[component]
fn SpeedPicker() -> impl IntoView {
    let pb = use_handle::<Player>().playback;
    view! {
        <label class=style::speed>
            <span class="visually-hidden">"Speed"</span>
            <select
                data-testid="speed"
                aria-label="playback speed"
                on:change=move |ev| {
                    if let Some(s) = Speed::from_key(&event_target_value(&ev)) {
                        pb.update(|p| p.speed = s);
                    }
                }
            >
                {Speed::ALL
                    .into_iter()
                    .map(|s| {
                        view! {
                            <option value=s.key() selected=s == Speed::default()>
                                {s.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
fn Clock() -> impl IntoView {
    let live = use_handle::<Live>();
    let now = move || live.world.with(|w| w.now_ms());
    let events = Memo::new(move |_| live.world.with(|w| w.events().to_vec()));
    let latest = move || events.with(|e| e.last().map(event_line));
    view! {
        <div class=style::clock role="group" aria-label="Simulated clock">
            <span class=style::clockFace title="simulated time since the scenario started">
                <span class=style::clockIcon aria-hidden="true">"◷"</span>
                <span data-testid="clock">{move || fmt_clock(now())}</span>
            </span>
            <button data-testid="advance-10s" title="let 10 simulated seconds pass" on:click=move |_| live.advance(10 * SECOND_MS)>
                "+10s"
            </button>
            <button data-testid="advance-1m" title="let one simulated minute pass" on:click=move |_| live.advance(MINUTE_MS)>
                "+1m"
            </button>
            <ClockJump/>
            <ClockRun/>
            <details class=style::events data-testid="clock-events">
                <summary title=move || latest().unwrap_or_default()>
                    {move || format!("events ({})", events.with(|e| e.len()))}
                </summary>
                <div class=style::eventsPanel>
                    <Show
                        when=move || !events.with(|e| e.is_empty())
                        fallback=|| {
                            view! {
                                <p class=style::noEvents>
                                    "Nothing has happened on the clock yet. Health checks, failovers and the faults you inject show up here."
                                </p>
                            }
                        }
                    >
                        <ol class=style::eventList>
                            {move || {
                                events
                                    .get()
                                    .into_iter()
                                    .rev()
                                    .map(|e| {
                                        view! {
                                            <li>
                                                <span class=style::eventTime>{fmt_clock(e.at_ms)}</span>
                                                <span class=style::eventSource>{e.source.clone()}</span>
                                                <span>{e.text.clone()}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ol>
                    </Show>
                </div>
            </details>
        </div>
    }
}

/// Let any span of simulated time pass, written as people write durations
/// (`5m`, `1h30m`, `2.5s`); a bad duration says which forms work and
/// changes nothing.
#[component]
fn ClockJump() -> impl IntoView {
    let live = use_handle::<Live>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match crate::sim::script::parse_duration(&text.get_untracked()) {
            Ok(ms) => {
                live.advance(ms);
                error.set(None);
                open.set(false);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <details class=style::jump prop:open=move || open.get() on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            if let Some(d) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
                open.set(d.open());
            }
        }>
            <summary data-testid="advance-other" title="let any span of simulated time pass">"+…"</summary>
            <form class=style::jumpPanel on:submit=submit>
                <label>
                    "Let pass"
                    <input
                        type="text"
                        data-testid="advance-by"
                        placeholder="e.g. 5m, 1h30m, 2.5s"
                        size="12"
                        spellcheck="false"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" data-testid="advance-go">"Go"</button>
                {move || error.get().map(|e| view! { <p class="input-error" role="alert" data-testid="advance-error">{e}</p> })}
            </form>
        </details>
    }
}

/// Realtime mode: ▶ runs the clock at the chosen rate (×1, ×10 or ×60)
/// until ❚❚ pauses it; choosing another rate while it runs switches. Every
/// [`TICK_MS`] of wall time it lets the rate times that much simulated time
/// pass, through the same `Live::advance` as +10s; Send keeps working.
/// A lesson that hides the clock stops it.
#[component]
fn ClockRun() -> impl IntoView {
    let live = use_handle::<Live>();
    let running = live.running;
    Effect::new(move |_| {
        if let Some(rate) = running.get() {
            let step = rate.step_ms(TICK_MS);
            let handle = set_interval_with_handle(
                move || live.advance(step),
                std::time::Duration::from_millis(TICK_MS),
            );
            if let Ok(h) = handle {
                on_cleanup(move || h.clear());
            }
        }
    });
    if let Some(lessons) = use_context::<super::lesson_state::LessonState>() {
        Effect::new(move |_| {
            let hidden = lessons.hidden_controls();
            if hidden.split_whitespace().any(|c| c == "clock") && running.get_untracked().is_some()
            {
                running.set(None);
            }
        });
    }
    let chosen = RwSignal::new(ClockRate::X10);
    let on = move || running.get().is_some();
    view! {
        <div class=style::run role="group" aria-label="Run the clock" data-testid="clock-run">
            <button
                type="button"
                data-testid="clock-run-toggle"
                aria-label=move || if on() { "pause the clock" } else { "run the clock" }
                title=move || {
                    if on() { "pause the clock".to_string() } else { chosen.get().describe().to_string() }
                }
                aria-pressed=move || on().to_string()
                on:click=move |_| running.update(|now| *now = clock::toggle(*now, chosen.get_untracked()))
            >
                {move || if on() { "❚❚" } else { "▶" }}
            </button>
            <select
                data-testid="clock-rate"
                aria-label="clock speed"
                on:change=move |ev| {
                    if let Some(r) = ClockRate::from_key(&event_target_value(&ev)) {
                        chosen.set(r);
                        running.update(|now| *now = clock::choose(*now, r));
                    }
                }
            >
                {ClockRate::ALL
                    .into_iter()
                    .map(|r| {
                        view! {
                            <option value=r.key() selected=move || chosen.get() == r title=r.describe()>
                                {r.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <span class="visually-hidden" role="status" data-testid="clock-run-status">
                {move || clock::announcement(running.get())}
            </span>
        </div>
    }
}
