//! The one write path of a conversation: an event appended with the next sequence number and the
//! state change it records, as one transaction whose conditions are in its statements (the
//! conversation's status, the claiming agent being online and below capacity, an idempotency key
//! not used yet). Commits go through the writer tasks (`writer.rs`).

use std::sync::Arc;

use tandem_protocol::{Author, ConversationState, Event};

use super::exec::{Kind, Tx, Value};
use super::sql::{Arg, Sql};
use super::writer::{Write, Written};
use super::{now_ms, Status, StoreError, StoreResult};

/// Called for every committed event, in commit order (each conversation's in sequence order).
pub type OnCommit = Arc<dyn Fn(&Committed) + Send + Sync>;

/// A committed event, as the live streams need it.
#[derive(Clone, Debug)]
pub struct Committed {
    pub conversation_id: String,
    pub event: Event,
    /// The agent holding the conversation after the change, or the one it was just taken from.
    pub holder: Option<String>,
}

/// The conversation enters the queue (a handoff row is opened in the same transaction).
#[derive(Clone, Debug)]
pub struct QueueEntry {
    /// Why; `None` keeps the reason of the previous trip (a conversation returned to the queue).
    pub reason: Option<String>,
    pub priority: i64,
}

/// What happens to the conversation's current handoff row.
#[derive(Clone, Debug)]
pub enum HandoffMark {
    Claimed { agent_id: String },
    Resolved,
    /// Passed from one agent to another: the current row ends and a new one, claimed by
    /// `agent_id` at once, begins (each agent's handling time stays their own).
    Transferred { agent_id: String },
}

/// What an append changes on the conversation besides its sequence number.
#[derive(Clone, Debug, Default)]
pub struct Change {
    /// The new state (and status).
    pub state: Option<ConversationState>,
    /// `Some(Some(agent))` assigns, `Some(None)` releases.
    pub assign: Option<Option<String>>,
    pub enqueue: Option<QueueEntry>,
    pub mark: Option<HandoffMark>,
    /// Only if this agent is online and below capacity (their row is locked first, so two claims
    /// by the same agent on two instances cannot both pass the count).
    pub claim_for: Option<String>,
    pub contact: Option<String>,
    pub rating: Option<(i64, Option<String>)>,
    pub locale: Option<String>,
}

/// One append.
#[derive(Clone, Debug)]
pub struct Append {
    pub conversation_id: String,
    /// Idempotency key: a second append with the same key stores nothing and returns the first.
    pub client_id: Option<String>,
    /// Only while the conversation's status is one of these (empty: any).
    pub only_if: Vec<Status>,
    /// Only if the conversation belongs to this shopper at this merchant (checked before the
    /// idempotency key, so a key never reveals another shopper's message).
    pub owner: Option<Owner>,
    /// Only while the conversation has fewer events than this (a cap on its length).
    pub below_seq: Option<u64>,
    /// Only while this agent holds the conversation (a transfer by its holder).
    pub held_by: Option<String>,
    /// A shopper's question: when it is stored due a reply, also read up to this many messages
    /// before it (the assistant's history) in the same transaction (see [`History`]).
    pub history: Option<i64>,
    pub change: Change,
    /// The event; its sequence number is set when stored.
    pub event: Event,
}

impl Append {
    /// An append of `event` with no conditions and no change.
    pub fn event(conversation_id: &str, event: Event) -> Self {
        Append { conversation_id: conversation_id.into(), client_id: None, only_if: vec![], owner: None, below_seq: None, held_by: None, history: None, change: Change::default(), event }
    }

    /// A state change, only while the status is one of `from`.
    pub fn state(conversation_id: &str, from: &[Status], state: ConversationState) -> Self {
        let event = Event::State { seq: 0, state: state.clone() };
        Append {
            conversation_id: conversation_id.into(),
            client_id: None,
            only_if: from.to_vec(),
            owner: None,
            below_seq: None,
            held_by: None,
            history: None,
            change: Change { state: Some(state), ..Change::default() },
            event,
        }
    }
}

/// Whose a conversation must be for a shopper's append: the session's shopper, with the session's
/// merchant (the same shopper id at another merchant is someone else's conversation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub shopper_id: String,
    pub merchant_id: String,
}

