//! Which e-mails a change causes. Each is queued in the outbox inside the
//! change's own transaction, so a comment is never stored without its e-mails,
//! nor an e-mail queued for a change that was rolled back.

use crate::db::{AnyConnection, QueryResult, comments, outbox};
use crate::domain::mail_kind::MailKind;

/// A comment just became public: its parent's author hears of the reply if they
/// subscribed, and (when the setting is on) its own author hears it is published.
/// Approving the same comment again queues nothing new.
pub fn comment_published(
    conn: &mut AnyConnection,
    comment_id: i64,
    notify_author: bool,
) -> QueryResult<()> {
    let Some(comment) = comments::find(conn, comment_id)? else {
        return Ok(());
    };
    if let Some(parent_id) = comment.parent_id
        && let Some(parent) = comments::find(conn, parent_id)?
        && parent.subscribed
        && !parent.email.is_empty()
        && parent.email != comment.email
        && !outbox::exists(conn, MailKind::Reply, comment_id, &parent.email)?
    {
        outbox::enqueue(conn, MailKind::Reply, Some(comment_id), &parent.email)?;
    }
    if notify_author
        && !comment.email.is_empty()
        && !outbox::exists(conn, MailKind::Approved, comment_id, &comment.email)?
    {
        outbox::enqueue(conn, MailKind::Approved, Some(comment_id), &comment.email)?;
    }
    Ok(())
}
