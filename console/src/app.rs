//! The console's root: the controller shared through context (who is logged in, the queue, the
//! open conversations, notices), the live stream with reconnect and refetch, and the page layout
//! (header, queue, conversation tabs, conversation, details).

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{AgentConversation, AgentEvent, AgentProfile, Presence, QueueSnapshot};
use web_sys::{AbortController, AbortSignal};

use crate::agents_admin::AgentsAdmin;
use crate::api::{self, ApiError};
use crate::conversation::{self, ConversationView, DetailsView, Tabs, Thread};
use crate::floor::FloorView;
use crate::format;
use crate::history::HistoryView;
use crate::login::Login;
use crate::queue::QueuePanel;
use crate::stream::{self, StreamEnd};

/// Where the console stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Asking the server whether a session cookie is already valid.
    Checking,
    /// Nobody is logged in: the login form shows.
    LoggedOut,
    /// An agent is logged in.
    Ready,
}

/// Health of the live stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Not connected yet (or logged out).
    Idle,
    /// Events arrive as they happen.
    Live,
    /// The stream dropped; reconnecting with backoff.
    Reconnecting,
}

/// The console's sections (the header's navigation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The queue and the conversations this agent holds.
    Desk,
    /// The supervisor's live floor (supervisors and admins).
    Floor,
    /// Past conversations: search and read.
    History,
    /// Managing agents (admins).
    Agents,
}

/// A sentence for the status region.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// What happened and what to do next.
    pub text: String,
    /// Shown as an error rather than as information.
    pub error: bool,
}

/// The console's controller, shared through context. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Ctl {
    /// Where the console stands.
    pub phase: RwSignal<Phase>,
    /// The logged-in agent.
    pub profile: RwSignal<Option<AgentProfile>>,
    /// The latest queue snapshot.
    pub queue: RwSignal<QueueSnapshot>,
    /// The conversations this agent holds, in the order they were opened.
    pub threads: RwSignal<Vec<Thread>>,
    /// The section on screen.
    pub section: RwSignal<Section>,
    /// The conversation on screen.
    pub selected: RwSignal<Option<String>>,
    /// The status region's sentence.
    pub notice: RwSignal<Option<Notice>>,
    /// Health of the live stream.
    pub connection: RwSignal<Connection>,
    /// The clock that live waiting times are computed from (ticks every few seconds).
    pub now: RwSignal<f64>,
    /// Set when the reply box of the next conversation shown should take focus (after a claim).
    pub focus_reply: StoredValue<bool>,
    /// Aborts the running stream on logout.
    stream: StoredValue<Option<AbortController>, LocalStorage>,
    /// The app's root owner: conversations outlive the views and handlers that open them.
    root: StoredValue<Option<Owner>, LocalStorage>,
}

impl Ctl {
    fn new() -> Self {
        Ctl {
            phase: RwSignal::new(Phase::Checking),
            profile: RwSignal::new(None),
            queue: RwSignal::new(QueueSnapshot { items: Vec::new(), agents_online: 0, free_slots: 0 }),
            threads: RwSignal::new(Vec::new()),
            section: RwSignal::new(Section::Desk),
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            connection: RwSignal::new(Connection::Idle),
            now: RwSignal::new(format::now_ms()),
            focus_reply: StoredValue::new(false),
            stream: StoredValue::new_local(None),
            root: StoredValue::new_local(Owner::current()),
        }
    }

    /// Shows an informative sentence in the status region.
    pub fn say(&self, text: impl Into<String>) {
        self.notice.set(Some(Notice { text: text.into(), error: false }));
    }

    /// Shows a failure in words; a 401 means the session ended, so the login form comes back.
    pub fn fail(&self, err: &ApiError) {
        if err.is_auth() {
            self.signed_out("Your session has ended. Log in again to continue.");
        } else {
            self.notice.set(Some(Notice { text: err.to_string(), error: true }));
        }
    }

    /// The open conversation with this id.
    pub fn thread(&self, id: &str) -> Option<Thread> {
        self.threads.with_untracked(|ts| ts.iter().find(|t| t.is(id)).copied())
    }

    /// The open conversation with this id, added to the tabs when new.
    pub fn ensure_thread(&self, id: &str) -> Thread {
        if let Some(t) = self.thread(id) {
            return t;
        }
        let t = self.root.with_value(|root| match root {
            Some(owner) => owner.with(|| Thread::new(id)),
            None => Thread::new(id),
        });
        self.threads.update(|ts| ts.push(t));
        t
    }

