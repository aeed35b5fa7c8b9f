//! Content gaps: the shoppers' questions the assistant did not understand. A reply whose topic is
//! the engine's `unknown` (its classifier placed the question in no topic with enough confidence,
//! or the question is in a language the pack does not speak) records its question here. A
//! supervisor labels a gap with one of the pack's topics; the labelled ones export as training
//! phrases in the pack's own format (`<locale>/training.txt`: `[topic]` headers, a phrase a line).

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tandem_assistant::pack::schema::all_topics;
use tandem_protocol::{ContentGap, Event, GapList, LabelGap};

use super::supervisor;
use crate::agents::AgentSession;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{count, ms_to_rfc3339, now_ms, Appended, GapRow, NewGap};
use crate::AppState;

/// The topic the engine gives a reply to a question it did not understand.
pub const NOT_UNDERSTOOD: &str = "unknown";

/// Records the question behind a newly stored assistant reply when the assistant did not
/// understand it (the reply's topic is [`NOT_UNDERSTOOD`]). Never fails the reply: a storage
/// problem is logged.
pub async fn note_gap(state: &AppState, conversation_id: &str, question_seq: u64, question: &str, reply: &Appended) {
    let Appended::New(Event::Message { message }, after) = reply else { return };
    if message.meta.as_ref().is_none_or(|m| m.topic != NOT_UNDERSTOOD) {
        return;
    }
    let gap = NewGap {
        id: &uuid::Uuid::new_v4().to_string(),
        conversation_id,
        seq: question_seq.min(i64::MAX as u64) as i64,
        // The conversation's language after the reply: the one the question was read in.
        locale: &after.locale,
        text: question,
        created_ms: now_ms(),
    };
    if let Err(e) = state.store.add_gap(&gap).await {
        tracing::warn!(conversation = %conversation_id, seq = question_seq, error = %e, "could not record a content gap");
    }
}

/// Query of `GET /v1/agent/gaps`.
#[derive(Deserialize)]
pub(super) struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
}

/// Gaps a page holds by default, and at most.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

fn number(raw: Option<&str>, field: &'static str, default: i64, max: i64) -> ApiResult<i64> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(default) };
    match raw.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::field("invalid_query", field, format!("{field} must be a whole number from 0 to {max}; '{raw}' is not."))),
    }
}

/// The topics a gap may be labelled with: every topic the pack's training phrases use.
fn topics() -> Vec<String> {
    all_topics().map(String::from).collect()
}

fn wire(g: GapRow) -> ContentGap {
    ContentGap {
        id: g.id,
        conversation_id: g.conversation_id,
        seq: g.seq.max(0) as u64,
        locale: g.locale,
        text: g.text,
        created_at: ms_to_rfc3339(g.created_ms),
        label: g.label,
        labelled_by: g.labelled_by,
        labelled_at: g.labelled_ms.map(ms_to_rfc3339),
    }
}

/// `GET /v1/agent/gaps[?limit=&offset=]`: unlabelled first, newest first.
pub(super) async fn list(State(state): State<AppState>, agent: AgentSession, query: Result<Query<ListQuery>, QueryRejection>) -> ApiResult<Json<GapList>> {
    supervisor(&agent)?;
    let Query(q) = query?;
    let limit = number(q.limit.as_deref(), "limit", DEFAULT_LIMIT, MAX_LIMIT)?.max(1);
    let offset = number(q.offset.as_deref(), "offset", 0, i64::from(u32::MAX))?;
    let gaps = state.store.gaps(limit, offset).await?.into_iter().map(wire).collect();
    let (total, unlabelled) = state.store.gap_counts().await?;
    Ok(Json(GapList { gaps, total: count(total), unlabelled: count(unlabelled), topics: topics() }))
}

