//! The lesson file as data: what `lessons/*.toml` holds, typed. Every
//! table refuses unknown fields, so a misspelt key is an error with its
//! path, never a silently ignored line.

use serde::{Deserialize, Serialize};

use super::goal::Goal;
use crate::sim::script::{ScriptRequest, Step};

/// The most steps a lesson may have (and at least one).
pub const MAX_LESSON_STEPS: usize = 7;

/// One lesson: its picker entry, its starting world and its steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// `[a-z0-9-]+`, the file name without `.toml`.
    pub id: String,
    pub title: String,
    /// One sentence for the lesson picker.
    pub summary: String,
    pub level: Level,
    pub minutes: u32,
    #[serde(default)]
    pub topics: Vec<String>,
    /// Ids of lessons to take first.
    #[serde(default)]
    pub requires: Vec<String>,
    /// A troubleshooting challenge ("the site is down").
    #[serde(default)]
    pub challenge: bool,
    /// Controls the app hides while this lesson runs.
    #[serde(default)]
    pub hide_controls: Vec<Control>,
    /// Faults injected by the setup are not listed in the UI.
    #[serde(default)]
    pub hide_faults: bool,
    #[serde(default)]
    pub setup: Setup,
    pub steps: Vec<LessonStep>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// A control of the app a lesson may hide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The Burst panel.
    Burst,
    /// The inspector's edit forms (NACL, SG rules, subnet CIDRs).
    Edit,
    /// Injecting and repairing faults.
    Faults,
    /// Moving the clock forward.
    Clock,
    /// The request bar's method picker.
    Method,
    /// The request bar's client picker.
    Client,
}

/// The starting world: the default scenario, a seed, then script steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Seed of the world's random generator (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Script steps run in order before the learner starts.
    #[serde(default)]
    pub steps: Vec<Step>,
}

impl Setup {
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(1)
    }
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonStep {
    /// Markdown shown to the learner.
    pub text: String,
    /// Asked before the learner acts; the engine computes the answer.
    #[serde(default)]
    pub predict: Option<Predict>,
    /// Every goal must hold (an implicit `all`).
    pub goals: Vec<Goal>,
    /// Progressive hints, at least one.
    pub hints: Vec<String>,
    /// Markdown shown when the goals are met.
    pub explanation: String,
    /// Script steps that reach this step's goals from the state the
    /// previous steps' solutions left.
    pub solution: Vec<Step>,
}

/// A multiple-choice question asked before the learner acts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predict {
    pub question: String,
    pub ask: Ask,
    /// Strings, or numbers for statuses (`[200, 504]`).
    pub choices: Vec<Choice>,
    /// The request whose trace answers the question (default: the step's
    /// first `request` in `solution`).
    #[serde(default)]
    pub probe: Option<ScriptRequest>,
}

impl Predict {
    /// The choices as the panel shows them.
    pub fn choice_texts(&self) -> Vec<String> {
        self.choices.iter().map(Choice::text).collect()
    }
}

/// A choice: text, or a number (a status code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Choice {
    Number(i64),
    Text(String),
}

impl Choice {
    pub fn text(&self) -> String {
        match self {
            Choice::Number(n) => n.to_string(),
            Choice::Text(t) => t.clone(),
        }
    }
}

/// What a predict question reads from the probe's trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// The HTTP status (`200`), or `no response`.
    Status,
    /// The component that produced the final answer (`pod-a-1`, `waf`).
    DecidedBy,
    /// The outcome's code (`SUBNET_ACL_RESTRICTION`).
    Code,
    /// The region that served it, or `none`.
    Region,
    /// The pod that served it, or `none`.
    Pod,
    /// The component where the packet stopped, or `none`.
    StoppedAt,
}

impl Ask {
    pub fn as_str(self) -> &'static str {
        match self {
            Ask::Status => "status",
            Ask::DecidedBy => "decided_by",
            Ask::Code => "code",
            Ask::Region => "region",
            Ask::Pod => "pod",
            Ask::StoppedAt => "stopped_at",
        }
    }
}
