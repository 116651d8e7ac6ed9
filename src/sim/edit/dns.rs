//! Route 53 edits: create, change and delete records of the hosted zone
//! (value, TTL, routing policy and its settings, health check), and
//! create, change and delete health checks. Values arrive as the text a
//! learner types (`A 192.0.2.10`, `weighted 20`, `failover primary`);
//! [`record_value_text`] and [`routing_text`] write a record back in that
//! form, so a change form starts from the record as it is.
//!
//! Caches are the world's and are kept: a changed record is seen by a
//! client once its cached answer expires (fact sheet §1).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::dnsconf::*;
use crate::sim::scenario::Scenario;
use crate::sim::text::clip;

use crate::sim::limits::MAX_HC_PATH;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::CreateRecord {
            name,
            value,
            routing,
            ..
        } => format!(
            "Route 53: create {} {} ({})",
            clip(name),
            clip(value.trim()),
            clip(routing.trim())
        ),
        Edit::ChangeRecord {
            index,
            name,
            value,
            routing,
            ..
        } => format!(
            "Route 53: change record {} {} to {} ({})",
            *index as u128 + 1,
            clip(name),
            clip(value.trim()),
            clip(routing.trim())
        ),
        Edit::DeleteRecord { index, name } => {
            format!(
                "Route 53: delete record {} {}",
                *index as u128 + 1,
                clip(name)
            )
        }
        Edit::CreateHealthCheck {
            id,
            region,
            path,
            interval_s,
            failure_threshold,
        } => format!(
            "Route 53: create health check {} on {} {} every {} s, threshold {}",
            clip(id),
            clip(region),
            clip(path),
            clip(interval_s),
            clip(failure_threshold)
        ),
        Edit::ChangeHealthCheck {
            id,
            path,
            failure_threshold,
            ..
        } => format!(
            "Route 53: health check {}: path {}, threshold {}",
            clip(id),
            clip(path),
            clip(failure_threshold)
        ),
        Edit::DeleteHealthCheck { id } => {
            format!("Route 53: delete health check {}", clip(id))
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::CreateRecord {
            name,
            value,
            ttl_s,
            routing,
            health_check,
            evaluate_target_health,
        } => {
            let rec = build_record(
                name,
                (value, ttl_s, routing, health_check),
                *evaluate_target_health,
            )?;
            s.dns.zone.records.push(rec);
            Ok(())
        }
        Edit::ChangeRecord {
            index,
            name,
            value,
            ttl_s,
            routing,
            health_check,
            evaluate_target_health,
        } => {
            let i = find_record(s, *index, name)?;
            let rec = build_record(
                name,
                (value, ttl_s, routing, health_check),
                *evaluate_target_health,
            )?;
            s.dns.zone.records[i] = rec;
            Ok(())
        }
        Edit::DeleteRecord { index, name } => {
            let i = find_record(s, *index, name)?;
            s.dns.zone.records.remove(i);
            Ok(())
        }
        Edit::CreateHealthCheck {
            id,
            region,
            path,
            interval_s,
            failure_threshold,
        } => create_health_check(s, id, region, path, (interval_s, failure_threshold)),
        Edit::ChangeHealthCheck {
            id,
            path,
            interval_s,
            failure_threshold,
        } => change_health_check(s, id, path, interval_s, failure_threshold),
        Edit::DeleteHealthCheck { id } => delete_health_check(s, id),
        _ => Ok(()),
    }
}

/// The record at `index`, which must carry `name` (so a script that
/// names a record never edits another after the list has changed).
fn find_record(s: &Scenario, index: usize, name: &str) -> Result<usize, EditError> {
    match s.dns.zone.records.get(index) {
        Some(r) if r.name == name.trim() => Ok(index),
        _ => Err(EditError::NoRecord {
            index,
            name: name.trim().to_string(),
        }),
    }
}

type RecordText<'a> = (&'a str, &'a str, &'a str, &'a str);

fn build_record(
    name: &str,
    (value, ttl, routing, health_check): RecordText,
    evaluate_target_health: bool,
) -> Result<Record, EditError> {
    let value = parse_value(value)?;
    let ttl_s = parse_ttl(ttl)?;
    let mut routing = parse_routing(routing)?;
    let hc = health_check.trim();
    let mut health_check = (!hc.is_empty()).then(|| hc.to_string());
    if let Routing::Failover {
        health_check: slot, ..
    } = &mut routing
    {
        *slot = health_check.take();
    }
    Ok(Record {
        name: name.trim().to_string(),
        value,
        ttl_s,
        routing,
        health_check,
        evaluate_target_health,
    })
}

