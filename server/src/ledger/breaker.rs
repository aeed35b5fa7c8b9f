//! A circuit breaker for the provider's account API: after a run of failures it opens, and calls
//! fail at once instead of each waiting for the timeout; after a cool-down one probe is let
//! through (half-open), and its outcome closes the breaker or opens it for another cool-down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker's position, for metrics and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    #[default]
    Closed,
    /// Calls fail at once until the cool-down ends.
    Open,
    /// One probe call is under way; others fail at once until it ends.
    HalfOpen,
}

impl BreakerState {
    /// Lower-case name for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// Opens after `threshold` consecutive failures, for `cooldown`.
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

/// Leave to make one call. Report its outcome with [`Permit::succeeded`] or [`Permit::failed`]; a
/// permit dropped unreported (the caller was cancelled) counts as a failure, so a lost half-open
/// probe cannot keep the breaker half-open for ever.
#[must_use = "report the call's outcome"]
pub struct Permit<'a> {
    breaker: &'a Breaker,
    reported: bool,
}

impl Breaker {
    /// A closed breaker opening after `threshold` (at least 1) consecutive failures.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker { threshold: threshold.max(1), cooldown, inner: Mutex::new(Inner::Closed { failures: 0 }) }
    }

    /// Leave to call now, or `None` while the breaker is open (or its probe is under way).
    pub fn try_acquire(&self, now: Instant) -> Option<Permit<'_>> {
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => {}
            Inner::Open { until } if now >= until => *inner = Inner::HalfOpen,
            Inner::Open { .. } | Inner::HalfOpen => return None,
        }
        Some(Permit { breaker: self, reported: false })
    }

    /// Where the breaker stands at `now`.
    pub fn state(&self, now: Instant) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            // Past the cool-down the next call will be the probe.
            Inner::Open { until } if now >= until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen => BreakerState::HalfOpen,
        }
    }

    fn record(&self, ok: bool, now: Instant) {
        let mut inner = self.lock();
        let next = match (&*inner, ok) {
            (_, true) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, false) if failures + 1 < self.threshold => Inner::Closed { failures: failures + 1 },
            // The threshold is reached, or the probe failed. (A call that started while closed and
            // ends while open also lands here, and restarts the cool-down: the API is still failing.)
            (_, false) => Inner::Open { until: now + self.cooldown },
        };
        if matches!(next, Inner::Open { .. }) && !matches!(*inner, Inner::Open { .. }) {
            tracing::warn!(cooldown_secs = self.cooldown.as_secs_f64(), "provider account API failing: circuit breaker open");
        } else if matches!(next, Inner::Closed { .. }) && !matches!(*inner, Inner::Closed { .. }) {
            tracing::info!("provider account API answering again: circuit breaker closed");
        }
        *inner = next;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Permit<'_> {
    /// The call succeeded (the API answered, whatever the answer): the breaker closes.
    pub fn succeeded(mut self, now: Instant) {
        self.reported = true;
        self.breaker.record(true, now);
    }

    /// The call failed: one more towards opening (a failed probe opens at once).
    pub fn failed(mut self, now: Instant) {
        self.reported = true;
        self.breaker.record(false, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.reported {
            self.breaker.record(false, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(b: &Breaker, now: Instant) {
        b.try_acquire(now).expect("a call is allowed").failed(now);
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures_and_fails_fast() {
        let t0 = Instant::now();
        let b = Breaker::new(3, Duration::from_secs(10));
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Closed);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Open);
        assert!(b.try_acquire(t0 + Duration::from_secs(9)).is_none(), "no call while open");
    }

    #[test]
    fn a_success_resets_the_count() {
        let t0 = Instant::now();
        let b = Breaker::new(3, Duration::from_secs(10));
        fail(&b, t0);
        fail(&b, t0);
        b.try_acquire(t0).unwrap().succeeded(t0);
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.state(t0), BreakerState::Closed, "failures must be consecutive");
    }

    #[test]
    fn after_the_cooldown_one_probe_goes_through_and_its_success_closes() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_secs(10);
        let b = Breaker::new(1, Duration::from_secs(10));
        fail(&b, t0);
        let probe = b.try_acquire(later).expect("the probe");
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        assert!(b.try_acquire(later).is_none(), "one probe at a time");
        probe.succeeded(later);
        assert_eq!(b.state(later), BreakerState::Closed);
        assert!(b.try_acquire(later).is_some());
    }

    #[test]
    fn a_failed_probe_opens_for_another_cooldown() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let b = Breaker::new(5, s(10));
        for _ in 0..5 {
            fail(&b, t0);
        }
        fail(&b, t0 + s(10));
        assert_eq!(b.state(t0 + s(19)), BreakerState::Open);
        assert!(b.try_acquire(t0 + s(19)).is_none());
        assert!(b.try_acquire(t0 + s(20)).is_some(), "the next probe after a new cool-down");
    }

    #[test]
    fn a_probe_dropped_unreported_counts_as_a_failure() {
        let t0 = Instant::now();
        let b = Breaker::new(1, Duration::from_secs(10));
        fail(&b, t0);
        drop(b.try_acquire(t0 + Duration::from_secs(10)).expect("the probe"));
        // Recorded at the real clock: open again for a cool-down from now, not stuck half-open.
        assert_eq!(b.state(t0 + Duration::from_secs(9)), BreakerState::Open);
    }
}
