//! Email follow-ups. An agent's reply to a shopper who left an address is emailed to them, in the
//! conversation's language, with a single-use link that reopens the conversation in the widget
//! (`POST /v1/reopen`); a shopper may ask for the transcript by email
//! (`POST /v1/conversations/{id}/transcript-email`). Every email is a row in the outbox first and
//! sent by the sender task (`sender.rs`), so an SMTP outage or a crash loses nothing. Without
//! `--smtp-url` nothing is queued, and the console says so (`GET /v1/agent/settings`).

pub mod compose;
mod routes;
pub mod sender;
pub mod settings;

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use tandem_protocol::Message;

use crate::store::{now_ms, NewEmail, StoreResult};
use crate::AppState;
pub use settings::EmailSettings;

/// Email, when configured: its settings and the sender's wake-up call.
pub struct Email {
    pub settings: EmailSettings,
    /// Wakes this instance's sender when an email is queued here.
    pub wake: tokio::sync::Notify,
}

/// Email from the configuration (`None`: off), its sender started. Errors say what to change.
pub fn start(config: &crate::config::EmailConfig, store: &crate::store::Store) -> anyhow::Result<Option<Arc<Email>>> {
    let Some(settings) = EmailSettings::from_config(config)? else { return Ok(None) };
    tracing::info!(smtp = %crate::store::redact(&settings.url), from = %settings.from, "email follow-ups on");
    let email = Arc::new(Email { settings, wake: tokio::sync::Notify::new() });
    sender::spawn(store.clone(), email.clone());
    Ok(Some(email))
}

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    routes::routes()
}

/// Queues an email and wakes the sender. False when one with this id was queued before.
pub(crate) async fn queue(state: &AppState, email: &NewEmail<'_>) -> StoreResult<bool> {
    let new = state.store.enqueue_email(email).await?;
    if let Some(e) = &state.email {
        e.wake.notify_one();
    }
    Ok(new)
}

/// After an agent's reply was stored (or repeated): emails it to the shopper when they left an
/// address. The email's id is the reply's, so a repeat (the console retrying) queues it at most
/// once and fills the gap if the first attempt stopped between the reply and the email.
pub async fn on_agent_reply(state: &AppState, conversation_id: &str, agent_name: &str, message: &Message) {
    if state.email.is_none() {
        return;
    }
    let result = async {
        let Some(row) = state.store.conversation(conversation_id).await? else { return Ok(()) };
        let Some(contact) = row.contact else { return Ok(()) };
        let voice = state.assistant.voice(&row.locale, state.config.support_hours);
        let link = compose::reopen_link(&state.public_origin, &row.merchant_id);
        let days = state.email.as_ref().map_or(0, |e| e.settings.link_ttl.as_secs() / 86_400);
        let (subject, body) = compose::reply(&voice, agent_name, &message.text, &link, days);
        let id = format!("reply:{conversation_id}:{}", message.seq);
        let email = NewEmail { id: &id, conversation_id, kind: "reply", recipient: &contact, subject: &subject, body: &body, now_ms: now_ms() };
        queue(state, &email).await.map(|_| ())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(conversation = conversation_id, error = %e, "the reply's email could not be queued");
    }
}

/// The outbox's figures for `/metrics` (from the database: the same on every instance).
pub async fn metrics(state: &AppState, out: &mut String) -> StoreResult<()> {
    let Some(email) = &state.email else { return Ok(()) };
    let f = state.store.email_figures(email.settings.max_attempts).await?;
    let _ = writeln!(out, "# HELP tandem_emails Emails in the outbox by outcome (failed: given up).\n# TYPE tandem_emails gauge");
    for (outcome, n) in [("sent", f.sent), ("pending", f.pending), ("failed", f.failed)] {
        let _ = writeln!(out, "tandem_emails{{outcome=\"{outcome}\"}} {n}");
    }
    Ok(())
}
