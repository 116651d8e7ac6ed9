//! Pure presentation: everything the UI shows that can be computed without
//! a browser. Native Rust, no web crates, tested with `cargo test --lib`.
//! The leptos components in `ui` only bind signals to these functions.
//!
//! - [`layout`]: where each component and box sits in the diagram.
//! - [`labels`]: the room the diagram's texts take; which address lines fit.
//! - [`camera`]: the diagram's zoom and pan (its viewBox), fit, follow the packet.
//! - [`packet`]: the packet marker and the trail of the current hop.
//! - [`playback`]: the step / play / pause state machine.
//! - [`skipped`]: the DNS work a cache made unnecessary, as one collapsed row.
//! - [`request`]: the request bar's method and why a trace went stale.
//! - [`status`]: HTTP status lines (the engine's one reason-phrase table).
//! - [`burst`]: the burst form's input and the burst report's rows and summary.
//! - [`diff`]: the "What changed" panel's rows from a replay's `TraceDiff`.
//! - [`hop`]: the words around one hop: check kinds and verdicts, routes, where it was served.
//! - [`lesson`]: lesson Markdown as blocks, progress per lesson, lesson links.
//! - [`format`]: numbers as the UI writes them (thousands, percent, ms).
//! - [`live`]: the inspector's compact live state (health, endpoints, caches, clock).
//! - [`theme`]: the light and dark themes and the learner's remembered choice.
//! - [`clock`]: the world clock's realtime mode (×1, ×10, ×60, paused).
//! - [`keys`]: the keyboard shortcuts the `?` overlay lists.
//! - [`timeline`]: "Where the time went": a trace's phases as bar segments, and why a request was faster than the one before.

pub mod burst;
pub mod camera;
pub mod cite;
pub mod clock;
pub mod diff;
pub mod format;
pub mod hop;
pub mod keys;
pub mod labels;
pub mod layout;
pub mod lesson;
pub mod live;
pub mod packet;
pub mod playback;
pub mod reach;
pub mod request;
pub mod skipped;
pub mod status;
pub mod theme;
pub mod timeline;
