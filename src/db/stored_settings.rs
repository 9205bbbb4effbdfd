//! The `settings` table: values the instance keeps for itself, such as its secret.

use diesel::dsl;
use diesel::prelude::*;
use rand::RngCore;

use super::schema::settings;
use super::{AnyConnection, now};

const SECRET_KEY: &str = "secret_key";
const DATABASE_ID: &str = "database_id";

/// The instance secret: made once, on first start, and shared by every instance
/// on the same database so their tokens and avatar keys agree.
pub fn secret_key(conn: &mut AnyConnection) -> QueryResult<String> {
    made_once(conn, SECRET_KEY, 32)
}

/// How this database's exports name a comment written in it: this prefix,
/// then the comment's id. The prefix holds the database's own id, made once
/// (a copy keeps it), so the file imported back into this database or a copy
/// finds those comments, and into any other gives them an origin no other
/// database's comments share.
pub fn local_source_prefix(conn: &mut AnyConnection) -> QueryResult<String> {
    Ok(format!("replydesk:{}:", made_once(conn, DATABASE_ID, 8)?))
}

/// A random value of `bytes` bytes, as hex, stored under `name` the first
/// time it is asked for: when the database is opened (see `Database::open`),
/// so that any later call only reads.
fn made_once(conn: &mut AnyConnection, name: &str, bytes: usize) -> QueryResult<String> {
    if let Some(value) = read(conn, name)? {
        return Ok(value);
    }
    let mut random = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut random);
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::name.eq(name),
            settings::value.eq(hex::encode(random)),
            settings::updated_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        // Another instance may have written it first: theirs wins, ours is dropped.
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => read(conn, name)?.ok_or(diesel::result::Error::NotFound),
        Err(e) => Err(e),
    }
}

fn read(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<String>> {
    native!(conn, c => settings::table
        .find(name)
        .select(settings::value)
        .get_result(c))
    .optional()
}

const RULES_VERSION: &str = "rules_version";

/// Moves whenever a site or its rules change, so every instance knows to re-read.
pub fn rules_version(conn: &mut AnyConnection) -> QueryResult<i64> {
    Ok(parse_rules_version(read(conn, RULES_VERSION)?))
}

/// The type of [`rules_version_query`].
pub type RulesVersionQuery = dsl::Select<dsl::Find<settings::table, &'static str>, settings::value>;

/// The read of the rules version, for statements that take it along with
/// something else (see `history::arriving`).
pub fn rules_version_query() -> RulesVersionQuery {
    settings::table.find(RULES_VERSION).select(settings::value)
}

/// The version as stored; none stored yet is version 0.
pub fn parse_rules_version(stored: Option<String>) -> i64 {
    stored.and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Moves the version after a change to sites or their rules; call inside the
/// change's write transaction.
pub fn move_version(conn: &mut AnyConnection) -> QueryResult<()> {
    let next = rules_version(conn)? + 1;
    write(conn, RULES_VERSION, &next.to_string())
}

fn write(conn: &mut AnyConnection, name: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(settings::table.find(name))
        .set((settings::value.eq(value), settings::updated_at.eq(now())))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::name.eq(name),
                settings::value.eq(value),
                settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
