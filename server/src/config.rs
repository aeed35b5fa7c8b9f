//! Server configuration, from command-line flags or `TANDEM_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDate;

/// How the server runs.
#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TANDEM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Directory holding the SQLite database file (when no `--database-url` is given); created on first start.
    #[arg(long, env = "TANDEM_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The database: `postgres://user@host:port/db` (several instances may share it), or unset for
    /// the SQLite file `tandem.db` in the data directory (one instance).
    #[arg(long, env = "TANDEM_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Connections each instance opens to PostgreSQL (its writers' and its reads'; SQLite uses 4).
    #[arg(long, env = "TANDEM_DATABASE_CONNECTIONS", default_value_t = 16)]
    pub database_connections: u32,
    /// Transactions each instance commits at once on PostgreSQL (each one group commit of the
    /// writes waiting for it; a conversation's writes always go to the same one). Instances that
    /// share a database add up: the database sees the sum, and past about its number of cores
    /// more of them only make smaller batches. Two instances on one two-core machine: 1 each.
    /// PostgreSQL only (SQLite has one writer thread).
    #[arg(long, env = "TANDEM_DATABASE_WRITERS", default_value_t = 2)]
    pub database_writers: u32,
    /// Directory with the built web assets (`embed/`, `console/`), the loader and the demo page.
    #[arg(long, env = "TANDEM_ASSETS_DIR", default_value = "dist")]
    pub assets_dir: PathBuf,
    /// Directory with the demo merchant page (served under `/demo/` in demo mode).
    #[arg(long, env = "TANDEM_DEMO_DIR", default_value = "demo")]
    pub demo_dir: PathBuf,
    /// Demo mode: seeds the demo merchant, shopper and agents, and enables `/demo/`.
    #[arg(long, env = "TANDEM_DEMO", default_value_t = false)]
    pub demo: bool,
    /// A fixed "today" (YYYY-MM-DD) for demos and tests; the real date otherwise.
    #[arg(long, env = "TANDEM_TODAY")]
    pub today: Option<NaiveDate>,
    /// The provider pack (everything the assistant says, see docs/provider-packs.md). Default in
    /// demo mode: the demo pack `packs/fjordpay`; required otherwise.
    #[arg(long, env = "TANDEM_PACK")]
    pub pack: Option<PathBuf>,
    /// Human support hours in CET (UTC+1), `HH:MM-HH:MM`, or `always`; stated to shoppers in
    /// their language wherever the pack says `{hours}`.
    #[arg(long, env = "TANDEM_SUPPORT_HOURS", default_value = "08:00-22:00")]
    pub support_hours: crate::hours::SupportHours,
    /// Seconds an online agent may be without a console connection before counting as offline.
    #[arg(long, env = "TANDEM_AGENT_TIMEOUT_SECS", default_value_t = 60)]
    pub agent_timeout_secs: u64,
    /// Seconds a queued conversation is offered only to online agents who speak its language
    /// (when any does) before anyone may take it; 0 turns language routing off.
    #[arg(long, env = "TANDEM_LANGUAGE_ROUTING_SECS", default_value_t = 60)]
    pub language_routing_secs: u64,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    #[arg(long, env = "TANDEM_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// Rate limits per client address and per session, scaled: 1 the defaults (see
    /// `limits.rs`), 2 twice as many requests, 0 none (benchmarks only).
    #[arg(long, env = "TANDEM_RATE_LIMIT_SCALE", default_value_t = 1.0)]
    pub rate_limit_scale: f64,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` names the client, comma-separated.
    #[arg(long = "trusted-proxy", env = "TANDEM_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Live streams one shopper session may hold open at once.
    #[arg(long, env = "TANDEM_MAX_STREAMS_PER_SESSION", default_value_t = 8)]
    pub max_streams_per_session: usize,
    /// Live streams one client address may hold open at once (many shoppers can share one).
    #[arg(long, env = "TANDEM_MAX_STREAMS_PER_ADDRESS", default_value_t = 1000)]
    pub max_streams_per_address: usize,
    /// Connections open at once; more are closed at once (also capped by the open-file limit).
    #[arg(long, env = "TANDEM_MAX_CONNECTIONS", default_value_t = 50_000)]
    pub max_connections: usize,
    /// Connections one client address may hold open (trusted proxies are exempt).
    #[arg(long, env = "TANDEM_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 1000)]
    pub max_connections_per_address: usize,
    /// Seconds a client has to send a request's headers (slow clients are cut).
    #[arg(long, env = "TANDEM_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Conversations (with their messages) are deleted this many days after their last activity; 0 keeps them.
    #[arg(long, env = "TANDEM_RETENTION_DAYS", default_value_t = 365)]
    pub retention_days: u32,
    /// Contact details (email addresses) left by shoppers are deleted this many days after the
    /// conversation's last activity; 0 keeps them as long as the conversation.
    #[arg(long, env = "TANDEM_CONTACT_RETENTION_DAYS", default_value_t = 90)]
    pub contact_retention_days: u32,
    /// A key the provider signs shoppers' identity tokens with, `KID=ALG:SOURCE`: ALG `hs256`
    /// (SOURCE holds the shared secret, at least 32 bytes), `es256` or `rs256` (SOURCE holds the
    /// provider's public key, PEM); SOURCE `file:PATH` or `env:VAR`. Repeat it (or separate with
    /// commas in TANDEM_IDENTITY_KEYS) to accept several keys during a rotation; tokens then name
    /// theirs with `kid`. Required unless `--demo`. See docs/identity-tokens.md.
    #[arg(long = "identity-key", env = "TANDEM_IDENTITY_KEYS", value_delimiter = ',', value_name = "KID=ALG:SOURCE")]
    pub identity_keys: Vec<crate::identity::KeySpec>,
    /// The one `iss` accepted in identity tokens (the provider's). Required when keys are
    /// configured, unless `--demo`.
    #[arg(long, env = "TANDEM_IDENTITY_ISSUER")]
    pub identity_issuer: Option<String>,
    /// The longest lifetime (`exp - iat`) accepted for an identity token, in seconds.
    #[arg(long, env = "TANDEM_IDENTITY_MAX_LIFETIME_SECS", default_value_t = 3600)]
    pub identity_max_lifetime_secs: u64,
    /// How far the provider's clock may differ from ours when checking `iat`, `nbf` and `exp`, in seconds.
    #[arg(long, env = "TANDEM_IDENTITY_CLOCK_SKEW_SECS", default_value_t = 60)]
    pub identity_clock_skew_secs: u64,
    /// How long an identified session lasts after its identity token expired, in seconds (the
    /// shopper's browser has that long to bring a fresh token).
    #[arg(long, env = "TANDEM_SESSION_IDLE_SECS", default_value_t = 1800)]
    pub session_idle_secs: u64,
    /// Deprecated form of one HS256 key without an id (prefer `--identity-key`, which keeps the
    /// secret off the command line). Cannot be combined with `--identity-key`.
    #[arg(long, env = "TANDEM_IDENTITY_SECRET", default_value = "", hide_default_value = true)]
    pub identity_secret: String,
    /// Where shoppers' account data comes from.
    #[command(flatten)]
    pub ledger: LedgerConfig,
    /// Email follow-ups (agent replies and transcripts) over SMTP.
    #[command(flatten)]
    pub email: EmailConfig,
}

/// Email follow-ups (`server/src/email/`). Without `--smtp-url` nothing is emailed and the
/// console says so.
#[derive(Clone, Default, clap::Args)]
pub struct EmailConfig {
    /// The SMTP server: `smtp://host:port` (plain: only to a loopback address, e.g. a local relay),
    /// `smtp://host:587?tls=required` (STARTTLS), or `smtps://host:465` (TLS); credentials as
    /// `smtps://user:password@host` (percent-encoded). Give it through the environment variable
    /// when it holds a password.
    #[arg(long, env = "TANDEM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every email, e.g. `Fjordpay Support <support@fjordpay.example>`.
    #[arg(long, env = "TANDEM_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Days a link in an email reopens its conversation (once).
    #[arg(long, env = "TANDEM_EMAIL_LINK_DAYS", default_value_t = 7)]
    pub email_link_days: u32,
    /// Seconds before the first retry of an email the SMTP server did not take; doubles per
    /// attempt, up to an hour.
    #[arg(long, env = "TANDEM_SMTP_RETRY_SECS", default_value_t = 30)]
    pub smtp_retry_secs: u64,
    /// Attempts after which an email is given up (its last error kept in the outbox).
    #[arg(long, env = "TANDEM_SMTP_MAX_ATTEMPTS", default_value_t = 10)]
    pub smtp_max_attempts: u32,
}

