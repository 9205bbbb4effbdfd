//! The spam filter's counts (`spam_tokens`, `spam_filters`) and what the
//! filter made of each comment (the `spam_*` columns of `comments`).

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::AnyConnection;
use super::comments::Comment;
use super::posts::Post;
use super::schema::{comments, posts, spam_filters, spam_tokens};
use crate::domain::status::Status;

/// Trainings write their token rows in statements of this many rows, well
/// under SQLite's limit on bound values.
const ROWS_PER_STATEMENT: usize = 500;

/// A site's filter as stored: what it learned, and where its changes stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = spam_filters)]
pub struct Learned {
    pub site_id: i64,
    pub spam: i64,
    pub ham: i64,
    pub generation: i64,
    pub epoch: i64,
}

/// One clue's counts.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = spam_tokens)]
pub struct TokenRow {
    pub token: String,
    pub spam: i64,
    pub ham: i64,
}

/// Every site's filter: a handful of rows, read by each instance every few seconds.
pub fn filters(conn: &mut AnyConnection) -> QueryResult<Vec<Learned>> {
    native!(conn, c => spam_filters::table
        .select(Learned::as_select())
        .order(spam_filters::site_id)
        .load(c))
}

/// The clues of `site` changed after `generation` (all of them from -1).
pub fn tokens_since(
    conn: &mut AnyConnection,
    site: i64,
    generation: i64,
) -> QueryResult<Vec<TokenRow>> {
    native!(conn, c => spam_tokens::table
        .filter(spam_tokens::site_id.eq(site))
        .filter(spam_tokens::generation.gt(generation))
        .select(TokenRow::as_select())
        .load(c))
}

