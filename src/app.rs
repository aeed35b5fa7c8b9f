//! The widget's root component and its controller: session and conversation bootstrap, sending
//! with delivery states and an outbox that survives reloads, the live stream with reconnect, and
//! the request for a person.

use std::cell::Cell;
use std::rc::Rc;

use leptos::html::{Div, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Author, ConversationState, CreateSession, Event};

use crate::api::{self, ApiError};
use crate::blocks::{BlockEnv, BlockView};
use crate::boot::Boot;
use crate::chat::{Chat, Connection, Delivery, Entry};
use crate::composer::Composer;
use crate::handoff::{ContactForm, FormEnv, RatingForm};
use crate::host::{self, FromHost, ToHost};
use crate::i18n::{self, fill, Strings};
use crate::storage::{self, Outgoing, StoredSession};
use crate::stream::{self, StreamEnd};

/// Where start-up stands.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Starting,
    Ready,
    Failed(String),
}

/// The widget's controller, shared through context. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
struct Ctl {
    boot: StoredValue<Boot>,
    chat: Chat,
    token: RwSignal<Option<String>>,
    conversation: RwSignal<Option<String>>,
    phase: RwSignal<Phase>,
    title: RwSignal<Option<String>>,
    /// The shopper asked for a person before the conversation was ready.
    want_person: RwSignal<bool>,
    /// The identity token from the host, once it arrived.
    identity: RwSignal<Option<String>>,
    identity_settled: RwSignal<bool>,
    /// Bumped whenever a new stream loop starts, so older loops stop.
    stream_generation: StoredValue<u32>,
    /// Aborts the running stream's fetch when a new one replaces it.
    stream_abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
    /// Whether the agent was last told the shopper is typing, and the idle timer's generation.
    typing_sent: StoredValue<bool>,
    typing_generation: StoredValue<u32>,
    /// The browser says it is offline.
    offline: RwSignal<bool>,
    /// A new conversation is being created.
    creating: StoredValue<bool>,
    /// Who the current session belongs to: (identified, shopper id). Kept in memory because the
    /// browser may refuse the iframe any storage.
    who: StoredValue<Option<(bool, String)>>,
    /// A sentence about how opening an email's link went (when it did not).
    notice: RwSignal<Option<&'static str>>,
    /// Email is configured (the merchant config says): the transcript can be emailed.
    email_on: RwSignal<bool>,
}

impl Ctl {
    /// The widget's interface strings in the shopper's language.
    fn strings(&self) -> &'static i18n::Strings {
        i18n::strings(&self.boot.get_value().locale)
    }
}

fn merchant(ctl: Ctl) -> String {
    ctl.boot.with_value(|b| b.merchant.clone())
}

fn host_origin(ctl: Ctl) -> Option<String> {
    ctl.boot.with_value(|b| b.host_origin.clone())
}

/// Tells the embedding page (through `postMessage`) or, in app mode, the native app's bridge.
fn tell_host(ctl: Ctl, message: &ToHost) {
    if ctl.boot.with_value(|b| b.app) {
        host::post_native(message);
    } else {
        host::post(host_origin(ctl).as_deref(), message);
    }
}