impl std::fmt::Debug for EmailConfig {
    /// Everything, with the URL's password hidden.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(crate::store::redact))
            .field("smtp_from", &self.smtp_from)
            .field("email_link_days", &self.email_link_days)
            .field("smtp_retry_secs", &self.smtp_retry_secs)
            .field("smtp_max_attempts", &self.smtp_max_attempts)
            .finish()
    }
}

/// The provider's account API (`docs/provider-account-api.md`). Without `--ledger-url` the demo
/// ledger in the database is used.
#[derive(Clone, clap::Args)]
pub struct LedgerConfig {
    /// Base URL of the provider's account API, e.g. `https://accounts.provider.example/tandem`;
    /// Tandem asks `GET {url}/accounts/{shopper id}`. Must be https (plain http only to a loopback
    /// address, for tests).
    #[arg(long, env = "TANDEM_LEDGER_URL")]
    pub ledger_url: Option<String>,
    /// Shared key (at least 32 characters) that signs every request (`Tandem-Signature`). Give it
    /// through the environment variable, not the command line, so it never shows in the process
    /// list.
    #[arg(long, env = "TANDEM_LEDGER_KEY", hide_env_values = true)]
    pub ledger_key: Option<String>,
    /// Client certificate (PEM, the chain if there is one) for mutual TLS with the account API.
    #[arg(long, env = "TANDEM_LEDGER_CLIENT_CERT", requires = "ledger_client_key")]
    pub ledger_client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "TANDEM_LEDGER_CLIENT_KEY", requires = "ledger_client_cert")]
    pub ledger_client_key: Option<PathBuf>,
    /// CA certificates (PEM) to trust for the account API instead of the public roots.
    #[arg(long, env = "TANDEM_LEDGER_CA")]
    pub ledger_ca: Option<PathBuf>,
    /// Milliseconds the account API has to answer (connection included) before the assistant says
    /// it cannot see the account right now.
    #[arg(long, env = "TANDEM_LEDGER_TIMEOUT_MS", default_value_t = LedgerConfig::DEFAULT_TIMEOUT_MS)]
    pub ledger_timeout_ms: u64,
    /// Seconds an account read from the API answers the same shopper's next questions (0: no cache).
    #[arg(long, env = "TANDEM_LEDGER_CACHE_SECS", default_value_t = LedgerConfig::DEFAULT_CACHE_SECS)]
    pub ledger_cache_secs: u64,
    /// Consecutive failed calls after which the account API is not asked for a cool-down.
    #[arg(long, env = "TANDEM_LEDGER_BREAKER_FAILURES", default_value_t = LedgerConfig::DEFAULT_BREAKER_FAILURES)]
    pub ledger_breaker_failures: u32,
    /// Seconds the account API is left alone after repeated failures; then one call probes it.
    #[arg(long, env = "TANDEM_LEDGER_BREAKER_COOLDOWN_SECS", default_value_t = LedgerConfig::DEFAULT_BREAKER_COOLDOWN_SECS)]
    pub ledger_breaker_cooldown_secs: u64,
}

