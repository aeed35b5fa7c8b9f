//! Passing a conversation on: to a named online colleague with free capacity, or back to the
//! front of the queue, always with a note saying why (kept as an internal note of kind
//! `transfer`, which the colleague sees first). The shopper is told in their language.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use tandem_protocol::{Colleague, ConversationState, Transfer};

use crate::agents::AgentSession;
use crate::conversations::MessageText;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::handoff::{held_by, refresh_queue, shopper_voice, system_message, RETURNED_PRIORITY};
use crate::store::{Append, Appended, HandoffMark, QueueEntry, Status};
use crate::{events, notes, AppState};

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/colleagues", get(colleagues))
        .route("/agent/conversations/{id}/transfer", post(transfer))
}

/// Online colleagues (everyone online but the caller), with their languages and load.
async fn colleagues(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<Vec<Colleague>>> {
    let list = state
        .store
        .online_agents()
        .await?
        .into_iter()
        .filter(|a| a.id != agent.agent_id)
        .map(|a| Colleague { id: a.id, display_name: a.display_name, languages: a.languages, active: a.active, capacity: a.capacity })
        .collect();
    Ok(Json(list))
}

async fn transfer(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>, ApiJson(body): ApiJson<Transfer>) -> ApiResult<Json<ConversationState>> {
    let note = MessageText::parse(&body.note).map_err(|_| {
        ApiError::field("note_required", "note", "Say in a few words why you pass this conversation on (at most 2,000 characters).")
    })?;
    held_by(&state, &agent, &id).await?;
    let new_state = match body.to_agent_id.as_deref() {
        Some(to) => to_colleague(&state, &agent, &id, to, note.as_str()).await?,
        None => to_queue(&state, &agent, &id, note.as_str()).await?,
    };
    refresh_queue(&state, &[id.clone()]).await?;
    crate::agents::send_profile(&state, &agent.agent_id).await;
    if let Some(to) = &body.to_agent_id {
        crate::agents::send_profile(&state, to).await;
    }
    Ok(Json(new_state))
}

/// One conditional append: still held by the caller, and the colleague online and below capacity
/// (their row locked, as for a claim).
async fn to_colleague(state: &AppState, agent: &AgentSession, id: &str, to: &str, note: &str) -> ApiResult<ConversationState> {
    if to == agent.agent_id {
        return Err(ApiError::field("own_transfer", "to_agent_id", "You already hold this conversation; choose a colleague."));
    }
    let colleague = state.store.agent_profile(to).await?.ok_or_else(|| ApiError::field("unknown_agent", "to_agent_id", "There is no such colleague."))?;
    if !colleague.online {
        return Err(ApiError::conflict("colleague_offline", format!("{} is offline; choose someone online or pass it to the queue.", colleague.display_name)));
    }
    if colleague.active >= colleague.capacity {
        return Err(ApiError::conflict("colleague_full", format!("{} has no free capacity; choose someone else or pass it to the queue.", colleague.display_name)));
    }
    let new_state = ConversationState::WithAgent { agent_name: colleague.display_name.clone() };
    let mut append = Append::state(id, &[Status::WithAgent], new_state.clone());
    append.held_by = Some(agent.agent_id.clone());
    append.change.assign = Some(Some(to.to_string()));
    append.change.claim_for = Some(to.to_string());
    append.change.mark = Some(HandoffMark::Transferred { agent_id: to.to_string() });
    if !matches!(events::append(state, append).await?, Appended::New(..)) {
        return Err(ApiError::conflict(
            "transfer_refused",
            format!("{} could not take it (offline or full), or the conversation changed. Reload and try again.", colleague.display_name),
        ));
    }
    // The note once the transfer is made (a refused one leaves none), shown live to the colleague.
    let why = format!("Transferred from {} to {}: {note}", agent.display_name, colleague.display_name);
    notes::add(state, agent, id, "transfer", &why, Some(to)).await?;
    let text = shopper_voice(state, id).await?.server("transferred", &[("agent", agent.display_name.clone()), ("colleague", colleague.display_name)]);
    system_message(state, id, &text).await?;
    Ok(new_state)
}

/// Back to the front of the queue (or `awaiting_reply` when nobody else is online).
async fn to_queue(state: &AppState, agent: &AgentSession, id: &str, note: &str) -> ApiResult<ConversationState> {
    let target = crate::handoff::entry_state(state, id, RETURNED_PRIORITY, Some(&agent.agent_id)).await?;
    let mut append = Append::state(id, &[Status::WithAgent], target.clone());
    append.held_by = Some(agent.agent_id.clone());
    append.change.assign = Some(None);
    append.change.enqueue = Some(QueueEntry { reason: None, priority: RETURNED_PRIORITY });
    if !matches!(events::append(state, append).await?, Appended::New(..)) {
        return Err(ApiError::conflict("state_changed", "The conversation changed in the meantime. Reload it and try again."));
    }
    notes::add(state, agent, id, "transfer", &format!("Passed back to the queue by {}: {note}", agent.display_name), None).await?;
    // Nobody else online: the shopper is told so at once and can leave an email.
    let key = if matches!(target, ConversationState::AwaitingReply { .. }) { "nobody_online" } else { "transferred_to_queue" };
    let text = shopper_voice(state, id).await?.server(key, &[("agent", agent.display_name.clone())]);
    system_message(state, id, &text).await?;
    Ok(target)
}
