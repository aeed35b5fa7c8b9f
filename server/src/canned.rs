//! Canned replies: the team's (written by supervisors and admins) and each agent's own, per locale.
//! `GET/POST /v1/agent/canned`, `PUT/DELETE /v1/agent/canned/{id}`, and
//! `POST /v1/agent/conversations/{id}/canned/{canned_id}`, which fills a reply's placeholders from
//! the conversation and the shopper's account for the agent to edit (it never sends).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use tandem_assistant::{AccountSnapshot, Order, Voice};
use tandem_protocol::{
    Author, CannedEdit, CannedFilled, CannedReply, CannedScope, ConversationState, Message, NewCannedReply, CANNED_PLACEHOLDERS,
    MAX_CANNED_BODY_CHARS, MAX_CANNED_SHORTCUT_CHARS, MAX_CANNED_TITLE_CHARS,
};

use crate::agents::AgentSession;
use crate::conversations::load_row;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::ledger::{self, Lookup};
use crate::store::{ms_to_rfc3339, now_ms, CannedRow, ConversationRow, Role};
use crate::AppState;

/// Routes of this module (under `/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/canned", get(list).post(create))
        .route("/agent/canned/{id}", put(edit).delete(remove))
        .route("/agent/conversations/{id}/canned/{canned_id}", post(fill_route))
}

/// Query of `GET /v1/agent/canned`: one locale, or the locale of a conversation; all without either.
#[derive(Deserialize)]
struct ListQuery {
    locale: Option<String>,
    conversation: Option<String>,
}

/// A canned reply's fields, checked: the shortcut, title, body and locale as stored.
struct Checked {
    locale: String,
    shortcut: String,
    title: String,
    body: String,
}

/// Checks a canned reply's fields (422 naming the field and what to fix).
fn check(state: &AppState, locale: &str, shortcut: &str, title: &str, body: &str) -> ApiResult<Checked> {
    let locale = check_locale(state, locale)?;
    let shortcut = shortcut.trim();
    let shortcut_ok = (1..=MAX_CANNED_SHORTCUT_CHARS).contains(&shortcut.chars().count())
        && shortcut.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !shortcut_ok {
        return Err(ApiError::field(
            "invalid_shortcut",
            "shortcut",
            format!("The shortcut must be 1 to {MAX_CANNED_SHORTCUT_CHARS} characters of a-z, 0-9 and '-', e.g. 'next-payment'."),
        ));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_CANNED_TITLE_CHARS {
        return Err(ApiError::field("invalid_title", "title", format!("Give the reply a title of 1 to {MAX_CANNED_TITLE_CHARS} characters.")));
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_CANNED_BODY_CHARS {
        return Err(ApiError::field("invalid_canned_body", "body", format!("The text must be 1 to {MAX_CANNED_BODY_CHARS} characters.")));
    }
    if let Some(unknown) = placeholders(body).into_iter().find(|p| !CANNED_PLACEHOLDERS.contains(p)) {
        let known = CANNED_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
        return Err(ApiError::field("unknown_placeholder", "body", format!("{{{unknown}}} is not a placeholder. Use {known}.")));
    }
    Ok(Checked { locale, shortcut: shortcut.into(), title: title.into(), body: body.into() })
}

/// A locale the pack has (422 otherwise).
fn check_locale(state: &AppState, locale: &str) -> ApiResult<String> {
    let codes = state.assistant.pack().locale_codes();
    let locale = locale.trim();
    if codes.contains(&locale) {
        Ok(locale.to_string())
    } else {
        Err(ApiError::field("unknown_locale", "locale", format!("'{locale}' is not a supported language; use one of {}.", codes.join(", "))))
    }
}

/// The placeholder names in `body`: every `{name}` whose name is a word (letters, digits, `_`);
/// other braces are text.
pub fn placeholders(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(['}', '{']) else { break };
        let name = &rest[..close];
        if rest[close..].starts_with('}') && !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(name);
            rest = &rest[close + 1..];
        }
    }
    out
}