impl LedgerConfig {
    /// Default answer time for the account API.
    pub const DEFAULT_TIMEOUT_MS: u64 = 1500;
    /// Default cache time.
    pub const DEFAULT_CACHE_SECS: u64 = 30;
    /// Default failures before the breaker opens.
    pub const DEFAULT_BREAKER_FAILURES: u32 = 5;
    /// Default cool-down of the breaker.
    pub const DEFAULT_BREAKER_COOLDOWN_SECS: u64 = 15;
}

impl std::fmt::Debug for LedgerConfig {
    /// Everything but the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerConfig")
            .field("ledger_url", &self.ledger_url)
            .field("ledger_key", &self.ledger_key.as_ref().map(|_| "<set>"))
            .field("ledger_client_cert", &self.ledger_client_cert)
            .field("ledger_client_key", &self.ledger_client_key)
            .field("ledger_ca", &self.ledger_ca)
            .field("ledger_timeout_ms", &self.ledger_timeout_ms)
            .field("ledger_cache_secs", &self.ledger_cache_secs)
            .field("ledger_breaker_failures", &self.ledger_breaker_failures)
            .field("ledger_breaker_cooldown_secs", &self.ledger_breaker_cooldown_secs)
            .finish()
    }
}

impl Default for LedgerConfig {
    /// No account API (the demo ledger), and the defaults of the flags.
    fn default() -> Self {
        LedgerConfig {
            ledger_url: None,
            ledger_key: None,
            ledger_client_cert: None,
            ledger_client_key: None,
            ledger_ca: None,
            ledger_timeout_ms: Self::DEFAULT_TIMEOUT_MS,
            ledger_cache_secs: Self::DEFAULT_CACHE_SECS,
            ledger_breaker_failures: Self::DEFAULT_BREAKER_FAILURES,
            ledger_breaker_cooldown_secs: Self::DEFAULT_BREAKER_COOLDOWN_SECS,
        }
    }
}

