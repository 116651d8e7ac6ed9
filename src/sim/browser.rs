//! The browser: it checks its own input, answers from its HTTP cache when
//! a copy is fresh, sends the request over the network, follows redirects
//! up to its limit, and gives up on a connection nothing answers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::event::browser::{BrowserEvent, GiveUp, Refusal};
use super::request::*;
use super::trace::*;
use super::world::World;

/// The browsers' runtime state: each one's HTTP cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserState {
    /// Keyed `client|URL`.
    pub http_cache: BTreeMap<String, HttpCacheEntry>,
}

/// A 200 answer a browser keeps in its HTTP cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCacheEntry {
    pub stored_at_ms: u64,
    pub expires_at_ms: u64,
}

/// A fresh copy found in a browser's HTTP cache.
pub(crate) struct Fresh {
    /// Seconds since it was stored.
    pub(crate) age_s: u64,
    /// Seconds it stays fresh (rounded up).
    pub(crate) left_s: u64,
}

impl BrowserState {
    /// The copy stored under `key`, if it is still fresh at `now_ms`.
    pub(crate) fn fresh(&self, key: &str, now_ms: u64) -> Option<Fresh> {
        let e = self.http_cache.get(key)?;
        (e.expires_at_ms > now_ms).then(|| Fresh {
            age_s: (now_ms - e.stored_at_ms) / 1000,
            left_s: (e.expires_at_ms - now_ms).div_ceil(1000),
        })
    }

    /// Keep an answer under `key` from `now_ms` for `fresh_s` seconds.
    pub(crate) fn store(&mut self, key: String, now_ms: u64, fresh_s: u32) {
        let entry = HttpCacheEntry {
            stored_at_ms: now_ms,
            expires_at_ms: now_ms + fresh_s as u64 * 1000,
        };
        self.http_cache.insert(key, entry);
    }
}

/// How long a browser's own TCP stack keeps retrying a SYN before giving up.
pub const BROWSER_CONNECT_TIMEOUT_S: u64 = 21;
/// Redirects a browser follows for one navigation before it gives up with
/// ERR_TOO_MANY_REDIRECTS (the Fetch standard's limit, which Chromium keeps).
pub const MAX_REDIRECTS: usize = 20;

/// A SYN nothing answers: the browser retries until its connect timeout.
fn browser_gives_up(
    tb: &mut Recorder,
    (client, to): (&str, &str),
    (ip, port): (std::net::Ipv4Addr, u16),
    reason: GiveUp,
    summary: impl FnOnce(&BrowserEvent) -> String,
) -> Resp {
    let ev = BrowserEvent::GaveUp {
        ip,
        port,
        timeout_s: BROWSER_CONNECT_TIMEOUT_S,
        reason,
    };
    let summary = summary(&ev);
    tb.hop(|| {
        Step::new(
            (client, to),
            Layer::Tcp,
            format!("TCP/{port}"),
            Event::Browser(ev),
            Verdict::Timeout,
            Code::ConnectionTimeout,
        )
    });
    tb.wait(BROWSER_CONNECT_TIMEOUT_S * 1_000_000);
    Resp::err(None, client, Code::ConnectionTimeout, summary)
}

impl World {
    /// Send one request and return its trace. Requests take no world-clock
    /// time: the trace's own timeline says how long the journey took.
    pub fn send(&mut self, req: &Request) -> Trace {
        let mut rec = Recorder::full();
        let resp = self.walk(req, &mut rec);
        let total = rec.t_us;
        Trace {
            client: req.client.clone(),
            method: req.method.clone(),
            url: req.url.clone(),
            sent_at_ms: self.clock_ms,
            hops: rec.hops,
            outcome: Resp::outcome(resp, total),
        }
    }

    /// Send one request with a recorder that keeps nothing (no hop is
    /// built): the same walk as [`World::send`], only the outcome kept.
    pub fn send_unrecorded(&mut self, req: &Request) -> Outcome {
        let mut tb = Recorder::off();
        let resp = self.walk(req, &mut tb);
        Resp::outcome(resp, tb.t_us)
    }

