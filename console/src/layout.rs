//! The logged-in layout: the header (sections, presence, capacity, logout), each section's page,
//! and the status region.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::Presence;

use crate::agents_admin::AgentsAdmin;
use crate::api;
use crate::app::{Connection, Ctl, Section};
use crate::conversation::{ConversationView, DetailsView, Tabs};
use crate::floor::FloorView;
use crate::history::HistoryView;
use crate::queue::QueuePanel;

/// Goes online or offline, or changes capacity.
fn set_presence(ctl: Ctl, online: bool, capacity: Option<u32>) {
    spawn_local(async move {
        match api::set_presence(&Presence { online, capacity }).await {
            Ok(p) => {
                ctl.say(if p.online {
                    format!("You are online and take up to {} conversations.", p.capacity)
                } else {
                    "You are offline and receive no new conversations.".to_string()
                });
                ctl.profile.set(Some(p));
            }
            Err(e) => ctl.fail(&e),
        }
    });
}

fn logout(ctl: Ctl) {
    spawn_local(async move {
        match api::logout().await {
            Ok(()) => ctl.signed_out("You are logged out."),
            Err(e) if e.is_auth() => ctl.signed_out("You are logged out."),
            Err(e) => ctl.fail(&e),
        }
    });
}

/// The logged-in layout: header, queue, tabs, conversation and details.
#[component]
pub fn Workspace() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    move || match ctl.section.get() {
        Section::Desk => view! {
            <div class="console">
                <Header/>
                <QueuePanel/>
                <Tabs/>
                <main class="console-main" aria-label="Conversation">
                    <StatusRegion/>
                    <ConversationView/>
                </main>
                <Show when=move || ctl.selected.get().is_some()>
                    <DetailsView/>
                </Show>
            </div>
        }
        .into_any(),
        Section::Floor => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="Floor">
                    <StatusRegion/>
                    <FloorView/>
                </main>
            </div>
        }
        .into_any(),
        Section::History => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="History">
                    <StatusRegion/>
                    <HistoryView/>
                </main>
            </div>
        }
        .into_any(),
        Section::Agents => view! {
            <div class="console console--wide">
                <Header/>
                <main class="console-main" aria-label="Agents">
                    <StatusRegion/>
                    <AgentsAdmin/>
                </main>
            </div>
        }
        .into_any(),
    }
}

/// The header's links between sections; the floor only for supervisors and admins, agents only
/// for admins.
#[component]
fn Nav() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let supervisor = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.role == "supervisor" || p.role == "admin"));
    let admin = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.role == "admin"));
    // An admin whose role is taken away while on the agents page goes back to the desk.
    Effect::new(move |_| {
        if ctl.section.get() == Section::Agents && !admin() {
            ctl.section.set(Section::Desk);
        }
    });
    let link = move |section: Section, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" class="console-nav__link" data-testid=testid
                aria-current=move || (ctl.section.get() == section).then_some("page")
                on:click=move |_| ctl.section.set(section)>
                {label}
            </button>
        }
    };
    view! {
        <nav class="console-nav" aria-label="Sections">
            {link(Section::Desk, "Desk", "nav-desk")}
            {move || supervisor().then(|| link(Section::Floor, "Floor", "nav-floor"))}
            {link(Section::History, "History", "nav-history")}
            {move || admin().then(|| link(Section::Agents, "Agents", "nav-agents"))}
        </nav>
    }
}

/// Name, presence switch, capacity and logout.
#[component]
fn Header() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let online = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.online));
    let capacity = move || ctl.profile.with(|p| p.as_ref().map_or(1, |p| p.capacity));
    let name = move || ctl.profile.with(|p| p.as_ref().map(|p| p.display_name.clone()).unwrap_or_default());
    view! {
        <header class="console-header">
            <h1 class="console-title">"Tandem console"</h1>
            <Nav/>
            <p class="console-header__agent" data-testid="agent-status">
                <span>{name}</span>
                {move || {
                    let languages = ctl.profile.with(|p| p.as_ref().map(|p| p.languages.join(", ")).unwrap_or_default());
                    (!languages.is_empty()).then(|| view! { <span class="console-muted" data-testid="agent-languages">{languages}</span> })
                }}
                <span class="console-presence" class:console-presence--online=online>
                    {move || if online() { "Online" } else { "Offline" }}
                </span>
            </p>
            <button type="button" class="console-button console-switch" data-testid="presence-toggle"
                aria-pressed=move || online().to_string()
                on:click=move |_| set_presence(ctl, !online(), None)>
                <span class="console-switch__track" aria-hidden="true"><span class="console-switch__thumb"></span></span>
                "Online"
            </button>
            <label class="console-header__capacity">
                "Capacity "
                <select data-testid="capacity"
                    on:change:target=move |ev| {
                        if let Ok(n) = ev.target().value().parse::<u32>() {
                            set_presence(ctl, online(), Some(n));
                        }
                    }>
                    {(1..=10u32)
                        .map(|n| view! { <option value=n.to_string() prop:selected=move || capacity() == n>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <button type="button" class="console-button" data-testid="logout" on:click=move |_| logout(ctl)>
                "Log out"
            </button>
        </header>
    }
}

/// Notices and connection health, announced politely.
#[component]
pub fn StatusRegion() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    view! {
        <div class="console-status" role="status" data-testid="console-status">
            {move || (ctl.connection.get() == Connection::Reconnecting).then(|| view! {
                <p class="console-status__warning">"Live updates are interrupted. Reconnecting…"</p>
            })}
            {move || ctl.notice.get().map(|n| view! {
                <p class="console-status__notice" class:console-status__notice--error=n.error>
                    <span>{n.text}</span>
                    <button type="button" class="console-button console-button--small" on:click=move |_| ctl.notice.set(None)>
                        "Dismiss"
                    </button>
                </p>
            })}
        </div>
    }
}
