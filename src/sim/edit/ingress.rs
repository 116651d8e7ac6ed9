//! Ingress edits: add and remove a path, add and remove an Ingress. The
//! AWS Load Balancer Controller then rewrites the listener rules it owns
//! from the ALB's IngressGroup (members by `group.order`, each member's
//! Exact paths first, then longer prefixes; fact sheet §13, §14, §19.12,
//! §28), so the trace's Ingress hop and its listener rule always agree.

use super::waf::ranged;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::scenario::{Ingress, IngressAnnotations, IngressPath, PathType, Region, Scenario};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddIngressPath {
            ingress,
            path,
            path_type,
            service,
            port,
        } => format!("{ingress}: add path {path} ({path_type}) to {service}:{port}"),
        Edit::RemoveIngressPath {
            ingress,
            path,
            path_type,
        } => format!("{ingress}: delete path {path} ({path_type})"),
        Edit::AddIngress {
            region,
            id,
            name,
            group_name,
            group_order,
        } => {
            let group = if group_name.trim().is_empty() {
                String::new()
            } else if group_order.trim().is_empty() {
                format!(" in group {}", clip(group_name.trim()))
            } else {
                format!(
                    " in group {}, order {}",
                    clip(group_name.trim()),
                    clip(group_order.trim())
                )
            };
            format!(
                "{}: add Ingress {} ({}){group}",
                clip(region),
                clip(id.trim()),
                clip(name.trim())
            )
        }
        Edit::RemoveIngress { ingress } => format!("delete Ingress {}", clip(ingress)),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddIngressPath {
            ingress,
            path,
            path_type,
            service,
            port,
        } => {
            let r = find_region(s, ingress)?;
            let ing = r.cluster.ingress_by_id(ingress).expect("found by id");
            let p = IngressPath {
                host: None,
                path: parse_path(path)?,
                path_type: parse_path_type(path_type)?,
                service: service.trim().to_string(),
                port: ranged(port, "Service port", (1, 65_535), 14)? as u16,
            };
            if !r.cluster.services.iter().any(|x| x.id == p.service) {
                return Err(unknown(VpcPart::Service, &p.service));
            }
            if ing
                .rules
                .iter()
                .any(|x| x.host.is_none() && x.path == p.path && x.path_type == p.path_type)
            {
                return Err(EditError::Exists {
                    part: VpcPart::IngressPath,
                    id: format!("{} ({:?})", p.path, p.path_type),
                });
            }
            ingress_mut(r, ingress).rules.push(p);
            reconcile(r, ingress)
        }
        Edit::RemoveIngressPath {
            ingress,
            path,
            path_type,
        } => {
            let r = find_region(s, ingress)?;
            let t = parse_path_type(path_type)?;
            let ing = ingress_mut(r, ingress);
            let at = ing
                .rules
                .iter()
                .position(|x| x.path == path.trim() && x.path_type == t)
                .ok_or_else(|| {
                    unknown(VpcPart::IngressPath, &format!("{} ({t:?})", path.trim()))
                })?;
            ing.rules.remove(at);
            reconcile(r, ingress)
        }
        Edit::AddIngress {
            region,
            id,
            name,
            group_name,
            group_order,
        } => add_ingress(s, region, (id, name), (group_name, group_order)),
        Edit::RemoveIngress { ingress } => {
            let r = find_region(s, ingress)?;
            if r.cluster.ingress.id == *ingress {
                return Err(EditError::Invalid(format!(
                    "Ingress {} is the cluster's first Ingress, whose IngressGroup is {}'s: it stays (fact sheet §28)",
                    clip(ingress),
                    r.alb.id
                )));
            }
            r.cluster.more_ingresses.retain(|i| i.id != *ingress);
            reconcile(r, ingress)
        }
        _ => Ok(()),
    }
}

/// `add_ingress`: an Ingress with no paths, in an IngressGroup when
/// `group_name` is given. Fact sheet §28.
fn add_ingress(
    s: &mut Scenario,
    region: &str,
    (id, name): (&str, &str),
    (group_name, group_order): (&str, &str),
) -> Result<(), EditError> {
    let (id, name, group) = (id.trim(), name.trim(), group_name.trim());
    let r = s
        .regions
        .iter_mut()
        .find(|r| r.id == region)
        .ok_or_else(|| unknown(VpcPart::Region, region))?;
    if id.is_empty() {
        return Err(EditError::Parse("an Ingress needs an id".into()));
    }
    if !kubernetes_name(name) {
        return Err(EditError::Parse(format!(
            "Ingress name '{}' is not a Kubernetes name: 1-253 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit",
            clip(name)
        )));
    }
    if r.cluster.ingress_by_id(id).is_some() {
        return Err(EditError::Exists {
            part: VpcPart::Ingress,
            id: id.to_string(),
        });
    }
    if r.cluster.ingresses().any(|i| i.name == name) {
        return Err(EditError::Invalid(format!(
            "an Ingress named {name} is already in cluster {}: Kubernetes names each Ingress of a namespace once",
            r.cluster.name
        )));
    }
    let order = super::k8s::parse_group_order(group_order)?;
    if group.is_empty() && order.is_some() {
        return Err(EditError::Invalid(
            "group.order orders the members of an IngressGroup: give a group_name too (fact sheet §28)"
                .into(),
        ));
    }
    r.cluster.more_ingresses.push(Ingress {
        id: id.to_string(),
        name: name.to_string(),
        rules: Vec::new(),
        default_backend: None,
        annotations: IngressAnnotations {
            group_name: (!group.is_empty()).then(|| group.to_string()),
            group_order: order,
            ..Default::default()
        },
    });
    reconcile(r, id)
}

