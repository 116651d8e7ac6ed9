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
//!     { "invalidate": "/static/*" }
//!   ] }
//! ```

use serde::{Deserialize, Serialize};

use super::burst::BurstReport;
use super::edit::{Edit, EditError};
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
}

fn get() -> String {
    "GET".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSpec {
    pub count: usize,
    pub clients: Vec<String>,
    pub url: String,
}

/// A duration: milliseconds as a number, or text like `90s`, `2m`, `500ms`, `1h`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// The longest one `advance` may move the clock: 10 years (of 365 days).
/// Longer spans are refused with a message naming this bound.
pub const MAX_ADVANCE_MS: u64 = 10 * 365 * 24 * 3_600_000;

fn within_max_advance(ms: u64, what: &str) -> Result<u64, String> {
    if ms > MAX_ADVANCE_MS {
        Err(format!(
            "duration '{what}' is longer than the longest advance, {}h (10 years): advance at most 10 years per step",
            MAX_ADVANCE_MS / 3_600_000
        ))
    } else {
        Ok(ms)
    }
}

/// `500ms`, `90s`, `2m`, `1h` (a bare number is milliseconds).
pub fn parse_duration(t: &str) -> Result<u64, String> {
    let t = t.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = match num.parse() {
        Ok(n) => n,
        // All digits but more than a u64 holds: far beyond the bound.
        Err(_) if !num.is_empty() => u64::MAX,
        Err(_) => {
            return Err(format!(
                "'{t}' is not a duration: write it like 500ms, 90s, 2m or 1h"
            ))
        }
    };
    let mult = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        other => return Err(format!("'{other}' is not a time unit: use ms, s, m or h")),
    };
    match n.checked_mul(mult) {
        Some(ms) => within_max_advance(ms, t),
        None => within_max_advance(u64::MAX, t),
    }
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
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Burst(m)
            | StepError::Duration(m)
            | StepError::Fault(m)
            | StepError::Invalidate(m) => f.write_str(m),
            StepError::Edit(e) => e.fmt(f),
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
        let de = &mut serde_json::Deserializer::from_str(text);
        let s: Script = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            if path.is_empty() || path == "." {
                format!("script: {}", e.inner())
            } else {
                format!("script field {path}: {}", e.inner())
            }
        })?;
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
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match run_step(world, step, n) {
                Ok(res) => on_step(res),
                Err(error) => return Some(StepFailed { step: n, error }),
            }
        }
        None
    }
}

/// Carry out step number `n`.
fn run_step(world: &mut World, step: &Step, n: usize) -> Result<StepResult, StepError> {
    match step {
        Step::Request(r) => Ok(StepResult::Trace {
            step: n,
            trace: Box::new(world.send(&Request {
                client: r.client.clone(),
                method: r.method.clone(),
                url: r.url.clone(),
                headers: r.headers.clone(),
                body: r.body.clone(),
                cache: r.cache,
            })),
        }),
        Step::Burst(b) => world
            .burst_get(b.count, &b.clients, &b.url)
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
        Step::Edit(e) => world
            .apply_edit(e)
            .map(|_| StepResult::Edit {
                step: n,
                edit: e.describe(),
            })
            .map_err(StepError::Edit),
        Step::Invalidate(p) => world
            .invalidate(p)
            .map(|objects| StepResult::Invalidated {
                step: n,
                path: p.clone(),
                objects,
            })
            .map_err(StepError::Invalidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
