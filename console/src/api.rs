//! A small typed client for the agent API under `/v1/agent` (and, for admins, `/v1/admin/agents`): one function per endpoint, each
//! returning `Result<T, ApiError>`. Calls go to the console's own origin; the session lives in an
//! HttpOnly cookie that `fetch` sends by itself (credentials `same-origin`), so no token is ever
//! handled here.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;
use serde_json::json;
use tandem_protocol::{
    AddAgent, AgentListing,
    AgentConversation, AgentLogin, AgentProfile, CannedEdit, CannedFilled, CannedReply, Colleague, ConversationState,
    Draft, ErrorBody, HistoryDetail, HistoryPage, NewCannedReply, NewNote, Note, Presence, QueueItem, QueueSnapshot,
    SendAck, SendMessage, Transfer, Typing,
};
use tandem_client::browser::{self, js_error};
use wasm_bindgen::JsValue;
use web_sys::{Headers, RequestCredentials, RequestInit};

pub use tandem_client::ApiError;

/// What the agent is told about a failed call: the server's own sentence when it sent one, else
/// what happened and what to do. (The error type and its classification are the client core's,
/// shared with the widget; the words are the console's. Use this, not `Display`, which is for
/// developers.)
pub fn explain(e: &ApiError) -> String {
    match e {
        ApiError::Network(_) => "The server could not be reached. Check your connection and try again.".into(),
        ApiError::Server { status, code, .. } if code == "http_error" => {
            format!("The server answered with status {status}. Try again in a moment.")
        }
        ApiError::Server { message, .. } => message.clone(),
        ApiError::Decode(what) => format!("The server sent an answer the console could not read ({what}). Reload the page."),
    }
}

/// One HTTP call through the browser's `fetch`, JSON in and out.
pub(crate) async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> Result<T, ApiError> {
    let headers = Headers::new().map_err(js_error)?;
    headers.set("Accept", "application/json").map_err(js_error)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(b) = body {
        headers.set("Content-Type", "application/json").map_err(js_error)?;
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    let answer = browser::fetch_text(path, &init).await?;
    if answer.ok {
        // 204 and other empty answers decode from `null`.
        let text = if answer.text.is_empty() { "null" } else { &answer.text };
        return serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()));
    }
    let body = serde_json::from_str::<ErrorBody>(&answer.text).ok().map(|b| (b.error.code, b.error.message));
    Err(answer.error(body))
}

pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(method: &str, path: &str, body: &B) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    call(method, path, Some(json)).await
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call("GET", path, None).await
}

/// `POST /v1/agent/login`: sets the session cookie.
pub async fn login(email: &str, password: &str) -> Result<AgentProfile, ApiError> {
    send("POST", "/v1/agent/login", &AgentLogin { email: email.into(), password: password.into() }).await
}

/// `POST /v1/agent/logout`: ends the session and clears the cookie.
pub async fn logout() -> Result<(), ApiError> {
    call::<IgnoredAny>("POST", "/v1/agent/logout", None).await.map(|_| ())
}

/// `GET /v1/agent/me`: the logged-in agent (401 when nobody is).
pub async fn me() -> Result<AgentProfile, ApiError> {
    get("/v1/agent/me").await
}

/// `PUT /v1/agent/presence`: goes online or offline and optionally changes capacity.
pub async fn set_presence(presence: &Presence) -> Result<AgentProfile, ApiError> {
    send("PUT", "/v1/agent/presence", presence).await
}

/// `GET /v1/agent/queue`.
pub async fn queue() -> Result<QueueSnapshot, ApiError> {
    get("/v1/agent/queue").await
}

/// `GET /v1/agent/conversations`: the conversations this agent holds.
pub async fn my_conversations() -> Result<Vec<QueueItem>, ApiError> {
    get("/v1/agent/conversations").await
}

/// `POST /v1/agent/next`: claims the head of the queue.
pub async fn take_next() -> Result<AgentConversation, ApiError> {
    send("POST", "/v1/agent/next", &json!({})).await
}

