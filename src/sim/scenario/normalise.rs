//! CIDRs as AWS stores them: a block typed with host bits set
//! (`10.0.1.7/24`) is read as its network (`10.0.1.0/24`), never refused
//! and never kept as typed. Fact sheet §10 "Non-canonical input is
//! normalised".

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::*;

/// Why a CIDR changed, for the note that says so.
pub const NORMALISED: &str =
    "AWS normalises a CIDR with host bits set to its network address; fact sheet §10";

impl Scenario {
    /// Normalise every IPv4 block in the scenario (VPCs, subnets, routes,
    /// network ACL and security group rules, WAF IP sets, listener
    /// source-ip conditions, CIDR collections). Returns one note per block
    /// that changed: `regions[0].vpc.cidr: 10.0.0.7/16 read as 10.0.0.0/16 (...)`.
    pub fn normalise(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        // IPv6 rule blocks (network ACL and security group rules).
        let mut notes6 = Vec::new();
        let mut fix = |path: String, net: &mut Ipv4Net| {
            let t = net.trunc();
            if t != *net {
                notes.push(format!("{path}: {net} read as {t} ({NORMALISED})"));
                *net = t;
            }
        };
        for (ri, r) in self.regions.iter_mut().enumerate() {
            let p = format!("regions[{ri}]");
            let v = &mut r.vpc;
            fix(format!("{p}.vpc.cidr"), &mut v.cidr);
            for (i, s) in v.subnets.iter_mut().enumerate() {
                fix(format!("{p}.vpc.subnets[{i}].cidr"), &mut s.cidr);
            }
            for (i, t) in v.route_tables.iter_mut().enumerate() {
                for (j, route) in t.routes.iter_mut().enumerate() {
                    let q = format!("{p}.vpc.route_tables[{i}].routes[{j}].destination");
                    match &mut route.destination {
                        IpNet::V4(n) => fix(q, n),
                        IpNet::V6(n) => fix6(&mut notes6, q, n),
                    }
                }
            }
            for (i, n) in v.nacls.iter_mut().enumerate() {
                for (dir, rules) in [("inbound", &mut n.inbound), ("outbound", &mut n.outbound)] {
                    for (j, rule) in rules.iter_mut().enumerate() {
                        let q = format!("{p}.vpc.nacls[{i}].{dir}[{j}].cidr");
                        match &mut rule.cidr {
                            IpNet::V4(n) => fix(q, n),
                            IpNet::V6(n) => fix6(&mut notes6, q, n),
                        }
                    }
                }
            }
            for (i, g) in v.security_groups.iter_mut().enumerate() {
                for (dir, rules) in [("inbound", &mut g.inbound), ("outbound", &mut g.outbound)] {
                    for (j, rule) in rules.iter_mut().enumerate() {
                        if let Peer::Cidr(c) = &mut rule.peer {
                            let q = format!("{p}.vpc.security_groups[{i}].{dir}[{j}].peer.cidr");
                            match c {
                                IpNet::V4(n) => fix(q, n),
                                IpNet::V6(n) => fix6(&mut notes6, q, n),
                            }
                        }
                    }
                }
            }
            for (i, rule) in r.alb.listener.rules.iter_mut().enumerate() {
                for (j, c) in rule.conditions.iter_mut().enumerate() {
                    if let Condition::SourceIp { values } = c {
                        for (k, net) in values.iter_mut().enumerate() {
                            let q =
                                format!("{p}.alb.listener.rules[{i}].conditions[{j}].values[{k}]");
                            fix(q, net);
                        }
                    }
                }
            }
            if let Some(acl) = &mut r.alb.web_acl {
                web_acl(&format!("{p}.alb.web_acl"), acl, &mut fix);
            }
        }
        web_acl("waf", &mut self.waf, &mut fix);
        for (i, c) in self.dns.cidr_collections.iter_mut().enumerate() {
            for (j, l) in c.locations.iter_mut().enumerate() {
                for (k, b) in l.blocks.iter_mut().enumerate() {
                    let q = format!("dns.cidr_collections[{i}].locations[{j}].blocks[{k}]");
                    fix(q, b);
                }
            }
        }
        notes.extend(notes6);
        notes
    }
}

/// An IPv6 rule block with host bits set, read as its network.
fn fix6(notes: &mut Vec<String>, path: String, net: &mut Ipv6Net) {
    let t = net.trunc();
    if t != *net {
        notes.push(format!("{path}: {net} read as {t} ({NORMALISED})"));
        *net = t;
    }
}

fn web_acl(p: &str, acl: &mut WebAcl, fix: &mut impl FnMut(String, &mut Ipv4Net)) {
    for (i, r) in acl.rules.iter_mut().enumerate() {
        if let WafStatement::IpSet { cidrs } = &mut r.statement {
            for (j, c) in cidrs.iter_mut().enumerate() {
                fix(format!("{p}.rules[{i}].statement.ip_set.cidrs[{j}]"), c);
            }
        }
    }
}
