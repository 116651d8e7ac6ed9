//! Connection settings (fact sheet §8, §16, §26): a browser's TLS version
//! and 0-RTT, an ALB's idle timeout and its listener's security policy,
//! the application's keep-alive, CloudFront's origin keep-alive; a target
//! group's deregistration delay and slow start, an ALB's client keep-alive
//! duration, the application's database pool. A change
//! applies to connections opened after it; the ones open stay as they are
//! until their timers close them (§26: "a change applies to new
//! connections only").

use super::waf::ranged;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::conn::{TlsPolicy, TlsVersion};
use crate::sim::limits::{
    ALB_CLIENT_KEEPALIVE_S, ALB_IDLE_TIMEOUT_RANGE_S, APP_KEEP_ALIVE_S, CF_ORIGIN_KEEP_ALIVE_S,
    DB_POOL_SIZE, DEREGISTRATION_DELAY_S, SLOW_START_S,
};
use crate::sim::scenario::Scenario;
use crate::sim::text::clip;

fn range(r: &std::ops::RangeInclusive<u32>) -> (u64, u64) {
    (*r.start() as u64, *r.end() as u64)
}

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetClientTls {
            client,
            max_version,
            early_data,
        } => format!(
            "{}: TLS up to {}, 0-RTT {}",
            clip(client),
            clip(max_version.trim()),
            if *early_data { "offered" } else { "off" }
        ),
        Edit::SetAlbIdleTimeout { alb, seconds } => {
            format!("{}: idle timeout {} s", clip(alb), clip(seconds.trim()))
        }
        Edit::SetListenerTlsPolicy { alb, policy } => {
            format!("{}: security policy {}", clip(alb), clip(policy.trim()))
        }
        Edit::SetAppKeepAlive { region, seconds } => format!(
            "{}: application keep-alive {} s",
            clip(region),
            clip(seconds.trim())
        ),
        Edit::SetOriginKeepAlive { seconds } => {
            format!("CloudFront: origin keep-alive {} s", clip(seconds.trim()))
        }
        Edit::SetDeregistrationDelay {
            target_group,
            seconds,
        } => format!(
            "{}: deregistration delay {} s",
            clip(target_group),
            clip(seconds.trim())
        ),
        Edit::SetSlowStart {
            target_group,
            seconds,
        } => format!(
            "{}: slow start {}",
            clip(target_group),
            match seconds.trim() {
                "0" | "off" => "off".to_string(),
                t => format!("{} s", clip(t)),
            }
        ),
        Edit::SetClientKeepalive { alb, seconds } => format!(
            "{}: client keep-alive {} s",
            if alb.trim().is_empty() {
                "every ALB".to_string()
            } else {
                clip(alb)
            },
            clip(seconds.trim())
        ),
        Edit::SetDbPool { region, size } => format!(
            "{}: database pool of {} connections per pod",
            if region.trim().is_empty() {
                "every region".to_string()
            } else {
                clip(region)
            },
            clip(size.trim())
        ),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::SetClientTls {
            client,
            max_version,
            early_data,
        } => {
            let version = TlsVersion::parse(max_version).ok_or_else(|| {
                EditError::Parse(format!(
                    "'{}' is not a TLS version Hoplab's browsers speak: write 1.2 or 1.3",
                    clip(max_version.trim())
                ))
            })?;
            if *early_data && version != TlsVersion::V13 {
                return Err(EditError::Parse(
                    "0-RTT early data exists only in TLS 1.3 (fact sheet §16)".into(),
                ));
            }
            let c = s
                .clients
                .iter_mut()
                .find(|c| c.id == *client)
                .ok_or_else(|| unknown(VpcPart::Client, client))?;
            c.tls_max = version;
            c.early_data = *early_data;
            Ok(())
        }
        Edit::SetAlbIdleTimeout { alb, seconds } => {
            let v = ranged(
                seconds,
                "ALB idle timeout in seconds",
                range(&ALB_IDLE_TIMEOUT_RANGE_S),
                8,
            )?;
            alb_mut(s, alb)?.idle_timeout_s = v;
            Ok(())
        }
        Edit::SetListenerTlsPolicy { alb, policy } => {
            let p = TlsPolicy::parse(policy).ok_or_else(|| {
                let names: Vec<&str> = TlsPolicy::ALL.iter().map(|p| p.name()).collect();
                EditError::Parse(format!(
                    "'{}' is not a security policy Hoplab models: one of {}",
                    clip(policy.trim()),
                    names.join(", ")
                ))
            })?;
            alb_mut(s, alb)?.listener.tls_policy = p;
            Ok(())
        }
        Edit::SetAppKeepAlive { region, seconds } => {
            let v = ranged(
                seconds,
                "application keep-alive in seconds",
                range(&APP_KEEP_ALIVE_S),
                26,
            )?;
            let r = s
                .regions
                .iter_mut()
                .find(|r| r.id == *region)
                .ok_or_else(|| unknown(VpcPart::Region, region))?;
            r.cluster.app_keep_alive_s = v;
            Ok(())
        }
        Edit::SetOriginKeepAlive { seconds } => {
            s.cdn.origin_keep_alive_s = ranged(
                seconds,
                "origin keep-alive in seconds",
                range(&CF_ORIGIN_KEEP_ALIVE_S),
                26,
            )?;
            Ok(())
        }
        Edit::SetDeregistrationDelay {
            target_group,
            seconds,
        } => {
            let v = ranged(
                seconds,
                "deregistration delay in seconds",
                range(&DEREGISTRATION_DELAY_S),
                8,
            )?;
            super::alb::find_tg(s, target_group.trim())?.deregistration_delay_s = v;
            Ok(())
        }
        Edit::SetSlowStart {
            target_group,
            seconds,
        } => {
            let v = if matches!(seconds.trim().to_ascii_lowercase().as_str(), "0" | "off") {
                0
            } else {
                ranged(
                    seconds,
                    "slow start in seconds (0 or off turns it off)",
                    range(&SLOW_START_S),
                    8,
                )?
            };
            super::alb::find_tg(s, target_group.trim())?.slow_start_s = v;
            Ok(())
        }
        Edit::SetClientKeepalive { alb, seconds } => {
            let v = ranged(
                seconds,
                "client keep-alive in seconds",
                range(&ALB_CLIENT_KEEPALIVE_S),
                26,
            )?;
            if alb.trim().is_empty() {
                for r in &mut s.regions {
                    r.alb.client_keepalive_s = v;
                }
            } else {
                alb_mut(s, alb.trim())?.client_keepalive_s = v;
            }
            Ok(())
        }
        Edit::SetDbPool { region, size } => {
            let v = ranged(
                size,
                "database pool size (connections per pod)",
                range(&DB_POOL_SIZE),
                26,
            )?;
            let region = region.trim();
            let mut found = false;
            for r in s
                .regions
                .iter_mut()
                .filter(|r| region.is_empty() || r.id == region)
            {
                r.cluster.db_pool_size = v;
                found = true;
            }
            if !found {
                return Err(unknown(VpcPart::Region, region));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn alb_mut<'a>(
    s: &'a mut Scenario,
    id: &str,
) -> Result<&'a mut crate::sim::scenario::Alb, EditError> {
    s.regions
        .iter_mut()
        .map(|r| &mut r.alb)
        .find(|a| a.id == id)
        .ok_or_else(|| unknown(VpcPart::LoadBalancer, id))
}
