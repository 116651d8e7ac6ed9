//! The classroom: what keeps a learner's work. A learner's world is a base
//! scenario plus a journal of the actions they took (`saved`); the app keeps
//! it in the browser's localStorage across reloads, downloads it as a file,
//! reads it back (or a scenario file) on import, and writes it into a share
//! link's URL fragment (`link`). Pure and native: no web crates, tested in
//! `tests/saved.rs` and `tests/links.rs`.

pub mod link;
pub mod saved;

pub use saved::{import, scenario_json, Imported, Journal, SavedLesson, SavedState};
