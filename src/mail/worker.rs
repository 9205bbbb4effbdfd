//! The background worker that empties the outbox: it claims due rows, has
//! `compose` write each message, sends it, and records
//! the outcome. Failures wait longer each time (with jitter) and, after the
//! last attempt, stay in the table marked dead. A mail server outage delays
//! mail; it never touches a submission.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use url::Url;

use super::compose::Composer;
use super::{Delivered, Mailer, masked, scrubbed};
use crate::db::outbox::{self, Claimed};
use crate::db::{self, Database};
use crate::domain::mail_kind::MailKind;

/// How often the worker looks for rows other instances queued.
const POLL: Duration = Duration::from_secs(1);
/// How long a claimed row stays this worker's before another may retry it.
const LEASE: TimeDelta = TimeDelta::seconds(LEASE_SECONDS);
const LEASE_SECONDS: i64 = 300;
/// A row reached this soon after its claim still has half its lease left,
/// longer than sending one message can take, so it is sent without renewing
/// the lease first: a renewal is a write, and under a burst of comments those
/// writes were a third of the worker's statements.
const FRESH: Duration = Duration::from_secs(LEASE_SECONDS.unsigned_abs() / 2);
const BATCH: i64 = 32;
/// The least time from one claim to the next: at most `BATCH` e-mails go out
/// per `PACE`, about a hundred a second. A wave of held spam can queue
/// thousands of moderator e-mails a second; sent as fast as they came, they
/// took the CPU the submissions needed, and a mail server would not take them
/// anyway. The rest wait in the outbox, in order.
const PACE: Duration = Duration::from_millis(320);
/// Messages in flight at once; lettre's pool keeps as many connections.
const SENDING_AT_ONCE: usize = 8;
/// The longest wait between two attempts.
const MAX_BACKOFF: TimeDelta = TimeDelta::hours(6);

/// What the worker needs, all owned so it can run on its own task.
pub struct Worker {
    pub db: Database,
    pub mailer: Mailer,
    pub public_url: Url,
    pub secret: Vec<u8>,
    pub max_attempts: u32,
    pub retry_seconds: u32,
    /// Woken when this instance queues mail, so it goes out at once.
    pub wake: Arc<Notify>,
    /// What moderation mail calls a comment's site, read from memory.
    pub sites: Arc<crate::sites::Sites>,
}

