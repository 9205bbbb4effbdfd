//! The `comments` table: what commenters wrote, with the private fields kept here.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, max};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::comments;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub status: String,
    pub previous_status: Option<String>,
    pub reasons: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub subscribed: bool,
    pub moderator_id: Option<i64>,
    pub source_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a reader may see; the email is selected only to key the avatar.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct PublicRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug)]
pub struct NewComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub reasons: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: &'a str,
    pub subscribed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores a comment; every submission runs this (see `insert_bound!`).
pub fn insert(conn: &mut AnyConnection, comment: &NewComment<'_>) -> QueryResult<i64> {
    native!(conn, c => insert_bound!(comments::table, {
            comments::post_id => comment.post_id,
            comments::parent_id => comment.parent_id,
            comments::depth => comment.depth,
            comments::author => comment.author,
            comments::email => comment.email,
            comments::url => comment.url,
            comments::body => comment.body,
            comments::status => comment.status,
            comments::reasons => comment.reasons,
            comments::ip => comment.ip,
            comments::user_agent => comment.user_agent,
            comments::subscribed => comment.subscribed,
            comments::created_at => comment.created_at,
            comments::updated_at => comment.updated_at,
        })
        .returning(comments::id)
        .get_result(c))
}

/// The parent a reply names, with just what the reply rules need.
pub fn find_parent(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<(i64, String, i32)>> {
    native!(conn, c => comments::table
        .find(id)
        .select((comments::post_id, comments::status, comments::depth))
        .get_result(c))
    .optional()
}

/// Whether the same person already left the same words in the same place
/// (WordPress's duplicate rule; trashed comments do not count). The person is
/// matched by email or by name in one statement whose two branches each use
/// their own index, so the check costs the same on a post with ten comments or
/// ten thousand: the name through `comments_post_author`, the email through
/// `comments_email_created` (a person's comments on every post are few). The
/// `post_id + 0` keeps the planner, which has no statistics on a new SQLite
/// file, from walking the whole post's comments by `post_id` instead. Without
/// an email only the name counts: two anonymous readers may well say the same
/// thing.
pub fn duplicate_exists(
    conn: &mut AnyConnection,
    post_id: i64,
    parent_id: Option<i64>,
    author: &str,
    email: &str,
    body: &str,
) -> QueryResult<bool> {
    let candidates = comments::table
        .filter(comments::status.ne("trash"))
        .select((comments::parent_id, comments::body));
    let by_author = comments::post_id
        .eq(post_id)
        .and(comments::author.eq(author));
    let rows: Vec<(Option<i64>, String)> = if email.is_empty() {
        native!(conn, c => candidates.filter(by_author).load(c))?
    } else {
        let by_email = comments::email
            .eq(email)
            .and((comments::post_id + 0).eq(post_id));
        native!(conn, c => candidates.filter(by_email.or(by_author)).load(c))?
    };
    Ok(rows
        .iter()
        .any(|(parent, text)| *parent == parent_id && text == body))
}

/// The newest comment from this IP or email since `since`, for the flood rule:
/// one statement whose branches each use their own index, so the check stays
/// cheap however large the table grows.
pub fn last_from_sender(
    conn: &mut AnyConnection,
    ip: Option<&str>,
    email: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let recent = comments::table.select(max(comments::created_at));
    let from_email = comments::email
        .eq(email)
        .and(comments::created_at.gt(since));
    match (ip, email.is_empty()) {
        (Some(ip), empty) => {
            let from_ip = comments::ip.eq(ip).and(comments::created_at.gt(since));
            if empty {
                native!(conn, c => recent.filter(from_ip).get_result(c))
            } else {
                native!(conn, c => recent.filter(from_ip.or(from_email)).get_result(c))
            }
        }
        (None, false) => native!(conn, c => recent.filter(from_email).get_result(c)),
        (None, true) => Ok(None),
    }
}

/// Whether this address already has an approved comment, for "trust returning commenters".
pub fn has_approved(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    if email.is_empty() {
        return Ok(false);
    }
    native!(conn, c => diesel::select(exists(
        comments::table
            .filter(comments::email.eq(email))
            .filter(comments::status.eq("approved")),
    ))
    .get_result(c))
}

/// Every approved comment of a post, oldest first, for the public tree.
pub fn approved_for_post(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Vec<PublicRow>> {
    native!(conn, c => comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::status.eq("approved"))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(PublicRow::as_select())
        .load(c))
}

/// A whole comment, with its private fields, for moderators and tools.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Comment>> {
    native!(conn, c => comments::table
        .find(id)
        .select(Comment::as_select())
        .get_result(c))
    .optional()
}

