//! The supervisor's live floor, `GET /v1/agent/floor`: agents online with their load, conversations
//! by state, the longest wait, and one UTC day's figures (assistant alone vs a person, handoffs by
//! reason, wait and handling times, ratings, the share of questions the assistant did not
//! understand). The content gaps behind that share are in `gaps.rs`. Supervisors and admins only.
//! Read from the database (every instance says the same), cheap enough to ask every 10 s.

mod gaps;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tandem_protocol::{
    Bar, DayFigures, Floor, FloorAgent, HandoffReason, LongestWait, StateCounts, ASSISTANT_ACTIVE_MINUTES,
};

use crate::agents::AgentSession;
use crate::error::{ApiError, ApiResult};
use crate::store::{count, ms_to_rfc3339, now_ms, split_languages, DayRows, Role};
use crate::AppState;

pub use gaps::note_gap;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/floor", get(floor))
        .route("/agent/gaps", get(gaps::list))
        .route("/agent/gaps/export", get(gaps::export))
        .route("/agent/gaps/{id}", put(gaps::label))
}

/// Refuses (403) anyone below a supervisor: every route here starts with it.
fn supervisor(agent: &AgentSession) -> ApiResult<()> {
    agent.require(Role::Supervisor)
}

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// Query of `GET /v1/agent/floor`.
#[derive(Deserialize)]
struct FloorQuery {
    day: Option<String>,
}

/// The UTC day asked for (today when absent): a `YYYY-MM-DD` not after today.
fn parse_day(raw: Option<&str>, today: NaiveDate) -> ApiResult<NaiveDate> {
    let Some(raw) = raw.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(today);
    };
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::field("invalid_day", "day", format!("'{raw}' is not a day: write it as YYYY-MM-DD, e.g. {today}.")))?;
    if day > today {
        return Err(ApiError::field("invalid_day", "day", format!("{day} is in the future (today is {today}, UTC). Ask for today or an earlier day.")));
    }
    Ok(day)
}

/// The day's bounds in milliseconds, `[start, end)`.
fn day_bounds(day: NaiveDate) -> (i64, i64) {
    let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp_millis();
    (start, start + DAY_MS)
}

async fn floor(State(state): State<AppState>, agent: AgentSession, query: Result<Query<FloorQuery>, QueryRejection>) -> ApiResult<Json<Floor>> {
    supervisor(&agent)?;
    let Query(q) = query?;
    let now = now_ms();
    let today = Utc::now().date_naive();
    let day = parse_day(q.day.as_deref(), today)?;
    let (today_start, today_end) = day_bounds(today);
    let live = state.store.floor_now(now - i64::from(ASSISTANT_ACTIVE_MINUTES) * MINUTE_MS, today_start, today_end).await?;
    let (from, to) = day_bounds(day);
    let rows = state.store.day_rows(from, to).await?;
    let status = |name: &str| count(live.by_status.iter().find(|(s, _)| s == name).map_or(0, |(_, n)| *n));
    Ok(Json(Floor {
        at: ms_to_rfc3339(now),
        agents: live
            .agents
            .into_iter()
            .map(|a| FloorAgent {
                id: a.id,
                display_name: a.display_name,
                role: a.role,
                languages: split_languages(&a.languages),
                active: count(a.active),
                capacity: count(a.capacity),
            })
            .collect(),
        states: StateCounts {
            assistant: count(live.assistant_active),
            queued: status("queued"),
            awaiting_reply: status("awaiting_reply"),
            with_agent: status("with_agent"),
            resolved_today: count(live.resolved),
        },
        longest_wait: live.oldest_queued.map(|(conversation_id, since)| LongestWait {
            conversation_id,
            since: ms_to_rfc3339(since),
            wait_secs: ((now - since).max(0) / 1000) as u64,
        }),
        day: figures(day, rows),
    }))
}

/// Every handoff reason, in the order charts show them.
const REASONS: [HandoffReason; 5] =
    [HandoffReason::Requested, HandoffReason::SensitiveTopic, HandoffReason::Unsure, HandoffReason::Frustration, HandoffReason::NeedsPerson];

/// Upper bounds (exclusive, minutes) and labels of the time bins; the last bin is open.
const TIME_BINS: [(i64, &str); 5] = [(1, "< 1 min"), (5, "1–5 min"), (15, "5–15 min"), (60, "15–60 min"), (i64::MAX, "> 60 min")];

