//! Browser tests: the real app in headless Chromium (wasm-bindgen-test).
//! Run: `cargo test --target wasm32-unknown-unknown --test browser`
//! (needs wasm-bindgen-test-runner 0.2.130 and CHROMEDRIVER, see .cargo/config.toml).
//!
//! Every test mounts its own app in its own element and looks things up
//! inside it by `data-testid`.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

mod page;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mount a fresh app in a new element at the end of the page.
async fn mount() -> HtmlElement {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    hoplab::ui::mount_to(root.clone());
    settle().await;
    root
}

/// Let leptos apply pending updates to the DOM.
async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

fn find(root: &HtmlElement, testid: &str) -> Element {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
}

fn find_all(root: &HtmlElement, testid: &str) -> Vec<Element> {
    let list = root
        .query_selector_all(&format!("[data-testid=\"{testid}\"]"))
        .unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

/// Click anything, SVG groups included: a bubbling click event.
async fn click(root: &HtmlElement, testid: &str) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    find(root, testid).dispatch_event(&ev).unwrap();
    settle().await;
}

fn select_all(root: &HtmlElement, css: &str) -> Vec<Element> {
    let list = root.query_selector_all(css).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn exists(root: &HtmlElement, testid: &str) -> bool {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .is_some()
}

/// Type into a text field: set its value and fire `input`, as typing does.
async fn type_into(root: &HtmlElement, testid: &str, value: &str) {
    let input: HtmlInputElement = find(root, testid).unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
}

/// Pick an option of a `<select>` and fire `change`.
async fn choose(root: &HtmlElement, testid: &str, value: &str) {
    let select: HtmlSelectElement = find(root, testid).unchecked_into();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
}

fn count_of(el: &Element) -> usize {
    el.get_attribute("data-count")
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no data-count on {}", el.outer_html()))
}

/// The burst report's status bars, as (testid, count).
fn status_bars(root: &HtmlElement) -> Vec<(String, usize)> {
    select_all(root, "[data-testid^=\"burst-status-\"]")
        .iter()
        .map(|b| (b.get_attribute("data-testid").unwrap(), count_of(b)))
        .collect()
}

/// The outcome box's text. The outcome is shown once playback reaches the
/// last hop, so jump there first if it is not yet.
async fn outcome(root: &HtmlElement) -> String {
    if exists(root, "jump-to-outcome") {
        click(root, "jump-to-outcome").await;
    }
    text(&find(root, "outcome"))
}

fn trace_text(root: &HtmlElement) -> String {
    find_all(root, "trace-row")
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn active_index(root: &HtmlElement) -> Option<usize> {
    find_all(root, "trace-row")
        .iter()
        .position(|r| r.get_attribute("data-active").as_deref() == Some("true"))
}

#[wasm_bindgen_test]
async fn sending_the_default_request_visits_the_whole_stack_and_stepping_moves_the_active_row() {
    let root = mount().await;
    assert!(
        find_all(&root, "trace-row").is_empty(),
        "no trace before Send"
    );
    click(&root, "send").await;

    let rows = find_all(&root, "trace-row");
    assert!(
        rows.len() > 20,
        "a full journey has many hops, got {}",
        rows.len()
    );
    let all: String = rows.iter().map(text).collect::<Vec<_>>().join("\n");
    for id in [
        "root",
        "tld-com",
        "route53",
        "cloudfront",
        "waf",
        "alb-a",
        "pod-",
        "rds-a-1",
    ] {
        assert!(all.contains(id), "the trace visits {id}:\n{all}");
    }
    assert!(rows
        .iter()
        .all(|r| r.get_attribute("data-verdict").as_deref() == Some("pass")));
    let out = outcome(&root).await;
    assert!(out.contains("200"), "outcome: {out}");
    assert!(text(&find(&root, "hop-card")).contains("Hop"));
    assert!(
        root.query_selector("[data-testid=\"packet\"]")
            .unwrap()
            .is_some(),
        "the packet marker is drawn"
    );

    click(&root, "step-first").await;
    assert_eq!(active_index(&root), Some(0));
    click(&root, "step-forward").await;
    assert_eq!(active_index(&root), Some(1));
    click(&root, "step-forward").await;
    assert_eq!(active_index(&root), Some(2));
    click(&root, "step-back").await;
    assert_eq!(active_index(&root), Some(1));
    click(&root, "step-last").await;
    assert_eq!(active_index(&root), Some(rows.len() - 1));
    assert_eq!(
        find_all(&root, "trace-row")
            .iter()
            .filter(|r| r.get_attribute("data-active").as_deref() == Some("true"))
            .count(),
        1
    );
}

#[wasm_bindgen_test]
async fn deleting_the_public_nacl_https_rule_drops_the_syn_at_acl_public_a_and_ends_in_504() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    assert!(text(&find(&root, "inspector")).contains("alb-a"));
    find(&root, "nacl-rule-acl-public-a-inbound-100");
    click(&root, "nacl-delete-acl-public-a-inbound-100").await;
    assert!(
        root.query_selector("[data-testid=\"nacl-rule-acl-public-a-inbound-100\"]")
            .unwrap()
            .is_none(),
        "the rule row is gone"
    );
    assert!(text(&root).contains("edited — press Send to replay"));

    click(&root, "send").await;
    let rows = find_all(&root, "trace-row");
    let dropped: Vec<_> = rows
        .iter()
        .filter(|r| r.get_attribute("data-verdict").as_deref() == Some("dropped"))
        .collect();
    assert_eq!(dropped.len(), 1, "one hop is dropped");
    let t = text(dropped[0]);
    assert!(
        t.contains("acl-public-a") && t.contains("rule *"),
        "the dropped hop names the ACL and its * rule: {t}"
    );
    let out = outcome(&root).await;
    assert!(out.contains("504"), "outcome: {out}");
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.outer_html()))
}

#[wasm_bindgen_test]
async fn replay_after_deleting_the_public_nacl_https_rule_shows_the_changed_check_and_marks_where_the_paths_part(
) {
    let root = mount().await;
    assert!(!exists(&root, "replay"), "nothing to replay before a Send");
    // Twice, so the DNS caches are filled before and after: the paths
    // part where the edit is, not at the first lookup.
    click(&root, "send").await;
    click(&root, "send").await;
    assert!(!exists(&root, "replay"), "a fresh trace is not stale");
    click(&root, "node-alb-a").await;
    click(&root, "nacl-delete-acl-public-a-inbound-100").await;
    assert!(exists(&root, "dirty"));
    click(&root, "replay").await;
    assert!(!exists(&root, "dirty"), "the replayed trace is fresh");
    assert!(!exists(&root, "replay"));

    let panel = find(&root, "diff-panel");
    assert_eq!(attr(&panel, "role"), "region");
    assert_eq!(attr(&panel, "data-empty"), "false");
    let heading = attr(&panel, "aria-labelledby");
    assert_eq!(
        text(
            &panel
                .query_selector(&format!("#{heading}"))
                .unwrap()
                .unwrap()
        ),
        "What changed"
    );

    let rows = find_all(&root, "diff-row");
    let nacl: Vec<&Element> = rows
        .iter()
        .filter(|r| r.get_attribute("data-check-kind").as_deref() == Some("NACL"))
        .collect();
    assert_eq!(nacl.len(), 1, "one NACL check changed");
    let r = nacl[0];
    assert_eq!(
        [
            "data-kind",
            "data-subject",
            "data-direction",
            "data-allowed-before",
            "data-allowed-after",
            "data-to"
        ]
        .map(|a| attr(r, a)),
        ["check", "acl-public-a", "inbound", "true", "false", "alb-a"]
    );
    assert!(
        text(r).contains("allowed by rule 100 → denied by the * rule"),
        "{}",
        text(r)
    );
    assert!(
        rows.iter().any(|r| attr(r, "data-kind") == "removed"
            && r.get_attribute("data-to").as_deref() == Some("rds-a-1")),
        "the database query no longer happens"
    );

    let out = find(&root, "diff-outcome");
    assert_eq!(
        ["data-changed", "data-status-before", "data-status-after"].map(|a| attr(&out, a)),
        ["true", "200 OK", "504 Gateway Timeout"]
    );
    assert_eq!(
        attr(&find(&root, "diff-divergence"), "data-component"),
        "alb-a"
    );

    let alb = find(&root, "node-alb-a");
    assert_eq!(attr(&alb, "data-diverged"), "true");
    assert!(attr(&alb, "aria-label").contains("paths part here"));
    assert_eq!(
        attr(&find(&root, "node-cloudfront"), "data-diverged"),
        "false"
    );

    // Closing the panel clears the mark; Compare with previous opens it again.
    click(&root, "diff-close").await;
    assert!(!exists(&root, "diff-panel"));
    assert_eq!(attr(&find(&root, "node-alb-a"), "data-diverged"), "false");
    click(&root, "compare").await;
    assert_eq!(
        attr(&find(&root, "diff-divergence"), "data-component"),
        "alb-a"
    );
}

#[wasm_bindgen_test]
async fn replay_after_a_change_off_the_request_s_path_says_nothing_changed() {
    let root = mount().await;
    // A static file with the browser cache off: from the second send on,
    // every DNS cache and CloudFront's cache answer the same way.
    type_into(
        &root,
        "url-input",
        "https://healthcareapp.com/static/app.js",
    )
    .await;
    click(&root, "disable-cache").await;
    click(&root, "send").await;
    click(&root, "send").await;
    // Invalidating the API's paths marks the trace stale but touches
    // nothing this request meets.
    click(&root, "node-cloudfront").await;
    type_into(&root, "invalidate-path", "/api/*").await;
    click(&root, "invalidate").await;
    assert!(exists(&root, "dirty"));
    // The request bar changes after the send; Replay sends the trace's request.
    type_into(
        &root,
        "url-input",
        "https://healthcareapp.com/api/appointments",
    )
    .await;
    click(&root, "replay").await;
    let panel = find(&root, "diff-panel");
    assert_eq!(attr(&panel, "data-empty"), "true");
    assert!(
        text(&find(&root, "diff-summary")).starts_with("nothing changed on the request's path"),
        "{}",
        text(&panel)
    );
    assert!(find_all(&root, "diff-row").is_empty());
    assert!(!exists(&root, "diff-divergence"));
    let out = find(&root, "diff-outcome");
    assert_eq!(attr(&out, "data-changed"), "false");
    assert_eq!(attr(&out, "data-status-after"), "200 OK");
    assert!(find_all(&root, "trace-row")
        .iter()
        .all(|r| !text(r).contains("rds-a-1")));
    assert_eq!(select_all(&root, "[data-diverged=\"true\"]").len(), 0);
}

#[wasm_bindgen_test]
async fn a_bad_subnet_cidr_is_refused_with_a_reason_and_the_subnet_keeps_its_cidr() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    let input: HtmlInputElement = find(&root, "subnet-cidr-subnet-public-a1").unchecked_into();
    assert_eq!(input.value(), "10.0.0.0/24");
    input.set_value("10.0.0.300/24");
    click(&root, "subnet-cidr-save-subnet-public-a1").await;

    let err = text(&find(&root, "edit-error"));
    assert!(err.contains("not an IPv4 CIDR"), "refusal: {err}");
    assert_eq!(input.value(), "10.0.0.300/24", "the typed text stays");
    assert_eq!(
        text(&find(&root, "subnet-label-subnet-public-a1")),
        "10.0.0.0/24",
        "the diagram keeps the old CIDR"
    );
    assert!(
        !text(&root).contains("edited — press Send to replay"),
        "nothing changed"
    );

    // A good CIDR is accepted and shows up in the diagram.
    input.set_value("10.0.0.0/25");
    click(&root, "subnet-cidr-save-subnet-public-a1").await;
    assert!(root
        .query_selector("[data-testid=\"edit-error\"]")
        .unwrap()
        .is_none());
    assert_eq!(
        text(&find(&root, "subnet-label-subnet-public-a1")),
        "10.0.0.0/25"
    );
}

