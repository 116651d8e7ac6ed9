//! The Application Load Balancer a region runs: nodes, the HTTPS listener
//! and its rules, target groups with their health checks. Fact sheet §8.

use super::ShieldProtection;
use serde::{Deserialize, Serialize};

pub use crate::sim::conn::TlsPolicy;
use std::net::Ipv4Addr;

use super::WebAcl;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// `ipv4` (the default) or `dualstack`: a dual-stack load balancer's
    /// nodes also have IPv6 addresses and its DNS name answers AAAA.
    /// Fact sheet §23.
    #[serde(default, skip_serializing_if = "IpAddressType::is_ipv4")]
    pub ip_address_type: IpAddressType,
    /// AWS Shield on the load balancer: Standard unless set. Fact sheet §7.
    #[serde(default, skip_serializing_if = "ShieldProtection::is_default")]
    pub shield: ShieldProtection,
    /// The connection idle timeout, on both the client's and the target's
    /// side: default 60 s (1-4,000). Fact sheet §8, §26.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_s: u32,
    /// The HTTP client keep-alive duration: the ALB closes a client's
    /// connection this long after it opened, even an active one (after
    /// one more request). Default 3,600 s (60-604,800). Fact sheet §26.
    #[serde(
        default = "default_client_keepalive",
        skip_serializing_if = "is_default_client_keepalive"
    )]
    pub client_keepalive_s: u32,
    /// Whether the AWS Load Balancer Controller owns this load balancer
    /// (the default): its listener rules marked with `from_ingress_path`
    /// and its bound target groups' target type and health check follow
    /// the Ingress whenever a scenario is read or an edit touches the
    /// Ingress or a Service. `false`: a hand-made load balancer whose
    /// rules stay exactly as written. Fact sheet §14, §28.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub ingress_managed: bool,
}

fn yes() -> bool {
    true
}
fn is_yes(b: &bool) -> bool {
    *b
}

fn default_client_keepalive() -> u32 {
    crate::sim::limits::ALB_CLIENT_KEEPALIVE_DEFAULT_S
}
fn is_default_client_keepalive(s: &u32) -> bool {
    *s == crate::sim::limits::ALB_CLIENT_KEEPALIVE_DEFAULT_S
}
fn is_zero(s: &u32) -> bool {
    *s == 0
}

/// A load balancer's IP address type. Fact sheet §23.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpAddressType {
    #[default]
    Ipv4,
    Dualstack,
}

impl IpAddressType {
    pub fn is_ipv4(&self) -> bool {
        *self == IpAddressType::Ipv4
    }
    pub fn as_str(self) -> &'static str {
        match self {
            IpAddressType::Ipv4 => "ipv4",
            IpAddressType::Dualstack => "dualstack",
        }
    }
}

fn default_idle_timeout() -> u32 {
    60
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlbNode {
    pub subnet: String,
    pub host: u32,
    pub public_ip: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub port: u16,
    pub certificate_domains: Vec<String>,
    pub rules: Vec<ListenerRule>,
    pub default_status: u16,
    /// The security policy: which TLS versions the listener accepts.
    /// Fact sheet §8.
    #[serde(default, skip_serializing_if = "TlsPolicy::is_default")]
    pub tls_policy: TlsPolicy,
}

/// A listener rule, as the AWS Load Balancer Controller writes it from the
/// Ingress. Fact sheet §8 and §13.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerRule {
    /// 1-50000, lowest first; the default rule is evaluated last.
    pub priority: u32,
    /// All conditions must match (AND); values within one condition are OR.
    pub conditions: Vec<Condition>,
    pub action: AlbAction,
    /// The Ingress path this rule was generated from, if any.
    #[serde(default)]
    pub from_ingress_path: String,
    /// The id of the Ingress that wrote it, when that is another member
    /// of the ALB's IngressGroup than the cluster's first Ingress
    /// (`cluster.ingress`, whose rules leave it empty so files read as
    /// before); `lbc::rule_ingress` reads it. Fact sheet §28.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from_ingress: String,
}

/// A listener rule condition. Fact sheet §8 "Condition matching details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct QueryMatch {
    #[serde(default)]
    pub key: Option<String>,
    pub value: String,
}

