//! Signed, expiring tokens for the links in e-mails: one names a comment and a
//! moderation action, another a subscription to switch off. Signed with the
//! instance secret, so nobody can forge a link to act on another comment.
//!
//! A moderation link is also bound to the moderator it was sent to and to the
//! comment as that moderator saw it, so it acts once on what the e-mail
//! showed: not again after someone else moved the comment on, and not at all
//! once its moderator is gone.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::moderation::Action;
use crate::domain::status::Status;

/// How long a moderation link works.
pub const MODERATION_LIFETIME: TimeDelta = TimeDelta::days(7);
/// How long an unsubscribe link works: long, since old e-mails get read late.
pub const UNSUBSCRIBE_LIFETIME: TimeDelta = TimeDelta::days(365);
/// How long an address confirmation link works: as long as the request it
/// answers is kept.
pub const CONFIRM_LIFETIME: TimeDelta = TimeDelta::days(7);

/// What a valid token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Moderate {
        comment_id: i64,
        action: Action,
        /// The moderator the e-mail went to.
        moderator_id: i64,
        /// The comment as the e-mail showed it.
        seen: Seen,
    },
    Unsubscribe {
        comment_id: i64,
    },
    /// Confirms the address of the comment that asked.
    Confirm {
        comment_id: i64,
    },
    /// Opens the self-service page of the address of this comment.
    Subscriptions {
        comment_id: i64,
    },
}

/// A comment's state when an e-mail about it was written: its status and the
/// moment of its last change, which every move and edit renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub status: Status,
    /// `updated_at` in microseconds, the precision both databases keep.
    pub changed_at: i64,
}

impl Seen {
    pub fn of(status: Status, updated_at: chrono::NaiveDateTime) -> Seen {
        Seen {
            status,
            changed_at: updated_at.and_utc().timestamp_micros(),
        }
    }
}

/// Why a token was refused, in words for the page that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadLink {
    #[error("This link is not valid. It may have been cut short or changed.")]
    Invalid,
    #[error("This link has expired.")]
    Expired,
}

/// The hex HMAC-SHA256 of `payload` under the instance secret; shared by every
/// signed token the instance hands out.
pub(crate) fn signature(secret: &[u8], payload: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(payload.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; an empty signature matches nothing.
        Err(_) => String::new(),
    }
}

/// A token for `grant`, valid until `now + lifetime`.
pub fn issue(secret: &[u8], grant: Grant, now: DateTime<Utc>) -> String {
    let payload = match grant {
        Grant::Moderate {
            comment_id,
            action,
            moderator_id,
            seen,
        } => format!(
            "m.{comment_id}.{}.{}.{moderator_id}.{}.{}",
            action.as_str(),
            (now + MODERATION_LIFETIME).timestamp(),
            seen.status.as_str(),
            seen.changed_at
        ),
        Grant::Unsubscribe { comment_id } => {
            format!(
                "u.{comment_id}.off.{}",
                (now + UNSUBSCRIBE_LIFETIME).timestamp()
            )
        }
        Grant::Confirm { comment_id } => format!(
            "c.{comment_id}.confirm.{}",
            (now + CONFIRM_LIFETIME).timestamp()
        ),
        Grant::Subscriptions { comment_id } => format!(
            "s.{comment_id}.list.{}",
            (now + UNSUBSCRIBE_LIFETIME).timestamp()
        ),
    };
    let sig = signature(secret, &payload);
    format!("{payload}.{sig}")
}

/// The payload of `PAYLOAD.SIGNATURE` when the signature is this instance's.
pub(crate) fn verified_payload<'t>(secret: &[u8], token: &'t str) -> Option<&'t str> {
    let (payload, sig) = token.rsplit_once('.')?;
    let expected = signature(secret, payload);
    // Compared in constant time: the signature is the only secret-derived input.
    let same = crate::login::same_token(sig, &expected);
    same.then_some(payload)
}

