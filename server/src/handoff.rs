//! Handing a conversation to a person and back: the queue (first in, first out, with the
//! always-a-person topics ahead), honest positions and wait estimates, leaving an email when no one
//! is available, claiming (exactly one agent wins), handing back, resolving and rating.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use tandem_protocol::{
    AgentEvent, Author, ConversationState, Event, HandoffReason, LeaveContact, QueueItem, QueueSnapshot, Rating,
};

use crate::agents::AgentSession;
use crate::conversations::{authorize, load_row, text_message};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::events::{self, AppendOptions, Appended};
use crate::sessions::ShopperSession;
use crate::{now_rfc3339, wait, AppState};

/// Queue priority of conversations handed back by an agent who left: they go to the front.
const RETURNED_PRIORITY: i64 = 3;

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
fn priority(reason: HandoffReason) -> i64 {
    match reason {
        HandoffReason::SensitiveTopic => 1,
        _ => 0,
    }
}

/// Appends a state change (and stores it as the conversation's state), but only while the
/// conversation's status is one of `from`: a change that raced ahead is never overwritten.
/// Returns whether the change was made.
pub async fn set_state(state: &AppState, id: &str, from: &[&str], new_state: &ConversationState) -> ApiResult<bool> {
    let options = AppendOptions { client_id: None, new_state: Some(new_state), only_if: Some(from) };
    let appended = events::append(state, id, options, |seq| Event::State { seq, state: new_state.clone() }).await?;
    Ok(!matches!(appended, Appended::Refused(_)))
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
    let locale: Option<String> = sqlx::query_scalar("SELECT locale FROM conversations WHERE id = ?").bind(id).fetch_optional(&state.db).await?;
    Ok(state.assistant.voice(locale.as_deref().unwrap_or_default(), state.config.support_hours))
}

/// Appends a system message (shown to the shopper and the agent).
pub async fn system_message(state: &AppState, id: &str, text: &str) -> ApiResult<()> {
    events::append(state, id, AppendOptions::default(), |seq| Event::Message {
        message: text_message(seq, Author::System, None, None, text),
    })
    .await?;
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

/// Online agents and their free slots.
async fn capacity(state: &AppState) -> ApiResult<(u32, u32, u32)> {
    let (agents, slots): (i64, i64) = sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(capacity), 0) FROM agents WHERE online = 1")
        .fetch_one(&state.db)
        .await?;
    let busy: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations c JOIN agents a ON a.id = c.agent_id WHERE a.online = 1 AND c.status = 'with_agent'",
    )
    .fetch_one(&state.db)
    .await?;
    Ok((agents as u32, slots as u32, (slots - busy).max(0) as u32))
}

/// Average handling time of the last 20 resolved conversations (seconds), or the default.
async fn average_handling_secs(state: &AppState) -> ApiResult<f64> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT claimed_at, resolved_at FROM handoffs WHERE claimed_at IS NOT NULL AND resolved_at IS NOT NULL ORDER BY id DESC LIMIT 20",
    )
    .fetch_all(&state.db)
    .await?;
    let secs: Vec<f64> = rows
        .iter()
        .filter_map(|(a, b)| {
            let a = chrono::DateTime::parse_from_rfc3339(a).ok()?;
            let b = chrono::DateTime::parse_from_rfc3339(b).ok()?;
            Some((b - a).num_milliseconds() as f64 / 1000.0)
        })
        .collect();
    // Until a few conversations were handled, their times say little.
    Ok(if secs.len() < 5 { wait::DEFAULT_AHT_SECS } else { secs.iter().sum::<f64>() / secs.len() as f64 })
}

