//! `replydesk import wordpress FILE.xml`: a WordPress export (WXR 1.0 to 1.2),
//! read as a stream one `<item>` at a time, so a file of any size is imported
//! in the memory of its largest post.
//!
//! Each item with comments, and each post or page, becomes a post keyed (by
//! default) by its link's path, e.g. `/2014/01/hello-world/`: the key a page
//! that sends its own path gets, and the one the Disqus and Isso importers use
//! for the same page. `--post-key slug` uses `wp:post_name` instead, and
//! `--post-key id` uses `wp:post_id`, which is what a WordPress theme posting
//! to `/wp-comments-post.php` sends as `comment_post_ID`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDateTime;

use super::xml::{Element, Namespace, Visitor, XmlFile, walk};
use super::{Comment, Extra, ImportError, Post, Progress, Sink, clean, key_from_link};
use crate::domain::email::EmailAddress;
use crate::domain::status::Status;
use crate::file_formats::wxr::REPLYDESK_NS;

/// Which field of an item becomes the post key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PostKey {
    /// The path (and query) of `<link>`, e.g. `/2014/01/hello-world/`.
    #[default]
    Path,
    /// `wp:post_name`, e.g. `hello-world`.
    Slug,
    /// `wp:post_id`, e.g. `18`.
    Id,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub skip_pingbacks: bool,
    pub post_key: PostKey,
}

/// Where the reader is in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    Channel,
    Item,
    Comment,
    Field(Field),
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Title,
    Link,
    PostId,
    PostName,
    PostType,
    PostStatus,
    PostDate,
    PostDateGmt,
    CommentStatus,
    ReplydeskKey,
    Id,
    Author,
    Email,
    Url,
    Ip,
    Date,
    DateGmt,
    Content,
    Approved,
    Type,
    Parent,
    ReplydeskSource,
}

#[derive(Default)]
struct Item {
    title: String,
    link: String,
    post_id: String,
    post_name: String,
    post_type: String,
    status: String,
    date: String,
    date_gmt: String,
    comment_status: String,
    replydesk_key: Option<String>,
    comments: Vec<RawComment>,
}

#[derive(Default)]
struct RawComment {
    at: u64,
    id: String,
    author: String,
    email: String,
    url: String,
    ip: String,
    date: String,
    date_gmt: String,
    content: String,
    approved: Option<String>,
    kind: String,
    parent: String,
    /// Where a Replydesk export says the comment came from.
    replydesk_source: Option<String>,
}

/// Reads the export at `path` into the sink.
pub fn read(
    path: &Path,
    options: Options,
    sink: &mut Sink<'_>,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    let mut file = XmlFile::open(path)?;
    let mut export = Export {
        options,
        sink,
        progress,
        item: None,
        comment: None,
        saw_channel: false,
    };
    walk(&mut file, &mut export)?;
    if !export.saw_channel {
        return Err(ImportError::Format(
            "there is no <channel> in this file: it is not a WordPress export (WXR)".into(),
        ));
    }
    export
        .progress
        .update(file.size, file.size, export.sink.comments_read());
    Ok(())
}

