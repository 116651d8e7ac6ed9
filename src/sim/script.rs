//! Scripts: a list of actions (requests, bursts, clock moves, faults,
//! edits, invalidations) run against a world in order. Authors use them to
//! check lessons; tests use them for whole journeys. The format is JSON:
//!
//! ```json
//! { "seed": 7,
//!   "steps": [
//!     { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments" } },
//!     { "fault": { "kind": "region_down", "region": "us-east-1" } },
//!     { "advance": "2m" },
//!     { "burst": { "count": 100, "clients": ["client-na", "client-eu"], "url": "https://healthcareapp.com/" } },
//!     { "repair": { "kind": "region_down", "region": "us-east-1" } },
//!     { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } },
//!     { "invalidate": "/static/*" },
//!     "inspect",
//!     { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments" } },
//!     "diff"
//!   ] }
//! ```
//!
//! `"inspect"` takes no argument: it reports the world's live state (see
//! [`LiveState`]) without changing anything. `"diff"` takes none either: it
//! compares the last two request traces the script produced (see
//! [`TraceDiff`]).

use serde::{Deserialize, Serialize};

use super::burst::BurstReport;
use super::diff::{diff, TraceDiff};
use super::dns::dig::{DigResult, DigSpec};
use super::edit::{Edit, EditError};
use super::inspect::LiveState;
use super::reach::{Reach, ReachSpec};
use super::shield::Flood;
use super::trace::Trace;
use super::world::{Fault, HttpCacheMode, Request, World};

/// The most steps one script may hold.
pub const MAX_STEPS: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Seed of the world's random generator (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    pub steps: Vec<Step>,
}

/// A request as written in a script: method defaults to GET.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptRequest {
    pub client: String,
    pub url: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// `default` (the browser's HTTP cache is used) or `no_store`.
    #[serde(default)]
    pub cache: HttpCacheMode,
    /// Send it as one request (or packet) of a flood: `syn_flood`,
    /// `udp_reflection` or `http_flood`, to see Shield's decision.
    /// Fact sheet §7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood: Option<Flood>,
}

fn get() -> String {
    "GET".into()
}

