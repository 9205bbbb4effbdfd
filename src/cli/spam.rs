//! `replydesk spam train|reset|status [--site NAME]`: what the spam filter
//! learned from the moderators' decisions.

use clap::Subcommand;

use super::in_words;
use crate::configuration::Settings;
use crate::db::{Database, spam as store, stored_settings};
use crate::domain::words::{count, count_signed};
use crate::error::AppError;
use crate::spam::{self, MIN_LEARNED, Taught, clues::Reader};

#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Learn from every comment already moderated (published as ham, spam as
    /// spam), for example after importing a WordPress export with its spam
    /// folder. Comments already learned as they stand are not learned twice.
    Train,
    /// Forget everything learned; `spam train` learns it again from the
    /// comments still stored.
    Reset,
    /// How many comments of each side were learned, and whether the filter acts.
    Status,
}

pub fn run(
    database: &Database,
    settings: &Settings,
    site: Option<(i64, String)>,
    command: SpamCommand,
) -> Result<(), String> {
    let site_id = site.as_ref().map(|(id, _)| *id);
    let of = site.as_ref().map_or_else(
        || "every site".to_owned(),
        |(_, name)| format!("site {name:?}"),
    );
    match command {
        SpamCommand::Train => {
            let reader = reader(database, settings)?;
            let taught: Taught = database
                .write_here(move |conn| Ok(spam::train_all(conn, &reader, site_id)?))
                .map_err(|e| in_words(&e))?;
            println!(
                "Learned {} and {} on {of}; {} already learned as {}.",
                count(taught.spam, "spam comment", "spam comments"),
                count(taught.ham, "published comment", "published comments"),
                count(taught.unchanged, "comment was", "comments were"),
                if taught.unchanged == 1 {
                    "it stands"
                } else {
                    "they stand"
                },
            );
            status(database, site_id)
        }
        SpamCommand::Reset => {
            database
                .write_here(move |conn| Ok(store::reset(conn, site_id)?))
                .map_err(|e| in_words(&e))?;
            println!(
                "The spam filter of {of} forgot everything it learned; every instance \
                 scores from nothing within seconds. `replydesk spam train` learns again \
                 from the comments still stored."
            );
            Ok(())
        }
        SpamCommand::Status => status(database, site_id),
    }
}

fn reader(database: &Database, settings: &Settings) -> Result<Reader, String> {
    Ok(Reader::new(&secret(database, settings)?))
}

/// The instance secret the server keys the filter's personal clues with.
pub fn secret(database: &Database, settings: &Settings) -> Result<Vec<u8>, String> {
    Ok(match &settings.secret_key {
        Some(key) => key.expose().as_bytes().to_vec(),
        None => database
            .write_here(|conn| Ok(stored_settings::secret_key(conn)?))
            .map_err(|e: AppError| in_words(&e))?
            .into_bytes(),
    })
}

fn status(database: &Database, site: Option<i64>) -> Result<(), String> {
    let learned = database
        .read_here(|conn| Ok(store::filters(conn)?))
        .map_err(|e| in_words(&e))?;
    let sites = database
        .read_here(|conn| Ok(crate::db::sites::all(conn)?))
        .map_err(|e| in_words(&e))?;
    let mut shown = 0;
    for row in learned
        .iter()
        .filter(|row| site.is_none_or(|id| id == row.site_id))
    {
        shown += 1;
        let name = sites
            .iter()
            .find(|s| s.id == row.site_id)
            .map_or("?", |s| s.name.as_str());
        let least = i64::try_from(MIN_LEARNED).unwrap_or(i64::MAX);
        let acts = row.spam >= least && row.ham >= least;
        println!(
            "{name}: learned {} and {}; {}",
            count_signed(row.spam, "spam comment", "spam comments"),
            count_signed(row.ham, "published comment", "published comments"),
            if acts {
                "it acts on its scores.".to_owned()
            } else {
                format!("it scores, but acts only once it has learned {MIN_LEARNED} of each.")
            }
        );
    }
    if shown == 0 {
        println!("Nothing learned yet: the filter scores every comment 0.5 and acts on none.");
    }
    Ok(())
}
