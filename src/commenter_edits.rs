//! What a commenter may do to their own comment for a while after writing
//! it, with the token its answer carried: replace its text, or delete it.
//! Both run in one write that checks, as it acts, that the comment is still
//! theirs to change: inside the window, published or held, and untouched by
//! any person since the rules placed it.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::db::comment_versions::{self, Replacement};
use crate::db::comments::{self, Comment, PublicRow, Scored};
use crate::db::{self, AnyConnection, akismet_queue, audit, outbox, posts};
use crate::domain::akismet::Job;
use crate::domain::draft::CommentDraft;
use crate::domain::edit::{self, Edit};
use crate::domain::edit_token::EditGrant;
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation::Action;
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::domain::words::count;
use crate::error::AppError;
use crate::instance::Instance;
use crate::moderation::{self, Acting};
use crate::spam::clues::Evidence;

/// Who the audit log names for a commenter's own edits and deletes.
pub const COMMENTER: &str = "commenter";

/// The audit's actors that are not a person's decision: the rules placing a
/// comment, a filter, the retention sweep, and the commenter. An entry by
/// anyone else (a moderator, the operator's command line, `forget`) ends the
/// commenter's say over the comment.
const NOT_A_PERSON: [&str; 4] = ["rules", crate::akismet::ACTOR, "retention", COMMENTER];

/// The window, in the setting's minutes; `None` when editing is off.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    minutes: u32,
}

impl Window {
    pub fn minutes(minutes: u32) -> Option<Window> {
        (minutes > 0).then_some(Window { minutes })
    }

    fn length(self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.minutes))
    }

    /// Until when a comment written at `created_at` may be changed.
    pub fn until(self, created_at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        // A date at the end of time (an odd import) is always within its window.
        created_at
            .checked_add_signed(self.length())
            .unwrap_or(chrono::NaiveDateTime::MAX)
    }

    fn closed(self) -> AppError {
        AppError::NotAllowed(format!(
            "The time to change this comment has run out: a comment can be edited or deleted \
             for {} after it is written.",
            count(self.minutes, "minute", "minutes")
        ))
    }
}

/// The edit token for a comment just stored (or answered as stored), and
/// until when it works; `None` while editing is off. The JSON answer and the
/// plain form's cookie both carry it.
pub fn issue(
    secret: &[u8],
    edit_minutes: u32,
    row: &PublicRow,
) -> Option<(String, chrono::NaiveDateTime)> {
    let window = Window::minutes(edit_minutes)?;
    let token = crate::domain::edit_token::issue(secret, EditGrant::new(row.id, row.created_at));
    Some((token, window.until(row.created_at)))
}

/// The one answer for every comment the commenter may no longer change,
/// whatever the reason: so nobody learns from it whether their comment was
/// filed as spam.
fn out_of_reach() -> AppError {
    AppError::NotAllowed(
        "This comment can no longer be edited or deleted: it has been moderated since it was \
         written."
            .into(),
    )
}

/// The refusal for a token that is not this comment's.
pub fn wrong_token() -> AppError {
    AppError::NotAllowed("This edit token is not for this comment.".into())
}

/// An edited comment, as its author is to be told of it.
#[derive(Debug, Clone)]
pub struct Edited {
    pub comment: PublicRow,
    pub status: Status,
}

/// The comment the grant names, if the commenter may still change it.
fn reachable(
    conn: &mut AnyConnection,
    grant: EditGrant,
    window: Window,
) -> Result<Comment, AppError> {
    let now = db::now();
    let Some(comment) = comments::find(conn, grant.comment_id)? else {
        // Spam that was answered as held but never stored, or a comment a
        // moderator deleted: the same words as for any other.
        let written = grant.written().ok_or_else(wrong_token)?;
        return Err(if window.until(written) <= now {
            window.closed()
        } else {
            out_of_reach()
        });
    };
    if window.until(comment.created_at) <= now {
        return Err(window.closed());
    }
    if EditGrant::new(comment.id, comment.created_at) != grant {
        return Err(wrong_token());
    }
    if !matches!(comment.status, Status::Approved | Status::Pending) {
        return Err(out_of_reach());
    }
    let person_acted = audit::for_comment(conn, comment.id)?
        .iter()
        .any(|entry| !NOT_A_PERSON.contains(&entry.actor.as_str()));
    if person_acted {
        return Err(out_of_reach());
    }
    Ok(comment)
}

