//! The AWS Load Balancer Controller's part of a scenario: the listener
//! rules it writes from the ALB's IngressGroup (marked by
//! `from_ingress_path`, and `from_ingress` for a member other than the
//! cluster's first Ingress) and the target type and health check of the
//! target groups bound to the members' Services, from their annotations.
//! Two members that conflict stop it: no update at all, a note instead. It runs when a
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
use super::scenario::{Cluster, Ingress, ListenerRule, Region, Scenario, TargetGroup};

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

/// An Ingress's `group.order`: -1,000..1,000, 0 when not set. Fact sheet §28.
pub fn group_order(i: &Ingress) -> i32 {
    i.annotations.group_order.unwrap_or(0)
}

/// The ALB's IngressGroup in the order the controller evaluates it: the
/// cluster's first Ingress's group (its `group.name`; without one, a group
/// of that Ingress alone), every Ingress with the same explicit
/// `group.name` a member, ordered by `group.order` (lower first), ties by
/// name (then id). Fact sheet §28.
pub fn alb_group(c: &Cluster) -> Vec<&Ingress> {
    let mut members: Vec<&Ingress> = match &c.ingress.annotations.group_name {
        None => vec![&c.ingress],
        Some(g) => c
            .ingresses()
            .filter(|i| i.annotations.group_name.as_deref() == Some(g.as_str()))
            .collect(),
    };
    members.sort_by(|a, b| (group_order(a), &a.name, &a.id).cmp(&(group_order(b), &b.name, &b.id)));
    members
}

/// Whether the Ingress `id` is a member of the ALB's IngressGroup (one
/// that is not would get an ALB of its own, which Hoplab does not model).
pub fn on_alb(c: &Cluster, id: &str) -> bool {
    alb_group(c).iter().any(|i| i.id == id)
}

/// The group's name as a learner reads it: its `group.name`, or the
/// first Ingress's name when it has none (a group of itself).
pub fn group_label(c: &Cluster) -> String {
    c.ingress
        .annotations
        .group_name
        .clone()
        .unwrap_or_else(|| c.ingress.name.clone())
}

/// The Ingress that wrote a controller rule: `from_ingress`, or the
/// cluster's first Ingress when that is empty; none for a hand-made rule
/// or one whose Ingress is gone.
pub fn rule_ingress<'a>(c: &'a Cluster, rule: &ListenerRule) -> Option<&'a Ingress> {
    if rule.from_ingress_path.is_empty() {
        None
    } else if rule.from_ingress.is_empty() {
        Some(&c.ingress)
    } else {
        c.ingress_by_id(&rule.from_ingress)
    }
}

/// `from Ingress api (group shop, order 10)`: who wrote a controller rule,
/// as the inspector and the listener event say it.
pub fn rule_author(c: &Cluster, rule: &ListenerRule) -> Option<String> {
    if rule.from_ingress_path.is_empty() {
        return None;
    }
    Some(match rule_ingress(c, rule) {
        Some(i) => match &i.annotations.group_name {
            Some(g) => format!(
                "from Ingress {} (group {g}, order {})",
                i.name,
                group_order(i)
            ),
            None => format!("from Ingress {}", i.name),
        },
        None => format!(
            "from Ingress {} (no longer in the cluster)",
            rule.from_ingress
        ),
    })
}

