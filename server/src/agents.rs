//! Human agents: accounts (argon2id password hashes), console sessions (HttpOnly, SameSite=Strict
//! cookie), presence (online/offline with a capacity), the agents' live stream, and the sweeper
//! that takes an agent offline when their console has been gone for the configured time.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use futures_util::Stream;
use tandem_protocol::{AgentEvent, AgentLogin, AgentProfile, Presence};
use tokio::sync::broadcast;

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::sessions::{hash_token, new_token};
use crate::{handoff, now_rfc3339, AppState};

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
        .route("/agent/events", get(events))
}

/// An authenticated agent, extracted from the session cookie.
#[derive(Clone, Debug)]
pub struct AgentSession {
    pub agent_id: String,
    pub display_name: String,
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Creates an agent account (the `add-agent` command and the demo seed). Fails if the email exists.
pub async fn add_agent(state: &AppState, email: &str, display_name: &str, password: &str, capacity: u32) -> anyhow::Result<String> {
    let email = email.trim().to_lowercase();
    anyhow::ensure!(email.contains('@') && email.len() <= 254, "'{email}' is not an email address");
    anyhow::ensure!(!display_name.trim().is_empty(), "the display name is empty");
    anyhow::ensure!(password.chars().count() >= 10, "the password must have at least 10 characters");
    anyhow::ensure!((1..=10).contains(&capacity), "capacity must be 1 to 10");
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO agents (id, email, display_name, password_hash, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&email)
        .bind(display_name.trim())
        .bind(hash_password(password)?)
        .bind(capacity)
        .bind(now_rfc3339())
        .execute(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot add agent {email}: {e}"))?;
    Ok(id)
}

/// The agent's profile as the console shows it.
pub async fn profile(state: &AppState, agent_id: &str) -> ApiResult<AgentProfile> {
    let (email, display_name, online, capacity): (String, String, bool, i64) =
        sqlx::query_as("SELECT email, display_name, online, capacity FROM agents WHERE id = ?")
            .bind(agent_id)
            .fetch_optional(&state.db)
            .await?
            .ok_or_else(|| ApiError::unauthorized("invalid_agent_session", "Your session has ended. Log in again."))?;
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE agent_id = ? AND status = 'with_agent'")
        .bind(agent_id)
        .fetch_one(&state.db)
        .await?;
    Ok(AgentProfile { id: agent_id.into(), email, display_name, online, capacity: capacity as u32, active: active as u32 })
}

fn session_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{AGENT_COOKIE}={token}; Path=/v1/agent; Max-Age={max_age}; HttpOnly; SameSite=Strict"))
        .expect("hex token is a valid header value")
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<AgentLogin>) -> ApiResult<(HeaderMap, Json<AgentProfile>)> {
    let row: Option<(String, String)> = sqlx::query_as("SELECT id, password_hash FROM agents WHERE email = ?")
        .bind(body.email.trim().to_lowercase())
        .fetch_optional(&state.db)
        .await?;
    // Verify against a fixed hash when the email is unknown, so timing does not reveal accounts.
    let (id, phc) = row.unwrap_or_else(|| (String::new(), DUMMY_HASH.to_string()));
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    if id.is_empty() || !ok {
        return Err(ApiError::unauthorized("invalid_credentials", "The email or password is wrong. Check them and try again."));
    }
    let token = new_token();
    let expires = Utc::now() + chrono::Duration::hours(AGENT_SESSION_HOURS);
    sqlx::query("INSERT INTO agent_sessions (token_hash, agent_id, expires_at) VALUES (?, ?, ?)")
        .bind(hash_token(&token))
        .bind(&id)
        .bind(expires.to_rfc3339())
        .execute(&state.db)
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&token, AGENT_SESSION_HOURS * 3600));
    Ok((headers, Json(profile(&state, &id).await?)))
}

/// A valid argon2id hash of a random string, used to spend the same time on unknown emails.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J3kFVf0b2QmxmNHfFAwzwpS6Wd9CBDbdsOqnW33sy4M";

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<(StatusCode, HeaderMap)> {
    if let Some(token) = cookie(&headers, AGENT_COOKIE) {
        sqlx::query("DELETE FROM agent_sessions WHERE token_hash = ?").bind(hash_token(&token)).execute(&state.db).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, session_cookie("", 0));
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
        sqlx::query("UPDATE agents SET capacity = ? WHERE id = ?").bind(c).bind(&agent.agent_id).execute(&state.db).await?;
    }
    if body.online {
        sqlx::query("UPDATE agents SET online = 1 WHERE id = ?").bind(&agent.agent_id).execute(&state.db).await?;
        state.agent_hub.seen(&agent.agent_id);
        handoff::refresh_queue(&state).await?;
    } else {
        go_offline(&state, &agent.agent_id, &handoff::Why { key: "agent_left", agent: &agent.display_name }).await?;
    }
    Ok(Json(profile(&state, &agent.agent_id).await?))
}

/// Takes an agent offline: their open conversations go back to the front of the queue, and the
/// shoppers are told why.
pub async fn go_offline(state: &AppState, agent_id: &str, why: &handoff::Why<'_>) -> ApiResult<()> {
    sqlx::query("UPDATE agents SET online = 0 WHERE id = ?").bind(agent_id).execute(&state.db).await?;
    let held: Vec<String> = sqlx::query_scalar("SELECT id FROM conversations WHERE agent_id = ? AND status = 'with_agent'")
        .bind(agent_id)
        .fetch_all(&state.db)
        .await?;
    for id in held {
        handoff::return_to_queue(state, &id, why).await?;
    }
    handoff::refresh_queue(state).await?;
    if let Ok(p) = profile(state, agent_id).await {
        state.agent_hub.send(Some(agent_id), AgentEvent::Profile { profile: p });
    }
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
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT a.id, a.display_name, s.expires_at FROM agent_sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ?",
        )
        .bind(hash_token(&token))
        .fetch_optional(&state.db)
        .await?;
        let (agent_id, display_name, expires_at) = row.ok_or_else(unauthorized)?;
        if !chrono::DateTime::parse_from_rfc3339(&expires_at).is_ok_and(|t| t > Utc::now()) {
            return Err(unauthorized());
        }
        Ok(AgentSession { agent_id, display_name })
    }
}

