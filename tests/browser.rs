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

/// Pick an option of a `<select>` and fire `change`.
async fn choose(root: &HtmlElement, testid: &str, value: &str) {
    let select: HtmlSelectElement = find(root, testid).unchecked_into();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
}

fn outcome(root: &HtmlElement) -> String {
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
    assert!(
        text(&find(&root, "outcome")).contains("200"),
        "outcome: {}",
        text(&find(&root, "outcome"))
    );
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
    assert!(
        text(&find(&root, "outcome")).contains("504"),
        "outcome: {}",
        text(&find(&root, "outcome"))
    );
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
    assert!(outcome(&root).contains("201"), "booked: {}", outcome(&root));
    assert!(
        text(&root).contains("POST https://healthcareapp.com/api/appointments"),
        "the trace heading names the method"
    );
}
