//! Status texts: the outcome line and the colour class of a final status.
//! The reason phrases come from the engine's one table, [`crate::sim::status`].

pub use crate::sim::status::reason;

/// An HTTP status line for the outcome: `200 OK`, `504 Gateway Timeout`,
/// `no response` when nothing answered.
pub fn status_text(status: Option<u16>) -> String {
    match status {
        Some(s) => crate::sim::status::line(s),
        None => "no response".into(),
    }
}

/// What kind of answer a final status is (a bar's colour in the burst chart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    /// 1xx and 2xx: the request succeeded.
    Ok,
    /// 3xx.
    Redirect,
    /// 4xx other than a WAF block.
    Client,
    /// A 403 that AWS WAF produced at CloudFront.
    Waf,
    /// 5xx.
    Server,
    /// Nothing answered.
    None,
}

impl StatusClass {
    pub fn of(status: Option<u16>) -> StatusClass {
        match status {
            None => StatusClass::None,
            Some(s) if s < 300 => StatusClass::Ok,
            Some(s) if s < 400 => StatusClass::Redirect,
            Some(s) if s < 500 => StatusClass::Client,
            Some(_) => StatusClass::Server,
        }
    }

    /// The value of a bar's `data-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Ok => "ok",
            StatusClass::Redirect => "redirect",
            StatusClass::Client => "client",
            StatusClass::Waf => "waf",
            StatusClass::Server => "server",
            StatusClass::None => "none",
        }
    }

    /// The request did not get what it asked for (an error or no answer).
    pub fn failed(self) -> bool {
        !matches!(self, StatusClass::Ok | StatusClass::Redirect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_like_http() {
        assert_eq!(status_text(Some(200)), "200 OK");
        assert_eq!(status_text(Some(504)), "504 Gateway Timeout");
        assert_eq!(status_text(Some(405)), "405 Method Not Allowed");
        assert_eq!(status_text(Some(418)), "418");
        assert_eq!(status_text(None), "no response");
    }

    #[test]
    fn statuses_fall_into_classes_by_their_first_digit() {
        assert_eq!(StatusClass::of(Some(204)), StatusClass::Ok);
        assert_eq!(StatusClass::of(Some(301)), StatusClass::Redirect);
        assert_eq!(StatusClass::of(Some(404)), StatusClass::Client);
        assert_eq!(StatusClass::of(Some(503)), StatusClass::Server);
        assert_eq!(StatusClass::of(None), StatusClass::None);
        assert!(!StatusClass::Redirect.failed());
        assert!(StatusClass::Waf.failed() && StatusClass::None.failed());
    }
}
