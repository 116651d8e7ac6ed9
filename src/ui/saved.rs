//! The learner's world kept across reloads, and the header's World menu.
//!
//! The world is a base scenario plus the journal of every action
//! (`crate::classroom`). When the app is mounted with a storage key
//! ([`Options`]; the page uses [`STORAGE_KEY`], the browser tests their own
//! keys, and `mount_to` none), every change saves it as one JSON text under
//! that key (one `setItem`), and the next start replays it. A saved world
//! that cannot be restored is reported and left in storage untouched until
//! the learner changes something.
//!
//! Two tabs: each save carries a revision. A tab writes only over the
//! revision it last read or wrote; when another tab saved since, it says so
//! ("Another tab changed the saved world") and offers to load that world
//! instead of overwriting it (or to keep its own).
//!
//! The World menu downloads the scenario (as `hoplab-cli --scenario` reads
//! it) or the whole state, imports either (a file input, or a file dropped
//! on the page; told apart by content, read as the CLI reads a scenario,
//! refused whole with the field path in a `role=alert` region), and resets
//! to the default world after asking in the page.
//!
//! Share links (`#world=1.…`, `crate::classroom::link`): opening one puts
//! its world on screen and saves it, after copying the learner's own saved
//! world aside (`<key>.before-link`) so "Back to my previous world" can
//! bring it back. A link that cannot be read says why, shows the default
//! world and leaves the saved world where it was (copied aside the same
//! way before this tab first saves over it). The link leaves the address
//! bar once read, so a reload shows the saved world with later changes.

use leptos::prelude::*;

use super::failure::download;
use super::lesson_state::{location_hash, storage, LessonState};
use super::split;
use super::state::AppState;
use crate::classroom::link;
use crate::classroom::{import, scenario_json, Imported, Journal, SavedLesson, SavedState};
use crate::sim::limits::{MAX_SAVED_STATE_BYTES, MAX_SCENARIO_BYTES};
use crate::sim::script::{install, Extras};
use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use crate::sim::World;
use crate::view::request::Method;

stylance::import_crate_style!(style, "src/ui/saved.module.css");
/// The reset dialog looks like the `?` overlay (whose list style it leaves).
#[allow(dead_code)]
mod shortcuts_css {
    stylance::import_crate_style!(pub css, "src/ui/shortcuts.module.css");
}
use shortcuts_css::css as overlay;

/// The localStorage key the page keeps the learner's world under.
pub const STORAGE_KEY: &str = "hoplab.world.v1";

/// How an app is mounted.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where in localStorage the world is kept; `None` keeps nothing.
    pub storage_key: Option<String>,
}

/// The saved world's handle: storage, the menu's actions and messages.
#[derive(Clone, Copy)]
pub struct Saver {
    app: AppState,
    key: StoredValue<Option<String>>,
    /// The revision this tab last read or wrote.
    base: StoredValue<u64>,
    /// The state (revision 0) last read or written, so an unchanged world
    /// is not written again.
    last: StoredValue<String>,
    /// A refused restore or import, or what an import brought (role=alert).
    pub message: RwSignal<Option<String>>,
    /// Another tab saved after this tab last read or wrote.
    pub other_tab: RwSignal<bool>,
    /// The reset dialog is open.
    pub confirming: RwSignal<bool>,
    /// The World menu's button, where focus returns when the dialog closes.
    menu_button: NodeRef<leptos::html::Summary>,
    /// The stored text that could not be restored, offered for download
    /// until the learner's next change replaces it.
    unrestored: RwSignal<Option<String>>,
    lessons: StoredValue<Option<LessonState>>,
    /// A restored or imported world's lesson, until the lessons can open it.
    pending: StoredValue<Option<SavedLesson>>,
    /// A share link was opened (or refused): before this tab first writes,
    /// the stored world is copied aside.
    aside_pending: StoredValue<bool>,
    /// The learner's own world from before a link can be brought back.
    pub previous: RwSignal<bool>,
    /// The Share dialog is open.
    pub sharing: RwSignal<bool>,
    /// The header's Share button, where focus returns when the dialog closes.
    pub share_button: NodeRef<leptos::html::Button>,
}

/// The address without its fragment.
fn page_address() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    match href.split_once('#') {
        Some((page, _)) => page.to_string(),
        None => href,
    }
}

/// Take a read link out of the address bar (no reload, no history entry).
fn clear_link_from_address() {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_address()));
    }
}

