//! Which of the pack's languages a message is written in, or none of them.
//!
//! The script decides first (a message in Arabic letters is Arabic when one locale writes Arabic,
//! whatever its words; one in Cyrillic or Han is in no language of a pack that has none). Among
//! locales that share a script, a message whose words are almost all unknown to every one of them
//! is in another language; otherwise a classifier trained on the pack's own phrases (labelled by
//! locale) decides when the message has enough words and it is sure, else the session's locale
//! stands.

use std::collections::{HashMap, HashSet};

use crate::classifier::{normalize, Classifier, Example, TrainConfig};
use crate::pack::{fold, Pack};

/// The classifier must be at least this sure to switch away from the session's locale.
const SWITCH_CONFIDENCE: f32 = 0.9;
/// Words (of 2+ letters) a message needs before its language can differ from the session's.
const MIN_WORDS: usize = 2;
/// A message of at least this many words (3+ letters) is in another language when fewer than
/// [`MIN_KNOWN`] of them occur in any locale's phrases.
const COVERAGE_WORDS: usize = 3;
const MIN_KNOWN: f32 = 0.25;

/// A rough writing-system bucket of a letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    Latin,
    Arabic,
    Cyrillic,
    Greek,
    Hebrew,
    Cjk,
    Indic,
    Thai,
    Other,
}

/// The script of one letter.
pub fn script(c: char) -> Script {
    match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
        0x0370..=0x03FF => Script::Greek,
        0x0400..=0x052F => Script::Cyrillic,
        0x0590..=0x05FF => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x0900..=0x0DFF => Script::Indic,
        0x0E00..=0x0E7F => Script::Thai,
        0x3040..=0x30FF | 0x3400..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF => Script::Cjk,
        _ => Script::Other,
    }
}

/// The script most of a text's letters are in, if it has letters.
fn main_script(text: &str) -> Option<Script> {
    let mut counts: HashMap<Script, usize> = HashMap::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        *counts.entry(script(c)).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(s, n)| (*n, *s == Script::Latin)).map(|(s, _)| s)
}

/// The language a message is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    /// One of the pack's locales.
    Locale(String),
    /// None of them.
    Unsupported,
}

/// The language identifier of a pack.
#[derive(Clone, Debug)]
pub struct LanguageId {
    classifier: Classifier,
    /// Locale → the script its phrases are mostly written in.
    scripts: Vec<(String, Script)>,
    /// Every folded word (3+ letters) of every locale's phrases and templates.
    vocabulary: HashSet<String>,
}

fn words(text: &str) -> Vec<String> {
    let mut norm = String::new();
    normalize(&fold(text), &mut norm);
    norm.split(' ').filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2).map(String::from).collect()
}

impl LanguageId {
    /// Trains the identifier on the pack's phrases, labelled by locale.
    pub fn train(pack: &Pack) -> LanguageId {
        let examples: Vec<Example> = pack.locales.iter().flat_map(|l| l.training.iter().map(|p| Example::new(p.example.text.clone(), l.code.clone()))).collect();
        let classifier = Classifier::train(&examples, &TrainConfig { epochs: 10, ..TrainConfig::default() });
        let classifier = Classifier::from_bytes(&classifier.to_bytes()).expect("a model reads back what it wrote");
        LanguageId::from_classifier(classifier, pack)
    }

    /// Wraps a trained classifier, with the pack's scripts and vocabulary.
    pub fn from_classifier(classifier: Classifier, pack: &Pack) -> LanguageId {
        let mut vocabulary = HashSet::new();
        let mut scripts = Vec::new();
        for l in &pack.locales {
            let all: String = l.training.iter().map(|p| p.example.text.as_str()).collect::<Vec<_>>().join(" ");
            scripts.push((l.code.clone(), main_script(&all).unwrap_or(Script::Latin)));
            for p in &l.training {
                vocabulary.extend(words(&p.example.text).into_iter().filter(|w| w.chars().count() >= 3));
            }
            for t in l.templates.values() {
                vocabulary.extend(words(&t.literal()).into_iter().filter(|w| w.chars().count() >= 3));
            }
        }
        LanguageId { classifier, scripts, vocabulary }
    }

    /// The underlying classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The language of `text`, for a session in `session` (a pack locale code).
    pub fn detect(&self, text: &str, session: &str) -> Detected {
        let Some(main) = main_script(text) else { return Detected::Locale(session.to_string()) };
        let candidates: Vec<&str> = self.scripts.iter().filter(|(_, s)| *s == main).map(|(c, _)| c.as_str()).collect();
        if candidates.is_empty() {
            return Detected::Unsupported;
        }
        // The only locale written in this script: no other pack language can be meant.
        if candidates.len() == 1 {
            return Detected::Locale(candidates[0].to_string());
        }
        // Several locales share the script: a message whose words are almost all unknown to
        // every one of them is in another language that uses it too.
        let ws = words(text);
        let long: Vec<&String> = ws.iter().filter(|w| w.chars().count() >= 3).collect();
        if long.len() >= COVERAGE_WORDS {
            let known = long.iter().filter(|w| self.vocabulary.contains(w.as_str())).count();
            if (known as f32) < MIN_KNOWN * long.len() as f32 {
                return Detected::Unsupported;
            }
        }
        let session_fits = candidates.contains(&session);
        if ws.len() < MIN_WORDS && session_fits {
            return Detected::Locale(session.to_string());
        }
        let pred = self.classifier.predict(text);
        // Only the locales of this script compete.
        let best = candidates
            .iter()
            .filter_map(|c| self.classifier.label_index(c).map(|i| (*c, pred.probs[i])))
            .fold(("", -1.0f32), |m, x| if x.1 > m.1 { x } else { m });
        if !session_fits || (best.0 != session && best.1 >= SWITCH_CONFIDENCE) {
            return Detected::Locale(best.0.to_string());
        }
        Detected::Locale(session.to_string())
    }
}
