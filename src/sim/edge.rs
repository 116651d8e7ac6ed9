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

/// WAF's runtime state: the request times each rate-based rule counted,
/// per rule and client address.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WafState {
    pub hits: BTreeMap<String, BTreeMap<std::net::Ipv4Addr, std::collections::VecDeque<u64>>>,
}

use super::lb::{wildcard_match, HttpCtx};
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

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
pub fn cf_ttl(b: &Behavior, cache_control: Option<&str>) -> (u32, String) {
    let (min, def, max) = (b.min_ttl_s, b.default_ttl_s, b.max_ttl_s);
    if max == 0 {
        return (
            0,
            "the cache policy's TTLs are 0/0/0 (CachingDisabled): nothing is stored".into(),
        );
    }
    let Some(cc) = cache_control.filter(|c| !c.trim().is_empty()) else {
        let ttl = if min > 0 { min.max(def) } else { def.min(max) };
        return (
            ttl,
            format!("no Cache-Control from the origin: the default TTL applies ({ttl} s)"),
        );
    };
    if ["no-cache", "no-store", "private"]
        .iter()
        .any(|d| has_directive(cc, d))
    {
        return if min == 0 {
            (
                0,
                format!("origin says '{cc}' and the minimum TTL is 0: not cached"),
            )
        } else {
            (
                min,
                format!("origin says '{cc}' but the minimum TTL {min} s wins"),
            )
        };
    }
    let age = directive(cc, "s-maxage").or_else(|| directive(cc, "max-age"));
    match age {
        Some(a) => {
            let a = a.min(u32::MAX as u64) as u32;
            let which = if directive(cc, "s-maxage").is_some() {
                "s-maxage"
            } else {
                "max-age"
            };
            let ttl = if min == 0 {
                a.min(max)
            } else {
                a.clamp(min, max.max(min))
            };
            (ttl, format!("origin sends {which}={a}; clamped to the behaviour's {min}/{max} s: cached {ttl} s"))
        }
        None => {
            let ttl = if min > 0 { min.max(def) } else { def.min(max) };
            (
                ttl,
                format!("Cache-Control '{cc}' has no max-age: the default TTL applies ({ttl} s)"),
            )
        }
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
        hop!(tb, &c.id, &cf.id, Layer::Tcp, proto, format!("TCP handshake SYN / SYN-ACK / ACK with {} ({}) from port {eph}", pop.city, pop.ip),
            format!("one round trip ({} ms) before the browser can send; Shield Standard screens SYN floods and other layer 3/4 attacks at the edge, but not HTTP (fact sheet §7, §16)", c.rtt_pop_ms),
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        let behavior = cf
            .behaviors
            .iter()
            .position(|b| cf_pattern_match(&b.path_pattern, &ctx.path));
        if !https {
            let policy = behavior
                .map(|i| cf.behaviors[i].viewer_protocol)
                .unwrap_or_default();
            hop!(
                tb,
                &c.id,
                &cf.id,
                Layer::Http,
                "TCP/80",
                format!("HTTP {} {}{}", ctx.method, ctx.host, ctx.path),
                "plain HTTP reaches the edge".into(),
                vec![],
                Verdict::Pass,
                Code::Delivered,
            );
            tb.wait(rtt / 2);
            match policy {
                ViewerProtocol::RedirectToHttps => {
                    let q = if ctx.query.is_empty() { "" } else { "?" };
                    let loc = format!("https://{}{}{q}{}", ctx.host, ctx.path, ctx.query);
                    hop!(tb, &cf.id, &c.id, Layer::Http, "TCP/80", format!("HTTP 301 X-Cache: Redirect from cloudfront, Location: {loc}"),
                        "viewer protocol policy 'Redirect HTTP to HTTPS' answers GET/HEAD over HTTP with 301 (fact sheet §5)".into(), vec![], Verdict::Pass, Code::Delivered);
                    tb.wait(rtt / 2);
                    return Resp::redirect(301, &cf.id, Code::Delivered, loc);
                }
                ViewerProtocol::HttpsOnly => {
                    hop!(tb, &cf.id, &c.id, Layer::Http, "TCP/80", "HTTP 403 Forbidden".into(),
                        "viewer protocol policy 'HTTPS only' answers plain HTTP with 403 (fact sheet §5)".into(), vec![], Verdict::Error, Code::Delivered);
                    tb.wait(rtt / 2);
                    return Resp::err(Some(403), &cf.id, Code::Delivered, "HTTPS only".into());
                }
                ViewerProtocol::AllowAll => {}
            }
        } else {
            hop!(tb, &c.id, &cf.id, Layer::Tls, "TCP/443", format!("TLS 1.3 handshake, SNI {}", ctx.host),
                format!("one more round trip; the edge presents the certificate for {} and the browser checks it", ctx.host), vec![], Verdict::Pass, Code::Delivered);
            tb.wait(rtt);
            let q = if ctx.query.is_empty() { "" } else { "?" };
            hop!(
                tb,
                &c.id,
                &cf.id,
                Layer::Http,
                "TCP/443",
                format!(
                    "HTTP {} {}{q}{} Host: {}",
                    ctx.method, ctx.path, ctx.query, ctx.host
                ),
                "the encrypted request reaches the edge".into(),
                vec![],
                Verdict::Pass,
                Code::Delivered,
            );
            tb.wait(rtt / 2);
        }

        // WAF first: CloudFront asks the web ACL before anything else. Fact sheet §6, §17.
        let acl = &sc.waf;
        let (allowed, checks, rule, seen) =
            self.waf_evaluate(acl, c.ip, ctx, 16 * 1024, !tb.records());
        hop!(
            tb,
            &cf.id,
            &acl.id,
            Layer::Http,
            "-",
            format!(
                "web ACL {}: {}",
                acl.name,
                if allowed {
                    "allow".to_string()
                } else {
                    format!("BLOCK by rule {rule}")
                }
            ),
            format!(
                "WAF sees the viewer address {seen}; {}",
                if allowed {
                    format!("no terminating rule matched, so {rule} applies")
                } else {
                    format!("rule {rule} matched and its action is Block: WAF, not the application, answers 403")
                }
            ),
            checks,
            if allowed {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            if allowed {
                Code::WafDefaultAllow
            } else {
                Code::WafRuleBlock
            }
        );
        tb.wait(100);
        // The edge answers the browser itself, with an error.
        let refuse = |tb: &mut Recorder, what: &str, why: String, code: Code| {
            hop!(
                tb,
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                what.into(),
                why,
                vec![],
                Verdict::Error,
                code
            );
            tb.wait(rtt / 2);
        };
        if !allowed {
            refuse(
                tb,
                "HTTP 403 Forbidden (from AWS WAF)",
                format!("blocked at the edge by rule {rule}; the request never reached an origin"),
                Code::WafRuleBlock,
            );
            return Resp::err(
                Some(403),
                &acl.id,
                Code::WafRuleBlock,
                format!("blocked by WAF rule {rule}"),
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
            hop!(tb, &acl.id, &cf.id, Layer::Http, "-", format!("behaviour {} '{}': {} is not an allowed method", bi + 1, b.path_pattern, ctx.method),
                format!("this behaviour accepts {} only, so CloudFront answers 403 (Invalid method) itself and asks no origin (fact sheet §5)", b.allowed_methods.methods().join(", ")),
                vec![], Verdict::Error, Code::MethodNotAllowed);
            refuse(
                tb,
                "HTTP 403 Forbidden X-Cache: Error from cloudfront",
                "CloudFront's own answer: the method is not allowed here".into(),
                Code::MethodNotAllowed,
            );
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
        let key_text = if b.cache_query_strings {
            "path and query string"
        } else {
            "path only; query strings are ignored unless the cache policy adds them"
        };
        hop!(
            tb,
            &acl.id,
            &cf.id,
            Layer::Cache,
            "-",
            format!(
                "behaviour {} '{}' -> {}; cache {}",
                bi + 1,
                b.path_pattern,
                b.origin,
                if !cacheable_method {
                    "bypassed".to_string()
                } else if fresh.is_some() {
                    "HIT".into()
                } else if cached.is_some() {
                    "EXPIRED".into()
                } else {
                    "MISS".into()
                }
            ),
            if !cacheable_method {
                format!("first matching behaviour in list order; {} is never cached, only GET and HEAD are (fact sheet §5)", ctx.method)
            } else if let Some(h) = &fresh {
                format!("first matching behaviour in list order; cached {} s ago, {} s left (cache key: {key_text})", (now - h.stored_at_ms) / 1000, (h.expires_at_ms - now).div_ceil(1000))
            } else if cached.as_ref().is_some_and(|e| e.status == 200) {
                "first matching behaviour in list order; the cached copy has expired, so CloudFront asks the origin whether it changed (fact sheet §5)".into()
            } else if cached.is_some() {
                "first matching behaviour in list order; the cached copy has expired, so CloudFront asks the origin again".into()
            } else if b.max_ttl_s == 0 {
                format!("first matching behaviour in list order; its cache policy has TTLs {}/{}/{} s (CachingDisabled), so every request goes to the origin", b.min_ttl_s, b.default_ttl_s, b.max_ttl_s)
            } else {
                format!("first matching behaviour in list order; not in the {} edge's cache (cache key: {key_text}), so fetch from the origin", pop.city)
            },
            vec![],
            Verdict::Pass,
            if fresh.is_some() {
                Code::CacheHit
            } else {
                Code::CacheMiss
            }
        );
        if let Some(h) = fresh {
            let age = (now - h.stored_at_ms) / 1000;
            let xcache = if h.status >= 400 {
                "Error from cloudfront"
            } else {
                "Hit from cloudfront"
            };
            let age_hdr = if age > 0 {
                format!(", Age: {age}")
            } else {
                String::new()
            };
            hop!(
                tb,
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                format!("HTTP {} X-Cache: {xcache}{age_hdr}", h.status),
                if h.status >= 400 {
                    format!("a cached error: CloudFront keeps {} answers for the error caching minimum TTL, so the origin is not asked (fact sheet §5)", h.status)
                } else {
                    format!(
                        "served from the {} edge without touching the origin",
                        pop.city
                    )
                },
                vec![],
                if h.status < 400 {
                    Verdict::Pass
                } else {
                    Verdict::Error
                },
                Code::CacheHit
            );
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
            let (ttl, why) = cf_ttl(b, ans.cache_control.as_deref());
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
            hop!(tb, &cf.id, &c.id, Layer::Http, "TCP/443", "HTTP 200 X-Cache: RefreshHit from cloudfront".into(),
                format!("the origin answered 304 Not Modified, so CloudFront serves the copy it already holds and keeps it again: {why} (fact sheet §5)"),
                vec![], Verdict::Pass, Code::CacheHit);
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
        let mut note = String::new();
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
            hop!(tb, &cf.id, &c.id, Layer::Http, "TCP/443", format!("HTTP {} X-Cache: Hit from cloudfront (stale)", s.status),
                format!("the origin failed ({}), so CloudFront keeps serving its expired copy for the error caching TTL ({ttl} s) (fact sheet §5)", got.map(|g| g.to_string()).unwrap_or_else(|| "no answer".into())),
                vec![], Verdict::Pass, Code::CacheHit);
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
                let (ttl, why) = cf_ttl(b, cc);
                let browser_max_age_s = browser_max_age(cc);
                note = why;
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
                    note = format!("CloudFront caches a {status} for the error caching minimum TTL ({ttl} s), so the next requests in that time get it without asking the origin");
                }
            }
        }
        let xcache = if status >= 400 || resp.decided_by == cf.id {
            "Error from cloudfront"
        } else {
            "Miss from cloudfront"
        };
        let why = if got.is_none() || (resp.decided_by == cf.id && status == 504) {
            "CloudFront answers 504 Gateway Timeout itself: it could not get an answer from the origin".to_string()
        } else {
            format!("the origin's answer ({status}) goes back to the browser over the same TLS connection")
        };
        hop!(
            tb,
            &cf.id,
            &c.id,
            Layer::Http,
            "TCP/443",
            format!("HTTP {status} X-Cache: {xcache}"),
            if note.is_empty() {
                why
            } else {
                format!("{why}; {note}")
            },
            vec![],
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            resp.code,
        );
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
                hop!(tb, &cf.id, &cf.id, Layer::Decision, "-", format!("origin group {}: primary {} failed ({}), trying secondary {}", g.id, g.primary, code.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into()), g.secondary),
                    "origin groups fail over on the listed status codes, a connection failure or a timeout, for GET, HEAD and OPTIONS; every new request still tries the primary first (fact sheet §5)".into(),
                    vec![], Verdict::Pass, Code::Delivered);
                return self.single_origin(pop, &g.secondary, ctx, tb);
            }
            if trigger {
                hop!(
                    tb,
                    &cf.id,
                    &cf.id,
                    Layer::Decision,
                    "-",
                    format!("origin group {}: no failover for {}", g.id, ctx.method),
                    "only GET, HEAD and OPTIONS fail over to the secondary origin (fact sheet §5)"
                        .into(),
                    vec![],
                    Verdict::Error,
                    Code::Delivered,
                );
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
                let s3 = "s3".to_string();
                let (condition, why) = if ctx.revalidate {
                    (" If-None-Match: <ETag of the cached copy>", "CloudFront's copy has expired, so it asks S3 whether the object changed (a conditional request with the copy's ETag)")
                } else {
                    ("", "CloudFront fetches the object from the S3 bucket (a regional edge cache sits in between for cacheable objects)")
                };
                hop!(
                    tb,
                    &cf.id,
                    &s3,
                    Layer::Http,
                    "TCP/443",
                    format!(
                        "HTTP {} {} from {}{condition}",
                        ctx.method, ctx.path, origin.domain
                    ),
                    why.into(),
                    vec![],
                    Verdict::Pass,
                    Code::Delivered
                );
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
                hop!(
                    tb,
                    &s3,
                    &cf.id,
                    Layer::Http,
                    "TCP/443",
                    format!(
                        "HTTP {status}{} from S3{}",
                        if status == 304 { " Not Modified" } else { "" },
                        if ok {
                            origin
                                .cache_control
                                .as_ref()
                                .map(|c| format!(", Cache-Control: {c}"))
                                .unwrap_or_default()
                        } else {
                            String::new()
                        }
                    ),
                    match status {
                        200 => "the object exists".to_string(),
                        304 => "the ETag still matches: the object has not changed, so S3 sends no body".into(),
                        503 => "the origin is failing (injected fault): 503 Slow Down".into(),
                        _ => "no such object in the bucket".into(),
                    },
                    vec![],
                    if ok { Verdict::Pass } else { Verdict::Error },
                    if ok {
                        Code::Delivered
                    } else {
                        Code::TargetError
                    },
                );
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
                    hop!(
                        tb,
                        &cf.id,
                        &cf.id,
                        Layer::Http,
                        "-",
                        format!("origin {} answers 503", origin.id),
                        "the origin is failing (injected fault)".into(),
                        vec![],
                        Verdict::Error,
                        Code::TargetError,
                    );
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
        let key = crate::sim::dns::CacheOwner::Edge(&pop.id);
        let now = self.clock_ms;
        let hit = match self.cache_peek(key, &origin.domain) {
            Some(e) => Some(Cow::Borrowed(e)),
            None => self.cache_get(key, &origin.domain).map(Cow::Owned),
        };
        let (addresses, code) = if let Some(e) = hit {
            hop!(tb, &cf.id, &cf.id, Layer::Dns, "-", format!("origin DNS cache: {} -> {}", origin.domain, e.describe()),
                format!("CloudFront's resolver cached this answer; {} s of {} s left, so Route 53 is not asked (health changes are invisible until it expires)", e.remaining_s(now), e.ttl_s),
                vec![], Verdict::Pass, Code::DnsCacheHit);
            (e.addresses.clone(), e.code)
        } else {
            hop!(
                tb,
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("origin DNS cache: no entry for {}", origin.domain),
                "CloudFront must resolve the origin's name".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheMiss,
            );
            let e = self.iterate(&cf.id, key, &origin.domain, None, tb);
            (e.addresses, e.code)
        };
        if addresses.is_empty() {
            hop!(
                tb,
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("cannot resolve {}", origin.domain),
                "CloudFront answers 502 when it cannot resolve the origin".into(),
                vec![],
                Verdict::Error,
                code,
            );
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
        let edge = super::lb::AlbClient {
            caller: super::event::alb::Caller::CloudFront,
            id: &cf.id,
            ip: pop.ip,
            ports: EphemeralRange::Elb,
            rtt_ms: rtt,
            connect: attempts,
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

    /// WAF rules by priority; Allow and Block terminate, Count goes on; the
    /// default action applies when nothing terminated. Returns (allowed,
    /// checks, deciding rule, the client address WAF saw). Fact sheet §6.
    pub(crate) fn waf_evaluate<'a>(
        &mut self,
        acl: &'a WebAcl,
        peer: Ipv4Addr,
        ctx: &HttpCtx,
        body_limit: usize,
        quiet: bool,
    ) -> (bool, Vec<Check>, Cow<'a, str>, Ipv4Addr) {
        let seen = acl
            .forwarded_ip_header
            .as_deref()
            .and_then(|h| {
                ctx.header(h).map(|v| v.to_string()).or_else(|| {
                    if h.eq_ignore_ascii_case("x-forwarded-for") && !ctx.xff.is_empty() {
                        Some(
                            ctx.xff
                                .iter()
                                .map(|a| a.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    } else {
                        None
                    }
                })
            })
            .and_then(|v| v.split(',').next().and_then(|f| f.trim().parse().ok()))
            .unwrap_or(peer);
        let rules = by_priority(&acl.rules, |r| r.priority);
        let mut checks = Vec::new();
        // Inspect at most `body_limit` bytes of the body (8 KB regional,
        // 16 KB on CloudFront). Fact sheet §6 "Body inspection limit".
        let body = match ctx.body.char_indices().nth(body_limit) {
            Some((i, _)) => &ctx.body[..i],
            None => &*ctx.body,
        };
        let fields = [
            Scanned::new(WafField::Path, &ctx.path),
            Scanned::new(WafField::Query, &ctx.query),
            Scanned::new(WafField::Body, body),
        ];
        let headers: Vec<Scanned> = ctx
            .headers
            .iter()
            .map(|(k, v)| Scanned::new(WafField::Header(k), v))
            .collect();
        let find = |pats: &[&'static str]| {
            fields
                .iter()
                .chain(headers.iter())
                .find_map(|f| pats.iter().find(|p| f.contains(p)).map(|p| (f.field, *p)))
        };
        let now = self.clock_ms;
        let country = self
            .scenario
            .clients
            .iter()
            .find(|c| c.ip == seen)
            .map(|c| c.geo.country.as_str());
        for r in rules {
            let txt = |f: &dyn Fn() -> String| if quiet { String::new() } else { f() };
            let (matched, detail) = match &r.statement {
                WafStatement::IpSet { cidrs } => {
                    let m = cidrs.iter().find(|c| cidr_has(c, seen));
                    (
                        m.is_some(),
                        match m {
                            Some(c) => txt(&|| format!("source {seen} is in {c}")),
                            None => txt(&|| format!("source {seen} is in no listed CIDR")),
                        },
                    )
                }
                WafStatement::SqlInjection => match find(&[
                    "' or ",
                    "'or'",
                    "union select",
                    "--",
                    "; drop",
                    "1=1",
                    "' and ",
                ]) {
                    Some((f, p)) => (
                        true,
                        txt(&|| format!("SQL injection pattern '{p}' in the {f}")),
                    ),
                    None => (
                        false,
                        txt(&|| "no SQL injection pattern in path, query, body or headers".into()),
                    ),
                },
                WafStatement::Xss => {
                    match find(&["<script", "javascript:", "onerror=", "onload=", "<iframe"]) {
                        Some((f, p)) => (true, txt(&|| format!("XSS pattern '{p}' in the {f}"))),
                        None => (
                            false,
                            txt(&|| "no XSS pattern in path, query, body or headers".into()),
                        ),
                    }
                }
                WafStatement::GeoMatch { countries } => match &country {
                    Some(cc) if countries.iter().any(|x| x.eq_ignore_ascii_case(cc)) => {
                        (true, txt(&|| format!("{seen} is located in {cc}")))
                    }
                    Some(cc) => (
                        false,
                        txt(&|| {
                            format!("{seen} is located in {cc}, not in {}", countries.join(", "))
                        }),
                    ),
                    None => (false, txt(&|| format!("no country known for {seen}"))),
                },
                WafStatement::RateBased { limit, window_s } => {
                    let k = KeyBuf::new(&[&acl.id, "|", &r.name]);
                    if !self.waf.hits.contains_key(k.as_str()) {
                        self.waf.hits.insert(k.to_string(), BTreeMap::new());
                    }
                    let hits = self
                        .waf
                        .hits
                        .get_mut(k.as_str())
                        .expect("inserted above")
                        .entry(seen)
                        .or_default();
                    let from = now.saturating_sub(*window_s as u64 * 1000);
                    while hits.front().is_some_and(|t| *t < from) {
                        hits.pop_front();
                    }
                    hits.push_back(now);
                    let n = hits.len() as u32;
                    (
                        n > *limit,
                        txt(&|| {
                            format!(
                                "{n} requests from {seen} in the last {window_s} s (limit {limit})"
                            )
                        }),
                    )
                }
            };
            let terminating = matched && r.action != WafAction::Count;
            if quiet {
                // Only a denial is kept when nobody reads the hop text.
                if terminating && r.action == WafAction::Block {
                    checks.push(Check {
                        kind: CheckKind::WafRule,
                        subject: String::new(),
                        direction: None,
                        flow: String::new(),
                        decided_by: String::new(),
                        allowed: false,
                        side: None,
                        leg: Default::default(),
                        five_tuple: None,
                        rule: None,
                    });
                }
                if terminating {
                    return (
                        r.action == WafAction::Allow,
                        checks,
                        Cow::Borrowed(&r.name),
                        seen,
                    );
                }
                continue;
            }
            checks.push(Check {
                kind: CheckKind::WafRule,
                subject: format!("{} (priority {})", r.name, r.priority),
                direction: None,
                flow: detail,
                decided_by: if matched {
                    format!(
                        "match -> {:?}{}",
                        r.action,
                        if r.action == WafAction::Count {
                            " (counted, evaluation goes on)"
                        } else {
                            ""
                        }
                    )
                } else {
                    "no match".into()
                },
                allowed: !(terminating && r.action == WafAction::Block),
                side: None,
                leg: Default::default(),
                five_tuple: None,
                rule: None,
            });
            if terminating {
                return (
                    r.action == WafAction::Allow,
                    checks,
                    Cow::Borrowed(&r.name),
                    seen,
                );
            }
        }
        let allow = acl.default_action != WafAction::Block;
        if quiet {
            if !allow {
                checks.push(Check {
                    kind: CheckKind::WafDefault,
                    subject: String::new(),
                    direction: None,
                    flow: String::new(),
                    decided_by: String::new(),
                    allowed: false,
                    side: None,
                    leg: Default::default(),
                    five_tuple: None,
                    rule: None,
                });
            }
            let rule = match acl.default_action {
                WafAction::Block => "the default action (Block)",
                _ => "the default action (Allow)",
            };
            return (allow, checks, Cow::Borrowed(rule), seen);
        }
        checks.push(Check {
            kind: CheckKind::WafDefault,
            subject: acl.name.clone(),
            direction: None,
            flow: "no terminating rule matched".into(),
            decided_by: format!("default action {:?}", acl.default_action),
            allowed: allow,
            side: None,
            leg: Default::default(),
            five_tuple: None,
            rule: None,
        });
        (
            allow,
            checks,
            Cow::Owned(format!("the default action ({:?})", acl.default_action)),
            seen,
        )
    }
}

/// Where in a request WAF found a pattern.
#[derive(Clone, Copy)]
enum WafField<'a> {
    Path,
    Query,
    Body,
    Header(&'a str),
}

impl std::fmt::Display for WafField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WafField::Path => f.write_str("URI path"),
            WafField::Query => f.write_str("query string"),
            WafField::Body => f.write_str("body"),
            WafField::Header(k) => write!(f, "header {k}"),
        }
    }
}

/// A field as WAF matches it (lower-cased, URL-decoded), with the set of
/// bytes it holds: a pattern with a byte the field lacks is skipped without
/// a search, which is nearly every pattern on a normal request.
struct Scanned<'a> {
    field: WafField<'a>,
    text: Cow<'a, str>,
    bytes: [u64; 4],
}

impl<'a> Scanned<'a> {
    fn new(field: WafField<'a>, raw: &'a str) -> Self {
        let text = normalize(raw);
        let mut bytes = [0u64; 4];
        for b in text.bytes() {
            bytes[(b >> 6) as usize] |= 1 << (b & 63);
        }
        Scanned { field, text, bytes }
    }

    fn contains(&self, pat: &str) -> bool {
        pat.bytes()
            .all(|b| self.bytes[(b >> 6) as usize] & (1 << (b & 63)) != 0)
            && contains_pattern(&self.text, pat)
    }
}

/// Substring search tuned for short fields and short patterns.
fn contains_pattern(hay: &str, pat: &str) -> bool {
    let (h, p) = (hay.as_bytes(), pat.as_bytes());
    let Some((&first, rest)) = p.split_first() else {
        return true;
    };
    if h.len() < p.len() {
        return false;
    }
    (0..=h.len() - p.len()).any(|i| h[i] == first && &h[i + 1..i + p.len()] == rest)
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

/// Lower-case and URL-decode a field for pattern matching, without
/// copying when there is nothing to change.
fn normalize(s: &str) -> Cow<'_, str> {
    if s.bytes()
        .any(|b| b == b'%' || b == b'+' || b.is_ascii_uppercase())
    {
        Cow::Owned(url_decode(s))
    } else {
        Cow::Borrowed(s)
    }
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_ascii_lowercase()
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
