//! Typed settings read from `REPLYDESK_*` variables and an optional TOML file.
//!
//! Every value is parsed up front, so a typo stops start-up with a line that
//! names the setting instead of surfacing later as odd behaviour.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use lettre::message::Mailbox;
use url::Url;

use crate::domain::origin::{AllowedOrigin, OriginPolicy};
use crate::domain::proof::PowMode;
use crate::domain::render::TextFormat;
use crate::domain::rules::RuleSettings;
use crate::spam::Thresholds;

/// The deployment settings: name (environment, without the prefix) and default.
/// The rule settings (`RuleSettings::NAMES`) are settings too, with their own defaults.
const SETTINGS: &[(&str, &str)] = &[
    ("DATABASE_URL", "sqlite://replydesk.db"),
    ("DATABASE_WAIT_SECONDS", "30"),
    ("SQLITE_SYNC", "full"),
    ("BIND", "127.0.0.1:8080"),
    ("PUBLIC_URL", ""),
    ("ALLOWED_ORIGINS", "http://localhost,http://127.0.0.1"),
    ("SMTP_URL", ""),
    ("MAIL_FROM", "Replydesk <noreply@localhost>"),
    ("MAIL_FOLDER", "mail-outbox"),
    ("SECRET_KEY", ""),
    ("TRUSTED_PROXIES", ""),
    ("IP_RETENTION_DAYS", "30"),
    ("MAIL_MAX_ATTEMPTS", "8"),
    ("MAIL_RETRY_SECONDS", "30"),
    ("DIGEST_MINUTES", "10"),
    ("SESSION_HOURS", "12"),
    ("LOGIN_LOCK_AFTER", "10"),
    ("BURST_LIMIT", "20"),
    ("EMPTY_SPAM_DAYS", "30"),
    ("METRICS_TOKEN", ""),
    ("DEMO", "false"),
    ("SPAM_THRESHOLD", "0.99"),
    ("HAM_THRESHOLD", "off"),
    ("AKISMET_KEY", ""),
    ("AKISMET_URL", "https://rest.akismet.com"),
    ("AKISMET_RETRY_SECONDS", "60"),
    ("POW", "score"),
    ("POW_COST", "50000"),
    ("TEXT_FORMAT", "wordpress"),
    ("EDIT_MINUTES", "15"),
];

const ENV_PREFIX: &str = "REPLYDESK_";

/// The highest `REPLYDESK_POW_COST` taken: ALTCHA's own default `maxnumber`,
/// which its Rust library also checks solutions against, and already some
/// seconds of work on a phone.
pub const MAX_POW_COST: u64 = 1_000_000;

/// The longest edit window `REPLYDESK_EDIT_MINUTES` takes: a day.
pub const MAX_EDIT_MINUTES: u32 = 1_440;

fn is_setting(key: &str) -> bool {
    SETTINGS.iter().any(|(known, _)| *known == key)
        || RuleSettings::NAMES
            .iter()
            .any(|name| name.eq_ignore_ascii_case(key))
}

