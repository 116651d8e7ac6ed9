//! Checking a scenario's DNS settings before the world runs: the hosted
//! zone's records (names, values, aliases, CNAMEs), routing policies and
//! their limits, health checks and CIDR collections. The first problem is
//! named, with the field and what is wrong with it. Fact sheet §1-§4.

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::dnsconf::*;
use crate::sim::limits::*;
use crate::sim::scenario::{Geo, Scenario};

/// Check the DNS part of a scenario; the first problem is named, with the
/// field and what is wrong with it.
pub fn validate_dns(s: &Scenario) -> Result<(), String> {
    let d = &s.dns;
    let zone = &d.zone;
    if zone.name_servers.is_empty() {
        return Err(format!("hosted zone {}: name_servers is empty", zone.name));
    }
    let mut hc_ids = BTreeSet::new();
    for hc in &d.health_checks {
        if !hc_ids.insert(hc.id.as_str()) {
            return Err(format!("health check id {} is used twice", hc.id));
        }
    }
    for hc in &d.health_checks {
        validate_health_check(s, hc)?;
    }
    validate_cidr_collections(d)?;
    for site in &d.resolver_sites {
        validate_geo(&site.geo).map_err(|e| format!("resolver site {}: {e}", site.id))?;
    }
    for rec in &zone.records {
        validate_record(s, rec)?;
    }
    // Rules between the records of one name.
    let mut names: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in &zone.records {
        names.entry(r.name.as_str()).or_default().push(r);
    }
    for (name, recs) in &names {
        validate_name(name, recs)?;
    }
    Ok(())
}

