//! The edge: CloudFront (behaviours, cache, origins) and AWS WAF.
//! Fact sheet §5-§7.

use std::net::Ipv4Addr;

use super::lb::wildcard_match;
use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

/// CloudFront path-pattern match: leading `/` optional. Fact sheet §5.
pub(crate) fn cf_pattern_match(pattern: &str, path: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p = if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("/{pattern}")
    };
    wildcard_match(&p, path)
}
impl World {
    // ---------------------------------------------------------- CloudFront

    pub(crate) fn cloudfront_request(
        &mut self,
        c: &Client,
        pop: &Pop,
        url: &Url,
        method: &str,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let cf = self.scenario.cdn.clone();
        let rtt = us(c.rtt_pop_ms);
        let eph = self.rng.range(c.os.range().0 as u64, c.os.range().1 as u64) as u16;
        let proto = if url.https { "TCP/443" } else { "TCP/80" };
        tb.hop(&c.id, &cf.id, Layer::Tcp, proto, format!("TCP handshake SYN / SYN-ACK / ACK with {} ({}) from port {eph}", pop.city, pop.ip),
            format!("one round trip ({} ms) before the browser can send; Shield Standard screens SYN floods at the edge (fact sheet §7, §16)", c.rtt_pop_ms),
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        if !url.https {
            tb.hop(
                &c.id,
                &cf.id,
                Layer::Http,
                "TCP/80",
                format!("HTTP {method} {}{}", url.host, url.path),
                "plain HTTP reaches the edge".into(),
                vec![],
                Verdict::Pass,
                Code::Delivered,
            );
            tb.wait(rtt / 2);
            tb.hop(&cf.id, &c.id, Layer::Http, "TCP/80", format!("HTTP 301 Location: https://{}{}", url.host, url.path),
                "viewer protocol policy 'Redirect HTTP to HTTPS' answers GET/HEAD over HTTP with 301 (fact sheet §5)".into(), vec![], Verdict::Pass, Code::Delivered);
            tb.wait(rtt / 2);
            return Resp::ok(301, &cf.id, "CloudFront redirected to HTTPS".into());
        }
        tb.hop(&c.id, &cf.id, Layer::Tls, "TCP/443", format!("TLS 1.3 handshake, SNI {}", url.host),
            format!("one more round trip; the edge presents the certificate for {} and the browser checks it", url.host), vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        let full = if url.query.is_empty() {
            url.path.clone()
        } else {
            format!("{}?{}", url.path, url.query)
        };
        tb.hop(
            &c.id,
            &cf.id,
            Layer::Http,
            "TCP/443",
            format!("HTTP {method} {full} Host: {}", url.host),
            "the encrypted request reaches the edge".into(),
            vec![],
            Verdict::Pass,
            Code::Delivered,
        );
        tb.wait(rtt / 2);

        // WAF first: CloudFront asks the web ACL before anything else. Fact sheet §6.
        let (allowed, checks, rule) = self.waf_evaluate(c.ip, &full);
        let waf = self.scenario.waf.clone();
        tb.hop(&cf.id, &waf.id, Layer::Http, "-", format!("web ACL {}: {}", waf.name, if allowed { "allow".to_string() } else { format!("BLOCK by rule {rule}") }),
            if allowed { "no terminating rule matched; the default action (Allow) applies".into() } else { format!("rule {rule} matched and its action is Block: WAF, not the application, answers 403") },
            checks, if allowed { Verdict::Pass } else { Verdict::Error }, if allowed { Code::WafDefaultAllow } else { Code::WafRuleBlock });
        tb.wait(100);
        if !allowed {
            tb.hop(
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                "HTTP 403 Forbidden (from AWS WAF)".into(),
                format!("blocked at the edge by rule {rule}; the request never reached an origin"),
                vec![],
                Verdict::Error,
                Code::WafRuleBlock,
            );
            tb.wait(rtt / 2);
            return Resp::err(
                Some(403),
                &waf.id,
                Code::WafRuleBlock,
                format!("blocked by WAF rule {rule}"),
            );
        }

        // Cache behaviour: first match in list order. Fact sheet §5.
        let Some(bi) = cf
            .behaviors
            .iter()
            .position(|b| cf_pattern_match(&b.path_pattern, &url.path))
        else {
            return Resp::err(
                Some(404),
                &cf.id,
                Code::CacheMiss,
                "no cache behaviour".into(),
            );
        };
        let b = cf.behaviors[bi].clone();
        let origin = cf.origins.iter().find(|o| o.id == b.origin).cloned();
        let Some(origin) = origin else {
            return Resp::err(
                Some(502),
                &cf.id,
                Code::ComponentDown,
                format!("behaviour names unknown origin {}", b.origin),
            );
        };
        let cacheable = b.max_ttl_s > 0 && (method == "GET" || method == "HEAD");
        let key = format!("{}|{}", pop.id, url.path);
        let now = self.clock_ms;
        let hit = if cacheable {
            self.cdn_cache
                .get(&key)
                .filter(|e| e.expires_at_ms > now)
                .cloned()
        } else {
            None
        };
        tb.hop(&waf.id, &cf.id, Layer::Cache, "-",
            format!("behaviour {} '{}' -> origin {}; cache {}", bi + 1, b.path_pattern, origin.id,
                if !cacheable { "bypassed".to_string() } else if hit.is_some() { "HIT".to_string() } else { "MISS".to_string() }),
            if !cacheable {
                format!("first matching behaviour in list order; its TTLs are {}/{}/{} s (caching disabled) so every request goes to the origin", b.min_ttl_s, b.default_ttl_s, b.max_ttl_s)
            } else if let Some(h) = &hit {
                format!("cached {} s ago, {} s left; the key is the path only, query strings excluded (fact sheet §5)", (now - h.stored_at_ms) / 1000, (h.expires_at_ms - now) / 1000)
            } else {
                "not in this edge's cache: fetch from the origin".into()
            },
            vec![], Verdict::Pass, if hit.is_some() { Code::CacheHit } else { Code::CacheMiss });
        if let Some(h) = hit {
            let age = (now - h.stored_at_ms) / 1000;
            tb.hop(
                &cf.id,
                &c.id,
                Layer::Http,
                "TCP/443",
                format!("HTTP {} X-Cache: Hit from cloudfront, Age: {age}", h.status),
                format!(
                    "served from the {} edge without touching the origin",
                    pop.city
                ),
                vec![],
                Verdict::Pass,
                Code::CacheHit,
            );
            tb.wait(rtt / 2);
            return Resp::ok(h.status, &cf.id, format!("cache hit at {}", pop.city));
        }
        let mut resp = match origin.kind {
            OriginKind::S3 => {
                let s3 = "s3".to_string();
                tb.hop(
                    &cf.id,
                    &s3,
                    Layer::Http,
                    "TCP/443",
                    format!("HTTP GET {} from {}", url.path, origin.domain),
                    "CloudFront fetches the object from the S3 bucket".into(),
                    vec![],
                    Verdict::Pass,
                    Code::Delivered,
                );
                tb.wait(10_000);
                let status = if url.path == "/"
                    || url.path.starts_with("/static/")
                    || url.path == "/index.html"
                {
                    200
                } else {
                    404
                };
                tb.hop(
                    &s3,
                    &cf.id,
                    Layer::Http,
                    "TCP/443",
                    format!("HTTP {status} from S3"),
                    if status == 200 {
                        "the object exists".into()
                    } else {
                        "no such object in the bucket".into()
                    },
                    vec![],
                    if status == 200 {
                        Verdict::Pass
                    } else {
                        Verdict::Error
                    },
                    Code::Delivered,
                );
                tb.wait(10_000);
                let ttl = if status == 200 {
                    b.default_ttl_s.clamp(b.min_ttl_s, b.max_ttl_s)
                } else {
                    10
                };
                if cacheable {
                    self.cdn_cache.insert(
                        key,
                        CdnEntry {
                            status,
                            stored_at_ms: now,
                            expires_at_ms: now + ttl as u64 * 1000,
                        },
                    );
                }
                Resp::ok(
                    status,
                    &s3,
                    format!("static object from S3, cached {ttl} s at {}", pop.city),
                )
            }
            OriginKind::Custom => self.custom_origin(pop, &origin, url, tb),
        };
        let status_text = resp
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "none".into());
        let (status, xcache) = match resp.status {
            Some(s) if resp.decided_by != cf.id => (
                s,
                if s >= 500 {
                    "Error from cloudfront"
                } else {
                    "Miss from cloudfront"
                },
            ),
            Some(s) => (s, "Error from cloudfront"),
            None => (504, "Error from cloudfront"),
        };
        if resp.status.is_none() {
            resp.status = Some(504);
            resp.decided_by = cf.id.clone();
        }
        tb.hop(&cf.id, &c.id, Layer::Http, "TCP/443", format!("HTTP {status} X-Cache: {xcache}"),
            if status_text == "none" { "CloudFront answers 504 Gateway Timeout itself: it could not reach the origin".into() } else { format!("the origin's answer ({status_text}) goes back to the browser over the same TLS connection") },
            vec![], if status < 400 { Verdict::Pass } else { Verdict::Error }, resp.code);
        tb.wait(rtt / 2);
        resp
    }

    pub(crate) fn custom_origin(
        &mut self,
        pop: &Pop,
        origin: &Origin,
        url: &Url,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let cf = self.scenario.cdn.clone();
        let key = format!("edge:{}", pop.id);
        let now = self.clock_ms;
        let entry = if let Some(e) = self.cache_get(&key, &origin.domain) {
            tb.hop(&cf.id, &cf.id, Layer::Dns, "-", format!("origin DNS cache: {} -> {}", origin.domain, e.describe()),
                format!("CloudFront's resolver cached this answer; {} s of {} s left, so Route 53 is not asked (health changes are invisible until it expires)", e.remaining_s(now), e.ttl_s),
                vec![], Verdict::Pass, Code::DnsCacheHit);
            e
        } else {
            tb.hop(
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("origin DNS cache: no entry for {}", origin.domain),
                "CloudFront must resolve the origin's name".into(),
                vec![],
                Verdict::Pass,
                Code::DnsCacheMiss,
            );
            self.iterate(&cf.id, &key, &origin.domain, None, tb)
        };
        if entry.addresses.is_empty() {
            tb.hop(
                &cf.id,
                &cf.id,
                Layer::Dns,
                "-",
                format!("cannot resolve {}", origin.domain),
                "CloudFront answers 502 when it cannot resolve the origin".into(),
                vec![],
                Verdict::Error,
                entry.code,
            );
            return Resp::err(
                Some(502),
                &cf.id,
                entry.code,
                format!("origin {} does not resolve", origin.domain),
            );
        }
        let ip = entry.addresses[self.rng.index(entry.addresses.len())];
        let Some(ri) = self
            .scenario
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        else {
            return Resp::err(
                Some(504),
                &cf.id,
                Code::ConnectionTimeout,
                format!("nothing answers at {ip}"),
            );
        };
        let region_id = self.scenario.regions[ri].id.clone();
        let rtt = pop.rtt_region_ms.get(&region_id).copied().unwrap_or(60);
        let attempts = (
            cf.connection_attempts.max(1) as u64,
            cf.connection_timeout_s as u64,
        );
        self.alb_request(
            ri,
            &cf.id,
            pop.ip,
            EphemeralRange::Elb,
            rtt,
            attempts,
            &origin.domain,
            &url.path,
            tb,
        )
    }

    /// WAF rules by priority; Allow/Block terminate, Count goes on. Fact sheet §6.
    pub(crate) fn waf_evaluate(
        &mut self,
        ip: Ipv4Addr,
        path_query: &str,
    ) -> (bool, Vec<Check>, String) {
        let acl = self.scenario.waf.clone();
        let mut rules = acl.rules.clone();
        rules.sort_by_key(|r| r.priority);
        let mut checks = Vec::new();
        let decoded = path_query
            .replace("%27", "'")
            .replace("%20", " ")
            .replace('+', " ")
            .replace("%3C", "<")
            .replace("%3c", "<")
            .replace("%3E", ">")
            .to_ascii_lowercase();
        let now = self.clock_ms;
        for r in &rules {
            let (matched, detail) = match &r.statement {
                WafStatement::IpSet { cidrs } => {
                    let m = cidrs.iter().find(|c| c.contains(&ip));
                    (
                        m.is_some(),
                        match m {
                            Some(c) => format!("source {ip} is in {c}"),
                            None => format!("source {ip} is in no listed CIDR"),
                        },
                    )
                }
                WafStatement::SqlInjection => {
                    let pats = ["' or ", "'or'", "union select", "--", "; drop", "1=1"];
                    let m = pats.iter().find(|p| decoded.contains(*p));
                    (
                        m.is_some(),
                        match m {
                            Some(p) => format!("SQL injection pattern '{p}' in the URI"),
                            None => "no SQL injection pattern in the URI".into(),
                        },
                    )
                }
                WafStatement::Xss => {
                    let pats = ["<script", "javascript:", "onerror=", "onload="];
                    let m = pats.iter().find(|p| decoded.contains(*p));
                    (
                        m.is_some(),
                        match m {
                            Some(p) => format!("XSS pattern '{p}' in the URI"),
                            None => "no XSS pattern in the URI".into(),
                        },
                    )
                }
                WafStatement::RateBased { limit, window_s } => {
                    let k = format!("{}|{ip}", r.name);
                    let hits = self.waf_hits.entry(k).or_default();
                    let from = now.saturating_sub(*window_s as u64 * 1000);
                    hits.retain(|t| *t >= from);
                    hits.push(now);
                    let n = hits.len() as u32;
                    (
                        n > *limit,
                        format!("{n} requests from {ip} in the last {window_s} s (limit {limit})"),
                    )
                }
            };
            let terminating = matched && r.action != WafAction::Count;
            checks.push(Check {
                kind: CheckKind::WafRule,
                subject: format!("{} (priority {})", r.name, r.priority),
                direction: None,
                flow: detail,
                decided_by: if matched {
                    format!("match -> {:?}", r.action)
                } else {
                    "no match".into()
                },
                allowed: !(terminating && r.action == WafAction::Block),
            });
            if terminating {
                return (r.action == WafAction::Allow, checks, r.name.clone());
            }
        }
        let allow = acl.default_action != WafAction::Block;
        checks.push(Check {
            kind: CheckKind::WafDefault,
            subject: acl.name.clone(),
            direction: None,
            flow: "no terminating rule matched".into(),
            decided_by: format!("default action {:?}", acl.default_action),
            allowed: allow,
        });
        (allow, checks, "default action".into())
    }
}
