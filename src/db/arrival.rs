//! A new comment's rows, written together: the comment, the audit entry that
//! records the rules' verdict, and, when the comment is held, one e-mail per
//! moderator who has not turned moderation mail off. On PostgreSQL they are one statement (a data-modifying `WITH`),
//! two round trips fewer per submission (docs/performance.md, "PostgreSQL submission round trips"); SQLite cannot
//! run one and takes the three inserts in turn, inside its own process.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Timestamp};

use super::comments::{self, NewComment, Scored};
use super::{AnyConnection, audit, now, outbox};
use crate::domain::mail_kind::MailKind;
use crate::domain::text_hash;

/// Who the audit log names for a verdict of the reply rules.
const RULES: &str = "rules";

/// Stores a comment the rules just judged, with its audit entry and, when
/// `held`, the moderators' e-mail about it; returns the comment's id.
pub fn insert(
    conn: &mut AnyConnection,
    comment: &NewComment<'_>,
    site: i64,
    held: bool,
) -> QueryResult<i64> {
    if let AnyConnection::Postgresql(pg) = conn {
        return Arrival {
            comment,
            site,
            held,
            body_hash: text_hash::of(comment.body),
            queued_at: now(),
            spam: Scored::columns(comment.spam.as_ref()),
        }
        .get_result(pg);
    }
    let id = comments::insert(conn, comment)?;
    audit::record(
        conn,
        &audit::NewEntry {
            comment_id: Some(id),
            actor: RULES,
            from_status: None,
            to_status: comment.status.as_str(),
            reason: comment.reasons,
            created_at: comment.created_at,
        },
    )?;
    if held {
        outbox::enqueue_for_moderators(conn, MailKind::Moderate, id, site)?;
    }
    Ok(id)
}

/// The PostgreSQL statement. Its SQL never changes, so diesel prepares it
/// once per connection (a fixed query id) and afterwards only binds it.
struct Arrival<'a> {
    comment: &'a NewComment<'a>,
    /// The comment's site, whose moderators (and the owners) are mailed.
    site: i64,
    held: bool,
    /// `text_hash::of(comment.body)`, kept here to be bound by reference.
    body_hash: i64,
    queued_at: NaiveDateTime,
    /// The spam filter's columns, kept here to be bound by reference.
    spam: (Option<f64>, &'a str, &'a str),
}

/// The query id that lets diesel cache [`Arrival`] as a prepared statement.
struct ArrivalId;

impl QueryId for Arrival<'_> {
    type QueryId = ArrivalId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for Arrival<'_> {
    type SqlType = BigInt;
}

impl RunQueryDsl<PgConnection> for Arrival<'_> {}

/// Binds values as a comma-separated list, each as its SQL type.
macro_rules! bind_list {
    ($out:ident, $ty0:ty => $v0:expr $(, $ty:ty => $v:expr)* $(,)?) => {
        $out.push_bind_param::<$ty0, _>($v0)?;
        $(
            $out.push_sql(", ");
            $out.push_bind_param::<$ty, _>($v)?;
        )*
    };
}

impl QueryFragment<Pg> for Arrival<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let c = self.comment;
        out.push_sql(
            "WITH c AS (INSERT INTO comments (post_id, parent_id, depth, author, email, url, \
             body, body_hash, status, reasons, ip, user_agent, subscribed, created_at, \
             updated_at, spam_score, spam_reasons, spam_clues) VALUES (",
        );
        bind_list!(out,
            BigInt => &c.post_id,
            Nullable<BigInt> => &c.parent_id,
            Integer => &c.depth,
            Text => c.author,
            Text => c.email,
            Text => c.url,
            Text => c.body,
            BigInt => &self.body_hash,
            Text => &c.status,
            Text => c.reasons,
            Nullable<Text> => &c.ip,
            Text => c.user_agent,
            Bool => &c.subscribed,
            Timestamp => &c.created_at,
            Timestamp => &c.updated_at,
            Nullable<Double> => &self.spam.0,
            Text => self.spam.1,
            Text => self.spam.2,
        );
        out.push_sql(
            ") RETURNING id), \
             a AS (INSERT INTO audit_log (comment_id, from_status, actor, to_status, reason, \
             created_at) SELECT id, NULL, ",
        );
        bind_list!(out,
            Text => RULES,
            Text => &c.status,
            Text => c.reasons,
            Timestamp => &c.created_at,
        );
        out.push_sql(
            " FROM c), \
             m AS (INSERT INTO mail_outbox (comment_id, recipient, kind, next_attempt_at, \
             created_at) SELECT c.id, moderators.email, ",
        );
        bind_list!(out,
            Text => &MailKind::Moderate,
            Timestamp => &self.queued_at,
            Timestamp => &self.queued_at,
        );
        out.push_sql(" FROM c, moderators WHERE ");
        out.push_bind_param::<Bool, _>(&self.held)?;
        // A literal, as `ModerationMail::Off` stores it: the SQL stays the same
        // text, so the statement stays prepared once per connection.
        out.push_sql(
            " AND moderators.moderation_mail <> 'off' AND (moderators.owner OR EXISTS (SELECT 1 FROM moderator_sites s \
             WHERE s.moderator_id = moderators.id AND s.site_id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.site)?;
        out.push_sql(")) ORDER BY moderators.id) SELECT id FROM c");
        Ok(())
    }
}
