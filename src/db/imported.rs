//! Comments as an import writes them: every column an export carries,
//! found again by their origin, and taken back if the import fails.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::comments;
use crate::domain::status::Status;

/// A comment brought in from another system or a Replydesk export: every column
/// that an export carries, so a round trip gives the same rows back.
#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct ImportedComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    /// `domain::text_hash::of(body)`, for the duplicate rule's index.
    pub body_hash: i64,
    pub status: Status,
    pub previous_status: Option<Status>,
    pub reasons: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: &'a str,
    pub subscribed: bool,
    pub moderator_id: Option<i64>,
    pub source_id: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub kind: &'a str,
}

pub fn insert(conn: &mut AnyConnection, comment: &ImportedComment<'_>) -> QueryResult<i64> {
    diesel::insert_into(comments::table)
        .values(comment)
        .returning(comments::id)
        .get_result(conn)
}

/// Where an imported comment already stands, by its origin: `(id, post, depth)`.
/// The source id is unique and indexed, so a re-import finds each comment in one read.
pub fn find_by_source(
    conn: &mut AnyConnection,
    source_id: &str,
) -> QueryResult<Option<(i64, i64, i32)>> {
    comments::table
        .filter(comments::source_id.eq(source_id))
        .select((comments::id, comments::post_id, comments::depth))
        .get_result(conn)
        .optional()
}

/// Where a comment stands by its id: `(id, post, depth)`.
pub fn find_placed(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<(i64, i64, i32)>> {
    comments::table
        .find(id)
        .select((comments::id, comments::post_id, comments::depth))
        .get_result(conn)
        .optional()
}

/// Takes back comments an import added, newest first so that replies go
/// before their parents; gives how many were there.
pub fn delete(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(comments::table.filter(comments::id.eq_any(ids))).execute(conn)
}
