//! Route 53 as the authority: record selection by routing policy and
//! health, and the health checks that run on the clock. Fact sheet §2-§4.
//!
//! Selection follows [R53-CHOOSE]: pick by policy, skip unhealthy records,
//! and when nothing is healthy treat everything as healthy (Route 53 must
//! answer something). Health checks run on their own schedule; nothing is
//! probed at query time.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// Route 53's runtime state: each health check's aggregate status and
/// each checker Region's own view of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route53State {
    pub health: std::collections::BTreeMap<String, HealthState>,
    pub checkers: std::collections::BTreeMap<String, Vec<CheckerState>>,
}

use super::dns::Answer;
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

/// Route 53 returns at most this many records for a multivalue answer
/// query. Fact sheet §3.
pub const MULTIVALUE_MAX_ANSWERS: usize = 8;

/// The prefix length of an EDNS Client Subnet option as public resolvers
/// send it (the client's /24).
pub const ECS_PREFIX: u8 = 24;

/// Latency model for latency routing: a fixed cost plus 1 ms of round trip
/// per 100 km of great-circle distance (light in fibre, plus detours).
pub const LATENCY_BASE_MS: u32 = 5;
pub const LATENCY_KM_PER_MS: f64 = 100.0;

/// How a calculated check is re-evaluated when nothing else triggers it.
pub const CALCULATED_REFRESH_S: u64 = 10;

/// One health checker's own view of an endpoint: each checker applies the
/// failure threshold by itself; Route 53 then counts checkers. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerState {
    pub region: String,
    pub healthy: bool,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    /// The last probe's result from this checker.
    pub last_ok: bool,
}

/// Where Route 53 thinks a query comes from: the client's subnet when the
/// resolver sends EDNS Client Subnet, otherwise the resolver. Fact sheet §3.
#[derive(Clone, Debug)]
pub struct QuerySource {
    pub net: Ipv4Net,
    pub geo: Option<Geo>,
    /// In words, for the trace.
    pub how: String,
    pub client: Option<Client>,
}

/// Route 53's aggregation: healthy only if MORE than 18 % of the checkers
/// report healthy; exactly 18 % is unhealthy. Fact sheet §4, §19.6.
pub fn checkers_say_healthy(healthy: u64, total: u64) -> bool {
    total > 0 && healthy * 100 > HEALTHY_CHECKER_PERCENT as u64 * total
}

/// Great-circle distance in km (haversine, mean Earth radius).
pub fn great_circle_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6371.0_f64;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Geoproximity bias: positive shrinks the distance, negative grows it.
/// Fact sheet §3: d × (1 − bias/100), or d / (1 + bias/100) for negative bias.
pub fn biased_distance(d: f64, bias: i32) -> f64 {
    let b = bias.clamp(-99, 99) as f64;
    if b >= 0.0 {
        d * (1.0 - b / 100.0)
    } else {
        d / (1.0 + b / 100.0)
    }
}

/// Modelled round trip from a place to an AWS Region.
pub fn latency_ms(from: (f64, f64), region: &str) -> Option<u32> {
    let (_, lat, lon) = aws_region_location(region)?;
    Some(LATENCY_BASE_MS + (great_circle_km(from, (lat, lon)) / LATENCY_KM_PER_MS).round() as u32)
}

/// A candidate record with its health as Route 53 sees it.
struct Cand {
    rec: Record,
    healthy: bool,
    health: String,
}

/// Alias-to-record links Route 53 follows for one answer (validation
/// refuses loops; this bounds a hand-edited world anyway).
const MAX_ALIAS_DEPTH: usize = 8;

fn label(r: &Record) -> String {
    let v = match &r.value {
        RecordValue::A { addresses } => addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        RecordValue::AliasAlb { region } => format!("alias ALB {region}"),
        RecordValue::AliasCloudFront => "alias CloudFront".into(),
        RecordValue::AliasRecord { target } => format!("alias {target}"),
        RecordValue::Cname { target } => format!("CNAME {target}"),
        RecordValue::Aaaa { addresses } => addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        RecordValue::Txt { values } => values.join(" "),
    };
    match &r.routing {
        Routing::Weighted { weight } => format!("{v} (weight {weight})"),
        Routing::Latency { region } => format!("{v} ({region})"),
        Routing::Geolocation { .. } => format!("{v} ({})", geo_label(&r.routing)),
        Routing::IpBased { location, .. } => format!("{v} (location {location})"),
        _ => v,
    }
}

/// What an A record's answer is, for people: `A record, weight 3`.
fn a_tag(r: &Routing) -> String {
    match r {
        Routing::Simple => "A record".into(),
        Routing::Failover { role, .. } => match role {
            FailoverRole::Primary => "A record, failover PRIMARY".into(),
            FailoverRole::Secondary => "A record, failover SECONDARY".into(),
        },
        Routing::Weighted { weight } => format!("A record, weight {weight}"),
        Routing::Latency { region } => format!("A record, latency {region}"),
        Routing::Geolocation { .. } => format!("A record, geolocation {}", geo_label(r)),
        Routing::Geoproximity { .. } => "A record, geoproximity".into(),
        Routing::Multivalue => "multivalue A record".into(),
        Routing::IpBased { location, .. } => format!("A record, IP-based location {location}"),
    }
}

fn geo_label(r: &Routing) -> String {
    match r {
        Routing::Geolocation {
            continent,
            country,
            subdivision,
        } => match (continent, country, subdivision) {
            (Some(c), _, _) => format!("continent {c}"),
            (None, Some(c), Some(s)) => format!("{c}-{s}"),
            (None, Some(c), None) if c != "*" => format!("country {c}"),
            _ => "default *".into(),
        },
        _ => String::new(),
    }
}

