//! Goals: typed predicates on the last trace, the last burst and the world,
//! evaluated by the engine (never text matched in the page). In a lesson
//! file a goal is a table with exactly one key naming its kind:
//! `outcome = { status = 200 }`, `stopped_at = "alb-a"`, `not = { ... }`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::kinds;
use super::refs::{require, WorldIds};
use super::LessonError;
use crate::sim::burst::BurstReport;
use crate::sim::check::{CheckKind, Direction, Side};
use crate::sim::net::{parse_ports, parse_protocol, Peer, PortRange, Protocol, RuleAction};
use crate::sim::script::Duration;
use crate::sim::trace::{Code, Trace, Verdict};
use crate::sim::{Fault, World};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Goal {
    /// The last trace's outcome has every given field.
    Outcome(OutcomeGoal),
    /// Some hop of the last trace has a matching event.
    Event(EventGoal),
    /// No hop of the last trace has a matching event.
    NoEvent(EventGoal),
    /// Some hop of the last trace has a check with every given field.
    Check(CheckGoal),
    /// The last trace stopped at this component.
    StoppedAt(String),
    /// The last burst's share of one status, region, decider or pod.
    Burst(BurstGoal),
    /// A Route 53 health check is (un)healthy now.
    HealthCheck(HealthCheckGoal),
    /// An ALB target (a pod) is (un)healthy now.
    Target(TargetGoal),
    /// A subnet's usable addresses (size less 5) are in range.
    SubnetUsable(SubnetGoal),
    /// A NACL rule exists (or not).
    NaclRule(NaclRuleGoal),
    /// A security-group rule exists (or not).
    SgRule(SgRuleGoal),
    /// A fault is (not) set.
    Fault(FaultGoal),
    /// The world clock is at or past this time.
    ClockAtLeast(Duration),
    All(Vec<Goal>),
    Any(Vec<Goal>),
    Not(Box<Goal>),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeGoal {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub code: Option<Code>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub pod: Option<String>,
    /// `true`: nothing answered (no status).
    #[serde(default)]
    pub no_response: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventGoal {
    /// `browser`, `dns`, `cdn`, `waf`, `net`, `alb` or `app`.
    pub component: String,
    /// The event's kind within its family (`query`, `referral`, ...).
    pub kind: String,
    /// A subset of the event's serialized fields (nested tables match as
    /// subsets too).
    #[serde(default)]
    pub fields: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckGoal {
    #[serde(default)]
    pub kind: Option<CheckKind>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub allowed: Option<bool>,
    /// A subset of the serialized rule (`{ type = "number", number = 90 }`).
    #[serde(default)]
    pub rule: Option<Map<String, Value>>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub side: Option<Side>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstGoal {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub pod: Option<String>,
    /// Share from 0.0 to 1.0.
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckGoal {
    pub id: String,
    pub healthy: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGoal {
    pub pod: String,
    pub healthy: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetGoal {
    pub subnet: String,
    #[serde(default)]
    pub at_least: Option<u32>,
    #[serde(default)]
    pub at_most: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclRuleGoal {
    pub nacl: String,
    pub direction: Direction,
    pub number: u16,
    #[serde(default = "yes")]
    pub present: bool,
    #[serde(default)]
    pub action: Option<RuleAction>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgRuleGoal {
    pub sg: String,
    pub direction: Direction,
    /// `tcp`, `udp`, `icmp` or `all`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// `443`, `1024-65535`, `all`.
    #[serde(default)]
    pub ports: Option<String>,
    /// A CIDR or a security group id.
    #[serde(default)]
    pub peer: Option<String>,
    #[serde(default = "yes")]
    pub present: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultGoal {
    pub fault: Fault,
    pub on: bool,
}

/// What goals are evaluated against: the world now, the learner's last
/// trace and last burst (in this step).
#[derive(Clone, Copy)]
pub struct Evidence<'a> {
    pub world: &'a World,
    pub trace: Option<&'a Trace>,
    pub burst: Option<&'a BurstReport>,
}

/// Whether `want` is a subset of `have`: every key of an object matches
/// (recursively), numbers compare by value, anything else is equal.
pub fn json_subset(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| json_subset(v, hv))),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_subset(x, y))
        }
        _ => want == have,
    }
}

fn map_subset(want: &Map<String, Value>, have: &Value) -> bool {
    want.iter()
        .all(|(k, v)| have.get(k).is_some_and(|hv| json_subset(v, hv)))
}

/// Where a trace stopped: the first hop that did not pass rests at its
/// `to`, or at its `from` when the deciding check sits on the source side.
pub fn stopped_at(trace: &Trace) -> Option<&str> {
    let hop = trace.hops.iter().find(|h| h.verdict != Verdict::Pass)?;
    let source = hop
        .deciding_check()
        .is_some_and(|c| c.side == Some(Side::Source));
    Some(if source { &hop.from } else { &hop.to })
}

fn parsed_peer(p: &str) -> String {
    match crate::sim::net::parse_rule_cidr(p) {
        Ok(c) => Peer::Cidr(c).to_string(),
        Err(_) => p.to_string(),
    }
}

impl EventGoal {
    pub fn matches(&self, trace: &Trace) -> bool {
        trace.hops.iter().any(|h| {
            let Ok(v) = serde_json::to_value(&h.event) else {
                return false;
            };
            v.get("component").and_then(Value::as_str) == Some(self.component.as_str())
                && v.get("kind").and_then(Value::as_str) == Some(self.kind.as_str())
                && self.fields.as_ref().is_none_or(|f| map_subset(f, &v))
        })
    }

    /// `DNS referral (by root, zone com)`.
    fn describe(&self) -> String {
        let family = match self.component.as_str() {
            "dns" => "DNS",
            "cdn" => "CloudFront",
            "waf" => "WAF",
            "net" => "network",
            "alb" => "ALB",
            "app" => "application",
            "browser" => "browser",
            other => other,
        };
        let mut s = format!("{family} {}", self.kind.replace('_', " "));
        if let Some(f) = &self.fields {
            let mut parts = Vec::new();
            flatten_fields("", &Value::Object(f.clone()), &mut parts);
            if !parts.is_empty() {
                s.push_str(&format!(" ({})", parts.join(", ")));
            }
        }
        s
    }
}

/// `{ to = { server = "root" } }` -> `to server root`.
fn flatten_fields(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = k.replace('_', " ");
                let p = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix} {key}")
                };
                flatten_fields(&p, v, out);
            }
        }
        other => out.push(format!("{prefix} {}", plain(other))),
    }
}