#[wasm_bindgen_test]
async fn the_clock_advances_and_a_fault_toggle_shows_as_a_chip() {
    let root = mount().await;
    assert_eq!(text(&find(&root, "clock")), "00:00");
    click(&root, "advance-10s").await;
    assert_eq!(text(&find(&root, "clock")), "00:10");
    click(&root, "advance-1m").await;
    assert_eq!(text(&find(&root, "clock")), "01:10");

    click(&root, "node-pod-a-1").await;
    click(&root, "fault-0").await;
    let chips = find_all(&root, "fault-chip");
    assert_eq!(chips.len(), 1);
    assert!(text(&chips[0]).contains("pod-a-1"));
}

#[wasm_bindgen_test]
async fn letting_time_pass_after_a_send_marks_the_trace_stale_until_the_next_send() {
    let root = mount().await;
    click(&root, "send").await;
    assert!(!exists(&root, "dirty"), "a fresh trace is not stale");
    click(&root, "advance-10s").await;
    assert_eq!(text(&find(&root, "clock")), "00:10");
    assert!(
        text(&find(&root, "dirty")).contains("time passed"),
        "TTLs and health checks moved on, so the trace may no longer be what Send shows"
    );
    click(&root, "send").await;
    assert!(!exists(&root, "dirty"), "the new trace is not stale");
    click(&root, "advance-1m").await;
    assert!(exists(&root, "dirty"), "+1m marks it stale too");
}

#[wasm_bindgen_test]
async fn a_burst_of_300_shows_a_report_whose_status_counts_add_up_to_300_and_marks_the_trace_stale()
{
    let root = mount().await;
    click(&root, "send").await;
    assert!(!exists(&root, "dirty"), "a fresh trace is not stale");

    click(&root, "show-burst").await;
    assert_eq!(
        find(&root, "show-burst")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    assert!(!exists(&root, "burst-report"), "no report before a burst");
    assert_eq!(
        find(&root, "burst-count")
            .unchecked_into::<HtmlInputElement>()
            .value(),
        "1000",
        "the count starts at 1000"
    );
    for id in ["client-na", "client-eu", "client-ap"] {
        let tick: HtmlInputElement = find(&root, &format!("burst-client-{id}")).unchecked_into();
        assert!(tick.checked(), "{id} is ticked by default");
    }
    assert_eq!(
        text(&find(&root, "burst-url")),
        "https://healthcareapp.com/api/appointments",
        "the burst sends the request bar's URL"
    );

    type_into(&root, "burst-count", "300").await;
    click(&root, "burst-send").await;

    assert!(!exists(&root, "burst-error"));
    find(&root, "burst-report");
    let bars = status_bars(&root);
    let total: usize = bars.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 300, "the status bars add up to the burst: {bars:?}");
    // 100 per client is far below WAF's rate limit: every request gets 200.
    assert_eq!(bars, vec![("burst-status-200".to_string(), 300)]);
    assert_eq!(count_of(&find(&root, "burst-waf")), 0);
    assert!(text(&find(&root, "burst-regions")).contains("us-east-1"));
    let pods = text(&find(&root, "burst-pods"));
    assert!(
        pods.contains("pod-a-1") && pods.contains("pod-a-4"),
        "round robin reaches every pod: {pods}"
    );
    assert!(
        text(&find(&root, "burst-cache")).starts_with("0 %"),
        "the API is not cached"
    );
    for k in ["p50", "p90", "p99", "max"] {
        assert!(text(&find(&root, &format!("burst-latency-{k}"))).ends_with(" ms"));
    }
    let summary = text(&find(&root, "burst-summary"));
    assert!(
        summary.starts_with("All 300 requests succeeded"),
        "summary: {summary}"
    );
    assert!(
        text(&find(&root, "dirty")).contains("burst"),
        "the trace on screen predates the burst"
    );
}

#[wasm_bindgen_test]
async fn a_burst_from_new_york_alone_past_the_waf_rate_limit_shows_blocks_and_the_next_send_gets_403_from_waf(
) {
    let root = mount().await;
    click(&root, "show-burst").await;
    click(&root, "burst-client-client-eu").await;
    click(&root, "burst-client-client-ap").await;
    type_into(&root, "burst-count", "2100").await;
    click(&root, "burst-send").await;

    // WAF's rate rule allows 2,000 requests per IP in 5 minutes.
    let bars = status_bars(&root);
    assert_eq!(
        bars,
        vec![
            ("burst-status-200".to_string(), 2000),
            ("burst-status-403-waf".to_string(), 100)
        ]
    );
    let waf_bar = find(&root, "burst-status-403-waf");
    assert_eq!(waf_bar.get_attribute("data-kind").as_deref(), Some("waf"));
    assert!(text(&waf_bar).contains("WAF"));
    assert_eq!(count_of(&find(&root, "burst-waf")), 100);
    let summary = text(&find(&root, "burst-summary"));
    assert!(
        summary.contains("2,000 of 2,100") && summary.contains("WAF blocked 100"),
        "summary: {summary}"
    );

    // The burst changed the live world: the learner's next request is over the limit too.
    click(&root, "send").await;
    assert_eq!(
        find(&root, "show-trace")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true"),
        "Send shows the trace"
    );
    let out = outcome(&root).await;
    assert!(out.contains("403"), "outcome: {out}");
    assert!(out.contains("waf"), "WAF decided: {out}");
    assert!(!exists(&root, "dirty"), "a new trace is not stale");
}

#[wasm_bindgen_test]
async fn refused_burst_counts_and_an_empty_client_list_show_a_reason_and_change_nothing() {
    let root = mount().await;
    click(&root, "show-burst").await;
    // Only New York: had any of these run (even clamped to 10,000 or at the
    // default 1,000), New York would be over WAF's rate limit afterwards.
    click(&root, "burst-client-client-eu").await;
    click(&root, "burst-client-client-ap").await;
    let cases = [
        ("", "Type how many requests"),
        ("   ", "Type how many requests"),
        ("0", "at least 1 request"),
        ("-5", "at least 1 request, not -5"),
        ("abc", "is not a whole number"),
        ("2.5", "is not a whole number"),
        ("20000", "at most 10,000 requests, not 20,000"),
        ("10001", "at most 10,000 requests, not 10,001"),
        ("99999999999999999999999", "at most 10,000 requests"),
    ];
    for (typed, reason) in cases {
        type_into(&root, "burst-count", typed).await;
        assert!(
            !exists(&root, "burst-error"),
            "typing clears the old message"
        );
        click(&root, "burst-send").await;
        let err = text(&find(&root, "burst-error"));
        assert!(err.contains(reason), "count {typed:?}: {err}");
        assert!(
            !exists(&root, "burst-report"),
            "count {typed:?} made a report"
        );
        assert!(
            !exists(&root, "dirty"),
            "count {typed:?} marked the world changed"
        );
    }

    type_into(&root, "burst-count", "5000").await;
    click(&root, "burst-client-client-na").await;
    click(&root, "burst-send").await;
    assert!(text(&find(&root, "burst-error")).contains("Tick at least one client"));
    assert!(!exists(&root, "burst-report"));
    assert!(!exists(&root, "dirty"));
    assert_eq!(text(&find(&root, "clock")), "00:00");

    // Nothing ran: New York's first request still goes through WAF to a pod.
    click(&root, "send").await;
    let out = outcome(&root).await;
    assert!(out.contains("200"), "outcome: {out}");
    assert!(
        find_all(&root, "trace-row")
            .iter()
            .all(|r| r.get_attribute("data-verdict").as_deref() == Some("pass")),
        "{}",
        trace_text(&root)
    );
}

#[wasm_bindgen_test]
async fn post_to_api_appointments_produces_a_trace_that_reaches_the_sms_api_through_the_nat_gateway(
) {
    let root = mount().await;
    assert_eq!(
        find(&root, "method")
            .unchecked_into::<HtmlSelectElement>()
            .value(),
        "GET"
    );
    click(&root, "send").await;
    assert!(
        !trace_text(&root).contains("sms-api"),
        "a GET only reads: no SMS"
    );

    choose(&root, "method", "POST").await;
    click(&root, "send").await;
    let all = trace_text(&root);
    assert!(
        all.contains("pod-a-1 → nat-a1") || all.contains("→ nat-a"),
        "the pod leaves through a NAT gateway:\n{all}"
    );
    assert!(
        all.contains("→ sms-api"),
        "the trace reaches the SMS API:\n{all}"
    );
    let out = outcome(&root).await;
    assert!(out.contains("201"), "booked: {out}");
    assert!(
        text(&root).contains("POST https://healthcareapp.com/api/appointments"),
        "the trace heading names the method"
    );
}

#[wasm_bindgen_test]
async fn typing_an_http_url_shows_cloudfronts_301_and_the_browser_following_it_to_https() {
    let root = mount().await;
    type_into(&root, "url-input", "http://healthcareapp.com/").await;
    click(&root, "send").await;
    let all = trace_text(&root);
    assert!(
        all.contains(
            "HTTP 301 X-Cache: Redirect from cloudfront, Location: https://healthcareapp.com/"
        ),
        "CloudFront redirects plain HTTP:\n{all}"
    );
    assert!(
        all.contains("follow 301 redirect to GET https://healthcareapp.com/"),
        "the browser follows the Location:\n{all}"
    );
    assert!(
        all.contains("TLS 1.3 handshake"),
        "then speaks HTTPS:\n{all}"
    );
    let out = outcome(&root).await;
    assert!(
        out.contains("200") && out.contains("after 1 redirect"),
        "the outcome is the page, reached after one redirect: {out}"
    );
}

#[wasm_bindgen_test]
async fn a_delete_from_the_method_selector_is_answered_405_by_the_application_itself() {
    let root = mount().await;
    choose(&root, "method", "DELETE").await;
    click(&root, "send").await;
    let out = outcome(&root).await;
    assert!(out.contains("405"), "the API does not serve DELETE: {out}");
    assert!(
        out.contains("pod-a-"),
        "the pod answers, not the ALB: {out}"
    );
    assert!(
        text(&root).contains("DELETE https://healthcareapp.com/api/appointments"),
        "the trace heading names the method"
    );
}

#[wasm_bindgen_test]
async fn a_second_get_of_a_static_file_comes_from_the_browser_cache_unless_the_cache_is_disabled() {
    let root = mount().await;
    type_into(
        &root,
        "url-input",
        "https://healthcareapp.com/static/app.js",
    )
    .await;
    click(&root, "send").await;
    assert!(
        trace_text(&root).contains("→ s3"),
        "the first GET reaches S3"
    );
    click(&root, "send").await;
    let rows = find_all(&root, "trace-row");
    assert_eq!(
        rows.len(),
        1,
        "nothing leaves the browser:\n{}",
        trace_text(&root)
    );
    assert!(trace_text(&root).contains("browser HTTP cache: fresh copy"));
    assert!(outcome(&root).await.contains("200"));
    click(&root, "disable-cache").await;
    assert!(find(&root, "disable-cache")
        .unchecked_into::<HtmlInputElement>()
        .checked());
    click(&root, "send").await;
    let all = trace_text(&root);
    assert!(
        all.contains("X-Cache: Hit from cloudfront"),
        "with the browser cache off, CloudFront's copy answers:\n{all}"
    );
}

