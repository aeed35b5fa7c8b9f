//! The session, the conversation id and unsent messages, kept in the iframe origin's
//! `localStorage` (never in the merchant's cookies) so that a reload resumes.

use crate::wire;

/// A stored shopper session.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSession {
    pub token: String,
    pub shopper_id: String,
    pub identified: bool,
}

/// A message typed but not yet acknowledged by the server.
#[derive(Clone, Debug, PartialEq)]
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

fn read(merchant: &str, what: &str) -> Option<String> {
    storage()?.get_item(&key(merchant, what)).ok().flatten()
}

fn write(merchant: &str, what: &str, value: Option<String>) {
    let Some(s) = storage() else { return };
    let k = key(merchant, what);
    let _ = match value {
        Some(text) => s.set_item(&k, &text),
        None => s.remove_item(&k),
    };
}

/// The stored session of this merchant's widget.
pub fn session(merchant: &str) -> Option<StoredSession> {
    let raw = read(merchant, "session")?;
    let mut f = wire::read_strings(&raw, &["token", "shopper_id"])?.into_iter();
    Some(StoredSession { token: f.next()?, shopper_id: f.next()?, identified: wire::read_bool(&raw, "identified")? })
}

/// Stores (or with `None` forgets) the session.
pub fn set_session(merchant: &str, s: Option<&StoredSession>) {
    let json = s.map(|s| wire::Obj::default().str("token", &s.token).str("shopper_id", &s.shopper_id).bool("identified", s.identified).json());
    write(merchant, "session", json)
}

/// The current conversation id.
pub fn conversation(merchant: &str) -> Option<String> {
    read(merchant, "conversation")
}

/// Stores (or forgets) the current conversation id.
pub fn set_conversation(merchant: &str, id: Option<&String>) {
    write(merchant, "conversation", id.cloned())
}

/// Messages `owner` typed but that were not yet acknowledged, oldest first. The outbox belongs to
/// one shopper: on a shared device the next shopper never sends the previous one's words.
pub fn outbox(merchant: &str, owner: &str) -> Vec<Outgoing> {
    read(merchant, "outbox").map(|raw| parse_outbox(&raw, owner)).unwrap_or_default()
}

/// Replaces the outbox with `owner`'s unsent messages (anything another shopper left goes).
pub fn set_outbox(merchant: &str, owner: &str, items: &[Outgoing]) {
    write(merchant, "outbox", (!items.is_empty()).then(|| outbox_text(owner, items)))
}

/// Forgets the outbox (logout, or another shopper's session).
pub fn clear_outbox(merchant: &str) {
    write(merchant, "outbox", None)
}

const OUTBOX_FIELDS: [&str; 3] = ["owner", "client_id", "text"];

fn outbox_text(owner: &str, items: &[Outgoing]) -> String {
    let records: Vec<Vec<&str>> = items.iter().map(|o| vec![owner, o.client_id.as_str(), o.text.as_str()]).collect();
    wire::write_string_records(&OUTBOX_FIELDS, &records)
}

/// The stored outbox's messages of `owner`; records of anyone else (or from before outboxes had
/// an owner) are dropped.
fn parse_outbox(raw: &str, owner: &str) -> Vec<Outgoing> {
    wire::read_string_records(raw, &OUTBOX_FIELDS)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| {
            let mut f = r.into_iter();
            let (who, client_id, text) = (f.next()?, f.next()?, f.next()?);
            (who == owner && !owner.is_empty()).then_some(Outgoing { client_id, text })
        })
        .collect()
}
