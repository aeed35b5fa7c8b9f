//! The bridge to the host page (the loader on the merchant's page): `postMessage` to the exact
//! host origin only, and messages accepted only from that origin and from the parent window.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

/// What the widget tells the host page. Never conversation content.
#[derive(Clone, Debug, PartialEq)]
pub enum ToHost {
    Ready,
    Close,
    Unread { count: u32 },
    Handoff,
    /// A message from someone else arrived: who, never what.
    Message { author: tandem_protocol::Author },
    /// The session was forgotten (shutdown): the host replaces this frame with a fresh one.
    Reset,
    /// The identity token was refused (expired): the shopper continues signed out until the host
    /// calls `Tandem('identify', freshToken)`.
    IdentityExpired,
}

/// What the host page may tell the widget.
#[derive(Clone, Debug, PartialEq)]
pub enum FromHost {
    /// A provider-signed identity token for the logged-in shopper.
    Identify { token: String },
    /// The panel was opened: focus the composer.
    Opened,
    /// Forget the session (the shopper logged out).
    Shutdown,
}

impl ToHost {
    /// The message as a plain object `{source: "tandem", type, ...}`. Built by hand rather than
    /// through serde: these few fields are not worth a serializer in the widget's Wasm.
    fn to_js(&self) -> Object {
        let o = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&o, &k.into(), &v);
        };
        set("source", "tandem".into());
        let kind = match self {
            ToHost::Ready => "ready",
            ToHost::Close => "close",
            ToHost::Unread { count } => {
                set("count", (*count).into());
                "unread"
            }
            ToHost::Handoff => "handoff",
            ToHost::Reset => "reset",
            ToHost::IdentityExpired => "identity-expired",
            ToHost::Message { author } => {
                let who = match author {
                    tandem_protocol::Author::Shopper => "shopper",
                    tandem_protocol::Author::Assistant => "assistant",
                    tandem_protocol::Author::Agent => "agent",
                    tandem_protocol::Author::System => "system",
                };
                set("author", who.into());
                "message"
            }
        };
        set("type", kind.into());
        o
    }
}

impl FromHost {
    /// Reads `{source: "tandem-host", type, token?}`; anything else is ignored.
    pub fn from_js(data: &JsValue) -> Option<FromHost> {
        let get = |k: &str| Reflect::get(data, &k.into()).ok().and_then(|v| v.as_string());
        if get("source").as_deref() != Some("tandem-host") {
            return None;
        }
        match get("type").as_deref()? {
            "identify" => get("token").filter(|t| !t.is_empty()).map(|token| FromHost::Identify { token }),
            "opened" => Some(FromHost::Opened),
            "shutdown" => Some(FromHost::Shutdown),
            _ => None,
        }
    }
}

/// Posts to the parent window at exactly `host_origin`; does nothing without a known origin.
pub fn post(host_origin: Option<&str>, message: &ToHost) {
    let (Some(origin), Some(window)) = (host_origin, web_sys::window()) else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if parent == window {
        return;
    }
    let _ = parent.post_message(&message.to_js(), origin);
}

/// Posts to the native app's bridge in app mode: iOS `window.webkit.messageHandlers.tandem`
/// (receives the object) and Android `window.TandemAndroid` (receives JSON text). Either may be
/// absent; neither is ever given conversation content.
pub fn post_native(message: &ToHost) {
    let Some(window) = web_sys::window() else { return };
    let w: &JsValue = window.as_ref();
    let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).ok().filter(|v| v.is_object());
    let payload = message.to_js();
    let call = |target: &JsValue, arg: &JsValue| {
        if let Some(f) = Reflect::get(target, &"postMessage".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            let _ = f.call1(target, arg);
        }
    };
    if let Some(ios) = get(w, "webkit").and_then(|wk| get(&wk, "messageHandlers")).and_then(|mh| get(&mh, "tandem")) {
        call(&ios, &payload);
    }
    if let Some(android) = get(w, "TandemAndroid") {
        if let Ok(text) = js_sys::JSON::stringify(&payload) {
            call(&android, &text.into());
        }
    }
}

/// In app mode, exposes `window.TandemApp.identify(token)` and `window.TandemApp.shutdown()` for
/// the native app (e.g. through `evaluateJavascript`).
pub fn expose_app_api(on_message: impl Fn(FromHost) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let on_message = std::rc::Rc::new(on_message);
    let api = Object::new();
    let m = on_message.clone();
    let identify = Closure::<dyn Fn(JsValue)>::new(move |token: JsValue| {
        if let Some(token) = token.as_string().filter(|t| !t.is_empty()) {
            m(FromHost::Identify { token });
        }
    });
    let shutdown = Closure::<dyn Fn()>::new(move || on_message(FromHost::Shutdown));
    let _ = Reflect::set(&api, &"identify".into(), identify.as_ref());
    let _ = Reflect::set(&api, &"shutdown".into(), shutdown.as_ref());
    let _ = Reflect::set(&window, &"TandemApp".into(), &api);
    identify.forget();
    shutdown.forget();
}

/// Listens for host messages from `host_origin` (and from the parent window only) for the page's
/// lifetime.
pub fn listen(host_origin: Option<String>, on_message: impl Fn(FromHost) + 'static) {
    let (Some(origin), Some(window)) = (host_origin, web_sys::window()) else { return };
    let parent = window.parent().ok().flatten();
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
        if ev.origin() != origin {
            return;
        }
        let from_parent = match (ev.source(), &parent) {
            // A cross-origin WindowProxy is not `instanceof Window` in this realm: compare identity.
            (Some(src), Some(p)) => js_sys::Object::is(&src, p),
            _ => false,
        };
        if let Some(message) = from_parent.then(|| FromHost::from_js(&ev.data())).flatten() {
            on_message(message);
        }
    });
    let _ = window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    handler.forget();
}