#[wasm_bindgen_test]
async fn the_warm_up_after_start_up_leaves_the_world_as_it_was() {
    let warmed = mount().await;
    // The app warms the engine up 1.5 s after mounting.
    gloo_timers::future::TimeoutFuture::new(2_000).await;
    let fresh = mount().await;
    click(&warmed, "send").await;
    click(&fresh, "send").await;
    assert_eq!(
        trace_text(&warmed),
        trace_text(&fresh),
        "the first request after the warm-up sees the world a fresh app sees"
    );
    assert!(trace_text(&warmed).contains("DNS_CACHE_MISS"));
}

// ---- Lessons -----------------------------------------------------------

/// Mount a fresh app with the page's hash set to `hash` (a lesson link),
/// then clear the hash so later tests start in the sandbox.
async fn mount_at(hash: &str) -> HtmlElement {
    let location = web_sys::window().unwrap().location();
    location.set_hash(hash).unwrap();
    let root = mount().await;
    location.set_hash("").unwrap();
    settle().await;
    root
}

fn forget_lesson_progress() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("hoplab.lessons.v1").unwrap();
}

/// The element with `testid` inside the element with `within`.
fn find_in(root: &HtmlElement, within: &str) -> HtmlElement {
    find(root, within).unchecked_into()
}

fn goal_states(root: &HtmlElement) -> Vec<bool> {
    find_all(root, "goal")
        .iter()
        .map(|g| g.get_attribute("data-met").as_deref() == Some("true"))
        .collect()
}

#[wasm_bindgen_test]
async fn a_lesson_link_opens_journey_and_send_meets_its_first_steps_goals() {
    forget_lesson_progress();
    let root = mount_at("#lesson=journey").await;
    assert!(text(&find(&root, "lesson-title")).contains("journey"));
    assert_eq!(text(&find(&root, "lesson-step")), "Step 1 of 4");
    assert!(text(&find(&root, "lesson-progress")).starts_with("0 / "));
    let before = goal_states(&root);
    assert!(!before.is_empty(), "the step has goals");
    assert!(before.iter().all(|met| !met), "no goal holds before acting");
    assert!(!exists(&root, "explanation"));
    // Hidden by the page's stylesheet (not loaded in these tests): the app
    // names the controls the lesson hides.
    let app = root.query_selector("[data-lesson-hide]").unwrap().unwrap();
    assert_eq!(
        app.get_attribute("data-lesson-hide").as_deref(),
        Some("burst"),
        "journey hides the burst panel (hide_controls)"
    );

    // Predict, then act.
    click(&root, "predict-choice-3").await;
    click(&root, "send").await;
    settle().await;
    let after = goal_states(&root);
    assert!(after.iter().all(|met| *met), "goals after Send: {after:?}");
    assert!(text(&find(&root, "explanation")).contains("fact sheet"));
    let verdict = text(&find(&root, "predict-verdict"));
    assert!(
        verdict.contains("pod-a-"),
        "the computed answer is a pod: {verdict}"
    );
    assert!(text(&find(&root, "lesson-progress")).starts_with("1 / "));
    let stored = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item("hoplab.lessons.v1")
        .unwrap()
        .unwrap_or_default();
    assert_eq!(stored, "{\"journey\":[0]}");
    // A new page (a reload) lists the step as done.
    let again = mount().await;
    click(&again, "lessons-button").await;
    assert_eq!(
        text(&find(
            &find_in(&again, "lesson-journey"),
            "lesson-row-progress"
        )),
        "1 / 4 steps"
    );

    click(&root, "next-step").await;
    assert_eq!(text(&find(&root, "lesson-step")), "Step 2 of 4");
    assert!(goal_states(&root).iter().all(|met| !met));
    forget_lesson_progress();
}

#[wasm_bindgen_test]
async fn an_unknown_lesson_link_says_so_and_shows_the_lesson_list() {
    let root = mount_at("#lesson=no-such-lesson").await;
    let notice = text(&find(&root, "lesson-notice"));
    assert!(notice.contains("no-such-lesson"), "notice: {notice}");
    assert!(exists(&root, "lesson-picker"));
    assert!(exists(&root, "open-lesson-journey"));
    assert!(text(&find(&root, "lesson-journey")).contains("start here"));
    assert!(!exists(&root, "lesson-panel"), "no lesson is open");
}

#[wasm_bindgen_test]
async fn hints_are_revealed_one_at_a_time_and_reset_starts_the_lesson_again() {
    forget_lesson_progress();
    let root = mount_at("#lesson=journey").await;
    assert_eq!(find_all(&root, "hint").len(), 0);
    click(&root, "show-hint").await;
    assert_eq!(find_all(&root, "hint").len(), 1);
    click(&root, "show-hint").await;
    let hints = find_all(&root, "hint");
    assert_eq!(hints.len(), 2);
    assert!(text(&hints[0]).contains("Send"));
    assert!(
        find(&root, "show-hint").has_attribute("disabled"),
        "no third hint in step 1"
    );

    // Reset starts the lesson again: its own world, no hints, no goal met.
    click(&root, "send").await;
    click(&root, "advance-10s").await;
    assert!(goal_states(&root).iter().all(|m| *m));
    click(&root, "reset-lesson").await;
    assert_eq!(find_all(&root, "hint").len(), 0);
    assert!(goal_states(&root).iter().all(|m| !m));
    assert_eq!(text(&find(&root, "clock")), "00:00");
    assert!(find_all(&root, "trace-row").is_empty());
    forget_lesson_progress();
}

#[wasm_bindgen_test]
async fn the_picker_opens_a_lesson_on_its_own_world_and_sandbox_brings_back_the_old_one() {
    forget_lesson_progress();
    let root = mount().await;
    click(&root, "advance-10s").await;
    assert_eq!(text(&find(&root, "clock")), "00:10");
    click(&root, "lessons-button").await;
    assert!(exists(&root, "lesson-picker"));
    click(&root, "open-lesson-journey").await;
    assert!(!exists(&root, "lesson-picker"), "the list closes");
    assert!(exists(&root, "lesson-panel"));
    assert_eq!(
        text(&find(&root, "clock")),
        "00:00",
        "the lesson's own world"
    );

    click(&root, "show-solution").await;
    assert!(
        goal_states(&root).iter().all(|m| *m),
        "the solution meets the goals"
    );
    assert!(
        find_all(&root, "trace-row").len() > 20,
        "its trace is shown"
    );

    click(&root, "sandbox-button").await;
    assert!(!exists(&root, "lesson-panel"));
    assert_eq!(
        text(&find(&root, "clock")),
        "00:10",
        "the sandbox as it was"
    );
    assert!(find_all(&root, "trace-row").is_empty());
    web_sys::window().unwrap().location().set_hash("").unwrap();
    forget_lesson_progress();
}

#[wasm_bindgen_test]
async fn the_journey_lesson_can_be_completed_through_clicks_and_typing() {
    forget_lesson_progress();
    let root = mount_at("#lesson=journey").await;
    // 1: Send.
    click(&root, "send").await;
    assert!(goal_states(&root).iter().all(|m| *m));
    click(&root, "next-step").await;
    // 2: delete inbound rule 100 of acl-public-a.
    click(&root, "node-alb-a").await;
    click(&root, "nacl-delete-acl-public-a-inbound-100").await;
    assert!(
        goal_states(&root).iter().all(|m| *m),
        "{:?}",
        goal_states(&root)
    );
    click(&root, "next-step").await;
    // 3: Send again: stopped at alb-a, 504 from CloudFront.
    click(&root, "predict-choice-2").await;
    click(&root, "send").await;
    assert!(
        goal_states(&root).iter().all(|m| *m),
        "{:?}",
        goal_states(&root)
    );
    assert_eq!(
        find(&root, "predict-verdict")
            .get_attribute("data-right")
            .as_deref(),
        Some("true"),
        "alb-a was the right prediction"
    );
    click(&root, "next-step").await;
    // 4: add the rule back, wait out CloudFront's cached 504, Send.
    type_into(&root, "nacl-add-number", "100").await;
    type_into(&root, "nacl-add-ports", "443").await;
    type_into(&root, "nacl-add-cidr", "0.0.0.0/0").await;
    click(&root, "nacl-add-submit").await;
    click(&root, "advance-10s").await;
    click(&root, "send").await;
    assert!(
        goal_states(&root).iter().all(|m| *m),
        "{:?}",
        goal_states(&root)
    );
    assert!(exists(&root, "lesson-complete"));
    assert!(exists(&root, "next-lesson"));
    assert!(text(&find(&root, "lesson-progress")).starts_with("done"));
    forget_lesson_progress();
}

#[wasm_bindgen_test]
async fn a_returning_learner_finds_the_lesson_at_the_step_they_reached_and_can_start_over() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item("hoplab.lessons.v1", r#"{"journey":[0]}"#)
        .unwrap();
    let root = mount_at("#lesson=journey").await;
    assert_eq!(text(&find(&root, "lesson-step")), "Step 2 of 4");
    assert!(text(&find(&root, "lesson-resumed")).contains("step 1"));
    assert!(
        goal_states(&root).iter().all(|m| !m),
        "the step starts with nothing done"
    );
    click(&root, "start-over").await;
    assert_eq!(text(&find(&root, "lesson-step")), "Step 1 of 4");
    assert!(!exists(&root, "lesson-resumed"));
    forget_lesson_progress();
}

#[wasm_bindgen_test]
async fn cloudfront_s_inspector_invalidates_a_path_and_refuses_one_without_a_slash() {
    let root = mount().await;
    click(&root, "node-cloudfront").await;
    // Every origin's 5xx can be injected from CloudFront (fact sheet §5).
    assert!(text(&find(&root, "inspector")).contains("503"));
    type_into(&root, "invalidate-path", "static/*").await;
    click(&root, "invalidate").await;
    let refused = text(&find(&root, "invalidate-result"));
    assert!(refused.contains("/"), "{refused}");
    type_into(&root, "invalidate-path", "/static/*").await;
    click(&root, "invalidate").await;
    assert!(text(&find(&root, "invalidate-result")).starts_with("Invalidated /static/*"));
}

#[wasm_bindgen_test]
async fn any_span_of_time_can_pass_as_people_write_it_and_a_bad_one_changes_nothing() {
    let root = mount().await;
    click(&root, "advance-other").await;
    type_into(&root, "advance-by", "1h30m").await;
    click(&root, "advance-go").await;
    assert_eq!(text(&find(&root, "clock")), "1:30:00");
    click(&root, "advance-other").await;
    type_into(&root, "advance-by", "-5s").await;
    click(&root, "advance-go").await;
    assert!(text(&find(&root, "advance-error")).contains("negative"));
    assert_eq!(text(&find(&root, "clock")), "1:30:00");
}

#[wasm_bindgen_test]
async fn the_failure_screen_offers_a_reload_and_the_world_as_a_file() {
    let root = mount().await;
    // What the panic hook shows, called directly (a real panic ends the test).
    hoplab::ui::failure::show(Some("{\"regions\": []}"));
    let doc = document();
    let screen = doc
        .query_selector("[data-testid=\"failure-screen\"]")
        .unwrap()
        .expect("the screen is over the page");
    assert!(text(&screen).contains("Something went wrong"));
    assert_eq!(screen.get_attribute("role").as_deref(), Some("alertdialog"));
    let link = doc
        .query_selector("[data-testid=\"failure-download\"]")
        .unwrap()
        .expect("the world can be downloaded");
    assert!(link.get_attribute("href").unwrap().starts_with("blob:"));
    assert_eq!(
        link.get_attribute("download").as_deref(),
        Some("hoplab-world.json")
    );
    assert!(doc
        .query_selector("[data-testid=\"failure-reload\"]")
        .unwrap()
        .is_some());
    screen.remove();
    drop(root);
}

