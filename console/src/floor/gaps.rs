//! Content gaps: the questions the assistant did not understand, unlabelled first. A supervisor
//! picks the topic each should have had and labels it; the labelled ones download as training
//! phrases in the pack's format (the Export link).

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{ContentGap, GapList};

use super::FloorData;
use crate::api;
use crate::app::Ctl;
use crate::format;

/// Gaps shown at first, and how many more each "Show more" adds.
const PAGE: u32 = 50;

/// The list as last read, and how many rows are asked for.
#[derive(Clone, Copy)]
struct Gaps {
    list: RwSignal<Option<GapList>>,
    limit: RwSignal<u32>,
}

/// Reads the list again.
fn reload(ctl: Ctl, gaps: Gaps) {
    spawn_local(async move {
        match api::gaps(gaps.limit.get_untracked()).await {
            Ok(list) => gaps.list.set(Some(list)),
            Err(e) => ctl.fail(&e),
        }
    });
}

/// The content-gaps panel; reread whenever the floor is.
#[component]
pub fn GapsPanel() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let data = expect_context::<FloorData>();
    let gaps = Gaps { list: RwSignal::new(None), limit: RwSignal::new(PAGE) };
    provide_context(gaps);
    Effect::new(move |_| {
        data.tick.track();
        reload(ctl, gaps);
    });
    let counts = move || {
        gaps.list.with(|l| match l {
            Some(l) => format!("{} to label, {} in all.", l.unlabelled, l.total),
            None => "Loading…".into(),
        })
    };
    let rows = move || gaps.list.with(|l| l.as_ref().map(|l| l.gaps.clone()).unwrap_or_default());
    let more = move || gaps.list.with(|l| l.as_ref().is_some_and(|l| (l.gaps.len() as u32) < l.total));
    view! {
        <section class="console-floor__section" aria-labelledby="floor-gaps-title" data-testid="floor-gaps">
            <div class="console-floor__head">
                <h2 class="console-floor__title" id="floor-gaps-title">"Questions the assistant did not understand"</h2>
                <a class="console-button console-button--small" href=api::GAPS_EXPORT download="tandem-gaps-training.txt" data-testid="gaps-export">
                    "Export labelled phrases"
                </a>
            </div>
            <p class="console-muted">
                <span data-testid="gaps-counts">{counts}</span>
                " Give each the topic it should have had; the export lists the labelled ones as training phrases for the pack, per language."
            </p>
            <Show when=move || gaps.list.with(|l| l.as_ref().is_some_and(|l| l.gaps.is_empty()))>
                <p class="console-muted" data-testid="gaps-none">"None so far."</p>
            </Show>
            <Show when=move || !rows().is_empty()>
                <table class="console-table console-gaps" data-testid="gaps">
                    <caption class="console-visually-hidden">"Questions the assistant did not understand, unlabelled first"</caption>
                    <thead><tr><th scope="col">"Question"</th><th scope="col">"Language"</th><th scope="col">"Asked"</th><th scope="col">"Topic"</th></tr></thead>
                    <tbody>
                        <For each=rows key=|g| (g.id.clone(), g.label.clone()) let:gap>
                            <GapRow gap=gap/>
                        </For>
                    </tbody>
                </table>
            </Show>
            <Show when=more>
                <button type="button" class="console-button console-button--small" data-testid="gaps-more"
                    on:click=move |_| { gaps.limit.update(|n| *n += PAGE); reload(ctl, gaps); }>
                    "Show more"
                </button>
            </Show>
        </section>
    }
}

/// One question with its topic picker.
#[component]
fn GapRow(gap: ContentGap) -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let gaps = expect_context::<Gaps>();
    let topics = move || gaps.list.with(|l| l.as_ref().map(|l| l.topics.clone()).unwrap_or_default());
    let chosen = RwSignal::new(gap.label.clone().unwrap_or_default());
    let problem = RwSignal::new(None::<String>);
    let id = gap.id.clone();
    let label = move |_| {
        let topic = chosen.get_untracked();
        if topic.is_empty() {
            problem.set(Some("Choose a topic first.".into()));
            return;
        }
        let id = id.clone();
        spawn_local(async move {
            match api::label_gap(&id, &topic).await {
                Ok(()) => {
                    ctl.say(format!("Labelled as {}.", format::topic(&topic)));
                    reload(ctl, gaps);
                }
                Err(e) => ctl.fail(&e),
            }
        });
    };
    let select_id = format!("gap-topic-{}", gap.id);
    let question = gap.text.clone();
    let labelled = gap.label.clone().map(|l| {
        let by = gap.labelled_by.clone().unwrap_or_default();
        let at = gap.labelled_at.as_deref().map(format::time_of_day).unwrap_or_default();
        format!("Labelled {} by {by} at {at}.", format::topic(&l))
    });
    view! {
        <tr class="console-gap" class:console-gap--labelled=gap.label.is_some() data-testid="gap" data-gap-id=gap.id.clone()
            data-labelled={gap.label.is_some().to_string()}>
            <td class="console-gap__text">"“"{gap.text.clone()}"”"</td>
            <td>{gap.locale.clone()}</td>
            <td>{format::time_of_day(&gap.created_at)}</td>
            <td><div class="console-gap__topic">
                <label class="console-visually-hidden" for=select_id.clone()>{format!("Topic for “{question}”")}</label>
                <select id=select_id data-testid="gap-topic"
                    on:change:target=move |ev| { chosen.set(ev.target().value()); problem.set(None); }>
                    <option value="" selected=chosen.get_untracked().is_empty()>"Choose a topic"</option>
                    {move || topics().into_iter().map(|t| {
                        let selected = chosen.get_untracked() == t;
                        view! { <option value=t.clone() selected=selected>{format::topic(&t)}</option> }
                    }).collect_view()}
                </select>
                <button type="button" class="console-button console-button--small" data-testid="gap-label" on:click=label>
                    "Label"<span class="console-visually-hidden">{format!(" “{}”", gap.text)}</span>
                </button>
                {labelled.map(|l| view! { <p class="console-gap__labelled" data-testid="gap-labelled">{l}</p> })}
                {move || problem.get().map(|p| view! { <p class="console-gap__problem" role="alert">{p}</p> })}
            </div></td>
        </tr>
    }
}
