//! `rules.txt`: a locale's always-a-person rules and conversation cues, and the normalisation the
//! message and every pattern go through before they are compared (see docs/provider-packs.md).

use super::problem::Problems;
use crate::classifier::normalize;

/// A pattern: parts that must occur in order, each starting at a word start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// Each part with a leading space (a word start) and, for whole words, a trailing one.
    parts: Vec<String>,
    /// The last part must end the message.
    at_end: bool,
    /// Index of the first part in the rules' prefilter ([`Rules::scan`]).
    first: usize,
}

/// Which first parts of a locale's patterns occur in a message: one pass over the text instead
/// of one search per pattern (a locale has thousands of patterns).
pub struct Seen(Vec<bool>);

/// A message read for the rules: its prepared text and what one prefilter pass saw in it, so
/// every check of a reply shares that one pass.
pub struct Prepared {
    /// See [`Rules::prepare`].
    pub text: String,
    seen: Seen,
}

impl Pattern {
    /// Whether the prepared text (see [`Rules::prepare`]) contains the pattern, given what
    /// [`Rules::scan`] saw in it.
    pub fn matches_in(&self, text: &str, seen: &Seen) -> bool {
        seen.0.get(self.first).copied().unwrap_or(true) && self.matches(text)
    }

    /// Whether the prepared text (see [`Rules::prepare`]) contains the pattern.
    pub fn matches(&self, text: &str) -> bool {
        if self.at_end {
            let Some((last, rest)) = self.parts.split_last() else { return false };
            let body = text.trim_end();
            let Some(head) = body.strip_suffix(last.trim_end()) else { return false };
            return Pattern { parts: rest.to_vec(), at_end: false, first: 0 }.matches(&format!("{head} "));
        }
        let mut at = 0;
        for part in &self.parts {
            match text[at..].find(part.as_str()) {
                // A whole-word part ends on a space, which the next part may start with.
                Some(i) => at += i + part.trim_end_matches(' ').len(),
                None => return false,
            }
        }
        true
    }

    /// Whether the prepared text starts with the pattern's first part (for openings).
    pub fn starts_in(&self, text: &str, seen: &Seen) -> bool {
        seen.0.get(self.first).copied().unwrap_or(true) && self.starts(text)
    }

    /// Whether the prepared text starts with the pattern's first part (for openings).
    pub fn starts(&self, text: &str) -> bool {
        self.parts.first().is_some_and(|p| text.starts_with(p.as_str()))
    }
}

/// An always-a-person rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub topic: String,
    pub pattern: Pattern,
    /// Patterns that stop the rule.
    pub unless: Vec<Pattern>,
    /// Line in `rules.txt`.
    pub line: usize,
}

/// One locale's rules.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Finds every pattern's first part in one pass (see [`Seen`]).
    prefilter: Option<aho_corasick::AhoCorasick>,
    replacements: Vec<(String, String)>,
    /// Finds which replacements' `from` occur, in one pass (see [`Rules::replace`]).
    replacing: Option<aho_corasick::AhoCorasick>,
    pub always: Vec<Rule>,
    pub person: Vec<Pattern>,
    pub contact: Vec<Pattern>,
    pub identity: Vec<Pattern>,
    pub identity_words: Vec<Pattern>,
    pub anger: Vec<Pattern>,
    pub crisis: Vec<Pattern>,
}

/// The sections besides `[always <topic>]`.
const SECTIONS: [&str; 7] = ["normalize", "person", "contact", "identity", "identity-words", "anger", "crisis"];

/// Folds what shoppers type inconsistently: accents and umlauts, Arabic alef/hamza forms, ta
/// marbuta and alef maqsura, Arabic diacritics and tatweel, Arabic-Indic digits.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => out.push('a'),
            'ç' | 'Ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
            'ñ' | 'Ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => out.push('u'),
            'ý' | 'ÿ' | 'Ý' => out.push('y'),
            'ß' => out.push_str("ss"),
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            'ى' | 'ئ' => out.push('ي'),
            'ؤ' => out.push('و'),
            'ة' => out.push('ه'),
            '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => {}
            '\u{0660}'..='\u{0669}' => out.push(char::from(b'0' + (c as u32 - 0x0660) as u8)),
            '\u{06F0}'..='\u{06F9}' => out.push(char::from(b'0' + (c as u32 - 0x06F0) as u8)),
            _ => out.push(c),
        }
    }
    out
}

impl Rules {
    /// Normalises a message for the rules: folded, lower case, no punctuation, digits as `0`,
    /// the `[normalize]` replacements applied, padded with a space on each side.
    pub fn prepare(&self, text: &str) -> String {
        let mut norm = String::new();
        normalize(&fold(text), &mut norm);
        self.replace(format!(" {norm} "))
    }

