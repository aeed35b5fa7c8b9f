//! Money on the wire: minor units and an ISO 4217 code.

use serde::{Deserialize, Serialize};

/// An amount of money: minor units (cents) and an ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in the currency's minor unit, e.g. 5000 for €50.00.
    pub minor: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    /// Builds an amount in euro cents.
    pub fn eur(minor: i64) -> Self {
        Money { minor, currency: "EUR".into() }
    }

    /// A plain, locale-neutral rendering (`EUR 50.00`) for logs and plain-text fallbacks; the widget
    /// formats for the shopper's locale with `Intl.NumberFormat` instead.
    pub fn plain(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}{}.{:02}", currency_symbol(&self.currency), abs / 100, abs % 100)
    }
}

fn currency_symbol(code: &str) -> String {
    match code {
        "EUR" => "€".into(),
        "USD" => "$".into(),
        "GBP" => "£".into(),
        "SEK" => "SEK ".into(),
        other => format!("{other} "),
    }
}
