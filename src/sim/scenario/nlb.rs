//! The Network Load Balancer a region may run beside (or instead of) its
//! ALB: a node per AZ with a static address, layer-4 listeners (TCP, TLS,
//! UDP, TCP_UDP), target groups of pods or worker nodes, client IP
//! preservation and cross-zone load balancing (off by default).
//! Fact sheet §9, §23, §26.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use super::{Region, TargetType};
use crate::sim::limits::*;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nlb {
    pub id: String,
    pub dns_name: String,
    /// `internet-facing` (the default): each node has a public address;
    /// `internal`: private addresses only. Fact sheet §9.
    #[serde(default, skip_serializing_if = "NlbScheme::is_internet_facing")]
    pub scheme: NlbScheme,
    /// One node per enabled AZ, in that AZ's subnet: its static address.
    /// Fact sheet §9.
    pub nodes: Vec<NlbNode>,
    /// An NLB may have security groups; none means no security group check
    /// at the NLB (only the targets' and the NACLs'). Fact sheet §9, §11.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// Cross-zone load balancing: off by default on an NLB, so a node
    /// sends only to targets in its own AZ. Fact sheet §9.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_zone: bool,
    pub listeners: Vec<NlbListener>,
    pub target_groups: Vec<NlbTargetGroup>,
    /// A web ACL someone tried to associate: AWS WAF cannot be associated
    /// with an NLB (no HTTP there), so validation refuses any. Fact sheet §6, §9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl: Option<String>,
}

/// Whether the NLB is reachable from the internet. Fact sheet §9.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NlbScheme {
    #[default]
    InternetFacing,
    Internal,
}

impl NlbScheme {
    pub fn is_internet_facing(&self) -> bool {
        *self == NlbScheme::InternetFacing
    }
    pub fn as_str(self) -> &'static str {
        match self {
            NlbScheme::InternetFacing => "internet-facing",
            NlbScheme::Internal => "internal",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "internet-facing" => Ok(NlbScheme::InternetFacing),
            "internal" => Ok(NlbScheme::Internal),
            _ => Err(format!(
                "scheme '{}' must be internet-facing or internal",
                crate::sim::text::clip(s)
            )),
        }
    }
}

/// A load balancer node: its subnet (and so its AZ), its host number there
/// (its private address) and, internet-facing, its public address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NlbNode {
    pub subnet: String,
    pub host: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}

/// A listener's (and a target group's) protocol. Fact sheet §9.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NlbProtocol {
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "TLS")]
    Tls,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "TCP_UDP")]
    TcpUdp,
}

impl NlbProtocol {
    pub const ALL: [NlbProtocol; 4] = [
        NlbProtocol::Tcp,
        NlbProtocol::Tls,
        NlbProtocol::Udp,
        NlbProtocol::TcpUdp,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NlbProtocol::Tcp => "TCP",
            NlbProtocol::Tls => "TLS",
            NlbProtocol::Udp => "UDP",
            NlbProtocol::TcpUdp => "TCP_UDP",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        let up = s.trim().to_ascii_uppercase().replace('-', "_");
        NlbProtocol::ALL
            .into_iter()
            .find(|p| p.as_str() == up)
            .ok_or_else(|| {
                format!(
                    "protocol '{}' must be TCP, TLS, UDP or TCP_UDP (fact sheet §9)",
                    crate::sim::text::clip(s)
                )
            })
    }
    /// Whether a TCP connection (a browser's, CloudFront's) can use it.
    pub fn carries_tcp(self) -> bool {
        self != NlbProtocol::Udp
    }
    /// Whether UDP datagrams can use it.
    pub fn carries_udp(self) -> bool {
        matches!(self, NlbProtocol::Udp | NlbProtocol::TcpUdp)
    }
    /// The target group protocols a listener of this protocol forwards
    /// to: TCP → TCP or TCP_UDP; TLS → TCP or TLS; UDP → UDP or TCP_UDP;
    /// TCP_UDP → TCP_UDP.
    pub fn forwards_to(self, tg: NlbProtocol) -> bool {
        use NlbProtocol::*;
        matches!(
            (self, tg),
            (Tcp, Tcp)
                | (Tcp, TcpUdp)
                | (Tls, Tcp)
                | (Tls, Tls)
                | (Udp, Udp)
                | (Udp, TcpUdp)
                | (TcpUdp, TcpUdp)
        )
    }
}

