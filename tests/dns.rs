//! DNS and Route 53 behaviour, one test per behaviour. Section numbers refer
//! to ../shared/reference/aws-facts.md.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use hoplab::sim::defaults::default_scenario;
use hoplab::sim::dns::{CacheOwner, MAX_CNAME_RESTARTS};
use hoplab::sim::event::dns::health::{AlbHealth, CheckStatus, Combine, HealthPart};
use hoplab::sim::event::dns::routing::{FailoverPick, IpFallback, QueryPlace, WeightedPool};
use hoplab::sim::event::dns::{
    AnswerReason, DnsCacheLayer, DnsEvent, Nameserver, NsLevel, Selection, ServfailReason,
    TreeLevel, ValueNote,
};
use hoplab::sim::route53::{
    biased_distance, checkers_say_healthy, great_circle_km, MULTIVALUE_MAX_ANSWERS,
};
use hoplab::sim::scenario::*;
use hoplab::sim::trace::{Event, Hop, Verdict};
use hoplab::sim::{Code, Fault, Request, Trace, World};

// ----------------------------------------------------------------- helpers

fn rec(name: &str, value: RecordValue, routing: Routing) -> Record {
    // §2: an alias takes its target's TTL and sets none of its own.
    let alias = matches!(
        value,
        RecordValue::AliasCloudFront
            | RecordValue::AliasAlb { .. }
            | RecordValue::AliasRecord { .. }
    );
    Record {
        name: name.into(),
        value,
        ttl_s: if alias { None } else { Some(60) },
        routing,
        health_check: None,
        evaluate_target_health: false,
    }
}

