//! Retention: a background job deletes conversations (with their messages and handoffs) some days
//! after their last activity, forgets shoppers' contact details sooner (and the emails sent to
//! them), and removes expired sessions and email links. Deleting goes in batches, so a large
//! backlog never holds the database for long.

use std::time::Duration;

use crate::store::{now_ms, Store, StoreResult};
use crate::AppState;

/// Conversations deleted per transaction.
const BATCH: i64 = 500;
const DAY_MS: i64 = 86_400_000;

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub conversations: u64,
    pub contacts: u64,
    pub sessions: u64,
    /// Expired email links and old outbox rows.
    pub emails: u64,
}

/// One pass at time `now`: conversations idle for `retention_days` (0 keeps them), contact details
/// on conversations idle for `contact_days` (0: kept as long as the conversation), expired sessions.
pub async fn sweep(store: &Store, retention_days: u32, contact_days: u32, now: i64) -> StoreResult<Swept> {
    let mut swept = Swept::default();
    if retention_days > 0 {
        let cutoff = now - i64::from(retention_days) * DAY_MS;
        loop {
            let n = store.delete_conversations_before(cutoff, BATCH).await?;
            swept.conversations += n;
            if n < BATCH as u64 {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    if contact_days > 0 {
        swept.contacts = store.clear_contacts_before(now - i64::from(contact_days) * DAY_MS).await?;
    }
    // Emails hold an address and the conversation's words: kept no longer than contact details.
    let email_days = if contact_days > 0 { contact_days } else { retention_days };
    let email_cutoff = if email_days > 0 { now - i64::from(email_days) * DAY_MS } else { i64::MIN };
    swept.emails = store.delete_old_email(now, email_cutoff).await?;
    swept.sessions = store.delete_expired_sessions(now).await?;
    Ok(swept)
}

/// Runs [`sweep`] a minute after start and then every hour (on every instance; the deletes are
/// idempotent, so instances sweeping at once only repeat each other's work).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match sweep(&state.store, state.config.retention_days, state.config.contact_retention_days, now_ms()).await {
                Ok(s) if s != Swept::default() => tracing::info!(conversations = s.conversations, contacts = s.contacts, sessions = s.sessions, emails = s.emails, "retention"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
        }
    });
}
