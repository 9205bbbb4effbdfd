//! The one moderation service: the admin page, the e-mailed links and the
//! command line all change comments through `apply`, which records every
//! change in the audit log.

use std::sync::Arc;

use crate::akismet;
use crate::db::comments;
use crate::db::{self, AnyConnection, Database, audit, moderators, posts, thread_page};
use crate::domain::moderation::{Action, Move, plan};
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::domain::token::Seen;
use crate::error::AppError;
use crate::instance::Instance;
use crate::notifications;
use crate::sites::{Directory, Sites};

/// What an action did to one comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub comment_id: i64,
    pub from: Status,
    /// `None` once the comment is deleted.
    pub to: Option<Status>,
    pub changed: bool,
}

/// Who takes an action, and on which sites they may.
#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    pub actor: &'a str,
    pub scope: &'a Scope,
    /// A person's decision (a moderator's, or the operator's), which the
    /// spam filter learns from; not a filter acting on its own.
    pub decides: bool,
}

impl<'a> Acting<'a> {
    /// The instance itself (retention, the operator's command line): every site.
    pub fn instance(actor: &'a str) -> Self {
        Acting {
            actor,
            scope: &Scope::Owner,
            decides: true,
        }
    }

    /// A filter acting on its own (Akismet), on every site. Not a
    /// moderator's decision: nothing that learns from moderators' decisions
    /// should learn from it.
    pub fn automatic(actor: &'a str) -> Self {
        Acting {
            decides: false,
            ..Self::instance(actor)
        }
    }
}

/// The comment `id` with its post, if it exists on a site `scope` covers: a
/// comment of another site is as missing as one that never existed.
pub fn find_in_scope(
    conn: &mut AnyConnection,
    id: i64,
    scope: &Scope,
) -> Result<(comments::Comment, posts::Post), AppError> {
    let missing = || AppError::Missing(format!("There is no comment {id}."));
    let comment = comments::find(conn, id)?.ok_or_else(missing)?;
    let post = posts::find(conn, comment.post_id)?;
    if !scope.covers(post.site_id) {
        return Err(missing());
    }
    Ok((comment, post))
}

/// Applies `action` to comment `id`, inside the caller's transaction, under
/// the rules of the comment's site in `sites`.
pub fn apply(
    conn: &mut AnyConnection,
    id: i64,
    action: Action,
    acting: Acting<'_>,
    reason: &str,
    sites: &Directory,
) -> Result<Applied, AppError> {
    let actor = acting.actor;
    let (comment, post) = find_in_scope(conn, id, acting.scope)?;
    let (from, previous) = (comment.status, comment.previous_status);
    let step = plan(from, previous, action)
        .map_err(|e| AppError::Conflict(format!("Comment {id}: {e}.")))?;
    // Deleting a comment moves its replies up to its parent: if any is public,
    // readers see the post's threads change even when the comment was not.
    let reshaped = matches!(step, Move::Delete) && thread_page::has_public_replies(conn, id)?;
    let to = match step {
        Move::Stay => {
            return Ok(Applied {
                comment_id: id,
                from,
                to: Some(from),
                changed: false,
            });
        }
        Move::Delete => {
            comments::delete(conn, &comment)?;
            None
        }
        Move::To { to, previous } => {
            let moved = comments::move_status(conn, id, from, to, previous)?;
            if !moved {
                return Err(AppError::Conflict(format!(
                    "Comment {id} was changed by someone else meanwhile; reload and try again."
                )));
            }
            Some(to)
        }
    };
    audit::record(
        conn,
        &audit::NewEntry {
            comment_id: Some(id),
            actor,
            from_status: Some(from.as_str()),
            to_status: to.map_or("deleted", Status::as_str),
            reason,
            created_at: db::now(),
        },
    )?;
    // Every decision teaches the spam filter, and one taken back unteaches it.
    if acting.decides {
        crate::spam::after_decision(conn, id, action, to)?;
    }
    if from == Status::Approved || to == Some(Status::Approved) || reshaped {
        posts::bump_version(conn, comment.post_id)?;
    }
    akismet::after_decision(conn, sites, id, action, (from, to))?;
    if to == Some(Status::Approved) {
        let notify_author = sites
            .by_id(post.site_id)
            .is_some_and(|site| site.rules.notify_approved);
        notifications::comment_published(conn, sites.address_keys(), id, notify_author)?;
    }
    Ok(Applied {
        comment_id: id,
        from,
        to,
        changed: true,
    })
}

/// Applies one action to several comments in one write, all or nothing,
/// under the rules in force as it commits; logs each move once committed.
pub async fn moderate(core: &Instance, many: Many) -> Result<Vec<Applied>, AppError> {
    let action = many.action;
    let applied = core.db.write(move |conn| many.apply(conn)).await?;
    log_moves(&applied, action);
    learned(core, &applied).await;
    Ok(applied)
}

