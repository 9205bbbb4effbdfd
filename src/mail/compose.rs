//! Writing each e-mail at the moment it is sent, from the current state of
//! its comment: a comment moderated since it was queued gets no moderator
//! mail, and every link carries the comment's state as it is now.

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::Mailbox;
use url::Url;

use super::messages;
use crate::confirmation;
use crate::db::comments::Comment;
use crate::db::outbox::Claimed;
use crate::db::posts::{self, Post};
use crate::db::{AnyConnection, Database, comments, moderators};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation::Action;
use crate::domain::queue_link;
use crate::domain::status::Status;
use crate::domain::token::{self, Grant, Seen};
use crate::error::AppError;
use crate::sites::Sites;

/// What writing a message needs, borrowed from the worker that sends it.
pub struct Composer<'a> {
    pub db: &'a Database,
    pub from: &'a Mailbox,
    pub public_url: &'a Url,
    pub secret: &'a [u8],
    pub sites: &'a Sites,
}

impl Composer<'_> {
    fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// The self-service page of the address that wrote `comment_id`.
    fn manage(&self, comment_id: i64, now: DateTime<Utc>) -> String {
        let grant = Grant::Subscriptions { comment_id };
        self.link(&format!(
            "subscriptions/{}",
            token::issue(self.secret, grant, now)
        ))
    }

    /// The one-click links of a held comment for one moderator, bound to the
    /// comment as the e-mail shows it.
    fn links(&self, comment: &Comment, moderator_id: i64, now: DateTime<Utc>) -> Links {
        let comment_id = comment.id;
        let seen = Seen::of(Status::Pending, comment.updated_at);
        let act = |action| {
            let grant = Grant::Moderate {
                comment_id,
                action,
                moderator_id,
                seen,
            };
            self.link(&format!(
                "moderate/{}",
                token::issue(self.secret, grant, now)
            ))
        };
        Links {
            approve: act(Action::Approve),
            spam: act(Action::Spam),
            trash: act(Action::Trash),
        }
    }

    /// "Please moderate" for one held comment.
    fn moderate_message(
        &self,
        recipient: &str,
        about: &About<'_>,
        moderator_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Message, String> {
        let About {
            comment,
            post,
            site,
            many_sites,
        } = *about;
        let links = self.links(comment, moderator_id, now);
        messages::moderate(
            self.from,
            recipient,
            &messages::Moderate {
                site,
                many_sites,
                post_title: title_of(post),
                post_url: &post.url,
                author: &comment.author,
                email: &comment.email,
                url: &comment.url,
                ip: comment.ip.as_deref().unwrap_or(NOT_KEPT),
                reasons: comment.reasons.lines().collect(),
                score: comment.spam_score.map(|s| format!("{s:.3}")),
                clues: comment.spam_reasons.lines().collect(),
                body: &comment.body,
                approve: links.approve,
                spam: links.spam,
                trash: links.trash,
            },
        )
    }

    /// One e-mail for a digest recipient's rows: a digest of the comments
    /// still held on sites they still moderate, the usual e-mail when only
    /// one is left, or `None` when none is (each was moderated meanwhile).
    pub async fn digest_for(
        &self,
        recipient: &str,
        rows: &[Claimed],
    ) -> Result<Option<Message>, String> {
        let ids: Vec<i64> = rows.iter().filter_map(|row| row.comment_id).collect();
        let email = recipient.to_owned();
        let found = self
            .db
            .read(move |conn| load_held(conn, &email, &ids))
            .await
            .map_err(|e| e.to_string())?;
        let Some((moderator_id, held)) = found else {
            return Ok(None);
        };
        let directory = self.sites.cached();
        let label = |site_id: i64| {
            directory
                .by_id(site_id)
                .map(|site| site.label().to_owned())
                .unwrap_or_default()
        };
        let labelled: Vec<(Comment, Post, String)> = held
            .into_iter()
            .map(|(comment, post)| {
                let site = label(post.site_id);
                (comment, post, site)
            })
            .collect();
        let many_sites = directory.all().len() > 1;
        let now = Utc::now();
        if let [(comment, post, site)] = labelled.as_slice() {
            let about = About {
                comment,
                post,
                site,
                many_sites,
            };
            return self
                .moderate_message(recipient, &about, moderator_id, now)
                .map(Some);
        }
        if labelled.is_empty() {
            return Ok(None);
        }
        let entries = labelled
            .iter()
            .map(|(comment, post, site)| {
                let links = self.links(comment, moderator_id, now);
                messages::DigestEntry {
                    site,
                    post_title: title_of(post),
                    post_url: &post.url,
                    author: &comment.author,
                    email: &comment.email,
                    ip: comment.ip.as_deref().unwrap_or(NOT_KEPT),
                    reasons: comment
                        .reasons
                        .lines()
                        .filter(|line| !line.trim().is_empty())
                        .collect(),
                    score: comment.spam_score.map(|s| format!("{s:.3}")),
                    clues: comment.spam_reasons.lines().collect(),
                    excerpt: messages::excerpt(&comment.body, EXCERPT),
                    approve: links.approve,
                    spam: links.spam,
                    trash: links.trash,
                }
            })
            .collect();
        let first_site = labelled.first().map(|(_, _, site)| site.as_str());
        let one_site = labelled
            .iter()
            .all(|(_, _, site)| Some(site.as_str()) == first_site);
        let listed: Vec<i64> = labelled.iter().map(|(comment, ..)| comment.id).collect();
        let ids = queue_link::encode(&listed);
        let sig = queue_link::sign(self.secret, &ids);
        let queue = format!(
            "{}?{}",
            self.link("admin"),
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("ids", &ids)
                .append_pair("sig", &sig)
                .finish()
        );
        messages::digest(
            self.from,
            recipient,
            &messages::Digest {
                many_sites,
                site: first_site.filter(|_| one_site),
                entries,
                queue,
            },
        )
        .map(Some)
    }

    /// The message for a row, or `None` when the comment moved on and the
    /// e-mail would only mislead (a comment already moderated, say).
    pub async fn message_for(&self, row: &Claimed) -> Result<Option<Message>, String> {
        let Some(comment_id) = row.comment_id else {
            return match row.kind {
                Some(MailKind::Test) => messages::test(
                    self.from,
                    &row.recipient,
                    &messages::Test {
                        admin: &self.link("admin"),
                    },
                )
                .map(Some),
                _ => Ok(None),
            };
        };
        let moderator = (row.kind == Some(MailKind::Moderate)).then(|| row.recipient.clone());
        let loaded = self
            .db
            .read(move |conn| load(conn, comment_id, moderator.as_deref()))
            .await
            .map_err(|e| e.to_string())?;
        let Some(Loaded {
            comment,
            post,
            parent,
            moderator_id,
        }) = loaded
        else {
            return Ok(None);
        };
        let title = title_of(&post);
        let now = Utc::now();
        let page = |id: i64| {
            if post.url.is_empty() {
                self.link(&format!("api/posts/{}/comments", urlencode(&post.post_key)))
            } else {
                format!(
                    "{}#comment-{id}",
                    post.url.split('#').next().unwrap_or_default()
                )
            }
        };
        // From the directory in memory: a mail costs no read for its site.
        let directory = self.sites.cached();
        let site = directory
            .by_id(post.site_id)
            .map(|site| site.label().to_owned())
            .unwrap_or_default();
        let many_sites = directory.all().len() > 1;
        let from = self.from;
        let message = match (row.kind, comment.status) {
            (Some(MailKind::Moderate), Status::Pending) => {
                // A moderator removed since the comment came in gets nothing.
                let Some(moderator_id) = moderator_id else {
                    return Ok(None);
                };
                let about = About {
                    comment: &comment,
                    post: &post,
                    site: &site,
                    many_sites,
                };
                self.moderate_message(&row.recipient, &about, moderator_id, now)
            }
            (Some(MailKind::Reply), Status::Approved) => match parent {
                Some(parent) if parent.subscribed && parent.email == row.recipient => {
                    messages::reply(
                        from,
                        &row.recipient,
                        &messages::Reply {
                            post_title: title,
                            author: &comment.author,
                            body: &comment.body,
                            link: page(comment.id),
                            unsubscribe: self.link(&format!(
                                "unsubscribe/{}",
                                token::issue(
                                    self.secret,
                                    Grant::Unsubscribe {
                                        comment_id: parent.id
                                    },
                                    now
                                )
                            )),
                            manage: self.manage(parent.id, now),
                        },
                    )
                }
                _ => return Ok(None),
            },
            (Some(MailKind::Approved), Status::Approved) => messages::approved(
                from,
                &row.recipient,
                &messages::Approved {
                    post_title: title,
                    body: &comment.body,
                    link: page(comment.id),
                    manage: self.manage(comment.id, now),
                },
            ),
            // Asked by a comment still standing, from its own address, and
            // not confirmed meanwhile; a comment found to be spam since
            // asks for nothing.
            (Some(MailKind::Confirm), Status::Pending | Status::Approved)
                if comment.email == row.recipient =>
            {
                let keys = self.sites.address_keys().clone();
                let email = comment.email.clone();
                let confirmed = self
                    .db
                    .read(move |conn| Ok(confirmation::is_confirmed(conn, &keys, &email)?))
                    .await
                    .map_err(|e: AppError| e.to_string())?;
                if confirmed {
                    return Ok(None);
                }
                let grant = Grant::Confirm {
                    comment_id: comment.id,
                };
                messages::confirm(
                    from,
                    &row.recipient,
                    &messages::Confirm {
                        post_title: title,
                        confirm: self.link(&format!(
                            "confirm/{}",
                            token::issue(self.secret, grant, now)
                        )),
                        manage: self.manage(comment.id, now),
                    },
                )
            }
            _ => return Ok(None),
        };
        message.map(Some)
    }
}

