//! Security groups: stateful, allow-only, the union of every group on an
//! interface; a rule may name another group. Fact sheet §11.

use super::*;

/// Where a Security Group rule lets traffic come from or go to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[serde(deny_unknown_fields)]
pub enum Peer {
    /// An IPv4 or IPv6 block: it matches packets of its own version only.
    /// Fact sheet §11, §23.
    Cidr(ipnet::IpNet),
    /// A reference to another group: matches the private addresses of
    /// interfaces that carry that group. Fact sheet §11.
    Sg(String),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Cidr(c) => write!(f, "{c}"),
            Peer::Sg(id) => write!(f, "{id}"),
        }
    }
}

/// A security group rule: always an allow (fact sheet §11). A file may
/// write `"action": "allow"`; `"deny"` is refused with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SgRuleInput")]
pub struct SgRule {
    pub protocol: Protocol,
    pub ports: PortRange,
    pub peer: Peer,
    #[serde(default)]
    pub description: String,
}

/// A security group rule as a file writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SgRuleInput {
    protocol: Protocol,
    ports: PortRange,
    peer: Peer,
    #[serde(default)]
    description: String,
    /// Only `allow`: security groups have no deny rules. Fact sheet §11.
    #[serde(default)]
    action: Option<RuleAction>,
}

impl TryFrom<SgRuleInput> for SgRule {
    type Error = &'static str;
    fn try_from(r: SgRuleInput) -> Result<SgRule, &'static str> {
        if r.action == Some(RuleAction::Deny) {
            return Err(crate::sim::limits::SG_ALLOW_ONLY);
        }
        Ok(SgRule {
            protocol: r.protocol,
            ports: r.ports,
            peer: r.peer,
            description: r.description,
        })
    }
}

impl SgRule {
    pub fn describe(&self, dir: Direction) -> String {
        let peer = match dir {
            Direction::Inbound => "from",
            Direction::Outbound => "to",
        };
        format!(
            "allow {} {} {}",
            traffic(self.protocol, self.ports),
            peer,
            self.peer
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub inbound: Vec<SgRule>,
    pub outbound: Vec<SgRule>,
}

impl SecurityGroup {
    pub fn rules(&self, dir: Direction) -> &Vec<SgRule> {
        match dir {
            Direction::Inbound => &self.inbound,
            Direction::Outbound => &self.outbound,
        }
    }
    pub fn rules_mut(&mut self, dir: Direction) -> &mut Vec<SgRule> {
        match dir {
            Direction::Inbound => &mut self.inbound,
            Direction::Outbound => &mut self.outbound,
        }
    }
}

/// Whether two ids are equal, looking at the last byte first: ids in one
/// list share long prefixes ("subnet-app-a1", "subnet-app-a2"), so most
/// mismatches show there. Lookups by id run dozens of times per packet.
#[inline]
pub fn same_id(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().last() == b.as_bytes().last() && a == b
}

/// Whether `net` holds `addr`: the same answer as `Ipv4Net::contains`,
/// computed on the 32-bit value (it runs several times per packet).
#[inline]
pub fn cidr_has(net: &Ipv4Net, addr: Ipv4Addr) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(net.prefix_len()))
        .unwrap_or(0);
    (u32::from(addr) ^ u32::from(net.addr())) & mask == 0
}

/// Evaluate the union of all groups on one interface. Allow-only: any
/// matching rule allows, order does not matter; nothing matching denies.
/// `peer_groups` are the groups on the other end, used for SG references,
/// which only match when the peer address is private (same VPC).
/// The decision's `at` is (group position, 1-based rule position).
pub fn sg_decide<'g>(
    groups: impl Iterator<Item = &'g SecurityGroup>,
    dir: Direction,
    flow: &Flow,
    peer_groups: &[String],
    peer_is_private: bool,
) -> Decision {
    let peer_addr = match dir {
        Direction::Inbound => flow.src,
        Direction::Outbound => flow.dst,
    };
    for (gi, g) in groups.enumerate() {
        for (i, r) in g.rules(dir).iter().enumerate() {
            if !r.protocol.matches(flow.protocol) || !r.ports.contains(flow.dst_port) {
                continue;
            }
            let hit = match &r.peer {
                Peer::Cidr(c) => net_has(c, peer_addr),
                Peer::Sg(id) => peer_is_private && peer_groups.iter().any(|p| p == id),
            };
            if hit {
                return Decision::allow(Some((gi as u16, i as u16 + 1)));
            }
        }
    }
    Decision::deny(None)
}

/// A security-group decision as a check a learner reads: the subject names
/// every group on the interface (`sg-a+sg-b`).
pub fn sg_check<'g>(
    groups: impl Iterator<Item = &'g SecurityGroup> + Clone,
    dir: Direction,
    flow: &Flow,
    d: Decision,
) -> Check {
    let subject = groups
        .clone()
        .map(|g| g.id.as_str())
        .collect::<Vec<_>>()
        .join("+");
    let rule = d.at.and_then(|(gi, i)| {
        let g = groups.clone().nth(gi as usize)?;
        Some((g, i, g.rules(dir).get(i as usize - 1)?))
    });
    let (rule, text) = match rule {
        Some((g, i, r)) => (
            RuleRef::SgRule {
                group: g.id.clone(),
                index: i,
            },
            format!("{} rule {}: {}", g.id, i, r.describe(dir)),
        ),
        None => (
            RuleRef::NoSgRule,
            format!(
                "no {} rule allows this (security groups deny by default)",
                dir.as_str()
            ),
        ),
    };
    Check::on_flow(CheckKind::SecurityGroup, &subject, Some(dir), flow).rule(rule, text, d.allowed)
}

pub fn evaluate_sgs(
    groups: &[&SecurityGroup],
    dir: Direction,
    flow: &Flow,
    peer_groups: &[String],
    peer_is_private: bool,
) -> Check {
    let d = sg_decide(
        groups.iter().copied(),
        dir,
        flow,
        peer_groups,
        peer_is_private,
    );
    sg_check(groups.iter().copied(), dir, flow, d)
}

/// [`evaluate_sgs`] for the groups a VPC knows by these ids (unknown ids
/// are skipped).
pub fn evaluate_sg_ids(
    vpc: &Vpc,
    ids: &[String],
    dir: Direction,
    flow: &Flow,
    peer_groups: &[String],
    peer_is_private: bool,
) -> Check {
    let groups = || ids.iter().filter_map(|i| vpc.sg(i));
    let d = sg_decide(groups(), dir, flow, peer_groups, peer_is_private);
    sg_check(groups(), dir, flow, d)
}
