//! Shopper sessions: `POST /v1/sessions` issues a random 256-bit bearer token (stored hashed),
//! bound to one shopper at one merchant; the [`ShopperSession`] extractor authenticates every
//! shopper call. An identified session comes from a provider-signed identity token for that
//! merchant (`crate::identity`) and ends at the latest `--session-idle-secs` after the token does.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tandem_protocol::{CreateSession, Session, Shopper};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{now_ms, NewSession};
use crate::{identity, AppState};

/// The longest a shopper session lasts (an anonymous one always; an identified one ends earlier,
/// see [`session_expiry`]).
const SESSION_MAX_SECS: i64 = 30 * 86_400;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(create_session))
        .route("/sessions/resume", post(resume_session))
        .route("/sessions/current", axum::routing::delete(end_session))
}

/// Name of the cookie that lets the widget resume its session where the browser refuses
/// third-party `localStorage` (Chrome with third-party cookies blocked, Safari).
pub const SESSION_COOKIE: &str = "tandem_session";

/// The session cookie: HttpOnly (no script reads it, the merchant's least of all), partitioned by
/// the top-level site (CHIPS), so it works inside the merchant's iframe without cross-site tracking.
pub(crate) fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/v1/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=None; Partitioned"
    ))
    .expect("hex token is a valid header value")
}

/// The session token the resume cookie holds, if the request carries one.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

/// Body of `POST /v1/sessions/resume`.
#[derive(serde::Deserialize)]
struct ResumeRequest {
    merchant_id: String,
}

/// `POST /v1/sessions/resume`: the session named by the partitioned cookie, its token returned in
/// the body (kept in memory by the widget) for the `Authorization` header. `204 No Content` when
/// there is none to resume: every first visit asks, and "no session yet" is not an error (a 4xx
/// would show as a failed request in the merchant's developer tools).
async fn resume_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ResumeRequest>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let Some(token) = cookie_token(&headers) else { return Ok(StatusCode::NO_CONTENT.into_response()) };
    match live_session(&state, token, &req.merchant_id).await? {
        Some((session, cookie)) => Ok(([(header::SET_COOKIE, cookie)], Json(session)).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// The session behind `token` when it is live and `merchant_id`'s, as the API shows it, with a
/// resume cookie that lives exactly as long as the session.
pub(crate) async fn live_session(state: &AppState, token: String, merchant_id: &str) -> ApiResult<Option<(Session, HeaderValue)>> {
    let Some((session, expires_ms)) = lookup(state, &token).await? else { return Ok(None) };
    if !is_live(expires_ms) || session.merchant_id != merchant_id {
        return Ok(None);
    }
    let cookie = session_cookie(&token, (expires_ms - now_ms()).div_euclid(1000).max(0));
    let shopper = Shopper { id: session.shopper_id, name: session.shopper_name, identified: session.identified };
    Ok(Some((Session { token, shopper, locale: session.locale, expires_at: expiry_text(expires_ms) }, cookie)))
}

/// `DELETE /v1/sessions/current`: ends the session (logout): the token stops working and the
/// cookie is cleared.
async fn end_session(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<(StatusCode, HeaderMap)> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    for token in bearer.into_iter().chain(cookie_token(&headers)) {
        state.store.delete_session(&hash_token(&token)).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, session_cookie("", 0));
    Ok((StatusCode::NO_CONTENT, out))
}

/// An authenticated shopper session, extracted from `Authorization: Bearer <token>`.
#[derive(Clone, Debug)]
pub struct ShopperSession {
    pub shopper_id: String,
    pub shopper_name: Option<String>,
    pub identified: bool,
    pub merchant_id: String,
    pub locale: String,
}

/// SHA-256 of a token, hex: what the database stores instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random 256-bit token, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn create_session(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateSession>,
) -> ApiResult<(StatusCode, [(header::HeaderName, HeaderValue); 1], Json<Session>)> {
    let merchant_id = known_merchant(&state, &req.merchant_id).await?;
    let now = Utc::now().timestamp();
    let (shopper, expires_secs) = new_shopper(&state, merchant_id, req.identity_token.as_deref(), now).map_err(identity_refused)?;
    let (session, cookie) = issue(&state, merchant_id, req.locale.as_deref(), shopper, expires_secs).await?;
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(session)))
}

/// Checks a merchant id from a request: present (422) and configured (404). The trimmed id.
pub(crate) async fn known_merchant<'a>(state: &AppState, merchant_id: &'a str) -> ApiResult<&'a str> {
    let merchant_id = merchant_id.trim();
    if merchant_id.is_empty() {
        return Err(ApiError::field("missing_merchant", "merchant_id", "merchant_id is required."));
    }
    if !state.store.merchant_exists(merchant_id).await? {
        return Err(ApiError::not_found("unknown_merchant", format!("No merchant with id '{merchant_id}' is configured.")));
    }
    Ok(merchant_id)
}

