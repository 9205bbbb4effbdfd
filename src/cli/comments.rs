//! `replydesk comment list|show|approve|…`: the moderation queue for operators.

use std::sync::Arc;

use clap::{Args, Subcommand};

use crate::db::{Database, audit, comments, posts};
use crate::domain::moderation::Action;
use crate::domain::scope::Scope;
use crate::domain::status::Status;
use crate::moderation;
use crate::sites::Sites;

#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// The newest comments in a status.
    List {
        #[arg(long, default_value = "pending")]
        status: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
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

pub fn run(database: &Database, live: &Arc<Sites>, command: CommentCommand) -> Result<(), String> {
    match command {
        CommentCommand::List { status, limit } => {
            let status: Status = status
                .parse()
                .map_err(|e: crate::domain::status::UnknownStatus| e.to_string())?;
            let rows = database
                .read_here(|conn| Ok(comments::list(conn, status, limit)?))
                .map_err(|e| e.to_string())?;
            if rows.is_empty() {
                println!("No {status} comments.");
                return Ok(());
            }
            println!("id\tstatus\tcreated\tauthor <email>\tfirst line");
            for c in rows {
                let first_line = c.body.lines().next().unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{} <{}>\t{}",
                    c.id, c.status, c.created_at, c.author, c.email, first_line
                );
            }
        }
        CommentCommand::Show { id } => {
            let (comment, post, trail) = database
                .read_here(|conn| {
                    let comment = comments::find(conn, id)?.ok_or_else(|| {
                        crate::error::AppError::Missing(format!("There is no comment {id}."))
                    })?;
                    let post = posts::find(conn, comment.post_id)?;
                    let trail = audit::for_comment(conn, id)?;
                    Ok((comment, post, trail))
                })
                .map_err(|e| e.to_string())?;
            println!("comment {}", comment.id);
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
                actor: "command line".into(),
                scope: Scope::Owner,
                reason: "",
            };
            let applied = moderation::moderate_here(database, many).map_err(|e| e.to_string())?;
            for a in applied {
                let to = a.to.map_or("deleted", Status::as_str);
                let note = if a.changed { "" } else { " (already)" };
                println!("{}: {} -> {to}{note}", a.comment_id, a.from);
            }
        }
    }
    Ok(())
}
