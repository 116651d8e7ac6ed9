//! Diagram layout: where each component and each box (Internet, region,
//! VPC, AZ, subnet) sits in the SVG diagram, derived only from the
//! topology's placement data. Pure Rust, tested natively.
//!
//! The picture, left to right: an "Internet" column (the selected client's
//! browser and resolver, the DNS servers, CloudFront, WAF, S3), then one box
//! per region. Inside a region: the VPC with its internet gateway on the
//! left border; per AZ a dashed column holding the public, app and data
//! subnets (tier name and CIDR as the subnet's title). The load balancer
//! straddles the two public subnets, the ingress and services sit in a band
//! between the public and app subnets, pods and databases sit in their
//! subnets, one per row.

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::net::Tier;
use crate::sim::topology::{Node, NodeKind, RegionBox, SubnetBox, Topology};

/// Horizontal pitch of one component in the Internet column.
pub const CELL_W: f64 = 76.0;
/// Vertical pitch of one component (icon, label, detail line).
pub const CELL_H: f64 = 61.0;
/// Offset of the icon centre from the top of its cell.
pub const ICON_DY: f64 = 16.0;
/// Icon edge length.
pub const ICON: f64 = 28.0;

const PAD: f64 = 8.0;
const GAP: f64 = 14.0;
const REGION_TITLE: f64 = 24.0;
const VPC_TITLE: f64 = 20.0;
const AZ_TITLE: f64 = 16.0;
const SUBNET_TITLE: f64 = 30.0;
const AZ_W: f64 = 104.0;
const AZ_GAP: f64 = 10.0;
const AZ_PAD: f64 = 5.0;
/// Room left of the first AZ so the internet gateway can sit on the VPC border.
const VPC_PAD_L: f64 = 20.0;
const VPC_PAD_R: f64 = 8.0;
const IGW_GUTTER: f64 = 20.0;
const ROW_GAP: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxKind {
    Internet,
    Region,
    Vpc,
    Az,
    Subnet(Tier),
}

impl BoxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BoxKind::Internet => "internet",
            BoxKind::Region => "region",
            BoxKind::Vpc => "vpc",
            BoxKind::Az => "az",
            BoxKind::Subnet(Tier::Public) => "public",
            BoxKind::Subnet(Tier::App) => "app",
            BoxKind::Subnet(Tier::Data) => "data",
        }
    }
}

/// A labelled rectangle: the Internet area, a region, a VPC, an AZ or a subnet.
#[derive(Clone, Debug, PartialEq)]
pub struct Rect {
    /// The id of what the box stands for (region id, VPC id, AZ name, subnet id).
    pub id: String,
    pub kind: BoxKind,
    pub title: String,
    /// Second part of the title: a CIDR for VPCs and subnets.
    pub subtitle: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.x + self.w && y >= self.y && y <= self.y + self.h
    }

    /// The title drawn in the box's corner: a subnet shows its tier (its
    /// CIDR goes on the line below), anything else its own title.
    pub fn caption(&self) -> String {
        match self.kind {
            BoxKind::Subnet(_) => format!("{} subnet", self.kind.as_str()),
            _ => self.title.clone(),
        }
    }

    /// Where the caption's baseline sits below the box's top edge: larger
    /// boxes have larger titles.
    pub fn caption_baseline(&self) -> f64 {
        match self.kind {
            BoxKind::Internet | BoxKind::Region => 16.0,
            BoxKind::Vpc => 14.0,
            BoxKind::Az | BoxKind::Subnet(_) => 12.0,
        }
    }
}

/// One component in the diagram; `(x, y)` is the centre of its icon.
#[derive(Clone, Debug, PartialEq)]
pub struct Spot {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// The address line, whole (the diagram may leave it out, see `show_detail`).
    pub detail: String,
    /// Whether the detail line fits under the label without touching
    /// another text or icon; otherwise it is shown on demand.
    pub show_detail: bool,
    pub x: f64,
    pub y: f64,
}

/// A link between two drawn components, as a line between icon centres.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub from: String,
    pub to: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    pub width: f64,
    pub height: f64,
    /// Outer boxes first, so drawing in order nests them correctly.
    pub boxes: Vec<Rect>,
    pub spots: Vec<Spot>,
    pub lines: Vec<Line>,
}

