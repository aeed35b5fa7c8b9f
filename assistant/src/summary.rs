//! The handoff summary an agent reads before answering: what the conversation is about, why it came
//! to a person, what the shopper asked and what the assistant already told them. Built from the
//! transcript only, so it never states anything the shopper was not shown.

use tandem_protocol::{Author, Summary};

use crate::Turn;

/// Longest question or fact kept, in characters.
const MAX_ITEM: usize = 160;
/// Most questions and facts kept (the newest).
const MAX_ITEMS: usize = 5;

fn shorten(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_ITEM {
        flat
    } else {
        format!("{}…", flat.chars().take(MAX_ITEM - 1).collect::<String>())
    }
}

fn newest(mut items: Vec<String>) -> Vec<String> {
    if items.len() > MAX_ITEMS {
        items.drain(..items.len() - MAX_ITEMS);
    }
    items
}

/// Words for a handoff reason id (`requested`, `sensitive_topic`, ...).
pub fn reason_in_words(reason: &str) -> &'static str {
    match reason {
        "requested" => "the shopper asked for a person",
        "sensitive_topic" => "the topic always goes to a person",
        "unsure" => "the assistant could not help",
        "frustration" => "the shopper was frustrated",
        "needs_person" => "the request needs a person to complete",
        _ => "handed to a person",
    }
}

/// Summarises a transcript for the agent who picks it up.
pub fn summarize(history: &[Turn], handoff_reason: Option<&str>) -> Summary {
    let asked = newest(history.iter().filter(|t| t.author == Author::Shopper).map(|t| shorten(&t.text)).collect());
    let facts = newest(
        history
            .iter()
            .filter(|t| t.author == Author::Assistant && t.topic.as_deref().is_some_and(|topic| topic != "unknown"))
            .map(|t| shorten(&t.text))
            .collect(),
    );
    // The newest confident topic describes the conversation best; a handoff reply's topic counts.
    let topic = history
        .iter()
        .rev()
        .filter_map(|t| t.topic.as_deref())
        .find(|topic| !matches!(*topic, "unknown" | "greeting" | "thanks" | "goodbye" | "human_request" | "bot_identity"))
        .unwrap_or("unknown")
        .to_string();
    let reason = handoff_reason.map(|r| reason_in_words(r).to_string());
    let mut text = format!("Topic: {}.", topic.replace('_', " "));
    if let Some(r) = &reason {
        text.push_str(&format!(" Came to a person because {r}."));
    }
    match asked.first() {
        Some(first) if asked.len() > 1 => text.push_str(&format!(" First asked: \"{first}\"; {} messages since.", asked.len() - 1)),
        Some(first) => text.push_str(&format!(" Asked: \"{first}\".")),
        None => text.push_str(" The shopper asked for a person without writing anything yet."),
    }
    if !facts.is_empty() {
        text.push_str(&format!(" The assistant already answered {} time(s); see the facts given.", facts.len()));
    }
    Summary { topic, handoff_reason: reason, asked, facts, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(author: Author, text: &str, topic: Option<&str>) -> Turn {
        Turn { author, text: text.into(), topic: topic.map(Into::into) }
    }

    #[test]
    fn summary_names_topic_reason_questions_and_facts() {
        let history = vec![
            turn(Author::Shopper, "when is my next payment", None),
            turn(Author::Assistant, "Your next payment is €50.00 for order FP-1001, due 2026-11-28.", Some("next_payment")),
            turn(Author::Shopper, "someone used my card, I did not buy this", None),
            turn(Author::Assistant, "I'm sorry. I'm connecting you with a person now.", Some("fraud")),
        ];
        let s = summarize(&history, Some("sensitive_topic"));
        assert_eq!(s.topic, "fraud");
        assert_eq!(s.asked.len(), 2);
        assert!(s.facts.iter().any(|f| f.contains("€50.00")));
        assert_eq!(s.handoff_reason.as_deref(), Some("the topic always goes to a person"));
        assert!(s.text.contains("Topic: fraud."), "{}", s.text);
        assert!(s.text.contains("when is my next payment"), "{}", s.text);
    }

    #[test]
    fn a_bare_request_for_a_person_is_summarised_honestly() {
        let s = summarize(&[], Some("requested"));
        assert_eq!(s.topic, "unknown");
        assert!(s.asked.is_empty());
        assert!(s.text.contains("without writing anything"));
    }
}
