//! IngressGroup: several Ingresses on one ALB, `group.name` and
//! `group.order` taking effect in the AWS Load Balancer Controller's
//! listener rules. Fact sheet §28 ("AWS Load Balancer Controller"), §13,
//! §14, §8.

use hoplab::sim::edit::{Edit, EditError, VpcPart};
use hoplab::sim::event::alb::{ListenerAction, RuleOrigin};
use hoplab::sim::event::{AlbEvent, AppEvent, Event};
use hoplab::sim::lbc::{self, ConflictOn};
use hoplab::sim::scenario::{Scenario, Service};
use hoplab::sim::{Request, World};

/// The default world plus a second Service for the same pods (`svc-a2`,
/// `api-v2`) and a target group that registers it (`tg-api-a`), so two
/// Ingresses can send the same path to different places.
fn world() -> World {
    let mut s = hoplab::sim::defaults::default_scenario();
    let r = &mut s.regions[0];
    r.cluster.services.push(Service {
        id: "svc-a2".into(),
        name: "api-v2".into(),
        port: 80,
        target_port: 8080,
        app: "appointments-api".into(),
        external_traffic_policy: Default::default(),
    });
    let mut tg = r.alb.target_groups[0].clone();
    tg.id = "tg-api-a".into();
    tg.service = "svc-a2".into();
    r.alb.target_groups.push(tg);
    World::new(s, 7).unwrap()
}

fn edit(w: &mut World, json: &str) {
    let e: Edit = serde_json::from_str(json).unwrap();
    w.apply_edit(&e)
        .unwrap_or_else(|err| panic!("{json} refused: {err}"));
}

fn annotate(w: &mut World, ingress: &str, annotation: &str, value: &str) {
    edit(
        w,
        &format!(
            r#"{{"kind":"set_ingress_annotation","ingress":"{ingress}","annotation":"{annotation}","value":"{value}"}}"#
        ),
    );
}

fn add_ingress(w: &mut World, id: &str, name: &str, group: &str, order: &str) {
    edit(
        w,
        &format!(
            r#"{{"kind":"add_ingress","region":"us-east-1","id":"{id}","name":"{name}","group_name":"{group}","group_order":"{order}"}}"#
        ),
    );
}

fn add_path(w: &mut World, ingress: &str, path: &str, service: &str) {
    edit(
        w,
        &format!(
            r#"{{"kind":"add_ingress_path","ingress":"{ingress}","path":"{path}","path_type":"Prefix","service":"{service}","port":"80"}}"#
        ),
    );
}

/// What the ALB did with a request: the matched rule's origin and target
/// group, and the Service the Ingress hop reached.
#[derive(Debug, PartialEq)]
struct Routed {
    origin: RuleOrigin,
    target_group: String,
    service: String,
}

fn routed(w: &mut World, path: &str) -> Routed {
    let t = w.send(&Request::get(
        "client-na",
        &format!("https://healthcareapp.com{path}"),
    ));
    let (origin, target_group) = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::Alb(AlbEvent::RuleMatch {
                origin,
                action: ListenerAction::Forward { target_group },
                ..
            }) => Some((origin.clone(), target_group.clone())),
            _ => None,
        })
        .expect("a listener rule forwarded the request");
    let service = t
        .hops
        .iter()
        .find_map(|h| match &h.event {
            Event::App(AppEvent::IngressMatch { service, .. }) => Some(service.clone()),
            _ => None,
        })
        .expect("the Ingress hop");
    Routed {
        origin,
        target_group,
        service,
    }
}

/// The default world's Ingress (`appointments`, order 10) and an `api`
/// Ingress (order 5) in group `shop`, both with Prefix `/api`.
fn shop() -> World {
    let mut w = world();
    annotate(&mut w, "ingress-a", "group.name", "shop");
    annotate(&mut w, "ingress-a", "group.order", "10");
    add_ingress(&mut w, "ingress-api", "api", "shop", "5");
    add_path(&mut w, "ingress-api", "/api", "svc-a2");
    w
}

