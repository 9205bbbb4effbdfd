//! The `spent_challenges` table: ALTCHA challenges a submission already used,
//! kept until they expire, so a solution buys one comment on every instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::spent_challenges;
use super::{AnyConnection, unless_taken};

/// Marks `challenge` spent; `false` when another submission spent it first,
/// on this instance or another (the primary key decides, so of fifty
/// submissions of one solution at once exactly one gets `true`).
pub fn spend(
    conn: &mut AnyConnection,
    challenge: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let spent = unless_taken(conn, |c| {
        diesel::insert_into(spent_challenges::table)
            .values((
                spent_challenges::challenge.eq(challenge),
                spent_challenges::expires_at.eq(expires_at),
            ))
            .execute(c)
    })?;
    Ok(spent.is_some())
}

/// Forgets challenges that expired before `before`: an expired challenge is
/// refused whether or not it was spent.
pub fn forget_expired(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(spent_challenges::table.filter(spent_challenges::expires_at.lt(before)))
        .execute(conn)
}