/// `POST /v1/agent/conversations/{id}/claim`.
pub async fn claim(id: &str) -> Result<AgentConversation, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/claim"), &json!({})).await
}

/// `GET /v1/agent/conversations/{id}`: transcript, summary and account panel data.
pub async fn conversation(id: &str) -> Result<AgentConversation, ApiError> {
    get(&format!("/v1/agent/conversations/{id}")).await
}

/// `POST /v1/agent/conversations/{id}/messages` (idempotent by `client_id`).
pub async fn send_message(id: &str, msg: &SendMessage) -> Result<SendAck, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/messages"), msg).await
}

/// `POST /v1/agent/conversations/{id}/typing`.
pub async fn typing(id: &str, active: bool) -> Result<(), ApiError> {
    send::<_, IgnoredAny>("POST", &format!("/v1/agent/conversations/{id}/typing"), &Typing { active }).await.map(|_| ())
}

/// `POST /v1/agent/conversations/{id}/handback`: back to the assistant.
pub async fn handback(id: &str) -> Result<ConversationState, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/handback"), &json!({})).await
}

/// `POST /v1/agent/conversations/{id}/resolve`.
pub async fn resolve(id: &str) -> Result<ConversationState, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/resolve"), &json!({})).await
}

/// `POST /v1/agent/conversations/{id}/notes`: an internal note.
pub async fn add_note(id: &str, text: &str) -> Result<Note, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/notes"), &NewNote { text: text.into() }).await
}

/// `GET /v1/agent/colleagues`: who else is online.
pub async fn colleagues() -> Result<Vec<Colleague>, ApiError> {
    get("/v1/agent/colleagues").await
}

/// `POST /v1/agent/conversations/{id}/transfer`: to a colleague, or (`to` absent) to the queue.
pub async fn transfer(id: &str, to: Option<String>, note: &str) -> Result<ConversationState, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{id}/transfer"), &Transfer { to_agent_id: to, note: note.into() }).await
}

/// `GET /v1/agent/conversations/{id}/draft`: the assistant's suggestion, if it has one.
pub async fn draft(id: &str) -> Result<Option<Draft>, ApiError> {
    get(&format!("/v1/agent/conversations/{id}/draft")).await
}

/// A query-string value, percent-encoded.
fn enc(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// `GET /v1/agent/canned?conversation={id}`: the team's and my canned replies in the conversation's language.
pub async fn canned_for(conversation: &str) -> Result<Vec<CannedReply>, ApiError> {
    get(&format!("/v1/agent/canned?conversation={}", enc(conversation))).await
}

/// `GET /v1/agent/canned`: the team's and my canned replies in every language.
pub async fn canned_all() -> Result<Vec<CannedReply>, ApiError> {
    get("/v1/agent/canned").await
}

/// `POST /v1/agent/canned`.
pub async fn canned_create(c: &NewCannedReply) -> Result<CannedReply, ApiError> {
    send("POST", "/v1/agent/canned", c).await
}

/// `PUT /v1/agent/canned/{id}`.
pub async fn canned_edit(id: &str, c: &CannedEdit) -> Result<CannedReply, ApiError> {
    send("PUT", &format!("/v1/agent/canned/{}", enc(id)), c).await
}

/// `DELETE /v1/agent/canned/{id}`.
pub async fn canned_delete(id: &str) -> Result<(), ApiError> {
    call::<IgnoredAny>("DELETE", &format!("/v1/agent/canned/{}", enc(id)), None).await.map(|_| ())
}

/// `POST /v1/agent/conversations/{id}/canned/{canned_id}`: the reply filled for this conversation.
pub async fn canned_fill(conversation: &str, canned: &str) -> Result<CannedFilled, ApiError> {
    send("POST", &format!("/v1/agent/conversations/{}/canned/{}", enc(conversation), enc(canned)), &json!({})).await
}

/// `GET /v1/agent/history`: conversations matching the words, shopper and order (each optional),
/// the page after `cursor`.
pub async fn history(words: &str, shopper: &str, order: &str, cursor: Option<&str>) -> Result<HistoryPage, ApiError> {
    let mut path = format!("/v1/agent/history?q={}&shopper={}&order={}", enc(words), enc(shopper), enc(order));
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", enc(c)));
    }
    get(&path).await
}

