//! The DNS side of a scenario: root and TLD servers, the Route 53 hosted
//! zone with its records and routing policies, and Route 53 health checks.
//! Fact sheet §1-§4.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use std::net::{Ipv4Addr, Ipv6Addr};

use super::scenario::Geo;

pub use super::dns::validate::validate_dns;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameServer {
    pub id: String,
    pub name: String,
    pub ip: Ipv4Addr,
    /// Round trip from a resolver, in milliseconds.
    pub rtt_ms: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
    /// The SOA record's value as `dig` prints it: primary name server,
    /// hostmaster, serial, refresh, retry, expire, minimum (Route 53's
    /// defaults but the minimum). Fact sheet §1.
    pub fn soa_value(&self) -> String {
        let primary = self.name_servers.first().map(|s| s.as_str()).unwrap_or("");
        format!(
            "{primary}. hostmaster.{}. 1 7200 900 1209600 {}",
            self.name, self.soa_minimum_s
        )
    }
    /// The negative-cache time of RFC 2308: min(SOA TTL, SOA minimum). Fact sheet §1.
    pub fn negative_ttl_s(&self) -> u32 {
        self.soa_ttl_s.min(self.soa_minimum_s)
    }
    pub fn contains(&self, name: &str) -> bool {
        name == self.name || name.ends_with(&format!(".{}", self.name))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub name: String,
    pub value: RecordValue,
    /// Seconds resolvers may cache the answer. An alias takes no TTL of its
    /// own: Route 53 answers an alias to an AWS resource with the
    /// resource's TTL (60 s for ELB and CloudFront in this model) and an
    /// alias to another record with that record's; a file that sets one on
    /// an alias is refused (read it with [`Record::ttl_s`]). Fact sheet §2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<u32>,
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
    /// The TTL Route 53 answers this record with: the record's own, or for
    /// an alias the resource's (an alias to another record answers with
    /// that record's TTL, which the answer reads there). Fact sheet §2.
    pub fn ttl_s(&self) -> u32 {
        match self.value {
            RecordValue::AliasCloudFront
            | RecordValue::AliasAlb { .. }
            | RecordValue::AliasAaaaCloudFront
            | RecordValue::AliasAaaaAlb { .. }
            | RecordValue::AliasRecord { .. } => crate::sim::limits::ALIAS_RESOURCE_TTL_S,
            _ => self
                .ttl_s
                .unwrap_or(crate::sim::limits::ALIAS_RESOURCE_TTL_S),
        }
    }
    /// Whether the record is an alias (Route 53's extension, answered with
    /// its target's addresses and TTL). Fact sheet §2.
    pub fn is_alias(&self) -> bool {
        matches!(
            self.value,
            RecordValue::AliasCloudFront
                | RecordValue::AliasAlb { .. }
                | RecordValue::AliasAaaaCloudFront
                | RecordValue::AliasAaaaAlb { .. }
                | RecordValue::AliasRecord { .. }
        )
    }
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
#[serde(deny_unknown_fields)]
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
    /// Mail exchangers, each with its preference (lower first). Fact sheet §1.
    Mx {
        values: Vec<MxValue>,
    },
    /// Alias AAAA record to the CloudFront distribution: answers with the
    /// edge's IPv6 address when the distribution has IPv6 on, NODATA
    /// otherwise. Fact sheet §2, §23.
    AliasAaaaCloudFront,
    /// Alias AAAA record to a region's ALB: its nodes' IPv6 addresses when
    /// the load balancer is dual-stack, NODATA otherwise. Fact sheet §2, §23.
    AliasAaaaAlb {
        region: String,
    },
}

/// One mail exchanger of an MX record: `10 mail.example.com`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MxValue {
    pub preference: u16,
    pub host: String,
}

impl std::fmt::Display for MxValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.preference, self.host)
    }
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
            RecordValue::Mx { .. } => "MX",
            RecordValue::AliasAaaaCloudFront | RecordValue::AliasAaaaAlb { .. } => "AAAA",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[serde(deny_unknown_fields)]
pub enum FailoverRole {
    Primary,
    Secondary,
}

