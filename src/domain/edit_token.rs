//! The token that lets a commenter edit or delete their own comment for a
//! while after writing it. It is stateless: an HMAC binding the comment's id
//! and the moment it was written, under a key of its own derived from the
//! instance secret, so it can never pass for any other signed token (an
//! e-mailed link, a form token) nor they for it. It does not carry the
//! window: that is judged from the stored `created_at` and the setting in
//! force, so shortening the window applies to tokens already handed out.

use chrono::NaiveDateTime;

use crate::domain::token::signature;

/// The label the edit tokens' key is derived under.
const KEY_LABEL: &str = "replydesk edit token key v1";
/// Longer than any token this instance issues; anything longer is not one.
const MAX_LENGTH: usize = 128;

/// The comment a valid token names, and when it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditGrant {
    pub comment_id: i64,
    /// The comment's `created_at` in microseconds, the precision both
    /// databases keep.
    pub written_at: i64,
}

impl EditGrant {
    pub fn new(comment_id: i64, created_at: NaiveDateTime) -> Self {
        EditGrant {
            comment_id,
            written_at: created_at.and_utc().timestamp_micros(),
        }
    }

    /// When the comment was written, as the token says.
    pub fn written(&self) -> Option<NaiveDateTime> {
        chrono::DateTime::from_timestamp_micros(self.written_at).map(|at| at.naive_utc())
    }
}

/// Why a token was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadEditToken {
    /// Not shaped like an edit token at all: as good as none.
    Malformed,
    /// Shaped like one, but not signed by this instance: changed or made up.
    Forged,
}

fn key(secret: &[u8]) -> String {
    signature(secret, KEY_LABEL)
}

fn payload(grant: EditGrant) -> String {
    format!("{}.{}", grant.comment_id, grant.written_at)
}

/// The token for a comment, as the answer to its submission carries it.
pub fn issue(secret: &[u8], grant: EditGrant) -> String {
    let payload = payload(grant);
    let sig = signature(key(secret).as_bytes(), &format!("edit.{payload}"));
    format!("{payload}.{sig}")
}

/// Reads a token and checks its signature.
pub fn check(secret: &[u8], token: &str) -> Result<EditGrant, BadEditToken> {
    if token.is_empty() || token.len() > MAX_LENGTH || !token.is_ascii() {
        return Err(BadEditToken::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(id), Some(at), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BadEditToken::Malformed);
    };
    let (Ok(comment_id), Ok(written_at)) = (id.parse::<i64>(), at.parse::<i64>()) else {
        return Err(BadEditToken::Malformed);
    };
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BadEditToken::Malformed);
    }
    let grant = EditGrant {
        comment_id,
        written_at,
    };
    let expected = signature(key(secret).as_bytes(), &format!("edit.{}", payload(grant)));
    // Compared in constant time: the signature is the only secret-derived input.
    let same = crate::login::same_token(sig, &expected);
    if same {
        Ok(grant)
    } else {
        Err(BadEditToken::Forged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an instance secret of some length";

    fn grant() -> EditGrant {
        EditGrant {
            comment_id: 42,
            written_at: 1_800_000_000_123_456,
        }
    }

    #[test]
    fn a_token_names_its_comment_and_when_it_was_written() {
        let token = issue(SECRET, grant());
        assert_eq!(check(SECRET, &token), Ok(grant()));
        assert_eq!(
            grant().written().map(|at| at.and_utc().timestamp_micros()),
            Some(grant().written_at)
        );
    }

    #[test]
    fn a_changed_or_foreign_token_is_forged_and_junk_is_malformed() {
        let token = issue(SECRET, grant());
        let other = token.replacen("42.", "43.", 1);
        assert_eq!(check(SECRET, &other), Err(BadEditToken::Forged));
        assert_eq!(check(b"another secret", &token), Err(BadEditToken::Forged));
        // The key is its own: a signature under the bare secret is not one.
        let payload = payload(grant());
        let bare = format!(
            "{payload}.{}",
            signature(SECRET, &format!("edit.{payload}"))
        );
        assert_eq!(check(SECRET, &bare), Err(BadEditToken::Forged));
        for junk in [
            "",
            ".",
            "1.2",
            "a.b.c",
            "1.2.zz",
            &"a".repeat(500),
            "1.2.3.4",
        ] {
            assert_eq!(check(SECRET, junk), Err(BadEditToken::Malformed), "{junk}");
        }
    }
}
