//! WAF edits: add, remove and move a web ACL's rules, change a rate-based
//! rule's limit, add and remove IP set addresses. Fact sheet §6, §27.
//! Also the typed-text readers the traffic edits share.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::{WAF_MAX_IP_SET_ENTRIES, WAF_MIN_RATE_LIMIT, WAF_RATE_WINDOWS_S};
use crate::sim::net::parse_cidr;
use crate::sim::scenario::{Scenario, WafAction, WafRule, WafStatement, WebAcl};
use crate::sim::text::clip;

/// The longest WAF rule name AWS accepts.
const MAX_RULE_NAME: usize = 128;

// ------------------------------------------------ typed text, shared

/// A whole number typed for `what` (`'x' is not a rule priority: …`).
pub(super) fn number(text: &str, what: &str) -> Result<u64, EditError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(EditError::Parse(format!(
            "{what} is empty: type a whole number"
        )));
    }
    t.parse::<u64>().map_err(|_| {
        EditError::Parse(format!(
            "'{}' is not a {what}: expected a whole number",
            clip(t)
        ))
    })
}

/// A whole number within `min..=max`, refused as [`EditError::OutOfRange`].
pub(super) fn ranged(
    text: &str,
    what: &'static str,
    (min, max): (u64, u64),
    section: u8,
) -> Result<u32, EditError> {
    let value = number(text, what)?;
    if value < min || value > max {
        return Err(EditError::OutOfRange {
            what,
            value,
            min,
            max,
            section,
        });
    }
    u32::try_from(value).map_err(|_| EditError::OutOfRange {
        what,
        value,
        min,
        max: u32::MAX as u64,
        section,
    })
}

/// Values typed with commas or spaces between them; empty ones dropped.
pub(super) fn list(text: &str) -> Vec<&str> {
    text.split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

// ------------------------------------------------ the edits

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddWafRule {
            web_acl,
            priority,
            name,
            statement,
            action,
            ..
        } => format!("{web_acl}: add rule {priority} {name} ({statement}, {action})"),
        Edit::RemoveWafRule { web_acl, name } => format!("{web_acl}: delete rule {name}"),
        Edit::SetWafRulePriority {
            web_acl,
            name,
            priority,
        } => format!("{web_acl}: move rule {name} to priority {priority}"),
        Edit::SetWafRateLimit {
            web_acl,
            name,
            limit,
        } => format!("{web_acl}: rule {name} limit {limit}"),
        Edit::AddWafIpSetEntry {
            web_acl,
            name,
            cidr,
        } => format!("{web_acl}: rule {name} add {cidr}"),
        Edit::RemoveWafIpSetEntry {
            web_acl,
            name,
            cidr,
        } => format!("{web_acl}: rule {name} remove {cidr}"),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddWafRule {
            web_acl,
            priority,
            name,
            statement,
            values,
            limit,
            window_s,
            action,
        } => {
            let acl = find_acl(s, web_acl)?;
            let name = rule_name(name)?;
            if acl.rules.iter().any(|r| r.name == name) {
                return Err(EditError::Exists {
                    part: VpcPart::WafRule,
                    id: name,
                });
            }
            let priority = priority_of(priority)?;
            free_priority(acl, priority, None)?;
            let statement = parse_statement(statement, values, limit, window_s, &name)?;
            let action = parse_action(action)?;
            acl.rules.push(WafRule {
                priority,
                name,
                statement,
                action,
                labels: Vec::new(),
                immunity_s: None,
            });
            acl.rules.sort_by_key(|r| r.priority);
            Ok(())
        }
        Edit::RemoveWafRule { web_acl, name } => {
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            acl.rules.remove(at);
            Ok(())
        }
        Edit::SetWafRulePriority {
            web_acl,
            name,
            priority,
        } => {
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            let priority = priority_of(priority)?;
            free_priority(acl, priority, Some(at))?;
            acl.rules[at].priority = priority;
            acl.rules.sort_by_key(|r| r.priority);
            Ok(())
        }
        Edit::SetWafRateLimit {
            web_acl,
            name,
            limit,
        } => {
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            let rule = &mut acl.rules[at];
            let WafStatement::RateBased { limit: have, .. } = &mut rule.statement else {
                return Err(EditError::WrongStatement {
                    rule: rule.name.clone(),
                    want: "a rate-based rule",
                });
            };
            *have = rate_limit(limit, &rule.name)?;
            Ok(())
        }
        Edit::AddWafIpSetEntry {
            web_acl,
            name,
            cidr,
        }
        | Edit::RemoveWafIpSetEntry {
            web_acl,
            name,
            cidr,
        } => {
            let add = matches!(e, Edit::AddWafIpSetEntry { .. });
            let acl = find_acl(s, web_acl)?;
            let at = rule_at(acl, name)?;
            let rule = &mut acl.rules[at];
            let WafStatement::IpSet { cidrs } = &mut rule.statement else {
                return Err(EditError::WrongStatement {
                    rule: rule.name.clone(),
                    want: "an IP set rule",
                });
            };
            let c = ip_set_entry(cidr)?;
            let id = format!("{c} in {}", rule.name);
            let has = cidrs.contains(&c);
            match (add, has) {
                (true, true) => Err(EditError::Exists {
                    part: VpcPart::IpSetEntry,
                    id,
                }),
                (false, false) => Err(unknown(VpcPart::IpSetEntry, &id)),
                (true, false) => {
                    if cidrs.len() >= WAF_MAX_IP_SET_ENTRIES {
                        return Err(EditError::OutOfRange {
                            what: "IP set entries",
                            value: cidrs.len() as u64 + 1,
                            min: 1,
                            max: WAF_MAX_IP_SET_ENTRIES as u64,
                            section: 6,
                        });
                    }
                    cidrs.push(c);
                    Ok(())
                }
                (false, true) => {
                    cidrs.retain(|x| *x != c);
                    Ok(())
                }
            }
        }
        _ => Ok(()),
    }
}

