//! A dual-stack browser: Happy Eyeballs v2 (RFC 8305). Fact sheet §23.
//!
//! A client's `ipv6` is `off` (IPv4 only: it asks for A alone, as every
//! browser in Hoplab did before), `on` (dual stack: it asks for AAAA and A
//! back to back and connects over IPv6 when the AAAA answer holds an
//! address) or `broken` (it has an IPv6 address, so it asks for AAAA and
//! tries IPv6 first, but its IPv6 does not work). When the IPv6 attempt
//! fails or goes unanswered, the IPv4 attempt starts after the connection
//! attempt delay, 250 ms, and connects: an IPv6 problem only costs time,
//! which is why it hides so well.
//!
//! Over IPv6 a browser reaches a CloudFront edge with IPv6 on (no VPC on
//! the way) or a dual-stack load balancer, whose public subnet's network
//! ACL and security group then judge the IPv6 packet by their IPv6 rules
//! alone (`net::family`).
//!
//! Simplified: the browser takes both answers before it chooses (RFC
//! 8305 starts on an AAAA answer at once and waits at most 50 ms for one
//! after an A answer); both come from the same resolver over the same
//! path, so they arrive close together here.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::sim::dns::dualstack::{alb_node_ipv6, edge_ipv6};
use crate::sim::dns::QType;
use crate::sim::event::browser::{BrowserEvent, FamilyReason, Ipv6Failure};
use crate::sim::net::Family;
use crate::sim::request::{Prepared, Resp};
use crate::sim::scenario::{Client, IpAddressType};
use crate::sim::trace::{Code, Event, Layer, Recorder, Step, Verdict};
use crate::sim::world::World;

/// RFC 8305's Connection Attempt Delay without RTT history: the next
/// attempt (here: IPv4) starts this long after the IPv6 one. Fact sheet §23.
pub const CONNECTION_ATTEMPT_DELAY_MS: u32 = 250;

/// A browser's IPv6. Fact sheet §23.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientIpv6 {
    /// IPv4 only: asks for A alone.
    #[default]
    Off,
    /// Dual stack: asks for AAAA and A, prefers IPv6 (Happy Eyeballs).
    On,
    /// Has an IPv6 address, so it tries IPv6 first, but IPv6 does not
    /// work: it falls back to IPv4 after the connection attempt delay.
    Broken,
}

impl ClientIpv6 {
    pub fn is_off(&self) -> bool {
        *self == ClientIpv6::Off
    }

    /// `off`, `on` or `broken`, in any case.
    pub fn parse(s: &str) -> Option<ClientIpv6> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(ClientIpv6::Off),
            "on" => Some(ClientIpv6::On),
            "broken" => Some(ClientIpv6::Broken),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClientIpv6::Off => "off",
            ClientIpv6::On => "on",
            ClientIpv6::Broken => "broken",
        }
    }
}

/// A client's IPv6 address: from the documentation range 2001:db8::/32,
/// with its IPv4 address in the last 32 bits, so a scenario needs no second
/// address list.
pub fn client_ipv6(c: &Client) -> Ipv6Addr {
    let o = c.ip.octets();
    Ipv6Addr::new(
        0x2001,
        0x0db8,
        0,
        0,
        0,
        0,
        u16::from_be_bytes([o[0], o[1]]),
        u16::from_be_bytes([o[2], o[3]]),
    )
}

/// The inspector's line for a browser's IPv6.
pub fn describe(c: &Client) -> String {
    match c.ipv6 {
        ClientIpv6::Off => "off: asks for A only and connects over IPv4".into(),
        ClientIpv6::On => format!(
            "on ({}): asks for AAAA and A, connects over IPv6 first (Happy Eyeballs), IPv4 {CONNECTION_ATTEMPT_DELAY_MS} ms later if IPv6 fails",
            client_ipv6(c)
        ),
        ClientIpv6::Broken => format!(
            "broken ({} but no working IPv6): tries IPv6 first, falls back to IPv4 after {CONNECTION_ATTEMPT_DELAY_MS} ms",
            client_ipv6(c)
        ),
    }
}

/// Where a dual-stack browser's walk goes on.
pub(crate) enum Eyeballs {
    /// Connect over IPv4 to this address, as an IPv4-only browser would.
    Ipv4(Ipv4Addr),
    /// The request is over: answered over IPv6, or failed.
    Done(Resp),
}

fn browser_step(c: &Client, ev: BrowserEvent, verdict: Verdict, code: Code) -> Step {
    Step::new(
        (&c.id, &c.id),
        Layer::Tcp,
        "-",
        Event::Browser(ev),
        verdict,
        code,
    )
}

