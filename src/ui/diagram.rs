//! The topology as an SVG diagram: boxes for the Internet, regions, VPCs,
//! AZs and subnets; one icon per component; thin lines for links; and the
//! packet marker, which travels the current hop from `from` to `to`.
//!
//! Positions come from `crate::view::layout` and the marker from
//! `crate::view::packet`; what happened on the hop comes from
//! the trace. The marker moves with a CSS animation that restarts whenever
//! the hop changes (a new element per hop); with reduced motion it jumps.
//!
//! The SVG's viewBox is the camera's (`super::zoom`): zoom, pan, fit, and
//! following the packet during playback. Address lines that do not fit
//! (`crate::view::labels`) show in a callout over the diagram while their
//! component is hovered, focused or selected.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::state::{use_handle, Live, Player, RequestBar, Selection, Showing};
use super::zoom::{watch_size, Zoom, ZoomBar};
use crate::sim::trace::Verdict;
use crate::sim::Fault;
use crate::view::camera::Size;
use crate::view::format::coord;
use crate::view::labels::{self, CIDR_DY, DETAIL_DY, DETAIL_FONT, LABEL_DY};
use crate::view::layout::{self, BoxKind, Diagram as Layout, Rect, Spot, ICON};
use crate::view::packet::{self, Marker, Trail};

stylance::import_crate_style!(pub(super) style, "src/ui/diagram.module.css");

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
    format!(
        "{}|{}|{}|{}|{}|{}",
        s.id, s.label, s.detail, s.show_detail, s.x, s.y
    )
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
    let hop = player.hop_memo();

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

    let zoom = Zoom::new(Signal::derive(move || {
        layout.with(|d| Size::new(d.width, d.height))
    }));
    // During playback, keep the current hop's two ends in view.
    Effect::new(move |_| {
        if let Some(m) = marker.get() {
            zoom.follow_points(&[(m.x1, m.y1), (m.tx, m.ty)]);
        }
    });
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    Effect::new(move |_| {
        if let Some(el) = svg_ref.get() {
            watch_size(zoom, el.into());
        }
    });
    let el = move || -> Option<web_sys::Element> { svg_ref.get_untracked().map(Into::into) };
    let hovered = RwSignal::new(None::<String>);

    view! {
        <div class=style::wrap>
            <Legend zoom=zoom/>
            <svg
                class=style::svg
                node_ref=svg_ref
                data-testid="diagram"
                viewBox=move || zoom.view_box()
                preserveAspectRatio="xMidYMid meet"
                role="group"
                tabindex="0"
                aria-label="Topology: the Internet, then region us-east-1 and region us-west-2. Plus and minus zoom, 0 fits, arrow keys pan."
                aria-keyshortcuts="+ - 0"
                on:keydown=move |ev| zoom.on_key(&ev)
                on:wheel=move |ev| {
                    if let Some(el) = el() {
                        zoom.on_wheel(&ev, &el);
                    }
                }
                on:pointerdown=move |ev| {
                    if let Some(el) = el() {
                        zoom.on_pointer_down(&ev, &el);
                    }
                }
                on:pointermove=move |ev| {
                    if let Some(el) = el() {
                        zoom.on_pointer_move(&ev, &el);
                    }
                }
                on:pointerup=move |ev| zoom.on_pointer_up(&ev)
                on:pointercancel=move |ev| zoom.on_pointer_up(&ev)
                on:click=move |ev| zoom.swallow_click_after_drag(&ev)
            >
                <g>
                    <For each=move || layout.get().boxes key=box_key let:b>
                        <DiagramBox b=b faults=faults/>
                    </For>
                </g>
                <Links layout=layout trail=trail/>
                <HopLine marker=marker/>
                <g>
                    <For each=move || layout.get().spots key=spot_key let:s>
                        <Node spot=s hop=hop marker=marker trail=trail faults=faults hovered=hovered/>
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
                <Callout layout=layout hovered=hovered/>
            </svg>
        </div>
    }
}

/// The links between components, and the trail of those the request used.
#[component]
fn Links(layout: Memo<Layout>, trail: Memo<Trail>) -> impl IntoView {
    view! {
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
    }
}

