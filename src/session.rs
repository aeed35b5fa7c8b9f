//! The session and the conversation: start-up (one call, `POST /v1/start`: the server resumes the
//! device's session or the partitioned cookie's, or creates one, and picks the conversation to
//! show), whose session it is (identity tokens from the host), a fresh conversation after a
//! resolved one, and logout.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Conversation, StartRequest, Started};
use wasm_bindgen::JsValue;

use crate::api::{self, ApiError};
use crate::boot::Boot;
use crate::ctl::{Ctl, Phase};
use crate::host::ToHost;
use crate::storage::{self, StoredSession};
use crate::{live, outbox};

/// How long start-up waits for an identity token the host promised.
const IDENTITY_WAIT_MS: i32 = 3_000;

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
    /// While start-up waits for the promised token: what wakes it (the `resolve` of the promise
    /// it awaits), called by [`identify`] or a 3 s timer, whichever comes first.
    wake: StoredValue<Option<js_sys::Function>, LocalStorage>,
}

impl Identity {
    pub fn new(boot: &Boot) -> Self {
        Identity {
            token: RwSignal::new(boot.app_token.clone()),
            settled: RwSignal::new(!boot.identity_pending || boot.app_token.is_some()),
            who: StoredValue::new(None),
            wake: StoredValue::new_local(None),
        }
    }

    /// Returns once no identity token is awaited: at once unless the host promised one that has
    /// not come; then when it arrives or after 3 s (woken by the message itself, not polled).
    async fn settle(self) {
        if self.settled.get_untracked() {
            return;
        }
        let arrival = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, IDENTITY_WAIT_MS);
            }
            self.wake.set_value(Some(resolve));
        });
        let _ = wasm_bindgen_futures::JsFuture::from(arrival).await;
        self.wake.set_value(None);
        // A token that comes later still signs the shopper in (`identify` switches sessions).
        self.settled.set(true);
    }
}

/// Whether a session may be kept: an anonymous one only while the host presents no identity, an
/// identified one only for the same shopper (`sub` of the presented token). So on a shared
/// computer the next shopper never inherits the previous one's conversation or account. The
/// server applies the same rule at start-up (`server/src/start.rs`); here it decides whether a
/// token arriving later switches sessions.
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
/// whether the current session belongs to the same shopper).
pub fn token_subject(jwt: &str) -> Option<String> {
    let json = web_sys::window()?.atob(&jwt_payload_base64(jwt)?).ok()?;
    crate::wire::read_strings(&json, &["sub"])?.pop()
}

/// What start-up does besides showing the conversation, from the server's answer.
#[derive(Debug, PartialEq)]
pub struct AfterStart {
    /// The identity token was refused: forget it and tell the host page to bring a fresh one.
    pub identity_expired: bool,
    /// A new session is a new shopper as far as this device knows: what another left unsent goes.
    pub clear_outbox: bool,
}

/// What the answer of `POST /v1/start` calls for.
pub fn after_start(s: &Started) -> AfterStart {
    AfterStart { identity_expired: s.identity_refused.is_some(), clear_outbox: s.new_session }
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

/// One call from start-up to a shown conversation: the device's session and last conversation and
/// the host's identity token go to `POST /v1/start`, which applies the rules (`server/src/start.rs`).
async fn begin(ctl: Ctl, m: &str) -> Result<(String, Conversation), ApiError> {
    let req = StartRequest {
        merchant_id: m.to_string(),
        locale: Some(ctl.boot.with_value(|b| b.locale.clone())),
        identity_token: ctl.identity.token.get_untracked(),
        conversation_id: storage::conversation(m),
    };
    let s = api::start(storage::session(m).map(|s| s.token).as_deref(), &req).await?;
    let then = after_start(&s);
    if then.identity_expired {
        // An expired (or foreign) identity token never leaves the shopper stuck: they continue
        // signed out, and the host page hears it should bring a fresh token.
        ctl.identity.token.set(None);
        ctl.tell_host(&ToHost::IdentityExpired);
    }
    if then.clear_outbox {
        storage::clear_outbox(m);
    }
    remember(ctl, m, &s.session.token, s.session.shopper.id, s.session.shopper.identified);
    Ok((s.session.token, s.conversation))
}

/// Session and conversation (after waiting for a promised identity), then the live stream.
pub async fn start(ctl: Ctl) {
    ctl.phase.set(Phase::Starting);
    ctl.identity.settle().await;
    let m = ctl.merchant();
    let shown = match crate::email::reopen(ctl.boot, ctl.notice, ctl.identity.who).await {
        Some((token, id)) => api::conversation(&token, &id).await.map(|c| (token, c)),
        None => begin(ctl, &m).await,
    };
    let (token, conversation) = match shown {
        Ok(shown) => shown,
        Err(e) => return ctl.fail(&e),
    };
    ctl.token.set(Some(token));
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
    // Start-up waiting for this token goes on at once.
    if let Some(wake) = ctl.identity.wake.get_value() {
        let _ = wake.call0(&JsValue::NULL);
    }
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
    use tandem_protocol::{ConversationState, Session, Shopper};

    fn started(new_session: bool, identity_refused: Option<&str>) -> Started {
        Started {
            session: Session {
                token: "t".into(),
                shopper: Shopper { id: "anon-1".into(), name: None, identified: false },
                locale: "en".into(),
                expires_at: String::new(),
            },
            new_session,
            identity_refused: identity_refused.map(Into::into),
            conversation: Conversation { id: "c1".into(), state: ConversationState::Assistant, last_seq: 0, created_at: String::new(), messages: vec![] },
            new_conversation: false,
        }
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
    fn a_refused_identity_tells_the_host_and_a_new_session_drops_the_stored_outbox() {
        assert_eq!(after_start(&started(false, None)), AfterStart { identity_expired: false, clear_outbox: false }, "the device's own session keeps its unsent messages");
        assert_eq!(after_start(&started(true, None)), AfterStart { identity_expired: false, clear_outbox: true });
        assert_eq!(after_start(&started(true, Some("identity_token_expired"))), AfterStart { identity_expired: true, clear_outbox: true });
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
