//! The app's state: the world and the last trace in signals, plus what the
//! learner has selected. Components get it with `use_app()`.
//!
//! The UI never computes a hop, a verdict or a routing choice: it calls
//! `World::send`, `World::apply_edit`, `World::set_fault` and
//! `World::advance`, and renders what comes back.

use leptos::prelude::*;

use crate::playback::Playback;
use crate::sim::edit::EditError;
use crate::sim::trace::Hop;
use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use crate::sim::{Edit, Fault, Request, Trace, World};

/// Which form an edit error belongs to, so it shows next to that form.
pub type FormKey = String;

/// The form body a POST from the request bar carries: booking a slot makes
/// the pod write to RDS and text a confirmation through the NAT gateway.
pub const POST_BODY: &str = "patient=ann&slot=10:30";

/// The request bar's method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    #[default]
    Get,
    Post,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::Get, Method::Post];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == key)
    }

    /// The request this method sends from `client` to `url`.
    pub fn request(self, client: &str, url: &str) -> Request {
        let get = Request::get(client, url);
        match self {
            Method::Get => get,
            Method::Post => Request {
                method: "POST".into(),
                body: POST_BODY.into(),
                ..get
            },
        }
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub world: RwSignal<World>,
    pub trace: RwSignal<Option<Trace>>,
    /// Counts sends, so trace rows of a new trace get new keys.
    pub sends: RwSignal<u32>,
    pub playback: RwSignal<Playback>,
    pub client: RwSignal<String>,
    pub method: RwSignal<Method>,
    pub url: RwSignal<String>,
    /// The component shown in the inspector.
    pub selected: RwSignal<Option<String>>,
    /// The configuration or faults changed since the last Send.
    pub dirty: RwSignal<bool>,
    pub edit_error: RwSignal<Option<(FormKey, String)>>,
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
        AppState {
            world: RwSignal::new(World::default_world()),
            trace: RwSignal::new(None),
            sends: RwSignal::new(0),
            playback: RwSignal::new(Playback::default()),
            client: RwSignal::new(DEFAULT_CLIENT.to_string()),
            method: RwSignal::new(Method::Get),
            url: RwSignal::new(DEFAULT_URL.to_string()),
            selected: RwSignal::new(None),
            dirty: RwSignal::new(false),
            edit_error: RwSignal::new(None),
            reduced_motion: prefers_reduced_motion(),
        }
    }

    /// Send the request in the request bar and start playing its trace.
    pub fn send(&self) {
        let req = self.method.get_untracked().request(
            &self.client.get_untracked(),
            self.url.get_untracked().trim(),
        );
        let trace = self
            .world
            .try_update(|w| w.send(&req))
            .expect("world signal is alive");
        let len = trace.hops.len();
        self.trace.set(Some(trace));
        self.sends.update(|n| *n += 1);
        let autoplay = !self.reduced_motion;
        self.playback.update(|p| p.load(len, autoplay));
        self.dirty.set(false);
    }

    /// Switch the client. The old trace belonged to another browser, so it goes.
    pub fn set_client(&self, id: String) {
        if self.client.get_untracked() == id {
            return;
        }
        self.client.set(id);
        self.trace.set(None);
        self.playback.update(|p| p.clear());
    }

    /// Validate and apply an edit. A refused edit leaves the world as it was
    /// and shows its reason next to the form it came from.
    pub fn edit(&self, form: &str, edit: Edit) -> bool {
        let result: Result<World, EditError> = self.world.with_untracked(|w| {
            let mut next = w.clone();
            next.apply_edit(&edit).map(|_| next)
        });
        match result {
            Ok(next) => {
                self.world.set(next);
                self.edit_error.set(None);
                self.dirty.set(true);
                true
            }
            Err(e) => {
                self.edit_error.set(Some((form.to_string(), e.0)));
                false
            }
        }
    }

    pub fn set_fault(&self, fault: Fault, on: bool) {
        self.world.update(|w| w.set_fault(fault, on));
        self.dirty.set(true);
    }

    pub fn advance(&self, ms: u64) {
        self.world.update(|w| w.advance(ms));
    }

    pub fn select(&self, node: &str) {
        self.edit_error.set(None);
        self.selected.set(Some(node.to_string()));
    }

    /// The hop playback is on, if any.
    pub fn current_hop(&self) -> Option<Hop> {
        let i = self.playback.with(|p| p.current())?;
        self.trace
            .with(|t| t.as_ref().and_then(|t| t.hops.get(i).cloned()))
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

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
