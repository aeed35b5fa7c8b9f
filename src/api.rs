//! A small typed client for the Tandem API: one function per endpoint, each returning
//! `Result<T, ApiError>`. Calls go to the widget's own origin; JSON is read and written by
//! [`crate::wire`] (no serde in the widget's Wasm).

use tandem_client::browser::{self, js_error, Answer};
use tandem_protocol::{Conversation, ConversationState, MerchantConfig, Reopened, SendAck, StartRequest, Started};
use wasm_bindgen::JsValue;
use web_sys::{Headers, RequestInit};

use crate::wire::{self, FromJs, Ignored, Obj};

pub use tandem_client::ApiError;

/// What the shopper is told about a failed call, in their language: never the server's own
/// (English) wording. (The error type and its classification are the client core's, shared with
/// the agents' console; the words are the widget's.)
pub trait ShopperText {
    /// The sentence for the shopper.
    fn shopper_text(&self, s: &'static crate::i18n::Strings) -> &'static str;
}

impl ShopperText for ApiError {
    fn shopper_text(&self, s: &'static crate::i18n::Strings) -> &'static str {
        match self {
            ApiError::Network(_) => s.err_network,
            e if e.is_busy() => s.err_busy,
            ApiError::Server { status, .. } if *status >= 500 => s.err_server,
            ApiError::Server { code, .. } => match code.as_str() {
                "text_too_long" => s.err_too_long,
                "empty_text" => s.err_empty,
                "conversation_closed" => s.err_closed,
                _ => s.err_other,
            },
            ApiError::Decode(_) => s.err_other,
        }
    }
}

/// One HTTP call through the browser's `fetch`. Not generic, so it is compiled once.
async fn fetch_text(method: &str, path: &str, token: Option<&str>, body: Option<String>) -> Result<Answer, ApiError> {
    let headers = Headers::new().map_err(js_error)?;
    if let Some(t) = token {
        headers.set("Authorization", &format!("Bearer {t}")).map_err(js_error)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        headers.set("Content-Type", "application/json").map_err(js_error)?;
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    browser::fetch_text(path, &init).await
}

/// One JSON call: the answer read as `T`, or the error body as an [`ApiError`].
async fn call<T: FromJs>(method: &str, path: &str, token: Option<&str>, body: Option<String>) -> Result<T, ApiError> {
    let answer = fetch_text(method, path, token, body).await?;
    if !answer.ok {
        return Err(answer.error(wire::error_body(&answer.text)));
    }
    let text = &answer.text;
    wire::parse(if text.is_empty() { "null" } else { text }).map_err(|_| ApiError::Decode(path.into()))
}

/// An empty JSON object, for POSTs without a body of their own.
const EMPTY: &str = "{}";

/// `POST /v1/start`: start-up in one round trip; the session the device kept (`token`) is
/// resumed or replaced by the server, which returns the conversation to show.
pub async fn start(token: Option<&str>, req: &StartRequest) -> Result<Started, ApiError> {
    call("POST", "/v1/start", token, Some(wire::start_request(req))).await
}

/// `DELETE /v1/sessions/current`: logout.
pub async fn end_session(token: Option<&str>) -> Result<(), ApiError> {
    call::<Ignored>("DELETE", "/v1/sessions/current", token, None).await.map(|_| ())
}

/// `GET /v1/merchants/{id}/config`.
pub async fn merchant_config(merchant: &str) -> Result<MerchantConfig, ApiError> {
    call("GET", &format!("/v1/merchants/{merchant}/config"), None, None).await
}

/// `POST /v1/conversations`.
pub async fn create_conversation(token: &str) -> Result<Conversation, ApiError> {
    call("POST", "/v1/conversations", Some(token), Some(EMPTY.into())).await
}

/// `GET /v1/conversations/{id}`.
pub async fn conversation(token: &str, id: &str) -> Result<Conversation, ApiError> {
    call("GET", &format!("/v1/conversations/{id}"), Some(token), None).await
}

/// `POST /v1/conversations/{id}/messages` (idempotent by `client_id`).
pub async fn send_message(token: &str, id: &str, client_id: &str, text: &str) -> Result<SendAck, ApiError> {
    let body = Obj::default().str("client_id", client_id).str("text", text).json();
    call("POST", &format!("/v1/conversations/{id}/messages"), Some(token), Some(body)).await
}

/// `POST /v1/conversations/{id}/handoff`.
pub async fn handoff(token: &str, id: &str) -> Result<ConversationState, ApiError> {
    call("POST", &format!("/v1/conversations/{id}/handoff"), Some(token), Some(EMPTY.into())).await
}

/// `POST /v1/conversations/{id}/contact`: the email to answer at while no one is available.
pub async fn leave_contact(token: &str, id: &str, email: &str) -> Result<ConversationState, ApiError> {
    call("POST", &format!("/v1/conversations/{id}/contact"), Some(token), Some(Obj::default().str("email", email).json())).await
}

/// `POST /v1/reopen`: an email link's token (once) for a session and the conversation to show.
pub async fn reopen(token: &str) -> Result<Reopened, ApiError> {
    call("POST", "/v1/reopen", None, Some(Obj::default().str("token", token).json())).await
}

/// `POST /v1/conversations/{id}/transcript-email`: the transcript to `email` (the address left
/// earlier when empty).
pub async fn transcript_email(token: &str, id: &str, email: &str) -> Result<(), ApiError> {
    let body = Obj::default().opt_str("email", (!email.is_empty()).then_some(email)).json();
    call::<Ignored>("POST", &format!("/v1/conversations/{id}/transcript-email"), Some(token), Some(body)).await.map(|_| ())
}

/// `POST /v1/conversations/{id}/rating`.
pub async fn rate(token: &str, id: &str, score: u8, comment: Option<&str>) -> Result<ConversationState, ApiError> {
    let body = Obj::default().num("score", score as f64).opt_str("comment", comment).json();
    call("POST", &format!("/v1/conversations/{id}/rating"), Some(token), Some(body)).await
}

/// `POST /v1/conversations/{id}/typing`: tells the agent the shopper is (or stopped) typing.
pub async fn typing(token: &str, id: &str, active: bool) -> Result<(), ApiError> {
    let body = Obj::default().bool("active", active).json();
    call::<Ignored>("POST", &format!("/v1/conversations/{id}/typing"), Some(token), Some(body)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n;

    #[test]
    fn errors_are_told_in_the_shopper_s_language_never_in_the_server_s_words() {
        for locale in ["en", "sv", "de", "ar"] {
            let s = i18n::strings(locale);
            let server = |status: u16, code: &str| ApiError::server(status, code, "The message is 2001 characters long");
            assert_eq!(server(422, "text_too_long").shopper_text(s), s.err_too_long);
            assert_eq!(server(409, "conversation_closed").shopper_text(s), s.err_closed);
            assert_eq!(server(429, "rate_limited").shopper_text(s), s.err_busy);
            assert_eq!(server(503, "unavailable").shopper_text(s), s.err_busy);
            assert_eq!(server(500, "internal").shopper_text(s), s.err_server);
            assert_eq!(server(400, "something_new").shopper_text(s), s.err_other);
            assert_eq!(ApiError::Network("TypeError: Failed to fetch".into()).shopper_text(s), s.err_network);
            assert!(!server(400, "x").shopper_text(s).contains("2001"));
        }
        assert_ne!(i18n::strings("de").err_other, i18n::strings("en").err_other);
    }
}
