//! Group commit for SQLite: one writer thread runs queued write work in shared
//! transactions, so a burst of submissions costs one sync to disk per batch
//! instead of one per comment. Each piece of work runs in its own savepoint, so
//! one refusal rolls back only itself, and nobody is answered before the batch
//! is on disk: the sync thread answers them once it has flushed the log. With
//! `REPLYDESK_SQLITE_SYNC=normal` they are answered once it is committed.

use std::fs;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::{SimpleConnection, TransactionManager};
use tokio::sync::oneshot;

use super::checkpoint::Checkpointer;
use super::syncer::{self, Commit, Syncer};
use super::{AnyConnection, Manager};
use crate::configuration::{DatabaseUrl, SqliteSync};
use crate::error::AppError;

/// The most pieces of work one transaction takes.
const MAX_BATCH: usize = 256;

/// The log's size past which the writer copies it back whole and starts it
/// over. The checkpoint thread's passive rounds copy pages back while the
/// writer goes on, but under a steady stream of commits they never copy the
/// last of them, and SQLite only starts its log over once every page is back:
/// during a benchmark the log grew by 50 MB a second, to gigabytes, and its
/// index in shared memory with it. Started over at most every few seconds,
/// the file stays near a few seconds' writes, and is reused rather than grown.
const LOG_LIMIT: u64 = 64 * 1024 * 1024;
/// The least time between two restarts of the log. Each holds the writer
/// while it copies back what the checkpoint thread has not yet: once a second
/// that put submissions' p99 at 22–33 ms in the benchmark.
const RESTART_EVERY: Duration = Duration::from_secs(5);

type Work = Box<dyn FnOnce(&mut AnyConnection) -> Result<(), AppError> + Send>;

/// Where a piece of queued work hears of its batch's commit, and of its own outcome.
type Answers<T> = (
    oneshot::Receiver<Result<(), String>>,
    oneshot::Receiver<Result<T, AppError>>,
);

/// The sending side of the writer thread's queue.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<(Work, Commit)>,
}

impl Writer {
    /// Starts the writer thread on a connection of its own to a SQLite file.
    /// With `SqliteSync::Normal` it answers each batch once committed, without
    /// waiting for the sync thread (docs/performance.md, "SQLite durability").
    pub fn start(manager: &Manager, sync: SqliteSync) -> Result<Self, String> {
        let DatabaseUrl::Sqlite(path) = &manager.url else {
            return Err("the group-commit writer is for SQLite only".into());
        };
        let mut conn = manager.open().map_err(|e| e.to_string())?;
        let AnyConnection::Sqlite(c) = &mut conn else {
            return Err("the group-commit writer is for SQLite only".into());
        };
        // Checkpoints run on their own thread, and so does the flush of each
        // commit (see `syncer`); the indexes the writer walks stay cached in
        // 4,096 pages, whatever the file's page size (4 MiB of a new file's
        // 1 KiB pages, 16 MiB of an older file's 4 KiB ones, against SQLite's
        // 2 MiB default). Not more: every commit trims the page cache by walking
        // its hash table, and with 16,384 pages that walk was 9 % of the writer.
        c.batch_execute(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = 4096",
        )
        .map_err(|e| e.to_string())?;
        let checkpointer = Checkpointer::start(manager)?;
        let log = syncer::log_path(path);
        let syncer = match sync {
            SqliteSync::Full => Some(Syncer::start(path)?),
            SqliteSync::Normal => None,
        };
        let (queue, jobs) = mpsc::channel::<(Work, Commit)>();
        thread::Builder::new()
            .name("replydesk-writer".into())
            .spawn(move || {
                let mut restarted = Instant::now();
                while let Ok(first) = jobs.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match jobs.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    run_batch(&mut conn, batch, syncer.as_ref());
                    if restarted.elapsed() >= RESTART_EVERY
                        && fs::metadata(&log).is_ok_and(|m| m.len() > LOG_LIMIT)
                    {
                        restart_log(&mut conn);
                        restarted = Instant::now();
                    }
                    checkpointer.nudge();
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Self { queue })
    }

    /// Runs `work` in the next batch and answers once it is committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (commit_rx, result_rx) = self.queue_work(work)?;
        let committed = commit_rx.await.map_err(|_| AppError::Busy)?;
        let outcome = result_rx.await.map_err(|_| AppError::Busy)?;
        settle(committed, outcome)
    }

    /// The same, waiting on the caller's thread, for the command line.
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (commit_rx, result_rx) = self.queue_work(work)?;
        let committed = commit_rx.blocking_recv().map_err(|_| AppError::Busy)?;
        let outcome = result_rx.blocking_recv().map_err(|_| AppError::Busy)?;
        settle(committed, outcome)
    }

    /// Queues `work`; gives where its batch's commit and its own outcome arrive.
    fn queue_work<T, F>(&self, work: F) -> Result<Answers<T>, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (result_tx, result_rx) = oneshot::channel();
        let job: Work = Box::new(move |conn| {
            let outcome = work(conn);
            let failed = outcome.is_err();
            let _ = result_tx.send(outcome);
            // The savepoint is rolled back for a refusal; its answer already waits.
            if failed {
                Err(AppError::Conflict("rolled back".into()))
            } else {
                Ok(())
            }
        });
        let (commit_tx, commit_rx) = oneshot::channel();
        self.queue
            .send((job, commit_tx))
            .map_err(|_| AppError::Busy)?;
        Ok((commit_rx, result_rx))
    }
}

/// The answer for one piece of work: its refusal, else its batch's fate.
fn settle<T>(committed: Result<(), String>, outcome: Result<T, AppError>) -> Result<T, AppError> {
    match (committed, outcome) {
        (_, Err(refusal)) => Err(refusal),
        (Err(e), Ok(_)) => Err(AppError::internal("committing a batch", e)),
        (Ok(()), Ok(value)) => Ok(value),
    }
}

/// Copies the whole log back into the database file, syncs it, and has the
/// next commit write the log from its start. It waits for the readers still on
/// the log, which take microseconds. Every comment in the log is in the synced
/// database file before the log is reused, so an answer the sync thread gives
/// afterwards is still true.
fn restart_log(conn: &mut AnyConnection) {
    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(RESTART)") {
        tracing::warn!(error = %e, "starting the SQLite log over failed; it is tried again later");
    }
}

/// Runs a batch in one transaction and hands its answers to the sync thread,
/// or, without one, gives them as soon as it is committed.
fn run_batch(conn: &mut AnyConnection, batch: Vec<(Work, Commit)>, syncer: Option<&Syncer>) {
    if let Err(e) = super::begin_write(conn, &[]) {
        for (_, commit) in batch {
            let _ = commit.send(Err(e.to_string()));
        }
        return;
    }
    let mut commits = Vec::with_capacity(batch.len());
    for (work, commit) in batch {
        // A savepoint per piece of work: a refusal rolls back only its own writes.
        let _ = conn.transaction(|c| work(c));
        commits.push(commit);
    }
    match <AnyConnection as Connection>::TransactionManager::commit_transaction(conn) {
        Ok(()) => match syncer {
            Some(syncer) => syncer.answer_when_durable(commits),
            None => {
                for commit in commits {
                    let _ = commit.send(Ok(()));
                }
            }
        },
        Err(e) => {
            let _ = <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn);
            for commit in commits {
                let _ = commit.send(Err(e.to_string()));
            }
        }
    }
}
