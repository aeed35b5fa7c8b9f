//! The conversations an agent holds: each one's transcript (merged from fetches, sends and stream
//! events, deduplicated by sequence number and client id), state, unread count, typing, internal
//! notes and the assistant's suggested reply. Views by part: `view.rs` (tabs, the conversation on
//! screen and its actions), `transcript.rs`, `reply.rs` (reply box and internal notes),
//! `draft.rs` (the suggested reply), `transfer.rs`, `details.rs` (summary and account panels).

mod details;
pub mod draft;
mod reply;
mod transcript;
mod transfer;
mod view;

use leptos::prelude::*;
use leptos::task::spawn_local;
// The client core's merge rule (`transcript` here is the view).
use tandem_client::transcript::{self as lines, Line};
use tandem_protocol::{
    AccountView, AgentConversation, Author, Block, ConversationState, Draft, Event, Message, Note, SendMessage, Summary,
};

use crate::api;
use crate::app::Ctl;
use crate::format;

pub use details::DetailsView;
pub use view::{ConversationView, Tabs};

/// How long the agent may pause before the shopper stops seeing "typing".
const TYPING_IDLE_MS: u32 = 3_000;
/// While the agent keeps typing, `{active: true}` is repeated this often.
const TYPING_REPEAT_MS: f64 = 4_000.0;
/// A shopper typing indicator with no follow-up is dropped after this long.
const SHOPPER_TYPING_EXPIRY_MS: u32 = 8_000;

/// Delivery of a message the agent wrote.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// On its way to the server.
    Sending,
    /// Stored by the server.
    Sent,
    /// Not stored; `retry` says whether trying again later can help on its own.
    Failed { reason: String, retry: bool },
}

/// One line of a transcript.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The client id of messages with one (the agent's own), the server id otherwise.
    pub key: String,
    /// Sequence number once the server has stored it. (Entries outlive the views that create
    /// them, so their signals are reference-counted rather than owned by a view.)
    pub seq: ArcRwSignal<Option<u64>>,
    /// Who wrote it.
    pub author: Author,
    /// Display name, for agent messages.
    pub author_name: Option<String>,
    /// Structured content, always rendered as text.
    pub blocks: Vec<Block>,
    /// When it was stored (RFC 3339), once it was.
    pub created_at: Option<String>,
    /// Delivery state (always `Sent` for stored messages).
    pub delivery: ArcRwSignal<Delivery>,
    /// An assistant answer given while the shopper waited for a person.
    pub while_you_wait: bool,
}

impl Entry {
    fn stored(m: &Message) -> Self {
        Entry {
            key: lines::key(m).into(),
            seq: ArcRwSignal::new(Some(m.seq)),
            author: m.author,
            author_name: m.author_name.clone(),
            blocks: if m.blocks.is_empty() { vec![Block::Paragraph { text: m.text.clone() }] } else { m.blocks.clone() },
            created_at: Some(m.created_at.clone()),
            delivery: ArcRwSignal::new(Delivery::Sent),
            while_you_wait: m.meta.as_ref().is_some_and(|meta| meta.while_you_wait),
        }
    }

    fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph { text } => Some(text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
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

/// What the agent sees beside the transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct Details {
    /// The assistant's summary of the conversation so far.
    pub summary: Summary,
    /// Orders of an identified shopper.
    pub account: Option<AccountView>,
    /// The shopper is signed in but the provider's account API could not be read.
    pub account_unavailable: bool,
    /// Email the shopper left while nobody was available.
    pub contact: Option<String>,
}

/// What the reply box writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compose {
    /// A reply the shopper reads.
    Reply,
    /// An internal note only agents read.
    Note,
}

/// The agent's own typing indicator for one conversation.
#[derive(Clone, Copy, Debug, Default)]
struct MyTyping {
    active: bool,
    sent_at: f64,
    generation: u32,
}

/// One conversation the agent holds. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Thread {
    id: StoredValue<String>,
    /// The transcript.
    pub entries: RwSignal<Vec<Entry>>,
    /// Where the conversation stands (`None` until loaded).
    pub state: RwSignal<Option<ConversationState>>,
    /// Summary, account and contact (`None` until loaded).
    pub details: RwSignal<Option<Details>>,
    /// The shopper's display name, when identified.
    pub name: RwSignal<Option<String>>,
    /// The assistant's topic id.
    pub topic: RwSignal<Option<String>>,
    /// Shopper messages that arrived while another conversation was on screen.
    pub unread: RwSignal<u32>,
    /// The shopper is typing.
    pub shopper_typing: RwSignal<bool>,
    /// What the agent has typed and not yet sent.
    pub draft: RwSignal<String>,
    /// Why the conversation could not be loaded, in words.
    pub problem: RwSignal<Option<String>>,
    /// Internal notes, oldest first.
    pub notes: RwSignal<Vec<Note>>,
    /// The assistant's suggested reply to the latest shopper message.
    pub suggestion: RwSignal<Option<Draft>>,
    /// Whether the reply box writes a reply or a note.
    pub compose: RwSignal<Compose>,
    /// The transfer form is open.
    pub transferring: RwSignal<bool>,
    /// The conversation's language.
    pub locale: RwSignal<String>,
    last_seq: StoredValue<u64>,
    typing: StoredValue<MyTyping>,
    shopper_typing_generation: StoredValue<u32>,
}

