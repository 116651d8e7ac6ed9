//! Under the request bar: what sending produced, as two views the learner
//! switches between — the trace of the last request, hop by hop, and the
//! burst panel (many requests at once, summed up) — with a heading that
//! says what is shown and whether the world changed since (then Replay
//! sends the same request again and "What changed" compares the two).

use leptos::prelude::*;

use super::burst::Burst;
use super::diff_panel::DiffPanel;
use super::reach::ReachPanel;
use super::split;
use super::state::{use_app, use_handle, BurstPanel, Live, Player, Showing};
use super::timeline::TimelineBar;
use super::trace_list::TraceList;
use crate::view::playback::{event_line, trace_heading};

stylance::import_crate_style!(style, "src/ui/results.module.css");

#[component]
pub fn Results() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let player = use_handle::<Player>();
    let burst = use_handle::<BurstPanel>();
    let showing = player.showing;
    let header = move || match showing.get() {
        Showing::Trace => player.trace.with(|t| {
            t.as_ref()
                .map_or_else(|| "no request sent yet".into(), trace_heading)
        }),
        Showing::Burst => burst.last.with(|b| {
            b.as_ref().map_or_else(
                || "many GETs at one moment of the clock, summed up".into(),
                |b| b.heading(),
            )
        }),
        Showing::Reach => player.reach.with(|r| {
            r.as_ref().map_or_else(
                || "can A reach B? the path, or what blocks it".into(),
                |r| r.spec.question(),
            )
        }),
    };
    // The burst and reach panels are built the first time they are shown
    // (in the hosted build their code is a part's), then kept with what the
    // learner typed.
    let seen = move |which: Showing| {
        Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || showing.get() == which)
    };
    let (burst_seen, reach_seen) = (seen(Showing::Burst), seen(Showing::Reach));
    let latest_event = move || live.world.with(|w| w.events().last().map(event_line));
    let tab = move |which: Showing, label: &'static str, title: &'static str| {
        view! {
            <button
                class=style::tab
                type="button"
                data-testid=format!("show-{}", which.key())
                title=title
                aria-pressed=move || (showing.get() == which).to_string()
                on:click=move |_| showing.set(which)
            >
                {label}
            </button>
        }
    };

    view! {
        <div class=style::head>
            <div class=style::tabs role="group" aria-label="Show under the request bar">
                {tab(Showing::Trace, "Trace", "the last request, hop by hop")}
                {tab(Showing::Burst, "Burst", "many requests at once, summed up")}
                {tab(Showing::Reach, "Reach", "can A reach B? the path, or what blocks it")}
            </div>
            <span class=style::about title=header>{header}</span>
            {move || {
                live.dirty
                    .get()
                    .map(|d| {
                        view! {
                            <span class=style::dirty role="status" data-testid="dirty">
                                {d.note()}
                            </span>
                        }
                    })
            }}
            {head_button(
                "replay",
                "Replay",
                "send the same request again (same client, method, URL and cache mode) and show what changed",
                move || live.dirty.with(Option::is_some) && player.request.with(Option::is_some),
                move || app.replay(),
            )}
            {head_button(
                "compare",
                "Compare with previous",
                "what changed from the trace before this one",
                move || {
                    player.previous.with(Option::is_some)
                        && player.diff.with(Option::is_none)
                        && live.dirty.with(Option::is_none)
                },
                move || player.compare(),
            )}
            <span class=style::event title=move || latest_event().unwrap_or_default()>
                {move || latest_event().map(|e| format!("last clock event — {e}"))}
            </span>
        </div>
        <div class=style::pane hidden=move || showing.get() != Showing::Trace>
            <DiffPanel/>
            <TimelineBar/>
            <TraceList/>
        </div>
        <div class=style::pane hidden=move || showing.get() != Showing::Burst>
            {move || burst_seen.get().then(|| split::show(burst_panel(), |make| make()))}
        </div>
        <div class=style::pane hidden=move || showing.get() != Showing::Reach>
            {move || reach_seen.get().then(|| split::show(reach_panel(), |make| make()))}
        </div>
    }
}

split::part!(
    burst,
    /// The burst panel's form and report: in the hosted build, a file of
    /// its own, downloaded when the Burst tab is first shown. The burst
    /// itself (`App::send_burst`) is the first download's.
    fn burst_panel() -> fn() -> AnyView {
        || view! { <Burst/> }.into_any()
    }
);

split::part!(
    edits,
    /// The reach panel: in the hosted build, in the same file as the
    /// analysis it asks (`load_extras`), downloaded when the Reach tab is
    /// first shown.
    fn reach_panel() -> fn() -> AnyView {
        || view! { <ReachPanel/> }.into_any()
    }
);

/// A button in the heading, shown while `when` holds.
fn head_button(
    testid: &'static str,
    label: &'static str,
    title: &'static str,
    when: impl Fn() -> bool + Send + Sync + 'static,
    act: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <Show when=when>
            <button
                type="button"
                class=style::replay
                data-testid=testid
                title=title
                on:click=move |_| act()
            >
                {label}
            </button>
        </Show>
    }
}
