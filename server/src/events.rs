//! A conversation's event stream: durable events (messages, state changes) are appended with the
//! next per-conversation sequence number, committed to SQLite, then published to live subscribers;
//! `GET /v1/conversations/{id}/events` serves them as Server-Sent Events and replays everything after
//! `Last-Event-ID` first, so a reconnecting client misses nothing and sees nothing twice.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tandem_protocol::{ConversationState, Event};
use tokio::sync::broadcast;

use crate::conversations::authorize;
use crate::error::{ApiError, ApiResult};
use crate::sessions::ShopperSession;
use crate::{now_rfc3339, AppState};

/// Events buffered per conversation for slow subscribers; one that falls further behind catches up
/// from the database instead. Small, because each open conversation holds one such buffer.
const CHANNEL_CAPACITY: usize = 16;

/// Live subscribers per conversation.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<Event>>>,
}

impl Hub {
    /// Subscribes to a conversation's live events.
    pub fn subscribe(&self, conversation_id: &str) -> broadcast::Receiver<Event> {
        let mut channels = self.channels.lock().expect("hub lock");
        channels.entry(conversation_id.to_string()).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    /// Sends an event to the conversation's live subscribers, if any.
    pub fn publish(&self, conversation_id: &str, event: Event) {
        let mut channels = self.channels.lock().expect("hub lock");
        if let Some(tx) = channels.get(conversation_id) {
            if tx.send(event).is_err() {
                // Nobody listens any more; drop the channel so the map does not grow forever.
                channels.remove(conversation_id);
            }
        }
    }

    /// Number of conversations with at least one live channel (for metrics).
    pub fn open_channels(&self) -> usize {
        self.channels.lock().expect("hub lock").len()
    }
}

/// What an append may do besides storing the event.
#[derive(Default)]
pub struct AppendOptions<'a> {
    /// Idempotency key of a shopper or agent message.
    pub client_id: Option<&'a str>,
    /// The conversation's new state, stored in the same transaction.
    pub new_state: Option<&'a ConversationState>,
    /// Append only while the conversation's status is one of these (checked in the same UPDATE,
    /// so a concurrent state change cannot be overwritten).
    pub only_if: Option<&'a [&'a str]>,
}

/// Outcome of [`append`].
pub enum Appended {
    /// Stored and published; the conversation's status after the append.
    New(Event, String),
    /// An event with the same client id already exists; nothing was stored.
    Duplicate(Event),
    /// The conversation's status (given) was not one of `only_if`; nothing was stored.
    Refused(String),
}

/// Appends a durable event to a conversation: assigns the next sequence number, stores it (and the
/// new state, if any) in one transaction, then publishes it. `make` builds the event from its
/// sequence number.
pub async fn append(
    state: &AppState,
    conversation_id: &str,
    options: AppendOptions<'_>,
    make: impl FnOnce(u64) -> Event,
) -> ApiResult<Appended> {
    // Held across commit and publish, so subscribers always receive events in sequence order.
    let _writer = state.write_lock.lock().await;
    if let Some(client_id) = options.client_id {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT payload FROM events WHERE conversation_id = ? AND client_id = ?")
                .bind(conversation_id)
                .bind(client_id)
                .fetch_optional(&state.db)
                .await?;
        if let Some(payload) = existing {
            return Ok(Appended::Duplicate(serde_json::from_str(&payload)?));
        }
    }
    let now = now_rfc3339();
    let mut tx = state.db.begin().await?;
    let guard = match options.only_if {
        Some(statuses) => format!(" AND status IN ({})", vec!["?"; statuses.len()].join(", ")),
        None => String::new(),
    };
    let sql = match options.new_state {
        Some(_) => format!(
            "UPDATE conversations SET last_seq = last_seq + 1, updated_at = ?, state = ?, status = ? WHERE id = ?{guard} RETURNING last_seq, agent_id, status"
        ),
        None => format!("UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ?{guard} RETURNING last_seq, agent_id, status"),
    };
    let mut query = sqlx::query_as::<_, (i64, Option<String>, String)>(&sql).bind(&now);
    if let Some(new_state) = options.new_state {
        query = query.bind(serde_json::to_string(new_state)?).bind(new_state.status());
    }
    query = query.bind(conversation_id);
    for s in options.only_if.unwrap_or_default() {
        query = query.bind(*s);
    }
    let Some((seq, holder, status)) = query.fetch_optional(&mut *tx).await? else {
        tx.rollback().await?;
        let current: Option<String> = sqlx::query_scalar("SELECT status FROM conversations WHERE id = ?")
            .bind(conversation_id)
            .fetch_optional(&state.db)
            .await?;
        return match current {
            Some(status) => Ok(Appended::Refused(status)),
            None => Err(ApiError::not_found("unknown_conversation", "This conversation does not exist.")),
        };
    };
    let event = make(seq as u64);
    let kind = event.name();
    sqlx::query("INSERT INTO events (conversation_id, seq, kind, client_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(conversation_id)
        .bind(seq)
        .bind(kind)
        .bind(options.client_id)
        .bind(serde_json::to_string(&event)?)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    state.hub.publish(conversation_id, event.clone());
    if let Some(agent_id) = holder {
        state.agent_hub.send(
            Some(&agent_id),
            tandem_protocol::AgentEvent::Conversation { conversation_id: conversation_id.into(), event: event.clone() },
        );
    }
    Ok(Appended::New(event, status))
}

/// Stored events of a conversation with a sequence number above `after`, in order.
pub async fn load_after(state: &AppState, conversation_id: &str, after: u64) -> ApiResult<Vec<Event>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE conversation_id = ? AND seq > ? ORDER BY seq")
            .bind(conversation_id)
            .bind(after as i64)
            .fetch_all(&state.db)
            .await?;
    rows.iter().map(|r| serde_json::from_str(r).map_err(ApiError::from)).collect()
}