/// A random client message id (128 bits, hex), the send's idempotency key.
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Finds or creates the session: reuses the stored one unless an identity token calls for an
/// identified session.
async fn ensure_session(ctl: Ctl) -> Result<String, ApiError> {
    let m = merchant(ctl);
    let identity = ctl.identity.get_untracked();
    let subject = identity.as_deref().and_then(token_subject);
    if let Some(stored) = storage::session(&m) {
        if session_fits(stored.identified, &stored.shopper_id, subject.as_deref()) {
            ctl.who.set_value(Some((stored.identified, stored.shopper_id)));
            return Ok(stored.token);
        }
    } else if let Ok(Some(s)) = api::resume_session(&m).await {
        // No third-party storage here (or a new tab): the partitioned cookie still knows the session.
        if session_fits(s.shopper.identified, &s.shopper.id, subject.as_deref()) {
            ctl.who.set_value(Some((s.shopper.identified, s.shopper.id.clone())));
            storage::set_session(&m, Some(&StoredSession { token: s.token.clone(), shopper_id: s.shopper.id, identified: s.shopper.identified }));
            return Ok(s.token);
        }
    }
    let locale = ctl.boot.with_value(|b| b.locale.clone());
    let request = |identity_token| CreateSession { merchant_id: m.clone(), locale: Some(locale.clone()), identity_token };
    let s = match api::create_session(&request(identity)).await {
        // An expired (or foreign) identity token never leaves the shopper stuck: they continue
        // signed out, and the host page hears it should bring a fresh token.
        Err(e) if e.is_identity_refused() => {
            ctl.identity.set(None);
            tell_host(ctl, &ToHost::IdentityExpired);
            api::create_session(&request(None)).await?
        }
        other => other?,
    };
    ctl.who.set_value(Some((s.shopper.identified, s.shopper.id.clone())));
    storage::set_session(&m, Some(&StoredSession { token: s.token.clone(), shopper_id: s.shopper.id, identified: s.shopper.identified }));
    storage::set_conversation(&m, None);
    // A new session is a new shopper as far as this device knows: what another left unsent goes.
    storage::clear_outbox(&m);
    Ok(s.token)
}

/// Whether a stored session may be reused: an anonymous one only while the host presents no
/// identity, an identified one only for the same shopper (`sub` of the presented token). So on a
/// shared computer the next shopper never inherits the previous one's conversation or account.
fn session_fits(identified: bool, shopper_id: &str, presented_subject: Option<&str>) -> bool {
    match presented_subject {
        None => !identified,
        Some(sub) => identified && sub == shopper_id,
    }
}

/// The `sub` claim of a JWT, read without verifying it (the server verifies; this only decides
/// whether a stored session belongs to the same shopper).
fn token_subject(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let mut b64: String = payload.chars().map(|c| match c { '-' => '+', '_' => '/', c => c }).collect();
    while b64.len() % 4 != 0 {
        b64.push('=');
    }
    let json = web_sys::window()?.atob(&b64).ok()?;
    crate::wire::read_strings(&json, &["sub"])?.pop()
}

/// Session, conversation, transcript, then the live stream.
async fn start(ctl: Ctl) {
    ctl.phase.set(Phase::Starting);
    if ctl.boot.with_value(|b| b.identity_pending) {
        // The host promised an identity token; give it a moment to arrive.
        for _ in 0..30 {
            if ctl.identity_settled.get_untracked() {
                break;
            }
            sleep_ms(100).await;
        }
    }
    let m = merchant(ctl);
    let mut reopened = crate::email::reopen(ctl.boot, ctl.notice, ctl.who).await;
    let mut attempts = 0;
    let conversation = loop {
        attempts += 1;
        let session = match reopened.take() {
            Some(t) => Ok(t),
            None => ensure_session(ctl).await,
        };
        let token = match session {
            Ok(t) => t,
            Err(e) => return ctl.phase.set(Phase::Failed(e.shopper_text(ctl.strings()).to_string())),
        };
        let existing = match storage::conversation(&m) {
            Some(id) => api::conversation(&token, &id).await.map(Some),
            None => match api::latest_conversation(&token).await {
                Ok(Some(c)) if !matches!(c.state, ConversationState::Resolved { .. }) => Ok(Some(c)),
                Ok(_) => Ok(None),
                Err(e) if e.is_missing() => Ok(None),
                Err(e) => Err(e),
            },
        };
        let found = match existing {
            Ok(Some(c)) => Ok(c),
            Ok(None) => api::create_conversation(&token).await,
            Err(e) if e.is_missing() => api::create_conversation(&token).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(c) => {
                ctl.token.set(Some(token));
                break c;
            }
            Err(e) if e.is_auth() && attempts < 2 => storage::set_session(&m, None),
            Err(e) => return ctl.phase.set(Phase::Failed(e.shopper_text(ctl.strings()).to_string())),
        }
    };
    storage::set_conversation(&m, Some(&conversation.id));
    ctl.chat.load(&conversation.messages, conversation.state, conversation.last_seq);
    ctl.conversation.set(Some(conversation.id));
    ctl.phase.set(Phase::Ready);
    flush_outbox(ctl);
    if ctl.want_person.get_untracked() {
        ctl.want_person.set(false);
        request_person(ctl);
    }
    restart_stream(ctl);
}

