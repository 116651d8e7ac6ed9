//! Edits a learner makes in the inspector. Values arrive as typed text and
//! are parsed and validated here; an edit is applied to a copy of the
//! scenario, the whole copy is validated, and only then swapped in. A
//! refused edit changes nothing.

use serde::{Deserialize, Serialize};

use super::net::*;
use super::scenario::{validate_block, Scenario};
use super::trace::Direction;
use super::world::World;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    /// Add a numbered rule to a network ACL. All fields are typed text.
    AddNaclRule {
        nacl: String,
        direction: Direction,
        number: String,
        protocol: String,
        ports: String,
        cidr: String,
        action: String,
    },
    RemoveNaclRule {
        nacl: String,
        direction: Direction,
        number: u16,
    },
    /// Add an allow rule to a security group. `peer` is a CIDR or a group id.
    AddSgRule {
        sg: String,
        direction: Direction,
        protocol: String,
        ports: String,
        peer: String,
    },
    /// Remove the rule at `index` (0-based, in list order).
    RemoveSgRule {
        sg: String,
        direction: Direction,
        index: usize,
    },
    SetSubnetCidr {
        subnet: String,
        cidr: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Edit {
    /// The edit the benchmarks time, a typical learner's change: deny
    /// HTTPS from the New York browser's /24 at the public NACL of region A.
    pub fn benchmark_sample() -> Edit {
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: "90".into(),
            protocol: "tcp".into(),
            ports: "443".into(),
            cidr: "203.0.113.0/24".into(),
            action: "deny".into(),
        }
    }

    /// A one-line description for the edit history.
    pub fn describe(&self) -> String {
        match self {
            Edit::AddNaclRule {
                nacl,
                direction,
                number,
                protocol,
                ports,
                cidr,
                action,
            } => format!(
                "{nacl} {}: add rule {number} {action} {protocol} {ports} {cidr}",
                direction.as_str()
            ),
            Edit::RemoveNaclRule {
                nacl,
                direction,
                number,
            } => {
                format!("{nacl} {}: delete rule {number}", direction.as_str())
            }
            Edit::AddSgRule {
                sg,
                direction,
                protocol,
                ports,
                peer,
            } => {
                format!(
                    "{sg} {}: allow {protocol} {ports} {peer}",
                    direction.as_str()
                )
            }
            Edit::RemoveSgRule {
                sg,
                direction,
                index,
            } => {
                format!("{sg} {}: delete rule {}", direction.as_str(), index + 1)
            }
            Edit::SetSubnetCidr { subnet, cidr } => format!("{subnet}: CIDR {cidr}"),
        }
    }

    fn apply_to(&self, s: &mut Scenario) -> Result<(), String> {
        match self {
            Edit::AddNaclRule {
                nacl,
                direction,
                number,
                protocol,
                ports,
                cidr,
                action,
            } => {
                let rule = NaclRule {
                    number: parse_rule_number(number)?,
                    protocol: parse_protocol(protocol)?,
                    ports: parse_ports(ports)?,
                    cidr: parse_cidr(cidr)?,
                    action: parse_action(action)?,
                };
                add_nacl_rule(s, nacl, *direction, rule)
            }
            Edit::RemoveNaclRule {
                nacl,
                direction,
                number,
            } => remove_nacl_rule(s, nacl, *direction, *number),
            Edit::AddSgRule {
                sg,
                direction,
                protocol,
                ports,
                peer,
            } => {
                let protocol = parse_protocol(protocol)?;
                let ports = if protocol == Protocol::All {
                    PortRange::ALL
                } else {
                    parse_ports(ports)?
                };
                let rule = SgRule {
                    protocol,
                    ports,
                    peer: parse_peer(s, sg, peer)?,
                    description: "added by learner".into(),
                };
                add_sg_rule(s, sg, *direction, rule)
            }
            Edit::RemoveSgRule {
                sg,
                direction,
                index,
            } => remove_sg_rule(s, sg, *direction, *index),
            Edit::SetSubnetCidr { subnet, cidr } => set_subnet_cidr(s, subnet, cidr),
        }
    }
}