split::part!(
    reading,
    /// A saved world's text, read (not replayed): what a save checks it
    /// can read back. In the hosted build, the `reading` part holds every
    /// deserializer of the page (saved worlds, share links, imported files
    /// and lessons) and the replay of a saved world's actions.
    fn read_saved(text: String) -> Result<SavedState, String> {
        SavedState::from_json(&text)
    }
);

/// How a saved world is written: its JSON, or its share link's fragment.
pub type ToJson = fn(&SavedState) -> String;
pub type ToLink = fn(&SavedState) -> Result<String, link::ShareError>;

/// How a world is written: a saved world, and a scenario as a file.
#[derive(Clone, Copy)]
struct Writer {
    state: ToJson,
    scenario: fn(&crate::sim::scenario::Scenario) -> String,
}

split::part!(
    reading,
    /// How a world is written (with its reading: a page whose world never
    /// changes writes none). The failure screen gets its writer here too.
    fn writer() -> Writer {
        super::failure::can_write(scenario_json);
        Writer {
            state: SavedState::to_json,
            scenario: scenario_json,
        }
    }
);

split::part!(
    reading,
    /// How a share link is written (the share dialog brings it in).
    pub(crate) fn linker() -> ToLink {
        link::encode
    }
);

split::part!(
    reading,
    /// A saved world's text, read and replayed.
    fn restore_saved(text: String) -> Result<(SavedState, World), String> {
        SavedState::from_json(&text).and_then(replayed)
    }
);

split::part!(
    reading,
    /// A share link's world, read and replayed.
    fn restore_link(hash: String) -> Result<(SavedState, World), String> {
        link::decode(&hash).and_then(replayed)
    }
);

split::part!(
    reading,
    /// An imported file (a scenario or a whole state), read and replayed;
    /// a scenario comes with the request bar as it is (its client, if the
    /// new scenario has it) and what the reading noted.
    fn restore_import(
        text: String,
        client: String,
        method: Method,
        url: String,
    ) -> Result<(SavedState, World, Vec<String>), String> {
        install(Extras::ALL);
        import(&text).and_then(|file| match file {
            Imported::Scenario(s, notes) => {
                let client = Some(client)
                    .filter(|c| s.client(c).is_some())
                    .or_else(|| s.clients.first().map(|c| c.id.clone()))
                    .unwrap_or_default();
                let state = SavedState::new(&Journal::of_scenario(s), &client, method, &url, None);
                state.restore().map(|w| (state, w, notes))
            }
            Imported::State(s) => s.restore().map(|w| (s, w, Vec::new())),
        })
    }
);

/// What a save or a download says when the network took away the part
/// that writes a world.
const NOT_SAVED: &str =
    "Your world could not be written: a part of Hoplab could not be downloaded. \
     Check the connection; the next change tries again.";

/// Whether the page starts by reading a world (a share link in the address,
/// or a saved world under `key`): the hosted build then downloads its
/// `reading` part before showing the app.
pub fn starts_by_reading(key: &str) -> bool {
    link::is_link(&location_hash())
        || storage().is_some_and(|s| s.get_item(key).ok().flatten().is_some())
}

/// Bring the `reading` part in (a no-op but in the hosted build). Each
/// split function keeps its own "loaded" flag, so each one the page calls
/// outside an `async` block is called once here (on nothing, refused at
/// once): its first real call is then ready at once, as in every other
/// build, and the saved world is on screen when the app first shows.
pub async fn prepare_reading() {
    let _ = read_saved(String::new()).await;
    let _ = writer().await;
    let _ = restore_saved(String::new()).await;
    let _ = restore_link(String::new()).await;
    let _ = restore_import(String::new(), String::new(), Method::Get, String::new()).await;
}

/// A saved world replayed (with the engine's edits, digs and reach
/// questions: a world's actions may hold any of them).
fn replayed(state: SavedState) -> Result<(SavedState, World), String> {
    install(Extras::ALL);
    let world = state.restore()?;
    Ok((state, world))
}

/// A saved world's text, read and replayed, then `next`.
fn restore_text(text: String, next: impl FnOnce(Result<(SavedState, World), String>) + 'static) {
    split::then(restore_saved(text), move |got| next(split::flat(got)));
}

