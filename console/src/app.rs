//! The console's root: the controller shared through context (who is logged in, the queue, the
//! open conversations, notices), the live stream with reconnect and refetch, and the page layout
//! (header, queue, conversation tabs, conversation, details).

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_client::browser;
use tandem_client::reconnect::{Backoff, StreamEnd};
use tandem_protocol::{AgentConversation, AgentEvent, AgentProfile, QueueSnapshot};
use web_sys::{AbortController, AbortSignal, Headers, RequestCredentials, RequestInit};

use crate::api::{self, ApiError};
use crate::conversation::{self, Thread};
use crate::format;
use crate::layout::Workspace;
use crate::login::Login;

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
            self.notice.set(Some(Notice { text: api::explain(err), error: true }));
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

/// Opens the agent stream (`GET /v1/agent/events`, Server-Sent Events read through `fetch` so the
/// session cookie travels and logout can abort it) once, and feeds every event to `on_event` until
/// it ends. Agent streams have no replay: after a reconnect the caller refetches.
async fn follow(signal: &AbortSignal, on_open: &dyn Fn(), on_event: &dyn Fn(AgentEvent)) -> StreamEnd {
    let Ok(headers) = Headers::new() else { return StreamEnd::DROPPED };
    let _ = headers.set("Accept", "text/event-stream");
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_signal(Some(signal));
    let on_data = |data: &str| {
        // Unknown event kinds (a newer server) are skipped rather than ending the stream.
        if let Ok(event) = serde_json::from_str::<AgentEvent>(data) {
            on_event(event);
        }
    };
    browser::follow("/v1/agent/events", &init, on_open, &on_data).await
}

/// Keeps the agent stream open until `signal` aborts: reconnects after the server's named delay
/// or with backoff (a busy server included), and after every (re)connect refetches what may have
/// been missed. A refusal ends it: 401 signs out, anything else says so.
async fn stream_loop(ctl: Ctl, signal: AbortSignal) {
    let mut backoff = Backoff::new();
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
        let end = follow(&signal, &on_open, &move |e| apply_event(ctl, e)).await;
        if signal.aborted() {
            return;
        }
        first = false;
        if opened.get() {
            backoff.opened();
        }
        match end {
            StreamEnd::Refused(401) => return ctl.signed_out("Your session has ended. Log in again to continue."),
            StreamEnd::Refused(status) => {
                ctl.connection.set(Connection::Idle);
                let text = format!("Live updates stopped: the server refused them (status {status}). Reload the page to try again.");
                return ctl.notice.set(Some(Notice { text, error: true }));
            }
            StreamEnd::Dropped { retry_ms } => {
                ctl.connection.set(Connection::Reconnecting);
                sleep_ms(backoff.pause(retry_ms)).await;
            }
        }
    }
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
