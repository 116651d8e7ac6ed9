//! Engine speed in a real browser (headless Chromium), measured and printed,
//! never asserted: `./.ci/dev bench` runs it in release mode. The assertions
//! only check that the measured work really happened.
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

#[wasm_bindgen_test]
fn engine_speed_in_the_browser_is_measured_and_printed() {
    let fresh = World::default_world();
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
    let clients: Vec<String> = ["client-na", "client-eu", "client-ap"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // Three bursts from a fresh world each: the first includes the
    // browser's compile tier-up, the later ones show the steady state.
    let mut bursts = Vec::new();
    let mut report = None;
    for _ in 0..3 {
        let mut w = fresh.clone();
        let t0 = perf_now();
        report = Some(
            w.burst_get(10_000, &clients, DEFAULT_URL)
                .expect("valid burst"),
        );
        bursts.push(perf_now() - t0);
    }
    let report = report.expect("three bursts ran");
    let burst = bursts[0];
    assert_eq!(report.requests, 10_000);
    assert!(hops / n > 30);
    console_log!(
        "browser: cold full trace {:.3} ms, warm full trace {:.3} ms, burst of 10,000 requests {:.1} ms (then {:.1} ms, {:.1} ms)",
        cold,
        warm,
        burst,
        bursts[1],
        bursts[2]
    );
}
