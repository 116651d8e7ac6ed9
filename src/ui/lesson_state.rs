//! The lesson the learner has open, as one handle (`LessonState`, from
//! `use_lessons()`): the lesson list, the `Session` (the engine's record of
//! the learner's progress through one lesson), what the panel shows (picked
//! prediction, hints revealed), the picker, and the progress kept in the
//! browser's localStorage.
//!
//! Lessons are not in the first download: the list (`lessons/index.json`)
//! is fetched from the same origin the first time the learner asks for
//! lessons, and each lesson (`lessons/<id>.json`) when it opens
//! (`LessonSource::Fetch`). The browser tests use the lessons built into
//! the program instead (`LessonSource::BuiltIn`).
//!
//! While a lesson is open the app's world IS the lesson's world: Send,
//! edits, faults, the clock and bursts act on `Live::world` as always, and
//! effects here copy each change into the session and record each new
//! trace and burst report there, so its goals are re-evaluated after every
//! action. The UI never decides whether a goal holds: `Session::goals` does.

use leptos::prelude::*;

use super::split;
use super::state::{AppState, Showing};
use crate::classroom::SavedLesson;
use crate::lesson::{BundleIndex, Control, Lesson, LessonCard, LessonFile, Session};
use crate::sim::script::Step;
use crate::sim::{Fault, World};
use crate::view::burst::BurstRun;
use crate::view::lesson::{lesson_hash, lesson_in_hash, unknown_lesson, Progress, PROGRESS_KEY};

/// Where the app gets its lessons.
#[derive(Clone, Copy)]
pub enum LessonSource {
    /// Download them from the same origin, under this folder (relative to
    /// the page): `index.json`, then `<id>.json` when a lesson opens.
    Fetch(&'static str),
    /// The lessons built into the program (`lesson::catalog`), through
    /// these functions (given by `ui::mount_to` only, so the page's own
    /// build holds no lesson text and no TOML reader).
    BuiltIn {
        index: fn() -> BundleIndex,
        lesson: fn(&str) -> Option<LessonFile>,
    },
}

#[derive(Clone, Copy)]
pub struct LessonState {
    /// The lesson list in teaching order (the picker's), once loaded.
    pub cards: RwSignal<Option<Vec<LessonCard>>>,
    /// Lesson files that did not read (a message each), shown in the picker.
    pub broken: RwSignal<Vec<String>>,
    /// A download under way ("Loading lessons…").
    pub loading: RwSignal<bool>,
    /// Lessons already downloaded and read (with their text as blocks).
    loaded: StoredValue<Vec<LessonFile>>,
    source: LessonSource,
    /// The open lesson's session, `None` in the sandbox.
    pub session: RwSignal<Option<Session>>,
    /// The open lesson's index in `lessons`.
    pub open: RwSignal<Option<usize>>,
    /// The lesson list is showing.
    pub picker: RwSignal<bool>,
    /// A message over the lesson list (an unknown lesson link, a lesson that
    /// would not start).
    pub notice: RwSignal<Option<String>>,
    /// The learner's prediction for the current step.
    pub picked: RwSignal<Option<String>>,
    /// The engine's answer to the current step's question, computed as the
    /// step starts.
    pub answer: RwSignal<Option<String>>,
    /// How many hints of the current step are showing.
    pub hints: RwSignal<usize>,
    /// Why "Show solution" did not work, if it did not.
    pub error: RwSignal<Option<String>>,
    /// Steps done per lesson, kept in localStorage.
    pub progress: RwSignal<Progress>,
    /// How many steps were replayed when the lesson opened where the learner
    /// left it (0: it opened at its first step).
    pub resumed: RwSignal<usize>,
    /// Faults the setup injected that the lesson hides (a challenge's cause).
    pub hidden_faults: RwSignal<Vec<Fault>>,
    /// The sandbox world, kept while a lesson is open.
    sandbox: StoredValue<Option<World>>,
    /// The last Send and burst already recorded into the session.
    recorded_send: StoredValue<u32>,
    recorded_burst: StoredValue<u32>,
    app: AppState,
}

pub(super) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load_progress() -> Progress {
    storage()
        .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
        .map(|t| Progress::from_json(&t))
        .unwrap_or_default()
}

fn save_progress(p: &Progress) {
    if let Some(s) = storage() {
        let _ = s.set_item(PROGRESS_KEY, &p.to_json());
    }
}

pub(super) fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn set_location_hash(hash: &str) {
    if location_hash() == hash {
        return;
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

split::part!(
    reading,
    /// The lesson list as downloaded (the hosted build's `reading` part, with
    /// the other deserializers).
    fn read_index(text: String) -> Result<BundleIndex, String> {
        BundleIndex::from_json(&text)
    }
);

split::part!(
    reading,
    /// A lesson as downloaded. A lesson's world runs its solutions' steps,
    /// which may edit it: the engine's edits come with the lesson.
    fn read_lesson(text: String) -> Result<LessonFile, String> {
        crate::sim::script::install(crate::sim::script::Extras::ALL);
        crate::lesson::goal::install_checks();
        LessonFile::from_json(&text).map_err(|e| e.to_string())
    }
);

/// Download a text file from the page's own origin.
async fn fetch_text(url: String) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let offline = || format!("{url} could not be downloaded (is the site reachable?)");
    let window = web_sys::window().ok_or_else(offline)?;
    let resp = JsFuture::from(window.fetch_with_str(&url))
        .await
        .map_err(|_| offline())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| offline())?;
    if !resp.ok() {
        return Err(format!(
            "{url} could not be downloaded (HTTP {})",
            resp.status()
        ));
    }
    let text = JsFuture::from(resp.text().map_err(|_| offline())?)
        .await
        .map_err(|_| offline())?;
    text.as_string().ok_or_else(offline)
}

/// Download a file, then read it with one of the `reading` part's readers.
async fn fetch_and_read<T, Read>(
    url: String,
    read: impl FnOnce(String) -> Read,
) -> Result<T, String>
where
    Read: std::future::Future<Output = Result<Result<T, String>, split::PartMissing>>,
{
    let text = fetch_text(url).await?;
    split::flat(read(text).await)
}

/// Where a lesson opens.
#[derive(Clone, Copy)]
enum At {
    /// Where the learner left it (the first step not done).
    Progress,
    /// At its first step.
    First,
    /// After this many steps (a saved world's lesson).
    Step(usize),
}

fn control_key(c: Control) -> &'static str {
    match c {
        Control::Burst => "burst",
        Control::Edit => "edit",
        Control::Faults => "faults",
        Control::Clock => "clock",
        Control::Method => "method",
        Control::Client => "client",
    }
}

