//! The commands as the process runs them: options from the arguments, the library call, the
//! lines on stderr, the exit status. The library's functions take plain option structs and
//! return summaries or errors; printing and exit codes are decided here only.

pub mod crawl;
pub mod export;
pub mod reparse;
pub mod report;
pub mod scrape;

use crate::cli::LogFormat;
use std::io::IsTerminal;

/// Sets up logging on stderr: text or one JSON object per line; `RUST_LOG` overrides the
/// level (`default` when it is not set: "info" for crawl, whose summary is an event in JSON
/// mode; "warn" for the others, whose own lines say what was done).
pub fn init_logging(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
