//! Following the conversation live: one stream loop at a time (a newer one stops the older), the
//! connection's health, reconnect with backoff, and starting over when the server refuses the
//! stream. The stream is Server-Sent Events read through `fetch` (so the session token travels in
//! the `Authorization` header, never in a URL), resuming from the last sequence number through
//! `Last-Event-ID`; the reader and the reconnect rules are the client core's (`tandem_client`).

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_client::browser;
use tandem_client::reconnect::{Backoff, StreamEnd};
use tandem_protocol::{Author, Event};
use web_sys::{AbortSignal, Headers, RequestInit};

use crate::chat::Connection;
use crate::ctl::{sleep_ms, Ctl};
use crate::host::ToHost;
use crate::{outbox, session, storage};

/// The running stream loop, so that starting a new one stops the old.
#[derive(Clone, Copy)]
pub struct Live {
    /// Bumped whenever a new stream loop starts, so older loops stop.
    generation: StoredValue<u32>,
    /// Aborts the running stream's fetch when a new one replaces it.
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
}

impl Live {
    pub fn new() -> Self {
        Live { generation: StoredValue::new(0), abort: StoredValue::new_local(None) }
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

/// What follows the end of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterEnd {
    /// The server refused the stream (401, 403, 404): the session or conversation is no longer
    /// ours, so the stored session is forgotten and start-up runs again.
    StartOver,
    /// Show "reconnecting", wait this long (the server's named delay, or the backoff) and open
    /// the stream again. A busy server (429, 503) ends here too: the session is kept.
    Reconnect { after_ms: u32 },
}

/// What follows `end`, with the loop's backoff.
pub fn after_end(end: StreamEnd, backoff: &mut Backoff) -> AfterEnd {
    match backoff.after(end) {
        Some(after_ms) => AfterEnd::Reconnect { after_ms },
        None => AfterEnd::StartOver,
    }
}

/// Who wrote an event's message when it was not the shopper: the host hears who (never what),
/// e.g. to flash its own unread marker.
pub fn other_author(event: &Event) -> Option<Author> {
    match event {
        Event::Message { message } if message.author != Author::Shopper => Some(message.author),
        _ => None,
    }
}

/// Stops the running stream (if any): its loop ends and its fetch is aborted.
pub fn stop(ctl: Ctl) {
    ctl.live.generation.set_value(ctl.live.generation.get_value() + 1);
    if let Some(old) = ctl.live.abort.get_value() {
        old.abort();
    }
}

/// Stops the running stream (if any) and follows the current conversation.
pub fn restart(ctl: Ctl) {
    stop(ctl);
    let generation = ctl.live.generation.get_value();
    ctl.live.abort.set_value(web_sys::AbortController::new().ok());
    spawn_local(stream_loop(ctl, generation));
}

/// Opens the conversation's stream once and feeds every event to `on_event` until it ends.
/// `on_open` runs when the server accepted the stream.
async fn follow(token: &str, conversation: &str, last_seq: u64, signal: &AbortSignal, on_open: &dyn Fn(), on_event: &dyn Fn(Event)) -> StreamEnd {
    let Ok(headers) = Headers::new() else { return StreamEnd::DROPPED };
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    let _ = headers.set("Accept", "text/event-stream");
    if last_seq > 0 {
        let _ = headers.set("Last-Event-ID", &last_seq.to_string());
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    let on_data = |data: &str| {
        if let Ok(event) = crate::wire::parse::<Event>(data) {
            on_event(event);
        }
    };
    browser::follow(&format!("/v1/conversations/{conversation}/events"), &init, on_open, &on_data).await
}

async fn stream_loop(ctl: Ctl, generation: u32) {
    let backoff = Rc::new(Cell::new(Backoff::new()));
    loop {
        if ctl.live.generation.get_value() != generation {
            return;
        }
        let Some((token, conv)) = ctl.ids() else { return };
        let b = backoff.clone();
        let on_open = move || {
            b.set(Backoff::new());
            ctl.chat.connection.set(Connection::Live);
            // Messages that failed while offline go out again once the stream is back.
            outbox::retry_failed(ctl);
        };
        let on_event = move |e: Event| {
            if ctl.live.generation.get_value() != generation {
                return;
            }
            let other = other_author(&e);
            if ctl.chat.apply(e) {
                if let Some(author) = other {
                    ctl.tell_host(&ToHost::Message { author });
                }
            }
        };
        let Some(abort) = ctl.live.abort.get_value() else { return };
        let end = follow(&token, &conv, ctl.chat.last_seq.get_untracked(), &abort.signal(), &on_open, &on_event).await;
        if ctl.live.generation.get_value() != generation {
            return;
        }
        let mut b = backoff.get();
        let next = after_end(end, &mut b);
        backoff.set(b);
        match next {
            AfterEnd::StartOver => {
                storage::set_session(&ctl.merchant(), None);
                spawn_local(session::start(ctl));
                return;
            }
            AfterEnd::Reconnect { after_ms } => {
                ctl.chat.connection.set(Connection::Reconnecting);
                sleep_ms(after_ms).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_client::reconnect::after_status;
    use tandem_protocol::Message;

    fn message(author: Author) -> Event {
        let m = Message {
            id: "m1".into(),
            client_id: None,
            seq: 1,
            author,
            author_name: None,
            text: "hello".into(),
            blocks: vec![],
            created_at: String::new(),
            meta: None,
        };
        Event::Message { message: m }
    }

    #[test]
    fn a_refused_stream_starts_over_and_a_dropped_one_reconnects() {
        let mut b = Backoff::new();
        assert_eq!(after_end(StreamEnd::Refused(401), &mut b), AfterEnd::StartOver);
        assert_eq!(after_end(StreamEnd::Refused(404), &mut b), AfterEnd::StartOver);
        assert_eq!(after_end(StreamEnd::DROPPED, &mut b), AfterEnd::Reconnect { after_ms: 500 });
    }

    #[test]
    fn server_failures_and_rate_limits_drop_the_stream_and_other_errors_refuse_it() {
        // Changed on purpose (issue 12, the shared client core): this test (then in
        // `src/stream.rs`) pinned a 429 as refused, and a refused stream forgets the stored
        // session. A rate-limited shopper must keep their session: a 429 (like a 503) now
        // reconnects, after the server's Retry-After when it sent one.
        let mut b = Backoff::new();
        let mut end = |status, retry_after| after_end(after_status(status, retry_after), &mut b);
        assert_eq!(end(429, Some(4)), AfterEnd::Reconnect { after_ms: 4000 });
        assert_eq!(end(503, Some(2)), AfterEnd::Reconnect { after_ms: 2000 });
        assert_eq!(end(429, None), AfterEnd::Reconnect { after_ms: 500 });
        assert_eq!(end(500, None), AfterEnd::Reconnect { after_ms: 1000 });
        assert_eq!(end(401, None), AfterEnd::StartOver);
        assert_eq!(end(403, None), AfterEnd::StartOver);
        assert_eq!(end(404, None), AfterEnd::StartOver);
    }

    #[test]
    fn reconnect_delays_double_from_the_first_up_to_the_cap_and_the_server_s_hint_wins() {
        let mut b = Backoff::new();
        let delays: Vec<AfterEnd> = (0..7).map(|_| after_end(StreamEnd::DROPPED, &mut b)).collect();
        let ms = [500, 1000, 2000, 4000, 8000, 15_000, 15_000].map(|after_ms| AfterEnd::Reconnect { after_ms });
        assert_eq!(delays, ms);
        // A restarting server says `retry: 1000` before it closes the stream.
        assert_eq!(after_end(StreamEnd::Dropped { retry_ms: Some(1000) }, &mut b), AfterEnd::Reconnect { after_ms: 1000 });
    }

    #[test]
    fn the_host_hears_who_wrote_but_not_the_shopper_s_own_messages() {
        assert_eq!(other_author(&message(Author::Agent)), Some(Author::Agent));
        assert_eq!(other_author(&message(Author::Assistant)), Some(Author::Assistant));
        assert_eq!(other_author(&message(Author::Shopper)), None);
        let typing = Event::Typing { author: Author::Agent, active: true };
        assert_eq!(other_author(&typing), None);
    }
}
