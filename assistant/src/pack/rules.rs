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
mod tests {
    use super::*;

    fn rules(text: &str) -> (Rules, Problems) {
        let mut p = Problems::default();
        let r = Rules::parse(text, "xx/rules.txt", &mut p, &["hardship", "dispute"]);
        (r, p)
    }

    const BASE: &str = "[normalize]\ncannot => cant\n~ae => a\nim => i am\n[always hardship]\ncan't afford\nlost my job.\n~diagnose\n[always dispute]\nbroken | website, app.\nstore * ignor\n[person]\nperson\n[contact]\ntalk\n[identity]\nare you\n[identity-words]\nbot\n[anger]\nuseless\n[crisis]\nend it all\n";

    /// Every replacement looked for in turn on the current text: what `replace` must equal.
    fn replace_each_in_turn(r: &Rules, mut out: String) -> String {
        for (from, to) in &r.replacements {
            for _ in 0..8 {
                if !out.contains(from.as_str()) {
                    break;
                }
                out = out.replace(from.as_str(), to);
            }
        }
        out
    }

    #[test]
    fn replacements_found_in_one_pass_give_what_each_in_turn_gives() {
        // The second rule applies to what the first wrote, the third to what the second wrote; the
        // fourth's text is removed by the first before its turn.
        let (r, p) = rules("[normalize]\ncannot => can not\ncan not => cant\ncant => unable\nnot => never\n~xy => yx\n~yy => z\n");
        assert!(p.0.iter().all(|p| p.line == 0), "only the missing sections are reported: {:?}", p.0);
        assert_eq!(r.prepare("I cannot pay, not now"), " i unable pay never now ");
        assert_eq!(r.prepare("xyy"), " zx ", "a rule repeats on its own output (xyy, yxy, yyx), the next sees it (zx)");
        for text in ["I cannot pay, not now", "xyy yy", "xxyy", "cannot cannot not", "nothing here", ""] {
            let padded = format!(" {text} ");
            assert_eq!(r.replace(padded.clone()), replace_each_in_turn(&r, padded), "{text}");
        }
        // The packs' own rules and training phrases, every locale.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packs");
        let mut checked = 0;
        for pack in std::fs::read_dir(&root).unwrap().flatten() {
            for locale in std::fs::read_dir(pack.path()).into_iter().flatten().flatten() {
                let (Ok(rules_txt), Ok(training)) = (std::fs::read_to_string(locale.path().join("rules.txt")), std::fs::read_to_string(locale.path().join("training.txt"))) else { continue };
                let mut p = Problems::default();
                let r = Rules::parse(&rules_txt, "rules.txt", &mut p, &[]);
                for line in training.lines().chain(rules_txt.lines()) {
                    let mut norm = String::new();
                    crate::classifier::normalize(&fold(line), &mut norm);
                    let padded = format!(" {norm} ");
                    assert_eq!(r.replace(padded.clone()), replace_each_in_turn(&r, padded), "{}: {line}", locale.path().display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "the packs' phrases were read ({checked})");
    }

    #[test]
    fn patterns_match_at_word_starts_with_gaps_exceptions_and_folding() {
        let (r, p) = rules(BASE);
        assert!(p.0.is_empty(), "{:?}", p.0);
        let hits = |t: &str| r.sensitive_hits(&r.read(t)).into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(hits("I cannot afford it"), ["hardship"]);
        assert_eq!(hits("I CAN'T AFFORD it"), ["hardship"]);
        assert_eq!(r.prepare("Im at the time"), " i am at the time ", "whole-word replacements leave other words alone");
        assert_eq!(r.prepare("gekuendigt"), " gekuendigt ");
        assert_eq!(r.prepare("Raeder"), " rader ", "~ replaces inside words");
        assert!(hits("I lost my jobs list").is_empty(), "a final . ends the word");
        assert_eq!(hits("the lamp is broken"), ["dispute"]);
        assert!(hits("your website is broken").is_empty());
        assert_eq!(hits("the store keeps ignoring me"), ["dispute"]);
        assert!(hits("restore ignored").is_empty(), "parts start at word starts");
        assert_eq!(hits("eine krebsdiagnose"), ["hardship"], "~ matches inside words");
        let (gap, _) = rules("[always hardship]\nlost. * job\n[always dispute]\nx\n[person]\np\n[contact]\nc\n[identity]\ni\n[anger]\na\n");
        assert_eq!(gap.sensitive_hits(&gap.read("I lost job")), ["hardship"], "a whole word then the next part, side by side");
        assert!(r.asks_for_person(&r.read("can I talk to a person")));
        assert!(!r.asks_for_person(&r.read("are you a person?")));
        assert!(r.asks_identity(&r.read("are you a bot")));
        assert!(r.crisis(&r.read("I want to end it all")));
    }

    #[test]
    fn folding_covers_accents_and_arabic_forms() {
        assert_eq!(fold("Nächste Größe"), "Nachste Grosse");
        assert_eq!(fold("أريد إلغاء"), "اريد الغاء");
        assert_eq!(fold("مَدْرَسَة"), "مدرسه");
        assert_eq!(fold("١٢٣"), "123");
    }

    #[test]
    fn mistakes_are_reported_with_their_line() {
        let (_, p) = rules("[always hardship]\nok\n[always weather]\nrain\n[sometimes]\nx\n[person]\n* *\n[normalize]\nhab => habe hab\n");
        let lines: Vec<(usize, &str)> = p.0.iter().map(|x| (x.line, x.message.as_str())).collect();
        assert!(lines.iter().any(|(l, m)| *l == 3 && m.contains("not an always-a-person topic")), "{lines:?}");
        assert!(lines.iter().any(|(l, m)| *l == 5 && m.contains("unknown section")), "{lines:?}");
        assert!(lines.iter().any(|(l, m)| *l == 8 && m.contains("empty part")), "{lines:?}");
        assert!(lines.iter().any(|(_, m)| m.contains("no [always dispute]")), "{lines:?}");
        assert!(lines.iter().any(|(l, m)| *l == 10 && m.contains("replaced again")), "{lines:?}");
    }
}
