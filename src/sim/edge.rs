//! The edge: CloudFront (behaviours, cache, TTLs, origins and origin
//! groups, error caching, invalidation) and AWS WAF. Fact sheet §5-§7.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// CloudFront's runtime state: its cache, keyed by edge and cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CdnState {
    pub cache: BTreeMap<String, CdnEntry>,
}

pub use super::waf::WafState;

use super::lb::{wildcard_match, HttpCtx};
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;
use crate::sim::event::cdn::{CacheResult, CacheTtl, Stored, TtlReason};
use crate::sim::event::waf::WafSite;
use crate::sim::event::{CdnEvent, WafEvent};

/// CloudFront path-pattern match: case-sensitive, `*` and `?`, leading `/`
/// optional, query string not part of it. Fact sheet §5.
pub(crate) fn cf_pattern_match(pattern: &str, path: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('/') {
        Some(_) => wildcard_match(pattern, path),
        // The implied leading `/` matches the path's own.
        None => path
            .strip_prefix('/')
            .is_some_and(|rest| wildcard_match(pattern, rest)),
    }
}

/// Statuses CloudFront caches whatever the origin says, for the error
/// caching minimum TTL (or the origin's max-age if larger). Fact sheet §5.
pub const ALWAYS_CACHED_ERRORS: [u16; 7] = [404, 414, 500, 501, 502, 503, 504];
/// Statuses cached only when the origin sends max-age / s-maxage.
pub const CACHED_WITH_MAX_AGE: [u16; 5] = [400, 403, 405, 412, 415];
/// Statuses an origin group may fail over on.
pub const FAILOVER_CODES: [u16; 8] = [400, 403, 404, 416, 500, 502, 503, 504];

fn directive(cc: &str, name: &str) -> Option<u64> {
    cc.split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .find_map(|d| {
            d.strip_prefix(&format!("{name}="))
                .and_then(|v| v.trim().parse().ok())
        })
}

/// How long a browser may keep an answer with this Cache-Control:
/// max-age, unless no-store or no-cache says not to reuse it unchecked.
/// (`s-maxage` is for shared caches such as CloudFront, not browsers.)
fn browser_max_age(cc: Option<&str>) -> Option<u64> {
    let cc = cc?;
    if has_directive(cc, "no-store") || has_directive(cc, "no-cache") {
        return None;
    }
    directive(cc, "max-age").filter(|m| *m > 0)
}

/// What is left of a browser max-age once the copy is `age_s` old.
fn fresh_for(max_age: Option<u64>, age_s: u64) -> Option<u32> {
    max_age
        .and_then(|m| m.checked_sub(age_s))
        .filter(|left| *left > 0)
        .map(|left| left.min(u32::MAX as u64) as u32)
}

fn has_directive(cc: &str, name: &str) -> bool {
    cc.split(',').any(|d| d.trim().eq_ignore_ascii_case(name))
}

/// How long CloudFront keeps a 200 answer, from the behaviour's min /
/// default / max TTL and the origin's Cache-Control, with the reason.
/// Fact sheet §5 "TTL settings and Cache-Control".
pub fn cf_ttl(b: &Behavior, cache_control: Option<&str>) -> (u32, TtlReason) {
    let (min, def, max) = (b.min_ttl_s, b.default_ttl_s, b.max_ttl_s);
    if max == 0 {
        return (0, TtlReason::CachingDisabled);
    }
    let default_ttl = if min > 0 { min.max(def) } else { def.min(max) };
    let Some(cc) = cache_control.filter(|c| !c.trim().is_empty()) else {
        return (default_ttl, TtlReason::NoCacheControl);
    };
    if ["no-cache", "no-store", "private"]
        .iter()
        .any(|d| has_directive(cc, d))
    {
        return if min == 0 {
            (0, TtlReason::NotCached)
        } else {
            (min, TtlReason::MinimumWins { min_ttl_s: min })
        };
    }
    let s_maxage = directive(cc, "s-maxage");
    match s_maxage.or_else(|| directive(cc, "max-age")) {
        Some(a) => {
            let a = a.min(u32::MAX as u64) as u32;
            let ttl = if min == 0 {
                a.min(max)
            } else {
                a.clamp(min, max.max(min))
            };
            let reason = TtlReason::MaxAge {
                s_maxage: s_maxage.is_some(),
                age_s: a,
                min_ttl_s: min,
                max_ttl_s: max,
            };
            (ttl, reason)
        }
        None => (default_ttl, TtlReason::NoMaxAge),
    }
}

