//! While you wait: a shopper queued for a person (or awaiting their reply) who asks a factual
//! account or policy question still gets the assistant's answer, marked "while you wait", without
//! any change to their place in the queue. Small talk, unclear questions and requests for a person
//! are left for the person. An always-a-person topic raised while waiting moves the conversation
//! up to that topic's priority instead of being answered.

use tandem_assistant::Reply;
use tandem_protocol::{Action, Author, Block, Event, HandoffReason, Message};

use crate::conversations::{compose, reply_key, Asker};
use crate::error::ApiResult;
use crate::store::{Append, Appended, Status};
use crate::{events, handoff, now_rfc3339, AppState};

/// Topics that are conversation, not facts: a person answers them.
const NOT_FACTUAL: [&str; 6] = ["unknown", "greeting", "thanks", "goodbye", "bot_identity", "human_request"];

/// Whether a reply is a factual answer worth giving while the shopper waits.
pub fn is_factual(reply: &Reply) -> bool {
    reply.meta.handoff.is_none() && !NOT_FACTUAL.contains(&reply.meta.topic.as_str())
}

/// Answers (or not) one message written while waiting for a person; failures are logged only:
/// the person will read the message anyway.
pub async fn reply(state: &AppState, id: &str, asker: &Asker, question: &str, question_seq: u64) {
    let lock = state.reply_lock(id);
    let turn = lock.lock().await;
    if let Err(e) = reply_in_turn(state, id, asker, question, question_seq).await {
        tracing::warn!(conversation = %id, error = %e, "no reply while waiting");
    }
    drop(turn);
    state.release_reply_lock(id, lock);
}

async fn reply_in_turn(state: &AppState, id: &str, asker: &Asker, question: &str, question_seq: u64) -> ApiResult<()> {
    let reply = compose(state, id, asker, question, question_seq).await?;
    if reply.meta.handoff == Some(HandoffReason::SensitiveTopic) {
        if state.store.raise_priority(id, handoff::priority(HandoffReason::SensitiveTopic)).await? {
            handoff::refresh_queue(state, &[id.to_string()]).await?;
        }
        return Ok(());
    }
    if !is_factual(&reply) {
        return Ok(());
    }
    let mut meta = reply.meta;
    meta.while_you_wait = true;
    // They are already waiting for a person: no button asks for one again.
    let blocks = reply
        .blocks
        .into_iter()
        .filter_map(|b| match b {
            Block::Actions { buttons } => {
                let buttons: Vec<_> = buttons.into_iter().filter(|b| b.action != Action::Handoff).collect();
                (!buttons.is_empty()).then_some(Block::Actions { buttons })
            }
            b => Some(b),
        })
        .collect();
    let message = Message {
        id: uuid::Uuid::new_v4().to_string(),
        client_id: None,
        seq: 0,
        author: Author::Assistant,
        author_name: None,
        text: reply.text,
        blocks,
        created_at: now_rfc3339(),
        meta: Some(meta),
    };
    // No state change: the queue entry, position and handoff record stay as they are. Stored only
    // while the conversation still waits (a person who took it meanwhile answers instead).
    let append = Append {
        client_id: Some(reply_key(question_seq)),
        only_if: vec![Status::Queued, Status::AwaitingReply],
        ..Append::event(id, Event::Message { message })
    };
    if let Appended::New(..) = events::append(state, append).await? {
        tracing::debug!(conversation = %id, "answered while waiting");
    }
    Ok(())
}