/// What a message about a comment is written from.
struct Loaded {
    comment: Comment,
    post: Post,
    parent: Option<Comment>,
    /// The moderator a moderation e-mail goes to, if they still are one
    /// and still moderate the comment's site.
    moderator_id: Option<i64>,
}

fn load(
    conn: &mut AnyConnection,
    comment_id: i64,
    moderator: Option<&str>,
) -> Result<Option<Loaded>, AppError> {
    let Some(comment) = comments::find(conn, comment_id)? else {
        return Ok(None);
    };
    let post = posts::find(conn, comment.post_id)?;
    let parent = match comment.parent_id {
        Some(parent) => comments::find(conn, parent)?,
        None => None,
    };
    let moderator_id = match moderator {
        Some(email) => moderators::moderating(conn, email, post.site_id)?,
        None => None,
    };
    Ok(Some(Loaded {
        comment,
        post,
        parent,
        moderator_id,
    }))
}

/// A held comment with what its e-mail names around it.
#[derive(Clone, Copy)]
struct About<'a> {
    comment: &'a Comment,
    post: &'a Post,
    site: &'a str,
    many_sites: bool,
}

struct Links {
    approve: String,
    spam: String,
    trash: String,
}

/// What moderation mail shows for an IP address erased since.
const NOT_KEPT: &str = "(not kept)";

