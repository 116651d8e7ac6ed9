//! The words in the diagram: how much room a component's label, its
//! address line (the detail) and a box's caption take, and which address
//! lines fit without touching another text or icon. Those that do not are
//! left out of the picture and shown on demand (hover, focus, selection).
//! Pure Rust, tested natively.
//!
//! Sizes are in diagram units and match `src/ui/diagram.module.css`:
//! nothing there is drawn below [`SMALLEST_FONT`](super::camera::SMALLEST_FONT).

use super::layout::{BoxKind, Rect, Spot, ICON};

/// Font size of a component's label and of its detail line.
pub const LABEL_FONT: f64 = 11.0;
pub const DETAIL_FONT: f64 = 11.0;
/// Font size of box captions (a region's is larger).
pub const CAPTION_FONT: f64 = 11.0;
pub const REGION_CAPTION_FONT: f64 = 12.0;
/// Baselines of the label and the detail line below the icon's centre.
pub const LABEL_DY: f64 = ICON / 2.0 + 13.0;
pub const DETAIL_DY: f64 = ICON / 2.0 + 26.0;
/// A subnet's CIDR line, below its caption's baseline.
pub const CIDR_DY: f64 = 13.5;
/// Left inset of a box caption.
pub const CAPTION_DX: f64 = 5.0;
/// Average advance of one character, as a share of the font size: a
/// generous figure for semi-bold sans serif, the usual one for monospace.
const SANS_EM: f64 = 0.62;
const MONO_EM: f64 = 0.61;
/// Room kept between two texts.
const GAP: f64 = 1.0;

/// The room a text takes, in diagram units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextBox {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl TextBox {
    /// A line of `width` whose baseline is `y`, starting at `x` or centred on it.
    fn line(x: f64, y: f64, width: f64, font: f64, centred: bool) -> TextBox {
        let x0 = if centred { x - width / 2.0 } else { x };
        TextBox {
            x0,
            y0: y - 0.8 * font,
            x1: x0 + width,
            y1: y + 0.25 * font,
        }
    }

    pub fn overlaps(&self, o: &TextBox) -> bool {
        self.x0 < o.x1 + GAP && o.x0 < self.x1 + GAP && self.y0 < o.y1 + GAP && o.y0 < self.y1 + GAP
    }

    fn inside(&self, r: &Rect) -> bool {
        self.x0 >= r.x && self.x1 <= r.x + r.w && self.y0 >= r.y && self.y1 <= r.y + r.h
    }

    /// Whether one of the box's edges runs through the text.
    fn crosses(&self, r: &Rect) -> bool {
        let apart =
            self.x1 <= r.x || self.x0 >= r.x + r.w || self.y1 <= r.y || self.y0 >= r.y + r.h;
        !apart && !self.inside(r)
    }
}

/// Width of `s` in sans serif (labels, captions) at `font`.
pub fn sans_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * font * SANS_EM
}

/// Width of `s` in monospace (addresses, CIDRs) at `font`.
pub fn mono_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * font * MONO_EM
}

/// The component's name under its icon.
pub fn label_box(s: &Spot) -> TextBox {
    let w = sans_width(&s.label, LABEL_FONT);
    TextBox::line(s.x, s.y + LABEL_DY, w, LABEL_FONT, true)
}

/// The component's address line, under its name.
pub fn detail_box(s: &Spot) -> TextBox {
    let w = mono_width(&s.detail, DETAIL_FONT);
    TextBox::line(s.x, s.y + DETAIL_DY, w, DETAIL_FONT, true)
}

/// The icon's tile.
pub fn tile_box(s: &Spot) -> TextBox {
    let half = ICON / 2.0 + 3.0;
    TextBox {
        x0: s.x - half,
        y0: s.y - half,
        x1: s.x + half,
        y1: s.y + half,
    }
}

/// The texts a box draws: its caption in the top-left corner, and a
/// subnet's CIDR under it or a region's or VPC's subtitle in the top-right.
pub fn caption_boxes(r: &Rect) -> Vec<TextBox> {
    let font = if r.kind == BoxKind::Region {
        REGION_CAPTION_FONT
    } else {
        CAPTION_FONT
    };
    let (x, y) = (r.x + CAPTION_DX, r.y + r.caption_baseline());
    let mut out = vec![TextBox::line(
        x,
        y,
        sans_width(&r.caption(), font),
        font,
        false,
    )];
    match r.kind {
        BoxKind::Subnet(_) => {
            let w = mono_width(&r.subtitle, CAPTION_FONT);
            out.push(TextBox::line(x, y + CIDR_DY, w, CAPTION_FONT, false));
        }
        BoxKind::Region | BoxKind::Vpc if !r.subtitle.is_empty() => {
            let w = sans_width(&r.subtitle, CAPTION_FONT);
            let right = r.x + r.w - 8.0;
            out.push(TextBox::line(right - w, y, w, CAPTION_FONT, false));
        }
        _ => {}
    }
    out
}

/// The smallest box around the point: where a component's texts must stay.
fn innermost(boxes: &[Rect], x: f64, y: f64) -> Option<&Rect> {
    boxes
        .iter()
        .filter(|b| b.contains(x, y))
        .min_by(|a, b| (a.w * a.h).total_cmp(&(b.w * b.h)))
}