impl Saver {
    /// Create the handle, provide it, and put the saved world (if any) on
    /// screen. Call before the lessons start.
    pub fn provide(app: AppState, key: Option<String>) -> Saver {
        let saver = Saver {
            app,
            key: StoredValue::new(key),
            base: StoredValue::new(0),
            last: StoredValue::new(String::new()),
            message: RwSignal::new(None),
            other_tab: RwSignal::new(false),
            confirming: RwSignal::new(false),
            menu_button: NodeRef::new(),
            unrestored: RwSignal::new(None),
            lessons: StoredValue::new(None),
            pending: StoredValue::new(None),
            aside_pending: StoredValue::new(false),
            previous: RwSignal::new(false),
            sharing: RwSignal::new(false),
            share_button: NodeRef::new(),
        };
        provide_context(saver);
        saver.previous.set(saver.stored_aside().is_some());
        let hash = location_hash();
        if link::is_link(&hash) {
            saver.open_link(&hash);
        } else if let Some(text) = saver.stored() {
            restore_text(text.clone(), move |got| match got {
                Ok((state, world)) => saver.apply(&state, world),
                // The default world, and the saved text left as it is.
                Err(e) => {
                    saver.message.set(Some(format!(
                        "Your saved world could not be restored: {e}. This is the default world; \
                         the saved one stays in this browser until you change something."
                    )));
                    saver.unrestored.set(Some(text));
                }
            });
        }
        saver
    }

