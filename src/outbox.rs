//! Sending the shopper's messages: a client id per message (the send's idempotency key), delivery
//! states, retry, and the outbox that keeps unsent messages across reloads (stored with the shopper
//! they belong to).

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Author, ConversationState};

use crate::api::{self, ApiError, ShopperText};
use crate::chat::{Delivery, Entry};
use crate::ctl::Ctl;
use crate::i18n::Strings;
use crate::storage::{self, Outgoing};

/// What becomes of a message the shopper just typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendStep {
    /// Start-up has not finished: it stays in the transcript and is sent once the chat is ready.
    Hold,
    /// The conversation has ended: the message opens the next one.
    NewConversation,
    Deliver,
}

pub fn send_step(ready: bool, state: &ConversationState) -> SendStep {
    if !ready {
        SendStep::Hold
    } else if matches!(state, ConversationState::Resolved { .. }) {
        SendStep::NewConversation
    } else {
        SendStep::Deliver
    }
}

/// A failed send as the shopper sees it: why, in their language, and whether trying again helps.
pub fn failed(e: &ApiError, strings: &'static Strings) -> Delivery {
    Delivery::Failed { retry: e.is_transient(), reason: e.shopper_text(strings) }
}

/// The shopper's messages the server has not acknowledged, in transcript order: what the outbox
/// keeps.
pub fn unsent(entries: &[Entry]) -> Vec<Outgoing> {
    entries
        .iter()
        .filter(|e| e.author == Author::Shopper && e.delivery.get_untracked() != Delivery::Sent)
        .map(|e| Outgoing { client_id: e.key.clone(), text: e.text.clone() })
        .collect()
}

/// The messages to (re)send once the conversation is ready: not stored yet, and either never
/// answered or failed for a passing reason; in transcript order.
pub fn due(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.author == Author::Shopper && e.seq.get_untracked().is_none())
        .filter(|e| matches!(e.delivery.get_untracked(), Delivery::Sending | Delivery::Failed { retry: true, .. }))
        .map(|e| e.key.clone())
        .collect()
}

/// The messages whose send failed for a passing reason (to retry when the stream is back).
pub fn retryable(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| matches!(e.delivery.get_untracked(), Delivery::Failed { retry: true, .. }))
        .map(|e| e.key.clone())
        .collect()
}

/// The outbox's messages that the transcript does not show yet (left by a previous page view).
/// (The outbox is written from the transcript, so its client ids are distinct.)
pub fn missing(stored: Vec<Outgoing>, entries: &[Entry]) -> Vec<Outgoing> {
    stored.into_iter().filter(|o| !entries.iter().any(|e| e.key == o.client_id)).collect()
}

/// Stores what is unsent under the session's shopper.
pub fn save(ctl: Ctl) {
    // Until the session says whose words these are, they stay in memory only.
    let Some(owner) = ctl.owner() else { return };
    let items = ctl.chat.entries.with_untracked(|es| unsent(es));
    storage::set_outbox(&ctl.merchant(), &owner, &items);
}

/// Sends everything typed but not yet stored: what a previous page view left in the outbox, and
/// what was typed while the chat was starting (kept in memory, which is all there is when the
/// browser refuses the iframe storage).
pub fn flush(ctl: Ctl) {
    let stored = ctl.owner().map(|o| storage::outbox(&ctl.merchant(), &o)).unwrap_or_default();
    for item in ctl.chat.entries.with_untracked(|es| missing(stored, es)) {
        ctl.chat.push_outgoing(&item.client_id, &item.text);
    }
    for key in ctl.chat.entries.with_untracked(|es| due(es)) {
        deliver(ctl, key);
    }
}

/// Sends again what failed for a passing reason.
pub fn retry_failed(ctl: Ctl) {
    for key in ctl.chat.entries.with_untracked(|es| retryable(es)) {
        deliver(ctl, key);
    }
}

/// Sends a new message typed by the shopper.
pub fn send(ctl: Ctl, text: String) {
    let client_id = tandem_client::ids::client_id();
    crate::typing::stop(ctl);
    ctl.chat.push_outgoing(&client_id, &text);
    save(ctl);
    match send_step(ctl.is_ready(), &ctl.chat.state.get_untracked()) {
        SendStep::Hold => {}
        SendStep::NewConversation => spawn_local(crate::session::new_conversation(ctl)),
        SendStep::Deliver => deliver(ctl, client_id),
    }
}

