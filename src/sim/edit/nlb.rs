//! Network Load Balancer edits: add one to a region or remove it, add and
//! remove listeners, cross-zone and security groups, a TCP listener's idle
//! timeout, and a target group's settings. Fact sheet §9, §26.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::{HEALTH_INTERVAL_S, HEALTH_THRESHOLDS};
use crate::sim::scenario::*;
use crate::sim::text::clip;

fn parse_u16(what: &str, t: &str) -> Result<u16, EditError> {
    t.trim()
        .parse::<u16>()
        .map_err(|_| EditError::Parse(format!("{what} '{}' must be a number 0-65535", clip(t))))
}

fn parse_u32(what: &str, t: &str) -> Result<u32, EditError> {
    t.trim()
        .parse::<u32>()
        .map_err(|_| EditError::Parse(format!("{what} '{}' must be a whole number", clip(t))))
}

/// A whole number within an NLB health-check setting's range; out of it,
/// the range and the fact sheet's section. Fact sheet §9, §8.
fn in_range(
    t: &str,
    what: &'static str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, EditError> {
    let n: u64 = t
        .trim()
        .parse()
        .map_err(|_| EditError::Parse(format!("{what} '{}' must be a whole number", clip(t))))?;
    let (min, max) = (*range.start() as u64, *range.end() as u64);
    if !(min..=max).contains(&n) {
        return Err(EditError::OutOfRange {
            what,
            value: n,
            min,
            max,
            section: 9,
        });
    }
    Ok(n as u32)
}

fn parse_on_off(what: &str, t: &str) -> Result<bool, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err(EditError::Parse(format!(
            "{what} '{}' must be on or off",
            clip(t)
        ))),
    }
}

fn list(t: &str) -> Vec<String> {
    t.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty() && *x != "-")
        .map(String::from)
        .collect()
}

