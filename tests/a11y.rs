//! Accessibility in the browser: axe-core checks the main views in both
//! themes, the theme button, and the live region that reads each hop.
//! Run: `cargo test --target wasm32-unknown-unknown --test a11y`.
//!
//! axe-core comes from npm for the tests only (never shipped in dist/):
//! `./.ci/dev setup` installs it in `node_modules/`, and `.cargo/config.toml`
//! points `HOPLAB_AXE_JS` at `node_modules/axe-core/axe.min.js`. The app's
//! styles are the real ones: `style/main.css` and the component bundle
//! `stylance .` writes to `target/stylance/bundle.css` (`.ci/dev test` runs
//! it first), so axe measures the colours a learner sees.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const AXE_JS: &str = include_str!(env!("HOPLAB_AXE_JS"));
const MAIN_CSS: &str = include_str!("../style/main.css");
const BUNDLE_CSS: &str = include_str!("../target/stylance/bundle.css");
/// Colours are measured at rest: no transition is half-way when axe looks.
const STILL_CSS: &str =
    "*, *::before, *::after { transition: none !important; animation: none !important; }";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn html() -> Element {
    document().document_element().unwrap()
}

/// The app's styles and axe-core, once per page.
fn prepare_page() {
    if document().get_element_by_id("a11y-styles").is_some() {
        return;
    }
    let head = document().head().unwrap();
    let style = document().create_element("style").unwrap();
    style.set_id("a11y-styles");
    style.set_text_content(Some(&format!("{MAIN_CSS}\n{BUNDLE_CSS}\n{STILL_CSS}")));
    head.append_child(&style).unwrap();
    let script = document().create_element("script").unwrap();
    script.set_text_content(Some(AXE_JS));
    head.append_child(&script).unwrap();
}

/// Mount a fresh app, alone on the page (earlier tests' apps are removed, so
/// ids and landmarks are only this app's).
async fn mount() -> HtmlElement {
    prepare_page();
    for old in select_all(&document().body().unwrap(), "[data-a11y-root]") {
        old.remove();
    }
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    root.set_attribute("data-a11y-root", "").unwrap();
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

async fn wait_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
    settle().await;
}

fn select_all(root: &HtmlElement, css: &str) -> Vec<Element> {
    let list = root.query_selector_all(css).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn find(root: &HtmlElement, testid: &str) -> Element {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

async fn click(root: &HtmlElement, testid: &str) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    find(root, testid).dispatch_event(&ev).unwrap();
    settle().await;
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// One axe-core violation as a reader wants it: rule, impact, help, and
/// each element with axe's summary of what is wrong.
fn describe(v: &JsValue) -> String {
    let nodes: Array = get(v, "nodes").unchecked_into();
    let mut out = format!(
        "[{}] {}: {}",
        string(v, "impact"),
        string(v, "id"),
        string(v, "help")
    );
    for n in nodes.iter().take(8) {
        let target = js_sys::JSON::stringify(&get(&n, "target"))
            .map(String::from)
            .unwrap_or_default();
        out.push_str(&format!(
            "\n    {target}\n      {}\n      {}",
            string(&n, "html").chars().take(160).collect::<String>(),
            string(&n, "failureSummary").replace('\n', " / ")
        ));
    }
    if nodes.length() > 8 {
        out.push_str(&format!("\n    … and {} more", nodes.length() - 8));
    }
    out
}

/// Run axe-core on the app and return its serious and critical violations.
async fn serious_violations(root: &HtmlElement) -> Vec<String> {
    settle().await;
    let window: JsValue = web_sys::window().unwrap().into();
    let axe = get(&window, "axe");
    assert!(!axe.is_undefined(), "axe-core did not load");
    let run: Function = get(&axe, "run").unchecked_into();
    let options = js_sys::JSON::parse(
        r#"{"resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}"#,
    )
    .unwrap();
    let promise: Promise = run.call2(&axe, root, &options).unwrap().unchecked_into();
    let result = JsFuture::from(promise).await.expect("axe.run");
    let violations: Array = get(&result, "violations").unchecked_into();
    violations
        .iter()
        .filter(|v| matches!(string(v, "impact").as_str(), "serious" | "critical"))
        .map(|v| describe(&v))
        .collect()
}

/// Check the view on screen in the light theme, then the dark one.
async fn assert_accessible_in_both_themes(root: &HtmlElement, view: &str) {
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        html().set_attribute("data-theme", theme).unwrap();
        let found = serious_violations(root).await;
        if !found.is_empty() {
            failures.push(format!("{view}, {theme} theme:\n  {}", found.join("\n  ")));
        }
    }
    html().remove_attribute("data-theme").unwrap();
    assert!(
        failures.is_empty(),
        "axe-core found serious or critical violations:\n{}",
        failures.join("\n")
    );
}

#[wasm_bindgen_test]
async fn the_sandbox_has_no_serious_accessibility_violations_in_either_theme() {
    let root = mount().await;
    assert_accessible_in_both_themes(&root, "the sandbox").await;
}

#[wasm_bindgen_test]
async fn a_trace_in_progress_has_no_serious_accessibility_violations_in_either_theme() {
    let root = mount().await;
    click(&root, "send").await;
    click(&root, "step-forward").await;
    click(&root, "step-forward").await;
    assert!(!select_all(&root, "[data-testid=\"trace-row\"]").is_empty());
    assert_accessible_in_both_themes(&root, "a trace in progress").await;
}

#[wasm_bindgen_test]
async fn the_inspector_with_a_rule_editor_open_has_no_serious_accessibility_violations() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    find(&root, "nacl-add-number");
    assert_accessible_in_both_themes(&root, "the inspector with a rule editor").await;
}

