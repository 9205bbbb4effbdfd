//! `replydesk export-personal EMAIL [FILE]` and `replydesk forget EMAIL [--delete-text]`.

use std::path::PathBuf;

use crate::db::Database;
use crate::personal;

/// Writes everything stored about `email` as JSON, to `file` or standard output.
pub fn export(database: &Database, email: &str, file: Option<PathBuf>) -> Result<(), String> {
    let export = database
        .run_here(|conn| personal::export(conn, email))
        .map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&export).map_err(|e| e.to_string())?;
    match file {
        Some(path) => {
            std::fs::write(&path, json)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "Wrote {} comments and {} e-mails about that address to {}.",
                export.comments.len(),
                export.emails.len(),
                path.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(())
}

pub fn forget(database: &Database, email: &str, delete_text: bool) -> Result<(), String> {
    let count = database
        .run_here(|conn| personal::forget(conn, email, delete_text))
        .map_err(|e| e.to_string())?;
    println!("Anonymized {count} comments; the e-mails sent to that address are forgotten.");
    Ok(())
}
