//! Hoplab's command-line tool: print the trace of a request against the
//! default scenario, as readable text or JSON.
//!
//! ```text
//! hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]
//! ```

use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, World};

fn usage() -> ! {
    eprintln!("usage: hoplab-cli [--json] [--client ID] [--method M] [--seed N] [URL]");
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
            "-h" | "--help" => usage(),
            s if s.starts_with("--") => usage(),
            s => url = s.to_string(),
        }
    }
    let mut world = World::new(hoplab::sim::defaults::default_scenario(), seed)
        .expect("the default scenario is valid");
    let trace = world.send(&Request {
        client,
        method,
        url,
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
