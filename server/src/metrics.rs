//! `/metrics` in the Prometheus text format: conversations, handoffs by reason, queue length,
//! wait and handling time histograms, ratings, agents online, open streams, and the Erlang C
//! expected wait. Computed from the database at scrape time, so figures survive restarts.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use crate::error::ApiError;
use crate::{wait, AppState};

/// Histogram bucket bounds in seconds.
const WAIT_BUCKETS: [f64; 8] = [30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0, 86400.0];
const HANDLING_BUCKETS: [f64; 7] = [60.0, 180.0, 300.0, 600.0, 1200.0, 3600.0, 86400.0];

fn histogram(out: &mut String, name: &str, help: &str, bounds: &[f64], values: &[f64]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for b in bounds {
        let n = values.iter().filter(|v| **v <= *b).count();
        let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", values.len());
    let _ = writeln!(out, "{name}_sum {}", values.iter().sum::<f64>());
    let _ = writeln!(out, "{name}_count {}", values.len());
}

fn gauge(out: &mut String, name: &str, help: &str, kind: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
}

fn secs_between(a: &str, b: &str) -> Option<f64> {
    let a = DateTime::parse_from_rfc3339(a).ok()?;
    let b = DateTime::parse_from_rfc3339(b).ok()?;
    Some((b - a).num_milliseconds() as f64 / 1000.0)
}

async fn render(state: &AppState) -> Result<String, ApiError> {
    let mut out = String::new();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations").fetch_one(&state.db).await?;
    gauge(&mut out, "tandem_conversations_total", "Conversations started.", "counter", total);

    let by_status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM conversations GROUP BY status ORDER BY status").fetch_all(&state.db).await?;
    let _ = writeln!(out, "# HELP tandem_conversations Conversations by current state.\n# TYPE tandem_conversations gauge");
    for (status, n) in &by_status {
        let _ = writeln!(out, "tandem_conversations{{status=\"{status}\"}} {n}");
    }
    let queued = by_status.iter().find(|(s, _)| s == "queued").map_or(0, |(_, n)| *n);
    gauge(&mut out, "tandem_queue_length", "Conversations waiting for a person.", "gauge", queued);

    let reasons: Vec<(String, i64)> =
        sqlx::query_as("SELECT reason, COUNT(*) FROM handoffs GROUP BY reason ORDER BY reason").fetch_all(&state.db).await?;
    let _ = writeln!(out, "# HELP tandem_handoffs_total Handoffs to a person by reason.\n# TYPE tandem_handoffs_total counter");
    for (reason, n) in &reasons {
        let _ = writeln!(out, "tandem_handoffs_total{{reason=\"{reason}\"}} {n}");
    }

    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT queued_at, claimed_at, resolved_at FROM handoffs").fetch_all(&state.db).await?;
    let waits: Vec<f64> = rows.iter().filter_map(|(q, c, _)| secs_between(q, c.as_deref()?)).collect();
    let handling: Vec<f64> = rows.iter().filter_map(|(_, c, r)| secs_between(c.as_deref()?, r.as_deref()?)).collect();
    histogram(&mut out, "tandem_wait_seconds", "Time from queueing to an agent's pick-up.", &WAIT_BUCKETS, &waits);
    histogram(&mut out, "tandem_handling_seconds", "Time from pick-up to resolution.", &HANDLING_BUCKETS, &handling);

    let ratings: Vec<(i64, i64)> =
        sqlx::query_as("SELECT rating, COUNT(*) FROM conversations WHERE rating IS NOT NULL GROUP BY rating ORDER BY rating")
            .fetch_all(&state.db)
            .await?;
    let _ = writeln!(out, "# HELP tandem_ratings_total Shopper ratings by score.\n# TYPE tandem_ratings_total counter");
    for (score, n) in &ratings {
        let _ = writeln!(out, "tandem_ratings_total{{score=\"{score}\"}} {n}");
    }

    let (agents, slots): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(capacity), 0) FROM agents WHERE online = 1").fetch_one(&state.db).await?;
    gauge(&mut out, "tandem_agents_online", "Agents receiving conversations.", "gauge", agents);
    gauge(&mut out, "tandem_agent_slots", "Conversation slots of online agents.", "gauge", slots);
    gauge(&mut out, "tandem_agent_consoles_connected", "Open agent console streams.", "gauge", state.agent_hub.connected());
    gauge(&mut out, "tandem_conversation_channels", "Conversations with live subscribers.", "gauge", state.hub.open_channels());

    let hour_ago = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handoffs WHERE queued_at >= ?").bind(hour_ago).fetch_one(&state.db).await?;
    let aht = if handling.len() >= 5 { handling.iter().sum::<f64>() / handling.len() as f64 } else { wait::DEFAULT_AHT_SECS };
    if let Some(asa) = wait::erlang_c_asa(slots as u32, recent as f64 / 3600.0, aht) {
        gauge(&mut out, "tandem_expected_wait_seconds", "Erlang C average speed of answer at the last hour's arrival rate.", "gauge", format!("{asa:.1}"));
    }
    Ok(out)
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let ok = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {token}"));
        if !ok {
            return ApiError::unauthorized("metrics_token", "Send the metrics token as `Authorization: Bearer <token>`.").into_response();
        }
    }
    match render(&state).await {
        Ok(body) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response(),
        Err(e) => e.into_response(),
    }
}
