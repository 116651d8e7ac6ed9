//! Connections over time: what each side of a hop keeps open between
//! requests, and what a new request pays for. Every hop is its own
//! connection with its own timers (browser ↔ CloudFront, CloudFront ↔ the
//! ALB, the ALB ↔ a target); whichever side closes first decides.
//! A reused connection skips its TCP and TLS handshakes. Fact sheet §16, §26.
//!
//! Requests take no world time, so "idle" is the world time between two
//! requests on one connection (`World::advance`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Chromium closes a socket that has served a request after 300 s idle
/// (`kUsedIdleSocketTimeout`). Fact sheet §26.
pub const BROWSER_USED_IDLE_S: u64 = 300;
/// How long a TLS session ticket lets a client resume: the longest
/// RFC 8446 §4.6.1 allows (7 days); AWS does not publish its own.
pub const TICKET_LIFETIME_S: u64 = 7 * 24 * 3600;

/// A TLS protocol version. Fact sheet §16.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    V12,
    #[default]
    #[serde(rename = "1.3")]
    V13,
}

impl TlsVersion {
    pub fn is_default(&self) -> bool {
        *self == TlsVersion::V13
    }
    /// As the `CloudFront-Viewer-TLS` header and `openssl` name it.
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::V12 => "TLSv1.2",
            TlsVersion::V13 => "TLSv1.3",
        }
    }
    /// `1.2`, `1.3`, `TLSv1.2`, `tls1.3` …
    pub fn parse(text: &str) -> Option<TlsVersion> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.trim_start_matches("tlsv").trim_start_matches("tls");
        match t.trim() {
            "1.2" => Some(TlsVersion::V12),
            "1.3" => Some(TlsVersion::V13),
            _ => None,
        }
    }
}

/// How TLS started on a new connection, in the words of CloudFront's
/// `CloudFront-Viewer-TLS` header where it has one. Fact sheet §16, §26.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsStart {
    /// A full handshake: TLS 1.2 two round trips, TLS 1.3 one.
    #[default]
    Full,
    /// A session ticket from an earlier connection: one round trip.
    Resumed,
    /// TLS 1.3 0-RTT: the request rides in the first flight.
    EarlyData,
}

impl TlsStart {
    pub fn is_default(&self) -> bool {
        *self == TlsStart::Full
    }
    /// Round trips before the client can send its request. Fact sheet §16.
    pub fn round_trips(self, v: TlsVersion) -> u64 {
        match (self, v) {
            (TlsStart::Full, TlsVersion::V12) => 2,
            (TlsStart::Full, TlsVersion::V13) | (TlsStart::Resumed, _) => 1,
            (TlsStart::EarlyData, _) => 0,
        }
    }
    /// The `CloudFront-Viewer-TLS` handshake word. Fact sheet §26.
    pub fn header_word(self) -> &'static str {
        match self {
            TlsStart::Full => "fullHandshake",
            TlsStart::Resumed | TlsStart::EarlyData => "sessionResumed",
        }
    }
}

/// An ALB HTTPS listener's security policy: which TLS versions it accepts.
/// The console's default is the TLS 1.3 policy family. Fact sheet §8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsPolicy {
    /// TLS 1.3 and 1.2 (the console's default for new listeners).
    #[default]
    #[serde(rename = "ELBSecurityPolicy-TLS13-1-2-2021-06")]
    Tls13And12,
    /// TLS 1.3 only.
    #[serde(rename = "ELBSecurityPolicy-TLS13-1-3-2021-06")]
    Tls13Only,
    /// The API's historical default: up to TLS 1.2.
    #[serde(rename = "ELBSecurityPolicy-2016-08")]
    Tls12,
}

