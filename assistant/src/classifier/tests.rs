use super::*;

#[test]
fn normalize_folds_case_digits_and_punctuation() {
    let mut s = String::new();
    normalize("Where's my REFUND for FP-1001?!", &mut s);
    assert_eq!(s, "wheres my refund for fp 0");
}

#[test]
fn learns_a_toy_problem_and_round_trips() {
    let data: Vec<Example> = [
        ("when is my next payment", "pay"),
        ("next instalment date", "pay"),
        ("when do I pay next", "pay"),
        ("where is my refund", "refund"),
        ("refund not received yet", "refund"),
        ("has my money come back", "refund"),
    ]
    .iter()
    .map(|(t, l)| Example::new(*t, *l))
    .collect();
    let m = Classifier::train(&data, &TrainConfig { epochs: 50, ..TrainConfig::default() });
    assert_eq!(m.labels()[m.predict("when is my payment due").best], "pay");
    assert_eq!(m.labels()[m.predict("refund still not here").best], "refund");
    let back = Classifier::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(back.labels(), m.labels());
    let (a, b) = (m.predict("my refund"), back.predict("my refund"));
    assert_eq!(a.best, b.best);
    assert!((a.confidence() - b.confidence()).abs() < 0.02);
}

#[test]
fn temperature_fit_sharpens_underconfident_scores() {
    // Scores that are always right but timid: the fitted temperature is below 1.
    let held: Vec<(Vec<f32>, usize)> = (0..20).map(|i| (vec![0.5, 0.0, 0.0], if i < 19 { 0 } else { 1 })).collect();
    assert!(fit_temperature(&held) < 1.0);
}
