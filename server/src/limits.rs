//! Abuse limits: request rates per client address and per session (GCRA through `governor`),
//! answered with 429 and `Retry-After` in the API's error shape; caps on open streams per session
//! and per address; a bound on concurrent password hashing. The request's action is read from its
//! method and path in one place ([`action`]), so a new route is limited by adding one line.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{ApiError, ApiResult};

/// What a request does, for its rate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Session,
    Message,
    Handoff,
    Contact,
    Rating,
    Typing,
    Login,
}

impl Action {
    /// Every limited action.
    pub const ALL: [Action; 7] = [Action::Session, Action::Message, Action::Handoff, Action::Contact, Action::Rating, Action::Typing, Action::Login];

    /// (per address, per session) quotas: (per minute, burst). Per-address limits are generous
    /// because many shoppers can share one address (mobile carriers, offices).
    fn quotas(self) -> ((u32, u32), Option<(u32, u32)>) {
        match self {
            Action::Session => ((60, 20), None),
            Action::Message => ((300, 60), Some((30, 10))),
            Action::Handoff => ((60, 10), Some((6, 3))),
            Action::Contact => ((30, 5), Some((5, 3))),
            Action::Rating => ((30, 5), Some((5, 3))),
            Action::Typing => ((900, 90), Some((60, 20))),
            Action::Login => ((20, 5), None),
        }
    }

    /// Name in messages and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Action::Session => "session",
            Action::Message => "message",
            Action::Handoff => "handoff",
            Action::Contact => "contact",
            Action::Rating => "rating",
            Action::Typing => "typing",
            Action::Login => "login",
        }
    }
}

/// The limited action of a request, from its method and path (`None`: not rate-limited).
pub fn action(method: &axum::http::Method, path: &str) -> Option<Action> {
    if method != axum::http::Method::POST {
        return None;
    }
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["", "v1", "sessions"] => Some(Action::Session),
        ["", "v1", "reopen"] => Some(Action::Session), // gives a session, like creating one
        // Start-up: may create a session (and a conversation, at most one per call: only when the
        // shopper has none open), so it counts as creating a session.
        ["", "v1", "start"] => Some(Action::Session),
        ["", "v1", "agent", "login"] => Some(Action::Login),
        ["", "v1", "conversations"] => Some(Action::Message), // starting one carries the first message
        ["", "v1", "conversations", _, "messages"] => Some(Action::Message),
        ["", "v1", "conversations", _, "handoff"] => Some(Action::Handoff),
        ["", "v1", "conversations", _, "contact"] => Some(Action::Contact),
        ["", "v1", "conversations", _, "transcript-email"] => Some(Action::Contact), // sends to an address typed in
        ["", "v1", "conversations", _, "rating"] => Some(Action::Rating),
        ["", "v1", "conversations", _, "typing"] => Some(Action::Typing),
        _ => None,
    }
}

type Limiter<K> = DefaultKeyedRateLimiter<K>;

/// The name stream-cap refusals are counted under.
pub const STREAM: &str = "stream";

/// Streams one session, or one address, may hold open at once.
#[derive(Clone, Copy, Debug)]
pub struct StreamCaps {
    pub per_session: usize,
    pub per_address: usize,
}

/// The server's limits. Cheap to share (`Arc`).
pub struct Limits {
    per_address: HashMap<Action, Limiter<IpAddr>>,
    per_session: HashMap<Action, Limiter<String>>,
    hashing: Semaphore,
    caps: StreamCaps,
    streams: Mutex<HashMap<StreamKey, usize>>,
    /// 429s answered, by action (`stream` for the stream caps); see [`Limits::refused_by_action`].
    pub refused: Mutex<HashMap<&'static str, u64>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum StreamKey {
    Session(String),
    Address(IpAddr),
}

fn quota((per_minute, burst): (u32, u32), scale: f64) -> Option<Quota> {
    let scaled = |n: u32| NonZeroU32::new(((f64::from(n) * scale).round() as u32).max(1));
    Some(Quota::per_minute(scaled(per_minute)?).allow_burst(scaled(burst)?))
}

