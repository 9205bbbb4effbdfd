//! `replydesk moderator add|remove|passwd EMAIL` and `replydesk moderator list`.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use crate::db::{self, Database, moderators};
use crate::domain::email::EmailAddress;
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::{login, password};

#[derive(Debug, Subcommand)]
pub enum ModeratorCommand {
    /// Create a moderator; the password is asked for twice (or read as two lines from stdin).
    Add { email: String },
    /// Remove a moderator.
    Remove { email: String },
    /// Set a new password for a moderator; their sessions end.
    Passwd { email: String },
    /// List the moderators, with when they were added and last logged in.
    List,
}

pub fn run(database: &Database, command: ModeratorCommand) -> Result<(), String> {
    let exists = |email: &str| {
        database
            .read_here(|conn| Ok(moderators::exists(conn, email)?))
            .map_err(|e| e.to_string())
    };
    match command {
        ModeratorCommand::List => {
            let listed = database
                .read_here(|conn| Ok(moderators::all(conn)?))
                .map_err(|e| e.to_string())?;
            if listed.is_empty() {
                println!("No moderators yet. Add one with: replydesk moderator add EMAIL");
                return Ok(());
            }
            let when = |at: chrono::NaiveDateTime| at.format("%Y-%m-%d %H:%M UTC").to_string();
            println!("email\tadded\tlast login");
            for m in listed {
                let last = m.last_login_at.map_or_else(|| "never".to_owned(), when);
                println!("{}\t{}\t{last}", m.email, when(m.created_at));
            }
        }
        ModeratorCommand::Add { email } => {
            let email = moderator_email(&email)?;
            if exists(&email)? {
                return Err(format!(
                    "a moderator {email} already exists; use `moderator passwd` to change the password"
                ));
            }
            let hash = password::hash(&read_new_password()?)?;
            let address = email.clone();
            if !write(database, move |conn| {
                Ok(moderators::add(conn, &address, &hash, &Scope::Owner)?)
            })? {
                return Err(format!("a moderator {email} was added meanwhile"));
            }
            println!("Moderator {email} created.");
        }
        ModeratorCommand::Remove { email } => {
            let email = moderator_email(&email)?;
            let address = email.clone();
            if !write(database, move |conn| {
                Ok(moderators::delete(conn, &address)?)
            })? {
                return Err(format!("there is no moderator {email}"));
            }
            println!("Moderator {email} removed.");
        }
        ModeratorCommand::Passwd { email } => {
            let email = moderator_email(&email)?;
            if !exists(&email)? {
                return Err(format!("there is no moderator {email}"));
            }
            let hash = password::hash(&read_new_password()?)?;
            let address = email.clone();
            if !write(database, move |conn| {
                Ok(login::reset_password(conn, &address, &hash)?.is_some())
            })? {
                return Err(format!("there is no moderator {email}"));
            }
            println!(
                "Password changed for {email}; their sessions have ended and failed logins are forgotten."
            );
        }
    }
    Ok(())
}

/// One change to the moderators, through the database's writer; says
/// whether it found something to change.
fn write(
    database: &Database,
    work: impl FnOnce(&mut db::AnyConnection) -> Result<bool, AppError> + Send + 'static,
) -> Result<bool, String> {
    database.write_here(work).map_err(|e| e.to_string())
}

fn moderator_email(text: &str) -> Result<String, String> {
    EmailAddress::parse(text).map(EmailAddress::into_string)
}

/// Asks twice on a terminal; otherwise reads two lines from stdin, so scripts can
/// create moderators without a terminal.
fn read_new_password() -> Result<String, String> {
    let (first, second) = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let second = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
        (first, second)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || -> Result<String, String> {
            lines
                .next()
                .transpose()
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    "expected the password twice, on two lines of standard input".to_owned()
                })
        };
        (next()?, next()?)
    };
    if first != second {
        return Err("the two passwords differ".into());
    }
    if first.chars().count() < password::MIN_LENGTH {
        return Err(format!(
            "the password must be at least {} characters long",
            password::MIN_LENGTH
        ));
    }
    Ok(first)
}
