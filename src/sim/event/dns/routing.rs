//! How Route 53 chose an answer, as data: where it placed the query, which
//! records were candidates with their health, and what the routing policy
//! decided. Rendered here, the one place this English is written.
//! Fact sheet §2-§4.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use super::health::RecordHealth;

/// Where Route 53 places a query. Fact sheet §3.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "seen_as", rename_all = "snake_case")]
pub enum QueryPlace {
    /// The resolver sends EDNS Client Subnet: the client's subnet.
    ClientSubnet { subnet: Ipv4Net, city: String },
    /// No ECS: the resolver's address, at a known site.
    ResolverSite {
        resolver: Ipv4Addr,
        country: String,
        subdivision: Option<String>,
    },
    /// No ECS and no known site (anycast): assumed near the client.
    ResolverNearClient { resolver: Ipv4Addr, city: String },
    /// CloudFront's resolver at an edge location.
    Edge { city: String, ip: Ipv4Addr },
    /// Nothing Route 53 can place.
    Unknown,
}

impl QueryPlace {
    pub fn describe(&self) -> String {
        match self {
            QueryPlace::ClientSubnet { subnet, city } => format!(
                "the resolver sends EDNS Client Subnet {subnet}, so Route 53 places the query at the client ({city})"
            ),
            QueryPlace::ResolverSite {
                resolver,
                country,
                subdivision,
            } => {
                let place = format!("{country} {}", subdivision.clone().unwrap_or_default());
                format!(
                    "no EDNS Client Subnet: Route 53 only sees the resolver {resolver} ({})",
                    place.trim()
                )
            }
            QueryPlace::ResolverNearClient { resolver, city } => format!(
                "no EDNS Client Subnet: Route 53 only sees the resolver {resolver} (assumed near the client in {city}: anycast)"
            ),
            QueryPlace::Edge { city, ip } => format!("CloudFront's resolver at {city} ({ip})"),
            QueryPlace::Unknown => "a resolver Route 53 cannot place".into(),
        }
    }
}

/// A distance in km (compared bit for bit, so events stay `Eq`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Km(pub f64);

impl PartialEq for Km {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for Km {}

/// A candidate record: its label (value and routing setting, as in the
/// zone: `192.0.2.10 (weight 3)`) and whether Route 53 counts it healthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub record: String,
    pub healthy: bool,
}

/// A latency record with its modelled round trip from the query's place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyRow {
    pub record: String,
    pub latency_ms: u32,
    pub healthy: bool,
}

/// A geoproximity record with its distance and bias.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistanceRow {
    /// The Region (`us-east-1 (N. Virginia)`) or coordinates.
    pub location: String,
    pub km: Km,
    pub bias: i32,
    pub biased_km: Km,
    pub healthy: bool,
}

/// A place a query comes from, for geolocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoPlace {
    pub country: String,
    pub subdivision: Option<String>,
    pub continent: String,
}

/// What a failover record set did. Fact sheet §3, §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FailoverPick {
    /// PRIMARY is healthy: only the primary is returned.
    Primary {
        primary: RecordHealth,
    },
    /// PRIMARY unhealthy, SECONDARY healthy: Route 53 fails over.
    Secondary {
        primary: RecordHealth,
        secondary: RecordHealth,
        /// How long detection took and the primary's TTL, when the primary
        /// has a plain health check.
        detection: Option<Detection>,
    },
    /// Both unhealthy: Route 53 returns the primary.
    BothUnhealthy {
        primary: RecordHealth,
        secondary: RecordHealth,
    },
    OnlyPrimary {
        health: RecordHealth,
    },
    OnlySecondary {
        health: RecordHealth,
    },
    /// No record has a failover role.
    NoRole,
}

/// Failover detection time: interval × failure threshold, then the TTL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub interval_s: u32,
    pub threshold: u32,
    pub ttl_s: u32,
}

/// Why the weighted pool is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightedPool {
    /// Healthy non-zero records, and no healthy weight-0 one.
    Healthy,
    /// Healthy non-zero records; `n` healthy weight-0 records never answer.
    ZeroIdle(usize),
    /// Every record has weight 0: equal probability.
    AllZero,
    /// Every non-zero record is unhealthy: the weight-0 ones, equally.
    ZeroBecauseUnhealthy,
    /// Every record unhealthy and weight 0: all, equally.
    AllUnhealthyZero,
    /// Every record unhealthy: the non-zero ones as if healthy.
    AllUnhealthy,
}

/// Which IP-based location answered besides the longest match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum IpFallback {
    /// The matching location's record answered.
    Matched,
    /// The matching location's record is unhealthy: the default * answers.
    MatchedUnhealthy { health: RecordHealth },
    /// No location matched: the default * answers.
    Default,
}

