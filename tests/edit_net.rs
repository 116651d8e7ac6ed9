//! Browser tests for the inspector's route table, Route 53 and scale
//! editors: for each, an edit that takes effect (the page shows the changed
//! world) and one that is refused (the reason in a role="alert", the typed
//! text kept, the world as it was).
//! Run: `cargo test --target wasm32-unknown-unknown --test edit_net`.

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

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
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

/// Type into a text field: set its value and fire `input`, as typing does.
async fn type_into(root: &HtmlElement, testid: &str, value: &str) {
    let input: HtmlInputElement = find(root, testid).unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
}

fn value_of(root: &HtmlElement, testid: &str) -> String {
    find(root, testid)
        .unchecked_into::<HtmlInputElement>()
        .value()
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

/// Submit the form a field is in, as Enter in that field does: the
/// keyboard path, no mouse involved.
async fn press_enter_in(root: &HtmlElement, testid: &str) {
    let input: HtmlInputElement = find(root, testid).unchecked_into();
    input.focus().unwrap();
    let form = input
        .closest("form")
        .unwrap()
        .expect("the field is in a form");
    // HTMLFormElement.requestSubmit(): what implicit submission runs.
    let submit = js_sys::Reflect::get(&form, &"requestSubmit".into()).unwrap();
    submit
        .unchecked_into::<js_sys::Function>()
        .call0(&form)
        .unwrap();
    settle().await;
}

/// The refusal next to the form: its text, and that it is announced.
fn refusal(root: &HtmlElement) -> String {
    let el = find(root, "edit-error");
    assert_eq!(el.get_attribute("role").as_deref(), Some("alert"));
    text(&el)
}

fn no_refusal(root: &HtmlElement) -> bool {
    !exists(root, "edit-error")
}

/// Every field in the section has a `<label for>`, and every form a
/// submit button: the editors work from the keyboard alone.
fn labelled(root: &HtmlElement, section: &str) {
    let sec = find(root, section);
    let fields = sec.query_selector_all("input, select").unwrap();
    assert!(fields.length() > 0);
    for i in 0..fields.length() {
        let f: Element = fields.item(i).unwrap().unchecked_into();
        let id = f.id();
        assert!(!id.is_empty(), "a field without an id: {}", f.outer_html());
        assert!(
            sec.query_selector(&format!("label[for=\"{id}\"]"))
                .unwrap()
                .is_some(),
            "no label for {}",
            f.outer_html()
        );
    }
    let forms = sec.query_selector_all("form").unwrap();
    for i in 0..forms.length() {
        let f: Element = forms.item(i).unwrap().unchecked_into();
        assert!(
            f.query_selector("button[type=\"submit\"]")
                .unwrap()
                .is_some(),
            "a form without a submit button"
        );
    }
}

// ------------------------------------------------------------ route tables

#[wasm_bindgen_test]
async fn a_route_added_from_the_keyboard_shows_in_the_table_and_a_subnet_moves_to_it() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    labelled(&root, "rt-rtb-public-a");
    assert!(!exists(&root, "rt-route-rtb-public-a-2"));
    type_into(&root, "rt-add-destination-rtb-public-a", "198.51.100.0/24").await;
    type_into(&root, "rt-add-target-rtb-public-a", "igw-a").await;
    press_enter_in(&root, "rt-add-target-rtb-public-a").await;
    assert!(no_refusal(&root));
    let row = text(&find(&root, "rt-route-rtb-public-a-2"));
    assert!(
        row.contains("198.51.100.0/24") && row.contains("igw-a"),
        "{row}"
    );
    assert_eq!(value_of(&root, "rt-add-destination-rtb-public-a"), "");
    assert!(
        text(&root).contains("edited — press Send"),
        "the trace is marked stale"
    );

    // The local route has no delete button; the new one does.
    assert!(!exists(&root, "rt-delete-rtb-public-a-0"));
    click(&root, "rt-delete-rtb-public-a-2").await;
    assert!(!exists(&root, "rt-route-rtb-public-a-2"));

    // Moving the data subnet of AZ 1 to the public table.
    choose(&root, "rt-assoc-subnet-rtb-public-a", "subnet-data-a1").await;
    click(&root, "rt-assoc-submit-rtb-public-a").await;
    let using = text(&find(&root, "rt-using-rtb-public-a"));
    assert!(using.contains("subnet-data-a1"), "{using}");
}

#[wasm_bindgen_test]
async fn a_route_to_another_vpcs_gateway_is_refused_and_the_typed_target_stays() {
    let root = mount().await;
    click(&root, "node-alb-a").await;
    type_into(&root, "rt-add-destination-rtb-public-a", "198.51.100.0/24").await;
    type_into(&root, "rt-add-target-rtb-public-a", "nat-b1").await;
    click(&root, "rt-add-submit-rtb-public-a").await;
    let m = refusal(&root);
    assert!(
        m.starts_with("internet or NAT gateway nat-b1 is not in vpc-a"),
        "{m}"
    );
    assert_eq!(value_of(&root, "rt-add-target-rtb-public-a"), "nat-b1");
    assert!(!exists(&root, "rt-route-rtb-public-a-2"), "no route added");
    assert!(
        !text(&root).contains("edited — press Send"),
        "nothing changed"
    );
}

