//! Agents: accounts, presence (an `online` flag plus a heartbeat, `seen_at`, that every instance
//! with the agent's console connected refreshes), capacity and load.

use super::{col, is_unique_violation, Store, StoreError, StoreResult};

/// An agent account to store.
pub struct NewAgent<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub capacity: u32,
    pub role: super::Role,
    pub created_ms: i64,
}

/// An agent as the console shows them.
#[derive(Clone, Debug)]
pub struct AgentProfileRow {
    pub email: String,
    pub display_name: String,
    pub online: bool,
    pub capacity: u32,
    /// Conversations they hold now.
    pub active: u32,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    /// Locale codes they speak.
    pub languages: Vec<String>,
}

/// An online agent with their languages and load (routing, transfers).
#[derive(Clone, Debug)]
pub struct OnlineAgent {
    pub id: String,
    pub display_name: String,
    pub languages: Vec<String>,
    pub capacity: u32,
    pub active: u32,
}

impl OnlineAgent {
    /// Whether they speak `locale`.
    pub fn speaks(&self, locale: &str) -> bool {
        self.languages.iter().any(|l| l == locale)
    }
}

/// The stored form of a language list: codes joined by commas.
pub fn join_languages(languages: &[String]) -> String {
    languages.join(",")
}

/// Reads a stored language list.
pub fn split_languages(stored: &str) -> Vec<String> {
    stored.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// Online agents and their slots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Capacity {
    pub agents: u32,
    pub slots: u32,
    pub free: u32,
}

impl Store {
    /// Stores an agent; `Taken` when the email exists.
    pub async fn add_agent(&self, a: &NewAgent<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agents (id, email, display_name, password_hash, capacity, online, seen_at, created_at, role)
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7)",
        )
        .bind(a.id)
        .bind(a.email)
        .bind(a.display_name)
        .bind(a.password_hash)
        .bind(i64::from(a.capacity))
        .bind(a.created_ms)
        .bind(a.role.as_str())
        .execute(&self.pool)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::Taken("an agent with this email") } else { e.into() })?;
        Ok(())
    }

    /// The id and password hash of the agent with this email, unless they are disabled.
    pub async fn agent_credentials(&self, email: &str) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query("SELECT id, password_hash FROM agents WHERE email = $1 AND disabled = 0").bind(email).fetch_optional(&self.pool).await?;
        row.map(|r| Ok((col(&r, 0)?, col(&r, 1)?))).transpose()
    }

    /// An agent's profile and current load.
    pub async fn agent_profile(&self, agent_id: &str) -> StoreResult<Option<AgentProfileRow>> {
        let row = sqlx::query(
            "SELECT email, display_name, online, capacity,
                    (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.status = 'with_agent'), role, languages
             FROM agents a WHERE id = $1",
        )
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(AgentProfileRow {
                email: col(&r, 0)?,
                display_name: col(&r, 1)?,
                online: col::<i64>(&r, 2)? != 0,
                capacity: col::<i64>(&r, 3)?.clamp(0, u32::MAX as i64) as u32,
                active: col::<i64>(&r, 4)?.clamp(0, u32::MAX as i64) as u32,
                role: col(&r, 5)?,
                languages: split_languages(&col::<String>(&r, 6)?),
            })
        })
        .transpose()
    }

    /// Sets how many conversations an agent takes at once.
    pub async fn set_capacity(&self, agent_id: &str, capacity: u32) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET capacity = $1 WHERE id = $2").bind(i64::from(capacity)).bind(agent_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Sets the languages an agent speaks (locale codes).
    pub async fn set_languages(&self, agent_id: &str, languages: &[String]) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE agents SET languages = $1 WHERE id = $2").bind(join_languages(languages)).bind(agent_id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every online agent with their languages and load, by name.
    pub async fn online_agents(&self) -> StoreResult<Vec<OnlineAgent>> {
        let rows = sqlx::query(
            "SELECT id, display_name, languages, capacity,
                    (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.status = 'with_agent')
             FROM agents a WHERE online = 1 AND disabled = 0 ORDER BY display_name, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OnlineAgent {
                    id: col(r, 0)?,
                    display_name: col(r, 1)?,
                    languages: split_languages(&col::<String>(r, 2)?),
                    capacity: col::<i64>(r, 3)?.clamp(0, u32::MAX as i64) as u32,
                    active: col::<i64>(r, 4)?.clamp(0, u32::MAX as i64) as u32,
                })
            })
            .collect()
    }

    /// Marks an agent online, seen now.
    pub async fn set_online(&self, agent_id: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET online = 1, seen_at = $1 WHERE id = $2").bind(now_ms).bind(agent_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Marks an agent offline.
    pub async fn set_offline(&self, agent_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET online = 0 WHERE id = $1").bind(agent_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Takes an agent offline only if they are online and were last seen before `cutoff_ms`; true
    /// for the one caller (of any instance) that did it.
    pub async fn take_offline_if_gone(&self, agent_id: &str, cutoff_ms: i64) -> StoreResult<bool> {
        let row = sqlx::query("UPDATE agents SET online = 0 WHERE id = $1 AND online = 1 AND seen_at < $2 RETURNING id")
            .bind(agent_id)
            .bind(cutoff_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Refreshes the heartbeat of agents whose console is connected to this instance.
    pub async fn heartbeat(&self, agent_ids: &[String], now_ms: i64) -> StoreResult<()> {
        for id in agent_ids {
            sqlx::query("UPDATE agents SET seen_at = $1 WHERE id = $2 AND seen_at < $1").bind(now_ms).bind(id.as_str()).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Online agents last seen before `cutoff_ms`: (id, display name).
    pub async fn gone_agents(&self, cutoff_ms: i64) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT id, display_name FROM agents WHERE online = 1 AND seen_at < $1").bind(cutoff_ms).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
    }

    /// Conversations an agent holds.
    pub async fn held_by(&self, agent_id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM conversations WHERE agent_id = $1 AND status = 'with_agent'")
            .bind(agent_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// Online agents, their slots, and the slots not in use.
    pub async fn capacity(&self) -> StoreResult<Capacity> {
        let row = sqlx::query(
            "SELECT COUNT(*), CAST(COALESCE(SUM(capacity), 0) AS BIGINT),
                    (SELECT COUNT(*) FROM conversations c JOIN agents a ON a.id = c.agent_id WHERE a.online = 1 AND a.disabled = 0 AND c.status = 'with_agent')
             FROM agents WHERE online = 1 AND disabled = 0",
        )
        .fetch_one(&self.pool)
        .await?;
        let (agents, slots, busy): (i64, i64, i64) = (col(&row, 0)?, col(&row, 1)?, col(&row, 2)?);
        Ok(Capacity { agents: agents as u32, slots: slots as u32, free: (slots - busy).max(0) as u32 })
    }

    /// Whether an agent with this email exists.
    pub async fn agent_email_exists(&self, email: &str) -> StoreResult<bool> {
        Ok(sqlx::query("SELECT 1 FROM agents WHERE email = $1").bind(email).fetch_optional(&self.pool).await?.is_some())
    }
}
