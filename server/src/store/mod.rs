//! The storage layer: every query the server makes, behind typed functions. Two backends share
//! the same SQL (numbered `$n` parameters, integer millisecond timestamps, standard upserts):
//! SQLite, one embedded file and the zero-set-up default, and PostgreSQL (`--database-url
//! postgres://…`), which several instances can share.
//!
//! Writes to a conversation go through one path, [`Store::append`]: an event and the state change
//! it records are one transaction whose conditions are part of its statements, so correctness
//! never depends on a lock inside one process. Appends waiting at the same moment share one
//! transaction (group commit, see `append.rs`).

mod admin;
mod agents;
mod append;
mod canned;
mod conversations;
mod email;
mod exec;
mod history;
mod floor;
mod fused;
mod ledger;
mod merchants;
mod metrics;
mod notes;
mod notify;
mod pg_batch;
mod sessions;
mod sql;
mod sqlite_writer;
#[cfg(test)]
mod test_postgres;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

pub use admin::{Removed, Role, DEMO_AGENT, DEMO_MERCHANT, DEMO_SHOPPER};
pub use agents::{split_languages, AgentProfileRow, Capacity, NewAgent, OnlineAgent};
pub use canned::{CannedRow, DEMO_CANNED};
pub use history::{HandoffRow, HistoryFilter, HistoryRow};
pub use append::{shorten, After, Append, Appended, Change, Committed, HandoffMark, History, OnCommit, Owner, QueueEntry};
pub use conversations::{ConversationRow, Past, ListFilter, Listed, NewConversation, Waiting};
pub use email::{ClaimedEmail, EmailFigures, LinkUse, NewEmail};
pub use floor::{count, DayRows, FloorAgentRow, FloorNow, GapRow, NewGap};
pub use merchants::StoredMerchant;
pub use metrics::Figures;
pub use notes::NewNoteRow;
pub use notify::{instance_id, Notice, NoticeKind};
pub use sessions::{NewSession, StoredSession};

/// Every SQLite connection's settings. WAL, and `synchronous = FULL`: a commit is on the disk
/// before it returns, so an acknowledged message survives a power cut or a kernel crash, not only a
/// killed process (PostgreSQL's default, `synchronous_commit = on`, promises the same). The writer's
/// group commit pays one disk flush per batch, not per message.
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

/// Which database the store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A failed storage operation. Handlers map it to an HTTP answer in one place (`error.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value could not be read back (a bug or a hand-edited row).
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// A unique value (an email, an id) is already taken.
    #[error("{0} already exists")]
    Taken(&'static str),
    /// The store's writer has stopped (the server is shutting down).
    #[error("the store is shutting down")]
    Closed,
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Result alias for store functions.
pub type StoreResult<T> = Result<T, StoreError>;

/// A conversation's status: the bare name of its state, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Assistant,
    Queued,
    WithAgent,
    AwaitingReply,
    Resolved,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [Status::Assistant, Status::Queued, Status::WithAgent, Status::AwaitingReply, Status::Resolved];

    /// The stored name (the same as `ConversationState::status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Assistant => "assistant",
            Status::Queued => "queued",
            Status::WithAgent => "with_agent",
            Status::AwaitingReply => "awaiting_reply",
            Status::Resolved => "resolved",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> StoreResult<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| StoreError::Corrupt(format!("unknown status '{s}'")))
    }
}

/// Milliseconds since the Unix epoch, the unit of every stored timestamp.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A stored timestamp as RFC 3339 (what the API shows).
pub fn ms_to_rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: writer::Writer,
    /// Shopper sessions read in the last seconds.
    sessions: Arc<sessions::SessionCache>,
    /// The URL, for PostgreSQL's notification listener (which needs its own connection).
    url: Arc<str>,
}

/// Where the store keeps its data: a PostgreSQL URL, or the SQLite file in the data directory.
pub fn database_url(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<String> {
    match database_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") || u.starts_with("sqlite:") => Ok(u.to_string()),
        Some(u) => anyhow::bail!(
            "unsupported database URL '{}': use postgres://user@host:port/db, or leave it out for the SQLite file in the data directory",
            redact(u)
        ),
        None => {
            std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
            Ok(format!("sqlite://{}?mode=rwc", data_dir.join("tandem.db").display()))
        }
    }
}