/// The Services an Ingress routes to (its paths' and its default
/// backend), each once.
fn services_of(i: &Ingress) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for s in i
        .rules
        .iter()
        .map(|x| x.service.as_str())
        .chain(i.default_backend.as_deref())
    {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

/// The target-group annotations, by name, with an Ingress's values.
fn tg_annotations(i: &Ingress) -> [(&'static str, Option<String>); 8] {
    let a = &i.annotations;
    let n = |v: Option<u32>| v.map(|v| v.to_string());
    [
        (
            "target-type",
            a.target_type.map(|t| format!("{t:?}").to_lowercase()),
        ),
        ("healthcheck-path", a.healthcheck_path.clone()),
        (
            "healthcheck-port",
            a.healthcheck_port.map(|p| p.to_string()),
        ),
        ("healthcheck-interval-seconds", n(a.healthcheck_interval_s)),
        ("healthcheck-timeout-seconds", n(a.healthcheck_timeout_s)),
        ("healthy-threshold-count", n(a.healthy_threshold)),
        ("unhealthy-threshold-count", n(a.unhealthy_threshold)),
        ("success-codes", a.success_codes.clone()),
    ]
}

/// What two members of one IngressGroup disagree on. Fact sheet §28.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictOn {
    /// Each has a default backend, and they differ: one per group.
    DefaultBackend { first: String, second: String },
    /// Both set a target-group annotation for the same Service, to
    /// different values.
    Annotation {
        service: String,
        annotation: &'static str,
        first: String,
        second: String,
    },
}

/// Two members of the ALB's IngressGroup that conflict: the controller
/// errors for the whole group and applies no update. Fact sheet §28.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupConflict {
    /// The group's label ([`group_label`]).
    pub group: String,
    /// The two Ingresses' ids, in group order.
    pub first: String,
    pub second: String,
    pub on: ConflictOn,
}

impl GroupConflict {
    /// The controller's error, in a sentence.
    pub fn message(&self) -> String {
        let what = match &self.on {
            ConflictOn::DefaultBackend { first, second } => {
                format!("default backends {first} and {second} (one default backend per group)")
            }
            ConflictOn::Annotation {
                service,
                annotation,
                first,
                second,
            } => format!(
                "alb.ingress.kubernetes.io/{annotation} for Service {service}: {first} and {second}"
            ),
        };
        format!(
            "IngressGroup {}: Ingresses {} and {} conflict on {what}, so the AWS Load Balancer Controller errors for the whole group and applies no update (the ALB keeps the rules it had; fact sheet §28)",
            self.group, self.first, self.second
        )
    }
}

/// The first conflict between two members of the ALB's IngressGroup, in
/// group order; none when they agree.
pub fn group_conflict(c: &Cluster) -> Option<GroupConflict> {
    let members = alb_group(c);
    let conflict = |a: &Ingress, b: &Ingress, on| GroupConflict {
        group: group_label(c),
        first: a.id.clone(),
        second: b.id.clone(),
        on,
    };
    for (i, a) in members.iter().enumerate() {
        for b in &members[i + 1..] {
            if let (Some(x), Some(y)) = (&a.default_backend, &b.default_backend) {
                if x != y {
                    let on = ConflictOn::DefaultBackend {
                        first: x.clone(),
                        second: y.clone(),
                    };
                    return Some(conflict(a, b, on));
                }
            }
            let shared: Vec<&str> = services_of(a)
                .into_iter()
                .filter(|s| services_of(b).contains(s))
                .collect();
            let Some(service) = shared.first() else {
                continue;
            };
            for ((name, x), (_, y)) in tg_annotations(a).into_iter().zip(tg_annotations(b)) {
                if let (Some(x), Some(y)) = (x, y) {
                    if x != y {
                        let on = ConflictOn::Annotation {
                            service: service.to_string(),
                            annotation: name,
                            first: x,
                            second: y,
                        };
                        return Some(conflict(a, b, on));
                    }
                }
            }
        }
    }
    None
}

/// The group's default backend and the Ingress that names it: the first
/// member (in group order) with one. While the group is in conflict the
/// controller changes nothing, and Hoplab keeps the first Ingress's.
/// Fact sheet §13, §28.
pub fn group_default_backend(c: &Cluster) -> Option<(&Ingress, &str)> {
    if c.more_ingresses.is_empty() {
        let i = &c.ingress;
        return i.default_backend.as_deref().map(|b| (i, b));
    }
    let of = |i: &'_ Ingress| i.default_backend.is_some();
    let ing = if group_conflict(c).is_some() {
        Some(&c.ingress).filter(|i| of(i))
    } else {
        alb_group(c).into_iter().find(|i| of(i))
    };
    ing.and_then(|i| i.default_backend.as_deref().map(|b| (i, b)))
}

