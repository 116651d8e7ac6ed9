//! "Can A reach B?" on screen: which diagram components the path crosses
//! and where it stops, and the choices the form offers. Pure, tested
//! natively; the engine decides (`sim::reach`).

use crate::sim::reach::{Reach, Role};
use crate::sim::scenario::Scenario;

/// The diagram's marks for an answer: the components on the path (in
/// order, each once) and the one to outline where it stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReachMarks {
    pub path: Vec<String>,
    pub stop: Option<String>,
}

/// A subnet is a box, not a node: a path that stops in the source's
/// subnet rests on the source, one that stops entering a subnet on the
/// destination.
pub fn marks(r: &Reach) -> ReachMarks {
    let mut path: Vec<String> = Vec::new();
    for h in &r.path {
        let node = match &h.role {
            Role::Source { .. }
            | Role::Destination { .. }
            | Role::InternetGateway { .. }
            | Role::Ipv6Gateway { .. }
            | Role::NatGateway { .. }
            | Role::Forwards { .. }
            | Role::Peering { .. }
            | Role::GatewayEndpoint { .. } => Some(h.component.clone()),
            Role::LinkLocal { .. } => r.source.clone(),
            Role::LeavesSubnet { .. }
            | Role::EntersSubnet { .. }
            | Role::SameSubnet { .. }
            | Role::Internet => None,
        };
        if let Some(n) = node {
            if !path.contains(&n) {
                path.push(n);
            }
        }
    }
    let stop = r.blocked.as_ref().map(|b| {
        let hop = r.path.iter().rev().find(|h| h.component == b.component);
        let end = |e: &Option<String>| e.clone().unwrap_or_else(|| b.component.clone());
        match hop.map(|h| &h.role) {
            Some(Role::LeavesSubnet { .. }) => end(&r.source),
            Some(Role::EntersSubnet { .. }) | Some(Role::SameSubnet { .. }) => end(&r.destination),
            _ => b.component.clone(),
        }
    });
    ReachMarks { path, stop }
}

/// The components a path can start or end at, in the diagram's order of
/// kinds: clients, instances, pods, databases, load balancers, NAT
/// gateways, the SMS API.
pub fn choices(s: &Scenario) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .clients
        .iter()
        .map(|c| (c.id.clone(), format!("{} — laptop in {}", c.id, c.city)))
        .collect();
    for r in &s.regions {
        out.extend(
            r.vpc
                .instances
                .iter()
                .map(|i| (i.id.clone(), format!("{} — instance {}", i.id, i.name))),
        );
    }
    for r in &s.regions {
        out.extend(
            r.cluster
                .pods
                .iter()
                .map(|p| (p.id.clone(), format!("{} — pod", p.id))),
        );
    }
    for r in &s.regions {
        out.push((r.rds.id.clone(), format!("{} — database", r.rds.id)));
        out.push((r.alb.id.clone(), format!("{} — load balancer", r.alb.id)));
        out.extend(
            r.nlb
                .iter()
                .map(|n| (n.id.clone(), format!("{} — network load balancer", n.id))),
        );
        out.extend(
            r.vpc
                .nat_gateways
                .iter()
                .map(|n| (n.id.clone(), format!("{} — NAT gateway", n.id))),
        );
        out.extend(r.vpc.interface_endpoints.iter().map(|e| {
            (
                e.id.clone(),
                format!("{} — interface endpoint {}", e.id, e.service),
            )
        }));
    }
    if let Some(api) = &s.external_api {
        out.push((api.id.clone(), format!("{} — {}", api.id, api.name)));
    }
    out
}

/// The usual port for a protocol (SSH for TCP, DNS for UDP, an echo
/// request for ICMP).
pub fn default_port(protocol: &str) -> &'static str {
    match protocol {
        "udp" => "53",
        "icmp" => "8",
        _ => "22",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::net::Protocol;
    use crate::sim::reach::ReachSpec;
    use crate::sim::World;

    fn ask(w: &World, from: &str, to: &str, port: u16) -> Reach {
        w.reach(&ReachSpec {
            from: from.into(),
            to: to.into(),
            protocol: Protocol::Tcp,
            port,
            ip_version: Default::default(),
        })
    }

    #[test]
    fn a_path_stopped_entering_a_subnet_rests_on_the_destination_and_marks_the_gateway() {
        let w = World::default_world();
        let m = marks(&ask(&w, "client-eu", "i-bastion-b", 22));
        assert_eq!(m.path, vec!["client-eu", "igw-b"]);
        assert_eq!(m.stop.as_deref(), Some("i-bastion-b"));
        let ok = marks(&ask(&w, "client-na", "i-bastion-b", 22));
        assert_eq!(ok.path, vec!["client-na", "igw-b", "i-bastion-b"]);
        assert_eq!(ok.stop, None);
    }

    #[test]
    fn every_client_instance_and_database_is_offered_once() {
        let w = World::default_world();
        let c = choices(w.scenario());
        for id in [
            "client-na",
            "i-bastion-b",
            "pod-a-1",
            "rds-a",
            "alb-b",
            "nat-a1",
            "sms-api",
        ] {
            assert_eq!(c.iter().filter(|(i, _)| i == id).count(), 1, "{id}");
        }
    }
}
