//! History: finding past and current conversations by words, shopper or order, and reading one's
//! whole record (transcript and trips to a person; the notes are `notes.rs`'s).

use tandem_protocol::{Event, Message};

use super::sql::{Arg, Sql};
use super::{col, Backend, Status, Store, StoreResult};

/// What to look for; every part given must match.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter<'a> {
    /// Only conversations this agent took part in (held, or claimed on any trip to a person).
    pub participant: Option<&'a str>,
    /// Words in any message's text (case-insensitive; one phrase, as typed).
    pub words: Option<&'a str>,
    pub shopper_id: Option<&'a str>,
    /// An order id mentioned in a message, or one of the (demo ledger's) account's orders.
    pub order_id: Option<&'a str>,
    /// Older than this conversation: (created ms, id), the previous page's last.
    pub before: Option<(i64, &'a str)>,
    pub limit: i64,
}

/// A conversation as history lists it.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub id: String,
    pub status: Status,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub shopper_id: String,
    pub shopper_name: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub preview: String,
    pub locale: String,
    /// Why it went to a person, each reason once, oldest first.
    pub handoff_reasons: Vec<String>,
}

/// A stored trip to a person.
#[derive(Clone, Debug)]
pub struct HandoffRow {
    pub reason: String,
    pub queued_ms: i64,
    pub claimed_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub agent_name: Option<String>,
}

/// `text` as a LIKE pattern matching it anywhere, with `\`, `%` and `_` taken literally.
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

const COLUMNS: &str = "c.id, c.status, c.created_at, c.updated_at, c.shopper_id, CASE WHEN c.identified = 1 THEN l.name END, c.rating,
    c.rating_comment, c.last_shopper_text, c.locale";

impl Store {
    /// A message event's text, as SQL over `e.payload` (the one place history reads inside the
    /// stored JSON: matching the whole payload would also match its field names and topics).
    fn message_text(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "json_extract(e.payload, '$.message.text')",
            Backend::Postgres => "(CAST(e.payload AS jsonb) #>> '{message,text}')",
        }
    }

    /// Conversations matching `f`, newest first, at most `f.limit`.
    pub async fn history(&self, f: &HistoryFilter<'_>) -> StoreResult<Vec<HistoryRow>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM conversations c LEFT JOIN ledger_shoppers l ON l.shopper_id = c.shopper_id WHERE 1 = 1"
        ));
        if let Some(agent) = f.participant {
            sql.push(" AND (c.agent_id = ").bind(Arg::Text(agent.into()));
            sql.push(" OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.agent_id = ").bind(Arg::Text(agent.into())).push("))");
        }
        if let Some(shopper) = f.shopper_id {
            sql.push(" AND c.shopper_id = ").bind(Arg::Text(shopper.into()));
        }
        let text = self.message_text();
        if let Some(words) = f.words {
            sql.push(&format!(" AND EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = c.id AND e.kind = 'message' AND lower({text}) LIKE lower("))
                .bind(Arg::Text(contains_pattern(words)))
                .push(") ESCAPE '\\')");
        }
        if let Some(order) = f.order_id {
            sql.push(&format!(" AND (EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = c.id AND e.kind = 'message' AND lower({text}) LIKE lower("))
                .bind(Arg::Text(contains_pattern(order)))
                .push(") ESCAPE '\\')")
                .push(" OR (c.identified = 1 AND EXISTS (SELECT 1 FROM ledger_orders o WHERE o.shopper_id = c.shopper_id AND lower(o.order_id) = lower(")
                .bind(Arg::Text(order.into()))
                .push("))))");
        }
        if let Some((created, id)) = f.before {
            sql.push(" AND (c.created_at < ").bind(Arg::Int(created));
            sql.push(" OR (c.created_at = ").bind(Arg::Int(created)).push(" AND c.id < ").bind(Arg::Text(id.into())).push("))");
        }
        sql.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ").bind(Arg::Int(f.limit));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut out = rows.iter().map(read_row).collect::<StoreResult<Vec<_>>>()?;
        self.add_reasons(&mut out).await?;
        Ok(out)
    }

    /// One conversation as history lists it.
    pub async fn history_row(&self, id: &str) -> StoreResult<Option<HistoryRow>> {
        let sql = format!("SELECT {COLUMNS} FROM conversations c LEFT JOIN ledger_shoppers l ON l.shopper_id = c.shopper_id WHERE c.id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await? else { return Ok(None) };
        let mut out = vec![read_row(&row)?];
        self.add_reasons(&mut out).await?;
        Ok(out.pop())
    }

    /// Whether `agent_id` took part in the conversation (holds or held it, or claimed it on any trip).
    pub async fn took_part(&self, agent_id: &str, conversation_id: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM conversations c WHERE c.id = $1 AND (c.agent_id = $2
                OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.agent_id = $2))",
        )
        .bind(conversation_id)
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Fills each row's handoff reasons (one query for the page).
    async fn add_reasons(&self, rows: &mut [HistoryRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT conversation_id, reason FROM handoffs WHERE conversation_id IN (");
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Text(r.id.clone()));
        }
        sql.push(") ORDER BY id");
        for h in sql.query().fetch_all(&self.pool).await? {
            let (conversation, reason): (String, String) = (col(&h, 0)?, col(&h, 1)?);
            // A transfer starts a new row with the same reason: each reason once.
            if let Some(r) = rows.iter_mut().find(|r| r.id == conversation).filter(|r| !r.handoff_reasons.contains(&reason)) {
                r.handoff_reasons.push(reason);
            }
        }
        Ok(())
    }

    /// Every message of a conversation, in order.
    pub async fn messages(&self, id: &str) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query("SELECT payload FROM events WHERE conversation_id = $1 AND kind = 'message' ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Event::Message { message } = serde_json::from_str(&col::<String>(r, 0)?)? {
                out.push(message);
            }
        }
        Ok(out)
    }

    /// A conversation's trips to a person, oldest first, with the agent's name.
    pub async fn handoffs_of(&self, id: &str) -> StoreResult<Vec<HandoffRow>> {
        let rows = sqlx::query(
            "SELECT h.reason, h.queued_at, h.claimed_at, h.resolved_at, a.display_name
             FROM handoffs h LEFT JOIN agents a ON a.id = h.agent_id WHERE h.conversation_id = $1 ORDER BY h.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HandoffRow { reason: col(r, 0)?, queued_ms: col(r, 1)?, claimed_ms: col(r, 2)?, resolved_ms: col(r, 3)?, agent_name: col(r, 4)? })
            })
            .collect()
    }
}

fn read_row(r: &sqlx::any::AnyRow) -> StoreResult<HistoryRow> {
    Ok(HistoryRow {
        id: col(r, 0)?,
        status: Status::parse(&col::<String>(r, 1)?)?,
        created_ms: col(r, 2)?,
        updated_ms: col(r, 3)?,
        shopper_id: col(r, 4)?,
        shopper_name: col(r, 5)?,
        rating: col(r, 6)?,
        rating_comment: col(r, 7)?,
        preview: col::<Option<String>>(r, 8)?.unwrap_or_default(),
        locale: col(r, 9)?,
        handoff_reasons: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("50% off_now"), "%50\\% off\\_now%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }
}