/// The web ACL with this id: CloudFront's, or a regional one on an ALB.
pub(super) fn find_acl<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut WebAcl, EditError> {
    if s.waf.id == id {
        return Ok(&mut s.waf);
    }
    s.regions
        .iter_mut()
        .filter_map(|r| r.alb.web_acl.as_mut())
        .find(|a| a.id == id)
        .ok_or_else(|| unknown(VpcPart::WebAcl, id))
}

pub(super) fn rule_at(acl: &WebAcl, name: &str) -> Result<usize, EditError> {
    acl.rules
        .iter()
        .position(|r| r.name == name.trim())
        .ok_or_else(|| unknown(VpcPart::WafRule, name.trim()))
}

/// A priority: a whole number, unique within the web ACL. Fact sheet §6.
pub(super) fn priority_of(text: &str) -> Result<u32, EditError> {
    ranged(text, "WAF rule priority", (0, u32::MAX as u64), 6)
}

pub(super) fn free_priority(
    acl: &WebAcl,
    priority: u32,
    except: Option<usize>,
) -> Result<(), EditError> {
    match acl
        .rules
        .iter()
        .enumerate()
        .find(|(i, r)| r.priority == priority && Some(*i) != except)
    {
        Some((_, r)) => Err(EditError::PriorityTaken {
            part: VpcPart::WafRule,
            owner: acl.name.clone(),
            priority,
            by: r.name.clone(),
        }),
        None => Ok(()),
    }
}

/// A rule name: 1-128 letters, digits, `_` or `-`, as AWS accepts.
pub(super) fn rule_name(text: &str) -> Result<String, EditError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(EditError::Parse("the rule needs a name".into()));
    }
    if t.chars().count() > MAX_RULE_NAME
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(EditError::Parse(format!(
            "'{}' is not a WAF rule name: use 1-128 letters, digits, _ or -",
            clip(t)
        )));
    }
    Ok(t.to_string())
}

pub(super) fn parse_action(text: &str) -> Result<WafAction, EditError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "allow" => Ok(WafAction::Allow),
        "block" => Ok(WafAction::Block),
        "count" => Ok(WafAction::Count),
        "captcha" => Ok(WafAction::Captcha),
        "challenge" => Ok(WafAction::Challenge),
        _ => Err(EditError::Parse(format!(
            "'{}' is not a WAF action: allow, block, count, captcha or challenge",
            clip(text.trim())
        ))),
    }
}

fn rate_limit(text: &str, rule: &str) -> Result<u32, EditError> {
    let limit = number(text, "rate limit")?;
    if limit < WAF_MIN_RATE_LIMIT as u64 {
        return Err(EditError::RateLimitTooLow {
            rule: rule.to_string(),
            limit,
        });
    }
    u32::try_from(limit).map_err(|_| EditError::OutOfRange {
        what: "rate limit",
        value: limit,
        min: WAF_MIN_RATE_LIMIT as u64,
        max: u32::MAX as u64,
        section: 6,
    })
}

