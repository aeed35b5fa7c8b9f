//! Agents' live presence: the console stream (`GET /v1/agent/events`), the heartbeat each instance
//! writes for the consoles connected to it, and the sweeper that takes an agent offline once no
//! instance has seen their console for the configured time. Presence lives in the database, so an
//! instance that dies takes its agents offline after the time-to-live, and no instance ever takes
//! another instance's agents offline.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use tandem_protocol::AgentEvent;
use tokio::sync::broadcast;

use crate::agents::AgentSession;
use crate::error::ApiResult;
use crate::store::now_ms;
use crate::{agents, handoff, AppState};

/// What the agents' channel carries.
#[derive(Clone, Debug)]
enum AgentLive {
    /// An event for one agent (`Some(id)`) or all (`None`).
    Event(Option<String>, AgentEvent),
    /// Events may have been missed: every console reconnects and refetches.
    Reconnect,
    /// The agent's access ended (disabled): their consoles' streams end.
    End(String),
}

/// Live events for agents' consoles on this instance, and which consoles are connected here.
pub struct AgentHub {
    tx: broadcast::Sender<AgentLive>,
    consoles: Mutex<HashMap<String, usize>>,
}

impl Default for AgentHub {
    fn default() -> Self {
        AgentHub { tx: broadcast::channel(1024).0, consoles: Mutex::new(HashMap::new()) }
    }
}

impl AgentHub {
    /// Sends an event to one agent (`Some(id)`) or to all (`None`).
    pub fn send(&self, to: Option<&str>, event: AgentEvent) {
        let _ = self.tx.send(AgentLive::Event(to.map(Into::into), event));
    }

    /// Ends every console stream on this instance; the consoles reconnect and refetch.
    pub fn reconnect_all(&self) {
        let _ = self.tx.send(AgentLive::Reconnect);
    }

    /// Ends the agent's console streams on this instance (the agent was disabled).
    pub fn end(&self, agent_id: &str) {
        let _ = self.tx.send(AgentLive::End(agent_id.into()));
    }

    fn connect(&self, agent_id: &str) {
        *self.consoles.lock().expect("consoles lock").entry(agent_id.into()).or_insert(0) += 1;
    }

    fn disconnect(&self, agent_id: &str) {
        let mut consoles = self.consoles.lock().expect("consoles lock");
        if let Some(n) = consoles.get_mut(agent_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                consoles.remove(agent_id);
            }
        }
    }

    /// Agents with a console connected to this instance.
    pub fn local_agents(&self) -> Vec<String> {
        self.consoles.lock().expect("consoles lock").keys().cloned().collect()
    }

    /// Whether the agent has a console connected to this instance.
    pub fn has_console(&self, agent_id: &str) -> bool {
        self.consoles.lock().expect("consoles lock").contains_key(agent_id)
    }

    /// Consoles connected to this instance (metrics).
    pub fn connected(&self) -> usize {
        self.consoles.lock().expect("consoles lock").values().sum()
    }
}

/// Counts a console stream while it is open; when it ends, the agent's last-seen time is set, so
/// the time-to-live runs from the moment the console went away.
struct Connected {
    state: AppState,
    agent_id: String,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.state.agent_hub.disconnect(&self.agent_id);
        let (store, id) = (self.state.store.clone(), self.agent_id.clone());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = store.heartbeat(&[id], now_ms()).await;
            });
        }
    }
}