/// The conversation as an append left it.
#[derive(Clone, Debug)]
pub struct After {
    pub status: Status,
    pub locale: String,
    pub shopper_id: String,
    pub identified: bool,
    /// The messages before the event, when the append asked for them ([`Append::history`]) and
    /// they were read with it.
    pub history: Option<History>,
}

/// Messages read in an append's transaction: the stored payloads, newest first. Exactly what a
/// read after the commit would return, since every event before the appended one is committed
/// with it or before it; read there, the reply needs no read of its own (on SQLite, no hand-off
/// to a driver thread and back; on PostgreSQL, no pool round trip).
#[derive(Clone, Debug, Default)]
pub struct History(pub(crate) Vec<String>);

impl History {
    /// The messages, oldest first.
    pub fn messages(&self) -> StoreResult<Vec<super::Past>> {
        super::conversations::messages_of(self.0.iter().map(String::as_str))
    }
}

/// Outcome of an append.
#[derive(Clone, Debug)]
pub enum Appended {
    /// Stored; the conversation after it.
    New(Event, After),
    /// The idempotency key was used before: the event stored then.
    Duplicate(Event),
    /// The conversation's status (given) did not allow it, the claiming agent could not take it,
    /// or it belongs to another shopper (or to the shopper at another merchant).
    Refused(Status),
    /// No such conversation.
    Missing,
}

/// Characters of the shopper's last message kept for lists.
const PREVIEW_CHARS: usize = 120;

/// Cuts text to `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

pub(super) fn set_seq(event: &mut Event, seq: u64) {
    match event {
        Event::Message { message } => message.seq = seq,
        Event::State { seq: s, .. } => *s = seq,
        Event::Typing { .. } => {}
    }
}

/// Applies one write inside an open transaction (either driver, see `exec.rs`).
pub(crate) async fn apply_write<T: Tx>(tx: &mut T, w: &Write) -> StoreResult<Written> {
    match w {
        Write::Append(a) => {
            let (appended, committed) = apply(tx, a).await?;
            Ok(Written::Append(appended, committed))
        }
        Write::Create(c) => {
            let q = Sql::prepared(
                "INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, last_seq, priority, locale, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8, $8)",
                vec![
                    Arg::Text(c.id.clone()),
                    Arg::Text(c.shopper_id.clone()),
                    Arg::Text(c.merchant_id.clone()),
                    Arg::Int(i64::from(c.identified)),
                    Arg::Text(c.state.clone()),
                    Arg::Text(c.status.as_str().into()),
                    Arg::Text(c.locale.clone()),
                    Arg::Int(c.created_ms),
                ],
            );
            tx.execute(&q).await?;
            Ok(Written::Created)
        }
    }
}

/// Applies one append inside an open transaction (either driver, see `exec.rs`).
pub(crate) async fn apply<T: Tx>(tx: &mut T, a: &Append) -> StoreResult<(Appended, Option<Committed>)> {
    let id = a.conversation_id.as_str();
    let c = &a.change;
    let by_id = |text: &str| {
        let mut q = Sql::new(text);
        q.bind(Arg::Text(id.into()));
        q
    };
    // A release tells the agent who held the conversation (the row no longer names them after).
    let released_from: Option<String> = match &c.assign {
        Some(None) => match tx.row(&by_id("SELECT agent_id FROM conversations WHERE id = "), &[Kind::Text]).await? {
            Some(mut row) => row.remove(0).opt_text()?,
            None => None,
        },
        _ => None,
    };
    if let Some(agent) = &c.claim_for {
        // Locks the agent's row until commit: claims by one agent are counted one at a time.
        let mut q = Sql::new("UPDATE agents SET online = online WHERE id = ");
        q.bind(Arg::Text(agent.clone()));
        tx.execute(&q).await?;
    }
    let now = now_ms();
    if tx.fuses() {
        if let Some(payload) = super::fused::Payload::split(&a.event)? {
            return super::fused::apply(tx, a, released_from, now, &payload).await;
        }
    }
    let sql = update_statement(a, now)?;
    let Some(row) = tx.row(&sql, &RETURNED).await? else { return why_not(tx, a).await };
    let (seq, event, mut after, committed) = stored(a, row, released_from)?;
    let reply_due = is_due(&event, &after);
    let mut insert = Sql::new("INSERT INTO events (conversation_id, seq, kind, client_id, payload, created_at) VALUES (");
    insert.bind(Arg::Text(id.into())).push(", ").bind(Arg::Int(seq)).push(", ").bind(Arg::Text(event.name().into()));
    insert.push(", ").bind(Arg::OptText(a.client_id.clone())).push(", ").bind(Arg::Text(serde_json::to_string(&event)?));
    insert.push(", ").bind(Arg::Int(now)).push(")");
    tx.execute(&insert).await?;
    if reply_due {
        let mut due = Sql::new("INSERT INTO replies_due (conversation_id, seq, created_at) VALUES (");
        due.bind(Arg::Text(id.into())).push(", ").bind(Arg::Int(seq)).push(", ").bind(Arg::Int(now)).push(")");
        tx.execute(&due).await?;
    }
    handoff_rows(tx, id, c, now).await?;
    replies_due(tx, id, &event, a.client_id.as_deref(), &after, c.state.is_some()).await?;
    if let Some(limit) = a.history.filter(|_| reply_due) {
        let q = Sql::prepared(super::conversations::HISTORY_SQL, vec![Arg::Text(id.into()), Arg::Int(seq), Arg::Int(limit)]);
        after.history = Some(History(tx.texts(&q).await?));
    }
    Ok((Appended::New(event, after), Some(committed)))
}

