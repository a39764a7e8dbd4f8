//! Thin: parse arguments, call the library, map the result to an exit code.

use clap::Parser;
use minsheng::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scrape(args) => minsheng::scrape::main(args),
        Command::Crawl(args) => minsheng::crawl::main(args),
        Command::Export(args) => minsheng::crawl::export_main(args),
        Command::Reparse(args) => minsheng::crawl::reparse_main(args),
    }
}
