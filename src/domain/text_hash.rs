//! A comment text's fingerprint, which the duplicate rule looks up in an index
//! beside the post and the sender, so that finding the same words again costs
//! one probe however much the sender has written.

use sha2::{Digest, Sha256};

/// The first eight bytes of the text's SHA-256, big-endian. The migration that
/// added the column computes the same in SQL for the comments stored before
/// it, so the definition must never change: a new one would miss every
/// duplicate of an older comment.
pub fn of(text: &str) -> i64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn is_the_first_eight_bytes_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea…
        assert_eq!(of("abc"), 0xba78_16bf_8f01_cfea_u64 as i64);
        assert_ne!(of("abc"), of("abd"));
    }
}
