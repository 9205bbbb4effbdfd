//! Counts for the metrics page: comments by status and the mail outbox depth.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{comments, mail_outbox};
use crate::domain::status::Status;

pub fn comments_by_status(conn: &mut AnyConnection) -> QueryResult<Vec<(Status, i64)>> {
    comments::table
        .group_by(comments::status)
        .select((comments::status, diesel::dsl::count(comments::id)))
        .load(conn)
}

/// The comments waiting for a moderator, for every admin page's title: one
/// range of the status index, where counting every status reads them all.
pub fn pending(conn: &mut AnyConnection) -> QueryResult<i64> {
    comments::table
        .filter(comments::status.eq(Status::Pending))
        .count()
        .get_result(conn)
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