impl LessonState {
    /// Create the lesson handle, provide it, wire it to the app's signals,
    /// and open the lesson the page's link names (`#lesson=<id>`).
    pub fn provide(app: AppState, source: LessonSource) -> LessonState {
        let state = LessonState {
            cards: RwSignal::new(None),
            broken: RwSignal::new(Vec::new()),
            loading: RwSignal::new(false),
            loaded: StoredValue::new(Vec::new()),
            source,
            session: RwSignal::new(None),
            open: RwSignal::new(None),
            picker: RwSignal::new(false),
            notice: RwSignal::new(None),
            picked: RwSignal::new(None),
            answer: RwSignal::new(None),
            hints: RwSignal::new(0),
            error: RwSignal::new(None),
            progress: RwSignal::new(load_progress()),
            resumed: RwSignal::new(0),
            hidden_faults: RwSignal::new(Vec::new()),
            sandbox: StoredValue::new(None),
            recorded_send: StoredValue::new(app.player.sends.get_untracked()),
            recorded_burst: StoredValue::new(0),
            app,
        };
        provide_context(state);
        state.wire();
        state.follow_hash(&location_hash());
        let hashes = window_event_listener(leptos::ev::hashchange, move |_| {
            state.follow_hash(&location_hash())
        });
        on_cleanup(move || hashes.remove());
        state
    }

