//! The `moderators` table: who may work the queue.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::moderators;

#[derive(Debug, Insertable)]
#[diesel(table_name = moderators)]
pub struct NewModerator<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, moderator: &NewModerator<'_>) -> QueryResult<()> {
    diesel::insert_into(moderators::table)
        .values(moderator)
        .execute(conn)
        .map(drop)
}

pub fn exists(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    let found: Option<i64> = moderators::table
        .filter(moderators::email.eq(email))
        .select(moderators::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Removes a moderator; returns whether there was one to remove.
pub fn delete(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    let removed =
        diesel::delete(moderators::table.filter(moderators::email.eq(email))).execute(conn)?;
    Ok(removed > 0)
}

/// Replaces a moderator's password; returns whether the moderator exists.
pub fn set_password(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(moderators::table.filter(moderators::email.eq(email)))
        .set(moderators::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(changed > 0)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    moderators::table.count().get_result(conn)
}

/// Every moderator's address, for the "please moderate" e-mails.
pub fn all_emails(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    moderators::table
        .order(moderators::id.asc())
        .select(moderators::email)
        .load(conn)
}
