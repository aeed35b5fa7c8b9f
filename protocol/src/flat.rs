//! Flat shapes that the tagged enums deserialise through. The JSON is the same as the derived
//! internally tagged form; reading it as one flat struct avoids serde's buffering of tagged enums,
//! which is a large share of the widget's Wasm.

use serde::Deserialize;

fn missing(kind: &str, field: &str) -> String {
    format!("`{kind}` needs the field `{field}`")
}

#[derive(Deserialize)]
pub struct State {
    status: String,
    position: Option<u32>,
    estimated_wait_secs: Option<u32>,
    agent_name: Option<String>,
    contact: Option<String>,
    rating: Option<u8>,
}

impl TryFrom<State> for crate::ConversationState {
    type Error = String;
    fn try_from(s: State) -> Result<Self, String> {
        use crate::ConversationState as C;
        Ok(match s.status.as_str() {
            "assistant" => C::Assistant,
            "queued" => C::Queued {
                position: s.position.ok_or_else(|| missing("queued", "position"))?,
                estimated_wait_secs: s.estimated_wait_secs,
            },
            "with_agent" => C::WithAgent { agent_name: s.agent_name.ok_or_else(|| missing("with_agent", "agent_name"))? },
            "awaiting_reply" => C::AwaitingReply { contact: s.contact },
            "resolved" => C::Resolved { rating: s.rating },
            other => return Err(format!("unknown conversation status `{other}`")),
        })
    }
}

#[derive(Deserialize)]
pub struct Value {
    r#type: String,
    text: Option<String>,
    money: Option<crate::Money>,
    date: Option<String>,
}

impl TryFrom<Value> for crate::Value {
    type Error = String;
    fn try_from(v: Value) -> Result<Self, String> {
        Ok(match v.r#type.as_str() {
            "text" => crate::Value::Text { text: v.text.ok_or_else(|| missing("text", "text"))? },
            "money" => crate::Value::Money { money: v.money.ok_or_else(|| missing("money", "money"))? },
            "date" => crate::Value::Date { date: v.date.ok_or_else(|| missing("date", "date"))? },
            other => return Err(format!("unknown value type `{other}`")),
        })
    }
}

#[derive(Deserialize)]
pub struct Action {
    r#type: String,
    url: Option<String>,
    text: Option<String>,
}

impl TryFrom<Action> for crate::Action {
    type Error = String;
    fn try_from(a: Action) -> Result<Self, String> {
        Ok(match a.r#type.as_str() {
            "link" => crate::Action::Link { url: a.url.ok_or_else(|| missing("link", "url"))? },
            "handoff" => crate::Action::Handoff,
            "reply" => crate::Action::Reply { text: a.text.ok_or_else(|| missing("reply", "text"))? },
            other => return Err(format!("unknown action type `{other}`")),
        })
    }
}

#[derive(Deserialize)]
pub struct Block {
    r#type: String,
    text: Option<String>,
    items: Option<Vec<String>>,
    title: Option<String>,
    fields: Option<Vec<crate::Field>>,
    buttons: Option<Vec<crate::Button>>,
}

impl TryFrom<Block> for crate::Block {
    type Error = String;
    fn try_from(b: Block) -> Result<Self, String> {
        Ok(match b.r#type.as_str() {
            "paragraph" => crate::Block::Paragraph { text: b.text.ok_or_else(|| missing("paragraph", "text"))? },
            "bullets" => crate::Block::Bullets { items: b.items.ok_or_else(|| missing("bullets", "items"))? },
            "card" => crate::Block::Card {
                title: b.title.ok_or_else(|| missing("card", "title"))?,
                fields: b.fields.ok_or_else(|| missing("card", "fields"))?,
            },
            "actions" => crate::Block::Actions { buttons: b.buttons.ok_or_else(|| missing("actions", "buttons"))? },
            other => return Err(format!("unknown block type `{other}`")),
        })
    }
}

#[derive(Deserialize)]
pub struct Event {
    r#type: String,
    message: Option<crate::Message>,
    seq: Option<u64>,
    state: Option<crate::ConversationState>,
    author: Option<crate::Author>,
    active: Option<bool>,
}

impl TryFrom<Event> for crate::Event {
    type Error = String;
    fn try_from(e: Event) -> Result<Self, String> {
        Ok(match e.r#type.as_str() {
            "message" => crate::Event::Message { message: e.message.ok_or_else(|| missing("message", "message"))? },
            "state" => crate::Event::State {
                seq: e.seq.ok_or_else(|| missing("state", "seq"))?,
                state: e.state.ok_or_else(|| missing("state", "state"))?,
            },
            "typing" => crate::Event::Typing {
                author: e.author.ok_or_else(|| missing("typing", "author"))?,
                active: e.active.ok_or_else(|| missing("typing", "active"))?,
            },
            other => return Err(format!("unknown event type `{other}`")),
        })
    }
}