/// Route 53 routing policies. Fact sheet §3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
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
            RecordValue::Mx { values } => write!(f, "MX {}", join(values)),
            RecordValue::AliasAaaaCloudFront => {
                f.write_str("AAAA alias -> the CloudFront distribution")
            }
            RecordValue::AliasAaaaAlb { region } => write!(f, "AAAA alias -> the ALB in {region}"),
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
#[serde(deny_unknown_fields)]
pub struct CidrCollection {
    pub id: String,
    pub locations: Vec<CidrLocation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CidrLocation {
    pub name: String,
    /// IPv4 blocks /1 to /24.
    pub blocks: Vec<Ipv4Net>,
}

/// Where a resolver (or a CloudFront POP's resolver) sits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolverSite {
    /// A resolver id (`resolver-na`) or a CloudFront POP id (`pop-jfk`).
    pub id: String,
    pub geo: Geo,
}

/// How a calculated health check combines its children. Fact sheet §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum CalcRule {
    /// AND: every child healthy.
    All,
    /// OR: at least one child healthy.
    Any,
    /// At least N of the children healthy.
    AtLeast(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calculated {
    pub children: Vec<String>,
    pub rule: CalcRule,
}

/// A Route 53 health check on a region's ALB, or a calculated check over
/// other checks. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// What the checkers send: HTTP, HTTPS (the default), TCP, or a string
    /// match over HTTP or HTTPS. Fact sheet §4.
    #[serde(rename = "type", default, skip_serializing_if = "CheckType::is_https")]
    pub check_type: CheckType,
    /// For HTTP_STR_MATCH / HTTPS_STR_MATCH: the text (1-255 characters,
    /// case-sensitive) that must appear within the first 5,120 bytes of
    /// the body. Fact sheet §4.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub search_string: String,
    /// The endpoint's IP address (public; Route 53 cannot check private
    /// ones). With `domain`, the domain is only the Host header and SNI.
    /// Neither: the region's ALB. Fact sheet §4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<Ipv4Addr>,
    /// The endpoint's domain name, resolved as the internet would (the
    /// distribution's domain, an ALB's DNS name, a name in the zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// The kind of request Route 53's checkers send. Fact sheet §4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckType {
    /// TCP connect within 4 s, then a 2xx/3xx status within 2 s.
    Http,
    /// As HTTP, over TLS; the certificate is not validated.
    #[default]
    Https,
    /// A TCP connection within 10 s is enough.
    Tcp,
    /// HTTP, and the search string within the first 5,120 bytes of the body.
    HttpStrMatch,
    /// HTTPS, and the search string within the first 5,120 bytes.
    HttpsStrMatch,
}

impl CheckType {
    pub fn is_https(&self) -> bool {
        *self == CheckType::Https
    }
    /// Whether the check matches a string in the body.
    pub fn matches_string(self) -> bool {
        matches!(self, CheckType::HttpStrMatch | CheckType::HttpsStrMatch)
    }
    /// Whether the check speaks TLS.
    pub fn tls(self) -> bool {
        matches!(self, CheckType::Https | CheckType::HttpsStrMatch)
    }
    /// AWS's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            CheckType::Http => "HTTP",
            CheckType::Https => "HTTPS",
            CheckType::Tcp => "TCP",
            CheckType::HttpStrMatch => "HTTP_STR_MATCH",
            CheckType::HttpsStrMatch => "HTTPS_STR_MATCH",
        }
    }
    /// Read AWS's name (any case).
    pub fn parse(s: &str) -> Option<CheckType> {
        [
            CheckType::Http,
            CheckType::Https,
            CheckType::Tcp,
            CheckType::HttpStrMatch,
            CheckType::HttpsStrMatch,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(s.trim()))
    }
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
    /// Whether the check probes a region's ALB over HTTPS as Hoplab always
    /// did (no endpoint of its own, no string to match).
    pub fn probes_region_alb_https(&self) -> bool {
        self.check_type == CheckType::Https
            && self.ip.is_none()
            && self.domain.is_none()
            && self.search_string.is_empty()
    }
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

/// Continent codes Route 53 geolocation accepts.
pub const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

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
                    ttl_s: None,
                    routing: Routing::Simple,
                    health_check: None,
                    evaluate_target_health: false,
                },
                Record {
                    name: "api-origin.healthcareapp.com".into(),
                    value: RecordValue::AliasAlb {
                        region: "us-east-1".into(),
                    },
                    ttl_s: None,
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
                    ttl_s: None,
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
                check_type: CheckType::Https,
                search_string: String::new(),
                ip: None,
                domain: None,
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
                check_type: CheckType::Https,
                search_string: String::new(),
                ip: None,
                domain: None,
            },
        ],
        cidr_collections: vec![],
        resolver_sites: vec![],
    }
}
