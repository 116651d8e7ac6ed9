//! The checker behind `hoplab-cli lesson check`: a lesson file is read
//! (schema, field paths, references to its world), its setup run, each
//! step's goals confirmed unmet as the step starts, each predict question
//! answered by the engine (the answer must be among the choices), and each
//! step's solution run until every goal of that step holds, in order.

use std::fmt;

use serde_json::Value;

use super::goal::{EventGoal, Goal};
use super::model::Lesson;
use super::session::Session;
use super::LessonError;
use crate::sim::trace::Trace;
use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};

/// What the checker found in a good lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    pub id: String,
    pub steps: usize,
    /// Goals of all steps (top-level entries of each step's `goals`).
    pub goals: usize,
    /// The computed answer of each predict question, in step order.
    pub predict_answers: Vec<String>,
}

impl fmt::Display for CheckReport {
    /// `ok  dns-ttl  5 steps, 7 goals, predict answers: pod-b-1, 504`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok  {}  {} step{}, {} goal{}, predict answers: {}",
            self.id,
            self.steps,
            if self.steps == 1 { "" } else { "s" },
            self.goals,
            if self.goals == 1 { "" } else { "s" },
            if self.predict_answers.is_empty() {
                "none".to_string()
            } else {
                self.predict_answers.join(", ")
            }
        )
    }
}

/// Check one lesson file. `all_ids` are the ids of every lesson in the set
/// (its `requires` must name them).
pub fn check(lesson_text: &str, all_ids: &[String]) -> Result<CheckReport, LessonError> {
    let lesson = Lesson::from_toml(lesson_text)?;
    for (i, r) in lesson.requires.iter().enumerate() {
        if r == &lesson.id {
            return Err(LessonError::at(
                format!("requires[{i}]"),
                "a lesson cannot require itself",
            ));
        }
        if !all_ids.contains(r) {
            return Err(LessonError::at(
                format!("requires[{i}]"),
                format!(
                    "unknown lesson '{r}' (expected one of {})",
                    all_ids.join(", ")
                ),
            ));
        }
    }
    if !lesson.steps.iter().any(|s| s.predict.is_some()) {
        return Err(LessonError::at(
            "steps",
            "no step asks a predict question: give at least one [steps.predict]",
        ));
    }
    let mut session = Session::start(&lesson)?;
    // Events of an ordinary request, to tell a misspelt field of a
    // `no_event` goal (which would always hold) from a real one.
    let sample = crate::sim::World::default_world()
        .send(&crate::sim::Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    let mut answers = Vec::new();
    for (i, step) in lesson.steps.iter().enumerate() {
        let p = format!("steps[{i}]");
        let met = session.goals();
        for (j, g) in met.iter().enumerate() {
            if g.met {
                return Err(LessonError::at(
                    format!("{p}.goals[{j}]"),
                    format!(
                        "already met when the step starts ({}): the learner would have nothing to do",
                        g.label
                    ),
                ));
            }
        }
        if let Some(pr) = &step.predict {
            let Some(answer) = session.predict_answer() else {
                return Err(LessonError::at(
                    format!("{p}.predict"),
                    "no request to answer it with: give a probe, or a request in the solution",
                ));
            };
            let choices = pr.choice_texts();
            if !choices.contains(&answer) {
                return Err(LessonError::at(
                    format!("{p}.predict.choices"),
                    format!(
                        "the engine answers '{answer}', which is not among the choices ({})",
                        choices.join(", ")
                    ),
                ));
            }
            answers.push(answer);
        }
        if let Err(m) = session.run_solution_step() {
            let (at, why) = m.split_once(": ").unwrap_or(("solution", m.as_str()));
            return Err(LessonError::at(format!("{p}.{at}"), why));
        }
        for (j, g) in step.goals.iter().enumerate() {
            let traces: Vec<&Trace> = session.last_trace().into_iter().chain([&sample]).collect();
            no_event_fields_exist(g, &format!("{p}.goals[{j}]"), &traces)?;
        }
        for (j, g) in session.goals().iter().enumerate() {
            if !g.met {
                return Err(LessonError::at(
                    format!("{p}.goals[{j}]"),
                    format!("not met after the step's solution ran ({})", g.label),
                ));
            }
        }
        if !session.next_step() {
            return Err(LessonError::at(
                p,
                "the step is not done after its solution",
            ));
        }
    }
    Ok(CheckReport {
        id: lesson.id.clone(),
        steps: lesson.steps.len(),
        goals: lesson.goal_count(),
        predict_answers: answers,
    })
}

/// A `no_event` goal whose field is misspelt never matches, so it always
/// holds. Refuse a top-level field that no event of that component and
/// kind has, in the step's last trace or an ordinary request's trace (when
/// neither has such an event at all, there is nothing to compare with).
fn no_event_fields_exist(g: &Goal, path: &str, traces: &[&Trace]) -> Result<(), LessonError> {
    match g {
        Goal::NoEvent(e) => event_fields_exist(e, &format!("{path}.no_event"), traces),
        Goal::All(gs) | Goal::Any(gs) => {
            let key = if matches!(g, Goal::All(_)) {
                "all"
            } else {
                "any"
            };
            for (i, g) in gs.iter().enumerate() {
                no_event_fields_exist(g, &format!("{path}.{key}[{i}]"), traces)?;
            }
            Ok(())
        }
        Goal::Not(g) => no_event_fields_exist(g, &format!("{path}.not"), traces),
        _ => Ok(()),
    }
}

fn event_fields_exist(e: &EventGoal, path: &str, traces: &[&Trace]) -> Result<(), LessonError> {
    let Some(fields) = &e.fields else {
        return Ok(());
    };
    let same: Vec<Value> = traces
        .iter()
        .flat_map(|t| &t.hops)
        .filter_map(|h| serde_json::to_value(&h.event).ok())
        .filter(|v| {
            v.get("component").and_then(Value::as_str) == Some(e.component.as_str())
                && v.get("kind").and_then(Value::as_str) == Some(e.kind.as_str())
        })
        .collect();
    if same.is_empty() {
        return Ok(());
    }
    for key in fields.keys() {
        if !same.iter().any(|v| v.get(key).is_some()) {
            let mut known: Vec<&str> = same
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys().map(String::as_str))
                .filter(|k| *k != "component" && *k != "kind")
                .collect();
            known.sort();
            known.dedup();
            return Err(LessonError::at(
                format!("{path}.fields.{key}"),
                format!(
                    "no {} '{}' event has a field '{key}' (its fields: {}), so this goal would always hold",
                    e.component,
                    e.kind,
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}
