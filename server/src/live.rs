//! Where live events go: every committed event to this instance's streams (in commit order), and,
//! with PostgreSQL, the other instances' notices to the streams and consoles connected here. A
//! notice carries ids only; the event itself is read from the log.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tandem_protocol::{AgentEvent, Author, Event};

use crate::agents::AgentHub;
use crate::events::Hub;
use crate::store::{Committed, NoticeKind, OnCommit};
use crate::{agents, handoff, AppState};

/// Publishes each event this instance commits to its live streams and to the holding agent.
pub fn on_commit(hub: Arc<Hub>, agent_hub: Arc<AgentHub>) -> OnCommit {
    Arc::new(move |c: &Committed| {
        hub.publish(&c.conversation_id, c.event.clone());
        if let Some(agent) = &c.holder {
            agent_hub.send(Some(agent), AgentEvent::Conversation { conversation_id: c.conversation_id.clone(), event: c.event.clone() });
        }
    })
}

/// Follows the other instances (PostgreSQL only; nothing to follow on SQLite).
pub fn follow_other_instances(state: &AppState) {
    let s = state.clone();
    let queue_pending = Arc::new(AtomicBool::new(false));
    state.store.listen(move |notice| deliver(&s, notice.kind, &queue_pending));
}

fn deliver(state: &AppState, kind: NoticeKind, queue_pending: &Arc<AtomicBool>) {
    match kind {
        NoticeKind::Event { conversation_id, seq, holder } => {
            let followed = state.hub.is_followed(&conversation_id);
            let agent = holder.filter(|a| state.agent_hub.has_console(a));
            if !followed && agent.is_none() {
                return;
            }
            let state = state.clone();
            tokio::spawn(async move {
                match state.store.event(&conversation_id, seq).await {
                    Ok(Some(event)) => {
                        if followed {
                            state.hub.publish(&conversation_id, event.clone());
                        }
                        if let Some(agent) = agent {
                            state.agent_hub.send(Some(&agent), AgentEvent::Conversation { conversation_id, event });
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read a notified event"),
                }
            });
        }
        NoticeKind::Typing { conversation_id, author, active, holder } => {
            let event = Event::Typing { author, active };
            match (author, holder) {
                (Author::Shopper, Some(agent)) => {
                    state.agent_hub.send(Some(&agent), AgentEvent::Conversation { conversation_id, event });
                }
                _ => state.hub.publish(&conversation_id, event),
            }
        }
        NoticeKind::Queue => {
            state.positions_moved.store(true, Ordering::Release);
            if state.agent_hub.connected() == 0 || queue_pending.swap(true, Ordering::AcqRel) {
                return; // nobody here to tell, or a rebuild is already on its way
            }
            let (state, pending) = (state.clone(), queue_pending.clone());
            tokio::spawn(async move {
                // Changes arriving together make one snapshot.
                tokio::time::sleep(Duration::from_millis(30)).await;
                pending.store(false, Ordering::Release);
                match handoff::queue_snapshot(&state).await {
                    Ok(snapshot) => state.agent_hub.send(None, AgentEvent::Queue { snapshot }),
                    Err(e) => tracing::warn!(error = %e, "cannot rebuild the queue for a notice"),
                }
            });
        }
        NoticeKind::QueueChanged { ids } => {
            state.positions_moved.store(true, Ordering::Release);
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::queue::send_change(&state, &ids).await {
                    tracing::warn!(error = %e, "cannot send a notified queue change");
                }
            });
        }
        NoticeKind::Profile { agent_id } => {
            if !state.agent_hub.has_console(&agent_id) {
                return;
            }
            let state = state.clone();
            tokio::spawn(async move {
                if let Ok(profile) = agents::profile(&state, &agent_id).await {
                    state.agent_hub.send(Some(&agent_id), AgentEvent::Profile { profile });
                }
            });
        }
        NoticeKind::SessionEnded { token_hash } => state.store.forget_session(&token_hash),
        NoticeKind::Note { note_id, holder } => {
            if !state.agent_hub.has_console(&holder) {
                return;
            }
            let state = state.clone();
            tokio::spawn(async move {
                if let Ok(Some(note)) = state.store.note(&note_id).await {
                    state.agent_hub.send(Some(&holder), AgentEvent::Note { note });
                }
            });
        }
        NoticeKind::Resync => {
            state.hub.resync_all();
            state.agent_hub.reconnect_all();
        }
    }
}
