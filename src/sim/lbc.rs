//! The AWS Load Balancer Controller's part of a scenario: the listener
//! rules it writes from the Ingress (marked by `from_ingress_path`) and the
//! target type and health check of the target groups bound to the
//! Ingress's Services, from the Ingress annotations. It runs when a
//! scenario is read (`Scenario::from_json_with_notes` and `World::new`,
//! once the file validates as written) and after every edit that
//! touches an Ingress or a Service, so the trace never contradicts the
//! Ingress. A load balancer with `ingress_managed: false` is hand-made and
//! left as written. Fact sheet §13, §14, §28.
//!
//! What a file's contradicting rules get: rewritten, with a note naming
//! what changed (the reader's notes, like a CIDR with host bits set),
//! because the controller in a real cluster overwrites such drift at its
//! next reconcile. Hand-made rules (no `from_ingress_path`) are kept.

use super::k8s::lbc_listener_rules;
use super::scenario::{Region, Scenario, TargetGroup};

/// Why the reader changed a value, for the note that says so.
pub const RECONCILED: &str = "the AWS Load Balancer Controller writes these from the Ingress and overwrites any other value; fact sheet §14, §28";

impl Scenario {
    /// Run the controller in every region whose load balancer it owns.
    /// Returns one note per value that changed.
    pub fn reconcile_ingresses(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        for (ri, r) in self.regions.iter_mut().enumerate() {
            if r.alb.ingress_managed {
                reconcile_region(&format!("regions[{ri}]"), r, &mut notes);
            }
        }
        notes
    }
}

/// The target group that registers a Service: the first bound to it.
pub fn group_of<'a>(r: &'a Region, service: &str) -> Option<&'a TargetGroup> {
    r.alb.target_groups.iter().find(|t| t.service == service)
}

/// The controller in one region: target groups first (their annotations),
/// then the rules it owns, dropped and written again in its order at the
/// lowest priorities the hand-made rules leave.
pub fn reconcile_region(p: &str, r: &mut Region, notes: &mut Vec<String>) {
    let ing = r.cluster.ingress.clone();
    let a = &ing.annotations;
    // The Services the Ingress routes to, each once.
    let mut services: Vec<&str> = ing.rules.iter().map(|x| x.service.as_str()).collect();
    services.extend(ing.default_backend.as_deref());
    services.dedup();
    for (i, tg) in r.alb.target_groups.iter_mut().enumerate() {
        if !services.contains(&tg.service.as_str()) {
            continue;
        }
        let q = format!("{p}.alb.target_groups[{i}]");
        let mut set = |field: &str, annotation: &str, old: String, new: String| {
            if old != new {
                notes.push(format!(
                    "{q}.{field}: {old} read as {new} (Ingress '{}' annotation alb.ingress.kubernetes.io/{annotation}; {RECONCILED})",
                    ing.name
                ));
            }
        };
        if let Some(t) = a.target_type {
            set(
                "target_type",
                "target-type",
                format!("{:?}", tg.target_type).to_lowercase(),
                format!("{t:?}").to_lowercase(),
            );
            tg.target_type = t;
        }
        if let Some(v) = &a.healthcheck_path {
            set(
                "health_path",
                "healthcheck-path",
                tg.health_path.clone(),
                v.clone(),
            );
            tg.health_path = v.clone();
        }
        if let Some(v) = a.healthcheck_port {
            let shown = |p: Option<u16>| p.map_or("traffic-port".into(), |p| p.to_string());
            set(
                "health_port",
                "healthcheck-port",
                shown(tg.health_port),
                shown(Some(v)),
            );
            tg.health_port = Some(v);
        }
        let mut num = |field: &str, annotation: &str, slot: &mut u32, v: Option<u32>| {
            if let Some(v) = v {
                set(field, annotation, slot.to_string(), v.to_string());
                *slot = v;
            }
        };
        num(
            "health_interval_s",
            "healthcheck-interval-seconds",
            &mut tg.health_interval_s,
            a.healthcheck_interval_s,
        );
        num(
            "health_timeout_s",
            "healthcheck-timeout-seconds",
            &mut tg.health_timeout_s,
            a.healthcheck_timeout_s,
        );
        num(
            "healthy_threshold",
            "healthy-threshold-count",
            &mut tg.healthy_threshold,
            a.healthy_threshold,
        );
        num(
            "unhealthy_threshold",
            "unhealthy-threshold-count",
            &mut tg.unhealthy_threshold,
            a.unhealthy_threshold,
        );
        if let Some(v) = &a.success_codes {
            let mut set = |old: String, new: String| {
                if old != new {
                    notes.push(format!(
                        "{q}.matcher: {old} read as {new} (Ingress '{}' annotation alb.ingress.kubernetes.io/success-codes; {RECONCILED})",
                        ing.name
                    ));
                }
            };
            set(tg.matcher.clone(), v.clone());
            tg.matcher = v.clone();
        }
    }
    // Paths whose Service no target group registers get no rule.
    for x in &ing.rules {
        if group_of(r, &x.service).is_none() {
            notes.push(format!(
                "{p}.cluster.ingress: path {} ({:?}) routes to Service {}, which no target group on {} registers, so the controller writes no listener rule for it (it would need a TargetGroupBinding; fact sheet §14)",
                x.path, x.path_type, x.service, r.alb.id
            ));
        }
    }
    let mut routable = ing.clone();
    routable.rules.retain(|x| group_of(r, &x.service).is_some());
    let tg_of = |svc: &str| group_of(r, svc).map(|t| t.id.clone()).unwrap_or_default();
    let written = lbc_listener_rules(&routable, &tg_of);
    let old = r.alb.listener.rules.clone();
    let rules = &mut r.alb.listener.rules;
    rules.retain(|x| x.from_ingress_path.is_empty());
    let mut next = 1;
    for mut rule in written {
        while rules.iter().any(|x| x.priority == next) {
            next += 1;
        }
        rule.priority = next;
        rules.push(rule);
    }
    rules.sort_by_key(|x| x.priority);
    if *rules != old {
        let show = |rs: &[super::scenario::ListenerRule]| {
            let mut mine: Vec<&super::scenario::ListenerRule> = rs
                .iter()
                .filter(|x| !x.from_ingress_path.is_empty())
                .collect();
            mine.sort_by_key(|x| x.priority);
            let v: Vec<String> = mine
                .iter()
                .map(|x| format!("{} {}", x.priority, x.from_ingress_path))
                .collect();
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        notes.push(format!(
            "{p}.alb.listener.rules: the controller's rules ({}) read as ({}) from Ingress '{}' ({RECONCILED})",
            show(&old),
            show(rules),
            ing.name
        ));
    }
}
