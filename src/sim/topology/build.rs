//! Building the topology from a world: the internet side (DNS servers,
//! CloudFront, WAF, S3, the browsers and their resolvers), then each
//! region's VPC, load balancer, cluster and database. Nodes and links are
//! added in a fixed order: the diagram and `Topology::links` rely on it.

use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

use super::{Node, NodeKind, Placement, RegionBox, SubnetBox, Topology};
use crate::sim::scenario::{Region, Scenario};
use crate::sim::world::World;

/// The graph being built and the index from component id to node.
#[derive(Default)]
struct Builder {
    g: DiGraph<Node, ()>,
    index: BTreeMap<String, NodeIndex>,
}

impl Builder {
    fn add(&mut self, n: Node) -> NodeIndex {
        let id = n.id.clone();
        let i = self.g.add_node(n);
        self.index.insert(id, i);
        i
    }
    fn link(&mut self, from: NodeIndex, to: NodeIndex) {
        self.g.add_edge(from, to, ());
    }
}

fn node(id: &str, kind: NodeKind, label: &str, detail: String, p: Placement) -> Node {
    Node {
        id: id.into(),
        kind,
        label: label.into(),
        detail,
        placement: p,
        client: None,
    }
}

/// The shared internet components every region links back to.
struct Internet {
    cf: NodeIndex,
    api: Option<NodeIndex>,
}

impl World {
    pub fn topology(&self) -> Topology {
        let s = self.scenario();
        let mut b = Builder::default();
        let inet = internet(&mut b, s);
        let regions = s
            .regions
            .iter()
            .map(|r| region(&mut b, self, r, &inet))
            .collect();
        peerings(&mut b, s);
        Topology {
            graph: b.g,
            index: b.index,
            regions,
        }
    }
}

/// DNS servers, CloudFront, WAF, S3, the browsers with their resolvers,
/// and the external API the pods call.
fn internet(b: &mut Builder, s: &Scenario) -> Internet {
    let inet = Placement::default;
    let root = b.add(node(
        &s.dns.root.id,
        NodeKind::RootDns,
        "Root DNS",
        s.dns.root.name.clone(),
        inet(),
    ));
    let tld = b.add(node(
        &s.dns.tld.id,
        NodeKind::TldDns,
        ".com TLD",
        s.dns.tld.name.clone(),
        inet(),
    ));
    let r53 = b.add(node(
        &s.dns.zone.id,
        NodeKind::Route53,
        "Route 53",
        s.dns.zone.name.clone(),
        inet(),
    ));
    let cf = b.add(node(
        &s.cdn.id,
        NodeKind::CloudFront,
        "CloudFront",
        s.cdn.domain.clone(),
        inet(),
    ));
    let waf = b.add(node(
        &s.waf.id,
        NodeKind::Waf,
        "AWS WAF",
        s.waf.name.clone(),
        inet(),
    ));
    let s3 = b.add(node(
        "s3",
        NodeKind::S3,
        "S3 bucket",
        "static assets".into(),
        inet(),
    ));
    for c in &s.clients {
        let mut browser = node(&c.id, NodeKind::Browser, &c.label, c.ip.to_string(), inet());
        browser.client = Some(c.id.clone());
        let mut resolver = node(
            &c.resolver.id,
            NodeKind::Resolver,
            "Resolver",
            c.resolver.ip.to_string(),
            inet(),
        );
        resolver.client = Some(c.id.clone());
        let bi = b.add(browser);
        let ri = b.add(resolver);
        b.link(bi, ri);
        b.link(ri, root);
        b.link(ri, tld);
        b.link(ri, r53);
        b.link(bi, cf);
    }
    let api = s.external_api.as_ref().map(|a| {
        b.add(node(
            &a.id,
            NodeKind::ExternalApi,
            &a.name,
            a.host.clone(),
            inet(),
        ))
    });
    b.link(cf, waf);
    b.link(cf, s3);
    b.link(cf, r53);
    Internet { cf, api }
}

/// Where a component of region `r` sits: its subnet and that subnet's AZ.
fn at(r: &Region, subnet: &str) -> Placement {
    Placement {
        region: Some(r.id.clone()),
        az: r.vpc.subnet(subnet).map(|x| x.az.clone()),
        subnet: Some(subnet.to_string()),
    }
}

/// The address of host number `host` in `subnet`, or "" if it has none.
fn host_ip(r: &Region, subnet: &str, host: u32) -> String {
    r.vpc
        .subnet(subnet)
        .and_then(|x| x.host(host))
        .map(|a| a.to_string())
        .unwrap_or_default()
}