impl From<Request> for ScriptRequest {
    /// The request as a script step writes it (the app's journal records
    /// each Send this way).
    fn from(r: Request) -> ScriptRequest {
        ScriptRequest {
            client: r.client,
            url: r.url,
            method: r.method,
            headers: r.headers,
            body: r.body,
            cache: r.cache,
            flood: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSpec {
    pub count: usize,
    pub clients: Vec<String>,
    pub url: String,
    /// A flood of this kind (`syn_flood`, `udp_reflection`, `http_flood`);
    /// none: ordinary GETs. Fact sheet §7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood: Option<Flood>,
}

/// A duration: milliseconds as a whole number, or text as people write it:
/// `1.5s`, `2m30s`, `90s`, `500ms`, `1h`, `1h30m` (see [`parse_duration`]).
/// A negative or fractional number of milliseconds is refused when read.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Duration {
    Ms(u64),
    Text(String),
}

impl Duration {
    pub fn to_ms(&self) -> Result<u64, String> {
        match self {
            Duration::Ms(ms) => within_max_advance(*ms, &format!("{ms} ms")),
            Duration::Text(t) => parse_duration(t),
        }
    }
}

/// The forms a duration may take, for error messages.
pub const DURATION_FORMS: &str =
    "write it like 1.5s, 2m30s, 90s, 500ms, 1h, 1h30m or a whole number of milliseconds";

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a duration: {DURATION_FORMS}")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration::Ms(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v).map(Duration::Ms).map_err(|_| {
                    E::custom(format!(
                        "'{v}' is not a duration: a duration cannot be negative; {DURATION_FORMS}"
                    ))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                if v < 0.0 {
                    return Err(E::custom(format!(
                        "'{v}' is not a duration: a duration cannot be negative; {DURATION_FORMS}"
                    )));
                }
                // 2^64 as f64: anything from there on does not fit.
                if v.is_finite() && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0 {
                    return Ok(Duration::Ms(v as u64));
                }
                Err(E::custom(format!(
                    "'{v}' is not a whole number of milliseconds: {DURATION_FORMS}"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                Ok(Duration::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The longest one `advance` may move the clock: 10 years (of 365 days).
/// Longer spans are refused with a message naming this bound.
pub const MAX_ADVANCE_MS: u64 = 10 * 365 * 24 * 3_600_000;

fn within_max_advance(ms: u64, what: &str) -> Result<u64, String> {
    if ms > MAX_ADVANCE_MS {
        Err(format!(
            "duration '{}' is longer than the longest advance, {}h (10 years): advance at most 10 years per step",
            crate::sim::text::clip(what),
            MAX_ADVANCE_MS / 3_600_000
        ))
    } else {
        Ok(ms)
    }
}

/// Text as people write a duration: one or more parts, each a number (with
/// decimals if need be) and a unit, largest unit first and each unit once:
/// `1.5s`, `2m30s`, `90s`, `500ms`, `1h`, `1h30m`. A bare whole number is
/// milliseconds. Units: `ms`, `s`, `m` (or `min`), `h`. Negative values,
/// fractions of a millisecond and anything over [`MAX_ADVANCE_MS`] are refused.
pub fn parse_duration(t: &str) -> Result<u64, String> {
    use crate::sim::text::clip;
    let t = t.trim();
    let not = |why: &str| {
        if why.is_empty() {
            format!("'{}' is not a duration: {DURATION_FORMS}", clip(t))
        } else {
            format!("'{}' is not a duration: {why}; {DURATION_FORMS}", clip(t))
        }
    };
    if t.is_empty() {
        return Err(format!("a duration is empty: {DURATION_FORMS}"));
    }
    if t.starts_with('-') {
        return Err(not("a duration cannot be negative"));
    }
    let too_long = || within_max_advance(u64::MAX, t).err().unwrap_or_default();
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return within_max_advance(t.parse().unwrap_or(u64::MAX), t);
    }
    // (unit, milliseconds, rank: a later part must have a smaller rank)
    const UNITS: [(&str, u128, u8); 5] = [
        ("h", 3_600_000, 4),
        ("m", 60_000, 3),
        ("min", 60_000, 3),
        ("s", 1_000, 2),
        ("ms", 1, 1),
    ];
    let mut rest = t;
    let mut total: u128 = 0;
    let mut last_rank = u8::MAX;
    while !rest.is_empty() {
        let int_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.find(|c: char| !c.is_ascii_digit()).unwrap_or(a.len());
                a.split_at(n)
            }
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(not(""));
        }
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(not("every number but a lone one needs a unit"));
        }
        let Some(&(_, mult, rank)) = UNITS.iter().find(|(u, ..)| *u == unit) else {
            return Err(not(&format!(
                "'{}' is not a time unit (use ms, s, m or h)",
                clip(unit)
            )));
        };
        if rank >= last_rank {
            return Err(not("write the largest unit first and each unit once"));
        }
        last_rank = rank;
        // More than 20 digits is over u64::MAX whatever the unit.
        if int.len() > 20 {
            return Err(too_long());
        }
        if frac.len() > 12 {
            return Err(not("too many decimals"));
        }
        let int: u128 = if int.is_empty() {
            0
        } else {
            int.parse().unwrap_or(u128::MAX)
        };
        let scale = 10u128.pow(frac.len() as u32);
        let frac: u128 = if frac.is_empty() {
            0
        } else {
            frac.parse().unwrap_or(0)
        };
        if !(frac * mult).is_multiple_of(scale) {
            return Err(not("that is not a whole number of milliseconds"));
        }
        total = int
            .checked_mul(mult)
            .and_then(|v| v.checked_add(frac * mult / scale))
            .and_then(|v| v.checked_add(total))
            .ok_or_else(too_long)?;
        rest = after.trim_start();
    }
    within_max_advance(u64::try_from(total).unwrap_or(u64::MAX), t)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Request(ScriptRequest),
    Burst(BurstSpec),
    Advance(Duration),
    Fault(Fault),
    Repair(Fault),
    Edit(Edit),
    Invalidate(String),
    /// Report the live state; changes nothing.
    Inspect,
    /// Compare the last two request traces; changes nothing.
    Diff,
    /// Ask like `dig`: a name and a type, from a client or a resolver.
    /// Fact sheet §1.
    Dig(DigSpec),
    /// "Can A reach B?": the path from one component to another on a
    /// protocol and port, or what blocks it. Changes nothing. Fact sheet §25.
    Reach(crate::sim::reach::ReachSpec),
}

/// What one step produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StepResult {
    Trace {
        step: usize,
        trace: Box<Trace>,
    },
    Burst {
        step: usize,
        clock_ms: u64,
        report: BurstReport,
    },
    Clock {
        step: usize,
        clock_ms: u64,
    },
    Fault {
        step: usize,
        fault: String,
        on: bool,
    },
    Edit {
        step: usize,
        edit: String,
    },
    Invalidated {
        step: usize,
        path: String,
        objects: usize,
    },
    Inspect {
        step: usize,
        state: Box<LiveState>,
    },
    /// What changed from the second-to-last request's trace to the last's.
    Diff {
        step: usize,
        diff: Box<TraceDiff>,
    },
    /// What a `dig` step asked and got, with its resolution.
    Dig {
        step: usize,
        dig: Box<DigResult>,
    },
    /// A reachability answer: the path or what blocked it.
    Reach {
        step: usize,
        reach: Box<crate::sim::reach::Reach>,
    },
}

impl StepResult {
    pub fn render_text(&self) -> String {
        match self {
            StepResult::Trace { step, trace } => {
                format!("== step {step}: request\n{}", trace.render_text())
            }
            StepResult::Burst { step, report, .. } => {
                format!("== step {step}: {}", report.render_text())
            }
            StepResult::Clock { step, clock_ms } => {
                format!(
                    "== step {step}: clock now {}\n",
                    super::time::fmt_clock(*clock_ms)
                )
            }
            StepResult::Fault { step, fault, on } => {
                format!(
                    "== step {step}: {fault} {}\n",
                    if *on { "injected" } else { "repaired" }
                )
            }
            StepResult::Edit { step, edit } => format!("== step {step}: edit {edit}\n"),
            StepResult::Invalidated {
                step,
                path,
                objects,
            } => {
                format!("== step {step}: invalidated {path} ({objects} objects)\n")
            }
            StepResult::Inspect { step, state } => {
                format!("== step {step}: inspect, {}", state.render_text())
            }
            StepResult::Diff { step, diff } => {
                format!(
                    "== step {step}: diff of the last two requests\n{}",
                    diff.render_text()
                )
            }
            StepResult::Dig { step, dig } => format!("== step {step}: {}", dig.render_text()),
            StepResult::Reach { step, reach } => {
                format!("== step {step}: reach\n{}", reach.render_text())
            }
        }
    }
}

/// Why a step could not be carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// A burst refused before it ran (no clients, too many requests, ...).
    Burst(String),
    /// An `advance` whose duration does not parse.
    Duration(String),
    /// A fault or repair naming something the scenario does not have.
    Fault(String),
    /// An edit the world refused.
    Edit(EditError),
    /// An invalidation path CloudFront would refuse.
    Invalidate(String),
    /// A `diff` before the script has sent two requests (how many it has).
    Diff { requests: usize },
    /// A `dig` with an unknown type, name or `from`.
    Dig(String),
    /// A `reach` step whose ends or port cannot be analysed.
    Reach(String),
    /// An edit, a dig, a reach or an inspect before the hosted page has
    /// downloaded their code (see [`Extras`]); what it was.
    NotLoaded(&'static str),
}

/// The steps whose code the hosted page downloads apart from Send's: an
/// edit (with every check of the changed scenario), a dig, a reachability
/// question and the live state's report. Every build holds them from the
/// start but the hosted one (`--cfg hoplab_split`), where the page's part
/// that holds them calls [`install`]; until then such a step is refused
/// with [`StepError::NotLoaded`] and changes nothing. The page's first
/// download then holds no reference to their code (ARCHITECTURE.md,
/// `src/ui/`).
#[derive(Clone, Copy)]
pub struct Extras {
    /// Apply an edit; what it did, as the step result says it.
    pub edit: fn(&mut World, &Edit) -> Result<String, EditError>,
    pub dig: fn(&mut World, &DigSpec) -> Result<DigResult, String>,
    pub reach: fn(&World, &ReachSpec) -> Result<Reach, String>,
    pub inspect: fn(&World) -> LiveState,
}

impl Extras {
    pub const ALL: Extras = Extras {
        edit: |w, e| w.apply_edit(e).map(|_| e.describe()),
        dig: World::dig,
        reach: World::reach_asked,
        inspect: World::live_state,
    };
}

#[cfg(hoplab_split)]
thread_local! {
    static INSTALLED: std::cell::Cell<Option<Extras>> = const { std::cell::Cell::new(None) };
}

/// Hand the engine its [`Extras`] (the hosted build's part that holds them
/// calls this; elsewhere they are always there).
pub fn install(extras: Extras) {
    #[cfg(hoplab_split)]
    INSTALLED.with(|c| c.set(Some(extras)));
    #[cfg(not(hoplab_split))]
    let _ = extras;
}

fn extras() -> Option<Extras> {
    #[cfg(hoplab_split)]
    return installed(&INSTALLED);
    #[cfg(not(hoplab_split))]
    Some(Extras::ALL)
}

/// What a part of the hosted page installed in `slot`, if it has. The read
/// is volatile: the whole-program optimizer would otherwise see the one
/// value ever installed and call its code directly, which would put that
/// code back in the page's first download.
pub fn installed<T: Copy + 'static>(
    slot: &'static std::thread::LocalKey<std::cell::Cell<Option<T>>>,
) -> Option<T> {
    // SAFETY: the pointer is the cell's own, valid and aligned, read on
    // the thread that owns it.
    slot.with(|c| unsafe { std::ptr::read_volatile(c.as_ptr()) })
}

