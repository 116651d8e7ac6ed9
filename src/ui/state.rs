//! The app's state: the world and the last trace in signals, plus what the
//! learner has selected. Components get it with `use_app()`.
//!
//! The UI never computes a hop, a verdict or a routing choice: it calls
//! `World::send`, `World::burst_get`, `World::apply_edit`,
//! `World::set_fault` and `World::advance`, and renders what comes back.

use leptos::prelude::*;

use crate::sim::edit::EditError;
use crate::sim::trace::Hop;
use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use crate::sim::{Edit, Fault, Request, Trace, World};
use crate::view::burst::{parse_burst_count, BurstRun};
use crate::view::playback::Playback;

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
    Head,
    Options,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Head,
        Method::Options,
        Method::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Delete => "DELETE",
        }
    }

    /// What choosing this method shows, for the selector's tooltip.
    pub fn hint(self) -> String {
        match self {
            Method::Get => "GET: read the appointments (the pod queries RDS)".into(),
            Method::Post => format!("POST with the form body {POST_BODY}: the pod writes to RDS and texts a confirmation through the NAT gateway"),
            Method::Head => "HEAD: a GET without the body; CloudFront caches it like a GET".into(),
            Method::Options => "OPTIONS: ask what the API accepts (the pod answers 204); static files refuse it at CloudFront".into(),
            Method::Delete => "DELETE: CloudFront passes it on, and the application answers 405 itself".into(),
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
            other => Request {
                method: other.as_str().into(),
                ..get
            },
        }
    }
}

/// What the area under the request bar shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Showing {
    /// The last request's trace, hop by hop.
    #[default]
    Trace,
    /// The burst form and the last burst's report.
    Burst,
}

impl Showing {
    pub fn key(self) -> &'static str {
        match self {
            Showing::Trace => "trace",
            Showing::Burst => "burst",
        }
    }
}

/// Why the trace on screen may no longer be what Send would show now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// The configuration or the faults changed.
    Edited,
    /// A burst moved WAF rate counters, caches and round-robin positions.
    Burst,
}

impl Stale {
    pub fn note(self) -> &'static str {
        match self {
            Stale::Edited => "edited — press Send to replay",
            Stale::Burst => "a burst changed live state — press Send to replay",
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
    /// DevTools' "Disable cache": Send skips the browser's HTTP cache.
    pub disable_cache: RwSignal<bool>,
    /// Trace or burst, under the request bar.
    pub showing: RwSignal<Showing>,
    /// The component shown in the inspector.
    pub selected: RwSignal<Option<String>>,
    /// The world changed since the last Send (and why), so the trace on
    /// screen may be stale.
    pub dirty: RwSignal<Option<Stale>>,
    pub edit_error: RwSignal<Option<(FormKey, String)>>,
    /// The burst form: the count as typed, and the ticked client ids.
    pub burst_count: RwSignal<String>,
    pub burst_clients: RwSignal<Vec<String>>,
    /// Why the last Send burst was refused, if it was.
    pub burst_error: RwSignal<Option<String>>,
    /// The last burst sent, and its report.
    pub burst: RwSignal<Option<BurstRun>>,
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
            world: RwSignal::new(world),
            trace: RwSignal::new(None),
            sends: RwSignal::new(0),
            playback: RwSignal::new(Playback::default()),
            client: RwSignal::new(DEFAULT_CLIENT.to_string()),
            method: RwSignal::new(Method::Get),
            url: RwSignal::new(DEFAULT_URL.to_string()),
            disable_cache: RwSignal::new(false),
            showing: RwSignal::new(Showing::Trace),
            selected: RwSignal::new(None),
            dirty: RwSignal::new(None),
            edit_error: RwSignal::new(None),
            burst_count: RwSignal::new("1000".to_string()),
            burst_clients: RwSignal::new(clients),
            burst_error: RwSignal::new(None),
            burst: RwSignal::new(None),
            reduced_motion: prefers_reduced_motion(),
        }
    }

    /// Send the request in the request bar and start playing its trace.
    pub fn send(&self) {
        let mut req = self.method.get_untracked().request(
            &self.client.get_untracked(),
            self.url.get_untracked().trim(),
        );
        if self.disable_cache.get_untracked() {
            req = req.no_store();
        }
        let trace = self
            .world
            .try_update(|w| w.send(&req))
            .expect("world signal is alive");
        let len = trace.hops.len();
        self.trace.set(Some(trace));
        self.sends.update(|n| *n += 1);
        let autoplay = !self.reduced_motion;
        self.playback.update(|p| p.load(len, autoplay));
        self.dirty.set(None);
        self.showing.set(Showing::Trace);
    }

    /// Send the burst form's requests (GETs of the request bar's URL) on the
    /// live world: WAF rate counters, caches and round-robin positions move,
    /// as they would in AWS. Bad input is refused with a message and
    /// changes nothing.
    pub fn send_burst(&self) {
        let count = match parse_burst_count(&self.burst_count.get_untracked()) {
            Ok(n) => n,
            Err(e) => {
                self.burst_error.set(Some(e));
                return;
            }
        };
        let ticked = self.burst_clients.get_untracked();
        let clients: Vec<String> = self.world.with_untracked(|w| {
            w.scenario()
                .clients
                .iter()
                .filter(|c| ticked.contains(&c.id))
                .map(|c| c.id.clone())
                .collect()
        });
        if clients.is_empty() {
            self.burst_error
                .set(Some("Tick at least one client to send from.".into()));
            return;
        }
        let url = self.url.get_untracked().trim().to_string();
        // Subscribers hear of it only when the burst ran: a refusal from the
        // engine leaves the world exactly as it was.
        let result = self
            .world
            .try_maybe_update(|w| {
                let r = w.burst_get(count, &clients, &url);
                (r.is_ok(), r.map(|report| (report, w.now_ms())))
            })
            .expect("world signal is alive");
        match result {
            Ok((report, at_ms)) => {
                let number = self
                    .burst
                    .with_untracked(|b| b.as_ref().map_or(0, |b| b.number))
                    + 1;
                self.burst.set(Some(BurstRun {
                    number,
                    count,
                    clients,
                    url,
                    at_ms,
                    report,
                }));
                self.burst_error.set(None);
                if self.dirty.get_untracked().is_none() {
                    self.dirty.set(Some(Stale::Burst));
                }
            }
            Err(e) => self.burst_error.set(Some(e)),
        }
    }

    /// Tick or untick a client in the burst form.
    pub fn tick_burst_client(&self, id: &str, on: bool) {
        self.burst_clients.update(|c| {
            c.retain(|x| x != id);
            if on {
                c.push(id.to_string());
            }
        });
        self.burst_error.set(None);
    }

    /// Once, while the learner reads the page: run a throwaway burst on a
    /// copy of the world so the browser's optimizing compiler has seen the
    /// engine before the first real burst. The world does not change.
    pub fn warm_up(&self) {
        if self.burst.with_untracked(|b| b.is_some()) {
            return; // a real burst already did the job
        }
        let _ = self.world.try_with_untracked(|w| w.warm_up());
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
                self.dirty.set(Some(Stale::Edited));
                true
            }
            Err(e) => {
                self.edit_error.set(Some((form.to_string(), e.to_string())));
                false
            }
        }
    }

    pub fn set_fault(&self, fault: Fault, on: bool) {
        self.world.update(|w| w.set_fault(fault, on));
        self.dirty.set(Some(Stale::Edited));
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
