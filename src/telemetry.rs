//! Where log lines go, and which are kept.

use std::io::IsTerminal;

/// Logs to stderr, filtered by `RUST_LOG`, else by `default` (`info` for the
/// server; `warn` for a command, whose output is its answer). A log line that
/// cannot be written is dropped: reporting it would write to stderr again,
/// and a failed write there panics, so a log reader that went away would stop
/// the server.
pub fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false)
        .init();
}