fn parse_ttl(t: &str) -> Result<Option<u32>, EditError> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        EditError::Parse(format!(
            "TTL '{}' is not a number of seconds: write a whole number from 0 to 2147483647, or leave it empty for an alias",
            clip(t)
        ))
    })
    .and_then(|v| match v {
        Some(n) if n > i32::MAX as u32 => Err(EditError::Parse(format!(
            "TTL {n} is over 2147483647 seconds, the most DNS allows"
        ))),
        v => Ok(v),
    })
}

/// `A 192.0.2.1, 192.0.2.2`, `AAAA 2001:db8::1`, `CNAME name`, `TXT a, b`,
/// `alias cloudfront`, `alias alb REGION`, `alias record NAME`.
pub fn parse_value(v: &str) -> Result<RecordValue, EditError> {
    let v = v.trim();
    let (kind, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
    let rest = rest.trim();
    let list = || -> Vec<&str> {
        rest.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect()
    };
    let bad = |what: &str, x: &str| EditError::Parse(format!("'{}' is not {what}", clip(x)));
    let need = |items: &[&str], what: &str| {
        if items.is_empty() {
            Err(EditError::Parse(format!(
                "{} needs at least one {what}",
                kind.to_ascii_uppercase()
            )))
        } else {
            Ok(())
        }
    };
    match kind.to_ascii_lowercase().as_str() {
        "a" => {
            let items = list();
            need(&items, "IPv4 address")?;
            let addresses = items
                .iter()
                .map(|x| x.parse::<Ipv4Addr>().map_err(|_| bad("an IPv4 address", x)))
                .collect::<Result<_, _>>()?;
            Ok(RecordValue::A { addresses })
        }
        "aaaa" => {
            let items = list();
            need(&items, "IPv6 address")?;
            let addresses = items
                .iter()
                .map(|x| x.parse::<Ipv6Addr>().map_err(|_| bad("an IPv6 address", x)))
                .collect::<Result<_, _>>()?;
            Ok(RecordValue::Aaaa { addresses })
        }
        "cname" if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
            Ok(RecordValue::Cname {
                target: rest.trim_end_matches('.').to_ascii_lowercase(),
            })
        }
        "txt" => {
            let items = list();
            need(&items, "value")?;
            Ok(RecordValue::Txt {
                values: items.into_iter().map(String::from).collect(),
            })
        }
        "mx" => {
            let items = list();
            need(&items, "mail exchanger")?;
            let values = items
                .iter()
                .map(|x| parse_mx(x).ok_or_else(|| bad("a mail exchanger (write it as 10 mail.example.com)", x)))
                .collect::<Result<_, _>>()?;
            Ok(RecordValue::Mx { values })
        }
        "alias" => {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some(t), Some(c), None, None)
                    if t.eq_ignore_ascii_case("aaaa") && c.eq_ignore_ascii_case("cloudfront") =>
                {
                    Ok(RecordValue::AliasAaaaCloudFront)
                }
                (Some(t), Some(a), Some(region), None)
                    if t.eq_ignore_ascii_case("aaaa") && a.eq_ignore_ascii_case("alb") =>
                {
                    Ok(RecordValue::AliasAaaaAlb {
                        region: region.to_string(),
                    })
                }
                (a, b, c, None) => alias_a(v, (a, b, c)),
                _ => alias_a(v, (Some(""), Some(""), Some(""))),
            }
        }
        _ => Err(EditError::Parse(format!(
            "'{}' is not a record value: write A 192.0.2.10, AAAA 2001:db8::1, CNAME name, TXT text, MX 10 mail.example.com, alias cloudfront, alias alb REGION, alias aaaa cloudfront, alias aaaa alb REGION or alias record NAME",
            clip(v)
        ))),
    }
}

/// `10 mail.example.com`: a preference (0-65535) and a host name.
fn parse_mx(x: &str) -> Option<MxValue> {
    let (p, host) = x.split_once(char::is_whitespace)?;
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    Some(MxValue {
        preference: p.parse().ok()?,
        host,
    })
}

/// An alias A value: `alias cloudfront`, `alias alb REGION`, `alias record NAME`.
fn alias_a(
    v: &str,
    words: (Option<&str>, Option<&str>, Option<&str>),
) -> Result<RecordValue, EditError> {
    match words {
                (Some(c), None, None) if c.eq_ignore_ascii_case("cloudfront") => {
                    Ok(RecordValue::AliasCloudFront)
                }
                (Some(a), Some(region), None) if a.eq_ignore_ascii_case("alb") => {
                    Ok(RecordValue::AliasAlb {
                        region: region.to_string(),
                    })
                }
                (Some(r), Some(target), None) if r.eq_ignore_ascii_case("record") => {
                    Ok(RecordValue::AliasRecord {
                        target: target.trim_end_matches('.').to_ascii_lowercase(),
                    })
                }
                _ => Err(EditError::Parse(format!(
                    "'{}' is not an alias: write alias cloudfront, alias alb REGION, alias aaaa cloudfront, alias aaaa alb REGION or alias record NAME",
                    clip(v)
                ))),
            }
}