fn a(ips: &[&str]) -> RecordValue {
    RecordValue::A {
        addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn cname(t: &str) -> RecordValue {
    RecordValue::Cname { target: t.into() }
}

fn hc(id: &str, region: &str) -> HealthCheck {
    let mut h = default_scenario().dns.health_checks[0].clone();
    h.id = id.into();
    h.region = region.into();
    h
}

/// The default scenario with these records added to the zone.
fn with_records(records: Vec<Record>) -> Scenario {
    let mut s = default_scenario();
    s.dns.zone.records.extend(records);
    s
}

fn world(s: Scenario, seed: u64) -> World {
    World::new(s, seed).expect("valid scenario")
}

/// A GET of the name's home page with the browser's HTTP cache off, so
/// every request goes through DNS (the page is cacheable for an hour).
fn get(w: &mut World, client: &str, name: &str) -> Trace {
    w.send(&Request::get(client, &format!("https://{name}/")).no_store())
}

/// What the browser ended up with for `name` (from its cache).
fn resolved(w: &World, client: &str, name: &str) -> Vec<Ipv4Addr> {
    w.dns_cache(CacheOwner::Browser(client))
        .and_then(|c| c.entries.get(name))
        .map(|e| e.addresses.clone())
        .unwrap_or_default()
}

fn route53_answers(t: &Trace) -> Vec<&Hop> {
    t.hops
        .iter()
        .filter(|h| h.from == "route53" && matches!(h.event, Event::Dns(DnsEvent::Answer { .. })))
        .collect()
}

/// A hop's DNS event.
fn dns(h: &Hop) -> &DnsEvent {
    match &h.event {
        Event::Dns(e) => e,
        e => panic!("hop #{} is not a DNS event: {e:?}", h.index),
    }
}

/// Every DNS event of a trace, in order.
fn dns_events(t: &Trace) -> impl Iterator<Item = &DnsEvent> {
    t.hops.iter().filter_map(|h| match &h.event {
        Event::Dns(e) => Some(e),
        _ => None,
    })
}

/// The TTL of an authoritative answer.
fn answer_ttl(h: &Hop) -> u32 {
    match dns(h) {
        DnsEvent::Answer { ttl_s, .. } => *ttl_s,
        e => panic!("not an answer: {e:?}"),
    }
}

/// Why the authority answered the way it did.
fn reason(h: &Hop) -> &AnswerReason {
    match dns(h) {
        DnsEvent::Answer { reason, .. } => reason,
        e => panic!("not an answer: {e:?}"),
    }
}

/// How Route 53's routing policy chose, and what the value made of it.
fn selection(h: &Hop) -> (&Selection, &ValueNote) {
    match reason(h) {
        AnswerReason::Routed {
            selection, value, ..
        } => (selection.as_ref(), value),
        r => panic!("not chosen by a routing policy: {r:?}"),
    }
}

/// A cache hit's layer, seconds left and TTL.
fn cache_hit(h: &Hop) -> (DnsCacheLayer, u32, u32) {
    match dns(h) {
        DnsEvent::CacheHit {
            cache,
            ttl_left_s,
            ttl_s,
            ..
        } => (*cache, *ttl_left_s, *ttl_s),
        e => panic!("not a cache hit: {e:?}"),
    }
}

fn answer(t: &Trace) -> &Hop {
    route53_answers(t)
        .last()
        .copied()
        .unwrap_or_else(|| panic!("no Route 53 answer in\n{}", t.render_text()))
}

fn visits(t: &Trace, node: &str) -> bool {
    t.hops.iter().any(|h| h.from == node || h.to == node)
}

fn refused(s: Scenario) -> String {
    match World::new(s, 1) {
        Ok(_) => panic!("the scenario was accepted"),
        Err(e) => e,
    }
}

const WWW: &str = "www.healthcareapp.com";

// ------------------------------------------------------------- §1 caches

#[test]
fn browser_os_and_resolver_caches_count_down_on_the_sim_clock() {
    // §1 TTL caching layers: Chromium 60 s, OS for the TTL, resolver for the TTL.
    let mut r = rec(WWW, a(&["192.0.2.10"]), Routing::Simple);
    r.ttl_s = Some(300);
    let mut w = world(with_records(vec![r]), 1);
    get(&mut w, "client-na", WWW);

    w.advance(30_000);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(t.hops[0].code, Code::DnsCacheHit);
    assert_eq!(cache_hit(&t.hops[0]), (DnsCacheLayer::Browser, 30, 60));

    w.advance(31_000); // t = 61 s: the browser entry is gone, the OS has 239 s left
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(t.hops[0].code, Code::DnsCacheMiss);
    assert_eq!(t.hops[1].code, Code::DnsCacheHit);
    assert_eq!(cache_hit(&t.hops[1]), (DnsCacheLayer::Os, 239, 300));
    assert!(!visits(&t, "resolver-na"));

    w.advance(240_000); // t = 301 s: every cache has expired; NS still cached
    let t = get(&mut w, "client-na", WWW);
    assert!(visits(&t, "route53"));
    assert!(!visits(&t, "root") && !visits(&t, "tld-com"));
}

#[test]
fn root_and_tld_only_refer_and_only_route_53_answers_with_the_aa_flag() {
    // §1 resolution path: root and TLD return referrals, the authority the record.
    let mut w = world(default_scenario(), 1);
    let t = get(&mut w, "client-na", "healthcareapp.com");
    let from_root: Vec<&Hop> = t.hops.iter().filter(|h| h.from == "root").collect();
    let from_tld: Vec<&Hop> = t.hops.iter().filter(|h| h.from == "tld-com").collect();
    assert!(from_root.iter().all(|h| h.code == Code::DnsReferral) && !from_root.is_empty());
    assert!(from_tld.iter().all(|h| h.code == Code::DnsReferral) && !from_tld.is_empty());
    assert!(from_root.iter().all(
        |h| matches!(dns(h), DnsEvent::Referral { by: TreeLevel::Root, zone, .. } if zone == "com")
    ));
    assert!(from_tld.iter().all(|h| matches!(
        dns(h),
        DnsEvent::Referral { by: TreeLevel::Tld, zone, name_servers, .. }
            if zone == "healthcareapp.com" && name_servers.len() == 4
    )));
    // The English a learner reads: the authoritative answer is marked AA.
    assert!(answer(&t).what.contains("AA"));
    assert_eq!(answer(&t).code, Code::DnsAnswer);
}

#[test]
fn a_second_name_in_the_zone_skips_root_and_tld_because_ns_is_cached() {
    // §1: the resolver caches the zone's NS (two days).
    let mut w = world(
        with_records(vec![rec(WWW, a(&["192.0.2.10"]), Routing::Simple)]),
        1,
    );
    get(&mut w, "client-na", "healthcareapp.com");
    let t = get(&mut w, "client-na", WWW);
    assert!(!visits(&t, "root") && !visits(&t, "tld-com"));
    assert!(dns_events(&t).any(|e| matches!(
        e,
        DnsEvent::NsCached { zone, level: NsLevel::Zone, .. } if zone == "healthcareapp.com"
    )));
    assert!(visits(&t, "route53"));
}

#[test]
fn the_first_lookup_asks_a_root_server_and_the_next_one_does_not() {
    // §1 resolution path: root, then TLD, then Route 53; NS are cached.
    let asked_root = |t: &Trace| {
        dns_events(t).any(|e| {
            matches!(
                e,
                DnsEvent::Query {
                    to: Nameserver::Root { .. },
                    ..
                }
            )
        })
    };
    let mut w = world(
        with_records(vec![rec(WWW, a(&["192.0.2.10"]), Routing::Simple)]),
        1,
    );
    let t = get(&mut w, "client-na", "healthcareapp.com");
    assert!(asked_root(&t), "{}", t.render_text());
    let servers: Vec<&Nameserver> = dns_events(&t)
        .filter_map(|e| match e {
            DnsEvent::Query { to, .. } => Some(to),
            _ => None,
        })
        .collect();
    assert!(matches!(
        servers.as_slice(),
        [
            Nameserver::Recursive { .. },
            Nameserver::Root { .. },
            Nameserver::Tld { .. },
            Nameserver::Route53 { .. }
        ]
    ));
    let t = get(&mut w, "client-na", WWW);
    assert!(!asked_root(&t), "{}", t.render_text());
}

#[test]
fn a_cache_hit_reads_as_the_time_left_of_the_entry() {
    // The English a learner reads for a browser cache hit (§1).
    let mut w = world(default_scenario(), 1);
    get(&mut w, "client-na", "healthcareapp.com");
    w.advance(20_000);
    let t = get(&mut w, "client-na", "healthcareapp.com");
    assert_eq!(cache_hit(&t.hops[0]), (DnsCacheLayer::Browser, 40, 60));
    assert_eq!(
        t.hops[0].why,
        "cache hit, 40 s of its 60 s left: no query leaves the machine"
    );
    assert!(t.hops[0]
        .what
        .starts_with("browser DNS cache: healthcareapp.com -> "));
}

// ---------------------------------------------------- §1 negative caching

fn shared_resolver() -> Scenario {
    let mut s = default_scenario();
    let r = s.clients[0].resolver.clone();
    s.clients[1].resolver = r;
    s
}

#[test]
fn nxdomain_is_cached_at_the_resolver_for_min_of_soa_ttl_and_soa_minimum() {
    // §1 RFC 2308: Route 53 default SOA TTL 900, minimum 86400 -> 900 s.
    let mut w = world(shared_resolver(), 1);
    let name = "nope.healthcareapp.com";
    let t = get(&mut w, "client-na", name);
    let ans = answer(&t);
    assert_eq!(ans.code, Code::DnsNxdomain);
    assert!(
        matches!(
            reason(ans),
            AnswerReason::Nxdomain {
                soa_ttl_s: 900,
                soa_minimum_s: 86_400,
                negative_ttl_s: 900
            }
        ),
        "{:?}",
        reason(ans)
    );
    assert_eq!(t.outcome.code, Code::DnsNxdomain);
    assert_eq!(
        t.outcome.decided_by, "route53",
        "§18: the authority decided"
    );

    w.advance(899_000);
    let t = get(&mut w, "client-eu", name); // same resolver, other machine
    assert!(!visits(&t, "route53"), "{}", t.render_text());
    assert!(t.hops.iter().any(|h| h.from == "resolver-na"
        && matches!(
            &h.event,
            Event::Dns(DnsEvent::CacheHit {
                cache: DnsCacheLayer::Resolver,
                negative: true,
                ttl_left_s: 1,
                ..
            })
        )));
    assert_eq!(t.outcome.code, Code::DnsNxdomain);

    w.advance(2_000); // 901 s: the negative entry has expired
    let t = get(&mut w, "client-eu", name);
    assert!(visits(&t, "route53"));
}

#[test]
fn a_name_under_a_top_level_domain_that_does_not_exist_is_nxdomain_from_the_root() {
    // §1: the root answers NXDOMAIN for a TLD it does not have; §18 who decides.
    let mut w = world(default_scenario(), 1);
    let t = get(&mut w, "client-na", "shop.invalid");
    assert_eq!(t.outcome.code, Code::DnsNxdomain);
    assert_eq!(t.outcome.decided_by, "root");
    assert!(!visits(&t, "route53"));
}

#[test]
fn a_lower_soa_ttl_shortens_negative_caching() {
    // §1 RFC 2308: min(SOA TTL, minimum); SOA TTL 300 -> 300 s.
    let mut s = shared_resolver();
    s.dns.zone.soa_ttl_s = 300;
    let mut w = world(s, 1);
    let name = "nope.healthcareapp.com";
    let t = get(&mut w, "client-na", name);
    assert_eq!(answer_ttl(answer(&t)), 300);
    w.advance(301_000);
    assert!(visits(&get(&mut w, "client-eu", name), "route53"));
}

#[test]
fn the_os_caps_negative_entries_at_900_s_while_the_resolver_keeps_the_soa_time() {
    // §1 Windows MaxNegativeCacheTtl 900 s; RFC 2308 at the resolver.
    let mut s = default_scenario();
    s.dns.zone.soa_ttl_s = 3600;
    s.dns.zone.soa_minimum_s = 3600;
    let mut w = world(s, 1);
    let name = "nope.healthcareapp.com";
    get(&mut w, "client-na", name);
    w.advance(600_000);
    let t = get(&mut w, "client-na", name);
    assert_eq!(
        t.hops[1].code,
        Code::DnsCacheHit,
        "OS still holds it at 600 s"
    );
    w.advance(301_000); // 901 s
    let t = get(&mut w, "client-na", name);
    assert_eq!(
        t.hops[1].code,
        Code::DnsCacheMiss,
        "the OS dropped it at 900 s"
    );
    assert!(t
        .hops
        .iter()
        .any(|h| h.from == "resolver-na" && h.code == Code::DnsCacheHit));
    assert!(!visits(&t, "route53"));
}

#[test]
fn a_name_with_only_a_txt_record_gets_nodata_not_nxdomain() {
    // §1: NODATA is NOERROR with an empty answer; the name exists.
    let txt = rec(
        "txt.healthcareapp.com",
        RecordValue::Txt {
            values: vec!["v=spf1 -all".into()],
        },
        Routing::Simple,
    );
    let mut w = world(with_records(vec![txt]), 1);
    let t = get(&mut w, "client-na", "txt.healthcareapp.com");
    let ans = answer(&t);
    assert_eq!(ans.code, Code::DnsNodata);
    assert!(
        matches!(reason(ans), AnswerReason::NoARecord { types, negative_ttl_s: 900 } if types == &["TXT"]),
        "{:?}",
        reason(ans)
    );
    assert_ne!(t.outcome.code, Code::DnsNxdomain);
    assert_eq!(t.outcome.code, Code::DnsNodata);
}

#[test]
fn an_ipv6_only_name_queried_for_a_is_nodata_and_is_negatively_cached() {
    // §1 NODATA, cached for min(SOA TTL, minimum) like NXDOMAIN.
    let six = rec(
        "v6.healthcareapp.com",
        RecordValue::Aaaa {
            addresses: vec!["2001:db8::1".parse().unwrap()],
        },
        Routing::Simple,
    );
    let mut w = world(with_records(vec![six]), 1);
    let t = get(&mut w, "client-na", "v6.healthcareapp.com");
    assert_eq!(answer(&t).code, Code::DnsNodata);
    assert_eq!(answer_ttl(answer(&t)), 900);
    w.advance(300_000);
    let t = get(&mut w, "client-na", "v6.healthcareapp.com");
    assert!(!visits(&t, "route53"));
    assert_eq!(t.outcome.code, Code::DnsNodata);
}

#[test]
fn a_name_with_only_children_is_an_empty_non_terminal_and_gets_nodata() {
    // §1: NXDOMAIN only when the name has no records and no children.
    let mut w = world(
        with_records(vec![rec(
            "a.b.healthcareapp.com",
            a(&["192.0.2.1"]),
            Routing::Simple,
        )]),
        1,
    );
    let t = get(&mut w, "client-na", "b.healthcareapp.com");
    assert_eq!(answer(&t).code, Code::DnsNodata);
    let t = get(&mut w, "client-na", "c.healthcareapp.com");
    assert_eq!(answer(&t).code, Code::DnsNxdomain);
}

// ------------------------------------------------------------ §1 SERVFAIL

#[test]
fn an_unreachable_authority_makes_the_resolver_retry_every_name_server_then_answer_servfail() {
    // §1: SERVFAIL is produced by the resolver when the authority times out.
    let mut w = world(default_scenario(), 1);
    w.set_fault(Fault::DnsAuthorityDown, true);
    let t = get(&mut w, "client-na", "healthcareapp.com");
    let tries: Vec<&Hop> = t
        .hops
        .iter()
        .filter(|h| h.to == "route53" && h.verdict == Verdict::Timeout)
        .collect();
    assert_eq!(tries.len(), 4, "one try per Route 53 name server");
    assert!(
        !t.hops.iter().any(|h| h.from == "route53"),
        "the authority never answers"
    );
    let sf = t
        .hops
        .iter()
        .find(|h| h.code == Code::DnsServfail)
        .expect("a SERVFAIL hop");
    assert_eq!(sf.from, "resolver-na");
    assert_eq!(t.outcome.code, Code::DnsServfail);
    assert_eq!(t.outcome.status, None);
    assert_eq!(
        t.outcome.decided_by, "resolver-na",
        "§18: the resolver decided"
    );
}

#[test]
fn servfail_is_not_cached_so_the_next_request_asks_again() {
    // §1: SERVFAIL is not a negative answer and is not cached like NXDOMAIN.
    let mut w = world(default_scenario(), 1);
    w.set_fault(Fault::DnsAuthorityDown, true);
    get(&mut w, "client-na", "healthcareapp.com");
    w.set_fault(Fault::DnsAuthorityDown, false);
    w.advance(1_000);
    let t = get(&mut w, "client-na", "healthcareapp.com");
    assert_eq!(
        t.hops[0].code,
        Code::DnsCacheMiss,
        "the browser did not cache SERVFAIL"
    );
    assert_eq!(answer(&t).code, Code::DnsAnswer);
    assert_eq!(t.outcome.status, Some(200));
}

#[test]
fn a_cached_answer_keeps_working_while_the_authority_is_down_until_it_expires() {
    // §1: caches answer without the authority until the TTL runs out.
    let mut w = world(default_scenario(), 1);
    get(&mut w, "client-na", "healthcareapp.com");
    w.set_fault(Fault::DnsAuthorityDown, true);
    w.advance(30_000);
    assert_eq!(
        get(&mut w, "client-na", "healthcareapp.com").hops[0].code,
        Code::DnsCacheHit
    );
    w.advance(31_000);
    let t = get(&mut w, "client-na", "healthcareapp.com");
    assert_eq!(t.outcome.code, Code::DnsServfail);
}

#[test]
fn cloudfront_answers_502_when_its_resolver_gets_servfail_for_the_origin() {
    // §1 SERVFAIL comes from the resolver (here CloudFront's), not the authority.
    let mut w = world(default_scenario(), 1);
    // The browser learns the edge's address while Route 53 is reachable;
    // a static file does not make CloudFront resolve the API origin.
    w.send(&Request::get(
        "client-na",
        "https://healthcareapp.com/static/app.js",
    ));
    w.set_fault(Fault::DnsAuthorityDown, true);
    w.advance(10_000);
    let t = w.send(&Request::get(
        "client-na",
        "https://healthcareapp.com/api/appointments",
    ));
    let sf = t
        .hops
        .iter()
        .find(|h| h.code == Code::DnsServfail)
        .unwrap_or_else(|| panic!("{}", t.render_text()));
    assert_eq!(sf.from, "cloudfront");
    assert_eq!(t.outcome.status, Some(502));
}

// ---------------------------------------------------------------- §1 CNAME

#[test]
fn a_cname_chain_is_followed_and_each_link_is_cached_with_its_own_ttl() {
    // §1 CNAME: each link is cached separately with its own TTL.
    let mut link = rec(WWW, cname("app.healthcareapp.com"), Routing::Simple);
    link.ttl_s = Some(300);
    let target = rec("app.healthcareapp.com", a(&["192.0.2.10"]), Routing::Simple);
    let mut w = world(with_records(vec![link, target]), 1);
    let t = get(&mut w, "client-na", WWW);
    let answers = route53_answers(&t);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].code, Code::DnsCname);
    assert!(matches!(
        dns(answers[0]),
        DnsEvent::Answer { records, .. } if records.cname.as_deref() == Some("app.healthcareapp.com")
    ));
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.10")]);

    w.advance(120_000); // the A (60 s) expired, the CNAME (300 s) has 180 s left
    let t = get(&mut w, "client-na", WWW);
    let link = dns_events(&t)
        .find_map(|e| match e {
            DnsEvent::LinkCached {
                name,
                records,
                ttl_left_s,
                ttl_s,
            } if records.cname.is_some() => Some((name, records, *ttl_left_s, *ttl_s)),
            _ => None,
        })
        .expect("the CNAME link comes from the resolver cache");
    assert_eq!(link.0, WWW);
    assert_eq!(link.1.cname.as_deref(), Some("app.healthcareapp.com"));
    assert_eq!((link.2, link.3), (180, 300));
    let answers = route53_answers(&t);
    assert_eq!(answers.len(), 1);
    assert!(
        matches!(dns(answers[0]), DnsEvent::Answer { name, .. } if name == "app.healthcareapp.com")
    );
}

