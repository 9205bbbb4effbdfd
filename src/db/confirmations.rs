//! The `address_confirmations` table: addresses that asked for e-mail, by
//! their key (`domain::address`), with when the last confirmation e-mail was
//! queued, from which IP, and when (if ever) the address was confirmed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};

use super::AnyConnection;
use super::schema::address_confirmations as table;

/// Where an address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = table)]
pub struct Standing {
    /// When the last confirmation e-mail was queued.
    pub mailed_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
}

/// The standing of the address with this key; `None` if it never asked, or
/// its request expired, or it was forgotten.
pub fn find(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<Standing>> {
    table::table
        .find(key)
        .select(Standing::as_select())
        .first(conn)
        .optional()
}

/// Whether the address with this key is confirmed.
pub fn is_confirmed(conn: &mut AnyConnection, key: &str) -> QueryResult<bool> {
    Ok(find(conn, key)?.is_some_and(|s| s.confirmed_at.is_some()))
}

/// How many other addresses had a confirmation e-mail queued at the request
/// of `ip` since `since`: one per address at most in a day, so this counts
/// the e-mails themselves.
pub fn mailed_for_ip_since(
    conn: &mut AnyConnection,
    ip: &str,
    since: NaiveDateTime,
    other_than: &str,
) -> QueryResult<i64> {
    table::table
        .filter(table::ip.eq(ip))
        .filter(table::mailed_at.gt(since))
        .filter(table::address_key.ne(other_than))
        .count()
        .get_result(conn)
}

/// Records that a confirmation e-mail is queued for the key now, unless the
/// address is confirmed or had one queued after `last_allowed`: `true` when
/// this call may queue it. One statement, so of two submissions from one
/// address at once, on any instance, only one gets `true`.
pub fn claim_mail(
    conn: &mut AnyConnection,
    key: &str,
    ip: Option<&str>,
    now: NaiveDateTime,
    last_allowed: NaiveDateTime,
) -> QueryResult<bool> {
    const UPSERT: &str = "INSERT INTO address_confirmations (address_key, mailed_at, ip) \
        VALUES ($1, $2, $3) ON CONFLICT (address_key) DO UPDATE \
        SET mailed_at = excluded.mailed_at, ip = excluded.ip \
        WHERE address_confirmations.confirmed_at IS NULL \
        AND address_confirmations.mailed_at <= $4";
    let query = diesel::sql_query(UPSERT)
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now)
        .bind::<Nullable<Text>, _>(ip)
        .bind::<Timestamp, _>(last_allowed);
    Ok(native!(conn, c => query.execute(c))? == 1)
}

/// Confirms the address with this key: `true` if this call confirmed it,
/// `false` if it already was. Safe to run many times at once: the row's
/// lock (or SQLite's one writer) lets exactly one of them set the time.
pub fn confirm(conn: &mut AnyConnection, key: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        table::table
            .filter(table::address_key.eq(key))
            .filter(table::confirmed_at.is_null()),
    )
    .set(table::confirmed_at.eq(now))
    .execute(conn)?;
    if updated == 1 {
        return Ok(true);
    }
    // No request on record (it expired at the very end of the link's life,
    // say): the link is still the address's own, so it confirms.
    const INSERT: &str = "INSERT INTO address_confirmations (address_key, mailed_at, confirmed_at) \
        VALUES ($1, $2, $2) ON CONFLICT (address_key) DO NOTHING";
    let query = diesel::sql_query(INSERT)
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now);
    Ok(native!(conn, c => query.execute(c))? == 1)
}

/// Deletes the requests still unconfirmed whose last e-mail was queued
/// before `before`, and gives their keys.
pub fn expire(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<Vec<String>> {
    diesel::delete(
        table::table
            .filter(table::confirmed_at.is_null())
            .filter(table::mailed_at.lt(before)),
    )
    .returning(table::address_key)
    .get_results(conn)
}

/// Forgets the IPs that no longer count toward the per-IP bound.
pub fn forget_ips(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        table::table
            .filter(table::ip.is_not_null())
            .filter(table::mailed_at.lt(before)),
    )
    .set(table::ip.eq(None::<String>))
    .execute(conn)
}

/// Forgets the address with this key altogether.
pub fn forget(conn: &mut AnyConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(table::table.find(key)).execute(conn)
}