/// Stops the running stream (if any) and follows the current conversation.
fn restart_stream(ctl: Ctl) {
    let generation = ctl.stream_generation.get_value() + 1;
    ctl.stream_generation.set_value(generation);
    if let Some(old) = ctl.stream_abort.get_value() {
        old.abort();
    }
    ctl.stream_abort.set_value(web_sys::AbortController::new().ok());
    spawn_local(stream_loop(ctl, generation));
}

/// Starts a fresh conversation (after the last one was resolved); messages being sent move to it.
async fn new_conversation(ctl: Ctl) {
    let Some(token) = ctl.token.get_untracked() else { return };
    // Two quick sends (or a double click) must not open two conversations.
    if ctl.creating.get_value() {
        return;
    }
    ctl.creating.set_value(true);
    let created = api::create_conversation(&token).await;
    ctl.creating.set_value(false);
    match created {
        Ok(c) => {
            storage::set_conversation(&merchant(ctl), Some(&c.id));
            ctl.chat.load(&[], c.state, 0);
            ctl.conversation.set(Some(c.id));
            restart_stream(ctl);
            flush_outbox(ctl);
        }
        Err(e) => ctl.phase.set(Phase::Failed(e.shopper_text(ctl.strings()).to_string())),
    }
}

/// Tells the agent the shopper is typing; stops telling after 3 s without a keystroke.
fn shopper_typing(ctl: Ctl) {
    if !matches!(ctl.chat.state.get_untracked(), ConversationState::WithAgent { .. }) {
        return;
    }
    let generation = ctl.typing_generation.get_value() + 1;
    ctl.typing_generation.set_value(generation);
    if !ctl.typing_sent.get_value() {
        ctl.typing_sent.set_value(true);
        post_typing(ctl, true);
    }
    spawn_local(async move {
        sleep_ms(3000).await;
        if ctl.typing_generation.get_value() == generation {
            stop_typing(ctl);
        }
    });
}

fn stop_typing(ctl: Ctl) {
    if ctl.typing_sent.get_value() {
        ctl.typing_sent.set_value(false);
        post_typing(ctl, false);
    }
}

fn post_typing(ctl: Ctl, active: bool) {
    let (Some(token), Some(conv)) = (ctl.token.get_untracked(), ctl.conversation.get_untracked()) else { return };
    spawn_local(async move {
        let _ = api::typing(&token, &conv, active).await;
    });
}

async fn stream_loop(ctl: Ctl, generation: u32) {
    let backoff = Rc::new(Cell::new(500u32));
    loop {
        if ctl.stream_generation.get_value() != generation {
            return;
        }
        let (Some(token), Some(conv)) = (ctl.token.get_untracked(), ctl.conversation.get_untracked()) else { return };
        let b = backoff.clone();
        let on_open = move || {
            b.set(500);
            ctl.chat.connection.set(Connection::Live);
            // Messages that failed while offline go out again once the stream is back.
            retry_failed(ctl);
        };
        let on_event = move |e: Event| {
            if ctl.stream_generation.get_value() != generation {
                return;
            }
            // The host hears who wrote (never what), e.g. to flash its own unread marker.
            let other = match &e {
                Event::Message { message } if message.author != Author::Shopper => Some(message.author),
                _ => None,
            };
            if ctl.chat.apply(e) {
                if let Some(author) = other {
                    tell_host(ctl, &ToHost::Message { author });
                }
            }
        };
        let Some(abort) = ctl.stream_abort.get_value() else { return };
        let end = stream::run_once(&token, &conv, ctl.chat.last_seq.get_untracked(), &abort.signal(), &on_open, &on_event).await;
        if ctl.stream_generation.get_value() != generation {
            return;
        }
        match end {
            StreamEnd::Refused(_) => {
                // The session or conversation is no longer ours: start over.
                storage::set_session(&merchant(ctl), None);
                spawn_local(start(ctl));
                return;
            }
            StreamEnd::Dropped(_) => {
                ctl.chat.connection.set(Connection::Reconnecting);
                sleep_ms(backoff.get()).await;
                backoff.set(stream::next_backoff(backoff.get()));
            }
        }
    }
}

