//! The card that explains the current hop: what happened, why, every check
//! on the way (the deciding one emphasised), the explanation code, and the
//! outcome of the whole request.

use leptos::prelude::*;

use super::state::{use_handle, Live, Player, RequestBar};
use crate::sim::trace::{fmt_ms, Check, Hop, Verdict};
use crate::sim::world::DEFAULT_URL;
use crate::view::hop::{
    announcement, check_kind, checks_on_the_way, not_reached_note, served, succeeded, verdict_word,
};
use crate::view::status::status_text;

stylance::import_crate_style!(style, "src/ui/hop_card.module.css");

pub fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => style::pass,
        Verdict::Dropped => style::dropped,
        Verdict::Error => style::error,
        Verdict::Timeout => style::timeout,
    }
}

#[component]
pub fn HopCard() -> impl IntoView {
    let player = use_handle::<Player>();
    let hop = player.hop_memo();
    let has_trace = move || player.trace.with(|t| t.is_some());
    // The live region a screen reader reads as playback (or a step) reaches
    // each hop; it is always in the page so the first change is announced.
    let spoken = move || {
        let h = hop.get()?;
        let total = player.playback.with(|p| p.len());
        player
            .trace
            .with(|t| t.as_ref().map(|t| announcement(&h, total, &t.outcome)))
    };

    view! {
        <p class="visually-hidden" aria-live="polite" data-testid="hop-live">
            {spoken}
        </p>
        <div class=style::card data-testid="hop-card">
            <Show when=has_trace fallback=move || view! { <Intro/> }>
                {move || hop.get().map(|h| view! { <HopBody h=h/> })}
                <Outcome/>
            </Show>
            <WaitingFor/>
            <Glossary/>
        </div>
    }
}

#[component]
fn Intro() -> impl IntoView {
    view! {
        <div class=style::intro>
            <h2 class=style::title>"Follow one request"</h2>
            <p>
                "Press " <strong>"Send"</strong> " to send " <code>{format!("GET {DEFAULT_URL}")}</code>
                " from the chosen browser. The packet travels the diagram one hop at a time: DNS, CloudFront, WAF, the load balancer, Kubernetes, the database — and back."
            </p>
            <p>"This card explains each hop: what happened, why, and which rule decided."</p>
            <p>
                "Then break something: click a component to inspect it, toggle a fault, or edit a network ACL, security group or subnet, and send again."
            </p>
            <p>
                "Switch the method to " <code>"POST"</code> " to book a slot (the pod writes to the database and texts through the NAT gateway), or open "
                <strong>"Burst"</strong> " under the request bar to send many requests at once."
            </p>
        </div>
    }
}

#[component]
fn HopBody(h: Hop) -> impl IntoView {
    let live = use_handle::<Live>();
    let player = use_handle::<Player>();
    let total = player.playback.with_untracked(|p| p.len());
    let names = live.world.with_untracked(|w| {
        let t = w.topology();
        let name = |id: &str| {
            t.node(id)
                .map(|n| n.label.clone())
                .unwrap_or_else(|| id.to_string())
        };
        (name(&h.from), name(&h.to))
    });
    let deciding = h.deciding_check().cloned();
    let route = if h.from == h.to {
        view! { <span class=style::node>{names.0.clone()}</span> " (inside)" }.into_any()
    } else {
        view! {
            <span class=style::node>{names.0.clone()}</span>
            <span class=style::arrow aria-hidden="true">"→"</span>
            <span class="visually-hidden">" to "</span>
            <span class=style::node>{names.1.clone()}</span>
        }
        .into_any()
    };
    let checks = checks_on_the_way(&h).to_vec();
    let not_reached = not_reached_note(&h);
    let has_checks = !checks.is_empty();
    view! {
        <div class=style::hop>
            <div class=style::meta>
                <span class=style::step>{format!("Hop {} of {}", h.index, total)}</span>
                <span class=style::layer data-layer=h.layer.as_str()>{h.layer.as_str()}</span>
                <span class=style::proto>{h.proto.clone()}</span>
                <span class=style::time>{format!("t = {} ms", fmt_ms(h.t_us))}</span>
            </div>
            <p class=style::route>{route}</p>
            <h2 class=style::what>{h.what.clone()}</h2>
            <p class=style::why>{why_view(&h.why)}</p>
            {has_checks
                .then(|| {
                    view! {
                        <h3 class=style::subhead>"Checks on the way"</h3>
                        <ol class=style::checks>
                            {checks
                                .into_iter()
                                .map(|c| {
                                    let decides = deciding.as_ref() == Some(&c);
                                    view! { <CheckRow c=c decides=decides/> }
                                })
                                .collect_view()}
                        </ol>
                        {not_reached
                            .map(|n| {
                                view! {
                                    <p class=style::notReached data-testid="checks-not-reached">
                                        {n}
                                    </p>
                                }
                            })}
                    }
                })}
            <p class=format!("{} {}", style::verdict, verdict_class(h.verdict))>
                <span class=style::verdictWord>{h.verdict.as_str()}</span>
                <code class=style::code>{h.code.as_str()}</code>
            </p>
            <CodeMeaning code=h.code/>
        </div>
    }
}