fn chain(n: usize) -> Vec<Record> {
    // c0 -> c1 -> ... -> c{n-1} -> end (A)
    let mut v: Vec<Record> = (0..n)
        .map(|i| {
            let next = if i + 1 == n {
                "end.healthcareapp.com".to_string()
            } else {
                format!("c{}.healthcareapp.com", i + 1)
            };
            rec(
                &format!("c{i}.healthcareapp.com"),
                cname(&next),
                Routing::Simple,
            )
        })
        .collect();
    v.push(rec(
        "end.healthcareapp.com",
        a(&["192.0.2.99"]),
        Routing::Simple,
    ));
    v
}

#[test]
fn a_chain_of_eight_cnames_resolves_but_nine_end_in_servfail_from_the_resolver() {
    // §1: Unbound restarts at most 8 times (MAX_RESTART_COUNT 8).
    assert_eq!(MAX_CNAME_RESTARTS, 8);
    let mut w = world(with_records(chain(8)), 1);
    let t = get(&mut w, "client-na", "c0.healthcareapp.com");
    assert_eq!(
        resolved(&w, "client-na", "c0.healthcareapp.com"),
        vec![ip("192.0.2.99")]
    );
    assert_ne!(t.outcome.code, Code::DnsServfail);

    let mut w = world(with_records(chain(9)), 1);
    let t = get(&mut w, "client-na", "c0.healthcareapp.com");
    assert_eq!(t.outcome.code, Code::DnsServfail);
    let sf = t.hops.iter().find(|h| h.code == Code::DnsServfail).unwrap();
    assert_eq!(sf.from, "resolver-na", "the resolver decides, not Route 53");
    assert!(
        matches!(dns(sf), DnsEvent::Servfail { reason: ServfailReason::CnameChain { looped: false, max_restarts: 8, chain, .. }, .. } if chain.len() == 9),
        "{:?}",
        dns(sf)
    );
    // The English a learner reads.
    assert!(sf.why.contains("too long"), "{}", sf.why);
}

#[test]
fn a_cname_loop_ends_in_servfail_from_the_resolver() {
    // §1: a loop hits the restart limit -> SERVFAIL.
    let mut w = world(
        with_records(vec![
            rec(
                "x.healthcareapp.com",
                cname("y.healthcareapp.com"),
                Routing::Simple,
            ),
            rec(
                "y.healthcareapp.com",
                cname("x.healthcareapp.com"),
                Routing::Simple,
            ),
        ]),
        1,
    );
    let t = get(&mut w, "client-na", "x.healthcareapp.com");
    assert_eq!(t.outcome.code, Code::DnsServfail);
    let sf = t.hops.iter().find(|h| h.code == Code::DnsServfail).unwrap();
    assert!(
        matches!(
            dns(sf),
            DnsEvent::Servfail {
                reason: ServfailReason::CnameChain { looped: true, .. },
                ..
            }
        ),
        "{:?}",
        dns(sf)
    );
    // Each name was asked once; the rest came from the resolver's cache.
    assert_eq!(route53_answers(&t).len(), 2);
}

#[test]
fn a_cname_to_the_distribution_domain_reaches_cloudfront() {
    // §1 CNAME to another domain; §2 the apex uses an alias instead.
    let s = with_records(vec![rec(
        WWW,
        cname("d1h2k3l4m5n6.cloudfront.net"),
        Routing::Simple,
    )]);
    let mut w = world(s, 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("18.160.10.5")]);
}

#[test]
fn the_apex_alias_answers_with_the_cloudfront_edge_nearest_the_client() {
    // §2: alias records are allowed at the apex and answer with the target's IPs.
    let mut w = world(default_scenario(), 1);
    let t = get(&mut w, "client-eu", "healthcareapp.com");
    assert!(
        matches!(
            selection(answer(&t)).1,
            ValueNote::AliasCloudFront { apex: true, city } if city == "Paris (CDG)"
        ),
        "{:?}",
        selection(answer(&t))
    );
    assert_eq!(
        resolved(&w, "client-eu", "healthcareapp.com"),
        vec![ip("13.32.20.5")]
    );
}

// ---------------------------------------------------------- §1 validation

#[test]
fn a_cname_at_the_zone_apex_is_refused() {
    // §1: DNS forbids a CNAME at the apex.
    let mut s = default_scenario();
    s.dns.zone.records.retain(|r| r.name != "healthcareapp.com");
    s.dns.zone.records.push(rec(
        "healthcareapp.com",
        cname("x.example.com"),
        Routing::Simple,
    ));
    let e = refused(s);
    assert!(e.contains("CNAME at the zone apex"), "{e}");
}

#[test]
fn a_name_with_a_cname_may_have_no_other_records() {
    // §1: a CNAME excludes every other record type at that name.
    let s = with_records(vec![
        rec(WWW, cname("app.healthcareapp.com"), Routing::Simple),
        rec(
            WWW,
            RecordValue::Txt {
                values: vec!["x".into()],
            },
            Routing::Simple,
        ),
    ]);
    let e = refused(s);
    assert!(
        e.contains("a name with a CNAME may have no other records") && e.contains("TXT"),
        "{e}"
    );
}

#[test]
fn out_of_range_routing_settings_are_refused_with_the_field_named() {
    // §3 weighted 0-255, geoproximity bias -99..99, IP blocks /1-/24; §4 settings.
    let e = refused(with_records(vec![rec(
        WWW,
        a(&["192.0.2.1"]),
        Routing::Weighted { weight: 300 },
    )]));
    assert!(e.contains("weight 300 is out of 0-255"), "{e}");

    let e = refused(with_records(vec![rec(
        WWW,
        a(&["192.0.2.1"]),
        Routing::Geoproximity {
            region: Some("us-east-1".into()),
            lat: None,
            lon: None,
            bias: 120,
        },
    )]));
    assert!(e.contains("bias 120 is out of -99..99"), "{e}");

    let mut s = default_scenario();
    s.dns.cidr_collections.push(CidrCollection {
        id: "office".into(),
        locations: vec![CidrLocation {
            name: "hq".into(),
            blocks: vec!["203.0.113.0/25".parse().unwrap()],
        }],
    });
    let e = refused(s);
    assert!(e.contains("/25") && e.contains("too long"), "{e}");

    let mut s = default_scenario();
    s.dns.health_checks[0].failure_threshold = 11;
    assert!(refused(s).contains("failure threshold 11 is outside 1-10"));
    let mut s = default_scenario();
    s.dns.health_checks[0].interval_s = 20;
    assert!(refused(s).contains("10 or 30 seconds"));
}