/// Apply an edit through the installed [`Extras`]; what it did.
pub fn edit(world: &mut World, edit: &Edit) -> Result<String, StepError> {
    let apply = extras().ok_or(StepError::NotLoaded("the editor"))?.edit;
    apply(world, edit).map_err(StepError::Edit)
}

/// "Can A reach B?" through the installed [`Extras`] (fact sheet §25).
pub fn reach(world: &World, spec: &ReachSpec) -> Result<Reach, String> {
    match extras() {
        Some(x) => (x.reach)(world, spec),
        None => Err(StepError::NotLoaded("the reachability analysis").to_string()),
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NotLoaded(what) => write!(
                f,
                "{what} is still downloading: check the connection and try again"
            ),
            StepError::Burst(m)
            | StepError::Duration(m)
            | StepError::Fault(m)
            | StepError::Invalidate(m)
            | StepError::Dig(m)
            | StepError::Reach(m) => f.write_str(m),
            StepError::Edit(e) => e.fmt(f),
            StepError::Diff { requests } => write!(
                f,
                "diff compares the last two requests' traces, and the script has sent {} so far: send the request once before the change and once after",
                match requests {
                    0 => "none",
                    _ => "only one",
                }
            ),
        }
    }
}

/// The step that stopped a script (1-based) and why. Renders as
/// `step N: reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepFailed {
    pub step: usize,
    pub error: StepError,
}

