//! Kubernetes settings as edits: an Ingress annotation the AWS Load
//! Balancer Controller reads (`set_ingress_annotation`: target type,
//! IngressGroup, health check), a Service's `externalTrafficPolicy`
//! (`set_traffic_policy`), an application's probe timings (`set_probe`)
//! and its HorizontalPodAutoscaler (`set_hpa`). After an annotation or a
//! Service changes, the controller rewrites what it owns (`sim::lbc`).
//! Fact sheet §13, §14, §28.

use super::waf::ranged;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::*;
use crate::sim::scenario::{
    AppProbes, Autoscaler, IngressAnnotations, ProbeTiming, Scenario, TargetType, TrafficPolicy,
};
use crate::sim::text::clip;

/// The annotations `set_ingress_annotation` knows, without their
/// `alb.ingress.kubernetes.io/` prefix.
pub const ANNOTATIONS: [&str; 10] = [
    "target-type",
    "group.name",
    "group.order",
    "healthcheck-path",
    "healthcheck-port",
    "healthcheck-interval-seconds",
    "healthcheck-timeout-seconds",
    "healthy-threshold-count",
    "unhealthy-threshold-count",
    "success-codes",
];

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetIngressAnnotation {
            ingress,
            annotation,
            value,
        } => {
            if value.trim().is_empty() {
                format!("{}: remove annotation {}", clip(ingress), clip(annotation))
            } else {
                format!(
                    "{}: annotation {} = {}",
                    clip(ingress),
                    clip(annotation),
                    clip(value.trim())
                )
            }
        }
        Edit::SetTrafficPolicy { service, policy } => format!(
            "{}: externalTrafficPolicy {}",
            clip(service),
            clip(policy.trim())
        ),
        Edit::SetProbe {
            region,
            app,
            probe,
            period_s,
            failure_threshold,
            ..
        } => format!(
            "{}{}: {} probe every {} s, fails after {}",
            if region.is_empty() {
                String::new()
            } else {
                format!("{} ", clip(region))
            },
            clip(app),
            clip(probe.trim()),
            clip(period_s.trim()),
            clip(failure_threshold.trim())
        ),
        Edit::SetHpa {
            region,
            app,
            mode,
            min,
            max,
            target_cpu,
            ..
        } => format!(
            "{} {}: autoscaler {} ({}-{} pods, target CPU {} %)",
            clip(region),
            clip(app),
            clip(mode.trim()),
            clip(min.trim()),
            clip(max.trim()),
            clip(target_cpu.trim())
        ),
        _ => String::new(),
    }
}

/// Whether an edit changes an Ingress or a Service, after which the load
/// balancer controller reconciles.
pub(super) fn touches_ingress(e: &Edit) -> bool {
    matches!(
        e,
        Edit::SetIngressAnnotation { .. } | Edit::SetTrafficPolicy { .. }
    )
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::SetIngressAnnotation {
            ingress,
            annotation,
            value,
        } => {
            let ing = s
                .regions
                .iter_mut()
                .find_map(|r| r.cluster.ingress_by_id_mut(ingress))
                .ok_or_else(|| unknown(VpcPart::Ingress, ingress))?;
            set_annotation(&mut ing.annotations, annotation, value)
        }
        Edit::SetTrafficPolicy { service, policy } => {
            let p = parse_policy(policy)?;
            let svc = s
                .regions
                .iter_mut()
                .flat_map(|r| r.cluster.services.iter_mut())
                .find(|v| v.id == *service)
                .ok_or_else(|| unknown(VpcPart::Service, service))?;
            svc.external_traffic_policy = p;
            Ok(())
        }
        Edit::SetProbe { .. } => set_probe(e, s),
        Edit::SetHpa { .. } => set_hpa(e, s),
        _ => Ok(()),
    }
}

fn parse_policy(t: &str) -> Result<TrafficPolicy, EditError> {
    match t.trim().to_ascii_lowercase().as_str() {
        "cluster" => Ok(TrafficPolicy::Cluster),
        "local" => Ok(TrafficPolicy::Local),
        _ => Err(EditError::Parse(format!(
            "externalTrafficPolicy '{}' must be Cluster or Local (fact sheet §28)",
            clip(t.trim())
        ))),
    }
}

