//! `replydesk settings show|set|reset`: the moderation rules, changed for every instance.

use clap::Subcommand;
use std::sync::Arc;

use crate::configuration::Settings;
use crate::db::Database;
use crate::domain::rules::RuleSettings;
use crate::live_rules::LiveRules;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print every rule setting in force.
    Show,
    /// Change one rule setting (e.g. `hold_all false`, `disallowed_keys "casino\nviagra"`).
    Set { name: String, value: String },
    /// Forget what was set at run time, so the environment, the --config file
    /// or the default decides the setting again.
    Reset { name: String },
}

pub fn run(
    database: &Database,
    settings: &Settings,
    command: SettingsCommand,
) -> Result<(), String> {
    let live = Arc::new(LiveRules::new(settings.rules.clone()));
    match command {
        SettingsCommand::Show => {
            let rules = database
                .read_here(|conn| live.current(conn))
                .map_err(|e| e.to_string())?;
            for name in RuleSettings::NAMES {
                let value = rules.get(name).unwrap_or_default();
                println!("{name} = {}", value.replace('\n', ", "));
            }
        }
        SettingsCommand::Set { name, value } => {
            let value = value.replace("\\n", "\n");
            let (live, changed) = (Arc::clone(&live), name.clone());
            database
                .write_here(move |conn| live.change(conn, &changed, &value))
                .map_err(|e| match e.fields() {
                    Some(fields) => fields
                        .iter()
                        .map(|(field, problem)| format!("{field}: {problem}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                    None => e.to_string(),
                })?;
            println!("{name} changed; every instance uses it from the next comment on.");
        }
        SettingsCommand::Reset { name } => {
            let (live, reset) = (Arc::clone(&live), name.clone());
            let (was_set, rules) = database
                .write_here(move |conn| {
                    let was_set = live.reset(conn, &reset)?;
                    Ok((was_set, live.current(conn)?))
                })
                .map_err(|e| match e.fields() {
                    Some(fields) => fields.values().cloned().collect::<Vec<_>>().join("; "),
                    None => e.to_string(),
                })?;
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
