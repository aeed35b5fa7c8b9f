//! The account API's configuration, checked at start-up: a server that would send shoppers' ids in
//! the clear, or ask the provider without proving who it is, refuses to start and says why.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use reqwest::Url;

use crate::config::LedgerConfig;

/// Shortest accepted signing key, in bytes.
pub const MIN_KEY_BYTES: usize = 32;
/// Accounts the cache holds at most.
pub const CACHE_CAPACITY: usize = 4096;

/// A checked account API configuration, files read.
#[derive(Clone)]
pub struct HttpLedgerSettings {
    /// Base URL; accounts are at `{base}/accounts/{shopper id}`.
    pub base: Url,
    /// The shared signing key, when requests are signed.
    pub key: Option<Vec<u8>>,
    /// Client certificate chain and private key (PEM, concatenated), for mutual TLS.
    pub identity_pem: Option<Vec<u8>>,
    /// CA certificates (PEM) trusted instead of the public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Time the API has for one answer, connection included.
    pub timeout: Duration,
    /// How long a read account answers again.
    pub cache_ttl: Duration,
    /// Accounts cached at most.
    pub cache_capacity: usize,
    /// Consecutive failures that open the circuit breaker.
    pub breaker_failures: u32,
    /// How long the open breaker leaves the API alone.
    pub breaker_cooldown: Duration,
}

impl HttpLedgerSettings {
    /// The settings for `--ledger-url`, or `None` without it. Errors say what to change.
    pub fn from_config(c: &LedgerConfig) -> anyhow::Result<Option<Self>> {
        let Some(raw) = c.ledger_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            if c.ledger_key.is_some() || c.ledger_client_cert.is_some() || c.ledger_ca.is_some() {
                bail!("account API credentials are set but --ledger-url (TANDEM_LEDGER_URL) is not: set the API's URL, or remove the credentials to use the demo ledger");
            }
            return Ok(None);
        };
        let base = base_url(raw)?;
        let https = base.scheme() == "https";
        let key = match c.ledger_key.as_deref() {
            Some(k) if k.len() < MIN_KEY_BYTES => {
                bail!("TANDEM_LEDGER_KEY is too short: use at least {MIN_KEY_BYTES} random characters (e.g. `openssl rand -hex 32`)")
            }
            Some(k) => Some(k.as_bytes().to_vec()),
            None => None,
        };
        let identity_pem = match (&c.ledger_client_cert, &c.ledger_client_key) {
            (Some(cert), Some(key)) => {
                if !https {
                    bail!("--ledger-client-cert needs an https:// --ledger-url");
                }
                let mut pem = read(cert, "--ledger-client-cert")?;
                pem.push(b'\n');
                pem.extend(read(key, "--ledger-client-key")?);
                // Checked now, so a wrong file stops the start rather than every request.
                reqwest::Identity::from_pem(&pem).with_context(|| format!("{} and {} are not a PEM certificate and its private key", cert.display(), key.display()))?;
                Some(pem)
            }
            (None, None) => None,
            _ => bail!("mutual TLS needs both --ledger-client-cert and --ledger-client-key"),
        };
        if key.is_none() && identity_pem.is_none() {
            bail!(
                "the account API at {base} would be called without proving it is this server: set TANDEM_LEDGER_KEY (a shared signing key), or --ledger-client-cert and --ledger-client-key (mutual TLS), or both (docs/provider-account-api.md)"
            );
        }
        let ca_pem = match &c.ledger_ca {
            Some(path) => {
                let pem = read(path, "--ledger-ca")?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem).with_context(|| format!("{} is not a PEM certificate bundle", path.display()))?;
                if certs.is_empty() {
                    bail!("{} holds no certificate", path.display());
                }
                Some(pem)
            }
            None => None,
        };
        if c.ledger_timeout_ms == 0 {
            bail!("--ledger-timeout-ms must be more than 0");
        }
        if c.ledger_breaker_failures == 0 {
            bail!("--ledger-breaker-failures must be at least 1");
        }
        Ok(Some(HttpLedgerSettings {
            base,
            key,
            identity_pem,
            ca_pem,
            timeout: Duration::from_millis(c.ledger_timeout_ms),
            cache_ttl: Duration::from_secs(c.ledger_cache_secs),
            cache_capacity: CACHE_CAPACITY,
            breaker_failures: c.ledger_breaker_failures,
            breaker_cooldown: Duration::from_secs(c.ledger_breaker_cooldown_secs),
        }))
    }
}

