//! The one name Replydesk keeps for an address that asked for e-mail: an
//! HMAC-SHA256 of the address (trimmed and lower-cased, so every spelling is
//! one address) under a key derived from the instance secret with a label of
//! its own. Confirmations are stored under it, so the table of confirmed
//! addresses gives none of them back, and no other HMAC the instance makes
//! (avatars, spam clues, tokens) can be matched against it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::derived_key::derived_mac;
use super::email::EmailAddress;

/// Keys addresses; built once from the instance secret and shared.
#[derive(Clone)]
pub struct AddressKeys {
    key: Hmac<Sha256>,
}

impl std::fmt::Debug for AddressKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddressKeys(..)")
    }
}

impl AddressKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: derived_mac(b"replydesk address confirmations\0", secret),
        }
    }

    /// The key of `email`, in hex; `None` for no address at all.
    pub fn of(&self, email: &str) -> Option<String> {
        let address = EmailAddress::as_given(email);
        if address.as_str().is_empty() {
            return None;
        }
        let mut mac = self.key.clone();
        mac.update(address.as_str().as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::AddressKeys;

    #[test]
    fn every_spelling_of_an_address_has_one_key_which_is_not_the_address() {
        let keys = AddressKeys::new(b"an instance secret");
        let key = keys.of("ada@example.com").unwrap();
        assert_eq!(keys.of("  Ada@Example.COM ").as_deref(), Some(key.as_str()));
        assert_eq!(key.len(), 64);
        assert!(!key.contains("ada"));
        assert_ne!(keys.of("grace@example.org"), Some(key.clone()));
        assert_ne!(
            AddressKeys::new(b"another secret").of("ada@example.com"),
            Some(key)
        );
        assert_eq!(keys.of("  "), None);
    }
}