/// The TTL chosen for a 200, as the event carries it.
fn cache_ttl(ttl_s: u32, reason: TtlReason, cache_control: Option<&str>) -> CacheTtl {
    CacheTtl {
        ttl_s,
        reason,
        cache_control: cache_control.map(str::to_string),
    }
}

/// What an origin (or origin group) answered.
struct OriginAnswer {
    resp: Resp,
    cache_control: Option<String>,
}

impl World {
    /// A browser's request at a CloudFront edge location.
    pub(crate) fn cloudfront_request(
        &mut self,
        c: &Client,
        pop: &Pop,
        https: bool,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let cf = &sc.cdn;
        let rtt = us(c.rtt_pop_ms);
        let (lo, hi) = c.os.range();
        let eph = self.rng.range(lo as u64, hi as u64) as u16;
        let proto = if https { "TCP/443" } else { "TCP/80" };
        tb.hop(|| {
            Step::new(
                (&c.id, &cf.id),
                Layer::Tcp,
                proto,
                Event::Cdn(CdnEvent::ViewerConnect {
                    pop: pop.city.clone(),
                    pop_ip: pop.ip,
                    src_port: eph,
                    rtt_ms: c.rtt_pop_ms,
                }),
                Verdict::Pass,
                Code::Delivered,
            )
        });
        tb.wait(rtt);
        let behavior = cf
            .behaviors
            .iter()
            .position(|b| cf_pattern_match(&b.path_pattern, &ctx.path));
        if !https {
            let policy = behavior
                .map(|i| cf.behaviors[i].viewer_protocol)
                .unwrap_or_default();
            tb.hop(|| {
                Step::new(
                    (&c.id, &cf.id),
                    Layer::Http,
                    "TCP/80",
                    Event::Cdn(CdnEvent::PlainRequest {
                        method: ctx.method.to_string(),
                        host: ctx.host.clone(),
                        path: ctx.path.to_string(),
                    }),
                    Verdict::Pass,
                    Code::Delivered,
                )
            });
            tb.wait(rtt / 2);
            match policy {
                ViewerProtocol::RedirectToHttps => {
                    let q = if ctx.query.is_empty() { "" } else { "?" };
                    let loc = format!("https://{}{}{q}{}", ctx.host, ctx.path, ctx.query);
                    tb.hop(|| {
                        Step::new(
                            (&cf.id, &c.id),
                            Layer::Http,
                            "TCP/80",
                            Event::Cdn(CdnEvent::ViewerRedirect {
                                location: loc.clone(),
                            }),
                            Verdict::Pass,
                            Code::Delivered,
                        )
                    });
                    tb.wait(rtt / 2);
                    return Resp::redirect(301, &cf.id, Code::Delivered, loc);
                }
                ViewerProtocol::HttpsOnly => {
                    tb.hop(|| {
                        Step::new(
                            (&cf.id, &c.id),
                            Layer::Http,
                            "TCP/80",
                            Event::Cdn(CdnEvent::HttpsOnly),
                            Verdict::Error,
                            Code::Delivered,
                        )
                    });
                    tb.wait(rtt / 2);
                    return Resp::err(Some(403), &cf.id, Code::Delivered, "HTTPS only".into());
                }
                ViewerProtocol::AllowAll => {}
            }
        } else {
            tb.hop(|| {
                Step::new(
                    (&c.id, &cf.id),
                    Layer::Tls,
                    "TCP/443",
                    Event::Cdn(CdnEvent::ViewerTls {
                        sni: ctx.host.clone(),
                        certificate: ctx.host.clone(),
                    }),
                    Verdict::Pass,
                    Code::Delivered,
                )
            });
            tb.wait(rtt);
            tb.hop(|| {
                Step::new(
                    (&c.id, &cf.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(CdnEvent::ViewerRequest {
                        method: ctx.method.to_string(),
                        host: ctx.host.clone(),
                        path: ctx.path.to_string(),
                        query: ctx.query.to_string(),
                    }),
                    Verdict::Pass,
                    Code::Delivered,
                )
            });
            tb.wait(rtt / 2);
        }

        // WAF first: CloudFront asks the web ACL before anything else. Fact sheet §6, §17.
        let acl = &sc.waf;
        let waf = self.waf_check(acl, c.ip, ctx, 16 * 1024, tb);
        let allowed = waf.allowed;
        tb.hop(|| {
            Step::new(
                (&cf.id, &acl.id),
                Layer::Http,
                "-",
                Event::Waf(WafEvent::Decision {
                    acl_id: acl.id.clone(),
                    acl_name: acl.name.clone(),
                    at: WafSite::Cloudfront,
                    client: waf.seen,
                    allowed,
                    decider: waf.event.clone().expect("recorded walks carry the decider"),
                    default_action: acl.default_action,
                }),
                if allowed {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                if allowed {
                    Code::WafDefaultAllow
                } else {
                    Code::WafRuleBlock
                },
            )
            .checks(waf.checks.clone())
        });
        tb.wait(100);
        // The edge answers the browser itself, with an error.
        let refuse = |tb: &mut Recorder, event: CdnEvent, code: Code| {
            tb.hop(|| {
                Step::new(
                    (&cf.id, &c.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(event),
                    Verdict::Error,
                    code,
                )
            });
            tb.wait(rtt / 2);
        };
        if !allowed {
            tb.hop(|| {
                Step::new(
                    (&cf.id, &c.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(CdnEvent::WafBlocked {
                        decider: waf.event.expect("recorded walks carry the decider"),
                    }),
                    Verdict::Error,
                    Code::WafRuleBlock,
                )
            });
            tb.wait(rtt / 2);
            return Resp::err(
                Some(403),
                &acl.id,
                Code::WafRuleBlock,
                format!("blocked by WAF rule {}", waf.decider),
            );
        }

        // Cache behaviour: first match in list order. Fact sheet §5.
        let Some(bi) = behavior else {
            return Resp::err(
                Some(404),
                &cf.id,
                Code::CacheMiss,
                "no cache behaviour matches".into(),
            );
        };
        let b = &cf.behaviors[bi];
        if !b.allowed_methods.allows(&ctx.method) {
            tb.hop(|| {
                Step::new(
                    (&acl.id, &cf.id),
                    Layer::Http,
                    "-",
                    Event::Cdn(CdnEvent::MethodNotAllowed {
                        behaviour: bi as u16 + 1,
                        path_pattern: b.path_pattern.clone(),
                        method: ctx.method.to_string(),
                        allowed: b.allowed_methods,
                    }),
                    Verdict::Error,
                    Code::MethodNotAllowed,
                )
            });
            refuse(tb, CdnEvent::MethodRefused, Code::MethodNotAllowed);
            return Resp::err(
                Some(403),
                &cf.id,
                Code::MethodNotAllowed,
                format!("{} is not allowed on '{}'", ctx.method, b.path_pattern),
            );
        }
        let cacheable_method = &*ctx.method == "GET" || &*ctx.method == "HEAD";
        let key = if b.cache_query_strings && !ctx.query.is_empty() {
            KeyBuf::new(&[&pop.id, "|", &ctx.path, "?", &ctx.query])
        } else {
            KeyBuf::new(&[&pop.id, "|", &ctx.path])
        };
        let now = self.clock_ms;
        let cached = if cacheable_method {
            self.cdn.cache.get(key.as_str()).cloned()
        } else {
            None
        };
        let fresh = cached.clone().filter(|e| e.expires_at_ms > now);
        let result = if !cacheable_method {
            CacheResult::Bypassed
        } else if let Some(h) = &fresh {
            CacheResult::Hit {
                age_s: (now - h.stored_at_ms) / 1000,
                ttl_left_s: (h.expires_at_ms - now).div_ceil(1000),
            }
        } else if let Some(e) = &cached {
            CacheResult::Expired {
                revalidate: e.status == 200,
            }
        } else if b.max_ttl_s == 0 {
            CacheResult::CachingDisabled {
                min_ttl_s: b.min_ttl_s,
                default_ttl_s: b.default_ttl_s,
                max_ttl_s: b.max_ttl_s,
            }
        } else {
            CacheResult::Miss
        };
        tb.hop(|| {
            Step::new(
                (&acl.id, &cf.id),
                Layer::Cache,
                "-",
                Event::Cdn(CdnEvent::CacheLookup {
                    behaviour: bi as u16 + 1,
                    path_pattern: b.path_pattern.clone(),
                    origin: b.origin.clone(),
                    method: ctx.method.to_string(),
                    pop: pop.city.clone(),
                    cache_key: key.to_string(),
                    query_in_key: b.cache_query_strings,
                    result,
                }),
                Verdict::Pass,
                if fresh.is_some() {
                    Code::CacheHit
                } else {
                    Code::CacheMiss
                },
            )
        });
        if let Some(h) = fresh {
            let age = (now - h.stored_at_ms) / 1000;
            tb.hop(|| {
                Step::new(
                    (&cf.id, &c.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(CdnEvent::CacheHit {
                        status: h.status,
                        age_s: age,
                        pop: pop.city.clone(),
                    }),
                    if h.status < 400 {
                        Verdict::Pass
                    } else {
                        Verdict::Error
                    },
                    Code::CacheHit,
                )
            });
            tb.wait(rtt / 2);
            return if h.status < 400 {
                Resp {
                    code: Code::CacheHit,
                    browser_fresh_s: fresh_for(h.browser_max_age_s, age),
                    ..Resp::ok(h.status, &cf.id, format!("cache hit at {}", pop.city))
                }
            } else {
                Resp::err(
                    Some(h.status),
                    &cf.id,
                    Code::CacheHit,
                    format!("cached {} at {}", h.status, pop.city),
                )
            };
        }

        // An expired copy is revalidated rather than fetched again. Fact sheet §5.
        let revalidating;
        let octx = if cached.as_ref().is_some_and(|e| e.status == 200) {
            revalidating = HttpCtx {
                revalidate: true,
                ..ctx.clone()
            };
            &revalidating
        } else {
            ctx
        };
        let ans = self.origin_fetch(pop, &b.origin, octx, tb);
        let mut resp = ans.resp;
        let got = resp.status;
        if got == Some(304) {
            let (ttl, reason) = cf_ttl(b, ans.cache_control.as_deref());
            let browser_max_age_s = browser_max_age(ans.cache_control.as_deref());
            self.cdn.cache.insert(
                key.to_string(),
                CdnEntry {
                    status: 200,
                    stored_at_ms: now,
                    expires_at_ms: now + ttl as u64 * 1000,
                    browser_max_age_s,
                },
            );
            tb.hop(|| {
                Step::new(
                    (&cf.id, &c.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(CdnEvent::RefreshHit {
                        ttl: cache_ttl(ttl, reason, ans.cache_control.as_deref()),
                    }),
                    Verdict::Pass,
                    Code::CacheHit,
                )
            });
            tb.wait(rtt / 2);
            return Resp {
                code: Code::CacheHit,
                browser_fresh_s: fresh_for(browser_max_age_s, 0),
                ..Resp::ok(
                    200,
                    &cf.id,
                    format!(
                        "expired copy revalidated at {} (304 from the origin)",
                        pop.city
                    ),
                )
            };
        }
        // Store what may be stored. Fact sheet §5 "What is cached", "Errors from origin".
        let stale = cached.filter(|_| matches!(got, None | Some(500..=599)));
        let mut stored: Option<Stored> = None;
        if let Some(s) = stale {
            let ttl = cf.error_caching_min_ttl_s as u64;
            self.cdn.cache.insert(
                key.to_string(),
                CdnEntry {
                    status: s.status,
                    stored_at_ms: s.stored_at_ms,
                    expires_at_ms: now + ttl * 1000,
                    browser_max_age_s: s.browser_max_age_s,
                },
            );
            tb.hop(|| {
                Step::new(
                    (&cf.id, &c.id),
                    Layer::Http,
                    "TCP/443",
                    Event::Cdn(CdnEvent::StaleHit {
                        status: s.status,
                        origin_status: got,
                        error_ttl_s: ttl,
                    }),
                    Verdict::Pass,
                    Code::CacheHit,
                )
            });
            tb.wait(rtt / 2);
            return Resp {
                code: Code::CacheHit,
                ..Resp::ok(
                    s.status,
                    &cf.id,
                    "stale copy served while the origin fails".into(),
                )
            };
        }
        let status = got.unwrap_or(504);
        if resp.status.is_none() {
            resp.status = Some(504);
            resp.decided_by = cf.id.clone();
        }
        if cacheable_method {
            let cc = ans.cache_control.as_deref();
            if status == 200 {
                let (ttl, reason) = cf_ttl(b, cc);
                let browser_max_age_s = browser_max_age(cc);
                if tb.records() {
                    stored = Some(Stored::Object {
                        ttl: cache_ttl(ttl, reason, cc),
                    });
                }
                if ttl > 0 {
                    self.cdn.cache.insert(
                        key.to_string(),
                        CdnEntry {
                            status,
                            stored_at_ms: now,
                            expires_at_ms: now + ttl as u64 * 1000,
                            browser_max_age_s,
                        },
                    );
                }
                resp.browser_fresh_s = fresh_for(browser_max_age_s, 0);
            } else if ALWAYS_CACHED_ERRORS.contains(&status)
                || (CACHED_WITH_MAX_AGE.contains(&status)
                    && cc.and_then(|c| directive(c, "max-age")).is_some())
            {
                let ttl = (cf.error_caching_min_ttl_s as u64)
                    .max(cc.and_then(|c| directive(c, "max-age")).unwrap_or(0));
                if ttl > 0 {
                    self.cdn.cache.insert(
                        key.to_string(),
                        CdnEntry {
                            status,
                            stored_at_ms: now,
                            expires_at_ms: now + ttl * 1000,
                            browser_max_age_s: None,
                        },
                    );
                    stored = Some(Stored::Error { status, ttl_s: ttl });
                }
            }
        }
        let by_cloudfront = resp.decided_by == cf.id;
        tb.hop(|| {
            Step::new(
                (&cf.id, &c.id),
                Layer::Http,
                "TCP/443",
                Event::Cdn(CdnEvent::OriginResponse {
                    status,
                    origin_status: got,
                    by_cloudfront,
                    stored,
                }),
                if status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                resp.code,
            )
        });
        tb.wait(rtt / 2);
        resp
    }

    /// Fetch from an origin or an origin group (primary, then secondary on
    /// the listed codes, a connection failure or a timeout; GET/HEAD/OPTIONS only).
    fn origin_fetch(
        &mut self,
        pop: &Pop,
        target: &str,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> OriginAnswer {
        let sc = std::sync::Arc::clone(&self.scenario);
        let cf = &sc.cdn;
        if let Some(g) = cf.origin_groups.iter().find(|g| g.id == target) {
            let first = self.single_origin(pop, &g.primary, ctx, tb);
            let code = first.resp.status;
            let failover_method = matches!(&*ctx.method, "GET" | "HEAD" | "OPTIONS");
            // No answer at all (connection failure, timeout) always fails over.
            let trigger = match code {
                None => true,
                Some(s) => {
                    g.failover_codes.contains(&s) || (s == 504 && first.resp.decided_by == cf.id)
                }
            };
            if trigger && failover_method {
                tb.hop(|| {
                    Step::new(
                        (&cf.id, &cf.id),
                        Layer::Decision,
                        "-",
                        Event::Cdn(CdnEvent::OriginGroupFailover {
                            group: g.id.clone(),
                            primary: g.primary.clone(),
                            secondary: g.secondary.clone(),
                            primary_status: code,
                        }),
                        Verdict::Pass,
                        Code::Delivered,
                    )
                });
                return self.single_origin(pop, &g.secondary, ctx, tb);
            }
            if trigger {
                tb.hop(|| {
                    Step::new(
                        (&cf.id, &cf.id),
                        Layer::Decision,
                        "-",
                        Event::Cdn(CdnEvent::OriginGroupNoFailover {
                            group: g.id.clone(),
                            method: ctx.method.to_string(),
                        }),
                        Verdict::Error,
                        Code::Delivered,
                    )
                });
            }
            return first;
        }
        self.single_origin(pop, target, ctx, tb)
    }

    fn single_origin(
        &mut self,
        pop: &Pop,
        origin_id: &str,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> OriginAnswer {
        let sc = std::sync::Arc::clone(&self.scenario);
        let cf = &sc.cdn;
        let Some(origin) = cf.origins.iter().find(|o| o.id == origin_id) else {
            return OriginAnswer {
                resp: Resp::err(
                    Some(502),
                    &cf.id,
                    Code::ComponentDown,
                    format!("unknown origin {origin_id}"),
                ),
                cache_control: None,
            };
        };
        let broken = self.has_fault(|| Fault::Origin5xx {
            origin: origin.id.clone(),
        });
        match origin.kind {
            OriginKind::S3 => {
                let s3 = "s3";
                tb.hop(|| {
                    Step::new(
                        (&cf.id, s3),
                        Layer::Http,
                        "TCP/443",
                        Event::Cdn(CdnEvent::S3Request {
                            method: ctx.method.to_string(),
                            path: ctx.path.to_string(),
                            bucket: origin.domain.clone(),
                            conditional: ctx.revalidate,
                        }),
                        Verdict::Pass,
                        Code::Delivered,
                    )
                });
                tb.wait(10_000);
                let exists = origin
                    .objects
                    .iter()
                    .any(|o| cf_pattern_match(o, &ctx.path));
                let status = if broken {
                    503
                } else if exists && ctx.revalidate {
                    304
                } else if exists {
                    200
                } else {
                    404
                };
                let ok = matches!(status, 200 | 304);
                tb.hop(|| {
                    Step::new(
                        (s3, &cf.id),
                        Layer::Http,
                        "TCP/443",
                        Event::Cdn(CdnEvent::S3Response {
                            status,
                            cache_control: origin.cache_control.clone().filter(|_| ok),
                        }),
                        if ok { Verdict::Pass } else { Verdict::Error },
                        if ok {
                            Code::Delivered
                        } else {
                            Code::TargetError
                        },
                    )
                });
                tb.wait(10_000);
                let resp = if ok {
                    Resp::ok(status, &s3, "static object from S3".into())
                } else {
                    Resp::err(
                        Some(status),
                        &s3,
                        Code::TargetError,
                        format!("S3 answered {status}"),
                    )
                };
                OriginAnswer {
                    resp,
                    cache_control: if ok {
                        origin.cache_control.clone()
                    } else {
                        None
                    },
                }
            }
            OriginKind::Custom => {
                if broken {
                    tb.hop(|| {
                        Step::new(
                            (&cf.id, &cf.id),
                            Layer::Http,
                            "-",
                            Event::Cdn(CdnEvent::OriginFault {
                                origin: origin.id.clone(),
                            }),
                            Verdict::Error,
                            Code::TargetError,
                        )
                    });
                    return OriginAnswer {
                        resp: Resp::err(
                            Some(503),
                            &origin.id,
                            Code::TargetError,
                            format!("origin {} answered 503", origin.id),
                        ),
                        cache_control: None,
                    };
                }
                let resp = self.custom_origin(pop, origin, ctx, tb);
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

    pub(crate) fn custom_origin(
        &mut self,
        pop: &Pop,
        origin: &Origin,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let cf = &sc.cdn;
        let key = KeyBuf::new(&["edge:", &pop.id]);
        let now = self.clock_ms;
        let hit = match self.cache_peek(&key, &origin.domain) {
            Some(e) => Some(Cow::Borrowed(e)),
            None => self.cache_get(&key, &origin.domain).map(Cow::Owned),
        };
        let (addresses, code) = if let Some(e) = hit {
            tb.hop(|| {
                Step::new(
                    (&cf.id, &cf.id),
                    Layer::Dns,
                    "-",
                    Event::Cdn(CdnEvent::OriginDnsCached {
                        domain: origin.domain.clone(),
                        answer: e.describe(),
                        ttl_left_s: e.remaining_s(now),
                        ttl_s: e.ttl_s,
                    }),
                    Verdict::Pass,
                    Code::DnsCacheHit,
                )
            });
            (e.addresses.clone(), e.code)
        } else {
            tb.hop(|| {
                Step::new(
                    (&cf.id, &cf.id),
                    Layer::Dns,
                    "-",
                    Event::Cdn(CdnEvent::OriginDnsMiss {
                        domain: origin.domain.clone(),
                    }),
                    Verdict::Pass,
                    Code::DnsCacheMiss,
                )
            });
            let e = self.iterate(&cf.id, &key, &origin.domain, None, tb);
            (e.addresses, e.code)
        };
        if addresses.is_empty() {
            tb.hop(|| {
                Step::new(
                    (&cf.id, &cf.id),
                    Layer::Dns,
                    "-",
                    Event::Cdn(CdnEvent::OriginUnresolvable {
                        domain: origin.domain.clone(),
                    }),
                    Verdict::Error,
                    code,
                )
            });
            return Resp::err(
                Some(502),
                &cf.id,
                code,
                format!("origin {} does not resolve", origin.domain),
            );
        }
        let ip = addresses[self.rng.index(addresses.len())];
        let Some(ri) = self
            .scenario
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
        let region_id = self.scenario.regions[ri].id.clone();
        let rtt = pop.rtt_region_ms.get(&region_id).copied().unwrap_or(60);
        let attempts = (
            cf.connection_attempts.max(1) as u64,
            cf.connection_timeout_s as u64,
        );
        // CloudFront appends the viewer to X-Forwarded-For and sets Host to the
        // origin domain; it waits the origin response timeout. Fact sheet §5.
        let mut octx = ctx.clone();
        octx.host = origin.domain.clone();
        // CloudFront reaches this origin over HTTPS, whatever the viewer used.
        octx.plain_http = false;
        octx.port = None;
        octx.xff = {
            let mut x = ctx.xff.clone();
            x.push(viewer_ip(self, ctx));
            x
        };
        octx.client_timeout_s = Some(cf.origin_response_timeout_s as u64);
        let mut resp = self.alb_request_ctx(
            ri,
            &cf.id,
            pop.ip,
            EphemeralRange::Elb,
            rtt,
            attempts,
            &octx,
            tb,
        );
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

    /// Empty every cached object whose path matches. Paths are
    /// case-sensitive and `*` may only be the last character. Fact sheet §5.
    pub fn invalidate(&mut self, path: &str) -> Result<usize, String> {
        let p = path.trim();
        if !p.starts_with('/') {
            return Err(format!("invalidation path '{p}' must start with /"));
        }
        if p.find('*').is_some_and(|i| i != p.len() - 1) {
            return Err(format!(
                "invalidation path '{p}': * is only allowed as the last character"
            ));
        }
        let before = self.cdn.cache.len();
        self.cdn.cache.retain(|k, _| {
            let path_part = k.split_once('|').map(|(_, p)| p).unwrap_or(k);
            match p.strip_suffix('*') {
                Some(prefix) => !path_part.starts_with(prefix),
                None => path_part.split('?').next() != Some(p),
            }
        });
        let n = before - self.cdn.cache.len();
        self.events.push(WorldEvent {
            at_ms: self.clock_ms,
            source: "cloudfront".into(),
            text: format!("invalidation {p}: {n} cached objects removed from every edge"),
        });
        Ok(n)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn behavior(min: u32, def: u32, max: u32) -> Behavior {
        Behavior {
            path_pattern: "*".into(),
            origin: "o".into(),
            min_ttl_s: min,
            default_ttl_s: def,
            max_ttl_s: max,
            cache_query_strings: false,
            viewer_protocol: ViewerProtocol::RedirectToHttps,
            allowed_methods: AllowedMethods::GetHead,
        }
    }

    #[test]
    fn max_age_is_capped_by_the_maximum_ttl() {
        // §5: Max TTL 300 and max-age 3600 -> cached 300 s.
        assert_eq!(
            cf_ttl(&behavior(0, 86_400, 300), Some("max-age=3600")).0,
            300
        );
        assert_eq!(
            cf_ttl(&behavior(0, 86_400, 31_536_000), Some("max-age=3600")).0,
            3600
        );
    }

    #[test]
    fn a_minimum_ttl_above_max_age_wins() {
        // §5: with Min TTL > 0, below Min -> Min.
        assert_eq!(
            cf_ttl(&behavior(600, 86_400, 31_536_000), Some("max-age=60")).0,
            600
        );
    }

    #[test]
    fn s_maxage_overrides_max_age_for_cloudfront() {
        // §5: s-maxage overrides max-age for CloudFront.
        assert_eq!(
            cf_ttl(
                &behavior(0, 86_400, 31_536_000),
                Some("max-age=60, s-maxage=120")
            )
            .0,
            120
        );
    }

    #[test]
    fn no_store_is_not_cached_unless_a_minimum_ttl_forces_it() {
        // §5: no-cache/no-store/private with Min TTL 0 -> not cached; Min > 0 -> Min.
        assert_eq!(
            cf_ttl(&behavior(0, 86_400, 31_536_000), Some("no-store")).0,
            0
        );
        assert_eq!(
            cf_ttl(&behavior(30, 86_400, 31_536_000), Some("private")).0,
            30
        );
    }

    #[test]
    fn without_cache_headers_the_default_ttl_applies() {
        // §5: Default TTL only when the origin sends no max-age / s-maxage / Expires;
        // with Min TTL > 0 it is max(Min, Default).
        assert_eq!(cf_ttl(&behavior(0, 86_400, 31_536_000), None).0, 86_400);
        assert_eq!(
            cf_ttl(&behavior(100_000, 86_400, 31_536_000), None).0,
            100_000
        );
    }

    #[test]
    fn behaviour_patterns_are_case_sensitive_and_the_slash_is_optional() {
        // §5: `*.jpg` does not match `LOGO.JPG`; leading / optional.
        assert!(cf_pattern_match("images/*.jpg", "/images/a/b.jpg"));
        assert!(!cf_pattern_match("*.jpg", "/LOGO.JPG"));
        assert!(cf_pattern_match("/api/*", "/api/x"));
        assert!(cf_pattern_match("a?.css", "/ab.css"));
    }
}