    /// Once the lessons exist: reopen the saved world's lesson (unless the
    /// page's link names one), then save after every change and listen to
    /// other tabs.
    pub fn attach(self, lessons: LessonState) {
        self.lessons.set_value(Some(lessons));
        self.reopen_lesson();
        let (app, bar) = (self.app, self.app.bar);
        Effect::new(move |first: Option<()>| {
            app.live.journal.track();
            app.live.lesson.track();
            bar.client.track();
            bar.method.track();
            bar.url.track();
            // Starting (or restoring) is not a change.
            if first.is_some() {
                self.save();
            }
        });
        if self.key.with_value(|k| k.is_some()) {
            let other = window_event_listener(leptos::ev::storage, move |ev| {
                if ev.key() != self.key.get_value() {
                    return;
                }
                // Removed (a reset elsewhere) or written over this tab's revision.
                let newer = match ev.new_value() {
                    None => true,
                    Some(t) => {
                        SavedState::revision_of(&t).is_some_and(|r| r > self.base.get_value())
                    }
                };
                if newer {
                    self.other_tab.set(true);
                }
            });
            on_cleanup(move || other.remove());
        }
        // A share link pasted into the address bar of an open page.
        let links = window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = location_hash();
            if link::is_link(&hash) {
                self.open_link(&hash);
            }
        });
        on_cleanup(move || links.remove());
    }

    fn aside_key(&self) -> Option<String> {
        self.key.get_value().map(|k| format!("{k}.before-link"))
    }

    fn stored_aside(&self) -> Option<String> {
        let key = self.aside_key()?;
        storage()?.get_item(&key).ok().flatten()
    }

    /// Open a share link: its world, saved in place of the learner's (which
    /// is copied aside first); or, for a link that cannot be read, a
    /// message, the default world, and the saved world left in place.
    fn open_link(&self, hash: &str) {
        clear_link_from_address();
        let had_saved = self.stored().is_some();
        let this = *self;
        split::then(restore_link(hash.to_string()), move |got| {
            this.link_read(split::flat(got), had_saved)
        });
    }

    /// A share link's world, read and replayed (or why not), on screen.
    fn link_read(&self, read: Result<(SavedState, World), String>, had_saved: bool) {
        match read {
            Ok((state, world)) => {
                let actions = state.steps.len();
                let name = world.scenario().name.clone();
                let lesson = state.lesson.as_ref().map(|l| l.id.clone());
                self.apply(&state, world);
                self.aside_pending.set_value(true);
                self.last.set_value(String::new());
                self.save();
                let mut m = format!(
                    "Opened a shared world: \u{201c}{name}\u{201d} with {actions} action{}",
                    if actions == 1 { "" } else { "s" }
                );
                if let Some(id) = lesson {
                    m.push_str(&format!(" and the lesson \u{201c}{id}\u{201d}"));
                }
                m.push('.');
                if self.previous.get_untracked() {
                    m.push_str(" Your own world from before the link is kept.");
                }
                self.message.set(Some(m));
            }
            Err(e) => {
                if let Some(l) = self.lessons.get_value() {
                    l.close();
                }
                self.app.replace(Journal::default(), World::default_world());
                self.app.live.lesson.set(None);
                self.aside_pending.set_value(true);
                self.previous
                    .set(had_saved || self.previous.get_untracked());
                let kept = if had_saved {
                    " Your saved world in this browser is untouched: \u{201c}Back to my previous world\u{201d} opens it."
                } else {
                    ""
                };
                self.message.set(Some(format!(
                    "This link could not be opened ({e}). This is the default world.{kept}"
                )));
            }
        }
    }

    /// Bring back the world from before a share link: the saved world a
    /// refused link left in place, or the one copied aside.
    pub fn back_to_previous(&self) {
        let (text, from_aside) = if self.aside_pending.get_value() {
            (self.stored(), false)
        } else {
            (self.stored_aside(), true)
        };
        let Some(text) = text else {
            self.previous.set(false);
            return;
        };
        let this = *self;
        restore_text(text, move |got| this.previous_read(got, from_aside));
    }

    /// The world from before a share link, read and replayed (or why not),
    /// on screen and saved.
    fn previous_read(&self, read: Result<(SavedState, World), String>, from_aside: bool) {
        match read {
            Ok((state, world)) => {
                self.aside_pending.set_value(false);
                self.apply(&state, world);
                if from_aside {
                    // Written as this tab's next revision; the copy goes.
                    let rev = self
                        .stored()
                        .as_deref()
                        .and_then(SavedState::revision_of)
                        .unwrap_or(0);
                    self.base.set_value(rev);
                    self.last.set_value(String::new());
                    self.save();
                    if let (Some(k), Some(s)) = (self.aside_key(), storage()) {
                        let _ = s.remove_item(&k);
                    }
                }
                self.previous.set(self.stored_aside().is_some());
                self.message
                    .set(Some("Your world from before the link is back.".into()));
            }
            Err(e) => self.message.set(Some(format!(
                "Your world from before the link could not be restored: {e}"
            ))),
        }
    }

    /// The link that opens this world, or why there is none.
    pub fn share_link(&self, encode: ToLink) -> Result<String, link::ShareError> {
        encode(&self.current()).map(|f| format!("{}#{f}", page_address()))
    }

    fn stored(&self) -> Option<String> {
        let key = self.key.get_value()?;
        storage()?.get_item(&key).ok().flatten()
    }

    /// What would be saved now (revision 0).
    fn current(&self) -> SavedState {
        let (live, bar) = (self.app.live, self.app.bar);
        live.journal.with_untracked(|j| {
            SavedState::new(
                j,
                &bar.client.get_untracked(),
                bar.method.get_untracked(),
                &bar.url.get_untracked(),
                live.lesson.get_untracked(),
            )
        })
    }

    /// Take `state` as what storage holds (or, after a reset, as what
    /// needs no saving).
    fn in_sync(&self, state: &SavedState) {
        self.base.set_value(state.revision);
        let plain = SavedState {
            revision: 0,
            ..state.clone()
        };
        let last = self.last;
        split::then(writer(), move |got| {
            if let Ok(w) = got {
                last.set_value((w.state)(&plain));
            }
        });
    }

    /// Save the world, unless another tab saved since this tab last read
    /// or wrote (then say so and write nothing).
    fn save(&self) {
        let this = *self;
        split::then(writer(), move |got| match got {
            Ok(w) => this.save_with(w.state),
            Err(split::PartMissing) => this.message.set(Some(NOT_SAVED.into())),
        });
    }

    /// [`Saver::save`], once the writing is in.
    fn save_with(&self, to_json: ToJson) {
        let Some(key) = self.key.get_value() else {
            return;
        };
        let mut state = self.current();
        let plain = to_json(&state);
        if self.last.with_value(|l| *l == plain) {
            return;
        }
        let Some(storage) = storage() else { return };
        let stored = storage.get_item(&key).ok().flatten();
        let stored_rev = stored
            .as_deref()
            .and_then(SavedState::revision_of)
            .unwrap_or(0);
        if self.aside_pending.get_value() {
            // After a share link: the learner's own world goes aside first,
            // and is not written over if it cannot.
            if let (Some(text), Some(aside)) = (stored.as_deref(), self.aside_key()) {
                if storage.set_item(&aside, text).is_err() {
                    self.message.set(Some(
                        "This world is not saved in this browser: your own saved world could not be \
                         copied aside, so it was kept as it is. Download the whole state to keep this one."
                            .into(),
                    ));
                    return;
                }
                self.previous.set(true);
            }
            self.aside_pending.set_value(false);
            self.base.set_value(stored_rev);
        }
        if stored_rev > self.base.get_value() {
            self.other_tab.set(true);
            return;
        }
        state.revision = stored_rev.max(self.base.get_value()) + 1;
        let text = to_json(&state);
        let (this, revision) = (*self, state.revision);
        // What the next start could not read is not written.
        split::then(read_saved(text.clone()), move |got| {
            if let Err(e) = split::flat(got) {
                this.message.set(Some(format!(
                    "Your world is no longer saved in this browser ({e}). Download the whole state to keep it."
                )));
                return;
            }
            this.write(&storage, &key, &text, revision, plain);
        });
    }

    /// Write a saved world that reads back.
    fn write(
        &self,
        storage: &web_sys::Storage,
        key: &str,
        text: &str,
        revision: u64,
        plain: String,
    ) {
        match storage.set_item(key, text) {
            Ok(()) => {
                self.base.set_value(revision);
                self.last.set_value(plain);
                self.unrestored.set(None);
            }
            Err(_) => self.message.set(Some(
                "Your world could not be saved in this browser (its storage is full or turned off). \
                 Download the whole state to keep it."
                    .into(),
            )),
        }
    }

    /// Put a saved world on screen: its sandbox world, its request bar,
    /// and its lesson (reopened once the lessons exist).
    fn apply(&self, state: &SavedState, world: World) {
        if let Some(l) = self.lessons.get_value() {
            l.close();
        }
        self.app.replace(state.journal(), world);
        let bar = self.app.bar;
        bar.client.set(state.client.clone());
        bar.method.set(state.method());
        bar.url.set(state.url.clone());
        self.app.live.lesson.set(None);
        self.in_sync(state);
        self.pending_lesson(state.lesson.clone());
    }

    fn pending_lesson(&self, lesson: Option<SavedLesson>) {
        self.pending.set_value(lesson);
        if self.lessons.with_value(|l| l.is_some()) {
            self.reopen_lesson();
        }
    }

    fn reopen_lesson(&self) {
        let Some(lessons) = self.lessons.get_value() else {
            return;
        };
        let pending = self.pending.try_update_value(|p| p.take()).flatten();
        // A lesson link wins over the saved lesson.
        if let Some(l) = pending {
            if crate::view::lesson::lesson_in_hash(&location_hash()).is_none() {
                lessons.open_saved(&l);
            }
        }
    }

    /// "Another tab changed the saved world": load that world.
    pub fn load_other_tab(&self) {
        self.other_tab.set(false);
        match self.stored() {
            None => self.to_default(),
            Some(text) => {
                let this = *self;
                restore_text(text, move |got| match got {
                    Ok((state, world)) => this.apply(&state, world),
                    Err(e) => this.message.set(Some(format!(
                        "The other tab's saved world could not be restored: {e}"
                    ))),
                });
            }
        }
    }

    /// Keep this tab's world: write it over the other tab's.
    pub fn keep_this_tab(&self) {
        self.other_tab.set(false);
        let stored_rev = self
            .stored()
            .as_deref()
            .and_then(SavedState::revision_of)
            .unwrap_or(0);
        self.base.set_value(stored_rev);
        self.last.set_value(String::new());
        self.save();
    }

    /// Close the reset dialog, focus back on the World menu.
    pub fn close_dialog(&self) {
        self.confirming.set(false);
        if let Some(b) = self.menu_button.get_untracked() {
            let _ = b.focus();
        }
    }

    /// The default world, with nothing done to it, and nothing kept.
    pub fn reset(&self) {
        self.close_dialog();
        self.message.set(None);
        self.to_default();
        if let (Some(key), Some(s)) = (self.key.get_value(), storage()) {
            let _ = s.remove_item(&key);
        }
    }

    fn to_default(&self) {
        let state = SavedState::new(
            &Journal::default(),
            DEFAULT_CLIENT,
            Method::Get,
            DEFAULT_URL,
            None,
        );
        let base = self.base.get_value();
        self.apply(
            &SavedState {
                revision: base,
                ..state
            },
            World::default_world(),
        );
    }

    /// Import a file's text: a scenario file (read as `hoplab-cli
    /// --scenario` reads it) or a whole state, told apart by content. A
    /// refused file changes nothing and says why, naming the field.
    pub fn import_text(&self, text: &str) {
        let this = *self;
        let bar = self.app.bar;
        let part = restore_import(
            text.to_string(),
            bar.client.get_untracked(),
            bar.method.get_untracked(),
            bar.url.get_untracked(),
        );
        split::then(part, move |got| this.imported(split::flat(got)));
    }

    /// An imported file, read and replayed (or why not): on screen and saved.
    fn imported(&self, read: Result<(SavedState, World, Vec<String>), String>) {
        match read {
            Ok((mut state, world, notes)) => {
                let name = world.scenario().name.clone();
                state.revision = self.base.get_value();
                self.apply(&state, world);
                // Saved as this tab's next revision.
                self.last.set_value(String::new());
                self.save();
                let mut m = format!("Imported \u{201c}{name}\u{201d}.");
                for n in notes {
                    m.push_str(&format!(" Note: {n}."));
                }
                self.message.set(Some(m));
            }
            Err(e) => self
                .message
                .set(Some(format!("The file was not imported: {e}"))),
        }
    }

    /// Import a file the learner picked or dropped.
    pub fn import_file(self, file: web_sys::File) {
        let limit = MAX_SAVED_STATE_BYTES.max(MAX_SCENARIO_BYTES);
        if file.size() > limit as f64 {
            return self.message.set(Some(format!(
                "The file was not imported: {} is larger than {limit} bytes, the most Hoplab reads.",
                crate::sim::text::clip(&file.name())
            )));
        }
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            match text.ok().and_then(|t| t.as_string()) {
                Some(t) => self.import_text(&t),
                None => self.message.set(Some(
                    "The file was not imported: it could not be read as text.".into(),
                )),
            }
        });
    }

    /// A file dropped on the page.
    pub fn drop_file(self, ev: web_sys::DragEvent) {
        let file = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|l| l.get(0));
        if let Some(f) = file {
            ev.prevent_default();
            self.import_file(f);
        }
    }

    pub fn download_scenario(&self) {
        let this = *self;
        split::then(writer(), move |got| match got {
            Ok(w) => {
                let json = this
                    .app
                    .live
                    .world
                    .with_untracked(|world| (w.scenario)(world.scenario()));
                download("hoplab-scenario.json", &json);
            }
            Err(split::PartMissing) => this.message.set(Some(NOT_SAVED.into())),
        });
    }

    pub fn download_state(&self) {
        let this = *self;
        split::then(writer(), move |got| match got {
            Ok(w) => download("hoplab-state.json", &(w.state)(&this.current())),
            Err(split::PartMissing) => this.message.set(Some(NOT_SAVED.into())),
        });
    }
}

