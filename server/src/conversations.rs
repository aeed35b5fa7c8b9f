//! Conversations: create, fetch, send a message (idempotent by client id), and the assistant's
//! reply, which is computed after the shopper's message is stored and acknowledged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tandem_assistant::{Context, Turn};
use tandem_protocol::{
    Author, Block, Conversation, ConversationState, Event, Message, SendAck, SendMessage, MAX_CLIENT_ID_LEN,
    MAX_MESSAGE_CHARS,
};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::events::{self, AppendOptions, Appended};
use crate::sessions::ShopperSession;
use crate::{handoff, now_rfc3339, AppState};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", post(create))
        .route("/conversations/latest", get(latest))
        .route("/conversations/{id}", get(fetch))
        .route("/conversations/{id}/messages", post(send))
        .route("/conversations/{id}/events", get(events::stream_events))
}

/// Text a shopper or agent sends, checked once at the edge: trimmed, not empty, at most
/// [`MAX_MESSAGE_CHARS`] characters.
pub struct MessageText(String);

impl MessageText {
    /// Validates raw text.
    pub fn parse(raw: &str) -> ApiResult<Self> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(ApiError::field("empty_text", "text", "The message is empty. Type something to send."));
        }
        let chars = text.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(ApiError::field(
                "text_too_long",
                "text",
                format!("The message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}. Split it into shorter messages."),
            ));
        }
        Ok(MessageText(text.to_string()))
    }

    /// The validated text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a client-generated message id: 1 to 64 characters of `[A-Za-z0-9_-]`.
pub fn parse_client_id(raw: &str) -> ApiResult<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_CLIENT_ID_LEN
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw)
    } else {
        Err(ApiError::field(
            "invalid_client_id",
            "client_id",
            format!("client_id must be 1 to {MAX_CLIENT_ID_LEN} characters of letters, digits, '-' or '_'."),
        ))
    }
}

/// The stored row of a conversation that authorisation and state changes need.
pub struct ConversationRow {
    pub shopper_id: String,
    pub identified: bool,
    pub state: ConversationState,
    pub last_seq: u64,
    pub created_at: String,
    /// The language the conversation is written in (see migration 0003).
    pub locale: String,
}

/// Loads a conversation's row, or 404.
pub async fn load_row(state: &AppState, id: &str) -> ApiResult<ConversationRow> {
    let row: Option<(String, bool, String, i64, String, String)> =
        sqlx::query_as("SELECT shopper_id, identified, state, last_seq, created_at, locale FROM conversations WHERE id = ?")
            .bind(id)
            .fetch_optional(&state.db)
            .await?;
    let (shopper_id, identified, state_json, last_seq, created_at, locale) =
        row.ok_or_else(|| ApiError::not_found("unknown_conversation", "This conversation does not exist."))?;
    Ok(ConversationRow { shopper_id, identified, state: serde_json::from_str(&state_json)?, last_seq: last_seq as u64, created_at, locale })
}

/// Loads a conversation and checks that it belongs to the session's shopper (403 otherwise).
pub async fn authorize(state: &AppState, session: &ShopperSession, id: &str) -> ApiResult<ConversationRow> {
    let row = load_row(state, id).await?;
    if row.shopper_id != session.shopper_id {
        return Err(ApiError::Forbidden("This conversation belongs to another session.".into()));
    }
    Ok(row)
}

/// All stored messages of a conversation, in order.
pub async fn messages(state: &AppState, id: &str) -> ApiResult<Vec<Message>> {
    Ok(events::load_after(state, id, 0)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            Event::Message { message } => Some(message),
            _ => None,
        })
        .collect())
}

async fn create(State(state): State<AppState>, session: ShopperSession) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_rfc3339();
    let initial = ConversationState::Assistant;
    sqlx::query(
        "INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, created_at, updated_at, locale)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&session.shopper_id)
    .bind(&session.merchant_id)
    .bind(session.identified)
    .bind(serde_json::to_string(&initial)?)
    .bind(initial.status())
    .bind(&now)
    .bind(&now)
    .bind(state.assistant.pack().locale_or_default(&session.locale).code.as_str())
    .execute(&state.db)
    .await?;
    Ok((StatusCode::CREATED, Json(Conversation { id, state: initial, last_seq: 0, created_at: now, messages: vec![] })))
}

/// `GET /v1/conversations/latest`: the shopper's newest conversation with this merchant, so a new
/// tab or a browser without third-party storage resumes instead of starting over.
async fn latest(State(state): State<AppState>, session: ShopperSession) -> ApiResult<Json<Conversation>> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE shopper_id = ? AND merchant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
    .bind(&session.shopper_id)
    .bind(&session.merchant_id)
    .fetch_optional(&state.db)
    .await?;
    let id = id.ok_or_else(|| ApiError::not_found("no_conversation", "This shopper has no conversation yet."))?;
    fetch(State(state), session, Path(id)).await
}

async fn fetch(State(state): State<AppState>, session: ShopperSession, Path(id): Path<String>) -> ApiResult<Json<Conversation>> {
    let row = authorize(&state, &session, &id).await?;
    let messages = messages(&state, &id).await?;
    Ok(Json(Conversation { id, state: row.state, last_seq: row.last_seq, created_at: row.created_at, messages }))
}

/// Builds a message as stored: one paragraph holding the text.
pub fn text_message(seq: u64, author: Author, author_name: Option<String>, client_id: Option<&str>, text: &str) -> Message {
    Message {
        id: uuid::Uuid::new_v4().to_string(),
        client_id: client_id.map(Into::into),
        seq,
        author,
        author_name,
        text: text.into(),
        blocks: vec![Block::Paragraph { text: text.into() }],
        created_at: now_rfc3339(),
        meta: None,
    }
}

