//! Kubernetes: a pod, the Ingress, a Service and its endpoints.

use super::{target_health_text, Row};
use crate::sim::scenario::{Pod, Region, Service};
use crate::sim::world::World;

/// A pod: its IP, subnet, whether it runs, its health as an ALB target.
pub(super) fn pod(w: &World, r: &Region, p: &Pod) -> Vec<Row> {
    let ip = r
        .vpc
        .subnet(&p.subnet)
        .and_then(|x| x.host(p.host))
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut rows: Vec<Row> = vec![
        ("pod IP".into(), ip),
        ("subnet".into(), p.subnet.clone()),
        (
            "running".into(),
            if w.pod_up(r, p) { "yes" } else { "no" }.into(),
        ),
    ];
    if let Some(h) = w.target_health(&p.id) {
        rows.push((
            "ALB target health".into(),
            target_health_text(h.state, &h.reason),
        ));
    }
    rows.push(app_delay(r, &p.app));
    rows
}

/// The application's extra processing time (`set_app_delay`). Fact sheet §16.
fn app_delay(r: &Region, app: &str) -> Row {
    let ms = r.cluster.app_delay_ms(app);
    let text = if ms == 0 {
        "none".to_string()
    } else {
        format!("{ms} ms on every request but the health endpoint")
    };
    ("application delay".into(), text)
}

/// The Ingress: its paths and the Service each goes to.
pub(super) fn ingress(r: &Region) -> Vec<Row> {
    r.cluster
        .ingress
        .rules
        .iter()
        .map(|p| {
            (
                format!("path {}", p.path),
                format!("{:?} -> {}:{}", p.path_type, p.service, p.port),
            )
        })
        .collect()
}

/// A Service: its ports and its endpoints with their readiness.
pub(super) fn service(w: &World, r: &Region, svc: &Service) -> Vec<Row> {
    let eps: Vec<String> = r
        .cluster
        .pods
        .iter()
        .filter(|p| p.app == svc.app)
        .map(|p| format!("{} ready={}", p.id, w.pod_up(r, p)))
        .collect();
    vec![
        (
            "service".into(),
            format!(
                "{} port {} -> targetPort {}",
                svc.name, svc.port, svc.target_port
            ),
        ),
        ("endpoints".into(), eps.join(", ")),
        app_delay(r, &svc.app),
    ]
}
