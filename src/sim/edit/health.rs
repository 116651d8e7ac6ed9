//! Edits of health-check settings beyond the older kinds: a Route 53
//! check's type, search string, endpoint, port, checker Regions, inverted
//! and disabled flags (fact sheet §4); a target group's health-check
//! protocol, port, matcher, timeout, path, interval and thresholds (§8).
//! An empty field keeps the current value; the whole scenario is
//! validated afterwards.

use std::net::Ipv4Addr;

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::scenario::*;
use crate::sim::text::clip;

/// `true`/`yes`/`on` or `false`/`no`/`off`.
fn parse_bool(what: &str, t: &str) -> Result<bool, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        other => Err(EditError::Parse(format!(
            "{what} '{}' must be true or false",
            clip(other)
        ))),
    }
}

/// A port 1-65535.
fn parse_port(what: &str, t: &str) -> Result<u16, EditError> {
    match t.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(EditError::Parse(format!(
            "{what} '{}' must be a port, 1 to 65535",
            clip(t)
        ))),
    }
}

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetHealthCheck {
            id,
            check_type,
            search_string,
            endpoint,
            port,
            checker_regions,
            inverted,
            disabled,
            children,
            rule,
        } => {
            let mut parts = Vec::new();
            for (k, v) in [
                ("type", check_type),
                ("search string", search_string),
                ("endpoint", endpoint),
                ("port", port),
                ("checker Regions", checker_regions),
                ("inverted", inverted),
                ("disabled", disabled),
                ("children", children),
                ("rule", rule),
            ] {
                if !v.trim().is_empty() {
                    parts.push(format!("{k} {}", clip(v.trim())));
                }
            }
            format!("Route 53: health check {}: {}", clip(id), parts.join(", "))
        }
        Edit::SetTargetGroupHealth {
            target_group,
            health_protocol,
            health_port,
            matcher,
            health_timeout_s,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => {
            let mut parts = Vec::new();
            for (k, v) in [
                ("protocol", health_protocol),
                ("port", health_port),
                ("success codes", matcher),
                ("timeout (s)", health_timeout_s),
                ("path", health_path),
                ("interval (s)", health_interval_s),
                ("healthy threshold", healthy_threshold),
                ("unhealthy threshold", unhealthy_threshold),
            ] {
                if !v.trim().is_empty() {
                    parts.push(format!("{k} {}", clip(v.trim())));
                }
            }
            format!(
                "ALB: target group {} health check: {}",
                clip(target_group),
                parts.join(", ")
            )
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::SetHealthCheck {
            id,
            check_type,
            search_string,
            endpoint,
            port,
            checker_regions,
            inverted,
            disabled,
            children,
            rule,
        } => {
            let hc = s
                .dns
                .health_checks
                .iter_mut()
                .find(|h| h.id == id.trim())
                .ok_or_else(|| unknown(VpcPart::HealthCheck, id))?;
            set_health_check(
                hc,
                [
                    check_type,
                    search_string,
                    endpoint,
                    port,
                    checker_regions,
                    inverted,
                    disabled,
                ],
            )?;
            set_calculated(hc, children.trim(), rule.trim())
        }
        Edit::SetTargetGroupHealth {
            target_group,
            health_protocol,
            health_port,
            matcher,
            health_timeout_s,
            health_path,
            health_interval_s,
            healthy_threshold,
            unhealthy_threshold,
        } => {
            let tg = super::alb::find_tg(s, target_group.trim())?;
            let number = |t: &str, what: &'static str, r: std::ops::RangeInclusive<u32>| {
                let n: u64 = t.trim().parse().map_err(|_| {
                    EditError::Parse(format!("{what} '{}' must be a whole number", clip(t)))
                })?;
                if !(*r.start() as u64..=*r.end() as u64).contains(&n) {
                    return Err(EditError::OutOfRange {
                        what,
                        value: n,
                        min: *r.start() as u64,
                        max: *r.end() as u64,
                        section: 8,
                    });
                }
                Ok(n as u32)
            };
            let mut new = tg.clone();
            match health_protocol.trim().to_ascii_uppercase().as_str() {
                "" => {}
                "HTTP" => new.health_protocol = HealthProtocol::Http,
                "HTTPS" => new.health_protocol = HealthProtocol::Https,
                other => {
                    return Err(EditError::Parse(format!(
                        "health check protocol '{}' must be HTTP or HTTPS (fact sheet §8)",
                        clip(other)
                    )))
                }
            }
            match health_port.trim() {
                "" => {}
                "traffic-port" => new.health_port = None,
                t => new.health_port = Some(parse_port("health check port", t)?),
            }
            if !matcher.trim().is_empty() {
                let m: String = matcher.chars().filter(|c| !c.is_whitespace()).collect();
                parse_matcher(&m).map_err(EditError::Parse)?;
                new.matcher = m;
            }
            use crate::sim::limits::{HEALTH_INTERVAL_S, HEALTH_THRESHOLDS, HEALTH_TIMEOUT_S};
            if !health_timeout_s.trim().is_empty() {
                new.health_timeout_s = number(
                    health_timeout_s,
                    "health check timeout (s)",
                    HEALTH_TIMEOUT_S,
                )?;
            }
            if !health_path.trim().is_empty() {
                new.health_path = super::alb::parse_health_path(health_path)?;
            }
            if !health_interval_s.trim().is_empty() {
                new.health_interval_s = number(
                    health_interval_s,
                    "health check interval (s)",
                    HEALTH_INTERVAL_S,
                )?;
            }
            if !healthy_threshold.trim().is_empty() {
                new.healthy_threshold =
                    number(healthy_threshold, "healthy threshold", HEALTH_THRESHOLDS)?;
            }
            if !unhealthy_threshold.trim().is_empty() {
                new.unhealthy_threshold = number(
                    unhealthy_threshold,
                    "unhealthy threshold",
                    HEALTH_THRESHOLDS,
                )?;
            }
            *tg = new;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn set_health_check(hc: &mut HealthCheck, fields: [&String; 7]) -> Result<(), EditError> {
    let [check_type, search, endpoint, port, regions, inverted, disabled] =
        fields.map(|f| f.trim());
    if hc.calculated.is_some()
        && [check_type, search, endpoint, port, regions]
            .iter()
            .any(|f| !f.is_empty())
    {
        return Err(EditError::Parse(format!(
            "health check {} is calculated: it probes nothing, so it takes no type, search string, endpoint, port or checker Regions",
            hc.id
        )));
    }
    if !check_type.is_empty() {
        let was = hc.check_type;
        hc.check_type = CheckType::parse(check_type).ok_or_else(|| {
            EditError::Parse(format!(
                "health check type '{}' must be HTTP, HTTPS, TCP, HTTP_STR_MATCH or HTTPS_STR_MATCH (fact sheet §4)",
                clip(check_type)
            ))
        })?;
        // The scheme's own port follows the type when it was the old one's.
        let default_port = |t: CheckType| if t.tls() { 443 } else { 80 };
        if port.is_empty()
            && was != CheckType::Tcp
            && hc.port == default_port(was)
            && hc.check_type != CheckType::Tcp
        {
            hc.port = default_port(hc.check_type);
        }
        if !hc.check_type.matches_string() && search.is_empty() {
            hc.search_string.clear();
        }
    }
    match search {
        "" => {}
        "-" => hc.search_string.clear(),
        t => hc.search_string = t.to_string(),
    }
    match endpoint {
        "" => {}
        "-" | "alb" => {
            hc.ip = None;
            hc.domain = None;
        }
        t => match t.parse::<Ipv4Addr>() {
            Ok(ip) => {
                hc.ip = Some(ip);
                hc.domain = None;
            }
            Err(_) => {
                hc.ip = None;
                hc.domain = Some(t.trim_end_matches('.').to_ascii_lowercase());
            }
        },
    }
    if !port.is_empty() {
        hc.port = parse_port("health check port", port)?;
    }
    match regions {
        "" => {}
        "default" | "-" => hc.checker_regions.clear(),
        t => {
            hc.checker_regions = t
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect();
        }
    }
    if !inverted.is_empty() {
        hc.inverted = parse_bool("inverted", inverted)?;
    }
    if !disabled.is_empty() {
        hc.disabled = parse_bool("disabled", disabled)?;
    }
    Ok(())
}

/// `all`, `any`, `at_least N` (or `at least N`). Fact sheet §4.
fn parse_rule(t: &str) -> Result<CalcRule, EditError> {
    let t = t.to_ascii_lowercase().replace('_', " ");
    let words: Vec<&str> = t.split_whitespace().collect();
    match words.as_slice() {
        ["all"] | ["and"] => Ok(CalcRule::All),
        ["any"] | ["or"] => Ok(CalcRule::Any),
        ["at", "least", n] => n.parse().map(CalcRule::AtLeast).map_err(|_| {
            EditError::Parse(format!("at_least needs a whole number, not '{}'", clip(n)))
        }),
        _ => Err(EditError::Parse(format!(
            "calculated rule '{}' must be all, any or at_least N (fact sheet §4)",
            clip(&t)
        ))),
    }
}

/// Make the check calculated over `children` with `rule`, or (children
/// `-`) a probing check again. Fact sheet §4.
fn set_calculated(hc: &mut HealthCheck, children: &str, rule: &str) -> Result<(), EditError> {
    match children {
        "" => {}
        "-" => hc.calculated = None,
        t => {
            let list: Vec<String> = t
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            let rule = match (rule, &hc.calculated) {
                ("", Some(c)) => c.rule,
                ("", None) => CalcRule::All,
                (r, _) => parse_rule(r)?,
            };
            hc.calculated = Some(Calculated {
                children: list,
                rule,
            });
            return Ok(());
        }
    }
    if !rule.is_empty() {
        let r = parse_rule(rule)?;
        match &mut hc.calculated {
            Some(c) => c.rule = r,
            None => {
                return Err(EditError::Parse(format!(
                    "health check {} is not calculated: give its children with the rule",
                    hc.id
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dnsconf::default_dns;

    /// Fact sheet §4: calculated checks combine with AND, OR or "at least N".
    #[test]
    fn calculated_rules_read_as_all_any_or_at_least_n() {
        assert_eq!(parse_rule("all").unwrap(), CalcRule::All);
        assert_eq!(parse_rule("ANY").unwrap(), CalcRule::Any);
        assert_eq!(parse_rule("at_least 2").unwrap(), CalcRule::AtLeast(2));
        assert_eq!(parse_rule("at least 3").unwrap(), CalcRule::AtLeast(3));
        assert!(matches!(parse_rule("most"), Err(EditError::Parse(_))));
        assert!(matches!(parse_rule("at_least x"), Err(EditError::Parse(_))));
    }

    /// Fact sheet §4: HTTP checks default to port 80, HTTPS to 443; a port
    /// set by hand stays when the type changes.
    #[test]
    fn the_port_follows_the_scheme_only_when_it_was_the_old_default() {
        let mut hc = default_dns().health_checks[0].clone();
        let none = String::new();
        let http = "HTTP".to_string();
        set_health_check(&mut hc, [&http, &none, &none, &none, &none, &none, &none]).unwrap();
        assert_eq!((hc.check_type, hc.port), (CheckType::Http, 80));
        hc.port = 8080;
        let https = "HTTPS".to_string();
        set_health_check(&mut hc, [&https, &none, &none, &none, &none, &none, &none]).unwrap();
        assert_eq!((hc.check_type, hc.port), (CheckType::Https, 8080));
    }
}
