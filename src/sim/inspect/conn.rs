//! Connections in the inspector: each side's settings (TLS versions, idle
//! and keep-alive timeouts, the listener's security policy) and the
//! connections open now, with how long each has been idle. Fact sheet §8,
//! §16, §26.

use super::Row;
use crate::sim::conn::{Pooled, BROWSER_USED_IDLE_S};
use crate::sim::event::cdn::idle_text;
use crate::sim::scenario::{Client, Region, TargetGroup};
use crate::sim::world::World;

/// Open connections whose key starts with `prefix`, as the key's parts
/// after it and the connection.
fn open<'a>(w: &'a World, prefix: &'a str) -> impl Iterator<Item = (Vec<&'a str>, &'a Pooled)> {
    w.conn
        .pools
        .iter()
        .filter(move |(k, _)| k.starts_with(prefix))
        .map(move |(k, p)| (k[prefix.len()..].split('|').collect(), p))
}

fn served(p: &Pooled, now: u64) -> String {
    format!(
        "from port {}, {} request{}, idle {}",
        p.src_port,
        p.served,
        if p.served == 1 { "" } else { "s" },
        idle_text(now.saturating_sub(p.last_used_ms))
    )
}

/// A browser's TLS settings and its open connections to the edge.
pub(super) fn client(w: &World, c: &Client) -> Vec<Row> {
    let now = w.now_ms();
    let mut rows: Vec<Row> = vec![(
        "TLS".into(),
        format!(
            "up to {}; 0-RTT early data {}",
            c.tls_max.label(),
            if c.early_data {
                "offered when a session resumes (CloudFront takes none)"
            } else {
                "off"
            }
        ),
    )];
    let prefix = format!("v|{}|", c.id);
    let list: Vec<String> = open(w, &prefix)
        .map(|(parts, p)| {
            format!(
                "{}:{} {} ({})",
                parts.first().copied().unwrap_or("?"),
                parts.get(1).copied().unwrap_or("?"),
                served(p, now),
                p.tls.map_or("plain HTTP", |v| v.label())
            )
        })
        .collect();
    rows.push((
        "open connections".into(),
        if list.is_empty() {
            format!("none (a used one closes after {BROWSER_USED_IDLE_S} s idle)")
        } else {
            format!(
                "{} (each closes after {BROWSER_USED_IDLE_S} s idle)",
                list.join("; ")
            )
        },
    ));
    rows
}

/// CloudFront's keep-alive to custom origins.
pub(super) fn cloudfront(w: &World) -> Vec<Row> {
    vec![(
        "origin keep-alive".into(),
        format!(
            "{} s: a connection to a custom origin idle longer is closed",
            w.scenario().cdn.origin_keep_alive_s
        ),
    )]
}

/// The ALB's idle timeout, its listener's security policy, the
/// application's keep-alive and the connections open to targets.
pub(super) fn alb(w: &World, r: &Region) -> Vec<Row> {
    let now = w.now_ms();
    let (idle, keep) = (r.alb.idle_timeout_s, r.cluster.app_keep_alive_s);
    let mut rows: Vec<Row> = vec![
        (
            "idle timeout".into(),
            format!("{idle} s, on the client's side and the targets'"),
        ),
        (
            "security policy".into(),
            r.alb.listener.tls_policy.name().to_string(),
        ),
        ("application keep-alive".into(), keep_alive_text(keep, idle)),
        (
            "client keep-alive".into(),
            format!(
                "{} s from a connection's opening, not reset by traffic: then one more request and Connection: close (a change applies to new connections)",
                r.alb.client_keepalive_s
            ),
        ),
    ];
    for tg in &r.alb.target_groups {
        rows.push((
            format!("{} deregistration delay", tg.id),
            format!(
                "{} s: a deregistered target drains (no new requests), then the ALB closes its connections to it",
                tg.deregistration_delay_s
            ),
        ));
        rows.push((format!("{} slow start", tg.id), slow_start_text(w, r, tg)));
    }
    let prefix = format!("t|{}|", r.alb.id);
    let alb_state = w.alb_state();
    let list: Vec<String> = open(w, &prefix)
        .map(|(parts, p)| {
            let target = parts.get(1).copied().unwrap_or("?");
            let drain = match alb_state.draining.get(target) {
                Some(until) if *until > now => {
                    format!(", draining: closes in {}", idle_text(until - now))
                }
                Some(_) => ", drained: closed at its next use".to_string(),
                None => String::new(),
            };
            format!(
                "{} from {} {}{drain}",
                target,
                parts.first().copied().unwrap_or("?"),
                served(p, now)
            )
        })
        .collect();
    rows.push((
        "connections to targets".into(),
        if list.is_empty() {
            "none open".into()
        } else {
            list.join("; ")
        },
    ));
    rows
}

