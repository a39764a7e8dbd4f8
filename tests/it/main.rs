//! Every integration test in one binary: one link of the crate instead of one per file
//! (issue 12: a first `cargo test --release` on 2 cores spent most of its time linking
//! sixteen test binaries). Each file is a module and reads as before; `support` is the
//! in-process HTTP server the fetch tests share. Run one file with
//! `cargo test --release --test it cli::`.

mod support;

mod analyst_load;
mod attachment_records;
mod attachments_http;
mod cli;
mod crawl;
mod fetch;
mod fuzz_corpus;
mod inputs;
mod prose;
mod report;
mod safety;
mod seed;
mod timeline;
mod variants;
mod xlsx;
