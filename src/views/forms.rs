//! The widget's small forms: leaving an email while no one is available, rating the conversation
//! once a person has resolved it, and asking for the transcript by email. What they cause arrives
//! through the stream, in order with everything else.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ShopperText};
use crate::i18n::{fill, Strings};

/// What the forms need: the session token and conversation. The new state they cause arrives
/// through the stream, in order with everything else.
#[derive(Clone, Copy)]
pub struct FormEnv {
    pub token: RwSignal<Option<String>>,
    pub conversation: RwSignal<Option<String>>,
    pub strings: &'static Strings,
}

impl FormEnv {
    pub(crate) fn ids(&self) -> Option<(String, String)> {
        Some((self.token.get_untracked()?, self.conversation.get_untracked()?))
    }
}

/// Whether text looks like an email address (the server checks again).
pub fn plausible_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.ends_with('.') && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Asks for an email address while no one is available; shows where the reply will go once given.
#[component]
pub fn ContactForm(env: FormEnv, contact: Option<String>) -> impl IntoView {
    let strings = env.strings;
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = email.get_untracked().trim().to_string();
        if !plausible_email(&value) {
            error.set(Some(strings.email_invalid));
            return;
        }
        let Some((token, id)) = env.ids() else { return };
        busy.set(true);
        spawn_local(async move {
            // The new state arrives through the stream, in order with everything else.
            match api::leave_contact(&token, &id, &value).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(e.shopper_text(strings))),
            }
            busy.set(false);
        });
    };
    match contact {
        Some(c) => Either::Left(view! { <p class="tandem-status__state" data-testid="contact-thanks">{fill(strings.email_thanks, "email", &c)}</p> }),
        None => Either::Right(view! {
            <form class="tandem-form" data-testid="contact-form" on:submit=submit>
                <label for="tandem-contact-email">{strings.email_label}</label>
                <div class="tandem-form__row">
                    <input id="tandem-contact-email" type="email" autocomplete="email" inputmode="email" required
                        data-testid="contact-email"
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby="tandem-contact-error"
                        prop:value=move || email.get()
                        on:input:target=move |ev| email.set(ev.target().value())/>
                    <button type="submit" class="tandem-button" disabled=move || busy.get()>{strings.email_submit}</button>
                </div>
                <p id="tandem-contact-error" class="tandem-form__error" role="alert">{move || error.get()}</p>
            </form>
        }),
    }
}

/// Asks for a 1–5 rating and an optional comment once a person has resolved the conversation.
#[component]
pub fn RatingForm(env: FormEnv, rating: Option<u8>) -> impl IntoView {
    let strings = env.strings;
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = score.get_untracked() else {
            error.set(Some(strings.rate_prompt));
            return;
        };
        let Some((token, id)) = env.ids() else { return };
        let text = comment.get_untracked();
        spawn_local(async move {
            let comment = (!text.trim().is_empty()).then_some(text.as_str());
            if let Err(e) = api::rate(&token, &id, s, comment).await {
                error.set(Some(e.shopper_text(strings)));
            }
        });
    };
    if rating.is_some() {
        return Either::Left(view! { <p class="tandem-status__state" data-testid="rating-thanks">{strings.rate_thanks}</p> });
    }
    Either::Right(view! {
        <form class="tandem-form" data-testid="rating-form" on:submit=submit>
            <fieldset class="tandem-rating">
                <legend>{strings.rate_prompt}</legend>
                {(1..=5u8).map(|n| {
                    let id = format!("tandem-rate-{n}");
                    view! {
                        <input type="radio" name="tandem-rating" id=id.clone() value=n.to_string()
                            data-testid=format!("rate-{n}")
                            on:change=move |_| score.set(Some(n))/>
                        <label for=id aria-label=fill(strings.rate_star, "n", &n.to_string())>{n.to_string()}</label>
                    }
                }).collect_view()}
            </fieldset>
            <label for="tandem-rating-comment">{strings.rate_comment_label}</label>
            <textarea id="tandem-rating-comment" rows="2" maxlength="2000" data-testid="rating-comment"
                prop:value=move || comment.get()
                on:input:target=move |ev| comment.set(ev.target().value())></textarea>
            <button type="submit" class="tandem-button" data-testid="rating-submit">{strings.rate_submit}</button>
            <p class="tandem-form__error" role="alert">{move || error.get()}</p>
        </form>
    })
}

/// "Email me this conversation": an address (empty: the one left earlier), then a confirmation.
#[component]
pub fn TranscriptEmail(env: FormEnv) -> impl IntoView {
    let s = env.strings;
    let open = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let note = RwSignal::new(None::<&'static str>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = email.get_untracked().trim().to_string();
        if !value.is_empty() && !plausible_email(&value) {
            return note.set(Some(s.email_invalid));
        }
        let Some((token, id)) = env.ids() else { return };
        spawn_local(async move {
            note.set(Some(match api::transcript_email(&token, &id, &value).await {
                Ok(()) => {
                    open.set(false);
                    s.transcript_sent
                }
                Err(api::ApiError::Server { code, .. }) if code.contains("email") => s.email_invalid,
                Err(e) => e.shopper_text(s),
            }));
        });
    };
    view! {
        <div class="tandem-status">
            <button type="button" class="tandem-button tandem-button--small" data-testid="transcript-email"
                aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {s.transcript_open}
            </button>
            {move || open.get().then(|| view! {
                <form class="tandem-form" data-testid="transcript-form" on:submit=submit>
                    <label for="tandem-transcript-email">{s.email_label}</label>
                    <div class="tandem-form__row">
                        <input id="tandem-transcript-email" type="email" autocomplete="email" inputmode="email"
                            data-testid="transcript-address"
                            prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value())/>
                        <button type="submit" class="tandem-button" data-testid="transcript-send">{s.transcript_send}</button>
                    </div>
                </form>
            })}
            <p role="status" class="tandem-note" data-testid="transcript-note">{move || note.get()}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::plausible_email;

    #[test]
    fn only_plausible_addresses_are_sent() {
        assert!(plausible_email("ada@example.com"));
        assert!(plausible_email("  ada@example.co.uk "), "surrounding spaces are trimmed");
        for bad in ["", "ada", "@example.com", "ada@example", "ada@example.", "a da@example.com"] {
            assert!(!plausible_email(bad), "{bad:?}");
        }
    }
}
