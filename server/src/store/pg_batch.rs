//! PostgreSQL: a writer's batch of new conversations and plain messages in one round trip. The
//! function `tandem_append_messages` (migration 0006, redefined by 0008) creates and appends each as the
//! statement-by-statement path in `append.rs` does, in order, and sends the notifications, all in
//! one statement, so the batch costs one round trip and one commit instead of a `BEGIN`, a
//! statement per write, a `NOTIFY` and a `COMMIT`. A batch with anything else (a state change, a
//! claim, a handoff) goes the other way.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use tandem_protocol::{Author, Event};

use super::append::{self, Append, Appended, History};
use super::fused::Payload;
use super::exec::Value;
use super::writer::{Creation, Write, Written};
use super::{notify, Status, StoreError, StoreResult};

/// Whether a write is a new conversation or a plain message: no state change, assignment, queue
/// entry, handoff mark, claim, contact, rating or locale.
pub(crate) fn plain(w: &Write) -> bool {
    let a = match w {
        Write::Create(_) => return true,
        Write::Append(a) => a,
    };
    let c = &a.change;
    matches!(a.event, Event::Message { .. })
        && c.state.is_none()
        && c.assign.is_none()
        && c.enqueue.is_none()
        && c.mark.is_none()
        && c.claim_for.is_none()
        && c.contact.is_none()
        && c.rating.is_none()
        && c.locale.is_none()
}

/// One write as the function reads it.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Message(Item<'a>),
    Create(NewRow<'a>),
}

/// A conversation to create.
#[derive(Serialize)]
struct NewRow<'a> {
    create: bool,
    id: &'a str,
    shopper: &'a str,
    merchant: &'a str,
    identified: i64,
    state: &'a str,
    status: &'static str,
    locale: &'a str,
    created: i64,
}

impl<'a> NewRow<'a> {
    fn of(c: &'a Creation) -> NewRow<'a> {
        NewRow {
            create: true,
            id: &c.id,
            shopper: &c.shopper_id,
            merchant: &c.merchant_id,
            identified: i64::from(c.identified),
            state: &c.state,
            status: c.status.as_str(),
            locale: &c.locale,
            created: c.created_ms,
        }
    }
}

/// One message as the function reads it (absent fields: no such condition).
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    only_if: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shopper: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    below_seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    held_by: Option<&'a str>,
    /// The payload around its sequence number (see [`Payload`]).
    prefix: String,
    suffix: String,
    now: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<String>,
    /// A shopper's question (due a reply while the assistant has the conversation).
    question: bool,
    /// The question this reply answers (taken out of `replies_due`).
    #[serde(skip_serializing_if = "Option::is_none")]
    answers: Option<i64>,
    /// Messages of history to read with a question due a reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<i64>,
}