impl Diagram {
    pub fn spot(&self, id: &str) -> Option<&Spot> {
        self.spots.iter().find(|s| s.id == id)
    }
    pub fn rect(&self, id: &str) -> Option<&Rect> {
        self.boxes.iter().find(|b| b.id == id)
    }
}

/// Grid position (column, row) of the Internet components, by kind.
/// Chosen so that no link passes over a third component and no two labels
/// share a row in neighbouring columns.
fn internet_slot(kind: NodeKind) -> (f64, f64) {
    match kind {
        NodeKind::RootDns => (1.0, 0.0),
        NodeKind::Resolver => (0.0, 1.0),
        NodeKind::TldDns => (1.0, 1.0),
        NodeKind::Waf => (2.0, 1.5),
        NodeKind::Route53 => (1.0, 2.0),
        NodeKind::Browser => (0.0, 3.0),
        NodeKind::CloudFront => (2.0, 3.0),
        NodeKind::S3 => (2.0, 4.2),
        NodeKind::ExternalApi => (0.0, 4.2),
        _ => (1.0, 4.2),
    }
}
/// The lowest Internet row in use.
const INTERNET_ROWS: f64 = 4.2;

/// The label drawn under an icon: a few kinds get their usual short name.
fn diagram_label(kind: NodeKind, label: &str) -> String {
    match kind {
        NodeKind::Igw => "IGW".into(),
        NodeKind::Nat => "NAT".into(),
        NodeKind::Browser => "Browser".into(),
        _ => label.to_string(),
    }
}

const TIERS: [Tier; 3] = [Tier::Public, Tier::App, Tier::Data];

/// The spot for component `id` with its icon centre at `(x, y)`.
fn spot_at(topo: &Topology, id: &str, x: f64, y: f64) -> Spot {
    let n = topo.node(id).expect("laid out node exists");
    let detail = if n.kind == NodeKind::Igw {
        n.id.clone()
    } else {
        n.detail.clone()
    };
    Spot {
        id: n.id.clone(),
        kind: n.kind,
        label: diagram_label(n.kind, &n.label),
        detail,
        show_detail: false,
        x,
        y,
    }
}

/// Lay the topology out, showing only `client`'s browser and resolver.
pub fn diagram(topo: &Topology, client: &str) -> Diagram {
    let mut spots: Vec<Spot> = Vec::new();
    // Regions first: they decide the height.
    let internet_w = 3.0 * CELL_W + 2.0 * PAD;
    let mut x = internet_w + GAP;
    let mut height: f64 = 0.0;
    let mut region_boxes = Vec::new();
    // The region each regional spot belongs to, by index.
    let mut region_of: Vec<usize> = Vec::new();
    for (i, r) in topo.regions.iter().enumerate() {
        let (w, h) = region(topo, r, x, &mut region_boxes, &mut spots);
        region_of.resize(spots.len(), i);
        height = height.max(h);
        x += w + GAP;
    }
    let width = x - GAP;
    let (internet, height) = internet_column(topo, client, internet_w, height, &mut spots);
    let mut boxes = vec![internet];
    boxes.extend(region_boxes);
    let lines = links(topo, &spots);
    super::labels::place_details(&mut spots, &boxes);
    let spots = in_request_order(spots, &region_of);
    Diagram {
        width,
        height,
        boxes,
        spots,
        lines,
    }
}

/// The spots in the order a request meets them, which is also the
/// keyboard's tab order: the browser, its resolver, the DNS servers,
/// CloudFront and WAF, then each region's components (internet gateway,
/// ALB, ingress, Service, pods, database, NAT gateway), the SMS API last.
/// `region_of[i]` is the region of the i-th spot for the regional ones,
/// which come first in `spots`.
fn in_request_order(spots: Vec<Spot>, region_of: &[usize]) -> Vec<Spot> {
    let mut keyed: Vec<((u8, usize, NodeKind), Spot)> = spots
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let key = match (region_of.get(i), s.kind) {
                (_, NodeKind::ExternalApi) => (2, 0, s.kind),
                (Some(&r), kind) => (1, r, kind),
                (None, kind) => (0, 0, kind),
            };
            (key, s)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, s)| s).collect()
}