/// Live events for agents, and which agents have a console connected.
pub struct AgentHub {
    tx: broadcast::Sender<(Option<String>, AgentEvent)>,
    presence: Mutex<HashMap<String, (usize, Instant)>>,
    /// Agents marked online before a restart get one timeout's grace to reconnect.
    started: Instant,
}

impl Default for AgentHub {
    fn default() -> Self {
        AgentHub { tx: broadcast::channel(1024).0, presence: Mutex::new(HashMap::new()), started: Instant::now() }
    }
}

impl AgentHub {
    /// Sends an event to one agent (`Some(id)`) or to all (`None`).
    pub fn send(&self, to: Option<&str>, event: AgentEvent) {
        let _ = self.tx.send((to.map(Into::into), event));
    }

    /// Notes that the agent was seen now (went online, or a console connected or disconnected).
    pub fn seen(&self, agent_id: &str) {
        let mut p = self.presence.lock().expect("presence lock");
        p.entry(agent_id.into()).or_insert((0, Instant::now())).1 = Instant::now();
    }

    fn connect(&self, agent_id: &str) {
        let mut p = self.presence.lock().expect("presence lock");
        let e = p.entry(agent_id.into()).or_insert((0, Instant::now()));
        e.0 += 1;
        e.1 = Instant::now();
    }

    fn disconnect(&self, agent_id: &str) {
        let mut p = self.presence.lock().expect("presence lock");
        if let Some(e) = p.get_mut(agent_id) {
            e.0 = e.0.saturating_sub(1);
            e.1 = Instant::now();
        }
    }

    /// Whether the agent has had no console connected for longer than `timeout`.
    pub fn gone_for(&self, agent_id: &str, timeout: Duration) -> bool {
        let p = self.presence.lock().expect("presence lock");
        match p.get(agent_id) {
            Some((streams, since)) => *streams == 0 && since.elapsed() > timeout,
            None => self.started.elapsed() > timeout,
        }
    }

    /// Consoles connected now (metrics).
    pub fn connected(&self) -> usize {
        self.presence.lock().expect("presence lock").values().map(|(n, _)| *n).sum()
    }
}

/// Decrements the connection count when an agent's stream ends.
struct Connected {
    state: AppState,
    agent_id: String,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.state.agent_hub.disconnect(&self.agent_id);
    }
}

async fn events(State(state): State<AppState>, agent: AgentSession) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let mut rx = state.agent_hub.tx.subscribe();
    state.agent_hub.connect(&agent.agent_id);
    let guard = Connected { state: state.clone(), agent_id: agent.agent_id.clone() };
    let snapshot = handoff::queue_snapshot(&state).await?;
    let me = agent.agent_id.clone();
    let mut stop = state.shutdown.subscribe();
    let stream = async_stream::stream! {
        let _guard = guard;
        yield Ok(SseEvent::default().comment("connected"));
        yield Ok(to_sse(&AgentEvent::Queue { snapshot }));
        loop {
            let next = tokio::select! {
                r = rx.recv() => Some(r),
                _ = stop.wait_for(|s| *s) => None,
            };
            let Some(next) = next else {
                yield Ok(crate::events::restart_hint());
                return;
            };
            match next {
                Ok((to, event)) if to.as_deref().is_none_or(|t| t == me) => yield Ok(to_sse(&event)),
                Ok(_) => continue,
                // A slow console missed events: end the stream; the console reconnects and refetches
                // its queue and transcripts, so nothing stays missing.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn to_sse(event: &AgentEvent) -> SseEvent {
    let name = match event {
        AgentEvent::Queue { .. } => "queue",
        AgentEvent::Conversation { .. } => "conversation",
        AgentEvent::Profile { .. } => "profile",
    };
    SseEvent::default().event(name).data(serde_json::to_string(event).unwrap_or_default())
}

/// Every second: online agents whose console has been gone longer than the timeout go offline.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let timeout = Duration::from_secs(state.config.agent_timeout_secs);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            ticks += 1;
            // Support hours can end while shoppers wait: once a minute the queue is checked.
            if ticks % 60 == 0 && !state.config.support_hours.is_open(chrono::Utc::now()) {
                if let Err(e) = handoff::refresh_queue(&state).await {
                    tracing::warn!(error = %e, "queue check at the end of support hours failed");
                }
            }
            let online: Vec<(String, String)> =
                match sqlx::query_as("SELECT id, display_name FROM agents WHERE online = 1").fetch_all(&state.db).await {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(error = %e, "sweeper query failed");
                        continue;
                    }
                };
            for (id, name) in online {
                if state.agent_hub.gone_for(&id, timeout) {
                    tracing::info!(agent = %id, "agent console gone; taking the agent offline");
                    if let Err(e) = go_offline(&state, &id, &handoff::Why { key: "agent_disconnected", agent: &name }).await {
                        tracing::warn!(error = %e, "taking a vanished agent offline failed");
                    }
                }
            }
        }
    });
}
