//! The assistant's suggested reply to the shopper's latest message: shown above the reply box
//! with its sources, inserted into the box for editing on request, never sent by itself.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::{Compose, Thread};
use crate::api;
use crate::format;

/// Asks for a new suggestion (after the shopper wrote, or when the conversation loads). A slower
/// answer to an older question never replaces a newer one.
pub fn refresh(t: Thread) {
    if !t.held_untracked() {
        return;
    }
    spawn_local(async move {
        let Ok(draft) = api::draft(&t.id()).await else { return };
        // Nothing to suggest for the latest message clears the old suggestion; a draft for an
        // older message than the one shown is a late answer and is dropped.
        let shown = t.suggestion.with_untracked(|s| s.as_ref().map(|d| d.for_seq));
        match (&draft, shown) {
            (Some(d), Some(seq)) if d.for_seq < seq => {}
            _ => t.suggestion.set(draft),
        }
    });
}

/// The suggestion panel.
#[component]
pub fn Suggestion(t: Thread) -> impl IntoView {
    let insert = move |_| {
        if let Some(d) = t.suggestion.get_untracked() {
            t.compose.set(Compose::Reply);
            t.draft.set(d.text);
            if let Some(el) = document().get_element_by_id("console-reply-input") {
                let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
    };
    move || {
        t.suggestion.get().filter(|_| t.held()).map(|d| {
            let sources = d.sources.join(", ");
            view! {
                <section class="console-suggestion" data-testid="suggestion" aria-labelledby="console-suggestion-title">
                    <h3 class="console-suggestion__title" id="console-suggestion-title">
                        "Suggested reply"
                        <span class="console-muted">" · "{format::topic(&d.topic)}</span>
                    </h3>
                    <p class="console-suggestion__text" data-testid="suggestion-text">{d.text.clone()}</p>
                    {(!sources.is_empty()).then(|| view! { <p class="console-muted">"Sources: "{sources}</p> })}
                    <div class="console-suggestion__actions">
                        <button type="button" class="console-button console-button--small" data-testid="insert-suggestion" on:click=insert>
                            "Insert for editing"
                        </button>
                        <button type="button" class="console-button console-button--small" on:click=move |_| t.suggestion.set(None)>
                            "Dismiss"
                        </button>
                    </div>
                </section>
            }
        })
    }
}
