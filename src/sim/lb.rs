//! The Application Load Balancer: listener, rules, target groups, target
//! health, and the pod behind it. Fact sheet §8, §13, §14.

use std::net::Ipv4Addr;

use super::net::*;
use super::scenario::*;
use super::trace::*;
use super::world::*;

/// ALB path-pattern matching: case-sensitive, `*` any run, `?` one char. Fact sheet §8.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

pub(crate) fn host_matches_cert(host: &str, domain: &str) -> bool {
    if let Some(rest) = domain.strip_prefix("*.") {
        match host.split_once('.') {
            Some((label, tail)) => !label.is_empty() && tail == rest,
            None => false,
        }
    } else {
        host == domain
    }
}
impl World {
    // ----------------------------------------------------------------- ALB

    /// A request arriving at a region's ALB from the internet (CloudFront,
    /// a browser, or a Route 53 health checker), down to a pod and the
    /// database, and back. `connect` is (attempts, timeout s per attempt).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn alb_request(
        &mut self,
        ri: usize,
        src: &str,
        src_ip: Ipv4Addr,
        src_range: EphemeralRange,
        rtt_ms: u32,
        connect: (u64, u64),
        host: &str,
        path: &str,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let r = self.scenario.regions[ri].clone();
        let alb = r.alb.clone();
        let rtt = us(rtt_ms);
        let give_up = |tb: &mut TraceBuilder, why: String, code: Code| {
            tb.wait(connect.0 * connect.1 * 1_000_000);
            let mut resp = Resp::err(None, src, code, why);
            resp.region = Some(r.id.clone());
            resp
        };
        let live: Vec<&AlbNode> = alb
            .nodes
            .iter()
            .filter(|n| self.placement_up(&r, &n.subnet))
            .collect();
        if live.is_empty() {
            tb.hop(
                src,
                &alb.id,
                Layer::Tcp,
                &format!("TCP/{}", alb.listener.port),
                format!("TCP SYN to {} x{} attempts", alb.dns_name, connect.0),
                format!(
                    "no answer: {} is down ({}); each attempt waits {} s",
                    alb.id,
                    if self.region_down(&r.id) {
                        format!("region {} is down", r.id)
                    } else {
                        "every AZ it lives in is down".into()
                    },
                    connect.1
                ),
                vec![],
                Verdict::Timeout,
                Code::ComponentDown,
            );
            return give_up(
                tb,
                format!(
                    "{} did not answer ({} x {} s)",
                    alb.id, connect.0, connect.1
                ),
                Code::ComponentDown,
            );
        }
        let node = live[self.rng.index(live.len())].clone();
        let subnet = r.vpc.subnet(&node.subnet).expect("validated").clone();
        let node_ip = subnet.host(node.host).expect("validated");
        // Internet -> IGW (1:1 NAT public -> private) -> public subnet NACL -> ALB SG.
        let (lo, hi) = src_range.range();
        let flow = Flow {
            protocol: Protocol::Tcp,
            src: src_ip,
            src_port: self.rng.range(lo as u64, hi as u64) as u16,
            dst: node_ip,
            dst_port: alb.listener.port,
        };
        let mut checks = Vec::new();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            checks.push(n.evaluate(Direction::Inbound, &flow));
        }
        let sgs: Vec<&SecurityGroup> = alb
            .security_groups
            .iter()
            .filter_map(|g| r.vpc.sg(g))
            .collect();
        checks.push(evaluate_sgs(&sgs, Direction::Inbound, &flow, &[], false));
        let back = flow.reversed();
        if let Some(n) = r.vpc.nacl(&subnet.nacl) {
            checks.push(n.evaluate(Direction::Outbound, &back));
        }
        if let Some(rt) = r.vpc.route_table(&subnet.route_table) {
            checks.push(rt.check(src_ip, &|t| matches!(t, RouteTarget::Igw(_)), &back));
        }
        if let Some(c) = checks.iter().find(|c| !c.allowed).cloned() {
            let code = match c.kind {
                CheckKind::Nacl => Code::SubnetAclRestriction,
                CheckKind::RouteTable => Code::NoRouteToDestination,
                _ => Code::EniSgRulesMismatch,
            };
            let leg = if c.flow == flow.to_string() {
                "SYN"
            } else {
                "SYN-ACK (return path)"
            };
            tb.hop(src, &alb.id, Layer::Tcp, &format!("TCP/{}", alb.listener.port), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
                format!("the {leg} is dropped silently by {}: {}; the sender retries {} times, {} s each", c.subject, c.decided_by, connect.0, connect.1),
                checks, Verdict::Dropped, code);
            return give_up(
                tb,
                format!(
                    "connection to {} dropped by {} ({})",
                    alb.id, c.subject, c.decided_by
                ),
                code,
            );
        }
        tb.hop(src, &alb.id, Layer::Tcp, &format!("TCP/{}", alb.listener.port), format!("TCP handshake {flow} via {} into {}", r.vpc.igw, subnet.id),
            format!("the internet gateway maps {} to {node_ip}; the public subnet's network ACL and the ALB's security group let port {} in, and the SYN-ACK out to the ephemeral port {}", node.public_ip, alb.listener.port, flow.src_port),
            checks, Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        // TLS terminates at the ALB; SNI picks the certificate. Fact sheet §8.
        let cert = alb
            .listener
            .certificate_domains
            .iter()
            .find(|d| host_matches_cert(host, d))
            .cloned();
        tb.hop(src, &alb.id, Layer::Tls, &format!("TCP/{}", alb.listener.port), format!("TLS handshake, SNI {host}"),
            match &cert { Some(d) => format!("the HTTPS listener terminates TLS with the ACM certificate for {d} (chosen by SNI)"), None => format!("no certificate matches {host}; the listener's default certificate ({}) is presented", alb.listener.certificate_domains.first().cloned().unwrap_or_default()) },
            vec![], Verdict::Pass, Code::Delivered);
        tb.wait(rtt);
        tb.hop(
            src,
            &alb.id,
            Layer::Http,
            &format!("TCP/{}", alb.listener.port),
            format!("HTTP GET {path} Host: {host}"),
            "the request arrives decrypted at the ALB, which adds X-Forwarded-For / -Proto / -Port"
                .into(),
            vec![],
            Verdict::Pass,
            Code::Delivered,
        );
        tb.wait(rtt / 2);
        let mut resp = self.alb_route(&r, &node, path, tb);
        resp.region = Some(r.id.clone());
        let status = resp.status.unwrap_or(502);
        let ret = {
            let mut checks = Vec::new();
            if let Some(n) = r.vpc.nacl(&subnet.nacl) {
                checks.push(n.evaluate(Direction::Outbound, &back));
            }
            checks
        };
        tb.hop(&alb.id, src, Layer::Http, &format!("TCP/{}", alb.listener.port), format!("HTTP {status} back to {src_ip}:{}", flow.src_port),
            if resp.decided_by == alb.id { "the ALB itself generated this response".into() } else { format!("the response from {} is relayed; the public network ACL is checked again for the ephemeral port", resp.decided_by) },
            ret, if status < 400 { Verdict::Pass } else { Verdict::Error }, resp.code);
        tb.wait(rtt / 2);
        resp
    }

    /// Listener rules, ingress, service endpoints, target pick and the pod.
    pub(crate) fn alb_route(
        &mut self,
        r: &Region,
        node: &AlbNode,
        path: &str,
        tb: &mut TraceBuilder,
    ) -> Resp {
        let alb = &r.alb;
        let mut rules = alb.listener.rules.clone();
        rules.sort_by_key(|x| x.priority);
        let matched = rules
            .iter()
            .find(|rule| rule.path_patterns.iter().any(|p| wildcard_match(p, path)))
            .cloned();
        let Some(rule) = matched else {
            tb.hop(
                &alb.id,
                &alb.id,
                Layer::Decision,
                "-",
                format!(
                    "listener HTTPS:{}: no rule matches {path}",
                    alb.listener.port
                ),
                format!(
                    "the default rule (priority 0, evaluated last) answers a fixed {}",
                    alb.listener.default_status
                ),
                vec![],
                Verdict::Error,
                Code::ListenerDefaultAction,
            );
            return Resp::err(
                Some(alb.listener.default_status),
                &alb.id,
                Code::ListenerDefaultAction,
                "the ALB's default rule answered".into(),
            );
        };
        let Some(tg) = alb
            .target_groups
            .iter()
            .find(|t| t.id == rule.target_group)
            .cloned()
        else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "rule forwards to a missing target group".into(),
            );
        };
        let ingress = &r.cluster.ingress;
        tb.hop(&alb.id, &ingress.id, Layer::Decision, "-", format!("listener rule {} (path {}) -> forward to {}", rule.priority, rule.path_patterns.join(" or "), tg.id),
            format!("rules are tried from the lowest priority number; this one was written by the AWS Load Balancer Controller from Ingress '{}' path {}", ingress.name, rule.from_ingress_path),
            vec![], Verdict::Pass, Code::ListenerRuleMatch);
        let Some(svc) = r
            .cluster
            .services
            .iter()
            .find(|s| s.id == tg.service)
            .cloned()
        else {
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "no service behind the target group".into(),
            );
        };
        tb.hop(&ingress.id, &svc.id, Layer::Decision, "-", format!("Ingress '{}' path {} -> Service {}:{}", ingress.name, rule.from_ingress_path, svc.name, svc.port),
            "target type ip: the ALB sends straight to pod IPs registered from the Service's endpoints; kube-proxy is not on this path (fact sheet §14)".into(), vec![], Verdict::Pass, Code::IngressRuleMatch);
        let pods: Vec<Pod> = r
            .cluster
            .pods
            .iter()
            .filter(|p| p.app == svc.app)
            .cloned()
            .collect();
        if pods.is_empty() {
            tb.hop(
                &svc.id,
                &alb.id,
                Layer::Decision,
                "-",
                format!("target group {} has no registered targets", tg.id),
                "the ALB answers 503 itself (fact sheet §8)".into(),
                vec![],
                Verdict::Error,
                Code::NoHealthyTargets,
            );
            return Resp::err(
                Some(503),
                &alb.id,
                Code::NoHealthyTargets,
                "no registered targets".into(),
            );
        }
        let healthy: Vec<&Pod> = pods
            .iter()
            .filter(|p| {
                self.target_health
                    .get(&p.id)
                    .map(|h| h.state == TargetState::Healthy)
                    .unwrap_or(true)
            })
            .collect();
        let (pool, fail_open) = if healthy.is_empty() {
            (pods.iter().collect::<Vec<_>>(), true)
        } else {
            (healthy, false)
        };
        let n = self.rr_counter.entry(tg.id.clone()).or_insert(0);
        let pick = pool[(*n as usize) % pool.len()].clone();
        *n += 1;
        let listing = pods
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.id,
                    match self.target_health.get(&p.id).map(|h| h.state) {
                        Some(TargetState::Unhealthy) => "unhealthy",
                        _ => "healthy",
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        tb.hop(&svc.id, &pick.id, Layer::Decision, "-", format!("round robin picks {} ({})", pick.id, listing),
            if fail_open { "every target is unhealthy, so the ALB fails open and spreads requests over all of them (fact sheet §8)".into() } else { format!("only healthy targets are used ({} of {})", pool.len(), pods.len()) },
            vec![], Verdict::Pass, Code::ServiceEndpointPick);
        let port = tg.port;
        let (conn, alb_flow) = self.vpc_connect(
            r,
            &node.subnet,
            node.host,
            &alb.security_groups,
            EphemeralRange::Elb,
            &pick.subnet,
            pick.host,
            &pick.security_groups,
            port,
            &alb.id,
            &pick.id,
            tb,
        );
        let same_az = self.subnet_az(r, &node.subnet) == self.subnet_az(r, &pick.subnet);
        let hop_us = if same_az { 250 } else { 750 };
        match conn {
            Connect::Ok if self.pod_up(r, &pick) => {}
            Connect::Ok => {
                tb.wait(hop_us * 2);
                tb.hop(&pick.id, &alb.id, Layer::Tcp, &format!("TCP/{port}"), "TCP RST".into(),
                    format!("{} has crashed: its address answers but nothing listens on {port}; until the health check marks it unhealthy the ALB keeps sending it traffic", pick.id),
                    vec![], Verdict::Error, Code::ConnectionRefused);
                tb.hop(
                    &alb.id,
                    &alb.id,
                    Layer::Http,
                    "-",
                    "HTTP 502 Bad Gateway (from the ALB)".into(),
                    "the target reset the connection: the ALB generates 502 (fact sheet §8)".into(),
                    vec![],
                    Verdict::Error,
                    Code::ConnectionRefused,
                );
                let mut resp = Resp::err(
                    Some(502),
                    &alb.id,
                    Code::ConnectionRefused,
                    format!("{} refused the connection", pick.id),
                );
                resp.pod = Some(pick.id.clone());
                return resp;
            }
            Connect::Dropped(_) | Connect::Silent => {
                let code = code_or(&conn);
                tb.wait(ALB_TARGET_CONNECT_TIMEOUT_S * 1_000_000);
                tb.hop(&alb.id, &alb.id, Layer::Http, "-", "HTTP 504 Gateway Timeout (from the ALB)".into(),
                    format!("no TCP connection to {} within {ALB_TARGET_CONNECT_TIMEOUT_S} s: the ALB generates 504 (fact sheet §8)", pick.id), vec![], Verdict::Timeout, code);
                let mut resp = Resp::err(
                    Some(504),
                    &alb.id,
                    code,
                    format!(
                        "no connection to {} within {ALB_TARGET_CONNECT_TIMEOUT_S} s",
                        pick.id
                    ),
                );
                resp.pod = Some(pick.id.clone());
                return resp;
            }
        }
        tb.wait(hop_us * 2);
        let pip = r
            .vpc
            .subnet(&pick.subnet)
            .and_then(|s| s.host(pick.host))
            .expect("validated");
        tb.hop(&alb.id, &pick.id, Layer::Http, &format!("TCP/{port}"), format!("HTTP GET {path} to {pip}:{port}"),
            format!("X-Forwarded-For carries the viewer and edge addresses; the pod sees the ALB node {} as its TCP peer", alb_flow.src), vec![], Verdict::Pass, Code::Delivered);
        tb.wait(hop_us);
        let (status, body_note, db_code) = if path == "/healthz" {
            (
                200,
                "health endpoint: answers without touching the database".to_string(),
                Code::Delivered,
            )
        } else {
            self.pod_query_db(r, &pick, tb)
        };
        tb.wait(3_000);
        let checks = World::vpc_return_checks(r, &pick.subnet, &node.subnet, &alb_flow.reversed());
        tb.hop(
            &pick.id,
            &alb.id,
            Layer::Http,
            &format!("TCP/{port}"),
            format!(
                "HTTP {status} {}",
                if status == 200 {
                    "application/json"
                } else {
                    "error"
                }
            ),
            body_note,
            checks,
            if status < 400 {
                Verdict::Pass
            } else {
                Verdict::Error
            },
            db_code,
        );
        tb.wait(hop_us);
        let mut resp = if status < 400 {
            Resp::ok(
                status,
                &pick.id,
                format!("served by {} in {}", pick.id, r.label),
            )
        } else {
            Resp::err(
                Some(status),
                &pick.id,
                db_code,
                "the application could not reach its database".into(),
            )
        };
        resp.pod = Some(pick.id.clone());
        resp
    }

    /// The pod reads appointments from the database primary on 5432.

    pub(crate) fn run_target_check(&mut self, pod_id: &str) {
        let Some((ri, tg)) = self.scenario.regions.iter().enumerate().find_map(|(i, r)| {
            r.cluster
                .pods
                .iter()
                .any(|p| p.id == pod_id)
                .then(|| (i, r.alb.target_groups.first().cloned()))
        }) else {
            self.target_health.remove(pod_id);
            return;
        };
        let Some(tg) = tg else { return };
        let (ok, reason) = self.probe_target(ri, pod_id);
        let now = self.clock_ms;
        let region_id = self.scenario.regions[ri].id.clone();
        let st = self
            .target_health
            .get_mut(pod_id)
            .expect("scheduled target exists");
        st.next_due_ms = now + tg.health_interval_s as u64 * 1000;
        if ok {
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
        } else {
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
            st.reason = reason.clone();
        }
        let flip = match st.state {
            TargetState::Healthy if st.consecutive_failures >= tg.unhealthy_threshold => {
                st.state = TargetState::Unhealthy;
                Some(format!(
                    "unhealthy after {} failed checks: {reason}",
                    tg.unhealthy_threshold
                ))
            }
            TargetState::Unhealthy if st.consecutive_successes >= tg.healthy_threshold => {
                st.state = TargetState::Healthy;
                st.reason = "passing health checks".into();
                Some(format!(
                    "healthy again after {} passed checks",
                    tg.healthy_threshold
                ))
            }
            _ => None,
        };
        if let Some(text) = flip {
            self.events.push(WorldEvent {
                at_ms: now,
                source: format!("{} target {pod_id} ({region_id})", tg.id),
                text,
            });
        }
    }

    /// ALB health check of one pod target: the ALB node's path to the pod
    /// must pass SGs and NACLs both ways, and the pod must answer.
    pub(crate) fn probe_target(&mut self, ri: usize, pod_id: &str) -> (bool, String) {
        let r = self.scenario.regions[ri].clone();
        let Some(pod) = r.cluster.pods.iter().find(|p| p.id == pod_id) else {
            return (false, "Target.NotRegistered".into());
        };
        let Some(node) = r
            .alb
            .nodes
            .iter()
            .find(|n| self.placement_up(&r, &n.subnet))
        else {
            return (false, "Elb.InternalError (no load balancer node up)".into());
        };
        let mut scratch = TraceBuilder::default();
        let port = r.alb.target_groups.first().map(|t| t.port).unwrap_or(8080);
        match self
            .vpc_connect(
                &r,
                &node.subnet,
                node.host,
                &r.alb.security_groups,
                EphemeralRange::Elb,
                &pod.subnet,
                pod.host,
                &pod.security_groups,
                port,
                "alb",
                pod_id,
                &mut scratch,
            )
            .0
        {
            Connect::Ok if self.pod_up(&r, pod) => (true, "HTTP 200".into()),
            Connect::Ok => (
                false,
                "Target.FailedHealthChecks (connection refused)".into(),
            ),
            Connect::Dropped(c) => (false, format!("Target.Timeout ({c})")),
            Connect::Silent => (false, "Target.Timeout (no answer)".into()),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_path_patterns_use_star_and_question_mark() {
        assert!(wildcard_match("/api/*", "/api/appointments"));
        assert!(!wildcard_match("/api/*", "/api"));
        assert!(wildcard_match("/img/?.png", "/img/a.png"));
        assert!(!wildcard_match("/API/*", "/api/x"));
    }

    #[test]
    fn a_wildcard_certificate_covers_exactly_one_label() {
        assert!(host_matches_cert(
            "api-origin.healthcareapp.com",
            "*.healthcareapp.com"
        ));
        assert!(!host_matches_cert(
            "healthcareapp.com",
            "*.healthcareapp.com"
        ));
        assert!(!host_matches_cert(
            "a.b.healthcareapp.com",
            "*.healthcareapp.com"
        ));
    }
}
