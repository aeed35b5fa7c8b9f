//! The agent desk's own types: internal notes, transfers and routing, canned replies, drafts.

use serde::{Deserialize, Serialize};

/// An internal note on a conversation. Agents only: notes are not events of the conversation's
/// log, so no shopper stream, transcript, email or host-page event can carry one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub conversation_id: String,
    pub author_name: String,
    /// `note`, or `transfer` (written with a transfer: why it was passed on).
    pub kind: String,
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Body of `POST /v1/agent/conversations/{id}/notes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewNote {
    pub text: String,
}

/// Body of `POST /v1/agent/conversations/{id}/transfer`: to a named online colleague with free
/// capacity, or (`to_agent_id` absent) back to the front of the queue; the note says why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    #[serde(default)]
    pub to_agent_id: Option<String>,
    pub note: String,
}

/// A colleague one may transfer to (`GET /v1/agent/colleagues`: online agents but oneself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    /// Locale codes the colleague speaks, e.g. `["en", "sv"]`.
    pub languages: Vec<String>,
    pub active: u32,
    pub capacity: u32,
}

/// The assistant's suggested reply to a shopper's message, for the agent holding the
/// conversation (`GET /v1/agent/conversations/{id}/draft`). Never sent by itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The shopper message it answers.
    pub for_seq: u64,
    pub text: String,
    /// Knowledge-base article ids the draft's policy statements come from.
    pub sources: Vec<String>,
    pub topic: String,
    pub confidence: f32,
    /// The language the draft is written in.
    pub locale: String,
}
