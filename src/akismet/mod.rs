//! Akismet, an optional spam check: held comments are asked about off the
//! request path, and moderators' decisions are reported back. On only when
//! `REPLYDESK_AKISMET_KEY` is set; otherwise nothing here runs and nothing
//! leaves the server.
//!
//! Akismet only ever moves a held comment to spam, through the one
//! moderation service; it never publishes one. Whatever goes wrong with it
//! leaves the comment held for a moderator.

pub mod client;
pub mod worker;

use url::Url;

use crate::db::akismet_queue::{self, Subject};
use crate::db::{AnyConnection, QueryResult};
use crate::domain::akismet::{Job, Verdict};
use crate::domain::moderation::Action;
use crate::domain::status::Status;
use crate::sites::Directory;

/// Who the audit log names for Akismet's moves.
pub const ACTOR: &str = "Akismet";

/// Reports a moderator's decision on comment `id` (moved `from` → `to` by
/// `action`) to Akismet, in the decision's transaction: spam Akismet had not
/// called spam goes back as `submit-spam`; a comment it had called spam that
/// a moderator takes out of spam ("not spam", or approving it from there)
/// goes back as `submit-ham`. Akismet's own move to spam finds its verdict
/// already spam, so it is not reported back to it. Costs nothing when
/// Akismet is off.
pub fn after_decision(
    conn: &mut AnyConnection,
    sites: &Directory,
    id: i64,
    action: Action,
    (from, to): (Status, Option<Status>),
) -> QueryResult<()> {
    if !sites.akismet() {
        return Ok(());
    }
    let job = match (action, from, to) {
        (Action::Spam, _, Some(Status::Spam)) => Job::SubmitSpam,
        (
            Action::NotSpam | Action::Approve,
            Status::Spam,
            Some(Status::Pending | Status::Approved),
        ) => Job::SubmitHam,
        _ => return Ok(()),
    };
    let said_spam = akismet_queue::verdict_of(conn, id)? == Some(Verdict::Spam);
    let news = match job {
        Job::SubmitSpam => !said_spam,
        Job::SubmitHam => said_spam,
        Job::Check => false,
    };
    if news {
        akismet_queue::enqueue(conn, id, job)?;
    }
    Ok(())
}

/// The fields Akismet's documentation lists for a comment, by its names:
/// the same for a check and for a report.
pub fn fields(subject: &Subject, blog: &str) -> Vec<(&'static str, String)> {
    let comment_type = match subject.kind.as_str() {
        kind @ ("pingback" | "trackback") => kind,
        _ => "comment",
    };
    vec![
        ("blog", blog.to_owned()),
        ("user_ip", subject.ip.clone().unwrap_or_default()),
        ("user_agent", subject.user_agent.clone()),
        ("permalink", subject.post_url.clone()),
        ("comment_type", comment_type.to_owned()),
        ("comment_author", subject.author.clone()),
        ("comment_author_email", subject.email.clone()),
        ("comment_author_url", subject.url.clone()),
        ("comment_content", subject.body.clone()),
        (
            "comment_date_gmt",
            subject
                .created_at
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ),
        ("blog_charset", "UTF-8".to_owned()),
    ]
}

/// The `blog` Akismet is told: the front page of the comment's site (its
/// first origin), else the origin of the post's URL, else this server.
pub fn blog_of(sites: &Directory, subject: &Subject, public_url: &Url) -> String {
    if let Some(origin) = sites
        .by_id(subject.site_id)
        .and_then(|site| site.origins.origins().first())
    {
        return origin.to_string();
    }
    Url::parse(&subject.post_url)
        .ok()
        .map(|url| url.origin())
        .filter(url::Origin::is_tuple)
        .map_or_else(
            || public_url.origin().ascii_serialization(),
            |origin| origin.ascii_serialization(),
        )
}
