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
//! the one-shot command.

pub mod cli;
pub mod config;
pub mod crawl;
pub mod decode;
pub mod emit;
pub mod extract;
pub mod fetch;
pub mod normalize;
pub mod pipeline;
pub mod record;
pub mod scrape;
pub mod store;
