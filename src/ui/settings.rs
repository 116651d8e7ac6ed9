//! The settings forms of the inspector: one generic renderer for the
//! engine's [`crate::sim::forms`] (TLS, idle and keep-alive timeouts, IP
//! address types, Shield, WAF rules and actions, health checks). A form is
//! a script `edit`; applying it goes through `AppState::edit`, so a refusal
//! shows the engine's reason next to the form and changes nothing, and the
//! fields keep what the learner typed.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, Selection};
use crate::sim::forms::{forms, Form, Input};

stylance::import_crate_style!(style, "src/ui/settings.module.css");

fn field_id(key: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("hl-set-{key}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Every settings form of the component `id`.
#[component]
pub fn SettingsForms(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let all = Memo::new(move |_| live.world.with(|w| forms(w, &id)));
    let keys = move || all.with(|f| f.iter().map(|f| f.key.clone()).collect::<Vec<_>>());
    view! {
        <Show when=move || all.with(|f| !f.is_empty())>
            <section class=style::section data-testid="settings">
                <h3 class=style::subhead>"Settings"</h3>
                <For each=keys key=|k| k.clone() let:key>
                    <SettingItem all=all key=key/>
                </For>
            </section>
        </Show>
    }
}

/// One form, folded to its title and current values until opened; it
/// stays open while the world changes under it.
#[component]
fn SettingItem(all: Memo<Vec<Form>>, key: String) -> impl IntoView {
    let spec = {
        let key = key.clone();
        Memo::new(move |_| all.with(|f| f.iter().find(|f| f.key == key).cloned()))
    };
    let title = move || spec.with(|f| f.as_ref().map(|f| f.title.clone()).unwrap_or_default());
    let cite = move || spec.with(|f| f.as_ref().map(|f| f.cite).unwrap_or_default());
    let now = move || {
        spec.with(|f| {
            f.as_ref()
                .filter(|f| f.only_changed || f.submit == "Apply")
                .map(Form::summary)
                .unwrap_or_default()
        })
    };
    view! {
        <details class=style::item data-testid=format!("setting-{key}")>
            <summary>
                <span>{title}</span>
                <span class=style::now>{now}</span>
                <span class=style::cite>"fact sheet "{cite}</span>
            </summary>
            {move || spec.get().map(|f| view! { <SettingForm form=f/> })}
        </details>
    }
}

#[component]
fn SettingForm(form: Form) -> impl IntoView {
    let app = use_app();
    let selection = use_handle::<Selection>();
    let values: Vec<RwSignal<String>> = form.values().into_iter().map(RwSignal::new).collect();
    let key = form.key.clone();
    let fields = form
        .fields
        .iter()
        .cloned()
        .zip(values.iter().copied())
        .map(|(f, v)| {
            let id = field_id(&form.key);
            let testid = format!("set-{}-{}", form.key, f.name);
            let input = match f.input {
                Input::Text(ph) => view! {
                    <input id=id.clone() type="text" spellcheck="false" placeholder=ph data-testid=testid
                        prop:value=move || v.get() on:input=move |ev| v.set(event_target_value(&ev))/>
                }
                .into_any(),
                Input::Number { min, max } => view! {
                    <input id=id.clone() type="number" inputmode="numeric" min=min max=max data-testid=testid
                        prop:value=move || v.get() on:input=move |ev| v.set(event_target_value(&ev))/>
                }
                .into_any(),
                Input::Choice(options) => view! {
                    <select id=id.clone() data-testid=testid
                        prop:value=move || v.get() on:change=move |ev| v.set(event_target_value(&ev))>
                        {options
                            .into_iter()
                            .map(|o| {
                                let sel = o == v.get_untracked();
                                view! { <option value=o.clone() selected=sel>{o.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any(),
                Input::Toggle => view! {
                    <input id=id.clone() type="checkbox" class=style::check data-testid=testid
                        prop:checked=move || v.get() == "true"
                        on:change=move |ev| v.set(event_target_checked(&ev).to_string())/>
                }
                .into_any(),
                Input::Lines => view! {
                    <textarea id=id.clone() rows="3" spellcheck="false" data-testid=testid
                        prop:value=move || v.get() on:input=move |ev| v.set(event_target_value(&ev))></textarea>
                }
                .into_any(),
            };
            view! { <label for=id>{f.label}</label> {input} }
        })
        .collect_view();
    let submit_label = form.submit;
    let aria = form.title.clone();
    let submit = {
        let key = key.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let vals: Vec<String> = values.iter().map(|v| v.get_untracked()).collect();
            match form.edit(&vals) {
                Ok(e) => {
                    app.edit(&key, e);
                }
                Err(m) => selection.edit_error.set(Some((key.clone(), m))),
            }
        }
    };
    let shown = key.clone();
    view! {
        <form class=style::form novalidate on:submit=submit aria-label=aria>
            {fields}
            <button type="submit" class=style::submit data-testid=format!("set-{key}-submit")>{submit_label}</button>
        </form>
        <Show when=move || selection.error_for(&key).is_some()>
            <p class=format!("input-error {}", style::error) role="alert" data-testid="edit-error">
                {
                    let k = shown.clone();
                    move || selection.error_for(&k).unwrap_or_default()
                }
            </p>
        </Show>
    }
}