/// The shopper of the current session, once known.
fn owner(ctl: Ctl) -> Option<String> {
    ctl.who.get_value().map(|(_, id)| id)
}

fn save_outbox(ctl: Ctl) {
    // Until the session says whose words these are, they stay in memory only.
    let Some(owner) = owner(ctl) else { return };
    let items: Vec<Outgoing> = ctl.chat.entries.with_untracked(|es| {
        es.iter()
            .filter(|e| e.author == Author::Shopper && e.delivery.get_untracked() != Delivery::Sent)
            .map(|e| Outgoing { client_id: e.key.clone(), text: e.text.clone() })
            .collect()
    });
    storage::set_outbox(&merchant(ctl), &owner, &items);
}

/// Sends everything typed but not yet stored: what a previous page view left in the outbox, and
/// what was typed while the chat was starting (kept in memory, which is all there is when the
/// browser refuses the iframe storage).
fn flush_outbox(ctl: Ctl) {
    let stored = owner(ctl).map(|o| storage::outbox(&merchant(ctl), &o)).unwrap_or_default();
    for item in stored {
        if ctl.chat.entry(&item.client_id).is_none() {
            ctl.chat.push_outgoing(&item.client_id, &item.text);
        }
    }
    let waiting: Vec<String> = ctl.chat.entries.with_untracked(|es| {
        es.iter()
            .filter(|e| e.author == Author::Shopper && e.seq.get_untracked().is_none())
            .filter(|e| matches!(e.delivery.get_untracked(), Delivery::Sending | Delivery::Failed { retry: true, .. }))
            .map(|e| e.key.clone())
            .collect()
    });
    for key in waiting {
        deliver(ctl, key);
    }
}

fn retry_failed(ctl: Ctl) {
    let keys: Vec<String> = ctl.chat.entries.with_untracked(|es| {
        es.iter()
            .filter(|e| matches!(e.delivery.get_untracked(), Delivery::Failed { retry: true, .. }))
            .map(|e| e.key.clone())
            .collect()
    });
    for k in keys {
        deliver(ctl, k);
    }
}

/// Sends a new message typed by the shopper.
fn send(ctl: Ctl, text: String) {
    let client_id = new_client_id();
    stop_typing(ctl);
    ctl.chat.push_outgoing(&client_id, &text);
    save_outbox(ctl);
    if ctl.phase.get_untracked() != Phase::Ready {
        return;
    }
    if matches!(ctl.chat.state.get_untracked(), ConversationState::Resolved { .. }) {
        // That conversation has ended: this message starts the next one.
        spawn_local(new_conversation(ctl));
    } else {
        deliver(ctl, client_id);
    }
}

/// Sends (or re-sends, with the same client id) an outgoing entry.
fn deliver(ctl: Ctl, client_id: String) {
    let Some(entry) = ctl.chat.entry(&client_id) else { return };
    let (Some(token), Some(conv)) = (ctl.token.get_untracked(), ctl.conversation.get_untracked()) else { return };
    entry.delivery.set(Delivery::Sending);
    spawn_local(async move {
        match api::send_message(&token, &conv, &client_id, &entry.text).await {
            Ok(ack) => ctl.chat.upsert(&ack.message),
            Err(e) => entry.delivery.set(Delivery::Failed { retry: e.is_transient(), reason: e.shopper_text(ctl.strings()).to_string() }),
        }
        save_outbox(ctl);
    });
}