/// Where an Ingress sits in the scenario file, for notes.
fn ingress_field(c: &Cluster, id: &str) -> String {
    match c.more_ingresses.iter().position(|i| i.id == id) {
        Some(n) => format!("cluster.more_ingresses[{n}]"),
        None => "cluster.ingress".to_string(),
    }
}

/// The controller in one region, over the ALB's IngressGroup: nothing
/// when two members conflict (a note says which and on what); otherwise
/// target groups first (each member's annotations on the groups of the
/// Services it routes to), then the rules it owns, dropped and written
/// again member by member in group order, each member's in its own order,
/// at the lowest priorities the hand-made rules leave. Fact sheet §28.
pub fn reconcile_region(p: &str, r: &mut Region, notes: &mut Vec<String>) {
    if let Some(c) = group_conflict(&r.cluster) {
        notes.push(format!("{p}.cluster: {}", c.message()));
        return;
    }
    let members: Vec<Ingress> = alb_group(&r.cluster).into_iter().cloned().collect();
    let first = r.cluster.ingress.id.clone();
    for ing in &members {
        annotate_target_groups(p, r, ing, notes);
    }
    let mut written: Vec<ListenerRule> = Vec::new();
    for ing in &members {
        // Paths whose Service no target group registers get no rule.
        for x in &ing.rules {
            if group_of(r, &x.service).is_none() {
                notes.push(format!(
                    "{p}.{}: path {} ({:?}) routes to Service {}, which no target group on {} registers, so the controller writes no listener rule for it (it would need a TargetGroupBinding; fact sheet §14)",
                    ingress_field(&r.cluster, &ing.id), x.path, x.path_type, x.service, r.alb.id
                ));
            }
        }
        let mut routable = ing.clone();
        routable.rules.retain(|x| group_of(r, &x.service).is_some());
        let tg_of = |svc: &str| group_of(r, svc).map(|t| t.id.clone()).unwrap_or_default();
        for mut rule in lbc_listener_rules(&routable, &tg_of) {
            if ing.id != first {
                rule.from_ingress = ing.id.clone();
            }
            written.push(rule);
        }
    }
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
        let show = |rs: &[ListenerRule]| {
            let mut mine: Vec<&ListenerRule> = rs
                .iter()
                .filter(|x| !x.from_ingress_path.is_empty())
                .collect();
            mine.sort_by_key(|x| x.priority);
            let v: Vec<String> = mine
                .iter()
                .map(|x| {
                    if x.from_ingress.is_empty() {
                        format!("{} {}", x.priority, x.from_ingress_path)
                    } else {
                        format!(
                            "{} {} of {}",
                            x.priority, x.from_ingress_path, x.from_ingress
                        )
                    }
                })
                .collect();
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let from = if members.len() == 1 {
            format!("Ingress '{}'", members[0].name)
        } else {
            let names: Vec<String> = members.iter().map(|m| format!("'{}'", m.name)).collect();
            format!(
                "IngressGroup '{}' (Ingresses {})",
                group_label(&r.cluster),
                names.join(", ")
            )
        };
        notes.push(format!(
            "{p}.alb.listener.rules: the controller's rules ({}) read as ({}) from {from} ({RECONCILED})",
            show(&old),
            show(rules),
        ));
    }
}

/// One member's annotations on the target groups of the Services it
/// routes to, a note per value changed.
fn annotate_target_groups(p: &str, r: &mut Region, ing: &Ingress, notes: &mut Vec<String>) {
    let a = &ing.annotations;
    let services = services_of(ing);
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
}
