//! A small typed client for the Tandem API: one function per endpoint, each returning
//! `Result<T, ApiError>`. Calls go to the widget's own origin.

use gloo_net::http::{Request, RequestBuilder, Response};
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

fn with_auth(req: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(t) => req.header("Authorization", &format!("Bearer {t}")),
        None => req,
    }
}

async fn decode<T: DeserializeOwned>(res: Result<Response, gloo_net::Error>) -> Result<T, ApiError> {
    let res = res.map_err(|e| ApiError::Network(e.to_string()))?;
    if res.ok() {
        return res.json::<T>().await.map_err(|e| ApiError::Decode(e.to_string()));
    }
    let status = res.status();
    match res.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError::Server { status, code: body.error.code, message: body.error.message }),
        Err(_) => Err(ApiError::Server { status, code: "http_error".into(), message: format!("The server answered {status}.") }),
    }
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, token: Option<&str>, body: &B) -> Result<T, ApiError> {
    let req = with_auth(Request::post(path), token).json(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(req.send().await).await
}

async fn get<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    decode(with_auth(Request::get(path), token).send().await).await
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
    let res = with_auth(Request::delete("/v1/sessions/current"), token).send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    if res.ok() { Ok(()) } else { Err(ApiError::Server { status: res.status(), code: "http_error".into(), message: "logout failed".into() }) }
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
