//! The trace as a table: one row per hop, the current one highlighted and
//! kept in view (its heading is in `results`). Clicking a row (or Enter on it) jumps there. This list is
//! the complete text alternative to the animation.

use leptos::html;
use leptos::prelude::*;

use super::state::{use_handle, Live, Player};
use crate::sim::trace::{fmt_ms, Hop};
use crate::view::hop::{deciding_line, route};
use crate::view::skipped::{skipped_work, Skipped};

stylance::import_crate_style!(style, "src/ui/trace_list.module.css");

/// Keep the active row visible inside the scrolling list, without
/// scrolling the page.
fn reveal_active(container: &web_sys::HtmlDivElement) {
    let Ok(Some(row)) = container.query_selector("[data-active=\"true\"]") else {
        return;
    };
    let head = container
        .query_selector("thead")
        .ok()
        .flatten()
        .map_or(0.0, |h| h.get_bounding_client_rect().height());
    let (r, c) = (
        row.get_bounding_client_rect(),
        container.get_bounding_client_rect(),
    );
    let (top, bottom) = (c.top() + head, c.bottom());
    let band = (bottom - top) / 4.0;
    // Keep the current hop away from the edges, with context on both sides.
    if r.top() < top + band / 2.0 || r.bottom() > bottom - band {
        let target = top + (bottom - top - r.height()) / 2.0;
        let scroll = container.scroll_top() as f64 + (r.top() - target);
        container.set_scroll_top(scroll.max(0.0) as i32);
    }
}

#[component]
pub fn TraceList() -> impl IntoView {
    let player = use_handle::<Player>();
    let live = use_handle::<Live>();
    let scroller: NodeRef<html::Div> = NodeRef::new();
    let rows = move || {
        let send = player.sends.get();
        let zone = live
            .world
            .with_untracked(|w| w.scenario().dns.zone.name.clone());
        player.trace.with(|t| {
            t.as_ref()
                .map(|t| {
                    let mut skipped = skipped_work(t, &zone).into_iter().peekable();
                    t.hops
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(i, h)| {
                            let s = skipped.next_if(|s| s.after == i);
                            (send, i, h, s)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    Effect::new(move |_| {
        let _ = player.playback.with(|p| p.current());
        let _ = player.sends.get();
        if let Some(el) = scroller.get() {
            request_animation_frame(move || reveal_active(&el));
        }
    });

    view! {
        <div class=style::wrap>
            // With hops, the current row is the Tab stop; with none, the
            // list itself is, so a scrolled empty list is reachable too.
            <div
                class=style::scroller
                node_ref=scroller
                aria-label="Trace"
                role="region"
                tabindex=move || if player.trace.with(|t| t.is_none()) { "0" } else { "-1" }
            >
                <table class=style::table>
                    <thead>
                        <tr>
                            <th class=style::num scope="col">"#"</th>
                            <th class=style::time scope="col">"t (ms)"</th>
                            <th class=style::route scope="col">"from → to"</th>
                            <th class=style::proto scope="col">"layer"</th>
                            <th scope="col">"what"</th>
                            <th class=style::verdictCol scope="col">"verdict / code"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=rows key=|(send, i, _, _)| (*send, *i) let:row>
                            <Row i=row.1 h=row.2/>
                            {row.3.map(|s| view! { <SkippedRow s=s/> })}
                        </For>
                    </tbody>
                </table>
                <Show when=move || player.trace.with(|t| t.is_none())>
                    <p class=style::empty>
                        "Press Send: every hop of the request will be listed here, with the rule that decided it."
                    </p>
                </Show>
            </div>
        </div>
    }
}

#[component]
fn Row(i: usize, h: Hop) -> impl IntoView {
    let player = use_handle::<Player>();
    let active = move || player.playback.with(|p| p.current() == Some(i));
    let seek = move || player.playback.update(|p| p.seek(i));
    let deciding = deciding_line(&h);
    let route = route(&h);
    view! {
        <tr
            class=style::row
            data-testid="trace-row"
            data-active=move || active().to_string()
            data-verdict=h.verdict.as_str()
            aria-current=move || if active() { "step" } else { "false" }
            tabindex=move || if active() { "0" } else { "-1" }
            on:click=move |_| seek()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    seek();
                }
            }
        >
            <td class=style::num>{h.index}</td>
            <td class=style::time>{fmt_ms(h.t_us)}</td>
            <td class=style::route>{route}</td>
            <td class=style::proto>
                <span class=style::layer data-layer=h.layer.as_str()>{h.layer.as_str()}</span>
                " "
                {h.proto.clone()}
            </td>
            <td class=style::what>
                <span>{h.what.clone()}</span>
                {deciding.map(|d| view! { <span class=style::decided>{d}</span> })}
            </td>
            <td class=style::verdictCol>
                <span class=style::verdict>{h.verdict.as_str()}</span>
                " "
                <code class=style::code>{h.code.as_str()}</code>
            </td>
        </tr>
    }
}

/// The DNS work a cache made unnecessary, collapsed under the hop where the
/// cache answered; opening it lists who was not asked.
#[component]
fn SkippedRow(s: Skipped) -> impl IntoView {
    let line = s.line();
    view! {
        <tr class=style::skipped data-testid="skipped-row">
            <td class=style::num aria-hidden="true">"⋯"</td>
            <td colspan="5">
                <details>
                    <summary>{line}</summary>
                    <ul class=style::skippedList>
                        {s.not_asked.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                    </ul>
                </details>
            </td>
        </tr>
    }
}
