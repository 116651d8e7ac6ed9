//! Target groups: which targets are registered, cross-zone load
//! balancing, health and draining, the pick (stickiness, then the
//! algorithm, in [`super::AlbState::pick`]), and forwarding to the target
//! through the VPC. Fact sheet §8, §14.

use super::{HttpCtx, Target};
use crate::sim::app::Delivery;
use crate::sim::conn::{Pool, Timers};
use crate::sim::event::alb::*;
use crate::sim::event::app::ResetReason;

use crate::sim::event::{AlbEvent, AppEvent};
use crate::sim::k8s::ProxyPick;
use crate::sim::net::*;
use crate::sim::scenario::*;
use crate::sim::trace::*;
use crate::sim::vpc::{reuse_hop, tracked_checks};
use crate::sim::world::*;

/// A target group and the Service behind it.
type Group<'a> = (&'a TargetGroup, &'a Service);

/// The target group has nothing to send to: the decision and the ALB's own
/// 503. Fact sheet §8.
fn no_targets(
    tb: &mut Recorder,
    r: &Region,
    (tg, svc): Group,
    reason: &dyn Fn() -> NoTargets,
    why: (Option<AlbError>, String),
) -> Resp {
    no_targets_from(tb, r, (tg, &svc.id), reason, why)
}

/// [`no_targets`] for a hop that starts at `from` (the Service, or the
/// group itself when no Service is bound).
fn no_targets_from(
    tb: &mut Recorder,
    r: &Region,
    (tg, from): (&TargetGroup, &str),
    reason: &dyn Fn() -> NoTargets,
    (why_503, summary): (Option<AlbError>, String),
) -> Resp {
    let alb = &r.alb;
    tb.hop(|| {
        Step::new(
            (from, &alb.id),
            Layer::Decision,
            "-",
            Event::Alb(AlbEvent::NoTargets {
                target_group: tg.id.clone(),
                reason: reason(),
            }),
            Verdict::Error,
            Code::NoHealthyTargets,
        )
    });
    if let Some(why) = why_503 {
        tb.hop(|| {
            Step::new(
                (&alb.id, &alb.id),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(why)),
                Verdict::Error,
                Code::NoHealthyTargets,
            )
        });
    }
    Resp::err(Some(503), &alb.id, Code::NoHealthyTargets, summary)
}

