//! Events of CloudFront: viewer protocol, cache lookups, origin fetches, errors it answers itself.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

use super::waf::WafDecider;
use crate::sim::conn::{Closed, Closer, TlsStart, TlsVersion};
use crate::sim::scenario::AllowedMethods;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CdnEvent {
    /// The viewer's TCP handshake with an edge location (Shield Standard
    /// screens layer 3/4 floods here). Fact sheet §7, §16.
    ViewerConnect {
        pop: String,
        pop_ip: Ipv4Addr,
        src_port: u16,
        rtt_ms: u32,
        /// The connection this browser had open to the host before, closed
        /// by an idle timer since its last request. Fact sheet §26.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closed: Option<Closed>,
    },
    /// A plain-HTTP request arriving at the edge on port 80.
    PlainRequest {
        method: String,
        host: String,
        path: String,
    },
    /// Viewer protocol policy "Redirect HTTP to HTTPS": CloudFront answers
    /// 301 itself. Fact sheet §5.
    ViewerRedirect { location: String },
    /// Viewer protocol policy "HTTPS only": CloudFront answers plain HTTP
    /// with 403. Fact sheet §5.
    HttpsOnly,
    /// The viewer's TLS handshake: the SNI it sent and the certificate
    /// the edge presented; the version and whether a session ticket
    /// resumed an earlier session. Fact sheet §16, §26.
    ViewerTls {
        sni: String,
        certificate: String,
        #[serde(default, skip_serializing_if = "TlsVersion::is_default")]
        version: TlsVersion,
        #[serde(default, skip_serializing_if = "TlsStart::is_default")]
        start: TlsStart,
        /// The browser offered TLS 1.3 0-RTT early data, which CloudFront
        /// does not accept: the request waits for the handshake.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        early_data_refused: bool,
    },
    /// The viewer typed the edge's address: a browser sends no SNI for an
    /// IP literal (RFC 6066 §3), the edge presents its default
    /// `*.cloudfront.net` certificate, and the browser refuses it because
    /// it does not name the address.
    ViewerCertificateMismatch {
        address: Ipv4Addr,
        certificate: String,
    },
    /// The decrypted request at the edge.
    ViewerRequest {
        method: String,
        host: String,
        path: String,
        query: String,
    },
    /// CloudFront answers 403 because its web ACL blocked the request.
    WafBlocked { decider: WafDecider },
    /// The matching cache behaviour does not accept this method. Fact sheet §5.
    MethodNotAllowed {
        /// 1-based position of the behaviour in the distribution's list.
        behaviour: u16,
        path_pattern: String,
        method: String,
        allowed: AllowedMethods,
    },
    /// CloudFront's own 403 for a method the behaviour refuses.
    MethodRefused,
    /// The first matching cache behaviour, and the cache lookup under its key.
    CacheLookup {
        behaviour: u16,
        path_pattern: String,
        origin: String,
        method: String,
        /// The edge location (city) whose cache was looked in.
        pop: String,
        /// The cache key as stored: edge, path and (if in the key) query.
        cache_key: String,
        /// Whether the cache policy puts the query string in the key.
        query_in_key: bool,
        result: CacheResult,
    },
    /// A fresh copy answered from the edge's cache (a cached error too).
    CacheHit {
        status: u16,
        age_s: u64,
        pop: String,
    },
    /// The origin answered 304 to a revalidation: the held copy is served
    /// (`X-Cache: RefreshHit`) and kept again. Fact sheet §5.
    RefreshHit { ttl: CacheTtl },
    /// The origin failed, so the expired copy is served for the error
    /// caching TTL. Fact sheet §5.
    StaleHit {
        status: u16,
        origin_status: Option<u16>,
        error_ttl_s: u64,
    },
    /// The origin's answer (or CloudFront's own 504) goes back to the viewer.
    OriginResponse {
        status: u16,
        /// What the origin answered; None when it did not answer at all.
        origin_status: Option<u16>,
        /// CloudFront itself produced the answer (not the origin).
        by_cloudfront: bool,
        /// How the answer was stored in the edge's cache, if it was.
        stored: Option<Stored>,
    },
    /// An origin group's primary failed; the secondary is tried. Fact sheet §5.
    OriginGroupFailover {
        group: String,
        primary: String,
        secondary: String,
        primary_status: Option<u16>,
    },
    /// An origin group's primary failed, but this method does not fail over.
    OriginGroupNoFailover { group: String, method: String },
    /// CloudFront asks an S3 origin for an object.
    S3Request {
        method: String,
        path: String,
        bucket: String,
        /// A conditional request (If-None-Match) revalidating an expired copy.
        conditional: bool,
    },
    /// S3's answer.
    S3Response {
        status: u16,
        cache_control: Option<String>,
    },
    /// A custom origin fails (injected fault): 503.
    OriginFault { origin: String },
    /// CloudFront's resolver holds the origin's DNS answer.
    OriginDnsCached {
        domain: String,
        /// The cached answer as the resolver shows it (addresses and the
        /// record, or the negative code).
        answer: String,
        ttl_left_s: u32,
        ttl_s: u32,
    },
    /// CloudFront's resolver must resolve the origin's name.
    OriginDnsMiss { domain: String },
    /// The origin's name does not resolve: CloudFront answers 502.
    OriginUnresolvable { domain: String },
    /// The viewer's request is past one of CloudFront's size limits (the
    /// URL, 8,192 bytes; the request line and headers, 20,480 bytes):
    /// CloudFront answers 413 itself, before its web ACL, its cache or any
    /// origin. Fact sheet §5.
    RequestTooLarge {
        limit: crate::sim::reqlimit::LimitKind,
        /// The measured size, bytes.
        size: u64,
        /// The limit, bytes.
        max: u64,
        status: u16,
    },
    /// CloudFront answers 403 because Shield Advanced's automatic
    /// application-layer mitigation blocked an HTTP flood's request.
    /// Fact sheet §7.
    ShieldBlocked,
    /// The browser sends on the connection it already has open to this
    /// host at the edge: no TCP or TLS handshake. Fact sheet §26.
    ViewerReuse {
        pop: String,
        src_port: u16,
        /// How long it sat idle since its last request.
        idle_ms: u64,
        /// Requests it served before this one.
        served: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<TlsVersion>,
    },
}