/// The Internet column, stretched to the regions' `height` (or taller if
/// its own rows need it), with the components outside every region.
fn internet_column(
    topo: &Topology,
    client: &str,
    width: f64,
    height: f64,
    spots: &mut Vec<Spot>,
) -> (Rect, f64) {
    let top = REGION_TITLE + 4.0;
    let height = height.max(top + INTERNET_ROWS * CELL_H + CELL_H + PAD);
    let pitch = ((height - top - CELL_H - PAD) / INTERNET_ROWS).max(CELL_H);
    for n in topo.nodes().filter(|n| n.placement.region.is_none()) {
        if n.client.as_deref().is_some_and(|c| c != client) {
            continue;
        }
        let (c, r) = internet_slot(n.kind);
        let (x, y) = (PAD + (c + 0.5) * CELL_W, top + r * pitch + ICON_DY);
        spots.push(spot_at(topo, &n.id, x, y));
    }
    let rect = Rect {
        id: "internet".into(),
        kind: BoxKind::Internet,
        title: "Internet".into(),
        subtitle: String::new(),
        x: 0.0,
        y: 0.0,
        w: width,
        h: height,
    };
    (rect, height)
}

/// Links between drawn components, one line per pair.
fn links(topo: &Topology, spots: &[Spot]) -> Vec<Line> {
    let drawn: BTreeMap<&str, (f64, f64)> =
        spots.iter().map(|s| (s.id.as_str(), (s.x, s.y))).collect();
    let mut seen = BTreeSet::new();
    let mut lines = Vec::new();
    for (a, b) in topo.links() {
        let (Some(pa), Some(pb)) = (drawn.get(a.as_str()), drawn.get(b.as_str())) else {
            continue;
        };
        let key = if a < b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        if !seen.insert(key) {
            continue;
        }
        lines.push(Line {
            from: a,
            to: b,
            x1: pa.0,
            y1: pa.1,
            x2: pb.0,
            y2: pb.1,
        });
    }
    lines
}

/// One region's geometry: where its VPC and AZ columns sit, and which
/// components each subnet holds.
struct RegionFrame<'t> {
    topo: &'t Topology,
    region: &'t RegionBox,
    in_region: Vec<&'t Node>,
    /// Nodes per subnet, in topology order.
    by_subnet: BTreeMap<&'t str, Vec<&'t str>>,
    has_alb: bool,
    has_nlb: bool,
    /// The VPC's left edge and top.
    vx: f64,
    vy: f64,
    az_y: f64,
}

impl<'t> RegionFrame<'t> {
    fn new(topo: &'t Topology, region: &'t RegionBox, x: f64) -> Self {
        let in_region: Vec<&Node> = topo
            .nodes()
            .filter(|n| n.placement.region.as_deref() == Some(&region.id))
            .collect();
        let mut by_subnet: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for n in &in_region {
            if let Some(s) = n.placement.subnet.as_deref() {
                by_subnet.entry(s).or_default().push(n.id.as_str());
            }
        }
        let has_alb = in_region.iter().any(|n| n.kind == NodeKind::Alb);
        let has_nlb = in_region.iter().any(|n| n.kind == NodeKind::Nlb);
        let vy = REGION_TITLE;
        RegionFrame {
            topo,
            region,
            in_region,
            by_subnet,
            has_alb,
            has_nlb,
            vx: x + PAD + IGW_GUTTER,
            vy,
            az_y: vy + VPC_TITLE,
        }
    }

    fn naz(&self) -> f64 {
        self.region.azs.len().max(1) as f64
    }
    fn vpc_w(&self) -> f64 {
        let naz = self.naz();
        VPC_PAD_L + naz * AZ_W + (naz - 1.0) * AZ_GAP + VPC_PAD_R
    }
    fn az_x(&self, i: usize) -> f64 {
        self.vx + VPC_PAD_L + i as f64 * (AZ_W + AZ_GAP)
    }
    /// Rows of a subnet: public subnets keep row 0 for the load balancer.
    fn rows_of(&self, sid: &str, tier: Tier) -> usize {
        let n = self.by_subnet.get(sid).map_or(0, |v| v.len());
        (n + self.reserved(tier)).max(1)
    }
    /// Public subnets keep a row for the ALB and one for the NLB below it.
    fn reserved(&self, tier: Tier) -> usize {
        usize::from(tier == Tier::Public && self.has_alb)
            + usize::from(tier == Tier::Public && self.has_nlb)
    }
    fn subnets(&self, tier: Tier, az: &'t str) -> impl Iterator<Item = &'t SubnetBox> + 't {
        self.region
            .subnets
            .iter()
            .filter(move |s| s.tier == tier && s.az == az)
    }

