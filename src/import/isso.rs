//! `replydesk import isso FILE.db`: Isso keeps its comments in a SQLite file
//! (`threads`, `comments`); this reads that file, one thread at a time, and
//! never writes to it. The SQL lives here rather than in `db/` because it is
//! another program's schema, not ours.
//!
//! A thread's `uri` (the page's path, as Isso's script sends it) is the post
//! key, which is what a WordPress or Disqus import of the same page uses.
//! Isso's modes: 1 accepted → approved, 2 waiting → pending, 4 deleted
//! (kept by Isso only while it has replies) → trash.

use std::path::Path;

use chrono::DateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};

use super::{Comment, Extra, ImportError, Post, Progress, Sink, clean};
use crate::domain::status::Status;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Thread {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    uri: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    parent: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    created: Option<f64>,
    #[diesel(sql_type = Nullable<Integer>)]
    mode: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    remote_addr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    author: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    website: Option<String>,
}

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
    let url = format!("file:{}?mode=ro", path.display());
    let mut isso = SqliteConnection::establish(&url).map_err(|e| format_error(path, e))?;
    let total = diesel::sql_query("SELECT COUNT(*) AS n FROM comments")
        .get_result::<Count>(&mut isso)
        .map_err(|e| format_error(path, e))?
        .n;
    let threads: Vec<Thread> = diesel::sql_query("SELECT id, uri, title FROM threads ORDER BY id")
        .load(&mut isso)
        .map_err(|e| format_error(path, e))?;
    let mut done = 0u64;
    let total = u64::try_from(total).unwrap_or(0);
    for thread in threads {
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT id, parent, created, mode, remote_addr, text, author, email, website \
             FROM comments WHERE tid = ? ORDER BY id",
        )
        .bind::<BigInt, _>(thread.id)
        .load(&mut isso)
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
            email: crate::personal::normalize(row.email.as_deref().unwrap_or_default()),
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
