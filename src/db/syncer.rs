//! Flushes SQLite's write-ahead log to disk on a thread of its own, so the
//! group-commit writer never waits on the disk. The writer commits with
//! `synchronous = NORMAL`: the batch's pages reach the operating system, which
//! is all a reader or a `kill -9` needs, but are not yet flushed. It then hands
//! the batch's answers here. One `fdatasync` of the log covers every batch
//! committed before it began, and only then are those submitters answered, so
//! an acknowledged comment still survives a power cut. While the disk flushes
//! one batch, the writer already runs the next: under load the writer spent a
//! fifth of its time blocked in the commit's fsync.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

/// Where a batch's submitters wait for their answer.
pub type Commit = oneshot::Sender<Result<(), String>>;

/// The handle the writer gives committed batches to.
pub struct Syncer {
    queue: mpsc::Sender<Vec<Commit>>,
}

impl Syncer {
    /// Starts the sync thread for the database file at `database`.
    pub fn start(database: &Path) -> Result<Self, String> {
        let log = log_path(database);
        let (queue, committed) = mpsc::channel::<Vec<Commit>>();
        thread::Builder::new()
            .name("replydesk-sync".into())
            .spawn(move || {
                let mut file: Option<File> = None;
                while let Ok(first) = committed.recv() {
                    let mut waiting = vec![first];
                    waiting.extend(committed.try_iter());
                    let synced = sync(&mut file, &log);
                    for commit in waiting.into_iter().flatten() {
                        let _ = commit.send(synced.clone());
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Self { queue })
    }

    /// Answers a committed batch once the log holding it is on disk.
    pub fn answer_when_durable(&self, batch: Vec<Commit>) {
        if let Err(mpsc::SendError(batch)) = self.queue.send(batch) {
            for commit in batch {
                let _ = commit.send(Err("the sync thread has stopped".into()));
            }
        }
    }
}

/// Flushes the log. The file is opened on first use, once a commit has made
/// it, and kept open: SQLite rewrites and truncates it in place, never replaces it.
fn sync(file: &mut Option<File>, log: &PathBuf) -> Result<(), String> {
    let open = match file {
        Some(open) => open,
        None => {
            file.insert(File::open(log).map_err(|e| format!("opening {}: {e}", log.display()))?)
        }
    };
    open.sync_data().map_err(|e| {
        tracing::error!(error = %e, "flushing the SQLite log to disk failed");
        format!("flushing {}: {e}", log.display())
    })
}

/// SQLite's write-ahead log beside the database file.
pub(super) fn log_path(database: &Path) -> PathBuf {
    let mut log = database.as_os_str().to_owned();
    log.push("-wal");
    PathBuf::from(log)
}
