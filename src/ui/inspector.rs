//! The inspector: what the engine reports about the clicked component (its
//! configuration and live state), the faults that can be injected there, and
//! the rule tables and subnets attached to it. Opening a component moves
//! focus to the inspector's title; Escape (or ×) closes it and focus goes
//! back to the component in the diagram.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::dig::DigForm;
use super::edit_net::NetEditors;
use super::edit_traffic::TrafficEditor;
use super::rules::{NaclEditor, SgEditor, SubnetEditor};
use super::settings::SettingsForms;
use super::split;
use super::state::{load_extras, use_handle, Live, Selection};

stylance::import_crate_style!(style, "src/ui/inspector.module.css");

#[component]
pub fn Inspector() -> impl IntoView {
    let selection = use_handle::<Selection>();
    view! {
        <div class=style::inspector data-testid="inspector">
            {move || match selection.selected.get() {
                None => view! { <Empty/> }.into_any(),
                Some(id) => split::show(
                    async { split::both(load_extras(), node_inspector()).await.map(|((), make)| make) },
                    move |make| make(id.clone()),
                ),
            }}
        </div>
    }
}

/// Escape inside the inspector closes it and gives focus back to the
/// component in the diagram.
pub fn close_on_escape(ev: &web_sys::KeyboardEvent, selection: Selection) {
    if ev.key() != "Escape" {
        return;
    }
    let Some(id) = selection.selected.get_untracked() else {
        return;
    };
    ev.prevent_default();
    let from = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    close_and_refocus(from, &id, selection);
}

/// Close the inspector and focus the diagram's node `id` in the same app
/// as `from`.
fn close_and_refocus(from: Option<web_sys::Element>, id: &str, selection: Selection) {
    let node = from
        .and_then(|el| el.closest("[data-lesson]").ok().flatten())
        .and_then(|app| {
            app.query_selector(&format!("[data-testid=\"node-{id}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|n| n.dyn_into::<web_sys::SvgElement>().ok());
    selection.selected.set(None);
    if let Some(n) = node {
        let _ = n.focus();
    }
}

#[component]
fn Empty() -> impl IntoView {
    view! {
        <div class=style::empty>
            <h2 class=style::title>"Inspector"</h2>
            <p>"Click a component in the diagram (or focus it and press Enter) to see its configuration and live state."</p>
            <p>
                "Load balancers, pods, databases and NAT gateways show their subnets, network ACLs and security groups here. Edit them, inject faults, and press Send to see what changes."
            </p>
        </div>
        <LiveStateSection/>
    }
}

/// How the live state's rows are worked out from the world.
type RowsOf = fn(&crate::sim::World) -> Vec<(String, String)>;

split::part!(
    edits,
    /// The live state's rows: the engine's report (`inspect`) and its
    /// words. In the hosted build they come with the engine's extras, when
    /// "Live state" is first opened.
    fn live_rows_of() -> RowsOf {
        |w| crate::view::live::live_rows(&w.live_state())
    }
);

/// The world's live state in a few rows (health checks, targets,
/// endpoints, caches with TTL left, WAF counters, the clock's events),
/// from the same `LiveState` the `inspect` script step prints. Worked out
/// only while open, not on every tick of a running clock.
#[component]
fn LiveStateSection() -> impl IntoView {
    let open = RwSignal::new(false);
    let toggle = move |ev: leptos::ev::Event| {
        if let Some(d) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        {
            open.set(d.open());
        }
    };
    view! {
        <section class=style::section data-testid="live-state">
            <details class=style::live on:toggle=toggle>
                <summary class=style::subhead>"Live state"</summary>
                {move || {
                    open.get()
                        .then(|| {
                            split::show(
                                live_rows_of(),
                                |rows_of| view! { <LiveRows rows_of/> }.into_any(),
                            )
                        })
                }}
            </details>
        </section>
    }
}

#[component]
fn LiveRows(rows_of: RowsOf) -> impl IntoView {
    let live = use_handle::<Live>();
    row_list(Memo::new(move |_| live.world.with(rows_of)))
}

/// Rows of names and values, as a description list.
fn row_list(rows: Memo<Vec<(String, String)>>) -> impl IntoView {
    view! {
        <dl class=style::rows>
            {move || {
                rows.get()
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> })
                    .collect_view()
            }}
        </dl>
    }
}

split::part!(
    inspector,
    /// The inspector's body: in the hosted build, with the editors and
    /// forms it holds, a file downloaded when a component is first opened.
    fn node_inspector() -> fn(String) -> AnyView {
        |id| view! { <NodeInspector id=id/> }.into_any()
    }
);

#[component]
fn NodeInspector(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let selection = use_handle::<Selection>();
    let node = {
        let id = id.clone();
        Memo::new(move |_| {
            live.world.with(|w| {
                w.topology()
                    .node(&id)
                    .map(|n| (n.label.clone(), n.detail.clone(), n.kind.icon()))
            })
        })
    };
    let rows = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| w.inspect(&id)))
    };
    let attachments = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| w.attachments(&id)))
    };
    let icon = move || {
        node.with(|n| {
            n.as_ref()
                .map(|n| format!("assets/{}.svg", n.2))
                .unwrap_or_default()
        })
    };

    // Opening a component moves focus here, so the keyboard is where the
    // learner's eyes go.
    let title_ref = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = title_ref.get() {
            let _ = h.focus();
        }
    });
    let close_id = id.clone();

    view! {
        <div class=style::head>
            <img class=style::icon src=icon alt="" width="32" height="32"/>
            <div class=style::names>
                <h2 class=style::title tabindex="-1" node_ref=title_ref data-testid="inspector-title">{move || node.with(|n| n.as_ref().map(|n| n.0.clone()).unwrap_or_default())}</h2>
                <p class=style::sub>
                    <code>{id.clone()}</code>
                    " · "
                    {move || node.with(|n| n.as_ref().map(|n| n.1.clone()).unwrap_or_default())}
                </p>
            </div>
            <button
                class=style::close
                data-testid="inspector-close"
                aria-label="close the inspector"
                title="close (Esc)"
                on:click=move |ev| {
                    let from = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                    close_and_refocus(from, &close_id, selection)
                }
            >
                "×"
            </button>
        </div>
        {move || live.dirty.get().map(|d| view! { <p class=style::dirty role="status">{d.note()}</p> })}

        <section class=style::section>
            <h3 class=style::subhead>"Configuration and live state"</h3>
            {row_list(rows)}
        </section>

        <FaultList id=id.clone()/>
        {
            let is_cdn = live.world.with_untracked(|w| w.scenario().cdn.id == id);
            is_cdn.then(|| view! { <InvalidateForm/> })
        }
        <TrafficEditor id=id.clone()/>
        <SettingsForms id=id.clone()/>
        <DigForm id=id.clone()/>
        <LiveStateSection/>

        <For each=move || attachments.get().subnets key=|s| s.clone() let:s>
            <SubnetEditor id=s/>
        </For>
        <For each=move || attachments.get().nacls key=|s| s.clone() let:s>
            <NaclEditor id=s/>
        </For>
        <For each=move || attachments.get().security_groups key=|s| s.clone() let:s>
            <SgEditor id=s/>
        </For>
        <NetEditors id=id.clone()/>
    }
}

