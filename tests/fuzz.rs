//! Fuzzing every text a person can hand Hoplab: scenario files, scripts,
//! lesson files (parsed, checked, then played through `lesson::Session`),
//! the location hash and stored progress the app reads, and saved worlds
//! (a whole-state file or the app's localStorage, imported and replayed). Each case is a
//! mutation of a real file, driven by the engine's own seeded generator:
//! bytes flipped, cut, repeated or spliced, and JSON/TOML values replaced,
//! removed, renamed or duplicated. Every case runs in its own thread under
//! a time limit.
//!
//! Counted: cases, refusals (each must carry a message), accepted inputs,
//! panics (must be 0) and hangs (must be 0).
//!
//! A small run is part of `cargo test`. The full run:
//!
//! ```text
//! HOPLAB_FUZZ_CASES=100000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! `HOPLAB_FUZZ_SEED` picks another sequence of cases.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use hoplab::lesson::{Lesson, Session};
use hoplab::sim::rng::Rng;
use hoplab::sim::scenario::Scenario;
use hoplab::sim::script::Script;
use hoplab::sim::{Request, World};

/// Cases in a plain `cargo test` run.
const SMALL_RUN: usize = 3_000;

/// The most one case may take. Debug builds run several times slower.
fn limit() -> Duration {
    Duration::from_millis(if cfg!(debug_assertions) {
        10_000
    } else {
        2_000
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Scenario,
    Script,
    Lesson,
    Link,
    Saved,
}

/// What one case came to.
#[derive(Debug)]
enum Outcome {
    Accepted,
    /// Refused, with the message a person would read.
    Refused(String),
}

#[derive(Debug, Default)]
struct Counts {
    cases: usize,
    refused: usize,
    accepted: usize,
    panics: usize,
    hangs: usize,
    silent_refusals: usize,
    by_kind: [usize; 5],
    accepted_by_kind: [usize; 5],
}

/// Tokens that tend to find edges: limits, signs, types, escapes.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "-1",
    "0",
    "65536",
    "4294967296",
    "18446744073709551615",
    "1e308",
    "-0",
    "null",
    "true",
    "\"\"",
    "\"x\"",
    "\"999999999h\"",
    "\"87600h\"",
    "\"1.5s\"",
    "\\u0000",
    "\u{202e}",
    "\u{1b}[2J",
    "=",
    "'''",
    "\n[[steps]]\n",
    "\n",
    "#",
    "NaN",
    "inf",
    "0.0.0.0/0",
    "255.255.255.255",
    "\"*\"",
    "/*",
    "%00",
    "\"pod-a-1\"",
    "\"us-east-1\"",
];

fn corpus() -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let sc = hoplab::sim::defaults::default_scenario();
    out.push((
        Kind::Scenario,
        serde_json::to_string(&sc).expect("serializes"),
    ));
    out.push((
        Kind::Scenario,
        serde_json::to_string_pretty(&sc).expect("serializes"),
    ));
    let root = env!("CARGO_MANIFEST_DIR");
    for (dir, ext, kind) in [
        ("tests/journeys", "json", Kind::Script),
        ("lessons", "toml", Kind::Lesson),
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .expect("the folder is there")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect();
        paths.sort();
        for p in paths {
            out.push((kind, std::fs::read_to_string(p).expect("readable")));
        }
    }
    out.push((
        Kind::Script,
        r#"{ "seed": 7, "steps": [ { "advance": "2m" }, "inspect", { "burst": { "count": 50, "clients": ["client-na"], "url": "https://healthcareapp.com/" } } ] }"#.into(),
    ));
    // A saved world whose journal is a journey's steps.
    let journey = out
        .iter()
        .find(|c| c.0 == Kind::Script)
        .and_then(|c| Script::from_json(&c.1).ok())
        .expect("a journey script reads");
    let journey_steps = journey.steps.clone();
    let journal = hoplab::classroom::Journal {
        steps: journey.steps,
        ..Default::default()
    };
    out.push((
        Kind::Saved,
        hoplab::classroom::SavedState::new(
            &journal,
            "client-na",
            hoplab::view::request::Method::Post,
            "https://healthcareapp.com/api/appointments",
            Some(hoplab::classroom::SavedLesson {
                id: "dns".into(),
                steps_done: 1,
            }),
        )
        .to_json(),
    ));
    out.push((
        Kind::Script,
        r#"{ "steps": [ { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/x" } }, { "fault": { "kind": "pod_down", "pod": "pod-a-1" } }, { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/x" } }, "diff" ] }"#.into(),
    ));
    out.push((
        Kind::Script,
        r#"{ "steps": [ { "dig": { "name": "healthcareapp.com", "type": "AAAA", "from": "client-na" } }, { "dig": { "name": "www.healthcareapp.com", "type": "MX", "from": "resolver" } }, { "edit": { "kind": "set_ip_address_type", "component": "cloudfront", "ip_address_type": "dualstack" } }, { "dig": { "name": "d1h2k3l4m5n6.cloudfront.net", "type": "aaaa", "from": "resolver-eu" } } ] }"#.into(),
    ));
    out.push((Kind::Link, "#lesson=dns&step=2".into()));
    // Share links: one as the page writes it, and what one carries (a
    // mutated payload is packed into a link by `run_link`).
    let (mut world, mut journal) = (
        World::default_world(),
        hoplab::classroom::Journal::default(),
    );
    for (i, step) in journey_steps.iter().take(12).enumerate() {
        if hoplab::sim::script::run_step(&mut world, step, i + 1).is_ok() {
            journal.record(step.clone());
        }
    }
    let shared = hoplab::classroom::SavedState::new(
        &journal,
        "client-na",
        hoplab::view::request::Method::Get,
        "https://healthcareapp.com/",
        None,
    );
    out.push((
        Kind::Link,
        format!(
            "#{}",
            hoplab::classroom::link::encode(&shared).expect("fits a link")
        ),
    ));
    out.push((
        Kind::Link,
        hoplab::classroom::link::payload(&shared).to_string(),
    ));
    out.push((Kind::Link, r#"{"dns":[0,1],"waf":[2]}"#.into()));
    out
}

/// Byte-level mutations; the result may be any UTF-8 text.
fn mutate_bytes(text: &str, other: &str, rng: &mut Rng) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..=rng.index(4) {
        let n = b.len().max(1);
        let at = rng.index(n).min(b.len());
        match rng.index(6) {
            0 if !b.is_empty() => {
                let i = rng.index(b.len());
                b[i] ^= 1 << rng.index(8);
            }
            1 => {
                let end = (at + rng.index(64) + 1).min(b.len());
                b.drain(at..end);
            }
            2 => {
                let end = (at + rng.index(256) + 1).min(b.len());
                let chunk = b[at..end].to_vec();
                for _ in 0..=rng.index(3) {
                    b.splice(at..at, chunk.iter().copied());
                }
            }
            3 => b.truncate(at),
            4 => {
                let o = other.as_bytes();
                let from = rng.index(o.len().max(1)).min(o.len());
                let end = (from + rng.index(512) + 1).min(o.len());
                b.splice(at..at, o[from..end].iter().copied());
            }
            _ => {
                let t = TOKENS[rng.index(TOKENS.len())];
                b.splice(at..at, t.bytes());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// A random JSON value, small or at a limit.
fn random_json(rng: &mut Rng) -> serde_json::Value {
    use serde_json::json;
    match rng.index(12) {
        0 => json!(null),
        1 => json!(rng.index(2) == 0),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(rng.range(0, 70_000)),
        5 => json!(1.5),
        6 => json!(""),
        7 => json!("x".repeat(rng.index(3000))),
        8 => json!([]),
        9 => json!({}),
        10 => json!(TOKENS[rng.index(TOKENS.len())]),
        _ => json!("999999999h"),
    }
}

/// A number near this one, or at a limit of its type: the edits that
/// keep a document well-formed and probe the ranges.
fn near_number(n: &serde_json::Number, rng: &mut Rng) -> serde_json::Value {
    use serde_json::json;
    let v = n.as_i64().unwrap_or(0);
    match rng.index(7) {
        0 => json!(v + 1),
        1 => json!(v - 1),
        2 => json!(0),
        3 => json!(v.saturating_mul(1000)),
        4 => json!(u32::MAX as u64 + 1),
        5 => json!(u16::MAX as u64 + 1),
        _ => json!(v as f64 + 0.5),
    }
}

/// A string near this one: cut, doubled, changed case, emptied, a
/// duration or an address of the wrong kind.
fn near_string(t: &str, rng: &mut Rng) -> serde_json::Value {
    let cut: String = t.chars().take(rng.index(t.len() + 1)).collect();
    serde_json::Value::String(match rng.index(6) {
        0 => cut,
        1 => format!("{t}{t}"),
        2 => t.to_uppercase(),
        3 => String::new(),
        4 => format!("{t} "),
        _ => ["10.0.0.0/8", "1h", "0", "pod-b-9", "us-west-2", "*"][rng.index(6)].to_string(),
    })
}

/// Structural mutations of a JSON document: a value replaced, a key
/// removed, renamed or an array element duplicated, somewhere in the tree.
fn mutate_json(text: &str, rng: &mut Rng) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    for _ in 0..=rng.index(3) {
        // Pick a node by walking down from the root (as a JSON pointer).
        let mut pointer = String::new();
        let mut node = &v;
        for _ in 0..rng.index(8) {
            let next = match node {
                serde_json::Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth(rng.index(m.len()))?;
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    &m[k]
                }
                serde_json::Value::Array(a) if !a.is_empty() => {
                    let i = rng.index(a.len());
                    pointer.push_str(&format!("/{i}"));
                    &a[i]
                }
                _ => break,
            };
            node = next;
            if rng.index(5) == 0 {
                break;
            }
        }
        let node = v.pointer_mut(&pointer)?;
        match node {
            serde_json::Value::Object(m) if !m.is_empty() && rng.index(2) == 0 => {
                let k = m.keys().nth(rng.index(m.len()))?.clone();
                let val = m.remove(&k)?;
                if rng.index(2) == 0 {
                    m.insert(format!("{k}{}", ["s", "_", "x"][rng.index(3)]), val);
                }
            }
            serde_json::Value::Array(a) if !a.is_empty() && rng.index(2) == 0 => {
                let i = rng.index(a.len());
                let dup = a[i].clone();
                for _ in 0..=rng.index(20) {
                    a.push(dup.clone());
                }
            }
            serde_json::Value::Number(n) if rng.index(2) == 0 => *node = near_number(n, rng),
            serde_json::Value::String(t) if rng.index(2) == 0 => *node = near_string(t, rng),
            other => *other = random_json(rng),
        }
    }
    serde_json::to_string(&v).ok()
}

/// Structural mutations of a TOML document, through the same JSON tree.
fn mutate_toml(text: &str, rng: &mut Rng) -> Option<String> {
    let v: toml::Value = toml::from_str(text).ok()?;
    let json = serde_json::to_string(&v).ok()?;
    let mutated = mutate_json(&json, rng)?;
    let back: serde_json::Value = serde_json::from_str(&mutated).ok()?;
    let t: toml::Value = serde_json::from_value(strip_nulls(back)).ok()?;
    toml::to_string(&t).ok()
}

/// TOML has no null: drop them.
fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, strip_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.into_iter()
                .filter(|x| !x.is_null())
                .map(strip_nulls)
                .collect(),
        ),
        other => other,
    }
}

