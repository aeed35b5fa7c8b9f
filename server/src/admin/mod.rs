//! Administration: the admin HTTP API under `/v1/admin/` (agents with the `admin` role, from the
//! console's own origin, like every agent action), the same operations as the `tandem-server
//! merchant|agent|shopper` commands (`cli.rs`), and the retention job (`retention.rs`).

pub mod cli;
pub mod ops;
pub mod retention;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::agents::AgentSession;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::Role;
use tandem_protocol::{AddAgent, AgentListing};
use crate::{agents, handoff, AppState};
use ops::{MerchantChange, MerchantSpec};

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/merchants", get(list_merchants).post(add_merchant))
        .route("/admin/merchants/{id}", axum::routing::patch(update_merchant).delete(remove_merchant))
        .route("/admin/agents", get(list_agents).post(add_agent))
        .route("/admin/agents/{id}/role", put(set_role))
        .route("/admin/agents/{id}/languages", put(set_languages))
        .route("/admin/agents/{id}/disable", post(disable))
        .route("/admin/agents/{id}/enable", post(enable))
        .route("/admin/shoppers/{id}", get(export_shopper).delete(erase_shopper))
}

/// The signed-in agent, if they are an administrator.
fn admin(agent: &AgentSession) -> ApiResult<()> {
    agent.require(Role::Admin)
}

async fn list_merchants(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<Vec<MerchantSpec>>> {
    admin(&agent)?;
    Ok(Json(ops::list_merchants(&state.store).await?))
}

async fn add_merchant(State(state): State<AppState>, agent: AgentSession, ApiJson(m): ApiJson<MerchantSpec>) -> ApiResult<(StatusCode, Json<MerchantSpec>)> {
    admin(&agent)?;
    Ok((StatusCode::CREATED, Json(ops::add_merchant(&state.store, &m).await?)))
}

async fn update_merchant(
    State(state): State<AppState>,
    agent: AgentSession,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<MerchantChange>,
) -> ApiResult<Json<MerchantSpec>> {
    admin(&agent)?;
    Ok(Json(ops::update_merchant(&state.store, &id, &c).await?))
}

async fn remove_merchant(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    admin(&agent)?;
    let removed = ops::remove_merchant(&state.store, &id).await?;
    state.hub.resync_all();
    Ok(Json(json!({ "removed": removed.rows.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>() })))
}

async fn list_agents(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<Vec<AgentListing>>> {
    admin(&agent)?;
    Ok(Json(state.store.agent_listing().await?))
}

async fn add_agent(State(state): State<AppState>, agent: AgentSession, ApiJson(b): ApiJson<AddAgent>) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&agent)?;
    let role = ops::parse_role(&b.role)?;
    let languages = ops::parse_languages(&b.languages)?;
    let _permit = state.limits.hashing().await?;
    let id = agents::add_agent(&state.store, &b.email, &b.display_name, &b.password, b.capacity, role).await.map_err(|e| {
        let message = e.to_string();
        if message.contains("exists") {
            ApiError::conflict("agent_exists", message)
        } else {
            ApiError::field("invalid_agent", "agent", message)
        }
    })?;
    state.store.set_languages(&id, &languages).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// Body of `PUT /v1/admin/agents/{id}/languages`.
#[derive(Deserialize)]
struct LanguagesBody {
    languages: Vec<String>,
}

async fn set_languages(State(state): State<AppState>, agent: AgentSession, Path(who): Path<String>, ApiJson(b): ApiJson<LanguagesBody>) -> ApiResult<StatusCode> {
    admin(&agent)?;
    let languages = ops::parse_languages(&b.languages)?;
    let id = ops::agent_id(&state.store, &who).await?;
    state.store.set_languages(&id, &languages).await?;
    agents::send_profile(&state, &id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /v1/admin/agents/{id}/role`.
#[derive(Deserialize)]
struct RoleBody {
    role: String,
}

async fn set_role(State(state): State<AppState>, agent: AgentSession, Path(who): Path<String>, ApiJson(b): ApiJson<RoleBody>) -> ApiResult<StatusCode> {
    admin(&agent)?;
    let role = ops::parse_role(&b.role)?;
    let id = ops::agent_id(&state.store, &who).await?;
    if id == agent.agent_id && role != Role::Admin {
        return Err(ApiError::conflict("own_role", "You cannot take the admin role from yourself; another admin can."));
    }
    state.store.set_role(&id, role).await?;
    agents::send_profile(&state, &id).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn disable(State(state): State<AppState>, agent: AgentSession, Path(who): Path<String>) -> ApiResult<StatusCode> {
    admin(&agent)?;
    let id = ops::agent_id(&state.store, &who).await?;
    if id == agent.agent_id {
        return Err(ApiError::conflict("own_account", "You cannot disable your own account; another admin can."));
    }
    disable_now(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an agent: sessions deleted, console streams on this instance ended, conversations back
/// to the queue. Other instances end their streams within a second (the sweeper checks).
pub async fn disable_now(state: &AppState, agent_id: &str) -> ApiResult<()> {
    state.store.set_disabled(agent_id, true).await?;
    state.agent_hub.end(agent_id);
    if state.store.take_disabled_offline(agent_id).await? {
        let name = state.store.agent_profile(agent_id).await?.map(|p| p.display_name).unwrap_or_default();
        agents::requeue_held(state, agent_id, &handoff::Why { key: "agent_left", agent: &name }).await?;
    }
    Ok(())
}

async fn enable(State(state): State<AppState>, agent: AgentSession, Path(who): Path<String>) -> ApiResult<StatusCode> {
    admin(&agent)?;
    let id = ops::agent_id(&state.store, &who).await?;
    state.store.set_disabled(&id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn export_shopper(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    admin(&agent)?;
    Ok(Json(state.store.shopper_export(&id).await?))
}

async fn erase_shopper(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    admin(&agent)?;
    let removed = ops::erase_shopper(&state.store, &id).await?;
    state.hub.resync_all();
    Ok(Json(json!({ "removed": removed.rows.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>() })))
}
