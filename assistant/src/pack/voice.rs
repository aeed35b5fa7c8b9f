//! A [`Voice`]: one locale of a pack, with the support hours, writing the engine's sentences.

use chrono::NaiveDate;
use tandem_protocol::Money;

use super::{Locale, Number, Pack};
use crate::account::Order;
use crate::hours::SupportHours;

/// Writes sentences, labels, amounts and dates in one locale of a pack.
#[derive(Clone, Copy, Debug)]
pub struct Voice<'a> {
    pub pack: &'a Pack,
    pub locale: &'a Locale,
    pub hours: SupportHours,
}

impl<'a> Voice<'a> {
    /// The voice for `locale` (the pack's first locale when it does not have it).
    pub fn new(pack: &'a Pack, locale: &str, hours: SupportHours) -> Voice<'a> {
        Voice { pack, locale: pack.locale_or_default(locale), hours }
    }

    /// The locale code this voice writes.
    pub fn code(&self) -> &'a str {
        &self.locale.code
    }

    /// The support hours as this locale writes them.
    pub fn hours_text(&self) -> String {
        match self.hours.times() {
            None => self.template("hours", "always", &[]),
            Some((open, close)) => {
                let (open, close) = (self.locale.formats.digits(open), self.locale.formats.digits(close));
                self.template("hours", "daily", &[("open", open), ("close", close)])
            }
        }
    }

    /// A pack-wide value: provider, hours, emergency number or a policy number.
    fn global(&self, name: &str) -> Option<String> {
        let f = &self.locale.formats;
        match name {
            "provider" => Some(self.pack.provider.clone()),
            "hours" => Some(self.hours_text()),
            "emergency_number" => Some(f.digits(&self.pack.emergency_number)),
            _ => self.pack.numbers.get(name).map(|n| match n {
                Number::Integer(i) => f.digits(i),
                Number::Money(m) => f.money(&Money { minor: *m, currency: self.pack.currency.clone() }, &self.pack.currency),
                Number::List(items) => f.list(&items.iter().map(|i| f.digits(i)).collect::<Vec<_>>(), true),
            }),
        }
    }

    fn template(&self, section: &str, key: &str, vars: &[(&str, String)]) -> String {
        match self.locale.templates.get(&(section.to_string(), key.to_string())) {
            Some(t) => t.render(&|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).or_else(|| self.global(name))),
            // A checked pack has every template of the schema; a key missing from the schema is a
            // bug in the engine that tests catch.
            None => format!("[{section}.{key}]"),
        }
    }

    /// A sentence from `[say]`.
    pub fn say(&self, key: &str, vars: &[(&str, String)]) -> String {
        self.template("say", key, vars)
    }

    /// A sentence from `[server]`.
    pub fn server(&self, key: &str, vars: &[(&str, String)]) -> String {
        self.template("server", key, vars)
    }

    /// A card title or field label from `[labels]`.
    pub fn label(&self, key: &str, vars: &[(&str, String)]) -> String {
        self.template("labels", key, vars)
    }

    /// A button label from `[buttons]`.
    pub fn button(&self, key: &str, vars: &[(&str, String)]) -> String {
        self.template("buttons", key, vars)
    }

    /// A quick reply from `[suggestions]`.
    pub fn suggestion(&self, key: &str) -> String {
        self.template("suggestions", key, &[])
    }

    /// A plan name from `[plans]`.
    pub fn plan(&self, key: &str, vars: &[(&str, String)]) -> String {
        self.template("plans", key, vars)
    }

    /// An article's text, rendered, if the pack has it.
    pub fn article(&self, id: &str) -> Option<String> {
        self.locale.articles.get(id).map(|a| a.text.render(&|name| self.global(name)))
    }

    /// The full address of a `[links]` entry.
    pub fn link(&self, name: &str, order_id: Option<&str>) -> String {
        let path = self.pack.links.get(name).map(|t| t.render(&|v| (v == "order_id").then(|| order_id.unwrap_or_default().to_string()))).unwrap_or_default();
        format!("{}{path}", self.pack.link_base)
    }

    /// A policy number the engine computes with (checked to exist at load).
    pub fn days(&self, name: &str) -> i64 {
        match self.pack.numbers.get(name) {
            Some(Number::Integer(i)) => *i,
            _ => 0,
        }
    }

    /// An amount.
    pub fn money(&self, m: &Money) -> String {
        self.locale.formats.money(m, &self.pack.currency)
    }

    /// A date.
    pub fn date(&self, d: NaiveDate) -> String {
        self.locale.formats.date(d)
    }

    /// A whole number.
    pub fn num(&self, n: impl std::fmt::Display) -> String {
        self.locale.formats.digits(n)
    }

    /// A rate in hundredths of a percent.
    pub fn percent_bp(&self, bp: u32) -> String {
        self.locale.formats.percent_bp(bp)
    }

    /// An order as `[format] order` writes it: `FP-1001 (Nordic Outdoor, winter jacket)`.
    pub fn order(&self, o: &Order) -> String {
        self.locale.formats.order.render(&|v| match v {
            "order_id" => Some(o.id.clone()),
            "store" => Some(o.store.clone()),
            "item" => Some(o.item.to_lowercase()),
            _ => None,
        })
    }
}