/// Moves a comment to a new status if it is still in `from`; returns whether it
/// was, so two moderators acting at once cannot both move it.
pub fn move_status(
    conn: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    previous: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(comments::table.find(id).filter(comments::status.eq(from)))
        .set((
            comments::status.eq(to),
            comments::previous_status.eq(previous),
            comments::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes a comment for ever. Its replies move up to its parent, as in
/// WordPress, rather than vanishing with it.
pub fn delete(conn: &mut AnyConnection, comment: &Comment) -> QueryResult<()> {
    diesel::update(comments::table.filter(comments::parent_id.eq(comment.id)))
        .set((
            comments::parent_id.eq(comment.parent_id),
            comments::depth.eq(comments::depth - 1),
        ))
        .execute(conn)?;
    diesel::delete(comments::table.find(comment.id))
        .execute(conn)
        .map(drop)
}

/// The newest comments in a status, for the command line.
pub fn list(conn: &mut AnyConnection, status: &str, limit: i64) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::status.eq(status))
        .order((comments::created_at.desc(), comments::id.desc()))
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)
}

/// Forgets the IP of at most `limit` comments stored before `before`, and
/// says how many: the retention sweep works through a backlog in small steps.
pub fn erase_ips_before(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<usize> {
    let due: Vec<i64> = comments::table
        .filter(comments::ip.is_not_null())
        .filter(comments::created_at.lt(before))
        .select(comments::id)
        .limit(limit)
        .load(conn)?;
    diesel::update(comments::table.filter(comments::id.eq_any(due)))
        .set(comments::ip.eq(None::<String>))
        .execute(conn)
}

/// At most `limit` pending comments older than `before`, for the purge.
pub fn pending_before(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::status.eq("pending"))
        .filter(comments::created_at.lt(before))
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)
}

/// Switches reply notifications off for every comment by the author of
/// `comment_id`: "unsubscribe" means no more of these e-mails at all.
pub fn unsubscribe_author_of(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<usize> {
    let Some(email) = comments::table
        .find(comment_id)
        .select(comments::email)
        .first::<String>(conn)
        .optional()?
        .filter(|email| !email.is_empty())
    else {
        return Ok(0);
    };
    diesel::update(comments::table.filter(comments::email.eq(email)))
        .set(comments::subscribed.eq(false))
        .execute(conn)
}

/// Every comment written with this address, oldest first.
pub fn by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::email.eq(email))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(Comment::as_select())
        .load(conn)
}

/// Clears what identifies the author of one comment, and optionally its text.
pub fn anonymize(
    conn: &mut AnyConnection,
    id: i64,
    replacement_body: Option<&str>,
) -> QueryResult<()> {
    diesel::update(comments::table.find(id))
        .set((
            comments::author.eq("Anonymous"),
            comments::email.eq(""),
            comments::url.eq(""),
            comments::ip.eq(None::<String>),
            comments::user_agent.eq(""),
            comments::subscribed.eq(false),
            comments::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if let Some(body) = replacement_body {
        diesel::update(comments::table.find(id))
            .set(comments::body.eq(body))
            .execute(conn)?;
    }
    Ok(())
}

/// A moderator's correction of what a comment says and who wrote it.
pub fn update_content(
    conn: &mut AnyConnection,
    id: i64,
    author: &str,
    email: &str,
    url: &str,
    body: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(comments::table.find(id))
        .set((
            comments::author.eq(author),
            comments::email.eq(email),
            comments::url.eq(url),
            comments::body.eq(body),
            comments::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Marks a comment as written by a moderator from the admin page.
pub fn set_moderator(conn: &mut AnyConnection, id: i64, moderator_id: i64) -> QueryResult<()> {
    diesel::update(comments::table.find(id))
        .set(comments::moderator_id.eq(Some(moderator_id)))
        .execute(conn)
        .map(drop)
}

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
    pub status: &'a str,
    pub previous_status: Option<&'a str>,
    pub reasons: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: &'a str,
    pub subscribed: bool,
    pub moderator_id: Option<i64>,
    pub source_id: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_imported(
    conn: &mut AnyConnection,
    comment: &ImportedComment<'_>,
) -> QueryResult<i64> {
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

/// Every comment of a post in id order, with its private fields, for the exports.
pub fn all_for_post(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::post_id.eq(post_id))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)
}
