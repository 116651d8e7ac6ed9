//! The diagram's zoom and pan: the camera as signals, the SVG's measured
//! size, and what the wheel, pointers (drag, two-finger pinch), keys and
//! the zoom bar's buttons do to it. The geometry is `crate::view::camera`.
//!
//! - Wheel: with Ctrl or ⌘ (and a touchpad pinch, which arrives as one)
//!   zooms at the cursor; a plain wheel zooms only when the page itself
//!   cannot scroll, so it never traps the page's scrolling.
//! - Pointers: one drags the view (a touch drag up or down still scrolls
//!   the page, see `touch-action` in the CSS), two pinch.
//! - Keys, while the diagram has focus: + and − zoom, 0 fits, arrows pan.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::diagram::style;
use crate::view::camera::{Camera, Size, PAN_STEP_PX, ZOOM_STEP};
use crate::view::format::coord;

/// What decides the camera: the first view and the fit follow the SVG's
/// size; once the learner zooms or pans, the scale stays as they left it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Initial,
    Fit,
    Manual(Camera),
}

/// A pointer pressed on the diagram: its id and last position in the SVG.
#[derive(Clone, Copy, Debug)]
struct Press {
    id: i32,
    x: f64,
    y: f64,
}

/// A drag shorter than this (pixels) is still a click on a component.
const DRAG_SLOP: f64 = 4.0;

#[derive(Clone, Copy)]
pub struct Zoom {
    mode: RwSignal<Mode>,
    /// The SVG element's size in CSS pixels (empty until measured).
    pub screen: RwSignal<Size>,
    content: Signal<Size>,
    /// During playback, keep the current hop in view.
    pub follow: RwSignal<bool>,
    presses: StoredValue<Vec<Press>>,
    dragging: StoredValue<bool>,
}

impl Zoom {
    pub fn new(content: Signal<Size>) -> Self {
        Zoom {
            mode: RwSignal::new(Mode::Initial),
            screen: RwSignal::new(Size::new(0.0, 0.0)),
            content,
            follow: RwSignal::new(true),
            presses: StoredValue::new(Vec::new()),
            dragging: StoredValue::new(false),
        }
    }

    /// The camera now (reactive), or None before the SVG has a size.
    pub fn camera(&self) -> Option<Camera> {
        let (screen, content) = (self.screen.get(), self.content.get());
        if screen.is_empty() || content.is_empty() {
            return None;
        }
        Some(match self.mode.get() {
            Mode::Initial => Camera::initial(content, screen),
            Mode::Fit => Camera::fit(content, screen),
            Mode::Manual(c) => c.clamp(content, screen),
        })
    }

    /// The SVG's `viewBox`: the camera's, or the whole diagram before the
    /// SVG has been measured.
    pub fn view_box(&self) -> String {
        match self.camera() {
            Some(c) => {
                let v = c.view_box(self.screen.get());
                format!(
                    "{} {} {} {}",
                    coord(v.x),
                    coord(v.y),
                    coord(v.w),
                    coord(v.h)
                )
            }
            None => {
                let c = self.content.get();
                format!("0 0 {} {}", coord(c.w), coord(c.h))
            }
        }
    }

    /// Apply `f` to the camera, with the sizes it needs.
    fn change(&self, f: impl FnOnce(Camera, Size, Size) -> Camera) {
        let Some(c) = self.camera_untracked() else {
            return;
        };
        let (screen, content) = (self.screen.get_untracked(), self.content.get_untracked());
        let next = f(c, content, screen);
        if next != c {
            self.mode.set(Mode::Manual(next));
        }
    }

    fn camera_untracked(&self) -> Option<Camera> {
        untrack(|| self.camera())
    }

    pub fn zoom_by(&self, factor: f64) {
        self.change(|c, content, screen| c.zoom(factor, content, screen));
    }

    pub fn fit(&self) {
        self.mode.set(Mode::Fit);
    }

    pub fn pan(&self, dx: f64, dy: f64) {
        self.change(|c, content, screen| c.pan(dx, dy, content, screen));
    }

    /// Keep these diagram points in view, if following is on.
    pub fn follow_points(&self, points: &[(f64, f64)]) {
        if self.follow.get_untracked() {
            self.change(|c, content, screen| c.follow(points, content, screen));
        }
    }

    /// Read the SVG element's size.
    pub fn measure(&self, el: &web_sys::Element) {
        let r = el.get_bounding_client_rect();
        let size = Size::new(r.width(), r.height());
        if size != self.screen.get_untracked() {
            self.screen.set(size);
        }
    }

    /// The wheel: zoom at the cursor (see the module's note on when).
    pub fn on_wheel(&self, ev: &web_sys::WheelEvent, el: &web_sys::Element) {
        if !(ev.ctrl_key() || ev.meta_key() || !page_scrolls()) {
            return;
        }
        ev.prevent_default();
        let lines = if ev.delta_mode() == 0 { 1.0 } else { 16.0 };
        let dy = (ev.delta_y() * lines).clamp(-100.0, 100.0);
        let factor = (-dy * 0.0025).exp();
        let (x, y) = local(el, ev.client_x(), ev.client_y());
        self.change(|c, content, screen| c.zoom_at(factor, x, y, content, screen));
    }

    pub fn on_pointer_down(&self, ev: &web_sys::PointerEvent, el: &web_sys::Element) {
        if ev.pointer_type() == "mouse" && ev.button() != 0 {
            return;
        }
        let (x, y) = local(el, ev.client_x(), ev.client_y());
        let id = ev.pointer_id();
        self.presses.update_value(|p| {
            p.retain(|q| q.id != id);
            p.push(Press { id, x, y });
        });
        self.dragging.set_value(false);
    }

