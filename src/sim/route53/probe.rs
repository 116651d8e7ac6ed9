//! What a Route 53 health checker sends and how it reads the answer: the
//! check's type (HTTP, HTTPS, TCP, string matching), its endpoint (a
//! region's ALB, or any IP address or domain name in the world: the
//! CloudFront distribution, an ALB, a record of the zone) and the
//! documented time limits. Fact sheet §4.

use std::net::Ipv4Addr;

use crate::sim::alb::{AlbClient, HttpCtx};
use crate::sim::app::page_body;
use crate::sim::event::alb::Caller;
use crate::sim::limits::*;
use crate::sim::net::EphemeralRange;
use crate::sim::request::Resp;
use crate::sim::scenario::*;
use crate::sim::trace::Recorder;
use crate::sim::world::World;

/// Where a check's probes go, once its endpoint is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckTarget {
    /// A region's ALB (by index), at one node's address when the check
    /// names it.
    Alb {
        region: usize,
        node: Option<Ipv4Addr>,
    },
    /// The CloudFront distribution, at one edge location (by index).
    CloudFront { pop: usize },
    /// A public address nothing in this world answers on.
    Nothing { ip: Ipv4Addr },
    /// A domain name that resolves to nothing.
    Unresolved { domain: String },
}

/// Whether Route 53 can check this address: not private, loopback,
/// link-local, shared (100.64/10), multicast, broadcast or unspecified.
/// Fact sheet §4.
pub fn routable(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || shared
        || o[0] == 0
        || o[0] >= 240)
}

