//! Managing agents (admins only): the list of agents with their role, languages, state and load;
//! changing an agent's role and languages; disabling (after a confirmation: it ends their sessions
//! and puts their conversations back in the queue) and enabling them; adding an agent. The server
//! checks every rule (`/v1/admin/agents`); its refusals are shown in its words.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{AddAgent, AgentListing};
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::app::Ctl;

/// The roles, lowest first, with their labels.
const ROLES: [(&str, &str); 3] = [("agent", "Agent"), ("supervisor", "Supervisor"), ("admin", "Admin")];

fn role_label(role: &str) -> &'static str {
    ROLES.iter().find(|(r, _)| *r == role).map_or("Agent", |(_, l)| l)
}

/// `en, sv` → `["en", "sv"]` (the server checks each code).
fn parse_codes(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect()
}

/// The list, reloaded after every change; `focus` names the control to focus once it has rendered
/// again (the table is redrawn, so keyboard users would otherwise lose their place).
#[derive(Clone, Copy)]
struct Agents {
    ctl: Ctl,
    list: RwSignal<Option<Vec<AgentListing>>>,
    focus: StoredValue<Option<String>>,
}

impl Agents {
    fn load(self) {
        spawn_local(async move {
            match api::admin_agents().await {
                Ok(list) => {
                    self.list.set(Some(list));
                    if let Some(id) = self.focus.get_value() {
                        self.focus.set_value(None);
                        focus_after_render(id);
                    }
                }
                Err(e) => self.ctl.fail(&e),
            }
        });
    }

    /// Runs a change; on success says `done` and reloads (focusing `focus_id`), on failure shows
    /// the server's words and reloads so the table shows what is really stored.
    fn change(self, call: impl std::future::Future<Output = Result<(), ApiError>> + 'static, done: String, focus_id: String) {
        spawn_local(async move {
            match call.await {
                Ok(()) => self.ctl.say(done),
                Err(e) => self.ctl.fail(&e),
            }
            self.focus.set_value(Some(focus_id));
            self.load();
        });
    }
}

/// Focuses the element with this id once the change just made has been rendered.
fn focus_after_render(id: String) {
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(0).await;
        let el = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id));
        if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// The agents page.