/// Decide, in drawing order, which detail lines are drawn: one is drawn
/// when it stays inside the box around its component, no box edge runs
/// through it, and it touches no label, icon, caption or detail line
/// already drawn. (The ALB's addresses, across two subnets, wait.)
pub fn place_details(spots: &mut [Spot], boxes: &[Rect]) {
    let mut taken: Vec<TextBox> = boxes.iter().flat_map(caption_boxes).collect();
    taken.extend(spots.iter().map(label_box));
    taken.extend(spots.iter().map(tile_box));
    for s in spots.iter_mut() {
        let d = detail_box(s);
        let room = innermost(boxes, s.x, s.y).is_none_or(|r| d.inside(r))
            && !boxes.iter().any(|b| d.crosses(b));
        s.show_detail = !s.detail.is_empty() && room && !taken.iter().any(|t| t.overlaps(&d));
        if s.show_detail {
            taken.push(d);
        }
    }
}

/// Every text drawn at rest (labels, shown details, captions) with what it
/// belongs to: for the tests that no two of them touch.
pub fn drawn_texts(spots: &[Spot], boxes: &[Rect]) -> Vec<(String, TextBox)> {
    let mut out = Vec::new();
    for b in boxes {
        for (i, t) in caption_boxes(b).into_iter().enumerate() {
            out.push((format!("{} caption {i}", b.id), t));
        }
    }
    for s in spots {
        out.push((format!("{} label", s.id), label_box(s)));
        if s.show_detail {
            out.push((format!("{} detail", s.id), detail_box(s)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::World;
    use crate::view::layout::diagram;

    fn diagrams() -> Vec<crate::view::layout::Diagram> {
        let w = World::default_world();
        let t = w.topology();
        ["client-na", "client-eu", "client-ap"]
            .iter()
            .map(|c| diagram(&t, c))
            .collect()
    }

    #[test]
    fn no_two_texts_in_the_default_diagram_touch_for_any_client() {
        for d in diagrams() {
            let texts = drawn_texts(&d.spots, &d.boxes);
            for (name, t) in texts.iter().filter(|(n, _)| n.ends_with("detail")) {
                for b in &d.boxes {
                    assert!(!t.crosses(b), "{name} crosses the edge of {}", b.id);
                }
            }
            for (i, (a, ta)) in texts.iter().enumerate() {
                for (b, tb) in &texts[i + 1..] {
                    assert!(!ta.overlaps(tb), "{a} touches {b}: {ta:?} {tb:?}");
                }
            }
        }
    }

    #[test]
    fn every_caption_stays_inside_its_box() {
        for d in diagrams() {
            for b in &d.boxes {
                for t in caption_boxes(b) {
                    assert!(t.inside(b), "{} caption {t:?} leaves its box", b.id);
                }
            }
        }
    }

    #[test]
    fn no_label_runs_into_another_components_icon() {
        for d in diagrams() {
            for s in &d.spots {
                for o in d.spots.iter().filter(|o| o.id != s.id) {
                    assert!(
                        !label_box(s).overlaps(&tile_box(o)),
                        "{} label on {} icon",
                        s.id,
                        o.id
                    );
                    if s.show_detail {
                        assert!(!detail_box(s).overlaps(&tile_box(o)), "{} detail", s.id);
                    }
                }
            }
        }
    }

    #[test]
    fn short_addresses_are_drawn_and_long_ones_wait_to_be_asked_for() {
        let d = &diagrams()[0];
        let pods: Vec<_> = d
            .spots
            .iter()
            .filter(|s| s.id.starts_with("pod-"))
            .collect();
        assert!(!pods.is_empty());
        assert!(pods.iter().all(|s| s.show_detail), "pod addresses fit");
        let cdn = d.spot("cloudfront").unwrap();
        assert_eq!(cdn.detail, "d1h2k3l4m5n6.cloudfront.net");
        assert!(
            !cdn.show_detail,
            "CloudFront's domain is wider than its column"
        );
        let (tld, waf) = (d.spot("tld-com").unwrap(), d.spot("waf").unwrap());
        assert!(!tld.show_detail, "it would run into the WAF's icon");
        assert!(detail_box(tld).overlaps(&tile_box(waf)));
        let alb = d.spot("alb-a").unwrap();
        assert!(alb.detail.contains(", "), "the ALB has an address per node");
        assert!(
            !alb.show_detail,
            "its two addresses would cross both public subnets' edges"
        );
    }

    #[test]
    fn the_alb_keeps_its_full_address_list_for_when_it_is_asked_for() {
        let w = World::default_world();
        let t = w.topology();
        let d = diagram(&t, "client-na");
        assert_eq!(
            d.spot("alb-a").unwrap().detail,
            t.node("alb-a").unwrap().detail
        );
    }

    #[test]
    fn a_centred_line_is_as_wide_as_its_text() {
        let s = mono_width("10.0.0.0/24", 10.0);
        assert!((s - 11.0 * 10.0 * MONO_EM).abs() < 1e-9);
        let b = TextBox::line(100.0, 50.0, 40.0, 10.0, true);
        assert_eq!((b.x0, b.x1), (80.0, 120.0));
        assert!(b.overlaps(&TextBox::line(119.0, 50.0, 10.0, 10.0, false)));
        assert!(!b.overlaps(&TextBox::line(125.0, 50.0, 10.0, 10.0, false)));
    }
}