impl TlsPolicy {
    pub const ALL: [TlsPolicy; 3] = [
        TlsPolicy::Tls13And12,
        TlsPolicy::Tls13Only,
        TlsPolicy::Tls12,
    ];
    pub fn is_default(&self) -> bool {
        *self == TlsPolicy::Tls13And12
    }
    pub fn name(self) -> &'static str {
        match self {
            TlsPolicy::Tls13And12 => "ELBSecurityPolicy-TLS13-1-2-2021-06",
            TlsPolicy::Tls13Only => "ELBSecurityPolicy-TLS13-1-3-2021-06",
            TlsPolicy::Tls12 => "ELBSecurityPolicy-2016-08",
        }
    }
    pub fn parse(text: &str) -> Option<TlsPolicy> {
        TlsPolicy::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text.trim()))
    }
    fn accepts(self, v: TlsVersion) -> bool {
        match self {
            TlsPolicy::Tls13And12 => true,
            TlsPolicy::Tls13Only => v == TlsVersion::V13,
            TlsPolicy::Tls12 => v == TlsVersion::V12,
        }
    }
    /// The version a client that speaks up to `client_max` agrees on with
    /// this policy: the highest both accept, or none.
    pub fn negotiate(self, client_max: TlsVersion) -> Option<TlsVersion> {
        [TlsVersion::V13, TlsVersion::V12]
            .into_iter()
            .find(|v| *v <= client_max && self.accepts(*v))
    }
}

/// Which side of a hop closed an idle connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closer {
    /// The side that opened it (the browser, CloudFront, the ALB).
    Client,
    /// The side that accepted it (CloudFront, the ALB, the target).
    Server,
}

/// An idle connection that was closed before this request came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    pub idle_ms: u64,
    pub by: Closer,
    /// The idle timeout that ran out, seconds.
    pub timeout_s: u64,
}

/// One open connection in a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pooled {
    pub opened_ms: u64,
    pub last_used_ms: u64,
    /// Requests it has served.
    pub served: u32,
    /// The client's port: the connection's five-tuple stays the same.
    pub src_port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsVersion>,
    /// The address the connection goes to, when the pool's key does not
    /// say it (which ALB node CloudFront or a browser is connected to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<std::net::Ipv4Addr>,
    /// How long the server lets it live from its opening, seconds, as set
    /// when it opened (the ALB's client keep-alive duration; a change
    /// applies to new connections only). Fact sheet §26.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_s: Option<u64>,
    /// Where a Network Load Balancer sends this connection's packets (a
    /// browser's connection into an NLB): the NLB's flow keeps its target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<Relay>,
}

/// The target a Network Load Balancer sends an open connection's packets
/// to, by address, and the source port that target sees (the client's own
/// when client IP preservation is on). Fact sheet §9, §26.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    pub target: std::net::Ipv4Addr,
    pub src_port: u16,
}

impl Pooled {
    /// Whether its lifetime has run out at `now_ms`: the server serves
    /// one more request on it, then closes it. Fact sheet §26.
    pub fn lifetime_over(&self, now_ms: u64) -> bool {
        self.lifetime_s
            .is_some_and(|l| now_ms.saturating_sub(self.opened_ms) >= l.saturating_mul(1000))
    }
}

/// What a hop's pool holds for the next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Nothing open: a new connection.
    None,
    /// An open connection, idle this long.
    Warm { pooled: Pooled, idle_ms: u64 },
    /// One was open but an idle timeout closed it in between.
    Closed(Closed),
    /// The server closed it after its keep-alive, but the client did not
    /// notice and sends on it: the documented race behind the ALB's 502
    /// when a target's keep-alive is shorter than the ALB's idle timeout.
    Dead {
        pooled: Pooled,
        idle_ms: u64,
        keep_alive_s: u64,
    },
}

/// The idle timeouts on a hop, seconds: the client's and the server's.
#[derive(Clone, Copy, Debug)]
pub struct Timers {
    pub client_idle_s: u64,
    pub server_idle_s: u64,
    /// The client sends on a connection the server already closed when
    /// the server's timer is the shorter one (ALB → target, §26).
    pub race: bool,
}

/// Every pooled connection and every TLS session ticket in the world.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnState {
    /// By hop key (`v|client|pop|443`, `o|pop|region`, `t|alb|target`).
    #[serde(default)]
    pub pools: BTreeMap<String, Pooled>,
    /// Session tickets by client and server: when each was issued.
    #[serde(default)]
    pub tickets: BTreeMap<String, u64>,
}

