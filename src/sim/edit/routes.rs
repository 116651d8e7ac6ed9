//! Route table edits: create and delete tables, add and delete routes, and
//! move a subnet to another route table of its VPC. Fact sheet §10: a new
//! table has the `local` route only, a table a subnet uses stays, one
//! route per destination, the longest prefix wins, the `local` route
//! stays, and a route leads to a gateway of its own VPC.

use super::{unknown, Edit, EditError, VpcPart};
use crate::sim::net::{cidr_has, Route, RouteTable, RouteTarget, Vpc};
use crate::sim::scenario::Scenario;
use crate::sim::text::clip;
use ipnet::IpNet;

pub(super) fn describe(e: &Edit) -> String {
    match e {
        Edit::AddRoute {
            route_table,
            destination,
            target,
        } => format!(
            "{route_table}: add route {} -> {}",
            clip(destination.trim()),
            clip(target.trim())
        ),
        Edit::RemoveRoute {
            route_table,
            destination,
        } => format!("{route_table}: delete route {}", clip(destination.trim())),
        Edit::AssociateRouteTable {
            subnet,
            route_table,
        } => format!("{subnet}: use route table {route_table}"),
        Edit::CreateRouteTable { id, vpc } => {
            format!("{vpc}: create route table {}", clip(id.trim()))
        }
        Edit::DeleteRouteTable { id } => format!("delete route table {}", clip(id.trim())),
        _ => String::new(),
    }
}

pub(super) fn apply(e: &Edit, s: &mut Scenario) -> Result<(), EditError> {
    match e {
        Edit::AddRoute {
            route_table,
            destination,
            target,
        } => add_route(s, route_table, destination, target),
        Edit::RemoveRoute {
            route_table,
            destination,
        } => remove_route(s, route_table, destination),
        Edit::AssociateRouteTable {
            subnet,
            route_table,
        } => associate(s, subnet, route_table),
        Edit::CreateRouteTable { id, vpc } => create_table(s, id, vpc),
        Edit::DeleteRouteTable { id } => delete_table(s, id),
        _ => Ok(()),
    }
}

/// A new id typed by the learner: not empty, no spaces.
pub(super) fn new_id(text: &str, what: &str) -> Result<String, EditError> {
    let t = text.trim();
    if t.is_empty() || t.contains(char::is_whitespace) {
        return Err(EditError::Parse(format!(
            "'{}' is not a {what} id: write one word, e.g. {}",
            clip(t),
            if what == "route table" {
                "rtb-test-a"
            } else if what == "network ACL" {
                "acl-test-a"
            } else {
                "tg-test-a"
            }
        )));
    }
    Ok(t.to_string())
}

/// A new table with the VPC's `local` route only, as AWS creates it
/// (fact sheet §10). Its quota (200 per VPC) is checked with the scenario.
fn create_table(s: &mut Scenario, id: &str, vpc: &str) -> Result<(), EditError> {
    let id = new_id(id, "route table")?;
    if s.regions.iter().any(|r| r.vpc.route_table(&id).is_some()) {
        return Err(EditError::Exists {
            part: VpcPart::RouteTable,
            id,
        });
    }
    let v = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.id == vpc.trim())
        .ok_or_else(|| unknown(VpcPart::Vpc, vpc.trim()))?;
    // One local route per VPC block (§10).
    let routes = v
        .blocks()
        .map(|b| Route {
            destination: (*b).into(),
            target: RouteTarget::Local,
        })
        .collect();
    v.route_tables.push(RouteTable {
        id,
        name: String::new(),
        routes,
    });
    Ok(())
}

