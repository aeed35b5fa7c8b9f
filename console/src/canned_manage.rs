//! Managing canned replies: the list (the team's and the agent's own, in every language), adding a
//! personal one (or a team one, for supervisors and admins), and editing or deleting the ones the
//! agent may change. The server checks every rule; its refusals are shown as they come.

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{CannedEdit, CannedReply, CannedScope, NewCannedReply, CANNED_PLACEHOLDERS, MAX_CANNED_BODY_CHARS};

use crate::api;
use crate::app::Ctl;

/// The languages a canned reply may be written in (the server refuses any its pack lacks).
const LANGUAGES: [(&str, &str); 4] = [("en", "English"), ("sv", "Swedish"), ("de", "German"), ("ar", "Arabic")];

fn language(code: &str) -> String {
    LANGUAGES.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}

/// The form's fields.
#[derive(Clone, Copy)]
struct Form {
    /// The reply being edited; `None` while adding.
    editing: RwSignal<Option<String>>,
    scope: RwSignal<CannedScope>,
    locale: RwSignal<String>,
    shortcut: RwSignal<String>,
    title: RwSignal<String>,
    body: RwSignal<String>,
    error: RwSignal<Option<String>>,
}

impl Form {
    fn new() -> Self {
        Form {
            editing: RwSignal::new(None),
            scope: RwSignal::new(CannedScope::Personal),
            locale: RwSignal::new("en".into()),
            shortcut: RwSignal::new(String::new()),
            title: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            error: RwSignal::new(None),
        }
    }

    fn clear(&self) {
        self.editing.set(None);
        self.scope.set(CannedScope::Personal);
        self.shortcut.set(String::new());
        self.title.set(String::new());
        self.body.set(String::new());
        self.error.set(None);
    }

    fn fill(&self, c: &CannedReply) {
        self.editing.set(Some(c.id.clone()));
        self.scope.set(c.scope);
        self.locale.set(c.locale.clone());
        self.shortcut.set(c.shortcut.clone());
        self.title.set(c.title.clone());
        self.body.set(c.body.clone());
        self.error.set(None);
    }
}

