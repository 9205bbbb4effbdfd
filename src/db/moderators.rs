//! The `moderators` table: who may work the queue.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{moderator_sites, moderators, sites};
use crate::domain::moderation_mail::ModerationMail;
use crate::domain::scope::Scope;

#[derive(Debug, Insertable)]
#[diesel(table_name = moderators)]
struct NewModerator<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub created_at: chrono::NaiveDateTime,
}

/// Adds a moderator with a password hash, unless the address already is
/// one; says whether it did. Runs in the caller's write, so two adding the
/// same address at once cannot both succeed. An owner unless `scope` names
/// sites.
pub fn add(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
    scope: &Scope,
) -> QueryResult<bool> {
    if exists(conn, email)? {
        return Ok(false);
    }
    let id: i64 = diesel::insert_into(moderators::table)
        .values((
            &NewModerator {
                email,
                password_hash,
                created_at: super::now(),
            },
            moderators::owner.eq(scope.is_owner()),
        ))
        .returning(moderators::id)
        .get_result(conn)?;
    set_scope(conn, id, scope)?;
    Ok(true)
}

/// Makes a moderator an owner, or scopes them to these sites only.
pub fn set_scope(conn: &mut AnyConnection, id: i64, scope: &Scope) -> QueryResult<()> {
    diesel::update(moderators::table.find(id))
        .set(moderators::owner.eq(scope.is_owner()))
        .execute(conn)?;
    diesel::delete(moderator_sites::table.filter(moderator_sites::moderator_id.eq(id)))
        .execute(conn)?;
    if let Scope::Sites(ids) = scope {
        for site in ids {
            diesel::insert_into(moderator_sites::table)
                .values((
                    moderator_sites::moderator_id.eq(id),
                    moderator_sites::site_id.eq(site),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The id of the moderator with this address if they work on `site`: one
/// read for an owner, as before there were sites, and a second only for a
/// moderator scoped to some.
pub fn moderating(conn: &mut AnyConnection, email: &str, site: i64) -> QueryResult<Option<i64>> {
    let found: Option<(i64, bool)> = moderators::table
        .filter(moderators::email.eq(email))
        .select((moderators::id, moderators::owner))
        .get_result(conn)
        .optional()?;
    match found {
        Some((id, true)) => Ok(Some(id)),
        Some((id, false)) => {
            let granted = diesel::select(diesel::dsl::exists(
                moderator_sites::table
                    .filter(moderator_sites::moderator_id.eq(id))
                    .filter(moderator_sites::site_id.eq(site)),
            ))
            .get_result::<bool>(conn)?;
            Ok(granted.then_some(id))
        }
        None => Ok(None),
    }
}

/// Changes an existing moderator's sites, unless that would leave no owner:
/// someone must be left to add sites and moderators. Runs in the caller's
/// write, so two owners demoting each other at once cannot both succeed on
/// SQLite; on PostgreSQL the rows are locked for the count.
pub fn change_scope(
    conn: &mut AnyConnection,
    id: i64,
    scope: &Scope,
) -> Result<(), crate::error::AppError> {
    if !scope.is_owner() {
        let owners: Vec<i64> = match conn {
            AnyConnection::Postgresql(c) => moderators::table
                .filter(moderators::owner)
                .select(moderators::id)
                .for_update()
                .load(c)?,
            AnyConnection::Sqlite(c) => moderators::table
                .filter(moderators::owner)
                .select(moderators::id)
                .load(c)?,
        };
        if owners == [id] {
            return Err(crate::error::AppError::Conflict(
                "This is the last owner; make someone else an owner first.".into(),
            ));
        }
    }
    Ok(set_scope(conn, id, scope)?)
}

/// Which sites a moderator works on.
pub fn scope_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Scope> {
    let owner: bool = moderators::table
        .find(id)
        .select(moderators::owner)
        .get_result(conn)?;
    if owner {
        return Ok(Scope::Owner);
    }
    moderator_sites::table
        .filter(moderator_sites::moderator_id.eq(id))
        .order(moderator_sites::site_id.asc())
        .select(moderator_sites::site_id)
        .load(conn)
        .map(Scope::Sites)
}

/// The names of the sites a scoped moderator works on, for listings.
pub fn site_names_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<String>> {
    moderator_sites::table
        .inner_join(sites::table)
        .filter(moderator_sites::moderator_id.eq(id))
        .order(sites::name.asc())
        .select(sites::name)
        .load(conn)
}

pub fn exists(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        moderators::table.filter(moderators::email.eq(email)),
    ))
    .get_result(conn)
}

/// Removes a moderator; returns whether there was one to remove.
pub fn delete(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    let removed =
        diesel::delete(moderators::table.filter(moderators::email.eq(email))).execute(conn)?;
    Ok(removed > 0)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    moderators::table.count().get_result(conn)
}

/// What the login check needs.
#[derive(Debug, Clone, Queryable)]
pub struct Credentials {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
}

pub fn credentials(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<Credentials>> {
    moderators::table
        .filter(moderators::email.eq(email))
        .select((moderators::id, moderators::email, moderators::password_hash))
        .get_result(conn)
        .optional()
}

pub fn password_hash_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<String>> {
    moderators::table
        .find(id)
        .select(moderators::password_hash)
        .get_result(conn)
        .optional()
}

pub fn set_password_of(conn: &mut AnyConnection, id: i64, password_hash: &str) -> QueryResult<()> {
    diesel::update(moderators::table.find(id))
        .set(moderators::password_hash.eq(password_hash))
        .execute(conn)
        .map(drop)
}

pub fn touch_login(
    conn: &mut AnyConnection,
    id: i64,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(moderators::table.find(id))
        .set(moderators::last_login_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

/// A moderator as the moderators page and an export show it: never the password hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = moderators)]
pub struct Listed {
    pub id: i64,
    pub email: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_login_at: Option<chrono::NaiveDateTime>,
    pub owner: bool,
    pub moderation_mail: ModerationMail,
}

pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<Listed>> {
    moderators::table
        .order(moderators::id.asc())
        .select(Listed::as_select())
        .load(conn)
}

/// Sets how moderation mail reaches a moderator; says whether there is one
/// with this address. E-mails already queued for them follow the new mode
/// when the worker comes to them: none once it is `off`.
pub fn set_moderation_mail(
    conn: &mut AnyConnection,
    email: &str,
    mode: ModerationMail,
) -> QueryResult<bool> {
    let changed = diesel::update(moderators::table.filter(moderators::email.eq(email)))
        .set(moderators::moderation_mail.eq(mode))
        .execute(conn)?;
    Ok(changed > 0)
}

/// How moderation mail reaches one moderator, for their own settings page.
pub fn moderation_mail_of(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Option<ModerationMail>> {
    moderators::table
        .find(id)
        .select(moderators::moderation_mail)
        .get_result(conn)
        .optional()
}

pub fn email_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<String>> {
    moderators::table
        .find(id)
        .select(moderators::email)
        .get_result(conn)
        .optional()
}

pub fn id_of(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<i64>> {
    moderators::table
        .filter(moderators::email.eq(email))
        .select(moderators::id)
        .get_result(conn)
        .optional()
}

/// A moderator brought in by an import, with a hash no password matches, so
/// the account exists (and keeps its comments' authorship) but cannot log in
/// until `moderator passwd` gives it a password.
#[derive(Debug, Insertable)]
#[diesel(table_name = moderators)]
pub struct ImportedModerator<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub created_at: chrono::NaiveDateTime,
    pub last_login_at: Option<chrono::NaiveDateTime>,
}

/// The password hash of an imported moderator: not a PHC string, so it never verifies.
pub const NO_PASSWORD: &str = "!imported without a password";

pub fn insert_imported(
    conn: &mut AnyConnection,
    moderator: &ImportedModerator<'_>,
) -> QueryResult<i64> {
    diesel::insert_into(moderators::table)
        .values(moderator)
        .returning(moderators::id)
        .get_result(conn)
}

pub fn delete_by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(moderators::table.find(id)).execute(conn)? > 0)
}
