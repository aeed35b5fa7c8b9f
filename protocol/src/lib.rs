//! The Tandem API's wire types: what the widget, the console and the server say to each other.
//!
//! Everything here is plain serde data with no I/O, so it compiles for the browser (Wasm) and the
//! server alike. Money is minor units plus an ISO 4217 code; dates are ISO 8601 strings
//! (`2026-11-25` for days, RFC 3339 for instants). The widget formats both with the browser's `Intl`.

use serde::{Deserialize, Serialize};

/// Longest message a shopper or agent may send, in characters (not bytes).
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest client-generated message id (idempotency key).
pub const MAX_CLIENT_ID_LEN: usize = 64;

/// An amount of money: minor units (cents) and an ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in the currency's minor unit, e.g. 5000 for €50.00.
    pub minor: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    /// Builds an amount in euro cents.
    pub fn eur(minor: i64) -> Self {
        Money { minor, currency: "EUR".into() }
    }

    /// A plain, locale-neutral rendering (`EUR 50.00`) for logs and plain-text fallbacks; the widget
    /// formats for the shopper's locale with `Intl.NumberFormat` instead.
    pub fn plain(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}{}.{:02}", currency_symbol(&self.currency), abs / 100, abs % 100)
    }
}

fn currency_symbol(code: &str) -> String {
    match code {
        "EUR" => "€".into(),
        "USD" => "$".into(),
        "GBP" => "£".into(),
        "SEK" => "SEK ".into(),
        other => format!("{other} "),
    }
}

/// Body of `POST /v1/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateSession {
    /// The merchant whose page embeds the widget.
    pub merchant_id: String,
    /// BCP 47 locale, e.g. `en-GB`; the server falls back to `en`.
    #[serde(default)]
    pub locale: Option<String>,
    /// A provider-signed JWT identifying a logged-in shopper; without it the session is anonymous.
    #[serde(default)]
    pub identity_token: Option<String>,
}

/// Answer to `POST /v1/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer token for every later call; shown once, stored hashed by the server.
    pub token: String,
    /// Who the session belongs to.
    pub shopper: Shopper,
    /// The locale the server settled on.
    pub locale: String,
    /// When the token stops working (RFC 3339).
    pub expires_at: String,
}

/// The shopper behind a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shopper {
    /// Stable id: the provider's customer id when identified, a random id otherwise.
    pub id: String,
    /// Display name from the identity token, when identified.
    pub name: Option<String>,
    /// Whether a verified identity token backs this session (account answers need it).
    pub identified: bool,
}

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

/// Colours and texts a merchant may set; applied by the widget as CSS custom properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// Accent colour (`#rrggbb`), used for the launcher, the header and the shopper's bubbles.
    pub accent: String,
    /// Text colour on the accent (`#rrggbb`).
    pub on_accent: String,
    /// `right` or `left`.
    pub position: String,
    /// Launcher label.
    pub launcher_label: String,
}

/// Answer to `GET /v1/merchants/{id}/config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MerchantConfig {
    pub merchant_id: String,
    /// The merchant's store name.
    pub name: String,
    /// The payment provider's name shown in the widget header.
    pub provider_name: String,
    pub theme: Theme,
    /// Human support hours, in words, e.g. `08:00–22:00 CET every day`.
    pub support_hours: String,
    /// Email is configured: the widget offers the transcript by email.
    #[serde(default)]
    pub email: bool,
}

/// The one error body every endpoint answers with on failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for code (`code`) and for people (`message`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `text_too_long`.
    pub code: String,
    /// A sentence saying what happened and what to do next.
    pub message: String,
    /// The offending field, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Human agents (the console's API under /v1/agent; authenticated by an HttpOnly session cookie)
// ---------------------------------------------------------------------------------------------

/// Body of `POST /v1/agent/login`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentLogin {
    pub email: String,
    pub password: String,
}

/// The logged-in agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// Receiving conversations right now.
    pub online: bool,
    /// How many conversations the agent takes at once.
    pub capacity: u32,
    /// Conversations the agent holds now.
    pub active: u32,
    /// `agent`, `supervisor` or `admin`.
    #[serde(default = "default_role")]
    pub role: String,
    /// Locale codes the agent speaks (the queue offers their conversations to them first).
    #[serde(default)]
    pub languages: Vec<String>,
}

fn default_role() -> String {
    "agent".into()
}

