//! Engine speed in a real browser (headless Chromium), measured and printed,
//! never asserted: `./.ci/dev bench` runs it in release mode. The assertions
//! only check that the measured work really happened.
//!
//! A browser runs new WebAssembly through a quick baseline compiler first
//! and optimizes the hot functions later, in the background. So a burst is
//! measured three ways:
//! - cold: the very first engine work on the page;
//! - after warm-up: what a learner's first burst costs in the app, which
//!   calls `World::warm_up` once while idle after start-up;
//! - steady: later bursts, the median of five.
#![cfg(target_arch = "wasm32")]

use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, World};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn perf_now() -> f64;
}

fn clients() -> Vec<String> {
    ["client-na", "client-eu", "client-ap"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// One burst of 10,000 GETs from a fresh copy of `fresh`: (ms, requests).
fn burst_ms(fresh: &World) -> (f64, usize) {
    let mut w = fresh.clone();
    let t0 = perf_now();
    let report = w
        .burst_get(10_000, &clients(), DEFAULT_URL)
        .expect("valid burst");
    (perf_now() - t0, report.requests)
}

#[wasm_bindgen_test]
async fn engine_speed_in_the_browser_is_measured_and_printed() {
    let fresh = World::default_world();
    let (cold_burst, n) = burst_ms(&fresh);
    assert_eq!(n, 10_000);

    // What the app does once after start-up, then an idle moment.
    assert!(fresh.warm_up() > 0);
    gloo_timers::future::TimeoutFuture::new(1_500).await;
    let (first_burst, _) = burst_ms(&fresh);

    let req = Request::get(DEFAULT_CLIENT, DEFAULT_URL);
    let n = 300;
    let t0 = perf_now();
    let mut hops = 0;
    for _ in 0..n {
        let mut w = fresh.clone();
        hops += w.send(&req).hops.len();
    }
    let cold = (perf_now() - t0) / n as f64;
    let mut w = fresh.clone();
    w.send(&req);
    let t0 = perf_now();
    for _ in 0..n {
        assert_eq!(w.send(&req).outcome.status, Some(200));
    }
    let warm = (perf_now() - t0) / n as f64;
    assert!(hops / n > 30);

    // An edit as the app makes it, then the re-trace (the 16 ms frame bar).
    let edit = hoplab::sim::Edit::benchmark_sample();
    let t0 = perf_now();
    for _ in 0..50 {
        let mut w = fresh.clone();
        w.apply_edit(&edit).expect("a valid edit");
        assert_eq!(w.send(&req).outcome.status, Some(200));
    }
    let edit_ms = (perf_now() - t0) / 50.0;

    let mut steady: Vec<f64> = (0..5).map(|_| burst_ms(&fresh).0).collect();
    steady.sort_by(|a, b| a.total_cmp(b));
    console_log!(
        "browser: full trace {:.3} ms (fresh world), {:.3} ms (cached DNS); edit + re-validate + re-trace {:.3} ms; burst of 10,000 requests: cold {:.1} ms, first after warm-up {:.1} ms, steady median {:.1} ms (fastest {:.1}, slowest {:.1})",
        cold,
        warm,
        edit_ms,
        cold_burst,
        first_burst,
        steady[2],
        steady[0],
        steady[4]
    );
}
