//! The worker that empties the Akismet queue: it claims due rows, asks or
//! tells Akismet, and records the outcome. A check that comes back spam
//! moves the still-held comment to spam through the moderation service, in
//! the same transaction that keeps the verdict and removes the row. Every
//! failure (Akismet down, slow, refusing the key, answering nonsense) leaves
//! the comment held and the row to be tried again later, each wait longer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use prometheus::IntCounterVec;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use super::client::{Answer, Client, Failure};
use crate::db::akismet_queue::{self, Claimed};
use crate::db::{self, Database, comments};
use crate::domain::akismet::{Job, Verdict};
use crate::domain::moderation::Action;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::mail::scrubbed;
use crate::moderation::{self, Acting};
use crate::sites::Sites;

/// How often the worker looks for due rows.
const POLL: Duration = Duration::from_secs(1);
/// How long a claimed row stays this worker's before another may take it:
/// far longer than a batch of calls at their timeout.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const BATCH: i64 = 8;
/// Attempts before a row is given up on; with the waits doubling from a
/// minute up to six hours, that is about two days of Akismet being away.
const MAX_ATTEMPTS: i32 = 14;
const MAX_BACKOFF: TimeDelta = TimeDelta::hours(6);
/// The reason the audit log gives for Akismet's moves.
const REASON: &str = "Akismet judged this comment to be spam";

/// What the worker needs, all owned so it can run on its own task.
pub struct Worker {
    pub db: Database,
    pub client: Client,
    pub sites: Arc<Sites>,
    /// The `blog` of a comment whose site and post name no origin.
    pub public_url: Url,
    pub retry_seconds: u32,
    /// Counts Akismet's verdicts, by verdict.
    pub verdicts: IntCounterVec,
}

/// Stops the worker once the call in hand is answered; claimed rows it has
/// not reached go back.
pub struct Stopper {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Stopper {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

/// What became of one row.
enum Outcome {
    /// Answered, or nothing left to ask: the row goes.
    Done,
    /// To be tried again.
    Failed(Failure),
    /// A row this version cannot send: kept, given up on.
    Unusable(String),
}

impl Worker {
    pub fn spawn(self) -> Stopper {
        let (stop, stopped) = watch::channel(false);
        let me = format!("akismet-{:016x}", rand::rng().random::<u64>());
        let handle = tokio::spawn(self.run(me, stopped));
        Stopper { stop, handle }
    }

    async fn run(self, me: String, mut stopped: watch::Receiver<bool>) {
        // Said once: every check fails the same way until the key is fixed.
        let key_refused = AtomicBool::new(false);
        while !*stopped.borrow() {
            let worker = me.clone();
            let claimed = self
                .db
                .write(move |conn| {
                    Ok(akismet_queue::claim(
                        conn,
                        &worker,
                        db::now() + LEASE,
                        BATCH,
                    )?)
                })
                .await;
            let rows = match claimed {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the Akismet queue; will retry");
                    Vec::new()
                }
            };
            let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= BATCH;
            let mut unreached = Vec::new();
            for row in rows {
                if *stopped.borrow() {
                    unreached.push(row.id);
                } else {
                    self.handle(row, &me, &key_refused).await;
                }
            }
            if !unreached.is_empty() {
                let worker = me.clone();
                let _ = self
                    .db
                    .write(move |conn| Ok(akismet_queue::release(conn, &unreached, &worker)?))
                    .await;
            }
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                changed = stopped.changed() => {
                    // A dropped stopper means nobody will ever say stop: stop now.
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }

    async fn handle(&self, row: Claimed, me: &str, key_refused: &AtomicBool) {
        let (id, comment_id, attempts) = (row.id, row.comment_id, row.attempts + 1);
        let outcome = match row.kind.parse::<Job>() {
            Ok(job) => match self.ask(job, comment_id, me, id).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::warn!(akismet.row = id, comment.id = comment_id, error = %e, "cannot record Akismet's answer; will ask again");
                    Outcome::Failed(Failure::Unavailable(e.to_string()))
                }
            },
            Err(e) => Outcome::Unusable(e.to_string()),
        };
        let (error, dead) = match outcome {
            Outcome::Done => {
                // So that a key refused again after it worked is said again.
                key_refused.store(false, Ordering::Relaxed);
                return;
            }
            Outcome::Unusable(error) => (error, true),
            Outcome::Failed(failure) => {
                let dead = attempts >= MAX_ATTEMPTS;
                if let Failure::Refused(help) = &failure
                    && !key_refused.swap(true, Ordering::Relaxed)
                {
                    tracing::warn!(
                        %help,
                        "Akismet refused the key in REPLYDESK_AKISMET_KEY (it answered \"invalid\"). \
                         Held comments stay held for moderators and are checked again later; \
                         check the key"
                    );
                }
                (failure.to_string(), dead)
            }
        };
        let retry_at = db::now() + self.backoff(attempts);
        if dead {
            tracing::warn!(akismet.row = id, comment.id = comment_id, attempts, error = %scrubbed(&error), "gave up asking Akismet; the comment stays as it is for moderators");
        } else {
            tracing::warn!(akismet.row = id, comment.id = comment_id, attempts, error = %scrubbed(&error), "Akismet could not be asked; the comment stays held and is asked about again later");
        }
        let recorded = self
            .db
            .write(move |conn| {
                Ok(akismet_queue::mark_failed(
                    conn, id, attempts, retry_at, dead, &error,
                )?)
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(akismet.row = id, error = %e, "cannot record a failed Akismet call");
        }
    }

