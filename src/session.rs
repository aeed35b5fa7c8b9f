//! The session and the conversation: start-up (stored session, the partitioned cookie's resume,
//! or a new one; the stored, latest or a new conversation), whose session it is (identity tokens
//! from the host), a fresh conversation after a resolved one, and logout.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Conversation, ConversationState, CreateSession};

use crate::api::{self, ApiError};
use crate::boot::Boot;
use crate::ctl::{sleep_ms, Ctl, Phase};
use crate::host::ToHost;
use crate::storage::{self, StoredSession};
use crate::{live, outbox};

/// Who the shopper is: the identity token from the host (once it arrived), and whose session the
/// widget holds.
#[derive(Clone, Copy)]
pub struct Identity {
    pub token: RwSignal<Option<String>>,
    /// No identity token is awaited any more.
    pub settled: RwSignal<bool>,
    /// Who the current session belongs to: (identified, shopper id). Kept in memory because the
    /// browser may refuse the iframe any storage.
    pub who: StoredValue<Option<(bool, String)>>,
}

impl Identity {
    pub fn new(boot: &Boot) -> Self {
        Identity {
            token: RwSignal::new(boot.app_token.clone()),
            settled: RwSignal::new(!boot.identity_pending || boot.app_token.is_some()),
            who: StoredValue::new(None),
        }
    }
}

/// Whether a stored session may be reused: an anonymous one only while the host presents no
/// identity, an identified one only for the same shopper (`sub` of the presented token). So on a
/// shared computer the next shopper never inherits the previous one's conversation or account.
pub fn session_fits(identified: bool, shopper_id: &str, presented_subject: Option<&str>) -> bool {
    match presented_subject {
        None => !identified,
        Some(sub) => identified && sub == shopper_id,
    }
}

/// A JWT's payload as standard, padded base64 (the compact form uses the URL-safe alphabet
/// without padding), for the browser's `atob`.
pub fn jwt_payload_base64(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let mut b64: String = payload.chars().map(|c| match c { '-' => '+', '_' => '/', c => c }).collect();
    while b64.len() % 4 != 0 {
        b64.push('=');
    }
    Some(b64)
}

/// The `sub` claim of a JWT, read without verifying it (the server verifies; this only decides
/// whether a stored session belongs to the same shopper).
pub fn token_subject(jwt: &str) -> Option<String> {
    let json = web_sys::window()?.atob(&jwt_payload_base64(jwt)?).ok()?;
    crate::wire::read_strings(&json, &["sub"])?.pop()
}

