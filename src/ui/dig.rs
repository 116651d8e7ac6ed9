//! "Ask like dig" in the inspector of a browser or a resolver: a name and
//! a record type, asked from that client (its browser, OS and resolver
//! caches) or straight at that resolver, answered as `dig` prints it —
//! status, answer and authority records with their remaining TTL, who
//! answered, and the resolution hop by hop. It goes through the engine's
//! `dig` step (`sim::dns::dig`, fact sheet §1, §2): caches fill as they
//! would, and the step is journaled like any other.

use leptos::prelude::*;

use super::state::{use_handle, Live, RequestBar};
use crate::sim::dns::dig::{DigResult, DigSpec, Rr};
use crate::sim::dns::qtype::QTYPES;
use crate::sim::script::{Step, StepResult};
use crate::sim::trace::fmt_ms;

stylance::import_crate_style!(style, "src/ui/dig.module.css");

/// The host of a URL as typed in the request bar (`https://host/path`).
fn host_of(url: &str) -> String {
    let rest = url.trim().split("://").nth(1).unwrap_or(url.trim());
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
        .to_string()
}

/// The dig form, for the component `id` when it is a client or a resolver.
#[component]
pub fn DigForm(id: String) -> impl IntoView {
    let live = use_handle::<Live>();
    let bar = use_handle::<RequestBar>();
    let asks = live.world.with_untracked(|w| {
        w.scenario()
            .clients
            .iter()
            .any(|c| c.id == id || c.resolver.id == id)
    });
    if !asks {
        return ().into_any();
    }
    let name = RwSignal::new(host_of(&bar.url.get_untracked()));
    let qtype = RwSignal::new("A".to_string());
    let result: RwSignal<Option<DigResult>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let from = id.clone();
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let spec = DigSpec {
            name: name.get_untracked(),
            qtype: qtype.get_untracked(),
            from: from.clone(),
        };
        match live.act(Step::Dig(spec)) {
            Ok(StepResult::Dig { dig, .. }) => {
                result.set(Some(*dig));
                error.set(None);
            }
            Ok(_) => {}
            Err(e) => {
                error.set(Some(e.to_string()));
                result.set(None);
            }
        }
    };
    view! {
        <section class=style::section data-testid="dig">
            <h3 class=style::subhead>"Ask like dig"</h3>
            <form class=style::form on:submit=ask aria-label="ask like dig">
                <label class=style::name>
                    <span>"Name"</span>
                    <input type="text" spellcheck="false" autocomplete="off" data-testid="dig-name"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>"Type"</span>
                    <select data-testid="dig-type" prop:value=move || qtype.get()
                        on:change=move |ev| qtype.set(event_target_value(&ev))>
                        {QTYPES
                            .into_iter()
                            .map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit" data-testid="dig-ask">"Ask"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="input-error" role="alert" data-testid="dig-error">{e}</p> })}
            {move || result.get().map(|d| view! { <DigAnswer d=d/> })}
        </section>
    }
    .into_any()
}

fn records(title: &'static str, rrs: Vec<Rr>, testid: &'static str) -> AnyView {
    if rrs.is_empty() {
        return ().into_any();
    }
    view! {
        <table class=style::records data-testid=testid>
            <caption>{title}</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"TTL"</th><th scope="col">"Type"</th><th scope="col">"Value"</th></tr></thead>
            <tbody>
                {rrs
                    .into_iter()
                    .map(|r| view! {
                        <tr>
                            <td><code>{r.name}</code></td>
                            <td class=style::num>{format!("{} s", r.ttl_s)}</td>
                            <td>{r.rtype.as_str()}</td>
                            <td><code>{r.value}</code></td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn DigAnswer(d: DigResult) -> impl IntoView {
    let status = d.status.as_str();
    let nodata = d.answer.is_empty() && status == "NOERROR";
    let head = format!(
        "{} {} from {}: answered by {} in {} ms",
        d.name,
        d.qtype.as_str(),
        d.from,
        d.answered_by,
        fmt_ms(d.total_us)
    );
    let hops = d
        .hops
        .into_iter()
        .map(|h| {
            view! {
                <li>
                    <span class=style::who>{format!("{} → {}", h.from, h.to)}</span>
                    " "
                    {h.what}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class=style::answer data-testid="dig-result" data-status=status>
            <p class=style::head>
                <span class=style::status data-ok=(status == "NOERROR" && !nodata).to_string()>
                    {if nodata { "NOERROR (no data)" } else { status }}
                </span>
                " "
                {head}
            </p>
            {records("Answer", d.answer, "dig-answer")}
            {records("Authority", d.authority, "dig-authority")}
            <details>
                <summary>"The resolution, hop by hop"</summary>
                <ol class=style::hops>{hops}</ol>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn the_name_asked_first_is_the_request_bars_host() {
        assert_eq!(
            host_of("https://shop.example.com/cart?x=1"),
            "shop.example.com"
        );
        assert_eq!(host_of("http://a.example.com:8080/"), "a.example.com");
        assert_eq!(host_of("shop.example.com"), "shop.example.com");
    }
}
