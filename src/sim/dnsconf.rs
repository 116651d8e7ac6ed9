//! The DNS side of a scenario: root and TLD servers, the Route 53 hosted
//! zone with its records and routing policies, and Route 53 health checks.
//! Fact sheet §1-§4.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::scenario::{Geo, Scenario};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameServer {
    pub id: String,
    pub name: String,
    pub ip: Ipv4Addr,
    /// Round trip from a resolver, in milliseconds.
    pub rtt_ms: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsConfig {
    pub root: NameServer,
    pub tld: NameServer,
    pub zone: HostedZone,
    pub health_checks: Vec<HealthCheck>,
    /// CIDR collections for IP-based routing. Fact sheet §3.
    #[serde(default)]
    pub cidr_collections: Vec<CidrCollection>,
    /// Where recursive resolvers (by resolver id) and CloudFront's resolvers
    /// (by POP id) sit. Route 53 places a query by the resolver's address
    /// unless the resolver sends EDNS Client Subnet (fact sheet §3). A
    /// resolver without an entry is taken to be an anycast instance in its
    /// client's area.
    #[serde(default)]
    pub resolver_sites: Vec<ResolverSite>,
}

/// A Route 53 public hosted zone. Fact sheet §1 (NS/SOA), §2 (alias), §3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostedZone {
    pub id: String,
    pub name: String,
    pub name_servers: Vec<String>,
    pub ns_ip: Ipv4Addr,
    pub rtt_ms: u32,
    /// TTL of the NS delegation at the TLD (typically two days).
    pub ns_ttl_s: u32,
    pub soa_ttl_s: u32,
    pub soa_minimum_s: u32,
    pub records: Vec<Record>,
}

impl HostedZone {
    /// The negative-cache time of RFC 2308: min(SOA TTL, SOA minimum). Fact sheet §1.
    pub fn negative_ttl_s(&self) -> u32 {
        self.soa_ttl_s.min(self.soa_minimum_s)
    }
    pub fn contains(&self, name: &str) -> bool {
        name == self.name || name.ends_with(&format!(".{}", self.name))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    pub value: RecordValue,
    /// For aliases to AWS resources Route 53 uses the resource's TTL (60 s for
    /// ELB and CloudFront in this model). Fact sheet §2.
    pub ttl_s: u32,
    pub routing: Routing,
    /// A health check for any routing policy but simple (failover records may
    /// also name theirs inside `routing`). Fact sheet §3, §4.
    #[serde(default)]
    pub health_check: Option<String>,
    /// Evaluate Target Health on an alias to an ALB: the ALB is healthy only
    /// if every target group with targets has a healthy target. Fact sheet §2.
    #[serde(default)]
    pub evaluate_target_health: bool,
}

impl Record {
    /// The record's health check, wherever it is configured.
    pub fn health_check_id(&self) -> Option<&str> {
        match (&self.routing, &self.health_check) {
            (_, Some(h)) => Some(h.as_str()),
            (
                Routing::Failover {
                    health_check: Some(h),
                    ..
                },
                None,
            ) => Some(h.as_str()),
            _ => None,
        }
    }
    /// The DNS type this record answers for.
    pub fn rtype(&self) -> &'static str {
        self.value.rtype()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordValue {
    /// Alias A record to the CloudFront distribution.
    AliasCloudFront,
    /// Alias A record to a region's ALB.
    AliasAlb {
        region: String,
    },
    /// Alias A record to another name in the same hosted zone: Route 53
    /// answers with that name's A answer (routing, health and TTL included).
    /// Fact sheet §2.
    AliasRecord {
        target: String,
    },
    A {
        addresses: Vec<Ipv4Addr>,
    },
    /// IPv6 addresses: a query for A at a name that has only AAAA gets NODATA.
    Aaaa {
        addresses: Vec<Ipv6Addr>,
    },
    /// The name is another name's alias in the DNS sense: resolvers restart
    /// the query at `target`. Never at the apex, never beside other records.
    Cname {
        target: String,
    },
    Txt {
        values: Vec<String>,
    },
}

impl RecordValue {
    pub fn rtype(&self) -> &'static str {
        match self {
            RecordValue::AliasCloudFront
            | RecordValue::AliasAlb { .. }
            | RecordValue::AliasRecord { .. }
            | RecordValue::A { .. } => "A",
            RecordValue::Aaaa { .. } => "AAAA",
            RecordValue::Cname { .. } => "CNAME",
            RecordValue::Txt { .. } => "TXT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FailoverRole {
    Primary,
    Secondary,
}

/// Route 53 routing policies. Fact sheet §3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    Simple,
    Failover {
        role: FailoverRole,
        #[serde(default)]
        health_check: Option<String>,
    },
    /// Weight 0-255; share = weight / sum of weights.
    Weighted {
        weight: u32,
    },
    /// The AWS Region this record's resource is in.
    Latency {
        region: String,
    },
    /// Continent (AF AN AS EU NA OC SA), or country (ISO 3166) with an
    /// optional subdivision; nothing at all (or country `*`) is the default.
    Geolocation {
        #[serde(default)]
        continent: Option<String>,
        #[serde(default)]
        country: Option<String>,
        #[serde(default)]
        subdivision: Option<String>,
    },
    /// The resource's location: an AWS Region, or coordinates; bias -99..99.
    Geoproximity {
        #[serde(default)]
        region: Option<String>,
        #[serde(default)]
        lat: Option<f64>,
        #[serde(default)]
        lon: Option<f64>,
        #[serde(default)]
        bias: i32,
    },
    /// One value per record; up to 8 healthy records per answer.
    Multivalue,
    /// A location of a CIDR collection, or `*` for everything else.
    IpBased {
        collection: String,
        location: String,
    },
}

impl Routing {
    pub fn policy(&self) -> &'static str {
        match self {
            Routing::Simple => "simple",
            Routing::Failover { .. } => "failover",
            Routing::Weighted { .. } => "weighted",
            Routing::Latency { .. } => "latency",
            Routing::Geolocation { .. } => "geolocation",
            Routing::Geoproximity { .. } => "geoproximity",
            Routing::Multivalue => "multivalue answer",
            Routing::IpBased { .. } => "IP-based",
        }
    }
}

/// A named group of CIDR locations for IP-based routing. Fact sheet §3.
fn join<T: std::fmt::Display>(xs: &[T]) -> String {
    xs.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// As a learner reads a record in the console: type and value.
impl std::fmt::Display for RecordValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordValue::AliasCloudFront => f.write_str("A alias -> the CloudFront distribution"),
            RecordValue::AliasAlb { region } => write!(f, "A alias -> the ALB in {region}"),
            RecordValue::AliasRecord { target } => write!(f, "A alias -> {target} (same zone)"),
            RecordValue::A { addresses } => write!(f, "A {}", join(addresses)),
            RecordValue::Aaaa { addresses } => write!(f, "AAAA {}", join(addresses)),
            RecordValue::Cname { target } => write!(f, "CNAME {target}"),
            RecordValue::Txt { values } => write!(f, "TXT {}", join(values)),
        }
    }
}

