//! AWS Shield: floods and what each tier does with them. Fact sheet §7.
//!
//! - A layer 3/4 flood (SYN flood, UDP reflection) is absorbed by Shield
//!   Standard, and Advanced, at the resource it is aimed at (CloudFront's
//!   edge, an ALB): its packets reach nothing behind it, and the world
//!   (WAF counters, the ALB, the targets) does not change.
//! - An HTTP flood is well-formed requests: Shield Standard does not
//!   analyse HTTP, so they go on to WAF, where a rate-based rule can stop
//!   them. Shield Advanced with automatic application-layer mitigation
//!   blocks them in the resource's web ACL (403).
//!
//! A burst with a `flood` sums these up in [`ShieldReport`]; a request
//! with one shows Shield's decision as `WafEvent::Shield`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::alb::StepEnds;
use super::burst::{check_burst, BurstReport, Tally};
use super::event::WafEvent;
use super::scenario::{ShieldProtection, ShieldTier};
use super::trace::{Code, Event, Layer, Outcome, Recorder, Step, Trace, Verdict};
use super::world::{Request, Resp, World};

/// A kind of flood a burst can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flood {
    /// TCP SYNs that never complete the handshake (layer 4).
    SynFlood,
    /// UDP answers from reflectors (DNS, NTP, ...) aimed at the resource (layer 3/4).
    UdpReflection,
    /// Well-formed HTTP requests in great number (layer 7).
    HttpFlood,
}

impl Flood {
    /// A layer 3/4 flood, which Shield Standard absorbs.
    pub fn is_network(self) -> bool {
        !matches!(self, Flood::HttpFlood)
    }

    pub fn label(self) -> &'static str {
        match self {
            Flood::SynFlood => "SYN flood",
            Flood::UdpReflection => "UDP reflection",
            Flood::HttpFlood => "HTTP flood",
        }
    }

    fn proto(self) -> &'static str {
        match self {
            Flood::SynFlood => "TCP/443 SYN",
            Flood::UdpReflection => "UDP",
            Flood::HttpFlood => "TCP/443",
        }
    }
}

/// What Shield did with flood traffic at one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShieldDecision {
    /// Layer 3/4 flood traffic absorbed: nothing behind the resource sees it.
    Absorbed,
    /// HTTP is not analysed (Shield Standard, or Advanced without automatic
    /// application-layer mitigation): the request goes on to WAF.
    PassedToWaf,
    /// Shield Advanced's automatic application-layer mitigation blocked the
    /// request in the web ACL: 403.
    Mitigated,
}

/// What Shield did in a burst that was a flood (additive to [`BurstReport`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShieldReport {
    pub flood: Option<Flood>,
    /// Requests or packets Shield stopped (absorbed or mitigated).
    pub absorbed: usize,
    /// Where: the protected resource's id (`cloudfront`, `alb-a`) and how many.
    pub absorbed_at: BTreeMap<String, usize>,
    /// Requests Shield let through to WAF (it does not analyse HTTP).
    pub passed: usize,
}

impl ShieldReport {
    pub(crate) fn count(&mut self, o: &Outcome) {
        if o.code == Code::ShieldMitigation {
            self.absorbed += 1;
            match self.absorbed_at.get_mut(&o.decided_by) {
                Some(n) => *n += 1,
                None => {
                    self.absorbed_at.insert(o.decided_by.clone(), 1);
                }
            }
        } else {
            self.passed += 1;
        }
    }

    pub fn render_text(&self) -> String {
        let at = self
            .absorbed_at
            .iter()
            .map(|(k, v)| format!("{k} x{v}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "  shield:     {} — {} stopped ({}), {} passed to WAF\n",
            self.flood.map_or("no flood", Flood::label),
            self.absorbed,
            if at.is_empty() { "nowhere".into() } else { at },
            self.passed
        )
    }
}

/// Shield's decision on one HTTP request of a flood at a resource: a hop,
/// and the 403 when Advanced's automatic mitigation blocks it.
pub(crate) fn on_http(
    tb: &mut Recorder,
    (from, resource): (&str, &str),
    p: ShieldProtection,
) -> Option<Resp> {
    let mitigated = p.mitigates_http_floods();
    tb.hop(|| {
        let step = Step::new(
            (from, resource),
            Layer::Decision,
            "TCP/443",
            Event::Waf(WafEvent::Shield {
                resource: resource.to_string(),
                tier: p.tier,
                flood: Flood::HttpFlood,
                decision: if mitigated {
                    ShieldDecision::Mitigated
                } else {
                    ShieldDecision::PassedToWaf
                },
            }),
            Verdict::Pass,
            Code::Delivered,
        );
        if mitigated {
            step.verdict(Verdict::Error, Code::ShieldMitigation)
        } else {
            step
        }
    });
    mitigated.then(|| {
        Resp::err(
            Some(403),
            resource,
            Code::ShieldMitigation,
            format!(
                "blocked by Shield Advanced's automatic application-layer mitigation at {resource}"
            ),
        )
    })
}

impl World {
    /// The resource at `ip` that Shield protects, with its protection.
    fn shield_at(&self, ip: std::net::Ipv4Addr) -> Option<(String, ShieldProtection)> {
        let s = self.scenario();
        if s.cdn.pops.iter().any(|p| p.ip == ip) {
            return Some((s.cdn.id.clone(), s.cdn.shield));
        }
        s.regions
            .iter()
            .find(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
            .map(|r| (r.alb.id.clone(), r.alb.shield))
    }

    /// Where `req`'s flood packets go: the address its host resolves to
    /// for the sending client, or the refusal before any packet leaves.
    fn flood_target(
        &mut self,
        req: &Request,
        tb: &mut Recorder,
    ) -> Result<std::net::Ipv4Addr, Resp> {
        let p = self.prepare(req, tb)?;
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client];
        if let Ok(ip) = p.ctx.host.parse() {
            return Ok(ip);
        }
        let ips = self.resolve_for_client(client, &p.ctx.host, tb)?;
        Ok(ips[self.rng.index(ips.len())])
    }