/// Everything the server needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseUrl,
    /// How long the server waits at start for a database server that does not
    /// answer yet.
    pub database_wait_seconds: u32,
    /// Whether a SQLite submission is answered only once it is on disk.
    pub sqlite_sync: SqliteSync,
    pub bind: SocketAddr,
    /// Unset means "this server's own address", read once it is listening.
    pub public_url: Option<Url>,
    pub allowed_origins: OriginPolicy,
    pub smtp_url: Option<Secret<Url>>,
    pub mail_from: Mailbox,
    /// Where e-mails are written as `.eml` files when no SMTP server is set,
    /// relative to the working directory unless absolute: a second instance,
    /// or a test, can keep its mail apart from the others'.
    pub mail_folder: PathBuf,
    pub secret_key: Option<Secret<String>>,
    pub trusted_proxies: Vec<IpNet>,
    pub rules: RuleSettings,
    pub ip_retention_days: u32,
    /// Sending attempts before an e-mail is given up on (and kept, marked dead).
    pub mail_max_attempts: u32,
    /// The first wait after a failed send; each further failure doubles it.
    pub mail_retry_seconds: u32,
    /// How long held comments gather for a moderator who chose a digest,
    /// after one moderation e-mail, before the next (one digest of them all).
    pub digest_minutes: u32,
    /// How long an admin-page login lasts before the moderator signs in again.
    pub session_hours: u32,
    /// Wrong passwords for one account (three times as many for one IP)
    /// before logins are locked for a while.
    pub login_lock_after: u32,
    /// Public POSTs (and logins) one address (IPv6: one /64) may send a
    /// minute, as a burst; 0 turns the limiter off.
    pub burst_limit: u32,
    /// Spam and trash older than this many days are deleted; 0 keeps them.
    pub empty_spam_days: u32,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    /// Serve the demo blog under `/demo/` and allow it to post (`serve --demo`).
    pub demo: bool,
    /// What a trained spam filter's score may do to a submission.
    pub spam: Thresholds,
    /// Held comments are checked with Akismet, and moderators' decisions
    /// reported to it, only when a key is set: it sends commenters' data to
    /// a third party.
    pub akismet: Option<AkismetSettings>,
    /// Whether `/api/altcha` issues proof-of-work challenges and what a
    /// submission without a solution earns.
    pub pow: PowMode,
    /// ALTCHA's `maxnumber`: a browser tries half as many hashes on average,
    /// all of them at worst.
    pub pow_cost: u64,
    /// How every comment body is read before it is sanitized, for the whole
    /// instance: stored, answered and previewed comments alike.
    pub text_format: TextFormat,
    /// How long after writing it a commenter may edit or delete their
    /// comment with the token its answer carried; 0 turns editing off.
    pub edit_minutes: u32,
}

/// Where Akismet is asked, and with which key.
#[derive(Clone, Debug)]
pub struct AkismetSettings {
    pub key: Secret<String>,
    /// `https://rest.akismet.com`, or a stand-in for tests.
    pub url: Url,
    /// The first wait after a failed check; each further failure doubles it.
    pub retry_seconds: u32,
}

/// When SQLite's writer answers a submission (docs/performance.md, "SQLite
/// durability"). Either way the file is never corrupted and a crash of the
/// process loses nothing acknowledged; they differ on a power cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Once the log holding it is flushed to disk: nothing acknowledged is
    /// lost even to a power cut.
    #[default]
    Full,
    /// Once it is committed, before the disk has it: a power cut or a kernel
    /// crash may take the last second or so of acknowledged comments.
    Normal,
}

impl std::str::FromStr for SqliteSync {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            _ => Err(()),
        }
    }
}

/// Where the data lives; the scheme picks the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret<String>),
}

impl DatabaseUrl {
    /// Which database this is, in words an operator recognises, without the
    /// password: the SQLite file's full path, or the PostgreSQL database, host
    /// and user.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => {
                let full = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                format!("the SQLite file {}", full.display())
            }
            DatabaseUrl::Postgres(url) => match Url::parse(url.expose()) {
                Ok(url) => format!(
                    "the PostgreSQL database {:?} on {}:{} (user {:?})",
                    url.path().trim_start_matches('/'),
                    url.host_str().unwrap_or("localhost"),
                    url.port().unwrap_or(5432),
                    url.username()
                ),
                Err(_) => "the PostgreSQL database named in REPLYDESK_DATABASE_URL".to_owned(),
            },
        }
    }
}

/// A value that must never reach a log line, so its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A setting that could not be used, named the way the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
}

impl ConfigError {
    fn new(setting: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            problem: problem.into(),
        }
    }
}

