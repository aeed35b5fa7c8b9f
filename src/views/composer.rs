//! The composer: a labelled text area (Enter sends, Shift+Enter adds a line), a send button that is
//! disabled only while the text is empty, and a character counter near the limit.

use leptos::html::Textarea;
use leptos::prelude::*;
use tandem_protocol::MAX_MESSAGE_CHARS;

use crate::i18n::{fill, Strings};

/// The composer. `on_send` receives trimmed, non-empty text of at most the server's limit.
#[component]
pub fn Composer(
    strings: &'static Strings,
    on_send: Callback<String>,
    node_ref: NodeRef<Textarea>,
    /// Called on every keystroke (for the typing indicator a person sees).
    on_typing: Callback<()>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let count = Memo::new(move |_| text.with(|t| t.trim().chars().count()));
    let can_send = move || count.get() > 0 && count.get() <= MAX_MESSAGE_CHARS;
    let submit = move || {
        if !can_send() {
            return;
        }
        let t = text.get_untracked().trim().to_string();
        text.set(String::new());
        on_send.run(t);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    let left = move || MAX_MESSAGE_CHARS as i64 - count.get() as i64;
    // The counter is read out only when the limit is near.
    let count_class = move || {
        if left() > 200 { "tandem-composer__count tandem-visually-hidden" } else { "tandem-composer__count" }
    };
    view! {
        <form class="tandem-composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label class="tandem-visually-hidden" for="tandem-composer-input">{strings.composer_label}</label>
            <textarea
                id="tandem-composer-input"
                class="tandem-composer__input"
                data-testid="composer"
                rows="1"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                placeholder=strings.composer_placeholder
                aria-describedby="tandem-composer-count"
                node_ref=node_ref
                prop:value=move || text.get()
                on:input:target=move |ev| {
                    text.set(ev.target().value());
                    on_typing.run(());
                }
                on:keydown=on_keydown
            ></textarea>
            <span id="tandem-composer-count" aria-live="polite"
                class=count_class>
                {move || fill(strings.chars_left, "n", &left().to_string())}
            </span>
            <button type="submit" class="tandem-composer__send" data-testid="send" disabled=move || !can_send()>
                {strings.send}
            </button>
        </form>
    }
}
