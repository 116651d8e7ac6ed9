//! Hoplab's command-line tool, for lesson authors and tests.
//!
//! ```text
//! hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]
//!     the trace of one request against the default scenario
//! hoplab-cli run SCRIPT.json [--scenario FILE.json] [--json]
//!     run a script of requests, bursts, clock moves, faults and edits
//! hoplab-cli diff BEFORE.json AFTER.json [--json]
//!     what changed from one JSON trace (as `--json` prints it) to another
//! hoplab-cli scenario
//!     print the default scenario as JSON (a starting point for your own)
//! hoplab-cli lesson check [LESSON.toml ...]
//!     check lesson files (default: every lessons/*.toml): schema, ids,
//!     setup, predict answers, solutions; one line per lesson
//! hoplab-cli lesson bundle [DIR]
//!     write the built-in lessons as the app downloads them (index.json and
//!     <id>.json) into DIR (default: $TRUNK_STAGING_DIR/lessons, as the
//!     Trunk build's post_build hook runs it)
//! hoplab-cli --bench
//!     engine speed: one full trace, 10,000 requests
//! ```
//!
//! With `--json` a trace is printed as JSON (a script's results as JSON
//! Lines): every hop with its typed `event` (`{"component": ..., "kind":
//! ...}`) and every check with its typed `side`, `leg`, `five_tuple` and
//! `rule` beside the rendered text, and the trace's `timeline` (its phases
//! with `kind`, `link`, `start_us`, `us`, `first_hop`, `last_hop`; the
//! text output prints it after the trace, one line per phase with a bar).
//! The format is public and only grows;
//! the README's section "The JSON trace format" lists every field.

use hoplab::sim::limits;
use hoplab::sim::scenario::Scenario;
use hoplab::sim::script::{Script, StepResult};
use hoplab::sim::timeline::timeline;
use hoplab::sim::trace::Trace;
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Fault, Request, World};

fn usage() -> ! {
    eprintln!("usage: hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]");
    eprintln!("       hoplab-cli run SCRIPT.json [--scenario FILE.json] [--json]");
    eprintln!("       hoplab-cli diff BEFORE.json AFTER.json [--json]");
    eprintln!("       hoplab-cli scenario");
    eprintln!("       hoplab-cli lesson check [LESSON.toml ...]");
    eprintln!("       hoplab-cli lesson bundle [DIR]");
    eprintln!("       hoplab-cli --bench");
    eprintln!("  clients: client-na (New York), client-eu (Paris), client-ap (Tokyo)");
    std::process::exit(2)
}

fn fail(msg: &str) -> ! {
    eprintln!("hoplab-cli: {msg}");
    std::process::exit(1)
}

/// A file's text, read through `Read::take` so that no file (not even
/// `/dev/zero`) is read past `limit` bytes: a larger one is refused.
fn read_limited(path: &std::path::Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let name = path.display();
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{name}: file is larger than {limit} bytes, the most hoplab-cli reads"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not UTF-8 text (byte {} is not part of a UTF-8 character)",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read(path: &str, limit: u64) -> String {
    read_limited(std::path::Path::new(path), limit).unwrap_or_else(|e| fail(&e))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(|s| s.as_str()) {
        Some("run") => return run(&args[1..]),
        Some("lesson") => return lesson(&args[1..]),
        Some("diff") => return diff(&args[1..]),
        Some("scenario") => {
            let s = hoplab::sim::defaults::default_scenario();
            println!(
                "{}",
                serde_json::to_string_pretty(&s).expect("a scenario serializes")
            );
            return;
        }
        _ => {}
    }
    let mut json = false;
    let mut client = DEFAULT_CLIENT.to_string();
    let mut method = "GET".to_string();
    let mut url = DEFAULT_URL.to_string();
    let mut seed = 1u64;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--client" => client = it.next().unwrap_or_else(|| usage()),
            "--method" => method = it.next().unwrap_or_else(|| usage()),
            "--seed" => {
                seed = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--bench" => return bench(),
            "-h" | "--help" => usage(),
            s if s.starts_with("--") => usage(),
            s => url = s.to_string(),
        }
    }
    let mut world = World::new(hoplab::sim::defaults::default_scenario(), seed)
        .expect("the default scenario is valid");
    let trace = world.send(&Request {
        method,
        ..Request::get(&client, &url)
    });
    print_one(&trace_json(&trace), json, |_| trace_text(&trace));
}

