//! One page of a post's public threads, read at the cost of the page.
//!
//! A thread starts at an approved comment whose parent is not an approved
//! comment of the same post: a top-level comment, or a reply whose parent is
//! held, removed or elsewhere, which readers see at the top rather than lose.
//! A page reads its threads' first comments from the post's index and walks
//! down to their approved replies; the post's counts come from its own row,
//! kept in step by [`counts`] wherever its version moves. Reading the
//! whole post for every page was what made a busy post slow
//! (docs/performance.md, "Hot post").

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::AnyConnection;
use super::comments::PublicRow;
use super::schema::{comments, posts};
use crate::domain::status::Status;

/// The comment `c` is an approved comment of post `$1`. Named parameters:
/// PostgreSQL numbers them, and SQLite gives `$1` one slot however often it
/// appears, numbered in order of first appearance, so one text serves both.
macro_rules! approved_on_the_post {
    () => {
        "c.post_id = $1 AND c.status = 'approved'"
    };
}

/// An approved comment `c` starts a thread: its parent is not an approved
/// comment of the same post. A scalar subquery rather than `NOT EXISTS`:
/// PostgreSQL made an anti-join of that, hashing every comment of the post
/// before it could stop at a page's last thread.
macro_rules! starts_a_thread {
    () => {
        "COALESCE(( \
             SELECT p.status FROM comments p \
             WHERE p.id = c.parent_id AND p.post_id = c.post_id), '') <> 'approved'"
    };
}

/// The page's first comments, oldest first, through the index on
/// `(post_id, status, created_at)`, then every approved reply beneath them
/// through the index on `parent_id`. In the walk down, `+ 0` and `|| ''` keep
/// SQLite's planner, which has no statistics, from looking replies up through
/// the post's index instead, reading every comment of the post at each step.
/// A reply in a cycle of parents is never reached from a thread's start, so
/// the walk ends; it was never shown before either.
const PAGE: &str = concat!(
    "WITH RECURSIVE thread (id) AS ( \
         SELECT id FROM ( \
             SELECT c.id FROM comments c WHERE ",
    approved_on_the_post!(),
    " AND ",
    starts_a_thread!(),
    "        ORDER BY c.created_at, c.id LIMIT $2 OFFSET $3 \
         ) first_comments \
         UNION ALL \
         SELECT c.id FROM comments c JOIN thread ON c.parent_id = thread.id \
         WHERE c.post_id + 0 = $1 AND c.status || '' = 'approved' \
     ) \
     SELECT c.id, c.parent_id, c.author, c.email, c.url, c.body, c.created_at \
     FROM thread JOIN comments c ON c.id = thread.id \
     ORDER BY c.created_at, c.id"
);

/// A post's approved comments and its threads, in one pass over the former.
const COUNTS: &str = concat!(
    "SELECT COUNT(*) AS approved, COALESCE(SUM(CASE WHEN ",
    starts_a_thread!(),
    " THEN 1 ELSE 0 END), 0) AS threads FROM comments c WHERE ",
    approved_on_the_post!()
);

/// A page's threads with the post's counts, as one moment saw them.
#[derive(Debug, Default)]
pub struct ThreadPage {
    /// Approved comments on the post, replies included.
    pub total: usize,
    /// Threads on the post.
    pub threads: usize,
    /// The page's comments, oldest first: each thread's first comment and
    /// every approved reply beneath it.
    pub rows: Vec<PublicRow>,
}

/// [`PublicRow`] as a raw statement returns it.
#[derive(QueryableByName)]
struct PageRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    parent_id: Option<i64>,
    #[diesel(sql_type = Text)]
    author: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
}

impl From<PageRow> for PublicRow {
    fn from(row: PageRow) -> Self {
        PublicRow {
            id: row.id,
            parent_id: row.parent_id,
            author: row.author,
            email: row.email,
            url: row.url,
            body: row.body,
            created_at: row.created_at,
        }
    }
}

/// What [`COUNTS`] gives.
#[derive(QueryableByName)]
pub struct Counts {
    /// Approved comments on the post, replies included.
    #[diesel(sql_type = BigInt)]
    pub approved: i64,
    /// Threads on the post.
    #[diesel(sql_type = BigInt)]
    pub threads: i64,
}

/// Page `page` (from 1) of `per_page` threads of a post, with its counts.
/// The counts and the comments are read in one transaction, on PostgreSQL a
/// repeatable-read one, so that they agree with each other.
pub fn read(
    conn: &mut AnyConnection,
    post_id: i64,
    page: usize,
    per_page: usize,
) -> QueryResult<ThreadPage> {
    let skip = page.saturating_sub(1).saturating_mul(per_page);
    let (limit, offset) = (as_sql(per_page), as_sql(skip));
    conn.transaction(|conn| {
        if let AnyConnection::Postgresql(c) = conn {
            c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let counts: Option<(i64, i64)> = native!(conn, c => posts::table
            .find(post_id)
            .select((posts::approved_count, posts::thread_count))
            .get_result(c))
        .optional()?;
        let Some((total, threads)) = counts else {
            return Ok(ThreadPage::default());
        };
        let rows: Vec<PageRow> = native!(conn, c => diesel::sql_query(PAGE)
            .bind::<BigInt, _>(post_id)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
            .load(c))?;
        Ok(ThreadPage {
            total: as_count(total),
            threads: as_count(threads),
            rows: rows.into_iter().map(PublicRow::from).collect(),
        })
    })
}

/// How many approved comments and threads a post has now: stored on the post
/// by [`super::posts::bump_version`], so that a page need not count them.
pub fn counts(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Counts> {
    native!(conn, c => diesel::sql_query(COUNTS)
        .bind::<BigInt, _>(post_id)
        .get_result(c))
}

/// Whether a comment has an approved reply: deleting it then moves that
/// reply, which changes what readers see.
pub fn has_public_replies(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    native!(conn, c => diesel::select(exists(
        comments::table
            .filter(comments::parent_id.eq(id))
            .filter(comments::status.eq(Status::Approved)),
    ))
    .get_result(c))
}

/// Pages are bounded far below `i64::MAX` by the route.
fn as_sql(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn as_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}