fn refused(msg: String) -> Outcome {
    Outcome::Refused(msg)
}

/// Load a scenario, build its world, send a request, move the clock and
/// look at the live state.
fn run_scenario(text: &str, seed: u64) -> Outcome {
    let sc = match Scenario::from_json(text) {
        Ok(sc) => sc,
        Err(e) => return refused(e),
    };
    let mut w = match World::new(sc, seed) {
        Ok(w) => w,
        Err(e) => return refused(e),
    };
    let client = w
        .scenario()
        .clients
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_default();
    w.send(&Request::get(
        &client,
        "https://healthcareapp.com/api/appointments",
    ));
    w.advance(10 * 60_000);
    w.live_state().render_text();
    Outcome::Accepted
}

/// Parse and run a script on the default world.
fn run_script(text: &str) -> Outcome {
    let script = match Script::from_json(text) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let mut w = match World::new(
        hoplab::sim::defaults::default_scenario(),
        script.seed.unwrap_or(1),
    ) {
        Ok(w) => w,
        Err(e) => return refused(e),
    };
    let mut rendered = 0usize;
    let failed = script.run_each(&mut w, |r| rendered += r.render_text().len());
    match failed {
        Some(f) => refused(f.to_string()),
        None => Outcome::Accepted,
    }
}

