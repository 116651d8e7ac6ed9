//! AWS Shield protection of a resource (the CloudFront distribution, each
//! ALB). Fact sheet §7.

use serde::{Deserialize, Serialize};

/// Which Shield protects a resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShieldTier {
    /// Automatic and free for every customer: absorbs layer 3/4 floods
    /// (SYN floods, UDP reflection); does not analyse HTTP. Fact sheet §7.
    #[default]
    Standard,
    /// The paid subscription, protecting this resource explicitly: adds
    /// automatic application-layer mitigation (a setting), the Shield
    /// Response Team, proactive engagement, health-based detection, cost
    /// protection and WAF fees covered. Fact sheet §7.
    Advanced,
}

impl ShieldTier {
    pub fn as_str(self) -> &'static str {
        match self {
            ShieldTier::Standard => "standard",
            ShieldTier::Advanced => "advanced",
        }
    }
}

/// A resource's Shield protection. Left out of a scenario file: Shield
/// Standard, which is always on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShieldProtection {
    #[serde(default)]
    pub tier: ShieldTier,
    /// Shield Advanced's automatic application-layer DDoS mitigation: it
    /// adds a rule group (150 WCUs) to the resource's web ACL that blocks
    /// an HTTP flood's requests. Advanced only; off unless set. Fact sheet §7.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automatic_l7_mitigation: bool,
}

impl ShieldProtection {
    /// Shield Standard with nothing set (what a file that leaves it out reads).
    pub fn is_default(&self) -> bool {
        *self == ShieldProtection::default()
    }

    /// Whether Shield itself blocks an HTTP flood here (Advanced with
    /// automatic application-layer mitigation on).
    pub fn mitigates_http_floods(&self) -> bool {
        self.tier == ShieldTier::Advanced && self.automatic_l7_mitigation
    }

    /// `resource` is the field path or id used in the message; `has_web_acl`
    /// whether the resource has a web ACL for Shield's rules.
    pub fn validate(&self, resource: &str, has_web_acl: bool) -> Result<(), String> {
        if self.automatic_l7_mitigation && self.tier != ShieldTier::Advanced {
            return Err(format!(
                "{resource}: automatic application-layer mitigation is a Shield Advanced feature; set the tier to advanced first (Shield Standard does not analyse HTTP; fact sheet §7)"
            ));
        }
        if self.automatic_l7_mitigation && !has_web_acl {
            return Err(format!(
                "{resource}: Shield Advanced's automatic application-layer mitigation adds its rules to the resource's web ACL, and it has none (fact sheet §7)"
            ));
        }
        Ok(())
    }

    /// One line for the inspector.
    pub fn describe(&self) -> String {
        match self.tier {
            ShieldTier::Standard => "Standard (always on, free): absorbs SYN floods and UDP reflection; HTTP floods go on to WAF".into(),
            ShieldTier::Advanced => format!(
                "Advanced: absorbs SYN floods and UDP reflection; automatic application-layer mitigation {}; Shield Response Team, proactive engagement, health-based detection, cost protection",
                if self.automatic_l7_mitigation { "on (blocks HTTP floods in the web ACL, 150 WCUs)" } else { "off (HTTP floods go on to WAF)" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_mitigation_needs_advanced_and_a_web_acl_fact_sheet_7() {
        let mut p = ShieldProtection {
            automatic_l7_mitigation: true,
            ..Default::default()
        };
        assert!(p
            .validate("cdn.shield", true)
            .unwrap_err()
            .contains("Shield Advanced feature"));
        p.tier = ShieldTier::Advanced;
        assert!(p.validate("alb-a", false).unwrap_err().contains("web ACL"));
        assert_eq!(p.validate("alb-a", true), Ok(()));
        assert!(p.mitigates_http_floods());
        assert!(!ShieldProtection::default().mitigates_http_floods());
    }

    #[test]
    fn a_file_without_shield_reads_standard_and_writes_nothing() {
        let p: ShieldProtection = serde_json::from_str("{}").unwrap();
        assert!(p.is_default());
        let a: ShieldProtection = serde_json::from_str(r#"{"tier":"advanced"}"#).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"tier":"advanced"}"#);
        assert!(serde_json::from_str::<ShieldProtection>(r#"{"tier":"gold"}"#).is_err());
    }
}
