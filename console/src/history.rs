//! History: search past and current conversations (words, shopper id, order id), read one's whole
//! record (transcript with internal notes, rating, trips to a person), and manage canned replies.
//! Agents find the conversations they took part in; supervisors and admins find all.

use leptos::ev::SubmitEvent;
use leptos::html::H2;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Author, HandoffRecord, HistoryDetail, HistoryItem};

use crate::api;
use crate::app::Ctl;
use crate::canned_manage::CannedManager;
use crate::format;

/// The History section's two pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Conversations,
    Canned,
}

/// The section's view.
#[component]
pub fn HistoryView() -> impl IntoView {
    let page = RwSignal::new(Page::Conversations);
    let link = move |p: Page, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" class="console-nav__link" data-testid=testid
                aria-current=move || (page.get() == p).then_some("page") on:click=move |_| page.set(p)>
                {label}
            </button>
        }
    };
    view! {
        <div class="console-history">
            <nav class="console-nav console-history__nav" aria-label="History pages">
                {link(Page::Conversations, "Conversations", "history-page-conversations")}
                {link(Page::Canned, "Canned replies", "history-page-canned")}
            </nav>
            {move || match page.get() {
                Page::Conversations => view! { <Search/> }.into_any(),
                Page::Canned => view! { <CannedManager/> }.into_any(),
            }}
        </div>
    }
}

/// An instant as the agent's locale writes a day and a time, both in the agent's time zone (the
/// stored day is UTC's, which near midnight is not the agent's).
fn when(rfc3339: &str) -> String {
    format::day_and_time(rfc3339)
}

fn shopper_label(name: &Option<String>, id: &str) -> String {
    name.clone().unwrap_or_else(|| format!("Anonymous shopper ({})", id.get(..8).unwrap_or(id)))
}

/// The search form, the results and the conversation opened from them.
#[component]
fn Search() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let (words, shopper, order) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let results = RwSignal::new(None::<Vec<HistoryItem>>);
    let next = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let opened = RwSignal::new(None::<HistoryDetail>);
    let run = move |cursor: Option<String>| {
        busy.set(true);
        let (w, s, o) = (words.get_untracked(), shopper.get_untracked(), order.get_untracked());
        spawn_local(async move {
            match api::history(&w, &s, &o, cursor.as_deref()).await {
                Ok(page) => {
                    if cursor.is_some() {
                        results.update(|r| r.get_or_insert_with(Vec::new).extend(page.items));
                    } else {
                        results.set(Some(page.items));
                    }
                    next.set(page.next_cursor);
                }
                Err(e) => ctl.fail(&e),
            }
            busy.set(false);
        });
    };
    run(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        run(None);
    };
    let open = move |id: String| {
        spawn_local(async move {
            match api::history_detail(&id).await {
                Ok(d) => opened.set(Some(d)),
                Err(e) => ctl.fail(&e),
            }
        })
    };
    let count = move || match results.get() {
        None => String::new(),
        Some(r) if r.is_empty() => "No conversation matches. Try fewer or other words.".into(),
        Some(r) => {
            let n = r.len();
            let found = if n == 1 { "1 conversation found".to_string() } else { format!("{n} conversations found") };
            if next.get().is_some() { format!("{found} so far; more can be loaded.") } else { format!("{found}.") }
        }
    };
    view! {
        {move || match opened.get() {
            Some(d) => view! { <Detail d=d back=move || opened.set(None)/> }.into_any(),
            None => view! {
                <section class="console-section" aria-labelledby="history-search-title">
                    <h2 class="console-section__title" id="history-search-title">"Search conversations"</h2>
                    <form class="console-form console-form--inline" role="search" aria-labelledby="history-search-title" on:submit=submit>
                        <label class="console-form__field">"Words in messages"
                            <input type="search" data-testid="history-words" maxlength="200"
                                prop:value=move || words.get() on:input:target=move |ev| words.set(ev.target().value())/>
                        </label>
                        <label class="console-form__field">"Shopper ID"
                            <input type="search" data-testid="history-shopper" maxlength="200"
                                prop:value=move || shopper.get() on:input:target=move |ev| shopper.set(ev.target().value())/>
                        </label>
                        <label class="console-form__field">"Order ID"
                            <input type="search" data-testid="history-order" maxlength="200"
                                prop:value=move || order.get() on:input:target=move |ev| order.set(ev.target().value())/>
                        </label>
                        <button type="submit" class="console-button console-button--primary" data-testid="history-search">"Search"</button>
                    </form>
                </section>
                <section class="console-section" aria-labelledby="history-results-title">
                    <h2 class="console-section__title" id="history-results-title">"Results"</h2>
                    <p role="status" class="console-muted" data-testid="history-count">{count}</p>
                    <ul class="console-history__results">
                        <For each=move || results.get().unwrap_or_default() key=|i| i.id.clone() let:item>
                            <ResultItem item=item open=open/>
                        </For>
                    </ul>
                    <Show when=move || next.get().is_some()>
                        <button type="button" class="console-button" data-testid="history-more" disabled=move || busy.get()
                            on:click=move |_| run(next.get_untracked())>"Load more"</button>
                    </Show>
                </section>
            }
            .into_any(),
        }}
    }
}