#[test]
fn records_that_route53_would_reject_are_refused() {
    // §3: one simple record per name; one policy per name and type; one
    // value per multivalue record; §2 ETH not for CloudFront; §4 no nesting.
    let e = refused(with_records(vec![
        rec(WWW, a(&["192.0.2.1"]), Routing::Simple),
        rec(WWW, a(&["192.0.2.2"]), Routing::Simple),
    ]));
    assert!(e.contains("one record per name"), "{e}");
    let e = refused(with_records(vec![
        rec(WWW, a(&["192.0.2.1"]), Routing::Weighted { weight: 1 }),
        rec(WWW, a(&["192.0.2.2"]), Routing::Multivalue),
    ]));
    assert!(e.contains("one routing policy"), "{e}");
    let e = refused(with_records(vec![rec(
        WWW,
        a(&["192.0.2.1", "192.0.2.2"]),
        Routing::Multivalue,
    )]));
    assert!(e.contains("one value"), "{e}");
    let mut s = default_scenario();
    s.dns.zone.records[0].evaluate_target_health = true;
    assert!(refused(s).contains("CloudFront"));
    let mut s = default_scenario();
    let mut p1 = hc("p1", "");
    p1.calculated = Some(Calculated {
        children: vec!["hc-cluster-a".into()],
        rule: CalcRule::Any,
    });
    let mut p2 = hc("p2", "");
    p2.calculated = Some(Calculated {
        children: vec!["p1".into()],
        rule: CalcRule::Any,
    });
    s.dns.health_checks.extend([p1, p2]);
    assert!(refused(s).contains("cannot nest"));
    let e = refused(with_records(vec![rec(
        WWW,
        a(&["192.0.2.1"]),
        Routing::Geolocation {
            continent: Some("EU".into()),
            country: Some("FR".into()),
            subdivision: None,
        },
    )]));
    assert!(e.contains("continent or a country"), "{e}");
}

#[test]
fn a_scenario_file_with_the_new_fields_round_trips_and_old_files_still_load() {
    // Serialized scenarios are a boundary: new optional fields default.
    let s = with_records(vec![rec(
        WWW,
        a(&["192.0.2.1"]),
        Routing::Weighted { weight: 5 },
    )]);
    let json = serde_json::to_string(&s).unwrap();
    let back: Scenario = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    let old =
        r#"{"name":"x","value":{"a":{"addresses":["192.0.2.1"]}},"ttl_s":60,"routing":"simple"}"#;
    let r: Record = serde_json::from_str(old).unwrap();
    assert!(r.health_check.is_none() && !r.evaluate_target_health);
}

// ------------------------------------------------------------- §3 simple

#[test]
fn a_simple_record_returns_all_its_values_in_random_order() {
    // §3 simple: several values, returned together in random order.
    let vals = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];
    let mut firsts = BTreeMap::new();
    for seed in 0..60 {
        let mut w = world(
            with_records(vec![rec(WWW, a(&vals), Routing::Simple)]),
            seed,
        );
        get(&mut w, "client-na", WWW);
        let got = resolved(&w, "client-na", WWW);
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, vals.iter().map(|v| ip(v)).collect::<Vec<_>>());
        *firsts.entry(got[0]).or_insert(0) += 1;
    }
    assert_eq!(
        firsts.len(),
        3,
        "every value comes first sometimes: {firsts:?}"
    );
}

// ------------------------------------------------------------ §3 weighted

fn weighted(ws: &[(u32, &str)]) -> Vec<Record> {
    ws.iter()
        .map(|(w, a_)| rec(WWW, a(&[a_]), Routing::Weighted { weight: *w }))
        .collect()
}

fn tally(s: &Scenario, n: u64) -> BTreeMap<Ipv4Addr, u32> {
    let mut out = BTreeMap::new();
    for seed in 0..n {
        let mut w = world(s.clone(), seed);
        get(&mut w, "client-na", WWW);
        for a in resolved(&w, "client-na", WWW) {
            *out.entry(a).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn weighted_records_answer_in_proportion_to_weight_over_the_sum() {
    // §3 weighted: share = weight / sum (1 and 3 -> 25 % and 75 %).
    let s = with_records(weighted(&[(1, "192.0.2.1"), (3, "192.0.2.3")]));
    let t = tally(&s, 400);
    let heavy = *t.get(&ip("192.0.2.3")).unwrap_or(&0);
    assert!((260..=340).contains(&heavy), "{t:?}");
    let mut w = world(s, 7);
    let tr = get(&mut w, "client-na", WWW);
    assert!(
        matches!(
            selection(answer(&tr)).0,
            Selection::Weighted { total: 4, .. }
        ),
        "{:?}",
        selection(answer(&tr))
    );
}

#[test]
fn weight_zero_never_answers_while_a_non_zero_record_is_eligible() {
    // §3 weighted: weight 0 never answers while any non-zero record is eligible.
    let s = with_records(weighted(&[(0, "192.0.2.1"), (1, "192.0.2.2")]));
    let t = tally(&s, 100);
    assert_eq!(t.get(&ip("192.0.2.1")), None, "{t:?}");
    assert_eq!(t.get(&ip("192.0.2.2")), Some(&100));
}

#[test]
fn when_every_weight_is_zero_answers_are_spread_equally() {
    // §3 weighted: all-zero -> equal probability.
    let s = with_records(weighted(&[(0, "192.0.2.1"), (0, "192.0.2.2")]));
    let t = tally(&s, 200);
    let one = *t.get(&ip("192.0.2.1")).unwrap_or(&0);
    assert!((70..=130).contains(&one), "{t:?}");
}

fn inverted(id: &str, region: &str) -> HealthCheck {
    // An inverted check on a healthy endpoint is unhealthy from the start (§4).
    let mut h = hc(id, region);
    h.inverted = true;
    h
}

#[test]
fn zero_weight_records_answer_only_when_every_non_zero_record_is_unhealthy() {
    // §3 weighted with health checks: non-zero first, zero-weight as a last resort.
    let mut recs = weighted(&[(1, "192.0.2.1"), (0, "192.0.2.9")]);
    recs[0].health_check = Some("hc-w".into());
    let mut s = with_records(recs.clone());
    s.dns.health_checks.push(hc("hc-w", "us-east-1"));
    let mut w = world(s, 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.1")]);

    // The same setup with the non-zero record's check failing.
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-w", "us-east-1"));
    let mut w = world(s, 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.9")]);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Weighted {
                pool: WeightedPool::ZeroBecauseUnhealthy,
                ..
            }
        ),
        "{:?}",
        selection(answer(&t))
    );
}

#[test]
fn when_every_weighted_record_is_unhealthy_the_non_zero_ones_answer() {
    // §3 weighted: all unhealthy -> answer among the non-zero records, not zero.
    let mut recs = weighted(&[(1, "192.0.2.1"), (0, "192.0.2.9")]);
    recs[0].health_check = Some("hc-w1".into());
    recs[1].health_check = Some("hc-w0".into());
    let mut s = with_records(recs);
    s.dns.health_checks.extend([
        inverted("hc-w1", "us-east-1"),
        inverted("hc-w0", "us-west-2"),
    ]);
    let t = tally(&s, 40);
    assert_eq!(t.get(&ip("192.0.2.1")), Some(&40), "{t:?}");
}

#[test]
fn two_browsers_behind_one_resolver_share_its_weighted_choice_for_the_ttl() {
    // §18: Route 53 answers per resolver, then the answer is cached.
    let mut s = shared_resolver();
    s.dns
        .zone
        .records
        .extend(weighted(&[(1, "192.0.2.1"), (1, "192.0.2.2")]));
    for seed in 0..20 {
        let mut w = world(s.clone(), seed);
        get(&mut w, "client-na", WWW);
        let t = get(&mut w, "client-eu", WWW);
        assert!(!visits(&t, "route53"));
        assert_eq!(
            resolved(&w, "client-na", WWW),
            resolved(&w, "client-eu", WWW)
        );
    }
}

// ------------------------------------------------------------- §3 latency

fn latency_records() -> Vec<Record> {
    vec![
        rec(
            WWW,
            a(&["192.0.2.1"]),
            Routing::Latency {
                region: "us-east-1".into(),
            },
        ),
        rec(
            WWW,
            a(&["192.0.2.2"]),
            Routing::Latency {
                region: "eu-west-1".into(),
            },
        ),
        rec(
            WWW,
            a(&["192.0.2.3"]),
            Routing::Latency {
                region: "ap-northeast-1".into(),
            },
        ),
    ]
}

#[test]
fn latency_routing_answers_with_the_region_of_lowest_latency() {
    // §3 latency: the lowest-latency Region among Regions that have records.
    let mut w = world(with_records(latency_records()), 1);
    for (client, want) in [
        ("client-na", "192.0.2.1"),
        ("client-eu", "192.0.2.2"),
        ("client-ap", "192.0.2.3"),
    ] {
        let t = get(&mut w, client, WWW);
        assert_eq!(resolved(&w, client, WWW), vec![ip(want)], "{client}");
        assert!(
            matches!(selection(answer(&t)).0, Selection::Latency { rows, .. } if rows.len() == 3),
            "{:?}",
            selection(answer(&t))
        );
    }
}

#[test]
fn without_ecs_latency_routing_places_the_query_at_the_resolver() {
    // §3 latency: ECS when the resolver sends it, else the resolver's location.
    let mut s = with_records(latency_records());
    s.dns.resolver_sites.push(ResolverSite {
        id: "resolver-ap".into(),
        geo: Geo {
            country: "US".into(),
            continent: "NA".into(),
            subdivision: Some("VA".into()),
            lat: 39.0,
            lon: -77.5,
        },
    });
    let mut w = world(s.clone(), 1);
    get(&mut w, "client-ap", WWW);
    assert_eq!(
        resolved(&w, "client-ap", WWW),
        vec![ip("192.0.2.3")],
        "ECS on: Tokyo"
    );

    s.clients[2].resolver.ecs = false;
    let mut w = world(s, 1);
    let t = get(&mut w, "client-ap", WWW);
    assert_eq!(
        resolved(&w, "client-ap", WWW),
        vec![ip("192.0.2.1")],
        "ECS off: the resolver in Virginia"
    );
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Latency {
                source: QueryPlace::ResolverSite { country, subdivision, .. },
                ..
            } if country == "US" && subdivision.as_deref() == Some("VA")
        ),
        "{:?}",
        selection(answer(&t))
    );
}