/// What a lookup of an existing conversation means for start-up: `Ok(Some)` show it, `Ok(None)`
/// create a new one, `Err` fail. A conversation that is gone or not ours (403/404) is replaced;
/// the shopper's latest one (`skip_resolved`) only while it has not ended.
pub fn reuse(found: Result<Option<Conversation>, ApiError>, skip_resolved: bool) -> Result<Option<Conversation>, ApiError> {
    match found {
        Ok(Some(c)) if skip_resolved && matches!(c.state, ConversationState::Resolved { .. }) => Ok(None),
        Ok(found) => Ok(found),
        Err(e) if e.is_missing() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether start-up, having failed with `e` on attempt `attempt`, forgets the stored session and
/// tries once more with a new one (the token is no longer accepted).
pub fn retry_with_new_session(e: &ApiError, attempt: u32) -> bool {
    e.is_auth() && attempt < 2
}

/// Whether an identity token arriving from the host calls for another session: the chat has
/// started (`late`) and its session is not the presented shopper's.
pub fn identity_switches(late: bool, who: Option<&(bool, String)>, subject: Option<&str>) -> bool {
    late && !who.is_some_and(|(identified, id)| session_fits(*identified, id, subject))
}

fn remember(ctl: Ctl, m: &str, token: &str, shopper_id: String, identified: bool) {
    ctl.identity.who.set_value(Some((identified, shopper_id.clone())));
    storage::set_session(m, Some(&StoredSession { token: token.to_string(), shopper_id, identified }));
}

/// Finds or creates the session: reuses the stored one unless an identity token calls for an
/// identified session.
async fn ensure_session(ctl: Ctl) -> Result<String, ApiError> {
    let m = ctl.merchant();
    let identity = ctl.identity.token.get_untracked();
    let subject = identity.as_deref().and_then(token_subject);
    if let Some(stored) = storage::session(&m) {
        if session_fits(stored.identified, &stored.shopper_id, subject.as_deref()) {
            ctl.identity.who.set_value(Some((stored.identified, stored.shopper_id)));
            return Ok(stored.token);
        }
    } else if let Ok(Some(s)) = api::resume_session(&m).await {
        // No third-party storage here (or a new tab): the partitioned cookie still knows the session.
        if session_fits(s.shopper.identified, &s.shopper.id, subject.as_deref()) {
            remember(ctl, &m, &s.token, s.shopper.id, s.shopper.identified);
            return Ok(s.token);
        }
    }
    let locale = ctl.boot.with_value(|b| b.locale.clone());
    let request = |identity_token| CreateSession { merchant_id: m.clone(), locale: Some(locale.clone()), identity_token };
    let s = match api::create_session(&request(identity)).await {
        // An expired (or foreign) identity token never leaves the shopper stuck: they continue
        // signed out, and the host page hears it should bring a fresh token.
        Err(e) if e.is_identity_refused() => {
            ctl.identity.token.set(None);
            ctl.tell_host(&ToHost::IdentityExpired);
            api::create_session(&request(None)).await?
        }
        other => other?,
    };
    remember(ctl, &m, &s.token, s.shopper.id, s.shopper.identified);
    storage::set_conversation(&m, None);
    // A new session is a new shopper as far as this device knows: what another left unsent goes.
    storage::clear_outbox(&m);
    Ok(s.token)
}

/// Session, conversation, transcript, then the live stream.
pub async fn start(ctl: Ctl) {
    ctl.phase.set(Phase::Starting);
    if ctl.boot.with_value(|b| b.identity_pending) {
        // The host promised an identity token; give it a moment to arrive.
        for _ in 0..30 {
            if ctl.identity.settled.get_untracked() {
                break;
            }
            sleep_ms(100).await;
        }
    }
    let m = ctl.merchant();
    let mut reopened = crate::email::reopen(ctl.boot, ctl.notice, ctl.identity.who).await;
    let mut attempts = 0;
    let conversation = loop {
        attempts += 1;
        let session = match reopened.take() {
            Some(t) => Ok(t),
            None => ensure_session(ctl).await,
        };
        let token = match session {
            Ok(t) => t,
            Err(e) => return ctl.fail(&e),
        };
        let existing = match storage::conversation(&m) {
            Some(id) => reuse(api::conversation(&token, &id).await.map(Some), false),
            None => reuse(api::latest_conversation(&token).await, true),
        };
        let found = match existing {
            Ok(Some(c)) => Ok(c),
            Ok(None) => api::create_conversation(&token).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(c) => {
                ctl.token.set(Some(token));
                break c;
            }
            Err(e) if retry_with_new_session(&e, attempts) => storage::set_session(&m, None),
            Err(e) => return ctl.fail(&e),
        }
    };
    storage::set_conversation(&m, Some(&conversation.id));
    ctl.chat.load(&conversation.id, &conversation.messages, conversation.state, conversation.last_seq);
    ctl.conversation.set(Some(conversation.id));
    ctl.phase.set(Phase::Ready);
    outbox::flush(ctl);
    if ctl.want_person.get_untracked() {
        ctl.want_person.set(false);
        crate::handoff::request_person(ctl);
    }
    live::restart(ctl);
}

/// Starts a fresh conversation (after the last one was resolved); messages being sent move to it.
pub async fn new_conversation(ctl: Ctl) {
    let Some(token) = ctl.token.get_untracked() else { return };
    // Two quick sends (or a double click) must not open two conversations.
    if ctl.creating.get_value() {
        return;
    }
    ctl.creating.set_value(true);
    let created = api::create_conversation(&token).await;
    ctl.creating.set_value(false);
    match created {
        Ok(c) => {
            storage::set_conversation(&ctl.merchant(), Some(&c.id));
            ctl.chat.load(&c.id, &[], c.state, 0);
            ctl.conversation.set(Some(c.id));
            live::restart(ctl);
            outbox::flush(ctl);
        }
        Err(e) => ctl.fail(&e),
    }
}

/// An identity token from the host: kept for the next session; signed in (or as someone else)
/// after the chat started, the chat switches sessions.
pub fn identify(ctl: Ctl, token: String) {
    let late = ctl.identity.settled.get_untracked() && ctl.is_ready();
    let subject = token_subject(&token);
    ctl.identity.token.set(Some(token));
    ctl.identity.settled.set(true);
    if identity_switches(late, ctl.identity.who.get_value().as_ref(), subject.as_deref()) {
        spawn_local(start(ctl));
    }
}

/// Logout: forgets everything this shopper's session left here, then starts afresh.
pub fn shutdown(ctl: Ctl) {
    let m = ctl.merchant();
    storage::set_session(&m, None);
    storage::set_conversation(&m, None);
    storage::clear_outbox(&m);
    let token = ctl.token.get_untracked();
    // Nothing of this session may keep running: the stream stops and no restart follows.
    live::stop(ctl);
    spawn_local(async move {
        let _ = api::end_session(token.as_deref()).await;
        if ctl.boot.with_value(|b| b.app) {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        } else {
            // The loader replaces this frame with a fresh one.
            ctl.tell_host(&ToHost::Reset);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(state: ConversationState) -> Conversation {
        Conversation { id: "c1".into(), state, last_seq: 3, created_at: String::new(), messages: vec![] }
    }

    fn server(status: u16, code: &str) -> ApiError {
        ApiError::server(status, code, "")
    }

    #[test]
    fn a_stored_session_is_reused_only_by_its_own_shopper() {
        assert!(session_fits(false, "anon-1", None));
        assert!(!session_fits(true, "alice", None), "a signed-out visitor never gets the signed-in shopper's session");
        assert!(session_fits(true, "alice", Some("alice")));
        assert!(!session_fits(true, "alice", Some("bob")), "the next shopper on a shared computer starts afresh");
        assert!(!session_fits(false, "anon-1", Some("alice")), "signing in replaces the anonymous session");
    }

    #[test]
    fn a_jwt_payload_becomes_padded_standard_base64() {
        assert_eq!(jwt_payload_base64("h.eyJzdWIiOiJhIn0.s").as_deref(), Some("eyJzdWIiOiJhIn0="));
        assert_eq!(jwt_payload_base64("h.ab-_cd.s").as_deref(), Some("ab+/cd=="));
        assert_eq!(jwt_payload_base64("h.abcd.s").as_deref(), Some("abcd"));
        assert_eq!(jwt_payload_base64("not a token"), None);
    }

    #[test]
    fn the_latest_conversation_is_shown_unless_it_ended() {
        let open = reuse(Ok(Some(conversation(ConversationState::Assistant))), true);
        assert_eq!(open.unwrap().map(|c| c.id).as_deref(), Some("c1"));
        let ended = conversation(ConversationState::Resolved { rating: None });
        assert_eq!(reuse(Ok(Some(ended.clone())), true), Ok(None), "an ended latest conversation is not reopened");
        assert_eq!(reuse(Ok(Some(ended)), false).unwrap().map(|c| c.id).as_deref(), Some("c1"), "the stored one is shown, rating form and all");
        assert_eq!(reuse(Ok(None), true), Ok(None));
    }

    #[test]
    fn a_conversation_gone_or_not_ours_is_replaced_and_other_errors_fail() {
        assert_eq!(reuse(Err(server(404, "not_found")), false), Ok(None));
        assert_eq!(reuse(Err(server(403, "forbidden")), true), Ok(None));
        assert_eq!(reuse(Err(server(401, "unauthorized")), false), Err(server(401, "unauthorized")));
        assert_eq!(reuse(Err(server(503, "busy")), true), Err(server(503, "busy")));
        assert!(reuse(Err(ApiError::Network("offline".into())), false).is_err());
    }

    #[test]
    fn a_refused_token_is_dropped_once_then_start_up_fails() {
        assert!(retry_with_new_session(&server(401, "unauthorized"), 1));
        assert!(!retry_with_new_session(&server(401, "unauthorized"), 2), "no loop of new sessions");
        assert!(!retry_with_new_session(&server(500, "internal"), 1));
        assert!(!retry_with_new_session(&server(429, "rate_limited"), 1));
        assert!(!retry_with_new_session(&ApiError::Network("offline".into()), 1));
    }

    #[test]
    fn a_late_identity_switches_sessions_only_for_another_shopper() {
        let anon = (false, "anon-1".to_string());
        let alice = (true, "alice".to_string());
        assert!(!identity_switches(false, Some(&anon), Some("alice")), "before the chat started the token is simply used");
        assert!(identity_switches(true, Some(&anon), Some("alice")), "signed in after the chat started");
        assert!(!identity_switches(true, Some(&alice), Some("alice")), "the same shopper again");
        assert!(identity_switches(true, Some(&alice), Some("bob")));
        assert!(identity_switches(true, None, Some("alice")));
    }
}
