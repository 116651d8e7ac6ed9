//! What the inspector shows for a component: its configuration and live
//! state as label/value rows, the rule tables a learner may edit, and the
//! faults that can be injected there. One function per kind of component.

use super::world::World;

mod alb;
mod attach;
mod client;
mod conn;
mod dns;
mod edge;
mod k8s;
mod limits;
pub mod live;
mod nlb;
mod rds;
mod vpc;
pub mod waiting;

use attach::region_of;
pub use attach::Attachments;
pub use live::LiveState;

/// One inspector row: a label and its value.
pub type Row = (String, String);

/// The rows that describe `node`: the first kind of component whose id
/// matches answers; a regional component starts with its region and ends
/// with the faults active on it.
pub fn inspect(w: &World, node: &str) -> Vec<Row> {
    let s = w.scenario();
    if let Some(c) = s.clients.iter().find(|c| c.id == node) {
        let mut rows = client::browser(w, c);
        rows.extend(conn::client(w, c));
        return rows;
    }
    if let Some(c) = s.clients.iter().find(|c| c.resolver.id == node) {
        return client::resolver(w, c);
    }
    if node == s.dns.root.id {
        return dns::name_server(&s.dns.root);
    }
    if node == s.dns.tld.id {
        return dns::name_server(&s.dns.tld);
    }
    if node == s.dns.zone.id {
        return dns::hosted_zone(w);
    }
    if node == s.cdn.id {
        let mut rows = edge::cloudfront(w);
        rows.extend(conn::cloudfront(w));
        return rows;
    }
    if node == s.waf.id {
        return edge::web_acl(&s.waf);
    }
    if node == "s3" {
        return edge::s3();
    }
    if let Some(p) = s.peering(node) {
        return vpc::peering(s, p);
    }
    let Some(r) = region_of(w, node) else {
        return vec![("component".into(), "unknown".into())];
    };
    let mut rows = vec![("region".to_string(), format!("{} ({})", r.id, r.label))];
    rows.extend(if let Some(n) = r.nlb.as_ref().filter(|n| n.id == node) {
        nlb::nlb(w, r, n)
    } else if r.alb.id == node {
        let mut rows = alb::alb(w, r);
        rows.extend(conn::alb(w, r));
        rows
    } else if let Some(p) = r.cluster.pods.iter().find(|p| p.id == node) {
        let mut rows = k8s::pod(w, r, p);
        rows.extend(conn::app(w, r, Some(&p.id)));
        rows
    } else if let Some(i) = r.rds.all_instances().find(|i| i.id == node) {
        rds::instance(w, r, i)
    } else if let Some(a) = r
        .cluster
        .autoscalers
        .iter()
        .find(|a| crate::sim::hpa::node_id(&r.id, &a.app) == node)
    {
        k8s::autoscaler(w, r, &a.app)
    } else if r.cluster.ingress_by_id(node).is_some() {
        k8s::ingress(r)
    } else if let Some(svc) = r.cluster.services.iter().find(|x| x.id == node) {
        let mut rows = k8s::service(w, r, svc);
        rows.extend(conn::app(w, r, None));
        rows
    } else if r.vpc.igw == node {
        vpc::internet_gateway(s, r)
    } else if r.vpc.egress_only_igw.as_deref() == Some(node) {
        vpc::egress_only_igw(r, node)
    } else if r.vpc.gateway_endpoint(node).is_some() || r.vpc.interface_endpoint(node).is_some() {
        vpc::endpoint(r, node)
    } else if let Some(i) = r.vpc.instance(node) {
        vpc::instance(r, i)
    } else {
        vec![]
    });
    let faults: Vec<String> = w
        .fault_options(node)
        .iter()
        .filter(|f| w.faults().contains(f))
        .map(|f| f.label())
        .collect();
    if !faults.is_empty() {
        rows.push(("faults".into(), faults.join(", ")));
    }
    rows
}

/// Rows for one DNS cache (a browser's, a resolver's, an edge's): each
/// live entry with the seconds it has left, or "empty".
fn dns_cache_rows(w: &World) -> impl Fn(crate::sim::dns::CacheOwner<'_>, &mut Vec<Row>) + '_ {
    let now = w.now_ms();
    move |key: crate::sim::dns::CacheOwner<'_>, rows: &mut Vec<Row>| match w
        .dns_cache(key)
        .map(|c| c.live(now))
        .filter(|l| !l.is_empty())
    {
        Some(live) => {
            for e in live {
                rows.push((
                    format!("cache {}", e.key()),
                    format!(
                        "{} ({} s left of {})",
                        e.describe(),
                        e.remaining_s(now),
                        e.ttl_s
                    ),
                ));
            }
        }
        None => rows.push(("cache".into(), "empty".into())),
    }
}

/// An ALB target's health as the inspector shows it.
fn target_health_text(state: crate::sim::world::TargetState, reason: &str) -> String {
    format!(
        "{} ({})",
        match state {
            crate::sim::world::TargetState::Healthy => "healthy",
            crate::sim::world::TargetState::Unhealthy => "unhealthy",
            crate::sim::world::TargetState::Initial => "initial",
        },
        reason
    )
}
