//! Conversations as rows: creation, lookup, the event log's reads, and the lists agents see.

use tandem_protocol::{Author, ConversationState, Event};

use super::writer::{Creation, Write};
use super::{col, Status, Store, StoreResult};

/// A conversation to store.
pub struct NewConversation<'a> {
    pub id: &'a str,
    pub shopper_id: &'a str,
    pub merchant_id: &'a str,
    pub identified: bool,
    pub state: &'a ConversationState,
    pub locale: &'a str,
    pub created_ms: i64,
}

/// A stored conversation (without its events).
#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub shopper_id: String,
    pub merchant_id: String,
    pub identified: bool,
    pub state: ConversationState,
    pub status: Status,
    pub last_seq: u64,
    pub created_ms: i64,
    /// The language the conversation is written in.
    pub locale: String,
    pub agent_id: Option<String>,
    pub handoff_reason: Option<String>,
    pub contact: Option<String>,
    /// When it entered the queue (last time).
    pub queued_ms: Option<i64>,
}

/// Which conversations a list shows.
#[derive(Clone, Debug)]
pub enum ListFilter<'a> {
    /// Waiting for a person, in serving order.
    Queued,
    /// Waiting for a reply by email, oldest first.
    AwaitingReply,
    /// Held by this agent, most recently active first.
    HeldBy(&'a str),
    /// These conversations, whatever their status (what a queue change shows).
    Ids(&'a [String]),
}

/// A conversation as lists show it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: String,
    pub status: Status,
    pub state: ConversationState,
    pub handoff_reason: Option<String>,
    pub priority: i64,
    pub queued_ms: Option<i64>,
    pub contact: Option<String>,
    /// The assistant's last topic.
    pub topic: Option<String>,
    /// The shopper's last words, shortened.
    pub preview: String,
    /// The shopper's name from the ledger, for identified shoppers.
    pub shopper_name: Option<String>,
    /// The conversation's language.
    pub locale: String,
}

/// A queued conversation, in serving order, as routing needs it.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub id: String,
    pub locale: String,
    pub queued_ms: i64,
}

impl Store {
    /// Stores a new conversation.
    pub async fn create_conversation(&self, c: &NewConversation<'_>) -> StoreResult<()> {
        let creation = Creation {
            id: c.id.into(),
            shopper_id: c.shopper_id.into(),
            merchant_id: c.merchant_id.into(),
            identified: c.identified,
            state: serde_json::to_string(c.state)?,
            status: Status::parse(c.state.status())?,
            locale: c.locale.into(),
            created_ms: c.created_ms,
        };
        self.write(Write::Create(creation)).await?;
        Ok(())
    }

