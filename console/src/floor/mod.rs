//! The supervisor's live floor: agents online with their load, conversations by state, the
//! longest wait, a day's figures as bar charts (`charts.rs`), and the questions the assistant did
//! not understand, to label and export (`gaps.rs`). Refreshed every 10 s while on screen.

mod charts;
mod gaps;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_protocol::{Bar, DayFigures, Floor, ASSISTANT_ACTIVE_MINUTES};

use crate::api;
use crate::app::Ctl;
use crate::format;
use charts::BarChart;
use gaps::GapsPanel;

/// How often the floor is read again while it is on screen.
const REFRESH_MS: u32 = 10_000;

/// The floor's data, shared with its parts.
#[derive(Clone, Copy)]
struct FloorData {
    /// The latest answer.
    floor: RwSignal<Option<Floor>>,
    /// The day asked for (`None`: today).
    day: RwSignal<Option<String>>,
    /// Why the last refresh failed, if it did.
    problem: RwSignal<Option<String>>,
    /// Bumped to refresh the content gaps with the floor.
    tick: RwSignal<u64>,
}

/// Reads the floor once and stores the answer (or why it failed).
async fn load(ctl: Ctl, data: FloorData, alive: &AtomicBool) {
    let day = data.day.get_untracked();
    let result = api::floor(day.as_deref()).await;
    if !alive.load(Ordering::Relaxed) {
        return;
    }
    match result {
        Ok(f) => {
            data.floor.set(Some(f));
            data.problem.set(None);
        }
        Err(e) if e.is_auth() => ctl.fail(&e),
        Err(e) => data.problem.set(Some(api::explain(&e))),
    }
    data.tick.update(|t| *t += 1);
}

/// The section's view.
#[component]
pub fn FloorView() -> impl IntoView {
    let ctl = expect_context::<Ctl>();
    let data = FloorData { floor: RwSignal::new(None), day: RwSignal::new(None), problem: RwSignal::new(None), tick: RwSignal::new(0) };
    provide_context(data);
    // Refreshes while the view is shown; leaving it stops the loop.
    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = alive.clone();
        spawn_local(async move {
            while alive.load(Ordering::Relaxed) {
                load(ctl, data, &alive).await;
                gloo_timers::future::TimeoutFuture::new(REFRESH_MS).await;
            }
        });
    }
    let on_leave = alive.clone();
    on_cleanup(move || on_leave.store(false, Ordering::Relaxed));
    let change_day = move |value: String| {
        let alive = alive.clone();
        data.day.set((!value.is_empty()).then_some(value));
        spawn_local(async move { load(ctl, data, &alive).await });
    };
    view! {
        <div class="console-floor" data-testid="floor">
            {move || data.problem.get().map(|p| view! {
                <p class="console-problem" role="alert">"The floor could not be refreshed: "{p}" Retrying every 10 seconds."</p>
            })}
            <Show when=move || data.floor.with(Option::is_some) fallback=|| view! { <p class="console-empty">"Loading the floor…"</p> }>
                <Now/>
                <Day change_day={change_day.clone()}/>
            </Show>
            <GapsPanel/>
        </div>
    }
}

/// Reads a field of the latest floor.
fn with_floor<T: Default>(data: FloorData, f: impl Fn(&Floor) -> T) -> T {
    data.floor.with(|fl| fl.as_ref().map(&f).unwrap_or_default())
}

