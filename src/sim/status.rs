//! HTTP status codes and their reason phrases: the one table the engine and
//! the UI both read (RFC 9110 §15, plus the few codes AWS adds).

/// The reason phrase of a status code (`504` -> `Gateway Timeout`); empty
/// for a code the table does not know, so callers print the bare number.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// A status line without the version: `200 OK`, `504 Gateway Timeout`, or
/// just `463` for a code without a phrase in [`reason`].
pub fn line(status: u16) -> String {
    match reason(status) {
        "" => status.to_string(),
        r => format!("{status} {r}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_rfc_reason_phrase_and_others_none() {
        assert_eq!(reason(504), "Gateway Timeout");
        assert_eq!(reason(304), "Not Modified");
        assert_eq!(reason(418), "");
        assert_eq!(line(201), "201 Created");
        assert_eq!(line(202), "202 Accepted");
        assert_eq!(line(463), "463");
    }
}
