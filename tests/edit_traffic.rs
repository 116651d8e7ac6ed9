//! Browser tests of the inspector's traffic editors (WAF rules, listener
//! rules and target groups, Ingress paths, CloudFront behaviours): for each,
//! an edit that takes effect (the table and the next trace show it) and one
//! that is refused (the reason in a role=alert next to the form, what was
//! typed kept, nothing changed).
//! Run: `cargo test --target wasm32-unknown-unknown --test edit_traffic`.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn mount() -> HtmlElement {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    hoplab::ui::mount_to(root.clone());
    settle().await;
    root
}

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

fn exists(root: &HtmlElement, testid: &str) -> bool {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .is_some()
}

fn all(root: &Element, css: &str) -> Vec<Element> {
    let list = root.query_selector_all(css).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

async fn click(root: &HtmlElement, testid: &str) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    find(root, testid).dispatch_event(&ev).unwrap();
    settle().await;
}

/// Type into a field (its value, then `input`, as typing does).
async fn type_into(root: &HtmlElement, testid: &str, value: &str) {
    let input: HtmlInputElement = find(root, testid).unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
}

async fn choose(root: &HtmlElement, testid: &str, value: &str) {
    let select: HtmlSelectElement = find(root, testid).unchecked_into();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
}

fn value(root: &HtmlElement, testid: &str) -> String {
    find(root, testid)
        .unchecked_into::<HtmlInputElement>()
        .value()
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.outer_html()))
}