/// Statuses in which a shopper may still write.
const OPEN_STATUSES: [&str; 4] = ["assistant", "queued", "with_agent", "awaiting_reply"];

async fn send(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendMessage>,
) -> ApiResult<(StatusCode, Json<SendAck>)> {
    authorize(&state, &session, &id).await?;
    let client_id = parse_client_id(&body.client_id)?;
    let text = MessageText::parse(&body.text)?;
    // The status check is part of the append itself: a resolve that lands first refuses the message
    // instead of burying it in a closed conversation.
    let options = AppendOptions { client_id: Some(client_id), new_state: None, only_if: Some(&OPEN_STATUSES) };
    let appended = events::append(&state, &id, options, |seq| Event::Message {
        message: text_message(seq, Author::Shopper, None, Some(client_id), text.as_str()),
    })
    .await?;
    match appended {
        Appended::Duplicate(Event::Message { message }) => Ok((StatusCode::OK, Json(SendAck { message, duplicate: true }))),
        Appended::New(Event::Message { message }, status) => {
            // Only the status at the moment of storing decides whether the assistant answers.
            if status == "assistant" {
                let state = state.clone();
                let (text, seq) = (text.as_str().to_string(), message.seq);
                tokio::spawn(async move { assistant_reply(&state, &id, &text, seq).await });
            }
            Ok((StatusCode::CREATED, Json(SendAck { message, duplicate: false })))
        }
        Appended::Refused(_) => {
            Err(ApiError::conflict("conversation_closed", "This conversation has ended. Start a new conversation to continue."))
        }
        _ => Err(ApiError::Internal("a message append returned a non-message event".into())),
    }
}

/// Answers one shopper message, one reply at a time per conversation. If anything fails the
/// shopper is not left with a typing indicator and no answer: they are told and offered a person.
async fn assistant_reply(state: &AppState, id: &str, question: &str, question_seq: u64) {
    let lock = state.reply_lock(id);
    let _turn = lock.lock().await;
    state.hub.publish(id, Event::Typing { author: Author::Assistant, active: true });
    if let Err(e) = answer(state, id, question, question_seq).await {
        tracing::error!(conversation = %id, error = %e, "assistant reply failed");
        state.hub.publish(id, Event::Typing { author: Author::Assistant, active: false });
        let sorry = match load_row(state, id).await {
            Ok(row) => state.assistant.voice(&row.locale, state.config.support_hours).server("reply_failed", &[]),
            Err(_) => state.assistant.voice("", state.config.support_hours).server("reply_failed", &[]),
        };
        let _ = handoff::system_message(state, id, &sorry).await;
    }
    drop(_turn);
    state.release_reply_lock(id, lock);
}

/// Computes and stores the assistant's reply to the message at `question_seq`; hands off when the
/// reply says so. Nothing is stored if a person took the conversation meanwhile.
async fn answer(state: &AppState, id: &str, question: &str, question_seq: u64) -> ApiResult<()> {
    let row = load_row(state, id).await?;
    // History is what came before this question, whatever arrived since.
    let history: Vec<Turn> = messages(state, id)
        .await?
        .into_iter()
        .filter(|m| m.seq < question_seq)
        .map(|m| Turn { author: m.author, text: m.text, topic: m.meta.map(|meta| meta.topic) })
        .collect();
    let account = if row.identified { state.ledger.snapshot(&row.shopper_id).await.map_err(|e| ApiError::Internal(format!("ledger: {e}")))? } else { None };
    let ctx = Context { today: state.today(), history: &history, account: account.as_ref(), locale: &row.locale, hours: state.config.support_hours };
    let reply = state.assistant.reply(question, &ctx);
    let handoff_reason = reply.meta.handoff;
    if reply.locale != row.locale {
        // The shopper wrote in another of the pack's languages: the server's sentences follow.
        sqlx::query("UPDATE conversations SET locale = ? WHERE id = ?").bind(&reply.locale).bind(id).execute(&state.db).await?;
    }
    let options = AppendOptions { only_if: Some(&["assistant"]), ..AppendOptions::default() };
    let appended = events::append(state, id, options, |seq| Event::Message {
        message: Message {
            id: uuid::Uuid::new_v4().to_string(),
            client_id: None,
            seq,
            author: Author::Assistant,
            author_name: None,
            text: reply.text,
            blocks: reply.blocks,
            created_at: now_rfc3339(),
            meta: Some(reply.meta),
        },
    })
    .await?;
    if let Appended::Refused(_) = appended {
        // A person has it now: the assistant stays quiet.
        state.hub.publish(id, Event::Typing { author: Author::Assistant, active: false });
        return Ok(());
    }
    if let Some(reason) = handoff_reason {
        handoff::to_person(state, id, reason).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(MessageText::parse("  hi ").unwrap().as_str(), "hi");
        assert!(MessageText::parse("   ").is_err());
        // 2,000 multi-byte characters are allowed even though they are more than 2,000 bytes.
        assert!(MessageText::parse(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(MessageText::parse(&"a".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }

    #[test]
    fn client_ids_are_restricted() {
        assert!(parse_client_id("abc-123_X").is_ok());
        assert!(parse_client_id("").is_err());
        assert!(parse_client_id("has space").is_err());
        assert!(parse_client_id(&"a".repeat(65)).is_err());
    }
}
