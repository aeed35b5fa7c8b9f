//! PostgreSQL's append in one statement (a data-modifying `WITH`), where every statement is a
//! round trip: the conditional UPDATE of `append.rs`, the event's INSERT with its payload
//! completed in SQL around the sequence number it takes, and the question's row in `replies_due`.

use tandem_protocol::{Author, Event};

use super::append::{answered_question, handoff_rows, is_due, none_due, push_update, set_seq, stored, why_not, Append, Appended, Committed, History, RETURNED};
use super::exec::Tx;
use super::sql::{Arg, Sql};
use super::{Status, StoreResult};

/// An event's stored JSON cut around its sequence number: `prefix`, the number, `suffix` is
/// exactly `serde_json::to_string` of the event carrying that number, so a statement that takes
/// the number can write the payload itself.
#[derive(Debug, PartialEq)]
pub(crate) struct Payload {
    pub prefix: String,
    pub suffix: String,
}

impl Payload {
    /// `None` for an event without a sequence number (never stored).
    pub(crate) fn split(event: &Event) -> StoreResult<Option<Payload>> {
        if matches!(event, Event::Typing { .. }) {
            return Ok(None);
        }
        let mut zero = event.clone();
        set_seq(&mut zero, 0);
        let json = serde_json::to_string(&zero)?;
        // The event's own `"seq":` is the first: the fields serialised before it are strings (a
        // quote inside a string is escaped, so the key cannot appear there), and everything
        // nested comes after it.
        const KEY: &str = "\"seq\":0";
        let Some(at) = json.find(KEY) else { return Ok(None) };
        let end = at + KEY.len();
        Ok(Some(Payload { prefix: json[..end - 1].to_string(), suffix: json[end..].to_string() }))
    }
}

/// One statement (PostgreSQL) for an append: the conditional UPDATE, the event's INSERT with its
/// payload completed in SQL, the question's row in `replies_due` or the answered question's removal from it; then, as statements of
/// their own, what must see rows another instance may have committed while this statement waited
/// for the conversation's row (every part of one statement reads with the snapshot it began
/// with): the marks of a conversation leaving the assistant, the assistant's history, and the
/// handoff rows. Writes exactly what the statement-by-statement path writes (`tests/api` runs on
/// both). Plain messages usually go through `pg_batch.rs` instead.
pub(super) async fn apply<T: Tx>(tx: &mut T, a: &Append, released_from: Option<String>, now: i64, payload: &Payload) -> StoreResult<(Appended, Option<Committed>)> {
    let id = a.conversation_id.as_str();
    let shopper_question = matches!(&a.event, Event::Message { message } if message.author == Author::Shopper);
    let mut sql = Sql::new("WITH u AS (");
    push_update(&mut sql, a, now)?;
    sql.push("), i AS (INSERT INTO events (conversation_id, seq, kind, client_id, payload, created_at) SELECT ");
    sql.bind(Arg::Text(id.into())).push(", u.last_seq, ").bind(Arg::Text(a.event.name().into())).push(", ").bind(Arg::OptText(a.client_id.clone()));
    sql.push(", ").bind(Arg::Text(payload.prefix.clone())).push(" || u.last_seq::text || ").bind(Arg::Text(payload.suffix.clone()));
    sql.push(", ").bind(Arg::Int(now)).push(" FROM u)");
    if shopper_question {
        sql.push(", d AS (INSERT INTO replies_due (conversation_id, seq, created_at) SELECT ").bind(Arg::Text(id.into()));
        sql.push(", u.last_seq, ").bind(Arg::Int(now)).push(" FROM u WHERE u.status = 'assistant')");
    }
    if let Some(question) = answered_question(&a.event, a.client_id.as_deref()) {
        // The question was committed before its reply was computed: visible to this snapshot.
        sql.push(", r AS (DELETE FROM replies_due WHERE conversation_id = ").bind(Arg::Text(id.into()));
        sql.push(" AND seq = ").bind(Arg::Int(question)).push(" AND EXISTS (SELECT 1 FROM u))");
    }
    sql.push(" SELECT u.last_seq, u.agent_id, u.status, u.locale, u.shopper_id, u.identified FROM u");
    let Some(row) = tx.row(&sql, &RETURNED).await? else { return why_not(tx, a).await };
    let (seq, event, mut after, committed) = stored(a, row, released_from)?;
    if a.change.state.is_some() && after.status != Status::Assistant {
        tx.execute(&none_due(id)).await?;
    }
    if let Some(limit) = a.history.filter(|_| is_due(&event, &after)) {
        let q = Sql::prepared(super::conversations::HISTORY_SQL, vec![Arg::Text(id.into()), Arg::Int(seq), Arg::Int(limit)]);
        after.history = Some(History(tx.texts(&q).await?));
    }
    handoff_rows(tx, id, &a.change, now).await?;
    Ok((Appended::New(event, after), Some(committed)))
}
