//! CloudFront: an edge location takes the viewer's connection, asks the
//! web ACL, picks the first matching cache behaviour, answers from its
//! cache or fetches from the origin (or origin group). Fact sheet §5, §7.
//!
//! - [`viewer`]: the viewer's side: TCP, TLS with SNI, viewer protocol
//!   policy, allowed methods, the answers CloudFront makes itself.
//! - [`cache`]: cache keys, TTLs from Cache-Control, error caching, stale
//!   copies, revalidation, invalidation; [`CdnState`] is the cache.
//! - [`origin`]: origin fetches, origin groups, S3.
//!
//! WAF is its own module ([`crate::sim::waf`]); CloudFront asks it first.

use std::collections::BTreeMap;

use super::conn::{Pool, Timers, BROWSER_USED_IDLE_S};
use super::event::waf::WafSite;
use super::event::CdnEvent;
use super::lb::{wildcard_match, HttpCtx};
use super::scenario::{Client, Distribution, Pop, WebAcl};
use super::trace::{Code, Event, Layer, Recorder, Step, Verdict};
use super::waf::WafVerdict;
use super::world::{us, CdnEntry, KeyBuf, Resp, World};
use viewer::ViewerTlsStart;

pub mod cache;
pub mod origin;
pub mod viewer;

pub use cache::{cf_ttl, CdnKey, InvalidPath, ALWAYS_CACHED_ERRORS, CACHED_WITH_MAX_AGE};
pub use origin::FAILOVER_CODES;

/// CloudFront's runtime state: its cache, keyed by edge and cache key
/// (see [`CdnKey`] for the key's parts).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CdnState {
    pub cache: BTreeMap<String, CdnEntry>,
}

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

/// One viewer at one edge location of the distribution: who talks to whom
/// on every hop of a CloudFront request.
pub(crate) struct Edge<'a> {
    pub client: &'a Client,
    pub pop: &'a Pop,
    pub cf: &'a Distribution,
    /// The viewer's round trip to the edge, in microseconds.
    pub rtt: u64,
}

impl Edge<'_> {
    /// CloudFront answers the viewer over HTTPS (half a round trip back).
    pub(crate) fn reply(
        &self,
        tb: &mut Recorder,
        event: impl FnOnce() -> CdnEvent,
        verdict: Verdict,
        code: Code,
    ) {
        self.reply_on(tb, "TCP/443", event, verdict, code);
    }

    /// CloudFront answers the viewer on the connection's own port.
    pub(crate) fn reply_on(
        &self,
        tb: &mut Recorder,
        proto: &str,
        event: impl FnOnce() -> CdnEvent,
        verdict: Verdict,
        code: Code,
    ) {
        tb.hop(|| {
            Step::new(
                (&self.cf.id, &self.client.id),
                Layer::Http,
                proto,
                Event::Cdn(event()),
                verdict,
                code,
            )
        });
        tb.wait(self.rtt / 2);
    }

    /// A hop inside CloudFront (a decision, its resolver, a failing origin).
    pub(crate) fn note(
        &self,
        tb: &mut Recorder,
        (layer, event): (Layer, impl FnOnce() -> CdnEvent),
        verdict: Verdict,
        code: Code,
    ) {
        tb.hop(|| {
            Step::new(
                (&self.cf.id, &self.cf.id),
                layer,
                "-",
                Event::Cdn(event()),
                verdict,
                code,
            )
        });
    }
}