    fn wire(self) {
        let app = self.app;
        // Every change to the app's world (Send, edit, fault, clock, burst)
        // becomes the session's world.
        Effect::new(move |_| {
            app.live.world.with(|w| {
                if self.session.with_untracked(|s| s.is_some()) {
                    let w = w.clone();
                    self.session.update(|s| {
                        if let Some(s) = s {
                            *s.world_mut() = w;
                        }
                    });
                }
            });
        });
        // Each new Send's trace is recorded.
        Effect::new(move |_| {
            let n = app.player.sends.get();
            if n == self.recorded_send.get_value() {
                return;
            }
            self.recorded_send.set_value(n);
            if let Some(t) = app.player.trace.get_untracked() {
                self.session.update(|s| {
                    if let Some(s) = s {
                        s.record_trace(t);
                    }
                });
            }
        });
        // Each new burst's report is recorded.
        Effect::new(move |_| {
            let run = app.burst.last.with(|b| b.as_ref().map(|b| b.number));
            let Some(n) = run else { return };
            if n == self.recorded_burst.get_value() {
                return;
            }
            self.recorded_burst.set_value(n);
            if let Some(report) = app
                .burst
                .last
                .with_untracked(|b| b.as_ref().map(|b| b.report.clone()))
            {
                self.session.update(|s| {
                    if let Some(s) = s {
                        s.record_burst(report);
                    }
                });
            }
        });
        // The open lesson and how far the learner got, for the saved world.
        Effect::new(move |_| {
            let step = self.session.with(|s| s.as_ref().map(|s| s.step()));
            self.open.track();
            let now = match (self.open_id_untracked(), step) {
                (Some(id), Some(steps_done)) => Some(SavedLesson { id, steps_done }),
                _ => None,
            };
            if app.live.lesson.with_untracked(|l| *l != now) {
                app.live.lesson.set(now);
            }
        });
        // The list downloads the first time the picker opens.
        Effect::new(move |_| {
            if self.picker.get() {
                self.load_list();
            }
        });
        // A step whose goals are met counts as done, across reloads.
        Effect::new(move |_| {
            let done = self
                .session
                .with(|s| s.as_ref().filter(|s| s.step_done()).map(|s| s.step()));
            let (Some(step), Some(id)) = (done, self.open_id_untracked()) else {
                return;
            };
            let news = self
                .progress
                .try_update(|p| p.mark(&id, step))
                .unwrap_or(false);
            if news {
                self.progress.with_untracked(save_progress);
            }
        });
    }

    fn open_id_untracked(&self) -> Option<String> {
        let i = self.open.get_untracked()?;
        self.cards
            .with_untracked(|c| c.as_ref()?.get(i).map(|l| l.id.clone()))
    }

    /// Run `then` once the lesson list is loaded (at once when it is; after
    /// the download otherwise). A list that cannot be loaded says why over
    /// the picker.
    fn with_cards(self, then: impl FnOnce(LessonState) + 'static) {
        if self.cards.with_untracked(|c| c.is_some()) {
            return then(self);
        }
        match self.source {
            LessonSource::BuiltIn { index, .. } => {
                let index = index();
                self.broken.set(index.broken);
                self.cards.set(Some(index.lessons));
                then(self)
            }
            LessonSource::Fetch(base) => {
                if self.loading.get_untracked() {
                    return;
                }
                self.loading.set(true);
                leptos::task::spawn_local(async move {
                    let got = fetch_and_read(format!("{base}index.json"), read_index).await;
                    self.loading.set(false);
                    match got {
                        Ok(index) => {
                            self.broken.set(index.broken);
                            self.cards.set(Some(index.lessons));
                            then(self)
                        }
                        Err(e) => {
                            self.notice
                                .set(Some(format!("The lessons could not be loaded: {e}")));
                            self.picker.set(true);
                        }
                    }
                });
            }
        }
    }

    /// Run `then` with lesson `id` read (downloaded first if need be).
    fn with_lesson(self, id: String, then: impl FnOnce(LessonState, Lesson) + 'static) {
        if let Some(l) = self.loaded.with_value(|all| {
            all.iter()
                .find(|f| f.lesson.id == id)
                .map(|f| f.lesson.clone())
        }) {
            return then(self, l);
        }
        let name = id.clone();
        let fail = move |e: String| {
            self.notice.set(Some(format!(
                "The lesson \u{201c}{name}\u{201d} could not be loaded: {e}"
            )));
            self.picker.set(true);
        };
        let keep = move |f: LessonFile| {
            let l = f.lesson.clone();
            self.loaded.update_value(|all| all.push(f));
            then(self, l)
        };
        match self.source {
            LessonSource::BuiltIn { lesson, .. } => match lesson(&id) {
                Some(l) => keep(l),
                None => fail("it is not built in".into()),
            },
            LessonSource::Fetch(base) => {
                self.loading.set(true);
                let url = format!("{base}{id}.json");
                leptos::task::spawn_local(async move {
                    let got = fetch_and_read(url, read_lesson).await;
                    self.loading.set(false);
                    match got {
                        Ok(l) => keep(l),
                        Err(e) => fail(e),
                    }
                });
            }
        }
    }