/// Parse, check and play a lesson: each step's solution, then on.
fn run_lesson(text: &str, ids: &[String]) -> Outcome {
    let lesson = match Lesson::from_toml(text) {
        Ok(l) => l,
        Err(e) => return refused(e.to_string()),
    };
    if let Err(e) = hoplab::lesson::check(text, ids) {
        return refused(e.to_string());
    }
    let mut s = match Session::start(&lesson) {
        Ok(s) => s,
        Err(e) => return refused(e.to_string()),
    };
    while !s.finished() {
        let _ = s.predict_answer();
        let _ = s.goals();
        if let Err(e) = s.run_solution_step() {
            return refused(e);
        }
        if !s.next_step() {
            return refused("a step's solution does not meet its goals".into());
        }
    }
    Outcome::Accepted
}

/// The app's location hash (a lesson link or a share link) and stored
/// progress. A JSON text is also packed as a share link's payload, so the
/// mutations reach the world it describes.
fn run_link(text: &str) -> Outcome {
    let _ = hoplab::view::lesson::lesson_in_hash(text);
    let p = hoplab::view::lesson::Progress::from_json(text);
    let _ = p.to_json();
    let share = if text.starts_with('{') {
        Some(hoplab::classroom::link::pack(text.as_bytes()))
    } else {
        hoplab::classroom::link::is_link(text).then(|| text.to_string())
    };
    match share.map(|l| hoplab::classroom::link::decode(&l).and_then(|s| s.restore())) {
        Some(Err(e)) => refused(e),
        _ => Outcome::Accepted,
    }
}

