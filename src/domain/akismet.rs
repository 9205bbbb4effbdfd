//! What Replydesk asks or tells Akismet about a comment, and what Akismet
//! answers.

use std::fmt;
use std::str::FromStr;

/// One row of the Akismet queue: a question or a report about one comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Job {
    /// Asks whether a held comment is spam (`comment-check`).
    Check,
    /// Tells Akismet a moderator found spam it had not called spam (`submit-spam`).
    SubmitSpam,
    /// Tells Akismet a moderator found a comment it had called spam to be
    /// good (`submit-ham`).
    SubmitHam,
}

impl Job {
    pub const ALL: [Job; 3] = [Job::Check, Job::SubmitSpam, Job::SubmitHam];

    pub fn as_str(self) -> &'static str {
        match self {
            Job::Check => "check",
            Job::SubmitSpam => "submit-spam",
            Job::SubmitHam => "submit-ham",
        }
    }

    /// The method of Akismet's API that does it.
    pub fn method(self) -> &'static str {
        match self {
            Job::Check => "comment-check",
            Job::SubmitSpam => "submit-spam",
            Job::SubmitHam => "submit-ham",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown Akismet job {0:?}; the jobs are check, submit-spam and submit-ham")]
pub struct UnknownJob(String);

impl FromStr for Job {
    type Err = UnknownJob;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Job::ALL
            .into_iter()
            .find(|job| job.as_str() == s)
            .ok_or_else(|| UnknownJob(s.to_owned()))
    }
}

/// Akismet's answer to `comment-check`, as kept on the comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Spam,
    Ham,
}

impl Verdict {
    pub const ALL: [Verdict; 2] = [Verdict::Spam, Verdict::Ham];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Spam => "spam",
            Verdict::Ham => "ham",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown Akismet verdict {0:?}; the verdicts are spam and ham")]
pub struct UnknownVerdict(String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|verdict| verdict.as_str() == s)
            .ok_or_else(|| UnknownVerdict(s.to_owned()))
    }
}
