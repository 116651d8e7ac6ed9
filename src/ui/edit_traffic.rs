//! Editors for the request's path in the inspector: the WAF web ACL's
//! rules, the ALB's listener rules and target groups, the Ingress's paths
//! and CloudFront's cache behaviours. Every change is an `Edit` carried out
//! by `AppState::edit` (so it is journaled like any other step); a refused
//! edit shows the engine's reason in a `role="alert"` next to its form and
//! keeps what the learner typed (the fields are plain inputs read on submit).

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::html;
use leptos::prelude::*;

use super::state::{use_app, use_handle, Live, Selection};
use crate::sim::scenario::{
    Alb, AlbAction, Algorithm, AllowedMethods, Behavior, Condition, Ingress, ListenerRule,
    TargetGroup, WafStatement, WebAcl,
};
use crate::sim::{Edit, World};

stylance::import_crate_style!(style, "src/ui/edit_traffic.module.css");

/// Which editor the inspector's component `id` gets, if any.
#[component]
pub fn TrafficEditor(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let kind = live.world.with_untracked(|w| {
        let s = w.scenario();
        if s.cdn.id == id {
            Some(0)
        } else if find_acl(w, &id).is_some() {
            Some(1)
        } else if s.regions.iter().any(|r| r.alb.id == id) {
            Some(2)
        } else if s.regions.iter().any(|r| r.cluster.ingress.id == id) {
            Some(3)
        } else {
            None
        }
    });
    match kind {
        Some(0) => view! { <CdnEditor/> }.into_any(),
        Some(1) => view! { <WafEditor id=id/> }.into_any(),
        Some(2) => view! { <AlbEditor id=id/> }.into_any(),
        Some(3) => view! { <IngressEditor id=id/> }.into_any(),
        _ => ().into_any(),
    }
}

// ------------------------------------------------------------ helpers

static NEXT_UID: AtomicUsize = AtomicUsize::new(0);

/// A prefix for element ids that is unique in the document, so each
/// `<label for>` names its own field even with several apps on a page.
fn uid(what: &str) -> String {
    format!("{what}-{}", NEXT_UID.fetch_add(1, Ordering::Relaxed))
}

fn input_value(r: NodeRef<html::Input>) -> String {
    r.get_untracked().map(|e| e.value()).unwrap_or_default()
}

fn select_value(r: NodeRef<html::Select>) -> String {
    r.get_untracked().map(|e| e.value()).unwrap_or_default()
}

fn set_input(r: NodeRef<html::Input>, v: &str) {
    if let Some(e) = r.get_untracked() {
        e.set_value(v);
    }
}

fn set_select(r: NodeRef<html::Select>, v: &str) {
    if let Some(e) = r.get_untracked() {
        e.set_value(v);
    }
}

/// A labelled text field; `testid` is also the tail of its element id.
fn text_field(
    uid: &str,
    testid: &str,
    label: &'static str,
    r: NodeRef<html::Input>,
    initial: String,
) -> impl IntoView {
    let id = format!("{uid}-{testid}");
    view! {
        <span class=style::field>
            <label for=id.clone()>{label}</label>
            <input id=id type="text" node_ref=r value=initial spellcheck="false" data-testid=testid.to_string()/>
        </span>
    }
}

/// A labelled select of fixed options (value, text); the first is chosen
/// unless `selected` names another.
fn select_field(
    uid: &str,
    testid: &str,
    label: &'static str,
    r: NodeRef<html::Select>,
    options: &[(&'static str, &'static str)],
    selected: &str,
) -> impl IntoView {
    let id = format!("{uid}-{testid}");
    let options = options
        .iter()
        .map(|(v, t)| view! { <option value=*v selected=*v == selected>{*t}</option> })
        .collect_view();
    view! {
        <span class=style::field>
            <label for=id.clone()>{label}</label>
            <select id=id node_ref=r data-testid=testid.to_string()>{options}</select>
        </span>
    }
}

