//! VPC parts: the internet gateway. (Subnets, network ACLs and security
//! groups are edited through [`super::Attachments`].)

use super::Row;
use crate::sim::scenario::Region;

/// The internet gateway: the VPC it serves.
pub(super) fn internet_gateway(r: &Region) -> Vec<Row> {
    vec![("VPC".into(), format!("{} {}", r.vpc.id, r.vpc.cidr))]
}
