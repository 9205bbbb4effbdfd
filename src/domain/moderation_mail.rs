//! How moderation mail reaches one moderator: each held comment at once, a
//! digest per window, or not at all. Each moderator chooses their own, since
//! the one who works the queue all day and the owner who looks in weekly want
//! different things from a wave of held spam.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ModerationMail {
    /// One e-mail per held comment, as soon as it is held.
    Each,
    /// The first held comment after a quiet spell at once; those held within
    /// the window after it in one e-mail when the window ends.
    #[default]
    Digest,
    /// No moderation e-mail at all; the admin page still shows the queue.
    Off,
}

impl ModerationMail {
    pub const ALL: [ModerationMail; 3] = [
        ModerationMail::Each,
        ModerationMail::Digest,
        ModerationMail::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModerationMail::Each => "each",
            ModerationMail::Digest => "digest",
            ModerationMail::Off => "off",
        }
    }

    /// What the mode means, in words for the admin page and the CLI.
    pub fn describe(self) -> &'static str {
        match self {
            ModerationMail::Each => "one e-mail for each held comment",
            ModerationMail::Digest => {
                "the first held comment at once, then one digest of the rest per window"
            }
            ModerationMail::Off => "no moderation e-mail",
        }
    }
}

impl fmt::Display for ModerationMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode that is none of the three. It quotes at most the first few
/// characters it was given, so an 8 KB value does not come back whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{shown} is not a moderation mail mode; choose each, digest or off")]
pub struct UnknownModerationMail {
    shown: String,
}

impl FromStr for ModerationMail {
    type Err = UnknownModerationMail;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        ModerationMail::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownModerationMail {
                shown: quoted(wanted),
            })
    }
}

/// `text` quoted for an error message: control characters escaped, and cut
/// after 20 characters.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 20;
    let head: String = text.chars().take(SHOWN).collect();
    if text.chars().count() > SHOWN {
        format!("{head:?}…")
    } else {
        format!("{head:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_reads_back_from_its_name() {
        for mode in ModerationMail::ALL {
            assert_eq!(mode.as_str().parse::<ModerationMail>(), Ok(mode));
        }
        assert_eq!(" Digest ".parse(), Ok(ModerationMail::Digest));
    }

    #[test]
    fn an_unknown_mode_is_named_briefly_and_the_choices_listed() {
        let long = "x".repeat(8192);
        let error = long.parse::<ModerationMail>().unwrap_err().to_string();
        assert!(error.len() < 100, "{error}");
        assert!(error.ends_with("choose each, digest or off"), "{error}");
        let nul = "off\0".parse::<ModerationMail>().unwrap_err().to_string();
        assert!(nul.contains("\\0"), "{nul}");
    }
}
