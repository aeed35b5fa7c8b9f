//! The conversations an agent holds: each one's transcript (merged from fetches, sends and stream
//! events, deduplicated by sequence number and client id), state, unread count and typing, and
//! the views: tabs, transcript with reply box, and the summary and account panels.

use leptos::html::{Div, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{
    AccountView, AgentConversation, Author, Block, ConversationState, Event, Message, OrderView, SendMessage, Summary,
    Value, MAX_MESSAGE_CHARS,
};

use crate::api;
use crate::app::Ctl;
use crate::format;

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
}

impl Entry {
    fn stored(m: &Message) -> Self {
        Entry {
            key: m.client_id.clone().unwrap_or_else(|| m.id.clone()),
            seq: ArcRwSignal::new(Some(m.seq)),
            author: m.author,
            author_name: m.author_name.clone(),
            blocks: if m.blocks.is_empty() { vec![Block::Paragraph { text: m.text.clone() }] } else { m.blocks.clone() },
            created_at: Some(m.created_at.clone()),
            delivery: ArcRwSignal::new(Delivery::Sent),
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
            let mut old: Vec<Entry> = std::mem::take(entries);
            for m in &c.conversation.messages {
                let key = m.client_id.clone().unwrap_or_else(|| m.id.clone());
                // Reuse the entry already on screen so its delivery state updates in place.
                let entry = match old.iter().position(|e| e.key == key) {
                    Some(i) => {
                        let e = old.remove(i);
                        e.seq.set(Some(m.seq));
                        e.delivery.set(Delivery::Sent);
                        e
                    }
                    None => Entry::stored(m),
                };
                entries.push(entry);
            }
            entries.extend(old.into_iter().filter(|e| e.seq.get_untracked().is_none_or(|s| s > snapshot_seq)));
        });
        if snapshot_seq >= self.last_seq.get_value() {
            self.last_seq.set_value(snapshot_seq);
            self.state.set(Some(c.conversation.state.clone()));
        }
        let name = c.shopper_name.clone().or_else(|| c.account.as_ref().map(|a| a.name.clone()));
        self.name.set(name);
        self.topic.set(Some(c.summary.topic.clone()));
        self.details.set(Some(Details { summary: c.summary.clone(), account: c.account.clone(), account_unavailable: c.account_unavailable, contact: c.contact.clone() }));
        self.problem.set(None);
    }

    /// Applies one stream event; `on_screen` says whether the agent is looking at this conversation.
    pub fn apply(&self, event: Event, on_screen: bool) {
        if let Some(seq) = event.seq() {
            if seq <= self.last_seq.get_value() {
                return;
            }
            self.last_seq.set_value(seq);
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
        let key = message.client_id.clone().unwrap_or_else(|| message.id.clone());
        match self.entry(&key) {
            Some(e) => {
                e.seq.set(Some(message.seq));
                e.delivery.set(Delivery::Sent);
            }
            None => self.entries.update(|es| {
                // Stored messages in sequence order, messages still being sent after them.
                let at = es.iter().position(|e| e.seq.get_untracked().is_none_or(|s| s > message.seq)).unwrap_or(es.len());
                es.insert(at, Entry::stored(message));
            }),
        }
    }

    /// The entry with this key.
    pub fn entry(&self, key: &str) -> Option<Entry> {
        self.entries.with_untracked(|es| es.iter().find(|e| e.key == key).cloned())
    }

    /// Whether the agent may write here (unknown until loaded counts as yes; the server decides).
    pub fn held(&self) -> bool {
        self.state.with(|s| matches!(s, None | Some(ConversationState::WithAgent { .. })))
    }
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// A random client message id (128 bits, hex), the send's idempotency key.
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fetches a conversation's transcript, summary and account data.
pub async fn reload(ctl: Ctl, t: Thread) {
    match api::conversation(&t.id()).await {
        Ok(c) => t.load(&c),
        Err(e) if e.is_auth() => ctl.fail(&e),
        Err(e) => t.problem.set(Some(format!("This conversation could not be loaded: {e}"))),
    }
}

/// Sends a new reply.
fn send(ctl: Ctl, t: Thread, text: String) {
    let client_id = new_client_id();
    let name = ctl.profile.with_untracked(|p| p.as_ref().map(|p| p.display_name.clone()));
    let entry = Entry {
        key: client_id.clone(),
        seq: ArcRwSignal::new(None),
        author: Author::Agent,
        author_name: name,
        blocks: vec![Block::Paragraph { text }],
        created_at: None,
        delivery: ArcRwSignal::new(Delivery::Sending),
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
            Err(e) => entry.delivery.set(Delivery::Failed { reason: e.to_string(), retry: e.is_transient() }),
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

/// The conversation tabs: one per conversation the agent holds, with unread counts.
#[component]
pub fn Tabs() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    view! {
        <nav class="console-tabs" aria-labelledby="console-tabs-title">
            <h2 class="console-tabs__title" id="console-tabs-title">"My conversations"</h2>
            <Show when=move || ctl.threads.with(|ts| ts.is_empty())>
                <p class="console-muted">"None open. Claim one from the queue."</p>
            </Show>
            <ul class="console-tabs__list">
                <For each=move || ctl.threads.get() key=|t| t.id() let:t>
                    <Tab t=t/>
                </For>
            </ul>
        </nav>
    }
}

/// One tab.
#[component]
fn Tab(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let id = t.id();
    let current = {
        let id = id.clone();
        move || ctl.selected.with(|s| s.as_deref() == Some(id.as_str()))
    };
    let open = {
        let id = id.clone();
        move |_| ctl.select(&id)
    };
    view! {
        <li>
            <button type="button" class="console-tab" class:console-tab--current=current.clone()
                data-testid="my-conversation" data-conversation-id=id
                aria-current=move || current().then_some("true")
                on:click=open>
                <span class="console-tab__name">{move || shopper_label(t.name.get())}</span>
                <span class="console-tab__topic">
                    {move || t.topic.get().map(|x| format::topic(&x)).unwrap_or_default()}
                    {move || (!t.held()).then_some(" · closed")}
                </span>
                {move || {
                    let n = t.unread.get();
                    (n > 0).then(|| view! {
                        <span class="console-tab__unread" data-testid="unread">
                            {n}<span class="console-visually-hidden">" unread"</span>
                        </span>
                    })
                }}
            </button>
        </li>
    }
}

/// The conversation on screen: header with actions, transcript, typing indicator and reply box.
#[component]
pub fn ConversationView() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let current = Memo::new(move |_| ctl.selected.get());
    move || match current.get().and_then(|id| ctl.thread(&id)) {
        Some(t) => view! { <Open t=t/> }.into_any(),
        None => view! {
            <p class="console-empty">"No conversation on screen. Take the next one from the queue, or claim one."</p>
        }
        .into_any(),
    }
}

#[component]
fn Open(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let held = move || t.held();
    view! {
        <div class="console-conversation" data-conversation-id=t.id()>
            <div class="console-conversation__head">
                <div>
                    <h2 class="console-conversation__title">{move || shopper_label(t.name.get())}</h2>
                    <p class="console-conversation__state" data-testid="conversation-state">
                        {move || t.state.get().map(|s| format::state(&s)).unwrap_or_else(|| "Loading…".into())}
                    </p>
                </div>
                <div class="console-conversation__actions">
                    <button type="button" class="console-button" data-testid="handback" disabled=move || !held()
                        on:click=move |_| finish(ctl, t, false)>
                        "Hand back to assistant"
                    </button>
                    <button type="button" class="console-button console-button--primary" data-testid="resolve"
                        disabled=move || !held() on:click=move |_| finish(ctl, t, true)>
                        "Resolve"
                    </button>
                    <Show when=move || !held()>
                        <button type="button" class="console-button" data-testid="close-tab"
                            on:click=move |_| ctl.close(&t.id())>
                            "Close tab"
                        </button>
                    </Show>
                </div>
            </div>
            {move || t.problem.get().map(|p| view! {
                <p class="console-problem" role="alert">
                    {p}" "
                    <button type="button" class="console-button console-button--small"
                        on:click=move |_| spawn_local(reload(ctl, t))>"Try again"</button>
                </p>
            })}
            <Transcript t=t/>
            <p class="console-typing" role="status" data-testid="shopper-typing"
                data-active=move || t.shopper_typing.get().to_string()>
                {move || t.shopper_typing.get().then_some("The shopper is typing…")}
            </p>
            <Reply t=t/>
        </div>
    }
}

/// The transcript: a polite live region, scrolled to the newest message.
#[component]
fn Transcript(t: Thread) -> impl IntoView {
    let list = NodeRef::<Div>::new();
    Effect::new(move |_| {
        t.entries.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        <div class="console-transcript" role="log" aria-live="polite" aria-label="Transcript" tabindex="0"
            data-testid="transcript" node_ref=list>
            <For each=move || t.entries.get() key=|e| e.key.clone() let:entry>
                <MessageView entry=entry t=t/>
            </For>
        </div>
    }
}

fn author_name(a: Author) -> &'static str {
    match a {
        Author::Shopper => "shopper",
        Author::Assistant => "assistant",
        Author::Agent => "agent",
        Author::System => "system",
    }
}

/// One message: author, time, blocks as text, and delivery for the agent's own.
#[component]
fn MessageView(entry: Entry, t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let author = author_name(entry.author);
    let label = match entry.author {
        Author::Shopper => "Shopper".to_string(),
        Author::Assistant => "Assistant".to_string(),
        Author::Agent => entry.author_name.clone().map_or_else(|| "Agent".into(), |n| format!("{n} (agent)")),
        Author::System => "System".to_string(),
    };
    let time = entry.created_at.as_deref().map(format::time_of_day).unwrap_or_default();
    let delivery = entry.delivery.clone();
    let delivery_state = entry.delivery.clone();
    let key = entry.key.clone();
    let is_agent = entry.author == Author::Agent;
    view! {
        <article class=format!("console-message console-message--{author}") data-testid="message" data-author=author>
            <p class="console-message__meta">
                <span class="console-message__author">{label}</span>
                " "
                <time datetime=entry.created_at.clone().unwrap_or_default()>{time}</time>
            </p>
            <div class="console-message__body">{entry.blocks.into_iter().map(block_view).collect_view()}</div>
            {is_agent.then(|| view! {
                <p class="console-message__delivery" data-testid="delivery"
                    data-state=move || match delivery_state.get() {
                        Delivery::Sending => "sending",
                        Delivery::Sent => "sent",
                        Delivery::Failed { .. } => "failed",
                    }>
                    {move || match delivery.get() {
                        Delivery::Sending => view! { <span>"Sending…"</span> }.into_any(),
                        Delivery::Sent => view! { <span>"Sent"</span> }.into_any(),
                        Delivery::Failed { reason, .. } => {
                            let key = key.clone();
                            view! {
                                <span class="console-message__failed">"Not sent: "{reason}</span>
                                " "
                                <button type="button" class="console-button console-button--small" data-testid="retry"
                                    on:click=move |_| deliver(ctl, t, key.clone())>
                                    "Retry"
                                </button>
                            }
                            .into_any()
                        }
                    }}
                </p>
            })}
        </article>
    }
}

/// A message block as text (never HTML); action buttons are listed, not offered.
fn block_view(block: Block) -> AnyView {
    match block {
        Block::Paragraph { text } => view! { <p class="console-block">{text}</p> }.into_any(),
        Block::Bullets { items } => view! {
            <ul class="console-block">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::Card { title, fields } => view! {
            <div class="console-block console-card">
                <p class="console-card__title">{title}</p>
                <dl class="console-facts">
                    {fields.into_iter().map(|f| {
                        let value = match f.value {
                            Value::Text { text } => text,
                            Value::Money { money } => format::money(&money),
                            Value::Date { date } => format::date(&date),
                        };
                        view! { <div><dt>{f.label}</dt><dd>{value}</dd></div> }
                    }).collect_view()}
                </dl>
            </div>
        }
        .into_any(),
        Block::Actions { buttons } => {
            let labels = buttons.into_iter().map(|b| b.label).collect::<Vec<_>>().join(" · ");
            view! { <p class="console-block console-muted">"Buttons shown: "{labels}</p> }.into_any()
        }
    }
}

/// The reply box: Enter sends, Shift+Enter adds a line; typing is announced to the shopper.
#[component]
fn Reply(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let input = NodeRef::<Textarea>::new();
    let count = Memo::new(move |_| t.draft.with(|d| d.trim().chars().count()));
    let can_send = move || t.held() && count.get() > 0 && count.get() <= MAX_MESSAGE_CHARS;
    let submit = move || {
        if !can_send() {
            return;
        }
        let text = t.draft.get_untracked().trim().to_string();
        t.draft.set(String::new());
        send(ctl, t, text);
    };
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            if ctl.focus_reply.get_value() {
                ctl.focus_reply.set_value(false);
                let _ = el.focus();
            }
        }
    });
    view! {
        <form class="console-reply" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label class="console-reply__label" for="console-reply-input">
                {move || if t.held() { "Reply to the shopper" } else { "This conversation is closed" }}
            </label>
            <textarea id="console-reply-input" class="console-reply__input" data-testid="reply" rows="3"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-describedby="console-reply-hint"
                disabled=move || !t.held()
                node_ref=input
                prop:value=move || t.draft.get()
                on:input:target=move |ev| {
                    t.draft.set(ev.target().value());
                    typed(t);
                }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }></textarea>
            <p id="console-reply-hint" class="console-reply__hint">"Enter sends, Shift+Enter adds a line."</p>
            <button type="submit" class="console-button console-button--primary" data-testid="send" disabled=move || !can_send()>
                "Send"
            </button>
        </form>
    }
}

