//! [`HttpLedger`]: a shopper's account from the provider's account API over HTTPS
//! (`GET {base}/accounts/{shopper id}`, `docs/provider-account-api.md`). Requests are signed with
//! the shared key and/or sent with a client certificate; each has a short timeout; complete,
//! validated accounts are cached briefly; a circuit breaker stops calling an API that keeps
//! failing. Any failure is [`Lookup::Unavailable`], never a partial or old account.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use tandem_assistant::AccountSnapshot;

use super::breaker::Breaker;
use super::cache::Cache;
use super::schema::parse_account;
use super::settings::HttpLedgerSettings;
use super::sign::{signature_header, SIGNATURE_HEADER};
use super::{Ledger, LedgerFigures, Lookup, Unavailable};

/// Largest answer read, in bytes; a larger one is refused unread.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The `error` a 404 answer carries when the provider knows no such customer. Any other 404 (a
/// wrong base URL, a proxy's page) is a failure, so a misconfiguration never makes every shopper
/// look unknown.
pub const UNKNOWN_SHOPPER: &str = "unknown_shopper";

/// Failure kinds counted for `/metrics`, in [`Unavailable::kind`] terms.
const KINDS: [&str; 7] = ["timeout", "unreachable", "refused", "status", "malformed", "circuit_open", "unusable_id"];

/// The provider's account API as a [`Ledger`].
pub struct HttpLedger {
    client: reqwest::Client,
    base: Url,
    key: Option<Vec<u8>>,
    timeout: Duration,
    cache: Cache<Arc<AccountSnapshot>>,
    breaker: Breaker,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    request_micros: AtomicU64,
    cache_hits: AtomicU64,
    failures: [AtomicU64; KINDS.len()],
}

impl HttpLedger {
    /// A client for checked settings (see [`HttpLedgerSettings::from_config`]).
    pub fn new(s: HttpLedgerSettings) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .timeout(s.timeout)
            .connect_timeout(s.timeout)
            // An account API does not redirect; following one could send the signed request elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("tandem-server/", env!("CARGO_PKG_VERSION")));
        if s.base.scheme() == "https" {
            builder = builder.https_only(true);
        }
        if let Some(pem) = &s.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem)? {
                builder = builder.add_root_certificate(cert);
            }
            builder = builder.tls_built_in_root_certs(false);
        }
        if let Some(pem) = &s.identity_pem {
            builder = builder.identity(reqwest::Identity::from_pem(pem)?);
        }
        Ok(HttpLedger {
            client: builder.build()?,
            base: s.base,
            key: s.key,
            timeout: s.timeout,
            cache: Cache::new(s.cache_ttl, s.cache_capacity),
            breaker: Breaker::new(s.breaker_failures, s.breaker_cooldown),
            counters: Counters::default(),
        })
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `{base}/accounts/{shopper id}`, the id percent-encoded as one path segment; `None` for an
    /// id no URL can carry as a segment (empty, `.` or `..`).
    pub fn account_url(&self, shopper_id: &str) -> Option<Url> {
        if matches!(shopper_id, "" | "." | "..") {
            return None;
        }
        let mut url = self.base.clone();
        // A base URL with a host always takes path segments (checked at start-up).
        url.path_segments_mut().ok()?.pop_if_empty().push("accounts").push(shopper_id);
        Some(url)
    }

    /// One call to the API: the account, `None` for an unknown shopper, or why not.
    async fn fetch(&self, url: Url, shopper_id: &str) -> Result<Option<AccountSnapshot>, Unavailable> {
        let mut request = self.client.get(url.clone()).header(ACCEPT, "application/json");
        if let Some(key) = &self.key {
            let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            request = request.header(SIGNATURE_HEADER, signature_header(key, t, "GET", &path));
        }
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let json = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json);
        // Only the two answers Tandem uses are read; any other is a failure whatever it says.
        match status {
            StatusCode::OK if json => {
                let body = self.read_body(response).await?;
                parse_account(&body, shopper_id).map(Some).map_err(|e| Unavailable::Malformed(e.0))
            }
            StatusCode::OK => Err(Unavailable::Malformed("the answer is not application/json".into())),
            StatusCode::NOT_FOUND if json && says_unknown_shopper(&self.read_body(response).await?) => Ok(None),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Unavailable::Refused(status.as_u16())),
            other => Err(Unavailable::Status(other.as_u16())),
        }
    }

    /// The body, at most [`MAX_BODY_BYTES`].
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Unavailable> {
        let too_large = || Unavailable::Malformed(format!("the answer is larger than {MAX_BODY_BYTES} bytes"));
        if response.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport(&self, e: reqwest::Error) -> Unavailable {
        if e.is_timeout() {
            return Unavailable::Timeout(self.timeout.as_millis() as u64);
        }
        // The causes say what went wrong (connection refused, a certificate); the URL (with the
        // shopper's id) stays out of the logs.
        let e = e.without_url();
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        Unavailable::Unreachable(text)
    }
}

