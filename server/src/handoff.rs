//! Handing a conversation to a person and back: the queue (first in, first out, with the
//! always-a-person topics ahead), honest positions and wait estimates, leaving an email when no one
//! is available, claiming (exactly one agent wins), handing back, resolving and rating.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use tandem_protocol::{
    Author, ConversationState, Event, HandoffReason, LeaveContact, QueueItem, QueueSnapshot, Rating,
};

use crate::agents::AgentSession;
use crate::conversations::{authorize, load_row, text_message};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::events;
use crate::sessions::ShopperSession;
use crate::routing::Routing;
use crate::store::{ms_to_rfc3339, now_ms, Append, Appended, HandoffMark, ListFilter, QueueEntry, Status};
use crate::{wait, AppState};

/// Queue priority of conversations handed back by an agent who left: they go to the front.
pub const RETURNED_PRIORITY: i64 = 3;

/// Shopper routes of this module (under `/v1`).
pub fn shopper_routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/{id}/handoff", post(request))
        .route("/conversations/{id}/contact", post(leave_contact))
        .route("/conversations/{id}/rating", post(rate))
}

/// Agent routes of this module (under `/v1`).
pub fn agent_routes() -> Router<AppState> {
    Router::new()
        .route("/agent/queue", axum::routing::get(queue))
        .route("/agent/next", post(next))
        .route("/agent/conversations/{id}/claim", post(claim))
        .route("/agent/conversations/{id}/handback", post(handback))
        .route("/agent/conversations/{id}/resolve", post(resolve))
}

/// Queue priority for a handoff reason: the always-a-person topics are served first.
pub fn priority(reason: HandoffReason) -> i64 {
    match reason {
        HandoffReason::SensitiveTopic => 1,
        _ => 0,
    }
}

/// Appends a state change (and stores it as the conversation's state), but only while the
/// conversation's status is one of `from`: a change that raced ahead is never overwritten.
/// Returns whether the change was made.
pub async fn set_state(state: &AppState, id: &str, from: &[Status], new_state: &ConversationState) -> ApiResult<bool> {
    transition(state, Append::state(id, from, new_state.clone())).await
}

/// Appends a state change with more to it (see [`Change`]); whether it was made.
async fn transition(state: &AppState, append: Append) -> ApiResult<bool> {
    Ok(matches!(events::append(state, append).await?, Appended::New(..)))
}

/// A 409 for an action that lost a race with another state change.
fn changed() -> ApiError {
    ApiError::conflict("state_changed", "The conversation changed in the meantime. Reload it and try again.")
}

/// Why an agent's conversations go back to the queue: a `[server]` template of the pack
/// (`agent_left`, `agent_disconnected`) and the agent's name.
pub struct Why<'a> {
    pub key: &'static str,
    pub agent: &'a str,
}

/// The voice the server writes to a conversation's shopper with: the conversation's language,
/// the configured support hours.
pub async fn shopper_voice<'a>(state: &'a AppState, id: &str) -> ApiResult<tandem_assistant::Voice<'a>> {
    let locale = state.store.conversation(id).await?.map(|row| row.locale);
    Ok(state.assistant.voice(locale.as_deref().unwrap_or_default(), state.config.support_hours))
}

/// Appends a system message (shown to the shopper and the agent).
pub async fn system_message(state: &AppState, id: &str, text: &str) -> ApiResult<()> {
    events::append(state, Append::event(id, Event::Message { message: text_message(0, Author::System, None, None, text) })).await?;
    Ok(())
}

/// `POST /v1/conversations/{id}/handoff`: one request is enough; asking again changes nothing.
async fn request(State(state): State<AppState>, session: ShopperSession, Path(id): Path<String>) -> ApiResult<Json<ConversationState>> {
    let row = authorize(&state, &session, &id).await?;
    if matches!(row.state, ConversationState::Resolved { .. }) {
        return Err(ApiError::conflict("conversation_closed", "This conversation has ended. Start a new conversation to talk to a person."));
    }
    Ok(Json(to_person(&state, &id, HandoffReason::Requested).await?))
}

/// Average handling time of the last 20 resolved conversations (seconds), or the default.
pub(crate) async fn average_handling_secs(state: &AppState) -> ApiResult<f64> {
    let secs = state.store.recent_handling_secs(20).await?;
    // Until a few conversations were handled, their times say little.
    Ok(if secs.len() < 5 { wait::DEFAULT_AHT_SECS } else { secs.iter().sum::<f64>() / secs.len() as f64 })
}

