//! Administration: listing and removing merchants, agents' roles and access, everything held about
//! one shopper (export and erasure), retention, and the rows the demo seed wrote.

use sqlx::{Any, Transaction};

use tandem_protocol::AgentListing;

use super::{col, Store, StoreError, StoreResult};

/// An agent's role. Each role can do what the ones before it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Answers shoppers.
    Agent,
    /// Also manages team content and sees the floor.
    Supervisor,
    /// Also manages merchants, agents and shoppers' data.
    Admin,
}

impl Role {
    /// Every role, least to most.
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// What was removed, by table, and the shopper-session token hashes that stopped working (so
/// instances can forget them at once).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Removed {
    pub rows: Vec<(&'static str, u64)>,
    #[serde(skip)]
    pub session_hashes: Vec<String>,
}

impl Removed {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, table: &'static str, n: u64) {
        match self.rows.iter_mut().find(|(t, _)| *t == table) {
            Some((_, m)) => *m += n,
            None => self.rows.push((table, n)),
        }
    }
}

/// Kinds of rows the demo seed records in `demo_rows`.
pub const DEMO_MERCHANT: &str = "merchant";
pub const DEMO_AGENT: &str = "agent";
pub const DEMO_SHOPPER: &str = "shopper";

/// Every table whose rows belong to a conversation (by `conversation_id`): removing a merchant,
/// erasing a shopper and retention delete from each of them before the conversation itself.
/// A new table holding conversation data belongs here.
const CONVERSATION_CHILDREN: [&str; 7] = ["notes", "email_links", "email_outbox", "content_gaps", "replies_due", "events", "handoffs"];

