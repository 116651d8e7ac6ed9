//! Editable configuration in the inspector: network ACL rule tables, security
//! group rule tables, and a subnet's CIDR. Every change goes through
//! `World::apply_edit`; a refused edit shows the engine's reason next to its
//! form and keeps what the learner typed.
//!
//! The form fields are plain (uncontrolled) inputs read on submit, so they
//! survive re-renders of the tables above them.

use leptos::html;
use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, Selection};
use crate::sim::net::{Nacl, SecurityGroup, Subnet};
use crate::sim::trace::Direction;
use crate::sim::{Edit, World};

// Shared with edit_net.rs, which uses classes these tables do not.
stylance::import_crate_style!(
    #[allow(dead_code)]
    style,
    "src/ui/rules.module.css"
);

const DIRECTIONS: [Direction; 2] = [Direction::Inbound, Direction::Outbound];

fn find_nacl(w: &World, id: &str) -> Option<Nacl> {
    w.scenario()
        .regions
        .iter()
        .find_map(|r| r.vpc.nacl(id))
        .cloned()
}

fn find_sg(w: &World, id: &str) -> Option<SecurityGroup> {
    w.scenario()
        .regions
        .iter()
        .find_map(|r| r.vpc.sg(id))
        .cloned()
}

fn find_subnet(w: &World, id: &str) -> Option<Subnet> {
    w.scenario()
        .regions
        .iter()
        .find_map(|r| r.vpc.subnet(id))
        .cloned()
}

fn parse_direction(s: &str) -> Direction {
    if s == "outbound" {
        Direction::Outbound
    } else {
        Direction::Inbound
    }
}

/// The key that shows a refused edit next to a network ACL's tables.
fn nacl_form(id: &str) -> String {
    format!("nacl:{id}")
}

/// The key that shows a refused edit next to a security group's tables.
fn sg_form(id: &str) -> String {
    format!("sg:{id}")
}

fn input_value(r: NodeRef<html::Input>) -> String {
    r.get_untracked().map(|e| e.value()).unwrap_or_default()
}

fn select_value(r: NodeRef<html::Select>) -> String {
    r.get_untracked().map(|e| e.value()).unwrap_or_default()
}

/// The refusal message for one form, if its last edit was refused.
#[component]
fn EditError(form: String) -> impl IntoView {
    let selection = use_handle::<Selection>();
    let form2 = form.clone();
    view! {
        <Show when=move || selection.error_for(&form).is_some()>
            <p class="input-error" role="alert" data-testid="edit-error">
                {
                    let form = form2.clone();
                    move || selection.error_for(&form).unwrap_or_default()
                }
            </p>
        </Show>
    }
}