/// A file handed to the app's Import (or its saved world): read, then
/// replayed.
fn run_saved(text: &str) -> Outcome {
    let world = match hoplab::classroom::import(text) {
        Ok(hoplab::classroom::Imported::State(s)) => s.restore(),
        Ok(hoplab::classroom::Imported::Scenario(s, _)) => World::new(s, 1),
        Err(e) => return refused(e),
    };
    match world {
        Ok(_) => Outcome::Accepted,
        Err(e) => refused(e),
    }
}

fn run_case(kind: Kind, text: String, seed: u64, ids: Vec<String>) -> Outcome {
    match kind {
        Kind::Scenario => run_scenario(&text, seed),
        Kind::Script => run_script(&text),
        Kind::Lesson => run_lesson(&text, &ids),
        Kind::Link => run_link(&text),
        Kind::Saved => run_saved(&text),
    }
}

/// One case in its own thread, under the time limit.
fn run_limited(
    kind: Kind,
    text: String,
    seed: u64,
    ids: &[String],
    counts: &mut Counts,
) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    let ids = ids.to_vec();
    let input = text.clone();
    let handle = std::thread::spawn(move || {
        let out = run_case(kind, input, seed, ids);
        let _ = tx.send(());
        out
    });
    counts.cases += 1;
    counts.by_kind[kind as usize] += 1;
    if rx.recv_timeout(limit()).is_err() && !handle.is_finished() {
        counts.hangs += 1;
        return Some(format!("hang ({kind:?}): {}", clip(&text)));
    }
    match handle.join() {
        Ok(Outcome::Accepted) => {
            counts.accepted += 1;
            counts.accepted_by_kind[kind as usize] += 1;
        }
        Ok(Outcome::Refused(m)) => {
            counts.refused += 1;
            if m.trim().is_empty() {
                counts.silent_refusals += 1;
                return Some(format!(
                    "refused without a message ({kind:?}): {}",
                    clip(&text)
                ));
            }
        }
        Err(_) => {
            counts.panics += 1;
            return Some(format!("panic ({kind:?}): {}", clip(&text)));
        }
    }
    None
}