impl ConnState {
    /// What the pool at `key` offers a request at `now_ms`. A connection an
    /// idle timer closed leaves the pool.
    pub fn look(&mut self, key: &str, now_ms: u64, t: Timers) -> Pool {
        let Some(p) = self.pools.get(key).copied() else {
            return Pool::None;
        };
        let idle_ms = now_ms.saturating_sub(p.last_used_ms);
        let (client, server) = (t.client_idle_s * 1000, t.server_idle_s * 1000);
        if idle_ms < client.min(server) {
            return Pool::Warm { pooled: p, idle_ms };
        }
        self.pools.remove(key);
        if t.race && server < client && idle_ms < client {
            return Pool::Dead {
                pooled: p,
                idle_ms,
                keep_alive_s: t.server_idle_s,
            };
        }
        let (by, timeout_s) = if client <= server {
            (Closer::Client, t.client_idle_s)
        } else {
            (Closer::Server, t.server_idle_s)
        };
        Pool::Closed(Closed {
            idle_ms,
            by,
            timeout_s,
        })
    }

    /// A request finished on the connection at `key`: open it if new, and
    /// count it.
    pub fn keep(&mut self, key: &str, now_ms: u64, src_port: u16, tls: Option<TlsVersion>) {
        match self.pools.get_mut(key) {
            Some(p) => {
                p.last_used_ms = now_ms;
                p.served = p.served.saturating_add(1);
            }
            None => {
                self.pools.insert(
                    key.to_string(),
                    Pooled {
                        opened_ms: now_ms,
                        last_used_ms: now_ms,
                        served: 1,
                        src_port,
                        tls,
                        peer: None,
                        lifetime_s: None,
                        relay: None,
                    },
                );
            }
        }
    }

    /// [`ConnState::keep`], noting the address it goes to.
    pub fn keep_to(
        &mut self,
        key: &str,
        now_ms: u64,
        (src_port, peer): (u16, std::net::Ipv4Addr),
        tls: Option<TlsVersion>,
    ) {
        self.keep(key, now_ms, src_port, tls);
        if let Some(p) = self.pools.get_mut(key) {
            p.peer = Some(peer);
        }
    }

    /// Set the lifetime of the connection at `key` (when it opens).
    pub fn set_lifetime(&mut self, key: &str, lifetime_s: u64) {
        if let Some(p) = self.pools.get_mut(key) {
            p.lifetime_s.get_or_insert(lifetime_s);
        }
    }

    /// Note where an NLB sends the connection at `key`.
    pub fn set_relay(&mut self, key: &str, relay: Relay) {
        if let Some(p) = self.pools.get_mut(key) {
            p.relay = Some(relay);
        }
    }

    /// Forget the connection at `key` (reset, failed, or closed).
    pub fn drop_conn(&mut self, key: &str) {
        self.pools.remove(key);
    }

    /// Whether the client holds a ticket for this server that is still
    /// valid at `now_ms`.
    pub fn has_ticket(&self, key: &str, now_ms: u64) -> bool {
        self.tickets
            .get(key)
            .is_some_and(|at| now_ms.saturating_sub(*at) < TICKET_LIFETIME_S * 1000)
    }

    /// The server issued a fresh ticket after a handshake.
    pub fn issue_ticket(&mut self, key: &str, now_ms: u64) {
        match self.tickets.get_mut(key) {
            Some(at) => *at = now_ms,
            None => {
                self.tickets.insert(key.to_string(), now_ms);
            }
        }
    }

    /// Close every connection and forget every ticket (a browser restart).
    pub fn clear(&mut self) {
        self.pools.clear();
        self.tickets.clear();
    }

    /// Close every browser's connection into the NLB `nlb` (it was removed).
    pub fn close_nlb(&mut self, nlb: &str) {
        self.pools
            .retain(|k, _| !(k.starts_with("n|") && k.split('|').nth(3) == Some(nlb)));
    }

