//! Internal notes: an agent writes a note on a conversation; every agent who opens it sees it in
//! the transcript, marked internal. Notes live in their own table (`store/notes.rs`), never in the
//! conversation's event log, so nothing a shopper receives (stream, transcript, email, host-page
//! event) can carry one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use tandem_protocol::{AgentEvent, ConversationState, NewNote, Note};

use crate::agents::AgentSession;
use crate::conversations::{load_row, MessageText};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{now_ms, NewNoteRow, NoticeKind, Role};
use crate::AppState;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/conversations/{id}/notes", post(write))
}

/// Checks that `agent` may read and annotate the conversation: the agent holding it, anyone while
/// it waits for a person, supervisors and admins always.
pub async fn may_annotate(state: &AppState, agent: &AgentSession, id: &str) -> ApiResult<Option<String>> {
    let row = load_row(state, id).await?;
    let holder = row.agent_id.clone().filter(|_| matches!(row.state, ConversationState::WithAgent { .. }));
    let waiting = matches!(row.state, ConversationState::Queued { .. } | ConversationState::AwaitingReply { .. });
    if holder.as_deref() == Some(agent.agent_id.as_str()) || waiting || agent.role >= Role::Supervisor {
        Ok(holder)
    } else {
        Err(ApiError::Forbidden("You can write notes on conversations you hold or that wait for a person.".into()))
    }
}

/// Stores a note and shows it live to the agent holding the conversation (on any instance).
pub async fn add(state: &AppState, agent: &AgentSession, id: &str, kind: &str, text: &str, holder: Option<&str>) -> ApiResult<Note> {
    let note_id = uuid::Uuid::new_v4().to_string();
    state
        .store
        .add_note(&NewNoteRow { id: &note_id, conversation_id: id, agent_id: &agent.agent_id, author_name: &agent.display_name, kind, text, created_ms: now_ms() })
        .await?;
    let note = state.store.note(&note_id).await?.ok_or_else(|| ApiError::Internal("a stored note cannot be read back".into()))?;
    if let Some(holder) = holder {
        state.agent_hub.send(Some(holder), AgentEvent::Note { note: note.clone() });
        state.store.notify(&[NoticeKind::Note { note_id, holder: holder.to_string() }]).await?;
    }
    Ok(note)
}

async fn write(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>, ApiJson(body): ApiJson<NewNote>) -> ApiResult<(StatusCode, Json<Note>)> {
    let text = MessageText::parse(&body.text)?;
    let holder = may_annotate(&state, &agent, &id).await?;
    Ok((StatusCode::CREATED, Json(add(&state, &agent, &id, "note", text.as_str(), holder.as_deref()).await?)))
}
