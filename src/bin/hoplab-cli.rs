//! Hoplab's command-line tool: print the trace of a request against the
//! default scenario, as readable text or JSON.
//!
//! ```text
//! hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]
//! hoplab-cli --bench      # engine speed: one full trace, 10,000 requests
//! ```

use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, World};

fn usage() -> ! {
    eprintln!("usage: hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]");
    eprintln!("       hoplab-cli --bench");
    eprintln!("  prints the trace of one request against the default healthcareapp.com scenario");
    eprintln!("  clients: client-na (New York), client-eu (Paris), client-ap (Tokyo)");
    std::process::exit(2)
}

fn main() {
    let mut json = false;
    let mut client = DEFAULT_CLIENT.to_string();
    let mut method = "GET".to_string();
    let mut url = DEFAULT_URL.to_string();
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--client" => client = args.next().unwrap_or_else(|| usage()),
            "--method" => method = args.next().unwrap_or_else(|| usage()),
            "--seed" => {
                seed = args
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
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&trace).expect("a trace serializes")
        );
    } else {
        print!("{}", trace.render_text());
    }
}

/// Engine speed, measured (not asserted): a cold full-stack trace on a fresh
/// world, a warm one, and 10,000 requests from three clients in a row.
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
    let clients = ["client-na", "client-eu", "client-ap"];
    let mut w = fresh.clone();
    let t = Instant::now();
    let mut ok = 0u32;
    for i in 0..10_000usize {
        let r = Request::get(clients[i % 3], DEFAULT_URL);
        if w.send(&r).outcome.status == Some(200) {
            ok += 1;
        }
    }
    let burst = t.elapsed();
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
        "10,000 requests, 3 clients:            {:>8.1} ms ({ok} answered 200)",
        burst.as_secs_f64() * 1e3
    );
}