impl Settings {
    /// Reads the process environment over the optional TOML file over the defaults.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let file = match config_file {
            Some(path) => read_toml(path)?,
            None => BTreeMap::new(),
        };
        for (name, _) in std::env::vars() {
            if let Some(key) = name.strip_prefix(ENV_PREFIX)
                && !key.starts_with("TEST_")
                && !is_setting(key)
            {
                tracing::warn!(setting = %name, "unknown setting in the environment is ignored");
            }
        }
        let file_name = config_file.map(|path| path.display().to_string());
        Self::from_source(|key| {
            let from_env = std::env::var(format!("{ENV_PREFIX}{key}"))
                .ok()
                .map(|value| (value, format!("{ENV_PREFIX}{key}")));
            from_env.or_else(|| {
                let value = file.get(key)?.clone();
                let place = file_name.as_deref().unwrap_or_default();
                Some((value, format!("{} in {place}", key.to_ascii_lowercase())))
            })
        })
    }

    /// Builds settings from explicit values over the defaults, as tests and tools do.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        for (key, _) in pairs {
            if !is_setting(key) {
                return Err(ConfigError::new(*key, "is not a setting"));
            }
        }
        Self::from_source(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| ((*v).to_owned(), format!("{ENV_PREFIX}{key}")))
        })
    }

    /// `source` gives a setting's text and the name to blame when it is wrong:
    /// the environment variable, or the key and file it came from.
    fn from_source(source: impl Fn(&str) -> Option<(String, String)>) -> Result<Self, ConfigError> {
        let value = |key: &str| -> Raw {
            let default = SETTINGS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |(_, d)| *d);
            let (text, name) =
                source(key).unwrap_or_else(|| (default.to_owned(), format!("{ENV_PREFIX}{key}")));
            Raw { name, text }
        };
        Ok(Self {
            database: value("DATABASE_URL").database_url()?,
            database_wait_seconds: value("DATABASE_WAIT_SECONDS")
                .parse_with("a whole number of seconds")?,
            sqlite_sync: value("SQLITE_SYNC").parse_with("full or normal")?,
            bind: value("BIND").parse_with("an address such as 127.0.0.1:8080")?,
            public_url: value("PUBLIC_URL").optional_http_url()?,
            allowed_origins: value("ALLOWED_ORIGINS").origins()?,
            smtp_url: value("SMTP_URL").smtp_url()?,
            mail_from: value("MAIL_FROM")
                .parse_with("a sender such as Replydesk <noreply@example.com>")?,
            mail_folder: value("MAIL_FOLDER").folder()?,
            secret_key: value("SECRET_KEY").secret_key()?,
            trusted_proxies: value("TRUSTED_PROXIES").proxies()?,
            rules: rules(&source)?,
            ip_retention_days: value("IP_RETENTION_DAYS").parse_with("a whole number of days")?,
            mail_max_attempts: value("MAIL_MAX_ATTEMPTS").positive("attempts")?,
            mail_retry_seconds: value("MAIL_RETRY_SECONDS").positive("seconds")?,
            digest_minutes: value("DIGEST_MINUTES").positive("minutes")?,
            session_hours: value("SESSION_HOURS").positive("hours")?,
            login_lock_after: value("LOGIN_LOCK_AFTER").positive("failed logins")?,
            burst_limit: value("BURST_LIMIT").parse_with("a whole number of requests a minute")?,
            empty_spam_days: value("EMPTY_SPAM_DAYS").parse_with("a whole number of days")?,
            metrics_token: value("METRICS_TOKEN").metrics_token()?,
            demo: value("DEMO").parse_with("true or false")?,
            spam: thresholds(&value("SPAM_THRESHOLD"), &value("HAM_THRESHOLD"))?,
            akismet: akismet(&value)?,
            pow: value("POW").parse_with("off, score or require")?,
            pow_cost: value("POW_COST").pow_cost()?,
            text_format: value("TEXT_FORMAT").parse_with("wordpress or markdown")?,
            edit_minutes: value("EDIT_MINUTES").edit_minutes()?,
        })
    }
}

