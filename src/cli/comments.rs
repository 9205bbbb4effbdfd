//! `replydesk comment list|show|approve|…`: the moderation queue for
//! operators, as an owner or, with `--as EMAIL`, as one moderator on their
//! sites only.

use std::sync::Arc;

use clap::{Args, Subcommand};
use diesel::prelude::*;

use super::in_words;
use crate::db::comments::Comment;
use crate::db::schema::{comments as comment_table, posts as post_table};
use crate::db::{AnyConnection, Database, audit, moderators};
use crate::domain::moderation::Action;
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::moderation;
use crate::sites::{Directory, Sites};

#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// The newest comments in a status.
    List {
        #[arg(long, default_value = "pending")]
        status: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Only this site's comments (`replydesk site list` names them).
        #[arg(long, value_name = "NAME")]
        site: Option<String>,
    },
    /// Everything stored about one comment, with the rules' reasons and its audit trail.
    Show { id: i64 },
    /// Publish comments.
    Approve(Ids),
    /// Send published comments back to the queue.
    Unapprove(Ids),
    /// Mark comments as spam.
    Spam(Ids),
    /// Take comments out of spam, back where they were.
    NotSpam(Ids),
    /// Move comments to the trash.
    Trash(Ids),
    /// Take comments out of the trash, back where they were.
    Restore(Ids),
    /// Delete comments for ever (their replies move up a level).
    Delete(Ids),
}

#[derive(Debug, Args)]
pub struct Ids {
    #[arg(required = true, value_name = "ID")]
    ids: Vec<i64>,
}

impl CommentCommand {
    fn action(&self) -> Option<(Action, &[i64])> {
        Some(match self {
            CommentCommand::Approve(i) => (Action::Approve, &i.ids),
            CommentCommand::Unapprove(i) => (Action::Unapprove, &i.ids),
            CommentCommand::Spam(i) => (Action::Spam, &i.ids),
            CommentCommand::NotSpam(i) => (Action::NotSpam, &i.ids),
            CommentCommand::Trash(i) => (Action::Trash, &i.ids),
            CommentCommand::Restore(i) => (Action::Restore, &i.ids),
            CommentCommand::Delete(i) => (Action::Delete, &i.ids),
            CommentCommand::List { .. } | CommentCommand::Show { .. } => return None,
        })
    }
}

/// Who works the queue from this command: the operator, an owner, unless
/// `--as` names a moderator, whose scope and name then hold.
struct Who {
    /// The moderator's address, for `--as`.
    moderator: Option<String>,
    actor: String,
    scope: Scope,
}

impl Who {
    fn of(database: &Database, acting_as: Option<&str>) -> Result<Who, String> {
        let Some(given) = acting_as else {
            return Ok(Who {
                moderator: None,
                actor: "command line".into(),
                scope: Scope::Owner,
            });
        };
        let email = super::moderators::moderator_email(given)?;
        let address = email.clone();
        let scope = database
            .read_here(move |conn| match moderators::id_of(conn, &address)? {
                Some(id) => Ok(moderators::scope_of(conn, id)?),
                None => Err(AppError::Missing(format!(
                    "There is no moderator {address}; `replydesk moderator list` shows them."
                ))),
            })
            .map_err(|e| in_words(&e))?;
        Ok(Who {
            actor: format!("moderator {email} (command line)"),
            moderator: Some(email),
            scope,
        })
    }
}