/// The state a conversation enters the queue with at `priority`: its position behind everyone
/// already waiting at that priority or above, with an estimate, so the shopper never sees a
/// placeholder (refresh_queue renumbers when others move); `awaiting_reply` when nobody (but
/// `except`, the agent passing it on) is online.
pub async fn entry_state(state: &AppState, id: &str, priority: i64, except: Option<&str>) -> ApiResult<ConversationState> {
    let routing = Routing::load(state).await?.without(except);
    if routing.agents().is_empty() {
        return Ok(ConversationState::AwaitingReply { contact: None });
    }
    let position = state.store.queued_at_or_above(priority).await? + 1;
    let locale = load_row(state, id).await?.locale;
    Ok(routing.queued(position, &locale, now_ms()))
}

/// Moves a conversation from the assistant to a person: the queue when someone is online within
/// support hours, otherwise `awaiting_reply` at once. The transition itself is one conditional
/// append, so two requests at once (the button and the assistant's own handoff) make one handoff;
/// nothing changes if a person has it, it already waits, or it has ended.
pub async fn to_person(state: &AppState, id: &str, reason: HandoffReason) -> ApiResult<ConversationState> {
    let open = state.config.support_hours.is_open(Utc::now());
    let target = if !open { ConversationState::AwaitingReply { contact: None } } else { entry_state(state, id, priority(reason), None).await? };
    // One transaction: the state, the queue order and the handoff record change together.
    let mut append = Append::state(id, &[Status::Assistant], target.clone());
    append.change.enqueue = Some(QueueEntry { reason: Some(reason.as_str().into()), priority: priority(reason) });
    if !transition(state, append).await? {
        return Ok(load_row(state, id).await?.state);
    }
    if matches!(target, ConversationState::AwaitingReply { .. }) {
        let text = shopper_voice(state, id).await?.server(if open { "nobody_online" } else { "outside_hours" }, &[]);
        system_message(state, id, &text).await?;
        crate::queue::changed(state, &[id.to_string()]).await?;
        return Ok(target);
    }
    refresh_queue(state, &[id.to_string()]).await?;
    let row = load_row(state, id).await?;
    crate::queue::current(state, id, &row).await
}

/// Puts a conversation an agent held back at the front of the queue and tells the shopper. Does
/// nothing if it is no longer with an agent (resolved or handed back meanwhile).
pub async fn return_to_queue(state: &AppState, id: &str, why: &Why<'_>) -> ApiResult<()> {
    // With nobody else online the shopper is not put in a queue that cannot move: they are told at
    // once and can leave an email.
    let target = entry_state(state, id, RETURNED_PRIORITY, None).await?;
    let alone = matches!(target, ConversationState::AwaitingReply { .. });
    let mut append = Append::state(id, &[Status::WithAgent], target);
    append.change.assign = Some(None);
    append.change.enqueue = Some(QueueEntry { reason: None, priority: RETURNED_PRIORITY });
    if !transition(state, append).await? {
        return Ok(());
    }
    let key = if alone { format!("{}_alone", why.key) } else { why.key.to_string() };
    let text = shopper_voice(state, id).await?.server(&key, &[("agent", why.agent.to_string())]);
    system_message(state, id, &text).await?;
    Ok(())
}

/// After conversations `ids` entered, moved in or left the queue: agents are sent the change and
/// waiting shoppers' positions are refreshed (`queue.rs`). When nobody is online or support hours
/// are over, every queued shopper is moved to `awaiting_reply` and told so at once.
pub async fn refresh_queue(state: &AppState, ids: &[String]) -> ApiResult<()> {
    let capacity = state.store.capacity().await?;
    let open = state.config.support_hours.is_open(Utc::now());
    let mut changed = ids.to_vec();
    if capacity.agents == 0 || !open {
        // Nobody can pick these up: the shoppers are told now, in their language, and can leave
        // an email instead of waiting in a queue that does not move.
        for item in state.store.list(ListFilter::Queued).await? {
            let id = &item.id;
            if set_state(state, id, &[Status::Queued], &ConversationState::AwaitingReply { contact: None }).await? {
                let text = shopper_voice(state, id).await?.server(if open { "nobody_online" } else { "outside_hours" }, &[]);
                system_message(state, id, &text).await?;
                changed.push(id.clone());
            }
        }
    }
    // Positions are computed when read and refreshed on open streams (see `queue.rs`): nothing is
    // written for the conversations behind.
    crate::queue::changed(state, &changed).await
}

