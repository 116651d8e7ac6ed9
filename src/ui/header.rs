//! The header: wordmark, Lessons / Sandbox, the theme, Share, the World menu,
//! client picker, the faults currently injected, and the saved world's
//! messages.

use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, RequestBar};

stylance::import_crate_style!(style, "src/ui/header.module.css");

#[component]
pub fn Header() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let bar = use_handle::<RequestBar>();
    // The scenario's clients (another after an import).
    let clients = Memo::new(move |_| {
        live.world.with(|w| {
            w.scenario()
                .clients
                .iter()
                .map(|c| (c.id.clone(), c.city.clone()))
                .collect::<Vec<_>>()
        })
    });
    // A challenge may hide the faults its setup injected.
    let lessons = use_context::<super::lesson_state::LessonState>();
    let faults = Memo::new(move |_| {
        live.world.with(|w| {
            w.faults()
                .iter()
                .filter(|f| !lessons.is_some_and(|l| l.hides_fault(f)))
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    view! {
        <header class=style::header>
            <div class=style::brand>
                <img class=style::logo src="assets/favicon.svg" alt="" width="28" height="28"/>
                <span class=style::wordmark>"Hoplab"</span>
                <span class=style::tagline>"follow one HTTPS request through AWS, hop by hop"</span>
            </div>
            <super::lesson_picker::LessonButtons/>
            <super::theme::ThemeButton/>
            <super::share::ShareButton/>
            <super::saved::WorldMenu/>
            <label class=style::picker>
                <span class=style::pickerLabel>"Client"</span>
                <select
                    data-testid="client-picker"
                    on:change=move |ev| app.set_client(event_target_value(&ev))
                    prop:value=move || bar.client.get()
                >
                    {move || {
                        clients
                            .get()
                            .into_iter()
                            .map(|(id, city)| {
                                let selected = id == bar.client.get_untracked();
                                view! {
                                    <option value=id.clone() selected=selected>
                                        {format!("{city} ({id})")}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <div class=style::faults aria-live="polite">
                <span class=style::faultsLabel>"Faults"</span>
                <Show
                    when=move || !faults.with(|f| f.is_empty())
                    fallback=move || {
                        // In a challenge that hides its faults, "none" would be a lie.
                        let text = move || {
                            if lessons.is_some_and(|l| l.hidden_faults.with(|h| !h.is_empty())) {
                                "not shown in this challenge"
                            } else {
                                "none — everything is up"
                            }
                        };
                        view! { <span class=style::none>{text}</span> }
                    }
                >
                    <ul class=style::chips>
                        <For each=move || faults.get() key=|f| f.clone() let:fault>
                            <li class=style::chip data-testid="fault-chip">
                                <span>{fault.label()}</span>
                                <button
                                    class=style::chipX
                                    aria-label=format!("repair: {}", fault.label())
                                    title="repair"
                                    on:click={
                                        let fault = fault.clone();
                                        move |_| live.set_fault(fault.clone(), false)
                                    }
                                >
                                    "×"
                                </button>
                            </li>
                        </For>
                    </ul>
                </Show>
            </div>
            <super::saved::WorldNotes/>
        </header>
    }
}
