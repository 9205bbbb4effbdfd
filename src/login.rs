//! Admin-page logins: password checks throttled per account and per address,
//! sessions kept in the database so that any instance serves any moderator,
//! and OWASP's device cookies so that nobody can lock a moderator out.
//!
//! An attempt is judged and counted as a failure in one write, under its
//! keys' locks, before any password is checked: twenty guesses sent at once
//! then meet the throttle one after another, as twenty sent in turn do. The
//! password is checked afterwards, holding no database connection, and a
//! right one takes its count back.

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::configuration::Settings;
use crate::db::{self, AnyConnection, moderators, sessions, throttle};
use crate::domain::email::EmailAddress;
use crate::domain::throttle::{Admission, Policy, Record};
use crate::domain::token::{signature, verified_payload};
use crate::domain::words::count_signed;
use crate::error::AppError;

/// A new session: the cookie value the browser keeps and the form token.
#[derive(Debug, Clone)]
pub struct Opened {
    pub cookie: String,
    pub csrf: String,
}

/// Why a login was refused, in words that never say whether the address exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefused {
    #[error("That email and password do not match a moderator.")]
    Wrong,
    #[error("Too many failed logins. Wait {} and try again.", count_signed(*.0, "second", "seconds"))]
    SlowDown(i64),
    #[error(
        "Too many failed logins: logins are locked. Try again in {}.",
        count_signed((.0 + 59) / 60, "minute", "minutes")
    )]
    Locked(i64),
}

