//! What the database knows of a sender's past, asked by every submission
//! before the reply rules judge it: whether they said the same before, when
//! they last wrote, whether they were ever approved. Each is one bounded probe
//! of an index, so a submission costs the same from a first-time commenter
//! and from an address with a hundred thousand comments
//! (docs/performance.md, "Comment indexes and checks").

use chrono::NaiveDateTime;
use diesel::dsl::{exists, max, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Timestamp};

use super::posts::Post;
use super::schema::{address_confirmations, comments, moderators, posts};
use super::{AnyConnection, stored_settings};
use crate::domain::status::Status;
use crate::domain::text_hash;

diesel::define_sql_function!(
    /// SQL's `lower()`, on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// The statuses in which an earlier comment makes a new one a duplicate:
/// every one but the trash, as in WordPress.
const KEPT: [Status; 3] = [Status::Pending, Status::Approved, Status::Spam];

/// A new comment's sender and words, as the reply rules ask about their past.
#[derive(Debug)]
pub struct Probe<'a> {
    /// The post the comment is for, by its site and the blog's key.
    pub site_id: i64,
    pub post_key: &'a str,
    pub parent_id: Option<i64>,
    pub author: &'a str,
    /// Empty for an anonymous reader, who is then known by name only.
    pub email: &'a str,
    pub body: &'a str,
    pub ip: Option<&'a str>,
    /// The start of the flood rule's window; `None` when the rule is off.
    pub since: Option<NaiveDateTime>,
    /// Whether returning commenters are trusted, so their history matters.
    pub trust_returning: bool,
    /// The key of `email` (`domain::address`), under which its confirmation
    /// is stored; `None` without an email.
    pub address_key: Option<&'a str>,
}

/// What the database knows of a sender's past, for the reply rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    /// The same person already left the same words in the same place.
    pub duplicate: bool,
    /// Their newest comment inside the flood rule's window, by IP or email.
    pub last_in_window: Option<NaiveDateTime>,
    /// Their email already has an approved comment, is confirmed, and is
    /// no moderator's: a returning commenter to trust (only asked when
    /// returning commenters are trusted).
    pub has_approved: bool,
}

/// Everything a submission reads before the rules judge it.
#[derive(Debug)]
pub struct Arriving {
    pub post: Post,
    /// The version of the stored rule settings, read in the same snapshot.
    pub rules_version: i64,
    pub history: History,
}

