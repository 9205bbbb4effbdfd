//! E-mail: the only place that names lettre. Messages are written from the
//! outbox rows and sent over SMTP, or, with no SMTP server configured, written
//! as `.eml` files under `REPLYDESK_MAIL_FOLDER` (`./mail-outbox/` by default)
//! so a first run needs no mail server.

mod compose;
pub mod files;
pub mod messages;
pub mod worker;

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::configuration::Settings;

/// How long one SMTP command may take. A whole message (a handful of commands)
/// then stays well inside the worker's lease on its outbox row, so a hung mail
/// server cannot make another instance send the same row again.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// The transport, and the folder it writes to, for the log line.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends finished messages; built once per instance.
pub struct Mailer {
    transport: Transport,
    pub from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &Settings) -> Result<Self, String> {
        if let Some(url) = &settings.smtp_url
            && sends_password_in_clear(url.expose())
        {
            tracing::warn!(
                "REPLYDESK_SMTP_URL carries a user name and password over a connection without TLS; \
                 anyone on the path can read them: use smtps:// or add ?tls=required"
            );
        }
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose().as_str())
                    .map_err(|e| format!("REPLYDESK_SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => {
                let folder = settings.mail_folder.clone();
                std::fs::create_dir_all(&folder).map_err(|e| {
                    format!(
                        "REPLYDESK_MAIL_FOLDER: cannot create {} for e-mails: {e}",
                        folder.display()
                    )
                })?;
                Transport::Files(AsyncFileTransport::<Tokio1Executor>::new(&folder), folder)
            }
        };
        Ok(Self {
            transport,
            from: settings.mail_from.clone(),
        })
    }

    /// Hands the message to the mail server (or writes its file). The caller
    /// logs the one line per e-mail, so it can name the outbox row.
    pub async fn send(&self, message: Message) -> Result<Delivered, String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| Delivered::Smtp)
                .map_err(|e| e.to_string()),
            Transport::Files(files, folder) => {
                let id = files.send(message).await.map_err(|e| e.to_string())?;
                let file = folder.join(format!("{id}.eml"));
                Ok(Delivered::File(file.display().to_string()))
            }
        }
    }
}

/// Whether the SMTP URL logs in without TLS: `smtp://` with credentials and
/// without `tls=required` (`tls=opportunistic` falls back to plain text when a
/// man in the middle strips STARTTLS).
fn sends_password_in_clear(url: &url::Url) -> bool {
    let credentials = !url.username().is_empty() || url.password().is_some();
    let tls_required = url
        .query_pairs()
        .any(|(key, value)| key == "tls" && value == "required");
    url.scheme() == "smtp" && credentials && !tls_required
}

/// Where a sent message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Smtp,
    /// The file written, under the mail folder as the setting names it.
    File(String),
}

/// An address as logs may show it: `a***@example.com`.
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// An error message as logs may show it: mail servers and databases echo
/// addresses back ("550 <ada@example.com>: no such user"), so every word that
/// holds an `@` is masked.
pub fn scrubbed(error: &str) -> String {
    error
        .split(' ')
        .map(|word| match word.find('@') {
            Some(at) => {
                let start = word[..at]
                    .rfind(|c: char| !(c.is_alphanumeric() || "._%+-".contains(c)))
                    .map_or(0, |i| i + 1);
                format!("{}{}", &word[..start], masked(&word[start..]))
            }
            None => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_see_only_the_first_letter_and_the_domain() {
        assert_eq!(masked("ada@example.com"), "a***@example.com");
        assert_eq!(masked("not an address"), "***");
        assert_eq!(masked("@example.com"), "***@example.com");
    }

    #[test]
    fn addresses_inside_errors_are_masked() {
        assert_eq!(
            scrubbed("permanent error (550): <grace@example.org>: no such user"),
            "permanent error (550): <g***@example.org>: no such user"
        );
        assert_eq!(scrubbed("connection refused"), "connection refused");
        assert_eq!(
            scrubbed("Key (email)=(ada@example.com) exists"),
            "Key (email)=(a***@example.com) exists"
        );
    }

    fn url(text: &str) -> url::Url {
        text.parse().expect("a URL")
    }

    #[test]
    fn only_credentials_over_plain_smtp_are_in_clear() {
        assert!(sends_password_in_clear(&url(
            "smtp://user:pass@mail.example:587"
        )));
        assert!(sends_password_in_clear(&url(
            "smtp://user:pass@mail.example:587?tls=opportunistic"
        )));
        assert!(!sends_password_in_clear(&url(
            "smtp://user:pass@mail.example:587?tls=required"
        )));
        assert!(!sends_password_in_clear(&url(
            "smtps://user:pass@mail.example"
        )));
        assert!(!sends_password_in_clear(&url("smtp://mailpit:1025")));
    }
}
