//! What is attached to a component (subnets, network ACLs, security
//! groups) and which faults a learner can toggle there.

use serde::{Deserialize, Serialize};

use crate::sim::scenario::Region;
use crate::sim::world::{Fault, World};

/// The editable things attached to a component.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments {
    pub subnets: Vec<String>,
    pub nacls: Vec<String>,
    pub security_groups: Vec<String>,
}

pub(super) fn region_of<'a>(w: &'a World, node: &str) -> Option<&'a Region> {
    w.scenario().regions.iter().find(|r| {
        r.alb.id == node
            || r.nlb.as_ref().is_some_and(|n| n.id == node)
            || r.vpc.igw == node
            || r.vpc.egress_only_igw.as_deref() == Some(node)
            || r.cluster.ingress_by_id(node).is_some()
            || r.cluster.services.iter().any(|s| s.id == node)
            || r.cluster.pods.iter().any(|p| p.id == node)
            || r.rds.all_instances().any(|i| i.id == node)
            || r.vpc.nat_gateways.iter().any(|n| n.id == node)
            || r.vpc.gateway_endpoint(node).is_some()
            || r.vpc.interface_endpoint(node).is_some()
            || r.vpc.instance(node).is_some()
            || r.cluster
                .autoscalers
                .iter()
                .any(|a| crate::sim::hpa::node_id(&r.id, &a.app) == node)
    })
}

impl World {
    /// Subnets, NACLs and security groups attached to a component.
    pub fn attachments(&self, node: &str) -> Attachments {
        let mut a = Attachments::default();
        let Some(r) = region_of(self, node) else {
            return a;
        };
        let push_subnet = |a: &mut Attachments, sid: &str| {
            if let Some(s) = r.vpc.subnet(sid) {
                if !a.subnets.contains(&s.id) {
                    a.subnets.push(s.id.clone());
                }
                if !a.nacls.contains(&s.nacl) {
                    a.nacls.push(s.nacl.clone());
                }
            }
        };
        if r.alb.id == node {
            for n in &r.alb.nodes {
                push_subnet(&mut a, &n.subnet);
            }
            a.security_groups = r.alb.security_groups.clone();
        } else if let Some(n) = r.nlb.as_ref().filter(|n| n.id == node) {
            for x in &n.nodes {
                push_subnet(&mut a, &x.subnet);
            }
            a.security_groups = n.security_groups.clone();
        } else if let Some(p) = r.cluster.pods.iter().find(|p| p.id == node) {
            push_subnet(&mut a, &p.subnet);
            a.security_groups = p.security_groups.clone();
        } else if let Some(i) = r.rds.all_instances().find(|i| i.id == node) {
            push_subnet(&mut a, &i.subnet);
            a.security_groups = r.rds.security_groups.clone();
        } else if let Some(n) = r.vpc.nat_gateways.iter().find(|n| n.id == node) {
            push_subnet(&mut a, &n.subnet);
        } else if let Some(e) = r.vpc.interface_endpoint(node) {
            for sid in &e.subnets {
                push_subnet(&mut a, sid);
            }
            a.security_groups = e.security_groups.clone();
        } else if let Some(i) = r.vpc.instance(node) {
            push_subnet(&mut a, &i.subnet);
            a.security_groups = i.security_groups.clone();
        }
        a
    }