/// A Kubernetes object name (a DNS subdomain name).
fn kubernetes_name(n: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (1..=253).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && edge(n.chars().next())
        && edge(n.chars().last())
}

/// The region whose cluster has the Ingress `ingress`.
fn find_region<'a>(s: &'a mut Scenario, ingress: &str) -> Result<&'a mut Region, EditError> {
    s.regions
        .iter_mut()
        .find(|r| r.cluster.ingress_by_id(ingress).is_some())
        .ok_or_else(|| unknown(VpcPart::Ingress, ingress))
}

/// The Ingress `id` of a region found by [`find_region`].
fn ingress_mut<'a>(r: &'a mut Region, id: &str) -> &'a mut Ingress {
    r.cluster.ingress_by_id_mut(id).expect("found by id")
}

/// Exact or Prefix paths start with `/` and hold no wildcard. Fact sheet §13.
fn parse_path(text: &str) -> Result<String, EditError> {
    let t = text.trim();
    if !t.starts_with('/') {
        return Err(EditError::Parse(format!(
            "Ingress path '{}' must start with / (fact sheet §13)",
            clip(t)
        )));
    }
    if t.contains(['*', '?', ' ']) {
        return Err(EditError::Parse(format!(
            "Ingress path '{}': Exact and Prefix paths hold no wildcards or spaces (fact sheet §13)",
            clip(t)
        )));
    }
    Ok(t.to_string())
}

fn parse_path_type(text: &str) -> Result<PathType, EditError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "prefix" => Ok(PathType::Prefix),
        "exact" => Ok(PathType::Exact),
        _ => Err(EditError::Parse(format!(
            "'{}' is not a pathType Hoplab models: Prefix or Exact (ImplementationSpecific is up to the controller; fact sheet §13)",
            clip(text.trim())
        ))),
    }
}