/// Fills `{placeholders}` with `value`; one without a value is left visibly as `[first name]`
/// and listed in `missing` (once each, in order of appearance).
pub fn fill(body: &str, value: impl Fn(&str) -> Option<String>) -> CannedFilled {
    let mut text = String::with_capacity(body.len());
    let mut missing: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]).filter(|n| CANNED_PLACEHOLDERS.contains(n));
        match name {
            Some(name) => {
                match value(name) {
                    Some(v) => text.push_str(&v),
                    None => {
                        text.push_str(&format!("[{}]", name.replace('_', " ")));
                        if !missing.iter().any(|m| m == name) {
                            missing.push(name.to_string());
                        }
                    }
                }
                rest = &after[name.len() + 1..];
            }
            None => {
                text.push('{');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    CannedFilled { text, missing }
}

/// Whether this agent may change the reply: the team's for supervisors and admins, a personal
/// one for its owner only. The 403 says why not.
fn may_change(agent: &AgentSession, c: &CannedRow) -> ApiResult<()> {
    match &c.owner_id {
        None => agent.require(Role::Supervisor).map_err(|_| {
            ApiError::Forbidden("Team canned replies are changed by supervisors and admins; add a personal one instead.".into())
        }),
        Some(owner) if *owner == agent.agent_id => Ok(()),
        Some(_) => Err(ApiError::Forbidden("This is another agent's personal canned reply; only they can change it.".into())),
    }
}

fn to_wire(agent: &AgentSession, c: CannedRow) -> CannedReply {
    let editable = may_change(agent, &c).is_ok();
    CannedReply {
        scope: if c.owner_id.is_some() { CannedScope::Personal } else { CannedScope::Team },
        id: c.id,
        locale: c.locale,
        shortcut: c.shortcut,
        title: c.title,
        body: c.body,
        editable,
        updated_at: ms_to_rfc3339(c.updated_ms),
    }
}

/// A stored canned reply, else 404.
async fn stored(state: &AppState, id: &str) -> ApiResult<CannedRow> {
    let not_found = || ApiError::not_found("unknown_canned_reply", "There is no such canned reply. Reload the list.");
    state.store.canned_reply(id).await?.ok_or_else(not_found)
}

/// Refuses a shortcut the same owner already uses in the locale (409).
async fn shortcut_free(state: &AppState, c: &CannedRow) -> ApiResult<()> {
    if state.store.canned_shortcut_taken(c.owner_id.as_deref(), &c.locale, &c.shortcut, &c.id).await? {
        let whose = if c.owner_id.is_some() { "One of your canned replies" } else { "A team canned reply" };
        return Err(ApiError::conflict("shortcut_taken", format!("{whose} in '{}' already has the shortcut '{}'. Choose another.", c.locale, c.shortcut)));
    }
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    agent: AgentSession,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<CannedReply>>> {
    let Query(query) = query?;
    let locale = match (query.locale.filter(|l| !l.trim().is_empty()), query.conversation) {
        (Some(l), _) => Some(check_locale(&state, &l)?),
        (None, Some(id)) => {
            let row = load_row(&state, &id).await?;
            readable(&agent, &row)?;
            Some(row.locale)
        }
        (None, None) => None,
    };
    let rows = state.store.canned_replies(&agent.agent_id, locale.as_deref()).await?;
    Ok(Json(rows.into_iter().map(|c| to_wire(&agent, c)).collect()))
}

async fn create(State(state): State<AppState>, agent: AgentSession, ApiJson(body): ApiJson<NewCannedReply>) -> ApiResult<(StatusCode, Json<CannedReply>)> {
    let owner_id = match body.scope {
        CannedScope::Team => {
            agent.require(Role::Supervisor).map_err(|_| {
                ApiError::Forbidden("Team canned replies are written by supervisors and admins; add a personal one instead.".into())
            })?;
            None
        }
        CannedScope::Personal => Some(agent.agent_id.clone()),
    };
    let c = check(&state, &body.locale, &body.shortcut, &body.title, &body.body)?;
    let row = CannedRow {
        id: uuid::Uuid::new_v4().to_string(),
        owner_id,
        locale: c.locale,
        shortcut: c.shortcut,
        title: c.title,
        body: c.body,
        updated_ms: now_ms(),
    };
    shortcut_free(&state, &row).await?;
    state.store.insert_canned(&row).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&agent, row))))
}