#[test]
fn an_unhealthy_latency_record_gives_way_to_the_next_lowest() {
    // §3 general selection: an unhealthy record is skipped.
    let mut recs = latency_records();
    recs[0].health_check = Some("hc-l".into());
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-l", "us-east-1"));
    let mut w = world(s, 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.2")]);
}

// --------------------------------------------------------- §3 geolocation

fn geo(continent: Option<&str>, country: Option<&str>, sub: Option<&str>) -> Routing {
    Routing::Geolocation {
        continent: continent.map(|s| s.to_string()),
        country: country.map(|s| s.to_string()),
        subdivision: sub.map(|s| s.to_string()),
    }
}

fn geo_records(with_default: bool) -> Vec<Record> {
    // Listed least specific first, so list order cannot decide.
    let mut v = vec![
        rec(WWW, a(&["192.0.2.3"]), geo(Some("EU"), None, None)),
        rec(WWW, a(&["192.0.2.2"]), geo(None, Some("US"), None)),
        rec(WWW, a(&["192.0.2.1"]), geo(None, Some("US"), Some("NY"))),
    ];
    if with_default {
        v.push(rec(WWW, a(&["192.0.2.4"]), geo(None, Some("*"), None)));
    }
    v
}

#[test]
fn geolocation_picks_the_most_specific_match() {
    // §3 geolocation: subdivision > country > continent > default.
    let mut w = world(with_records(geo_records(true)), 1);
    for (client, want) in [
        ("client-na", "192.0.2.1"),
        ("client-eu", "192.0.2.3"),
        ("client-ap", "192.0.2.4"),
    ] {
        get(&mut w, client, WWW);
        assert_eq!(resolved(&w, client, WWW), vec![ip(want)], "{client}");
    }
}

#[test]
fn geolocation_without_a_default_gives_no_answer_to_unmapped_locations() {
    // §3 geolocation: no default -> NOERROR with no answer.
    let mut w = world(with_records(geo_records(false)), 1);
    let t = get(&mut w, "client-ap", WWW);
    let ans = answer(&t);
    assert_eq!(ans.code, Code::DnsNodata);
    assert!(
        matches!(selection(ans).0, Selection::GeolocationNoMatch { .. }),
        "{:?}",
        reason(ans)
    );
    assert_ne!(t.outcome.code, Code::DnsNxdomain);
}

#[test]
fn an_unhealthy_geolocation_record_walks_up_to_the_country() {
    // §3 geolocation: unhealthy subdivision -> country -> continent -> default.
    let mut recs = geo_records(true);
    recs[2].health_check = Some("hc-ny".into());
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-ny", "us-east-1"));
    let mut w = world(s, 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.2")]);
    assert!(
        matches!(selection(answer(&t)).0, Selection::Geolocation { walked, all_unhealthy: false, .. }
            if walked.len() == 1 && walked[0].0 == "US-NY"),
        "{:?}",
        selection(answer(&t))
    );
}

// -------------------------------------------------------- §3 geoproximity

#[test]
fn geoproximity_bias_follows_the_fact_sheet_formula() {
    // §3 geoproximity: 150 km with +50 -> 75 km; 100 km with -50 -> 200 km.
    assert!((biased_distance(150.0, 50) - 75.0).abs() < 1e-9);
    assert!((biased_distance(100.0, -50) - 200.0).abs() < 1e-9);
    assert!((biased_distance(100.0, 0) - 100.0).abs() < 1e-9);
    let ny_paris = great_circle_km((40.71, -74.01), (48.86, 2.35));
    assert!((5800.0..5900.0).contains(&ny_paris), "{ny_paris}");
}

#[test]
fn geoproximity_routes_to_the_closest_resource_and_bias_can_pull_traffic_away() {
    // §3 geoproximity: biased = d × (1 − b/100) or d / (1 + b/100).
    let recs = |bias_eu: i32| {
        vec![
            rec(
                WWW,
                a(&["192.0.2.1"]),
                Routing::Geoproximity {
                    region: Some("us-east-1".into()),
                    lat: None,
                    lon: None,
                    bias: 0,
                },
            ),
            rec(
                WWW,
                a(&["192.0.2.2"]),
                Routing::Geoproximity {
                    region: None,
                    lat: Some(48.86),
                    lon: Some(2.35),
                    bias: bias_eu,
                },
            ),
        ]
    };
    let mut w = world(with_records(recs(0)), 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.1")]);

    // New York: ~330 km to N. Virginia, ~5840 km to Paris; +95 -> ~292 km.
    let mut w = world(with_records(recs(95)), 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.2")]);
    assert!(
        matches!(selection(answer(&t)).0, Selection::Geoproximity { rows, .. }
            if rows.iter().any(|r| r.bias == 95 && r.biased_km.0 < r.km.0)),
        "{:?}",
        selection(answer(&t))
    );

    // A negative bias grows the distance, but Paris stays far closer for a Parisian.
    let mut w = world(with_records(recs(-50)), 1);
    get(&mut w, "client-eu", WWW);
    assert_eq!(resolved(&w, "client-eu", WWW), vec![ip("192.0.2.2")]);
}

// ---------------------------------------------------------- §3 multivalue

fn multi(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            rec(
                WWW,
                a(&[&format!("192.0.2.{}", i + 1)]),
                Routing::Multivalue,
            )
        })
        .collect()
}

#[test]
fn multivalue_returns_at_most_eight_healthy_records_varying_the_set() {
    // §3 multivalue: up to 8 healthy records, varying across resolvers.
    assert_eq!(MULTIVALUE_MAX_ANSWERS, 8);
    let mut sets = std::collections::BTreeSet::new();
    for seed in 0..30 {
        let mut w = world(with_records(multi(10)), seed);
        get(&mut w, "client-na", WWW);
        let mut got = resolved(&w, "client-na", WWW);
        assert_eq!(got.len(), 8);
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 8, "no duplicates");
        sets.insert(got);
    }
    assert!(sets.len() > 5, "the set varies: {}", sets.len());
}

#[test]
fn multivalue_returns_every_healthy_record_and_leaves_out_unhealthy_ones() {
    // §3 multivalue: ≤ 8 healthy -> all healthy ones.
    let mut recs = multi(5);
    recs[0].health_check = Some("hc-m".into());
    recs[1].health_check = Some("hc-m".into());
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-m", "us-east-1"));
    let mut w = world(s, 3);
    get(&mut w, "client-na", WWW);
    let mut got = resolved(&w, "client-na", WWW);
    got.sort();
    assert_eq!(got, vec![ip("192.0.2.3"), ip("192.0.2.4"), ip("192.0.2.5")]);
}

#[test]
fn multivalue_answers_up_to_eight_unhealthy_records_when_all_are_unhealthy() {
    // §3 multivalue: all unhealthy -> up to 8 unhealthy ones.
    let mut recs = multi(10);
    for r in &mut recs {
        r.health_check = Some("hc-m".into());
    }
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-m", "us-east-1"));
    let mut w = world(s, 3);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW).len(), 8);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Multivalue {
                none_healthy: true,
                returned: 8,
                ..
            }
        ),
        "{:?}",
        selection(answer(&t))
    );
}

// ---------------------------------------------------------- §3 IP-based

fn ip_scenario(with_default: bool) -> Scenario {
    let mut s = default_scenario();
    s.dns.cidr_collections.push(CidrCollection {
        id: "isp".into(),
        locations: vec![
            CidrLocation {
                name: "ny-wide".into(),
                blocks: vec!["203.0.0.0/16".parse().unwrap()],
            },
            CidrLocation {
                name: "ny".into(),
                blocks: vec!["203.0.113.0/24".parse().unwrap()],
            },
            CidrLocation {
                name: "paris".into(),
                blocks: vec!["198.51.0.0/16".parse().unwrap()],
            },
        ],
    });
    let loc = |l: &str| Routing::IpBased {
        collection: "isp".into(),
        location: l.into(),
    };
    s.dns.zone.records.extend([
        rec(WWW, a(&["192.0.2.1"]), loc("ny")),
        rec(WWW, a(&["192.0.2.5"]), loc("ny-wide")),
        rec(WWW, a(&["192.0.2.2"]), loc("paris")),
    ]);
    if with_default {
        s.dns
            .zone
            .records
            .push(rec(WWW, a(&["192.0.2.9"]), loc("*")));
    }
    s
}

