//! The `replydesk` binary: read settings, then serve or run a command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = replydesk::cli::Cli::parse();
    replydesk::telemetry::init_tracing(if cli.serves() { "info" } else { "warn" });
    match replydesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("replydesk: {message}");
            ExitCode::FAILURE
        }
    }
}
