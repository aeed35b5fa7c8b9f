//! The supervisor's floor: who is online with what load, conversations by state, one day's raw
//! figures (binned by `floor.rs`), and the content gaps (questions the assistant did not
//! understand). Every query is bounded by an index (status, the minute of last activity, `queued_at`,
//! `resolved_at`, `content_gaps.created_at`), so the floor can be read every few seconds.

use super::{col, Store, StoreResult};

/// An agent online now.
#[derive(Clone, Debug)]
pub struct FloorAgentRow {
    pub id: String,
    pub display_name: String,
    pub role: String,
    /// Comma-separated language codes (may be empty).
    pub languages: String,
    pub capacity: i64,
    /// Conversations they hold.
    pub active: i64,
}

/// The floor now.
#[derive(Clone, Debug, Default)]
pub struct FloorNow {
    pub agents: Vec<FloorAgentRow>,
    /// (status, count) of the statuses waiting for or held by a person.
    pub by_status: Vec<(String, i64)>,
    /// With the assistant and active since the given instant.
    pub assistant_active: i64,
    /// Conversations resolved by a person in the given range.
    pub resolved: i64,
    /// The conversation queued longest: (id, queued at).
    pub oldest_queued: Option<(String, i64)>,
}

/// One day's figures, unbinned.
#[derive(Clone, Debug, Default)]
pub struct DayRows {
    /// Conversations started that day in which the shopper wrote.
    pub conversations: i64,
    /// Of those, with at least one handoff.
    pub by_person: i64,
    /// (reason, count) of the handoffs queued that day.
    pub reasons: Vec<(String, i64)>,
    /// Milliseconds from queueing to pick-up, handoffs queued that day and picked up.
    pub waits_ms: Vec<i64>,
    /// Milliseconds from pick-up to resolution, handoffs resolved that day.
    pub handling_ms: Vec<i64>,
    /// (score, count) of the conversations resolved that day.
    pub ratings: Vec<(i64, i64)>,
    /// Replies the assistant stored that day.
    pub assistant_replies: i64,
    /// Content gaps recorded that day.
    pub gaps: i64,
}

/// A content gap to record.
pub struct NewGap<'a> {
    pub id: &'a str,
    pub conversation_id: &'a str,
    pub seq: i64,
    pub locale: &'a str,
    pub text: &'a str,
    pub created_ms: i64,
}

/// A stored content gap; `labelled_by` is the labeller's display name (their id if removed since).
#[derive(Clone, Debug)]
pub struct GapRow {
    pub id: String,
    pub conversation_id: String,
    pub seq: i64,
    pub locale: String,
    pub text: String,
    pub created_ms: i64,
    pub label: Option<String>,
    pub labelled_by: Option<String>,
    pub labelled_ms: Option<i64>,
}

/// How much an `i64` count is as a `u32` (never negative, saturating).
pub fn count(n: i64) -> u32 {
    n.clamp(0, u32::MAX as i64) as u32
}

