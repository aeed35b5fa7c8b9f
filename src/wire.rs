//! JSON for the widget without serde: the browser's `JSON.parse`/`JSON.stringify` and a few
//! hand-written readers and writers for the protocol types the widget uses.
//!
//! Why: serde's generic visitors were the largest part of the widget's Wasm, and the first open is
//! counted in bytes (budget 150 KB brotli). The wire format stays the protocol crate's; the
//! browser tests check these readers against JSON written by serde (`tests/render.rs`).
//! Of reply metadata (`meta`) only `while_you_wait` is read: the widget shows nothing else of it.

use js_sys::{Array, Object, Reflect, JSON};
use tandem_protocol::{
    Action, Author, Block, Button, Conversation, ConversationState, Event, Field, MerchantConfig,
    Message, Money, Reopened, ReplyMeta, SendAck, Session, Shopper, StartRequest, Started, Theme, Value,
};
use wasm_bindgen::JsValue;

/// Reading failed: a field is missing or has the wrong type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

type R<T> = Result<T, Malformed>;

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn opt_str(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

fn str_(o: &JsValue, k: &str) -> R<String> {
    opt_str(o, k).ok_or(Malformed)
}

fn opt_num(o: &JsValue, k: &str) -> Option<f64> {
    get(o, k).as_f64()
}

fn num(o: &JsValue, k: &str) -> R<f64> {
    opt_num(o, k).ok_or(Malformed)
}

fn list<T>(o: &JsValue, k: &str, each: impl Fn(&JsValue) -> R<T>) -> R<Vec<T>> {
    let v = get(o, k);
    if !Array::is_array(&v) {
        return Err(Malformed);
    }
    Array::from(&v).iter().map(|x| each(&x)).collect()
}

/// A type the widget reads from JSON.
pub trait FromJs: Sized {
    /// Reads the value from a parsed JSON value.
    fn from_js(v: &JsValue) -> R<Self>;
}

/// Parses JSON text into `T`.
pub fn parse<T: FromJs>(text: &str) -> R<T> {
    T::from_js(&JSON::parse(text).map_err(|_| Malformed)?)
}

/// `null` (or an empty answer, `204 No Content`) as `None`.
impl<T: FromJs> FromJs for Option<T> {
    fn from_js(v: &JsValue) -> R<Self> {
        if v.is_null() || v.is_undefined() {
            Ok(None)
        } else {
            T::from_js(v).map(Some)
        }
    }
}

/// Any JSON at all (answers whose body the widget ignores).
pub struct Ignored;

impl FromJs for Ignored {
    fn from_js(_: &JsValue) -> R<Self> {
        Ok(Ignored)
    }
}

impl FromJs for Money {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(Money { minor: num(v, "minor")? as i64, currency: str_(v, "currency")? })
    }
}

impl FromJs for Value {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(match str_(v, "type")?.as_str() {
            "text" => Value::Text { text: str_(v, "text")? },
            "money" => Value::Money { money: Money::from_js(&get(v, "money"))? },
            "date" => Value::Date { date: str_(v, "date")? },
            _ => return Err(Malformed),
        })
    }
}

impl FromJs for Button {
    fn from_js(v: &JsValue) -> R<Self> {
        let a = get(v, "action");
        let action = match str_(&a, "type")?.as_str() {
            "link" => Action::Link { url: str_(&a, "url")? },
            "handoff" => Action::Handoff,
            "reply" => Action::Reply { text: str_(&a, "text")? },
            _ => return Err(Malformed),
        };
        Ok(Button { label: str_(v, "label")?, action })
    }
}

impl FromJs for Block {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(match str_(v, "type")?.as_str() {
            "paragraph" => Block::Paragraph { text: str_(v, "text")? },
            "bullets" => Block::Bullets { items: list(v, "items", |x| x.as_string().ok_or(Malformed))? },
            "card" => Block::Card {
                title: str_(v, "title")?,
                fields: list(v, "fields", |f| Ok(Field { label: str_(f, "label")?, value: Value::from_js(&get(f, "value"))? }))?,
            },
            "actions" => Block::Actions { buttons: list(v, "buttons", Button::from_js)? },
            _ => return Err(Malformed),
        })
    }
}

impl FromJs for Author {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(match v.as_string().as_deref() {
            Some("shopper") => Author::Shopper,
            Some("assistant") => Author::Assistant,
            Some("agent") => Author::Agent,
            Some("system") => Author::System,
            _ => return Err(Malformed),
        })
    }
}

impl FromJs for Message {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(Message {
            id: str_(v, "id")?,
            client_id: opt_str(v, "client_id"),
            seq: num(v, "seq")? as u64,
            author: Author::from_js(&get(v, "author"))?,
            author_name: opt_str(v, "author_name"),
            text: str_(v, "text")?,
            blocks: list(v, "blocks", Block::from_js)?,
            created_at: str_(v, "created_at")?,
            meta: get(&get(v, "meta"), "while_you_wait").as_bool().filter(|w| *w).map(|_| ReplyMeta {
                topic: String::new(),
                confidence: 0.0,
                sources: Vec::new(),
                handoff: None,
                while_you_wait: true,
            }),
        })
    }
}

impl FromJs for ConversationState {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(match str_(v, "status")?.as_str() {
            "assistant" => ConversationState::Assistant,
            "queued" => ConversationState::Queued {
                position: num(v, "position")? as u32,
                estimated_wait_secs: opt_num(v, "estimated_wait_secs").map(|n| n as u32),
            },
            "with_agent" => ConversationState::WithAgent { agent_name: str_(v, "agent_name")? },
            "awaiting_reply" => ConversationState::AwaitingReply { contact: opt_str(v, "contact") },
            "resolved" => ConversationState::Resolved { rating: opt_num(v, "rating").map(|n| n as u8) },
            _ => return Err(Malformed),
        })
    }
}