/// Who a new session at `merchant_id` is for, and when it ends (Unix seconds): the shopper of a
/// verified identity token (absent or blank: a new anonymous shopper). A token refused, or one
/// that would give a session already over, is the refusal.
pub(crate) fn new_shopper(state: &AppState, merchant_id: &str, identity_token: Option<&str>, now: i64) -> Result<(Shopper, i64), identity::IdentityError> {
    let (shopper, token_exp) = match identity_token.map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => {
            // The token must be for this merchant (`aud`): one merchant's page cannot open the
            // shopper's conversations with another.
            let identity = state.identity.verify(token, merchant_id, now)?;
            (Shopper { id: identity.sub, name: identity.name, identified: true }, Some(identity.exp))
        }
        None => (Shopper { id: format!("anon-{}", uuid::Uuid::new_v4()), name: None, identified: false }, None),
    };
    // Whole seconds: the expiry the client is shown is exactly the one stored, and the cookie's
    // Max-Age matches it.
    let expires_secs = session_expiry(now, token_exp, state.config.session_idle_secs);
    if expires_secs <= now {
        return Err(identity::IdentityError::Expired { exp: token_exp.unwrap_or_default(), now });
    }
    Ok((shopper, expires_secs))
}

/// Stores a new session for `shopper` at a known merchant, ending at `expires_secs`: the session
/// as the API shows it (its token shown this once) and its resume cookie.
pub(crate) async fn issue(
    state: &AppState,
    merchant_id: &str,
    locale: Option<&str>,
    shopper: Shopper,
    expires_secs: i64,
) -> ApiResult<(Session, HeaderValue)> {
    let locale = locale.and_then(normalise_locale).unwrap_or_else(|| "en".into());
    let now = Utc::now();
    let token = new_token();
    let expires_ms = expires_secs * 1000;
    let token_hash = hash_token(&token);
    state
        .store
        .create_session(&NewSession {
            token_hash: &token_hash,
            shopper_id: &shopper.id,
            shopper_name: shopper.name.as_deref(),
            identified: shopper.identified,
            merchant_id,
            locale: &locale,
            created_ms: now.timestamp_millis(),
            expires_ms,
        })
        .await?;
    let cookie = session_cookie(&token, expires_secs - now.timestamp());
    Ok((Session { token, shopper, locale, expires_at: expiry_text(expires_ms) }, cookie))
}

/// When a session created at `now` ends (Unix seconds): an anonymous one after the session
/// maximum; an identified one also at most `idle_secs` after its identity token expires, so a
/// session never outlives the provider's word for long.
pub fn session_expiry(now: i64, token_exp: Option<i64>, idle_secs: u64) -> i64 {
    let max = now + SESSION_MAX_SECS;
    match token_exp {
        Some(exp) => max.min(exp.saturating_add(idle_secs.min(SESSION_MAX_SECS as u64) as i64)),
        None => max,
    }
}

/// A refused identity token, in the API's error shape: 401, the refusal's own code, the field.
pub(crate) fn identity_refused(e: identity::IdentityError) -> ApiError {
    ApiError::Invalid {
        status: StatusCode::UNAUTHORIZED,
        code: e.code(),
        message: format!("{e}. The shopper's session was not created; sign in again (a fresh token) to see the account."),
        field: Some("identity_token"),
    }
}

/// Accepts a BCP 47-shaped tag (`sv`, `en-GB`, `ar`); anything else falls back to the default.
fn normalise_locale(tag: &str) -> Option<String> {
    let tag = tag.trim();
    let ok = !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then(|| tag.to_string())
}

/// The stored session behind a token, with its expiry (milliseconds since the epoch).
pub(crate) async fn lookup(state: &AppState, token: &str) -> ApiResult<Option<(ShopperSession, i64)>> {
    Ok(state.store.session(&hash_token(token)).await?.map(|s| {
        let session = ShopperSession {
            shopper_id: s.shopper_id,
            shopper_name: s.shopper_name,
            identified: s.identified,
            merchant_id: s.merchant_id,
            locale: s.locale,
        };
        (session, s.expires_ms)
    }))
}

/// Whether a session ending at `expires_ms` is still valid.
pub(crate) fn is_live(expires_ms: i64) -> bool {
    expires_ms > now_ms()
}

/// An expiry as the API shows it (RFC 3339, whole seconds).
fn expiry_text(expires_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(expires_ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl FromRequestParts<AppState> for ShopperSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("missing_token", "Send the session token as `Authorization: Bearer <token>`.")
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("missing_token", "The Authorization header must be `Bearer <token>`."))?;
        let Some((session, expires_ms)) = lookup(state, token).await? else {
            return Err(ApiError::unauthorized("invalid_session", "This session is not valid. Start a new session."));
        };
        if !is_live(expires_ms) {
            return Err(ApiError::unauthorized("session_expired", "This session has expired. Start a new session."));
        }
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_checked_for_shape() {
        assert_eq!(normalise_locale("en-GB").as_deref(), Some("en-GB"));
        assert_eq!(normalise_locale("ar").as_deref(), Some("ar"));
        assert_eq!(normalise_locale("<script>"), None);
        assert_eq!(normalise_locale("en--GB"), None);
    }

    #[test]
    fn an_identified_session_ends_idle_time_after_its_token_at_the_latest() {
        let now = 1_764_000_000;
        assert_eq!(session_expiry(now, None, 1800), now + SESSION_MAX_SECS);
        assert_eq!(session_expiry(now, Some(now + 3600), 1800), now + 3600 + 1800);
        assert_eq!(session_expiry(now, Some(now + 3600), 0), now + 3600);
        // Never longer than the session maximum, whatever the idle time.
        assert_eq!(session_expiry(now, Some(now + 3600), u64::MAX), now + SESSION_MAX_SECS);
    }

    #[test]
    fn tokens_are_256_bits_and_hashing_is_stable() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), t);
    }
}
