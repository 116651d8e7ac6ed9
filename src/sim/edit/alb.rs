//! ALB edits: create, change and delete listener rules (the default rule
//! stays); create and delete target groups (none deleted while a rule
//! forwards to it), and a group's algorithm, stickiness and health check.
//! Fact sheet §8.
//!
//! A rule the load balancer controller wrote from the Ingress becomes the
//! load balancer's own once changed here (the trace then says so); an
//! Ingress edit rewrites only the rules the controller still owns.

use super::waf::{list, number, ranged};
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::{
    HEALTH_INTERVAL_S, HEALTH_THRESHOLDS, LISTENER_PRIORITIES, NODE_PORTS, REDIRECT_STATUSES,
    STICKINESS_S,
};
use crate::sim::scenario::{
    Alb, AlbAction, Algorithm, Condition, ListenerRule, Scenario, TargetGroup, TargetType,
};
use crate::sim::text::clip;

/// The longest health-check path AWS accepts.
const MAX_HEALTH_PATH: usize = 1024;

/// What the default rule keeps. Fact sheet §8 "Listener rules".
const DEFAULT_RULE: &str = "cannot be deleted or given conditions or a priority: it has none and is evaluated last (fact sheet §8)";

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddListenerRule {
            alb,
            priority,
            action,
            ..
        } => format!("{alb}: add listener rule {priority} ({action})"),
        Edit::ChangeListenerRule {
            alb,
            rule,
            priority,
            action,
            ..
        } => format!("{alb}: change listener rule {rule} to {priority} ({action})"),
        Edit::RemoveListenerRule { alb, priority } => {
            format!("{alb}: delete listener rule {priority}")
        }
        Edit::SetTargetGroup {
            target_group,
            algorithm,
            stickiness_s,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => format!(
            "{target_group}: {algorithm}, stickiness {stickiness_s}, health check {health_path} every {health_interval_s} s ({healthy_threshold}/{unhealthy_threshold})"
        ),
        Edit::CreateTargetGroup {
            id,
            alb,
            port,
            target_type,
            ..
        } => format!(
            "{alb}: create target group {} ({}, port {})",
            clip(id.trim()),
            clip(target_type.trim()),
            clip(port.trim())
        ),
        Edit::DeleteTargetGroup { id } => format!("delete target group {}", clip(id.trim())),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddListenerRule {
            alb,
            priority,
            host,
            path,
            method,
            header,
            action,
            target,
            status,
            body,
        } => {
            let lb = find_alb(s, alb)?;
            let rule = ListenerRule {
                priority: priority_of(priority)?,
                conditions: conditions(host, path, method, header)?,
                action: parse_action(lb, action, target, status, body)?,
                from_ingress_path: String::new(),
                from_ingress: String::new(),
            };
            free_priority(lb, rule.priority, None)?;
            lb.listener.rules.push(rule);
            lb.listener.rules.sort_by_key(|r| r.priority);
            Ok(())
        }
        Edit::ChangeListenerRule {
            alb,
            rule,
            priority,
            host,
            path,
            method,
            header,
            action,
            target,
            status,
            body,
        } => {
            let lb = find_alb(s, alb)?;
            let at = rule_at(lb, rule)?;
            let new = ListenerRule {
                priority: priority_of(priority)?,
                conditions: conditions(host, path, method, header)?,
                action: parse_action(lb, action, target, status, body)?,
                from_ingress_path: String::new(),
                from_ingress: String::new(),
            };
            free_priority(lb, new.priority, Some(at))?;
            lb.listener.rules[at] = new;
            lb.listener.rules.sort_by_key(|r| r.priority);
            Ok(())
        }
        Edit::RemoveListenerRule { alb, priority } => {
            let lb = find_alb(s, alb)?;
            let at = rule_at(lb, priority)?;
            lb.listener.rules.remove(at);
            Ok(())
        }
        Edit::SetTargetGroup {
            target_group,
            algorithm,
            stickiness_s,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => {
            let tg = find_tg(s, target_group)?;
            let range = |r: &std::ops::RangeInclusive<u32>| (*r.start() as u64, *r.end() as u64);
            let new = TargetGroup {
                algorithm: parse_algorithm(algorithm)?,
                stickiness_s: match stickiness_s.trim().to_ascii_lowercase().as_str() {
                    "" | "off" | "none" => None,
                    t => Some(ranged(
                        t,
                        "stickiness duration (s)",
                        range(&STICKINESS_S),
                        8,
                    )?),
                },
                health_path: parse_health_path(health_path)?,
                health_interval_s: ranged(
                    health_interval_s,
                    "health check interval (s)",
                    range(&HEALTH_INTERVAL_S),
                    8,
                )?,
                healthy_threshold: ranged(
                    healthy_threshold,
                    "healthy threshold",
                    range(&HEALTH_THRESHOLDS),
                    8,
                )?,
                unhealthy_threshold: ranged(
                    unhealthy_threshold,
                    "unhealthy threshold",
                    range(&HEALTH_THRESHOLDS),
                    8,
                )?,
                ..tg.clone()
            };
            *tg = new;
            Ok(())
        }
        Edit::CreateTargetGroup {
            id,
            alb,
            port,
            target_type,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => create_target_group(
            s,
            (id, alb, port, target_type),
            [
                health_path,
                health_interval_s,
                healthy_threshold,
                unhealthy_threshold,
            ],
        ),
        Edit::DeleteTargetGroup { id } => delete_target_group(s, id.trim()),
        _ => Ok(()),
    }
}

/// A typed number in a range, or `default` when nothing was typed.
fn or_default(
    text: &str,
    default: u32,
    what: &'static str,
    r: &std::ops::RangeInclusive<u32>,
) -> Result<u32, EditError> {
    if text.trim().is_empty() {
        return Ok(default);
    }
    ranged(text, what, (*r.start() as u64, *r.end() as u64), 8)
}

/// A new group on a load balancer, with AWS's health-check defaults for
/// whatever is left empty (`/`, 30 s, 5, 2; fact sheet §8). No Service is
/// bound to it: the controller registers pods only in the groups it builds
/// from the Ingress, so the group starts with no registered targets.
fn create_target_group(
    s: &mut Scenario,
    (id, alb, port, target_type): (&str, &str, &str, &str),
    [path, interval, healthy, unhealthy]: [&str; 4],
) -> Result<(), EditError> {
    let id = super::routes::new_id(id, "target group")?;
    find_alb(s, alb.trim())?;
    let target_type = match target_type.trim().to_ascii_lowercase().as_str() {
        "ip" => TargetType::Ip,
        "instance" => TargetType::Instance,
        t => {
            return Err(EditError::Parse(format!(
                "'{}' is not a target type here: ip (pod addresses) or instance (the worker nodes on a NodePort) (fact sheet §8, §14)",
                clip(t)
            )))
        }
    };
    let port = match target_type {
        TargetType::Ip => ranged(port, "port", (1, 65_535), 8)?,
        // Instance targets are the worker nodes on a NodePort. Fact sheet §14.
        TargetType::Instance => ranged(
            port,
            "NodePort",
            (*NODE_PORTS.start() as u64, *NODE_PORTS.end() as u64),
            14,
        )?,
    };
    // In range above, so it fits a port number.
    let port = u16::try_from(port).unwrap_or(u16::MAX);
    let health_path = if path.trim().is_empty() {
        "/".to_string()
    } else {
        parse_health_path(path)?
    };
    let tg = TargetGroup {
        id: id.clone(),
        port,
        service: String::new(),
        health_path,
        health_interval_s: or_default(
            interval,
            30,
            "health check interval (s)",
            &HEALTH_INTERVAL_S,
        )?,
        healthy_threshold: or_default(healthy, 5, "healthy threshold", &HEALTH_THRESHOLDS)?,
        unhealthy_threshold: or_default(unhealthy, 2, "unhealthy threshold", &HEALTH_THRESHOLDS)?,
        health_timeout_s: 5,
        target_type,
        node_port: if target_type == TargetType::Instance {
            port
        } else {
            30_080
        },
        algorithm: Algorithm::RoundRobin,
        stickiness_s: None,
        deregistration_delay_s: 300,
        slow_start_s: 0,
        cross_zone: true,
        health_protocol: crate::sim::scenario::HealthProtocol::Http,
        health_port: None,
        matcher: crate::sim::limits::ALB_HC_DEFAULT_MATCHER.into(),
    };
    if s.regions
        .iter()
        .any(|r| r.alb.target_groups.iter().any(|t| t.id == id))
    {
        return Err(EditError::Exists {
            part: VpcPart::TargetGroup,
            id,
        });
    }
    let lb = find_alb(s, alb.trim())?;
    lb.target_groups.push(tg);
    Ok(())
}

/// Delete a group no listener rule forwards to (fact sheet §8: a rule's
/// forward action names its groups). The listener's default rule
/// forwards to the Ingress default backend's group, if there is one.
fn delete_target_group(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let r = s
        .regions
        .iter_mut()
        .find(|r| r.alb.target_groups.iter().any(|t| t.id == id))
        .ok_or_else(|| unknown(VpcPart::TargetGroup, id))?;
    let lb = &r.alb;
    let forwards = |a: &AlbAction| match a {
        AlbAction::Forward { target_group } => target_group == id,
        AlbAction::WeightedForward { groups } => groups.iter().any(|g| g.target_group == id),
        _ => false,
    };
    let in_use = |rule: String| EditError::TargetGroupInUse {
        target_group: id.to_string(),
        alb: lb.id.clone(),
        rule,
    };
    if let Some(rule) = lb.listener.rules.iter().find(|r| forwards(&r.action)) {
        return Err(in_use(if rule.from_ingress_path.is_empty() {
            rule.priority.to_string()
        } else {
            format!(
                "{} (from Ingress path {})",
                rule.priority, rule.from_ingress_path
            )
        }));
    }
    let default_backend = crate::sim::lbc::group_default_backend(&r.cluster).map(|(_, b)| b);
    let tg_service = lb
        .target_groups
        .iter()
        .find(|t| t.id == id)
        .map(|t| &t.service);
    if default_backend.is_some() && tg_service.map(String::as_str) == default_backend {
        // The first group of that Service is the default rule's.
        let first = lb
            .target_groups
            .iter()
            .find(|t| Some(t.service.as_str()) == default_backend)
            .map(|t| t.id.as_str());
        if first == Some(id) {
            return Err(in_use("default (the Ingress default backend)".into()));
        }
    }
    r.alb.target_groups.retain(|t| t.id != id);
    Ok(())
}

fn find_alb<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Alb, EditError> {
    s.regions
        .iter_mut()
        .map(|r| &mut r.alb)
        .find(|a| a.id == id)
        .ok_or_else(|| unknown(VpcPart::LoadBalancer, id))
}

pub(super) fn find_tg<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut TargetGroup, EditError> {
    s.regions
        .iter_mut()
        .flat_map(|r| r.alb.target_groups.iter_mut())
        .find(|t| t.id == id)
        .ok_or_else(|| unknown(VpcPart::TargetGroup, id))
}

fn is_default(text: &str) -> bool {
    let t = text.trim();
    t.eq_ignore_ascii_case("default") || t == "0"
}

/// The rule at a typed priority; `default` (or 0, as access logs write
/// it) is the default rule, which cannot be edited this way.
fn rule_at(lb: &Alb, text: &str) -> Result<usize, EditError> {
    if is_default(text) {
        return Err(EditError::DefaultKept {
            part: VpcPart::ListenerRule,
            why: DEFAULT_RULE,
        });
    }
    let p = number(text, "listener rule priority")?;
    lb.listener
        .rules
        .iter()
        .position(|r| r.priority as u64 == p)
        .ok_or_else(|| unknown(VpcPart::ListenerRule, &format!("{} in {}", p, lb.id)))
}

/// A priority 1-50000. Fact sheet §8.
fn priority_of(text: &str) -> Result<u32, EditError> {
    if is_default(text) {
        return Err(EditError::DefaultKept {
            part: VpcPart::ListenerRule,
            why: DEFAULT_RULE,
        });
    }
    let r = &LISTENER_PRIORITIES;
    ranged(
        text,
        "listener rule priority",
        (*r.start() as u64, *r.end() as u64),
        8,
    )
}

fn free_priority(lb: &Alb, priority: u32, except: Option<usize>) -> Result<(), EditError> {
    match lb
        .listener
        .rules
        .iter()
        .enumerate()
        .find(|(i, r)| r.priority == priority && Some(*i) != except)
    {
        Some((_, r)) => Err(EditError::PriorityTaken {
            part: VpcPart::ListenerRule,
            owner: lb.id.clone(),
            priority,
            by: if r.from_ingress_path.is_empty() {
                format!("{priority}")
            } else {
                format!("{priority} (from Ingress path {})", r.from_ingress_path)
            },
        }),
        None => Ok(()),
    }
}

/// The conditions typed in four fields; at least one. Counts and values
/// are checked with the whole scenario (fact sheet §8 quotas).
fn conditions(
    host: &str,
    path: &str,
    method: &str,
    header: &str,
) -> Result<Vec<Condition>, EditError> {
    let owned = |t: &str| list(t).into_iter().map(String::from).collect::<Vec<_>>();
    let mut out = Vec::new();
    if !host.trim().is_empty() {
        out.push(Condition::HostHeader {
            values: owned(host),
        });
    }
    if !path.trim().is_empty() {
        let values = owned(path);
        if let Some(v) = values
            .iter()
            .find(|v| !v.starts_with('/') && !v.starts_with('*'))
        {
            return Err(EditError::Parse(format!(
                "path pattern '{}' must start with / (or a wildcard)",
                clip(v)
            )));
        }
        out.push(Condition::PathPattern { values });
    }
    if !method.trim().is_empty() {
        let values = owned(method);
        if let Some(v) = values.iter().find(|v| {
            !v.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
        }) {
            return Err(EditError::Parse(format!(
                "'{}' is not a method the ALB matches: methods are case-sensitive and exact, e.g. GET or POST (fact sheet §8)",
                clip(v)
            )));
        }
        out.push(Condition::HttpRequestMethod { values });
    }
    if !header.trim().is_empty() {
        let Some((name, values)) = header.split_once(':') else {
            return Err(EditError::Parse(format!(
                "header condition '{}' needs a name and values: Name: value1, value2",
                clip(header.trim())
            )));
        };
        let name = name.trim();
        if name.is_empty() || name.contains(['*', '?', ' ']) {
            return Err(EditError::Parse(format!(
                "'{}' is not a header name (no spaces or wildcards; fact sheet §8)",
                clip(name)
            )));
        }
        out.push(Condition::HttpHeader {
            name: name.to_string(),
            values: owned(values),
        });
    }
    if out.is_empty() {
        return Err(EditError::Parse(
            "a listener rule needs at least one condition: only the default rule has none (fact sheet §8)"
                .into(),
        ));
    }
    Ok(out)
}

fn parse_action(
    lb: &Alb,
    action: &str,
    target: &str,
    status: &str,
    body: &str,
) -> Result<AlbAction, EditError> {
    match action
        .trim()
        .to_ascii_lowercase()
        .replace('-', "_")
        .as_str()
    {
        "forward" => {
            let t = target.trim();
            if !lb.target_groups.iter().any(|g| g.id == t) {
                return Err(unknown(VpcPart::TargetGroup, t));
            }
            Ok(AlbAction::Forward {
                target_group: t.to_string(),
            })
        }
        "redirect" => {
            let status = if status.trim().is_empty() {
                301
            } else {
                number(status, "redirect status")?
            };
            if !REDIRECT_STATUSES.iter().any(|s| *s as u64 == status) {
                return Err(EditError::Parse(format!(
                    "a redirect answers 301 or 302, not {status} (fact sheet §8)"
                )));
            }
            let (host, path) = redirect_target(target)?;
            Ok(AlbAction::Redirect {
                status: status as u16,
                protocol: None,
                host,
                port: None,
                path,
            })
        }
        "fixed_response" | "fixed" => {
            let status = ranged(status, "fixed response status", (200, 599), 8)?;
            Ok(AlbAction::FixedResponse {
                status: status as u16,
                body: body.to_string(),
            })
        }
        _ => Err(EditError::Parse(format!(
            "'{}' is not a listener action: forward, redirect or fixed_response (fact sheet §8)",
            clip(action.trim())
        ))),
    }
}

/// `/path` keeps the host; `https://host/path` changes both. HTTPS to
/// HTTP is not allowed (fact sheet §8).
fn redirect_target(text: &str) -> Result<(Option<String>, Option<String>), EditError> {
    let t = text.trim();
    if t.starts_with('/') {
        return Ok((None, Some(t.to_string())));
    }
    if t.to_ascii_lowercase().starts_with("http://") {
        return Err(EditError::Parse(
            "an HTTPS listener cannot redirect to HTTP (fact sheet §8)".into(),
        ));
    }
    let Some(rest) = t.strip_prefix("https://") else {
        return Err(EditError::Parse(format!(
            "redirect target '{}' is not /path or https://host/path",
            clip(t)
        )));
    };
    let (host, path) = match rest.split_once('/') {
        Some((h, p)) => (h, Some(format!("/{p}"))),
        None => (rest, None),
    };
    if host.is_empty() || !host.contains('.') || host.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not a host name to redirect to",
            clip(host)
        )));
    }
    Ok((Some(host.to_string()), path))
}

