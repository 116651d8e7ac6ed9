//! The `set_shield` edit: a resource's AWS Shield tier and Shield
//! Advanced's automatic application-layer mitigation. Fact sheet §7.

use super::{Edit, EditError, VpcPart};
use crate::sim::scenario::{Scenario, ShieldProtection, ShieldTier};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    let Edit::SetShield {
        resource,
        tier,
        automatic_l7_mitigation,
    } = e
    else {
        return String::new();
    };
    let auto = automatic_l7_mitigation.trim();
    format!(
        "{}: Shield {}{}",
        clip(resource),
        clip(tier.trim()),
        if auto.is_empty() {
            String::new()
        } else {
            format!(", automatic application-layer mitigation {}", clip(auto))
        }
    )
}

fn parse_tier(t: &str) -> Result<ShieldTier, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "standard" => Ok(ShieldTier::Standard),
        "advanced" => Ok(ShieldTier::Advanced),
        _ => Err(EditError::Parse(format!(
            "Shield tier '{}' is not one of standard, advanced (fact sheet §7)",
            clip(t.trim())
        ))),
    }
}

fn parse_on_off(t: &str) -> Result<bool, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "" | "off" => Ok(false),
        "on" => Ok(true),
        _ => Err(EditError::Parse(format!(
            "automatic_l7_mitigation '{}' is not on or off",
            clip(t.trim())
        ))),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let Edit::SetShield {
        resource,
        tier,
        automatic_l7_mitigation,
    } = e
    else {
        return Ok(());
    };
    let p = ShieldProtection {
        tier: parse_tier(tier)?,
        automatic_l7_mitigation: parse_on_off(automatic_l7_mitigation)?,
    };
    let id = resource.trim();
    if id == s.cdn.id {
        s.cdn.shield = p;
        return Ok(());
    }
    match s.regions.iter_mut().find(|r| r.alb.id == id) {
        Some(r) => {
            r.alb.shield = p;
            Ok(())
        }
        None => Err(EditError::Unknown {
            part: VpcPart::LoadBalancer,
            id: id.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::World;

    fn set(resource: &str, tier: &str, auto: &str) -> Edit {
        Edit::SetShield {
            resource: resource.into(),
            tier: tier.into(),
            automatic_l7_mitigation: auto.into(),
        }
    }

    #[test]
    fn set_shield_turns_on_advanced_for_cloudfront_and_an_alb_fact_sheet_7() {
        let mut w = World::default_world();
        w.apply_edit(&set("cloudfront", "advanced", "on")).unwrap();
        assert!(w.scenario().cdn.shield.mitigates_http_floods());
        w.apply_edit(&set("alb-a", "Advanced", "")).unwrap();
        assert_eq!(
            w.scenario().regions[0].alb.shield.tier,
            ShieldTier::Advanced
        );
        assert!(!w.scenario().regions[0].alb.shield.automatic_l7_mitigation);
        w.apply_edit(&set("cloudfront", "standard", "off")).unwrap();
        assert!(w.scenario().cdn.shield.is_default());
    }

    #[test]
    fn a_refused_set_shield_changes_nothing() {
        let mut w = World::default_world();
        let before = w.clone();
        for (e, want) in [
            (
                set("cloudfront", "gold", ""),
                "not one of standard, advanced",
            ),
            (set("cloudfront", "advanced", "maybe"), "not on or off"),
            (
                set("cloudfront", "standard", "on"),
                "Shield Advanced feature",
            ),
            // The default ALB has no web ACL for Shield's rules.
            (set("alb-a", "advanced", "on"), "web ACL"),
        ] {
            let err = w.apply_edit(&e).unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
            assert_eq!(w, before);
        }
        let err = w.apply_edit(&set("alb-zz", "advanced", "")).unwrap_err();
        assert_eq!(
            err,
            EditError::Unknown {
                part: VpcPart::LoadBalancer,
                id: "alb-zz".into()
            }
        );
        assert_eq!(w, before);
    }
}
