//! IPv6 addresses of dual-stack endpoints: a CloudFront edge with IPv6 on
//! and a load balancer whose IP address type is `dualstack`. Fact sheet §23.
//!
//! AWS assigns these from its own ranges (CloudFront 2600:9000::/28, a
//! Region's VPCs 2600:1f00::/24); the model derives each from the
//! endpoint's IPv4 address (its last 32 bits), so a scenario stays
//! deterministic and needs no second address list.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::sim::scenario::{IpAddressType, Pop, Region};
use crate::sim::world::World;

fn embed(prefix: [u16; 2], v4: Ipv4Addr) -> Ipv6Addr {
    let o = v4.octets();
    Ipv6Addr::new(
        prefix[0],
        prefix[1],
        0,
        0,
        0,
        0,
        u16::from_be_bytes([o[0], o[1]]),
        u16::from_be_bytes([o[2], o[3]]),
    )
}

/// A CloudFront edge's IPv6 address (from CloudFront's 2600:9000::/28).
pub fn edge_ipv6(pop: &Pop) -> Ipv6Addr {
    embed([0x2600, 0x9000], pop.ip)
}

/// A load balancer node's IPv6 address (from its Region's 2600:1f18::/32).
pub fn alb_node_ipv6(v4: Ipv4Addr) -> Ipv6Addr {
    embed([0x2600, 0x1f18], v4)
}

impl World {
    /// A region's ALB's IPv6 addresses: its live nodes' when the load
    /// balancer is dual-stack, none when it is IPv4 only. Fact sheet §23.
    pub(crate) fn alb_ipv6_addresses(&self, r: &Region) -> Vec<Ipv6Addr> {
        match r.alb.ip_address_type {
            IpAddressType::Ipv4 => vec![],
            IpAddressType::Dualstack => self
                .alb_addresses(r)
                .into_iter()
                .map(alb_node_ipv6)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_carries_the_ipv4_address_in_its_last_32_bits() {
        let a = alb_node_ipv6(Ipv4Addr::new(3, 210, 1, 10));
        assert_eq!(a.to_string(), "2600:1f18::3d2:10a");
    }
}
