//! `replydesk settings show|set|reset [--site NAME]`: one site's moderation
//! rules, changed for every instance.

use clap::{Args, Subcommand};
use std::sync::Arc;

use super::{in_words, naming_fields};
use crate::db::Database;
use crate::domain::rules::RuleSettings;
use crate::error::AppError;
use crate::sites::{DEFAULT_NAME, Site, Sites};

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print every rule setting in force.
    Show(OfSite),
    /// Change one rule setting (e.g. `hold_all false`, `disallowed_keys "casino\nviagra"`).
    Set {
        name: String,
        value: String,
        #[command(flatten)]
        site: OfSite,
    },
    /// Forget what was set at run time, so the environment, the --config file
    /// or the default decides the setting again.
    Reset {
        name: String,
        #[command(flatten)]
        site: OfSite,
    },
}

/// Which site's rules a command reads or changes.
#[derive(Debug, Args)]
pub struct OfSite {
    /// The site (`replydesk site list`); the default site when left out.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_NAME)]
    site: String,
}

/// The site named on the command line, as of now.
pub fn site_named(
    database: &Database,
    sites: &Arc<Sites>,
    name: &str,
) -> Result<Arc<Site>, String> {
    let (sites, wanted) = (Arc::clone(sites), name.to_owned());
    database
        .read_here(move |conn| {
            sites.current(conn)?.named(&wanted).cloned().ok_or_else(|| {
                AppError::Missing(format!(
                    "There is no site named {wanted:?}; `replydesk site list` shows them."
                ))
            })
        })
        .map_err(|e| e.to_string())
}

pub fn run(database: &Database, live: &Arc<Sites>, command: SettingsCommand) -> Result<(), String> {
    match command {
        SettingsCommand::Show(OfSite { site }) => {
            let rules = Arc::clone(&site_named(database, live, &site)?.rules);
            for name in RuleSettings::NAMES {
                let value = rules.get(name).unwrap_or_default();
                println!("{name} = {}", value.replace('\n', ", "));
            }
        }
        SettingsCommand::Set {
            name,
            value,
            site: OfSite { site },
        } => {
            let site = site_named(database, live, &site)?;
            let value = value.replace("\\n", "\n");
            let (live, changed) = (Arc::clone(live), name.clone());
            database
                .write_here(move |conn| live.change_rule(conn, &site, &changed, &value))
                .map_err(|e| naming_fields(&e))?;
            println!("{name} changed; every instance uses it from the next comment on.");
        }
        SettingsCommand::Reset {
            name,
            site: OfSite { site },
        } => {
            let site = site_named(database, live, &site)?;
            let (live, reset) = (Arc::clone(live), name.clone());
            let (was_set, rules) = database
                .write_here(move |conn| {
                    let was_set = live.reset_rule(conn, &site, &reset)?;
                    let now = live.current(conn)?;
                    let rules = now.by_id(site.id).map(|s| Arc::clone(&s.rules));
                    Ok((was_set, rules.unwrap_or_else(|| Arc::clone(&site.rules))))
                })
                .map_err(|e| in_words(&e))?;
            let value = rules.get(&name).unwrap_or_default().replace('\n', ", ");
            if was_set {
                println!(
                    "{name} = {value} again, from the configuration; every instance uses it from the next comment on."
                );
            } else {
                println!("{name} = {value}: it was not changed at run time, so nothing to reset.");
            }
        }
    }
    Ok(())
}