/// A trace as JSON with its `timeline` added (`sim::timeline`: where the
/// milliseconds went); every other field as `Trace` serializes it.
fn trace_json(trace: &Trace) -> serde_json::Value {
    let mut v = serde_json::to_value(trace).expect("a trace serializes");
    v["timeline"] = serde_json::to_value(timeline(trace)).expect("a timeline serializes");
    v
}

/// A trace as text, then its timeline: one line per phase with a bar.
fn trace_text(trace: &Trace) -> String {
    format!(
        "{}{}",
        trace.render_text(),
        timeline(trace).render_text(TIMELINE_BAR)
    )
}

/// The width of the text timeline's bar for the whole request, characters.
const TIMELINE_BAR: usize = 40;

/// One result on stdout: pretty-printed JSON with `--json`, else its text.
fn print_one<T: serde::Serialize>(value: &T, json: bool, text: impl FnOnce(&T) -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("a result serializes")
        );
    } else {
        print!("{}", text(value));
    }
}

/// `run SCRIPT [--scenario FILE] [--json]`: every step's result, as JSON
/// lines or text. Exit code 1 (with the step named) when a step fails.
fn run(args: &[String]) {
    let mut json = false;
    let mut script_path = None;
    let mut scenario_path = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--scenario" => scenario_path = Some(it.next().unwrap_or_else(|| usage()).clone()),
            s if s.starts_with("--") => usage(),
            s => script_path = Some(s.to_string()),
        }
    }
    let script_path = script_path.unwrap_or_else(|| usage());
    let script = Script::from_json(&read(&script_path, limits::MAX_SCRIPT_BYTES))
        .unwrap_or_else(|e| fail(&format!("{script_path}: {e}")));
    let scenario = match &scenario_path {
        Some(p) => {
            let (s, notes) = Scenario::read_file(&read(p, limits::MAX_SCENARIO_BYTES))
                .unwrap_or_else(|e| fail(&format!("{p}: {e}")));
            for n in notes {
                eprintln!("hoplab-cli: {p}: note: {n}");
            }
            s
        }
        None => hoplab::sim::defaults::default_scenario(),
    };
    let mut world = World::new(scenario, script.seed.unwrap_or(1)).unwrap_or_else(|e| fail(&e));
    // Each step's result is printed and flushed as soon as the step ends,
    // so a long script shows its progress and a failing step's
    // predecessors are already on screen.
    let err = script.run_each(&mut world, |r| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = if json {
            let mut v = serde_json::to_value(&r).expect("a result serializes");
            if let StepResult::Trace { trace, .. } = &r {
                v["trace"] = trace_json(trace);
            }
            writeln!(out, "{v}")
        } else {
            let timeline = match &r {
                StepResult::Trace { trace, .. } => timeline(trace).render_text(TIMELINE_BAR),
                _ => String::new(),
            };
            write!(out, "{}{timeline}", r.render_text())
        };
        let _ = out.flush();
    });
    if let Some(e) = err {
        fail(&format!("{script_path}: {e}"));
    }
}

/// `diff BEFORE AFTER [--json]`: what changed from one JSON trace to
/// another, as text or as one JSON object. Exit code 1 when a file cannot
/// be read or is not a trace.
fn diff(args: &[String]) {
    let mut json = false;
    let mut paths = Vec::new();
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            s if s.starts_with("--") => usage(),
            s => paths.push(s),
        }
    }
    let [before, after] = paths[..] else { usage() };
    let read_trace = |path: &str| -> Trace {
        let text = read(path, limits::MAX_TRACE_BYTES);
        hoplab::sim::text::read_json(&text).unwrap_or_else(|(at, e)| {
            fail(&format!(
                "{path}: not a JSON trace as hoplab-cli --json prints it: {}",
                hoplab::sim::text::field_error("trace", &at, &e.to_string())
            ))
        })
    };
    let d = hoplab::sim::diff::diff(&read_trace(before), &read_trace(after));
    print_one(&d, json, hoplab::sim::diff::TraceDiff::render_text);
}