/// Agents online and conversations by state, now.
#[component]
fn Now() -> impl IntoView {
    let data = expect_context::<FloorData>();
    let updated = move || with_floor(data, |f| format::time_of_day(&f.at));
    let state = move |pick: fn(&Floor) -> u32| move || with_floor(data, pick).to_string();
    let longest = move || {
        with_floor(data, |f| f.longest_wait.as_ref().map(|w| format::waiting(w.wait_secs as f64 * 1000.0).replacen("waiting ", "", 1)))
            .unwrap_or_else(|| "Nobody is waiting".into())
    };
    let agents = move || with_floor(data, |f| f.agents.clone());
    view! {
        <section class="console-floor__section" aria-labelledby="floor-now-title">
            <div class="console-floor__head">
                <h2 class="console-floor__title" id="floor-now-title">"Now"</h2>
                <p class="console-muted">"Updated at "<span data-testid="floor-updated">{updated}</span>", every 10 seconds."</p>
            </div>
            <dl class="console-floor__figures" data-testid="floor-states">
                <div><dt>{format!("With the assistant (active in the last {ASSISTANT_ACTIVE_MINUTES} min)")}</dt>
                    <dd data-testid="floor-assistant">{state(|f| f.states.assistant)}</dd></div>
                <div><dt>"Queued"</dt><dd data-testid="floor-queued">{state(|f| f.states.queued)}</dd></div>
                <div><dt>"Awaiting reply"</dt><dd data-testid="floor-awaiting">{state(|f| f.states.awaiting_reply)}</dd></div>
                <div><dt>"With an agent"</dt><dd data-testid="floor-with-agent">{state(|f| f.states.with_agent)}</dd></div>
                <div><dt>"Resolved today"</dt><dd data-testid="floor-resolved">{state(|f| f.states.resolved_today)}</dd></div>
                <div><dt>"Longest wait"</dt><dd data-testid="floor-longest-wait">{longest}</dd></div>
            </dl>
            {move || {
                let agents = agents();
                if agents.is_empty() {
                    return view! { <p class="console-muted" data-testid="floor-agents-none">"No agent is online."</p> }.into_any();
                }
                view! {
                    <table class="console-table" data-testid="floor-agents">
                        <caption class="console-table__caption">"Agents online"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Load"</th><th scope="col">"Languages"</th></tr></thead>
                        <tbody>
                            {agents.into_iter().map(|a| view! {
                                <tr data-testid="floor-agent">
                                    <th scope="row">{a.display_name}</th>
                                    <td>{format::topic(&a.role)}</td>
                                    <td>{format!("{} of {}", a.active, a.capacity)}</td>
                                    <td>{if a.languages.is_empty() { "Not set".to_string() } else { a.languages.join(", ") }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

/// A handoff reason, short enough for a chart's label column.
fn reason_label(code: &str) -> String {
    match code {
        "requested" => "Asked for a person".into(),
        "sensitive_topic" => "Sensitive topic".into(),
        "unsure" => "Not sure / no help".into(),
        "frustration" => "Frustration".into(),
        "needs_person" => "Needs a person".into(),
        other => format::topic(other),
    }
}

/// Bars with their labels in words.
fn worded(bars: &[Bar], word: impl Fn(&str) -> String) -> Vec<(String, u32)> {
    bars.iter().map(|b| (word(&b.label), b.count)).collect()
}

/// The day's figures and charts.
#[component]
fn Day(change_day: impl Fn(String) + Clone + Send + Sync + 'static) -> impl IntoView {
    let data = expect_context::<FloorData>();
    let day = move || with_floor(data, |f| f.day.day.clone());
    let figures = move |f: fn(&DayFigures) -> Vec<(String, u32)>| Signal::derive(move || with_floor(data, |fl| f(&fl.day)));
    let today = String::from(js_sys::Date::new_0().to_iso_string()).chars().take(10).collect::<String>();
    let summary = move || {
        with_floor(data, |f| {
            let d = &f.day;
            let rating = match d.rating_average {
                Some(avg) => format!("{avg:.1} of 5 ({} rated)", d.ratings.iter().map(|b| b.count).sum::<u32>()),
                None => "No ratings".into(),
            };
            let share = match d.not_understood_share {
                Some(s) => format!("{:.0}% ({} of {} replies)", s * 100.0, d.not_understood, d.assistant_replies),
                None => "No assistant replies".into(),
            };
            (d.conversations.to_string(), rating, share)
        })
    };
    view! {
        <section class="console-floor__section" aria-labelledby="floor-day-title">
            <div class="console-floor__head">
                <h2 class="console-floor__title" id="floor-day-title">"Figures for "{move || format::date(&day())}" (UTC)"</h2>
                <label class="console-floor__day">
                    "Day "
                    <input type="date" data-testid="floor-day" max={today.clone()} prop:value=day
                        on:change:target=move |ev| change_day(ev.target().value())/>
                </label>
            </div>
            <dl class="console-floor__figures" data-testid="floor-day-figures">
                <div><dt>"Conversations"</dt><dd data-testid="floor-conversations">{move || summary().0}</dd></div>
                <div><dt>"Average rating"</dt><dd data-testid="floor-rating">{move || summary().1}</dd></div>
                <div><dt>"Not understood by the assistant"</dt><dd data-testid="floor-not-understood">{move || summary().2}</dd></div>
            </dl>
            <div class="console-charts">
                <BarChart id="chart-handled" title="Who handled the conversations" category="Handled by" unit="Conversations"
                    bars={figures(|d| vec![("Assistant alone".into(), d.by_assistant), ("A person".into(), d.by_person)])}/>
                <BarChart id="chart-reasons" title="Handoffs by reason" category="Reason" unit="Handoffs"
                    bars={figures(|d| worded(&d.handoffs_by_reason, reason_label))}/>
                <BarChart id="chart-waits" title="Wait for a person" category="Wait" unit="Handoffs"
                    bars={figures(|d| worded(&d.wait_times, |s| s.to_string()))}/>
                <BarChart id="chart-handling" title="Handling time" category="Time" unit="Handoffs"
                    bars={figures(|d| worded(&d.handling_times, |s| s.to_string()))}/>
                <BarChart id="chart-ratings" title="Ratings" category="Rating" unit="Conversations"
                    bars={figures(|d| worded(&d.ratings, |s| format!("{s} of 5")))}/>
            </div>
        </section>
    }
}