#[wasm_bindgen_test]
async fn the_burst_report_has_no_serious_accessibility_violations_in_either_theme() {
    let root = mount().await;
    click(&root, "show-burst").await;
    click(&root, "burst-send").await;
    find(&root, "burst-report");
    assert_accessible_in_both_themes(&root, "the burst report").await;
}

#[wasm_bindgen_test]
async fn the_share_dialog_has_no_serious_accessibility_violations_in_either_theme() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    click(&root, "nacl-delete-acl-public-a-inbound-100").await;
    click(&root, "share-button").await;
    find(&root, "share-link");
    assert_accessible_in_both_themes(&root, "the share dialog").await;
}

#[wasm_bindgen_test]
async fn an_open_lesson_and_the_lesson_list_have_no_serious_accessibility_violations() {
    let root = mount().await;
    click(&root, "lessons-button").await;
    find(&root, "lesson-picker");
    assert_accessible_in_both_themes(&root, "the lesson list").await;
    click(&root, "open-lesson-journey").await;
    find(&root, "lesson-panel");
    click(&root, "send").await;
    assert_accessible_in_both_themes(&root, "a lesson open").await;
    web_sys::window().unwrap().location().set_hash("").unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("hoplab.lessons.v1").unwrap();
}

#[wasm_bindgen_test]
async fn the_live_region_reads_each_hops_summary_as_playback_moves_on() {
    let root = mount().await;
    let live = find(&root, "hop-live");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(text(&live), "", "nothing to read before Send");

    click(&root, "send").await;
    let first = text(&find(&root, "hop-live"));
    assert!(first.starts_with("Hop 1 of "), "{first}");
    let card = find(&root, "hop-card");
    let what = text(&card.query_selector("h2").unwrap().unwrap());
    assert!(
        first.ends_with(&what),
        "the hop card's summary: {first} / {what}"
    );

    // Playback moves on by itself (one hop per 800 ms at 1×) and the region follows.
    wait_ms(1_900).await;
    let later = text(&find(&root, "hop-live"));
    let n: usize = later
        .trim_start_matches("Hop ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a hop line: {later}"));
    assert!(n >= 2, "playback reached hop 2 or later: {later}");

    click(&root, "step-last").await;
    let last = text(&find(&root, "hop-live"));
    assert!(last.ends_with("Outcome: 200 OK"), "{last}");
}

#[wasm_bindgen_test]
async fn the_theme_button_switches_the_colours_and_a_new_page_remembers_the_choice() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("hoplab.theme").unwrap();
    html().remove_attribute("data-theme").unwrap();
    let root = mount().await;
    let background = || {
        web_sys::window()
            .unwrap()
            .get_computed_style(&document().body().unwrap())
            .unwrap()
            .unwrap()
            .get_property_value("background-color")
            .unwrap()
    };
    // Headless Chromium prefers light unless told otherwise.
    let button = find(&root, "theme-toggle");
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    let light = background();

    click(&root, "theme-toggle").await;
    assert_eq!(html().get_attribute("data-theme").as_deref(), Some("dark"));
    assert_eq!(
        storage.get_item("hoplab.theme").unwrap().as_deref(),
        Some("dark")
    );
    assert_eq!(
        find(&root, "theme-toggle")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    assert_ne!(background(), light, "the page turned dark");

    html().remove_attribute("data-theme").unwrap();
    let again = mount().await;
    assert_eq!(
        html().get_attribute("data-theme").as_deref(),
        Some("dark"),
        "remembered"
    );
    assert_eq!(
        find(&again, "theme-toggle")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    click(&again, "theme-toggle").await;
    assert_eq!(
        storage.get_item("hoplab.theme").unwrap().as_deref(),
        Some("light")
    );
    assert_eq!(background(), light);

    storage.remove_item("hoplab.theme").unwrap();
    html().remove_attribute("data-theme").unwrap();
}
