//! The diagram's camera: which part of the laid-out diagram the SVG shows
//! (its `viewBox`) and at what scale, zoomed, panned, fitted to the screen
//! or following the packet. Pure geometry, tested natively: sizes are in
//! diagram units (the layout's) and CSS pixels (the SVG element's box).
//!
//! The camera keeps its scale in pixels per unit, not a viewBox: when the
//! SVG element grows or shrinks (a panel opens, the window is resized) the
//! diagram keeps its size on screen and only shows more or less of itself.

/// The smallest font drawn in the diagram, in diagram units (labels,
/// addresses, box titles): `diagram.module.css` draws nothing smaller.
pub const SMALLEST_FONT: f64 = 11.0;
/// The smallest text a learner should have to read, in CSS pixels.
pub const READABLE_PX: f64 = 11.0;
/// Pixels per diagram unit at which the smallest font is readable.
pub const READABLE_SCALE: f64 = READABLE_PX / SMALLEST_FONT;
/// The closest zoom: four times the readable scale.
pub const MAX_SCALE: f64 = 4.0 * READABLE_SCALE;
/// One press of + or −.
pub const ZOOM_STEP: f64 = 1.25;
/// One press of an arrow key, in pixels.
pub const PAN_STEP_PX: f64 = 80.0;
/// Room kept around the diagram when it is fitted, in pixels.
pub const FIT_MARGIN_PX: f64 = 8.0;
/// Room kept around the packet when the camera follows it, in pixels.
pub const FOLLOW_MARGIN_PX: f64 = 48.0;

/// A width and a height (diagram units or pixels, as the name says).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

impl Size {
    pub fn new(w: f64, h: f64) -> Self {
        Size { w, h }
    }

    /// A box with no room to draw in (not measured yet, or hidden).
    pub fn is_empty(self) -> bool {
        !(self.w >= 1.0 && self.h >= 1.0 && self.w.is_finite() && self.h.is_finite())
    }
}

/// The part of the diagram the SVG shows, in diagram units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl ViewBox {
    /// Whether the point is inside the view, `margin` units from its edges.
    pub fn shows(&self, x: f64, y: f64, margin: f64) -> bool {
        x >= self.x + margin
            && x <= self.x + self.w - margin
            && y >= self.y + margin
            && y <= self.y + self.h - margin
    }

    /// Whether the whole `content` (from the origin) is in view.
    pub fn shows_all(&self, content: Size) -> bool {
        self.x <= 0.0
            && self.y <= 0.0
            && self.x + self.w >= content.w
            && self.y + self.h >= content.h
    }
}

/// Where the camera looks: the diagram point at the SVG's top-left corner
/// and the scale in pixels per diagram unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub x: f64,
    pub y: f64,
    pub scale: f64,
}

/// The scale that shows all of `content` in `screen`, margins included.
fn fit_scale(content: Size, screen: Size) -> f64 {
    let room = |px: f64| (px - 2.0 * FIT_MARGIN_PX).max(1.0);
    (room(screen.w) / content.w.max(1.0)).min(room(screen.h) / content.h.max(1.0))
}

/// Where the view starts on one axis: centred when the view is longer than
/// the content, otherwise kept over the content.
fn clamp_axis(start: f64, view: f64, content: f64) -> f64 {
    if view >= content {
        (content - view) / 2.0
    } else {
        start.clamp(0.0, content - view)
    }
}

impl Camera {
    /// The whole diagram, centred.
    pub fn fit(content: Size, screen: Size) -> Camera {
        let scale = fit_scale(content, screen).min(MAX_SCALE);
        Camera {
            x: 0.0,
            y: 0.0,
            scale,
        }
        .clamp(content, screen)
    }

    /// The first view: the whole diagram if it is readable that way,
    /// otherwise the readable scale from the top-left corner, where the
    /// request starts (the browser, the resolver and the DNS servers).
    pub fn initial(content: Size, screen: Size) -> Camera {
        let fit = Camera::fit(content, screen);
        if fit.scale >= READABLE_SCALE {
            return fit;
        }
        Camera {
            x: 0.0,
            y: 0.0,
            scale: READABLE_SCALE,
        }
        .clamp(content, screen)
    }

    /// How far out a learner can zoom: the whole diagram, or the readable
    /// scale if the whole diagram is larger than that.
    pub fn min_scale(content: Size, screen: Size) -> f64 {
        fit_scale(content, screen).min(READABLE_SCALE)
    }

    /// The camera with its scale within limits and its view over the content.
    pub fn clamp(self, content: Size, screen: Size) -> Camera {
        let scale = if self.scale.is_finite() && self.scale > 0.0 {
            self.scale
                .clamp(Camera::min_scale(content, screen), MAX_SCALE)
        } else {
            READABLE_SCALE
        };
        Camera {
            x: clamp_axis(finite(self.x), screen.w / scale, content.w),
            y: clamp_axis(finite(self.y), screen.h / scale, content.h),
            scale,
        }
    }