/// An IP set address: a CIDR with any prefix except /0. Fact sheet §6.
fn ip_set_entry(text: &str) -> Result<ipnet::Ipv4Net, EditError> {
    let c = parse_cidr(text).map_err(EditError::Parse)?;
    if c.prefix_len() == 0 {
        return Err(EditError::Parse(format!(
            "{c} cannot be in an IP set: any prefix except /0 (fact sheet §6)"
        )));
    }
    Ok(c)
}

fn parse_statement(
    kind: &str,
    values: &str,
    limit: &str,
    window_s: &str,
    name: &str,
) -> Result<WafStatement, EditError> {
    match kind.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "ip_set" => {
            let mut cidrs = Vec::new();
            for v in list(values) {
                let c = ip_set_entry(v)?;
                if !cidrs.contains(&c) {
                    cidrs.push(c);
                }
            }
            if cidrs.is_empty() {
                return Err(EditError::Parse(
                    "an IP set rule needs at least one CIDR in values".into(),
                ));
            }
            Ok(WafStatement::IpSet { cidrs })
        }
        "geo_match" => {
            let mut countries = Vec::new();
            for v in list(values) {
                if v.len() != 2 || !v.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(EditError::Parse(format!(
                        "'{}' is not a country: use two-letter ISO 3166 codes such as US or DE (fact sheet §6)",
                        clip(v)
                    )));
                }
                let v = v.to_ascii_uppercase();
                if !countries.contains(&v) {
                    countries.push(v);
                }
            }
            if countries.is_empty() {
                return Err(EditError::Parse(
                    "a geo match rule needs at least one country code in values".into(),
                ));
            }
            Ok(WafStatement::GeoMatch { countries })
        }
        "rate_based" => {
            let limit = rate_limit(limit, name)?;
            let window_s = if window_s.trim().is_empty() {
                300
            } else {
                let w = number(window_s, "rate window")?;
                match WAF_RATE_WINDOWS_S.iter().find(|x| **x as u64 == w) {
                    Some(w) => *w,
                    None => {
                        return Err(EditError::Parse(format!(
                            "a rate window of {w} s is not one AWS offers: 60, 120, 300 or 600 (fact sheet §6)"
                        )))
                    }
                }
            };
            Ok(WafStatement::RateBased { limit, window_s })
        }
        "sql_injection" | "sqli" => Ok(WafStatement::SqlInjection),
        "xss" => Ok(WafStatement::Xss),
        _ => Err(EditError::Parse(format!(
            "'{}' is not a statement Hoplab models: ip_set, geo_match, rate_based, sql_injection or xss",
            clip(kind.trim())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::waf::WafDecider;
    use crate::sim::event::{Event, WafEvent};
    use crate::sim::{Request, World};

    fn waf_decider(w: &mut World, req: Request) -> WafDecider {
        let t = w.send(&req);
        t.hops
            .iter()
            .find_map(|h| match &h.event {
                Event::Waf(WafEvent::Decision { decider, .. }) => Some(decider.clone()),
                _ => None,
            })
            .expect("the request reaches WAF")
    }

    fn decider_name(d: &WafDecider) -> Option<&str> {
        match d {
            WafDecider::Rule { name, .. } => Some(name),
            WafDecider::Default { .. } => None,
        }
    }

    fn get() -> Request {
        Request::get("client-na", "https://healthcareapp.com/api/appointments")
    }

    fn block_us(priority: &str) -> Edit {
        Edit::AddWafRule {
            web_acl: "waf".into(),
            priority: priority.into(),
            name: "BlockUS".into(),
            statement: "geo_match".into(),
            values: "us".into(),
            limit: String::new(),
            window_s: String::new(),
            action: "block".into(),
        }
    }

    #[test]
    fn a_new_geo_block_rule_blocks_the_next_request_and_the_trace_names_it() {
        // Fact sheet §6: a terminating Block rule answers 403; rules by priority.
        let mut w = World::default_world();
        assert_eq!(decider_name(&waf_decider(&mut w, get())), None);
        w.apply_edit(&block_us("10")).unwrap();
        let d = waf_decider(&mut w, get());
        assert_eq!(decider_name(&d), Some("BlockUS"));
        assert_eq!(d.action(), WafAction::Block);
        let t = w.send(&get());
        assert_eq!(t.outcome.status, Some(403));
    }

    #[test]
    fn moving_a_count_rule_behind_a_block_rule_changes_which_rule_terminates() {
        // Fact sheet §6: lowest priority first; Count does not terminate,
        // so an Allow at priority 5 ahead of the geo block lets the request through.
        let mut w = World::default_world();
        w.apply_edit(&block_us("10")).unwrap();
        w.apply_edit(&Edit::AddWafRule {
            web_acl: "waf".into(),
            priority: "20".into(),
            name: "AllowOffice".into(),
            statement: "ip_set".into(),
            values: "0.0.0.0/1, 128.0.0.0/1".into(),
            limit: String::new(),
            window_s: String::new(),
            action: "allow".into(),
        })
        .unwrap();
        assert_eq!(decider_name(&waf_decider(&mut w, get())), Some("BlockUS"));
        w.apply_edit(&Edit::SetWafRulePriority {
            web_acl: "waf".into(),
            name: "AllowOffice".into(),
            priority: "5".into(),
        })
        .unwrap();
        let d = waf_decider(&mut w, get());
        assert_eq!(decider_name(&d), Some("AllowOffice"));
        assert_eq!(d.action(), WafAction::Allow);
        let prios: Vec<u32> = w.scenario().waf.rules.iter().map(|r| r.priority).collect();
        assert_eq!(prios, vec![0, 1, 2, 3, 5, 10], "kept in priority order");
    }

    #[test]
    fn an_address_added_to_the_ip_block_list_is_blocked_and_removing_it_lets_it_through() {
        let mut w = World::default_world();
        let ip = w.scenario().clients[0].ip;
        let cidr = format!("{ip}/32");
        let edit = |add: bool| {
            let (web_acl, name, cidr) = ("waf".into(), "IPBlockList".into(), cidr.clone());
            if add {
                Edit::AddWafIpSetEntry {
                    web_acl,
                    name,
                    cidr,
                }
            } else {
                Edit::RemoveWafIpSetEntry {
                    web_acl,
                    name,
                    cidr,
                }
            }
        };
        w.apply_edit(&edit(true)).unwrap();
        let req = Request::get(
            &w.scenario().clients[0].id.clone(),
            "https://healthcareapp.com/api/appointments",
        );
        assert_eq!(
            decider_name(&waf_decider(&mut w, req.clone())),
            Some("IPBlockList")
        );
        w.apply_edit(&edit(false)).unwrap();
        assert_eq!(decider_name(&waf_decider(&mut w, req)), None);
    }

    #[test]
    fn a_lower_rate_limit_is_stored_and_one_under_the_minimum_is_refused() {
        // Fact sheet §6: minimum 10 requests per window since 2024.
        let mut w = World::default_world();
        let set = |limit: &str| Edit::SetWafRateLimit {
            web_acl: "waf".into(),
            name: "RateLimitPerIP".into(),
            limit: limit.into(),
        };
        w.apply_edit(&set("10")).unwrap();
        assert!(matches!(
            w.scenario().waf.rules[3].statement,
            WafStatement::RateBased { limit: 10, .. }
        ));
        let before = w.clone();
        assert_eq!(
            w.apply_edit(&set("9")).unwrap_err(),
            EditError::RateLimitTooLow {
                rule: "RateLimitPerIP".into(),
                limit: 9
            }
        );
        assert_eq!(w, before);
        assert_eq!(
            w.apply_edit(&Edit::SetWafRateLimit {
                web_acl: "waf".into(),
                name: "SQLInjection".into(),
                limit: "100".into(),
            })
            .unwrap_err(),
            EditError::WrongStatement {
                rule: "SQLInjection".into(),
                want: "a rate-based rule"
            }
        );
        assert_eq!(w, before);
    }

    #[test]
    fn waf_edits_that_aws_would_refuse_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let mut refuse = |e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(w, before, "{e:?} changed the world");
            err
        };
        // Priorities are unique per web ACL (fact sheet §6).
        assert_eq!(
            refuse(block_us("1")),
            EditError::PriorityTaken {
                part: VpcPart::WafRule,
                owner: "healthcareapp-edge".into(),
                priority: 1,
                by: "SQLInjection".into()
            }
        );
        assert_eq!(
            refuse(Edit::SetWafRulePriority {
                web_acl: "waf".into(),
                name: "RateLimitPerIP".into(),
                priority: "0".into(),
            }),
            EditError::PriorityTaken {
                part: VpcPart::WafRule,
                owner: "healthcareapp-edge".into(),
                priority: 0,
                by: "IPBlockList".into()
            }
        );
        assert!(matches!(
            refuse(Edit::AddWafRule {
                web_acl: "waf".into(),
                priority: "9".into(),
                name: "SQLInjection".into(),
                statement: "xss".into(),
                values: String::new(),
                limit: String::new(),
                window_s: String::new(),
                action: "block".into(),
            }),
            EditError::Exists {
                part: VpcPart::WafRule,
                ..
            }
        ));
        // A rate-based rule cannot Allow (fact sheet §6), and its window is one of four.
        let rate = |limit: &str, window: &str, action: &str| Edit::AddWafRule {
            web_acl: "waf".into(),
            priority: "9".into(),
            name: "Rate2".into(),
            statement: "rate_based".into(),
            values: String::new(),
            limit: limit.into(),
            window_s: window.into(),
            action: action.into(),
        };
        assert!(matches!(
            refuse(rate("100", "60", "allow")),
            EditError::Invalid(_)
        ));
        assert!(matches!(
            refuse(rate("100", "90", "block")),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(rate("5", "60", "block")),
            EditError::RateLimitTooLow { limit: 5, .. }
        ));
        assert!(matches!(
            refuse(rate("abc", "60", "block")),
            EditError::Parse(_)
        ));
        // An IP set takes any prefix except /0 (fact sheet §6).
        assert!(matches!(
            refuse(Edit::AddWafIpSetEntry {
                web_acl: "waf".into(),
                name: "IPBlockList".into(),
                cidr: "0.0.0.0/0".into(),
            }),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(Edit::AddWafIpSetEntry {
                web_acl: "waf".into(),
                name: "IPBlockList".into(),
                cidr: "198.18.0.0/15".into(),
            }),
            EditError::Exists {
                part: VpcPart::IpSetEntry,
                ..
            }
        ));
        assert!(matches!(
            refuse(Edit::RemoveWafIpSetEntry {
                web_acl: "waf".into(),
                name: "IPBlockList".into(),
                cidr: "10.0.0.0/8".into(),
            }),
            EditError::Unknown {
                part: VpcPart::IpSetEntry,
                ..
            }
        ));
        assert!(matches!(
            refuse(Edit::AddWafIpSetEntry {
                web_acl: "waf".into(),
                name: "SQLInjection".into(),
                cidr: "10.0.0.0/8".into(),
            }),
            EditError::WrongStatement { .. }
        ));
        assert_eq!(
            refuse(Edit::RemoveWafRule {
                web_acl: "waf".into(),
                name: "Nope".into()
            }),
            EditError::Unknown {
                part: VpcPart::WafRule,
                id: "Nope".into()
            }
        );
        assert_eq!(
            refuse(Edit::RemoveWafRule {
                web_acl: "waf-nope".into(),
                name: "IPBlockList".into()
            })
            .to_string(),
            "no web ACL waf-nope"
        );
        let mut bad = block_us("9");
        if let Edit::AddWafRule { values, .. } = &mut bad {
            *values = "USA".into();
        }
        assert!(matches!(refuse(bad), EditError::Parse(_)));
    }

    #[test]
    fn a_removed_rule_no_longer_decides() {
        let mut w = World::default_world();
        let sqli = Request {
            body: "x' or 1=1 --".into(),
            method: "POST".into(),
            ..get()
        };
        assert_eq!(
            decider_name(&waf_decider(&mut w, sqli.clone())),
            Some("SQLInjection")
        );
        w.apply_edit(&Edit::RemoveWafRule {
            web_acl: "waf".into(),
            name: "SQLInjection".into(),
        })
        .unwrap();
        assert_eq!(decider_name(&waf_decider(&mut w, sqli)), None);
    }

    #[test]
    fn the_priority_taken_message_names_both_rules_and_the_fact_sheet() {
        let mut w = World::default_world();
        let e = w.apply_edit(&block_us("3")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "healthcareapp-edge: priority 3 is already used by WAF rule RateLimitPerIP: priorities are unique (fact sheet §6); move that rule first or pick another number"
        );
    }
}