/// Parses and checks the base URL: https, or http to this machine only; no credentials, query or
/// fragment.
fn base_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw.trim()).with_context(|| format!("--ledger-url {raw:?} is not a URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => bail!("--ledger-url must be https://: shoppers' ids and accounts never travel in the clear (plain http is accepted only to a loopback address, for tests)"),
        other => bail!("--ledger-url must be https://, not {other}://"),
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        bail!("--ledger-url {raw:?} has no host");
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        bail!("--ledger-url must be a plain base URL, without user, password, query or fragment (authentication is the signing key or the client certificate)");
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    // IPv6 hosts come bracketed (`[::1]`).
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn read(path: &Path, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{flag}: cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, key: Option<&str>) -> LedgerConfig {
        LedgerConfig { ledger_url: Some(url.into()), ledger_key: key.map(Into::into), ..LedgerConfig::default() }
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn refusal(c: &LedgerConfig) -> String {
        match HttpLedgerSettings::from_config(c) {
            Ok(_) => panic!("accepted {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn https_with_a_key_is_accepted_and_no_url_means_the_demo_ledger() {
        let s = HttpLedgerSettings::from_config(&config("https://accounts.example/tandem", Some(KEY))).unwrap().expect("settings");
        assert_eq!(s.base.as_str(), "https://accounts.example/tandem");
        assert_eq!(s.timeout, Duration::from_millis(LedgerConfig::DEFAULT_TIMEOUT_MS));
        assert!(HttpLedgerSettings::from_config(&LedgerConfig::default()).unwrap().is_none());
    }

    #[test]
    fn plain_http_is_refused_unless_the_host_is_this_machine() {
        assert!(refusal(&config("http://accounts.example/tandem", Some(KEY))).contains("https"));
        assert!(refusal(&config("ftp://accounts.example/", Some(KEY))).contains("https"));
        for local in ["http://127.0.0.1:9000/", "http://localhost:9000/api", "http://[::1]:9000/"] {
            assert!(HttpLedgerSettings::from_config(&config(local, Some(KEY))).is_ok(), "{local}");
        }
    }

    #[test]
    fn no_way_to_authenticate_is_refused() {
        assert!(refusal(&config("https://accounts.example/", None)).contains("TANDEM_LEDGER_KEY"));
        assert!(refusal(&config("https://accounts.example/", Some("short"))).contains("too short"));
    }

    #[test]
    fn credentials_without_a_url_are_refused() {
        let c = LedgerConfig { ledger_key: Some(KEY.into()), ..LedgerConfig::default() };
        assert!(refusal(&c).contains("--ledger-url"));
    }

    #[test]
    fn a_url_with_credentials_or_a_query_is_refused() {
        assert!(refusal(&config("https://user:pw@accounts.example/", Some(KEY))).contains("plain base URL"));
        assert!(refusal(&config("https://accounts.example/?token=1", Some(KEY))).contains("plain base URL"));
    }

    #[test]
    fn an_unreadable_certificate_file_is_named() {
        let c = LedgerConfig {
            ledger_client_cert: Some("/nonexistent/client.pem".into()),
            ledger_client_key: Some("/nonexistent/client.key".into()),
            ..config("https://accounts.example/", None)
        };
        assert!(refusal(&c).contains("/nonexistent/client.pem"));
    }
}