/// The controller's part: drop the listener rules it wrote, write them
/// again from the ALB's IngressGroup, each forwarding to the target group
/// that registers its Service, at the lowest priorities no other rule
/// uses, in the controller's order. A path of the edited Ingress `edited`,
/// when it is on the ALB, needs a target group for its Service. While two
/// members conflict the controller changes nothing (`lbc`).
fn reconcile(r: &mut Region, edited: &str) -> Result<(), EditError> {
    let tgs: Vec<(String, String)> = r
        .alb
        .target_groups
        .iter()
        .map(|t| (t.service.clone(), t.id.clone()))
        .collect();
    let on_alb = crate::sim::lbc::on_alb(&r.cluster, edited);
    if let Some(p) = r
        .cluster
        .ingress_by_id(edited)
        .filter(|_| on_alb)
        .into_iter()
        .flat_map(|i| &i.rules)
        .find(|p| !tgs.iter().any(|(svc, _)| *svc == p.service))
    {
        return Err(EditError::Invalid(format!(
            "Service {} has no target group on {}: the controller would need a TargetGroupBinding for it",
            p.service, r.alb.id
        )));
    }
    if r.alb.ingress_managed {
        crate::sim::lbc::reconcile_region("", r, &mut Vec::new());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::alb::RuleOrigin;
    use crate::sim::event::app::AppEvent;
    use crate::sim::event::{AlbEvent, Event};
    use crate::sim::scenario::Condition;
    use crate::sim::{Request, World};

    fn add(path: &str, path_type: &str, service: &str) -> Edit {
        Edit::AddIngressPath {
            ingress: "ingress-a".into(),
            path: path.into(),
            path_type: path_type.into(),
            service: service.into(),
            port: "80".into(),
        }
    }

    fn get(path: &str) -> Request {
        Request::get("client-na", &format!("https://healthcareapp.com{path}"))
    }

    /// The matched listener rule's priority and origin, and the Ingress
    /// hop's spec path (if the request got that far).
    fn route(w: &mut World, req: &Request) -> (Option<(u32, RuleOrigin)>, Option<String>) {
        let t = w.send(req);
        let rule = t.hops.iter().find_map(|h| match &h.event {
            Event::Alb(AlbEvent::RuleMatch {
                priority, origin, ..
            }) => Some((*priority, origin.clone())),
            _ => None,
        });
        let spec = t.hops.iter().find_map(|h| match &h.event {
            Event::App(AppEvent::IngressMatch { spec, .. }) => {
                Some(spec.as_ref().map(|s| s.path.clone()).unwrap_or_default())
            }
            _ => None,
        });
        (rule, spec)
    }

    #[test]
    fn an_added_exact_path_becomes_the_controllers_first_listener_rule() {
        // Fact sheet §14, §19.12: Exact paths first, then longer prefixes.
        let mut w = World::default_world();
        w.apply_edit(&add("/api/appointments", "Exact", "svc-a"))
            .unwrap();
        let rules = &w.scenario().regions[0].alb.listener.rules;
        let order: Vec<(u32, &str)> = rules
            .iter()
            .map(|r| (r.priority, r.from_ingress_path.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                (1, "/api/appointments (Exact)"),
                (2, "/healthz (Exact)"),
                (3, "/api (Prefix)")
            ]
        );
        // The trace's rule and Ingress hop agree on the new path.
        let (rule, spec) = route(&mut w, &get("/api/appointments"));
        assert_eq!(
            rule,
            Some((
                1,
                RuleOrigin::Ingress {
                    ingress: "appointments".into(),
                    path: "/api/appointments (Exact)".into(),
                    group: None,
                    order: None,
                }
            ))
        );
        assert_eq!(spec.as_deref(), Some("/api/appointments"));
    }

    #[test]
    fn removing_the_api_path_leaves_the_request_to_the_default_rule() {
        // Fact sheet §8: no rule matches, the default action answers (404 here).
        let mut w = World::default_world();
        w.apply_edit(&Edit::RemoveIngressPath {
            ingress: "ingress-a".into(),
            path: "/api".into(),
            path_type: "Prefix".into(),
        })
        .unwrap();
        assert_eq!(w.scenario().regions[0].alb.listener.rules.len(), 1);
        let (rule, spec) = route(&mut w, &get("/api/appointments"));
        assert_eq!((rule, spec), (None, None));
        let t = w.send(&get("/api/appointments"));
        assert_eq!(t.outcome.status, Some(404));
        // Adding it back restores the controller's rule and the 200, once
        // CloudFront's cached 404 expires (error caching minimum TTL, §5).
        w.apply_edit(&add("/api", "Prefix", "svc-a")).unwrap();
        w.advance(11_000);
        assert_eq!(w.send(&get("/api/appointments")).outcome.status, Some(200));
    }

    #[test]
    fn the_controller_takes_the_lowest_priorities_the_load_balancers_own_rules_leave() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::AddListenerRule {
            alb: "alb-a".into(),
            priority: "3".into(),
            host: String::new(),
            path: "/maintenance".into(),
            method: String::new(),
            header: String::new(),
            action: "fixed_response".into(),
            target: String::new(),
            status: "503".into(),
            body: String::new(),
        })
        .unwrap();
        w.apply_edit(&add("/api/v2", "Prefix", "svc-a")).unwrap();
        let rules = &w.scenario().regions[0].alb.listener.rules;
        let order: Vec<(u32, &str)> = rules
            .iter()
            .map(|r| (r.priority, r.from_ingress_path.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                (1, "/healthz (Exact)"),
                (2, "/api/v2 (Prefix)"),
                (3, ""),
                (4, "/api (Prefix)")
            ]
        );
        assert!(matches!(
            &rules[1].conditions[0],
            Condition::PathPattern { values } if values == &["/api/v2", "/api/v2/*"]
        ));
    }

    #[test]
    fn ingress_edits_kubernetes_would_refuse_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let mut refuse = |e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(w, before, "{e:?} changed the world");
            err
        };
        assert_eq!(
            refuse(add("/x", "Prefix", "svc-nope")),
            EditError::Unknown {
                part: VpcPart::Service,
                id: "svc-nope".into()
            }
        );
        // svc-b is region B's, not this cluster's.
        assert!(matches!(
            refuse(add("/x", "Prefix", "svc-b")),
            EditError::Unknown {
                part: VpcPart::Service,
                ..
            }
        ));
        assert!(matches!(
            refuse(add("/api", "Prefix", "svc-a")),
            EditError::Exists {
                part: VpcPart::IngressPath,
                ..
            }
        ));
        assert!(matches!(
            refuse(add("api", "Prefix", "svc-a")),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(add("/api/*", "Prefix", "svc-a")),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(add("/x", "ImplementationSpecific", "svc-a")),
            EditError::Parse(_)
        ));
        // The Service listens on 80 (fact sheet §14).
        let mut wrong_port = add("/x", "Prefix", "svc-a");
        if let Edit::AddIngressPath { port, .. } = &mut wrong_port {
            *port = "8080".into();
        }
        assert!(matches!(refuse(wrong_port), EditError::Invalid(_)));
        assert_eq!(
            refuse(Edit::RemoveIngressPath {
                ingress: "ingress-a".into(),
                path: "/api".into(),
                path_type: "Exact".into(),
            })
            .to_string(),
            "no Ingress path /api (Exact)"
        );
        assert_eq!(
            refuse(add("/x", "Prefix", "svc-a").clone_for("ingress-z")).to_string(),
            "no Ingress ingress-z"
        );
    }

    impl Edit {
        fn clone_for(&self, id: &str) -> Edit {
            let mut e = self.clone();
            if let Edit::AddIngressPath { ingress, .. } = &mut e {
                *ingress = id.into();
            }
            e
        }
    }
}
