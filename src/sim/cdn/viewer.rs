//! The viewer's side of an edge location: the TCP handshake, TLS with SNI,
//! the viewer protocol policy, and the methods a behaviour allows.
//! Fact sheet §5, §7, §16.

use super::Edge;
use crate::sim::conn::{Closed, Pooled, TlsStart, TlsVersion};
use crate::sim::event::CdnEvent;
use crate::sim::lb::HttpCtx;
use crate::sim::scenario::{Client, ViewerProtocol};
use crate::sim::trace::{Code, Event, Layer, Recorder, Step, Verdict};
use crate::sim::world::{Resp, World};

/// How the viewer's TLS session starts on a new connection. Fact sheet §16.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ViewerTlsStart {
    pub(crate) version: TlsVersion,
    pub(crate) start: TlsStart,
    pub(crate) early_data_refused: bool,
}

impl ViewerTlsStart {
    /// CloudFront speaks TLS 1.2 and 1.3 and resumes sessions, but takes
    /// no 0-RTT early data (fact sheet §26): a browser that offers it on a
    /// resumption is answered in one round trip like any other.
    pub(crate) fn at_cloudfront(c: &Client, ticket: bool) -> Self {
        ViewerTlsStart {
            version: c.tls_max,
            start: if ticket {
                TlsStart::Resumed
            } else {
                TlsStart::Full
            },
            early_data_refused: ticket && c.early_data && c.tls_max == TlsVersion::V13,
        }
    }
}

impl World {
    /// The browser's ephemeral source port for its connection to the edge.
    pub(super) fn viewer_port(&mut self, c: &Client) -> u16 {
        let (lo, hi) = c.os.range();
        self.rng.range(lo as u64, hi as u64) as u16
    }
}