/// How a goal is checked: [`Goal::holds`] (see [`install_checks`]).
#[cfg(hoplab_split)]
type Check = for<'a> fn(&Goal, &Evidence<'a>) -> bool;

#[cfg(hoplab_split)]
thread_local! {
    static CHECK: std::cell::Cell<Option<Check>> = const { std::cell::Cell::new(None) };
}

/// Hand the lessons their goal checks: in the hosted build they come with
/// the part that reads a lesson (a session exists only for a lesson read),
/// not in the page's first download; elsewhere they are always there.
pub fn install_checks() {
    #[cfg(hoplab_split)]
    CHECK.with(|c| c.set(Some(Goal::holds)));
}

impl Goal {
    /// Whether the goal holds, through the installed checks (in the hosted
    /// build, no goal is met before a lesson was read: none is open).
    pub fn met(&self, ev: &Evidence) -> bool {
        #[cfg(hoplab_split)]
        return crate::sim::script::installed(&CHECK).is_some_and(|check| check(self, ev));
        #[cfg(not(hoplab_split))]
        self.holds(ev)
    }

    /// Whether the goal holds.
    pub fn holds(&self, ev: &Evidence) -> bool {
        let w = ev.world;
        match self {
            Goal::Outcome(g) => ev.trace.is_some_and(|t| {
                let o = &t.outcome;
                g.status.is_none_or(|s| o.status == Some(s))
                    && g.code.is_none_or(|c| o.code == c)
                    && g.decided_by.as_ref().is_none_or(|d| &o.decided_by == d)
                    && g.region
                        .as_ref()
                        .is_none_or(|r| o.region.as_ref() == Some(r))
                    && g.pod.as_ref().is_none_or(|p| o.pod.as_ref() == Some(p))
                    && g.no_response.is_none_or(|n| o.status.is_none() == n)
            }),
            Goal::Event(g) => ev.trace.is_some_and(|t| g.matches(t)),
            Goal::NoEvent(g) => ev.trace.is_some_and(|t| !g.matches(t)),
            Goal::Check(g) => ev.trace.is_some_and(|t| {
                t.hops.iter().flat_map(|h| &h.checks).any(|c| {
                    g.kind.is_none_or(|k| c.kind == k)
                        && g.subject.as_ref().is_none_or(|s| &c.subject == s)
                        && g.allowed.is_none_or(|a| c.allowed == a)
                        && g.direction.is_none_or(|d| c.direction == Some(d))
                        && g.side.is_none_or(|s| c.side == Some(s))
                        && g.rule.as_ref().is_none_or(|want| {
                            c.rule.as_ref().is_some_and(|r| {
                                serde_json::to_value(r).is_ok_and(|v| map_subset(want, &v))
                            })
                        })
                })
            }),
            Goal::StoppedAt(c) => ev.trace.and_then(stopped_at) == Some(c.as_str()),
            Goal::Burst(g) => ev.burst.is_some_and(|b| {
                let Some(share) = burst_share(g, b) else {
                    return false;
                };
                g.at_least.is_none_or(|x| share >= x) && g.at_most.is_none_or(|x| share <= x)
            }),
            Goal::HealthCheck(g) => w.health(&g.id).is_some_and(|h| h.healthy == g.healthy),
            Goal::Target(g) => w
                .target_health(&g.pod)
                .is_some_and(|t| (t.state == crate::sim::world::TargetState::Healthy) == g.healthy),
            Goal::SubnetUsable(g) => w
                .scenario()
                .regions
                .iter()
                .find_map(|r| r.vpc.subnet(&g.subnet))
                .is_some_and(|s| {
                    let u = s.usable();
                    g.at_least.is_none_or(|x| u >= x) && g.at_most.is_none_or(|x| u <= x)
                }),
            Goal::NaclRule(g) => {
                let found = w
                    .scenario()
                    .regions
                    .iter()
                    .find_map(|r| r.vpc.nacl(&g.nacl))
                    .is_some_and(|n| {
                        n.rules(g.direction)
                            .iter()
                            .any(|r| r.number == g.number && g.action.is_none_or(|a| r.action == a))
                    });
                found == g.present
            }
            Goal::SgRule(g) => {
                let proto: Option<Protocol> =
                    g.protocol.as_deref().and_then(|p| parse_protocol(p).ok());
                let ports: Option<PortRange> = g.ports.as_deref().and_then(|p| parse_ports(p).ok());
                let peer = g.peer.as_deref().map(parsed_peer);
                let found = w
                    .scenario()
                    .regions
                    .iter()
                    .find_map(|r| r.vpc.sg(&g.sg))
                    .is_some_and(|sg| {
                        sg.rules(g.direction).iter().any(|r| {
                            proto.is_none_or(|p| r.protocol == p)
                                && ports.is_none_or(|p| r.ports == p)
                                && peer.as_ref().is_none_or(|p| &r.peer.to_string() == p)
                        })
                    });
                found == g.present
            }
            Goal::Fault(g) => w.faults().contains(&g.fault) == g.on,
            Goal::ClockAtLeast(d) => d.to_ms().is_ok_and(|ms| w.now_ms() >= ms),
            Goal::All(gs) => gs.iter().all(|g| g.holds(ev)),
            Goal::Any(gs) => gs.iter().any(|g| g.holds(ev)),
            Goal::Not(g) => !g.holds(ev),
        }
    }