/// The post, the rules version, whether the words are a duplicate, the last
/// comment by IP and by email, and, only asked when returning commenters are
/// trusted, the text hash of any approved comment by the email, whether the
/// email is confirmed and whether it is a moderator's.
type Row = (
    Post,
    (
        Option<String>,
        bool,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
    (Option<NaiveDateTime>, bool, bool),
);

/// Builds the statement `arriving` runs for `$probe` and hands it to `$run`
/// on the backend's own connection: a macro, because the statement's type
/// differs with the backend and with the returning-commenter rule, and the
/// plan tests explain the very statement the server runs.
macro_rules! checks {
    ($conn:expr, $probe:expr, |$c:ident, $statement:ident| $run:expr) => {{
        let probe: &Probe<'_> = $probe;
        let email = Some(probe.email).filter(|e| !e.is_empty());
        let (flood_ip, flood_email) = match probe.since {
            Some(_) => (probe.ip, email),
            None => (None, None),
        };
        let words = text_hash::of(probe.body);
        let parent = probe.parent_id.into_sql::<Nullable<BigInt>>();
        let same_parent = comments::parent_id
            .eq(parent)
            .or(comments::parent_id.is_null().and(parent.is_null()));
        // One probe per status that counts, each an equality: as one
        // `status = ANY($n)`, PostgreSQL's generic plan left the status out
        // of the index condition and walked every comment of the address
        // (18–28 ms for a commenter with 75,000 of them).
        let same_words_by_email_in = |status: Status| {
            exists(
                comments::table
                    .filter(comments::email.nullable().eq(email))
                    .filter(comments::status.eq(status))
                    .filter(comments::body_hash.eq(words))
                    .filter(comments::post_id.eq(posts::id))
                    .filter(comments::body.eq(probe.body))
                    .filter(same_parent),
            )
        };
        let [pending, approved, spam] = KEPT.map(same_words_by_email_in);
        let same_words_by_name = exists(
            comments::table
                .filter(comments::post_id.eq(posts::id))
                .filter(comments::author.eq(probe.author))
                .filter(comments::body_hash.eq(words))
                .filter(comments::status.ne(Status::Trash))
                .filter(comments::body.eq(probe.body))
                .filter(same_parent),
        );
        let duplicate = pending.or(approved).or(spam).or(same_words_by_name);
        let last_by_ip = comments::table
            .filter(comments::ip.eq(flood_ip))
            .select(max(comments::created_at))
            .single_value();
        let last_by_email = comments::table
            .filter(comments::email.nullable().eq(flood_email))
            .select(max(comments::created_at))
            .single_value();
        let post = posts::table
            .filter(posts::site_id.eq(probe.site_id))
            .filter(posts::post_key.eq(probe.post_key));
        let version = stored_settings::rules_version_query().single_value();
        let checks = (version, duplicate, last_by_ip, last_by_email);
        // Asked only when it matters: a generic plan cannot know that a
        // `NULL` email matches nothing (docs/performance.md, "Comment indexes
        // and checks"), so without the rule the column is a bound `NULL`.
        match email.filter(|_| probe.trust_returning) {
            Some(trusted) => {
                // An approved comment under the address and the name, as
                // WordPress's rule asks: the first entry of the partial
                // index `comments_approved_email_author` under both keys,
                // in the order only that index keeps (`updated_at`), so
                // reading stops at one entry. Its predicate is written out,
                // not bound, so both planners see that the index applies.
                // As an `EXISTS`, PostgreSQL's planner, seeing how common
                // approved comments are, scanned the table; ordered by `id`,
                // it walked the primary key past a spammer's 60,000
                // comments; as a `min`, its generic plan read every entry
                // under both keys (a prolific commenter's approved comments,
                // on each new one).
                let approved = comments::table
                    .filter(comments::email.eq(trusted))
                    .filter(comments::author.eq(probe.author))
                    .filter(sql::<Bool>("comments.status = 'approved'"))
                    .select(comments::updated_at)
                    .order(comments::updated_at)
                    .single_value();
                // One primary-key probe: an address is trusted only once
                // its owner proved it is theirs.
                let confirmed = exists(
                    address_confirmations::table
                        .filter(address_confirmations::address_key.nullable().eq(probe.address_key))
                        .filter(address_confirmations::confirmed_at.is_not_null()),
                );
                // Moderators' replies are stored under their addresses, so
                // typing one would otherwise earn a stranger their trust.
                // The table holds a handful of rows; any spelling counts.
                let moderator = exists(
                    moderators::table.filter(lower(moderators::email).eq(trusted.to_lowercase())),
                );
                native!($conn, $c => {
                    let $statement = post.select((
                        Post::as_select(),
                        checks,
                        (approved, confirmed, moderator),
                    ));
                    $run
                })
            }
            None => native!($conn, $c => {
                let unasked = (
                    None::<NaiveDateTime>.into_sql::<Nullable<Timestamp>>(),
                    false.into_sql::<Bool>(),
                    false.into_sql::<Bool>(),
                );
                let $statement = post.select((Post::as_select(), checks, unasked));
                $run
            }),
        }
    }};
}

#[cfg(test)]
mod plans;

/// The post, the rules version and the duplicate, flood and
/// returning-commenter checks in one statement, so a submission pays one
/// round trip for all of them (docs/performance.md, "PostgreSQL submission
/// round trips"). `None` when the post does not exist yet.
///
/// - Duplicates (WordPress's rule: the same post, parent, words, and author
///   or email; trashed comments do not count): two probes, by email through
///   `comments_email_status_text (email, status, body_hash, post_id)` and by
///   name through `comments_post_author_text (post_id, author, body_hash)`.
///   Either finds only that person's comments with the same words on this
///   post, whatever else they wrote. Without an email only the name counts:
///   two anonymous readers may well say the same thing.
/// - Flooding: the newest comment from the IP and from the email, each the
///   last entry of `comments_ip_created` or `comments_email_created` under
///   that key (a `max` both backends answer from the index's end), compared
///   with the window here.
/// - Returning commenters: the first approved comment under the email and
///   name, the first entry of `comments_approved_email_author`; the
///   address's confirmation, by its primary key; and whether any moderator
///   has the address (a handful of rows).
///
/// A flood or duplicate probe that does not apply (no IP, no email, the rule
/// off) compares its column with `NULL`, which matches nothing and costs one
/// probe that finds nothing, so submissions share one prepared statement.
pub fn arriving(conn: &mut AnyConnection, probe: &Probe<'_>) -> QueryResult<Option<Arriving>> {
    let found: Option<Row> = checks!(conn, probe, |c, statement| statement
        .get_result::<Row>(c)
        .optional())?;
    Ok(found.map(
        |(post, (version, duplicate, by_ip, by_email), (approved, confirmed, moderator))| {
            Arriving {
                post,
                rules_version: stored_settings::parse_rules_version(version),
                history: History {
                    duplicate,
                    last_in_window: by_ip
                        .max(by_email)
                        .filter(|last| probe.since.is_some_and(|since| *last > since)),
                    has_approved: approved.is_some() && confirmed && !moderator,
                },
            }
        },
    ))
}
