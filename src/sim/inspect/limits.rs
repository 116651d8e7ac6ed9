//! The request limits CloudFront and the ALB enforce, as inspector rows,
//! and each resource's Shield protection. Fact sheet §5, §7, §8.

use super::Row;
use crate::sim::limits::{
    ALB_MAX_HEADER, ALB_MAX_HEADER_SECTION, ALB_MAX_REQUEST_LINE, CF_MAX_REQUEST, CF_MAX_URL,
};

/// CloudFront's size limits on a viewer request. Fact sheet §5.
pub(super) fn cloudfront() -> Row {
    (
        "request limits".into(),
        format!("URL {CF_MAX_URL} bytes, request line and headers {CF_MAX_REQUEST} bytes; past either: 413"),
    )
}

/// The ALB's header limits. Fact sheet §8.
pub(super) fn alb() -> Row {
    (
        "request limits".into(),
        format!(
            "request line {ALB_MAX_REQUEST_LINE} bytes (414), single header {ALB_MAX_HEADER} bytes (400), whole request header {ALB_MAX_HEADER_SECTION} bytes (400)"
        ),
    )
}

/// A resource's Shield protection. Fact sheet §7.
pub(super) fn shield(p: &crate::sim::scenario::ShieldProtection) -> Row {
    ("Shield".into(), p.describe())
}
