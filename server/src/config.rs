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
    /// Connections each instance opens to PostgreSQL.
    #[arg(long, env = "TANDEM_DATABASE_CONNECTIONS", default_value_t = 16)]
    pub database_connections: u32,
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
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    #[arg(long, env = "TANDEM_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
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
}

impl Config {
    /// A configuration for tests: demo data, fixed date, given directories.
    pub fn for_tests(data_dir: PathBuf, assets_dir: PathBuf, demo_dir: PathBuf) -> Self {
        Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data_dir,
            database_url: None,
            database_connections: 16,
            assets_dir,
            demo_dir,
            demo: true,
            today: Some(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            pack: None,
            support_hours: crate::hours::SupportHours::Always,
            agent_timeout_secs: 60,
            metrics_token: None,
            identity_keys: vec![],
            identity_issuer: None,
            identity_max_lifetime_secs: 3600,
            identity_clock_skew_secs: 60,
            session_idle_secs: 1800,
            identity_secret: "test-secret".into(),
        }
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