/// How a routing policy chose, with what it looked at. Fact sheet §3.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum Selection {
    /// A simple record: the one record with all its values.
    Simple {
        values: usize,
    },
    Failover(FailoverPick),
    Weighted {
        picked: String,
        share: u64,
        total: u64,
        health: RecordHealth,
        pool: WeightedPool,
        records: Vec<Candidate>,
    },
    /// Latency or geoproximity with no location: the first eligible record.
    NoLocation {
        latency: bool,
        source: QueryPlace,
    },
    Latency {
        source: QueryPlace,
        rows: Vec<LatencyRow>,
        none_healthy: bool,
        health: RecordHealth,
    },
    Geolocation {
        source: QueryPlace,
        place: Option<GeoPlace>,
        /// Matching records passed over because unhealthy: (location, health).
        walked: Vec<(String, RecordHealth)>,
        /// Every matching record is unhealthy.
        all_unhealthy: bool,
        location: String,
        health: RecordHealth,
    },
    /// No geolocation record covers the place and there is no default.
    GeolocationNoMatch {
        source: QueryPlace,
        place: Option<GeoPlace>,
    },
    Geoproximity {
        source: QueryPlace,
        rows: Vec<DistanceRow>,
        none_healthy: bool,
        health: RecordHealth,
    },
    Multivalue {
        returned: usize,
        records: usize,
        /// Records eligible (healthy ones, or all when none is).
        eligible: usize,
        unhealthy: usize,
        none_healthy: bool,
        max_answers: usize,
    },
    IpBased {
        source: QueryPlace,
        subnet: Ipv4Net,
        collection: String,
        /// The longest matching block and its location.
        block: Option<(Ipv4Net, String)>,
        fallback: IpFallback,
        record: String,
        health: RecordHealth,
    },
    /// No block matched a record's location and there is no default.
    IpBasedNoMatch {
        source: QueryPlace,
        subnet: Ipv4Net,
        collection: String,
        block: Option<(Ipv4Net, String)>,
    },
    /// An IP-based record set without a CIDR collection.
    IpBasedNoCollection,
}

/// `12.5 %`, `50 %`.
pub fn pct(n: u64, total: u64) -> String {
    if total == 0 {
        return "0 %".into();
    }
    let p = n as f64 * 100.0 / total as f64;
    if (p - p.round()).abs() < 0.05 {
        format!("{} %", p.round() as u64)
    } else {
        format!("{p:.1} %")
    }
}

fn unhealthy_mark(healthy: bool) -> &'static str {
    if healthy {
        ""
    } else {
        " UNHEALTHY"
    }
}

fn none_healthy_note(none_healthy: bool) -> &'static str {
    if none_healthy {
        " (none healthy, so all count as healthy)"
    } else {
        ""
    }
}