fn trace_text(root: &HtmlElement) -> String {
    all(root, "[data-testid=\"trace-row\"]")
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn outcome(root: &HtmlElement) -> String {
    if exists(root, "jump-to-outcome") {
        click(root, "jump-to-outcome").await;
    }
    text(&find(root, "outcome"))
}

/// The refusal shown for the last edit: in an alert region.
fn refusal(root: &HtmlElement) -> String {
    let e = find(root, "edit-error");
    assert_eq!(attr(&e, "role"), "alert");
    text(&e)
}

/// Every field of the editor has a `<label for>` naming it, and every form
/// a submit button: usable by keyboard and screen reader alone.
fn forms_are_labelled(root: &HtmlElement, editor: &str) {
    let ed = find(root, editor);
    let fields = all(&ed, "form input, form select");
    assert!(!fields.is_empty());
    for f in fields {
        let id = attr(&f, "id");
        assert_eq!(
            all(&ed, &format!("label[for=\"{id}\"]")).len(),
            1,
            "{} has one label",
            f.outer_html()
        );
    }
    for form in all(&ed, "form") {
        assert_eq!(all(&form, "button[type=\"submit\"]").len(), 1);
    }
}

fn rows(root: &HtmlElement, prefix: &str) -> usize {
    all(root, &format!("[data-testid^=\"{prefix}\"]")).len()
}

// ------------------------------------------------------------ WAF

#[wasm_bindgen_test]
async fn a_geo_block_rule_added_in_the_waf_editor_blocks_new_york_with_403() {
    let root = mount().await;
    click(&root, "node-waf").await;
    forms_are_labelled(&root, "waf-editor");
    type_into(&root, "waf-add-priority", "10").await;
    type_into(&root, "waf-add-name", "BlockUS").await;
    choose(&root, "waf-add-statement", "geo_match").await;
    type_into(&root, "waf-add-values", "US").await;
    choose(&root, "waf-add-action", "block").await;
    click(&root, "waf-add-submit").await;
    assert!(!exists(&root, "edit-error"));
    let row = find(&root, "waf-rule-BlockUS");
    assert_eq!(attr(&row, "data-priority"), "10");
    assert!(text(&row).contains("source country in US"));

    click(&root, "send").await;
    assert!(outcome(&root).await.contains("403"));
    assert!(
        trace_text(&root).contains("BlockUS"),
        "{}",
        trace_text(&root)
    );
}

#[wasm_bindgen_test]
async fn a_waf_rule_at_a_taken_priority_is_refused_and_what_was_typed_stays() {
    let root = mount().await;
    click(&root, "node-waf").await;
    let before = rows(&root, "waf-rule-");
    type_into(&root, "waf-add-priority", "1").await;
    type_into(&root, "waf-add-name", "BlockUS").await;
    choose(&root, "waf-add-statement", "geo_match").await;
    type_into(&root, "waf-add-values", "US").await;
    click(&root, "waf-add-submit").await;
    let m = refusal(&root);
    assert!(
        m.contains("priority 1 is already used by WAF rule SQLInjection"),
        "{m}"
    );
    assert_eq!(rows(&root, "waf-rule-"), before, "no rule added");
    assert_eq!(value(&root, "waf-add-name"), "BlockUS");
    assert_eq!(value(&root, "waf-add-values"), "US");
    // A rate limit under AWS's minimum is refused by its own form.
    type_into(&root, "waf-rate-limit", "5").await;
    click(&root, "waf-rate-submit").await;
    assert!(refusal(&root).contains("below AWS's minimum of 10"));
    assert!(text(&find(&root, "waf-rule-RateLimitPerIP")).contains("more than 2000"));
}

// ------------------------------------------------------------ ALB

#[wasm_bindgen_test]
async fn a_fixed_response_rule_ahead_of_the_api_rule_answers_503_from_the_alb() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    forms_are_labelled(&root, "alb-editor");
    // Move the Ingress's /api rule from 2 to 20: picking it fills the form.
    choose(&root, "alb-rule-which", "2").await;
    assert_eq!(value(&root, "alb-rule-path"), "/api, /api/*");
    type_into(&root, "alb-rule-priority", "20").await;
    click(&root, "alb-rule-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert!(exists(&root, "alb-rule-20") && !exists(&root, "alb-rule-2"));
    // A new fixed response at 10 for /api/*.
    choose(&root, "alb-rule-which", "new").await;
    type_into(&root, "alb-rule-priority", "10").await;
    type_into(&root, "alb-rule-path", "/api/*").await;
    choose(&root, "alb-rule-action", "fixed_response").await;
    type_into(&root, "alb-rule-status", "503").await;
    type_into(&root, "alb-rule-body", "down for maintenance").await;
    click(&root, "alb-rule-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert!(text(&find(&root, "alb-rule-10")).contains("fixed response 503"));

    click(&root, "send").await;
    assert!(outcome(&root).await.contains("503"));
    assert!(
        trace_text(&root).contains("listener rule 10 -> fixed response 503"),
        "{}",
        trace_text(&root)
    );
}

#[wasm_bindgen_test]
async fn a_listener_rule_at_a_taken_priority_and_a_bad_health_interval_are_refused() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    let before = rows(&root, "alb-rule-");
    type_into(&root, "alb-rule-priority", "1").await;
    type_into(&root, "alb-rule-path", "/x").await;
    choose(&root, "alb-rule-action", "fixed_response").await;
    type_into(&root, "alb-rule-status", "503").await;
    click(&root, "alb-rule-submit").await;
    let m = refusal(&root);
    assert!(m.contains("priority 1 is already used"), "{m}");
    assert_eq!(rows(&root, "alb-rule-"), before);
    assert_eq!(value(&root, "alb-rule-path"), "/x");
    // The default rule is listed, with no delete button (fact sheet §8).
    assert!(exists(&root, "alb-rule-default"));
    assert_eq!(all(&find(&root, "alb-rule-default"), "button").len(), 0);
    // Health check interval outside 5-300 s.
    type_into(&root, "tg-interval-tg-appointments-a", "4").await;
    click(&root, "tg-submit-tg-appointments-a").await;
    assert_eq!(
        refusal(&root),
        "health check interval (s) 4 is outside 5-300 (fact sheet §8)"
    );
    assert_eq!(value(&root, "tg-interval-tg-appointments-a"), "4");
    // A good one is kept and the form shows it after a re-render.
    type_into(&root, "tg-interval-tg-appointments-a", "30").await;
    click(&root, "tg-submit-tg-appointments-a").await;
    assert!(!exists(&root, "edit-error"));
}

// ------------------------------------------------------------ Ingress

#[wasm_bindgen_test]
async fn an_exact_ingress_path_becomes_listener_rule_1_in_the_next_trace() {
    let root = mount().await;
    click(&root, "node-ingress-a").await;
    forms_are_labelled(&root, "ingress-editor");
    type_into(&root, "ingress-add-path", "/api/appointments").await;
    choose(&root, "ingress-add-type", "Exact").await;
    type_into(&root, "ingress-add-service", "svc-a").await;
    click(&root, "ingress-add-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert!(exists(&root, "ingress-path-/api/appointments-Exact"));

    click(&root, "send").await;
    assert!(outcome(&root).await.contains("200"));
    let t = trace_text(&root);
    assert!(t.contains("listener rule 1 ("), "{t}");
    // The ALB's inspector lists the controller's rule from the new path.
    click(&root, "inspector-close").await;
    click(&root, "node-alb-a").await;
    assert!(text(&find(&root, "alb-rule-1")).contains("/api/appointments (Exact)"));
}

#[wasm_bindgen_test]
async fn an_ingress_path_to_an_unknown_service_is_refused() {
    let root = mount().await;
    click(&root, "node-ingress-a").await;
    let before = rows(&root, "ingress-path-");
    type_into(&root, "ingress-add-path", "/reports").await;
    type_into(&root, "ingress-add-service", "svc-nope").await;
    click(&root, "ingress-add-submit").await;
    assert_eq!(refusal(&root), "no Service svc-nope");
    assert_eq!(rows(&root, "ingress-path-"), before);
    assert_eq!(value(&root, "ingress-add-service"), "svc-nope");
}

// ------------------------------------------------------------ CloudFront

#[wasm_bindgen_test]
async fn narrowing_the_api_behaviour_to_get_head_makes_cloudfront_refuse_a_post() {
    let root = mount().await;
    click(&root, "node-cloudfront").await;
    forms_are_labelled(&root, "cdn-editor");
    choose(&root, "cdn-which", "/api/*").await;
    assert_eq!(value(&root, "cdn-origin"), "alb-origin");
    choose(&root, "cdn-methods", "GET,HEAD").await;
    click(&root, "cdn-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert_eq!(
        attr(&find(&root, "cdn-behaviour-/api/*"), "data-methods"),
        "GET,HEAD"
    );

    choose(&root, "method", "POST").await;
    click(&root, "send").await;
    assert!(outcome(&root).await.contains("403"));
}

#[wasm_bindgen_test]
async fn ttls_out_of_order_and_deleting_the_default_behaviour_are_refused() {
    let root = mount().await;
    click(&root, "node-cloudfront").await;
    // The default behaviour has no delete button.
    assert!(!exists(&root, "cdn-delete-*"));
    choose(&root, "cdn-which", "*").await;
    type_into(&root, "cdn-min", "100").await;
    type_into(&root, "cdn-default", "10").await;
    click(&root, "cdn-submit").await;
    let m = refusal(&root);
    assert!(
        m.starts_with("TTLs must satisfy minimum <= default <= maximum (got 100 / 10 /"),
        "{m}"
    );
    assert_eq!(
        attr(&find(&root, "cdn-behaviour-*"), "data-ttl"),
        "1/86400/31536000"
    );
    assert_eq!(value(&root, "cdn-min"), "100");
    // A good one takes effect.
    type_into(&root, "cdn-min", "0").await;
    click(&root, "cdn-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert_eq!(
        attr(&find(&root, "cdn-behaviour-*"), "data-ttl"),
        "0/10/31536000"
    );
}

// ------------------------------------------------ creating and deleting target groups

#[wasm_bindgen_test]
async fn a_created_target_group_has_no_targets_so_forwarding_to_it_answers_503_and_it_is_deleted() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    type_into(&root, "tg-create-id", "tg-test-a").await;
    type_into(&root, "tg-create-port", "8080").await;
    click(&root, "tg-create-submit").await;
    assert!(!exists(&root, "edit-error"));
    assert!(exists(&root, "tg-form-tg-test-a"));
    forms_are_labelled(&root, "alb-editor");
    // AWS's health-check defaults (fact sheet §8).
    assert_eq!(value(&root, "tg-health-path-tg-test-a"), "/");
    assert_eq!(value(&root, "tg-interval-tg-test-a"), "30");
    // The Ingress's /api rule to 20, then /api/* at 10 to the new group.
    choose(&root, "alb-rule-which", "2").await;
    type_into(&root, "alb-rule-priority", "20").await;
    click(&root, "alb-rule-submit").await;
    choose(&root, "alb-rule-which", "new").await;
    type_into(&root, "alb-rule-priority", "10").await;
    type_into(&root, "alb-rule-path", "/api/*").await;
    choose(&root, "alb-rule-action", "forward").await;
    type_into(&root, "alb-rule-target", "tg-test-a").await;
    click(&root, "alb-rule-submit").await;
    assert!(!exists(&root, "edit-error"));
    click(&root, "send").await;
    assert!(outcome(&root).await.contains("503"));
    assert!(
        trace_text(&root).contains("target group tg-test-a has no registered targets"),
        "{}",
        trace_text(&root)
    );
    // Once no rule forwards to it, it can be deleted.
    click(&root, "alb-delete-10").await;
    click(&root, "tg-delete-tg-test-a").await;
    assert!(!exists(&root, "edit-error"));
    assert!(!exists(&root, "tg-form-tg-test-a"));
}

#[wasm_bindgen_test]
async fn a_target_group_a_rule_forwards_to_is_not_deleted_and_a_bad_nodeport_is_refused() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    click(&root, "tg-delete-tg-appointments-a").await;
    let m = refusal(&root);
    assert!(
        m.starts_with("target group tg-appointments-a is still used by alb-a listener rule "),
        "{m}"
    );
    assert!(exists(&root, "tg-form-tg-appointments-a"));
    type_into(&root, "tg-create-id", "tg-nodes-a").await;
    type_into(&root, "tg-create-port", "8080").await;
    choose(&root, "tg-create-type", "instance").await;
    click(&root, "tg-create-submit").await;
    assert_eq!(
        refusal(&root),
        "NodePort 8080 is outside 30000-32767 (fact sheet §14)"
    );
    assert_eq!(value(&root, "tg-create-id"), "tg-nodes-a");
    assert_eq!(value(&root, "tg-create-port"), "8080");
    assert!(!exists(&root, "tg-form-tg-nodes-a"));
}
