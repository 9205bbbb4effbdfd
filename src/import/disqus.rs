//! `replydesk import disqus FILE.xml`: the XML export Disqus e-mails, read as
//! a stream. Its `<thread>`s (one per page) are remembered, small as they are;
//! its `<post>`s (the comments) are written as they are read, a reply waiting
//! only if its parent comes later in the file.
//!
//! A thread becomes the post keyed by its link's path, as a WordPress import
//! keys it, so comments from both land on the same page. Deleted comments are
//! kept in the trash, spam as spam, everything else is approved (Disqus
//! exports only what it published or removed).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime};

use super::xml::{Element, Visitor, XmlFile, walk};
use super::{Comment, Extra, ImportError, Post, Progress, Sink, clean, key_from_link};
use crate::domain::email::EmailAddress;
use crate::domain::status::Status;

#[derive(Default)]
struct Thread {
    identifier: String,
    link: String,
    title: String,
    closed: String,
    deleted: String,
    created: String,
    /// The post it became, once a comment needed it.
    post_id: Option<i64>,
}

#[derive(Default)]
struct RawPost {
    at: u64,
    id: Option<String>,
    thread: Option<String>,
    parent: Option<String>,
    message: String,
    created: String,
    deleted: String,
    spam: String,
    name: String,
    email: String,
    ip: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Root,
    Thread,
    Post,
    Author,
    Field(Field),
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Identifier,
    Link,
    Title,
    Closed,
    ThreadDeleted,
    ThreadCreated,
    Message,
    Created,
    Deleted,
    Spam,
    Name,
    Email,
    Ip,
}

