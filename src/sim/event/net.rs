//! Events of packets in and out of a VPC: handshakes, NAT gateway, internet gateway.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use crate::sim::check::{Check, Leg};
use crate::sim::net::{Flow, RouteTarget};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetEvent {
    /// A TCP three-way handshake between two interfaces in one VPC: the
    /// SYN through the sender's security groups, NACL and route table and
    /// the receiver's NACL and security groups, the SYN-ACK back through
    /// both NACLs (fact sheet §11, §12, §17).
    Handshake { flow: Flow, end: HandshakeEnd },
    /// A pod's SYN to a service on the internet that never got out.
    EgressDropped {
        flow: Flow,
        /// The service's name and host, from the scenario.
        service: String,
        host: String,
        reason: EgressDrop,
    },
    /// A pod's connection to the internet, out through its NAT gateway:
    /// every filter on the way allowed it, and the replies back.
    EgressHandshake {
        flow: Flow,
        host: String,
        nat: String,
        /// The NAT gateway's Availability Zone.
        az: String,
    },
    /// The NAT gateway rewrites the source address and port to its own
    /// (fact sheet §10 "NAT gateway").
    NatRewrite {
        src: std::net::IpAddr,
        src_port: u16,
    },
    /// The internet gateway carries the NAT's Elastic IP to the internet,
    /// where the request goes to the external API.
    InternetGateway {
        method: String,
        path: String,
        host: String,
    },
    /// The external API's answer, back through the internet gateway and
    /// the NAT gateway.
    ApiAnswer { status: u16, nat: String },
    /// A request on a connection the sender already had open: no
    /// handshake. The network ACLs still check every packet; the security
    /// groups' connection tracking lets a tracked flow on without reading
    /// their rules again. Fact sheet §24, §26.
    Reuse {
        flow: Flow,
        /// How long it sat idle since its last request.
        idle_ms: u64,
        /// Requests it served before this one.
        served: u32,
        end: ReuseEnd,
    },
}

/// What became of a request sent on an open connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReuseEnd {
    /// Delivered: no handshake, the NACLs allow it both ways.
    Carried,
    /// A network ACL now drops the packets (a rule removed since the
    /// connection opened): security groups would have kept it alive.
    Dropped { by: Check },
    /// The receiver had closed it after its keep-alive timeout, before the
    /// sender's idle timeout ran out: the documented race behind a 502.
    ClosedByPeer {
        keep_alive_s: u64,
        idle_timeout_s: u64,
    },
}

/// How a handshake inside a VPC ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HandshakeEnd {
    /// Allowed out, routed, allowed in, and the SYN-ACK back.
    Established,
    /// A table dropped the SYN (forward leg) or the SYN-ACK (return leg):
    /// the deciding check, with its side, leg and rule.
    Dropped { by: Check },
    /// Every filter allows it, but nothing answers: the host, its AZ or
    /// its region is down.
    Unanswered { host: String },
}

/// Why a pod's connection to the internet never left the VPC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EgressDrop {
    /// The pod's security group or its subnet's NACL denied it on the way out.
    Outbound { by: Box<Check> },
    /// The pod's route table sends the address somewhere other than a NAT
    /// gateway: a pod has no public address.
    NotToNat {
        route_table: String,
        dst: Ipv4Addr,
        target: RouteTarget,
    },
    /// The pod's route table has no route to the address.
    NoRoute { route_table: String, dst: Ipv4Addr },
    /// The NAT gateway's AZ is down: a NAT gateway is zonal.
    NatZoneDown { nat: String, az: String },
    /// A NACL or route table at the NAT gateway's subnet denied it, going
    /// out or coming back.
    AtNat { by: Box<Check> },
}

impl EgressDrop {
    /// The sentence that says why (also the application's summary).
    pub fn why(&self) -> String {
        match self {
            EgressDrop::Outbound { by } => {
                format!("dropped on the way out by {}: {}", by.subject, by.decided_by)
            }
            EgressDrop::NotToNat {
                route_table,
                dst,
                target,
            } => format!(
                "route table {route_table} sends {dst} to {target}: a pod has no public address, so without a NAT gateway nothing leaves the VPC"
            ),
            EgressDrop::NoRoute { route_table, dst } => {
                format!("route table {route_table} has no route to {dst}")
            }
            EgressDrop::NatZoneDown { nat, az } => format!(
                "{nat} lives in {az} and that AZ is down: a NAT gateway is zonal, so this subnet has lost the internet (best practice: one per AZ)"
            ),
            EgressDrop::AtNat { by } => format!("dropped by {}: {}", by.subject, by.decided_by),
        }
    }
}

