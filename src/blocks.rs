//! Rendering of a message's structured blocks. Text is always inserted as text nodes, never as
//! HTML; links are followed only when they are https (or the widget's own origin).

use leptos::either::EitherOf4;
use leptos::prelude::*;
use tandem_protocol::{Action, Block, Button, Field, Value};

use crate::format;
use crate::i18n::Strings;

/// What the blocks need from their surroundings.
#[derive(Clone, Copy)]
pub struct BlockEnv {
    pub locale: &'static str,
    pub strings: &'static Strings,
    /// Sends a reply suggested by a button.
    pub on_reply: Callback<String>,
    /// Asks for a person.
    pub on_handoff: Callback<()>,
}

/// Whether a link may be opened from the widget.
pub fn allowed_link(url: &str) -> bool {
    url.starts_with("https://") && !url.contains(char::is_whitespace)
}

/// One block.
#[component]
pub fn BlockView(block: Block, env: BlockEnv) -> impl IntoView {
    match block {
        Block::Paragraph { text } => EitherOf4::A(view! { <p class="tandem-block tandem-block--paragraph">{text}</p> }),
        Block::Bullets { items } => EitherOf4::B(view! {
            <ul class="tandem-block tandem-block--bullets">
                {items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}
            </ul>
        }),
        Block::Card { title, fields } => EitherOf4::C(view! {
            <section class="tandem-block tandem-card" aria-label=title.clone()>
                <h3 class="tandem-card__title">{title.clone()}</h3>
                <dl class="tandem-card__fields">
                    {fields.into_iter().map(|f| field_view(f, env.locale)).collect_view()}
                </dl>
            </section>
        }),
        Block::Actions { buttons } => EitherOf4::D(view! {
            <div class="tandem-block tandem-actions">
                {buttons.into_iter().map(|b| button_view(b, env)).collect_view()}
            </div>
        }),
    }
}

fn field_view(f: Field, locale: &'static str) -> impl IntoView {
    let value = match f.value {
        Value::Text { text } => text,
        Value::Money { money } => format::money(&money, locale),
        Value::Date { date } => format::date(&date, locale),
    };
    view! {
        <div class="tandem-card__row">
            <dt>{f.label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

fn button_view(b: Button, env: BlockEnv) -> impl IntoView {
    match b.action {
        Action::Link { url } if allowed_link(&url) => EitherOf4::A(view! {
            <a class="tandem-button tandem-button--link" href=url target="_blank" rel="noopener noreferrer">
                {b.label} <span class="tandem-visually-hidden">{env.strings.opens_new_tab}</span>
            </a>
        }),
        // A link that is not allowed is shown as plain text, not followed.
        Action::Link { .. } => EitherOf4::B(view! { <span class="tandem-button tandem-button--disabled">{b.label}</span> }),
        Action::Handoff => EitherOf4::C(view! {
            <button type="button" class="tandem-button" on:click=move |_| env.on_handoff.run(())>{b.label}</button>
        }),
        Action::Reply { text } => EitherOf4::D(view! {
            <button type="button" class="tandem-button" on:click=move |_| env.on_reply.run(text.clone())>{b.label}</button>
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_links_are_followed() {
        assert!(allowed_link("https://fjordpay.example/pay"));
        assert!(!allowed_link("javascript:alert(1)"));
        assert!(!allowed_link("http://insecure.example"));
        assert!(!allowed_link("data:text/html,<script>"));
    }
}
