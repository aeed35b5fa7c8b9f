//! The conversation as the widget holds it: entries (stored messages and messages still being
//! sent), the conversation state, who is typing and the stream's health. Events from the stream
//! and acknowledgements from sends are merged here, deduplicated by sequence number and client id.

use leptos::prelude::*;
use tandem_protocol::{Author, Block, ConversationState, Event, Message};

/// Delivery of a shopper's message.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    Sending,
    Sent,
    /// Failed with a reason shown to the shopper; `retry` says whether sending again can help.
    Failed { reason: &'static str, retry: bool },
}

/// One line of the transcript.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The client id of the shopper's own messages, the server id otherwise.
    pub key: String,
    /// Sequence number once the server has stored it.
    pub seq: RwSignal<Option<u64>>,
    pub author: Author,
    pub author_name: Option<String>,
    pub text: String,
    pub blocks: Vec<Block>,
    pub delivery: RwSignal<Delivery>,
    /// An assistant answer given while the shopper waits for a person.
    pub while_you_wait: bool,
}

impl Entry {
    /// An entry for a stored message.
    pub fn from_message(m: &Message) -> Self {
        Entry {
            key: m.client_id.clone().unwrap_or_else(|| m.id.clone()),
            seq: RwSignal::new(Some(m.seq)),
            author: m.author,
            author_name: m.author_name.clone(),
            text: m.text.clone(),
            blocks: m.blocks.clone(),
            delivery: RwSignal::new(Delivery::Sent),
            while_you_wait: m.meta.as_ref().is_some_and(|meta| meta.while_you_wait),
        }
    }

    /// An entry for a message the shopper is sending now.
    pub fn outgoing(client_id: &str, text: &str) -> Self {
        Entry {
            key: client_id.into(),
            seq: RwSignal::new(None),
            author: Author::Shopper,
            author_name: None,
            text: text.into(),
            blocks: vec![Block::Paragraph { text: text.into() }],
            delivery: RwSignal::new(Delivery::Sending),
            while_you_wait: false,
        }
    }
}

/// Health of the live stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
}

/// The widget's conversation store. All fields are signals, so the store is `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub entries: RwSignal<Vec<Entry>>,
    pub state: RwSignal<ConversationState>,
    /// Who is typing right now (assistant or agent), if anyone.
    pub typing: RwSignal<Option<Author>>,
    /// Highest sequence number received from the server.
    pub last_seq: RwSignal<u64>,
    pub connection: RwSignal<Connection>,
    /// Messages from others received since the shopper last looked (for the unread badge).
    pub unread: RwSignal<u32>,
}

impl Default for Chat {
    fn default() -> Self {
        Self::new()
    }
}

impl Chat {
    /// An empty store.
    pub fn new() -> Self {
        Chat {
            entries: RwSignal::new(Vec::new()),
            state: RwSignal::new(ConversationState::Assistant),
            typing: RwSignal::new(None),
            last_seq: RwSignal::new(0),
            connection: RwSignal::new(Connection::Connecting),
            unread: RwSignal::new(0),
        }
    }

    /// Replaces everything with a conversation fetched from the server, keeping messages still
    /// being sent at the end.
    pub fn load(&self, messages: &[Message], state: ConversationState, last_seq: u64) {
        self.entries.update(|entries| {
            let pending: Vec<Entry> = entries.drain(..).filter(|e| e.seq.get_untracked().is_none()).collect();
            entries.extend(messages.iter().map(Entry::from_message));
            for p in pending {
                if !entries.iter().any(|e| e.key == p.key) {
                    entries.push(p);
                }
            }
        });
        self.state.set(state);
        self.last_seq.set(last_seq);
    }

    /// Applies one stream event. Returns true when it was new.
    pub fn apply(&self, event: Event) -> bool {
        if let Some(seq) = event.seq() {
            if seq <= self.last_seq.get_untracked() {
                return false;
            }
            self.last_seq.set(seq);
        }
        match event {
            Event::Message { message } => {
                if self.typing.get_untracked() == Some(message.author) {
                    self.typing.set(None);
                }
                if message.author != Author::Shopper {
                    self.unread.update(|n| *n += 1);
                }
                self.upsert(&message);
            }
            Event::State { state, .. } => self.state.set(state),
            Event::Typing { author, active } => {
                if author != Author::Shopper {
                    self.typing.set(active.then_some(author));
                }
            }
        }
        true
    }

    /// Adds a stored message, or marks the matching outgoing entry as stored.
    pub fn upsert(&self, message: &Message) {
        let key = message.client_id.clone().unwrap_or_else(|| message.id.clone());
        let existing = self.entries.with_untracked(|es| es.iter().find(|e| e.key == key).cloned());
        match existing {
            Some(e) => {
                e.seq.set(Some(message.seq));
                e.delivery.set(Delivery::Sent);
            }
            None => self.entries.update(|es| {
                // Keep stored messages in sequence order, with outgoing ones after them.
                let at = es.iter().position(|e| e.seq.get_untracked().is_none_or(|s| s > message.seq)).unwrap_or(es.len());
                es.insert(at, Entry::from_message(message));
            }),
        }
    }

    /// Adds a message the shopper is sending.
    pub fn push_outgoing(&self, client_id: &str, text: &str) {
        self.entries.update(|es| es.push(Entry::outgoing(client_id, text)));
    }

    /// The outgoing entry with this client id.
    pub fn entry(&self, key: &str) -> Option<Entry> {
        self.entries.with_untracked(|es| es.iter().find(|e| e.key == key).cloned())
    }
}
