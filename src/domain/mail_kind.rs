//! Which e-mail an outbox row is: the worker writes the message from it when
//! it sends it.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// Asks a moderator to look at a held comment.
    Moderate,
    /// Tells a subscribed commenter that someone replied.
    Reply,
    /// Tells a commenter that their comment is published.
    Approved,
    /// The test e-mail the admin mail page sends.
    Test,
    /// Asks a commenter to confirm their address before anything else is sent to it.
    Confirm,
}

impl MailKind {
    pub const ALL: [MailKind; 5] = [
        MailKind::Moderate,
        MailKind::Reply,
        MailKind::Approved,
        MailKind::Test,
        MailKind::Confirm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Moderate => "moderate",
            MailKind::Reply => "reply",
            MailKind::Approved => "approved",
            MailKind::Test => "test",
            MailKind::Confirm => "confirm",
        }
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored kind that is not one of the five: rows queued before kinds
/// existed have an empty one.
#[derive(Debug, thiserror::Error)]
#[error("unknown e-mail kind {0:?}; the kinds are moderate, reply, approved, test and confirm")]
pub struct UnknownMailKind(String);

impl FromStr for MailKind {
    type Err = UnknownMailKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MailKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownMailKind(s.to_owned()))
    }
}
