//! Asking for a person: from the header, from an answer's button, or before the chat was ready
//! (then once it is). The new state arrives through the stream, in order with everything else; a
//! request that fails for a passing reason is retried, so one click is always enough. The forms of
//! a person's side (contact, rating) are in `views/forms.rs`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_client::reconnect::{hint_ms, next_backoff};
use tandem_protocol::ConversationState;

use crate::api::{self, ApiError};
use crate::ctl::{sleep_ms, Ctl};
use crate::host::ToHost;

/// How often a request for a person is made at most, and the delay before the second.
pub const ATTEMPTS: usize = 6;
pub const FIRST_DELAY_MS: u32 = 1000;

/// What asking for a person does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonStep {
    /// Start-up has not finished: asked for once the conversation is ready.
    Later,
    /// The conversation has ended: the person is asked for in a new one.
    NewConversationFirst,
    Ask,
}

pub fn person_step(ready: bool, state: &ConversationState) -> PersonStep {
    if !ready {
        PersonStep::Later
    } else if matches!(state, ConversationState::Resolved { .. }) {
        PersonStep::NewConversationFirst
    } else {
        PersonStep::Ask
    }
}

/// Whether a request for a person that failed with `e` is made again (after a delay).
pub fn ask_again(e: &ApiError) -> bool {
    e.is_transient()
}

/// The pause before asking again after `e`: a busy server's `Retry-After` when it sent one, else
/// the backoff's `delay`.
pub fn pause(e: &ApiError, delay: u32) -> u32 {
    e.retry_after_ms().map_or(delay, hint_ms)
}

/// Asks for a person.
pub fn request_person(ctl: Ctl) {
    ctl.tell_host(&ToHost::Handoff);
    let step = person_step(ctl.is_ready(), &ctl.chat.state.get_untracked());
    if step == PersonStep::Later {
        ctl.want_person.set(true);
        return;
    }
    spawn_local(async move {
        if step == PersonStep::NewConversationFirst {
            crate::session::new_conversation(ctl).await;
        }
        let mut delay = FIRST_DELAY_MS;
        for _ in 0..ATTEMPTS {
            let Some((token, conv)) = ctl.ids() else { return };
            match api::handoff(&token, &conv).await {
                Err(e) if ask_again(&e) => {
                    sleep_ms(pause(&e, delay)).await;
                    delay = next_backoff(delay);
                }
                _ => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_asked_for_once_ready_and_in_a_new_conversation_after_an_ended_one() {
        assert_eq!(person_step(false, &ConversationState::Assistant), PersonStep::Later);
        assert_eq!(person_step(true, &ConversationState::Assistant), PersonStep::Ask);
        assert_eq!(person_step(true, &ConversationState::Queued { position: 2, estimated_wait_secs: None }), PersonStep::Ask);
        assert_eq!(person_step(true, &ConversationState::Resolved { rating: None }), PersonStep::NewConversationFirst);
    }

    #[test]
    fn passing_failures_are_retried_with_growing_delays_and_refusals_are_not() {
        let server = |status| ApiError::server(status, "x", "");
        assert!(ask_again(&ApiError::Network("offline".into())));
        assert!(ask_again(&server(503)));
        assert!(ask_again(&server(429)));
        assert!(!ask_again(&server(409)));
        assert!(!ask_again(&server(401)));
        let mut delays = vec![FIRST_DELAY_MS];
        while delays.len() < ATTEMPTS {
            delays.push(next_backoff(*delays.last().unwrap()));
        }
        assert_eq!(delays, [1000, 2000, 4000, 8000, 15_000, 15_000]);
        // A busy server's Retry-After is waited for instead.
        let limited = ApiError::Server { status: 429, code: "rate_limited".into(), message: String::new(), retry_after_secs: Some(3) };
        assert_eq!(pause(&limited, 1000), 3000);
        assert_eq!(pause(&server(429), 1000), 1000);
    }
}