/// One region: the internet gateway, the ALB, the Ingress and Services,
/// the database instances, the pods, the NAT gateways; and its box.
fn region(b: &mut Builder, w: &World, r: &Region, inet: &Internet) -> RegionBox {
    let in_region = || Placement {
        region: Some(r.id.clone()),
        az: None,
        subnet: None,
    };
    let igw = b.add(node(
        &r.vpc.igw,
        NodeKind::Igw,
        "Internet gateway",
        r.id.clone(),
        in_region(),
    ));
    let nodes_ips: Vec<String> = r
        .alb
        .nodes
        .iter()
        .map(|n| n.public_ip.to_string())
        .collect();
    let alb = b.add(node(
        &r.alb.id,
        NodeKind::Alb,
        &format!("ALB ({})", r.label),
        nodes_ips.join(", "),
        in_region(),
    ));
    let ing = b.add(node(
        &r.cluster.ingress.id,
        NodeKind::Ingress,
        "Ingress",
        r.cluster.ingress.name.clone(),
        in_region(),
    ));
    b.link(inet.cf, igw);
    if let Some(api) = inet.api {
        b.link(igw, api);
    }
    b.link(igw, alb);
    b.link(alb, ing);
    let more = more_ingresses(b, r, alb);
    // A Network Load Balancer beside the ALB, straight to its targets'
    // pods (no Ingress: it reads no HTTP). Fact sheet §9.
    let nlb = r.nlb.as_ref().map(|n| {
        let ips: Vec<String> = n
            .nodes
            .iter()
            .map(|x| match x.public_ip {
                Some(ip) => ip.to_string(),
                None => host_ip(r, &x.subnet, x.host),
            })
            .collect();
        let i = b.add(node(
            &n.id,
            NodeKind::Nlb,
            &format!("NLB ({})", r.label),
            ips.join(", "),
            in_region(),
        ));
        b.link(igw, i);
        let apps: Vec<&str> = n
            .target_groups
            .iter()
            .filter_map(|tg| r.cluster.services.iter().find(|s| s.id == tg.service))
            .map(|s| s.app.as_str())
            .collect();
        (i, apps)
    });
    let mut svc_idx = BTreeMap::new();
    for svc in &r.cluster.services {
        let si = b.add(node(
            &svc.id,
            NodeKind::Service,
            "Service",
            format!("{}:{}", svc.name, svc.port),
            in_region(),
        ));
        b.link(ing, si);
        for (mi, x) in &more {
            let names = |p: &crate::sim::scenario::IngressPath| p.service == svc.id;
            if x.rules.iter().any(names) || x.default_backend.as_deref() == Some(&svc.id) {
                b.link(*mi, si);
            }
        }
        svc_idx.insert(svc.app.clone(), si);
    }
    // Each HorizontalPodAutoscaler beside the Service of its app.
    for a in &r.cluster.autoscalers {
        let hi = b.add(node(
            &crate::sim::hpa::node_id(&r.id, &a.app),
            NodeKind::Autoscaler,
            "HPA",
            format!("{} {}-{}", a.app, a.min_replicas, a.max_replicas),
            in_region(),
        ));
        if let Some(si) = svc_idx.get(&a.app) {
            b.link(hi, *si);
        }
    }
    let db_idx = databases(b, w, r);
    for p in &r.cluster.pods {
        let ip = host_ip(r, &p.subnet, p.host);
        let pi = b.add(node(&p.id, NodeKind::Pod, &p.id, ip, at(r, &p.subnet)));
        if let Some(si) = svc_idx.get(&p.app) {
            b.link(*si, pi);
        }
        b.link(alb, pi);
        if let Some((ni, apps)) = &nlb {
            if apps.contains(&p.app.as_str()) {
                b.link(*ni, pi);
            }
        }
        for d in &db_idx {
            b.link(pi, *d);
        }
    }
    for n in &r.vpc.nat_gateways {
        let ni = b.add(node(
            &n.id,
            NodeKind::Nat,
            "NAT gateway",
            host_ip(r, &n.subnet, n.host),
            at(r, &n.subnet),
        ));
        b.link(ni, igw);
    }
    endpoints(b, r);
    for i in &r.vpc.instances {
        let detail = match i.public_ip.ip() {
            Some(p) => format!("{} · {p}", host_ip(r, &i.subnet, i.host)),
            None => host_ip(r, &i.subnet, i.host),
        };
        let ii = b.add(node(
            &i.id,
            NodeKind::Instance,
            &i.name,
            detail,
            at(r, &i.subnet),
        ));
        b.link(igw, ii);
        b.link(ii, igw);
    }
    eigw(b, r, igw);
    region_box(r)
}

/// The cluster's other Ingresses: those of the ALB's IngressGroup linked
/// from it, the others (their own ALB, not drawn) alone. Fact sheet §28.
fn more_ingresses<'r>(
    b: &mut Builder,
    r: &'r Region,
    alb: NodeIndex,
) -> Vec<(NodeIndex, &'r crate::sim::scenario::Ingress)> {
    let mut more = Vec::new();
    for x in &r.cluster.more_ingresses {
        let group = x
            .annotations
            .group_name
            .as_deref()
            .unwrap_or("its own group");
        let mi = b.add(node(
            &x.id,
            NodeKind::Ingress,
            "Ingress",
            format!("{} ({group})", x.name),
            Placement {
                region: Some(r.id.clone()),
                az: None,
                subnet: None,
            },
        ));
        if crate::sim::lbc::on_alb(&r.cluster, &x.id) {
            b.link(alb, mi);
        }
        more.push((mi, x));
    }
    more
}

