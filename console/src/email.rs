//! Whether replies reach the shopper by email: the server says whether email is configured
//! (`GET /v1/agent/settings`), and the conversation's details say whether the shopper left an
//! address. Shown above the summary, so the agent knows before writing.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::AgentSettings;

use crate::api;
use crate::app::Ctl;

/// "Your replies are emailed to …" or "Email is off …", for a conversation whose shopper left an
/// address; nothing otherwise.
#[component]
pub fn EmailNotice() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let email_on = RwSignal::new(None::<bool>);
    spawn_local(async move {
        if let Ok(s) = api::get::<AgentSettings>("/v1/agent/settings").await {
            email_on.set(Some(s.email));
        }
    });
    move || {
        let contact = ctl.selected.get().and_then(|id| ctl.thread(&id)).and_then(|t| t.details.get()).and_then(|d| d.contact)?;
        let text = if email_on.get()? {
            format!("Your replies are emailed to {contact}, with a link back to this conversation.")
        } else {
            "Email is off on this server: this reply will not be emailed. The shopper sees it only if they come back to the chat.".to_string()
        };
        Some(view! { <p class="console-muted" data-testid="email-notice">{text}</p> })
    }
}
