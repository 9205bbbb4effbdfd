//! The command line: `serve` (the default), `migrate`, sites, moderators,
//! comments, rule settings, personal data, import and export.

mod comments;
mod export;
mod import;
mod moderators;
mod personal;
mod rules;
mod settings;
mod sites;
mod spam;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::configuration::Settings;
use crate::db::{Database, Opening, moderators as moderator_table};
use crate::domain::words::count_of;
use crate::error::AppError;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "replydesk",
    version,
    about = "A self-hosted backend for article comments"
)]
pub struct Cli {
    /// A TOML file of settings (keys as in REPLYDESK_*, without the prefix, e.g. hold_all = true).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Say which database the command uses.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and pages (the default).
    Serve {
        /// Also serve a demo blog under /demo/ that uses the widget.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Add, list, change and remove the sites (blogs) this instance serves.
    #[command(subcommand)]
    Site(sites::SiteCommand),
    /// Manage the moderators who work the queue.
    #[command(subcommand)]
    Moderator(moderators::ModeratorCommand),
    /// List, inspect and moderate comments.
    Comment {
        #[command(subcommand)]
        command: comments::CommentCommand,
        /// Act as this moderator: only the comments of their sites, and the
        /// audit log names them (as an owner, naming no one, when left out).
        #[arg(long = "as", global = true, value_name = "EMAIL")]
        acting_as: Option<String>,
    },
    /// Try today's rules on the comments already stored, changing nothing.
    Rules {
        #[command(subcommand)]
        command: rules::RulesCommand,
        /// Only this site's comments (every site's when left out).
        #[arg(long, global = true, value_name = "NAME")]
        site: Option<String>,
    },
    /// Teach, reset or inspect the spam filter that learns from moderation.
    Spam {
        #[command(subcommand)]
        command: spam::SpamCommand,
        /// Only this site's filter (every site's when left out).
        #[arg(long, global = true, value_name = "NAME")]
        site: Option<String>,
    },
    /// Show or change the moderation rules for every instance.
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// Write everything stored about an e-mail address as JSON (to FILE, or standard output).
    ExportPersonal {
        email: String,
        file: Option<PathBuf>,
    },
    /// Import comments from WordPress, Disqus, Isso or a Replydesk export, merged
    /// into what is stored; importing the same file again adds nothing.
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
        /// The site whose posts the comments belong to. Without it, each post
        /// goes to the site a Replydesk export names for it, else to the
        /// default site.
        #[arg(long, global = true, value_name = "NAME")]
        site: Option<String>,
    },
    /// Write everything stored (posts, comments, moderators without passwords) to FILE.
    Export {
        /// json is the complete backup that `import json` reads back; wxr is for WordPress.
        #[arg(long, value_enum, default_value_t = export::ExportFormat::Json)]
        format: export::ExportFormat,
        file: PathBuf,
        /// Only this site's posts and comments (every site's when left out).
        #[arg(long, value_name = "NAME")]
        site: Option<String>,
    },
    /// Anonymize everything stored about an e-mail address, as WordPress's eraser does.
    Forget {
        email: String,
        /// Also replace the text of that person's comments.
        #[arg(long)]
        delete_text: bool,
        /// Also delete the e-mails already written under REPLYDESK_MAIL_FOLDER
        /// (./mail-outbox/ by default; when no SMTP server is set) that name
        /// the address or one of its comments.
        #[arg(long)]
        purge_outbox_files: bool,
    },
}

impl Cli {
    /// Whether this run is the server (the default), rather than a command.
    pub fn serves(&self) -> bool {
        matches!(self.command, None | Some(Command::Serve { .. }))
    }
}

/// Runs the command; the error is one line for the operator, worded as every
/// other: "there is no comment 999", whether the command line or the service
/// it called wrote it.
pub fn run(cli: Cli) -> Result<(), String> {
    run_command(cli).map_err(|message| as_line(&message))
}

/// A sentence as the tail of `replydesk: …`: its first word in lower case
/// (unless it is a name such as REPLYDESK_BIND) and no closing full stop.
fn as_line(message: &str) -> String {
    let message = message.strip_suffix('.').unwrap_or(message);
    let mut chars = message.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first
            .to_lowercase()
            .chain(message.chars().skip(1))
            .collect(),
        _ => message.to_owned(),
    }
}