impl World {
    /// A browser's request at a CloudFront edge location: the viewer's
    /// connection, the web ACL, the first matching behaviour and its
    /// allowed methods, then the cache or the origin. Fact sheet §5, §6, §17.
    pub(crate) fn cloudfront_request(
        &mut self,
        c: &Client,
        pop: &Pop,
        https: bool,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let sc = std::sync::Arc::clone(&self.scenario);
        let edge = Edge {
            client: c,
            pop,
            cf: &sc.cdn,
            rtt: us(c.rtt_pop_ms),
        };
        let behavior = edge
            .cf
            .behaviors
            .iter()
            .position(|b| cf_pattern_match(&b.path_pattern, &ctx.path));
        // The browser's connection to this host: reused while warm, else a
        // new one, resuming the TLS session when it holds a ticket (§26).
        let now = self.clock_ms;
        let port = if https { "443" } else { "80" };
        let key = KeyBuf::new(&["v|", &c.id, "|", &ctx.host, "|", port, "|", &pop.id]);
        let timers = Timers {
            client_idle_s: BROWSER_USED_IDLE_S,
            server_idle_s: u64::MAX / 1000,
            race: false,
        };
        // A health checker on the clock opens a new connection every time
        // and leaves none behind.
        let pool = if ctx.unpooled {
            Pool::None
        } else {
            self.conn.look(&key, now, timers)
        };
        let (src_port, tls) = match pool {
            Pool::Warm { pooled, idle_ms } => {
                edge.viewer_reuse(pooled, idle_ms, https, tb);
                (pooled.src_port, None)
            }
            pool => {
                let src_port = self.viewer_port(c);
                let closed = match pool {
                    Pool::Closed(cl) => Some(cl),
                    _ => None,
                };
                edge.viewer_connect(src_port, https, closed, tb);
                let ticket = KeyBuf::new(&["v|", &c.id, "|", &ctx.host]);
                let start = ViewerTlsStart::at_cloudfront(c, self.conn.has_ticket(&ticket, now));
                (src_port, https.then_some(start))
            }
        };
        let answer = edge.viewer_protocol((https, tls), behavior, ctx, tb);
        let certificate_refused = answer
            .as_ref()
            .is_some_and(|a| a.code == Code::CertificateMismatch);
        if !certificate_refused && !ctx.unpooled {
            let version = https.then_some(tls.map_or(c.tls_max, |t| t.version));
            self.conn.keep(&key, now, src_port, version);
            if tls.is_some() {
                // A completed handshake leaves a fresh session ticket.
                let ticket = KeyBuf::new(&["v|", &c.id, "|", &ctx.host]);
                self.conn.issue_ticket(&ticket, now);
            }
        }
        if let Some(answer) = answer {
            return answer;
        }
        // Past a size limit: CloudFront's own 413, before WAF. Fact sheet §5.
        if let Some(o) = super::reqlimit::cloudfront(ctx) {
            return edge.too_large(o, ctx, tb);
        }
        // An HTTP flood's request: Shield Standard passes it to WAF;
        // Advanced's automatic mitigation may block it. Fact sheet §7.
        if ctx.http_flood {
            let ends = (c.id.as_str(), edge.cf.id.as_str());
            if let Some(blocked) = super::shield::on_http(tb, ends, edge.cf.shield) {
                edge.reply(
                    tb,
                    || CdnEvent::ShieldBlocked,
                    Verdict::Error,
                    Code::ShieldMitigation,
                );
                return blocked;
            }
        }

        // WAF first: CloudFront asks the web ACL before anything else. Fact sheet §6, §17.
        let acl = &sc.waf;
        let body_limit = acl.body_inspection_kb.unwrap_or(16) as usize * 1024;
        let waf = self.waf_check(acl, c.ip, ctx, body_limit, tb);
        edge.record_waf(acl, &waf, tb);
        tb.wait(100);
        if !waf.allowed {
            return edge.waf_refusal(acl, &waf, ctx, tb);
        }

        // Cache behaviour: first match in list order. Fact sheet §5.
        let Some(bi) = behavior else {
            return Resp::err(
                Some(404),
                &edge.cf.id,
                Code::CacheMiss,
                "no cache behaviour matches".into(),
            );
        };
        if let Some(refused) = edge.method_refusal(&acl.id, bi, ctx, tb) {
            return refused;
        }
        self.cache_or_origin(&edge, (&acl.id, bi), ctx, tb)
    }
}

impl Edge<'_> {
    /// The web ACL's verdict at the edge, as a hop.
    fn record_waf(&self, acl: &WebAcl, waf: &WafVerdict, tb: &mut Recorder) {
        tb.hop(|| waf.step(acl, WafSite::Cloudfront, (&self.cf.id, &acl.id)));
    }

    /// WAF blocked: CloudFront answers 403 itself; no origin is asked.
    fn waf_refusal(
        &self,
        acl: &WebAcl,
        waf: &WafVerdict,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        if waf.status != 403 {
            // CAPTCHA (405) or Challenge (202): WAF's interstitial. Fact sheet §27.
            tb.hop(|| {
                Step::new(
                    (&self.cf.id, &self.client.id),
                    Layer::Http,
                    "TCP/443",
                    waf.interstitial(acl, ctx)
                        .expect("a CAPTCHA or Challenge rule stopped the request"),
                    Verdict::Error,
                    waf.code(),
                )
            });
            tb.wait(self.rtt / 2);
            return Resp::err(
                Some(waf.status),
                &acl.id,
                waf.code(),
                format!("{} by WAF rule {}", waf.status, waf.decider),
            );
        }
        self.reply(
            tb,
            || CdnEvent::WafBlocked {
                decider: waf.decider_event(),
            },
            Verdict::Error,
            Code::WafRuleBlock,
        );
        Resp::err(
            Some(403),
            &acl.id,
            Code::WafRuleBlock,
            format!("blocked by WAF rule {}", waf.decider),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_patterns_are_case_sensitive_and_the_slash_is_optional() {
        // §5: `*.jpg` does not match `LOGO.JPG`; leading / optional.
        assert!(cf_pattern_match("images/*.jpg", "/images/a/b.jpg"));
        assert!(!cf_pattern_match("*.jpg", "/LOGO.JPG"));
        assert!(cf_pattern_match("/api/*", "/api/x"));
        assert!(cf_pattern_match("a?.css", "/ab.css"));
    }
}
