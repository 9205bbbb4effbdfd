//! Group commit for PostgreSQL submissions: a few writer threads each take
//! what is queued, up to [`MAX_BATCH`] pieces, into one transaction, so a
//! burst of submissions shares its `BEGIN`, its `COMMIT` and the flush of the
//! log (docs/performance.md, "A batch writer on PostgreSQL").
//!
//! The guarantees are those of a transaction per submission:
//!
//! - Nobody is answered before their batch's `COMMIT` has returned.
//! - The batch begins holding every piece's sender locks (see `locks`), taken
//!   in one sorted pass in the message that carries `BEGIN`, so two batches,
//!   from this instance or another, never wait on each other for them; under
//!   `READ COMMITTED` each statement after them sees what others committed, and
//!   a piece sees the rows of the pieces before it in its batch, which commit
//!   or roll back with it: the same as running them one after the other.
//! - There are no savepoints: a refusal (a duplicate, a flood, a bad field)
//!   comes before its piece writes anything, so it leaves the batch as it
//!   was. Work that refuses after writing must first undo what it wrote.
//! - A failure of any other kind, or a failed `COMMIT`, may have aborted the
//!   whole transaction (a unique or foreign-key violation, a deadlock with
//!   another batch, a lost connection): the batch is rolled back and each of
//!   its pieces runs again alone, in a transaction of its own, so only the
//!   guilty piece fails. That is why the work is `Fn`. A deadlock between two
//!   batches is broken only after PostgreSQL's `deadlock_timeout` (1 s by
//!   default); held comments update no post, approved ones their own post's row.

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use tokio::sync::oneshot;

use super::{AnyConnection, Pool, QueryResult, locks, run_on, transaction_holding};
use crate::error::AppError;

/// The writer threads, each with one batch in flight on a pooled connection.
/// One serialises every round trip of every submission; with more, one batch
/// runs its statements while another waits on the disk or on PostgreSQL. At
/// 32 connections on two cores, 1 to 4 writers gave 1,525, 1,741, 2,162 and
/// 2,417 form submissions/s in one screening pass, 8 fell back (docs/performance.md,
/// "A batch writer on PostgreSQL").
const WRITERS: usize = 4;

/// The most pieces one transaction takes: the lock statement and the answers
/// held back by one slow piece stay bounded.
const MAX_BATCH: usize = 64;

/// One queued piece of work, whatever it returns.
type Queued = Box<dyn Piece>;

/// The sending side of the writers' queue.
#[derive(Clone)]
pub struct PgWriter {
    queue: mpsc::Sender<Queued>,
}