/// How much of each comment's text a digest shows: enough to judge most
/// spam by, while a digest of hundreds stays an e-mail servers accept.
const EXCERPT: usize = 280;

/// A post's title, or its key when it has none.
fn title_of(post: &Post) -> &str {
    if post.title.is_empty() {
        post.post_key.as_str()
    } else {
        post.title.as_str()
    }
}

/// A digest recipient's moderator id, and the comments to list with their posts.
type HeldFor = (i64, Vec<(Comment, Post)>);

/// The comments among `ids` still held, on sites the moderator with this
/// address still works on, each with its post; `None` when they are no
/// moderator any more.
fn load_held(
    conn: &mut AnyConnection,
    email: &str,
    ids: &[i64],
) -> Result<Option<HeldFor>, AppError> {
    let Some(moderator_id) = moderators::id_of(conn, email)? else {
        return Ok(None);
    };
    let scope = moderators::scope_of(conn, moderator_id)?;
    let mut held = Vec::new();
    let mut posts_seen: Vec<Post> = Vec::new();
    for comment in comments::held_among(conn, ids)? {
        let post = match posts_seen.iter().find(|post| post.id == comment.post_id) {
            Some(post) => post.clone(),
            None => {
                let post = posts::find(conn, comment.post_id)?;
                posts_seen.push(post.clone());
                post
            }
        };
        if scope.covers(post.site_id) {
            held.push((comment, post));
        }
    }
    Ok(Some((moderator_id, held)))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