/// Sends (or re-sends, with the same client id) an outgoing entry.
pub fn deliver(ctl: Ctl, client_id: String) {
    let Some(entry) = ctl.chat.entry(&client_id) else { return };
    let Some((token, conv)) = ctl.ids() else { return };
    entry.delivery.set(Delivery::Sending);
    spawn_local(async move {
        match api::send_message(&token, &conv, &client_id, &entry.text).await {
            Ok(ack) => ctl.chat.upsert(&ack.message),
            Err(e) => entry.delivery.set(failed(&e, ctl.strings())),
        }
        save(ctl);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n;

    fn stored(key: &str, seq: u64) -> Entry {
        let e = Entry::outgoing(key, key);
        e.seq.set(Some(seq));
        e.delivery.set(Delivery::Sent);
        e
    }

    fn outgoing(key: &str, delivery: Delivery) -> Entry {
        let e = Entry::outgoing(key, &format!("text of {key}"));
        e.delivery.set(delivery);
        e
    }

    fn failure(retry: bool) -> Delivery {
        Delivery::Failed { reason: "why", retry }
    }

    fn keys(items: &[Outgoing]) -> Vec<&str> {
        items.iter().map(|o| o.client_id.as_str()).collect()
    }

    #[test]
    fn a_message_waits_for_start_up_and_opens_a_new_conversation_after_an_ended_one() {
        let assistant = ConversationState::Assistant;
        let resolved = ConversationState::Resolved { rating: Some(5) };
        assert_eq!(send_step(false, &assistant), SendStep::Hold);
        assert_eq!(send_step(false, &resolved), SendStep::Hold);
        assert_eq!(send_step(true, &assistant), SendStep::Deliver);
        assert_eq!(send_step(true, &ConversationState::WithAgent { agent_name: "Kim".into() }), SendStep::Deliver);
        assert_eq!(send_step(true, &resolved), SendStep::NewConversation);
    }

    #[test]
    fn a_failure_says_why_in_the_shopper_s_language_and_whether_to_retry() {
        let s = i18n::strings("sv");
        let busy = ApiError::server(429, "rate_limited", "Too many");
        assert_eq!(failed(&busy, s), Delivery::Failed { reason: s.err_busy, retry: true });
        let long = ApiError::server(422, "text_too_long", "2001");
        assert_eq!(failed(&long, s), Delivery::Failed { reason: s.err_too_long, retry: false });
        assert_eq!(failed(&ApiError::Network("x".into()), s), Delivery::Failed { reason: s.err_network, retry: true });
    }

    #[test]
    fn the_outbox_keeps_every_unacknowledged_message_in_order() {
        let entries = vec![stored("a", 1), outgoing("b", Delivery::Sending), stored("c", 2), outgoing("d", failure(false)), outgoing("e", failure(true))];
        let items = unsent(&entries);
        assert_eq!(keys(&items), ["b", "d", "e"]);
        assert_eq!(items[0].text, "text of b");
        let mut reply = Entry::outgoing("r", "answer");
        reply.author = Author::Assistant;
        assert!(unsent(&[reply]).is_empty(), "only the shopper's own words are kept");
    }

    #[test]
    fn only_unstored_sending_or_retryable_messages_are_sent_again_in_order() {
        let acked_late = outgoing("z", Delivery::Sending);
        acked_late.seq.set(Some(4));
        let entries = vec![
            outgoing("a", failure(true)),
            stored("b", 1),
            outgoing("c", failure(false)),
            outgoing("d", Delivery::Sending),
            acked_late,
        ];
        assert_eq!(due(&entries), ["a", "d"]);
        assert_eq!(retryable(&entries), ["a"]);
    }

    #[test]
    fn outbox_messages_already_shown_are_not_added_twice() {
        let entries = vec![outgoing("a", Delivery::Sending), stored("b", 1)];
        let stored_items = ["a", "b", "c"].map(|k| Outgoing { client_id: k.into(), text: k.into() }).to_vec();
        assert_eq!(keys(&missing(stored_items, &entries)), ["c"]);
    }
}
