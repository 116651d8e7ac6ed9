//! "What changed": the open comparison of the trace on screen with the one
//! it replaced (after Replay, or "Compare with previous"), as the rows
//! `view::diff` made; a region with a heading, closable.

use leptos::prelude::*;

use super::state::{use_handle, Player};
use crate::view::diff::{tri, DiffRow, DiffView};
use crate::view::status::status_text;

stylance::import_crate_style!(style, "src/ui/diff_panel.module.css");

#[component]
pub fn DiffPanel() -> impl IntoView {
    let player = use_handle::<Player>();
    move || player.diff.get().map(|d| view! { <Panel d=d/> })
}

#[component]
fn Panel(d: DiffView) -> impl IntoView {
    let player = use_handle::<Player>();
    let panel = NodeRef::<leptos::html::Section>::new();
    // Bring the panel to the learner's attention (and keyboard) when it opens.
    Effect::new(move |_| {
        if let Some(el) = panel.get() {
            let _ = el.focus();
        }
    });
    let o = d.outcome.clone();
    let outcome = view! {
        <p
            class=style::outcome
            data-testid="diff-outcome"
            data-changed=o.changed.to_string()
            data-status-before=status_text(o.status_before)
            data-status-after=status_text(o.status_after)
        >
            <span class=style::mark>"outcome"</span>
            {o.text}
        </p>
    };
    let divergence = d.divergence.clone().map(|v| {
        view! {
            <p
                class=style::divergence
                data-testid="diff-divergence"
                data-component=v.component.clone()
                data-hop=v.hop.to_string()
            >
                {v.text}
            </p>
        }
    });
    view! {
        <section
            class=style::panel
            node_ref=panel
            data-testid="diff-panel"
            data-empty=d.empty.to_string()
            role="region"
            aria-labelledby="diff-heading"
            tabindex="-1"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    player.diff.set(None);
                }
            }
        >
            <div class=style::head>
                <h2 id="diff-heading" class=style::title>"What changed"</h2>
                <span class=style::summary data-testid="diff-summary">{d.summary.clone()}</span>
                <button
                    type="button"
                    class=style::close
                    data-testid="diff-close"
                    aria-label="close What changed"
                    title="close (Esc)"
                    on:click=move |_| player.diff.set(None)
                >
                    "×"
                </button>
            </div>
            {divergence}
            {outcome}
            {(!d.rows.is_empty()).then(|| view! {
                <ul class=style::rows>
                    {d.rows.into_iter().map(|r| view! { <Row r=r/> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn Row(r: DiffRow) -> impl IntoView {
    let c = r.check.clone();
    view! {
        <li
            class=style::row
            data-testid="diff-row"
            data-kind=r.kind.as_str()
            data-from=r.from
            data-to=r.to
            data-check-kind=c.as_ref().map(|c| c.kind)
            data-subject=c.as_ref().map(|c| c.subject.clone())
            data-direction=c.as_ref().map(|c| c.direction)
            data-allowed-before=c.as_ref().map(|c| tri(c.allowed_before))
            data-allowed-after=c.as_ref().map(|c| tri(c.allowed_after))
        >
            <span class=style::mark>{r.kind.mark()}</span>
            <span class=style::hop>{r.hop}</span>
            <span class=style::text>{r.text}</span>
        </li>
    }
}
