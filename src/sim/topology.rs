//! The topology: every component as a node with a kind and a placement,
//! and the links a packet can take, as a petgraph graph. The diagram's
//! layout is derived from placement (see `crate::layout`).

use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::net::Tier;
use super::world::World;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Browser,
    Resolver,
    RootDns,
    TldDns,
    Route53,
    CloudFront,
    Waf,
    S3,
    Igw,
    Alb,
    Ingress,
    Service,
    Pod,
    Rds,
    Nat,
    ExternalApi,
}

impl NodeKind {
    /// The icon file in `assets/` for this kind.
    pub fn icon(self) -> &'static str {
        match self {
            NodeKind::Browser => "browser",
            NodeKind::Resolver => "resolver",
            NodeKind::RootDns => "root",
            NodeKind::TldDns => "tld",
            NodeKind::Route53 => "route53",
            NodeKind::CloudFront => "cloudfront",
            NodeKind::Waf => "waf",
            NodeKind::S3 => "s3",
            NodeKind::Igw => "igw",
            NodeKind::Alb => "alb",
            NodeKind::Ingress => "ingress",
            NodeKind::Service => "service",
            NodeKind::Pod => "pod",
            NodeKind::Rds => "rds",
            NodeKind::Nat => "nat",
            NodeKind::ExternalApi => "api",
        }
    }
}

/// Where a component lives. Internet components have no region.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub region: Option<String>,
    pub az: Option<String>,
    pub subnet: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// A short second line: an address, a CIDR, a role.
    pub detail: String,
    pub placement: Placement,
    /// The client this node belongs to (browsers and their resolvers).
    pub client: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetBox {
    pub id: String,
    pub name: String,
    pub cidr: String,
    pub tier: Tier,
    pub az: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionBox {
    pub id: String,
    pub label: String,
    pub vpc_id: String,
    pub vpc_cidr: String,
    pub azs: Vec<String>,
    pub subnets: Vec<SubnetBox>,
}

#[derive(Clone, Debug)]
pub struct Topology {
    pub graph: DiGraph<Node, ()>,
    pub index: BTreeMap<String, NodeIndex>,
    pub regions: Vec<RegionBox>,
}

impl Topology {
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.graph.node_weights()
    }
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|i| &self.graph[*i])
    }
    /// Links as (from id, to id), in insertion order.
    pub fn links(&self) -> Vec<(String, String)> {
        self.graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (self.graph[a].id.clone(), self.graph[b].id.clone()))
            .collect()
    }
    /// Whether a packet could get from one node to another along links.
    pub fn connected(&self, from: &str, to: &str) -> bool {
        match (self.index.get(from), self.index.get(to)) {
            (Some(a), Some(b)) => petgraph::algo::has_path_connecting(&self.graph, *a, *b, None),
            _ => false,
        }
    }
}

