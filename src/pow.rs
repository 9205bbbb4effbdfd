//! ALTCHA's proof of work: challenges signed with a key derived from the
//! instance secret, checked when a submission brings one back, and spent in
//! the database so one solution buys one comment on every instance.
//!
//! A robot can still solve challenges, but each comment now costs it the
//! hashing a reader's browser does while they type, and a solution cannot be
//! replayed: what made mass posting free is gone.

use altcha_lib_rs::algorithm::AltchaAlgorithm;
use altcha_lib_rs::{Challenge, ChallengeOptions, Payload};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use subtle::ConstantTimeEq;

use crate::db::spent_challenges;
use crate::domain::proof::{Flaw, PowMode, Proof};
use crate::domain::token::signature;
use crate::error::AppError;
use crate::instance::Instance;

/// How long a challenge can be solved and spent: long enough to write a
/// comment, short enough that a hoard of solutions goes stale.
pub const LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// How the instance treats proof of work, from `REPLYDESK_POW` and
/// `REPLYDESK_POW_COST`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PowSettings {
    pub mode: PowMode,
    /// ALTCHA's `maxnumber`.
    pub cost: u64,
}

/// The HMAC key challenges are signed with: derived from the instance secret
/// under a name of its own, so a challenge's signature can never pass for
/// another token's, and the secret itself never reaches the ALTCHA library.
pub fn hmac_key(secret: &[u8]) -> String {
    signature(secret, "replydesk altcha hmac key")
}

/// A fresh SHA-256 challenge, expiring `LIFETIME` after `now`.
pub fn issue(secret: &[u8], cost: u64, now: DateTime<Utc>) -> Result<Challenge, AppError> {
    let key = hmac_key(secret);
    altcha_lib_rs::create_challenge(ChallengeOptions {
        algorithm: Some(AltchaAlgorithm::Sha256),
        max_number: Some(cost),
        hmac_key: &key,
        expires: Some(now + LIFETIME),
        ..Default::default()
    })
    .map_err(|e| AppError::internal("issuing a proof-of-work challenge", e))
}

/// A solution that checks out, not yet spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The challenge's hash, which names it in `spent_challenges`.
    pub challenge: String,
    pub expires_at: NaiveDateTime,
}

/// Whether `field` (base64 of ALTCHA's JSON payload) solves a challenge this
/// instance signed and that is still good at `now`. Pure: spending is `prove`'s.
pub fn check(secret: &[u8], field: &str, now: DateTime<Utc>) -> Result<Checked, Flaw> {
    let bytes = STANDARD
        .decode(field)
        .or_else(|_| URL_SAFE.decode(field))
        .map_err(|_| Flaw::Unreadable)?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| Flaw::Unreadable)?;
    // Only what we issue: a payload naming a slower or faster hash is not ours.
    if !matches!(payload.algorithm, AltchaAlgorithm::Sha256) {
        return Err(Flaw::DoesNotCheckOut);
    }
    let key = hmac_key(secret);
    // The library compares signatures as strings, which leaks how much of a
    // forged one was right; this comparison takes the same time either way.
    let expected = signature(key.as_bytes(), &payload.challenge);
    if !bool::from(expected.as_bytes().ct_eq(payload.signature.as_bytes())) {
        return Err(Flaw::DoesNotCheckOut);
    }
    altcha_lib_rs::verify_solution(&payload, &key, false).map_err(|_| Flaw::DoesNotCheckOut)?;
    // Every challenge we sign carries its expiry in the signed salt.
    let expires_at = expiry(&payload.salt).ok_or(Flaw::DoesNotCheckOut)?;
    if expires_at < now {
        return Err(Flaw::Expired);
    }
    Ok(Checked {
        challenge: payload.challenge,
        expires_at: expires_at.naive_utc(),
    })
}

/// The `expires=SECONDS&` parameter ALTCHA puts in a salt, read as its
/// library does: only a parameter closed by `&` counts.
fn expiry(salt: &str) -> Option<DateTime<Utc>> {
    let (_, params) = salt.split_once('?')?;
    let seconds = params
        .split_inclusive('&')
        .filter_map(|part| part.strip_suffix('&'))
        .find_map(|part| part.strip_prefix("expires="))?;
    DateTime::from_timestamp(seconds.parse().ok()?, 0)
}

/// What a submission's `altcha` field proves, spending it if it is good: a
/// second submission of the same solution finds it spent.
pub async fn prove(core: &Instance, field: Option<&str>) -> Result<Proof, AppError> {
    if core.pow.mode == PowMode::Off {
        return Ok(Proof::Missing);
    }
    let Some(field) = field else {
        return Ok(Proof::Missing);
    };
    let checked = match check(core.secret.expose(), field, Utc::now()) {
        Ok(checked) => checked,
        Err(flaw) => return Ok(Proof::Invalid(flaw)),
    };
    let spent = core
        .db
        .write(move |conn| {
            Ok(spent_challenges::spend(
                conn,
                &checked.challenge,
                checked.expires_at,
            )?)
        })
        .await?;
    Ok(if spent {
        Proof::Solved
    } else {
        Proof::Invalid(Flaw::AlreadyUsed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an instance secret of some length";

    fn solved(challenge: &Challenge) -> Payload {
        let number = altcha_lib_rs::solve_challenge(
            &challenge.challenge,
            &challenge.salt,
            Some(challenge.algorithm),
            Some(challenge.maxnumber),
            0,
        )
        .expect("solvable");
        Payload {
            algorithm: challenge.algorithm,
            challenge: challenge.challenge.clone(),
            number,
            salt: challenge.salt.clone(),
            signature: challenge.signature.clone(),
            took: Some(12),
        }
    }

    fn field(payload: &Payload) -> String {
        STANDARD.encode(serde_json::to_vec(payload).expect("json"))
    }

    #[test]
    fn a_solved_challenge_checks_out_until_it_expires() {
        let now = Utc::now();
        let challenge = issue(SECRET, 2_000, now).expect("issued");
        let payload = solved(&challenge);
        let checked = check(SECRET, &field(&payload), now).expect("good");
        assert_eq!(checked.challenge, challenge.challenge);
        assert_eq!(
            check(
                SECRET,
                &field(&payload),
                now + LIFETIME + TimeDelta::seconds(2)
            ),
            Err(Flaw::Expired)
        );
        assert_eq!(
            check(b"another secret", &field(&payload), now),
            Err(Flaw::DoesNotCheckOut)
        );
    }

    #[test]
    fn a_changed_number_salt_or_signature_does_not_check_out() {
        let now = Utc::now();
        let good = solved(&issue(SECRET, 2_000, now).expect("issued"));
        let mut number = good.clone();
        number.number += 1;
        let mut salt = good.clone();
        salt.salt = salt.salt.replacen("expires=", "expires=9", 1);
        let mut sig = good.clone();
        sig.signature = "0".repeat(64);
        for bad in [number, salt, sig] {
            assert_eq!(check(SECRET, &field(&bad), now), Err(Flaw::DoesNotCheckOut));
        }
        for junk in ["", "bm90IGpzb24=", "!!"] {
            assert_eq!(check(SECRET, junk, now), Err(Flaw::Unreadable), "{junk}");
        }
    }

    #[test]
    fn only_an_expiry_closed_by_an_ampersand_counts() {
        assert!(expiry("abc?expires=1700000000&").is_some());
        assert!(expiry("abc?x=1&expires=1700000000&").is_some());
        assert_eq!(expiry("abc?expires=1700000000"), None);
        assert_eq!(expiry("abc"), None);
    }
}