/// What a matching rule does. Fact sheet §8 "Forward / redirect / fixed response".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct WeightedGroup {
    pub target_group: String,
    pub weight: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum TargetType {
    /// Pod IPs registered directly (VPC CNI); kube-proxy is not on the path.
    #[default]
    Ip,
    /// Nodes on the Service's NodePort; kube-proxy forwards to a pod.
    Instance,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
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

impl TargetGroup {
    /// Whether a Kubernetes Service is bound to the group (its targets
    /// come from the cluster); a group created at the load balancer has
    /// none and no registered targets.
    pub fn bound(&self) -> bool {
        !self.service.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    pub id: String,
    pub port: u16,
    /// Kubernetes Service whose ready pods are registered (target type ip)
    /// or whose NodePort the worker nodes serve (instance): the load
    /// balancer controller's binding. Empty for a group created at the
    /// load balancer, which has no registered targets (fact sheet §8).
    #[serde(default)]
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
    /// Slow start: a target that turns healthy gets a linearly growing
    /// share of requests for this long; 0 is off, else 30-900 s. Not with
    /// least outstanding requests. Fact sheet §8, §26.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub slow_start_s: u32,
    /// Cross-zone load balancing (on by default for an ALB): off, an ALB
    /// node sends only to targets in its own AZ. Fact sheet §8.
    #[serde(default = "cross_zone_on", skip_serializing_if = "is_true")]
    pub cross_zone: bool,
    /// The health check's protocol: HTTP (default) or HTTPS (the
    /// target's certificate is not validated). Fact sheet §8.
    #[serde(default, skip_serializing_if = "HealthProtocol::is_http")]
    pub health_protocol: HealthProtocol,
    /// The health check's port: none is `traffic-port` (the port traffic
    /// goes to). Fact sheet §8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_port: Option<u16>,
    /// Success codes: `200` (default), a list `200,302` or a range
    /// `200-299`, codes 200-499. Fact sheet §8.
    #[serde(
        default = "default_matcher",
        skip_serializing_if = "is_default_matcher"
    )]
    pub matcher: String,
}

fn default_matcher() -> String {
    crate::sim::limits::ALB_HC_DEFAULT_MATCHER.into()
}
fn is_default_matcher(m: &str) -> bool {
    m == crate::sim::limits::ALB_HC_DEFAULT_MATCHER
}

/// A target group health check's protocol. Fact sheet §8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HealthProtocol {
    #[default]
    Http,
    Https,
}

impl HealthProtocol {
    pub fn is_http(&self) -> bool {
        *self == HealthProtocol::Http
    }
    pub fn name(self) -> &'static str {
        match self {
            HealthProtocol::Http => "HTTP",
            HealthProtocol::Https => "HTTPS",
        }
    }
}

/// Read a matcher: codes and ranges separated by commas, each 200-499.
/// The codes it accepts, as (low, high) ranges. Fact sheet §8.
pub fn parse_matcher(m: &str) -> Result<Vec<(u16, u16)>, String> {
    let codes = crate::sim::limits::ALB_HC_MATCHER_CODES;
    let mut out = Vec::new();
    for part in m.split(',').map(str::trim) {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let (Ok(lo), Ok(hi)) = (lo.parse::<u16>(), hi.parse::<u16>()) else {
            return Err(format!(
                "matcher '{m}' must be codes like 200, 200,302 or 200-299"
            ));
        };
        if !codes.contains(&lo) || !codes.contains(&hi) || lo > hi {
            return Err(format!(
                "matcher '{m}': success codes are {}-{} (fact sheet §8)",
                codes.start(),
                codes.end()
            ));
        }
        out.push((lo, hi));
    }
    Ok(out)
}

impl TargetGroup {
    /// Whether `status` is one of the health check's success codes.
    pub fn matcher_accepts(&self, status: u16) -> bool {
        parse_matcher(&self.matcher)
            .map(|rs| rs.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status)))
            .unwrap_or(false)
    }
    /// The port health checks go to: `health_port`, or the traffic port.
    pub fn check_port(&self, traffic_port: u16) -> u16 {
        self.health_port.unwrap_or(traffic_port)
    }
}