// --------------------------------------------------------- Route 53 records

#[wasm_bindgen_test]
async fn a_record_is_created_then_changed_and_the_zone_table_shows_it() {
    let root = mount().await;
    click(&root, "node-route53").await;
    labelled(&root, "r53-records");
    assert!(!exists(&root, "r53-record-3"));
    type_into(&root, "r53-name", "www.healthcareapp.com").await;
    type_into(&root, "r53-value", "A 192.0.2.10").await;
    type_into(&root, "r53-ttl", "300").await;
    press_enter_in(&root, "r53-ttl").await;
    assert!(no_refusal(&root));
    let row = text(&find(&root, "r53-record-3"));
    assert!(
        row.contains("www.healthcareapp.com") && row.contains("192.0.2.10") && row.contains("300"),
        "{row}"
    );
    // Pick it, change its value and policy.
    choose(&root, "r53-record-pick", "3").await;
    assert_eq!(value_of(&root, "r53-value"), "A 192.0.2.10");
    type_into(&root, "r53-value", "A 192.0.2.20").await;
    type_into(&root, "r53-routing", "weighted 10").await;
    click(&root, "r53-record-save").await;
    assert!(no_refusal(&root));
    let row = text(&find(&root, "r53-record-3"));
    assert!(
        row.contains("192.0.2.20") && row.contains("weighted 10"),
        "{row}"
    );
    // And delete it.
    click(&root, "r53-record-delete-3").await;
    assert!(!exists(&root, "r53-record-3"));
}

#[wasm_bindgen_test]
async fn an_alias_record_with_a_ttl_is_refused_with_the_reason_and_the_form_keeps_it() {
    let root = mount().await;
    click(&root, "node-route53").await;
    type_into(&root, "r53-name", "www.healthcareapp.com").await;
    type_into(&root, "r53-value", "alias cloudfront").await;
    type_into(&root, "r53-ttl", "300").await;
    click(&root, "r53-record-save").await;
    let m = refusal(&root);
    assert!(m.contains("an alias record takes no TTL"), "{m}");
    assert_eq!(value_of(&root, "r53-ttl"), "300");
    assert_eq!(value_of(&root, "r53-value"), "alias cloudfront");
    assert!(!exists(&root, "r53-record-3"), "no record created");
}

// ---------------------------------------------------- Route 53 health checks

#[wasm_bindgen_test]
async fn a_health_checks_failure_threshold_is_changed_and_a_new_check_is_listed() {
    let root = mount().await;
    click(&root, "node-route53").await;
    labelled(&root, "r53-health-checks");
    assert_eq!(text(&find(&root, "r53-hc-threshold-hc-cluster-a")), "3");
    choose(&root, "r53-hc-pick", "hc-cluster-a").await;
    type_into(&root, "r53-hc-threshold", "1").await;
    press_enter_in(&root, "r53-hc-threshold").await;
    assert!(no_refusal(&root));
    assert_eq!(text(&find(&root, "r53-hc-threshold-hc-cluster-a")), "1");

    type_into(&root, "r53-hc-id", "hc-fast").await;
    type_into(&root, "r53-hc-region", "us-west-2").await;
    type_into(&root, "r53-hc-interval", "10").await;
    click(&root, "r53-hc-save").await;
    assert!(no_refusal(&root));
    assert!(text(&find(&root, "r53-hc-hc-fast")).contains("10 s"));
}

#[wasm_bindgen_test]
async fn a_health_check_a_record_uses_cannot_be_deleted_nor_its_interval_changed() {
    let root = mount().await;
    click(&root, "node-route53").await;
    click(&root, "r53-hc-delete-hc-cluster-a").await;
    let m = refusal(&root);
    assert_eq!(
        m,
        "health check hc-cluster-a is still used by record 2 api-origin.healthcareapp.com (failover primary): change that first"
    );
    assert!(exists(&root, "r53-hc-hc-cluster-a"), "still there");

    // §4: the interval is fixed once created.
    choose(&root, "r53-hc-pick", "hc-cluster-b").await;
    type_into(&root, "r53-hc-interval", "10").await;
    click(&root, "r53-hc-save").await;
    let m = refusal(&root);
    assert!(m.contains("cannot be changed after creation"), "{m}");
    assert_eq!(value_of(&root, "r53-hc-interval"), "10");
    assert!(text(&find(&root, "r53-hc-hc-cluster-b")).contains("30 s"));
}

// -------------------------------------------------------------------- scale