/// The routing policy with its settings, e.g. "failover (primary, check hc-a)".
impl std::fmt::Display for Routing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Routing::Simple | Routing::Multivalue => f.write_str(self.policy()),
            Routing::Failover { role, health_check } => {
                let role = match role {
                    FailoverRole::Primary => "primary",
                    FailoverRole::Secondary => "secondary",
                };
                match health_check {
                    Some(h) => write!(f, "failover ({role}, check {h})"),
                    None => write!(f, "failover ({role})"),
                }
            }
            Routing::Weighted { weight } => write!(f, "weighted (weight {weight})"),
            Routing::Latency { region } => write!(f, "latency ({region})"),
            Routing::Geolocation {
                continent,
                country,
                subdivision,
            } => {
                let place = [subdivision, country, continent]
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|s| s.as_str())
                    .unwrap_or("default");
                write!(f, "geolocation ({place})")
            }
            Routing::Geoproximity {
                region,
                lat,
                lon,
                bias,
            } => {
                match (region, lat, lon) {
                    (Some(r), _, _) => write!(f, "geoproximity ({r}")?,
                    (None, Some(la), Some(lo)) => write!(f, "geoproximity ({la}, {lo}")?,
                    _ => write!(f, "geoproximity (")?,
                }
                write!(f, ", bias {bias:+})")
            }
            Routing::IpBased {
                collection,
                location,
            } => write!(f, "IP-based ({collection} / {location})"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidrCollection {
    pub id: String,
    pub locations: Vec<CidrLocation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidrLocation {
    pub name: String,
    /// IPv4 blocks /1 to /24.
    pub blocks: Vec<Ipv4Net>,
}

/// Where a resolver (or a CloudFront POP's resolver) sits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResolverSite {
    /// A resolver id (`resolver-na`) or a CloudFront POP id (`pop-jfk`).
    pub id: String,
    pub geo: Geo,
}

/// How a calculated health check combines its children. Fact sheet §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalcRule {
    /// AND: every child healthy.
    All,
    /// OR: at least one child healthy.
    Any,
    /// At least N of the children healthy.
    AtLeast(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calculated {
    pub children: Vec<String>,
    pub rule: CalcRule,
}

/// A Route 53 health check on a region's ALB, or a calculated check over
/// other checks. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub id: String,
    #[serde(default)]
    pub region: String,
    #[serde(default = "default_hc_path")]
    pub path: String,
    #[serde(default = "default_hc_port")]
    pub port: u16,
    #[serde(default = "default_hc_interval")]
    pub interval_s: u32,
    #[serde(default = "default_hc_threshold")]
    pub failure_threshold: u32,
    /// Checkers probing independently; checker `i` sits in
    /// `checker_regions[i % len]`.
    #[serde(default = "default_hc_checkers")]
    pub checkers: u32,
    /// Address the checkers probe from (for NACL / SG evaluation).
    #[serde(default = "default_checker_ip")]
    pub checker_ip: Ipv4Addr,
    /// Checker Regions (from the 8 Route 53 offers; at least 3). Empty:
    /// Route 53's recommended set, all 8.
    #[serde(default)]
    pub checker_regions: Vec<String>,
    /// A disabled check is always healthy (fact sheet §4).
    #[serde(default)]
    pub disabled: bool,
    /// Inverted: healthy when the endpoint fails, and the other way round.
    #[serde(default)]
    pub inverted: bool,
    /// A calculated (parent) check: no probes, its state comes from children.
    #[serde(default)]
    pub calculated: Option<Calculated>,
}

fn default_hc_path() -> String {
    "/".into()
}
fn default_hc_port() -> u16 {
    443
}
fn default_hc_interval() -> u32 {
    30
}
fn default_hc_threshold() -> u32 {
    3
}
fn default_hc_checkers() -> u32 {
    CHECKER_REGIONS.len() as u32
}
fn default_checker_ip() -> Ipv4Addr {
    [54, 243, 31, 200].into()
}

impl HealthCheck {
    /// The Region checker `i` probes from.
    pub fn checker_region(&self, i: usize) -> &str {
        if self.checker_regions.is_empty() {
            CHECKER_REGIONS[i % CHECKER_REGIONS.len()]
        } else {
            &self.checker_regions[i % self.checker_regions.len()]
        }
    }
}

/// The Regions Route 53 health checkers can run in (API list). Fact sheet §4.
pub const CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// Route 53 calls an endpoint healthy only if MORE than this percentage of
/// its checkers report healthy (exactly 18 % is unhealthy). Fact sheet §4, §19.6.
pub const HEALTHY_CHECKER_PERCENT: u32 = 18;

/// Largest number of checkers a scenario may configure.
pub const MAX_CHECKERS: u32 = 64;

/// AWS Regions with a location, for latency and geoproximity routing.
pub const AWS_REGIONS: [(&str, &str, f64, f64); 16] = [
    ("us-east-1", "N. Virginia", 38.9, -77.4),
    ("us-east-2", "Ohio", 40.0, -83.0),
    ("us-west-1", "N. California", 37.4, -121.9),
    ("us-west-2", "Oregon", 45.8, -119.7),
    ("ca-central-1", "Montreal", 45.5, -73.6),
    ("sa-east-1", "Sao Paulo", -23.5, -46.6),
    ("eu-west-1", "Ireland", 53.3, -6.3),
    ("eu-west-2", "London", 51.5, -0.1),
    ("eu-west-3", "Paris", 48.9, 2.4),
    ("eu-central-1", "Frankfurt", 50.1, 8.7),
    ("ap-northeast-1", "Tokyo", 35.7, 139.7),
    ("ap-northeast-2", "Seoul", 37.6, 127.0),
    ("ap-southeast-1", "Singapore", 1.3, 103.8),
    ("ap-southeast-2", "Sydney", -33.9, 151.2),
    ("ap-south-1", "Mumbai", 19.1, 72.9),
    ("af-south-1", "Cape Town", -33.9, 18.4),
];

/// Where an AWS Region is: (city, lat, lon).
pub fn aws_region_location(id: &str) -> Option<(&'static str, f64, f64)> {
    AWS_REGIONS
        .iter()
        .find(|r| r.0 == id)
        .map(|r| (r.1, r.2, r.3))
}

const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

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
                if !(1..=24).contains(&p) {
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
                Routing::Weighted { .. } if rs.len() > 100 => {
                    return Err(format!(
                        "record {name} {t}: at most 100 weighted records per name and type, not {}",
                        rs.len()
                    ))
                }
                Routing::Latency { .. } => {
                    let mut seen = BTreeSet::new();
                    for r in &rs {
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
                    for r in &rs {
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
                    for r in &rs {
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
        }
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
        if calc.children.len() > 256 {
            return Err(format!(
                "health check {}: calculated.children has {} children, at most 256",
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
    if s.region(&hc.region).is_none() {
        return Err(format!(
            "health check {} names unknown region {}",
            hc.id, hc.region
        ));
    }
    if !(1..=10).contains(&hc.failure_threshold) {
        return Err(format!(
            "health check {}: failure threshold {} is outside 1-10",
            hc.id, hc.failure_threshold
        ));
    }
    if hc.interval_s != 10 && hc.interval_s != 30 {
        return Err(format!(
            "health check {}: request interval must be 10 or 30 seconds, not {}",
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
        if distinct.len() < 3 {
            return Err(format!(
                "health check {}: checker_regions lists {} Region(s); a custom set needs at least 3",
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
    match &rec.value {
        RecordValue::AliasAlb { region } if s.region(region).is_none() => {
            return Err(format!("record {name} aliases unknown region {region}"));
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
        RecordValue::AliasRecord { target } => {
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
            let mut seen = vec![name.as_str()];
            let mut at = target.as_str();
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
        }
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
    if rec.evaluate_target_health {
        match rec.value {
            RecordValue::AliasAlb { .. } | RecordValue::AliasRecord { .. } => {}
            RecordValue::AliasCloudFront => {
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
    match &rec.routing {
        Routing::Weighted { weight } if *weight > 255 => {
            return Err(format!("record {name}: weight {weight} is out of 0-255"));
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
        } => {
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
        }
        Routing::Geoproximity {
            region,
            lat,
            lon,
            bias,
        } => {
            if !(-99..=99).contains(bias) {
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
                        lat: *la,
                        lon: *lo,
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
        }
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

/// The default scenario's DNS: root, .com, the healthcareapp.com zone.
pub fn default_dns() -> DnsConfig {
    DnsConfig {
        root: NameServer {
            id: "root".into(),
            name: "a.root-servers.net".into(),
            ip: [198, 41, 0, 4].into(),
            rtt_ms: 10,
        },
        tld: NameServer {
            id: "tld-com".into(),
            name: "a.gtld-servers.net".into(),
            ip: [192, 5, 6, 30].into(),
            rtt_ms: 18,
        },
        zone: HostedZone {
            id: "route53".into(),
            name: "healthcareapp.com".into(),
            name_servers: vec![
                "ns-2048.awsdns-64.com".into(),
                "ns-512.awsdns-00.net".into(),
                "ns-1024.awsdns-00.org".into(),
                "ns-1536.awsdns-00.co.uk".into(),
            ],
            ns_ip: [205, 251, 192, 64].into(),
            rtt_ms: 14,
            ns_ttl_s: 172_800,
            soa_ttl_s: 900,
            soa_minimum_s: 86_400,
            records: vec![
                Record {
                    name: "healthcareapp.com".into(),
                    value: RecordValue::AliasCloudFront,
                    ttl_s: 60,
                    routing: Routing::Simple,
                    health_check: None,
                    evaluate_target_health: false,
                },
                Record {
                    name: "api-origin.healthcareapp.com".into(),
                    value: RecordValue::AliasAlb {
                        region: "us-east-1".into(),
                    },
                    ttl_s: 60,
                    routing: Routing::Failover {
                        role: FailoverRole::Primary,
                        health_check: Some("hc-cluster-a".into()),
                    },
                    health_check: None,
                    evaluate_target_health: false,
                },
                Record {
                    name: "api-origin.healthcareapp.com".into(),
                    value: RecordValue::AliasAlb {
                        region: "us-west-2".into(),
                    },
                    ttl_s: 60,
                    routing: Routing::Failover {
                        role: FailoverRole::Secondary,
                        health_check: Some("hc-cluster-b".into()),
                    },
                    health_check: None,
                    evaluate_target_health: false,
                },
            ],
        },
        health_checks: vec![
            HealthCheck {
                id: "hc-cluster-a".into(),
                region: "us-east-1".into(),
                path: "/healthz".into(),
                port: 443,
                interval_s: 30,
                failure_threshold: 3,
                checkers: 8,
                checker_ip: [54, 243, 31, 200].into(),
                checker_regions: vec![],
                disabled: false,
                inverted: false,
                calculated: None,
            },
            HealthCheck {
                id: "hc-cluster-b".into(),
                region: "us-west-2".into(),
                path: "/healthz".into(),
                port: 443,
                interval_s: 30,
                failure_threshold: 3,
                checkers: 8,
                checker_ip: [54, 243, 31, 200].into(),
                checker_regions: vec![],
                disabled: false,
                inverted: false,
                calculated: None,
            },
        ],
        cidr_collections: vec![],
        resolver_sites: vec![],
    }
}
