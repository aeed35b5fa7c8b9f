//! Human support hours: when a person can be reached. They come from the server's configuration
//! and are rendered into every sentence that states them (`{hours}` in a pack's templates).

use std::str::FromStr;

use chrono::{DateTime, Timelike, Utc};

/// Support hours, in CET (UTC+1) as the provider states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupportHours {
    /// Around the clock (tests, demos, 24/7 providers).
    Always,
    /// From `open` to `close`, minutes after midnight CET, every day.
    Daily { open: u32, close: u32 },
}

impl SupportHours {
    /// Whether a person can be reached at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        match *self {
            SupportHours::Always => true,
            SupportHours::Daily { open, close } => {
                let cet = (now.hour() * 60 + now.minute() + 60) % (24 * 60);
                if open <= close { cet >= open && cet < close } else { cet >= open || cet < close }
            }
        }
    }

    /// Opening and closing time as `HH:MM`, for daily hours.
    pub fn times(&self) -> Option<(String, String)> {
        match *self {
            SupportHours::Always => None,
            SupportHours::Daily { open, close } => Some((hhmm(open), hhmm(close))),
        }
    }
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl FromStr for SupportHours {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("always") {
            return Ok(SupportHours::Always);
        }
        let parse = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (a, b) = s.split_once('-').ok_or_else(|| format!("support hours '{s}' must look like 08:00-22:00 or be 'always'"))?;
        match (parse(a), parse(b)) {
            (Some(open), Some(close)) if open != close => Ok(SupportHours::Daily { open, close }),
            _ => Err(format!("support hours '{s}' must look like 08:00-22:00 or be 'always'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cet_hours_are_checked_against_utc_plus_one() {
        let h: SupportHours = "08:00-22:00".parse().unwrap();
        let at = |hh, mm| Utc.with_ymd_and_hms(2026, 11, 25, hh, mm, 0).unwrap();
        assert!(!h.is_open(at(6, 59)), "07:59 CET is closed");
        assert!(h.is_open(at(7, 0)), "08:00 CET is open");
        assert!(h.is_open(at(20, 59)), "21:59 CET is open");
        assert!(!h.is_open(at(21, 0)), "22:00 CET is closed");
        assert!(SupportHours::Always.is_open(at(3, 0)));
        assert_eq!(h.times(), Some(("08:00".into(), "22:00".into())));
    }

    #[test]
    fn bad_hours_are_refused_with_a_clear_message() {
        assert!("25:00-22:00".parse::<SupportHours>().is_err());
        assert!("soon".parse::<SupportHours>().unwrap_err().contains("08:00-22:00"));
        assert_eq!("ALWAYS".parse::<SupportHours>().unwrap(), SupportHours::Always);
    }
}
