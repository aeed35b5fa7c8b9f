//! Evaluation: parsers for labelled data (`text,label` CSV, JSONL, the CLINC150 JSON layout) and the
//! figures the `tandem-eval` command prints. Everything here works on strings already in memory; the
//! binary does the file reading.

use crate::classifier::{argmax, softmax, Classifier, Example, TrainConfig};
use crate::{Assistant, Context, SENSITIVE_TOPICS};
use chrono::NaiveDate;

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of fields.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(ch) = chars.next() {
        any = true;
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(ch);
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            _ => field.push(ch),
        }
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    rows
}

/// Parses labelled examples from CSV (a header naming a `text` column and a `label`, `category`,
/// `intent` or `topic` column; without such a header, text then label) or JSONL (objects with
/// `text` and one of those label keys). Lines starting with `#` in CSV are comments.
pub fn parse_labelled(data: &str) -> Result<Vec<Example>, String> {
    let first = data.trim_start();
    if first.starts_with('{') {
        return data
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                let v: serde_json::Value = serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1))?;
                let text = v.get("text").and_then(|t| t.as_str()).ok_or(format!("line {}: no \"text\"", n + 1))?;
                let label = ["label", "category", "intent", "topic"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(|t| t.as_str()))
                    .ok_or(format!("line {}: no \"label\"", n + 1))?;
                Ok(Example::new(text, label))
            })
            .collect();
    }
    let rows: Vec<Vec<String>> = csv_rows(data).into_iter().filter(|r| !r[0].starts_with('#')).collect();
    let Some(head) = rows.first() else { return Ok(Vec::new()) };
    let lower: Vec<String> = head.iter().map(|h| h.trim().to_lowercase()).collect();
    let text_col = lower.iter().position(|h| h == "text");
    let label_col = lower.iter().position(|h| ["label", "category", "intent", "topic"].contains(&h.as_str()));
    let (t, l, skip) = match (text_col, label_col) {
        (Some(t), Some(l)) => (t, l, 1),
        _ => (0, 1, 0),
    };
    rows.iter()
        .skip(skip)
        .enumerate()
        .map(|(n, r)| match (r.get(t), r.get(l)) {
            (Some(text), Some(label)) if !label.trim().is_empty() => Ok(Example::new(text.trim(), label.trim())),
            _ => Err(format!("row {}: expected text and label, got {:?}", n + 1 + skip, r)),
        })
        .collect()
}

/// The CLINC150 "full" data set: 150 in-scope intents plus out-of-scope (`oos`) queries.
#[derive(Clone, Debug, Default)]
pub struct Clinc {
    /// In-scope training examples.
    pub train: Vec<Example>,
    /// In-scope validation examples.
    pub val: Vec<Example>,
    /// In-scope test examples.
    pub test: Vec<Example>,
    /// Out-of-scope validation queries.
    pub oos_val: Vec<String>,
    /// Out-of-scope test queries.
    pub oos_test: Vec<String>,
}

/// Parses `data_full.json` of CLINC150 (rows are `[text, label]`).
pub fn parse_clinc(json: &str) -> Result<Clinc, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let rows = |key: &str| -> Result<Vec<Example>, String> {
        v.get(key)
            .and_then(|a| a.as_array())
            .ok_or(format!("missing key {key}"))?
            .iter()
            .map(|r| match (r.get(0).and_then(|x| x.as_str()), r.get(1).and_then(|x| x.as_str())) {
                (Some(t), Some(l)) => Ok(Example::new(t, l)),
                _ => Err(format!("bad row in {key}: {r}")),
            })
            .collect()
    };
    let texts = |key: &str| rows(key).map(|r| r.into_iter().map(|e| e.text).collect());
    Ok(Clinc { train: rows("train")?, val: rows("val")?, test: rows("test")?, oos_val: texts("oos_val")?, oos_test: texts("oos_test")? })
}

/// Share of `test` whose top label is right.
pub fn accuracy(model: &Classifier, test: &[Example]) -> f64 {
    if test.is_empty() {
        return 0.0;
    }
    let right = test.iter().filter(|e| model.labels()[model.predict(&e.text).best] == e.label).count();
    right as f64 / test.len() as f64
}

