//! The canned-reply picker of the reply box: typing `/` and letters at the start of the box lists
//! the team's and the agent's own canned replies in the conversation's language (a listbox the
//! reply box points into with `aria-activedescendant`: arrow keys choose, Enter inserts, Escape
//! closes). Choosing one puts its text, filled for this conversation by the server, into the box
//! for the agent to edit; nothing is ever sent from here.

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{CannedReply, CannedScope, MAX_CANNED_SHORTCUT_CHARS};
use web_sys::KeyboardEvent;

use crate::api;
use crate::app::Ctl;
use crate::conversation::Thread;

/// The listbox's id (one reply box is on screen at a time).
const LISTBOX_ID: &str = "console-canned-list";

/// The search of a draft that is a `/` command: `/next` → `next`; `None` for any other draft.
pub fn command(draft: &str) -> Option<String> {
    let rest = draft.strip_prefix('/')?;
    (rest.chars().count() <= MAX_CANNED_SHORTCUT_CHARS && !rest.chars().any(char::is_whitespace)).then(|| rest.to_lowercase())
}

/// The replies whose shortcut or title contains `search`, those whose shortcut starts with it first.
pub fn matching(replies: &[CannedReply], search: &str) -> Vec<CannedReply> {
    let mut found: Vec<CannedReply> =
        replies.iter().filter(|c| c.shortcut.contains(search) || c.title.to_lowercase().contains(search)).cloned().collect();
    found.sort_by_key(|c| !c.shortcut.starts_with(search));
    found
}

/// The picker of one reply box. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Picker {
    ctl: Ctl,
    t: Thread,
    input: NodeRef<Textarea>,
    /// The canned replies in the conversation's language, once loaded.
    replies: RwSignal<Option<Vec<CannedReply>>>,
    requested: StoredValue<bool>,
    /// Closed with Escape (or by choosing) until the draft stops being a command.
    dismissed: RwSignal<bool>,
    /// The highlighted option's index in `matches`.
    active: RwSignal<usize>,
    matches: Memo<Vec<CannedReply>>,
    open: Memo<bool>,
}

impl Picker {
    /// A picker for the reply box `input` of conversation `t`.
    pub fn new(t: Thread, input: NodeRef<Textarea>) -> Self {
        let replies = RwSignal::new(None::<Vec<CannedReply>>);
        let dismissed = RwSignal::new(false);
        let matches = Memo::new(move |_| {
            let search = t.draft.with(|d| command(d));
            match (search, replies.get()) {
                (Some(s), Some(r)) => matching(&r, &s),
                _ => Vec::new(),
            }
        });
        let open = Memo::new(move |_| !dismissed.get() && t.draft.with(|d| command(d).is_some()));
        Picker {
            ctl: expect_context::<Ctl>(),
            t,
            input,
            replies,
            requested: StoredValue::new(false),
            dismissed,
            active: RwSignal::new(0),
            matches,
            open,
        }
    }

    /// The draft changed: opens the list for a new command (loading the replies once).
    pub fn on_input(&self) {
        let draft = self.t.draft.get_untracked();
        if command(&draft).is_none() || draft == "/" {
            self.dismissed.set(false);
        }
        self.active.set(0);
        if command(&draft).is_some() && !self.requested.get_value() {
            self.requested.set_value(true);
            let p = *self;
            spawn_local(async move {
                match api::canned_for(&p.t.id()).await {
                    Ok(list) => p.replies.set(Some(list)),
                    Err(e) => {
                        p.requested.set_value(false);
                        p.ctl.fail(&e);
                    }
                }
            });
        }
    }

    /// Handles the list's keys while it is open; true when the key was the picker's.
    pub fn on_keydown(&self, ev: &KeyboardEvent) -> bool {
        if !self.open.get_untracked() || ev.is_composing() {
            return false;
        }
        let n = self.matches.with_untracked(Vec::len);
        let handled = match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                self.active.update(|a| *a = (*a + 1) % n);
                true
            }
            "ArrowUp" if n > 0 => {
                self.active.update(|a| *a = (*a + n - 1) % n);
                true
            }
            "Enter" if !ev.shift_key() => {
                // An Enter in an open list never sends the command as a message.
                if let Some(c) = self.matches.with_untracked(|m| m.get(self.active.get_untracked()).cloned()) {
                    self.choose(c);
                }
                true
            }
            "Escape" => {
                self.dismissed.set(true);
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
        handled
    }