pub fn run(
    database: &Database,
    live: &Arc<Sites>,
    acting_as: Option<&str>,
    command: CommentCommand,
) -> Result<(), String> {
    let who = Who::of(database, acting_as)?;
    match command {
        CommentCommand::List {
            status,
            limit,
            site,
        } => {
            let status: Status = status
                .parse()
                .map_err(|e: crate::domain::status::UnknownStatus| e.to_string())?;
            let (live, scope, moderator) = (Arc::clone(live), who.scope.clone(), who.moderator);
            let wanted = site.clone();
            let (rows, directory) = database
                .read_here(move |conn| {
                    let directory = live.current(conn)?;
                    let sites = sites_to_list(&directory, &scope, moderator.as_deref(), wanted)?;
                    let rows = listed(conn, status, sites, limit)?;
                    Ok((rows, directory))
                })
                .map_err(|e| in_words(&e))?;
            if rows.is_empty() {
                match site {
                    Some(name) => println!("No {status} comments on site {name:?}."),
                    None => println!("No {status} comments."),
                }
                return Ok(());
            }
            println!("id\tstatus\tcreated\tsite\tauthor <email>\tfirst line");
            for (c, site_id) in rows {
                let first_line = c.body.lines().next().unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\t{} <{}>\t{}",
                    c.id,
                    c.status,
                    c.created_at,
                    site_name(&directory, site_id),
                    c.author,
                    c.email,
                    first_line
                );
            }
        }
        CommentCommand::Show { id } => {
            let (live, scope) = (Arc::clone(live), who.scope.clone());
            let (comment, post, trail, site) = database
                .read_here(move |conn| {
                    let (comment, post) = moderation::find_in_scope(conn, id, &scope)?;
                    let trail = audit::for_comment(conn, id)?;
                    let directory = live.current(conn)?;
                    let site = site_name(&directory, post.site_id);
                    Ok((comment, post, trail, site))
                })
                .map_err(|e| in_words(&e))?;
            println!("comment {}", comment.id);
            println!("site: {site}");
            println!("post: {} ({})", post.post_key, post.url);
            match comment.parent_id {
                Some(parent) => println!("in reply to: comment {parent}"),
                None => println!("in reply to: nothing (a new thread)"),
            }
            println!("status: {}", comment.status);
            println!(
                "author: {} <{}> {}",
                comment.author, comment.email, comment.url
            );
            println!("ip: {}", comment.ip.as_deref().unwrap_or("(erased)"));
            println!("user agent: {}", comment.user_agent);
            println!("created: {}", comment.created_at);
            println!("updated: {}", comment.updated_at);
            println!(
                "e-mails replies: {}",
                if comment.subscribed { "yes" } else { "no" }
            );
            println!(
                "imported from: {}",
                comment.source_id.as_deref().unwrap_or("(written here)")
            );
            for reason in comment.reasons.lines() {
                println!("reason: {reason}");
            }
            for entry in trail {
                println!(
                    "audit: {} {} {} -> {} {}",
                    entry.created_at,
                    entry.actor,
                    entry.from_status.as_deref().unwrap_or("new"),
                    entry.to_status,
                    entry.reason.replace('\n', "; ")
                );
            }
            println!();
            println!("{}", comment.body);
        }
        action_command => {
            let Some((action, ids)) = action_command.action() else {
                return Ok(());
            };
            let many = moderation::Many {
                sites: Arc::clone(live),
                ids: ids.to_vec(),
                action,
                actor: who.actor,
                scope: who.scope,
                reason: "",
            };
            let applied = moderation::moderate_here(database, many).map_err(|e| in_words(&e))?;
            for a in applied {
                let to = a.to.map_or("deleted", Status::as_str);
                let note = if a.changed { "" } else { " (already)" };
                println!("{}: {} -> {to}{note}", a.comment_id, a.from);
            }
        }
    }
    Ok(())
}

/// The sites whose comments `comment list` shows: the one `--site` names,
/// else every site the scope covers (`None`: all of them). A moderator
/// asking for a site not theirs is told so, rather than shown an empty list
/// that reads as "nothing waiting".
fn sites_to_list(
    directory: &Directory,
    scope: &Scope,
    moderator: Option<&str>,
    wanted: Option<String>,
) -> Result<Option<Vec<i64>>, AppError> {
    let Some(name) = wanted else {
        return Ok(match scope {
            Scope::Owner => None,
            Scope::Sites(ids) => Some(ids.clone()),
        });
    };
    let site = directory.named(&name).ok_or_else(|| {
        AppError::Missing(format!(
            "There is no site named {name:?}; `replydesk site list` shows them."
        ))
    })?;
    if !scope.covers(site.id) {
        return Err(AppError::NotAllowed(format!(
            "Moderator {} does not work on site {name:?}, so its comments are not theirs to list.",
            moderator.unwrap_or("this")
        )));
    }
    Ok(Some(vec![site.id]))
}

/// The newest comments in `status`, of these sites only (every site's for
/// `None`), each with its site's id for the listing.
fn listed(
    conn: &mut AnyConnection,
    status: Status,
    sites: Option<Vec<i64>>,
    limit: i64,
) -> QueryResult<Vec<(Comment, i64)>> {
    let mut query = comment_table::table
        .inner_join(post_table::table)
        .filter(comment_table::status.eq(status))
        .into_boxed();
    if let Some(ids) = sites {
        query = query.filter(post_table::site_id.eq_any(ids));
    }
    query
        .order((comment_table::created_at.desc(), comment_table::id.desc()))
        .limit(limit)
        .select((Comment::as_select(), post_table::site_id))
        .load(conn)
}

/// A site's name for a listing; a comment whose site went while this
/// command ran shows its id.
fn site_name(directory: &Directory, site_id: i64) -> String {
    directory
        .by_id(site_id)
        .map_or_else(|| format!("(site {site_id})"), |site| site.name.clone())
}
