//! `replydesk export-personal EMAIL [FILE]` and `replydesk forget EMAIL [--delete-text] [--purge-outbox-files]`.

use std::path::PathBuf;

use crate::configuration::Settings;
use crate::db::Database;
use crate::domain::address::AddressKeys;
use crate::domain::email::EmailAddress;
use crate::domain::words::count_of;
use crate::mail;
use crate::personal;

/// Writes everything stored about `email` as JSON, to `file` or standard output.
pub fn export(
    database: &Database,
    settings: &Settings,
    email: &str,
    file: Option<PathBuf>,
) -> Result<(), String> {
    let keys = AddressKeys::new(&super::spam::secret(database, settings)?);
    let export = database
        .read_here(|conn| personal::export(conn, &keys, email))
        .map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&export).map_err(|e| e.to_string())?;
    match file {
        Some(path) => {
            std::fs::write(&path, json)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "Wrote {} and {} about that address to {}.",
                count_of(export.comments.len(), "comment", "comments"),
                count_of(export.emails.len(), "e-mail", "e-mails"),
                path.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(())
}

/// Erases the address, then says what it did and what it cannot reach.
pub fn forget(
    database: &Database,
    settings: &Settings,
    email: &str,
    delete_text: bool,
    purge_outbox_files: bool,
) -> Result<(), String> {
    let address = email.to_owned();
    let keys = AddressKeys::new(&super::spam::secret(database, settings)?);
    let forgotten = database
        .write_here(move |conn| personal::forget(conn, &keys, &address, delete_text))
        .map_err(|e| e.to_string())?;
    println!(
        "Anonymized {}; deleted the e-mails still queued to that address and its confirmation; \
         took it out of {}.",
        count_of(forgotten.comments.len(), "comment", "comments"),
        count_of(
            forgotten.texts_scrubbed,
            "rule reason or audit entry",
            "rule reasons and audit entries"
        ),
    );
    let folder =
        std::path::absolute(&settings.mail_folder).unwrap_or_else(|_| settings.mail_folder.clone());
    if purge_outbox_files {
        if settings.smtp_url.is_some() {
            println!("REPLYDESK_SMTP_URL is set: e-mails went to the mail server, not to files.");
        } else if folder.is_dir() {
            let address = EmailAddress::as_given(email).into_string();
            let deleted = mail::files::purge_mentioning(&folder, &address, &forgotten.comments)
                .map_err(|e| format!("cannot clear {}: {e}", folder.display()))?;
            println!(
                "Deleted {} under {} that named the address or its comments.",
                count_of(deleted, "e-mail file", "e-mail files"),
                folder.display()
            );
        } else {
            println!(
                "There is no {} here: no e-mail file to delete.",
                folder.display()
            );
        }
    }
    println!(
        "Out of reach: e-mails already sent (in their recipients' mailboxes and the mail server's logs),"
    );
    if !purge_outbox_files && settings.smtp_url.is_none() {
        println!(
            "the e-mail files already written under {} (add --purge-outbox-files),",
            folder.display()
        );
    }
    println!(
        "copies and backups of the database, and the moderators' word lists (see `replydesk settings show`)."
    );
    Ok(())
}