fn clip(s: &str) -> String {
    let c: String = s.chars().take(300).collect();
    format!("{c:?}")
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn no_mutated_scenario_script_lesson_or_link_panics_hangs_or_is_refused_without_a_message() {
    let cases = env_u64("HOPLAB_FUZZ_CASES", SMALL_RUN as u64) as usize;
    let mut rng = Rng::new(env_u64("HOPLAB_FUZZ_SEED", 11));
    let corpus = corpus();
    let ids = hoplab::lesson::catalog_ids();
    // A panic is counted, not printed case by case.
    std::panic::set_hook(Box::new(|_| {}));
    let mut counts = Counts::default();
    let mut problems = Vec::new();
    let start = Instant::now();
    for i in 0..cases {
        // Three kinds in equal shares, links and saved worlds less often.
        let kind = [Kind::Scenario, Kind::Script, Kind::Lesson][rng.index(3)];
        let kind = match rng.index(10) {
            0 => Kind::Link,
            1 => Kind::Saved,
            _ => kind,
        };
        let of_kind: Vec<&String> = corpus
            .iter()
            .filter(|c| c.0 == kind)
            .map(|c| &c.1)
            .collect();
        let base = of_kind[rng.index(of_kind.len())];
        let other = &corpus[rng.index(corpus.len())].1;
        let text = match (rng.index(3), kind) {
            (0, _) => mutate_bytes(base, other, &mut rng),
            (_, Kind::Lesson) => {
                mutate_toml(base, &mut rng).unwrap_or_else(|| mutate_bytes(base, other, &mut rng))
            }
            _ => mutate_json(base, &mut rng).unwrap_or_else(|| mutate_bytes(base, other, &mut rng)),
        };
        if let Some(p) = run_limited(kind, text, i as u64, &ids, &mut counts) {
            problems.push(p);
        }
    }
    let _ = std::panic::take_hook();
    let took = start.elapsed();
    println!(
        "fuzz: {} cases in {:.1} s (accepted/cases: scenario {}/{}, script {}/{}, lesson {}/{}, link {}/{}, saved {}/{}): {} refused, {} accepted, {} panics, {} hangs, {} refusals without a message",
        counts.cases,
        took.as_secs_f64(),
        counts.accepted_by_kind[Kind::Scenario as usize],
        counts.by_kind[Kind::Scenario as usize],
        counts.accepted_by_kind[Kind::Script as usize],
        counts.by_kind[Kind::Script as usize],
        counts.accepted_by_kind[Kind::Lesson as usize],
        counts.by_kind[Kind::Lesson as usize],
        counts.accepted_by_kind[Kind::Link as usize],
        counts.by_kind[Kind::Link as usize],
        counts.accepted_by_kind[Kind::Saved as usize],
        counts.by_kind[Kind::Saved as usize],
        counts.refused,
        counts.accepted,
        counts.panics,
        counts.hangs,
        counts.silent_refusals
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(counts.refused + counts.accepted, counts.cases);
}
