//! The queue's live side, at a cost that does not grow with the queue: consoles are sent the
//! conversations that changed (never the whole queue, except when a stream opens); a waiting
//! shopper's position is computed when read, and the positions of the shoppers whose streams are
//! open here are refreshed at most once a second with a live-only state update (not stored), so a
//! handoff or a claim writes nothing for everyone behind it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tandem_protocol::{AgentEvent, ConversationState, Event, QueueChange};

use crate::error::ApiResult;
use crate::routing::Routing;
use crate::store::{ConversationRow, ListFilter, NoticeKind, Status, Waiting};
use crate::{handoff, AppState};

/// More conversations than this in one change: consoles get a whole new snapshot instead.
const MAX_IDS_PER_CHANGE: usize = 50;

/// Tells consoles on every instance that these conversations entered, changed in or left the
/// queue (an empty list: only the number of agents or free slots changed), and has waiting
/// shoppers' positions refreshed.
pub async fn changed(state: &AppState, ids: &[String]) -> ApiResult<()> {
    state.positions_moved.store(true, Ordering::Release);
    if ids.len() > MAX_IDS_PER_CHANGE {
        if state.agent_hub.connected() > 0 {
            let snapshot = handoff::queue_snapshot(state).await?;
            state.agent_hub.send(None, AgentEvent::Queue { snapshot });
        }
        state.store.notify(&[NoticeKind::Queue]).await?;
        return Ok(());
    }
    send_change(state, ids).await?;
    state.store.notify(&[NoticeKind::QueueChanged { ids: ids.to_vec() }]).await?;
    Ok(())
}

/// Sends the consoles connected to this instance the change for `ids` (nothing without consoles).
pub async fn send_change(state: &AppState, ids: &[String]) -> ApiResult<()> {
    if state.agent_hub.connected() == 0 {
        return Ok(());
    }
    let listed = handoff::items(state, ListFilter::Ids(ids)).await?;
    let capacity = state.store.capacity().await?;
    // Listed but no longer waiting, or no longer listed at all (erased): removed.
    let upsert: Vec<_> = listed.into_iter().filter(|i| i.status == Status::Queued.as_str() || i.status == Status::AwaitingReply.as_str()).collect();
    let remove: Vec<String> = ids.iter().filter(|id| !upsert.iter().any(|u| &u.conversation_id == *id)).cloned().collect();
    let change = QueueChange { upsert, remove, agents_online: capacity.agents, free_slots: capacity.free };
    state.agent_hub.send(None, AgentEvent::QueueChange { change });
    Ok(())
}

/// The state a conversation shows now: a queued one with its position and estimate as of this
/// moment (stored states keep the position they entered with).
pub async fn current(state: &AppState, id: &str, row: &ConversationRow) -> ApiResult<ConversationState> {
    if !matches!(row.state, ConversationState::Queued { .. }) {
        return Ok(row.state.clone());
    }
    let Some(position) = state.store.queue_position(id).await? else { return Ok(row.state.clone()) };
    Ok(Routing::load(state).await?.queued(position, &row.locale, row.queued_ms.unwrap_or_default()))
}

/// Once a second, when the queue moved: the shoppers waiting with a stream open on this instance
/// get their new position and estimate (one query for the order, whatever the queue's length;
/// only changed positions are sent).
pub fn spawn_position_updates(state: AppState) {
    tokio::spawn(async move {
        let mut sent: HashMap<String, ConversationState> = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !state.positions_moved.swap(false, Ordering::AcqRel) {
                continue;
            }
            if let Err(e) = refresh_positions(&state, &mut sent).await {
                tracing::warn!(error = %e, "refreshing queue positions failed");
                state.positions_moved.store(true, Ordering::Release);
            }
        }
    });
}

async fn refresh_positions(state: &AppState, sent: &mut HashMap<String, ConversationState>) -> ApiResult<()> {
    let queue = state.store.queued().await?;
    sent.retain(|id, _| queue.iter().any(|w| &w.id == id));
    let followed: Vec<(usize, &Waiting)> = queue.iter().enumerate().filter(|(_, w)| state.hub.is_followed(&w.id)).collect();
    if followed.is_empty() {
        return Ok(());
    }
    let routing = Routing::load(state).await?;
    for (i, w) in followed {
        let now = routing.queued(i as u32 + 1, &w.locale, w.queued_ms);
        if sent.get(&w.id) != Some(&now) {
            state.hub.publish(&w.id, Event::State { seq: 0, state: now.clone() });
            sent.insert(w.id.clone(), now);
        }
    }
    Ok(())
}