fn is_json(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

fn says_unknown_shopper(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.get("error").and_then(|e| e.as_str()) == Some(UNKNOWN_SHOPPER))
}

impl Counters {
    fn failure(&self, why: &Unavailable) {
        if let Some(k) = KINDS.iter().position(|k| *k == why.kind()) {
            self.failures[k].fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Ledger for HttpLedger {
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, Lookup> {
        Box::pin(async move {
            if let Some(account) = self.cache.get(shopper_id, Instant::now()) {
                self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Lookup::Found(account);
            }
            let Some(url) = self.account_url(shopper_id) else {
                let why = Unavailable::UnusableId;
                self.counters.failure(&why);
                tracing::warn!(reason = %why, "account unavailable");
                return Lookup::Unavailable(why);
            };
            let Some(permit) = self.breaker.try_acquire(Instant::now()) else {
                self.counters.failure(&Unavailable::CircuitOpen);
                tracing::debug!("account API not asked: circuit breaker open");
                return Lookup::Unavailable(Unavailable::CircuitOpen);
            };
            let started = Instant::now();
            let result = self.fetch(url, shopper_id).await;
            let now = Instant::now();
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            self.counters.request_micros.fetch_add((now - started).as_micros() as u64, Ordering::Relaxed);
            match result {
                Ok(Some(account)) => {
                    permit.succeeded(now);
                    let account = Arc::new(account);
                    self.cache.insert(shopper_id, account.clone(), now);
                    Lookup::Found(account)
                }
                Ok(None) => {
                    permit.succeeded(now);
                    Lookup::NotFound
                }
                Err(why) => {
                    permit.failed(now);
                    self.counters.failure(&why);
                    if matches!(why, Unavailable::Refused(_)) {
                        tracing::error!(reason = %why, "account API refused this server");
                    } else {
                        tracing::warn!(reason = %why, "account unavailable");
                    }
                    Lookup::Unavailable(why)
                }
            }
        })
    }

    fn figures(&self) -> Option<LedgerFigures> {
        let c = &self.counters;
        Some(LedgerFigures {
            requests: c.requests.load(Ordering::Relaxed),
            failures: KINDS.iter().zip(&c.failures).map(|(k, n)| (*k, n.load(Ordering::Relaxed))).collect(),
            cache_hits: c.cache_hits.load(Ordering::Relaxed),
            cached: self.cache.len(),
            breaker: self.breaker.state(Instant::now()),
            request_seconds: c.request_micros.load(Ordering::Relaxed) as f64 / 1e6,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(base: &str) -> HttpLedger {
        let config = crate::config::LedgerConfig {
            ledger_url: Some(base.into()),
            ledger_key: Some("0123456789abcdef0123456789abcdef".into()),
            ..Default::default()
        };
        let settings = HttpLedgerSettings::from_config(&config).unwrap().unwrap();
        HttpLedger::new(settings).unwrap()
    }

    #[test]
    fn the_shopper_id_is_one_percent_encoded_path_segment_under_the_base() {
        for base in ["https://api.example/tandem", "https://api.example/tandem/"] {
            let url = ledger(base).account_url("a b/../c?x#y%").unwrap();
            assert_eq!(url.as_str(), "https://api.example/tandem/accounts/a%20b%2F..%2Fc%3Fx%23y%25", "{base}");
        }
        assert_eq!(ledger("https://api.example").account_url("alex").unwrap().as_str(), "https://api.example/accounts/alex");
    }

    #[test]
    fn ids_that_would_change_the_path_are_not_sent() {
        let l = ledger("https://api.example/tandem");
        for id in ["", ".", ".."] {
            assert_eq!(l.account_url(id), None, "{id:?}");
        }
    }

    #[test]
    fn only_json_content_types_are_read() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(!is_json("text/html"));
        assert!(!is_json("application/jsonp"));
    }
}
