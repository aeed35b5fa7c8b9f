//! Reading a pack from its folder and checking it against the engine's [`schema`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::phrases::{parse_eval, parse_training};
use super::problem::{line_of, toml_error, Problem, Problems};
use super::rules::Rules;
use super::schema::{self, all_topics, GLOBAL_VARS, SENSITIVE_TOPICS};
use super::template::Template;
use super::{Article, Formats, Locale, Number, Pack};
use crate::classifier::fingerprint;

/// Bumped when feature extraction or training changes, so that models built before are stale.
pub const MODEL_VERSION: &str = "tandem-model-2";

/// Phrases per topic below which a locale gets a warning.
const FEW_PHRASES: usize = 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackToml {
    provider: ProviderToml,
    #[serde(default)]
    numbers: BTreeMap<String, Spanned<toml::Value>>,
    links: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    answers: BTreeMap<String, Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderToml {
    name: Spanned<String>,
    currency: Spanned<String>,
    locales: Spanned<Vec<String>>,
    emergency_number: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleToml {
    title: Spanned<String>,
    text: Spanned<String>,
    link: Option<Spanned<String>>,
}

type RepliesToml = BTreeMap<String, BTreeMap<String, Spanned<String>>>;

fn read(dir: &Path, file: &str, problems: &mut Problems, required: bool) -> Option<String> {
    match std::fs::read_to_string(dir.join(file)) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if required {
                problems.error(file, 0, "missing file");
            }
            None
        }
        Err(e) => {
            problems.error(file, 0, format!("cannot read: {e}"));
            None
        }
    }
}

