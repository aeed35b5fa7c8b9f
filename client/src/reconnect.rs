//! How a live stream ends and when it is opened again: one rule set for the widget and the
//! console. A server that is busy (429, 503) or failing (other 5xx), a dropped connection or a
//! closed stream are passing: the stream opens again after the server's named delay (`Retry-After`
//! on a 429/503, or the stream's SSE `retry:` hint) or else after an exponential backoff. A
//! refusal (401, 403, 404, any other 4xx) ends it: opening it again cannot help, and each app
//! decides what follows (the widget starts over, the console signs out or says so). A 429 is never
//! a refusal: being rate limited must not cost a shopper their session.

/// The first reconnect delay, and the one after a stream that opened.
pub const FIRST_BACKOFF_MS: u32 = 500;
/// The longest backoff delay.
pub const MAX_BACKOFF_MS: u32 = 15_000;
/// A server's named delay is honoured within these bounds (a `retry: 0` must not spin, and a
/// stream is not left closed for an hour on one answer).
pub const HINT_BOUNDS_MS: (u32, u32) = (250, 60_000);

/// Why a stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// It dropped, closed, never opened, or the server was busy or failing: open it again, after
    /// `retry_ms` when the server named a delay, else after the backoff.
    Dropped {
        /// The server's delay in milliseconds (`Retry-After` of a 429/503, or SSE `retry:`).
        retry_ms: Option<u32>,
    },
    /// The server refused it with this status (401, 403, 404, other 4xx): opening it again as it
    /// was cannot help.
    Refused(u16),
}

impl StreamEnd {
    /// Dropped, with no delay named.
    pub const DROPPED: StreamEnd = StreamEnd::Dropped { retry_ms: None };
}

/// How a stream the server answered with error `status` ends; `retry_after_secs` is its
/// `Retry-After` header, honoured for 429 and 503.
pub fn after_status(status: u16, retry_after_secs: Option<u32>) -> StreamEnd {
    match status {
        429 | 503 => StreamEnd::Dropped { retry_ms: retry_after_secs.map(|s| s.saturating_mul(1000)) },
        s if s >= 500 => StreamEnd::DROPPED,
        s => StreamEnd::Refused(s),
    }
}

/// A server's named delay as waited: within [`HINT_BOUNDS_MS`].
pub fn hint_ms(ms: u32) -> u32 {
    ms.clamp(HINT_BOUNDS_MS.0, HINT_BOUNDS_MS.1)
}

/// Next backoff delay after a failed attempt: doubles from [`FIRST_BACKOFF_MS`] up to
/// [`MAX_BACKOFF_MS`].
pub fn next_backoff(current_ms: u32) -> u32 {
    (current_ms.max(FIRST_BACKOFF_MS / 2) * 2).min(MAX_BACKOFF_MS)
}

/// The reconnect delays of one stream loop: the backoff, reset whenever the stream opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    next_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    /// Starts at [`FIRST_BACKOFF_MS`].
    pub const fn new() -> Self {
        Backoff { next_ms: FIRST_BACKOFF_MS }
    }

    /// The stream opened: the next failure waits the first delay again.
    pub fn opened(&mut self) {
        self.next_ms = FIRST_BACKOFF_MS;
    }

    /// The pause before the next attempt: the server's named delay ([`hint_ms`]) when it gave
    /// one, leaving the backoff as it is; else the backoff's delay, which doubles.
    pub fn pause(&mut self, retry_ms: Option<u32>) -> u32 {
        match retry_ms {
            Some(ms) => hint_ms(ms),
            None => {
                let now = self.next_ms;
                self.next_ms = next_backoff(now);
                now
            }
        }
    }

    /// The pause after `end`, or `None` when the stream must not open again.
    pub fn after(&mut self, end: StreamEnd) -> Option<u32> {
        match end {
            StreamEnd::Dropped { retry_ms } => Some(self.pause(retry_ms)),
            StreamEnd::Refused(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_servers_are_waited_for_with_their_retry_after() {
        assert_eq!(after_status(429, Some(3)), StreamEnd::Dropped { retry_ms: Some(3000) });
        assert_eq!(after_status(503, Some(1)), StreamEnd::Dropped { retry_ms: Some(1000) });
        assert_eq!(after_status(429, None), StreamEnd::DROPPED);
        // Other server failures back off; a Retry-After there is not the server's promise.
        assert_eq!(after_status(500, Some(9)), StreamEnd::DROPPED);
        assert_eq!(after_status(502, None), StreamEnd::DROPPED);
    }

    #[test]
    fn a_rate_limited_stream_is_never_refused() {
        // The widget used to count a 429 as refused and forget the shopper's session (issue 12).
        assert!(!matches!(after_status(429, None), StreamEnd::Refused(_)));
        assert!(Backoff::new().after(after_status(429, None)).is_some());
    }

    #[test]
    fn refusals_end_the_stream() {
        for status in [400, 401, 403, 404, 409, 410] {
            assert_eq!(after_status(status, Some(5)), StreamEnd::Refused(status));
            assert_eq!(Backoff::new().after(StreamEnd::Refused(status)), None);
        }
    }

    #[test]
    fn backoff_doubles_from_the_first_up_to_the_cap_and_resets_when_the_stream_opens() {
        let mut b = Backoff::new();
        let delays: Vec<u32> = (0..8).map(|_| b.pause(None)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
        b.opened();
        assert_eq!(b.pause(None), FIRST_BACKOFF_MS);
        assert_eq!(next_backoff(0), 500);
        assert_eq!(next_backoff(10_000), 15_000);
    }

    #[test]
    fn a_named_delay_is_honoured_within_bounds_and_leaves_the_backoff_alone() {
        let mut b = Backoff::new();
        b.pause(None);
        assert_eq!(b.after(StreamEnd::Dropped { retry_ms: Some(1000) }), Some(1000));
        assert_eq!(b.pause(Some(0)), 250);
        assert_eq!(b.pause(Some(3_600_000)), 60_000);
        assert_eq!(b.pause(None), 1000);
    }
}
