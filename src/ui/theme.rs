//! The header's theme button: light or dark, remembered in localStorage.
//! Until the learner presses it the page follows the system's
//! `prefers-color-scheme` (the CSS does that on its own, with no script).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::view::theme::{Theme, THEME_KEY};

stylance::import_crate_style!(style, "src/ui/theme.module.css");

const DARK_QUERY: &str = "(prefers-color-scheme: dark)";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn system_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(DARK_QUERY).ok()?
}

fn stored() -> Option<Theme> {
    storage()
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .and_then(|k| Theme::from_key(&k))
}

/// Pin a theme on `<html data-theme>` (the CSS reads it), or follow the
/// system again when `None`.
fn pin(theme: Option<Theme>) {
    let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        Some(t) => html.set_attribute("data-theme", t.key()),
        None => html.remove_attribute("data-theme"),
    };
}

/// Pin the remembered theme (if any) and say which theme is in effect.
pub fn apply_stored() -> Theme {
    let choice = stored();
    pin(choice);
    Theme::effective(choice, system_query().is_some_and(|q| q.matches()))
}

/// Switch to `theme` and remember it.
pub fn choose(theme: Theme) {
    if let Some(s) = storage() {
        let _ = s.set_item(THEME_KEY, theme.key());
    }
    pin(Some(theme));
}

#[component]
pub fn ThemeButton() -> impl IntoView {
    let theme = RwSignal::new(apply_stored());
    // While nothing is remembered, follow the system when it changes.
    if let Some(query) = system_query() {
        let follow = Closure::<dyn Fn()>::new(move || {
            if stored().is_none() {
                theme.set(apply_stored());
            }
        });
        let _ = query.add_event_listener_with_callback("change", follow.as_ref().unchecked_ref());
        follow.forget();
    }
    let dark = move || theme.get() == Theme::Dark;
    view! {
        <button
            class=style::theme
            data-testid="theme-toggle"
            aria-pressed=move || dark().to_string()
            aria-label="Dark theme"
            title=move || if dark() { "Switch to the light theme" } else { "Switch to the dark theme" }
            on:click=move |_| {
                let next = theme.get_untracked().other();
                choose(next);
                theme.set(next);
            }
        >
            <span aria-hidden="true">"☾"</span>
            "Dark"
        </button>
    }
}
