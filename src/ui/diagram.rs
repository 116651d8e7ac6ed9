//! The topology as an SVG diagram: boxes for the Internet, regions, VPCs,
//! AZs and subnets; one icon per component; thin lines for links; and the
//! packet marker, which travels the current hop from `from` to `to`.
//!
//! Positions come from `crate::view::layout` and the marker from
//! `crate::view::packet`; what happened on the hop comes from
//! the trace. The marker moves with a CSS animation that restarts whenever
//! the hop changes (a new element per hop); with reduced motion it jumps.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::state::{use_handle, Live, Player, RequestBar, Selection};
use crate::sim::trace::Verdict;
use crate::sim::Fault;
use crate::view::format::coord;
use crate::view::layout::{self, BoxKind, Diagram as Layout, Rect, Spot, ICON};
use crate::view::packet::{self, Marker, Trail};

stylance::import_crate_style!(style, "src/ui/diagram.module.css");

fn fmt(v: f64) -> String {
    coord(v)
}

fn box_key(b: &Rect) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        b.id, b.title, b.subtitle, b.x, b.y, b.w, b.h
    )
}

fn spot_key(s: &Spot) -> String {
    format!("{}|{}|{}|{}|{}", s.id, s.label, s.detail, s.x, s.y)
}

#[component]
pub fn Diagram() -> impl IntoView {
    let live = use_handle::<Live>();
    let player = use_handle::<Player>();
    let client = use_handle::<RequestBar>().client;
    let layout: Memo<Layout> = Memo::new(move |_| {
        let client = client.get();
        live.world.with(|w| layout::diagram(&w.topology(), &client))
    });
    let faults = Memo::new(move |_| live.world.with(|w| w.faults().clone()));
    let hop = Memo::new(move |_| player.current_hop());

    let marker = Memo::new(move |_| {
        let h = hop.get()?;
        let key = (player.sends.get(), h.index);
        let travel_ms = player.playback.with(|p| p.speed.travel_ms());
        layout.with(|d| {
            packet::marker(d, &h, key, travel_ms, |h| {
                live.world
                    .with(|w| packet::rest_at(h, &w.attachments(&h.from), &w.attachments(&h.to)))
            })
        })
    });

    // Components the request has touched up to the current hop, and the links it used.
    let trail: Memo<Trail> = Memo::new(move |_| {
        let Some(i) = player.playback.with(|p| p.current()) else {
            return Trail::default();
        };
        layout.with(|d| {
            player.trace.with(|t| {
                t.as_ref()
                    .map(|t| packet::trail(d, &t.hops, i))
                    .unwrap_or_default()
            })
        })
    });

    let view_box = move || layout.with(|d| format!("0 0 {} {}", fmt(d.width), fmt(d.height)));

    view! {
        <div class=style::wrap>
            <Legend/>
            <svg
                class=style::svg
                viewBox=view_box
                preserveAspectRatio="xMidYMid meet"
                role="group"
                aria-label="Topology: the Internet, then region us-east-1 and region us-west-2"
            >
                <g>
                    <For each=move || layout.get().boxes key=box_key let:b>
                        <DiagramBox b=b faults=faults/>
                    </For>
                </g>
                <g class=style::links aria-hidden="true">
                    <For
                        each=move || layout.get().lines
                        key=|l| format!("{}|{}|{}|{}|{}|{}", l.from, l.to, l.x1, l.y1, l.x2, l.y2)
                        let:l
                    >
                        <line x1=fmt(l.x1) y1=fmt(l.y1) x2=fmt(l.x2) y2=fmt(l.y2)/>
                    </For>
                </g>
                <g class=style::trail aria-hidden="true">
                    <For
                        each=move || trail.get().1
                        key=|l| format!("{}|{}|{}|{}|{}|{}", l.a, l.b, l.x1, l.y1, l.x2, l.y2)
                        let:l
                    >
                        <line x1=fmt(l.x1) y1=fmt(l.y1) x2=fmt(l.x2) y2=fmt(l.y2)/>
                    </For>
                </g>
                <HopLine marker=marker/>
                <g>
                    <For each=move || layout.get().spots key=spot_key let:s>
                        <Node spot=s hop=hop marker=marker trail=trail faults=faults/>
                    </For>
                </g>
                // Keyed by hop: a new element per hop, so the CSS animation starts over
                // (an element patched in place would keep its finished animation).
                <For
                    each=move || marker.get().into_iter()
                    key=|m| (m.key, m.travel_ms)
                    let:m
                >
                    <Packet m=m/>
                </For>
            </svg>
        </div>
    }
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <div class=style::bar>
            <ul class=style::legend aria-label="Legend">
                <li><span class=format!("{} {}", style::swatch, style::swPublic)></span>"public subnet"</li>
                <li><span class=format!("{} {}", style::swatch, style::swApp)></span>"app subnet"</li>
                <li><span class=format!("{} {}", style::swatch, style::swData)></span>"data subnet"</li>
                <li><span class=format!("{} {}", style::swatch, style::swPacket)></span>"packet"</li>
                <li><span class=format!("{} {}", style::swatch, style::swStopped)></span>"stopped"</li>
            </ul>
            <p class=style::hint>
                "click a component to inspect · "
                <kbd>"←"</kbd>
                " "
                <kbd>"→"</kbd>
                " step"
            </p>
        </div>
    }
}

