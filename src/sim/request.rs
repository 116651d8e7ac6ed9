//! A request as a browser sends it, its URL parsed once, and the answer a
//! component gives back.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub use super::event::browser::UrlError;
use super::trace::*;

/// A request a browser sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub client: String,
    pub method: String,
    pub url: String,
    /// Extra request headers (name, value).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// Whether the browser's own HTTP cache is used.
    #[serde(default, skip_serializing_if = "HttpCacheMode::is_default")]
    pub cache: HttpCacheMode,
}

/// How a request treats the sender's HTTP cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpCacheMode {
    /// A browser: a fresh stored copy answers without any request, and a
    /// cacheable answer is stored (Cache-Control max-age).
    #[default]
    Default,
    /// No HTTP cache, as with DevTools' "Disable cache" or a load generator.
    NoStore,
}

impl HttpCacheMode {
    pub fn is_default(&self) -> bool {
        *self == HttpCacheMode::Default
    }
}

impl Request {
    pub fn get(client: &str, url: &str) -> Self {
        Request {
            client: client.into(),
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: String::new(),
            cache: HttpCacheMode::Default,
        }
    }

    /// The same request without the browser's HTTP cache.
    pub fn no_store(self) -> Self {
        Request {
            cache: HttpCacheMode::NoStore,
            ..self
        }
    }
}

pub const DEFAULT_URL: &str = "https://healthcareapp.com/api/appointments";
pub const DEFAULT_CLIENT: &str = "client-na";

/// What came back from a component that answers HTTP.
#[derive(Clone, Debug)]
pub(crate) struct Resp {
    pub(crate) status: Option<u16>,
    pub(crate) decided_by: String,
    pub(crate) code: Code,
    pub(crate) summary: String,
    pub(crate) region: Option<Box<str>>,
    pub(crate) pod: Option<Box<str>>,
    /// The rarer parts of an answer, boxed as few answers have them.
    pub(crate) more: Option<Box<RespMore>>,
    /// How long the browser may keep this answer (Cache-Control max-age
    /// less Age), when it may.
    pub(crate) browser_fresh_s: Option<u32>,
}

/// What only some answers carry.
#[derive(Clone, Debug, Default)]
pub(crate) struct RespMore {
    /// The Location of a redirect (301, 302, 303, 307, 308).
    pub(crate) location: Option<Box<str>>,
    /// A body the answerer set itself (an ALB fixed response); the
    /// application's pages are [`crate::sim::app::page_body`].
    pub(crate) body: Option<Box<str>>,
}

/// A request checked and parsed once (see [`World::prepare`]).
pub(crate) struct Prepared {
    /// Index of the sending client in the scenario.
    pub(crate) client: usize,
    pub(crate) ctx: super::lb::HttpCtx,
    pub(crate) cache: HttpCacheMode,
}

impl Resp {
    pub(crate) fn outcome(self, total_us: u64) -> Outcome {
        Outcome {
            status: self.status,
            decided_by: self.decided_by,
            code: self.code,
            summary: self.summary,
            total_us,
            region: self.region.map(String::from),
            pod: self.pod.map(String::from),
        }
    }
    pub(crate) fn ok(status: u16, by: &str, summary: String) -> Self {
        Resp {
            status: Some(status),
            decided_by: by.into(),
            code: Code::Delivered,
            summary,
            region: None,
            pod: None,
            more: None,
            browser_fresh_s: None,
        }
    }
    pub(crate) fn err(status: Option<u16>, by: &str, code: Code, summary: String) -> Self {
        Resp {
            status,
            decided_by: by.into(),
            code,
            summary,
            region: None,
            pod: None,
            more: None,
            browser_fresh_s: None,
        }
    }
    /// The Location of a redirect, if the answer has one.
    pub(crate) fn location(&self) -> Option<&str> {
        self.more.as_ref()?.location.as_deref()
    }
    /// Take the Location out of the answer.
    pub(crate) fn take_location(&mut self) -> Option<String> {
        self.more.as_mut()?.location.take().map(String::from)
    }
    /// A body the answerer set itself.
    pub(crate) fn body(&self) -> Option<&str> {
        self.more.as_ref()?.body.as_deref()
    }
    /// Set the body (an ALB fixed response's).
    pub(crate) fn with_body(mut self, body: &str) -> Self {
        self.more.get_or_insert_with(Default::default).body = Some(body.into());
        self
    }
    /// A redirect to `location`, answered by `by`.
    pub(crate) fn redirect(status: u16, by: &str, code: Code, location: String) -> Self {
        Resp {
            more: Some(Box::new(RespMore {
                location: Some(location.as_str().into()),
                body: None,
            })),
            ..Resp::err(Some(status), by, code, format!("redirect to {location}"))
        }
    }
}