#[test]
fn ip_based_routing_uses_the_longest_matching_block_and_the_default_for_the_rest() {
    // §3 IP-based: CIDR locations, longest match, `*` default.
    let mut w = world(ip_scenario(true), 1);
    for (client, want) in [
        ("client-na", "192.0.2.1"), // 203.0.113.0/24 beats 203.0.0.0/16
        ("client-eu", "192.0.2.2"),
        ("client-ap", "192.0.2.9"),
    ] {
        get(&mut w, client, WWW);
        assert_eq!(resolved(&w, client, WWW), vec![ip(want)], "{client}");
    }
}

#[test]
fn ip_based_routing_without_ecs_sees_only_the_resolver_address() {
    // §3 IP-based: the client IP is the ECS subnet or the resolver's IP.
    let mut s = ip_scenario(true);
    s.clients[0].resolver.ecs = false;
    let mut w = world(s, 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.9")]);
}

#[test]
fn an_unhealthy_ip_based_record_gives_way_to_the_default_location() {
    // §3 general selection: an unhealthy record is skipped; `*` covers the rest.
    let mut s = ip_scenario(true);
    let ny = s
        .dns
        .zone
        .records
        .iter_mut()
        .find(|r| matches!(&r.routing, Routing::IpBased { location, .. } if location == "ny"))
        .unwrap();
    ny.health_check = Some("hc-ny".into());
    s.dns.health_checks.push(inverted("hc-ny", "us-east-1"));
    let mut w = world(s, 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.9")]);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::IpBased {
                fallback: IpFallback::MatchedUnhealthy { .. },
                ..
            }
        ),
        "{:?}",
        selection(answer(&t))
    );
}

#[test]
fn ip_based_routing_without_a_default_gives_no_answer_to_unmatched_clients() {
    // §3 IP-based: no default location -> no answer.
    let mut w = world(ip_scenario(false), 1);
    let t = get(&mut w, "client-ap", WWW);
    assert_eq!(answer(&t).code, Code::DnsNodata);
}

// ------------------------------------------------------ §4 health checks

#[test]
fn a_fast_check_with_threshold_one_turns_unhealthy_after_ten_seconds_and_recovers_the_same_way() {
    // §4: interval 10 s × threshold 1; the same count to recover.
    let mut s = default_scenario();
    s.dns.health_checks[0].interval_s = 10;
    s.dns.health_checks[0].failure_threshold = 1;
    let mut w = world(s, 1);
    let down = Fault::RegionDown {
        region: "us-east-1".into(),
    };
    w.set_fault(down.clone(), true);
    w.advance(9_000);
    assert!(
        w.health("hc-cluster-a").unwrap().healthy,
        "a new check is healthy until data exists"
    );
    w.advance(1_000);
    assert!(!w.health("hc-cluster-a").unwrap().healthy);
    w.set_fault(down, false);
    w.advance(10_000);
    assert!(w.health("hc-cluster-a").unwrap().healthy);
}

#[test]
fn an_endpoint_is_healthy_only_if_more_than_18_percent_of_checkers_say_so() {
    // §4, §19.6: healthy if > 18 % of checkers report healthy.
    // Checkers of hc-cluster-b (endpoint us-west-2) sit in the 8 checker
    // Regions; a checker whose Region is down reports failure.
    let others = [
        "us-east-1",
        "us-west-1",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
    ];
    let mut w = world(default_scenario(), 1);
    for r in others {
        w.set_fault(Fault::RegionDown { region: r.into() }, true);
    }
    w.advance(120_000);
    // 2 of 8 = 25 %: still healthy.
    assert!(w.health("hc-cluster-b").unwrap().healthy);
    assert_eq!(
        w.health_checkers("hc-cluster-b")
            .iter()
            .filter(|c| c.healthy)
            .count(),
        2
    );
    w.set_fault(
        Fault::RegionDown {
            region: "sa-east-1".into(),
        },
        true,
    );
    w.advance(90_000);
    // 1 of 8 = 12.5 %: unhealthy although the endpoint answers.
    let st = w.health("hc-cluster-b").unwrap();
    assert!(!st.healthy);
    assert!(
        st.history
            .last()
            .unwrap()
            .2
            .contains("1 of 8 report healthy"),
        "{:?}",
        st.history.last()
    );
    assert!(w
        .events()
        .iter()
        .any(|e| e.text.contains("not more than 18 %")));
}

#[test]
fn exactly_18_percent_of_checkers_is_unhealthy() {
    // §19.6: the 18 % is strict: 9 of 50 (18 %) is unhealthy, 10 of 50 healthy.
    assert!(!checkers_say_healthy(9, 50));
    assert!(checkers_say_healthy(10, 50));
    assert!(!checkers_say_healthy(1, 8));
    assert!(checkers_say_healthy(2, 8));
}

#[test]
fn with_five_checkers_one_healthy_checker_is_twenty_percent_and_enough() {
    // §4: the rule is a percentage of the learner-set checker count.
    let mut s = default_scenario();
    s.dns.health_checks[1].checkers = 5; // us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1
    let mut w = world(s, 1);
    for r in ["us-east-1", "us-west-1", "eu-west-1"] {
        w.set_fault(Fault::RegionDown { region: r.into() }, true);
    }
    w.set_fault(
        Fault::RegionDown {
            region: "ap-southeast-1".into(),
        },
        true,
    );
    w.advance(120_000);
    assert_eq!(
        w.health_checkers("hc-cluster-b")
            .iter()
            .filter(|c| c.healthy)
            .count(),
        1
    );
    assert!(
        w.health("hc-cluster-b").unwrap().healthy,
        "1 of 5 = 20 % > 18 %"
    );
}

#[test]
fn a_disabled_check_is_always_healthy() {
    // §4: disabled -> healthy.
    let mut s = default_scenario();
    s.dns.health_checks[0].disabled = true;
    let mut w = world(s, 1);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(300_000);
    assert!(w.health("hc-cluster-a").unwrap().healthy);
    assert!(w.health_check_healthy("hc-cluster-a"));
}

#[test]
fn an_inverted_check_is_unhealthy_while_the_endpoint_answers_and_healthy_when_it_fails() {
    // §4: inverted; a new inverted check counts as unhealthy.
    let mut s = default_scenario();
    s.dns.health_checks[0].inverted = true;
    let mut w = world(s, 1);
    assert!(!w.health("hc-cluster-a").unwrap().healthy);
    w.advance(100_000);
    assert!(!w.health("hc-cluster-a").unwrap().healthy);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(90_000);
    assert!(w.health("hc-cluster-a").unwrap().healthy);
}

fn calculated(rule: CalcRule) -> World {
    let mut s = default_scenario();
    let mut p = hc("hc-parent", "");
    p.calculated = Some(Calculated {
        children: vec!["hc-cluster-a".into(), "hc-cluster-b".into()],
        rule,
    });
    s.dns.health_checks.push(p);
    let mut w = world(s, 1);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(100_000); // hc-cluster-a unhealthy at 90 s
    assert!(!w.health("hc-cluster-a").unwrap().healthy);
    w
}

#[test]
fn a_calculated_check_combines_its_children_with_and_or_and_at_least_n() {
    // §4 calculated checks: AND, OR, at least N of M.
    assert!(
        !calculated(CalcRule::All)
            .health("hc-parent")
            .unwrap()
            .healthy
    );
    assert!(
        calculated(CalcRule::Any)
            .health("hc-parent")
            .unwrap()
            .healthy
    );
    assert!(
        !calculated(CalcRule::AtLeast(2))
            .health("hc-parent")
            .unwrap()
            .healthy
    );
    assert!(
        calculated(CalcRule::AtLeast(1))
            .health("hc-parent")
            .unwrap()
            .healthy
    );
}

#[test]
fn a_disabled_child_counts_as_healthy_in_a_calculated_check() {
    // §4: a disabled child counts as healthy.
    let mut s = default_scenario();
    s.dns.health_checks[0].disabled = true;
    let mut p = hc("hc-parent", "");
    p.calculated = Some(Calculated {
        children: vec!["hc-cluster-a".into(), "hc-cluster-b".into()],
        rule: CalcRule::All,
    });
    s.dns.health_checks.push(p);
    let mut w = world(s, 1);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(100_000);
    assert!(w.health("hc-parent").unwrap().healthy);
}

#[test]
fn a_record_with_a_calculated_check_fails_over_when_the_parent_turns_unhealthy() {
    // §4 calculated + §3 failover; the answer hop names the parent's state.
    let mut s = default_scenario();
    let mut p = hc("hc-parent", "");
    p.calculated = Some(Calculated {
        children: vec!["hc-cluster-a".into()],
        rule: CalcRule::All,
    });
    s.dns.health_checks.push(p);
    s.dns.zone.records.extend([
        rec(
            WWW,
            a(&["192.0.2.1"]),
            Routing::Failover {
                role: FailoverRole::Primary,
                health_check: Some("hc-parent".into()),
            },
        ),
        rec(
            WWW,
            a(&["192.0.2.2"]),
            Routing::Failover {
                role: FailoverRole::Secondary,
                health_check: None,
            },
        ),
    ]);
    let mut w = world(s, 1);
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(100_000);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.2")]);
    let Selection::Failover(FailoverPick::Secondary { primary, .. }) = selection(answer(&t)).0
    else {
        panic!("no failover: {:?}", reason(answer(&t)));
    };
    assert!(
        matches!(
            primary.0.as_slice(),
            [HealthPart::Check(CheckStatus::Calculated {
                id,
                healthy: false,
                combine: Combine::And,
                ..
            })] if id == "hc-parent"
        ),
        "{primary:?}"
    );
    // The English a learner reads for a calculated check.
    assert!(
        answer(&t)
            .why
            .contains("hc-parent UNHEALTHY (calculated AND"),
        "{}",
        answer(&t).why
    );
}

