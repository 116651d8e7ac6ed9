//! Events at a Network Load Balancer: the connection into a node, the
//! listener it meets, TLS terminated or passed through, the target the
//! node picks (in its own AZ unless cross-zone is on) and the address that
//! target sees. Fact sheet §9, §26.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

use crate::sim::check::{Check, Leg};
use crate::sim::conn::{Closed, Closer};
use crate::sim::net::Flow;
use crate::sim::scenario::NlbProtocol;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NlbEvent {
    /// A TCP connection into a node, from the internet through the
    /// internet gateway: the node's subnet NACL and, when the NLB has
    /// any, its security groups.
    Connect {
        nlb: String,
        flow: Flow,
        subnet: String,
        az: String,
        public_ip: Option<Ipv4Addr>,
        result: NlbConnect,
        /// The connection this browser had open to the NLB before, closed
        /// by an idle timer since its last request. Fact sheet §26.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closed: Option<Closed>,
    },
    /// A request on the browser's open connection after the NLB's idle
    /// timeout ran out but before the browser's own: the NLB no longer
    /// knows the flow and answers with a TCP RST. The request reached no
    /// target; the browser connects again and resends it. Fact sheet §9, §26.
    IdleReset {
        flow: Flow,
        /// How long the connection sat idle since its last request.
        idle_ms: u64,
        /// The listener's idle timeout, seconds.
        idle_timeout_s: u64,
        /// The browser's idle socket timeout, seconds.
        browser_idle_s: u64,
        /// Requests it served before.
        served: u32,
        method: String,
    },
    /// A request on an open connection: the NLB's flow sends it to the
    /// target it picked when the connection opened, with no new pick.
    /// Fact sheet §9, §26.
    KeptTarget {
        target_group: String,
        target: String,
        target_az: String,
    },
    /// No node of the NLB is up: nothing answers the SYNs.
    Unreachable {
        nlb: String,
        attempts: u32,
        timeout_s: u32,
    },
    /// A TLS listener terminates TLS with its certificate (SNI picks it;
    /// the first when none matches). Fact sheet §9.
    TlsTerminated {
        port: u16,
        sni: String,
        certificate: String,
        by_sni: bool,
    },
    /// A TCP listener carries the TLS bytes to the target untouched: the
    /// target holds the certificate, the NLB sees no HTTP. Fact sheet §9.
    TlsPassThrough { port: u16 },
    /// The node picked a target of the listener's group (a flow hash).
    TargetPick {
        target_group: String,
        target: String,
        target_az: String,
        node_az: String,
        cross_zone: bool,
        /// How many targets the node could choose from.
        candidates: u32,
        /// Targets of the node's choice failing their health checks (in
        /// steady state: checks from the node's private address).
        #[serde(default)]
        unhealthy: u32,
        /// Every target failed its checks: the NLB sends to all of them.
        #[serde(default)]
        fail_open: bool,
    },
    /// The node's AZ has no target in service, and cross-zone load
    /// balancing is off: it has nowhere to send the connection.
    NoTargetsInAz {
        target_group: String,
        az: String,
        /// Targets in service in the other AZs.
        elsewhere: u32,
    },
    /// The connection from the node to the target, with the source the
    /// target sees: the client's own address (client IP preservation) or
    /// the node's private address. Fact sheet §9, §11.
    TargetConnect {
        flow: Flow,
        target: String,
        preserved: bool,
        idle_timeout_s: u32,
        end: TargetEnd,
    },
    /// The target answered the SYN with a reset: nothing listens there.
    TargetReset { target: String },
    /// The response bytes back to the client, relayed unchanged.
    Response {
        status: Option<u16>,
        to: IpAddr,
        port: u16,
    },
}

/// How a connection into a node ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum NlbConnect {
    /// A listener of this protocol and port took it.
    Accepted { listener: NlbProtocol },
    /// Dropped by a NACL or the NLB's security groups.
    Dropped {
        leg: Leg,
        by: String,
        decided_by: String,
        attempts: u32,
        timeout_s: u32,
    },
    /// No listener on this port for this protocol: the node resets it.
    NoListener {
        protocol: NlbProtocol,
        port: u16,
        listeners: Vec<(NlbProtocol, u16)>,
    },
}

