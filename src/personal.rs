//! Personal data, as GDPR asks: everything stored about an address, and
//! erasing it the way WordPress's eraser does (the comment stays, its author
//! becomes "Anonymous"), with an audit entry for each comment touched.

use serde::Serialize;

use crate::db::{self, AnyConnection, audit, comments, confirmations, outbox, posts};
use crate::domain::address::AddressKeys;
use crate::domain::email::EmailAddress;
use crate::domain::mail_kind::MailKind;
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
    /// The texts the author's own edits replaced, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_texts: Vec<String>,
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

/// What is kept of the address's confirmation (stored under a key of the
/// address, not the address).
#[derive(Debug, Serialize)]
pub struct StoredConfirmation {
    pub last_mailed_at: String,
    pub confirmed_at: Option<String>,
}

/// Everything stored about one address.
#[derive(Debug, Serialize)]
pub struct Export {
    pub email: String,
    pub comments: Vec<StoredComment>,
    pub emails: Vec<StoredEmail>,
    pub confirmation: Option<StoredConfirmation>,
}

pub fn export(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
    email: &str,
) -> Result<Export, AppError> {
    let email = EmailAddress::as_given(email).into_string();
    let confirmation = match keys.of(&email) {
        Some(key) => confirmations::find(conn, &key)?.map(|standing| StoredConfirmation {
            last_mailed_at: timestamp(standing.mailed_at),
            confirmed_at: standing.confirmed_at.map(timestamp),
        }),
        None => None,
    };
    let mut stored = Vec::new();
    for c in comments::by_email(conn, &email)? {
        let post = posts::find(conn, c.post_id)?;
        let earlier_texts = db::comment_versions::for_comments(conn, &[c.id])?
            .into_iter()
            .map(|version| version.body)
            .collect();
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
            earlier_texts,
            status: c.status.to_string(),
            subscribed_to_replies: c.subscribed,
            created_at: timestamp(c.created_at),
        });
    }
    let emails = outbox::for_recipient(conn, &email)?
        .into_iter()
        .map(|mail| StoredEmail {
            kind: mail.kind.map_or("", MailKind::as_str).to_owned(),
            about_comment: mail.comment_id,
            queued_at: timestamp(mail.created_at),
            sent_at: mail.sent_at.map(timestamp),
        })
        .collect();
    Ok(Export {
        email,
        comments: stored,
        emails,
        confirmation,
    })
}

/// What stands in for a forgotten address wherever text quoted it.
pub const FORGOTTEN_ADDRESS: &str = "[a forgotten address]";

/// What `forget` touched.
#[derive(Debug, Clone, Default)]
pub struct Forgotten {
    /// The comments anonymized, by id.
    pub comments: Vec<i64>,
    /// Rule reasons and audit entries that quoted the address (a moderation
    /// or disallowed key, say), now without it.
    pub texts_scrubbed: usize,
}

/// Anonymizes every comment by `email` (and removes its text when asked),
/// takes the address out of every rule reason and audit entry that quotes it,
/// and forgets the e-mails queued to it and its confirmation (so it would be
/// asked to confirm again), in the caller's one write.
pub fn forget(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
    email: &str,
    delete_text: bool,
) -> Result<Forgotten, AppError> {
    let email = EmailAddress::as_given(email).into_string();
    if email.is_empty() {
        return Err(AppError::field("email", "Name the address to forget."));
    }
    let found = comments::by_email(conn, &email)?;
    for c in &found {
        comments::anonymize(conn, c.id, delete_text.then_some(REMOVED_TEXT))?;
        if delete_text {
            // The texts the commenter's own edits replaced are their text too.
            crate::db::comment_versions::delete_for(conn, c.id)?;
        }
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
                from_status: Some(c.status.as_str()),
                to_status: c.status.as_str(),
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
    if let Some(key) = keys.of(&email) {
        confirmations::forget(conn, &key)?;
    }
    let texts_scrubbed = scrub(conn, &email)?;
    Ok(Forgotten {
        comments: found.iter().map(|c| c.id).collect(),
        texts_scrubbed,
    })
}

/// Replaces the address, in any case, wherever a rule reason or an audit
/// entry quotes it; says how many texts changed.
fn scrub(conn: &mut AnyConnection, email: &str) -> Result<usize, AppError> {
    let mut changed = 0;
    for (id, reasons) in comments::reasons_mentioning(conn, email)? {
        if let Some(clean) = without(&reasons, email) {
            comments::set_reasons(conn, id, &clean)?;
            changed += 1;
        }
    }
    for (id, actor, reason) in audit::mentioning(conn, email)? {
        let actor = without(&actor, email);
        let reason = without(&reason, email);
        if actor.is_some() || reason.is_some() {
            audit::rewrite(conn, id, actor.as_deref(), reason.as_deref())?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// `text` with every occurrence of `needle` (compared without case) replaced;
/// `None` when there is none.
fn without(text: &str, needle: &str) -> Option<String> {
    let lower = text.to_lowercase();
    // Lower-casing can change a text's length (a few letters outside ASCII);
    // then the positions would not line up, and the whole text is replaced.
    if lower.len() != text.len() {
        return lower
            .contains(needle)
            .then(|| lower.replace(needle, FORGOTTEN_ADDRESS));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower.match_indices(needle) {
        out.push_str(&text[rest..at]);
        out.push_str(FORGOTTEN_ADDRESS);
        rest = at + needle.len();
    }
    (rest > 0).then(|| {
        out.push_str(&text[rest..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_replaced_in_any_case_and_nothing_else_changes() {
        assert_eq!(
            without(
                r#"it contains the moderation key "Leak@Example.com""#,
                "leak@example.com"
            )
            .as_deref(),
            Some(r#"it contains the moderation key "[a forgotten address]""#)
        );
        assert_eq!(without("every comment is held", "leak@example.com"), None);
        assert_eq!(
            without("a@b.c and A@B.C", "a@b.c").as_deref(),
            Some("[a forgotten address] and [a forgotten address]")
        );
    }
}
