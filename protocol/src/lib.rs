//! The Tandem API's wire types: what the widget, the console and the server say to each other.
//!
//! Everything here is plain serde data with no I/O, so it compiles for the browser (Wasm) and the
//! server alike. Money is minor units plus an ISO 4217 code; dates are ISO 8601 strings
//! (`2026-11-25` for days, RFC 3339 for instants). The widget formats both with the browser's `Intl`.

/// Longest message a shopper or agent may send, in characters (not bytes).
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest client-generated message id (idempotency key).
pub const MAX_CLIENT_ID_LEN: usize = 64;

mod admin;
mod agent;
mod conversation;
mod desk;
mod email;
mod error;
mod flat;
mod floor;
mod history;
mod merchant;
mod money;
mod session;
mod start;
pub use admin::*;
pub use agent::*;
pub use conversation::*;
pub use desk::*;
pub use email::*;
pub use error::*;
pub use floor::*;
pub use history::*;
pub use merchant::*;
pub use money::*;
pub use session::*;
pub use start::*;

#[cfg(test)]
mod tests;