/// How the node's connection to its target ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum TargetEnd {
    Established,
    Dropped {
        by: Check,
    },
    /// Every filter allows it but the target's machine is down.
    Unanswered,
}

impl NlbEvent {
    pub fn what(&self) -> String {
        match self {
            NlbEvent::Connect {
                nlb, flow, result, ..
            } => match result {
                NlbConnect::Accepted { listener } => {
                    format!("TCP {flow} into {nlb}: {} listener", listener.as_str())
                }
                NlbConnect::Dropped { .. } => format!("TCP SYN {flow} into {nlb}"),
                NlbConnect::NoListener { port, .. } => {
                    format!("TCP {flow} into {nlb}: no listener on {port}")
                }
            },
            NlbEvent::Unreachable { nlb, .. } => format!("no node of {nlb} answers"),
            NlbEvent::IdleReset { flow, .. } => {
                format!("request on the open connection {flow}: TCP RST from the NLB")
            }
            NlbEvent::KeptTarget { target, .. } => {
                format!("the open connection's flow goes to {target}")
            }
            NlbEvent::TlsTerminated {
                port, certificate, ..
            } => format!("TLS terminated at the TLS listener on {port} ({certificate})"),
            NlbEvent::TlsPassThrough { port } => {
                format!("TLS passed through the TCP listener on {port}")
            }
            NlbEvent::TargetPick {
                target, target_az, ..
            } => format!("target {target} in {target_az}"),
            NlbEvent::NoTargetsInAz { az, .. } => format!("no target in {az}"),
            NlbEvent::TargetConnect { flow, target, .. } => {
                format!("TCP {flow} to {target}")
            }
            NlbEvent::TargetReset { target } => format!("{target} resets the connection"),
            NlbEvent::Response { status, to, port } => match status {
                Some(s) => format!("HTTP {s} relayed to {to}:{port}"),
                None => format!("connection to {to}:{port} closed without an answer"),
            },
        }
    }

