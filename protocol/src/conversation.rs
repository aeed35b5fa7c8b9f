//! Conversations, their messages and structured blocks, and the events of their stream.

use serde::{Deserialize, Serialize};

use crate::{flat, Money};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Shopper,
    Assistant,
    Agent,
    System,
}

/// Where a conversation stands; every change is an event in the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", try_from = "flat::State")]
pub enum ConversationState {
    /// The assistant answers.
    Assistant,
    /// Waiting for a person.
    Queued {
        /// 1 for the next conversation to be picked up.
        position: u32,
        /// Estimated wait in seconds, when one can honestly be given.
        estimated_wait_secs: Option<u32>,
    },
    /// A person holds the conversation; the assistant stays quiet.
    WithAgent {
        /// The agent's display name.
        agent_name: String,
    },
    /// No person is available now; the shopper is answered later.
    AwaitingReply {
        /// Where the reply goes (an email address), once the shopper has left one.
        contact: Option<String>,
    },
    /// Closed by a person.
    Resolved {
        /// The shopper's rating, 1 to 5, once given.
        rating: Option<u8>,
    },
}

impl ConversationState {
    /// The bare status name, as stored and used in metrics.
    pub fn status(&self) -> &'static str {
        match self {
            ConversationState::Assistant => "assistant",
            ConversationState::Queued { .. } => "queued",
            ConversationState::WithAgent { .. } => "with_agent",
            ConversationState::AwaitingReply { .. } => "awaiting_reply",
            ConversationState::Resolved { .. } => "resolved",
        }
    }
}

/// A value in a key-value card, typed so the widget can format it for the shopper's locale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "flat::Value")]
pub enum Value {
    Text { text: String },
    Money { money: Money },
    /// A calendar day, ISO 8601 `YYYY-MM-DD`.
    Date { date: String },
}

/// One row of a key-value card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: Value,
}

/// What an action button does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "flat::Action")]
pub enum Action {
    /// Opens a link (the widget only follows allow-listed https links).
    Link { url: String },
    /// Asks for a person.
    Handoff,
    /// Sends this text as the shopper's next message.
    Reply { text: String },
}

/// An action button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub action: Action,
}

/// Structured content of a message; always rendered as text, never as HTML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "flat::Block")]
pub enum Block {
    Paragraph { text: String },
    Bullets { items: Vec<String> },
    /// A key-value card such as an order or a payment schedule.
    Card { title: String, fields: Vec<Field> },
    Actions { buttons: Vec<Button> },
}

/// Why a conversation went to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The shopper asked for a person.
    Requested,
    /// The topic always goes to a person (fraud, hardship, ...).
    SensitiveTopic,
    /// The assistant was not sure, or did not help twice in a row.
    Unsure,
    /// The shopper is frustrated.
    Frustration,
    /// The task needs a person to complete (e.g. closing an account).
    NeedsPerson,
}

impl HandoffReason {
    /// Stable name, as used in metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            HandoffReason::Requested => "requested",
            HandoffReason::SensitiveTopic => "sensitive_topic",
            HandoffReason::Unsure => "unsure",
            HandoffReason::Frustration => "frustration",
            HandoffReason::NeedsPerson => "needs_person",
        }
    }
}

/// What the assistant knew when it wrote a reply; stored with each assistant message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplyMeta {
    /// Topic id, e.g. `next_payment` or `unknown`.
    pub topic: String,
    /// Calibrated confidence in the topic, 0 to 1.
    pub confidence: f32,
    /// Knowledge-base article ids behind every policy statement.
    pub sources: Vec<String>,
    /// Set when this reply hands the conversation to a person.
    pub handoff: Option<HandoffReason>,
    /// Written while the shopper waits for a person (queued or awaiting a reply): a factual answer
    /// that leaves their place in the queue as it is.
    #[serde(default, skip_serializing_if = "is_false")]
    pub while_you_wait: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A message in a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Server id.
    pub id: String,
    /// The sender's idempotency key, for shopper and agent messages.
    pub client_id: Option<String>,
    /// Position in the conversation's event sequence.
    pub seq: u64,
    pub author: Author,
    /// Display name for agent messages.
    pub author_name: Option<String>,
    /// Plain-text rendering of the whole message (what a screen reader or an email gets).
    pub text: String,
    /// Structured content; a shopper message is one paragraph.
    pub blocks: Vec<Block>,
    /// RFC 3339.
    pub created_at: String,
    /// Present on assistant messages.
    pub meta: Option<ReplyMeta>,
}

/// A conversation and its messages so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub state: ConversationState,
    /// Sequence number of the newest event; a stream opened with this as `Last-Event-ID` sends
    /// only what is new.
    pub last_seq: u64,
    pub created_at: String,
    pub messages: Vec<Message>,
}

/// Body of `POST /v1/conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendMessage {
    /// Client-generated idempotency key: sending the same id twice stores one message.
    pub client_id: String,
    pub text: String,
}

/// Answer to a send: the stored message (the earlier one when `duplicate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendAck {
    pub message: Message,
    /// True when this id had been sent before and nothing new was stored.
    pub duplicate: bool,
}

/// Body of `POST /v1/conversations/{id}/handoff`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// Optional note from the shopper.
    #[serde(default)]
    pub note: Option<String>,
}

/// Body of `POST /v1/conversations/{id}/contact` (leave an email while no person is available).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaveContact {
    pub email: String,
}

/// Body of `POST /v1/conversations/{id}/rating`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Body of `POST /v1/conversations/{id}/typing`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Typing {
    pub active: bool,
}

/// One event in a conversation's stream. Durable events carry the conversation's sequence number
/// (the SSE `id`); typing indicators are ephemeral and carry none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A stored message.
    Message { message: Message },
    /// The conversation changed state.
    State { seq: u64, state: ConversationState },
    /// Someone is (or stopped) typing; not stored, not replayed.
    Typing { author: Author, active: bool },
}

impl Event {
    /// The durable sequence number, if this event is stored.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Event::Message { message } => Some(message.seq),
            // A state with sequence number 0 is live-only (a queue position moved): not stored,
            // so it does not advance a client's place in the log.
            Event::State { seq: 0, .. } => None,
            Event::State { seq, .. } => Some(*seq),
            Event::Typing { .. } => None,
        }
    }

    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Message { .. } => "message",
            Event::State { .. } => "state",
            Event::Typing { .. } => "typing",
        }
    }
}
