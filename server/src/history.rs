//! History and search: `GET /v1/agent/history` finds past and current conversations by words in
//! their messages, shopper or order id, newest first, a page at a time; `GET
//! /v1/agent/history/{id}` reads one's whole record (transcript, internal notes, rating, trips to a
//! person). An agent sees the conversations they took part in; supervisors and admins see all.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tandem_protocol::{HandoffRecord, HistoryDetail, HistoryItem, HistoryPage};

use crate::agents::AgentSession;
use crate::error::{ApiError, ApiResult};
use crate::store::{ms_to_rfc3339, HistoryFilter, HistoryRow, Role};
use crate::AppState;

/// Results per page unless `limit` says otherwise.
const PAGE: u32 = 20;
/// Most results per page.
const MAX_PAGE: u32 = 50;
/// Longest search text, shopper id or order id, in characters.
const MAX_TERM_CHARS: usize = 200;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/history", get(search)).route("/agent/history/{id}", get(detail))
}

/// Query of `GET /v1/agent/history`.
#[derive(Deserialize)]
struct SearchQuery {
    /// Words in a message (one phrase, case-insensitive).
    q: Option<String>,
    shopper: Option<String>,
    order: Option<String>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    limit: Option<u32>,
}

/// A search term: trimmed, `None` when empty, 422 when too long.
fn term<'a>(value: &'a Option<String>, field: &'static str) -> ApiResult<Option<&'a str>> {
    let t = value.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if t.is_some_and(|t| t.chars().count() > MAX_TERM_CHARS) {
        return Err(ApiError::field("term_too_long", field, format!("Search with at most {MAX_TERM_CHARS} characters.")));
    }
    Ok(t)
}

/// A page cursor: `{created ms}.{conversation id}` of the last conversation shown.
fn cursor(created_ms: i64, id: &str) -> String {
    format!("{created_ms}.{id}")
}

fn parse_cursor(s: &str) -> ApiResult<(i64, &str)> {
    s.split_once('.')
        .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id)).filter(|(_, id)| !id.is_empty()))
        .ok_or_else(|| ApiError::Invalid {
            status: axum::http::StatusCode::BAD_REQUEST,
            code: "invalid_cursor",
            message: "The cursor is not one this server gave. Start the search again without it.".into(),
            field: Some("cursor"),
        })
}

fn item(r: HistoryRow) -> HistoryItem {
    HistoryItem {
        id: r.id,
        status: r.status.as_str().into(),
        created_at: ms_to_rfc3339(r.created_ms),
        updated_at: ms_to_rfc3339(r.updated_ms),
        shopper_id: r.shopper_id,
        shopper_name: r.shopper_name,
        rating: r.rating.map(|x| x.clamp(0, 5) as u8),
        handoff_reasons: r.handoff_reasons,
        preview: r.preview,
    }
}

/// The agent whose conversations a search is limited to: themselves, unless supervisor or admin.
fn participant(agent: &AgentSession) -> Option<&str> {
    (agent.role < Role::Supervisor).then_some(agent.agent_id.as_str())
}

async fn search(
    State(state): State<AppState>,
    agent: AgentSession,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<HistoryPage>> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field("invalid_limit", "limit", format!("Ask for 1 to {MAX_PAGE} results per page.")));
    }
    let before = query.cursor.as_deref().filter(|c| !c.is_empty()).map(parse_cursor).transpose()?;
    let filter = HistoryFilter {
        participant: participant(&agent),
        words: term(&query.q, "q")?,
        shopper_id: term(&query.shopper, "shopper")?,
        order_id: term(&query.order, "order")?,
        before,
        limit: i64::from(limit) + 1,
    };
    let mut rows = state.store.history(&filter).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(|r| cursor(r.created_ms, &r.id))).flatten();
    Ok(Json(HistoryPage { items: rows.into_iter().map(item).collect(), next_cursor }))
}

async fn detail(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<HistoryDetail>> {
    let row = state.store.history_row(&id).await?.ok_or_else(|| ApiError::not_found("unknown_conversation", "This conversation does not exist."))?;
    if let Some(me) = participant(&agent) {
        if !state.store.took_part(me, &id).await? {
            return Err(ApiError::Forbidden("You did not take part in this conversation; a supervisor can read it.".into()));
        }
    }
    let messages = state.store.messages(&id).await?;
    let notes = state.store.notes(&id).await?;
    let handoffs = state.store.handoffs_of(&id).await?;
    Ok(Json(HistoryDetail {
        locale: row.locale.clone(),
        rating_comment: row.rating_comment.clone(),
        item: item(row),
        messages,
        notes,
        handoffs: handoffs
            .into_iter()
            .map(|h| HandoffRecord {
                reason: h.reason,
                queued_at: ms_to_rfc3339(h.queued_ms),
                claimed_at: h.claimed_ms.map(ms_to_rfc3339),
                resolved_at: h.resolved_ms.map(ms_to_rfc3339),
                agent_name: h.agent_name,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let c = cursor(1_764_000_000_123, "a.b-c");
        assert_eq!(parse_cursor(&c).unwrap(), (1_764_000_000_123, "a.b-c"));
        assert!(parse_cursor("x.y").is_err());
        assert!(parse_cursor("123.").is_err());
        assert!(parse_cursor("123").is_err());
    }
}