/// Held-out raw scores for every example by k-fold cross-validation (for fitting a temperature
/// and a threshold without touching test data). Returns (scores, gold index in the full label
/// order of `labels`) pairs.
pub fn cross_val_scores(examples: &[Example], k: usize, cfg: &TrainConfig, labels: &[String]) -> Vec<(Vec<f32>, usize)> {
    let mut out = Vec::with_capacity(examples.len());
    for fold in 0..k {
        let train: Vec<Example> = examples.iter().enumerate().filter(|(i, _)| i % k != fold).map(|(_, e)| e.clone()).collect();
        let model = Classifier::train(&train, cfg);
        for e in examples.iter().enumerate().filter(|(i, _)| i % k == fold).map(|(_, e)| e) {
            let s = model.scores(&e.text);
            // Map the fold model's label order to the full one; unseen labels get a very low score.
            let full: Vec<f32> = labels.iter().map(|l| model.label_index(l).map_or(-1e4, |i| s[i])).collect();
            let gold = labels.iter().position(|l| *l == e.label).expect("label in list");
            out.push((full, gold));
        }
    }
    out
}

/// Expected calibration error (10 equal-width bins) of `(probabilities, gold)` pairs.
pub fn expected_calibration_error(preds: &[(Vec<f32>, usize)]) -> f64 {
    let mut bins = [(0f64, 0f64, 0usize); 10];
    for (p, y) in preds {
        let best = argmax(p);
        let conf = f64::from(p[best]);
        let b = ((conf * 10.0) as usize).min(9);
        bins[b].0 += conf;
        bins[b].1 += f64::from(u8::from(best == *y));
        bins[b].2 += 1;
    }
    let n = preds.len().max(1) as f64;
    bins.iter().filter(|b| b.2 > 0).map(|b| (b.0 - b.1).abs() / n).sum()
}

/// The CLINC-style figures at one confidence threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OosFigures {
    /// The threshold on calibrated confidence below which a query is called out of scope.
    pub threshold: f32,
    /// In-scope queries answered with the right intent (abstentions count as wrong).
    pub in_scope_accuracy: f64,
    /// Out-of-scope queries that were abstained on.
    pub oos_recall: f64,
}

/// Figures at `threshold` for in-scope examples and out-of-scope texts.
pub fn oos_figures(model: &Classifier, in_scope: &[(Vec<f32>, usize)], oos: &[Vec<f32>], threshold: f32) -> OosFigures {
    let conf = |s: &Vec<f32>| {
        let mut p = s.clone();
        softmax(&mut p, model.temperature());
        let b = argmax(&p);
        (b, p[b])
    };
    let right = in_scope.iter().filter(|(s, y)| {
        let (b, c) = conf(s);
        b == *y && c >= threshold
    });
    let rejected = oos.iter().filter(|s| conf(s).1 < threshold);
    OosFigures {
        threshold,
        in_scope_accuracy: right.count() as f64 / in_scope.len().max(1) as f64,
        oos_recall: rejected.count() as f64 / oos.len().max(1) as f64,
    }
}

/// The threshold (on a 0.01 grid) that maximises overall accuracy on validation data with
/// out-of-scope treated as one more class.
pub fn tune_oos_threshold(model: &Classifier, in_scope: &[(Vec<f32>, usize)], oos: &[Vec<f32>]) -> OosFigures {
    let total = (in_scope.len() + oos.len()) as f64;
    let mut best: Option<(f64, OosFigures)> = None;
    for k in 0..100 {
        let f = oos_figures(model, in_scope, oos, k as f32 / 100.0);
        let overall = (f.in_scope_accuracy * in_scope.len() as f64 + f.oos_recall * oos.len() as f64) / total;
        if best.is_none_or(|(b, _)| overall > b) {
            best = Some((overall, f));
        }
    }
    best.expect("grid is not empty").1
}

/// End-to-end figures of the engine on labelled questions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectFigures {
    /// Questions evaluated.
    pub total: usize,
    /// Reply topic equals the gold topic (gold `unknown` is right when the engine abstained).
    pub accuracy: f64,
    /// Share of questions that got a topic other than `unknown`.
    pub answered: f64,
    /// Among answered questions (topic not `unknown`), the share that got a wrong answer: a reply
    /// for another topic. A question that should go to a person (an always-a-person topic or a
    /// request for a person) and was handed to a person under another of those topics is not a
    /// wrong answer (the shopper reaches a person either way); it still counts against accuracy.
    pub wrong_among_answered: f64,
    /// Questions handed to a person under another always-a-person topic than the gold one.
    pub handoff_topic_mixups: usize,
    /// Of the questions whose gold topic always goes to a person, the share handed to a person.
    pub sensitive_recall: f64,
    /// Sensitive questions evaluated.
    pub sensitive_total: usize,
    /// Share of replies written in the locale of the test set.
    pub in_language: f64,
    /// `(question, gold, got)` for every mistake.
    pub mistakes: Vec<(String, String, String)>,
}