/// The columns the conditional UPDATE returns (see [`update_statement`]).
pub(super) const RETURNED: [Kind; 6] = [Kind::Int, Kind::Text, Kind::Text, Kind::Text, Kind::Text, Kind::Int];

/// Why an append wrote nothing: a repeat of a stored event (only the owner's own), a status or
/// claim condition, another shopper's conversation, or no such conversation.
pub(super) async fn why_not<T: Tx>(tx: &mut T, a: &Append) -> StoreResult<(Appended, Option<Committed>)> {
    let id = a.conversation_id.as_str();
    if let Some(client_id) = &a.client_id {
        let mut q = Sql::new("SELECT e.payload FROM events e JOIN conversations c ON c.id = e.conversation_id WHERE e.conversation_id = ");
        q.bind(Arg::Text(id.into())).push(" AND e.client_id = ").bind(Arg::Text(client_id.clone()));
        if let Some(owner) = &a.owner {
            q.push(" AND c.shopper_id = ").bind(Arg::Text(owner.shopper_id.clone()));
            q.push(" AND c.merchant_id = ").bind(Arg::Text(owner.merchant_id.clone()));
        }
        if let Some(mut row) = tx.row(&q, &[Kind::Text]).await? {
            let payload = row.remove(0).text()?;
            return Ok((Appended::Duplicate(serde_json::from_str(&payload)?), None));
        }
    }
    let mut q = Sql::new("SELECT status FROM conversations WHERE id = ");
    q.bind(Arg::Text(id.into()));
    Ok(match tx.row(&q, &[Kind::Text]).await? {
        Some(mut row) => (Appended::Refused(Status::parse(&row.remove(0).text()?)?), None),
        None => (Appended::Missing, None),
    })
}

/// The sequence number taken, the event as stored and the conversation after it, from the
/// UPDATE's returned row (its [`RETURNED`] columns).
pub(crate) fn stored(a: &Append, row: Vec<Value>, released_from: Option<String>) -> StoreResult<(i64, Event, After, Committed)> {
    let mut row = row.into_iter();
    let mut next = || row.next().ok_or_else(|| StoreError::Corrupt("a column is missing".into()));
    let seq = next()?.int()?;
    let holder = next()?.opt_text()?;
    let after = After {
        status: Status::parse(&next()?.text()?)?,
        locale: next()?.text()?,
        shopper_id: next()?.text()?,
        identified: next()?.int()? != 0,
        history: None,
    };
    let mut event = a.event.clone();
    set_seq(&mut event, seq as u64);
    let committed = Committed { conversation_id: a.conversation_id.clone(), event: event.clone(), holder: holder.or(released_from) };
    Ok((seq, event, after, committed))
}