fn version_words(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::V12 => "TLS 1.2",
        TlsVersion::V13 => "TLS 1.3",
    }
}

/// `12 s`, `1.5 s`, `250 ms`: an idle time as a learner reads it.
pub(crate) fn idle_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Why the last connection is gone, for the hop that opens a new one.
pub(crate) fn closed_text(c: &Closed, client: &str, server: &str) -> String {
    let who = match c.by {
        Closer::Client => client,
        Closer::Server => server,
    };
    format!(
        "the previous connection sat idle {} and {who} closed it (its {} s idle timeout); ",
        idle_text(c.idle_ms),
        c.timeout_s
    )
}

/// What a cache lookup found. Fact sheet §5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CacheResult {
    /// The method is never cached (only GET and HEAD are).
    Bypassed,
    /// A fresh copy.
    Hit { age_s: u64, ttl_left_s: u64 },
    /// An expired copy: a 200 is revalidated, an error fetched again.
    Expired { revalidate: bool },
    /// Nothing under this key.
    Miss,
    /// Nothing stored: the cache policy's TTLs are all 0 (CachingDisabled).
    CachingDisabled {
        min_ttl_s: u32,
        default_ttl_s: u32,
        max_ttl_s: u32,
    },
}

/// How CloudFront chose a TTL for a 200 from the behaviour's min / default
/// / max TTL and the origin's Cache-Control. Fact sheet §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum TtlReason {
    /// TTLs 0/0/0: nothing is stored.
    CachingDisabled,
    /// No Cache-Control: the default TTL.
    NoCacheControl,
    /// no-cache / no-store / private with minimum TTL 0: not cached.
    NotCached,
    /// no-cache / no-store / private, but the minimum TTL is above 0.
    MinimumWins { min_ttl_s: u32 },
    /// max-age or s-maxage, clamped to the behaviour's minimum and maximum.
    MaxAge {
        s_maxage: bool,
        age_s: u32,
        min_ttl_s: u32,
        max_ttl_s: u32,
    },
    /// A Cache-Control without max-age: the default TTL.
    NoMaxAge,
}

