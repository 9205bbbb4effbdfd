//! Copies SQLite's write-ahead log back into the database file on a thread of
//! its own. Left to SQLite, the checkpoint runs inside whichever commit crosses
//! the log's size limit, and that is the group-commit writer that every
//! submission waits on: under load it took 9 % of the writer's time.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::Manager;

/// How long the log may grow between two checkpoints under steady writes: a
/// few megabytes at the rate the writer commits.
const PAUSE: Duration = Duration::from_millis(100);

/// The handle the writer nudges after each commit.
pub struct Checkpointer {
    nudge: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on a connection of its own.
    pub fn start(manager: &Manager) -> Result<Self, String> {
        let mut conn = manager.open().map_err(|e| e.to_string())?;
        let (nudge, nudged) = mpsc::sync_channel(1);
        thread::Builder::new()
            .name("replydesk-checkpoint".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    // PASSIVE never waits for readers or the writer; what it
                    // cannot copy now, the next round copies.
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "checkpointing the SQLite log failed");
                    }
                    thread::sleep(PAUSE);
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Self { nudge })
    }

    /// Says the log has grown. Never blocks: a nudge already waiting covers this one.
    pub fn nudge(&self) {
        let _ = self.nudge.try_send(());
    }
}