/// A record's value as [`parse_value`] reads it.
pub fn record_value_text(v: &RecordValue) -> String {
    let join = |xs: Vec<String>| xs.join(", ");
    match v {
        RecordValue::AliasCloudFront => "alias cloudfront".into(),
        RecordValue::AliasAlb { region } => format!("alias alb {region}"),
        RecordValue::AliasRecord { target } => format!("alias record {target}"),
        RecordValue::A { addresses } => {
            format!(
                "A {}",
                join(addresses.iter().map(|a| a.to_string()).collect())
            )
        }
        RecordValue::Aaaa { addresses } => {
            format!(
                "AAAA {}",
                join(addresses.iter().map(|a| a.to_string()).collect())
            )
        }
        RecordValue::Cname { target } => format!("CNAME {target}"),
        RecordValue::Txt { values } => format!("TXT {}", values.join(", ")),
        RecordValue::Mx { values } => format!(
            "MX {}",
            join(values.iter().map(|m| m.to_string()).collect())
        ),
        RecordValue::AliasAaaaCloudFront => "alias aaaa cloudfront".into(),
        RecordValue::AliasAaaaAlb { region } => format!("alias aaaa alb {region}"),
    }
}

fn number<T: std::str::FromStr>(word: Option<&str>, what: &str) -> Result<T, EditError> {
    let w = word.unwrap_or("");
    w.parse::<T>().map_err(|_| {
        EditError::Parse(if w.is_empty() {
            format!("{what} is missing")
        } else {
            format!("'{}' is not {what}", clip(w))
        })
    })
}

/// The routing policy and its settings, as [`routing_text`] writes them.
pub fn parse_routing(r: &str) -> Result<Routing, EditError> {
    let words: Vec<&str> = r.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let upper = |w: &str| w.to_ascii_uppercase();
    let usage = || {
        EditError::Parse(format!(
            "'{}' is not a routing policy: write simple, weighted N, latency REGION, failover primary, failover secondary, geolocation default, geolocation continent EU, geolocation country US [subdivision CA], geoproximity REGION [bias N], multivalue or ip-based COLLECTION LOCATION",
            clip(r.trim())
        ))
    };
    let geo = |continent: Option<String>, country: Option<String>, subdivision| {
        Ok(Routing::Geolocation {
            continent,
            country,
            subdivision,
        })
    };
    match l.as_slice() {
        ["simple"] => Ok(Routing::Simple),
        ["multivalue"] | ["multivalue", "answer"] => Ok(Routing::Multivalue),
        ["weighted", w] => Ok(Routing::Weighted {
            weight: number(Some(w), "a weight from 0 to 255")?,
        }),
        ["latency", _] => Ok(Routing::Latency {
            region: words[1].to_string(),
        }),
        ["failover", "primary"] => Ok(Routing::Failover {
            role: FailoverRole::Primary,
            health_check: None,
        }),
        ["failover", "secondary"] => Ok(Routing::Failover {
            role: FailoverRole::Secondary,
            health_check: None,
        }),
        ["geolocation", "default"] => geo(None, Some("*".into()), None),
        ["geolocation", "continent", _] => geo(Some(upper(words[2])), None, None),
        ["geolocation", "country", _] => geo(None, Some(upper(words[2])), None),
        ["geolocation", "country", _, "subdivision", _] => {
            geo(None, Some(upper(words[2])), Some(upper(words[4])))
        }
        ["geoproximity", _, rest @ ..] => {
            let bias = match rest {
                [] => 0,
                ["bias", b] => number(Some(b), "a bias from -99 to 99")?,
                _ => return Err(usage()),
            };
            let place = words[1];
            let coords = place.split_once(',').map(|(a, b)| (a.trim(), b.trim()));
            match coords {
                Some((la, lo)) => Ok(Routing::Geoproximity {
                    region: None,
                    lat: Some(number(Some(la), "a latitude")?),
                    lon: Some(number(Some(lo), "a longitude")?),
                    bias,
                }),
                None => Ok(Routing::Geoproximity {
                    region: Some(place.to_string()),
                    lat: None,
                    lon: None,
                    bias,
                }),
            }
        }
        ["ip-based", _, _] => Ok(Routing::IpBased {
            collection: words[1].to_string(),
            location: words[2].to_string(),
        }),
        _ => Err(usage()),
    }
}