/// The egress-only internet gateway on the VPC's border, below the
/// internet gateway, linked from the instances with an IPv6 address whose
/// subnet routes IPv6 to it. Fact sheet §23.
fn eigw(b: &mut Builder, r: &Region, igw: NodeIndex) {
    let Some(id) = &r.vpc.egress_only_igw else {
        return;
    };
    let placement = Placement {
        region: Some(r.id.clone()),
        az: None,
        subnet: None,
    };
    let ei = b.add(node(
        id,
        NodeKind::Eigw,
        "Egress-only",
        "IPv6 out only".into(),
        placement,
    ));
    b.link(ei, igw);
    let target = crate::sim::net::RouteTarget::Eigw(id.clone());
    for i in r.vpc.instances.iter().filter(|i| i.ipv6) {
        let uses = r
            .vpc
            .subnet(&i.subnet)
            .and_then(|s| r.vpc.route_table_of(s))
            .is_some_and(|t| t.routes.iter().any(|x| x.target == target));
        if let (true, Some(ii)) = (uses, b.index.get(&i.id).copied()) {
            b.link(ii, ei);
        }
    }
}

/// A region's VPC endpoints: a gateway endpoint on the VPC's border
/// (linked from the pods whose route tables use it), an interface
/// endpoint's ENI in its first subnet. Fact sheet §22.
fn endpoints(b: &mut Builder, r: &Region) {
    let in_region = || Placement {
        region: Some(r.id.clone()),
        az: None,
        subnet: None,
    };
    for e in &r.vpc.gateway_endpoints {
        let detail = crate::sim::net::s3_prefix_list(&r.id)
            .map(|pl| pl.id.to_string())
            .unwrap_or_default();
        let ei = b.add(node(
            &e.id,
            NodeKind::Endpoint,
            "S3 endpoint",
            detail,
            in_region(),
        ));
        for p in &r.cluster.pods {
            let uses = r
                .vpc
                .subnet(&p.subnet)
                .and_then(|s| r.vpc.route_table_id_of(s))
                .is_some_and(|t| e.route_tables.iter().any(|x| x == t));
            if let (true, Some(pi)) = (uses, b.index.get(&p.id).copied()) {
                b.link(pi, ei);
            }
        }
    }
    for e in &r.vpc.interface_endpoints {
        let Some(first) = e.subnets.first() else {
            continue;
        };
        let ip = host_ip(r, first, e.host);
        b.add(node(
            &e.id,
            NodeKind::Endpoint,
            "Interface endpoint",
            ip,
            at(r, first),
        ));
    }
}

/// Peering connections that are not deleted, each placed in its
/// requester's region (on the VPC's border) and linked to both VPCs'
/// internet gateways' regions by its detail line. Fact sheet §21.
fn peerings(b: &mut Builder, s: &Scenario) {
    for p in &s.peerings {
        if p.status == crate::sim::net::PeeringStatus::Deleted {
            continue;
        }
        let Some(r) = s.region_of_vpc(&p.requester_vpc) else {
            continue;
        };
        let placement = Placement {
            region: Some(r.id.clone()),
            az: None,
            subnet: None,
        };
        let detail = format!("{} ↔ {}", p.requester_vpc, p.accepter_vpc);
        b.add(node(&p.id, NodeKind::Peering, "Peering", detail, placement));
    }
}

/// The database instances, labelled as they are now: a Multi-AZ DB
/// instance's primary and standby, a cluster's writer and readers, and
/// read replicas. Fact sheet §15, §29.
fn databases(b: &mut Builder, w: &World, r: &Region) -> Vec<NodeIndex> {
    let cluster = r.rds.deployment.has_reader_endpoint();
    let primary = w.rds_primary(&r.id);
    r.rds
        .instances
        .iter()
        .map(|i| (i, false))
        .chain(r.rds.replicas.iter().map(|i| (i, true)))
        .map(|(i, replica)| {
            let role = match (replica, primary == Some(i.id.as_str()), cluster) {
                (true, _, _) => "read replica",
                (false, true, false) => "primary",
                (false, true, true) => "writer",
                (false, false, false) => "standby",
                (false, false, true) => "reader",
            };
            b.add(node(
                &i.id,
                NodeKind::Rds,
                &format!("RDS {role}"),
                host_ip(r, &i.subnet, i.host),
                at(r, &i.subnet),
            ))
        })
        .collect()
}

/// The region's box in the diagram: its VPC and subnets.
fn region_box(r: &Region) -> RegionBox {
    RegionBox {
        id: r.id.clone(),
        label: r.label.clone(),
        vpc_id: r.vpc.id.clone(),
        vpc_cidr: r.vpc.cidr.to_string(),
        azs: r.azs.clone(),
        subnets: r
            .vpc
            .subnets
            .iter()
            .map(|x| SubnetBox {
                id: x.id.clone(),
                name: x.name.clone(),
                cidr: x.cidr.to_string(),
                tier: x.tier,
                az: x.az.clone(),
            })
            .collect(),
    }
}