/// CIDR collections: location names unique and not `*`, IPv4 blocks /1 to /24.
fn validate_cidr_collections(d: &DnsConfig) -> Result<(), String> {
    for c in &d.cidr_collections {
        let mut names = BTreeSet::new();
        for l in &c.locations {
            if l.name == "*" {
                return Err(format!(
                    "CIDR collection {}: location name '*' is reserved for the default",
                    c.id
                ));
            }
            if !names.insert(l.name.as_str()) {
                return Err(format!(
                    "CIDR collection {}: location {} is listed twice",
                    c.id, l.name
                ));
            }
            for b in &l.blocks {
                let p = b.prefix_len();
                if !R53_CIDR_BLOCK_PREFIX.contains(&p) {
                    return Err(format!(
                        "CIDR collection {} location {}: block {b} is a /{p}; IPv4 blocks must be /1 to /24 ({})",
                        c.id,
                        l.name,
                        if p > 24 { "too long" } else { "use the '*' default location for everything" }
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The records of one name: a CNAME stands alone; each type uses one
/// routing policy, with that policy's own limits.
fn validate_name(name: &str, recs: &[&Record]) -> Result<(), String> {
    let cnames = recs
        .iter()
        .filter(|r| matches!(r.value, RecordValue::Cname { .. }))
        .count();
    if cnames > 0 && cnames < recs.len() {
        let other = recs
            .iter()
            .find(|r| !matches!(r.value, RecordValue::Cname { .. }))
            .map(|r| r.rtype())
            .unwrap_or("?");
        return Err(format!(
            "record {name}: a name with a CNAME may have no other records, but it also has {other}"
        ));
    }
    let mut by_type: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in recs {
        by_type.entry(r.rtype()).or_default().push(r);
    }
    for (t, rs) in by_type {
        validate_policy_set(name, t, &rs)?;
    }
    Ok(())
}

/// One name and type: one routing policy, and that policy's limits.
fn validate_policy_set(name: &str, t: &str, rs: &[&Record]) -> Result<(), String> {
    let first = rs[0].routing.policy();
    if let Some(r) = rs.iter().find(|r| r.routing.policy() != first) {
        return Err(format!(
                    "record {name} {t}: all records of one name and type must use one routing policy, not both {first} and {}",
                    r.routing.policy()
                ));
    }
    match &rs[0].routing {
                Routing::Simple if rs.len() > 1 => {
                    return Err(format!(
                        "record {name} {t}: a simple record is one record per name and type (put several values in it), not {}",
                        rs.len()
                    ))
                }
                Routing::Failover { .. } => {
                    for role in [FailoverRole::Primary, FailoverRole::Secondary] {
                        let n = rs
                            .iter()
                            .filter(|r| matches!(&r.routing, Routing::Failover { role: x, .. } if *x == role))
                            .count();
                        if n > 1 {
                            return Err(format!(
                                "record {name} {t}: failover allows one {role:?} record, not {n}"
                            ));
                        }
                    }
                }
                Routing::Weighted { .. } if rs.len() > R53_MAX_WEIGHTED_RECORDS => {
                    return Err(format!(
                        "record {name} {t}: at most {R53_MAX_WEIGHTED_RECORDS} weighted records per name and type, not {} (fact sheet §3)",
                        rs.len()
                    ))
                }
                Routing::Latency { .. } => {
                    let mut seen = BTreeSet::new();
                    for r in rs {
                        if let Routing::Latency { region } = &r.routing {
                            if !seen.insert(region.as_str()) {
                                return Err(format!(
                                    "record {name} {t}: latency region {region} has two records"
                                ));
                            }
                        }
                    }
                }
                Routing::Geolocation { .. } => {
                    let mut seen = BTreeSet::new();
                    for r in rs {
                        if let Routing::Geolocation {
                            continent,
                            country,
                            subdivision,
                        } = &r.routing
                        {
                            let k = (continent.clone(), country.clone(), subdivision.clone());
                            if !seen.insert(k) {
                                return Err(format!(
                                    "record {name} {t}: two geolocation records for the same location"
                                ));
                            }
                        }
                    }
                }
                Routing::IpBased { .. } => {
                    let mut seen = BTreeSet::new();
                    for r in rs {
                        if let Routing::IpBased { location, .. } = &r.routing {
                            if !seen.insert(location.as_str()) {
                                return Err(format!(
                                    "record {name} {t}: IP-based location {location} has two records"
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
    Ok(())
}

fn validate_health_check(s: &Scenario, hc: &HealthCheck) -> Result<(), String> {
    let d = &s.dns;
    if let Some(calc) = &hc.calculated {
        if calc.children.is_empty() {
            return Err(format!(
                "health check {}: calculated.children is empty",
                hc.id
            ));
        }
        if calc.children.len() > R53_MAX_CALCULATED_CHILDREN {
            return Err(format!(
                "health check {}: calculated.children has {} children, at most {R53_MAX_CALCULATED_CHILDREN} (fact sheet §4)",
                hc.id,
                calc.children.len()
            ));
        }
        for c in &calc.children {
            let Some(child) = d.health_checks.iter().find(|h| &h.id == c) else {
                return Err(format!(
                    "health check {}: calculated.children names unknown health check {c}",
                    hc.id
                ));
            };
            if child.calculated.is_some() {
                return Err(format!(
                    "health check {}: child {c} is itself calculated; calculated checks cannot nest",
                    hc.id
                ));
            }
        }
        if let CalcRule::AtLeast(n) = calc.rule {
            if n == 0 || n as usize > calc.children.len() {
                return Err(format!(
                    "health check {}: calculated.rule at_least {n} is outside 1-{} (the number of children)",
                    hc.id,
                    calc.children.len()
                ));
            }
        }
        return Ok(());
    }
    let own_endpoint = hc.ip.is_some() || hc.domain.is_some();
    if (!own_endpoint || !hc.region.is_empty()) && s.region(&hc.region).is_none() {
        return Err(format!(
            "health check {} names unknown region {}",
            hc.id, hc.region
        ));
    }
    super::super::route53::probe::validate_probe(hc)?;
    if !R53_FAILURE_THRESHOLD.contains(&hc.failure_threshold) {
        return Err(format!(
            "health check {}: failure threshold {} is outside 1-10 (fact sheet §4)",
            hc.id, hc.failure_threshold
        ));
    }
    if !R53_INTERVALS_S.contains(&hc.interval_s) {
        return Err(format!(
            "health check {}: request interval must be 10 or 30 seconds, not {} (fact sheet §4)",
            hc.id, hc.interval_s
        ));
    }
    if !(1..=MAX_CHECKERS).contains(&hc.checkers) {
        return Err(format!(
            "health check {}: checkers {} is outside 1-{MAX_CHECKERS}",
            hc.id, hc.checkers
        ));
    }
    if !hc.checker_regions.is_empty() {
        for r in &hc.checker_regions {
            if !CHECKER_REGIONS.contains(&r.as_str()) {
                return Err(format!(
                    "health check {}: checker_regions names {r}, which is not a Route 53 checker Region ({})",
                    hc.id,
                    CHECKER_REGIONS.join(", ")
                ));
            }
        }
        let distinct: BTreeSet<&String> = hc.checker_regions.iter().collect();
        if distinct.len() < R53_MIN_CHECKER_REGIONS {
            return Err(format!(
                "health check {}: checker_regions lists {} Region(s); a custom set needs at least {R53_MIN_CHECKER_REGIONS} (fact sheet §4)",
                hc.id,
                distinct.len()
            ));
        }
    }
    Ok(())
}

fn validate_geo(g: &Geo) -> Result<(), String> {
    if !g.lat.is_finite() || !(-90.0..=90.0).contains(&g.lat) {
        return Err(format!("latitude {} is outside -90..90", g.lat));
    }
    if !g.lon.is_finite() || !(-180.0..=180.0).contains(&g.lon) {
        return Err(format!("longitude {} is outside -180..180", g.lon));
    }
    Ok(())
}

fn validate_record(s: &Scenario, rec: &Record) -> Result<(), String> {
    let d = &s.dns;
    let zone = &d.zone;
    let name = &rec.name;
    if name.is_empty() || name.ends_with('.') || *name != name.to_ascii_lowercase() {
        return Err(format!(
            "record '{name}': names are written in lower case without a trailing dot"
        ));
    }
    if !zone.contains(name) {
        return Err(format!(
            "record {name} is not inside the hosted zone {}",
            zone.name
        ));
    }
    validate_ttl(rec)?;
    validate_value(s, rec)?;
    validate_record_health(s, rec)?;
    validate_routing(s, rec)
}

/// An alias takes its target's TTL and cannot set one; any other record
/// needs one. Fact sheet §2.
fn validate_ttl(rec: &Record) -> Result<(), String> {
    let name = &rec.name;
    match (rec.is_alias(), rec.ttl_s) {
        (true, Some(t)) => Err(format!(
            "record {name}: an alias record takes no TTL (ttl_s {t}): Route 53 answers an alias with its target's TTL ({} s for an AWS resource, the record's own for another record in the zone); leave ttl_s out (fact sheet §2)",
            crate::sim::limits::ALIAS_RESOURCE_TTL_S
        )),
        (false, None) => Err(format!(
            "record {name}: a {} record needs ttl_s, the seconds resolvers may cache it (fact sheet §1)",
            rec.rtype()
        )),
        _ => Ok(()),
    }
}

/// The record's value: aliases point at something that exists, CNAMEs
/// are not at the apex, lists are not empty.
fn validate_value(s: &Scenario, rec: &Record) -> Result<(), String> {
    let zone = &s.dns.zone;
    let name = &rec.name;
    match &rec.value {
        RecordValue::AliasAlb { region } | RecordValue::AliasAaaaAlb { region }
            if s.region(region).is_none() =>
        {
            return Err(format!("record {name} aliases unknown region {region}"));
        }
        RecordValue::Mx { values } if values.is_empty() => {
            return Err(format!("record {name} MX: values is empty"));
        }
        RecordValue::Mx { values } => {
            if let Some(m) = values
                .iter()
                .find(|m| m.host.trim_end_matches('.').is_empty() || m.host.contains(' '))
            {
                return Err(format!(
                    "record {name} MX: host '{}' is not a name",
                    crate::sim::text::clip(&m.host)
                ));
            }
        }
        RecordValue::A { addresses } if addresses.is_empty() => {
            return Err(format!("record {name} A: addresses is empty"));
        }
        RecordValue::Aaaa { addresses } if addresses.is_empty() => {
            return Err(format!("record {name} AAAA: addresses is empty"));
        }
        RecordValue::Txt { values } if values.is_empty() => {
            return Err(format!("record {name} TXT: values is empty"));
        }
        RecordValue::AliasRecord { target } => validate_alias(zone, name, target)?,
        RecordValue::Cname { target } => {
            if *name == zone.name {
                return Err(format!(
                    "record {name}: a CNAME at the zone apex is not allowed (DNS forbids it; use an alias record)"
                ));
            }
            let t = target.trim_end_matches('.');
            if t.is_empty() || t.contains(' ') {
                return Err(format!(
                    "record {name} CNAME: target '{target}' is not a name"
                ));
            }
            if matches!(rec.routing, Routing::Multivalue) {
                return Err(format!(
                    "record {name}: multivalue answer records cannot be CNAMEs"
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// An alias to records in the zone: the target exists with an A record (or
/// is a CNAME, not at the apex), and aliases do not loop.
fn validate_alias(zone: &HostedZone, name: &str, target: &str) -> Result<(), String> {
    let targets: Vec<&Record> = zone.records.iter().filter(|r| r.name == *target).collect();
    if targets.is_empty() {
        return Err(format!(
            "record {name} aliases {target}, which has no record in the zone"
        ));
    }
    let is_cname = targets
        .iter()
        .any(|r| matches!(r.value, RecordValue::Cname { .. }));
    if is_cname && *name == zone.name {
        return Err(format!(
            "record {name}: an alias at the zone apex cannot point to a CNAME ({target} is one)"
        ));
    }
    if !is_cname && !targets.iter().any(|r| r.rtype() == "A") {
        return Err(format!(
                    "record {name} aliases {target}, which has no A record (an alias answers only for its own type)"
                ));
    }
    // Follow alias to alias: no loops, at most a few links.
    let mut seen = vec![name];
    let mut at = target;
    loop {
        if seen.contains(&at) {
            return Err(format!(
                "record {name}: alias loop {} -> {at}",
                seen.join(" -> ")
            ));
        }
        seen.push(at);
        let next = zone.records.iter().find_map(|r| match &r.value {
            RecordValue::AliasRecord { target } if r.name == at => Some(target.as_str()),
            _ => None,
        });
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    Ok(())
}

/// Evaluate Target Health only on aliases (not CloudFront); the health
/// check exists, is given once, and not on a simple record.
fn validate_record_health(s: &Scenario, rec: &Record) -> Result<(), String> {
    let d = &s.dns;
    let name = &rec.name;
    if rec.evaluate_target_health {
        match rec.value {
            RecordValue::AliasAlb { .. }
            | RecordValue::AliasAaaaAlb { .. }
            | RecordValue::AliasRecord { .. } => {}
            RecordValue::AliasCloudFront | RecordValue::AliasAaaaCloudFront => {
                return Err(format!(
                "record {name}: evaluate_target_health cannot be Yes for a CloudFront distribution"
            ))
            }
            _ => {
                return Err(format!(
                    "record {name}: evaluate_target_health applies only to alias records"
                ))
            }
        }
    }
    if let (
        Routing::Failover {
            health_check: Some(_),
            ..
        },
        Some(_),
    ) = (&rec.routing, &rec.health_check)
    {
        return Err(format!(
            "record {name}: health check given twice (in routing and in health_check)"
        ));
    }
    if let Some(h) = rec.health_check_id() {
        if !d.health_checks.iter().any(|c| c.id == h) {
            return Err(format!("record {name} names unknown health check {h}"));
        }
        if matches!(rec.routing, Routing::Simple) {
            return Err(format!(
                "record {name}: a simple record cannot have a health check (its values are not health checked)"
            ));
        }
    }
    Ok(())
}

/// The routing policy's own settings.
fn validate_routing(s: &Scenario, rec: &Record) -> Result<(), String> {
    let d = &s.dns;
    let name = &rec.name;
    match &rec.routing {
        Routing::Weighted { weight } if !R53_WEIGHTS.contains(weight) => {
            return Err(format!(
                "record {name}: weight {weight} is out of 0-255 (fact sheet §3)"
            ));
        }
        Routing::Latency { region } if aws_region_location(region).is_none() => {
            return Err(format!(
                "record {name}: latency region {region} is not a known AWS Region"
            ));
        }
        Routing::Geolocation {
            continent,
            country,
            subdivision,
        } => validate_geolocation(name, (continent, country, subdivision))?,
        Routing::Geoproximity {
            region,
            lat,
            lon,
            bias,
        } => validate_geoproximity(name, region, (*lat, *lon), *bias)?,
        Routing::Multivalue => {
            let n = match &rec.value {
                RecordValue::A { addresses } => addresses.len(),
                RecordValue::Aaaa { addresses } => addresses.len(),
                _ => 1,
            };
            if n != 1 {
                return Err(format!(
                    "record {name}: a multivalue answer record holds one value, not {n}"
                ));
            }
        }
        Routing::IpBased {
            collection,
            location,
        } => {
            let Some(c) = d.cidr_collections.iter().find(|c| &c.id == collection) else {
                return Err(format!(
                    "record {name}: IP-based routing names unknown CIDR collection {collection}"
                ));
            };
            if location != "*" && !c.locations.iter().any(|l| &l.name == location) {
                return Err(format!(
                    "record {name}: CIDR collection {collection} has no location {location}"
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

type GeoLocation<'a> = (&'a Option<String>, &'a Option<String>, &'a Option<String>);

/// Geolocation: a continent, or a country (two letters or `*`) with an
/// optional subdivision.
fn validate_geolocation(
    name: &str,
    (continent, country, subdivision): GeoLocation,
) -> Result<(), String> {
    if let Some(c) = continent {
        if !CONTINENTS.contains(&c.as_str()) {
            return Err(format!(
                "record {name}: geolocation continent {c} is not one of {}",
                CONTINENTS.join(" ")
            ));
        }
        if country.is_some() || subdivision.is_some() {
            return Err(format!(
                "record {name}: geolocation gives a continent or a country, not both"
            ));
        }
    }
    if let Some(c) = country {
        if c != "*" && (c.len() != 2 || !c.chars().all(|x| x.is_ascii_uppercase())) {
            return Err(format!(
                "record {name}: geolocation country '{c}' is not a two-letter ISO code or '*'"
            ));
        }
        if c == "*" && subdivision.is_some() {
            return Err(format!(
                "record {name}: the default geolocation '*' has no subdivision"
            ));
        }
    }
    if subdivision.is_some() && country.is_none() {
        return Err(format!(
            "record {name}: geolocation subdivision needs a country"
        ));
    }
    Ok(())
}

/// Geoproximity: a known Region or coordinates, bias -99..99.
fn validate_geoproximity(
    name: &str,
    region: &Option<String>,
    (lat, lon): (Option<f64>, Option<f64>),
    bias: i32,
) -> Result<(), String> {
    if !R53_GEOPROXIMITY_BIAS.contains(&bias) {
        return Err(format!(
            "record {name}: geoproximity bias {bias} is out of -99..99"
        ));
    }
    match (region, lat, lon) {
        (Some(r), None, None) => {
            if aws_region_location(r).is_none() {
                return Err(format!(
                    "record {name}: geoproximity region {r} is not a known AWS Region"
                ));
            }
        }
        (None, Some(la), Some(lo)) => {
            validate_geo(&Geo {
                lat: la,
                lon: lo,
                ..Geo::default()
            })
            .map_err(|e| format!("record {name}: geoproximity {e}"))?;
        }
        _ => {
            return Err(format!(
                "record {name}: geoproximity needs either a region or both lat and lon"
            ))
        }
    }
    Ok(())
}
