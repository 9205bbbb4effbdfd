//! The `sites` table and what hangs off it: the blogs one instance serves,
//! each site's rule settings as changed at run time, and which moderators it
//! has. Every change moves the settings version, so each instance's directory
//! of sites (`crate::sites`) re-reads them.

use diesel::prelude::*;

use super::schema::{
    comments, mail_outbox, moderator_sites, posts, site_settings, sites, spam_filters, spam_tokens,
};
use super::{AnyConnection, now, stored_settings, unless_taken};

/// The site that holds everything stored before there were sites, and that a
/// fresh start makes from the configuration.
pub const DEFAULT_NAME: &str = "default";

/// A site as stored. `origins` is `None` for a site whose origins come from
/// `REPLYDESK_ALLOWED_ORIGINS` (the default site until someone sets them).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct Stored {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub origins: Option<String>,
}

pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<Stored>> {
    sites::table
        .order(sites::id.asc())
        .select(Stored::as_select())
        .load(conn)
}

/// Every site's changed rule settings: site, name, value.
pub fn rule_overrides(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, String, String)>> {
    site_settings::table
        .select((
            site_settings::site_id,
            site_settings::name,
            site_settings::value,
        ))
        .load(conn)
}

/// Adds a site; `None` if the name is taken, even by an owner adding the
/// same name at this moment. Runs in the caller's write.
pub fn add(
    conn: &mut AnyConnection,
    name: &str,
    title: &str,
    origins: &str,
) -> QueryResult<Option<i64>> {
    let added = unless_taken(conn, |c| {
        diesel::insert_into(sites::table)
            .values((
                sites::name.eq(name),
                sites::title.eq(title),
                sites::origins.eq(Some(origins)),
                sites::created_at.eq(now()),
            ))
            .returning(sites::id)
            .get_result(c)
    })?;
    if added.is_some() {
        stored_settings::move_version(conn)?;
    }
    Ok(added)
}

pub fn set_title(conn: &mut AnyConnection, id: i64, title: &str) -> QueryResult<()> {
    diesel::update(sites::table.find(id))
        .set(sites::title.eq(title))
        .execute(conn)?;
    stored_settings::move_version(conn)
}

/// Sets a site's origins; `None` hands the default site's back to
/// `REPLYDESK_ALLOWED_ORIGINS`.
pub fn set_origins(conn: &mut AnyConnection, id: i64, origins: Option<&str>) -> QueryResult<()> {
    diesel::update(sites::table.find(id))
        .set(sites::origins.eq(origins))
        .execute(conn)?;
    stored_settings::move_version(conn)
}

/// How many comments a site holds, whatever their status.
pub fn comment_count(conn: &mut AnyConnection, id: i64) -> QueryResult<i64> {
    comments::table
        .inner_join(posts::table)
        .filter(posts::site_id.eq(id))
        .count()
        .get_result(conn)
}

/// Deletes a site with its posts, their comments and their unsent e-mails;
/// its rule settings and moderator grants go with it. Runs in the caller's
/// write, which records the removal in the audit log.
pub fn remove(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    let its_posts = posts::table.filter(posts::site_id.eq(id)).select(posts::id);
    let its_comments = comments::table
        .filter(comments::post_id.eq_any(its_posts))
        .select(comments::id);
    diesel::delete(
        mail_outbox::table
            .filter(mail_outbox::sent_at.is_null())
            .filter(mail_outbox::comment_id.eq_any(its_comments.nullable())),
    )
    .execute(conn)?;
    diesel::delete(comments::table.filter(comments::post_id.eq_any(its_posts))).execute(conn)?;
    diesel::delete(posts::table.filter(posts::site_id.eq(id))).execute(conn)?;
    diesel::delete(site_settings::table.filter(site_settings::site_id.eq(id))).execute(conn)?;
    diesel::delete(moderator_sites::table.filter(moderator_sites::site_id.eq(id))).execute(conn)?;
    diesel::delete(spam_tokens::table.filter(spam_tokens::site_id.eq(id))).execute(conn)?;
    diesel::delete(spam_filters::table.filter(spam_filters::site_id.eq(id))).execute(conn)?;
    diesel::delete(sites::table.find(id)).execute(conn)?;
    stored_settings::move_version(conn)
}

/// Stores one of a site's rule settings and moves the version.
pub fn set_rule(conn: &mut AnyConnection, site: i64, name: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(site_settings::table.find((site, name)))
        .set((
            site_settings::value.eq(value),
            site_settings::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(site_settings::table)
            .values((
                site_settings::site_id.eq(site),
                site_settings::name.eq(name),
                site_settings::value.eq(value),
                site_settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    stored_settings::move_version(conn)
}

/// Forgets one of a site's rule settings, so configuration decides it again;
/// says whether one was stored.
pub fn reset_rule(conn: &mut AnyConnection, site: i64, name: &str) -> QueryResult<bool> {
    let removed = diesel::delete(site_settings::table.find((site, name))).execute(conn)?;
    stored_settings::move_version(conn)?;
    Ok(removed > 0)
}
