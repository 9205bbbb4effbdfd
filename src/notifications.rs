//! Which e-mails a change causes. Each is queued in the outbox inside the
//! change's own transaction, so a comment is never stored without its e-mails,
//! nor an e-mail queued for a change that was rolled back.

use crate::confirmation::{self, Request};
use crate::db::{self, AnyConnection, QueryResult, comments, outbox};
use crate::domain::address::AddressKeys;
use crate::domain::mail_kind::MailKind;

/// A comment just became public: its parent's author hears of the reply if they
/// subscribed, and (when the setting is on) its own author hears it is published.
/// Approving the same comment again queues nothing new.
///
/// Only to confirmed addresses, judged now: a reply published before its
/// parent's author confirmed is never mailed, not even once they do. A
/// subscribed parent whose address is not confirmed (one who subscribed
/// before confirmations existed, say) is asked to confirm instead, under the
/// usual limits.
pub fn comment_published(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
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
        if confirmation::is_confirmed(conn, keys, &parent.email)? {
            outbox::enqueue(conn, MailKind::Reply, Some(comment_id), &parent.email)?;
        } else {
            let request = Request {
                comment_id: parent.id,
                email: &parent.email,
                ip: parent.ip.as_deref(),
                now: db::now(),
            };
            confirmation::ask(conn, keys, request)?;
        }
    }
    if notify_author
        && !comment.email.is_empty()
        && confirmation::is_confirmed(conn, keys, &comment.email)?
        && !outbox::exists(conn, MailKind::Approved, comment_id, &comment.email)?
    {
        outbox::enqueue(conn, MailKind::Approved, Some(comment_id), &comment.email)?;
    }
    Ok(())
}