fn run_command(cli: Cli) -> Result<(), String> {
    let mut settings = Settings::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    if cli.verbose {
        eprintln!("Using {}.", settings.database.describe());
    }
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            settings.demo |= demo;
            serve(settings)
        }
        Command::Migrate => {
            let opening = Opening {
                create: true,
                wait: Duration::from_secs(u64::from(settings.database_wait_seconds)),
                sqlite_sync: settings.sqlite_sync,
            };
            let (_, applied) =
                Database::open_with(&settings.database, opening).map_err(|e| e.to_string())?;
            let what = settings.database.describe();
            if applied == 0 {
                println!(
                    "{} is up to date: no migration to apply.",
                    capitalized(&what)
                );
            } else {
                println!(
                    "Applied {} to {what}; it is up to date.",
                    count_of(applied, "migration", "migrations")
                );
            }
            Ok(())
        }
        Command::Site(command) => {
            let database = open(&settings)?;
            sites::run(&database, &sites_of(&database, &settings)?, command)
        }
        Command::Moderator(command) => {
            let database = open(&settings)?;
            moderators::run(&database, &sites_of(&database, &settings)?, command)
        }
        Command::Comment { command, acting_as } => {
            let database = open(&settings)?;
            comments::run(
                &database,
                &sites_of(&database, &settings)?,
                acting_as.as_deref(),
                command,
            )
        }
        Command::ExportPersonal { email, file } => {
            personal::export(&open(&settings)?, &settings, &email, file)
        }
        Command::Forget {
            email,
            delete_text,
            purge_outbox_files,
        } => personal::forget(
            &open(&settings)?,
            &settings,
            &email,
            delete_text,
            purge_outbox_files,
        ),
        Command::Import { what, site } => {
            let database = open(&settings)?;
            let site = site_id_named(&database, &settings, site)?;
            import::run(&database, site, what)
        }
        Command::Export { format, file, site } => {
            let database = open(&settings)?;
            let site = site_id_named(&database, &settings, site)?;
            export::export(&database, format, site, &file)
        }
        Command::Settings(command) => {
            let database = open(&settings)?;
            settings::run(&database, &sites_of(&database, &settings)?, command)
        }
        Command::Spam { command, site } => {
            let database = open(&settings)?;
            let site = named_site(&database, &settings, site)?;
            spam::run(&database, &settings, site, command)
        }
        Command::Rules { command, site } => {
            let database = open(&settings)?;
            let site = named_site(&database, &settings, site)?;
            let sites = sites_of(&database, &settings)?;
            rules::run(&database, &settings, &sites, site, command)
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let app = Application::build(settings).await.map_err(|e| e.to_string())?;
        let count = app
            .database()
            .read(|conn| Ok(moderator_table::count(conn)?))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(port = app.port(), "Replydesk is listening on {}", app.public_url());
        if app.demo() {
            println!("The demo blog is at {}demo/", app.public_url());
        }
        if count == 0 {
            tracing::info!("No moderator yet. Create the first one with: replydesk moderator add you@example.com");
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

/// The sites as this command's configuration sees them, keying addresses
/// as the server does, so a comment approved here mails only confirmed ones.
fn sites_of(
    database: &Database,
    settings: &Settings,
) -> Result<std::sync::Arc<crate::sites::Sites>, String> {
    let keys = crate::domain::address::AddressKeys::new(&spam::secret(database, settings)?);
    // With Akismet on, a spam decision taken here is reported to it, by
    // the server's worker, as one taken on the admin page is.
    Ok(std::sync::Arc::new(
        crate::sites::Sites::new(
            settings.rules.clone(),
            settings.allowed_origins.clone(),
            keys,
        )
        .with_akismet(settings.akismet.is_some()),
    ))
}

/// A service's error in the operator's words: a refused field's own
/// sentences ("… would belong to two sites: site \"b\" and site \"a\" …")
/// rather than the form's "Some fields need attention".
fn in_words(error: &AppError) -> String {
    match error.fields() {
        Some(fields) => fields.values().cloned().collect::<Vec<_>>().join("; "),
        None => error.to_string(),
    }
}

/// The same, each refused field's sentence after the field's name, for a
/// problem worded to sit beside its field on a form ("max_links: expected a
/// whole number …").
fn naming_fields(error: &AppError) -> String {
    match error.fields() {
        Some(fields) => fields
            .iter()
            .map(|(field, problem)| format!("{field}: {problem}"))
            .collect::<Vec<_>>()
            .join("; "),
        None => error.to_string(),
    }
}

/// The id and name of the site `--site` names, if it names one.
fn named_site(
    database: &Database,
    settings: &Settings,
    name: Option<String>,
) -> Result<Option<(i64, String)>, String> {
    Ok(site_id_named(database, settings, name.clone())?.zip(name))
}

/// The id of the site `--site` names, if it names one.
fn site_id_named(
    database: &Database,
    settings: &Settings,
    name: Option<String>,
) -> Result<Option<i64>, String> {
    name.map(|name| {
        let sites = sites_of(database, settings)?;
        Ok(settings::site_named(database, &sites, &name)?.id)
    })
    .transpose()
}

/// The database a command works on, which must exist already: a command run
/// from the wrong folder says so, rather than work on a new, empty database.
fn open(settings: &Settings) -> Result<Database, String> {
    let opening = Opening {
        create: false,
        wait: Duration::ZERO,
        sqlite_sync: settings.sqlite_sync,
    };
    Database::open_with(&settings.database, opening)
        .map(|(db, _)| db)
        .map_err(|e| e.to_string())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
