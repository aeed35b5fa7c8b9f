use super::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

fn item(id: &str, status: &str, priority: i64, since: &str) -> QueueItem {
    QueueItem {
        conversation_id: id.into(),
        status: status.into(),
        topic: None,
        handoff_reason: None,
        priority,
        waiting_since: Some(since.into()),
        position: None,
        preview: String::new(),
        contact: None,
        shopper_name: None,
        locale: None,
        reserved_until: None,
    }
}

#[test]
fn a_queue_change_keeps_serving_order_and_renumbers() {
    let mut q = QueueSnapshot { items: vec![], agents_online: 0, free_slots: 0 };
    let change = |upsert, remove: &[&str]| QueueChange { upsert, remove: remove.iter().map(|s| s.to_string()).collect(), agents_online: 2, free_slots: 1 };
    q.apply(change(vec![item("a", "queued", 0, "2026-11-25T10:00:00.000Z"), item("e", "awaiting_reply", 0, "2026-11-25T09:00:00.000Z")], &[]));
    q.apply(change(vec![item("b", "queued", 0, "2026-11-25T10:01:00.000Z")], &[]));
    q.apply(change(vec![item("f", "queued", 1, "2026-11-25T10:02:00.000Z")], &[]));
    let order: Vec<(&str, Option<u32>)> = q.items.iter().map(|i| (i.conversation_id.as_str(), i.position)).collect();
    assert_eq!(order, vec![("f", Some(1)), ("a", Some(2)), ("b", Some(3)), ("e", None)], "priority first, then age; awaiting last");
    // The head is claimed; an item changes (moves to awaiting a reply) without duplicating.
    q.apply(change(vec![item("b", "awaiting_reply", 0, "2026-11-25T10:01:00.000Z")], &["f"]));
    let order: Vec<(&str, Option<u32>)> = q.items.iter().map(|i| (i.conversation_id.as_str(), i.position)).collect();
    assert_eq!(order, vec![("a", Some(1)), ("e", None), ("b", None)]);
    assert_eq!((q.agents_online, q.free_slots), (2, 1));
}

#[test]
fn a_live_only_state_has_no_place_in_the_log() {
    let live = Event::State { seq: 0, state: ConversationState::Queued { position: 2, estimated_wait_secs: None } };
    assert_eq!(live.seq(), None);
    assert_eq!(Event::State { seq: 4, state: ConversationState::Assistant }.seq(), Some(4));
}

fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(v: &T) {
    let text = serde_json::to_string(v).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, v, "round trip changed {text}");
}

fn sample_message() -> Message {
    Message {
        id: "m1".into(),
        client_id: Some("c1".into()),
        seq: 3,
        author: Author::Assistant,
        author_name: None,
        text: "Your next payment is €50.00 on 2026-11-28.".into(),
        blocks: vec![
            Block::Paragraph { text: "Your next payment".into() },
            Block::Bullets { items: vec!["a".into(), "b".into()] },
            Block::Card {
                title: "FP-1001".into(),
                fields: vec![
                    Field { label: "Amount".into(), value: Value::Money { money: Money::eur(5000) } },
                    Field { label: "Due".into(), value: Value::Date { date: "2026-11-28".into() } },
                    Field { label: "Store".into(), value: Value::Text { text: "Nordic".into() } },
                ],
            },
            Block::Actions {
                buttons: vec![
                    Button { label: "Pay early".into(), action: Action::Link { url: "https://x".into() } },
                    Button { label: "Talk to a person".into(), action: Action::Handoff },
                    Button { label: "Refund?".into(), action: Action::Reply { text: "refund".into() } },
                ],
            },
        ],
        created_at: "2026-11-25T10:00:00Z".into(),
        meta: Some(ReplyMeta {
            topic: "next_payment".into(),
            confidence: 0.93,
            sources: vec!["kb/pay-in-4".into()],
            handoff: None,
            while_you_wait: false,
        }),
    }
}

#[test]
fn every_type_round_trips() {
    round_trip(&sample_message());
    for state in [
        ConversationState::Assistant,
        ConversationState::Queued { position: 2, estimated_wait_secs: Some(120) },
        ConversationState::WithAgent { agent_name: "Sam".into() },
        ConversationState::AwaitingReply { contact: Some("a@b.c".into()) },
        ConversationState::Resolved { rating: None },
    ] {
        round_trip(&state);
        round_trip(&Event::State { seq: 9, state });
    }
    round_trip(&Event::Message { message: sample_message() });
    round_trip(&Event::Typing { author: Author::Agent, active: true });
    round_trip(&AgentEvent::Conversation { conversation_id: "c".into(), event: Event::Typing { author: Author::Shopper, active: true } });
    round_trip(&AgentEvent::Queue { snapshot: QueueSnapshot { items: vec![], agents_online: 2, free_slots: 5 } });
    round_trip(&AgentEvent::QueueChange { change: QueueChange { upsert: vec![], remove: vec!["c".into()], agents_online: 1, free_slots: 0 } });
    round_trip(&ErrorBody {
        error: ErrorDetail { code: "x".into(), message: "y".into(), field: Some("text".into()) },
    });
}

#[test]
fn states_are_tagged_by_status_in_snake_case() {
    let v = serde_json::to_value(ConversationState::Queued { position: 1, estimated_wait_secs: None }).unwrap();
    assert_eq!(v, json!({"status": "queued", "position": 1, "estimated_wait_secs": null}));
    let v = serde_json::to_value(ConversationState::WithAgent { agent_name: "Sam".into() }).unwrap();
    assert_eq!(v["status"], "with_agent");
}

#[test]
fn money_is_minor_units_and_currency() {
    let v = serde_json::to_value(Money::eur(10825)).unwrap();
    assert_eq!(v, json!({"minor": 10825, "currency": "EUR"}));
    assert_eq!(Money::eur(10825).plain(), "€108.25");
    assert_eq!(Money::eur(-5).plain(), "-€0.05");
}

#[test]
fn session_request_fields_are_optional() {
    let r: CreateSession = serde_json::from_str(r#"{"merchant_id":"m"}"#).unwrap();
    assert_eq!(r.locale, None);
    assert_eq!(r.identity_token, None);
}

#[test]
fn tagged_enums_reject_unknown_tags_and_missing_fields() {
    assert!(serde_json::from_str::<ConversationState>(r#"{"status":"queued"}"#).unwrap_err().to_string().contains("position"));
    assert!(serde_json::from_str::<ConversationState>(r#"{"status":"lost"}"#).is_err());
    assert!(serde_json::from_str::<Block>(r#"{"type":"html","text":"<b>"}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"{"type":"typing","author":"agent"}"#).is_err());
    let s: ConversationState = serde_json::from_str(r#"{"status":"awaiting_reply"}"#).unwrap();
    assert_eq!(s, ConversationState::AwaitingReply { contact: None });
}

#[test]
fn event_seq_is_none_only_for_typing() {
    assert_eq!(Event::Message { message: sample_message() }.seq(), Some(3));
    assert_eq!(Event::Typing { author: Author::Shopper, active: false }.seq(), None);
}
