//! What moderators write: corrections to a comment, and replies of their own.
//! Both pass the same field rules as any comment and leave an audit entry.

use crate::db::{self, AnyConnection, audit, comments, posts};
use crate::domain::draft::{CommentDraft, Submission};
use crate::domain::moderation::Action;
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::domain::words::count;
use crate::error::AppError;
use crate::moderation::{self, Acting};
use crate::notifications;
use crate::sites::Directory;

/// What a moderator typed into the edit form.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
}

fn checked(post_key: &str, fields: &Correction) -> Result<CommentDraft, AppError> {
    CommentDraft::parse(
        &Submission {
            post: Some(post_key.to_owned()),
            author: Some(fields.author.clone()),
            email: Some(fields.email.clone()),
            url: Some(fields.url.clone()),
            comment: Some(fields.body.clone()),
            ..Submission::default()
        },
        false,
    )
    .map_err(AppError::Invalid)
}

/// Replaces a comment's text and author fields; a published comment's post
/// moves to a new version so readers see the correction at once. Runs in
/// the caller's write.
pub fn edit(
    conn: &mut AnyConnection,
    id: i64,
    fields: &Correction,
    acting: Acting<'_>,
) -> Result<(), AppError> {
    let actor = acting.actor;
    let (comment, post) = moderation::find_in_scope(conn, id, acting.scope)?;
    let draft = checked(&post.post_key, fields)?;
    comments::update_content(
        conn,
        id,
        &draft.author,
        &draft.email,
        &draft.url,
        &draft.body,
    )?;
    audit::record(
        conn,
        &audit::NewEntry {
            comment_id: Some(id),
            actor,
            from_status: Some(comment.status.as_str()),
            to_status: comment.status.as_str(),
            reason: "edited",
            created_at: db::now(),
        },
    )?;
    if comment.status == Status::Approved {
        posts::bump_version(conn, post.id)?;
    }
    Ok(())
}

/// Who replies from the admin page.
#[derive(Debug, Clone)]
pub struct Replier<'a> {
    pub moderator_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub scope: &'a Scope,
}

/// A moderator's reply, published at once (moderators are exempt from the
/// hold and flood rules). Replying to a held comment approves it first, as
/// WordPress's "Approve and Reply" does; the parent's author hears of the reply
/// if they subscribed. Returns the new comment's id. Runs in the caller's write.
pub fn reply(
    conn: &mut AnyConnection,
    parent_id: i64,
    replier: &Replier<'_>,
    body: &str,
    sites: &Directory,
) -> Result<i64, AppError> {
    let (parent, post) = moderation::find_in_scope(conn, parent_id, replier.scope)?;
    let rules = sites
        .rules_of(post.site_id)
        .ok_or_else(|| AppError::Missing(format!("There is no comment {parent_id}.")))?;
    let actor = format!("moderator {}", replier.email);
    if parent.status == Status::Pending {
        moderation::apply(
            conn,
            parent_id,
            Action::Approve,
            Acting {
                actor: &actor,
                scope: replier.scope,
                decides: true,
            },
            "approved to reply",
            sites,
        )?;
    } else if parent.status != Status::Approved {
        return Err(AppError::Conflict(format!(
            "Comment {parent_id} is {}: restore it before replying.",
            parent.status
        )));
    }
    let depth = parent.depth + 1;
    if u32::try_from(depth).unwrap_or(u32::MAX) >= rules.max_depth {
        return Err(AppError::field(
            "comment",
            format!(
                "Replies may nest {} deep; reply to an earlier comment in this thread.",
                count(rules.max_depth, "level", "levels")
            ),
        ));
    }
    let draft = checked(
        &post.post_key,
        &Correction {
            author: replier.name.to_owned(),
            email: replier.email.to_owned(),
            url: String::new(),
            body: body.to_owned(),
        },
    )?;
    let now = db::now();
    let status = Status::Approved;
    let id = comments::insert(
        conn,
        &comments::NewComment {
            post_id: post.id,
            parent_id: Some(parent_id),
            depth,
            author: &draft.author,
            email: &draft.email,
            url: "",
            body: &draft.body,
            status,
            reasons: "written by a moderator",
            ip: None,
            user_agent: "",
            subscribed: false,
            created_at: now,
            updated_at: now,
            spam: None,
        },
    )?;
    comments::set_moderator(conn, id, replier.moderator_id)?;
    audit::record(
        conn,
        &audit::NewEntry {
            comment_id: Some(id),
            actor: &actor,
            from_status: None,
            to_status: status.as_str(),
            reason: "moderator reply",
            created_at: now,
        },
    )?;
    posts::bump_version(conn, post.id)?;
    notifications::comment_published(conn, sites.address_keys(), id, false)?;
    Ok(id)
}