impl Thread {
    /// An empty conversation with this id, filled by `load` and by stream events.
    pub fn new(id: &str) -> Self {
        Thread {
            id: StoredValue::new(id.to_string()),
            entries: RwSignal::new(Vec::new()),
            state: RwSignal::new(None),
            details: RwSignal::new(None),
            name: RwSignal::new(None),
            topic: RwSignal::new(None),
            unread: RwSignal::new(0),
            shopper_typing: RwSignal::new(false),
            draft: RwSignal::new(String::new()),
            problem: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            suggestion: RwSignal::new(None),
            compose: RwSignal::new(Compose::Reply),
            transferring: RwSignal::new(false),
            locale: RwSignal::new(String::new()),
            last_seq: StoredValue::new(0),
            typing: StoredValue::new(MyTyping::default()),
            shopper_typing_generation: StoredValue::new(0),
        }
    }

    /// The conversation id.
    pub fn id(&self) -> String {
        self.id.get_value()
    }

    /// Whether this is the conversation with `id`.
    pub fn is(&self, id: &str) -> bool {
        self.id.with_value(|i| i == id)
    }

    /// Takes in a fetched conversation, keeping messages still being sent and anything newer
    /// that the stream delivered meanwhile.
    pub fn load(&self, c: &AgentConversation) {
        let snapshot_seq = c.conversation.last_seq;
        self.entries.update(|entries| {
            *entries = lines::merge(std::mem::take(entries), &c.conversation.messages, snapshot_seq, |m, known| match known {
                // Reuse the entry already on screen so its delivery state updates in place.
                Some(e) => {
                    e.seq.set(Some(m.seq));
                    e.delivery.set(Delivery::Sent);
                    e
                }
                None => Entry::stored(m),
            });
        });
        let current = self.last_seq.try_update_value(|last| lines::take_snapshot(last, snapshot_seq));
        if current == Some(true) {
            self.state.set(Some(c.conversation.state.clone()));
        }
        let name = c.shopper_name.clone().or_else(|| c.account.as_ref().map(|a| a.name.clone()));
        self.name.set(name);
        self.topic.set(Some(c.summary.topic.clone()));
        self.notes.set(c.notes.clone());
        self.locale.set(c.locale.clone());
        self.details.set(Some(Details { summary: c.summary.clone(), account: c.account.clone(), account_unavailable: c.account_unavailable, contact: c.contact.clone() }));
        self.problem.set(None);
    }

    /// Applies one stream event; `on_screen` says whether the agent is looking at this conversation.
    pub fn apply(&self, event: Event, on_screen: bool) {
        if let Some(seq) = event.seq() {
            if self.last_seq.try_update_value(|last| lines::take_event(last, seq)) != Some(true) {
                return;
            }
        }
        match event {
            Event::Message { message } => {
                if message.author == Author::Shopper {
                    self.shopper_typing.set(false);
                    if !on_screen {
                        self.unread.update(|n| *n += 1);
                    }
                }
                self.upsert(&message);
            }
            Event::State { state, .. } => self.state.set(Some(state)),
            Event::Typing { author: Author::Shopper, active } => {
                let generation = self.shopper_typing_generation.get_value() + 1;
                self.shopper_typing_generation.set_value(generation);
                self.shopper_typing.set(active);
                if active {
                    let t = *self;
                    spawn_local(async move {
                        sleep_ms(SHOPPER_TYPING_EXPIRY_MS).await;
                        if t.shopper_typing_generation.get_value() == generation {
                            t.shopper_typing.set(false);
                        }
                    });
                }
            }
            Event::Typing { .. } => {}
        }
    }

    /// Adds a stored message, or marks the matching outgoing entry as stored.
    pub fn upsert(&self, message: &Message) {
        match self.entry(lines::key(message)) {
            Some(e) => {
                e.seq.set(Some(message.seq));
                e.delivery.set(Delivery::Sent);
            }
            None => self.entries.update(|es| {
                // Stored messages in sequence order, messages still being sent after them.
                es.insert(lines::insert_at(es, message.seq), Entry::stored(message));
            }),
        }
    }

    /// Adds a note (once, whichever of the stream and the write's answer brings it first).
    pub fn add_note(&self, note: Note) {
        self.notes.update(|ns| {
            if !ns.iter().any(|n| n.id == note.id) {
                ns.push(note);
            }
        });
    }

