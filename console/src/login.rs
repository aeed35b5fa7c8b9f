//! The login form: email and password, errors in words.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::Ctl;

/// The login page.
#[component]
pub fn Login() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::login(email.get_untracked().trim(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(profile) => ctl.signed_in(profile),
                Err(e) if e.code() == Some("invalid_credentials") => {
                    error.set(Some("That email and password do not match an agent account. Check both and try again.".into()))
                }
                Err(e) => error.set(Some(api::explain(&e))),
            }
        });
    };
    view! {
        <main class="console-login">
            <h1 class="console-title">"Tandem console"</h1>
            <p class="console-muted">"Log in to help shoppers who asked for a person."</p>
            <form class="console-login__form" on:submit=submit>
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required data-testid="login-email"
                    prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value())/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required
                    data-testid="login-password"
                    prop:value=move || password.get() on:input:target=move |ev| password.set(ev.target().value())/>
                <p class="console-login__error" role="alert" data-testid="login-error">{move || error.get()}</p>
                <button type="submit" class="console-button console-button--primary" data-testid="login-submit"
                    disabled=move || busy.get()>
                    {move || if busy.get() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
            <div role="status" data-testid="console-status">
                {move || ctl.notice.get().map(|n| view! {
                    <p class="console-status__notice" class:console-status__notice--error=n.error>{n.text}</p>
                })}
            </div>
        </main>
    }
}
