//! Importing comments from other systems (WordPress, Disqus, Isso) and from
//! Replydesk's own export, merged into what is already stored.
//!
//! Every importer reads its file as a stream and hands posts and comments to
//! one [`Sink`], which writes them inside a single transaction: a broken file
//! leaves the database as it was. Each comment remembers where it came from
//! (`comments.source_id`), so importing the same file again adds nothing.

pub mod disqus;
pub mod isso;
pub mod json;
mod sink;
pub mod wordpress;
mod xml;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::db::{Database, StorageError};
use crate::domain::status::Status;
use crate::domain::words::count;
use crate::error::AppError;

pub use sink::Sink;

/// A post as an export describes it; `key` is the identifier blog pages send.
#[derive(Debug, Clone, Default)]
pub struct Post {
    pub key: String,
    pub title: String,
    pub url: String,
    pub comments_open: bool,
    pub closes_at: Option<NaiveDateTime>,
    pub created_at: Option<NaiveDateTime>,
    /// The site a Replydesk export says the post was on, by name.
    pub site: Option<String>,
}

/// A comment as an export describes it, before it is placed in its thread.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Where it came from, e.g. `wordpress:18:2`; unique, so a re-import skips it.
    pub source_id: String,
    /// The source id of the comment it answers, if any.
    pub parent: Option<String>,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: Option<String>,
    pub body: String,
    pub status: Status,
    pub created_at: NaiveDateTime,
    /// `comment`, `pingback` or `trackback`, as WordPress names them.
    pub kind: &'static str,
    /// The columns only a Replydesk export carries; empty for other systems.
    pub extra: Extra,
    /// Where in the file the comment was read, for the summary's pointers.
    pub at: Option<u64>,
}

/// What a Replydesk export keeps beyond what other systems know.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub previous_status: Option<Status>,
    pub reasons: String,
    pub user_agent: String,
    pub subscribed: bool,
    pub moderator_id: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A comment's kind as WordPress names it (`wp:comment_type`): a pingback, a
/// trackback, or else an ordinary comment (WordPress writes `comment`, or
/// nothing before 5.5).
pub fn kind(wordpress_type: &str) -> &'static str {
    match wordpress_type.trim() {
        "pingback" => "pingback",
        "trackback" => "trackback",
        _ => "comment",
    }
}

