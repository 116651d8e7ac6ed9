//! One learner working through one lesson: the world (built from the
//! lesson's setup), the current step, and the evidence goals look at (the
//! last trace and the last burst the learner made in this step).

use super::goal::{stopped_at, Evidence};
use super::model::*;
use super::LessonError;
use crate::sim::burst::BurstReport;
use crate::sim::script::{Script, ScriptRequest, Step, StepResult};
use crate::sim::trace::Trace;
use crate::sim::{Request, World};

/// One goal of the current step as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalStatus {
    pub label: String,
    pub met: bool,
}

#[derive(Clone, Debug)]
pub struct Session {
    lesson: Lesson,
    world: World,
    /// The current step's predict answer, computed on a copy of the world
    /// as the step starts, so it does not move while the learner
    /// experiments.
    answer: Option<String>,
    step: usize,
    last_trace: Option<Trace>,
    last_burst: Option<BurstReport>,
}

/// What a predict question `ask` reads from a trace, as the choice text:
/// `200` or `no response`; a component id; a code (`SUBNET_ACL_RESTRICTION`);
/// a region, a pod or a component id, or `none`.
pub fn answer_of(ask: Ask, t: &Trace) -> String {
    let o = &t.outcome;
    match ask {
        Ask::Status => o
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "no response".into()),
        Ask::DecidedBy => o.decided_by.clone(),
        Ask::Code => o.code.as_str().to_string(),
        Ask::Region => o.region.clone().unwrap_or_else(|| "none".into()),
        Ask::Pod => o.pod.clone().unwrap_or_else(|| "none".into()),
        Ask::StoppedAt => stopped_at(t).unwrap_or("none").to_string(),
    }
}

fn request_of(r: &ScriptRequest) -> Request {
    Request {
        client: r.client.clone(),
        method: r.method.clone(),
        url: r.url.clone(),
        headers: r.headers.clone(),
        body: r.body.clone(),
        cache: r.cache,
    }
}

impl Session {
    /// Build the lesson's world and run its setup. Traces and bursts of
    /// the setup are not evidence: the learner has not acted yet.
    pub fn start(lesson: &Lesson) -> Result<Session, LessonError> {
        let mut world = lesson.base_world()?;
        let script = Script {
            seed: None,
            steps: lesson.setup.steps.clone(),
        };
        let (_, failed) = script.run(&mut world);
        if let Some(f) = failed {
            return Err(LessonError::at(
                format!("setup.steps[{}]", f.step - 1),
                f.error.to_string(),
            ));
        }
        let mut s = Session {
            lesson: lesson.clone(),
            answer: None,
            world,
            step: 0,
            last_trace: None,
            last_burst: None,
        };
        s.answer = s.compute_answer();
        Ok(s)
    }

    /// Start the lesson and bring it to step `steps_done` by replaying the
    /// solutions of the steps before it, as a learner who comes back finds
    /// the world where they left it. Stops early (at the first step whose
    /// solution does not complete it) rather than skipping a goal; a
    /// finished lesson opens at its first step again.
    pub fn resume(lesson: &Lesson, steps_done: usize) -> Result<Session, LessonError> {
        let mut s = Session::start(lesson)?;
        if steps_done >= lesson.steps.len() {
            return Ok(s);
        }
        while s.step < steps_done {
            if s.run_solution_step().is_err() || !s.next_step() {
                break;
            }
        }
        Ok(s)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }
    pub fn world(&self) -> &World {
        &self.world
    }
    /// The world to edit, break, repair or advance. Goals about the world
    /// (health checks, rules, faults, the clock) read it as it is now.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }
    /// The current step's index (`lesson().steps.len()` once finished).
    pub fn step(&self) -> usize {
        self.step
    }
    /// Every step is done.
    pub fn finished(&self) -> bool {
        self.step >= self.lesson.steps.len()
    }
    /// The current step, unless the lesson is finished.
    pub fn current(&self) -> Option<&LessonStep> {
        self.lesson.steps.get(self.step)
    }

    /// The learner sent a request: its trace is what trace goals read.
    pub fn record_trace(&mut self, t: Trace) {
        self.last_trace = Some(t);
    }
    /// The learner ran a burst: its report is what burst goals read.
    pub fn record_burst(&mut self, r: BurstReport) {
        self.last_burst = Some(r);
    }
    pub fn last_trace(&self) -> Option<&Trace> {
        self.last_trace.as_ref()
    }
    pub fn last_burst(&self) -> Option<&BurstReport> {
        self.last_burst.as_ref()
    }

    fn evidence(&self) -> Evidence<'_> {
        Evidence {
            world: &self.world,
            trace: self.last_trace.as_ref(),
            burst: self.last_burst.as_ref(),
        }
    }

    /// The current step's goals, each with its label and whether it holds.
    pub fn goals(&self) -> Vec<GoalStatus> {
        let ev = self.evidence();
        self.current()
            .map(|s| {
                s.goals
                    .iter()
                    .map(|g| GoalStatus {
                        label: g.label(),
                        met: g.met(&ev),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every goal of the current step holds.
    pub fn step_done(&self) -> bool {
        let ev = self.evidence();
        self.current()
            .is_some_and(|s| s.goals.iter().all(|g| g.met(&ev)))
    }

    /// Move to the next step when the current one is done. The next step
    /// starts with no trace and no burst: its goals read what the learner
    /// does in it (the world carries over).
    pub fn next_step(&mut self) -> bool {
        if !self.step_done() {
            return false;
        }
        self.step += 1;
        self.last_trace = None;
        self.last_burst = None;
        self.answer = self.compute_answer();
        true
    }

    /// The request that answers the current step's predict question: its
    /// `probe`, or the first request of its solution.
    pub fn probe(&self) -> Option<ScriptRequest> {
        let s = self.current()?;
        let p = s.predict.as_ref()?;
        p.probe.clone().or_else(|| {
            s.solution.iter().find_map(|st| match st {
                Step::Request(r) => Some(r.clone()),
                _ => None,
            })
        })
    }

    /// The right choice of the current step's predict question, computed by
    /// sending the probe on a copy of the world as the step started (once,
    /// when the step starts: calling this is cheap).
    pub fn predict_answer(&self) -> Option<String> {
        self.answer.clone()
    }

    fn compute_answer(&self) -> Option<String> {
        let ask = self.current()?.predict.as_ref()?.ask;
        let probe = self.probe()?;
        // Called as the step starts: the world is the step's starting world.
        let mut w = self.world.clone();
        let t = w.send(&request_of(&probe));
        Some(answer_of(ask, &t))
    }

    /// Apply the current step's solution to the world, recording its
    /// traces and bursts as the learner's. Stops at the first step that
    /// cannot be carried out, naming it (`solution[2]: ...`).
    pub fn run_solution_step(&mut self) -> Result<(), String> {
        let Some(s) = self.current() else {
            return Err("the lesson is finished".into());
        };
        let script = Script {
            seed: None,
            steps: s.solution.clone(),
        };
        let (results, failed) = script.run(&mut self.world);
        for r in results {
            match r {
                StepResult::Trace { trace, .. } => self.record_trace(*trace),
                StepResult::Burst { report, .. } => self.record_burst(report),
                _ => {}
            }
        }
        match failed {
            Some(f) => Err(format!("solution[{}]: {}", f.step - 1, f.error)),
            None => Ok(()),
        }
    }
}