    /// Applies the `[normalize]` replacements to padded text: each until it no longer occurs
    /// (a replacement never contains what it replaces, checked at load), at most a few rounds.
    /// One pass finds which of them occur; it is repeated only after a replacement changed the
    /// text (a later one may occur in what an earlier one wrote), so the result is the same as
    /// looking for each in turn.
    fn replace(&self, mut out: String) -> String {
        let occurring = |text: &str| -> Option<Vec<bool>> {
            let ac = self.replacing.as_ref()?;
            let mut seen = vec![false; self.replacements.len()];
            for m in ac.find_overlapping_iter(text) {
                seen[m.pattern().as_usize()] = true;
            }
            Some(seen)
        };
        let mut seen = occurring(&out);
        for (i, (from, to)) in self.replacements.iter().enumerate() {
            if seen.as_ref().is_some_and(|seen| !seen[i]) {
                continue;
            }
            let mut changed = false;
            for _ in 0..8 {
                if !out.contains(from.as_str()) {
                    break;
                }
                out = out.replace(from.as_str(), to);
                changed = true;
            }
            if changed {
                seen = occurring(&out);
            }
        }
        out
    }

    /// Parses `rules.txt`; problems are recorded with `file` and line.
    pub fn parse(text: &str, file: &str, problems: &mut Problems, topics: &[&str]) -> Rules {
        let mut rules = Rules::default();
        let mut section: Option<String> = None;
        // Replacements come first so that patterns can be prepared with them.
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = Some(name.trim().to_string());
                continue;
            }
            if section.as_deref() != Some("normalize") || line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once("=>") {
                Some((from, to)) => {
                    // Whole words by default; `~` replaces anywhere, also inside words.
                    let (inside, from) = match from.trim().strip_prefix('~') {
                        Some(f) => (true, f),
                        None => (false, from),
                    };
                    let (from, to) = (words(from), words(to));
                    let (from, to) = if inside { (from, to) } else { (format!(" {from} "), format!(" {to} ")) };
                    if from.trim().is_empty() {
                        problems.error(file, n + 1, "a replacement needs text before =>");
                    } else if to.contains(from.as_str()) {
                        problems.error(file, n + 1, format!("'{}' would be replaced again inside its own replacement '{}'", from.trim(), to.trim()));
                    } else {
                        rules.replacements.push((from, to));
                    }
                }
                None => problems.error(file, n + 1, "a [normalize] line is `from => to` (`~from => to` to replace inside words too)"),
            }
        }
        rules.replacing = aho_corasick::AhoCorasick::new(rules.replacements.iter().map(|(from, _)| from)).ok();
        section = None;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim();
                if let Some(topic) = name.strip_prefix("always ") {
                    if !topics.contains(&topic.trim()) {
                        problems.error(file, line_no, format!("[always {topic}]: '{topic}' is not an always-a-person topic (one of {})", topics.join(", ")));
                    }
                } else if !SECTIONS.contains(&name) {
                    problems.error(file, line_no, format!("unknown section [{name}]; sections are [always <topic>] and [{}]", SECTIONS.join("], [")));
                }
                section = Some(name.to_string());
                continue;
            }
            let Some(sec) = section.as_deref() else {
                problems.error(file, line_no, "a pattern before any [section]");
                continue;
            };
            if sec == "normalize" {
                continue;
            }
            let (pat, unless) = match line.split_once('|') {
                Some((p, u)) => (p, Some(u)),
                None => (line, None),
            };
            let pattern = match rules.pattern(pat) {
                Ok(p) => p,
                Err(e) => {
                    problems.error(file, line_no, e);
                    continue;
                }
            };
            let mut stops = Vec::new();
            for u in unless.into_iter().flat_map(|u| u.split(',')) {
                match rules.pattern(u) {
                    Ok(p) => stops.push(p),
                    Err(e) => problems.error(file, line_no, format!("after |: {e}")),
                }
            }
            if !stops.is_empty() && !sec.starts_with("always ") {
                problems.error(file, line_no, "exceptions after | are only for [always <topic>] rules");
            }
            match sec {
                "person" => rules.person.push(pattern),
                "contact" => rules.contact.push(pattern),
                "identity" => rules.identity.push(pattern),
                "identity-words" => rules.identity_words.push(pattern),
                "anger" => rules.anger.push(pattern),
                "crisis" => rules.crisis.push(pattern),
                s => {
                    let topic = s.trim_start_matches("always ").trim().to_string();
                    rules.always.push(Rule { topic, pattern, unless: stops, line: line_no });
                }
            }
        }
        rules.index();
        for topic in topics {
            if !rules.always.iter().any(|r| r.topic == *topic) {
                problems.error(file, 0, format!("no [always {topic}] rules: every always-a-person topic needs rules in every locale"));
            }
        }
        for (name, list) in [("person", &rules.person), ("contact", &rules.contact), ("identity", &rules.identity), ("anger", &rules.anger)] {
            if list.is_empty() {
                problems.error(file, 0, format!("no [{name}] patterns"));
            }
        }
        rules
    }

    /// Parses one pattern: `*` gaps, a final `.` for a whole word, a final `$` for the end.
    fn pattern(&self, text: &str) -> Result<Pattern, String> {
        let mut t = text.trim();
        let at_end = t.ends_with('$');
        if at_end {
            t = t[..t.len() - 1].trim_end();
        }
        let mut parts = Vec::new();
        for part in t.split('*') {
            let part = part.trim();
            // `~` in front: anywhere, also inside a word (German compounds: `~diagnose`).
            let (inside, part) = match part.strip_prefix('~') {
                Some(p) => (true, p.trim_start()),
                None => (false, part),
            };
            let whole = part.ends_with('.');
            let mut w = words(part.trim_end_matches('.'));
            if w.is_empty() {
                return Err(format!("'{}' has an empty part: write words between the * gaps", text.trim()));
            }
            // The replacements apply to patterns as to messages.
            w = self.replace(format!(" {w} ")).trim().to_string();
            let lead = if inside { "" } else { " " };
            parts.push(if whole { format!("{lead}{w} ") } else { format!("{lead}{w}") });
        }
        Ok(Pattern { parts, at_end, first: usize::MAX })
    }

    /// Gives every pattern's first part an id and builds the one-pass prefilter over them.
    fn index(&mut self) {
        let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut firsts: Vec<String> = Vec::new();
        let mut assign = |p: &mut Pattern| {
            let key = p.parts.first().cloned().unwrap_or_default();
            p.first = *ids.entry(key.clone()).or_insert_with(|| {
                firsts.push(key);
                firsts.len() - 1
            });
        };
        for r in &mut self.always {
            assign(&mut r.pattern);
            r.unless.iter_mut().for_each(&mut assign);
        }
        for list in [&mut self.person, &mut self.contact, &mut self.identity, &mut self.identity_words, &mut self.anger, &mut self.crisis] {
            list.iter_mut().for_each(&mut assign);
        }
        self.prefilter = aho_corasick::AhoCorasick::new(&firsts).ok();
    }

    /// Prepares a message and scans it once for every check below.
    pub fn read(&self, message: &str) -> Prepared {
        let text = self.prepare(message);
        let seen = self.scan(&text);
        Prepared { text, seen }
    }

    /// Which patterns' first parts occur in the prepared text (all, when there is no prefilter).
    fn scan(&self, prepared: &str) -> Seen {
        let Some(ac) = &self.prefilter else { return Seen(Vec::new()) };
        let mut seen = vec![false; ac.patterns_len()];
        for m in ac.find_overlapping_iter(prepared) {
            seen[m.pattern().as_usize()] = true;
        }
        Seen(seen)
    }

    /// The always-a-person topics whose rules match the prepared text, without repeats, in rule order.
    pub fn sensitive_hits(&self, p: &Prepared) -> Vec<&str> {
        let (prepared, seen) = (p.text.as_str(), &p.seen);
        let mut hits: Vec<&str> = Vec::new();
        for rule in &self.always {
            if hits.contains(&rule.topic.as_str()) {
                continue;
            }
            if rule.pattern.matches_in(prepared, seen) && !rule.unless.iter().any(|u| u.matches_in(prepared, seen)) {
                hits.push(&rule.topic);
            }
        }
        hits
    }

    /// Whether the text asks for a person (and is not a question about what the assistant is).
    pub fn asks_for_person(&self, p: &Prepared) -> bool {
        let (prepared, seen) = (p.text.as_str(), &p.seen);
        if self.identity.iter().any(|o| o.starts_in(prepared, seen)) {
            return false;
        }
        let words = prepared.split_whitespace().count();
        self.person.iter().any(|w| w.matches_in(prepared, seen)) && (words <= 4 || self.contact.iter().any(|v| v.matches_in(prepared, seen)))
    }

    /// Whether the text asks if the assistant is a person or a machine.
    pub fn asks_identity(&self, p: &Prepared) -> bool {
        let (prepared, seen) = (p.text.as_str(), &p.seen);
        self.identity.iter().any(|o| o.starts_in(prepared, seen)) && self.identity_words.iter().any(|w| w.matches_in(prepared, seen))
    }

    /// Anger or exasperation in the words, `!!`, or shouting (mostly capital letters).
    pub fn frustrated(&self, raw: &str, p: &Prepared) -> bool {
        let (prepared, seen) = (p.text.as_str(), &p.seen);
        if self.anger.iter().any(|a| a.matches_in(prepared, seen)) {
            return true;
        }
        if raw.contains("!!") || raw.contains("?!?") {
            return true;
        }
        let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = letters.iter().filter(|c| c.is_uppercase()).count();
        letters.len() >= 8 && upper * 10 >= letters.len() * 8 && raw.split_whitespace().count() >= 2
    }

    /// Words of a crisis.
    pub fn crisis(&self, p: &Prepared) -> bool {
        let (prepared, seen) = (p.text.as_str(), &p.seen);
        self.crisis.iter().any(|c| c.matches_in(prepared, seen))
    }
}

/// A pattern's or replacement's words, normalised like messages (no padding).
fn words(text: &str) -> String {
    let mut norm = String::new();
    normalize(&fold(text), &mut norm);
    norm.trim().to_string()
}

#[cfg(test)]
mod tests;
