//! Moderator passwords: argon2id at OWASP's recommended cost.

use argon2::password_hash::rand_core::OsRng;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password we accept; long passphrases are welcome.
pub const MIN_LENGTH: usize = 8;

/// OWASP's first recommended configuration: m=19 MiB, t=2, p=1.
fn hasher() -> Result<Argon2<'static>, argon2::Error> {
    Ok(Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None)?,
    ))
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for the `moderators` table.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .map_err(|e| e.to_string())?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` opens `stored`. With no stored hash (an unknown address)
/// a stand-in hash is checked all the same, so a wrong address takes as long
/// to refuse as a wrong password and the timing says nothing about who exists.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    let phc = match stored {
        Some(phc) => phc,
        None => STAND_IN.get_or_init(|| hash("a stand-in that opens nothing").unwrap_or_default()),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let matched = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matched && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let phc = hash("correct horse battery staple").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).expect("parse");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        assert!(verify(Some(&phc), "correct horse battery staple"));
        assert!(!verify(Some(&phc), "correct horse battery stapler"));
        assert!(!verify(None, "a stand-in that opens nothing"));
    }
}