/// `GET /v1/agent/events`: the queue, the agent's conversations and profile, live.
pub async fn events(
    State(state): State<AppState>,
    agent: AgentSession,
    axum::Extension(address): axum::Extension<crate::limits::ClientAddress>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let limit = state.limits.open_stream(&format!("agent:{}", agent.agent_id), address.0)?;
    let mut rx = state.agent_hub.tx.subscribe();
    state.agent_hub.connect(&agent.agent_id);
    let guard = Connected { state: state.clone(), agent_id: agent.agent_id.clone() };
    state.store.heartbeat(std::slice::from_ref(&agent.agent_id), now_ms()).await?;
    let snapshot = handoff::queue_snapshot(&state).await?;
    let me = agent.agent_id.clone();
    let mut stop = state.shutdown.subscribe();
    let stream = async_stream::stream! {
        let _guard = guard;
        let _limit = limit;
        yield Ok(SseEvent::default().comment("connected"));
        yield Ok(to_sse(&AgentEvent::Queue { snapshot }));
        loop {
            let next = tokio::select! {
                r = rx.recv() => Some(r),
                _ = stop.wait_for(|s| *s) => None,
            };
            let Some(next) = next else {
                yield Ok(crate::events::restart_hint());
                return;
            };
            match next {
                Ok(AgentLive::Event(to, event)) if to.as_deref().is_none_or(|t| t == me) => yield Ok(to_sse(&event)),
                Ok(AgentLive::Event(..)) => continue,
                // Missed events (a slow console, or lost notices between instances): end the
                // stream; the console reconnects and refetches its queue and transcripts.
                Ok(AgentLive::Reconnect) => { yield Ok(crate::events::restart_hint()); return; }
                Ok(AgentLive::End(who)) if who == me => return,
                Ok(AgentLive::End(_)) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn to_sse(event: &AgentEvent) -> SseEvent {
    let name = match event {
        AgentEvent::Queue { .. } => "queue",
        AgentEvent::QueueChange { .. } => "queue_change",
        AgentEvent::Conversation { .. } => "conversation",
        AgentEvent::Profile { .. } => "profile",
        AgentEvent::Note { .. } => "note",
    };
    SseEvent::default().event(name).data(serde_json::to_string(event).unwrap_or_default())
}

/// How often this instance refreshes the heartbeat of the consoles connected to it: a third of
/// the time-to-live, between 0.2 and 5 seconds.
pub fn heartbeat_interval(timeout: Duration) -> Duration {
    (timeout / 3).clamp(Duration::from_millis(200), Duration::from_secs(5))
}

/// Starts the heartbeat and the sweeper. Every second the sweeper takes offline the agents no
/// instance has seen for the time-to-live (after one time-to-live from start, so consoles that
/// were connected before a restart can reconnect first), and once a minute outside support hours
/// moves waiting shoppers to `awaiting_reply`.
pub fn spawn_sweeper(state: AppState) {
    let timeout = Duration::from_secs(state.config.agent_timeout_secs);
    let beats = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(heartbeat_interval(timeout));
        loop {
            tick.tick().await;
            let local = beats.agent_hub.local_agents();
            if !local.is_empty() {
                if let Err(e) = beats.store.heartbeat(&local, now_ms()).await {
                    tracing::warn!(error = %e, "presence heartbeat failed");
                }
            }
        }
    });
    tokio::spawn(async move {
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            ticks += 1;
            // Support hours can end while shoppers wait: once a minute the queue is checked.
            if ticks % 60 == 0 && !state.config.support_hours.is_open(chrono::Utc::now()) {
                if let Err(e) = handoff::refresh_queue(&state, &[]).await {
                    tracing::warn!(error = %e, "queue check at the end of support hours failed");
                }
            }
            // Disabled agents: their streams here end, their conversations go back to the queue.
            if let Err(e) = end_disabled(&state).await {
                tracing::warn!(error = %e, "checking for disabled agents failed");
            }
            // Questions stored by an instance that died before answering are answered here.
            if ticks % 5 == 0 {
                if let Err(e) = crate::conversations::answer_stranded(&state).await {
                    tracing::warn!(error = %e, "answering stranded questions failed");
                }
            }
            if started.elapsed() <= timeout {
                continue;
            }
            let cutoff = now_ms() - timeout.as_millis() as i64;
            let gone = match state.store.gone_agents(cutoff).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "sweeper query failed");
                    continue;
                }
            };
            for (id, name) in gone {
                if state.agent_hub.has_console(&id) {
                    continue; // connected here; the next heartbeat says so
                }
                match state.store.take_offline_if_gone(&id, cutoff).await {
                    Ok(true) => {
                        tracing::info!(agent = %id, "agent console gone; taking the agent offline");
                        let why = handoff::Why { key: "agent_disconnected", agent: &name };
                        if let Err(e) = agents::requeue_held(&state, &id, &why).await {
                            tracing::warn!(error = %e, "returning a vanished agent's conversations failed");
                        }
                    }
                    Ok(false) => {} // seen again meanwhile, or another instance did it
                    Err(e) => tracing::warn!(error = %e, "taking a vanished agent offline failed"),
                }
            }
        }
    });
}

/// Ends the console streams on this instance of agents who were disabled (by the admin API on any
/// instance, or the `agent disable` command), and takes disabled agents offline, requeuing what they held.
async fn end_disabled(state: &AppState) -> crate::store::StoreResult<()> {
    let local = state.agent_hub.local_agents();
    if !local.is_empty() {
        for id in state.store.disabled_among(&local).await? {
            state.agent_hub.end(&id);
        }
    }
    for (id, name) in state.store.disabled_online().await? {
        if state.store.take_disabled_offline(&id).await? {
            tracing::info!(agent = %id, "agent disabled; their conversations go back to the queue");
            let why = handoff::Why { key: "agent_left", agent: &name };
            if let Err(e) = agents::requeue_held(state, &id, &why).await {
                tracing::warn!(error = %e, "returning a disabled agent's conversations failed");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heartbeat_is_well_inside_the_time_to_live() {
        assert_eq!(heartbeat_interval(Duration::from_secs(60)), Duration::from_secs(5));
        assert_eq!(heartbeat_interval(Duration::from_secs(1)), Duration::from_secs(1) / 3);
        assert_eq!(heartbeat_interval(Duration::from_millis(300)), Duration::from_millis(200));
    }
}
