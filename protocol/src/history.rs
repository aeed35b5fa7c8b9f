//! History and search over past and current conversations (`/v1/agent/history`), for agents
//! (the conversations they took part in) and supervisors (all).

use serde::{Deserialize, Serialize};

use crate::{Message, Note};

/// One conversation in the search results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub id: String,
    /// `assistant`, `queued`, `with_agent`, `awaiting_reply` or `resolved`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: the last activity.
    pub updated_at: String,
    pub shopper_id: String,
    /// The identified shopper's name, when the account is known.
    pub shopper_name: Option<String>,
    /// The shopper's rating, 1 to 5.
    pub rating: Option<u8>,
    /// Why it went to a person (`requested`, `sensitive_topic`, ...), each reason once, oldest first.
    pub handoff_reasons: Vec<String>,
    /// The shopper's last words, shortened.
    pub preview: String,
}

/// Answer to `GET /v1/agent/history`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One trip of the conversation to a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoffRecord {
    /// `requested`, `sensitive_topic`, ...
    pub reason: String,
    /// RFC 3339.
    pub queued_at: String,
    pub claimed_at: Option<String>,
    pub resolved_at: Option<String>,
    /// The agent who took it, by display name (absent if never taken, or the account is gone).
    pub agent_name: Option<String>,
}

/// Answer to `GET /v1/agent/history/{id}`: the whole record, read-only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryDetail {
    pub item: HistoryItem,
    /// The language the conversation is written in.
    pub locale: String,
    pub rating_comment: Option<String>,
    /// The transcript, oldest first.
    pub messages: Vec<Message>,
    /// Internal notes and transfer notes, oldest first.
    pub notes: Vec<Note>,
    /// Trips to a person, oldest first.
    pub handoffs: Vec<HandoffRecord>,
}
