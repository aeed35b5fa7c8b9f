//! Email follow-ups in the widget: opening a conversation from an email's link (`reopen=` in the
//! URL, exchanged once for a session), and asking for the transcript by email.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::boot::Boot;
use crate::handoff::{plausible_email, FormEnv};
use crate::i18n;
use crate::storage::{self, StoredSession};

/// Exchanges the link's token (once) for a session of the conversation's shopper, stored with the
/// conversation so the start shows it. `None` when there was no link or it no longer works (then
/// `notice` says why, and the chat starts as usual).
pub async fn reopen(boot: StoredValue<Boot>, notice: RwSignal<Option<&'static str>>, who: StoredValue<Option<(bool, String)>>) -> Option<String> {
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
            Some(r.session.token)
        }
        Err(api::ApiError::Server { code, .. }) => {
            notice.set(Some(match code.as_str() {
                "link_used" => s.reopen_used,
                "link_expired" => s.reopen_expired,
                _ => s.reopen_invalid,
            }));
            None
        }
        Err(e) => {
            notice.set(Some(e.shopper_text(s)));
            None
        }
    }
}

/// "Email me this conversation": an address (empty: the one left earlier), then a confirmation.
#[component]
pub fn TranscriptEmail(env: FormEnv) -> impl IntoView {
    let s = env.strings;
    let open = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let note = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = email.get_untracked().trim().to_string();
        if !value.is_empty() && !plausible_email(&value) {
            return note.set(Some(s.email_invalid.into()));
        }
        let Some((token, id)) = env.ids() else { return };
        spawn_local(async move {
            note.set(Some(match api::transcript_email(&token, &id, &value).await {
                Ok(()) => {
                    open.set(false);
                    s.transcript_sent.into()
                }
                Err(api::ApiError::Server { code, .. }) if code.contains("email") => s.email_invalid.into(),
                Err(e) => e.shopper_text(s).into(),
            }));
        });
    };
    view! {
        <div class="tandem-status">
            <button type="button" class="tandem-button tandem-button--small" data-testid="transcript-email"
                aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {s.transcript_open}
            </button>
            <Show when=move || open.get()>
                <form class="tandem-form" data-testid="transcript-form" on:submit=submit>
                    <label for="tandem-transcript-email">{s.email_label}</label>
                    <div class="tandem-form__row">
                        <input id="tandem-transcript-email" type="email" autocomplete="email" inputmode="email"
                            data-testid="transcript-address"
                            prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value())/>
                        <button type="submit" class="tandem-button" data-testid="transcript-send">{s.transcript_send}</button>
                    </div>
                </form>
            </Show>
            <p role="status" class="tandem-note" data-testid="transcript-note">{move || note.get()}</p>
        </div>
    }
}
