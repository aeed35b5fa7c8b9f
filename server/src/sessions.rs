//! Shopper sessions: `POST /v1/sessions` issues a random 256-bit bearer token (stored hashed),
//! bound to one shopper; the [`ShopperSession`] extractor authenticates every shopper call.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tandem_protocol::{CreateSession, Session, Shopper};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{now_ms, NewSession};
use crate::{identity, AppState};

/// How long a shopper session lasts.
const SESSION_DAYS: i64 = 30;

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
fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/v1/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=None; Partitioned"
    ))
    .expect("hex token is a valid header value")
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
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
/// the body (kept in memory by the widget) for the `Authorization` header. 401 `no_session` when there is none to resume.
async fn resume_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ResumeRequest>,
) -> ApiResult<(HeaderMap, Json<Session>)> {
    let none = || ApiError::unauthorized("no_session", "There is no session to resume. Start a new session.");
    let token = cookie_token(&headers).ok_or_else(none)?;
    let (session, expires_ms) = lookup(&state, &token).await?.ok_or_else(none)?;
    if !is_live(expires_ms) || session.merchant_id != req.merchant_id {
        return Err(none());
    }
    let expires_at = expiry_text(expires_ms);
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, session_cookie(&token, SESSION_DAYS * 86_400));
    let shopper = Shopper { id: session.shopper_id, name: session.shopper_name, identified: session.identified };
    Ok((out, Json(Session { token, shopper, locale: session.locale, expires_at })))
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
) -> ApiResult<(StatusCode, HeaderMap, Json<Session>)> {
    let merchant_id = req.merchant_id.trim();
    if merchant_id.is_empty() {
        return Err(ApiError::field("missing_merchant", "merchant_id", "merchant_id is required."));
    }
    if !state.store.merchant_exists(merchant_id).await? {
        return Err(ApiError::not_found("unknown_merchant", format!("No merchant with id '{merchant_id}' is configured.")));
    }
    let locale = req.locale.as_deref().and_then(normalise_locale).unwrap_or_else(|| "en".into());

    let shopper = match req.identity_token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => {
            let secret = state.config.identity_secret().ok_or_else(|| {
                ApiError::unauthorized("identity_not_supported", identity::IdentityError::NotConfigured.to_string())
            })?;
            let claims = identity::verify(token, &secret, Utc::now().timestamp()).map_err(|e| {
                ApiError::unauthorized("invalid_identity_token", format!("{e}. Sign in again to see your account."))
            })?;
            Shopper { id: claims.sub, name: claims.name, identified: true }
        }
        None => Shopper { id: format!("anon-{}", uuid::Uuid::new_v4()), name: None, identified: false },
    };

    let token = new_token();
    let now = Utc::now();
    // Whole seconds: the expiry the client is shown is exactly the one stored.
    let expires_ms = (now + Duration::days(SESSION_DAYS)).timestamp() * 1000;
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
    let expires_at = expiry_text(expires_ms);
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&token, SESSION_DAYS * 86_400));
    Ok((StatusCode::CREATED, headers, Json(Session { token, shopper, locale, expires_at })))
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
async fn lookup(state: &AppState, token: &str) -> ApiResult<Option<(ShopperSession, i64)>> {
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

fn is_live(expires_ms: i64) -> bool {
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
    fn tokens_are_256_bits_and_hashing_is_stable() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), t);
    }
}