fn find_nlb<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Nlb, EditError> {
    s.regions
        .iter_mut()
        .filter_map(|r| r.nlb.as_mut())
        .find(|n| n.id == id)
        .ok_or_else(|| unknown(VpcPart::LoadBalancer, id))
}

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddNlb { region } => format!("{region}: add a Network Load Balancer"),
        Edit::RemoveNlb { nlb } => format!("{nlb}: remove"),
        Edit::AddNlbListener {
            nlb,
            protocol,
            port,
            target_group,
            ..
        } => format!("{nlb}: add listener {protocol} {port} -> {target_group}"),
        Edit::RemoveNlbListener { nlb, port } => format!("{nlb}: remove listener {port}"),
        Edit::SetNlb {
            nlb,
            cross_zone,
            security_groups,
        } => {
            let mut parts = Vec::new();
            if !cross_zone.is_empty() {
                parts.push(format!("cross-zone {cross_zone}"));
            }
            if !security_groups.is_empty() {
                parts.push(format!("security groups {security_groups}"));
            }
            format!("{nlb}: {}", parts.join(", "))
        }
        Edit::SetNlbIdleTimeout { nlb, port, seconds } => {
            format!("{nlb}: listener {port} idle timeout {seconds} s")
        }
        Edit::SetNlbTargetGroup {
            target_group,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
            ..
        } => {
            let mut parts = Vec::new();
            for (what, v) in [
                ("health check every {} s", health_interval_s),
                ("healthy threshold {}", healthy_threshold),
                ("unhealthy threshold {}", unhealthy_threshold),
            ] {
                if !v.trim().is_empty() {
                    parts.push(what.replace("{}", v.trim()));
                }
            }
            if parts.is_empty() {
                format!("{target_group}: NLB target group settings")
            } else {
                format!(
                    "{target_group}: NLB target group settings ({})",
                    parts.join(", ")
                )
            }
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddNlb { region } => {
            let r = s
                .regions
                .iter_mut()
                .find(|r| r.id == *region)
                .ok_or_else(|| unknown(VpcPart::Region, region))?;
            if let Some(n) = &r.nlb {
                return Err(EditError::Invalid(format!(
                    "{region} already has {}: one Network Load Balancer per region here",
                    n.id
                )));
            }
            r.nlb = Some(Nlb::default_for(r));
        }
        Edit::RemoveNlb { nlb } => {
            let r = s
                .regions
                .iter_mut()
                .find(|r| r.nlb.as_ref().is_some_and(|n| n.id == *nlb))
                .ok_or_else(|| unknown(VpcPart::LoadBalancer, nlb))?;
            r.nlb = None;
        }
        Edit::AddNlbListener {
            nlb,
            protocol,
            port,
            target_group,
            certificate,
        } => {
            let protocol = NlbProtocol::parse(protocol).map_err(EditError::Parse)?;
            let port = parse_u16("port", port)?;
            let n = find_nlb(s, nlb)?;
            n.listeners.push(NlbListener {
                protocol,
                port,
                target_group: target_group.trim().to_string(),
                certificate_domains: list(certificate),
                idle_timeout_s: None,
            });
        }
        Edit::RemoveNlbListener { nlb, port } => {
            let port = parse_u16("port", port)?;
            let n = find_nlb(s, nlb)?;
            let before = n.listeners.len();
            n.listeners.retain(|l| l.port != port);
            if n.listeners.len() == before {
                return Err(EditError::Invalid(format!(
                    "{nlb} has no listener on port {port}"
                )));
            }
        }
        Edit::SetNlb {
            nlb,
            cross_zone,
            security_groups,
        } => {
            let n = find_nlb(s, nlb)?;
            if !cross_zone.is_empty() {
                n.cross_zone = parse_on_off("cross_zone", cross_zone)?;
            }
            if !security_groups.is_empty() {
                n.security_groups = list(security_groups);
            }
        }
        Edit::SetNlbIdleTimeout { nlb, port, seconds } => {
            let port = parse_u16("port", port)?;
            let n = find_nlb(s, nlb)?;
            let id = n.id.clone();
            let l = n
                .listeners
                .iter_mut()
                .find(|l| l.port == port)
                .ok_or_else(|| {
                    EditError::Invalid(format!("{id} has no listener on port {port}"))
                })?;
            l.idle_timeout_s = match seconds.trim() {
                "" | "default" => None,
                t => Some(parse_u32("seconds", t)?),
            };
        }
        Edit::SetNlbTargetGroup {
            target_group,
            target_type,
            preserve_client_ip,
            port,
            protocol,
            health_protocol,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => {
            let tg = s
                .regions
                .iter_mut()
                .filter_map(|r| r.nlb.as_mut())
                .flat_map(|n| n.target_groups.iter_mut())
                .find(|t| t.id == *target_group)
                .ok_or_else(|| unknown(VpcPart::TargetGroup, target_group))?;
            match target_type.trim().to_ascii_lowercase().as_str() {
                "" => {}
                "ip" => tg.target_type = TargetType::Ip,
                "instance" => tg.target_type = TargetType::Instance,
                other => {
                    return Err(EditError::Parse(format!(
                        "target type '{}' must be ip or instance",
                        clip(other)
                    )))
                }
            }
            match preserve_client_ip.trim().to_ascii_lowercase().as_str() {
                "" => {}
                "default" => tg.preserve_client_ip = None,
                t => tg.preserve_client_ip = Some(parse_on_off("preserve_client_ip", t)?),
            }
            if !port.trim().is_empty() {
                tg.port = parse_u16("port", port)?;
            }
            if !protocol.trim().is_empty() {
                tg.protocol = NlbProtocol::parse(protocol).map_err(EditError::Parse)?;
            }
            if !health_protocol.trim().is_empty() {
                tg.health_protocol =
                    NlbHealthProtocol::parse(health_protocol).map_err(EditError::Parse)?;
            }
            if !health_path.trim().is_empty() {
                tg.health_path = health_path.trim().to_string();
            }
            if !health_interval_s.trim().is_empty() {
                tg.health_interval_s = in_range(
                    health_interval_s,
                    "health check interval (s)",
                    HEALTH_INTERVAL_S,
                )?;
            }
            if !healthy_threshold.trim().is_empty() {
                tg.healthy_threshold =
                    in_range(healthy_threshold, "healthy threshold", HEALTH_THRESHOLDS)?;
            }
            if !unhealthy_threshold.trim().is_empty() {
                tg.unhealthy_threshold = in_range(
                    unhealthy_threshold,
                    "unhealthy threshold",
                    HEALTH_THRESHOLDS,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::World;

    /// Fact sheet §9: an NLB is added beside the ALB, takes listeners of
    /// its protocols, and a refused change leaves the world as it was.
    #[test]
    fn an_nlb_is_added_changed_and_removed_and_a_refusal_changes_nothing() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::AddNlb {
            region: "us-east-1".into(),
        })
        .unwrap();
        let nlb = || w.scenario().regions[0].nlb.clone().unwrap();
        assert_eq!(nlb().id, "nlb-a");
        assert!(matches!(
            w.clone().apply_edit(&Edit::AddNlb {
                region: "us-east-1".into()
            }),
            Err(EditError::Invalid(_))
        ));
        let mut w2 = w.clone();
        w2.apply_edit(&Edit::AddNlbListener {
            nlb: "nlb-a".into(),
            protocol: "udp".into(),
            port: "53".into(),
            target_group: "tg-nlb-a".into(),
            certificate: String::new(),
        })
        .expect_err("a UDP listener cannot forward to a TCP group");
        let before = w.clone();
        let refused = w.apply_edit(&Edit::AddNlbListener {
            nlb: "nlb-a".into(),
            protocol: "tcp".into(),
            port: "0".into(),
            target_group: "tg-nlb-a".into(),
            certificate: String::new(),
        });
        assert!(matches!(
            refused,
            Err(EditError::Nlb {
                problem: NlbProblem::PortOutOfRange { port: 0 },
                ..
            })
        ));
        assert_eq!(w.scenario(), before.scenario());
        w.apply_edit(&Edit::SetNlb {
            nlb: "nlb-a".into(),
            cross_zone: "on".into(),
            security_groups: String::new(),
        })
        .unwrap();
        assert!(w.scenario().regions[0].nlb.as_ref().unwrap().cross_zone);
        w.apply_edit(&Edit::RemoveNlb {
            nlb: "nlb-a".into(),
        })
        .unwrap();
        assert!(w.scenario().regions[0].nlb.is_none());
    }
}
