//! Human agents: accounts (argon2id password hashes), console sessions (HttpOnly, SameSite=Strict
//! cookie), and going online or offline with a capacity. Their live stream, heartbeat and the
//! sweeper are in `presence.rs`.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use tandem_protocol::{AgentEvent, AgentLogin, AgentProfile, Presence};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::sessions::{hash_token, new_token};
use crate::store::{now_ms, NewAgent, NoticeKind, Role, StoreError};
use crate::{handoff, AppState};

pub use crate::presence::{spawn_sweeper, AgentHub};

/// Cookie holding an agent's console session.
pub const AGENT_COOKIE: &str = "tandem_agent";
const AGENT_SESSION_HOURS: i64 = 12;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/login", post(login))
        .route("/agent/logout", post(logout))
        .route("/agent/me", get(me))
        .route("/agent/presence", put(presence))
        .route("/agent/events", get(crate::presence::events))
}

/// An authenticated agent, extracted from the session cookie.
#[derive(Clone, Debug)]
pub struct AgentSession {
    pub agent_id: String,
    pub display_name: String,
    pub role: Role,
}

impl AgentSession {
    /// Refuses (403) an agent whose role is below `needed`.
    pub fn require(&self, needed: Role) -> ApiResult<()> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("This needs the {} role; yours is {}.", needed.as_str(), self.role.as_str())))
        }
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Creates an agent account (the `agent add` command, the admin API and the demo seed). Fails if
/// the email exists.
pub async fn add_agent(store: &crate::store::Store, email: &str, display_name: &str, password: &str, capacity: u32, role: Role) -> anyhow::Result<String> {
    let email = email.trim().to_lowercase();
    anyhow::ensure!(email.contains('@') && email.len() <= 254, "'{email}' is not an email address");
    anyhow::ensure!(!display_name.trim().is_empty(), "the display name is empty");
    anyhow::ensure!(password.chars().count() >= 10, "the password must have at least 10 characters");
    anyhow::ensure!((1..=10).contains(&capacity), "capacity must be 1 to 10");
    let id = uuid::Uuid::new_v4().to_string();
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    let agent = NewAgent { id: &id, email: &email, display_name: display_name.trim(), password_hash: &hash, capacity, role, created_ms: now_ms() };
    store.add_agent(&agent).await.map_err(|e| match e {
        StoreError::Taken(_) => anyhow::anyhow!("cannot add agent {email}: an agent with this email exists"),
        e => anyhow::anyhow!("cannot add agent {email}: {e}"),
    })?;
    Ok(id)
}

/// The agent's profile as the console shows it.
pub async fn profile(state: &AppState, agent_id: &str) -> ApiResult<AgentProfile> {
    let p = state
        .store
        .agent_profile(agent_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_agent_session", "Your session has ended. Log in again."))?;
    Ok(AgentProfile { id: agent_id.into(), email: p.email, display_name: p.display_name, online: p.online, capacity: p.capacity, active: p.active, role: p.role, languages: p.languages })
}

/// Sends an agent's console (on whichever instance it is connected) their current profile.
pub async fn send_profile(state: &AppState, agent_id: &str) {
    if let Ok(p) = profile(state, agent_id).await {
        state.agent_hub.send(Some(agent_id), AgentEvent::Profile { profile: p });
    }
    if let Err(e) = state.store.notify(&[NoticeKind::Profile { agent_id: agent_id.into() }]).await {
        tracing::warn!(error = %e, "cannot notify other instances of a profile change");
    }
}

/// The console's session cookie, for the agent API (`/v1/agent`) and the admin API (`/v1/admin`)
/// alike: both are console actions.
fn session_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{AGENT_COOKIE}={token}; Path=/v1; Max-Age={max_age}; HttpOnly; SameSite=Strict"))
        .expect("hex token is a valid header value")
}

