//! The app's state, as small handles a component asks for by type with
//! [`use_handle`]: the world and its clock ([`Live`]), the request bar
//! ([`RequestBar`]), the trace and its playback ([`Player`]), the burst form
//! and report ([`BurstPanel`]) and the inspector's selection and edit errors
//! ([`Selection`]). Actions that touch several of them (Send, a burst, an
//! edit, switching the client) live on [`AppState`], from `use_app()`.
//!
//! The UI never computes a hop, a verdict or a routing choice: every
//! action is a script `Step` carried out by the engine (`Live::act`, the one
//! place the learner changes the world), which also records it in the
//! world's journal (`crate::classroom`) so the world can be saved and
//! rebuilt; the UI renders what comes back.

use leptos::prelude::*;

use crate::classroom::{Journal, SavedLesson};
use crate::sim::script::{run_step, BurstSpec, Duration, Step, StepError, StepResult};
use crate::sim::shield::Flood;
use crate::sim::trace::Hop;
use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use crate::sim::{Edit, Fault, Request, Trace, World};
use crate::view::burst::{parse_burst_count, BurstRun};
use crate::view::clock::ClockRate;
use crate::view::diff::{replay_view, DiffView};
use crate::view::playback::Playback;
pub use crate::view::request::{Method, Stale};

/// Which form an edit error belongs to, so it shows next to that form.
pub type FormKey = String;

/// What the area under the request bar shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Showing {
    /// The last request's trace, hop by hop.
    #[default]
    Trace,
    /// The burst form and the last burst's report.
    Burst,
    /// "Can A reach B?" and its answer.
    Reach,
}

impl Showing {
    pub fn key(self) -> &'static str {
        match self {
            Showing::Trace => "trace",
            Showing::Burst => "burst",
            Showing::Reach => "reach",
        }
    }
}

/// The world and its clock, and whether they changed since the last Send.
#[derive(Clone, Copy)]
pub struct Live {
    pub world: RwSignal<World>,
    /// The world changed since the last Send (and why), so the trace on
    /// screen may be stale.
    pub dirty: RwSignal<Option<Stale>>,
    /// The clock's realtime mode: running at a rate, or paused (`None`).
    pub running: RwSignal<Option<ClockRate>>,
    /// The sandbox world as its base scenario and every action taken on it.
    pub journal: RwSignal<Journal>,
    /// The open lesson and the steps done in it. While a lesson is open the
    /// world is the lesson's, and its actions are not journaled.
    pub lesson: RwSignal<Option<SavedLesson>>,
}

impl Live {
    /// Say the trace on screen may be stale, and why.
    pub fn mark(&self, change: Stale) {
        let now = Stale::after(self.dirty.get_untracked(), change);
        if self.dirty.get_untracked() != Some(now) {
            self.dirty.set(Some(now));
        }
    }

    /// Carry out one action on the world, and journal it (in the sandbox).
    /// A refused action leaves the world as it was, unjournaled, and
    /// subscribers hear of nothing.
    pub fn act(&self, step: Step) -> Result<StepResult, StepError> {
        let n = self.journal.with_untracked(|j| j.steps.len()) + 1;
        let result = self
            .world
            .try_maybe_update(|w| {
                let r = run_step(w, &step, n);
                (r.is_ok(), r)
            })
            .expect("world signal is alive");
        if result.is_ok() && self.lesson.with_untracked(|l| l.is_none()) {
            self.journal.update(|j| j.record(step));
        }
        result
    }

    pub fn set_fault(&self, fault: Fault, on: bool) {
        let step = if on {
            Step::Fault(fault)
        } else {
            Step::Repair(fault)
        };
        if self.act(step).is_ok() {
            self.mark(Stale::Edited);
        }
    }