impl Selection {
    /// The policy's explanation, as the answer's `why` starts.
    pub fn describe(&self) -> String {
        match self {
            Selection::Simple { values } => format!(
                "simple record: the one record is returned{}",
                if *values > 1 {
                    format!(
                        " with all {values} values, in random order (values are not health checked)"
                    )
                } else {
                    String::new()
                }
            ),
            Selection::Failover(f) => failover(f),
            Selection::Weighted { .. } => weighted(self),
            Selection::NoLocation { latency, source } => format!(
                "{}: {}; with no location, the first eligible record is returned",
                if *latency { "latency" } else { "geoproximity" },
                source.describe()
            ),
            Selection::Latency {
                source,
                rows,
                none_healthy,
                health,
            } => {
                let table = rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {} ms{}",
                            r.record,
                            r.latency_ms,
                            unhealthy_mark(r.healthy)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "latency: {}; measured latency to each Region with a record: {table}; lowest eligible wins{} ({health}) (fact sheet §3)",
                    source.describe(),
                    none_healthy_note(*none_healthy),
                )
            }
            Selection::Geolocation { .. } | Selection::GeolocationNoMatch { .. } => {
                geolocation(self)
            }
            Selection::Geoproximity {
                source,
                rows,
                none_healthy,
                health,
            } => {
                let table = rows
                    .iter()
                    .map(|r| {
                        let (name, d, b) = (&r.location, r.km.0, r.biased_km.0);
                        let mark = unhealthy_mark(r.healthy);
                        if r.bias == 0 {
                            format!("{name} {d:.0} km{mark}")
                        } else {
                            format!("{name} {d:.0} km, bias {:+} -> {b:.0} km{mark}", r.bias)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                format!(
                    "geoproximity: {}; biased great-circle distances: {table}; the shortest eligible wins{} ({health}) (fact sheet §3)",
                    source.describe(),
                    none_healthy_note(*none_healthy),
                )
            }
            Selection::Multivalue {
                returned,
                records,
                eligible,
                unhealthy,
                none_healthy,
                max_answers,
            } => format!(
                "multivalue answer: {returned} of {records} records {}; up to {max_answers} are returned in random order{} (fact sheet §3)",
                if *none_healthy {
                    "returned although every record is unhealthy".to_string()
                } else {
                    format!("returned from {eligible} healthy ({unhealthy} unhealthy left out)")
                },
                if eligible > max_answers { ", a different subset for each query" } else { "" },
            ),
            Selection::IpBased { .. }
            | Selection::IpBasedNoMatch { .. }
            | Selection::IpBasedNoCollection => ip_based(self),
        }
    }
}

fn failover(f: &FailoverPick) -> String {
    match f {
        FailoverPick::Primary { primary } => format!(
            "failover record: PRIMARY is healthy ({primary}), so only the primary is returned"
        ),
        FailoverPick::Secondary {
            primary,
            secondary,
            detection,
        } => format!(
            "failover record: PRIMARY is unhealthy ({primary}), SECONDARY is healthy ({secondary}), so Route 53 answers with the secondary (fact sheet §3){}",
            match detection {
                Some(d) => format!(
                    "; detection took about interval {} s × threshold {} = {} s, and resolvers still holding the primary's answer keep it until its TTL ({} s) runs out (fact sheet §4)",
                    d.interval_s,
                    d.threshold,
                    d.interval_s * d.threshold,
                    d.ttl_s
                ),
                None => String::new(),
            }
        ),
        FailoverPick::BothUnhealthy { primary, secondary } => format!(
            "failover record: both PRIMARY ({primary}) and SECONDARY ({secondary}) are unhealthy, so Route 53 returns the primary (fact sheet §3)"
        ),
        FailoverPick::OnlyPrimary { health } => {
            format!("failover record with only a PRIMARY ({health})")
        }
        FailoverPick::OnlySecondary { health } => {
            format!("failover record with only a SECONDARY ({health})")
        }
        FailoverPick::NoRole => "failover record".into(),
    }
}

fn weighted(s: &Selection) -> String {
    let Selection::Weighted {
        picked,
        share,
        total,
        health,
        pool,
        records,
    } = s
    else {
        return String::new();
    };
    let note = match pool {
        WeightedPool::Healthy => String::new(),
        WeightedPool::ZeroIdle(n) => format!(
            "; {n} weight-0 record(s) never answer while a non-zero record is eligible"
        ),
        WeightedPool::AllZero => "; every record has weight 0, so Route 53 spreads answers with equal probability".into(),
        WeightedPool::ZeroBecauseUnhealthy => "; every non-zero record is unhealthy, so the weight-0 records are used, with equal probability".into(),
        WeightedPool::AllUnhealthyZero => "; every record is unhealthy and has weight 0: all are treated as healthy, equal probability".into(),
        WeightedPool::AllUnhealthy => "; every record is unhealthy, so Route 53 answers among the non-zero records as if healthy (zero-weight ones not)".into(),
    };
    let list = records
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c.record,
                if c.healthy { "healthy" } else { "UNHEALTHY" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "weighted: Route 53 picked {picked} at random with probability {share}/{total} = {} ({health}){note}; records: {list} (fact sheet §3)",
        pct(*share, *total),
    )
}

fn geo_place(place: &Option<GeoPlace>) -> String {
    match place {
        Some(g) => format!(
            "{}{} in {}",
            g.country,
            g.subdivision
                .as_ref()
                .map(|s| format!("-{s}"))
                .unwrap_or_default(),
            g.continent
        ),
        None => "an unknown location".into(),
    }
}

fn geolocation(s: &Selection) -> String {
    match s {
        Selection::GeolocationNoMatch { source, place } => format!(
            "geolocation: {}; the query comes from {}, no record covers it and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
            source.describe(),
            geo_place(place)
        ),
        Selection::Geolocation {
            source,
            place,
            walked,
            all_unhealthy,
            location,
            health,
        } => {
            let note = if *all_unhealthy {
                "; every matching record is unhealthy, so Route 53 answers with the smallest-region match".to_string()
            } else if walked.is_empty() {
                String::new()
            } else {
                let w: Vec<String> = walked
                    .iter()
                    .map(|(l, h)| format!("{l} UNHEALTHY ({h})"))
                    .collect();
                format!("; walked up past {}", w.join(", "))
            };
            format!(
                "geolocation: {}; the query comes from {}; the most specific match wins (subdivision > country > continent > default){note}: {location} ({health}) (fact sheet §3)",
                source.describe(),
                geo_place(place)
            )
        }
        _ => String::new(),
    }
}

fn ip_what(subnet: &Ipv4Net, collection: &str, block: &Option<(Ipv4Net, String)>) -> String {
    match block {
        Some((b, l)) => format!("{subnet} matches block {b} of location {l} (longest match)"),
        None => format!("{subnet} matches no block of collection {collection}"),
    }
}

fn ip_based(s: &Selection) -> String {
    match s {
        Selection::IpBasedNoCollection => "IP-based: no collection".into(),
        Selection::IpBasedNoMatch {
            source,
            subnet,
            collection,
            block,
        } => format!(
            "IP-based: {}; {}, and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
            source.describe(),
            ip_what(subnet, collection, block)
        ),
        Selection::IpBased {
            source,
            subnet,
            collection,
            block,
            fallback,
            record,
            health,
        } => {
            let note = match fallback {
                IpFallback::Matched => String::new(),
                IpFallback::MatchedUnhealthy { health } => format!(
                    "; the record for that location is unhealthy ({health}), so the default * answers"
                ),
                IpFallback::Default => "; the default location * covers everything else".into(),
            };
            format!(
                "IP-based: {}; {}{note}: {record} ({health}) (fact sheet §3)",
                source.describe(),
                ip_what(subnet, collection, block)
            )
        }
        _ => String::new(),
    }
}
