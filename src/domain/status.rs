//! The moderation states a comment moves between.

use std::fmt;
use std::str::FromStr;

/// Where a comment stands; only `Approved` is ever shown to readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Approved,
    Spam,
    Trash,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Approved,
        Status::Spam,
        Status::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Spam => "spam",
            Status::Trash => "trash",
        }
    }

    /// What the commenter is told: silent spam looks like an ordinary held comment,
    /// so a spammer learns nothing from the answer.
    pub fn as_told_to_author(self) -> Status {
        match self {
            Status::Approved => Status::Approved,
            _ => Status::Pending,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored status text that is not one of the four.
#[derive(Debug, thiserror::Error)]
#[error("unknown comment status {0:?}; the statuses are pending, approved, spam and trash")]
pub struct UnknownStatus(String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}
