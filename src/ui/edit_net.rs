//! Editors in the inspector for route tables (routes and subnet
//! associations), Route 53 (records and health checks) and scale (pods per
//! application, worker nodes). Every change is a script `Edit` through
//! `AppState::edit`, so `World::apply_edit` validates it; a refusal shows
//! the engine's reason in a `role="alert"` next to its form, and the form
//! keeps what the learner typed (its fields are signals the refusal does
//! not touch).
//!
//! Which editors a component shows: a subnet-attached component (ALB, pod,
//! database, NAT gateway) its subnets' route tables, a NAT gateway also the
//! tables that route to it, the internet gateway every table of its VPC
//! and a form that creates one (each table's editor can delete it);
//! Route 53 its records and health checks; a Service or pod the scale of
//! its application and of the cluster's nodes.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, Selection};
use crate::sim::edit::{record_value_text, routing_text};
use crate::sim::net::{RouteTable, RouteTarget};
use crate::sim::{Edit, World};

// The rule tables' styles: these editors look like the NACL and SG forms.
stylance::import_crate_style!(
    #[allow(dead_code)]
    style,
    "src/ui/rules.module.css"
);

/// A document-wide unique id for a `<label for>` pair (several apps can be
/// mounted in one page).
fn field_id(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("hl-{what}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The refusal message for one form, if its last edit was refused.
#[component]
fn Refusal(form: String) -> impl IntoView {
    let selection = use_handle::<Selection>();
    let shown = form.clone();
    view! {
        <Show when=move || selection.error_for(&form).is_some()>
            <p class="input-error" role="alert" data-testid="edit-error">
                {
                    let form = shown.clone();
                    move || selection.error_for(&form).unwrap_or_default()
                }
            </p>
        </Show>
    }
}

/// A labelled text field bound to a signal.
#[component]
fn Field(
    label: &'static str,
    value: RwSignal<String>,
    testid: String,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let id = field_id(&testid);
    view! {
        <label for=id.clone()>{label}</label>
        <input
            id=id
            type="text"
            class=class
            spellcheck="false"
            data-testid=testid
            placeholder=placeholder
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// The route tables a component shows, in the VPC's order.
fn route_tables_for(w: &World, node: &str) -> Vec<String> {
    let s = w.scenario();
    for r in &s.regions {
        let v = &r.vpc;
        if v.igw == node {
            return v.route_tables.iter().map(|t| t.id.clone()).collect();
        }
    }
    let a = w.attachments(node);
    let Some(r) = s
        .regions
        .iter()
        .find(|r| a.subnets.iter().any(|x| r.vpc.subnet(x).is_some()))
    else {
        return Vec::new();
    };
    let v = &r.vpc;
    v.route_tables
        .iter()
        .filter(|t| {
            a.subnets.iter().any(|x| {
                v.subnet(x)
                    .is_some_and(|x| v.route_table_id_of(x) == Some(t.id.as_str()))
            }) || t
                .routes
                .iter()
                .any(|rt| matches!(&rt.target, RouteTarget::Nat(n) if n == node))
        })
        .map(|t| t.id.clone())
        .collect()
}

/// What a Service or pod scales: its region and application.
fn scale_target(w: &World, node: &str) -> Option<(String, String)> {
    w.scenario().regions.iter().find_map(|r| {
        let k = &r.cluster;
        k.services
            .iter()
            .find(|x| x.id == node)
            .map(|x| x.app.clone())
            .or_else(|| k.pods.iter().find(|p| p.id == node).map(|p| p.app.clone()))
            .map(|app| (r.id.clone(), app))
    })
}

/// Every editor of this file that applies to the component `id`.
#[component]
pub fn NetEditors(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let tables = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| route_tables_for(w, &id)))
    };
    let (is_zone, scale, igw_vpc) = live.world.with_untracked(|w| {
        let s = w.scenario();
        let igw_vpc = s
            .regions
            .iter()
            .find(|r| r.vpc.igw == id)
            .map(|r| r.vpc.id.clone());
        (s.dns.zone.id == id, scale_target(w, &id), igw_vpc)
    });
    view! {
        <For each=move || tables.get() key=|t| t.clone() let:t>
            <RouteTableEditor id=t/>
        </For>
        {igw_vpc.map(|vpc| view! { <CreateRouteTable vpc=vpc/> })}
        {is_zone.then(|| view! { <RecordsEditor/> <HealthChecksEditor/> })}
        {scale.map(|(region, app)| view! { <ScaleEditor region=region app=app/> })}
    }
}

fn find_table(w: &World, id: &str) -> Option<(RouteTable, Vec<String>, Vec<String>)> {
    w.scenario().regions.iter().find_map(|r| {
        let v = &r.vpc;
        v.route_table(id).map(|t| {
            let using = v
                .subnets
                .iter()
                .filter(|x| v.route_table_id_of(x) == Some(id))
                .map(|x| x.id.clone())
                .collect();
            let all = v.subnets.iter().map(|x| x.id.clone()).collect();
            (t.clone(), using, all)
        })
    })
}

#[component]
fn RouteTableEditor(id: String) -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let table = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_table(w, &id)))
    };
    let form = format!("rt:{id}");
    let name = move || table.with(|t| t.as_ref().map(|t| t.0.name.clone()).unwrap_or_default());
    let using = move || {
        table.with(|t| {
            t.as_ref()
                .map(|t| t.1.join(", "))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "no subnet".into())
        })
    };
    let routes = move || {
        table.with(|t| {
            t.as_ref()
                .map(|t| t.0.routes.iter().cloned().enumerate().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let destination = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let add = {
        let (id, form) = (id.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::AddRoute {
                route_table: id.clone(),
                destination: destination.get_untracked(),
                target: target.get_untracked(),
            };
            if app.edit(&form, edit) {
                destination.set(String::new());
                target.set(String::new());
            }
        }
    };
    let subnet_id = field_id("rt-assoc");
    let subnet = RwSignal::new(String::new());
    let associate = {
        let (id, form) = (id.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = subnet.get_untracked();
            let chosen = if chosen.is_empty() {
                table
                    .with_untracked(|t| t.as_ref().and_then(|t| t.2.first().cloned()))
                    .unwrap_or_default()
            } else {
                chosen
            };
            app.edit(
                &form,
                Edit::AssociateRouteTable {
                    subnet: chosen,
                    route_table: id.clone(),
                },
            );
        }
    };
    let rows_id = id.clone();
    let delete_table = {
        let (id, form) = (id.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(&form, Edit::DeleteRouteTable { id: id.clone() });
        }
    };
    view! {
        <section class=style::section data-testid=format!("rt-{id}")>
            <h3 class=style::heading>
                <span class=style::kind>"Route table"</span>
                <code>{id.clone()}</code>
                <span class=style::muted>{name}</span>
            </h3>
            <p class=style::note>
                "Longest prefix wins; the local route stays (fact sheet §10). Used by "
                <span data-testid=format!("rt-using-{id}")>{using}</span>
                "."
            </p>
            <table class=style::table>
                <caption>"routes"</caption>
                <thead>
                    <tr>
                        <th scope="col">"destination"</th>
                        <th scope="col">"target"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=routes key=|(i, r)| (*i, r.destination.to_string(), r.target.to_string()) let:item>
                        {
                            let (i, r) = item;
                            let (id, form) = (rows_id.clone(), format!("rt:{rows_id}"));
                            let dst = r.destination.to_string();
                            let local = r.target == RouteTarget::Local;
                            let label = format!("delete route {dst} of {id}");
                            let del = {
                                let (id, dst) = (id.clone(), dst.clone());
                                move |_| {
                                    app.edit(
                                        &form,
                                        Edit::RemoveRoute { route_table: id.clone(), destination: dst.clone() },
                                    );
                                }
                            };
                            view! {
                                <tr data-testid=format!("rt-route-{id}-{i}")>
                                    <td class=style::cidr>{dst.clone()}</td>
                                    <td class=style::mono>{r.target.to_string()}</td>
                                    <td class=style::actions>
                                        {(!local).then(|| view! {
                                            <button
                                                type="button"
                                                class=style::delete
                                                data-testid=format!("rt-delete-{id}-{i}")
                                                aria-label=label.clone()
                                                title="delete route"
                                                on:click=del.clone()
                                            >
                                                "×"
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <form class=style::add on:submit=add aria-label=format!("add a route to {id}")>
                <span class=style::addTitle>"Add route"</span>
                <Field label="destination" value=destination testid=format!("rt-add-destination-{id}") placeholder="0.0.0.0/0" class=style::mid/>
                <Field label="target" value=target testid=format!("rt-add-target-{id}") placeholder="igw-… or nat-…" class=style::mid/>
                <button type="submit" data-testid=format!("rt-add-submit-{id}")>"Add route"</button>
            </form>
            <form class=style::add on:submit=associate aria-label=format!("associate a subnet with {id}")>
                <span class=style::addTitle>"Associate a subnet with this table"</span>
                <label for=subnet_id.clone()>"subnet"</label>
                <select
                    id=subnet_id
                    data-testid=format!("rt-assoc-subnet-{id}")
                    on:change=move |ev| subnet.set(event_target_value(&ev))
                >
                    {move || {
                        table
                            .with(|t| t.as_ref().map(|t| t.2.clone()).unwrap_or_default())
                            .into_iter()
                            .map(|s| view! { <option value=s.clone()>{s.clone()}</option> })
                            .collect_view()
                    }}
                </select>
                <button type="submit" data-testid=format!("rt-assoc-submit-{id}")>"Associate"</button>
            </form>
            <form class=style::add on:submit=delete_table aria-label=format!("delete route table {id}")>
                <span class=style::addTitle>"Delete this table (only once no subnet uses it)"</span>
                <button type="submit" data-testid=format!("rt-delete-table-{id}")>"Delete route table"</button>
            </form>
            <Refusal form=form.clone()/>
        </section>
    }
}

/// Create a route table in a VPC: it starts with the `local` route only.
#[component]
fn CreateRouteTable(vpc: String) -> impl IntoView {
    let app = use_app();
    let form = format!("rt-create:{vpc}");
    let new_id = RwSignal::new(String::new());
    let create = {
        let (vpc, form) = (vpc.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::CreateRouteTable {
                id: new_id.get_untracked(),
                vpc: vpc.clone(),
            };
            if app.edit(&form, edit) {
                new_id.set(String::new());
            }
        }
    };
    view! {
        <section class=style::section data-testid=format!("rt-create-{vpc}")>
            <form class=style::add on:submit=create aria-label=format!("create a route table in {vpc}")>
                <span class=style::addTitle>"Create a route table in " {vpc.clone()}</span>
                <Field label="id" value=new_id testid=format!("rt-create-id-{vpc}") placeholder="rtb-…" class=style::mid/>
                <button type="submit" data-testid=format!("rt-create-submit-{vpc}")>"Create route table"</button>
            </form>
            <p class=style::note>"A new table has the VPC's local route only (fact sheet §10)."</p>
            <Refusal form=form/>
        </section>
    }
}

/// The hosted zone's records, and one form that creates a record or
/// changes the one picked.
#[component]
fn RecordsEditor() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let form = "r53:records".to_string();
    let records = Memo::new(move |_| live.world.with(|w| w.scenario().dns.zone.records.clone()));
    // "" creates; a number changes that record.
    let pick = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let ttl = RwSignal::new(String::new());
    let routing = RwSignal::new("simple".to_string());
    let health = RwSignal::new(String::new());
    let eth = RwSignal::new(false);
    let load = move |choice: String| {
        pick.set(choice.clone());
        let rec = choice
            .parse::<usize>()
            .ok()
            .and_then(|i| records.with_untracked(|r| r.get(i).cloned()));
        match rec {
            Some(r) => {
                name.set(r.name.clone());
                value.set(record_value_text(&r.value));
                ttl.set(r.ttl_s.map(|t| t.to_string()).unwrap_or_default());
                routing.set(routing_text(&r.routing));
                health.set(r.health_check_id().unwrap_or_default().to_string());
                eth.set(r.evaluate_target_health);
            }
            None => {
                for s in [name, value, ttl, health] {
                    s.set(String::new());
                }
                routing.set("simple".into());
                eth.set(false);
            }
        }
    };
    let submit = {
        let form = form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (n, v, t, r, h, e) = (
                name.get_untracked(),
                value.get_untracked(),
                ttl.get_untracked(),
                routing.get_untracked(),
                health.get_untracked(),
                eth.get_untracked(),
            );
            let edit = match pick.get_untracked().parse::<usize>() {
                Ok(index) => Edit::ChangeRecord {
                    index,
                    name: n,
                    value: v,
                    ttl_s: t,
                    routing: r,
                    health_check: h,
                    evaluate_target_health: e,
                },
                Err(_) => Edit::CreateRecord {
                    name: n,
                    value: v,
                    ttl_s: t,
                    routing: r,
                    health_check: h,
                    evaluate_target_health: e,
                },
            };
            if app.edit(&form, edit) {
                load(String::new());
            }
        }
    };
    let pick_id = field_id("r53-pick");
    let eth_id = field_id("r53-eth");
    let rows = move || records.get().into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <section class=style::section data-testid="r53-records">
            <h3 class=style::heading>
                <span class=style::kind>"Route 53 records"</span>
            </h3>
            <p class=style::note>
                "A change is seen by a client once its cached answer expires (fact sheet §1); an alias takes its target's TTL (§2)."
            </p>
            <table class=format!("{} {}", style::table, style::compact)>
                <caption>"records"</caption>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"name"</th>
                        <th scope="col">"value"</th>
                        <th scope="col">"TTL"</th>
                        <th scope="col">"routing"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=rows key=|(i, r)| (*i, format!("{r:?}")) let:item>
                        {
                            let (i, r) = item;
                            let form = "r53:records".to_string();
                            let rname = r.name.clone();
                            let routing_shown = match r.health_check_id() {
                                Some(h) => format!("{} · check {h}", routing_text(&r.routing)),
                                None => routing_text(&r.routing),
                            };
                            view! {
                                <tr data-testid=format!("r53-record-{i}")>
                                    <td class=style::num>{i + 1}</td>
                                    <td class=format!("{} {}", style::mono, style::words)>{breakable(&r.name)}</td>
                                    <td class=format!("{} {}", style::mono, style::words)>{breakable(&record_value_text(&r.value))}</td>
                                    <td class=style::num>{r.ttl_s()}</td>
                                    <td>{routing_shown}</td>
                                    <td class=style::actions>
                                        <button
                                            type="button"
                                            class=style::delete
                                            data-testid=format!("r53-record-delete-{i}")
                                            aria-label=format!("delete record {} {}", i + 1, r.name)
                                            title="delete record"
                                            on:click=move |_| {
                                                if app.edit(&form, Edit::DeleteRecord { index: i, name: rname.clone() }) {
                                                    load(String::new());
                                                }
                                            }
                                        >
                                            "×"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <form class=style::add on:submit=submit aria-label="create or change a record">
                <span class=style::addTitle>"Create or change a record"</span>
                <label for=pick_id.clone()>"record"</label>
                <select
                    id=pick_id
                    data-testid="r53-record-pick"
                    prop:value=move || pick.get()
                    on:change=move |ev| load(event_target_value(&ev))
                >
                    <option value="">"new record"</option>
                    {move || {
                        records
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, r)| view! { <option value=i.to_string()>{format!("{} {}", i + 1, r.name)}</option> })
                            .collect_view()
                    }}
                </select>
                <Field label="name" value=name testid="r53-name".into() placeholder="www.healthcareapp.com"/>
                <Field label="value" value=value testid="r53-value".into() placeholder="A 192.0.2.10" class=style::mid/>
                <Field label="TTL (s)" value=ttl testid="r53-ttl".into() placeholder="300" class=style::short/>
                <Field label="routing" value=routing testid="r53-routing".into() placeholder="weighted 10" class=style::mid/>
                <Field label="health check" value=health testid="r53-health".into() placeholder="none"/>
                <input
                    id=eth_id.clone()
                    type="checkbox"
                    data-testid="r53-eth"
                    prop:checked=move || eth.get()
                    on:change=move |ev| eth.set(event_target_checked(&ev))
                />
                <label for=eth_id>"evaluate target health"</label>
                <button type="submit" data-testid="r53-record-save">
                    {move || if pick.get().is_empty() { "Create record" } else { "Save record" }}
                </button>
            </form>
            <Refusal form=form.clone()/>
        </section>
    }
}

#[component]
fn HealthChecksEditor() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let form = "r53:health".to_string();
    let checks = Memo::new(move |_| live.world.with(|w| w.scenario().dns.health_checks.clone()));
    let pick = RwSignal::new(String::new());
    let id = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let path = RwSignal::new("/healthz".to_string());
    let interval = RwSignal::new("30".to_string());
    let threshold = RwSignal::new("3".to_string());
    let load = move |choice: String| {
        pick.set(choice.clone());
        match checks.with_untracked(|c| c.iter().find(|h| h.id == choice).cloned()) {
            Some(h) => {
                id.set(h.id);
                region.set(h.region);
                path.set(h.path);
                interval.set(h.interval_s.to_string());
                threshold.set(h.failure_threshold.to_string());
            }
            None => {
                id.set(String::new());
                region.set(String::new());
                path.set("/healthz".into());
                interval.set("30".into());
                threshold.set("3".into());
            }
        }
    };
    let submit = {
        let form = form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = if pick.get_untracked().is_empty() {
                Edit::CreateHealthCheck {
                    id: id.get_untracked(),
                    region: region.get_untracked(),
                    path: path.get_untracked(),
                    interval_s: interval.get_untracked(),
                    failure_threshold: threshold.get_untracked(),
                }
            } else {
                Edit::ChangeHealthCheck {
                    id: pick.get_untracked(),
                    path: path.get_untracked(),
                    interval_s: interval.get_untracked(),
                    failure_threshold: threshold.get_untracked(),
                }
            };
            if app.edit(&form, edit) {
                load(String::new());
            }
        }
    };
    let pick_id = field_id("hc-pick");
    view! {
        <section class=style::section data-testid="r53-health-checks">
            <h3 class=style::heading>
                <span class=style::kind>"Route 53 health checks"</span>
            </h3>
            <p class=style::note>
                "Interval 10 or 30 s, fixed at creation; failure threshold 1-10 (fact sheet §4)."
            </p>
            <table class=style::table>
                <caption>"health checks"</caption>
                <thead>
                    <tr>
                        <th scope="col">"id"</th>
                        <th scope="col">"region"</th>
                        <th scope="col">"path"</th>
                        <th scope="col">"interval"</th>
                        <th scope="col">"threshold"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || checks.get() key=|h| format!("{h:?}") let:h>
                        {
                            let form = "r53:health".to_string();
                            let hid = h.id.clone();
                            view! {
                                <tr data-testid=format!("r53-hc-{}", h.id)>
                                    <td class=style::mono>{h.id.clone()}</td>
                                    <td>{h.region.clone()}</td>
                                    <td class=style::mono>{h.path.clone()}</td>
                                    <td class=style::num>{format!("{} s", h.interval_s)}</td>
                                    <td class=style::num data-testid=format!("r53-hc-threshold-{}", h.id)>{h.failure_threshold}</td>
                                    <td class=style::actions>
                                        <button
                                            type="button"
                                            class=style::delete
                                            data-testid=format!("r53-hc-delete-{}", h.id)
                                            aria-label=format!("delete health check {}", h.id)
                                            title="delete health check"
                                            on:click=move |_| {
                                                if app.edit(&form, Edit::DeleteHealthCheck { id: hid.clone() }) {
                                                    load(String::new());
                                                }
                                            }
                                        >
                                            "×"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <form class=style::add on:submit=submit aria-label="create or change a health check">
                <span class=style::addTitle>"Create or change a health check"</span>
                <label for=pick_id.clone()>"health check"</label>
                <select
                    id=pick_id
                    data-testid="r53-hc-pick"
                    prop:value=move || pick.get()
                    on:change=move |ev| load(event_target_value(&ev))
                >
                    <option value="">"new health check"</option>
                    {move || {
                        checks
                            .get()
                            .into_iter()
                            .map(|h| view! { <option value=h.id.clone()>{h.id.clone()}</option> })
                            .collect_view()
                    }}
                </select>
                <Show when=move || pick.get().is_empty()>
                    <Field label="id" value=id testid="r53-hc-id".into() placeholder="hc-api" class=style::mid/>
                    <Field label="region" value=region testid="r53-hc-region".into() placeholder="us-east-1" class=style::mid/>
                </Show>
                <Field label="path" value=path testid="r53-hc-path".into() class=style::mid/>
                <Field label="interval (s)" value=interval testid="r53-hc-interval".into() class=style::short/>
                <Field label="failure threshold" value=threshold testid="r53-hc-threshold".into() class=style::short/>
                <button type="submit" data-testid="r53-hc-save">
                    {move || if pick.get().is_empty() { "Create health check" } else { "Save health check" }}
                </button>
            </form>
            <Refusal form=form.clone()/>
        </section>
    }
}

/// Pods of one application in a region, and the cluster's worker nodes.
#[component]
fn ScaleEditor(region: String, app: String) -> impl IntoView {
    let state = use_app();
    let live = use_handle::<Live>();
    let form = format!("scale:{region}");
    let counts = {
        let (region, app) = (region.clone(), app.clone());
        Memo::new(move |_| {
            live.world.with(|w| {
                w.scenario()
                    .region(&region)
                    .map(|r| {
                        let k = &r.cluster;
                        (
                            k.pods.iter().filter(|p| p.app == app).count(),
                            k.nodes.len(),
                        )
                    })
                    .unwrap_or_default()
            })
        })
    };
    let (pods0, nodes0) = counts.get_untracked();
    let replicas = RwSignal::new(pods0.to_string());
    let nodes = RwSignal::new(nodes0.to_string());
    let scale_pods = {
        let (region, app, form) = (region.clone(), app.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            state.edit(
                &form,
                Edit::ScalePods {
                    region: region.clone(),
                    app: app.clone(),
                    replicas: replicas.get_untracked(),
                },
            );
        }
    };
    let scale_nodes = {
        let (region, form) = (region.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            state.edit(
                &form,
                Edit::ScaleNodes {
                    region: region.clone(),
                    count: nodes.get_untracked(),
                },
            );
        }
    };
    view! {
        <section class=style::section data-testid=format!("scale-{region}")>
            <h3 class=style::heading>
                <span class=style::kind>"Scale"</span>
                <code>{app.clone()}</code>
                <span class=style::muted>{region.clone()}</span>
            </h3>
            <p class=style::note data-testid=format!("scale-now-{region}")>
                {move || {
                    let (p, n) = counts.get();
                    format!("now {p} pods on {n} nodes")
                }}
            </p>
            <form class=style::add on:submit=scale_pods aria-label=format!("scale the pods of {app}")>
                <Field label="pods" value=replicas testid=format!("scale-pods-{region}") class=style::short/>
                <button type="submit" data-testid=format!("scale-pods-submit-{region}")>"Scale pods"</button>
            </form>
            <form class=style::add on:submit=scale_nodes aria-label=format!("scale the nodes of {region}")>
                <Field label="nodes" value=nodes testid=format!("scale-nodes-{region}") class=style::short/>
                <button type="submit" data-testid=format!("scale-nodes-submit-{region}")>"Scale nodes"</button>
            </form>
            <Refusal form=form.clone()/>
        </section>
    }
}

/// A DNS name or value that may wrap only after a dot or a space (`<wbr>`
/// after each dot), never inside a label: `healthcareapp.com` breaks as
/// `healthcareapp.` / `com`, not `healthca` / `reapp.com`.
fn breakable(text: &str) -> impl IntoView {
    text.split_inclusive('.')
        .map(|part| {
            let part = part.to_string();
            view! { {part}<wbr/> }
        })
        .collect_view()
}