impl Config {
    /// A configuration for tests: demo data, fixed date, given directories.
    pub fn for_tests(data_dir: PathBuf, assets_dir: PathBuf, demo_dir: PathBuf) -> Self {
        Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data_dir,
            database_url: None,
            database_connections: 16,
            database_writers: 2,
            assets_dir,
            demo_dir,
            demo: true,
            today: Some(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            pack: None,
            support_hours: crate::hours::SupportHours::Always,
            agent_timeout_secs: 60,
            language_routing_secs: 60,
            metrics_token: None,
            rate_limit_scale: 0.0,
            trusted_proxies: Vec::new(),
            max_streams_per_session: 8,
            max_streams_per_address: 1000,
            max_connections: 10_000,
            max_connections_per_address: 1000,
            header_timeout_secs: 10,
            retention_days: 365,
            contact_retention_days: 90,
            identity_keys: vec![],
            identity_issuer: None,
            identity_max_lifetime_secs: 3600,
            identity_clock_skew_secs: 60,
            session_idle_secs: 1800,
            identity_secret: "test-secret".into(),
            ledger: LedgerConfig::default(),
            email: EmailConfig { email_link_days: 7, smtp_retry_secs: 30, smtp_max_attempts: 10, ..EmailConfig::default() },
        }
    }

    /// Checks what clap cannot: a demo server must not be reachable from other machines (its
    /// agents' passwords and signing secret are published).
    pub fn validate(&self) -> Result<(), String> {
        if self.demo && !self.bind.ip().is_loopback() {
            return Err(format!(
                "demo mode serves published passwords and a published signing secret, so it only binds to a loopback address (127.0.0.1 or ::1), not {}; run without --demo for a real deployment",
                self.bind
            ));
        }
        if !(self.rate_limit_scale >= 0.0 && self.rate_limit_scale.is_finite()) {
            return Err("--rate-limit-scale must be 0 (off) or a positive number".into());
        }
        let postgres = self.database_url.as_deref().is_some_and(|u| u.trim().starts_with("postgres"));
        if postgres && (self.database_writers == 0 || self.database_writers >= self.database_connections) {
            return Err(format!(
                "--database-writers must be at least 1 and fewer than --database-connections ({}), which reads share with them",
                self.database_connections
            ));
        }
        if self.header_timeout_secs == 0 {
            return Err("--header-timeout-secs must be at least 1".into());
        }
        Ok(())
    }

    /// The pack folder to load: `--pack`, or the demo pack in demo mode.
    pub fn pack_dir(&self) -> Result<PathBuf, String> {
        match (&self.pack, self.demo) {
            (Some(p), _) => Ok(p.clone()),
            (None, true) => Ok(PathBuf::from("packs/fjordpay")),
            (None, false) => Err("no provider pack: start with --pack DIR (or TANDEM_PACK); see docs/provider-packs.md".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::for_tests("data".into(), "dist".into(), "demo".into())
    }

    #[test]
    fn database_writers_must_leave_connections_for_reads() {
        assert_eq!(config().validate(), Ok(()));
        let postgres = Some("postgres://tandem@db/tandem".to_string());
        for (writers, connections, ok) in [(0, 16, false), (1, 16, true), (15, 16, true), (16, 16, false), (2, 2, false)] {
            let c = Config { database_url: postgres.clone(), database_writers: writers, database_connections: connections, ..config() };
            assert_eq!(c.validate().is_ok(), ok, "{writers} writers, {connections} connections");
            // SQLite uses neither setting.
            assert_eq!(Config { database_writers: writers, database_connections: connections, ..config() }.validate(), Ok(()));
        }
    }
}
