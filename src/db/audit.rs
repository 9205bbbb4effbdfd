//! The `audit_log` table: who changed which comment from what to what, and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub comment_id: Option<i64>,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug)]
pub struct NewEntry<'a> {
    pub comment_id: Option<i64>,
    pub actor: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub reason: &'a str,
    pub created_at: NaiveDateTime,
}

/// Records one change; every submission runs this (see `insert_bound!`).
pub fn record(conn: &mut AnyConnection, entry: &NewEntry<'_>) -> QueryResult<()> {
    native!(conn, c => insert_bound!(audit_log::table, {
            audit_log::comment_id => entry.comment_id,
            audit_log::actor => entry.actor,
            audit_log::from_status => entry.from_status,
            audit_log::to_status => entry.to_status,
            audit_log::reason => entry.reason,
            audit_log::created_at => entry.created_at,
        })
        .execute(c))
    .map(drop)
}

/// The entries whose actor or reason may quote `text` (compared without
/// case): `(id, actor, reason)`.
pub fn mentioning(conn: &mut AnyConnection, text: &str) -> QueryResult<Vec<(i64, String, String)>> {
    let pattern = format!("%{}%", super::admin_list::escape_like(text));
    audit_log::table
        .filter(
            super::admin_list::lower(audit_log::reason)
                .like(pattern.clone())
                .escape('\\')
                .or(super::admin_list::lower(audit_log::actor)
                    .like(pattern)
                    .escape('\\')),
        )
        .select((audit_log::id, audit_log::actor, audit_log::reason))
        .load(conn)
}

/// Rewrites an entry's actor or reason, for `forget`.
pub fn rewrite(
    conn: &mut AnyConnection,
    id: i64,
    actor: Option<&str>,
    reason: Option<&str>,
) -> QueryResult<()> {
    if let Some(actor) = actor {
        diesel::update(audit_log::table.find(id))
            .set(audit_log::actor.eq(actor))
            .execute(conn)?;
    }
    if let Some(reason) = reason {
        diesel::update(audit_log::table.find(id))
            .set(audit_log::reason.eq(reason))
            .execute(conn)?;
    }
    Ok(())
}

/// A comment's history, oldest first.
pub fn for_comment(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::comment_id.eq(comment_id))
        .order((audit_log::created_at.asc(), audit_log::id.asc()))
        .select(Entry::as_select())
        .load(conn)
}

/// The histories of several comments at once, for a page of the queue.
pub fn for_comments(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::comment_id.eq_any(ids))
        .order((audit_log::created_at.asc(), audit_log::id.asc()))
        .select(Entry::as_select())
        .load(conn)
}
