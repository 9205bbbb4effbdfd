//! The `akismet_queue` table and the comments' `akismet_verdict`: the
//! questions and reports for Akismet, written in the transaction of the
//! change that causes them and sent later by the Akismet worker, claimed as
//! the mail outbox's rows are, so each is sent by one instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{akismet_queue, comments, posts};
use super::{AnyConnection, now};
use crate::domain::akismet::{Job, Verdict};
use crate::domain::status::Status;

/// A row the worker has claimed. The kind is read as text, so that a row
/// the worker does not know is given up on alone, not the whole batch.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = akismet_queue)]
pub struct Claimed {
    pub id: i64,
    pub comment_id: i64,
    pub kind: String,
    pub attempts: i32,
}

/// Queues `job` about `comment_id`, due now. Run in the transaction of the
/// submission or decision that causes it; a held submission runs it when
/// Akismet is on (see `insert_bound!`).
pub fn enqueue(conn: &mut AnyConnection, comment_id: i64, job: Job) -> QueryResult<()> {
    let at = now();
    native!(conn, c => insert_bound!(akismet_queue::table, {
            akismet_queue::comment_id => comment_id,
            akismet_queue::kind => job,
            akismet_queue::next_attempt_at => at,
            akismet_queue::created_at => at,
        })
        .execute(c))
    .map(drop)
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Takes up to `limit` due rows for `worker` until `lease_until`: on
/// PostgreSQL `FOR UPDATE SKIP LOCKED` keeps several instances' workers
/// from taking the same row; on SQLite the write lock does. A worker that
/// dies leaves its rows to be taken again once the lease runs out.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let due = now();
    let ids: Vec<ClaimedId> = match conn {
        AnyConnection::Postgresql(pg) => diesel::sql_query(
            "UPDATE akismet_queue SET next_attempt_at = $1, claimed_by = $2 WHERE id IN ( \
               SELECT id FROM akismet_queue WHERE NOT dead AND next_attempt_at <= $3 \
               ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(due)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        AnyConnection::Sqlite(lite) => diesel::sql_query(
            "UPDATE akismet_queue SET next_attempt_at = ?, claimed_by = ? WHERE id IN ( \
               SELECT id FROM akismet_queue WHERE NOT dead AND next_attempt_at <= ? \
               ORDER BY next_attempt_at, id LIMIT ?) RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(due)
        .bind::<BigInt, _>(limit)
        .load(lite)?,
    };
    let ids: Vec<i64> = ids.into_iter().map(|row| row.id).collect();
    akismet_queue::table
        .filter(akismet_queue::id.eq_any(ids))
        .order(akismet_queue::id.asc())
        .select(Claimed::as_select())
        .load(conn)
}

/// Forgets a row Akismet has answered, if it is still `worker`'s; `false`
/// if the lease ran out and another worker took it meanwhile.
pub fn finish(conn: &mut AnyConnection, id: i64, worker: &str) -> QueryResult<bool> {
    let gone = diesel::delete(
        akismet_queue::table
            .find(id)
            .filter(akismet_queue::claimed_by.eq(worker)),
    )
    .execute(conn)?;
    Ok(gone == 1)
}

/// Records a failed attempt: retried at `retry_at`, or given up on (`dead`).
pub fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempts: i32,
    retry_at: NaiveDateTime,
    dead: bool,
    error: &str,
) -> QueryResult<()> {
    diesel::update(akismet_queue::table.find(id))
        .set((
            akismet_queue::attempts.eq(attempts),
            akismet_queue::next_attempt_at.eq(retry_at),
            akismet_queue::dead.eq(dead),
            akismet_queue::last_error.eq(Some(error)),
            akismet_queue::claimed_by.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Hands `worker`'s claimed rows back for the next worker, as at a shutdown.
pub fn release(conn: &mut AnyConnection, ids: &[i64], worker: &str) -> QueryResult<()> {
    diesel::update(
        akismet_queue::table
            .filter(akismet_queue::id.eq_any(ids))
            .filter(akismet_queue::claimed_by.eq(worker)),
    )
    .set((
        akismet_queue::next_attempt_at.eq(now()),
        akismet_queue::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(drop)
}

/// What Akismet is told about a comment, with its post, read when the row is sent.
#[derive(Debug, Clone, Queryable)]
pub struct Subject {
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub status: Status,
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub post_url: String,
    pub site_id: i64,
}

/// The comment a row is about; `None` once it is gone.
pub fn subject(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<Option<Subject>> {
    comments::table
        .inner_join(posts::table)
        .filter(comments::id.eq(comment_id))
        .select((
            comments::author,
            comments::email,
            comments::url,
            comments::body,
            comments::ip,
            comments::user_agent,
            comments::status,
            comments::kind,
            comments::created_at,
            posts::url,
            posts::site_id,
        ))
        .get_result(conn)
        .optional()
}

/// Keeps Akismet's answer on the comment, a clue for other filters.
pub fn record_verdict(
    conn: &mut AnyConnection,
    comment_id: i64,
    verdict: Verdict,
) -> QueryResult<()> {
    diesel::update(comments::table.find(comment_id))
        .set(comments::akismet_verdict.eq(Some(verdict.as_str())))
        .execute(conn)
        .map(drop)
}

/// What Akismet answered about a comment, if it was asked. A stored value
/// this version does not know reads as never asked.
pub fn verdict_of(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<Option<Verdict>> {
    let stored: Option<Option<String>> = comments::table
        .find(comment_id)
        .select(comments::akismet_verdict)
        .get_result(conn)
        .optional()?;
    Ok(stored.flatten().and_then(|text| text.parse().ok()))
}

/// How many rows wait to be sent, and how many were given up on.
pub fn depth(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let waiting = akismet_queue::table
        .filter(akismet_queue::dead.eq(false))
        .count()
        .get_result(conn)?;
    let dead = akismet_queue::table
        .filter(akismet_queue::dead.eq(true))
        .count()
        .get_result(conn)?;
    Ok((waiting, dead))
}
