//! The DNS side of a scenario: root and TLD servers, the Route 53 hosted
//! zone with its records and routing policies, and Route 53 health checks.
//! Fact sheet §1-§4.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use super::scenario::Scenario;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameServer {
    pub id: String,
    pub name: String,
    pub ip: Ipv4Addr,
    /// Round trip from a resolver, in milliseconds.
    pub rtt_ms: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsConfig {
    pub root: NameServer,
    pub tld: NameServer,
    pub zone: HostedZone,
    pub health_checks: Vec<HealthCheck>,
}

/// A Route 53 public hosted zone. Fact sheet §1 (NS/SOA), §2 (alias), §3.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    pub value: RecordValue,
    /// For aliases to AWS resources Route 53 uses the resource's TTL (60 s for
    /// ELB and CloudFront in this model). Fact sheet §2.
    pub ttl_s: u32,
    pub routing: Routing,
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
    A {
        addresses: Vec<Ipv4Addr>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FailoverRole {
    Primary,
    Secondary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    Simple,
    Failover {
        role: FailoverRole,
        health_check: Option<String>,
    },
}

/// A Route 53 health check on a region's ALB. Fact sheet §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub id: String,
    pub region: String,
    pub path: String,
    pub port: u16,
    pub interval_s: u32,
    pub failure_threshold: u32,
    /// Checker locations probing independently.
    pub checkers: u32,
    /// Address the checkers probe from (for NACL / SG evaluation).
    pub checker_ip: Ipv4Addr,
}

/// Check the DNS part of a scenario; the first problem is named.
pub fn validate_dns(s: &Scenario) -> Result<(), String> {
    for hc in &s.dns.health_checks {
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
    }
    for rec in &s.dns.zone.records {
        if let RecordValue::AliasAlb { region } = &rec.value {
            if s.region(region).is_none() {
                return Err(format!(
                    "record {} aliases unknown region {region}",
                    rec.name
                ));
            }
        }
        if let Routing::Failover {
            health_check: Some(h),
            ..
        } = &rec.routing
        {
            if !s.dns.health_checks.iter().any(|c| &c.id == h) {
                return Err(format!(
                    "record {} names unknown health check {h}",
                    rec.name
                ));
            }
        }
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
            },
        ],
    }
}
