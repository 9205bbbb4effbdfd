//! `replydesk rules test [--since 30d] [--site NAME]`: a dry run of today's
//! rules and spam filter on the comments already stored.

use std::sync::Arc;

use chrono::TimeDelta;
use clap::Subcommand;

use super::in_words;
use crate::configuration::Settings;
use crate::db::{self, Database};
use crate::domain::words::count;
use crate::sites::Sites;
use crate::spam::Filter;
use crate::spam::replay::{self, LISTED};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Judge the comments sent since then as if they arrived today, under
    /// today's rules and spam filter, and print what would land elsewhere.
    /// Changes nothing: a dry run before tightening a rule.
    Test {
        /// How far back: days (30d), hours (12h) or weeks (2w).
        #[arg(long, default_value = "30d", value_parser = parse_since)]
        since: TimeDelta,
        /// A rule setting as it would be, NAME=VALUE (e.g. max_links=1);
        /// repeat it for several. Nothing is stored.
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_setting)]
        proposed: Vec<(String, String)>,
    },
}

fn parse_setting(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, such as max_links=1, got {text:?}"))?;
    let (name, value) = (name.trim().to_owned(), value.replace("\\n", "\n"));
    crate::domain::rules::RuleSettings::default().set(&name, &value)?;
    Ok((name, value))
}

fn parse_since(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = number
        .parse()
        .map_err(|_| format!("expected a span such as 30d, 12h or 2w, got {text:?}"))?;
    let span = match unit {
        "d" | "" => TimeDelta::try_days(n),
        "h" => TimeDelta::try_hours(n),
        "w" => TimeDelta::try_weeks(n),
        _ => None,
    };
    span.filter(|_| n > 0)
        .ok_or_else(|| format!("expected a span such as 30d, 12h or 2w, got {text:?}"))
}

pub fn run(
    database: &Database,
    settings: &Settings,
    live: &Arc<Sites>,
    site: Option<(i64, String)>,
    command: RulesCommand,
) -> Result<(), String> {
    let RulesCommand::Test { since, proposed } = command;
    let from = db::now() - since;
    let filter = Arc::new(Filter::new(
        &super::spam::secret(database, settings)?,
        settings.spam,
    ));
    let found_proposed: Vec<String> = proposed
        .iter()
        .map(|(name, value)| format!("{name} = {}", value.replace('\n', ", ")))
        .collect();
    let (live, site_id) = (Arc::clone(live), site.as_ref().map(|(id, _)| *id));
    let found = database
        .read_here(move |conn| {
            filter.refresh(conn)?;
            let directory = live.current(conn)?;
            replay::replay(conn, &directory, &proposed, &filter, from, site_id)
        })
        .map_err(|e| in_words(&e))?;
    let of = site.map_or_else(
        || "every site".to_owned(),
        |(_, name)| format!("site {name:?}"),
    );
    let rules = if found_proposed.is_empty() {
        "today's rules".to_owned()
    } else {
        format!("today's rules with {}", found_proposed.join(", "))
    };
    println!(
        "Replayed {rules} and spam filter on {} sent since {} on {of}; nothing was changed.",
        count(found.replayed, "comment", "comments"),
        from.format("%Y-%m-%d %H:%M UTC"),
    );
    if found.moves.is_empty() {
        println!("Every one would land where the rules put it when it arrived.");
        return Ok(());
    }
    println!("Would land elsewhere (where the rules put it on arrival -> today):");
    for ((then, would_be), n) in &found.moves {
        println!(
            "  {then} -> {would_be}: {}",
            count(*n, "comment", "comments")
        );
    }
    println!("The first {LISTED} at most:");
    for change in &found.first {
        println!(
            "  #{} by {} on {:?}: {} -> {} (now {}): {}",
            change.id,
            change.author,
            change.post,
            change.then,
            change.would_be,
            change.now,
            change.reasons.join("; ")
        );
    }
    println!(
        "Not replayed: the flood and duplicate checks, the time trap and proofs of work, \
         which depend on the moment a comment was sent. The filter has learned from these \
         comments' own decisions, so its scores on them lean towards those decisions."
    );
    Ok(())
}