/// A TTL chosen for a 200, with the Cache-Control it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheTtl {
    pub ttl_s: u32,
    pub reason: TtlReason,
    pub cache_control: Option<String>,
}

impl fmt::Display for CacheTtl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ttl = self.ttl_s;
        let cc = self.cache_control.as_deref().unwrap_or("");
        match self.reason {
            TtlReason::CachingDisabled => f.write_str(
                "the cache policy's TTLs are 0/0/0 (CachingDisabled): nothing is stored",
            ),
            TtlReason::NoCacheControl => write!(
                f,
                "no Cache-Control from the origin: the default TTL applies ({ttl} s)"
            ),
            TtlReason::NotCached => write!(
                f,
                "origin says '{cc}' and the minimum TTL is 0: not cached"
            ),
            TtlReason::MinimumWins { min_ttl_s } => write!(
                f,
                "origin says '{cc}' but the minimum TTL {min_ttl_s} s wins"
            ),
            TtlReason::MaxAge {
                s_maxage,
                age_s,
                min_ttl_s,
                max_ttl_s,
            } => write!(
                f,
                "origin sends {}={age_s}; clamped to the behaviour's {min_ttl_s}/{max_ttl_s} s: cached {ttl} s",
                if s_maxage { "s-maxage" } else { "max-age" }
            ),
            TtlReason::NoMaxAge => write!(
                f,
                "Cache-Control '{cc}' has no max-age: the default TTL applies ({ttl} s)"
            ),
        }
    }
}

/// How an origin's answer was kept in the edge's cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Stored {
    /// A 200, for the TTL chosen (0: not stored).
    Object { ttl: CacheTtl },
    /// An error, for the error caching minimum TTL (or a larger max-age).
    Error { status: u16, ttl_s: u64 },
}

impl fmt::Display for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stored::Object { ttl } => ttl.fmt(f),
            Stored::Error { status, ttl_s } => write!(
                f,
                "CloudFront caches a {status} for the error caching minimum TTL ({ttl_s} s), so the next requests in that time get it without asking the origin"
            ),
        }
    }
}

impl CacheResult {
    /// The result in one word, as the hop shows it.
    pub fn word(&self) -> &'static str {
        match self {
            CacheResult::Bypassed => "bypassed",
            CacheResult::Hit { .. } => "HIT",
            CacheResult::Expired { .. } => "EXPIRED",
            CacheResult::Miss | CacheResult::CachingDisabled { .. } => "MISS",
        }
    }
}