    pub fn why(&self) -> String {
        match self {
            NlbEvent::Connect { result, az, public_ip, closed, .. } => match result {
                NlbConnect::Accepted { .. } => format!(
                    "{}the node in {az}{} takes the connection; an NLB works at layer 4 and reads no HTTP (fact sheet §9)",
                    closed.as_ref().map(closed_text).unwrap_or_default(),
                    public_ip.map(|ip| format!(" ({ip})")).unwrap_or_default()
                ),
                NlbConnect::Dropped {
                    leg,
                    by,
                    decided_by,
                    attempts,
                    timeout_s,
                } => format!(
                    "the {} is dropped silently by {by}: {decided_by}; the sender retries {attempts} x {timeout_s} s",
                    match leg {
                        Leg::Forward => "SYN",
                        Leg::Return => "SYN-ACK",
                    }
                ),
                NlbConnect::NoListener {
                    protocol,
                    port,
                    listeners,
                } => {
                    let l: Vec<String> = listeners
                        .iter()
                        .map(|(p, n)| format!("{} {n}", p.as_str()))
                        .collect();
                    format!(
                        "no {} listener on port {port} (listeners: {}): the node refuses the connection (Reachability Analyzer: ELBV2_LISTENERS_MISMATCH)",
                        protocol.as_str(),
                        if l.is_empty() { "none".into() } else { l.join(", ") }
                    )
                }
            },
            NlbEvent::Unreachable {
                attempts,
                timeout_s,
                ..
            } => format!(
                "every node's AZ is down: the SYNs go unanswered ({attempts} x {timeout_s} s)"
            ),
            NlbEvent::IdleReset {
                idle_ms,
                idle_timeout_s,
                browser_idle_s,
                served,
                method,
                ..
            } => format!(
                "the connection served {served} request(s) and sat idle {}: past the NLB's {idle_timeout_s} s idle timeout, so the NLB forgot the flow, but within the browser's {browser_idle_s} s idle socket timeout, so the browser still sent on it. Data after the NLB's idle timeout gets a TCP RST. The {method} reached no target, so the browser opens a new connection and sends it again (a GET is retried): one round trip lost, and a new handshake. Keep the NLB's idle timeout above the client's, or send TCP keepalives (fact sheet §9, §26)",
                super::cdn::idle_text(*idle_ms)
            ),
            NlbEvent::KeptTarget { target_az, .. } => format!(
                "the NLB keeps each open connection on the target it picked when the connection opened (in {target_az}): no new flow hash, no handshake to the target (fact sheet §9, §26)"
            ),
            NlbEvent::TlsTerminated { sni, by_sni, .. } => {
                if *by_sni {
                    format!("SNI {sni} picks the certificate; the target gets the decrypted bytes")
                } else {
                    format!("no certificate covers {sni}: the listener offers its first one")
                }
            }
            NlbEvent::TlsPassThrough { .. } => "the target terminates TLS with its own certificate: the NLB sees no HTTP, so no X-Forwarded-For, no path rules and no web ACL (fact sheet §9)".into(),
            NlbEvent::TargetPick {
                cross_zone,
                node_az,
                candidates,
                unhealthy,
                fail_open,
                ..
            } => {
                let health = if *fail_open {
                    format!("every one of its {unhealthy} targets fails its health checks (they come from the node's private address, whatever client IP preservation says), so the NLB fails open and sends to all; ")
                } else if *unhealthy > 0 {
                    format!("{unhealthy} unhealthy targets are left out; ")
                } else {
                    String::new()
                };
                let pick = if *cross_zone {
                    format!("cross-zone load balancing is on: a flow hash picks among {candidates} targets in every AZ")
                } else {
                    format!("cross-zone load balancing is off (an NLB's default): the node in {node_az} sends only to its own AZ's {candidates} targets (fact sheet §9)")
                };
                format!("{health}{pick}")
            }
            NlbEvent::NoTargetsInAz { az, elsewhere, .. } => format!(
                "cross-zone load balancing is off and {az} has no target in service; {elsewhere} in other AZs cannot be used from this node (Reachability Analyzer: ELBV2_NO_TARGETS_IN_AZ, ELB_NOT_CROSSZONE)"
            ),
            NlbEvent::TargetConnect {
                flow,
                preserved,
                end,
                idle_timeout_s,
                ..
            } => {
                let src = if *preserved {
                    format!("client IP preservation is on: the target sees the client's own {}, so its security group must allow the client's address, not the NLB's", flow.src)
                } else {
                    format!("client IP preservation is off: the target sees the node's private {}", flow.src)
                };
                match end {
                    TargetEnd::Established => {
                        format!("{src}; idle connections close after {idle_timeout_s} s")
                    }
                    TargetEnd::Dropped { by } => format!(
                        "{src}; the SYN is dropped by {} {}: {}",
                        by.kind.noun(),
                        by.subject,
                        by.decided_by
                    ),
                    TargetEnd::Unanswered => {
                        format!("{src}; nothing answers: the target is down with its machine or AZ")
                    }
                }
            }
            NlbEvent::TargetReset { .. } => "nothing listens on the target's port: the reset reaches the client as it is (an NLB makes no error page)".into(),
            NlbEvent::Response { .. } => "the NLB relays the target's bytes as they are (fact sheet §9)".into(),
        }
    }
}

/// Why the browser's last connection to the NLB is gone, for the hop that
/// opens a new one. Fact sheet §26.
fn closed_text(c: &Closed) -> String {
    let idle = super::cdn::idle_text(c.idle_ms);
    match c.by {
        Closer::Client => format!(
            "the previous connection sat idle {idle} and the browser closed it (its {} s idle socket timeout, before the NLB's); ",
            c.timeout_s
        ),
        Closer::Server => format!(
            "the previous connection sat idle {idle}: the NLB forgot its flow after its {} s idle timeout and the browser has closed its socket since; ",
            c.timeout_s
        ),
    }
}