#[component]
pub fn NaclEditor(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let nacl = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_nacl(w, &id)))
    };
    let used_by = {
        let id = id.clone();
        Memo::new(move |_| {
            live.world.with(|w| {
                w.scenario()
                    .regions
                    .iter()
                    .flat_map(|r| r.vpc.subnets.iter())
                    .filter(|s| s.nacl == id)
                    .map(|s| s.id.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
    };
    let form = nacl_form(&id);
    let name = move || nacl.with(|n| n.as_ref().map(|n| n.name.clone()).unwrap_or_default());

    let tables = DIRECTIONS
        .into_iter()
        .map(|dir| view! { <NaclTable id=id.clone() dir=dir nacl=nacl/> })
        .collect_view();

    view! {
        <section class=style::section data-testid=format!("nacl-{id}")>
            <h3 class=style::heading>
                <span class=style::kind>"Network ACL"</span>
                <code>{id.clone()}</code>
                <span class=style::muted>{name}</span>
            </h3>
            <p class=style::note>
                "Stateless: checked both ways, lowest number first, first match wins. Used by "
                {move || used_by.get()}
                "."
            </p>
            {tables}
            <NaclAddForm id=id.clone()/>
            <EditError form=form.clone()/>
        </section>
    }
}

/// One direction's rules of a network ACL, with the `*` rule that ends it.
#[component]
fn NaclTable(id: String, dir: Direction, nacl: Memo<Option<Nacl>>) -> impl IntoView {
    let app = use_app();
    let form = nacl_form(&id);
    let rules = move || nacl.with(|n| n.as_ref().map(|n| n.rules(dir).clone()).unwrap_or_default());
    let peer = if dir == Direction::Inbound {
        "source"
    } else {
        "destination"
    };
    view! {
        <table class=style::table>
            <caption>{format!("{} rules", dir.as_str())}</caption>
            <thead>
                <tr>
                    <th scope="col">"rule"</th>
                    <th scope="col">"traffic"</th>
                    <th scope="col">{peer}</th>
                    <th scope="col" colspan="2">"action"</th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=rules
                    key=|r| (r.number, r.describe(Direction::Inbound))
                    let:r
                >
                    {
                        let id = id.clone();
                        let form = form.clone();
                        let n = r.number;
                        let testid = format!("nacl-rule-{}-{}-{}", id, dir.as_str(), n);
                        let del = format!("nacl-delete-{}-{}-{}", id, dir.as_str(), n);
                        let allow = r.action == crate::sim::net::RuleAction::Allow;
                        view! {
                            <tr data-testid=testid>
                                <td class=style::num>{n}</td>
                                <td>{format!("{} {}", r.protocol, r.ports)}</td>
                                <td class=style::cidr>{r.cidr.to_string()}</td>
                                <td class=if allow { style::allow } else { style::deny }>{r.action.to_string()}</td>
                                <td class=style::actions>
                                    <button
                                        class=style::delete
                                        data-testid=del
                                        aria-label=format!("delete {} rule {n} of {id}", dir.as_str())
                                        title="delete rule"
                                        on:click=move |_| {
                                            app.edit(
                                                &form,
                                                Edit::RemoveNaclRule { nacl: id.clone(), direction: dir, number: n },
                                            );
                                        }
                                    >
                                        "×"
                                    </button>
                                </td>
                            </tr>
                        }
                    }
                </For>
                <tr class=style::star>
                    <td class=style::num>"*"</td>
                    <td>"all traffic"</td>
                    <td class=style::cidr>"0.0.0.0/0"</td>
                    <td class=style::deny>"deny"</td>
                    <td></td>
                </tr>
            </tbody>
        </table>
    }
}

/// The form that adds a rule to a network ACL.
#[component]
fn NaclAddForm(id: String) -> impl IntoView {
    let app = use_app();
    let form = nacl_form(&id);
    let direction: NodeRef<html::Select> = NodeRef::new();
    let number: NodeRef<html::Input> = NodeRef::new();
    let protocol: NodeRef<html::Select> = NodeRef::new();
    let ports: NodeRef<html::Input> = NodeRef::new();
    let cidr: NodeRef<html::Input> = NodeRef::new();
    let action: NodeRef<html::Select> = NodeRef::new();
    let submit = {
        let id = id.clone();
        let form = form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::AddNaclRule {
                nacl: id.clone(),
                direction: parse_direction(&select_value(direction)),
                number: input_value(number),
                protocol: select_value(protocol),
                ports: input_value(ports),
                cidr: input_value(cidr),
                action: select_value(action),
            };
            if app.edit(&form, edit) {
                if let Some(n) = number.get_untracked() {
                    n.set_value("");
                }
            }
        }
    };

    view! {
        <form class=style::add on:submit=submit aria-label=format!("add a rule to {id}")>
            <span class=style::addTitle>"Add rule"</span>
            <select node_ref=direction data-testid="nacl-add-direction" aria-label="direction">
                <option value="inbound" selected=true>"inbound"</option>
                <option value="outbound">"outbound"</option>
            </select>
            <input node_ref=number data-testid="nacl-add-number" type="text" inputmode="numeric" placeholder="#" aria-label="rule number" class=style::short/>
            <select node_ref=protocol data-testid="nacl-add-protocol" aria-label="protocol">
                <option value="tcp" selected=true>"TCP"</option>
                <option value="udp">"UDP"</option>
                <option value="icmp">"ICMP"</option>
                <option value="all">"all"</option>
            </select>
            <input node_ref=ports data-testid="nacl-add-ports" type="text" placeholder="443 or 1024-65535" aria-label="ports" class=style::mid/>
            <input node_ref=cidr data-testid="nacl-add-cidr" type="text" placeholder="0.0.0.0/0" aria-label="CIDR" class=style::mid/>
            <select node_ref=action data-testid="nacl-add-action" aria-label="action">
                <option value="allow" selected=true>"allow"</option>
                <option value="deny">"deny"</option>
            </select>
            <button type="submit" data-testid="nacl-add-submit">"Add"</button>
        </form>
    }
}

#[component]
pub fn SgEditor(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let sg = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_sg(w, &id)))
    };
    let form = sg_form(&id);
    let name = move || sg.with(|g| g.as_ref().map(|g| g.name.clone()).unwrap_or_default());

    let tables = DIRECTIONS
        .into_iter()
        .map(|dir| view! { <SgTable id=id.clone() dir=dir sg=sg/> })
        .collect_view();

    view! {
        <section class=style::section data-testid=format!("sg-{id}")>
            <h3 class=style::heading>
                <span class=style::kind>"Security group"</span>
                <code>{id.clone()}</code>
                <span class=style::muted>{name}</span>
            </h3>
            <p class=style::note>"Stateful and allow-only: any matching rule allows; replies to allowed traffic always pass."</p>
            {tables}
            <SgAddForm id=id.clone()/>
            <EditError form=form.clone()/>
        </section>
    }
}

