//! Words and numbers for the agent: waiting times, money and days (through the browser's `Intl`,
//! in the agent's own locale), and names for statuses and handoff reasons.

use js_sys::{Array, Intl, Object, Reflect};
use tandem_protocol::{ConversationState, Money};
use wasm_bindgen::JsValue;

/// Milliseconds since the epoch for an RFC 3339 instant, if it parses.
pub fn instant_ms(rfc3339: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(rfc3339);
    (!ms.is_nan()).then_some(ms)
}

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// How long someone has waited, in words: `waiting under 1 min`, `waiting 3 min`, `waiting 1 h 5 min`.
pub fn waiting(elapsed_ms: f64) -> String {
    let mins = (elapsed_ms.max(0.0) / 60_000.0).floor() as u64;
    match mins {
        0 => "waiting under 1 min".into(),
        m if m < 60 => format!("waiting {m} min"),
        m => format!("waiting {} h {} min", m / 60, m % 60),
    }
}

/// A clock time (`14:05`) for an RFC 3339 instant, in the agent's locale.
pub fn time_of_day(rfc3339: &str) -> String {
    let Some(ms) = instant_ms(rfc3339) else { return String::new() };
    let df = Intl::DateTimeFormat::new(&Array::new(), &options(&[("timeStyle", "short")]));
    df.format().call1(&JsValue::NULL, &js_sys::Date::new(&JsValue::from_f64(ms))).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// A day and clock time (`30 Nov 2026, 14:05`) for an RFC 3339 instant, in the agent's locale and
/// time zone; the text itself when it is not an instant.
pub fn day_and_time(rfc3339: &str) -> String {
    let Some(ms) = instant_ms(rfc3339) else { return rfc3339.to_string() };
    let df = Intl::DateTimeFormat::new(&Array::new(), &options(&[("dateStyle", "medium"), ("timeStyle", "short")]));
    df.format().call1(&JsValue::NULL, &js_sys::Date::new(&JsValue::from_f64(ms))).ok().and_then(|v| v.as_string()).unwrap_or_else(|| rfc3339.to_string())
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// `Money` as the agent's locale writes it, e.g. `€50.00`.
pub fn money(m: &Money) -> String {
    let nf = Intl::NumberFormat::new(&Array::new(), &options(&[("style", "currency"), ("currency", &m.currency)]));
    nf.format()
        .call1(&JsValue::NULL, &JsValue::from_f64(m.minor as f64 / 100.0))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| m.plain())
}

/// An ISO `YYYY-MM-DD` day as the agent's locale writes it, e.g. `28 Nov 2026`.
pub fn date(iso: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(&format!("{iso}T12:00:00Z")));
    if d.get_time().is_nan() {
        return iso.to_string();
    }
    let df = Intl::DateTimeFormat::new(&Array::new(), &options(&[("dateStyle", "medium"), ("timeZone", "UTC")]));
    df.format().call1(&JsValue::NULL, &d).ok().and_then(|v| v.as_string()).unwrap_or_else(|| iso.to_string())
}

/// A handoff reason code (`sensitive_topic`) in words.
pub fn reason(code: &str) -> String {
    match code {
        "requested" => "Shopper asked for a person".into(),
        "sensitive_topic" => "Sensitive topic".into(),
        "unsure" => "Assistant was not sure".into(),
        "frustration" => "Shopper is frustrated".into(),
        "needs_person" => "Needs a person to complete".into(),
        other => topic(other),
    }
}

/// A topic id (`next_payment`) in words (`Next payment`).
pub fn topic(id: &str) -> String {
    let text = id.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A conversation state in words, for the agent.
pub fn state(state: &ConversationState) -> String {
    match state {
        ConversationState::Assistant => "With the assistant".into(),
        ConversationState::Queued { position, .. } => format!("Queued (position {position})"),
        ConversationState::WithAgent { agent_name } => format!("With {agent_name}"),
        ConversationState::AwaitingReply { contact: Some(c) } => format!("Awaiting reply by email to {c}"),
        ConversationState::AwaitingReply { contact: None } => "Awaiting reply".into(),
        ConversationState::Resolved { rating: Some(r) } => format!("Resolved, rated {r} of 5"),
        ConversationState::Resolved { rating: None } => "Resolved".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_read_in_minutes_then_hours() {
        assert_eq!(waiting(-5.0), "waiting under 1 min");
        assert_eq!(waiting(59_000.0), "waiting under 1 min");
        assert_eq!(waiting(3.5 * 60_000.0), "waiting 3 min");
        assert_eq!(waiting(65.0 * 60_000.0), "waiting 1 h 5 min");
    }

    #[test]
    fn codes_become_words() {
        assert_eq!(topic("next_payment"), "Next payment");
        assert_eq!(reason("sensitive_topic"), "Sensitive topic");
        assert_eq!(reason("fraud"), "Fraud");
    }
}
