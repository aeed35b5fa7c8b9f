//! The email routes: reopening a conversation from a link, the transcript by email, and whether
//! email is on (for the console).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use tandem_protocol::{AgentSettings, Reopened, ReopenRequest, Session, Shopper, TranscriptEmailQueued, TranscriptEmailRequest};

use super::compose;
use crate::agents::AgentSession;
use crate::conversations::{authorize, load_row, transcript};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::handoff::valid_email;
use crate::sessions::{hash_token, new_token, session_expiry, ShopperSession};
use crate::store::{now_ms, LinkUse, NewEmail, NewSession};
use crate::AppState;

/// Transcript emails one conversation may ask for in a day (each goes to an address the shopper
/// types, so they are few).
const TRANSCRIPTS_PER_DAY: i64 = 3;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reopen", post(reopen))
        .route("/conversations/{id}/transcript-email", post(transcript_email))
        .route("/agent/settings", get(settings))
}

/// `GET /v1/agent/settings`.
async fn settings(State(state): State<AppState>, _agent: AgentSession) -> Json<AgentSettings> {
    Json(AgentSettings { email: state.email.is_some() })
}

fn gone(code: &'static str, message: &str) -> ApiError {
    ApiError::Invalid { status: StatusCode::GONE, code, message: message.into(), field: None }
}

/// `POST /v1/reopen`: exchanges an email link's token (once) for a fresh session of the
/// conversation's shopper at its merchant, and the conversation's id.
async fn reopen(State(state): State<AppState>, ApiJson(body): ApiJson<ReopenRequest>) -> ApiResult<(StatusCode, Json<Reopened>)> {
    let token = body.token.trim();
    if token.is_empty() || token.len() > 128 {
        return Err(ApiError::field("invalid_token", "token", "The link's token is missing or malformed; open the link from the email again."));
    }
    let conversation_id = match state.store.use_email_link(&hash_token(token), now_ms()).await? {
        LinkUse::Opened(id) => id,
        LinkUse::Used => return Err(gone("link_used", "This link was already used. Each link in an email opens the conversation once.")),
        LinkUse::Expired => return Err(gone("link_expired", "This link has expired. Start a new conversation in the chat.")),
        LinkUse::Unknown => return Err(ApiError::not_found("unknown_link", "This link is not valid (it may have been deleted). Start a new conversation in the chat.")),
    };
    let row = load_row(&state, &conversation_id).await?;
    let now = Utc::now();
    // A link reaches whoever holds the email: for a signed-in shopper's conversation the session is
    // as short as one whose identity token just expired (the provider's sign-in brings a longer one).
    let token_exp = row.identified.then_some(now.timestamp());
    let expires_ms = session_expiry(now.timestamp(), token_exp, state.config.session_idle_secs) * 1000;
    let session_token = new_token();
    state
        .store
        .create_session(&NewSession {
            token_hash: &hash_token(&session_token),
            shopper_id: &row.shopper_id,
            shopper_name: None,
            identified: row.identified,
            merchant_id: &row.merchant_id,
            locale: &row.locale,
            created_ms: now.timestamp_millis(),
            expires_ms,
        })
        .await?;
    let session = Session {
        token: session_token,
        shopper: Shopper { id: row.shopper_id, name: None, identified: row.identified },
        locale: row.locale,
        expires_at: crate::store::ms_to_rfc3339(expires_ms),
    };
    Ok((StatusCode::CREATED, Json(Reopened { session, conversation_id })))
}

/// `POST /v1/conversations/{id}/transcript-email`: queues the conversation's transcript (what the
/// shopper saw: never an agent's internal notes) to the given address or the one they left.
async fn transcript_email(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TranscriptEmailRequest>,
) -> ApiResult<(StatusCode, Json<TranscriptEmailQueued>)> {
    let row = authorize(&state, &session, &id).await?;
    if state.email.is_none() {
        return Err(ApiError::conflict("email_off", "Email is not set up on this server, so the transcript cannot be emailed."));
    }
    let address = match body.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => e.to_string(),
        None => row.contact.clone().ok_or_else(|| ApiError::field("email_required", "email", "Give the email address to send the transcript to."))?,
    };
    if !valid_email(&address) {
        return Err(ApiError::field("invalid_email", "email", "That does not look like an email address, e.g. name@example.com."));
    }
    let day_ago = now_ms() - 86_400_000;
    if state.store.emails_queued_since(&id, "transcript", day_ago).await? >= TRANSCRIPTS_PER_DAY {
        return Err(ApiError::TooMany {
            retry_after_secs: 3600,
            message: format!("This conversation's transcript was already emailed {TRANSCRIPTS_PER_DAY} times today; try again tomorrow."),
        });
    }
    // Any address may be typed, so one inbox gets few transcripts a day from all conversations.
    if state.store.emails_to_since(&address, "transcript", day_ago).await? >= TRANSCRIPTS_PER_DAY {
        return Err(ApiError::TooMany {
            retry_after_secs: 3600,
            message: format!("This address already received {TRANSCRIPTS_PER_DAY} transcripts today; try again tomorrow."),
        });
    }
    let (messages, _) = transcript(&state, &id).await?;
    let voice = state.assistant.voice(&row.locale, state.config.support_hours);
    let (subject, text) = compose::transcript(&voice, &messages);
    let email_id = format!("transcript:{}", uuid::Uuid::new_v4());
    let email = NewEmail { id: &email_id, conversation_id: &id, kind: "transcript", recipient: &address, subject: &subject, body: &text, now_ms: now_ms() };
    super::queue(&state, &email).await?;
    Ok((StatusCode::ACCEPTED, Json(TranscriptEmailQueued { email: address })))
}
