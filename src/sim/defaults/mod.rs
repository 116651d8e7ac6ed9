//! The default scenario: `healthcareapp.com` on two regions, as described in
//! DESIGN.md. Cluster A (us-east-1) is the failover primary, Cluster B
//! (us-west-2) the secondary.

use super::net::EphemeralRange;
use super::scenario::*;

mod edge;
mod region;

use region::RegionSpec;

fn net(s: &str) -> ipnet::Ipv4Net {
    s.parse().expect("default scenario CIDR")
}

pub fn default_scenario() -> Scenario {
    Scenario {
        name: "healthcareapp.com (default)".into(),
        domain: "healthcareapp.com".into(),
        clients: clients(),
        dns: super::dnsconf::default_dns(),
        cdn: edge::distribution(),
        waf: edge::web_acl(),
        external_api: Some(ExternalApi {
            id: "sms-api".into(),
            name: "SMS API".into(),
            host: "api.sms-provider.example".into(),
            ip: [192, 0, 2, 200].into(),
            port: 443,
            rtt_ms: 20,
        }),
        regions: vec![
            RegionSpec {
                id: "us-east-1",
                label: "Cluster A",
                letter: "a",
                second_octet: 0,
                azs: ["us-east-1a", "us-east-1b"],
                pods_per_az: 2,
                public_prefix: [3, 210],
            }
            .region(),
            RegionSpec {
                id: "us-west-2",
                label: "Cluster B",
                letter: "b",
                second_octet: 1,
                azs: ["us-west-2a", "us-west-2b"],
                pods_per_az: 1,
                public_prefix: [52, 12],
            }
            .region(),
        ],
        peerings: Vec::new(),
    }
}

/// What differs between the default browsers.
struct ClientSpec<'a> {
    id: &'a str,
    label: &'a str,
    city: &'a str,
    ip: [u8; 4],
    os: EphemeralRange,
    /// The CloudFront edge location its DNS answers point at.
    pop: &'a str,
    rtt_pop_ms: u32,
    rtt_resolver_ms: u32,
    /// Country, continent, subdivision, latitude, longitude.
    geo: (&'a str, &'a str, Option<&'a str>, f64, f64),
}

impl ClientSpec<'_> {
    /// A browser that keeps answers 60 s and asks an anycast 8.8.8.8 that
    /// sends EDNS Client Subnet.
    fn client(&self) -> Client {
        let geo = self.geo;
        Client {
            id: self.id.into(),
            label: self.label.into(),
            city: self.city.into(),
            ip: self.ip.into(),
            os: self.os,
            browser_cache_s: 60,
            resolver: Resolver {
                id: format!("resolver-{}", self.id.trim_start_matches("client-")),
                ip: [8, 8, 8, 8].into(),
                rtt_ms: self.rtt_resolver_ms,
                ecs: true,
            },
            pop: self.pop.into(),
            rtt_pop_ms: self.rtt_pop_ms,
            geo: Geo {
                country: geo.0.into(),
                continent: geo.1.into(),
                subdivision: geo.2.map(|s| s.to_string()),
                lat: geo.3,
                lon: geo.4,
            },
            tls_max: Default::default(),
            early_data: false,
            ipv6: Default::default(),
        }
    }
}

/// Browsers in New York, Paris and Tokyo.
fn clients() -> Vec<Client> {
    [
        ClientSpec {
            id: "client-na",
            label: "Browser in New York",
            city: "New York",
            ip: [203, 0, 113, 10],
            os: EphemeralRange::Windows,
            pop: "pop-jfk",
            rtt_pop_ms: 8,
            rtt_resolver_ms: 12,
            geo: ("US", "NA", Some("NY"), 40.71, -74.01),
        },
        ClientSpec {
            id: "client-eu",
            label: "Browser in Paris",
            city: "Paris",
            ip: [198, 51, 100, 20],
            os: EphemeralRange::Linux,
            pop: "pop-cdg",
            rtt_pop_ms: 10,
            rtt_resolver_ms: 14,
            geo: ("FR", "EU", None, 48.86, 2.35),
        },
        ClientSpec {
            id: "client-ap",
            label: "Browser in Tokyo",
            city: "Tokyo",
            ip: [192, 0, 2, 30],
            os: EphemeralRange::Windows,
            pop: "pop-nrt",
            rtt_pop_ms: 9,
            rtt_resolver_ms: 11,
            geo: ("JP", "AS", None, 35.68, 139.69),
        },
    ]
    .iter()
    .map(ClientSpec::client)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_valid() {
        default_scenario().validate().unwrap();
    }
}