/// Reads and checks a pack; see [`Pack::load`].
pub fn load(dir: PathBuf) -> (Option<Pack>, Vec<Problem>) {
    let mut p = Problems::default();
    if !dir.is_dir() {
        p.error(&dir.display().to_string(), 0, "not a folder: a pack is a folder with pack.toml");
        return (None, p.0);
    }
    let Some(text) = read(&dir, "pack.toml", &mut p, true) else { return (None, p.0) };
    let manifest: PackToml = match toml::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            toml_error(&mut p, "pack.toml", &text, &e);
            return (None, p.0);
        }
    };
    let at = |s: &std::ops::Range<usize>| line_of(&text, s.start);
    let f = "pack.toml";

    // Provider.
    let currency = manifest.provider.currency.get_ref().clone();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        p.error(f, at(&manifest.provider.currency.span()), format!("currency '{currency}' is not an ISO 4217 code such as EUR"));
    }
    if manifest.provider.name.get_ref().trim().is_empty() {
        p.error(f, at(&manifest.provider.name.span()), "the provider's name is empty");
    }
    let codes: Vec<String> = manifest.provider.locales.get_ref().clone();
    if codes.is_empty() {
        p.error(f, at(&manifest.provider.locales.span()), "locales is empty: list at least one, e.g. [\"en\"]");
    }
    for c in &codes {
        if !(2..=3).contains(&c.len()) || !c.chars().all(|ch| ch.is_ascii_lowercase()) {
            p.error(f, at(&manifest.provider.locales.span()), format!("locale '{c}' is not a language code such as en or sv"));
        }
    }

    // Numbers.
    let mut numbers = BTreeMap::new();
    for (name, v) in &manifest.numbers {
        let line = at(&v.span());
        let n = match v.get_ref() {
            toml::Value::Integer(i) => Some(Number::Integer(*i)),
            toml::Value::String(s) => match parse_money(s) {
                Some(m) => Some(Number::Money(m)),
                None => {
                    p.error(f, line, format!("{name} = \"{s}\": an amount is a quoted decimal such as \"7.00\""));
                    None
                }
            },
            toml::Value::Array(items) => {
                let ints: Option<Vec<i64>> = items.iter().map(|i| i.as_integer()).collect();
                match ints {
                    Some(list) if !list.is_empty() => Some(Number::List(list)),
                    _ => {
                        p.error(f, line, format!("{name}: a list holds whole numbers, e.g. [6, 12, 24]"));
                        None
                    }
                }
            }
            _ => {
                p.error(f, line, format!("{name}: a number is a whole number, a quoted amount (\"7.00\") or a list of whole numbers"));
                None
            }
        };
        if let Some(n) = n {
            numbers.insert(name.clone(), n);
        }
    }
    for (name, _) in schema::ENGINE_NUMBERS {
        match numbers.get(name) {
            Some(Number::Integer(v)) if *v >= 0 => {}
            Some(_) => p.error(f, 0, format!("[numbers] {name} must be a whole number of days")),
            None => p.error(f, 0, format!("[numbers] has no {name}: the engine computes with it")),
        }
    }

    // Links.
    let link_base = manifest.links.get("base").map(|b| b.get_ref().trim_end_matches('/').to_string()).unwrap_or_default();
    match manifest.links.get("base") {
        Some(b) if b.get_ref().starts_with("https://") => {}
        Some(b) => p.error(f, at(&b.span()), "[links] base must be an https:// address"),
        None => p.error(f, 0, "[links] has no base (the provider's app address)"),
    }
    let mut links = BTreeMap::new();
    for (name, vars) in schema::LINKS {
        match manifest.links.get(name) {
            Some(v) => {
                let line = at(&v.span());
                match Template::parse(v.get_ref(), line) {
                    Ok(t) => {
                        for var in t.vars() {
                            if !vars.contains(&var) {
                                p.error(f, line, format!("[links] {name}: unknown placeholder {{{var}}}; it may use: {}", list_vars(vars)));
                            }
                        }
                        if !v.get_ref().starts_with('/') {
                            p.error(f, line, format!("[links] {name} is a path starting with /"));
                        }
                        links.insert(name.to_string(), t);
                    }
                    Err(e) => p.error(f, line, format!("[links] {name}: {e}")),
                }
            }
            None => p.error(f, 0, format!("[links] has no {name}")),
        }
    }
    for (name, v) in &manifest.links {
        if name != "base" && !schema::LINKS.iter().any(|(n, _)| n == name) {
            p.error(f, at(&v.span()), format!("[links] {name}: the engine has no button for it"));
        }
    }

    // Answers.
    let mut answers = BTreeMap::new();
    for (topic, ids) in &manifest.answers {
        if topic != "handoff" && !all_topics().any(|t| t == topic) {
            p.error(f, at(&ids.span()), format!("[answers] {topic}: not a topic"));
        }
        answers.insert(topic.clone(), ids.get_ref().clone());
    }

    // Locales.
    let globals: Vec<String> = GLOBAL_VARS.iter().map(|s| s.to_string()).chain(numbers.keys().cloned()).collect();
    let mut locales = Vec::new();
    let mut fp_input = String::from(MODEL_VERSION);
    let mut first: Option<(String, HashMap<(String, String), usize>, BTreeMap<String, usize>)> = None;
    for code in &codes {
        if let Some(l) = load_locale(&dir, code, &globals, &mut p, first.as_ref(), &mut fp_input) {
            if first.is_none() {
                let lines = l.templates.iter().map(|(k, t)| (k.clone(), t.line)).collect();
                let arts = l.articles.iter().map(|(k, a)| (k.clone(), a.title.line)).collect();
                first = Some((code.clone(), lines, arts));
            }
            locales.push(l);
        }
    }
    // Articles cited by the engine or by [answers] exist in every locale.
    for l in &locales {
        let file = format!("{}/articles.toml", l.code);
        for id in schema::ENGINE_ARTICLES {
            if !l.articles.contains_key(id) {
                p.error(&file, 0, format!("no article [{id}]: the engine cites kb/{id}"));
            }
        }
        for (topic, ids) in &manifest.answers {
            for id in ids.get_ref() {
                if !l.articles.contains_key(id) {
                    p.error(f, at(&ids.span()), format!("[answers] {topic} cites article '{id}', which {file} does not have"));
                }
            }
        }
    }
    let pack = Pack {
        dir,
        provider: manifest.provider.name.into_inner(),
        currency,
        emergency_number: manifest.provider.emergency_number.into_inner(),
        numbers,
        link_base,
        links,
        answers,
        locales,
        fingerprint: fingerprint(&fp_input),
    };
    let ok = !p.has_errors() && pack.locales.len() == codes.len() && !codes.is_empty();
    (ok.then_some(pack), p.0)
}

