//! Counts for the metrics page and the admin page: comments by site and
//! status, and the mail outbox depth.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{comments, mail_outbox, posts};
use crate::domain::status::Status;

/// Comments by status, on these sites (every site's for `None`), in one
/// statement; a status with none is left out.
pub fn comments_by_status(
    conn: &mut AnyConnection,
    sites: Option<&[i64]>,
) -> QueryResult<Vec<(Status, i64)>> {
    let count = (comments::status, diesel::dsl::count(comments::id));
    match sites {
        None => comments::table
            .group_by(comments::status)
            .select(count)
            .load(conn),
        Some(ids) => comments::table
            .filter(
                comments::post_id.eq_any(
                    posts::table
                        .filter(posts::site_id.eq_any(ids.to_vec()))
                        .select(posts::id),
                ),
            )
            .group_by(comments::status)
            .select(count)
            .load(conn),
    }
}

/// Pending comments by site, for the admin page: the switcher shows each,
/// the badge their sum over the sites shown.
pub fn pending_by_site(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, i64)>> {
    comments::table
        .inner_join(posts::table)
        .filter(comments::status.eq(Status::Pending))
        .group_by(posts::site_id)
        .select((posts::site_id, diesel::dsl::count(comments::id)))
        .load(conn)
}

/// Comments by site and status, for the metrics.
pub fn comments_by_site_and_status(
    conn: &mut AnyConnection,
) -> QueryResult<Vec<(i64, Status, i64)>> {
    comments::table
        .inner_join(posts::table)
        .group_by((posts::site_id, comments::status))
        .select((
            posts::site_id,
            comments::status,
            diesel::dsl::count(comments::id),
        ))
        .load(conn)
}

/// E-mails waiting to be sent, and those given up on, each counted over its
/// own partial index: the conditions are written as the indexes' are, without
/// bound values, or SQLite would count every e-mail ever sent.
pub fn outbox_depth(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let waiting = mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(diesel::dsl::not(mail_outbox::dead))
        .count()
        .get_result(conn)?;
    let dead = mail_outbox::table
        .filter(mail_outbox::dead)
        .count()
        .get_result(conn)?;
    Ok((waiting, dead))
}