/// Body of `PUT /v1/agent/presence`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub online: bool,
    /// New capacity (1 to 10); unchanged when absent.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// A conversation in the agents' queue or in an agent's own list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub conversation_id: String,
    /// `queued`, `awaiting_reply` or `with_agent`.
    pub status: String,
    /// The assistant's last topic, e.g. `fraud`.
    pub topic: Option<String>,
    /// Why it went to a person (`requested`, `sensitive_topic`, ...).
    pub handoff_reason: Option<String>,
    /// Served before lower priorities.
    pub priority: i64,
    /// When it entered the queue (RFC 3339).
    pub waiting_since: Option<String>,
    /// 1-based place in the queue, for queued conversations.
    pub position: Option<u32>,
    /// The shopper's last message, shortened.
    pub preview: String,
    /// Email left by the shopper, for `awaiting_reply`.
    pub contact: Option<String>,
    /// Display name of an identified shopper.
    pub shopper_name: Option<String>,
    /// The conversation's language.
    #[serde(default)]
    pub locale: Option<String>,
    /// Until then (RFC 3339) it is offered only to agents who speak its language; absent when
    /// anyone may take it.
    #[serde(default)]
    pub reserved_until: Option<String>,
}

/// Answer to `GET /v1/agent/queue`, and the payload of queue events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    /// Queued first (by priority, then age), then conversations awaiting a reply.
    pub items: Vec<QueueItem>,
    pub agents_online: u32,
    /// Free conversation slots among online agents.
    pub free_slots: u32,
}

/// Changes to the queue, sent to consoles instead of the whole queue: its cost does not grow with
/// the queue's length. Applied with [`QueueSnapshot::apply`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueChange {
    /// Conversations that entered the queue or changed in it (queued or awaiting a reply).
    pub upsert: Vec<QueueItem>,
    /// Conversations that left it (claimed, handed back, resolved, erased).
    pub remove: Vec<String>,
    pub agents_online: u32,
    pub free_slots: u32,
}

impl QueueSnapshot {
    /// Applies a change: items removed or replaced, then put in serving order (queued first, by
    /// priority, then by how long they have waited; then those awaiting a reply, oldest first),
    /// with positions renumbered.
    pub fn apply(&mut self, change: QueueChange) {
        self.items.retain(|i| !change.remove.contains(&i.conversation_id) && !change.upsert.iter().any(|u| u.conversation_id == i.conversation_id));
        self.items.extend(change.upsert);
        self.items.sort_by(|a, b| {
            let queued = |i: &QueueItem| i.status == "queued";
            queued(b)
                .cmp(&queued(a))
                .then_with(|| if queued(a) { b.priority.cmp(&a.priority) } else { std::cmp::Ordering::Equal })
                .then_with(|| a.waiting_since.cmp(&b.waiting_since))
        });
        let mut position = 0;
        for item in &mut self.items {
            item.position = (item.status == "queued").then(|| {
                position += 1;
                position
            });
        }
        self.agents_online = change.agents_online;
        self.free_slots = change.free_slots;
    }
}

/// What an agent needs to pick a conversation up without asking the shopper to repeat anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The topic the conversation is about (the assistant's last confident topic).
    pub topic: String,
    /// Why it was handed to a person, in words.
    pub handoff_reason: Option<String>,
    /// What the shopper asked, oldest first (shortened).
    pub asked: Vec<String>,
    /// Facts the assistant already gave (amounts, dates, policies), shortened.
    pub facts: Vec<String>,
    /// One paragraph combining the above.
    pub text: String,
}

/// One order as the account panel shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub store: String,
    pub item: String,
    pub total: Money,
    /// e.g. `Pay in 4`, `Financing, 12 months, APR 14.9%`.
    pub plan: String,
    pub next_amount: Option<Money>,
    /// ISO day.
    pub next_due: Option<String>,
    /// e.g. `3 of 12 paid`, `refunded`, `payments paused until 2026-12-11`.
    pub status: String,
}

/// The identified shopper's account, for the agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub name: String,
    pub orders: Vec<OrderView>,
}

/// Answer to `GET /v1/agent/conversations/{id}` (and to claim / next).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentConversation {
    pub conversation: Conversation,
    pub summary: Summary,
    /// Present only for shoppers with a verified identity whose account could be read.
    pub account: Option<AccountView>,
    /// The shopper is identified but the provider's account data cannot be read right now (so
    /// `account` is absent). Absent in answers from older servers.
    #[serde(default)]
    pub account_unavailable: bool,
    pub shopper_name: Option<String>,
    /// Email left while no one was available.
    pub contact: Option<String>,
    /// Whether the calling agent holds it.
    pub assigned_to_me: bool,
    /// Internal notes (agents only), oldest first.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// The conversation's language.
    #[serde(default)]
    pub locale: String,
}

/// One event in an agent's stream (`GET /v1/agent/events`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// The whole queue (when the stream opens, and after events may have been missed).
    Queue { snapshot: QueueSnapshot },
    /// Some conversations entered, changed in or left the queue.
    QueueChange { change: QueueChange },
    /// Something happened in a conversation this agent holds.
    Conversation { conversation_id: String, event: Event },
    /// The agent's own profile changed (e.g. set offline after losing the connection).
    Profile { profile: AgentProfile },
    /// An internal note was written on a conversation this agent holds.
    Note { note: Note },
}