impl std::fmt::Display for StepFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}: {}", self.step, self.error)
    }
}

impl Script {
    /// Parse a script, naming the field and the problem on error.
    pub fn from_json(text: &str) -> Result<Script, String> {
        let s: Script = crate::sim::text::read_json(text)
            .map_err(|(path, e)| crate::sim::text::field_error("script", &path, &e.to_string()))?;
        if s.steps.len() > MAX_STEPS {
            return Err(format!(
                "script: {} steps is more than the limit of {MAX_STEPS}",
                s.steps.len()
            ));
        }
        Ok(s)
    }

    /// Run every step in order. The first step that cannot be carried out
    /// stops the run with a message naming it; the results so far are kept.
    pub fn run(&self, world: &mut World) -> (Vec<StepResult>, Option<StepFailed>) {
        let mut out = Vec::new();
        let failed = self.run_each(world, |res| out.push(res));
        (out, failed)
    }

    /// Run the steps in order, handing each result to `on_step` as soon as
    /// its step is done (so a caller can print it before the next step
    /// starts); stops at the first failing step and returns it.
    pub fn run_each(
        &self,
        world: &mut World,
        mut on_step: impl FnMut(StepResult),
    ) -> Option<StepFailed> {
        // The last two traces, kept only when a `diff` step will read them.
        let diffs = self.steps.iter().any(|s| matches!(s, Step::Diff));
        let mut last: Vec<Trace> = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match run_step_after(world, step, n, &last) {
                Ok(res) => {
                    if let (true, StepResult::Trace { trace, .. }) = (diffs, &res) {
                        if last.len() == 2 {
                            last.remove(0);
                        }
                        last.push((**trace).clone());
                    }
                    on_step(res)
                }
                Err(error) => return Some(StepFailed { step: n, error }),
            }
        }
        None
    }
}

