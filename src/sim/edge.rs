//! The edge under its old path: CloudFront lives in [`crate::sim::cdn`]
//! (viewer, cache, origins) and AWS WAF in [`crate::sim::waf`]. Fact sheet §5-§7.

pub use super::cdn::{
    cf_ttl, CdnKey, CdnState, ALWAYS_CACHED_ERRORS, CACHED_WITH_MAX_AGE, FAILOVER_CODES,
};
pub use super::waf::WafState;
