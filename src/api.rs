//! A small typed client for the Tandem API: one function per endpoint, each returning
//! `Result<T, ApiError>`. Calls go to the widget's own origin.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tandem_protocol::{
    Conversation, ConversationState, CreateSession, ErrorBody, MerchantConfig, SendAck, SendMessage, Session,
};

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an answer (offline, server down).
    #[error("network error: {0}")]
    Network(String),
    /// The server answered with an error body.
    #[error("{message}")]
    Server { status: u16, code: String, message: String },
    /// The answer could not be read.
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// Worth retrying the same request later (network trouble or a server-side failure).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Server { status, .. } => *status >= 500 || *status == 429,
            ApiError::Decode(_) => false,
        }
    }

    /// The session token is no longer accepted.
    pub fn is_auth(&self) -> bool {
        matches!(self, ApiError::Server { status: 401, .. })
    }

    /// The resource is gone or not ours (start over with a new conversation).
    pub fn is_missing(&self) -> bool {
        matches!(self, ApiError::Server { status: 403 | 404, .. })
    }
}

/// One HTTP call through the browser's `fetch`, JSON in and out. (No HTTP client crate: the
/// widget's first-open budget is counted in bytes.)
async fn call<T: DeserializeOwned>(method: &str, path: &str, token: Option<&str>, body: Option<String>) -> Result<T, ApiError> {
    let network = |e: JsValue| ApiError::Network(format!("{e:?}"));
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let headers = Headers::new().map_err(network)?;
    if let Some(t) = token {
        headers.set("Authorization", &format!("Bearer {t}")).map_err(network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        headers.set("Content-Type", "application/json").map_err(network)?;
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    let res: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init)).await.map_err(network)?.unchecked_into();
    let text = JsFuture::from(res.text().map_err(network)?).await.map_err(network)?.as_string().unwrap_or_default();
    let status = res.status();
    if res.ok() {
        // 204 and other empty answers decode from `null`.
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()));
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(ApiError::Server { status, code: body.error.code, message: body.error.message }),
        Err(_) => Err(ApiError::Server { status, code: "http_error".into(), message: format!("The server answered {status}.") }),
    }
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, token: Option<&str>, body: &B) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    call("POST", path, token, Some(json)).await
}

async fn get<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    call("GET", path, token, None).await
}

/// `POST /v1/sessions`.
pub async fn create_session(req: &CreateSession) -> Result<Session, ApiError> {
    post("/v1/sessions", None, req).await
}

/// `POST /v1/sessions/resume`: the session kept in the partitioned, HttpOnly cookie.
pub async fn resume_session(merchant: &str) -> Result<Session, ApiError> {
    post("/v1/sessions/resume", None, &serde_json::json!({ "merchant_id": merchant })).await
}

/// `DELETE /v1/sessions/current`: logout.
pub async fn end_session(token: Option<&str>) -> Result<(), ApiError> {
    call::<serde::de::IgnoredAny>("DELETE", "/v1/sessions/current", token, None).await.map(|_| ())
}

/// `GET /v1/conversations/latest`.
pub async fn latest_conversation(token: &str) -> Result<Conversation, ApiError> {
    get("/v1/conversations/latest", Some(token)).await
}

/// `GET /v1/merchants/{id}/config`.
pub async fn merchant_config(merchant: &str) -> Result<MerchantConfig, ApiError> {
    get(&format!("/v1/merchants/{merchant}/config"), None).await
}

/// `POST /v1/conversations`.
pub async fn create_conversation(token: &str) -> Result<Conversation, ApiError> {
    post("/v1/conversations", Some(token), &serde_json::json!({})).await
}

/// `GET /v1/conversations/{id}`.
pub async fn conversation(token: &str, id: &str) -> Result<Conversation, ApiError> {
    get(&format!("/v1/conversations/{id}"), Some(token)).await
}

/// `POST /v1/conversations/{id}/messages` (idempotent by `client_id`).
pub async fn send_message(token: &str, id: &str, msg: &SendMessage) -> Result<SendAck, ApiError> {
    post(&format!("/v1/conversations/{id}/messages"), Some(token), msg).await
}

/// `POST /v1/conversations/{id}/handoff`.
pub async fn handoff(token: &str, id: &str) -> Result<ConversationState, ApiError> {
    post(&format!("/v1/conversations/{id}/handoff"), Some(token), &serde_json::json!({})).await
}

/// `POST /v1/conversations/{id}/contact`: the email to answer at while no one is available.
pub async fn leave_contact(token: &str, id: &str, email: &str) -> Result<ConversationState, ApiError> {
    post(&format!("/v1/conversations/{id}/contact"), Some(token), &tandem_protocol::LeaveContact { email: email.into() }).await
}

/// `POST /v1/conversations/{id}/rating`.
pub async fn rate(token: &str, id: &str, rating: &tandem_protocol::Rating) -> Result<ConversationState, ApiError> {
    post(&format!("/v1/conversations/{id}/rating"), Some(token), rating).await
}

/// `POST /v1/conversations/{id}/typing`: tells the agent the shopper is (or stopped) typing.
pub async fn typing(token: &str, id: &str, active: bool) -> Result<(), ApiError> {
    post::<_, serde::de::IgnoredAny>(&format!("/v1/conversations/{id}/typing"), Some(token), &tandem_protocol::Typing { active })
        .await
        .map(|_| ())
}