/// A listener: protocol and port, where it forwards, and (TLS) the
/// certificates it terminates with. Fact sheet §9, §26.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NlbListener {
    pub protocol: NlbProtocol,
    pub port: u16,
    pub target_group: String,
    /// A TLS listener terminates TLS with these; no other protocol has
    /// certificates (a TCP listener on 443 passes TLS through).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_domains: Vec<String>,
    /// TCP listeners only: 60-6,000 s, 350 by default. TLS is fixed at
    /// 350 s, UDP flows at 120 s. Fact sheet §9, §26.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_s: Option<u32>,
}

impl NlbListener {
    /// The idle timeout in force, seconds. Fact sheet §9, §26.
    pub fn idle_timeout(&self) -> u32 {
        match self.protocol {
            NlbProtocol::Tcp => self.idle_timeout_s.unwrap_or(NLB_TCP_IDLE_DEFAULT_S),
            NlbProtocol::Tls | NlbProtocol::TcpUdp => NLB_TCP_IDLE_DEFAULT_S,
            NlbProtocol::Udp => NLB_UDP_IDLE_S,
        }
    }
}

/// What a target group's health checks speak. Fact sheet §9, §8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NlbHealthProtocol {
    #[default]
    Tcp,
    Http,
    Https,
}

impl NlbHealthProtocol {
    pub fn is_tcp(&self) -> bool {
        *self == NlbHealthProtocol::Tcp
    }
    pub fn as_str(self) -> &'static str {
        match self {
            NlbHealthProtocol::Tcp => "TCP",
            NlbHealthProtocol::Http => "HTTP",
            NlbHealthProtocol::Https => "HTTPS",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "TCP" => Ok(NlbHealthProtocol::Tcp),
            "HTTP" => Ok(NlbHealthProtocol::Http),
            "HTTPS" => Ok(NlbHealthProtocol::Https),
            _ => Err(format!(
                "health protocol '{}' must be TCP, HTTP or HTTPS",
                crate::sim::text::clip(s)
            )),
        }
    }
}

fn nlb_hc_interval() -> u32 {
    NLB_HC_INTERVAL_DEFAULT_S
}
fn nlb_hc_timeout() -> u32 {
    NLB_HC_TIMEOUT_DEFAULT_S
}
fn nlb_healthy() -> u32 {
    NLB_HC_HEALTHY_DEFAULT
}
fn nlb_unhealthy() -> u32 {
    NLB_HC_UNHEALTHY_DEFAULT
}
fn nlb_dereg() -> u32 {
    300
}
fn root() -> String {
    "/".into()
}

/// An NLB target group: pods (`ip`, on the Service's target port) or the
/// worker nodes (`instance`, on the Service's NodePort). Fact sheet §9.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NlbTargetGroup {
    pub id: String,
    pub protocol: NlbProtocol,
    pub port: u16,
    #[serde(default)]
    pub target_type: TargetType,
    /// The Kubernetes Service whose pods (ip) or nodes (instance) are
    /// registered; empty: no registered targets.
    #[serde(default)]
    pub service: String,
    /// Client IP preservation; none is the default of §9: on for instance
    /// targets and for UDP / TCP_UDP, off for ip targets with TCP / TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_client_ip: Option<bool>,
    #[serde(default, skip_serializing_if = "NlbHealthProtocol::is_tcp")]
    pub health_protocol: NlbHealthProtocol,
    /// The path of an HTTP / HTTPS health check.
    #[serde(default = "root")]
    pub health_path: String,
    #[serde(default = "nlb_hc_interval")]
    pub health_interval_s: u32,
    #[serde(default = "nlb_hc_timeout")]
    pub health_timeout_s: u32,
    #[serde(default = "nlb_healthy")]
    pub healthy_threshold: u32,
    #[serde(default = "nlb_unhealthy")]
    pub unhealthy_threshold: u32,
    /// No new connections to a deregistered target; existing ones may
    /// continue. 0-3,600 s, default 300. Fact sheet §26.
    #[serde(default = "nlb_dereg")]
    pub deregistration_delay_s: u32,
}