/// One conversation in the results.
#[component]
fn ResultItem(item: HistoryItem, open: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let id = item.id.clone();
    let mut facts = vec![format::topic(&item.status), format!("started {}", when(&item.created_at))];
    if let Some(r) = item.rating {
        facts.push(format!("rated {r} of 5"));
    }
    if !item.handoff_reasons.is_empty() {
        facts.push(item.handoff_reasons.iter().map(|r| format::reason(r)).collect::<Vec<_>>().join(", "));
    }
    view! {
        <li class="console-history-item" data-testid="history-item" data-conversation-id=item.id.clone()>
            <h3 class="console-history-item__title">
                <button type="button" class="console-link" data-testid="history-open" on:click=move |_| open(id.clone())>
                    {shopper_label(&item.shopper_name, &item.shopper_id)}
                </button>
            </h3>
            <p class="console-muted">{facts.join(" · ")}</p>
            <p class="console-history-item__preview">{item.preview}</p>
        </li>
    }
}

/// A line of the read-only transcript: a message, or an internal note.
struct Line {
    at: String,
    class: &'static str,
    label: String,
    text: String,
    note: bool,
}

fn lines(d: &HistoryDetail) -> Vec<Line> {
    let mut out: Vec<Line> = d
        .messages
        .iter()
        .map(|m| {
            let (class, label) = match m.author {
                Author::Shopper => ("shopper", "Shopper".to_string()),
                Author::Assistant => ("assistant", "Assistant".to_string()),
                Author::Agent => ("agent", m.author_name.clone().map_or_else(|| "Agent".into(), |n| format!("{n} (agent)"))),
                Author::System => ("system", "System".to_string()),
            };
            Line { at: m.created_at.clone(), class, label, text: m.text.clone(), note: false }
        })
        .collect();
    for n in &d.notes {
        let kind = if n.kind == "transfer" { "Transfer note" } else { "Internal note" };
        out.push(Line { at: n.created_at.clone(), class: "note", label: format!("{kind} by {}", n.author_name), text: n.text.clone(), note: true });
    }
    // Stored instants share one format (RFC 3339, UTC, milliseconds), so text order is time order.
    out.sort_by(|a, b| a.at.cmp(&b.at));
    out
}

fn trip(h: &HandoffRecord) -> String {
    let mut parts = vec![format!("{}: queued {}", format::reason(&h.reason), when(&h.queued_at))];
    match (&h.claimed_at, &h.agent_name) {
        (Some(at), Some(name)) => parts.push(format!("taken by {name} {}", when(at))),
        (Some(at), None) => parts.push(format!("taken {}", when(at))),
        _ => parts.push("never taken".into()),
    }
    if let Some(at) = &h.resolved_at {
        parts.push(format!("ended {}", when(at)));
    }
    parts.join(", ")
}

/// One conversation's whole record, read-only.
#[component]
fn Detail(d: HistoryDetail, back: impl Fn() + Copy + 'static) -> impl IntoView {
    let heading = NodeRef::<H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let item = d.item.clone();
    let rating = match (item.rating, d.rating_comment.clone()) {
        (Some(r), Some(c)) => format!("{r} of 5: “{c}”"),
        (Some(r), None) => format!("{r} of 5"),
        (None, _) => "Not rated".into(),
    };
    let trips: Vec<String> = d.handoffs.iter().map(trip).collect();
    view! {
        <article class="console-section console-history-detail" data-testid="history-detail" aria-labelledby="history-detail-title">
            <button type="button" class="console-button console-button--small" data-testid="history-back" on:click=move |_| back()>
                "Back to results"
            </button>
            <h2 class="console-section__title" id="history-detail-title" tabindex="-1" node_ref=heading>
                "Conversation with "{shopper_label(&item.shopper_name, &item.shopper_id)}
            </h2>
            <dl class="console-facts">
                <div><dt>"Status"</dt><dd>{format::topic(&item.status)}</dd></div>
                <div><dt>"Started"</dt><dd data-testid="history-started">{when(&item.created_at)}</dd></div>
                <div><dt>"Last activity"</dt><dd>{when(&item.updated_at)}</dd></div>
                <div><dt>"Shopper ID"</dt><dd>{item.shopper_id.clone()}</dd></div>
                <div><dt>"Language"</dt><dd>{d.locale.clone()}</dd></div>
                <div><dt>"Rating"</dt><dd data-testid="history-rating">{rating}</dd></div>
            </dl>
            <h3 class="console-panel__subtitle">"Trips to a person"</h3>
            {if trips.is_empty() {
                view! { <p class="console-muted">"None: the assistant handled it alone."</p> }.into_any()
            } else {
                view! { <ul class="console-history__trips" data-testid="history-handoffs">{trips.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul> }.into_any()
            }}
            <h3 class="console-panel__subtitle">"Transcript"</h3>
            <ol class="console-history__transcript" data-testid="history-transcript">
                {lines(&d).into_iter().map(|l| view! {
                    <li class=format!("console-message console-message--{}", l.class)
                        data-testid=if l.note { "history-note" } else { "history-message" }>
                        <p class="console-message__meta">
                            <span class="console-message__author">{l.label}</span>
                            " "
                            <time datetime=l.at.clone()>{when(&l.at)}</time>
                        </p>
                        <p>{l.text}</p>
                    </li>
                }).collect_view()}
            </ol>
        </article>
    }
}
