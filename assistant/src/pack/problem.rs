//! Problems found while loading or checking a pack, each with the file and line to fix.

use std::fmt;

/// How bad a problem is: an error stops the pack from loading, a warning is reported only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Path inside the pack, e.g. `sv/replies.toml`.
    pub file: String,
    /// 1-based line; 0 when the problem is about the file as a whole (e.g. it is missing).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line > 0 {
            write!(f, "{}:{}: {kind}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {kind}: {}", self.file, self.message)
        }
    }
}

/// Collects problems while a pack is read.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records an error.
    pub fn error(&mut self, file: &str, line: usize, message: impl Into<String>) {
        self.0.push(Problem { severity: Severity::Error, file: file.into(), line, message: message.into() });
    }

    /// Records a warning.
    pub fn warn(&mut self, file: &str, line: usize, message: impl Into<String>) {
        self.0.push(Problem { severity: Severity::Warning, file: file.into(), line, message: message.into() });
    }

    /// Whether any error (not only warnings) was recorded.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|p| p.severity == Severity::Error)
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Turns a TOML parse error into a problem at its line.
pub fn toml_error(problems: &mut Problems, file: &str, text: &str, e: &toml::de::Error) {
    let line = e.span().map_or(0, |s| line_of(text, s.start));
    problems.error(file, line, e.message().trim().to_string());
}