    /// Puts a conversation on screen and clears its unread count.
    pub fn select(&self, id: &str) {
        if let Some(t) = self.thread(id) {
            t.unread.set(0);
        }
        if self.selected.get_untracked().as_deref() != Some(id) {
            self.selected.set(Some(id.to_string()));
        }
    }

    /// Opens a conversation the agent has just claimed and puts it on screen.
    pub fn open_claimed(&self, c: AgentConversation) {
        let t = self.ensure_thread(&c.conversation.id);
        t.load(&c);
        self.focus_reply.set_value(true);
        self.select(&t.id());
    }

    /// Closes a conversation's tab, moving to the next open one.
    pub fn close(&self, id: &str) {
        self.threads.update(|ts| ts.retain(|t| !t.is(id)));
        if self.selected.get_untracked().as_deref() == Some(id) {
            let next = self.threads.with_untracked(|ts| ts.first().map(|t| t.id()));
            match next {
                Some(n) => self.select(&n),
                None => self.selected.set(None),
            }
        }
    }

    /// Starts a logged-in session: profile, data, live stream.
    pub fn signed_in(&self, profile: AgentProfile) {
        self.profile.set(Some(profile));
        self.phase.set(Phase::Ready);
        self.notice.set(None);
        let controller = AbortController::new().ok();
        if let Some(old) = self.stream.get_value() {
            old.abort();
        }
        self.stream.set_value(controller.clone());
        let ctl = *self;
        spawn_local(refresh_all(ctl));
        if let Some(c) = controller {
            spawn_local(stream_loop(ctl, c.signal()));
        }
    }

