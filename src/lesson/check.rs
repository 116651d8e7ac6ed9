//! The checker behind `hoplab-cli lesson check`: a lesson file is read
//! (schema, field paths, references to its world), its setup run, each
//! step's goals confirmed unmet as the step starts, each predict question
//! answered by the engine (the answer must be among the choices), and each
//! step's solution run until every goal of that step holds, in order.

use std::fmt;

use super::model::Lesson;
use super::session::Session;
use super::LessonError;

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