/// Adds `by` (1 to learn, -1 to unlearn) to `side` for one comment's clues.
/// The site's row is written first: on PostgreSQL its lock orders every
/// training of the site, so two never interleave their token rows (no
/// deadlock) and generations commit in the order they are numbered.
pub fn learn(
    conn: &mut AnyConnection,
    site: i64,
    clues: &[&str],
    side: Side,
    by: i64,
) -> QueryResult<()> {
    let (spam, ham) = match side {
        Side::Spam => (by, 0),
        Side::Ham => (0, by),
    };
    let generation: i64 = native!(conn, c => diesel::insert_into(spam_filters::table)
        .values((
            spam_filters::site_id.eq(site),
            spam_filters::spam.eq(spam.max(0)),
            spam_filters::ham.eq(ham.max(0)),
            spam_filters::generation.eq(1),
            spam_filters::epoch.eq(0),
        ))
        .on_conflict(spam_filters::site_id)
        .do_update()
        .set((
            spam_filters::spam.eq(spam_filters::spam + spam),
            spam_filters::ham.eq(spam_filters::ham + ham),
            spam_filters::generation.eq(spam_filters::generation + 1),
        ))
        .returning(spam_filters::generation)
        .get_result(c))?;
    for chunk in clues.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|token| {
                (
                    spam_tokens::site_id.eq(site),
                    spam_tokens::token.eq(*token),
                    spam_tokens::spam.eq(spam.max(0)),
                    spam_tokens::ham.eq(ham.max(0)),
                    spam_tokens::generation.eq(generation),
                )
            })
            .collect();
        native!(conn, c => diesel::insert_into(spam_tokens::table)
            .values(&rows)
            .on_conflict((spam_tokens::site_id, spam_tokens::token))
            .do_update()
            .set((
                spam_tokens::spam.eq(spam_tokens::spam + spam),
                spam_tokens::ham.eq(spam_tokens::ham + ham),
                spam_tokens::generation.eq(excluded(spam_tokens::generation)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Which side a comment is learned as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Spam,
    Ham,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Spam => "spam",
            Side::Ham => "ham",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "spam" => Some(Side::Spam),
            "ham" => Some(Side::Ham),
            _ => None,
        }
    }
}

/// What training needs of a comment: its site, its clues and the side it
/// is learned as now.
#[derive(Debug, Clone)]
pub struct Trainee {
    pub site_id: i64,
    pub clues: String,
    pub trained: Option<Side>,
}

pub fn trainee(conn: &mut AnyConnection, comment: i64) -> QueryResult<Option<Trainee>> {
    let row: Option<(i64, String, Option<String>)> = native!(conn, c => comments::table
        .inner_join(posts::table)
        .filter(comments::id.eq(comment))
        .select((posts::site_id, comments::spam_clues, comments::spam_trained))
        .first(c)
        .optional())?;
    Ok(row.map(|(site_id, clues, trained)| Trainee {
        site_id,
        clues,
        trained: trained.as_deref().and_then(Side::parse),
    }))
}

/// A published or spam comment, as `spam train` reads it.
#[derive(Debug, Clone)]
pub struct Moderated {
    pub id: i64,
    pub site_id: i64,
    pub status: Status,
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub clues: String,
    pub trained: Option<Side>,
}

/// The next page of published and spam comments after id `after`, on `site`
/// or every site.
pub fn moderated_after(
    conn: &mut AnyConnection,
    after: i64,
    site: Option<i64>,
) -> QueryResult<Vec<Moderated>> {
    type Row = (
        i64,
        i64,
        Status,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    );
    const PAGE: i64 = 500;
    let rows: Vec<Row> = native!(conn, c => {
        let mut query = comments::table
            .inner_join(posts::table)
            .filter(comments::id.gt(after))
            .filter(comments::status.eq_any([Status::Approved, Status::Spam]))
            .select((
                comments::id,
                posts::site_id,
                comments::status,
                comments::author,
                comments::email,
                comments::url,
                comments::body,
                comments::spam_clues,
                comments::spam_trained,
            ))
            .order(comments::id)
            .limit(PAGE)
            .into_boxed();
        if let Some(site) = site {
            query = query.filter(posts::site_id.eq(site));
        }
        query.load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(id, site_id, status, author, email, url, body, clues, trained)| Moderated {
                id,
                site_id,
                status,
                author,
                email,
                url,
                body,
                clues,
                trained: trained.as_deref().and_then(Side::parse),
            },
        )
        .collect())
}

/// Records which side a comment is learned as now.
pub fn mark_trained(conn: &mut AnyConnection, comment: i64, side: Option<Side>) -> QueryResult<()> {
    native!(conn, c => diesel::update(comments::table.find(comment))
        .set(comments::spam_trained.eq(side.map(Side::as_str)))
        .execute(c))
    .map(drop)
}

/// Stores clues worked out afterwards for a comment that arrived without
/// (imported, or stored before the filter).
pub fn set_clues(conn: &mut AnyConnection, comment: i64, clues: &str) -> QueryResult<()> {
    native!(conn, c => diesel::update(comments::table.find(comment))
        .set(comments::spam_clues.eq(clues))
        .execute(c))
    .map(drop)
}

/// Forgets everything `site` (every site with `None`) learned: the counts
/// go, every comment is learned as nothing, and the epoch moves so every
/// instance drops its copy.
pub fn reset(conn: &mut AnyConnection, site: Option<i64>) -> QueryResult<()> {
    native!(conn, c => {
        match site {
            Some(site) => {
                diesel::delete(spam_tokens::table.filter(spam_tokens::site_id.eq(site))).execute(c)?;
                diesel::update(spam_filters::table.filter(spam_filters::site_id.eq(site)))
                    .set(reset_columns())
                    .execute(c)?;
                let of_site = posts::table.filter(posts::site_id.eq(site)).select(posts::id);
                diesel::update(comments::table.filter(comments::post_id.eq_any(of_site)))
                    .filter(comments::spam_trained.is_not_null())
                    .set(comments::spam_trained.eq(None::<String>))
                    .execute(c)?;
            }
            None => {
                diesel::delete(spam_tokens::table).execute(c)?;
                diesel::update(spam_filters::table).set(reset_columns()).execute(c)?;
                diesel::update(comments::table)
                    .filter(comments::spam_trained.is_not_null())
                    .set(comments::spam_trained.eq(None::<String>))
                    .execute(c)?;
            }
        }
        Ok(())
    })
}

#[allow(clippy::type_complexity)]
fn reset_columns() -> (
    diesel::dsl::Eq<spam_filters::spam, i64>,
    diesel::dsl::Eq<spam_filters::ham, i64>,
    diesel::dsl::Eq<spam_filters::generation, diesel::dsl::Add<spam_filters::generation, i64>>,
    diesel::dsl::Eq<spam_filters::epoch, diesel::dsl::Add<spam_filters::epoch, i64>>,
) {
    (
        spam_filters::spam.eq(0),
        spam_filters::ham.eq(0),
        spam_filters::generation.eq(spam_filters::generation + 1),
        spam_filters::epoch.eq(spam_filters::epoch + 1),
    )
}

/// The next page of comments stored since `since` after id `after`, with
/// their posts, on `site` or every site: what `replydesk rules test` replays.
pub fn stored_since(
    conn: &mut AnyConnection,
    since: chrono::NaiveDateTime,
    after: i64,
    site: Option<i64>,
) -> QueryResult<Vec<(Comment, Post)>> {
    const PAGE: i64 = 500;
    native!(conn, c => {
        let mut query = comments::table
            .inner_join(posts::table)
            .filter(comments::created_at.ge(since))
            .filter(comments::id.gt(after))
            .filter(comments::kind.eq("comment"))
            .filter(comments::moderator_id.is_null())
            .select((Comment::as_select(), Post::as_select()))
            .order(comments::id)
            .limit(PAGE)
            .into_boxed();
        if let Some(site) = site {
            query = query.filter(posts::site_id.eq(site));
        }
        query.load(c)
    })
}

/// Whether the same name and e-mail had a published comment before comment
/// `before`: the trust-returning rule's question, asked again for a replay.
pub fn approved_before(
    conn: &mut AnyConnection,
    author: &str,
    email: &str,
    before: i64,
) -> QueryResult<bool> {
    native!(conn, c => diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::email.eq(email))
            .filter(comments::author.eq(author))
            .filter(comments::status.eq(Status::Approved))
            .filter(comments::id.lt(before)),
    ))
    .get_result(c))
}