    /// A short English rendering for the lesson panel.
    pub fn label(&self) -> String {
        match self {
            Goal::Outcome(g) => outcome_label(g),
            Goal::Event(g) => {
                let d = g.describe();
                let an = d.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
                format!("the trace has {} {d}", if an { "an" } else { "a" })
            }
            Goal::NoEvent(g) => format!("the trace has no {}", g.describe()),
            Goal::Check(g) => check_label(g),
            Goal::StoppedAt(c) => format!("the request stops at {c}"),
            Goal::Burst(g) => burst_label(g),
            Goal::HealthCheck(g) => format!(
                "health check {} is {}",
                g.id,
                if g.healthy { "healthy" } else { "unhealthy" }
            ),
            Goal::Target(g) => format!(
                "target {} is {}",
                g.pod,
                if g.healthy { "healthy" } else { "unhealthy" }
            ),
            Goal::SubnetUsable(g) => match (g.at_least, g.at_most) {
                (Some(a), Some(b)) => format!("{} has {a} to {b} usable addresses", g.subnet),
                (Some(a), None) => format!("{} has at least {a} usable addresses", g.subnet),
                (None, Some(b)) => format!("{} has at most {b} usable addresses", g.subnet),
                (None, None) => format!("{} exists", g.subnet),
            },
            Goal::NaclRule(g) => format!(
                "{} has {}{} rule {}{}",
                g.nacl,
                if g.present { "" } else { "no " },
                g.direction.as_str(),
                g.number,
                g.action.map(|a| format!(" ({a})")).unwrap_or_default()
            ),
            Goal::SgRule(g) => sg_rule_label(g),
            Goal::Fault(g) => format!(
                "{} is {}",
                g.fault.label(),
                if g.on { "in effect" } else { "repaired" }
            ),
            Goal::ClockAtLeast(d) => match d {
                Duration::Ms(ms) => {
                    format!("the clock reaches {}", crate::sim::time::fmt_clock(*ms))
                }
                Duration::Text(t) => format!("the clock reaches {t}"),
            },
            Goal::All(gs) => join(gs, " and "),
            Goal::Any(gs) => format!("either {}", join(gs, " or ")),
            Goal::Not(g) => format!("not: {}", g.label()),
        }
    }