/// The summary and account panels of the conversation on screen.
#[component]
pub fn DetailsView() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let current = Memo::new(move |_| ctl.selected.get());
    view! {
        <aside class="console-details" aria-label="Shopper details" tabindex="0">
            {move || current.get().and_then(|id| ctl.thread(&id)).map(|t| move || match t.details.get() {
                Some(d) => view! { <SummaryPanel d=d.clone()/> <AccountPanel account=d.account unavailable=d.account_unavailable/> }.into_any(),
                None => view! { <p class="console-muted">"Loading the summary…"</p> }.into_any(),
            })}
        </aside>
    }
}

#[component]
fn SummaryPanel(d: Details) -> impl IntoView {
    let s = d.summary;
    let list = |items: Vec<String>| items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view();
    view! {
        <section class="console-panel" data-testid="summary" aria-labelledby="console-summary-title">
            <h2 class="console-panel__title" id="console-summary-title">"Summary"</h2>
            <dl class="console-facts">
                <div><dt>"Topic"</dt><dd>{format::topic(&s.topic)}</dd></div>
                {s.handoff_reason.map(|r| view! { <div><dt>"Handed over"</dt><dd>{format::reason(&r)}</dd></div> })}
                {d.contact.map(|c| view! { <div><dt>"Email left"</dt><dd>{c}</dd></div> })}
            </dl>
            <p>{s.text}</p>
            {(!s.asked.is_empty()).then(|| view! { <h3 class="console-panel__subtitle">"Asked"</h3><ul>{list(s.asked)}</ul> })}
            {(!s.facts.is_empty()).then(|| view! { <h3 class="console-panel__subtitle">"Already told"</h3><ul>{list(s.facts)}</ul> })}
        </section>
    }
}

