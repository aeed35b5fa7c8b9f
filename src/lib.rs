//! The Tandem widget: a Leptos client-side app that runs inside the merchant page's iframe (or full
//! screen in a mobile web view). It talks only to the Tandem server's `/v1` API on its own origin
//! and to the host page through `postMessage` with an exact target origin.
//!
//! Views switch on state (no router, so the host page's links and history are never captured).

pub mod api;
pub mod app;
pub mod blocks;
pub mod boot;
pub mod chat;
pub mod ctl;
pub mod email;
pub mod format;
pub mod handoff;
pub mod host;
pub mod i18n;
pub mod live;
pub mod outbox;
pub mod session;
pub mod storage;
pub mod typing;
pub mod views;
pub mod wire;

/// Mounts the widget on `<body>`.
pub fn start() {
    // With `panic = "abort"` a panic ends the widget; say why in the console rather than silently.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Tandem widget stopped: {info}").into());
    }));
    leptos::mount::mount_to_body(app::App);
}