impl Limits {
    /// Limits scaled by `scale` (1.0 the defaults, 0 turns rate limits off; the stream caps and the
    /// hashing bound stay).
    pub fn new(scale: f64, caps: StreamCaps, concurrent_hashes: usize) -> Self {
        let mut per_address = HashMap::new();
        let mut per_session = HashMap::new();
        if scale > 0.0 {
            for a in Action::ALL {
                let (address, session) = a.quotas();
                if let Some(q) = quota(address, scale) {
                    per_address.insert(a, RateLimiter::keyed(q));
                }
                if let Some(q) = session.and_then(|s| quota(s, scale)) {
                    per_session.insert(a, RateLimiter::keyed(q));
                }
            }
        }
        Limits {
            per_address,
            per_session,
            hashing: Semaphore::new(concurrent_hashes.max(1)),
            caps,
            streams: Mutex::new(HashMap::new()),
            refused: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a request against its action's limits; 429 with the wait when over.
    pub fn check(&self, action: Action, address: IpAddr, session: Option<&str>) -> ApiResult<()> {
        let mut wait = None;
        if let Some(l) = self.per_address.get(&action) {
            if let Err(not_until) = l.check_key(&address) {
                wait = Some(not_until.wait_time_from(l.clock().now()));
            }
        }
        if let (None, Some(l), Some(s)) = (wait, self.per_session.get(&action), session) {
            if let Err(not_until) = l.check_key(&s.to_string()) {
                wait = Some(not_until.wait_time_from(l.clock().now()));
            }
        }
        match wait {
            None => Ok(()),
            Some(wait) => {
                self.count_refused(action.name());
                Err(too_many(wait, &format!("Too many {} requests. Wait a moment and try again.", action.name())))
            }
        }
    }

    /// A permit to hash a password; waits while the bound is reached (each hash takes ~19 MiB and
    /// tens of milliseconds of a core), 503 when the wait is long.
    pub async fn hashing(&self) -> ApiResult<SemaphorePermit<'_>> {
        match tokio::time::timeout(Duration::from_secs(5), self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Unavailable("The server is busy signing people in. Try again in a few seconds.".into())),
        }
    }

    /// Counts an open stream for a session and an address; refused (429) over either cap. The
    /// stream is uncounted when the returned guard drops.
    pub fn open_stream(self: &Arc<Self>, session: &str, address: IpAddr) -> ApiResult<StreamGuard> {
        let mut streams = self.streams.lock().expect("streams lock");
        let s = StreamKey::Session(session.to_string());
        let a = StreamKey::Address(address);
        if streams.get(&s).copied().unwrap_or(0) >= self.caps.per_session {
            self.count_refused(STREAM);
            return Err(too_many(Duration::from_secs(5), "Too many open streams for this session. Close another tab or window."));
        }
        if streams.get(&a).copied().unwrap_or(0) >= self.caps.per_address {
            self.count_refused(STREAM);
            return Err(too_many(Duration::from_secs(5), "Too many open streams from this address."));
        }
        *streams.entry(s.clone()).or_insert(0) += 1;
        *streams.entry(a.clone()).or_insert(0) += 1;
        Ok(StreamGuard { limits: self.clone(), keys: [s, a] })
    }

    fn count_refused(&self, what: &'static str) {
        *self.refused.lock().expect("limits lock").entry(what).or_insert(0) += 1;
    }

    /// 429s answered so far, for every action and `stream` (zeros included, so a dashboard sees
    /// each series from the start).
    pub fn refused_by_action(&self) -> Vec<(&'static str, u64)> {
        let refused = self.refused.lock().expect("limits lock");
        Action::ALL.iter().map(|a| a.name()).chain([STREAM]).map(|name| (name, refused.get(name).copied().unwrap_or(0))).collect()
    }

    /// Forgets rate-limit state of clients idle long enough to be back at full allowance (run
    /// periodically, so memory follows the active clients).
    pub fn forget_idle(&self) {
        for l in self.per_address.values() {
            l.retain_recent();
            l.shrink_to_fit();
        }
        for l in self.per_session.values() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Keys tracked by the rate limiters (metrics, tests).
    pub fn tracked(&self) -> usize {
        self.per_address.values().map(|l| l.len()).sum::<usize>() + self.per_session.values().map(|l| l.len()).sum::<usize>()
    }
}

/// An open stream, counted against its caps until dropped.
pub struct StreamGuard {
    limits: Arc<Limits>,
    keys: [StreamKey; 2],
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut streams = self.limits.streams.lock().expect("streams lock");
        for k in &self.keys {
            if let Some(n) = streams.get_mut(k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    streams.remove(k);
                }
            }
        }
    }
}