/// The faults that can be injected at this component, as checkboxes.
#[component]
fn FaultList(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let options = Memo::new(move |_| live.world.with(|w| w.fault_options(&id)));
    let indexed_options = move || options.get().into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <Show when=move || !options.with(|o| o.is_empty())>
            <section class=style::section>
                <h3 class=style::subhead>"Break it"</h3>
                <ul class=style::faults>
                    <For
                        each=indexed_options
                        key=|(i, f)| (*i, f.clone())
                        let:item
                    >
                        {
                            let (i, fault) = item;
                            let f2 = fault.clone();
                            let checked = move || live.world.with(|w| w.faults().contains(&f2));
                            let label = fault.label();
                            view! {
                                <li>
                                    <label class=style::fault>
                                        <input
                                            type="checkbox"
                                            data-testid=format!("fault-{i}")
                                            prop:checked=checked
                                            on:change=move |ev| live.set_fault(fault.clone(), event_target_checked(&ev))
                                        />
                                        <span>{label}</span>
                                    </label>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}

/// CloudFront's invalidation: empty the cached copies whose path matches,
/// at every edge (fact sheet §5), so the next request is a miss.
#[component]
fn InvalidateForm() -> impl IntoView {
    let live = use_handle::<Live>();
    let path = RwSignal::new("/*".to_string());
    let result = RwSignal::new(None::<Result<String, String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = path.get_untracked();
        result.set(Some(
            live.invalidate(&p)
                .map(|n| crate::view::format::invalidated(&p, n)),
        ));
    };
    view! {
        <section class=style::section>
            <h3 class=style::subhead>"Invalidate cached copies"</h3>
            <form class=style::invalidate on:submit=submit>
                <label>
                    <span class=style::label>"path"</span>
                    <input
                        type="text"
                        data-testid="invalidate-path"
                        spellcheck="false"
                        prop:value=move || path.get()
                        on:input=move |ev| path.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" data-testid="invalidate">"Invalidate"</button>
            </form>
            {move || {
                result
                    .get()
                    .map(|r| match r {
                        Ok(m) => view! { <p role="status" data-testid="invalidate-result">{m}</p> }.into_any(),
                        Err(e) => view! { <p class="input-error" role="alert" data-testid="invalidate-result">{e}</p> }.into_any(),
                    })
            }}
        </section>
    }
}