/// A routing policy as [`parse_routing`] reads it (the health check is a
/// field of its own).
pub fn routing_text(r: &Routing) -> String {
    match r {
        Routing::Simple => "simple".into(),
        Routing::Multivalue => "multivalue".into(),
        Routing::Weighted { weight } => format!("weighted {weight}"),
        Routing::Latency { region } => format!("latency {region}"),
        Routing::Failover { role, .. } => match role {
            FailoverRole::Primary => "failover primary".into(),
            FailoverRole::Secondary => "failover secondary".into(),
        },
        Routing::Geolocation {
            continent,
            country,
            subdivision,
        } => match (continent, country, subdivision) {
            (Some(c), _, _) => format!("geolocation continent {c}"),
            (None, Some(c), _) if c == "*" => "geolocation default".into(),
            (None, Some(c), Some(s)) => format!("geolocation country {c} subdivision {s}"),
            (None, Some(c), None) => format!("geolocation country {c}"),
            _ => "geolocation default".into(),
        },
        Routing::Geoproximity {
            region,
            lat,
            lon,
            bias,
        } => {
            let place = match (region, lat, lon) {
                (Some(r), _, _) => r.clone(),
                (None, Some(la), Some(lo)) => format!("{la},{lo}"),
                _ => String::new(),
            };
            if *bias == 0 {
                format!("geoproximity {place}")
            } else {
                format!("geoproximity {place} bias {bias}")
            }
        }
        Routing::IpBased {
            collection,
            location,
        } => format!("ip-based {collection} {location}"),
    }
}

fn parse_interval(t: &str) -> Result<u32, EditError> {
    let n: u32 = number(Some(t.trim()), "an interval in seconds (10 or 30)")?;
    if !crate::sim::limits::R53_INTERVALS_S.contains(&n) {
        return Err(EditError::Parse(format!(
            "request interval {n} s: Route 53 checks every 10 or 30 seconds (fact sheet §4)"
        )));
    }
    Ok(n)
}

fn parse_threshold(t: &str) -> Result<u32, EditError> {
    let n: u32 = number(Some(t.trim()), "a failure threshold (1 to 10)")?;
    if !crate::sim::limits::R53_FAILURE_THRESHOLD.contains(&n) {
        return Err(EditError::Parse(format!(
            "failure threshold {n} is outside 1-10 (fact sheet §4)"
        )));
    }
    Ok(n)
}

fn parse_path(p: &str) -> Result<String, EditError> {
    let p = p.trim();
    if !p.starts_with('/') || p.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "health check path '{}' must start with / and have no spaces, like /healthz",
            clip(p)
        )));
    }
    if p.len() > MAX_HC_PATH {
        return Err(EditError::Parse(format!(
            "health check path is {} characters, over Route 53's {MAX_HC_PATH}",
            p.len()
        )));
    }
    Ok(p.to_string())
}

fn create_health_check(
    s: &mut Scenario,
    id: &str,
    region: &str,
    path: &str,
    (interval, threshold): (&str, &str),
) -> Result<(), EditError> {
    let id = id.trim();
    if id.is_empty() || id.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "health check id '{}' must be one word, like hc-api-eu",
            clip(id)
        )));
    }
    if s.dns.health_checks.iter().any(|h| h.id == id) {
        return Err(EditError::HealthCheckExists { id: id.to_string() });
    }
    let region = region.trim();
    if s.region(region).is_none() {
        return Err(unknown(VpcPart::Region, region));
    }
    let mut hc = default_dns().health_checks[0].clone();
    hc.id = id.to_string();
    hc.region = region.to_string();
    hc.path = parse_path(path)?;
    hc.interval_s = parse_interval(interval)?;
    hc.failure_threshold = parse_threshold(threshold)?;
    s.dns.health_checks.push(hc);
    Ok(())
}

fn change_health_check(
    s: &mut Scenario,
    id: &str,
    path: &str,
    interval: &str,
    threshold: &str,
) -> Result<(), EditError> {
    let path = parse_path(path)?;
    let threshold = parse_threshold(threshold)?;
    let hc = s
        .dns
        .health_checks
        .iter_mut()
        .find(|h| h.id == id)
        .ok_or_else(|| unknown(VpcPart::HealthCheck, id))?;
    if !interval.trim().is_empty() && parse_interval(interval)? != hc.interval_s {
        return Err(EditError::IntervalFixed {
            health_check: hc.id.clone(),
            interval_s: hc.interval_s,
        });
    }
    hc.path = path;
    hc.failure_threshold = threshold;
    Ok(())
}