#[component]
pub fn AgentsAdmin() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let agents = Agents { ctl, list: RwSignal::new(None), focus: StoredValue::new(None) };
    agents.load();
    let me = move || ctl.profile.with_untracked(|p| p.as_ref().map(|p| p.id.clone()).unwrap_or_default());
    view! {
        <section class="console-admin" aria-labelledby="agents-title" data-testid="agents-admin">
            <h2 class="console-section__title" id="agents-title">"Agents"</h2>
            {move || match agents.list.get() {
                None => view! { <p class="console-muted">"Loading…"</p> }.into_any(),
                Some(list) => view! {
                    <table class="console-table console-admin__table" data-testid="agents-table">
                        <caption class="console-visually-hidden">"Agents, their roles, languages and state"</caption>
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                            <th scope="col">"Languages"</th><th scope="col">"State"</th><th scope="col">"Load"</th>
                            <th scope="col">"Access"</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|a| { let own = a.id == me(); view! { <AgentRow agents=agents a=a own=own/> } }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
            <AddAgent agents/>
        </section>
    }
}

/// One agent's row with its controls.
#[component]
fn AgentRow(agents: Agents, a: AgentListing, own: bool) -> impl IntoView {
    let id = a.id.clone();
    let name = a.display_name.clone();
    let languages = RwSignal::new(a.languages.join(", "));
    let confirming = RwSignal::new(false);
    let (role_id, lang_id, access_id, confirm_id) =
        (format!("agent-role-{id}"), format!("agent-languages-{id}"), format!("agent-access-{id}"), format!("agent-confirm-{id}"));
    let set_role = {
        let (id, name, role_id) = (id.clone(), name.clone(), role_id.clone());
        move |role: String| {
            let done = format!("{name} is now {}.", role_label(&role).to_lowercase());
            let id = id.clone();
            agents.change(async move { api::admin_set_role(&id, &role).await }, done, role_id.clone());
        }
    };
    let save_languages = {
        let (id, name, lang_id) = (id.clone(), name.clone(), lang_id.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let codes = parse_codes(&languages.get_untracked());
            let done = if codes.is_empty() { format!("{name} has no languages listed.") } else { format!("{name} speaks {}.", codes.join(", ")) };
            let id = id.clone();
            agents.change(async move { api::admin_set_languages(&id, &codes).await }, done, lang_id.clone());
        }
    };
    let set_disabled = {
        let (id, name, access_id) = (id.clone(), name.clone(), access_id.clone());
        move |disabled: bool| {
            let done = if disabled {
                format!("{name} is disabled: their sessions ended and their conversations went back to the queue.")
            } else {
                format!("{name} is enabled and can log in again.")
            };
            let id = id.clone();
            agents.change(async move { api::admin_set_disabled(&id, disabled).await }, done, access_id.clone());
        }
    };
    let ask = {
        let confirm_id = confirm_id.clone();
        move |_: leptos::ev::MouseEvent| {
            confirming.set(true);
            focus_after_render(confirm_id.clone());
        }
    };
    let cancel = {
        let access_id = access_id.clone();
        move |_: leptos::ev::MouseEvent| {
            confirming.set(false);
            focus_after_render(access_id.clone());
        }
    };
    let state = if a.disabled { "Disabled" } else if a.online { "Online" } else { "Offline" };
    let state_class = if a.disabled { "console-admin__state console-admin__state--disabled" } else if a.online { "console-admin__state console-admin__state--online" } else { "console-admin__state" };
    let (disabled, current_role) = (a.disabled, a.role.clone());
    let set_disabled_confirm = set_disabled.clone();
    let (role_label_text, languages_label, save_label) = (format!("Role of {name}"), format!("Languages of {name}"), format!("Save languages of {name}"));
    view! {
        <tr data-testid="agent-row" data-email=a.email.clone()>
            <th scope="row">{a.display_name.clone()}{own.then(|| view! { <span class="console-muted">" (you)"</span> })}</th>
            <td class="console-table__text">{a.email.clone()}</td>
            <td>
                <select id=role_id data-testid="agent-role" aria-label=role_label_text disabled=own
                    on:change:target=move |ev| set_role(ev.target().value())>
                    {ROLES.into_iter().map(|(value, label)| view! {
                        <option value=value selected={current_role == value}>{label}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>
                <form class="console-admin__languages" on:submit=save_languages>
                    <input type="text" id=lang_id data-testid="agent-languages" size="10" aria-label=languages_label
                        aria-describedby="agents-languages-hint" autocomplete="off"
                        prop:value=move || languages.get() on:input:target=move |ev| languages.set(ev.target().value())/>
                    <button type="submit" class="console-button console-button--small" data-testid="agent-languages-save"
                        aria-label=save_label>"Save"</button>
                </form>
            </td>
            <td><span class=state_class data-testid="agent-state">{state}</span></td>
            <td data-testid="agent-load">{format!("{} of {}", a.load, a.capacity)}</td>
            <td>
                {move || {
                    if own {
                        view! { <span class="console-muted">"—"</span> }.into_any()
                    } else if disabled {
                        let enable = set_disabled.clone();
                        view! {
                            <button type="button" id=access_id.clone() class="console-button console-button--small" data-testid="agent-enable"
                                aria-label=format!("Enable {name}") on:click=move |_| enable(false)>"Enable"</button>
                        }.into_any()
                    } else if confirming.get() {
                        let confirm = set_disabled_confirm.clone();
                        view! {
                            <div class="console-admin__confirm" role="group" aria-label=format!("Disable {name}?")>
                                <p>"Disable "{name.clone()}"? Their sessions end and their conversations go back to the queue."</p>
                                <button type="button" id=confirm_id.clone() class="console-button console-button--small console-button--danger"
                                    data-testid="agent-disable-confirm" on:click=move |_| confirm(true)>"Disable"</button>
                                <button type="button" class="console-button console-button--small" data-testid="agent-disable-cancel"
                                    on:click=cancel.clone()>"Cancel"</button>
                            </div>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" id=access_id.clone() class="console-button console-button--small" data-testid="agent-disable"
                                aria-label=format!("Disable {name}") on:click=ask.clone()>"Disable…"</button>
                        }.into_any()
                    }
                }}
            </td>
        </tr>
    }
}

/// The form that adds an agent.
#[component]
fn AddAgent(agents: Agents) -> impl IntoView {
    let (email, name, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (capacity, role, languages) = (RwSignal::new("3".to_string()), RwSignal::new("agent".to_string()), RwSignal::new("en".to_string()));
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(cap) = capacity.get_untracked().trim().parse::<u32>() else {
            error.set(Some("Capacity must be a whole number from 1 to 10.".into()));
            return;
        };
        let agent = AddAgent {
            email: email.get_untracked().trim().to_string(),
            display_name: name.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            capacity: cap,
            role: role.get_untracked(),
            languages: parse_codes(&languages.get_untracked()),
        };
        spawn_local(async move {
            match api::admin_add_agent(&agent).await {
                Ok(()) => {
                    agents.ctl.say(format!("Added {} ({}). Give them their password in person.", agent.display_name, agent.email));
                    error.set(None);
                    for s in [email, name, password] {
                        s.set(String::new());
                    }
                    agents.load();
                }
                Err(e) if e.is_auth() => agents.ctl.fail(&e),
                Err(e) => error.set(Some(api::explain(&e))),
            }
        });
    };
    let field = move |label: &'static str, kind: &'static str, testid: &'static str, value: RwSignal<String>, auto: &'static str| {
        view! {
            <label class="console-form__field">{label}
                <input type=kind data-testid=testid required autocomplete=auto
                    prop:value=move || value.get() on:input:target=move |ev| value.set(ev.target().value())/>
            </label>
        }
    };
    view! {
        <form class="console-form" aria-labelledby="agent-add-title" on:submit=submit data-testid="agent-add">
            <h3 class="console-form__title" id="agent-add-title">"Add an agent"</h3>
            {field("Email", "email", "agent-add-email", email, "off")}
            {field("Display name", "text", "agent-add-name", name, "off")}
            {field("Initial password", "password", "agent-add-password", password, "new-password")}
            <p class="console-form__hint">"At least 10 characters; share it with them in person. They can log in at once."</p>
            <label class="console-form__field">"Capacity"
                <input type="number" min="1" max="10" data-testid="agent-add-capacity" required
                    prop:value=move || capacity.get() on:input:target=move |ev| capacity.set(ev.target().value())/>
            </label>
            <label class="console-form__field">"Role"
                <select data-testid="agent-add-role" on:change:target=move |ev| role.set(ev.target().value())>
                    {ROLES.into_iter().map(|(value, label)| view! {
                        <option value=value prop:selected=move || role.get() == value>{label}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="console-form__field">"Languages"
                <input type="text" data-testid="agent-add-languages" aria-describedby="agents-languages-hint" autocomplete="off"
                    prop:value=move || languages.get() on:input:target=move |ev| languages.set(ev.target().value())/>
            </label>
            <p class="console-form__hint" id="agents-languages-hint">"Language codes separated by commas, e.g. en, sv."</p>
            {move || error.get().map(|e| view! { <p class="console-form__error" role="alert" data-testid="agent-add-error">{e}</p> })}
            <div class="console-form__actions">
                <button type="submit" class="console-button console-button--primary" data-testid="agent-add-save">"Add agent"</button>
            </div>
        </form>
    }
}