/// The canned replies page.
#[component]
pub fn CannedManager() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let items = RwSignal::new(None::<Vec<CannedReply>>);
    let form = Form::new();
    let first_field = NodeRef::<Input>::new();
    let load = move || {
        spawn_local(async move {
            match api::canned_all().await {
                Ok(list) => items.set(Some(list)),
                Err(e) => ctl.fail(&e),
            }
        })
    };
    load();
    let supervisor = move || ctl.profile.with(|p| p.as_ref().is_some_and(|p| p.role == "supervisor" || p.role == "admin"));
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (locale, shortcut, title, body) = (form.locale.get_untracked(), form.shortcut.get_untracked(), form.title.get_untracked(), form.body.get_untracked());
        let (editing, scope) = (form.editing.get_untracked(), form.scope.get_untracked());
        spawn_local(async move {
            let result = match editing {
                Some(id) => api::canned_edit(&id, &CannedEdit { locale, shortcut, title, body }).await,
                None => api::canned_create(&NewCannedReply { scope, locale, shortcut, title, body }).await,
            };
            match result {
                Ok(c) => {
                    ctl.say(format!("Saved the canned reply “{}” (/{}).", c.title, c.shortcut));
                    form.clear();
                    load();
                }
                Err(e) if e.is_auth() => ctl.fail(&e),
                Err(e) => form.error.set(Some(api::explain(&e))),
            }
        });
    };
    let edit = move |c: CannedReply| {
        form.fill(&c);
        if let Some(el) = first_field.get_untracked() {
            let _ = el.focus();
        }
    };
    let delete = move |c: CannedReply| {
        spawn_local(async move {
            match api::canned_delete(&c.id).await {
                Ok(()) => {
                    ctl.say(format!("Deleted the canned reply “{}”.", c.title));
                    if form.editing.get_untracked().as_deref() == Some(c.id.as_str()) {
                        form.clear();
                    }
                    load();
                }
                Err(e) => ctl.fail(&e),
            }
        })
    };
    let placeholders = CANNED_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
    view! {
        <section class="console-section" aria-labelledby="canned-title" data-testid="canned-manager">
            <h2 class="console-section__title" id="canned-title">"Canned replies"</h2>
            <p class="console-muted">"In a conversation, type / and a shortcut at the start of the reply box to insert one."</p>
            {move || match items.get() {
                None => view! { <p class="console-muted">"Loading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="console-muted">"No canned replies yet."</p> }.into_any(),
                Some(list) => view! {
                    <table class="console-table" data-testid="canned-table">
                        <caption class="console-visually-hidden">"Canned replies you can use"</caption>
                        <thead><tr>
                            <th scope="col">"Shortcut"</th><th scope="col">"Title"</th><th scope="col">"Language"</th>
                            <th scope="col">"Whose"</th><th scope="col">"Text"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|c| {
                                let (for_edit, for_delete) = (c.clone(), c.clone());
                                let label = format!("/{}", c.shortcut);
                                view! {
                                    <tr data-testid="canned-row" data-shortcut=c.shortcut.clone()>
                                        <td>{label.clone()}</td>
                                        <td>{c.title.clone()}</td>
                                        <td>{language(&c.locale)}</td>
                                        <td>{if c.scope == CannedScope::Team { "Team" } else { "Mine" }}</td>
                                        <td class="console-table__text">{c.body.clone()}</td>
                                        <td>
                                            {c.editable.then(|| view! {
                                                <button type="button" class="console-button console-button--small"
                                                    aria-label=format!("Edit {label}") on:click=move |_| edit(for_edit.clone())>"Edit"</button>
                                                " "
                                                <button type="button" class="console-button console-button--small"
                                                    aria-label=format!("Delete {label}") on:click=move |_| delete(for_delete.clone())>"Delete"</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
            <form class="console-form" aria-labelledby="canned-form-title" on:submit=save data-testid="canned-form">
                <h3 class="console-form__title" id="canned-form-title">
                    {move || if form.editing.get().is_some() { "Edit the canned reply" } else { "Add a canned reply" }}
                </h3>
                <fieldset class="console-form__choices" disabled=move || form.editing.get().is_some()>
                    <legend>"Whose"</legend>
                    <label><input type="radio" name="canned-scope" value="personal"
                        prop:checked=move || form.scope.get() == CannedScope::Personal
                        on:change=move |_| form.scope.set(CannedScope::Personal)/>" Mine"</label>
                    <label><input type="radio" name="canned-scope" value="team" disabled=move || !supervisor()
                        prop:checked=move || form.scope.get() == CannedScope::Team
                        on:change=move |_| form.scope.set(CannedScope::Team)/>" The team's (supervisors and admins)"</label>
                </fieldset>
                <label class="console-form__field">"Language"
                    <select data-testid="canned-locale" on:change:target=move |ev| form.locale.set(ev.target().value())>
                        {LANGUAGES.into_iter().map(|(code, name)| view! {
                            <option value=code prop:selected=move || form.locale.get() == code>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="console-form__field">"Shortcut"
                    <input type="text" data-testid="canned-shortcut" required maxlength="32" aria-describedby="canned-shortcut-hint"
                        node_ref=first_field prop:value=move || form.shortcut.get()
                        on:input:target=move |ev| form.shortcut.set(ev.target().value())/>
                </label>
                <p class="console-form__hint" id="canned-shortcut-hint">"Lower-case letters, digits and -, e.g. next-payment."</p>
                <label class="console-form__field">"Title"
                    <input type="text" data-testid="canned-title" required maxlength="80"
                        prop:value=move || form.title.get() on:input:target=move |ev| form.title.set(ev.target().value())/>
                </label>
                <label class="console-form__field">"Text"
                    <textarea data-testid="canned-body" required rows="4" maxlength=MAX_CANNED_BODY_CHARS.to_string()
                        aria-describedby="canned-body-hint"
                        prop:value=move || form.body.get() on:input:target=move |ev| form.body.set(ev.target().value())></textarea>
                </label>
                <p class="console-form__hint" id="canned-body-hint">"Placeholders filled in for each conversation: "{placeholders}"."</p>
                {move || form.error.get().map(|e| view! { <p class="console-form__error" role="alert">{e}</p> })}
                <div class="console-form__actions">
                    <button type="submit" class="console-button console-button--primary" data-testid="canned-save">"Save"</button>
                    <Show when=move || form.editing.get().is_some()>
                        <button type="button" class="console-button" on:click=move |_| form.clear()>"Cancel editing"</button>
                    </Show>
                </div>
            </form>
        </section>
    }
}
