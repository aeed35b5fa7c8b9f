//! Conversations: create, fetch, send a message (idempotent by client id), and the assistant's
//! reply, which is computed after the shopper's message is stored and acknowledged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tandem_assistant::{Account, Context, Turn};
use tandem_protocol::{
    Author, Block, Conversation, ConversationState, Event, Message, SendAck, SendMessage, MAX_CLIENT_ID_LEN,
    MAX_MESSAGE_CHARS,
};

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::events;
use crate::ledger::{self, Lookup};
use crate::sessions::ShopperSession;
use crate::store::{ms_to_rfc3339, now_ms, Append, Appended, Change, History, NewConversation, Owner, Status};
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
        if text.contains('\0') {
            // PostgreSQL cannot store it; no keyboard types it.
            return Err(ApiError::field("invalid_text", "text", "The message contains a NUL character, which cannot be sent."));
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

pub use crate::store::ConversationRow;

/// Loads a conversation's row, or 404.
pub async fn load_row(state: &AppState, id: &str) -> ApiResult<ConversationRow> {
    state.store.conversation(id).await?.ok_or_else(|| ApiError::not_found("unknown_conversation", "This conversation does not exist."))
}

/// Loads a conversation and checks that it belongs to the session's shopper at the session's
/// merchant (403 otherwise): every shopper route goes through here (or, for a message, the
/// append's [`Owner`](crate::store::Owner) condition), so a session at one merchant never reaches
/// the same shopper's conversations with another.
pub async fn authorize(state: &AppState, session: &ShopperSession, id: &str) -> ApiResult<ConversationRow> {
    let row = load_row(state, id).await?;
    if !belongs(&row, session) {
        return Err(ApiError::Forbidden("This conversation belongs to another session.".into()));
    }
    Ok(row)
}

/// Whether a conversation is the session's shopper's at the session's merchant.
pub fn belongs(row: &ConversationRow, session: &ShopperSession) -> bool {
    row.shopper_id == session.shopper_id && row.merchant_id == session.merchant_id
}

/// All stored messages of a conversation, in order.
pub async fn messages(state: &AppState, id: &str) -> ApiResult<Vec<Message>> {
    Ok(transcript(state, id).await?.0)
}

/// The stored messages and the sequence number of the newest event read with them. That number,
/// not the row's, is what a client may resume the stream from: an event committed between reading
/// the row and reading the log would otherwise be skipped.
pub async fn transcript(state: &AppState, id: &str) -> ApiResult<(Vec<Message>, u64)> {
    let events = events::load_after(state, id, 0).await?;
    let last_seq = events.iter().filter_map(Event::seq).max().unwrap_or(0);
    let messages = events
        .into_iter()
        .filter_map(|e| match e {
            Event::Message { message } => Some(message),
            _ => None,
        })
        .collect();
    Ok((messages, last_seq))
}

async fn create(State(state): State<AppState>, session: ShopperSession) -> ApiResult<(StatusCode, Json<Conversation>)> {
    Ok((StatusCode::CREATED, Json(open_new(&state, &session).await?)))
}

/// Creates a conversation for the session's shopper, held by the assistant, in the session's
/// locale (or the pack's default).
pub async fn open_new(state: &AppState, session: &ShopperSession) -> ApiResult<Conversation> {
    // Time-ordered (UUIDv7, random below the millisecond): the conversations being written are
    // the recent ones, so their keys sit together at the end of every index on `conversation_id`
    // and a batch of messages dirties a few pages instead of one per conversation anywhere in the
    // history. The id still reveals nothing but its creation time.
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    let initial = ConversationState::Assistant;
    state
        .store
        .create_conversation(&NewConversation {
            id: &id,
            shopper_id: &session.shopper_id,
            merchant_id: &session.merchant_id,
            identified: session.identified,
            state: &initial,
            locale: state.assistant.pack().locale_or_default(&session.locale).code.as_str(),
            created_ms: now,
        })
        .await?;
    Ok(Conversation { id, state: initial, last_seq: 0, created_at: ms_to_rfc3339(now), messages: vec![] })
}

/// `GET /v1/conversations/latest`: the shopper's newest conversation with this merchant, so a new
/// tab or a browser without third-party storage resumes instead of starting over. `204 No Content`
/// when there is none yet (a first visit; not an error).
async fn latest(State(state): State<AppState>, session: ShopperSession) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let Some(id) = state.store.latest_conversation(&session.shopper_id, &session.merchant_id).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    Ok(fetch(State(state), session, Path(id)).await?.into_response())
}

