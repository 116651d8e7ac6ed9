//! The topology: every component as a node with a kind and a placement,
//! and the links a packet can take, as a petgraph graph. The diagram's
//! layout is derived from placement (see `crate::view::layout`).

use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::net::Tier;

mod build;

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
    /// An egress-only internet gateway: IPv6 out only. Fact sheet §23.
    Eigw,
    Alb,
    /// A Network Load Balancer beside the ALB. Fact sheet §9.
    Nlb,
    Ingress,
    Service,
    Pod,
    Rds,
    Nat,
    ExternalApi,
    /// A VPC peering connection, on its requester VPC's border toward the
    /// accepter. Fact sheet §21.
    Peering,
    /// A gateway endpoint (on the VPC border) or an interface endpoint
    /// (its ENI in a subnet). Fact sheet §22.
    Endpoint,
    Instance,
    /// A HorizontalPodAutoscaler beside the Service it scales (fact sheet §28).
    Autoscaler,
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
            NodeKind::Eigw => "eigw",
            NodeKind::Alb => "alb",
            NodeKind::Nlb => "nlb",
            NodeKind::Ingress => "ingress",
            NodeKind::Service => "service",
            NodeKind::Pod => "pod",
            NodeKind::Rds => "rds",
            NodeKind::Nat => "nat",
            NodeKind::ExternalApi => "api",
            NodeKind::Peering => "peering",
            NodeKind::Endpoint => "endpoint",
            NodeKind::Instance => "instance",
            NodeKind::Autoscaler => "hpa",
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

#[cfg(test)]
mod tests {
    use crate::sim::world::World;

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
