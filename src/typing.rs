//! The shopper's typing indicator for the agent: told once when typing starts, and that it stopped
//! after 3 s without a keystroke or when the message is sent. Only a person is told.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::ConversationState;

use crate::api;
use crate::ctl::{sleep_ms, Ctl};

/// Whether the agent was last told the shopper is typing, and the idle timer's generation.
#[derive(Clone, Copy)]
pub struct Typing {
    sent: StoredValue<bool>,
    generation: StoredValue<u32>,
}

impl Typing {
    pub fn new() -> Self {
        Typing { sent: StoredValue::new(false), generation: StoredValue::new(0) }
    }
}

impl Default for Typing {
    fn default() -> Self {
        Self::new()
    }
}

/// How long after the last keystroke the agent hears the shopper stopped typing.
pub const IDLE_MS: u32 = 3000;

/// Whether the shopper's typing is told in this state: only while a person holds the conversation.
pub fn told_in(state: &ConversationState) -> bool {
    matches!(state, ConversationState::WithAgent { .. })
}

/// Tells the agent the shopper is typing; stops telling after [`IDLE_MS`] without a keystroke.
pub fn keystroke(ctl: Ctl) {
    if !told_in(&ctl.chat.state.get_untracked()) {
        return;
    }
    let generation = ctl.typing.generation.get_value() + 1;
    ctl.typing.generation.set_value(generation);
    if !ctl.typing.sent.get_value() {
        ctl.typing.sent.set_value(true);
        post(ctl, true);
    }
    spawn_local(async move {
        sleep_ms(IDLE_MS).await;
        if ctl.typing.generation.get_value() == generation {
            stop(ctl);
        }
    });
}

/// Tells the agent the shopper stopped typing, if they were told it started.
pub fn stop(ctl: Ctl) {
    if ctl.typing.sent.get_value() {
        ctl.typing.sent.set_value(false);
        post(ctl, false);
    }
}

fn post(ctl: Ctl, active: bool) {
    let Some((token, conv)) = ctl.ids() else { return };
    spawn_local(async move {
        let _ = api::typing(&token, &conv, active).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_person_is_told_the_shopper_is_typing() {
        assert!(told_in(&ConversationState::WithAgent { agent_name: "Kim".into() }));
        assert!(!told_in(&ConversationState::Assistant));
        assert!(!told_in(&ConversationState::Queued { position: 1, estimated_wait_secs: None }));
        assert!(!told_in(&ConversationState::AwaitingReply { contact: None }));
        assert!(!told_in(&ConversationState::Resolved { rating: None }));
    }
}