/// Moves a conversation from the assistant to a person: the queue when someone is online within
/// support hours, otherwise `awaiting_reply` at once. The transition itself is one conditional
/// append, so two requests at once (the button and the assistant's own handoff) make one handoff;
/// nothing changes if a person has it, it already waits, or it has ended.
pub async fn to_person(state: &AppState, id: &str, reason: HandoffReason) -> ApiResult<ConversationState> {
    let (agents, _, _) = capacity(state).await?;
    let open = state.config.support_hours.is_open(Utc::now());
    let target = if agents == 0 || !open {
        ConversationState::AwaitingReply { contact: None }
    } else {
        // A placeholder position; refresh_queue computes the real one with everyone else's.
        ConversationState::Queued { position: 0, estimated_wait_secs: None }
    };
    let now = now_rfc3339();
    // Queue order is set before the state turns `queued`, so no refresh sees it without one.
    sqlx::query("UPDATE conversations SET handoff_reason = ?, priority = ?, queued_at = ? WHERE id = ? AND status = 'assistant'")
        .bind(reason.as_str())
        .bind(priority(reason))
        .bind(&now)
        .bind(id)
        .execute(&state.db)
        .await?;
    if !set_state(state, id, &["assistant"], &target).await? {
        return Ok(load_row(state, id).await?.state);
    }
    sqlx::query("INSERT INTO handoffs (conversation_id, reason, queued_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(reason.as_str())
        .bind(&now)
        .execute(&state.db)
        .await?;
    if matches!(target, ConversationState::AwaitingReply { .. }) {
        let text = shopper_voice(state, id).await?.server(if open { "nobody_online" } else { "outside_hours" }, &[]);
        system_message(state, id, &text).await?;
        broadcast_queue(state).await?;
        return Ok(target);
    }
    refresh_queue(state).await?;
    Ok(load_row(state, id).await?.state)
}

/// Puts a conversation an agent held back at the front of the queue and tells the shopper. Does
/// nothing if it is no longer with an agent (resolved or handed back meanwhile).
pub async fn return_to_queue(state: &AppState, id: &str, why: &Why<'_>) -> ApiResult<()> {
    let now = now_rfc3339();
    sqlx::query("UPDATE conversations SET priority = ?, queued_at = ? WHERE id = ? AND status = 'with_agent'")
        .bind(RETURNED_PRIORITY)
        .bind(&now)
        .bind(id)
        .execute(&state.db)
        .await?;
    // With nobody else online the shopper is not put in a queue that cannot move: they are told at
    // once and can leave an email.
    let (others, _, _) = capacity(state).await?;
    let alone = others == 0;
    let target = if alone { ConversationState::AwaitingReply { contact: None } } else { ConversationState::Queued { position: 1, estimated_wait_secs: None } };
    if !set_state(state, id, &["with_agent"], &target).await? {
        return Ok(());
    }
    // The agent's console saw the change above; from here on nobody holds the conversation.
    sqlx::query("UPDATE conversations SET agent_id = NULL WHERE id = ? AND status IN ('queued', 'awaiting_reply')").bind(id).execute(&state.db).await?;
    let reason: String = sqlx::query_scalar("SELECT COALESCE(handoff_reason, 'requested') FROM conversations WHERE id = ?")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    sqlx::query("INSERT INTO handoffs (conversation_id, reason, queued_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(&reason)
        .bind(&now)
        .execute(&state.db)
        .await?;
    let key = if alone { format!("{}_alone", why.key) } else { why.key.to_string() };
    let text = shopper_voice(state, id).await?.server(&key, &[("agent", why.agent.to_string())]);
    system_message(state, id, &text).await?;
    Ok(())
}

/// Recomputes every queued conversation's position and wait estimate, tells each shopper whose
/// figures changed, and sends the agents the new queue. When nobody is online or support hours
/// are over, every queued shopper is moved to `awaiting_reply` and told so at once.
pub async fn refresh_queue(state: &AppState) -> ApiResult<()> {
    let queued: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, state FROM conversations WHERE status = 'queued' ORDER BY priority DESC, queued_at ASC, rowid ASC",
    )
    .fetch_all(&state.db)
    .await?;
    let (agents, slots, free) = capacity(state).await?;
    let open = state.config.support_hours.is_open(Utc::now());
    if !queued.is_empty() && (agents == 0 || !open) {
        // Nobody can pick these up: the shoppers are told now, in their language, and can leave
        // an email instead of waiting in a queue that does not move.
        for (id, _) in &queued {
            if set_state(state, id, &["queued"], &ConversationState::AwaitingReply { contact: None }).await? {
                let text = shopper_voice(state, id).await?.server(if open { "nobody_online" } else { "outside_hours" }, &[]);
                system_message(state, id, &text).await?;
            }
        }
        return broadcast_queue(state).await;
    }
    let aht = average_handling_secs(state).await?;
    for (i, (id, current)) in queued.iter().enumerate() {
        let position = i as u32 + 1;
        let new_state = ConversationState::Queued { position, estimated_wait_secs: wait::estimate(position, slots, free, aht) };
        if serde_json::from_str::<ConversationState>(current).ok().as_ref() != Some(&new_state) {
            // Claimed meanwhile? Then it is no longer queued and this update is skipped.
            set_state(state, id, &["queued"], &new_state).await?;
        }
    }
    broadcast_queue(state).await
}

async fn broadcast_queue(state: &AppState) -> ApiResult<()> {
    let snapshot = queue_snapshot(state).await?;
    state.agent_hub.send(None, AgentEvent::Queue { snapshot });
    Ok(())
}

/// Last shopper message of a conversation, shortened for lists.
async fn preview(state: &AppState, id: &str) -> ApiResult<String> {
    let payload: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE conversation_id = ? AND kind = 'message' AND json_extract(payload, '$.message.author') = 'shopper' ORDER BY seq DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&state.db)
    .await?;
    let text = payload
        .and_then(|p| serde_json::from_str::<Event>(&p).ok())
        .and_then(|e| match e {
            Event::Message { message } => Some(message.text),
            _ => None,
        })
        .unwrap_or_default();
    Ok(shorten(&text, 120))
}

