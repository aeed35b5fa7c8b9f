//! The queue: conversations waiting for a person (queued first, then those awaiting an email
//! reply), with live waiting times, topics and a priority marker, "Take next" and per-item "Claim".

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{AgentConversation, QueueItem};

use crate::api::{self, ApiError};
use crate::app::Ctl;
use crate::format;

/// Opens a conversation the agent just claimed, or says why it could not be claimed.
fn claimed(ctl: Ctl, result: Result<AgentConversation, ApiError>) {
    match result {
        Ok(c) => {
            ctl.notice.set(None);
            ctl.open_claimed(c);
        }
        Err(e) => match e.code() {
            Some("queue_empty") => ctl.say("Nobody is waiting right now."),
            _ => ctl.fail(&e),
        },
    }
}

/// Whether an item needs attention first (a sensitive topic or a raised priority).
pub fn is_priority(item: &QueueItem) -> bool {
    item.priority > 0 || item.handoff_reason.as_deref() == Some("sensitive_topic")
}

/// The queue panel.
#[component]
pub fn QueuePanel() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let counts = Memo::new(move |_| {
        ctl.queue.with(|q| {
            let queued = q.items.iter().filter(|i| i.status == "queued").count();
            (queued, q.items.len() - queued, q.agents_online, q.free_slots)
        })
    });
    let take_next = move |_| spawn_local(async move { claimed(ctl, api::take_next().await) });
    view! {
        <aside class="console-queue" aria-labelledby="console-queue-title">
            <h2 class="console-queue__title" id="console-queue-title">"Queue"</h2>
            // Announced when the numbers change, not on every tick of the waiting times.
            <p class="console-queue__counts" role="status" data-testid="queue-counts">
                {move || {
                    let (queued, awaiting, online, free) = counts.get();
                    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
                    format!(
                        "{queued} waiting, {awaiting} awaiting reply. {} online, {}.",
                        plural(online as usize, "agent", "agents"),
                        plural(free as usize, "free slot", "free slots"),
                    )
                }}
            </p>
            <button type="button" class="console-button console-button--primary" data-testid="take-next" on:click=take_next>
                "Take next"
            </button>
            <Show when=move || ctl.queue.with(|q| q.items.is_empty())>
                <p class="console-muted">"Nobody is waiting."</p>
            </Show>
            <ul class="console-queue__list" data-testid="queue">
                // Keyed by id and the fields that change, so unchanged items keep their DOM (and focus).
                <For
                    each=move || ctl.queue.get().items
                    key=|i| (i.conversation_id.clone(), i.status.clone(), i.position, i.contact.clone(), i.preview.clone(), i.priority, i.reserved_until.clone())
                    let:item
                >
                    <QueueEntry item=item/>
                </For>
            </ul>
        </aside>
    }
}

/// One waiting conversation.
#[component]
fn QueueEntry(item: QueueItem) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let since = item.waiting_since.as_deref().and_then(format::instant_ms);
    let waiting = move || since.map(|s| format::waiting(ctl.now.get() - s)).unwrap_or_default();
    let awaiting = item.status == "awaiting_reply";
    let topic = item.topic.as_deref().map(format::topic).unwrap_or_else(|| "No topic yet".into());
    let who = item.shopper_name.clone().unwrap_or_else(|| "Anonymous shopper".into());
    let reserved_ms = item.reserved_until.as_deref().and_then(format::instant_ms);
    let locale = item.locale.clone().unwrap_or_default();
    let speaks = {
        let locale = locale.clone();
        move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.languages.contains(&locale)))
    };
    // Reserved for colleagues who speak the shopper's language, for a little while.
    let reserved = {
        let locale = locale.clone();
        move || {
            let left = reserved_ms? - ctl.now.get();
            (left > 0.0 && !speaks()).then(|| format!("Waiting for a colleague who speaks {locale} (about {} s)", (left / 1000.0).ceil()))
        }
    };
    let id = item.conversation_id.clone();
    let claim = move |_| {
        let id = id.clone();
        spawn_local(async move { claimed(ctl, api::claim(&id).await) });
    };
    view! {
        <li class="console-queue-item" class:console-queue-item--priority=is_priority(&item)
            data-testid="queue-item" data-conversation-id=item.conversation_id.clone() data-status=item.status.clone()>
            <p class="console-queue-item__head">
                {is_priority(&item).then(|| view! {
                    <span class="console-badge console-badge--priority" data-testid="priority">"Priority"</span>
                })}
                {awaiting.then(|| view! { <span class="console-badge">"Awaiting reply"</span> })}
                {(!locale.is_empty()).then(|| view! {
                    <span class="console-badge" data-testid="queue-locale" title="The shopper's language">{locale.clone()}</span>
                })}
                <strong class="console-queue-item__topic">{topic.clone()}</strong>
            </p>
            <p class="console-queue-item__who">
                {who}
                {item.handoff_reason.as_deref().map(|r| format!(" · {}", format::reason(r)))}
            </p>
            {(!item.preview.is_empty()).then(|| view! { <p class="console-queue-item__preview">"“"{item.preview.clone()}"”"</p> })}
            <p class="console-queue-item__meta">
                {item.position.filter(|_| !awaiting).map(|p| format!("#{p} · "))}
                <span data-testid="waiting">{waiting}</span>
                {item.contact.clone().map(|c| view! { " · email: "<span data-testid="contact">{c}</span> })}
            </p>
            {move || reserved().map(|r| view! { <p class="console-queue-item__reserved" data-testid="reserved">{r}</p> })}
            <button type="button" class="console-button console-button--small" data-testid="claim" on:click=claim>
                "Claim"<span class="console-visually-hidden">" conversation about "{topic}</span>
            </button>
        </li>
    }
}
