//! The failure screen: if the app ever panics, the page says so in plain
//! words, offers to reload, and offers the learner's world (the scenario
//! with every edit, as `hoplab-cli --scenario` reads it) as a file to
//! download, so nothing typed is lost. Its `download` also serves the
//! World menu's downloads.
//!
//! Built with plain DOM calls inside the panic hook, before the program
//! stops: nothing in it needs the app (its signals may be mid-update) or
//! the wasm program afterwards (the buttons are a link to a `blob:` URL and
//! a reload).

use std::cell::RefCell;

use wasm_bindgen::JsCast;

use crate::sim::scenario::Scenario;

/// How the failure screen writes the scenario (`classroom::scenario_json`).
pub type WriteScenario = fn(&Scenario) -> String;

/// Give the failure screen its way to write the scenario: in the hosted
/// build, it comes with the `reading` part (before a saved world or a link
/// is shown, or 3 s after a fresh start); until then the failure screen
/// offers no download, as when the scenario cannot be written.
pub fn can_write(write: WriteScenario) {
    WRITE.with(|c| c.set(Some(write)));
}

thread_local! {
    /// The scenario on screen, kept after every change for the failure screen.
    static LAST_SCENARIO: RefCell<Option<Scenario>> = const { RefCell::new(None) };
    static WRITE: std::cell::Cell<Option<WriteScenario>> = const { std::cell::Cell::new(None) };
}

/// Remember the scenario on screen (called after every change of the world).
pub fn remember(s: &Scenario) {
    LAST_SCENARIO.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            if slot.as_ref() != Some(s) {
                *slot = Some(s.clone());
            }
        }
    });
}

/// Install the panic hook: the console message as before, then the failure screen.
pub fn install() {
    // Every build but the hosted one has the writer from the start.
    #[cfg(not(hoplab_split))]
    can_write(crate::classroom::scenario_json);
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let write = crate::sim::script::installed(&WRITE);
        let world = LAST_SCENARIO.with(|cell| {
            let s = cell.try_borrow().ok()?;
            Some(write?(s.as_ref()?))
        });
        show(world.as_deref());
    }));
}

/// Put the failure screen over the page. `world` is the JSON to offer for
/// download, if it could be written. Public for the browser tests.
pub fn show(world: Option<&str>) {
    let _ = try_show(world);
}

fn try_show(world: Option<&str>) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    if doc.get_element_by_id("hoplab-failure").is_some() {
        return Some(());
    }
    let el = |tag: &str| doc.create_element(tag).ok();
    let screen = el("div")?;
    screen.set_id("hoplab-failure");
    screen.set_attribute("role", "alertdialog").ok()?;
    screen
        .set_attribute("aria-labelledby", "hoplab-failure-title")
        .ok()?;
    screen.set_attribute("data-testid", "failure-screen").ok()?;
    screen.set_attribute("class", "failure-screen").ok()?;
    let title = el("h2")?;
    title.set_id("hoplab-failure-title");
    title.set_text_content(Some("Something went wrong in Hoplab"));
    let text = el("p")?;
    text.set_text_content(Some(
        "The page stopped working because of a bug, not because of anything you did. \
         Reloading starts it again. Your lesson progress is kept in this browser; \
         download your world first to keep your edits.",
    ));
    let actions = el("p")?;
    let reload = el("button")?;
    reload.set_text_content(Some("Reload the page"));
    reload.set_attribute("type", "button").ok()?;
    reload.set_attribute("onclick", "location.reload()").ok()?;
    reload.set_attribute("data-testid", "failure-reload").ok()?;
    actions.append_child(&reload).ok()?;
    if let Some(url) = world.and_then(blob_url) {
        let link = el("a")?;
        link.set_text_content(Some("Download your world (JSON)"));
        link.set_attribute("href", &url).ok()?;
        link.set_attribute("download", "hoplab-world.json").ok()?;
        link.set_attribute("data-testid", "failure-download").ok()?;
        actions.append_child(&link).ok()?;
    }
    for child in [&title, &text, &actions] {
        screen.append_child(child).ok()?;
    }
    doc.body()?.append_child(&screen).ok()?;
    if let Ok(b) = reload.dyn_into::<web_sys::HtmlElement>() {
        let _ = b.focus();
    }
    Some(())
}

/// Offer `json` as a file named `name` for download (the World menu's
/// downloads): a `blob:` link clicked once, then let go.
pub fn download(name: &str, json: &str) {
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
    let (Some(link), Some(url)) = (link, blob_url(json)) else {
        return;
    };
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", name);
    link.click();
    // Let go of the file once the browser has taken it.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
}

/// A `blob:` URL holding `json`.
fn blob_url(json: &str) -> Option<String> {
    let parts = web_sys::js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(json));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
