//! Hoplab: follow one HTTPS request through a realistic AWS stack.
//!
//! Code map:
//! - [`sim`]: the pure, deterministic engine (scenario, world, trace).
//! - [`lesson`]: lesson files (`lessons/*.toml`), their goals, a learner's
//!   session and the checker.
//! - [`classroom`]: a learner's saved world (base scenario + journal of
//!   actions), its JSON, restoring it, import and export.
//! - [`view`]: pure presentation, tested natively: the diagram layout, the
//!   playback state machine, status texts, the burst summary and number
//!   formatting. The UI binds signals to it and computes nothing itself.
//! - `ui` (wasm32 only): the leptos app that renders traces and sends edits.
//! - `src/bin/hoplab-cli.rs`: the native command-line tool.

pub mod classroom;
pub mod lesson;
pub mod sim;
pub mod view;

pub use view::{layout, playback};

#[cfg(target_arch = "wasm32")]
pub mod ui;