    /// The top of each tier's row of subnets, the y of the band between
    /// the public and app subnets, and the bottom of the last row.
    fn tier_rows(&self) -> (BTreeMap<u8, f64>, f64, f64) {
        let subnet_h = |rows: usize| SUBNET_TITLE + rows as f64 * CELL_H + ROW_GAP;
        let mut y = self.az_y + AZ_TITLE;
        let mut tier_top: BTreeMap<u8, f64> = BTreeMap::new();
        let mut band_y = None;
        for (ti, tier) in TIERS.iter().enumerate() {
            // Height of this tier row: the tallest stack of subnets over the AZs.
            let mut row_h: f64 = 0.0;
            for az in &self.region.azs {
                let h: f64 = self
                    .subnets(*tier, az)
                    .map(|s| subnet_h(self.rows_of(&s.id, *tier)) + ROW_GAP)
                    .sum();
                row_h = row_h.max(h);
            }
            if row_h == 0.0 {
                continue;
            }
            tier_top.insert(ti as u8, y);
            y += row_h;
            if *tier == Tier::Public {
                band_y = Some(y);
                y += CELL_H + ROW_GAP;
            }
        }
        let band_y = band_y.unwrap_or_else(|| {
            let b = y;
            y += CELL_H + ROW_GAP;
            b
        });
        (tier_top, band_y, y)
    }

    /// The region, VPC and AZ boxes around content that ends at `bottom`;
    /// returns the region's width and height.
    fn frames(&self, x: f64, bottom: f64, boxes: &mut Vec<Rect>) -> (f64, f64) {
        let r = self.region;
        let az_h = bottom - self.az_y + AZ_PAD;
        let vh = az_h + VPC_TITLE + PAD;
        let rh = REGION_TITLE + vh + PAD;
        let rw = PAD + IGW_GUTTER + self.vpc_w() + PAD;
        let rect = |id: &str, kind, title: &str, subtitle: &str, (x, y, w, h)| Rect {
            id: id.to_string(),
            kind,
            title: title.to_string(),
            subtitle: subtitle.to_string(),
            x,
            y,
            w,
            h,
        };
        boxes.push(rect(
            &r.id,
            BoxKind::Region,
            &r.id,
            &r.label,
            (x, 0.0, rw, rh),
        ));
        let vpc = (self.vx, self.vy, self.vpc_w(), vh);
        boxes.push(rect(&r.vpc_id, BoxKind::Vpc, &r.vpc_id, &r.vpc_cidr, vpc));
        for (i, az) in r.azs.iter().enumerate() {
            let col = (self.az_x(i), self.az_y, AZ_W, az_h);
            boxes.push(rect(az, BoxKind::Az, az, "", col));
        }
        (rw, rh)
    }

    /// The subnet boxes, tier by tier, and the components inside them, one
    /// per row. Returns the top of the first public subnet's rows.
    fn subnets_and_nodes(
        &self,
        tier_top: &BTreeMap<u8, f64>,
        boxes: &mut Vec<Rect>,
        spots: &mut Vec<Spot>,
    ) -> Option<f64> {
        let mut public_rows_top = None;
        for (ti, tier) in TIERS.iter().enumerate() {
            let Some(top) = tier_top.get(&(ti as u8)) else {
                continue;
            };
            for (i, az) in self.region.azs.iter().enumerate() {
                let mut sy = *top;
                for s in self.subnets(*tier, az) {
                    let sx = self.az_x(i) + AZ_PAD;
                    let sw = AZ_W - 2.0 * AZ_PAD;
                    let sh = SUBNET_TITLE + self.rows_of(&s.id, *tier) as f64 * CELL_H + ROW_GAP;
                    boxes.push(Rect {
                        id: s.id.clone(),
                        kind: BoxKind::Subnet(s.tier),
                        title: s.name.clone(),
                        subtitle: s.cidr.clone(),
                        x: sx,
                        y: sy,
                        w: sw,
                        h: sh,
                    });
                    if *tier == Tier::Public && public_rows_top.is_none() {
                        public_rows_top = Some(sy + SUBNET_TITLE);
                    }
                    let first = self.reserved(*tier);
                    let ids = self.by_subnet.get(s.id.as_str()).into_iter().flatten();
                    for (k, id) in ids.enumerate() {
                        let cy = sy + SUBNET_TITLE + (first + k) as f64 * CELL_H + ICON_DY;
                        spots.push(spot_at(self.topo, id, sx + sw / 2.0, cy));
                    }
                    sy += sh + ROW_GAP;
                }
            }
        }
        public_rows_top
    }