impl World {
    /// The targets a target group has registered right now: ready pods
    /// (target type ip, including draining ones) or the worker nodes
    /// (target type instance). Fact sheet §8, §14.
    pub(crate) fn targets<'a>(&self, r: &'a Region, tg: &TargetGroup) -> Vec<Target<'a>> {
        let now = self.clock_ms;
        let Some(svc) = r.cluster.services.iter().find(|s| s.id == tg.service) else {
            return vec![];
        };
        match tg.target_type {
            TargetType::Ip => r
                .cluster
                .pods
                .iter()
                .filter(|p| p.app == svc.app)
                .filter(|p| self.pod_ready(&p.id) || self.alb.draining(&p.id, now))
                .map(|p| Target::of_pod(p, tg.port))
                .collect(),
            TargetType::Instance => r
                .cluster
                .nodes
                .iter()
                .map(|n| Target::of_node(r, n, tg.node_port))
                .collect(),
        }
    }

    /// Forward to a target group (`from` is the Ingress path the rule came
    /// from, `ingress` the Ingress that wrote it): pick a target (registration, health, stickiness, algorithm),
    /// connect through the VPC, let it answer.
    pub(super) fn forward(
        &mut self,
        r: &Region,
        node: &AlbNode,
        (tg_id, from, ingress): (&str, &str, &Ingress),
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let alb = &r.alb;
        let Some(tg) = alb.target_groups.iter().find(|t| t.id == tg_id) else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                format!("rule forwards to missing target group {tg_id}"),
            );
        };
        let Some(svc) = r.cluster.services.iter().find(|s| s.id == tg.service) else {
            // A group created at the load balancer: nothing registered.
            let summary = format!("{} has no registered targets", tg.id);
            let why = (Some(AlbError::NoRegisteredTargets), summary);
            return no_targets_from(tb, r, (tg, &tg.id), &|| NoTargets::Unbound, why);
        };
        let at = (r.cluster.ingress.id.as_str(), ingress);
        tb.hop(|| crate::sim::k8s::ingress_match_step(at, from, (tg, svc), ctx));
        match self.choose_target(r, node, (tg, svc), ctx, tb) {
            Ok(pick) => self.send_to_target(r, node, svc, pick, ctx, tb),
            Err(resp) => resp,
        }
    }

    /// The target for this request: registered targets (in this node's AZ
    /// when cross-zone is off), in service (not draining), healthy unless
    /// none is (the ALB fails open), then stickiness and the algorithm.
    fn choose_target<'a>(
        &mut self,
        r: &'a Region,
        node: &AlbNode,
        (tg, svc): Group,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Result<Target<'a>, Resp> {
        let mut targets = self.targets(r, tg);
        // Cross-zone off: this ALB node only sends to targets in its AZ. Fact sheet §8.
        let node_az = self.subnet_az(r, &node.subnet);
        if !tg.cross_zone {
            let all = targets.len();
            targets.retain(|t| self.subnet_az(r, t.subnet) == node_az);
            if targets.is_empty() && all > 0 {
                let reason = || NoTargets::CrossZone {
                    az: node_az.to_string(),
                    elsewhere: all,
                };
                let summary = format!("cross-zone off and no target of {} in {node_az}", tg.id);
                let why = (Some(AlbError::NoTargetInZone), summary);
                return Err(no_targets(tb, r, (tg, svc), &reason, why));
            }
        }
        if targets.is_empty() {
            let endpoints = || NoTargets::NoneRegistered {
                endpoints: r
                    .cluster
                    .pods
                    .iter()
                    .filter(|p| p.app == svc.app)
                    .map(|p| (p.id.clone(), self.pod_ready(&p.id)))
                    .collect(),
            };
            let summary = format!("{} has no registered targets", tg.id);
            let why = (Some(AlbError::NoRegisteredTargets), summary);
            return Err(no_targets(tb, r, (tg, svc), &endpoints, why));
        }
        let now = self.clock_ms;
        let st = &self.alb;
        // Targets in service (not draining); only the healthy ones, unless
        // none is, when the ALB fails open.
        let fail_open = !targets
            .iter()
            .any(|t| !st.draining(t.id, now) && st.healthy(t.id));
        let pool: Vec<Target> = targets
            .iter()
            .filter(|t| !st.draining(t.id, now) && (fail_open || st.healthy(t.id)))
            .copied()
            .collect();
        if pool.is_empty() {
            let why = (None, "every target is draining".to_string());
            return Err(no_targets(
                tb,
                r,
                (tg, svc),
                &|| NoTargets::AllDraining,
                why,
            ));
        }
        if !ctx.unpooled {
            self.close_drained(r, node, (tg, svc), tb);
        }
        // Stickiness first, then the algorithm. Fact sheet §8.
        let client = (ctx.client.as_deref(), now);
        let (pick, how, slow_start) = self.alb.pick(tg, &pool, client, &mut self.rng);
        let st = &self.alb;
        tb.hop(|| {
            Step::new(
                (&svc.id, pick.id),
                Layer::Decision,
                "-",
                Event::Alb(AlbEvent::TargetPick {
                    target_group: tg.id.clone(),
                    picked: pick.id.to_string(),
                    candidates: targets
                        .iter()
                        .map(|t| (t.id.to_string(), st.status(t.id, now)))
                        .collect(),
                    how,
                    zone_only: (!tg.cross_zone).then(|| node_az.to_string()),
                    fail_open,
                    in_service: pool.len(),
                    slow_start,
                }),
                Verdict::Pass,
                Code::ServiceEndpointPick,
            )
        });
        Ok(pick)
    }

    /// The connections this ALB node still holds to targets of the group
    /// whose deregistration delay has ended: closed, each a hop. One an
    /// idle timer had closed before the delay ended just leaves the pool.
    /// Fact sheet §8, §26.
    fn close_drained(&mut self, r: &Region, node: &AlbNode, (tg, svc): Group, tb: &mut Recorder) {
        let alb = &r.alb;
        let now = self.clock_ms;
        if !self.alb.draining.values().any(|d| *d <= now) {
            return;
        }
        let prefix = KeyBuf::new(&["t|", &alb.id, "|", &node.subnet, "|"]);
        let prefix = prefix.as_str();
        let idle_ms = alb.idle_timeout_s.min(r.cluster.app_keep_alive_s) as u64 * 1000;
        let closing: Vec<(String, String, u32, bool)> = self
            .conn
            .pools
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, p)| {
                let target = &k[prefix.len()..];
                let pod = r.cluster.pods.iter().find(|p| p.id == target);
                if pod.is_some_and(|p| p.app != svc.app) {
                    return None;
                }
                let until = self.alb.drained(target, now)?;
                let open_then = until < p.last_used_ms.saturating_add(idle_ms);
                Some((k.clone(), target.to_string(), p.served, open_then))
            })
            .collect();
        for (key, target, served, open_then) in closing {
            self.conn.drop_conn(&key);
            if !open_then {
                continue;
            }
            tb.hop(|| {
                Step::new(
                    (&alb.id, &target),
                    Layer::Tcp,
                    format!("TCP/{}", tg.port),
                    Event::Alb(AlbEvent::DrainingClosed {
                        target: target.clone(),
                        target_group: tg.id.clone(),
                        delay_s: tg.deregistration_delay_s as u64,
                        served,
                    }),
                    Verdict::Pass,
                    Code::DeregistrationDelayEnded,
                )
            });
        }
    }

    /// Connect to the picked target through the VPC and let it answer:
    /// a pod directly (target type ip), or a node whose kube-proxy picks a
    /// pod (instance).
    fn send_to_target(
        &mut self,
        r: &Region,
        node: &AlbNode,
        svc: &Service,
        pick: Target,
        ctx: &HttpCtx,
        tb: &mut Recorder,
    ) -> Resp {
        let alb = &r.alb;
        // The ALB's open connection to this target from this node (§26).
        let key = KeyBuf::new(&["t|", &alb.id, "|", &node.subnet, "|", pick.id]);
        let now = self.clock_ms;
        let timers = Timers {
            client_idle_s: alb.idle_timeout_s as u64,
            server_idle_s: r.cluster.app_keep_alive_s as u64,
            race: true,
        };
        let pooled = if ctx.unpooled || ctx.concurrent {
            Pool::None
        } else {
            self.conn.look(&key, now, timers)
        };
        let target_up = match &pick.pod {
            Some(p) => self.pod_host_up(r, p),
            None => {
                self.placement_up(r, pick.subnet)
                    && !self.has_fault(|| Fault::NodeDown {
                        node: pick.id.to_string(),
                    })
            }
        };
        let (conn, alb_flow) =
            match self.target_connection(r, (node, &pick), (pooled, target_up), tb) {
                Ok(c) => c,
                Err(resp) => {
                    self.conn.drop_conn(&key);
                    return resp;
                }
            };
        let same_az = self.subnet_az(r, &node.subnet) == self.subnet_az(r, pick.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        let delivery = Delivery {
            alb: &alb.id,
            peer: alb_flow.src_v4().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
            flow: alb_flow,
            alb_subnet: &node.subnet,
            hop_us,
            by_nlb: false,
        };
        let mut resp = match conn {
            Connect::Ok if !target_up => {
                tb.hop(|| {
                    Step::new(
                        (&alb.id, pick.id),
                        Layer::Tcp,
                        format!("TCP/{}", pick.port),
                        Event::Alb(AlbEvent::TargetDown {
                            target: pick.id.to_string(),
                        }),
                        Verdict::Timeout,
                        Code::ComponentDown,
                    )
                });
                self.target_timeout(&alb.id, pick.id, Code::ComponentDown, tb)
            }
            Connect::Ok => {
                tb.wait(hop_us * 2);
                match &pick.pod {
                    Some(p) => self.serve(r, p, &delivery, ctx, tb),
                    None => self.through_node(r, svc, pick, delivery, (ctx, tb)),
                }
            }
            Connect::Dropped(_) | Connect::Silent => {
                self.target_timeout(&alb.id, pick.id, code_or(&conn), tb)
            }
        };
        if resp.pod.is_none() {
            resp.pod = pick.pod.as_ref().map(|p| p.id.as_str().into());
        }
        // The connection stays open for the next request unless it broke.
        let broke = matches!(
            resp.code,
            Code::ConnectionRefused | Code::ConnectionTimeout | Code::ComponentDown
        ) && resp.decided_by == alb.id;
        if ctx.unpooled || ctx.concurrent {
            // A health checker's request, or one of a burst's, leaves the
            // pool as it was.
        } else if matches!(conn, Connect::Ok) && target_up && !broke {
            self.conn.keep(&key, now, alb_flow.src_port, None);
        } else {
            self.conn.drop_conn(&key);
        }
        resp
    }

    /// The ALB node's connection to the picked target: the one it holds
    /// open (no handshake; the NACLs checked again, the security groups
    /// tracking it), or a new one through the VPC. The ALB's own answer
    /// when the open one is dropped (504) or the target had closed it
    /// (502). Fact sheet §8, §24, §26.
    fn target_connection(
        &mut self,
        r: &Region,
        (node, pick): (&AlbNode, &Target),
        (pooled, target_up): (Pool, bool),
        tb: &mut Recorder,
    ) -> Result<(Connect, Flow), Resp> {
        let alb = &r.alb;
        let ends = ((alb.id.as_str(), pick.id), pick.port);
        match pooled {
            Pool::Warm { pooled, idle_ms } if target_up => {
                let flow = self.reused_flow(r, (&node.subnet, node.host), pick, pooled.src_port);
                let path = tracked_checks(r, (&node.subnet, pick.subnet), &flow, tb.records());
                match reuse_hop(tb, ends, (flow, idle_ms, pooled.served), path, None) {
                    // Packets on an open connection vanish: the ALB waits
                    // out its idle timeout (§8: 504).
                    Some(d) => Err(self.silent_target(alb, pick.id, d.code(), tb)),
                    None => Ok((Connect::Ok, flow)),
                }
            }
            Pool::Dead {
                pooled,
                idle_ms,
                keep_alive_s,
            } if target_up => {
                let flow = self.reused_flow(r, (&node.subnet, node.host), pick, pooled.src_port);
                let idle_timeout_s = alb.idle_timeout_s as u64;
                let closed = Some((keep_alive_s, idle_timeout_s));
                let reused = (flow, idle_ms, pooled.served);
                reuse_hop(tb, ends, reused, PathChecks::new(false), closed);
                Err(self.target_closed(alb, *pick, (keep_alive_s, idle_timeout_s), tb))
            }
            _ => Ok(self.vpc_connect(
                r,
                (
                    Endpoint {
                        id: &alb.id,
                        subnet: &node.subnet,
                        host: node.host,
                        sgs: &alb.security_groups,
                    },
                    EphemeralRange::Elb,
                ),
                (
                    Endpoint {
                        id: pick.id,
                        subnet: pick.subnet,
                        host: pick.host,
                        sgs: pick.sgs,
                    },
                    pick.port,
                ),
                tb,
            )),
        }
    }

    /// The five-tuple of the ALB's open connection to a target: the same
    /// source port as when it opened.
    fn reused_flow(
        &self,
        r: &Region,
        (subnet, host): (&str, u32),
        pick: &Target,
        port: u16,
    ) -> Flow {
        let vpc = &r.vpc;
        let src = vpc.subnet(subnet).and_then(|s| s.host(host));
        let dst = vpc.subnet(pick.subnet).and_then(|s| s.host(pick.host));
        Flow {
            protocol: Protocol::Tcp,
            src: src.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED).into(),
            src_port: port,
            dst: dst.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED).into(),
            dst_port: pick.port,
        }
    }

    /// The packets on an open connection were dropped: the ALB hears
    /// nothing and answers 504 when its idle timeout runs out. Fact sheet §8.
    fn silent_target(&mut self, alb: &Alb, target: &str, code: Code, tb: &mut Recorder) -> Resp {
        let timeout_s = alb.idle_timeout_s as u64;
        tb.wait(timeout_s * 1_000_000);
        tb.hop(|| {
            Step::new(
                (&alb.id, &alb.id),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::IdleTimeout {
                    target: target.to_string(),
                    timeout_s,
                })),
                Verdict::Timeout,
                code,
            )
        });
        Resp::err(
            Some(504),
            &alb.id,
            code,
            format!("{target} sent nothing back within the ALB's {timeout_s} s idle timeout"),
        )
    }

    /// The target had closed the idle connection: the ALB's own 502.
    fn target_closed(
        &mut self,
        alb: &Alb,
        pick: Target,
        (keep_alive_s, idle_timeout_s): (u64, u64),
        tb: &mut Recorder,
    ) -> Resp {
        tb.hop(|| {
            Step::new(
                (&alb.id, &alb.id),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::TargetClosed {
                    target: pick.id.to_string(),
                    keep_alive_s,
                    idle_timeout_s,
                })),
                Verdict::Error,
                Code::TargetClosedConnection,
            )
        });
        let mut resp = Resp::err(
            Some(502),
            &alb.id,
            Code::TargetClosedConnection,
            format!(
                "{} closed the idle connection (keep-alive {keep_alive_s} s < idle timeout {idle_timeout_s} s)",
                pick.id
            ),
        );
        resp.pod = pick.pod.as_ref().map(|p| p.id.as_str().into());
        resp
    }

    /// Target type instance: kube-proxy on the node picks a pod, which sees
    /// the node as its peer (SNAT); with no ready endpoint the node resets
    /// the connection. Fact sheet §14.
    fn through_node(
        &mut self,
        r: &Region,
        svc: &Service,
        node: Target,
        delivery: Delivery,
        (ctx, tb): (&HttpCtx, &mut Recorder),
    ) -> Resp {
        match self.kube_proxy(r, &node, svc, delivery.peer, tb) {
            ProxyPick::Pod(p, peer) => {
                let mut flow = delivery.flow;
                flow.dst_port = svc.target_port;
                let delivery = Delivery {
                    peer,
                    flow,
                    ..delivery
                };
                self.serve(r, p, &delivery, ctx, tb)
            }
            ProxyPick::Dropped => {
                let mut resp =
                    self.target_timeout(delivery.alb, node.id, Code::NoLocalEndpoint, tb);
                resp.summary = format!(
                    "{} has no ready endpoint of {} on it and externalTrafficPolicy is Local: the packet is dropped",
                    node.id, svc.name
                );
                resp
            }
            ProxyPick::NoEndpoint => {
                tb.hop(|| {
                    Step::new(
                        (node.id, delivery.alb),
                        Layer::Tcp,
                        format!("TCP/{}", node.port),
                        Event::App(AppEvent::Reset {
                            reason: ResetReason::NoReadyEndpoint,
                        }),
                        Verdict::Error,
                        Code::ConnectionRefused,
                    )
                });
                self.alb_502(delivery.alb, node.id, tb)
            }
        }
    }

    /// No TCP connection to the target in time: the ALB's own 504.
    fn target_timeout(&mut self, alb: &str, target: &str, code: Code, tb: &mut Recorder) -> Resp {
        tb.wait(ALB_TARGET_CONNECT_TIMEOUT_S * 1_000_000);
        tb.hop(|| {
            Step::new(
                (alb, alb),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::ConnectTimeout {
                    target: target.to_string(),
                    timeout_s: ALB_TARGET_CONNECT_TIMEOUT_S,
                })),
                Verdict::Timeout,
                code,
            )
        });
        Resp::err(
            Some(504),
            alb,
            code,
            format!("no connection to {target} within {ALB_TARGET_CONNECT_TIMEOUT_S} s"),
        )
    }

    /// The target reset the connection: the ALB's own 502.
    pub(crate) fn alb_502(&mut self, alb: &str, target: &str, tb: &mut Recorder) -> Resp {
        tb.hop(|| {
            Step::new(
                (alb, alb),
                Layer::Http,
                "-",
                Event::Alb(AlbEvent::generated(AlbError::TargetReset)),
                Verdict::Error,
                Code::ConnectionRefused,
            )
        });
        Resp::err(
            Some(502),
            alb,
            Code::ConnectionRefused,
            format!("{target} refused the connection"),
        )
    }
}
