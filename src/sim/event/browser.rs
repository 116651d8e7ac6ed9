//! Events of the browser: its HTTP cache, input it refuses, redirects it follows.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::sim::net::Family;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BrowserEvent {
    /// A fresh copy in the browser's own HTTP cache answers: nothing leaves
    /// the machine (Cache-Control max-age, fact sheet §5).
    CacheHit {
        url: String,
        /// Seconds since the copy was stored.
        age_s: u64,
        /// Seconds it stays fresh.
        fresh_s: u64,
    },
    /// Input the browser refuses before sending anything.
    Refused { input: Refusal },
    /// The browser follows a redirect's Location with a new request (the
    /// Fetch standard's rules for which method it repeats).
    Redirect {
        status: u16,
        /// The method of the new request.
        method: String,
        location: String,
        /// Whether a 303, or a 301/302 after a POST, turned it into a GET
        /// without a body.
        to_get: bool,
        /// How many redirects this navigation has followed, this one included.
        followed: u32,
        limit: u32,
    },
    /// The browser stops following redirects: ERR_TOO_MANY_REDIRECTS.
    TooManyRedirects {
        status: u16,
        location: String,
        limit: u32,
    },
    /// Nothing answers the browser's SYN: its TCP stack retries until its
    /// connect timeout and gives up.
    GaveUp {
        ip: Ipv4Addr,
        port: u16,
        timeout_s: u64,
        reason: GiveUp,
    },
    /// A dual-stack browser asked for AAAA and A and picks the IP version
    /// it connects with: IPv6 when it has an IPv6 address (Happy Eyeballs,
    /// RFC 8305), IPv4 otherwise. Fact sheet §23.
    Family {
        chosen: Family,
        reason: FamilyReason,
        /// The address it connects to.
        to: IpAddr,
        /// How many addresses each answer held.
        aaaa: u32,
        a: u32,
    },
    /// The IPv6 attempt failed or went unanswered; the browser connects
    /// over IPv4 `delay_ms` after the IPv6 attempt began (the connection
    /// attempt delay), or, with no IPv4 address, gives up. Fact sheet §23.
    Ipv6Failed {
        to: Ipv6Addr,
        port: u16,
        cause: Ipv6Failure,
        /// The IPv4 address it connects to instead.
        fallback: Option<Ipv4Addr>,
        delay_ms: u32,
    },
}

/// Why a dual-stack browser connects with the IP version it chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyReason {
    /// The AAAA answer held addresses: IPv6 is tried first.
    PreferIpv6,
    /// The AAAA answer held none (NODATA, or the lookup failed): IPv4.
    NoAaaa,
}

/// Why a dual-stack browser's IPv6 attempt did not connect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Ipv6Failure {
    /// The browser's own IPv6 does not work (its `ipv6` is `broken`): the
    /// SYN never gets anywhere.
    Broken,
    /// A packet filter dropped the IPv6 SYN or its SYN-ACK (a network ACL
    /// or security group without an IPv6 rule: IPv4 rules never match).
    Dropped { by: String },
    /// Nothing answers the IPv6 SYN (no server at that address, or a port
    /// nothing listens on).
    Unanswered,
}

/// What the browser refused to send, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Refusal {
    /// A URL it cannot parse.
    Url { url: String, error: UrlError },
    /// A method that is not an HTTP token.
    Method { method: String },
}

/// What is wrong with a URL, or what this world cannot send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrlError {
    /// Neither `http://` nor `https://`.
    NotHttp,
    /// Something after `:` that is not a port 1-65535.
    BadPort,
    /// No host name.
    NoHost,
    /// `user:pass@` before the host.
    UserInfo,
    /// A bracketed IPv6 literal such as `[::1]`: URLs are IPv4-only (a
    /// dual-stack browser reaches IPv6 by a name's AAAA answer).
    Ipv6,
    /// A host that reads as an IPv4 address (its last label is a number)
    /// but is not one, such as `256.1.1.1` or `1.2.3.4.5`.
    BadIpv4,
    /// A host with a character no host name may hold (space, `%`, `<`,
    /// `^`, `|`, …) or unbalanced brackets.
    BadHost,
    /// A host with characters outside ASCII: an internationalised name.
    NonAsciiHost,
}

impl UrlError {
    /// The message for `url` (as typed).
    pub fn message(self, url: &str) -> String {
        let t = url.trim();
        match self {
            UrlError::NotHttp => format!("'{t}' is not an http:// or https:// URL"),
            UrlError::BadPort => format!("'{t}' has no valid port after ':' (1-65535)"),
            UrlError::NoHost => format!("'{t}' has no host name"),
            UrlError::UserInfo => format!(
                "'{t}' carries a user name or password before '@': browsers strip or refuse credentials in URLs (fetch() rejects them; they hide the real host, as in https://bank.com@evil.example/); send an Authorization header instead"
            ),
            UrlError::Ipv6 => format!(
                "'{t}' names an IPv6 address: URLs here are IPv4-only (a dual-stack browser reaches IPv6 through a host name's AAAA answer: set its ipv6 to on; fact sheet §23); use a host name or an IPv4 address"
            ),
            UrlError::BadIpv4 => format!(
                "'{t}' has a host that ends in a number, so a browser reads it as an IPv4 address, and it is not one (four numbers 0-255, such as 203.0.113.10)"
            ),
            UrlError::BadHost => format!(
                "'{t}' has a host a browser cannot read: a host name holds letters, digits, '-' and '.' (no spaces, '%', '<', '>', '^', '|' or brackets)"
            ),
            UrlError::NonAsciiHost => format!(
                "'{t}' has a host outside ASCII: type an internationalised name in its xn-- (punycode) form"
            ),
        }
    }
}