#[test]
fn evaluate_target_health_fails_over_when_a_target_group_has_no_healthy_target() {
    // §2 ETH: ALB healthy only if every target group with targets has a healthy target.
    let mut s = default_scenario();
    for r in &mut s.dns.zone.records {
        if let Routing::Failover { health_check, .. } = &mut r.routing {
            *health_check = None;
            r.evaluate_target_health = true;
        }
    }
    let pods: Vec<String> = s.regions[0]
        .cluster
        .pods
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let mut w = world(s, 1);
    let origin = "api-origin.healthcareapp.com";
    let t = get(&mut w, "client-na", origin);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Failover(FailoverPick::Primary { .. })
        ),
        "{:?}",
        selection(answer(&t))
    );
    for p in pods {
        w.set_fault(Fault::TargetUnhealthy { pod: p }, true);
    }
    w.advance(120_000);
    let t = get(&mut w, "client-na", origin);
    let ans = answer(&t);
    assert_eq!(ans.code, Code::HealthCheckFailover, "{}", ans.why);
    let Selection::Failover(FailoverPick::Secondary { primary, .. }) = selection(ans).0 else {
        panic!("no failover: {:?}", reason(ans));
    };
    assert!(
        primary
            .0
            .iter()
            .any(|p| matches!(p, HealthPart::Alb(AlbHealth::NoHealthyTargets { .. }))),
        "{primary:?}"
    );
    assert!(ans.what.contains("us-west-2"), "{}", ans.what);
}

#[test]
fn failover_takes_detection_time_plus_the_cached_ttl_and_the_trace_says_both() {
    // §4 failover timing: interval × threshold, then the cached answer's TTL.
    let mut s = default_scenario();
    s.dns.zone.records.extend([
        rec(
            WWW,
            RecordValue::AliasAlb {
                region: "us-east-1".into(),
            },
            Routing::Failover {
                role: FailoverRole::Primary,
                health_check: Some("hc-cluster-a".into()),
            },
        ),
        rec(
            WWW,
            RecordValue::AliasAlb {
                region: "us-west-2".into(),
            },
            Routing::Failover {
                role: FailoverRole::Secondary,
                health_check: Some("hc-cluster-b".into()),
            },
        ),
    ]);
    let mut w = world(s, 1);
    w.advance(50_000);
    get(&mut w, "client-na", WWW); // cached at 50 s until 110 s
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(45_000); // 95 s: two failed checks (60, 90 s); the browser holds the answer until 110 s
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(t.hops[0].code, Code::DnsCacheHit);
    assert_eq!(cache_hit(&t.hops[0]), (DnsCacheLayer::Browser, 15, 60));
    w.advance(30_000); // 125 s: the primary has failed 3 checks (60, 90, 120)
    let t = get(&mut w, "client-na", WWW);
    let ans = answer(&t);
    assert_eq!(ans.code, Code::HealthCheckFailover);
    let Selection::Failover(FailoverPick::Secondary {
        primary,
        detection: Some(d),
        ..
    }) = selection(ans).0
    else {
        panic!("no failover to the secondary: {:?}", reason(ans));
    };
    assert_eq!((d.interval_s, d.threshold, d.ttl_s), (30, 3, 60));
    assert!(
        matches!(
            primary.0.as_slice(),
            [HealthPart::Check(CheckStatus::Counted {
                healthy: false,
                failures: 3,
                threshold: 3,
                ..
            })]
        ),
        "{primary:?}"
    );
    // The English a learner reads: detection time is interval × threshold.
    assert!(
        ans.why.contains("interval 30 s × threshold 3 = 90 s"),
        "{}",
        ans.why
    );
}

#[test]
fn the_same_seed_gives_the_same_weighted_answers() {
    // §18: randomness is seeded, so a replay is identical.
    let s = with_records(weighted(&[(1, "192.0.2.1"), (1, "192.0.2.2")]));
    let run = |seed| {
        let mut w = world(s.clone(), seed);
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(serde_json::to_string(&get(&mut w, "client-na", WWW)).unwrap());
            w.advance(61_000);
        }
        out
    };
    assert_eq!(run(11), run(11));
}

#[test]
fn when_every_geolocation_match_is_unhealthy_the_smallest_region_answers() {
    // §3 geolocation: all unhealthy -> the smallest-region record.
    let mut recs = geo_records(true);
    for r in &mut recs {
        r.health_check = Some("hc-g".into());
    }
    let mut s = with_records(recs);
    s.dns.health_checks.push(inverted("hc-g", "us-east-1"));
    let mut w = world(s, 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.1")]);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Geolocation {
                all_unhealthy: true,
                ..
            }
        ),
        "{:?}",
        selection(answer(&t))
    );
}

#[test]
fn when_primary_and_secondary_are_both_unhealthy_route_53_returns_the_primary() {
    // §3 failover: both unhealthy (both checked) -> primary.
    let mut s = default_scenario();
    s.dns.health_checks.push(inverted("hc-p", "us-east-1"));
    s.dns.health_checks.push(inverted("hc-s", "us-west-2"));
    s.dns.zone.records.extend([
        rec(
            WWW,
            a(&["192.0.2.1"]),
            Routing::Failover {
                role: FailoverRole::Primary,
                health_check: Some("hc-p".into()),
            },
        ),
        rec(
            WWW,
            a(&["192.0.2.2"]),
            Routing::Failover {
                role: FailoverRole::Secondary,
                health_check: Some("hc-s".into()),
            },
        ),
    ]);
    let mut w = world(s, 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("192.0.2.1")]);
    assert!(
        matches!(
            selection(answer(&t)).0,
            Selection::Failover(FailoverPick::BothUnhealthy { .. })
        ),
        "{:?}",
        selection(answer(&t))
    );
}

#[test]
fn routing_policies_and_health_checks_can_be_written_in_a_scenario_file() {
    // §3, §4: the new record and check fields load from JSON with defaults.
    let mut v = serde_json::to_value(default_scenario()).unwrap();
    v["dns"]["zone"]["records"].as_array_mut().unwrap().extend(
        serde_json::from_str::<Vec<serde_json::Value>>(
            r#"[
            {"name": "www.healthcareapp.com", "value": {"a": {"addresses": ["192.0.2.1"]}},
             "ttl_s": 60, "routing": {"weighted": {"weight": 0}}, "health_check": "hc-calc"},
            {"name": "www.healthcareapp.com", "value": {"alias_alb": {"region": "us-west-2"}},
             "routing": {"weighted": {"weight": 10}}, "evaluate_target_health": true}
        ]"#,
        )
        .unwrap(),
    );
    v["dns"]["health_checks"].as_array_mut().unwrap().push(
        serde_json::from_str(
            r#"{"id": "hc-calc", "calculated": {"children": ["hc-cluster-a", "hc-cluster-b"], "rule": {"at_least": 1}}}"#,
        )
        .unwrap(),
    );
    let s: Scenario = serde_json::from_value(v).unwrap();
    let mut w = world(s, 1);
    get(&mut w, "client-na", WWW);
    assert_eq!(
        resolved(&w, "client-na", WWW),
        vec![ip("52.12.1.10"), ip("52.12.2.10")],
        "weight 10 beats weight 0"
    );
    assert!(w.health("hc-calc").unwrap().healthy);
}

#[test]
fn any_dns_configuration_that_passes_validation_runs_without_panicking() {
    // Invariant 5/6: a valid scenario never panics; broken DNS ends in a
    // meaningful outcome. Deterministic pseudo-random record sets.
    use hoplab::sim::rng::Rng;
    let mut rng = Rng::new(2026);
    let names = ["www", "app", "x", "y", "a.b", "b"];
    let fq = |n: &str| format!("{n}.healthcareapp.com");
    let mut accepted = 0;
    for round in 0..1000 {
        let mut s = ip_scenario(rng.index(2) == 0);
        s.dns.zone.records.retain(|r| r.name != WWW);
        let mut h = hc(
            "hc-r",
            if rng.index(2) == 0 {
                "us-east-1"
            } else {
                "us-west-2"
            },
        );
        h.inverted = rng.index(3) == 0;
        h.disabled = rng.index(4) == 0;
        h.checkers = rng.range(1, 10) as u32;
        s.dns.health_checks.push(h);
        let mut p = hc("hc-p", "");
        p.calculated = Some(Calculated {
            children: vec!["hc-r".into(), "hc-cluster-a".into()],
            rule: [
                CalcRule::All,
                CalcRule::Any,
                CalcRule::AtLeast(rng.range(0, 3) as u32),
            ][rng.index(3)],
        });
        s.dns.health_checks.push(p);
        for _ in 0..rng.range(1, 8) {
            let name = fq(names[rng.index(names.len())]);
            let value = match rng.index(5) {
                0 => cname(&fq(names[rng.index(names.len())])),
                1 => RecordValue::AliasAlb {
                    region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
                },
                2 => RecordValue::Txt {
                    values: vec!["t".into()],
                },
                _ => a(&[&format!("192.0.2.{}", rng.range(1, 254))]),
            };
            let routing = match rng.index(8) {
                0 => Routing::Simple,
                1 => Routing::Weighted {
                    weight: rng.range(0, 300) as u32,
                },
                2 => Routing::Latency {
                    region: ["us-east-1", "eu-west-1", "mars-1"][rng.index(3)].into(),
                },
                3 => geo(
                    [None, Some("EU"), Some("NA")][rng.index(3)],
                    [None, Some("US"), Some("*")][rng.index(3)],
                    [None, Some("NY")][rng.index(2)],
                ),
                4 => Routing::Geoproximity {
                    region: Some("us-east-1".into()),
                    lat: None,
                    lon: None,
                    bias: rng.range(0, 300) as i32 - 150,
                },
                5 => Routing::Multivalue,
                6 => Routing::IpBased {
                    collection: "isp".into(),
                    location: ["ny", "*", "paris", "nowhere"][rng.index(4)].into(),
                },
                _ => Routing::Failover {
                    role: [FailoverRole::Primary, FailoverRole::Secondary][rng.index(2)],
                    health_check: None,
                },
            };
            let mut r = rec(&name, value, routing);
            r.health_check =
                [None, Some("hc-r".to_string()), Some("hc-p".to_string())][rng.index(3)].clone();
            r.evaluate_target_health = rng.index(4) == 0;
            if !r.is_alias() {
                r.ttl_s = Some(rng.range(0, 400) as u32);
            }
            s.dns.zone.records.push(r);
        }
        let Ok(mut w) = World::new(s, round) else {
            continue;
        };
        accepted += 1;
        if rng.index(4) == 0 {
            w.set_fault(Fault::DnsAuthorityDown, true);
        }
        for step in 0..3 {
            for c in ["client-na", "client-eu", "client-ap"] {
                for n in names {
                    let t = get(&mut w, c, &fq(n));
                    assert!(!t.hops.is_empty());
                    assert!(!t.outcome.decided_by.is_empty());
                }
            }
            w.advance(40_000 * (step + 1));
        }
    }
    assert!(accepted > 50, "only {accepted} scenarios were valid");
}