    pub fn on_pointer_move(&self, ev: &web_sys::PointerEvent, el: &web_sys::Element) {
        let id = ev.pointer_id();
        let (x, y) = local(el, ev.client_x(), ev.client_y());
        let presses = self.presses.get_value();
        let Some(i) = presses.iter().position(|p| p.id == id) else {
            return;
        };
        let before = presses[i];
        match presses.len() {
            1 => {
                let moved = (x - before.x).hypot(y - before.y);
                if !self.dragging.get_value() && moved < DRAG_SLOP {
                    return;
                }
                if !self.dragging.get_value() {
                    self.dragging.set_value(true);
                    let _ = el.set_pointer_capture(id);
                }
                self.pan(before.x - x, before.y - y);
            }
            2 => {
                let other = presses[1 - i];
                let (a, b) = (
                    [(before.x, before.y), (other.x, other.y)],
                    [(x, y), (other.x, other.y)],
                );
                self.dragging.set_value(true);
                self.change(|c, content, screen| c.pinch(a, b, content, screen));
            }
            _ => return,
        }
        ev.prevent_default();
        self.presses.update_value(|p| p[i] = Press { id, x, y });
    }

    pub fn on_pointer_up(&self, ev: &web_sys::PointerEvent) {
        let id = ev.pointer_id();
        self.presses.update_value(|p| p.retain(|q| q.id != id));
    }

    /// A click that ends a drag is not a click on a component.
    pub fn swallow_click_after_drag(&self, ev: &web_sys::MouseEvent) {
        if self.dragging.get_value() {
            self.dragging.set_value(false);
            ev.stop_propagation();
            ev.prevent_default();
        }
    }

    /// Keys on the diagram. Arrows only pan when the diagram itself has
    /// focus (on a component they still step through the trace).
    pub fn on_key(&self, ev: &web_sys::KeyboardEvent) {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let on_diagram = ev.target().is_some() && ev.target() == ev.current_target();
        let step = PAN_STEP_PX;
        match ev.key().as_str() {
            "+" | "=" => self.zoom_by(ZOOM_STEP),
            "-" | "_" => self.zoom_by(1.0 / ZOOM_STEP),
            "0" => self.fit(),
            "ArrowLeft" if on_diagram => self.pan(-step, 0.0),
            "ArrowRight" if on_diagram => self.pan(step, 0.0),
            "ArrowUp" if on_diagram => self.pan(0.0, -step),
            "ArrowDown" if on_diagram => self.pan(0.0, step),
            _ => return,
        }
        ev.prevent_default();
        ev.stop_propagation();
    }
}

/// A pointer's position inside the element, in CSS pixels.
fn local(el: &web_sys::Element, cx: i32, cy: i32) -> (f64, f64) {
    let r = el.get_bounding_client_rect();
    (f64::from(cx) - r.left(), f64::from(cy) - r.top())
}

/// Whether the page scrolls (then a plain wheel belongs to it).
fn page_scrolls() -> bool {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return true;
    };
    root.scroll_height() > root.client_height() + 1
}

#[wasm_bindgen]
extern "C" {
    /// The browser's `ResizeObserver`, bound here rather than through a
    /// web-sys feature (one constructor and two methods).
    type ResizeObserver;
    #[wasm_bindgen(constructor, catch)]
    fn new(callback: &JsValue) -> Result<ResizeObserver, JsValue>;
    #[wasm_bindgen(method)]
    fn observe(this: &ResizeObserver, target: &web_sys::Element);
    #[wasm_bindgen(method)]
    fn disconnect(this: &ResizeObserver);
}

/// Measure the SVG now, after the next frame, whenever its box changes
/// size (panels opening, the window resized) and on window resizes.
pub fn watch_size(zoom: Zoom, el: web_sys::Element) {
    zoom.measure(&el);
    let again = el.clone();
    request_animation_frame(move || zoom.measure(&again));
    let observed = el.clone();
    let callback = Closure::<dyn FnMut()>::new(move || zoom.measure(&observed));
    if let Ok(ro) = ResizeObserver::new(callback.as_ref()) {
        ro.observe(&el);
        let ro = StoredValue::new_local(ro);
        on_cleanup(move || ro.with_value(|ro| ro.disconnect()));
    }
    callback.forget();
    let resize = window_event_listener(leptos::ev::resize, move |_| zoom.measure(&el));
    on_cleanup(move || resize.remove());
}

/// The zoom bar: −, +, fit, and follow the packet.
#[component]
pub fn ZoomBar(zoom: Zoom) -> impl IntoView {
    view! {
        <div class=style::zoom role="group" aria-label="Zoom">
            <button
                type="button"
                data-testid="zoom-out"
                aria-label="zoom out"
                title="zoom out (−)"
                on:click=move |_| zoom.zoom_by(1.0 / ZOOM_STEP)
            >
                "−"
            </button>
            <button
                type="button"
                data-testid="zoom-in"
                aria-label="zoom in"
                title="zoom in (+)"
                on:click=move |_| zoom.zoom_by(ZOOM_STEP)
            >
                "+"
            </button>
            <button
                type="button"
                data-testid="zoom-fit"
                title="show the whole diagram (0)"
                on:click=move |_| zoom.fit()
            >
                "Fit"
            </button>
            <button
                type="button"
                class=style::follow
                data-testid="zoom-follow"
                aria-pressed=move || zoom.follow.get().to_string()
                title="during playback, keep the current hop in view"
                on:click=move |_| zoom.follow.update(|f| *f = !*f)
            >
                "Follow packet"
            </button>
        </div>
    }
}
