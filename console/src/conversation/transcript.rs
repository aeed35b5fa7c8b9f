//! The transcript: messages and internal notes in time order, never rendered as HTML.

use leptos::html::Div;
use leptos::prelude::*;
use tandem_protocol::{Author, Block, Note, Value};

use super::{deliver, Delivery, Entry, Thread};
use crate::app::Ctl;
use crate::format;

/// One line of the transcript.
#[derive(Clone)]
enum Line {
    Message(Entry),
    Note(Note),
}

impl Line {
    fn key(&self) -> String {
        match self {
            Line::Message(e) => format!("m:{}", e.key),
            Line::Note(n) => format!("n:{}", n.id),
        }
    }
}

/// Messages and notes in time order; messages still being sent last.
fn lines(t: Thread) -> Vec<Line> {
    let mut out: Vec<(Option<String>, Line)> = t.entries.get().into_iter().map(|e| (e.created_at.clone(), Line::Message(e))).collect();
    for n in t.notes.get() {
        // After every stored message of the same instant or earlier, before later ones.
        let at = out.iter().position(|(time, _)| time.as_ref().is_none_or(|time| *time > n.created_at)).unwrap_or(out.len());
        out.insert(at, (Some(n.created_at.clone()), Line::Note(n)));
    }
    out.into_iter().map(|(_, l)| l).collect()
}

/// The transcript: a polite live region, scrolled to the newest message.
#[component]
pub fn Transcript(t: Thread) -> impl IntoView {
    let list = NodeRef::<Div>::new();
    Effect::new(move |_| {
        t.entries.track();
        t.notes.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        <div class="console-transcript" role="log" aria-live="polite" aria-label="Transcript" tabindex="0"
            data-testid="transcript" node_ref=list>
            <For each=move || lines(t) key=Line::key let:line>
                {match line {
                    Line::Message(entry) => view! { <MessageView entry=entry t=t/> }.into_any(),
                    Line::Note(note) => view! { <NoteView note=note/> }.into_any(),
                }}
            </For>
        </div>
    }
}

/// An internal note: marked as such, styled apart from anything the shopper sees.
#[component]
fn NoteView(note: Note) -> impl IntoView {
    let time = format::time_of_day(&note.created_at);
    let label = if note.kind == "transfer" { "Transfer note" } else { "Internal note" };
    view! {
        <article class="console-message console-message--note" data-testid="note" data-kind=note.kind.clone()>
            <p class="console-message__meta">
                <span class="console-badge console-badge--note">{label}</span>
                " "
                <span class="console-message__author">{note.author_name.clone()}</span>
                " "
                <time datetime=note.created_at.clone()>{time}</time>
                <span class="console-visually-hidden">" (not visible to the shopper)"</span>
            </p>
            <p class="console-block">{note.text.clone()}</p>
        </article>
    }
}

fn author_name(a: Author) -> &'static str {
    match a {
        Author::Shopper => "shopper",
        Author::Assistant => "assistant",
        Author::Agent => "agent",
        Author::System => "system",
    }
}

/// One message: author, time, blocks as text, and delivery for the agent's own.
#[component]
fn MessageView(entry: Entry, t: Thread) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let author = author_name(entry.author);
    let label = match entry.author {
        Author::Shopper => "Shopper".to_string(),
        Author::Assistant => "Assistant".to_string(),
        Author::Agent => entry.author_name.clone().map_or_else(|| "Agent".into(), |n| format!("{n} (agent)")),
        Author::System => "System".to_string(),
    };
    let time = entry.created_at.as_deref().map(format::time_of_day).unwrap_or_default();
    let delivery = entry.delivery.clone();
    let delivery_state = entry.delivery.clone();
    let key = entry.key.clone();
    let is_agent = entry.author == Author::Agent;
    view! {
        <article class=format!("console-message console-message--{author}") data-testid="message" data-author=author>
            <p class="console-message__meta">
                {entry.while_you_wait.then(|| view! { <span class="console-badge" data-testid="while-you-wait">"While you wait"</span>" " })}
                <span class="console-message__author">{label}</span>
                " "
                <time datetime=entry.created_at.clone().unwrap_or_default()>{time}</time>
            </p>
            <div class="console-message__body">{entry.blocks.into_iter().map(block_view).collect_view()}</div>
            {is_agent.then(|| view! {
                <p class="console-message__delivery" data-testid="delivery"
                    data-state=move || match delivery_state.get() {
                        Delivery::Sending => "sending",
                        Delivery::Sent => "sent",
                        Delivery::Failed { .. } => "failed",
                    }>
                    {move || match delivery.get() {
                        Delivery::Sending => view! { <span>"Sending…"</span> }.into_any(),
                        Delivery::Sent => view! { <span>"Sent"</span> }.into_any(),
                        Delivery::Failed { reason, .. } => {
                            let key = key.clone();
                            view! {
                                <span class="console-message__failed">"Not sent: "{reason}</span>
                                " "
                                <button type="button" class="console-button console-button--small" data-testid="retry"
                                    on:click=move |_| deliver(ctl, t, key.clone())>
                                    "Retry"
                                </button>
                            }
                            .into_any()
                        }
                    }}
                </p>
            })}
        </article>
    }
}

/// A message block as text (never HTML); action buttons are listed, not offered.
fn block_view(block: Block) -> AnyView {
    match block {
        Block::Paragraph { text } => view! { <p class="console-block">{text}</p> }.into_any(),
        Block::Bullets { items } => view! {
            <ul class="console-block">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::Card { title, fields } => view! {
            <div class="console-block console-card">
                <p class="console-card__title">{title}</p>
                <dl class="console-facts">
                    {fields.into_iter().map(|f| {
                        let value = match f.value {
                            Value::Text { text } => text,
                            Value::Money { money } => format::money(&money),
                            Value::Date { date } => format::date(&date),
                        };
                        view! { <div><dt>{f.label}</dt><dd>{value}</dd></div> }
                    }).collect_view()}
                </dl>
            </div>
        }
        .into_any(),
        Block::Actions { buttons } => {
            let labels = buttons.into_iter().map(|b| b.label).collect::<Vec<_>>().join(" · ");
            view! { <p class="console-block console-muted">"Buttons shown: "{labels}</p> }.into_any()
        }
    }
}

