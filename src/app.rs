//! The widget's root component: builds the controller, wires the host page's messages, the
//! merchant's theme and the browser's connectivity to it, and lays out the header, the views and
//! the composer. Sessions are in `session.rs`, sending in `outbox.rs`, the live stream in `live.rs`.

use leptos::html::{Div, Textarea};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::blocks::BlockEnv;
use crate::boot::Boot;
use crate::ctl::Ctl;
use crate::handoff::request_person;
use crate::host::{self, FromHost, ToHost};
use crate::i18n;
use crate::outbox::send;
use crate::session;
use crate::views::composer::Composer;
use crate::views::forms::FormEnv;
use crate::views::status::Status;
use crate::views::transcript::Transcript;

/// The widget.
#[component]
pub fn App() -> impl IntoView {
    let boot = Boot::from_location();
    let locale: &'static str = Box::leak(boot.locale.clone().into_boxed_str());
    let strings = i18n::strings(locale);
    let ctl = Ctl::new(&boot);
    watch_connectivity(ctl);
    let composer_ref = NodeRef::<Textarea>::new();

    let on_host = move |msg| match msg {
        FromHost::Identify { token } => session::identify(ctl, token),
        FromHost::Opened => {
            ctl.chat.unread.set(0);
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            if let Some(el) = composer_ref.get_untracked() {
                let _ = el.focus();
            }
        }
        FromHost::Shutdown => session::shutdown(ctl),
    };
    if boot.app {
        host::expose_app_api(on_host);
    } else {
        host::listen(boot.host_origin.clone(), on_host);
    }
    ctl.tell_host(&ToHost::Ready);
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
        ctl.tell_host(&ToHost::Unread { count });
    });
    spawn_local(session::start(ctl));

    let close = move || ctl.tell_host(&ToHost::Close);
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
    // Memoised, so the transcript-email form (and what is typed in it) is not rebuilt by every
    // new message.
    let offer_transcript = Memo::new(move |_| ctl.email_on.get() && ctl.chat.entries.with(|e| !e.is_empty()));

    view! {
        <div class="tandem" node_ref=root_ref dir=dir lang=locale data-conversation=move || ctl.conversation.get()
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <header class="tandem-header">
                <h1 class="tandem-header__title">{move || ctl.title.get().unwrap_or_else(|| strings.title_fallback.to_string())}</h1>
                <button type="button" class="tandem-header__person" data-testid="talk-to-person"
                    on:click=move |_| request_person(ctl)>
                    {strings.talk_to_person}
                </button>
                {embedded.then(|| view! {
                    <button type="button" class="tandem-header__close" aria-label=strings.close on:click=move |_| close()>
                        <span aria-hidden="true">"×"</span>
                    </button>
                })}
            </header>
            <Transcript ctl=ctl strings=strings env=env/>
            <Status ctl=ctl strings=strings/>
            {move || offer_transcript.get().then(|| view! {
                <crate::views::forms::TranscriptEmail env=FormEnv { token: ctl.token, conversation: ctl.conversation, strings }/>
            })}
            <Composer strings=strings node_ref=composer_ref on_send=Callback::new(move |t| send(ctl, t))
                on_typing=Callback::new(move |_| crate::typing::keystroke(ctl))/>
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
                // Whole pixels, rounded down so the chat never overhangs: formatting a float would
                // bring the float formatter into the Wasm (about 3 KB brotli) for nothing.
                let _ = style.set_property("--tandem-viewport-height", &format!("{}px", h as u32));
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
