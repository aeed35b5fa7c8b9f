//! The agent's desk: a conversation as the agent sees it (transcript, summary, account panel),
//! the agent's replies, and typing indicators both ways.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tandem_assistant::{AccountSnapshot, InstalmentStatus, Plan, Turn};
use tandem_protocol::{
    AccountView, AgentConversation, AgentEvent, Author, Conversation, ConversationState, Event, OrderView, QueueItem,
    SendAck, SendMessage, Typing,
};

use crate::agents::AgentSession;
use crate::conversations::{authorize, load_row, parse_client_id, text_message, transcript, MessageText};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::events;
use crate::handoff::{held_by, items};
use crate::ledger::{self, Lookup};
use crate::store::{ms_to_rfc3339, Append, Appended, ListFilter, NoticeKind, Status};
use crate::sessions::ShopperSession;
use crate::AppState;

/// Agent routes of this module (under `/v1`).
pub fn agent_routes() -> Router<AppState> {
    Router::new()
        .route("/agent/conversations", get(mine))
        .route("/agent/conversations/{id}", get(fetch))
        .route("/agent/conversations/{id}/messages", post(reply))
        .route("/agent/conversations/{id}/typing", post(agent_typing))
}

/// Shopper routes of this module (under `/v1`).
pub fn shopper_routes() -> Router<AppState> {
    Router::new().route("/conversations/{id}/typing", post(shopper_typing))
}

/// Plan in words.
fn plan_text(plan: &Plan) -> String {
    match plan {
        Plan::PayIn4 => "Pay in 4".into(),
        Plan::PayIn30 => "Pay in 30".into(),
        Plan::Financing { months, apr_bp } => format!("Financing, {months} months, APR {}.{}%", apr_bp / 100, (apr_bp % 100) / 10),
    }
}

/// The account panel: every order with its plan, next payment and status.
pub fn account_view(account: &AccountSnapshot) -> AccountView {
    let orders = account
        .orders
        .iter()
        .map(|o| {
            let next = o.next_instalment();
            let status = if let Some(r) = &o.refund {
                format!("refunded {} to {} on {}", r.amount.plain(), r.destination, r.processed_on)
            } else if let Some(p) = o.paused_until {
                format!("return reported; payments paused until {p}")
            } else if o.instalments.iter().all(|i| i.status != InstalmentStatus::Due) {
                "paid".into()
            } else {
                format!("{} of {} paid", o.paid_count, o.payment_count)
            };
            OrderView {
                id: o.id.clone(),
                store: o.store.clone(),
                item: o.item.clone(),
                total: o.total.clone(),
                plan: plan_text(&o.plan),
                next_amount: next.map(|i| i.amount.clone()),
                next_due: next.map(|i| i.due.to_string()),
                status,
            }
        })
        .collect();
    AccountView { name: account.name.clone(), orders }
}

/// A conversation as the agent sees it. Queued and waiting conversations may be read by any agent
/// (to decide what to take); a conversation held by another agent may not.
pub async fn view(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<AgentConversation> {
    let row = load_row(state, id).await?;
    let (holder, reason, contact) = (row.agent_id.clone(), row.handoff_reason.clone(), row.contact.clone());
    let mine = holder.as_deref() == Some(agent.agent_id.as_str());
    let readable = mine || matches!(row.state, ConversationState::Queued { .. } | ConversationState::AwaitingReply { .. });
    if !readable {
        return Err(ApiError::Forbidden("This conversation is not in the queue and not yours.".into()));
    }
    let (msgs, last_seq) = transcript(state, id).await?;
    let turns: Vec<Turn> =
        msgs.iter().map(|m| Turn { author: m.author, text: m.text.clone(), topic: m.meta.as_ref().map(|x| x.topic.clone()) }).collect();
    let summary = tandem_assistant::summary::summarize(&turns, reason.as_deref());
    // The conversation is shown whatever the ledger says; an unreadable account is marked, not a failure.
    let (account, account_unavailable) = match ledger::shopper_account(&*state.ledger, row.identified, &row.shopper_id).await {
        Some(Lookup::Found(a)) => (Some(a), false),
        Some(Lookup::Unavailable(_)) => (None, true),
        Some(Lookup::NotFound) | None => (None, false),
    };
    let notes = state.store.notes(id).await?;
    Ok(AgentConversation {
        notes,
        locale: row.locale.clone(),
        shopper_name: account.as_ref().map(|a| a.name.clone()),
        account: account.as_deref().map(account_view),
        account_unavailable,
        conversation: Conversation { id: id.into(), state: row.state, last_seq, created_at: ms_to_rfc3339(row.created_ms), messages: msgs },
        summary,
        contact,
        assigned_to_me: mine,
    })
}

async fn fetch(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<AgentConversation>> {
    Ok(Json(view(&state, &agent, &id).await?))
}

async fn mine(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<Vec<QueueItem>>> {
    Ok(Json(items(&state, ListFilter::HeldBy(&agent.agent_id)).await?))
}

async fn reply(
    State(state): State<AppState>,
    agent: AgentSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendMessage>,
) -> ApiResult<(StatusCode, Json<SendAck>)> {
    let client_id = parse_client_id(&body.client_id)?;
    let text = MessageText::parse(&body.text)?;
    held_by(&state, &agent, &id).await?;
    let message = text_message(0, Author::Agent, Some(agent.display_name.clone()), Some(client_id), text.as_str());
    let append = Append {
        client_id: Some(client_id.into()),
        only_if: vec![Status::WithAgent],
        ..Append::event(&id, Event::Message { message })
    };
    let appended = events::append(&state, append).await?;
    match appended {
        Appended::New(Event::Message { message }, _) => {
            crate::email::on_agent_reply(&state, &id, &agent.display_name, &message).await;
            Ok((StatusCode::CREATED, Json(SendAck { message, duplicate: false })))
        }
        Appended::Refused(_) => Err(ApiError::conflict("not_assigned", "This conversation is no longer with you.")),
        Appended::Duplicate(Event::Message { message }) => {
            crate::email::on_agent_reply(&state, &id, &agent.display_name, &message).await;
            Ok((StatusCode::OK, Json(SendAck { message, duplicate: true })))
        }
        _ => Err(ApiError::Internal("agent reply stored as a non-message event".into())),
    }
}

async fn agent_typing(
    State(state): State<AppState>,
    agent: AgentSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Typing>,
) -> ApiResult<StatusCode> {
    held_by(&state, &agent, &id).await?;
    let event = Event::Typing { author: Author::Agent, active: body.active };
    state.hub.publish(&id, event);
    state
        .store
        .notify(&[NoticeKind::Typing { conversation_id: id, author: Author::Agent, active: body.active, holder: None }])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn shopper_typing(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Typing>,
) -> ApiResult<StatusCode> {
    let row = authorize(&state, &session, &id).await?;
    let holder = row.agent_id.filter(|_| row.status == Status::WithAgent);
    if let Some(agent_id) = holder {
        state.agent_hub.send(
            Some(&agent_id),
            AgentEvent::Conversation { conversation_id: id.clone(), event: Event::Typing { author: Author::Shopper, active: body.active } },
        );
        state
            .store
            .notify(&[NoticeKind::Typing { conversation_id: id, author: Author::Shopper, active: body.active, holder: Some(agent_id) }])
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
