//! The SMTP configuration, checked at start-up: a server that would send shoppers' addresses and
//! words in the clear over the network refuses to start and says why.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::{bail, Context as _};
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::Tokio1Executor;
use reqwest::Url;

use crate::config::EmailConfig;
use crate::store::redact;

/// A checked email configuration.
#[derive(Clone)]
pub struct EmailSettings {
    /// The SMTP URL (for lettre), as given.
    pub url: String,
    /// The sender.
    pub from: Mailbox,
    /// How long a link reopens its conversation.
    pub link_ttl: Duration,
    /// First retry delay (doubles per attempt, at most [`MAX_RETRY`]).
    pub retry: Duration,
    pub max_attempts: u32,
}

/// The longest wait between two attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(3600);

impl EmailSettings {
    /// The settings for `--smtp-url`, or `None` without it (email off). Errors say what to change.
    pub fn from_config(c: &EmailConfig) -> anyhow::Result<Option<Self>> {
        let Some(raw) = c.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            if c.smtp_from.as_deref().is_some_and(|f| !f.trim().is_empty()) {
                bail!("--smtp-from is set but --smtp-url (TANDEM_SMTP_URL) is not: set the SMTP server, or remove --smtp-from to leave email off");
            }
            return Ok(None);
        };
        let url = Url::parse(raw).with_context(|| format!("--smtp-url {:?} is not a URL, e.g. smtps://user:password@smtp.example.com", redact(raw)))?;
        let starttls = url.query_pairs().any(|(k, v)| k == "tls" && v == "required");
        match url.scheme() {
            "smtps" => {}
            "smtp" if starttls => {}
            "smtp" if is_loopback(&url) => {}
            "smtp" => bail!(
                "--smtp-url {} would send shoppers' addresses and words in the clear: use smtps://host:465, or smtp://host:587?tls=required (STARTTLS); plain smtp:// is accepted only to a loopback address (a local relay)",
                redact(raw)
            ),
            other => bail!("--smtp-url must be smtp:// or smtps://, not {other}://"),
        }
        if url.host_str().is_none_or(str::is_empty) {
            bail!("--smtp-url {} has no host", redact(raw));
        }
        if let Some((_, v)) = url.query_pairs().find(|(k, _)| k == "tls").filter(|(_, v)| v != "required") {
            bail!("--smtp-url: tls={v} is not accepted; use tls=required (STARTTLS) or smtps://");
        }
        // Lettre reads the same URL; anything it cannot use is refused now, not at the first email.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(raw).with_context(|| format!("--smtp-url {} cannot be used", redact(raw)))?;
        let from = c.smtp_from.as_deref().map(str::trim).filter(|f| !f.is_empty()).context(
            "--smtp-from (TANDEM_SMTP_FROM) is required with --smtp-url: the sender address, e.g. \"Support <support@provider.example>\"",
        )?;
        let from: Mailbox = from.parse().with_context(|| format!("--smtp-from {from:?} is not an email address, e.g. \"Support <support@provider.example>\""))?;
        if c.email_link_days == 0 {
            bail!("--email-link-days must be at least 1");
        }
        if c.smtp_retry_secs == 0 || c.smtp_max_attempts == 0 {
            bail!("--smtp-retry-secs and --smtp-max-attempts must be at least 1");
        }
        Ok(Some(EmailSettings {
            url: raw.to_string(),
            from,
            link_ttl: Duration::from_secs(u64::from(c.email_link_days) * 86_400),
            retry: Duration::from_secs(c.smtp_retry_secs),
            max_attempts: c.smtp_max_attempts,
        }))
    }

    /// The wait after failed attempt number `attempts` (1-based).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
        self.retry.saturating_mul(factor).min(MAX_RETRY)
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> EmailConfig {
        EmailConfig {
            smtp_url: Some(url.into()),
            smtp_from: Some("Support <support@provider.example>".into()),
            email_link_days: 7,
            smtp_retry_secs: 30,
            smtp_max_attempts: 10,
        }
    }

    fn refusal(c: &EmailConfig) -> String {
        match EmailSettings::from_config(c) {
            Ok(_) => panic!("accepted {c:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn encrypted_or_local_servers_are_accepted_and_no_url_means_email_off() {
        for ok in ["smtps://user:pw@smtp.example.com", "smtp://smtp.example.com:587?tls=required", "smtp://127.0.0.1:2525", "smtp://localhost:25"] {
            assert!(EmailSettings::from_config(&config(ok)).unwrap().is_some(), "{ok}");
        }
        assert!(EmailSettings::from_config(&EmailConfig::default()).unwrap().is_none());
    }

    #[test]
    fn plaintext_to_another_machine_is_refused_and_the_password_never_shown() {
        let e = refusal(&config("smtp://user:hunter2secret@smtp.example.com:25"));
        assert!(e.contains("in the clear") && e.contains("tls=required"), "{e}");
        assert!(!e.contains("hunter2secret"), "{e}");
        assert!(refusal(&config("smtp://smtp.example.com:587?tls=opportunistic")).contains("in the clear"));
        assert!(refusal(&config("http://smtp.example.com")).contains("smtps://"));
    }

    #[test]
    fn a_sender_is_required_and_checked() {
        let mut c = config("smtps://smtp.example.com");
        c.smtp_from = None;
        assert!(refusal(&c).contains("--smtp-from"));
        c.smtp_from = Some("not an address".into());
        assert!(refusal(&c).contains("not an email address"));
        let c = EmailConfig { smtp_from: Some("a@b.example".into()), ..EmailConfig::default() };
        assert!(refusal(&c).contains("--smtp-url"));
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        let s = EmailSettings::from_config(&config("smtps://smtp.example.com")).unwrap().unwrap();
        assert_eq!(s.backoff(1), Duration::from_secs(30));
        assert_eq!(s.backoff(2), Duration::from_secs(60));
        assert_eq!(s.backoff(30), MAX_RETRY);
    }
}