#[component]
fn CheckRow(c: Check, decides: bool) -> impl IntoView {
    let class = format!(
        "{} {} {}",
        style::check,
        if c.allowed { style::allow } else { style::deny },
        if decides { style::decides } else { "" }
    );
    let dir = c
        .direction
        .map(|d| d.as_str().to_string())
        .unwrap_or_default();
    view! {
        <li class=class data-testid="check-row" data-allowed=c.allowed.to_string()>
            <span class=style::mark aria-hidden="true">{if c.allowed { "✓" } else { "✕" }}</span>
            <div class=style::checkBody>
                <div class=style::checkHead>
                    <span class=style::checkKind>{check_kind(c.kind)}</span>
                    <code>{c.subject.clone()}</code>
                    <span class=style::dir>{dir}</span>
                    <span class=style::checkVerdict>{verdict_word(&c)}</span>
                </div>
                <div class=style::rule>
                    {decides.then(|| view! { <strong class=style::decidedTag>"decided here: "</strong> })}
                    {c.decided_by.clone()}
                </div>
                <div class=style::flow>{c.flow.clone()}</div>
            </div>
        </li>
    }
}

#[component]
fn Outcome() -> impl IntoView {
    let player = use_handle::<Player>();
    let shown = move || player.playback.with(|p| p.outcome_shown());
    view! {
        <Show when=shown fallback=move || view! { <OutcomePending/> }>
            <OutcomeReached/>
        </Show>
    }
}

/// Before the packet gets there: the outcome is not given away, but the
/// learner can jump straight to it.
#[component]
fn OutcomePending() -> impl IntoView {
    let player = use_handle::<Player>();
    view! {
        <section
            class=format!("{} {}", style::outcome, style::pending)
            data-testid="outcome-pending"
            aria-label="Outcome"
        >
            <h3 class=style::subhead>"Outcome"</h3>
            <p class=style::summary>"Shown when the packet gets there, at the last hop."</p>
            <button
                class=style::jump
                type="button"
                data-testid="jump-to-outcome"
                on:click=move |_| player.playback.update(|p| p.jump_to_outcome())
            >
                "Jump to outcome"
            </button>
        </section>
    }
}

