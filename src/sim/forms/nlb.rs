//! The Network Load Balancer's settings forms: cross-zone and security
//! groups, listeners (add, remove, a TCP listener's idle timeout), each
//! target group's settings (health-check interval and thresholds among
//! them), and adding or removing the NLB. Fact sheet §9, §8, §26.

use super::{choice, field, form, Form, Input};
use crate::sim::limits::{HEALTH_INTERVAL_S, HEALTH_THRESHOLDS};
use crate::sim::scenario::{Nlb, NlbListener, NlbProtocol, NlbTargetGroup, Region, TargetType};

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// The form that adds region `r`'s NLB, offered beside its ALB's.
pub(super) fn add_nlb(r: &Region) -> Form {
    let mut f = form(
        format!("add-nlb-{}", r.id),
        "Add a Network Load Balancer",
        "§9",
        "add_nlb",
        vec![("region", r.id.clone())],
        vec![],
    );
    f.submit = "Add";
    f
}

/// Every form of one NLB.
pub(super) fn nlb_forms(n: &Nlb) -> Vec<Form> {
    let fixed = || vec![("nlb", n.id.clone())];
    let mut out = vec![form(
        format!("nlb-{}", n.id),
        "Cross-zone load balancing and security groups",
        "§9, §11",
        "set_nlb",
        fixed(),
        vec![
            field(
                "cross_zone",
                "cross-zone load balancing",
                choice(&["off", "on"]),
                on_off(n.cross_zone),
            ),
            field(
                "security_groups",
                "security groups (ids, commas between; - for none)",
                Input::Text("sg-alb-a"),
                if n.security_groups.is_empty() {
                    "-".to_string()
                } else {
                    n.security_groups.join(", ")
                },
            ),
        ],
    )];
    out[0].only_changed = true;
    let groups: Vec<&str> = n.target_groups.iter().map(|t| t.id.as_str()).collect();
    let mut add = form(
        format!("add-listener-{}", n.id),
        "Add a listener",
        "§9",
        "add_nlb_listener",
        fixed(),
        vec![
            field(
                "protocol",
                "protocol",
                choice(&NlbProtocol::ALL.map(|p| p.as_str())),
                "TCP",
            ),
            field(
                "port",
                "port (1-65,535)",
                Input::Number {
                    min: 1,
                    max: 65_535,
                },
                "",
            ),
            field(
                "target_group",
                "target group",
                choice(&groups),
                groups.first().copied().unwrap_or_default(),
            ),
            field(
                "certificate",
                "certificate domains (TLS only)",
                Input::Text("*.healthcareapp.com"),
                "",
            ),
        ],
    );
    add.submit = "Add";
    out.push(add);
    for l in &n.listeners {
        out.extend(listener_forms(n, l));
    }
    out.extend(n.target_groups.iter().map(target_group_form));
    let mut rm = form(
        format!("remove-{}", n.id),
        "Remove this Network Load Balancer",
        "§9",
        "remove_nlb",
        fixed(),
        vec![],
    );
    rm.submit = "Remove";
    out.push(rm);
    out
}

/// A listener's forms: its idle timeout (TCP only) and its removal.
fn listener_forms(n: &Nlb, l: &NlbListener) -> Vec<Form> {
    let mut out = Vec::new();
    if l.protocol == NlbProtocol::Tcp {
        out.push(form(
            format!("idle-{}-{}", n.id, l.port),
            format!("TCP {} idle timeout", l.port),
            "§9, §26",
            "set_nlb_idle_timeout",
            vec![("nlb", n.id.clone()), ("port", l.port.to_string())],
            vec![field(
                "seconds",
                "seconds (60-6,000)",
                Input::Number {
                    min: 60,
                    max: 6_000,
                },
                l.idle_timeout(),
            )],
        ));
    }
    let mut rm = form(
        format!("remove-listener-{}-{}", n.id, l.port),
        format!("Remove listener {} {}", l.protocol.as_str(), l.port),
        "§9",
        "remove_nlb_listener",
        vec![("nlb", n.id.clone()), ("port", l.port.to_string())],
        vec![],
    );
    rm.submit = "Remove";
    out.push(rm);
    out
}

