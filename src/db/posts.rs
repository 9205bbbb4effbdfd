//! The `posts` table: articles, keyed by the blog's own identifier.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{comments, posts};
use super::{AnyConnection, thread_page};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i64,
    pub site_id: i64,
    pub post_key: String,
    pub title: String,
    pub url: String,
    pub comments_open: bool,
    pub closes_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub approved_count: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost<'a> {
    pub site_id: i64,
    pub post_key: &'a str,
    pub title: &'a str,
    pub url: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn find_by_key(conn: &mut AnyConnection, site: i64, key: &str) -> QueryResult<Option<Post>> {
    native!(conn, c => posts::table
        .filter(posts::site_id.eq(site))
        .filter(posts::post_key.eq(key))
        .select(Post::as_select())
        .get_result(c))
    .optional()
}

pub fn insert(conn: &mut AnyConnection, post: &NewPost<'_>) -> QueryResult<()> {
    diesel::insert_into(posts::table)
        .values(post)
        .execute(conn)
        .map(drop)
}

/// Opens a post unless another instance just opened the same one; says
/// whether this call did.
pub fn insert_unless_taken(conn: &mut AnyConnection, post: &NewPost<'_>) -> QueryResult<bool> {
    Ok(super::unless_taken(conn, |c| insert(c, post))?.is_some())
}

/// Removes a post that has no comments, such as one opened by spam that was
/// then not stored.
pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::delete(posts::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Removes a post an import opened, unless a comment has arrived on it
/// since; says whether it went.
pub fn delete_if_empty(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let has_comments = diesel::select(diesel::dsl::exists(
        comments::table.filter(comments::post_id.eq(id)),
    ))
    .get_result::<bool>(conn)?;
    if has_comments {
        return Ok(false);
    }
    diesel::delete(posts::table.find(id))
        .execute(conn)
        .map(|n| n == 1)
}

/// Marks the post's public comments as changed, so cached copies and ETags expire
/// on every instance that shares the database, and recounts its approved comments
/// and its threads, so that a page is read without counting the post's comments.
pub fn bump_version(conn: &mut AnyConnection, post_id: i64) -> QueryResult<()> {
    let counts = thread_page::counts(conn, post_id)?;
    native!(conn, c => diesel::update(posts::table.find(post_id))
        .set((
            posts::version.eq(posts::version + 1),
            posts::approved_count.eq(counts.approved),
            posts::thread_count.eq(counts.threads),
        ))
        .execute(c))
    .map(drop)
}

/// The posts that exist among `keys`: one indexed read per key, whatever
/// the number of comments, for counts and for page views taken together.
pub fn by_keys(conn: &mut AnyConnection, site: i64, keys: &[String]) -> QueryResult<Vec<Post>> {
    native!(conn, c => posts::table
        .filter(posts::site_id.eq(site))
        .filter(posts::post_key.eq_any(keys))
        .select(Post::as_select())
        .load(c))
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Post> {
    posts::table
        .find(id)
        .select(Post::as_select())
        .get_result(conn)
}

/// A post brought in by an import, with the columns an export carries.
#[derive(Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct ImportedPost<'a> {
    pub site_id: i64,
    pub post_key: &'a str,
    pub title: &'a str,
    pub url: &'a str,
    pub comments_open: bool,
    pub closes_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_imported(conn: &mut AnyConnection, post: &ImportedPost<'_>) -> QueryResult<i64> {
    diesel::insert_into(posts::table)
        .values(post)
        .returning(posts::id)
        .get_result(conn)
}

/// Posts in id order, a page at a time, so an export never holds them all;
/// one site's only when `site` names it.
pub fn page_after(
    conn: &mut AnyConnection,
    site: Option<i64>,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Post>> {
    let mut query = posts::table.into_boxed();
    if let Some(site) = site {
        query = query.filter(posts::site_id.eq(site));
    }
    query
        .filter(posts::id.gt(after_id))
        .order(posts::id.asc())
        .limit(limit)
        .select(Post::as_select())
        .load(conn)
}