/// A URL as a browser reads it (the WHATWG URL standard, special schemes
/// http and https only): the fragment dropped, the host lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) https: bool,
    /// A lower-case domain without its trailing dot, or an IPv4 address
    /// in dotted decimal (however it was typed).
    pub(crate) host: String,
    /// A port the URL names explicitly, when it is not the scheme's own.
    pub(crate) port: Option<u16>,
    /// Dot segments resolved, `\` read as `/`, percent-escapes as typed.
    pub(crate) path: String,
    /// Without its `?`; empty when there is none.
    pub(crate) query: String,
}

/// Parse what a learner types as a browser's address bar would: the
/// WHATWG URL standard for http and https. What this world cannot take
/// (user info, IPv6 literals) is refused with its own [`UrlError`].
pub(crate) fn parse_url(s: &str) -> Result<Url, UrlError> {
    // Leading and trailing C0 controls and spaces go; tabs and newlines
    // anywhere are removed.
    let t: String = s
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, rest) = t.split_once(':').ok_or(UrlError::NotHttp)?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(UrlError::NotHttp);
    };
    // Special schemes skip any run of slashes and backslashes.
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    let (host, port) = split_port(authority)?;
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u32>() {
            Ok(n @ 1..=65535) => Some(n as u16),
            _ => return Err(UrlError::BadPort),
        },
        Some(_) => return Err(UrlError::BadPort),
    };
    let host = parse_host(host)?;
    let default_port = if https { 443 } else { 80 };
    let port = port.filter(|p| *p != default_port);
    // The fragment never leaves the browser.
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(Url {
        https,
        host,
        port,
        path: normalise_path(path),
        query: encode(query, b"\"<>'"),
    })
}

/// `host[:port]`, or `[ipv6][:port]`.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if authority.starts_with('[') {
        let Some(close) = authority.find(']') else {
            return Err(UrlError::BadHost);
        };
        let (h, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((h, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((h, Some(p))),
                None => Err(UrlError::BadHost),
            },
        };
    }
    Ok(match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    })
}

/// The host: an IPv6 literal (refused here), an IPv4 address in any form
/// the standard reads, or a domain.
fn parse_host(h: &str) -> Result<String, UrlError> {
    if let Some(inner) = h.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(UrlError::BadHost)?;
        return match inner.parse::<std::net::Ipv6Addr>() {
            Ok(_) => Err(UrlError::Ipv6),
            Err(_) => Err(UrlError::BadHost),
        };
    }
    if h.is_empty() {
        return Err(UrlError::NoHost);
    }
    if !h.is_ascii() {
        return Err(UrlError::NonAsciiHost);
    }
    // Forbidden domain code points (WHATWG), and percent-escapes, which a
    // browser would decode before reading the name.
    if h.bytes()
        .any(|b| b <= b' ' || b == 0x7f || b"#%/:<>?@[\\]^|".contains(&b))
    {
        return Err(if h.trim().is_empty() {
            UrlError::NoHost
        } else {
            UrlError::BadHost
        });
    }
    let lower = h.to_ascii_lowercase();
    if ends_in_a_number(&lower) {
        return parse_ipv4(&lower).map(|ip| ip.to_string());
    }
    let name = lower.trim_end_matches('.');
    if name.is_empty() {
        return Err(UrlError::NoHost);
    }
    Ok(name.to_string())
}

