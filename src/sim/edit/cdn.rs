//! CloudFront edits: create, change and delete cache behaviours (path
//! pattern, origin, minimum / default / maximum TTL, allowed methods). The
//! default behaviour `*` stays last and keeps its pattern. Fact sheet §5.

use super::waf::number;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::CF_MAX_PATH_PATTERN;
use crate::sim::scenario::{AllowedMethods, Behavior, Distribution, Scenario};
use crate::sim::text::clip;

const DEFAULT_PATTERN: &str = "*";

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddCacheBehavior {
            path_pattern,
            origin,
            min_ttl_s,
            default_ttl_s,
            max_ttl_s,
            allowed_methods,
        } => format!(
            "CloudFront: add behaviour {path_pattern} → {origin}, TTL {min_ttl_s}/{default_ttl_s}/{max_ttl_s}, {allowed_methods}"
        ),
        Edit::ChangeCacheBehavior {
            behavior,
            path_pattern,
            origin,
            min_ttl_s,
            default_ttl_s,
            max_ttl_s,
            allowed_methods,
        } => format!(
            "CloudFront: behaviour {behavior} → {path_pattern} → {origin}, TTL {min_ttl_s}/{default_ttl_s}/{max_ttl_s}, {allowed_methods}"
        ),
        Edit::RemoveCacheBehavior { path_pattern } => {
            format!("CloudFront: delete behaviour {path_pattern}")
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let cf = &mut s.cdn;
    match e {
        Edit::AddCacheBehavior {
            path_pattern,
            origin,
            min_ttl_s,
            default_ttl_s,
            max_ttl_s,
            allowed_methods,
        } => {
            let pattern = parse_pattern(path_pattern)?;
            if cf.behaviors.iter().any(|b| b.path_pattern == pattern) {
                return Err(EditError::Exists {
                    part: VpcPart::CacheBehavior,
                    id: pattern,
                });
            }
            let (min_ttl_s, default_ttl_s, max_ttl_s) = ttls(min_ttl_s, default_ttl_s, max_ttl_s)?;
            let b = Behavior {
                path_pattern: pattern,
                origin: parse_origin(cf, origin)?,
                min_ttl_s,
                default_ttl_s,
                max_ttl_s,
                cache_query_strings: false,
                viewer_protocol: Default::default(),
                allowed_methods: parse_methods(allowed_methods)?,
            };
            // Just before the default, which is always evaluated last.
            let at = cf
                .behaviors
                .iter()
                .position(|b| b.path_pattern == DEFAULT_PATTERN)
                .unwrap_or(cf.behaviors.len());
            cf.behaviors.insert(at, b);
            Ok(())
        }
        Edit::ChangeCacheBehavior {
            behavior,
            path_pattern,
            origin,
            min_ttl_s,
            default_ttl_s,
            max_ttl_s,
            allowed_methods,
        } => {
            let at = behaviour_at(cf, behavior)?;
            let is_default = cf.behaviors[at].path_pattern == DEFAULT_PATTERN;
            let pattern = if path_pattern.trim().is_empty() {
                cf.behaviors[at].path_pattern.clone()
            } else {
                parse_pattern(path_pattern)?
            };
            if is_default && pattern != DEFAULT_PATTERN {
                return Err(EditError::DefaultKept {
                    part: VpcPart::CacheBehavior,
                    why: "keeps its pattern * (fact sheet §5)",
                });
            }
            if pattern == DEFAULT_PATTERN && !is_default {
                return Err(EditError::Exists {
                    part: VpcPart::CacheBehavior,
                    id: pattern,
                });
            }
            if let Some(other) = cf
                .behaviors
                .iter()
                .enumerate()
                .find(|(i, b)| *i != at && b.path_pattern == pattern)
            {
                return Err(EditError::Exists {
                    part: VpcPart::CacheBehavior,
                    id: other.1.path_pattern.clone(),
                });
            }
            let (min_ttl_s, default_ttl_s, max_ttl_s) = ttls(min_ttl_s, default_ttl_s, max_ttl_s)?;
            let origin = parse_origin(cf, origin)?;
            let allowed_methods = parse_methods(allowed_methods)?;
            let b = &mut cf.behaviors[at];
            b.path_pattern = pattern;
            b.origin = origin;
            (b.min_ttl_s, b.default_ttl_s, b.max_ttl_s) = (min_ttl_s, default_ttl_s, max_ttl_s);
            b.allowed_methods = allowed_methods;
            Ok(())
        }
        Edit::RemoveCacheBehavior { path_pattern } => {
            let at = behaviour_at(cf, path_pattern)?;
            if cf.behaviors[at].path_pattern == DEFAULT_PATTERN {
                return Err(EditError::DefaultKept {
                    part: VpcPart::CacheBehavior,
                    why: "* cannot be deleted: it answers every request no other behaviour matches (fact sheet §5)",
                });
            }
            cf.behaviors.remove(at);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn behaviour_at(cf: &Distribution, pattern: &str) -> Result<usize, EditError> {
    cf.behaviors
        .iter()
        .position(|b| b.path_pattern == pattern.trim())
        .ok_or_else(|| unknown(VpcPart::CacheBehavior, pattern.trim()))
}

/// A path pattern: 1-255 characters, no spaces. Fact sheet §5.
fn parse_pattern(text: &str) -> Result<String, EditError> {
    let t = text.trim();
    if t.is_empty() || t.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not a path pattern: type one such as /images/* or *.jpg",
            clip(t)
        )));
    }
    if t.chars().count() > CF_MAX_PATH_PATTERN {
        return Err(EditError::Parse(format!(
            "path pattern '{}' is longer than {CF_MAX_PATH_PATTERN} characters (fact sheet §5)",
            clip(t)
        )));
    }
    Ok(t.to_string())
}

fn parse_origin(cf: &Distribution, text: &str) -> Result<String, EditError> {
    let t = text.trim();
    if cf.origins.iter().any(|o| o.id == t) || cf.origin_groups.iter().any(|g| g.id == t) {
        Ok(t.to_string())
    } else {
        Err(unknown(VpcPart::Origin, t))
    }
}

/// Minimum <= default <= maximum, as CloudFront requires. Fact sheet §5.
fn ttls(min: &str, default: &str, max: &str) -> Result<(u32, u32, u32), EditError> {
    let one = |t: &str, what: &'static str| -> Result<u32, EditError> {
        let v = number(t, what)?;
        u32::try_from(v).map_err(|_| EditError::OutOfRange {
            what,
            value: v,
            min: 0,
            max: u32::MAX as u64,
            section: 5,
        })
    };
    let (min, default, max) = (
        one(min, "minimum TTL (s)")?,
        one(default, "default TTL (s)")?,
        one(max, "maximum TTL (s)")?,
    );
    if min > default || default > max {
        return Err(EditError::TtlOrder { min, default, max });
    }
    Ok((min, default, max))
}

/// One of CloudFront's three method sets. Fact sheet §5.
fn parse_methods(text: &str) -> Result<AllowedMethods, EditError> {
    let t = text.trim().to_ascii_uppercase();
    if t == "ALL" {
        return Ok(AllowedMethods::All);
    }
    let mut got: Vec<String> = list(&t);
    got.sort();
    got.dedup();
    for set in [
        AllowedMethods::GetHead,
        AllowedMethods::GetHeadOptions,
        AllowedMethods::All,
    ] {
        let mut want: Vec<String> = set.methods().iter().map(|m| m.to_string()).collect();
        want.sort();
        if want == got {
            return Ok(set);
        }
    }
    Err(EditError::Parse(format!(
        "'{}' is not a set CloudFront offers: GET,HEAD or GET,HEAD,OPTIONS or all seven (GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE; fact sheet §5)",
        clip(text.trim())
    )))
}

fn list(t: &str) -> Vec<String> {
    super::waf::list(t).into_iter().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::event::cdn::Stored;
    use crate::sim::event::{CdnEvent, Event};
    use crate::sim::{Request, World};

    fn change(pattern: &str, ttl: (&str, &str, &str), methods: &str) -> Edit {
        Edit::ChangeCacheBehavior {
            behavior: pattern.into(),
            path_pattern: pattern.into(),
            origin: if pattern == "*" {
                "s3-static"
            } else {
                "alb-origin"
            }
            .into(),
            min_ttl_s: ttl.0.into(),
            default_ttl_s: ttl.1.into(),
            max_ttl_s: ttl.2.into(),
            allowed_methods: methods.into(),
        }
    }

    fn cdn_events(w: &mut World, req: &Request) -> Vec<CdnEvent> {
        w.send(req)
            .hops
            .into_iter()
            .filter_map(|h| match h.event {
                Event::Cdn(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    fn stored_ttl(events: &[CdnEvent]) -> Option<u32> {
        events.iter().find_map(|e| match e {
            CdnEvent::OriginResponse {
                stored: Some(Stored::Object { ttl }),
                ..
            } => Some(ttl.ttl_s),
            _ => None,
        })
    }

    #[test]
    fn a_shorter_maximum_ttl_caps_how_long_the_edge_keeps_a_static_file() {
        // Fact sheet §5: CloudFront keeps an object at most the maximum TTL.
        let mut w = World::default_world();
        let req = Request::get("client-na", "https://healthcareapp.com/index.html");
        let before = stored_ttl(&cdn_events(&mut w, &req)).expect("stored");
        assert!(before > 60, "{before}");
        w.apply_edit(&change("*", ("0", "30", "60"), "GET,HEAD"))
            .unwrap();
        // Paris asks another edge, whose cache is empty: the fill is stored
        // under the new maximum.
        let paris = Request::get("client-eu", "https://healthcareapp.com/index.html");
        let after = stored_ttl(&cdn_events(&mut w, &paris)).expect("stored");
        assert!(after <= 60, "{after}");
    }

    #[test]
    fn narrowing_the_api_methods_to_get_head_refuses_the_booking_post_at_the_edge() {
        // Fact sheet §5: a method outside the behaviour's set gets CloudFront's 403.
        let mut w = World::default_world();
        let mut post = Request::get("client-na", "https://healthcareapp.com/api/appointments");
        post.method = "POST".into();
        post.body = "slot=9am".into();
        assert!(!cdn_events(&mut w, &post)
            .iter()
            .any(|e| matches!(e, CdnEvent::MethodNotAllowed { .. })));
        w.apply_edit(&change("/api/*", ("0", "0", "0"), "get, head"))
            .unwrap();
        let events = cdn_events(&mut w, &post);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, CdnEvent::MethodNotAllowed {
                behaviour: 1,
                path_pattern,
                method,
                allowed: AllowedMethods::GetHead,
            } if path_pattern == "/api/*" && method == "POST")),
            "{events:?}"
        );
        assert_eq!(w.send(&post).outcome.status, Some(403));
    }

    #[test]
    fn a_new_behaviour_goes_just_before_the_default_and_can_be_deleted() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::AddCacheBehavior {
            path_pattern: "/static/*".into(),
            origin: "s3-static".into(),
            min_ttl_s: "0".into(),
            default_ttl_s: "3600".into(),
            max_ttl_s: "86400".into(),
            allowed_methods: "GET,HEAD,OPTIONS".into(),
        })
        .unwrap();
        let pats: Vec<&str> = w
            .scenario()
            .cdn
            .behaviors
            .iter()
            .map(|b| b.path_pattern.as_str())
            .collect();
        assert_eq!(pats, ["/api/*", "/static/*", "*"]);
        let req = Request::get("client-na", "https://healthcareapp.com/static/app.js");
        assert!(cdn_events(&mut w, &req).iter().any(|e| matches!(
            e,
            CdnEvent::CacheLookup { behaviour: 2, path_pattern, .. } if path_pattern == "/static/*"
        )));
        w.apply_edit(&Edit::RemoveCacheBehavior {
            path_pattern: "/static/*".into(),
        })
        .unwrap();
        assert_eq!(w.scenario().cdn.behaviors.len(), 2);
    }

    #[test]
    fn behaviour_edits_cloudfront_would_refuse_are_refused_whole() {
        let mut w = World::default_world();
        let before = w.clone();
        let mut refuse = |e: Edit| {
            let err = w.apply_edit(&e).expect_err("refused");
            assert_eq!(w, before, "{e:?} changed the world");
            err
        };
        // Fact sheet §5: the default behaviour stays and keeps its pattern.
        let e = refuse(Edit::RemoveCacheBehavior {
            path_pattern: "*".into(),
        });
        assert!(matches!(
            e,
            EditError::DefaultKept {
                part: VpcPart::CacheBehavior,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "the default cache behaviour * cannot be deleted: it answers every request no other behaviour matches (fact sheet §5)"
        );
        let mut rename = change("*", ("1", "86400", "31536000"), "GET,HEAD");
        if let Edit::ChangeCacheBehavior { path_pattern, .. } = &mut rename {
            *path_pattern = "/everything/*".into();
        }
        assert!(matches!(refuse(rename), EditError::DefaultKept { .. }));
        assert_eq!(
            refuse(change("/api/*", ("10", "5", "60"), "all")),
            EditError::TtlOrder {
                min: 10,
                default: 5,
                max: 60
            }
        );
        assert_eq!(
            refuse(change("/api/*", ("0", "120", "60"), "all")),
            EditError::TtlOrder {
                min: 0,
                default: 120,
                max: 60
            }
        );
        assert!(matches!(
            refuse(change("/api/*", ("0", "0", "0"), "GET,POST")),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(change("/api/*", ("-1", "0", "0"), "all")),
            EditError::Parse(_)
        ));
        assert!(matches!(
            refuse(change("/nope/*", ("0", "0", "0"), "all")),
            EditError::Unknown {
                part: VpcPart::CacheBehavior,
                ..
            }
        ));
        let mut bad_origin = change("/api/*", ("0", "0", "0"), "all");
        if let Edit::ChangeCacheBehavior { origin, .. } = &mut bad_origin {
            *origin = "nowhere".into();
        }
        assert_eq!(
            refuse(bad_origin).to_string(),
            "no origin or origin group nowhere"
        );
        assert!(matches!(
            refuse(Edit::AddCacheBehavior {
                path_pattern: "/api/*".into(),
                origin: "alb-origin".into(),
                min_ttl_s: "0".into(),
                default_ttl_s: "0".into(),
                max_ttl_s: "0".into(),
                allowed_methods: "all".into(),
            }),
            EditError::Exists { .. }
        ));
        assert!(matches!(
            refuse(Edit::AddCacheBehavior {
                path_pattern: "x".repeat(256),
                origin: "alb-origin".into(),
                min_ttl_s: "0".into(),
                default_ttl_s: "0".into(),
                max_ttl_s: "0".into(),
                allowed_methods: "all".into(),
            }),
            EditError::Parse(_)
        ));
    }
    #[test]
    fn any_typed_text_in_a_traffic_edit_is_applied_or_refused_whole_without_a_panic() {
        use crate::sim::rng::Rng;
        const TEXT: &[&str] = &[
            "",
            "0",
            "1",
            "10",
            "300",
            "50000",
            "50001",
            "4294967296",
            "-1",
            "x",
            "*",
            "/",
            "/api/*",
            "/api",
            "waf",
            "alb-a",
            "ingress-a",
            "svc-a",
            "svc-b",
            "tg-appointments-a",
            "IPBlockList",
            "RateLimitPerIP",
            "SQLInjection",
            "default",
            "GET,HEAD",
            "all",
            "Prefix",
            "Exact",
            "ip_set",
            "rate_based",
            "geo_match",
            "block",
            "allow",
            "forward",
            "redirect",
            "fixed_response",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "US",
            "X-Test: a",
            "https://example.com/x",
            "round_robin",
            "off",
            "s3-static",
            "alb-origin",
            "\u{0}\u{ffff}",
            "é/ü",
        ];
        let mut rng = Rng::new(7);
        let mut t = || TEXT[rng.index(TEXT.len())].to_string();
        let mut w = World::default_world();
        for _ in 0..600 {
            let e = match t().len() % 8 {
                0 => Edit::AddWafRule {
                    web_acl: t(),
                    priority: t(),
                    name: t(),
                    statement: t(),
                    values: t(),
                    limit: t(),
                    window_s: t(),
                    action: t(),
                },
                1 => Edit::SetWafRulePriority {
                    web_acl: t(),
                    name: t(),
                    priority: t(),
                },
                2 => Edit::AddWafIpSetEntry {
                    web_acl: t(),
                    name: t(),
                    cidr: t(),
                },
                3 => Edit::AddListenerRule {
                    alb: t(),
                    priority: t(),
                    host: t(),
                    path: t(),
                    method: t(),
                    header: t(),
                    action: t(),
                    target: t(),
                    status: t(),
                    body: t(),
                },
                4 => Edit::SetTargetGroup {
                    target_group: t(),
                    algorithm: t(),
                    stickiness_s: t(),
                    health_path: t(),
                    health_interval_s: t(),
                    healthy_threshold: t(),
                    unhealthy_threshold: t(),
                },
                5 => Edit::AddIngressPath {
                    ingress: t(),
                    path: t(),
                    path_type: t(),
                    service: t(),
                    port: t(),
                },
                6 => Edit::ChangeCacheBehavior {
                    behavior: t(),
                    path_pattern: t(),
                    origin: t(),
                    min_ttl_s: t(),
                    default_ttl_s: t(),
                    max_ttl_s: t(),
                    allowed_methods: t(),
                },
                _ => Edit::RemoveListenerRule {
                    alb: t(),
                    priority: t(),
                },
            };
            let before = w.clone();
            let _ = e.describe();
            if w.apply_edit(&e).is_err() {
                assert_eq!(w, before, "{e:?}");
            } else {
                assert!(w.scenario().validate().is_ok());
            }
        }
    }
}
