//! The assistant drafts for the agent: for the latest shopper message of a conversation the agent
//! holds, the reply the assistant would give (from the pack and the account, with its sources).
//! It is only shown in the console, to insert and edit; nothing is sent without the agent.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tandem_protocol::{Author, Draft};

use crate::agents::AgentSession;
use crate::conversations::{compose, load_row, transcript};
use crate::error::ApiResult;
use crate::handoff::held_by;
use crate::AppState;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/conversations/{id}/draft", get(draft))
}

/// `200` with the draft, or `204` when there is nothing to suggest (no shopper message yet, or
/// the assistant has no factual answer to it: small talk, an unclear or a sensitive question).
async fn draft(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Response> {
    held_by(&state, &agent, &id).await?;
    let row = load_row(&state, &id).await?;
    let (messages, _) = transcript(&state, &id).await?;
    let Some(question) = messages.iter().rev().find(|m| m.author == Author::Shopper) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let reply = compose(&state, &id, &row.into(), &question.text, question.seq).await?;
    if !crate::waiting::is_factual(&reply) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(Draft {
        for_seq: question.seq,
        text: reply.text,
        sources: reply.meta.sources,
        topic: reply.meta.topic,
        confidence: reply.meta.confidence,
        locale: reply.locale,
    })
    .into_response())
}
