//! The evaluation's thresholds on every locale's own test questions, asserted: the held-out
//! questions (`eval.csv`, written apart from the pack and never used to tune it) and the dev
//! questions (`dev.csv`, looked at while tuning) are separate from the training phrases and cover
//! every topic, and per locale the engine hands every always-a-person question to a person and
//! answers wrongly at most 2% of what it answers, in the shopper's language.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use tandem_assistant::eval::evaluate_assistant;
use tandem_assistant::pack::schema::{all_topics, SENSITIVE_TOPICS};
use tandem_assistant::Assistant;

fn engine() -> &'static Assistant {
    static E: OnceLock<Assistant> = OnceLock::new();
    E.get_or_init(Assistant::demo)
}

fn norm(t: &str) -> String {
    let mut s = String::new();
    tandem_assistant::classifier::normalize(&tandem_assistant::pack::fold(t), &mut s);
    s
}

#[test]
fn test_questions_are_separate_from_training_and_cover_every_topic() {
    for l in &engine().pack().locales {
        assert!(l.eval.len() >= 100, "{}: {} held-out test questions", l.code, l.eval.len());
        let seen: HashSet<String> = l.training.iter().map(|p| norm(&p.example.text)).collect();
        for q in l.eval.iter().chain(&l.dev) {
            assert!(!seen.contains(&norm(&q.example.text)), "{}: test question also in training: {}", l.code, q.example.text);
        }
        for topic in all_topics() {
            let n = l.eval.iter().filter(|q| q.example.label == topic).count();
            // Questions that equal a training phrase were removed from the sets (short greetings
            // mostly); every topic keeps at least two, every always-a-person topic at least five.
            let min = if SENSITIVE_TOPICS.contains(&topic) { 5 } else { 2 };
            assert!(n >= min, "{}: {n} held-out test questions for {topic}", l.code);
        }
    }
}

#[test]
fn every_locale_meets_its_thresholds() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for (l, set) in engine().pack().locales.iter().flat_map(|l| [(l, &l.eval), (l, &l.dev)]) {
        let test: Vec<_> = set.iter().map(|p| p.example.clone()).collect();
        let f = evaluate_assistant(engine(), &test, today, &l.code);
        let sensitive_misses: Vec<_> = f.mistakes.iter().filter(|m| SENSITIVE_TOPICS.contains(&m.1.as_str())).collect();
        assert_eq!(f.sensitive_recall, 1.0, "{}: always-a-person recall must be 100%: {sensitive_misses:?}", l.code);
        assert!(f.wrong_among_answered <= 0.02, "{}: wrong-answer rate {:.3}: {:?}", l.code, f.wrong_among_answered, f.mistakes);
        assert!(f.answered >= 0.7, "{}: answered share {:.3}", l.code, f.answered);
        assert!(f.in_language >= 0.98, "{}: only {:.3} of replies in the shopper's language", l.code, f.in_language);
    }
}

#[test]
fn everyday_questions_stay_with_the_assistant() {
    // Everyday questions that share words with always-a-person topics (family, deliveries, codes,
    // logins): at most 5% may be handed to a person, requests for a person included.
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for l in &engine().pack().locales {
        let text = std::fs::read_to_string(engine().pack().dir.join(&l.code).join("everyday.txt")).unwrap();
        let (total, handed) = tandem_assistant::eval::everyday_handoffs(engine(), &text, today, &l.code);
        let handed: Vec<&str> = handed.iter().map(|(q, _)| *q).collect();
        assert!(total >= 150, "{}: {total} everyday questions", l.code);
        assert!(handed.len() * 20 <= total, "{}: {} of {total} everyday questions handed to a person: {handed:?}", l.code, handed.len());
    }
}
