//! The writer tasks that commit appends and new conversations. Writes waiting at the same moment
//! share one transaction (group commit), so a burst costs one disk sync instead of one each. SQLite
//! has one writer (it takes one writer at a time); PostgreSQL has `--database-writers` ([`DEFAULT_POSTGRES_WRITERS`]), each
//! committing the conversations that hash to it, so one conversation's appends are still committed
//! in order and one writer's round trips never hold up the others' (like several instances, which
//! the conditions in the statements already make safe). If a shared transaction fails (a deadlock
//! with another writer or instance, a constraint), each of its writes is retried alone, so one bad
//! write never fails its neighbours.

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::append::{apply_write, Append, Appended, Committed, OnCommit};
use super::exec::SqlxTx;
use super::sqlite_writer::SqliteWriter;
use super::{Backend, Status, StoreError, StoreResult};

/// Appends one transaction may carry at most.
const MAX_BATCH: usize = 128;

/// Writer tasks per instance on PostgreSQL unless configured (`--database-writers`; each holds a
/// pool connection while it commits). With a batch of messages costing one round trip
/// (`pg_batch.rs`), what the database sees is the number of writers of all instances together:
/// on this project's two-core machine two in all measured best (one instance with two writers
/// faster than with one or four; two instances faster with one each than with two each, whose
/// batches were smaller).
pub const DEFAULT_POSTGRES_WRITERS: usize = 2;

/// What the writer commits: an append, or a new conversation (created through the writer too,
/// so on SQLite no other connection competes with it for the write lock, and on PostgreSQL it
/// shares a commit with the appends waiting at the same moment).
// Each is moved a few times on its way to a commit; boxing would cost an allocation per write.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(crate) enum Write {
    Append(Append),
    Create(Creation),
}

/// A conversation to store (see [`super::NewConversation`]).
#[derive(Clone, Debug)]
pub(crate) struct Creation {
    pub id: String,
    pub shopper_id: String,
    pub merchant_id: String,
    pub identified: bool,
    /// The state as stored (JSON) and its status.
    pub state: String,
    pub status: Status,
    pub locale: String,
    pub created_ms: i64,
}

/// What a write did.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Written {
    Append(Appended, Option<Committed>),
    Created,
}

#[allow(clippy::large_enum_variant)]
enum Job {
    Write(Write, oneshot::Sender<StoreResult<Written>>),
    Flush(oneshot::Sender<()>),
}

/// The handle to an instance's writer task.
#[derive(Clone)]
pub struct Writer {
    /// One queue per writer task; a conversation's writes always go to the same one.
    txs: Arc<[mpsc::Sender<Job>]>,
}

impl Writer {
    /// Starts the writer tasks. With `sqlite`, batches run on that dedicated SQLite writer's thread.
    pub fn start(pool: AnyPool, backend: Backend, postgres_writers: usize, on_commit: OnCommit, sqlite: Option<SqliteWriter>) -> Writer {
        let writers = if sqlite.is_none() && backend == Backend::Postgres { postgres_writers } else { 1 };
        let mut txs = Vec::with_capacity(writers);
        for _ in 0..writers {
            let (tx, rx) = mpsc::channel(4096);
            let engine = match &sqlite {
                Some(w) => Engine::Sqlite(w.clone()),
                None => Engine::Sqlx(pool.clone(), backend),
            };
            tokio::spawn(run(engine, on_commit.clone(), rx));
            txs.push(tx);
        }
        Writer { txs: txs.into() }
    }

    /// The writer that commits this conversation's writes.
    fn shard(&self, conversation_id: &str) -> usize {
        // FNV-1a: stable and cheap; only the spread matters.
        let hash = conversation_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        (hash % self.txs.len() as u64) as usize
    }

    /// Waits until every append queued before this call is committed.
    pub async fn close(&self) {
        for tx in self.txs.iter() {
            let (done, wait) = oneshot::channel();
            if tx.send(Job::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        }
    }
}

impl super::Store {
    /// Appends an event (see [`Append`]); returns once it is committed.
    pub async fn append(&self, append: Append) -> StoreResult<Appended> {
        match self.write(Write::Append(append)).await? {
            Written::Append(appended, _) => Ok(appended),
            Written::Created => Err(StoreError::Corrupt("an append came back as a creation".into())),
        }
    }