fn rules(source: &impl Fn(&str) -> Option<(String, String)>) -> Result<RuleSettings, ConfigError> {
    let mut rules = RuleSettings::default();
    for name in RuleSettings::NAMES {
        let key = name.to_ascii_uppercase();
        if let Some((text, blame)) = source(&key) {
            rules
                .set(name, &text)
                .map_err(|problem| ConfigError::new(blame, problem))?;
        }
    }
    Ok(rules)
}

/// The spam threshold (above one half, at most 1) and the ham threshold
/// (`off`, or below one half and so below the spam threshold).
fn thresholds(spam: &Raw, ham: &Raw) -> Result<Thresholds, ConfigError> {
    let score = |raw: &Raw| -> Result<f64, ConfigError> {
        raw.parse_with::<f64>("a score between 0 and 1, such as 0.99")
            .and_then(|n| {
                (0.0..=1.0)
                    .contains(&n)
                    .then_some(n)
                    .ok_or_else(|| raw.fail(format!("expected a score between 0 and 1, got {n}")))
            })
    };
    let spam_at = score(spam)?;
    if spam_at <= 0.5 {
        return Err(spam.fail(format!(
            "must be above 0.5 (an unsure score), got {spam_at}; 0.99 is the default"
        )));
    }
    let ham_at = if ham.trimmed().eq_ignore_ascii_case("off") {
        None
    } else {
        let at = score(ham)?;
        if at >= 0.5 {
            return Err(ham.fail(format!(
                "must be below 0.5 (an unsure score), got {at}; 0.01 is a careful start, or off"
            )));
        }
        Some(at)
    };
    Ok(Thresholds {
        spam: spam_at,
        ham: ham_at,
    })
}

/// Akismet's settings, `None` without a key. The URL and the retry are
/// checked even then, so a typo is found before the key is added.
fn akismet(value: &impl Fn(&str) -> Raw) -> Result<Option<AkismetSettings>, ConfigError> {
    let raw_url = value("AKISMET_URL");
    let url = raw_url.optional_http_url()?.ok_or_else(|| {
        raw_url.fail("expected an http:// or https:// URL, such as https://rest.akismet.com")
    })?;
    let retry_seconds = value("AKISMET_RETRY_SECONDS").positive("seconds")?;
    let key = value("AKISMET_KEY");
    let text = key.trimmed();
    if text.is_empty() {
        return Ok(None);
    }
    if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(key.fail("expected an Akismet API key: letters and digits only"));
    }
    Ok(Some(AkismetSettings {
        key: Secret::new(text.to_owned()),
        url,
        retry_seconds,
    }))
}

/// One setting's text together with the name to blame when it is wrong.
struct Raw {
    name: String,
    text: String,
}

impl Raw {
    fn fail(&self, problem: impl Into<String>) -> ConfigError {
        ConfigError::new(self.name.clone(), problem)
    }

    fn trimmed(&self) -> &str {
        self.text.trim()
    }

    fn parse_with<T: std::str::FromStr>(&self, expected: &str) -> Result<T, ConfigError> {
        self.trimmed()
            .parse()
            .map_err(|_| self.fail(format!("expected {expected}, got {:?}", self.trimmed())))
    }

    fn positive(&self, what: &str) -> Result<u32, ConfigError> {
        match self.parse_with::<u32>(&format!("a whole number of {what}"))? {
            0 => Err(self.fail("must be at least 1")),
            n => Ok(n),
        }
    }

    /// A folder's path as written: the server creates it at start if it is
    /// missing, so only an empty value is refused.
    fn folder(&self) -> Result<PathBuf, ConfigError> {
        match self.trimmed() {
            "" => Err(self.fail("must name a folder, such as mail-outbox")),
            path => Ok(PathBuf::from(path)),
        }
    }

    fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        let text = self.trimmed();
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(self.fail("sqlite:// needs a file path, e.g. sqlite://replydesk.db"));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(Secret::new(text.to_owned())));
        }
        // Only the scheme is echoed: the rest may hold a password.
        let scheme = text.split(':').next().unwrap_or_default();
        Err(self.fail(format!(
            "expected sqlite://PATH or postgres://USER@HOST/DB, got a value with scheme {scheme:?}"
        )))
    }

    fn optional_http_url(&self) -> Result<Option<Url>, ConfigError> {
        if self.trimmed().is_empty() {
            return Ok(None);
        }
        let url = Url::parse(self.trimmed())
            .map_err(|e| self.fail(format!("not a URL ({e}): {:?}", self.trimmed())))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(self.fail("expected an http:// or https:// URL with a host"));
        }
        Ok(Some(url))
    }

    fn origins(&self) -> Result<OriginPolicy, ConfigError> {
        list(self.trimmed())
            .map(|item| {
                AllowedOrigin::parse(item).ok_or_else(|| {
                    self.fail(format!(
                        "{item:?} is not an http(s) origin such as https://blog.example.com"
                    ))
                })
            })
            .collect::<Result<_, _>>()
            .map(OriginPolicy::new)
    }

    fn smtp_url(&self) -> Result<Option<Secret<Url>>, ConfigError> {
        let text = self.trimmed();
        if text.is_empty() {
            return Ok(None);
        }
        let url =
            Url::parse(text).map_err(|_| self.fail("not a URL such as smtp://localhost:1025"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") || url.host().is_none() {
            return Err(self.fail("expected smtp://HOST:PORT or smtps://HOST:PORT"));
        }
        Ok(Some(Secret::new(url)))
    }

    fn secret_key(&self) -> Result<Option<Secret<String>>, ConfigError> {
        let text = self.trimmed();
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() < 32 {
            return Err(self.fail("must be at least 32 characters long"));
        }
        Ok(Some(Secret::new(text.to_owned())))
    }

    /// Past a few million hashes a phone takes minutes, and a reader gives up
    /// before the robot does.
    fn pow_cost(&self) -> Result<u64, ConfigError> {
        match self.parse_with::<u64>("a whole number of hashes, such as 50000")? {
            n if n < 1_000 => Err(self.fail("must be at least 1000, or it proves nothing")),
            n if n > MAX_POW_COST => Err(self.fail(format!(
                "must be at most {MAX_POW_COST}, or a phone takes minutes to solve it"
            ))),
            n => Ok(n),
        }
    }

    /// The window is for fixing a typo soon after writing; past a day a
    /// comment has been read and answered, and changing it would rewrite
    /// what others replied to.
    fn edit_minutes(&self) -> Result<u32, ConfigError> {
        match self
            .parse_with::<u32>("a whole number of minutes, such as 15 (0 turns editing off)")?
        {
            n if n > MAX_EDIT_MINUTES => Err(self.fail(format!(
                "must be at most {MAX_EDIT_MINUTES} (a day), or 0 to turn editing off"
            ))),
            n => Ok(n),
        }
    }

    fn metrics_token(&self) -> Result<Option<Secret<String>>, ConfigError> {
        let text = self.trimmed();
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() < 16 || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(self.fail(
                "must be at least 16 printable characters without spaces, as a bearer token is",
            ));
        }
        Ok(Some(Secret::new(text.to_owned())))
    }

    fn proxies(&self) -> Result<Vec<IpNet>, ConfigError> {
        list(self.trimmed())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| self.fail(format!("{item:?} is not an IP address or CIDR range")))
            })
            .collect()
    }
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Reads a TOML file whose keys are the settings' names without the prefix, in
/// any case (`hold_all = true`); lists may be TOML arrays.
fn read_toml(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let name = format!("--config {}", path.display());
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(name.clone(), format!("cannot read the file: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| ConfigError::new(name.clone(), format!("not valid TOML: {e}")))?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        let upper = key.to_ascii_uppercase();
        if !is_setting(&upper) {
            return Err(ConfigError::new(
                key,
                format!("is not a setting (in {name})"),
            ));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            _ => {
                return Err(ConfigError::new(
                    key,
                    "expected a string, number, boolean or list",
                ));
            }
        };
        values.insert(upper, text);
    }
    Ok(values)
}

#[cfg(test)]
mod tests;