    /// One packet of a layer 3/4 flood: where Shield absorbs it (a hop),
    /// or nothing Shield protects answers.
    fn network_flood_packet(&mut self, req: &Request, flood: Flood, tb: &mut Recorder) -> Resp {
        let ip = match self.flood_target(req, tb) {
            Ok(ip) => ip,
            Err(r) => return r,
        };
        let Some((at, p)) = self.shield_at(ip) else {
            return Resp::err(
                None,
                &req.client,
                Code::ConnectionTimeout,
                format!("nothing Shield protects answers at {ip}"),
            );
        };
        tb.hop(|| {
            Step::new(
                (&req.client, &at),
                Layer::Decision,
                flood.proto(),
                Event::Waf(WafEvent::Shield {
                    resource: at.clone(),
                    tier: p.tier,
                    flood,
                    decision: ShieldDecision::Absorbed,
                }),
                Verdict::Dropped,
                Code::ShieldMitigation,
            )
        });
        let tier = match p.tier {
            ShieldTier::Standard => "Standard",
            ShieldTier::Advanced => "Advanced",
        };
        Resp::err(
            None,
            &at,
            Code::ShieldMitigation,
            format!("{} absorbed by Shield {tier} at {at}", flood.label()),
        )
    }

    /// Send one request of a flood and trace it: a layer 3/4 packet ends
    /// where Shield absorbs it; an HTTP flood's request is the ordinary
    /// walk with Shield's decision shown at CloudFront and the ALB.
    pub fn send_flood(&mut self, req: &Request, flood: Flood) -> Trace {
        let mut rec = Recorder::full();
        let resp = if flood.is_network() {
            self.network_flood_packet(req, flood, &mut rec)
        } else {
            match self.prepare(req, &mut rec) {
                Ok(mut p) => {
                    p.ctx.http_flood = true;
                    self.walk_prepared(&p, &mut rec)
                }
                Err(r) => r,
            }
        };
        let total = rec.t_us;
        Trace {
            client: req.client.clone(),
            method: req.method.clone(),
            url: req.url.clone(),
            sent_at_ms: self.now_ms(),
            hops: rec.hops,
            outcome: Resp::outcome(resp, total),
        }
    }

    /// A burst that may be a flood: none is [`World::burst_get`]; an HTTP
    /// flood is the same GETs with Shield's decisions counted; a layer 3/4
    /// flood sends `count` packets, round-robin over `clients`, each to
    /// the address the URL's host resolves to for its client (resolved
    /// once per client), and changes nothing past Shield.
    pub fn burst_flood(
        &mut self,
        count: usize,
        clients: &[String],
        url: &str,
        flood: Option<Flood>,
    ) -> Result<BurstReport, String> {
        let Some(flood) = flood else {
            return self.burst_get(count, clients, url);
        };
        if !flood.is_network() {
            return self.burst_get_flagged(count, clients, url, true);
        }
        check_burst(self, count, clients)?;
        let per_client: Vec<Outcome> = clients
            .iter()
            .map(|c| {
                let req = Request::get(c, url).no_store();
                let mut tb = Recorder::off();
                let resp = self.network_flood_packet(&req, flood, &mut tb);
                let mut o = Resp::outcome(resp, 0);
                o.total_us = 0;
                o
            })
            .collect();
        let mut tally = Tally::with_capacity(count).with_shield(flood);
        for i in 0..count {
            tally.add(&per_client[i % per_client.len()]);
        }
        Ok(tally.finish())
    }
}
