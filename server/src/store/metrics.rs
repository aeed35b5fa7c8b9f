//! The figures `/metrics` reports from the database (the same whichever instance is asked).

use super::{col, Store, StoreResult};

/// Totals from the database.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub conversations: i64,
    /// (status, count), by status name.
    pub by_status: Vec<(String, i64)>,
    /// (reason, count).
    pub handoffs_by_reason: Vec<(String, i64)>,
    /// Seconds from queueing to pick-up.
    pub waits: Vec<f64>,
    /// Seconds from pick-up to resolution.
    pub handling: Vec<f64>,
    /// (score, count).
    pub ratings: Vec<(i64, i64)>,
    pub agents_online: i64,
    pub agent_slots: i64,
    /// Handoffs queued since `since_ms`.
    pub recent_handoffs: i64,
}

impl Store {
    /// Reads every database figure; `since_ms` bounds `recent_handoffs`.
    pub async fn figures(&self, since_ms: i64) -> StoreResult<Figures> {
        let pool = &self.pool;
        let total = sqlx::query("SELECT COUNT(*) FROM conversations").fetch_one(pool).await?;
        let by_status = sqlx::query("SELECT status, COUNT(*) FROM conversations GROUP BY status ORDER BY status").fetch_all(pool).await?;
        let reasons = sqlx::query("SELECT reason, COUNT(*) FROM handoffs GROUP BY reason ORDER BY reason").fetch_all(pool).await?;
        let times = sqlx::query("SELECT queued_at, claimed_at, resolved_at FROM handoffs").fetch_all(pool).await?;
        let ratings =
            sqlx::query("SELECT rating, COUNT(*) FROM conversations WHERE rating IS NOT NULL GROUP BY rating ORDER BY rating").fetch_all(pool).await?;
        let agents = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM agents WHERE online = 1").fetch_one(pool).await?;
        let recent = sqlx::query("SELECT COUNT(*) FROM handoffs WHERE queued_at >= $1").bind(since_ms).fetch_one(pool).await?;
        let mut waits = Vec::new();
        let mut handling = Vec::new();
        for r in &times {
            let (q, c, d): (i64, Option<i64>, Option<i64>) = (col(r, 0)?, col(r, 1)?, col(r, 2)?);
            if let Some(c) = c {
                waits.push((c - q) as f64 / 1000.0);
                if let Some(d) = d {
                    handling.push((d - c) as f64 / 1000.0);
                }
            }
        }
        let pairs = |rows: &[sqlx::any::AnyRow]| rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<StoreResult<Vec<(String, i64)>>>();
        Ok(Figures {
            conversations: col(&total, 0)?,
            by_status: pairs(&by_status)?,
            handoffs_by_reason: pairs(&reasons)?,
            waits,
            handling,
            ratings: ratings.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect::<StoreResult<_>>()?,
            agents_online: col(&agents, 0)?,
            agent_slots: col(&agents, 1)?,
            recent_handoffs: col(&recent, 0)?,
        })
    }
}
