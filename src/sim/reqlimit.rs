//! The size limits CloudFront and the ALB enforce on a request's URL,
//! request line and headers, measured on the request as it arrives, and
//! the status each answers with. Deciding is arithmetic on lengths (a
//! small `Copy` value, [`Oversize`]); the trace's words live in the
//! events (`CdnEvent::RequestTooLarge`, `AlbError::RequestTooLarge`).
//!
//! - CloudFront (fact sheet §5, CloudFront quotas [CF-CUSTOM]): a URL of
//!   at most 8,192 bytes and a request (request line and headers, not the
//!   body) of at most 20,480 bytes; past either it answers 413.
//! - ALB (fact sheet §8 "Header limits", "Errors the ALB itself
//!   generates"): request line 16 K (414 URI too long), a single header
//!   16 K and the whole request header 64 K (400).

use serde::{Deserialize, Serialize};

use super::lb::HttpCtx;
use super::limits::{
    ALB_MAX_HEADER, ALB_MAX_HEADER_SECTION, ALB_MAX_REQUEST_LINE, CF_MAX_REQUEST, CF_MAX_URL,
};

/// Which limit a request went past.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// CloudFront: the URL it builds from the request (scheme, host, path,
    /// query). Fact sheet §5.
    Url,
    /// CloudFront: the request line and headers together, not the body.
    /// Fact sheet §5.
    Request,
    /// ALB: `METHOD /path?query HTTP/1.1`. Fact sheet §8.
    RequestLine,
    /// ALB: one header line, `name: value`. Fact sheet §8.
    Header,
    /// ALB: the request line and every header together. Fact sheet §8.
    HeaderSection,
}

impl LimitKind {
    /// The words for this limit.
    pub fn label(self) -> &'static str {
        match self {
            LimitKind::Url => "URL length",
            LimitKind::Request => "request length (request line and headers)",
            LimitKind::RequestLine => "request line",
            LimitKind::Header => "single header",
            LimitKind::HeaderSection => "whole request header",
        }
    }
}

/// A limit one request went past: which, its measured size in bytes and
/// the limit, and the header's position for [`LimitKind::Header`] (0 is
/// `host`, then the request's own headers in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oversize {
    pub limit: LimitKind,
    pub size: usize,
    pub max: usize,
    pub header: Option<usize>,
}

impl Oversize {
    /// The status the refusing component answers with: CloudFront 413,
    /// the ALB 414 for the request line and 400 for headers.
    pub fn status(&self) -> u16 {
        match self.limit {
            LimitKind::Url | LimitKind::Request => 413,
            LimitKind::RequestLine => 414,
            LimitKind::Header | LimitKind::HeaderSection => 400,
        }
    }

    /// The event's data for this refusal.
    pub(crate) fn hit(&self, ctx: &HttpCtx) -> LimitHit {
        LimitHit {
            limit: self.limit,
            size: self.size as u64,
            max: self.max as u64,
            header: self.header.and_then(|i| header_name(ctx, i)),
        }
    }
}

/// A refused request's limit as the trace shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitHit {
    pub limit: LimitKind,
    /// The measured size, bytes.
    pub size: u64,
    /// The limit, bytes.
    pub max: u64,
    /// The header that is too long, for a single-header limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

fn header_name(ctx: &HttpCtx, i: usize) -> Option<String> {
    if i == 0 {
        return Some("host".into());
    }
    own_headers(ctx)
        .nth(i - 1)
        .map(|(k, _)| k.clone())
        .or_else(|| (!ctx.xff.is_empty()).then(|| "x-forwarded-for".into()))
}

/// The request's own headers, without X-Forwarded-For (measured as the
/// hop sends it, from `ctx.xff`).
fn own_headers(ctx: &HttpCtx) -> impl Iterator<Item = &(String, String)> {
    ctx.headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("x-forwarded-for"))
}

/// `METHOD /path?query HTTP/1.1`, in bytes.
pub(crate) fn request_line(ctx: &HttpCtx) -> usize {
    let q = if ctx.query.is_empty() {
        0
    } else {
        1 + ctx.query.len()
    };
    ctx.method.len() + 1 + ctx.path.len() + q + " HTTP/1.1".len()
}

/// The URL CloudFront builds: `https://host/path?query`, in bytes.
pub(crate) fn url_len(ctx: &HttpCtx) -> usize {
    let q = if ctx.query.is_empty() {
        0
    } else {
        1 + ctx.query.len()
    };
    let scheme = if ctx.plain_http { 7 } else { 8 };
    scheme + ctx.host.len() + ctx.path.len() + q
}

/// Digits and dots of an IPv4 address in dotted decimal.
fn ip_len(ip: std::net::Ipv4Addr) -> usize {
    ip.octets()
        .iter()
        .map(|o| match o {
            0..=9 => 1,
            10..=99 => 2,
            _ => 3,
        })
        .sum::<usize>()
        + 3
}

/// One header line `name: value`, without its CRLF.
fn line(name: usize, value: usize) -> usize {
    name + 2 + value
}

/// Each header line's length, in order: host, the request's own headers,
/// then X-Forwarded-For as this hop sends it (if it lists anyone).
fn header_lines(ctx: &HttpCtx) -> impl Iterator<Item = usize> + '_ {
    let xff = (!ctx.xff.is_empty()).then(|| {
        let v: usize =
            ctx.xff.iter().map(|ip| ip_len(*ip)).sum::<usize>() + 2 * (ctx.xff.len() - 1);
        line("x-forwarded-for".len(), v)
    });
    std::iter::once(line(4, ctx.host.len()))
        .chain(own_headers(ctx).map(|(k, v)| line(k.len(), v.len())))
        .chain(xff)
}

