//! Provider packs: everything the assistant says for one provider, as data in a folder (schema:
//! `docs/provider-packs.md`). [`Pack::load`] reads and checks a pack and reports every problem
//! with its file and line; the engine only ever sees a pack without errors.

pub mod cli;
mod format;
mod load;
mod phrases;
mod problem;
mod rules;
pub mod schema;
mod template;
mod voice;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

pub use format::Formats;
pub use phrases::Phrase;
pub use problem::{Problem, Severity};
pub use rules::{fold, Pattern, Prepared, Rules};
pub use template::Template;
pub use voice::Voice;

/// A policy number from `pack.toml` `[numbers]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Number {
    /// A count of days, a percentage, ...
    Integer(i64),
    /// An amount in minor units of the provider's currency (`"7.00"` → 700).
    Money(i64),
    /// Several values, written "a, b or c".
    List(Vec<i64>),
}

/// A knowledge-base article in one locale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// Id without the `kb/` prefix, e.g. `late-fee`.
    pub id: String,
    pub title: Template,
    pub text: Template,
    /// An https page with more, if the provider has one.
    pub link: Option<String>,
}

/// Everything one locale of a pack holds.
#[derive(Clone, Debug)]
pub struct Locale {
    /// `en`, `sv`, ...
    pub code: String,
    pub formats: Formats,
    /// `(section, key)` → template.
    pub templates: HashMap<(String, String), Template>,
    pub articles: BTreeMap<String, Article>,
    pub training: Vec<Phrase>,
    pub rules: Rules,
    /// Held-out labelled test questions (`eval.csv`, may be empty).
    pub eval: Vec<Phrase>,
    /// Labelled questions looked at while tuning the pack (`dev.csv`, optional): reported apart
    /// from the held-out ones.
    pub dev: Vec<Phrase>,
}

/// A loaded, checked provider pack.
#[derive(Clone, Debug)]
pub struct Pack {
    /// Where it was read from.
    pub dir: PathBuf,
    /// The provider's name, e.g. `Acme Credit`.
    pub provider: String,
    /// ISO 4217 code of the provider's currency.
    pub currency: String,
    pub emergency_number: String,
    pub numbers: BTreeMap<String, Number>,
    /// Base URL of the provider's app, and the paths of `[links]`.
    pub link_base: String,
    pub links: BTreeMap<String, Template>,
    /// Topic (or `handoff`) → the articles that state its policy.
    pub answers: BTreeMap<String, Vec<String>>,
    /// In the pack's order; the first is the fallback.
    pub locales: Vec<Locale>,
    /// Fingerprint of the training phrases of every locale and the engine's model version: a
    /// model built for another fingerprint is stale.
    pub fingerprint: u64,
}

impl Pack {
    /// Reads and checks the pack in `dir`. Returns the pack when it has no errors, and every
    /// problem found (warnings too), each with its file and line.
    pub fn load(dir: impl Into<PathBuf>) -> (Option<Pack>, Vec<Problem>) {
        load::load(dir.into())
    }

    /// The demo pack shipped with the source, for tests and tools: the workspace names it
    /// (`TANDEM_DEMO_PACK` in `.cargo/config.toml`), not the engine.
    pub fn demo_dir() -> PathBuf {
        PathBuf::from(env!("TANDEM_DEMO_PACK"))
    }

    /// The locale data for `code` (a BCP 47 tag; its language part is used), if the pack has it.
    pub fn locale(&self, code: &str) -> Option<&Locale> {
        let lang = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
        self.locales.iter().find(|l| l.code == lang)
    }

    /// The locale for `code`, or the pack's first.
    pub fn locale_or_default(&self, code: &str) -> &Locale {
        self.locale(code).unwrap_or(&self.locales[0])
    }

    /// The locale codes, in the pack's order.
    pub fn locale_codes(&self) -> Vec<&str> {
        self.locales.iter().map(|l| l.code.as_str()).collect()
    }
}
