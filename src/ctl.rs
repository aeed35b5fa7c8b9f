//! The widget's controller state, shared through context: one `Copy` handle of signals and stored
//! values that the session, outbox, live-stream and view modules read and change.

use leptos::prelude::*;

use crate::api::ShopperText;
use crate::boot::Boot;
use crate::chat::Chat;
use crate::host::{self, ToHost};
use crate::i18n;
use crate::live::Live;
use crate::session::Identity;
use crate::typing::Typing;

/// Where start-up stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Starting,
    Ready,
    /// Why, in the shopper's words.
    Failed(&'static str),
}

/// The widget's controller. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Ctl {
    pub boot: StoredValue<Boot>,
    pub chat: Chat,
    pub token: RwSignal<Option<String>>,
    pub conversation: RwSignal<Option<String>>,
    pub phase: RwSignal<Phase>,
    pub title: RwSignal<Option<String>>,
    /// The shopper asked for a person before the conversation was ready.
    pub want_person: RwSignal<bool>,
    /// The host's identity token and whose session this is.
    pub identity: Identity,
    /// The running stream loop.
    pub live: Live,
    /// The shopper's typing indicator.
    pub typing: Typing,
    /// The browser says it is offline.
    pub offline: RwSignal<bool>,
    /// A new conversation is being created.
    pub creating: StoredValue<bool>,
    /// A sentence about how opening an email's link went (when it did not).
    pub notice: RwSignal<Option<&'static str>>,
    /// Email is configured (the merchant config says): the transcript can be emailed.
    pub email_on: RwSignal<bool>,
}

impl Ctl {
    /// A controller for the widget started with `boot`.
    pub fn new(boot: &Boot) -> Self {
        Ctl {
            boot: StoredValue::new(boot.clone()),
            chat: Chat::new(),
            token: RwSignal::new(None),
            conversation: RwSignal::new(None),
            phase: RwSignal::new(Phase::Starting),
            title: RwSignal::new(None),
            want_person: RwSignal::new(false),
            identity: Identity::new(boot),
            live: Live::new(),
            typing: Typing::new(),
            offline: RwSignal::new(web_sys::window().is_some_and(|w| !w.navigator().on_line())),
            creating: StoredValue::new(false),
            notice: RwSignal::new(None),
            email_on: RwSignal::new(false),
        }
    }

    /// The widget's interface strings in the shopper's language.
    pub fn strings(&self) -> &'static i18n::Strings {
        self.boot.with_value(|b| i18n::strings(&b.locale))
    }

    pub fn merchant(&self) -> String {
        self.boot.with_value(|b| b.merchant.clone())
    }

    /// The session token and conversation id, once both are known.
    pub fn ids(&self) -> Option<(String, String)> {
        Some((self.token.get_untracked()?, self.conversation.get_untracked()?))
    }

    /// The shopper of the current session, once known.
    pub fn owner(&self) -> Option<String> {
        self.identity.who.get_value().map(|(_, id)| id)
    }

    pub fn is_ready(&self) -> bool {
        self.phase.get_untracked() == Phase::Ready
    }

    /// Shows that start-up (or a new conversation) failed, with the shopper's words for `e`.
    pub fn fail(&self, e: &crate::api::ApiError) {
        self.phase.set(Phase::Failed(e.shopper_text(self.strings())))
    }

    /// Tells the embedding page (through `postMessage`) or, in app mode, the native app's bridge.
    pub fn tell_host(&self, message: &ToHost) {
        if self.boot.with_value(|b| b.app) {
            host::post_native(message);
        } else {
            self.boot.with_value(|b| host::post(b.host_origin.as_deref(), message));
        }
    }
}

pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}