    /// Runs one row's call and records its answer; `Err` only when the
    /// answer could not be stored.
    async fn ask(
        &self,
        job: Job,
        comment_id: i64,
        me: &str,
        row: i64,
    ) -> Result<Outcome, AppError> {
        let subject = self
            .db
            .read(move |conn| Ok(akismet_queue::subject(conn, comment_id)?))
            .await?;
        let worker = me.to_owned();
        let Some(subject) = subject.filter(|s| job != Job::Check || s.status == Status::Pending)
        else {
            // Gone, or decided by a moderator before Akismet was asked:
            // nothing to ask, and nobody's data to send.
            self.db
                .write(move |conn| Ok(akismet_queue::finish(conn, row, &worker)?))
                .await?;
            return Ok(Outcome::Done);
        };
        let blog = super::blog_of(&self.sites.cached(), &subject, &self.public_url);
        let answer = match self.client.call(job, &super::fields(&subject, &blog)).await {
            Ok(answer) => answer,
            Err(failure) => return Ok(Outcome::Failed(failure)),
        };
        let verdict = match answer {
            Answer::Checked(verdict) => verdict,
            Answer::Taken => {
                self.db
                    .write(move |conn| Ok(akismet_queue::finish(conn, row, &worker)?))
                    .await?;
                tracing::info!(comment.id = comment_id, job = %job, "reported to Akismet");
                return Ok(Outcome::Done);
            }
        };
        let sites = Arc::clone(&self.sites);
        let moved = self
            .db
            .write(move |conn| {
                if !akismet_queue::finish(conn, row, &worker)? {
                    // Another worker took the row after this one's lease ran out.
                    return Ok(false);
                }
                akismet_queue::record_verdict(conn, comment_id, verdict)?;
                let still_held = comments::find(conn, comment_id)?
                    .is_some_and(|comment| comment.status == Status::Pending);
                if verdict != Verdict::Spam || !still_held {
                    return Ok(false);
                }
                let directory = sites.current(conn)?;
                moderation::apply(
                    conn,
                    comment_id,
                    Action::Spam,
                    Acting::automatic(super::ACTOR),
                    REASON,
                    &directory,
                )?;
                Ok(true)
            })
            .await?;
        self.verdicts.with_label_values(&[verdict.as_str()]).inc();
        if moved {
            tracing::info!(
                comment.id = comment_id,
                "Akismet says spam; the held comment moved to spam"
            );
        } else {
            tracing::info!(comment.id = comment_id, %verdict, "Akismet answered; the comment stays where it is");
        }
        Ok(Outcome::Done)
    }

    /// Doubling waits from the configured base, with up to one base of
    /// jitter, so rows that failed together do not all retry together.
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
