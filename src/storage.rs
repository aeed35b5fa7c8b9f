//! The session, the conversation id and unsent messages, kept in the iframe origin's
//! `localStorage` (never in the merchant's cookies) so that a reload resumes.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A stored shopper session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredSession {
    pub token: String,
    pub shopper_id: String,
    pub identified: bool,
}

/// A message typed but not yet acknowledged by the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub client_id: String,
    pub text: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn key(merchant: &str, what: &str) -> String {
    format!("tandem:{merchant}:{what}")
}

fn read<T: DeserializeOwned>(merchant: &str, what: &str) -> Option<T> {
    let raw = storage()?.get_item(&key(merchant, what)).ok().flatten()?;
    serde_json::from_str(&raw).ok()
}

fn write<T: Serialize>(merchant: &str, what: &str, value: Option<&T>) {
    let Some(s) = storage() else { return };
    let k = key(merchant, what);
    match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(json) => {
            let _ = s.set_item(&k, &json);
        }
        None => {
            let _ = s.remove_item(&k);
        }
    }
}

/// The stored session of this merchant's widget.
pub fn session(merchant: &str) -> Option<StoredSession> {
    read(merchant, "session")
}

/// Stores (or with `None` forgets) the session.
pub fn set_session(merchant: &str, s: Option<&StoredSession>) {
    write(merchant, "session", s)
}

/// The current conversation id.
pub fn conversation(merchant: &str) -> Option<String> {
    read(merchant, "conversation")
}

/// Stores (or forgets) the current conversation id.
pub fn set_conversation(merchant: &str, id: Option<&String>) {
    write(merchant, "conversation", id)
}

/// Messages not yet acknowledged, oldest first.
pub fn outbox(merchant: &str) -> Vec<Outgoing> {
    read(merchant, "outbox").unwrap_or_default()
}

/// Replaces the outbox.
pub fn set_outbox(merchant: &str, items: &[Outgoing]) {
    write(merchant, "outbox", (!items.is_empty()).then_some(&items))
}
