//! What the append path needs from an open transaction — run a statement, read at most one row —
//! over two drivers: sqlx (PostgreSQL, and SQLite where a file cannot be opened directly) and
//! rusqlite on the SQLite writer's own thread (`sqlite_writer.rs`), where a whole batch runs
//! without handing every statement to a driver thread and back.

use sqlx::{Any, Transaction};

use super::sql::{Arg, Sql};
use super::{StoreError, StoreResult};

/// The type a column is read as.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Int,
    Text,
}

/// A column's value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl Value {
    pub fn int(&self) -> StoreResult<i64> {
        match self {
            Value::Int(i) => Ok(*i),
            other => Err(StoreError::Corrupt(format!("expected an integer, found {other:?}"))),
        }
    }

    pub fn text(self) -> StoreResult<String> {
        match self {
            Value::Text(s) => Ok(s),
            other => Err(StoreError::Corrupt(format!("expected text, found {other:?}"))),
        }
    }

    pub fn opt_text(self) -> StoreResult<Option<String>> {
        match self {
            Value::Null => Ok(None),
            v => v.text().map(Some),
        }
    }
}

/// An open transaction the append path writes through.
pub(crate) trait Tx {
    /// Runs a statement; rows changed.
    async fn execute(&mut self, sql: &Sql) -> StoreResult<u64>;
    /// Runs a statement and reads its first row, if any, as `kinds`.
    async fn row(&mut self, sql: &Sql, kinds: &[Kind]) -> StoreResult<Option<Vec<Value>>>;
    /// Runs a query and reads the first column of every row as text.
    async fn texts(&mut self, sql: &Sql) -> StoreResult<Vec<String>>;
    /// Whether one statement may write several tables (PostgreSQL's data-modifying `WITH`), so
    /// an append is one round trip instead of three (see `append.rs`).
    fn fuses(&self) -> bool {
        false
    }
}

/// A sqlx transaction, and whether it is PostgreSQL's.
pub(crate) struct SqlxTx<'a>(pub &'a mut Transaction<'static, Any>, pub bool);

impl Tx for SqlxTx<'_> {
    fn fuses(&self) -> bool {
        self.1
    }

    async fn execute(&mut self, sql: &Sql) -> StoreResult<u64> {
        Ok(sql.query().execute(&mut **self.0).await?.rows_affected())
    }

    async fn row(&mut self, sql: &Sql, kinds: &[Kind]) -> StoreResult<Option<Vec<Value>>> {
        use sqlx::Row;
        let Some(row) = sql.query().fetch_optional(&mut **self.0).await? else { return Ok(None) };
        let mut out = Vec::with_capacity(kinds.len());
        for (i, k) in kinds.iter().enumerate() {
            out.push(match k {
                Kind::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                Kind::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
            });
        }
        Ok(Some(out))
    }

    async fn texts(&mut self, sql: &Sql) -> StoreResult<Vec<String>> {
        use sqlx::Row;
        let rows = sql.query().fetch_all(&mut **self.0).await?;
        rows.iter().map(|r| r.try_get::<String, _>(0).map_err(StoreError::from)).collect()
    }
}

/// A rusqlite connection inside `BEGIN … COMMIT` (statements are cached prepared).
pub(crate) struct SqliteTx<'a>(pub &'a rusqlite::Connection);

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::OptText(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::OptText(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Arg::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
        })
    }
}

fn sqlite_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("sqlite: {e}")))
}

impl Tx for SqliteTx<'_> {
    async fn execute(&mut self, sql: &Sql) -> StoreResult<u64> {
        let mut stmt = self.0.prepare_cached(&sql.text).map_err(sqlite_error)?;
        Ok(stmt.execute(rusqlite::params_from_iter(sql.args())).map_err(sqlite_error)? as u64)
    }

    async fn row(&mut self, sql: &Sql, kinds: &[Kind]) -> StoreResult<Option<Vec<Value>>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.0.prepare_cached(&sql.text).map_err(sqlite_error)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(sql.args())).map_err(sqlite_error)?;
        let Some(row) = rows.next().map_err(sqlite_error)? else { return Ok(None) };
        let mut out = Vec::with_capacity(kinds.len());
        for (i, k) in kinds.iter().enumerate() {
            let v = row.get_ref(i).map_err(sqlite_error)?;
            out.push(match (k, v) {
                (_, ValueRef::Null) => Value::Null,
                (Kind::Int, ValueRef::Integer(n)) => Value::Int(n),
                (Kind::Text, ValueRef::Text(t)) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                (k, v) => return Err(StoreError::Corrupt(format!("column {i}: expected {k:?}, found {v:?}"))),
            });
        }
        Ok(Some(out))
    }

    async fn texts(&mut self, sql: &Sql) -> StoreResult<Vec<String>> {
        let mut stmt = self.0.prepare_cached(&sql.text).map_err(sqlite_error)?;
        let mut out = Vec::new();
        for text in stmt.query_map(rusqlite::params_from_iter(sql.args()), |r| r.get::<_, String>(0)).map_err(sqlite_error)? {
            out.push(text.map_err(sqlite_error)?);
        }
        Ok(out)
    }
}

/// Runs a future that never waits (the rusqlite transaction's): the writer thread drives the
/// append path, written once as async for both drivers, without an executor.
pub(crate) fn run_now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("a rusqlite transaction never waits"),
    }
}