    /// The SVG's viewBox for this camera on a screen of this size.
    pub fn view_box(&self, screen: Size) -> ViewBox {
        ViewBox {
            x: self.x,
            y: self.y,
            w: screen.w / self.scale,
            h: screen.h / self.scale,
        }
    }

    /// Zoom by `factor` (above 1 is closer), keeping the diagram point
    /// under the pixel `(ax, ay)` of the SVG where it is.
    pub fn zoom_at(self, factor: f64, ax: f64, ay: f64, content: Size, screen: Size) -> Camera {
        let (ux, uy) = (self.x + ax / self.scale, self.y + ay / self.scale);
        let scale = (self.scale * factor).clamp(Camera::min_scale(content, screen), MAX_SCALE);
        Camera {
            x: ux - ax / scale,
            y: uy - ay / scale,
            scale,
        }
        .clamp(content, screen)
    }

    /// Zoom by `factor` around the middle of the screen (buttons, keys).
    pub fn zoom(self, factor: f64, content: Size, screen: Size) -> Camera {
        self.zoom_at(factor, screen.w / 2.0, screen.h / 2.0, content, screen)
    }

    /// Move the view by `(dx, dy)` pixels: positive shows what lies to the
    /// right and below (arrow keys); a drag moves the view the other way.
    pub fn pan(self, dx: f64, dy: f64, content: Size, screen: Size) -> Camera {
        Camera {
            x: self.x + dx / self.scale,
            y: self.y + dy / self.scale,
            ..self
        }
        .clamp(content, screen)
    }

    /// Two fingers moved from `before` to `after` (pixel positions in the
    /// SVG): the diagram follows their middle and their spread zooms it.
    pub fn pinch(
        self,
        before: [(f64, f64); 2],
        after: [(f64, f64); 2],
        content: Size,
        screen: Size,
    ) -> Camera {
        let mid = |p: [(f64, f64); 2]| ((p[0].0 + p[1].0) / 2.0, (p[0].1 + p[1].1) / 2.0);
        let spread = |p: [(f64, f64); 2]| (p[0].0 - p[1].0).hypot(p[0].1 - p[1].1);
        let (m0, m1) = (mid(before), mid(after));
        let factor = if spread(before) >= 1.0 {
            spread(after) / spread(before)
        } else {
            1.0
        };
        self.pan(m0.0 - m1.0, m0.1 - m1.1, content, screen)
            .zoom_at(factor, m1.0, m1.1, content, screen)
    }

