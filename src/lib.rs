//! Hoplab: follow one HTTPS request through a realistic AWS stack.
//!
//! Code map:
//! - [`sim`]: the pure, deterministic engine (scenario, world, trace).
//! - [`layout`]: where each component sits in the diagram, derived from placement.
//! - [`playback`]: the step / play / pause state machine and small formatting helpers.
//! - `ui` (wasm32 only): the leptos app that renders traces and sends edits.
//! - `src/bin/hoplab-cli.rs`: the native command-line tool.

pub mod layout;
pub mod playback;
pub mod sim;

#[cfg(target_arch = "wasm32")]
pub mod ui;