    /// The listbox's id while it shows options (for `aria-controls`).
    pub fn controls(&self) -> Option<&'static str> {
        (self.open.get() && !self.matches.with(Vec::is_empty)).then_some(LISTBOX_ID)
    }

    /// The highlighted option's element id (for `aria-activedescendant`).
    pub fn active_id(&self) -> Option<String> {
        if !self.open.get() {
            return None;
        }
        self.matches.with(|m| m.get(self.active.get()).map(|c| option_id(&c.id)))
    }

    /// Puts the reply, filled for this conversation, into the reply box (never sends it).
    fn choose(&self, c: CannedReply) {
        self.dismissed.set(true);
        let p = *self;
        spawn_local(async move {
            match api::canned_fill(&p.t.id(), &c.id).await {
                Ok(filled) => {
                    let end = filled.text.encode_utf16().count() as u32;
                    p.t.draft.set(filled.text);
                    if let Some(el) = p.input.get_untracked() {
                        el.set_value(&p.t.draft.get_untracked());
                        let _ = el.focus();
                        let _ = el.set_selection_range(end, end);
                    }
                    let missing: Vec<String> = filled.missing.iter().map(|m| m.replace('_', " ")).collect();
                    p.ctl.say(if missing.is_empty() {
                        format!("Inserted “{}”. Check it, then send.", c.title)
                    } else {
                        format!("Inserted “{}”. Fill in what is in brackets: {}.", c.title, missing.join(", "))
                    });
                }
                Err(e) => p.ctl.fail(&e),
            }
        });
    }

    /// What the status region says about the list.
    fn announcement(&self) -> String {
        if !self.open.get() {
            return String::new();
        }
        match self.replies.with(Option::is_some) {
            false => "Loading canned replies…".into(),
            true => match self.matches.with(Vec::len) {
                0 => "No canned reply matches. Escape closes the list.".into(),
                1 => "1 canned reply. Enter inserts it, Escape closes the list.".into(),
                n => format!("{n} canned replies. Up and down arrows choose, Enter inserts, Escape closes the list."),
            },
        }
    }
}

fn option_id(canned_id: &str) -> String {
    format!("console-canned-{canned_id}")
}

/// The picker's list, shown under the reply box while a `/` command is typed.
#[component]
pub fn CannedList(picker: Picker) -> impl IntoView {
    // Keep the highlighted option in view.
    Effect::new(move |_| {
        if let Some(id) = picker.active_id() {
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
                el.scroll_into_view_with_bool(false);
            }
        }
    });
    view! {
        <Show when=move || picker.open.get()>
            <div class="console-canned" data-testid="canned-picker">
                {move || match (picker.replies.with(Option::is_some), picker.matches.with(Vec::is_empty)) {
                    (false, _) => view! { <p class="console-muted">"Loading canned replies…"</p> }.into_any(),
                    (true, true) => view! { <p class="console-muted">"No canned reply matches. Escape closes the list."</p> }.into_any(),
                    (true, false) => view! {
                        <ul class="console-canned__list" id=LISTBOX_ID role="listbox" aria-label="Canned replies">
                            <For each=move || picker.matches.get() key=|c| c.id.clone() let:c>
                                <CannedOption picker=picker c=c/>
                            </For>
                        </ul>
                    }
                    .into_any(),
                }}
            </div>
        </Show>
        <p class="console-visually-hidden" role="status" data-testid="canned-status">{move || picker.announcement()}</p>
    }
}

#[component]
fn CannedOption(picker: Picker, c: CannedReply) -> impl IntoView {
    let id = option_id(&c.id);
    let selected = {
        let id = id.clone();
        move || picker.active_id().as_deref() == Some(id.as_str())
    };
    let scope = match c.scope {
        CannedScope::Team => "Team",
        CannedScope::Personal => "Mine",
    };
    let chosen = c.clone();
    view! {
        <li id=id class="console-canned__option" class:console-canned__option--active=selected.clone() role="option"
            aria-selected=move || selected().to_string() data-testid="canned-option" data-shortcut=c.shortcut.clone()
            // The reply box keeps the focus: the list is operated from it.
            on:mousedown=|ev| ev.prevent_default()
            on:click=move |_| picker.choose(chosen.clone())>
            <span class="console-canned__shortcut">"/"{c.shortcut.clone()}</span>
            " "
            <span class="console-canned__title">{c.title.clone()}</span>
            " "
            <span class="console-canned__scope">{scope}</span>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(shortcut: &str, title: &str) -> CannedReply {
        CannedReply {
            id: shortcut.into(),
            scope: CannedScope::Team,
            locale: "en".into(),
            shortcut: shortcut.into(),
            title: title.into(),
            body: String::new(),
            editable: false,
            updated_at: String::new(),
        }
    }

    #[test]
    fn only_a_slash_and_a_word_at_the_start_is_a_command() {
        assert_eq!(command("/Next"), Some("next".into()));
        assert_eq!(command("/"), Some(String::new()));
        assert_eq!(command("/next payment"), None);
        assert_eq!(command("hi /next"), None);
        assert_eq!(command(""), None);
    }

    #[test]
    fn shortcuts_starting_with_the_search_come_first_then_titles_and_shortcuts_containing_it() {
        let all = [reply("anything-else", "Anything else?"), reply("greeting", "Greeting"), reply("next-payment", "Next payment")];
        let ids = |v: Vec<CannedReply>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(matching(&all, "n")), ["next-payment", "anything-else", "greeting"]);
        assert_eq!(ids(matching(&all, "pay")), ["next-payment"]);
        assert!(matching(&all, "zzz").is_empty());
    }
}