/// Fact sheet §28: Ingresses with the same group.name share one ALB; the
/// lower group.order is evaluated first, so a request both match goes to
/// the lower-order Ingress's Service.
#[test]
fn in_one_group_the_lower_order_ingress_is_evaluated_first_and_answers() {
    let mut w = shop();
    let r = routed(&mut w, "/api/appointments");
    assert_eq!(
        r,
        Routed {
            origin: RuleOrigin::Ingress {
                ingress: "api".into(),
                path: "/api (Prefix)".into(),
                group: Some("shop".into()),
                order: Some(5),
            },
            target_group: "tg-api-a".into(),
            service: "api-v2".into(),
        }
    );
    // The controller's rules: api's (order 5) before appointments' (10),
    // each member's own order kept (Exact first), each rule knowing who
    // wrote it.
    let rules: Vec<(u32, String, String)> = w.scenario().regions[0]
        .alb
        .listener
        .rules
        .iter()
        .map(|x| {
            (
                x.priority,
                x.from_ingress_path.clone(),
                x.from_ingress.clone(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            (1, "/api (Prefix)".into(), "ingress-api".into()),
            (2, "/healthz (Exact)".into(), String::new()),
            (3, "/api (Prefix)".into(), String::new()),
        ]
    );
    let r = &w.scenario().regions[0];
    let first = &r.alb.listener.rules[0];
    assert_eq!(
        lbc::rule_ingress(&r.cluster, first).map(|i| i.id.as_str()),
        Some("ingress-api")
    );
    // The ALB's inspector says who wrote each rule.
    let by = lbc::rule_author(&r.cluster, first).unwrap();
    let rows = w.inspect("alb-a");
    let row = rows.iter().find(|(k, _)| k == "rule 1").unwrap();
    assert!(row.1.ends_with(&by), "{row:?} / {by}");
}

/// Fact sheet §28: the Ingress's forms, prefilled, add an Ingress to the
/// ALB's group, set a member's group name and order, and delete it; each
/// makes an edit the engine accepts.
#[test]
fn the_ingress_forms_add_regroup_and_delete_members() {
    let w = shop();
    let forms = hoplab::sim::forms::forms(&w, "ingress-a");
    let mut kinds = Vec::new();
    for f in &forms {
        let e = f.edit(&f.values()).unwrap();
        let mut w2 = w.clone();
        w2.apply_edit(&e)
            .unwrap_or_else(|err| panic!("{} refused: {err}", f.key));
        kinds.push((f.kind, f.fixed.iter().any(|(_, v)| v == "ingress-api")));
    }
    for want in [
        ("add_ingress", false),
        ("set_ingress_annotation", true),
        ("remove_ingress", true),
    ] {
        assert!(kinds.contains(&want), "no form {want:?}: {kinds:?}");
    }
    // The prefilled new Ingress joins the ALB's group.
    let add = forms.iter().find(|f| f.kind == "add_ingress").unwrap();
    let mut w2 = w.clone();
    w2.apply_edit(&add.edit(&add.values()).unwrap()).unwrap();
    let c = &w2.scenario().regions[0].cluster;
    assert_eq!(lbc::alb_group(c).len(), 3);
}

/// Fact sheet §28: group.order decides the members' order; raising the
/// `api` Ingress's order above the other's by an edit flips which one a
/// request matching both reaches.
#[test]
fn raising_group_order_by_edit_hands_the_shared_path_to_the_other_ingress() {
    let mut w = shop();
    annotate(&mut w, "ingress-api", "group.order", "20");
    let r = routed(&mut w, "/api/flipped");
    assert_eq!(r.target_group, "tg-appointments-a");
    assert_eq!(r.service, "appointments-api");
    assert_eq!(
        r.origin,
        RuleOrigin::Ingress {
            ingress: "appointments".into(),
            path: "/api (Prefix)".into(),
            group: Some("shop".into()),
            order: Some(10),
        }
    );
    let first = &w.scenario().regions[0].alb.listener.rules[0];
    assert_eq!(
        (first.priority, first.from_ingress.as_str()),
        (1, ""),
        "appointments' /healthz now comes first"
    );
}

/// Fact sheet §28: without the ALB's group.name an Ingress is its own
/// group and would get its own ALB; this ALB's rules do not change, and
/// the inspector says so.
#[test]
fn an_ingress_outside_the_albs_group_leaves_the_alb_unchanged() {
    let mut w = world();
    annotate(&mut w, "ingress-a", "group.name", "shop");
    let before = w.scenario().regions[0].alb.clone();
    add_ingress(&mut w, "ingress-api", "api", "", "");
    add_path(&mut w, "ingress-api", "/api", "svc-a2");
    add_ingress(&mut w, "ingress-other", "other", "elsewhere", "-5");
    add_path(&mut w, "ingress-other", "/", "svc-a2");
    assert_eq!(w.scenario().regions[0].alb, before);
    let c = &w.scenario().regions[0].cluster;
    assert!(!lbc::on_alb(c, "ingress-api") && !lbc::on_alb(c, "ingress-other"));
    assert!(lbc::on_alb(c, "ingress-a"));
    assert_eq!(
        routed(&mut w, "/api/outside").target_group,
        "tg-appointments-a"
    );
    let rows = w.inspect("ingress-a");
    let row = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no row {k}: {rows:?}"))
    };
    assert!(row("Ingress api").ends_with("its own IngressGroup: a separate ALB, not modelled"));
    assert!(row("Ingress appointments").contains("on alb-a"));
}

/// Fact sheet §28: members disagreeing on an exclusive annotation (here
/// target-type for the same Service) make the controller error for the
/// whole group and apply no update: the ALB keeps the rules it had, and
/// the error names the Ingresses and the annotation.
#[test]
fn conflicting_target_types_in_a_group_leave_the_albs_rules_as_they_were() {
    let mut w = world();
    annotate(&mut w, "ingress-a", "group.name", "shop");
    annotate(&mut w, "ingress-a", "target-type", "ip");
    add_ingress(&mut w, "ingress-api", "api", "shop", "5");
    add_path(&mut w, "ingress-api", "/v2", "svc-a");
    let before = w.scenario().regions[0].alb.listener.rules.clone();
    assert_eq!(before.len(), 3, "/v2 joined the ALB: {before:?}");
    // The conflicting annotation is accepted by Kubernetes...
    annotate(&mut w, "ingress-api", "target-type", "instance");
    // ... and the controller refuses the group: later paths change nothing.
    add_path(&mut w, "ingress-api", "/v3", "svc-a");
    let r = &w.scenario().regions[0];
    assert_eq!(r.alb.listener.rules, before);
    assert_eq!(
        r.alb.target_groups[0].target_type,
        hoplab::sim::scenario::TargetType::Ip
    );
    let conflict = lbc::group_conflict(&r.cluster).expect("a conflict");
    assert_eq!(
        (
            conflict.group.as_str(),
            conflict.first.as_str(),
            conflict.second.as_str()
        ),
        ("shop", "ingress-a", "ingress-api"),
        "appointments (order 0) comes before api (order 5)"
    );
    assert_eq!(
        conflict.on,
        ConflictOn::Annotation {
            service: "svc-a".into(),
            annotation: "target-type",
            first: "ip".into(),
            second: "instance".into(),
        }
    );
    // Read as a file, the controller's error is a note and the rules stay.
    let json = serde_json::to_string(w.scenario()).unwrap();
    let (s, notes) = Scenario::from_json_with_notes(&json).unwrap();
    assert_eq!(s.regions[0].alb.listener.rules, before);
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("ingress-api") && n.contains("target-type"))
            .count(),
        1,
        "{notes:?}"
    );
    // The inspector shows the error too.
    assert!(w
        .inspect("ingress-a")
        .iter()
        .any(|(k, _)| k == "IngressGroup error"));
    // Taking the annotation off ends the conflict: /v3 is written.
    annotate(&mut w, "ingress-api", "target-type", "");
    assert!(lbc::group_conflict(&w.scenario().regions[0].cluster).is_none());
    assert_eq!(w.scenario().regions[0].alb.listener.rules.len(), 4);
}

