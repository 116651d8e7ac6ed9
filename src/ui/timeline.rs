//! "Where the time went", over the trace: the last request's timeline as
//! one bar of phases (DNS, TCP and TLS handshakes, CloudFront, the ALB, the
//! application, the database, the response), and the request before it on
//! the same scale, with a sentence that says why one was faster. A phase's
//! tooltip names its link and hops; its legend entry moves playback to its
//! first hop. Words and widths come from
//! `view::timeline`.

use leptos::prelude::*;

use super::state::{use_handle, Player};
use crate::sim::timeline::{timeline, Timeline};
use crate::view::timeline::{comparison, kind_label, legend, segments};

stylance::import_crate_style!(style, "src/ui/timeline.module.css");

#[component]
pub fn TimelineBar() -> impl IntoView {
    let player = use_handle::<Player>();
    let now = Memo::new(move |_| player.trace.with(|t| t.as_ref().map(timeline)));
    let before = Memo::new(move |_| player.previous.with(|t| t.as_ref().map(timeline)));
    view! {
        {move || {
            now.get()
                .filter(|t| t.total_us > 0)
                .map(|t| {
                    let prev = before.get().filter(|b| b.total_us > 0);
                    let scale = prev.as_ref().map_or(t.total_us, |b| b.total_us.max(t.total_us));
                    let sentence = prev.as_ref().map(|b| comparison(b, &t));
                    let keys = legend(&t, prev.as_ref())
                        .into_iter()
                        .map(|key| {
                            let (k, first) = (key.kind, key.first_hop);
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class=style::key
                                        data-kind=k.as_str()
                                        data-testid=format!("timeline-key-{}", k.as_str())
                                        disabled=first.is_none()
                                        title=first.map_or("not in this request", |_| "go to its first hop")
                                        on:click=move |_| {
                                            if let Some(h) = first {
                                                player.playback.update(|p| p.seek(h));
                                            }
                                        }
                                    >
                                        <span class=style::swatch aria-hidden="true"></span>
                                        {kind_label(k)}
                                        " "
                                        <span class=style::ms>{key.ms}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <section class=style::timeline data-testid="timeline" aria-label="Where the time went">
                            <div class=style::rows>
                                <Bar t=t.clone() scale=scale label="this request" testid="timeline-now"/>
                                {prev.map(|b| view! { <Bar t=b scale=scale label="the one before" testid="timeline-before"/> })}
                            </div>
                            <ul class=style::legend>{keys}</ul>
                            {sentence.map(|s| view! { <p class=style::why data-testid="timeline-why">{s}</p> })}
                        </section>
                    }
                })
        }}
    }
}

#[component]
fn Bar(t: Timeline, scale: u64, label: &'static str, testid: &'static str) -> impl IntoView {
    let total = crate::view::format::millis(t.total_us as f64 / 1000.0);
    let segs = segments(&t, scale)
        .into_iter()
        .map(|s| {
            view! {
                <span
                    class=style::seg
                    data-kind=s.kind.as_str()
                    style=format!("left:{}%;width:{}%", s.left, s.width)
                    title=s.title
                ></span>
            }
        })
        .collect_view();
    view! {
        <div class=style::row data-testid=testid data-total-us=t.total_us data-phases=t.phases.len()>
            <span class=style::label>{label}</span>
            <div class=style::track aria-hidden="true">{segs}</div>
            <span class=style::total>{total}</span>
        </div>
    }
}
