//! The `mail_outbox` table: one row per e-mail, written in the transaction of
//! the change that causes it, sent later by the worker.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::schema::{mail_outbox, moderator_sites, moderators};
use super::types::StoredMailKind;
use super::{AnyConnection, now};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation_mail::ModerationMail;

/// A row the worker has claimed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct Claimed {
    pub id: i64,
    /// `None` for a row queued before the kinds existed.
    #[diesel(deserialize_as = StoredMailKind)]
    pub kind: Option<MailKind>,
    pub comment_id: Option<i64>,
    pub recipient: String,
    pub attempts: i32,
    /// When it was queued: a digest tells a comment held while the last
    /// window ran from one held after a quiet spell by it.
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = mail_outbox, treat_none_as_null = true)]
struct NewRow<'a> {
    kind: MailKind,
    comment_id: Option<i64>,
    recipient: &'a str,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Queues one e-mail of `kind` about `comment_id` to `recipient`; the worker
/// composes the message when it sends it.
pub fn enqueue(
    conn: &mut AnyConnection,
    kind: MailKind,
    comment_id: Option<i64>,
    recipient: &str,
) -> QueryResult<()> {
    let at = now();
    let row = NewRow {
        kind,
        comment_id,
        recipient,
        next_attempt_at: at,
        created_at: at,
    };
    native!(conn, c => diesel::insert_into(mail_outbox::table)
        .values(&row)
        .execute(c))
    .map(drop)
}

/// Queues the same e-mail to every moderator of a site (its own and the
/// owners) who has not turned moderation mail off, in one statement however
/// many there are: every held submission runs it. An `INSERT .. SELECT`,
/// which diesel also caches by type (see `insert_bound!`). Those who chose a
/// digest get a row each too, in this same transaction, so nothing held is
/// lost; the worker gathers them (see `db::digest`).
pub fn enqueue_for_moderators(
    conn: &mut AnyConnection,
    kind: MailKind,
    comment_id: i64,
    site: i64,
) -> QueryResult<()> {
    let at = now();
    let of_site = diesel::dsl::exists(
        moderator_sites::table
            .filter(moderator_sites::moderator_id.eq(moderators::id))
            .filter(moderator_sites::site_id.eq(site)),
    );
    let rows = moderators::table
        .filter(moderators::owner.or(of_site))
        .filter(moderators::moderation_mail.ne(ModerationMail::Off))
        .order(moderators::id.asc())
        .select((
            kind.into_sql::<Text>(),
            comment_id.into_sql::<Nullable<BigInt>>(),
            moderators::email,
            at.into_sql::<Timestamp>(),
            at.into_sql::<Timestamp>(),
        ));
    native!(conn, c => diesel::insert_into(mail_outbox::table)
        .values(rows)
        .into_columns((
            mail_outbox::kind,
            mail_outbox::comment_id,
            mail_outbox::recipient,
            mail_outbox::next_attempt_at,
            mail_outbox::created_at,
        ))
        .execute(c))
    .map(drop)
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Takes up to `limit` due rows for `worker` until `lease_until`. On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances' workers claim at
/// once without ever taking the same row; on SQLite the write lock does it.
/// The longest-due rows go first, in the order of `mail_outbox_due`, whose
/// condition the query repeats word for word (SQLite uses a partial index only
/// then), so a claim reads `limit` entries of the index however long the
/// queue. Ordered by id, it sorted every due row first: 15 ms with 55,000
/// e-mails queued, on the writer thread every submission waits for, and a
/// spam wave queues hundreds of thousands.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let due = now();
    let ids: Vec<ClaimedId> = match conn {
        AnyConnection::Postgresql(pg) => diesel::sql_query(
            "UPDATE mail_outbox SET next_attempt_at = $1, claimed_by = $2 WHERE id IN ( \
               SELECT id FROM mail_outbox \
               WHERE sent_at IS NULL AND NOT dead AND next_attempt_at <= $3 \
               ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(due)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        AnyConnection::Sqlite(lite) => diesel::sql_query(
            "UPDATE mail_outbox SET next_attempt_at = ?, claimed_by = ? WHERE id IN ( \
               SELECT id FROM mail_outbox \
               WHERE sent_at IS NULL AND NOT dead AND next_attempt_at <= ? \
               ORDER BY next_attempt_at, id LIMIT ?) RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(due)
        .bind::<BigInt, _>(limit)
        .load(lite)?,
    };
    let ids: Vec<i64> = ids.into_iter().map(|row| row.id).collect();
    mail_outbox::table
        .filter(mail_outbox::id.eq_any(ids))
        .order(mail_outbox::id.asc())
        .select(Claimed::as_select())
        .load(conn)
}

pub fn mark_sent(conn: &mut AnyConnection, id: i64, note: Option<&str>) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::sent_at.eq(Some(now())),
            mail_outbox::last_error.eq(note),
        ))
        .execute(conn)
        .map(drop)
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
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::attempts.eq(attempts),
            mail_outbox::next_attempt_at.eq(retry_at),
            mail_outbox::dead.eq(dead),
            mail_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)
        .map(drop)
}

