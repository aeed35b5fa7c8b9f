//! Canned replies: the team's (`owner_id` NULL) and each agent's own, per locale.

use super::{col, Store, StoreResult};

/// Kind of the canned replies the demo seed records in `demo_rows`.
pub const DEMO_CANNED: &str = "canned";

/// A stored canned reply.
#[derive(Clone, Debug, PartialEq)]
pub struct CannedRow {
    pub id: String,
    /// `None` for the team's.
    pub owner_id: Option<String>,
    pub locale: String,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, owner_id, locale, shortcut, title, body, updated_at";

fn read(r: &sqlx::any::AnyRow) -> StoreResult<CannedRow> {
    Ok(CannedRow {
        id: col(r, 0)?,
        owner_id: col(r, 1)?,
        locale: col(r, 2)?,
        shortcut: col(r, 3)?,
        title: col(r, 4)?,
        body: col(r, 5)?,
        updated_ms: col(r, 6)?,
    })
}

impl Store {
    /// The team's canned replies and `agent_id`'s own, in one locale or all, by shortcut (the
    /// team's first on equal shortcuts).
    pub async fn canned_replies(&self, agent_id: &str, locale: Option<&str>) -> StoreResult<Vec<CannedRow>> {
        let by_locale = if locale.is_some() { " AND locale = $2" } else { "" };
        let sql = format!(
            "SELECT {COLUMNS} FROM canned_replies WHERE (owner_id IS NULL OR owner_id = $1){by_locale}
             ORDER BY shortcut, CASE WHEN owner_id IS NULL THEN 0 ELSE 1 END, locale, id"
        );
        let mut q = sqlx::query(&sql).bind(agent_id);
        if let Some(l) = locale {
            q = q.bind(l);
        }
        q.fetch_all(&self.pool).await?.iter().map(read).collect()
    }

    /// One canned reply.
    pub async fn canned_reply(&self, id: &str) -> StoreResult<Option<CannedRow>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM canned_replies WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(read).transpose()
    }

    /// Whether another canned reply of the same owner (the team when `None`) has this shortcut in
    /// this locale.
    pub async fn canned_shortcut_taken(&self, owner_id: Option<&str>, locale: &str, shortcut: &str, except_id: &str) -> StoreResult<bool> {
        let owner = if owner_id.is_some() { "owner_id = $4" } else { "owner_id IS NULL" };
        let sql = format!("SELECT 1 FROM canned_replies WHERE locale = $1 AND shortcut = $2 AND id <> $3 AND {owner}");
        let mut q = sqlx::query(&sql).bind(locale).bind(shortcut).bind(except_id);
        if let Some(o) = owner_id {
            q = q.bind(o);
        }
        Ok(q.fetch_optional(&self.pool).await?.is_some())
    }

    /// Stores a new canned reply; an existing id is left as it is (the demo seed runs at every start).
    pub async fn insert_canned(&self, c: &CannedRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO canned_replies (id, owner_id, locale, shortcut, title, body, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(c.id.as_str())
        .bind(c.owner_id.as_deref())
        .bind(c.locale.as_str())
        .bind(c.shortcut.as_str())
        .bind(c.title.as_str())
        .bind(c.body.as_str())
        .bind(c.updated_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces a canned reply's locale, shortcut, title and body; whether it existed.
    pub async fn update_canned(&self, c: &CannedRow) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE canned_replies SET locale = $2, shortcut = $3, title = $4, body = $5, updated_at = $6 WHERE id = $1")
            .bind(c.id.as_str())
            .bind(c.locale.as_str())
            .bind(c.shortcut.as_str())
            .bind(c.title.as_str())
            .bind(c.body.as_str())
            .bind(c.updated_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a canned reply; whether it existed.
    pub async fn delete_canned(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM canned_replies WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }
}
