//! Language routing: a queued conversation is offered first to the online agents who speak its
//! language, and to anyone once it has waited `--language-routing-secs` (at once when no online
//! agent speaks it). Wait estimates count the agents a conversation is offered to.

use tandem_protocol::ConversationState;

use crate::error::ApiResult;
use crate::store::{now_ms, OnlineAgent};
use crate::{handoff, wait, AppState};

/// Who is online now, and for how long conversations are reserved for speakers of their language.
pub struct Routing {
    agents: Vec<OnlineAgent>,
    reserve_ms: i64,
    aht_secs: f64,
    now_ms: i64,
}

impl Routing {
    /// Reads the online agents (one query) and the average handling time.
    pub async fn load(state: &AppState) -> ApiResult<Routing> {
        Ok(Routing {
            agents: state.store.online_agents().await?,
            reserve_ms: (state.config.language_routing_secs as i64).saturating_mul(1000),
            aht_secs: handoff::average_handling_secs(state).await?,
            now_ms: now_ms(),
        })
    }

    /// The same, as if `agent_id` were not online (the agent passing a conversation on).
    pub fn without(mut self, agent_id: Option<&str>) -> Routing {
        self.agents.retain(|a| Some(a.id.as_str()) != agent_id);
        self
    }

    /// The online agents.
    pub fn agents(&self) -> &[OnlineAgent] {
        &self.agents
    }

    /// Until when (ms) a conversation in `locale` that entered the queue at `queued_ms` is offered
    /// only to agents who speak `locale`: `None` when anyone may take it (no online agent speaks
    /// it, routing is off, or the reservation is over).
    pub fn reserved_until(&self, locale: &str, queued_ms: i64) -> Option<i64> {
        let until = queued_ms.saturating_add(self.reserve_ms);
        (self.reserve_ms > 0 && until > self.now_ms && self.agents.iter().any(|a| a.speaks(locale))).then_some(until)
    }

    /// Whether an agent speaking `languages` may take the conversation now.
    pub fn offered_to(&self, languages: &[String], locale: &str, queued_ms: i64) -> bool {
        languages.iter().any(|l| l == locale) || self.reserved_until(locale, queued_ms).is_none()
    }

    /// The queued state at `position` with its estimate: while the conversation is reserved for
    /// speakers of its language, the sooner of "a speaker frees up" and "anyone frees up after the
    /// reservation".
    pub fn queued(&self, position: u32, locale: &str, queued_ms: i64) -> ConversationState {
        let all = self.estimate(position, |_| true);
        let estimated_wait_secs = match self.reserved_until(locale, queued_ms) {
            None => all,
            Some(until) => {
                let speakers = self.estimate(position, |a| a.speaks(locale));
                let after = all.map(|s| s + ((until - self.now_ms).max(0) / 1000) as u32);
                match (speakers, after) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        };
        ConversationState::Queued { position, estimated_wait_secs }
    }

    fn estimate(&self, position: u32, counted: impl Fn(&OnlineAgent) -> bool) -> Option<u32> {
        let (slots, busy) = self.agents.iter().filter(|a| counted(a)).fold((0u32, 0u32), |(s, b), a| (s + a.capacity, b + a.active.min(a.capacity)));
        wait::estimate(position, slots, slots - busy, self.aht_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str, languages: &[&str], active: u32) -> OnlineAgent {
        OnlineAgent { id: name.into(), display_name: name.into(), languages: languages.iter().map(|l| l.to_string()).collect(), capacity: 2, active }
    }

    fn routing(agents: Vec<OnlineAgent>) -> Routing {
        Routing { agents, reserve_ms: 60_000, aht_secs: 300.0, now_ms: 1_000_000 }
    }

    #[test]
    fn a_conversation_waits_for_a_speaker_then_goes_to_anyone() {
        let r = routing(vec![agent("kim", &["en", "de"], 0), agent("sam", &["en", "sv"], 0)]);
        let fresh = 1_000_000 - 10_000;
        assert_eq!(r.reserved_until("sv", fresh), Some(fresh + 60_000));
        assert!(r.offered_to(&["sv".into()], "sv", fresh));
        assert!(!r.offered_to(&["en".into(), "de".into()], "sv", fresh));
        // After the reservation, anyone.
        let old = 1_000_000 - 61_000;
        assert_eq!(r.reserved_until("sv", old), None);
        assert!(r.offered_to(&["de".into()], "sv", old));
    }

    #[test]
    fn nobody_speaking_the_language_means_anyone_at_once() {
        let r = routing(vec![agent("kim", &["en", "de"], 0)]);
        assert_eq!(r.reserved_until("ar", 1_000_000), None);
        assert!(r.offered_to(&["de".into()], "ar", 1_000_000));
    }

    #[test]
    fn the_estimate_counts_the_speakers_while_reserved() {
        // The Swedish speaker is full; the other agent is free but may not take it for 50 s.
        let r = routing(vec![agent("kim", &["en"], 0), agent("sam", &["sv"], 2)]);
        let queued_ms = 1_000_000 - 10_000;
        let ConversationState::Queued { estimated_wait_secs, .. } = r.queued(1, "sv", queued_ms) else { panic!() };
        // Anyone after the reservation: 50 s + pick-up (30 s), sooner than a speaker freeing up.
        assert_eq!(estimated_wait_secs, Some(80));
        let ConversationState::Queued { estimated_wait_secs, .. } = r.queued(1, "en", queued_ms) else { panic!() };
        assert_eq!(estimated_wait_secs, Some(wait::PICKUP_SECS));
    }
}
