//! CloudFront's side towards its origins: origin groups with failover, S3
//! buckets, and custom origins (an ALB found through DNS). Fact sheet §5.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::{cf_pattern_match, Edge};
use crate::sim::event::CdnEvent;
use crate::sim::lb::HttpCtx;
use crate::sim::net::EphemeralRange;
use crate::sim::scenario::{Origin, OriginGroup, OriginKind};
use crate::sim::trace::{Code, Event, Layer, Recorder, Step, Verdict};
use crate::sim::world::{Fault, Resp, World};

/// Statuses an origin group may fail over on.
pub const FAILOVER_CODES: [u16; 8] = [400, 403, 404, 416, 500, 502, 503, 504];

/// What an origin (or origin group) answered.
pub(crate) struct OriginAnswer {
    pub resp: Resp,
    pub cache_control: Option<String>,
}

impl OriginAnswer {
    /// An answer without a Cache-Control (errors, CloudFront's own).
    fn bare(resp: Resp) -> Self {
        OriginAnswer {
            resp,
            cache_control: None,
        }
    }
}

/// Whether an origin group's primary failed in a way that fails over: no
/// answer at all (connection failure, timeout), a listed status, or
/// CloudFront's own 504.
fn fails_over(g: &OriginGroup, first: &Resp, cf_id: &str) -> bool {
    match first.status {
        None => true,
        Some(s) => g.failover_codes.contains(&s) || (s == 504 && first.decided_by == cf_id),
    }
}

