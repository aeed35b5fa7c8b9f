//! A conversation's event stream: durable events (messages, state changes) are appended through the
//! store with the next per-conversation sequence number, committed, then published to live subscribers;
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
use tandem_protocol::Event;
use tokio::sync::broadcast;

use crate::conversations::authorize;
use crate::error::{ApiError, ApiResult};
use crate::sessions::ShopperSession;
use crate::store::{Append, Appended};
use crate::AppState;

/// Events buffered per conversation for slow subscribers; one that falls further behind catches up
/// from the database instead. Small, because each open conversation holds one such buffer.
const CHANNEL_CAPACITY: usize = 16;

/// What a conversation's live channel carries.
#[derive(Clone, Debug)]
pub enum Live {
    /// An event (stored ones carry their sequence number), shared by every subscriber.
    Event(std::sync::Arc<Event>),
    /// Events may have been missed (another instance's notices were lost): re-read the log.
    Resync,
}

/// Live subscribers per conversation.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<Live>>>,
}

impl Hub {
    /// Subscribes to a conversation's live events.
    pub fn subscribe(&self, conversation_id: &str) -> broadcast::Receiver<Live> {
        let mut channels = self.channels.lock().expect("hub lock");
        channels.entry(conversation_id.to_string()).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    /// Subscribes with a guard that frees the conversation's channel when its last subscriber goes
    /// (abandoned streams leave nothing behind).
    pub fn follow(self: &std::sync::Arc<Self>, conversation_id: &str) -> Subscription {
        Subscription { hub: self.clone(), id: conversation_id.to_string(), rx: Some(self.subscribe(conversation_id)) }
    }

    /// Sends an event to the conversation's live subscribers, if any.
    pub fn publish(&self, conversation_id: &str, event: Event) {
        self.send(conversation_id, Live::Event(std::sync::Arc::new(event)));
    }

    fn send(&self, conversation_id: &str, live: Live) {
        let mut channels = self.channels.lock().expect("hub lock");
        if let Some(tx) = channels.get(conversation_id) {
            if tx.send(live).is_err() {
                // Nobody listens any more; drop the channel so the map does not grow forever.
                channels.remove(conversation_id);
            }
        }
    }

    /// Whether anyone on this instance follows the conversation.
    pub fn is_followed(&self, conversation_id: &str) -> bool {
        self.channels.lock().expect("hub lock").get(conversation_id).is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// Tells every stream on this instance to re-read its log.
    pub fn resync_all(&self) {
        let ids: Vec<String> = self.channels.lock().expect("hub lock").keys().cloned().collect();
        for id in ids {
            self.send(&id, Live::Resync);
        }
    }

    /// Live channels held on this instance, followed or not (tests check abandoned ones go).
    pub fn channel_count(&self) -> usize {
        self.channels.lock().expect("hub lock").len()
    }

    /// Number of conversations someone follows on this instance now (for metrics).
    pub fn open_channels(&self) -> usize {
        self.channels.lock().expect("hub lock").values().filter(|tx| tx.receiver_count() > 0).count()
    }
}

/// A live subscription to one conversation; dropping it frees the channel if it was the last.
pub struct Subscription {
    hub: std::sync::Arc<Hub>,
    id: String,
    rx: Option<broadcast::Receiver<Live>>,
}

impl Subscription {
    /// The next live event (see `broadcast::Receiver::recv`).
    pub async fn recv(&mut self) -> Result<Live, broadcast::error::RecvError> {
        match self.rx.as_mut() {
            Some(rx) => rx.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut channels = self.hub.channels.lock().expect("hub lock");
        drop(self.rx.take());
        if channels.get(&self.id).is_some_and(|tx| tx.receiver_count() == 0) {
            channels.remove(&self.id);
        }
    }
}

/// Appends through the store (see [`crate::store::Append`]); an unknown conversation is a 404.
pub async fn append(state: &AppState, append: Append) -> ApiResult<Appended> {
    match state.store.append(append).await? {
        Appended::Missing => Err(ApiError::not_found("unknown_conversation", "This conversation does not exist.")),
        other => Ok(other),
    }
}

/// Stored events of a conversation with a sequence number above `after`, in order.
pub async fn load_after(state: &AppState, conversation_id: &str, after: u64) -> ApiResult<Vec<Event>> {
    Ok(state.store.events_after(conversation_id, after).await?)
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
    axum::Extension(address): axum::Extension<crate::limits::ClientAddress>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let Query(query) = query?;
    // Subscribed before the conversation is read: an event committed after that read arrives
    // live, and one committed before it counts in `last_seq`, so a client that has everything up
    // to `last_seq` (a new conversation, a reconnect) needs no read of the backlog. An event in
    // both is dropped by the sequence check below.
    let rx = state.hub.follow(&id);
    let row = authorize(&state, &session, &id).await?;
    let guard = state.limits.open_stream(crate::limits::bearer(&headers).unwrap_or_default(), address.0)?;
    let after = replay_point(&headers, &query)?;
    // A replay point beyond the log (a client that kept an id from another conversation, or a
    // database restored from a backup) replays everything there is instead of waiting silently
    // for sequence numbers that are already taken by events it never saw.
    let after = if after > row.last_seq { 0 } else { after };
    Ok(sse_for(state, id, after, after < row.last_seq, rx, guard))
}

/// Builds the SSE response for a conversation followed by `rx` (subscribed before `after` was
/// known to be current): the backlog after `after` when `replay`, then live events.
fn sse_for(
    state: AppState,
    id: String,
    after: u64,
    replay: bool,
    mut rx: Subscription,
    guard: crate::limits::StreamGuard,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let mut stop = state.shutdown.subscribe();
    let stream = async_stream::stream! {
        let _guard = guard;
        let mut last = after;
        yield Ok(SseEvent::default().comment("connected"));
        if replay {
            match load_after(&state, &id, last).await {
                Ok(events) => for e in events { last = e.seq().unwrap_or(last); yield Ok(to_sse(&e)); },
                Err(e) => { tracing::warn!(error = %e, "replay failed"); return; }
            }
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
                Ok(Live::Resync) => {
                    match load_after(&state, &id, last).await {
                        Ok(events) if events.is_empty() => {
                            // An erased or removed conversation ends its streams.
                            if !matches!(state.store.conversation(&id).await, Ok(Some(_))) { return; }
                        }
                        Ok(events) => for e in events { last = e.seq().unwrap_or(last); yield Ok(to_sse(&e)); },
                        Err(_) => return,
                    }
                }
                Ok(Live::Event(e)) => match e.seq() {
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
