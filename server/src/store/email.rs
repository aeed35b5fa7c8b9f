//! The email outbox and the single-use links that reopen a conversation from an email. An email is
//! a row first (`email_outbox`) and sent later by whichever instance claims it: the claim is one
//! conditional UPDATE, so two instances never send the same row at once, and a row whose sender
//! died becomes due again when its claim runs out.

use super::{col, Store, StoreResult};

/// An email to queue.
pub struct NewEmail<'a> {
    /// Unique; a second enqueue with the same id is a no-op (`reply:{conversation}:{seq}` makes an
    /// agent reply's email idempotent).
    pub id: &'a str,
    pub conversation_id: &'a str,
    /// `reply` or `transcript`.
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub now_ms: i64,
}

/// An email claimed for sending.
#[derive(Clone, Debug)]
pub struct ClaimedEmail {
    pub id: String,
    pub conversation_id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// What a link's token found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkUse {
    /// Used now, for this conversation.
    Opened(String),
    Used,
    Expired,
    Unknown,
}

/// The outbox's figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmailFigures {
    pub sent: i64,
    pub pending: i64,
    pub failed: i64,
}

impl Store {
    /// Queues an email (due at once). Returns false when one with this id was queued before.
    pub async fn enqueue_email(&self, e: &NewEmail<'_>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO email_outbox (id, conversation_id, kind, recipient, subject, body, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(e.id)
        .bind(e.conversation_id)
        .bind(e.kind)
        .bind(e.recipient)
        .bind(e.subject)
        .bind(e.body)
        .bind(e.now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Emails of `kind` queued for a conversation since `since_ms` (a cap on transcript requests).
    pub async fn emails_queued_since(&self, conversation_id: &str, kind: &str, since_ms: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM email_outbox WHERE conversation_id = $1 AND kind = $2 AND created_at >= $3")
            .bind(conversation_id)
            .bind(kind)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?;
        col(&row, 0)
    }

    /// Emails of `kind` queued to `recipient` since `since_ms`, whatever the conversation (a cap
    /// on what one shopper can send to someone else's inbox).
    pub async fn emails_to_since(&self, recipient: &str, kind: &str, since_ms: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM email_outbox WHERE lower(recipient) = lower($1) AND kind = $2 AND created_at >= $3")
            .bind(recipient)
            .bind(kind)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?;
        col(&row, 0)
    }

    /// Claims up to `limit` due emails for sending: each is taken by one conditional UPDATE that
    /// counts the attempt and moves its next attempt to `lease_until_ms`, so no other instance
    /// takes it meanwhile, and a crash mid-send leaves it due again after the lease.
    pub async fn claim_due_emails(&self, now_ms: i64, lease_until_ms: i64, max_attempts: u32, limit: i64) -> StoreResult<Vec<ClaimedEmail>> {
        let ids = sqlx::query(
            "SELECT id FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 ORDER BY next_attempt_at LIMIT $3",
        )
        .bind(now_ms)
        .bind(i64::from(max_attempts))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for r in &ids {
            let id: String = col(r, 0)?;
            let row = sqlx::query(
                "UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $1
                 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3 AND attempts < $4
                 RETURNING id, conversation_id, kind, recipient, subject, body, attempts",
            )
            .bind(lease_until_ms)
            .bind(id.as_str())
            .bind(now_ms)
            .bind(i64::from(max_attempts))
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = row {
                claimed.push(ClaimedEmail {
                    id: col(&r, 0)?,
                    conversation_id: col(&r, 1)?,
                    kind: col(&r, 2)?,
                    recipient: col(&r, 3)?,
                    subject: col(&r, 4)?,
                    body: col(&r, 5)?,
                    attempts: col::<i64>(&r, 6)?.clamp(0, i64::from(u32::MAX)) as u32,
                });
            }
        }
        Ok(claimed)
    }

    /// The SMTP server took the email.
    pub async fn email_sent(&self, id: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE email_outbox SET sent_at = $1, last_error = NULL WHERE id = $2").bind(now_ms).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// The attempt failed: try again at `retry_at_ms`, or never (`None`: given up).
    pub async fn email_failed(&self, id: &str, error: &str, retry_at_ms: Option<i64>, max_attempts: u32) -> StoreResult<()> {
        match retry_at_ms {
            Some(at) => sqlx::query("UPDATE email_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3").bind(at).bind(error).bind(id),
            // Given up: the attempts count says so (claims skip rows at the maximum).
            None => sqlx::query("UPDATE email_outbox SET attempts = $1, last_error = $2 WHERE id = $3").bind(i64::from(max_attempts)).bind(error).bind(id),
        }
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a link's token hash for a conversation.
    pub async fn create_email_link(&self, token_hash: &str, conversation_id: &str, expires_ms: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO email_links (token_hash, conversation_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(conversation_id)
            .bind(expires_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Uses a link once: one conditional UPDATE marks it used, so two clicks at once open it once.
    pub async fn use_email_link(&self, token_hash: &str, now_ms: i64) -> StoreResult<LinkUse> {
        let row = sqlx::query(
            "UPDATE email_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING conversation_id",
        )
        .bind(now_ms)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = row {
            return Ok(LinkUse::Opened(col(&r, 0)?));
        }
        let row = sqlx::query("SELECT used_at FROM email_links WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.pool).await?;
        Ok(match row {
            None => LinkUse::Unknown,
            Some(r) if col::<Option<i64>>(&r, 0)?.is_some() => LinkUse::Used,
            Some(_) => LinkUse::Expired,
        })
    }

    /// Retention: links expired before `now_ms`, and outbox rows (they hold the address and the
    /// words) created before `cutoff_ms`. Returns the rows deleted.
    pub async fn delete_old_email(&self, now_ms: i64, cutoff_ms: i64) -> StoreResult<u64> {
        let links = sqlx::query("DELETE FROM email_links WHERE expires_at < $1").bind(now_ms).execute(&self.pool).await?.rows_affected();
        let outbox = sqlx::query("DELETE FROM email_outbox WHERE created_at < $1").bind(cutoff_ms).execute(&self.pool).await?.rows_affected();
        Ok(links + outbox)
    }

    /// Sent, waiting and given-up emails (given up: at the attempt limit and never sent).
    pub async fn email_figures(&self, max_attempts: u32) -> StoreResult<EmailFigures> {
        let row = sqlx::query(
            "SELECT
                COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts < $1 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts >= $1 THEN 1 ELSE 0 END), 0)
             FROM email_outbox",
        )
        .bind(i64::from(max_attempts))
        .fetch_one(&self.pool)
        .await?;
        Ok(EmailFigures { sent: col(&row, 0)?, pending: col(&row, 1)?, failed: col(&row, 2)? })
    }
}