/// Whether the standard reads a host as an IPv4 address: its last label
/// (a trailing dot aside) is all digits or `0x` and hex digits.
fn ends_in_a_number(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    let last = h.rsplit('.').next().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .is_some_and(|x| x.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The WHATWG IPv4 parser: one to four parts, each decimal, octal
/// (leading 0) or hex (0x); the last part fills the remaining bytes.
/// `0x7f.1` is 127.0.0.1, as in every browser.
pub(crate) fn parse_ipv4(h: &str) -> Result<Ipv4Addr, UrlError> {
    let h = h.strip_suffix('.').unwrap_or(h);
    let parts: Vec<&str> = h.split('.').collect();
    if parts.len() > 4 {
        return Err(UrlError::BadIpv4);
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        let (digits, radix) = if let Some(x) = p.strip_prefix("0x") {
            (x, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        let n = if digits.is_empty() && radix != 10 {
            0
        } else if digits.is_empty() {
            return Err(UrlError::BadIpv4);
        } else {
            u64::from_str_radix(digits, radix).map_err(|_| UrlError::BadIpv4)?
        };
        nums.push(n);
    }
    let (last, init) = nums.split_last().ok_or(UrlError::BadIpv4)?;
    if init.iter().any(|n| *n > 255) || *last >= 256u64.pow(5 - nums.len() as u32) {
        return Err(UrlError::BadIpv4);
    }
    let mut v = *last;
    for (i, n) in init.iter().enumerate() {
        v += n << (8 * (3 - i));
    }
    Ok(Ipv4Addr::from(v as u32))
}

/// The path as a browser sends it: `\` read as `/`, `.` and `..` segments
/// resolved, characters a URL cannot carry percent-encoded; escapes
/// already typed stay as they are.
fn normalise_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    let p = p.strip_prefix('/').unwrap_or(&p);
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = p.split('/').collect();
    for (i, s) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match s.to_ascii_lowercase().as_str() {
            "." | "%2e" => {
                if last {
                    out.push("");
                }
            }
            ".." | ".%2e" | "%2e." | "%2e%2e" => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            _ => out.push(s),
        }
    }
    encode(&format!("/{}", out.join("/")), b"\"<>`{} ")
}

/// Percent-encode C0 controls, space, DEL, non-ASCII and `extra`.
fn encode(s: &str, extra: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() && c > ' ' && c != '\x7f' && !extra.contains(&(c as u8)) {
            out.push(c);
        } else {
            let mut b = [0; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

impl From<(String, Code)> for Resp {
    fn from((summary, code): (String, Code)) -> Self {
        Resp::err(
            None,
            "dns",
            code,
            format!("the browser shows a DNS error: {summary}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_without_a_scheme_are_refused() {
        assert!(parse_url("healthcareapp.com/api").is_err());
        let u = parse_url("https://HealthcareApp.com/api/x?q=1").unwrap();
        assert_eq!(u.host, "healthcareapp.com");
        assert_eq!(u.path, "/api/x");
        assert_eq!(u.query, "q=1");
        assert_eq!(u.port, None);
        assert_eq!(parse_url("https://a.com:443/").unwrap().port, None);
        assert_eq!(parse_url("https://a.com:8443/").unwrap().port, Some(8443));
        assert_eq!(parse_url("http://a.com:443/").unwrap().port, Some(443));
        // WHATWG: an empty port is no port at all.
        assert_eq!(parse_url("https://a.com:/").unwrap().port, None);
        for bad in [
            "https://a.com:0/",
            "https://a.com:70000/",
            "https://a.com:x/",
        ] {
            assert!(parse_url(bad).err() == Some(UrlError::BadPort), "{bad}");
        }
    }

    #[test]
    fn ipv4_hosts_are_read_as_the_whatwg_parser_reads_them() {
        // WHATWG URL standard, IPv4 parser: decimal, octal, hex, 1-4 parts.
        for (host, ip) in [
            ("127.0.0.1", [127, 0, 0, 1]),
            ("0x7f.1", [127, 0, 0, 1]),
            ("0177.0.0.1", [127, 0, 0, 1]),
            ("2130706433", [127, 0, 0, 1]),
            ("192.168.257", [192, 168, 1, 1]),
            ("0x", [0, 0, 0, 0]),
            ("255.255.255.255.", [255, 255, 255, 255]),
        ] {
            assert_eq!(parse_ipv4(host), Ok(Ipv4Addr::from(ip)), "{host}");
        }
        for host in [
            "256.0.0.1",
            "1.2.3.4.5",
            "1.2.3.08",
            "0x1g",
            "4294967296",
            "1..1",
        ] {
            assert_eq!(parse_ipv4(host), Err(UrlError::BadIpv4), "{host}");
        }
        let u = parse_url("https://0X7F.1:443/a/../b?c#d").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", None));
        assert_eq!((u.path.as_str(), u.query.as_str()), ("/b", "c"));
    }
}