/// Carry out step number `n`: the one place a step changes a world, for
/// scripts, lessons, and the app's actions (each recorded in its journal,
/// see `crate::classroom`). A refused step leaves the world as it was. A
/// `diff` step outside a script has no traces to compare and is refused.
pub fn run_step(world: &mut World, step: &Step, n: usize) -> Result<StepResult, StepError> {
    run_step_after(world, step, n, &[])
}

/// [`run_step`], where `last` holds the script's last two request traces
/// (fewer before the second request) for a `diff` step.
fn run_step_after(
    world: &mut World,
    step: &Step,
    n: usize,
    last: &[Trace],
) -> Result<StepResult, StepError> {
    match step {
        Step::Request(r) => {
            let req = Request {
                client: r.client.clone(),
                method: r.method.clone(),
                url: r.url.clone(),
                headers: r.headers.clone(),
                body: r.body.clone(),
                cache: r.cache,
            };
            let trace = match r.flood {
                Some(f) => world.send_flood(&req, f),
                None => world.send(&req),
            };
            Ok(StepResult::Trace {
                step: n,
                trace: Box::new(trace),
            })
        }
        Step::Burst(b) => world
            .burst_flood(b.count, &b.clients, &b.url, b.flood)
            .map(|report| StepResult::Burst {
                step: n,
                clock_ms: world.now_ms(),
                report,
            })
            .map_err(StepError::Burst),
        Step::Advance(d) => d
            .to_ms()
            .map(|ms| {
                world.advance(ms);
                StepResult::Clock {
                    step: n,
                    clock_ms: world.now_ms(),
                }
            })
            .map_err(StepError::Duration),
        Step::Fault(f) | Step::Repair(f) => {
            let on = matches!(step, Step::Fault(_));
            world
                .check_fault(f)
                .map(|_| {
                    world.set_fault(f.clone(), on);
                    StepResult::Fault {
                        step: n,
                        fault: f.label(),
                        on,
                    }
                })
                .map_err(StepError::Fault)
        }
        Step::Edit(e) => edit(world, e).map(|edit| StepResult::Edit { step: n, edit }),
        Step::Invalidate(p) => world
            .invalidate(p)
            .map(|objects| StepResult::Invalidated {
                step: n,
                path: p.clone(),
                objects,
            })
            .map_err(StepError::Invalidate),
        Step::Dig(d) => (extras().ok_or(StepError::NotLoaded("dig"))?.dig)(world, d)
            .map(|dig| StepResult::Dig {
                step: n,
                dig: Box::new(dig),
            })
            .map_err(StepError::Dig),
        Step::Reach(spec) => reach(world, spec)
            .map(|reach| StepResult::Reach {
                step: n,
                reach: Box::new(reach),
            })
            .map_err(StepError::Reach),
        Step::Inspect => {
            let inspect = extras().ok_or(StepError::NotLoaded("inspect"))?.inspect;
            Ok(StepResult::Inspect {
                step: n,
                state: Box::new(inspect(world)),
            })
        }
        Step::Diff => match last {
            [before, after] => Ok(StepResult::Diff {
                step: n,
                diff: Box::new(diff(before, after)),
            }),
            _ => Err(StepError::Diff {
                requests: last.len(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inspect_step_reports_the_live_state_and_changes_nothing() {
        let script = Script::from_json(r#"{ "steps": [ { "advance": "1m" }, "inspect" ] }"#)
            .expect("inspect is a step");
        let mut w = World::default_world();
        let (out, failed) = script.run(&mut w);
        assert!(failed.is_none());
        let StepResult::Inspect { step, state } = &out[1] else {
            panic!("the second result is the live state: {:?}", out[1]);
        };
        assert_eq!((*step, state.clock_ms), (2, 60_000));
        assert!(**state == w.live_state());
        assert!(out[1].render_text().starts_with("== step 2: inspect"));
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(parse_duration("90s").unwrap(), 90_000);
        assert_eq!(parse_duration("2m").unwrap(), 120_000);
        assert_eq!(parse_duration("250").unwrap(), 250);
        assert!(parse_duration("10 parsecs")
            .unwrap_err()
            .contains("time unit"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, ms) in [
            ("1.5s", 1_500),
            ("2m30s", 150_000),
            ("90s", 90_000),
            ("1h", 3_600_000),
            ("500ms", 500),
            ("1h30m", 5_400_000),
            ("1h 30m 15s", 5_415_000),
            ("0.25m", 15_000),
            ("2min", 120_000),
            ("1s500ms", 1_500),
            ("750", 750),
            ("0", 0),
            (" 90s ", 90_000),
        ] {
            assert_eq!(parse_duration(text), Ok(ms), "{text}");
        }
    }

    #[test]
    fn a_bad_duration_is_refused_with_the_accepted_forms() {
        for bad in [
            "-5",
            "-1s",
            "soon",
            "",
            "1.5",
            "1.5.5s",
            "s",
            ".s",
            "1x",
            "30s2m",
            "1m1m",
            "1.0005s",
            "10 parsecs",
            "1s30",
            "1 h 2",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(
                e.contains("1.5s, 2m30s, 90s, 500ms, 1h, 1h30m"),
                "{bad:?}: {e}"
            );
        }
        assert!(parse_duration("-5")
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(parse_duration("1x")
            .unwrap_err()
            .contains("'x' is not a time unit"));
    }

    #[test]
    fn a_duration_that_overflows_is_refused_never_wrapped() {
        for big in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999h",
            "5124095576031h",
            "5124095576030h26m",
            "307445734561826m",
        ] {
            let e = parse_duration(big).unwrap_err();
            assert!(e.contains("longer than the longest advance"), "{big}: {e}");
        }
    }

    #[test]
    fn a_long_bad_duration_is_quoted_in_eighty_characters() {
        let bad = "x".repeat(1_000);
        let e = parse_duration(&bad).unwrap_err();
        assert!(e.len() < 400, "{e}");
        assert!(e.contains('…'), "{e}");
    }

    #[test]
    fn a_script_duration_as_a_number_must_be_whole_milliseconds() {
        let ok = Script::from_json(r#"{"steps": [{"advance": 1500}, {"advance": 2.0}]}"#).unwrap();
        assert_eq!(ok.steps[0], Step::Advance(Duration::Ms(1500)));
        assert_eq!(ok.steps[1], Step::Advance(Duration::Ms(2)));
        let e = Script::from_json(r#"{"steps": [{"advance": -5}]}"#).unwrap_err();
        assert!(
            e.contains("'-5' is not a duration: a duration cannot be negative"),
            "{e}"
        );
        assert!(!e.contains("untagged"), "{e}");
        let e = Script::from_json(r#"{"steps": [{"advance": 1.5}]}"#).unwrap_err();
        assert!(e.contains("not a whole number of milliseconds"), "{e}");
        assert!(e.contains("1.5s, 2m30s"), "{e}");
    }

    #[test]
    fn an_advance_longer_than_ten_years_is_refused_with_the_bound_named() {
        let e = parse_duration("999999999h").unwrap_err();
        assert!(e.contains("999999999h") && e.contains("10 years"), "{e}");
        assert!(parse_duration("99999999999999999999h")
            .unwrap_err()
            .contains("10 years"));
        assert_eq!(parse_duration("87600h").unwrap(), MAX_ADVANCE_MS);
        assert!(parse_duration("87601h").is_err());
        assert!(Duration::Ms(MAX_ADVANCE_MS + 1)
            .to_ms()
            .unwrap_err()
            .contains("10 years"));
    }

    #[test]
    fn an_unknown_field_is_named_in_the_error() {
        let e = Script::from_json(r#"{"steps": [{"advance": "1s"}], "sed": 3}"#).unwrap_err();
        assert!(e.contains("unknown field `sed`"), "{e}");
        let e = Script::from_json(r#"{"steps": [{"teleport": 1}]}"#).unwrap_err();
        assert!(e.contains("teleport"), "{e}");
    }

    #[test]
    fn a_bad_step_stops_the_run_and_says_which() {
        let s = Script::from_json(
            r#"{"steps": [{"advance": "1s"}, {"fault": {"kind": "pod_down", "pod": "pod-nope"}}, {"advance": "1s"}]}"#,
        )
        .unwrap();
        let mut w = World::default_world();
        let (out, err) = s.run(&mut w);
        assert_eq!(out.len(), 1);
        let err = err.expect("step 2 fails");
        assert_eq!(err.step, 2);
        assert!(matches!(err.error, StepError::Fault(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "step 2: fault 'pod-nope crashed' names something that is not in this scenario"
        );
        assert_eq!(w.now_ms(), 1000);
    }

    #[test]
    fn each_result_reaches_the_caller_when_its_step_ends_before_a_later_step_fails() {
        let s = Script::from_json(
            r#"{"steps": [{"advance": "1s"}, {"advance": "2s"}, {"advance": "999999999h"}, {"advance": "1s"}]}"#,
        )
        .unwrap();
        let mut w = World::default_world();
        let mut seen = Vec::new();
        let failed = s.run_each(&mut w, |r| seen.push(r));
        assert_eq!(
            seen,
            vec![
                StepResult::Clock {
                    step: 1,
                    clock_ms: 1000
                },
                StepResult::Clock {
                    step: 2,
                    clock_ms: 3000
                },
            ]
        );
        let failed = failed.expect("step 3 is refused");
        assert_eq!(failed.step, 3);
        assert!(matches!(failed.error, StepError::Duration(_)));
        assert!(failed.to_string().contains("10 years"), "{failed}");
        assert_eq!(w.now_ms(), 3000, "the refused advance moved nothing");
    }
}