#[wasm_bindgen_test]
async fn scaling_the_service_adds_pods_to_the_diagram_and_zero_pods_ends_in_503() {
    let root = mount().await;
    click(&root, "node-svc-a").await;
    labelled(&root, "scale-us-east-1");
    assert_eq!(
        text(&find(&root, "scale-now-us-east-1")),
        "now 4 pods on 2 nodes"
    );
    assert!(!exists(&root, "node-pod-a-6"));
    type_into(&root, "scale-pods-us-east-1", "6").await;
    press_enter_in(&root, "scale-pods-us-east-1").await;
    assert!(no_refusal(&root));
    assert_eq!(
        text(&find(&root, "scale-now-us-east-1")),
        "now 6 pods on 2 nodes"
    );
    assert!(exists(&root, "node-pod-a-5") && exists(&root, "node-pod-a-6"));

    type_into(&root, "scale-nodes-us-east-1", "3").await;
    click(&root, "scale-nodes-submit-us-east-1").await;
    assert_eq!(
        text(&find(&root, "scale-now-us-east-1")),
        "now 6 pods on 3 nodes"
    );

    type_into(&root, "scale-pods-us-east-1", "0").await;
    click(&root, "scale-pods-submit-us-east-1").await;
    assert!(!exists(&root, "node-pod-a-1"));
    click(&root, "send").await;
    if exists(&root, "jump-to-outcome") {
        click(&root, "jump-to-outcome").await;
    }
    let out = text(&find(&root, "outcome"));
    assert!(out.contains("503"), "{out}");
}

#[wasm_bindgen_test]
async fn a_pod_count_that_is_not_a_number_is_refused_and_no_pod_changes() {
    let root = mount().await;
    click(&root, "node-svc-a").await;
    type_into(&root, "scale-pods-us-east-1", "lots").await;
    click(&root, "scale-pods-submit-us-east-1").await;
    let m = refusal(&root);
    assert!(m.contains("'lots' is not a number of replicas"), "{m}");
    assert_eq!(value_of(&root, "scale-pods-us-east-1"), "lots");
    assert_eq!(
        text(&find(&root, "scale-now-us-east-1")),
        "now 4 pods on 2 nodes"
    );

    // Scaling nodes away from under running pods is refused too.
    type_into(&root, "scale-nodes-us-east-1", "1").await;
    click(&root, "scale-nodes-submit-us-east-1").await;
    let m = refusal(&root);
    assert_eq!(
        m,
        "node node-a-2 still runs pod-a-3, pod-a-4: scale the pods down first"
    );
    assert!(exists(&root, "node-pod-a-4"));
}

// ------------------------------------------------ creating and deleting tables

#[wasm_bindgen_test]
async fn a_route_table_created_at_the_internet_gateway_has_the_local_route_only_and_is_deleted() {
    let root = mount().await;
    click(&root, "node-igw-a").await;
    labelled(&root, "rt-create-vpc-a");
    assert!(!exists(&root, "rt-rtb-test-a"));
    type_into(&root, "rt-create-id-vpc-a", "rtb-test-a").await;
    press_enter_in(&root, "rt-create-id-vpc-a").await;
    assert!(no_refusal(&root));
    // Fact sheet §10: the VPC's local route and nothing else.
    let local = text(&find(&root, "rt-route-rtb-test-a-0"));
    assert!(
        local.contains("10.0.0.0/16") && local.contains("local"),
        "{local}"
    );
    assert!(!exists(&root, "rt-route-rtb-test-a-1"));
    assert_eq!(text(&find(&root, "rt-using-rtb-test-a")), "no subnet");
    assert_eq!(value_of(&root, "rt-create-id-vpc-a"), "");
    labelled(&root, "rt-rtb-test-a");
    // No subnet uses it: it can be deleted.
    click(&root, "rt-delete-table-rtb-test-a").await;
    assert!(no_refusal(&root));
    assert!(!exists(&root, "rt-rtb-test-a"));
}

#[wasm_bindgen_test]
async fn a_route_table_a_subnet_uses_is_not_deleted_and_a_taken_id_is_refused() {
    let root = mount().await;
    click(&root, "node-igw-a").await;
    click(&root, "rt-delete-table-rtb-public-a").await;
    let m = refusal(&root);
    assert!(
        m.starts_with("rtb-public-a is still associated with subnet-public-a1, subnet-public-a2"),
        "{m}"
    );
    assert!(exists(&root, "rt-rtb-public-a"), "the table stays");
    type_into(&root, "rt-create-id-vpc-a", "rtb-app-a1").await;
    click(&root, "rt-create-submit-vpc-a").await;
    assert_eq!(refusal(&root), "route table rtb-app-a1 already exists");
    assert_eq!(value_of(&root, "rt-create-id-vpc-a"), "rtb-app-a1");
    assert!(
        !text(&root).contains("edited — press Send"),
        "nothing changed"
    );
}