    /// Load the lesson list if it is not yet (the picker opening).
    pub fn load_list(&self) {
        self.with_cards(|_| {});
    }

    /// Open what a location hash names: a lesson, or the list with a
    /// message when no lesson has that id. Other hashes change nothing.
    pub fn follow_hash(&self, hash: &str) {
        let Some(id) = lesson_in_hash(hash) else {
            return;
        };
        if self.open_id_untracked().as_deref() == Some(id.as_str()) {
            return;
        }
        self.open_lesson(&id);
    }

    /// The index of a lesson in the picker's order.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.cards
            .with_untracked(|c| c.as_ref()?.iter().position(|l| l.id == id))
    }

    /// The open lesson, if any.
    pub fn lesson(&self) -> Option<Lesson> {
        self.open.track();
        self.lesson_untracked()
    }

    /// Open lesson `id` where the learner left it (the first step not
    /// done, the solutions of the steps before replayed), its world in
    /// place of the sandbox's.
    pub fn open_lesson(&self, id: &str) {
        self.open_at(id, At::Progress)
    }

    /// Open a saved world's lesson after the steps it had done.
    pub fn open_saved(&self, saved: &SavedLesson) {
        self.open_at(&saved.id, At::Step(saved.steps_done))
    }

    fn open_at(&self, id: &str, at: At) {
        let id = id.to_string();
        self.with_cards(move |s| {
            let Some(index) = s.index_of(&id) else {
                s.notice.set(Some(unknown_lesson(&id)));
                s.picker.set(true);
                return;
            };
            s.with_lesson(id.clone(), move |s, lesson| s.start(index, &id, lesson, at));
        });
    }

    /// Start a lesson that is read: its session, its world on screen.
    fn start(&self, index: usize, id: &str, lesson: Lesson, at: At) {
        let at = match at {
            At::Progress => self
                .progress
                .with_untracked(|p| p.resume_at(id, lesson.steps.len())),
            At::First => 0,
            At::Step(n) => n,
        };
        let session = match Session::resume(&lesson, at) {
            Ok(s) => s,
            Err(e) => {
                self.notice.set(Some(format!(
                    "The lesson \u{201c}{id}\u{201d} could not start: {e}"
                )));
                self.picker.set(true);
                return;
            }
        };
        if self.open.get_untracked().is_none() {
            let sandbox = self.app.live.world.get_untracked();
            self.sandbox.set_value(Some(sandbox));
        }
        let world = session.world().clone();
        let hidden = if lesson.hide_faults {
            world.faults().iter().cloned().collect()
        } else {
            Vec::new()
        };
        self.hidden_faults.set(hidden);
        self.resumed.set(session.step());
        self.session.set(Some(session));
        self.open.set(Some(index));
        self.show_world(world);
        self.clear_results();
        self.step_started();
        self.notice.set(None);
        self.picker.set(false);
        set_location_hash(&lesson_hash(id));
    }

    /// Back to the sandbox: the world the learner had before the lesson.
    pub fn close(&self) {
        if self.open.get_untracked().is_none() {
            self.picker.set(false);
            return;
        }
        self.session.set(None);
        self.open.set(None);
        self.hidden_faults.set(Vec::new());
        let world = self
            .sandbox
            .try_update_value(|s| s.take())
            .flatten()
            .unwrap_or_else(World::default_world);
        self.show_world(world);
        self.clear_results();
        self.picker.set(false);
        self.notice.set(None);
        set_location_hash("");
    }

    /// Start the open lesson again from its setup, at its first step.
    pub fn reset(&self) {
        if let Some(id) = self.open_id_untracked() {
            // Re-opening keeps the sandbox saved when the lesson was first opened.
            self.open.set(None);
            let saved = self.sandbox.get_value();
            self.open_at(&id, At::First);
            self.sandbox.set_value(saved);
        }
    }

    /// Move on to the next step (only once the current one is done).
    pub fn next_step(&self) {
        let moved = self
            .session
            .try_update(|s| s.as_mut().is_some_and(|s| s.next_step()))
            .unwrap_or(false);
        if moved {
            self.step_started();
        }
    }

    /// The lesson after the open one in the picker's order.
    pub fn next_lesson_id(&self) -> Option<String> {
        let i = self.open.get()?;
        self.cards
            .with(|c| c.as_ref()?.get(i + 1).map(|l| l.id.clone()))
    }

    pub fn show_hint(&self) {
        self.hints.update(|h| *h += 1);
    }

    /// Apply the current step's solution on the lesson's world; the diagram
    /// and the trace follow.
    pub fn show_solution(&self) {
        let result = self
            .session
            .try_update(|s| match s {
                Some(s) => s.run_solution_step().map(|_| {
                    (
                        s.world().clone(),
                        s.last_trace().cloned(),
                        s.last_burst().cloned(),
                    )
                }),
                None => Err("no lesson is open".into()),
            })
            .unwrap_or_else(|| Err("no lesson is open".into()));
        match result {
            Ok((world, trace, burst)) => {
                self.error.set(None);
                self.show_world(world);
                let app = self.app;
                if let Some(report) = burst {
                    let spec = self.solution_burst();
                    let number = app
                        .burst
                        .last
                        .with_untracked(|l| l.as_ref().map_or(0, |l| l.number))
                        + 1;
                    self.recorded_burst.set_value(number);
                    let at_ms = app.live.world.with_untracked(|w| w.now_ms());
                    app.burst.last.set(Some(BurstRun {
                        number,
                        count: spec.as_ref().map_or(report.requests, |s| s.0),
                        clients: spec.as_ref().map(|s| s.1.clone()).unwrap_or_default(),
                        url: spec.map(|s| s.2).unwrap_or_default(),
                        at_ms,
                        report,
                    }));
                }
                match trace {
                    Some(t) => {
                        self.recorded_send
                            .set_value(app.player.sends.get_untracked() + 1);
                        app.player.load(t, None, !app.reduced_motion);
                        app.live.dirty.set(None);
                    }
                    None => app.player.clear(),
                }
            }
            Err(e) => self.error.set(Some(e)),
        }
    }

    /// The last burst of the step the solution just ran, as (count, clients, url).
    fn solution_burst(&self) -> Option<(usize, Vec<String>, String)> {
        let lesson = self.lesson_untracked()?;
        let step = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.step()))?;
        lesson
            .steps
            .get(step)?
            .solution
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Burst(b) => Some((b.count, b.clients.clone(), b.url.clone())),
                _ => None,
            })
    }

    /// The open lesson, read without subscribing.
    pub fn lesson_untracked(&self) -> Option<Lesson> {
        let id = self.open_id_untracked()?;
        self.loaded.with_value(|all| {
            all.iter()
                .find(|f| f.lesson.id == id)
                .map(|f| f.lesson.clone())
        })
    }

    /// One of the open lesson's texts as blocks (made when the bundle was
    /// written; plain paragraphs if it has none).
    pub fn blocks(&self, text: &str) -> Vec<crate::view::lesson::Block> {
        let id = self.open_id_untracked();
        self.loaded.with_value(|all| {
            all.iter()
                .find(|f| Some(&f.lesson.id) == id.as_ref())
                .map(|f| f.blocks(text))
                .unwrap_or_else(|| crate::view::lesson::plain_blocks(text))
        })
    }

    fn show_world(&self, world: World) {
        self.app.live.world.set(world);
        self.app.live.dirty.set(None);
    }

    fn clear_results(&self) {
        let app = self.app;
        app.player.clear();
        app.burst.last.set(None);
        app.burst.error.set(None);
        app.player.showing.set(Showing::Trace);
        self.recorded_burst.set_value(0);
        self.error.set(None);
    }

    /// A new step: no prediction yet, no hints, the question's answer
    /// computed on the world as it is now.
    fn step_started(&self) {
        self.picked.set(None);
        self.hints.set(0);
        self.error.set(None);
        let answer = self
            .session
            .with_untracked(|s| s.as_ref().and_then(|s| s.predict_answer()));
        self.answer.set(answer);
    }

    /// The `data-lesson-hide` attribute: the controls the open lesson hides.
    pub fn hidden_controls(&self) -> String {
        self.lesson()
            .map(|l| {
                l.hide_controls
                    .iter()
                    .map(|c| control_key(*c))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }

    /// Whether the header should leave out this fault (a challenge's hidden cause).
    pub fn hides_fault(&self, f: &Fault) -> bool {
        self.hidden_faults.with(|h| h.contains(f))
    }
}

pub fn use_lessons() -> LessonState {
    expect_context::<LessonState>()
}
