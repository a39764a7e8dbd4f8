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

// The public face: what a user of the library needs (DESIGN.md "Layout"): the pipeline
// (`pipeline::process` on a `Source`, and `pipeline::decode` on its own), the record and
// its reports, the writers, the fetcher, the configs, the two commands' entry points, the
// crawl store and its timeline. The stages behind `process` are the crate's own: their
// types (html5ever's among them) change with the pipeline and are tested inside it.
pub mod config;
pub mod crawl;
pub mod emit;
pub mod fetch;
pub mod link;
pub mod pipeline;
pub mod record;
pub mod sanitize;
pub mod scrape;
pub mod store;

// The stages behind `pipeline::process`, and the crawl's CPU workers.
pub(crate) mod decode;
pub(crate) mod extract;
pub(crate) mod normalize;
pub(crate) mod prose;
pub(crate) mod sniff;
mod workers;
