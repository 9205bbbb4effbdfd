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
use crate::db::digest::{self, Asking, Turn};
use crate::db::outbox::{self, Claimed};
use crate::db::{self, Database};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation_mail::ModerationMail;

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
/// The most held comments one digest lists, so that a wave of thousands
/// still makes e-mails a mail server takes (about 2 KB each, in text and
/// HTML); the rest wait for the next window's digest.
const DIGEST_MOST: i64 = 500;
/// Why a moderation e-mail queued before its recipient turned moderation
/// mail off was not sent.
const MAIL_OFF: &str = "moderation mail is off for this moderator";

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
    /// How long a digest recipient's held comments gather after an e-mail
    /// before the next one (`REPLYDESK_DIGEST_MINUTES`).
    pub digest_window: TimeDelta,
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

/// What the worker does with claimed rows: most are sent one by one, but a
/// digest recipient's rows are decided together.
enum Unit {
    One(Claimed),
    /// A moderation e-mail to someone who turned moderation mail off after
    /// it was queued.
    Off(Claimed),
    /// A digest recipient's rows in this claim.
    Digest(String, Vec<Claimed>),
}

impl Unit {
    fn ids(&self) -> Vec<i64> {
        match self {
            Unit::One(row) | Unit::Off(row) => vec![row.id],
            Unit::Digest(_, rows) => rows.iter().map(|row| row.id).collect(),
        }
    }
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
            let units = self.sort_out(rows).await;
            // Several messages at a time: a pooled SMTP transport keeps a few
            // connections open, and their outcomes share the writer's commits.
            let unreached = std::sync::Mutex::new(Vec::new());
            futures_util::stream::iter(units)
                .for_each_concurrent(SENDING_AT_ONCE, |unit| {
                    let (worker, me, stopped, unreached) = (&self, &me, &stopped, &unreached);
                    async move {
                        if *stopped.borrow() {
                            if let Ok(mut ids) = unreached.lock() {
                                ids.extend(unit.ids());
                            }
                            return;
                        }
                        let fresh = claimed_at.elapsed() < FRESH;
                        match unit {
                            Unit::One(row) => {
                                if fresh || worker.still_mine(row.id, me).await {
                                    worker.handle(row).await;
                                }
                            }
                            Unit::Off(row) => {
                                if fresh || worker.still_mine(row.id, me).await {
                                    worker.record(&row, Ok(Outcome::Skipped(MAIL_OFF))).await;
                                }
                            }
                            Unit::Digest(recipient, rows) => {
                                let mut mine = Vec::with_capacity(rows.len());
                                for row in rows {
                                    if fresh || worker.still_mine(row.id, me).await {
                                        mine.push(row);
                                    }
                                }
                                if !mine.is_empty() {
                                    worker.take_turn(recipient, mine, me).await;
                                }
                            }
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

    /// Splits a claim into what is sent alone and what is decided per
    /// digest recipient. A moderator's mode is read here, when the e-mail
    /// goes, so a change reaches the e-mails already queued for them.
    async fn sort_out(&self, rows: Vec<Claimed>) -> Vec<Unit> {
        let mut recipients: Vec<String> = rows
            .iter()
            .filter(|row| row.kind == Some(MailKind::Moderate))
            .map(|row| row.recipient.clone())
            .collect();
        recipients.sort_unstable();
        recipients.dedup();
        let modes = if recipients.is_empty() {
            Vec::new()
        } else {
            // Unread, every row goes alone, as before there were digests:
            // late mail is worse than one e-mail too many.
            self.db
                .read(move |conn| Ok(digest::modes_of(conn, &recipients)?))
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %scrubbed(&e.to_string()), "cannot read the moderators' mail modes; sending each e-mail alone");
                    Vec::new()
                })
        };
        let mode_of = |row: &Claimed| {
            modes
                .iter()
                .find(|(email, _)| *email == row.recipient)
                .map_or(ModerationMail::Each, |(_, mode)| *mode)
        };
        let mut units: Vec<Unit> = Vec::with_capacity(rows.len());
        for row in rows {
            if row.kind != Some(MailKind::Moderate) {
                units.push(Unit::One(row));
                continue;
            }
            match mode_of(&row) {
                ModerationMail::Each => units.push(Unit::One(row)),
                ModerationMail::Off => units.push(Unit::Off(row)),
                ModerationMail::Digest => {
                    let gathered = units.iter_mut().find_map(|unit| match unit {
                        Unit::Digest(recipient, rows) if *recipient == row.recipient => Some(rows),
                        _ => None,
                    });
                    match gathered {
                        Some(rows) => rows.push(row),
                        None => units.push(Unit::Digest(row.recipient.clone(), vec![row])),
                    }
                }
            }
        }
        units
    }

    /// Decides a digest recipient's turn (see `db::digest::take_turn`) and
    /// sends what it says to send now.
    async fn take_turn(&self, recipient: String, hand: Vec<Claimed>, me: &str) {
        let ids: Vec<i64> = hand.iter().map(|row| row.id).collect();
        let (worker, who, window) = (me.to_owned(), recipient.clone(), self.digest_window);
        let turn = self
            .db
            .write(move |conn| {
                let now = db::now();
                let asking = Asking {
                    recipient: &who,
                    hand: &ids,
                    worker: &worker,
                    window,
                    now,
                    lease_until: now + LEASE,
                    most: DIGEST_MOST,
                };
                Ok(digest::take_turn(conn, &asking)?)
            })
            .await;
        let (mut rows, taken) = match turn {
            // Left claimed, the rows come back when their lease ends.
            Err(e) => {
                tracing::warn!(error = %scrubbed(&e.to_string()), "cannot decide a moderation digest; will retry");
                return;
            }
            Ok(Turn::Wait) => return,
            Ok(Turn::Send { rows, taken }) => (rows, taken),
        };
        let failed = match rows.len() {
            0 => false,
            1 => match rows.pop() {
                Some(row) => self.handle(row).await,
                None => false,
            },
            _ => self.send_digest(&recipient, rows).await,
        };
        if let (true, Some(taken)) = (failed, taken) {
            let given_back = self
                .db
                .write(move |conn| Ok(digest::give_back(conn, &recipient, &taken)?))
                .await;
            if let Err(e) = given_back {
                tracing::warn!(error = %scrubbed(&e.to_string()), "cannot hand back a digest's turn; its retry waits for the window");
            }
        }
    }

    /// Sends one digest for `rows` and records the outcome on every one of
    /// them: they were taken together, so they are sent or retried together.
    /// Says whether sending failed.
    async fn send_digest(&self, recipient: &str, rows: Vec<Claimed>) -> bool {
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let attempts = rows.iter().map(|row| row.attempts).max().unwrap_or(0) + 1;
        let outcome = match self.composer().digest_for(recipient, &rows).await {
            Ok(Some(message)) => self.mailer.send(message).await.map(Outcome::Sent),
            Ok(None) => Ok(Outcome::Skipped("nothing to say any more")),
            Err(e) => Err(e),
        };
        let to = masked(recipient);
        let count = ids.len();
        let failed = outcome.is_err();
        let recorded = match outcome {
            Ok(Outcome::Sent(delivered)) => {
                match delivered {
                    Delivered::Smtp => {
                        tracing::info!(%to, rows = count, "moderation digest sent");
                    }
                    Delivered::File(file) => {
                        tracing::info!(%to, rows = count, %file, "moderation digest written to a file");
                    }
                }
                self.db
                    .write(move |conn| Ok(digest::mark_all_sent(conn, &ids, None)?))
                    .await
            }
            Ok(Outcome::Skipped(why)) => {
                self.db
                    .write(move |conn| Ok(digest::mark_all_sent(conn, &ids, Some(why))?))
                    .await
            }
            Err(error) => {
                let dead = u32::try_from(attempts).unwrap_or(u32::MAX) >= self.max_attempts;
                let retry_at = db::now() + self.backoff(attempts);
                tracing::warn!(%to, rows = count, attempts, dead, error = %scrubbed(&error), "moderation digest not sent");
                self.db
                    .write(move |conn| {
                        Ok(digest::mark_all_failed(
                            conn, &ids, attempts, retry_at, dead, &error,
                        )?)
                    })
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(%to, error = %scrubbed(&e.to_string()), "cannot record a digest's outcome");
        }
        failed
    }

    /// Sends one row's e-mail and records how it went; says whether sending failed.
    async fn handle(&self, row: Claimed) -> bool {
        let outcome = match self.composer().message_for(&row).await {
            Ok(Some(message)) => self.mailer.send(message).await.map(Outcome::Sent),
            Ok(None) => Ok(Outcome::Skipped("nothing to say any more")),
            Err(e) => Err(e),
        };
        let failed = outcome.is_err();
        self.record(&row, outcome).await;
        failed
    }

    /// Records how sending one row went.
    async fn record(&self, row: &Claimed, outcome: Result<Outcome, String>) {
        let (id, attempts) = (row.id, row.attempts + 1);
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