impl PgWriter {
    /// Starts the writer threads, which take connections from `pool` a batch at a time.
    pub fn start(pool: &Pool) -> Result<Self, String> {
        let (queue, jobs) = mpsc::channel::<Queued>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..WRITERS {
            let jobs = Arc::clone(&jobs);
            let pool = pool.clone();
            thread::Builder::new()
                .name(format!("replydesk-pg-writer-{n}"))
                .spawn(move || {
                    while let Some(batch) = next_batch(&jobs) {
                        run_batch(&pool, batch);
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(Self { queue })
    }

    /// Runs `work` in the next batch, holding the senders' locks, and answers
    /// once the transaction it ended in has committed.
    pub async fn write<T, F>(&self, senders: &[String], work: F) -> Result<T, AppError>
    where
        F: Fn(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work,
            locks: locks::lock_ids(senders),
            outcome: None,
            reply,
        };
        self.queue.send(Box::new(job)).map_err(|_| AppError::Busy)?;
        answer.await.map_err(|_| AppError::Busy)?
    }
}

/// A queued piece of work, its locks and the answer it waits for, with its
/// result's type erased so one queue carries every kind.
trait Piece: Send {
    fn locks(&self) -> &[i64];
    /// Runs the work in the connection's transaction, keeping its outcome
    /// for the answer (a run again replaces it); says whether the transaction
    /// may still commit: not if the work failed other than by refusing, for
    /// that may have aborted it or left writes in it.
    fn run(&mut self, conn: &mut AnyConnection) -> bool;
    /// Answers the submitter once its transaction is over: with the outcome,
    /// if the transaction committed or the work failed, else with why not.
    fn answer(self: Box<Self>, committed: Result<(), AppError>);
}

struct Job<T, F> {
    work: F,
    locks: Vec<i64>,
    outcome: Option<Result<T, AppError>>,
    reply: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> Piece for Job<T, F>
where
    F: Fn(&mut AnyConnection) -> Result<T, AppError> + Send,
    T: Send,
{
    fn locks(&self) -> &[i64] {
        &self.locks
    }

    fn run(&mut self, conn: &mut AnyConnection) -> bool {
        let outcome = (self.work)(conn);
        let fit = outcome.as_ref().err().is_none_or(AppError::is_refusal);
        self.outcome = Some(outcome);
        fit
    }

    fn answer(self: Box<Self>, committed: Result<(), AppError>) {
        let answer = match (self.outcome, committed) {
            (Some(Err(e)), _) | (_, Err(e)) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            // Every piece runs before its transaction commits.
            (None, Ok(())) => Err(AppError::Busy),
        };
        let _ = self.reply.send(answer);
    }
}

/// Waits for work, then takes whatever else is queued, up to [`MAX_BATCH`];
/// `None` once the database handle is gone.
fn next_batch(jobs: &Mutex<mpsc::Receiver<Queued>>) -> Option<Vec<Queued>> {
    let jobs = jobs.lock().unwrap_or_else(PoisonError::into_inner);
    let mut batch = vec![jobs.recv().ok()?];
    batch.extend(jobs.try_iter().take(MAX_BATCH - 1));
    Some(batch)
}

/// Runs a batch in one transaction; if it cannot commit, runs each piece alone.
fn run_batch(pool: &Pool, mut batch: Vec<Queued>) {
    // One piece is a batch already, and one that fails need not run twice.
    if let [_] = batch.as_slice() {
        batch.into_iter().for_each(|piece| run_alone(pool, piece));
        return;
    }
    let Ok(mut pooled) = pool.get() else {
        for piece in batch {
            piece.answer(Err(AppError::Busy));
        }
        return;
    };
    let mut locks: Vec<i64> = batch
        .iter()
        .flat_map(|piece| piece.locks().iter().copied())
        .collect();
    locks.sort_unstable();
    locks.dedup();
    // A failed batch marks its connection unproven (see `run_on`), so the pool
    // asks it at its next checkout and replaces it if it was lost.
    let ended = run_on(&mut pooled, |conn| {
        Ok(in_transaction(conn, &locks, |conn| {
            batch.iter_mut().all(|piece| piece.run(conn))
        })?)
    });
    drop(pooled);
    let why = match ended {
        Ok(true) => return batch.into_iter().for_each(|piece| piece.answer(Ok(()))),
        Ok(false) => "one of its pieces failed".to_string(),
        Err(e) => e.to_string(),
    };
    tracing::warn!(error = %why, pieces = batch.len(), "a batch of submissions was rolled back; each runs again alone");
    batch.into_iter().for_each(|piece| run_alone(pool, piece));
}

/// Runs one piece in a transaction of its own, holding only its own locks.
fn run_alone(pool: &Pool, mut piece: Queued) {
    let locks = piece.locks().to_vec();
    let ended = match pool.get() {
        Ok(mut pooled) => run_on(&mut pooled, |conn| {
            Ok(in_transaction(conn, &locks, |conn| piece.run(conn))?)
        }),
        Err(_) => Err(AppError::Busy),
    };
    // Rolled back, the piece's own failure is its answer.
    piece.answer(ended.map(drop));
}

/// Runs `pieces` in a write transaction holding `locks`; commits if they leave
/// it whole (and says `true`), else rolls it back.
fn in_transaction(
    conn: &mut AnyConnection,
    locks: &[i64],
    pieces: impl FnOnce(&mut AnyConnection) -> bool,
) -> QueryResult<bool> {
    use diesel::result::Error::RollbackTransaction;
    let whole = |conn: &mut AnyConnection| {
        if pieces(conn) {
            Ok(())
        } else {
            Err(RollbackTransaction)
        }
    };
    match transaction_holding(conn, locks, whole) {
        Ok(()) => Ok(true),
        Err(RollbackTransaction) => Ok(false),
        Err(e) => Err(e),
    }
}