    /// Faults a learner can toggle from this component, most local first:
    /// every kind of fault the engine models is offered where it happens
    /// (a pod's crash, hang, failing health check and its worker node; the
    /// database's primary; an origin's 5xx at CloudFront and at the origin;
    /// Route 53's name servers at the hosted zone), then the AZ and Region.
    pub fn fault_options(&self, node: &str) -> Vec<Fault> {
        let s = self.scenario();
        if node == s.dns.zone.id {
            return vec![Fault::DnsAuthorityDown];
        }
        if node == s.cdn.id {
            return s
                .cdn
                .origins
                .iter()
                .map(|o| Fault::Origin5xx {
                    origin: o.id.clone(),
                })
                .collect();
        }
        if let Some(o) = s.cdn.origins.iter().find(|o| {
            o.id == node || node == "s3" && o.kind == crate::sim::scenario::OriginKind::S3
        }) {
            return vec![Fault::Origin5xx {
                origin: o.id.clone(),
            }];
        }
        let Some(r) = region_of(self, node) else {
            return vec![];
        };
        let mut out = Vec::new();
        if let Some(p) = r.cluster.pods.iter().find(|p| p.id == node) {
            out.push(Fault::PodDown { pod: node.into() });
            out.push(Fault::PodHung { pod: node.into() });
            out.push(Fault::TargetUnhealthy { pod: node.into() });
            if let Some(n) = &p.node {
                out.push(Fault::NodeDown { node: n.clone() });
            }
        }
        if r.rds.instances.iter().any(|i| i.id == node) {
            out.push(Fault::RdsPrimaryDown {
                region: r.id.clone(),
            });
        }
        let att = self.attachments(node);
        for s in &att.subnets {
            if let Some(sub) = r.vpc.subnet(s) {
                let f = Fault::AzDown { az: sub.az.clone() };
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out.push(Fault::RegionDown {
            region: r.id.clone(),
        });
        out
    }
}

impl World {
    /// Whether a fault names things that exist in this scenario.
    pub fn check_fault(&self, f: &Fault) -> Result<(), String> {
        let s = self.scenario();
        let ok = match f {
            Fault::PodDown { pod } | Fault::TargetUnhealthy { pod } | Fault::PodHung { pod } => s
                .regions
                .iter()
                .any(|r| r.cluster.pods.iter().any(|p| &p.id == pod)),
            Fault::NodeDown { node } => s
                .regions
                .iter()
                .any(|r| r.cluster.nodes.iter().any(|n| &n.id == node)),
            Fault::AzDown { az } => s.regions.iter().any(|r| r.azs.contains(az)),
            Fault::RegionDown { region } | Fault::RdsPrimaryDown { region } => {
                s.region(region).is_some()
            }
            Fault::DnsAuthorityDown => true,
            Fault::Origin5xx { origin } => s.cdn.origins.iter().any(|o| &o.id == origin),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "fault '{}' names something that is not in this scenario",
                crate::sim::text::clip(&f.label())
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::world::{Fault, World};

    #[test]
    fn every_kind_of_fault_a_lesson_uses_can_be_injected_from_the_inspector() {
        let w = World::default_world();
        let s = w.scenario();
        let region = &s.regions[0];
        let pod = &region.cluster.pods[0];
        let mut offered: Vec<Fault> = Vec::new();
        let mut nodes: Vec<String> = vec![s.dns.zone.id.clone(), s.cdn.id.clone(), "s3".into()];
        nodes.push(pod.id.clone());
        nodes.push(region.rds.instances[0].id.clone());
        for n in &nodes {
            for f in w.fault_options(n) {
                assert!(w.check_fault(&f).is_ok(), "{f:?} offered at {n} exists");
                offered.push(f);
            }
        }
        let has = |p: fn(&Fault) -> bool| offered.iter().any(p);
        assert!(has(|f| matches!(f, Fault::PodDown { .. })));
        assert!(has(|f| matches!(f, Fault::PodHung { .. })));
        assert!(has(|f| matches!(f, Fault::TargetUnhealthy { .. })));
        assert!(has(|f| matches!(f, Fault::NodeDown { .. })) || pod.node.is_none());
        assert!(has(|f| matches!(f, Fault::AzDown { .. })));
        assert!(has(|f| matches!(f, Fault::RegionDown { .. })));
        assert!(has(|f| matches!(f, Fault::RdsPrimaryDown { .. })));
        assert!(has(|f| matches!(f, Fault::DnsAuthorityDown)));
        assert!(has(|f| matches!(f, Fault::Origin5xx { .. })));
        // A pod's own crash stays the first choice.
        assert_eq!(
            w.fault_options(&pod.id)[0],
            Fault::PodDown {
                pod: pod.id.clone()
            }
        );
    }
}
