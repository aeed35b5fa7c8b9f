//! The conversation as the widget holds it: entries (stored messages and messages still being
//! sent), the conversation state, who is typing and the stream's health. Events from the stream
//! and acknowledgements from sends are merged here, deduplicated by sequence number and client id
//! (the merge rule is the client core's, shared with the agents' console).

use leptos::prelude::*;
use tandem_client::transcript::{self, Line};
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
            key: transcript::key(m).into(),
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

impl Line for Entry {
    fn key(&self) -> &str {
        &self.key
    }

    fn seq(&self) -> Option<u64> {
        self.seq.get_untracked()
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
    /// The conversation the entries and `last_seq` belong to. (A signal of the type the
    /// controller's ids already use: a `StoredValue` of it would compile more code into the Wasm.)
    shown: RwSignal<Option<String>>,
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
            shown: RwSignal::new(None),
        }
    }

    /// Takes in a conversation fetched from the server (`last_seq` as of the fetch). Another
    /// conversation than the one shown replaces it, messages still being sent moving along; the
    /// same one is merged: a fetch older than what the stream already brought keeps the newer
    /// messages and state, and `last_seq` never moves back.
    pub fn load(&self, conversation: &str, messages: &[Message], state: ConversationState, last_seq: u64) {
        let same = self.shown.with_untracked(|s| s.as_deref() == Some(conversation));
        let mut seq = if same { self.last_seq.get_untracked() } else { 0 };
        // Of another conversation, no stored line stays (only those being sent).
        let keep_after = if same { last_seq } else { u64::MAX };
        self.entries.update(|entries| {
            *entries = transcript::merge(std::mem::take(entries), messages, keep_after, |m, known| match known {
                Some(e) => {
                    e.seq.set(Some(m.seq));
                    e.delivery.set(Delivery::Sent);
                    e
                }
                None => Entry::from_message(m),
            });
        });
        if !same {
            self.shown.set(Some(conversation.into()));
        }
        if transcript::take_snapshot(&mut seq, last_seq) {
            self.state.set(state);
        }
        self.last_seq.set(seq);
    }

    /// Applies one stream event. Returns true when it was new.
    pub fn apply(&self, event: Event) -> bool {
        if let Some(seq) = event.seq() {
            let mut last = self.last_seq.get_untracked();
            if !transcript::take_event(&mut last, seq) {
                return false;
            }
            self.last_seq.set(last);
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
        let existing = self.entry(transcript::key(message));
        match existing {
            Some(e) => {
                e.seq.set(Some(message.seq));
                e.delivery.set(Delivery::Sent);
            }
            None => self.entries.update(|es| {
                // Keep stored messages in sequence order, with outgoing ones after them.
                es.insert(transcript::insert_at(es, message.seq), Entry::from_message(message));
            }),
        }
    }

    /// Adds a message the shopper is sending.
    pub fn push_outgoing(&self, client_id: &str, text: &str) {
        self.entries.update(|es| es.push(Entry::outgoing(client_id, text)));
    }

    /// The entry with this key (an outgoing entry's client id).
    pub fn entry(&self, key: &str) -> Option<Entry> {
        self.entries.with_untracked(|es| es.iter().find(|e| e.key == key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64, author: Author, client_id: Option<&str>) -> Message {
        Message {
            id: format!("m{seq}"),
            client_id: client_id.map(Into::into),
            seq,
            author,
            author_name: None,
            text: format!("text {seq}"),
            blocks: vec![],
            created_at: String::new(),
            meta: None,
        }
    }

    fn keys(chat: &Chat) -> Vec<String> {
        chat.entries.with_untracked(|es| es.iter().map(|e| e.key.clone()).collect())
    }

    #[test]
    fn a_stale_fetch_never_moves_last_seq_back_nor_drops_newer_messages() {
        // Issue 12: a fetch answered after newer stream events set `last_seq` back to its own
        // number and dropped the newer messages (the console's store kept them; one rule now).
        let chat = Chat::new();
        chat.load("c1", &[message(1, Author::Shopper, Some("s1"))], ConversationState::Assistant, 1);
        assert!(chat.apply(Event::Message { message: message(2, Author::Assistant, None) }));
        let with_agent = ConversationState::WithAgent { agent_name: "Kim".into() };
        assert!(chat.apply(Event::State { seq: 3, state: with_agent.clone() }));
        chat.push_outgoing("s4", "still sending");
        chat.load("c1", &[message(1, Author::Shopper, Some("s1"))], ConversationState::Assistant, 1);
        assert_eq!(chat.last_seq.get_untracked(), 3);
        assert_eq!(keys(&chat), ["s1", "m2", "s4"]);
        assert_eq!(chat.state.get_untracked(), with_agent);
        assert!(!chat.apply(Event::Message { message: message(2, Author::Assistant, None) }), "a replay is still a repeat");
    }

    #[test]
    fn a_fetch_marks_a_sent_message_stored_in_place_and_a_current_one_sets_the_state() {
        let chat = Chat::new();
        chat.load("c1", &[], ConversationState::Assistant, 0);
        chat.push_outgoing("s1", "hello");
        let outgoing = chat.entry("s1").unwrap();
        let queued = ConversationState::Queued { position: 1, estimated_wait_secs: None };
        chat.load("c1", &[message(1, Author::Shopper, Some("s1"))], queued.clone(), 1);
        assert_eq!(keys(&chat), ["s1"]);
        assert_eq!(outgoing.seq.get_untracked(), Some(1));
        assert_eq!(outgoing.delivery.get_untracked(), Delivery::Sent);
        assert_eq!(chat.state.get_untracked(), queued);
    }

    #[test]
    fn another_conversation_replaces_the_transcript_and_its_numbers() {
        let chat = Chat::new();
        chat.load("old", &[message(1, Author::Shopper, Some("s1")), message(9, Author::Agent, None)], ConversationState::Resolved { rating: None }, 9);
        chat.push_outgoing("s2", "moves along");
        chat.load("new", &[], ConversationState::Assistant, 0);
        assert_eq!(keys(&chat), ["s2"]);
        assert_eq!(chat.last_seq.get_untracked(), 0);
        assert_eq!(chat.state.get_untracked(), ConversationState::Assistant);
        assert!(chat.apply(Event::Message { message: message(1, Author::Shopper, Some("s2")) }));
        assert_eq!(keys(&chat), ["s2"]);
    }
}