/// The reason phrase of a status the external API answers with.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => "",
    }
}

impl NetEvent {
    pub fn what(&self) -> String {
        match self {
            NetEvent::Handshake { flow, .. } => format!("TCP handshake {flow}"),
            NetEvent::EgressDropped {
                flow,
                service,
                host,
                ..
            } => format!("TCP SYN {flow} to {service} ({host})"),
            NetEvent::EgressHandshake {
                flow, host, nat, ..
            } => format!("TCP handshake {flow} to {host} via {nat}"),
            NetEvent::NatRewrite { src, src_port } => {
                format!("source rewritten to {src}:{src_port} (then to the NAT's Elastic IP)")
            }
            NetEvent::InternetGateway { method, path, host } => {
                format!("HTTPS {method} {path} to {host}")
            }
            NetEvent::ApiAnswer { status, .. } => {
                format!("HTTP {status} {}", reason_phrase(*status))
            }
            NetEvent::Reuse { flow, end, .. } => match end {
                ReuseEnd::ClosedByPeer { .. } => {
                    format!("request on the open connection {flow}: the target already closed it")
                }
                _ => format!("request on the open connection {flow} (no handshake)"),
            },
        }
    }

    pub fn why(&self) -> String {
        match self {
            NetEvent::Handshake { end, .. } => match end {
                HandshakeEnd::Dropped { by } => {
                    let leg = match by.leg {
                        Leg::Forward => "SYN",
                        Leg::Return => "SYN-ACK (return path, ephemeral port)",
                    };
                    format!(
                        "the {leg} is dropped silently by {} {}: {}",
                        by.kind.noun(),
                        by.subject,
                        by.decided_by
                    )
                }
                HandshakeEnd::Unanswered { host } => format!(
                    "every filter allows it, but nothing answers: {host} is down with its AZ or region"
                ),
                HandshakeEnd::Established => "allowed out, routed, allowed in; the SYN-ACK returns through both network ACLs on the ephemeral port (security groups track the connection)".into(),
            },
            NetEvent::EgressDropped { reason, .. } => reason.why(),
            NetEvent::EgressHandshake { nat, az, .. } => format!(
                "the private route table's default route leads to {nat} in {az}; the pod's security group and both network ACLs allow it out, and the replies back on ephemeral ports"
            ),
            NetEvent::NatRewrite { .. } => "a NAT gateway only lets connections out; nothing on the internet can open one to the pods (fact sheet §10)".into(),
            NetEvent::InternetGateway { .. } => {
                "the internet gateway carries the NAT's Elastic IP to the internet".into()
            }
            NetEvent::ApiAnswer { nat, .. } => format!(
                "the reply returns through the internet gateway and {nat} to the pod"
            ),
            NetEvent::Reuse {
                idle_ms,
                served,
                end,
                ..
            } => {
                let idle = super::cdn::idle_text(*idle_ms);
                match end {
                    ReuseEnd::Carried => format!(
                        "the connection served {served} request(s) and sat idle {idle}, within both sides' timeouts, so it is reused: no handshake; the network ACLs allow the packets both ways, and the security groups track the connection (fact sheet §24, §26)"
                    ),
                    ReuseEnd::Dropped { by } => format!(
                        "a network ACL checks every packet, even on an open connection: {} {} drops it ({}). A security group rule removed would not have cut it: security groups track the connection (fact sheet §24)",
                        by.kind.noun(),
                        by.subject,
                        by.decided_by
                    ),
                    ReuseEnd::ClosedByPeer {
                        keep_alive_s,
                        idle_timeout_s,
                    } => format!(
                        "the connection sat idle {idle}: past the application's {keep_alive_s} s keep-alive, so the target closed it, but within the ALB's {idle_timeout_s} s idle timeout, so the ALB still sent on it. AWS: the target's keep-alive must exceed the ALB's idle timeout (fact sheet §8, §26)"
                    ),
                }
            }
        }
    }
}