    /// Refuse references to things the world does not have, and values
    /// that cannot hold. `path` is this goal's field path.
    pub fn validate(&self, path: &str, ids: &WorldIds, world: &World) -> Result<(), LessonError> {
        let at = |field: &str, msg: String| LessonError::at(format!("{path}.{field}"), msg);
        match self {
            Goal::Outcome(g) => validate_outcome(g, ids, &at)?,
            Goal::Event(g) | Goal::NoEvent(g) => {
                let key = if matches!(self, Goal::Event(_)) {
                    "event"
                } else {
                    "no_event"
                };
                validate_event(g, key, &at)?;
            }
            Goal::Check(g) => validate_check(g, ids, &at)?,
            Goal::StoppedAt(c) => {
                require("component", c, &ids.components).map_err(|m| at("stopped_at", m))?;
            }
            Goal::Burst(g) => validate_burst(g, ids, &at)?,
            Goal::HealthCheck(g) => {
                require("health check", &g.id, &ids.health_checks)
                    .map_err(|m| at("health_check.id", m))?;
            }
            Goal::Target(g) => {
                require("pod", &g.pod, &ids.pods).map_err(|m| at("target.pod", m))?;
            }
            Goal::SubnetUsable(g) => {
                require("subnet", &g.subnet, &ids.subnets)
                    .map_err(|m| at("subnet_usable.subnet", m))?;
            }
            Goal::NaclRule(g) => {
                require("network ACL", &g.nacl, &ids.nacls).map_err(|m| at("nacl_rule.nacl", m))?;
            }
            Goal::SgRule(g) => validate_sg_rule(g, ids, &at)?,
            Goal::Fault(g) => {
                world
                    .check_fault(&g.fault)
                    .map_err(|m| at("fault.fault", m))?;
            }
            Goal::ClockAtLeast(d) => {
                d.to_ms().map_err(|m| at("clock_at_least", m))?;
            }
            Goal::All(gs) | Goal::Any(gs) => {
                let key = if matches!(self, Goal::All(_)) {
                    "all"
                } else {
                    "any"
                };
                if gs.is_empty() {
                    return Err(at(key, "an empty list of goals".into()));
                }
                for (i, g) in gs.iter().enumerate() {
                    g.validate(&format!("{path}.{key}[{i}]"), ids, world)?;
                }
            }
            Goal::Not(g) => g.validate(&format!("{path}.not"), ids, world)?,
        }
        Ok(())
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn join(gs: &[Goal], sep: &str) -> String {
    gs.iter().map(Goal::label).collect::<Vec<_>>().join(sep)
}

fn burst_share(g: &BurstGoal, b: &BurstReport) -> Option<f64> {
    if b.requests == 0 {
        return None;
    }
    let n = if let Some(s) = g.status {
        b.status.get(s).copied().unwrap_or(0)
    } else if let Some(r) = &g.region {
        b.regions.get(r).copied().unwrap_or(0)
    } else if let Some(d) = &g.decided_by {
        b.decided_by.get(d).copied().unwrap_or(0)
    } else if let Some(p) = &g.pod {
        b.pods.get(p).copied().unwrap_or(0)
    } else {
        return None;
    };
    Some(n as f64 / b.requests as f64)
}

fn outcome_label(g: &OutcomeGoal) -> String {
    let mut parts = Vec::new();
    if let Some(s) = g.status {
        parts.push(format!("status {s} comes back"));
    }
    if g.no_response == Some(true) {
        parts.push("no response comes back".to_string());
    }
    if g.no_response == Some(false) {
        parts.push("a response comes back".to_string());
    }
    if let Some(d) = &g.decided_by {
        parts.push(format!("the answer comes from {d}"));
    }
    if let Some(p) = &g.pod {
        parts.push(format!("pod {p} serves it"));
    }
    if let Some(r) = &g.region {
        parts.push(format!("region {r} serves it"));
    }
    if let Some(c) = g.code {
        parts.push(format!("the outcome is {c}"));
    }
    if parts.is_empty() {
        "a request is sent".to_string()
    } else {
        parts.join(", ")
    }
}

fn check_label(g: &CheckGoal) -> String {
    let mut s = String::from("a ");
    s.push_str(g.kind.map(|k| k.noun()).unwrap_or("rule table"));
    if let Some(x) = &g.subject {
        s.push_str(&format!(" {x}"));
    }
    s.push_str(" check");
    if let Some(d) = g.direction {
        s.push_str(&format!(" ({})", d.as_str()));
    }
    if let Some(r) = &g.rule {
        let parts: Vec<String> = r
            .iter()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(k, v)| format!("{k} {}", plain(v)))
            .collect();
        let ty = r.get("type").map(plain).unwrap_or_default();
        s.push_str(&format!(
            " decided by {}",
            if parts.is_empty() {
                ty.replace('_', " ")
            } else {
                parts.join(", ")
            }
        ));
    }
    match g.allowed {
        Some(true) => s.push_str(" allows"),
        Some(false) => s.push_str(" denies"),
        None => s.push_str(" is made"),
    }
    s
}

fn burst_label(g: &BurstGoal) -> String {
    let what = if let Some(s) = g.status {
        format!("gets status {s}")
    } else if let Some(r) = &g.region {
        format!("is served by {r}")
    } else if let Some(d) = &g.decided_by {
        format!("is answered by {d}")
    } else if let Some(p) = &g.pod {
        format!("is served by {p}")
    } else {
        "is sent".to_string()
    };
    let pct = |x: f64| format!("{}%", (x * 100.0).round());
    match (g.at_least, g.at_most) {
        (Some(a), Some(b)) => {
            format!("{} to {} of a burst {what}", pct(a), pct(b))
        }
        (Some(a), None) => format!("at least {} of a burst {what}", pct(a)),
        (None, Some(b)) => format!("at most {} of a burst {what}", pct(b)),
        (None, None) => format!("a burst {what}"),
    }
}

fn sg_rule_label(g: &SgRuleGoal) -> String {
    let mut s = format!(
        "{} has {}{} rule",
        g.sg,
        if g.present { "an " } else { "no " },
        g.direction.as_str()
    );
    if let Some(p) = &g.protocol {
        s.push_str(&format!(" {}", p.to_uppercase()));
    }
    if let Some(p) = &g.ports {
        s.push_str(&format!(" {p}"));
    }
    if let Some(p) = &g.peer {
        let w = if g.direction == Direction::Inbound {
            "from"
        } else {
            "to"
        };
        s.push_str(&format!(" {w} {p}"));
    }
    s
}

fn validate_outcome(
    g: &OutcomeGoal,
    ids: &WorldIds,
    at: &impl Fn(&str, String) -> LessonError,
) -> Result<(), LessonError> {
    if let Some(d) = &g.decided_by {
        require("component", d, &ids.components).map_err(|m| at("outcome.decided_by", m))?;
    }
    if let Some(r) = &g.region {
        require("region", r, &ids.regions).map_err(|m| at("outcome.region", m))?;
    }
    if let Some(p) = &g.pod {
        require("pod", p, &ids.pods).map_err(|m| at("outcome.pod", m))?;
    }
    if g.status.is_some() && g.no_response == Some(true) {
        return Err(at(
            "outcome",
            "a status and no_response = true can never hold together".into(),
        ));
    }
    Ok(())
}

fn validate_check(
    g: &CheckGoal,
    ids: &WorldIds,
    at: &impl Fn(&str, String) -> LessonError,
) -> Result<(), LessonError> {
    if let (Some(kind), Some(s)) = (g.kind, &g.subject) {
        let known = match kind {
            CheckKind::Nacl => Some(("network ACL", &ids.nacls)),
            CheckKind::SecurityGroup => Some(("security group", &ids.sgs)),
            CheckKind::RouteTable => Some(("route table", &ids.route_tables)),
            _ => None,
        };
        if let Some((what, set)) = known {
            require(what, s, set).map_err(|m| at("check.subject", m))?;
        }
    }
    if let Some(r) = &g.rule {
        let types = kinds::rule_types();
        match r.get("type").and_then(Value::as_str) {
            Some(t) if types.contains(&t) => {}
            Some(t) => {
                return Err(at(
                    "check.rule.type",
                    format!(
                        "unknown rule type '{t}' (expected one of {})",
                        types.join(", ")
                    ),
                ))
            }
            None => {
                return Err(at(
                    "check.rule",
                    format!("missing field 'type' (one of {})", types.join(", ")),
                ))
            }
        }
    }
    Ok(())
}

fn validate_burst(
    g: &BurstGoal,
    ids: &WorldIds,
    at: &impl Fn(&str, String) -> LessonError,
) -> Result<(), LessonError> {
    let n = [
        g.status.is_some(),
        g.region.is_some(),
        g.decided_by.is_some(),
        g.pod.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if n != 1 {
        return Err(at(
            "burst",
            "give exactly one of status, region, decided_by, pod".into(),
        ));
    }
    if g.at_least.is_none() && g.at_most.is_none() {
        return Err(at("burst", "give at_least, at_most or both".into()));
    }
    for (f, v) in [("at_least", g.at_least), ("at_most", g.at_most)] {
        if let Some(x) = v {
            if !(0.0..=1.0).contains(&x) {
                return Err(at(
                    &format!("burst.{f}"),
                    format!("{x} is not a share from 0.0 to 1.0"),
                ));
            }
        }
    }
    if let Some(r) = &g.region {
        require("region", r, &ids.regions).map_err(|m| at("burst.region", m))?;
    }
    if let Some(p) = &g.pod {
        require("pod", p, &ids.pods).map_err(|m| at("burst.pod", m))?;
    }
    if let Some(d) = &g.decided_by {
        require("component", d, &ids.components).map_err(|m| at("burst.decided_by", m))?;
    }
    Ok(())
}

fn validate_sg_rule(
    g: &SgRuleGoal,
    ids: &WorldIds,
    at: &impl Fn(&str, String) -> LessonError,
) -> Result<(), LessonError> {
    require("security group", &g.sg, &ids.sgs).map_err(|m| at("sg_rule.sg", m))?;
    if let Some(p) = &g.protocol {
        parse_protocol(p).map_err(|m| at("sg_rule.protocol", m))?;
    }
    if let Some(p) = &g.ports {
        parse_ports(p).map_err(|m| at("sg_rule.ports", m))?;
    }
    if let Some(p) = &g.peer {
        if crate::sim::net::parse_rule_cidr(p).is_err() {
            require("security group or CIDR", p, &ids.sgs).map_err(|m| at("sg_rule.peer", m))?;
        }
    }
    Ok(())
}

/// The component and kind an event goal names must exist (the engine's
/// serialized names, `kinds`).
fn validate_event(
    g: &EventGoal,
    key: &str,
    at: &impl Fn(&str, String) -> LessonError,
) -> Result<(), LessonError> {
    let fams = kinds::families();
    let Some(kinds) = kinds::kinds(&g.component) else {
        return Err(at(
            &format!("{key}.component"),
            format!(
                "unknown component '{}' (expected one of {})",
                g.component,
                fams.join(", ")
            ),
        ));
    };
    if !kinds.contains(&g.kind.as_str()) {
        return Err(at(
            &format!("{key}.kind"),
            format!(
                "unknown {} event kind '{}' (expected one of {})",
                g.component,
                g.kind,
                kinds.join(", ")
            ),
        ));
    }
    if let Some(f) = &g.fields {
        for k in ["component", "kind"] {
            if f.contains_key(k) {
                return Err(at(
                    &format!("{key}.fields.{k}"),
                    format!("'{k}' is given beside fields, not inside them"),
                ));
            }
        }
    }
    Ok(())
}