/// Delete a table no subnet is associated with (fact sheet §10: every
/// subnet is associated with exactly one table, explicitly or implicitly
/// with the main one); the main table stays. A gateway endpoint's
/// association with it goes too (§22).
fn delete_table(s: &mut Scenario, id: &str) -> Result<(), EditError> {
    let id = id.trim();
    let vpc = vpc_of_table(s, id)?;
    if vpc.main_table_id() == Some(id) {
        return Err(EditError::DefaultKept {
            part: VpcPart::RouteTable,
            why: "(the main route table) cannot be deleted: make another table main first (fact sheet §10)",
        });
    }
    let subnets: Vec<String> = vpc
        .subnets
        .iter()
        .filter(|x| vpc.route_table_id_of(x) == Some(id))
        .map(|x| x.id.clone())
        .collect();
    if !subnets.is_empty() {
        return Err(EditError::RouteTableInUse {
            route_table: id.to_string(),
            subnets,
        });
    }
    vpc.route_tables.retain(|t| t.id != id);
    for e in &mut vpc.gateway_endpoints {
        e.route_tables.retain(|t| t != id);
    }
    Ok(())
}

/// The VPC that holds a route table.
fn vpc_of_table<'a>(s: &'a mut Scenario, table: &str) -> Result<&'a mut Vpc, EditError> {
    s.regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.route_tables.iter().any(|t| t.id == table))
        .ok_or_else(|| unknown(VpcPart::RouteTable, table))
}

/// A typed route target: an internet gateway, a NAT gateway, an
/// egress-only internet gateway or an instance of the table's VPC, or a
/// peering connection that joins it (`local` is AWS's own route, one per
/// VPC block).
fn parse_target(s: &Scenario, table: &str, target: &str) -> Result<RouteTarget, EditError> {
    let t = target.trim();
    if t.eq_ignore_ascii_case("local") {
        return Err(EditError::Parse(
            "target local is AWS's own route for the VPC's CIDR, which every table already has; a route you add leads to an internet gateway (igw-…), a NAT gateway (nat-…), an egress-only internet gateway (eigw-…) or a peering connection (pcx-…) (fact sheet §10)".into(),
        ));
    }
    if t.is_empty() {
        return Err(EditError::Parse(
            "the target is empty: write an internet gateway (igw-…) or a NAT gateway (nat-…)"
                .into(),
        ));
    }
    if t.starts_with("vpce-") {
        return Err(EditError::Invalid(format!(
            "{}: a gateway endpoint's route is AWS's own, added with the endpoint for its prefix list; it cannot be added by hand (fact sheet §22)",
            clip(t)
        )));
    }
    if t.starts_with("pcx-") {
        let Some(p) = s.peering(t) else {
            return Err(unknown(VpcPart::Peering, t));
        };
        let mine = s
            .regions
            .iter()
            .find(|r| r.vpc.route_tables.iter().any(|x| x.id == table))
            .map(|r| r.vpc.id.clone())
            .unwrap_or_default();
        if !p.joins(&mine) {
            return Err(EditError::NotInVpc {
                part: VpcPart::Peering,
                id: t.to_string(),
                vpc: mine,
            });
        }
        return Ok(RouteTarget::Peering(t.to_string()));
    }
    let owner = s.regions.iter().find_map(|r| {
        let v = &r.vpc;
        if v.igw == t {
            Some((RouteTarget::Igw(t.to_string()), v.id.clone()))
        } else if v.nat_gateways.iter().any(|n| n.id == t) {
            Some((RouteTarget::Nat(t.to_string()), v.id.clone()))
        } else if v.instance(t).is_some() {
            Some((RouteTarget::Instance(t.to_string()), v.id.clone()))
        } else if v.egress_only_igw.as_deref() == Some(t) {
            Some((RouteTarget::Eigw(t.to_string()), v.id.clone()))
        } else {
            None
        }
    });
    let Some((target, vpc)) = owner else {
        return Err(unknown(VpcPart::Gateway, t));
    };
    let mine = s
        .regions
        .iter()
        .find(|r| r.vpc.route_tables.iter().any(|x| x.id == table))
        .map(|r| r.vpc.id.clone())
        .unwrap_or_default();
    if vpc != mine {
        return Err(EditError::NotInVpc {
            part: VpcPart::Gateway,
            id: t.to_string(),
            vpc: mine,
        });
    }
    Ok(target)
}

