//! The `?` overlay: every keyboard shortcut of the page, from
//! `crate::view::keys`. `?` outside a text field opens it, Escape or its
//! Close button closes it and focus goes back where it was.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::view::keys::{opens_help, SHORTCUTS};

stylance::import_crate_style!(style, "src/ui/shortcuts.module.css");

/// The overlay and the keys that open and close it.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let open = RwSignal::new(false);
    // Where focus was before the overlay opened, to give it back.
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let close = move || {
        open.set(false);
        if let Some(el) = before.get_value() {
            let _ = el.focus();
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if open.get_untracked() {
            if ev.key() == "Escape" {
                ev.prevent_default();
                close();
            }
            return;
        }
        let modifier = ev.alt_key() || ev.ctrl_key() || ev.meta_key();
        if opens_help(&ev.key(), modifier) && !super::typing_in_field(&ev) {
            ev.prevent_default();
            let active = document()
                .active_element()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            before.set_value(active);
            open.set(true);
        }
    });
    on_cleanup(move || keys.remove());
    let close_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(b) = close_ref.get() {
                let _ = b.focus();
            }
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class=style::backdrop on:click=move |_| close()>
                <div
                    class=style::dialog
                    role="dialog"
                    aria-modal="true"
                    aria-label="Keyboard shortcuts"
                    data-testid="shortcuts"
                    on:click=|ev| ev.stop_propagation()
                    // Close is its one control: Tab stays inside the dialog.
                    on:keydown=|ev| {
                        if ev.key() == "Tab" {
                            ev.prevent_default();
                        }
                    }
                >
                    <h2 class=style::title>"Keyboard shortcuts"</h2>
                    <dl class=style::list>
                        {SHORTCUTS
                            .iter()
                            .map(|s| view! { <dt><kbd>{s.keys}</kbd></dt> <dd>{s.what}</dd> })
                            .collect_view()}
                    </dl>
                    <button type="button" node_ref=close_ref data-testid="shortcuts-close" on:click=move |_| close()>
                        "Close (Esc)"
                    </button>
                </div>
            </div>
        </Show>
    }
}