async fn fetch(State(state): State<AppState>, session: ShopperSession, Path(id): Path<String>) -> ApiResult<Json<Conversation>> {
    let row = authorize(&state, &session, &id).await?;
    Ok(Json(whole(&state, id, row).await?))
}

/// A conversation as the shopper sees it: its messages, its current state (queue position
/// included) and the sequence number to resume the stream from. `row` is its row, authorised.
pub async fn whole(state: &AppState, id: String, row: ConversationRow) -> ApiResult<Conversation> {
    let (messages, last_seq) = transcript(state, &id).await?;
    let current = crate::queue::current(state, &id, &row).await?;
    Ok(Conversation { id, state: current, last_seq, created_at: ms_to_rfc3339(row.created_ms), messages })
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

/// Events one conversation may hold; a shopper's message beyond it is refused (409).
pub const MAX_CONVERSATION_EVENTS: u64 = 2_000;

/// Statuses in which a shopper may still write.
const OPEN_STATUSES: [Status; 4] = [Status::Assistant, Status::Queued, Status::WithAgent, Status::AwaitingReply];

async fn send(
    State(state): State<AppState>,
    session: ShopperSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendMessage>,
) -> ApiResult<(StatusCode, Json<SendAck>)> {
    let client_id = parse_client_id(&body.client_id)?;
    let text = MessageText::parse(&body.text)?;
    // Ownership and status are checked by the append itself (no read before it): a resolve that
    // lands first refuses the message instead of burying it in a closed conversation.
    let appended = state
        .store
        .append(Append {
            client_id: Some(client_id.into()),
            only_if: OPEN_STATUSES.to_vec(),
            owner: Some(Owner { shopper_id: session.shopper_id.clone(), merchant_id: session.merchant_id.clone() }),
            below_seq: Some(MAX_CONVERSATION_EVENTS),
            history: Some(HISTORY_TURNS),
            ..Append::event(&id, Event::Message { message: text_message(0, Author::Shopper, None, Some(client_id), text.as_str()) })
        })
        .await?;
    match appended {
        Appended::Duplicate(Event::Message { message }) => {
            // A repeat of a question whose reply was lost (the instance died before answering)
            // resumes the reply; its idempotency key keeps it to one.
            if state.store.is_pending(&id, message.seq).await? {
                let row = load_row(&state, &id).await?;
                let state = state.clone();
                let (text, seq) = (message.text.clone(), message.seq);
                tokio::spawn(async move { resume_reply(&state, &id, &row.into(), &text, seq).await });
            }
            Ok((StatusCode::OK, Json(SendAck { message, duplicate: true })))
        }
        Appended::New(Event::Message { message }, after) => {
            // Only the status at the moment of storing decides whether the assistant answers.
            if after.status == Status::Assistant {
                let state = state.clone();
                let (text, seq) = (text.as_str().to_string(), message.seq);
                tokio::spawn(async move { assistant_reply(&state, &id, &after.into(), &text, seq).await });
            } else if matches!(after.status, Status::Queued | Status::AwaitingReply) {
                let state = state.clone();
                let (text, seq) = (text.as_str().to_string(), message.seq);
                tokio::spawn(async move { crate::waiting::reply(&state, &id, &after.into(), &text, seq).await });
            }
            Ok((StatusCode::CREATED, Json(SendAck { message, duplicate: false })))
        }
        Appended::Refused(_) | Appended::Missing => {
            // Refused: unknown (404), someone else's (403), too long or ended (409).
            let row = authorize(&state, &session, &id).await?;
            if row.last_seq >= MAX_CONVERSATION_EVENTS && OPEN_STATUSES.contains(&row.status) {
                return Err(ApiError::conflict("conversation_full", "This conversation is too long to continue. Start a new conversation."));
            }
            Err(ApiError::conflict("conversation_closed", "This conversation has ended. Start a new conversation to continue."))
        }
        _ => Err(ApiError::Internal("a message append returned a non-message event".into())),
    }
}

/// Whom the assistant answers: what a reply needs to know of its conversation.
pub struct Asker {
    pub shopper_id: String,
    pub identified: bool,
    /// The conversation's language when the question was stored.
    pub locale: String,
    /// The messages before the question, when they were read with it (else the reply reads them).
    pub history: Option<History>,
}

impl From<crate::store::After> for Asker {
    fn from(a: crate::store::After) -> Self {
        Asker { shopper_id: a.shopper_id, identified: a.identified, locale: a.locale, history: a.history }
    }
}

impl From<ConversationRow> for Asker {
    fn from(r: ConversationRow) -> Self {
        Asker { shopper_id: r.shopper_id, identified: r.identified, locale: r.locale, history: None }
    }
}

/// Answers one shopper message, one reply at a time per conversation. If anything fails the
/// shopper is not left with a typing indicator and no answer: they are told and offered a person.
async fn assistant_reply(state: &AppState, id: &str, asker: &Asker, question: &str, question_seq: u64) {
    let lock = state.reply_lock(id);
    let turn = lock.lock().await;
    reply_in_turn(state, id, asker, question, question_seq).await;
    drop(turn);
    state.release_reply_lock(id, lock);
}

/// How long a reply may take before the shopper is shown that the assistant is typing: a reply
/// that comes sooner shows no indicator flashing on and off before it.
const TYPING_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

/// The reply itself, with the conversation's reply lock held.
async fn reply_in_turn(state: &AppState, id: &str, asker: &Asker, question: &str, question_seq: u64) {
    let reply = answer(state, id, asker, question, question_seq);
    tokio::pin!(reply);
    let result = tokio::select! {
        done = &mut reply => done,
        _ = tokio::time::sleep(TYPING_AFTER) => {
            state.hub.publish(id, Event::Typing { author: Author::Assistant, active: true });
            reply.await
        }
    };
    if let Err(e) = result {
        tracing::error!(conversation = %id, error = %e, "assistant reply failed");
        state.hub.publish(id, Event::Typing { author: Author::Assistant, active: false });
        let sorry = state.assistant.voice(&asker.locale, state.config.support_hours).server("reply_failed", &[]);
        let _ = handoff::system_message(state, id, &sorry).await;
        // The shopper was told (and offered a person): the question is not retried forever.
        let _ = state.store.drop_pending(id, question_seq).await;
    }
}

/// Answers a question whose reply may have been lost (a repeat of it, or the sweeper), unless it
/// was answered meanwhile: checked under the conversation's reply lock, so a reply being written
/// on this instance is waited for, not repeated (and the reply's key refuses a second one from
/// another instance).
async fn resume_reply(state: &AppState, id: &str, asker: &Asker, question: &str, question_seq: u64) {
    let lock = state.reply_lock(id);
    let turn = lock.lock().await;
    if state.store.is_pending(id, question_seq).await.unwrap_or(false) {
        reply_in_turn(state, id, asker, question, question_seq).await;
    }
    drop(turn);
    state.release_reply_lock(id, lock);
}

/// Messages before a question that the assistant is given as history.
const HISTORY_TURNS: i64 = 20;

/// Seconds after which a question with no reply counts as stranded (its instance died).
pub const STRANDED_AFTER_SECS: i64 = 5;

/// Answers questions whose reply was lost (the instance that stored them died before replying).
/// Any instance may run this at any time: the reply's idempotency key makes a second answer a no-op.
pub async fn answer_stranded(state: &AppState) -> ApiResult<usize> {
    answer_unanswered(state, STRANDED_AFTER_SECS * 1000).await
}

/// Answers the questions left without a reply for at least `after_ms` (see [`answer_stranded`]):
/// every pending question, oldest first, also several of one conversation.
pub async fn answer_unanswered(state: &AppState, after_ms: i64) -> ApiResult<usize> {
    let stranded = state.store.unanswered(now_ms() - after_ms + 1).await?;
    let n = stranded.len();
    for (id, seq, event) in stranded {
        if let Event::Message { message } = event {
            if message.author == Author::Shopper {
                tracing::info!(conversation = %id, seq, "answering a question whose reply was lost");
                let asker = load_row(state, &id).await?.into();
                resume_reply(state, &id, &asker, &message.text, seq).await;
            }
        }
    }
    Ok(n)
}

/// The idempotency key of the assistant's reply to the message at `question_seq`. Shopper keys
/// cannot contain ':', so no shopper message can take it.
pub fn reply_key(question_seq: u64) -> String {
    format!("assistant:{question_seq}")
}

/// The assistant's reply to the message at `question_seq` (not stored): the answer, a reply
/// while the shopper waits for a person, or an agent's draft.
pub async fn compose(state: &AppState, id: &str, row: &Asker, question: &str, question_seq: u64) -> ApiResult<tandem_assistant::Reply> {
    // History is the latest of what came before this question, whatever arrived since (the
    // assistant looks back a few turns; a long conversation costs no more), read with the
    // question where that was free.
    let messages = match &row.history {
        Some(read) => read.messages()?,
        None => state.store.messages_before(id, question_seq, HISTORY_TURNS).await?,
    };
    let history: Vec<Turn> = messages
        .into_iter()
        .map(|m| Turn { author: m.author, text: m.text, topic: m.topic })
        .collect();
    // An account that cannot be read is not an error: the assistant says so and offers a person.
    let lookup = ledger::shopper_account(&*state.ledger, row.identified, &row.shopper_id).await;
    let account = lookup.as_ref().map_or(Account::Anonymous, Lookup::account);
    let ctx = Context { today: state.today(), history: &history, account, locale: &row.locale, hours: state.config.support_hours };
    Ok(state.assistant.reply(question, &ctx))
}

/// Computes and stores the assistant's reply to the message at `question_seq`; hands off when the
/// reply says so. Nothing is stored if a person took the conversation meanwhile.
async fn answer(state: &AppState, id: &str, row: &Asker, question: &str, question_seq: u64) -> ApiResult<()> {
    let reply = compose(state, id, row, question, question_seq).await?;
    let handoff_reason = reply.meta.handoff;
    let message = Message {
        id: uuid::Uuid::new_v4().to_string(),
        client_id: None,
        seq: 0,
        author: Author::Assistant,
        author_name: None,
        text: reply.text,
        blocks: reply.blocks,
        created_at: now_rfc3339(),
        meta: Some(reply.meta),
    };
    let appended = events::append(
        state,
        Append {
            // One reply per question, whichever instance (or retry) computes it.
            client_id: Some(reply_key(question_seq)),
            only_if: vec![Status::Assistant],
            change: Change {
                // The shopper wrote in another of the pack's languages: the server's sentences follow.
                locale: (reply.locale != row.locale).then(|| reply.locale.clone()),
                ..Change::default()
            },
            ..Append::event(id, Event::Message { message })
        },
    )
    .await?;
    if !matches!(appended, Appended::New(..)) {
        // A person has it now (the assistant stays quiet), or this question was answered already.
        // Either way it is no longer due (where the write that did it did not say so itself, as
        // an instance on older code during a rolling upgrade does not, the sweepers would retry
        // it every few seconds).
        state.hub.publish(id, Event::Typing { author: Author::Assistant, active: false });
        if let Err(e) = state.store.drop_pending(id, question_seq).await {
            // Not the shopper's concern: at worst a sweeper tries this question again.
            tracing::warn!(conversation = %id, error = %e, "could not mark an answered question as no longer due");
        }
        return Ok(());
    }
    crate::floor::note_gap(state, id, question_seq, question, &appended).await;
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