/// Clears a cookie from before the path widened to `/v1` (it was `/v1/agent`): a browser would send
/// it first there, and a stale one would hide the new session.
fn legacy_cookie_cleared() -> HeaderValue {
    HeaderValue::from_str(&format!("{AGENT_COOKIE}=; Path=/v1/agent; Max-Age=0; HttpOnly; SameSite=Strict")).expect("a valid header value")
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<AgentLogin>) -> ApiResult<(HeaderMap, Json<AgentProfile>)> {
    let row = state.store.agent_credentials(&body.email.trim().to_lowercase()).await?;
    // Verify against a fixed hash when the email is unknown, so timing does not reveal accounts.
    let (id, phc) = row.unwrap_or_else(|| (String::new(), DUMMY_HASH.to_string()));
    let password = body.password;
    // Each verification takes ~19 MiB and tens of milliseconds of a core: a bounded number at once.
    let _permit = state.limits.hashing().await?;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    if id.is_empty() || !ok {
        return Err(ApiError::unauthorized("invalid_credentials", "The email or password is wrong. Check them and try again."));
    }
    let token = new_token();
    let expires = Utc::now() + chrono::Duration::hours(AGENT_SESSION_HOURS);
    state.store.create_agent_session(&hash_token(&token), &id, expires.timestamp_millis()).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&token, AGENT_SESSION_HOURS * 3600));
    headers.append(header::SET_COOKIE, legacy_cookie_cleared());
    Ok((headers, Json(profile(&state, &id).await?)))
}

/// A valid argon2id hash of a random string, used to spend the same time on unknown emails.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J3kFVf0b2QmxmNHfFAwzwpS6Wd9CBDbdsOqnW33sy4M";

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<(StatusCode, HeaderMap)> {
    if let Some(token) = cookie(&headers, AGENT_COOKIE) {
        state.store.delete_agent_session(&hash_token(&token)).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, session_cookie("", 0));
    out.append(header::SET_COOKIE, legacy_cookie_cleared());
    Ok((StatusCode::NO_CONTENT, out))
}

async fn me(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Json<AgentProfile>> {
    Ok(Json(profile(&state, &agent.agent_id).await?))
}

async fn presence(State(state): State<AppState>, agent: AgentSession, ApiJson(body): ApiJson<Presence>) -> ApiResult<Json<AgentProfile>> {
    if let Some(c) = body.capacity {
        if !(1..=10).contains(&c) {
            return Err(ApiError::field("invalid_capacity", "capacity", "Capacity must be between 1 and 10 conversations."));
        }
        state.store.set_capacity(&agent.agent_id, c).await?;
    }
    if body.online {
        state.store.set_online(&agent.agent_id, now_ms()).await?;
        handoff::refresh_queue(&state, &[]).await?;
    } else {
        go_offline(&state, &agent.agent_id, &handoff::Why { key: "agent_left", agent: &agent.display_name }).await?;
    }
    Ok(Json(profile(&state, &agent.agent_id).await?))
}

/// Takes an agent offline: their open conversations go back to the front of the queue, and the
/// shoppers are told why.
pub async fn go_offline(state: &AppState, agent_id: &str, why: &handoff::Why<'_>) -> ApiResult<()> {
    state.store.set_offline(agent_id).await?;
    requeue_held(state, agent_id, why).await
}

/// Returns an offline agent's conversations to the queue, then updates the queue and their console.
pub async fn requeue_held(state: &AppState, agent_id: &str, why: &handoff::Why<'_>) -> ApiResult<()> {
    let held = state.store.held_by(agent_id).await?;
    for id in &held {
        handoff::return_to_queue(state, id, why).await?;
    }
    handoff::refresh_queue(state, &held).await?;
    send_profile(state, agent_id).await;
    Ok(())
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Beyond SameSite=Strict: a browser says where a request comes from, and changes to a
        // conversation are accepted only from the console's own origin (not a sibling site).
        if parts.method != axum::http::Method::GET {
            let site = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
            if site.is_some_and(|s| s != "same-origin" && s != "none") {
                return Err(ApiError::Forbidden("Agent actions are accepted only from the console itself.".into()));
            }
        }
        let unauthorized = || ApiError::unauthorized("invalid_agent_session", "Log in to the console first.");
        let token = cookie(&parts.headers, AGENT_COOKIE).ok_or_else(unauthorized)?;
        let (agent_id, display_name, role, expires_ms) = state.store.agent_session(&hash_token(&token)).await?.ok_or_else(unauthorized)?;
        if expires_ms <= now_ms() {
            return Err(unauthorized());
        }
        let role = Role::parse(&role).ok_or_else(|| crate::store::StoreError::Corrupt(format!("unknown role '{role}'")))?;
        Ok(AgentSession { agent_id, display_name, role })
    }
}