    /// Send one request as a member of a burst, keeping only its outcome:
    /// sent at once with others, it shares the browser's multiplexed
    /// connection to the edge but neither uses nor keeps a connection
    /// toward an origin or a target (fact sheet §26). A burst is exactly
    /// its requests sent this way one by one.
    pub fn send_unrecorded_in_burst(&mut self, req: &Request) -> Outcome {
        let mut tb = Recorder::off();
        let resp = match self.prepare(req, &mut tb) {
            Ok(mut p) => {
                p.ctx.concurrent = true;
                self.walk_prepared(&p, &mut tb)
            }
            Err(r) => r,
        };
        Resp::outcome(resp, tb.t_us)
    }

    /// Send a request parsed once by [`World::prepare`], keeping only its
    /// outcome: a burst repeats the same few requests thousands of times.
    pub(crate) fn send_prepared_unrecorded(&mut self, p: &Prepared) -> Outcome {
        let mut tb = Recorder::off();
        let resp = self.walk_prepared(p, &mut tb);
        Resp::outcome(resp, tb.t_us)
    }

    pub(crate) fn walk(&mut self, req: &Request, tb: &mut Recorder) -> Resp {
        match self.prepare(req, tb) {
            Ok(p) => self.walk_prepared(&p, tb),
            Err(r) => r,
        }
    }

