//! The bridge to the host page (the loader on the merchant's page): `postMessage` to the exact
//! host origin only, and messages accepted only from that origin and from the parent window.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

/// What the widget tells the host page. Never conversation content.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToHost {
    Ready,
    Close,
    Unread { count: u32 },
    Handoff,
}

/// What the host page may tell the widget.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromHost {
    /// A provider-signed identity token for the logged-in shopper.
    Identify { token: String },
    /// The panel was opened: focus the composer.
    Opened,
    /// Forget the session (the shopper logged out).
    Shutdown,
}

#[derive(Serialize)]
struct Envelope<'a> {
    source: &'static str,
    #[serde(flatten)]
    message: &'a ToHost,
}

/// Posts to the parent window at exactly `host_origin`; does nothing without a known origin.
pub fn post(host_origin: Option<&str>, message: &ToHost) {
    let (Some(origin), Some(window)) = (host_origin, web_sys::window()) else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if parent == window {
        return;
    }
    let Ok(json) = serde_json::to_string(&Envelope { source: "tandem", message }) else { return };
    let Ok(value) = js_sys::JSON::parse(&json) else { return };
    let _ = parent.post_message(&value, origin);
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
        if !from_parent {
            return;
        }
        let Ok(json) = js_sys::JSON::stringify(&ev.data()) else { return };
        let json: String = json.into();
        #[derive(Deserialize)]
        struct In {
            source: String,
            #[serde(flatten)]
            message: FromHost,
        }
        if let Ok(In { source, message }) = serde_json::from_str::<In>(&json) {
            if source == "tandem-host" {
                on_message(message);
            }
        }
    });
    let _ = window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    handler.forget();
}