/// `group.order` as typed: empty for none, else a whole number in
/// -1000..1000. Fact sheet §28.
pub(super) fn parse_group_order(v: &str) -> Result<Option<i32>, EditError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let n: i64 = v.parse().map_err(|_| {
        EditError::Parse(format!("group.order '{}' is not a whole number", clip(v)))
    })?;
    if !(-1000..=1000).contains(&n) {
        return Err(EditError::Invalid(format!(
            "group.order {n} is outside -1000..1000 (fact sheet §28)"
        )));
    }
    Ok(Some(n as i32))
}

/// Set or (empty value) remove one annotation.
fn set_annotation(a: &mut IngressAnnotations, name: &str, value: &str) -> Result<(), EditError> {
    let key = name.trim();
    let key = key
        .strip_prefix("alb.ingress.kubernetes.io/")
        .unwrap_or(key);
    let v = value.trim();
    let num =
        |what: &'static str, range: (u64, u64), section: u8| -> Result<Option<u32>, EditError> {
            if v.is_empty() {
                Ok(None)
            } else {
                ranged(v, what, range, section).map(Some)
            }
        };
    match key {
        "target-type" => {
            a.target_type = match v.to_ascii_lowercase().as_str() {
                "" => None,
                "ip" => Some(TargetType::Ip),
                "instance" => Some(TargetType::Instance),
                _ => {
                    return Err(EditError::Parse(format!(
                        "target-type '{}' must be ip or instance (fact sheet §28)",
                        clip(v)
                    )))
                }
            }
        }
        "group.name" => a.group_name = (!v.is_empty()).then(|| v.to_string()),
        "group.order" => a.group_order = parse_group_order(v)?,
        "healthcheck-path" => {
            if !v.is_empty() && !v.starts_with('/') {
                return Err(EditError::Parse(format!(
                    "healthcheck-path '{}' must start with /",
                    clip(v)
                )));
            }
            a.healthcheck_path = (!v.is_empty()).then(|| v.to_string());
        }
        "healthcheck-port" => {
            a.healthcheck_port = if v.eq_ignore_ascii_case("traffic-port") {
                None
            } else {
                num("healthcheck-port", (1, 65_535), 8)?.map(|p| p as u16)
            }
        }
        "healthcheck-interval-seconds" => {
            a.healthcheck_interval_s = num("healthcheck-interval-seconds", (5, 300), 8)?
        }
        "healthcheck-timeout-seconds" => {
            a.healthcheck_timeout_s = num("healthcheck-timeout-seconds", (2, 120), 8)?
        }
        "healthy-threshold-count" => a.healthy_threshold = num("healthy-threshold-count", (2, 10), 8)?,
        "unhealthy-threshold-count" => {
            a.unhealthy_threshold = num("unhealthy-threshold-count", (2, 10), 8)?
        }
        "success-codes" => {
            if !v.is_empty() {
                crate::sim::scenario::parse_matcher(v).map_err(EditError::Parse)?;
            }
            a.success_codes = (!v.is_empty()).then(|| v.to_string());
        }
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not an annotation Hoplab models: alb.ingress.kubernetes.io/ {} (fact sheet §14, §28)",
                clip(key),
                ANNOTATIONS.join(", ")
            )))
        }
    }
    Ok(())
}