/// Query string of the events endpoint.
#[derive(Deserialize)]
pub struct StreamQuery {
    /// Alternative to the `Last-Event-ID` header.
    after: Option<u64>,
}

/// Reads the replay point from `Last-Event-ID` (or `?after=`); a malformed value is a 400.
fn replay_point(headers: &HeaderMap, query: &StreamQuery) -> ApiResult<u64> {
    match headers.get("last-event-id") {
        Some(v) => v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()).filter(|n| *n <= i64::MAX as u64).ok_or_else(|| {
            ApiError::Invalid {
                status: axum::http::StatusCode::BAD_REQUEST,
                code: "invalid_last_event_id",
                message: "Last-Event-ID must be a sequence number (a non-negative integer).".into(),
                field: None,
            }
        }),
        None => Ok(query.after.unwrap_or(0)),
    }
}

fn to_sse(event: &Event) -> SseEvent {
    let sse = SseEvent::default().event(event.name()).data(serde_json::to_string(event).unwrap_or_default());
    match event.seq() {
        Some(seq) => sse.id(seq.to_string()),
        None => sse,
    }
}

/// The last event of a stream whose server stops: reconnect in a second.
pub fn restart_hint() -> SseEvent {
    SseEvent::default().retry(Duration::from_millis(1000)).comment("server restarting, reconnect")
}

/// `GET /v1/conversations/{id}/events`: the conversation's events as SSE.
pub async fn stream_events(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let Query(query) = query?;
    let row = authorize(&state, &session, &id).await?;
    let after = replay_point(&headers, &query)?;
    // A replay point beyond the log (a client that kept an id from another conversation, or a
    // database restored from a backup) replays everything there is instead of waiting silently
    // for sequence numbers that are already taken by events it never saw.
    let after = if after > row.last_seq { 0 } else { after };
    Ok(sse_for(state, id, after).await)
}

/// Builds the SSE response for a conversation, replaying after `after` then following live events.
/// Shared by the shopper and agent streams.
pub async fn sse_for(state: AppState, id: String, after: u64) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    // Subscribe before reading the backlog: an event committed in between is then in both, and the
    // sequence check below drops the copy.
    let mut rx = state.hub.subscribe(&id);
    let mut stop = state.shutdown.subscribe();
    let stream = async_stream::stream! {
        let mut last = after;
        yield Ok(SseEvent::default().comment("connected"));
        match load_after(&state, &id, last).await {
            Ok(events) => for e in events { last = e.seq().unwrap_or(last); yield Ok(to_sse(&e)); },
            Err(e) => { tracing::warn!(error = %e, "replay failed"); return; }
        }
        loop {
            let next = tokio::select! {
                r = rx.recv() => Some(r),
                _ = stop.wait_for(|s| *s) => None,
            };
            let Some(next) = next else {
                // The server is stopping: the client reconnects (to this or another instance)
                // with its Last-Event-ID, so nothing is lost.
                yield Ok(restart_hint());
                return;
            };
            match next {
                Ok(e) => match e.seq() {
                    Some(seq) if seq <= last => continue,
                    Some(seq) if seq > last + 1 => {
                        // A gap would mean a lost event: fill it from the database instead.
                        match load_after(&state, &id, last).await {
                            Ok(events) => for e in events { last = e.seq().unwrap_or(last); yield Ok(to_sse(&e)); },
                            Err(_) => return,
                        }
                    }
                    Some(seq) => { last = seq; yield Ok(to_sse(&e)); }
                    None => yield Ok(to_sse(&e)),
                },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    match load_after(&state, &id, last).await {
                        Ok(events) => for e in events { last = e.seq().unwrap_or(last); yield Ok(to_sse(&e)); },
                        Err(_) => return,
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