#[wasm_bindgen_test]
async fn the_inspector_shows_the_live_state_of_health_checks_and_endpoints() {
    let root = mount().await;
    let live = text(&find(&root, "live-state"));
    assert!(live.contains("Live state"), "{live}");
    // Closed, it works nothing out; opened, it lists each Route 53 check
    // and each Service's ready endpoints.
    assert!(!live.contains("check hc-cluster-a"), "{live}");
    open_live_state(&root).await;
    let live = text(&find(&root, "live-state"));
    assert!(live.contains("check hc-cluster-a"), "{live}");
    assert!(live.contains("endpoints svc-a"), "{live}");
    click(&root, "node-alb-a").await;
    open_live_state(&root).await;
    assert!(text(&find(&root, "live-state")).contains("targets tg-appointments-a"));
}

/// Open the inspector's "Live state" (its toggle event comes in a task).
async fn open_live_state(root: &HtmlElement) {
    let details: web_sys::HtmlDetailsElement = find(root, "live-state")
        .query_selector("details")
        .unwrap()
        .expect("the live state is a details element")
        .unchecked_into();
    details.set_open(true);
    settle_saves().await;
}

// ---- the diagram's zoom, and the page at each screen size

/// The diagram's viewBox as (x, y, width, height).
fn view_box(svg: &Element) -> (f64, f64, f64, f64) {
    let v: Vec<f64> = svg
        .get_attribute("viewBox")
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    (v[0], v[1], v[2], v[3])
}

#[wasm_bindgen_test]
async fn the_zoom_buttons_change_the_diagrams_view_box_and_fit_shows_the_whole_diagram_again() {
    let root = mount().await;
    gloo_timers::future::TimeoutFuture::new(50).await;
    settle().await;
    let svg = find(&root, "diagram");
    let d =
        hoplab::view::layout::diagram(&hoplab::sim::World::default_world().topology(), "client-na");
    let first = view_box(&svg);
    click(&root, "zoom-in").await;
    let closer = view_box(&svg);
    assert!(
        closer.2 < first.2 && closer.3 < first.3,
        "{first:?} -> {closer:?}"
    );
    click(&root, "zoom-out").await;
    click(&root, "zoom-out").await;
    let farther = view_box(&svg);
    assert!(farther.2 > closer.2, "{closer:?} -> {farther:?}");
    click(&root, "zoom-in").await;
    click(&root, "zoom-in").await;
    click(&root, "zoom-fit").await;
    let (x, y, w, h) = view_box(&svg);
    assert!(
        x <= 0.0 && y <= 0.0 && x + w >= d.width && y + h >= d.height,
        "fit shows all of {}x{}: {:?}",
        d.width,
        d.height,
        (x, y, w, h)
    );
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function pick_file(input, name, text) {
  const picked = new DataTransfer();
  picked.items.add(new File([text], name, { type: 'application/json' }));
  input.files = picked.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}
export function drop_file(el, name, text) {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, { type: 'application/json' }));
  el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
  return el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
}
export function storage_event(key, newValue) {
  window.dispatchEvent(new StorageEvent('storage', { key, newValue }));
}
export function press(el, key) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}
export function pointer(el, type, pointerId, touch, dx, dy) {
  const r = el.getBoundingClientRect();
  el.dispatchEvent(new PointerEvent(type, {
    pointerId, pointerType: touch ? 'touch' : 'mouse', button: 0, isPrimary: pointerId === 1,
    clientX: r.left + r.width / 2 + dx, clientY: r.top + r.height / 2 + dy,
    bubbles: true, cancelable: true,
  }));
}
export function wheel(el, deltaY, ctrlKey) {
  const r = el.getBoundingClientRect();
  el.dispatchEvent(new WheelEvent('wheel', {
    deltaY, ctrlKey, bubbles: true, cancelable: true,
    clientX: r.left + r.width / 2, clientY: r.top + r.height / 2,
  }));
}
")]
extern "C" {
    fn pointer(el: &Element, kind: &str, id: i32, touch: bool, dx: f64, dy: f64);
    fn press(el: &Element, key: &str);
    fn pick_file(input: &Element, name: &str, text: &str);
    fn drop_file(el: &Element, name: &str, text: &str) -> bool;
    fn storage_event(key: &str, new_value: &str);
    fn wheel(el: &Element, delta_y: f64, ctrl_key: bool);
}

#[wasm_bindgen_test]
async fn on_the_focused_diagram_plus_minus_zero_and_arrows_zoom_fit_and_pan_and_ctrl_wheel_zooms() {
    let root = mount().await;
    gloo_timers::future::TimeoutFuture::new(50).await;
    settle().await;
    let svg = find(&root, "diagram");
    let first = view_box(&svg);
    press(&svg, "+");
    settle().await;
    let closer = view_box(&svg);
    assert!(closer.2 < first.2, "+ zooms in: {first:?} -> {closer:?}");
    press(&svg, "ArrowRight");
    press(&svg, "ArrowDown");
    settle().await;
    let panned = view_box(&svg);
    assert!(
        panned.0 > closer.0 && panned.1 > closer.1,
        "arrows pan: {closer:?} -> {panned:?}"
    );
    assert_eq!(panned.2, closer.2, "panning keeps the zoom");
    press(&svg, "-");
    settle().await;
    assert!(view_box(&svg).2 > panned.2, "- zooms out");
    press(&svg, "0");
    settle().await;
    let fit = view_box(&svg);
    wheel(&svg, -200.0, true);
    settle().await;
    assert!(view_box(&svg).2 < fit.2, "Ctrl + wheel up zooms in");
}

#[wasm_bindgen_test]
async fn dragging_the_diagram_pans_it_and_two_fingers_spreading_apart_zoom_in() {
    let root = mount().await;
    gloo_timers::future::TimeoutFuture::new(50).await;
    settle().await;
    let svg = find(&root, "diagram");
    // Closer first, so that there is somewhere to pan to.
    click(&root, "zoom-in").await;
    click(&root, "zoom-in").await;
    let first = view_box(&svg);
    pointer(&svg, "pointerdown", 1, false, 0.0, 0.0);
    pointer(&svg, "pointermove", 1, false, -40.0, -20.0);
    pointer(&svg, "pointerup", 1, false, -40.0, -20.0);
    settle().await;
    let dragged = view_box(&svg);
    assert!(
        dragged.0 > first.0 && dragged.1 > first.1 && dragged.2 == first.2,
        "dragging left and up shows what lies right and below: {first:?} -> {dragged:?}"
    );
    pointer(&svg, "pointerdown", 2, true, -20.0, 0.0);
    pointer(&svg, "pointerdown", 3, true, 20.0, 0.0);
    pointer(&svg, "pointermove", 3, true, 30.0, 0.0);
    pointer(&svg, "pointerup", 3, true, 30.0, 0.0);
    pointer(&svg, "pointerup", 2, true, -20.0, 0.0);
    settle().await;
    let pinched = view_box(&svg);
    assert!(
        (pinched.2 - dragged.2 / 1.25).abs() < 0.5,
        "spreading two fingers from 40 to 50 px zooms in 1.25 times: {dragged:?} -> {pinched:?}"
    );
}

#[wasm_bindgen_test]
async fn follow_the_packet_is_on_by_default_and_its_button_turns_it_off() {
    let root = mount().await;
    let follow = find(&root, "zoom-follow");
    assert_eq!(
        follow.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    click(&root, "zoom-follow").await;
    assert_eq!(
        follow.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
}

/// The four screens the page is checked at (width, height).
const SCREENS: [(u32, u32); 4] = [(1280, 800), (1024, 768), (768, 1024), (390, 844)];

#[wasm_bindgen_test]
async fn the_page_never_scrolls_sideways_at_any_of_the_four_screen_sizes() {
    for (w, h) in SCREENS {
        let page = page::Page::open(w, h).await;
        click_in(&page, "send").await;
        let overflow = page.sideways_overflow();
        let wide: Vec<String> = page
            .all("body *:not(svg *)")
            .iter()
            .filter(|e| e.get_bounding_client_rect().right() > f64::from(w) + 0.5)
            .take(5)
            .map(|e| format!("{} {:?}", e.tag_name(), e.get_attribute("class")))
            .collect();
        // The request bar works: its fields are whole on screen.
        for id in ["method", "url-input", "send"] {
            let r = page.find(id).get_bounding_client_rect();
            assert!(
                r.left() >= 0.0 && r.right() <= f64::from(w),
                "{w}x{h}: {id} cut off"
            );
        }
        let url = page.find("url-input").get_bounding_client_rect().width();
        let jump = page.css(&page.find("jump"), "display");
        page.close();
        assert!(
            overflow <= 0,
            "{w}x{h} scrolls sideways by {overflow}px: {wide:?}"
        );
        assert!(url >= 150.0, "{w}x{h}: the URL field is {url}px wide");
        assert_eq!(
            jump != "none",
            w < 640,
            "{w}x{h}: the jump bar is for phones only"
        );
    }
}

#[wasm_bindgen_test]
async fn every_text_in_the_diagram_is_at_least_11_px_at_the_first_zoom_at_1280_by_800() {
    let page = page::Page::open(1280, 800).await;
    let svg = page.find("diagram");
    let r = svg.get_bounding_client_rect();
    let (_, _, vw, vh) = view_box(&svg);
    let scale = (r.width() / vw).min(r.height() / vh);
    assert!(
        r.width() > 500.0 && r.height() > 300.0,
        "the diagram gets {}x{}",
        r.width(),
        r.height()
    );
    let texts = page.all("[data-testid=\"diagram\"] text");
    assert!(texts.len() > 20, "{} texts", texts.len());
    for t in &texts {
        let size: f64 = page
            .css(t, "font-size")
            .trim_end_matches("px")
            .parse()
            .unwrap();
        assert!(
            size * scale >= 10.99,
            "{:?} is {:.1} px on screen",
            t.text_content(),
            size * scale
        );
    }
    page.close();
}

#[wasm_bindgen_test]
async fn the_diagram_keeps_its_size_on_screen_when_the_burst_panel_opens() {
    let page = page::Page::open(1280, 800).await;
    let svg = page.find("diagram");
    let before = (svg.get_bounding_client_rect().width(), view_box(&svg).2);
    click_in(&page, "show-burst").await;
    let after = (svg.get_bounding_client_rect().width(), view_box(&svg).2);
    let (s0, s1) = (before.0 / before.1, after.0 / after.1);
    page.close();
    assert!((s0 - s1).abs() < 1e-6, "scale {s0} -> {s1}");
}

/// Click inside a framed page.
async fn click_in(page: &page::Page, testid: &str) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    page.find(testid).dispatch_event(&ev).unwrap();
    page.settle().await;
}

#[wasm_bindgen_test]
async fn the_outcome_waits_for_the_last_hop_and_jump_to_outcome_shows_it_at_once() {
    let root = mount().await;
    click(&root, "send").await;
    assert_eq!(active_index(&root), Some(0), "playback starts at hop 1");
    assert!(exists(&root, "outcome-pending"), "not given away at hop 1");
    assert!(
        !exists(&root, "outcome"),
        "no status before the packet arrives"
    );
    click(&root, "step-last").await;
    assert!(text(&find(&root, "outcome")).contains("200 OK"));
    click(&root, "step-first").await;
    assert!(exists(&root, "outcome"), "stepping back keeps it shown");

    click(&root, "send").await;
    assert!(
        exists(&root, "outcome-pending"),
        "a new trace hides it again"
    );
    click(&root, "jump-to-outcome").await;
    let rows = find_all(&root, "trace-row");
    assert_eq!(
        active_index(&root),
        Some(rows.len() - 1),
        "jumped to the last hop"
    );
    assert!(text(&find(&root, "outcome")).contains("200 OK"));
    assert!(!exists(&root, "outcome-pending"));
}

#[wasm_bindgen_test]
async fn a_second_send_shows_the_dns_steps_the_browser_cache_saved_as_one_collapsed_row() {
    let root = mount().await;
    click(&root, "send").await;
    assert!(
        find_all(&root, "skipped-row").is_empty(),
        "a cold world asks everyone"
    );
    click(&root, "send").await;
    let skipped = find_all(&root, "skipped-row");
    assert!(!skipped.is_empty(), "the cached answer skipped the lookup");
    let first = text(&skipped[0]);
    assert!(
        first.contains("root, .com and Route 53 not asked: in the browser's DNS cache")
            && first.contains(" s left"),
        "{first}"
    );
    let details = skipped[0].query_selector("details").unwrap().unwrap();
    assert!(!details.has_attribute("open"), "collapsed until opened");
    let rows = find_all(&root, "trace-row");
    assert_eq!(
        rows[0].next_element_sibling().as_ref(),
        Some(&skipped[0]),
        "right under the hop where the browser's cache answered"
    );
}

#[wasm_bindgen_test]
async fn the_hop_that_stopped_lists_its_checks_up_to_the_deciding_deny_and_no_further() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    click(&root, "nacl-delete-acl-public-a-inbound-100").await;
    click(&root, "send").await;
    let rows = find_all(&root, "trace-row");
    let dropped = rows
        .iter()
        .position(|r| r.get_attribute("data-verdict").as_deref() == Some("dropped"))
        .expect("one hop is dropped");
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    rows[dropped].dispatch_event(&ev).unwrap();
    settle().await;
    assert_eq!(active_index(&root), Some(dropped));
    let allowed: Vec<String> = find_all(&root, "check-row")
        .iter()
        .map(|c| c.get_attribute("data-allowed").unwrap())
        .collect();
    assert_eq!(
        allowed.last().map(String::as_str),
        Some("false"),
        "the deciding deny is the last check listed: {allowed:?}"
    );
    assert_eq!(
        allowed.iter().filter(|a| *a == "false").count(),
        1,
        "{allowed:?}"
    );
    let note = text(&find(&root, "checks-not-reached"));
    assert!(
        note.ends_with("not reached: the packet stopped here"),
        "{note}"
    );
}

