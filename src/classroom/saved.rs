//! A saved world: the base scenario (the default unless one was imported),
//! the world's seed, and the journal of every action the learner took on it
//! as script [`Step`]s (each Send as a `request`, each burst, edit, fault,
//! repair, invalidation, and the clock's moves with a running clock's ticks
//! coalesced into one `advance`). The engine is deterministic, so replaying
//! the journal on a fresh world rebuilds the same world, and the next Send
//! gives the same trace.
//!
//! The JSON refuses unknown fields, names the field path of any problem (in
//! the style of scenario and script files, `crate::sim::text`) and is at
//! most [`MAX_SAVED_STATE_BYTES`]. Restoring replays every step and refuses
//! the whole world, naming the step, if one cannot be carried out.

use serde::{Deserialize, Serialize};

use crate::sim::limits::MAX_SAVED_STATE_BYTES;
use crate::sim::scenario::Scenario;
use crate::sim::script::{run_step, Duration, Step, StepFailed, MAX_ADVANCE_MS, MAX_STEPS};
use crate::sim::text::field_error;
use crate::sim::World;
use crate::view::request::Method;

/// The saved-world format this Hoplab writes and reads.
pub const SAVED_VERSION: u32 = 1;

/// The seed of the default world's random generator.
pub const DEFAULT_SEED: u64 = 1;

/// What a message about a saved world calls it.
const WHAT: &str = "saved world";

/// The learner's world as data: a base scenario and what they did to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Journal {
    /// The base scenario; `None` is the default scenario.
    pub scenario: Option<Scenario>,
    pub seed: u64,
    pub steps: Vec<Step>,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            scenario: None,
            seed: DEFAULT_SEED,
            steps: Vec::new(),
        }
    }
}

impl Journal {
    /// A journal with no action yet on `scenario`.
    pub fn of_scenario(scenario: Scenario) -> Journal {
        Journal {
            scenario: Some(scenario),
            ..Journal::default()
        }
    }

    /// Add one action the learner took. An `advance` right after an
    /// `advance` (a running clock's ticks) joins it, as long as the sum is
    /// an advance a script may hold; `inspect` changes nothing and is left out.
    pub fn record(&mut self, step: Step) {
        if let (Some(Step::Advance(Duration::Ms(before))), Step::Advance(Duration::Ms(ms))) =
            (self.steps.last_mut(), &step)
        {
            if let Some(sum) = before.checked_add(*ms).filter(|s| *s <= MAX_ADVANCE_MS) {
                *before = sum;
                return;
            }
        }
        if step != Step::Inspect {
            self.steps.push(step);
        }
    }

    /// The world: the base scenario with every step replayed in order. The
    /// first step that cannot be carried out refuses the whole world with
    /// a message naming it (`step 3: ...`).
    pub fn world(&self) -> Result<World, String> {
        let scenario = self
            .scenario
            .clone()
            .unwrap_or_else(crate::sim::defaults::default_scenario);
        let mut world = World::new(scenario, self.seed)
            .map_err(|e| crate::sim::text::clip_message(&format!("scenario: {e}")))?;
        for (i, step) in self.steps.iter().enumerate() {
            run_step(&mut world, step, i + 1)
                .map_err(|error| StepFailed { step: i + 1, error }.to_string())?;
        }
        Ok(world)
    }
}

/// The open lesson, and how many of its steps the learner finished: it
/// opens again there (`Session::resume`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedLesson {
    pub id: String,
    pub steps_done: usize,
}

/// Everything kept across reloads and in a "whole state" file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    /// [`SAVED_VERSION`].
    pub version: u32,
    /// Counts the saves of this world in this browser, so a tab can tell
    /// that another tab saved after it read.
    #[serde(default)]
    pub revision: u64,
    /// The base scenario; absent for the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Scenario>,
    pub seed: u64,
    /// The journal: every action on the base world, in order.
    pub steps: Vec<Step>,
    /// The request bar: who sends what.
    pub client: String,
    pub method: String,
    pub url: String,
    /// The lesson that was open (the sandbox world above waits behind it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<SavedLesson>,
}

/// The few fields read before the whole (a version this Hoplab does not
/// know, a revision, whether a file is a saved world at all).
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    version: Option<u64>,
    #[serde(default)]
    revision: Option<u64>,
}

fn probe(text: &str) -> Option<Probe> {
    if text.len() as u64 > MAX_SAVED_STATE_BYTES {
        return None;
    }
    crate::sim::text::read_json(text).ok()
}

