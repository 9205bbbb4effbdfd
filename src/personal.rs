//! Personal data, as GDPR asks: everything stored about an address, and
//! erasing it the way WordPress's eraser does (the comment stays, its author
//! becomes "Anonymous"), with an audit entry for each comment touched.

use serde::Serialize;

use crate::db::{self, AnyConnection, audit, comments, outbox, posts, write_transaction};
use crate::error::AppError;

fn timestamp(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What replaces a comment's text when its author asks for that too.
pub const REMOVED_TEXT: &str = "This comment was removed at its author's request.";

#[derive(Debug, Serialize)]
pub struct StoredComment {
    pub id: i64,
    pub post: String,
    pub post_url: String,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub text: String,
    pub status: String,
    pub subscribed_to_replies: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct StoredEmail {
    pub kind: String,
    pub about_comment: Option<i64>,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

/// Everything stored about one address.
#[derive(Debug, Serialize)]
pub struct Export {
    pub email: String,
    pub comments: Vec<StoredComment>,
    pub emails: Vec<StoredEmail>,
}

/// Addresses are stored lower-cased, so they are looked up the same way.
pub fn normalize(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn export(conn: &mut AnyConnection, email: &str) -> Result<Export, AppError> {
    let email = normalize(email);
    let mut stored = Vec::new();
    for c in comments::by_email(conn, &email)? {
        let post = posts::find(conn, c.post_id)?;
        stored.push(StoredComment {
            id: c.id,
            post: post.post_key,
            post_url: post.url,
            author: c.author,
            email: c.email,
            url: c.url,
            ip: c.ip,
            user_agent: c.user_agent,
            text: c.body,
            status: c.status,
            subscribed_to_replies: c.subscribed,
            created_at: timestamp(c.created_at),
        });
    }
    let emails = outbox::for_recipient(conn, &email)?
        .into_iter()
        .map(|mail| StoredEmail {
            kind: mail.kind,
            about_comment: mail.comment_id,
            queued_at: timestamp(mail.created_at),
            sent_at: mail.sent_at.map(timestamp),
        })
        .collect();
    Ok(Export {
        email,
        comments: stored,
        emails,
    })
}

/// Anonymizes every comment by `email` (and removes its text when asked) and
/// forgets the e-mails sent to it, in one transaction; returns the comment count.
pub fn forget(conn: &mut AnyConnection, email: &str, delete_text: bool) -> Result<usize, AppError> {
    let email = normalize(email);
    if email.is_empty() {
        return Err(AppError::field("email", "Name the address to forget."));
    }
    write_transaction(conn, |conn| {
        let found = comments::by_email(conn, &email)?;
        for c in &found {
            comments::anonymize(conn, c.id, delete_text.then_some(REMOVED_TEXT))?;
            let reason = if delete_text {
                "personal data and text erased at the author's request"
            } else {
                "personal data erased at the author's request"
            };
            audit::record(
                conn,
                &audit::NewEntry {
                    comment_id: Some(c.id),
                    actor: "forget",
                    from_status: Some(&c.status),
                    to_status: &c.status,
                    reason,
                    created_at: db::now(),
                },
            )?;
        }
        let mut touched: Vec<i64> = found.iter().map(|c| c.post_id).collect();
        touched.sort_unstable();
        touched.dedup();
        for post in touched {
            posts::bump_version(conn, post)?;
        }
        outbox::delete_for_recipient(conn, &email)?;
        Ok(found.len())
    })
}
