//! CloudFront's cache: the cache key, TTLs from the behaviour and the
//! origin's Cache-Control, error caching, stale copies while the origin
//! fails, revalidation with 304, and invalidation. Fact sheet §5.

use std::fmt;

use super::origin::OriginAnswer;
use super::{CdnState, Edge};
use crate::sim::event::cdn::{CacheResult, CacheTtl, Stored, TtlReason};
use crate::sim::event::CdnEvent;
use crate::sim::lb::HttpCtx;
use crate::sim::scenario::{Behavior, Distribution, Pop};
use crate::sim::trace::{Code, Event, Layer, Recorder, Step, Verdict};
use crate::sim::world::{CdnEntry, KeyBuf, Resp, World, WorldEvent};

/// Statuses CloudFront caches whatever the origin says, for the error
/// caching minimum TTL (or the origin's max-age if larger). Fact sheet §5.
pub const ALWAYS_CACHED_ERRORS: [u16; 7] = [404, 414, 500, 501, 502, 503, 504];
/// Statuses cached only when the origin sends max-age / s-maxage.
pub const CACHED_WITH_MAX_AGE: [u16; 5] = [400, 403, 405, 412, 415];

/// A CloudFront cache key: the edge location, the path, and the query
/// string when the behaviour's cache policy puts it in the key (query
/// strings are not in it by default). Fact sheet §5.
///
/// [`CdnState`] stores it as `pop|path` or `pop|path?query`, assembled on
/// the stack for each lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdnKey<'a> {
    pub pop: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

impl<'a> CdnKey<'a> {
    /// The key a request has under a behaviour at an edge location.
    pub(crate) fn of(pop: &'a Pop, b: &Behavior, ctx: &'a HttpCtx) -> Self {
        CdnKey {
            pop: &pop.id,
            path: &ctx.path,
            query: (b.cache_query_strings && !ctx.query.is_empty()).then_some(&*ctx.query),
        }
    }

    /// A key as [`CdnState`] stores it.
    pub fn parse(stored: &'a str) -> Self {
        let (pop, url) = stored.split_once('|').unwrap_or(("", stored));
        let (path, query) = match url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (url, None),
        };
        CdnKey { pop, path, query }
    }

    fn stored(&self) -> KeyBuf {
        match self.query {
            Some(q) => KeyBuf::new(&[self.pop, "|", self.path, "?", q]),
            None => KeyBuf::new(&[self.pop, "|", self.path]),
        }
    }

    /// Whether an invalidation path covers this key: the exact path, or a
    /// prefix ending in `*` (which may reach into the query string).
    fn invalidated_by(&self, p: &str) -> bool {
        let Some(prefix) = p.strip_suffix('*') else {
            return self.path == p;
        };
        match prefix.strip_prefix(self.path) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix('?')
                .is_some_and(|r| self.query.is_some_and(|q| q.starts_with(r))),
            None => self.path.starts_with(prefix),
        }
    }
}

/// An invalidation path CloudFront refuses. Fact sheet §5.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidPath {
    /// Paths start with `/`.
    NoLeadingSlash(String),
    /// `*` may only be the last character.
    WildcardNotLast(String),
}

impl fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidPath::NoLeadingSlash(p) => {
                let p = crate::sim::text::clip(p);
                write!(f, "invalidation path '{p}' must start with /")
            }
            InvalidPath::WildcardNotLast(p) => write!(
                f,
                "invalidation path '{}': * is only allowed as the last character",
                crate::sim::text::clip(p)
            ),
        }
    }
}

impl CdnState {
    /// The entry under a key, fresh or not.
    pub fn get(&self, key: &CdnKey) -> Option<&CdnEntry> {
        self.cache.get(key.stored().as_str())
    }

    /// Keep an entry under a key (replacing what was there).
    pub fn store(&mut self, key: &CdnKey, entry: CdnEntry) {
        let k = key.stored();
        match self.cache.get_mut(k.as_str()) {
            Some(e) => *e = entry,
            None => {
                self.cache.insert(k.to_string(), entry);
            }
        }
    }

    /// Empty every cached object whose path matches, at every edge. Paths
    /// are case-sensitive and `*` may only be the last character.
    pub fn invalidate(&mut self, path: &str) -> Result<usize, InvalidPath> {
        let p = path.trim();
        if !p.starts_with('/') {
            return Err(InvalidPath::NoLeadingSlash(p.to_string()));
        }
        if p.find('*').is_some_and(|i| i != p.len() - 1) {
            return Err(InvalidPath::WildcardNotLast(p.to_string()));
        }
        let before = self.cache.len();
        self.cache
            .retain(|k, _| !CdnKey::parse(k).invalidated_by(p));
        Ok(before - self.cache.len())
    }
}

