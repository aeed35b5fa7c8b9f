//! The message list: a polite live region scrolled to the newest message, each message with its
//! author and, for the shopper's own, its delivery state (with retry); who is typing.

use leptos::either::EitherOf3;
use leptos::html::Div;
use leptos::prelude::*;
use tandem_protocol::{Author, ConversationState};

use crate::blocks::{BlockEnv, BlockView};
use crate::chat::{Delivery, Entry};
use crate::ctl::Ctl;
use crate::i18n::{fill, Strings};
use crate::outbox;

/// The name of the person holding the conversation, or the generic word for one.
pub fn agent_name(state: ConversationState, strings: &'static Strings) -> String {
    match state {
        ConversationState::WithAgent { agent_name } => agent_name,
        _ => strings.agent.to_string(),
    }
}

/// The line under the transcript while `who` is typing (`state` is read only for an agent).
pub fn typing_text(who: Author, state: impl FnOnce() -> ConversationState, strings: &'static Strings) -> String {
    match who {
        Author::Agent => fill(strings.agent_typing, "name", &agent_name(state(), strings)),
        _ => strings.assistant_typing.to_string(),
    }
}

/// The `data-author` of a message.
pub fn author_id(a: Author) -> &'static str {
    match a {
        Author::Shopper => "shopper",
        Author::Assistant => "assistant",
        Author::Agent => "agent",
        Author::System => "system",
    }
}

/// The message list.
#[component]
pub fn Transcript(ctl: Ctl, strings: &'static Strings, env: BlockEnv) -> impl IntoView {
    let list_ref = NodeRef::<Div>::new();
    // After the browser has laid out the change (new message, typing, a status notice that
    // shrinks the list), the newest message is scrolled into view.
    Effect::new(move |_| {
        ctl.chat.entries.track();
        ctl.chat.typing.track();
        ctl.chat.state.track();
        if let Some(el) = list_ref.get() {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    });
    view! {
        <div class="tandem-transcript" node_ref=list_ref tabindex="0" role="region" aria-label=strings.transcript_label>
            <p class="tandem-welcome">{strings.welcome}</p>
            <div role="log" aria-live="polite" aria-label=strings.transcript_label class="tandem-log" data-testid="log">
                <For each=move || ctl.chat.entries.get() key=|e| e.key.clone() let:entry>
                    <MessageView entry=entry strings=strings env=env ctl=ctl/>
                </For>
            </div>
            <div class="tandem-typing" role="status" data-testid="typing">
                {move || ctl.chat.typing.get().map(|who| {
                    let text = typing_text(who, || ctl.chat.state.get(), strings);
                    view! { <span class="tandem-typing__dots" aria-hidden="true"><span></span><span></span><span></span></span> <span>{text}</span> }
                })}
            </div>
        </div>
    }
}

/// One message with its author and, for the shopper's own, its delivery state.
#[component]
fn MessageView(entry: Entry, strings: &'static Strings, env: BlockEnv, ctl: Ctl) -> impl IntoView {
    let (class, who) = match entry.author {
        Author::Shopper => ("tandem-message tandem-message--shopper", strings.you.to_string()),
        Author::Assistant => ("tandem-message tandem-message--assistant", strings.assistant.to_string()),
        Author::Agent => ("tandem-message tandem-message--agent", entry.author_name.clone().unwrap_or_else(|| strings.agent.to_string())),
        Author::System => ("tandem-message tandem-message--system", strings.system.to_string()),
    };
    let delivery = entry.delivery;
    let key = entry.key.clone();
    let is_shopper = entry.author == Author::Shopper;
    view! {
        <article class=class data-testid="message" data-author=author_id(entry.author)>
            <span class="tandem-visually-hidden">{who}": "</span>
            {entry.while_you_wait.then(|| view! { <p class="tandem-message__label" data-testid="while-you-wait">{strings.while_you_wait}</p> })}
            <div class="tandem-message__body">
                {entry.blocks.into_iter().map(|b| view! { <BlockView block=b env=env/> }).collect_view()}
            </div>
            {is_shopper.then(|| view! {
                <div class="tandem-message__delivery" data-testid="delivery">
                    {
                        let key = key.clone();
                        move || match delivery.get() {
                            Delivery::Sending => EitherOf3::A(view! { <span>{strings.sending}</span> }),
                            Delivery::Sent => EitherOf3::B(view! { <span class="tandem-visually-hidden">{strings.sent}</span> }),
                            Delivery::Failed { reason, retry } => {
                                let key = key.clone();
                                EitherOf3::C(view! {
                                    <span class="tandem-message__failed" role="alert">{strings.failed}": "{reason}</span>
                                    {retry.then(|| view! {
                                        <button type="button" class="tandem-button tandem-button--small"
                                            on:click=move |_| outbox::deliver(ctl, key.clone())>
                                            {strings.retry}
                                        </button>
                                    })}
                                })
                            }
                        }
                    }
                </div>
            })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n;

    #[test]
    fn typing_names_the_agent_holding_the_conversation_or_says_the_assistant() {
        for (_, s) in i18n::CATALOGUES {
            let with = || ConversationState::WithAgent { agent_name: "Kim".into() };
            assert_eq!(typing_text(Author::Agent, with, s), fill(s.agent_typing, "name", "Kim"));
            assert_eq!(typing_text(Author::Agent, || ConversationState::Assistant, s), fill(s.agent_typing, "name", s.agent));
            assert_eq!(typing_text(Author::Assistant, || unreachable!("not read for the assistant"), s), s.assistant_typing);
        }
        assert!(typing_text(Author::Agent, || ConversationState::WithAgent { agent_name: "Kim".into() }, &i18n::EN).contains("Kim"));
    }

    #[test]
    fn authors_have_stable_ids() {
        let ids = [Author::Shopper, Author::Assistant, Author::Agent, Author::System].map(author_id);
        assert_eq!(ids, ["shopper", "assistant", "agent", "system"]);
    }
}
