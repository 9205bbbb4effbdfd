//! E-mail addresses, read once where they come in: stored, compared and
//! looked up in one form, trimmed and lower-cased, so that `Ada@Example.com `
//! typed at login finds the moderator `ada@example.com`, and `forget` finds
//! every comment written under any spelling of it.

use validator::ValidateEmail;

/// An address in the one form Replydesk stores and compares.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// A new address to store, such as a moderator's: refused, in words,
    /// unless it is one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let address = Self::as_given(text);
        if address.0.validate_email() {
            Ok(address)
        } else {
            Err(format!("{:?} is not an email address", text.trim()))
        }
    }

    /// An address to look up by, or one another system stored, taken as it
    /// is: an import keeps what the exporting system accepted, and `forget`
    /// must find it whatever it looks like.
    pub fn as_given(text: &str) -> Self {
        Self(text.trim().to_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn every_spelling_of_an_address_is_one_address() {
        assert_eq!(
            EmailAddress::as_given("  Ada@Example.COM "),
            EmailAddress::parse("ada@example.com").unwrap()
        );
    }

    #[test]
    fn only_an_address_is_accepted_as_a_new_one() {
        assert!(EmailAddress::parse("not an address").is_err());
        assert!(EmailAddress::parse("").is_err());
        assert_eq!(EmailAddress::as_given("").as_str(), "");
    }
}
