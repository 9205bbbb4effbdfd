//! Admin-page logins: password checks throttled per account and per address,
//! and sessions kept in the database so that any instance serves any moderator.

use chrono::TimeDelta;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::configuration::Settings;
use crate::db::{self, AnyConnection, moderators, sessions, throttle};
use crate::domain::throttle::{Policy, Verdict};
use crate::error::AppError;
use crate::password;

/// A new session: the cookie value the browser keeps and the form token.
#[derive(Debug, Clone)]
pub struct Opened {
    pub cookie: String,
    pub csrf: String,
}

/// Why a login was refused, in words that never say whether the address exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("That email and password do not match a moderator.")]
    Wrong,
    #[error("Too many failed logins. Wait {0} seconds and try again.")]
    SlowDown(i64),
    #[error("Too many failed logins: logins are locked for {} more minutes.", (.0 + 59) / 60)]
    Locked(i64),
}

impl Refused {
    pub fn retry_after(self) -> Option<i64> {
        match self {
            Refused::Wrong => None,
            Refused::SlowDown(seconds) | Refused::Locked(seconds) => Some(seconds),
        }
    }
}

/// 256 random bits as hex: session cookies and form tokens.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the `sessions` table keys a cookie by.
pub fn session_key(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// Compares secrets in constant time.
pub fn same_token(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The throttle keys a login counts against: the account, and the address.
fn keys(email: &str, ip: Option<&str>, lock_after: u32) -> Vec<(String, Policy, bool)> {
    let mut keys = vec![(
        format!("account:{email}"),
        Policy::account(lock_after),
        true,
    )];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), Policy::ip(lock_after), false));
    }
    keys
}

/// Checks a password and opens a session, or says why not. `replacing` is the
/// session the browser held before, ended so that a login always rotates it.
pub fn log_in(
    conn: &mut AnyConnection,
    settings: &Settings,
    email: &str,
    password_given: &str,
    ip: Option<&str>,
    replacing: Option<&str>,
) -> Result<Result<Opened, Refused>, AppError> {
    let email = email.trim().to_lowercase();
    let now = db::now();
    let keys = keys(&email, ip, settings.login_lock_after);
    let mut records = Vec::with_capacity(keys.len());
    for (key, policy, _) in &keys {
        let record = throttle::find(conn, key)?;
        match policy.judge(record.as_ref(), now) {
            Verdict::Allow => {}
            Verdict::SlowDown(seconds) => return Ok(Err(Refused::SlowDown(seconds))),
            Verdict::Locked(seconds) => return Ok(Err(Refused::Locked(seconds))),
        }
        records.push(record);
    }
    let found = moderators::credentials(conn, &email)?;
    let stored = found.as_ref().map(|c| c.password_hash.as_str());
    let Some(moderator) = found
        .as_ref()
        .filter(|_| password::verify(stored, password_given))
    else {
        for ((key, policy, _), record) in keys.iter().zip(&records) {
            throttle::save(conn, key, &policy.after_failure(record.as_ref(), now))?;
        }
        tracing::info!(ip = ip.unwrap_or("unknown"), "admin login refused");
        return Ok(Err(Refused::Wrong));
    };
    for (key, _, account) in &keys {
        if *account {
            throttle::clear(conn, key)?;
        }
    }
    if let Some(old) = replacing {
        sessions::delete(conn, &session_key(old))?;
    }
    let opened = open(conn, moderator.id, settings)?;
    moderators::touch_login(conn, moderator.id, now)?;
    tracing::info!(moderator.id = moderator.id, "admin login");
    Ok(Ok(opened))
}

/// A fresh session for a moderator who just proved who they are.
pub fn open(
    conn: &mut AnyConnection,
    moderator_id: i64,
    settings: &Settings,
) -> Result<Opened, AppError> {
    let now = db::now();
    let opened = Opened {
        cookie: random_token(),
        csrf: random_token(),
    };
    sessions::create(
        conn,
        &sessions::NewSession {
            id: &session_key(&opened.cookie),
            moderator_id,
            csrf_token: &opened.csrf,
            created_at: now,
            expires_at: now + TimeDelta::hours(i64::from(settings.session_hours)),
        },
    )?;
    sessions::delete_expired(conn, now)?;
    Ok(opened)
}

/// Changes a moderator's own password after checking the current one; every
/// other session of theirs ends, and this browser gets a new one.
pub fn change_password(
    conn: &mut AnyConnection,
    settings: &Settings,
    moderator_id: i64,
    current: &str,
    new: &str,
    repeated: &str,
) -> Result<Opened, AppError> {
    let stored = moderators::password_hash_of(conn, moderator_id)?;
    if !password::verify(stored.as_deref(), current) {
        return Err(AppError::field(
            "current",
            "That is not your current password.",
        ));
    }
    if new.chars().count() < password::MIN_LENGTH {
        return Err(AppError::field(
            "new",
            format!(
                "Choose a password of at least {} characters.",
                password::MIN_LENGTH
            ),
        ));
    }
    if new != repeated {
        return Err(AppError::field(
            "repeat",
            "The two new passwords are not the same.",
        ));
    }
    let hash = password::hash(new).map_err(|e| AppError::internal("hashing a password", e))?;
    db::write_transaction(conn, |conn| {
        moderators::set_password_of(conn, moderator_id, &hash)?;
        sessions::delete_for(conn, moderator_id)?;
        open(conn, moderator_id, settings)
    })
}