    /// Components of the region outside any subnet: the internet gateway on
    /// the VPC border, the load balancer between the public subnets, the
    /// ingress and services in the band, the rest in the band's middle.
    fn region_level(&self, public_rows_top: Option<f64>, band_y: f64, spots: &mut Vec<Spot>) {
        let azs = &self.region.azs;
        let alb_y = public_rows_top.unwrap_or(self.az_y + AZ_TITLE + SUBNET_TITLE) + ICON_DY;
        let mid = if azs.len() >= 2 {
            self.az_x(0) + AZ_W + AZ_GAP / 2.0
        } else {
            self.az_x(0) + AZ_W / 2.0
        };
        let outside = || {
            self.in_region
                .iter()
                .filter(|n| n.placement.subnet.is_none())
        };
        let band: Vec<_> = outside()
            .filter(|n| {
                matches!(
                    n.kind,
                    NodeKind::Ingress | NodeKind::Service | NodeKind::Autoscaler
                )
            })
            .collect();
        let naz = self.naz();
        let inner_w = naz * AZ_W + (naz - 1.0) * AZ_GAP;
        for (k, n) in band.iter().enumerate() {
            let bx = self.az_x(0) + (k as f64 + 0.5) * inner_w / band.len() as f64;
            spots.push(spot_at(self.topo, &n.id, bx, band_y + ICON_DY + 2.0));
        }
        // Peering connections on the right border (toward the next
        // region), gateway endpoints on the left border below the internet
        // gateway: one row each.
        let (mut peerings, mut gateways) = (0.0, 0.0);
        for n in outside() {
            let (x, y) = match n.kind {
                NodeKind::Igw => (self.vx, alb_y),
                NodeKind::Eigw => (self.vx, alb_y + CELL_H),
                NodeKind::Alb => (mid, alb_y),
                NodeKind::Nlb if self.has_alb => (mid, alb_y + CELL_H),
                NodeKind::Nlb => (mid, alb_y),
                NodeKind::Ingress | NodeKind::Service | NodeKind::Autoscaler => continue,
                NodeKind::Peering => {
                    peerings += 1.0;
                    (self.vx + self.vpc_w(), alb_y + (peerings - 1.0) * CELL_H)
                }
                NodeKind::Endpoint => {
                    gateways += 1.0;
                    (self.vx, band_y + ICON_DY + (gateways - 1.0) * CELL_H)
                }
                _ => (mid, band_y + ICON_DY),
            };
            spots.push(spot_at(self.topo, &n.id, x, y));
        }
    }
}

/// Lay out one region starting at `x`: its boxes and components. Returns
/// the region's width and height.
fn region(
    topo: &Topology,
    r: &RegionBox,
    x: f64,
    boxes: &mut Vec<Rect>,
    spots: &mut Vec<Spot>,
) -> (f64, f64) {
    let f = RegionFrame::new(topo, r, x);
    let (tier_top, band_y, bottom) = f.tier_rows();
    let size = f.frames(x, bottom, boxes);
    let public_rows_top = f.subnets_and_nodes(&tier_top, boxes, spots);
    f.region_level(public_rows_top, band_y, spots);
    size
}