/// Asks for a person. The new state arrives through the stream (in order with everything else);
/// a request that fails for a passing reason is retried, so one click is always enough.
fn request_person(ctl: Ctl) {
    tell_host(ctl, &ToHost::Handoff);
    if ctl.phase.get_untracked() != Phase::Ready {
        ctl.want_person.set(true);
        return;
    }
    spawn_local(async move {
        if matches!(ctl.chat.state.get_untracked(), ConversationState::Resolved { .. }) {
            // That conversation has ended: the person is asked for in a new one.
            new_conversation(ctl).await;
        }
        let mut delay = 1000;
        for _ in 0..6 {
            let (Some(token), Some(conv)) = (ctl.token.get_untracked(), ctl.conversation.get_untracked()) else { return };
            match api::handoff(&token, &conv).await {
                Err(e) if e.is_transient() => {
                    sleep_ms(delay).await;
                    delay = stream::next_backoff(delay);
                }
                _ => return,
            }
        }
    });
}

/// The widget.
#[component]
pub fn App() -> impl IntoView {
    let boot = Boot::from_location();
    let locale: &'static str = Box::leak(boot.locale.clone().into_boxed_str());
    let strings = i18n::strings(locale);
    let ctl = Ctl {
        boot: StoredValue::new(boot.clone()),
        chat: Chat::new(),
        token: RwSignal::new(None),
        conversation: RwSignal::new(None),
        phase: RwSignal::new(Phase::Starting),
        title: RwSignal::new(None),
        want_person: RwSignal::new(false),
        identity: RwSignal::new(boot.app_token.clone()),
        identity_settled: RwSignal::new(!boot.identity_pending || boot.app_token.is_some()),
        stream_generation: StoredValue::new(0),
        stream_abort: StoredValue::new_local(None),
        typing_sent: StoredValue::new(false),
        typing_generation: StoredValue::new(0),
        offline: RwSignal::new(web_sys::window().is_some_and(|w| !w.navigator().on_line())),
        creating: StoredValue::new(false),
        who: StoredValue::new(None),
        notice: RwSignal::new(None),
        email_on: RwSignal::new(false),
    };
    watch_connectivity(ctl);
    let composer_ref = NodeRef::<Textarea>::new();

    let on_host = move |msg| match msg {
        FromHost::Identify { token } => {
            let late = ctl.identity_settled.get_untracked() && ctl.phase.get_untracked() == Phase::Ready;
            let subject = token_subject(&token);
            ctl.identity.set(Some(token));
            ctl.identity_settled.set(true);
            // Signed in (or as someone else) after the chat started: switch sessions.
            let fits = ctl.who.get_value().is_some_and(|(identified, id)| session_fits(identified, &id, subject.as_deref()));
            if late && !fits {
                spawn_local(start(ctl));
            }
        }
        FromHost::Opened => {
            ctl.chat.unread.set(0);
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            if let Some(el) = composer_ref.get_untracked() {
                let _ = el.focus();
            }
        }
        FromHost::Shutdown => {
            // Logout: forget everything this shopper's session left here, then start afresh.
            let m = merchant(ctl);
            storage::set_session(&m, None);
            storage::set_conversation(&m, None);
            storage::clear_outbox(&m);
            let token = ctl.token.get_untracked();
            // Nothing of this session may keep running: the stream stops and no restart follows.
            ctl.stream_generation.set_value(ctl.stream_generation.get_value() + 1);
            if let Some(old) = ctl.stream_abort.get_value() {
                old.abort();
            }
            spawn_local(async move {
                let _ = api::end_session(token.as_deref()).await;
                if ctl.boot.with_value(|b| b.app) {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                } else {
                    // The loader replaces this frame with a fresh one.
                    tell_host(ctl, &ToHost::Reset);
                }
            });
        }
    };
    if boot.app {
        host::expose_app_api(on_host);
    } else {
        host::listen(boot.host_origin.clone(), on_host);
    }
    tell_host(ctl, &ToHost::Ready);
    // The merchant's theme (contrast-checked by the server) as CSS custom properties, set through
    // the CSS object model because the page's CSP forbids style attributes.
    let theme = RwSignal::new(None::<(String, String)>);
    {
        let merchant = boot.merchant.clone();
        spawn_local(async move {
            if let Ok(cfg) = api::merchant_config(&merchant).await {
                ctl.title.set(Some(cfg.provider_name));
                ctl.email_on.set(cfg.email);
                theme.set(Some((cfg.theme.accent, cfg.theme.on_accent)));
            }
        });
    }
    let root_ref = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if let (Some(el), Some((accent, on_accent))) = (root_ref.get(), theme.get()) {
            let style = web_sys::HtmlElement::style(&el);
            let _ = style.set_property("--tandem-accent", &accent);
            let _ = style.set_property("--tandem-on-accent", &on_accent);
        }
    });
    Effect::new(move |_| {
        let count = ctl.chat.unread.get();
        tell_host(ctl, &ToHost::Unread { count });
    });
    spawn_local(start(ctl));

    let close = move || tell_host(ctl, &ToHost::Close);
    // A close button wherever something outside can close the chat: the host page or the app.
    let embedded = boot.host_origin.is_some() || boot.app;
    follow_visual_viewport();
    let env = BlockEnv {
        locale,
        strings,
        on_reply: Callback::new(move |text: String| send(ctl, text)),
        on_handoff: Callback::new(move |_| request_person(ctl)),
    };
    let dir = if i18n::is_rtl(locale) { "rtl" } else { "ltr" };

    view! {
        <div class="tandem" node_ref=root_ref dir=dir lang=locale data-conversation=move || ctl.conversation.get()
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <header class="tandem-header">
                <h1 class="tandem-header__title">{move || ctl.title.get().unwrap_or_else(|| strings.title_fallback.to_string())}</h1>
                <button type="button" class="tandem-header__person" data-testid="talk-to-person"
                    on:click=move |_| request_person(ctl)>
                    {strings.talk_to_person}
                </button>
                <Show when=move || embedded>
                    <button type="button" class="tandem-header__close" aria-label=strings.close on:click=move |_| close()>
                        <span aria-hidden="true">"×"</span>
                    </button>
                </Show>
            </header>
            <Transcript ctl=ctl strings=strings env=env/>
            <Status ctl=ctl strings=strings/>
            <Show when=move || ctl.email_on.get() && ctl.chat.entries.with(|e| !e.is_empty())>
                <crate::email::TranscriptEmail env=FormEnv { token: ctl.token, conversation: ctl.conversation, strings }/>
            </Show>
            <Composer strings=strings node_ref=composer_ref on_send=Callback::new(move |t| send(ctl, t))
                on_typing=Callback::new(move |_| shopper_typing(ctl))/>
        </div>
    }
}

