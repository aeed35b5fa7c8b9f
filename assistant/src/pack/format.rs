//! Writing amounts, dates, percentages and lists as a locale writes them (`[format]` in
//! `replies.toml`).

use chrono::{Datelike, NaiveDate};
use tandem_protocol::Money;

use super::template::Template;

/// A locale's number, money, date and list conventions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formats {
    pub decimal: String,
    pub group: String,
    pub money: Template,
    pub date: Template,
    pub list_or: Template,
    pub list_and: Template,
    pub list_separator: String,
    pub order: Template,
    pub percent: Template,
    /// Write digits as Arabic-Indic (`arab`) instead of Latin (`latn`, the default).
    pub arabic_digits: bool,
}

impl Formats {
    /// Writes `n` with the locale's digits.
    pub fn digits(&self, n: impl std::fmt::Display) -> String {
        let s = n.to_string();
        if !self.arabic_digits {
            return s;
        }
        s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c) } else { c }).collect()
    }

    /// Writes an integer with group separators.
    pub fn integer(&self, n: u64) -> String {
        let raw = n.to_string();
        let mut out = String::new();
        for (i, c) in raw.chars().enumerate() {
            if i > 0 && (raw.len() - i) % 3 == 0 {
                out.push_str(&self.group);
            }
            out.push(c);
        }
        self.digits(out)
    }

    /// Writes an amount in `currency` (the pack's): `€1,164.15`, `1.164,15 €`. An amount in
    /// another currency is written with its ISO code.
    pub fn money(&self, m: &Money, currency: &str) -> String {
        let abs = m.minor.unsigned_abs();
        let amount = format!("{}{}{}", self.integer(abs / 100), self.decimal, self.digits(format!("{:02}", abs % 100)));
        let sign = if m.minor < 0 { "-" } else { "" };
        if m.currency == currency {
            format!("{sign}{}", self.money.render(&|v| (v == "amount").then(|| amount.clone())))
        } else {
            format!("{sign}{amount} {}", m.currency)
        }
    }

    /// Writes a date.
    pub fn date(&self, d: NaiveDate) -> String {
        self.date.render(&|v| match v {
            "year" => Some(self.digits(d.year())),
            "month" => Some(self.digits(format!("{:02}", d.month()))),
            "day" => Some(self.digits(format!("{:02}", d.day()))),
            _ => None,
        })
    }

    /// Writes a percentage given in hundredths (1490 = 14.9%), without trailing zeros.
    pub fn percent_bp(&self, bp: u32) -> String {
        let frac = format!("{:02}", bp % 100);
        let frac = frac.trim_end_matches('0');
        let value = if frac.is_empty() { self.integer(u64::from(bp / 100)) } else { format!("{}{}{}", self.integer(u64::from(bp / 100)), self.decimal, self.digits(frac)) };
        self.percent.render(&|v| (v == "value").then(|| value.clone()))
    }

    /// Joins items as "a, b or c" (`or = true`) or "a, b and c".
    pub fn list(&self, items: &[String], or: bool) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => {
                let t = if or { &self.list_or } else { &self.list_and };
                let joined = rest.join(&self.list_separator);
                t.render(&|v| match v {
                    "items" => Some(joined.clone()),
                    "last" => Some(last.clone()),
                    _ => None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Formats {
        let t = |s: &str| Template::parse(s, 0).unwrap();
        Formats {
            decimal: ",".into(),
            group: ".".into(),
            money: t("{amount}\u{a0}€"),
            date: t("{day}.{month}.{year}"),
            list_or: t("{items} oder {last}"),
            list_and: t("{items} und {last}"),
            list_separator: ", ".into(),
            order: t("{order_id} ({store}, {item})"),
            percent: t("{value}\u{a0}%"),
            arabic_digits: false,
        }
    }

    #[test]
    fn german_amounts_dates_percentages_and_lists() {
        let f = de();
        assert_eq!(f.money(&Money::eur(5000), "EUR"), "50,00\u{a0}€");
        assert_eq!(f.money(&Money::eur(116415), "EUR"), "1.164,15\u{a0}€");
        assert_eq!(f.money(&Money { minor: 5000, currency: "SEK".into() }, "EUR"), "50,00 SEK");
        assert_eq!(f.date(NaiveDate::from_ymd_opt(2026, 11, 8).unwrap()), "08.11.2026");
        assert_eq!(f.percent_bp(1490), "14,9\u{a0}%");
        assert_eq!(f.percent_bp(1500), "15\u{a0}%");
        assert_eq!(f.list(&["6".into(), "12".into(), "24".into()], true), "6, 12 oder 24");
        let mut ar = de();
        ar.arabic_digits = true;
        assert_eq!(ar.digits(2026), "٢٠٢٦");
    }
}
