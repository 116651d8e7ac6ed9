//! The engine. Pure Rust: no web crates, no wall clock, one seeded RNG.
//! Same world + same seed + same inputs => byte-identical trace.

pub mod alb;
pub mod app;
pub mod browser;
pub mod burst;
pub mod cdn;
pub mod check;
pub mod clock;
pub mod conn;
pub mod db;
pub mod defaults;
pub mod diff;
pub mod dns;
pub mod dnsconf;
pub mod edge;
pub mod edit;
pub mod event;
pub mod eyeballs;
pub mod glossary;
pub mod inspect;
pub mod k8s;
pub mod lb;
pub mod limits;
pub mod net;
pub mod reqlimit;
pub mod request;
pub mod rng;
pub mod route53;
pub mod scenario;
pub mod script;
mod settle;
pub mod shield;
pub mod status;
pub mod text;
pub mod time;
pub mod topology;
pub mod trace;
pub mod vpc;
pub mod waf;
pub mod waf_managed;
pub mod waf_match;
pub mod waf_regex;
pub mod world;

pub use edit::Edit;
pub use trace::{Code, Hop, Trace};
pub use world::{Fault, HttpCacheMode, Request, World};