#[wasm_bindgen_test]
async fn a_subnet_cidr_with_host_bits_is_saved_and_the_inspector_says_what_was_stored() {
    // Fact sheet §10: AWS stores a CIDR with host bits set as its network address.
    let root = mount().await;
    click(&root, "node-alb-a").await;
    let input: HtmlInputElement = find(&root, "subnet-cidr-subnet-public-a1").unchecked_into();
    input.set_value("10.0.0.5/24");
    click(&root, "subnet-cidr-save-subnet-public-a1").await;
    let note = text(&find(&root, "subnet-cidr-stored-subnet-public-a1"));
    assert!(
        note.starts_with("stored as 10.0.0.0/24 (typed 10.0.0.5/24"),
        "{note}"
    );
    assert_eq!(
        input.value(),
        "10.0.0.0/24",
        "the field shows what is stored"
    );
    // A CIDR stored as typed needs no note.
    input.set_value("10.0.0.0/25");
    click(&root, "subnet-cidr-save-subnet-public-a1").await;
    assert!(!exists(&root, "subnet-cidr-stored-subnet-public-a1"));
}

#[wasm_bindgen_test]
async fn the_hop_card_says_what_the_world_is_waiting_for_and_it_runs_down_with_the_clock() {
    let root = mount().await;
    assert!(
        !exists(&root, "waiting-for"),
        "a fresh world waits for nothing"
    );
    click(&root, "send").await;
    let browser_line = |root: &HtmlElement| {
        find_all(root, "waiting-line")
            .iter()
            .map(text)
            .find(|t| t.contains("browser DNS cache"))
    };
    let first = browser_line(&root).expect("the browser's cached answer is listed (fact sheet §1)");
    click(&root, "advance-10s").await;
    let later = browser_line(&root).expect("still cached 10 s later");
    assert_ne!(first, later, "the seconds left run down: {first} / {later}");
}

