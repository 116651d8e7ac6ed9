//! The whole page at a given window size, for the browser tests that look
//! at layout: an `<iframe>` of that size (its own viewport, so the media
//! queries see its width), the page's real stylesheets inside it
//! (`style/main.css` and every CSS module, with class names scoped exactly
//! as stylance scopes them for the app), and a fresh app mounted in its body.
#![cfg(target_arch = "wasm32")]
#![allow(dead_code)]

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

#[wasm_bindgen]
extern "C" {
    /// An `<iframe>` element: its document and window.
    pub type Frame;
    #[wasm_bindgen(method, getter, js_name = contentDocument)]
    fn content_document(this: &Frame) -> Option<Document>;
    #[wasm_bindgen(method, getter, js_name = contentWindow)]
    fn content_window(this: &Frame) -> Option<FrameWindow>;

    /// The frame's window, for computed styles.
    pub type FrameWindow;
    #[wasm_bindgen(method, js_name = getComputedStyle)]
    fn computed_style(this: &FrameWindow, el: &Element) -> Computed;

    pub type Computed;
    #[wasm_bindgen(method, js_name = getPropertyValue)]
    fn property(this: &Computed, name: &str) -> String;
}

/// One CSS module: its source and its stylance hash, read from a class name
/// the `import_crate_style!` macro scoped (`name-hash`).
macro_rules! module {
    ($path:literal, $class:ident) => {{
        stylance::import_crate_style!(css, $path);
        let scoped: &str = css::$class;
        let hash = &scoped[stringify!($class).len() + 1..];
        scope(include_str!(concat!("../../", $path)), hash)
    }};
}

/// Every stylesheet of the page, as the browser gets it from trunk.
fn page_css() -> String {
    let mut css = String::from(include_str!("../../style/main.css"));
    for part in [
        module!("src/ui/app.module.css", app),
        module!("src/ui/burst.module.css", burst),
        module!("src/ui/controls.module.css", bar),
        module!("src/ui/diagram.module.css", wrap),
        module!("src/ui/header.module.css", header),
        module!("src/ui/hop_card.module.css", card),
        module!("src/ui/inspector.module.css", inspector),
        module!("src/ui/lesson_panel.module.css", panel),
        module!("src/ui/lesson_picker.module.css", buttons),
        module!("src/ui/results.module.css", head),
        module!("src/ui/rules.module.css", section),
        module!("src/ui/saved.module.css", menu),
        module!("src/ui/trace_list.module.css", wrap),
    ] {
        css.push('\n');
        css.push_str(&part);
    }
    css
}

/// Rename every class selector `.name` to `.name-hash`, as stylance does
/// (numbers such as `0.9fr` and comments are left alone).
fn scope(css: &str, hash: &str) -> String {
    let chars: Vec<char> = css.chars().collect();
    let mut out = String::with_capacity(css.len() * 2);
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        let prev_ident = i > 0 && ident(chars[i - 1]);
        let starts_name = chars
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_');
        out.push(c);
        i += 1;
        if c == '.' && !prev_ident && starts_name {
            while i < chars.len() && ident(chars[i]) {
                out.push(chars[i]);
                i += 1;
            }
            out.push('-');
            out.push_str(hash);
        }
    }
    out
}

/// A page `width` × `height` CSS pixels, styled, with the app mounted.
pub struct Page {
    pub frame: Element,
    pub doc: Document,
    pub root: HtmlElement,
    window: FrameWindow,
}

impl Page {
    pub async fn open(width: u32, height: u32) -> Page {
        let top = web_sys::window().unwrap().document().unwrap();
        let frame = top.create_element("iframe").unwrap();
        frame
            .set_attribute(
                "style",
                &format!("width:{width}px;height:{height}px;border:0;display:block"),
            )
            .unwrap();
        top.body().unwrap().append_child(&frame).unwrap();
        let f: &Frame = frame.unchecked_ref();
        let doc = f.content_document().expect("a same-origin frame");
        let window = f.content_window().expect("the frame's window");
        let style = doc.create_element("style").unwrap();
        style.set_text_content(Some(&page_css()));
        doc.document_element()
            .unwrap()
            .append_child(&style)
            .unwrap();
        let root = doc.body().expect("the frame's body");
        hoplab::ui::mount_to(root.clone());
        let page = Page {
            frame,
            doc,
            root,
            window,
        };
        page.settle().await;
        page
    }

    /// Let leptos and the layout catch up (effects, the diagram's measure).
    pub async fn settle(&self) {
        for _ in 0..3 {
            leptos::task::tick().await;
        }
        gloo_timers::future::TimeoutFuture::new(60).await;
        for _ in 0..2 {
            leptos::task::tick().await;
        }
    }

    pub fn find(&self, testid: &str) -> Element {
        self.doc
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .unwrap()
            .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
    }

    pub fn all(&self, css: &str) -> Vec<Element> {
        let list = self.doc.query_selector_all(css).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }

    pub fn css(&self, el: &Element, property: &str) -> String {
        self.window.computed_style(el).property(property)
    }

    /// How far the page scrolls sideways (0 when it fits its width).
    pub fn sideways_overflow(&self) -> i32 {
        let html = self.doc.document_element().unwrap();
        html.scroll_width() - html.client_width()
    }

    pub fn close(self) {
        self.frame.remove();
    }
}