#[component]
fn AccountPanel(account: Option<AccountView>, unavailable: bool) -> impl IntoView {
    match account {
        Some(a) => view! {
            <section class="console-panel" data-testid="account" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account: "{a.name}</h2>
                {a.orders.is_empty().then(|| view! { <p class="console-muted">"No orders."</p> })}
                <ul class="console-orders">{a.orders.into_iter().map(order_view).collect_view()}</ul>
            </section>
        }
        .into_any(),
        None if unavailable => view! {
            <section class="console-panel" data-testid="account-unavailable" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account"</h2>
                <p class="console-muted">"The shopper is signed in, but their account cannot be read right now (the provider's account service did not answer). Do not quote figures; check the provider's own systems."</p>
            </section>
        }
        .into_any(),
        None => view! {
            <section class="console-panel" data-testid="account-none" aria-labelledby="console-account-title">
                <h2 class="console-panel__title" id="console-account-title">"Account"</h2>
                <p class="console-muted">"The shopper is not signed in, so there is no verified account to show."</p>
            </section>
        }
        .into_any(),
    }
}

fn order_view(o: OrderView) -> impl IntoView {
    let next = match (o.next_amount, o.next_due) {
        (Some(m), Some(d)) => format!("{} on {}", format::money(&m), format::date(&d)),
        (Some(m), None) => format::money(&m),
        (None, Some(d)) => format::date(&d),
        (None, None) => "None".into(),
    };
    let order_id = o.id.clone();
    view! {
        <li class="console-order" data-testid="order" data-order-id=order_id>
            <p class="console-order__title"><strong>{o.id}</strong>" · "{o.store}" · "{o.item}</p>
            <dl class="console-facts">
                <div><dt>"Plan"</dt><dd>{o.plan}</dd></div>
                <div><dt>"Total"</dt><dd>{format::money(&o.total)}</dd></div>
                <div><dt>"Next payment"</dt><dd>{next}</dd></div>
                <div><dt>"Status"</dt><dd>{o.status}</dd></div>
            </dl>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_protocol::{Conversation, Summary};

    fn message(seq: u64, author: Author, client_id: Option<&str>, text: &str) -> Message {
        Message {
            id: format!("m{seq}"),
            client_id: client_id.map(Into::into),
            seq,
            author,
            author_name: None,
            text: text.into(),
            blocks: vec![Block::Paragraph { text: text.into() }],
            created_at: "2026-11-25T10:00:00Z".into(),
            meta: None,
        }
    }

    fn fetched(messages: Vec<Message>, last_seq: u64) -> AgentConversation {
        AgentConversation {
            conversation: Conversation {
                id: "c1".into(),
                state: ConversationState::WithAgent { agent_name: "Sam".into() },
                last_seq,
                created_at: "2026-11-25T10:00:00Z".into(),
                messages,
            },
            summary: Summary { topic: "fraud".into(), handoff_reason: None, asked: vec![], facts: vec![], text: "".into() },
            account: None,
            account_unavailable: false,
            shopper_name: None,
            contact: None,
            assigned_to_me: true,
        }
    }

    fn keys(t: &Thread) -> Vec<String> {
        t.entries.with_untracked(|es| es.iter().map(|e| e.key.clone()).collect())
    }

    #[test]
    fn replayed_events_are_ignored_and_unread_counts_only_shopper_messages_off_screen() {
        let t = Thread::new("c1");
        t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
        t.apply(Event::Message { message: message(1, Author::Shopper, Some("s1"), "hi") }, false);
        t.apply(Event::Message { message: message(2, Author::Shopper, Some("s2"), "there?") }, false);
        t.apply(Event::Message { message: message(3, Author::Assistant, None, "...") }, false);
        t.apply(Event::Message { message: message(4, Author::Shopper, Some("s3"), "on screen") }, true);
        assert_eq!(keys(&t), ["s1", "s2", "m3", "s3"]);
        assert_eq!(t.unread.get_untracked(), 1);
    }

    #[test]
    fn an_outgoing_reply_is_marked_sent_by_its_echo_and_survives_a_reload() {
        let t = Thread::new("c1");
        t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
        let pending = Entry {
            key: "a1".into(),
            seq: ArcRwSignal::new(None),
            author: Author::Agent,
            author_name: None,
            blocks: vec![Block::Paragraph { text: "hello".into() }],
            created_at: None,
            delivery: ArcRwSignal::new(Delivery::Failed { reason: "offline".into(), retry: true }),
        };
        t.entries.update(|es| es.push(pending.clone()));
        // A reload that does not know the reply yet keeps it; one that does marks it sent in place.
        t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
        assert_eq!(keys(&t), ["s1", "a1"]);
        t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi"), message(2, Author::Agent, Some("a1"), "hello")], 2));
        assert_eq!(keys(&t), ["s1", "a1"]);
        assert_eq!(pending.delivery.get_untracked(), Delivery::Sent);
        assert_eq!(pending.seq.get_untracked(), Some(2));
    }

    #[test]
    fn a_stale_fetch_keeps_newer_streamed_messages_and_state() {
        let t = Thread::new("c1");
        t.apply(Event::Message { message: message(5, Author::Shopper, Some("s5"), "newer") }, true);
        t.apply(Event::State { seq: 6, state: ConversationState::Resolved { rating: None } }, true);
        t.load(&fetched(vec![message(1, Author::Shopper, Some("s1"), "hi")], 1));
        assert_eq!(keys(&t), ["s1", "s5"]);
        assert_eq!(t.state.get_untracked(), Some(ConversationState::Resolved { rating: None }));
    }
}