impl LoginRefused {
    pub fn retry_after(self) -> Option<i64> {
        match self {
            LoginRefused::Wrong => None,
            LoginRefused::SlowDown(seconds) | LoginRefused::Locked(seconds) => Some(seconds),
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

/// How long a device cookie lets its browser past a lock; every login renews it.
pub const DEVICE_LIFETIME: TimeDelta = TimeDelta::days(90);

/// A browser that once logged in as this moderator, by the signed device
/// cookie it was given then. It may keep trying while the account is locked
/// for everyone else, under a throttle of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub moderator_id: i64,
    nonce: String,
}

impl Device {
    /// A new device cookie's value for a moderator who just logged in.
    pub fn issue(secret: &[u8], moderator_id: i64, now: DateTime<Utc>) -> String {
        let mut nonce = [0_u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let payload = format!(
            "d.{moderator_id}.{}.{}",
            hex::encode(nonce),
            (now + DEVICE_LIFETIME).timestamp()
        );
        let sig = signature(secret, &payload);
        format!("{payload}.{sig}")
    }

    /// The device a cookie names, if this instance signed it and it is current.
    pub fn read(secret: &[u8], cookie: &str, now: DateTime<Utc>) -> Option<Device> {
        let payload = verified_payload(secret, cookie.get(..200).unwrap_or(cookie))?;
        let [purpose, id, nonce, expires] = payload.split('.').collect::<Vec<_>>()[..] else {
            return None;
        };
        let expires: i64 = expires.parse().ok()?;
        (purpose == "d" && now.timestamp() <= expires).then_some(())?;
        Some(Device {
            moderator_id: id.parse().ok()?,
            nonce: nonce.to_owned(),
        })
    }

    fn key(&self) -> String {
        format!("{}{}", device_prefix(self.moderator_id), self.nonce)
    }
}

fn device_prefix(moderator_id: i64) -> String {
    format!("device:{moderator_id}:")
}

/// The longest address kept in a throttle key: no moderator's is longer, and
/// whatever else is typed is not stored in full.
const MAX_KEPT_EMAIL: usize = 254;

fn account_key(email: &str) -> String {
    format!(
        "account:{}",
        email.chars().take(MAX_KEPT_EMAIL).collect::<String>()
    )
}

/// Who is trying: the address typed, where from, and which device cookie
/// the browser sent, if any.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub email: String,
    pub ip: Option<String>,
    pub device: Option<Device>,
}

impl Attempt {
    pub fn new(email: &str, ip: Option<String>, device: Option<Device>) -> Self {
        Self {
            email: EmailAddress::as_given(email).into_string(),
            ip,
            device,
        }
    }

    /// Every key this attempt may count against, locked for the count (on
    /// PostgreSQL; SQLite's one writer already counts one attempt at a time).
    pub fn lock_keys(&self) -> Vec<String> {
        let mut keys = vec![account_key(&self.email)];
        keys.extend(self.ip.as_ref().map(|ip| format!("ip:{ip}")));
        keys.extend(self.device.as_ref().map(Device::key));
        keys
    }
}

/// The keys an attempt counted against, with their policies; `refund` marks
/// those a right password takes the count back from rather than clearing.
#[derive(Debug, Clone)]
struct Counted {
    key: String,
    policy: Policy,
    refund: bool,
}

/// An attempt that was let through and counted: the moderator it names, if
/// any, and what a right password must settle.
#[derive(Debug, Clone)]
pub struct Admitted {
    moderator: Option<moderators::Credentials>,
    counted: Vec<Counted>,
}

impl Admitted {
    /// The stored hash to check the password against (`None`: the stand-in).
    pub fn password_hash(&self) -> Option<String> {
        self.moderator.as_ref().map(|m| m.password_hash.clone())
    }

    pub fn moderator_id(&self) -> Option<i64> {
        self.moderator.as_ref().map(|m| m.id)
    }
}

/// Judges an attempt against its keys and, if it may go on, counts it as a
/// failure on each of them, all in the caller's write. A browser with this
/// moderator's device cookie counts against that cookie alone; any other
/// counts against the account and the address, as before.
pub fn admit(
    conn: &mut AnyConnection,
    settings: &Settings,
    attempt: &Attempt,
) -> Result<Result<Admitted, LoginRefused>, AppError> {
    let now = db::now();
    let moderator = moderators::credentials(conn, &attempt.email)?;
    let trusted = attempt.device.as_ref().filter(|device| {
        moderator
            .as_ref()
            .is_some_and(|m| m.id == device.moderator_id)
    });
    let lock_after = settings.login_lock_after;
    let counted: Vec<Counted> = match trusted {
        Some(device) => vec![Counted {
            key: device.key(),
            policy: Policy::account(lock_after),
            refund: false,
        }],
        None => {
            let mut keys = vec![Counted {
                key: account_key(&attempt.email),
                policy: Policy::account(lock_after),
                refund: false,
            }];
            // A right password does not wipe an address's count, or one
            // account of the guesser's own would reset it between guesses.
            keys.extend(attempt.ip.as_ref().map(|ip| Counted {
                key: format!("ip:{ip}"),
                policy: Policy::ip(lock_after),
                refund: true,
            }));
            keys
        }
    };
    let mut records: Vec<Option<Record>> = Vec::with_capacity(counted.len());
    for key in &counted {
        let record = throttle::find(conn, &key.key)?;
        match key.policy.judge(record.as_ref(), now) {
            Admission::Allow => records.push(record),
            Admission::SlowDown(seconds) => return Ok(Err(LoginRefused::SlowDown(seconds))),
            Admission::Locked(seconds) => return Ok(Err(LoginRefused::Locked(seconds))),
        }
    }
    for (key, record) in counted.iter().zip(&records) {
        throttle::save(
            conn,
            &key.key,
            &key.policy.after_failure(record.as_ref(), now),
        )?;
    }
    Ok(Ok(Admitted { moderator, counted }))
}

/// Settles an admitted attempt whose password was right: its counts are taken
/// back, the browser's old session ends, and a new one opens.
pub fn succeed(
    conn: &mut AnyConnection,
    settings: &Settings,
    admitted: &Admitted,
    replacing: Option<&str>,
) -> Result<Opened, AppError> {
    let moderator_id = admitted
        .moderator_id()
        .ok_or_else(|| AppError::internal("logging in", "a right password for nobody"))?;
    settle(conn, admitted)?;
    if let Some(old) = replacing {
        sessions::delete(conn, &session_key(old))?;
    }
    let opened = open(conn, moderator_id, settings)?;
    moderators::touch_login(conn, moderator_id, db::now())?;
    Ok(opened)
}

/// Takes back what an admitted attempt counted, once its password proved right.
pub fn settle(conn: &mut AnyConnection, admitted: &Admitted) -> Result<(), AppError> {
    for key in &admitted.counted {
        if !key.refund {
            throttle::clear(conn, &key.key)?;
            continue;
        }
        if let Some(record) = throttle::find(conn, &key.key)? {
            match key.policy.refund(&record) {
                Some(left) => throttle::save(conn, &key.key, &left)?,
                None => throttle::clear(conn, &key.key)?,
            }
        }
    }
    Ok(())
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

/// Gives a moderator a new password, however it was asked for (their own
/// change on the admin page, or `moderator passwd`): every session of theirs
/// ends and the throttle forgets their account and devices, so whoever held
/// the old password holds nothing. Returns whether the moderator exists.
pub fn reset_password(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
) -> Result<Option<i64>, AppError> {
    let Some(id) = moderators::id_of(conn, email)? else {
        return Ok(None);
    };
    moderators::set_password_of(conn, id, password_hash)?;
    sessions::delete_for(conn, id)?;
    throttle::clear_for_moderator(conn, &account_key(email), &device_prefix(id))?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an instance secret of some length";

    #[test]
    fn a_device_cookie_names_its_moderator_until_it_expires() {
        let now = Utc::now();
        let cookie = Device::issue(SECRET, 7, now);
        let device = Device::read(SECRET, &cookie, now).expect("ours");
        assert_eq!(device.moderator_id, 7);
        assert!(device.key().starts_with("device:7:"));
        assert_eq!(
            Device::read(SECRET, &cookie, now + DEVICE_LIFETIME + TimeDelta::days(1)),
            None
        );
        assert_eq!(Device::read(b"another secret", &cookie, now), None);
        let other = cookie.replacen("d.7.", "d.8.", 1);
        assert_eq!(Device::read(SECRET, &other, now), None);
        assert_ne!(Device::issue(SECRET, 7, now), cookie, "each is new");
    }

    #[test]
    fn a_long_typed_address_is_kept_short() {
        let key = account_key(&"a".repeat(8_000));
        assert_eq!(key.len(), "account:".len() + MAX_KEPT_EMAIL);
    }
}
