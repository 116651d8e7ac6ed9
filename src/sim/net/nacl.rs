//! Network ACLs: stateless, numbered rules, lowest number first, the first
//! match decides, a final `*` rule denies. Fact sheet §12.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum RuleAction {
    Allow,
    Deny,
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleAction::Allow => "allow",
            RuleAction::Deny => "deny",
        })
    }
}

/// A numbered network ACL rule. Its CIDR is IPv4 or IPv6 and matches
/// packets of its own version only. Fact sheet §12, §23.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclRule {
    pub number: u16,
    pub protocol: Protocol,
    pub ports: PortRange,
    pub cidr: ipnet::IpNet,
    pub action: RuleAction,
}

impl NaclRule {
    pub fn describe(&self, dir: Direction) -> String {
        let peer = match dir {
            Direction::Inbound => "from",
            Direction::Outbound => "to",
        };
        format!(
            "rule {} {} {} {} {}",
            self.number,
            self.action,
            traffic(self.protocol, self.ports),
            peer,
            self.cidr
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nacl {
    pub id: String,
    pub name: String,
    /// Kept sorted by rule number.
    pub inbound: Vec<NaclRule>,
    pub outbound: Vec<NaclRule>,
}

impl Nacl {
    /// A VPC's default network ACL: rule 100 allows all traffic both ways,
    /// then `*` denies. Fact sheet §12.
    pub fn default_acl(id: &str) -> Nacl {
        let all = NaclRule {
            number: 100,
            protocol: Protocol::All,
            ports: PortRange::ALL,
            cidr: "0.0.0.0/0".parse().expect("constant"),
            action: RuleAction::Allow,
        };
        Nacl {
            id: id.into(),
            name: "default".into(),
            inbound: vec![all.clone()],
            outbound: vec![all],
        }
    }

    /// A newly created custom network ACL: only the `*` deny rules, so it
    /// blocks everything until rules are added. Fact sheet §12.
    pub fn custom_acl(id: &str) -> Nacl {
        Nacl {
            id: id.into(),
            name: "custom".into(),
            inbound: vec![],
            outbound: vec![],
        }
    }

    pub fn rules(&self, dir: Direction) -> &Vec<NaclRule> {
        match dir {
            Direction::Inbound => &self.inbound,
            Direction::Outbound => &self.outbound,
        }
    }
    pub fn rules_mut(&mut self, dir: Direction) -> &mut Vec<NaclRule> {
        match dir {
            Direction::Inbound => &mut self.inbound,
            Direction::Outbound => &mut self.outbound,
        }
    }

    /// Lowest number first; the first rule that matches decides; nothing
    /// matched means the final `*` rule denies. Fact sheet §12.
    pub fn decide(&self, dir: Direction, flow: &Flow) -> Decision {
        // For inbound traffic the rule's CIDR is the source; outbound, the destination.
        let (peer, port) = match dir {
            Direction::Inbound => (flow.src, flow.dst_port),
            Direction::Outbound => (flow.dst, flow.dst_port),
        };
        // Edits keep rules sorted; a hand-written file may not be.
        for r in crate::sim::world::by_priority(self.rules(dir), |r| r.number) {
            if r.protocol.matches(flow.protocol) && r.ports.contains(port) && net_has(&r.cidr, peer)
            {
                let at = Some((r.number, 0));
                return if r.action == RuleAction::Allow {
                    Decision::allow(at)
                } else {
                    Decision::deny(at)
                };
            }
        }
        Decision::deny(None)
    }

    /// The decision as a check a learner reads.
    pub fn check(&self, dir: Direction, flow: &Flow, d: Decision) -> Check {
        let rule =
            d.at.and_then(|(n, _)| self.rules(dir).iter().find(|r| r.number == n));
        let (rule, text) = match rule {
            Some(r) => (RuleRef::Number { number: r.number }, r.describe(dir)),
            None => (
                RuleRef::Star,
                "rule * deny all (no numbered rule matched)".into(),
            ),
        };
        Check::on_flow(CheckKind::Nacl, &self.id, Some(dir), flow).rule(rule, text, d.allowed)
    }

    /// [`Nacl::decide`] and [`Nacl::check`] in one.
    pub fn evaluate(&self, dir: Direction, flow: &Flow) -> Check {
        self.check(dir, flow, self.decide(dir, flow))
    }
}
