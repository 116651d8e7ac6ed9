//! Lessons: one TOML file per lesson in `lessons/` (see `lessons/README.md`
//! for the format), read into a typed [`Lesson`], played by a [`Session`]
//! (one learner, one lesson) and verified by the checker ([`check`]).
//!
//! Native, no web crates: the app's lesson panel and `hoplab-cli lesson
//! check` both drive this module. Goals are typed predicates the engine
//! evaluates on the last trace, the last burst and the world.

use std::fmt;

pub mod bundle;
mod check;
pub mod goal;
pub mod kinds;
mod model;
mod parse;
pub mod refs;
mod session;

pub use bundle::{BundleIndex, LessonCard, LessonFile, BUNDLE_FORMAT};
pub use check::{check, CheckReport};
pub use goal::{
    BurstGoal, CheckGoal, EventGoal, Evidence, FaultGoal, Goal, HealthCheckGoal, NaclRuleGoal,
    OutcomeGoal, SgRuleGoal, SubnetGoal, TargetGoal,
};
pub use model::{
    Ask, Choice, Control, Lesson, LessonStep, Level, Predict, Setup, MAX_LESSON_STEPS,
};
pub use session::{answer_of, GoalStatus, Session};

/// A lesson refused: the field path (`steps[1].goals[0].outcome.statuss`)
/// and what is wrong. Displays as `path: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    /// Field path in the lesson file; empty for the file as a whole.
    pub path: String,
    pub message: String,
}

impl LessonError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        LessonError {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn whole(message: impl Into<String>) -> Self {
        LessonError::at("", message)
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for LessonError {}

/// Every `lessons/*.toml`, embedded at build time (id = file name without
/// `.toml`), in file-name order. `build.rs` lists the folder, so a new
/// lesson is just a new file.
pub fn catalog() -> Vec<(&'static str, &'static str)> {
    CATALOG.to_vec()
}

const CATALOG: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// The ids of every lesson in the catalog.
pub fn catalog_ids() -> Vec<String> {
    CATALOG.iter().map(|(id, _)| id.to_string()).collect()
}

/// Every catalog lesson that reads, in teaching order: a lesson comes after
/// the lessons it `requires`; among those ready, the lower level first,
/// then challenges last, then by id. Lessons that do not read are left out
/// (the checker and the tests name them).
pub fn curriculum() -> Vec<Lesson> {
    let mut left: Vec<Lesson> = CATALOG
        .iter()
        .filter_map(|(_, text)| Lesson::from_toml(text).ok())
        .collect();
    let mut out: Vec<Lesson> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready = |l: &Lesson| {
            l.requires
                .iter()
                .all(|r| out.iter().any(|o| &o.id == r) || !left.iter().any(|x| &x.id == r))
        };
        let pick = left
            .iter()
            .enumerate()
            .filter(|(_, l)| ready(l))
            .min_by(|(_, a), (_, b)| {
                (a.challenge, a.level, &a.id).cmp(&(b.challenge, b.level, &b.id))
            })
            .map(|(i, _)| i)
            // A cycle of requires: take the rest in id order.
            .unwrap_or(0);
        out.push(left.remove(pick));
    }
    out
}
