//! `replydesk moderator add|set|remove|passwd EMAIL` and `replydesk moderator list`.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use clap::{ArgGroup, Subcommand};

use super::in_words;
use crate::db::{self, Database, moderators};
use crate::domain::email::EmailAddress;
use crate::domain::moderation_mail::{ModerationMail, UnknownModerationMail};
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::sites::Sites;
use crate::{login, password};

#[derive(Debug, Subcommand)]
pub enum ModeratorCommand {
    /// Create a moderator; the password is asked for twice (or read as two lines from stdin).
    Add {
        email: String,
        /// Only this site's comments (repeat for several); an owner, who
        /// works on every site and the settings, when left out.
        #[arg(long = "site", value_name = "NAME")]
        sites: Vec<String>,
    },
    /// Change which sites a moderator works on (`--site`, `--owner`), or how
    /// moderation mail reaches them (`mail each|digest|off`).
    #[command(group(ArgGroup::new("change").required(true).args(["sites", "owner", "setting"])))]
    Set {
        email: String,
        /// `mail`: how held comments are mailed to them.
        #[arg(value_name = "SETTING", conflicts_with_all = ["sites", "owner"])]
        setting: Option<String>,
        /// For `mail`: `each` (one e-mail per held comment), `digest` (the
        /// first at once, then one per REPLYDESK_DIGEST_MINUTES) or `off`.
        #[arg(value_name = "VALUE", requires = "setting")]
        value: Option<String>,
        /// Only this site's comments from now on (repeat for several).
        #[arg(long = "site", value_name = "NAME")]
        sites: Vec<String>,
        /// Every site, and the instance's settings.
        #[arg(long)]
        owner: bool,
    },
    /// Remove a moderator.
    Remove { email: String },
    /// Set a new password for a moderator; their sessions end.
    Passwd { email: String },
    /// List the moderators, with when they were added and last logged in.
    List,
}

pub fn run(
    database: &Database,
    live: &Arc<Sites>,
    command: ModeratorCommand,
) -> Result<(), String> {
    let exists = |email: &str| {
        database
            .read_here(|conn| Ok(moderators::exists(conn, email)?))
            .map_err(|e| e.to_string())
    };
    match command {
        ModeratorCommand::List => {
            let listed = database
                .read_here(|conn| {
                    moderators::all(conn)?
                        .into_iter()
                        .map(|m| {
                            let sites = if m.owner {
                                "owner".to_owned()
                            } else {
                                scoped_names(moderators::site_names_of(conn, m.id)?)
                            };
                            Ok((m, sites))
                        })
                        .collect::<Result<Vec<_>, AppError>>()
                })
                .map_err(|e| e.to_string())?;
            if listed.is_empty() {
                println!("No moderators yet. Add one with: replydesk moderator add EMAIL");
                return Ok(());
            }
            let when = |at: chrono::NaiveDateTime| at.format("%Y-%m-%d %H:%M UTC").to_string();
            println!("email\tadded\tlast login\tmail\tsites");
            for (m, sites) in listed {
                let last = m.last_login_at.map_or_else(|| "never".to_owned(), when);
                println!(
                    "{}\t{}\t{last}\t{}\t{sites}",
                    m.email,
                    when(m.created_at),
                    m.moderation_mail
                );
            }
        }
        ModeratorCommand::Add { email, sites } => {
            let email = moderator_email(&email)?;
            if exists(&email)? {
                return Err(format!(
                    "a moderator {email} already exists; use `moderator passwd` to change the password"
                ));
            }
            // The site names are checked before the password is asked for,
            // and again in the write, in case a site went meanwhile.
            let (check, names) = (Arc::clone(live), sites.clone());
            database
                .read_here(move |conn| scope_named(conn, &check, &names))
                .map_err(|e| in_words(&e))?;
            let hash = password::hash(&read_new_password()?)?;
            let (address, live) = (email.clone(), Arc::clone(live));
            let names = sites.clone();
            if !write(database, move |conn| {
                let scope = scope_named(conn, &live, &names)?;
                Ok(moderators::add(conn, &address, &hash, &scope)?)
            })? {
                return Err(format!("a moderator {email} was added meanwhile"));
            }
            println!("Moderator {email} created; {}.", works_on(&sites));
        }
        ModeratorCommand::Set {
            email,
            setting: Some(setting),
            value,
            ..
        } => {
            let email = moderator_email(&email)?;
            let mode = moderation_mail(&setting, value.as_deref())?;
            let address = email.clone();
            if !write(database, move |conn| {
                Ok(moderators::set_moderation_mail(conn, &address, mode)?)
            })? {
                return Err(format!("there is no moderator {email}"));
            }
            println!(
                "Moderation mail for {email} is now {mode}: {}.",
                mode.describe()
            );
        }
        ModeratorCommand::Set {
            email,
            sites,
            owner,
            setting: None,
            ..
        } => {
            let email = moderator_email(&email)?;
            let names = if owner { Vec::new() } else { sites };
            let (address, live, wanted) = (email.clone(), Arc::clone(live), names.clone());
            if !write(database, move |conn| {
                let Some(id) = moderators::id_of(conn, &address)? else {
                    return Ok(false);
                };
                let scope = scope_named(conn, &live, &wanted)?;
                moderators::change_scope(conn, id, &scope)?;
                Ok(true)
            })? {
                return Err(format!("there is no moderator {email}"));
            }
            println!("Moderator {email} changed; {}.", works_on(&names));
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
    database.write_here(work).map_err(|e| in_words(&e))
}

/// The scope the `--site` names give: an owner for none, else those sites,
/// refusing a name no site has (by that name, so a typo is plain to see).
fn scope_named(
    conn: &mut db::AnyConnection,
    live: &Sites,
    names: &[String],
) -> Result<Scope, AppError> {
    if names.is_empty() {
        return Ok(Scope::Owner);
    }
    let directory = live.current(conn)?;
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let site = directory.named(name).ok_or_else(|| {
            AppError::Missing(format!(
                "There is no site named {name:?}; `replydesk site list` shows them."
            ))
        })?;
        if !ids.contains(&site.id) {
            ids.push(site.id);
        }
    }
    Ok(Scope::Sites(ids))
}

/// What a moderator with these `--site` names works on, in words.
fn works_on(names: &[String]) -> String {
    if names.is_empty() {
        "they are an owner: every site and the settings".to_owned()
    } else {
        format!("they work on site {} only", names.join(", "))
    }
}

/// A scoped moderator's sites for `moderator list`; "none" once every site
/// they had is removed, so an empty column never looks like an owner.
fn scoped_names(names: Vec<String>) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The mode `moderator set EMAIL mail MODE` asks for, refusing any other
/// setting or mode in words that list the choices.
fn moderation_mail(setting: &str, value: Option<&str>) -> Result<ModerationMail, String> {
    if setting != "mail" {
        let shown: String = setting.chars().take(20).collect();
        return Err(format!(
            "{shown:?} is not a moderator setting; the one there is: mail (each, digest or off), \
             or use --site / --owner to change their sites"
        ));
    }
    let Some(value) = value else {
        return Err("`moderator set EMAIL mail` needs a mode: each, digest or off".to_owned());
    };
    value
        .parse()
        .map_err(|e: UnknownModerationMail| e.to_string())
}

pub(super) fn moderator_email(text: &str) -> Result<String, String> {
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