mod admin;
mod desk;
mod email;
mod floor;
mod history;
mod start;
pub use admin::*;
pub use desk::*;
pub use email::*;
pub use floor::*;
pub use history::*;
pub use start::*;

/// Flat shapes that the tagged enums deserialise through. The JSON is the same as the derived
/// internally tagged form; reading it as one flat struct avoids serde's buffering of tagged enums,
/// which is a large share of the widget's Wasm.
mod flat {
    use serde::Deserialize;

    fn missing(kind: &str, field: &str) -> String {
        format!("`{kind}` needs the field `{field}`")
    }

    #[derive(Deserialize)]
    pub struct State {
        status: String,
        position: Option<u32>,
        estimated_wait_secs: Option<u32>,
        agent_name: Option<String>,
        contact: Option<String>,
        rating: Option<u8>,
    }

    impl TryFrom<State> for super::ConversationState {
        type Error = String;
        fn try_from(s: State) -> Result<Self, String> {
            use super::ConversationState as C;
            Ok(match s.status.as_str() {
                "assistant" => C::Assistant,
                "queued" => C::Queued {
                    position: s.position.ok_or_else(|| missing("queued", "position"))?,
                    estimated_wait_secs: s.estimated_wait_secs,
                },
                "with_agent" => C::WithAgent { agent_name: s.agent_name.ok_or_else(|| missing("with_agent", "agent_name"))? },
                "awaiting_reply" => C::AwaitingReply { contact: s.contact },
                "resolved" => C::Resolved { rating: s.rating },
                other => return Err(format!("unknown conversation status `{other}`")),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Value {
        r#type: String,
        text: Option<String>,
        money: Option<super::Money>,
        date: Option<String>,
    }

    impl TryFrom<Value> for super::Value {
        type Error = String;
        fn try_from(v: Value) -> Result<Self, String> {
            Ok(match v.r#type.as_str() {
                "text" => super::Value::Text { text: v.text.ok_or_else(|| missing("text", "text"))? },
                "money" => super::Value::Money { money: v.money.ok_or_else(|| missing("money", "money"))? },
                "date" => super::Value::Date { date: v.date.ok_or_else(|| missing("date", "date"))? },
                other => return Err(format!("unknown value type `{other}`")),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Action {
        r#type: String,
        url: Option<String>,
        text: Option<String>,
    }

    impl TryFrom<Action> for super::Action {
        type Error = String;
        fn try_from(a: Action) -> Result<Self, String> {
            Ok(match a.r#type.as_str() {
                "link" => super::Action::Link { url: a.url.ok_or_else(|| missing("link", "url"))? },
                "handoff" => super::Action::Handoff,
                "reply" => super::Action::Reply { text: a.text.ok_or_else(|| missing("reply", "text"))? },
                other => return Err(format!("unknown action type `{other}`")),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Block {
        r#type: String,
        text: Option<String>,
        items: Option<Vec<String>>,
        title: Option<String>,
        fields: Option<Vec<super::Field>>,
        buttons: Option<Vec<super::Button>>,
    }

    impl TryFrom<Block> for super::Block {
        type Error = String;
        fn try_from(b: Block) -> Result<Self, String> {
            Ok(match b.r#type.as_str() {
                "paragraph" => super::Block::Paragraph { text: b.text.ok_or_else(|| missing("paragraph", "text"))? },
                "bullets" => super::Block::Bullets { items: b.items.ok_or_else(|| missing("bullets", "items"))? },
                "card" => super::Block::Card {
                    title: b.title.ok_or_else(|| missing("card", "title"))?,
                    fields: b.fields.ok_or_else(|| missing("card", "fields"))?,
                },
                "actions" => super::Block::Actions { buttons: b.buttons.ok_or_else(|| missing("actions", "buttons"))? },
                other => return Err(format!("unknown block type `{other}`")),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Event {
        r#type: String,
        message: Option<super::Message>,
        seq: Option<u64>,
        state: Option<super::ConversationState>,
        author: Option<super::Author>,
        active: Option<bool>,
    }

    impl TryFrom<Event> for super::Event {
        type Error = String;
        fn try_from(e: Event) -> Result<Self, String> {
            Ok(match e.r#type.as_str() {
                "message" => super::Event::Message { message: e.message.ok_or_else(|| missing("message", "message"))? },
                "state" => super::Event::State {
                    seq: e.seq.ok_or_else(|| missing("state", "seq"))?,
                    state: e.state.ok_or_else(|| missing("state", "state"))?,
                },
                "typing" => super::Event::Typing {
                    author: e.author.ok_or_else(|| missing("typing", "author"))?,
                    active: e.active.ok_or_else(|| missing("typing", "active"))?,
                },
                other => return Err(format!("unknown event type `{other}`")),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
