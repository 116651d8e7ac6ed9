//! The request bar's method, the request it sends, and why the trace on
//! screen may no longer be what Send would show now.

use crate::sim::Request;

/// The form body a POST from the request bar carries: booking a slot makes
/// the pod write to RDS and text a confirmation through the NAT gateway.
pub const POST_BODY: &str = "patient=ann&slot=10:30";

/// The request bar's method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    #[default]
    Get,
    Post,
    Head,
    Options,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Head,
        Method::Options,
        Method::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Delete => "DELETE",
        }
    }

    /// What choosing this method shows, for the selector's tooltip.
    pub fn hint(self) -> String {
        match self {
            Method::Get => "GET: read the appointments (the pod queries RDS)".into(),
            Method::Post => format!("POST with the form body {POST_BODY}: the pod writes to RDS and texts a confirmation through the NAT gateway"),
            Method::Head => "HEAD: a GET without the body; CloudFront caches it like a GET".into(),
            Method::Options => "OPTIONS: ask what the API accepts (the pod answers 204); static files refuse it at CloudFront".into(),
            Method::Delete => "DELETE: CloudFront passes it on, and the application answers 405 itself".into(),
        }
    }

    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == key)
    }

    /// The request this method sends from `client` to `url`.
    pub fn request(self, client: &str, url: &str) -> Request {
        let get = Request::get(client, url);
        match self {
            Method::Get => get,
            Method::Post => Request {
                method: "POST".into(),
                body: POST_BODY.into(),
                ..get
            },
            other => Request {
                method: other.as_str().into(),
                ..get
            },
        }
    }
}

/// Why the trace on screen may no longer be what Send would show now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// The configuration or the faults changed.
    Edited,
    /// A burst moved WAF rate counters, caches and round-robin positions.
    Burst,
    /// Simulated time passed: TTLs ran down, health checks ran, rate
    /// windows moved on.
    Clock,
}

impl Stale {
    pub fn note(self) -> &'static str {
        match self {
            Stale::Edited => "edited — press Send to replay",
            Stale::Burst => "a burst changed live state — press Send to replay",
            Stale::Clock => "time passed — press Send to replay",
        }
    }

    /// The reason to show after `change`, when the trace was already
    /// `current`: an edit always says so; live-state changes (a burst, the
    /// clock) keep the first reason given since the last Send.
    pub fn after(current: Option<Stale>, change: Stale) -> Stale {
        match (current, change) {
            (_, Stale::Edited) => Stale::Edited,
            (Some(c), _) => c,
            (None, change) => change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_through_their_names() {
        for m in Method::ALL {
            assert_eq!(Method::from_key(m.as_str()), Some(m));
        }
        assert_eq!(Method::from_key("PATCH"), None);
    }

    #[test]
    fn a_post_carries_the_booking_form_and_other_methods_no_body() {
        let post = Method::Post.request("client-na", "https://healthcareapp.com/api/appointments");
        assert_eq!(post.method, "POST");
        assert_eq!(post.body, POST_BODY);
        let head = Method::Head.request("client-na", "https://healthcareapp.com/");
        assert_eq!(head.method, "HEAD");
        assert!(head.body.is_empty());
        assert_eq!(head.client, "client-na");
    }

    #[test]
    fn an_edit_always_marks_the_trace_edited_and_live_changes_keep_the_first_reason() {
        assert_eq!(Stale::after(None, Stale::Clock), Stale::Clock);
        assert_eq!(Stale::after(None, Stale::Burst), Stale::Burst);
        assert_eq!(Stale::after(Some(Stale::Burst), Stale::Clock), Stale::Burst);
        assert_eq!(
            Stale::after(Some(Stale::Clock), Stale::Edited),
            Stale::Edited
        );
        assert_eq!(
            Stale::after(Some(Stale::Edited), Stale::Clock),
            Stale::Edited
        );
        assert!(Stale::Clock.note().ends_with("press Send to replay"));
    }
}