#[wasm_bindgen_test]
async fn each_hop_says_what_its_code_means_with_a_page_to_learn_more_and_the_glossary_lists_every_code(
) {
    let root = mount().await;
    click(&root, "send").await;
    let meaning = find(&root, "code-meaning");
    assert!(text(&meaning).len() > 20);
    let link = find(&root, "learn-more");
    assert!(link.get_attribute("href").unwrap().starts_with("https://"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    let glossary = find(&root, "glossary");
    assert_eq!(
        glossary.query_selector_all("dt").unwrap().length() as usize,
        hoplab::sim::glossary::ALL_CODES.len()
    );
}

/// The clock's text ("01:10" or "1:02:03") in seconds.
fn clock_seconds(root: &HtmlElement) -> u64 {
    text(&find(root, "clock"))
        .split(':')
        .map(|p| p.trim().parse::<u64>().unwrap())
        .fold(0, |acc, p| acc * 60 + p)
}

#[wasm_bindgen_test]
async fn the_clock_runs_at_sixty_times_real_time_send_works_meanwhile_and_pause_stops_it() {
    let root = mount().await;
    assert_eq!(clock_seconds(&root), 0);
    let run = find(&root, "clock-run-toggle");
    assert_eq!(run.get_attribute("aria-pressed").as_deref(), Some("false"));
    choose(&root, "clock-rate", "60").await;
    assert_eq!(
        clock_seconds(&root),
        0,
        "choosing a rate does not start the clock"
    );
    click(&root, "clock-run-toggle").await;
    assert_eq!(run.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert!(text(&find(&root, "clock-run-status")).contains("×60"));

    let started = js_sys::Date::now();
    gloo_timers::future::TimeoutFuture::new(1_200).await;
    settle().await;
    click(&root, "send").await;
    assert!(
        !outcome(&root).await.is_empty(),
        "Send answers while the clock runs"
    );
    gloo_timers::future::TimeoutFuture::new(300).await;
    settle().await;
    let wall_s = (js_sys::Date::now() - started) / 1000.0;
    let moved = clock_seconds(&root);
    assert!(
        moved as f64 > 10.0 * wall_s,
        "{moved} simulated s in {wall_s:.1} wall s is not running at ×60"
    );

    click(&root, "clock-run-toggle").await;
    assert_eq!(run.get_attribute("aria-pressed").as_deref(), Some("false"));
    assert_eq!(text(&find(&root, "clock-run-status")), "Clock paused.");
    let paused_at = clock_seconds(&root);
    gloo_timers::future::TimeoutFuture::new(700).await;
    settle().await;
    assert_eq!(clock_seconds(&root), paused_at, "a paused clock stays put");
}

/// What Tab reaches, in order: focusable, not `tabindex="-1"`, not disabled,
/// drawn (a closed `<details>` or `display: none` has no box).
fn tab_stops(root: &HtmlElement) -> Vec<Element> {
    select_all(
        root,
        "a[href], button, input, select, textarea, summary, [tabindex]",
    )
    .into_iter()
    .filter(|e| e.get_attribute("tabindex").as_deref() != Some("-1"))
    .filter(|e| !e.has_attribute("disabled"))
    .filter(|e| {
        let r = e.get_bounding_client_rect();
        r.width() > 0.0 || r.height() > 0.0
    })
    .collect()
}

fn focused_testid() -> Option<String> {
    document()
        .active_element()
        .and_then(|e| e.get_attribute("data-testid"))
}

#[wasm_bindgen_test]
async fn the_skip_link_comes_first_send_is_within_five_tabs_and_the_diagram_tabs_in_request_order()
{
    let root = mount().await;
    let stops = tab_stops(&root);
    assert!(
        stops
            .iter()
            .all(|e| e.get_attribute("tabindex").is_none_or(|t| t == "0")),
        "no positive tabindex reorders the page"
    );
    let ids: Vec<String> = stops
        .iter()
        .map(|e| e.get_attribute("data-testid").unwrap_or_default())
        .collect();
    assert_eq!(ids[0], "skip-link");
    let send = ids.iter().position(|i| i == "send").unwrap();
    assert!(
        send < 5,
        "Send is Tab press {} from load: {ids:?}",
        send + 1
    );
    let nodes: Vec<&String> = ids.iter().filter(|i| i.starts_with("node-")).collect();
    assert_eq!(nodes[0], "node-client-na", "the browser first: {nodes:?}");
    let at = |id: &str| nodes.iter().position(|n| *n == id).unwrap();
    assert!(at("node-pod-a-1") > at("node-client-na"));
    assert_eq!(
        nodes.last().map(|n| n.contains("sms")),
        Some(true),
        "{nodes:?}"
    );

    // The skip link names a target that is in the app: the request bar.
    let href = find(&root, "skip-link").get_attribute("href").unwrap();
    let target = root.query_selector(&href).unwrap();
    assert!(
        target.is_some_and(|t| t
            .query_selector("[data-testid=\"url-input\"]")
            .unwrap()
            .is_some()),
        "the skip link's {href} is not the request bar"
    );
    click(&root, "skip-link").await;
    assert_eq!(focused_testid().as_deref(), Some("url-input"));
}

#[wasm_bindgen_test]
async fn enter_on_a_component_focuses_the_inspector_and_escape_closes_it_back_to_the_component() {
    let root = mount().await;
    press(&find(&root, "node-pod-a-1"), "Enter");
    settle().await;
    gloo_timers::future::TimeoutFuture::new(20).await;
    settle().await;
    assert!(exists(&root, "inspector-title"));
    assert_eq!(focused_testid().as_deref(), Some("inspector-title"));
    press(&document().active_element().unwrap(), "Escape");
    settle().await;
    assert!(
        !exists(&root, "inspector-title"),
        "Escape closes the inspector"
    );
    assert_eq!(focused_testid().as_deref(), Some("node-pod-a-1"));
}

#[wasm_bindgen_test]
async fn question_mark_opens_the_shortcut_list_and_escape_closes_it() {
    let root = mount().await;
    assert!(!exists(&root, "shortcuts"));
    // Typed in a text field, ? is just a character.
    press(&find(&root, "url-input"), "?");
    settle().await;
    assert!(!exists(&root, "shortcuts"));
    press(&root, "?");
    settle().await;
    let list = text(&find(&root, "shortcuts"));
    for k in ["Escape", "Enter", "←"] {
        assert!(list.contains(k), "{k} missing from {list}");
    }
    assert_eq!(focused_testid().as_deref(), Some("shortcuts-close"));
    press(&root, "Escape");
    settle().await;
    assert!(!exists(&root, "shortcuts"));
}

#[wasm_bindgen_test]
async fn at_1280_by_800_the_running_clock_controls_share_the_request_bars_row() {
    let page = page::Page::open(1280, 800).await;
    // In the sandbox (an open lesson takes a column of its own).
    click_in(&page, "sandbox-button").await;
    let send = page.find("send").get_bounding_client_rect();
    let run = page.find("clock-run-toggle").get_bounding_client_rect();
    let widths: Vec<String> = page
        .all("[aria-label=\"Request, trace and burst\"] > div > *")
        .iter()
        .map(|e| {
            let r = e.get_bounding_client_rect();
            format!("{} {:.0}x{:.0}", e.tag_name(), r.width(), r.x())
        })
        .collect();
    page.close();
    assert!(
        (send.y() - run.y()).abs() < 4.0,
        "Send at y {} and the clock's run button at y {}: the bar takes a second row from the trace ({widths:?})",
        send.y(),
        run.y()
    );
}

#[wasm_bindgen_test]
async fn at_every_screen_size_no_control_of_the_request_bar_covers_another() {
    for (w, h) in [(1280, 800), (1024, 768), (768, 1024), (390, 844)] {
        let page = page::Page::open(w, h).await;
        click_in(&page, "sandbox-button").await;
        let controls: Vec<(String, web_sys::DomRect)> = page
            .all("[aria-label=\"Request, trace and burst\"] > div:first-child :is(button, select, input, label, summary, [data-testid=clock])")
            .iter()
            .filter(|e| e.get_attribute("type").as_deref() != Some("checkbox"))
            // What a closed `+…` panel holds is not on screen.
            .filter(|e| {
                e.closest("details:not([open]) > :not(summary)")
                    .ok()
                    .flatten()
                    .is_none()
            })
            .map(|e| {
                let name = e
                    .get_attribute("data-testid")
                    .unwrap_or_else(|| e.text_content().unwrap_or_default());
                (name, e.get_bounding_client_rect())
            })
            .filter(|(_, r)| r.width() > 0.0 && r.height() > 0.0)
            .collect();
        page.close();
        assert!(controls.len() > 10, "{w}x{h}: {} controls", controls.len());
        for (i, (a, ra)) in controls.iter().enumerate() {
            for (b, rb) in &controls[i + 1..] {
                // A label holds its own checkbox; nothing else may share pixels.
                let overlap_x = ra.right().min(rb.right()) - ra.left().max(rb.left());
                let overlap_y = ra.bottom().min(rb.bottom()) - ra.top().max(rb.top());
                let nested = (ra.left() <= rb.left()
                    && ra.right() >= rb.right()
                    && ra.top() <= rb.top()
                    && ra.bottom() >= rb.bottom())
                    || (rb.left() <= ra.left()
                        && rb.right() >= ra.right()
                        && rb.top() <= ra.top()
                        && rb.bottom() >= ra.bottom());
                assert!(
                    nested || overlap_x <= 1.0 || overlap_y <= 1.0,
                    "{w}x{h}: '{a}' ({:.0},{:.0} {:.0}x{:.0}) and '{b}' ({:.0},{:.0} {:.0}x{:.0}) overlap",
                    ra.x(), ra.y(), ra.width(), ra.height(), rb.x(), rb.y(), rb.width(), rb.height()
                );
            }
        }
    }
}

#[wasm_bindgen_test]
async fn everything_tab_reaches_shows_a_focus_ring() {
    let page = page::Page::open(1280, 800).await;
    // Read the rings' end state, not the start of their transitions.
    let still = page.doc.create_element("style").unwrap();
    still.set_text_content(Some("* { transition: none !important; }"));
    page.doc.body().unwrap().append_child(&still).unwrap();
    let stops: Vec<Element> = tab_stops(&page.root)
        .into_iter()
        // What a closed <details> holds is not reachable until it opens.
        .filter(|e| {
            e.tag_name() == "SUMMARY" || e.closest("details:not([open])").unwrap().is_none()
        })
        .collect();
    assert!(stops.len() > 40, "{} tab stops", stops.len());
    // What a ring changes: the element's shadow and outline, or for a
    // diagram component its halo.
    let look = |el: &Element| {
        let halo = el.query_selector(":scope > [class*=halo]").unwrap();
        (
            page.css(el, "box-shadow"),
            page.css(el, "outline-style"),
            halo.map(|h| page.css(&h, "stroke")),
        )
    };
    let mut bare = Vec::new();
    for el in &stops {
        let id = el
            .get_attribute("data-testid")
            .unwrap_or_else(|| el.tag_name());
        let before = look(el);
        if el.namespace_uri().as_deref() == Some("http://www.w3.org/2000/svg") {
            el.unchecked_ref::<web_sys::SvgElement>().focus().unwrap();
        } else {
            el.unchecked_ref::<HtmlElement>().focus().unwrap();
        }
        if look(el) == before {
            bare.push(id);
        }
    }
    page.close();
    assert!(bare.is_empty(), "no visible focus ring on {bare:?}");
}

#[wasm_bindgen_test]
async fn a_fact_cited_in_an_explanation_links_to_its_public_source() {
    let root = mount().await;
    click(&root, "send").await;
    // Hop 5: the root's referral, which cites fact sheet §1.
    let rows = find_all(&root, "trace-row");
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    rows[4].dispatch_event(&ev).unwrap();
    settle().await;
    let cite = find(&root, "cite");
    assert_eq!(text(&cite), "§1");
    assert!(cite
        .get_attribute("href")
        .unwrap()
        .starts_with("https://docs.aws.amazon.com/Route53/"));
    assert_eq!(cite.get_attribute("target").as_deref(), Some("_blank"));
}

// ---------------------------------------------------------------- the saved world

/// Mount a fresh app that keeps its world in localStorage under `key`.
async fn mount_keeping(key: &str) -> HtmlElement {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    hoplab::ui::mount_with(
        root.clone(),
        hoplab::ui::Options {
            storage_key: Some(key.to_string()),
        },
    );
    settle().await;
    root
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// A test's own storage key, empty, and no lesson link in the page's hash.
fn fresh_key(name: &str) -> String {
    let key = format!("hoplab.test.{name}");
    local_storage().remove_item(&key).unwrap();
    let _ = web_sys::window().unwrap().location().set_hash("");
    key
}

fn stored(key: &str) -> Option<String> {
    local_storage().get_item(key).unwrap()
}

/// Pick a file in the World menu's file input (a real `change` event with
/// a `File`), and wait for it to be read.
async fn import_file(root: &HtmlElement, name: &str, text: &str) {
    pick_file(&find(root, "import-file"), name, text);
    for _ in 0..100 {
        settle().await;
        if exists(root, "world-message-text") {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    panic!("the imported file was never read");
}

/// [`mount_keeping`], then crash pod-a-1 (one fault chip).
async fn mount_with_a_fault(key: &str) -> HtmlElement {
    let root = mount_keeping(key).await;
    click(&root, "node-pod-a-1").await;
    click(&root, "fault-0").await;
    root
}

/// Let the app's effects (and its saves) run.
async fn settle_saves() {
    gloo_timers::future::TimeoutFuture::new(50).await;
    settle().await;
}

fn fault_chips(root: &HtmlElement) -> Vec<String> {
    find_all(root, "fault-chip").iter().map(text).collect()
}

#[wasm_bindgen_test]
async fn a_reload_with_the_same_storage_key_keeps_the_edit_the_fault_and_the_next_trace() {
    let key = fresh_key("reload");
    let before = mount_keeping(&key).await;
    click(&before, "node-alb-a").await;
    click(&before, "nacl-delete-acl-public-a-inbound-100").await;
    click(&before, "node-pod-a-1").await;
    click(&before, "fault-0").await;
    click(&before, "advance-10s").await;
    click(&before, "send").await;
    assert!(stored(&key).is_some(), "every change is saved");

    let after = mount_keeping(&key).await;
    assert_eq!(fault_chips(&after), fault_chips(&before));
    assert_eq!(fault_chips(&after).len(), 1);
    assert_eq!(text(&find(&after, "clock")), "00:10");
    click(&after, "node-alb-a").await;
    assert!(
        !exists(&after, "nacl-rule-acl-public-a-inbound-100"),
        "the deleted rule stays deleted"
    );
    assert!(exists(&after, "nacl-rule-acl-public-a-outbound-100"));
    assert!(
        !exists(&after, "trace-row"),
        "a restored world starts with no trace"
    );

    // Both worlds are the same, so the next Send tells the same story.
    click(&before, "send").await;
    click(&after, "send").await;
    assert_eq!(trace_text(&after), trace_text(&before));
    let (a, b) = (outcome(&after).await, outcome(&before).await);
    assert!(a.contains("504"), "{a}");
    assert_eq!(a, b);
}

#[wasm_bindgen_test]
async fn a_saved_world_that_cannot_be_restored_says_why_shows_the_default_world_and_keeps_the_text()
{
    let key = fresh_key("corrupt");
    let bad = r#"{"version":1,"seed":1,"steps":[{"advance":"1s"},{"teleport":3}],"client":"client-na","method":"GET","url":"https://healthcareapp.com/"}"#;
    local_storage().set_item(&key, bad).unwrap();
    let root = mount_keeping(&key).await;
    let m = text(&find(&root, "world-message"));
    assert!(m.contains("Your saved world could not be restored"), "{m}");
    assert!(
        m.contains("steps[1]") && m.contains("teleport"),
        "the field path: {m}"
    );
    assert_eq!(text(&find(&root, "clock")), "00:00", "the default world");
    assert!(fault_chips(&root).is_empty());
    settle_saves().await;
    assert_eq!(stored(&key).as_deref(), Some(bad), "left as it was");
    assert!(
        exists(&root, "download-unrestored"),
        "and offered as a file"
    );

    // The learner's first change saves their new world.
    click(&root, "advance-10s").await;
    let now = stored(&key).unwrap();
    assert_ne!(now, bad);
    assert!(
        hoplab::classroom::SavedState::from_json(&now).is_ok(),
        "{now}"
    );
}

#[wasm_bindgen_test]
async fn importing_a_bad_file_is_refused_with_the_field_path_and_changes_nothing() {
    let key = fresh_key("import-bad");
    let root = mount_with_a_fault(&key).await;
    let kept = stored(&key);
    let good = hoplab::classroom::scenario_json(&hoplab::sim::defaults::default_scenario());
    let bad = good.replacen("\"browser_cache_s\"", "\"browser_cache_seconds\"", 1);
    import_file(&root, "class.json", &bad).await;
    let alert = find(&root, "world-message");
    assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));
    let m = text(&alert);
    assert!(
        m.contains("The file was not imported") && m.contains("clients[0].browser_cache_seconds"),
        "{m}"
    );
    assert_eq!(fault_chips(&root).len(), 1, "the world is unchanged");
    assert_eq!(stored(&key), kept, "and so is its saved copy");
}

#[wasm_bindgen_test]
async fn importing_a_good_scenario_replaces_the_world_clears_the_trace_and_saves_it() {
    let key = fresh_key("import-good");
    let root = mount_with_a_fault(&key).await;
    click(&root, "send").await;
    assert!(exists(&root, "trace-row"));
    let mut s = hoplab::sim::defaults::default_scenario();
    s.name = "Class 3B".into();
    s.clients.retain(|c| c.id != "client-ap");
    import_file(&root, "class.json", &hoplab::classroom::scenario_json(&s)).await;
    let m = text(&find(&root, "world-message"));
    assert!(m.contains("Imported") && m.contains("Class 3B"), "{m}");
    assert!(fault_chips(&root).is_empty(), "a new world");
    assert!(!exists(&root, "trace-row"), "the old trace is gone");
    let picker: HtmlSelectElement = find(&root, "client-picker").unchecked_into();
    assert_eq!(picker.length(), 2, "the imported scenario's clients");
    let saved = hoplab::classroom::SavedState::from_json(&stored(&key).unwrap()).unwrap();
    assert_eq!(saved.scenario.map(|s| s.name).as_deref(), Some("Class 3B"));
    assert!(saved.steps.is_empty());
    click(&root, "send").await;
    assert!(exists(&root, "trace-row"), "Send works on the new world");
}

#[wasm_bindgen_test]
async fn a_whole_state_dropped_on_the_page_is_imported_and_a_bad_one_is_refused_with_the_field_path(
) {
    let key = fresh_key("import-drop");
    let root = mount_keeping(&key).await;
    let target = find(&root, "diagram");
    let wait_for_message = || async {
        for _ in 0..100 {
            settle().await;
            if exists(&root, "world-message-text") {
                return;
            }
            gloo_timers::future::TimeoutFuture::new(20).await;
        }
        panic!("the dropped file was never read");
    };
    let state = a_saved_world_with_a_fault();
    let taken = !drop_file(&target, "state.json", &state);
    assert!(
        taken,
        "the page takes the drop (the browser does not open the file)"
    );
    wait_for_message().await;
    let m = text(&find(&root, "world-message"));
    assert!(m.contains("Imported"), "{m}");
    assert_eq!(fault_chips(&root).len(), 1, "the dropped world's fault");
    click(&root, "world-message-dismiss").await;

    let bad = state.replacen("\"steps\"", "\"stepz\"", 1);
    drop_file(&target, "bad.json", &bad);
    wait_for_message().await;
    let m = text(&find(&root, "world-message"));
    assert!(
        m.contains("The file was not imported") && m.contains("stepz"),
        "{m}"
    );
    assert_eq!(fault_chips(&root).len(), 1, "the world is unchanged");
}

#[wasm_bindgen_test]
async fn reset_asks_first_cancel_and_escape_keep_the_world_and_reset_brings_back_the_default() {
    let key = fresh_key("reset");
    let root = mount_with_a_fault(&key).await;
    click(&root, "reset-world").await;
    assert!(exists(&root, "reset-dialog"), "it asks first");
    let focused = document().active_element().unwrap();
    assert_eq!(
        focused.get_attribute("data-testid").as_deref(),
        Some("reset-cancel")
    );
    click(&root, "reset-cancel").await;
    assert!(!exists(&root, "reset-dialog"));
    assert_eq!(fault_chips(&root).len(), 1, "Cancel keeps the world");

    click(&root, "reset-world").await;
    let focused = || {
        document()
            .active_element()
            .and_then(|e| e.get_attribute("data-testid"))
    };
    press(&find(&root, "reset-cancel"), "Tab");
    assert_eq!(
        focused().as_deref(),
        Some("reset-confirm"),
        "Tab stays in the dialog"
    );
    press(&find(&root, "reset-confirm"), "Tab");
    assert_eq!(focused().as_deref(), Some("reset-cancel"));
    press(&find(&root, "reset-cancel"), "Escape");
    settle().await;
    assert!(!exists(&root, "reset-dialog"), "Escape closes it");
    assert_eq!(
        focused().as_deref(),
        Some("world-menu-button"),
        "focus back on the menu"
    );
    assert_eq!(fault_chips(&root).len(), 1, "and keeps the world");
    assert!(stored(&key).is_some());

    click(&root, "reset-world").await;
    click(&root, "reset-confirm").await;
    assert!(!exists(&root, "reset-dialog"));
    assert!(fault_chips(&root).is_empty(), "the default world");
    settle_saves().await;
    assert_eq!(stored(&key), None, "nothing kept");
}

#[wasm_bindgen_test]
async fn a_newer_save_from_another_tab_is_never_overwritten_and_can_be_loaded() {
    let key = fresh_key("tabs");
    let root = mount_keeping(&key).await;
    click(&root, "advance-10s").await;
    // Another tab saves a world with a fault, at a later revision.
    let mut theirs = hoplab::classroom::SavedState::from_json(&stored(&key).unwrap()).unwrap();
    theirs.revision += 5;
    theirs.steps = vec![hoplab::sim::script::Step::Fault(
        hoplab::sim::Fault::PodDown {
            pod: "pod-a-1".into(),
        },
    )];
    local_storage().set_item(&key, &theirs.to_json()).unwrap();
    assert!(!exists(&root, "other-tab"));
    // The browser tells the other tabs.
    storage_event(&key, &theirs.to_json());
    settle().await;
    assert!(
        text(&find(&root, "other-tab")).contains("Another tab changed the saved world"),
        "it says so"
    );

    click(&root, "advance-1m").await;
    assert_eq!(
        stored(&key),
        Some(theirs.to_json()),
        "and writes nothing over it"
    );
    click(&root, "load-other-tab").await;
    assert!(!exists(&root, "other-tab"));
    assert_eq!(fault_chips(&root).len(), 1, "the other tab's world");
    assert_eq!(text(&find(&root, "clock")), "00:00");
}

#[wasm_bindgen_test]
async fn a_saved_world_reopens_its_lesson_after_the_steps_done_with_its_sandbox_behind_it() {
    forget_lesson_progress();
    let key = fresh_key("lesson");
    let journal = hoplab::classroom::Journal {
        steps: vec![
            hoplab::sim::script::Step::Advance(hoplab::sim::script::Duration::Ms(10_000)),
            hoplab::sim::script::Step::Fault(hoplab::sim::Fault::PodDown {
                pod: "pod-a-1".into(),
            }),
        ],
        ..Default::default()
    };
    let state = hoplab::classroom::SavedState::new(
        &journal,
        "client-na",
        hoplab::view::request::Method::Get,
        "https://healthcareapp.com/api/appointments",
        Some(hoplab::classroom::SavedLesson {
            id: "journey".into(),
            steps_done: 1,
        }),
    );
    local_storage().set_item(&key, &state.to_json()).unwrap();
    let root = mount_keeping(&key).await;
    assert_eq!(text(&find(&root, "lesson-step")), "Step 2 of 4");
    assert_eq!(
        text(&find(&root, "clock")),
        "00:00",
        "the lesson's own world"
    );

    click(&root, "sandbox-button").await;
    assert!(!exists(&root, "lesson-panel"));
    assert_eq!(text(&find(&root, "clock")), "00:10", "the saved sandbox");
    assert_eq!(fault_chips(&root).len(), 1);
    settle_saves().await;
    let saved = hoplab::classroom::SavedState::from_json(&stored(&key).unwrap()).unwrap();
    assert_eq!(
        saved.lesson, None,
        "the lesson is closed in the saved world too"
    );
    assert_eq!(saved.steps, journal.steps);
    web_sys::window().unwrap().location().set_hash("").unwrap();
    forget_lesson_progress();
}

// ---------------------------------------------------------------- share links

/// Put `hash` in the address without a `hashchange` (the apps earlier
/// tests mounted listen for one).
fn set_hash_quietly(hash: &str) {
    let w = web_sys::window().unwrap();
    let page = w.location().href().unwrap();
    let page = page.split('#').next().unwrap().to_string();
    w.history()
        .unwrap()
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{page}{hash}")),
        )
        .unwrap();
}

fn input_value(root: &HtmlElement, testid: &str) -> String {
    find(root, testid)
        .unchecked_into::<HtmlInputElement>()
        .value()
}

/// The default world with pod-a-1 crashed, kept under `key`.
fn a_saved_world_with_a_fault() -> String {
    let journal = hoplab::classroom::Journal {
        steps: vec![hoplab::sim::script::Step::Fault(
            hoplab::sim::Fault::PodDown {
                pod: "pod-a-1".into(),
            },
        )],
        ..Default::default()
    };
    hoplab::classroom::SavedState::new(
        &journal,
        "client-na",
        hoplab::view::request::Method::Get,
        "https://healthcareapp.com/api/appointments",
        None,
    )
    .to_json()
}

#[wasm_bindgen_test]
async fn a_shared_link_opened_in_a_fresh_page_gives_the_same_world_and_the_same_trace() {
    let teacher_key = fresh_key("share-teacher");
    let teacher = mount_keeping(&teacher_key).await;
    click(&teacher, "node-alb-a").await;
    click(&teacher, "nacl-delete-acl-public-a-inbound-100").await;
    click(&teacher, "node-pod-a-2").await;
    click(&teacher, "fault-0").await;
    click(&teacher, "advance-10s").await;
    click(&teacher, "send").await;

    click(&teacher, "share-button").await;
    let dialog = find(&teacher, "share-dialog");
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(
        focused_testid().as_deref(),
        Some("share-link"),
        "the link is focused and selected"
    );
    let link = input_value(&teacher, "share-link");
    let (page, fragment) = link.split_once('#').expect("a fragment");
    assert!(fragment.starts_with("world=1."), "{link}");
    assert!(!page.is_empty());
    let size = text(&find(&teacher, "share-size"));
    assert!(
        size.starts_with(&format!("{} characters", link.len())) && size.contains("at most 16,384"),
        "{size}"
    );
    click(&teacher, "share-copy").await;
    for _ in 0..50 {
        if !text(&find(&teacher, "share-status")).is_empty() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    let status = text(&find(&teacher, "share-status"));
    assert!(
        status.contains("Copied") || status.contains("copy it with Ctrl+C"),
        "{status}"
    );
    press(&find(&teacher, "share-link"), "Escape");
    settle().await;
    assert!(!exists(&teacher, "share-dialog"));
    assert_eq!(focused_testid().as_deref(), Some("share-button"));

    // A learner with their own saved world opens the link.
    let learner_key = fresh_key("share-learner");
    let own = a_saved_world_with_a_fault();
    local_storage().set_item(&learner_key, &own).unwrap();
    set_hash_quietly(&format!("#{fragment}"));
    let learner = mount_keeping(&learner_key).await;
    let m = text(&find(&learner, "world-message"));
    assert!(m.contains("Opened a shared world"), "{m}");
    assert_eq!(
        web_sys::window().unwrap().location().hash().unwrap(),
        "",
        "the link leaves the address bar once read"
    );
    assert_eq!(fault_chips(&learner), fault_chips(&teacher));
    assert_eq!(text(&find(&learner, "clock")), "00:10");
    click(&teacher, "send").await;
    click(&learner, "send").await;
    assert_eq!(trace_text(&learner), trace_text(&teacher));
    assert_eq!(outcome(&learner).await, outcome(&teacher).await);

    // The learner's own world was put aside, and comes back.
    settle_saves().await;
    assert_eq!(
        stored(&format!("{learner_key}.before-link")).as_deref(),
        Some(own.as_str())
    );
    let saved = hoplab::classroom::SavedState::from_json(&stored(&learner_key).unwrap()).unwrap();
    assert_eq!(
        saved.steps.len(),
        5,
        "the shared world's four actions and the learner's Send: {:?}",
        saved.steps
    );
    click(&learner, "back-to-previous").await;
    let chips = fault_chips(&learner);
    assert!(
        chips.len() == 1 && chips[0].contains("pod-a-1 crashed"),
        "{chips:?}"
    );
    assert_eq!(
        text(&find(&learner, "clock")),
        "00:00",
        "the learner's own world"
    );
    assert!(stored(&format!("{learner_key}.before-link")).is_none());
}

#[wasm_bindgen_test]
async fn a_tampered_link_says_why_opens_the_default_world_and_leaves_saved_work_untouched() {
    let key = fresh_key("share-tampered");
    let own = a_saved_world_with_a_fault();
    local_storage().set_item(&key, &own).unwrap();
    let good =
        hoplab::classroom::link::encode(&hoplab::classroom::SavedState::from_json(&own).unwrap())
            .unwrap();
    let mut bytes = good.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    set_hash_quietly(&format!("#{}", String::from_utf8(bytes).unwrap()));
    let root = mount_keeping(&key).await;
    let alert = find(&root, "world-message");
    assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));
    let m = text(&alert);
    assert!(
        m.contains("This link could not be opened") && m.contains("damaged"),
        "{m}"
    );
    assert!(fault_chips(&root).is_empty(), "the default world");
    settle_saves().await;
    assert_eq!(stored(&key).as_deref(), Some(own.as_str()), "untouched");

    // Working in the default world puts the saved one aside first.
    click(&root, "advance-10s").await;
    settle_saves().await;
    assert_ne!(stored(&key).as_deref(), Some(own.as_str()));
    assert_eq!(
        stored(&format!("{key}.before-link")).as_deref(),
        Some(own.as_str())
    );
    click(&root, "world-menu-button").await;
    click(&root, "menu-back-to-previous").await;
    assert_eq!(fault_chips(&root).len(), 1, "the learner's world is back");
    assert_eq!(text(&find(&root, "clock")), "00:00");
}

#[wasm_bindgen_test]
async fn a_world_too_big_for_a_link_offers_the_whole_state_download_instead() {
    let key = fresh_key("share-too-long");
    let root = mount_keeping(&key).await;
    // A long URL in the request bar that does not compress.
    let mut x: u64 = 3;
    let noise: String = (0..20_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b'a' + (x >> 59) as u8 % 26)
        })
        .collect();
    type_into(
        &root,
        "url-input",
        &format!("https://healthcareapp.com/{noise}"),
    )
    .await;
    click(&root, "share-button").await;
    let m = text(&find(&root, "share-too-long"));
    assert!(
        m.contains("more than the 16384") && m.contains("download the whole state"),
        "{m}"
    );
    assert!(exists(&root, "share-download"));
    assert!(!exists(&root, "share-link"));
    assert_eq!(focused_testid().as_deref(), Some("share-download"));
    click(&root, "share-close").await;
    assert!(!exists(&root, "share-dialog"));
}

