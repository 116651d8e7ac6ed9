//! IP versions: a packet is IPv4 or IPv6, and so is every rule's CIDR.
//! IPv4 and IPv6 are independent: an IPv4 rule (`0.0.0.0/0`) never
//! matches an IPv6 packet and `::/0` never matches an IPv4 one, and the
//! rule quotas of security groups and network ACLs count each version
//! separately. Fact sheet §11, §12, §23.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

use super::cidr_has;

/// An IP version.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    #[default]
    Ipv4,
    Ipv6,
}

impl Family {
    pub const BOTH: [Family; 2] = [Family::Ipv4, Family::Ipv6];

    /// The version of an address.
    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// The version of a CIDR block.
    pub fn of_net(net: &IpNet) -> Family {
        match net {
            IpNet::V4(_) => Family::Ipv4,
            IpNet::V6(_) => Family::Ipv6,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule's block holds `addr`: never across versions (an IPv4
/// rule does not match an IPv6 packet, fact sheet §23). IPv4 membership is
/// the 32-bit arithmetic of [`cidr_has`].
#[inline]
pub fn net_has(net: &IpNet, addr: IpAddr) -> bool {
    match (net, addr) {
        (IpNet::V4(n), IpAddr::V4(a)) => cidr_has(n, a),
        (IpNet::V6(n), IpAddr::V6(a)) => n.contains(&a),
        _ => false,
    }
}

/// How many rules count against each version's quota: (IPv4, IPv6), from
/// each rule's block (`None`: a rule naming a security group, which AWS
/// counts once for each version). Fact sheet §11, §12: the rule quotas
/// count IPv4 and IPv6 separately.
pub fn count_by_family<'a>(nets: impl Iterator<Item = Option<&'a IpNet>>) -> (usize, usize) {
    nets.fold((0, 0), |(v4, v6), n| match n.map(Family::of_net) {
        Some(Family::Ipv4) => (v4 + 1, v6),
        Some(Family::Ipv6) => (v4, v6 + 1),
        None => (v4 + 1, v6 + 1),
    })
}

/// What lets IPv6 into a dual-stack load balancer, for the inspector: how
/// many IPv6 rules its public subnets' network ACLs and its security
/// groups hold, against the quota per version. Fact sheet §11, §12, §23.
pub fn ipv6_rules(r: &crate::sim::scenario::Region) -> String {
    use crate::sim::check::Direction::{Inbound, Outbound};
    use crate::sim::limits::{MAX_NACL_RULES, MAX_SG_RULES};
    let v6 = |nets: &mut dyn Iterator<Item = Option<&IpNet>>| count_by_family(nets).1;
    let mut parts = Vec::new();
    let mut nacls: Vec<&str> = Vec::new();
    for n in &r.alb.nodes {
        let Some(s) = r.vpc.subnet(&n.subnet) else {
            continue;
        };
        if nacls.contains(&s.nacl.as_str()) {
            continue;
        }
        nacls.push(&s.nacl);
        if let Some(acl) = r.vpc.nacl(&s.nacl) {
            let count = |d| v6(&mut acl.rules(d).iter().map(|r| Some(&r.cidr)));
            parts.push(format!(
                "{}: {} inbound, {} outbound of {MAX_NACL_RULES}",
                acl.id,
                count(Inbound),
                count(Outbound)
            ));
        }
    }
    for id in &r.alb.security_groups {
        if let Some(g) = r.vpc.sg(id) {
            let inbound = v6(&mut g.inbound.iter().map(|r| match &r.peer {
                super::Peer::Cidr(c) => Some(c),
                super::Peer::Sg(_) => None,
            }));
            parts.push(format!("{}: {inbound} inbound of {MAX_SG_RULES}", g.id));
        }
    }
    format!(
        "{} (IPv4 rules never match IPv6: without ::/0 rules IPv6 clients are dropped and fall back to IPv4)",
        parts.join("; ")
    )
}

/// Parse a learner-typed rule CIDR, IPv4 (`10.0.1.0/24`, `0.0.0.0/0`) or
/// IPv6 (`::/0`, `2001:db8::/32`), as network ACL and security group rules
/// take them. Host bits are cleared, as AWS does (fact sheet §10).
pub fn parse_rule_cidr(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if !t.contains(':') {
        return super::parse_cidr(t).map(IpNet::V4);
    }
    let clipped = crate::sim::text::clip(t);
    if !t.contains('/') {
        return Err(format!(
            "'{clipped}' has no prefix length: write an IPv6 block like 2001:db8::/32 (a single address is /128; all of IPv6 is ::/0)"
        ));
    }
    let net: ipnet::Ipv6Net = t.parse().map_err(|_| {
        format!(
            "'{clipped}' is not an IPv6 CIDR: write it like ::/0 or 2001:db8::/32 (prefix 0-128)"
        )
    })?;
    Ok(IpNet::V6(net.trunc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_of_one_version_never_matches_a_packet_of_the_other() {
        let all4: IpNet = "0.0.0.0/0".parse().unwrap();
        let all6: IpNet = "::/0".parse().unwrap();
        let v4: IpAddr = "203.0.113.5".parse().unwrap();
        let v6: IpAddr = "2001:db8::5".parse().unwrap();
        assert!(net_has(&all4, v4) && !net_has(&all4, v6));
        assert!(net_has(&all6, v6) && !net_has(&all6, v4));
    }

    #[test]
    fn rule_cidrs_of_both_versions_are_parsed_normalised_or_refused() {
        assert_eq!(parse_rule_cidr(" ::/0 ").unwrap().to_string(), "::/0");
        assert_eq!(
            parse_rule_cidr("2001:db8::7/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            parse_rule_cidr("10.0.1.7/24").unwrap().to_string(),
            "10.0.1.0/24"
        );
        assert!(parse_rule_cidr("2001:db8::/129")
            .unwrap_err()
            .contains("not an IPv6 CIDR"));
        assert!(parse_rule_cidr("2001:db8::1")
            .unwrap_err()
            .contains("prefix length"));
        assert!(parse_rule_cidr("2001:zz::/32").is_err());
    }
}
