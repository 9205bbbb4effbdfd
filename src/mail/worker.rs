//! The background worker that empties the outbox: it claims due rows, writes
//! each message from the current state of its comment, sends it, and records
//! the outcome. Failures wait longer each time (with jitter) and, after the
//! last attempt, stay in the table marked dead. A mail server outage delays
//! mail; it never touches a submission.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures_util::StreamExt;
use lettre::Message;
use rand::Rng;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use url::Url;

use super::{Delivered, Mailer, masked, messages, scrubbed};
use crate::db::comments::Comment;
use crate::db::outbox::{self, Claimed};
use crate::db::posts::{self, Post};
use crate::db::{self, Database, comments, moderators};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation::Action;
use crate::domain::status::Status;
use crate::domain::token::{self, Grant, Seen};
use crate::error::AppError;

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
        let outcome = match self.write(&row).await {
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

    fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// The message for a row, or `None` when the comment moved on and the
    /// e-mail would only mislead (a comment already moderated, say).
    async fn write(&self, row: &Claimed) -> Result<Option<Message>, String> {
        let Some(comment_id) = row.comment_id else {
            return match row.kind {
                Some(MailKind::Test) => messages::test(
                    &self.mailer.from,
                    &row.recipient,
                    &messages::Test {
                        admin: &self.link("admin"),
                    },
                )
                .map(Some),
                _ => Ok(None),
            };
        };
        let moderator = (row.kind == Some(MailKind::Moderate)).then(|| row.recipient.clone());
        let loaded = self
            .db
            .read(move |conn| load(conn, comment_id, moderator.as_deref()))
            .await
            .map_err(|e| e.to_string())?;
        let Some(Loaded {
            comment,
            post,
            parent,
            moderator_id,
        }) = loaded
        else {
            return Ok(None);
        };
        let title = if post.title.is_empty() {
            post.post_key.as_str()
        } else {
            post.title.as_str()
        };
        let now = Utc::now();
        let page = |id: i64| {
            if post.url.is_empty() {
                self.link(&format!("api/posts/{}/comments", urlencode(&post.post_key)))
            } else {
                format!(
                    "{}#comment-{id}",
                    post.url.split('#').next().unwrap_or_default()
                )
            }
        };
        let from = &self.mailer.from;
        let message = match (row.kind, comment.status) {
            (Some(MailKind::Moderate), Status::Pending) => {
                // A moderator removed since the comment came in gets nothing.
                let Some(moderator_id) = moderator_id else {
                    return Ok(None);
                };
                let seen = Seen::of(Status::Pending, comment.updated_at);
                let act = |action| {
                    let grant = Grant::Moderate {
                        comment_id,
                        action,
                        moderator_id,
                        seen,
                    };
                    self.link(&format!(
                        "moderate/{}",
                        token::issue(&self.secret, grant, now)
                    ))
                };
                messages::moderate(
                    from,
                    &row.recipient,
                    &messages::Moderate {
                        post_title: title,
                        post_url: &post.url,
                        author: &comment.author,
                        email: &comment.email,
                        url: &comment.url,
                        ip: comment.ip.as_deref().unwrap_or("(not kept)"),
                        reasons: comment.reasons.lines().collect(),
                        body: &comment.body,
                        approve: act(Action::Approve),
                        spam: act(Action::Spam),
                        trash: act(Action::Trash),
                    },
                )
            }
            (Some(MailKind::Reply), Status::Approved) => match parent {
                Some(parent) if parent.subscribed && parent.email == row.recipient => {
                    messages::reply(
                        from,
                        &row.recipient,
                        &messages::Reply {
                            post_title: title,
                            author: &comment.author,
                            body: &comment.body,
                            link: page(comment.id),
                            unsubscribe: self.link(&format!(
                                "unsubscribe/{}",
                                token::issue(
                                    &self.secret,
                                    Grant::Unsubscribe {
                                        comment_id: parent.id
                                    },
                                    now
                                )
                            )),
                        },
                    )
                }
                _ => return Ok(None),
            },
            (Some(MailKind::Approved), Status::Approved) => messages::approved(
                from,
                &row.recipient,
                &messages::Approved {
                    post_title: title,
                    body: &comment.body,
                    link: page(comment.id),
                },
            ),
            _ => return Ok(None),
        };
        message.map(Some)
    }
}

/// What a message about a comment is written from.
struct Loaded {
    comment: Comment,
    post: Post,
    parent: Option<Comment>,
    /// The moderator a moderation e-mail goes to, if they still are one.
    moderator_id: Option<i64>,
}

fn load(
    conn: &mut db::AnyConnection,
    comment_id: i64,
    moderator: Option<&str>,
) -> Result<Option<Loaded>, AppError> {
    let Some(comment) = comments::find(conn, comment_id)? else {
        return Ok(None);
    };
    let post = posts::find(conn, comment.post_id)?;
    let parent = match comment.parent_id {
        Some(parent) => comments::find(conn, parent)?,
        None => None,
    };
    let moderator_id = match moderator {
        Some(email) => moderators::id_of(conn, email)?,
        None => None,
    };
    Ok(Some(Loaded {
        comment,
        post,
        parent,
        moderator_id,
    }))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
