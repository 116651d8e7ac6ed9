//! The header's Share button and its dialog: the link that opens this
//! world (`crate::classroom::link`), selected in a read-only field, a Copy
//! button (the clipboard, or a note to copy by hand where the browser does
//! not allow it), the link's length against the limit, and what the link
//! carries. A world too big for a link offers the whole-state download.
//! Escape or Close shuts it; focus stays inside while it is open and goes
//! back to the Share button after.

use leptos::prelude::*;

use super::saved::{linker, Saver, ToLink};
use super::split;
use crate::classroom::link::MAX_LINK_CHARS;

stylance::import_crate_style!(style, "src/ui/share.module.css");
/// The dialog looks like the `?` overlay.
#[allow(dead_code)]
mod shortcuts_css {
    stylance::import_crate_style!(pub css, "src/ui/shortcuts.module.css");
}
use shortcuts_css::css as overlay;

/// 16384 → "16,384".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[component]
pub fn ShareButton() -> impl IntoView {
    let saver = expect_context::<Saver>();
    view! {
        <button
            type="button"
            class=style::share
            data-testid="share-button"
            aria-haspopup="dialog"
            title="a link that opens this world: edits, faults, clock, requests and the open lesson"
            node_ref=saver.share_button
            on:click=move |_| saver.sharing.set(true)
        >
            "Share"
        </button>
        <Show when=move || saver.sharing.get()>
            {split::show(linker(), |encode| view! { <ShareDialog encode/> }.into_any())}
        </Show>
    }
}

fn close(saver: Saver) {
    saver.sharing.set(false);
    if let Some(b) = saver.share_button.get_untracked() {
        let _ = b.focus();
    }
}

/// Keep Tab and Shift+Tab among the dialog's own fields and buttons.
fn trap_tab(ev: &web_sys::KeyboardEvent, dialog: &web_sys::Element) {
    let Ok(list) = dialog.query_selector_all("input, button") else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(n).ok())
        .collect();
    if items.is_empty() {
        return;
    }
    let active = document().active_element();
    let at = items
        .iter()
        .position(|e| active.as_ref() == Some(AsRef::<web_sys::Element>::as_ref(e)));
    let n = items.len();
    let next = match (at, ev.shift_key()) {
        (Some(i), false) => (i + 1) % n,
        (Some(i), true) => (i + n - 1) % n,
        (None, _) => 0,
    };
    ev.prevent_default();
    let _ = items[next].focus();
}

#[component]
fn ShareDialog(encode: ToLink) -> impl IntoView {
    let saver = expect_context::<Saver>();
    let app = super::state::use_app();
    // The link of the world as it is when the dialog opens.
    let link = saver.share_link(encode);
    let actions = app.live.journal.with_untracked(|j| j.steps.len());
    let lesson = app.live.lesson.get_untracked();
    let status = RwSignal::new(String::new());
    let field = NodeRef::<leptos::html::Input>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Focus on the selected link, or (no link) on the dialog's first button.
    Effect::new(move |_| {
        if let Some(f) = field.get() {
            let _ = f.focus();
            f.select();
        } else if let Some(b) = dialog
            .get()
            .and_then(|d| d.query_selector("button").ok().flatten())
            .and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b).ok())
        {
            let _ = b.focus();
        }
    });
    let copy = {
        let text = link.clone().unwrap_or_default();
        move |_| {
            let text = text.clone();
            let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
            leptos::task::spawn_local(async move {
                let copied = match clipboard {
                    Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&text))
                        .await
                        .is_ok(),
                    None => false,
                };
                status.set(if copied {
                    "Copied to the clipboard.".into()
                } else {
                    "This browser did not let Hoplab copy: the link is selected above, copy it with Ctrl+C (⌘C on a Mac).".into()
                });
            });
            if let Some(f) = field.get_untracked() {
                let _ = f.focus();
                f.select();
            }
        }
    };
    let carries = {
        let name = app
            .live
            .world
            .with_untracked(|w| format!("\u{201c}{}\u{201d}", w.scenario().name));
        let mut s = match actions {
            0 => format!("Anyone who opens it gets this very world: {name} as it starts, and the request bar"),
            1 => format!("Anyone who opens it gets this very world: your one action (an edit, a fault, the clock or a request sent) replayed on {name}, and the request bar"),
            n => format!(
                "Anyone who opens it gets this very world: your {} actions (edits, faults, the clock, requests sent) replayed on {name}, and the request bar",
                grouped(n)
            ),
        };
        if let Some(l) = &lesson {
            s.push_str(&format!(
                ", with the lesson \u{201c}{}\u{201d} open at step {}",
                l.id,
                l.steps_done + 1
            ));
        }
        s.push_str(". Their own saved world is kept aside, not lost.");
        s
    };
    view! {
        <div class=overlay::backdrop on:click=move |ev| {
            // A click on the backdrop itself (not the dialog) closes.
            if ev.target() == ev.current_target() {
                close(saver);
            }
        }>
            <div
                class=overlay::dialog
                role="dialog"
                aria-modal="true"
                aria-labelledby="share-title"
                data-testid="share-dialog"
                node_ref=dialog
                on:keydown=move |ev| match ev.key().as_str() {
                    "Escape" => {
                        ev.stop_propagation();
                        close(saver);
                    }
                    "Tab" => {
                        if let Some(d) = dialog.get_untracked() {
                            trap_tab(&ev, &d);
                        }
                    }
                    _ => {}
                }
            >
                <h2 class=overlay::title id="share-title">"Share this world"</h2>
                {match link {
                    Ok(l) => {
                        let size = format!(
                            "{} characters (a link holds at most {}).",
                            grouped(l.len()),
                            grouped(MAX_LINK_CHARS)
                        );
                        view! {
                            <p>{carries}</p>
                            <label class=style::label for="share-link">"Link"</label>
                            <input
                                id="share-link"
                                class=style::link
                                type="text"
                                readonly=true
                                spellcheck="false"
                                data-testid="share-link"
                                node_ref=field
                                prop:value=l
                            />
                            <p class=style::size data-testid="share-size">{size}</p>
                            <p class=style::status role="status" data-testid="share-status">{move || status.get()}</p>
                            <div class=style::actions>
                                <button type="button" data-testid="share-copy" on:click=copy>"Copy link"</button>
                                <button type="button" data-testid="share-close" on:click=move |_| close(saver)>"Close"</button>
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => {
                        view! {
                            <p role="alert" data-testid="share-too-long">{format!("No link: {e}.")}</p>
                            <div class=style::actions>
                                <button type="button" data-testid="share-download" on:click=move |_| saver.download_state()>
                                    "Download whole state"
                                </button>
                                <button type="button" data-testid="share-close" on:click=move |_| close(saver)>"Close"</button>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </div>
        </div>
    }
}
