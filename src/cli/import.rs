//! `replydesk import FORMAT FILE`: the command-line side of the importers,
//! with a progress bar on a terminal and plain lines elsewhere.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Subcommand;

use crate::db::Database;
use crate::import::{self, ImportError, Progress, Summary, wordpress};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (Tools → Export, WXR 1.0–1.2).
    Wordpress {
        file: PathBuf,
        /// Leave pingbacks and trackbacks out (kept by default, with the linking site as author).
        #[arg(long)]
        skip_pingbacks: bool,
        /// What becomes the post key: the link's path, wp:post_name, or wp:post_id.
        #[arg(long, value_enum, default_value_t = KeyFrom::Path)]
        post_key: KeyFrom,
    },
    /// A Disqus export (the XML file Disqus e-mails).
    Disqus { file: PathBuf },
    /// An Isso database (its SQLite file, e.g. comments.db).
    Isso { file: PathBuf },
    /// A Replydesk export written by `replydesk export --format json`.
    Json { file: PathBuf },
}

/// What becomes the key of a WordPress post.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum KeyFrom {
    Path,
    Slug,
    Id,
}

pub fn run(database: &Database, site: Option<i64>, command: ImportCommand) -> Result<(), String> {
    let (path, result) = match command {
        ImportCommand::Wordpress {
            file,
            skip_pingbacks,
            post_key,
        } => {
            let options = wordpress::Options {
                skip_pingbacks,
                post_key: match post_key {
                    KeyFrom::Path => wordpress::PostKey::Path,
                    KeyFrom::Slug => wordpress::PostKey::Slug,
                    KeyFrom::Id => wordpress::PostKey::Id,
                },
            };
            let result = with_progress(database, site, |sink, progress| {
                wordpress::read(&file, options, sink, progress)
            });
            (file, result)
        }
        ImportCommand::Disqus { file } => {
            let result = with_progress(database, site, |sink, progress| {
                import::disqus::read(&file, sink, progress)
            });
            (file, result)
        }
        ImportCommand::Isso { file } => {
            let result = with_progress(database, site, |sink, progress| {
                import::isso::read(&file, sink, progress)
            });
            (file, result)
        }
        ImportCommand::Json { file } => {
            let result = with_progress(database, site, |sink, progress| {
                import::json::read(&file, sink, progress)
            });
            (file, result)
        }
    };
    match result {
        Ok(mut summary) => {
            summary.locate(&path);
            print!("{summary}");
            Ok(())
        }
        Err(error) => Err(format!(
            "{}: {}; nothing was imported",
            path.display(),
            import::locate(error, &path)
        )),
    }
}

fn with_progress(
    database: &Database,
    site: Option<i64>,
    read: impl FnOnce(&mut import::Sink<'_>, &mut dyn Progress) -> Result<(), ImportError>,
) -> Result<Summary, ImportError> {
    let mut progress = Reporter::new();
    let result = import::in_steps(database, site, |sink| read(sink, &mut progress));
    progress.done();
    result
}

/// A progress bar on a terminal; nothing when standard error is a file or a
/// pipe, where the summary at the end says all there is to say.
enum Reporter {
    Bar(indicatif::ProgressBar),
    Quiet,
}

impl Reporter {
    fn new() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {percent}% {elapsed_precise} (eta {eta})",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            Reporter::Bar(bar)
        } else {
            Reporter::Quiet
        }
    }

    fn done(&mut self) {
        if let Reporter::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn update(&mut self, done: u64, total: u64, comments: u64) {
        match self {
            Reporter::Bar(bar) => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(format!("{comments} comments"));
            }
            Reporter::Quiet => {}
        }
    }
}