impl Edge<'_> {
    /// A hop from the viewer to the edge.
    fn viewer_hop(
        &self,
        tb: &mut Recorder,
        (layer, proto): (Layer, &str),
        event: impl FnOnce() -> CdnEvent,
    ) {
        tb.hop(|| {
            Step::new(
                (&self.client.id, &self.cf.id),
                layer,
                proto,
                Event::Cdn(event()),
                Verdict::Pass,
                Code::Delivered,
            )
        });
    }

    /// The viewer's TCP handshake with the edge location: one round trip.
    pub(super) fn viewer_connect(
        &self,
        src_port: u16,
        https: bool,
        closed: Option<Closed>,
        tb: &mut Recorder,
    ) {
        let proto = if https { "TCP/443" } else { "TCP/80" };
        self.viewer_hop(tb, (Layer::Tcp, proto), || CdnEvent::ViewerConnect {
            pop: self.pop.city.clone(),
            pop_ip: self.pop.ip,
            src_port,
            rtt_ms: self.client.rtt_pop_ms,
            closed,
        });
        tb.wait(self.rtt);
    }

    /// The browser's open connection to this host carries the request: no
    /// handshake, no wait. Fact sheet §26.
    pub(super) fn viewer_reuse(&self, p: Pooled, idle_ms: u64, https: bool, tb: &mut Recorder) {
        let proto = if https { "TCP/443" } else { "TCP/80" };
        self.viewer_hop(tb, (Layer::Tcp, proto), || CdnEvent::ViewerReuse {
            pop: self.pop.city.clone(),
            src_port: p.src_port,
            idle_ms,
            served: p.served,
            tls: p.tls,
        });
    }

    /// The request reaches the edge: over TLS (one more round trip, the
    /// certificate chosen by SNI), or over plain HTTP, where the viewer
    /// protocol policy may answer itself (301 or 403). Fact sheet §5.
    pub(super) fn viewer_protocol(
        &self,
        (https, tls): (bool, Option<ViewerTlsStart>),
        behavior: Option<usize>,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Option<Resp> {
        if let (true, Ok(address)) = (https, ctx.host.parse::<std::net::Ipv4Addr>()) {
            let certificate = "*.cloudfront.net";
            tb.hop(|| {
                Step::new(
                    (&self.client.id, &self.cf.id),
                    Layer::Tls,
                    "TCP/443",
                    Event::Cdn(CdnEvent::ViewerCertificateMismatch {
                        address,
                        certificate: certificate.into(),
                    }),
                    Verdict::Error,
                    Code::CertificateMismatch,
                )
            });
            tb.wait(self.rtt);
            return Some(Resp::err(
                None,
                &self.client.id,
                Code::CertificateMismatch,
                format!(
                    "{}'s certificate ({certificate}) does not cover {address}",
                    self.cf.id
                ),
            ));
        }
        if https {
            // None: a reused connection, whose session is already up.
            if let Some(t) = tls {
                self.viewer_hop(tb, (Layer::Tls, "TCP/443"), || CdnEvent::ViewerTls {
                    sni: ctx.host.clone(),
                    certificate: ctx.host.clone(),
                    version: t.version,
                    start: t.start,
                    early_data_refused: t.early_data_refused,
                });
                tb.wait(self.rtt * t.start.round_trips(t.version));
            }
            self.viewer_hop(tb, (Layer::Http, "TCP/443"), || CdnEvent::ViewerRequest {
                method: ctx.method.to_string(),
                host: ctx.host.clone(),
                path: ctx.path.to_string(),
                query: ctx.query.to_string(),
            });
            tb.wait(self.rtt / 2);
            return None;
        }
        let policy = behavior
            .map(|i| self.cf.behaviors[i].viewer_protocol)
            .unwrap_or_default();
        self.viewer_hop(tb, (Layer::Http, "TCP/80"), || CdnEvent::PlainRequest {
            method: ctx.method.to_string(),
            host: ctx.host.clone(),
            path: ctx.path.to_string(),
        });
        tb.wait(self.rtt / 2);
        match policy {
            ViewerProtocol::RedirectToHttps => {
                let q = if ctx.query.is_empty() { "" } else { "?" };
                let loc = format!("https://{}{}{q}{}", ctx.host, ctx.path, ctx.query);
                self.reply_on(
                    tb,
                    "TCP/80",
                    || CdnEvent::ViewerRedirect {
                        location: loc.clone(),
                    },
                    Verdict::Pass,
                    Code::Delivered,
                );
                Some(Resp::redirect(301, &self.cf.id, Code::Delivered, loc))
            }
            ViewerProtocol::HttpsOnly => {
                self.reply_on(
                    tb,
                    "TCP/80",
                    || CdnEvent::HttpsOnly,
                    Verdict::Error,
                    Code::ViewerProtocolPolicy,
                );
                Some(Resp::err(
                    Some(403),
                    &self.cf.id,
                    Code::ViewerProtocolPolicy,
                    "HTTPS only".into(),
                ))
            }
            ViewerProtocol::AllowAll => None,
        }
    }

    /// The request is past one of CloudFront's size limits: its own 413,
    /// and nothing further. Fact sheet §5.
    pub(super) fn too_large(
        &self,
        o: crate::sim::reqlimit::Oversize,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let proto = if ctx.plain_http { "TCP/80" } else { "TCP/443" };
        self.reply_on(
            tb,
            proto,
            || CdnEvent::RequestTooLarge {
                limit: o.limit,
                size: o.size as u64,
                max: o.max as u64,
                status: o.status(),
            },
            Verdict::Error,
            Code::RequestTooLarge,
        );
        Resp::err(
            Some(o.status()),
            &self.cf.id,
            Code::RequestTooLarge,
            format!(
                "{} of {} bytes is past CloudFront's {}",
                o.limit.label(),
                o.size,
                o.max
            ),
        )
    }

    /// The behaviour's allowed methods: anything else gets CloudFront's own
    /// 403 and no origin is asked. Fact sheet §5.
    pub(super) fn method_refusal(
        &self,
        acl_id: &str,
        bi: usize,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Option<Resp> {
        let b = &self.cf.behaviors[bi];
        if b.allowed_methods.allows(&ctx.method) {
            return None;
        }
        tb.hop(|| {
            Step::new(
                (acl_id, &self.cf.id),
                Layer::Http,
                "-",
                Event::Cdn(CdnEvent::MethodNotAllowed {
                    behaviour: bi as u16 + 1,
                    path_pattern: b.path_pattern.clone(),
                    method: ctx.method.to_string(),
                    allowed: b.allowed_methods,
                }),
                Verdict::Error,
                Code::MethodNotAllowed,
            )
        });
        self.reply(
            tb,
            || CdnEvent::MethodRefused,
            Verdict::Error,
            Code::MethodNotAllowed,
        );
        Some(Resp::err(
            Some(403),
            &self.cf.id,
            Code::MethodNotAllowed,
            format!("{} is not allowed on '{}'", ctx.method, b.path_pattern),
        ))
    }
}
