//! E-mail: the only place that names lettre. Messages are written from the
//! outbox rows and sent over SMTP, or, with no SMTP server configured, written
//! as `.eml` files under `./mail-outbox/` so a first run needs no mail server.

pub mod messages;
pub mod worker;

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::configuration::Settings;

/// Where files go when no SMTP server is configured.
pub const OUTBOX_FOLDER: &str = "mail-outbox";

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Sends finished messages; built once per instance.
pub struct Mailer {
    transport: Transport,
    pub from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &Settings) -> Result<Self, String> {
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose().as_str())
                    .map_err(|e| format!("REPLYDESK_SMTP_URL: {e}"))?
                    .build(),
            ),
            None => {
                let folder = PathBuf::from(OUTBOX_FOLDER);
                std::fs::create_dir_all(&folder)
                    .map_err(|e| format!("cannot create ./{OUTBOX_FOLDER}/ for e-mails: {e}"))?;
                Transport::Files(AsyncFileTransport::<Tokio1Executor>::new(folder))
            }
        };
        Ok(Self {
            transport,
            from: settings.mail_from.clone(),
        })
    }

    /// Hands the message to the mail server (or writes its file).
    pub async fn send(&self, message: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Transport::Files(files) => {
                let id = files.send(message).await.map_err(|e| e.to_string())?;
                tracing::info!(file = %format!("{OUTBOX_FOLDER}/{id}.eml"), "e-mail written");
                Ok(())
            }
        }
    }
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
