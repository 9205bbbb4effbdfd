//! The admin comment list (the moderators' queue page, not the mail outbox):
//! comments by status, filtered by post and searched over text, author, email
//! and IP, a page at a time.

use diesel::prelude::*;

use super::AnyConnection;
use super::comments::Comment;
use super::schema::{comments, posts};
use crate::domain::status::Status;
use crate::spam::LIKELY_SPAM;

diesel::define_sql_function!(
    /// SQL's `lower()`, on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text
);

type Backend = <AnyConnection as Connection>::Backend;

/// Which comments a queue page shows.
#[derive(Debug, Clone)]
pub struct Filter {
    pub status: Status,
    /// Only these sites' comments (every site's for `None`).
    pub sites: Option<Vec<i64>>,
    pub post_id: Option<i64>,
    /// Matched case-insensitively anywhere in the text, author, email or IP.
    pub search: Option<String>,
    /// Only comments the spam filter scored as likely spam.
    pub likely_spam: bool,
    /// The highest spam score first, rather than the newest.
    pub by_score: bool,
    /// Only these comments: those a moderation digest listed.
    pub ids: Option<Vec<i64>>,
}

/// A comment with the post it belongs to.
#[derive(Debug, Clone)]
pub struct Row {
    pub comment: Comment,
    /// `None` for a comment the spam filter did not read.
    pub spam_score: Option<f64>,
    /// The filter's strongest clues in words, one per line.
    pub spam_reasons: String,
    pub post_key: String,
    pub post_title: String,
    pub post_url: String,
}

fn filtered(filter: &Filter) -> comments::BoxedQuery<'static, Backend> {
    let mut query = comments::table
        .filter(comments::status.eq(filter.status))
        .into_boxed();
    if let Some(sites) = &filter.sites {
        query = query.filter(
            comments::post_id.eq_any(
                posts::table
                    .filter(posts::site_id.eq_any(sites.clone()))
                    .select(posts::id),
            ),
        );
    }
    if let Some(post_id) = filter.post_id {
        query = query.filter(comments::post_id.eq(post_id));
    }
    if filter.likely_spam {
        query = query.filter(comments::spam_score.ge(LIKELY_SPAM));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(comments::id.eq_any(ids.clone()));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim)
        && !search.is_empty()
    {
        // SQLite lowers ASCII letters only, so the text as typed is tried too:
        // "Ünïcödé" finds itself on both backends, "ünïcödé" it on PostgreSQL.
        let lowered = format!("%{}%", escape_like(&search.to_lowercase()));
        let typed = format!("%{}%", escape_like(search));
        query = query.filter(
            lower(comments::body)
                .like(lowered.clone())
                .escape('\\')
                .or(comments::body.like(typed.clone()).escape('\\'))
                .or(lower(comments::author).like(lowered.clone()).escape('\\'))
                .or(comments::author.like(typed).escape('\\'))
                .or(lower(comments::email).like(lowered.clone()).escape('\\'))
                .or(comments::ip.like(lowered).escape('\\')),
        );
    }
    query
}

/// `text` as a literal inside a `LIKE … ESCAPE '\\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub fn count(conn: &mut AnyConnection, filter: &Filter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// One page, newest first (or the highest spam score first).
pub fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Row>> {
    let mut query = filtered(filter);
    if filter.by_score {
        // Comments the filter did not read last, on both backends (which
        // disagree on where NULL sorts).
        query = query.order((comments::spam_score.is_null(), comments::spam_score.desc()));
    }
    let found: Vec<(Comment, Option<f64>, String)> = query
        .then_order_by((comments::created_at.desc(), comments::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            Comment::as_select(),
            comments::spam_score,
            comments::spam_reasons,
        ))
        .load(conn)?;
    let post_ids: Vec<i64> = found.iter().map(|(c, ..)| c.post_id).collect();
    let titles: Vec<(i64, String, String, String)> = posts::table
        .filter(posts::id.eq_any(post_ids))
        .select((posts::id, posts::post_key, posts::title, posts::url))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(comment, spam_score, spam_reasons)| {
            let (post_key, post_title, post_url) = titles
                .iter()
                .find(|(id, ..)| *id == comment.post_id)
                .map(|(_, key, title, url)| (key.clone(), title.clone(), url.clone()))
                .unwrap_or_default();
            Row {
                comment,
                spam_score,
                spam_reasons,
                post_key,
                post_title,
                post_url,
            }
        })
        .collect())
}

/// Posts of these sites (every site's for `None`) that have comments,
/// newest first, for the filter menu.
pub fn posts_with_comments(
    conn: &mut AnyConnection,
    sites: Option<&[i64]>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    let mut query = posts::table.into_boxed();
    if let Some(sites) = sites {
        query = query.filter(posts::site_id.eq_any(sites.to_vec()));
    }
    query
        .filter(diesel::dsl::exists(
            comments::table.filter(comments::post_id.eq(posts::id)),
        ))
        .order(posts::id.desc())
        .limit(limit)
        .select((posts::id, posts::post_key, posts::title))
        .load(conn)
}
