//! Checks as data: which rule table was consulted (security group, NACL,
//! route table, WAF, listener, health), on which side of the hop and in
//! which direction, which rule decided, and the packet as typed fields.
//!
//! A filter first *decides* ([`Decision`], small and `Copy`, made on every
//! request, recorded or not); only a recording walk then turns the decision
//! into a [`Check`] with its text, through [`PathChecks::add`].

use serde::{Deserialize, Serialize};
use std::fmt;

use super::net::Flow;
use super::trace::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// What kind of filter or table a check consulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    SecurityGroup,
    /// Return traffic of a tracked connection: security groups are stateful.
    SecurityGroupTracked,
    Nacl,
    RouteTable,
    WafRule,
    WafDefault,
    Health,
    ListenerRule,
}

impl CheckKind {
    /// The Reachability-Analyzer-style code when this kind of table denies.
    pub fn denial_code(self) -> Code {
        match self {
            CheckKind::Nacl => Code::SubnetAclRestriction,
            CheckKind::RouteTable => Code::NoRouteToDestination,
            _ => Code::EniSgRulesMismatch,
        }
    }

    /// The short name a check line starts with (`NACL`, `SG`, `route`).
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::SecurityGroup | CheckKind::SecurityGroupTracked => "SG",
            CheckKind::Nacl => "NACL",
            CheckKind::RouteTable => "route",
            CheckKind::WafRule => "WAF rule",
            CheckKind::WafDefault => "WAF default",
            CheckKind::Health => "health",
            CheckKind::ListenerRule => "listener",
        }
    }

    /// How a learner calls this kind of table in a sentence.
    pub fn noun(self) -> &'static str {
        match self {
            CheckKind::Nacl => "network ACL",
            CheckKind::RouteTable => "route table",
            CheckKind::WafRule | CheckKind::WafDefault => "web ACL",
            CheckKind::ListenerRule => "listener",
            CheckKind::Health => "health check",
            CheckKind::SecurityGroup | CheckKind::SecurityGroupTracked => "security group",
        }
    }
}

/// Which end of a hop a check belongs to: the sender's interface and
/// subnet, or the receiver's. The diagram rests a stopped packet there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Destination,
}

/// Which leg of a connection a check saw: the packet going out, or the
/// answer coming back (NACLs are stateless, so replies are checked too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    #[default]
    Forward,
    Return,
}

/// The rule that decided a check, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleRef {
    /// A numbered NACL rule.
    Number { number: u16 },
    /// The NACL's final `*` rule: nothing numbered matched.
    Star,
    /// A security-group rule: the group and the rule's 1-based position.
    SgRule { group: String, index: u16 },
    /// No security-group rule matched: groups deny by default.
    NoSgRule,
    /// The longest-prefix route that matched, and where it leads.
    Route { destination: String, target: String },
    /// No route matched the destination.
    NoRoute,
    /// Return traffic of a tracked connection.
    Tracked,
    /// A WAF rule by priority and name.
    WafRule { priority: u32, name: String },
    /// The web ACL's default action.
    WafDefault,
    /// A listener rule by priority.
    ListenerRule { priority: u32 },
    /// The listener's default action.
    ListenerDefault,
}

/// What a filter decided, without any text: made on every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Where in the table the decision came from (rule position, number, or
    /// none for a default), for the recorder to render.
    pub at: Option<(u16, u16)>,
}

impl Decision {
    pub fn allow(at: Option<(u16, u16)>) -> Self {
        Decision { allowed: true, at }
    }
    pub fn deny(at: Option<(u16, u16)>) -> Self {
        Decision { allowed: false, at }
    }
}

/// One rule table looked at on the way, and what decided.
///
/// `flow` and `decided_by` are the rendered text (the JSON trace has always
/// carried them); `side`, `leg`, `five_tuple` and `rule` are the same facts
/// as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub kind: CheckKind,
    /// The id of the group, ACL, route table or web ACL consulted.
    pub subject: String,
    pub direction: Option<Direction>,
    /// The traffic as the filter saw it, e.g. `TCP 10.0.1.10:41000 -> 10.0.10.20:8080`.
    pub flow: String,
    /// The rule that decided, rendered from the rule itself
    /// (`rule 100 allow TCP 443 from 0.0.0.0/0`), or why none did.
    pub decided_by: String,
    pub allowed: bool,
    /// The end of the hop this table belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    #[serde(default)]
    pub leg: Leg,
    /// The packet as the filter saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub five_tuple: Option<Flow>,
    /// The rule that decided, as data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    /// For rules that match rather than filter (a listener rule, a WAF
    /// rule): whether the rule's conditions held. A listener rule that does
    /// not match is skipped; a WAF rule that matches may still only count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<bool>,
}