/// Renews `worker`'s lease on a row reached late in its lease, just before
/// sending it, so the message gets a whole lease however long the rows before
/// it took. `false` means the lease ran out meanwhile and another worker took
/// the row: it must not be sent from here as well.
pub fn hold(
    conn: &mut AnyConnection,
    id: i64,
    worker: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let held = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(worker))
            .filter(mail_outbox::sent_at.is_null())
            .filter(mail_outbox::dead.eq(false)),
    )
    .set(mail_outbox::next_attempt_at.eq(lease_until))
    .execute(conn)?;
    Ok(held == 1)
}

/// Hands `worker`'s claimed rows back for the next worker, as at a shutdown.
pub fn release(conn: &mut AnyConnection, ids: &[i64], worker: &str) -> QueryResult<()> {
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq_any(ids))
            .filter(mail_outbox::claimed_by.eq(worker)),
    )
    .set((
        mail_outbox::next_attempt_at.eq(now()),
        mail_outbox::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(drop)
}

/// Whether this e-mail was queued before, so approving twice mails once.
pub fn exists(
    conn: &mut AnyConnection,
    kind: MailKind,
    comment_id: i64,
    recipient: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mail_outbox::table
            .filter(mail_outbox::comment_id.eq(comment_id))
            .filter(mail_outbox::kind.eq(kind))
            .filter(mail_outbox::recipient.eq(recipient)),
    ))
    .get_result(conn)
}

/// An e-mail as its recipient's personal-data export shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct Addressed {
    #[diesel(deserialize_as = StoredMailKind)]
    pub kind: Option<MailKind>,
    pub comment_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The e-mails addressed to someone, for their personal-data export.
pub fn for_recipient(conn: &mut AnyConnection, recipient: &str) -> QueryResult<Vec<Addressed>> {
    mail_outbox::table
        .filter(mail_outbox::recipient.eq(recipient))
        .order(mail_outbox::id.asc())
        .select(Addressed::as_select())
        .load(conn)
}

/// Forgets every e-mail addressed to someone, sent or not.
pub fn delete_for_recipient(conn: &mut AnyConnection, recipient: &str) -> QueryResult<usize> {
    diesel::delete(mail_outbox::table.filter(mail_outbox::recipient.eq(recipient))).execute(conn)
}

/// An e-mail given up on, as the admin mail page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct Dead {
    pub id: i64,
    #[diesel(deserialize_as = StoredMailKind)]
    pub kind: Option<MailKind>,
    pub recipient: String,
    pub comment_id: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn dead(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<Dead>> {
    mail_outbox::table
        .filter(mail_outbox::dead)
        .order(mail_outbox::id.desc())
        .limit(limit)
        .select(Dead::as_select())
        .load(conn)
}

/// Gives a dead e-mail a fresh set of attempts, due now; returns whether it was dead.
pub fn retry(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let revived = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::dead.eq(true)),
    )
    .set((
        mail_outbox::dead.eq(false),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now()),
        mail_outbox::claimed_by.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(revived == 1)
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::configuration::DatabaseUrl;
    use crate::db::Database;

    #[test]
    fn a_worker_whose_lease_ran_out_cannot_send_the_row_another_took() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::open(&DatabaseUrl::Sqlite(dir.path().join("outbox.db"))).expect("open");
        let later = || now() + TimeDelta::minutes(5);
        db.write_here(move |conn| {
            enqueue(conn, MailKind::Moderate, Some(1), "mod@example.com")?;
            let first = claim(conn, "a", now() - TimeDelta::seconds(1), 10)?;
            assert_eq!(first.len(), 1, "a due row is claimed");
            let second = claim(conn, "b", later(), 10)?;
            assert_eq!(second.len(), 1, "an expired lease is taken over");
            assert!(
                !hold(conn, first[0].id, "a", later())?,
                "the first worker must not send it"
            );
            assert!(hold(conn, second[0].id, "b", later())?);
            assert!(
                claim(conn, "c", later(), 10)?.is_empty(),
                "a held row is nobody else's"
            );
            release(conn, &[second[0].id], "a")?;
            assert!(
                claim(conn, "c", later(), 10)?.is_empty(),
                "only the holder releases"
            );
            release(conn, &[second[0].id], "b")?;
            assert_eq!(
                claim(conn, "c", later(), 10)?.len(),
                1,
                "a released row is due again"
            );
            Ok(())
        })
        .expect("queries");
    }
}