#[component]
fn OutcomeReached() -> impl IntoView {
    let player = use_handle::<Player>();
    let outcome = move || player.trace.with(|t| t.as_ref().map(|t| t.outcome.clone()));
    let at_end = move || player.playback.with(|p| p.at_end());
    move || {
        outcome().map(|o| {
            let ok = succeeded(&o);
            let class = move || {
                format!(
                    "{} {} {}",
                    style::outcome,
                    if ok { style::ok } else { style::bad },
                    if at_end() { style::reached } else { "" }
                )
            };
            let served = served(&o);
            view! {
                <section class=class data-testid="outcome" aria-label="Outcome">
                    <h3 class=style::subhead>"Outcome"</h3>
                    <p class=style::status>{status_text(o.status)}</p>
                    <p class=style::summary>{o.summary.clone()}</p>
                    <dl class=style::facts>
                        <dt>"decided by"</dt>
                        <dd>
                            <code>{o.decided_by.clone()}</code>
                        </dd>
                        <dt>"code"</dt>
                        <dd>
                            <code>{o.code.as_str()}</code>
                            " "
                            <CodeMeaning code=o.code/>
                        </dd>
                        <dt>"total"</dt>
                        <dd>{format!("{} ms", fmt_ms(o.total_us))}</dd>
                        {served.map(|s| view! { <dt>"where"</dt> <dd>{s}</dd> })}
                    </dl>
                </section>
            }
        })
    }
}

/// What the world is waiting for: the time-based state that shapes the
/// chosen client's next answer (cached answers with seconds left, health
/// checks part-way to flipping, targets and pods out of service), computed
/// by the engine and updated as the clock moves.
#[component]
fn WaitingFor() -> impl IntoView {
    let live = use_handle::<Live>();
    let bar = use_handle::<RequestBar>();
    let lines = Memo::new(move |_| {
        let client = bar.client.get();
        live.world.with(|w| {
            w.waiting_for(&client)
                .iter()
                .map(|x| x.text())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || !lines.with(|l| l.is_empty())>
            <section class=style::waiting aria-label="What the world is waiting for" data-testid="waiting-for">
                <h3 class=style::subhead>"What the world is waiting for"</h3>
                <ul>
                    {move || {
                        lines
                            .get()
                            .into_iter()
                            .map(|l| view! { <li data-testid="waiting-line">{l}</li> })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}

/// An explanation code's one-line meaning (the glossary's) and the public
/// page to learn more from, opened by the learner in a new tab.
#[component]
fn CodeMeaning(code: crate::sim::trace::Code) -> impl IntoView {
    view! {
        <span class=style::meaning data-testid="code-meaning">
            {code.meaning()}
            " "
            <a
                href=code.learn_more()
                target="_blank"
                rel="noopener noreferrer"
                data-testid="learn-more"
            >
                "Learn more"
                <span class="visually-hidden">{format!(" about {} (opens a new tab)", code.as_str())}</span>
            </a>
        </span>
    }
}

/// Every explanation code with its meaning and a page to learn more.
#[component]
fn Glossary() -> impl IntoView {
    view! {
        <details class=style::glossary data-testid="glossary">
            <summary>"Explanation codes: what each one means"</summary>
            <dl>
                {crate::sim::glossary::ALL_CODES
                    .iter()
                    .map(|c| {
                        view! {
                            <dt><code>{c.as_str()}</code></dt>
                            <dd>
                                {c.meaning()}
                                " "
                                <a href=c.learn_more() target="_blank" rel="noopener noreferrer">
                                    "Learn more"
                                    <span class="visually-hidden">{format!(" about {} (opens a new tab)", c.as_str())}</span>
                                </a>
                            </dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </details>
    }
}

/// An explanation with each fact-sheet citation as a link to its public
/// source page (opened by the learner in a new tab).
fn why_view(why: &str) -> AnyView {
    use crate::view::cite::{why_parts, WhyPart};
    why_parts(why)
        .into_iter()
        .map(|p| match p {
            WhyPart::Text(t) => view! { <span>{t}</span> }.into_any(),
            WhyPart::Cite { label, url } => view! {
                <a
                    href=url
                    target="_blank"
                    rel="noopener noreferrer"
                    data-testid="cite"
                    title="the public page this fact comes from (opens a new tab)"
                >
                    {label}
                </a>
            }
            .into_any(),
        })
        .collect_view()
        .into_any()
}
