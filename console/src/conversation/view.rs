//! The tabs of the conversations an agent holds, and the conversation on screen with its actions.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::draft::Suggestion;
use super::reply::Reply;
use super::transcript::Transcript;
use super::transfer::TransferForm;
use super::{finish, reload, shopper_label, Thread};
use crate::app::Ctl;
use crate::format;

/// The conversation tabs: one per conversation the agent holds, with unread counts.
#[component]
pub fn Tabs() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    view! {
        <nav class="console-tabs" aria-labelledby="console-tabs-title">
            <h2 class="console-tabs__title" id="console-tabs-title">"My conversations"</h2>
            <Show when=move || ctl.threads.with(|ts| ts.is_empty())>
                <p class="console-muted">"None open. Claim one from the queue."</p>
            </Show>
            <ul class="console-tabs__list">
                <For each=move || ctl.threads.get() key=|t| t.id() let:t>
                    <Tab t=t/>
                </For>
            </ul>
        </nav>
    }
}

/// One tab.
#[component]
fn Tab(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let id = t.id();
    let current = {
        let id = id.clone();
        move || ctl.selected.with(|s| s.as_deref() == Some(id.as_str()))
    };
    let open = {
        let id = id.clone();
        move |_| ctl.select(&id)
    };
    view! {
        <li>
            <button type="button" class="console-tab" class:console-tab--current=current.clone()
                data-testid="my-conversation" data-conversation-id=id
                aria-current=move || current().then_some("true")
                on:click=open>
                <span class="console-tab__name">{move || shopper_label(t.name.get())}</span>
                <span class="console-tab__topic">
                    {move || t.topic.get().map(|x| format::topic(&x)).unwrap_or_default()}
                    {move || (!t.held()).then_some(" · closed")}
                </span>
                {move || {
                    let n = t.unread.get();
                    (n > 0).then(|| view! {
                        <span class="console-tab__unread" data-testid="unread">
                            {n}<span class="console-visually-hidden">" unread"</span>
                        </span>
                    })
                }}
            </button>
        </li>
    }
}

/// The conversation on screen: header with actions, transcript, typing indicator and reply box.
#[component]
pub fn ConversationView() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let current = Memo::new(move |_| ctl.selected.get());
    move || match current.get().and_then(|id| ctl.thread(&id)) {
        Some(t) => view! { <Open t=t/> }.into_any(),
        None => view! {
            <p class="console-empty">"No conversation on screen. Take the next one from the queue, or claim one."</p>
        }
        .into_any(),
    }
}

#[component]
fn Open(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let held = move || t.held();
    view! {
        <div class="console-conversation" data-conversation-id=t.id()>
            <div class="console-conversation__head">
                <div>
                    <h2 class="console-conversation__title">{move || shopper_label(t.name.get())}</h2>
                    <p class="console-conversation__state" data-testid="conversation-state">
                        {move || t.state.get().map(|s| format::state(&s)).unwrap_or_else(|| "Loading…".into())}
                    </p>
                </div>
                <div class="console-conversation__actions">
                    <button type="button" class="console-button" data-testid="transfer" disabled=move || !held()
                        aria-expanded=move || t.transferring.get().to_string()
                        on:click=move |_| t.transferring.update(|open| *open = !*open)>
                        "Transfer"
                    </button>
                    <button type="button" class="console-button" data-testid="handback" disabled=move || !held()
                        on:click=move |_| finish(ctl, t, false)>
                        "Hand back to assistant"
                    </button>
                    <button type="button" class="console-button console-button--primary" data-testid="resolve"
                        disabled=move || !held() on:click=move |_| finish(ctl, t, true)>
                        "Resolve"
                    </button>
                    <Show when=move || !held()>
                        <button type="button" class="console-button" data-testid="close-tab"
                            on:click=move |_| ctl.close(&t.id())>
                            "Close tab"
                        </button>
                    </Show>
                </div>
            </div>
            {move || t.problem.get().map(|p| view! {
                <p class="console-problem" role="alert">
                    {p}" "
                    <button type="button" class="console-button console-button--small"
                        on:click=move |_| spawn_local(reload(ctl, t))>"Try again"</button>
                </p>
            })}
            <Show when=move || t.transferring.get() && held()>
                <TransferForm t=t/>
            </Show>
            <Transcript t=t/>
            <p class="console-typing" role="status" data-testid="shopper-typing"
                data-active=move || t.shopper_typing.get().to_string()>
                {move || t.shopper_typing.get().then_some("The shopper is typing…")}
            </p>
            <Suggestion t=t/>
            <Reply t=t/>
        </div>
    }
}