/// A target group's slow start: off, or its window and the targets
/// ramping up now with their share. Fact sheet §8, §26.
fn slow_start_text(w: &World, r: &Region, tg: &TargetGroup) -> String {
    if tg.slow_start_s == 0 {
        return "off".into();
    }
    let now = w.now_ms();
    let ramping: Vec<String> = r
        .cluster
        .pods
        .iter()
        .filter_map(|p| {
            w.alb_state().slow_start(tg, &p.id, now).map(|(e, share)| {
                format!("{} at {}% ({} s in)", p.id, share.div_ceil(10), e / 1000)
            })
        })
        .collect();
    format!(
        "{} s: a target that turns healthy gets a linearly growing share of requests; {}",
        tg.slow_start_s,
        if ramping.is_empty() {
            "none ramping now".to_string()
        } else {
            ramping.join(", ")
        }
    )
}

/// The application's keep-alive and its database pool, for a Service or
/// a pod.
pub(super) fn app(w: &World, r: &Region, pod: Option<&str>) -> Vec<Row> {
    let mut rows = vec![
        (
            "keep-alive".into(),
            keep_alive_text(r.cluster.app_keep_alive_s, r.alb.idle_timeout_s),
        ),
        ("database pool".into(), db_pool_text(r.cluster.db_pool_size)),
    ];
    if let Some(pod) = pod {
        let now = w.now_ms();
        let prefix = format!("d|{}|{pod}|", r.id);
        let list: Vec<String> = open(w, &prefix)
            .map(|(parts, p)| {
                format!(
                    "to {}{} {}",
                    parts.first().copied().unwrap_or("?"),
                    p.peer.map(|ip| format!(" ({ip})")).unwrap_or_default(),
                    served(p, now)
                )
            })
            .collect();
        rows.push((
            "database connections".into(),
            if list.is_empty() {
                "none open".into()
            } else {
                list.join("; ")
            },
        ));
    }
    rows
}

fn db_pool_text(size: u32) -> String {
    if size == 0 {
        "none: every query opens a new connection to the database".into()
    } else {
        format!("up to {size} connections per pod, kept open: a query on one skips the TCP handshake; a failover or a failed instance breaks them")
    }
}

fn keep_alive_text(keep: u32, idle: u32) -> String {
    if keep < idle {
        format!(
            "{keep} s, shorter than the ALB's {idle} s idle timeout: a request on a connection idle between the two gets a 502 (fact sheet §26)"
        )
    } else {
        format!("{keep} s, longer than the ALB's {idle} s idle timeout, as AWS advises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::{Request, DEFAULT_CLIENT, DEFAULT_URL};

    fn value<'a>(rows: &'a [Row], key: &str) -> &'a str {
        rows.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no row {key}"))
    }

    #[test]
    fn the_inspector_lists_the_connections_a_request_left_open() {
        let mut w = World::default_world();
        let c = w.scenario().clients[0].clone();
        assert!(value(&client(&w, &c), "open connections").starts_with("none"));
        w.send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        w.advance(12_000);
        let rows = client(&w, &c);
        assert!(
            value(&rows, "open connections").contains("healthcareapp.com:443"),
            "{rows:?}"
        );
        assert!(value(&rows, "open connections").contains("idle 12 s"));
        let r = w.scenario().regions[0].clone();
        let rows = alb(&w, &r);
        assert_eq!(
            value(&rows, "idle timeout"),
            "60 s, on the client's side and the targets'"
        );
        assert!(value(&rows, "connections to targets").contains("pod-a-"));
        assert!(value(&app(&w, &r, None), "keep-alive").starts_with("75 s, longer"));
    }
}