async fn edit(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>, ApiJson(body): ApiJson<CannedEdit>) -> ApiResult<Json<CannedReply>> {
    let old = stored(&state, &id).await?;
    may_change(&agent, &old)?;
    let c = check(&state, &body.locale, &body.shortcut, &body.title, &body.body)?;
    let row = CannedRow { locale: c.locale, shortcut: c.shortcut, title: c.title, body: c.body, updated_ms: now_ms(), ..old };
    shortcut_free(&state, &row).await?;
    if !state.store.update_canned(&row).await? {
        return Err(ApiError::not_found("unknown_canned_reply", "This canned reply was deleted in the meantime."));
    }
    Ok(Json(to_wire(&agent, row)))
}

async fn remove(State(state): State<AppState>, agent: AgentSession, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let old = stored(&state, &id).await?;
    may_change(&agent, &old)?;
    state.store.delete_canned(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The desk's rule: an agent may read a conversation they hold, or one waiting for a person.
fn readable(agent: &AgentSession, row: &ConversationRow) -> ApiResult<()> {
    let mine = row.agent_id.as_deref() == Some(agent.agent_id.as_str());
    if mine || matches!(row.state, ConversationState::Queued { .. } | ConversationState::AwaitingReply { .. }) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("This conversation is not in the queue and not yours.".into()))
    }
}

async fn fill_route(
    State(state): State<AppState>,
    agent: AgentSession,
    Path((id, canned_id)): Path<(String, String)>,
) -> ApiResult<Json<CannedFilled>> {
    let row = load_row(&state, &id).await?;
    readable(&agent, &row)?;
    let canned = stored(&state, &canned_id).await?;
    if canned.owner_id.as_deref().is_some_and(|o| o != agent.agent_id) {
        return Err(ApiError::Forbidden("This is another agent's personal canned reply.".into()));
    }
    let account = match ledger::shopper_account(&*state.ledger, row.identified, &row.shopper_id).await {
        Some(Lookup::Found(a)) => Some(a),
        _ => None,
    };
    let messages = state.store.messages(&id).await?;
    let voice = state.assistant.voice(&row.locale, state.config.support_hours);
    let values = Values::gather(account.as_deref(), &messages, state.today(), &voice, &agent.display_name);
    Ok(Json(fill(&canned.body, |name| values.get(name))))
}

/// The placeholder values for one conversation.
#[derive(Debug, Default, PartialEq)]
pub struct Values {
    pub first_name: Option<String>,
    pub order_id: Option<String>,
    pub next_amount: Option<String>,
    pub next_due: Option<String>,
    pub agent_name: Option<String>,
}

impl Values {
    /// From the account (when the shopper is identified and it could be read), the transcript
    /// (the order being discussed), and the agent; amounts and days as the conversation's locale
    /// writes them.
    pub fn gather(account: Option<&AccountSnapshot>, messages: &[Message], today: NaiveDate, voice: &Voice<'_>, agent_name: &str) -> Values {
        let order = account.and_then(|a| discussed_order(a, messages, today));
        let next = order.and_then(Order::next_instalment);
        Values {
            first_name: account.and_then(|a| a.name.split_whitespace().next()).map(str::to_string),
            order_id: order.map(|o| o.id.clone()),
            next_amount: next.map(|i| voice.money(&i.amount)),
            next_due: next.map(|i| voice.date(i.due)),
            agent_name: Some(agent_name.trim().to_string()).filter(|n| !n.is_empty()),
        }
    }

