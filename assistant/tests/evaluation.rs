//! The evaluation's thresholds on the project's own test questions, asserted.

use chrono::NaiveDate;
use tandem_assistant::eval::{evaluate_assistant, parse_labelled};
use tandem_assistant::{Assistant, ANSWERED_TOPICS, CONVERSATION_TOPICS, SENSITIVE_TOPICS, TRAINING_DATA};

const TEST_DATA: &str = include_str!("../data/test.csv");

fn norm(t: &str) -> String {
    let mut s = String::new();
    tandem_assistant::classifier::normalize(t, &mut s);
    s
}

#[test]
fn test_questions_are_separate_from_training_and_cover_every_topic() {
    let train = parse_labelled(TRAINING_DATA).unwrap();
    let test = parse_labelled(TEST_DATA).unwrap();
    assert!(test.len() >= 200, "{} test questions", test.len());
    let seen: std::collections::HashSet<String> = train.iter().map(|e| norm(&e.text)).collect();
    for e in &test {
        assert!(!seen.contains(&norm(&e.text)), "test question also in training: {}", e.text);
    }
    for topic in ANSWERED_TOPICS.iter().chain(&CONVERSATION_TOPICS).chain(&SENSITIVE_TOPICS).chain(&["unknown"]) {
        assert!(test.iter().filter(|e| e.label == *topic).count() >= 5, "too few test questions for {topic}");
    }
}

#[test]
fn evaluation_meets_its_thresholds() {
    let test = parse_labelled(TEST_DATA).unwrap();
    let f = evaluate_assistant(&Assistant::new(), &test, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    assert_eq!(f.sensitive_recall, 1.0, "always-a-person recall must be 100%: {:?}", f.mistakes);
    assert!(f.wrong_among_answered <= 0.02, "wrong-answer rate {:.3}: {:?}", f.wrong_among_answered, f.mistakes);
    assert!(f.answered >= 0.7, "answered share {:.3}", f.answered);
}
