//! The scenario: everything a learner or a lesson can configure. It is the
//! serialized boundary of the engine (share links, exported files), so
//! `validate` refuses anything the engine could not run.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub use super::dnsconf::*;
use super::net::*;

mod alb;
mod cdn;
mod cluster;
mod conditions;
mod error;
mod nlb;
mod normalise;
mod rds;
mod refs;
mod shield;
mod validate;
mod vpc_more;
mod waf;
mod waf_match;

pub use alb::*;
pub use cdn::*;
pub use cluster::*;
pub use error::*;
pub use nlb::*;
pub use normalise::NORMALISED;
pub use rds::*;
pub use refs::is_public_v4;
pub use shield::*;
pub use validate::*;
pub use vpc_more::{overlapping_blocks, overlaps, secondary_refusal};
pub use waf::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub domain: String,
    pub clients: Vec<Client>,
    pub dns: DnsConfig,
    pub cdn: Distribution,
    pub waf: WebAcl,
    pub regions: Vec<Region>,
    /// A service on the internet the pods call out to (through the NAT
    /// gateway) when they write. Fact sheet §10 "NAT gateway".
    #[serde(default)]
    pub external_api: Option<ExternalApi>,
    /// VPC peering connections between the Regions' VPCs. Fact sheet §21.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peerings: Vec<Peering>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalApi {
    pub id: String,
    pub name: String,
    pub host: String,
    pub ip: Ipv4Addr,
    pub port: u16,
    /// Round trip from either region, in milliseconds.
    pub rtt_ms: u32,
}

/// A learner's machine somewhere in the world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: String,
    pub label: String,
    pub city: String,
    pub ip: Ipv4Addr,
    pub os: EphemeralRange,
    /// Chromium keeps OS-resolved answers for 60 s whatever the TTL. Fact sheet §1.
    pub browser_cache_s: u32,
    pub resolver: Resolver,
    /// The CloudFront edge location its DNS answers point at.
    pub pop: String,
    pub rtt_pop_ms: u32,
    /// Where the client is, for latency, geolocation, geoproximity and
    /// IP-based routing. Fact sheet §3.
    #[serde(default)]
    pub geo: Geo,
    /// The newest TLS version the browser speaks. Fact sheet §16.
    #[serde(
        default,
        skip_serializing_if = "crate::sim::conn::TlsVersion::is_default"
    )]
    pub tls_max: crate::sim::conn::TlsVersion,
    /// Whether the browser offers TLS 1.3 0-RTT early data when it
    /// resumes a session (idempotent requests only). Fact sheet §16, §26.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub early_data: bool,
    /// The browser's IPv6: `off` (IPv4 only), `on` (dual stack, Happy
    /// Eyeballs) or `broken`. Fact sheet §23.
    #[serde(
        default,
        skip_serializing_if = "crate::sim::eyeballs::ClientIpv6::is_off"
    )]
    pub ipv6: crate::sim::eyeballs::ClientIpv6,
}

/// A place: ISO 3166 country, continent code (AF AN AS EU NA OC SA), an
/// optional US state / subdivision, and coordinates in degrees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geo {
    pub country: String,
    pub continent: String,
    #[serde(default)]
    pub subdivision: Option<String>,
    pub lat: f64,
    pub lon: f64,
}

/// The recursive resolver a client uses (here an anycast instance of 8.8.8.8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolver {
    pub id: String,
    pub ip: Ipv4Addr,
    pub rtt_ms: u32,
    /// Whether the resolver sends EDNS Client Subnet, so Route 53 sees the
    /// client's own network rather than the resolver's. Fact sheet §3.
    #[serde(default)]
    pub ecs: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub label: String,
    pub azs: Vec<String>,
    pub vpc: Vpc,
    pub alb: Alb,
    /// A Network Load Balancer beside the ALB, if the learner added one.
    /// Fact sheet §9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nlb: Option<Nlb>,
    pub cluster: Cluster,
    pub rds: Rds,
}

impl Scenario {
    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }
    pub fn pop(&self, id: &str) -> Option<&Pop> {
        self.cdn.pops.iter().find(|p| p.id == id)
    }
    /// The region of a VPC.
    pub fn region_of_vpc(&self, vpc: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.vpc.id == vpc)
    }
    /// A peering connection by id.
    pub fn peering(&self, id: &str) -> Option<&Peering> {
        self.peerings.iter().find(|p| p.id == id)
    }
    /// Whether a route carries traffic: a route to a peering that is not
    /// `active` (pending, failed, deleted) is a blackhole. Fact sheet §21.
    pub fn route_is_blackhole(&self, route: &Route) -> bool {
        match &route.target {
            RouteTarget::Peering(id) => !self.peering(id).is_some_and(|p| p.is_active()),
            _ => false,
        }
    }
    /// The region whose VPC holds this subnet / SG / NACL id.
    pub fn region_of_vpc_item(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| {
            r.vpc.subnet(id).is_some()
                || r.vpc.sg(id).is_some()
                || r.vpc.nacl(id).is_some()
                || r.vpc.route_table(id).is_some()
        })
    }

    /// Read a scenario file (JSON, the format the app exports). Errors name
    /// the field path and the problem (an unknown field with the closest
    /// known name); a file that parses is normalised and validated too.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        Scenario::from_json_with_notes(text).map(|(s, _)| s)
    }

    /// A scenario file's text, read as `hoplab-cli --scenario` and the
    /// app's Import both read it: at most [`MAX_SCENARIO_BYTES`] bytes, then
    /// [`Scenario::from_json_with_notes`].
    ///
    /// [`MAX_SCENARIO_BYTES`]: crate::sim::limits::MAX_SCENARIO_BYTES
    pub fn read_file(text: &str) -> Result<(Scenario, Vec<String>), String> {
        let limit = crate::sim::limits::MAX_SCENARIO_BYTES;
        if text.len() as u64 > limit {
            return Err(format!(
                "scenario: the file is larger than {limit} bytes, the most Hoplab reads"
            ));
        }
        Scenario::from_json_with_notes(text)
    }

    /// [`Scenario::from_json`], with a note for each value read other than
    /// as written (a CIDR with host bits set, see [`Scenario::normalise`];
    /// a listener rule or target group the load balancer controller
    /// rewrites from the Ingress, see [`Scenario::reconcile_ingresses`]).
    pub fn from_json_with_notes(text: &str) -> Result<(Scenario, Vec<String>), String> {
        let mut s: Scenario = crate::sim::text::read_json(text).map_err(|(path, e)| {
            crate::sim::text::field_error("scenario", &path, &e.to_string())
        })?;
        let mut notes = s.normalise();
        let check = |s: &Scenario| {
            s.validate()
                .map_err(|e| crate::sim::text::clip_message(&format!("scenario: {e}")))
        };
        // Refused as written first; then the load balancer controller's
        // rules and target groups follow the Ingress (fact sheet §14, §28;
        // `sim::lbc`), each change with a note.
        check(&s)?;
        let reconciled = s.reconcile_ingresses();
        if !reconciled.is_empty() {
            check(&s)?;
        }
        notes.extend(reconciled);
        Ok((s, notes))
    }
}