/// A shopper's question stored while the assistant has the conversation is due a reply.
pub(crate) fn is_due(event: &Event, after: &After) -> bool {
    matches!(event, Event::Message { message } if message.author == Author::Shopper) && after.status == Status::Assistant
}

/// The handoff row an append opens or marks, if any.
pub(super) async fn handoff_rows<T: Tx>(tx: &mut T, id: &str, c: &Change, now: i64) -> StoreResult<()> {
    if c.enqueue.is_some() {
        let mut q = Sql::new("INSERT INTO handoffs (conversation_id, reason, queued_at) SELECT id, COALESCE(handoff_reason, 'requested'), ");
        q.bind(Arg::Int(now)).push(" FROM conversations WHERE id = ").bind(Arg::Text(id.into()));
        tx.execute(&q).await?;
    }
    match &c.mark {
        Some(HandoffMark::Claimed { agent_id }) => {
            let mut q = Sql::new("UPDATE handoffs SET claimed_at = ");
            q.bind(Arg::Int(now)).push(", agent_id = ").bind(Arg::Text(agent_id.clone()));
            q.push(" WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ").bind(Arg::Text(id.into())).push(")");
            tx.execute(&q).await?;
        }
        Some(HandoffMark::Resolved) => {
            let mut q = Sql::new("UPDATE handoffs SET resolved_at = ");
            q.bind(Arg::Int(now)).push(" WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ").bind(Arg::Text(id.into())).push(")");
            tx.execute(&q).await?;
        }
        Some(HandoffMark::Transferred { agent_id }) => {
            let mut q = Sql::new("UPDATE handoffs SET resolved_at = ");
            q.bind(Arg::Int(now)).push(" WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ").bind(Arg::Text(id.into())).push(")");
            tx.execute(&q).await?;
            let mut q = Sql::new("INSERT INTO handoffs (conversation_id, reason, queued_at, claimed_at, agent_id) SELECT id, COALESCE(handoff_reason, 'requested'), ");
            q.bind(Arg::Int(now)).push(", ").bind(Arg::Int(now)).push(", ").bind(Arg::Text(agent_id.clone()));
            q.push(" FROM conversations WHERE id = ").bind(Arg::Text(id.into()));
            tx.execute(&q).await?;
        }
        None => {}
    }
    Ok(())
}

/// What a message leaves on its conversation's row for lists: a shopper's text, shortened, as
/// the preview; an assistant reply's topic.
pub(crate) fn for_lists(event: &Event) -> (Option<String>, Option<String>) {
    match event {
        Event::Message { message } if message.author == Author::Shopper => (Some(shorten(&message.text, PREVIEW_CHARS)), None),
        Event::Message { message } if message.author == Author::Assistant => (None, message.meta.as_ref().map(|m| m.topic.clone())),
        _ => (None, None),
    }
}

/// The question a reply answers (its idempotency key is `assistant:SEQ`).
pub(crate) fn answered_question(event: &Event, client_id: Option<&str>) -> Option<i64> {
    match event {
        Event::Message { message } if message.author == Author::Assistant => client_id?.strip_prefix("assistant:")?.parse().ok(),
        _ => None,
    }
}

/// The conditional UPDATE that takes the next sequence number and records the change.
fn update_statement(a: &Append, now: i64) -> StoreResult<Sql> {
    let mut sql = Sql::new("");
    push_update(&mut sql, a, now)?;
    Ok(sql)
}

