//! Moderation mail in digests. The outbox keeps one row per moderator per
//! held comment, written with the comment, so nothing held is ever lost; for
//! a moderator who chose a digest the worker decides here, in one write per
//! recipient, whether their rows go out now (one e-mail, or one digest of
//! them all) or wait for the end of their window.
//!
//! The window runs from `moderators.moderation_mailed_at`, set when a
//! moderation e-mail is taken for sending. Deciding locks that moderator's
//! row (PostgreSQL) or holds the one writer (SQLite), so two instances never
//! both take the same recipient's turn; rows are taken with the outbox's own
//! lease, so a crash mid-send hands them to the next worker, as for a single
//! e-mail.

use chrono::{NaiveDateTime, SubsecRound, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::AnyConnection;
use super::outbox::Claimed;
use super::schema::{mail_outbox, moderators};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation_mail::ModerationMail;

/// How moderation mail reaches each of these recipients who is a moderator.
pub fn modes_of(
    conn: &mut AnyConnection,
    recipients: &[String],
) -> QueryResult<Vec<(String, ModerationMail)>> {
    moderators::table
        .filter(moderators::email.eq_any(recipients))
        .select((moderators::email, moderators::moderation_mail))
        .load(conn)
}

/// What to do with a digest recipient's rows now.
#[derive(Debug)]
pub enum Turn {
    /// They were mailed less than a window ago: their waiting rows are put
    /// off to the window's end.
    Wait,
    /// Send these, taken by this worker: one row as the e-mail it is, more
    /// as one digest. `taken` is the turn they took, to give back should
    /// sending fail (`None` when the recipient is no moderator any more).
    Send {
        rows: Vec<Claimed>,
        taken: Option<Taken>,
    },
}

/// A recipient's turn as taken: when, and when their window ran from before.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    at: NaiveDateTime,
    before: Option<NaiveDateTime>,
}

/// What deciding a recipient's turn needs.
pub struct Asking<'a> {
    pub recipient: &'a str,
    /// The rows of theirs this worker claimed.
    pub hand: &'a [i64],
    pub worker: &'a str,
    pub window: TimeDelta,
    pub now: NaiveDateTime,
    pub lease_until: NaiveDateTime,
    /// The most rows one digest takes; the rest wait for the next window.
    pub most: i64,
}

/// Decides a digest recipient's turn; see the module's doc.
///
/// - Mailed less than a window ago: every waiting row of theirs (those in
///   hand, and those due that nobody has claimed) waits for the window's end.
/// - Otherwise this is their turn, and the window starts again now. If every
///   waiting row came in after the last window had ended, this is the first
///   held comment after a quiet spell: the oldest goes out alone, the rest
///   wait a window. Else the rows that waited, with any due since, go out
///   together as one digest.
pub fn take_turn(conn: &mut AnyConnection, asking: &Asking<'_>) -> QueryResult<Turn> {
    let Some(last) = last_mailed(conn, asking.recipient)? else {
        // No such moderator any more: the worker writes nothing for these.
        return Ok(Turn::Send {
            rows: load(conn, asking.hand)?,
            taken: None,
        });
    };
    if let Some(last) = last
        && last + asking.window > asking.now
    {
        put_off(conn, asking, last + asking.window)?;
        return Ok(Turn::Wait);
    }
    // Stored as both databases keep it, so `give_back` finds it again.
    let taken = Taken {
        at: asking.now.trunc_subsecs(6),
        before: last,
    };
    diesel::update(moderators::table.filter(moderators::email.eq(asking.recipient)))
        .set(moderators::moderation_mailed_at.eq(Some(taken.at)))
        .execute(conn)?;
    let room = (asking.most - i64::try_from(asking.hand.len()).unwrap_or(asking.most)).max(0);
    let mut ids = claim_waiting(conn, asking, room)?;
    ids.extend_from_slice(asking.hand);
    let mut rows = load(conn, &ids)?;
    let quiet = last.is_none_or(|last| {
        rows.iter()
            .all(|row| row.created_at >= last + asking.window)
    });
    if quiet && rows.len() > 1 {
        let rest: Vec<i64> = rows.iter().skip(1).map(|row| row.id).collect();
        release_until(conn, &rest, asking.worker, asking.now + asking.window)?;
        rows.truncate(1);
    }
    Ok(Turn::Send {
        rows,
        taken: Some(taken),
    })
}

