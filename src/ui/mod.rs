//! The browser app (wasm32 only): leptos components that render the engine's
//! traces and send requests, edits and faults back to it.
//!
//! - `state`: the app's signals as small handles (`Live`, `RequestBar`,
//!   `Player`, `BurstPanel`, `Selection`) and the actions on them (`AppState`).
//! - `header`: wordmark, client picker, active-fault chips.
//! - `theme`: the header's light / dark button, remembered in localStorage.
//! - `diagram`: the topology as SVG, with the moving packet marker.
//! - `zoom`: the diagram's zoom and pan (wheel, pinch, drag, keys, buttons),
//!   fit, and following the packet.
//! - `hop_card`: the current hop explained, and the outcome.
//! - `inspector`: the clicked component: live state, faults, rule tables.
//! - `rules`: NACL / Security Group tables and the subnet CIDR form.
//! - `edit_traffic`: WAF rules, listener rules and target groups, Ingress
//!   paths and CloudFront behaviours, edited in the inspector.
//! - `edit_net`: route tables, Route 53 records and health checks, scale.
//! - `settings`: the engine's settings forms (`sim::forms`) for the
//!   component: TLS, timeouts, IP address type, Shield, WAF, health checks.
//! - `timeline`: "Where the time went" over the trace (this request and
//!   the one before, on one scale).
//! - `dig`: "Ask like dig" in a browser's or a resolver's inspector.
//! - `controls`: request bar (method, URL, Send), playback controls, clock.
//! - `results`: under the request bar, the trace or the burst panel; Replay
//!   and "Compare with previous".
//! - `diff_panel`: "What changed", a replay compared with the trace before it.
//! - `trace_list`: the trace as a table, the text alternative to the animation.
//! - `burst`: many requests at once from the ticked clients, and their report.
//! - `failure`: the screen a panic leaves (reload, download the world).
//! - `shortcuts`: the `?` overlay listing the keyboard shortcuts.
//! - `saved`: the learner's world kept in localStorage across reloads (per
//!   mount, [`Options`]), other tabs' saves, and the World menu (download,
//!   import, reset).
//! - `split`: the parts of the app the hosted build downloads when first
//!   opened (`part!`), and what shows meanwhile.
//! - `lesson_state`, `lesson_picker`, `lesson_panel`: the open lesson (its
//!   session on the app's world), the lesson list, and the panel beside the diagram.
//!
//! Everything they show is computed in `crate::view` (native, tested); the
//! components only bind signals to it.

mod burst;
mod controls;
mod diagram;
mod diff_panel;
mod dig;
mod edit_net;
mod edit_traffic;
pub mod failure;
mod header;
mod hop_card;
mod inspector;
mod lesson_panel;
mod lesson_picker;
pub mod lesson_state;
mod reach;
mod results;
mod rules;
pub mod saved;
mod settings;
mod share;
mod shortcuts;
pub(crate) mod split;
pub mod state;
mod theme;
mod timeline;
mod trace_list;
mod zoom;

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use lesson_state::LessonSource;
pub use saved::{Options, STORAGE_KEY};
use state::AppState;

stylance::import_crate_style!(style, "src/ui/app.module.css");

/// How long after mounting the app warms the engine up.
const WARM_UP_DELAY: Duration = Duration::from_millis(1500);

/// Where the built site keeps the lessons, relative to the page.
const LESSON_FOLDER: &str = "lessons/";

/// Mount the app on the page's `<body>` (the normal entry point), in place
/// of the loading screen `index.html` shows while the WebAssembly loads.
/// Lessons are downloaded from `lessons/` beside the page when first needed;
/// the learner's world is kept in localStorage under [`STORAGE_KEY`].
pub fn mount() {
    failure::install();
    if saved::starts_by_reading(STORAGE_KEY) {
        // A saved world or a share link to read: the hosted build downloads
        // its `reading` part first, while the loading screen stays.
        // (leptos's task spawner starts with the app: not yet.)
        wasm_bindgen_futures::spawn_local(async {
            saved::prepare_reading().await;
            mount_on_body();
        });
    } else {
        mount_on_body();
        // The `reading` part, in the background once the page is usable, so
        // saving the learner's first change needs no download then.
        set_timeout(
            || wasm_bindgen_futures::spawn_local(saved::prepare_reading()),
            READING_DELAY,
        );
    }
}

/// How long after a fresh start the hosted build fetches its `reading` part.
const READING_DELAY: Duration = Duration::from_millis(3000);

/// [`mount`], once what the start reads is there.
fn mount_on_body() {
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("hoplab-loading"))
    {
        loading.remove();
    }
    leptos::mount::mount_to_body(|| {
        provide_context(LessonSource::Fetch(LESSON_FOLDER));
        provide_context(Options {
            storage_key: Some(STORAGE_KEY.to_string()),
        });
        view! { <App/> }
    });
}

/// Mount the app inside an element (used by the browser tests), with the
/// lessons built into the program and nothing kept in storage. The app
/// stays mounted for the life of the page.
pub fn mount_to(parent: web_sys::HtmlElement) {
    mount_with(parent, Options::default())
}

/// [`mount_to`] with options: a storage key keeps the world across mounts
/// (the browser tests give each test its own).
pub fn mount_with(parent: web_sys::HtmlElement, options: Options) {
    failure::install();
    leptos::mount::mount_to(parent, move || {
        provide_context(options);
        provide_context(LessonSource::BuiltIn {
            index: crate::lesson::BundleIndex::of_catalog,
            lesson: |id| {
                crate::lesson::curriculum()
                    .into_iter()
                    .find(|l| l.id == id)
                    .map(crate::lesson::LessonFile::of)
            },
        });
        view! { <App/> }
    })
    .forget();
}