/// The header's World menu: downloads, import, reset.
#[component]
pub fn WorldMenu() -> impl IntoView {
    let saver = expect_context::<Saver>();
    let menu = NodeRef::<leptos::html::Details>::new();
    let file = NodeRef::<leptos::html::Input>::new();
    let close = move || {
        if let Some(d) = menu.get_untracked() {
            d.set_open(false);
        }
    };
    let picked = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(f) = input.files().and_then(|l| l.get(0)) {
            saver.import_file(f);
        }
        input.set_value("");
        close();
    };
    view! {
        <details
            class=style::menu
            node_ref=menu
            data-testid="world-menu"
            on:keydown=move |ev| {
                if ev.key() == "Escape" && menu.get_untracked().is_some_and(|d| d.open()) {
                    ev.stop_propagation();
                    close();
                    if let Some(b) = saver.menu_button.get_untracked() {
                        let _ = b.focus();
                    }
                }
            }
        >
            <summary data-testid="world-menu-button" node_ref=saver.menu_button>"World"</summary>
            <div class=style::items>
                <button type="button" data-testid="download-scenario" on:click=move |_| { saver.download_scenario(); close(); }>
                    "Download scenario (JSON)"
                </button>
                <button type="button" data-testid="download-state" on:click=move |_| { saver.download_state(); close(); }>
                    "Download whole state"
                </button>
                <button
                    type="button"
                    data-testid="import-button"
                    title="a scenario file or a whole state (or drop one on the page)"
                    on:click=move |_| {
                        if let Some(f) = file.get_untracked() {
                            f.click();
                        }
                    }
                >
                    "Import…"
                </button>
                <input
                    type="file"
                    accept=".json,application/json"
                    hidden=true
                    tabindex="-1"
                    aria-hidden="true"
                    data-testid="import-file"
                    node_ref=file
                    on:change=picked
                />
                <Show when=move || saver.previous.get()>
                    <button
                        type="button"
                        data-testid="menu-back-to-previous"
                        title="the world this browser kept before you opened a share link"
                        on:click=move |_| { saver.back_to_previous(); close(); }
                    >
                        "Back to my world from before the link"
                    </button>
                </Show>
                <button type="button" data-testid="reset-world" on:click=move |_| { saver.confirming.set(true); close(); }>
                    "Reset to the default world…"
                </button>
            </div>
        </details>
    }
}