/// Hands back a turn whose e-mail could not be sent, unless a later turn
/// was taken meanwhile: the window runs from e-mails sent, so the retry
/// (at the outbox's usual back-off) is not put off to the window's end, and
/// a recipient whose mail server was down does not lose the e-mail that
/// should have come at once.
pub fn give_back(conn: &mut AnyConnection, recipient: &str, taken: &Taken) -> QueryResult<()> {
    diesel::update(
        moderators::table
            .filter(moderators::email.eq(recipient))
            .filter(moderators::moderation_mailed_at.eq(taken.at)),
    )
    .set(moderators::moderation_mailed_at.eq(taken.before))
    .execute(conn)
    .map(drop)
}

/// When a moderator was last sent moderation mail: `None` if there is no
/// such moderator, `Some(None)` if never. Locks their row on PostgreSQL, so
/// the turn is decided by one worker at a time.
fn last_mailed(
    conn: &mut AnyConnection,
    recipient: &str,
) -> QueryResult<Option<Option<NaiveDateTime>>> {
    let query = moderators::table
        .filter(moderators::email.eq(recipient))
        .select(moderators::moderation_mailed_at);
    match conn {
        AnyConnection::Postgresql(pg) => query.for_update().get_result(pg).optional(),
        AnyConnection::Sqlite(lite) => query.get_result(lite).optional(),
    }
}