/// The line of the current hop, from its start to the centre of `to`.
#[component]
fn HopLine(marker: Memo<Option<Marker>>) -> impl IntoView {
    move || {
        marker.get().filter(|m| !m.inside).map(|m| {
            let class = if m.verdict == Verdict::Pass {
                style::hopLine
            } else {
                style::hopLineBad
            };
            view! {
                <line
                    class=class
                    aria-hidden="true"
                    x1=fmt(m.x1)
                    y1=fmt(m.y1)
                    x2=fmt(m.tx)
                    y2=fmt(m.ty)
                />
            }
        })
    }
}

#[component]
fn DiagramBox(b: Rect, faults: Memo<BTreeSet<Fault>>) -> impl IntoView {
    let kind_class = match b.kind {
        BoxKind::Internet => style::internet,
        BoxKind::Region => style::region,
        BoxKind::Vpc => style::vpc,
        BoxKind::Az => style::az,
        BoxKind::Subnet(_) => style::subnet,
    };
    let tier_class = match b.kind {
        BoxKind::Subnet(crate::sim::net::Tier::Public) => style::public,
        BoxKind::Subnet(crate::sim::net::Tier::App) => style::appTier,
        BoxKind::Subnet(crate::sim::net::Tier::Data) => style::data,
        _ => "",
    };
    let down = {
        let (kind, id) = (b.kind, b.id.clone());
        move || {
            faults.with(|f| match kind {
                BoxKind::Region => f.contains(&Fault::RegionDown { region: id.clone() }),
                BoxKind::Az => f.contains(&Fault::AzDown { az: id.clone() }),
                _ => false,
            })
        }
    };
    let down2 = down.clone();
    let class = move || {
        let mut c = format!("{} {} {}", style::frame, kind_class, tier_class);
        if down() {
            c.push(' ');
            c.push_str(style::down);
        }
        c
    };
    let (x, y, w, h) = (b.x, b.y, b.w, b.h);
    let title = b.caption();
    let baseline = b.caption_baseline();
    let (tx, ty) = (x + 7.0, y + baseline);
    let subtitle_view = match b.kind {
        BoxKind::Subnet(_) => view! {
            <text class=style::cidr x=fmt(tx) y=fmt(ty + 11.0) data-testid=format!("subnet-label-{}", b.id)>
                {b.subtitle.clone()}
            </text>
        }
        .into_any(),
        BoxKind::Region | BoxKind::Vpc => view! {
            <text class=style::boxSub x=fmt(x + w - 8.0) y=fmt(ty) text-anchor="end">
                {b.subtitle.clone()}
            </text>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <g class=class data-testid=format!("box-{}", b.id)>
            <rect x=fmt(x) y=fmt(y) width=fmt(w) height=fmt(h) rx="8"/>
            <text class=style::boxTitle x=fmt(tx) y=fmt(ty)>
                {title}
            </text>
            {subtitle_view}
            <Show when=down2>
                <text class=style::downLabel x=fmt(x + w - 8.0) y=fmt(y + h - 8.0) text-anchor="end">
                    "DOWN"
                </text>
            </Show>
        </g>
    }
}

#[component]
fn Node(
    spot: Spot,
    hop: Memo<Option<crate::sim::Hop>>,
    marker: Memo<Option<Marker>>,
    trail: Memo<Trail>,
    faults: Memo<BTreeSet<Fault>>,
) -> impl IntoView {
    let selection = use_handle::<Selection>();
    let id = spot.id.clone();
    let class = {
        let id = id.clone();
        move || {
            let mut c = String::from(style::node);
            let mut add = |k: &str| {
                c.push(' ');
                c.push_str(k);
            };
            if selection
                .selected
                .with(|s| s.as_deref() == Some(id.as_str()))
            {
                add(style::selected);
            }
            if trail.with(|t| t.0.contains(&id)) {
                add(style::visited);
            }
            if let Some(h) = hop.get() {
                if h.from == id || h.to == id {
                    add(style::active);
                }
            }
            if marker.with(|m| {
                m.as_ref()
                    .is_some_and(|m| m.verdict != Verdict::Pass && m.rest_node == id)
            }) {
                add(style::stopped);
            }
            if faults.with(|f| f.contains(&Fault::PodDown { pod: id.clone() })) {
                add(style::crashed);
            }
            c
        }
    };
    let select = {
        let id = id.clone();
        move || selection.select(&id)
    };
    let select2 = select.clone();
    let icon = format!("assets/{}.svg", spot.kind.icon());
    let half = ICON / 2.0;
    view! {
        <g
            class=class
            data-testid=format!("node-{}", spot.id)
            transform=format!("translate({} {})", fmt(spot.x), fmt(spot.y))
            tabindex="0"
            role="button"
            aria-label=format!("{} ({}): inspect", spot.label, spot.id)
            aria-pressed=move || selection.selected.with(|s| s.as_deref() == Some(id.as_str())).to_string()
            on:click=move |_| select()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    select2();
                }
            }
        >
            <circle class=style::halo r="24"/>
            <rect class=style::tile x=fmt(-half - 3.0) y=fmt(-half - 3.0) width=fmt(ICON + 6.0) height=fmt(ICON + 6.0) rx="9"/>
            <image href=icon x=fmt(-half) y=fmt(-half) width=fmt(ICON) height=fmt(ICON)/>
            <text class=style::label y=fmt(half + 12.0)>{spot.label.clone()}</text>
            <text class=style::detail y=fmt(half + 23.0)>{spot.detail.clone()}</text>
        </g>
    }
}

#[component]
fn Packet(m: Marker) -> impl IntoView {
    let style_vars = format!(
        "--x1:{}px;--y1:{}px;--x2:{}px;--y2:{}px;--dur:{}ms",
        fmt(m.x1),
        fmt(m.y1),
        fmt(m.x2),
        fmt(m.y2),
        m.travel_ms
    );
    let bad = m.verdict != Verdict::Pass;
    let class = match (m.inside, bad) {
        (true, false) => format!("{} {}", style::packet, style::inside),
        (true, true) => format!("{} {} {}", style::packet, style::inside, style::bad),
        (false, false) => style::packet.to_string(),
        (false, true) => format!("{} {}", style::packet, style::bad),
    };
    view! {
        <g class=class style=style_vars data-testid="packet" data-verdict=m.verdict.as_str() aria-hidden="true">
            <circle class=style::ring r="9"/>
            <circle class=style::dot r="7"/>
            {bad.then(|| view! { <path class=style::cross d="M-3 -3 L3 3 M3 -3 L-3 3"/> })}
        </g>
    }
}
