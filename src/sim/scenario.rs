//! The scenario: everything a learner or a lesson can configure. It is the
//! serialized boundary of the engine (share links, exported files), so
//! `validate` refuses anything the engine could not run.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub use super::dnsconf::*;
use super::net::*;
use super::trace::Direction;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A place: ISO 3166 country, continent code (AF AN AS EU NA OC SA), an
/// optional US state / subdivision, and coordinates in degrees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// Error caching minimum TTL, default 10 s.
    #[serde(default = "default_error_ttl")]
    pub error_caching_min_ttl_s: u32,
    #[serde(default)]
    pub origin_groups: Vec<OriginGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
fn default_read_timeout() -> u32 {
    30
}
fn default_objects() -> Vec<String> {
    vec!["/".into(), "/index.html".into(), "/static/*".into()]
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub enum OriginKind {
    S3,
    /// A custom origin resolved through DNS (here: the failover name in front of the ALBs).
    Custom,
}

/// A WAF web ACL attached to the distribution. Fact sheet §6.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebAcl {
    pub id: String,
    pub name: String,
    pub rules: Vec<WafRule>,
    pub default_action: WafAction,
    /// Read the client address from this header (e.g. X-Forwarded-For,
    /// first position) instead of the TCP peer. Fact sheet §6.
    #[serde(default)]
    pub forwarded_ip_header: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WafRule {
    pub priority: u32,
    pub name: String,
    pub statement: WafStatement,
    pub action: WafAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafStatement {
    IpSet {
        cidrs: Vec<Ipv4Net>,
    },
    /// SQL injection in the URI path, query string, body or headers.
    SqlInjection,
    /// Cross-site scripting in the URI path, query string, body or headers.
    Xss,
    /// Evaluation window 60, 120, 300 or 600 s; limit at least 10.
    RateBased {
        limit: u32,
        window_s: u32,
    },
    /// ISO 3166 country codes of the client address.
    GeoMatch {
        countries: Vec<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WafAction {
    Allow,
    Block,
    Count,
}

/// The rule's statement as a sentence fragment, e.g. "rate over 2000 per 300 s".
impl std::fmt::Display for WafStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WafStatement::IpSet { cidrs } => write!(
                f,
                "source in IP set {}",
                cidrs
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            WafStatement::SqlInjection => {
                f.write_str("SQL injection in path, query, body or headers")
            }
            WafStatement::Xss => {
                f.write_str("cross-site scripting in path, query, body or headers")
            }
            WafStatement::RateBased { limit, window_s } => {
                write!(
                    f,
                    "more than {limit} requests per source IP in {window_s} s"
                )
            }
            WafStatement::GeoMatch { countries } => {
                write!(f, "source country in {}", countries.join(", "))
            }
        }
    }
}

impl std::fmt::Display for WafAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WafAction::Allow => "Allow",
            WafAction::Block => "Block",
            WafAction::Count => "Count",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub label: String,
    pub azs: Vec<String>,
    pub vpc: Vpc,
    pub alb: Alb,
    pub cluster: Cluster,
    pub rds: Rds,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alb {
    pub id: String,
    pub dns_name: String,
    /// One load balancer node per AZ, in that AZ's public subnet.
    pub nodes: Vec<AlbNode>,
    pub security_groups: Vec<String>,
    pub listener: Listener,
    pub target_groups: Vec<TargetGroup>,
    /// A regional web ACL on the ALB, evaluated before the listener rules.
    #[serde(default)]
    pub web_acl: Option<WebAcl>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbNode {
    pub subnet: String,
    pub host: u32,
    pub public_ip: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub port: u16,
    pub certificate_domains: Vec<String>,
    pub rules: Vec<ListenerRule>,
    pub default_status: u16,
}

/// A listener rule, as the AWS Load Balancer Controller writes it from the
/// Ingress. Fact sheet §8 and §13.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRule {
    /// 1-50000, lowest first; the default rule is evaluated last.
    pub priority: u32,
    /// All conditions must match (AND); values within one condition are OR.
    pub conditions: Vec<Condition>,
    pub action: AlbAction,
    /// The Ingress path this rule was generated from, if any.
    #[serde(default)]
    pub from_ingress_path: String,
}

/// A listener rule condition. Fact sheet §8 "Condition matching details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Condition {
    /// Case-insensitive, `*` and `?` wildcards.
    HostHeader { values: Vec<String> },
    /// Case-sensitive, `*` and `?`, path only (not the query).
    PathPattern { values: Vec<String> },
    /// Header name and value case-insensitive; wildcards in the value.
    HttpHeader { name: String, values: Vec<String> },
    /// Case-sensitive, exact.
    HttpRequestMethod { values: Vec<String> },
    /// `key=value` or `value`; case-insensitive; wildcards allowed.
    QueryString { values: Vec<QueryMatch> },
    /// CIDRs matched against the TCP peer (a proxy's address behind
    /// CloudFront), never X-Forwarded-For.
    SourceIp { values: Vec<ipnet::Ipv4Net> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryMatch {
    #[serde(default)]
    pub key: Option<String>,
    pub value: String,
}

/// What a matching rule does. Fact sheet §8 "Forward / redirect / fixed response".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum AlbAction {
    Forward {
        target_group: String,
    },
    /// Weights 0-999; share = weight / sum.
    WeightedForward {
        groups: Vec<WeightedGroup>,
    },
    /// 301 or 302; `None` parts keep the request's (`#{host}` etc.).
    Redirect {
        status: u16,
        #[serde(default)]
        protocol: Option<String>,
        #[serde(default)]
        host: Option<String>,
        #[serde(default)]
        port: Option<u16>,
        #[serde(default)]
        path: Option<String>,
    },
    FixedResponse {
        status: u16,
        #[serde(default)]
        body: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedGroup {
    pub target_group: String,
    pub weight: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    /// Pod IPs registered directly (VPC CNI); kube-proxy is not on the path.
    #[default]
    Ip,
    /// Nodes on the Service's NodePort; kube-proxy forwards to a pod.
    Instance,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    #[default]
    RoundRobin,
    LeastOutstandingRequests,
    WeightedRandom,
}

fn cross_zone_on() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn default_node_port() -> u16 {
    30080
}
fn default_dereg() -> u32 {
    300
}
fn default_timeout() -> u32 {
    5
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    pub id: String,
    pub port: u16,
    /// Kubernetes Service whose ready pods are registered (target type ip).
    pub service: String,
    pub health_path: String,
    /// AWS Load Balancer Controller defaults: 15 s / 2 / 2. Fact sheet §14, §19.5.
    pub health_interval_s: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    #[serde(default = "default_timeout")]
    pub health_timeout_s: u32,
    #[serde(default)]
    pub target_type: TargetType,
    /// The Service's NodePort (30000-32767) for target type instance.
    #[serde(default = "default_node_port")]
    pub node_port: u16,
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Duration-based stickiness (cookie AWSALB), in seconds; none when off.
    #[serde(default)]
    pub stickiness_s: Option<u32>,
    /// 0-3600 s, default 300. Fact sheet §8.
    #[serde(default = "default_dereg")]
    pub deregistration_delay_s: u32,
    /// Cross-zone load balancing (on by default for an ALB): off, an ALB
    /// node sends only to targets in its own AZ. Fact sheet §8.
    #[serde(default = "cross_zone_on", skip_serializing_if = "is_true")]
    pub cross_zone: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub ingress: Ingress,
    pub services: Vec<Service>,
    pub pods: Vec<Pod>,
    /// Worker nodes (EC2 instances); each pod runs on one.
    #[serde(default)]
    pub nodes: Vec<K8sNode>,
    /// Seconds the application keeps the database endpoint's address once
    /// resolved (the JVM's `networkaddress.cache.ttl`, for example); 0 asks
    /// the VPC resolver on every query. AWS recommends at most 60 s, or a
    /// Multi-AZ failover stays invisible longer. Fact sheet §1, §15.
    #[serde(default)]
    pub app_dns_cache_s: u32,
}

/// The longest application DNS cache a scenario may set (one day).
pub const MAX_APP_DNS_CACHE_S: u32 = 86_400;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct K8sNode {
    pub id: String,
    pub subnet: String,
    pub host: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingress {
    pub id: String,
    pub name: String,
    pub rules: Vec<IngressPath>,
    /// Service for requests no rule matches (controller-specific otherwise).
    #[serde(default)]
    pub default_backend: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathType {
    Exact,
    Prefix,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressPath {
    #[serde(default)]
    pub host: Option<String>,
    pub path: String,
    pub path_type: PathType,
    pub service: String,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub port: u16,
    pub target_port: u16,
    pub app: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub id: String,
    /// The worker node the pod runs on.
    #[serde(default)]
    pub node: Option<String>,
    pub app: String,
    pub subnet: String,
    pub host: u32,
    pub security_groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rds {
    pub id: String,
    pub engine: String,
    pub endpoint: String,
    pub port: u16,
    pub instances: Vec<DbInstance>,
    pub security_groups: Vec<String>,
    /// Read replicas: asynchronous, read-only, their own endpoint; the app
    /// sends reads there when there are any. Fact sheet §15.
    #[serde(default)]
    pub replicas: Vec<DbInstance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstance {
    pub id: String,
    pub subnet: String,
    pub host: u32,
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
    /// The region whose VPC holds this subnet / SG / NACL id.
    pub fn region_of_vpc_item(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| {
            r.vpc.subnet(id).is_some()
                || r.vpc.sg(id).is_some()
                || r.vpc.nacl(id).is_some()
                || r.vpc.route_table(id).is_some()
        })
    }

    /// Check everything the engine relies on. A scenario that passes can be
    /// run; one that fails is refused whole with the first problem named.
    pub fn validate(&self) -> Result<(), String> {
        if self.regions.is_empty() {
            return Err("scenario has no regions".into());
        }
        if self.clients.is_empty() {
            return Err("scenario has no clients".into());
        }
        let mut ids = BTreeSet::new();
        for c in &self.clients {
            if !ids.insert(c.id.clone()) {
                return Err(format!("client id '{}' is used twice", c.id));
            }
            if self.pop(&c.pop).is_none() {
                return Err(format!(
                    "client '{}' names unknown CloudFront POP '{}'",
                    c.id, c.pop
                ));
            }
        }
        for r in &self.regions {
            validate_vpc(&r.vpc).map_err(|e| format!("region {}: {e}", r.id))?;
            for n in &r.alb.nodes {
                host_in(
                    &r.vpc,
                    &n.subnet,
                    n.host,
                    &format!("ALB node in {}", n.subnet),
                )?;
            }
            for p in &r.cluster.pods {
                host_in(&r.vpc, &p.subnet, p.host, &format!("pod {}", p.id))?;
                for g in &p.security_groups {
                    if r.vpc.sg(g).is_none() {
                        return Err(format!("pod {} names unknown security group {g}", p.id));
                    }
                }
            }
            if r.cluster.app_dns_cache_s > MAX_APP_DNS_CACHE_S {
                return Err(format!(
                    "region {}: cluster.app_dns_cache_s {} is over {MAX_APP_DNS_CACHE_S} s (one day)",
                    r.id, r.cluster.app_dns_cache_s
                ));
            }
            if r.rds.replicas.len() > 15 {
                return Err(format!(
                    "region {}: at most 15 read replicas per database",
                    r.id
                ));
            }
            for i in r.rds.instances.iter().chain(&r.rds.replicas) {
                host_in(
                    &r.vpc,
                    &i.subnet,
                    i.host,
                    &format!("database instance {}", i.id),
                )?;
            }
            for g in r.alb.security_groups.iter().chain(&r.rds.security_groups) {
                if r.vpc.sg(g).is_none() {
                    return Err(format!("region {}: unknown security group {g}", r.id));
                }
            }
            for n in &r.vpc.nat_gateways {
                host_in(&r.vpc, &n.subnet, n.host, &format!("NAT gateway {}", n.id))?;
            }
            if r.rds.instances.is_empty() {
                return Err(format!("region {}: the database has no instances", r.id));
            }
        }
        super::dnsconf::validate_dns(self)?;
        validate_cdn(&self.cdn)?;
        validate_web_acl(&self.waf)?;
        for r in &self.regions {
            validate_alb(r).map_err(|e| format!("region {}: {e}", r.id))?;
        }
        Ok(())
    }
}

fn host_in(vpc: &Vpc, subnet: &str, host: u32, what: &str) -> Result<(), String> {
    let s = vpc
        .subnet(subnet)
        .ok_or_else(|| format!("{what} is in unknown subnet {subnet}"))?;
    if s.host(host).is_none() {
        return Err(format!(
            "{what} would have host number {host}, which does not fit in {} ({}): a /{} leaves {} usable addresses",
            s.id,
            s.cidr,
            s.cidr.prefix_len(),
            s.usable()
        ));
    }
    Ok(())
}

/// Rules per network ACL and direction, AWS's default quota. Fact sheet §12.
pub const MAX_NACL_RULES: usize = 20;
/// Rules per security group and direction (IPv4), AWS's quota. Fact sheet §11.
pub const MAX_SG_RULES: usize = 60;
/// Listener rules per load balancer, not counting the default. Fact sheet §8.
pub const MAX_LISTENER_RULES: usize = 100;

/// A rule table's length against its per-direction quota.
fn within_quota(
    id: &str,
    dir: Direction,
    count: usize,
    max: usize,
    note: &str,
) -> Result<(), String> {
    if count > max {
        return Err(format!(
            "{id} {}: {count} rules is over the quota of {max} per direction ({note})",
            dir.as_str()
        ));
    }
    Ok(())
}

/// VPC rules from fact sheet §10 and §12.
pub fn validate_vpc(vpc: &Vpc) -> Result<(), String> {
    validate_block(&vpc.cidr, "VPC")?;
    for (i, s) in vpc.subnets.iter().enumerate() {
        validate_block(&s.cidr, &format!("subnet {}", s.id))?;
        if !vpc.cidr.contains(&s.cidr) {
            return Err(format!(
                "subnet {} ({}) is not inside the VPC CIDR {}",
                s.id, s.cidr, vpc.cidr
            ));
        }
        for o in &vpc.subnets[..i] {
            if o.cidr.contains(&s.cidr.network()) || s.cidr.contains(&o.cidr.network()) {
                return Err(format!(
                    "subnet {} ({}) overlaps subnet {} ({})",
                    s.id, s.cidr, o.id, o.cidr
                ));
            }
        }
        if vpc.route_table(&s.route_table).is_none() {
            return Err(format!(
                "subnet {} uses unknown route table {}",
                s.id, s.route_table
            ));
        }
        if vpc.nacl(&s.nacl).is_none() {
            return Err(format!(
                "subnet {} uses unknown network ACL {}",
                s.id, s.nacl
            ));
        }
    }
    for n in &vpc.nacls {
        for dir in [Direction::Inbound, Direction::Outbound] {
            within_quota(
                &n.id,
                dir,
                n.rules(dir).len(),
                MAX_NACL_RULES,
                "AWS raises it to 40 on request; fact sheet §12",
            )?;
            let mut seen = BTreeSet::new();
            for r in n.rules(dir) {
                if !(1..=32766).contains(&r.number) {
                    return Err(format!(
                        "{} {}: rule number {} is outside 1-32766",
                        n.id,
                        dir.as_str(),
                        r.number
                    ));
                }
                if !seen.insert(r.number) {
                    return Err(format!(
                        "{} {}: rule number {} is used twice",
                        n.id,
                        dir.as_str(),
                        r.number
                    ));
                }
                if r.ports.from > r.ports.to {
                    return Err(format!(
                        "{} {}: rule {} has a backwards port range",
                        n.id,
                        dir.as_str(),
                        r.number
                    ));
                }
            }
        }
    }
    for g in &vpc.security_groups {
        for dir in [Direction::Inbound, Direction::Outbound] {
            within_quota(
                &g.id,
                dir,
                g.rules(dir).len(),
                MAX_SG_RULES,
                "fact sheet §11",
            )?;
            for r in g.rules(dir) {
                if let Peer::Sg(id) = &r.peer {
                    if vpc.sg(id).is_none() {
                        return Err(format!(
                            "{} {} names unknown security group {id}",
                            g.id,
                            dir.as_str()
                        ));
                    }
                }
                if r.ports.from > r.ports.to {
                    return Err(format!(
                        "{} {}: a rule has a backwards port range",
                        g.id,
                        dir.as_str()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A VPC or subnet block must be between /16 and /28. Fact sheet §10.
pub fn validate_block(cidr: &Ipv4Net, what: &str) -> Result<(), String> {
    let p = cidr.prefix_len();
    if !(16..=28).contains(&p) {
        return Err(format!(
            "{what} block {cidr} is a /{p}: AWS allows blocks from /16 (65,536 addresses) to /28 (16 addresses)"
        ));
    }
    let link_local: Ipv4Net = "169.254.0.0/16".parse().expect("constant");
    if link_local.contains(&cidr.network()) {
        return Err(format!(
            "{what} block {cidr} is link-local (169.254.0.0/16), which AWS does not allow"
        ));
    }
    Ok(())
}

/// CloudFront rules from fact sheet §5.
pub fn validate_cdn(cf: &Distribution) -> Result<(), String> {
    if !(1..=3).contains(&cf.connection_attempts) {
        return Err(format!(
            "cdn.connection_attempts {} is outside 1-3",
            cf.connection_attempts
        ));
    }
    if !(1..=10).contains(&cf.connection_timeout_s) {
        return Err(format!(
            "cdn.connection_timeout_s {} is outside 1-10 s",
            cf.connection_timeout_s
        ));
    }
    if !(1..=60).contains(&cf.origin_response_timeout_s) {
        return Err(format!(
            "cdn.origin_response_timeout_s {} is outside 1-60 s",
            cf.origin_response_timeout_s
        ));
    }
    if cf.pops.is_empty() {
        return Err("cdn.pops: the distribution needs at least one edge location".into());
    }
    let target_ok = |id: &str| {
        cf.origins.iter().any(|o| o.id == id) || cf.origin_groups.iter().any(|g| g.id == id)
    };
    for (i, b) in cf.behaviors.iter().enumerate() {
        if b.path_pattern.len() > 255 {
            return Err(format!(
                "cdn.behaviors[{i}].path_pattern is longer than 255 characters"
            ));
        }
        if b.path_pattern == "*" && i + 1 != cf.behaviors.len() {
            return Err(format!(
                "cdn.behaviors[{i}]: the default behaviour '*' must be the last one"
            ));
        }
        if !target_ok(&b.origin) {
            return Err(format!(
                "cdn.behaviors[{i}].origin names unknown origin or origin group '{}'",
                b.origin
            ));
        }
        if b.min_ttl_s > b.max_ttl_s || b.default_ttl_s > b.max_ttl_s.max(b.min_ttl_s) {
            return Err(format!(
                "cdn.behaviors[{i}]: TTLs must satisfy minimum <= maximum and default <= maximum (got {}/{}/{})",
                b.min_ttl_s, b.default_ttl_s, b.max_ttl_s
            ));
        }
    }
    if cf.behaviors.last().map(|b| b.path_pattern.as_str()) != Some("*") {
        return Err("cdn.behaviors: the last behaviour must be the default '*'".into());
    }
    for g in &cf.origin_groups {
        for o in [&g.primary, &g.secondary] {
            if !cf.origins.iter().any(|x| &x.id == o) {
                return Err(format!(
                    "cdn.origin_groups '{}' names unknown origin '{o}'",
                    g.id
                ));
            }
        }
        if let Some(c) = g
            .failover_codes
            .iter()
            .find(|c| !super::edge::FAILOVER_CODES.contains(c))
        {
            return Err(format!(
                "cdn.origin_groups '{}': status {c} cannot trigger failover (allowed: 400, 403, 404, 416, 500, 502, 503, 504)",
                g.id
            ));
        }
    }
    Ok(())
}

/// WAF rules from fact sheet §6.
pub fn validate_web_acl(acl: &WebAcl) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for r in &acl.rules {
        if !seen.insert(r.priority) {
            return Err(format!(
                "web ACL {}: priority {} is used twice (priorities are unique)",
                acl.name, r.priority
            ));
        }
        match &r.statement {
            WafStatement::RateBased { limit, window_s } => {
                if ![60, 120, 300, 600].contains(window_s) {
                    return Err(format!(
                        "WAF rule {}: window {window_s} s is not one of 60, 120, 300, 600",
                        r.name
                    ));
                }
                if *limit < 10 {
                    return Err(format!(
                        "WAF rule {}: rate limit {limit} is below the minimum of 10",
                        r.name
                    ));
                }
                if r.action == WafAction::Allow {
                    return Err(format!(
                        "WAF rule {}: a rate-based rule cannot Allow",
                        r.name
                    ));
                }
            }
            WafStatement::IpSet { cidrs } => {
                if let Some(c) = cidrs.iter().find(|c| c.prefix_len() == 0) {
                    return Err(format!(
                        "WAF rule {}: IP set entry {c} is not allowed (any prefix except /0)",
                        r.name
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// ALB and target-group rules from fact sheet §8.
pub fn validate_alb(r: &Region) -> Result<(), String> {
    let alb = &r.alb;
    if alb.nodes.len() < 2 {
        return Err(format!(
            "{} must be in at least two Availability Zone subnets",
            alb.id
        ));
    }
    for tg in &alb.target_groups {
        if !tg.cross_zone && tg.stickiness_s.is_some() {
            return Err(format!(
                "{}: target group {} has stickiness with cross-zone load balancing off, which the ALB does not allow (fact sheet §8)",
                alb.id, tg.id
            ));
        }
    }
    if alb.listener.certificate_domains.is_empty() {
        return Err(format!(
            "{}.listener.certificate_domains is empty: an HTTPS listener needs a default certificate (fact sheet §8)",
            alb.id
        ));
    }
    if alb.listener.rules.len() > MAX_LISTENER_RULES {
        return Err(format!(
            "{}: {} listener rules is over the quota of {MAX_LISTENER_RULES} (the default rule not counted; fact sheet §8)",
            alb.id,
            alb.listener.rules.len()
        ));
    }
    let mut prios = BTreeSet::new();
    for rule in &alb.listener.rules {
        if !(1..=50_000).contains(&rule.priority) {
            return Err(format!(
                "{}: listener rule priority {} is outside 1-50000",
                alb.id, rule.priority
            ));
        }
        if !prios.insert(rule.priority) {
            return Err(format!(
                "{}: listener rule priority {} is used twice",
                alb.id, rule.priority
            ));
        }
        let tg_ok = |id: &str| alb.target_groups.iter().any(|t| t.id == id);
        match &rule.action {
            AlbAction::Forward { target_group } if !tg_ok(target_group) => {
                return Err(format!(
                    "{}: rule {} forwards to unknown target group {target_group}",
                    alb.id, rule.priority
                ));
            }
            AlbAction::WeightedForward { groups } => {
                if groups.is_empty() || groups.len() > 5 {
                    return Err(format!(
                        "{}: rule {} needs 1 to 5 target groups",
                        alb.id, rule.priority
                    ));
                }
                for g in groups {
                    if !tg_ok(&g.target_group) {
                        return Err(format!(
                            "{}: rule {} forwards to unknown target group {}",
                            alb.id, rule.priority, g.target_group
                        ));
                    }
                    if g.weight > 999 {
                        return Err(format!(
                            "{}: rule {} weight {} is outside 0-999",
                            alb.id, rule.priority, g.weight
                        ));
                    }
                }
            }
            AlbAction::Redirect {
                status,
                protocol,
                host,
                port,
                path,
            } => {
                if *status != 301 && *status != 302 {
                    return Err(format!(
                        "{}: rule {} redirect status must be 301 or 302",
                        alb.id, rule.priority
                    ));
                }
                if protocol.is_none() && host.is_none() && port.is_none() && path.is_none() {
                    return Err(format!(
                        "{}: rule {} redirect must change the protocol, host, port or path",
                        alb.id, rule.priority
                    ));
                }
                if protocol
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case("http"))
                {
                    return Err(format!(
                        "{}: rule {} cannot redirect HTTPS to HTTP",
                        alb.id, rule.priority
                    ));
                }
            }
            AlbAction::FixedResponse { status, .. }
                if !(200..600).contains(status) || (300..400).contains(status) =>
            {
                return Err(format!(
                    "{}: rule {} fixed response must be 2XX, 4XX or 5XX",
                    alb.id, rule.priority
                ));
            }
            _ => {}
        }
        for c in &rule.conditions {
            if let Condition::SourceIp { values } = c {
                if values.iter().any(|v| v.to_string() == "255.255.255.255/32") {
                    return Err(format!(
                        "{}: rule {} source-ip 255.255.255.255/32 is not allowed",
                        alb.id, rule.priority
                    ));
                }
            }
        }
    }
    for tg in &alb.target_groups {
        if tg.deregistration_delay_s > 3600 {
            return Err(format!(
                "target group {}: deregistration delay {} s is outside 0-3600",
                tg.id, tg.deregistration_delay_s
            ));
        }
        if !(30_000..=32_767).contains(&tg.node_port) && tg.target_type == TargetType::Instance {
            return Err(format!(
                "target group {}: NodePort {} is outside 30000-32767",
                tg.id, tg.node_port
            ));
        }
        if !(5..=300).contains(&tg.health_interval_s) {
            return Err(format!(
                "target group {}: health check interval {} s is outside 5-300",
                tg.id, tg.health_interval_s
            ));
        }
        if !(2..=10).contains(&tg.healthy_threshold) || !(2..=10).contains(&tg.unhealthy_threshold)
        {
            return Err(format!(
                "target group {}: health thresholds must be 2-10",
                tg.id
            ));
        }
        if let Some(d) = tg.stickiness_s {
            if !(1..=604_800).contains(&d) {
                return Err(format!(
                    "target group {}: stickiness duration {d} s is outside 1 s - 7 days",
                    tg.id
                ));
            }
        }
        if !r.cluster.services.iter().any(|s| s.id == tg.service) {
            return Err(format!(
                "target group {} names unknown Service {}",
                tg.id, tg.service
            ));
        }
    }
    for p in &r.cluster.pods {
        if let Some(n) = &p.node {
            if !r.cluster.nodes.iter().any(|x| &x.id == n) {
                return Err(format!("pod {} runs on unknown node {n}", p.id));
            }
        }
    }
    for n in &r.cluster.nodes {
        let s = r
            .vpc
            .subnet(&n.subnet)
            .ok_or_else(|| format!("node {} is in unknown subnet {}", n.id, n.subnet))?;
        if s.host(n.host).is_none() {
            return Err(format!(
                "node {} host number {} does not fit in {} ({})",
                n.id, n.host, s.id, s.cidr
            ));
        }
    }
    for ip in &r.cluster.ingress.rules {
        if !ip.path.starts_with('/') {
            return Err(format!("Ingress path '{}' must start with /", ip.path));
        }
        if ip.path.contains('*') {
            return Err(format!(
                "Ingress path '{}': wildcards are not allowed in Exact or Prefix paths",
                ip.path
            ));
        }
    }
    if let Some(acl) = &alb.web_acl {
        validate_web_acl(acl)?;
    }
    Ok(())
}

impl Scenario {
    /// Read a scenario file (JSON, the format the app exports). Errors name
    /// the field path and the problem; a file that parses is validated too.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let s: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            if path.is_empty() || path == "." {
                format!("scenario: {}", e.inner())
            } else {
                format!("scenario field {path}: {}", e.inner())
            }
        })?;
        s.validate().map_err(|e| format!("scenario: {e}"))?;
        Ok(s)
    }
}