/// `lesson check [PATH...]`: one line per lesson (`ok  dns  5 steps, ...`
/// or `FILE: path: problem`); exit code 1 when any lesson has a problem.
/// With no path, every `lessons/*.toml` (from the current directory, or the
/// crate's own folder when run through cargo elsewhere).
fn lesson(args: &[String]) {
    if args.first().map(String::as_str) == Some("bundle") {
        return lesson_bundle(&args[1..]);
    }
    if args.first().map(String::as_str) != Some("check") {
        usage()
    }
    let mut paths: Vec<std::path::PathBuf> = args[1..].iter().map(Into::into).collect();
    if paths.is_empty() {
        let dir = ["lessons", concat!(env!("CARGO_MANIFEST_DIR"), "/lessons")]
            .into_iter()
            .map(std::path::Path::new)
            .find(|d| d.is_dir())
            .unwrap_or_else(|| fail("no lessons/ folder here: give lesson files"));
        let rd = std::fs::read_dir(dir)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", dir.display())));
        paths = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            fail(&format!("no lesson files in {}", dir.display()));
        }
    }
    // Ids a lesson may require: the catalog built into this tool, plus the
    // files being checked and the lessons beside them (a new lesson may
    // require another new one).
    let mut ids = hoplab::lesson::catalog_ids();
    let mut add = |p: &std::path::Path| {
        if p.extension().is_some_and(|x| x == "toml") {
            if let Some(stem) = p.file_stem() {
                let stem = stem.to_string_lossy().to_string();
                if !ids.contains(&stem) {
                    ids.push(stem);
                }
            }
        }
    };
    for p in &paths {
        add(p);
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        if let Ok(rd) = std::fs::read_dir(dir.unwrap_or(std::path::Path::new("."))) {
            for e in rd.filter_map(|e| e.ok()) {
                add(&e.path());
            }
        }
    }
    let mut bad = 0;
    for p in &paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| p.display().to_string());
        let text = match read_limited(p, limits::MAX_LESSON_BYTES) {
            Ok(t) => t,
            Err(e) => {
                println!("{name}: {e}");
                bad += 1;
                continue;
            }
        };
        match hoplab::lesson::check(&text, &ids) {
            Ok(report) => {
                let stem = p.file_stem().map(|s| s.to_string_lossy().to_string());
                if stem.as_deref() != Some(report.id.as_str()) {
                    println!(
                        "{name}: id: '{}' must equal the file name without .toml",
                        report.id
                    );
                    bad += 1;
                } else {
                    println!("{report}");
                }
            }
            Err(e) => {
                println!("{name}: {e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "hoplab-cli: {bad} of {} lesson{} refused",
            paths.len(),
            if paths.len() == 1 { "" } else { "s" }
        );
        std::process::exit(1);
    }
}

/// `lesson bundle [DIR]`: the lessons as the app downloads them.
fn lesson_bundle(args: &[String]) {
    let dir = match args {
        [dir] => std::path::PathBuf::from(dir),
        [] => match std::env::var_os("TRUNK_STAGING_DIR") {
            Some(staging) => std::path::Path::new(&staging).join("lessons"),
            None => fail("give the folder to write the lessons into"),
        },
        _ => usage(),
    };
    let broken = hoplab::lesson::BundleIndex::of_catalog().broken;
    if !broken.is_empty() {
        fail(&format!("lessons that do not read: {}", broken.join("; ")));
    }
    match hoplab::lesson::bundle::write_bundle(&dir) {
        Ok(n) => eprintln!("hoplab-cli: {n} lessons written to {}", dir.display()),
        Err(e) => fail(&format!("cannot write lessons into {}: {e}", dir.display())),
    }
}

