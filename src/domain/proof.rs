//! What a submission proved with ALTCHA's proof of work, and how much the
//! instance asks of it. The verdict is a fact the rules (and a spam filter)
//! read beside the others; issuing, checking and spending live in `crate::pow`.

use std::fmt;

/// The longest `altcha` field taken: ALTCHA's widget sends about 350
/// characters of base64, so anything near this is not a payload of ours, and
/// is refused before it is decoded.
pub const MAX_ALTCHA_CHARS: usize = 1_000;

/// What the `altcha` field of a submission came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A challenge this instance issued, solved, unexpired, and spent now.
    Solved,
    /// No `altcha` field, or proof of work is off.
    Missing,
    /// A field that was there but proved nothing, and why.
    Invalid(Flaw),
}

impl Proof {
    pub fn is_solved(&self) -> bool {
        matches!(self, Proof::Solved)
    }
}

/// Why an `altcha` field proved nothing; `Display` says it to the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Not base64 of the JSON object ALTCHA's widget sends.
    Unreadable,
    /// The challenge's ten minutes are over.
    Expired,
    /// Another submission already spent this solution.
    AlreadyUsed,
    /// The number does not solve the challenge, or the challenge is not one
    /// this instance signed.
    DoesNotCheckOut,
}

impl fmt::Display for Flaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flaw::Unreadable => {
                "The proof of work could not be read: send the base64 JSON payload \
                 ALTCHA's widget makes."
            }
            Flaw::Expired => {
                "The proof of work has expired. Fetch a new challenge from /api/altcha and solve it."
            }
            Flaw::AlreadyUsed => {
                "This proof of work was already used. Each solved challenge is good for one \
                 comment: fetch a new one from /api/altcha."
            }
            Flaw::DoesNotCheckOut => {
                "The proof of work does not check out: it is not a solved challenge from this \
                 server."
            }
        })
    }
}

/// How the instance treats proof of work (`REPLYDESK_POW`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PowMode {
    /// No challenges are issued and the field is ignored.
    Off,
    /// Challenges are issued and checked; the verdict is only a clue.
    #[default]
    Score,
    /// A script's submission must carry a solution; a plain form's is held without one.
    Require,
}

impl std::str::FromStr for PowMode {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "off" => Ok(PowMode::Off),
            "score" => Ok(PowMode::Score),
            "require" => Ok(PowMode::Require),
            _ => Err(()),
        }
    }
}

/// The field as sent, trimmed, if it is short and of base64's alphabet; the
/// words for the sender if not. Whether it proves anything needs the
/// instance's key, which the domain does not hold.
pub fn check_field(text: &str) -> Result<&str, &'static str> {
    let text = text.trim();
    if text.len() > MAX_ALTCHA_CHARS {
        return Err("The proof of work is too long: ALTCHA's payload is a few hundred characters.");
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return Err(
            "The proof of work must be base64 text, as ALTCHA's widget sends it, without \
             spaces or control characters.",
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modes_are_read_in_any_case_and_nothing_else_is() {
        assert_eq!("REQUIRE".parse(), Ok(PowMode::Require));
        assert_eq!("off".parse(), Ok(PowMode::Off));
        assert_eq!("Score".parse(), Ok(PowMode::Score));
        assert_eq!("strict".parse::<PowMode>(), Err(()));
    }

    #[test]
    fn a_field_is_bounded_and_of_base64s_alphabet() {
        assert_eq!(check_field(" eyJhIjoxfQ== "), Ok("eyJhIjoxfQ=="));
        assert!(check_field(&"A".repeat(MAX_ALTCHA_CHARS + 1)).is_err());
        assert!(check_field("eyJh\0IjoxfQ==").is_err());
        assert!(check_field("eyJh IjoxfQ==").is_err());
    }
}
