//! SQLite's writer: one connection on its own thread runs each group-commit batch whole — every
//! statement of every append in it, then one COMMIT — in a single hand-off, instead of sending each
//! statement to a driver thread and waiting for it (two thread wake-ups a statement, which cost
//! more than SQLite's own work). Reads, and the few writes outside the append path, stay on sqlx.

use std::path::{Path, PathBuf};

use tokio::sync::oneshot;

use super::append::apply_write;
use super::writer::{Write, Written};
use super::exec::{run_now, SqliteTx};
use super::{StoreError, StoreResult};

type Outcome = StoreResult<Vec<Written>>;

struct Job {
    appends: Vec<Write>,
    done: oneshot::Sender<(Vec<Write>, Outcome)>,
}

/// The handle to the writer thread (it ends when the last handle is dropped).
#[derive(Clone)]
pub struct SqliteWriter {
    tx: std::sync::mpsc::Sender<Job>,
}

/// The database file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

impl SqliteWriter {
    /// Opens the writer's connection to an existing, migrated database file.
    pub fn open(path: &Path) -> anyhow::Result<SqliteWriter> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // The same settings as the pool's connections.
        conn.execute_batch(super::SQLITE_PRAGMAS)?;
        // The writer touches the recent end of every index again and again: a 32 MB page cache
        // (SQLite's default is 2 MB) keeps it from reading those pages back.
        conn.execute_batch("PRAGMA cache_size = -32768;")?;
        conn.set_prepared_statement_cache_capacity(64);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new().name("tandem-sqlite-writer".into()).spawn(move || {
            while let Ok(job) = rx.recv() {
                let outcome = commit(&conn, &job.appends);
                let _ = job.done.send((job.appends, outcome));
            }
        })?;
        Ok(SqliteWriter { tx })
    }

    /// Applies appends in one transaction on the writer thread; gives them back with the outcome
    /// (empty if the thread is gone).
    pub async fn apply(&self, appends: Vec<Write>) -> (Vec<Write>, Outcome) {
        let (done, result) = oneshot::channel();
        if self.tx.send(Job { appends, done }).is_err() {
            return (Vec::new(), Err(StoreError::Closed));
        }
        result.await.unwrap_or_else(|_| (Vec::new(), Err(StoreError::Closed)))
    }
}

/// One transaction: every append, then COMMIT; any failure rolls the whole batch back (the caller
/// then retries its appends one by one).
fn commit(conn: &rusqlite::Connection, appends: &[Write]) -> Outcome {
    let fail = |e: rusqlite::Error| StoreError::Database(sqlx::Error::Protocol(format!("sqlite: {e}")));
    conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
    let mut out = Vec::with_capacity(appends.len());
    for a in appends {
        match run_now(apply_write(&mut SqliteTx(conn), a)) {
            Ok(r) => out.push(r),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    if let Err(e) = conn.execute_batch("COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(fail(e));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_read_from_the_url() {
        assert_eq!(file_of("sqlite:///tmp/x/tandem.db?mode=rwc"), Some(PathBuf::from("/tmp/x/tandem.db")));
        assert_eq!(file_of("sqlite://data/tandem.db"), Some(PathBuf::from("data/tandem.db")));
        assert_eq!(file_of("sqlite:data/t.db"), Some(PathBuf::from("data/t.db")));
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("postgres://x/y"), None);
    }
}