/// Counts durations (milliseconds) into [`TIME_BINS`].
fn time_bins(durations_ms: &[i64]) -> Vec<Bar> {
    let mut counts = [0u32; TIME_BINS.len()];
    for d in durations_ms {
        let minutes = d.max(&0) / MINUTE_MS;
        let i = TIME_BINS.iter().position(|(upper, _)| minutes < *upper).unwrap_or(TIME_BINS.len() - 1);
        counts[i] += 1;
    }
    TIME_BINS.iter().zip(counts).map(|((_, label), count)| Bar { label: (*label).into(), count }).collect()
}

/// The day's figures from its rows: every bar present (zero included), so charts keep their shape.
fn figures(day: NaiveDate, rows: DayRows) -> DayFigures {
    let mut reasons: Vec<Bar> = REASONS
        .iter()
        .map(|r| Bar { label: r.as_str().into(), count: count(rows.reasons.iter().find(|(n, _)| n == r.as_str()).map_or(0, |(_, c)| *c)) })
        .collect();
    // A reason this build does not know (stored by a newer one) is still counted.
    for (name, c) in &rows.reasons {
        if !REASONS.iter().any(|r| r.as_str() == name) {
            reasons.push(Bar { label: name.clone(), count: count(*c) });
        }
    }
    let ratings: Vec<Bar> = (1..=5i64)
        .map(|score| Bar { label: score.to_string(), count: count(rows.ratings.iter().find(|(s, _)| *s == score).map_or(0, |(_, c)| *c)) })
        .collect();
    let rated: u32 = ratings.iter().map(|b| b.count).sum();
    let points: u64 = ratings.iter().zip(1u64..).map(|(b, score)| u64::from(b.count) * score).sum();
    let replies = count(rows.assistant_replies);
    let not_understood = count(rows.gaps);
    DayFigures {
        day: day.to_string(),
        conversations: count(rows.conversations),
        by_assistant: count(rows.conversations - rows.by_person),
        by_person: count(rows.by_person),
        handoffs_by_reason: reasons,
        wait_times: time_bins(&rows.waits_ms),
        handling_times: time_bins(&rows.handling_ms),
        ratings,
        rating_average: (rated > 0).then(|| points as f32 / rated as f32),
        assistant_replies: replies,
        not_understood,
        not_understood_share: (replies > 0).then(|| (not_understood as f32 / replies as f32).min(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_fall_into_their_bins() {
        let bars = time_bins(&[0, 59_999, 60_000, 299_999, 300_000, 3_599_999, 3_600_000, 86_400_000, -5]);
        let counts: Vec<u32> = bars.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![3, 2, 1, 1, 2], "{bars:?}");
        assert_eq!(bars[0].label, "< 1 min");
    }

    #[test]
    fn days_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(parse_day(None, today).unwrap(), today);
        assert_eq!(parse_day(Some("2026-11-29"), today).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        assert!(parse_day(Some("2026-12-01"), today).is_err(), "the future");
        assert!(parse_day(Some("30/11/2026"), today).is_err());
        assert!(parse_day(Some("2026-02-30"), today).is_err());
        assert_eq!(day_bounds(today).1 - day_bounds(today).0, DAY_MS);
    }

    #[test]
    fn figures_keep_every_bar_and_average_the_ratings() {
        let rows = DayRows {
            conversations: 3,
            by_person: 1,
            reasons: vec![("requested".into(), 2), ("from_the_future".into(), 1)],
            ratings: vec![(5, 1), (3, 1)],
            assistant_replies: 4,
            gaps: 1,
            ..DayRows::default()
        };
        let f = figures(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), rows);
        assert_eq!((f.by_assistant, f.by_person), (2, 1));
        assert_eq!(f.handoffs_by_reason.len(), 6);
        assert_eq!(f.handoffs_by_reason[0], Bar { label: "requested".into(), count: 2 });
        assert_eq!(f.ratings.iter().map(|b| b.count).collect::<Vec<_>>(), vec![0, 0, 1, 0, 1]);
        assert_eq!(f.rating_average, Some(4.0));
        assert_eq!(f.not_understood_share, Some(0.25));
        assert_eq!(f.wait_times.len(), 5);
    }
}
