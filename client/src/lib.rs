//! The client core of Tandem's two browser apps, the shopper widget (`src/`) and the agents'
//! console (`console/`): what both do the same way, once, with native unit tests
//! (`cargo test -p tandem-client`).
//!
//! - [`sse`]: the Server-Sent Events reader (frames, comments, `retry:` hints, any line end).
//! - [`reconnect`]: how a stream ends and when it is opened again (one rule set for both apps).
//! - [`error`]: the API error type and its classification; each app keeps its own wording.
//! - [`transcript`]: the merge of fetches and stream events by sequence number and key.
//! - [`ids`]: client ids, the idempotency keys of sends.
//! - [`browser`]: the `fetch` calls both apps share (request text, following a stream).
//!
//! The widget counts every byte of its Wasm: nothing here uses serde, Leptos or `format!`-heavy
//! code, and everything but [`browser`] and [`ids::client_id`] is plain logic.

pub mod browser;
pub mod error;
pub mod ids;
pub mod reconnect;
pub mod sse;
pub mod transcript;

pub use error::ApiError;
pub use reconnect::{Backoff, StreamEnd};