/// `PUT /v1/agent/gaps/{id}` `{ "topic": "…" }`: labels a gap; the labeller and time are recorded.
pub(super) async fn label(
    State(state): State<AppState>,
    agent: AgentSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LabelGap>,
) -> ApiResult<StatusCode> {
    supervisor(&agent)?;
    let topic = body.topic.trim();
    if !all_topics().any(|t| t == topic) {
        return Err(ApiError::field(
            "unknown_topic",
            "topic",
            format!("'{topic}' is not one of the pack's topics. Choose one of: {}.", topics().join(", ")),
        ));
    }
    if !state.store.label_gap(&id, topic, &agent.agent_id, now_ms()).await? {
        return Err(ApiError::not_found("unknown_gap", "There is no such content gap (it may have been erased with its conversation). Reload the list."));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /v1/agent/gaps/export`.
#[derive(Deserialize)]
pub(super) struct ExportQuery {
    locale: Option<String>,
}

/// `GET /v1/agent/gaps/export[?locale=xx]`: the labelled gaps as training phrases, a block per
/// locale to append to that locale's `training.txt` (phrases the pack has already are left out).
pub(super) async fn export(State(state): State<AppState>, agent: AgentSession, query: Result<Query<ExportQuery>, QueryRejection>) -> ApiResult<Response> {
    supervisor(&agent)?;
    let Query(q) = query?;
    let pack = state.assistant.pack();
    let only = q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if let Some(l) = only {
        if pack.locale(l).is_none_or(|loc| loc.code != l) {
            return Err(ApiError::field("unknown_locale", "locale", format!("'{l}' is not one of the pack's locales: {}.", pack.locale_codes().join(", "))));
        }
    }
    let rows = state.store.labelled_gaps().await?;
    let pack_name = pack.dir.file_name().map_or_else(|| "<provider>".to_string(), |n| n.to_string_lossy().into_owned());
    let body = training_snippet(&rows, only, &pack_name, &ms_to_rfc3339(now_ms()), |locale, phrase| {
        pack.locale(locale).is_some_and(|l| l.code == locale && l.training.iter().any(|p| p.example.text.to_lowercase() == phrase.to_lowercase()))
    });
    let filename = match only {
        Some(l) => format!("attachment; filename=\"tandem-gaps-{l}-training.txt\""),
        None => "attachment; filename=\"tandem-gaps-training.txt\"".to_string(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&filename).map_err(|e| ApiError::Internal(e.to_string()))?);
    Ok(res)
}

/// A question as one training line: on one line, whitespace collapsed, and never read as a
/// comment (`#`) or a `[topic]` header.
fn phrase_line(text: &str) -> Option<String> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim_start_matches(['#', '[']).trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// The export's text: per locale, `[topic]` headers and a phrase a line, without repeats or
/// phrases `known(locale, phrase)` says the pack has.
fn training_snippet(rows: &[(String, String, String)], only: Option<&str>, pack: &str, at: &str, known: impl Fn(&str, &str) -> bool) -> String {
    let mut by_locale: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for (locale, topic, text) in rows {
        if only.is_some_and(|l| l != locale) {
            continue;
        }
        let Some(line) = phrase_line(text) else { continue };
        if known(locale, &line) {
            continue;
        }
        let phrases = by_locale.entry(locale).or_default().entry(topic).or_default();
        if !phrases.iter().any(|p| p.to_lowercase() == line.to_lowercase()) {
            phrases.push(line);
        }
    }
    let mut out = format!(
        "# Training phrases from the content gaps labelled in Tandem's console, exported {at}.\n\
         # Append each locale's block to packs/{pack}/<locale>/training.txt, review it, then rebuild the\n\
         # models: tandem-server pack build packs/{pack}\n\
         # Phrases the pack already has are left out.\n"
    );
    if by_locale.is_empty() {
        out.push_str("\n# No labelled gaps to export yet: label some in the console's Floor view.\n");
    }
    for (locale, topics) in by_locale {
        out.push_str(&format!("\n# --- {locale}: packs/{pack}/{locale}/training.txt ---\n"));
        for (topic, phrases) in topics {
            out.push_str(&format!("[{topic}]\n"));
            for p in phrases {
                out.push_str(&p);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_stay_one_line_and_are_never_headers_or_comments() {
        assert_eq!(phrase_line("  where is\nmy   money "), Some("where is my money".into()));
        assert_eq!(phrase_line("[refund_status]"), Some("refund_status]".into()));
        assert_eq!(phrase_line("# hello"), Some("hello".into()));
        assert_eq!(phrase_line(" ### "), None);
    }

    #[test]
    fn the_snippet_groups_by_locale_and_topic_without_repeats_or_known_phrases() {
        let row = |l: &str, t: &str, x: &str| (l.to_string(), t.to_string(), x.to_string());
        let rows = vec![
            row("en", "refund_status", "wheres my cash back"),
            row("en", "refund_status", "Wheres my cash back"),
            row("en", "greeting", "yo"),
            row("en", "greeting", "hello"),
            row("sv", "refund_status", "var är mina pengar"),
        ];
        let text = training_snippet(&rows, None, "acme", "now", |_, p| p == "hello");
        assert!(text.contains("# --- en: packs/acme/en/training.txt ---\n[greeting]\nyo\n[refund_status]\nwheres my cash back\n\n# --- sv"), "{text}");
        assert_eq!(text.matches("cash back").count(), 1);
        assert!(!text.contains("\nhello\n"));
        let sv = training_snippet(&rows, Some("sv"), "acme", "now", |_, _| false);
        assert!(sv.contains("[refund_status]\nvar är mina pengar\n") && !sv.contains("# --- en"), "{sv}");
        assert!(training_snippet(&[], None, "acme", "now", |_, _| false).contains("No labelled gaps"));
    }
}