impl Check {
    /// A check on a packet flow (security group, NACL, route table).
    pub fn on_flow(
        kind: CheckKind,
        subject: &str,
        direction: Option<Direction>,
        flow: &Flow,
    ) -> Self {
        Check {
            kind,
            subject: subject.to_string(),
            direction,
            flow: flow.to_string(),
            decided_by: String::new(),
            allowed: true,
            side: None,
            leg: Leg::Forward,
            five_tuple: Some(*flow),
            rule: None,
            matched: None,
        }
    }

    /// A check that is not about a packet's five-tuple (WAF, listener, health).
    pub fn other(
        kind: CheckKind,
        subject: &str,
        flow: String,
        decided_by: String,
        allowed: bool,
    ) -> Self {
        Check {
            kind,
            subject: subject.to_string(),
            direction: None,
            flow,
            decided_by,
            allowed,
            side: None,
            leg: Leg::Forward,
            five_tuple: None,
            rule: None,
            matched: None,
        }
    }

    /// Whether a matching rule's conditions held (listener and WAF rules).
    pub fn matched(mut self, matched: bool) -> Self {
        self.matched = Some(matched);
        self
    }

    pub fn side(mut self, side: Side) -> Self {
        self.side = Some(side);
        self
    }
    pub fn leg(mut self, leg: Leg) -> Self {
        self.leg = leg;
        self
    }
    pub fn rule(mut self, rule: RuleRef, decided_by: String, allowed: bool) -> Self {
        self.rule = Some(rule);
        self.decided_by = decided_by;
        self.allowed = allowed;
        self
    }

    /// The Reachability-Analyzer-style code for a filter or table that
    /// denied: NACL, route table, or security group.
    pub fn denial_code(&self) -> Code {
        self.kind.denial_code()
    }

    pub fn line(&self) -> String {
        let what = self.kind.label();
        let dir = self
            .direction
            .map(|d| format!(" {}", d.as_str()))
            .unwrap_or_default();
        if self.kind == CheckKind::ListenerRule {
            return format!(
                "{} {}: {} [{}]",
                what, self.subject, self.decided_by, self.flow
            );
        }
        format!(
            "{} {}{}: {} ({}) -> {}",
            what,
            self.subject,
            dir,
            self.decided_by,
            self.flow,
            if self.allowed { "allow" } else { "deny" }
        )
    }
}

/// The first table that denied on a path, as data: enough to pick the
/// outcome's code and say which leg was dropped, recorded or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Denial {
    pub kind: CheckKind,
    pub side: Option<Side>,
    pub leg: Leg,
}

impl Denial {
    pub fn code(&self) -> Code {
        self.kind.denial_code()
    }
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Leg::Forward => "forward",
            Leg::Return => "return",
        })
    }
}

/// The checks met on one path. Every decision is counted, the first denial
/// kept as data; the [`Check`] itself (with its text) is built only when
/// the walk is recorded, so a burst pays for none of it.
#[derive(Debug, Default)]
pub struct PathChecks {
    pub list: Vec<Check>,
    pub denied: Option<Denial>,
    record: bool,
}

impl PathChecks {
    pub fn new(record: bool) -> Self {
        PathChecks {
            list: Vec::new(),
            denied: None,
            record,
        }
    }

    /// Count one decision; `make` renders its check when the walk records.
    pub fn add(
        &mut self,
        kind: CheckKind,
        side: Option<Side>,
        leg: Leg,
        d: Decision,
        make: impl FnOnce(Decision) -> Check,
    ) {
        if !d.allowed && self.denied.is_none() {
            self.denied = Some(Denial { kind, side, leg });
        }
        if self.record {
            let mut c = make(d);
            c.kind = kind;
            c.side = side;
            c.leg = leg;
            c.allowed = d.allowed;
            self.list.push(c);
        }
    }

    /// Add a check that was already built (recorded walks only).
    pub fn push(&mut self, c: Check) {
        if !c.allowed && self.denied.is_none() {
            self.denied = Some(Denial {
                kind: c.kind,
                side: c.side,
                leg: c.leg,
            });
        }
        if self.record {
            self.list.push(c);
        }
    }

    /// The check that decided, when the walk was recorded.
    pub fn deciding(&self) -> Option<&Check> {
        self.list.iter().find(|c| !c.allowed)
    }

    pub fn allowed(&self) -> bool {
        self.denied.is_none()
    }

    pub fn into_list(self) -> Vec<Check> {
        self.list
    }
}