    /// Commits a write through its conversation's writer task; returns once it is committed.
    pub(crate) async fn write(&self, write: Write) -> StoreResult<Written> {
        let (done, result) = oneshot::channel();
        let conversation_id = match &write {
            Write::Append(a) => a.conversation_id.as_str(),
            Write::Create(c) => c.id.as_str(),
        };
        let shard = self.writer.shard(conversation_id);
        self.writer.txs[shard].send(Job::Write(write, done)).await.map_err(|_| StoreError::Closed)?;
        result.await.map_err(|_| StoreError::Closed)?
    }
}

/// Where batches are committed.
enum Engine {
    /// Through sqlx (PostgreSQL; SQLite when its file cannot be opened directly).
    Sqlx(AnyPool, Backend),
    /// On the SQLite writer's own thread, a whole batch per hand-off.
    Sqlite(SqliteWriter),
}

async fn run(engine: Engine, on_commit: OnCommit, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut batch = Vec::with_capacity(jobs.len());
        let mut flushes = Vec::new();
        for job in jobs {
            match job {
                Job::Write(w, done) => batch.push((w, done)),
                Job::Flush(done) => flushes.push(done),
            }
        }
        if !batch.is_empty() {
            commit_batch(&engine, &on_commit, batch).await;
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}

type Done = oneshot::Sender<StoreResult<Written>>;
type Pending = (Write, Done);

async fn commit_batch(engine: &Engine, on_commit: &OnCommit, batch: Vec<Pending>) {
    let (writes, dones): (Vec<Write>, Vec<Done>) = batch.into_iter().unzip();
    // PostgreSQL: new conversations and plain messages in one statement (`pg_batch.rs`).
    if let Engine::Sqlx(pool, Backend::Postgres) = engine {
        if writes.iter().all(super::pg_batch::plain) {
            let appends: Vec<&Write> = writes.iter().collect();
            match super::pg_batch::commit(pool, &appends).await {
                Ok(results) => {
                    for (done, result) in dones.into_iter().zip(results) {
                        if let Ok(Written::Append(_, Some(c))) = &result {
                            on_commit(c);
                        }
                        let _ = done.send(result);
                    }
                    return;
                }
                // Nothing was committed: the writes go the other way below (one by one if the
                // shared transaction fails too).
                Err(e) => tracing::debug!(error = %e, size = writes.len(), "a batch statement failed; committing it statement by statement"),
            }
        }
    }
    let size = writes.len();
    match apply_in_one_transaction(engine, writes).await {
        (_, Ok(results)) => finish(on_commit, dones, results),
        (_, Err(e)) if size == 1 => {
            let _ = dones.into_iter().next().expect("one").send(Err(e));
        }
        (writes, Err(e)) if writes.len() != size => {
            // The writes did not come back (the SQLite writer's thread is gone): nothing to retry.
            for done in dones {
                let _ = done.send(Err(StoreError::Closed));
            }
            tracing::error!(error = %e, size, "the writer is gone; its batch fails");
        }
        (writes, Err(e)) => {
            tracing::debug!(error = %e, size, "shared transaction failed; committing its appends one by one");
            for (write, done) in writes.into_iter().zip(dones) {
                match apply_in_one_transaction(engine, vec![write]).await {
                    (_, Ok(results)) => finish(on_commit, vec![done], results),
                    (_, Err(e)) => {
                        let _ = done.send(Err(e));
                    }
                }
            }
        }
    }
}

fn finish(on_commit: &OnCommit, dones: Vec<Done>, results: Vec<Written>) {
    for (done, written) in dones.into_iter().zip(results) {
        if let Written::Append(_, Some(c)) = &written {
            on_commit(c);
        }
        let _ = done.send(Ok(written));
    }
}

/// Commits the writes in one transaction; gives them back (moved to the SQLite writer's thread
/// and back, not copied) so that a failed batch can be retried write by write.
async fn apply_in_one_transaction(engine: &Engine, writes: Vec<Write>) -> (Vec<Write>, StoreResult<Vec<Written>>) {
    match engine {
        Engine::Sqlite(w) => w.apply(writes).await,
        Engine::Sqlx(pool, backend) => {
            let result = apply_with_sqlx(pool, *backend, &writes).await;
            (writes, result)
        }
    }
}

async fn apply_with_sqlx(pool: &AnyPool, backend: Backend, appends: &[Write]) -> StoreResult<Vec<Written>> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(appends.len());
    for a in appends {
        out.push(apply_write(&mut SqlxTx(&mut tx, backend == Backend::Postgres), a).await?);
    }
    if backend == Backend::Postgres {
        let committed: Vec<&Committed> = out
            .iter()
            .filter_map(|w| match w {
                Written::Append(_, c) => c.as_ref(),
                Written::Created => None,
            })
            .collect();
        super::notify::events_in_transaction(&mut tx, &committed).await?;
    }
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{Store, StoredMerchant};

    fn creation(id: &str) -> Write {
        Write::Create(Creation {
            id: id.into(),
            shopper_id: "s-1".into(),
            merchant_id: "m-1".into(),
            identified: false,
            state: r#"{"status":"assistant"}"#.into(),
            status: Status::Assistant,
            locale: "en".into(),
            created_ms: 1,
        })
    }

    /// Writes queued together share one transaction; when one of them fails (here a conversation
    /// that already exists), the others are committed alone and only that one reports an error.
    /// On SQLite's writer thread, where the batch is moved to the thread and back.
    #[tokio::test]
    async fn a_failing_write_does_not_fail_the_writes_batched_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::open(&url, 2, Arc::new(|_| {})).await.unwrap();
        let merchant = StoredMerchant { id: "m-1".into(), name: "M".into(), provider_name: "P".into(), theme: "{}".into(), allowed_origins: "[]".into() };
        store.upsert_merchant(&merchant).await.unwrap();
        store.write(creation("c-0")).await.unwrap();
        // Queued before the writer task runs (this runtime has one thread): one batch.
        let ids = ["c-1", "c-0", "c-2", "c-3"];
        let results = futures_util::future::join_all(ids.iter().map(|id| store.write(creation(id)))).await;
        let failed: Vec<&str> = ids.iter().zip(&results).filter(|(_, r)| r.is_err()).map(|(id, _)| *id).collect();
        assert_eq!(failed, ["c-0"]);
        for id in ["c-1", "c-2", "c-3"] {
            assert!(store.conversation(id).await.unwrap().is_some(), "{id} was committed");
        }
    }
}
