//! URLs as a browser reads them (the WHATWG URL standard, special schemes
//! http and https), against the default scenario. Section numbers refer to
//! ../shared/reference/aws-facts.md.

use hoplab::sim::event::alb::AlbEvent;
use hoplab::sim::event::browser::{BrowserEvent, GiveUp, Refusal, UrlError};
use hoplab::sim::event::cdn::CdnEvent;
use hoplab::sim::event::dns::DnsEvent;
use hoplab::sim::trace::{Code, Event};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, Trace, World};
use std::net::Ipv4Addr;

fn send(url: &str) -> Trace {
    World::default_world().send(&Request::get(DEFAULT_CLIENT, url).no_store())
}

/// What CloudFront received from the viewer: (host, path, query).
fn viewer_request(t: &Trace) -> (String, String, String) {
    t.hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Cdn(CdnEvent::ViewerRequest {
                host, path, query, ..
            }) => Some((host.clone(), path.clone(), query.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no viewer request in {}", t.url))
}

/// The names the browser's DNS lookups asked about.
fn dns_names(t: &Trace) -> Vec<String> {
    t.hops
        .iter()
        .filter_map(|h| match &h.event {
            Event::Dns(DnsEvent::Query { name, .. }) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The name the browser looked up first (later lookups may be the
/// application's own, such as its database endpoint).
fn first_name(t: &Trace) -> Option<String> {
    dns_names(t).into_iter().next()
}

fn has_dns(t: &Trace) -> bool {
    t.hops.iter().any(|h| matches!(h.event, Event::Dns(_)))
}

/// The refusal a URL met, if the browser refused it.
fn refusal(t: &Trace) -> Option<UrlError> {
    match &t.hops.first()?.event {
        Event::Browser(BrowserEvent::Refused {
            input: Refusal::Url { url, error },
        }) => {
            assert_eq!(url, &t.url, "the refusal names the URL as typed");
            Some(*error)
        }
        _ => None,
    }
}

fn refused(url: &str) -> (UrlError, Trace) {
    let t = send(url);
    let e = refusal(&t).unwrap_or_else(|| panic!("{url} was not refused"));
    assert_eq!(t.hops.len(), 1, "{url}: nothing leaves the machine");
    assert_eq!(t.outcome.status, None, "{url}");
    assert_eq!(t.outcome.summary, e.message(url), "{url}");
    (e, t)
}

#[test]
fn a_query_without_a_path_goes_to_the_host_with_path_slash() {
    let t = send("https://healthcareapp.com?x=1");
    assert_eq!(refusal(&t), None);
    assert_eq!(first_name(&t).as_deref(), Some("healthcareapp.com"));
    assert_ne!(t.outcome.code, Code::DnsNxdomain);
    assert_eq!(
        viewer_request(&t),
        ("healthcareapp.com".into(), "/".into(), "x=1".into())
    );
}

#[test]
fn the_fragment_is_never_sent_nor_part_of_the_host_or_path() {
    for (url, path, query) in [
        ("https://healthcareapp.com#frag", "/", ""),
        (
            "https://healthcareapp.com/api/appointments#top",
            "/api/appointments",
            "",
        ),
        (
            "https://healthcareapp.com/api/appointments?a=1#b?c=2",
            "/api/appointments",
            "a=1",
        ),
        ("https://healthcareapp.com/#", "/", ""),
    ] {
        let t = send(url);
        assert_eq!(
            first_name(&t).as_deref(),
            Some("healthcareapp.com"),
            "{url}"
        );
        assert!(
            dns_names(&t).iter().all(|n| !n.contains(['#', '?', '/'])),
            "{url}"
        );
        let (host, p, q) = viewer_request(&t);
        assert_eq!(
            (host.as_str(), p.as_str(), q.as_str()),
            ("healthcareapp.com", path, query),
            "{url}"
        );
        assert!(
            !t.hops
                .iter()
                .any(|h| h.what.contains("frag") || h.what.contains("#top")),
            "{url}: the fragment stays in the browser"
        );
    }
}

#[test]
fn the_fragment_is_not_part_of_the_browsers_cache_key() {
    // §5: a fresh copy answers from the browser's own cache; URLs that differ
    // only in their fragment name the same resource.
    let mut w = World::default_world();
    let first = w.send(&Request::get(
        DEFAULT_CLIENT,
        "https://healthcareapp.com/static/app.js#a",
    ));
    assert_eq!(first.outcome.status, Some(200));
    let second = w.send(&Request::get(
        DEFAULT_CLIENT,
        "HTTPS://HealthcareApp.COM/static/app.js#b",
    ));
    assert_eq!(second.outcome.code, Code::BrowserCacheHit);
    assert!(matches!(
        &second.hops[0].event,
        Event::Browser(BrowserEvent::CacheHit { url, .. }) if url == "https://healthcareapp.com/static/app.js"
    ));
}

#[test]
fn scheme_and_host_are_case_insensitive_and_a_trailing_dot_is_dropped() {
    let plain = send("https://healthcareapp.com/api/appointments");
    assert_eq!(plain.outcome.status, Some(200));
    for url in [
        "HTTPS://HEALTHCAREAPP.COM/api/appointments",
        "Https://HealthcareApp.com/api/appointments",
        "https://healthcareapp.com./api/appointments",
        "  https://healthcareapp.com/api/appointments  ",
        "https://health\tcareapp.com/api/appoint\nments",
    ] {
        let t = send(url);
        assert_eq!(t.outcome.status, Some(200), "{url}");
        assert_eq!(first_name(&t), first_name(&plain), "{url}");
        assert_eq!(viewer_request(&t), viewer_request(&plain), "{url}");
    }
}

#[test]
fn the_path_is_read_as_a_browser_reads_it_and_percent_escapes_stay_as_typed() {
    for (url, path, query) in [
        (
            "https://healthcareapp.com/api/appoint%6Dents?q=%41",
            "/api/appoint%6Dents",
            "q=%41",
        ),
        (
            "https://healthcareapp.com/a/../api/./appointments",
            "/api/appointments",
            "",
        ),
        ("https://healthcareapp.com/a/%2e%2E/b", "/b", ""),
        ("https://healthcareapp.com/a/..", "/", ""),
        (
            "https:\\\\healthcareapp.com\\api\\appointments",
            "/api/appointments",
            "",
        ),
        ("https:healthcareapp.com/x", "/x", ""),
        ("https://healthcareapp.com/a b?c d", "/a%20b", "c%20d"),
        ("https://healthcareapp.com/caf\u{e9}", "/caf%C3%A9", ""),
        ("https://healthcareapp.com/a@b", "/a@b", ""),
        ("https://healthcareapp.com/?", "/", ""),
    ] {
        let t = send(url);
        assert_eq!(refusal(&t), None, "{url}");
        let (host, p, q) = viewer_request(&t);
        assert_eq!(host, "healthcareapp.com", "{url}");
        assert_eq!((p.as_str(), q.as_str()), (path, query), "{url}");
    }
}

#[test]
fn default_ports_are_elided_and_others_kept() {
    // A default port is no port: the same request as without it.
    for url in [
        "https://healthcareapp.com:443/api/appointments",
        "https://healthcareapp.com:/api/appointments",
        "https://healthcareapp.com:00443/api/appointments",
    ] {
        assert_eq!(send(url).outcome.status, Some(200), "{url}");
    }
    // §5: CloudFront takes viewers on 80 and 443 only, so 8443 is kept and
    // nothing answers on it.
    let t = send("https://healthcareapp.com:8443/api/appointments");
    assert!(t.hops.iter().any(|h| matches!(
        h.event,
        Event::Browser(BrowserEvent::GaveUp {
            port: 8443,
            reason: GiveUp::CloudFrontPort { .. },
            ..
        })
    )));
    for url in [
        "https://healthcareapp.com:0/",
        "https://healthcareapp.com:65536/",
        "https://healthcareapp.com:99999999999/",
        "https://healthcareapp.com:-1/",
        "https://healthcareapp.com:44x/",
        "https://healthcareapp.com:443:443/",
    ] {
        assert_eq!(refused(url).0, UrlError::BadPort, "{url}");
    }
}

#[test]
fn an_alb_address_is_connected_to_directly_without_any_dns() {
    // The default world's ALB nodes (hoplab-cli scenario): 3.210.1.10 in
    // subnet-public-a1, 3.210.2.10 in subnet-public-a2.
    for (url, node, subnet) in [
        (
            "https://3.210.1.10/api/appointments",
            [3, 210, 1, 10],
            "subnet-public-a1",
        ),
        (
            "https://3.210.2.10/api/appointments",
            [3, 210, 2, 10],
            "subnet-public-a2",
        ),
        (
            "https://3.210.2.10./api/appointments",
            [3, 210, 2, 10],
            "subnet-public-a2",
        ),
    ] {
        let t = send(url);
        assert!(!has_dns(&t), "{url}: no DNS hop for an address");
        match &t.hops[0].event {
            Event::Alb(AlbEvent::Connect {
                public_ip,
                subnet: s,
                ..
            }) => {
                assert_eq!(*public_ip, Ipv4Addr::from(node), "{url}");
                assert_eq!(s, subnet, "{url}");
            }
            e => panic!("{url}: first hop {e:?}"),
        }
        // §8: no SNI matches an address, so the ALB presents its default
        // certificate (healthcareapp.com), which does not name the address:
        // the browser refuses it.
        assert!(t.hops.iter().any(|h| matches!(
            &h.event,
            Event::Alb(AlbEvent::Tls { by_sni: false, certificate, .. }) if certificate == "healthcareapp.com"
        )));
        assert_eq!(t.outcome.code, Code::CertificateMismatch, "{url}");
    }
}

#[test]
fn an_address_nothing_owns_times_out_on_the_urls_port_without_any_dns() {
    for (url, ip, port) in [
        ("https://203.0.113.10/", [203, 0, 113, 10], 443),
        ("http://203.0.113.10/", [203, 0, 113, 10], 80),
        ("http://203.0.113.10:8080/x?y#z", [203, 0, 113, 10], 8080),
        // WHATWG IPv4 forms: hex, octal and fewer than four parts are
        // read as browsers read them, then connected to in dotted decimal.
        ("https://0x7f.1/", [127, 0, 0, 1], 443),
        ("https://0177.0.0.1/", [127, 0, 0, 1], 443),
        ("https://2130706433/", [127, 0, 0, 1], 443),
        ("https://203.0.29450/", [203, 0, 115, 10], 443),
        ("https://0XCB.0.113.10/", [203, 0, 113, 10], 443),
    ] {
        let t = send(url);
        assert!(!has_dns(&t), "{url}");
        assert_eq!(t.hops.len(), 1, "{url}");
        assert_eq!(
            t.hops[0].event,
            Event::Browser(BrowserEvent::GaveUp {
                ip: Ipv4Addr::from(ip),
                port,
                timeout_s: 21,
                reason: GiveUp::NoServer,
            }),
            "{url}"
        );
        assert_eq!(t.outcome.code, Code::ConnectionTimeout, "{url}");
    }
}

#[test]
fn a_cloudfront_edge_address_is_connected_to_without_dns_and_its_certificate_refused() {
    // The New York (JFK) edge of the default distribution. No DNS before
    // it: the browser's first hop is the TCP handshake.
    let t = send("https://18.160.10.5/api/appointments");
    assert!(matches!(
        t.hops[0].event,
        Event::Cdn(CdnEvent::ViewerConnect { pop_ip, .. }) if pop_ip == Ipv4Addr::new(18, 160, 10, 5)
    ));
    // RFC 6066 §3: no SNI for an address, so the edge's default certificate
    // (*.cloudfront.net), which does not name it; the browser sends nothing.
    assert_eq!(
        t.hops[1].event,
        Event::Cdn(CdnEvent::ViewerCertificateMismatch {
            address: Ipv4Addr::new(18, 160, 10, 5),
            certificate: "*.cloudfront.net".into(),
        })
    );
    assert_eq!(t.hops.len(), 2);
    assert_eq!(t.outcome.code, Code::CertificateMismatch);
    assert_eq!(t.outcome.status, None);
    // Plain HTTP has no certificate: the request reaches the edge, Host
    // header and all.
    let t = send("http://18.160.10.5/api/appointments");
    assert!(t.hops.iter().any(|h| matches!(
        &h.event,
        Event::Cdn(CdnEvent::PlainRequest { host, .. }) if host == "18.160.10.5"
    )));
}

#[test]
fn hosts_that_end_in_a_number_but_are_no_ipv4_address_are_refused() {
    for url in [
        "https://256.1.1.1/",
        "https://1.2.3.4.5/",
        "https://example.1/",
        "https://1.2.3.09/",
        "https://0x100.0.0.1/",
        "https://4294967296/",
        "https://1..2/",
    ] {
        assert_eq!(refused(url).0, UrlError::BadIpv4, "{url}");
    }
    // A label that is not all digits makes a name, asked of DNS.
    let t = send("https://1.2.3.4a/");
    assert_eq!(first_name(&t).as_deref(), Some("1.2.3.4a"));
}

#[test]
fn ipv6_literals_are_parsed_then_refused_as_this_world_is_ipv4_only() {
    // §23: IPv6 is a separate family this world does not model.
    for url in [
        "https://[::1]/",
        "https://[2001:db8::1]:8443/",
        "http://[2001:DB8::1]/a?b#c",
        "https://[::ffff:203.0.113.10]/",
    ] {
        let (e, t) = refused(url);
        assert_eq!(e, UrlError::Ipv6, "{url}");
        assert!(t.outcome.summary.contains("IPv4-only"), "{url}");
    }
    for url in [
        "https://[::1/",
        "https://[zz]/",
        "https://[::1]x/",
        "https://a]b/",
    ] {
        assert_eq!(refused(url).0, UrlError::BadHost, "{url}");
    }
    assert_eq!(refused("https://[::1]:99999/").0, UrlError::BadPort);
}

#[test]
fn user_info_is_refused_and_the_message_says_why() {
    for url in [
        "https://user:pass@healthcareapp.com/",
        "https://user@healthcareapp.com/api",
        "https://@healthcareapp.com/",
        "https://healthcareapp.com@evil.example/",
        "https://user:pass@[::1]/",
    ] {
        let (e, t) = refused(url);
        assert_eq!(e, UrlError::UserInfo, "{url}");
        assert!(t.outcome.summary.contains("Authorization header"), "{url}");
    }
}

#[test]
fn other_bad_urls_get_their_own_typed_refusal() {
    for (url, error) in [
        ("", UrlError::NotHttp),
        ("healthcareapp.com/api", UrlError::NotHttp),
        ("ftp://healthcareapp.com/", UrlError::NotHttp),
        ("httpss://healthcareapp.com/", UrlError::NotHttp),
        ("https://", UrlError::NoHost),
        ("https:///", UrlError::NoHost),
        ("https://?x=1", UrlError::NoHost),
        ("https://#f", UrlError::NoHost),
        ("https://:443/", UrlError::NoHost),
        ("https://./", UrlError::NoHost),
        ("https://health care.com/", UrlError::BadHost),
        ("https://health%63are.com/", UrlError::BadHost),
        ("https://a<b.com/", UrlError::BadHost),
        ("https://b\u{fc}cher.example/", UrlError::NonAsciiHost),
    ] {
        assert_eq!(refused(url).0, error, "{url}");
    }
}

#[test]
fn a_refused_url_changes_nothing_in_the_world() {
    // Caches, clock and random draws are untouched: the next request reads
    // exactly as it would in a fresh world.
    let fresh = World::default_world().send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    let mut w = World::default_world();
    for url in [
        "https://[::1]/",
        "https://u:p@healthcareapp.com/",
        "https://256.0.0.1/",
    ] {
        let t = w.send(&Request::get(DEFAULT_CLIENT, url));
        assert!(refusal(&t).is_some(), "{url}");
    }
    assert!(w.http_cache().is_empty() && w.cdn_cache().is_empty());
    let next = w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
    assert_eq!(
        serde_json::to_string(&next).unwrap(),
        serde_json::to_string(&fresh).unwrap()
    );
}