    /// The entry with this key.
    pub fn entry(&self, key: &str) -> Option<Entry> {
        self.entries.with_untracked(|es| es.iter().find(|e| e.key == key).cloned())
    }

    /// Whether the agent may write here (unknown until loaded counts as yes; the server decides).
    pub fn held(&self) -> bool {
        self.state.with(|s| matches!(s, None | Some(ConversationState::WithAgent { .. })))
    }

    /// [`Thread::held`], outside reactive tracking.
    pub fn held_untracked(&self) -> bool {
        self.state.with_untracked(|s| matches!(s, None | Some(ConversationState::WithAgent { .. })))
    }
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Fetches a conversation's transcript, summary and account data.
pub async fn reload(ctl: Ctl, t: Thread) {
    match api::conversation(&t.id()).await {
        Ok(c) => {
            t.load(&c);
            draft::refresh(t);
        }
        Err(e) if e.is_auth() => ctl.fail(&e),
        Err(e) => t.problem.set(Some(format!("This conversation could not be loaded: {}", api::explain(&e)))),
    }
}

/// Sends a new reply.
fn send(ctl: Ctl, t: Thread, text: String) {
    let client_id = tandem_client::ids::client_id();
    let name = ctl.profile.with_untracked(|p| p.as_ref().map(|p| p.display_name.clone()));
    let entry = Entry {
        key: client_id.clone(),
        seq: ArcRwSignal::new(None),
        author: Author::Agent,
        author_name: name,
        blocks: vec![Block::Paragraph { text }],
        created_at: None,
        delivery: ArcRwSignal::new(Delivery::Sending),
        while_you_wait: false,
    };
    t.entries.update(|es| es.push(entry));
    stop_typing(t);
    deliver(ctl, t, client_id);
}

/// Sends (or sends again, with the same client id) one of the agent's messages.
fn deliver(ctl: Ctl, t: Thread, client_id: String) {
    let Some(entry) = t.entry(&client_id) else { return };
    entry.delivery.set(Delivery::Sending);
    spawn_local(async move {
        let body = SendMessage { client_id, text: entry.text() };
        match api::send_message(&t.id(), &body).await {
            Ok(ack) => t.upsert(&ack.message),
            Err(e) if e.is_auth() => ctl.fail(&e),
            Err(e) => entry.delivery.set(Delivery::Failed { reason: api::explain(&e), retry: e.is_transient() }),
        }
    });
}

/// Sends again every message that failed for a passing reason (after the stream reconnects).
pub fn retry_failed(ctl: Ctl) {
    for t in ctl.threads.get_untracked() {
        let keys: Vec<String> = t.entries.with_untracked(|es| {
            es.iter()
                .filter(|e| matches!(e.delivery.get_untracked(), Delivery::Failed { retry: true, .. }))
                .map(|e| e.key.clone())
                .collect()
        });
        for k in keys {
            deliver(ctl, t, k);
        }
    }
}

/// The agent typed: tells the shopper (at most every few seconds) and schedules the idle stop.
fn typed(t: Thread) {
    let now = format::now_ms();
    let Some((post, generation)) = t.typing.try_update_value(|s| {
        s.generation += 1;
        let post = !s.active || now - s.sent_at > TYPING_REPEAT_MS;
        if post {
            s.active = true;
            s.sent_at = now;
        }
        (post, s.generation)
    }) else {
        return;
    };
    if post {
        spawn_local(async move {
            let _ = api::typing(&t.id(), true).await;
        });
    }
    spawn_local(async move {
        sleep_ms(TYPING_IDLE_MS).await;
        if t.typing.with_value(|s| s.generation) == generation {
            stop_typing(t);
        }
    });
}

/// Tells the shopper the agent stopped typing, if they were told it started.
fn stop_typing(t: Thread) {
    let was_active = t.typing.try_update_value(|s| {
        s.generation += 1;
        std::mem::replace(&mut s.active, false)
    });
    if was_active == Some(true) {
        spawn_local(async move {
            let _ = api::typing(&t.id(), false).await;
        });
    }
}

/// Hands the conversation back to the assistant, or resolves it, then closes its tab.
fn finish(ctl: Ctl, t: Thread, resolve: bool) {
    stop_typing(t);
    spawn_local(async move {
        let id = t.id();
        let result = if resolve { api::resolve(&id).await } else { api::handback(&id).await };
        match result {
            Ok(_) => {
                ctl.say(if resolve {
                    "Conversation resolved. The shopper is asked for a rating."
                } else {
                    "Conversation handed back to the assistant."
                });
                ctl.focus_reply.set_value(true);
                ctl.close(&id);
            }
            Err(e) => ctl.fail(&e),
        }
    });
}

fn shopper_label(name: Option<String>) -> String {
    name.unwrap_or_else(|| "Anonymous shopper".into())
}

#[cfg(test)]
mod tests;