/// Stops the worker once the messages in hand are sent; claimed rows it has not reached go back.
pub struct Stopper {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Stopper {
    pub async fn stop(self) {
        tracing::info!("mail worker stopping once the e-mail in hand is sent");
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

enum Outcome {
    Sent(Delivered),
    Skipped(&'static str),
}

impl Worker {
    pub fn spawn(self) -> Stopper {
        let (stop, stopped) = watch::channel(false);
        // Names this worker's claims, so it can tell a row it still holds from
        // one whose lease ran out and another instance took.
        let me = format!("{:016x}", rand::rng().random::<u64>());
        let handle = tokio::spawn(self.run(me, stopped));
        Stopper { stop, handle }
    }

    async fn run(self, me: String, mut stopped: watch::Receiver<bool>) {
        while !*stopped.borrow() {
            let worker = me.clone();
            let claimed_at = Instant::now();
            // A claim is a write: on SQLite it goes through the one writer, so it
            // never holds the lock that a batch of submissions waits for.
            let claimed = self
                .db
                .write(move |conn| Ok(outbox::claim(conn, &worker, db::now() + LEASE, BATCH)?))
                .await;
            let rows = match claimed {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %scrubbed(&e.to_string()), "cannot read the mail outbox; will retry");
                    Vec::new()
                }
            };
            if rows.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    changed = stopped.changed() => {
                        // A dropped stopper means nobody will ever say stop: stop now.
                        if changed.is_err() {
                            break;
                        }
                    }
                }
                continue;
            }
            // Several messages at a time: a pooled SMTP transport keeps a few
            // connections open, and their outcomes share the writer's commits.
            let unreached = std::sync::Mutex::new(Vec::new());
            futures_util::stream::iter(rows)
                .for_each_concurrent(SENDING_AT_ONCE, |row| {
                    let (worker, me, stopped, unreached) = (&self, &me, &stopped, &unreached);
                    async move {
                        if *stopped.borrow() {
                            if let Ok(mut ids) = unreached.lock() {
                                ids.push(row.id);
                            }
                        } else if claimed_at.elapsed() < FRESH
                            || worker.still_mine(row.id, me).await
                        {
                            worker.handle(row).await;
                        }
                    }
                })
                .await;
            // Rows claimed but not reached before a shutdown go back at once.
            let rest: Vec<i64> = unreached.into_inner().unwrap_or_default();
            if !rest.is_empty() {
                let worker = me.clone();
                let _ = self
                    .db
                    .write(move |conn| Ok(outbox::release(conn, &rest, &worker)?))
                    .await;
            }
            tokio::select! {
                () = tokio::time::sleep_until((claimed_at + PACE).into()) => {}
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }

    /// Renews the lease on a row about to be sent; `false` if it is no longer
    /// this worker's (or the database cannot say so), so it is left alone.
    async fn still_mine(&self, id: i64, me: &str) -> bool {
        let worker = me.to_owned();
        let held = self
            .db
            .write(move |conn| Ok(outbox::hold(conn, id, &worker, db::now() + LEASE)?))
            .await;
        match held {
            Ok(mine) => mine,
            Err(e) => {
                tracing::warn!(outbox.id = id, error = %scrubbed(&e.to_string()), "cannot renew an e-mail's claim; leaving it for later");
                false
            }
        }
    }

    async fn handle(&self, row: Claimed) {
        let (id, attempts) = (row.id, row.attempts + 1);
        let outcome = match self.composer().message_for(&row).await {
            Ok(Some(message)) => self.mailer.send(message).await.map(Outcome::Sent),
            Ok(None) => Ok(Outcome::Skipped("nothing to say any more")),
            Err(e) => Err(e),
        };
        let recorded = match outcome {
            Ok(Outcome::Sent(delivered)) => {
                let to = masked(&row.recipient);
                match delivered {
                    Delivered::Smtp => {
                        tracing::info!(outbox.id = id, %to, kind = row.kind.map_or("", MailKind::as_str), "e-mail sent");
                    }
                    Delivered::File(file) => {
                        tracing::info!(outbox.id = id, %to, kind = row.kind.map_or("", MailKind::as_str), %file, "e-mail written to a file");
                    }
                }
                self.db
                    .write(move |conn| Ok(outbox::mark_sent(conn, id, None)?))
                    .await
            }
            Ok(Outcome::Skipped(why)) => {
                self.db
                    .write(move |conn| Ok(outbox::mark_sent(conn, id, Some(why))?))
                    .await
            }
            Err(error) => {
                let dead = u32::try_from(attempts).unwrap_or(u32::MAX) >= self.max_attempts;
                let retry_at = db::now() + self.backoff(attempts);
                tracing::warn!(outbox.id = id, attempts, dead, error = %scrubbed(&error), "e-mail not sent");
                self.db
                    .write(move |conn| {
                        Ok(outbox::mark_failed(
                            conn, id, attempts, retry_at, dead, &error,
                        )?)
                    })
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(outbox.id = id, error = %scrubbed(&e.to_string()), "cannot record an e-mail's outcome");
        }
    }

    fn composer(&self) -> Composer<'_> {
        Composer {
            db: &self.db,
            from: &self.mailer.from,
            public_url: &self.public_url,
            secret: &self.secret,
            sites: &self.sites,
        }
    }

    /// Exponential back-off from the configured base, with up to one base of jitter
    /// so that many failed rows do not all retry in the same second.
    fn backoff(&self, attempts: i32) -> TimeDelta {
        let base = i64::from(self.retry_seconds.max(1));
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let wait = TimeDelta::seconds(base.saturating_mul(1_i64 << exponent)).min(MAX_BACKOFF);
        let jitter = TimeDelta::milliseconds(rand::rng().random_range(0..base * 1000));
        wait + jitter
    }
}