/// The inspector's rows as `term: value` lines.
fn inspector_rows(root: &HtmlElement) -> Vec<String> {
    select_all(root, "[data-testid=\"inspector\"] dt")
        .iter()
        .map(|dt| {
            let dd = dt
                .next_element_sibling()
                .map(|d| text(&d))
                .unwrap_or_default();
            format!("{}: {dd}", text(dt))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_albs_idle_timeout_form_changes_the_setting_and_refuses_one_past_4000_seconds() {
    // Fact sheet §8: the ALB's idle timeout is 1 to 4,000 seconds.
    let root = mount().await;
    click(&root, "node-alb-a").await;
    assert!(exists(&root, "setting-idle-timeout-alb-a"));
    let row = |root: &HtmlElement| {
        inspector_rows(root)
            .into_iter()
            .find(|r| r.starts_with("idle timeout:"))
            .expect("an idle timeout row")
    };
    assert!(row(&root).contains("60 s"), "{}", row(&root));
    type_into(&root, "set-idle-timeout-alb-a-seconds", "30").await;
    click(&root, "set-idle-timeout-alb-a-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert!(row(&root).contains("30 s"), "{}", row(&root));
    assert!(
        exists(&root, "setting-idle-timeout-alb-a"),
        "the form stays in the inspector after the change"
    );

    type_into(&root, "set-idle-timeout-alb-a-seconds", "5000").await;
    click(&root, "set-idle-timeout-alb-a-submit").await;
    assert!(exists(&root, "edit-error"), "a refusal is shown");
    assert!(
        row(&root).contains("30 s"),
        "a refused value changes nothing: {}",
        row(&root)
    );
    let typed: HtmlInputElement = find(&root, "set-idle-timeout-alb-a-seconds").unchecked_into();
    assert_eq!(
        typed.value(),
        "5000",
        "the field keeps what the learner typed"
    );
}

#[wasm_bindgen_test]
async fn a_syn_flood_burst_is_absorbed_by_shield_and_the_report_says_where() {
    // Fact sheet §7: Shield Standard absorbs layer 3/4 floods at the edge.
    let root = mount().await;
    click(&root, "show-burst").await;
    choose(&root, "burst-flood", "syn_flood").await;
    type_into(&root, "burst-count", "500").await;
    click(&root, "burst-send").await;
    assert!(!exists(&root, "burst-error"));
    let shield = find(&root, "burst-shield");
    assert_eq!(
        shield.get_attribute("data-absorbed").as_deref(),
        Some("500")
    );
    assert!(text(&find(&root, "burst-summary")).starts_with("SYN flood"));

    choose(&root, "burst-flood", "get").await;
    click(&root, "burst-send").await;
    assert!(
        !exists(&root, "burst-shield"),
        "ordinary GETs have no Shield row"
    );
}

#[wasm_bindgen_test]
async fn dig_in_a_browsers_inspector_answers_with_records_and_names_nxdomain() {
    // Fact sheet §1, §2: status, records with their TTL, who answered.
    let root = mount().await;
    click(&root, "node-client-na").await;
    let name: HtmlInputElement = find(&root, "dig-name").unchecked_into();
    assert_eq!(name.value(), "healthcareapp.com", "the request bar's host");
    click(&root, "dig-ask").await;
    let r = find(&root, "dig-result");
    assert_eq!(r.get_attribute("data-status").as_deref(), Some("NOERROR"));
    assert!(!select_all(&root, "[data-testid=\"dig-answer\"] tbody tr").is_empty());

    type_into(&root, "dig-name", "nope.healthcareapp.com").await;
    click(&root, "dig-ask").await;
    let r = find(&root, "dig-result");
    assert_eq!(r.get_attribute("data-status").as_deref(), Some("NXDOMAIN"));
    assert!(
        exists(&root, "dig-authority"),
        "NXDOMAIN carries the zone's SOA"
    );

    type_into(&root, "dig-name", "two words").await;
    click(&root, "dig-ask").await;
    assert!(exists(&root, "dig-error"));
    assert!(!exists(&root, "dig-result"));
}

fn attr_u64(el: &Element, name: &str) -> u64 {
    el.get_attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} on {}", el.outer_html()))
}

#[wasm_bindgen_test]
async fn the_timeline_shows_where_the_time_went_and_a_second_request_is_faster_for_kept_connections(
) {
    // Fact sheet §16, §26: a warm request skips DNS and the handshakes.
    let root = mount().await;
    assert!(!exists(&root, "timeline"), "no timeline before Send");
    click(&root, "send").await;
    let cold = find(&root, "timeline-now");
    let cold_us = attr_u64(&cold, "data-total-us");
    assert!(attr_u64(&cold, "data-phases") >= 5, "{}", cold.outer_html());
    assert!(!exists(&root, "timeline-before"));
    let kinds: Vec<String> = select_all(&root, "[data-testid=\"timeline-now\"] [data-kind]")
        .iter()
        .filter_map(|b| b.get_attribute("data-kind"))
        .collect();
    assert!(kinds.iter().any(|k| k == "tls_handshake"), "{kinds:?}");

    click(&root, "send").await;
    let warm_us = attr_u64(&find(&root, "timeline-now"), "data-total-us");
    assert_eq!(
        attr_u64(&find(&root, "timeline-before"), "data-total-us"),
        cold_us
    );
    assert!(warm_us < cold_us, "{warm_us} < {cold_us}");
    let why = text(&find(&root, "timeline-why"));
    assert!(why.contains("less than the request before"), "{why}");

    // A phase's legend entry moves playback to its first hop; one this
    // request skipped (the TLS handshake, on kept connections) cannot.
    assert!(
        find(&root, "timeline-key-tls_handshake").has_attribute("disabled"),
        "a warm request has no TLS handshake to go to"
    );
    click(&root, "timeline-key-app").await;
    assert!(active_index(&root).unwrap_or(0) > 0, "playback moved");
}

#[wasm_bindgen_test]
async fn the_burst_and_reach_panels_are_built_when_first_shown_and_keep_what_was_typed() {
    let root = mount().await;
    assert!(
        !exists(&root, "burst"),
        "no burst panel before its tab is shown"
    );
    assert!(
        !exists(&root, "reach"),
        "no reach panel before its tab is shown"
    );

    click(&root, "show-reach").await;
    assert!(exists(&root, "reach"));
    assert!(!exists(&root, "burst"), "showing Reach builds only Reach");
    type_into(&root, "reach-to", "i-bastion-b").await;
    type_into(&root, "reach-port", "443").await;
    click(&root, "show-burst").await;
    type_into(&root, "burst-count", "250").await;
    click(&root, "show-trace").await;
    click(&root, "show-reach").await;
    let value = |id: &str| find(&root, id).unchecked_into::<HtmlInputElement>().value();
    assert_eq!(value("reach-to"), "i-bastion-b");
    assert_eq!(value("reach-port"), "443");
    click(&root, "show-burst").await;
    assert_eq!(value("burst-count"), "250");
}

#[wasm_bindgen_test]
async fn can_a_reach_b_answers_with_the_path_marks_the_diagram_and_names_the_blocking_rule() {
    // Fact sheet §24, §25: SSH from the admin's laptop to the bastion, then
    // from another client, stopped by the public subnet's network ACL.
    let root = mount().await;
    click(&root, "show-reach").await;
    choose(&root, "reach-from", "client-na").await;
    type_into(&root, "reach-to", "i-bastion-b").await;
    click(&root, "reach-ask").await;
    let a = find(&root, "reach-answer");
    assert_eq!(a.get_attribute("data-reachable").as_deref(), Some("true"));
    let bastion = find(&root, "node-i-bastion-b");
    assert!(
        bastion
            .get_attribute("class")
            .unwrap_or_default()
            .contains("visited"),
        "the path is marked: {}",
        bastion.outer_html()
    );

    choose(&root, "reach-from", "client-eu").await;
    click(&root, "reach-ask").await;
    let a = find(&root, "reach-answer");
    assert_eq!(a.get_attribute("data-reachable").as_deref(), Some("false"));
    assert_eq!(
        a.get_attribute("data-code").as_deref(),
        Some("SUBNET_ACL_RESTRICTION")
    );
    assert!(find(&root, "node-i-bastion-b")
        .get_attribute("class")
        .unwrap_or_default()
        .contains("stopped"));

    type_into(&root, "reach-port", "ssh").await;
    click(&root, "reach-ask").await;
    assert!(exists(&root, "reach-error"), "a port that is not a number");
    type_into(&root, "reach-port", "22").await;
    type_into(&root, "reach-to", "i-nowhere").await;
    click(&root, "reach-ask").await;
    assert!(text(&find(&root, "reach-error")).contains("i-nowhere"));

    // Fact sheet §23: over IPv6 the default world's bastion has no IPv6
    // address; a service's name resolves to its public address.
    type_into(&root, "reach-to", "i-bastion-b").await;
    choose(&root, "reach-ip-version", "ipv6").await;
    click(&root, "reach-ask").await;
    assert_eq!(
        find(&root, "reach-answer")
            .get_attribute("data-code")
            .as_deref(),
        Some("NO_SOURCE_OR_DESTINATION")
    );
    choose(&root, "reach-ip-version", "ipv4").await;
    choose(&root, "reach-from", "pod-a-1").await;
    type_into(&root, "reach-to", "sqs.us-east-1.amazonaws.com").await;
    type_into(&root, "reach-port", "443").await;
    click(&root, "reach-ask").await;
    assert!(text(&find(&root, "reach-resolved")).contains("public address"));
}