fn parse_algorithm(text: &str) -> Result<Algorithm, EditError> {
    match text.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
        "round_robin" => Ok(Algorithm::RoundRobin),
        "least_outstanding_requests" => Ok(Algorithm::LeastOutstandingRequests),
        "weighted_random" => Ok(Algorithm::WeightedRandom),
        _ => Err(EditError::Parse(format!(
            "'{}' is not a routing algorithm: round_robin, least_outstanding_requests or weighted_random (fact sheet §8)",
            clip(text.trim())
        ))),
    }
}

pub(super) fn parse_health_path(text: &str) -> Result<String, EditError> {
    let t = text.trim();
    if !t.starts_with('/') || t.len() > MAX_HEALTH_PATH || t.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "health check path '{}' must start with / and hold no spaces (at most 1024 characters)",
            clip(t)
        )));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::alb::{AlbError, ListenerAction, NoTargets, RuleOrigin};
    use crate::sim::event::{AlbEvent, Event};
    use crate::sim::{Request, World};

    fn get(path: &str) -> Request {
        Request::get("client-na", &format!("https://healthcareapp.com{path}"))
    }

    /// The listener rule that matched, as (priority, action, origin).
    fn matched(w: &mut World, req: &Request) -> Option<(u32, ListenerAction, RuleOrigin)> {
        w.send(req).hops.iter().find_map(|h| match &h.event {
            Event::Alb(AlbEvent::RuleMatch {
                priority,
                action,
                origin,
                ..
            }) => Some((*priority, action.clone(), origin.clone())),
            _ => None,
        })
    }

    fn fixed(priority: &str, path: &str, status: &str) -> Edit {
        Edit::AddListenerRule {
            alb: "alb-a".into(),
            priority: priority.into(),
            host: String::new(),
            path: path.into(),
            method: String::new(),
            header: String::new(),
            action: "fixed_response".into(),
            target: String::new(),
            status: status.into(),
            body: "closed for maintenance".into(),
        }
    }

    #[test]
    fn a_fixed_response_rule_at_a_higher_priority_answers_before_forwarding() {
        // Fact sheet §8: lowest priority number first, first match wins.
        let mut w = World::default_world();
        let req = get("/api/appointments");
        let (p, action, origin) = matched(&mut w, &req).unwrap();
        assert_eq!(p, 2);
        assert!(matches!(action, ListenerAction::Forward { .. }));
        assert!(matches!(origin, RuleOrigin::Ingress { .. }));
        // Move the Ingress's /api rule to 20, then answer /api/* at 10.
        w.apply_edit(&Edit::ChangeListenerRule {
            alb: "alb-a".into(),
            rule: "2".into(),
            priority: "20".into(),
            host: String::new(),
            path: "/api, /api/*".into(),
            method: String::new(),
            header: String::new(),
            action: "forward".into(),
            target: "tg-appointments-a".into(),
            status: String::new(),
            body: String::new(),
        })
        .unwrap();
        w.apply_edit(&fixed("10", "/api/*", "503")).unwrap();
        let (p, action, origin) = matched(&mut w, &req).unwrap();
        assert_eq!(p, 10);
        assert_eq!(
            action,
            ListenerAction::Fixed {
                status: 503,
                body: "closed for maintenance".into()
            }
        );
        assert_eq!(origin, RuleOrigin::LoadBalancer);
        let t = w.send(&req);
        assert_eq!(t.outcome.status, Some(503));
        // CloudFront keeps that 503 for the error caching minimum TTL (fact
        // sheet §5): let it expire before the next look.
        w.advance(11_000);
        // Deleting it brings forwarding back, now from the changed rule 20.
        w.apply_edit(&Edit::RemoveListenerRule {
            alb: "alb-a".into(),
            priority: "10".into(),
        })
        .unwrap();
        let (p, action, origin) = matched(&mut w, &req).unwrap();
        assert_eq!(p, 20);
        assert!(matches!(action, ListenerAction::Forward { .. }));
        assert_eq!(origin, RuleOrigin::LoadBalancer, "changed at the ALB");
    }

    #[test]
    fn a_redirect_rule_on_a_method_answers_301_with_the_new_path() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::AddListenerRule {
            alb: "alb-a".into(),
            priority: "1".into(),
            host: String::new(),
            path: "/api/*".into(),
            method: "GET".into(),
            header: String::new(),
            action: "redirect".into(),
            target: "/v2/appointments".into(),
            status: String::new(),
            body: String::new(),
        })
        .unwrap_err();
        // Priority 1 is the controller's /healthz rule: pick another.
        w.apply_edit(&Edit::AddListenerRule {
            alb: "alb-a".into(),
            priority: "100".into(),
            host: "healthcareapp.com".into(),
            path: "/old/*".into(),
            method: "GET".into(),
            header: String::new(),
            action: "redirect".into(),
            target: "/api/appointments".into(),
            status: "302".into(),
            body: String::new(),
        })
        .unwrap();
        let rule = w.scenario().regions[0].alb.listener.rules.last().unwrap();
        assert_eq!(rule.priority, 100);
        assert_eq!(rule.conditions.len(), 3);
        assert!(
            matches!(&rule.action, AlbAction::Redirect { status: 302, path: Some(p), host: None, .. } if p == "/api/appointments")
        );
    }

    #[test]
    fn listener_rule_edits_aws_refuses_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let mut refuse = |e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(w, before, "{e:?} changed the world");
            err
        };
        // Fact sheet §8: the default rule has no priority and cannot be deleted.
        let e = refuse(Edit::RemoveListenerRule {
            alb: "alb-a".into(),
            priority: "default".into(),
        });
        assert_eq!(
            e,
            EditError::DefaultKept {
                part: VpcPart::ListenerRule,
                why: DEFAULT_RULE
            }
        );
        assert!(e
            .to_string()
            .starts_with("the default listener rule cannot be deleted"));
        assert!(matches!(
            refuse(fixed("2", "/x", "503")),
            EditError::PriorityTaken { priority: 2, .. }
        ));
        assert!(matches!(
            refuse(fixed("50001", "/x", "503")),
            EditError::OutOfRange {
                what: "listener rule priority",
                value: 50001,
                min: 1,
                max: 50000,
                section: 8
            }
        ));
        assert!(matches!(
            refuse(fixed("30", "", "503")),
            EditError::Parse(_)
        ));
        // A fixed response is 2XX, 4XX or 5XX (fact sheet §8).
        assert!(matches!(
            refuse(fixed("30", "/x", "302")),
            EditError::Invalid(_)
        ));
        // More than three values in one condition (fact sheet §8).
        assert!(matches!(
            refuse(fixed("30", "/a,/b,/c,/d", "503")),
            EditError::Invalid(_)
        ));
        let mut forward = fixed("30", "/x", "");
        if let Edit::AddListenerRule { action, target, .. } = &mut forward {
            *action = "forward".into();
            *target = "tg-appointments-b".into();
        }
        assert_eq!(
            refuse(forward),
            EditError::Unknown {
                part: VpcPart::TargetGroup,
                id: "tg-appointments-b".into()
            }
        );
        let mut to_http = fixed("30", "/x", "301");
        if let Edit::AddListenerRule { action, target, .. } = &mut to_http {
            *action = "redirect".into();
            *target = "http://healthcareapp.com/".into();
        }
        assert!(matches!(refuse(to_http), EditError::Parse(_)));
        assert!(matches!(
            refuse(Edit::RemoveListenerRule {
                alb: "alb-a".into(),
                priority: "77".into()
            }),
            EditError::Unknown {
                part: VpcPart::ListenerRule,
                ..
            }
        ));
        let mut lower = fixed("30", "/x", "503");
        if let Edit::AddListenerRule { method, .. } = &mut lower {
            *method = "get".into();
        }
        assert!(matches!(refuse(lower), EditError::Parse(_)));
    }

    fn tg(
        algorithm: &str,
        sticky: &str,
        path: &str,
        interval: &str,
        healthy: &str,
        unhealthy: &str,
    ) -> Edit {
        Edit::SetTargetGroup {
            target_group: "tg-appointments-a".into(),
            algorithm: algorithm.into(),
            stickiness_s: sticky.into(),
            health_path: path.into(),
            health_interval_s: interval.into(),
            healthy_threshold: healthy.into(),
            unhealthy_threshold: unhealthy.into(),
        }
    }

    #[test]
    fn target_group_settings_are_stored_within_aws_ranges() {
        let mut w = World::default_world();
        w.apply_edit(&tg(
            "least_outstanding_requests",
            "86400",
            "/api/health",
            "30",
            "5",
            "3",
        ))
        .unwrap();
        let g = &w.scenario().regions[0].alb.target_groups[0];
        assert_eq!(g.algorithm, Algorithm::LeastOutstandingRequests);
        assert_eq!(g.stickiness_s, Some(86_400));
        assert_eq!(
            (
                g.health_path.as_str(),
                g.health_interval_s,
                g.healthy_threshold,
                g.unhealthy_threshold
            ),
            ("/api/health", 30, 5, 3)
        );
        w.apply_edit(&tg("round_robin", "off", "/healthz", "15", "2", "2"))
            .unwrap();
        assert_eq!(
            w.scenario().regions[0].alb.target_groups[0].stickiness_s,
            None
        );
    }

    #[test]
    fn sticky_requests_stay_on_one_pod_once_stickiness_is_on() {
        // Fact sheet §8: duration-based stickiness keeps a client on one target.
        let mut w = World::default_world();
        let pods = |w: &mut World| {
            (0..4)
                .map(|_| w.send(&get("/api/appointments")).outcome.decided_by)
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert!(pods(&mut w).len() > 1, "round robin spreads");
        w.apply_edit(&tg("round_robin", "3600", "/healthz", "15", "2", "2"))
            .unwrap();
        assert_eq!(pods(&mut w).len(), 1, "the AWSALB cookie pins one pod");
    }

    #[test]
    fn target_group_settings_outside_aws_ranges_are_refused() {
        // Fact sheet §8: interval 5-300 s, thresholds 2-10, stickiness 1 s - 7 days.
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (
                tg("round_robin", "off", "/healthz", "4", "2", "2"),
                "health check interval (s)",
                4,
            ),
            (
                tg("round_robin", "off", "/healthz", "15", "11", "2"),
                "healthy threshold",
                11,
            ),
            (
                tg("round_robin", "off", "/healthz", "15", "2", "1"),
                "unhealthy threshold",
                1,
            ),
            (
                tg("round_robin", "604801", "/healthz", "15", "2", "2"),
                "stickiness duration (s)",
                604_801,
            ),
        ];
        for (e, want, v) in cases {
            let err = w.apply_edit(&e).unwrap_err();
            assert!(
                matches!(err, EditError::OutOfRange { what, value, section: 8, .. } if what == want && value == v),
                "{err:?}"
            );
            assert_eq!(w, before);
        }
        for e in [
            tg("fastest", "off", "/healthz", "15", "2", "2"),
            tg("round_robin", "off", "healthz", "15", "2", "2"),
            tg("round_robin", "soon", "/healthz", "15", "2", "2"),
        ] {
            assert!(matches!(w.apply_edit(&e).unwrap_err(), EditError::Parse(_)));
            assert_eq!(w, before);
        }
        assert_eq!(
            w.apply_edit(&tg("round_robin", "off", "/healthz", "4", "2", "2"))
                .unwrap_err()
                .to_string(),
            "health check interval (s) 4 is outside 5-300 (fact sheet §8)"
        );
    }

    fn create_tg(id: &str, port: &str, target_type: &str) -> Edit {
        Edit::CreateTargetGroup {
            id: id.into(),
            alb: "alb-a".into(),
            port: port.into(),
            target_type: target_type.into(),
            health_path: String::new(),
            health_interval_s: String::new(),
            healthy_threshold: String::new(),
            unhealthy_threshold: String::new(),
        }
    }

    fn forward(priority: &str, path: &str, group: &str) -> Edit {
        let mut e = fixed(priority, path, "");
        if let Edit::AddListenerRule {
            action,
            target,
            body,
            ..
        } = &mut e
        {
            *action = "forward".into();
            *target = group.into();
            body.clear();
        }
        e
    }

    #[test]
    fn a_target_group_no_rule_uses_leaves_route_53s_view_of_the_alb_alone() {
        // Fact sheet §2: Evaluate Target Health looks at the load balancer's
        // target groups; a group no listener rule forwards to is not one of
        // them, and once a rule forwards to it, its lack of targets counts.
        use crate::sim::event::dns::health::AlbHealth;
        let mut w = World::default_world();
        assert!(matches!(
            w.alb_target_health("us-east-1"),
            AlbHealth::Healthy { .. }
        ));
        w.apply_edit(&create_tg("tg-spare-a", "8080", "ip"))
            .unwrap();
        assert!(
            matches!(w.alb_target_health("us-east-1"), AlbHealth::Healthy { .. }),
            "{:?}",
            w.alb_target_health("us-east-1")
        );
        w.apply_edit(&forward("10", "/spare/*", "tg-spare-a"))
            .unwrap();
        assert_eq!(
            w.alb_target_health("us-east-1"),
            AlbHealth::NoTargets {
                group: "tg-spare-a".into(),
                alb: "alb-a".into()
            }
        );
    }

    #[test]
    fn a_created_target_group_has_no_targets_so_a_rule_forwarding_to_it_gets_the_albs_503() {
        // Fact sheet §8: health-check defaults /, 30 s, 5, 2; a group with
        // no registered targets gives the ALB's own 503.
        let mut w = World::default_world();
        w.apply_edit(&create_tg("tg-test-a", "8080", "ip")).unwrap();
        let g = w.scenario().regions[0].alb.target_groups.last().unwrap();
        assert_eq!(
            (
                g.id.as_str(),
                g.port,
                g.target_type,
                g.health_path.as_str(),
                g.health_interval_s,
                g.healthy_threshold,
                g.unhealthy_threshold,
                g.bound()
            ),
            ("tg-test-a", 8080, TargetType::Ip, "/", 30, 5, 2, false)
        );
        assert!(w
            .live_state()
            .target_groups
            .iter()
            .any(|t| t.id == "tg-test-a" && t.targets.is_empty()));
        // The Ingress's /api rule is at 2: move it after the new rule at 10.
        let mut moved = forward("20", "/api, /api/*", "tg-appointments-a");
        if let Edit::AddListenerRule {
            alb,
            priority,
            host,
            path,
            method,
            header,
            action,
            target,
            status,
            body,
        } = moved
        {
            moved = Edit::ChangeListenerRule {
                alb,
                rule: "2".into(),
                priority,
                host,
                path,
                method,
                header,
                action,
                target,
                status,
                body,
            };
        }
        w.apply_edit(&moved).unwrap();
        w.apply_edit(&forward("10", "/api/*", "tg-test-a")).unwrap();
        let t = w.send(&get("/api/appointments"));
        assert_eq!(t.outcome.status, Some(503), "{}", t.render_text());
        let events: Vec<&AlbEvent> = t
            .hops
            .iter()
            .filter_map(|h| match &h.event {
                Event::Alb(e) => Some(e),
                _ => None,
            })
            .collect();
        assert!(events.iter().any(|e| matches!(e,
            AlbEvent::NoTargets { target_group, reason: NoTargets::Unbound } if target_group == "tg-test-a")));
        assert!(events.iter().any(|e| matches!(
            e,
            AlbEvent::Generated {
                status: 503,
                reason: AlbError::NoRegisteredTargets
            }
        )));
        // §8: a group a rule forwards to stays, naming the rule.
        let before = w.clone();
        assert_eq!(
            w.apply_edit(&Edit::DeleteTargetGroup {
                id: "tg-test-a".into()
            }),
            Err(EditError::TargetGroupInUse {
                target_group: "tg-test-a".into(),
                alb: "alb-a".into(),
                rule: "10".into(),
            })
        );
        assert_eq!(w, before);
        w.apply_edit(&Edit::RemoveListenerRule {
            alb: "alb-a".into(),
            priority: "10".into(),
        })
        .unwrap();
        w.apply_edit(&Edit::DeleteTargetGroup {
            id: "tg-test-a".into(),
        })
        .unwrap();
        assert!(!w.scenario().regions[0]
            .alb
            .target_groups
            .iter()
            .any(|t| t.id == "tg-test-a"));
        // The error caching minimum TTL at CloudFront (§5) passes; the
        // Ingress's rule forwards again.
        w.advance(11_000);
        assert_eq!(w.send(&get("/api/appointments")).outcome.status, Some(200));
    }

    #[test]
    fn a_created_instance_group_takes_a_nodeport_and_given_health_settings() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::CreateTargetGroup {
            id: "tg-nodes-a".into(),
            alb: "alb-a".into(),
            port: "30080".into(),
            target_type: "Instance".into(),
            health_path: "/healthz".into(),
            health_interval_s: "10".into(),
            healthy_threshold: "3".into(),
            unhealthy_threshold: "4".into(),
        })
        .unwrap();
        let g = w.scenario().regions[0].alb.target_groups.last().unwrap();
        assert_eq!(
            (
                g.target_type,
                g.node_port,
                g.health_path.as_str(),
                g.health_interval_s,
                g.healthy_threshold,
                g.unhealthy_threshold
            ),
            (TargetType::Instance, 30_080, "/healthz", 10, 3, 4)
        );
    }

    #[test]
    fn target_group_creations_and_deletions_aws_refuses_change_nothing() {
        let mut w = World::default_world();
        let before = w.clone();
        let mut refuse = |e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(w, before, "{e:?} changed the world");
            err
        };
        assert_eq!(
            refuse(create_tg("tg-appointments-b", "8080", "ip")),
            EditError::Exists {
                part: VpcPart::TargetGroup,
                id: "tg-appointments-b".into()
            }
        );
        let mut other = create_tg("tg-x", "8080", "ip");
        if let Edit::CreateTargetGroup { alb, .. } = &mut other {
            *alb = "alb-zz".into();
        }
        assert_eq!(
            refuse(other),
            EditError::Unknown {
                part: VpcPart::LoadBalancer,
                id: "alb-zz".into()
            }
        );
        for e in [
            create_tg("tg-x", "8080", "lambda"),
            create_tg("", "8080", "ip"),
            create_tg("tg-x", "http", "ip"),
        ] {
            assert!(matches!(refuse(e), EditError::Parse(_)));
        }
        // §8: ports 1-65535; §14: NodePorts 30000-32767 for instance targets.
        assert!(matches!(
            refuse(create_tg("tg-x", "0", "ip")),
            EditError::OutOfRange {
                what: "port",
                value: 0,
                min: 1,
                max: 65_535,
                section: 8
            }
        ));
        assert!(matches!(
            refuse(create_tg("tg-x", "8080", "instance")),
            EditError::OutOfRange {
                what: "NodePort",
                value: 8080,
                min: 30_000,
                max: 32_767,
                section: 14
            }
        ));
        // The same health-check ranges as set_target_group (§8).
        for (i, (field, bad, what)) in [
            ("interval", "4", "health check interval (s)"),
            ("healthy", "11", "healthy threshold"),
            ("unhealthy", "1", "unhealthy threshold"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = create_tg(&format!("tg-x{i}"), "8080", "ip");
            if let Edit::CreateTargetGroup {
                health_interval_s,
                healthy_threshold,
                unhealthy_threshold,
                ..
            } = &mut e
            {
                *match field {
                    "interval" => health_interval_s,
                    "healthy" => healthy_threshold,
                    _ => unhealthy_threshold,
                } = bad.into();
            }
            let err = refuse(e);
            assert!(
                matches!(err, EditError::OutOfRange { what: w, section: 8, .. } if w == what),
                "{err:?}"
            );
        }
        let mut e = create_tg("tg-x", "8080", "ip");
        if let Edit::CreateTargetGroup { health_path, .. } = &mut e {
            *health_path = "healthz".into();
        }
        assert!(matches!(refuse(e), EditError::Parse(_)));
        // The Ingress's rules forward to the controller's group (§8, §13).
        let err = refuse(Edit::DeleteTargetGroup {
            id: "tg-appointments-a".into(),
        });
        assert!(
            matches!(&err, EditError::TargetGroupInUse { target_group, alb, rule }
                if target_group == "tg-appointments-a" && alb == "alb-a" && rule.contains("from Ingress path")),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with("target group tg-appointments-a is still used by alb-a listener rule "));
        assert_eq!(
            refuse(Edit::DeleteTargetGroup { id: "tg-zz".into() }),
            EditError::Unknown {
                part: VpcPart::TargetGroup,
                id: "tg-zz".into()
            }
        );
    }
}