impl SavedState {
    pub fn new(
        journal: &Journal,
        client: &str,
        method: Method,
        url: &str,
        lesson: Option<SavedLesson>,
    ) -> SavedState {
        SavedState {
            version: SAVED_VERSION,
            revision: 0,
            scenario: journal.scenario.clone(),
            seed: journal.seed,
            steps: journal.steps.clone(),
            client: client.to_string(),
            method: method.as_str().to_string(),
            url: url.to_string(),
            lesson,
        }
    }

    /// The base scenario, seed and steps.
    pub fn journal(&self) -> Journal {
        Journal {
            scenario: self.scenario.clone(),
            seed: self.seed,
            steps: self.steps.clone(),
        }
    }

    /// The request bar's method (checked by [`SavedState::from_json`]).
    pub fn method(&self) -> Method {
        Method::from_key(&self.method).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a saved world serializes")
    }

    /// Read a saved world, naming the field path and the problem on error.
    pub fn from_json(text: &str) -> Result<SavedState, String> {
        if text.len() as u64 > MAX_SAVED_STATE_BYTES {
            return Err(format!(
                "{WHAT}: {} bytes is more than the limit of {MAX_SAVED_STATE_BYTES} bytes",
                text.len()
            ));
        }
        // The version first: a newer format is refused for its version,
        // not for the fields it added.
        if let Some(v) = probe(text).and_then(|p| p.version) {
            check_version(v)?;
        }
        let s: SavedState = crate::sim::text::read_json(text)
            .map_err(|(path, e)| field_error(WHAT, &path, &e.to_string()))?;
        check_version(s.version.into())?;
        if s.steps.len() > MAX_STEPS {
            return Err(format!(
                "{WHAT} field steps: {} steps is more than the limit of {MAX_STEPS}",
                s.steps.len()
            ));
        }
        if Method::from_key(&s.method).is_none() {
            let all: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
            return Err(format!(
                "{WHAT} field method: '{}' is not a method the request bar sends ({})",
                crate::sim::text::clip(&s.method),
                all.join(", ")
            ));
        }
        Ok(s)
    }

    /// The world this state describes: the base scenario with the journal
    /// replayed. Refused whole, naming the step, if a step cannot be
    /// carried out.
    pub fn restore(&self) -> Result<World, String> {
        let world = self.journal().world()?;
        if world.scenario().client(&self.client).is_none() {
            return Err(format!(
                "{WHAT} field client: '{}' is not a client of this scenario",
                crate::sim::text::clip(&self.client)
            ));
        }
        Ok(world)
    }

    /// The revision a saved world's text carries (0 when it has none),
    /// `None` when the text is not a saved world at all.
    pub fn revision_of(text: &str) -> Option<u64> {
        probe(text)
            .filter(|p| p.version.is_some())
            .map(|p| p.revision.unwrap_or(0))
    }
}

fn check_version(v: u64) -> Result<(), String> {
    if v == u64::from(SAVED_VERSION) {
        Ok(())
    } else {
        Err(format!(
            "{WHAT} field version: version {v} is not one this Hoplab reads (it reads version {SAVED_VERSION})"
        ))
    }
}

/// What an imported file turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Imported {
    /// A scenario file (what `hoplab-cli --scenario` reads), with a note for
    /// each value read other than as written.
    Scenario(Scenario, Vec<String>),
    /// A whole saved world.
    State(SavedState),
}

/// Read an imported file, deciding by its content: a JSON object with a
/// `version` is a saved world, anything else is read as a scenario file,
/// exactly as `hoplab-cli --scenario` reads one ([`Scenario::read_file`]).
pub fn import(text: &str) -> Result<Imported, String> {
    if probe(text).is_some_and(|p| p.version.is_some()) {
        SavedState::from_json(text).map(Imported::State)
    } else {
        Scenario::read_file(text).map(|(s, notes)| Imported::Scenario(s, notes))
    }
}

/// A scenario as a file: the JSON `hoplab-cli --scenario` reads.
pub fn scenario_json(s: &Scenario) -> String {
    // Indented from the compact text a saved world already writes: one
    // `Serialize` per scenario type in the wasm, not a second one for
    // serde_json's pretty printer.
    crate::sim::text::pretty_json(&serde_json::to_string(s).expect("a scenario serializes"))
}