impl Store {
    /// Every merchant, by id.
    pub async fn merchants(&self) -> StoreResult<Vec<super::StoredMerchant>> {
        let rows = sqlx::query("SELECT id, name, provider_name, theme, allowed_origins FROM merchants ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(super::StoredMerchant {
                    id: col(r, 0)?,
                    name: col(r, 1)?,
                    provider_name: col(r, 2)?,
                    theme: col(r, 3)?,
                    allowed_origins: col(r, 4)?,
                })
            })
            .collect()
    }

    /// Removes a merchant with its sessions and conversations (events and handoffs included).
    /// `None` when there is no such merchant.
    pub async fn remove_merchant(&self, id: &str) -> StoreResult<Option<Removed>> {
        let mut tx = self.pool.begin().await?;
        let mut removed = Removed::default();
        removed.session_hashes = hashes(&mut tx, "SELECT token_hash FROM sessions WHERE merchant_id = $1", id).await?;
        let of_merchant = "SELECT id FROM conversations WHERE merchant_id = $1";
        for table in CONVERSATION_CHILDREN {
            removed.add(table, exec(&mut tx, &format!("DELETE FROM {table} WHERE conversation_id IN ({of_merchant})"), id).await?);
        }
        removed.add("conversations", exec(&mut tx, "DELETE FROM conversations WHERE merchant_id = $1", id).await?);
        removed.add("sessions", exec(&mut tx, "DELETE FROM sessions WHERE merchant_id = $1", id).await?);
        let merchants = exec(&mut tx, "DELETE FROM merchants WHERE id = $1", id).await?;
        if merchants == 0 {
            return Ok(None); // the transaction is rolled back
        }
        removed.add("merchants", merchants);
        sqlx::query("DELETE FROM demo_rows WHERE kind = $1 AND id = $2").bind(DEMO_MERCHANT).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        for h in &removed.session_hashes {
            self.forget_session(h);
        }
        Ok(Some(removed))
    }

    /// Every agent, by email.
    pub async fn agent_listing(&self) -> StoreResult<Vec<AgentListing>> {
        let rows = sqlx::query(
            "SELECT id, email, display_name, role, disabled, online, capacity, languages,
                    (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.status = 'with_agent')
             FROM agents a ORDER BY email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AgentListing {
                    id: col(r, 0)?,
                    email: col(r, 1)?,
                    display_name: col(r, 2)?,
                    role: col(r, 3)?,
                    disabled: col::<i64>(r, 4)? != 0,
                    online: col::<i64>(r, 5)? != 0,
                    capacity: col::<i64>(r, 6)?.clamp(0, u32::MAX as i64) as u32,
                    languages: super::split_languages(&col::<String>(r, 7)?),
                    load: col::<i64>(r, 8)?.clamp(0, u32::MAX as i64) as u32,
                })
            })
            .collect()
    }

    /// The id of the agent with this email (or id).
    pub async fn agent_id(&self, email_or_id: &str) -> StoreResult<Option<String>> {
        let key = email_or_id.trim();
        let row = sqlx::query("SELECT id FROM agents WHERE email = $1 OR id = $2").bind(key.to_lowercase()).bind(key).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, 0)).transpose()
    }

    /// Sets an agent's role.
    pub async fn set_role(&self, agent_id: &str, role: Role) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET role = $1 WHERE id = $2").bind(role.as_str()).bind(agent_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Disables an agent (their console sessions end in the same transaction; the instances
    /// holding their consoles end the streams and requeue their conversations, see `presence.rs`),
    /// or enables them again.
    pub async fn set_disabled(&self, agent_id: &str, disabled: bool) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE agents SET disabled = $1 WHERE id = $2").bind(i64::from(disabled)).bind(agent_id).execute(&mut *tx).await?;
        if disabled {
            sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1").bind(agent_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Of `agent_ids`, the ones that are disabled.
    pub async fn disabled_among(&self, agent_ids: &[String]) -> StoreResult<Vec<String>> {
        if agent_ids.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<String> = (1..=agent_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id FROM agents WHERE disabled = 1 AND id IN ({})", params.join(", "));
        let mut q = sqlx::query(&sql);
        for id in agent_ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// Disabled agents still marked online (id, display name): their conversations go back to the queue.
    pub async fn disabled_online(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT id, display_name FROM agents WHERE disabled = 1 AND online = 1").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
    }

    /// Takes a disabled agent offline; true for the one caller (of any instance) that did it.
    pub async fn take_disabled_offline(&self, agent_id: &str) -> StoreResult<bool> {
        let row = sqlx::query("UPDATE agents SET online = 0 WHERE id = $1 AND disabled = 1 AND online = 1 RETURNING id")
            .bind(agent_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Removes an agent account with their personal canned replies. An agent still holding a
    /// conversation is disabled instead (their conversations are requeued by the sweeper); returns
    /// whether the row was deleted.
    pub async fn remove_agent(&self, agent_id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1").bind(agent_id).execute(&mut *tx).await?;
        let holding = sqlx::query("SELECT 1 FROM conversations WHERE agent_id = $1 AND status = 'with_agent'")
            .bind(agent_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if holding {
            sqlx::query("UPDATE agents SET disabled = 1 WHERE id = $1").bind(agent_id).execute(&mut *tx).await?;
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE conversations SET agent_id = NULL WHERE agent_id = $1").bind(agent_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM canned_replies WHERE owner_id = $1").bind(agent_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM agents WHERE id = $1").bind(agent_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM demo_rows WHERE kind = $1 AND id = $2").bind(DEMO_AGENT).bind(agent_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a row the demo seed wrote.
    pub async fn record_demo_row(&self, kind: &str, id: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO demo_rows (kind, id) VALUES ($1, $2) ON CONFLICT (kind, id) DO NOTHING")
            .bind(kind)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The rows the demo seed wrote: (kind, id).
    pub async fn demo_rows(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT kind, id FROM demo_rows ORDER BY kind, id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
    }

    /// Forgets a demo row that was removed (or could not be).
    pub async fn forget_demo_row(&self, kind: &str, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM demo_rows WHERE kind = $1 AND id = $2").bind(kind).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Everything held about a shopper, table by table, as JSON rows (session tokens are stored
    /// only as hashes and are left out).
    pub async fn shopper_export(&self, shopper_id: &str) -> StoreResult<serde_json::Value> {
        use serde_json::json;
        let sessions = sqlx::query("SELECT merchant_id, shopper_name, identified, locale, created_at, expires_at FROM sessions WHERE shopper_id = $1 ORDER BY created_at")
            .bind(shopper_id)
            .fetch_all(&self.pool)
            .await?;
        let sessions = sessions
            .iter()
            .map(|r| {
                Ok(json!({
                    "merchant_id": col::<String>(r, 0)?, "name": col::<Option<String>>(r, 1)?, "identified": col::<i64>(r, 2)? != 0,
                    "locale": col::<String>(r, 3)?, "created_at": super::ms_to_rfc3339(col(r, 4)?), "expires_at": super::ms_to_rfc3339(col(r, 5)?),
                }))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let convs = sqlx::query(
            "SELECT id, merchant_id, status, locale, handoff_reason, contact, rating, rating_comment, created_at, updated_at
             FROM conversations WHERE shopper_id = $1 ORDER BY created_at",
        )
        .bind(shopper_id)
        .fetch_all(&self.pool)
        .await?;
        let mut conversations = Vec::new();
        for r in &convs {
            let id: String = col(r, 0)?;
            let events = sqlx::query("SELECT payload FROM events WHERE conversation_id = $1 ORDER BY seq").bind(id.as_str()).fetch_all(&self.pool).await?;
            let events = events.iter().map(|e| Ok(serde_json::from_str::<serde_json::Value>(&col::<String>(e, 0)?)?)).collect::<StoreResult<Vec<_>>>()?;
            let handoffs = sqlx::query("SELECT reason, queued_at, claimed_at, resolved_at FROM handoffs WHERE conversation_id = $1 ORDER BY id")
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
            let handoffs = handoffs
                .iter()
                .map(|h| {
                    let at = |i| col::<Option<i64>>(h, i).map(|v| v.map(super::ms_to_rfc3339));
                    Ok(json!({ "reason": col::<String>(h, 0)?, "queued_at": super::ms_to_rfc3339(col(h, 1)?), "claimed_at": at(2)?, "resolved_at": at(3)? }))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            conversations.push(json!({
                "id": id, "merchant_id": col::<String>(r, 1)?, "status": col::<String>(r, 2)?, "locale": col::<String>(r, 3)?,
                "handoff_reason": col::<Option<String>>(r, 4)?, "contact": col::<Option<String>>(r, 5)?,
                "rating": col::<Option<i64>>(r, 6)?, "rating_comment": col::<Option<String>>(r, 7)?,
                "created_at": super::ms_to_rfc3339(col(r, 8)?), "updated_at": super::ms_to_rfc3339(col(r, 9)?),
                "events": events, "handoffs": handoffs,
            }));
        }
        let account = self.account(shopper_id).await?.map(|(name, orders)| {
            json!({ "name": name, "orders": orders.iter().filter_map(|o| serde_json::from_str::<serde_json::Value>(o).ok()).collect::<Vec<_>>() })
        });
        Ok(json!({ "shopper_id": shopper_id, "sessions": sessions, "conversations": conversations, "account": account }))
    }

    /// Removes every row about a shopper from every table, in one transaction.
    pub async fn erase_shopper(&self, shopper_id: &str) -> StoreResult<Removed> {
        let mut tx = self.pool.begin().await?;
        let mut removed = Removed::default();
        removed.session_hashes = hashes(&mut tx, "SELECT token_hash FROM sessions WHERE shopper_id = $1", shopper_id).await?;
        let of_shopper = "SELECT id FROM conversations WHERE shopper_id = $1";
        for table in CONVERSATION_CHILDREN {
            removed.add(table, exec(&mut tx, &format!("DELETE FROM {table} WHERE conversation_id IN ({of_shopper})"), shopper_id).await?);
        }
        removed.add("conversations", exec(&mut tx, "DELETE FROM conversations WHERE shopper_id = $1", shopper_id).await?);
        removed.add("sessions", exec(&mut tx, "DELETE FROM sessions WHERE shopper_id = $1", shopper_id).await?);
        removed.add("ledger_orders", exec(&mut tx, "DELETE FROM ledger_orders WHERE shopper_id = $1", shopper_id).await?);
        removed.add("ledger_shoppers", exec(&mut tx, "DELETE FROM ledger_shoppers WHERE shopper_id = $1", shopper_id).await?);
        removed.add("demo_rows", exec(&mut tx, "DELETE FROM demo_rows WHERE kind = 'shopper' AND id = $1", shopper_id).await?);
        tx.commit().await?;
        for h in &removed.session_hashes {
            self.forget_session(h);
        }
        Ok(removed)
    }

    /// Retention: deletes up to `limit` conversations (with their events and handoffs) whose last
    /// activity is before `cutoff_ms`. Returns how many conversations went.
    pub async fn delete_conversations_before(&self, cutoff_ms: i64, limit: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query("SELECT id FROM conversations WHERE active_minute <= $1 / 60000 AND updated_at < $1 ORDER BY active_minute LIMIT $2")
            .bind(cutoff_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        for r in &rows {
            let id: String = col(r, 0)?;
            for table in CONVERSATION_CHILDREN {
                sqlx::query(&format!("DELETE FROM {table} WHERE conversation_id = $1")).bind(id.as_str()).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM conversations WHERE id = $1").bind(id.as_str()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Retention: forgets contact details (email addresses) left on conversations whose last
    /// activity is before `cutoff_ms`.
    pub async fn clear_contacts_before(&self, cutoff_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query("UPDATE conversations SET contact = NULL WHERE contact IS NOT NULL AND active_minute <= $1 / 60000 AND updated_at < $1").bind(cutoff_ms).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    /// Deletes shopper and console sessions that expired before `now_ms`.
    pub async fn delete_expired_sessions(&self, now_ms: i64) -> StoreResult<u64> {
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now_ms).execute(&self.pool).await?.rows_affected();
        let b = sqlx::query("DELETE FROM agent_sessions WHERE expires_at < $1").bind(now_ms).execute(&self.pool).await?.rows_affected();
        Ok(a + b)
    }

    /// Every user table and its rows, each row as one line of text (tests prove an erasure left
    /// nothing behind, whatever tables exist).
    pub async fn dump_all_tables(&self) -> StoreResult<Vec<(String, Vec<String>)>> {
        let tables: Vec<String> = match self.backend {
            super::Backend::Sqlite => {
                let rows = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| col(r, 0)).collect::<StoreResult<_>>()?
            }
            super::Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY table_name",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| col(r, 0)).collect::<StoreResult<_>>()?
            }
        };
        let mut out = Vec::new();
        for t in tables {
            if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Corrupt(format!("unexpected table name {t}")));
            }
            let sql = match self.backend {
                super::Backend::Sqlite => {
                    let cols = sqlx::query(&format!("SELECT name FROM pragma_table_info('{t}')")).fetch_all(&self.pool).await?;
                    let cols: Vec<String> = cols.iter().map(|r| col(r, 0)).collect::<StoreResult<_>>()?;
                    let quoted: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\")")).collect();
                    format!("SELECT {} FROM \"{t}\"", quoted.join(" || ',' || "))
                }
                super::Backend::Postgres => format!("SELECT CAST(x AS TEXT) FROM \"{t}\" x"),
            };
            let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
            let rows = rows.iter().map(|r| col::<Option<String>>(r, 0).map(Option::unwrap_or_default)).collect::<StoreResult<_>>()?;
            out.push((t, rows));
        }
        Ok(out)
    }
}

async fn exec(tx: &mut Transaction<'static, Any>, sql: &str, id: &str) -> StoreResult<u64> {
    Ok(sqlx::query(sql).bind(id).execute(&mut **tx).await?.rows_affected())
}

async fn hashes(tx: &mut Transaction<'static, Any>, sql: &str, id: &str) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut **tx).await?;
    rows.iter().map(|r| col(r, 0)).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::test_postgres::FreshPostgres;

    /// Retention finds conversations through the index on the minute of their last activity, yet
    /// keeps the exact cut: within one minute, a conversation last active a millisecond before the
    /// cutoff goes and one active at the cutoff stays (SQLite, and PostgreSQL when
    /// `TANDEM_TEST_DATABASE_URL` is set).
    #[tokio::test]
    async fn retention_cuts_at_the_millisecond_within_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::open(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()), 2, Arc::new(|_| {})).await.unwrap();
        cuts_at_the_millisecond(&sqlite).await;
        if let Some(pg) = FreshPostgres::new().await {
            cuts_at_the_millisecond(&pg.store).await;
            pg.remove().await;
        }
    }

    async fn cuts_at_the_millisecond(store: &Store) {
        let backend = store.backend;
        let cutoff = 29_000_000i64 * 60_000 + 30_000;
        sqlx::query("INSERT INTO merchants (id, name, provider_name, theme) VALUES ('m-1', 'M', 'P', '{}')").execute(&store.pool).await.unwrap();
        for (id, at) in [("before", cutoff - 1), ("at", cutoff), ("minute-before", cutoff - 60_000)] {
            sqlx::query(
                "INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, contact, created_at, updated_at)
                 VALUES ($1, 's-1', 'm-1', 0, 'resolved', 'resolved', 'a@example.org', $2, $2)",
            )
            .bind(id)
            .bind(at)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        assert_eq!(store.clear_contacts_before(cutoff).await.unwrap(), 2, "{backend:?}");
        assert_eq!(store.delete_conversations_before(cutoff, 10).await.unwrap(), 2, "{backend:?}");
        let left: Vec<String> = sqlx::query("SELECT id FROM conversations").fetch_all(&store.pool).await.unwrap().iter().map(|r| col(r, 0).unwrap()).collect();
        assert_eq!(left, ["at"], "{backend:?}");
        let contact: Option<String> = col(&sqlx::query("SELECT contact FROM conversations").fetch_one(&store.pool).await.unwrap(), 0).unwrap();
        assert_eq!(contact.as_deref(), Some("a@example.org"), "{backend:?}");
    }
}
