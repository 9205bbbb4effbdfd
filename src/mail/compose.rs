//! Writing each e-mail at the moment it is sent, from the current state of
//! its comment: a comment moderated since it was queued gets no moderator
//! mail, and every link carries the comment's state as it is now.

use chrono::Utc;
use lettre::Message;
use lettre::message::Mailbox;
use url::Url;

use super::messages;
use crate::db::comments::Comment;
use crate::db::outbox::Claimed;
use crate::db::posts::{self, Post};
use crate::db::{AnyConnection, Database, comments, moderators};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation::Action;
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
        let title = if post.title.is_empty() {
            post.post_key.as_str()
        } else {
            post.title.as_str()
        };
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
                messages::moderate(
                    from,
                    &row.recipient,
                    &messages::Moderate {
                        site: &site,
                        many_sites,
                        post_title: title,
                        post_url: &post.url,
                        author: &comment.author,
                        email: &comment.email,
                        url: &comment.url,
                        ip: comment.ip.as_deref().unwrap_or("(not kept)"),
                        reasons: comment.reasons.lines().collect(),
                        score: comment.spam_score.map(|s| format!("{s:.3}")),
                        clues: comment.spam_reasons.lines().collect(),
                        body: &comment.body,
                        approve: act(Action::Approve),
                        spam: act(Action::Spam),
                        trash: act(Action::Trash),
                    },
                )
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
                },
            ),
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

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