/// The message list: a polite live region, scrolled to the newest message.
#[component]
fn Transcript(ctl: Ctl, strings: &'static Strings, env: BlockEnv) -> impl IntoView {
    let list_ref = NodeRef::<Div>::new();
    // After the browser has laid out the change (new message, typing, a status notice that
    // shrinks the list), the newest message is scrolled into view.
    Effect::new(move |_| {
        ctl.chat.entries.track();
        ctl.chat.typing.track();
        ctl.chat.state.track();
        if let Some(el) = list_ref.get() {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    });
    view! {
        <div class="tandem-transcript" node_ref=list_ref tabindex="0" role="region" aria-label=strings.transcript_label>
            <p class="tandem-welcome">{strings.welcome}</p>
            <div role="log" aria-live="polite" aria-label=strings.transcript_label class="tandem-log" data-testid="log">
                <For each=move || ctl.chat.entries.get() key=|e| e.key.clone() let:entry>
                    <MessageView entry=entry strings=strings env=env ctl=ctl/>
                </For>
            </div>
            <div class="tandem-typing" role="status" data-testid="typing">
                {move || ctl.chat.typing.get().map(|who| {
                    let text = match who {
                        Author::Agent => fill(strings.agent_typing, "name", &agent_name(ctl.chat.state.get(), strings)),
                        _ => strings.assistant_typing.to_string(),
                    };
                    view! { <span class="tandem-typing__dots" aria-hidden="true"><span></span><span></span><span></span></span> <span>{text}</span> }
                })}
            </div>
        </div>
    }
}

fn agent_name(state: ConversationState, strings: &'static Strings) -> String {
    match state {
        ConversationState::WithAgent { agent_name } => agent_name,
        _ => strings.agent.to_string(),
    }
}

fn author_id(a: Author) -> &'static str {
    match a {
        Author::Shopper => "shopper",
        Author::Assistant => "assistant",
        Author::Agent => "agent",
        Author::System => "system",
    }
}

