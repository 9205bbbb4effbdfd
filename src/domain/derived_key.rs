//! HMAC keys derived from the instance secret, one per purpose: each under
//! a label of its own, so the keys it makes for one purpose (spam clues,
//! address confirmations) match no other HMAC the instance makes.

use hmac::Hmac;
use hmac::digest::KeyInit;
use sha2::{Digest, Sha256};

/// The HMAC-SHA256 keyed with SHA-256(`label` ‖ `secret`).
pub fn derived_mac(label: &[u8], secret: &[u8]) -> Hmac<Sha256> {
    let derived = Sha256::new()
        .chain_update(label)
        .chain_update(secret)
        .finalize();
    // A 32-byte key zero-padded to SHA-256's 64-byte block is the key HMAC
    // itself would make of it, and a fixed size cannot be refused.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&derived);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use hmac::Mac;

    use super::derived_mac;

    #[test]
    fn each_label_keys_its_own_mac() {
        let mac = |label: &[u8], secret: &[u8]| {
            let mut mac = derived_mac(label, secret);
            mac.update(b"ada@example.com");
            mac.finalize().into_bytes()
        };
        assert_eq!(mac(b"a\0", b"secret"), mac(b"a\0", b"secret"));
        assert_ne!(mac(b"a\0", b"secret"), mac(b"b\0", b"secret"));
        assert_ne!(mac(b"a\0", b"secret"), mac(b"a\0", b"other secret"));
    }
}