/// 0 subdivision, 1 country, 2 continent, 3 default; None: does not match.
fn geo_rank(r: &Routing, g: Option<&Geo>) -> Option<u8> {
    let Routing::Geolocation {
        continent,
        country,
        subdivision,
    } = r
    else {
        return None;
    };
    let is_default = continent.is_none() && country.as_deref().is_none_or(|c| c == "*");
    if is_default {
        return Some(3);
    }
    let g = g?;
    match (continent, country, subdivision) {
        (Some(c), _, _) => (*c == g.continent).then_some(2),
        (None, Some(c), Some(s)) => {
            (*c == g.country && g.subdivision.as_deref() == Some(s.as_str())).then_some(0)
        }
        (None, Some(c), None) => (*c == g.country).then_some(1),
        _ => None,
    }
}

fn pct(n: u64, total: u64) -> String {
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

impl World {
    // ------------------------------------------------------------ sources

    /// Who Route 53 sees asking: `key` names the cache (`resolver:<id>` or
    /// `edge:<pop>`), `client` the browser behind a recursive resolver.
    pub(crate) fn query_source(&self, key: &str, client: Option<&Client>) -> QuerySource {
        let d = &self.scenario.dns;
        let site = |id: &str| d.resolver_sites.iter().find(|s| s.id == id);
        let known = |g: &Geo| !g.country.is_empty() || !g.continent.is_empty();
        if let Some(c) = client {
            let cgeo = known(&c.geo).then(|| c.geo.clone());
            if c.resolver.ecs {
                let net = Ipv4Net::new(c.ip, ECS_PREFIX)
                    .map(|n| n.trunc())
                    .unwrap_or_else(|_| Ipv4Net::from(c.ip));
                return QuerySource {
                    net,
                    geo: cgeo,
                    how: format!(
                        "the resolver sends EDNS Client Subnet {net}, so Route 53 places the query at the client ({})",
                        c.city
                    ),
                    client: Some(c.clone()),
                };
            }
            let net = Ipv4Net::from(c.resolver.ip);
            let (geo, place) = match site(&c.resolver.id) {
                Some(s) => (
                    Some(s.geo.clone()),
                    format!(
                        "{} {}",
                        s.geo.country,
                        s.geo.subdivision.clone().unwrap_or_default()
                    )
                    .trim()
                    .to_string(),
                ),
                None => (
                    cgeo,
                    format!("assumed near the client in {}: anycast", c.city),
                ),
            };
            return QuerySource {
                net,
                geo,
                how: format!(
                    "no EDNS Client Subnet: Route 53 only sees the resolver {} ({place})",
                    c.resolver.ip
                ),
                client: Some(c.clone()),
            };
        }
        if let Some(pop_id) = key.strip_prefix("edge:") {
            if let Some(pop) = self.scenario.pop(pop_id) {
                let geo = site(pop_id).map(|s| s.geo.clone()).or_else(|| {
                    self.scenario
                        .clients
                        .iter()
                        .find(|c| c.pop == pop_id && known(&c.geo))
                        .map(|c| c.geo.clone())
                });
                return QuerySource {
                    net: Ipv4Net::from(pop.ip),
                    geo,
                    how: format!("CloudFront's resolver at {} ({})", pop.city, pop.ip),
                    client: None,
                };
            }
        }
        QuerySource {
            net: Ipv4Net::from(Ipv4Addr::UNSPECIFIED),
            geo: None,
            how: "a resolver Route 53 cannot place".into(),
            client: None,
        }
    }

    // ------------------------------------------------------------- health

    /// Whether Route 53 counts this health check as healthy now, with a
    /// short explanation (`hc-a UNHEALTHY (3 of 3 consecutive failures)`).
    pub(crate) fn check_state(&self, id: &str) -> (bool, String) {
        let Some(hc) = self.scenario.dns.health_checks.iter().find(|c| c.id == id) else {
            return (true, format!("{id} healthy"));
        };
        if hc.disabled {
            return (true, format!("{id} disabled: counts as healthy"));
        }
        if let Some(calc) = &hc.calculated {
            let (ok, text) = self.calculated_state(hc, calc);
            return (
                ok,
                format!("{id} {} ({text})", if ok { "healthy" } else { "UNHEALTHY" }),
            );
        }
        match self.route53.health.get(id) {
            Some(s) => {
                let thr = hc.failure_threshold;
                let inv = if hc.inverted { ", inverted" } else { "" };
                (
                    s.healthy,
                    format!(
                        "{id} {} ({} of {thr} consecutive failures{inv})",
                        if s.healthy { "healthy" } else { "UNHEALTHY" },
                        s.consecutive_failures.min(thr)
                    ),
                )
            }
            None => (!hc.inverted, format!("{id} healthy")),
        }
    }

    fn calculated_state(&self, hc: &HealthCheck, calc: &Calculated) -> (bool, String) {
        let states: Vec<(String, bool)> = calc
            .children
            .iter()
            .map(|c| {
                let ok = self.check_state(c).0;
                (c.clone(), ok)
            })
            .collect();
        let n = states.iter().filter(|s| s.1).count();
        let total = states.len();
        let (need, rule) = match calc.rule {
            CalcRule::All => (total, "AND".to_string()),
            CalcRule::Any => (1, "OR".to_string()),
            CalcRule::AtLeast(k) => (k as usize, format!("at least {k}")),
        };
        let raw = n >= need;
        let ok = raw != hc.inverted;
        let list = states
            .iter()
            .map(|(c, ok)| format!("{c} {}", if *ok { "healthy" } else { "UNHEALTHY" }))
            .collect::<Vec<_>>()
            .join(", ");
        (
            ok,
            format!(
                "calculated {rule}: {n} of {total} children healthy, {need} needed{}: {list}",
                if hc.inverted { ", inverted" } else { "" }
            ),
        )
    }

    /// Evaluate Target Health for an alias to a region's ALB: healthy only
    /// if every target group has at least one healthy target; a target
    /// group with no registered targets counts as unhealthy. Fact sheet §2.
    pub(crate) fn alb_target_health(&self, region: &str) -> (bool, String) {
        let Some(r) = self.scenario.region(region) else {
            return (false, format!("region {region} is missing"));
        };
        if !r.alb.nodes.iter().any(|n| self.placement_up(r, &n.subnet)) {
            return (false, format!("ETH: no node of {} is up", r.alb.id));
        }
        if r.alb.target_groups.is_empty() {
            return (false, format!("ETH: {} has no target groups", r.alb.id));
        }
        for tg in &r.alb.target_groups {
            let app = r
                .cluster
                .services
                .iter()
                .find(|s| s.id == tg.service)
                .map(|s| s.app.clone());
            let targets: Vec<&Pod> = r
                .cluster
                .pods
                .iter()
                .filter(|p| Some(&p.app) == app.as_ref())
                .collect();
            if targets.is_empty() {
                return (
                    false,
                    format!(
                        "ETH: target group {} has no registered targets, so Route 53 counts {} unhealthy",
                        tg.id, r.alb.id
                    ),
                );
            }
            let healthy = targets
                .iter()
                .filter(|p| {
                    self.target_health(&p.id)
                        .map(|h| h.state == TargetState::Healthy)
                        .unwrap_or(true)
                })
                .count();
            if healthy == 0 {
                return (
                    false,
                    format!(
                        "ETH: target group {} has 0 of {} healthy targets, so Route 53 counts {} unhealthy (even though the ALB itself would fail open)",
                        tg.id,
                        targets.len(),
                        r.alb.id
                    ),
                );
            }
        }
        (
            true,
            format!(
                "ETH: every target group of {} has a healthy target",
                r.alb.id
            ),
        )
    }

    /// A record's health: its health check and, for an alias with Evaluate
    /// Target Health, the target's health; both must be healthy. A record
    /// with neither is always healthy. Fact sheet §2, §3.
    fn record_health(&self, r: &Record) -> (bool, String) {
        let mut ok = true;
        let mut parts = Vec::new();
        if let Some(h) = r.health_check_id() {
            let (h_ok, t) = self.check_state(h);
            ok &= h_ok;
            parts.push(t);
        }
        if r.evaluate_target_health {
            match &r.value {
                RecordValue::AliasAlb { region } => {
                    let (e_ok, t) = self.alb_target_health(region);
                    ok &= e_ok;
                    parts.push(t);
                }
                RecordValue::AliasRecord { target } => {
                    let (e_ok, t) = self.alias_group_health(target, 0);
                    ok &= e_ok;
                    parts.push(t);
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            return (true, "no health check: always healthy".into());
        }
        (ok, parts.join("; "))
    }

    /// An alias to records in the zone, with Evaluate Target Health: the
    /// group is healthy while at least one of its records is. Fact sheet §2.
    fn alias_group_health(&self, target: &str, depth: usize) -> (bool, String) {
        let recs: Vec<&Record> = self
            .scenario
            .dns
            .zone
            .records
            .iter()
            .filter(|r| r.name == target && r.rtype() == "A")
            .collect();
        if depth > MAX_ALIAS_DEPTH {
            return (false, format!("alias chain to {target} is too long"));
        }
        let healthy = recs
            .iter()
            .filter(|r| match &r.value {
                RecordValue::AliasRecord { target: t } if r.evaluate_target_health => {
                    self.record_health_shallow(r) && self.alias_group_health(t, depth + 1).0
                }
                _ => self.record_health(r).0,
            })
            .count();
        (
            healthy > 0,
            format!(
                "evaluate target health on {target}: {healthy} of {} records healthy (healthy while at least one is)",
                recs.len()
            ),
        )
    }

    /// A record's own health check only (no target health).
    fn record_health_shallow(&self, r: &Record) -> bool {
        r.health_check_id()
            .map(|h| self.check_state(h).0)
            .unwrap_or(true)
    }

    // ------------------------------------------------------------ answers

    /// Route 53 answers a query for `name` type A. Fact sheet §1-§3.
    pub(crate) fn r53_answer(&mut self, name: &str, src: &QuerySource) -> Answer {
        self.r53_answer_at(name, src, 0)
    }

    /// `depth` counts alias-to-record links followed so far.
    fn r53_answer_at(&mut self, name: &str, src: &QuerySource, depth: usize) -> Answer {
        let zone = self.scenario.dns.zone.clone();
        let neg = zone.negative_ttl_s();
        let all: Vec<&Record> = zone.records.iter().filter(|r| r.name == name).collect();
        if all.is_empty() {
            let below = zone
                .records
                .iter()
                .any(|r| r.name.ends_with(&format!(".{name}")));
            if below {
                return Answer::negative(
                    neg,
                    "NODATA (NOERROR, empty answer)",
                    format!("{name} has no records but names below it exist (an empty non-terminal): the name exists, so NOERROR with an empty answer and the SOA; resolvers cache it for min(SOA TTL {}, minimum {}) = {neg} s (RFC 2308, fact sheet §1)", zone.soa_ttl_s, zone.soa_minimum_s),
                    Code::DnsNodata,
                );
            }
            return Answer::negative(
                neg,
                "NXDOMAIN",
                format!("no record named {name} in the zone: NXDOMAIN with the SOA; resolvers cache it for min(SOA TTL {}, minimum {}) = {neg} s (RFC 2308, fact sheet §1)", zone.soa_ttl_s, zone.soa_minimum_s),
                Code::DnsNxdomain,
            );
        }
        let cname = all
            .iter()
            .any(|r| matches!(r.value, RecordValue::Cname { .. }));
        let recs: Vec<Record> = all
            .iter()
            .filter(|r| cname || r.rtype() == "A")
            .map(|r| (*r).clone())
            .collect();
        if recs.is_empty() {
            let types: Vec<&str> = all.iter().map(|r| r.rtype()).collect();
            return Answer::negative(
                neg,
                "NODATA (NOERROR, empty answer)",
                format!("{name} exists but has no A record (only {}): NODATA is NOERROR with an empty answer, not NXDOMAIN; resolvers cache it for min(SOA TTL, minimum) = {neg} s (fact sheet §1)", types.join(", ")),
                Code::DnsNodata,
            );
        }
        let cands: Vec<Cand> = recs
            .into_iter()
            .map(|rec| {
                let (healthy, health) = self.record_health(&rec);
                Cand {
                    rec,
                    healthy,
                    health,
                }
            })
            .collect();
        let policy = cands[0].rec.routing.clone();
        let picked = match policy {
            Routing::Simple => Ok((
                vec![0],
                format!(
                    "simple record: the one record is returned{}",
                    match &cands[0].rec.value {
                        RecordValue::A { addresses } if addresses.len() > 1 => format!(
                            " with all {} values, in random order (values are not health checked)",
                            addresses.len()
                        ),
                        _ => String::new(),
                    }
                ),
                Code::DnsAnswer,
            )),
            Routing::Failover { .. } => Ok(self.pick_failover(&cands)),
            Routing::Weighted { .. } => Ok(self.pick_weighted(&cands)),
            Routing::Latency { .. } => Ok(self.pick_latency(&cands, src)),
            Routing::Geolocation { .. } => self.pick_geolocation(&cands, src),
            Routing::Geoproximity { .. } => Ok(self.pick_geoproximity(&cands, src)),
            Routing::Multivalue => Ok(self.pick_multivalue(&cands)),
            Routing::IpBased { .. } => self.pick_ip(&cands, src),
        };
        let (idx, why, code) = match picked {
            Ok(p) => p,
            Err(why) => {
                return Answer::negative(neg, "no answer (NOERROR, empty)", why, Code::DnsNodata)
            }
        };
        self.values(&cands, &idx, why, code, src, depth)
    }

    /// Turn the chosen records into addresses (or a CNAME).
    fn values(
        &mut self,
        cands: &[Cand],
        idx: &[usize],
        why: String,
        code: Code,
        src: &QuerySource,
        depth: usize,
    ) -> Answer {
        let first = &cands[idx[0]].rec;
        let ttl_s = idx
            .iter()
            .map(|i| cands[*i].rec.ttl_s)
            .min()
            .unwrap_or(first.ttl_s);
        if let RecordValue::Cname { target } = &first.value {
            let t = target.trim_end_matches('.').to_ascii_lowercase();
            return Answer {
                addresses: vec![],
                ttl_s,
                target: format!("CNAME {t}"),
                why: format!("{why}; a CNAME: the resolver must restart the query at {t}"),
                code: Code::DnsCname,
                cname: Some(t),
            };
        }
        let mut addresses: Vec<Ipv4Addr> = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        let mut extra = String::new();
        let mut alias_ttl: Option<u32> = None;
        for i in idx {
            match &cands[*i].rec.value {
                RecordValue::A { addresses: a } => {
                    let mut a = a.clone();
                    self.shuffle(&mut a);
                    addresses.extend(a.iter().copied());
                    targets.push(a_tag(&cands[*i].rec.routing));
                }
                RecordValue::AliasCloudFront => {
                    let Some(pop) = src
                        .client
                        .as_ref()
                        .and_then(|c| self.scenario.pop(&c.pop))
                        .or(self.scenario.cdn.pops.first())
                    else {
                        continue;
                    };
                    addresses.push(pop.ip);
                    targets.push(format!(
                        "CloudFront {} ({})",
                        self.scenario.cdn.domain, pop.city
                    ));
                    extra = format!("; alias A record{} to the distribution, which answers with its edge nearest the client: {}",
                        if cands[*i].rec.name == self.scenario.dns.zone.name { " at the apex (a CNAME is not allowed there)" } else { "" }, pop.city);
                }
                RecordValue::AliasAlb { region } => {
                    let Some(r) = self.scenario.region(region) else {
                        continue;
                    };
                    let addrs = self.alb_addresses(r);
                    addresses.extend(addrs);
                    targets.push(format!("{} ({}, {})", r.alb.id, r.label, r.id));
                    extra = format!("; alias to the ALB {}", r.alb.dns_name);
                }
                RecordValue::AliasRecord { target } => {
                    // Route 53 answers with the target's own answer, chosen by
                    // its routing policy and health, with its TTL. Fact sheet §2.
                    let inner = if depth >= MAX_ALIAS_DEPTH {
                        Answer::negative(
                            ttl_s,
                            "SERVFAIL",
                            format!("alias chain at {target} is too long"),
                            Code::DnsServfail,
                        )
                    } else {
                        self.r53_answer_at(target, src, depth + 1)
                    };
                    if inner.cname.is_some() {
                        return Answer {
                            why: format!("{why}; alias to {target}, a CNAME: {}", inner.why),
                            ..inner
                        };
                    }
                    alias_ttl = Some(alias_ttl.map_or(inner.ttl_s, |t: u32| t.min(inner.ttl_s)));
                    addresses.extend(inner.addresses.iter().copied());
                    targets.push(inner.target.clone());
                    extra = format!(
                        "; alias to {target} in the same zone, answered by its own records ({}), with their TTL",
                        inner.why
                    );
                }
                // Not A: filtered out before selection.
                RecordValue::Aaaa { .. } | RecordValue::Txt { .. } | RecordValue::Cname { .. } => {}
            }
        }
        if addresses.is_empty() {
            return Answer::negative(
                ttl_s,
                "no answer (NOERROR, empty)",
                format!("{why}; the chosen record has no address"),
                Code::DnsNodata,
            );
        }
        Answer {
            addresses,
            ttl_s: alias_ttl.unwrap_or(ttl_s),
            target: if targets.len() > 1 && targets.iter().all(|t| *t == targets[0]) {
                format!("{} × {}", targets.len(), targets[0])
            } else {
                targets.join("; ")
            },
            why: format!("{why}{extra}"),
            code,
            cname: None,
        }
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        if v.len() < 2 {
            return;
        }
        for i in (1..v.len()).rev() {
            let j = self.rng.index(i + 1);
            v.swap(i, j);
        }
    }

    fn pick_failover(&self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let role = |c: &Cand, want: FailoverRole| matches!(&c.rec.routing, Routing::Failover { role, .. } if *role == want);
        let p = cands.iter().position(|c| role(c, FailoverRole::Primary));
        let s = cands.iter().position(|c| role(c, FailoverRole::Secondary));
        let timing = |i: usize| {
            let hc = cands[i]
                .rec
                .health_check_id()
                .and_then(|h| self.scenario.dns.health_checks.iter().find(|c| c.id == h));
            match hc {
                Some(h) if h.calculated.is_none() => format!(
                    "; detection took about interval {} s × threshold {} = {} s, and resolvers still holding the primary's answer keep it until its TTL ({} s) runs out (fact sheet §4)",
                    h.interval_s,
                    h.failure_threshold,
                    h.interval_s * h.failure_threshold,
                    cands[i].rec.ttl_s
                ),
                _ => String::new(),
            }
        };
        match (p, s) {
            (Some(p), Some(s)) => {
                let (pc, sc) = (&cands[p], &cands[s]);
                if pc.healthy {
                    (vec![p], format!("failover record: PRIMARY is healthy ({}), so only the primary is returned", pc.health), Code::DnsAnswer)
                } else if sc.healthy {
                    (vec![s], format!("failover record: PRIMARY is unhealthy ({}), SECONDARY is healthy ({}), so Route 53 answers with the secondary (fact sheet §3){}", pc.health, sc.health, timing(p)), Code::HealthCheckFailover)
                } else {
                    (vec![p], format!("failover record: both PRIMARY ({}) and SECONDARY ({}) are unhealthy, so Route 53 returns the primary (fact sheet §3)", pc.health, sc.health), Code::DnsAnswer)
                }
            }
            (Some(p), None) => (
                vec![p],
                format!("failover record with only a PRIMARY ({})", cands[p].health),
                Code::DnsAnswer,
            ),
            (None, Some(s)) => (
                vec![s],
                format!(
                    "failover record with only a SECONDARY ({})",
                    cands[s].health
                ),
                Code::DnsAnswer,
            ),
            (None, None) => (vec![0], "failover record".into(), Code::DnsAnswer),
        }
    }

    fn pick_weighted(&mut self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let w = |c: &Cand| match c.rec.routing {
            Routing::Weighted { weight } => weight as u64,
            _ => 0,
        };
        let idx = |f: &dyn Fn(&Cand) -> bool| -> Vec<usize> {
            (0..cands.len()).filter(|i| f(&cands[*i])).collect()
        };
        let nz_healthy = idx(&|c| c.healthy && w(c) > 0);
        let z_healthy = idx(&|c| c.healthy && w(c) == 0);
        let (pool, weighted, note) = if !nz_healthy.is_empty() {
            let zero = if z_healthy.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} weight-0 record(s) never answer while a non-zero record is eligible",
                    z_healthy.len()
                )
            };
            (nz_healthy, true, zero)
        } else if !z_healthy.is_empty() {
            let all_zero = cands.iter().all(|c| w(c) == 0);
            (
                z_healthy,
                false,
                if all_zero {
                    "; every record has weight 0, so Route 53 spreads answers with equal probability".into()
                } else {
                    "; every non-zero record is unhealthy, so the weight-0 records are used, with equal probability".into()
                },
            )
        } else {
            let nz = idx(&|c| w(c) > 0);
            if nz.is_empty() {
                (
                    (0..cands.len()).collect(),
                    false,
                    "; every record is unhealthy and has weight 0: all are treated as healthy, equal probability".into(),
                )
            } else {
                (
                    nz,
                    true,
                    "; every record is unhealthy, so Route 53 answers among the non-zero records as if healthy (zero-weight ones not)".into(),
                )
            }
        };
        let total: u64 = if weighted {
            pool.iter().map(|i| w(&cands[*i])).sum()
        } else {
            pool.len() as u64
        };
        let pick = if pool.len() == 1 {
            pool[0]
        } else {
            let mut r = self.rng.range(0, total - 1);
            let mut chosen = pool[pool.len() - 1];
            for i in &pool {
                let share = if weighted { w(&cands[*i]) } else { 1 };
                if r < share {
                    chosen = *i;
                    break;
                }
                r -= share;
            }
            chosen
        };
        let share = if weighted { w(&cands[pick]) } else { 1 };
        let list = cands
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    label(&c.rec),
                    if c.healthy { "healthy" } else { "UNHEALTHY" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        (
            vec![pick],
            format!(
                "weighted: Route 53 picked {} at random with probability {share}/{total} = {} ({}){note}; records: {list} (fact sheet §3)",
                label(&cands[pick].rec),
                pct(share, total),
                cands[pick].health
            ),
            Code::DnsAnswer,
        )
    }

    /// Healthy candidates, or all of them when none is healthy.
    fn eligible(cands: &[Cand]) -> (Vec<usize>, bool) {
        let h: Vec<usize> = (0..cands.len()).filter(|i| cands[*i].healthy).collect();
        if h.is_empty() {
            ((0..cands.len()).collect(), true)
        } else {
            (h, false)
        }
    }

    fn pick_latency(&self, cands: &[Cand], src: &QuerySource) -> (Vec<usize>, String, Code) {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            return (
                vec![pool[0]],
                format!(
                    "latency: {}; with no location, the first eligible record is returned",
                    src.how
                ),
                Code::DnsAnswer,
            );
        };
        let lat = |c: &Cand| match &c.rec.routing {
            Routing::Latency { region } => latency_ms((g.lat, g.lon), region).unwrap_or(u32::MAX),
            _ => u32::MAX,
        };
        let best = *pool
            .iter()
            .min_by_key(|i| (lat(&cands[**i]), **i))
            .unwrap_or(&0);
        let table = cands
            .iter()
            .map(|c| {
                format!(
                    "{} {} ms{}",
                    label(&c.rec),
                    lat(c),
                    if c.healthy { "" } else { " UNHEALTHY" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        (
            vec![best],
            format!(
                "latency: {}; measured latency to each Region with a record: {table}; lowest eligible wins{} ({}) (fact sheet §3)",
                src.how,
                if none_healthy { " (none healthy, so all count as healthy)" } else { "" },
                cands[best].health
            ),
            Code::DnsAnswer,
        )
    }

    fn pick_geolocation(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<(Vec<usize>, String, Code), String> {
        let mut matches: Vec<(u8, usize)> = (0..cands.len())
            .filter_map(|i| geo_rank(&cands[i].rec.routing, src.geo.as_ref()).map(|r| (r, i)))
            .collect();
        matches.sort();
        let place = src
            .geo
            .as_ref()
            .map(|g| {
                format!(
                    "{}{} in {}",
                    g.country,
                    g.subdivision
                        .as_ref()
                        .map(|s| format!("-{s}"))
                        .unwrap_or_default(),
                    g.continent
                )
            })
            .unwrap_or_else(|| "an unknown location".into());
        if matches.is_empty() {
            return Err(format!(
                "geolocation: {}; the query comes from {place}, no record covers it and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
                src.how
            ));
        }
        let walked: Vec<String> = matches
            .iter()
            .take_while(|(_, i)| !cands[*i].healthy)
            .map(|(_, i)| {
                format!(
                    "{} UNHEALTHY ({})",
                    geo_label(&cands[*i].rec.routing),
                    cands[*i].health
                )
            })
            .collect();
        let chosen = matches.iter().find(|(_, i)| cands[*i].healthy).map(|x| x.1);
        let (pick, note) = match chosen {
            Some(i) if walked.is_empty() => (i, String::new()),
            Some(i) => (
                i,
                format!("; walked up past {}", walked.join(", ")),
            ),
            None => (
                matches[0].1,
                "; every matching record is unhealthy, so Route 53 answers with the smallest-region match".into(),
            ),
        };
        Ok((
            vec![pick],
            format!(
                "geolocation: {}; the query comes from {place}; the most specific match wins (subdivision > country > continent > default){note}: {} ({}) (fact sheet §3)",
                src.how,
                geo_label(&cands[pick].rec.routing),
                cands[pick].health
            ),
            Code::DnsAnswer,
        ))
    }

    fn pick_geoproximity(&self, cands: &[Cand], src: &QuerySource) -> (Vec<usize>, String, Code) {
        let (pool, none_healthy) = Self::eligible(cands);
        let Some(g) = &src.geo else {
            return (
                vec![pool[0]],
                format!(
                    "geoproximity: {}; with no location, the first eligible record is returned",
                    src.how
                ),
                Code::DnsAnswer,
            );
        };
        let dist = |c: &Cand| -> (f64, f64, i32, String) {
            let Routing::Geoproximity {
                region,
                lat,
                lon,
                bias,
            } = &c.rec.routing
            else {
                return (f64::MAX, f64::MAX, 0, String::new());
            };
            let (at, name) = match (region, lat, lon) {
                (Some(r), _, _) => match aws_region_location(r) {
                    Some((city, la, lo)) => ((la, lo), format!("{r} ({city})")),
                    None => return (f64::MAX, f64::MAX, 0, r.clone()),
                },
                (None, Some(la), Some(lo)) => ((*la, *lo), format!("{la:.1},{lo:.1}")),
                _ => return (f64::MAX, f64::MAX, 0, String::new()),
            };
            let d = great_circle_km((g.lat, g.lon), at);
            (d, biased_distance(d, *bias), *bias, name)
        };
        let best = *pool
            .iter()
            .min_by(|a, b| {
                dist(&cands[**a])
                    .1
                    .partial_cmp(&dist(&cands[**b]).1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(b))
            })
            .unwrap_or(&0);
        let table = cands
            .iter()
            .map(|c| {
                let (d, b, bias, name) = dist(c);
                if bias == 0 {
                    format!(
                        "{name} {d:.0} km{}",
                        if c.healthy { "" } else { " UNHEALTHY" }
                    )
                } else {
                    format!(
                        "{name} {d:.0} km, bias {bias:+} -> {b:.0} km{}",
                        if c.healthy { "" } else { " UNHEALTHY" }
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        (
            vec![best],
            format!(
                "geoproximity: {}; biased great-circle distances: {table}; the shortest eligible wins{} ({}) (fact sheet §3)",
                src.how,
                if none_healthy { " (none healthy, so all count as healthy)" } else { "" },
                cands[best].health
            ),
            Code::DnsAnswer,
        )
    }

    fn pick_multivalue(&mut self, cands: &[Cand]) -> (Vec<usize>, String, Code) {
        let (mut pool, none_healthy) = Self::eligible(cands);
        let n = pool.len();
        self.shuffle(&mut pool);
        pool.truncate(MULTIVALUE_MAX_ANSWERS);
        let unhealthy = cands.iter().filter(|c| !c.healthy).count();
        (
            pool.clone(),
            format!(
                "multivalue answer: {} of {} records {}; up to {MULTIVALUE_MAX_ANSWERS} are returned in random order{} (fact sheet §3)",
                pool.len(),
                cands.len(),
                if none_healthy {
                    "returned although every record is unhealthy".to_string()
                } else {
                    format!("returned from {n} healthy ({unhealthy} unhealthy left out)")
                },
                if n > MULTIVALUE_MAX_ANSWERS { ", a different subset for each query" } else { "" },
            ),
            Code::DnsAnswer,
        )
    }

    fn pick_ip(
        &self,
        cands: &[Cand],
        src: &QuerySource,
    ) -> Result<(Vec<usize>, String, Code), String> {
        let Routing::IpBased { collection, .. } = &cands[0].rec.routing else {
            return Err("IP-based: no collection".into());
        };
        let coll = self
            .scenario
            .dns
            .cidr_collections
            .iter()
            .find(|c| &c.id == collection);
        // Longest configured block that contains the whole query prefix.
        let mut best: Option<(u8, String, Ipv4Net)> = None;
        for l in coll.map(|c| c.locations.as_slice()).unwrap_or(&[]) {
            for b in &l.blocks {
                if b.prefix_len() <= src.net.prefix_len()
                    && b.contains(&src.net.network())
                    && best.as_ref().is_none_or(|x| b.prefix_len() > x.0)
                {
                    best = Some((b.prefix_len(), l.name.clone(), *b));
                }
            }
        }
        let loc_of = |c: &Cand| match &c.rec.routing {
            Routing::IpBased { location, .. } => location.clone(),
            _ => String::new(),
        };
        let matched = best
            .as_ref()
            .and_then(|(_, l, _)| cands.iter().position(|c| &loc_of(c) == l));
        let default = cands.iter().position(|c| loc_of(c) == "*");
        let what = match &best {
            Some((_, l, b)) => format!(
                "{} matches block {b} of location {l} (longest match)",
                src.net
            ),
            None => format!("{} matches no block of collection {collection}", src.net),
        };
        let (pick, note) = match (matched, default) {
            (Some(m), _) if cands[m].healthy => (m, String::new()),
            (Some(m), Some(d)) if cands[d].healthy => (
                d,
                format!("; the record for that location is unhealthy ({}), so the default * answers", cands[m].health),
            ),
            (Some(m), _) => (m, String::new()),
            (None, Some(d)) => (d, "; the default location * covers everything else".into()),
            (None, None) => {
                return Err(format!(
                    "IP-based: {}; {what}, and there is no default (*) record, so Route 53 answers NOERROR with no answer (fact sheet §3)",
                    src.how
                ))
            }
        };
        Ok((
            vec![pick],
            format!(
                "IP-based: {}; {what}{note}: {} ({}) (fact sheet §3)",
                src.how,
                label(&cands[pick].rec),
                cands[pick].health
            ),
            Code::DnsAnswer,
        ))
    }

    // ------------------------------------------------------ health checks

    /// Create the runtime state of every Route 53 health check that has
    /// none yet. A new check counts as healthy until enough data exists
    /// (unhealthy if inverted). Fact sheet §4.
    pub(crate) fn init_r53_checks(&mut self) {
        let checks = self.scenario.dns.health_checks.clone();
        for hc in &checks {
            let interval = if hc.calculated.is_some() {
                CALCULATED_REFRESH_S
            } else {
                hc.interval_s as u64
            };
            self.route53
                .health
                .entry(hc.id.clone())
                .or_insert(HealthState {
                    healthy: hc.disabled || !hc.inverted,
                    consecutive_failures: 0,
                    consecutive_successes: 0,
                    history: Vec::new(),
                    next_due_ms: self.clock_ms + interval * 1000,
                });
            if hc.calculated.is_none() {
                let n = hc.checkers as usize;
                let fresh = |i: usize| CheckerState {
                    region: hc.checker_region(i).to_string(),
                    healthy: true,
                    consecutive_failures: 0,
                    consecutive_successes: 0,
                    last_ok: true,
                };
                let list = self.route53.checkers.entry(hc.id.clone()).or_default();
                if list.len() != n
                    || list
                        .iter()
                        .enumerate()
                        .any(|(i, c)| c.region != hc.checker_region(i))
                {
                    *list = (0..n).map(fresh).collect();
                }
            }
        }
        let ids: Vec<String> = checks.iter().map(|h| h.id.clone()).collect();
        self.route53.checkers.retain(|k, _| ids.contains(k));
        self.refresh_calculated();
    }

    /// The per-checker view of a health check (for the inspector and tests).
    pub fn health_checkers(&self, id: &str) -> &[CheckerState] {
        self.route53
            .checkers
            .get(id)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Whether Route 53 counts a health check healthy now (disabled,
    /// inverted and calculated checks included).
    pub fn health_check_healthy(&self, id: &str) -> bool {
        self.check_state(id).0
    }

    fn refresh_calculated(&mut self) {
        let checks = self.scenario.dns.health_checks.clone();
        for hc in checks.iter().filter(|h| h.calculated.is_some()) {
            let (ok, text) = self.check_state(&hc.id);
            let now = self.clock_ms;
            if let Some(st) = self.route53.health.get_mut(&hc.id) {
                if st.healthy != ok {
                    st.healthy = ok;
                    st.history.push((now, ok, text.clone()));
                    if st.history.len() > HISTORY_LEN {
                        st.history.remove(0);
                    }
                    self.events.push(WorldEvent {
                        at_ms: now,
                        source: format!("route53 {}", hc.id),
                        text: format!("{} now", text),
                    });
                }
            }
        }
    }

    pub(crate) fn run_r53_check(&mut self, id: &str) {
        let Some(hc) = self
            .scenario
            .dns
            .health_checks
            .iter()
            .find(|h| h.id == id)
            .cloned()
        else {
            self.route53.health.remove(id);
            self.route53.checkers.remove(id);
            return;
        };
        let now = self.clock_ms;
        if hc.calculated.is_some() {
            if let Some(st) = self.route53.health.get_mut(id) {
                st.next_due_ms = now + CALCULATED_REFRESH_S * 1000;
            }
            self.refresh_calculated();
            return;
        }
        if hc.disabled {
            if let Some(st) = self.route53.health.get_mut(id) {
                st.next_due_ms = now + hc.interval_s as u64 * 1000;
                st.healthy = true;
            }
            self.refresh_calculated();
            return;
        }
        let (ok, reason) = self.probe_health_check(&hc);
        // Each checker probes for itself; a checker whose own Region is
        // down reports failure. Each applies the failure threshold.
        let thr = hc.failure_threshold;
        let mut down_checkers = Vec::new();
        let n = hc.checkers as usize;
        let mut states = self.route53.checkers.remove(id).unwrap_or_default();
        states.resize_with(n, || CheckerState {
            region: String::new(),
            healthy: true,
            consecutive_failures: 0,
            consecutive_successes: 0,
            last_ok: true,
        });
        for (i, c) in states.iter_mut().enumerate() {
            c.region = hc.checker_region(i).to_string();
            let c_ok = ok && !self.region_down(&c.region);
            if ok && !c_ok {
                down_checkers.push(c.region.clone());
            }
            c.last_ok = c_ok;
            if c_ok {
                c.consecutive_successes += 1;
                c.consecutive_failures = 0;
            } else {
                c.consecutive_failures += 1;
                c.consecutive_successes = 0;
            }
            if c.healthy && c.consecutive_failures >= thr {
                c.healthy = false;
            } else if !c.healthy && c.consecutive_successes >= thr {
                c.healthy = true;
            }
        }
        let passing = states.iter().filter(|c| c.last_ok).count() as u64;
        let healthy_checkers = states.iter().filter(|c| c.healthy).count() as u64;
        let total = n as u64;
        let more_than = |k: u64| checkers_say_healthy(k, total);
        let round_ok = more_than(passing);
        let measured = more_than(healthy_checkers);
        let effective = measured != hc.inverted;
        self.route53.checkers.insert(id.to_string(), states);
        let mut reason = reason;
        if !down_checkers.is_empty() {
            down_checkers.dedup();
            reason = format!(
                "{reason}, but checkers in {} are down",
                down_checkers.join(", ")
            );
        }
        let summary = format!(
            "{reason}; {passing} of {total} checkers passed ({}), {healthy_checkers} of {total} report healthy ({})",
            pct(passing, total),
            pct(healthy_checkers, total)
        );
        let Some(st) = self.route53.health.get_mut(id) else {
            return;
        };
        st.next_due_ms = now + hc.interval_s as u64 * 1000;
        st.history.push((now, round_ok, summary.clone()));
        if st.history.len() > HISTORY_LEN {
            st.history.remove(0);
        }
        if round_ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
        }
        let flip = if st.healthy != effective {
            st.healthy = effective;
            Some(if effective {
                format!(
                    "HEALTHY{}: {healthy_checkers} of {total} checkers report healthy ({}, more than {HEALTHY_CHECKER_PERCENT} %){}",
                    if hc.inverted { " (inverted: the endpoint is failing)" } else { " again" },
                    pct(healthy_checkers, total),
                    if hc.inverted { String::new() } else { format!(" after {thr} consecutive successes") }
                )
            } else {
                format!(
                    "UNHEALTHY{}: {healthy_checkers} of {total} checkers report healthy ({}, not more than {HEALTHY_CHECKER_PERCENT} %){} ({reason})",
                    if hc.inverted { " (inverted: the endpoint answers)" } else { "" },
                    pct(healthy_checkers, total),
                    if hc.inverted { String::new() } else { format!(" after {thr} consecutive failures") }
                )
            })
        } else {
            None
        };
        if let Some(text) = flip {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("route53 {id}"),
                text,
            });
        }
        self.refresh_calculated();
    }

    /// A Route 53 health check: HTTPS GET of the path on the region's ALB
    /// from a checker on the internet; 2xx or 3xx passes. Fact sheet §4.
    pub(crate) fn probe_health_check(&mut self, hc: &HealthCheck) -> (bool, String) {
        let Some(ri) = self.scenario.regions.iter().position(|r| r.id == hc.region) else {
            return (false, "region missing".into());
        };
        let mut scratch = Recorder::off();
        let host = self.scenario.regions[ri].alb.dns_name.to_string();
        let checker = super::lb::AlbClient {
            caller: super::event::alb::Caller::HealthChecker,
            id: "route53-checker",
            ip: hc.checker_ip,
            ports: EphemeralRange::Elb,
            rtt_ms: 20,
            connect: (1, 4),
        };
        let resp = self.alb_request(ri, checker, (&host, &hc.path), &mut scratch);
        match resp.status {
            Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
            Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
            None => (false, format!("no response: {}", resp.code)),
        }
    }
}
