//! Listener rules: conditions, the order they are tried in, and the
//! matching rule's action (forward, weighted forward, redirect, fixed
//! response) or the listener's default action. Fact sheet §8, §13.

use std::net::Ipv4Addr;

use super::{wildcard_match, HttpCtx};
use crate::sim::event::alb::*;
use crate::sim::event::AlbEvent;
use crate::sim::net::*;
use crate::sim::rng::Rng;
use crate::sim::scenario::*;
use crate::sim::trace::*;
use crate::sim::world::*;

impl Condition {
    pub fn describe(&self) -> String {
        match self {
            Condition::HostHeader { values } => format!("host {}", values.join(" or ")),
            Condition::PathPattern { values } => format!("path {}", values.join(" or ")),
            Condition::HttpHeader { name, values } => {
                format!("header {name}: {}", values.join(" or "))
            }
            Condition::HttpRequestMethod { values } => format!("method {}", values.join(" or ")),
            Condition::QueryString { values } => format!(
                "query {}",
                values
                    .iter()
                    .map(|q| match &q.key {
                        Some(k) => format!("{k}={}", q.value),
                        None => q.value.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Condition::SourceIp { values } => format!(
                "source IP {}",
                values
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }

    /// Whether a request meets this condition; `peer` is the TCP peer.
    /// Fact sheet §8 "Condition matching details".
    pub(crate) fn matches(&self, ctx: &HttpCtx, peer: Ipv4Addr) -> bool {
        let ci =
            |p: &str, t: &str| wildcard_match(&p.to_ascii_lowercase(), &t.to_ascii_lowercase());
        match self {
            Condition::HostHeader { values } => values.iter().any(|v| ci(v, &ctx.host)),
            Condition::PathPattern { values } => {
                values.iter().any(|v| wildcard_match(v, &ctx.path))
            }
            Condition::HttpHeader { name, values } => ctx
                .header(name)
                .is_some_and(|h| values.iter().any(|v| ci(v, h))),
            Condition::HttpRequestMethod { values } => values.iter().any(|v| **v == *ctx.method),
            Condition::QueryString { values } => {
                let pairs: Vec<(String, String)> = ctx
                    .query
                    .split('&')
                    .filter(|s| !s.is_empty())
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (String::new(), kv.to_string()),
                    })
                    .collect();
                values.iter().any(|q| {
                    pairs
                        .iter()
                        .any(|(k, v)| q.key.as_ref().is_none_or(|qk| ci(qk, k)) && ci(&q.value, v))
                })
            }
            Condition::SourceIp { values } => values.iter().any(|c| cidr_has(c, peer)),
        }
    }
}

impl AlbAction {
    pub fn describe(&self) -> String {
        match self {
            AlbAction::Forward { target_group } => format!("forward to {target_group}"),
            AlbAction::WeightedForward { groups } => format!(
                "forward to {}",
                groups
                    .iter()
                    .map(|g| format!("{} (weight {})", g.target_group, g.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AlbAction::Redirect {
                status,
                protocol,
                host,
                port,
                path,
            } => format!(
                "redirect {status} to {}://{}:{}{}",
                protocol.as_deref().unwrap_or("#{protocol}"),
                host.as_deref().unwrap_or("#{host}"),
                port.map(|p| p.to_string())
                    .unwrap_or_else(|| "#{port}".into()),
                path.as_deref().unwrap_or("/#{path}")
            ),
            AlbAction::FixedResponse { status, .. } => format!("fixed response {status}"),
        }
    }
}

impl ListenerRule {
    /// `rule 1: path /healthz -> forward to tg-a`.
    pub fn describe(&self) -> String {
        format!("rule {}: {}", self.priority, self.describe_body())
    }

    /// The rule without its number, for a row already labelled with it:
    /// `path /healthz -> forward to tg-a`.
    pub fn describe_body(&self) -> String {
        let conds = if self.conditions.is_empty() {
            "any request".to_string()
        } else {
            self.conditions
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        format!("{conds} -> {}", self.action.describe())
    }
}

/// A listener rule (or the default action) the request was tried against;
/// listener rules never deny, they only match or not.
fn listener_check(
    subject: &str,
    conditions: String,
    (rule, matched): (RuleRef, bool),
    decided_by: String,
) -> Check {
    Check::other(
        CheckKind::ListenerRule,
        subject,
        conditions,
        String::new(),
        true,
    )
    .rule(rule, decided_by, true)
    .matched(matched)
}

/// Try the listener's rules from the lowest priority number; the first
/// whose conditions all hold wins. The checks are built only when
/// `records`. Fact sheet §8.
fn evaluate_rules<'a>(
    listener: &'a Listener,
    ctx: &HttpCtx,
    peer: Ipv4Addr,
    records: bool,
) -> (Vec<Check>, Option<&'a ListenerRule>) {
    let mut checks = Vec::new();
    for rule in by_priority(&listener.rules, |x| x.priority) {
        let failed = rule.conditions.iter().find(|c| !c.matches(ctx, peer));
        if records {
            checks.push(listener_check(
                &format!("priority {}", rule.priority),
                rule.conditions
                    .iter()
                    .map(|c| c.describe())
                    .collect::<Vec<_>>()
                    .join(" and "),
                (
                    RuleRef::ListenerRule {
                        priority: rule.priority,
                    },
                    failed.is_none(),
                ),
                match failed {
                    Some(c) => format!("no match ({} does not hold)", c.describe()),
                    None => format!("match -> {}", rule.action.describe()),
                },
            ));
        }
        if failed.is_none() {
            return (checks, Some(rule));
        }
    }
    (checks, None)
}

/// A redirect's Location: the action's parts, `#{...}` kept from the
/// request. Fact sheet §8.
fn redirect_location(action: &AlbAction, listener_port: u16, ctx: &HttpCtx) -> String {
    let AlbAction::Redirect {
        protocol,
        host,
        port,
        path,
        ..
    } = action
    else {
        return String::new();
    };
    format!(
        "{}://{}:{}{}{}",
        protocol
            .clone()
            .unwrap_or_else(|| "https".into())
            .to_ascii_lowercase(),
        host.clone().unwrap_or_else(|| ctx.host.clone()),
        port.unwrap_or(listener_port),
        path.clone().unwrap_or_else(|| ctx.path.to_string()),
        if ctx.query.is_empty() {
            String::new()
        } else {
            format!("?{}", ctx.query)
        }
    )
}

/// A weighted forward draws one target group by weight (the first when
/// every weight is 0).
fn weighted_pick<'a>(groups: &'a [WeightedGroup], rng: &mut Rng) -> Option<&'a str> {
    let total: u32 = groups.iter().map(|g| g.weight).sum();
    if total == 0 {
        return groups.first().map(|g| g.target_group.as_str());
    }
    let mut x = rng.range(0, total as u64 - 1) as u32;
    groups
        .iter()
        .find(|g| {
            if x < g.weight {
                true
            } else {
                x -= g.weight;
                false
            }
        })
        .map(|g| g.target_group.as_str())
}

/// The hop of a listener decision.
fn decision(ends: (&str, &str), event: AlbEvent, verdict: Verdict, code: Code) -> Step {
    Step::new(ends, Layer::Decision, "-", Event::Alb(event), verdict, code)
}

impl World {
    /// Errors the ALB answers itself before any rule, then listener rules
    /// by priority, then the matching rule's action.
    pub(super) fn alb_route(
        &mut self,
        r: &Region,
        node: &AlbNode,
        peer: Ipv4Addr,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let alb = &r.alb;
        // An error the ALB answers itself, before any listener rule. Fact sheet §8.
        let generated = |tb: &mut Recorder, reason: AlbError, summary: &str| {
            let status = reason.status();
            tb.hop(|| {
                Step::new(
                    (&alb.id, &alb.id),
                    Layer::Http,
                    "-",
                    Event::Alb(AlbEvent::generated(reason)),
                    Verdict::Error,
                    Code::AlbGenerated,
                )
            });
            Resp::err(Some(status), &alb.id, Code::AlbGenerated, summary.into())
        };
        if &*ctx.method == "TRACE" {
            return generated(tb, AlbError::Trace, "the ALB does not accept TRACE");
        }
        // The limit is on the header as received, before the ALB appends
        // its TCP peer. Fact sheet §8.
        if ctx.xff.len() > super::ALB_MAX_XFF {
            return generated(
                tb,
                AlbError::TooManyForwarded {
                    received: ctx.xff.len(),
                    addresses: ctx.xff.len() + 1,
                    max: super::ALB_MAX_XFF,
                },
                "too many X-Forwarded-For addresses",
            );
        }
        let (checks, matched) = evaluate_rules(&alb.listener, ctx, peer, tb.records());
        match matched {
            Some(rule) => self.rule_action(r, node, rule, ctx, (checks, tb)),
            None => self.listener_default(r, node, ctx, (checks, tb)),
        }
    }

    /// No rule matched: an Ingress default backend becomes the listener's
    /// default action (fact sheet §13); otherwise its fixed response.
    fn listener_default(
        &mut self,
        r: &Region,
        node: &AlbNode,
        ctx: &HttpCtx,
        (mut checks, tb): (Vec<Check>, &mut Recorder),
    ) -> Resp {
        let alb = &r.alb;
        // The diagram's Ingress node, and the IngressGroup's default
        // backend with the member naming it (fact sheet §28).
        let node_id = &r.cluster.ingress.id;
        let backend = crate::sim::lbc::group_default_backend(&r.cluster);
        let ingress = backend.map_or(&r.cluster.ingress, |(i, _)| i);
        let default_tg = backend.and_then(|(_, svc)| {
            alb.target_groups
                .iter()
                .find(|t| t.service == svc)
                .map(|t| t.id.as_str())
        });
        let event = |action| AlbEvent::DefaultAction {
            method: ctx.method.to_string(),
            path: ctx.path.to_string(),
            action,
        };
        if let Some(tg) = default_tg {
            if tb.records() {
                checks.push(listener_check(
                    "default",
                    "no conditions".into(),
                    (RuleRef::ListenerDefault, true),
                    format!("forward to {tg} (the Ingress default backend)"),
                ));
            }
            tb.hop(|| {
                let action = ListenerDefault::IngressBackend {
                    target_group: tg.to_string(),
                    ingress: ingress.name.clone(),
                };
                let (pass, code) = (Verdict::Pass, Code::ListenerDefaultAction);
                decision((&alb.id, node_id), event(action), pass, code).checks(checks)
            });
            return self.forward(r, node, (tg, "default backend", ingress), ctx, tb);
        }
        let status = alb.listener.default_status;
        if tb.records() {
            checks.push(listener_check(
                "default",
                "no conditions".into(),
                (RuleRef::ListenerDefault, true),
                format!("fixed response {status}"),
            ));
        }
        tb.hop(|| {
            let action = ListenerDefault::Fixed {
                listener_port: alb.listener.port,
                status,
            };
            let (error, code) = (Verdict::Error, Code::ListenerDefaultAction);
            decision((&alb.id, &alb.id), event(action), error, code).checks(checks)
        });
        Resp::err(
            Some(status),
            &alb.id,
            Code::ListenerDefaultAction,
            "the ALB's default rule answered".into(),
        )
    }

    /// The matching rule's action.
    fn rule_action(
        &mut self,
        r: &Region,
        node: &AlbNode,
        rule: &ListenerRule,
        ctx: &HttpCtx,
        (checks, tb): (Vec<Check>, &mut Recorder),
    ) -> Resp {
        let alb = &r.alb;
        // The Ingress that wrote the rule (a member of the ALB's
        // IngressGroup; fact sheet §28); the diagram's Ingress node stands
        // for the group.
        let written_by = crate::sim::lbc::rule_ingress(&r.cluster, rule);
        let ingress = written_by.unwrap_or(&r.cluster.ingress);
        // The hop of the matching rule, with what it did.
        let matched = |action: ListenerAction, verdict: Verdict| {
            let to = match action {
                ListenerAction::Forward { .. } | ListenerAction::WeightedForward { .. } => {
                    &r.cluster.ingress.id
                }
                _ => &alb.id,
            };
            let origin = if rule.from_ingress_path.is_empty() {
                RuleOrigin::LoadBalancer
            } else {
                let grouped = written_by.filter(|i| i.annotations.group_name.is_some());
                RuleOrigin::Ingress {
                    ingress: written_by.map_or(rule.from_ingress.clone(), |i| i.name.clone()),
                    path: rule.from_ingress_path.clone(),
                    group: grouped.and_then(|i| i.annotations.group_name.clone()),
                    order: grouped.map(crate::sim::lbc::group_order),
                }
            };
            let event = AlbEvent::RuleMatch {
                priority: rule.priority,
                conditions: rule.conditions.clone(),
                action,
                origin,
            };
            decision((&alb.id, to), event, verdict, Code::ListenerRuleMatch).checks(checks)
        };
        let from = rule.from_ingress_path.as_str();
        match &rule.action {
            AlbAction::FixedResponse { status, body } => {
                let verdict = if *status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                };
                tb.hop(|| {
                    let (status, body) = (*status, body.clone());
                    matched(ListenerAction::Fixed { status, body }, verdict)
                });
                let why = format!("fixed response from listener rule {}", rule.priority);
                Resp::err(Some(*status), &alb.id, Code::ListenerRuleMatch, why).with_body(body)
            }
            AlbAction::Redirect { status, host, .. } => {
                let loc = redirect_location(&rule.action, alb.listener.port, ctx);
                tb.hop(|| {
                    let action = ListenerAction::Redirect {
                        status: *status,
                        location: loc.clone(),
                        kept_host: host.is_none().then(|| ctx.host.clone()),
                    };
                    matched(action, Verdict::Pass)
                });
                Resp::redirect(*status, &alb.id, Code::ListenerRuleMatch, loc)
            }
            AlbAction::Forward { target_group } => {
                tb.hop(|| {
                    let target_group = target_group.clone();
                    matched(ListenerAction::Forward { target_group }, Verdict::Pass)
                });
                self.forward(r, node, (target_group, from, ingress), ctx, tb)
            }
            AlbAction::WeightedForward { groups } => {
                let Some(tg) = weighted_pick(groups, &mut self.rng) else {
                    return Resp::err(
                        Some(503),
                        &alb.id,
                        Code::NoHealthyTargets,
                        "weighted forward with no target groups".into(),
                    );
                };
                tb.hop(|| {
                    let (picked, groups) = (tg.to_string(), groups.clone());
                    matched(
                        ListenerAction::WeightedForward { picked, groups },
                        Verdict::Pass,
                    )
                });
                self.forward(r, node, (tg, from, ingress), ctx, tb)
            }
        }
    }
}
