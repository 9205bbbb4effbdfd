//! What a moderator can do to a comment, and where each action leads.
//!
//! Spam and trash remember the status a comment came from, so "not spam" and
//! "restore" put it back where it was, as WordPress does.

use std::fmt;
use std::str::FromStr;

use crate::domain::status::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Approve,
    Unapprove,
    Spam,
    NotSpam,
    Trash,
    Restore,
    Delete,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Approve,
        Action::Unapprove,
        Action::Spam,
        Action::NotSpam,
        Action::Trash,
        Action::Restore,
        Action::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Unapprove => "unapprove",
            Action::Spam => "spam",
            Action::NotSpam => "not-spam",
            Action::Trash => "trash",
            Action::Restore => "restore",
            Action::Delete => "delete",
        }
    }

    /// Words for a button or a confirmation page.
    pub fn label(self) -> &'static str {
        match self {
            Action::Approve => "Approve",
            Action::Unapprove => "Unapprove",
            Action::Spam => "Mark as spam",
            Action::NotSpam => "Not spam",
            Action::Trash => "Move to trash",
            Action::Restore => "Restore",
            Action::Delete => "Delete permanently",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown action {0:?}; one of approve, unapprove, spam, not-spam, trash, restore, delete")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s || a.as_str().replace('-', "_") == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// Where an action takes a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// To `to`, remembering `previous` for a later restore.
    To {
        to: Status,
        previous: Option<Status>,
    },
    /// Removed for ever.
    Delete,
    /// Already there: acting twice is harmless and records nothing.
    Stay,
}

/// Why an action does not apply to a comment in its current status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a {status} comment cannot be given \"{action}\"")]
pub struct NotApplicable {
    pub status: Status,
    pub action: Action,
}

/// The pure transition table.
pub fn plan(
    current: Status,
    previous: Option<Status>,
    action: Action,
) -> Result<Move, NotApplicable> {
    let to = |to: Status, previous: Option<Status>| Ok(Move::To { to, previous });
    let back = previous
        .filter(|p| !matches!(p, Status::Spam | Status::Trash))
        .unwrap_or(Status::Pending);
    match (action, current) {
        (Action::Delete, _) => Ok(Move::Delete),
        (Action::Approve, Status::Approved)
        | (Action::Unapprove, Status::Pending)
        | (Action::Spam, Status::Spam)
        | (Action::Trash, Status::Trash) => Ok(Move::Stay),
        (Action::Approve, _) => to(Status::Approved, None),
        (Action::Unapprove, Status::Approved) => to(Status::Pending, None),
        (Action::Spam, from) => to(Status::Spam, Some(from)),
        (Action::Trash, from) => to(Status::Trash, Some(from)),
        (Action::NotSpam, Status::Spam) => to(back, None),
        (Action::Restore, Status::Trash) => to(back, None),
        (Action::NotSpam | Action::Restore, _) => Ok(Move::Stay),
        (Action::Unapprove, status) => Err(NotApplicable {
            status,
            action: Action::Unapprove,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spam_and_trash_remember_where_a_comment_came_from() {
        assert_eq!(
            plan(Status::Approved, None, Action::Spam),
            Ok(Move::To {
                to: Status::Spam,
                previous: Some(Status::Approved)
            })
        );
        assert_eq!(
            plan(Status::Spam, Some(Status::Approved), Action::NotSpam),
            Ok(Move::To {
                to: Status::Approved,
                previous: None
            })
        );
        assert_eq!(
            plan(Status::Trash, Some(Status::Pending), Action::Restore),
            Ok(Move::To {
                to: Status::Pending,
                previous: None
            })
        );
    }

    #[test]
    fn restoring_without_a_memory_goes_to_pending() {
        assert_eq!(
            plan(Status::Trash, None, Action::Restore),
            Ok(Move::To {
                to: Status::Pending,
                previous: None
            })
        );
    }

    #[test]
    fn acting_twice_is_harmless() {
        assert_eq!(
            plan(Status::Approved, None, Action::Approve),
            Ok(Move::Stay)
        );
        assert_eq!(
            plan(Status::Trash, Some(Status::Spam), Action::Trash),
            Ok(Move::Stay)
        );
    }

    #[test]
    fn actions_that_make_no_sense_are_refused() {
        assert!(plan(Status::Spam, None, Action::Unapprove).is_err());
        assert!(plan(Status::Trash, None, Action::Unapprove).is_err());
        assert_eq!(
            plan(Status::Approved, None, Action::Restore),
            Ok(Move::Stay)
        );
    }

    #[test]
    fn actions_read_from_their_names() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>().ok(), Some(action));
        }
        assert_eq!("not_spam".parse::<Action>().ok(), Some(Action::NotSpam));
        assert!("explode".parse::<Action>().is_err());
    }
}