/// The X-Cache header: `Error from cloudfront` for an error status.
fn x_cache(status: u16, otherwise: &'static str) -> &'static str {
    if status >= 400 {
        "Error from cloudfront"
    } else {
        otherwise
    }
}

/// The Age header, when the copy is at least a second old.
fn age_header(age_s: u64) -> String {
    if age_s > 0 {
        format!(", Age: {age_s}")
    } else {
        String::new()
    }
}

fn status_text(s: Option<u16>) -> String {
    s.map(|g| g.to_string())
        .unwrap_or_else(|| "no answer".into())
}

impl CdnEvent {
    pub fn what(&self) -> String {
        match self {
            CdnEvent::ViewerConnect {
                pop,
                pop_ip,
                src_port,
                ..
            } => format!(
                "TCP handshake SYN / SYN-ACK / ACK with {pop} ({pop_ip}) from port {src_port}"
            ),
            CdnEvent::PlainRequest { method, host, path } => {
                format!("HTTP {method} {host}{path}")
            }
            CdnEvent::ViewerRedirect { location } => {
                format!("HTTP 301 X-Cache: Redirect from cloudfront, Location: {location}")
            }
            CdnEvent::HttpsOnly => "HTTP 403 Forbidden".into(),
            CdnEvent::ViewerTls {
                sni,
                version,
                start,
                ..
            } => {
                let v = version_words(*version);
                match start {
                    TlsStart::Full => format!("{v} handshake, SNI {sni}"),
                    TlsStart::Resumed | TlsStart::EarlyData => {
                        format!("{v} session resumed, SNI {sni}")
                    }
                }
            }
            CdnEvent::ViewerCertificateMismatch { .. } => {
                "TLS 1.3 handshake without SNI: certificate name mismatch".into()
            }
            CdnEvent::ViewerRequest {
                method,
                host,
                path,
                query,
            } => {
                let q = if query.is_empty() { "" } else { "?" };
                format!("HTTP {method} {path}{q}{query} Host: {host}")
            }
            CdnEvent::WafBlocked { .. } => "HTTP 403 Forbidden (from AWS WAF)".into(),
            CdnEvent::MethodNotAllowed {
                behaviour,
                path_pattern,
                method,
                ..
            } => {
                format!("behaviour {behaviour} '{path_pattern}': {method} is not an allowed method")
            }
            CdnEvent::MethodRefused => "HTTP 403 Forbidden X-Cache: Error from cloudfront".into(),
            CdnEvent::CacheLookup {
                behaviour,
                path_pattern,
                origin,
                result,
                ..
            } => format!(
                "behaviour {behaviour} '{path_pattern}' -> {origin}; cache {}",
                result.word()
            ),
            CdnEvent::CacheHit { status, age_s, .. } => format!(
                "HTTP {status} X-Cache: {}{}",
                x_cache(*status, "Hit from cloudfront"),
                age_header(*age_s)
            ),
            CdnEvent::RefreshHit { .. } => "HTTP 200 X-Cache: RefreshHit from cloudfront".into(),
            CdnEvent::StaleHit { status, .. } => {
                format!("HTTP {status} X-Cache: Hit from cloudfront (stale)")
            }
            CdnEvent::OriginResponse {
                status,
                by_cloudfront: true,
                ..
            } => format!("HTTP {status} X-Cache: Error from cloudfront"),
            CdnEvent::OriginResponse { status, .. } => format!(
                "HTTP {status} X-Cache: {}",
                x_cache(*status, "Miss from cloudfront")
            ),
            CdnEvent::OriginGroupFailover {
                group,
                primary,
                secondary,
                primary_status,
            } => format!(
                "origin group {group}: primary {primary} failed ({}), trying secondary {secondary}",
                status_text(*primary_status)
            ),
            CdnEvent::OriginGroupNoFailover { group, method } => {
                format!("origin group {group}: no failover for {method}")
            }
            CdnEvent::S3Request {
                method,
                path,
                bucket,
                conditional,
            } => format!(
                "HTTP {method} {path} from {bucket}{}",
                if *conditional {
                    " If-None-Match: <ETag of the cached copy>"
                } else {
                    ""
                }
            ),
            CdnEvent::S3Response {
                status,
                cache_control,
            } => format!(
                "HTTP {status}{} from S3{}",
                if *status == 304 { " Not Modified" } else { "" },
                cache_control
                    .as_ref()
                    .map(|c| format!(", Cache-Control: {c}"))
                    .unwrap_or_default()
            ),
            CdnEvent::OriginFault { origin } => format!("origin {origin} answers 503"),
            CdnEvent::OriginDnsCached { domain, answer, .. } => {
                format!("origin DNS cache: {domain} -> {answer}")
            }
            CdnEvent::OriginDnsMiss { domain } => {
                format!("origin DNS cache: no entry for {domain}")
            }
            CdnEvent::OriginUnresolvable { domain } => format!("cannot resolve {domain}"),
            CdnEvent::ShieldBlocked => "HTTP 403 Forbidden (Shield Advanced mitigation)".into(),
            CdnEvent::RequestTooLarge {
                limit,
                size,
                max,
                status,
            } => format!(
                "HTTP {status} Request Entity Too Large: {} {size} bytes > {max}",
                limit.label()
            ),
            CdnEvent::ViewerReuse { pop, src_port, .. } => {
                format!("reusing the open connection to {pop} from port {src_port}")
            }
        }
    }

    pub fn why(&self) -> String {
        match self {
            CdnEvent::ViewerConnect { rtt_ms, closed, .. } => format!(
                "{}one round trip ({rtt_ms} ms) before the browser can send; Shield Standard screens SYN floods and other layer 3/4 attacks at the edge, but not HTTP (fact sheet §7, §16)",
                closed
                    .as_ref()
                    .map(|c| closed_text(c, "the browser", "the edge"))
                    .unwrap_or_default()
            ),
            CdnEvent::PlainRequest { .. } => "plain HTTP reaches the edge".into(),
            CdnEvent::ViewerRedirect { .. } => "viewer protocol policy 'Redirect HTTP to HTTPS' answers GET/HEAD over HTTP with 301 (fact sheet §5)".into(),
            CdnEvent::HttpsOnly => {
                "viewer protocol policy 'HTTPS only' answers plain HTTP with 403 (fact sheet §5)"
                    .into()
            }
            CdnEvent::ViewerTls {
                certificate,
                version,
                start,
                early_data_refused,
                ..
            } => {
                let mut why = match (start, version) {
                    (TlsStart::Full, TlsVersion::V13) => format!(
                        "one more round trip; the edge presents the certificate for {certificate} and the browser checks it"
                    ),
                    (TlsStart::Full, TlsVersion::V12) => format!(
                        "two more round trips, TLS 1.2's full handshake (TLS 1.3 needs one); the edge presents the certificate for {certificate} and the browser checks it (fact sheet §16)"
                    ),
                    _ => format!(
                        "one more round trip: the browser's session ticket from an earlier connection resumes the session without a certificate exchange; CloudFront-Viewer-TLS reads {}:…:sessionResumed (fact sheet §16, §26)",
                        version.label()
                    ),
                };
                if *early_data_refused {
                    why.push_str("; the browser offered 0-RTT early data, which CloudFront does not accept, so the request waits for the handshake (fact sheet §26)");
                }
                why
            }
            CdnEvent::ViewerCertificateMismatch { address, certificate } => format!(
                "a browser sends no SNI for an IP address, so the edge presents its default certificate ({certificate}), which does not name {address}; the browser refuses it (NET::ERR_CERT_COMMON_NAME_INVALID) and sends nothing"
            ),
            CdnEvent::ViewerRequest { .. } => "the encrypted request reaches the edge".into(),
            CdnEvent::WafBlocked { decider } => format!(
                "blocked at the edge by rule {decider}; the request never reached an origin"
            ),
            CdnEvent::MethodNotAllowed { allowed, .. } => format!(
                "this behaviour accepts {} only, so CloudFront answers 403 (Invalid method) itself and asks no origin (fact sheet §5)",
                allowed.methods().join(", ")
            ),
            CdnEvent::MethodRefused => {
                "CloudFront's own answer: the method is not allowed here".into()
            }
            CdnEvent::CacheLookup {
                method,
                pop,
                query_in_key,
                result,
                ..
            } => {
                let key_text = if *query_in_key {
                    "path and query string"
                } else {
                    "path only; query strings are ignored unless the cache policy adds them"
                };
                match result {
                    CacheResult::Bypassed => format!("first matching behaviour in list order; {method} is never cached, only GET and HEAD are (fact sheet §5)"),
                    CacheResult::Hit { age_s, ttl_left_s } => format!("first matching behaviour in list order; cached {age_s} s ago, {ttl_left_s} s left (cache key: {key_text})"),
                    CacheResult::Expired { revalidate: true } => "first matching behaviour in list order; the cached copy has expired, so CloudFront asks the origin whether it changed (fact sheet §5)".into(),
                    CacheResult::Expired { revalidate: false } => "first matching behaviour in list order; the cached copy has expired, so CloudFront asks the origin again".into(),
                    CacheResult::CachingDisabled { min_ttl_s, default_ttl_s, max_ttl_s } => format!("first matching behaviour in list order; its cache policy has TTLs {min_ttl_s}/{default_ttl_s}/{max_ttl_s} s (CachingDisabled), so every request goes to the origin"),
                    CacheResult::Miss => format!("first matching behaviour in list order; not in the {pop} edge's cache (cache key: {key_text}), so fetch from the origin"),
                }
            }
            CdnEvent::CacheHit { status, pop, .. } => {
                if *status >= 400 {
                    format!("a cached error: CloudFront keeps {status} answers for the error caching minimum TTL, so the origin is not asked (fact sheet §5)")
                } else {
                    format!("served from the {pop} edge without touching the origin")
                }
            }
            CdnEvent::RefreshHit { ttl } => format!(
                "the origin answered 304 Not Modified, so CloudFront serves the copy it already holds and keeps it again: {ttl} (fact sheet §5)"
            ),
            CdnEvent::StaleHit {
                origin_status,
                error_ttl_s,
                ..
            } => format!(
                "the origin failed ({}), so CloudFront keeps serving its expired copy for the error caching TTL ({error_ttl_s} s) (fact sheet §5)",
                status_text(*origin_status)
            ),
            CdnEvent::OriginResponse {
                status,
                origin_status,
                by_cloudfront,
                stored,
            } => {
                let why = if origin_status.is_none() || (*by_cloudfront && *status == 504) {
                    "CloudFront answers 504 Gateway Timeout itself: it could not get an answer from the origin".to_string()
                } else {
                    format!("the origin's answer ({status}) goes back to the browser over the same TLS connection")
                };
                match stored {
                    Some(s) => format!("{why}; {s}"),
                    None => why,
                }
            }
            CdnEvent::OriginGroupFailover { .. } => "origin groups fail over on the listed status codes, a connection failure or a timeout, for GET, HEAD and OPTIONS; every new request still tries the primary first (fact sheet §5)".into(),
            CdnEvent::OriginGroupNoFailover { .. } => {
                "only GET, HEAD and OPTIONS fail over to the secondary origin (fact sheet §5)".into()
            }
            CdnEvent::S3Request { conditional, .. } => if *conditional {
                "CloudFront's copy has expired, so it asks S3 whether the object changed (a conditional request with the copy's ETag)"
            } else {
                "CloudFront fetches the object from the S3 bucket (a regional edge cache sits in between for cacheable objects)"
            }
            .into(),
            CdnEvent::S3Response { status, .. } => match status {
                200 => "the object exists",
                304 => "the ETag still matches: the object has not changed, so S3 sends no body",
                503 => "the origin is failing (injected fault): 503 Slow Down",
                _ => "no such object in the bucket",
            }
            .into(),
            CdnEvent::OriginFault { .. } => "the origin is failing (injected fault)".into(),
            CdnEvent::OriginDnsCached {
                ttl_left_s, ttl_s, ..
            } => format!(
                "CloudFront's resolver cached this answer; {ttl_left_s} s of {ttl_s} s left, so Route 53 is not asked (health changes are invisible until it expires)"
            ),
            CdnEvent::OriginDnsMiss { .. } => "CloudFront must resolve the origin's name".into(),
            CdnEvent::OriginUnresolvable { .. } => {
                "CloudFront answers 502 when it cannot resolve the origin".into()
            }
            CdnEvent::ShieldBlocked => "the rule group Shield Advanced added to the web ACL blocks this HTTP flood: CloudFront answers 403 and no origin is asked (fact sheet §7)".into(),
            CdnEvent::RequestTooLarge { limit, size, max, .. } => format!(
                "the {} is {size} bytes; CloudFront accepts at most {max} and answers 413 itself, then closes the connection: its web ACL, its cache and the origin never see the request (fact sheet §5)",
                limit.label()
            ),
            CdnEvent::ViewerReuse {
                idle_ms, served, ..
            } => format!(
                "the browser keeps a connection that has served a request open for up to 300 s idle (Chromium); this one served {served} and sat idle {}, so there is no TCP or TLS handshake and the request goes at once: CloudFront-Viewer-TLS reads connectionReused (fact sheet §26)",
                idle_text(*idle_ms)
            ),
        }
    }
}