    /// The value of one placeholder.
    pub fn get(&self, name: &str) -> Option<String> {
        match name {
            "first_name" => self.first_name.clone(),
            "order_id" => self.order_id.clone(),
            "next_amount" => self.next_amount.clone(),
            "next_due" => self.next_due.clone(),
            "agent_name" => self.agent_name.clone(),
            _ => None,
        }
    }
}

/// The order being discussed: of the newest message that mentions one of the shopper's orders, the
/// order it mentions first (a message's subject comes first: "your next payment is for FP-1001 …;
/// payments on FP-1002 are paused" is about FP-1001); with none mentioned, the order whose payment
/// is due next.
pub fn discussed_order<'a>(account: &'a AccountSnapshot, messages: &[Message], today: NaiveDate) -> Option<&'a Order> {
    for m in messages.iter().rev().filter(|m| m.author != Author::System) {
        let text = m.text.to_ascii_lowercase();
        let first = account.orders.iter().filter_map(|o| first_mention(&text, &o.id.to_ascii_lowercase()).map(|at| (at, o))).min_by_key(|(at, _)| *at);
        if let Some((_, o)) = first {
            return Some(o);
        }
    }
    account.next_due(today).map(|(o, _)| o)
}

/// Where `id` first occurs in `text` as a whole word (not inside a longer id).
fn first_mention(text: &str, id: &str) -> Option<usize> {
    if id.is_empty() {
        return None;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    text.match_indices(id)
        .find(|(at, _)| !word(text[..*at].chars().next_back()) && !word(text[at + id.len()..].chars().next()))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_assistant::account::demo_account;
    use tandem_assistant::Assistant;

    fn msg(author: Author, text: &str) -> Message {
        crate::conversations::text_message(1, author, None, None, text)
    }

    #[test]
    fn placeholders_are_words_in_braces_and_other_braces_are_text() {
        assert_eq!(placeholders("Hi {first_name}, {order_id}!"), ["first_name", "order_id"]);
        assert_eq!(placeholders("a { b } {} {x y} {{first_name}} {First}"), ["first_name", "First"]);
        assert!(placeholders("no braces").is_empty());
    }

    #[test]
    fn missing_values_stay_visible_and_are_listed_once() {
        let f = fill("Hi {first_name}, {order_id} {first_name} {unknown} {", |n| (n == "order_id").then(|| "FP-1".to_string()));
        assert_eq!(f.text, "Hi [first name], FP-1 [first name] {unknown} {");
        assert_eq!(f.missing, ["first_name"]);
    }

    #[test]
    fn the_newest_message_naming_an_order_of_the_shopper_names_it_first_else_the_next_due() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let account = demo_account(today);
        let talk = [msg(Author::Shopper, "About FP-1003?"), msg(Author::Shopper, "No: fp-1002, then FP-1003"), msg(Author::Assistant, "Sure."), msg(Author::System, "FP-1001")];
        assert_eq!(discussed_order(&account, &talk, today).unwrap().id, "FP-1002");
        let talk = [msg(Author::Assistant, "Your next payment is €50.00 for order FP-1001. Payments on FP-1002 are paused.")];
        assert_eq!(discussed_order(&account, &talk, today).unwrap().id, "FP-1001");
        // Not the shopper's order, or part of a longer id: the next payment's order.
        let talk = [msg(Author::Shopper, "FP-9999 or FP-10034")];
        assert_eq!(discussed_order(&account, &talk, today).unwrap().id, "FP-1001");
    }

    #[test]
    fn amounts_and_days_follow_the_conversation_locale() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let account = demo_account(today);
        let assistant = Assistant::demo();
        let de = assistant.voice("de", crate::hours::SupportHours::Always);
        let v = Values::gather(Some(&account), &[], today, &de, "Kim");
        assert_eq!(v.first_name.as_deref(), Some("Alex"));
        assert_eq!(v.order_id.as_deref(), Some("FP-1001"));
        assert_eq!(v.next_amount.as_deref(), Some("50,00\u{a0}€"));
        assert_eq!(v.next_due.as_deref(), Some("28.11.2026"));
        assert_eq!(Values::gather(None, &[], today, &de, "Kim").first_name, None);
    }
}
