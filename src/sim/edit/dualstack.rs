//! Dual stack: CloudFront's IPv6 switch and a load balancer's IP address
//! type. Fact sheet §23.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::scenario::{IpAddressType, Scenario};
use crate::sim::text::clip;

fn parse_type(t: &str) -> Result<IpAddressType, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "ipv4" => Ok(IpAddressType::Ipv4),
        "dualstack" => Ok(IpAddressType::Dualstack),
        _ => Err(EditError::Parse(format!(
            "'{}' is not an IP address type: write ipv4 or dualstack",
            clip(t)
        ))),
    }
}

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetIpAddressType {
            component,
            ip_address_type,
        } => format!("{component}: IP address type {ip_address_type}"),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let Edit::SetIpAddressType {
        component,
        ip_address_type,
    } = e
    else {
        return Ok(());
    };
    let t = parse_type(ip_address_type)?;
    if component == &s.cdn.id || component.eq_ignore_ascii_case("cloudfront") {
        s.cdn.ipv6_enabled = t == IpAddressType::Dualstack;
        return Ok(());
    }
    let alb = s
        .regions
        .iter_mut()
        .map(|r| &mut r.alb)
        .find(|a| a.id == *component)
        .ok_or_else(|| unknown(VpcPart::LoadBalancer, component))?;
    alb.ip_address_type = t;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::World;

    fn set(component: &str, t: &str) -> Edit {
        Edit::SetIpAddressType {
            component: component.into(),
            ip_address_type: t.into(),
        }
    }

    /// Fact sheet §23: IPv6 is a per-distribution switch; a load balancer is
    /// `ipv4` or `dualstack`.
    #[test]
    fn cloudfront_and_a_load_balancer_become_dual_stack_and_a_bad_type_changes_nothing() {
        let mut w = World::default_world();
        w.apply_edit(&set("cloudfront", "dualstack")).unwrap();
        w.apply_edit(&set("alb-a", "DualStack")).unwrap();
        assert!(w.scenario().cdn.ipv6_enabled);
        assert_eq!(
            w.scenario().regions[0].alb.ip_address_type,
            IpAddressType::Dualstack
        );
        let before = w.clone();
        assert!(matches!(
            w.apply_edit(&set("alb-a", "ipv6")),
            Err(EditError::Parse(_))
        ));
        assert!(matches!(
            w.apply_edit(&set("alb-zz", "ipv4")),
            Err(EditError::Unknown { .. })
        ));
        assert_eq!(w, before);
    }
}
