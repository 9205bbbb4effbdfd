//! `replydesk site add|list|set|remove`: the blogs one instance serves, for
//! an operator at the shell. Every change goes through the `Sites` service in
//! one write, as the admin page's do, so the same checks refuse the same
//! mistakes (a bad name, an origin another site lists) in the same words.

use std::io::IsTerminal;
use std::sync::Arc;

use clap::Subcommand;

use super::{in_words, naming_fields};
use crate::db::{Database, sites as stored};
use crate::domain::rules::RuleSettings;
use crate::domain::words::count_signed;
use crate::error::AppError;
use crate::sites::Sites;

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Add a site: the blog at these origins gets its own comments, rules and moderators.
    Add {
        /// 1 to 40 lower-case letters, digits and hyphens; it never changes.
        name: String,
        /// An origin the blog's pages are served from, such as https://blog.example.com
        /// (repeat for several).
        #[arg(long = "origin", value_name = "URL", required = true)]
        origins: Vec<String>,
        /// A title for listings (the name when left out).
        #[arg(long, default_value = "")]
        title: String,
    },
    /// List the sites with their origins and how many comments each holds.
    List,
    /// Change a site's title, its origins (a comma- or space-separated list)
    /// or one of its rule settings (as `settings set --site NAME`).
    Set {
        name: String,
        /// title, origins, or a rule setting such as hold_all.
        key: String,
        value: String,
    },
    /// Remove a site with its posts and comments (recorded in the audit log).
    /// On a terminal, a site that holds comments asks for its name first.
    Remove {
        name: String,
        /// Do not ask, even on a terminal.
        #[arg(long)]
        yes: bool,
    },
}

/// Who the audit log names for a removal made here.
const ACTOR: &str = "command line";

pub fn run(database: &Database, live: &Arc<Sites>, command: SiteCommand) -> Result<(), String> {
    match command {
        SiteCommand::Add {
            name,
            origins,
            title,
        } => {
            let listed = origins.join(", ");
            let (live, named) = (Arc::clone(live), name.clone());
            database
                .write_here(move |conn| live.add(conn, &named, &title, &listed))
                .map_err(|e| in_words(&e))?;
            println!(
                "Site {name:?} added; comments from {} go to it from now on.",
                origins.join(", ")
            );
        }
        SiteCommand::List => {
            let live = Arc::clone(live);
            let rows = database
                .read_here(move |conn| {
                    let directory = live.current(conn)?;
                    directory
                        .all()
                        .iter()
                        .map(|site| Ok((Arc::clone(site), stored::comment_count(conn, site.id)?)))
                        .collect::<Result<Vec<_>, AppError>>()
                })
                .map_err(|e| in_words(&e))?;
            println!("name\ttitle\torigins\tcomments");
            for (site, comments) in rows {
                let from = if site.origins_from_configuration {
                    " (from REPLYDESK_ALLOWED_ORIGINS)"
                } else {
                    ""
                };
                println!(
                    "{}\t{}\t{}{from}\t{comments}",
                    site.name,
                    site.label(),
                    site.origins
                );
            }
        }
        SiteCommand::Set { name, key, value } => {
            let what = Change::of(&key)?;
            let site = super::settings::site_named(database, live, &name)?;
            let live = Arc::clone(live);
            let given = value.clone();
            database
                .write_here(move |conn| match what {
                    Change::Title => live.set_title(conn, &site, &given),
                    Change::Origins => live.set_origins(conn, &site, &given),
                    Change::Rule => {
                        live.change_rule(conn, &site, &key, &given.replace("\\n", "\n"))
                    }
                })
                .map_err(|e| match what {
                    // A rule's problem is worded for a form beside the field:
                    // name the setting, as `settings set` does.
                    Change::Rule => naming_fields(&e),
                    _ => in_words(&e),
                })?;
            println!(
                "{} of site {name:?} changed; every instance uses it from the next request on.",
                what.describe()
            );
        }
        SiteCommand::Remove { name, yes } => {
            let site = super::settings::site_named(database, live, &name)?;
            // As the admin page does, a person at a terminal types the name of
            // a site whose comments would go; a script has decided already.
            let ask = !yes && std::io::stdin().is_terminal();
            let expected = if ask {
                let id = site.id;
                let held = database
                    .read_here(move |conn| Ok(stored::comment_count(conn, id)?))
                    .map_err(|e| e.to_string())?;
                if held > 0 {
                    confirm_by_name(&site.name, held)?;
                }
                Some(held)
            } else {
                None
            };
            let live = Arc::clone(live);
            let removed = database
                .write_here(move |conn| {
                    // Comments that arrived after the question was asked are
                    // not removed unasked.
                    let held = stored::comment_count(conn, site.id)?;
                    if expected.is_some_and(|asked| held > asked) {
                        return Err(AppError::Conflict(format!(
                            "Site {:?} received comments while you confirmed; run the command again.",
                            site.name
                        )));
                    }
                    live.remove(conn, &site, ACTOR)
                })
                .map_err(|e| in_words(&e))?;
            println!(
                "Site {name:?} removed with its posts and {}.",
                count_signed(removed, "comment", "comments")
            );
        }
    }
    Ok(())
}

/// Asks, on the terminal, for the name of a site whose comments a removal
/// would delete; anything else keeps the site.
fn confirm_by_name(name: &str, held: i64) -> Result<(), String> {
    eprint!(
        "Site {name:?} holds {}, deleted with it. Type its name to remove it: ",
        count_signed(held, "comment", "comments")
    );
    let mut typed = String::new();
    std::io::stdin()
        .read_line(&mut typed)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if typed.trim() == name {
        Ok(())
    } else {
        Err(format!("the name was not typed, so site {name:?} is kept"))
    }
}

/// What `site set` changes.
#[derive(Debug, Clone, Copy)]
enum Change {
    Title,
    Origins,
    Rule,
}

impl Change {
    /// Refuses a key that is neither a site's own nor a rule setting before
    /// anything is read, listing what may be set.
    fn of(key: &str) -> Result<Self, String> {
        match key {
            "title" => Ok(Change::Title),
            "origins" => Ok(Change::Origins),
            _ if RuleSettings::NAMES.contains(&key) => Ok(Change::Rule),
            _ => Err(format!(
                "{key:?} is not something a site has: set title, origins or a rule setting ({})",
                RuleSettings::NAMES.join(", ")
            )),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Change::Title => "The title",
            Change::Origins => "The origins",
            Change::Rule => "The rule setting",
        }
    }
}
