//! Counts for the metrics page: comments by status and the mail outbox depth.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{comments, mail_outbox};

pub fn comments_by_status(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    comments::table
        .group_by(comments::status)
        .select((comments::status, diesel::dsl::count(comments::id)))
        .load(conn)
}

/// E-mails waiting to be sent, and those given up on.
pub fn outbox_depth(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let waiting = mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::dead.eq(false))
        .count()
        .get_result(conn)?;
    let dead = mail_outbox::table
        .filter(mail_outbox::dead.eq(true))
        .count()
        .get_result(conn)?;
    Ok((waiting, dead))
}