    /// Keep `points` (diagram units) in view: unchanged if they already are,
    /// otherwise centred on them at the same scale.
    pub fn follow(self, points: &[(f64, f64)], content: Size, screen: Size) -> Camera {
        let view = self.view_box(screen);
        let margin = (FOLLOW_MARGIN_PX / self.scale)
            .min(view.w / 4.0)
            .min(view.h / 4.0);
        if points.is_empty() || points.iter().all(|&(x, y)| view.shows(x, y, margin)) {
            return self;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        Camera {
            x: cx - view.w / 2.0,
            y: cy - view.h / 2.0,
            ..self
        }
        .clamp(content, screen)
    }
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIAGRAM: Size = Size { w: 800.0, h: 500.0 };
    /// About what the diagram's SVG gets at 1280 x 800.
    const LAPTOP: Size = Size { w: 660.0, h: 400.0 };
    const BIG: Size = Size {
        w: 1800.0,
        h: 1000.0,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn fit_shows_the_whole_diagram_centred_with_a_margin() {
        let c = Camera::fit(DIAGRAM, LAPTOP);
        let v = c.view_box(LAPTOP);
        assert!(v.shows_all(DIAGRAM), "{v:?}");
        assert!(close(v.x + v.w / 2.0, DIAGRAM.w / 2.0));
        assert!(close(v.y + v.h / 2.0, DIAGRAM.h / 2.0));
        assert!(c.scale * DIAGRAM.w <= LAPTOP.w - 2.0 * FIT_MARGIN_PX + 1e-6);
    }

    #[test]
    fn the_first_view_is_readable_when_fitting_would_shrink_the_text() {
        let c = Camera::initial(DIAGRAM, LAPTOP);
        assert!(c.scale * SMALLEST_FONT >= READABLE_PX);
        assert_eq!((c.x, c.y), (0.0, 0.0), "starts where the request starts");
    }

    #[test]
    fn the_first_view_is_the_fit_when_the_screen_is_big_enough() {
        assert_eq!(Camera::initial(DIAGRAM, BIG), Camera::fit(DIAGRAM, BIG));
        assert!(Camera::initial(DIAGRAM, BIG).scale > READABLE_SCALE);
    }

    #[test]
    fn zooming_in_shrinks_the_view_box_and_keeps_the_point_under_the_cursor() {
        let c = Camera::initial(DIAGRAM, LAPTOP);
        let (ax, ay) = (200.0, 100.0);
        let before = (c.x + ax / c.scale, c.y + ay / c.scale);
        let z = c.zoom_at(ZOOM_STEP, ax, ay, DIAGRAM, LAPTOP);
        assert!(z.view_box(LAPTOP).w < c.view_box(LAPTOP).w);
        let after = (z.x + ax / z.scale, z.y + ay / z.scale);
        assert!(close(before.0, after.0) && close(before.1, after.1));
    }

    #[test]
    fn zoom_stops_at_the_closest_scale_and_at_the_whole_diagram() {
        let mut c = Camera::initial(DIAGRAM, LAPTOP);
        for _ in 0..40 {
            c = c.zoom(ZOOM_STEP, DIAGRAM, LAPTOP);
        }
        assert!(close(c.scale, MAX_SCALE));
        for _ in 0..40 {
            c = c.zoom(1.0 / ZOOM_STEP, DIAGRAM, LAPTOP);
        }
        assert!(close(c.scale, Camera::min_scale(DIAGRAM, LAPTOP)));
        assert!(c.view_box(LAPTOP).shows_all(DIAGRAM));
    }

    #[test]
    fn panning_stays_over_the_diagram() {
        let c = Camera::initial(DIAGRAM, LAPTOP);
        let far = c.pan(10_000.0, 10_000.0, DIAGRAM, LAPTOP);
        let v = far.view_box(LAPTOP);
        assert!(close(v.x + v.w, DIAGRAM.w) && close(v.y + v.h, DIAGRAM.h));
        let back = far.pan(-10_000.0, -10_000.0, DIAGRAM, LAPTOP);
        assert_eq!((back.x, back.y), (0.0, 0.0));
        let right = c.pan(PAN_STEP_PX, 0.0, DIAGRAM, LAPTOP);
        assert!(close(right.x, c.x + PAN_STEP_PX / c.scale) && right.y == c.y);
    }

    #[test]
    fn a_diagram_smaller_than_the_view_stays_centred_whatever_the_pan() {
        let c = Camera::fit(DIAGRAM, BIG).pan(300.0, -200.0, DIAGRAM, BIG);
        assert_eq!(c, Camera::fit(DIAGRAM, BIG));
    }

    #[test]
    fn the_scale_survives_a_smaller_screen_so_the_diagram_keeps_its_size() {
        let c = Camera::initial(DIAGRAM, LAPTOP).zoom(ZOOM_STEP, DIAGRAM, LAPTOP);
        let shorter = Size::new(LAPTOP.w, LAPTOP.h - 150.0);
        assert!(close(c.clamp(DIAGRAM, shorter).scale, c.scale));
    }

    #[test]
    fn pinching_apart_zooms_in_around_the_fingers_and_moving_them_pans() {
        let c = Camera::initial(DIAGRAM, LAPTOP).pan(50.0, 50.0, DIAGRAM, LAPTOP);
        let z = c.pinch(
            [(100.0, 100.0), (200.0, 100.0)],
            [(50.0, 100.0), (250.0, 100.0)],
            DIAGRAM,
            LAPTOP,
        );
        assert!(close(z.scale, c.scale * 2.0));
        let moved = c.pinch(
            [(100.0, 100.0), (200.0, 100.0)],
            [(80.0, 90.0), (180.0, 90.0)],
            DIAGRAM,
            LAPTOP,
        );
        assert!(close(moved.scale, c.scale));
        assert!(close(moved.x, c.x + 20.0 / c.scale) && close(moved.y, c.y + 10.0 / c.scale));
    }

    #[test]
    fn following_leaves_the_view_alone_while_the_packet_is_in_it_and_centres_it_otherwise() {
        let c = Camera::initial(DIAGRAM, LAPTOP);
        assert_eq!(
            c.follow(&[(100.0, 100.0), (200.0, 150.0)], DIAGRAM, LAPTOP),
            c
        );
        let f = c.follow(&[(700.0, 420.0), (760.0, 460.0)], DIAGRAM, LAPTOP);
        let v = f.view_box(LAPTOP);
        assert!(v.shows(730.0, 440.0, 0.0), "{v:?}");
        assert!(close(f.scale, c.scale));
    }

    #[test]
    fn nonsense_numbers_give_a_usable_camera() {
        let c = Camera {
            x: f64::NAN,
            y: f64::INFINITY,
            scale: 0.0,
        }
        .clamp(DIAGRAM, LAPTOP);
        assert!(c.x.is_finite() && c.y.is_finite() && c.scale > 0.0);
        assert!(Size::new(0.0, 300.0).is_empty() && !LAPTOP.is_empty());
    }
}