/// Conversations as list items.
pub async fn items(state: &AppState, filter: ListFilter<'_>) -> ApiResult<Vec<QueueItem>> {
    let routing = Routing::load(state).await?;
    Ok(state
        .store
        .list(filter)
        .await?
        .into_iter()
        .map(|c| QueueItem {
            reserved_until: match (c.status, c.queued_ms) {
                (Status::Queued, Some(q)) => routing.reserved_until(&c.locale, q).map(ms_to_rfc3339),
                _ => None,
            },
            locale: Some(c.locale),
            position: match c.state {
                ConversationState::Queued { position, .. } => Some(position),
                _ => None,
            },
            conversation_id: c.id,
            status: c.status.as_str().into(),
            topic: c.topic,
            handoff_reason: c.handoff_reason,
            priority: c.priority,
            waiting_since: c.queued_ms.map(ms_to_rfc3339),
            contact: c.contact,
            shopper_name: c.shopper_name,
            preview: c.preview,
        })
        .collect())
}

/// The queue as agents see it: queued conversations in serving order, then those awaiting a reply.
pub async fn queue_snapshot(state: &AppState) -> ApiResult<QueueSnapshot> {
    let mut list = items(state, ListFilter::Queued).await?;
    list.extend(items(state, ListFilter::AwaitingReply).await?);
    let capacity = state.store.capacity().await?;
    Ok(QueueSnapshot { items: list, agents_online: capacity.agents, free_slots: capacity.free })
}

async fn queue(State(state): State<AppState>, _agent: AgentSession) -> ApiResult<Json<QueueSnapshot>> {
    Ok(Json(queue_snapshot(&state).await?))
}