    /// Forgets the session locally (after logout or when the server no longer knows it).
    pub fn signed_out(&self, why: &str) {
        if let Some(c) = self.stream.get_value() {
            c.abort();
        }
        self.stream.set_value(None);
        self.selected.set(None);
        self.threads.set(Vec::new());
        self.queue.set(QueueSnapshot { items: Vec::new(), agents_online: 0, free_slots: 0 });
        self.profile.set(None);
        self.connection.set(Connection::Idle);
        self.phase.set(Phase::LoggedOut);
        self.notice.set(Some(Notice { text: why.into(), error: false }));
    }
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Refetches the queue, the agent's own conversations and every open transcript (the agent stream
/// has no replay, so this runs after each (re)connect).
async fn refresh_all(ctl: Ctl) {
    match api::queue().await {
        Ok(q) => ctl.queue.set(q),
        Err(e) => return ctl.fail(&e),
    }
    refresh_mine(ctl, true).await;
}

/// Fetches the agent's own conversations, opens tabs for new ones and loads their transcripts
/// (all transcripts when `reload_all`).
pub async fn refresh_mine(ctl: Ctl, reload_all: bool) {
    let items = match api::my_conversations().await {
        Ok(items) => items,
        Err(e) => return ctl.fail(&e),
    };
    if ctl.phase.get_untracked() != Phase::Ready {
        return;
    }
    let mut to_load = Vec::new();
    for item in &items {
        let new = ctl.thread(&item.conversation_id).is_none();
        let t = ctl.ensure_thread(&item.conversation_id);
        t.name.set(item.shopper_name.clone());
        t.topic.set(item.topic.clone());
        if new {
            to_load.push(t);
        }
    }
    if reload_all {
        to_load = ctl.threads.get_untracked();
    }
    if ctl.selected.get_untracked().is_none() {
        if let Some(first) = items.first() {
            ctl.select(&first.conversation_id);
        }
    }
    for t in to_load {
        conversation::reload(ctl, t).await;
    }
}

/// Applies one event from the agent stream.
fn apply_event(ctl: Ctl, event: AgentEvent) {
    match event {
        AgentEvent::Queue { snapshot } => ctl.queue.set(snapshot),
        AgentEvent::QueueChange { change } => ctl.queue.update(|q| q.apply(change)),
        AgentEvent::Profile { profile } => {
            let was_online = ctl.profile.with_untracked(|p| p.as_ref().is_some_and(|p| p.online));
            if was_online && !profile.online {
                ctl.say("You are now offline and receive no new conversations. Switch to online to take more.");
            }
            ctl.profile.set(Some(profile));
        }
        AgentEvent::Note { note } => {
            if let Some(t) = ctl.thread(&note.conversation_id) {
                t.add_note(note);
            }
        }
        AgentEvent::Conversation { conversation_id, event } => match ctl.thread(&conversation_id) {
            Some(t) => {
                let on_screen = ctl.selected.get_untracked().as_deref() == Some(conversation_id.as_str());
                // A new question from the shopper: the assistant's suggestion follows it.
                let asked = matches!(&event, tandem_protocol::Event::Message { message } if message.author == tandem_protocol::Author::Shopper);
                t.apply(event, on_screen);
                if asked {
                    conversation::draft::refresh(t);
                }
            }
            // A conversation assigned to this agent that the console does not show yet.
            None if event.seq().is_some() => spawn_local(refresh_mine(ctl, false)),
            None => {}
        },
    }
}

/// Keeps the agent stream open until `signal` aborts: reconnects with backoff, and after every
/// (re)connect refetches what may have been missed.
async fn stream_loop(ctl: Ctl, signal: AbortSignal) {
    let mut backoff = 500u32;
    let mut first = true;
    loop {
        if signal.aborted() {
            return;
        }
        let opened = Rc::new(Cell::new(false));
        let on_open = {
            let opened = opened.clone();
            move || {
                opened.set(true);
                ctl.connection.set(Connection::Live);
                // The first open follows the login's own fetch; later ones must catch up.
                if !first {
                    spawn_local(refresh_all(ctl));
                }
                conversation::retry_failed(ctl);
            }
        };
        let end = stream::run_once(&signal, &on_open, &move |e| apply_event(ctl, e)).await;
        if signal.aborted() {
            return;
        }
        first = false;
        if opened.get() {
            backoff = 500;
        }
        match end {
            StreamEnd::Refused(401) => return ctl.signed_out("Your session has ended. Log in again to continue."),
            StreamEnd::Refused(_) | StreamEnd::Dropped => {
                ctl.connection.set(Connection::Reconnecting);
                sleep_ms(backoff).await;
                backoff = stream::next_backoff(backoff);
            }
        }
    }
}

/// Goes online or offline, or changes capacity.
fn set_presence(ctl: Ctl, online: bool, capacity: Option<u32>) {
    spawn_local(async move {
        match api::set_presence(&Presence { online, capacity }).await {
            Ok(p) => {
                ctl.say(if p.online {
                    format!("You are online and take up to {} conversations.", p.capacity)
                } else {
                    "You are offline and receive no new conversations.".to_string()
                });
                ctl.profile.set(Some(p));
            }
            Err(e) => ctl.fail(&e),
        }
    });
}

fn logout(ctl: Ctl) {
    spawn_local(async move {
        match api::logout().await {
            Ok(()) => ctl.signed_out("You are logged out."),
            Err(e) if e.is_auth() => ctl.signed_out("You are logged out."),
            Err(e) => ctl.fail(&e),
        }
    });
}

/// The console.
#[component]
pub fn App() -> impl IntoView {
    let ctl = Ctl::new();
    provide_context(ctl);
    spawn_local(async move {
        match api::me().await {
            Ok(p) => ctl.signed_in(p),
            Err(e) if e.is_auth() => ctl.phase.set(Phase::LoggedOut),
            Err(e) => {
                ctl.phase.set(Phase::LoggedOut);
                ctl.fail(&e);
            }
        }
    });
    // Waiting times are live: a coarse clock is enough for minutes.
    spawn_local(async move {
        loop {
            sleep_ms(10_000).await;
            ctl.now.set(format::now_ms());
        }
    });
    move || match ctl.phase.get() {
        Phase::Checking => view! {
            <main class="console-checking">
                <h1 class="console-title">"Tandem console"</h1>
                <p role="status">"Checking your session…"</p>
            </main>
        }
        .into_any(),
        Phase::LoggedOut => view! { <Login/> }.into_any(),
        Phase::Ready => view! { <Workspace/> }.into_any(),
    }
}

/// The logged-in layout: header, queue, tabs, conversation and details.
#[component]
fn Workspace() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    move || match ctl.section.get() {
        Section::Desk => view! {
            <div class="console">
                <Header/>
                <QueuePanel/>
                <Tabs/>
                <main class="console-main" aria-label="Conversation">
                    <StatusRegion/>
                    <ConversationView/>
                </main>
                <Show when=move || ctl.selected.get().is_some()>
                    <DetailsView/>
                </Show>
            </div>
        }
        .into_any(),
        Section::Floor => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="Floor">
                    <StatusRegion/>
                    <FloorView/>
                </main>
            </div>
        }
        .into_any(),
        Section::History => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="History">
                    <StatusRegion/>
                    <HistoryView/>
                </main>
            </div>
        }
        .into_any(),
        Section::Agents => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="Agents">
                    <StatusRegion/>
                    <AgentsAdmin/>
                </main>
            </div>
        }
        .into_any(),
    }
}

