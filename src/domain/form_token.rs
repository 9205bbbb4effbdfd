//! The signed render-time token `/embed.js` puts in its form, for the time-trap
//! rule, the one after the honeypot: a form sent back faster than a person could fill
//! it in was filled in by a program.
//!
//! The token is `r.UNIX_MILLIS.HMAC`, signed with the instance secret, so a
//! robot cannot backdate it. A token that is garbled, forged or signed by
//! another secret is treated as no token at all: the rule is then not judged,
//! exactly as for a plain form without JavaScript, so a broken token never
//! costs a person their comment.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::token::{signature, verified_payload};

/// Longer input is not a token of ours; refused before any hashing.
const MAX_TOKEN_CHARS: usize = 200;

/// How long a token vouches for its render time. A robot that fetched one
/// token cannot keep sending it back to look like a reader who took their
/// time; a person who left the page open longer than this is judged as a
/// plain form is, by the other rules.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(24);

/// A token saying "the form was shown at `now`".
pub fn issue(secret: &[u8], now: DateTime<Utc>) -> String {
    let payload = format!("r.{}", now.timestamp_millis());
    let sig = signature(secret, &payload);
    format!("{payload}.{sig}")
}

/// When the form was shown, if `token` is one of ours and younger than
/// `MAX_AGE` at `now`; `None` for anything else.
pub fn rendered_at(secret: &[u8], token: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let payload = verified_payload(secret, token.trim())?;
    let millis: i64 = payload.strip_prefix("r.")?.parse().ok()?;
    DateTime::from_timestamp_millis(millis).filter(|at| now - *at <= MAX_AGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::moderation::Action;
    use crate::domain::token::{self, Grant};

    const SECRET: &[u8] = b"an instance secret of some length";

    #[test]
    fn a_token_gives_back_its_render_time_to_the_millisecond() {
        let now = Utc::now();
        let at = rendered_at(SECRET, &issue(SECRET, now), now).expect("ours");
        assert_eq!(at.timestamp_millis(), now.timestamp_millis());
    }

    #[test]
    fn a_token_older_than_a_day_counts_as_none() {
        let then = Utc::now() - MAX_AGE - TimeDelta::seconds(1);
        let token = issue(SECRET, then);
        assert_eq!(rendered_at(SECRET, &token, Utc::now()), None);
        assert!(rendered_at(SECRET, &token, then + MAX_AGE - TimeDelta::seconds(1)).is_some());
    }

    #[test]
    fn a_backdated_foreign_or_garbled_token_counts_as_none() {
        let now = Utc::now();
        let token = issue(SECRET, now);
        let (payload, sig) = token.rsplit_once('.').expect("two parts");
        let backdated = format!("r.{}.{sig}", now.timestamp_millis() - 60_000);
        assert_ne!(payload, backdated);
        assert_eq!(rendered_at(SECRET, &backdated, now), None);
        assert_eq!(rendered_at(b"another secret", &token, now), None);
        let moderation = token::issue(
            SECRET,
            Grant::Moderate {
                comment_id: 1,
                action: Action::Approve,
                moderator_id: 1,
                seen: token::Seen {
                    status: crate::domain::status::Status::Pending,
                    changed_at: 0,
                },
            },
            now,
        );
        assert_eq!(rendered_at(SECRET, &moderation, now), None);
        for junk in ["", ".", "r.1", "r.x.y", &"a".repeat(5000)] {
            assert_eq!(rendered_at(SECRET, junk, now), None, "{junk}");
        }
    }
}