/// Fact sheet §28: one default backend per group; two members with
/// different ones conflict.
#[test]
fn two_default_backends_in_a_group_are_a_conflict() {
    let mut s = world().scenario().clone();
    let c = &mut s.regions[0].cluster;
    c.ingress.annotations.group_name = Some("shop".into());
    c.ingress.default_backend = Some("svc-a".into());
    let mut api = c.ingress.clone();
    api.id = "ingress-api".into();
    api.name = "api".into();
    api.rules.clear();
    api.default_backend = Some("svc-a2".into());
    c.more_ingresses.push(api);
    let conflict = lbc::group_conflict(&s.regions[0].cluster).expect("a conflict");
    assert_eq!(
        conflict.on,
        ConflictOn::DefaultBackend {
            first: "svc-a2".into(),
            second: "svc-a".into()
        }
    );
    // The first Ingress's default backend stays the ALB's default action.
    assert_eq!(
        lbc::group_default_backend(&s.regions[0].cluster).map(|(i, b)| (i.id.as_str(), b)),
        Some(("ingress-a", "svc-a"))
    );
}

/// Fact sheet §28: equal group.order values are sorted by name, so of
/// two order-0 members `alpha` comes before `appointments`, which comes
/// before `zulu`.
#[test]
fn equal_orders_are_sorted_by_name() {
    for (name, tg) in [("alpha", "tg-api-a"), ("zulu", "tg-appointments-a")] {
        let mut w = world();
        annotate(&mut w, "ingress-a", "group.name", "shop");
        add_ingress(&mut w, "ingress-api", name, "shop", "");
        add_path(&mut w, "ingress-api", "/api", "svc-a2");
        let names: Vec<&str> = lbc::alb_group(&w.scenario().regions[0].cluster)
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(routed(&mut w, "/api/tie").target_group, tg, "{name}");
    }
}