/// `"7.00"` → 700 minor units.
fn parse_money(s: &str) -> Option<i64> {
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), "00"));
    if frac.len() != 2 || whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

fn list_vars(vars: &[&str]) -> String {
    if vars.is_empty() {
        "none".into()
    } else {
        vars.iter().map(|v| format!("{{{v}}}")).collect::<Vec<_>>().join(", ")
    }
}

/// The line of each `[section]` header in a TOML file.
fn section_lines(text: &str) -> HashMap<String, usize> {
    text.lines()
        .enumerate()
        .filter_map(|(n, l)| l.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')).map(|s| (s.trim().to_string(), n + 1)))
        .collect()
}

type First = (String, HashMap<(String, String), usize>, BTreeMap<String, usize>);

fn load_locale(dir: &Path, code: &str, globals: &[String], p: &mut Problems, first: Option<&First>, fp: &mut String) -> Option<Locale> {
    if !dir.join(code).is_dir() {
        p.error(code, 0, format!("missing folder for locale '{code}' (listed in pack.toml)"));
        return None;
    }
    let errors_before = p.0.iter().filter(|x| x.severity == super::Severity::Error).count();
    let topics: Vec<&str> = all_topics().collect();

    // replies.toml
    let rf = format!("{code}/replies.toml");
    let mut templates = HashMap::new();
    if let Some(text) = read(dir, &rf, p, true) {
        match toml::from_str::<RepliesToml>(&text) {
            Err(e) => toml_error(p, &rf, &text, &e),
            Ok(tables) => {
                let headers = section_lines(&text);
                for (section, keys) in &tables {
                    for (key, value) in keys {
                        let line = line_of(&text, value.span().start);
                        let Some(vars) = schema::template_vars(section, key).or_else(|| {
                            schema::OPTIONAL.iter().any(|(s, k)| s == section && k == key).then_some(&[][..])
                        }) else {
                            p.error(&rf, line, format!("unknown template [{section}] {key}: the engine never uses it"));
                            continue;
                        };
                        match Template::parse(value.get_ref(), line) {
                            Err(e) => p.error(&rf, line, format!("[{section}] {key}: {e}")),
                            Ok(t) => {
                                let plain = schema::PLAIN_SECTIONS.contains(&section.as_str());
                                for var in t.vars() {
                                    let known = vars.contains(&var) || (!plain && globals.iter().any(|g| g == var));
                                    if !known {
                                        let mut may: Vec<String> = vars.iter().map(|v| format!("{{{v}}}")).collect();
                                        if !plain {
                                            may.push("{provider}, {hours}, {emergency_number} and the numbers of pack.toml".into());
                                        }
                                        let may = if may.is_empty() { "none".to_string() } else { may.join(", ") };
                                        p.error(&rf, line, format!("[{section}] {key}: unknown placeholder {{{var}}} (not a number in pack.toml either); it may use: {may}"));
                                    }
                                }
                                templates.insert((section.clone(), key.clone()), t);
                            }
                        }
                    }
                }
                for (section, keys) in schema::TEMPLATES {
                    for (key, _) in keys.iter() {
                        if tables.get(*section).and_then(|k| k.get(*key)).is_none() {
                            let line = headers.get(*section).copied().unwrap_or(0);
                            let hint = first
                                .and_then(|(fc, lines, _)| lines.get(&(section.to_string(), key.to_string())).map(|l| format!(" ({fc}/replies.toml:{l} has it)")))
                                .unwrap_or_default();
                            p.error(&rf, line, format!("missing template [{section}] {key}{hint}"));
                        }
                    }
                }
                if let Some(d) = tables.get("format").and_then(|t| t.get("digits")) {
                    if !matches!(d.get_ref().as_str(), "latn" | "arab") {
                        p.error(&rf, line_of(&text, d.span().start), "[format] digits is \"latn\" or \"arab\"");
                    }
                }
            }
        }
    }

    // articles.toml
    let af = format!("{code}/articles.toml");
    let mut articles = BTreeMap::new();
    if let Some(text) = read(dir, &af, p, true) {
        match toml::from_str::<BTreeMap<String, ArticleToml>>(&text) {
            Err(e) => toml_error(p, &af, &text, &e),
            Ok(arts) => {
                for (id, a) in arts {
                    let tl = line_of(&text, a.title.span().start);
                    let xl = line_of(&text, a.text.span().start);
                    let check = |t: &Template, line: usize, p: &mut Problems| {
                        for var in t.vars() {
                            if !globals.iter().any(|g| g == var) {
                                p.error(&af, line, format!("[{id}]: unknown placeholder {{{var}}}: articles may use {{provider}}, {{hours}}, {{emergency_number}} and the numbers of pack.toml"));
                            }
                        }
                    };
                    let title = Template::parse(a.title.get_ref(), tl).map_err(|e| p.error(&af, tl, format!("[{id}] title: {e}"))).ok();
                    let body = Template::parse(a.text.get_ref(), xl).map_err(|e| p.error(&af, xl, format!("[{id}] text: {e}"))).ok();
                    let link = a.link.as_ref().map(|l| l.get_ref().clone());
                    if let Some(l) = &a.link {
                        if !l.get_ref().starts_with("https://") {
                            p.error(&af, line_of(&text, l.span().start), format!("[{id}] link must be an https:// address"));
                        }
                    }
                    if let (Some(title), Some(body)) = (title, body) {
                        check(&title, tl, p);
                        check(&body, xl, p);
                        articles.insert(id.clone(), Article { id, title, text: body, link });
                    }
                }
                if let Some((fc, _, first_arts)) = first {
                    for (id, l) in first_arts {
                        if !articles.contains_key(id) {
                            p.error(&af, 0, format!("missing article [{id}] ({fc}/articles.toml:{l} has it)"));
                        }
                    }
                    for (id, a) in &articles {
                        if !first_arts.contains_key(id) {
                            p.error(&af, a.title.line, format!("article [{id}] is not in {fc}/articles.toml: every locale has the same articles"));
                        }
                    }
                }
            }
        }
    }

    // training.txt
    let tf = format!("{code}/training.txt");
    let mut training = Vec::new();
    if let Some(text) = read(dir, &tf, p, true) {
        fp.push_str(&format!("\n#{code}\n"));
        fp.push_str(&text);
        training = parse_training(&text, &tf, p, &topics);
        for topic in &topics {
            let n = training.iter().filter(|ph| ph.example.label == *topic).count();
            if n == 0 {
                p.error(&tf, 0, format!("topic [{topic}] has no training phrases in {code}"));
            } else if n < FEW_PHRASES {
                p.warn(&tf, 0, format!("topic [{topic}] has only {n} training phrases in {code}; write at least {FEW_PHRASES}"));
            }
        }
    }

    // rules.txt
    let rulf = format!("{code}/rules.txt");
    let rules = read(dir, &rulf, p, true).map(|text| Rules::parse(&text, &rulf, p, &SENSITIVE_TOPICS)).unwrap_or_default();

    // eval.csv (optional)
    let ef = format!("{code}/eval.csv");
    let eval = read(dir, &ef, p, false).map(|text| parse_eval(&text, &ef, p, &topics)).unwrap_or_default();
    let df = format!("{code}/dev.csv");
    let dev = read(dir, &df, p, false).map(|text| parse_eval(&text, &df, p, &topics)).unwrap_or_default();

    let errors_after = p.0.iter().filter(|x| x.severity == super::Severity::Error).count();
    if errors_after > errors_before {
        return None;
    }
    let t = |k: &str| templates.get(&("format".to_string(), k.to_string())).cloned().expect("checked above");
    let formats = Formats {
        decimal: t("decimal").literal(),
        group: t("group").literal(),
        money: t("money"),
        date: t("date"),
        list_or: t("list_or"),
        list_and: t("list_and"),
        list_separator: t("list_separator").literal(),
        order: t("order"),
        percent: t("percent"),
        arabic_digits: templates.get(&("format".to_string(), "digits".to_string())).is_some_and(|d| d.literal() == "arab"),
    };
    Some(Locale { code: code.to_string(), formats, templates, articles, training, rules, eval, dev })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_parsed_exactly() {
        assert_eq!(parse_money("7.00"), Some(700));
        assert_eq!(parse_money("12"), Some(1200));
        assert_eq!(parse_money("7.5"), None);
        assert_eq!(parse_money("-1.00"), None);
    }
}