impl NlbTargetGroup {
    /// Whether targets see the client's own address. Fact sheet §9.
    pub fn preserves_client_ip(&self) -> bool {
        self.preserve_client_ip.unwrap_or(
            self.target_type == TargetType::Instance
                || matches!(self.protocol, NlbProtocol::Udp | NlbProtocol::TcpUdp),
        )
    }
}

impl Nlb {
    pub fn listener(&self, protocol: NlbProtocol, port: u16) -> Option<&NlbListener> {
        self.listeners
            .iter()
            .find(|l| l.port == port && l.protocol == protocol)
    }
    pub fn target_group(&self, id: &str) -> Option<&NlbTargetGroup> {
        self.target_groups.iter().find(|t| t.id == id)
    }

    /// The NLB a region gets from `add_nlb`: a node per AZ in its public
    /// subnets (host 30), no security groups, cross-zone off, a TCP
    /// listener on 443 passing TLS through to the Service's pods.
    pub fn default_for(r: &Region) -> Nlb {
        let letter = r.alb.id.rsplit('-').next().unwrap_or("a");
        let svc = r.cluster.services.first();
        // The first host number from 30 no other interface of the subnet
        // uses (the ALB's node, a NAT gateway, an instance).
        let used = |subnet: &str, host: u32| {
            r.alb
                .nodes
                .iter()
                .any(|n| n.subnet == subnet && n.host == host)
                || r.vpc
                    .nat_gateways
                    .iter()
                    .any(|n| n.subnet == subnet && n.host == host)
                || r.vpc
                    .instances
                    .iter()
                    .any(|i| i.subnet == subnet && i.host == host)
        };
        let nodes = r
            .alb
            .nodes
            .iter()
            .map(|n| {
                let host = (30..250).find(|h| !used(&n.subnet, *h)).unwrap_or(30);
                let o = n.public_ip.octets();
                NlbNode {
                    subnet: n.subnet.clone(),
                    host,
                    public_ip: Some(Ipv4Addr::new(o[0], o[1], o[2], host as u8)),
                }
            })
            .collect();
        let id = format!("nlb-{letter}");
        let tg = format!("tg-{id}");
        Nlb {
            dns_name: format!("{id}-5e1c.elb.{}.amazonaws.com", r.id),
            id,
            scheme: NlbScheme::InternetFacing,
            nodes,
            security_groups: Vec::new(),
            cross_zone: false,
            listeners: vec![NlbListener {
                protocol: NlbProtocol::Tcp,
                port: 443,
                target_group: tg.clone(),
                certificate_domains: Vec::new(),
                idle_timeout_s: None,
            }],
            target_groups: vec![NlbTargetGroup {
                id: tg,
                protocol: NlbProtocol::Tcp,
                port: svc.map_or(8080, |s| s.target_port),
                target_type: TargetType::Ip,
                service: svc.map(|s| s.id.clone()).unwrap_or_default(),
                preserve_client_ip: None,
                health_protocol: NlbHealthProtocol::Tcp,
                health_path: root(),
                health_interval_s: NLB_HC_INTERVAL_DEFAULT_S,
                health_timeout_s: NLB_HC_TIMEOUT_DEFAULT_S,
                healthy_threshold: NLB_HC_HEALTHY_DEFAULT,
                unhealthy_threshold: NLB_HC_UNHEALTHY_DEFAULT,
                deregistration_delay_s: 300,
            }],
            web_acl: None,
        }
    }
}