/// The saved world's messages (a `role=alert` region), the other tab's
/// note and the reset dialog.
#[component]
pub fn WorldNotes() -> impl IntoView {
    let saver = expect_context::<Saver>();
    view! {
        <div class=style::notes role="alert" data-testid="world-message">
            {move || {
                saver.message.get().map(|m| {
                    view! {
                        <p class=style::note>
                            <span data-testid="world-message-text">{m}</span>
                            <Show when=move || saver.unrestored.with(|u| u.is_some())>
                                <button
                                    type="button"
                                    data-testid="download-unrestored"
                                    on:click=move |_| {
                                        if let Some(t) = saver.unrestored.get_untracked() {
                                            download("hoplab-saved-world.json", &t);
                                        }
                                    }
                                >
                                    "Download the saved text"
                                </button>
                            </Show>
                            <Show when=move || saver.previous.get()>
                                <button type="button" data-testid="back-to-previous" on:click=move |_| saver.back_to_previous()>
                                    "Back to my previous world"
                                </button>
                            </Show>
                            <button type="button" data-testid="world-message-dismiss" on:click=move |_| saver.message.set(None)>
                                "Dismiss"
                            </button>
                        </p>
                    }
                })
            }}
        </div>
        <Show when=move || saver.other_tab.get()>
            <p class=style::note data-testid="other-tab" role="status">
                "Another tab changed the saved world."
                <button type="button" data-testid="load-other-tab" on:click=move |_| saver.load_other_tab()>
                    "Load it"
                </button>
                <button type="button" data-testid="keep-this-tab" on:click=move |_| saver.keep_this_tab()>
                    "Keep this tab's world"
                </button>
            </p>
        </Show>
        <Show when=move || saver.confirming.get()>
            <ResetDialog/>
        </Show>
    }
}

