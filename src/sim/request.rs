//! A request as a browser sends it, its URL parsed once, and the answer a
//! component gives back.

use serde::{Deserialize, Serialize};

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
    /// The Location of a redirect (301, 302, 303, 307, 308); boxed, as
    /// few answers have one.
    pub(crate) location: Option<Box<str>>,
    /// How long the browser may keep this answer (Cache-Control max-age
    /// less Age), when it may.
    pub(crate) browser_fresh_s: Option<u32>,
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
            location: None,
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
            location: None,
            browser_fresh_s: None,
        }
    }
    /// A redirect to `location`, answered by `by`.
    pub(crate) fn redirect(status: u16, by: &str, code: Code, location: String) -> Self {
        Resp {
            location: Some(location.as_str().into()),
            ..Resp::err(Some(status), by, code, format!("redirect to {location}"))
        }
    }
}

pub(crate) struct Url {
    pub(crate) https: bool,
    pub(crate) host: String,
    /// A port the URL names explicitly, when it is not the scheme's own.
    pub(crate) port: Option<u16>,
    pub(crate) path: String,
    pub(crate) query: String,
}

pub(crate) fn parse_url(s: &str) -> Result<Url, UrlError> {
    let t = s.trim();
    let (https, rest) = if let Some(r) = t.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(UrlError::NotHttp);
    };
    let (hostport, pathq) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.split_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) if n > 0 => (h, Some(n)),
            _ => return Err(UrlError::BadPort),
        },
        None => (hostport, None),
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.contains(' ') {
        return Err(UrlError::NoHost);
    }
    let default_port = if https { 443 } else { 80 };
    let port = port.filter(|p| *p != default_port);
    let (path, query) = match pathq.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (pathq.to_string(), String::new()),
    };
    Ok(Url {
        https,
        port,
        host: host.trim_end_matches('.').to_string(),
        path,
        query,
    })
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
        for bad in [
            "https://a.com:/",
            "https://a.com:0/",
            "https://a.com:70000/",
            "https://a.com:x/",
        ] {
            assert!(parse_url(bad).err() == Some(UrlError::BadPort), "{bad}");
        }
    }
}