/// Add a NACL rule; its number must be free in that direction.
fn add_nacl_rule(
    s: &mut Scenario,
    nacl: &str,
    direction: Direction,
    rule: NaclRule,
) -> Result<(), String> {
    let n = find_nacl(s, nacl)?;
    let rules = n.rules_mut(direction);
    if rules.iter().any(|r| r.number == rule.number) {
        return Err(format!(
            "{nacl} already has {} rule {}: rule numbers are unique per direction; delete it first or pick another number",
            direction.as_str(),
            rule.number
        ));
    }
    rules.push(rule);
    rules.sort_by_key(|r| r.number);
    Ok(())
}

fn remove_nacl_rule(
    s: &mut Scenario,
    nacl: &str,
    direction: Direction,
    number: u16,
) -> Result<(), String> {
    let n = find_nacl(s, nacl)?;
    let rules = n.rules_mut(direction);
    let before = rules.len();
    rules.retain(|r| r.number != number);
    if rules.len() == before {
        return Err(format!(
            "{nacl} has no {} rule {number}",
            direction.as_str()
        ));
    }
    Ok(())
}

/// A security group rule's peer: a group in the same VPC as `sg`, or a CIDR.
fn parse_peer(s: &Scenario, sg: &str, peer: &str) -> Result<Peer, String> {
    let p = peer.trim();
    if p.starts_with("sg-") {
        let region = s
            .region_of_vpc_item(sg)
            .ok_or_else(|| format!("no security group {sg}"))?;
        if region.vpc.sg(p).is_none() {
            return Err(format!("no security group {p} in {}", region.vpc.id));
        }
        Ok(Peer::Sg(p.to_string()))
    } else {
        Ok(Peer::Cidr(parse_cidr(p)?))
    }
}

/// Add a security group rule unless the same rule is already there.
fn add_sg_rule(
    s: &mut Scenario,
    sg: &str,
    direction: Direction,
    rule: SgRule,
) -> Result<(), String> {
    let g = find_sg(s, sg)?;
    if g.rules(direction)
        .iter()
        .any(|r| r.protocol == rule.protocol && r.ports == rule.ports && r.peer == rule.peer)
    {
        return Err(format!("{sg} already has this {} rule", direction.as_str()));
    }
    g.rules_mut(direction).push(rule);
    Ok(())
}

fn remove_sg_rule(
    s: &mut Scenario,
    sg: &str,
    direction: Direction,
    index: usize,
) -> Result<(), String> {
    let g = find_sg(s, sg)?;
    let rules = g.rules_mut(direction);
    if index >= rules.len() {
        return Err(format!(
            "{sg} has no {} rule {}",
            direction.as_str(),
            index + 1
        ));
    }
    rules.remove(index);
    Ok(())
}

fn set_subnet_cidr(s: &mut Scenario, subnet: &str, cidr: &str) -> Result<(), String> {
    let c = parse_cidr(cidr)?;
    validate_block(&c, &format!("subnet {subnet}"))?;
    let sub = s
        .regions
        .iter_mut()
        .flat_map(|r| r.vpc.subnets.iter_mut())
        .find(|x| x.id == subnet)
        .ok_or_else(|| format!("no subnet {subnet}"))?;
    sub.cidr = c;
    Ok(())
}

fn find_nacl<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Nacl, String> {
    s.regions
        .iter_mut()
        .flat_map(|r| r.vpc.nacls.iter_mut())
        .find(|n| n.id == id)
        .ok_or_else(|| format!("no network ACL {id}"))
}

fn find_sg<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut SecurityGroup, String> {
    s.regions
        .iter_mut()
        .flat_map(|r| r.vpc.security_groups.iter_mut())
        .find(|g| g.id == id)
        .ok_or_else(|| format!("no security group {id}"))
}