/// The settings form of one target group.
fn target_group_form(tg: &NlbTargetGroup) -> Form {
    let mut f = form(
        format!("tg-{}", tg.id),
        format!("Target group {}", tg.id),
        "§9",
        "set_nlb_target_group",
        vec![("target_group", tg.id.clone())],
        vec![
            field(
                "target_type",
                "target type",
                choice(&["ip", "instance"]),
                match tg.target_type {
                    TargetType::Ip => "ip",
                    TargetType::Instance => "instance",
                },
            ),
            field(
                "preserve_client_ip",
                "client IP preservation",
                choice(&["default", "on", "off"]),
                tg.preserve_client_ip.map_or("default", on_off),
            ),
            field(
                "port",
                "port",
                Input::Number {
                    min: 1,
                    max: 65_535,
                },
                tg.port,
            ),
            field(
                "protocol",
                "protocol",
                choice(&NlbProtocol::ALL.map(|p| p.as_str())),
                tg.protocol.as_str(),
            ),
            field(
                "health_protocol",
                "health check protocol",
                choice(&["TCP", "HTTP", "HTTPS"]),
                tg.health_protocol.as_str(),
            ),
            field(
                "health_path",
                "health check path",
                Input::Text("/healthz"),
                &tg.health_path,
            ),
            field(
                "health_interval_s",
                "health check interval (s)",
                Input::Number {
                    min: *HEALTH_INTERVAL_S.start(),
                    max: *HEALTH_INTERVAL_S.end(),
                },
                tg.health_interval_s,
            ),
            field(
                "healthy_threshold",
                "healthy threshold (passed checks)",
                Input::Number {
                    min: *HEALTH_THRESHOLDS.start(),
                    max: *HEALTH_THRESHOLDS.end(),
                },
                tg.healthy_threshold,
            ),
            field(
                "unhealthy_threshold",
                "unhealthy threshold (failed checks)",
                Input::Number {
                    min: *HEALTH_THRESHOLDS.start(),
                    max: *HEALTH_THRESHOLDS.end(),
                },
                tg.unhealthy_threshold,
            ),
        ],
    );
    f.only_changed = true;
    f
}

#[cfg(test)]
mod tests {
    use crate::sim::edit::Edit;
    use crate::sim::world::World;

    /// Fact sheet §9: the NLB's forms build the edits a script writes, and
    /// a form submitted unchanged changes nothing.
    #[test]
    fn the_nlb_forms_turn_into_its_edits() {
        let mut w = World::default_world();
        let add = super::super::forms(&w, "alb-a")
            .into_iter()
            .find(|f| f.kind == "add_nlb")
            .expect("the ALB offers to add an NLB");
        w.apply_edit(&add.edit(&[]).unwrap()).unwrap();
        let forms = super::super::forms(&w, "nlb-a");
        assert!(!super::super::forms(&w, "alb-a")
            .iter()
            .any(|f| f.kind == "add_nlb"));
        let set = forms.iter().find(|f| f.kind == "set_nlb").unwrap();
        let mut v = set.values();
        v[0] = "on".into();
        let e = set.edit(&v).unwrap();
        assert_eq!(
            e,
            Edit::SetNlb {
                nlb: "nlb-a".into(),
                cross_zone: "on".into(),
                security_groups: String::new()
            }
        );
        w.apply_edit(&e).unwrap();
        let tg = forms
            .iter()
            .find(|f| f.kind == "set_nlb_target_group")
            .unwrap();
        let before = w.scenario().clone();
        w.apply_edit(&tg.edit(&tg.values()).unwrap()).unwrap();
        assert_eq!(w.scenario(), &before);
        let idle = forms
            .iter()
            .find(|f| f.kind == "set_nlb_idle_timeout")
            .unwrap();
        assert_eq!(idle.values(), vec!["350".to_string()]);
    }
}