/// Why an import stopped; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    /// A syntax error at a byte offset; turned into a line by [`locate`].
    #[error("byte {offset}: {message}")]
    Syntax { offset: u64, message: String },
    #[error("line {line}, column {column}: {message}")]
    AtLine {
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{0}")]
    Format(String),
    #[error("database error: {0}")]
    Database(#[from] StorageError),
    #[error("{0}")]
    Storage(#[from] AppError),
}

/// Counts for the summary an import ends with.
#[derive(Debug, Default)]
pub struct Summary {
    pub posts_read: u64,
    pub posts_added: u64,
    pub comments_read: u64,
    pub added_by_status: BTreeMap<&'static str, u64>,
    /// Comments not added, by reason, with where the first one was read.
    pub skipped: BTreeMap<&'static str, Tally>,
    /// Comments added with a change, by what was changed.
    pub adjusted: BTreeMap<&'static str, Tally>,
    pub moderators_added: u64,
}

/// How often something happened, and where first (a byte offset, until
/// [`Summary::locate`] turns it into a line).
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub count: u64,
    pub first_at: Option<u64>,
    pub first_line: Option<u64>,
}

impl Tally {
    fn add(&mut self, at: Option<u64>) {
        self.count += 1;
        if self.first_at.is_none() {
            self.first_at = at;
        }
    }
}

impl Summary {
    pub fn comments_added(&self) -> u64 {
        self.added_by_status.values().sum()
    }

    pub fn comments_skipped(&self) -> u64 {
        self.skipped.values().map(|t| t.count).sum()
    }

    pub fn added(&self, status: Status) -> u64 {
        self.added_by_status
            .get(status.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// Turns the byte offsets of first occurrences into line numbers, reading
    /// the file once more (the offsets are few, the file may be large).
    pub fn locate(&mut self, path: &Path) {
        let mut offsets: Vec<u64> = self
            .skipped
            .values()
            .chain(self.adjusted.values())
            .filter_map(|t| t.first_at)
            .collect();
        if offsets.is_empty() {
            return;
        }
        offsets.sort_unstable();
        let Ok(lines) = lines_at(path, &offsets) else {
            return;
        };
        for tally in self.skipped.values_mut().chain(self.adjusted.values_mut()) {
            if let Some(at) = tally.first_at
                && let Ok(i) = offsets.binary_search(&at)
            {
                tally.first_line = lines.get(i).map(|(line, _)| *line);
            }
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Read {} and {}.",
            count(self.posts_read, "post", "posts"),
            count(self.comments_read, "comment", "comments")
        )?;
        writeln!(
            f,
            "Posts: {} added, {} already there.",
            self.posts_added,
            self.posts_read.saturating_sub(self.posts_added)
        )?;
        let by_status: Vec<String> = Status::ALL
            .iter()
            .map(|s| format!("{} {}", self.added(*s), s.as_str()))
            .collect();
        writeln!(
            f,
            "Comments: {} added ({}), {} skipped.",
            self.comments_added(),
            by_status.join(", "),
            self.comments_skipped()
        )?;
        for (reason, tally) in &self.skipped {
            writeln!(
                f,
                "  skipped {}: {reason}{}",
                tally.count,
                where_first(tally)
            )?;
        }
        for (change, tally) in &self.adjusted {
            writeln!(
                f,
                "  adjusted {}: {change}{}",
                tally.count,
                where_first(tally)
            )?;
        }
        if self.moderators_added > 0 {
            writeln!(
                f,
                "Moderators: {} added without a password; set one with `replydesk moderator passwd EMAIL`.",
                self.moderators_added
            )?;
        }
        Ok(())
    }
}

fn where_first(tally: &Tally) -> String {
    match tally.first_line {
        Some(line) => format!(" (first at line {line})"),
        None => String::new(),
    }
}

/// Told how far an import has come, for a progress bar or a log line.
pub trait Progress {
    /// `done` of `total` units (bytes of the file, or rows), and comments read so far.
    fn update(&mut self, done: u64, total: u64, comments: u64);
}

/// No progress to show (tests, library use).
pub struct Quiet;

impl Progress for Quiet {
    fn update(&mut self, _: u64, _: u64, _: u64) {}
}

/// Runs one import, all or nothing: the reader fills the sink, which commits
/// in steps of a fraction of a second so that live submissions are not held
/// up behind a long import; an error takes back everything it wrote.
/// Every post goes to `site`; with none named, each to the site its file
/// names (a Replydesk export of several sites), else to the default site. (An
/// import killed part way leaves what it committed; the same import run
/// again adds the rest, as every comment keeps its source id.)
pub fn in_steps(
    db: &Database,
    site: Option<i64>,
    read: impl FnOnce(&mut Sink<'_>) -> Result<(), ImportError>,
) -> Result<Summary, ImportError> {
    db.write_in_steps_here(|steps| {
        let here = crate::db::stored_settings::local_source_prefix(steps.conn())?;
        let placing = sink::Placing::new(steps.conn(), site)?;
        let mut sink = Sink::new(steps, here, placing);
        match read(&mut sink).and_then(|()| sink.settle()) {
            Ok(()) => Ok(Ok(sink.finish())),
            Err(error) => {
                sink.undo()
                    .map_err(|e| AppError::internal("taking back a failed import", e))?;
                Ok(Err(error))
            }
        }
    })?
}

/// Turns a syntax error's byte offset into a line and column of `path`.
pub fn locate(error: ImportError, path: &Path) -> ImportError {
    match error {
        ImportError::Syntax { offset, message } => match lines_at(path, &[offset]) {
            Ok(found) => match found.first() {
                Some((line, column)) => ImportError::AtLine {
                    line: *line,
                    column: *column,
                    message,
                },
                None => ImportError::Syntax { offset, message },
            },
            Err(_) => ImportError::Syntax { offset, message },
        },
        other => other,
    }
}

/// The 1-based line and column (in bytes) of each sorted offset.
fn lines_at(path: &Path, sorted_offsets: &[u64]) -> std::io::Result<Vec<(u64, u64)>> {
    let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut found = Vec::with_capacity(sorted_offsets.len());
    let mut line = 1u64;
    let mut line_start = 0u64;
    let mut position = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut next = sorted_offsets.iter().peekable();
    'read: loop {
        let n = file.read(&mut buffer)?;
        for &byte in &buffer[..n] {
            while let Some(&&offset) = next.peek() {
                if offset > position {
                    break;
                }
                found.push((line, position - line_start + 1));
                next.next();
            }
            if next.peek().is_none() {
                break 'read;
            }
            position += 1;
            if byte == b'\n' {
                line += 1;
                line_start = position;
            }
        }
        if n == 0 {
            break;
        }
    }
    for _ in next {
        found.push((line, position - line_start + 1));
    }
    Ok(found)
}

/// Opens an export for reading, with an error that names it.
pub fn open(path: &Path) -> Result<(std::fs::File, u64), ImportError> {
    let io = |e: std::io::Error| ImportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    Ok((file, size))
}

/// The key of a post known by its address: the path and query of the URL
/// (`/2014/hello/`, `/?p=4`), so the same page gets the same key whichever
/// system it is imported from and whichever host served it.
pub fn key_from_link(link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    match url::Url::parse(link) {
        Ok(url) => {
            let mut key = url.path().to_owned();
            if let Some(query) = url.query() {
                key.push('?');
                key.push_str(query);
            }
            Some(key)
        }
        Err(_) => Some(link.to_owned()),
    }
}

/// Text as stored: trimmed, with Windows line ends made plain.
pub fn clean(text: &str) -> String {
    text.trim().replace("\r\n", "\n")
}
