//! `training.txt` (phrases under `[topic]` headers) and `eval.csv` (labelled test questions).

use super::problem::Problems;
use crate::classifier::Example;
use crate::eval::csv_rows;

/// A labelled phrase and its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    pub example: Example,
    pub line: usize,
}

/// Parses `training.txt`: `[topic]` headers, one phrase a line, `#` comments.
pub fn parse_training(text: &str, file: &str, problems: &mut Problems, topics: &[&str]) -> Vec<Phrase> {
    let mut out = Vec::new();
    let mut topic: Option<String> = None;
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            if !topics.contains(&name) {
                problems.error(file, n + 1, format!("unknown topic [{name}]; topics are {}", topics.join(", ")));
            }
            topic = Some(name.to_string());
            continue;
        }
        let Some(t) = &topic else {
            problems.error(file, n + 1, "a phrase before any [topic] header");
            continue;
        };
        let key = line.to_lowercase();
        if let Some(first) = seen.get(&key) {
            problems.warn(file, n + 1, format!("the same phrase as line {first}"));
            continue;
        }
        seen.insert(key, n + 1);
        out.push(Phrase { example: Example::new(line, t.as_str()), line: n + 1 });
    }
    out
}

/// Parses `eval.csv` (`text,label` with a header).
pub fn parse_eval(text: &str, file: &str, problems: &mut Problems, topics: &[&str]) -> Vec<Phrase> {
    let rows = csv_rows(text);
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(n, _)| n + 1);
    let header = rows.first().map(|r| r.iter().map(|c| c.trim().to_lowercase()).collect::<Vec<_>>());
    lines.next();
    if header.as_deref() != Some(&["text".to_string(), "label".to_string()][..]) {
        problems.error(file, 1, "the first line must be the header `text,label`");
        return out;
    }
    for row in rows.iter().skip(1) {
        let line = lines.next().unwrap_or(0);
        match row.as_slice() {
            [text, label] if topics.contains(&label.trim()) && !text.trim().is_empty() => {
                out.push(Phrase { example: Example::new(text.trim(), label.trim()), line });
            }
            [_, label] => problems.error(file, line, format!("unknown label '{}' (or an empty question)", label.trim())),
            _ => problems.error(file, line, "a row is `text,label`; quote a text that contains a comma"),
        }
    }
    out
}
