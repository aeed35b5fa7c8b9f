//! Wait estimates for the queue.
//!
//! Model: each online agent offers `capacity` conversation slots, and a slot frees up on average
//! every `aht` seconds (the average handling time of recent conversations, 5 minutes until there
//! are enough). A shopper at position `k` with `f` free slots waits about 30 s when `k <= f` (the
//! time to be picked up), otherwise until `k - f` slots free up: `(k - f) * aht / slots`.
//! For the queue as a whole, the Erlang C formula gives the probability that a new arrival has to
//! wait and the average speed of answer (ASA), reported in metrics.

/// Seconds an agent takes to pick up a conversation when a slot is free.
pub const PICKUP_SECS: u32 = 30;
/// Handling time assumed until enough conversations were resolved.
pub const DEFAULT_AHT_SECS: f64 = 300.0;

/// Estimated wait for the shopper at `position` (1-based); `None` when no agent is online.
pub fn estimate(position: u32, slots: u32, free_slots: u32, aht_secs: f64) -> Option<u32> {
    if slots == 0 {
        return None;
    }
    if position <= free_slots {
        return Some(PICKUP_SECS);
    }
    let ahead = (position - free_slots) as f64;
    Some((ahead * aht_secs / slots as f64).ceil() as u32 + PICKUP_SECS)
}

/// Erlang C: probability that an arrival waits, with `n` servers and `a` erlangs of traffic
/// (arrival rate × handling time). 1 when the system is overloaded (`a >= n`).
pub fn erlang_c(n: u32, a: f64) -> f64 {
    if n == 0 || a >= n as f64 {
        return 1.0;
    }
    // Erlang B by the stable recurrence, then C from B.
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / n as f64;
    b / (1.0 - rho + rho * b)
}

/// Average speed of answer in seconds by Erlang C: `C(n, a) * aht / (n - a)`; `None` when overloaded.
pub fn erlang_c_asa(n: u32, arrivals_per_sec: f64, aht_secs: f64) -> Option<f64> {
    let a = arrivals_per_sec * aht_secs;
    if n == 0 || a >= n as f64 {
        return None;
    }
    Some(erlang_c(n, a) * aht_secs / (n as f64 - a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_agents_means_no_estimate() {
        assert_eq!(estimate(1, 0, 0, 300.0), None);
    }

    #[test]
    fn free_slot_means_pickup_time_and_waits_grow_with_position() {
        assert_eq!(estimate(1, 3, 1, 300.0), Some(PICKUP_SECS));
        let second = estimate(2, 3, 1, 300.0).unwrap();
        let third = estimate(3, 3, 1, 300.0).unwrap();
        assert_eq!(second, 100 + PICKUP_SECS);
        assert!(third > second);
        // More agents, shorter waits.
        assert!(estimate(5, 6, 0, 300.0).unwrap() < estimate(5, 3, 0, 300.0).unwrap());
    }

    #[test]
    fn erlang_c_matches_a_textbook_value() {
        // 10 agents, 8 erlangs: P(wait) ≈ 0.409 (standard table value).
        assert!((erlang_c(10, 8.0) - 0.409).abs() < 0.002, "{}", erlang_c(10, 8.0));
        assert_eq!(erlang_c(2, 3.0), 1.0);
        let asa = erlang_c_asa(10, 8.0 / 300.0, 300.0).unwrap();
        assert!((asa - 0.409 * 300.0 / 2.0).abs() < 1.0, "{asa}");
    }
}
