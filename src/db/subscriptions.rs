//! Reply subscriptions, by address: the `subscribed` flag of an address's
//! comments, as the self-service page and the expiry of unconfirmed
//! requests see it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{comments, posts};
use crate::domain::status::Status;

/// One subscribed comment, with what its line on the page shows.
#[derive(Debug, Clone, Queryable)]
pub struct Subscription {
    pub comment_id: i64,
    pub created_at: NaiveDateTime,
    pub post_key: String,
    pub post_title: String,
    pub post_url: String,
}

/// The address's subscribed comments that can still get replies (neither
/// spam nor trash), newest first, at most `limit`, and how many there are.
pub fn of_address(
    conn: &mut AnyConnection,
    email: &str,
    limit: i64,
) -> QueryResult<(Vec<Subscription>, i64)> {
    let mine = comments::table
        .filter(comments::email.eq(email))
        .filter(comments::subscribed.eq(true))
        .filter(comments::status.eq_any([Status::Pending, Status::Approved]));
    let listed = mine
        .clone()
        .inner_join(posts::table)
        .order((comments::created_at.desc(), comments::id.desc()))
        .limit(limit)
        .select((
            comments::id,
            comments::created_at,
            posts::post_key,
            posts::title,
            posts::url,
        ))
        .load(conn)?;
    let total = mine.count().get_result(conn)?;
    Ok((listed, total))
}

/// Stops one subscription, only if the comment is the address's own:
/// `false` when it is not (or was not subscribed).
pub fn stop_one(conn: &mut AnyConnection, email: &str, comment_id: i64) -> QueryResult<bool> {
    let stopped = diesel::update(
        comments::table
            .filter(comments::id.eq(comment_id))
            .filter(comments::email.eq(email))
            .filter(comments::subscribed.eq(true)),
    )
    .set(comments::subscribed.eq(false))
    .execute(conn)?;
    Ok(stopped == 1)
}

/// Stops every subscription of the address; says how many there were.
pub fn stop_all(conn: &mut AnyConnection, email: &str) -> QueryResult<usize> {
    diesel::update(
        comments::table
            .filter(comments::email.eq(email))
            .filter(comments::subscribed.eq(true)),
    )
    .set(comments::subscribed.eq(false))
    .execute(conn)
}

/// The address's newest comment still pending or published: the one a
/// confirmation asked for again names (one found to be spam since asks
/// for nothing).
pub fn newest_standing(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<i64>> {
    comments::table
        .filter(comments::email.eq(email))
        .filter(comments::status.eq_any([Status::Pending, Status::Approved]))
        .order((comments::created_at.desc(), comments::id.desc()))
        .select(comments::id)
        .first(conn)
        .optional()
}

/// Every address with a subscribed comment, as stored.
pub fn addresses(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    comments::table
        .filter(comments::subscribed.eq(true))
        .filter(comments::email.ne(""))
        .select(comments::email)
        .distinct()
        .load(conn)
}