impl Store {
    /// The floor now: agents online, conversations by state (the assistant's active since
    /// `active_since_ms`; resolved in `[from_ms, to_ms)`), the longest wait.
    pub async fn floor_now(&self, active_since_ms: i64, from_ms: i64, to_ms: i64) -> StoreResult<FloorNow> {
        let pool = &self.pool;
        let agents = sqlx::query(
            "SELECT a.id, a.display_name, a.role, a.languages, a.capacity,
                    (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.status = 'with_agent')
             FROM agents a WHERE a.online = 1 AND a.disabled = 0 ORDER BY a.display_name, a.id",
        )
        .fetch_all(pool)
        .await?;
        let by_status = sqlx::query(
            "SELECT status, COUNT(*) FROM conversations WHERE status IN ('queued', 'awaiting_reply', 'with_agent') GROUP BY status",
        )
        .fetch_all(pool)
        .await?;
        let assistant = sqlx::query("SELECT COUNT(*) FROM conversations WHERE status = 'assistant' AND active_minute >= $1 / 60000 AND updated_at >= $1")
            .bind(active_since_ms)
            .fetch_one(pool)
            .await?;
        let resolved = sqlx::query("SELECT COUNT(DISTINCT conversation_id) FROM handoffs WHERE resolved_at >= $1 AND resolved_at < $2")
            .bind(from_ms)
            .bind(to_ms)
            .fetch_one(pool)
            .await?;
        let oldest = sqlx::query("SELECT id, queued_at FROM conversations WHERE status = 'queued' AND queued_at IS NOT NULL ORDER BY queued_at LIMIT 1")
            .fetch_optional(pool)
            .await?;
        Ok(FloorNow {
            agents: agents
                .iter()
                .map(|r| {
                    Ok(FloorAgentRow {
                        id: col(r, 0)?,
                        display_name: col(r, 1)?,
                        role: col(r, 2)?,
                        languages: col(r, 3)?,
                        capacity: col(r, 4)?,
                        active: col(r, 5)?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            by_status: by_status.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<StoreResult<_>>()?,
            assistant_active: col(&assistant, 0)?,
            resolved: col(&resolved, 0)?,
            oldest_queued: oldest.map(|r| Ok::<_, super::StoreError>((col(&r, 0)?, col(&r, 1)?))).transpose()?,
        })
    }

    /// The figures of the day `[from_ms, to_ms)`.
    pub async fn day_rows(&self, from_ms: i64, to_ms: i64) -> StoreResult<DayRows> {
        let pool = &self.pool;
        let both = |sql: &'static str| sqlx::query(sql).bind(from_ms).bind(to_ms);
        // A conversation started that day was active since its start: the minute of its last
        // activity (indexed, see migration `0007_activity_minute`) bounds the scan.
        let conversations = both(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id) THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM conversations c
             WHERE c.active_minute >= $1 / 60000 AND c.updated_at >= $1 AND c.created_at >= $1 AND c.created_at < $2 AND c.last_shopper_text IS NOT NULL",
        )
        .fetch_one(pool)
        .await?;
        let reasons = both("SELECT reason, COUNT(*) FROM handoffs WHERE queued_at >= $1 AND queued_at < $2 GROUP BY reason ORDER BY reason")
            .fetch_all(pool)
            .await?;
        let waits = both("SELECT claimed_at - queued_at FROM handoffs WHERE queued_at >= $1 AND queued_at < $2 AND claimed_at IS NOT NULL")
            .fetch_all(pool)
            .await?;
        let handling = both("SELECT resolved_at - claimed_at FROM handoffs WHERE resolved_at >= $1 AND resolved_at < $2 AND claimed_at IS NOT NULL")
            .fetch_all(pool)
            .await?;
        let ratings = both(
            "SELECT rating, COUNT(*) FROM conversations
             WHERE rating IS NOT NULL AND id IN (SELECT conversation_id FROM handoffs WHERE resolved_at >= $1 AND resolved_at < $2)
             GROUP BY rating ORDER BY rating",
        )
        .fetch_all(pool)
        .await?;
        // The assistant's replies are the messages with its idempotency key (`assistant:N`); only
        // conversations active since the day began can hold one of that day.
        let replies = both(
            "SELECT COUNT(*) FROM events e JOIN conversations c ON c.id = e.conversation_id
             WHERE c.active_minute >= $1 / 60000 AND c.updated_at >= $1 AND e.created_at >= $1 AND e.created_at < $2 AND e.kind = 'message' AND e.client_id LIKE 'assistant:%'",
        )
        .fetch_one(pool)
        .await?;
        let gaps = both("SELECT COUNT(*) FROM content_gaps WHERE created_at >= $1 AND created_at < $2").fetch_one(pool).await?;
        let ints = |rows: &[sqlx::any::AnyRow]| rows.iter().map(|r| col::<i64>(r, 0)).collect::<StoreResult<Vec<_>>>();
        Ok(DayRows {
            conversations: col(&conversations, 0)?,
            by_person: col(&conversations, 1)?,
            reasons: reasons.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<StoreResult<_>>()?,
            waits_ms: ints(&waits)?,
            handling_ms: ints(&handling)?,
            ratings: ratings.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<StoreResult<_>>()?,
            assistant_replies: col(&replies, 0)?,
            gaps: col(&gaps, 0)?,
        })
    }

    /// Records a question the assistant did not understand.
    pub async fn add_gap(&self, g: &NewGap<'_>) -> StoreResult<()> {
        sqlx::query("INSERT INTO content_gaps (id, conversation_id, seq, locale, text, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING")
            .bind(g.id)
            .bind(g.conversation_id)
            .bind(g.seq)
            .bind(g.locale)
            .bind(g.text)
            .bind(g.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Content gaps, unlabelled first, newest first within each.
    pub async fn gaps(&self, limit: i64, offset: i64) -> StoreResult<Vec<GapRow>> {
        let rows = sqlx::query(
            "SELECT g.id, g.conversation_id, g.seq, g.locale, g.text, g.created_at, g.label, COALESCE(a.display_name, g.labelled_by), g.labelled_at
             FROM content_gaps g LEFT JOIN agents a ON a.id = g.labelled_by
             ORDER BY CASE WHEN g.label IS NULL THEN 0 ELSE 1 END, g.created_at DESC, g.id
             LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GapRow {
                    id: col(r, 0)?,
                    conversation_id: col(r, 1)?,
                    seq: col(r, 2)?,
                    locale: col(r, 3)?,
                    text: col(r, 4)?,
                    created_ms: col(r, 5)?,
                    label: col(r, 6)?,
                    labelled_by: col(r, 7)?,
                    labelled_ms: col(r, 8)?,
                })
            })
            .collect()
    }

    /// Content gaps in all, and those not labelled yet.
    pub async fn gap_counts(&self) -> StoreResult<(i64, i64)> {
        let row = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN label IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) FROM content_gaps")
            .fetch_one(&self.pool)
            .await?;
        Ok((col(&row, 0)?, col(&row, 1)?))
    }

    /// Labels a gap with a topic, recording who and when; false when there is no such gap.
    pub async fn label_gap(&self, id: &str, topic: &str, agent_id: &str, now_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE content_gaps SET label = $1, labelled_by = $2, labelled_at = $3 WHERE id = $4")
            .bind(topic)
            .bind(agent_id)
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every labelled gap: (locale, topic, text), by locale, topic, then age.
    pub async fn labelled_gaps(&self) -> StoreResult<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT locale, label, text FROM content_gaps WHERE label IS NOT NULL ORDER BY locale, label, created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?))).collect()
    }
}
