//! The reply box: a reply to the shopper, or an internal note for agents only (a switch above the
//! box; a note is styled apart and never announced to the shopper as typing).

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::MAX_MESSAGE_CHARS;

use super::{send, stop_typing, typed, Compose, Thread};
use crate::api;
use crate::app::Ctl;

/// Stores an internal note.
fn write_note(ctl: Ctl, t: Thread, text: String) {
    spawn_local(async move {
        match api::add_note(&t.id(), &text).await {
            Ok(note) => {
                t.add_note(note);
                ctl.say("Internal note added. Only agents see it.");
            }
            Err(e) => {
                // Nothing is lost: the text goes back into the box.
                t.draft.set(text);
                ctl.fail(&e);
            }
        }
    });
}

/// The reply box: Enter sends, Shift+Enter adds a line; typing is announced to the shopper.
#[component]
pub fn Reply(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let input = NodeRef::<Textarea>::new();
    let picker = crate::canned::Picker::new(t, input);
    let count = Memo::new(move |_| t.draft.with(|d| d.trim().chars().count()));
    let note = move || t.compose.get() == Compose::Note;
    let can_send = move || t.held() && count.get() > 0 && count.get() <= MAX_MESSAGE_CHARS;
    let submit = move || {
        if !can_send() {
            return;
        }
        let text = t.draft.get_untracked().trim().to_string();
        t.draft.set(String::new());
        if t.compose.get_untracked() == Compose::Note {
            write_note(ctl, t, text);
        } else {
            send(ctl, t, text);
        }
    };
    let switch = move |mode: Compose| {
        if mode == Compose::Note {
            stop_typing(t);
        }
        t.compose.set(mode);
    };
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            if ctl.focus_reply.get_value() {
                ctl.focus_reply.set_value(false);
                let _ = el.focus();
            }
        }
    });
    view! {
        <form class="console-reply" class:console-reply--note=note on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <div class="console-reply__modes" role="group" aria-label="Write">
                <button type="button" class="console-button console-button--small" data-testid="mode-reply"
                    aria-pressed=move || (!note()).to_string() on:click=move |_| switch(Compose::Reply)>
                    "Reply"
                </button>
                <button type="button" class="console-button console-button--small" data-testid="mode-note"
                    aria-pressed=move || note().to_string() on:click=move |_| switch(Compose::Note)>
                    "Internal note"
                </button>
            </div>
            <label class="console-reply__label" for="console-reply-input">
                {move || match (t.held(), note()) {
                    (false, _) => "This conversation is closed",
                    (true, false) => "Reply to the shopper",
                    (true, true) => "Internal note (only agents see it)",
                }}
            </label>
            <textarea id="console-reply-input" class="console-reply__input" data-testid="reply" rows="3"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-describedby="console-reply-hint"
                aria-autocomplete="list"
                aria-controls=move || picker.controls()
                aria-activedescendant=move || picker.active_id()
                disabled=move || !t.held()
                node_ref=input
                prop:value=move || t.draft.get()
                on:input:target=move |ev| {
                    t.draft.set(ev.target().value());
                    picker.on_input();
                    if t.compose.get_untracked() == Compose::Reply {
                        typed(t);
                    }
                }
                on:keydown=move |ev| {
                    if picker.on_keydown(&ev) {
                        return;
                    }
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }></textarea>
            <crate::canned::CannedList picker=picker/>
            <p id="console-reply-hint" class="console-reply__hint">"Enter sends, Shift+Enter adds a line, / at the start picks a canned reply."</p>
            <button type="submit" class="console-button console-button--primary" data-testid="send" disabled=move || !can_send()>
                {move || if note() { "Add note" } else { "Send" }}
            </button>
        </form>
    }
}
