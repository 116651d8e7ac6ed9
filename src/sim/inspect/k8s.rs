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
    if let Some(st) = w.k8s.probes.get(&p.id) {
        rows.push((
            "ready".into(),
            if st.ready {
                "yes"
            } else {
                "no (not an endpoint)"
            }
            .into(),
        ));
        rows.push(("restarts".into(), st.restarts.to_string()));
    }
    rows.extend(probe_rows(r, &p.app));
    rows
}

/// The probe timings of an app's pods. Fact sheet §14.
fn probe_rows(r: &Region, app: &str) -> Vec<Row> {
    let (ready, live) = r.cluster.probe_timings(app);
    let text = |t: crate::sim::scenario::ProbeTiming| {
        format!(
            "every {} s after {} s, timeout {} s, ready after {} success(es), fails after {}",
            t.period_s, t.initial_delay_s, t.timeout_s, t.success_threshold, t.failure_threshold
        )
    };
    vec![
        ("readiness probe".into(), text(ready)),
        ("liveness probe".into(), text(live)),
    ]
}

/// The autoscaler's own rows: its settings and its last round.
pub(super) fn autoscaler(w: &World, r: &Region, app: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = hpa_row(w, r, app).into_iter().collect();
    if let Some(st) = w.k8s.hpa.get(&format!("{}/{}", r.id, app)) {
        rows.push((
            "next round".into(),
            format!("at {} ms (every 15 s)", st.next_due_ms),
        ));
        rows.push((
            "behavior".into(),
            "up: 100 % or 4 pods per 15 s (the larger); down: the highest recommendation of the last 300 s".into(),
        ));
    }
    rows
}

/// An app's HorizontalPodAutoscaler. Fact sheet §28.
fn hpa_row(w: &World, r: &Region, app: &str) -> Option<Row> {
    let a = r.cluster.autoscalers.iter().find(|a| a.app == app)?;
    let st = w.k8s.hpa.get(&format!("{}/{}", r.id, app));
    let pods = r.cluster.pods.iter().filter(|p| p.app == app).count();
    let cpu = st
        .and_then(|s| s.cpu_percent)
        .map_or("not measured".to_string(), |c| format!("{c} %"));
    Some((
        "autoscaler".into(),
        format!(
            "{}{} pods (desired {}, {}-{}), CPU {cpu} of a {} % target, request {}",
            if a.enabled { "" } else { "off: " },
            pods,
            st.map_or(pods as u32, |s| s.desired),
            a.min_replicas,
            a.max_replicas,
            a.target_cpu_percent,
            a.cpu_request_m
                .map_or("none (no action)".to_string(), |m| format!("{m}m"))
        ),
    ))
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
    let mut rows: Vec<Row> = r
        .cluster
        .ingress
        .rules
        .iter()
        .map(|p| {
            (
                format!("path {}", p.path),
                format!("{:?} -> {}:{}", p.path_type, p.service, p.port),
            )
        })
        .collect();
    let a = &r.cluster.ingress.annotations;
    let mut ann = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            rows.push((format!("alb.ingress.kubernetes.io/{name}"), v));
        }
    };
    ann(
        "target-type",
        a.target_type.map(|t| format!("{t:?}").to_lowercase()),
    );
    ann("group.name", a.group_name.clone());
    ann("group.order", a.group_order.map(|o| o.to_string()));
    ann("healthcheck-path", a.healthcheck_path.clone());
    ann(
        "healthcheck-port",
        a.healthcheck_port.map(|p| p.to_string()),
    );
    ann(
        "healthcheck-interval-seconds",
        a.healthcheck_interval_s.map(|p| p.to_string()),
    );
    ann(
        "healthcheck-timeout-seconds",
        a.healthcheck_timeout_s.map(|p| p.to_string()),
    );
    ann(
        "healthy-threshold-count",
        a.healthy_threshold.map(|p| p.to_string()),
    );
    ann(
        "unhealthy-threshold-count",
        a.unhealthy_threshold.map(|p| p.to_string()),
    );
    ann("success-codes", a.success_codes.clone());
    rows.push((
        "load balancer controller".into(),
        if r.alb.ingress_managed {
            let members = crate::sim::lbc::alb_group(&r.cluster).len();
            if members > 1 {
                format!(
                    "owns {}'s rules from IngressGroup {} ({members} Ingresses)",
                    r.alb.id,
                    crate::sim::lbc::group_label(&r.cluster)
                )
            } else {
                format!("owns {}'s rules from this Ingress", r.alb.id)
            }
        } else {
            format!("{} is hand-made: its rules stay as written", r.alb.id)
        },
    ));
    rows.extend(ingress_group(r));
    rows
}

/// Every Ingress of the cluster with its IngressGroup and order, whether
/// it is on this ALB, and the group's conflict if any. Only shown once
/// the cluster has more than one Ingress. Fact sheet §28.
fn ingress_group(r: &Region) -> Vec<Row> {
    use crate::sim::lbc;
    let c = &r.cluster;
    if c.more_ingresses.is_empty() {
        return Vec::new();
    }
    let members = lbc::alb_group(c);
    let mut rows: Vec<Row> = Vec::new();
    for ing in c.ingresses() {
        let group = match &ing.annotations.group_name {
            Some(g) => format!("group {g}, order {}", lbc::group_order(ing)),
            None => "no group.name".to_string(),
        };
        let place = match members.iter().position(|m| m.id == ing.id) {
            Some(n) => {
                let rules: Vec<String> = r
                    .alb
                    .listener
                    .rules
                    .iter()
                    .filter(|x| lbc::rule_ingress(c, x).is_some_and(|i| i.id == ing.id))
                    .map(|x| x.priority.to_string())
                    .collect();
                format!(
                    "on {} ({} of {} in its IngressGroup; {})",
                    r.alb.id,
                    n + 1,
                    members.len(),
                    match rules.len() {
                        0 => "no listener rules".to_string(),
                        1 => format!("listener rule {}", rules[0]),
                        _ => format!("listener rules {}", rules.join(", ")),
                    }
                )
            }
            None => "its own IngressGroup: a separate ALB, not modelled".to_string(),
        };
        rows.push((
            format!("Ingress {}", ing.name),
            format!("{}: {group}; {place}", ing.id),
        ));
        for p in ing.rules.iter().filter(|_| ing.id != c.ingress.id) {
            rows.push((
                format!("{} path {}", ing.name, p.path),
                format!("{:?} -> {}:{}", p.path_type, p.service, p.port),
            ));
        }
    }
    if let Some(x) = lbc::group_conflict(c) {
        rows.push(("IngressGroup error".into(), x.message()));
    }
    rows
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
    let mut rows: Vec<Row> = vec![
        (
            "service".into(),
            format!(
                "{} port {} -> targetPort {}",
                svc.name, svc.port, svc.target_port
            ),
        ),
        ("endpoints".into(), eps.join(", ")),
        (
            "externalTrafficPolicy".into(),
            match svc.external_traffic_policy {
                crate::sim::scenario::TrafficPolicy::Cluster => {
                    "Cluster (any node to any ready pod; the pod sees the node's address)".into()
                }
                crate::sim::scenario::TrafficPolicy::Local => {
                    "Local (only pods on the node reached; the sender's address kept)".into()
                }
            },
        ),
        app_delay(r, &svc.app),
    ];
    rows.extend(hpa_row(w, r, &svc.app));
    rows
}