/// One message with its author and, for the shopper's own, its delivery state.
#[component]
fn MessageView(entry: Entry, strings: &'static Strings, env: BlockEnv, ctl: Ctl) -> impl IntoView {
    let (class, who) = match entry.author {
        Author::Shopper => ("tandem-message tandem-message--shopper", strings.you.to_string()),
        Author::Assistant => ("tandem-message tandem-message--assistant", strings.assistant.to_string()),
        Author::Agent => ("tandem-message tandem-message--agent", entry.author_name.clone().unwrap_or_else(|| strings.agent.to_string())),
        Author::System => ("tandem-message tandem-message--system", strings.system.to_string()),
    };
    let delivery = entry.delivery;
    let key = entry.key.clone();
    let is_shopper = entry.author == Author::Shopper;
    view! {
        <article class=class data-testid="message" data-author=author_id(entry.author)>
            <span class="tandem-visually-hidden">{who}": "</span>
            {entry.while_you_wait.then(|| view! { <p class="tandem-message__label" data-testid="while-you-wait">{strings.while_you_wait}</p> })}
            <div class="tandem-message__body">
                {entry.blocks.into_iter().map(|b| view! { <BlockView block=b env=env/> }).collect_view()}
            </div>
            <Show when=move || is_shopper>
                <div class="tandem-message__delivery" data-testid="delivery">
                    {
                        let key = key.clone();
                        move || match delivery.get() {
                            Delivery::Sending => view! { <span>{strings.sending}</span> }.into_any(),
                            Delivery::Sent => view! { <span class="tandem-visually-hidden">{strings.sent}</span> }.into_any(),
                            Delivery::Failed { reason, retry } => {
                                let key = key.clone();
                                view! {
                                    <span class="tandem-message__failed" role="alert">{strings.failed}": "{reason}</span>
                                    <Show when=move || retry>
                                        <button type="button" class="tandem-button tandem-button--small"
                                            on:click={let key = key.clone(); move |_| deliver(ctl, key.clone())}>
                                            {strings.retry}
                                        </button>
                                    </Show>
                                }.into_any()
                            }
                        }
                    }
                </div>
            </Show>
        </article>
    }
}