fn directive(cc: &str, name: &str) -> Option<u64> {
    cc.split(',').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.eq_ignore_ascii_case(name)
            .then(|| v.trim().parse().ok())
            .flatten()
    })
}

fn has_directive(cc: &str, name: &str) -> bool {
    cc.split(',').any(|d| d.trim().eq_ignore_ascii_case(name))
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

/// How long CloudFront keeps an error from the origin, if at all: the
/// error caching minimum TTL, or the origin's max-age if larger.
/// Fact sheet §5 "Errors from origin".
pub fn error_ttl(cf: &Distribution, status: u16, cc: Option<&str>) -> Option<u64> {
    let max_age = cc.and_then(|c| directive(c, "max-age"));
    let cached = ALWAYS_CACHED_ERRORS.contains(&status)
        || (CACHED_WITH_MAX_AGE.contains(&status) && max_age.is_some());
    let ttl = (cf.error_caching_min_ttl_s as u64).max(max_age.unwrap_or(0));
    (cached && ttl > 0).then_some(ttl)
}

/// The TTL chosen for a 200, as the event carries it.
fn cache_ttl(ttl_s: u32, reason: TtlReason, cache_control: Option<&str>) -> CacheTtl {
    CacheTtl {
        ttl_s,
        reason,
        cache_control: cache_control.map(str::to_string),
    }
}

/// What a lookup found, for the hop.
fn lookup_result(
    cacheable: bool,
    cached: Option<&CdnEntry>,
    b: &Behavior,
    now: u64,
) -> CacheResult {
    match cached {
        _ if !cacheable => CacheResult::Bypassed,
        Some(h) if h.expires_at_ms > now => CacheResult::Hit {
            age_s: (now - h.stored_at_ms) / 1000,
            ttl_left_s: (h.expires_at_ms - now).div_ceil(1000),
        },
        Some(e) => CacheResult::Expired {
            revalidate: e.status == 200,
        },
        None if b.max_ttl_s == 0 => CacheResult::CachingDisabled {
            min_ttl_s: b.min_ttl_s,
            default_ttl_s: b.default_ttl_s,
            max_ttl_s: b.max_ttl_s,
        },
        None => CacheResult::Miss,
    }
}

impl World {
    /// Look in the edge's cache under the behaviour's key: a fresh copy
    /// answers; otherwise the origin is asked (conditionally, for an
    /// expired 200) and its answer kept as the TTLs say. Only GET and HEAD
    /// are cached. Fact sheet §5.
    pub(super) fn cache_or_origin(
        &mut self,
        edge: &Edge,
        (acl_id, bi): (&str, usize),
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let b = &edge.cf.behaviors[bi];
        let cacheable = &*ctx.method == "GET" || &*ctx.method == "HEAD";
        let key = CdnKey::of(edge.pop, b, ctx);
        let now = self.clock_ms;
        let cached = if cacheable {
            self.cdn.get(&key).cloned()
        } else {
            None
        };
        let result = lookup_result(cacheable, cached.as_ref(), b, now);
        let hit = matches!(result, CacheResult::Hit { .. });
        tb.hop(|| {
            Step::new(
                (acl_id, &edge.cf.id),
                Layer::Cache,
                "-",
                Event::Cdn(CdnEvent::CacheLookup {
                    behaviour: bi as u16 + 1,
                    path_pattern: b.path_pattern.clone(),
                    origin: b.origin.clone(),
                    method: ctx.method.to_string(),
                    pop: edge.pop.city.clone(),
                    cache_key: key.stored().to_string(),
                    query_in_key: b.cache_query_strings,
                    result,
                }),
                Verdict::Pass,
                if hit { Code::CacheHit } else { Code::CacheMiss },
            )
        });
        if let Some(h) = cached.as_ref().filter(|_| hit) {
            return edge.serve_hit(h, now, tb);
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
        let ans = self.origin_fetch(edge, &b.origin, octx, tb);
        let got = ans.resp.status;
        if got == Some(304) {
            return self.refresh_hit(edge, (b, &key), &ans, tb);
        }
        // The origin fails: an expired copy of the object is served rather
        // than the error. An expired *error* is not a copy of anything: the
        // new error goes back (and is cached for the error caching TTL).
        if let Some(s) = cached.filter(|s| s.status < 400 && matches!(got, None | Some(500..=599)))
        {
            return self.serve_stale(edge, &key, s, (got, ans.resp.code), tb);
        }
        self.pass_on(edge, (b, &key), cacheable, ans, tb)
    }

    /// The origin answered 304 Not Modified: serve the held copy
    /// (`X-Cache: RefreshHit`) and keep it for a new TTL.
    fn refresh_hit(
        &mut self,
        edge: &Edge,
        (b, key): (&Behavior, &CdnKey),
        ans: &OriginAnswer,
        tb: &mut Recorder,
    ) -> Resp {
        let now = self.clock_ms;
        let cc = ans.cache_control.as_deref();
        let (ttl, reason) = cf_ttl(b, cc);
        let browser_max_age_s = browser_max_age(cc);
        self.cdn.store(
            key,
            CdnEntry {
                status: 200,
                stored_at_ms: now,
                expires_at_ms: now + ttl as u64 * 1000,
                browser_max_age_s,
                cause: None,
            },
        );
        edge.reply(
            tb,
            || CdnEvent::RefreshHit {
                ttl: cache_ttl(ttl, reason, cc),
            },
            Verdict::Pass,
            Code::CacheHit,
        );
        Resp {
            code: Code::CacheHit,
            browser_fresh_s: fresh_for(browser_max_age_s, 0),
            ..Resp::ok(
                200,
                &edge.cf.id,
                format!(
                    "expired copy revalidated at {} (304 from the origin)",
                    edge.pop.city
                ),
            )
        }
    }

    /// The origin failed: keep serving the expired copy for the error
    /// caching TTL. Fact sheet §5.
    fn serve_stale(
        &mut self,
        edge: &Edge,
        key: &CdnKey,
        s: CdnEntry,
        (got, why): (Option<u16>, Code),
        tb: &mut Recorder,
    ) -> Resp {
        let ttl = edge.cf.error_caching_min_ttl_s as u64;
        let status = s.status;
        self.cdn.store(
            key,
            CdnEntry {
                expires_at_ms: self.clock_ms + ttl * 1000,
                ..s
            },
        );
        edge.reply(
            tb,
            || CdnEvent::StaleHit {
                status,
                origin_status: got,
                error_ttl_s: ttl,
            },
            Verdict::Pass,
            Code::CacheHit,
        );
        Resp {
            code: Code::CacheHit,
            ..Resp::ok(
                status,
                &edge.cf.id,
                format!(
                    "stale copy served at {} while the origin fails ({}), for {ttl} s more",
                    edge.pop.city,
                    match got {
                        Some(st) => format!("HTTP {st}, {}", why.as_str()),
                        None => why.as_str().to_string(),
                    }
                ),
            )
        }
    }

    /// The origin's answer (or CloudFront's own 504) goes back to the
    /// viewer, kept in the cache if it may be: a 200 for its TTL, an error
    /// for the error caching TTL. Fact sheet §5 "What is cached".
    fn pass_on(
        &mut self,
        edge: &Edge,
        (b, key): (&Behavior, &CdnKey),
        cacheable: bool,
        ans: OriginAnswer,
        tb: &mut Recorder,
    ) -> Resp {
        let cf = edge.cf;
        let now = self.clock_ms;
        let mut resp = ans.resp;
        let got = resp.status;
        let status = got.unwrap_or(504);
        if resp.status.is_none() {
            resp.status = Some(504);
            resp.decided_by = cf.id.clone();
        }
        let cc = ans.cache_control.as_deref();
        let mut stored = None;
        if cacheable && status == 200 {
            let (ttl, reason) = cf_ttl(b, cc);
            let browser_max_age_s = browser_max_age(cc);
            if ttl > 0 {
                let expires_at_ms = now + ttl as u64 * 1000;
                self.cdn.store(
                    key,
                    CdnEntry {
                        status,
                        stored_at_ms: now,
                        expires_at_ms,
                        browser_max_age_s,
                        cause: None,
                    },
                );
            }
            resp.browser_fresh_s = fresh_for(browser_max_age_s, 0);
            if tb.records() {
                stored = Some(Stored::Object {
                    ttl: cache_ttl(ttl, reason, cc),
                });
            }
        } else if let Some(ttl) = error_ttl(cf, status, cc).filter(|_| cacheable) {
            let entry = CdnEntry {
                status,
                stored_at_ms: now,
                expires_at_ms: now + ttl * 1000,
                browser_max_age_s: None,
                cause: Some(resp.code),
            };
            self.cdn.store(key, entry);
            stored = Some(Stored::Error { status, ttl_s: ttl });
        }
        let by_cloudfront = resp.decided_by == cf.id;
        edge.reply(
            tb,
            || CdnEvent::OriginResponse {
                status,
                origin_status: got,
                by_cloudfront,
                stored,
            },
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            resp.code,
        );
        resp
    }

    /// Empty every cached object whose path matches. Paths are
    /// case-sensitive and `*` may only be the last character. Fact sheet §5.
    pub fn invalidate(&mut self, path: &str) -> Result<usize, String> {
        let n = self.cdn.invalidate(path).map_err(|e| e.to_string())?;
        self.events.push(WorldEvent {
            at_ms: self.clock_ms,
            source: "cloudfront".into(),
            text: format!(
                "invalidation {}: {n} cached objects removed from every edge",
                path.trim()
            ),
        });
        Ok(n)
    }
}

impl Edge<'_> {
    /// A fresh copy (or a cached error) answers without the origin.
    fn serve_hit(&self, h: &CdnEntry, now: u64, tb: &mut Recorder) -> Resp {
        let age = (now - h.stored_at_ms) / 1000;
        self.reply(
            tb,
            || CdnEvent::CacheHit {
                status: h.status,
                age_s: age,
                pop: self.pop.city.clone(),
            },
            if h.status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            Code::CacheHit,
        );
        let city = &self.pop.city;
        if h.status < 400 {
            Resp {
                code: Code::CacheHit,
                browser_fresh_s: fresh_for(h.browser_max_age_s, age),
                ..Resp::ok(h.status, &self.cf.id, format!("cache hit at {city}"))
            }
        } else {
            let left = h.expires_at_ms.saturating_sub(now).div_ceil(1000);
            let cause = h
                .cause
                .map(|c| format!("; the error it keeps: {}", c.as_str()))
                .unwrap_or_default();
            Resp::err(
                Some(h.status),
                &self.cf.id,
                Code::CacheHit,
                format!(
                    "cached {} at {city}: CloudFront's error cache answers for {left} s more without asking the origin{cause}",
                    h.status
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::{AllowedMethods, ViewerProtocol};

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
        let (ttl, reason) = cf_ttl(
            &behavior(0, 86_400, 31_536_000),
            Some("max-age=60, s-maxage=120"),
        );
        assert_eq!(ttl, 120);
        assert!(matches!(
            reason,
            TtlReason::MaxAge {
                s_maxage: true,
                age_s: 120,
                ..
            }
        ));
    }

    #[test]
    fn no_store_is_not_cached_unless_a_minimum_ttl_forces_it() {
        // §5: no-cache/no-store/private with Min TTL 0 -> not cached; Min > 0 -> Min.
        assert_eq!(
            cf_ttl(&behavior(0, 86_400, 31_536_000), Some("no-store")),
            (0, TtlReason::NotCached)
        );
        assert_eq!(
            cf_ttl(&behavior(30, 86_400, 31_536_000), Some("private")),
            (30, TtlReason::MinimumWins { min_ttl_s: 30 })
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
    fn a_cache_key_reads_back_as_edge_path_and_query() {
        let k = CdnKey::parse("pop-fra|/static/app.js?v=2");
        assert_eq!(
            k,
            CdnKey {
                pop: "pop-fra",
                path: "/static/app.js",
                query: Some("v=2")
            }
        );
        assert_eq!(k.stored().as_str(), "pop-fra|/static/app.js?v=2");
    }

    #[test]
    fn an_invalidation_matches_the_exact_path_or_a_trailing_wildcard_prefix() {
        // §5: paths are case-sensitive; `*` only as the last character.
        let k = CdnKey::parse("pop-fra|/static/app.js?v=2");
        assert!(k.invalidated_by("/static/app.js"));
        assert!(k.invalidated_by("/static/*"));
        assert!(k.invalidated_by("/static/app.js?v*"));
        assert!(!k.invalidated_by("/static/app.js?w*"));
        assert!(!k.invalidated_by("/Static/*"));
        assert!(!k.invalidated_by("/static"));
    }
}
