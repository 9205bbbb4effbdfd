//! Moderator passwords: argon2id at OWASP's recommended cost.

use argon2::password_hash::rand_core::OsRng;
use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password we accept; long passphrases are welcome.
pub const MIN_LENGTH: usize = 8;

/// Whether a new password is long enough; `Err` says what to choose instead.
pub fn long_enough(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!(
            "Choose a password of at least {MIN_LENGTH} characters."
        ));
    }
    Ok(())
}

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

/// Whether `password` opens `stored`. With no usable stored hash (an unknown
/// address, or a moderator imported without a password) a stand-in hash is
/// checked all the same, so every refusal costs one argon2 verification and
/// the timing says nothing about who exists or how their account was made.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    let own = stored.and_then(|phc| PasswordHash::new(phc).ok());
    let stand_in;
    let parsed = match &own {
        Some(parsed) => parsed,
        None => {
            let phc =
                STAND_IN.get_or_init(|| hash("a stand-in that opens nothing").unwrap_or_default());
            match PasswordHash::new(phc) {
                Ok(parsed) => {
                    stand_in = parsed;
                    &stand_in
                }
                Err(_) => return false,
            }
        }
    };
    let matched = Argon2::default()
        .verify_password(password.as_bytes(), parsed)
        .is_ok();
    matched && own.is_some()
}

/// How many argon2 computations run at once. Each takes 19 MiB and a core for
/// tens of milliseconds; a flood of logins then queues here, holding neither a
/// database connection nor an async worker, instead of taking every core.
const AT_ONCE: usize = 2;

/// Argon2 off the async workers, a few at a time.
pub struct Hashing {
    permits: Semaphore,
}

impl Default for Hashing {
    fn default() -> Self {
        Self {
            permits: Semaphore::new(AT_ONCE),
        }
    }
}

impl Hashing {
    /// [`verify`], on a blocking thread once a permit is free.
    pub async fn verify(&self, stored: Option<String>, password: String) -> Result<bool, String> {
        self.run(move || verify(stored.as_deref(), &password)).await
    }

    /// [`hash`], on a blocking thread once a permit is free.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        self.run(move || hash(&password)).await?
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| format!("password hashing failed: {e}"))
    }
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
        assert!(!verify(
            Some("!imported without a password"),
            "a stand-in that opens nothing"
        ));
    }
}