fn dsq_id(attributes: &[(String, String)]) -> Option<String> {
    attributes
        .iter()
        .find(|(name, _)| name == "id")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn read(
    path: &Path,
    sink: &mut Sink<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    let mut file = XmlFile::open(path)?;
    let mut export = Export {
        sink,
        progress,
        threads: HashMap::new(),
        thread: None,
        post: None,
        early: Vec::new(),
        saw_root: false,
    };
    walk(&mut file, &mut export)?;
    let Export {
        sink,
        progress,
        mut threads,
        early,
        saw_root,
        ..
    } = export;
    if !saw_root {
        return Err(ImportError::Format(
            "there is no <disqus> element in this file: it is not a Disqus export".into(),
        ));
    }
    for late in early {
        import_post(late, &mut threads, sink)?;
    }
    progress.update(file.size, file.size, sink.comments_read());
    Ok(())
}

/// The export as far as it is read.
struct Export<'r, 's> {
    sink: &'r mut Sink<'s>,
    progress: &'r mut dyn Progress,
    threads: HashMap<String, Thread>,
    /// The `<thread>` being read, with its dsq:id.
    thread: Option<(Option<String>, Thread)>,
    post: Option<RawPost>,
    /// Comments whose thread had not been read yet; real exports list threads first.
    early: Vec<RawPost>,
    saw_root: bool,
}

impl Visitor for Export<'_, '_> {
    type Frame = Frame;
    type Field = Field;

    fn open(
        &mut self,
        parent: Option<Frame>,
        element: &Element,
        at: u64,
    ) -> Result<Frame, ImportError> {
        let Element {
            local, attributes, ..
        } = element;
        Ok(match (parent, local.as_str()) {
            (None, "disqus") => {
                self.saw_root = true;
                Frame::Root
            }
            (None, _) => {
                return Err(ImportError::Format(format!(
                    "the file starts with <{local}>, not <disqus>: it is not a Disqus export"
                )));
            }
            (Some(Frame::Root), "thread") => {
                self.thread = Some((dsq_id(attributes), Thread::default()));
                Frame::Thread
            }
            (Some(Frame::Root), "post") => {
                self.post = Some(RawPost {
                    at,
                    id: dsq_id(attributes),
                    ..RawPost::default()
                });
                Frame::Post
            }
            (Some(Frame::Thread), name) => match name {
                "id" => Frame::Field(Field::Identifier),
                "link" => Frame::Field(Field::Link),
                "title" => Frame::Field(Field::Title),
                "isClosed" => Frame::Field(Field::Closed),
                "isDeleted" => Frame::Field(Field::ThreadDeleted),
                "createdAt" => Frame::Field(Field::ThreadCreated),
                _ => Frame::Other,
            },
            (Some(Frame::Post), name) => match name {
                "thread" => {
                    if let Some(p) = self.post.as_mut() {
                        p.thread = dsq_id(attributes);
                    }
                    Frame::Other
                }
                "parent" => {
                    if let Some(p) = self.post.as_mut() {
                        p.parent = dsq_id(attributes);
                    }
                    Frame::Other
                }
                "message" => Frame::Field(Field::Message),
                "createdAt" => Frame::Field(Field::Created),
                "isDeleted" => Frame::Field(Field::Deleted),
                "isSpam" => Frame::Field(Field::Spam),
                "ipAddress" => Frame::Field(Field::Ip),
                "author" => Frame::Author,
                _ => Frame::Other,
            },
            (Some(Frame::Author), "name") => Frame::Field(Field::Name),
            (Some(Frame::Author), "email") => Frame::Field(Field::Email),
            _ => Frame::Other,
        })
    }

    fn field(frame: Frame) -> Option<Field> {
        match frame {
            Frame::Field(field) => Some(field),
            _ => None,
        }
    }

    fn value(&mut self, field: Field, value: String) {
        if let Some((_, t)) = self.thread.as_mut() {
            set_thread_field(t, field, value);
        } else if let Some(p) = self.post.as_mut() {
            set_post_field(p, field, value);
        }
    }

    fn close(&mut self, frame: Frame, file: &XmlFile) -> Result<(), ImportError> {
        match frame {
            Frame::Thread => {
                if let Some((Some(id), done)) = self.thread.take() {
                    self.threads.insert(id, done);
                }
            }
            Frame::Post => {
                if let Some(done) = self.post.take() {
                    let known = done
                        .thread
                        .as_ref()
                        .is_some_and(|t| self.threads.contains_key(t));
                    if known || done.thread.is_none() {
                        import_post(done, &mut self.threads, self.sink)?;
                    } else {
                        self.early.push(done);
                    }
                    self.progress
                        .update(file.position(), file.size, self.sink.comments_read());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn set_thread_field(thread: &mut Thread, field: Field, value: String) {
    let slot = match field {
        Field::Identifier => &mut thread.identifier,
        Field::Link => &mut thread.link,
        Field::Title => &mut thread.title,
        Field::Closed => &mut thread.closed,
        Field::ThreadDeleted => &mut thread.deleted,
        Field::ThreadCreated => &mut thread.created,
        _ => return,
    };
    *slot = value;
}

fn set_post_field(post: &mut RawPost, field: Field, value: String) {
    let slot = match field {
        Field::Message => &mut post.message,
        Field::Created => &mut post.created,
        Field::Deleted => &mut post.deleted,
        Field::Spam => &mut post.spam,
        Field::Name => &mut post.name,
        Field::Email => &mut post.email,
        Field::Ip => &mut post.ip,
        _ => return,
    };
    *slot = value;
}

fn disqus_date(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.naive_utc())
}

/// The post a thread becomes, created the first time one of its comments is
/// read, and whether Disqus deleted the thread.
fn post_of(
    thread_id: &str,
    threads: &mut HashMap<String, Thread>,
    sink: &mut Sink<'_>,
) -> Result<Option<(i64, bool)>, ImportError> {
    let Some(thread) = threads.get_mut(thread_id) else {
        return Ok(None);
    };
    let deleted = thread.deleted.trim() == "true";
    if let Some(id) = thread.post_id {
        return Ok(Some((id, deleted)));
    }
    let key = key_from_link(&thread.link)
        .or_else(|| Some(thread.identifier.trim().to_owned()).filter(|k| !k.is_empty()))
        .unwrap_or_else(|| format!("disqus-thread-{thread_id}"));
    let id = sink.post(&Post {
        key,
        title: clean(&thread.title),
        url: thread.link.trim().to_owned(),
        comments_open: thread.closed.trim() != "true",
        closes_at: None,
        created_at: disqus_date(&thread.created),
        site: None,
    })?;
    thread.post_id = Some(id);
    Ok(Some((id, deleted)))
}

fn import_post(
    raw: RawPost,
    threads: &mut HashMap<String, Thread>,
    sink: &mut Sink<'_>,
) -> Result<(), ImportError> {
    let at = Some(raw.at);
    let Some(id) = raw.id else {
        sink.skip("a <post> without a dsq:id", at);
        return Ok(());
    };
    let Some((post_id, thread_deleted)) = raw
        .thread
        .as_deref()
        .map(|t| post_of(t, threads, sink))
        .transpose()?
        .flatten()
    else {
        sink.skip("its <thread> is not in the file", at);
        return Ok(());
    };
    // A real export always dates its posts; one that does not is damaged.
    let Some(created_at) = disqus_date(&raw.created) else {
        sink.skip("an unreadable <createdAt>", at);
        return Ok(());
    };
    let status = if raw.spam.trim() == "true" {
        Status::Spam
    } else if raw.deleted.trim() == "true" {
        Status::Trash
    } else if thread_deleted {
        // Kept, where a moderator can restore it, rather than lost.
        sink.adjust("on a thread deleted in Disqus, put in the trash", at);
        Status::Trash
    } else {
        Status::Approved
    };
    sink.comment(
        post_id,
        Comment {
            source_id: format!("disqus:{id}"),
            parent: raw.parent.map(|p| format!("disqus:{p}")),
            author: super::wordpress::non_empty_author(clean(&raw.name)),
            email: EmailAddress::as_given(&raw.email).into_string(),
            url: String::new(),
            ip: Some(raw.ip.trim().to_owned()).filter(|ip| !ip.is_empty()),
            body: clean(&raw.message),
            status,
            created_at,
            kind: "comment",
            extra: Extra::default(),
            at,
        },
    )
}
