//! The transcript merge: fetches, stream events and sends in any order.

use super::*;
use tandem_protocol::{Conversation, Summary};

fn message(seq: u64, author: Author, client_id: Option<&str>, text: &str) -> Message {
    Message {
        id: format!("m{seq}"),
        client_id: client_id.map(Into::into),
        seq,
        author,
        author_name: None,
        text: text.into(),
        blocks: vec![Block::Paragraph { text: text.into() }],
        created_at: "2026-11-25T10:00:00Z".into(),
        meta: None,
    }
}

fn fetched(messages: Vec<Message>, last_seq: u64) -> AgentConversation {
    AgentConversation {
        conversation: Conversation {
            id: "c1".into(),
            state: ConversationState::WithAgent { agent_name: "Sam".into() },
            last_seq,
            created_at: "2026-11-25T10:00:00Z".into(),
            messages,
        },
        summary: Summary { topic: "fraud".into(), handoff_reason: None, asked: vec![], facts: vec![], text: "".into() },
        account: None,
        account_unavailable: false,
        shopper_name: None,
        contact: None,
        assigned_to_me: true,
        notes: vec![],
        locale: "en".into(),
    }
}

fn keys(t: &Thread) -> Vec<String> {
    t.entries.with_untracked(|es| es.iter().map(|e| e.key.clone()).collect())
}

#[test]
fn replayed_events_are_ignored_and_unread_counts_only_shopper_messages_off_screen() {
    let t = Thread::new("c1");
    t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
    t.apply(Event::Message { message: message(1, Author::Shopper, Some("s1"), "hi") }, false);
    t.apply(Event::Message { message: message(2, Author::Shopper, Some("s2"), "there?") }, false);
    t.apply(Event::Message { message: message(3, Author::Assistant, None, "...") }, false);
    t.apply(Event::Message { message: message(4, Author::Shopper, Some("s3"), "on screen") }, true);
    assert_eq!(keys(&t), ["s1", "s2", "m3", "s3"]);
    assert_eq!(t.unread.get_untracked(), 1);
}

#[test]
fn an_outgoing_reply_is_marked_sent_by_its_echo_and_survives_a_reload() {
    let t = Thread::new("c1");
    t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
    let pending = Entry {
        key: "a1".into(),
        seq: ArcRwSignal::new(None),
        author: Author::Agent,
        author_name: None,
        blocks: vec![Block::Paragraph { text: "hello".into() }],
        created_at: None,
        delivery: ArcRwSignal::new(Delivery::Failed { reason: "offline".into(), retry: true }),
        while_you_wait: false,
    };
    t.entries.update(|es| es.push(pending.clone()));
    // A reload that does not know the reply yet keeps it; one that does marks it sent in place.
    t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
    assert_eq!(keys(&t), ["s1", "a1"]);
    t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi"), message(2, Author::Agent, Some("a1"), "hello")], 2));
    assert_eq!(keys(&t), ["s1", "a1"]);
    assert_eq!(pending.delivery.get_untracked(), Delivery::Sent);
    assert_eq!(pending.seq.get_untracked(), Some(2));
}

#[test]
fn a_stale_fetch_keeps_newer_streamed_messages_and_state() {
    let t = Thread::new("c1");
    t.apply(Event::Message { message: message(5, Author::Shopper, Some("s5"), "newer") }, true);
    t.apply(Event::State { seq: 6, state: ConversationState::Resolved { rating: None } }, true);
    t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
    assert_eq!(keys(&t), ["s1", "s5"]);
    assert_eq!(t.state.get_untracked(), Some(ConversationState::Resolved { rating: None }));
    assert_eq!(t.last_seq.get_value(), 6, "a stale fetch never moves last_seq back");
}
