//! The CloudFront distribution a scenario configures: edge locations,
//! cache behaviours, origins and origin groups. Fact sheet §5.

use super::ShieldProtection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub id: String,
    pub domain: String,
    pub pops: Vec<Pop>,
    pub behaviors: Vec<Behavior>,
    pub origins: Vec<Origin>,
    /// Fact sheet §5: connection attempts 1-3 (default 3), timeout 1-10 s (default 10).
    pub connection_attempts: u32,
    pub connection_timeout_s: u32,
    /// Origin response (read) timeout, default 30 s (1-60).
    #[serde(default = "default_read_timeout")]
    pub origin_response_timeout_s: u32,
    /// How long CloudFront keeps an idle connection to a custom origin
    /// open for the next request: default 5 s (1-60). Fact sheet §26.
    #[serde(default = "default_origin_keep_alive")]
    pub origin_keep_alive_s: u32,
    /// Error caching minimum TTL, default 10 s.
    #[serde(default = "default_error_ttl")]
    pub error_caching_min_ttl_s: u32,
    #[serde(default)]
    pub origin_groups: Vec<OriginGroup>,
    /// IPv6 on: the edge answers AAAA queries (an alias AAAA record to the
    /// distribution answers with the edge's IPv6 address). Off (the
    /// default): AAAA gets NODATA and clients use IPv4. Fact sheet §23.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ipv6_enabled: bool,
    /// AWS Shield on the distribution: Standard unless set. Fact sheet §7.
    #[serde(default, skip_serializing_if = "ShieldProtection::is_default")]
    pub shield: ShieldProtection,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pop {
    pub id: String,
    pub city: String,
    pub ip: Ipv4Addr,
    /// Round trip from this POP to each region, in milliseconds.
    pub rtt_region_ms: BTreeMap<String, u32>,
}

/// A cache behaviour. First match in list order wins; `*` is the default and
/// is always last. Fact sheet §5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behavior {
    pub path_pattern: String,
    /// An origin id or an origin group id.
    pub origin: String,
    pub min_ttl_s: u32,
    pub default_ttl_s: u32,
    pub max_ttl_s: u32,
    /// Whether query strings are part of the cache key (off by default).
    #[serde(default)]
    pub cache_query_strings: bool,
    #[serde(default)]
    pub viewer_protocol: ViewerProtocol,
    /// Methods the behaviour accepts; another gets 403 from CloudFront.
    #[serde(default)]
    pub allowed_methods: AllowedMethods,
}

/// A behaviour's allowed HTTP methods: one of three fixed sets. Fact sheet §5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum AllowedMethods {
    /// GET and HEAD.
    GetHead,
    /// GET, HEAD and OPTIONS.
    GetHeadOptions,
    /// GET, HEAD, OPTIONS, PUT, PATCH, POST and DELETE.
    #[default]
    All,
}

impl AllowedMethods {
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            AllowedMethods::GetHead => &["GET", "HEAD"],
            AllowedMethods::GetHeadOptions => &["GET", "HEAD", "OPTIONS"],
            AllowedMethods::All => &["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
        }
    }
    pub fn allows(self, method: &str) -> bool {
        self.methods().contains(&method)
    }
}

/// Viewer protocol policy. Fact sheet §5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum ViewerProtocol {
    /// GET/HEAD over HTTP get a 301 to HTTPS.
    #[default]
    RedirectToHttps,
    /// HTTP gets 403.
    HttpsOnly,
    AllowAll,
}

/// Primary and secondary origins; failover on the listed status codes, a
/// connection failure or a timeout, for GET/HEAD/OPTIONS only. Fact sheet §5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginGroup {
    pub id: String,
    pub primary: String,
    pub secondary: String,
    /// Chosen from 400, 403, 404, 416, 500, 502, 503, 504.
    pub failover_codes: Vec<u16>,
}

fn default_error_ttl() -> u32 {
    10
}
fn default_origin_keep_alive() -> u32 {
    5
}
fn default_read_timeout() -> u32 {
    30
}
fn default_objects() -> Vec<String> {
    vec!["/".into(), "/index.html".into(), "/static/*".into()]
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub id: String,
    pub domain: String,
    pub kind: OriginKind,
    /// The Cache-Control header the origin sends with its 200 answers.
    #[serde(default)]
    pub cache_control: Option<String>,
    /// Object paths an S3 origin holds (`*` wildcards).
    #[serde(default = "default_objects")]
    pub objects: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum OriginKind {
    S3,
    /// A custom origin resolved through DNS (here: the failover name in front of the ALBs).
    Custom,
}