/// Replaces the text of the comment `grant` names with `body` (already
/// checked by [`CommentBody::parse`](crate::domain::draft::CommentBody::parse)), judged again by the rules and scored
/// again by the spam filter, keeping the old text as a version. A published
/// comment that goes back to the moderators is mailed to them as a new held
/// one is; nobody else is mailed.
pub async fn edit(
    core: &Instance,
    grant: EditGrant,
    window: Window,
    body: String,
) -> Result<Edited, AppError> {
    let live = Arc::clone(&core.sites);
    let filter = Arc::clone(&core.spam);
    let (edited, before) = core
        .db
        .write(move |conn| {
            let comment = reachable(conn, grant, window)?;
            let before = comment.status;
            if comment.body == body {
                // Sent again (a retry, a double click): nothing to keep twice.
                let unchanged = Edited {
                    comment: public(&comment, &body),
                    status: before,
                };
                return Ok((unchanged, before));
            }
            let post = posts::find(conn, comment.post_id)?;
            let directory = live.current(conn)?;
            let rules = directory.rules_of(post.site_id).ok_or_else(out_of_reach)?;
            let new = CommentDraft {
                body: body.clone(),
                ..stored_draft(&comment, &post.post_key)
            };
            let placed = edit::judge(
                &Edit {
                    status: comment.status,
                    reasons: &comment.reasons,
                    old_body: &comment.body,
                    new: &new,
                    ip: comment.ip.as_deref().and_then(|ip| ip.parse().ok()),
                    user_agent: &comment.user_agent,
                },
                &rules,
            );
            let judged = filter.judge(
                post.site_id,
                &Evidence {
                    author: &comment.author,
                    email: &comment.email,
                    url: &comment.url,
                    body: &body,
                    took_seconds: None,
                    proof: None,
                },
            );
            let placed = crate::spam::place(placed, &judged, filter.thresholds, rules.hold_all);
            let reasons = placed.reasons.join("\n");
            let spam_reasons = judged.reasons.join("\n");
            let replaced = comment_versions::replace_text(
                conn,
                comment.id,
                (comment.status, comment.updated_at, &comment.body),
                &Replacement {
                    body: &body,
                    status: placed.status,
                    reasons: &reasons,
                    spam: Scored {
                        score: judged.score,
                        reasons: &spam_reasons,
                        clues: &judged.clues,
                    },
                    at: db::now(),
                },
            )?;
            if !replaced {
                return Err(AppError::Conflict(
                    "This comment was changed by another request meanwhile; reload it and try \
                     again."
                        .into(),
                ));
            }
            let reason = if placed.status == before {
                edit::EDITED.to_owned()
            } else {
                format!(
                    "{}: {}",
                    edit::EDITED,
                    placed.reasons.last().map_or("", String::as_str)
                )
            };
            audit::record(
                conn,
                &audit::NewEntry {
                    comment_id: Some(comment.id),
                    actor: COMMENTER,
                    from_status: Some(before.as_str()),
                    to_status: placed.status.as_str(),
                    reason: &reason,
                    created_at: db::now(),
                },
            )?;
            if before == Status::Approved {
                posts::bump_version(conn, post.id)?;
                if placed.status == Status::Pending {
                    outbox::enqueue_for_moderators(
                        conn,
                        MailKind::Moderate,
                        comment.id,
                        post.site_id,
                    )?;
                    if directory.akismet() {
                        akismet_queue::enqueue(conn, comment.id, Job::Check)?;
                    }
                }
            }
            Ok((
                Edited {
                    comment: public(&comment, &body),
                    status: placed.status,
                },
                before,
            ))
        })
        .await?;
    if edited.status != before {
        tracing::info!(comment.id = edited.comment.id, from = %before, to = %edited.status, "comment edited by its author and moved");
    } else {
        tracing::info!(
            comment.id = edited.comment.id,
            "comment edited by its author"
        );
    }
    Ok(edited)
}

/// Moves the comment `grant` names to the trash through the moderation
/// service, as the commenter: not a moderator's decision, so the spam
/// filter learns nothing from it, and a moderator can restore it.
pub async fn delete(core: &Instance, grant: EditGrant, window: Window) -> Result<(), AppError> {
    let live = Arc::clone(&core.sites);
    let applied = core
        .db
        .write(move |conn| {
            let comment = reachable(conn, grant, window)?;
            let directory = live.current(conn)?;
            moderation::apply(
                conn,
                comment.id,
                Action::Trash,
                Acting {
                    actor: COMMENTER,
                    scope: &Scope::Owner,
                    decides: false,
                },
                "deleted by the commenter",
                &directory,
            )
        })
        .await?;
    tracing::info!(comment.id = applied.comment_id, from = %applied.from, "comment deleted by its author");
    Ok(())
}

/// The stored comment as a draft, for the rules to judge its new text with
/// its author, address and website.
fn stored_draft(comment: &Comment, post_key: &str) -> CommentDraft {
    CommentDraft {
        post_key: post_key.to_owned(),
        post_title: String::new(),
        post_url: None,
        parent_id: comment.parent_id,
        author: comment.author.clone(),
        author_given: true,
        email: comment.email.clone(),
        url: comment.url.clone(),
        body: comment.body.clone(),
        subscribe: comment.subscribed,
        honeypot_filled: false,
        form_token: None,
        altcha: None,
    }
}

fn public(comment: &Comment, body: &str) -> PublicRow {
    PublicRow {
        id: comment.id,
        parent_id: comment.parent_id,
        author: comment.author.clone(),
        email: comment.email.clone(),
        url: comment.url.clone(),
        body: body.to_owned(),
        created_at: comment.created_at,
    }
}

/// The comment `grant` names as it stands, if the commenter may still
/// change it: for the page that offers to.
pub async fn current(
    core: &Instance,
    grant: EditGrant,
    window: Window,
) -> Result<Edited, AppError> {
    core.db
        .read(move |conn| {
            let comment = reachable(conn, grant, window)?;
            Ok(Edited {
                comment: public(&comment, &comment.body),
                status: comment.status,
            })
        })
        .await
}