/// `set_probe`: an application's readiness or liveness probe timings.
/// Fact sheet §14.
fn set_probe(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let Edit::SetProbe {
        region,
        app,
        probe,
        initial_delay_s,
        period_s,
        timeout_s,
        success_threshold,
        failure_threshold,
    } = e
    else {
        return Ok(());
    };
    let live = match probe.trim().to_ascii_lowercase().as_str() {
        "readiness" => false,
        "liveness" => true,
        _ => {
            return Err(EditError::Parse(format!(
                "'{}' is not a probe Hoplab models: readiness or liveness (fact sheet §14)",
                clip(probe.trim())
            )))
        }
    };
    let span = |r: &std::ops::RangeInclusive<u32>| (*r.start() as u64, *r.end() as u64);
    let t = ProbeTiming {
        initial_delay_s: ranged(
            initial_delay_s,
            "initialDelaySeconds",
            span(&PROBE_INITIAL_DELAY_S),
            14,
        )?,
        period_s: ranged(period_s, "periodSeconds", span(&PROBE_SECONDS), 14)?,
        timeout_s: ranged(timeout_s, "timeoutSeconds", span(&PROBE_SECONDS), 14)?,
        success_threshold: ranged(
            success_threshold,
            "successThreshold",
            span(&PROBE_THRESHOLD),
            14,
        )?,
        failure_threshold: ranged(
            failure_threshold,
            "failureThreshold",
            span(&PROBE_THRESHOLD),
            14,
        )?,
    };
    if live && t.success_threshold != 1 {
        return Err(EditError::Invalid(
            "a liveness probe's successThreshold must be 1 (fact sheet §14)".into(),
        ));
    }
    let mut found = false;
    for r in s.regions.iter_mut() {
        if !region.is_empty() && r.id != *region {
            continue;
        }
        let c = &mut r.cluster;
        if !c.pods.iter().any(|p| p.app == *app) {
            continue;
        }
        found = true;
        let at = match c.probes.iter().position(|p| p.app == *app) {
            Some(i) => i,
            None => {
                c.probes.push(AppProbes {
                    app: app.clone(),
                    readiness: ProbeTiming::default(),
                    liveness: ProbeTiming::default(),
                });
                c.probes.len() - 1
            }
        };
        let p = &mut c.probes[at];
        if live {
            p.liveness = t;
        } else {
            p.readiness = t;
        }
        // Both at the defaults: no entry, the file as it was.
        if p.readiness.is_default() && p.liveness.is_default() {
            c.probes.remove(at);
        }
    }
    if !found {
        return Err(unknown(VpcPart::App, app));
    }
    Ok(())
}

/// `set_hpa`: a HorizontalPodAutoscaler on an application. Fact sheet §28.
fn set_hpa(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let Edit::SetHpa {
        region,
        app,
        mode,
        min,
        max,
        target_cpu,
        cpu_request,
    } = e
    else {
        return Ok(());
    };
    let r = s
        .regions
        .iter_mut()
        .find(|r| r.id == *region)
        .ok_or_else(|| unknown(VpcPart::Region, region))?;
    let c = &mut r.cluster;
    if !c.pods.iter().any(|p| p.app == *app) && !c.services.iter().any(|v| v.app == *app) {
        return Err(unknown(VpcPart::App, app));
    }
    let enabled = match mode.trim().to_ascii_lowercase().as_str() {
        "on" => true,
        "off" => false,
        // None left is what `remove` asks for, whether or not
        // there was one.
        "remove" => {
            c.autoscalers.retain(|a| a.app != *app);
            return Ok(());
        }
        _ => {
            return Err(EditError::Parse(format!(
                "autoscaler mode '{}' must be on, off or remove",
                clip(mode.trim())
            )))
        }
    };
    let span = |r: &std::ops::RangeInclusive<u32>| (*r.start() as u64, *r.end() as u64);
    let min = ranged(min, "minReplicas", span(&HPA_REPLICAS), 28)?;
    let max = ranged(max, "maxReplicas", span(&HPA_REPLICAS), 28)?;
    if min > max {
        return Err(EditError::Invalid(format!(
            "minReplicas {min} is above maxReplicas {max}"
        )));
    }
    let target = ranged(
        target_cpu,
        "target CPU utilization in percent",
        span(&HPA_TARGET_CPU_PERCENT),
        28,
    )?;
    let request = match cpu_request.trim() {
        "" | "none" => None,
        t => Some(ranged(
            t.trim_end_matches('m'),
            "CPU request in millicores",
            span(&HPA_CPU_REQUEST_M),
            28,
        )?),
    };
    let h = Autoscaler {
        app: app.clone(),
        min_replicas: min,
        max_replicas: max,
        target_cpu_percent: target,
        cpu_request_m: request,
        enabled,
    };
    match c.autoscalers.iter_mut().find(|a| a.app == *app) {
        Some(a) => *a = h,
        None => c.autoscalers.push(h),
    }
    Ok(())
}