/// `GET /v1/agent/history/{id}`: one conversation's whole record.
pub async fn history_detail(id: &str) -> Result<HistoryDetail, ApiError> {
    get(&format!("/v1/agent/history/{}", enc(id))).await
}
/// `GET /v1/agent/floor[?day=YYYY-MM-DD]`: the floor now and a day's figures (supervisors).
pub async fn floor(day: Option<&str>) -> Result<tandem_protocol::Floor, ApiError> {
    match day {
        Some(d) => get(&format!("/v1/agent/floor?day={}", enc(d))).await,
        None => get("/v1/agent/floor").await,
    }
}

/// `GET /v1/agent/gaps?limit=N`: questions the assistant did not understand, unlabelled first.
pub async fn gaps(limit: u32) -> Result<tandem_protocol::GapList, ApiError> {
    get(&format!("/v1/agent/gaps?limit={limit}")).await
}

/// `PUT /v1/agent/gaps/{id}`: labels a content gap with one of the pack's topics.
pub async fn label_gap(id: &str, topic: &str) -> Result<(), ApiError> {
    let path = format!("/v1/agent/gaps/{}", enc(id));
    send::<_, IgnoredAny>("PUT", &path, &tandem_protocol::LabelGap { topic: topic.into() }).await.map(|_| ())
}

/// Where the labelled gaps download as training phrases (`GET`, a text file).
pub const GAPS_EXPORT: &str = "/v1/agent/gaps/export";

/// `GET /v1/admin/agents`: every agent, by email (admins).
pub async fn admin_agents() -> Result<Vec<AgentListing>, ApiError> {
    get("/v1/admin/agents").await
}

/// `POST /v1/admin/agents`: adds an agent (admins).
pub async fn admin_add_agent(agent: &AddAgent) -> Result<(), ApiError> {
    send::<_, IgnoredAny>("POST", "/v1/admin/agents", agent).await.map(|_| ())
}

/// `PUT /v1/admin/agents/{id}/role`.
pub async fn admin_set_role(id: &str, role: &str) -> Result<(), ApiError> {
    send::<_, IgnoredAny>("PUT", &format!("/v1/admin/agents/{}/role", enc(id)), &json!({ "role": role })).await.map(|_| ())
}

/// `PUT /v1/admin/agents/{id}/languages`.
pub async fn admin_set_languages(id: &str, languages: &[String]) -> Result<(), ApiError> {
    send::<_, IgnoredAny>("PUT", &format!("/v1/admin/agents/{}/languages", enc(id)), &json!({ "languages": languages })).await.map(|_| ())
}

/// `POST /v1/admin/agents/{id}/disable` (ends their sessions, requeues their conversations) or `/enable`.
pub async fn admin_set_disabled(id: &str, disabled: bool) -> Result<(), ApiError> {
    let action = if disabled { "disable" } else { "enable" };
    send::<_, IgnoredAny>("POST", &format!("/v1/admin/agents/{}/{action}", enc(id)), &json!({})).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_told_the_server_s_sentence_or_what_to_do() {
        let limited = ApiError::answered(429, Some(3), Some(("rate_limited".into(), "Too many requests; wait 3 s.".into())));
        assert_eq!(explain(&limited), "Too many requests; wait 3 s.");
        assert_eq!(explain(&ApiError::answered(502, None, None)), "The server answered with status 502. Try again in a moment.");
        assert!(explain(&ApiError::Network("TypeError".into())).starts_with("The server could not be reached."));
        assert!(explain(&ApiError::Decode("expected value".into())).contains("(expected value). Reload the page."));
    }
}