/// Start-up, connection and conversation-state notices, announced politely.
#[component]
fn Status(ctl: Ctl, strings: &'static Strings) -> impl IntoView {
    let forms = FormEnv { token: ctl.token, conversation: ctl.conversation, strings };
    let state_text = move || match ctl.chat.state.get() {
        ConversationState::Assistant => None,
        ConversationState::Queued { position, estimated_wait_secs } => {
            let mut t = format!("{} {}", strings.queued, fill(strings.position, "n", &position.to_string()));
            if let Some(secs) = estimated_wait_secs {
                t.push(' ');
                t.push_str(&fill(strings.wait_minutes, "n", &secs.div_ceil(60).max(1).to_string()));
            }
            t.push(' ');
            t.push_str(strings.keep_writing);
            Some(t)
        }
        ConversationState::WithAgent { agent_name } => Some(fill(strings.with_agent, "name", &agent_name)),
        ConversationState::AwaitingReply { .. } => Some(format!("{} {}", strings.awaiting_reply, strings.keep_writing)),
        ConversationState::Resolved { .. } => Some(strings.resolved.to_string()),
    };
    view! {
        <div class="tandem-status" role="status" data-testid="status"
            data-state=move || ctl.chat.state.get().status()>
            {move || match ctl.phase.get() {
                Phase::Starting => Some(view! { <p>{strings.starting}</p> }.into_any()),
                Phase::Failed(reason) => Some(view! {
                    <p class="tandem-status__error">{strings.start_failed}" "{reason}</p>
                    <button type="button" class="tandem-button" on:click=move |_| spawn_local(start(ctl))>{strings.try_again}</button>
                }.into_any()),
                Phase::Ready => None,
            }}
            {move || ctl.notice.get().map(|t| view! { <p class="tandem-status__warning" data-testid="reopen-notice">{t}</p> })}
            {move || if ctl.offline.get() {
                Some(view! { <p class="tandem-status__warning" data-testid="offline">{strings.offline}</p> })
            } else {
                None
            }}
            {move || (ctl.chat.connection.get() == Connection::Reconnecting && !ctl.offline.get())
                .then(|| view! { <p class="tandem-status__warning">{strings.reconnecting}</p> })}
            {move || state_text().map(|t| view! { <p class="tandem-status__state">{t}</p> })}
            {move || match ctl.chat.state.get() {
                ConversationState::AwaitingReply { contact } => Some(view! { <ContactForm env=forms contact=contact/> }.into_any()),
                ConversationState::Resolved { rating } => Some(view! {
                    <RatingForm env=forms rating=rating/>
                    <button type="button" class="tandem-button" data-testid="new-conversation"
                        on:click=move |_| spawn_local(new_conversation(ctl))>{strings.new_conversation}</button>
                }.into_any()),
                _ => None,
            }}
        </div>
    }
}

/// Follows the browser's online/offline events.
fn watch_connectivity(ctl: Ctl) {
    use wasm_bindgen::prelude::*;
    let Some(w) = web_sys::window() else { return };
    for (name, offline) in [("online", false), ("offline", true)] {
        let cb = Closure::<dyn Fn()>::new(move || ctl.offline.set(offline));
        let _ = w.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// Keeps the chat (and its composer) inside the visible area when an on-screen keyboard opens:
/// the visual viewport's height becomes `--tandem-viewport-height` on the root element. While the
/// frame is hidden (booting before the panel opens) the height is 0: then the property is removed
/// and the layout falls back to the full frame.
fn follow_visual_viewport() {
    use wasm_bindgen::prelude::*;
    let Some(w) = web_sys::window() else { return };
    let Some(vv) = w.visual_viewport() else { return };
    let update = {
        let vv = vv.clone();
        move || {
            let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
            let Ok(el) = root.dyn_into::<web_sys::HtmlElement>() else { return };
            let style = el.style();
            let h = vv.height();
            if h >= 120.0 {
                let _ = style.set_property("--tandem-viewport-height", &format!("{h}px"));
            } else {
                let _ = style.remove_property("--tandem-viewport-height");
            }
        }
    };
    update();
    let cb = Closure::<dyn Fn()>::new(update);
    let _ = vv.add_event_listener_with_callback("resize", cb.as_ref().unchecked_ref());
    // The frame itself being shown or resized is a window resize, not always a viewport one.
    let _ = w.add_event_listener_with_callback("resize", cb.as_ref().unchecked_ref());
    cb.forget();
}