#[component]
fn Legend(zoom: Zoom) -> impl IntoView {
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
                " step · "
                <kbd>"?"</kbd>
                " keys"
            </p>
            <ZoomBar zoom=zoom/>
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
    let (tx, ty) = (x + labels::CAPTION_DX, y + baseline);
    let subtitle_view = match b.kind {
        BoxKind::Subnet(_) => view! {
            <text class=style::cidr x=fmt(tx) y=fmt(ty + CIDR_DY) data-testid=format!("subnet-label-{}", b.id)>
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
    hovered: RwSignal<Option<String>>,
) -> impl IntoView {
    let selection = use_handle::<Selection>();
    let player = use_handle::<Player>();
    let id = spot.id.clone();
    let diverged = {
        let id = id.clone();
        Memo::new(move |_| {
            player
                .diff
                .with(|d| d.as_ref().and_then(|d| d.diverged_at()) == Some(id.as_str()))
        })
    };
    let reach_marks = Memo::new(move |_| {
        player
            .reach
            .with(|r| r.as_ref().map(crate::view::reach::marks))
    });
    let label = {
        let (label, id) = (spot.label.clone(), spot.id.clone());
        move || {
            let part = if diverged.get() {
                ", paths part here"
            } else {
                ""
            };
            format!("{label} ({id}){part}: inspect")
        }
    };
    let (enter, leave) = (spot.id.clone(), spot.id.clone());
    let (show, hide) = (
        move || hovered.set(Some(enter.clone())),
        move || {
            hovered.update(|h| {
                if h.as_deref() == Some(leave.as_str()) {
                    *h = None;
                }
            })
        },
    );
    let (show2, hide2) = (show.clone(), hide.clone());
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
            if player.showing.get() == Showing::Reach {
                // "Can A reach B?": its path and where it stopped, alone.
                if let Some(m) = reach_marks.get() {
                    if m.path.contains(&id) {
                        add(style::visited);
                    }
                    if m.stop.as_deref() == Some(id.as_str()) {
                        add(style::stopped);
                    }
                }
                return c;
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
            match player.diff.with(|d| {
                d.as_ref()
                    .map(|d| (d.diverged_at() == Some(id.as_str()), d.touches(&id)))
            }) {
                Some((true, _)) => add(style::diverged),
                Some((false, true)) => add(style::changed),
                _ => {}
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
            aria-label=label
            data-diverged=move || diverged.get().to_string()
            aria-pressed=move || selection.selected.with(|s| s.as_deref() == Some(id.as_str())).to_string()
            on:click=move |_| select()
            on:pointerenter=move |_| show()
            on:pointerleave=move |_| hide()
            on:focus=move |_| show2()
            on:blur=move |_| hide2()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    select2();
                }
            }
        >
            {move || diverged.get().then(|| view! { <title>"paths part here"</title> })}
            <circle class=style::halo r="24"/>
            <rect class=style::tile x=fmt(-half - 3.0) y=fmt(-half - 3.0) width=fmt(ICON + 6.0) height=fmt(ICON + 6.0) rx="9"/>
            <image href=icon x=fmt(-half) y=fmt(-half) width=fmt(ICON) height=fmt(ICON)/>
            <text class=style::label y=fmt(LABEL_DY)>{spot.label.clone()}</text>
            {spot.show_detail.then(|| view! {
                <text class=style::detail y=fmt(DETAIL_DY)>{spot.detail.clone()}</text>
            })}
        </g>
    }
}

/// The address line of the hovered, focused or selected component when
/// the diagram leaves it out for lack of room: drawn last, over the rest.
#[component]
fn Callout(layout: Memo<Layout>, hovered: RwSignal<Option<String>>) -> impl IntoView {
    let selected = use_handle::<Selection>().selected;
    let shown = move || {
        let mut ids: Vec<String> = selected.get().into_iter().collect();
        if let Some(h) = hovered.get() {
            if !ids.contains(&h) {
                ids.push(h);
            }
        }
        layout.with(|d| {
            ids.iter()
                .filter_map(|id| d.spot(id))
                .filter(|s| !s.show_detail && !s.detail.is_empty())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <g class=style::callouts aria-hidden="true">
            <For each=shown key=spot_key let:s>
                <g
                    class=style::callout
                    data-testid=format!("callout-{}", s.id)
                    transform=format!("translate({} {})", fmt(s.x), fmt(s.y + DETAIL_DY))
                >
                    <rect
                        x=fmt(-labels::mono_width(&s.detail, DETAIL_FONT) / 2.0 - 5.0)
                        y=fmt(-DETAIL_FONT - 1.0)
                        width=fmt(labels::mono_width(&s.detail, DETAIL_FONT) + 10.0)
                        height=fmt(DETAIL_FONT + 6.0)
                        rx="4"
                    />
                    <text>{s.detail.clone()}</text>
                </g>
            </For>
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
