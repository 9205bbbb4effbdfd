//! The `login_throttle` table: failed logins per account and per address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::admin_list::escape_like;
use super::schema::login_throttle;
use crate::domain::throttle::Record;

pub fn find(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<Record>> {
    login_throttle::table
        .find(key)
        .select((
            login_throttle::failures,
            login_throttle::last_failure_at,
            login_throttle::locked_until,
        ))
        .first::<(i32, NaiveDateTime, Option<NaiveDateTime>)>(conn)
        .optional()
        .map(|found| {
            found.map(|(failures, last_failure_at, locked_until)| Record {
                failures,
                last_failure_at,
                locked_until,
            })
        })
}

/// Writes the record; a key first failed at the same moment on two instances
/// meets the primary key, and the second writer then updates instead.
pub fn save(conn: &mut AnyConnection, key: &str, record: &Record) -> QueryResult<()> {
    let update = |conn: &mut AnyConnection| {
        diesel::update(login_throttle::table.find(key))
            .set((
                login_throttle::failures.eq(record.failures),
                login_throttle::last_failure_at.eq(record.last_failure_at),
                login_throttle::locked_until.eq(record.locked_until),
            ))
            .execute(conn)
    };
    if update(conn)? > 0 {
        return Ok(());
    }
    let inserted = diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::key.eq(key),
            login_throttle::failures.eq(record.failures),
            login_throttle::last_failure_at.eq(record.last_failure_at),
            login_throttle::locked_until.eq(record.locked_until),
        ))
        .execute(conn);
    match inserted {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => update(conn).map(drop),
        other => other.map(drop),
    }
}

pub fn clear(conn: &mut AnyConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .map(drop)
}

/// Forgets a moderator's account key and every device key of theirs, as
/// after a password reset: the new password starts with a clean slate.
pub fn clear_for_moderator(
    conn: &mut AnyConnection,
    account_key: &str,
    device_prefix: &str,
) -> QueryResult<()> {
    diesel::delete(
        login_throttle::table.filter(
            login_throttle::key.eq(account_key).or(login_throttle::key
                .like(format!("{}%", escape_like(device_prefix)))
                .escape('\\')),
        ),
    )
    .execute(conn)
    .map(drop)
}

/// Deletes the records last touched before `before` whose lock, if any, is
/// over: the throttle has forgotten them anyway, and IP keys hold addresses.
pub fn sweep(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::last_failure_at.lt(before))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.le(now)),
            ),
    )
    .execute(conn)
}