/// Engine speed, measured (not asserted): a cold full-stack trace on a fresh
/// world, a warm one, and a burst of 10,000 requests from three clients.
fn bench() {
    use std::time::Instant;
    let fresh = World::new(hoplab::sim::defaults::default_scenario(), 1).expect("valid");
    let req = Request::get(DEFAULT_CLIENT, DEFAULT_URL);
    let n = 2_000u32;
    let mut hops = 0usize;
    let t = Instant::now();
    for _ in 0..n {
        let mut w = fresh.clone();
        hops += std::hint::black_box(w.send(&req)).hops.len();
    }
    let cold = t.elapsed() / n;
    let mut w = fresh.clone();
    w.send(&req);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(w.send(&req));
    }
    let warm = t.elapsed() / n;
    let clients: Vec<String> = ["client-na", "client-eu", "client-ap"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // An edit as the app makes it: copy the scenario, apply, re-validate,
    // then re-send the request (the design's bar: inside one 16 ms frame).
    let edit = hoplab::sim::Edit::benchmark_sample();
    let t = Instant::now();
    for _ in 0..200 {
        let mut w = fresh.clone();
        w.apply_edit(&edit).expect("a valid edit");
        std::hint::black_box(w.send(&req));
    }
    let edit_time = t.elapsed() / 200;
    // Five bursts, each from a fresh world: the first and the fastest are
    // printed, so one noisy run on a busy machine is visible as such.
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..5 {
        let mut w = fresh.clone();
        let t = Instant::now();
        report = Some(
            w.burst_get(10_000, &clients, DEFAULT_URL)
                .expect("a valid burst"),
        );
        times.push(t.elapsed());
    }
    let report = report.expect("five bursts ran");
    let burst = times[0];
    let best = times.iter().min().copied().unwrap_or(burst);
    println!(
        "cold full trace (fresh world, {} hops): {:>8.1} us",
        hops / n as usize,
        cold.as_secs_f64() * 1e6
    );
    println!(
        "warm full trace (cached DNS):          {:>8.1} us",
        warm.as_secs_f64() * 1e6
    );
    println!(
        "edit + re-validate + re-trace:         {:>8.1} us",
        edit_time.as_secs_f64() * 1e6
    );
    println!(
        "burst of 10,000 requests, 3 clients:   {:>8.1} ms, best of 5 {:.1} ms ({} answered 200, {} blocked by WAF's rate rule)",
        burst.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3,
        report.status.get(200).copied().unwrap_or(0),
        report.waf_blocks
    );
    bench_clock(&fresh);
}

/// The clock: a simulated day, month and year of the default world, and a
/// minute and an hour of the default world with 1,000 more Route 53 health
/// checks.
fn bench_clock(fresh: &World) {
    use std::time::Instant;
    const H: u64 = 3_600_000;
    let spans = [
        ("a day", 24 * H),
        ("a month", 30 * 24 * H),
        ("a year", 365 * 24 * H),
    ];
    let time = |w: &World, ms: u64| {
        let mut w = w.clone();
        let t = Instant::now();
        w.advance(ms);
        std::hint::black_box(&w);
        t.elapsed()
    };
    for (name, ms) in spans {
        println!(
            "advance {name:<8} (default world):         {:>8.1} ms",
            time(fresh, ms).as_secs_f64() * 1e3
        );
    }
    // With something broken the rounds run one by one until every check
    // has counted it (and a deregistered target has drained), then skip.
    for (name, fault) in [
        (
            "pod-a-1 crashed",
            Fault::PodDown {
                pod: "pod-a-1".into(),
            },
        ),
        (
            "us-east-1 down",
            Fault::RegionDown {
                region: "us-east-1".into(),
            },
        ),
    ] {
        let mut w = fresh.clone();
        w.set_fault(fault, true);
        println!(
            "advance a year ({name:<15}):         {:>8.1} ms",
            time(&w, 365 * 24 * H).as_secs_f64() * 1e3
        );
    }
    // The reference that runs every round, for comparison.
    let mut w = fresh.clone();
    let t = Instant::now();
    w.advance_stepwise(24 * H);
    println!(
        "advance a day, every round run (reference): {:>8.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut sc = fresh.scenario().clone();
    let Some(first) = sc
        .dns
        .health_checks
        .iter()
        .find(|h| h.calculated.is_none())
        .cloned()
    else {
        return;
    };
    for i in 0..1_000 {
        let mut hc = first.clone();
        hc.id = format!("bench-hc-{i}");
        sc.dns.health_checks.push(hc);
    }
    let Ok(many) = World::new(sc, 1) else {
        println!("advance with 1,000 more health checks: the scenario refuses them");
        return;
    };
    // Once every check is settled the rest of a span is arithmetic; the
    // cost left is looking at each check (and running the rounds until
    // they settle).
    for (name, ms) in [
        ("a minute", 60_000),
        ("an hour", H),
        ("a year", 365 * 24 * H),
    ] {
        println!(
            "advance {name:<8} (+1,000 health checks): {:>8.1} ms",
            time(&many, ms).as_secs_f64() * 1e3
        );
    }
}