/// A URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// How long a PostgreSQL connection may sit idle before it is checked with a ping when taken.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Connections an instance opens to its database, and how many of them its writer tasks hold
/// (PostgreSQL; SQLite has one writer thread).
#[derive(Clone, Copy, Debug)]
pub struct PoolSize {
    pub connections: u32,
    pub writers: usize,
}

impl Store {
    /// Connects, migrates, and starts the writer (on PostgreSQL, [`writer::DEFAULT_POSTGRES_WRITERS`]
    /// writer tasks). `on_commit` is told of every committed event, in commit order (the server
    /// publishes them to live streams).
    pub async fn open(url: &str, max_connections: u32, on_commit: append::OnCommit) -> anyhow::Result<Store> {
        Store::open_sized(url, PoolSize { connections: max_connections, writers: writer::DEFAULT_POSTGRES_WRITERS }, on_commit).await
    }

    /// [`Store::open`] with the number of PostgreSQL writer tasks given (SQLite has one writer).
    pub async fn open_sized(url: &str, size: PoolSize, on_commit: append::OnCommit) -> anyhow::Result<Store> {
        let max_connections = size.connections;
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    // A file on this machine does not go stale: no ping (a hop to the driver's
                    // thread and back) before every query.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
            }
            Backend::Postgres => {
                options
                    // A connection in use moments ago is alive: sqlx's default ping before every
                    // acquire is a round trip to the server per query or commit; only one that sat
                    // idle is checked (a broken one is closed and another taken).
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= IDLE_BEFORE_PING {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(url)
                    .await
            }
        }
        .with_context(|| format!("cannot open the database {}", redact(url)))?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await,
        }
        .context("database migration failed")?;
        // SQLite's appends run on a writer thread of their own (see `sqlite_writer.rs`); a
        // database that is not a plain file stays on sqlx.
        let sqlite = match backend {
            Backend::Sqlite => sqlite_writer::file_of(url).and_then(|path| match sqlite_writer::SqliteWriter::open(&path) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!(error = %e, "the SQLite writer thread could not open the file; appends go through the pool");
                    None
                }
            }),
            Backend::Postgres => None,
        };
        let writer = writer::Writer::start(pool.clone(), backend, size.writers.max(1), on_commit, sqlite);
        Ok(Store { pool, backend, writer, sessions: Arc::default(), url: url.into() })
    }

    /// The column that orders rows by creation when timestamps are equal.
    fn row_order(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "rowid",
            Backend::Postgres => "row_order",
        }
    }

    /// Stops the writer once the appends already queued are committed.
    pub async fn close(&self) {
        self.writer.close().await;
    }
}

/// Reads column `i` of a row, as a storage error when the type does not match.
pub(crate) fn col<'r, T>(row: &'r AnyRow, i: usize) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    row.try_get(i).map_err(StoreError::Database)
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_match_the_protocol() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()).unwrap(), s);
        }
        assert!(Status::parse("bogus").is_err());
        let q = tandem_protocol::ConversationState::Queued { position: 1, estimated_wait_secs: None };
        assert_eq!(Status::parse(q.status()).unwrap(), Status::Queued);
    }

    #[test]
    fn urls_are_checked_and_passwords_hidden() {
        let dir = tempfile::tempdir().unwrap();
        assert!(database_url(None, dir.path()).unwrap().starts_with("sqlite://"));
        assert_eq!(database_url(Some("postgres://u@h/db"), dir.path()).unwrap(), "postgres://u@h/db");
        assert!(database_url(Some("mysql://x"), dir.path()).is_err());
        assert_eq!(redact("postgres://tandem:secret@db:5432/t"), "postgres://tandem:***@db:5432/t");
        assert_eq!(redact("postgres://tandem@db/t"), "postgres://tandem@db/t");
    }

    #[test]
    fn timestamps_are_milliseconds() {
        assert_eq!(ms_to_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(ms_to_rfc3339(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
    }
}