/// What AWS refuses in an NLB's configuration, as data. Fact sheet §9.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NlbProblem {
    /// A listener or target group port outside 1-65535.
    PortOutOfRange { port: u16 },
    /// Two listeners on one port (TCP and UDP on a port share it through
    /// one TCP_UDP listener).
    DuplicateListener { port: u16 },
    /// Certificates on a listener that is not TLS (UDP cannot carry TLS;
    /// a TCP listener passes it through).
    CertificateNotTls { protocol: NlbProtocol, port: u16 },
    /// A TLS listener without a certificate.
    TlsWithoutCertificate { port: u16 },
    /// An idle timeout on a listener other than TCP, or outside 60-6,000 s.
    IdleTimeout { protocol: NlbProtocol, seconds: u32 },
    /// A listener forwarding to a group that does not exist.
    UnknownTargetGroup { target_group: String },
    /// A listener forwarding to a group of a protocol it cannot use.
    ProtocolMismatch {
        listener: NlbProtocol,
        target_group: NlbProtocol,
    },
    /// A web ACL on an NLB: AWS WAF protects ALBs, CloudFront, API Gateway…
    WafNotSupported { web_acl: String },
    /// Two nodes in one AZ, a node in an unknown subnet or outside it.
    Node(String),
    /// A node's public address that does not fit the scheme.
    SchemeAddress { subnet: String },
    /// A security group that is not in the VPC.
    UnknownSecurityGroup { sg: String },
    /// A target group setting outside AWS's range.
    TargetGroupSetting { target_group: String, what: String },
    /// Two NLB objects with one id.
    DuplicateId { id: String },
}

impl std::fmt::Display for NlbProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use NlbProblem::*;
        match self {
            PortOutOfRange { port } => write!(f, "port {port} is outside 1-65535 (fact sheet §9)"),
            DuplicateListener { port } => write!(
                f,
                "two listeners on port {port}: one listener per port; TCP and UDP on one port is a TCP_UDP listener (fact sheet §9)"
            ),
            CertificateNotTls { protocol, port } => write!(
                f,
                "the {} listener on port {port} has a certificate: only a TLS listener terminates TLS (a TCP listener on 443 passes it through; UDP carries no TLS) (fact sheet §9)",
                protocol.as_str()
            ),
            TlsWithoutCertificate { port } => {
                write!(f, "the TLS listener on port {port} needs a certificate (fact sheet §9)")
            }
            IdleTimeout { protocol, seconds } => write!(
                f,
                "idle timeout {seconds} s on a {} listener: only TCP listeners set it, 60-6,000 s (TLS is fixed at 350 s, UDP at 120 s) (fact sheet §9, §26)",
                protocol.as_str()
            ),
            UnknownTargetGroup { target_group } => {
                write!(f, "a listener forwards to unknown target group {target_group}")
            }
            ProtocolMismatch {
                listener,
                target_group,
            } => write!(
                f,
                "a {} listener cannot forward to a {} target group (TCP → TCP or TCP_UDP, TLS → TCP or TLS, UDP → UDP or TCP_UDP) (fact sheet §9)",
                listener.as_str(),
                target_group.as_str()
            ),
            WafNotSupported { web_acl } => write!(
                f,
                "web ACL {web_acl} cannot be associated with a Network Load Balancer: AWS WAF inspects HTTP, which an NLB never reads (fact sheet §6, §9)"
            ),
            Node(m) => f.write_str(m),
            SchemeAddress { subnet } => write!(
                f,
                "the node in {subnet}: an internet-facing NLB's nodes each have a public address, an internal one's none (fact sheet §9)"
            ),
            UnknownSecurityGroup { sg } => write!(f, "unknown security group {sg}"),
            TargetGroupSetting { target_group, what } => {
                write!(f, "target group {target_group}: {what}")
            }
            DuplicateId { id } => write!(f, "id {id} is used twice"),
        }
    }
}

