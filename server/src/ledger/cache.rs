//! A small bounded cache with a time to live: a shopper's account read a moment ago answers their
//! next question without another call to the provider. An expired entry is never served (the
//! assistant gives no stale figures); when the cache is full the entry closest to expiring goes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values by key, each for `ttl` after it was stored, at most `capacity` of them.
pub struct Cache<V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> Cache<V> {
    /// A cache keeping each value for `ttl`, at most `capacity` values. A zero `ttl` or capacity
    /// keeps nothing.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Cache { ttl, capacity, entries: Mutex::new(HashMap::new()) }
    }

    /// The value stored under `key`, if it has not expired at `now`.
    pub fn get(&self, key: &str, now: Instant) -> Option<V> {
        let mut entries = self.lock();
        match entries.get(key) {
            Some((expires, value)) if now < *expires => Some(value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores `value` under `key` from `now` for the time to live.
    pub fn insert(&self, key: &str, value: V, now: Instant) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, (expires, _)| now < *expires);
            if entries.len() >= self.capacity {
                // Full of live entries: the one stored longest ago (first to expire) makes room.
                if let Some(oldest) = entries.iter().min_by_key(|(_, (expires, _))| *expires).map(|(k, _)| k.clone()) {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key.to_string(), (now + self.ttl, value));
    }

    /// Forgets `key`.
    pub fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Entries held now, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, V)>> {
        // A panic while holding the lock cannot leave the map half-changed in a way that matters
        // for a cache; keep serving.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_it_expires_and_never_after() {
        let t0 = Instant::now();
        let cache = Cache::new(Duration::from_secs(30), 10);
        cache.insert("alex", 1, t0);
        assert_eq!(cache.get("alex", t0 + Duration::from_secs(29)), Some(1));
        assert_eq!(cache.get("alex", t0 + Duration::from_secs(30)), None, "expired at the TTL exactly");
        assert!(cache.is_empty(), "an expired entry is dropped when found");
        assert_eq!(cache.get("kim", t0), None);
    }

    #[test]
    fn storing_again_restarts_the_time_to_live() {
        let t0 = Instant::now();
        let cache = Cache::new(Duration::from_secs(10), 10);
        cache.insert("alex", 1, t0);
        cache.insert("alex", 2, t0 + Duration::from_secs(8));
        assert_eq!(cache.get("alex", t0 + Duration::from_secs(15)), Some(2));
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first_then_the_oldest() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let cache = Cache::new(s(10), 3);
        cache.insert("a", 1, t0);
        cache.insert("b", 2, t0 + s(1));
        cache.insert("c", 3, t0 + s(2));
        cache.insert("d", 4, t0 + s(3));
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get("a", t0 + s(3)), None, "the oldest made room");
        assert_eq!((cache.get("b", t0 + s(3)), cache.get("d", t0 + s(3))), (Some(2), Some(4)));
        // Later, b and c have expired: both go, and nothing live is dropped.
        cache.insert("e", 5, t0 + s(12));
        assert_eq!(cache.len(), 2);
        assert_eq!((cache.get("d", t0 + s(12)), cache.get("e", t0 + s(12))), (Some(4), Some(5)));
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let cache = Cache::new(Duration::ZERO, 10);
        cache.insert("alex", 1, Instant::now());
        assert!(cache.is_empty());
    }
}