/// Whether a string-matching check finds `needle` entirely within the
/// first 5,120 bytes of `body` (case-sensitive). Fact sheet §4.
pub fn string_found(body: &str, needle: &str) -> bool {
    let head = &body.as_bytes()[..body.len().min(R53_STR_MATCH_BYTES)];
    !needle.is_empty() && head.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The check's own settings: type and search string, endpoint, port.
/// Fact sheet §4.
pub fn validate_probe(hc: &HealthCheck) -> Result<(), String> {
    let id = &hc.id;
    let n = hc.search_string.chars().count();
    if hc.check_type.matches_string() && !R53_SEARCH_STRING_CHARS.contains(&n) {
        return Err(format!(
            "health check {id}: type {} needs a search_string of 1-255 characters (fact sheet §4)",
            hc.check_type.name()
        ));
    }
    if !hc.check_type.matches_string() && n > 0 {
        return Err(format!(
            "health check {id}: search_string applies only to HTTP_STR_MATCH and HTTPS_STR_MATCH, not {}",
            hc.check_type.name()
        ));
    }
    if hc.port == 0 {
        return Err(format!("health check {id}: port 0 is outside 1-65535"));
    }
    if let Some(ip) = hc.ip {
        if !routable(ip) {
            return Err(format!(
                "health check {id}: Route 53 cannot check {ip}, a private or non-routable address; checkers probe from the internet (fact sheet §4)"
            ));
        }
    }
    if let Some(d) = &hc.domain {
        let ok = !d.is_empty()
            && d.len() <= 255
            && d.split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !ok {
            return Err(format!(
                "health check {id}: domain '{d}' is not a domain name"
            ));
        }
    }
    Ok(())
}

/// What one probe found, before the checkers apply it.
fn verdict(hc: &HealthCheck, resp: &Resp, path: &str) -> (bool, String) {
    match resp.status {
        Some(s) if (200..400).contains(&s) && hc.check_type.matches_string() => {
            let body = resp.body().unwrap_or_else(|| page_body(path));
            if string_found(body, &hc.search_string) {
                (true, format!("HTTP {s}, \"{}\" found", hc.search_string))
            } else {
                (
                    false,
                    format!(
                        "HTTP {s}, but \"{}\" is not in the first {R53_STR_MATCH_BYTES} bytes of the body",
                        hc.search_string
                    ),
                )
            }
        }
        Some(s) if (200..400).contains(&s) => (true, format!("HTTP {s}")),
        Some(s) => (false, format!("HTTP {s} ({})", resp.code)),
        None => (false, format!("no response: {}", resp.code)),
    }
}

impl World {
    /// Where a check's probes go: its IP address if it has one, else its
    /// domain name as the internet resolves it, else its region's ALB.
    pub fn check_target(&self, hc: &HealthCheck) -> CheckTarget {
        let s = &self.scenario;
        if let Some(ip) = hc.ip {
            return self.target_at(ip);
        }
        let Some(domain) = hc.domain.as_deref() else {
            return match s.regions.iter().position(|r| r.id == hc.region) {
                Some(region) => CheckTarget::Alb { region, node: None },
                None => CheckTarget::Unresolved {
                    domain: hc.region.clone(),
                },
            };
        };
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if domain == s.cdn.domain {
            return CheckTarget::CloudFront { pop: 0 };
        }
        if let Some(region) = s.regions.iter().position(|r| r.alb.dns_name == domain) {
            return CheckTarget::Alb { region, node: None };
        }
        let rec = s
            .dns
            .zone
            .records
            .iter()
            .find(|r| r.name == domain && r.rtype() == "A");
        match rec.map(|r| &r.value) {
            Some(RecordValue::AliasCloudFront) => CheckTarget::CloudFront { pop: 0 },
            Some(RecordValue::AliasAlb { region }) => {
                match s.regions.iter().position(|r| &r.id == region) {
                    Some(region) => CheckTarget::Alb { region, node: None },
                    None => CheckTarget::Unresolved { domain },
                }
            }
            Some(RecordValue::A { addresses }) if !addresses.is_empty() => {
                self.target_at(addresses[0])
            }
            _ => CheckTarget::Unresolved { domain },
        }
    }

    /// What a check's checkers send and where, in words, e.g. `HTTPS
    /// port 443 /healthz to the ALB in us-east-1 (alb-a)`. Fact sheet §4.
    pub fn probe_text(&self, hc: &HealthCheck) -> String {
        if let Some(c) = &hc.calculated {
            return format!("calculated from {}", c.children.join(", "));
        }
        let s = &self.scenario;
        let to = match self.check_target(hc) {
            CheckTarget::Alb { region, node } => {
                let r = &s.regions[region];
                match node {
                    Some(ip) => format!("the ALB in {} ({}) at {ip}", r.id, r.alb.id),
                    None => format!("the ALB in {} ({})", r.id, r.alb.id),
                }
            }
            CheckTarget::CloudFront { pop } => format!(
                "the CloudFront distribution {} (edge {})",
                s.cdn.id,
                s.cdn.pops.get(pop).map_or("?", |p| p.id.as_str())
            ),
            CheckTarget::Nothing { ip } => format!("{ip} (nothing answers there)"),
            CheckTarget::Unresolved { domain } => format!("{domain} (does not resolve)"),
        };
        let what = match hc.check_type {
            CheckType::Tcp => format!("TCP port {}", hc.port),
            t => format!("{} port {} {}", t.name(), hc.port, hc.path),
        };
        let host = match (&hc.ip, &hc.domain) {
            (Some(_), Some(d)) => format!(", Host {d}"),
            _ => String::new(),
        };
        let needle = if hc.check_type.matches_string() {
            format!(
                ", looking for \"{}\" in the first {R53_STR_MATCH_BYTES} bytes",
                hc.search_string
            )
        } else {
            String::new()
        };
        format!("{what} to {to}{host}{needle}")
    }

    /// What answers at a public address: an ALB node or an edge location.
    fn target_at(&self, ip: Ipv4Addr) -> CheckTarget {
        let s = &self.scenario;
        if let Some(region) = s
            .regions
            .iter()
            .position(|r| r.alb.nodes.iter().any(|n| n.public_ip == ip))
        {
            return CheckTarget::Alb {
                region,
                node: Some(ip),
            };
        }
        match s.cdn.pops.iter().position(|p| p.ip == ip) {
            Some(pop) => CheckTarget::CloudFront { pop },
            None => CheckTarget::Nothing { ip },
        }
    }

    /// One probe of a Route 53 health check from a checker on the
    /// internet: TCP connects within 10 s; HTTP and HTTPS need a 2xx or 3xx
    /// status (the TCP connection within 4 s, the status within 2 s; the
    /// certificate is not validated); string matching also needs the
    /// search string in the first 5,120 bytes of the body. Fact sheet §4.
    pub(crate) fn probe_health_check(&mut self, hc: &HealthCheck) -> (bool, String) {
        let tcp = hc.check_type == CheckType::Tcp;
        let wait_s = if tcp {
            R53_TCP_CONNECT_S
        } else {
            R53_HTTP_CONNECT_S
        };
        match self.check_target(hc) {
            CheckTarget::Unresolved { domain } if hc.ip.is_none() && hc.domain.is_none() => {
                (false, format!("region {domain} missing"))
            }
            CheckTarget::Unresolved { domain } => {
                (false, format!("{domain} does not resolve to an address"))
            }
            CheckTarget::Nothing { ip } => (
                false,
                format!("no response: nothing answers at {ip} (gave up after {wait_s} s)"),
            ),
            CheckTarget::Alb { region, node } => self.probe_alb(hc, region, node),
            CheckTarget::CloudFront { pop } => self.probe_cloudfront(hc, pop),
        }
    }

    fn probe_alb(&mut self, hc: &HealthCheck, ri: usize, node: Option<Ipv4Addr>) -> (bool, String) {
        let mut scratch = Recorder::off();
        let r = &self.scenario.regions[ri];
        let host = hc
            .domain
            .clone()
            .unwrap_or_else(|| r.alb.dns_name.to_string());
        let listener = r.alb.listener.port;
        let tcp = hc.check_type == CheckType::Tcp;
        let checker = AlbClient {
            caller: Caller::HealthChecker,
            id: "route53-checker",
            ip: hc.checker_ip,
            ports: EphemeralRange::Elb,
            rtt_ms: 20,
            connect: (
                1,
                if tcp {
                    R53_TCP_CONNECT_S
                } else {
                    R53_HTTP_CONNECT_S
                },
            ),
            to: node,
            tls_max: Default::default(),
            keep_alive_s: None,
            v6: None,
        };
        if hc.probes_region_alb_https() && hc.port == listener {
            // The check Hoplab always ran: the same walk, the same words.
            let resp = self.alb_request(ri, checker, (&host, &hc.path), &mut scratch);
            return verdict(hc, &resp, &hc.path);
        }
        if tcp {
            return match self.alb_tcp_probe(ri, checker, hc.port) {
                Ok(()) => (true, format!("TCP connection to port {} accepted", hc.port)),
                Err(resp) => (false, format!("no connection: {}", resp.code)),
            };
        }
        let ctx = HttpCtx {
            method: "GET".into(),
            host,
            path: hc.path.as_str().into(),
            plain_http: !hc.check_type.tls(),
            port: Some(hc.port),
            unpooled: true,
            ..Default::default()
        };
        let resp = self.alb_request_ctx(ri, checker, &ctx, &mut scratch);
        verdict(hc, &resp, &hc.path)
    }

    fn probe_cloudfront(&mut self, hc: &HealthCheck, pop: usize) -> (bool, String) {
        let s = std::sync::Arc::clone(&self.scenario);
        let Some(p) = s.cdn.pops.get(pop) else {
            return (false, "no edge location".into());
        };
        let https_port = hc.check_type.tls() && hc.port == 443;
        let http_port = !hc.check_type.tls() && hc.port == 80;
        if hc.check_type == CheckType::Tcp {
            return if hc.port == 80 || hc.port == 443 {
                (
                    true,
                    format!("TCP connection to {} port {} accepted", p.id, hc.port),
                )
            } else {
                (
                    false,
                    format!(
                        "no response: CloudFront listens on 80 and 443, not {} (gave up after {R53_TCP_CONNECT_S} s)",
                        hc.port
                    ),
                )
            };
        }
        if !https_port && !http_port {
            return (
                false,
                format!(
                    "no response: CloudFront does not take {} on port {} (gave up after {R53_HTTP_CONNECT_S} s)",
                    hc.check_type.name(),
                    hc.port
                ),
            );
        }
        let Some(base) = s.clients.first() else {
            return (false, "no client to model a checker".into());
        };
        let checker = Client {
            id: "route53-checker".into(),
            label: "Route 53 health checker".into(),
            ip: hc.checker_ip,
            pop: p.id.clone(),
            ..base.clone()
        };
        let ctx = HttpCtx {
            method: "GET".into(),
            host: hc.domain.clone().unwrap_or_else(|| s.cdn.domain.clone()),
            path: hc.path.as_str().into(),
            plain_http: http_port,
            unpooled: true,
            ..Default::default()
        };
        let mut scratch = Recorder::off();
        let resp = self.cloudfront_request(&checker, p, https_port, &ctx, &mut scratch);
        verdict(hc, &resp, &hc.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fact sheet §4: the search string must lie entirely within the first
    /// 5,120 bytes; past them it is not found.
    #[test]
    fn a_search_string_past_the_first_5120_bytes_is_not_found() {
        let mut body = "x".repeat(5_115);
        body.push_str("READY");
        assert!(string_found(&body, "READY"));
        let mut late = "x".repeat(5_116);
        late.push_str("READY");
        assert!(!string_found(&late, "READY"));
        assert!(!string_found("ready", "READY"), "case-sensitive");
    }

    /// Fact sheet §4: Route 53 cannot check private or non-routable addresses.
    #[test]
    fn private_link_local_and_shared_addresses_are_not_routable() {
        for ip in [
            "10.0.1.5",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "127.0.0.1",
        ] {
            assert!(!routable(ip.parse().unwrap()), "{ip}");
        }
        assert!(routable("203.0.113.10".parse().unwrap()));
        assert!(routable("54.1.2.3".parse().unwrap()));
    }
}
