//! Start-up, connection and conversation-state notices, announced politely, with the forms of a
//! person's side: the contact form while no one is available, rating and a new conversation once
//! it ended.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::ConversationState;

use crate::chat::Connection;
use crate::ctl::{Ctl, Phase};
use crate::i18n::{fill, Strings};
use crate::session;
use crate::views::forms::{ContactForm, FormEnv, RatingForm};

/// Whole minutes to say for an estimated wait: rounded up, at least one.
pub fn wait_minutes(secs: u32) -> u32 {
    secs.div_ceil(60).max(1)
}

/// The sentence about the conversation's state; none while the assistant answers.
pub fn state_text(state: ConversationState, strings: &'static Strings) -> Option<String> {
    match state {
        ConversationState::Assistant => None,
        ConversationState::Queued { position, estimated_wait_secs } => {
            let mut t = format!("{} {}", strings.queued, fill(strings.position, "n", &position.to_string()));
            if let Some(secs) = estimated_wait_secs {
                t.push(' ');
                t.push_str(&fill(strings.wait_minutes, "n", &wait_minutes(secs).to_string()));
            }
            t.push(' ');
            t.push_str(strings.keep_writing);
            Some(t)
        }
        ConversationState::WithAgent { agent_name } => Some(fill(strings.with_agent, "name", &agent_name)),
        ConversationState::AwaitingReply { .. } => Some(format!("{} {}", strings.awaiting_reply, strings.keep_writing)),
        ConversationState::Resolved { .. } => Some(strings.resolved.to_string()),
    }
}

/// Whether "reconnecting" is shown: the stream is down while the browser says it is online (the
/// offline notice says enough otherwise).
pub fn shows_reconnecting(connection: Connection, offline: bool) -> bool {
    connection == Connection::Reconnecting && !offline
}

/// The notices.
#[component]
pub fn Status(ctl: Ctl, strings: &'static Strings) -> impl IntoView {
    let forms = FormEnv { token: ctl.token, conversation: ctl.conversation, strings };
    view! {
        <div class="tandem-status" role="status" data-testid="status"
            data-state=move || ctl.chat.state.get().status()>
            {move || match ctl.phase.get() {
                Phase::Starting => Some(Either::Left(view! { <p>{strings.starting}</p> })),
                Phase::Failed(reason) => Some(Either::Right(view! {
                    <p class="tandem-status__error">{strings.start_failed}" "{reason}</p>
                    <button type="button" class="tandem-button" on:click=move |_| spawn_local(session::start(ctl))>{strings.try_again}</button>
                })),
                Phase::Ready => None,
            }}
            {move || ctl.notice.get().map(|t| view! { <p class="tandem-status__warning" data-testid="reopen-notice">{t}</p> })}
            {move || if ctl.offline.get() {
                Some(view! { <p class="tandem-status__warning" data-testid="offline">{strings.offline}</p> })
            } else {
                None
            }}
            {move || shows_reconnecting(ctl.chat.connection.get(), ctl.offline.get())
                .then(|| view! { <p class="tandem-status__warning">{strings.reconnecting}</p> })}
            {move || state_text(ctl.chat.state.get(), strings).map(|t| view! { <p class="tandem-status__state">{t}</p> })}
            {move || match ctl.chat.state.get() {
                ConversationState::AwaitingReply { contact } => Some(Either::Left(view! { <ContactForm env=forms contact=contact/> })),
                ConversationState::Resolved { rating } => Some(Either::Right(view! {
                    <RatingForm env=forms rating=rating/>
                    <button type="button" class="tandem-button" data-testid="new-conversation"
                        on:click=move |_| spawn_local(session::new_conversation(ctl))>{strings.new_conversation}</button>
                })),
                _ => None,
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n;

    #[test]
    fn waits_are_whole_minutes_rounded_up_and_never_zero() {
        assert_eq!(wait_minutes(0), 1);
        assert_eq!(wait_minutes(59), 1);
        assert_eq!(wait_minutes(60), 1);
        assert_eq!(wait_minutes(61), 2);
        assert_eq!(wait_minutes(600), 10);
    }

    #[test]
    fn every_state_is_told_in_every_language() {
        for (locale, s) in i18n::CATALOGUES {
            assert_eq!(state_text(ConversationState::Assistant, s), None);
            let queued = state_text(ConversationState::Queued { position: 3, estimated_wait_secs: Some(125) }, s).unwrap();
            assert_eq!(
                queued,
                format!("{} {} {} {}", s.queued, fill(s.position, "n", "3"), fill(s.wait_minutes, "n", "3"), s.keep_writing),
                "{locale}"
            );
            let no_estimate = state_text(ConversationState::Queued { position: 1, estimated_wait_secs: None }, s).unwrap();
            assert_eq!(no_estimate, format!("{} {} {}", s.queued, fill(s.position, "n", "1"), s.keep_writing), "no wait is promised without an estimate");
            assert_eq!(state_text(ConversationState::WithAgent { agent_name: "Kim".into() }, s), Some(fill(s.with_agent, "name", "Kim")));
            let awaiting = state_text(ConversationState::AwaitingReply { contact: Some("a@b.se".into()) }, s);
            assert_eq!(awaiting, Some(format!("{} {}", s.awaiting_reply, s.keep_writing)));
            assert_eq!(state_text(ConversationState::Resolved { rating: Some(4) }, s).as_deref(), Some(s.resolved));
        }
        let en = state_text(ConversationState::Queued { position: 2, estimated_wait_secs: Some(60) }, &i18n::EN).unwrap();
        assert!(en.contains("Position 2") && en.contains("about 1 min"), "{en}");
    }

    #[test]
    fn reconnecting_is_shown_only_while_online() {
        assert!(shows_reconnecting(Connection::Reconnecting, false));
        assert!(!shows_reconnecting(Connection::Reconnecting, true));
        assert!(!shows_reconnecting(Connection::Live, false));
        assert!(!shows_reconnecting(Connection::Connecting, false));
    }
}