impl World {
    pub fn topology(&self) -> Topology {
        let s = self.scenario();
        let mut g: DiGraph<Node, ()> = DiGraph::new();
        let mut index = BTreeMap::new();
        let mut add = |g: &mut DiGraph<Node, ()>, n: Node| {
            let id = n.id.clone();
            let i = g.add_node(n);
            index.insert(id, i);
            i
        };
        let inet = Placement::default();
        let node = |id: &str, kind: NodeKind, label: &str, detail: String, p: Placement| Node {
            id: id.into(),
            kind,
            label: label.into(),
            detail,
            placement: p,
            client: None,
        };
        let root = add(
            &mut g,
            node(
                &s.dns.root.id,
                NodeKind::RootDns,
                "Root DNS",
                s.dns.root.name.clone(),
                inet.clone(),
            ),
        );
        let tld = add(
            &mut g,
            node(
                &s.dns.tld.id,
                NodeKind::TldDns,
                ".com TLD",
                s.dns.tld.name.clone(),
                inet.clone(),
            ),
        );
        let r53 = add(
            &mut g,
            node(
                &s.dns.zone.id,
                NodeKind::Route53,
                "Route 53",
                s.dns.zone.name.clone(),
                inet.clone(),
            ),
        );
        let cf = add(
            &mut g,
            node(
                &s.cdn.id,
                NodeKind::CloudFront,
                "CloudFront",
                s.cdn.domain.clone(),
                inet.clone(),
            ),
        );
        let waf = add(
            &mut g,
            node(
                &s.waf.id,
                NodeKind::Waf,
                "AWS WAF",
                s.waf.name.clone(),
                inet.clone(),
            ),
        );
        let s3 = add(
            &mut g,
            node(
                "s3",
                NodeKind::S3,
                "S3 bucket",
                "static assets".into(),
                inet.clone(),
            ),
        );
        for c in &s.clients {
            let mut b = node(
                &c.id,
                NodeKind::Browser,
                &c.label,
                c.ip.to_string(),
                inet.clone(),
            );
            b.client = Some(c.id.clone());
            let mut r = node(
                &c.resolver.id,
                NodeKind::Resolver,
                "Resolver",
                c.resolver.ip.to_string(),
                inet.clone(),
            );
            r.client = Some(c.id.clone());
            let bi = add(&mut g, b);
            let ri = add(&mut g, r);
            g.add_edge(bi, ri, ());
            g.add_edge(ri, root, ());
            g.add_edge(ri, tld, ());
            g.add_edge(ri, r53, ());
            g.add_edge(bi, cf, ());
        }
        let api = s.external_api.as_ref().map(|a| {
            add(
                &mut g,
                node(
                    &a.id,
                    NodeKind::ExternalApi,
                    &a.name,
                    a.host.clone(),
                    inet.clone(),
                ),
            )
        });
        g.add_edge(cf, waf, ());
        g.add_edge(cf, s3, ());
        g.add_edge(cf, r53, ());
        let mut regions = Vec::new();
        for r in &s.regions {
            let at = |subnet: &str| Placement {
                region: Some(r.id.clone()),
                az: r.vpc.subnet(subnet).map(|x| x.az.clone()),
                subnet: Some(subnet.to_string()),
            };
            let in_region = Placement {
                region: Some(r.id.clone()),
                az: None,
                subnet: None,
            };
            let igw = add(
                &mut g,
                node(
                    &r.vpc.igw,
                    NodeKind::Igw,
                    "Internet gateway",
                    r.id.clone(),
                    in_region.clone(),
                ),
            );
            let nodes_ips: Vec<String> = r
                .alb
                .nodes
                .iter()
                .map(|n| n.public_ip.to_string())
                .collect();
            let alb = add(
                &mut g,
                node(
                    &r.alb.id,
                    NodeKind::Alb,
                    &format!("ALB ({})", r.label),
                    nodes_ips.join(", "),
                    in_region.clone(),
                ),
            );
            let ing = add(
                &mut g,
                node(
                    &r.cluster.ingress.id,
                    NodeKind::Ingress,
                    "Ingress",
                    r.cluster.ingress.name.clone(),
                    in_region.clone(),
                ),
            );
            g.add_edge(cf, igw, ());
            if let Some(api) = api {
                g.add_edge(igw, api, ());
            }
            g.add_edge(igw, alb, ());
            g.add_edge(alb, ing, ());
            let mut svc_idx = BTreeMap::new();
            for svc in &r.cluster.services {
                let si = add(
                    &mut g,
                    node(
                        &svc.id,
                        NodeKind::Service,
                        "Service",
                        format!("{}:{}", svc.name, svc.port),
                        in_region.clone(),
                    ),
                );
                g.add_edge(ing, si, ());
                svc_idx.insert(svc.app.clone(), si);
            }
            let mut db_idx = Vec::new();
            for (k, i) in r.rds.instances.iter().enumerate() {
                let ip = r
                    .vpc
                    .subnet(&i.subnet)
                    .and_then(|x| x.host(i.host))
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                let role = if self.rds_primary(&r.id) == Some(i.id.as_str()) {
                    "primary"
                } else {
                    "standby"
                };
                let _ = k;
                db_idx.push(add(
                    &mut g,
                    node(
                        &i.id,
                        NodeKind::Rds,
                        &format!("RDS {role}"),
                        ip,
                        at(&i.subnet),
                    ),
                ));
            }
            for p in &r.cluster.pods {
                let ip = r
                    .vpc
                    .subnet(&p.subnet)
                    .and_then(|x| x.host(p.host))
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                let pi = add(&mut g, node(&p.id, NodeKind::Pod, &p.id, ip, at(&p.subnet)));
                if let Some(si) = svc_idx.get(&p.app) {
                    g.add_edge(*si, pi, ());
                }
                g.add_edge(alb, pi, ());
                for d in &db_idx {
                    g.add_edge(pi, *d, ());
                }
            }
            for n in &r.vpc.nat_gateways {
                let ni = add(
                    &mut g,
                    node(
                        &n.id,
                        NodeKind::Nat,
                        "NAT gateway",
                        r.vpc
                            .subnet(&n.subnet)
                            .and_then(|x| x.host(n.host))
                            .map(|a| a.to_string())
                            .unwrap_or_default(),
                        at(&n.subnet),
                    ),
                );
                g.add_edge(ni, igw, ());
            }
            regions.push(RegionBox {
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
            });
        }
        Topology {
            graph: g,
            index,
            regions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pod_is_reachable_from_every_browser_through_the_graph() {
        let w = World::default_world();
        let t = w.topology();
        for c in &w.scenario().clients {
            for r in &w.scenario().regions {
                for p in &r.cluster.pods {
                    assert!(t.connected(&c.id, &p.id), "{} -> {}", c.id, p.id);
                }
            }
        }
        assert!(!t.connected("pod-a-1", "client-na"));
    }
}