    /// Ask CloudFront to invalidate `path` at every edge (fact sheet §5).
    /// A refused path changes nothing and says why.
    pub fn invalidate(&self, path: &str) -> Result<usize, String> {
        match self.act(Step::Invalidate(path.to_string())) {
            Ok(StepResult::Invalidated { objects, .. }) => {
                self.mark(Stale::Edited);
                Ok(objects)
            }
            Ok(_) => Ok(0),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Let `ms` of simulated time pass: caches age, health checks run, so
    /// the trace on screen is stale like after any other change.
    pub fn advance(&self, ms: u64) {
        if self.act(Step::Advance(Duration::Ms(ms))).is_ok() {
            self.mark(Stale::Clock);
        }
    }
}

super::split::part!(
    edits,
    /// The engine's edits (with every check of a changed scenario), digs
    /// and reach questions: in the hosted build, a file of their own that
    /// the inspector and the reach panel bring in before they act
    /// (`sim::script::Extras`). Send, bursts, faults and the clock need none.
    pub(crate) fn load_extras() -> () {
        crate::sim::script::install(crate::sim::script::Extras::ALL)
    }
);

/// The request bar: who sends what.
#[derive(Clone, Copy)]
pub struct RequestBar {
    pub client: RwSignal<String>,
    pub method: RwSignal<Method>,
    pub url: RwSignal<String>,
    /// DevTools' "Disable cache": Send skips the browser's HTTP cache.
    pub disable_cache: RwSignal<bool>,
}

/// The last trace, where playback is in it, and what the area under the
/// request bar shows.
#[derive(Clone, Copy)]
pub struct Player {
    pub trace: RwSignal<Option<Trace>>,
    /// The request that produced `trace`, sent again as it was by Replay
    /// (none for a trace a lesson's solution produced).
    pub request: RwSignal<Option<Request>>,
    /// The trace `trace` replaced, to compare with.
    pub previous: RwSignal<Option<Trace>>,
    /// The open "What changed" panel: `previous` against `trace`.
    pub diff: RwSignal<Option<DiffView>>,
    /// Counts sends, so trace rows of a new trace get new keys.
    pub sends: RwSignal<u32>,
    pub playback: RwSignal<Playback>,
    /// Trace or burst, under the request bar.
    pub showing: RwSignal<Showing>,
    /// The last "Can A reach B?" answer, until the world changes.
    pub reach: RwSignal<Option<crate::sim::reach::Reach>>,
}

impl Player {
    /// The hop playback is on, if any.
    pub fn current_hop(&self) -> Option<Hop> {
        let i = self.playback.with(|p| p.current())?;
        self.trace
            .with(|t| t.as_ref().and_then(|t| t.hops.get(i).cloned()))
    }

    /// The hop playback is on, as the diagram and the hop card follow it:
    /// it changes when playback moves to another hop or a new trace comes
    /// (every trace is a send of its own), and no two hops' events are
    /// compared on each step of playback.
    pub fn hop_memo(&self) -> Memo<Option<Hop>> {
        let this = *self;
        let at = Memo::new(move |_| {
            let i = this.playback.with(|p| p.current())?;
            Some((this.sends.get(), i))
        });
        Memo::new_with_compare(
            move |_| {
                // Read, not only tracked: a memo nobody reads never runs,
                // and one that never ran has no sources to change.
                let _ = at.get();
                untrack(|| this.current_hop())
            },
            |_, _| true,
        )
    }

    /// Forget the trace (it no longer matches the picture).
    pub fn clear(&self) {
        self.trace.set(None);
        self.request.set(None);
        self.previous.set(None);
        self.diff.set(None);
        self.playback.update(|p| p.clear());
    }

    /// Show a new trace from the start (playing unless `autoplay` is off),
    /// keeping the one it replaces as `previous`; the open comparison closes.
    pub fn load(&self, trace: Trace, request: Option<Request>, autoplay: bool) {
        let len = trace.hops.len();
        let old = self.trace.try_update(|t| t.replace(trace)).flatten();
        if old.is_some() {
            self.previous.set(old);
        }
        self.request.set(request);
        self.diff.set(None);
        self.sends.update(|n| *n += 1);
        self.playback.update(|p| p.load(len, autoplay));
        self.showing.set(Showing::Trace);
    }

    /// Open the "What changed" panel: the previous trace against this one.
    pub fn compare(&self) {
        let view = self.previous.with_untracked(|b| {
            self.trace
                .with_untracked(|a| Some(replay_view(b.as_ref()?, a.as_ref()?)))
        });
        self.diff.set(view);
    }
}

/// The burst form (the count as typed, the ticked client ids), why the
/// last Send burst was refused, and the last burst sent with its report.
#[derive(Clone, Copy)]
pub struct BurstPanel {
    pub count: RwSignal<String>,
    pub clients: RwSignal<Vec<String>>,
    /// Ordinary GETs (none) or a flood of a kind Shield handles (§7).
    pub flood: RwSignal<Option<Flood>>,
    pub error: RwSignal<Option<String>>,
    pub last: RwSignal<Option<BurstRun>>,
}

impl BurstPanel {
    /// Tick or untick a client in the burst form.
    pub fn tick_client(&self, id: &str, on: bool) {
        self.clients.update(|c| {
            c.retain(|x| x != id);
            if on {
                c.push(id.to_string());
            }
        });
        self.error.set(None);
    }

    /// Type a count (or pick a preset): the old refusal no longer applies.
    pub fn set_count(&self, text: String) {
        self.count.set(text);
        self.error.set(None);
    }
}

/// The component shown in the inspector, and the last refused edit.
#[derive(Clone, Copy)]
pub struct Selection {
    pub selected: RwSignal<Option<String>>,
    pub edit_error: RwSignal<Option<(FormKey, String)>>,
}

impl Selection {
    pub fn select(&self, node: &str) {
        self.edit_error.set(None);
        self.selected.set(Some(node.to_string()));
    }

    /// The error for one form, if the last refused edit came from it.
    pub fn error_for(&self, form: &str) -> Option<String> {
        self.edit_error.with(|e| {
            e.as_ref()
                .filter(|(k, _)| k == form)
                .map(|(_, m)| m.clone())
        })
    }
}

/// Every handle, for the actions that touch several of them.
#[derive(Clone, Copy)]
pub struct AppState {
    pub live: Live,
    pub bar: RequestBar,
    pub player: Player,
    pub burst: BurstPanel,
    pub selection: Selection,
    /// The learner asked for reduced motion: the packet jumps, nothing autoplays.
    pub reduced_motion: bool,
}

pub fn prefers_reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

impl AppState {
    pub fn new() -> Self {
        let world = World::default_world();
        let clients = world
            .scenario()
            .clients
            .iter()
            .map(|c| c.id.clone())
            .collect();
        AppState {
            live: Live {
                world: RwSignal::new(world),
                dirty: RwSignal::new(None),
                running: RwSignal::new(None),
                journal: RwSignal::new(Journal::default()),
                lesson: RwSignal::new(None),
            },
            bar: RequestBar {
                client: RwSignal::new(DEFAULT_CLIENT.to_string()),
                method: RwSignal::new(Method::Get),
                url: RwSignal::new(DEFAULT_URL.to_string()),
                disable_cache: RwSignal::new(false),
            },
            player: Player {
                trace: RwSignal::new(None),
                request: RwSignal::new(None),
                previous: RwSignal::new(None),
                diff: RwSignal::new(None),
                sends: RwSignal::new(0),
                playback: RwSignal::new(Playback::default()),
                showing: RwSignal::new(Showing::Trace),
                reach: RwSignal::new(None),
            },
            burst: BurstPanel {
                count: RwSignal::new("1000".to_string()),
                clients: RwSignal::new(clients),
                flood: RwSignal::new(None),
                error: RwSignal::new(None),
                last: RwSignal::new(None),
            },
            selection: Selection {
                selected: RwSignal::new(None),
                edit_error: RwSignal::new(None),
            },
            reduced_motion: prefers_reduced_motion(),
        }
    }

    /// Make the app and each handle available to the components below.
    pub fn provide(self) {
        provide_context(self);
        provide_context(self.live);
        provide_context(self.bar);
        provide_context(self.player);
        provide_context(self.burst);
        provide_context(self.selection);
    }

    /// Send the request in the request bar and start playing its trace.
    pub fn send(&self) {
        let bar = self.bar;
        let mut req = bar
            .method
            .get_untracked()
            .request(&bar.client.get_untracked(), bar.url.get_untracked().trim());
        if bar.disable_cache.get_untracked() {
            req = req.no_store();
        }
        self.send_request(req);
    }

    /// Send `req` on the live world (a journaled step) and start playing
    /// its trace. A refused request changes nothing.
    fn send_request(&self, req: Request) -> bool {
        let Ok(StepResult::Trace { trace, .. }) = self.live.act(Step::Request(req.clone().into()))
        else {
            return false;
        };
        self.player.load(*trace, Some(req), !self.reduced_motion);
        self.live.dirty.set(None);
        true
    }

    /// Send the request of the trace on screen again, exactly as it was
    /// (client, method, URL, cache mode), and open "What changed" on the
    /// two traces. Nothing happens when no request produced the trace.
    pub fn replay(&self) {
        let Some(req) = self.player.request.get_untracked() else {
            return;
        };
        if self.send_request(req) {
            self.player.compare();
        }
    }

    /// Send the burst form's requests (GETs of the request bar's URL) on the
    /// live world: WAF rate counters, caches and round-robin positions move,
    /// as they would in AWS. Bad input is refused with a message and
    /// changes nothing.
    pub fn send_burst(&self) {
        let b = self.burst;
        let count = match parse_burst_count(&b.count.get_untracked()) {
            Ok(n) => n,
            Err(e) => return b.error.set(Some(e)),
        };
        let ticked = b.clients.get_untracked();
        let clients: Vec<String> = self.live.world.with_untracked(|w| {
            w.scenario()
                .clients
                .iter()
                .filter(|c| ticked.contains(&c.id))
                .map(|c| c.id.clone())
                .collect()
        });
        if clients.is_empty() {
            return b
                .error
                .set(Some("Tick at least one client to send from.".into()));
        }
        let url = self.bar.url.get_untracked().trim().to_string();
        // A refusal from the engine leaves the world exactly as it was.
        let spec = BurstSpec {
            count,
            clients: clients.clone(),
            url: url.clone(),
            flood: b.flood.get_untracked(),
        };
        let spec_flood = spec.flood;
        match self.live.act(Step::Burst(spec)) {
            Ok(StepResult::Burst {
                report,
                clock_ms: at_ms,
                ..
            }) => {
                let number = b
                    .last
                    .with_untracked(|l| l.as_ref().map_or(0, |l| l.number))
                    + 1;
                b.last.set(Some(BurstRun {
                    number,
                    count,
                    clients,
                    url,
                    at_ms,
                    report,
                }));
                b.error.set(None);
                // A layer 3/4 flood stops at Shield: nothing in the world moved.
                if !spec_flood.is_some_and(|f| f.is_network()) {
                    self.live.mark(Stale::Burst);
                }
            }
            Ok(_) => {}
            Err(e) => b.error.set(Some(e.to_string())),
        }
    }

    /// Once, while the learner reads the page: run a throwaway burst on a
    /// copy of the world so the browser's optimizing compiler has seen the
    /// engine before the first real burst. The world does not change.
    pub fn warm_up(&self) {
        if self.burst.last.with_untracked(|b| b.is_some()) {
            return; // a real burst already did the job
        }
        let _ = self.live.world.try_with_untracked(|w| w.warm_up());
    }

    /// Switch the client. The old trace belonged to another browser, so it goes.
    pub fn set_client(&self, id: String) {
        if self.bar.client.get_untracked() == id {
            return;
        }
        self.bar.client.set(id);
        self.player.clear();
    }

    /// Put another world on screen (restored, imported, reset, or loaded
    /// from another tab's save) with its journal: the trace, the burst
    /// report and the selection belonged to the old one.
    pub fn replace(&self, journal: Journal, world: World) {
        let clients: Vec<String> = world
            .scenario()
            .clients
            .iter()
            .map(|c| c.id.clone())
            .collect();
        if !clients.contains(&self.bar.client.get_untracked()) {
            if let Some(first) = clients.first() {
                self.bar.client.set(first.clone());
            }
        }
        self.live.running.set(None);
        self.live.world.set(world);
        self.live.journal.set(journal);
        self.live.dirty.set(None);
        self.player.clear();
        self.player.showing.set(Showing::Trace);
        self.burst.last.set(None);
        self.burst.error.set(None);
        self.burst.clients.set(clients);
        self.selection.selected.set(None);
        self.selection.edit_error.set(None);
    }

    /// Validate and apply an edit. A refused edit leaves the world as it was
    /// and shows its reason next to the form it came from.
    pub fn edit(&self, form: &str, edit: Edit) -> bool {
        match self.live.act(Step::Edit(edit)) {
            Ok(_) => {
                self.selection.edit_error.set(None);
                self.live.mark(Stale::Edited);
                true
            }
            Err(e) => {
                self.selection
                    .edit_error
                    .set(Some((form.to_string(), e.to_string())));
                false
            }
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// The app, for actions that touch several handles.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// One handle: `use_handle::<Live>()`, `use_handle::<Player>()`, ...
pub fn use_handle<T: Clone + 'static>() -> T {
    expect_context::<T>()
}
