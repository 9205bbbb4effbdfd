//! Writes too long for one transaction (an import), committed in steps.

use std::time::{Duration, Instant};

use diesel::connection::TransactionManager;
use diesel::prelude::*;
use diesel::r2d2;

use super::{AnyConnection, Database, Manager, begin_write};
use crate::error::AppError;

/// How long one step of a long write holds the write lock: long enough that
/// a large import spends its time importing, short enough that the live
/// submissions queued behind it wait well under a second.
const STEP: Duration = Duration::from_millis(200);

/// How long a long write on SQLite lets go of the lock between two steps.
/// A writer waiting on SQLite's lock (the server's, in another process)
/// sleeps and tries again, at last every 100 ms; begun again at once, the
/// import won the lock back every time, and submissions waited up to 1.2 s
/// beside a 100,000-comment import. Held back a little longer than that
/// sleep, it lets every waiting writer in once a step.
const PAUSE: Duration = Duration::from_millis(110);

/// A write too long for one transaction, such as an import, committed in
/// steps so that live submissions get in between them.
pub struct Steps {
    held: Held,
    began: Instant,
}

/// The connection a long write holds.
enum Held {
    Own(AnyConnection),
    Pooled(r2d2::PooledConnection<Manager>),
}

impl Steps {
    pub fn conn(&mut self) -> &mut AnyConnection {
        match &mut self.held {
            Held::Own(conn) => conn,
            Held::Pooled(pooled) => pooled,
        }
    }

    /// Commits what the step wrote and begins the next, once the step has
    /// held the write lock for `STEP`; otherwise does nothing. Call it only
    /// where what is written so far may be seen.
    pub fn step_if_due(&mut self) -> Result<(), AppError> {
        if self.began.elapsed() < STEP {
            return Ok(());
        }
        <AnyConnection as Connection>::TransactionManager::commit_transaction(self.conn())?;
        // PostgreSQL locks rows, not the database: nobody waits on this.
        if matches!(self.conn(), AnyConnection::Sqlite(_)) {
            std::thread::sleep(PAUSE);
        }
        begin_write(self.conn(), &[])?;
        self.began = Instant::now();
        Ok(())
    }

    /// Drops what the current step wrote and begins a new one, to undo what
    /// earlier steps committed.
    pub fn roll_back_step(&mut self) -> Result<(), AppError> {
        <AnyConnection as Connection>::TransactionManager::rollback_transaction(self.conn())?;
        begin_write(self.conn(), &[])?;
        self.began = Instant::now();
        Ok(())
    }
}

impl Database {
    /// Runs a long write in steps (see `Steps`), on the caller's thread, for
    /// the command line. On SQLite it writes on a connection of its own,
    /// beside this process's writer, which has nothing else to do meanwhile;
    /// another process's writer (the server's) waits at most a step.
    pub fn write_in_steps_here<T>(
        &self,
        work: impl FnOnce(&mut Steps) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let held = match &self.writer {
            Some(_) => Held::Own(
                Manager::new(self.url.clone())
                    .open()
                    .map_err(|e| AppError::internal("opening a connection to write", e))?,
            ),
            None => Held::Pooled(self.pool.get().map_err(|_| AppError::Busy)?),
        };
        let mut steps = Steps {
            held,
            began: Instant::now(),
        };
        begin_write(steps.conn(), &[])?;
        match work(&mut steps) {
            Ok(value) => {
                <AnyConnection as Connection>::TransactionManager::commit_transaction(
                    steps.conn(),
                )?;
                self.ring();
                Ok(value)
            }
            Err(e) => {
                <AnyConnection as Connection>::TransactionManager::rollback_transaction(
                    steps.conn(),
                )?;
                Err(e)
            }
        }
    }
}
