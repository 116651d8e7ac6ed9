//! "Can A reach B?" under the request bar: pick a source and a
//! destination (a component; for the destination also an address or an
//! AWS service's name, resolved as the source would), the IP version, a
//! protocol and a port, and read the engine's answer (`sim::reach`, fact
//! sheet §25): the path hop by hop with every check, or the component
//! that blocks it with its code and rule. The diagram marks the path and
//! outlines where it stopped. Asking changes nothing in the world.

use leptos::prelude::*;

use super::split;
use super::state::{load_extras, use_handle, Live, Player};
use crate::sim::net::Protocol;
use crate::sim::reach::{Reach, ReachSpec};
use crate::sim::script::reach;
use crate::view::reach::{choices, default_port};

stylance::import_crate_style!(style, "src/ui/reach.module.css");

#[component]
pub fn ReachPanel() -> impl IntoView {
    let live = use_handle::<Live>();
    let player = use_handle::<Player>();
    let options = Memo::new(move |_| live.world.with(|w| choices(w.scenario())));
    let first_instance = live.world.with_untracked(|w| {
        w.scenario()
            .regions
            .iter()
            .flat_map(|r| &r.vpc.instances)
            .map(|i| i.id.clone())
            .next()
            .unwrap_or_else(|| "pod-a-1".into())
    });
    let from = RwSignal::new("client-na".to_string());
    let to = RwSignal::new(first_instance);
    let protocol = RwSignal::new("tcp".to_string());
    let port = RwSignal::new("22".to_string());
    let version = RwSignal::new("ipv4".to_string());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let proto = match protocol.get_untracked().as_str() {
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            _ => Protocol::Tcp,
        };
        let typed = port.get_untracked();
        let Ok(n) = typed.trim().parse::<u16>() else {
            error.set(Some(format!(
                "port '{}': a whole number from 1 to 65535 (for ICMP, the type: 8 is an echo request)",
                crate::sim::text::clip(typed.trim())
            )));
            return;
        };
        let spec = ReachSpec {
            from: from.get_untracked().trim().to_string(),
            to: to.get_untracked().trim().to_string(),
            protocol: proto,
            port: n,
            ip_version: if version.get_untracked() == "ipv6" {
                crate::sim::net::Family::Ipv6
            } else {
                crate::sim::net::Family::Ipv4
            },
        };
        // The analysis's code is in the hosted build's `edits` part, with
        // this panel's: in by now.
        split::then(load_extras(), move |got| {
            let asked = got.map(|()| live.world.with_untracked(|w| reach(w, &spec)));
            match split::flat(asked) {
                Ok(r) => {
                    error.set(None);
                    player.reach.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // The answer on screen goes stale when the world changes.
    Effect::new(move |prev: Option<()>| {
        live.world.track();
        if prev.is_some() {
            player.reach.set(None);
        }
    });
    let list = move || {
        options
            .get()
            .into_iter()
            .map(|(id, label)| view! { <option value=id.clone()>{label}</option> })
            .collect_view()
    };
    view! {
        <section class=style::panel data-testid="reach" aria-label="Can A reach B?">
            <form class=style::form on:submit=ask aria-label="can A reach B" novalidate>
                <label>
                    <span>"From"</span>
                    <select data-testid="reach-from" prop:value=move || from.get()
                        on:change=move |ev| from.set(event_target_value(&ev))>
                        {list}
                    </select>
                </label>
                <label class=style::to>
                    <span>"To (a component, an address or a service name)"</span>
                    <input type="text" list="reach-ends" spellcheck="false" autocomplete="off"
                        data-testid="reach-to" prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev))/>
                    <datalist id="reach-ends">{list}</datalist>
                </label>
                <label>
                    <span>"Protocol"</span>
                    <select data-testid="reach-protocol" prop:value=move || protocol.get()
                        on:change=move |ev| {
                            let p = event_target_value(&ev);
                            let icmp6 = p == "icmp" && version.get_untracked() == "ipv6";
                            port.set(if icmp6 { "128".to_string() } else { default_port(&p).to_string() });
                            protocol.set(p);
                        }>
                        <option value="tcp">"TCP"</option>
                        <option value="udp">"UDP"</option>
                        <option value="icmp">"ICMP"</option>
                    </select>
                </label>
                <label>
                    <span>"IP"</span>
                    <select data-testid="reach-ip-version" prop:value=move || version.get()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            // ICMPv6's echo request is type 128 (ICMP's is 8).
                            if protocol.get_untracked() == "icmp" {
                                port.set(if v == "ipv6" { "128" } else { "8" }.to_string());
                            }
                            version.set(v);
                        }>
                        <option value="ipv4">"IPv4"</option>
                        <option value="ipv6">"IPv6"</option>
                    </select>
                </label>
                <label class=style::port>
                    <span>{move || if protocol.get() == "icmp" { "Type" } else { "Port" }}</span>
                    <input type="text" inputmode="numeric" data-testid="reach-port"
                        prop:value=move || port.get() on:input=move |ev| port.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="reach-ask">"Can it reach?"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="input-error" role="alert" data-testid="reach-error">{e}</p> })}
            {move || match player.reach.get() {
                Some(r) => view! { <Answer r=r/> }.into_any(),
                None => view! {
                    <p class=style::hint>
                        "Like AWS Reachability Analyzer: it reads the configuration (and what is down), sends nothing, and names the first security group, network ACL, route or gateway that stops the traffic."
                    </p>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Answer(r: Reach) -> impl IntoView {
    let verdict = if r.reachable { "yes" } else { "no" };
    let stop = r.blocked.as_ref().map(|b| b.component.clone());
    let code = r.blocked.as_ref().map(|b| b.code.as_str().to_string());
    view! {
        <div class=style::answer data-testid="reach-answer" data-reachable=r.reachable.to_string()
            data-code=code.unwrap_or_default()>
            <p class=style::verdict role="status" data-verdict=verdict>{r.summary()}</p>
            {r.resolved.as_ref().map(|a| view! { <p class=style::hint data-testid="reach-resolved">{a.line()}</p> })}
            <ol class=style::hops>
                {r.path
                    .iter()
                    .map(|h| {
                        let stopped = stop.as_deref() == Some(h.component.as_str())
                            && h.checks.iter().any(|c| !c.allowed)
                            || stop.as_deref() == Some(h.component.as_str()) && h.checks.is_empty();
                        view! {
                            <li class=style::hop data-stopped=stopped.to_string()>
                                <span class=style::what>{h.role.what(&h.component)}</span>
                                {(!h.checks.is_empty()).then(|| view! {
                                    <ul class=style::checks>
                                        {h.checks
                                            .iter()
                                            .map(|c| {
                                                let reply = if c.leg == crate::sim::check::Leg::Return { " (reply)" } else { "" };
                                                view! {
                                                    <li data-allowed=c.allowed.to_string()>
                                                        <span class=style::mark aria-hidden="true">{if c.allowed { "✓" } else { "✗" }}</span>
                                                        <span class="visually-hidden">{if c.allowed { "allowed: " } else { "denied: " }}</span>
                                                        {format!("{}{reply}", c.line())}
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </div>
    }
}