/// The refusal of this form's last edit, next to it.
#[component]
fn Refusal(form: String) -> impl IntoView {
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

fn find_acl(w: &World, id: &str) -> Option<WebAcl> {
    let s = w.scenario();
    if s.waf.id == id {
        return Some(s.waf.clone());
    }
    s.regions
        .iter()
        .filter_map(|r| r.alb.web_acl.as_ref())
        .find(|a| a.id == id)
        .cloned()
}

// ------------------------------------------------------------ WAF

const STATEMENTS: [(&str, &str); 5] = [
    ("ip_set", "IP set"),
    ("geo_match", "geo match"),
    ("rate_based", "rate-based"),
    ("sql_injection", "SQL injection"),
    ("xss", "cross-site scripting"),
];
const WAF_ACTIONS: [(&str, &str); 3] = [("block", "Block"), ("allow", "Allow"), ("count", "Count")];
const WINDOWS: [(&str, &str); 4] = [
    ("300", "300 s"),
    ("60", "60 s"),
    ("120", "120 s"),
    ("600", "600 s"),
];

#[component]
fn WafEditor(id: String) -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let acl = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_acl(w, &id)))
    };
    let rules = move || acl.with(|a| a.as_ref().map(|a| a.rules.clone()).unwrap_or_default());
    let names_where = move |f: fn(&WafStatement) -> bool| {
        acl.with(|a| {
            a.as_ref()
                .map(|a| {
                    a.rules
                        .iter()
                        .filter(|r| f(&r.statement))
                        .map(|r| r.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let default_action = move || {
        acl.with(|a| {
            a.as_ref()
                .map(|a| a.default_action.to_string())
                .unwrap_or_default()
        })
    };
    let u = uid("waf");
    let table_form = format!("waf-rules:{id}");

    // Add a rule.
    let add_form = format!("waf-add:{id}");
    let (a_priority, a_name, a_values, a_limit) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let (a_statement, a_window, a_action) = (
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Select>::new(),
    );
    let add = {
        let (id, form) = (id.clone(), add_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(
                &form,
                Edit::AddWafRule {
                    web_acl: id.clone(),
                    priority: input_value(a_priority),
                    name: input_value(a_name),
                    statement: select_value(a_statement),
                    values: input_value(a_values),
                    limit: input_value(a_limit),
                    window_s: select_value(a_window),
                    action: select_value(a_action),
                },
            );
        }
    };

    // Move a rule.
    let move_form = format!("waf-move:{id}");
    let (m_rule, m_priority) = (
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Input>::new(),
    );
    let move_rule = {
        let (id, form) = (id.clone(), move_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(
                &form,
                Edit::SetWafRulePriority {
                    web_acl: id.clone(),
                    name: select_value(m_rule),
                    priority: input_value(m_priority),
                },
            );
        }
    };

    // A rate-based rule's limit.
    let rate_form = format!("waf-rate:{id}");
    let (r_rule, r_limit) = (
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Input>::new(),
    );
    let set_rate = {
        let (id, form) = (id.clone(), rate_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(
                &form,
                Edit::SetWafRateLimit {
                    web_acl: id.clone(),
                    name: select_value(r_rule),
                    limit: input_value(r_limit),
                },
            );
        }
    };

    // An IP set's addresses.
    let ip_form = format!("waf-ipset:{id}");
    let (i_rule, i_op, i_cidr) = (
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Input>::new(),
    );
    let edit_ip = {
        let (id, form) = (id.clone(), ip_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (web_acl, name, cidr) = (id.clone(), select_value(i_rule), input_value(i_cidr));
            let edit = if select_value(i_op) == "remove" {
                Edit::RemoveWafIpSetEntry {
                    web_acl,
                    name,
                    cidr,
                }
            } else {
                Edit::AddWafIpSetEntry {
                    web_acl,
                    name,
                    cidr,
                }
            };
            app.edit(&form, edit);
        }
    };

    let options = move |names: Vec<String>| {
        names
            .into_iter()
            .map(|n| view! { <option value=n.clone()>{n.clone()}</option> })
            .collect_view()
    };
    let rule_select = move |u: &str,
                            testid: &'static str,
                            r: NodeRef<html::Select>,
                            f: fn(&WafStatement) -> bool| {
        let fid = format!("{u}-{testid}");
        view! {
            <span class=style::field>
                <label for=fid.clone()>"rule"</label>
                <select id=fid node_ref=r data-testid=testid>{move || options(names_where(f))}</select>
            </span>
        }
    };

    let table_refusal = table_form.clone();
    view! {
        <section class=style::section data-testid="waf-editor">
            <h3 class=style::heading>
                <span class=style::kind>"Web ACL rules"</span>
                <code>{id.clone()}</code>
            </h3>
            <p class=style::note>
                "Lowest priority first; Allow and Block end the evaluation, Count goes on. No rule ends it: the default action ("
                {default_action} ")."
            </p>
            <table class=style::table>
                <caption>"Rules"</caption>
                <thead>
                    <tr>
                        <th scope="col">"priority"</th>
                        <th scope="col">"name"</th>
                        <th scope="col">"statement"</th>
                        <th scope="col">"action"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=rules key=|r| format!("{r:?}") let:r>
                        {
                            let (id, form, name) = (id.clone(), table_form.clone(), r.name.clone());
                            view! {
                                <tr data-testid=format!("waf-rule-{}", r.name) data-priority=r.priority.to_string()>
                                    <td>{r.priority}</td>
                                    <td>{r.name.clone()}</td>
                                    <td>{r.statement.to_string()}</td>
                                    <td>{r.action.to_string()}</td>
                                    <td>
                                        <button
                                            type="button"
                                            class=style::delete
                                            data-testid=format!("waf-delete-{}", r.name)
                                            aria-label=format!("delete rule {}", r.name)
                                            on:click=move |_| {
                                                app.edit(&form, Edit::RemoveWafRule { web_acl: id.clone(), name: name.clone() });
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
            <Refusal form=table_refusal/>

            <form class=style::form on:submit=add aria-label="add a WAF rule">
                <span class=style::title>"Add rule"</span>
                {text_field(&u, "waf-add-priority", "priority", a_priority, String::new())}
                {text_field(&u, "waf-add-name", "name", a_name, String::new())}
                {select_field(&u, "waf-add-statement", "statement", a_statement, &STATEMENTS, "ip_set")}
                {text_field(&u, "waf-add-values", "CIDRs or countries", a_values, String::new())}
                {text_field(&u, "waf-add-limit", "rate limit", a_limit, String::new())}
                {select_field(&u, "waf-add-window", "rate window", a_window, &WINDOWS, "300")}
                {select_field(&u, "waf-add-action", "action", a_action, &WAF_ACTIONS, "block")}
                <button type="submit" data-testid="waf-add-submit">"Add rule"</button>
            </form>
            <Refusal form=add_form/>

            <form class=style::form on:submit=move_rule aria-label="change a WAF rule's priority">
                <span class=style::title>"Change priority"</span>
                {rule_select(&u, "waf-move-rule", m_rule, |_| true)}
                {text_field(&u, "waf-move-priority", "new priority", m_priority, String::new())}
                <button type="submit" data-testid="waf-move-submit">"Move"</button>
            </form>
            <Refusal form=move_form/>

            <form class=style::form on:submit=set_rate aria-label="change a rate-based rule's limit">
                <span class=style::title>"Rate limit (at least 10 per window)"</span>
                {rule_select(&u, "waf-rate-rule", r_rule, |s| matches!(s, WafStatement::RateBased { .. }))}
                {text_field(&u, "waf-rate-limit", "limit", r_limit, String::new())}
                <button type="submit" data-testid="waf-rate-submit">"Set limit"</button>
            </form>
            <Refusal form=rate_form/>

            <form class=style::form on:submit=edit_ip aria-label="add or remove an IP set address">
                <span class=style::title>"IP set addresses"</span>
                {rule_select(&u, "waf-ipset-rule", i_rule, |s| matches!(s, WafStatement::IpSet { .. }))}
                {select_field(&u, "waf-ipset-op", "change", i_op, &[("add", "add"), ("remove", "remove")], "add")}
                {text_field(&u, "waf-ipset-cidr", "CIDR", i_cidr, String::new())}
                <button type="submit" data-testid="waf-ipset-submit">"Apply"</button>
            </form>
            <Refusal form=ip_form/>
        </section>
    }
}

// ------------------------------------------------------------ ALB

const ALB_ACTIONS: [(&str, &str); 3] = [
    ("forward", "forward"),
    ("redirect", "redirect"),
    ("fixed_response", "fixed response"),
];
const TARGET_TYPES: [(&str, &str); 2] = [
    ("ip", "ip (pod addresses)"),
    ("instance", "instance (nodes on a NodePort)"),
];
const ALGORITHMS: [(&str, &str); 3] = [
    ("round_robin", "round robin"),
    ("least_outstanding_requests", "least outstanding requests"),
    ("weighted_random", "weighted random"),
];

fn find_alb(w: &World, id: &str) -> Option<Alb> {
    w.scenario()
        .regions
        .iter()
        .find(|r| r.alb.id == id)
        .map(|r| r.alb.clone())
}

fn action_text(a: &AlbAction) -> String {
    match a {
        AlbAction::Forward { target_group } => format!("forward to {target_group}"),
        AlbAction::WeightedForward { groups } => format!(
            "forward to {}",
            groups
                .iter()
                .map(|g| format!("{} ({})", g.target_group, g.weight))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AlbAction::Redirect {
            status, host, path, ..
        } => format!(
            "redirect {status} to {}{}",
            host.as_deref().unwrap_or("#{host}"),
            path.as_deref().unwrap_or("/#{path}")
        ),
        AlbAction::FixedResponse { status, .. } => format!("fixed response {status}"),
    }
}

/// A rule as the form's fields: host, path, method, header, action,
/// target, status, body.
fn rule_fields(r: &ListenerRule) -> [String; 8] {
    let mut f: [String; 8] = Default::default();
    for c in &r.conditions {
        match c {
            Condition::HostHeader { values } => f[0] = values.join(", "),
            Condition::PathPattern { values } => f[1] = values.join(", "),
            Condition::HttpRequestMethod { values } => f[2] = values.join(", "),
            Condition::HttpHeader { name, values } => {
                f[3] = format!("{name}: {}", values.join(", "))
            }
            _ => {}
        }
    }
    match &r.action {
        AlbAction::Forward { target_group } => {
            f[4] = "forward".into();
            f[5] = target_group.clone();
        }
        AlbAction::WeightedForward { groups } => {
            f[4] = "forward".into();
            f[5] = groups
                .first()
                .map(|g| g.target_group.clone())
                .unwrap_or_default();
        }
        AlbAction::Redirect {
            status, host, path, ..
        } => {
            f[4] = "redirect".into();
            f[5] = match host {
                Some(h) => format!("https://{h}{}", path.as_deref().unwrap_or("")),
                None => path.clone().unwrap_or_default(),
            };
            f[6] = status.to_string();
        }
        AlbAction::FixedResponse { status, body } => {
            f[4] = "fixed_response".into();
            f[6] = status.to_string();
            f[7] = body.clone();
        }
    }
    f
}

#[component]
fn AlbEditor(id: String) -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let alb = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_alb(w, &id)))
    };
    let rules = move || {
        alb.with(|a| {
            a.as_ref()
                .map(|a| a.listener.rules.clone())
                .unwrap_or_default()
        })
    };
    let default_status =
        move || alb.with(|a| a.as_ref().map(|a| a.listener.default_status).unwrap_or(404));
    let u = uid("alb");
    let table_form = format!("alb-rules:{id}");
    let rule_form = format!("alb-rule:{id}");

    let which = NodeRef::<html::Select>::new();
    let priority = NodeRef::<html::Input>::new();
    let fields: [NodeRef<html::Input>; 7] = Default::default();
    let [host, path, method, header, target, status, body] = fields;
    let action = NodeRef::<html::Select>::new();

    // Picking an existing rule fills the form with it.
    let pick = move |_| {
        let chosen = select_value(which);
        let rule = alb.with_untracked(|a| {
            a.as_ref().and_then(|a| {
                a.listener
                    .rules
                    .iter()
                    .find(|r| r.priority.to_string() == chosen)
                    .cloned()
            })
        });
        let (p, f) = match &rule {
            Some(r) => (r.priority.to_string(), rule_fields(r)),
            None => (String::new(), Default::default()),
        };
        set_input(priority, &p);
        for (r, v) in [host, path, method, header].iter().zip(&f[..4]) {
            set_input(*r, v);
        }
        set_select(action, if f[4].is_empty() { "forward" } else { &f[4] });
        set_input(target, &f[5]);
        set_input(status, &f[6]);
        set_input(body, &f[7]);
    };

    let save = {
        let (id, form) = (id.clone(), rule_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = select_value(which);
            let (alb, priority) = (id.clone(), input_value(priority));
            let (host, path, method, header) = (
                input_value(host),
                input_value(path),
                input_value(method),
                input_value(header),
            );
            let (action, target, status, body) = (
                select_value(action),
                input_value(target),
                input_value(status),
                input_value(body),
            );
            let edit = if chosen == "new" {
                Edit::AddListenerRule {
                    alb,
                    priority,
                    host,
                    path,
                    method,
                    header,
                    action,
                    target,
                    status,
                    body,
                }
            } else {
                Edit::ChangeListenerRule {
                    alb,
                    rule: chosen,
                    priority,
                    host,
                    path,
                    method,
                    header,
                    action,
                    target,
                    status,
                    body,
                }
            };
            app.edit(&form, edit);
        }
    };
    let which_id = format!("{u}-alb-rule-which");

    let target_groups = move || {
        alb.with(|a| {
            a.as_ref()
                .map(|a| a.target_groups.clone())
                .unwrap_or_default()
        })
    };

    let table_refusal = table_form.clone();
    let alb_id = id.clone();
    view! {
        <section class=style::section data-testid="alb-editor">
            <h3 class=style::heading>
                <span class=style::kind>"Listener rules"</span>
                <code>{id.clone()}</code>
            </h3>
            <p class=style::note>
                "Lowest priority number first; the first rule whose conditions all match acts. The default rule comes last and cannot be deleted."
            </p>
            <table class=style::table>
                <caption>"HTTPS listener"</caption>
                <thead>
                    <tr>
                        <th scope="col">"priority"</th>
                        <th scope="col">"conditions"</th>
                        <th scope="col">"action"</th>
                        <th scope="col">"written by"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=rules key=|r| format!("{r:?}") let:r>
                        {
                            let (id, form, p) = (id.clone(), table_form.clone(), r.priority);
                            let conds = r.conditions.iter().map(|c| c.describe()).collect::<Vec<_>>().join(" and ");
                            let by = if r.from_ingress_path.is_empty() {
                                "the ALB".to_string()
                            } else {
                                format!("Ingress {}", r.from_ingress_path)
                            };
                            view! {
                                <tr data-testid=format!("alb-rule-{p}")>
                                    <td>{p}</td>
                                    <td>{conds}</td>
                                    <td>{action_text(&r.action)}</td>
                                    <td>{by}</td>
                                    <td>
                                        <button
                                            type="button"
                                            class=style::delete
                                            data-testid=format!("alb-delete-{p}")
                                            aria-label=format!("delete listener rule {p}")
                                            on:click=move |_| {
                                                app.edit(&form, Edit::RemoveListenerRule { alb: id.clone(), priority: p.to_string() });
                                            }
                                        >
                                            "×"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                    <tr class=style::fixed data-testid="alb-rule-default">
                        <td>"default"</td>
                        <td>"none"</td>
                        <td>{move || format!("fixed response {}", default_status())}</td>
                        <td>"the ALB"</td>
                        <td></td>
                    </tr>
                </tbody>
            </table>
            <Refusal form=table_refusal/>

            <form class=style::form on:submit=save aria-label="create or change a listener rule">
                <span class=style::title>"Create or change a rule"</span>
                <span class=style::field>
                    <label for=which_id.clone()>"rule"</label>
                    <select id=which_id node_ref=which data-testid="alb-rule-which" on:change=pick>
                        <option value="new" selected=true>"new rule"</option>
                        {move || {
                            rules()
                                .into_iter()
                                .map(|r| {
                                    let p = r.priority.to_string();
                                    view! { <option value=p.clone()>{format!("rule {p}")}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </span>
                {text_field(&u, "alb-rule-priority", "priority (1-50000)", priority, String::new())}
                {text_field(&u, "alb-rule-host", "host is", host, String::new())}
                {text_field(&u, "alb-rule-path", "path is", path, String::new())}
                {text_field(&u, "alb-rule-method", "method is", method, String::new())}
                {text_field(&u, "alb-rule-header", "header (Name: value)", header, String::new())}
                {select_field(&u, "alb-rule-action", "action", action, &ALB_ACTIONS, "forward")}
                {text_field(&u, "alb-rule-target", "target group or redirect to", target, String::new())}
                {text_field(&u, "alb-rule-status", "status", status, String::new())}
                {text_field(&u, "alb-rule-body", "body", body, String::new())}
                <button type="submit" data-testid="alb-rule-submit">"Save rule"</button>
            </form>
            <Refusal form=rule_form/>

            <For each=target_groups key=|t| t.id.clone() let:t>
                <TargetGroupForm tg=t/>
            </For>
            <CreateTargetGroupForm alb=alb_id/>
        </section>
    }
}

/// Create a target group on this load balancer. It has no registered
/// targets (no Service is bound to it), so a rule forwarding to it gets the
/// ALB's 503. Empty health-check fields take AWS's defaults.
#[component]
fn CreateTargetGroupForm(alb: String) -> impl IntoView {
    let app = use_app();
    let u = uid("tg-create");
    let form = format!("tg-create:{alb}");
    let kind = NodeRef::<html::Select>::new();
    let fields: [NodeRef<html::Input>; 6] = Default::default();
    let [id, port, hpath, interval, healthy, unhealthy] = fields;
    let save = {
        let (alb, form) = (alb.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let edit = Edit::CreateTargetGroup {
                id: input_value(id),
                alb: alb.clone(),
                port: input_value(port),
                target_type: select_value(kind),
                health_path: input_value(hpath),
                health_interval_s: input_value(interval),
                healthy_threshold: input_value(healthy),
                unhealthy_threshold: input_value(unhealthy),
            };
            if app.edit(&form, edit) {
                for r in fields {
                    set_input(r, "");
                }
            }
        }
    };
    view! {
        <form class=style::form on:submit=save aria-label=format!("create a target group on {alb}") data-testid="tg-create-form">
            <span class=style::title>"New target group (no targets until some are registered; fact sheet §8)"</span>
            {text_field(&u, "tg-create-id", "id", id, String::new())}
            {text_field(&u, "tg-create-port", "port", port, String::new())}
            {select_field(&u, "tg-create-type", "target type", kind, &TARGET_TYPES, "ip")}
            {text_field(&u, "tg-create-health-path", "health check path (default /)", hpath, String::new())}
            {text_field(&u, "tg-create-interval", "interval (5-300 s, default 30)", interval, String::new())}
            {text_field(&u, "tg-create-healthy", "healthy threshold (2-10, default 5)", healthy, String::new())}
            {text_field(&u, "tg-create-unhealthy", "unhealthy threshold (2-10, default 2)", unhealthy, String::new())}
            <button type="submit" data-testid="tg-create-submit">"Create target group"</button>
        </form>
        <Refusal form=form/>
    }
}

/// A target group's algorithm, stickiness and health check, filled with
/// what it has now.
#[component]
fn TargetGroupForm(tg: TargetGroup) -> impl IntoView {
    let app = use_app();
    let u = uid("tg");
    let form = format!("tg:{}", tg.id);
    let algorithm = NodeRef::<html::Select>::new();
    let fields: [NodeRef<html::Input>; 5] = Default::default();
    let [sticky, hpath, interval, healthy, unhealthy] = fields;
    let save = {
        let (id, form) = (tg.id.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(
                &form,
                Edit::SetTargetGroup {
                    target_group: id.clone(),
                    algorithm: select_value(algorithm),
                    stickiness_s: input_value(sticky),
                    health_path: input_value(hpath),
                    health_interval_s: input_value(interval),
                    healthy_threshold: input_value(healthy),
                    unhealthy_threshold: input_value(unhealthy),
                },
            );
        }
    };
    let delete = {
        let (id, form) = (tg.id.clone(), form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(&form, Edit::DeleteTargetGroup { id: id.clone() });
        }
    };
    let algo = match tg.algorithm {
        Algorithm::RoundRobin => "round_robin",
        Algorithm::LeastOutstandingRequests => "least_outstanding_requests",
        Algorithm::WeightedRandom => "weighted_random",
    };
    let t = |k: &str| format!("tg-{k}-{}", tg.id);
    view! {
        <form class=style::form on:submit=save aria-label=format!("settings of target group {}", tg.id) data-testid=t("form")>
            <span class=style::title>"Target group " <code>{tg.id.clone()}</code></span>
            {select_field(&u, &t("algorithm"), "algorithm", algorithm, &ALGORITHMS, algo)}
            {text_field(&u, &t("stickiness"), "stickiness (s or off)", sticky, tg.stickiness_s.map(|s| s.to_string()).unwrap_or_else(|| "off".into()))}
            {text_field(&u, &t("health-path"), "health check path", hpath, tg.health_path.clone())}
            {text_field(&u, &t("interval"), "interval (5-300 s)", interval, tg.health_interval_s.to_string())}
            {text_field(&u, &t("healthy"), "healthy threshold (2-10)", healthy, tg.healthy_threshold.to_string())}
            {text_field(&u, &t("unhealthy"), "unhealthy threshold (2-10)", unhealthy, tg.unhealthy_threshold.to_string())}
            <button type="submit" data-testid=t("submit")>"Save target group"</button>
        </form>
        <form class=style::form on:submit=delete aria-label=format!("delete target group {}", tg.id)>
            <button type="submit" data-testid=t("delete")>"Delete target group " {tg.id.clone()}</button>
        </form>
        <Refusal form=form/>
    }
}

// ------------------------------------------------------------ Ingress

fn find_ingress(w: &World, id: &str) -> Option<Ingress> {
    w.scenario()
        .regions
        .iter()
        .find(|r| r.cluster.ingress.id == id)
        .map(|r| r.cluster.ingress.clone())
}

#[component]
fn IngressEditor(id: String) -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let ingress = {
        let id = id.clone();
        Memo::new(move |_| live.world.with(|w| find_ingress(w, &id)))
    };
    let paths = move || ingress.with(|i| i.as_ref().map(|i| i.rules.clone()).unwrap_or_default());
    let u = uid("ing");
    let table_form = format!("ingress-paths:{id}");
    let add_form = format!("ingress-add:{id}");
    let (path, service, port) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let path_type = NodeRef::<html::Select>::new();
    let add = {
        let (id, form) = (id.clone(), add_form.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            app.edit(
                &form,
                Edit::AddIngressPath {
                    ingress: id.clone(),
                    path: input_value(path),
                    path_type: select_value(path_type),
                    service: input_value(service),
                    port: input_value(port),
                },
            );
        }
    };
    let table_refusal = table_form.clone();
    view! {
        <section class=style::section data-testid="ingress-editor">
            <h3 class=style::heading>
                <span class=style::kind>"Ingress paths"</span>
                <code>{id.clone()}</code>
            </h3>
            <p class=style::note>
                "The longest matching path wins, Exact before Prefix on a tie. The load balancer controller writes the ALB's listener rules from these paths, so an edit here changes them too."
            </p>
            <table class=style::table>
                <caption>"Paths"</caption>
                <thead>
                    <tr>
                        <th scope="col">"path"</th>
                        <th scope="col">"pathType"</th>
                        <th scope="col">"backend"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=paths key=|p| format!("{p:?}") let:p>
                        {
                            let (id, form) = (id.clone(), table_form.clone());
                            let t = format!("{:?}", p.path_type);
                            let key = format!("{}-{t}", p.path);
                            let path = p.path.clone();
                            let t2 = t.clone();
                            view! {
                                <tr data-testid=format!("ingress-path-{key}")>
                                    <td>{p.path.clone()}</td>
                                    <td>{t.clone()}</td>
                                    <td>{format!("{}:{}", p.service, p.port)}</td>
                                    <td>
                                        <button
                                            type="button"
                                            class=style::delete
                                            data-testid=format!("ingress-delete-{key}")
                                            aria-label=format!("delete path {} ({t})", p.path)
                                            on:click=move |_| {
                                                app.edit(&form, Edit::RemoveIngressPath { ingress: id.clone(), path: path.clone(), path_type: t2.clone() });
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
            <Refusal form=table_refusal/>
            <form class=style::form on:submit=add aria-label="add an Ingress path">
                <span class=style::title>"Add path"</span>
                {text_field(&u, "ingress-add-path", "path", path, String::new())}
                {select_field(&u, "ingress-add-type", "pathType", path_type, &[("Prefix", "Prefix"), ("Exact", "Exact")], "Prefix")}
                {text_field(&u, "ingress-add-service", "Service", service, String::new())}
                {text_field(&u, "ingress-add-port", "port", port, "80".into())}
                <button type="submit" data-testid="ingress-add-submit">"Add path"</button>
            </form>
            <Refusal form=add_form/>
        </section>
    }
}

// ------------------------------------------------------------ CloudFront

const METHOD_SETS: [(&str, &str); 3] = [
    ("GET,HEAD", "GET, HEAD"),
    ("GET,HEAD,OPTIONS", "GET, HEAD, OPTIONS"),
    ("all", "all seven"),
];

fn methods_value(m: AllowedMethods) -> &'static str {
    match m {
        AllowedMethods::GetHead => "GET,HEAD",
        AllowedMethods::GetHeadOptions => "GET,HEAD,OPTIONS",
        AllowedMethods::All => "all",
    }
}

#[component]
fn CdnEditor() -> impl IntoView {
    let app = use_app();
    let live = use_handle::<Live>();
    let behaviours = Memo::new(move |_| live.world.with(|w| w.scenario().cdn.behaviors.clone()));
    let u = uid("cf");
    let table_form = "cdn-behaviours".to_string();
    let save_form = "cdn-behaviour".to_string();
    let which = NodeRef::<html::Select>::new();
    let fields: [NodeRef<html::Input>; 5] = Default::default();
    let [pattern, origin, min, default, max] = fields;
    let methods = NodeRef::<html::Select>::new();

    let pick = move |_| {
        let chosen = select_value(which);
        let b: Option<Behavior> =
            behaviours.with_untracked(|bs| bs.iter().find(|b| b.path_pattern == chosen).cloned());
        match b {
            Some(b) => {
                set_input(pattern, &b.path_pattern);
                set_input(origin, &b.origin);
                set_input(min, &b.min_ttl_s.to_string());
                set_input(default, &b.default_ttl_s.to_string());
                set_input(max, &b.max_ttl_s.to_string());
                set_select(methods, methods_value(b.allowed_methods));
            }
            None => {
                for r in [pattern, origin, min, default, max] {
                    set_input(r, "");
                }
                set_select(methods, "GET,HEAD");
            }
        }
    };
    let save = {
        let form = save_form.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = select_value(which);
            let (path_pattern, origin, min_ttl_s, default_ttl_s, max_ttl_s, allowed_methods) = (
                input_value(pattern),
                input_value(origin),
                input_value(min),
                input_value(default),
                input_value(max),
                select_value(methods),
            );
            let edit = if chosen == "new" {
                Edit::AddCacheBehavior {
                    path_pattern,
                    origin,
                    min_ttl_s,
                    default_ttl_s,
                    max_ttl_s,
                    allowed_methods,
                }
            } else {
                Edit::ChangeCacheBehavior {
                    behavior: chosen,
                    path_pattern,
                    origin,
                    min_ttl_s,
                    default_ttl_s,
                    max_ttl_s,
                    allowed_methods,
                }
            };
            app.edit(&form, edit);
        }
    };
    let which_id = format!("{u}-cdn-which");
    let indexed = move || behaviours.get().into_iter().enumerate().collect::<Vec<_>>();

    let table_refusal = table_form.clone();
    view! {
        <section class=style::section data-testid="cdn-editor">
            <h3 class=style::heading>
                <span class=style::kind>"Cache behaviours"</span>
            </h3>
            <p class=style::note>
                "The first pattern that matches wins; the default * comes last, keeps its pattern and cannot be deleted. TTLs: minimum ≤ default ≤ maximum."
            </p>
            <table class=style::table>
                <caption>"Behaviours"</caption>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"pattern"</th>
                        <th scope="col">"origin"</th>
                        <th scope="col">"TTL min / default / max (s)"</th>
                        <th scope="col">"methods"</th>
                        <th scope="col"><span class="visually-hidden">"delete"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=indexed key=|(i, b)| format!("{i}{b:?}") let:item>
                        {
                            let (i, b) = item;
                            let form = table_form.clone();
                            let p = b.path_pattern.clone();
                            let is_default = p == "*";
                            view! {
                                <tr data-testid=format!("cdn-behaviour-{p}") data-ttl=format!("{}/{}/{}", b.min_ttl_s, b.default_ttl_s, b.max_ttl_s) data-methods=methods_value(b.allowed_methods)>
                                    <td>{i + 1}</td>
                                    <td><code>{p.clone()}</code></td>
                                    <td>{b.origin.clone()}</td>
                                    <td>{format!("{} / {} / {}", b.min_ttl_s, b.default_ttl_s, b.max_ttl_s)}</td>
                                    <td>{b.allowed_methods.methods().join(", ")}</td>
                                    <td>
                                        {(!is_default).then(|| {
                                            let p2 = p.clone();
                                            view! {
                                                <button
                                                    type="button"
                                                    class=style::delete
                                                    data-testid=format!("cdn-delete-{p}")
                                                    aria-label=format!("delete behaviour {p}")
                                                    on:click=move |_| {
                                                        app.edit(&form, Edit::RemoveCacheBehavior { path_pattern: p2.clone() });
                                                    }
                                                >
                                                    "×"
                                                </button>
                                            }
                                        })}
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <Refusal form=table_refusal/>
            <form class=style::form on:submit=save aria-label="create or change a cache behaviour">
                <span class=style::title>"Create or change a behaviour"</span>
                <span class=style::field>
                    <label for=which_id.clone()>"behaviour"</label>
                    <select id=which_id node_ref=which data-testid="cdn-which" on:change=pick>
                        <option value="new" selected=true>"new behaviour"</option>
                        {move || {
                            behaviours
                                .get()
                                .into_iter()
                                .map(|b| {
                                    let p = b.path_pattern.clone();
                                    view! { <option value=p.clone()>{p.clone()}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </span>
                {text_field(&u, "cdn-pattern", "path pattern", pattern, String::new())}
                {text_field(&u, "cdn-origin", "origin", origin, String::new())}
                {text_field(&u, "cdn-min", "minimum TTL (s)", min, String::new())}
                {text_field(&u, "cdn-default", "default TTL (s)", default, String::new())}
                {text_field(&u, "cdn-max", "maximum TTL (s)", max, String::new())}
                {select_field(&u, "cdn-methods", "allowed methods", methods, &METHOD_SETS, "GET,HEAD")}
                <button type="submit" data-testid="cdn-submit">"Save behaviour"</button>
            </form>
            <Refusal form=save_form/>
        </section>
    }
}
