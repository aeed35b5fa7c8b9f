//! The Tandem agent console: a Leptos client-side app, served by the Tandem server under
//! `/console/`, where human agents take conversations from the queue and answer shoppers.
//! It talks only to `/v1/agent/...` on its own origin; the session is an HttpOnly cookie.

mod agents_admin;
mod api;
mod app;
mod canned;
mod canned_manage;
mod conversation;
mod email;
mod floor;
mod format;
mod history;
mod layout;
mod login;
mod queue;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