fn add_route(
    s: &mut Scenario,
    table: &str,
    destination: &str,
    target: &str,
) -> Result<(), EditError> {
    vpc_of_table(s, table)?;
    let dst = crate::sim::net::parse_rule_cidr(destination).map_err(EditError::Parse)?;
    let target = parse_target(s, table, target)?;
    let vpc = vpc_of_table(s, table)?;
    match dst {
        IpNet::V4(dst) => {
            if matches!(target, RouteTarget::Eigw(_)) {
                return Err(EditError::Invalid(format!(
                    "{table}: an egress-only internet gateway carries IPv6 only: route ::/0 (or another IPv6 block) to it; for outbound-only IPv4 use a NAT gateway (fact sheet §23)"
                )));
            }
            // §10: a route more specific than local must match a subnet
            // exactly and lead to a NAT gateway (or an ENI / GWLB
            // endpoint, not modelled).
            let block = vpc
                .blocks()
                .find(|b| cidr_has(b, dst.network()) && dst.prefix_len() > b.prefix_len())
                .copied();
            if let Some(block) = block {
                let subnet = vpc.subnets.iter().any(|x| x.cidr == dst);
                if !subnet || !matches!(target, RouteTarget::Nat(_) | RouteTarget::Instance(_)) {
                    return Err(EditError::Invalid(format!(
                        "{table}: route {dst} is inside the VPC's {block}: a route more specific than local must match a subnet's CIDR exactly and lead to a NAT gateway or an instance's interface (fact sheet §10)"
                    )));
                }
            }
        }
        IpNet::V6(dst) => {
            if let RouteTarget::Nat(n) = &target {
                return Err(EditError::Invalid(format!(
                    "{table}: {n} is a NAT gateway, which translates IPv4 only: there is no NAT for IPv6; route IPv6 to an egress-only internet gateway (eigw-…) for outbound-only traffic (fact sheet §23)"
                )));
            }
            if let Some(block) = vpc.ipv6_cidr.filter(|b| b.contains(&dst)) {
                return Err(EditError::Invalid(format!(
                    "{table}: route {dst} is inside the VPC's IPv6 block {block}, which its local route covers (fact sheet §10, §23)"
                )));
            }
        }
    }
    let rt = vpc
        .route_tables
        .iter_mut()
        .find(|t| t.id == table)
        .ok_or_else(|| unknown(VpcPart::RouteTable, table))?;
    if rt.routes.iter().any(|r| r.destination == dst) {
        return Err(EditError::RouteExists {
            route_table: table.to_string(),
            destination: dst.to_string(),
        });
    }
    rt.routes.push(Route {
        destination: dst,
        target,
    });
    Ok(())
}

fn remove_route(s: &mut Scenario, table: &str, destination: &str) -> Result<(), EditError> {
    let vpc = vpc_of_table(s, table)?;
    let dst = crate::sim::net::parse_rule_cidr(destination).map_err(EditError::Parse)?;
    let rt = vpc
        .route_tables
        .iter_mut()
        .find(|t| t.id == table)
        .ok_or_else(|| unknown(VpcPart::RouteTable, table))?;
    let Some(i) = rt.routes.iter().position(|r| r.destination == dst) else {
        return Err(EditError::NoRoute {
            route_table: table.to_string(),
            destination: dst.to_string(),
        });
    };
    if rt.routes[i].target == RouteTarget::Local {
        return Err(EditError::LocalRoute {
            route_table: table.to_string(),
            destination: dst.to_string(),
        });
    }
    if let RouteTarget::Endpoint(e) = &rt.routes[i].target {
        return Err(EditError::Invalid(format!(
            "{table}: route {dst} -> {e} is the gateway endpoint's prefix-list route: it goes only with the endpoint (delete_endpoint; fact sheet §22)"
        )));
    }
    rt.routes.remove(i);
    Ok(())
}