/// Where a stopped packet rests lives with the marker; kept here for old paths.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::World;

    fn default_diagram() -> (World, Diagram) {
        let w = World::default_world();
        let d = diagram(&w.topology(), "client-na");
        (w, d)
    }

    #[test]
    fn components_come_in_request_order_browser_first_and_the_sms_api_last() {
        let (_, d) = default_diagram();
        let kinds: Vec<NodeKind> = d.spots.iter().map(|s| s.kind).collect();
        assert_eq!(kinds[0], NodeKind::Browser);
        assert_eq!(kinds[1], NodeKind::Resolver);
        assert_eq!(kinds.last(), Some(&NodeKind::ExternalApi));
        let first = |k| kinds.iter().position(|&x| x == k).unwrap();
        assert!(first(NodeKind::Route53) < first(NodeKind::CloudFront));
        assert!(first(NodeKind::Waf) < first(NodeKind::Alb));
        assert!(first(NodeKind::Alb) < first(NodeKind::Pod));
        assert!(first(NodeKind::Pod) < first(NodeKind::Rds));
    }

    #[test]
    fn subnets_are_captioned_by_tier_and_other_boxes_by_their_title() {
        let (_, d) = default_diagram();
        let subnet = d.rect("subnet-public-a1").unwrap();
        assert_eq!(subnet.caption(), "public subnet");
        assert_eq!(subnet.subtitle, "10.0.0.0/24");
        let region = d.rect("us-east-1").unwrap();
        assert_eq!(region.caption(), "us-east-1");
        assert!(region.caption_baseline() > subnet.caption_baseline());
    }

    #[test]
    fn only_the_selected_clients_browser_and_resolver_are_drawn() {
        let (_, d) = default_diagram();
        assert!(d.spot("client-na").is_some());
        assert!(d.spot("resolver-na").is_some());
        assert!(d.spot("client-eu").is_none());
        assert!(d.spot("resolver-ap").is_none());
        let d = diagram(&World::default_world().topology(), "client-ap");
        assert!(d.spot("client-ap").is_some() && d.spot("client-na").is_none());
    }

    #[test]
    fn every_other_component_is_drawn_exactly_once() {
        let (w, d) = default_diagram();
        let t = w.topology();
        for n in t.nodes().filter(|n| n.client.is_none()) {
            assert_eq!(
                d.spots.iter().filter(|s| s.id == n.id).count(),
                1,
                "{}",
                n.id
            );
        }
    }

    #[test]
    fn the_internet_column_is_left_of_both_regions_and_region_a_left_of_region_b() {
        let (_, d) = default_diagram();
        let inet = d.rect("internet").unwrap();
        let a = d.rect("us-east-1").unwrap();
        let b = d.rect("us-west-2").unwrap();
        assert!(inet.x + inet.w <= a.x);
        assert!(a.x + a.w <= b.x);
        for id in [
            "root",
            "tld-com",
            "route53",
            "cloudfront",
            "waf",
            "s3",
            "client-na",
        ] {
            let s = d.spot(id).unwrap();
            assert!(inet.contains(s.x, s.y), "{id} inside the Internet box");
        }
    }

    #[test]
    fn boxes_nest_region_vpc_az_subnet() {
        let (w, d) = default_diagram();
        let t = w.topology();
        let inside = |inner: &Rect, outer: &Rect| {
            inner.x >= outer.x
                && inner.y >= outer.y
                && inner.x + inner.w <= outer.x + outer.w
                && inner.y + inner.h <= outer.y + outer.h
        };
        for r in &t.regions {
            let rb = d.rect(&r.id).unwrap();
            let vb = d.rect(&r.vpc_id).unwrap();
            assert!(inside(vb, rb), "{} in {}", r.vpc_id, r.id);
            for az in &r.azs {
                assert!(inside(d.rect(az).unwrap(), vb), "{az} in {}", r.vpc_id);
            }
            for s in &r.subnets {
                let sb = d.rect(&s.id).unwrap();
                assert!(inside(sb, d.rect(&s.az).unwrap()), "{} in {}", s.id, s.az);
                assert_eq!(sb.subtitle, s.cidr, "subnet boxes carry their CIDR");
            }
        }
    }

    #[test]
    fn subnets_stack_public_then_app_then_data_and_never_overlap() {
        let (_, d) = default_diagram();
        let y = |id: &str| d.rect(id).unwrap().y;
        assert!(y("subnet-public-a1") < y("subnet-app-a1"));
        assert!(y("subnet-app-a1") < y("subnet-data-a1"));
        let subs: Vec<&Rect> = d
            .boxes
            .iter()
            .filter(|b| matches!(b.kind, BoxKind::Subnet(_)))
            .collect();
        for (i, a) in subs.iter().enumerate() {
            for b in &subs[i + 1..] {
                let apart =
                    a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart, "{} overlaps {}", a.id, b.id);
            }
        }
    }

    #[test]
    fn components_sit_inside_the_subnet_they_are_placed_in() {
        let (w, d) = default_diagram();
        for n in w.topology().nodes() {
            if let Some(sid) = &n.placement.subnet {
                let s = d.spot(&n.id).unwrap();
                assert!(d.rect(sid).unwrap().contains(s.x, s.y), "{} in {sid}", n.id);
            }
        }
    }

    #[test]
    fn peerings_and_endpoints_get_spots_of_their_own() {
        // Fact sheet §21, §22: the peering on the border toward the other
        // region, a gateway endpoint on the VPC border, an interface
        // endpoint's ENI in its subnet.
        let mut w = World::default_world();
        for json in [
            r#"{"kind":"create_peering","id":"pcx-ab","requester_vpc":"vpc-a","accepter_vpc":"vpc-b"}"#,
            r#"{"kind":"create_gateway_endpoint","id":"vpce-s3-a","vpc":"vpc-a","route_tables":"rtb-app-a1 rtb-app-a2"}"#,
            r#"{"kind":"create_interface_endpoint","id":"vpce-sqs-a","vpc":"vpc-a","service":"com.amazonaws.us-east-1.sqs","subnets":"subnet-app-a1, subnet-app-a2"}"#,
        ] {
            w.apply_edit(&serde_json::from_str(json).unwrap()).unwrap();
        }
        let t = w.topology();
        let d = diagram(&t, "client-na");
        for id in ["pcx-ab", "vpce-s3-a", "vpce-sqs-a"] {
            assert_eq!(d.spots.iter().filter(|s| s.id == id).count(), 1, "{id}");
        }
        assert_eq!(t.node("pcx-ab").unwrap().kind, NodeKind::Peering);
        assert_eq!(t.node("vpce-s3-a").unwrap().kind, NodeKind::Endpoint);
        let (a, b) = (d.rect("vpc-a").unwrap(), d.rect("us-west-2").unwrap());
        let p = d.spot("pcx-ab").unwrap();
        assert!(p.x >= a.x + a.w - 1.0 && p.x < b.x, "between the VPCs");
        let sub = d.rect("subnet-app-a1").unwrap();
        let e = d.spot("vpce-sqs-a").unwrap();
        assert!(sub.contains(e.x, e.y));
        for (i, a) in d.spots.iter().enumerate() {
            for b in &d.spots[i + 1..] {
                let far = (a.x - b.x).abs() >= ICON + 4.0 || (a.y - b.y).abs() >= ICON + 4.0;
                assert!(far, "{} and {} overlap", a.id, b.id);
            }
        }
        assert!(t.connected("pod-a-1", "vpce-s3-a"));
    }

    #[test]
    fn no_two_components_share_a_spot() {
        let (_, d) = default_diagram();
        for (i, a) in d.spots.iter().enumerate() {
            for b in &d.spots[i + 1..] {
                let far = (a.x - b.x).abs() >= ICON + 4.0 || (a.y - b.y).abs() >= ICON + 4.0;
                assert!(far, "{} and {} overlap", a.id, b.id);
            }
        }
    }

    #[test]
    fn an_autoscaler_sits_in_the_band_beside_its_service_and_overlaps_nothing() {
        // Fact sheet §28: the HorizontalPodAutoscaler is drawn with the
        // Ingress and the Services, linked to the Service it scales.
        let mut w = World::default_world();
        let e: crate::sim::Edit = serde_json::from_str(
            r#"{"kind":"set_hpa","region":"us-east-1","app":"appointments-api","mode":"on","min":"2","max":"8","target_cpu":"50","cpu_request":"250m"}"#,
        )
        .unwrap();
        w.apply_edit(&e).unwrap();
        let d = diagram(&w.topology(), "client-na");
        let id = "hpa-us-east-1-appointments-api";
        let hpa = d.spot(id).expect("the autoscaler is drawn");
        assert_eq!(hpa.kind, NodeKind::Autoscaler);
        assert_eq!(hpa.y, d.spot("svc-a").unwrap().y);
        assert!(d.lines.iter().any(|l| l.from == id && l.to == "svc-a"));
        for (i, a) in d.spots.iter().enumerate() {
            for b in &d.spots[i + 1..] {
                let far = (a.x - b.x).abs() >= ICON + 4.0 || (a.y - b.y).abs() >= ICON + 4.0;
                assert!(far, "{} and {} overlap", a.id, b.id);
            }
        }
    }

    #[test]
    fn the_load_balancer_straddles_the_public_subnets_and_the_gateway_sits_on_the_vpc_border() {
        let (_, d) = default_diagram();
        let alb = d.spot("alb-a").unwrap();
        let p1 = d.rect("subnet-public-a1").unwrap();
        let p2 = d.rect("subnet-public-a2").unwrap();
        assert!(alb.x > p1.x + p1.w && alb.x < p2.x);
        assert!(alb.y > p1.y && alb.y < p1.y + p1.h);
        let igw = d.spot("igw-a").unwrap();
        assert_eq!(igw.x, d.rect("vpc-a").unwrap().x);
    }

    /// Fact sheet §9: an NLB beside the ALB gets the row below it between
    /// the public subnets, apart from every other component, and comes
    /// after the ALB in the tab order.
    #[test]
    fn an_nlb_sits_below_the_alb_between_the_public_subnets_without_overlap() {
        let mut w = World::default_world();
        w.apply_edit(&crate::sim::Edit::AddNlb {
            region: "us-east-1".into(),
        })
        .unwrap();
        let d = diagram(&w.topology(), "client-na");
        let (alb, nlb) = (d.spot("alb-a").unwrap(), d.spot("nlb-a").unwrap());
        assert_eq!(nlb.kind, NodeKind::Nlb);
        let p1 = d.rect("subnet-public-a1").unwrap();
        assert!(nlb.x > p1.x + p1.w && nlb.y > alb.y && nlb.y < p1.y + p1.h);
        for (i, a) in d.spots.iter().enumerate() {
            for b in &d.spots[i + 1..] {
                let far = (a.x - b.x).abs() >= ICON + 4.0 || (a.y - b.y).abs() >= ICON + 4.0;
                assert!(far, "{} and {} overlap", a.id, b.id);
            }
        }
        let pos = |id: &str| d.spots.iter().position(|s| s.id == id).unwrap();
        assert!(pos("alb-a") < pos("nlb-a") && pos("nlb-a") < pos("pod-a-1"));
        assert!(d
            .lines
            .iter()
            .any(|l| l.from == "nlb-a" && l.to == "pod-a-1"));
        for n in w.topology().nodes() {
            if let Some(sid) = &n.placement.subnet {
                let s = d.spot(&n.id).unwrap();
                assert!(d.rect(sid).unwrap().contains(s.x, s.y), "{} in {sid}", n.id);
            }
        }
    }

    #[test]
    fn links_join_drawn_components_once_and_skip_hidden_clients() {
        let (_, d) = default_diagram();
        assert!(d
            .lines
            .iter()
            .any(|l| l.from == "client-na" && l.to == "resolver-na"));
        assert!(d
            .lines
            .iter()
            .all(|l| d.spot(&l.from).is_some() && d.spot(&l.to).is_some()));
        assert!(!d.lines.iter().any(|l| l.from == "client-eu"));
        let mut pairs: Vec<_> = d
            .lines
            .iter()
            .map(|l| (l.from.clone(), l.to.clone()))
            .collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), d.lines.len());
    }

    #[test]
    fn the_layout_follows_an_edited_subnet_cidr() {
        let mut w = World::default_world();
        w.apply_edit(&crate::sim::Edit::SetSubnetCidr {
            subnet: "subnet-app-a1".into(),
            cidr: "10.0.12.0/26".into(),
        })
        .unwrap();
        let d = diagram(&w.topology(), "client-na");
        assert_eq!(d.rect("subnet-app-a1").unwrap().subtitle, "10.0.12.0/26");
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use crate::sim::World;

    #[test]
    fn the_default_diagram_stays_compact_enough_to_read_at_1280_by_800() {
        let d = diagram(&World::default_world().topology(), "client-na");
        // Read at one pixel per unit (the camera's first view), the picture
        // should need little panning in the diagram's share of a 1280 x 800
        // window (about 900 x 560 pixels).
        assert!(d.width <= 860.0, "width {}", d.width);
        assert!(d.height <= 580.0, "height {}", d.height);
        let ratio = d.width / d.height;
        assert!((1.3..=1.7).contains(&ratio), "aspect {ratio}");
    }
}