impl<'a> Item<'a> {
    fn of(a: &'a Append, now: i64) -> StoreResult<Item<'a>> {
        let payload = Payload::split(&a.event)?.ok_or_else(|| StoreError::Corrupt("a message without a sequence number".into()))?;
        let (preview, topic) = append::for_lists(&a.event);
        Ok(Item {
            id: &a.conversation_id,
            client_id: a.client_id.as_deref(),
            only_if: (!a.only_if.is_empty()).then(|| a.only_if.iter().map(|s| s.as_str()).collect()),
            shopper: a.owner.as_ref().map(|o| o.shopper_id.as_str()),
            merchant: a.owner.as_ref().map(|o| o.merchant_id.as_str()),
            below_seq: a.below_seq.map(|cap| cap.min(i64::MAX as u64) as i64),
            held_by: a.held_by.as_deref(),
            prefix: payload.prefix,
            suffix: payload.suffix,
            now,
            preview,
            topic,
            question: matches!(&a.event, Event::Message { message } if message.author == Author::Shopper),
            answers: append::answered_question(&a.event, a.client_id.as_deref()),
            history: a.history,
        })
    }
}

/// What the function returns for a write: `true` for a conversation created, the row for a
/// message stored, or why a message was not written.
#[derive(Deserialize)]
#[serde(untagged)]
enum Outcome {
    Created(bool),
    Stored(Stored),
    /// The idempotency key was used before: the payload stored then.
    Duplicate { duplicate: String },
    /// The conversation's status did not allow it (or it is another shopper's).
    Refused { refused: String },
    Missing { missing: bool },
}

/// What the function returns for a message it stored.
#[derive(Deserialize)]
struct Stored {
    seq: i64,
    agent_id: Option<String>,
    status: String,
    locale: String,
    shopper_id: String,
    identified: i64,
    history: Option<Vec<String>>,
}

/// Commits new conversations and plain messages (see [`plain`]) in one statement. `Err` only when
/// nothing was committed (the caller may then retry each write alone); once the statement has
/// returned, every write gets its own result, so a write that is committed is never written again.
pub(crate) async fn commit(pool: &AnyPool, writes: &[&Write]) -> StoreResult<Vec<StoreResult<Written>>> {
    let now = super::now_ms();
    let entries = writes
        .iter()
        .map(|w| match w {
            Write::Append(a) if plain(w) => Ok(Entry::Message(Item::of(a, now)?)),
            Write::Create(c) => Ok(Entry::Create(NewRow::of(c))),
            Write::Append(_) => Err(StoreError::Corrupt("only plain messages are committed in one statement".into())),
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let row = sqlx::query("SELECT tandem_append_messages($1, $2, $3)")
        .bind(serde_json::to_string(&entries)?)
        .bind(notify::CHANNEL)
        .bind(notify::instance_id())
        .fetch_one(pool)
        .await?;
    // Committed: from here on, errors are per write.
    let outcomes = row.try_get::<String, _>(0).map_err(StoreError::from).and_then(|json| Ok(serde_json::from_str::<Vec<Option<Outcome>>>(&json)?));
    let outcomes = match outcomes {
        Ok(o) if o.len() == writes.len() => o,
        Ok(o) => return Ok(corrupt_all(writes.len(), &format!("{} writes, {} results", writes.len(), o.len()))),
        Err(e) => return Ok(corrupt_all(writes.len(), &format!("the batch's results: {e}"))),
    };
    Ok(writes.iter().zip(outcomes).map(|(w, outcome)| written(w, outcome)).collect())
}

fn corrupt_all(n: usize, why: &str) -> Vec<StoreResult<Written>> {
    (0..n).map(|_| Err(StoreError::Corrupt(why.to_string()))).collect()
}

/// One write's result, as the statement-by-statement path returns it.
fn written(w: &Write, outcome: Option<Outcome>) -> StoreResult<Written> {
    let a = match (w, outcome) {
        (Write::Create(_), Some(Outcome::Created(true))) => return Ok(Written::Created),
        (Write::Create(c), _) => return Err(StoreError::Corrupt(format!("creating {} returned something else", c.id))),
        (Write::Append(a), outcome) => (a, outcome),
    };
    match a {
        (a, Some(Outcome::Stored(s))) => {
            let row = vec![
                Value::Int(s.seq),
                s.agent_id.map_or(Value::Null, Value::Text),
                Value::Text(s.status),
                Value::Text(s.locale),
                Value::Text(s.shopper_id),
                Value::Int(s.identified),
            ];
            let (_, event, mut after, committed) = append::stored(a, row, None)?;
            if append::is_due(&event, &after) {
                after.history = s.history.map(History);
            }
            Ok(Written::Append(Appended::New(event, after), Some(committed)))
        }
        (_, Some(Outcome::Duplicate { duplicate })) => Ok(Written::Append(Appended::Duplicate(serde_json::from_str(&duplicate)?), None)),
        (_, Some(Outcome::Refused { refused })) => Ok(Written::Append(Appended::Refused(Status::parse(&refused)?), None)),
        (_, Some(Outcome::Missing { missing: true })) => Ok(Written::Append(Appended::Missing, None)),
        (a, _) => Err(StoreError::Corrupt(format!("a message to {} came back without its outcome", a.conversation_id))),
    }
}