/// The header's links between sections; the floor only for supervisors and admins, agents only
/// for admins.
#[component]
fn Nav() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let supervisor = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.role == "supervisor" || p.role == "admin"));
    let admin = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.role == "admin"));
    // An admin whose role is taken away while on the agents page goes back to the desk.
    Effect::new(move |_| {
        if ctl.section.get() == Section::Agents && !admin() {
            ctl.section.set(Section::Desk);
        }
    });
    let link = move |section: Section, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" class="console-nav__link" data-testid=testid
                aria-current=move || (ctl.section.get() == section).then_some("page")
                on:click=move |_| ctl.section.set(section)>
                {label}
            </button>
        }
    };
    view! {
        <nav class="console-nav" aria-label="Sections">
            {link(Section::Desk, "Desk", "nav-desk")}
            {move || supervisor().then(|| link(Section::Floor, "Floor", "nav-floor"))}
            {link(Section::History, "History", "nav-history")}
            {move || admin().then(|| link(Section::Agents, "Agents", "nav-agents"))}
        </nav>
    }
}

/// Name, presence switch, capacity and logout.
#[component]
fn Header() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let online = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.online));
    let capacity = move || ctl.profile.with(|p| p.as_ref().map_or(1, |p| p.capacity));
    let name = move || ctl.profile.with(|p| p.as_ref().map(|p| p.display_name.clone()).unwrap_or_default());
    view! {
        <header class="console-header">
            <h1 class="console-title">"Tandem console"</h1>
            <Nav/>
            <p class="console-header__agent" data-testid="agent-status">
                <span>{name}</span>
                {move || {
                    let languages = ctl.profile.with(|p| p.as_ref().map(|p| p.languages.join(", ")).unwrap_or_default());
                    (!languages.is_empty()).then(|| view! { <span class="console-muted" data-testid="agent-languages">{languages}</span> })
                }}
                <span class="console-presence" class:console-presence--online=online>
                    {move || if online() { "Online" } else { "Offline" }}
                </span>
            </p>
            <button type="button" class="console-button console-switch" data-testid="presence-toggle"
                aria-pressed=move || online().to_string()
                on:click=move |_| set_presence(ctl, !online(), None)>
                <span class="console-switch__track" aria-hidden="true"><span class="console-switch__thumb"></span></span>
                "Online"
            </button>
            <label class="console-header__capacity">
                "Capacity "
                <select data-testid="capacity"
                    on:change:target=move |ev| {
                        if let Ok(n) = ev.target().value().parse::<u32>() {
                            set_presence(ctl, online(), Some(n));
                        }
                    }>
                    {(1..=10u32)
                        .map(|n| view! { <option value=n.to_string() prop:selected=move || capacity() == n>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <button type="button" class="console-button" data-testid="logout" on:click=move |_| logout(ctl)>
                "Log out"
            </button>
        </header>
    }
}

/// Notices and connection health, announced politely.
#[component]
pub fn StatusRegion() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    view! {
        <div class="console-status" role="status" data-testid="console-status">
            {move || (ctl.connection.get() == Connection::Reconnecting).then(|| view! {
                <p class="console-status__warning">"Live updates are interrupted. Reconnecting…"</p>
            })}
            {move || ctl.notice.get().map(|n| view! {
                <p class="console-status__notice" class:console-status__notice--error=n.error>
                    <span>{n.text}</span>
                    <button type="button" class="console-button console-button--small" on:click=move |_| ctl.notice.set(None)>
                        "Dismiss"
                    </button>
                </p>
            })}
        </div>
    }
}