/// The request line and every header with their CRLFs, and the blank
/// line that ends them.
pub(crate) fn header_section(ctx: &HttpCtx) -> usize {
    request_line(ctx) + 2 + header_lines(ctx).map(|l| l + 2).sum::<usize>() + 2
}

/// CloudFront's limits on a viewer request, URL first. Fact sheet §5.
pub(crate) fn cloudfront(ctx: &HttpCtx) -> Option<Oversize> {
    let url = url_len(ctx);
    if url > CF_MAX_URL {
        return Some(Oversize {
            limit: LimitKind::Url,
            size: url,
            max: CF_MAX_URL,
            header: None,
        });
    }
    let all = header_section(ctx);
    (all > CF_MAX_REQUEST).then_some(Oversize {
        limit: LimitKind::Request,
        size: all,
        max: CF_MAX_REQUEST,
        header: None,
    })
}

/// The ALB's limits on a request: the request line, each header, then
/// the whole header. Fact sheet §8.
pub(crate) fn alb(ctx: &HttpCtx) -> Option<Oversize> {
    let rl = request_line(ctx);
    if rl > ALB_MAX_REQUEST_LINE {
        return Some(Oversize {
            limit: LimitKind::RequestLine,
            size: rl,
            max: ALB_MAX_REQUEST_LINE,
            header: None,
        });
    }
    let mut total = rl + 2 + 2;
    for (i, l) in header_lines(ctx).enumerate() {
        if l > ALB_MAX_HEADER {
            return Some(Oversize {
                limit: LimitKind::Header,
                size: l,
                max: ALB_MAX_HEADER,
                header: Some(i),
            });
        }
        total += l + 2;
    }
    (total > ALB_MAX_HEADER_SECTION).then_some(Oversize {
        limit: LimitKind::HeaderSection,
        size: total,
        max: ALB_MAX_HEADER_SECTION,
        header: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(path: &str, headers: &[(&str, usize)]) -> HttpCtx {
        HttpCtx {
            method: "GET".into(),
            host: "healthcareapp.com".into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(k, n)| (k.to_string(), "a".repeat(*n)))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_request_line_is_method_path_query_and_version() {
        let mut c = ctx("/api", &[]);
        assert_eq!(request_line(&c), "GET /api HTTP/1.1".len());
        c.query = "a=1".into();
        assert_eq!(request_line(&c), "GET /api?a=1 HTTP/1.1".len());
        assert_eq!(url_len(&c), "https://healthcareapp.com/api?a=1".len());
    }

    #[test]
    fn an_ordinary_request_is_within_every_limit_fact_sheet_5_8() {
        let c = ctx("/api/appointments", &[("user-agent", 120)]);
        assert_eq!(cloudfront(&c), None);
        assert_eq!(alb(&c), None);
    }

    #[test]
    fn a_url_one_byte_past_8192_is_cloudfronts_413_fact_sheet_5() {
        let base = url_len(&ctx("/", &[]));
        let at = ctx(&format!("/{}", "x".repeat(CF_MAX_URL - base)), &[]);
        assert_eq!(url_len(&at), CF_MAX_URL);
        assert_eq!(cloudfront(&at), None);
        let past = ctx(&format!("/{}", "x".repeat(CF_MAX_URL - base + 1)), &[]);
        let o = cloudfront(&past).unwrap();
        assert_eq!(
            (o.limit, o.size, o.max, o.status()),
            (LimitKind::Url, 8193, 8192, 413)
        );
    }

    #[test]
    fn headers_past_20480_bytes_are_cloudfronts_413_fact_sheet_5() {
        let c = ctx("/", &[("a", 10_000), ("b", 10_000), ("c", 1_000)]);
        let o = cloudfront(&c).unwrap();
        assert_eq!((o.limit, o.status()), (LimitKind::Request, 413));
        assert!(o.size > 20_480);
    }

    #[test]
    fn the_alb_answers_414_for_a_long_request_line_and_400_for_headers_fact_sheet_8() {
        let long = ctx(&format!("/{}", "x".repeat(16_400)), &[]);
        let o = alb(&long).unwrap();
        assert_eq!((o.limit, o.status()), (LimitKind::RequestLine, 414));

        let one = ctx("/", &[("x-big", 16_400)]);
        let o = alb(&one).unwrap();
        assert_eq!(
            (o.limit, o.status(), o.header),
            (LimitKind::Header, 400, Some(1))
        );
        assert_eq!(o.hit(&one).header.as_deref(), Some("x-big"));

        let many: Vec<(String, usize)> = (0..5).map(|i| (format!("x-h{i}"), 15_000)).collect();
        let refs: Vec<(&str, usize)> = many.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        let o = alb(&ctx("/", &refs)).unwrap();
        assert_eq!((o.limit, o.status()), (LimitKind::HeaderSection, 400));
        assert!(o.size > 65_536);
    }

    #[test]
    fn forwarded_addresses_count_as_one_header_line() {
        let mut c = ctx("/", &[]);
        c.xff = vec!["203.0.113.10".parse().unwrap(), "10.0.0.1".parse().unwrap()];
        let with = header_section(&c);
        c.xff.clear();
        let without = header_section(&c);
        assert_eq!(
            with - without,
            "x-forwarded-for: 203.0.113.10, 10.0.0.1\r\n".len()
        );
    }
}
