//! A browser's IPv6: off, on (dual stack, Happy Eyeballs) or broken.
//! Fact sheet §23.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::eyeballs::ClientIpv6;
use crate::sim::scenario::Scenario;
use crate::sim::text::clip;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::SetClientIpv6 { client, mode } => {
            format!("{}: IPv6 {}", clip(client), clip(mode.trim()))
        }
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    let Edit::SetClientIpv6 { client, mode } = e else {
        return Ok(());
    };
    let mode = ClientIpv6::parse(mode).ok_or_else(|| {
        EditError::Parse(format!(
            "'{}' is not a browser IPv6 mode: write off (IPv4 only), on (dual stack) or broken (an IPv6 address that does not work)",
            clip(mode.trim())
        ))
    })?;
    let c = s
        .clients
        .iter_mut()
        .find(|c| c.id == *client)
        .ok_or_else(|| unknown(VpcPart::Client, client))?;
    c.ipv6 = mode;
    Ok(())
}