/// Cuts text to `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// Conversation rows as list items, in the given SQL order.
pub async fn items(state: &AppState, where_sql: &str, bind: Option<&str>) -> ApiResult<Vec<QueueItem>> {
    let sql = format!(
        "SELECT c.id, c.status, c.handoff_reason, c.priority, c.queued_at, c.state, c.contact, c.identified, c.shopper_id
         FROM conversations c WHERE {where_sql}"
    );
    let mut q = sqlx::query_as::<_, (String, String, Option<String>, i64, Option<String>, String, Option<String>, bool, String)>(&sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&state.db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, status, reason, priority, queued_at, st, contact, identified, shopper_id) in rows {
        let position = match serde_json::from_str::<ConversationState>(&st) {
            Ok(ConversationState::Queued { position, .. }) => Some(position),
            _ => None,
        };
        let topic: Option<String> = sqlx::query_scalar(
            "SELECT json_extract(payload, '$.message.meta.topic') FROM events WHERE conversation_id = ? AND json_extract(payload, '$.message.author') = 'assistant' ORDER BY seq DESC LIMIT 1",
        )
        .bind(&id)
        .fetch_optional(&state.db)
        .await?
        .flatten();
        let shopper_name: Option<String> = if identified {
            sqlx::query_scalar("SELECT name FROM ledger_shoppers WHERE shopper_id = ?").bind(&shopper_id).fetch_optional(&state.db).await?
        } else {
            None
        };
        out.push(QueueItem {
            preview: preview(state, &id).await?,
            conversation_id: id,
            status,
            topic,
            handoff_reason: reason,
            priority,
            waiting_since: queued_at,
            position,
            contact,
            shopper_name,
        });
    }
    Ok(out)
}

/// The queue as agents see it: queued conversations in serving order, then those awaiting a reply.
pub async fn queue_snapshot(state: &AppState) -> ApiResult<QueueSnapshot> {
    let mut list = items(state, "c.status = 'queued' ORDER BY c.priority DESC, c.queued_at ASC, c.rowid ASC", None).await?;
    list.extend(items(state, "c.status = 'awaiting_reply' ORDER BY c.queued_at ASC, c.rowid ASC", None).await?);
    let (agents, _, free) = capacity(state).await?;
    Ok(QueueSnapshot { items: list, agents_online: agents, free_slots: free })
}

async fn queue(State(state): State<AppState>, _agent: AgentSession) -> ApiResult<Json<QueueSnapshot>> {
    Ok(Json(queue_snapshot(&state).await?))
}