fn too_many(wait: Duration, message: &str) -> ApiError {
    ApiError::TooMany { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64, message: message.into() }
}

/// The client's address as the limits see it, set on every request.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

/// The client's address: the connection's peer, or, when the peer is a trusted reverse proxy, the
/// last address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(list) = forwarded_for else { return peer };
    list.rsplit(',').filter_map(|a| a.trim().parse::<IpAddr>().ok()).find(|a| !trusted.contains(a)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    #[test]
    fn actions_are_read_from_method_and_path() {
        assert_eq!(action(&Method::POST, "/v1/sessions"), Some(Action::Session));
        assert_eq!(action(&Method::POST, "/v1/conversations/abc/messages"), Some(Action::Message));
        assert_eq!(action(&Method::POST, "/v1/conversations/abc/handoff"), Some(Action::Handoff));
        assert_eq!(action(&Method::POST, "/v1/agent/login"), Some(Action::Login));
        assert_eq!(action(&Method::POST, "/v1/reopen"), Some(Action::Session));
        assert_eq!(action(&Method::POST, "/v1/start"), Some(Action::Session));
        assert_eq!(action(&Method::POST, "/v1/conversations/abc/transcript-email"), Some(Action::Contact));
        assert_eq!(action(&Method::GET, "/v1/conversations/abc/events"), None);
        assert_eq!(action(&Method::POST, "/v1/sessions/resume"), None);
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let l = Limits::new(1.0, StreamCaps { per_session: 2, per_address: 3 }, 2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            l.check(Action::Handoff, ip, Some("s1")).unwrap();
        }
        match l.check(Action::Handoff, ip, Some("s1")) {
            Err(ApiError::TooMany { retry_after_secs, .. }) => assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}"),
            other => panic!("expected 429, got {other:?}"),
        }
        // Another session from the same address is not affected by the first one's limit.
        l.check(Action::Handoff, ip, Some("s2")).unwrap();
        assert!(l.check(Action::Handoff, ip, None).is_ok());
        let refused = l.refused_by_action();
        assert!(refused.contains(&("handoff", 1)) && refused.contains(&("session", 0)), "{refused:?}");
    }

    #[test]
    fn scale_zero_turns_rate_limits_off() {
        let l = Limits::new(0.0, StreamCaps { per_session: 2, per_address: 3 }, 2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..1000 {
            l.check(Action::Login, ip, None).unwrap();
        }
    }

    #[test]
    fn stream_caps_count_open_streams() {
        let l = Arc::new(Limits::new(1.0, StreamCaps { per_session: 2, per_address: 3 }, 2));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = l.open_stream("s1", ip).unwrap();
        let _b = l.open_stream("s1", ip).unwrap();
        assert!(l.open_stream("s1", ip).is_err(), "third stream of one session");
        let _c = l.open_stream("s2", ip).unwrap();
        assert!(l.open_stream("s3", ip).is_err(), "fourth stream of one address");
        drop(a);
        assert!(l.open_stream("s3", ip).is_ok(), "a closed stream frees its place");
        assert!(l.refused_by_action().contains(&(STREAM, 2)), "{:?}", l.refused_by_action());
    }

    #[test]
    fn the_client_address_comes_from_trusted_proxies_only() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let shopper: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(client_address(Some(shopper), Some("1.2.3.4"), &[proxy]), shopper, "a forged header from a client is ignored");
        assert_eq!(client_address(Some(proxy), Some("1.2.3.4, 203.0.113.7"), &[proxy]), shopper);
        assert_eq!(client_address(Some(proxy), Some("203.0.113.7, 10.0.0.9"), &[proxy]), shopper);
        assert_eq!(client_address(Some(proxy), None, &[proxy]), proxy);
    }
}
