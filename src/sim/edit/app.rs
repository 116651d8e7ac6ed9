//! The application's own settings as edits: `set_app_delay`, the extra
//! time the application behind a Service works on a request before it
//! answers (fact sheet §16: "+ server time"). It shows in the trace's
//! timeline as application time (`sim::timeline`); a delay past the ALB's
//! idle timeout or CloudFront's response timeout ends as that timeout
//! (§8, §26).

use super::waf::ranged;
use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::limits::APP_DELAY_MS;
use crate::sim::scenario::{AppDelay, Scenario};
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetAppDelay { service, ms } => format!(
            "{}: application delay {} ms",
            clip(service),
            clip(ms.trim())
        ),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::SetAppDelay { service, ms } => {
            let range = (*APP_DELAY_MS.start() as u64, *APP_DELAY_MS.end() as u64);
            let ms = ranged(ms, "application delay in milliseconds", range, 16)?;
            let cluster = s
                .regions
                .iter_mut()
                .map(|r| &mut r.cluster)
                .find(|c| c.services.iter().any(|v| v.id == *service))
                .ok_or_else(|| unknown(VpcPart::Service, service))?;
            cluster.app_delays.retain(|d| d.service != *service);
            // No delay is no entry: the scenario file stays as it was.
            if ms > 0 {
                cluster.app_delays.push(AppDelay {
                    service: service.clone(),
                    ms,
                });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
