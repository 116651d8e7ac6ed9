//! The edge of the default scenario: the CloudFront distribution (three
//! edge locations, an API behaviour and a static one, the ALB and S3
//! origins) and its WAF web ACL.

use std::collections::BTreeMap;

use super::net;
use crate::sim::scenario::*;

fn pop(id: &str, city: &str, ip: [u8; 4], east: u32, west: u32) -> Pop {
    let mut rtt = BTreeMap::new();
    rtt.insert("us-east-1".to_string(), east);
    rtt.insert("us-west-2".to_string(), west);
    Pop {
        id: id.into(),
        city: city.into(),
        ip: ip.into(),
        rtt_region_ms: rtt,
    }
}

/// The distribution: `/api/*` to the ALBs uncached, everything else from
/// S3 cached for a day. Fact sheet §5.
pub(super) fn distribution() -> Distribution {
    Distribution {
        id: "cloudfront".into(),
        domain: "d1h2k3l4m5n6.cloudfront.net".into(),
        origin_keep_alive_s: 5,
        pops: vec![
            pop("pop-jfk", "New York (JFK)", [18, 160, 10, 5], 8, 70),
            pop("pop-cdg", "Paris (CDG)", [13, 32, 20, 5], 80, 140),
            pop("pop-nrt", "Tokyo (NRT)", [13, 35, 30, 5], 160, 100),
        ],
        behaviors: vec![
            Behavior {
                path_pattern: "/api/*".into(),
                origin: "alb-origin".into(),
                // Managed policy CachingDisabled: 0 / 0 / 0. Fact sheet §5.
                min_ttl_s: 0,
                default_ttl_s: 0,
                max_ttl_s: 0,
                cache_query_strings: false,
                viewer_protocol: ViewerProtocol::RedirectToHttps,
                // The API books with POST.
                allowed_methods: AllowedMethods::All,
            },
            Behavior {
                path_pattern: "*".into(),
                origin: "s3-static".into(),
                // Managed policy CachingOptimized: 1 / 86400 / 31536000. Fact sheet §5.
                min_ttl_s: 1,
                default_ttl_s: 86_400,
                max_ttl_s: 31_536_000,
                cache_query_strings: false,
                viewer_protocol: ViewerProtocol::RedirectToHttps,
                // Static files are only read.
                allowed_methods: AllowedMethods::GetHead,
            },
        ],
        origins: vec![
            Origin {
                id: "alb-origin".into(),
                domain: "api-origin.healthcareapp.com".into(),
                kind: OriginKind::Custom,
                cache_control: Some("no-store".into()),
                objects: vec![],
            },
            Origin {
                id: "s3-static".into(),
                domain: "healthcareapp-static.s3.us-east-1.amazonaws.com".into(),
                kind: OriginKind::S3,
                cache_control: Some("max-age=3600".into()),
                objects: vec!["/".into(), "/index.html".into(), "/static/*".into()],
            },
        ],
        connection_attempts: 3,
        connection_timeout_s: 10,
        origin_response_timeout_s: 30,
        error_caching_min_ttl_s: 10,
        origin_groups: vec![],
        ipv6_enabled: false,
        shield: Default::default(),
    }
}

/// The web ACL: an IP block list, SQL injection, cross-site scripting and
/// a rate limit per IP, all Block; the default Allow. Fact sheet §6.
pub(super) fn web_acl() -> WebAcl {
    WebAcl {
        id: "waf".into(),
        name: "healthcareapp-edge".into(),
        rules: vec![
            WafRule {
                priority: 0,
                name: "IPBlockList".into(),
                statement: WafStatement::IpSet {
                    cidrs: vec![net("198.18.0.0/15")],
                },
                action: WafAction::Block,
                labels: Vec::new(),
                immunity_s: None,
            },
            WafRule {
                priority: 1,
                name: "SQLInjection".into(),
                statement: WafStatement::SqlInjection,
                action: WafAction::Block,
                labels: Vec::new(),
                immunity_s: None,
            },
            WafRule {
                priority: 2,
                name: "CrossSiteScripting".into(),
                statement: WafStatement::Xss,
                action: WafAction::Block,
                labels: Vec::new(),
                immunity_s: None,
            },
            WafRule {
                priority: 3,
                name: "RateLimitPerIP".into(),
                statement: WafStatement::RateBased {
                    limit: 2000,
                    window_s: 300,
                },
                action: WafAction::Block,
                labels: Vec::new(),
                immunity_s: None,
            },
        ],
        default_action: WafAction::Allow,
        forwarded_ip_header: None,
        captcha_immunity_s: None,
        challenge_immunity_s: None,
        body_inspection_kb: None,
    }
}
