//! The `comment_versions` table: the texts a commenter's edits replaced, so
//! the audit keeps every version a comment had.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::comments::Scored;
use super::schema::{comment_versions, comments};
use crate::domain::status::Status;
use crate::domain::text_hash;

/// A text a comment had until `replaced_at`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comment_versions)]
pub struct Version {
    pub comment_id: i64,
    pub body: String,
    pub replaced_at: NaiveDateTime,
}

/// What a commenter's edit changes in the comment's row.
#[derive(Debug)]
pub struct Replacement<'a> {
    pub body: &'a str,
    pub status: Status,
    pub reasons: &'a str,
    pub spam: Scored<'a>,
    pub at: NaiveDateTime,
}

/// Replaces a comment's text if it is still as it was read (its status and
/// the moment of its last change), keeping the old text as a version; says
/// whether it was. So of two edits sent at once only one replaces the text
/// it read, and no version is kept twice.
pub fn replace_text(
    conn: &mut AnyConnection,
    id: i64,
    read: (Status, NaiveDateTime, &str),
    new: &Replacement<'_>,
) -> QueryResult<bool> {
    let (status, updated_at, old_body) = read;
    let changed = diesel::update(
        comments::table
            .find(id)
            .filter(comments::status.eq(status))
            .filter(comments::updated_at.eq(updated_at)),
    )
    .set((
        comments::body.eq(new.body),
        comments::body_hash.eq(text_hash::of(new.body)),
        comments::status.eq(new.status),
        comments::reasons.eq(new.reasons),
        comments::updated_at.eq(new.at),
        comments::spam_score.eq(Some(new.spam.score)),
        comments::spam_reasons.eq(new.spam.reasons),
        comments::spam_clues.eq(new.spam.clues),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    diesel::insert_into(comment_versions::table)
        .values((
            comment_versions::comment_id.eq(id),
            comment_versions::body.eq(old_body),
            comment_versions::replaced_at.eq(new.at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The replaced texts of several comments, oldest first, for the admin page.
pub fn for_comments(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<Version>> {
    comment_versions::table
        .filter(comment_versions::comment_id.eq_any(ids))
        .order((
            comment_versions::replaced_at.asc(),
            comment_versions::id.asc(),
        ))
        .select(Version::as_select())
        .load(conn)
}

/// Deletes a comment's replaced texts, for `forget --delete-text`.
pub fn delete_for(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<usize> {
    diesel::delete(comment_versions::table.filter(comment_versions::comment_id.eq(comment_id)))
        .execute(conn)
}
