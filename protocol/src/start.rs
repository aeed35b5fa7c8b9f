//! Start-up in one round trip: `POST /v1/start` resumes or creates the shopper's session and
//! returns the conversation to show, so the widget is ready one request after its frame loads.

use serde::{Deserialize, Serialize};

use crate::{Conversation, Session};

/// Body of `POST /v1/start`. The session the device kept goes in `Authorization: Bearer <token>`
/// (optional); the partitioned resume cookie, when the browser has one, is read as well.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StartRequest {
    /// The merchant whose page embeds the widget.
    pub merchant_id: String,
    /// BCP 47 locale for a new session, e.g. `sv`; the server falls back to `en`.
    #[serde(default)]
    pub locale: Option<String>,
    /// The host's provider-signed JWT when the shopper is signed in; absent for a visitor.
    #[serde(default)]
    pub identity_token: Option<String>,
    /// The conversation this device showed last; shown again when it is the shopper's.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// Answer to `POST /v1/start`: the session to use and the conversation to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// The session: the device's own, the resume cookie's, or a new one.
    pub session: Session,
    /// The session was created by this request: messages another shopper left unsent on this
    /// device are not this one's to send.
    pub new_session: bool,
    /// The identity token was refused (its error code, e.g. `identity_token_expired`): the session
    /// is signed out and the host page should bring a fresh token.
    pub identity_refused: Option<String>,
    /// The conversation: the stored one (even resolved, so it can be rated), else the shopper's
    /// latest that has not ended, else a new one.
    pub conversation: Conversation,
    /// The conversation was created by this request.
    pub new_conversation: bool,
}