/// Whether a key press belongs to a text field (arrow keys move the caret there).
fn typing_in_field(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(
        el.tag_name().to_ascii_lowercase().as_str(),
        "input" | "select" | "textarea"
    ) || el.has_attribute("contenteditable")
}

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    app.provide();
    let options = use_context::<Options>().unwrap_or_default();
    // The saved world first, so a lesson opens over it.
    let saver = saved::Saver::provide(app, options.storage_key);
    let source = use_context::<LessonSource>().unwrap_or(LessonSource::Fetch(LESSON_FOLDER));
    let lessons = lesson_state::LessonState::provide(app, source);
    saver.attach(lessons);
    let playback = app.player.playback;

    // Playback: while playing, move on one hop per tick.
    Effect::new(move |_| {
        let p = playback.get();
        if p.playing() {
            let handle = set_timeout_with_handle(
                move || playback.update(|p| p.tick()),
                Duration::from_millis(p.speed.hop_ms() as u64),
            );
            if let Ok(h) = handle {
                on_cleanup(move || h.clear());
            }
        }
    });

    // The failure screen offers the world on screen for download.
    Effect::new(move |_| app.live.world.with(|w| failure::remember(w.scenario())));

    // Left / right arrows step through the trace when focus is not in a field.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || typing_in_field(&ev) {
            return;
        }
        match ev.key().as_str() {
            "ArrowRight" => {
                ev.prevent_default();
                playback.update(|p| p.step_forward());
            }
            "ArrowLeft" => {
                ev.prevent_default();
                playback.update(|p| p.step_back());
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    // Once, shortly after start-up while the learner reads the page: a
    // throwaway burst on a copy of the world, so the browser's optimizing
    // compiler has seen the engine before the learner's first burst.
    if let Ok(warm) = set_timeout_with_handle(move || app.warm_up(), WARM_UP_DELAY) {
        on_cleanup(move || warm.clear());
    }

    let (stage, card, bottom) = (NodeRef::new(), NodeRef::new(), NodeRef::new());

    view! {
        <div
            class=style::app
            data-lesson=move || if lessons.open.get().is_some() { "open" } else { "closed" }
            data-lesson-hide=move || lessons.hidden_controls()
            // A scenario or whole-state file dropped anywhere is imported.
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| saver.drop_file(ev)
        >
            <SkipLink/>
            // First in the page's order after the skip link (the grid still
            // draws it at the bottom): Send is the fourth Tab stop.
            <section
                node_ref=bottom
                class=style::bottom
                aria-label="Request, trace and burst"
                data-showing=move || app.player.showing.get().key()
            >
                <controls::Controls/>
                <results::Results/>
            </section>
            <header::Header/>
            <JumpBar stage=stage card=card bottom=bottom/>
            <lesson_panel::LessonPanel/>
            <lesson_picker::LessonPicker/>
            // tabindex: the card and the inspector scroll, and keyboard users must be able to scroll them.
            <aside class=style::card aria-label="Current hop" tabindex="0" node_ref=card>
                <hop_card::HopCard/>
            </aside>
            <main class=style::stage aria-label="Topology" node_ref=stage>
                <diagram::Diagram/>
            </main>
            <aside
                class=style::inspector
                aria-label="Inspector"
                tabindex="0"
                on:keydown=move |ev| inspector::close_on_escape(&ev, app.selection)
            >
                <inspector::Inspector/>
            </aside>
            <shortcuts::Shortcuts/>
        </div>
    }
}

/// The first Tab stop: straight to the request bar's URL field.
#[component]
fn SkipLink() -> impl IntoView {
    let go = move |ev: leptos::ev::MouseEvent| {
        // The page's hash holds lesson links: keep it.
        ev.prevent_default();
        let url = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|a| a.parent_element())
            .and_then(|app| {
                app.query_selector("[data-testid=\"url-input\"]")
                    .ok()
                    .flatten()
            })
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(url) = url {
            let _ = url.focus();
        }
    };
    view! {
        <a class="skip-link" href="#request" data-testid="skip-link" on:click=go>
            "Skip to the request bar"
        </a>
    }
}

/// On a phone, where the parts of the page sit one under the other: a bar
/// that stays at the top and scrolls to the diagram, the hop card or the
/// request bar and trace (hidden on larger screens by the stylesheet).
#[component]
fn JumpBar(
    stage: NodeRef<leptos::html::Main>,
    card: NodeRef<leptos::html::Aside>,
    bottom: NodeRef<leptos::html::Section>,
) -> impl IntoView {
    fn go(el: Option<impl AsRef<web_sys::Element>>) {
        if let Some(el) = el {
            el.as_ref().scroll_into_view();
        }
    }
    view! {
        <nav class=style::jump aria-label="Jump to" data-testid="jump">
            <button type="button" data-testid="jump-diagram" on:click=move |_| go(stage.get())>
                "Diagram"
            </button>
            <button type="button" data-testid="jump-hop" on:click=move |_| go(card.get())>
                "Hop"
            </button>
            <button type="button" data-testid="jump-trace" on:click=move |_| go(bottom.get())>
                "Trace"
            </button>
        </nav>
    }
}