/// "Reset to the default world?" asked in the page: Cancel has focus, Tab
/// moves between the two buttons only, Escape cancels, and focus goes back
/// to the World menu.
#[component]
fn ResetDialog() -> impl IntoView {
    let saver = expect_context::<Saver>();
    let (confirm, cancel) = (
        NodeRef::<leptos::html::Button>::new(),
        NodeRef::<leptos::html::Button>::new(),
    );
    Effect::new(move |_| {
        if let Some(b) = cancel.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div class=overlay::backdrop>
            <div
                class=overlay::dialog
                role="alertdialog"
                aria-modal="true"
                aria-label="Reset to the default world?"
                data-testid="reset-dialog"
                on:keydown=move |ev| match ev.key().as_str() {
                    "Escape" => {
                        ev.stop_propagation();
                        saver.close_dialog();
                    }
                    // Focus stays in the dialog: the other button.
                    "Tab" => {
                        ev.prevent_default();
                        let on_cancel = cancel
                            .get_untracked()
                            .zip(document().active_element())
                            .is_some_and(|(c, a)| AsRef::<web_sys::Element>::as_ref(&c) == &a);
                        let next = if on_cancel { confirm } else { cancel };
                        if let Some(b) = next.get_untracked() {
                            let _ = b.focus();
                        }
                    }
                    _ => {}
                }
            >
                <h2 class=overlay::title>"Reset to the default world?"</h2>
                <p>
                    "Your edits, faults, clock, requests and any imported scenario are forgotten, \
                     here and in this browser's saved copy. Download the whole state first to keep them."
                </p>
                <div class=style::actions>
                    <button type="button" data-testid="reset-confirm" node_ref=confirm on:click=move |_| saver.reset()>
                        "Reset"
                    </button>
                    <button type="button" data-testid="reset-cancel" node_ref=cancel on:click=move |_| saver.close_dialog()>
                        "Cancel"
                    </button>
                </div>
            </div>
        </div>
    }
}