/// Fact sheet §28: the cluster's first Ingress holds the ALB's group and
/// cannot be removed; another member can, and its rules leave the ALB.
#[test]
fn remove_ingress_refuses_the_first_ingress_and_drops_a_members_rules() {
    let mut w = shop();
    let before = w.clone();
    let err = w
        .apply_edit(&Edit::RemoveIngress {
            ingress: "ingress-a".into(),
        })
        .unwrap_err();
    assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
    assert!(!err.to_string().is_empty());
    assert_eq!(w, before);
    let err = w
        .apply_edit(&Edit::RemoveIngress {
            ingress: "ingress-zz".into(),
        })
        .unwrap_err();
    assert_eq!(
        err,
        EditError::Unknown {
            part: VpcPart::Ingress,
            id: "ingress-zz".into()
        }
    );
    edit(
        &mut w,
        r#"{"kind":"remove_ingress","ingress":"ingress-api"}"#,
    );
    let r = &w.scenario().regions[0];
    assert!(r.cluster.more_ingresses.is_empty());
    assert!(r
        .alb
        .listener
        .rules
        .iter()
        .all(|x| x.from_ingress.is_empty()));
    assert_eq!(r.alb.listener.rules.len(), 2);
}

/// Fact sheet §28: add_ingress refuses what Kubernetes or the controller
/// would, and changes nothing.
#[test]
fn add_ingress_refuses_bad_input_and_changes_nothing() {
    let mut w = world();
    let before = w.clone();
    let add = |id: &str, name: &str, group: &str, order: &str| Edit::AddIngress {
        region: "us-east-1".into(),
        id: id.into(),
        name: name.into(),
        group_name: group.into(),
        group_order: order.into(),
    };
    for (e, want) in [
        (
            add("ingress-a", "api", "", ""),
            EditError::Exists {
                part: VpcPart::Ingress,
                id: "ingress-a".into(),
            },
        ),
        (
            Edit::AddIngress {
                region: "mars-1".into(),
                id: "ingress-api".into(),
                name: "api".into(),
                group_name: String::new(),
                group_order: String::new(),
            },
            EditError::Unknown {
                part: VpcPart::Region,
                id: "mars-1".into(),
            },
        ),
    ] {
        assert_eq!(w.apply_edit(&e).unwrap_err(), want);
        assert_eq!(w, before);
    }
    for e in [
        add("ingress-api", "Not A Name", "", ""),
        add("ingress-api", "appointments", "", ""),
        add("ingress-api", "api", "shop", "1001"),
        add("ingress-api", "api", "shop", "x"),
        add("ingress-api", "api", "", "5"),
        add("", "api", "", ""),
    ] {
        let err = w.apply_edit(&e).unwrap_err();
        assert!(!err.to_string().is_empty(), "{e:?}");
        assert_eq!(w, before, "{e:?} changed the world");
    }
}