    /// A conversation's row.
    pub async fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRow>> {
        let row = sqlx::query(
            "SELECT shopper_id, merchant_id, identified, state, status, last_seq, created_at, locale, agent_id, handoff_reason, contact, queued_at
             FROM conversations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ConversationRow {
                shopper_id: col(&r, 0)?,
                merchant_id: col(&r, 1)?,
                identified: col::<i64>(&r, 2)? != 0,
                state: serde_json::from_str(&col::<String>(&r, 3)?)?,
                status: Status::parse(&col::<String>(&r, 4)?)?,
                last_seq: col::<i64>(&r, 5)?.max(0) as u64,
                created_ms: col(&r, 6)?,
                locale: col(&r, 7)?,
                agent_id: col(&r, 8)?,
                handoff_reason: col(&r, 9)?,
                contact: col(&r, 10)?,
                queued_ms: col(&r, 11)?,
            })
        })
        .transpose()
    }

    /// The shopper's newest conversation with a merchant.
    pub async fn latest_conversation(&self, shopper_id: &str, merchant_id: &str) -> StoreResult<Option<String>> {
        let sql = format!(
            "SELECT id FROM conversations WHERE shopper_id = $1 AND merchant_id = $2 ORDER BY created_at DESC, {} DESC LIMIT 1",
            self.row_order()
        );
        let row = sqlx::query(&sql).bind(shopper_id).bind(merchant_id).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, 0)).transpose()
    }

    /// Stored events of a conversation after sequence number `after`, in order.
    pub async fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query("SELECT payload FROM events WHERE conversation_id = $1 AND seq > $2 ORDER BY seq")
            .bind(id)
            .bind(after.min(i64::MAX as u64) as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(&col::<String>(r, 0)?)?)).collect()
    }

    /// One stored event.
    pub async fn event(&self, id: &str, seq: u64) -> StoreResult<Option<Event>> {
        let row = sqlx::query("SELECT payload FROM events WHERE conversation_id = $1 AND seq = $2")
            .bind(id)
            .bind(seq.min(i64::MAX as u64) as i64)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(serde_json::from_str(&col::<String>(&r, 0)?)?)).transpose()
    }

    /// Conversations for a list, in the list's order.
    pub async fn list(&self, filter: ListFilter<'_>) -> StoreResult<Vec<Listed>> {
        let order = self.row_order();
        let (condition, order_by) = match filter {
            ListFilter::Queued => ("c.status = 'queued'".to_string(), format!("c.priority DESC, c.queued_at ASC, c.{order} ASC")),
            ListFilter::AwaitingReply => ("c.status = 'awaiting_reply'".to_string(), format!("c.queued_at ASC, c.{order} ASC")),
            ListFilter::HeldBy(_) => ("c.agent_id = $1 AND c.status = 'with_agent'".to_string(), "c.updated_at DESC".to_string()),
            ListFilter::Ids(ids) if ids.is_empty() => return Ok(Vec::new()),
            ListFilter::Ids(ids) => {
                let params: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
                (format!("c.id IN ({})", params.join(", ")), format!("c.{order} ASC"))
            }
        };
        let sql = format!(
            "SELECT c.id, c.status, c.state, c.handoff_reason, c.priority, c.queued_at, c.contact, c.last_topic, c.last_shopper_text,
                    CASE WHEN c.identified = 1 THEN l.name END, c.locale
             FROM conversations c LEFT JOIN ledger_shoppers l ON l.shopper_id = c.shopper_id
             WHERE {condition} ORDER BY {order_by}"
        );
        let mut q = sqlx::query(&sql);
        match filter {
            ListFilter::HeldBy(agent) => q = q.bind(agent),
            ListFilter::Ids(ids) => {
                for id in ids {
                    q = q.bind(id.as_str());
                }
            }
            _ => {}
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Listed {
                    id: col(r, 0)?,
                    status: Status::parse(&col::<String>(r, 1)?)?,
                    state: serde_json::from_str(&col::<String>(r, 2)?)?,
                    handoff_reason: col(r, 3)?,
                    priority: col(r, 4)?,
                    queued_ms: col(r, 5)?,
                    contact: col(r, 6)?,
                    topic: col(r, 7)?,
                    preview: col::<Option<String>>(r, 8)?.unwrap_or_default(),
                    shopper_name: col(r, 9)?,
                    locale: col(r, 10)?,
                })
            })
            .collect()
    }

    /// The queued conversations, in serving order.
    pub async fn queued(&self) -> StoreResult<Vec<Waiting>> {
        let sql = format!(
            "SELECT id, locale, queued_at FROM conversations WHERE status = 'queued' ORDER BY priority DESC, queued_at ASC, {} ASC",
            self.row_order()
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(Waiting { id: col(r, 0)?, locale: col(r, 1)?, queued_ms: col::<Option<i64>>(r, 2)?.unwrap_or(0) })).collect()
    }

    /// Raises a queued conversation's priority to `priority` (never lowers it); whether it did.
    pub async fn raise_priority(&self, id: &str, priority: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE conversations SET priority = $1 WHERE id = $2 AND status = 'queued' AND priority < $1")
            .bind(priority)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A queued conversation's place in the queue now (1 = next), counted in the index; `None`
    /// when it is not queued.
    pub async fn queue_position(&self, id: &str) -> StoreResult<Option<u32>> {
        let o = self.row_order();
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM conversations q WHERE q.status = 'queued' AND (q.priority > me.priority
                      OR (q.priority = me.priority AND (q.queued_at < me.queued_at OR (q.queued_at = me.queued_at AND q.{o} < me.{o}))))) + 1
             FROM conversations me WHERE me.id = $1 AND me.status = 'queued'"
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(col::<i64>(&r, 0)?.clamp(1, u32::MAX as i64) as u32)).transpose()
    }

    /// The conversation at the head of the queue.
    pub async fn queue_head(&self) -> StoreResult<Option<String>> {
        let sql = format!("SELECT id FROM conversations WHERE status = 'queued' ORDER BY priority DESC, queued_at ASC, {} ASC LIMIT 1", self.row_order());
        let row = sqlx::query(&sql).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, 0)).transpose()
    }

    /// Handling times (seconds) of the last `n` resolved trips to a person.
    pub async fn recent_handling_secs(&self, n: i64) -> StoreResult<Vec<f64>> {
        let rows = sqlx::query(
            "SELECT claimed_at, resolved_at FROM handoffs WHERE claimed_at IS NOT NULL AND resolved_at IS NOT NULL ORDER BY id DESC LIMIT $1",
        )
        .bind(n)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col::<i64>(r, 1)? - col::<i64>(r, 0)?) as f64 / 1000.0)).collect()
    }

    /// Questions stored before `older_than_ms` whose reply is still pending (see
    /// `replies_due` in `append.rs`), oldest first: (conversation, seq, question).
    pub async fn unanswered(&self, older_than_ms: i64) -> StoreResult<Vec<(String, u64, Event)>> {
        let rows = sqlx::query(
            "SELECT d.conversation_id, d.seq, e.payload FROM replies_due d JOIN events e ON e.conversation_id = d.conversation_id AND e.seq = d.seq
             WHERE d.created_at < $1 ORDER BY d.created_at LIMIT 100",
        )
        .bind(older_than_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, 0)?, col::<i64>(r, 1)?.max(0) as u64, serde_json::from_str(&col::<String>(r, 2)?)?)))
            .collect()
    }

    /// Gives up on the reply to the question at `seq` (the shopper was told it failed, or it was
    /// answered or taken by a person meanwhile).
    pub async fn drop_pending(&self, id: &str, seq: u64) -> StoreResult<()> {
        sqlx::query("DELETE FROM replies_due WHERE conversation_id = $1 AND seq = $2").bind(id).bind(seq as i64).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether the question at `seq` still waits for the assistant's reply.
    pub async fn is_pending(&self, id: &str, seq: u64) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM replies_due WHERE conversation_id = $1 AND seq = $2")
            .bind(id)
            .bind(seq as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Conversations waiting in the queue at `priority` or above.
    pub async fn queued_at_or_above(&self, priority: i64) -> StoreResult<u32> {
        let row = sqlx::query("SELECT COUNT(*) FROM conversations WHERE status = 'queued' AND priority >= $1")
            .bind(priority)
            .fetch_one(&self.pool)
            .await?;
        Ok(col::<i64>(&row, 0)?.max(0) as u32)
    }

    /// The newest `limit` messages before sequence number `before`, oldest first.
    pub async fn messages_before(&self, id: &str, before: u64, limit: i64) -> StoreResult<Vec<Past>> {
        let rows = sqlx::query(HISTORY_SQL).bind(id).bind(before.min(i64::MAX as u64) as i64).bind(limit).fetch_all(&self.pool).await?;
        let payloads = rows.iter().map(|r| col::<String>(r, 0)).collect::<StoreResult<Vec<_>>>()?;
        messages_of(payloads.iter().map(String::as_str))
    }
}

/// A conversation's newest messages before a sequence number, newest first (the assistant's
/// history; also read inside an append, see `append::History`).
pub(crate) const HISTORY_SQL: &str =
    "SELECT payload FROM events WHERE conversation_id = $1 AND seq < $2 AND kind = 'message' ORDER BY seq DESC LIMIT $3";

/// What the assistant needs of an earlier message: who wrote it, its text, and the topic an
/// assistant reply was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    pub author: Author,
    pub text: String,
    pub topic: Option<String>,
}

/// A stored message payload, reading only the fields of `Past`: the rest (blocks, sources, ids)
/// is skipped without being built.
#[derive(serde::Deserialize)]
struct PastPayload {
    message: PastMessage,
}

#[derive(serde::Deserialize)]
struct PastMessage {
    author: Author,
    text: String,
    meta: Option<PastMeta>,
}

#[derive(serde::Deserialize)]
struct PastMeta {
    topic: String,
}

/// Messages from stored payloads (of `kind = 'message'`) read newest first, oldest first.
pub(crate) fn messages_of<'a>(newest_first: impl DoubleEndedIterator<Item = &'a str>) -> StoreResult<Vec<Past>> {
    newest_first
        .rev()
        .map(|payload| {
            let PastPayload { message } = serde_json::from_str(payload)?;
            Ok(Past { author: message.author, text: message.text, topic: message.meta.map(|m| m.topic) })
        })
        .collect()
}
