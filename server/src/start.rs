//! `POST /v1/start`: the widget's start-up in one round trip. The session is the device's own
//! (its bearer token), else the partitioned resume cookie's, each only for the shopper the host
//! presents, else a new one; the conversation is the one the device showed last when it is the
//! shopper's, else their latest that has not ended, else a new one. The separate calls this
//! replaces (`/v1/sessions`, `/v1/sessions/resume`, `/v1/conversations/latest`, …) stay for the
//! console, tests and older widgets.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use tandem_protocol::{Conversation, Session, Shopper, StartRequest, Started};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::sessions::{self, ShopperSession};
use crate::store::Status;
use crate::{conversations, identity, AppState};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/start", post(start))
}

/// Whether a session may be reused while the host presents `presented_subject` (the `sub` of its
/// identity token, `None` for a visitor): an anonymous session only without an identity, an
/// identified one only for the same shopper. So on a shared computer the next shopper never
/// inherits the previous one's conversation or account.
pub fn session_fits(shopper: &Shopper, presented_subject: Option<&str>) -> bool {
    match presented_subject {
        None => !shopper.identified,
        Some(sub) => shopper.identified && sub == shopper.id,
    }
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartRequest>,
) -> ApiResult<([(HeaderName, HeaderValue); 1], Json<Started>)> {
    let merchant_id = sessions::known_merchant(&state, &req.merchant_id).await?;
    let shown_last = conversation_id(req.conversation_id.as_deref())?;
    let identity_token = req.identity_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    // Read unverified: it only decides whether to keep a session the caller already holds (its
    // token or cookie), never grants one; a new session verifies the token.
    let subject = identity_token.and_then(identity::unverified_subject);
    let kept = kept_session(&state, merchant_id, device_token(&headers)?, sessions::cookie_token(&headers), subject.as_deref()).await?;
    let new_session = kept.is_none();
    let (session, cookie, identity_refused) = match kept {
        Some((session, cookie)) => (session, cookie, None),
        None => {
            let now = Utc::now().timestamp();
            let (shopper, expires_secs, refused) = match sessions::new_shopper(&state, merchant_id, identity_token, now) {
                Ok((shopper, expires_secs)) => (shopper, expires_secs, None),
                // An expired (or foreign) identity token never leaves the shopper stuck: they
                // continue signed out, and the answer says so for the host page.
                Err(e) => {
                    let (shopper, expires_secs) = sessions::new_shopper(&state, merchant_id, None, now).map_err(sessions::identity_refused)?;
                    (shopper, expires_secs, Some(e.code().to_string()))
                }
            };
            let (session, cookie) = sessions::issue(&state, merchant_id, req.locale.as_deref(), shopper, expires_secs).await?;
            (session, cookie, refused)
        }
    };
    let owner = ShopperSession {
        shopper_id: session.shopper.id.clone(),
        shopper_name: session.shopper.name.clone(),
        identified: session.shopper.identified,
        merchant_id: merchant_id.to_string(),
        locale: session.locale.clone(),
    };
    // A new session is a new shopper as far as this device knows: what it showed last is not theirs.
    let (conversation, new_conversation) = to_show(&state, &owner, shown_last.filter(|_| !new_session)).await?;
    let started = Started { session, new_session, identity_refused, conversation, new_conversation };
    Ok(([(header::SET_COOKIE, cookie)], Json(started)))
}

/// The session to keep: the device's (bearer token), else the resume cookie's, the first that is
/// live, this merchant's and fits the presented shopper; with its resume cookie.
async fn kept_session(
    state: &AppState,
    merchant_id: &str,
    device: Option<String>,
    cookie: Option<String>,
    subject: Option<&str>,
) -> ApiResult<Option<(Session, HeaderValue)>> {
    let cookie = cookie.filter(|c| device.as_ref() != Some(c));
    for token in device.into_iter().chain(cookie) {
        if let Some((session, cookie)) = sessions::live_session(state, token, merchant_id).await? {
            if session_fits(&session.shopper, subject) {
                return Ok(Some((session, cookie)));
            }
        }
    }
    Ok(None)
}

/// The conversation to show the session's shopper, and whether it was created now: the one the
/// device showed last when it is theirs (even resolved, so it can be rated), else their latest
/// unless it ended, else a new one.
async fn to_show(state: &AppState, owner: &ShopperSession, shown_last: Option<&str>) -> ApiResult<(Conversation, bool)> {
    if let Some(id) = shown_last {
        if let Some(row) = state.store.conversation(id).await?.filter(|row| conversations::belongs(row, owner)) {
            return Ok((conversations::whole(state, id.to_string(), row).await?, false));
        }
    }
    if let Some(id) = state.store.latest_conversation(&owner.shopper_id, &owner.merchant_id).await? {
        if let Some(row) = state.store.conversation(&id).await?.filter(|row| row.status != Status::Resolved) {
            return Ok((conversations::whole(state, id, row).await?, false));
        }
    }
    Ok((conversations::open_new(state, owner).await?, true))
}

/// The device's session token from `Authorization: Bearer <token>`; none without the header.
fn device_token(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
    match token {
        Some(t) => Ok(Some(t.to_string())),
        None => Err(ApiError::unauthorized(
            "missing_token",
            "The Authorization header must be `Bearer <session token>`; leave it out when the device has no session.",
        )),
    }
}

/// The longest conversation id read (the server's are 36-character UUIDs).
const MAX_ID_LEN: usize = 64;

/// The conversation id the device showed last: blank is none; otherwise 1 to 64 characters of
/// letters, digits, '-' or '_' (422).
fn conversation_id(raw: Option<&str>) -> ApiResult<Option<&str>> {
    let Some(id) = raw.map(str::trim).filter(|id| !id.is_empty()) else { return Ok(None) };
    if id.len() <= MAX_ID_LEN && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(Some(id))
    } else {
        Err(ApiError::field(
            "invalid_conversation_id",
            "conversation_id",
            format!("conversation_id must be 1 to {MAX_ID_LEN} characters of letters, digits, '-' or '_'; leave it out when the device has none."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shopper(id: &str, identified: bool) -> Shopper {
        Shopper { id: id.into(), name: None, identified }
    }

    #[test]
    fn a_session_is_kept_only_for_its_own_shopper() {
        assert!(session_fits(&shopper("anon-1", false), None));
        assert!(!session_fits(&shopper("alice", true), None), "a signed-out visitor never gets the signed-in shopper's session");
        assert!(session_fits(&shopper("alice", true), Some("alice")));
        assert!(!session_fits(&shopper("alice", true), Some("bob")), "the next shopper on a shared computer starts afresh");
        assert!(!session_fits(&shopper("anon-1", false), Some("alice")), "signing in replaces the anonymous session");
        assert!(!session_fits(&shopper("alice", false), Some("alice")), "an anonymous id that happens to equal the subject");
    }

    #[test]
    fn a_conversation_id_is_checked_for_shape() {
        assert_eq!(conversation_id(None).unwrap(), None);
        assert_eq!(conversation_id(Some("  ")).unwrap(), None);
        assert_eq!(conversation_id(Some("5f0c7a9e-1b2c-4d3e-8f90-123456789abc")).unwrap(), Some("5f0c7a9e-1b2c-4d3e-8f90-123456789abc"));
        assert!(conversation_id(Some("../etc/passwd")).is_err());
        assert!(conversation_id(Some(&"a".repeat(65))).is_err());
    }
}
