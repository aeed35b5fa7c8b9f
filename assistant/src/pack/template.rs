//! Templates: text with named `{placeholders}`, filled in when a reply is written.

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

/// A parsed template and the line it was written on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// 1-based line in its file (0 for templates built in code).
    pub line: usize,
}

impl Template {
    /// Parses `{name}` placeholders (names of letters, digits and `_`). `{{` and `}}` write a brace.
    pub fn parse(text: &str, line: usize) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(ch) if ch.is_ascii_alphanumeric() || ch == '_' => name.push(ch),
                            Some(ch) => return Err(format!("'{ch}' inside a placeholder: names are letters, digits and _ (write {{{{ for a brace)")),
                            None => return Err(format!("placeholder {{{name} is not closed with }}")),
                        }
                    }
                    if name.is_empty() {
                        return Err("empty placeholder {}".into());
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Var(name));
                }
                '}' => return Err("a lone } (write }} for a brace)".into()),
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Template { parts, line })
    }

    /// The placeholder names, in order of appearance.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Text(_) => None,
        })
    }

    /// The text with each placeholder replaced by `value(name)`; an unknown name is kept as
    /// `{name}` (a checked pack has none).
    pub fn render(&self, value: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => match value(v) {
                    Some(s) => out.push_str(&s),
                    None => {
                        out.push('{');
                        out.push_str(v);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// The template's literal text when it has no placeholders.
    pub fn literal(&self) -> String {
        self.render(&|_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_filled() {
        let t = Template::parse("Your next payment is {amount}, due {date}.", 1).unwrap();
        assert_eq!(t.vars().collect::<Vec<_>>(), ["amount", "date"]);
        let s = t.render(&|v| Some(if v == "amount" { "€5".into() } else { "today".into() }));
        assert_eq!(s, "Your next payment is €5, due today.");
        assert_eq!(Template::parse("{{literal}}", 1).unwrap().literal(), "{literal}");
    }

    #[test]
    fn broken_placeholders_are_refused() {
        assert!(Template::parse("due {date", 1).unwrap_err().contains("not closed"));
        assert!(Template::parse("due {da te}", 1).is_err());
        assert!(Template::parse("due {}", 1).is_err());
        assert!(Template::parse("a } b", 1).is_err());
    }
}
