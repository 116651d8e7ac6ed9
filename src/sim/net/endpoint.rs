//! VPC endpoints: gateway endpoints (S3), whose route AWS adds to each
//! chosen route table with the service's prefix list as destination, and
//! interface endpoints (PrivateLink), one ENI per chosen subnet guarded by
//! security groups. Fact sheet §22.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// A gateway endpoint: S3 in the VPC's Region, used by the subnets of the
/// route tables it is associated with. Fact sheet §22.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayEndpoint {
    pub id: String,
    /// The service: `s3` (the only one modelled).
    pub service: String,
    /// The route tables that hold its prefix-list route.
    pub route_tables: Vec<String>,
}

/// An interface endpoint: one ENI (host `host` of each chosen subnet, one
/// subnet per Availability Zone), its security groups (none = the VPC's
/// default group), and private DNS, which makes the service's public name
/// resolve to the ENIs inside the VPC. TCP only. Fact sheet §22.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceEndpoint {
    pub id: String,
    /// The service's name, e.g. `com.amazonaws.us-east-1.sqs`.
    pub service: String,
    pub subnets: Vec<String>,
    /// The ENI's host index in each of its subnets.
    pub host: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    pub private_dns: bool,
}

impl InterfaceEndpoint {
    /// The service's public DNS name (`sqs.us-east-1.amazonaws.com` for
    /// `com.amazonaws.us-east-1.sqs`), the name private DNS takes over.
    pub fn public_name(&self) -> String {
        let mut parts: Vec<&str> = self.service.split('.').collect();
        if parts.len() >= 4 && parts[0] == "com" && parts[1] == "amazonaws" {
            let region = parts[2];
            let rest = parts.split_off(3).join(".");
            return format!("{rest}.{region}.amazonaws.com");
        }
        self.service.clone()
    }
}

/// Whether a name is an AWS service's regional public name
/// (`sqs.us-east-1.amazonaws.com`): a service, a Region, `amazonaws.com`.
pub fn is_service_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 4
        && name.ends_with(".amazonaws.com")
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The public address a service's name resolves to outside a VPC whose
/// endpoint takes it over: one address in Amazon's 52.94.0.0/16 per name
/// (AWS answers with several; one keeps the model deterministic).
pub fn service_public_address(name: &str) -> std::net::Ipv4Addr {
    let h = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    std::net::Ipv4Addr::new(52, 94, (h >> 8) as u8, (h % 250 + 2) as u8)
}

/// An AWS-managed prefix list: a named set of a service's public ranges
/// in one Region. Fact sheet §22.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixList {
    pub id: &'static str,
    pub service: &'static str,
    pub region: &'static str,
    pub cidrs: &'static [&'static str],
}

impl PrefixList {
    /// Its ranges as typed CIDRs.
    pub fn nets(&self) -> Vec<Ipv4Net> {
        self.cidrs.iter().filter_map(|c| c.parse().ok()).collect()
    }
    /// Whether the list holds an address.
    pub fn holds(&self, ip: std::net::Ipv4Addr) -> bool {
        self.nets().iter().any(|n| super::cidr_has(n, ip))
    }
}

/// S3's prefix lists in the modelled Regions (a sample of S3's published
/// ranges in each; the ids are AWS's). Fact sheet §22.
pub const S3_PREFIX_LISTS: &[PrefixList] = &[
    PrefixList {
        id: "pl-63a5400a",
        service: "s3",
        region: "us-east-1",
        cidrs: &["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"],
    },
    PrefixList {
        id: "pl-68a54001",
        service: "s3",
        region: "us-west-2",
        cidrs: &["52.218.128.0/17", "52.92.128.0/17", "3.5.76.0/22"],
    },
    PrefixList {
        id: "pl-6da54004",
        service: "s3",
        region: "eu-west-1",
        cidrs: &["52.218.0.0/17", "52.92.0.0/17", "3.5.64.0/21"],
    },
];

/// The S3 prefix list of a Region, if the model knows it.
pub fn s3_prefix_list(region: &str) -> Option<&'static PrefixList> {
    S3_PREFIX_LISTS.iter().find(|p| p.region == region)
}

/// The services a gateway endpoint can be made for (S3 and DynamoDB in
/// AWS; S3 only in the model). Fact sheet §22.
pub const GATEWAY_SERVICES: &[&str] = &["s3"];
