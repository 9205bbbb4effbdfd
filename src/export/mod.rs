//! `replydesk export [--format json|wxr] FILE`: everything stored, post by
//! post, so an export of any size needs the memory of its largest post.
//!
//! JSON is the complete backup (`replydesk import json` gives the same data
//! back); WXR is for moving to WordPress or anything that reads WordPress
//! exports, and our own WordPress importer reads it too.

pub mod json;
pub mod wxr;

use std::io::Write;

use chrono::{NaiveDateTime, SecondsFormat};

use crate::db::{AnyConnection, comments, posts};

/// How many posts are read at once.
const PAGE: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] crate::db::StorageError),
    #[error("cannot write the export: {0}")]
    Json(#[from] serde_json::Error),
}

/// What an export wrote, for the line the command ends with.
#[derive(Debug, Default)]
pub struct Written {
    pub posts: u64,
    pub comments: u64,
    pub moderators: u64,
}

/// Times as RFC 3339 in UTC, with as many fractional digits as were stored,
/// so a round trip gives back the same instant.
pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Calls `each` for every post with its comments, in id order.
fn for_each_post(
    conn: &mut AnyConnection,
    site: Option<i64>,
    mut each: impl FnMut(
        &mut AnyConnection,
        posts::Post,
        Vec<comments::Comment>,
    ) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut after = 0;
    loop {
        let page = posts::page_after(conn, site, after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id;
        for post in page {
            let comments = comments::all_for_post(conn, post.id)?;
            each(conn, post, comments)?;
        }
    }
}

/// Writes the export in `format` to `out`: every site's posts, or one site's.
pub fn write(
    conn: &mut AnyConnection,
    format: Format,
    site: Option<i64>,
    out: &mut dyn Write,
) -> Result<Written, ExportError> {
    match format {
        Format::Json => json::write(conn, site, out),
        Format::Wxr => wxr::write(conn, site, out),
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Format {
    Json,
    Wxr,
}