/// Brings this instance's copy of the spam filters up to date after its
/// own decisions, so the very next submission is scored with them; other
/// instances follow within seconds.
async fn learned(core: &Instance, applied: &[Applied]) {
    if !applied.iter().any(|done| done.changed) {
        return;
    }
    if let Err(e) = Arc::clone(&core.spam).refresh_from(&core.db).await {
        tracing::debug!(error = %e, "could not re-read the spam filters");
    }
}

/// The same, waiting on the caller's thread, for the command line.
pub fn moderate_here(db: &Database, many: Many) -> Result<Vec<Applied>, AppError> {
    let action = many.action;
    let applied = db.write_here(move |conn| many.apply(conn))?;
    log_moves(&applied, action);
    Ok(applied)
}

/// One action on several comments, who takes it, and on which sites they may.
pub struct Many {
    pub sites: Arc<Sites>,
    pub ids: Vec<i64>,
    pub action: Action,
    pub actor: String,
    pub scope: Scope,
    pub reason: &'static str,
}

impl Many {
    fn apply(self, conn: &mut AnyConnection) -> Result<Vec<Applied>, AppError> {
        let sites = self.sites.current(conn)?;
        let acting = Acting {
            actor: &self.actor,
            scope: &self.scope,
            decides: true,
        };
        self.ids
            .iter()
            .map(|id| apply(conn, *id, self.action, acting, self.reason, &sites))
            .collect()
    }
}

/// One line per comment that moved, written once the move is committed: a
/// batch that rolled back (one id of many missing) logs nothing.
fn log_moves(applied: &[Applied], action: Action) {
    for done in applied.iter().filter(|done| done.changed) {
        tracing::info!(comment.id = done.comment_id, %action, from = %done.from, "comment moderated");
    }
}

/// A one-click link from a moderation e-mail, as its token names it.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub comment_id: i64,
    pub action: Action,
    pub moderator_id: i64,
    pub seen: Seen,
}

/// Where a link's comment and moderator stand now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// As the e-mail showed it: the link may act.
    Unchanged { moderator: String },
    /// Moved on, but to where the action leads anyway: nothing to do.
    AlreadyDone(Status),
    /// Moved on elsewhere since the e-mail was written: the link no longer acts.
    Changed(Status),
    /// The moderator the e-mail went to no longer is one.
    ModeratorGone,
    /// The comment no longer exists.
    Gone,
}

/// Reads where a link stands, for its confirmation page and before it acts.
pub fn link_state(conn: &mut AnyConnection, link: &Link) -> Result<LinkState, AppError> {
    let Some(moderator) = moderators::email_of(conn, link.moderator_id)? else {
        return Ok(LinkState::ModeratorGone);
    };
    let scope = moderators::scope_of(conn, link.moderator_id)?;
    let comment = match find_in_scope(conn, link.comment_id, &scope) {
        Ok((comment, _)) => comment,
        Err(AppError::Missing(_)) => return Ok(LinkState::Gone),
        Err(e) => return Err(e),
    };
    let (current, previous) = (comment.status, comment.previous_status);
    if Seen::of(current, comment.updated_at) == link.seen {
        return Ok(LinkState::Unchanged { moderator });
    }
    Ok(match plan(current, previous, link.action) {
        Ok(Move::Stay) => LinkState::AlreadyDone(current),
        _ => LinkState::Changed(current),
    })
}

/// Acts on a link if, in the same write, it still stands as its e-mail
/// showed it; otherwise says where it stands and changes nothing. So an
/// approve link opened again after the comment was trashed does not publish
/// it again, and a removed moderator's e-mails act on nothing.
pub async fn follow_link(
    core: &Instance,
    link: Link,
) -> Result<(LinkState, Option<Applied>), AppError> {
    let sites = Arc::clone(&core.sites);
    let (state, applied) = core
        .db
        .write(move |conn| {
            let state = link_state(conn, &link)?;
            let LinkState::Unchanged { moderator } = &state else {
                return Ok((state, None));
            };
            let directory = sites.current(conn)?;
            let scope = moderators::scope_of(conn, link.moderator_id)?;
            let actor = format!("moderator {moderator} (e-mail link)");
            let acting = Acting {
                actor: &actor,
                scope: &scope,
                decides: true,
            };
            let applied = apply(conn, link.comment_id, link.action, acting, "", &directory)?;
            Ok((state, Some(applied)))
        })
        .await?;
    log_moves(applied.as_slice(), link.action);
    learned(core, applied.as_slice()).await;
    Ok((state, applied))
}