/// The export as far as it is read.
struct Export<'r, 's> {
    options: Options,
    sink: &'r mut Sink<'s>,
    progress: &'r mut dyn Progress,
    item: Option<Item>,
    comment: Option<RawComment>,
    saw_channel: bool,
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
        let frame = classify(parent, &element.ns, &element.local);
        match frame {
            Frame::Channel => self.saw_channel = true,
            Frame::Item => self.item = Some(Item::default()),
            Frame::Comment => {
                self.comment = Some(RawComment {
                    at,
                    ..RawComment::default()
                })
            }
            Frame::Field(_) | Frame::Other => {}
        }
        Ok(frame)
    }

    fn field(frame: Frame) -> Option<Field> {
        match frame {
            Frame::Field(field) => Some(field),
            _ => None,
        }
    }

    fn value(&mut self, field: Field, value: String) {
        match self.comment.as_mut() {
            Some(c) if is_comment_field(field) => set_comment_field(c, field, value),
            _ => {
                if let Some(item) = self.item.as_mut() {
                    set_item_field(item, field, value);
                }
            }
        }
    }

    fn close(&mut self, frame: Frame, file: &XmlFile) -> Result<(), ImportError> {
        match frame {
            Frame::Comment => {
                if let (Some(done), Some(item)) = (self.comment.take(), self.item.as_mut()) {
                    item.comments.push(done);
                }
            }
            Frame::Item => {
                if let Some(done) = self.item.take() {
                    import_item(done, self.options, self.sink)?;
                    self.progress
                        .update(file.position(), file.size, self.sink.comments_read());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn is_wordpress(ns: &Namespace) -> bool {
    match ns {
        Namespace::Uri(uri) => {
            let rest = uri
                .strip_prefix("http://wordpress.org/export/")
                .or_else(|| uri.strip_prefix("https://wordpress.org/export/"));
            // `…/export/1.2/excerpt/` is the excerpt's namespace, not WordPress's own.
            rest.is_some_and(|version| !version.contains("excerpt"))
        }
        // A fragment that never declares `wp:`, as some hand-cut exports do.
        Namespace::UnknownPrefix(prefix) => prefix == "wp",
        Namespace::None => false,
    }
}

fn classify(parent: Option<Frame>, ns: &Namespace, local: &str) -> Frame {
    let rss = *ns == Namespace::None;
    let wp = is_wordpress(ns);
    let ours = matches!(ns, Namespace::Uri(uri) if uri == REPLYDESK_NS);
    match parent {
        None | Some(Frame::Other) if rss && local == "channel" => Frame::Channel,
        Some(Frame::Channel) if rss && local == "item" => Frame::Item,
        Some(Frame::Item) => match local {
            "title" if rss => Frame::Field(Field::Title),
            "link" if rss => Frame::Field(Field::Link),
            "post_id" if wp => Frame::Field(Field::PostId),
            "post_name" if wp => Frame::Field(Field::PostName),
            "post_type" if wp => Frame::Field(Field::PostType),
            "status" if wp => Frame::Field(Field::PostStatus),
            "post_date" if wp => Frame::Field(Field::PostDate),
            "post_date_gmt" if wp => Frame::Field(Field::PostDateGmt),
            "comment_status" if wp => Frame::Field(Field::CommentStatus),
            "comment" if wp => Frame::Comment,
            "post_key" if ours => Frame::Field(Field::ReplydeskKey),
            _ => Frame::Other,
        },
        Some(Frame::Comment) if ours && local == "source_id" => {
            Frame::Field(Field::ReplydeskSource)
        }
        Some(Frame::Comment) if wp => match local {
            "comment_id" => Frame::Field(Field::Id),
            "comment_author" => Frame::Field(Field::Author),
            "comment_author_email" => Frame::Field(Field::Email),
            "comment_author_url" => Frame::Field(Field::Url),
            "comment_author_IP" => Frame::Field(Field::Ip),
            "comment_date" => Frame::Field(Field::Date),
            "comment_date_gmt" => Frame::Field(Field::DateGmt),
            "comment_content" => Frame::Field(Field::Content),
            "comment_approved" => Frame::Field(Field::Approved),
            "comment_type" => Frame::Field(Field::Type),
            "comment_parent" => Frame::Field(Field::Parent),
            _ => Frame::Other,
        },
        _ => Frame::Other,
    }
}

fn is_comment_field(field: Field) -> bool {
    matches!(
        field,
        Field::Id
            | Field::Author
            | Field::Email
            | Field::Url
            | Field::Ip
            | Field::Date
            | Field::DateGmt
            | Field::Content
            | Field::Approved
            | Field::Type
            | Field::Parent
            | Field::ReplydeskSource
    )
}

fn set_item_field(item: &mut Item, field: Field, value: String) {
    let slot = match field {
        Field::Title => &mut item.title,
        Field::Link => &mut item.link,
        Field::PostId => &mut item.post_id,
        Field::PostName => &mut item.post_name,
        Field::PostType => &mut item.post_type,
        Field::PostStatus => &mut item.status,
        Field::PostDate => &mut item.date,
        Field::PostDateGmt => &mut item.date_gmt,
        Field::CommentStatus => &mut item.comment_status,
        Field::ReplydeskKey => {
            item.replydesk_key.get_or_insert(value);
            return;
        }
        _ => return,
    };
    first_wins(slot, value);
}

/// The first of two same fields counts, as in WordPress's own importer (an
/// element bound to the WordPress namespace under another prefix is the same field).
fn first_wins(slot: &mut String, value: String) {
    if slot.is_empty() {
        *slot = value;
    }
}

fn set_comment_field(comment: &mut RawComment, field: Field, value: String) {
    let slot = match field {
        Field::Id => &mut comment.id,
        Field::Author => &mut comment.author,
        Field::Email => &mut comment.email,
        Field::Url => &mut comment.url,
        Field::Ip => &mut comment.ip,
        Field::Date => &mut comment.date,
        Field::DateGmt => &mut comment.date_gmt,
        Field::Content => &mut comment.content,
        Field::Type => &mut comment.kind,
        Field::Parent => &mut comment.parent,
        Field::Approved => {
            comment.approved.get_or_insert(value);
            return;
        }
        Field::ReplydeskSource => {
            let value = value.trim();
            if !value.is_empty() {
                comment.replydesk_source.get_or_insert(value.to_owned());
            }
            return;
        }
        _ => return,
    };
    first_wins(slot, value);
}

/// WordPress writes "0000-00-00 00:00:00" for a date it does not have.
fn wordpress_date(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()
}

fn post_key(item: &Item, how: PostKey) -> Option<String> {
    if let Some(key) = item.replydesk_key.as_deref().map(str::trim)
        && !key.is_empty()
    {
        return Some(key.to_owned());
    }
    let path = || key_from_link(&item.link);
    let slug = || Some(item.post_name.trim().to_owned()).filter(|s| !s.is_empty());
    let id = || Some(item.post_id.trim().to_owned()).filter(|s| !s.is_empty());
    match how {
        PostKey::Path => path().or_else(slug).or_else(id),
        PostKey::Slug => slug().or_else(path).or_else(id),
        PostKey::Id => id().or_else(path).or_else(slug),
    }
}

/// Whether an item without comments is still worth a post: posts and pages
/// carry whether comments are open, which the blog wants kept.
fn is_article(item: &Item) -> bool {
    matches!(item.post_type.trim(), "" | "post" | "page")
        && !matches!(item.status.trim(), "auto-draft" | "trash")
}

fn import_item(item: Item, options: Options, sink: &mut Sink<'_>) -> Result<(), ImportError> {
    if item.comments.is_empty() && !is_article(&item) {
        return Ok(());
    }
    let Some(key) = post_key(&item, options.post_key) else {
        for comment in &item.comments {
            sink.skip("its post has no link, slug or id", Some(comment.at));
        }
        return Ok(());
    };
    let created_at = wordpress_date(&item.date_gmt).or_else(|| wordpress_date(&item.date));
    let post = Post {
        key,
        title: clean(&item.title),
        url: item.link.trim().to_owned(),
        comments_open: item.comment_status.trim() != "closed",
        closes_at: None,
        created_at,
        site: None,
    };
    let post_id = sink.post(&post)?;
    let origin = match item.post_id.trim() {
        "" => format!("wordpress:{}", post.key),
        id => format!("wordpress:{id}"),
    };
    // A Replydesk export says where each comment came from; a reply names
    // its parent by the file's comment id, which is the parent's origin then.
    let origins: HashMap<String, String> = item
        .comments
        .iter()
        .filter_map(|c| Some((c.id.trim().to_owned(), c.replydesk_source.clone()?)))
        .collect();
    let mut seen = HashSet::new();
    for raw in item.comments {
        let at = Some(raw.at);
        let id = raw.id.trim();
        if id.is_empty() {
            sink.skip("no wp:comment_id", at);
            continue;
        }
        if !seen.insert(id.to_owned()) {
            sink.skip("a wp:comment_id seen before in the same post", at);
            continue;
        }
        let kind = raw.kind.trim();
        let ping = kind == "pingback" || kind == "trackback";
        if ping && options.skip_pingbacks {
            sink.skip("a pingback or trackback (--skip-pingbacks)", at);
            continue;
        }
        let url = raw.url.trim().to_owned();
        let author = if ping {
            site_name(&url).unwrap_or_else(|| clean(&raw.author))
        } else {
            clean(&raw.author)
        };
        let status = match raw.approved.as_deref().map(str::trim) {
            // WordPress stores a comment without the field as approved.
            None | Some("1") | Some("approve") => Status::Approved,
            Some("0") | Some("hold") => Status::Pending,
            Some("spam") => Status::Spam,
            Some("trash") | Some("post-trashed") => Status::Trash,
            Some(_) => {
                sink.adjust("an unknown wp:comment_approved, held as pending", at);
                Status::Pending
            }
        };
        let created_at = match wordpress_date(&raw.date_gmt).or_else(|| wordpress_date(&raw.date)) {
            Some(date) => date,
            None => {
                sink.adjust("no date, given its post's date or the import's", at);
                post.created_at.unwrap_or(sink.now())
            }
        };
        let parent = match raw.parent.trim() {
            "" | "0" => None,
            parent => Some(
                origins
                    .get(parent)
                    .cloned()
                    .unwrap_or_else(|| format!("{origin}:{parent}")),
            ),
        };
        let ip = Some(raw.ip.trim().to_owned()).filter(|ip| !ip.is_empty());
        sink.comment(
            post_id,
            Comment {
                source_id: raw
                    .replydesk_source
                    .clone()
                    .unwrap_or_else(|| format!("{origin}:{id}")),
                parent,
                author: non_empty_author(author),
                email: EmailAddress::as_given(&raw.email).into_string(),
                url,
                ip,
                body: clean(&raw.content),
                status,
                created_at,
                kind: super::kind(kind),
                extra: Extra::default(),
                at,
            },
        )?;
    }
    sink.settle()
}

/// A pingback's author is the title of the page that linked here; what a
/// reader wants to see is the site, so it is the host of the link.
fn site_name(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_owned())
    })
}

pub fn non_empty_author(author: String) -> String {
    if author.is_empty() {
        "Anonymous".to_owned()
    } else {
        author
    }
}
