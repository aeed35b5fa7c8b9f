//! `/metrics` in the Prometheus text format: conversations, handoffs by reason, queue length,
//! wait and handling time histograms, ratings, agents online, open streams, and the Erlang C
//! expected wait. Computed from the database at scrape time, so figures survive restarts. Also
//! this process's abuse-limit figures: connections open and refused, 429s by action, rate-limit
//! keys tracked, live channels held.

use std::fmt::Write;
use std::sync::atomic::Ordering;

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
    crate::email::metrics(state, &mut out).await?;

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

    limit_figures(
        &mut out,
        instance,
        &LimitFigures {
            connections_open: state.connections.open.load(Ordering::Relaxed),
            connections_refused: state.connections.refused.load(Ordering::Relaxed),
            refused: state.limits.refused_by_action(),
            rate_limit_keys: state.limits.tracked(),
            live_channels: state.hub.channel_count(),
        },
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

/// This process's abuse-limit figures.
struct LimitFigures {
    connections_open: u64,
    connections_refused: u64,
    refused: Vec<(&'static str, u64)>,
    rate_limit_keys: usize,
    live_channels: usize,
}

fn limit_figures(out: &mut String, instance: &str, f: &LimitFigures) {
    let i = format!("instance=\"{instance}\"");
    let _ = writeln!(out, "# HELP tandem_connections_open Connections open on this instance.\n# TYPE tandem_connections_open gauge\ntandem_connections_open{{{i}}} {}", f.connections_open);
    let _ = writeln!(
        out,
        "# HELP tandem_connections_refused_total Connections closed at once because the connection limit was reached.\n# TYPE tandem_connections_refused_total counter\ntandem_connections_refused_total{{{i}}} {}",
        f.connections_refused
    );
    let _ = writeln!(out, "# HELP tandem_rate_limited_total Requests answered 429, by action (stream: the open-stream caps).\n# TYPE tandem_rate_limited_total counter");
    for (action, n) in &f.refused {
        let _ = writeln!(out, "tandem_rate_limited_total{{{i},action=\"{action}\"}} {n}");
    }
    let _ = writeln!(out, "# HELP tandem_rate_limit_keys Client addresses and sessions the rate limiters track.\n# TYPE tandem_rate_limit_keys gauge\ntandem_rate_limit_keys{{{i}}} {}", f.rate_limit_keys);
    let _ = writeln!(
        out,
        "# HELP tandem_live_channels Live conversation channels held on this instance, followed or not.\n# TYPE tandem_live_channels gauge\ntandem_live_channels{{{i}}} {}",
        f.live_channels
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_figures_are_labelled_with_the_instance_and_every_action() {
        let mut out = String::new();
        let f = LimitFigures { connections_open: 3, connections_refused: 7, refused: vec![("session", 0), ("handoff", 4), ("stream", 2)], rate_limit_keys: 11, live_channels: 5 };
        limit_figures(&mut out, "i1", &f);
        for line in [
            "tandem_connections_open{instance=\"i1\"} 3",
            "tandem_connections_refused_total{instance=\"i1\"} 7",
            "tandem_rate_limited_total{instance=\"i1\",action=\"session\"} 0",
            "tandem_rate_limited_total{instance=\"i1\",action=\"handoff\"} 4",
            "tandem_rate_limited_total{instance=\"i1\",action=\"stream\"} 2",
            "tandem_rate_limit_keys{instance=\"i1\"} 11",
            "tandem_live_channels{instance=\"i1\"} 5",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line} in\n{out}");
        }
        // Every metric is declared once, before its samples.
        assert_eq!(out.matches("# TYPE tandem_rate_limited_total counter").count(), 1);
    }
}