/// Appends the conditional UPDATE (see [`update_statement`]) to `sql`.
pub(super) fn push_update(sql: &mut Sql, a: &Append, now: i64) -> StoreResult<()> {
    let id = a.conversation_id.as_str();
    let c = &a.change;
    sql.push("UPDATE conversations SET last_seq = last_seq + 1, updated_at = ");
    sql.bind(Arg::Int(now));
    if let Some(state) = &c.state {
        sql.push(", state = ").bind(Arg::Text(serde_json::to_string(state)?));
        sql.push(", status = ").bind(Arg::Text(state.status().into()));
    }
    if let Some(agent) = &c.assign {
        sql.push(", agent_id = ").bind(Arg::OptText(agent.clone()));
    }
    if let Some(q) = &c.enqueue {
        sql.push(", handoff_reason = COALESCE(").bind(Arg::OptText(q.reason.clone())).push(", handoff_reason)");
        sql.push(", priority = ").bind(Arg::Int(q.priority));
        sql.push(", queued_at = ").bind(Arg::Int(now));
    }
    if let Some(contact) = &c.contact {
        sql.push(", contact = ").bind(Arg::Text(contact.clone()));
    }
    if let Some((score, comment)) = &c.rating {
        sql.push(", rating = ").bind(Arg::Int(*score));
        sql.push(", rating_comment = ").bind(Arg::OptText(comment.clone()));
    }
    if let Some(locale) = &c.locale {
        sql.push(", locale = ").bind(Arg::Text(locale.clone()));
    }
    let (preview, topic) = for_lists(&a.event);
    if let Some(preview) = preview {
        sql.push(", last_shopper_text = ").bind(Arg::Text(preview));
    }
    if let Some(topic) = topic {
        sql.push(", last_topic = ").bind(Arg::Text(topic));
    }
    // The conditions sit inside `(…) IS TRUE`, which no index can serve, so the row is always
    // found through the primary key. Otherwise PostgreSQL may plan a prepared UPDATE once, while
    // the table is new and has no statistics, to search the `status` (or shopper, or agent) index
    // and filter on `id`, and keep that plan on the connection: a fresh deployment measured 4,000
    // rows read per message and a quarter of its throughput until the table was first analysed.
    sql.push(" WHERE id = ").bind(Arg::Text(id.into()));
    sql.push(" AND (TRUE");
    if !a.only_if.is_empty() {
        sql.push(" AND status IN (");
        for (i, s) in a.only_if.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Text(s.as_str().into()));
        }
        sql.push(")");
    }
    if let Some(owner) = &a.owner {
        sql.push(" AND shopper_id = ").bind(Arg::Text(owner.shopper_id.clone()));
        sql.push(" AND merchant_id = ").bind(Arg::Text(owner.merchant_id.clone()));
    }
    if let Some(cap) = a.below_seq {
        sql.push(" AND last_seq < ").bind(Arg::Int(cap.min(i64::MAX as u64) as i64));
    }
    if let Some(holder) = &a.held_by {
        sql.push(" AND agent_id = ").bind(Arg::Text(holder.clone()));
    }
    if let Some(agent) = &c.claim_for {
        sql.push(" AND EXISTS (SELECT 1 FROM agents a WHERE a.id = ").bind(Arg::Text(agent.clone()));
        sql.push(
            " AND a.online = 1 AND (SELECT COUNT(*) FROM conversations h WHERE h.agent_id = a.id AND h.status = 'with_agent') < a.capacity)",
        );
    }
    if let Some(client_id) = &a.client_id {
        // Idempotency in the same statement: nothing is written when the key was used before.
        sql.push(" AND NOT EXISTS (SELECT 1 FROM events k WHERE k.conversation_id = ").bind(Arg::Text(id.into()));
        sql.push(" AND k.client_id = ").bind(Arg::Text(client_id.clone())).push(")");
    }
    sql.push(") IS TRUE");
    sql.push(" RETURNING last_seq, agent_id, status, locale, shopper_id, identified");
    Ok(())
}

/// Keeps `replies_due` in step: the reply (key `assistant:N`) takes its question out, and a
/// conversation leaving the assistant (a person answers instead) takes all of its questions out.
async fn replies_due<T: Tx>(tx: &mut T, id: &str, event: &Event, client_id: Option<&str>, after: &After, state_changed: bool) -> StoreResult<()> {
    if let Some(question) = answered_question(event, client_id) {
        let mut q = Sql::new("DELETE FROM replies_due WHERE conversation_id = ");
        q.bind(Arg::Text(id.into())).push(" AND seq = ").bind(Arg::Int(question));
        tx.execute(&q).await?;
    }
    if state_changed && after.status != Status::Assistant {
        tx.execute(&none_due(id)).await?;
    }
    Ok(())
}

/// Takes every question of a conversation out of `replies_due` (a person answers instead).
pub(super) fn none_due(id: &str) -> Sql {
    let mut q = Sql::new("DELETE FROM replies_due WHERE conversation_id = ");
    q.bind(Arg::Text(id.into()));
    q
}

#[cfg(test)]
mod tests;
