//! DNS servers: the root and TLD name servers, the Route 53 hosted zone
//! with its records and health checks.

use super::Row;
use crate::sim::scenario::{NameServer, RecordValue};
use crate::sim::world::World;

/// A root or TLD server: it only refers.
pub(super) fn name_server(ns: &NameServer) -> Vec<Row> {
    vec![
        ("server".into(), format!("{} ({})", ns.name, ns.ip)),
        (
            "answers with".into(),
            "referrals only, never the final address".into(),
        ),
    ]
}

/// The Route 53 hosted zone: name servers, records, health checks with
/// their recent results and next check.
pub(super) fn hosted_zone(w: &World) -> Vec<Row> {
    let s = w.scenario();
    let now = w.now_ms();
    let mut rows: Vec<Row> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    row("hosted zone", s.dns.zone.name.clone());
    row("name servers", s.dns.zone.name_servers.join(", "));
    let z = &s.dns.zone;
    row(
        "NS record",
        format!("{}, TTL {} s", z.name_servers.join(", "), z.ns_ttl_s),
    );
    row(
        "SOA record",
        format!(
            "{}, TTL {} s; NXDOMAIN / NODATA cached {} s",
            z.soa_value(),
            z.soa_ttl_s,
            z.negative_ttl_s()
        ),
    );
    for r in &s.dns.zone.records {
        row(
            &format!("record {}", r.name),
            match &r.value {
                RecordValue::AliasRecord { target } => {
                    format!("{}, {}, TTL of {target}", r.value, r.routing)
                }
                _ => format!("{}, {}, TTL {} s", r.value, r.routing, r.ttl_s()),
            },
        );
    }
    for hc in &s.dns.health_checks {
        let st = w.health(&hc.id);
        let status = st
            .map(|h| if h.healthy { "healthy" } else { "UNHEALTHY" })
            .unwrap_or("?");
        let hist: String = st
            .map(|h| {
                h.history
                    .iter()
                    .map(|(_, ok, _)| if *ok { '✓' } else { '✗' })
                    .collect()
            })
            .unwrap_or_default();
        row(
            &format!("health check {}", hc.id),
            format!(
                "{status}; {} {} every {} s, threshold {}; recent {}",
                hc.check_type.name(),
                hc.path,
                hc.interval_s,
                hc.failure_threshold,
                if hist.is_empty() {
                    "none yet".into()
                } else {
                    hist
                }
            ),
        );
        row(&format!("{} probe", hc.id), {
            let mut t = w.probe_text(hc);
            if hc.disabled {
                t.push_str("; DISABLED: counted healthy whatever the endpoint does");
            }
            if hc.inverted {
                t.push_str("; INVERTED: healthy when the endpoint fails");
            }
            t
        });
        let checkers = w.health_checkers(&hc.id);
        if !checkers.is_empty() && hc.calculated.is_none() {
            let up = checkers.iter().filter(|c| c.healthy).count();
            let views: Vec<String> = checkers
                .iter()
                .map(|c| format!("{} {}", c.region, if c.healthy { '✓' } else { '✗' }))
                .collect();
            row(
                &format!("{} checkers", hc.id),
                format!(
                    "{up} of {} report healthy (more than {} % needed): {}",
                    checkers.len(),
                    crate::sim::scenario::HEALTHY_CHECKER_PERCENT,
                    views.join(", ")
                ),
            );
        }
        if let Some(h) = st {
            row(
                &format!("{} next check", hc.id),
                format!("in {} s", h.next_due_ms.saturating_sub(now) / 1000),
            );
        }
    }
    rows
}