fn delete_health_check(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let Some(i) = s.dns.health_checks.iter().position(|h| h.id == id) else {
        return Err(unknown(VpcPart::HealthCheck, id));
    };
    let in_use = |user: String| EditError::HealthCheckInUse {
        health_check: id.to_string(),
        user,
    };
    let records = &s.dns.zone.records;
    if let Some((n, r)) = records
        .iter()
        .enumerate()
        .find(|(_, r)| r.health_check_id() == Some(id))
    {
        return Err(in_use(format!(
            "record {} {} ({})",
            n + 1,
            r.name,
            routing_text(&r.routing)
        )));
    }
    let parent = s.dns.health_checks.iter().find(|h| {
        h.calculated
            .as_ref()
            .is_some_and(|c| c.children.iter().any(|c| c == id))
    });
    if let Some(p) = parent {
        return Err(in_use(format!("calculated health check {}", p.id)));
    }
    s.dns.health_checks.remove(i);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dns::CacheOwner;
    use crate::sim::{Fault, Request, World};

    const WWW: &str = "www.healthcareapp.com";

    fn create(name: &str, value: &str, ttl: &str, routing: &str) -> Edit {
        Edit::CreateRecord {
            name: name.into(),
            value: value.into(),
            ttl_s: ttl.into(),
            routing: routing.into(),
            health_check: String::new(),
            evaluate_target_health: false,
        }
    }

    fn change(w: &World, index: usize, value: &str, ttl: &str, routing: &str, hc: &str) -> Edit {
        Edit::ChangeRecord {
            index,
            name: w.scenario().dns.zone.records[index].name.clone(),
            value: value.into(),
            ttl_s: ttl.into(),
            routing: routing.into(),
            health_check: hc.into(),
            evaluate_target_health: false,
        }
    }

    fn get(w: &mut World, name: &str) {
        w.send(&Request::get("client-na", &format!("https://{name}/")).no_store());
    }

    /// The addresses the browser holds for `name` (fact sheet §1).
    fn resolved(w: &World, name: &str) -> Vec<Ipv4Addr> {
        w.dns_cache(CacheOwner::Browser("client-na"))
            .and_then(|c| c.entries.get(name))
            .map(|e| e.addresses.clone())
            .unwrap_or_default()
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn last(w: &World) -> &Record {
        w.scenario().dns.zone.records.last().unwrap()
    }

    #[test]
    fn a_changed_record_is_seen_only_once_the_cached_answer_expires() {
        // §1: a change at the authority is invisible until the cached TTL runs out.
        let mut w = World::default_world();
        w.apply_edit(&create(WWW, "A 192.0.2.10", "300", "simple"))
            .unwrap();
        get(&mut w, WWW);
        assert_eq!(resolved(&w, WWW), vec![ip("192.0.2.10")]);
        let i = w.scenario().dns.zone.records.len() - 1;
        w.apply_edit(&change(&w, i, "A 192.0.2.20", "300", "simple", ""))
            .unwrap();
        assert_eq!(
            last(&w).value,
            RecordValue::A {
                addresses: vec![ip("192.0.2.20")]
            }
        );
        // The browser keeps its answer 60 s, the OS and resolver 300 s.
        w.advance(120_000);
        get(&mut w, WWW);
        assert_eq!(resolved(&w, WWW), vec![ip("192.0.2.10")], "still cached");
        w.advance(181_000); // t = 301 s: the TTL has run out everywhere
        get(&mut w, WWW);
        assert_eq!(resolved(&w, WWW), vec![ip("192.0.2.20")]);
    }

    #[test]
    fn a_name_asked_for_before_it_was_created_stays_nxdomain_for_the_negative_ttl() {
        // §1: min(SOA TTL 900, SOA minimum 86400) = 900 s of NXDOMAIN.
        let mut w = World::default_world();
        get(&mut w, WWW);
        assert!(resolved(&w, WWW).is_empty());
        w.apply_edit(&create(WWW, "A 192.0.2.10", "60", "simple"))
            .unwrap();
        w.advance(600_000);
        get(&mut w, WWW);
        let resolver = w.dns_cache(CacheOwner::Resolver("resolver-na")).unwrap();
        let entry = resolver.entries.get(WWW).expect("the resolver's entry");
        assert!(entry.addresses.is_empty(), "still the cached NXDOMAIN");
        assert!(resolved(&w, WWW).is_empty());
        w.advance(301_000);
        get(&mut w, WWW);
        assert_eq!(resolved(&w, WWW), vec![ip("192.0.2.10")]);
    }

    #[test]
    fn a_deleted_record_is_answered_from_caches_until_they_expire() {
        let mut w = World::default_world();
        w.apply_edit(&create(WWW, "A 192.0.2.10", "300", "simple"))
            .unwrap();
        get(&mut w, WWW);
        let i = w.scenario().dns.zone.records.len() - 1;
        w.apply_edit(&Edit::DeleteRecord {
            index: i,
            name: WWW.into(),
        })
        .unwrap();
        assert!(w.scenario().dns.zone.records.iter().all(|r| r.name != WWW));
        w.advance(200_000);
        get(&mut w, WWW);
        assert_eq!(resolved(&w, WWW), vec![ip("192.0.2.10")]);
        w.advance(101_000);
        get(&mut w, WWW);
        assert!(resolved(&w, WWW).is_empty(), "NXDOMAIN once expired");
    }

    #[test]
    fn routing_policies_and_their_settings_are_read_from_text_and_written_back() {
        let cases = [
            ("simple", Routing::Simple),
            ("weighted 20", Routing::Weighted { weight: 20 }),
            (
                "latency eu-west-1",
                Routing::Latency {
                    region: "eu-west-1".into(),
                },
            ),
            (
                "failover secondary",
                Routing::Failover {
                    role: FailoverRole::Secondary,
                    health_check: None,
                },
            ),
            (
                "geolocation continent EU",
                Routing::Geolocation {
                    continent: Some("EU".into()),
                    country: None,
                    subdivision: None,
                },
            ),
            (
                "geolocation country US subdivision CA",
                Routing::Geolocation {
                    continent: None,
                    country: Some("US".into()),
                    subdivision: Some("CA".into()),
                },
            ),
            (
                "geolocation default",
                Routing::Geolocation {
                    continent: None,
                    country: Some("*".into()),
                    subdivision: None,
                },
            ),
            (
                "geoproximity us-east-1 bias 25",
                Routing::Geoproximity {
                    region: Some("us-east-1".into()),
                    lat: None,
                    lon: None,
                    bias: 25,
                },
            ),
            ("multivalue", Routing::Multivalue),
            (
                "ip-based office hq",
                Routing::IpBased {
                    collection: "office".into(),
                    location: "hq".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_routing(text), Ok(want.clone()), "{text}");
            assert_eq!(routing_text(&want), text);
        }
        for text in ["", "weighted", "weighted x", "failover tertiary", "latency"] {
            assert!(
                matches!(parse_routing(text), Err(EditError::Parse(_))),
                "{text}"
            );
        }
        for v in &w_default().dns.zone.records {
            assert_eq!(
                parse_value(&record_value_text(&v.value)),
                Ok(v.value.clone())
            );
        }
        assert_eq!(
            parse_value("TXT v=spf1, hello"),
            Ok(RecordValue::Txt {
                values: vec!["v=spf1".into(), "hello".into()]
            })
        );
    }

    fn w_default() -> Scenario {
        World::default_world().scenario().clone()
    }

    #[test]
    fn weight_latency_failover_geolocation_and_health_check_are_changed_in_place() {
        let mut w = World::default_world();
        for (region, weight) in [("us-east-1", "70"), ("us-west-2", "30")] {
            w.apply_edit(&Edit::CreateRecord {
                name: "api.healthcareapp.com".into(),
                value: format!("alias alb {region}"),
                ttl_s: String::new(),
                routing: format!("weighted {weight}"),
                health_check: "hc-cluster-a".into(),
                evaluate_target_health: true,
            })
            .unwrap();
        }
        let n = w.scenario().dns.zone.records.len();
        let r = &w.scenario().dns.zone.records[n - 2];
        assert_eq!(r.routing, Routing::Weighted { weight: 70 });
        assert_eq!(r.health_check.as_deref(), Some("hc-cluster-a"));
        assert!(r.evaluate_target_health);
        // §3: a name and type has one policy, so moving one of the two
        // weighted records to latency alone is refused.
        let e = change(
            &w,
            n - 2,
            "alias alb us-east-1",
            "",
            "latency us-east-1",
            "",
        );
        assert!(matches!(w.apply_edit(&e), Err(EditError::Invalid(_))));
        // The weight and the health check change in place.
        let e = change(
            &w,
            n - 1,
            "alias alb us-west-2",
            "",
            "weighted 0",
            "hc-cluster-b",
        );
        w.apply_edit(&e).unwrap();
        let r = &w.scenario().dns.zone.records[n - 1];
        assert_eq!(r.routing, Routing::Weighted { weight: 0 });
        assert_eq!(r.health_check.as_deref(), Some("hc-cluster-b"));
        // A failover record keeps its health check inside its routing.
        let e = change(
            &w,
            1,
            "alias alb us-east-1",
            "",
            "failover primary",
            "hc-cluster-b",
        );
        w.apply_edit(&e).unwrap();
        assert_eq!(
            w.scenario().dns.zone.records[1].routing,
            Routing::Failover {
                role: FailoverRole::Primary,
                health_check: Some("hc-cluster-b".into())
            }
        );
        // A geolocation record set with a default.
        for routing in ["geolocation continent EU", "geolocation default"] {
            w.apply_edit(&create(
                "eu.healthcareapp.com",
                "A 192.0.2.30",
                "60",
                routing,
            ))
            .unwrap();
        }
        let i = w.scenario().dns.zone.records.len() - 2;
        let e = change(&w, i, "A 192.0.2.31", "120", "geolocation country FR", "");
        w.apply_edit(&e).unwrap();
        let r = &w.scenario().dns.zone.records[i];
        assert_eq!(r.ttl_s, Some(120));
        assert_eq!(routing_text(&r.routing), "geolocation country FR");
    }

    #[test]
    fn a_second_primary_failover_record_is_refused_whole() {
        // §3 failover: one PRIMARY and one SECONDARY record.
        let mut w = World::default_world();
        let before = w.clone();
        let e = change(
            &w,
            2,
            "alias alb us-west-2",
            "",
            "failover primary",
            "hc-cluster-b",
        );
        let err = w.apply_edit(&e).unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
        assert_eq!(w, before);
    }

    #[test]
    fn bad_record_edits_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let refuse = |w: &mut World, e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(*w, before, "{e:?}");
            err
        };
        // §2: an alias takes no TTL; the validation's message is kept.
        let e = refuse(&mut w, create(WWW, "alias cloudfront", "300", "simple"));
        assert!(
            matches!(&e, EditError::Invalid(m) if m.contains("an alias record takes no TTL")),
            "{e:?}"
        );
        for (edit, what) in [
            (create(WWW, "A 192.0.2.300", "60", "simple"), "parse"),
            // An MX value needs its preference (§1).
            (create(WWW, "MX mail", "60", "simple"), "parse"),
            (create(WWW, "A 192.0.2.1", "sixty", "simple"), "parse"),
            (create(WWW, "A 192.0.2.1", "60", "round-robin"), "parse"),
            (create(WWW, "A 192.0.2.1", "", "simple"), "invalid"),
            (create(WWW, "A 192.0.2.1", "60", "weighted 256"), "invalid"),
            (
                create(WWW, "A 192.0.2.1", "60", "latency mars-1"),
                "invalid",
            ),
            (
                create("www.example.org", "A 192.0.2.1", "60", "simple"),
                "invalid",
            ),
            (
                create("healthcareapp.com", "CNAME x.example.org", "60", "simple"),
                "invalid",
            ),
        ] {
            let got = match refuse(&mut w, edit.clone()) {
                EditError::Parse(_) => "parse",
                EditError::Invalid(_) => "invalid",
                other => panic!("{edit:?}: {other:?}"),
            };
            assert_eq!(got, what, "{edit:?}");
        }
        let mut e = create(WWW, "A 192.0.2.1", "60", "weighted 10");
        if let Edit::CreateRecord { health_check, .. } = &mut e {
            *health_check = "hc-nope".into();
        }
        assert!(
            matches!(refuse(&mut w, e), EditError::Invalid(m) if m.contains("unknown health check hc-nope"))
        );
        assert_eq!(
            refuse(
                &mut w,
                Edit::DeleteRecord {
                    index: 1,
                    name: WWW.into()
                }
            ),
            EditError::NoRecord {
                index: 1,
                name: WWW.into()
            }
        );
        assert_eq!(
            refuse(
                &mut w,
                Edit::DeleteRecord {
                    index: usize::MAX,
                    name: WWW.into()
                }
            )
            .to_string(),
            format!(
                "the hosted zone has no record {} named {WWW}",
                usize::MAX as u128 + 1
            )
        );
    }

    fn hc_create(id: &str, interval: &str, threshold: &str) -> Edit {
        Edit::CreateHealthCheck {
            id: id.into(),
            region: "us-west-2".into(),
            path: "/healthz".into(),
            interval_s: interval.into(),
            failure_threshold: threshold.into(),
        }
    }

    fn hc<'a>(w: &'a World, id: &str) -> Option<&'a HealthCheck> {
        w.scenario().dns.health_checks.iter().find(|h| h.id == id)
    }

    #[test]
    fn health_checks_are_created_changed_and_deleted() {
        // §4: interval 10 or 30 s, threshold 1-10.
        let mut w = World::default_world();
        w.apply_edit(&hc_create("hc-fast", "10", "1")).unwrap();
        let h = hc(&w, "hc-fast").unwrap();
        assert_eq!((h.interval_s, h.failure_threshold), (10, 1));
        assert!(w.health("hc-fast").is_some(), "the new check is scheduled");
        w.apply_edit(&Edit::ChangeHealthCheck {
            id: "hc-fast".into(),
            path: "/ready".into(),
            interval_s: "10".into(),
            failure_threshold: "5".into(),
        })
        .unwrap();
        let h = hc(&w, "hc-fast").unwrap();
        assert_eq!((h.path.as_str(), h.failure_threshold), ("/ready", 5));
        w.apply_edit(&Edit::DeleteHealthCheck {
            id: "hc-fast".into(),
        })
        .unwrap();
        assert!(hc(&w, "hc-fast").is_none());
    }

    #[test]
    fn a_lower_failure_threshold_marks_the_region_unhealthy_sooner() {
        // §4: time to unhealthy ≈ interval × threshold.
        let mut w = World::default_world();
        w.apply_edit(&Edit::ChangeHealthCheck {
            id: "hc-cluster-a".into(),
            path: "/healthz".into(),
            interval_s: String::new(),
            failure_threshold: "1".into(),
        })
        .unwrap();
        w.set_fault(
            Fault::RegionDown {
                region: "us-east-1".into(),
            },
            true,
        );
        w.advance(31_000);
        assert!(!w.health_check_healthy("hc-cluster-a"));
        let mut slow = World::default_world();
        slow.set_fault(
            Fault::RegionDown {
                region: "us-east-1".into(),
            },
            true,
        );
        slow.advance(31_000);
        assert!(slow.health_check_healthy("hc-cluster-a"));
    }

    #[test]
    fn bad_health_check_edits_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (
                hc_create("hc-cluster-a", "30", "3"),
                EditError::HealthCheckExists {
                    id: "hc-cluster-a".into(),
                },
            ),
            // §4: the request interval cannot change after creation.
            (
                Edit::ChangeHealthCheck {
                    id: "hc-cluster-a".into(),
                    path: "/healthz".into(),
                    interval_s: "10".into(),
                    failure_threshold: "3".into(),
                },
                EditError::IntervalFixed {
                    health_check: "hc-cluster-a".into(),
                    interval_s: 30,
                },
            ),
            (
                Edit::DeleteHealthCheck {
                    id: "hc-cluster-a".into(),
                },
                EditError::HealthCheckInUse {
                    health_check: "hc-cluster-a".into(),
                    user: "record 2 api-origin.healthcareapp.com (failover primary)".into(),
                },
            ),
            (
                Edit::DeleteHealthCheck { id: "hc-x".into() },
                EditError::Unknown {
                    part: VpcPart::HealthCheck,
                    id: "hc-x".into(),
                },
            ),
            (
                Edit::CreateHealthCheck {
                    id: "hc-new".into(),
                    region: "mars-1".into(),
                    path: "/".into(),
                    interval_s: "30".into(),
                    failure_threshold: "3".into(),
                },
                EditError::Unknown {
                    part: VpcPart::Region,
                    id: "mars-1".into(),
                },
            ),
        ];
        for (edit, want) in cases {
            assert_eq!(w.apply_edit(&edit), Err(want), "{edit:?}");
            assert_eq!(w, before);
        }
        for edit in [
            hc_create("hc-new", "20", "3"),
            hc_create("hc-new", "30", "0"),
            hc_create("hc-new", "30", "11"),
            hc_create("hc new", "30", "3"),
            Edit::ChangeHealthCheck {
                id: "hc-cluster-a".into(),
                path: "healthz".into(),
                interval_s: String::new(),
                failure_threshold: "3".into(),
            },
        ] {
            assert!(
                matches!(w.apply_edit(&edit), Err(EditError::Parse(_))),
                "{edit:?}"
            );
            assert_eq!(w, before);
        }
        assert_eq!(
            w.apply_edit(&Edit::DeleteHealthCheck {
                id: "hc-cluster-a".into()
            })
            .unwrap_err()
            .to_string(),
            "health check hc-cluster-a is still used by record 2 api-origin.healthcareapp.com (failover primary): change that first"
        );
    }

    /// Fact sheet §1, §2: MX values (preference and host) and alias AAAA
    /// records are read from text and written back the same way; a bad
    /// mail exchanger is refused by name.
    #[test]
    fn mx_and_alias_aaaa_values_are_read_from_text_and_written_back() {
        for text in [
            "MX 10 mail.healthcareapp.com, 20 mx2.healthcareapp.com",
            "alias aaaa cloudfront",
            "alias aaaa alb us-west-2",
        ] {
            let v = parse_value(text).unwrap();
            assert_eq!(record_value_text(&v), text);
            assert_eq!(parse_value(&record_value_text(&v)), Ok(v));
        }
        assert_eq!(
            parse_value("mx 5 Mail.Example.com."),
            Ok(RecordValue::Mx {
                values: vec![MxValue {
                    preference: 5,
                    host: "mail.example.com".into()
                }]
            })
        );
        for bad in [
            "MX mail.example.com",
            "MX 70000 mail.example.com",
            "MX",
            "alias aaaa s3",
        ] {
            assert!(
                matches!(parse_value(bad), Err(EditError::Parse(_))),
                "{bad}"
            );
        }
    }
}
