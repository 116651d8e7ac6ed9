//! Events of the browser: its HTTP cache, input it refuses, redirects it follows.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

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
    /// A bracketed IPv6 literal such as `[::1]`: this world is IPv4-only.
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
                "'{t}' names an IPv6 address: this world is IPv4-only (its clients, DNS answers, load balancers and VPCs carry IPv4 alone; fact sheet §23 says what dual stack would take); use a host name or an IPv4 address"
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
        }
    }
}
