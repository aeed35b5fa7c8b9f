//! The summary and account panels beside the conversation on screen.

use leptos::prelude::*;
use tandem_protocol::{AccountView, OrderView};

use super::Details;
use crate::app::Ctl;
use crate::format;

/// The summary and account panels of the conversation on screen.
#[component]
pub fn DetailsView() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let current = Memo::new(move |_| ctl.selected.get());
    view! {
        <aside class="console-details" aria-label="Shopper details" tabindex="0">
            <crate::email::EmailNotice/>
            {move || current.get().and_then(|id| ctl.thread(&id)).map(|t| move || match t.details.get() {
                Some(d) => view! { <SummaryPanel d=d.clone()/> <AccountPanel account=d.account unavailable=d.account_unavailable/> }.into_any(),
                None => view! { <p class="console-muted">"Loading the summary…"</p> }.into_any(),
            })}
        </aside>
    }
}

#[component]
fn SummaryPanel(d: Details) -> impl IntoView {
    let s = d.summary;
    let list = |items: Vec<String>| items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view();
    view! {
        <section class="console-panel" data-testid="summary" aria-labelledby="console-summary-title">
            <h2 class="console-panel__title" id="console-summary-title">"Summary"</h2>
            <dl class="console-facts">
                <div><dt>"Topic"</dt><dd>{format::topic(&s.topic)}</dd></div>
                {s.handoff_reason.map(|r| view! { <div><dt>"Handed over"</dt><dd>{format::reason(&r)}</dd></div> })}
                {d.contact.map(|c| view! { <div><dt>"Email left"</dt><dd>{c}</dd></div> })}
            </dl>
            <p>{s.text}</p>
            {(!s.asked.is_empty()).then(|| view! { <h3 class="console-panel__subtitle">"Asked"</h3><ul>{list(s.asked)}</ul> })}
            {(!s.facts.is_empty()).then(|| view! { <h3 class="console-panel__subtitle">"Already told"</h3><ul>{list(s.facts)}</ul> })}
        </section>
    }
}

#[component]
fn AccountPanel(account: Option<AccountView>, unavailable: bool) -> impl IntoView {
    match account {
        Some(a) => view! {
            <section class="console-panel" data-testid="account" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account: "{a.name}</h2>
                {a.orders.is_empty().then(|| view! { <p class="console-muted">"No orders."</p> })}
                <ul class="console-orders">{a.orders.into_iter().map(order_view).collect_view()}</ul>
            </section>
        }
        .into_any(),
        None if unavailable => view! {
            <section class="console-panel" data-testid="account-unavailable" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account"</h2>
                <p class="console-muted">"The shopper is signed in, but their account cannot be read right now (the provider's account service did not answer). Do not quote figures; check the provider's own systems."</p>
            </section>
        }
        .into_any(),
        None => view! {
            <section class="console-panel" data-testid="account-none" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account"</h2>
                <p class="console-muted">"The shopper is not signed in, so there is no verified account to show."</p>
            </section>
        }
        .into_any(),
    }
}

fn order_view(o: OrderView) -> impl IntoView {
    let next = match (o.next_amount, o.next_due) {
        (Some(m), Some(d)) => format!("{} on {}", format::money(&m), format::date(&d)),
        (Some(m), None) => format::money(&m),
        (None, Some(d)) => format::date(&d),
        (None, None) => "None".into(),
    };
    let order_id = o.id.clone();
    view! {
        <li class="console-order" data-testid="order" data-order-id=order_id>
            <p class="console-order__title"><strong>{o.id}</strong>" · "{o.store}" · "{o.item}</p>
            <dl class="console-facts">
                <div><dt>"Plan"</dt><dd>{o.plan}</dd></div>
                <div><dt>"Total"</dt><dd>{format::money(&o.total)}</dd></div>
                <div><dt>"Next payment"</dt><dd>{next}</dd></div>
                <div><dt>"Status"</dt><dd>{o.status}</dd></div>
            </dl>
        </li>
    }
}

