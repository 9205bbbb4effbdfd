//! `replydesk import json FILE`: a Replydesk export read back, post by post
//! (the file is parsed as a stream, never held whole).
//!
//! A comment keeps its `source_id` if it had one; one written here first is
//! given `replydesk:<its id in the export>`, so importing the file again, or
//! into a database that already holds some of it, adds only what is new.
//! Moderators come without passwords (the export has none): each must set one
//! with `replydesk moderator passwd` before logging in.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use chrono::{DateTime, NaiveDateTime};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Comment, Extra, ImportError, Post, Progress, Sink};
use crate::db::moderators;
use crate::domain::email::EmailAddress;
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::file_formats::json::{CommentRecord, FORMAT, ModeratorRecord, PostRecord};

/// Counts the bytes read, for the progress report.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// What the streaming reader carries while serde walks the file.
struct State<'s, 'c> {
    sink: &'s mut Sink<'c>,
    progress: &'s mut dyn Progress,
    read: Rc<Cell<u64>>,
    size: u64,
    moderators: HashMap<String, i64>,
    /// The import's own error, kept while serde unwinds with a placeholder.
    failure: Option<ImportError>,
    saw_format: bool,
}

pub fn read(
    path: &Path,
    sink: &mut Sink<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    let (file, size) = super::open(path)?;
    let read = Rc::new(Cell::new(0));
    let reader = Counting {
        inner: BufReader::with_capacity(256 * 1024, file),
        read: Rc::clone(&read),
    };
    let mut state = State {
        sink,
        progress,
        read,
        size,
        moderators: HashMap::new(),
        failure: None,
        saw_format: false,
    };
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let parsed = TopLevel(&mut state).deserialize(&mut deserializer);
    if let Some(failure) = state.failure.take() {
        return Err(failure);
    }
    parsed
        .and_then(|()| deserializer.end())
        .map_err(|e| ImportError::AtLine {
            line: e.line() as u64,
            column: e.column() as u64,
            message: e.to_string(),
        })?;
    if !state.saw_format {
        return Err(ImportError::Format(format!(
            "there is no \"format\": \"{FORMAT}\" in this file: it is not a Replydesk export"
        )));
    }
    state
        .progress
        .update(size, size, state.sink.comments_read());
    Ok(())
}

struct TopLevel<'a, 's, 'c>(&'a mut State<'s, 'c>);

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a Replydesk export (an object with \"format\": \"{FORMAT}\")"
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    let format: String = map.next_value()?;
                    if format != FORMAT {
                        return Err(de::Error::custom(format!(
                            "\"format\" is {format:?}, not {FORMAT:?}: this is not a Replydesk export"
                        )));
                    }
                    state.saw_format = true;
                }
                "moderators" => {
                    let records: Vec<ModeratorRecord> = map.next_value()?;
                    for record in records {
                        keep(state, |s| import_moderator(s, record))?;
                    }
                }
                "posts" => map.next_value_seed(Posts(&mut *state))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Runs one step of the import; its error is kept and serde is stopped.
fn keep<E: de::Error>(
    state: &mut State<'_, '_>,
    step: impl FnOnce(&mut State<'_, '_>) -> Result<(), ImportError>,
) -> Result<(), E> {
    step(state).map_err(|e| {
        state.failure = Some(e);
        E::custom("the import failed")
    })
}

struct Posts<'a, 's, 'c>(&'a mut State<'s, 'c>);

impl<'de> DeserializeSeed<'de> for Posts<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Posts<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of posts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        while let Some(post) = seq.next_element::<PostRecord>()? {
            keep(state, |s| import_post(s, post))?;
            let done = state.read.get();
            state
                .progress
                .update(done, state.size, state.sink.comments_read());
        }
        Ok(())
    }
}

fn parse_time(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.naive_utc())
}

fn import_moderator(state: &mut State<'_, '_>, record: ModeratorRecord) -> Result<(), ImportError> {
    let email = EmailAddress::as_given(&record.email).into_string();
    let conn = state.sink.conn();
    let id = match moderators::id_of(conn, &email)? {
        Some(id) => id,
        None => {
            let id = moderators::insert_imported(
                conn,
                &moderators::ImportedModerator {
                    email: &email,
                    password_hash: moderators::NO_PASSWORD,
                    created_at: parse_time(&record.created_at).unwrap_or(crate::db::now()),
                    last_login_at: record.last_login_at.as_deref().and_then(parse_time),
                },
            )?;
            if let Some(names) = &record.sites {
                // Scoped to the sites of those names this database has; never
                // an owner by a site missing here.
                let ids = crate::db::sites::all(conn)?
                    .into_iter()
                    .filter(|site| names.contains(&site.name))
                    .map(|site| site.id)
                    .collect();
                moderators::set_scope(conn, id, &Scope::Sites(ids))?;
            }
            state.sink.moderator_added(id);
            id
        }
    };
    state.moderators.insert(email, id);
    Ok(())
}

fn origin(record: &CommentRecord) -> String {
    match record.source_id.as_deref().map(str::trim) {
        Some(source) if !source.is_empty() => source.to_owned(),
        _ => format!("replydesk:{}", record.id),
    }
}

fn import_post(state: &mut State<'_, '_>, record: PostRecord) -> Result<(), ImportError> {
    let key = record.key.trim().to_owned();
    if key.is_empty() {
        for _ in &record.comments {
            state.sink.skip("its post has an empty key", None);
        }
        return Ok(());
    }
    let post_id = state.sink.post(&Post {
        site: record.site,
        key,
        title: record.title,
        url: record.url,
        comments_open: record.comments_open,
        closes_at: record.closes_at.as_deref().and_then(parse_time),
        created_at: record.created_at.as_deref().and_then(parse_time),
    })?;
    let origins: HashMap<i64, String> = record.comments.iter().map(|c| (c.id, origin(c))).collect();
    for c in record.comments {
        let Ok(status) = c.status.parse::<Status>() else {
            state.sink.skip("an unknown status", None);
            continue;
        };
        let Some(created_at) = parse_time(&c.created_at) else {
            state.sink.skip("an unreadable created_at", None);
            continue;
        };
        let parent = c.parent.map(|p| {
            origins
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("replydesk:{p}"))
        });
        let moderator_id = c.moderator.as_deref().and_then(|m| {
            state
                .moderators
                .get(EmailAddress::as_given(m).as_str())
                .copied()
        });
        state.sink.comment(
            post_id,
            Comment {
                source_id: origin(&c),
                parent,
                author: c.author,
                email: c.email,
                url: c.url,
                ip: c.ip,
                body: c.body,
                status,
                created_at,
                kind: super::kind(&c.kind),
                extra: Extra {
                    previous_status: c.previous_status.and_then(|s| s.parse().ok()),
                    reasons: c.reasons,
                    user_agent: c.user_agent,
                    subscribed: c.subscribed,
                    moderator_id,
                    updated_at: c.updated_at.as_deref().and_then(parse_time),
                },
                at: None,
            },
        )?;
    }
    state.sink.settle()
}