/// Runs every question through [`Assistant::reply`] (first message of a conversation, anonymous
/// shopper on `today`, a session in `locale`) and scores the reply topics and languages.
pub fn evaluate_assistant(assistant: &Assistant, test: &[Example], today: NaiveDate, locale: &str) -> ProjectFigures {
    let ctx = Context { today, history: &[], account: crate::Account::Anonymous, locale, hours: crate::SupportHours::Always };
    let mut same_language = 0usize;
    let mut f = ProjectFigures { total: test.len(), ..Default::default() };
    let (mut right, mut answered, mut wrong, mut sens_ok) = (0usize, 0usize, 0usize, 0usize);
    for e in test {
        let r = assistant.reply(&e.text, &ctx);
        let got = r.meta.topic.as_str();
        if r.locale == locale {
            same_language += 1;
        }
        if got == e.label {
            right += 1;
        } else {
            f.mistakes.push((e.text.clone(), e.label.clone(), got.to_string()));
        }
        if got != "unknown" {
            answered += 1;
            let to_person = |t: &str| SENSITIVE_TOPICS.contains(&t) || t == "human_request";
            if got != e.label {
                if to_person(&e.label) && r.meta.handoff.is_some() {
                    f.handoff_topic_mixups += 1;
                } else {
                    wrong += 1;
                }
            }
        }
        if SENSITIVE_TOPICS.contains(&e.label.as_str()) {
            f.sensitive_total += 1;
            if r.meta.handoff.is_some() {
                sens_ok += 1;
            }
        }
    }
    let n = test.len().max(1) as f64;
    f.accuracy = right as f64 / n;
    f.answered = answered as f64 / n;
    f.wrong_among_answered = wrong as f64 / answered.max(1) as f64;
    f.sensitive_recall = sens_ok as f64 / f.sensitive_total.max(1) as f64;
    f.in_language = same_language as f64 / n;
    f
}

/// Everyday questions (one a line, `#` comments) that should stay with the assistant: how many
/// there are, and those it hands to a person anyway (first message, anonymous, a session in
/// `locale`), each with its reply.
pub fn everyday_handoffs<'q>(assistant: &Assistant, text: &'q str, today: NaiveDate, locale: &str) -> (usize, Vec<(&'q str, crate::Reply)>) {
    let ctx = Context { today, history: &[], account: crate::Account::Anonymous, locale, hours: crate::SupportHours::Always };
    let qs: Vec<&str> = text.lines().map(str::trim).filter(|q| !q.is_empty() && !q.starts_with('#')).collect();
    let handed = qs.iter().map(|q| (*q, assistant.reply(q, &ctx))).filter(|(_, r)| r.meta.handoff.is_some()).collect();
    (qs.len(), handed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_commas_and_headers() {
        let data = "text,label\n\"hi, there\",greeting\n\"she said \"\"no\"\"\",x\r\nplain,y\n";
        let ex = parse_labelled(data).unwrap();
        assert_eq!(ex, vec![Example::new("hi, there", "greeting"), Example::new("she said \"no\"", "x"), Example::new("plain", "y")]);
    }

    #[test]
    fn banking77_header_and_jsonl_are_understood() {
        let ex = parse_labelled("text,category\nwhere is my card,card_arrival\n").unwrap();
        assert_eq!(ex, vec![Example::new("where is my card", "card_arrival")]);
        let ex = parse_labelled("{\"text\": \"hello\", \"label\": \"greeting\"}\n\n{\"text\": \"bye\", \"intent\": \"goodbye\"}\n").unwrap();
        assert_eq!(ex, vec![Example::new("hello", "greeting"), Example::new("bye", "goodbye")]);
    }

    #[test]
    fn clinc_layout_parses() {
        let j = r#"{"train":[["a","x"]],"val":[["b","x"]],"test":[["c","y"]],"oos_train":[["d","oos"]],"oos_val":[["e","oos"]],"oos_test":[["f","oos"]]}"#;
        let c = parse_clinc(j).unwrap();
        assert_eq!(c.test, vec![Example::new("c", "y")]);
        assert_eq!(c.oos_test, vec!["f".to_string()]);
    }
}
