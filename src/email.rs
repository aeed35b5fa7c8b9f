//! Opening a conversation from an email's link (`reopen=` in the URL, exchanged once for a
//! session). Asking for the transcript by email is a form in `views/forms.rs`.

use leptos::prelude::*;

use crate::api::{self, ShopperText};
use crate::boot::Boot;
use crate::i18n;
use crate::storage::{self, StoredSession};

/// Exchanges the link's token (once) for a session of the conversation's shopper, stored with the
/// conversation: the session token and the conversation to show. `None` when there was no link or
/// it no longer works (then `notice` says why, and the chat starts as usual).
pub async fn reopen(boot: StoredValue<Boot>, notice: RwSignal<Option<&'static str>>, who: StoredValue<Option<(bool, String)>>) -> Option<(String, String)> {
    let token = boot.with_value(|b| b.reopen.clone())?;
    boot.update_value(|b| b.reopen = None);
    let (m, s) = boot.with_value(|b| (b.merchant.clone(), i18n::strings(&b.locale)));
    match api::reopen(&token).await {
        Ok(r) => {
            let shopper = r.session.shopper;
            who.set_value(Some((shopper.identified, shopper.id.clone())));
            storage::set_session(&m, Some(&StoredSession { token: r.session.token.clone(), shopper_id: shopper.id, identified: shopper.identified }));
            storage::set_conversation(&m, Some(&r.conversation_id));
            storage::clear_outbox(&m);
            Some((r.session.token, r.conversation_id))
        }
        Err(e) => {
            notice.set(Some(link_notice(&e, s)));
            None
        }
    }
}

/// What the shopper is told when an email's link did not open the conversation. Only the
/// server's refusal of the link itself says the link does not work: a busy server (429, 503; it did
/// not look at the link, which still works), a failing one (5xx) or the network says so instead.
pub fn link_notice(e: &api::ApiError, s: &'static i18n::Strings) -> &'static str {
    match e {
        api::ApiError::Server { status, code, .. } if *status < 500 && !e.is_busy() => match code.as_str() {
            "link_used" => s.reopen_used,
            "link_expired" => s.reopen_expired,
            _ => s.reopen_invalid,
        },
        e => e.shopper_text(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ApiError;

    #[test]
    fn a_link_that_fails_says_why_in_the_shopper_s_language() {
        for (locale, s) in i18n::CATALOGUES {
            let server = |status, code: &str| ApiError::server(status, code, "Link used");
            assert_eq!(link_notice(&server(410, "link_used"), s), s.reopen_used, "{locale}");
            assert_eq!(link_notice(&server(410, "link_expired"), s), s.reopen_expired);
            assert_eq!(link_notice(&server(400, "invalid_link"), s), s.reopen_invalid);
            assert_eq!(link_notice(&server(404, "not_found"), s), s.reopen_invalid, "any other refusal of the link is an unusable link");
            // The server did not look at the link: it still works, and the shopper is not told otherwise.
            assert_eq!(link_notice(&server(429, "rate_limited"), s), s.err_busy, "{locale}");
            assert_eq!(link_notice(&server(503, "unavailable"), s), s.err_busy, "{locale}");
            assert_eq!(link_notice(&server(500, "internal"), s), s.err_server, "{locale}");
            assert_eq!(link_notice(&ApiError::Network("offline".into()), s), s.err_network);
        }
    }
}