/// One direction's rules of a security group.
#[component]
fn SgTable(id: String, dir: Direction, sg: Memo<Option<SecurityGroup>>) -> impl IntoView {
    let app = use_app();
    let form = sg_form(&id);
    let rules = move || {
        sg.with(|g| {
            g.as_ref()
                .map(|g| g.rules(dir).iter().cloned().enumerate().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let peer = if dir == Direction::Inbound {
        "source"
    } else {
        "destination"
    };
    view! {
        <table class=style::table>
            <caption>{format!("{} rules", dir.as_str())}</caption>
            <thead>
                <tr>
                    <th scope="col">"traffic"</th>
                    <th scope="col">{peer}</th>
                    <th scope="col">"note"</th>
                    <th scope="col">
                        <span class="visually-hidden">"delete"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                <For each=rules key=|(i, r)| (*i, r.describe(Direction::Inbound), r.description.clone()) let:item>
                    {
                        let (i, r) = item;
                        let id = id.clone();
                        let form = form.clone();
                        let row_id = format!("sg-rule-{}-{}-{}", id, dir.as_str(), i);
                        let del_id = format!("sg-delete-{}-{}-{}", id, dir.as_str(), i);
                        let del_label = format!("delete {} rule {} of {id}", dir.as_str(), i + 1);
                        view! {
                            <tr data-testid=row_id>
                                <td>{format!("{} {}", r.protocol, r.ports)}</td>
                                <td class=style::mono>{r.peer.to_string()}</td>
                                <td class=style::muted>{r.description.clone()}</td>
                                <td class=style::actions>
                                    <button
                                        class=style::delete
                                        data-testid=del_id
                                        aria-label=del_label
                                        title="delete rule"
                                        on:click=move |_| {
                                            app.edit(&form, Edit::RemoveSgRule { sg: id.clone(), direction: dir, index: i });
                                        }
                                    >
                                        "×"
                                    </button>
                                </td>
                            </tr>
                        }
                    }
                </For>
                <Show when=move || sg.with(|g| g.as_ref().is_some_and(|g| g.rules(dir).is_empty()))>
                    <tr class=style::star>
                        <td colspan="4">"no rules: all " {dir.as_str()} " traffic is denied"</td>
                    </tr>
                </Show>
            </tbody>
        </table>
    }
}

/// The form that adds a rule to a security group.
#[component]
fn SgAddForm(id: String) -> impl IntoView {
    let app = use_app();
    let form = sg_form(&id);
    let direction: NodeRef<html::Select> = NodeRef::new();
    let protocol: NodeRef<html::Select> = NodeRef::new();
    let ports: NodeRef<html::Input> = NodeRef::new();
    let peer: NodeRef<html::Input> = NodeRef::new();
    let submit = {
        let id = id.clone();
        let form = form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::AddSgRule {
                sg: id.clone(),
                direction: parse_direction(&select_value(direction)),
                protocol: select_value(protocol),
                ports: input_value(ports),
                peer: input_value(peer),
                action: None,
            };
            app.edit(&form, edit);
        }
    };

    view! {
        <form class=style::add on:submit=submit aria-label=format!("add a rule to {id}")>
            <span class=style::addTitle>"Add rule"</span>
            <select node_ref=direction data-testid="sg-add-direction" aria-label="direction">
                <option value="inbound" selected=true>"inbound"</option>
                <option value="outbound">"outbound"</option>
            </select>
            <select node_ref=protocol data-testid="sg-add-protocol" aria-label="protocol">
                <option value="tcp" selected=true>"TCP"</option>
                <option value="udp">"UDP"</option>
                <option value="icmp">"ICMP"</option>
                <option value="all">"all"</option>
            </select>
            <input node_ref=ports data-testid="sg-add-ports" type="text" placeholder="443" aria-label="ports" class=style::short/>
            <input node_ref=peer data-testid="sg-add-peer" type="text" placeholder="CIDR or sg-…" aria-label="peer CIDR or security group id" class=style::mid/>
            <button type="submit" data-testid="sg-add-submit">"Add"</button>
        </form>
    }
}

#[component]
pub fn SubnetEditor(id: String) -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let subnet = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_subnet(w, &id)))
    };
    let form = format!("subnet:{id}");
    let initial = subnet
        .get_untracked()
        .map(|s| s.cidr.to_string())
        .unwrap_or_default();
    let input: NodeRef<html::Input> = NodeRef::new();
    // A CIDR stored differently from what was typed is said out loud.
    let stored_note: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = {
        let id = id.clone();
        let form = form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::SetSubnetCidr {
                subnet: id.clone(),
                cidr: input_value(input),
            };
            if app.edit(&form, edit.clone()) {
                stored_note.set(edit.normalised_note());
                if let (Some(el), Some(s)) = (input.get_untracked(), subnet.get_untracked()) {
                    el.set_value(&s.cidr.to_string());
                }
            } else {
                stored_note.set(None);
            }
        }
    };
    let id_note = id.clone();
    let facts = move || {
        subnet.with(|s| {
            s.as_ref().map(|s| {
                format!(
                    "{} · {} · {} usable addresses · route table {} · ACL {}",
                    s.name,
                    s.az,
                    s.usable(),
                    s.route_table.as_deref().unwrap_or("main"),
                    s.nacl
                )
            })
        })
    };
    view! {
        <section class=style::section data-testid=format!("subnet-{id}")>
            <form class=style::subnet on:submit=submit>
                <h3 class=style::heading>
                    <span class=style::kind>"Subnet"</span>
                    <code>{id.clone()}</code>
                </h3>
                <div class=style::subnetRow>
                    <input
                        node_ref=input
                        type="text"
                        class=style::cidrInput
                        data-testid=format!("subnet-cidr-{id}")
                        value=initial
                        spellcheck="false"
                        aria-label=format!("CIDR of {id}")
                    />
                    <button type="submit" data-testid=format!("subnet-cidr-save-{id}")>"Save CIDR"</button>
                </div>
                <p class=style::note>
                    "now " <code>{move || subnet.with(|s| s.as_ref().map(|s| s.cidr.to_string()).unwrap_or_default())}</code>
                    " · " {facts}
                </p>
                {move || {
                    stored_note
                        .get()
                        .map(|n| {
                            view! {
                                <p class=style::note role="status" data-testid=format!("subnet-cidr-stored-{id_note}")>
                                    {n}
                                </p>
                            }
                        })
                }}
            </form>
            <EditError form=form.clone()/>
        </section>
    }
}