// ------------------------------------------------- §2 alias to a record

fn alias_to(target: &str) -> RecordValue {
    RecordValue::AliasRecord {
        target: target.into(),
    }
}

#[test]
fn an_alias_to_another_record_answers_with_its_addresses_and_its_ttl() {
    // §2: alias to another record in the zone uses that record's TTL, and
    // the answer is an A answer (never "ALIAS").
    let mut target = rec(
        "app.healthcareapp.com",
        a(&["198.51.100.7"]),
        Routing::Simple,
    );
    target.ttl_s = Some(120);
    let alias = rec(WWW, alias_to("app.healthcareapp.com"), Routing::Simple);
    let mut w = world(with_records(vec![target, alias]), 1);
    let t = get(&mut w, "client-na", WWW);
    assert_eq!(resolved(&w, "client-na", WWW), vec![ip("198.51.100.7")]);
    let ans = answer(&t);
    assert_eq!(answer_ttl(ans), 120);
    assert!(
        matches!(selection(ans).1, ValueNote::AliasRecord { target, .. } if target == "app.healthcareapp.com"),
        "{:?}",
        reason(ans)
    );
}

#[test]
fn an_alias_to_a_failover_record_follows_the_failover_when_region_a_fails() {
    // §2, §3, §4: the alias answers whatever the target's routing picks.
    let alias = rec(
        WWW,
        alias_to("api-origin.healthcareapp.com"),
        Routing::Simple,
    );
    let mut w = world(with_records(vec![alias]), 1);
    let s = w.scenario().clone();
    let alb = |i: usize| w_alb(&s, i);
    let t = get(&mut w, "client-na", WWW);
    assert!(
        alb(0).contains(&resolved(&w, "client-na", WWW)[0]),
        "{}",
        answer(&t).what
    );
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(10 * 60_000); // detection and every cache long past
    get(&mut w, "client-na", WWW);
    let got = resolved(&w, "client-na", WWW);
    assert!(
        !got.is_empty() && got.iter().all(|a| alb(1).contains(a)),
        "{got:?}"
    );
}

fn w_alb(s: &Scenario, i: usize) -> Vec<Ipv4Addr> {
    s.regions[i].alb.nodes.iter().map(|n| n.public_ip).collect()
}

#[test]
fn an_alias_with_target_health_to_a_record_group_is_healthy_while_one_record_is() {
    // §2: "Alias to a group of records in the zone: healthy while at least
    // one record in that group is healthy." Two weighted records behind the
    // alias, each with its own check; the alias is a failover primary.
    let mut s = default_scenario();
    let mut h1 = hc("hc-g1", "us-east-1");
    h1.failure_threshold = 1;
    let mut h2 = hc("hc-g2", "us-west-2");
    h2.failure_threshold = 1;
    s.dns.health_checks.extend([h1, h2]);
    let mut g1 = rec(
        "group.healthcareapp.com",
        a(&["198.51.100.1"]),
        Routing::Weighted { weight: 1 },
    );
    g1.health_check = Some("hc-g1".into());
    let mut g2 = rec(
        "group.healthcareapp.com",
        a(&["198.51.100.2"]),
        Routing::Weighted { weight: 1 },
    );
    g2.health_check = Some("hc-g2".into());
    let mut primary = rec(
        WWW,
        alias_to("group.healthcareapp.com"),
        Routing::Failover {
            role: FailoverRole::Primary,
            health_check: None,
        },
    );
    primary.evaluate_target_health = true;
    let secondary = rec(
        WWW,
        a(&["203.0.113.99"]),
        Routing::Failover {
            role: FailoverRole::Secondary,
            health_check: None,
        },
    );
    s.dns.zone.records.extend([g1, g2, primary, secondary]);
    let mut w = world(s, 1);
    // One member down: the group (and so the primary) stays healthy.
    w.set_fault(
        Fault::RegionDown {
            region: "us-east-1".into(),
        },
        true,
    );
    w.advance(5 * 60_000);
    get(&mut w, "client-eu", WWW);
    assert_eq!(resolved(&w, "client-eu", WWW), vec![ip("198.51.100.2")]);
    // Both members down: the primary is unhealthy, the secondary answers.
    w.set_fault(
        Fault::RegionDown {
            region: "us-west-2".into(),
        },
        true,
    );
    w.advance(10 * 60_000);
    let t = get(&mut w, "client-eu", WWW);
    assert_eq!(
        resolved(&w, "client-eu", WWW),
        vec![ip("203.0.113.99")],
        "{}",
        answer(&t).why
    );
}

#[test]
fn an_alias_at_the_apex_to_a_cname_an_alias_to_nothing_and_an_alias_loop_are_refused() {
    // §2: allowed at the apex "except an alias that points to a CNAME record".
    let mut s = default_scenario();
    s.dns.zone.records.retain(|r| r.name != "healthcareapp.com");
    s.dns
        .zone
        .records
        .push(rec(WWW, cname("example.org"), Routing::Simple));
    s.dns
        .zone
        .records
        .push(rec("healthcareapp.com", alias_to(WWW), Routing::Simple));
    assert!(refused(s).contains("cannot point to a CNAME"));
    let s = with_records(vec![rec(
        WWW,
        alias_to("nothing.healthcareapp.com"),
        Routing::Simple,
    )]);
    assert!(refused(s).contains("has no record in the zone"));
    let s = with_records(vec![
        rec(WWW, alias_to("b.healthcareapp.com"), Routing::Simple),
        rec("b.healthcareapp.com", alias_to(WWW), Routing::Simple),
    ]);
    assert!(refused(s).contains("alias loop"));
}

#[test]
fn every_dns_event_survives_the_json_trace_and_reads_back_the_same() {
    // The CLI's JSON trace is a public format: each DNS event, with its
    // routing selection and health, parses back to the same value.
    let geoprox = |bias: i32| {
        let mut r = rec(
            WWW,
            a(&["192.0.2.1"]),
            Routing::Geoproximity {
                region: Some("eu-west-3".into()),
                lat: None,
                lon: None,
                bias,
            },
        );
        r.ttl_s = Some(60);
        r
    };
    let mut scenarios = vec![
        (
            with_records(weighted(&[(1, "192.0.2.1"), (3, "192.0.2.3")])),
            WWW,
        ),
        (with_records(latency_records()), WWW),
        (with_records(geo_records(false)), WWW),
        (with_records(vec![geoprox(40)]), WWW),
        (ip_scenario(true), WWW),
        (with_records(chain(9)), "c0.healthcareapp.com"),
        (default_scenario(), "nope.healthcareapp.com"),
        (default_scenario(), "shop.invalid"),
        (default_scenario(), "healthcareapp.com"),
    ];
    scenarios.push((default_scenario(), "authority-down"));
    let mut kinds = std::collections::BTreeSet::new();
    for (s, name) in scenarios {
        for client in ["client-na", "client-eu", "client-ap"] {
            let mut w = world(s.clone(), 1);
            let name = if name == "authority-down" {
                w.set_fault(Fault::DnsAuthorityDown, true);
                "healthcareapp.com"
            } else {
                name
            };
            let t = get(&mut w, client, name);
            for e in dns_events(&t) {
                let json = serde_json::to_value(e).unwrap();
                kinds.insert(json["kind"].as_str().unwrap().to_string());
            }
            let text = serde_json::to_string(&t).unwrap();
            let back: Trace = serde_json::from_str(&text).unwrap();
            assert_eq!(back, t, "{text}");
        }
    }
    for k in [
        "cache_miss",
        "query",
        "query_timeout",
        "referral",
        "answer",
        "response",
        "servfail",
        "tree_nxdomain",
        "cname_restart",
    ] {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }
}
