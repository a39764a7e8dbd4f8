//! minsheng: Chinese county governments' progress-report pages -> clean, typed data.
//!
//! The pipeline (see DESIGN.md), one module per stage, data flowing one way:
//!
//! ```text
//! source -> fetch -> decode -> extract -> normalize -> emit
//!                                                   -> store (crawl mode)
//! ```
//!
//! `pipeline::process` runs decode -> extract -> normalize on one page's bytes; `scrape` is
//! the one-shot command, `crawl` the scheduled one.
//!
//! The library never acts as the process: it does not print, exit, install a logger or pick
//! the global allocator. Those are the `minsheng` binary's (`src/main.rs`), as is the command
//! line (`src/cli.rs`).

pub mod config;
pub mod crawl;
pub mod decode;
pub mod emit;
pub mod extract;
pub mod fetch;
pub mod link;
pub mod normalize;
pub mod pipeline;
pub mod prose;
pub mod record;
pub mod sanitize;
pub mod scrape;
pub mod sniff;
pub mod store;
mod workers;