/// Check a region's NLB the way AWS would. Fact sheet §9.
pub(super) fn validate_nlb(r: &Region) -> Result<(), (String, NlbProblem)> {
    let Some(nlb) = &r.nlb else {
        return Ok(());
    };
    let fail = |p: NlbProblem| Err((nlb.id.clone(), p));
    if let Some(acl) = &nlb.web_acl {
        return fail(NlbProblem::WafNotSupported {
            web_acl: acl.clone(),
        });
    }
    if nlb.nodes.is_empty() {
        return fail(NlbProblem::Node(
            "an NLB needs a node in at least one AZ".into(),
        ));
    }
    let mut azs = std::collections::BTreeSet::new();
    for n in &nlb.nodes {
        let Some(s) = r.vpc.subnet(&n.subnet) else {
            return fail(NlbProblem::Node(format!(
                "a node is in unknown subnet {}",
                n.subnet
            )));
        };
        if s.host(n.host).is_none() {
            return fail(NlbProblem::Node(format!(
                "host number {} is outside subnet {} ({})",
                n.host, s.id, s.cidr
            )));
        }
        if !azs.insert(s.az.clone()) {
            return fail(NlbProblem::Node(format!(
                "two nodes in {}: one subnet (one address) per enabled AZ (fact sheet §9)",
                s.az
            )));
        }
        if n.public_ip.is_some() != nlb.scheme.is_internet_facing() {
            return fail(NlbProblem::SchemeAddress {
                subnet: n.subnet.clone(),
            });
        }
    }
    for g in &nlb.security_groups {
        if r.vpc.sg(g).is_none() {
            return fail(NlbProblem::UnknownSecurityGroup { sg: g.clone() });
        }
    }
    let mut ports = std::collections::BTreeSet::new();
    for l in &nlb.listeners {
        if !NLB_PORTS.contains(&l.port) {
            return fail(NlbProblem::PortOutOfRange { port: l.port });
        }
        if !ports.insert(l.port) {
            return fail(NlbProblem::DuplicateListener { port: l.port });
        }
        match (l.protocol, l.certificate_domains.is_empty()) {
            (NlbProtocol::Tls, true) => {
                return fail(NlbProblem::TlsWithoutCertificate { port: l.port })
            }
            (p, false) if p != NlbProtocol::Tls => {
                return fail(NlbProblem::CertificateNotTls {
                    protocol: p,
                    port: l.port,
                })
            }
            _ => {}
        }
        if let Some(s) = l.idle_timeout_s {
            if l.protocol != NlbProtocol::Tcp || !NLB_TCP_IDLE_S.contains(&s) {
                return fail(NlbProblem::IdleTimeout {
                    protocol: l.protocol,
                    seconds: s,
                });
            }
        }
        let Some(tg) = nlb.target_group(&l.target_group) else {
            return fail(NlbProblem::UnknownTargetGroup {
                target_group: l.target_group.clone(),
            });
        };
        if !l.protocol.forwards_to(tg.protocol) {
            return fail(NlbProblem::ProtocolMismatch {
                listener: l.protocol,
                target_group: tg.protocol,
            });
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    for tg in &nlb.target_groups {
        if !ids.insert(tg.id.as_str()) || tg.id == nlb.id {
            return fail(NlbProblem::DuplicateId { id: tg.id.clone() });
        }
        let bad = |what: String| {
            Err((
                nlb.id.clone(),
                NlbProblem::TargetGroupSetting {
                    target_group: tg.id.clone(),
                    what,
                },
            ))
        };
        if !NLB_PORTS.contains(&tg.port) {
            return fail(NlbProblem::PortOutOfRange { port: tg.port });
        }
        if !tg.service.is_empty() && !r.cluster.services.iter().any(|s| s.id == tg.service) {
            return bad(format!("unknown Service {}", tg.service));
        }
        if !HEALTH_INTERVAL_S.contains(&tg.health_interval_s) {
            return bad(format!(
                "health check interval {} s is outside 5-300 s",
                tg.health_interval_s
            ));
        }
        if !HEALTH_TIMEOUT_S.contains(&tg.health_timeout_s) {
            return bad(format!(
                "health check timeout {} s is outside 2-120 s",
                tg.health_timeout_s
            ));
        }
        for t in [tg.healthy_threshold, tg.unhealthy_threshold] {
            if !HEALTH_THRESHOLDS.contains(&t) {
                return bad(format!("health threshold {t} is outside 2-10"));
            }
        }
        if !DEREGISTRATION_DELAY_S.contains(&tg.deregistration_delay_s) {
            return bad(format!(
                "deregistration delay {} s is outside 0-3,600 s",
                tg.deregistration_delay_s
            ));
        }
        if !tg.health_path.starts_with('/') {
            return bad("the health check path must start with /".into());
        }
    }
    Ok(())
}
