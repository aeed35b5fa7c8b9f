//! The sender: every instance runs one. It claims due rows of the outbox (one conditional UPDATE
//! each, so several instances never send the same row at once), sends them over SMTP, and marks
//! them sent; a failure is retried with a doubling delay, and given up after the configured number
//! of attempts (a permanent refusal from the server at once), its last error kept in the row.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Message;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};

use super::compose::TOKEN_MARK;
use super::Email;
use crate::sessions::{hash_token, new_token};
use crate::store::{now_ms, ClaimedEmail, Store};

/// How long a claimed row is left to its sender before another may take it (a crash mid-send).
const LEASE: Duration = Duration::from_secs(120);
/// How often the outbox is looked at when nothing woke the sender.
const POLL: Duration = Duration::from_secs(2);
/// Rows claimed at once.
const BATCH: i64 = 20;
/// Time for one SMTP conversation.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the sender until the process ends.
pub fn spawn(store: Store, email: std::sync::Arc<Email>) {
    tokio::spawn(async move {
        let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&email.settings.url) {
            Ok(b) => b.timeout(Some(SMTP_TIMEOUT)).build(),
            Err(e) => {
                // Checked at start-up; reaching this is a bug.
                tracing::error!(error = %e, "the SMTP transport could not be built; no email is sent");
                return;
            }
        };
        loop {
            match store.claim_due_emails(now_ms(), now_ms() + LEASE.as_millis() as i64, email.settings.max_attempts, BATCH).await {
                Ok(rows) => {
                    let full = rows.len() as i64 == BATCH;
                    for row in rows {
                        send_one(&store, &email, &transport, row).await;
                    }
                    if full {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read the email outbox"),
            }
            // Woken at once by a new email on this instance, else polled (rows queued elsewhere,
            // retries coming due).
            let _ = tokio::time::timeout(POLL, email.wake.notified()).await;
        }
    });
}

async fn send_one(store: &Store, email: &Email, transport: &AsyncSmtpTransport<Tokio1Executor>, row: ClaimedEmail) {
    let result = async {
        // Only an agent's reply carries a link; any other body is sent as it is.
        let body = if row.kind == "reply" && row.body.contains(TOKEN_MARK) {
            // The link's token is made now and stored hashed; the outbox never holds it.
            let token = new_token();
            let expires = now_ms() + email.settings.link_ttl.as_millis() as i64;
            store.create_email_link(&hash_token(&token), &row.conversation_id, expires).await.map_err(|e| (e.to_string(), false))?;
            row.body.replace(TOKEN_MARK, &token)
        } else {
            row.body.clone()
        };
        let to = row.recipient.parse().map_err(|e| (format!("the address {:?} cannot be used: {e}", row.recipient), true))?;
        let message = Message::builder()
            .from(email.settings.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| (format!("the email could not be built: {e}"), true))?;
        transport.send(message).await.map_err(|e| (format!("SMTP: {e}"), e.is_permanent()))?;
        Ok::<(), (String, bool)>(())
    }
    .await;
    let done = match result {
        Ok(()) => {
            tracing::info!(id = %row.id, kind = %row.kind, "email sent");
            store.email_sent(&row.id, now_ms()).await
        }
        Err((error, permanent)) => {
            let give_up = permanent || row.attempts >= email.settings.max_attempts;
            let retry_at = (!give_up).then(|| now_ms() + email.settings.backoff(row.attempts).as_millis() as i64);
            tracing::warn!(id = %row.id, kind = %row.kind, attempts = row.attempts, give_up, %error, "email not sent");
            store.email_failed(&row.id, &error, retry_at, email.settings.max_attempts).await
        }
    };
    if let Err(e) = done {
        // The lease runs out and the row is tried again: an email may go twice, never not at all.
        tracing::warn!(id = %row.id, error = %e, "could not record the email's outcome");
    }
}
