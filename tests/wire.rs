//! Browser tests: the widget's serde-free JSON readers (`wire`) read exactly what the server's serde
//! writes, for every protocol type the widget consumes.
#![cfg(target_arch = "wasm32")]

use tandem_protocol::*;
use tandem_widget::wire::{self, FromJs};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn same<T: serde::Serialize + FromJs + PartialEq + std::fmt::Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    let back: T = wire::parse(&json).unwrap_or_else(|_| panic!("wire could not read {json}"));
    assert_eq!(back, value, "{json}");
}

fn message(author: Author, blocks: Vec<Block>) -> Message {
    Message {
        id: "m-1".into(),
        client_id: Some("c-1".into()),
        seq: 7,
        author,
        author_name: Some("Sam".into()),
        text: "Your next payment is €50.00.".into(),
        blocks,
        created_at: "2026-11-25T10:00:00.000Z".into(),
        meta: None,
    }
}

fn all_blocks() -> Vec<Block> {
    vec![
        Block::Paragraph { text: "Hello \"there\" <b>".into() },
        Block::Bullets { items: vec!["one".into(), "two".into()] },
        Block::Card {
            title: "Order FP-1001".into(),
            fields: vec![
                Field { label: "Amount".into(), value: Value::Money { money: Money::eur(5000) } },
                Field { label: "Due".into(), value: Value::Date { date: "2026-11-28".into() } },
                Field { label: "Store".into(), value: Value::Text { text: "Nordic Outdoor".into() } },
            ],
        },
        Block::Actions {
            buttons: vec![
                Button { label: "Pay early".into(), action: Action::Link { url: "https://app.fjordpay.example/pay".into() } },
                Button { label: "Talk to a person".into(), action: Action::Handoff },
                Button { label: "Refunds".into(), action: Action::Reply { text: "Where is my refund?".into() } },
            ],
        },
    ]
}

#[wasm_bindgen_test]
fn messages_events_and_states_read_back_exactly() {
    for author in [Author::Shopper, Author::Assistant, Author::Agent, Author::System] {
        same(message(author, all_blocks()));
        same(Event::Message { message: message(author, vec![]) });
    }
    for state in [
        ConversationState::Assistant,
        ConversationState::Queued { position: 3, estimated_wait_secs: Some(130) },
        ConversationState::Queued { position: 1, estimated_wait_secs: None },
        ConversationState::WithAgent { agent_name: "Kim".into() },
        ConversationState::AwaitingReply { contact: Some("a@example.com".into()) },
        ConversationState::AwaitingReply { contact: None },
        ConversationState::Resolved { rating: Some(4) },
        ConversationState::Resolved { rating: None },
    ] {
        same(state.clone());
        same(Event::State { seq: 9, state });
    }
    same(Event::Typing { author: Author::Agent, active: true });
    same(Conversation {
        id: "c".into(),
        state: ConversationState::Assistant,
        last_seq: 2,
        created_at: "2026-11-25T10:00:00Z".into(),
        messages: vec![message(Author::Shopper, all_blocks())],
    });
    same(SendAck { message: message(Author::Shopper, vec![]), duplicate: true });
    same(Session {
        token: "t".into(),
        shopper: Shopper { id: "alex".into(), name: Some("Alex Morgan".into()), identified: true },
        locale: "sv".into(),
        expires_at: "2026-12-25T00:00:00Z".into(),
    });
    same(Reopened {
        session: Session {
            token: "t".into(),
            shopper: Shopper { id: "anon-1".into(), name: None, identified: false },
            locale: "de".into(),
            expires_at: "2026-12-25T00:00:00Z".into(),
        },
        conversation_id: "c-9".into(),
    });
    for (new_session, identity_refused) in [(true, Some("identity_token_expired".to_string())), (false, None)] {
        same(Started {
            session: Session {
                token: "t".into(),
                shopper: Shopper { id: "anon-2".into(), name: None, identified: false },
                locale: "ar".into(),
                expires_at: "2026-12-25T00:00:00Z".into(),
            },
            new_session,
            identity_refused,
            conversation: Conversation {
                id: "c".into(),
                state: ConversationState::Resolved { rating: None },
                last_seq: 4,
                created_at: "2026-11-25T10:00:00Z".into(),
                messages: vec![message(Author::Agent, vec![])],
            },
            // Not read by the widget (see `wire.rs`).
            new_conversation: false,
        });
    }
    assert_eq!(
        wire::start_request(&StartRequest {
            merchant_id: "nordic-outdoor".into(),
            locale: Some("sv".into()),
            identity_token: None,
            conversation_id: Some("c-1".into()),
        }),
        r#"{"merchant_id":"nordic-outdoor","locale":"sv","conversation_id":"c-1"}"#
    );
    for email in [true, false] {
        same(MerchantConfig {
            merchant_id: "nordic-outdoor".into(),
            name: "Nordic Outdoor".into(),
            provider_name: "Fjordpay".into(),
            theme: Theme { accent: "#0b5cad".into(), on_accent: "#ffffff".into(), position: "right".into(), launcher_label: "Help".into() },
            support_hours: "always".into(),
            email,
        });
    }
}

#[wasm_bindgen_test]
fn reply_metadata_is_skipped_and_malformed_input_is_refused() {
    let mut m = message(Author::Assistant, vec![]);
    m.meta = Some(ReplyMeta { topic: "late_fee".into(), confidence: 0.9, sources: vec!["kb/late-fee".into()], handoff: None, while_you_wait: false });
    let back: Message = wire::parse(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back.meta, None);
    assert_eq!(back.text, m.text);
    // Only "while you wait" is read of the metadata.
    m.meta.as_mut().unwrap().while_you_wait = true;
    let back: Message = wire::parse(&serde_json::to_string(&m).unwrap()).unwrap();
    assert!(back.meta.is_some_and(|meta| meta.while_you_wait && meta.topic.is_empty() && meta.sources.is_empty()));
    assert!(wire::parse::<Event>(r#"{"type":"state","seq":1,"state":{"status":"queued"}}"#).is_err());
    assert!(wire::parse::<Block>(r#"{"type":"html","text":"<b>x</b>"}"#).is_err());
    assert!(wire::parse::<Message>("not json").is_err());
    assert_eq!(wire::error_body(r#"{"error":{"code":"text_too_long","message":"Too long."}}"#), Some(("text_too_long".into(), "Too long.".into())));
}

#[wasm_bindgen_test]
fn the_outbox_belongs_to_one_shopper() {
    use tandem_widget::storage::{self, Outgoing};
    let out = |id: &str, text: &str| Outgoing { client_id: id.into(), text: text.into() };
    let items = vec![out("c1", "hello"), out("c2", "my order \"42\"")];
    storage::set_outbox("outbox-test", "anon-1", &items);
    assert_eq!(storage::outbox("outbox-test", "anon-1"), items);
    assert!(storage::outbox("outbox-test", "alex").is_empty(), "the next shopper on this device never gets it");
    assert!(storage::outbox("outbox-test", "").is_empty());
    storage::clear_outbox("outbox-test");
    assert!(storage::outbox("outbox-test", "anon-1").is_empty());
    // An outbox written by an older widget (no owner) is not sent for anyone.
    let old = wire::write_string_records(&["client_id", "text"], &[vec!["c1", "hi"]]);
    web_sys::window().unwrap().local_storage().unwrap().unwrap().set_item("tandem:outbox-test:outbox", &old).unwrap();
    assert!(storage::outbox("outbox-test", "anon-1").is_empty());
}
