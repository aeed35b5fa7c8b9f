//! Human agents: the console's API under `/v1/agent` (an HttpOnly session cookie), the queue
//! and the agent's stream.

use serde::{Deserialize, Serialize};

use crate::{Conversation, Event, Money, Note};

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