impl World {
    /// Fetch from an origin or an origin group (primary, then secondary on
    /// the listed codes, a connection failure or a timeout; GET/HEAD/OPTIONS only).
    pub(super) fn origin_fetch(
        &mut self,
        edge: &Edge,
        target: &str,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> OriginAnswer {
        let cf = edge.cf;
        let Some(g) = cf.origin_groups.iter().find(|g| g.id == target) else {
            return self.single_origin(edge, target, ctx, tb);
        };
        let first = self.single_origin(edge, &g.primary, ctx, tb);
        if !fails_over(g, &first.resp, &cf.id) {
            return first;
        }
        if matches!(&*ctx.method, "GET" | "HEAD" | "OPTIONS") {
            let primary_status = first.resp.status;
            let event = || CdnEvent::OriginGroupFailover {
                group: g.id.clone(),
                primary: g.primary.clone(),
                secondary: g.secondary.clone(),
                primary_status,
            };
            edge.note(tb, (Layer::Decision, event), Verdict::Pass, Code::Delivered);
            return self.single_origin(edge, &g.secondary, ctx, tb);
        }
        let event = || CdnEvent::OriginGroupNoFailover {
            group: g.id.clone(),
            method: ctx.method.to_string(),
        };
        edge.note(
            tb,
            (Layer::Decision, event),
            Verdict::Error,
            Code::Delivered,
        );
        first
    }

    fn single_origin(
        &mut self,
        edge: &Edge,
        origin_id: &str,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> OriginAnswer {
        let cf = edge.cf;
        let Some(origin) = cf.origins.iter().find(|o| o.id == origin_id) else {
            return OriginAnswer::bare(Resp::err(
                Some(502),
                &cf.id,
                Code::ComponentDown,
                format!("unknown origin {origin_id}"),
            ));
        };
        let broken = self.has_fault(|| Fault::Origin5xx {
            origin: origin.id.clone(),
        });
        match origin.kind {
            OriginKind::S3 => s3_origin(edge, origin, broken, ctx, tb),
            OriginKind::Custom if broken => {
                let event = || CdnEvent::OriginFault {
                    origin: origin.id.clone(),
                };
                edge.note(tb, (Layer::Http, event), Verdict::Error, Code::TargetError);
                OriginAnswer::bare(Resp::err(
                    Some(503),
                    &origin.id,
                    Code::TargetError,
                    format!("origin {} answered 503", origin.id),
                ))
            }
            OriginKind::Custom => {
                let resp = self.custom_origin(edge, origin, ctx, tb);
                OriginAnswer {
                    cache_control: if resp.status == Some(200) {
                        origin.cache_control.clone()
                    } else {
                        None
                    },
                    resp,
                }
            }
        }
    }

    /// The addresses of a custom origin's name, from CloudFront's resolver
    /// cache at this edge or resolved now; Err with the code when none.
    fn origin_addresses(
        &mut self,
        edge: &Edge,
        origin: &Origin,
        tb: &mut Recorder,
    ) -> Result<Vec<Ipv4Addr>, Code> {
        let (cf, pop) = (edge.cf, edge.pop);
        let key = crate::sim::dns::CacheOwner::Edge(&pop.id);
        let now = self.clock_ms;
        let domain = || origin.domain.clone();
        let hit = match self.cache_peek(key, &origin.domain) {
            Some(e) => Some(Cow::Borrowed(e)),
            None => self.cache_get(key, &origin.domain).map(Cow::Owned),
        };
        let (addresses, code) = if let Some(e) = hit {
            let event = || CdnEvent::OriginDnsCached {
                domain: domain(),
                answer: e.describe(),
                ttl_left_s: e.remaining_s(now),
                ttl_s: e.ttl_s,
            };
            edge.note(tb, (Layer::Dns, event), Verdict::Pass, Code::DnsCacheHit);
            (e.addresses.clone(), e.code)
        } else {
            let event = || CdnEvent::OriginDnsMiss { domain: domain() };
            edge.note(tb, (Layer::Dns, event), Verdict::Pass, Code::DnsCacheMiss);
            let e = self.iterate(&cf.id, key, &origin.domain, None, tb);
            (e.addresses, e.code)
        };
        if addresses.is_empty() {
            let event = || CdnEvent::OriginUnresolvable { domain: domain() };
            edge.note(tb, (Layer::Dns, event), Verdict::Error, code);
            return Err(code);
        }
        Ok(addresses)
    }

    /// A custom origin: resolve its name, connect to the ALB node behind
    /// the address picked, and pass the request on. CloudFront appends the
    /// viewer to X-Forwarded-For, sets Host to the origin domain, reaches
    /// the origin over HTTPS and waits the origin response timeout.
    /// Fact sheet §5.
    pub(crate) fn custom_origin(
        &mut self,
        edge: &Edge,
        origin: &Origin,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let (cf, pop) = (edge.cf, edge.pop);
        let addresses = match self.origin_addresses(edge, origin, tb) {
            Ok(a) => a,
            Err(code) => {
                return Resp::err(
                    Some(502),
                    &cf.id,
                    code,
                    format!("origin {} does not resolve", origin.domain),
                )
            }
        };
        let ip = addresses[self.rng.index(addresses.len())];
        if let Some(ri) = self.nlb_region_at(ip) {
            // The origin's name leads to a Network Load Balancer: a plain
            // TCP connection through it. Fact sheet §9.
            return self.origin_via_nlb(edge, origin, (ri, ip), ctx, tb);
        }
        let Some(ri) = sc
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        else {
            return Resp::err(
                Some(504),
                &cf.id,
                Code::ConnectionTimeout,
                format!("nothing answers at {ip}"),
            );
        };
        let rtt = pop
            .rtt_region_ms
            .get(&sc.regions[ri].id)
            .copied()
            .unwrap_or(60);
        let attempts = (
            cf.connection_attempts.max(1) as u64,
            cf.connection_timeout_s as u64,
        );
        let mut octx = ctx.clone();
        octx.host = origin.domain.clone();
        octx.plain_http = false;
        octx.port = None;
        octx.xff.push(viewer_ip(self, ctx));
        octx.client_timeout_s = Some(cf.origin_response_timeout_s as u64);
        let edge = crate::sim::lb::AlbClient {
            caller: crate::sim::event::alb::Caller::CloudFront,
            id: &cf.id,
            ip: pop.ip,
            ports: EphemeralRange::Elb,
            rtt_ms: rtt,
            connect: attempts,
            to: None,
            tls_max: Default::default(),
            keep_alive_s: Some(cf.origin_keep_alive_s as u64),
            v6: None,
        };
        let mut resp = self.alb_request_ctx(ri, edge, &octx, tb);
        if resp.status == Some(460) {
            // The ALB logged 460 because CloudFront gave up first.
            resp.status = Some(504);
            resp.decided_by = cf.id.clone();
            resp.summary = format!(
                "no answer within CloudFront's {} s origin response timeout ({})",
                cf.origin_response_timeout_s, resp.summary
            );
        }
        resp
    }
}

/// An S3 origin: the object exists (200, or 304 to a conditional request)
/// or not (404); an injected fault answers 503 Slow Down.
fn s3_origin(
    edge: &Edge,
    origin: &Origin,
    broken: bool,
    ctx: &HttpCtx,
    tb: &mut Recorder,
) -> OriginAnswer {
    let (cf, s3) = (&edge.cf.id, "s3");
    let s3_hop = |tb: &mut Recorder, (from, to): (&str, &str), event: &dyn Fn() -> CdnEvent, ok| {
        let (verdict, code) = if ok {
            (Verdict::Pass, Code::Delivered)
        } else {
            (Verdict::Error, Code::TargetError)
        };
        tb.hop(|| {
            Step::new(
                (from, to),
                Layer::Http,
                "TCP/443",
                Event::Cdn(event()),
                verdict,
                code,
            )
        });
        tb.wait(10_000);
    };
    let request = || CdnEvent::S3Request {
        method: ctx.method.to_string(),
        path: ctx.path.to_string(),
        bucket: origin.domain.clone(),
        conditional: ctx.revalidate,
    };
    s3_hop(tb, (cf, s3), &request, true);
    let exists = origin
        .objects
        .iter()
        .any(|o| cf_pattern_match(o, &ctx.path));
    let status = match (broken, exists) {
        (true, _) => 503,
        (false, true) if ctx.revalidate => 304,
        (false, true) => 200,
        (false, false) => 404,
    };
    let ok = matches!(status, 200 | 304);
    let cache_control = origin.cache_control.clone().filter(|_| ok);
    let answer = || CdnEvent::S3Response {
        status,
        cache_control: cache_control.clone(),
    };
    s3_hop(tb, (s3, cf), &answer, ok);
    let resp = if ok {
        Resp::ok(status, s3, "static object from S3".into())
    } else {
        Resp::err(
            Some(status),
            s3,
            Code::TargetError,
            format!("S3 answered {status}"),
        )
    };
    OriginAnswer {
        resp,
        cache_control,
    }
}

/// The viewer's address as CloudFront saw it (the first X-Forwarded-For
/// entry it will write).
fn viewer_ip(w: &World, ctx: &HttpCtx) -> Ipv4Addr {
    ctx.client
        .as_deref()
        .and_then(|c| w.scenario().client(c))
        .map(|c| c.ip)
        .unwrap_or(Ipv4Addr::UNSPECIFIED)
}

impl World {
    /// CloudFront's origin fetch through a Network Load Balancer at `ip`:
    /// the NLB's walk with CloudFront as the sender; a connection that
    /// fails is CloudFront's 502 (refused, reset, certificate) or 504 (no
    /// answer). Fact sheet §5, §9.
    fn origin_via_nlb(
        &mut self,
        edge: &Edge,
        origin: &Origin,
        (ri, ip): (usize, std::net::Ipv4Addr),
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let (cf, pop) = (edge.cf, edge.pop);
        let rtt = pop
            .rtt_region_ms
            .get(&sc.regions[ri].id)
            .copied()
            .unwrap_or(60);
        let mut octx = ctx.clone();
        octx.host = origin.domain.clone();
        octx.plain_http = false;
        octx.port = None;
        octx.client_timeout_s = Some(cf.origin_response_timeout_s as u64);
        let sender = crate::sim::lb::AlbClient {
            caller: crate::sim::event::alb::Caller::CloudFront,
            id: &cf.id,
            ip: pop.ip,
            ports: EphemeralRange::Elb,
            rtt_ms: rtt,
            connect: (
                cf.connection_attempts.max(1) as u64,
                cf.connection_timeout_s as u64,
            ),
            to: Some(ip),
            tls_max: Default::default(),
            keep_alive_s: None,
            v6: None,
        };
        let mut resp = self.nlb_request(ri, sender, &octx, tb);
        if resp.status.is_none() {
            let timeout = matches!(
                resp.code,
                Code::ComponentDown
                    | Code::ConnectionTimeout
                    | Code::SubnetAclRestriction
                    | Code::EniSgRulesMismatch
                    | Code::NoRouteToDestination
            );
            resp.status = Some(if timeout { 504 } else { 502 });
            resp.decided_by = cf.id.clone();
        }
        resp
    }
}