    /// Close the connections whose key starts with `prefix`.
    pub fn close_where(&mut self, prefix: &str) {
        self.pools.retain(|k, _| !k.starts_with(prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEWER: Timers = Timers {
        client_idle_s: BROWSER_USED_IDLE_S,
        server_idle_s: u64::MAX / 1000,
        race: false,
    };

    #[test]
    fn tls_round_trips_follow_the_version_and_how_the_session_started() {
        // §16: TLS 1.2 full 2 RTT, resumed 1; TLS 1.3 full 1, 0-RTT none.
        assert_eq!(TlsStart::Full.round_trips(TlsVersion::V12), 2);
        assert_eq!(TlsStart::Resumed.round_trips(TlsVersion::V12), 1);
        assert_eq!(TlsStart::Full.round_trips(TlsVersion::V13), 1);
        assert_eq!(TlsStart::Resumed.round_trips(TlsVersion::V13), 1);
        assert_eq!(TlsStart::EarlyData.round_trips(TlsVersion::V13), 0);
    }

    #[test]
    fn a_listener_policy_agrees_on_the_highest_version_both_sides_speak() {
        // §8: policies are configurable; TLS 1.3-only refuses a 1.2 client.
        assert_eq!(
            TlsPolicy::Tls13And12.negotiate(TlsVersion::V12),
            Some(TlsVersion::V12)
        );
        assert_eq!(
            TlsPolicy::Tls13And12.negotiate(TlsVersion::V13),
            Some(TlsVersion::V13)
        );
        assert_eq!(TlsPolicy::Tls13Only.negotiate(TlsVersion::V12), None);
        assert_eq!(
            TlsPolicy::Tls12.negotiate(TlsVersion::V13),
            Some(TlsVersion::V12)
        );
        assert_eq!(
            TlsPolicy::parse("elbsecuritypolicy-2016-08"),
            Some(TlsPolicy::Tls12)
        );
        assert_eq!(TlsVersion::parse("TLSv1.2"), Some(TlsVersion::V12));
        assert_eq!(TlsVersion::parse("1.1"), None);
    }

    #[test]
    fn a_used_browser_connection_stays_warm_until_300_s_idle() {
        // §26: Chromium's used-idle socket timeout.
        let mut c = ConnState::default();
        c.keep("v", 0, 50_000, Some(TlsVersion::V13));
        assert!(matches!(
            c.look("v", 299_999, VIEWER),
            Pool::Warm {
                idle_ms: 299_999,
                ..
            }
        ));
        c.keep("v", 299_999, 1, None);
        assert_eq!(c.pools["v"].served, 2);
        assert_eq!(c.pools["v"].src_port, 50_000);
        assert_eq!(
            c.look("v", 599_999, VIEWER),
            Pool::Closed(Closed {
                idle_ms: 300_000,
                by: Closer::Client,
                timeout_s: 300
            })
        );
        assert_eq!(c.look("v", 600_000, VIEWER), Pool::None);
    }

    #[test]
    fn a_target_keep_alive_shorter_than_the_idle_timeout_leaves_a_dead_connection() {
        // §26: target keep-alive 5 s < ALB idle 60 s → the ALB may send on
        // a closed connection (502); past 60 s the ALB closed it itself.
        let t = Timers {
            client_idle_s: 60,
            server_idle_s: 5,
            race: true,
        };
        let mut c = ConnState::default();
        c.keep("t", 0, 1, None);
        assert!(matches!(c.look("t", 4_000, t), Pool::Warm { .. }));
        assert!(matches!(
            c.look("t", 10_000, t),
            Pool::Dead {
                keep_alive_s: 5,
                ..
            }
        ));
        assert_eq!(c.look("t", 10_000, t), Pool::None, "the dead one is gone");
        // Past the ALB's own 60 s the target's close has long been seen.
        c.keep("t", 0, 1, None);
        assert!(matches!(
            c.look("t", 61_000, t),
            Pool::Closed(Closed {
                by: Closer::Server,
                timeout_s: 5,
                ..
            })
        ));
        // A keep-alive longer than the idle timeout: never dead.
        let safe = Timers {
            server_idle_s: 75,
            ..t
        };
        c.keep("t", 0, 1, None);
        assert!(matches!(c.look("t", 30_000, safe), Pool::Warm { .. }));
    }

    #[test]
    fn a_ticket_lets_a_client_resume_for_its_lifetime() {
        let mut c = ConnState::default();
        assert!(!c.has_ticket("k", 0));
        c.issue_ticket("k", 1_000);
        assert!(c.has_ticket("k", 1_000 + TICKET_LIFETIME_S * 1000 - 1));
        assert!(!c.has_ticket("k", 1_000 + TICKET_LIFETIME_S * 1000));
    }
}
