//! Handing a conversation to a person: `POST /v1/conversations/{id}/handoff` (the shopper asked) and
//! [`to_person`] (the assistant decided). The conversation moves to `queued` with its position.

use axum::extract::{Path, State};
use axum::Json;
use tandem_protocol::{ConversationState, Event, HandoffReason};

use crate::conversations::{authorize, load_row};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, AppendOptions, Appended};
use crate::sessions::ShopperSession;
use crate::{now_rfc3339, AppState};

/// Reasons whose conversations are served before the rest of the queue.
fn priority(reason: HandoffReason) -> i64 {
    match reason {
        HandoffReason::SensitiveTopic => 1,
        _ => 0,
    }
}

/// `POST /v1/conversations/{id}/handoff`: one request is enough; asking again changes nothing.
pub async fn request(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationState>> {
    authorize(&state, &session, &id).await?;
    Ok(Json(to_person(&state, &id, HandoffReason::Requested).await?))
}

/// Moves a conversation to a person's queue, unless a person already has it or it already waits.
/// Returns the resulting state.
pub async fn to_person(state: &AppState, id: &str, reason: HandoffReason) -> ApiResult<ConversationState> {
    let row = load_row(state, id).await?;
    match row.state {
        ConversationState::Queued { .. } | ConversationState::WithAgent { .. } | ConversationState::AwaitingReply { .. } => {
            return Ok(row.state)
        }
        ConversationState::Assistant | ConversationState::Resolved { .. } => {}
    }
    let prio = priority(reason);
    let now = now_rfc3339();
    sqlx::query("UPDATE conversations SET handoff_reason = ?, priority = ?, queued_at = ? WHERE id = ?")
        .bind(reason.as_str())
        .bind(prio)
        .bind(&now)
        .bind(id)
        .execute(&state.db)
        .await?;
    // Ahead of this conversation: queued ones with a higher priority, or equal priority and earlier.
    let ahead: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE status = 'queued' AND id != ?
           AND (priority > ? OR (priority = ? AND queued_at <= ?))",
    )
    .bind(id)
    .bind(prio)
    .bind(prio)
    .bind(&now)
    .fetch_one(&state.db)
    .await?;
    let new_state = ConversationState::Queued { position: ahead as u32 + 1, estimated_wait_secs: None };
    match events::append(state, id, AppendOptions { client_id: None, new_state: Some(&new_state) }, |seq| Event::State {
        seq,
        state: new_state.clone(),
    })
    .await?
    {
        Appended::New(_) => Ok(new_state),
        Appended::Duplicate(_) => Err(ApiError::Internal("state change reported as duplicate".into())),
    }
}
