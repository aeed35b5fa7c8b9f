//! Shopper sessions and agents' console sessions. Only SHA-256 hashes of tokens are stored.
//! Every shopper request presents its session, so sessions read recently are kept in memory for a
//! few seconds; ending a session removes it here and, through a notice, on every other instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{col, NoticeKind, Store, StoreResult};

/// How long a session read from the database is trusted without reading it again.
const CACHE_TTL: Duration = Duration::from_secs(10);
/// Sessions kept in memory at most.
const CACHE_MAX: usize = 50_000;

/// Recently read shopper sessions by token hash.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (StoredSession, Instant)>>,
}

impl SessionCache {
    fn get(&self, token_hash: &str) -> Option<StoredSession> {
        let entries = self.entries.lock().expect("session cache");
        entries.get(token_hash).filter(|(_, at)| at.elapsed() < CACHE_TTL).map(|(s, _)| s.clone())
    }

    fn put(&self, token_hash: &str, session: StoredSession) {
        let mut entries = self.entries.lock().expect("session cache");
        if entries.len() >= CACHE_MAX {
            entries.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if entries.len() >= CACHE_MAX {
                entries.clear();
            }
        }
        entries.insert(token_hash.to_string(), (session, Instant::now()));
    }

    /// Forgets a session (it ended here or on another instance).
    pub fn forget(&self, token_hash: &str) {
        self.entries.lock().expect("session cache").remove(token_hash);
    }
}

/// A shopper session to store.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub shopper_id: &'a str,
    pub shopper_name: Option<&'a str>,
    pub identified: bool,
    pub merchant_id: &'a str,
    pub locale: &'a str,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// A stored shopper session.
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub shopper_id: String,
    pub shopper_name: Option<String>,
    pub identified: bool,
    pub merchant_id: String,
    pub locale: String,
    pub expires_ms: i64,
}

impl Store {
    /// Stores a new shopper session.
    pub async fn create_session(&self, s: &NewSession<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, shopper_id, shopper_name, identified, merchant_id, locale, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.token_hash)
        .bind(s.shopper_id)
        .bind(s.shopper_name)
        .bind(i64::from(s.identified))
        .bind(s.merchant_id)
        .bind(s.locale)
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session behind a token hash, expired or not.
    pub async fn session(&self, token_hash: &str) -> StoreResult<Option<StoredSession>> {
        if let Some(s) = self.sessions.get(token_hash) {
            return Ok(Some(s));
        }
        let row = sqlx::query(
            "SELECT shopper_id, shopper_name, identified, merchant_id, locale, expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let session = StoredSession {
            shopper_id: col(&r, 0)?,
            shopper_name: col(&r, 1)?,
            identified: col::<i64>(&r, 2)? != 0,
            merchant_id: col(&r, 3)?,
            locale: col(&r, 4)?,
            expires_ms: col(&r, 5)?,
        };
        self.sessions.put(token_hash, session.clone());
        Ok(Some(session))
    }

    /// Ends a shopper session, here and on every other instance.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        self.sessions.forget(token_hash);
        self.notify(&[NoticeKind::SessionEnded { token_hash: token_hash.into() }]).await
    }

    /// Forgets a session another instance ended.
    pub fn forget_session(&self, token_hash: &str) {
        self.sessions.forget(token_hash);
    }

    /// Stores an agent's console session.
    pub async fn create_agent_session(&self, token_hash: &str, agent_id: &str, expires_ms: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO agent_sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(agent_id)
            .bind(expires_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The agent (id, display name, role) and expiry behind a console session of an agent who is
    /// not disabled.
    pub async fn agent_session(&self, token_hash: &str) -> StoreResult<Option<(String, String, String, i64)>> {
        let row = sqlx::query(
            "SELECT a.id, a.display_name, a.role, s.expires_at FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.token_hash = $1 AND a.disabled = 0",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((col(&r, 0)?, col(&r, 1)?, col(&r, 2)?, col(&r, 3)?))).transpose()
    }

    /// Ends a console session.
    pub async fn delete_agent_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Every stored shopper-session token hash (tests check that no token is stored in clear).
    pub async fn session_hashes(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT token_hash FROM sessions").fetch_all(&self.pool).await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }
}
