//! Email follow-ups: reopening a conversation from an email link, the transcript by email.

use serde::{Deserialize, Serialize};

use crate::Session;

/// `GET /v1/agent/settings`: what the console needs to know about this server's set-up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentSettings {
    /// Email is configured: replies to a shopper who left an address are emailed to them.
    pub email: bool,
}

/// Body of `POST /v1/reopen`: the token from an email's link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReopenRequest {
    pub token: String,
}

/// Answer to `POST /v1/reopen`: a fresh session for the conversation's shopper, and the
/// conversation to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reopened {
    pub session: Session,
    pub conversation_id: String,
}

/// Body of `POST /v1/conversations/{id}/transcript-email`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEmailRequest {
    /// Where to send it; the address the shopper left when absent.
    #[serde(default)]
    pub email: Option<String>,
}

/// Answer to `POST /v1/conversations/{id}/transcript-email`: queued for sending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEmailQueued {
    pub email: String,
}
