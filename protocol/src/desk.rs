//! The agent desk's own types: internal notes, transfers and routing, canned replies, drafts.

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Canned replies (`/v1/agent/canned`): the team's (written by supervisors and admins) and each
// agent's own, per locale, with placeholders filled from the conversation and the account.
// ---------------------------------------------------------------------------------------------

/// The placeholders a canned reply may use, each written `{name}` in its body.
pub const CANNED_PLACEHOLDERS: [&str; 5] = ["first_name", "order_id", "next_amount", "next_due", "agent_name"];
/// Longest canned reply body, in characters.
pub const MAX_CANNED_BODY_CHARS: usize = 2000;
/// Longest canned reply shortcut (lower-case letters, digits and `-`).
pub const MAX_CANNED_SHORTCUT_CHARS: usize = 32;
/// Longest canned reply title, in characters.
pub const MAX_CANNED_TITLE_CHARS: usize = 80;

/// Whose a canned reply is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CannedScope {
    /// The whole team's; only supervisors and admins write them.
    Team,
    /// One agent's own; only that agent writes them.
    Personal,
}

/// A canned reply as the console lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: String,
    pub scope: CannedScope,
    /// `en`, `sv`, `de`, `ar`, ...
    pub locale: String,
    /// Typed after `/` in the reply box, e.g. `next-payment`.
    pub shortcut: String,
    pub title: String,
    /// The text with `{placeholders}` unfilled.
    pub body: String,
    /// Whether the calling agent may edit or delete it.
    pub editable: bool,
    /// RFC 3339.
    pub updated_at: String,
}

/// Body of `POST /v1/agent/canned`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewCannedReply {
    pub scope: CannedScope,
    pub locale: String,
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

/// Body of `PUT /v1/agent/canned/{id}` (the scope stays as it is).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CannedEdit {
    pub locale: String,
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

/// Answer to `POST /v1/agent/conversations/{id}/canned/{canned_id}`: the reply's text filled for
/// this conversation, for the agent to edit before sending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CannedFilled {
    /// A value that could not be filled is left visibly, e.g. `[first name]`.
    pub text: String,
    /// The placeholders that could not be filled (`first_name`, ...), for the agent to write.
    pub missing: Vec<String>,
}

// ---------------------------------------------------------------------------------------------

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