/// Claims a conversation for an agent. Under the writer lock, so of two agents claiming at once
/// exactly one wins; the agent must be online and below capacity.
pub async fn claim_for(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<()> {
    {
        let _writer = state.write_lock.lock().await;
        let (online, capacity): (bool, i64) = sqlx::query_as("SELECT online, capacity FROM agents WHERE id = ?")
            .bind(&agent.agent_id)
            .fetch_one(&state.db)
            .await?;
        if !online {
            return Err(ApiError::Forbidden("Go online before taking conversations.".into()));
        }
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE agent_id = ? AND status = 'with_agent'")
            .bind(&agent.agent_id)
            .fetch_one(&state.db)
            .await?;
        if active >= capacity {
            return Err(ApiError::conflict("at_capacity", format!("You already have {active} conversations, your capacity. Resolve or hand one back first.")));
        }
        // One statement: the conversation must still wait and the agent still be online (going
        // offline does not take the writer lock, so the check cannot be a separate read).
        let taken = sqlx::query(
            "UPDATE conversations SET agent_id = ?, status = 'with_agent' WHERE id = ? AND status IN ('queued', 'awaiting_reply')
               AND EXISTS (SELECT 1 FROM agents WHERE id = ? AND online = 1)",
        )
        .bind(&agent.agent_id)
        .bind(id)
        .bind(&agent.agent_id)
        .execute(&state.db)
        .await?;
        if taken.rows_affected() == 0 {
            load_row(state, id).await?; // 404 for unknown ids
            return Err(ApiError::conflict("already_claimed", "Another agent has already taken this conversation."));
        }
        sqlx::query("UPDATE handoffs SET claimed_at = ?, agent_id = ? WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ?)")
            .bind(now_rfc3339())
            .bind(&agent.agent_id)
            .bind(id)
            .execute(&state.db)
            .await?;
    }
    set_state(state, id, &["with_agent"], &ConversationState::WithAgent { agent_name: agent.display_name.clone() }).await?;
    refresh_queue(state).await
}

async fn claim(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<tandem_protocol::AgentConversation>> {
    claim_for(&state, &agent, &id).await?;
    Ok(Json(crate::desk::view(&state, &agent, &id).await?))
}

/// `POST /v1/agent/next`: claims the conversation at the head of the queue.
async fn next(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<tandem_protocol::AgentConversation>> {
    // Another agent may win the head between reading and claiming: then try the next one.
    for _ in 0..5 {
        let head: Option<String> =
            sqlx::query_scalar("SELECT id FROM conversations WHERE status = 'queued' ORDER BY priority DESC, queued_at ASC, rowid ASC LIMIT 1")
                .fetch_optional(&state.db)
                .await?;
        let Some(id) = head else { break };
        match claim_for(&state, &agent, &id).await {
            Ok(()) => return Ok(Json(crate::desk::view(&state, &agent, &id).await?)),
            Err(ApiError::Conflict { code: "already_claimed", .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::not_found("queue_empty", "Nobody is waiting in the queue right now."))
}

/// Checks that the agent holds the conversation (403 for another agent's, 409 when nobody holds it).
pub async fn held_by(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<()> {
    let row: Option<(Option<String>, String)> = sqlx::query_as("SELECT agent_id, status FROM conversations WHERE id = ?")
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    match row {
        None => Err(ApiError::not_found("unknown_conversation", "This conversation does not exist.")),
        Some((Some(a), status)) if a == agent.agent_id && status == "with_agent" => Ok(()),
        Some((Some(a), status)) if a != agent.agent_id && status == "with_agent" => {
            Err(ApiError::Forbidden("Another agent holds this conversation.".into()))
        }
        Some(_) => Err(ApiError::conflict("not_assigned", "You do not hold this conversation. Claim it first.")),
    }
}

async fn handback(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<ConversationState>> {
    held_by(&state, &agent, &id).await?;
    let text = shopper_voice(&state, &id).await?.server("handed_back", &[("agent", agent.display_name.clone())]);
    system_message(&state, &id, &text).await?;
    if !set_state(&state, &id, &["with_agent"], &ConversationState::Assistant).await? {
        return Err(changed());
    }
    sqlx::query("UPDATE conversations SET agent_id = NULL WHERE id = ? AND status = 'assistant'").bind(&id).execute(&state.db).await?;
    sqlx::query("UPDATE handoffs SET resolved_at = ? WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ?)")
        .bind(now_rfc3339())
        .bind(&id)
        .execute(&state.db)
        .await?;
    refresh_queue(&state).await?;
    Ok(Json(ConversationState::Assistant))
}

async fn resolve(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<ConversationState>> {
    held_by(&state, &agent, &id).await?;
    let resolved = ConversationState::Resolved { rating: None };
    if !set_state(&state, &id, &["with_agent"], &resolved).await? {
        return Err(changed());
    }
    sqlx::query("UPDATE handoffs SET resolved_at = ? WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ?)")
        .bind(now_rfc3339())
        .bind(&id)
        .execute(&state.db)
        .await?;
    refresh_queue(&state).await?;
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
    sqlx::query("UPDATE conversations SET contact = ? WHERE id = ? AND status = 'awaiting_reply'").bind(&email).bind(&id).execute(&state.db).await?;
    let new_state = ConversationState::AwaitingReply { contact: Some(email) };
    if !set_state(&state, &id, &["awaiting_reply"], &new_state).await? {
        return Err(changed());
    }
    broadcast_queue(&state).await?;
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
    sqlx::query("UPDATE conversations SET rating = ?, rating_comment = ? WHERE id = ?")
        .bind(body.score)
        .bind(comment)
        .bind(&id)
        .execute(&state.db)
        .await?;
    let new_state = ConversationState::Resolved { rating: Some(body.score) };
    if !set_state(&state, &id, &["resolved"], &new_state).await? {
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

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
    }
}