/// Why nothing answered the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GiveUp {
    /// CloudFront takes viewers on ports 80 and 443 only.
    CloudFrontPort { city: String },
    /// No component in the scenario owns the address.
    NoServer,
}

impl BrowserEvent {
    pub fn what(&self) -> String {
        match self {
            BrowserEvent::CacheHit { url, .. } => {
                format!("browser HTTP cache: fresh copy of {url} (200 from disk cache)")
            }
            BrowserEvent::Refused {
                input: Refusal::Url { url, .. },
            } => format!("refuse URL {url}"),
            BrowserEvent::Refused {
                input: Refusal::Method { method },
            } => format!("refuse method {method}"),
            BrowserEvent::Redirect {
                status,
                method,
                location,
                ..
            } => format!("follow {status} redirect to {method} {location}"),
            BrowserEvent::TooManyRedirects {
                status, location, ..
            } => format!("too many redirects: not following {status} to {location}"),
            BrowserEvent::GaveUp {
                ip,
                port,
                reason: GiveUp::CloudFrontPort { city },
                ..
            } => format!("TCP SYN to {city} ({ip}) port {port}"),
            BrowserEvent::GaveUp {
                ip,
                reason: GiveUp::NoServer,
                ..
            } => format!("connect to {ip}"),
            BrowserEvent::Family {
                chosen,
                to,
                aaaa,
                a,
                ..
            } => format!(
                "Happy Eyeballs: {aaaa} AAAA and {a} A addresses, connect over {chosen} to {to}"
            ),
            BrowserEvent::Ipv6Failed {
                to,
                fallback: Some(v4),
                delay_ms,
                ..
            } => format!("IPv6 attempt to [{to}] failed: IPv4 to {v4} after {delay_ms} ms"),
            BrowserEvent::Ipv6Failed {
                to, fallback: None, ..
            } => format!("IPv6 attempt to [{to}] failed, no IPv4 address to fall back to"),
        }
    }

    pub fn why(&self) -> String {
        match self {
            BrowserEvent::CacheHit { age_s, fresh_s, .. } => format!(
                "stored {age_s} s ago and fresh for {fresh_s} s more (Cache-Control max-age), so the browser answers from its own cache and nothing leaves the machine; DevTools' \"Disable cache\" skips it (fact sheet §5)"
            ),
            BrowserEvent::Refused {
                input: Refusal::Url { url, error },
            } => error.message(url),
            BrowserEvent::Refused {
                input: Refusal::Method { method },
            } => format!(
                "'{method}' is not an HTTP method: use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS"
            ),
            BrowserEvent::Redirect {
                status,
                to_get: true,
                ..
            } => format!(
                "the browser follows the Location header with a new request; after a {status} it asks with GET and no body"
            ),
            BrowserEvent::Redirect {
                followed, limit, ..
            } => format!(
                "the browser follows the Location header with a new request ({followed} of at most {limit})"
            ),
            BrowserEvent::TooManyRedirects { limit, .. } => format!(
                "the browser has followed {limit} redirects for this navigation and stops: ERR_TOO_MANY_REDIRECTS (a redirect loop)"
            ),
            BrowserEvent::GaveUp {
                port,
                timeout_s,
                reason: GiveUp::CloudFrontPort { .. },
                ..
            } => format!(
                "CloudFront accepts viewers on ports 80 and 443 only; nothing answers on {port}, so the browser gives up after {timeout_s} s"
            ),
            BrowserEvent::GaveUp {
                ip,
                timeout_s,
                reason: GiveUp::NoServer,
                ..
            } => format!(
                "nothing in this scenario answers at {ip}; the browser gives up after {timeout_s} s"
            ),
            BrowserEvent::Family {
                reason: FamilyReason::PreferIpv6,
                ..
            } => "a dual-stack browser asks for AAAA and A back to back and, with an IPv6 address in hand, tries IPv6 first (Happy Eyeballs, RFC 8305; fact sheet §23)".into(),
            BrowserEvent::Family {
                reason: FamilyReason::NoAaaa,
                ..
            } => "the AAAA answer holds no address (NODATA: the name has no AAAA record, or its alias target has no IPv6), so the dual-stack browser connects over IPv4 (fact sheet §23)".into(),
            BrowserEvent::Ipv6Failed {
                cause,
                fallback,
                delay_ms,
                ..
            } => {
                let cause = match cause {
                    Ipv6Failure::Broken => "this browser has an IPv6 address but its IPv6 does not work, so the SYN gets nowhere".to_string(),
                    Ipv6Failure::Dropped { by } => format!("{by} dropped the IPv6 packets: IPv4 rules such as 0.0.0.0/0 never match IPv6, which needs its own ::/0 rules"),
                    Ipv6Failure::Unanswered => "nothing answers the IPv6 SYN".to_string(),
                };
                match fallback {
                    Some(_) => format!("{cause}; Happy Eyeballs starts the IPv4 attempt {delay_ms} ms after the IPv6 one (the connection attempt delay), and IPv4 connects: the IPv6 problem only costs time (RFC 8305; fact sheet §23)"),
                    None => format!("{cause}; the name has no A record to fall back to, so the browser waits out its connect timeout (fact sheet §23)"),
                }
            }
        }
    }
}
