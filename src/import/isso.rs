//! `replydesk import isso FILE.db`: Isso keeps its comments in a SQLite file
//! (`threads`, `comments`); this reads that file, one thread at a time
//! (through `db::isso_file`), and never writes to it.
//!
//! A thread's `uri` (the page's path, as Isso's script sends it) is the post
//! key, which is what a WordPress or Disqus import of the same page uses.
//! Isso's modes: 1 accepted → approved, 2 waiting → pending, 4 deleted
//! (kept by Isso only while it has replies) → trash.

use std::path::Path;

use chrono::DateTime;

use super::{Comment, Extra, ImportError, Post, Progress, Sink, clean};
use crate::db::isso_file::{IssoFile, Row};
use crate::domain::email::EmailAddress;
use crate::domain::status::Status;

fn format_error(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Format(format!(
        "{} is not an Isso database we can read: {e}",
        path.display()
    ))
}

pub fn read(
    path: &Path,
    sink: &mut Sink<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    // SQLite would create a missing file; an import must never do that.
    if !path.is_file() {
        return Err(ImportError::Io {
            path: path.display().to_string(),
            message: "no such file".into(),
        });
    }
    let mut isso = IssoFile::open(path).map_err(|e| format_error(path, e))?;
    let total = isso.count().map_err(|e| format_error(path, e))?;
    let threads = isso.threads().map_err(|e| format_error(path, e))?;
    let mut done = 0u64;
    for thread in threads {
        let rows = isso
            .comments_of(thread.id)
            .map_err(|e| format_error(path, e))?;
        if rows.is_empty() {
            continue;
        }
        let key = thread.uri.as_deref().map(str::trim).unwrap_or_default();
        if key.is_empty() {
            for _ in &rows {
                sink.skip("its Isso thread has no uri", None);
            }
            continue;
        }
        let post_id = sink.post(&Post {
            key: key.to_owned(),
            title: clean(thread.title.as_deref().unwrap_or_default()),
            url: String::new(),
            comments_open: true,
            closes_at: None,
            created_at: None,
            site: None,
        })?;
        for row in rows {
            done += 1;
            import_row(row, post_id, sink)?;
        }
        sink.settle()?;
        progress.update(done, total, sink.comments_read());
    }
    progress.update(total, total, sink.comments_read());
    Ok(())
}

fn import_row(row: Row, post_id: i64, sink: &mut Sink<'_>) -> Result<(), ImportError> {
    let status = match row.mode {
        Some(1) => Status::Approved,
        Some(2) => Status::Pending,
        Some(4) => Status::Trash,
        _ => {
            sink.adjust("an unknown Isso mode, held as pending", None);
            Status::Pending
        }
    };
    let created_at = match row
        .created
        .filter(|c| c.is_finite())
        .and_then(|c| DateTime::from_timestamp_millis((c * 1000.0) as i64))
    {
        Some(at) => at.naive_utc(),
        None => {
            sink.adjust("no readable date, dated at the import", None);
            sink.now()
        }
    };
    let text = |value: Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    sink.comment(
        post_id,
        Comment {
            source_id: format!("isso:{}", row.id),
            parent: row.parent.map(|p| format!("isso:{p}")),
            author: super::wordpress::non_empty_author(clean(
                row.author.as_deref().unwrap_or_default(),
            )),
            email: EmailAddress::as_given(row.email.as_deref().unwrap_or_default()).into_string(),
            url: text(row.website),
            ip: Some(text(row.remote_addr)).filter(|ip| !ip.is_empty()),
            body: clean(row.text.as_deref().unwrap_or_default()),
            status,
            created_at,
            kind: "comment",
            extra: Extra::default(),
            at: None,
        },
    )
}