    /// Check and parse a request: its client, its URL, its headers.
    pub(crate) fn prepare(&self, req: &Request, tb: &mut Recorder) -> Result<Prepared, Resp> {
        let sc = &self.scenario;
        let Some(ci) = sc.clients.iter().position(|c| c.id == req.client) else {
            return Err(Resp::err(
                None,
                "browser",
                Code::ComponentDown,
                format!("no client named '{}' in this scenario", req.client),
            ));
        };
        let client = &sc.clients[ci];
        // Input the browser itself refuses: nothing leaves the machine.
        let refuse = |tb: &mut Recorder, input: Refusal| {
            let ev = BrowserEvent::Refused { input };
            let e = ev.why();
            tb.hop(|| {
                Step::new(
                    (&client.id, &client.id),
                    Layer::Http,
                    "-",
                    Event::Browser(ev),
                    Verdict::Error,
                    Code::ComponentDown,
                )
            });
            Resp::err(None, &client.id, Code::ComponentDown, e)
        };
        let url = match parse_url(&req.url) {
            Ok(u) => u,
            Err(error) => {
                let url = req.url.clone();
                return Err(refuse(tb, Refusal::Url { url, error }));
            }
        };
        let method = req.method.trim().to_ascii_uppercase();
        if method.is_empty() || method.len() > 20 || !method.bytes().all(|b| b.is_ascii_uppercase())
        {
            let method = req.method.trim().to_string();
            return Err(refuse(tb, Refusal::Method { method }));
        }
        let ctx = super::lb::HttpCtx {
            method: method.as_str().into(),
            host: url.host,
            path: url.path.as_str().into(),
            query: url.query.as_str().into(),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone()))
                .collect(),
            body: req.body.as_str().into(),
            // A browser (or a proxy in front of it) may already send X-Forwarded-For.
            xff: req
                .headers
                .iter()
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("x-forwarded-for"))
                .flat_map(|(_, v)| {
                    v.split(',')
                        .filter_map(|a| a.trim().parse().ok())
                        .collect::<Vec<_>>()
                })
                .collect(),
            client: Some(client.id.as_str().into()),
            client_timeout_s: None,
            revalidate: false,
            plain_http: !url.https,
            port: url.port,
            http_flood: false,
            unpooled: false,
            concurrent: false,
        };
        Ok(Prepared {
            client: ci,
            ctx,
            cache: req.cache,
        })
    }

    /// One request and the redirects the browser follows after it.
    pub(crate) fn walk_prepared(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let mut resp = self.walk_leg(p, tb);
        if resp.location().is_none() {
            return resp;
        }
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client].id;
        let headers: Vec<(String, String)> = p.ctx.headers.to_vec();
        let mut method = p.ctx.method.to_string();
        let mut body = p.ctx.body.to_string();
        let mut followed = 0;
        let mut last = String::new();
        while let (Some(loc), Some(status @ (301 | 302 | 303 | 307 | 308))) =
            (resp.take_location(), resp.status)
        {
            if followed == MAX_REDIRECTS {
                let ev = BrowserEvent::TooManyRedirects {
                    status,
                    location: loc,
                    limit: MAX_REDIRECTS as u32,
                };
                let why = ev.why();
                tb.hop(|| {
                    Step::new(
                        (client, client),
                        Layer::Http,
                        "-",
                        Event::Browser(ev),
                        Verdict::Error,
                        Code::TooManyRedirects,
                    )
                });
                return Resp::err(None, client, Code::TooManyRedirects, why);
            }
            followed += 1;
            // Fetch standard: 303 (not HEAD), and 301/302 after a POST, become
            // a GET without a body; 307 and 308 repeat the request as it was.
            let to_get = (status == 303 && method != "HEAD")
                || (matches!(status, 301 | 302) && method == "POST");
            if to_get {
                method = "GET".into();
                body.clear();
            }
            tb.hop(|| {
                Step::new(
                    (client, client),
                    Layer::Http,
                    "-",
                    Event::Browser(BrowserEvent::Redirect {
                        status,
                        method: method.clone(),
                        location: loc.clone(),
                        to_get,
                        followed: followed as u32,
                        limit: MAX_REDIRECTS as u32,
                    }),
                    Verdict::Pass,
                    Code::Delivered,
                )
            });
            let req = Request {
                client: client.clone(),
                method: method.clone(),
                url: loc.clone(),
                headers: headers.clone(),
                body: body.clone(),
                cache: p.cache,
            };
            resp = match self.prepare(&req, tb) {
                Ok(next) => self.walk_leg(&next, tb),
                Err(r) => r,
            };
            last = loc;
        }
        if followed > 0 {
            let s = if followed == 1 { "" } else { "s" };
            resp.summary = format!("{} (after {followed} redirect{s}, to {last})", resp.summary);
        }
        resp
    }

    /// One request, without following a redirect: the browser's HTTP
    /// cache first, then the network.
    fn walk_leg(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let cacheable =
            p.cache == HttpCacheMode::Default && matches!(&*p.ctx.method, "GET" | "HEAD");
        if !cacheable {
            return self.walk_network(p, tb);
        }
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client].id;
        let ctx = &p.ctx;
        let q = if ctx.query.is_empty() { "" } else { "?" };
        let scheme = if ctx.plain_http { "http" } else { "https" };
        let port = ctx.port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}://{}{port}{}{q}{}", ctx.host, ctx.path, ctx.query);
        let key = format!("{client}|{url}");
        let now = self.clock_ms;
        if let Some(f) = self.browser.fresh(&key, now) {
            tb.hop(|| {
                Step::new(
                    (client, client),
                    Layer::Cache,
                    "-",
                    Event::Browser(BrowserEvent::CacheHit {
                        url,
                        age_s: f.age_s,
                        fresh_s: f.left_s,
                    }),
                    Verdict::Pass,
                    Code::BrowserCacheHit,
                )
            });
            return Resp {
                code: Code::BrowserCacheHit,
                ..Resp::ok(200, client, "from the browser's HTTP cache".into())
            };
        }
        let resp = self.walk_network(p, tb);
        match (resp.status, resp.browser_fresh_s) {
            (Some(200), Some(fresh)) if fresh > 0 && &*p.ctx.method == "GET" => {
                self.browser.store(key, now, fresh);
            }
            _ => {}
        }
        resp
    }

    /// One request over the network.
    fn walk_network(&mut self, p: &Prepared, tb: &mut Recorder) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let client = &sc.clients[p.client];
        let ctx = &p.ctx;
        // An IPv4 literal (parse_url writes it in dotted decimal) is
        // connected to as it is: no DNS lookup at all.
        let literal = ctx.host.parse::<std::net::Ipv4Addr>().ok();
        let ip = match literal {
            Some(ip) => ip,
            // A dual-stack browser asks for AAAA too and may connect over
            // IPv6. Fact sheet §23.
            None if !client.ipv6.is_off() => match self.happy_eyeballs(p, tb) {
                super::eyeballs::Eyeballs::Ipv4(ip) => ip,
                super::eyeballs::Eyeballs::Done(r) => return r,
            },
            None => match self.resolve_for_client(client, &ctx.host, tb) {
                Ok(ips) => ips[self.rng.index(ips.len())],
                Err(r) => return r,
            },
        };
        // Who owns this address?
        if let Some(pop) = sc.cdn.pops.iter().find(|p| p.ip == ip) {
            if let Some(port) = ctx.port.filter(|p| !matches!(p, 80 | 443)) {
                return browser_gives_up(
                    tb,
                    (&client.id, &sc.cdn.id),
                    (pop.ip, port),
                    GiveUp::CloudFrontPort {
                        city: pop.city.clone(),
                    },
                    BrowserEvent::why,
                );
            }
            return self.cloudfront_request(client, pop, !ctx.plain_http, ctx, tb);
        }
        if let Some(ri) = self
            .scenario
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        {
            // Straight to the ALB: no CloudFront, no WAF.
            let browser = self.browser_alb_client(client, ri, literal, None);
            return self.alb_request_ctx(ri, browser, ctx, tb);
        }
        if let Some(ri) = self.nlb_region_at(ip) {
            // Straight to a Network Load Balancer's node. Fact sheet §9.
            let browser = self.browser_alb_client(client, ri, Some(ip), None);
            return self.nlb_request(ri, browser, ctx, tb);
        }
        browser_gives_up(
            tb,
            (&client.id, &client.id),
            (
                ip,
                ctx.port.unwrap_or(if ctx.plain_http { 80 } else { 443 }),
            ),
            GiveUp::NoServer,
            |_| format!("no server at {ip}"),
        )
    }
}

