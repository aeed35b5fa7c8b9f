//! Passing a conversation on: to an online colleague with free capacity, or back to the queue,
//! with a note the colleague reads first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::Colleague;

use super::{stop_typing, Thread};
use crate::api;
use crate::app::Ctl;

/// The value of the "back to the queue" choice.
const QUEUE: &str = "queue";

/// The transfer form, shown while `t.transferring` is set.
#[component]
pub fn TransferForm(t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let colleagues = RwSignal::new(None::<Vec<Colleague>>);
    let to = RwSignal::new(QUEUE.to_string());
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match api::colleagues().await {
            Ok(list) => colleagues.set(Some(list)),
            Err(e) => ctl.fail(&e),
        }
    });
    let submit = move || {
        let text = note.get_untracked().trim().to_string();
        if text.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        stop_typing(t);
        let target = Some(to.get_untracked()).filter(|v| v != QUEUE);
        let name = colleagues.with_untracked(|cs| {
            cs.as_ref().and_then(|cs| cs.iter().find(|c| Some(&c.id) == target.as_ref()).map(|c| c.display_name.clone()))
        });
        spawn_local(async move {
            let id = t.id();
            match api::transfer(&id, target, &text).await {
                Ok(_) => {
                    ctl.say(match name {
                        Some(n) => format!("Conversation passed to {n}, with your note."),
                        None => "Conversation passed back to the queue, at the front, with your note.".to_string(),
                    });
                    ctl.close(&id);
                }
                Err(e) => {
                    busy.set(false);
                    ctl.fail(&e);
                }
            }
        });
    };
    view! {
        <form class="console-transfer" data-testid="transfer-form" aria-labelledby="console-transfer-title"
            on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h3 class="console-transfer__title" id="console-transfer-title">"Transfer this conversation"</h3>
            <label for="console-transfer-to">"To"</label>
            <select id="console-transfer-to" data-testid="transfer-to" on:change:target=move |ev| to.set(ev.target().value())>
                <option value=QUEUE>"Back to the queue (front)"</option>
                {move || colleagues.get().unwrap_or_default().into_iter().map(|c| {
                    let full = c.active >= c.capacity;
                    let label = format!(
                        "{} · {} · {}/{}{}",
                        c.display_name,
                        if c.languages.is_empty() { "no languages listed".to_string() } else { c.languages.join(", ") },
                        c.active,
                        c.capacity,
                        if full { " (full)" } else { "" }
                    );
                    view! { <option value=c.id disabled=full>{label}</option> }
                }).collect_view()}
            </select>
            <label for="console-transfer-note">"Why (your colleague reads this first; the shopper does not)"</label>
            <textarea id="console-transfer-note" data-testid="transfer-note" rows="2" required=true
                prop:value=move || note.get() on:input:target=move |ev| note.set(ev.target().value())></textarea>
            <div class="console-transfer__actions">
                <button type="submit" class="console-button console-button--primary" data-testid="transfer-submit"
                    disabled=move || busy.get() || note.with(|n| n.trim().is_empty())>
                    "Transfer"
                </button>
                <button type="button" class="console-button" on:click=move |_| t.transferring.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}