/// Claims a conversation for an agent: one transaction whose statement requires the conversation
/// to still wait and the agent to be online and below capacity, so of two agents claiming at once
/// (on any instances) exactly one wins.
pub async fn claim_for(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<()> {
    let profile = state.store.agent_profile(&agent.agent_id).await?;
    let Some(profile) = profile else { return Err(ApiError::unauthorized("invalid_agent_session", "Log in to the console first.")) };
    if !profile.online {
        return Err(ApiError::Forbidden("Go online before taking conversations.".into()));
    }
    if profile.active >= profile.capacity {
        return Err(at_capacity(profile.active));
    }
    let row = load_row(state, id).await?;
    if let (Status::Queued, Some(queued_ms)) = (row.status, row.queued_ms) {
        let routing = Routing::load(state).await?;
        if !routing.offered_to(&profile.languages, &row.locale, queued_ms) {
            let until = routing.reserved_until(&row.locale, queued_ms).unwrap_or(queued_ms);
            let secs = ((until - now_ms()).max(0) + 999) / 1000;
            return Err(ApiError::conflict(
                "reserved_for_language",
                format!("This conversation is in '{}' and waits {secs} more seconds for a colleague who speaks it; take another one.", row.locale),
            ));
        }
    }
    let mut append = Append::state(id, &[Status::Queued, Status::AwaitingReply], ConversationState::WithAgent { agent_name: agent.display_name.clone() });
    append.change.assign = Some(Some(agent.agent_id.clone()));
    append.change.claim_for = Some(agent.agent_id.clone());
    append.change.mark = Some(HandoffMark::Claimed { agent_id: agent.agent_id.clone() });
    match events::append(state, append).await? {
        Appended::New(..) => {}
        Appended::Refused(Status::Queued | Status::AwaitingReply) => {
            // Still waiting, so the agent's own condition failed meanwhile.
            let profile = state.store.agent_profile(&agent.agent_id).await?;
            return Err(match profile {
                Some(p) if !p.online => ApiError::Forbidden("Go online before taking conversations.".into()),
                Some(p) => at_capacity(p.active),
                None => ApiError::unauthorized("invalid_agent_session", "Log in to the console first."),
            });
        }
        _ => return Err(ApiError::conflict("already_claimed", "Another agent has already taken this conversation.")),
    }
    refresh_queue(state, &[id.to_string()]).await?;
    crate::agents::send_profile(state, &agent.agent_id).await;
    Ok(())
}

fn at_capacity(active: u32) -> ApiError {
    ApiError::conflict("at_capacity", format!("You already have {active} conversations, your capacity. Resolve or hand one back first."))
}

async fn claim(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<tandem_protocol::AgentConversation>> {
    claim_for(&state, &agent, &id).await?;
    Ok(Json(crate::desk::view(&state, &agent, &id).await?))
}

/// `POST /v1/agent/next`: claims the conversation at the head of the queue.
async fn next(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<tandem_protocol::AgentConversation>> {
    // Another agent may win the head between reading and claiming: then try the next one.
    for _ in 0..5 {
        let Some(id) = first_offered(&state, &agent).await? else { break };
        match claim_for(&state, &agent, &id).await {
            Ok(()) => return Ok(Json(crate::desk::view(&state, &agent, &id).await?)),
            Err(ApiError::Conflict { code: "already_claimed", .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::not_found("queue_empty", "Nobody is waiting in the queue right now."))
}

/// The first queued conversation the agent may take now (its language, or anyone's turn).
async fn first_offered(state: &AppState, agent: &AgentSession) -> ApiResult<Option<String>> {
    let languages = state.store.agent_profile(&agent.agent_id).await?.map(|p| p.languages).unwrap_or_default();
    let routing = Routing::load(state).await?;
    Ok(state.store.queued().await?.into_iter().find(|w| routing.offered_to(&languages, &w.locale, w.queued_ms)).map(|w| w.id))
}

/// Checks that the agent holds the conversation (403 for another agent's, 409 when nobody holds it).
pub async fn held_by(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<()> {
    let row = state.store.conversation(id).await?;
    match row.map(|r| (r.agent_id, r.status)) {
        None => Err(ApiError::not_found("unknown_conversation", "This conversation does not exist.")),
        Some((Some(a), Status::WithAgent)) if a == agent.agent_id => Ok(()),
        Some((Some(_), Status::WithAgent)) => Err(ApiError::Forbidden("Another agent holds this conversation.".into())),
        Some(_) => Err(ApiError::conflict("not_assigned", "You do not hold this conversation. Claim it first.")),
    }
}

async fn handback(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<ConversationState>> {
    held_by(&state, &agent, &id).await?;
    let text = shopper_voice(&state, &id).await?.server("handed_back", &[("agent", agent.display_name.clone())]);
    system_message(&state, &id, &text).await?;
    let mut append = Append::state(&id, &[Status::WithAgent], ConversationState::Assistant);
    append.change.assign = Some(None);
    append.change.mark = Some(HandoffMark::Resolved);
    if !transition(&state, append).await? {
        return Err(changed());
    }
    refresh_queue(&state, &[id.clone()]).await?;
    crate::agents::send_profile(&state, &agent.agent_id).await;
    Ok(Json(ConversationState::Assistant))
}

async fn resolve(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<ConversationState>> {
    held_by(&state, &agent, &id).await?;
    let resolved = ConversationState::Resolved { rating: None };
    let mut append = Append::state(&id, &[Status::WithAgent], resolved.clone());
    append.change.mark = Some(HandoffMark::Resolved);
    if !transition(&state, append).await? {
        return Err(changed());
    }
    refresh_queue(&state, &[id.clone()]).await?;
    crate::agents::send_profile(&state, &agent.agent_id).await;
    Ok(Json(resolved))
}

/// Checks an email address for plausibility: one `@`, a dotted domain, no spaces, at most 254.
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else { return false };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

async fn leave_contact(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LeaveContact>,
) -> ApiResult<Json<ConversationState>> {
    let row = authorize(&state, &session, &id).await?;
    if !valid_email(&body.email) {
        return Err(ApiError::field("invalid_email", "email", "That does not look like an email address, e.g. name@example.com."));
    }
    if !matches!(row.state, ConversationState::AwaitingReply { .. }) {
        return Err(ApiError::conflict("not_awaiting_reply", "An email address is only needed while no one is available."));
    }
    let email = body.email.trim().to_string();
    let new_state = ConversationState::AwaitingReply { contact: Some(email.clone()) };
    let mut append = Append::state(&id, &[Status::AwaitingReply], new_state.clone());
    append.change.contact = Some(email);
    if !transition(&state, append).await? {
        return Err(changed());
    }
    crate::queue::changed(&state, &[id.clone()]).await?;
    Ok(Json(new_state))
}

async fn rate(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rating>,
) -> ApiResult<(StatusCode, Json<ConversationState>)> {
    let row = authorize(&state, &session, &id).await?;
    if !(1..=5).contains(&body.score) {
        return Err(ApiError::field("invalid_score", "score", "The rating must be a whole number from 1 to 5."));
    }
    let comment = body.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > tandem_protocol::MAX_MESSAGE_CHARS) {
        return Err(ApiError::field("comment_too_long", "comment", "The comment is too long; the limit is 2,000 characters."));
    }
    if !matches!(row.state, ConversationState::Resolved { .. }) {
        return Err(ApiError::conflict("not_resolved", "You can rate the conversation once it has ended."));
    }
    let new_state = ConversationState::Resolved { rating: Some(body.score) };
    let mut append = Append::state(&id, &[Status::Resolved], new_state.clone());
    append.change.rating = Some((i64::from(body.score), comment.map(str::to_string)));
    if !transition(&state, append).await? {
        return Err(changed());
    }
    Ok((StatusCode::OK, Json(new_state)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(valid_email("alex@example.com"));
        assert!(!valid_email("alex@example"));
        assert!(!valid_email("alex example@x.com"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a@b@c.com"));
    }

}
