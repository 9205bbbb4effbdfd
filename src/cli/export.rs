//! `replydesk export FILE [--format json|wxr]`: everything stored, as a file
//! another Replydesk (or WordPress) reads back.

use std::path::{Path, PathBuf};

use crate::db::Database;
use crate::domain::words::count;

/// The formats `replydesk export` writes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Wxr,
}

/// Writes the export next to `file` and renames it into place, so a failed
/// export never leaves a half-written file where a good one was expected.
pub fn export(
    database: &Database,
    format: ExportFormat,
    site: Option<i64>,
    file: &Path,
) -> Result<(), String> {
    let format = match format {
        ExportFormat::Json => crate::export::Format::Json,
        ExportFormat::Wxr => crate::export::Format::Wxr,
    };
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", partial.display());
    let out = std::fs::File::create(&partial).map_err(cannot)?;
    let mut out = std::io::BufWriter::new(out);
    let written = database
        .snapshot_here(|conn| Ok(crate::export::write(conn, format, site, &mut out)))
        .map_err(|e| e.to_string())
        .and_then(|result| result.map_err(|e| e.to_string()));
    let written = match written {
        Ok(written) => written,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    out.into_inner()
        .map_err(|e| cannot(e.into_error()))?
        .sync_all()
        .map_err(cannot)?;
    std::fs::rename(&partial, file).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    println!(
        "Wrote {}, {} and {} to {}.",
        count(written.posts, "post", "posts"),
        count(written.comments, "comment", "comments"),
        count(written.moderators, "moderator", "moderators"),
        file.display()
    );
    Ok(())
}
