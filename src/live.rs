//! Following the conversation live: one stream loop at a time (a newer one stops the older), the
//! connection's health, reconnect with backoff, and starting over when the server refuses the
//! stream.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Author, Event};

use crate::chat::Connection;
use crate::ctl::{sleep_ms, Ctl};
use crate::host::ToHost;
use crate::stream::{self, StreamEnd};
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

/// The first reconnect delay, and the one after the stream opened again.
pub const FIRST_BACKOFF_MS: u32 = 500;

/// What follows the end of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterEnd {
    /// The session or conversation is no longer ours: forget the stored session and start over.
    StartOver,
    /// Show "reconnecting", wait the backoff delay and open the stream again.
    Reconnect,
}

pub fn after_end(end: &StreamEnd) -> AfterEnd {
    match end {
        StreamEnd::Refused(_) => AfterEnd::StartOver,
        StreamEnd::Dropped(_) => AfterEnd::Reconnect,
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

async fn stream_loop(ctl: Ctl, generation: u32) {
    let backoff = Rc::new(Cell::new(FIRST_BACKOFF_MS));
    loop {
        if ctl.live.generation.get_value() != generation {
            return;
        }
        let Some((token, conv)) = ctl.ids() else { return };
        let b = backoff.clone();
        let on_open = move || {
            b.set(FIRST_BACKOFF_MS);
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
        let end = stream::run_once(&token, &conv, ctl.chat.last_seq.get_untracked(), &abort.signal(), &on_open, &on_event).await;
        if ctl.live.generation.get_value() != generation {
            return;
        }
        match after_end(&end) {
            AfterEnd::StartOver => {
                storage::set_session(&ctl.merchant(), None);
                spawn_local(session::start(ctl));
                return;
            }
            AfterEnd::Reconnect => {
                ctl.chat.connection.set(Connection::Reconnecting);
                sleep_ms(backoff.get()).await;
                backoff.set(stream::next_backoff(backoff.get()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(after_end(&StreamEnd::Refused(401)), AfterEnd::StartOver);
        assert_eq!(after_end(&StreamEnd::Refused(404)), AfterEnd::StartOver);
        assert_eq!(after_end(&StreamEnd::Dropped("stream closed")), AfterEnd::Reconnect);
    }

    #[test]
    fn reconnect_delays_double_from_the_first_up_to_the_cap() {
        let mut delays = vec![FIRST_BACKOFF_MS];
        for _ in 0..7 {
            delays.push(stream::next_backoff(*delays.last().unwrap()));
        }
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
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