impl FromJs for Event {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(match str_(v, "type")?.as_str() {
            "message" => Event::Message { message: Message::from_js(&get(v, "message"))? },
            "state" => Event::State { seq: num(v, "seq")? as u64, state: ConversationState::from_js(&get(v, "state"))? },
            "typing" => Event::Typing {
                author: Author::from_js(&get(v, "author"))?,
                active: get(v, "active").as_bool().ok_or(Malformed)?,
            },
            _ => return Err(Malformed),
        })
    }
}

impl FromJs for Conversation {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(Conversation {
            id: str_(v, "id")?,
            state: ConversationState::from_js(&get(v, "state"))?,
            last_seq: num(v, "last_seq")? as u64,
            created_at: str_(v, "created_at")?,
            messages: list(v, "messages", Message::from_js)?,
        })
    }
}

impl FromJs for Session {
    fn from_js(v: &JsValue) -> R<Self> {
        let s = get(v, "shopper");
        Ok(Session {
            token: str_(v, "token")?,
            shopper: Shopper { id: str_(&s, "id")?, name: opt_str(&s, "name"), identified: get(&s, "identified").as_bool().ok_or(Malformed)? },
            locale: str_(v, "locale")?,
            expires_at: str_(v, "expires_at")?,
        })
    }
}

impl FromJs for Reopened {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(Reopened { session: Session::from_js(&get(v, "session"))?, conversation_id: str_(v, "conversation_id")? })
    }
}

/// `new_conversation` is not read: the widget shows a conversation the same way either way.
impl FromJs for Started {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(Started {
            session: Session::from_js(&get(v, "session"))?,
            new_session: get(v, "new_session").as_bool().ok_or(Malformed)?,
            identity_refused: opt_str(v, "identity_refused"),
            conversation: Conversation::from_js(&get(v, "conversation"))?,
            new_conversation: false,
        })
    }
}

impl FromJs for SendAck {
    fn from_js(v: &JsValue) -> R<Self> {
        Ok(SendAck { message: Message::from_js(&get(v, "message"))?, duplicate: get(v, "duplicate").as_bool().unwrap_or(false) })
    }
}

impl FromJs for MerchantConfig {
    fn from_js(v: &JsValue) -> R<Self> {
        let t = get(v, "theme");
        Ok(MerchantConfig {
            merchant_id: str_(v, "merchant_id")?,
            name: str_(v, "name")?,
            provider_name: str_(v, "provider_name")?,
            theme: Theme {
                accent: str_(&t, "accent")?,
                on_accent: str_(&t, "on_accent")?,
                position: str_(&t, "position")?,
                launcher_label: str_(&t, "launcher_label")?,
            },
            support_hours: str_(v, "support_hours")?,
            email: get(v, "email").as_bool().unwrap_or(false),
        })
    }
}

/// The `error` object of an error answer: (code, message).
pub fn error_body(text: &str) -> Option<(String, String)> {
    let v = JSON::parse(text).ok()?;
    let e = get(&v, "error");
    Some((opt_str(&e, "code")?, opt_str(&e, "message")?))
}

/// Builds a JSON object from string, number, boolean or absent values and writes it as text.
pub struct Obj(Object);

impl Default for Obj {
    fn default() -> Self {
        Obj(Object::new())
    }
}

impl Obj {
    /// A string field.
    pub fn str(self, k: &str, v: &str) -> Self {
        let _ = Reflect::set(&self.0, &k.into(), &v.into());
        self
    }

    /// A string field, left out when `None`.
    pub fn opt_str(self, k: &str, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.str(k, v),
            None => self,
        }
    }

    /// A number field.
    pub fn num(self, k: &str, v: f64) -> Self {
        let _ = Reflect::set(&self.0, &k.into(), &v.into());
        self
    }

    /// A boolean field.
    pub fn bool(self, k: &str, v: bool) -> Self {
        let _ = Reflect::set(&self.0, &k.into(), &v.into());
        self
    }

    /// The object as JSON text.
    pub fn json(&self) -> String {
        JSON::stringify(&self.0).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "{}".into())
    }
}

/// The body of `POST /v1/start`.
pub fn start_request(r: &StartRequest) -> String {
    Obj::default()
        .str("merchant_id", &r.merchant_id)
        .opt_str("locale", r.locale.as_deref())
        .opt_str("identity_token", r.identity_token.as_deref())
        .opt_str("conversation_id", r.conversation_id.as_deref())
        .json()
}

/// Reads an object with string fields (storage records).
pub fn read_strings(text: &str, keys: &[&str]) -> Option<Vec<String>> {
    let v = JSON::parse(text).ok()?;
    keys.iter().map(|k| opt_str(&v, k)).collect()
}

/// Reads a boolean field of a stored record.
pub fn read_bool(text: &str, key: &str) -> Option<bool> {
    get(&JSON::parse(text).ok()?, key).as_bool()
}

/// Reads an array of objects with string fields.
pub fn read_string_records(text: &str, keys: &[&str]) -> Option<Vec<Vec<String>>> {
    let v = JSON::parse(text).ok()?;
    if !Array::is_array(&v) {
        return None;
    }
    Array::from(&v).iter().map(|item| keys.iter().map(|k| opt_str(&item, k)).collect()).collect()
}

/// Writes an array of objects with string fields.
pub fn write_string_records(keys: &[&str], records: &[Vec<&str>]) -> String {
    let arr = Array::new();
    for r in records {
        let mut o = Obj::default();
        for (k, v) in keys.iter().zip(r) {
            o = o.str(k, v);
        }
        arr.push(&o.0);
    }
    JSON::stringify(&arr).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "[]".into())
}