/// Checks a token's signature and age; a bad token is told apart from an old one.
pub fn check(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<Grant, BadLink> {
    let payload = verified_payload(secret, token).ok_or(BadLink::Invalid)?;
    let number = |text: &str| text.parse::<i64>().map_err(|_| BadLink::Invalid);
    let parts: Vec<&str> = payload.split('.').collect();
    let (purpose, id, action, expires, bound) = match parts[..] {
        [purpose, id, action, expires, ref bound @ ..] => (purpose, id, action, expires, bound),
        _ => return Err(BadLink::Invalid),
    };
    let comment_id = number(id)?;
    if now.timestamp() > number(expires)? {
        return Err(BadLink::Expired);
    }
    match (purpose, action, bound) {
        ("m", action, [moderator, status, changed_at]) => Ok(Grant::Moderate {
            comment_id,
            action: action.parse().map_err(|_| BadLink::Invalid)?,
            moderator_id: number(moderator)?,
            seen: Seen {
                status: status.parse().map_err(|_| BadLink::Invalid)?,
                changed_at: number(changed_at)?,
            },
        }),
        ("u", "off", []) => Ok(Grant::Unsubscribe { comment_id }),
        ("c", "confirm", []) => Ok(Grant::Confirm { comment_id }),
        ("s", "list", []) => Ok(Grant::Subscriptions { comment_id }),
        _ => Err(BadLink::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an instance secret of some length";

    fn seen() -> Seen {
        Seen {
            status: Status::Pending,
            changed_at: 1_800_000_000_123_456,
        }
    }

    #[test]
    fn a_token_grants_what_it_names() {
        let now = Utc::now();
        let grant = Grant::Moderate {
            comment_id: 42,
            action: Action::Approve,
            moderator_id: 3,
            seen: seen(),
        };
        assert_eq!(check(SECRET, &issue(SECRET, grant, now), now), Ok(grant));
        let off = Grant::Unsubscribe { comment_id: 7 };
        assert_eq!(check(SECRET, &issue(SECRET, off, now), now), Ok(off));
        let confirm = Grant::Confirm { comment_id: 8 };
        assert_eq!(
            check(SECRET, &issue(SECRET, confirm, now), now),
            Ok(confirm)
        );
        let list = Grant::Subscriptions { comment_id: 9 };
        assert_eq!(check(SECRET, &issue(SECRET, list, now), now), Ok(list));
    }

    #[test]
    fn a_confirmation_link_expires_after_a_week_and_names_only_its_purpose() {
        let then = Utc::now() - TimeDelta::days(8);
        let old = issue(SECRET, Grant::Confirm { comment_id: 1 }, then);
        assert_eq!(check(SECRET, &old, Utc::now()), Err(BadLink::Expired));
        let now = Utc::now();
        let list = issue(SECRET, Grant::Subscriptions { comment_id: 1 }, now);
        let as_confirm = list.replacen("s.1.list.", "c.1.confirm.", 1);
        assert_eq!(check(SECRET, &as_confirm, now), Err(BadLink::Invalid));
    }

    #[test]
    fn a_changed_or_foreign_token_is_invalid() {
        let now = Utc::now();
        let token = issue(
            SECRET,
            Grant::Moderate {
                comment_id: 42,
                action: Action::Spam,
                moderator_id: 3,
                seen: seen(),
            },
            now,
        );
        let forged = token.replacen("m.42.", "m.43.", 1);
        assert_eq!(check(SECRET, &forged, now), Err(BadLink::Invalid));
        let rebound = token.replacen(".3.pending.", ".4.pending.", 1);
        assert_ne!(rebound, token);
        assert_eq!(check(SECRET, &rebound, now), Err(BadLink::Invalid));
        assert_eq!(check(b"another secret", &token, now), Err(BadLink::Invalid));
        // A link of the form before links were bound, signed all the same.
        let unbound = format!("m.1.approve.{}", now.timestamp() + 60);
        let unbound = format!("{unbound}.{}", signature(SECRET, &unbound));
        assert_eq!(check(SECRET, &unbound, now), Err(BadLink::Invalid));
        for junk in ["", ".", "m.1.approve.9", "x.y.z.w.v", &"a".repeat(5000)] {
            assert_eq!(check(SECRET, junk, now), Err(BadLink::Invalid), "{junk}");
        }
    }

    #[test]
    fn a_moderation_link_expires_after_a_week() {
        let then = Utc::now() - TimeDelta::days(8);
        let token = issue(
            SECRET,
            Grant::Moderate {
                comment_id: 1,
                action: Action::Trash,
                moderator_id: 3,
                seen: seen(),
            },
            then,
        );
        assert_eq!(check(SECRET, &token, Utc::now()), Err(BadLink::Expired));
    }
}
