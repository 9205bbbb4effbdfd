//! The `sessions` table: admin-page logins, kept in the database so any
//! instance can serve any moderator. Rows hold a hash of the cookie, never the
//! cookie itself, so a copy of the database opens no session.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{moderators, sessions};

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub moderator_id: i64,
    pub csrf_token: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A live session and whose it is.
#[derive(Debug, Clone, Queryable)]
pub struct Live {
    pub moderator_id: i64,
    pub email: String,
    pub csrf_token: String,
}

pub fn create(conn: &mut AnyConnection, session: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
        .map(drop)
}

/// The session whose hashed id this is, if it has not expired.
pub fn find(conn: &mut AnyConnection, id: &str, now: NaiveDateTime) -> QueryResult<Option<Live>> {
    sessions::table
        .inner_join(moderators::table)
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(now))
        .select((
            sessions::moderator_id,
            moderators::email,
            sessions::csrf_token,
        ))
        .get_result(conn)
        .optional()
}

pub fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Ends every session of a moderator, as after a password change.
pub fn delete_for(conn: &mut AnyConnection, moderator_id: i64) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::moderator_id.eq(moderator_id)))
        .execute(conn)
        .map(drop)
}

pub fn delete_expired(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
