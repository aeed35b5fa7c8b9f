//! `/metrics` in the Prometheus text format: conversations, handoffs by reason, queue length,
//! wait and handling time histograms, ratings, agents online, open streams, and the Erlang C
//! expected wait. Computed from the database at scrape time, so figures survive restarts.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};

use crate::error::ApiError;
use crate::ledger::BreakerState;
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

async fn render(state: &AppState) -> Result<String, ApiError> {
    let mut out = String::new();
    let f = state.store.figures((Utc::now() - Duration::hours(1)).timestamp_millis()).await?;
    // Figures from the database are the same whichever instance is asked, and carry no instance
    // label, so summing over instances is never right for them; figures of this process are
    // labelled with its instance name.
    gauge(&mut out, "tandem_conversations_total", "Conversations started.", "counter", f.conversations);
    let _ = writeln!(out, "# HELP tandem_conversations Conversations by current state.\n# TYPE tandem_conversations gauge");
    for (status, n) in &f.by_status {
        let _ = writeln!(out, "tandem_conversations{{status=\"{status}\"}} {n}");
    }
    let queued = f.by_status.iter().find(|(s, _)| s == "queued").map_or(0, |(_, n)| *n);
    gauge(&mut out, "tandem_queue_length", "Conversations waiting for a person.", "gauge", queued);

    let _ = writeln!(out, "# HELP tandem_handoffs_total Handoffs to a person by reason.\n# TYPE tandem_handoffs_total counter");
    for (reason, n) in &f.handoffs_by_reason {
        let _ = writeln!(out, "tandem_handoffs_total{{reason=\"{reason}\"}} {n}");
    }
    histogram(&mut out, "tandem_wait_seconds", "Time from queueing to an agent's pick-up.", &WAIT_BUCKETS, &f.waits);
    histogram(&mut out, "tandem_handling_seconds", "Time from pick-up to resolution.", &HANDLING_BUCKETS, &f.handling);

    let _ = writeln!(out, "# HELP tandem_ratings_total Shopper ratings by score.\n# TYPE tandem_ratings_total counter");
    for (score, n) in &f.ratings {
        let _ = writeln!(out, "tandem_ratings_total{{score=\"{score}\"}} {n}");
    }
    gauge(&mut out, "tandem_agents_online", "Agents receiving conversations.", "gauge", f.agents_online);
    gauge(&mut out, "tandem_agent_slots", "Conversation slots of online agents.", "gauge", f.agent_slots);

    let instance = crate::store::instance_id();
    let _ = writeln!(
        out,
        "# HELP tandem_agent_consoles_connected Open agent console streams on this instance.\n# TYPE tandem_agent_consoles_connected gauge\ntandem_agent_consoles_connected{{instance=\"{instance}\"}} {}",
        state.agent_hub.connected()
    );
    let _ = writeln!(
        out,
        "# HELP tandem_conversation_channels Conversations with live subscribers on this instance.\n# TYPE tandem_conversation_channels gauge\ntandem_conversation_channels{{instance=\"{instance}\"}} {}",
        state.hub.open_channels()
    );

    if let Some(l) = state.ledger.figures() {
        ledger_figures(&mut out, instance, &l);
    }

    let aht = if f.handling.len() >= 5 { f.handling.iter().sum::<f64>() / f.handling.len() as f64 } else { wait::DEFAULT_AHT_SECS };
    if let Some(asa) = wait::erlang_c_asa(f.agent_slots as u32, f.recent_handoffs as f64 / 3600.0, aht) {
        gauge(&mut out, "tandem_expected_wait_seconds", "Erlang C average speed of answer at the last hour's arrival rate.", "gauge", format!("{asa:.1}"));
    }
    Ok(out)
}

/// The provider account API's figures in this process (requests, failures by kind, cache, breaker).
fn ledger_figures(out: &mut String, instance: &str, l: &crate::ledger::LedgerFigures) {
    let i = format!("instance=\"{instance}\"");
    let _ = writeln!(out, "# HELP tandem_ledger_requests_total Requests sent to the provider's account API.\n# TYPE tandem_ledger_requests_total counter\ntandem_ledger_requests_total{{{i}}} {}", l.requests);
    let _ = writeln!(out, "# HELP tandem_ledger_request_seconds_total Time spent waiting for the provider's account API.\n# TYPE tandem_ledger_request_seconds_total counter\ntandem_ledger_request_seconds_total{{{i}}} {:.3}", l.request_seconds);
    let _ = writeln!(out, "# HELP tandem_ledger_failures_total Account reads that failed, by kind (circuit_open: not asked).\n# TYPE tandem_ledger_failures_total counter");
    for (kind, n) in &l.failures {
        let _ = writeln!(out, "tandem_ledger_failures_total{{{i},kind=\"{kind}\"}} {n}");
    }
    let _ = writeln!(out, "# HELP tandem_ledger_cache_hits_total Account reads answered from the cache.\n# TYPE tandem_ledger_cache_hits_total counter\ntandem_ledger_cache_hits_total{{{i}}} {}", l.cache_hits);
    let _ = writeln!(out, "# HELP tandem_ledger_cached_accounts Accounts in the cache.\n# TYPE tandem_ledger_cached_accounts gauge\ntandem_ledger_cached_accounts{{{i}}} {}", l.cached);
    let _ = writeln!(out, "# HELP tandem_ledger_breaker_state The account API's circuit breaker: 1 for its current state.\n# TYPE tandem_ledger_breaker_state gauge");
    for s in [BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen] {
        let _ = writeln!(out, "tandem_ledger_breaker_state{{{i},state=\"{}\"}} {}", s.as_str(), u8::from(s == l.breaker));
    }
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