impl World {
    /// Validate and apply an edit. On error the world is untouched.
    pub fn apply_edit(&mut self, edit: &Edit) -> Result<(), EditError> {
        let mut s = self.scenario().clone();
        edit.apply_to(&mut s).map_err(EditError)?;
        s.validate().map_err(EditError)?;
        self.replace_scenario(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_rule(number: &str, ports: &str, cidr: &str) -> Edit {
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: number.into(),
            protocol: "tcp".into(),
            ports: ports.into(),
            cidr: cidr.into(),
            action: "deny".into(),
        }
    }

    #[test]
    fn rules_past_the_nacl_and_security_group_quotas_are_refused() {
        // Fact sheet §12: 20 NACL rules per direction; §11: 60 SG rules per direction.
        use crate::sim::scenario::{MAX_NACL_RULES, MAX_SG_RULES};
        let mut w = World::default_world();
        let have = w.scenario().regions[0]
            .vpc
            .nacl("acl-public-a")
            .unwrap()
            .inbound
            .len();
        for n in have..MAX_NACL_RULES {
            w.apply_edit(&add_rule(&(n + 1).to_string(), "22", "198.51.100.0/24"))
                .unwrap();
        }
        let before = w.clone();
        let err = w
            .apply_edit(&add_rule("1000", "22", "198.51.100.0/24"))
            .unwrap_err();
        assert!(err.0.contains("quota of 20 per direction"), "{}", err.0);
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
        let sg_rule = |port: usize| Edit::AddSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: port.to_string(),
            peer: "198.51.100.0/24".into(),
        };
        let have = w.scenario().regions[0]
            .vpc
            .sg("sg-alb-a")
            .unwrap()
            .inbound
            .len();
        for i in have..MAX_SG_RULES {
            w.apply_edit(&sg_rule(2000 + i)).unwrap();
        }
        let err = w.apply_edit(&sg_rule(3000)).unwrap_err();
        assert!(err.0.contains("quota of 60 per direction"), "{}", err.0);
    }

    #[test]
    fn invalid_edits_are_refused_with_a_reason_and_change_nothing() {
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (add_rule("100", "443", "0.0.0.0/0"), "already has"),
            (add_rule("90", "99999", "0.0.0.0/0"), "out of range"),
            (add_rule("90", "443", "10.0.0.300/24"), "not an IPv4 CIDR"),
            (add_rule("0", "443", "0.0.0.0/0"), "1 to 32766"),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.9.0.0/24".into(),
                },
                "not inside the VPC",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.0.11.0/24".into(),
                },
                "overlaps",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.0.10.0/29".into(),
                },
                "/29",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "banana".into(),
                },
                "no prefix",
            ),
            (
                Edit::RemoveNaclRule {
                    nacl: "acl-public-a".into(),
                    direction: Direction::Inbound,
                    number: 7,
                },
                "no inbound rule 7",
            ),
            (
                Edit::RemoveSgRule {
                    sg: "sg-alb-a".into(),
                    direction: Direction::Inbound,
                    index: 9,
                },
                "no inbound rule 10",
            ),
        ];
        for (edit, want) in cases {
            let err = w
                .apply_edit(&edit)
                .expect_err(&format!("{edit:?} should fail"));
            assert!(
                err.0.contains(want),
                "{edit:?}: '{}' should mention '{want}'",
                err.0
            );
            assert_eq!(w, before, "a refused edit must leave the world unchanged");
        }
    }

    #[test]
    fn a_subnet_cidr_that_still_holds_its_hosts_is_accepted() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::SetSubnetCidr {
            subnet: "subnet-app-a1".into(),
            cidr: "10.0.12.0/26".into(),
        })
        .unwrap();
        let r = &w.scenario().regions[0];
        assert_eq!(
            r.vpc.subnet("subnet-app-a1").unwrap().cidr.to_string(),
            "10.0.12.0/26"
        );
    }

    #[test]
    fn a_subnet_too_small_for_its_pods_is_refused() {
        let mut w = World::default_world();
        let err = w
            .apply_edit(&Edit::SetSubnetCidr {
                subnet: "subnet-app-a1".into(),
                cidr: "10.0.10.0/28".into(),
            })
            .unwrap_err();
        assert!(err.0.contains("does not fit"), "{}", err.0);
    }
}