/// Fact sheet §28: a scenario file whose cluster lists two Ingresses with
/// one id is refused with a message naming the id.
#[test]
fn a_scenario_file_with_a_duplicate_ingress_id_is_refused() {
    let mut s = hoplab::sim::defaults::default_scenario();
    let mut dup = s.regions[0].cluster.ingress.clone();
    dup.name = "api".into();
    s.regions[0].cluster.more_ingresses.push(dup);
    let json = serde_json::to_string(&s).unwrap();
    let err = Scenario::from_json_with_notes(&json).unwrap_err();
    assert!(
        err.contains("'ingress-a'") && err.contains("used twice"),
        "{err}"
    );
    // An unknown field in an extra Ingress is refused too (strict files).
    let bad = json.replace(r#""name":"api""#, r#""name":"api","nmae":"x""#);
    assert!(Scenario::from_json_with_notes(&bad).is_err());
}

/// Fact sheet §28: the default world, with one Ingress, serializes as it
/// did before IngressGroups: no `more_ingresses`, no `from_ingress`, and
/// its JSON reads back to the identical scenario.
#[test]
fn the_default_world_serializes_as_before_and_round_trips() {
    let s = hoplab::sim::defaults::default_scenario();
    let json = serde_json::to_string_pretty(&s).unwrap();
    assert!(!json.contains("more_ingresses") && !json.contains("\"from_ingress\""));
    let (back, notes) = Scenario::from_json_with_notes(&json).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(back, s);
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
    // A grouped world round-trips too, its members and rule authors kept.
    let w = shop();
    let json = serde_json::to_string(w.scenario()).unwrap();
    let (back, notes) = Scenario::from_json_with_notes(&json).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(&back, w.scenario());
}

/// Fact sheet §28: every Ingress of the cluster is drawn; a member of the
/// ALB's IngressGroup is linked from the ALB, one of another group (its
/// own ALB in AWS, not drawn) is not; each is linked to the Services its
/// rules name, and its inspector and forms open like the first one's.
#[test]
fn every_ingress_is_drawn_and_only_the_albs_group_members_hang_from_the_alb() {
    use hoplab::sim::topology::NodeKind;
    let mut w = shop();
    add_ingress(&mut w, "ingress-other", "other", "elsewhere", "");
    add_path(&mut w, "ingress-other", "/", "svc-a2");
    let t = w.topology();
    for id in ["ingress-a", "ingress-api", "ingress-other"] {
        assert_eq!(t.node(id).map(|n| n.kind), Some(NodeKind::Ingress), "{id}");
    }
    let links = t.links();
    let linked = |a: &str, b: &str| links.iter().any(|(x, y)| x == a && y == b);
    assert!(linked("alb-a", "ingress-api"));
    assert!(!linked("alb-a", "ingress-other"));
    assert!(linked("ingress-api", "svc-a2") && linked("ingress-other", "svc-a2"));
    assert!(w
        .inspect("ingress-other")
        .iter()
        .any(|(k, v)| k == "Ingress other" && v.contains("separate ALB")));
    assert!(hoplab::sim::forms::forms(&w, "ingress-other")
        .iter()
        .any(|f| f.kind == "remove_ingress"));
}