impl World {
    /// A dual-stack browser's lookups and its choice of IP version: AAAA
    /// and A asked back to back (both lookups run at once, their hops
    /// merged in time order; the walk goes on from the later answer), IPv6
    /// first when the AAAA
    /// answer has an address, IPv4 after the connection attempt delay when
    /// IPv6 fails. Fact sheet §1, §23.
    pub(crate) fn happy_eyeballs(&mut self, p: &Prepared, tb: &mut Recorder) -> Eyeballs {
        let sc = std::sync::Arc::clone(&self.scenario);
        let c = &sc.clients[p.client];
        let ctx = &p.ctx;
        let mut beside = tb.beside();
        let (entry, _) = self.resolve_typed_for_client(c, (&ctx.host, QType::AAAA), tb);
        let v6s: Vec<Ipv6Addr> = entry.data.iter().filter_map(|v| v.parse().ok()).collect();
        let v4s = self.resolve_for_client(c, &ctx.host, &mut beside);
        tb.join(beside);
        let v4 = |w: &mut World| match &v4s {
            Ok(ips) => Some(ips[w.rng.index(ips.len())]),
            Err(_) => None,
        };
        let a = v4s.as_ref().map(|v| v.len() as u32).unwrap_or(0);
        let aaaa = v6s.len() as u32;
        if v6s.is_empty() {
            return match &v4s {
                Ok(_) => {
                    let ip = v4(self).expect("an A answer");
                    tb.hop(|| {
                        let ev = BrowserEvent::Family {
                            chosen: Family::Ipv4,
                            reason: FamilyReason::NoAaaa,
                            to: ip.into(),
                            aaaa,
                            a,
                        };
                        browser_step(c, ev, Verdict::Pass, Code::HappyEyeballs)
                    });
                    Eyeballs::Ipv4(ip)
                }
                Err(r) => Eyeballs::Done(r.clone()),
            };
        }
        let to = v6s[self.rng.index(v6s.len())];
        tb.hop(|| {
            let ev = BrowserEvent::Family {
                chosen: Family::Ipv6,
                reason: FamilyReason::PreferIpv6,
                to: IpAddr::V6(to),
                aaaa,
                a,
            };
            browser_step(c, ev, Verdict::Pass, Code::HappyEyeballs)
        });
        let port = ctx.port.unwrap_or(if ctx.plain_http { 80 } else { 443 });
        let race = v4s.is_ok();
        let cause = match self.connect_v6(p, to, race, tb) {
            Ok(resp) => return Eyeballs::Done(resp),
            Err(cause) => cause,
        };
        let fallback = v4(self);
        let delay_ms = CONNECTION_ATTEMPT_DELAY_MS;
        let ev = BrowserEvent::Ipv6Failed {
            to,
            port,
            cause,
            fallback,
            delay_ms,
        };
        match fallback {
            Some(ip) => {
                tb.hop(|| browser_step(c, ev, Verdict::Pass, Code::Ipv6Fallback));
                tb.wait(delay_ms as u64 * 1000);
                Eyeballs::Ipv4(ip)
            }
            None => {
                let why = ev.why();
                tb.hop(|| browser_step(c, ev, Verdict::Timeout, Code::ConnectionTimeout));
                tb.wait(crate::sim::browser::BROWSER_CONNECT_TIMEOUT_S * 1_000_000);
                Eyeballs::Done(Resp::err(None, &c.id, Code::ConnectionTimeout, why))
            }
        }
    }

    /// The IPv6 attempt: to a CloudFront edge with IPv6 on, or to a
    /// dual-stack load balancer's node through its public subnet's filters.
    /// The answer, or why the attempt did not connect.
    fn connect_v6(
        &mut self,
        p: &Prepared,
        to: Ipv6Addr,
        race: bool,
        tb: &mut Recorder,
    ) -> Result<Resp, Ipv6Failure> {
        let sc = std::sync::Arc::clone(&self.scenario);
        let c = &sc.clients[p.client];
        let ctx = &p.ctx;
        if c.ipv6 == ClientIpv6::Broken {
            return Err(Ipv6Failure::Broken);
        }
        let standard_port = ctx.port.is_none_or(|p| matches!(p, 80 | 443));
        if sc.cdn.ipv6_enabled {
            if let Some(pop) = sc.cdn.pops.iter().find(|p| edge_ipv6(p) == to) {
                // CloudFront takes viewers on 80 and 443 only.
                if !standard_port {
                    return Err(Ipv6Failure::Unanswered);
                }
                return Ok(self.cloudfront_request(c, pop, !ctx.plain_http, ctx, tb));
            }
        }
        let node = sc.regions.iter().enumerate().find_map(|(ri, r)| {
            let n = r.alb.nodes.iter().find(|n| {
                r.alb.ip_address_type == IpAddressType::Dualstack
                    && alb_node_ipv6(n.public_ip) == to
            })?;
            Some((ri, n.public_ip))
        });
        let Some((ri, node_ip)) = node else {
            return Err(Ipv6Failure::Unanswered);
        };
        let browser = self.browser_alb_client(c, ri, Some(node_ip), Some((client_ipv6(c), race)));
        let resp = self.alb_request_ctx(ri, browser, ctx, tb);
        if resp.code == Code::Ipv6Fallback && resp.status.is_none() {
            return Err(Ipv6Failure::Dropped {
                by: resp.decided_by,
            });
        }
        Ok(resp)
    }
}
