//! Where Route 53 thinks a query comes from: the client's subnet when the
//! resolver sends EDNS Client Subnet, otherwise the resolver's own address
//! and place, or CloudFront's resolver at an edge. Fact sheet §3.

use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

use super::ECS_PREFIX;
use crate::sim::dns::CacheOwner;
use crate::sim::event::dns::routing::QueryPlace;
use crate::sim::scenario::*;
use crate::sim::world::World;

/// Where Route 53 thinks a query comes from: the client's subnet when the
/// resolver sends EDNS Client Subnet, otherwise the resolver. Fact sheet §3.
#[derive(Clone, Debug)]
pub struct QuerySource {
    pub net: Ipv4Net,
    pub geo: Option<Geo>,
    /// Where Route 53 places it, for the trace.
    pub how: QueryPlace,
    pub client: Option<Client>,
}

impl World {
    // ------------------------------------------------------------ sources

    /// Who Route 53 sees asking: `owner` is whose cache the lookup fills
    /// (a resolver's or an edge's), `client` the browser behind a
    /// recursive resolver.
    pub(crate) fn query_source(&self, owner: CacheOwner, client: Option<&Client>) -> QuerySource {
        let d = &self.scenario.dns;
        let site = |id: &str| d.resolver_sites.iter().find(|s| s.id == id);
        let known = |g: &Geo| !g.country.is_empty() || !g.continent.is_empty();
        if let Some(c) = client {
            let cgeo = known(&c.geo).then(|| c.geo.clone());
            if c.resolver.ecs {
                let net = Ipv4Net::new(c.ip, ECS_PREFIX)
                    .map(|n| n.trunc())
                    .unwrap_or_else(|_| Ipv4Net::from(c.ip));
                return QuerySource {
                    net,
                    geo: cgeo,
                    how: QueryPlace::ClientSubnet {
                        subnet: net,
                        city: c.city.clone(),
                    },
                    client: Some(c.clone()),
                };
            }
            let net = Ipv4Net::from(c.resolver.ip);
            let resolver = c.resolver.ip;
            let (geo, how) = match site(&c.resolver.id) {
                Some(s) => (
                    Some(s.geo.clone()),
                    QueryPlace::ResolverSite {
                        resolver,
                        country: s.geo.country.clone(),
                        subdivision: s.geo.subdivision.clone(),
                    },
                ),
                None => (
                    cgeo,
                    QueryPlace::ResolverNearClient {
                        resolver,
                        city: c.city.clone(),
                    },
                ),
            };
            return QuerySource {
                net,
                geo,
                how,
                client: Some(c.clone()),
            };
        }
        if let CacheOwner::Edge(pop_id) = owner {
            if let Some(pop) = self.scenario.pop(pop_id) {
                let geo = site(pop_id).map(|s| s.geo.clone()).or_else(|| {
                    self.scenario
                        .clients
                        .iter()
                        .find(|c| c.pop == pop_id && known(&c.geo))
                        .map(|c| c.geo.clone())
                });
                return QuerySource {
                    net: Ipv4Net::from(pop.ip),
                    geo,
                    how: QueryPlace::Edge {
                        city: pop.city.clone(),
                        ip: pop.ip,
                    },
                    client: None,
                };
            }
        }
        QuerySource {
            net: Ipv4Net::from(Ipv4Addr::UNSPECIFIED),
            geo: None,
            how: QueryPlace::Unknown,
            client: None,
        }
    }
}
