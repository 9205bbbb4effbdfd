//! The `comments` table: what commenters wrote, with the private fields kept here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::AnyConnection;
use super::schema::{comments, posts};
use crate::domain::status::Status;
use crate::domain::text_hash;

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
    pub status: Status,
    pub previous_status: Option<Status>,
    pub reasons: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub subscribed: bool,
    pub moderator_id: Option<i64>,
    pub source_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `comment`, or the `pingback` or `trackback` an import brought.
    pub kind: String,
    /// The spam filter's score when the comment arrived; `None` if it did not read it.
    pub spam_score: Option<f64>,
    /// The filter's strongest clues in words, one per line.
    pub spam_reasons: String,
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
    pub status: Status,
    pub reasons: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: &'a str,
    pub subscribed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// What the spam filter made of it; `None` for a comment it did not read.
    pub spam: Option<Scored<'a>>,
}

/// A comment's spam score, its reasons in words and the clues it is trained with.
#[derive(Debug, Clone, Copy)]
pub struct Scored<'a> {
    pub score: f64,
    pub reasons: &'a str,
    pub clues: &'a str,
}

impl Scored<'_> {
    /// The three columns' values, as stored for a comment the filter did not read.
    pub fn columns(spam: Option<&Self>) -> (Option<f64>, &str, &str) {
        spam.map_or((None, "", ""), |s| (Some(s.score), s.reasons, s.clues))
    }
}

/// Stores a comment; every submission runs this (see `insert_bound!`).
pub fn insert(conn: &mut AnyConnection, comment: &NewComment<'_>) -> QueryResult<i64> {
    let (spam_score, spam_reasons, spam_clues) = Scored::columns(comment.spam.as_ref());
    native!(conn, c => insert_bound!(comments::table, {
            comments::post_id => comment.post_id,
            comments::parent_id => comment.parent_id,
            comments::depth => comment.depth,
            comments::author => comment.author,
            comments::email => comment.email,
            comments::url => comment.url,
            comments::body => comment.body,
            comments::body_hash => text_hash::of(comment.body),
            comments::status => comment.status,
            comments::reasons => comment.reasons,
            comments::ip => comment.ip,
            comments::user_agent => comment.user_agent,
            comments::subscribed => comment.subscribed,
            comments::created_at => comment.created_at,
            comments::updated_at => comment.updated_at,
            comments::spam_score => spam_score,
            comments::spam_reasons => spam_reasons,
            comments::spam_clues => spam_clues,
        })
        .returning(comments::id)
        .get_result(c))
}

/// Takes the id the next stored comment would have had, so that no comment
/// ever gets it: the answer to spam that is discarded without being stored
/// then looks like the answer to any held comment, with an id no one else
/// holds, and the spammer cannot tell which of their submissions were kept.
pub fn reserve_id(conn: &mut AnyConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Reserved {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let reserved: Reserved = match conn {
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id")
                .get_result(c)?
        }
        // With AUTOINCREMENT, SQLite never hands out an id at or below the
        // table's counter, whatever rows exist. The counter's row appears with
        // the first comment; before that, no id has been given yet.
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'comments', 0 \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'comments')",
            )
            .execute(c)?;
            diesel::sql_query(
                "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(id), 0) FROM comments)) + 1 \
                 WHERE name = 'comments' RETURNING seq AS id",
            )
            .get_result(c)?
        }
    };
    Ok(reserved.id)
}

/// The parent a reply names, with just what the reply rules need.
pub fn find_parent(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<(i64, Status, i32)>> {
    native!(conn, c => comments::table
        .find(id)
        .select((comments::post_id, comments::status, comments::depth))
        .get_result(c))
    .optional()
}

/// A whole comment, with its private fields, for moderators and tools.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Comment>> {
    native!(conn, c => comments::table
        .find(id)
        .select(Comment::as_select())
        .get_result(c))
    .optional()
}

/// The comments among `ids` that are still held, oldest first: what a
/// moderation digest lists.
pub fn held_among(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .filter(comments::status.eq(Status::Pending))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)
}

/// Moves a comment to a new status if it is still in `from`; returns whether it
/// was, so two moderators acting at once cannot both move it.
pub fn move_status(
    conn: &mut AnyConnection,
    id: i64,
    from: Status,
    to: Status,
    previous: Option<Status>,
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

/// At most `limit` pending comments of one site older than `before`, for
/// the purge, which each site's rules set.
pub fn pending_before(
    conn: &mut AnyConnection,
    site: i64,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::status.eq(Status::Pending))
        .filter(
            comments::post_id.eq_any(
                posts::table
                    .filter(posts::site_id.eq(site))
                    .select(posts::id),
            ),
        )
        .filter(comments::created_at.lt(before))
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)
}

/// At most `limit` spam and trash comments that have been there since before
/// `before`, for emptying them: `updated_at` is when they were moved there
/// (or stored there by the rules).
pub fn discarded_before(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::status.eq_any([Status::Spam, Status::Trash]))
        .filter(comments::updated_at.lt(before))
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
    super::subscriptions::stop_all(conn, &email)
}

/// Every comment written with this address, oldest first.
pub fn by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::email.eq(email))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(Comment::as_select())
        .load(conn)
}

/// The rule reasons that may quote `text` (compared without case, so
/// ASCII letters at least), by comment id.
pub fn reasons_mentioning(conn: &mut AnyConnection, text: &str) -> QueryResult<Vec<(i64, String)>> {
    let pattern = format!("%{}%", super::admin_list::escape_like(text));
    comments::table
        .filter(
            super::admin_list::lower(comments::reasons)
                .like(pattern)
                .escape('\\'),
        )
        .select((comments::id, comments::reasons))
        .load(conn)
}

pub fn set_reasons(conn: &mut AnyConnection, id: i64, reasons: &str) -> QueryResult<()> {
    diesel::update(comments::table.find(id))
        .set(comments::reasons.eq(reasons))
        .execute(conn)
        .map(drop)
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
            // The spam filter's reasons in words may name the author, the
            // e-mail's domain or the website.
            comments::spam_reasons.eq(""),
        ))
        .execute(conn)?;
    if let Some(body) = replacement_body {
        diesel::update(comments::table.find(id))
            .set((
                comments::body.eq(body),
                comments::body_hash.eq(text_hash::of(body)),
                // Its words, kept to train the filter, would tell the text;
                // the comment then teaches nothing more.
                comments::spam_clues.eq(""),
            ))
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
            comments::body_hash.eq(text_hash::of(body)),
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

/// Every comment of a post in id order, with its private fields, for the exports.
pub fn all_for_post(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::post_id.eq(post_id))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)
}