fn associate(s: &mut Scenario, subnet: &str, table: &str) -> Result<(), EditError> {
    let vpc = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.subnets.iter().any(|x| x.id == subnet))
        .ok_or_else(|| unknown(VpcPart::Subnet, subnet))?;
    if vpc.route_table(table).is_none() {
        let vpc_id = vpc.id.clone();
        return Err(
            if s.regions.iter().any(|r| r.vpc.route_table(table).is_some()) {
                EditError::NotInVpc {
                    part: VpcPart::RouteTable,
                    id: table.to_string(),
                    vpc: vpc_id,
                }
            } else {
                unknown(VpcPart::RouteTable, table)
            },
        );
    }
    if let Some(x) = vpc.subnets.iter_mut().find(|x| x.id == subnet) {
        x.route_table = Some(table.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::check::CheckKind;
    use crate::sim::event::net::{EgressDrop, NetEvent};
    use crate::sim::request::{DEFAULT_CLIENT, DEFAULT_URL};
    use crate::sim::trace::{Event, Verdict};
    use crate::sim::{Code, Request, World};

    fn add(table: &str, dst: &str, target: &str) -> Edit {
        Edit::AddRoute {
            route_table: table.into(),
            destination: dst.into(),
            target: target.into(),
        }
    }

    fn remove(table: &str, dst: &str) -> Edit {
        Edit::RemoveRoute {
            route_table: table.into(),
            destination: dst.into(),
        }
    }

    fn routes(w: &World, table: &str) -> Vec<(String, RouteTarget)> {
        w.scenario()
            .regions
            .iter()
            .find_map(|r| r.vpc.route_table(table))
            .unwrap()
            .routes
            .iter()
            .map(|r| (r.destination.to_string(), r.target.clone()))
            .collect()
    }

    fn post(w: &mut World) -> crate::sim::Trace {
        w.send(&Request {
            method: "POST".into(),
            ..Request::get(DEFAULT_CLIENT, DEFAULT_URL)
        })
    }

    #[test]
    fn a_route_is_added_and_removed_and_a_subnet_moves_to_another_table() {
        let mut w = World::default_world();
        w.apply_edit(&add("rtb-data-a", "0.0.0.0/0", "nat-a1"))
            .unwrap();
        assert_eq!(
            routes(&w, "rtb-data-a"),
            vec![
                ("10.0.0.0/16".into(), RouteTarget::Local),
                ("0.0.0.0/0".into(), RouteTarget::Nat("nat-a1".into()))
            ]
        );
        // Host bits set: the destination is stored as AWS stores it (§10).
        w.apply_edit(&add("rtb-data-a", "198.51.100.7/24", "igw-a"))
            .unwrap();
        assert_eq!(
            routes(&w, "rtb-data-a")[2],
            ("198.51.100.0/24".into(), RouteTarget::Igw("igw-a".into()))
        );
        w.apply_edit(&remove("rtb-data-a", "198.51.100.0/24"))
            .unwrap();
        assert_eq!(routes(&w, "rtb-data-a").len(), 2);
        w.apply_edit(&Edit::AssociateRouteTable {
            subnet: "subnet-app-a1".into(),
            route_table: "rtb-app-a2".into(),
        })
        .unwrap();
        let r = &w.scenario().regions[0];
        assert_eq!(
            r.vpc
                .subnet("subnet-app-a1")
                .unwrap()
                .route_table
                .as_deref(),
            Some("rtb-app-a2")
        );
    }

    #[test]
    fn bad_route_edits_are_refused_whole_with_the_reason_as_data() {
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (
                add("rtb-app-a1", "0.0.0.0/0", "nat-a2"),
                EditError::RouteExists {
                    route_table: "rtb-app-a1".into(),
                    destination: "0.0.0.0/0".into(),
                },
            ),
            (
                add("rtb-nope", "0.0.0.0/0", "nat-a1"),
                EditError::Unknown {
                    part: VpcPart::RouteTable,
                    id: "rtb-nope".into(),
                },
            ),
            (
                add("rtb-data-a", "0.0.0.0/0", "nat-zz"),
                EditError::Unknown {
                    part: VpcPart::Gateway,
                    id: "nat-zz".into(),
                },
            ),
            // §10: a route leads to a gateway of its own VPC.
            (
                add("rtb-data-a", "0.0.0.0/0", "nat-b1"),
                EditError::NotInVpc {
                    part: VpcPart::Gateway,
                    id: "nat-b1".into(),
                    vpc: "vpc-a".into(),
                },
            ),
            (
                add("rtb-data-a", "0.0.0.0/0", "igw-b"),
                EditError::NotInVpc {
                    part: VpcPart::Gateway,
                    id: "igw-b".into(),
                    vpc: "vpc-a".into(),
                },
            ),
            // §10: the local route can be replaced, never deleted.
            (
                remove("rtb-public-a", "10.0.0.0/16"),
                EditError::LocalRoute {
                    route_table: "rtb-public-a".into(),
                    destination: "10.0.0.0/16".into(),
                },
            ),
            (
                remove("rtb-data-a", "0.0.0.0/0"),
                EditError::NoRoute {
                    route_table: "rtb-data-a".into(),
                    destination: "0.0.0.0/0".into(),
                },
            ),
            (
                Edit::AssociateRouteTable {
                    subnet: "subnet-app-a1".into(),
                    route_table: "rtb-app-b1".into(),
                },
                EditError::NotInVpc {
                    part: VpcPart::RouteTable,
                    id: "rtb-app-b1".into(),
                    vpc: "vpc-a".into(),
                },
            ),
            (
                Edit::AssociateRouteTable {
                    subnet: "subnet-zz".into(),
                    route_table: "rtb-app-a1".into(),
                },
                EditError::Unknown {
                    part: VpcPart::Subnet,
                    id: "subnet-zz".into(),
                },
            ),
        ];
        for (edit, want) in cases {
            assert_eq!(w.apply_edit(&edit), Err(want), "{edit:?}");
            assert_eq!(w, before, "a refused edit must leave the world unchanged");
        }
        for (edit, kind) in [
            (add("rtb-data-a", "banana", "nat-a1"), "parse"),
            (add("rtb-data-a", "0.0.0.0/0", "local"), "parse"),
            (add("rtb-data-a", "0.0.0.0/0", " "), "parse"),
            // §10: more specific than local only for a subnet's exact CIDR, to a NAT gateway.
            (add("rtb-public-a", "10.0.10.0/25", "nat-a1"), "invalid"),
            (add("rtb-public-a", "10.0.10.0/24", "igw-a"), "invalid"),
            (remove("rtb-data-a", "10.0.0.0/33"), "parse"),
        ] {
            let err = w.apply_edit(&edit).unwrap_err();
            let got = match err {
                EditError::Parse(_) => "parse",
                EditError::Invalid(_) => "invalid",
                _ => "other",
            };
            assert_eq!(got, kind, "{edit:?}: {err}");
            assert_eq!(w, before);
        }
        // A subnet's exact CIDR through a NAT gateway is allowed (§10).
        w.apply_edit(&add("rtb-public-a", "10.0.10.0/24", "nat-a1"))
            .unwrap();
    }

    #[test]
    fn the_refusals_name_the_table_and_the_fact_sheet() {
        let mut w = World::default_world();
        assert_eq!(
            w.apply_edit(&remove("rtb-public-a", "10.0.0.0/16"))
                .unwrap_err()
                .to_string(),
            "rtb-public-a: the local route 10.0.0.0/16 cannot be deleted: every route table keeps a local route for each VPC CIDR (fact sheet §10)"
        );
        assert_eq!(
            w.apply_edit(&add("rtb-data-a", "0.0.0.0/0", "nat-b1"))
                .unwrap_err()
                .to_string(),
            "internet or NAT gateway nat-b1 is not in vpc-a: a subnet uses a route table of its own VPC, and a route leads to a gateway of its table's VPC (fact sheet §10)"
        );
    }

    #[test]
    fn without_the_default_routes_of_the_app_subnets_a_booking_cannot_reach_the_nat_gateway() {
        // §10: a private subnet reaches the internet only through its NAT route.
        let mut w = World::default_world();
        let t = post(&mut w);
        assert_eq!(t.outcome.status, Some(201), "{}", t.render_text());
        for table in ["rtb-app-a1", "rtb-app-a2"] {
            w.apply_edit(&remove(table, "0.0.0.0/0")).unwrap();
        }
        let t = post(&mut w);
        assert_eq!(t.outcome.status, Some(500), "{}", t.render_text());
        let drop = t
            .hops
            .iter()
            .find(|h| h.verdict == Verdict::Dropped)
            .expect("a dropped hop");
        assert_eq!(drop.code, Code::NoRouteToDestination);
        let Event::Net(NetEvent::EgressDropped {
            reason: EgressDrop::NoRoute { route_table, .. },
            ..
        }) = &drop.event
        else {
            panic!("{:?}", drop.event)
        };
        assert!(route_table.starts_with("rtb-app-a"), "{route_table}");
        let c = drop.deciding_check().unwrap();
        assert_eq!(c.kind, CheckKind::RouteTable);
        // Putting the route back gives the booking its way out again.
        for (table, nat) in [("rtb-app-a1", "nat-a1"), ("rtb-app-a2", "nat-a2")] {
            w.apply_edit(&add(table, "0.0.0.0/0", nat)).unwrap();
        }
        assert_eq!(post(&mut w).outcome.status, Some(201));
    }

    #[test]
    fn an_app_subnet_moved_to_the_data_table_loses_its_way_out() {
        // §10: the data table has only the local route.
        let mut w = World::default_world();
        for subnet in ["subnet-app-a1", "subnet-app-a2"] {
            w.apply_edit(&Edit::AssociateRouteTable {
                subnet: subnet.into(),
                route_table: "rtb-data-a".into(),
            })
            .unwrap();
        }
        let t = post(&mut w);
        assert!(
            t.hops.iter().any(|h| matches!(
                &h.event,
                Event::Net(NetEvent::EgressDropped {
                    reason: EgressDrop::NoRoute { route_table, .. },
                    ..
                }) if route_table == "rtb-data-a"
            )),
            "{}",
            t.render_text()
        );
    }

    fn create(id: &str, vpc: &str) -> Edit {
        Edit::CreateRouteTable {
            id: id.into(),
            vpc: vpc.into(),
        }
    }

    fn delete(id: &str) -> Edit {
        Edit::DeleteRouteTable { id: id.into() }
    }

    #[test]
    fn a_new_route_table_starts_with_the_local_route_only_and_is_deleted_once_no_subnet_uses_it() {
        // Fact sheet §10: a new table has a local route per VPC CIDR, nothing else.
        let mut w = World::default_world();
        w.apply_edit(&create("rtb-test-a", "vpc-a")).unwrap();
        assert_eq!(
            routes(&w, "rtb-test-a"),
            vec![("10.0.0.0/16".into(), RouteTarget::Local)]
        );
        // App subnets moved to it lose their NAT route: a booking's SMS call
        // is dropped at the new table.
        for subnet in ["subnet-app-a1", "subnet-app-a2"] {
            w.apply_edit(&Edit::AssociateRouteTable {
                subnet: subnet.into(),
                route_table: "rtb-test-a".into(),
            })
            .unwrap();
        }
        let t = post(&mut w);
        assert!(
            t.hops.iter().any(|h| matches!(
                &h.event,
                Event::Net(NetEvent::EgressDropped {
                    reason: EgressDrop::NoRoute { route_table, .. },
                    ..
                }) if route_table == "rtb-test-a"
            )),
            "{}",
            t.render_text()
        );
        // §10: every subnet is associated with exactly one table, so a
        // table in use stays, naming its subnets.
        let before = w.clone();
        assert_eq!(
            w.apply_edit(&delete("rtb-test-a")),
            Err(EditError::RouteTableInUse {
                route_table: "rtb-test-a".into(),
                subnets: vec!["subnet-app-a1".into(), "subnet-app-a2".into()],
            })
        );
        assert_eq!(w, before);
        for (subnet, table) in [
            ("subnet-app-a1", "rtb-app-a1"),
            ("subnet-app-a2", "rtb-app-a2"),
        ] {
            w.apply_edit(&Edit::AssociateRouteTable {
                subnet: subnet.into(),
                route_table: table.into(),
            })
            .unwrap();
        }
        w.apply_edit(&delete("rtb-test-a")).unwrap();
        assert!(w.scenario().regions[0]
            .vpc
            .route_table("rtb-test-a")
            .is_none());
        assert_eq!(post(&mut w).outcome.status, Some(201));
    }

    #[test]
    fn route_table_creations_and_deletions_aws_refuses_change_nothing() {
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (
                create("rtb-app-a1", "vpc-a"),
                EditError::Exists {
                    part: VpcPart::RouteTable,
                    id: "rtb-app-a1".into(),
                },
            ),
            // Ids are unique across the scenario, not per VPC.
            (
                create("rtb-app-b1", "vpc-a"),
                EditError::Exists {
                    part: VpcPart::RouteTable,
                    id: "rtb-app-b1".into(),
                },
            ),
            (
                create("rtb-test", "vpc-zz"),
                EditError::Unknown {
                    part: VpcPart::Vpc,
                    id: "vpc-zz".into(),
                },
            ),
            (
                delete("rtb-nope"),
                EditError::Unknown {
                    part: VpcPart::RouteTable,
                    id: "rtb-nope".into(),
                },
            ),
            (
                delete("rtb-public-a"),
                EditError::RouteTableInUse {
                    route_table: "rtb-public-a".into(),
                    subnets: vec!["subnet-public-a1".into(), "subnet-public-a2".into()],
                },
            ),
        ];
        for (edit, want) in cases {
            assert_eq!(w.apply_edit(&edit), Err(want), "{edit:?}");
            assert_eq!(w, before, "a refused edit must leave the world unchanged");
        }
        for id in ["", "  ", "rtb two"] {
            let err = w.apply_edit(&create(id, "vpc-a")).unwrap_err();
            assert!(matches!(err, EditError::Parse(_)), "{id:?}: {err:?}");
            assert_eq!(w, before);
        }
        // A long id is refused by the scenario's id rule.
        let err = w.apply_edit(&create(&"r".repeat(81), "vpc-a")).unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
        assert_eq!(w, before);
    }

    #[test]
    fn the_two_hundred_and_first_route_table_of_a_vpc_is_refused() {
        // Fact sheet §10: 200 route tables per VPC.
        use crate::sim::limits::MAX_ROUTE_TABLES_PER_VPC;
        let mut w = World::default_world();
        let have = w.scenario().regions[0].vpc.route_tables.len();
        for i in have..MAX_ROUTE_TABLES_PER_VPC {
            w.apply_edit(&create(&format!("rtb-extra-{i}"), "vpc-a"))
                .unwrap();
        }
        let before = w.clone();
        let err = w
            .apply_edit(&create("rtb-one-too-many", "vpc-a"))
            .unwrap_err();
        assert!(
            matches!(&err, EditError::Invalid(m) if m.contains("quota of 200 per VPC")),
            "{err:?}"
        );
        assert_eq!(w, before);
    }

    #[test]
    fn a_refused_route_table_deletion_names_the_subnets_and_the_fact_sheet() {
        let mut w = World::default_world();
        assert_eq!(
            w.apply_edit(&delete("rtb-app-a1")).unwrap_err().to_string(),
            "rtb-app-a1 is still associated with subnet-app-a1: every subnet uses exactly one route table, so associate it with another table first (fact sheet §10)"
        );
        assert_eq!(
            create("rtb-x", "vpc-a").describe(),
            "vpc-a: create route table rtb-x"
        );
    }
}