/// Puts off the recipient's waiting moderation rows to `until`: those in
/// this worker's hand, and those due that no worker holds (a held row's
/// lease is in the future, so it is not due).
fn put_off(conn: &mut AnyConnection, asking: &Asking<'_>, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::recipient.eq(asking.recipient))
            .filter(mail_outbox::kind.eq(MailKind::Moderate))
            .filter(mail_outbox::sent_at.is_null())
            .filter(diesel::dsl::not(mail_outbox::dead))
            .filter(
                mail_outbox::id
                    .eq_any(asking.hand)
                    .and(mail_outbox::claimed_by.eq(asking.worker))
                    .or(mail_outbox::next_attempt_at.le(asking.now)),
            ),
    )
    .set((
        mail_outbox::next_attempt_at.eq(until),
        mail_outbox::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(drop)
}

/// Hands rows this worker holds back, due at `until`.
fn release_until(
    conn: &mut AnyConnection,
    ids: &[i64],
    worker: &str,
    until: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq_any(ids))
            .filter(mail_outbox::claimed_by.eq(worker)),
    )
    .set((
        mail_outbox::next_attempt_at.eq(until),
        mail_outbox::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(drop)
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` of the recipient's due moderation rows for the
/// worker, oldest first, as `outbox::claim` claims: on PostgreSQL skipping
/// rows another worker is claiming at this moment.
fn claim_waiting(
    conn: &mut AnyConnection,
    asking: &Asking<'_>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let select = "SELECT id FROM mail_outbox \
                  WHERE recipient = {} AND kind = {} AND sent_at IS NULL AND NOT dead \
                  AND next_attempt_at <= {} ORDER BY id LIMIT {}";
    let rows: Vec<ClaimedId> = match conn {
        AnyConnection::Postgresql(pg) => {
            let inner = select
                .replacen("{}", "$3", 1)
                .replacen("{}", "$4", 1)
                .replacen("{}", "$5", 1)
                .replacen("{}", "$6", 1);
            diesel::sql_query(format!(
                "UPDATE mail_outbox SET next_attempt_at = $1, claimed_by = $2 WHERE id IN ( \
                 {inner} FOR UPDATE SKIP LOCKED) RETURNING id"
            ))
            .bind::<Timestamp, _>(asking.lease_until)
            .bind::<Text, _>(asking.worker)
            .bind::<Text, _>(asking.recipient)
            .bind::<Text, _>(MailKind::Moderate.as_str())
            .bind::<Timestamp, _>(asking.now)
            .bind::<BigInt, _>(limit)
            .load(pg)?
        }
        AnyConnection::Sqlite(lite) => {
            let inner = select.replace("{}", "?");
            diesel::sql_query(format!(
                "UPDATE mail_outbox SET next_attempt_at = ?, claimed_by = ? WHERE id IN ( \
                 {inner}) RETURNING id"
            ))
            .bind::<Timestamp, _>(asking.lease_until)
            .bind::<Text, _>(asking.worker)
            .bind::<Text, _>(asking.recipient)
            .bind::<Text, _>(MailKind::Moderate.as_str())
            .bind::<Timestamp, _>(asking.now)
            .bind::<BigInt, _>(limit)
            .load(lite)?
        }
    };
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// The rows, oldest first.
fn load(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<Claimed>> {
    mail_outbox::table
        .filter(mail_outbox::id.eq_any(ids))
        .order(mail_outbox::id.asc())
        .select(Claimed::as_select())
        .load(conn)
}

/// Marks a digest's rows sent, with `note` saying why when nothing was.
pub fn mark_all_sent(conn: &mut AnyConnection, ids: &[i64], note: Option<&str>) -> QueryResult<()> {
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(ids)))
        .set((
            mail_outbox::sent_at.eq(Some(super::now())),
            mail_outbox::last_error.eq(note),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a digest's failed attempt on every row in it, as
/// `outbox::mark_failed` does for one.
pub fn mark_all_failed(
    conn: &mut AnyConnection,
    ids: &[i64],
    attempts: i32,
    retry_at: NaiveDateTime,
    dead: bool,
    error: &str,
) -> QueryResult<()> {
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(ids)))
        .set((
            mail_outbox::attempts.eq(attempts),
            mail_outbox::next_attempt_at.eq(retry_at),
            mail_outbox::dead.eq(dead),
            mail_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::DatabaseUrl;
    use crate::db::{Database, now, outbox};
    use crate::domain::scope::Scope;

    const MODERATOR: &str = "mod@example.com";

    fn asking<'a>(hand: &'a [i64], worker: &'a str, at: NaiveDateTime) -> Asking<'a> {
        Asking {
            recipient: MODERATOR,
            hand,
            worker,
            window: TimeDelta::minutes(10),
            now: at,
            lease_until: at + TimeDelta::minutes(5),
            most: 500,
        }
    }

    fn sent(turn: Turn) -> Vec<i64> {
        match turn {
            Turn::Send { rows, .. } => rows.into_iter().map(|row| row.id).collect(),
            Turn::Wait => Vec::new(),
        }
    }

    #[test]
    fn the_first_goes_alone_the_rest_once_together_and_a_crash_loses_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::open(&DatabaseUrl::Sqlite(dir.path().join("digest.db"))).expect("open");
        db.write_here(move |conn| {
            crate::db::moderators::add(conn, MODERATOR, "hash", &Scope::Owner)?;
            for comment in 1..=3 {
                outbox::enqueue(conn, MailKind::Moderate, Some(comment), MODERATOR)?;
            }
            let start = now() + TimeDelta::seconds(1);
            let hand: Vec<i64> = outbox::claim(conn, "a", start, 10)?
                .iter()
                .map(|row| row.id)
                .collect();
            assert_eq!(hand.len(), 3);
            let first = sent(take_turn(conn, &asking(&hand, "a", start))?);
            assert_eq!(first, [hand[0]], "after a quiet spell, the oldest at once");
            mark_all_sent(conn, &first, None)?;

            outbox::enqueue(conn, MailKind::Moderate, Some(4), MODERATOR)?;
            let later = start + TimeDelta::minutes(1);
            assert!(
                matches!(take_turn(conn, &asking(&[], "b", later))?, Turn::Wait),
                "within the window everything waits"
            );

            let ended = start + TimeDelta::minutes(10);
            let digest = sent(take_turn(conn, &asking(&[], "a", ended))?);
            assert_eq!(digest.len(), 3, "the rest in one digest: {digest:?}");
            assert!(!digest.contains(&hand[0]));

            // "a" dies holding them: nobody takes them while its lease runs,
            // and the next worker does once it has run out.
            let meanwhile = ended + TimeDelta::minutes(1);
            assert!(matches!(
                take_turn(conn, &asking(&[], "b", meanwhile))?,
                Turn::Wait
            ));
            let after_lease = ended + TimeDelta::minutes(10);
            let again = sent(take_turn(conn, &asking(&[], "b", after_lease))?);
            assert_eq!(again, digest, "the same rows, none lost");
            mark_all_sent(conn, &again, None)?;
            let after = after_lease + TimeDelta::minutes(10);
            assert!(
                sent(take_turn(conn, &asking(&[], "c", after))?).is_empty(),
                "sent rows are nobody's"
            );
            Ok(())
        })
        .expect("queries");
    }
}