impl World {
    /// A browser as the sender into region `ri`'s load balancer: over IPv4,
    /// or over IPv6 from its `v6` address (with a Happy Eyeballs race
    /// behind it or not). Fact sheet §8, §23.
    pub(crate) fn browser_alb_client<'c>(
        &self,
        c: &'c crate::sim::scenario::Client,
        ri: usize,
        to: Option<std::net::Ipv4Addr>,
        v6: Option<(std::net::Ipv6Addr, bool)>,
    ) -> super::lb::AlbClient<'c> {
        let rtt = self
            .scenario
            .cdn
            .pops
            .iter()
            .find(|p| p.id == c.pop)
            .and_then(|p| p.rtt_region_ms.get(&self.scenario.regions[ri].id).copied())
            .unwrap_or(40)
            + c.rtt_pop_ms;
        super::lb::AlbClient {
            caller: super::event::alb::Caller::Browser,
            id: &c.id,
            ip: c.ip,
            ports: c.os,
            rtt_ms: rtt,
            connect: (1, BROWSER_CONNECT_TIMEOUT_S),
            to,
            tls_max: c.tls_max,
            keep_alive_s: Some(crate::sim::conn::BROWSER_USED_IDLE_S),
            v6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_copy_is_fresh_until_its_max_age_runs_out() {
        // Fact sheet §5: Cache-Control max-age counts from when it was stored.
        let mut b = BrowserState::default();
        b.store("client-na|https://a.com/x".into(), 10_000, 60);
        let f = b.fresh("client-na|https://a.com/x", 25_500).unwrap();
        assert_eq!((f.age_s, f.left_s), (15, 45));
        assert!(b.fresh("client-na|https://a.com/x", 69_999).is_some());
        assert!(b.fresh("client-na|https://a.com/x", 70_000).is_none());
        assert!(b.fresh("client-eu|https://a.com/x", 25_500).is_none());
    }
}
