//! Double opt-in: the first time an address asks for e-mail (reply
//! notifications, or the notice that its comment is published), it gets one
//! confirmation e-mail and nothing else until its link is followed. Asked
//! inside the caller's transaction, like every e-mail a change causes.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{AnyConnection, QueryResult, confirmations, outbox};
use crate::domain::address::AddressKeys;
use crate::domain::mail_kind::MailKind;

/// At most one confirmation e-mail per address in this long.
pub const PER_ADDRESS: TimeDelta = TimeDelta::hours(24);

/// How many addresses one IP may have sent a confirmation e-mail within
/// [`PER_ADDRESS`]: enough for a family or an office behind one address,
/// too few for anyone to use the blog to mail strangers in bulk.
pub const PER_IP: i64 = 10;

/// An unconfirmed request lasts this long after its last e-mail (which is
/// also how long the e-mailed link works); then it expires, and the
/// address's subscriptions go with it.
pub const LIFETIME: TimeDelta = TimeDelta::days(7);

/// What asking for a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// A confirmation e-mail is queued.
    Queued,
    /// Nothing to ask: the address is confirmed.
    AlreadyConfirmed,
    /// One was queued for this address less than a day ago, at this time.
    Recently(NaiveDateTime),
    /// The IP that asked already had [`PER_IP`] sent today.
    TooManyFromIp,
}

/// Who asks to confirm which address, about which comment.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The comment that asked; the e-mail names its post, and its link names it.
    pub comment_id: i64,
    pub email: &'a str,
    pub ip: Option<&'a str>,
    pub now: NaiveDateTime,
}

/// Queues a confirmation e-mail for `request.email` unless it is confirmed
/// or a limit stops it, and says which.
pub fn ask(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
    request: Request<'_>,
) -> QueryResult<Asked> {
    let Some(key) = keys.of(request.email) else {
        return Ok(Asked::AlreadyConfirmed);
    };
    let last_allowed = request.now - PER_ADDRESS;
    match confirmations::find(conn, &key)? {
        Some(standing) if standing.confirmed_at.is_some() => return Ok(Asked::AlreadyConfirmed),
        Some(standing) if standing.mailed_at > last_allowed => {
            return Ok(Asked::Recently(standing.mailed_at));
        }
        _ => {}
    }
    if let Some(ip) = request.ip
        && confirmations::mailed_for_ip_since(conn, ip, last_allowed, &key)? >= PER_IP
    {
        return Ok(Asked::TooManyFromIp);
    }
    if !confirmations::claim_mail(conn, &key, request.ip, request.now, last_allowed)? {
        // Another request for the same address won the moment.
        return Ok(match confirmations::find(conn, &key)? {
            Some(standing) if standing.confirmed_at.is_none() => {
                Asked::Recently(standing.mailed_at)
            }
            _ => Asked::AlreadyConfirmed,
        });
    }
    outbox::enqueue(
        conn,
        MailKind::Confirm,
        Some(request.comment_id),
        request.email,
    )?;
    Ok(Asked::Queued)
}

/// Whether `email` is confirmed; no address is never confirmed.
pub fn is_confirmed(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
    email: &str,
) -> QueryResult<bool> {
    match keys.of(email) {
        Some(key) => confirmations::is_confirmed(conn, &key),
        None => Ok(false),
    }
}
