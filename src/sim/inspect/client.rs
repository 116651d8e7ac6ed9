//! The browser (client) and its recursive resolver.

use super::{dns_cache_rows, Row};
use crate::sim::scenario::Client;
use crate::sim::world::World;

/// A browser: its address, ephemeral ports, DNS cache and HTTP cache.
pub(super) fn browser(w: &World, c: &Client) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    let cache_rows = dns_cache_rows(w);
    row("client", format!("{} ({})", c.label, c.city));
    row("address", c.ip.to_string());
    row("IPv6", crate::sim::eyeballs::describe(c));
    row("ephemeral ports", {
        let (a, b) = c.os.range();
        format!("{a}-{b} ({:?})", c.os)
    });
    row(
        "browser DNS cache",
        format!("keeps answers {} s", c.browser_cache_s),
    );
    cache_rows(crate::sim::dns::CacheOwner::Browser(&c.id), &mut rows);
    let prefix = format!("{}|", c.id);
    let now = w.now_ms();
    for (k, e) in w.http_cache().range(prefix.clone()..) {
        let Some(url) = k.strip_prefix(&prefix) else {
            break;
        };
        if e.expires_at_ms > now {
            rows.push((
                "HTTP cache".into(),
                format!("{url}: {} s left", (e.expires_at_ms - now).div_ceil(1000)),
            ));
        }
    }
    rows
}

/// The recursive resolver a client uses and its cache.
pub(super) fn resolver(w: &World, c: &Client) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let cache_rows = dns_cache_rows(w);
    rows.push((
        "recursive resolver".into(),
        format!("{} (anycast, near {})", c.resolver.ip, c.city),
    ));
    cache_rows(
        crate::sim::dns::CacheOwner::Resolver(&c.resolver.id),
        &mut rows,
    );
    rows
}
